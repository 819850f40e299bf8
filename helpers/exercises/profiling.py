"""Exercises of chapter 09 (profiling): 09.1, 09.2 and the judgement exercise 09.3.

Each function is the reference computation of one exercise on the default clean lines: basket
supports and lifts by sparse matrix algebra (scipy) and plain pandas, without
:mod:`helpers.baskets` or :mod:`helpers.profiling`, which the chapter teaches.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd
from scipy import sparse

from helpers.exercises.core import default_clean, exercise


@cache
def _baskets() -> tuple[sparse.csr_array, pd.Index]:
    """Invoice x product 0/1 matrix of the clean lines (sparse), and the product ids."""
    clean = default_clean()
    rows, _ = pd.factorize(clean["invoice_id"])
    columns, products = pd.factorize(clean["product_id"])
    ones = np.ones(len(clean), dtype=np.int64)
    matrix = sparse.csr_array((ones, (rows, columns)))
    matrix.data[:] = 1  # a product on several lines of an invoice counts once
    return matrix, pd.Index(products)


@exercise(
    "09.1",
    "What is the lift of the pair of the two products that are in the most baskets?",
    "supports are shares of baskets (invoices), not counts of lines; lift compares the "
    "share with both products to what independence would give.",
    rel=0.001,
)
def lift_of_top_two() -> float:
    """Lift of the two most frequent products, from basket shares."""
    basket, _ = _baskets()
    n = basket.shape[0]
    counts = np.asarray(basket.sum(axis=0)).ravel()
    a, b = np.argsort(-counts, kind="stable")[:2]
    both = basket[:, [a]].multiply(basket[:, [b]]).sum()
    return float(both * n / (counts[a] * counts[b]))


@exercise(
    "09.2",
    "Among product pairs in at least 1% of baskets, which pair has the highest lift? Answer "
    "the two product ids.",
    "keep pairs (one product on each side) with support of at least 1% and no confidence "
    "filter; lift is symmetric, so A -> B and B -> A are the same pair.",
    normalise=lambda pair: frozenset(pair),
)
def highest_lift_pair() -> frozenset[str]:
    """Co-occurrence counts B'B of the basket matrix; lift of every pair with support >= 1%."""
    basket, products = _baskets()
    n = basket.shape[0]
    together = (basket.T @ basket).toarray() / n
    support = np.diag(together).copy()
    np.fill_diagonal(together, 0.0)
    lift = np.where(together >= 0.01, together / np.outer(support, support), -np.inf)
    a, b = np.unravel_index(np.argmax(lift), lift.shape)
    return frozenset({str(products[a]), str(products[b])})


@exercise(
    "09.3",
    "Fix the snippet's basket: what share of baskets holds both of the two products that "
    "are in the most baskets?",
    "a basket is one invoice, not everything a customer ever bought: a customer who bought "
    "one product in March and the other in October did not buy them together. Count "
    "invoices, each product once per invoice.",
    rel=1e-9,
)
def pair_support_per_invoice() -> float:
    """Support of the two most frequent products with invoices as baskets."""
    clean = default_clean()
    pairs = clean[["invoice_id", "product_id"]].drop_duplicates()
    top_two = pairs["product_id"].value_counts().index[:2]
    holding = pairs[pairs["product_id"].isin(top_two)].groupby("invoice_id").size()
    return float((holding == 2).sum() / pairs["invoice_id"].nunique())

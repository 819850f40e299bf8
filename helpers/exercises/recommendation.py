"""Exercises of chapter 10 (recommendation): 10.1-10.3 and the judgement exercise 10.4.

Each function is the reference computation of one exercise on the default clean lines,
without :mod:`helpers.interactions`, :mod:`helpers.recommend` or :mod:`helpers.recommend_eval`,
which the chapter teaches: the recommenders are recomputed as dense matrix algebra with pandas
and numpy (the synthetic shop has 320 products).
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd

from helpers.exercises.core import default_clean, exercise

#: Chapter 10's default cutoff between the training and the test period (synthetic data).
CUTOFF = pd.Timestamp("2024-07-01")


@cache
def _purchases() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Tabulate customer x product purchases (0/1) before the cutoff and from it on."""
    clean = default_clean()
    catalogue = np.sort(clean["product_id"].astype(str).unique())
    before = clean["invoice_date"] < CUTOFF

    def table(lines: pd.DataFrame) -> pd.DataFrame:
        counts = pd.crosstab(lines["customer_id"].astype(str), lines["product_id"].astype(str))
        return counts.reindex(columns=catalogue, fill_value=0) > 0

    bought = table(clean[before])
    later = table(clean[~before]).reindex(index=bought.index, fill_value=False)
    return bought, later


def _popularity_order(bought: pd.DataFrame) -> pd.Index:
    """Products bought by anyone, most buyers first, equal numbers by product id."""
    counts = bought.sum().rename("buyers").rename_axis("product").reset_index()
    counts = counts[counts["buyers"] > 0].sort_values(
        ["buyers", "product"], ascending=[False, True]
    )
    return pd.Index(counts["product"])


def _top(scores: np.ndarray, k: int) -> np.ndarray:
    """Column positions of each row's ``k`` best positive scores; -1 for an empty slot.

    Scores are compared rounded to 10 decimals, equal scores by the lower column.
    """
    rounded = np.round(scores, 10)
    order = np.argsort(-rounded, axis=1, kind="stable")[:, :k]
    best = np.take_along_axis(rounded, order, axis=1)
    return np.where(best > 0, order, -1)


@exercise(
    "10.1",
    "What is the cosine similarity between the two products bought by the most customers "
    "before the cutoff?",
    "each product is a column of the 0/1 interaction matrix: the customers who bought both, "
    "divided by the square root of the product of the two numbers of buyers.",
    abs=0.0005,
)
def cosine_of_best_sellers() -> float:
    """Cosine between the buyer vectors of the two most popular products."""
    bought, _ = _purchases()
    a, b = _popularity_order(bought)[:2]
    both = (bought[a] & bought[b]).sum()
    return float(both / np.sqrt(bought[a].sum() * bought[b].sum()))


@exercise(
    "10.2",
    "How many distinct products does the popularity baseline put in the top-10 lists of all "
    "the customers known before the cutoff?",
    "recommend to every customer of the interaction matrix (not only the scored ones), with "
    "what they already bought left out, and count distinct products, not lines.",
)
def popularity_coverage() -> int:
    """Distinct products among the first 10 not-yet-bought products of the popularity order."""
    bought, _ = _purchases()
    candidates = ~bought[_popularity_order(bought)].to_numpy()
    chosen = candidates & (np.cumsum(candidates, axis=1) <= 10)
    return int(chosen.any(axis=0).sum())


@exercise(
    "10.3",
    "With 20 neighbours per product, what precision@10 does item CF reach on the time split?",
    "fit a new ItemCF with n_neighbours=20 on the same interaction matrix, recommend 10 "
    "products to the scored customers and evaluate the lists against `relevant`.",
    abs=0.001,
)
def item_cf_twenty_precision() -> float:
    """Dense item CF: cosine, 20 neighbours per product, scores X S, mean hits / 10."""
    bought, later = _purchases()
    x = bought.to_numpy(float)
    norm = np.sqrt(x.sum(axis=0))
    similar = (x.T @ x) / np.where(norm > 0, np.outer(norm, norm), 1.0)
    np.fill_diagonal(similar, 0.0)
    keep = _top(similar, 20)
    rows = np.arange(len(similar))[:, None]
    neighbours = np.zeros_like(similar)
    neighbours[rows, keep] = np.where(keep >= 0, np.round(similar[rows, keep], 10), 0.0)
    relevant = later.to_numpy() & ~bought.to_numpy()
    scored = relevant.any(axis=1)
    scores = x[scored] @ neighbours
    scores[bought.to_numpy()[scored]] = -np.inf
    lists = _top(scores, 10)
    hits = np.take_along_axis(relevant[scored], np.maximum(lists, 0), axis=1) & (lists >= 0)
    return float(hits.sum(axis=1).mean() / 10)


@exercise(
    "10.4",
    "Fix the colleague's popularity backtest: what precision@10 does popularity really reach?",
    "a model tested on the purchases from the cutoff on may only have seen the lines before "
    "it: check which table every count in the snippet is taken from.",
    abs=0.001,
)
def honest_popularity_precision() -> float:
    """Popularity counted before the cutoff, bought products left out, mean hits / 10."""
    clean = default_clean()
    before = clean["invoice_date"] < CUTOFF
    owned = pd.crosstab(clean.loc[before, "customer_id"], clean.loc[before, "product_id"]) > 0
    later = pd.crosstab(clean.loc[~before, "customer_id"], clean.loc[~before, "product_id"]) > 0
    later = later.reindex(index=owned.index, columns=owned.columns, fill_value=False)
    wanted = later & ~owned  # new products bought after the cutoff by known customers
    wanted = wanted[wanted.any(axis=1)]
    buyers = owned.sum().rename("buyers").rename_axis("product").reset_index()
    order = buyers.sort_values(["buyers", "product"], ascending=[False, True])["product"]
    candidates = ~owned.loc[wanted.index, order].to_numpy()
    top10 = candidates & (np.cumsum(candidates, axis=1) <= 10)
    hits = (top10 & wanted[order].to_numpy()).sum(axis=1)
    return float(hits.mean() / 10)

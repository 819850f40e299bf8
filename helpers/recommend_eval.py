"""Evaluating recommendations honestly: a time split and ranking metrics at ``k``.

A recommender is fitted on the order lines **before a cutoff** (``test_start``) and judged on
what customers bought **from the cutoff on**, up to an optional ``as_of`` (exclusive, as
everywhere in :mod:`helpers`) (:func:`time_split`), never on the purchases it was fitted on.
:func:`relevant_items` lists, per customer, the products that count as a hit: by default the
products a customer bought after the cutoff and had not bought before (recommenders leave out
what was already bought), for customers known before the cutoff. Only customers with at least
one relevant product are scored.

For one customer with relevant set ``R`` and a ranked list of at most ``k`` products (``rel_i``
= 1 when the product at rank ``i`` is in ``R``), ``hits = sum(rel_i)``:

- ``precision@k = hits / k``: a list shorter than ``k`` (a customer with fewer candidates)
  counts its empty slots as misses, so a method is not rewarded for saying less;
- ``recall@k = hits / |R|``;
- ``AP@k = sum_i precision@i * rel_i / min(|R|, k)``, and MAP@k is its mean over customers;
- ``NDCG@k = DCG / IDCG`` with ``DCG = sum_i rel_i / log2(i + 1)`` and ``IDCG`` the DCG of a
  perfect list (``min(|R|, k)`` hits at the top);
- hit rate: the share of customers with at least one hit;
- catalogue coverage: the share of the catalogue's products recommended to anyone scored.

Ranks come from :meth:`helpers.recommend.Recommender.recommend`, which already broke ties in
score by product id; the metrics use ranks, never scores, so ties cannot be counted twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from helpers import schema as s
from helpers.checks import column_rule, require_columns
from helpers.dates import to_timestamp
from helpers.deprecation import renamed_arguments
from helpers.recommend import Interactions, Recommender, check_k

__all__ = [
    "METRICS",
    "evaluate",
    "evaluate_recommenders",
    "metrics_by_k",
    "ranking_metrics",
    "relevant_items",
    "time_split",
]

#: The summary metrics of :func:`evaluate`, in order.
METRICS: tuple[str, ...] = ("precision", "recall", "map", "ndcg", "hit_rate", "coverage")


@renamed_arguments(cutoff="test_start", end="as_of", invoice_date="date_col")
def time_split(
    transactions: pd.DataFrame,
    test_start: str | pd.Timestamp,
    *,
    as_of: str | pd.Timestamp | None = None,
    date_col: str = s.INVOICE_DATE,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split order lines at a moment: training lines before it, test lines from it on.

    Parameters
    ----------
    transactions : pandas.DataFrame
        Clean order lines.
    test_start : str or pandas.Timestamp
        The first moment of the test period (included in it; the training lines are those
        before it). Old name ``cutoff`` (same meaning).
    as_of : str or pandas.Timestamp, optional
        The end of the test period, exclusive (the analysis date: lines at or after it are not
        used); default no end. Old name ``end`` (same meaning).
    date_col : str, default "invoice_date"
        Column name of the invoice date (old name ``invoice_date``).

    Returns
    -------
    train, test : pandas.DataFrame
        The lines with ``date < test_start``, and those with ``test_start <= date < as_of``.

    Raises
    ------
    ValueError
        If the column is missing, a date is missing, ``test_start`` or ``as_of`` is not a
        date, or either side is empty.
    """
    require_columns(transactions, [date_col], "transactions")
    column_rule(transactions, transactions[date_col].isna(), "transactions", date_col, "present")
    start = to_timestamp(test_start, "test_start")
    stop = to_timestamp(as_of, "as_of") if as_of is not None else None
    dates = transactions[date_col]
    train = transactions[dates < start]
    test = transactions[(dates >= start) & ((dates < stop) if stop is not None else True)]
    if train.empty or test.empty:
        raise ValueError(
            f"test_start {start} leaves {len(train):,} training and {len(test):,} test lines "
            f"(the data runs from {dates.min()} to {dates.max()}); pick a test_start inside it"
        )
    return train, test


@renamed_arguments(customer_id="customer_col", product_id="product_col")
def relevant_items(
    train: pd.DataFrame,
    test: pd.DataFrame,
    *,
    new_items_only: bool = True,
    known_customers_only: bool = True,
    customer_col: str = s.CUSTOMER_ID,
    product_col: str = s.PRODUCT_ID,
) -> pd.DataFrame:
    """List the products that count as a hit per customer: what they bought after the cutoff.

    Parameters
    ----------
    train, test : pandas.DataFrame
        Order lines before and after the cutoff (:func:`time_split`).
    new_items_only : bool, default True
        Count only products the customer had not bought before the cutoff (recommenders
        exclude those, so they could never be hits).
    known_customers_only : bool, default True
        Keep only customers with a purchase before the cutoff (a new customer is a cold start:
        evaluate them separately).
    customer_col, product_col : str
        Column names (old names ``customer_id``, ``product_id``, with a FutureWarning).

    Returns
    -------
    pandas.DataFrame
        Distinct (customer, product) pairs, sorted, under the caller's column names
        ``customer_col`` and ``product_col``.
    """
    columns = [customer_col, product_col]
    require_columns(train, columns, "train", allow_empty=True)
    require_columns(test, columns, "test")
    pairs = test[columns].astype(str).drop_duplicates()
    before = train[columns].astype(str).drop_duplicates()
    if known_customers_only:
        pairs = pairs[pairs[customer_col].isin(before[customer_col])]
    if new_items_only:
        seen = pd.MultiIndex.from_frame(before)
        pairs = pairs[~pd.MultiIndex.from_frame(pairs).isin(seen)]
    return pairs.sort_values(columns, ignore_index=True)


def _check_recommendations(
    recommendations: pd.DataFrame, customer_col: str, product_col: str
) -> pd.DataFrame:
    """Check the recommendations and return them as (customer, rank, product), ids as text."""
    table = "recommendations"
    require_columns(recommendations, [customer_col, "rank", product_col], table, allow_empty=True)
    rank = pd.to_numeric(recommendations["rank"], errors="coerce")
    column_rule(
        recommendations, ~(rank >= 1) | (rank % 1 != 0), table, "rank", "a whole number >= 1"
    )
    recs = recommendations[[customer_col, "rank", product_col]].astype(
        {customer_col: str, product_col: str}
    )
    for keys, what in (
        ([customer_col, "rank"], "rank"),
        ([customer_col, product_col], product_col),
    ):
        column_rule(
            recommendations, recs.duplicated(keys, keep=False), table, what,
            "unique within a customer",
        )  # fmt: skip
    return recs


def _ranked_lines(
    recommendations: pd.DataFrame,
    relevant: pd.DataFrame,
    customer_col: str = s.CUSTOMER_ID,
    product_col: str = s.PRODUCT_ID,
) -> tuple[pd.DataFrame, pd.Series]:
    """List each recommendation to a scored customer with its position, hit flag and gains."""
    recs = _check_recommendations(recommendations, customer_col, product_col)
    require_columns(relevant, [customer_col, product_col], "relevant")
    truth = relevant[[customer_col, product_col]].astype(str).drop_duplicates()
    n_relevant = truth.groupby(customer_col).size()
    recs = recs[recs[customer_col].isin(n_relevant.index)]
    recs = recs.sort_values([customer_col, "rank"], kind="stable")
    hit = pd.MultiIndex.from_frame(recs[[customer_col, product_col]]).isin(
        pd.MultiIndex.from_frame(truth)
    )
    customer = recs[customer_col].to_numpy()
    # the position in the list (1..), not the rank number, in case a list skips a rank; the
    # lines of ranks <= k are the first of each list, so positions hold for every k
    position = recs.groupby(customer_col).cumcount().to_numpy() + 1
    hits_so_far = pd.Series(hit.astype(int)).groupby(customer).cumsum().to_numpy()
    lines = pd.DataFrame(
        {
            "customer": customer,
            "product": recs[product_col].to_numpy(),
            "rank": recs["rank"].to_numpy(),
            "hit": hit.astype(float),
            "precision_at_i": hits_so_far / position * hit,
            "gain": hit / np.log2(position + 1),
        }
    )
    return lines, n_relevant


def _per_customer(lines: pd.DataFrame, n_relevant: pd.Series, k: int) -> pd.DataFrame:
    """Compute the metrics at ``k`` of every scored customer from :func:`_ranked_lines`."""
    per = (
        lines[lines["rank"] <= k]
        .groupby("customer")
        .agg(
            n_recommended=("hit", "size"),
            hits=("hit", "sum"),
            ap_sum=("precision_at_i", "sum"),
            dcg=("gain", "sum"),
        )
        .reindex(n_relevant.index, fill_value=0)
    )
    n_rel = n_relevant.to_numpy()
    ideal_len = np.minimum(n_rel, k)
    discounts = np.cumsum(1.0 / np.log2(np.arange(2, k + 2)))
    hits = per["hits"].to_numpy()
    return pd.DataFrame(
        {
            "n_relevant": n_rel,
            "n_recommended": per["n_recommended"].to_numpy().astype("int64"),
            "hits": hits.astype("int64"),
            "precision": hits / k,
            "recall": hits / n_rel,
            "average_precision": per["ap_sum"].to_numpy() / ideal_len,
            "ndcg": per["dcg"].to_numpy() / discounts[ideal_len - 1],
            "hit": hits > 0,
        },
        index=n_relevant.index,
    )


def _summary(
    lines: pd.DataFrame, n_relevant: pd.Series, k: int, n_products: int | None
) -> pd.Series:
    per = _per_customer(lines, n_relevant, k)
    shown = lines.loc[lines["rank"] <= k, "product"].nunique()
    return pd.Series(
        {
            "precision": per["precision"].mean(),
            "recall": per["recall"].mean(),
            "map": per["average_precision"].mean(),
            "ndcg": per["ndcg"].mean(),
            "hit_rate": per["hit"].mean(),
            "coverage": shown / n_products if n_products else np.nan,
            "customers": float(len(per)),
        },
        name=f"at {k}",
    )


def ranking_metrics(
    recommendations: pd.DataFrame,
    relevant: pd.DataFrame,
    k: int = 10,
    *,
    customer_col: str = s.CUSTOMER_ID,
    product_col: str = s.PRODUCT_ID,
) -> pd.DataFrame:
    """Precision, recall, average precision and NDCG at ``k`` for every scored customer.

    Parameters
    ----------
    recommendations : pandas.DataFrame
        Customer, ``rank``, product (as from ``recommend``); ranks above ``k`` are ignored,
        customers without relevant products are not scored.
    relevant : pandas.DataFrame
        (customer, product) pairs that count as hits (:func:`relevant_items`).
    k : int, default 10
        The length of the list judged.
    customer_col, product_col : str
        Column names of the customer and product in both frames (as the order lines named
        them: ``recommend`` and :func:`relevant_items` keep their names).

    Returns
    -------
    pandas.DataFrame
        One row per customer of ``relevant`` (sorted; the index named ``customer_col``):
        ``n_relevant``, ``n_recommended``,
        ``hits``, ``precision``, ``recall``, ``average_precision``, ``ndcg``, ``hit``. A
        customer with no recommendation scores 0.
    """
    k = check_k(k)
    lines, n_relevant = _ranked_lines(recommendations, relevant, customer_col, product_col)
    return _per_customer(lines, n_relevant, k)


def evaluate(
    recommendations: pd.DataFrame,
    relevant: pd.DataFrame,
    k: int = 10,
    *,
    n_products: int | None = None,
    customer_col: str = s.CUSTOMER_ID,
    product_col: str = s.PRODUCT_ID,
) -> pd.Series:
    """Average the ranking metrics at ``k`` over the scored customers; catalogue coverage.

    Parameters
    ----------
    recommendations, relevant, k
        As for :func:`ranking_metrics`.
    n_products : int, optional
        The catalogue's size, for coverage (NaN when not given).
    customer_col, product_col : str
        As for :func:`ranking_metrics`.

    Returns
    -------
    pandas.Series
        :data:`METRICS` (``precision``, ``recall``, ``map``, ``ndcg``, ``hit_rate``,
        ``coverage``: products recommended to scored customers / ``n_products``) and
        ``customers`` (how many were scored).
    """
    k = check_k(k)
    lines, n_relevant = _ranked_lines(recommendations, relevant, customer_col, product_col)
    return _summary(lines, n_relevant, k, n_products)


def metrics_by_k(
    recommendations: pd.DataFrame,
    relevant: pd.DataFrame,
    ks: Iterable[int],
    *,
    n_products: int | None = None,
    customer_col: str = s.CUSTOMER_ID,
    product_col: str = s.PRODUCT_ID,
) -> pd.DataFrame:
    """Evaluate at several list lengths, from one list of the longest length.

    Parameters
    ----------
    recommendations, relevant
        As for :func:`ranking_metrics`; recommend at least ``max(ks)`` products.
    ks : iterable of int
        The lengths.
    n_products : int, optional
        The catalogue's size.
    customer_col, product_col : str
        As for :func:`ranking_metrics`.

    Returns
    -------
    pandas.DataFrame
        One row per ``k`` (index ``k``), the columns of :func:`evaluate`.
    """
    lines, n_relevant = _ranked_lines(recommendations, relevant, customer_col, product_col)
    rows = {check_k(k): _summary(lines, n_relevant, check_k(k), n_products) for k in ks}
    return pd.DataFrame(rows).T.rename_axis("k")


def evaluate_recommenders(
    recommenders: Mapping[str, Recommender],
    interactions: Interactions,
    relevant: pd.DataFrame,
    k: int = 10,
    *,
    fit: bool = True,
    n_recommended: int | None = None,
) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    """Fit each recommender on the training matrix and evaluate it on the relevant products.

    Parameters
    ----------
    recommenders : mapping of str to Recommender
        ``{name: recommender}``.
    interactions : Interactions
        The training matrix (before the cutoff).
    relevant : pandas.DataFrame
        What counts as a hit (:func:`relevant_items`); its customers are the ones scored. Its
        customer and product columns are named as those the matrix was built from
        (:attr:`Interactions.customer_col`, :attr:`Interactions.product_col`).
    k : int, default 10
        The list length judged.
    fit : bool, default True
        Fit each recommender on ``interactions``; False uses them as they are (they must have
        been fitted on this very matrix).
    n_recommended : int, optional
        Products recommended per customer (at least ``k``; default ``k``): longer lists serve
        :func:`metrics_by_k` without recommending again.

    Returns
    -------
    table : pandas.DataFrame
        One row per recommender, the columns of :func:`evaluate` at ``k``.
    recommendations : dict of str to pandas.DataFrame
        Each recommender's recommendations to the scored customers.
    """
    k = check_k(k)
    length = max(k, check_k(n_recommended or k))
    names = {"customer_col": interactions.customer_col, "product_col": interactions.product_col}
    require_columns(relevant, list(names.values()), "relevant")
    customers = pd.Index(relevant[names["customer_col"]].astype(str).unique())
    rows, found = {}, {}
    for name, model in recommenders.items():
        if fit:
            model.fit(interactions)
        elif getattr(model, "interactions_", None) is not interactions:
            raise ValueError(
                f"recommender {name!r} was not fitted on these interactions; pass fit=True"
            )
        found[name] = model.recommend(customers, length)
        rows[name] = evaluate(found[name], relevant, k, n_products=interactions.shape[1], **names)
    return pd.DataFrame(rows).T.rename_axis("method"), found

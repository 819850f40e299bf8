"""Evaluating recommendations honestly: a time split and ranking metrics at ``k``.

A recommender is fitted on the order lines **before a cutoff** and judged on what customers
bought **from the cutoff on** (:func:`time_split`), never on the purchases it was fitted on.
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
from helpers.recommend import Interactions, Recommender, _check_k

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


def time_split(
    transactions: pd.DataFrame,
    cutoff: str | pd.Timestamp,
    *,
    end: str | pd.Timestamp | None = None,
    invoice_date: str = s.INVOICE_DATE,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split order lines at a moment: training lines before it, test lines from it on.

    Parameters
    ----------
    transactions : pandas.DataFrame
        Clean order lines.
    cutoff : str or pandas.Timestamp
        The first moment of the test period.
    end : str or pandas.Timestamp, optional
        The end of the test period (exclusive); default no end.
    invoice_date : str
        Column name.

    Returns
    -------
    train, test : pandas.DataFrame
        The lines with ``invoice_date < cutoff``, and those with ``cutoff <= invoice_date <
        end``.

    Raises
    ------
    ValueError
        If the column is missing, a date is missing, the cutoff is not a date, or either side
        is empty.
    """
    require_columns(transactions, [invoice_date], "transactions")
    column_rule(
        transactions, transactions[invoice_date].isna(), "transactions", invoice_date, "present"
    )
    try:
        start = pd.Timestamp(cutoff)
        stop = pd.Timestamp(end) if end is not None else None
    except (TypeError, ValueError):
        raise ValueError(f"cutoff and end must be dates; got {cutoff!r}, {end!r}") from None
    dates = transactions[invoice_date]
    train = transactions[dates < start]
    test = transactions[(dates >= start) & ((dates < stop) if stop is not None else True)]
    if train.empty or test.empty:
        raise ValueError(
            f"cutoff {start} leaves {len(train):,} training and {len(test):,} test lines "
            f"(the data runs from {dates.min()} to {dates.max()}); pick a cutoff inside it"
        )
    return train, test


def relevant_items(
    train: pd.DataFrame,
    test: pd.DataFrame,
    *,
    new_items_only: bool = True,
    known_customers_only: bool = True,
    customer_id: str = s.CUSTOMER_ID,
    product_id: str = s.PRODUCT_ID,
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
    customer_id, product_id : str
        Column names.

    Returns
    -------
    pandas.DataFrame
        Distinct ``customer_id, product_id`` pairs, sorted.
    """
    require_columns(train, [customer_id, product_id], "train", allow_empty=True)
    require_columns(test, [customer_id, product_id], "test")
    pairs = test[[customer_id, product_id]].astype(str).drop_duplicates()
    before = train[[customer_id, product_id]].astype(str).drop_duplicates()
    if known_customers_only:
        pairs = pairs[pairs[customer_id].isin(before[customer_id])]
    if new_items_only:
        seen = pd.MultiIndex.from_frame(before)
        pairs = pairs[~pd.MultiIndex.from_frame(pairs).isin(seen)]
    pairs = pairs.rename(columns={customer_id: s.CUSTOMER_ID, product_id: s.PRODUCT_ID})
    return pairs.sort_values([s.CUSTOMER_ID, s.PRODUCT_ID], ignore_index=True)


def _check_recommendations(recommendations: pd.DataFrame) -> pd.DataFrame:
    table = "recommendations"
    require_columns(recommendations, [s.CUSTOMER_ID, "rank", s.PRODUCT_ID], table, allow_empty=True)
    rank = pd.to_numeric(recommendations["rank"], errors="coerce")
    column_rule(
        recommendations, ~(rank >= 1) | (rank % 1 != 0), table, "rank", "a whole number >= 1"
    )
    recs = recommendations[[s.CUSTOMER_ID, "rank", s.PRODUCT_ID]].astype(
        {s.CUSTOMER_ID: str, s.PRODUCT_ID: str}
    )
    for keys, what in (
        ([s.CUSTOMER_ID, "rank"], "rank"),
        ([s.CUSTOMER_ID, s.PRODUCT_ID], s.PRODUCT_ID),
    ):
        column_rule(
            recommendations, recs.duplicated(keys, keep=False), table, what,
            "unique within a customer",
        )  # fmt: skip
    return recs


def _ranked_lines(
    recommendations: pd.DataFrame, relevant: pd.DataFrame
) -> tuple[pd.DataFrame, pd.Series]:
    """List each recommendation to a scored customer with its position, hit flag and gains."""
    recs = _check_recommendations(recommendations)
    require_columns(relevant, [s.CUSTOMER_ID, s.PRODUCT_ID], "relevant")
    truth = relevant[[s.CUSTOMER_ID, s.PRODUCT_ID]].astype(str).drop_duplicates()
    n_relevant = truth.groupby(s.CUSTOMER_ID).size()
    recs = recs[recs[s.CUSTOMER_ID].isin(n_relevant.index)]
    recs = recs.sort_values([s.CUSTOMER_ID, "rank"], kind="stable")
    hit = pd.MultiIndex.from_frame(recs[[s.CUSTOMER_ID, s.PRODUCT_ID]]).isin(
        pd.MultiIndex.from_frame(truth)
    )
    customer = recs[s.CUSTOMER_ID].to_numpy()
    # the position in the list (1..), not the rank number, in case a list skips a rank; the
    # lines of ranks <= k are the first of each list, so positions hold for every k
    position = recs.groupby(s.CUSTOMER_ID).cumcount().to_numpy() + 1
    hits_so_far = pd.Series(hit.astype(int)).groupby(customer).cumsum().to_numpy()
    lines = pd.DataFrame(
        {
            "customer": customer,
            "product": recs[s.PRODUCT_ID].to_numpy(),
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
        index=n_relevant.index.rename(s.CUSTOMER_ID),
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
    recommendations: pd.DataFrame, relevant: pd.DataFrame, k: int = 10
) -> pd.DataFrame:
    """Precision, recall, average precision and NDCG at ``k`` for every scored customer.

    Parameters
    ----------
    recommendations : pandas.DataFrame
        ``customer_id, rank, product_id`` (as from ``recommend``); ranks above ``k`` are
        ignored, customers without relevant products are not scored.
    relevant : pandas.DataFrame
        ``customer_id, product_id`` pairs that count as hits (:func:`relevant_items`).
    k : int, default 10
        The length of the list judged.

    Returns
    -------
    pandas.DataFrame
        One row per customer of ``relevant`` (sorted): ``n_relevant``, ``n_recommended``,
        ``hits``, ``precision``, ``recall``, ``average_precision``, ``ndcg``, ``hit``. A
        customer with no recommendation scores 0.
    """
    k = _check_k(k)
    return _per_customer(*_ranked_lines(recommendations, relevant), k)


def evaluate(
    recommendations: pd.DataFrame,
    relevant: pd.DataFrame,
    k: int = 10,
    *,
    n_products: int | None = None,
) -> pd.Series:
    """Average the ranking metrics at ``k`` over the scored customers; catalogue coverage.

    Parameters
    ----------
    recommendations, relevant, k
        As for :func:`ranking_metrics`.
    n_products : int, optional
        The catalogue's size, for coverage (NaN when not given).

    Returns
    -------
    pandas.Series
        :data:`METRICS` (``precision``, ``recall``, ``map``, ``ndcg``, ``hit_rate``,
        ``coverage``: products recommended to scored customers / ``n_products``) and
        ``customers`` (how many were scored).
    """
    k = _check_k(k)
    return _summary(*_ranked_lines(recommendations, relevant), k, n_products)


def metrics_by_k(
    recommendations: pd.DataFrame,
    relevant: pd.DataFrame,
    ks: Iterable[int],
    *,
    n_products: int | None = None,
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

    Returns
    -------
    pandas.DataFrame
        One row per ``k`` (index ``k``), the columns of :func:`evaluate`.
    """
    lines, n_relevant = _ranked_lines(recommendations, relevant)
    rows = {_check_k(k): _summary(lines, n_relevant, _check_k(k), n_products) for k in ks}
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
        What counts as a hit (:func:`relevant_items`); its customers are the ones scored.
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
    k = _check_k(k)
    length = max(k, _check_k(n_recommended or k))
    customers = pd.Index(relevant[s.CUSTOMER_ID].astype(str).unique())
    rows, found = {}, {}
    for name, model in recommenders.items():
        if fit:
            model.fit(interactions)
        elif getattr(model, "interactions_", None) is not interactions:
            raise ValueError(
                f"recommender {name!r} was not fitted on these interactions; pass fit=True"
            )
        found[name] = model.recommend(customers, length)
        rows[name] = evaluate(found[name], relevant, k, n_products=interactions.shape[1])
    return pd.DataFrame(rows).T.rename_axis("method"), found

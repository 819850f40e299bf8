"""Reference computations shared by the exercises of several topics, in plain pandas.

The exercise modules (one per topic) compute their expected answers independently of the
``helpers`` function the chapter teaches. The few pieces that several topics need are here,
public, so that no module imports another's private functions and no logic is written twice:

- :func:`analysis_date`: midnight after the last clean order line, the default ``as_of`` of
  chapters 02-04 and 10-12;
- :func:`last_purchase_days`: RFM recency in calendar days (chapter 04, and chapter 06's churn
  snapshot);
- :func:`rfm_segments`: the standard RFM segments (chapter 04, and the playbook of chapter 11),
  from quantile scores of recency and frequency.

This module imports nothing from ``helpers`` but the default data of
:mod:`helpers.exercises.core`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.exercises.core import default_clean

__all__ = [
    "SEGMENT_MAP",
    "analysis_date",
    "last_purchase_days",
    "quantile_score",
    "rfm_segments",
]

#: The standard RFM segments on the R and F scores (1-5), first matching rule wins:
#: ``(name, (lowest R, highest R), (lowest F, highest F))``, as chapter 04 defines them.
SEGMENT_MAP: tuple[tuple[str, tuple[int, int], tuple[int, int]], ...] = (
    ("Champions", (5, 5), (4, 5)),
    ("Loyal", (3, 4), (4, 5)),
    ("Potential Loyalist", (4, 5), (2, 3)),
    ("New", (5, 5), (1, 1)),
    ("Promising", (4, 4), (1, 1)),
    ("Need Attention", (3, 3), (3, 3)),
    ("About to Sleep", (3, 3), (1, 2)),
    ("At Risk", (1, 2), (3, 4)),
    ("Can't Lose", (1, 2), (5, 5)),
    ("Hibernating", (2, 2), (1, 2)),
    ("Lost", (1, 1), (1, 2)),
)


def analysis_date() -> pd.Timestamp:
    """Midnight after the day of the last default clean order line (the default ``as_of``)."""
    return default_clean()["invoice_date"].max().normalize() + pd.Timedelta(days=1)


def last_purchase_days(before: pd.Timestamp, lines: pd.DataFrame | None = None) -> pd.Series:
    """Calendar days from each customer's last purchase day to the day of ``before``.

    Only lines dated strictly before ``before`` count (``before`` is exclusive).

    Parameters
    ----------
    before : pandas.Timestamp
        The analysis moment, exclusive.
    lines : pandas.DataFrame, optional
        Clean order lines; default the course's default clean lines.

    Returns
    -------
    pandas.Series
        Whole days per customer (index: customer id, sorted).
    """
    lines = default_clean() if lines is None else lines
    kept = lines.loc[lines["invoice_date"] < before]
    last = kept.groupby("customer_id")["invoice_date"].max()
    return (before.normalize() - last.dt.normalize()).dt.days


def quantile_score(values: pd.Series, n_scores: int = 5) -> pd.Series:
    """Score 1..``n_scores``: ``floor(n_scores x share of customers with a lower value) + 1``.

    Equal values share a score; the lowest value scores 1. Values are compared rounded to 9
    decimals (sums of the same money added in another order are equal). Pass ``-recency`` to
    give the most recent customers the highest score.
    """
    x = np.round(values.to_numpy(dtype=float), 9)
    lower = np.searchsorted(np.sort(x), x, side="left")  # customers with a strictly lower value
    return pd.Series(np.minimum(n_scores * lower // len(x) + 1, n_scores), index=values.index)


def rfm_segments(lines: pd.DataFrame | None = None, as_of: pd.Timestamp | None = None) -> pd.Series:
    """Name the standard RFM segment of each customer with a line before ``as_of`` (exclusive).

    R scores recency in calendar days (more recent is better), F the number of distinct
    invoices, both by :func:`quantile_score` over the customers present; the segment is the
    first rule of :data:`SEGMENT_MAP` that the (R, F) pair meets.

    Parameters
    ----------
    lines : pandas.DataFrame, optional
        Clean order lines; default the course's default clean lines.
    as_of : pandas.Timestamp, optional
        The analysis moment, exclusive; default :func:`analysis_date`.

    Returns
    -------
    pandas.Series
        Segment names (str), indexed by customer id.
    """
    lines = default_clean() if lines is None else lines
    as_of = analysis_date() if as_of is None else as_of
    kept = lines.loc[lines["invoice_date"] < as_of]
    recency = last_purchase_days(as_of, kept)
    frequency = kept.groupby("customer_id")["invoice_id"].nunique().reindex(recency.index)
    r, f = quantile_score(-recency), quantile_score(frequency)
    segment = pd.Series(pd.NA, index=recency.index, dtype="object")
    for name, (r_low, r_high), (f_low, f_high) in SEGMENT_MAP[::-1]:  # the first rule wins
        segment[r.between(r_low, r_high) & f.between(f_low, f_high)] = name
    if segment.isna().any():
        raise ValueError("the segment map leaves an (R, F) pair without a segment")
    return segment

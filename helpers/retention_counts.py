"""Survivor counts of subscription cohorts, checked, and the naive constant-retention projection.

A cohort's survivor counts s_0, s_1, ..., s_n are the numbers still subscribed at the start
of periods 1, 2, ..., n + 1 (s_0: everyone who signed up). :func:`survivor_rows` checks them
and turns them into the rows of the sBG likelihood (:mod:`helpers.retention`);
:func:`survivor_table` counts them per cohort from one row per subscription;
:func:`constant_retention_projection` is the naive projection the sBG model is compared with.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from helpers.checks import check_numbers, require_columns

__all__ = ["constant_retention_projection", "survivor_rows", "survivor_table"]


def _cohorts(survivors: object, name: str) -> list[tuple[object, np.ndarray]]:
    """Return ``survivors`` as (label, counts) per cohort, checked (see :func:`survivor_rows`)."""
    if isinstance(survivors, pd.DataFrame):
        raw = [(label, row.to_numpy(dtype=float)) for label, row in survivors.iterrows()]
    elif isinstance(survivors, pd.Series):
        raw = [(None, survivors.to_numpy(dtype=float))]
    else:
        try:
            array = np.asarray(survivors, dtype=float)
        except (TypeError, ValueError):  # cohorts of different lengths
            array = None
        if array is not None and array.ndim == 1:
            raw = [(None, array)]
        elif array is not None and array.ndim == 2:
            raw = list(enumerate(array))
        elif isinstance(survivors, Sequence) and not isinstance(survivors, str):
            raw = [(i, np.asarray(c, dtype=float)) for i, c in enumerate(survivors)]
        else:
            raise ValueError(
                f"{name} must be survivor counts: one cohort's numbers, a list of cohorts, or "
                f"a DataFrame with one row per cohort; got {type(survivors).__name__}"
            )
    if not raw:
        raise ValueError(f"{name} must hold at least one cohort; got none")
    out = []
    for label, counts in raw:
        where = name if label is None else f"{name} (cohort {label!r})"
        if counts.ndim != 1:
            raise ValueError(f"{where}: each cohort must be one row of counts")
        missing = np.isnan(counts)
        observed = int(np.argmax(missing)) if missing.any() else len(counts)
        if missing[observed:].all():  # missing only after the last observed period
            counts = counts[:observed]
        else:
            later = observed + int(np.argmin(missing[observed:]))
            raise ValueError(
                f"{where}: counts may be missing only after the cohort's last observed period; "
                f"period {observed} is missing but period {later} is not"
            )
        if len(counts) == 0 or not counts[0] > 0:
            first = counts[0] if len(counts) else np.nan
            raise ValueError(
                f"{where}: the first count (period 0, everyone who signed up) must be > 0; "
                f"got {first:g}"
            )
        check_numbers(where, counts, "whole numbers >= 0", lambda a: (a >= 0) & (a % 1 == 0))
        rise = np.flatnonzero(np.diff(counts) > 0)
        if len(rise):
            k = int(rise[0]) + 1
            raise ValueError(
                f"{where}: survivor counts must be non-increasing (a cohort only loses "
                f"subscribers); period {k} has {counts[k]:g} after {counts[k - 1]:g} in period "
                f"{k - 1}"
            )
        out.append((label, counts))
    return out


def survivor_rows(survivors: object, *, name: str = "survivors") -> pd.DataFrame:
    """Return survivor counts as the sBG likelihood's rows: (period, censored, count).

    Parameters
    ----------
    survivors : array-like, list of array-likes or pandas.DataFrame
        One cohort's counts s_0, s_1, ..., s_n (s_k still subscribed at the start of period
        k + 1; s_0 > 0 signed up); or several cohorts, as a list of such sequences or a
        DataFrame with one row per cohort and one column per period 0, 1, ..., missing (NaN)
        after each cohort's last observed period. Counts are whole numbers >= 0 and never rise.
    name : str, default "survivors"
        The argument's name in error messages.

    Returns
    -------
    pandas.DataFrame
        ``period`` t, ``censored`` (False: lost in period t, s_{t-1} - s_t subscribers;
        True: still subscribed after period t, the cohort's last, s_n subscribers) and
        ``count``; rows with a count of 0 are kept.

    Raises
    ------
    ValueError
        Naming the argument (and cohort), the rule and an offending count.
    """
    parts = []
    for _, counts in _cohorts(survivors, name):
        n = len(counts) - 1
        periods = np.arange(1, n + 1)
        parts.append(
            pd.DataFrame(
                {
                    "period": np.append(periods, n),
                    "censored": np.append(np.zeros(n, dtype=bool), True),
                    "count": np.append(counts[:-1] - counts[1:], counts[-1]),
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


def survivor_table(
    subscriptions: pd.DataFrame,
    end: str | pd.Period,
    *,
    cohort_col: str = "signup_month",
    tenure_col: str = "months_active",
    active_col: str = "active",
) -> pd.DataFrame:
    """Count each cohort's survivors from one row per subscription: the table :meth:`fit` takes.

    Parameters
    ----------
    subscriptions : pandas.DataFrame
        One row per subscription: its cohort (the period of signup), its tenure (periods paid
        for, the first included) and whether it is still active at the end.
    end : str or pandas.Period
        The last period observed, every renewal in it seen (e.g. ``"2024-12"``); a cohort
        of period c is then ``end - c`` periods old, and an active subscription has paid
        for every period from c to ``end``.
    cohort_col, tenure_col, active_col : str
        Column names (the defaults are those of the synthetic ``subscriptions`` table).

    Returns
    -------
    pandas.DataFrame
        One row per cohort (index ``cohort``, in order), one column per period k = 0, 1, ...:
        s_k, the subscriptions that paid for more than k periods, missing after the cohort's
        age.

    Raises
    ------
    ValueError
        If a column is missing, a cohort is after ``end``, or a tenure does not fit its
        cohort's age (longer than the periods up to ``end``, or shorter for an active one).
    """
    require_columns(subscriptions, [cohort_col, tenure_col, active_col], "subscriptions")
    end = pd.Period(end)
    cohort = pd.PeriodIndex(subscriptions[cohort_col], freq=end.freq)
    age = end.ordinal - cohort.asi8
    tenure = subscriptions[tenure_col]
    check_numbers(
        f"column {tenure_col!r}", tenure, "a whole number >= 1", lambda a: (a >= 1) & (a % 1 == 0)
    )
    active = subscriptions[active_col].to_numpy(dtype=bool)
    bad = (age < 0) | (tenure.to_numpy() > age + 1) | (active & (tenure.to_numpy() != age + 1))
    if bad.any():
        row = subscriptions[bad].iloc[0]
        raise ValueError(
            f"subscriptions: {tenure_col!r} must be at most the periods from the cohort to end "
            f"({end}), and equal to them for an active subscription; {int(bad.sum())} rows are "
            f"not, e.g. row {row.name!r}: {row.to_dict()}"
        )
    k = np.arange(int(age.max()) + 1)
    paid_more = tenure.to_numpy()[:, None] > k[None, :]
    counts = pd.DataFrame(paid_more, columns=k).groupby(cohort.to_numpy()).sum()
    ages = pd.Series(age).groupby(cohort.to_numpy()).max()
    counts = counts.astype(float).where(k[None, :] <= ages.to_numpy()[:, None])
    counts.index = pd.PeriodIndex(counts.index, freq=end.freq, name="cohort")
    counts.columns.name = "period"
    return counts


def whole_numbers(name: str, t: object, least: int) -> np.ndarray:
    """Check that ``t`` holds whole numbers >= ``least`` and return them as floats.

    Parameters
    ----------
    name : str
        The argument's name, for the message.
    t : number or array-like
        The values (periods, renewals, tenures).
    least : int
        The smallest value allowed.

    Returns
    -------
    numpy.ndarray

    Raises
    ------
    ValueError
        Naming ``name``, the rule and an offending value.
    """
    check_numbers(name, t, f"a whole number >= {least}", lambda a: (a >= least) & (a % 1 == 0))
    return np.asarray(t, dtype=float)


def constant_retention_projection(
    survivors: object, periods: int, *, periods_used: int = 1
) -> pd.Series:
    """Project a cohort with one constant retention rate: the naive method, for comparison.

    The rate is the average retention over the first ``periods_used`` periods,
    r = (s_k / s_0)^(1 / k) with k = ``periods_used`` (k = 1: the first renewal rate, the
    "our retention rate is 63%" of a manager's slide), and the projection is s_0 x r^t.
    Because the cohort's retention really rises as the less loyal leave, it projects too few
    survivors, the more so the further ahead (Fader & Hardie 2007).

    Parameters
    ----------
    survivors : array-like
        One cohort's survivor counts s_0, s_1, ..., s_n (see :func:`survivor_rows`).
    periods : int
        Last period projected (>= 0).
    periods_used : int, default 1
        Periods whose retention is averaged, 1 <= k <= n.

    Returns
    -------
    pandas.Series
        ``expected_survivors`` indexed by ``period`` 0, ..., periods; ``attrs["retention_rate"]``
        holds r.
    """
    cohorts = _cohorts(survivors, "survivors")
    if len(cohorts) != 1:
        raise ValueError(f"survivors must be one cohort's counts; got {len(cohorts)} cohorts")
    counts = cohorts[0][1]
    k = int(whole_numbers("periods_used", periods_used, 1))
    if k > len(counts) - 1:
        raise ValueError(
            f"periods_used must be at most the periods observed ({len(counts) - 1}); got {k}"
        )
    horizon = int(whole_numbers("periods", periods, 0))
    rate = (counts[k] / counts[0]) ** (1 / k)
    t = np.arange(horizon + 1)
    out = pd.Series(
        counts[0] * rate**t, index=pd.Index(t, name="period"), name="expected_survivors"
    )
    out.attrs["retention_rate"] = float(rate)
    return out

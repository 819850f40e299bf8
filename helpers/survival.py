"""Survival analysis of contractual customers: how long they stay, and what the rest is worth.

Thin, teaching-friendly wrappers over lifelines (imported inside the functions, so that
``import helpers`` stays light). Data are one row per customer with a duration (Telco's
``tenure_months``) and an event flag (``churn``: True when the customer left, False when they
are still a subscriber, i.e. censored at their tenure).

=======================================  ========================================================
:func:`kaplan_meier`                     S(t) per group with its pointwise confidence band
:func:`median_survival`                  median duration per group with its confidence interval
:func:`logrank_test`                     do the groups' survival curves differ?
:func:`survival_at`                      a step curve (Kaplan-Meier) read on a grid of whole months
:func:`restricted_mean_residual_life`    E[min(T, H) - t | T > t] for one curve, exactly
:func:`expected_remaining`               per subscriber on a monthly grid, optionally discounted
:func:`remaining_clv`                    margin x discounted remaining months, per subscriber
=======================================  ========================================================

Conventions. Survival is S(t) = P(T > t), right-continuous. The expected remaining tenure of a
subscriber at tenure t is restricted to a horizon H the data support (at most the longest
observed tenure, 72 months on Telco): E[min(T, H) - t | T > t] = integral of S(u) from t to H,
divided by S(t). Beyond H nothing is counted (a subscriber at tenure H or more has 0 remaining
months); a parametric or sBG tail is a separate model. The CLV of month t + k (k = 0, 1, ...,
H - t - 1) is received at its start if the customer is still there (probability
S(t + k) / S(t); the current month is certain) and discounted k months.

Cox proportional hazards (hazard ratios, the PH check, strata) is in :mod:`helpers.survival_cox`.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import numpy as np
import pandas as pd

from helpers.checks import check_numbers, check_share, column_rule, require_columns
from helpers.value_formulas import period_discount_rate

__all__ = [
    "DURATION",
    "EVENT",
    "check_survival_data",
    "expected_remaining",
    "kaplan_meier",
    "logrank_test",
    "median_survival",
    "remaining_clv",
    "restricted_mean_residual_life",
    "survival_at",
]

DURATION = "tenure_months"
EVENT = "churn"


@contextmanager
def quiet_lifelines() -> Iterator[None]:
    """Silence pandas' deprecation notices raised inside lifelines (its code, not the reader's).

    A context manager, for every module that calls lifelines (:mod:`helpers.survival_cox`).
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"lifelines(\.|$)")
        yield


def check_survival_data(
    df: pd.DataFrame, duration_col: str, event_col: str, others: Sequence[str] = ()
) -> None:
    """Raise a ValueError unless durations are finite and >= 0 and events are True/False.

    Parameters
    ----------
    df : pandas.DataFrame
        Survival data, one row per subject.
    duration_col, event_col : str
        The duration and event columns.
    others : sequence of str, optional
        Other columns that must be present and not missing (groups, covariates).

    Raises
    ------
    ValueError
        Naming the column, the rule and an offending row.
    """
    require_columns(df, [duration_col, event_col, *others], "survival data")
    durations = pd.to_numeric(df[duration_col], errors="coerce")
    bad = durations.isna() | ~np.isfinite(durations) | (durations < 0)
    column_rule(df, bad, "survival data", duration_col, "a finite number >= 0 (a duration)")
    events = df[event_col]
    bad = ~events.isin([True, False]) | events.isna()
    column_rule(df, bad, "survival data", event_col, "True/False or 1/0 (the event happened)")
    for column in others:
        column_rule(df, df[column].isna(), "survival data", column, "present (not missing)")


def _groups(df: pd.DataFrame, group_col: str | None) -> list[tuple[object, pd.DataFrame]]:
    """Split ``df`` by ``group_col`` in sorted order; one group "all" when None."""
    if group_col is None:
        return [("all", df)]
    return [(name, part) for name, part in df.groupby(group_col, sort=True, observed=True)]


def _km_fitter(part: pd.DataFrame, duration_col: str, event_col: str, alpha: float):
    from lifelines import KaplanMeierFitter

    with quiet_lifelines():
        return KaplanMeierFitter(alpha=alpha).fit(
            part[duration_col].astype(float), part[event_col].astype(bool)
        )


def kaplan_meier(
    df: pd.DataFrame,
    *,
    duration_col: str = DURATION,
    event_col: str = EVENT,
    group_col: str | None = None,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Kaplan-Meier survival per group with its pointwise confidence band, as a tidy table.

    S(t) is the product over event times u <= t of (1 - d_u / n_u), with n_u at risk and d_u
    events at u. The band is lifelines' default: Greenwood's variance of log S(t),
    V = sum d_u / (n_u (n_u - d_u)), on the log(-log) scale (it stays inside [0, 1]):
    S(t) ** exp(+-z sqrt(V) / log S(t)).

    Parameters
    ----------
    df : pandas.DataFrame
        One row per customer.
    duration_col, event_col : str
        Duration (>= 0) and event flag (True: left; False: still there, censored).
    group_col : str, optional
        One curve per value of this column (e.g. ``"contract"``); default one curve, "all".
    alpha : float, default 0.05
        1 - the confidence level of the band.

    Returns
    -------
    pandas.DataFrame
        Columns ``group``, ``time`` (0 and every observed duration), ``at_risk``, ``events``,
        ``censored``, ``survival``, ``lower``, ``upper``.
    """
    check_share("alpha", alpha, "1 - the confidence level")
    check_survival_data(df, duration_col, event_col, [group_col] if group_col else [])
    tables = []
    for name, part in _groups(df, group_col):
        kmf = _km_fitter(part, duration_col, event_col, alpha)
        events = kmf.event_table
        band = kmf.confidence_interval_
        tables.append(
            pd.DataFrame(
                {
                    "group": name,
                    "time": events.index.to_numpy(dtype=float),
                    "at_risk": events["at_risk"].to_numpy(dtype=int),
                    "events": events["observed"].to_numpy(dtype=int),
                    "censored": events["censored"].to_numpy(dtype=int),
                    "survival": kmf.survival_function_.iloc[:, 0].to_numpy(dtype=float),
                    "lower": band.iloc[:, 0].to_numpy(dtype=float),
                    "upper": band.iloc[:, 1].to_numpy(dtype=float),
                }
            )
        )
    return pd.concat(tables, ignore_index=True)


def median_survival(
    df: pd.DataFrame,
    *,
    duration_col: str = DURATION,
    event_col: str = EVENT,
    group_col: str | None = None,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Median duration per group (first t with S(t) <= 0.5) and its confidence interval.

    The interval is where the band of :func:`kaplan_meier` crosses 0.5 (lifelines'
    ``median_survival_times``). ``inf`` means "not reached": more than half of the group is
    still there at the longest observed duration (no median from these data).

    Parameters
    ----------
    df : pandas.DataFrame
        One row per customer.
    duration_col, event_col, group_col : str
        As in :func:`kaplan_meier`.
    alpha : float, default 0.05
        1 - the confidence level.

    Returns
    -------
    pandas.DataFrame
        Indexed by group: ``customers``, ``events``, ``median``, ``lower``, ``upper``.
    """
    from lifelines.utils import median_survival_times

    check_share("alpha", alpha, "1 - the confidence level")
    check_survival_data(df, duration_col, event_col, [group_col] if group_col else [])
    rows = {}
    for name, part in _groups(df, group_col):
        kmf = _km_fitter(part, duration_col, event_col, alpha)
        interval = median_survival_times(kmf.confidence_interval_).iloc[0]
        rows[name] = {
            "customers": len(part),
            "events": int(part[event_col].astype(bool).sum()),
            "median": float(kmf.median_survival_time_),
            "lower": float(interval.iloc[0]),
            "upper": float(interval.iloc[1]),
        }
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = group_col or "group"
    return table


def logrank_test(
    df: pd.DataFrame,
    *,
    duration_col: str = DURATION,
    event_col: str = EVENT,
    group_col: str,
) -> pd.Series:
    """Log-rank test that all groups share one survival curve.

    At each event time the expected events of a group are its share of those at risk times
    all events; the statistic sums (observed - expected) over time, weighted by its
    (hypergeometric) covariance, and is chi-square with (groups - 1) degrees of freedom under
    the null.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per customer.
    duration_col, event_col : str
        As in :func:`kaplan_meier`.
    group_col : str
        The groups to compare (two or more values).

    Returns
    -------
    pandas.Series
        ``statistic``, ``degrees_of_freedom``, ``p_value``, ``groups``.
    """
    from lifelines.statistics import multivariate_logrank_test

    check_survival_data(df, duration_col, event_col, [group_col])
    n_groups = df[group_col].nunique()
    if n_groups < 2:
        raise ValueError(
            f"survival data: column {group_col!r} must have at least 2 groups to compare; "
            f"got {n_groups}"
        )
    with quiet_lifelines():
        result = multivariate_logrank_test(
            df[duration_col].astype(float), df[group_col], df[event_col].astype(bool)
        )
    return pd.Series(
        {
            "statistic": float(result.test_statistic),
            "degrees_of_freedom": int(result.degrees_of_freedom),
            "p_value": float(result.p_value),
            "groups": int(n_groups),
        },
        name="log-rank test",
        dtype=object,
    )


def _curve_on_grid(table: pd.DataFrame, times: np.ndarray, name: object) -> np.ndarray:
    """Read one group's right-continuous step curve at ``times``."""
    last = table["time"].max()
    if times.max() > last:
        raise ValueError(
            f"survival curve {name!r}: asked at t = {times.max():g}, beyond its longest "
            f"observed duration {last:g}: the data do not support it (lower the horizon)"
        )
    at = np.searchsorted(table["time"].to_numpy(), times, side="right") - 1
    return table["survival"].to_numpy()[at]


def survival_at(km: pd.DataFrame, times: Sequence[float] | np.ndarray) -> pd.DataFrame:
    """Read Kaplan-Meier step curves at given times (S(u) = value at the last time <= u).

    Parameters
    ----------
    km : pandas.DataFrame
        A table from :func:`kaplan_meier` (columns ``group``, ``time``, ``survival``).
    times : sequence of float
        Times >= 0, no later than each group's longest observed duration.

    Returns
    -------
    pandas.DataFrame
        Index ``times``, one column per group.
    """
    require_columns(km, ["group", "time", "survival"], "Kaplan-Meier table")
    grid = np.asarray(times, dtype=float)
    check_numbers("times", grid, ">= 0", lambda a: a >= 0)
    curves = {
        name: _curve_on_grid(part, grid, name) for name, part in km.groupby("group", sort=False)
    }
    return pd.DataFrame(curves, index=pd.Index(grid, name="time"))


def restricted_mean_residual_life(survival: pd.Series, t: float, horizon: float) -> float:
    """E[min(T, H) - t | T > t]: the integral of S(u) from t to H, divided by S(t).

    Computed exactly for a right-continuous step curve (each value holds from its time until
    the next). ``t >= horizon`` gives 0.

    Parameters
    ----------
    survival : pandas.Series
        S at the times of its index (sorted, starting at 0 or before ``t``), e.g. one group
        of :func:`kaplan_meier` as ``table.set_index("time")["survival"]``.
    t : float
        Time already survived.
    horizon : float
        H, no later than the curve's last time.

    Returns
    -------
    float
    """
    times = survival.index.to_numpy(dtype=float)
    values = survival.to_numpy(dtype=float)
    if horizon > times[-1] or t < times[0]:
        raise ValueError(
            f"survival: t = {t:g} and horizon = {horizon:g} must lie within the curve's times "
            f"[{times[0]:g}, {times[-1]:g}]"
        )
    if t >= horizon:
        return 0.0
    edges = np.clip(np.append(times, np.inf), t, horizon)
    area = float(np.sum(values * np.diff(edges)))
    start = values[np.searchsorted(times, t, side="right") - 1]
    if start <= 0:
        raise ValueError(f"survival: S({t:g}) is 0, nobody is left to condition on")
    return area / start


def expected_remaining(
    curves: pd.DataFrame,
    tenure: pd.Series,
    curve: pd.Series | None = None,
    *,
    horizon: int,
    annual_discount: float = 0.0,
) -> pd.Series:
    """Return each subscriber's expected (discounted) remaining months, up to the horizon H.

    sum over k = 0 .. H - t - 1 of S(t + k) / S(t) / (1 + d) ** k, with t the subscriber's
    tenure and d the monthly discount rate. Undiscounted (``annual_discount=0``) this is the
    restricted mean residual life E[min(T, H) - t | T > t] of monthly step curves.

    Parameters
    ----------
    curves : pandas.DataFrame
        Survival on the monthly grid 0, 1, ..., at least H (index), one column per curve:
        a group (from :func:`survival_at`) or a subscriber
        (:meth:`helpers.survival_cox.CoxModel.survival_curves`).
    tenure : pandas.Series
        Whole months each subscriber has stayed (>= 0).
    curve : pandas.Series, optional
        Aligned with ``tenure``: the column of ``curves`` of each subscriber (e.g. their
        contract). Default: ``tenure``'s index labels (one curve per subscriber).
    horizon : int
        H in months; tenures of H or more get 0.
    annual_discount : float, default 0.0
        Discount rate per year, converted to a monthly rate (10% a year is 0.797% a month).

    Returns
    -------
    pandas.Series
        One value per subscriber, ``tenure``'s index.
    """
    check_numbers("annual_discount", annual_discount, ">= 0 and finite", np.isfinite)
    monthly = period_discount_rate(annual_discount, 1)
    grid = curves.index.to_numpy(dtype=float)
    if not isinstance(horizon, int | np.integer) or horizon < 1:
        raise ValueError(f"horizon must be a whole number of months >= 1; got {horizon!r}")
    if len(grid) < horizon + 1 or not np.array_equal(grid[: horizon + 1], np.arange(horizon + 1)):
        raise ValueError(
            f"curves: the index must be the months 0, 1, ..., {horizon} (the horizon); "
            f"got {grid[:5].tolist()}..."
        )
    t = tenure.to_numpy(dtype=float)
    check_numbers(
        "tenure", tenure, "a whole number of months >= 0", lambda a: (a >= 0) & (a % 1 == 0)
    )
    keys = tenure.index if curve is None else curve.reindex(tenure.index)
    missing = ~pd.Index(keys).isin(curves.columns)
    if missing.any():
        raise ValueError(
            f"curves: no curve for {int(missing.sum())} subscriber(s), e.g. "
            f"{tenure.index[missing][0]!r} (curve {pd.Index(keys)[missing][0]!r}); "
            f"curves: {list(curves.columns)[:5]}"
        )
    s = curves.iloc[: horizon + 1].loc[:, keys].to_numpy(dtype=float)  # months x subscribers
    months = np.arange(horizon + 1)[:, None]
    ahead = months - np.minimum(t, horizon)[None, :]
    weights = np.where((ahead >= 0) & (months < horizon), (1 + monthly) ** -ahead, 0.0)
    start = s[np.minimum(t, horizon).astype(int), np.arange(len(t))]
    if (start <= 0).any():
        i = int(np.argmax(start <= 0))
        raise ValueError(f"curves: S(t) is 0 for subscriber {tenure.index[i]!r} at t = {t[i]:g}")
    return pd.Series((s * weights).sum(axis=0) / start, index=tenure.index, name="months")


def remaining_clv(
    df: pd.DataFrame,
    curves: pd.DataFrame,
    *,
    margin_rate: float,
    annual_discount: float,
    horizon: int,
    curve_col: str | None = None,
    duration_col: str = DURATION,
    event_col: str = EVENT,
    charges_col: str = "monthly_charges",
) -> pd.DataFrame:
    """Remaining CLV of every current subscriber: monthly margin x discounted remaining months.

    Only customers still there (``event_col`` False) are valued; the monthly margin is
    ``charges_col`` x ``margin_rate`` (an assumption: the data hold revenue, not cost) and
    stays as it is today. See :func:`expected_remaining` for the months and their timing.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per customer.
    curves : pandas.DataFrame
        Survival on the monthly grid 0..H: one column per value of ``curve_col`` (Kaplan-Meier
        by group, from :func:`survival_at`) or per customer label
        (:meth:`helpers.survival_cox.CoxModel.survival_curves`).
    margin_rate : float
        Share of the monthly charge that is margin, in (0, 1].
    annual_discount : float
        Discount rate per year (>= 0).
    horizon : int
        H in months, at most the longest observed tenure.
    curve_col : str, optional
        The column naming each customer's curve (e.g. ``"contract"``); default the row label.
    duration_col, event_col, charges_col : str
        Tenure in months, churn flag and monthly charge.

    Returns
    -------
    pandas.DataFrame
        One row per current subscriber: ``tenure``, ``remaining_months`` (undiscounted
        restricted mean residual life), ``discounted_months``, ``monthly_margin``,
        ``remaining_clv``.
    """
    check_share("margin_rate", margin_rate, "a share of the monthly charge")
    others = [charges_col, *([curve_col] if curve_col else [])]
    check_survival_data(df, duration_col, event_col, others)
    check_numbers(charges_col, df[charges_col], ">= 0", lambda a: a >= 0)
    active = df.loc[~df[event_col].astype(bool)]
    tenure = active[duration_col]
    curve = active[curve_col] if curve_col else None
    months = expected_remaining(curves, tenure, curve, horizon=horizon)
    discounted = expected_remaining(
        curves, tenure, curve, horizon=horizon, annual_discount=annual_discount
    )
    margin = active[charges_col].astype(float) * margin_rate
    return pd.DataFrame(
        {
            "tenure": tenure,
            "remaining_months": months,
            "discounted_months": discounted,
            "monthly_margin": margin,
            "remaining_clv": margin * discounted,
        }
    )

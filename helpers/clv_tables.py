"""CLV over a horizon and the tables built from fitted CLV models.

:func:`customer_lifetime_value` combines a purchase model and the spend model of
:mod:`helpers.clv` into a CLV over a horizon with a margin and an annual discount rate
(discrete steps, see there). The other functions make the tables that check and use a fitted
model: observed vs expected repeat counts, calibration vs holdout purchases, P(alive) over
frequency x recency and along one customer's history, and how well predictors (model CLV, a
heuristic, an RFM score) rank customers by their later value.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from helpers import dates
from helpers.checks import check_numbers, check_share, require_columns
from helpers.clv import BetaGeoModel, GammaGamma, ParetoNBDModel
from helpers.clv.fitting import check_period, summary_arrays
from helpers.clv_data import (
    BTYD_FREQUENCY,
    BTYD_RECENCY,
    BTYD_T,
    period_days,
)
from helpers.deprecation import positional_last_day, renamed_arguments
from helpers.value_formulas import check_discount_rate, check_margin_rate

__all__ = [
    "calibration_holdout_table",
    "compare_predictors",
    "customer_lifetime_value",
    "expected_repeat_counts",
    "probability_alive_history",
    "probability_alive_matrix",
    "top_share_captured",
]

PurchaseModel = BetaGeoModel | ParetoNBDModel


def customer_lifetime_value(
    purchase_model: PurchaseModel,
    spend_model: GammaGamma,
    summary: pd.DataFrame,
    *,
    horizon: float,
    discount_rate: float,
    margin_rate: float = 1.0,
    period: str | None = None,
    step: float | None = None,
) -> pd.Series:
    """CLV of each customer over a horizon: discounted expected margin from the two models.

    Discrete-time approximation: the horizon (in the model's period unit) is cut into steps
    of ``step`` periods (default about one month: 4.35 weeks or 30.4 days). The purchases
    expected in step k, E[Y(t_k)] - E[Y(t_{k-1})] from the purchase model, are valued at the
    spend model's expected spend per purchase times ``margin_rate``, and discounted to today
    as if paid at the end of the step: by (1 + discount_rate) ** (t_k / periods per year),
    with :data:`helpers.dates.DAYS_PER_YEAR` / 7 weeks or
    :data:`helpers.dates.DAYS_PER_YEAR` days a year (365.25). The last step ends at the horizon.

    Parameters
    ----------
    purchase_model : BetaGeoModel or ParetoNBDModel
        Fitted, on summary data in the same period unit.
    spend_model : GammaGamma
        Fitted.
    summary : pandas.DataFrame
        frequency, recency, T and monetary_value per customer.
    horizon : float
        Length of the future, in periods (e.g. 52 weeks).
    discount_rate : float
        Annual discount rate, between 0 and 1 (e.g. 0.1;
        :func:`helpers.value_formulas.check_discount_rate`).
    margin_rate : float, default 1.0
        Share of spend that is margin, in (0, 1]; 1 gives revenue.
    period : {"W", "D"}, optional
        The period unit; default ``summary.attrs["period"]``.
    step : float, optional
        Length of a discounting step in periods.

    Returns
    -------
    pandas.Series
        ``clv`` indexed like ``summary``.
    """
    period = period or summary.attrs.get("period")
    if period is None:
        raise ValueError("period is unknown: pass period='W' or 'D' (summary.attrs has none)")
    check_period(purchase_model, period, "the CLV's period")
    unit = period_days(period)
    check_numbers("horizon", horizon, "> 0 (periods)", lambda a: a > 0)
    check_discount_rate(discount_rate)
    check_margin_rate(margin_rate)
    per_year = dates.DAYS_PER_YEAR / unit
    step = per_year / 12 if step is None else step
    check_numbers("step", step, "> 0 (periods)", lambda a: a > 0)
    x, tx, t_obs = summary_arrays(summary, [BTYD_FREQUENCY, BTYD_RECENCY, BTYD_T])
    ends = np.minimum(np.arange(1, math.ceil(horizon / step - 1e-9) + 1) * step, horizon)
    cumulative = np.column_stack(
        [purchase_model.conditional_expected_purchases(t, x, tx, t_obs) for t in ends]
    )
    per_step = np.diff(np.column_stack([np.zeros(len(x)), cumulative]), axis=1)
    factors = (1 + discount_rate) ** -(ends / per_year)
    spend = spend_model.predict(summary).to_numpy()
    return pd.Series(per_step @ factors * spend * margin_rate, index=summary.index, name="clv")


def expected_repeat_counts(
    model: BetaGeoModel, summary: pd.DataFrame, max_frequency: int = 7
) -> pd.DataFrame:
    """Observed and expected numbers of customers with 0, 1, ..., ``max_frequency`` or more repeats.

    The expected count of x is the sum over customers of P(X(T_i) = x) with each customer's
    own T_i; the last class collects ``max_frequency`` and more.

    Parameters
    ----------
    model : BetaGeoModel
        Fitted (it needs ``probability_of_purchases``).
    summary : pandas.DataFrame
        The calibration summary the model was fitted on.
    max_frequency : int, default 7

    Returns
    -------
    pandas.DataFrame
        Index ``0, 1, ..., "7+"``; columns ``observed``, ``expected``.
    """
    x, t_obs = summary_arrays(summary, [BTYD_FREQUENCY, BTYD_T])
    expected = [model.probability_of_purchases(t_obs, n).sum() for n in range(max_frequency)]
    expected.append(len(x) - sum(expected))
    observed = [(x == n).sum() for n in range(max_frequency)] + [(x >= max_frequency).sum()]
    labels = [str(n) for n in range(max_frequency)] + [f"{max_frequency}+"]
    return pd.DataFrame(
        {"observed": np.asarray(observed, dtype=float), "expected": expected},
        index=pd.Index(labels, name="repeat purchases"),
    )


def probability_alive_matrix(
    model: PurchaseModel,
    max_frequency: int | None = None,
    T: float | None = None,  # noqa: N803
) -> pd.DataFrame:
    """P(alive) over frequency x recency for customers observed for the same ``T``.

    Parameters
    ----------
    model : BetaGeoModel or ParetoNBDModel
        Fitted.
    max_frequency : int, optional
        Largest frequency shown; default 20.
    T : float, optional
        Length of observation, in periods; default 52.

    Returns
    -------
    pandas.DataFrame
        Rows: frequency 0..max_frequency; columns: recency 0..floor(T) (whole periods).
    """
    max_frequency = 20 if max_frequency is None else int(max_frequency)
    T = 52.0 if T is None else float(T)  # noqa: N806
    frequency = np.arange(max_frequency + 1, dtype=float)
    recency = np.arange(math.floor(T) + 1, dtype=float)
    xx, rr = np.meshgrid(frequency, recency, indexing="ij")
    rr = np.where(xx == 0, 0.0, rr)
    values = model.probability_alive(xx, rr, np.full_like(xx, T))
    values = np.where((xx == 0) & (np.arange(len(recency)) > 0), np.nan, values)
    return pd.DataFrame(
        values,
        index=pd.Index(frequency.astype(int), name="frequency"),
        columns=pd.Index(recency.astype(int), name="recency"),
    )


@renamed_arguments(end=("as_of", dates.day_after))
def probability_alive_history(
    model: PurchaseModel,
    purchase_dates: Sequence | pd.Series,
    end: dates.DateLike | None = None,
    /,
    *,
    as_of: dates.DateLike | None = None,
    period: str = "W",
) -> pd.Series:
    """One customer's P(alive) day by day, from the first purchase to the day before ``as_of``.

    Parameters
    ----------
    model : BetaGeoModel or ParetoNBDModel
        Fitted, in the period unit ``period``.
    purchase_dates : sequence of dates
        The customer's purchase dates (same-day purchases count once); those at or after
        ``as_of`` are not used.
    end : date, optional, positional only
        Deprecated: the old inclusive last day; pass ``as_of`` (the day after).
    as_of : str, datetime.date or pandas.Timestamp
        The analysis date, exclusive: the history runs to its last day
        (:func:`helpers.dates.last_day`). The old keyword ``end`` (the last day, inclusive)
        is read as the day after it, with a FutureWarning. Required.
    period : {"W", "D"}, default "W"

    Returns
    -------
    pandas.Series
        ``p_alive`` indexed by day; on a purchase day the purchase is already counted.
    """
    as_of = positional_last_day("probability_alive_history", "end", end, "as_of", as_of)
    if as_of is None:
        raise TypeError("probability_alive_history() missing the keyword argument 'as_of'")
    as_of = dates.to_timestamp(as_of, "as_of")
    unit = period_days(period)
    stamps = pd.DatetimeIndex([pd.Timestamp(day) for day in purchase_dates])
    days = stamps[stamps < as_of].normalize().unique().sort_values()
    if days.empty:
        raise ValueError(
            f"purchase_dates: the customer needs at least one purchase before as_of {as_of}"
        )
    end = dates.last_day(as_of)
    first = days[0]
    grid = pd.date_range(first, end, freq="D")
    # number of purchase days up to and including each day, and the last of them
    count = days.searchsorted(grid, side="right")
    last = days[count - 1]
    x = (count - 1).astype(float)
    tx = (last - first).days.to_numpy() / unit
    t_obs = (grid - first).days.to_numpy() / unit
    return pd.Series(model.probability_alive(x, tx, t_obs), index=grid, name="p_alive")


def calibration_holdout_table(
    summary: pd.DataFrame,
    predicted: pd.Series,
    actual_col: str = "holdout_purchases",
    max_frequency: int = 7,
) -> pd.DataFrame:
    """Mean actual and predicted holdout purchases per calibration frequency (last class: +).

    Parameters
    ----------
    summary : pandas.DataFrame
        :func:`helpers.clv_data.calibration_holdout`'s table.
    predicted : pandas.Series
        Conditional expected holdout purchases, indexed like ``summary``.
    actual_col : str, default "holdout_purchases"
        The actual holdout purchases.
    max_frequency : int, default 7

    Returns
    -------
    pandas.DataFrame
        Index ``0, 1, ..., "7+"``; columns ``customers``, ``actual``, ``predicted`` (means).
    """
    (x,) = summary_arrays(summary, [BTYD_FREQUENCY])
    require_columns(summary, [actual_col], "summary")
    labels = [str(n) for n in range(max_frequency)] + [f"{max_frequency}+"]
    group = pd.Series(np.minimum(x, max_frequency).astype(int), index=summary.index)
    table = pd.DataFrame(
        {"customers": 1, "actual": summary[actual_col], "predicted": predicted}
    ).groupby(group.map(dict(enumerate(labels))), sort=False)
    out = table.agg({"customers": "sum", "actual": "mean", "predicted": "mean"})
    out = out.reindex([label for label in labels if label in out.index])
    out.index.name = "repeat purchases"
    return out


def top_share_captured(score: pd.Series, actual: pd.Series, share: float = 0.1) -> float:
    """Share of the total ``actual`` value held by the top ``share`` of customers by ``score``.

    Ties in ``score`` are broken by the customer order (stable sort), so a score with many
    ties (e.g. zero for most customers) gets no credit for luck.

    Parameters
    ----------
    score : pandas.Series
        The predictor, higher = more valuable.
    actual : pandas.Series
        What customers then did (e.g. future spend), indexed like ``score``.
    share : float, default 0.1
        The top share of customers, in (0, 1].

    Returns
    -------
    float
    """
    check_share("share", share, "of customers")
    frame = pd.DataFrame({"score": score, "actual": actual}).dropna()
    n_top = max(1, round(share * len(frame)))
    top = frame.sort_values("score", ascending=False, kind="stable").head(n_top)
    total = frame["actual"].sum()
    return float(top["actual"].sum() / total) if total else math.nan


def compare_predictors(scores: pd.DataFrame, actual: pd.Series, share: float = 0.1) -> pd.DataFrame:
    """How well each column of ``scores`` predicts ``actual``: rank correlation and top capture.

    Parameters
    ----------
    scores : pandas.DataFrame
        One column per predictor, indexed by customer.
    actual : pandas.Series
        Actual future value per customer; customers missing from it count as 0.
    share : float, default 0.1
        The top share for the capture.

    Returns
    -------
    pandas.DataFrame
        One row per predictor: ``spearman`` (rank correlation with ``actual``) and
        ``top_capture`` (share of the actual value held by the predictor's top ``share``).
    """
    actual = actual.reindex(scores.index, fill_value=0.0)
    rows = {
        name: {
            "spearman": scores[name].corr(actual, method="spearman"),
            "top_capture": top_share_captured(scores[name], actual, share),
        }
        for name in scores.columns
    }
    return pd.DataFrame(rows).T

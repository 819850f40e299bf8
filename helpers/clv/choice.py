"""Choose the purchase model for a shop's order lines: a backtest when the log is long enough.

:func:`choose_purchase_model` is what the report and chapter 11 call before they value
customers: it backtests BG/NBD, Modified BG/NBD and Pareto/NBD with
:func:`helpers.clv.compare_models` on the lines up to the analysis date (three calibration
ends four weeks apart, each followed by the same holdout), fits the chosen family on all the
lines, and says which and why in one sentence. When the log is too short for a holdout of
13 weeks after a calibration of the same length, it chooses by log-likelihood on all the
lines (the three models have four parameters each, so that is also the choice by AIC and
BIC) and says so.

The choice reads per-customer tables only: the summary at the analysis date and, for the
backtest, what :class:`helpers.clv.comparison.BacktestLines` holds. Both come from the pandas
lines by default, or from an SQL engine (:mod:`helpers.scale_clv`) when given.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from helpers import dates
from helpers import schema as s
from helpers.clv.bg_nbd import BetaGeoModel
from helpers.clv.comparison import (
    BacktestLines,
    ModelComparison,
    StoredOrigins,
    compare_models,
)
from helpers.clv.mbg_nbd import ModifiedBetaGeoModel
from helpers.clv.pareto_nbd import ParetoNBDModel
from helpers.clv_data import summary_data
from helpers.deprecation import positional_last_day, renamed_arguments

__all__ = [
    "PURCHASE_MODELS",
    "ModelChoice",
    "backtest_plan",
    "choose_purchase_model",
    "stored_backtest",
]

#: The purchase models a choice is made among, by the names the course uses.
PURCHASE_MODELS = {
    "BG/NBD": BetaGeoModel,
    "MBG/NBD": ModifiedBetaGeoModel,
    "Pareto/NBD": ParetoNBDModel,
}

_ORIGIN_STEP_WEEKS = 4  # the calibration ends of the backtest are four weeks apart


@dataclass
class ModelChoice:
    """The chosen purchase model and why.

    Attributes
    ----------
    name : str
        A key of :data:`PURCHASE_MODELS`.
    model : BetaGeoModel, ModifiedBetaGeoModel or ParetoNBDModel
        That model fitted on the summary of all the lines.
    summary : pandas.DataFrame
        The summary it was fitted on (:func:`helpers.clv_data.summary_data`, weeks).
    reason : str
        One sentence: which model, chosen how, with the numbers.
    comparison : ModelComparison or None
        The backtest, when there was one.
    log_likelihoods : dict
        Each candidate's log-likelihood on all the lines (when there was no backtest).
    """

    name: str
    model: BetaGeoModel | ModifiedBetaGeoModel | ParetoNBDModel
    summary: pd.DataFrame
    reason: str
    comparison: ModelComparison | None = None
    log_likelihoods: dict[str, float] | None = None


def _holdout_weeks(span_weeks: float) -> int | None:
    """Holdout of the backtest: 26 weeks from 78 weeks of data, 13 from 39, else none."""
    for holdout in (26, 13):
        if span_weeks >= 3 * holdout:
            return holdout
    return None


def backtest_plan(first: pd.Timestamp, end: pd.Timestamp) -> tuple[list[pd.Timestamp], int] | None:
    """Return the calibration ends and the holdout (weeks) of the choice's backtest.

    Parameters
    ----------
    first : pandas.Timestamp
        The first purchase day.
    end : pandas.Timestamp
        The last day before the analysis date.

    Returns
    -------
    tuple of (list of pandas.Timestamp, int) or None
        Three calibration ends four weeks apart, the last one a holdout before ``end``;
        None when the lines are too short for a backtest (under 39 weeks).
    """
    holdout = _holdout_weeks((end - first).days / 7)
    if holdout is None:
        return None
    last = end - pd.Timedelta(weeks=holdout)
    return [last - pd.Timedelta(weeks=_ORIGIN_STEP_WEEKS * k) for k in (2, 1, 0)], holdout


def stored_backtest(lines: BacktestLines, as_of: str | pd.Timestamp) -> BacktestLines:
    """Compute once what :func:`choose_purchase_model`'s backtest reads; keep it, picklable.

    Parameters
    ----------
    lines : helpers.clv.comparison.BacktestLines
        From pandas (:func:`helpers.clv.comparison.backtest_lines`) or an SQL engine
        (:func:`helpers.scale_clv.clv_inputs`).
    as_of : str or pandas.Timestamp
        The analysis date the choice will be made at.

    Returns
    -------
    helpers.clv.comparison.BacktestLines
        The same first and last days; ``at_origin`` answers from the stored tables
        (:class:`helpers.clv.comparison.StoredOrigins`), for this ``as_of`` only.
    """
    end = dates.last_day(dates.to_timestamp(as_of, "as_of"))
    plan = backtest_plan(lines.first, end)
    results: dict[tuple[pd.Timestamp, int, str], object] = {}
    if plan is not None:
        origins, holdout = plan
        for origin in origins:
            key = (origin, holdout * 7, "W")
            try:
                results[key] = lines.at_origin(*key)
            except ValueError as error:  # the choice says the backtest could not run
                results[key] = error
    return BacktestLines(lines.first, lines.last, StoredOrigins(results))


@renamed_arguments(observation_end=("as_of", dates.day_after))
def choose_purchase_model(
    transactions: pd.DataFrame | BacktestLines,
    observation_end: dates.DateLike | None = None,
    /,
    *,
    as_of: dates.DateLike | None = None,
    customer_col: str = s.CUSTOMER_ID,
    date_col: str = s.INVOICE_DATE,
    amount_col: str | None = s.AMOUNT,
    summary: pd.DataFrame | None = None,
) -> ModelChoice:
    """Choose BG/NBD, Modified BG/NBD or Pareto/NBD for these lines, fit it, and say why.

    With at least 39 weeks of lines (first purchase to the day before ``as_of``) the models are
    backtested by :func:`helpers.clv.compare_models`: holdouts of 26 weeks (13 weeks when
    the lines cover less than 78), three calibration ends four weeks apart, the last one a
    holdout before ``as_of``; the choice is its ``chosen`` model (lowest mean
    holdout MAE, near-ties to the smaller bias). With less, or when a calibration period has
    no repeat purchase, the highest log-likelihood on all the lines decides.

    Parameters
    ----------
    transactions : pandas.DataFrame or helpers.clv.comparison.BacktestLines
        Clean order lines; lines at or after ``as_of`` are ignored. Or what the backtest
        reads of the lines before ``as_of`` (:class:`~helpers.clv.comparison.BacktestLines`,
        e.g. from an SQL engine, :func:`helpers.scale_clv.clv_inputs`); ``summary`` is then
        required and the column names are not used.
    observation_end : date, optional, positional only
        Deprecated: the old inclusive last observed day; pass ``as_of`` (the day after).
    as_of : str, datetime.date or pandas.Timestamp
        The analysis date (exclusive): the lines dated before it are used; the models count
        time to the last observed day :func:`helpers.dates.last_day`. The old keyword
        ``observation_end`` (the last day, inclusive) is read as the day after it, with a
        FutureWarning. Required.
    customer_col, date_col, amount_col : str
        Column names.
    summary : pandas.DataFrame, optional
        :func:`helpers.clv_data.summary_data` of the same lines at ``as_of`` in
        weeks, when the caller has already made it (it is not made again).

    Returns
    -------
    ModelChoice

    Raises
    ------
    ValueError
        If no customer bought twice before ``as_of`` (the models learn from repeat
        purchases), or as :func:`helpers.clv_data.summary_data` does.
    TypeError
        If ``transactions`` is a :class:`~helpers.clv.comparison.BacktestLines` and no
        ``summary`` is given.
    """
    as_of = positional_last_day(
        "choose_purchase_model", "observation_end", observation_end, "as_of", as_of
    )
    if as_of is None:
        raise TypeError("choose_purchase_model() missing the keyword argument 'as_of'")
    as_of = dates.to_timestamp(as_of, "as_of")
    end = dates.last_day(as_of)
    if isinstance(transactions, BacktestLines):
        if summary is None:
            raise TypeError(
                "choose_purchase_model() needs summary= (summary_data of the lines at as_of, "
                "in weeks) when given BacktestLines instead of order lines"
            )
        lines, first = transactions, transactions.first
    else:
        lines = transactions[transactions[date_col] < as_of]
        first = None  # read from the lines once the summary has checked them
    if summary is None:
        summary = summary_data(
            lines,
            as_of=as_of,
            period="W",
            customer_col=customer_col,
            date_col=date_col,
            amount_col=amount_col,
        )
    if not (summary["frequency"] > 0).any():
        raise ValueError(
            f"none of the {len(summary):,} customers bought twice by {end:%Y-%m-%d}: the "
            "purchase models learn rates and dropout from repeat purchases"
        )
    if first is None:
        first = lines[date_col].min().normalize()
    span = (end - first).days / 7
    plan = backtest_plan(first, end)
    comparison = None
    why = f"the lines cover {span:.0f} weeks, too few for a backtest, which needs 39"
    if plan is not None:
        origins, holdout = plan
        try:
            comparison = compare_models(
                lines,
                {name: cls() for name, cls in PURCHASE_MODELS.items()},
                calibration_ends=origins,
                as_of=dates.day_after(end),
                holdout=holdout,
                customer_col=customer_col,
                date_col=date_col,
                amount_col=amount_col,
            )
        except ValueError as err:
            why = f"the backtest could not run ({err})"
    if comparison is not None:
        name = comparison.chosen
        model = PURCHASE_MODELS[name]().fit(summary)
        return ModelChoice(name, model, summary, comparison.reason, comparison=comparison)
    fitted = {name: cls().fit(summary) for name, cls in PURCHASE_MODELS.items()}
    likelihoods = {name: float(model.log_likelihood_) for name, model in fitted.items()}
    name = max(likelihoods, key=likelihoods.get)
    others = ", ".join(f"{k} {v:,.1f}" for k, v in likelihoods.items() if k != name)
    reason = (
        f"{name}, the highest log-likelihood on all {len(summary):,} customers "
        f"({likelihoods[name]:,.1f}; {others}): {why}"
    )
    return ModelChoice(name, fitted[name], summary, reason, log_likelihoods=likelihoods)

"""Choose a purchase model by backtest: fit at several calibration ends, score on the holdouts.

One calibration/holdout split can flatter a model by luck. :func:`compare_models` repeats the
split at several **origins** (calibration ends, a "rolling origin"): at each, every model is
fitted afresh on the calibration summary (:func:`helpers.clv_data.calibration_holdout`) and
predicts each customer's purchases in a holdout of the same length after it, and the
predictions are scored against what the customers then bought. A naive benchmark, the
**calibration rate** (frequency / T times the holdout length: each customer keeps buying at
their past pace, nobody dies), shows whether the models earn their keep.

**The holdouts have one length.** Every origin is scored on the ``holdout`` periods after
it (default: from the last calibration end to the observation end, the longest holdout all
origins share), so that the scores of the origins measure the same thing and can be
averaged; a holdout running to the end of the data would be longer, and its errors larger,
for the earlier origins. The cohort of an origin is the customers who bought on or before
it; customers first seen in a holdout are left out, as in
:func:`helpers.clv_data.calibration_holdout`.

The scores (MAE, bias, RMSE, total error, top capture, Gini, Spearman; AIC and BIC of the
fits) are defined in :mod:`helpers.clv.backtest_metrics`, and the rule that chooses (the
lowest mean holdout MAE, with MAEs within ``tolerance`` tied and the tie going to the
smaller mean absolute bias, then BIC) in :mod:`helpers.clv.backtest_rule`. Two tables show
where the errors are: ``tracking``, the cohort's actual and expected purchases week by week
through each holdout (the expected number of a week is the sum over the cohort of
E[purchases in (T_i, T_i + t]], differenced between the week's ends), and ``deciles``, the
mean predicted and actual purchases per decile of the prediction.

**What the backtest reads of the lines** is small: the first and last purchase days, and per
origin the calibration summary with the holdout's purchases (one row per customer) and the
cohort's purchases in each week of the holdout. :class:`BacktestLines` holds them;
:func:`backtest_lines` makes them from a pandas frame of order lines, and
:mod:`helpers.scale_clv` from lines held by DuckDB or Spark. :func:`compare_models` takes
either the lines or a :class:`BacktestLines`, and fits and scores the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from helpers import dates
from helpers import schema as s
from helpers.checks import check_numbers
from helpers.clv.backtest_metrics import (
    capture_curve,
    decile_table,
    information_criteria,
    normalized_gini,
    score_predictions,
)
from helpers.clv.backtest_origin import (
    CalibrationRate,
    fit_at_origin,
    holdout_weeks,
    predict_at_origin,
)
from helpers.clv.backtest_rule import BENCHMARK, choice_reason, rule_summary
from helpers.clv.bg_nbd import BetaGeoModel
from helpers.clv.mbg_nbd import ModifiedBetaGeoModel
from helpers.clv.pareto_nbd import ParetoNBDModel
from helpers.clv_data import (
    BTYD_FREQUENCY,
    HOLDOUT_PURCHASES,
    calibration_holdout,
    period_days,
    purchase_days,
)
from helpers.deprecation import renamed_arguments
from helpers.translation import gettext as _

__all__ = [
    "BENCHMARK",
    "BacktestLines",
    "ModelComparison",
    "StoredOrigins",
    "backtest_lines",
    "capture_curve",
    "compare_models",
    "information_criteria",
    "normalized_gini",
    "score_predictions",
]

#: The purchase models a backtest accepts (continuous time, fitted on frequency, recency, T).
SUPPORTED = (BetaGeoModel, ModifiedBetaGeoModel, ParetoNBDModel)


@dataclass
class ModelComparison:
    """The result of :func:`compare_models`: tables per model and origin, and the choice.

    Attributes
    ----------
    fit : pandas.DataFrame
        One row per origin and model: ``origin`` (calibration end), ``model``, ``customers``
        (n), ``repeat_buyers``, ``log_likelihood``, ``k`` (parameters), ``aic``, ``bic``,
        ``converged``, ``seconds`` (fitting time), ``parameters`` (the estimates as text).
    scores : pandas.DataFrame
        One row per origin and predictor (the models and the benchmark): the holdout scores
        of :func:`score_predictions` (``customers``, ``holdout_length``, ``actual_total``,
        ``predicted_total``, ``total_error``, ``mae``, ``bias``, ``rmse``, ``top_capture``,
        ``gini``, ``spearman``).
    summary : pandas.DataFrame
        One row per predictor, best first: the scores averaged over the origins, the mean
        ``aic`` and ``bic`` (NaN for the benchmark), ``best_mae_origins`` (origins where it
        had the lowest MAE of all predictors) and ``rank`` by the rule (see
        :mod:`helpers.clv.backtest_rule`; missing for the benchmark, never ranked).
    chosen : str
        The chosen model's name.
    reason : str
        Why, in one sentence with the numbers.
    tracking : pandas.DataFrame
        Per origin, predictor and week of the holdout: ``week`` (1, 2, ...), ``start`` and
        ``end`` (its first and last day; the last week may be shorter), ``t`` (periods from
        the calibration end to the week's end), ``actual`` and ``expected`` purchases of the
        calibration cohort in the week, and their running totals ``actual_cumulative``,
        ``expected_cumulative``.
    deciles : pandas.DataFrame
        Per origin, predictor and decile of predicted holdout purchases (1 lowest, 10
        highest): ``customers``, mean ``predicted`` and mean ``actual`` purchases.
    predictions : pandas.DataFrame
        Indexed by (origin, customer): one column of predicted holdout purchases per
        predictor and ``actual``.
    models : dict
        The fitted models by (origin, name).
    summaries : dict
        The calibration summaries (with ``holdout_purchases``) by origin.
    origins : list of pandas.Timestamp
        The calibration ends, in order.
    holdout_length : float
        The holdout's length after every origin, in periods.
    period : str
        The period unit ("W" or "D").
    top_share : float
        The share of customers of ``top_capture``.
    tolerance : float
        The rule's tolerance on MAE.
    """

    fit: pd.DataFrame
    scores: pd.DataFrame
    summary: pd.DataFrame
    chosen: str
    reason: str
    tracking: pd.DataFrame
    deciles: pd.DataFrame
    predictions: pd.DataFrame
    models: dict = field(repr=False)
    summaries: dict = field(repr=False)
    origins: list
    holdout_length: float
    period: str
    top_share: float
    tolerance: float


#: ``at_origin(origin, span, period)``: the calibration summary with the holdout's purchases
#: and the cohort's purchase days per week of the holdout (see :class:`BacktestLines`).
OriginTables = Callable[[pd.Timestamp, int, str], tuple[pd.DataFrame, np.ndarray]]


@dataclass(frozen=True)
class BacktestLines:
    """What a backtest reads of the order lines: per-customer tables, made by pandas or SQL.

    Attributes
    ----------
    first, last : pandas.Timestamp
        The first and the last purchase day (midnight).
    at_origin : callable
        ``at_origin(origin, span, period)`` returns, for the calibration end ``origin`` (a
        day) and a holdout of ``span`` days after it, in the period unit ``period``: the
        table of :func:`helpers.clv_data.calibration_holdout` (``holdout_start`` the day
        after ``origin``, ``as_of`` the day after ``origin + span``; index named
        ``customer_id``), and the cohort's purchase days in each week of the holdout, as
        :func:`helpers.clv.backtest_origin.holdout_weeks` counts them (floats).
    """

    first: pd.Timestamp
    last: pd.Timestamp
    at_origin: OriginTables


class StoredOrigins:
    """An ``at_origin`` that returns results computed before: picklable, no lines needed.

    A report hands its tables to the notebook in a file; the backtest's tables at the
    origins the model choice reads are computed where the lines are (pandas or an SQL
    engine) and kept here (see :func:`helpers.clv.choice.stored_backtest`).

    Parameters
    ----------
    results : dict
        ``(origin, span, period)`` -> what ``at_origin`` returned, or the exception it raised
        (raised again when asked).
    """

    def __init__(self, results: dict[tuple[pd.Timestamp, int, str], object]) -> None:
        self.results = results

    def __call__(
        self, origin: pd.Timestamp, span: int, period: str
    ) -> tuple[pd.DataFrame, np.ndarray]:
        """Return the stored tables of ``(origin, span, period)``, or raise what it raised.

        Raises
        ------
        LookupError
            If they were not stored (the stored ones are named).
        """
        key = (pd.Timestamp(origin), int(span), period)
        if key not in self.results:
            stored = ", ".join(f"{o:%Y-%m-%d} + {d} days ({p})" for o, d, p in self.results)
            raise LookupError(
                f"the backtest's tables were stored for {stored or 'no origin'}; not for "
                f"{key[0]:%Y-%m-%d} + {key[1]} days ({period})"
            )
        found = self.results[key]
        if isinstance(found, Exception):
            raise found
        return found


def backtest_lines(
    transactions: pd.DataFrame,
    *,
    customer_col: str = s.CUSTOMER_ID,
    date_col: str = s.INVOICE_DATE,
    amount_col: str | None = s.AMOUNT,
) -> BacktestLines:
    """Collapse order lines to purchase days once, for :func:`compare_models`.

    Parameters
    ----------
    transactions : pandas.DataFrame
        Clean order lines (see :func:`compare_models`).
    customer_col, date_col, amount_col : str
        Column names; ``amount_col=None`` when there is no spend.

    Returns
    -------
    BacktestLines
        Its ``at_origin`` runs :func:`helpers.clv_data.calibration_holdout` and
        :func:`helpers.clv.backtest_origin.holdout_weeks` on the purchase days.

    Raises
    ------
    ValueError
        If there is no order line, or as :func:`helpers.clv_data.purchase_days`.
    """
    days_table = purchase_days(
        transactions, customer_col=customer_col, date_col=date_col, amount_col=amount_col
    )
    if days_table.empty:
        raise ValueError("transactions has no order lines: nothing to backtest")

    def at_origin(origin: pd.Timestamp, span: int, period: str) -> tuple[pd.DataFrame, np.ndarray]:
        summary = calibration_holdout(
            days_table,
            holdout_start=dates.day_after(origin),
            as_of=dates.day_after(origin + pd.Timedelta(days=span)),
            period=period,
            customer_col=s.CUSTOMER_ID,
            date_col="day",
            amount_col="amount",
        )
        return summary, holdout_weeks(days_table, summary.index, origin, span)

    return BacktestLines(days_table["day"].min(), days_table["day"].max(), at_origin)


def _check_models(models: Mapping) -> None:
    if not isinstance(models, Mapping) or not models:
        raise ValueError(
            "models must be a non-empty dict of name -> unfitted model, e.g. "
            "{'BG/NBD': BetaGeoModel(), 'Pareto/NBD': ParetoNBDModel()}; "
            f"got {models!r}"
        )
    supported = ", ".join(cls.__name__ for cls in SUPPORTED)
    for name, model in models.items():
        if not isinstance(name, str) or not name:
            raise ValueError(f"models: every name must be a non-empty str; got {name!r}")
        if name in (BENCHMARK, "actual"):
            raise ValueError(f"models: the name {name!r} is reserved; choose another")
        if isinstance(model, type) and issubclass(model, SUPPORTED):
            raise ValueError(
                f"models[{name!r}] is the class {model.__name__}; pass an instance, "
                f"{model.__name__}()"
            )
        if not isinstance(model, SUPPORTED):
            raise ValueError(
                f"models[{name!r}]: unknown model type {type(model).__name__}; a backtest "
                f"compares the continuous-time purchase models ({supported})"
            )


def _origins(calibration_ends, end: pd.Timestamp, first: pd.Timestamp) -> list[pd.Timestamp]:
    if isinstance(calibration_ends, str | pd.Timestamp) or not isinstance(
        calibration_ends, Sequence | pd.Index | np.ndarray | pd.Series
    ):
        raise ValueError(
            "calibration_ends must be a list of days, e.g. ['1997-06-30', '1997-09-30']; "
            f"got {calibration_ends!r}"
        )
    ends = [dates.to_timestamp(value, "calibration_ends", day=True) for value in calibration_ends]
    if not ends:
        raise ValueError("calibration_ends is empty: give at least one calibration end")
    repeated = sorted({day for day in ends if ends.count(day) > 1})
    if repeated:
        raise ValueError(f"calibration_ends must be distinct; {repeated[0]:%Y-%m-%d} repeats")
    for day in sorted(ends):
        if not day < end:
            raise ValueError(
                f"calibration_ends must be before the last day before as_of ({end:%Y-%m-%d}), "
                f"each origin needs a holdout after it; got {day:%Y-%m-%d}"
            )
        if day < first:
            raise ValueError(
                f"calibration_ends: {day:%Y-%m-%d} is before the first purchase "
                f"({first:%Y-%m-%d}); its calibration period is empty"
            )
    return sorted(ends)


def _holdout_days(holdout, origins: list[pd.Timestamp], end: pd.Timestamp, unit: float) -> int:
    """Return the holdout's length in days (checked: >= 1 period, ends before as_of)."""
    name = {1.0: "day", 7.0: "week"}.get(unit, "period")
    if holdout is None:
        days = (end - origins[-1]).days
        if days < unit:
            raise ValueError(
                f"the holdout after the last of calibration_ends ({origins[-1]:%Y-%m-%d}) to "
                f"the last day before as_of ({end:%Y-%m-%d}) is {days} day(s), shorter than "
                f"one {name}; "
                "move calibration_ends earlier or pass holdout="
            )
        return days
    try:
        length = float(holdout)
    except (TypeError, ValueError):
        raise ValueError(f"holdout must be a number of periods, e.g. 26; got {holdout!r}") from None
    if not length >= 1:
        raise ValueError(f"holdout must be at least 1 period (one {name}); got {holdout!r}")
    days = length * unit
    if abs(days - round(days)) > 1e-9:
        raise ValueError(
            f"holdout must be a whole number of days; {holdout!r} {name}s is {days:g} days"
        )
    days = round(days)
    late = [day for day in origins if day + pd.Timedelta(days=days) > end]
    if late:
        stop = late[0] + pd.Timedelta(days=days)
        raise ValueError(
            f"holdout of {length:g} {name}s after calibration end {late[0]:%Y-%m-%d} runs to "
            f"{stop:%Y-%m-%d}, past the last day before as_of ({end:%Y-%m-%d}); shorten holdout "
            "or move calibration_ends earlier"
        )
    return days


@renamed_arguments(observation_end=("as_of", dates.day_after))
def compare_models(
    transactions: pd.DataFrame | BacktestLines,
    models: Mapping[str, BetaGeoModel | ModifiedBetaGeoModel | ParetoNBDModel],
    *,
    calibration_ends: Sequence,
    as_of: dates.DateLike | None = None,
    holdout: float | None = None,
    period: str = "W",
    customer_col: str = s.CUSTOMER_ID,
    date_col: str = s.INVOICE_DATE,
    amount_col: str | None = s.AMOUNT,
    top_share: float = 0.1,
    tolerance: float = 0.01,
    benchmark: bool = True,
) -> ModelComparison:
    """Backtest purchase models at several calibration ends and choose one by holdout MAE.

    At each calibration end (an **origin**) the calibration summary is made with
    :func:`helpers.clv_data.calibration_holdout` (calibration to the end, inclusive; the
    holdout the ``holdout`` periods after it); a fresh copy of every model is fitted on it
    and predicts each calibration customer's purchases in the holdout, E[Y(t) | x, t_x, T]
    with t the holdout length; customers first seen in the holdout are left out. Every origin
    has a holdout of the **same length**, so the scores of different origins measure the
    same thing and can be averaged.

    Parameters
    ----------
    transactions : pandas.DataFrame or BacktestLines
        Clean order lines (a customer, a date, optionally an amount); purchases on one day
        count once, as in :func:`helpers.clv_data.summary_data`. Or what the backtest reads
        of them, :class:`BacktestLines` (:func:`backtest_lines`, or an SQL engine's, see
        :mod:`helpers.scale_clv`): the column names are then not used.
    models : dict
        Name -> model: instances of :class:`BetaGeoModel`, :class:`ModifiedBetaGeoModel`
        or :class:`ParetoNBDModel` (settings such as ``initial_params`` are kept). The given
        instances are not changed: each origin fits its own copy.
    calibration_ends : sequence of dates
        The origins: last days of the calibration periods (inclusive), e.g. three days a
        quarter apart. Distinct, each on or after the first purchase.
    as_of : str, datetime.date or pandas.Timestamp, optional
        A day (midnight): the lines dated before it are used (exclusive, as everywhere in
        :mod:`helpers`); default midnight after the day of the last line. The old keyword
        ``observation_end`` (the last day, inclusive) is read as the day after it, with a
        FutureWarning.
    holdout : float, optional
        Length of every holdout, in periods; a whole number of days, at least one period,
        and every holdout must end before ``as_of``. Default: the time from the last
        calibration end to the day before ``as_of``.
    period : {"W", "D"}, default "W"
        The period unit of the models and of ``holdout``.
    customer_col, date_col, amount_col : str
        Column names; ``amount_col=None`` when there is no spend.
    top_share : float, default 0.1
        The top share of customers by prediction for ``top_capture``.
    tolerance : float, default 0.01
        Mean MAEs within this share of the lowest count as tied; the tie goes to the smaller
        mean absolute bias (:mod:`helpers.clv.backtest_rule`). 0: the plain lowest-MAE rule.
    benchmark : bool, default True
        Score the naive calibration rate too (:data:`BENCHMARK`).

    Returns
    -------
    ModelComparison
        The ``fit``, ``scores``, ``summary``, ``tracking`` and ``deciles`` tables, the
        ``chosen`` model and the ``reason``; see :class:`ModelComparison`.

    Raises
    ------
    ValueError
        If a model is not one of the supported types, ``calibration_ends`` is empty, repeats
        a day, has a day not before the last day before ``as_of`` or before the first
        purchase, the holdout is shorter than one period or runs to ``as_of``, or a
        calibration period has no repeat purchase to fit the models on.
    """
    _check_models(models)
    check_numbers("tolerance", tolerance, ">= 0 (a share of the lowest MAE)", lambda a: a >= 0)
    unit = period_days(period)
    if not isinstance(transactions, BacktestLines):
        transactions = backtest_lines(
            transactions, customer_col=customer_col, date_col=date_col, amount_col=amount_col
        )
    first, last = transactions.first, transactions.last
    end = last if as_of is None else dates.last_day(dates.to_timestamp(as_of, "as_of", day=True))
    origins = _origins(calibration_ends, end, first)
    span = _holdout_days(holdout, origins, end, unit)
    length = span / unit

    fit_rows, score_tables, track_tables, decile_tables, prediction_tables = [], [], [], [], []
    fitted, summaries = {}, {}
    for origin in origins:
        summary, weekly = transactions.at_origin(origin, span, period)
        if not (summary[BTYD_FREQUENCY] > 0).any():
            raise ValueError(
                f"calibration_ends: the calibration period to {origin:%Y-%m-%d} has "
                f"{len(summary):,} customer(s) and no repeat purchase; the models need repeat "
                "buyers to fit on: choose a later calibration end"
            )
        summaries[origin] = summary
        predictors = {}
        for name, template in models.items():
            model, row = fit_at_origin(template, summary)
            fit_rows.append({"origin": origin, "model": name, **row})
            fitted[(origin, name)] = predictors[name] = model
        if benchmark:
            predictors[BENCHMARK] = CalibrationRate()
        frame, tracking = predict_at_origin(predictors, summary, weekly, origin, span, unit)
        actual = summary[HOLDOUT_PURCHASES].astype(float)
        scores = score_predictions(frame, actual, top_share=top_share).reset_index()
        scores.insert(0, "origin", origin)
        scores.insert(3, "holdout_length", length)
        score_tables.append(scores)
        track_tables.append(tracking)
        for name in frame.columns:
            table = decile_table(frame[name], actual.to_numpy())
            table.insert(0, "model", name)
            table.insert(0, "origin", origin)
            decile_tables.append(table)
        frame["actual"] = actual
        frame.index = pd.MultiIndex.from_arrays(
            [np.full(len(frame), origin), frame.index], names=["origin", s.CUSTOMER_ID]
        )
        prediction_tables.append(frame)

    fit_table = pd.DataFrame(fit_rows)
    score_table = pd.concat(score_tables, ignore_index=True)
    summary_table, chosen = rule_summary(fit_table, score_table, tolerance)
    predictions = pd.concat(prediction_tables)
    holdout_text = (_("{n:.3g}-week") if period == "W" else _("{n:.3g}-day")).format(n=length)
    reason = choice_reason(summary_table, predictions, chosen, holdout_text, tolerance)
    return ModelComparison(
        fit=fit_table,
        scores=score_table,
        summary=summary_table,
        chosen=chosen,
        reason=reason,
        tracking=pd.concat(track_tables, ignore_index=True),
        deciles=pd.concat(decile_tables, ignore_index=True),
        predictions=predictions,
        models=fitted,
        summaries=summaries,
        origins=origins,
        holdout_length=length,
        period=period,
        top_share=top_share,
        tolerance=tolerance,
    )

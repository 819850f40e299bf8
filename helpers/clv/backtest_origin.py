"""One origin of a backtest: fit every model on the calibration summary, predict the holdout.

:func:`helpers.clv.comparison.compare_models` calls :func:`fit_at_origin` for every model at every
origin (calibration end) and :func:`predict_at_origin` for the holdout predictions per customer and
the cohort's week-by-week tracking table, whose actual purchases :func:`holdout_weeks` counts
from the purchase days (an SQL engine may count them instead, :mod:`helpers.scale_clv`);
:class:`CalibrationRate` is the naive benchmark predictor
(:data:`helpers.clv.backtest_rule.BENCHMARK`).
"""

from __future__ import annotations

import copy
import math
import time
import warnings

import numpy as np
import pandas as pd

from helpers import schema as s
from helpers.clv.backtest_metrics import information_criteria
from helpers.clv.fitting import ConvergenceWarning
from helpers.clv_data import BTYD_FREQUENCY, BTYD_RECENCY, BTYD_T

__all__: list[str] = []

#: The tracking table's step in days: one week, whatever the period unit.
TRACK_DAYS = 7


class CalibrationRate:
    """The naive benchmark: each customer buys at their calibration rate, frequency / T."""

    @staticmethod
    def conditional_expected_purchases(t, frequency, recency, T) -> np.ndarray:  # noqa: N803
        x, t_obs = np.asarray(frequency, dtype=float), np.asarray(T, dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            rate = np.where(t_obs > 0, x / t_obs, 0.0)
        return rate * t


def _fresh(model):
    """Return an unfitted copy: scikit-learn's clone if the model supports it, else a deepcopy."""
    if hasattr(model, "get_params"):
        from sklearn.base import clone

        return clone(model)
    return copy.deepcopy(model)


def _parameters(model) -> str:
    return ", ".join(f"{name}={value:.4g}" for name, value in model.params_.items())


def fit_at_origin(template, summary: pd.DataFrame) -> tuple[object, dict]:
    """Fit a fresh copy of ``template`` on ``summary``; return it and its row of the fit table.

    A fit that does not converge or runs away does not warn here (one warning per origin and
    model would bury the reader): the row's ``converged`` and ``parameters`` report it.
    """
    model = _fresh(template)
    started = time.perf_counter()
    with warnings.catch_warnings():  # reported in the row ("converged", "parameters")
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(summary)
    seconds = time.perf_counter() - started
    k, n = len(model.params_), len(summary)
    aic, bic = information_criteria(model.log_likelihood_, k, n)
    return model, {
        "customers": n,
        "repeat_buyers": int((summary[BTYD_FREQUENCY] > 0).sum()),
        "log_likelihood": model.log_likelihood_,
        "k": k,
        "aic": aic,
        "bic": bic,
        "converged": bool(getattr(model, "converged_", True)),
        "seconds": seconds,
        "parameters": _parameters(model),
    }


def holdout_weeks(
    days_table: pd.DataFrame, customers: pd.Index, origin: pd.Timestamp, span: int
) -> np.ndarray:
    """Count the cohort's purchase days in each week of the holdout after ``origin``.

    ``days_table`` is :func:`helpers.clv_data.purchase_days`; ``customers`` the cohort (the
    calibration summary's index); the holdout is the ``span`` days after ``origin``, in steps
    of :data:`TRACK_DAYS` (the last one may be shorter). Returns the counts as floats.
    """
    n_steps = math.ceil(span / TRACK_DAYS)
    day = days_table["day"]
    stop = origin + pd.Timedelta(days=span)
    within = (day > origin) & (day <= stop) & days_table[s.CUSTOMER_ID].isin(customers)
    offset = (day[within] - origin).dt.days.to_numpy()
    return np.bincount((offset - 1) // TRACK_DAYS, minlength=n_steps).astype(float)


def predict_at_origin(
    predictors: dict,
    summary: pd.DataFrame,
    actual: np.ndarray,
    origin: pd.Timestamp,
    span: int,
    unit: float,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Predict the holdout purchases per customer, and the cohort's week by week.

    ``actual`` holds the cohort's purchase days in each week of the holdout
    (:func:`holdout_weeks`). Returns the predictions (one column per predictor, indexed like
    ``summary``) and the tracking table of this origin. The cohort's expected purchases to
    the end of week k are the sum over customers of E[Y(t_k) | x, t_x, T], t_k the week's
    end in periods; each distinct (x, t_x, T) is computed once and weighed by its customers.
    """
    n_steps = math.ceil(span / TRACK_DAYS)
    step_days = np.minimum(np.arange(1, n_steps + 1) * TRACK_DAYS, span)
    step_t = step_days / unit
    rows = summary[[BTYD_FREQUENCY, BTYD_RECENCY, BTYD_T]].to_numpy(dtype=float)
    unique, inverse, counts = np.unique(rows, axis=0, return_inverse=True, return_counts=True)
    inverse = inverse.ravel()

    predicted, tables = {}, []
    for name, predictor in predictors.items():
        cumulative = np.array(
            [predictor.conditional_expected_purchases(t, *unique.T) for t in step_t]
        )  # weeks x distinct rows
        predicted[name] = pd.Series(cumulative[-1][inverse], index=summary.index, name=name)
        expected = cumulative @ counts
        tables.append(
            pd.DataFrame(
                {
                    "origin": origin,
                    "model": name,
                    "week": np.arange(1, n_steps + 1),
                    "start": origin
                    + pd.to_timedelta(np.arange(n_steps) * TRACK_DAYS + 1, unit="D"),
                    "end": origin + pd.to_timedelta(step_days, unit="D"),
                    "t": step_t,
                    "actual": actual,
                    "expected": np.diff(expected, prepend=0.0),
                    "actual_cumulative": np.cumsum(actual),
                    "expected_cumulative": expected,
                }
            )
        )
    return pd.DataFrame(predicted), pd.concat(tables, ignore_index=True)

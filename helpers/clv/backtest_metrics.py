"""Scores of predicted holdout purchases against the actual ones, for a backtest.

:func:`helpers.clv.comparison.compare_models` scores every model at every origin with these;
they work on any predictions.

The scores of one origin (:func:`score_predictions`), per customer of the calibration cohort:

=================  =========================================================================
``mae``            mean absolute error of the predicted holdout purchases
``bias``           mean of (predicted - actual): > 0 the model expects too many purchases
``rmse``           root mean squared error
``total_error``    (predicted total - actual total) / actual total
``top_capture``    share of the actual holdout purchases made by the top ``top_share``
                   (default 10%) of customers by prediction
                   (:func:`helpers.clv_tables.top_share_captured`)
``gini``           normalised Gini of the ranking (:func:`normalized_gini`): 1 for the
                   ranking by the actual purchases themselves, 0 for a ranking no better
                   than chance, -1 for the reversed ranking
``spearman``       rank correlation of predicted and actual
=================  =========================================================================

and per model and origin the fit: log-likelihood, number of parameters k, AIC = 2k - 2 LL
and BIC = k ln n - 2 LL with n the calibration customers (:func:`information_criteria`).
:func:`decile_table` gives the mean predicted and actual purchases per decile of the prediction.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

__all__ = [
    "capture_curve",
    "error_difference",
    "information_criteria",
    "normalized_gini",
    "score_predictions",
]


def information_criteria(log_likelihood: float, k: int, n: float) -> tuple[float, float]:
    """Return AIC = 2k - 2 LL and BIC = k ln(n) - 2 LL.

    Parameters
    ----------
    log_likelihood : float
        The maximised log-likelihood LL.
    k : int
        Number of estimated parameters.
    n : float
        Number of observations (customers).

    Returns
    -------
    tuple of float
        (AIC, BIC); lower is better.
    """
    return 2 * k - 2 * log_likelihood, k * math.log(n) - 2 * log_likelihood


def _finite_pair(predicted, actual, name: str = "predicted") -> tuple[np.ndarray, np.ndarray]:
    """Return both as float arrays, checked: same length, finite, ``actual`` >= 0."""
    pred = np.asarray(predicted, dtype=float).ravel()
    act = np.asarray(actual, dtype=float).ravel()
    if pred.shape != act.shape:
        raise ValueError(
            f"{name} and actual must have the same length; got {len(pred)} and {len(act)}"
        )
    for what, values in ((name, pred), ("actual", act)):
        bad = ~np.isfinite(values)
        if bad.any():
            position = int(np.flatnonzero(bad)[0])
            raise ValueError(
                f"{what} must be finite numbers; {int(bad.sum())} are not, e.g. "
                f"{values[position]!r} at position {position}"
            )
    if (act < 0).any():
        position = int(np.flatnonzero(act < 0)[0])
        raise ValueError(f"actual must be >= 0; got {act[position]!r} at position {position}")
    return pred, act


def capture_curve(predicted, actual) -> pd.DataFrame:
    """Share of the actual total captured by the top share of customers ranked by prediction.

    Customers are sorted by ``predicted``, highest first. The curve goes through (0, 0) and,
    after each group of customers with the same prediction, through (share of customers so
    far, share of the total ``actual`` they hold); between these points it is a straight
    line, so customers tied on the prediction share their group's value evenly (the curve
    of a random order within ties, on average), and no order of the ties gets credit.

    Parameters
    ----------
    predicted : array-like
        The score per customer (e.g. predicted holdout purchases); higher = more valuable.
    actual : array-like
        What each customer then did (>= 0), in the same order.

    Returns
    -------
    pandas.DataFrame
        Columns ``customers`` and ``captured`` (shares, from 0 to 1). ``captured`` is NaN
        when the actual total is 0.
    """
    pred, act = _finite_pair(predicted, actual)
    if len(pred) == 0:
        raise ValueError("predicted is empty: no customer to rank")
    order = np.argsort(-pred, kind="stable")
    pred, act = pred[order], act[order]
    last = np.r_[pred[1:] != pred[:-1], True]  # the last customer of each tie group
    count = np.flatnonzero(last) + 1
    total = act.sum()
    with np.errstate(invalid="ignore", divide="ignore"):
        captured = np.cumsum(act)[last] / total if total > 0 else np.full(len(count), np.nan)
    return pd.DataFrame(
        {"customers": np.r_[0.0, count / len(pred)], "captured": np.r_[0.0, captured]}
    )


def _gini(curve: pd.DataFrame) -> float:
    """Twice the area between a capture curve and the diagonal."""
    x, y = curve["customers"].to_numpy(), curve["captured"].to_numpy()
    return float(2 * np.sum(np.diff(x) * (y[1:] + y[:-1]) / 2) - 1)


def normalized_gini(predicted, actual) -> float:
    """Normalised Gini of a ranking: its capture curve's area over that of the best ranking.

    With C(q) the share of the total ``actual`` held by the top share q of customers by
    ``predicted`` (:func:`capture_curve`; ties in the prediction share their value evenly),
    the Gini of the ranking is G = 2 * integral_0^1 (C(q) - q) dq, twice the area between
    the curve and the diagonal (a random ranking's curve). The normalised Gini divides it by
    the G of ranking by ``actual`` itself, the best possible curve: 1 for a ranking as good
    as the truth, about 0 for a random one, -1 for the reversed ranking. Only the order of
    ``predicted`` matters, not its scale.

    Parameters
    ----------
    predicted : array-like
        Score per customer, higher = more valuable.
    actual : array-like
        What each customer then did (>= 0).

    Returns
    -------
    float
        NaN when every customer has the same ``actual`` (nothing to rank).
    """
    pred, act = _finite_pair(predicted, actual)
    best = _gini(capture_curve(act, act))
    if not best > 0:
        return math.nan
    return _gini(capture_curve(pred, act)) / best


def score_predictions(
    predictions: pd.DataFrame, actual: pd.Series, *, top_share: float = 0.1
) -> pd.DataFrame:
    """Score predicted holdout purchases against the actual ones, one row per predictor.

    Parameters
    ----------
    predictions : pandas.DataFrame
        One column per predictor, one row per customer.
    actual : pandas.Series
        Actual holdout purchases per customer; customers missing from it count as 0.
    top_share : float, default 0.1
        The top share of customers for ``top_capture``.

    Returns
    -------
    pandas.DataFrame
        Indexed by predictor: ``customers``, ``actual_total``, ``predicted_total``,
        ``total_error`` ((predicted - actual) / actual total), ``mae``, ``bias`` (mean
        predicted - actual), ``rmse``, ``top_capture``
        (:func:`helpers.clv_tables.top_share_captured`), ``gini``
        (:func:`normalized_gini`), ``spearman``.
    """
    from helpers.clv_tables import compare_predictors  # here: clv_tables imports helpers.clv

    if predictions.empty:
        raise ValueError("predictions is empty: no customer or no predictor to score")
    actual = actual.reindex(predictions.index, fill_value=0.0).astype(float)
    act = actual.to_numpy()
    for name in predictions.columns:
        _finite_pair(predictions[name], act, f"predictions column {name!r}")
    ranking = compare_predictors(predictions, actual, top_share)
    rows = {}
    for name in predictions.columns:
        pred = predictions[name].to_numpy(dtype=float)
        error = pred - act
        rows[name] = {
            "customers": len(act),
            "actual_total": act.sum(),
            "predicted_total": pred.sum(),
            "total_error": error.sum() / act.sum() if act.sum() > 0 else math.nan,
            "mae": np.abs(error).mean(),
            "bias": error.mean(),
            "rmse": math.sqrt(np.mean(error**2)),
            "top_capture": ranking.loc[name, "top_capture"],
            "gini": normalized_gini(pred, act),
            "spearman": ranking.loc[name, "spearman"],
        }
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "model"
    return out


def decile_table(predicted: pd.Series, actual: pd.Series) -> pd.DataFrame:
    """Mean predicted and actual per decile of ``predicted`` (ties in customer order)."""
    n = len(predicted)
    rank = predicted.rank(method="first").to_numpy()
    decile = np.ceil(rank * 10 / n).astype(int)
    frame = pd.DataFrame(
        {"decile": decile, "customers": 1, "predicted": predicted.to_numpy(), "actual": actual}
    )
    out = frame.groupby("decile").agg(
        customers=("customers", "sum"), predicted=("predicted", "mean"), actual=("actual", "mean")
    )
    return out.reset_index()


def error_difference(
    predictions: pd.DataFrame, first: str, second: str, *, level: float = 0.95
) -> pd.DataFrame:
    """Difference of two predictors' absolute errors per origin, with a confidence interval.

    For each customer, d = ``abs(first - actual) - abs(second - actual)``; the mean of d is the
    difference of the two MAEs (< 0: ``first`` is better). Its interval is the normal one,
    mean +- z sd / sqrt(n), which the central limit theorem justifies for the thousands of
    customers of a backtest. An interval that contains 0 says the data do not tell the two
    apart at that origin.

    Parameters
    ----------
    predictions : pandas.DataFrame
        :attr:`ModelComparison.predictions`: indexed by (origin, customer), one column per
        predictor and ``actual``.
    first, second : str
        The two predictors' columns.
    level : float, default 0.95
        Confidence level, in (0, 1).

    Returns
    -------
    pandas.DataFrame
        Per origin: ``customers``, ``difference`` (MAE of ``first`` minus MAE of
        ``second``), ``lower`` and ``upper``.

    Raises
    ------
    ValueError
        If a column is missing or ``level`` is not in (0, 1).
    """
    from scipy import stats

    for name in (first, second, "actual"):
        if name not in predictions.columns:
            raise ValueError(
                f"predictions has no column {name!r}; columns: {list(predictions.columns)}"
            )
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), e.g. 0.95; got {level!r}")
    actual = predictions["actual"]
    gap = (predictions[first] - actual).abs() - (predictions[second] - actual).abs()
    grouped = gap.groupby(level=0, sort=True)
    out = pd.DataFrame(
        {"customers": grouped.size(), "difference": grouped.mean(), "sd": grouped.std()}
    )
    half = stats.norm.ppf(0.5 + level / 2) * out["sd"] / np.sqrt(out["customers"])
    out["lower"], out["upper"] = out["difference"] - half, out["difference"] + half
    out.index.name = "origin"
    return out.drop(columns="sd")

"""Plots of a purchase-model backtest (:func:`helpers.clv.comparison.compare_models`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from helpers.plots._common import figure_axes

if TYPE_CHECKING:  # helpers.plots does not import the models (SciPy) until a plot needs them
    from helpers.clv.comparison import ModelComparison

__all__ = ["plot_capture_curve", "plot_decile_calibration", "plot_tracking"]


def _origin(result: ModelComparison, origin) -> pd.Timestamp:
    """Return the origin asked for (default the last one), checked."""
    if origin is None:
        return result.origins[-1]
    day = pd.Timestamp(origin)
    if day not in result.origins:
        shown = ", ".join(f"{o:%Y-%m-%d}" for o in result.origins)
        raise ValueError(f"origin must be one of the calibration ends ({shown}); got {origin!r}")
    return day


def _names(result: ModelComparison, model) -> list[str]:
    """Return the predictors asked for: one name, a list, or None for all of them."""
    known = list(result.summary.index)
    names = known if model is None else [model] if isinstance(model, str) else list(model)
    unknown = [name for name in names if name not in known]
    if unknown:
        raise ValueError(f"model must be one of {known}; got {unknown[0]!r}")
    return names


def _unit(result: ModelComparison) -> str:
    return {"W": "weeks", "D": "days"}.get(result.period, "periods")


def plot_tracking(
    result: ModelComparison,
    model: str | list[str] | None = None,
    cumulative: bool = True,
    *,
    origin: str | pd.Timestamp | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Actual and model-expected purchases of the cohort, week by week through the holdout.

    Parameters
    ----------
    result : ModelComparison
        What :func:`helpers.clv.comparison.compare_models` returned.
    model : str or list of str, optional
        The predictor(s) to draw; default all (the benchmark dotted).
    cumulative : bool, default True
        Running totals (True) or purchases per week (False).
    origin : str or pandas.Timestamp, optional
        The calibration end whose holdout to draw; default the last.
    ax : matplotlib.axes.Axes, optional
        Where to draw; default a new figure.

    Returns
    -------
    matplotlib.axes.Axes
    """
    from helpers.clv.comparison import BENCHMARK

    day = _origin(result, origin)
    names = _names(result, model)
    ax = figure_axes(ax, (8.0, 4.0))
    table = result.tracking[result.tracking["origin"] == day]
    suffix = "_cumulative" if cumulative else ""
    first = table[table["model"] == names[0]]
    ax.plot(
        first["week"],
        first["actual" + suffix],
        color="black",
        marker="o",
        markersize=3,
        label="actual",
    )
    for name in names:
        rows = table[table["model"] == name]
        style = ":" if name == BENCHMARK else "--"
        ax.plot(rows["week"], rows["expected" + suffix], linestyle=style, label=name)
    what = "cumulative purchases" if cumulative else "purchases per week"
    ax.set_xlabel(f"week of the holdout after {day:%Y-%m-%d}")
    ax.set_ylabel(f"{what} of the calibration cohort")
    ax.set_title(f"Holdout tracking from {day:%Y-%m-%d}: actual vs expected {what}")
    ax.legend()
    return ax


def plot_decile_calibration(
    result: ModelComparison,
    model: str | None = None,
    *,
    origin: str | pd.Timestamp | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Mean predicted and actual holdout purchases per decile of the prediction.

    Parameters
    ----------
    result : ModelComparison
        What :func:`helpers.clv.comparison.compare_models` returned.
    model : str, optional
        The predictor; default the chosen model.
    origin : str or pandas.Timestamp, optional
        The calibration end; default the last.
    ax : matplotlib.axes.Axes, optional
        Where to draw; default a new figure.

    Returns
    -------
    matplotlib.axes.Axes
    """
    day = _origin(result, origin)
    (name,) = _names(result, result.chosen if model is None else model)
    ax = figure_axes(ax, (7.0, 4.0))
    deciles = result.deciles
    table = deciles[(deciles["origin"] == day) & (deciles["model"] == name)]
    position = table["decile"].to_numpy()
    ax.bar(position - 0.2, table["predicted"], width=0.4, label="predicted (mean)")
    ax.bar(position + 0.2, table["actual"], width=0.4, label="actual (mean)")
    ax.set_xticks(position, [str(d) for d in position])
    ax.set_xlabel(f"decile of predicted holdout purchases ({name}; 1 = lowest)")
    ax.set_ylabel(f"purchases per customer in {result.holdout_length:.3g} {_unit(result)}")
    ax.set_title(f"Calibration by decile, {name}, holdout after {day:%Y-%m-%d}")
    ax.legend()
    return ax


def plot_capture_curve(
    result: ModelComparison,
    model: str | list[str] | None = None,
    *,
    origin: str | pd.Timestamp | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Share of holdout purchases captured by the top customers of each model's ranking.

    Draws :func:`helpers.clv.comparison.capture_curve` for each predictor, the best possible
    curve (customers ranked by what they actually bought) and the diagonal (a random
    ranking); the legend gives each predictor's normalised Gini.

    Parameters
    ----------
    result : ModelComparison
        What :func:`helpers.clv.comparison.compare_models` returned.
    model : str or list of str, optional
        The predictor(s); default all.
    origin : str or pandas.Timestamp, optional
        The calibration end; default the last.
    ax : matplotlib.axes.Axes, optional
        Where to draw; default a new figure.

    Returns
    -------
    matplotlib.axes.Axes
    """
    from helpers.clv.comparison import BENCHMARK, capture_curve

    day = _origin(result, origin)
    names = _names(result, model)
    ax = figure_axes(ax, (6.0, 5.0))
    frame = result.predictions.xs(day, level="origin")
    actual = frame["actual"].to_numpy()
    best = capture_curve(actual, actual)
    ax.plot(best["customers"], best["captured"], color="black", label="perfect ranking")
    scores = result.scores[result.scores["origin"] == day].set_index("model")
    for name in names:
        curve = capture_curve(frame[name].to_numpy(), actual)
        style = ":" if name == BENCHMARK else "-"
        label = f"{name} (Gini {scores.loc[name, 'gini']:.2f})"
        ax.plot(curve["customers"], curve["captured"], linestyle=style, label=label)
    ax.plot([0, 1], [0, 1], color="grey", linestyle="--", label="random ranking")
    ax.axvline(result.top_share, color="grey", linewidth=0.8)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    ax.set_xticks(np.linspace(0, 1, 6), [f"{v:.0%}" for v in np.linspace(0, 1, 6)])
    ax.set_xlabel("top share of customers by predicted holdout purchases")
    ax.set_ylabel("share of actual holdout purchases")
    ax.set_title(f"Who buys in the holdout after {day:%Y-%m-%d}: capture by ranking")
    ax.legend(loc="lower right")
    return ax

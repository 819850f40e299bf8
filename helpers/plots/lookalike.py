"""Plots for chapter 11's look-alike models: cumulative gains of their rankings."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
from matplotlib.axes import Axes

from helpers.plots._common import figure_axes

__all__ = ["plot_gains"]


def plot_gains(
    actual: pd.Series,
    scores: Mapping[str, pd.Series],
    *,
    what: str = "top-tier customers",
    title: str = "Cumulative gains: how many are found among the best scores",
    ax: Axes | None = None,
) -> Axes:
    """Draw the cumulative gains curve of each ranking, with random and perfect rankings.

    The curve of a score goes through (share of people taken, best scores first, share of
    the total ``actual`` they hold) (:func:`helpers.clv.backtest_metrics.capture_curve`;
    tied scores share their group's value evenly).

    Parameters
    ----------
    actual : pandas.Series
        What each person is worth or is (bool: top tier or not; or money), >= 0.
    scores : mapping of str to pandas.Series
        Name -> scores, aligned with ``actual`` by index.
    what : str, default "top-tier customers"
        What ``actual`` counts, for the axis label.
    title : str
        The title.
    ax : matplotlib.axes.Axes, optional
        Where to draw; default a new figure.

    Returns
    -------
    matplotlib.axes.Axes
    """
    from helpers.clv.backtest_metrics import capture_curve

    ax = figure_axes(ax, (6.0, 4.5))
    values = actual.astype(float)
    best = capture_curve(values.to_numpy(), values.to_numpy())
    ax.plot(best["customers"], best["captured"], color="black", linewidth=0.8, label="perfect")
    for name, score in scores.items():
        curve = capture_curve(score.reindex(values.index).to_numpy(), values.to_numpy())
        ax.plot(curve["customers"], curve["captured"], label=name)
    ax.plot([0, 1], [0, 1], color="grey", linestyle="--", label="random")
    ax.set_xlabel("share of people taken, best scores first")
    ax.set_ylabel(f"share of all {what} among them")
    ax.set_title(title)
    ax.legend(fontsize=8)
    return ax

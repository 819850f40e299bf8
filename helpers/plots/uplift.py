"""Plots for chapter 11's campaign tests: Qini curves and the value of each targeting."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
from matplotlib.axes import Axes

from helpers.plots._common import figure_axes

__all__ = ["plot_qini", "plot_targeting_value"]


def plot_qini(
    curves: Mapping[str, pd.DataFrame], *, outcome: str = "responses", ax: Axes | None = None
) -> Axes:
    """Qini curves of several rankings on the same test, with random targeting.

    Parameters
    ----------
    curves : mapping of str to pandas.DataFrame
        Name -> :func:`helpers.uplift.qini_curve` (``share``, ``qini``, ``random``); the
        random line is drawn once, from the first curve.
    outcome : str, default "responses"
        What the curve counts, for the axis label.
    ax : matplotlib.axes.Axes, optional
        Where to draw; default a new figure.

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = figure_axes(ax, (7.0, 4.2))
    for name, curve in curves.items():
        ax.plot(curve["share"], curve["qini"], label=name)
    first = next(iter(curves.values()))
    ax.plot(first["share"], first["random"], color="grey", linestyle="--", label="random")
    ax.axhline(0, color="black", linewidth=0.6)
    ax.set_xlabel("share of the test's customers targeted, best scores first")
    ax.set_ylabel(f"incremental {outcome} (Qini)")
    ax.set_title("Which ranking puts the customers the campaign changes first")
    ax.legend(fontsize=8)
    return ax


def plot_targeting_value(
    table: pd.DataFrame, *, currency: str = "£", ax: Axes | None = None
) -> Axes:
    """Draw the true incremental margin of contacting the top share of each ranking.

    Parameters
    ----------
    table : pandas.DataFrame
        One row per ranking, one column per share targeted (as
        :func:`helpers.uplift.targeting_value` gives them), in money.
    currency : str, default "£"
        For the axis label.
    ax : matplotlib.axes.Axes, optional
        Where to draw; default a new figure.

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = figure_axes(ax, (7.0, 4.2))
    for name, row in table.iterrows():
        ax.plot([0.0, *row.index.astype(float)], [0.0, *row.to_numpy()], marker="o", label=name)
    ax.axhline(0, color="black", linewidth=0.6)
    ax.set_xlabel("share of the customers contacted, best scores first")
    ax.set_ylabel(f"true incremental margin ({currency})")
    ax.set_title("What each targeting would really have earned")
    ax.legend(fontsize=8)
    return ax

"""Plots for survival analysis of contractual customers (:mod:`helpers.survival`)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from helpers.checks import require_columns
from helpers.plots._common import figure_axes

__all__ = ["plot_remaining_clv", "plot_survival_curves"]


def plot_survival_curves(
    km: pd.DataFrame, *, time_label: str = "tenure (months)", ax: Axes | None = None
) -> Axes:
    """Plot Kaplan-Meier step curves per group with their confidence bands.

    Parameters
    ----------
    km : pandas.DataFrame
        A table from :func:`helpers.survival.kaplan_meier` (``group``, ``time``, ``survival``,
        ``lower``, ``upper``).
    time_label : str, default "tenure (months)"
        The x-axis label.
    ax : matplotlib.axes.Axes, optional
        Where to draw; default a new figure.

    Returns
    -------
    matplotlib.axes.Axes
    """
    require_columns(km, ["group", "time", "survival", "lower", "upper"], "Kaplan-Meier table")
    ax = figure_axes(ax, (7.0, 4.5))
    for name, part in km.groupby("group", sort=False):
        line = ax.step(part["time"], part["survival"], where="post", label=str(name))[0]
        ax.fill_between(
            part["time"],
            part["lower"],
            part["upper"],
            step="post",
            alpha=0.2,
            color=line.get_color(),
        )
    ax.axhline(0.5, color="grey", linestyle=":", linewidth=1, label="half still there")
    ax.set_ylim(0, 1.02)
    ax.set_xlabel(time_label)
    ax.set_ylabel("share still a customer, S(t)")
    ax.set_title("Kaplan-Meier survival with 95% bands")
    ax.legend(fontsize=8, loc="lower left")
    return ax


def plot_remaining_clv(
    clv: pd.DataFrame | pd.Series,
    *,
    bins: int = 40,
    currency: str = "$",
    ax: Axes | None = None,
) -> Axes:
    """Plot the distribution of remaining CLV over current subscribers, median marked.

    Parameters
    ----------
    clv : pandas.DataFrame or pandas.Series
        The table of :func:`helpers.survival.remaining_clv` (its ``remaining_clv`` column is
        used) or the values themselves.
    bins : int, default 40
        Histogram bins.
    currency : str, default "$"
        Shown in the axis label.
    ax : matplotlib.axes.Axes, optional
        Where to draw; default a new figure.

    Returns
    -------
    matplotlib.axes.Axes
    """
    if isinstance(clv, pd.DataFrame):
        require_columns(clv, ["remaining_clv"], "remaining CLV table")
        clv = clv["remaining_clv"]
    values = np.asarray(clv, dtype=float)
    if values.size == 0:
        raise ValueError("remaining CLV: no subscribers to plot")
    ax = figure_axes(ax, (7.0, 4.0))
    ax.hist(values, bins=bins, color="tab:blue", alpha=0.8)
    median = float(np.median(values))
    ax.axvline(median, color="black", linestyle="--", label=f"median {currency}{median:,.0f}")
    ax.set_xlabel(f"remaining CLV per subscriber ({currency}, discounted margin)")
    ax.set_ylabel("subscribers")
    ax.set_title(f"Remaining CLV of {values.size:,} current subscribers")
    ax.legend(fontsize=8)
    return ax

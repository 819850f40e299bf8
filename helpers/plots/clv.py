"""Plots for chapter 08: probabilistic CLV."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from helpers.plots._common import figure_axes

__all__ = [
    "plot_alive_history",
    "plot_alive_matrix",
    "plot_calibration_holdout",
    "plot_repeat_counts",
]


def plot_repeat_counts(counts: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Bars of observed and model-expected customers per number of repeat purchases.

    Parameters
    ----------
    counts : pandas.DataFrame
        :func:`helpers.clv_tables.expected_repeat_counts` (columns ``observed``, ``expected``).
    ax : matplotlib.axes.Axes, optional
        Where to draw; default a new figure.

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = figure_axes(ax, (6.5, 4.0))
    position = np.arange(len(counts))
    ax.bar(position - 0.2, counts["observed"], width=0.4, label="observed")
    ax.bar(position + 0.2, counts["expected"], width=0.4, label="expected by the model")
    ax.set_xticks(position, [str(label) for label in counts.index])
    ax.set_xlabel(str(counts.index.name or "repeat purchases"))
    ax.set_ylabel("customers")
    ax.set_title("Calibration period: customers per number of repeat purchases")
    ax.legend()
    return ax


def plot_calibration_holdout(table: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Mean actual and predicted holdout purchases per calibration frequency.

    Parameters
    ----------
    table : pandas.DataFrame
        :func:`helpers.clv_tables.calibration_holdout_table` (columns ``actual``, ``predicted``,
        indexed by calibration frequency).
    ax : matplotlib.axes.Axes, optional
        Where to draw; default a new figure.

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = figure_axes(ax, (6.5, 4.0))
    labels = [str(label) for label in table.index]
    ax.plot(labels, table["actual"], marker="o", label="actual")
    ax.plot(labels, table["predicted"], marker="s", linestyle="--", label="predicted")
    ax.set_xlabel("repeat purchases in the calibration period")
    ax.set_ylabel("mean purchases in the holdout period")
    ax.set_title("Holdout: actual vs conditional expected purchases")
    ax.legend()
    return ax


def plot_alive_matrix(matrix: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Heatmap of P(alive) over frequency (rows) and recency (columns).

    Parameters
    ----------
    matrix : pandas.DataFrame
        :func:`helpers.clv_tables.probability_alive_matrix`.
    ax : matplotlib.axes.Axes, optional
        Where to draw; default a new figure.

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = figure_axes(ax, (7.0, 4.5))
    image = ax.imshow(
        matrix.to_numpy(dtype=float),
        origin="lower",
        aspect="auto",
        cmap="RdYlGn",
        vmin=0,
        vmax=1,
        extent=(-0.5, matrix.shape[1] - 0.5, -0.5, matrix.shape[0] - 0.5),
    )
    ax.figure.colorbar(image, ax=ax, label="P(alive)")
    ax.set_xlabel("recency: time from the first to the last purchase (periods)")
    ax.set_ylabel("frequency: repeat purchases")
    ax.set_title("Probability of being alive, by purchase history")
    return ax


def plot_alive_history(
    history: pd.Series, purchases: pd.Series | None = None, *, ax: Axes | None = None
) -> Axes:
    """One customer's P(alive) over time, with their purchase days marked.

    Parameters
    ----------
    history : pandas.Series
        :func:`helpers.clv_tables.probability_alive_history` (P(alive) indexed by day).
    purchases : pandas.Series or sequence of dates, optional
        The customer's purchase dates, drawn as vertical lines.
    ax : matplotlib.axes.Axes, optional
        Where to draw; default a new figure.

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = figure_axes(ax, (8.0, 3.2))
    ax.plot(history.index, history.to_numpy(), label="P(alive)")
    if purchases is not None:
        for i, day in enumerate(pd.to_datetime(pd.Series(purchases)).dt.normalize().unique()):
            ax.axvline(day, color="grey", linestyle=":", label="purchase" if i == 0 else None)
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("P(alive)")
    ax.set_title("A customer's probability of being alive, day by day")
    ax.legend(loc="lower left")
    return ax

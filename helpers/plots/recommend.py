"""Plots for chapter 10: product recommendation."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import MaxNLocator

from helpers.checks import require_columns
from helpers.plots._common import figure_axes

__all__ = ["plot_metrics_by_k", "plot_recommender_metrics"]


def plot_recommender_metrics(
    table: pd.DataFrame,
    metrics: Sequence[str] = ("precision", "recall", "ndcg", "hit_rate"),
    *,
    k: int | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Draw grouped bars: a few ranking metrics of each recommender, side by side.

    Parameters
    ----------
    table : pandas.DataFrame
        One row per method (the index), a column per metric, as from
        :func:`helpers.recommend_eval.evaluate_recommenders`.
    metrics : sequence of str
        The columns drawn, one bar per method in each group.
    k : int, optional
        The list length, for the title.
    ax : matplotlib.axes.Axes, optional
        Where to draw; default a new figure.

    Returns
    -------
    matplotlib.axes.Axes
    """
    require_columns(table, list(metrics), "table")
    ax = figure_axes(ax, (9, 4.5))
    n_methods = len(table)
    width = 0.8 / max(n_methods, 1)
    x = np.arange(len(metrics))
    for i, (method, row) in enumerate(table[list(metrics)].iterrows()):
        values = row.to_numpy(dtype=float)
        bars = ax.bar(x + (i - (n_methods - 1) / 2) * width, values, width, label=str(method))
        ax.bar_label(bars, labels=[f"{v:.2f}" for v in values], fontsize=7, padding=1)
    at = f"@{k}" if k else ""
    ax.set_xticks(x, [f"{m.replace('_', ' ')}{at}" for m in metrics])
    ax.set_ylabel("mean over scored customers")
    ax.set_title("Recommenders on the time split" + (f" (top {k})" if k else ""))
    ax.legend(fontsize=8, ncols=min(n_methods, 3))
    ax.set_ylim(0, max(float(np.nanmax(table[list(metrics)].to_numpy(dtype=float))) * 1.25, 0.01))
    return ax


def plot_metrics_by_k(
    curves: Mapping[str, pd.DataFrame],
    metric: str = "precision",
    *,
    ax: Axes | None = None,
) -> Axes:
    """Draw one line per recommender: a metric against the length ``k`` of the list.

    Parameters
    ----------
    curves : mapping of str to pandas.DataFrame
        ``{method: frame}``, each frame indexed by ``k`` with a column ``metric`` (as from
        :func:`helpers.recommend_eval.metrics_by_k`).
    metric : str, default "precision"
        The column drawn.
    ax : matplotlib.axes.Axes, optional
        Where to draw; default a new figure.

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = figure_axes(ax, (7, 4))
    for method, frame in curves.items():
        require_columns(frame, [metric], f"curves[{method!r}]")
        ax.plot(frame.index, frame[metric], marker="o", markersize=3, label=str(method))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("k (products recommended per customer)")
    ax.set_ylabel(f"{metric.replace('_', ' ')}@k")
    ax.set_title(f"{metric.replace('_', ' ').capitalize()} at k, by method")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    return ax

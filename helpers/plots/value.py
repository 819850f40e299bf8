"""Plots for chapter 02: value formulas."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from helpers.plots._common import figure_axes

__all__ = ["plot_channel_economics", "plot_rank_correlation"]


def plot_rank_correlation(
    corr: pd.DataFrame, *, title: str | None = None, ax: Axes | None = None
) -> Axes:
    """Heatmap of rank correlations between value formulas, each cell labelled.

    Parameters
    ----------
    corr : pandas.DataFrame
        A square matrix of correlations in [-1, 1] (e.g. the Spearman matrix of
        :func:`helpers.value.rank_agreement`), formulas as index and columns.
    title : str, optional
        Default "How alike the formulas rank customers (Spearman)".
    ax : matplotlib.axes.Axes, optional
        Where to draw; default a new figure.

    Returns
    -------
    matplotlib.axes.Axes
    """
    if corr.shape[0] != corr.shape[1]:
        raise ValueError(f"corr must be square; got shape {corr.shape}")
    n = len(corr)
    ax = figure_axes(ax, (1.2 * n + 2.5, 1.0 * n + 1.5))
    values = corr.to_numpy(dtype=float)
    image = ax.imshow(values, cmap="RdBu", vmin=-1, vmax=1)
    for i in range(n):
        for j in range(n):
            value = values[i, j]
            ax.text(
                j,
                i,
                "" if np.isnan(value) else f"{value:.2f}",
                ha="center",
                va="center",
                fontsize=9,
                color="white" if abs(value) > 0.6 else "black",
            )
    ax.set_xticks(range(n), [str(c) for c in corr.columns], rotation=35, ha="right")
    ax.set_yticks(range(n), [str(c) for c in corr.index])
    ax.set_xlabel("formula")
    ax.set_ylabel("formula")
    ax.figure.colorbar(image, ax=ax, shrink=0.8, label="rank correlation")
    ax.set_title(title or "How alike the formulas rank customers (Spearman)")
    return ax


def plot_channel_economics(table: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Bars of LTV/CAC per acquisition channel, with the break-even (1) and the 3:1 rule of thumb.

    Parameters
    ----------
    table : pandas.DataFrame
        Indexed by channel, with columns ``ltv_cac`` and ``payback_months`` (as returned by
        :func:`helpers.value.channel_economics`); the payback is written on each bar.
    ax : matplotlib.axes.Axes, optional
        Where to draw; default a new figure.

    Returns
    -------
    matplotlib.axes.Axes
    """
    missing = [c for c in ("ltv_cac", "payback_months") if c not in table.columns]
    if missing:
        raise ValueError(f"table: column {missing[0]!r} is required but missing")
    ordered = table.sort_values("ltv_cac", ascending=False)
    ax = figure_axes(ax, (max(5.0, 1.1 * len(ordered) + 2), 4.0))
    x = np.arange(len(ordered))
    ratios = ordered["ltv_cac"].to_numpy(dtype=float)
    ax.bar(x, ratios, color=np.where(ratios >= 1, "#4C72B0", "#C44E52"))
    ax.axhline(1, color="grey", linewidth=1, linestyle="--", label="break-even (1)")
    ax.axhline(3, color="#55A868", linewidth=1, linestyle=":", label="rule of thumb (3)")
    for xi, ratio, months in zip(x, ratios, ordered["payback_months"], strict=True):
        label = "never pays back" if np.isnan(months) else f"payback {months:,.1f} mo"
        ax.annotate(
            f"{ratio:.1f}\n{label}", (xi, max(ratio, 0)), ha="center", va="bottom", fontsize=8
        )
    ax.set_xticks(x, [str(c) for c in ordered.index])
    ax.set_ylim(top=max(3.5, np.nanmax(ratios) * 1.25) if len(ratios) else 3.5)
    ax.set_xlabel("acquisition channel")
    ax.set_ylabel("LTV / CAC")
    ax.legend(loc="upper right", fontsize=8)
    ax.set_title("Lifetime value per pound of acquisition cost, by channel")
    return ax

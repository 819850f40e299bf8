"""Plots for chapter 04: RFM."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from helpers.plots._common import figure_axes

__all__ = ["plot_migration_heatmap", "plot_rf_heatmap", "plot_segment_summary"]


def _annotate_cells(ax: Axes, image, texts: np.ndarray) -> None:
    """Write ``texts[i, j]`` on heatmap cell (i, j), dark on light cells and light on dark."""
    values = np.ma.getdata(image.get_array())
    mask = np.ma.getmaskarray(image.get_array())
    for (i, j), text in np.ndenumerate(texts):
        if not text:
            continue
        light = mask[i, j] or image.norm(values[i, j]) < 0.6
        colour = "black" if light else "white"
        ax.text(j, i, text, ha="center", va="center", fontsize=8, color=colour)


def plot_rf_heatmap(
    rfm: pd.DataFrame,
    value: str = "monetary",
    *,
    agg: str = "mean",
    r_col: str = "r_score",
    f_col: str = "f_score",
    n_scores: int | None = None,
    ax: Axes | None = None,
) -> Axes:
    """R x F grid coloured by a value per cell (default the mean monetary value).

    Each cell is the customers with that R score (rows, best at the top) and F score (columns);
    its colour is ``agg`` of ``value`` over them, and it is labelled with that number and the
    number of customers. Empty cells are left white.

    Parameters
    ----------
    rfm : pandas.DataFrame
        One row per customer with R and F scores (:func:`helpers.rfm.rfm_scores`).
    value : str, default "monetary"
        The column to colour by.
    agg : str, default "mean"
        How to aggregate ``value`` per cell ("mean", "median", "sum", ...).
    r_col, f_col : str
        The score columns.
    n_scores : int, optional
        Number of scores; default the highest score present.
    ax : matplotlib.axes.Axes, optional
        Where to draw; default a new figure.

    Returns
    -------
    matplotlib.axes.Axes
    """
    for column in (value, r_col, f_col):
        if column not in rfm.columns:
            raise ValueError(f"plot_rf_heatmap: missing column {column!r}")
    n = int(n_scores or max(rfm[r_col].max(), rfm[f_col].max()))
    scores = list(range(1, n + 1))
    grouped = rfm.groupby([r_col, f_col])[value]
    grid = grouped.agg(agg).unstack().reindex(index=scores[::-1], columns=scores)
    counts = grouped.size().unstack().reindex(index=scores[::-1], columns=scores).fillna(0)
    ax = figure_axes(ax, (6.5, 5.0))
    image = ax.imshow(np.ma.masked_invalid(grid.to_numpy(dtype=float)), cmap="YlGnBu")
    texts = np.where(
        counts.to_numpy() > 0,
        [
            [f"{m:,.0f}\nn={c:,.0f}" for m, c in zip(row_m, row_c, strict=True)]
            for row_m, row_c in zip(grid.to_numpy(), counts.to_numpy(), strict=True)
        ],
        "",
    )
    _annotate_cells(ax, image, texts)
    ax.figure.colorbar(image, ax=ax, label=f"{agg} {value}", format="{x:,.0f}")
    ax.set_xticks(range(n), [str(f) for f in scores])
    ax.set_yticks(range(n), [str(r) for r in scores[::-1]])
    ax.set_xlabel("F score (frequency: higher = more invoices)")
    ax.set_ylabel("R score (recency: higher = more recent)")
    ax.set_title(f"{agg.capitalize()} {value} by R and F score")
    return ax


def plot_segment_summary(summary: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Share of customers and share of revenue of each segment, as paired horizontal bars.

    Parameters
    ----------
    summary : pandas.DataFrame
        The output of :func:`helpers.rfm.segment_summary` (columns ``share``, ``revenue_share``,
        ``customers``), indexed by segment; drawn top to bottom in its order.
    ax : matplotlib.axes.Axes, optional
        Where to draw; default a new figure.

    Returns
    -------
    matplotlib.axes.Axes
    """
    for column in ("share", "revenue_share", "customers"):
        if column not in summary.columns:
            raise ValueError(f"plot_segment_summary: missing column {column!r}")
    ax = figure_axes(ax, (7.5, 0.45 * len(summary) + 1.5))
    y = np.arange(len(summary))[::-1]
    height = 0.4
    customers = ax.barh(y + height / 2, summary["share"], height, label="share of customers")
    revenue = ax.barh(y - height / 2, summary["revenue_share"], height, label="share of revenue")
    pairs = zip(summary["share"], summary["customers"], strict=True)
    ax.bar_label(customers, [f"{s:.0%} ({n:,})" for s, n in pairs], padding=2, fontsize=8)
    revenue_labels = [f"{s:.0%}" for s in summary["revenue_share"].fillna(0)]
    ax.bar_label(revenue, revenue_labels, padding=2, fontsize=8)
    ax.set_yticks(y, [str(label) for label in summary.index])
    ax.xaxis.set_major_formatter("{x:.0%}")
    ax.set_xlim(0, max(summary[["share", "revenue_share"]].max().max(), 0.01) * 1.25)
    ax.set_xlabel("share of all customers / of all revenue")
    ax.set_ylabel("segment")
    ax.legend(loc="lower right")
    ax.set_title("Segments: how many customers, how much revenue")
    return ax


def plot_migration_heatmap(
    matrix: pd.DataFrame, *, counts: bool | None = None, ax: Axes | None = None
) -> Axes:
    """Heatmap of a migration matrix (tiers or segments at two moments), by share of each row.

    Each row is coloured by where its customers went: the share of the row's total in each
    column. Rows with no customers stay blank.

    Parameters
    ----------
    matrix : pandas.DataFrame
        Customer counts, rows the group at the first moment, columns at the second, e.g. from
        :func:`helpers.tiers.migration_matrix` or :func:`helpers.rfm.segment_migration`. The
        index and column names, when set, label the axes.
    counts : bool, optional
        Write the count and the share in every cell (default for matrices of up to six
        columns), or only the shares of at least 0.5%.
    ax : matplotlib.axes.Axes, optional
        Where to draw; default a new figure.

    Returns
    -------
    matplotlib.axes.Axes
    """
    values = matrix.to_numpy(dtype=float)
    totals = values.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        shares = np.where(totals > 0, values / totals, np.nan)
    if counts is None:
        counts = matrix.shape[1] <= 6
    ax = figure_axes(ax, (0.9 * matrix.shape[1] + 3.5, 0.5 * matrix.shape[0] + 2.0))
    image = ax.imshow(np.ma.masked_invalid(shares), cmap="Blues", vmin=0, vmax=1, aspect="auto")
    percent = 100 * np.nan_to_num(shares)
    if counts:
        texts = np.array(
            [f"{n:,.0f}\n{p:.0f}%" for n, p in zip(values.ravel(), percent.ravel(), strict=True)]
        ).reshape(values.shape)
    else:
        texts = np.where(percent >= 0.5, np.char.mod("%.0f%%", percent), "")
    _annotate_cells(ax, image, texts)
    ax.set_xticks(range(matrix.shape[1]), [str(c) for c in matrix.columns], rotation=40, ha="right")
    ax.set_yticks(
        range(matrix.shape[0]),
        [f"{r} (n={t:,.0f})" for r, t in zip(matrix.index, totals[:, 0], strict=True)],
    )
    ax.set_xlabel(str(matrix.columns.name or "at the second moment"))
    ax.set_ylabel(str(matrix.index.name or "at the first moment"))
    ax.set_title("Migration: where each row's customers went (share of the row)")
    return ax

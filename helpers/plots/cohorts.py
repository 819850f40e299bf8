"""Plots of acquisition cohorts: the retention heatmap and cumulative value curves."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from helpers.plots._common import figure_axes

__all__ = ["plot_cohort_heatmap", "plot_cumulative_value"]

#: Largest grid (cohorts x periods) whose cells are labelled with their value.
MAX_ANNOTATED_CELLS = 24 * 24


def plot_cohort_heatmap(
    matrix: pd.DataFrame,
    *,
    percent: bool = True,
    annotate: bool | None = None,
    title: str | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Heatmap of a cohort x period grid (default: retention, as percentages).

    Unobserved cells (NaN) are left white.

    Parameters
    ----------
    matrix : pandas.DataFrame
        Cohorts as rows, periods since acquisition as columns
        (:func:`helpers.cohorts.cohort_matrix`).
    percent : bool, default True
        Show values as percentages (for retention); else as numbers with thousands separators.
    annotate : bool, optional
        Write each cell's value; default when the grid has at most
        :data:`MAX_ANNOTATED_CELLS` cells.
    title : str, optional
        Default "<measure> by acquisition cohort" (the matrix's ``attrs["measure"]``,
        default retention).
    ax : matplotlib.axes.Axes, optional
        Where to draw; default a new figure.

    Returns
    -------
    matplotlib.axes.Axes
    """
    if not isinstance(matrix, pd.DataFrame) or matrix.empty:
        raise ValueError("matrix must be a non-empty DataFrame (cohorts x periods)")
    values = matrix.to_numpy(dtype=float)
    n_rows, n_cols = values.shape
    ax = figure_axes(ax, (min(16.0, 0.6 * n_cols + 3), min(12.0, 0.4 * n_rows + 2)))
    grid = np.ma.masked_invalid(values)
    scale = 100.0 if percent else 1.0
    # period 0 is 100% retention by definition: colour the later periods' range
    later = values[:, 1:] if percent and n_cols > 1 else values
    vmax = float(np.nanmax(later)) * scale if np.isfinite(later).any() else None
    image = ax.imshow(grid * scale, cmap="YlGnBu", aspect="auto", vmin=0, vmax=vmax)
    if annotate is None:
        annotate = values.size <= MAX_ANNOTATED_CELLS
    if annotate:
        for (i, j), value in np.ndenumerate(values):
            if np.isnan(value):
                continue
            text = f"{value:.0%}" if percent else f"{value:,.0f}"
            dark = image.norm(value * scale) > 0.6
            ax.text(
                j, i, text, ha="center", va="center", fontsize=7, color="white" if dark else "black"
            )
    ax.set_xticks(range(n_cols), [str(c) for c in matrix.columns])
    ax.set_yticks(range(n_rows), [str(r) for r in matrix.index])
    unit = {"M": "months", "Q": "quarters"}.get(matrix.attrs.get("freq", ""), "periods")
    ax.set_xlabel(f"{unit} since acquisition (0 = the acquisition {unit[:-1]})")
    ax.set_ylabel("acquisition cohort")
    measure = str(matrix.attrs.get("measure", "retention")).replace("_", " ")
    label = f"{measure} (%)" if percent else measure
    ax.figure.colorbar(image, ax=ax, shrink=0.8, label=label)
    ax.set_title(title or f"{measure.capitalize()} by acquisition cohort")
    return ax


def plot_cumulative_value(
    curves: pd.DataFrame,
    *,
    cac: pd.Series | None = None,
    value_label: str = "cumulative revenue per acquired customer",
    title: str | None = None,
    ax: Axes | None = None,
) -> Axes:
    """One line per cohort or channel: cumulative value per acquired customer by age.

    Parameters
    ----------
    curves : pandas.DataFrame
        Groups (cohorts or channels) as rows, ages as columns (periods since acquisition, or
        periods counted), NaN where not observed: e.g. :func:`helpers.cohorts.cohort_matrix` of
        ``cumulative_revenue_per_customer``, or the pivot of
        :func:`helpers.cohorts.channel_ltv_curves`.
    cac : pandas.Series, optional
        Acquisition cost per group (same labels as the rows), drawn as a dashed line in the
        group's colour: where a curve crosses it, the group has paid back.
    value_label : str
        The y-axis label.
    title : str, optional
        Default "How value builds up after acquisition".
    ax : matplotlib.axes.Axes, optional
        Where to draw; default a new figure.

    Returns
    -------
    matplotlib.axes.Axes
    """
    if not isinstance(curves, pd.DataFrame) or curves.empty:
        raise ValueError("curves must be a non-empty DataFrame (groups x ages)")
    ax = figure_axes(ax, (8.0, 4.5))
    x = np.asarray(curves.columns, dtype=float)
    # more lines than the default colour cycle: one colour map, oldest to newest
    colours = (
        plt.get_cmap("viridis")(np.linspace(0, 0.9, len(curves))) if len(curves) > 10 else None
    )
    for i, (label, row) in enumerate(curves.iterrows()):
        colour = None if colours is None else colours[i]
        (line,) = ax.plot(x, row.to_numpy(dtype=float), marker=".", label=str(label), color=colour)
        if cac is not None and label in cac.index:
            ax.axhline(float(cac[label]), color=line.get_color(), linestyle="--", linewidth=0.8)
    unit = {"M": "months", "Q": "quarters"}.get(curves.attrs.get("freq", ""), "periods")
    name = curves.columns.name
    if name in ("months", "quarters"):  # channel_ltv_curves: periods counted
        xlabel = f"age in {name} (the acquisition {name[:-1]} counted)"
    elif name in (None, "period"):  # cohort_matrix: periods since acquisition
        xlabel = f"{unit} since acquisition (0 = the acquisition {unit[:-1]})"
    else:
        xlabel = str(name).replace("_", " ")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(value_label)
    ax.legend(fontsize=8, ncol=2 if len(curves) > 6 else 1, title=curves.index.name)
    suffix = " (dashed: acquisition cost)" if cac is not None else ""
    ax.set_title((title or "How value builds up after acquisition") + suffix)
    return ax

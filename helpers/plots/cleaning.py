"""Plots for chapter 01 and the report: data cleaning."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from helpers.plots._common import figure_axes

__all__ = ["plot_cleaning_steps", "plot_cleaning_waterfall"]


def plot_cleaning_waterfall(
    report: pd.DataFrame, measure: str = "rows", *, ax: Axes | None = None
) -> Axes:
    """Waterfall from raw to clean: one falling bar per cleaning reason.

    Parameters
    ----------
    report : pandas.DataFrame
        The report returned by :func:`helpers.cleaning.clean_transactions` (columns ``reason``,
        ``action``, ``rows``, ``revenue``; ``attrs`` ``rows_in``, ``rows_out``, ``revenue_in``,
        ``revenue_out``).
    measure : {"rows", "revenue"}, default "rows"
        Count order lines, or sum their revenue. For revenue, fixes that change it (returns
        netted against purchases) are steps too.
    ax : matplotlib.axes.Axes, optional
        Where to draw; default a new figure.

    Returns
    -------
    matplotlib.axes.Axes
    """
    if measure not in {"rows", "revenue"}:
        raise ValueError(f"measure must be 'rows' or 'revenue', got {measure!r}")
    actions = {"removed"} if measure == "rows" else {"removed", "fixed"}
    steps = report[report["action"].isin(actions) & (report[measure] != 0)]
    start = float(report.attrs[f"{measure}_in"])
    end = float(report.attrs[f"{measure}_out"])
    changes = -steps[measure].to_numpy(dtype=float)
    if measure == "revenue":  # removed revenue leaves; a fix's revenue is the change it made
        changes = np.where(steps["action"] == "removed", -steps[measure], steps[measure])
    labels = ["raw", *steps["reason"], "clean"]
    tops = np.concatenate([[start], start + np.cumsum(changes)])
    ax = figure_axes(ax, (max(6.0, 0.9 * len(labels)), 4.0))
    x = np.arange(len(labels))
    ax.bar(x[0], start, color="#4C72B0")
    for i, (top, change) in enumerate(zip(tops[:-1], changes, strict=True), start=1):
        ax.bar(x[i], change, bottom=top, color="#C44E52" if change < 0 else "#55A868")
    ax.bar(x[-1], end, color="#4C72B0")
    for i, value in enumerate([start, *changes, end]):
        step_top = tops[i - 1] + max(value, 0.0) if 0 < i < len(labels) - 1 else 0.0
        height = start if i == 0 else end if i == len(labels) - 1 else step_top
        ax.annotate(
            f"{value:+,.0f}" if 0 < i < len(labels) - 1 else f"{value:,.0f}",
            (x[i], height),
            ha="center",
            va="bottom",
            fontsize=8,
        )
    ax.set_xticks(x, labels, rotation=35, ha="right")
    ax.yaxis.set_major_formatter("{x:,.0f}")  # thousands separators, no 1e6 offset
    ax.set_ylim(top=ax.get_ylim()[1] * 1.08)  # room for the value labels under the title
    unit = "order lines" if measure == "rows" else "revenue"
    ax.set_ylabel(unit)
    ax.set_title(f"Cleaning: {unit} from raw to clean, by reason")
    return ax


def plot_cleaning_steps(report: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Order lines from raw to clean on a log scale, so that small removals stay visible.

    On a waterfall's linear axis, a reason that removes 4 lines of 500,000 is an invisible
    sliver. Here every bar starts at 1 on a logarithmic axis: the raw and clean totals (blue)
    and the lines each reason removed (red) are all readable, each labelled with its count
    and its share of the raw lines.

    Parameters
    ----------
    report : pandas.DataFrame
        The cleaning report (:func:`helpers.cleaning.clean_transactions`: columns ``reason``,
        ``action``, ``rows``; ``attrs`` ``rows_in`` and ``rows_out``).
    ax : matplotlib.axes.Axes, optional
        Where to draw; default a new figure.

    Returns
    -------
    matplotlib.axes.Axes
    """
    steps = report[(report["action"] == "removed") & (report["rows"] > 0)]
    start, end = int(report.attrs["rows_in"]), int(report.attrs["rows_out"])
    labels = ["raw order lines", *(f"removed: {r}" for r in steps["reason"]), "clean order lines"]
    values = np.array([start, *steps["rows"].astype(int), end], dtype=float)
    colors = ["#4C72B0", *["#C44E52"] * len(steps), "#4C72B0"]
    ax = figure_axes(ax, (9.0, 0.45 * len(labels) + 1.4))
    y = np.arange(len(labels))[::-1]
    ax.barh(y, values, left=0.0, color=colors)
    ax.set_xscale("log")
    ax.set_xlim(0.8, start * 12)  # room for the labels right of the longest bar
    for yi, value in zip(y, values, strict=True):
        share = value / start if start else 0.0
        percent = "<0.1%" if 0 < share < 0.001 else f"{share:.1%}"
        ax.annotate(
            f" {value:,.0f} ({percent})",
            (max(value, 1.0), yi),
            va="center",
            ha="left",
            fontsize=9,
        )
    ax.set_yticks(y, labels)
    ax.xaxis.set_major_formatter("{x:,.0f}")
    ax.set_xlabel("order lines (log scale)")
    ax.set_title(f"Cleaning: {start:,} order lines in, {end:,} kept, {start - end:,} removed")
    return ax

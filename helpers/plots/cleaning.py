"""Plots for chapter 01: data cleaning."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from helpers.plots._common import _axes

__all__ = ["plot_cleaning_waterfall"]


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
    ax = _axes(ax, (max(6.0, 0.9 * len(labels)), 4.0))
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

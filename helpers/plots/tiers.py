"""Plots for chapter 03: customer tiers."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from helpers.plots._common import figure_axes

__all__ = ["plot_lorenz_curve", "plot_pareto_curve", "plot_tier_bars"]


def plot_lorenz_curve(values: pd.Series, *, ax: Axes | None = None) -> Axes:
    """Lorenz curve of per-customer values, with the line of equality and the Gini coefficient.

    Parameters
    ----------
    values : pandas.Series
        Non-negative value per customer (see :func:`helpers.tiers.lorenz_curve`).
    ax : matplotlib.axes.Axes, optional
        Where to draw; default a new figure.

    Returns
    -------
    matplotlib.axes.Axes
    """
    from helpers.tiers import gini, lorenz_curve

    curve = lorenz_curve(values)
    ax = figure_axes(ax, (5.5, 5.0))
    x, y = curve["customer_share"], curve["value_share"]
    ax.plot([0, 1], [0, 1], color="grey", linewidth=1, linestyle="--", label="perfect equality")
    ax.plot(x, y, color="#4C72B0", linewidth=2, label="Lorenz curve")
    ax.fill_between(x, y, x, color="#4C72B0", alpha=0.15, label="Gini = 2 x this area")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.xaxis.set_major_formatter("{x:.0%}")
    ax.yaxis.set_major_formatter("{x:.0%}")
    ax.set_xlabel("share of customers, lowest value first")
    ax.set_ylabel(f"share of {values.name or 'value'}")
    ax.set_title(f"Lorenz curve of {values.name or 'value'} (Gini {gini(values):.2f})")
    ax.legend(loc="upper left")
    return ax


def plot_pareto_curve(
    values: pd.Series, *, mark: float | None = 0.2, ax: Axes | None = None
) -> Axes:
    """Pareto curve: cumulative share of value held by the top customers, highest value first.

    Parameters
    ----------
    values : pandas.Series
        Non-negative value per customer.
    mark : float, optional
        A share of customers to point out (default the top 20%), read off the curve (the
        ``ceil(mark * n)`` best customers, as in :func:`helpers.tiers.pareto_table`); ``None``
        for no mark.
    ax : matplotlib.axes.Axes, optional
        Where to draw; default a new figure.

    Returns
    -------
    matplotlib.axes.Axes
    """
    from helpers.tiers import gini, lorenz_curve, pareto_table

    curve = lorenz_curve(values)
    x = 1 - curve["customer_share"].to_numpy()[::-1]
    y = 1 - curve["value_share"].to_numpy()[::-1]
    name = values.name or "value"
    ax = figure_axes(ax, (5.5, 5.0))
    ax.plot([0, 1], [0, 1], color="grey", linewidth=1, linestyle="--", label="perfect equality")
    ax.plot(x, y, color="#C44E52", linewidth=2, label="top customers' share")
    title = f"Pareto curve of {name} (Gini {gini(values):.2f})"
    if mark is not None:
        row = pareto_table(values.rename(name), top=[mark]).iloc[0]
        share_x, share_y = row["customers"] / len(values), row[name]
        ax.plot(
            [share_x, share_x, 0],
            [0, share_y, share_y],
            color="black",
            linewidth=0.8,
            linestyle=":",
        )
        ax.annotate(
            f"top {mark:.0%} hold {share_y:.0%}",
            (share_x, share_y),
            xytext=(10, -20),
            textcoords="offset points",
        )
        title = (
            f"Top {mark:.0%} of customers hold {share_y:.0%} of {name} (Gini {gini(values):.2f})"
        )
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    ax.xaxis.set_major_formatter("{x:.0%}")
    ax.yaxis.set_major_formatter("{x:.0%}")
    ax.set_xlabel("share of customers, highest value first")
    ax.set_ylabel(f"cumulative share of {name}")
    ax.set_title(title)
    ax.legend(loc="lower right")
    return ax


def plot_tier_bars(
    summary: pd.DataFrame, *, value_label: str = "value", ax: Axes | None = None
) -> Axes:
    """Share of customers beside share of value, per tier.

    Parameters
    ----------
    summary : pandas.DataFrame
        From :func:`helpers.tiers.tier_summary`: one row per tier, columns ``customer_share``
        and ``value_share``.
    value_label : str, default "value"
        What the value is, for the legend (e.g. "revenue").
    ax : matplotlib.axes.Axes, optional
        Where to draw; default a new figure.

    Returns
    -------
    matplotlib.axes.Axes
    """
    missing = {"customer_share", "value_share"} - set(summary.columns)
    if missing:
        raise ValueError(
            f"summary: column(s) {sorted(missing)} missing (use helpers.tiers.tier_summary)"
        )
    ax = figure_axes(ax, (max(5.0, 0.8 * len(summary) + 2), 4.0))
    x = np.arange(len(summary))
    width = 0.4
    for offset, column, label, color in (
        (-width / 2, "customer_share", "share of customers", "#8C8C8C"),
        (width / 2, "value_share", f"share of {value_label}", "#4C72B0"),
    ):
        shares = summary[column].to_numpy(dtype=float)
        bars = ax.bar(x + offset, shares, width, label=label, color=color)
        ax.bar_label(bars, labels=[f"{s:.0%}" for s in shares], fontsize=8, padding=1)
    ax.set_xticks(x, [str(t) for t in summary.index])
    ax.set_ylim(0, min(1.0, float(summary[["customer_share", "value_share"]].max().max()) + 0.12))
    ax.yaxis.set_major_formatter("{x:.0%}")
    ax.set_xlabel(str(summary.index.name or "tier").replace("_", " "))
    ax.set_ylabel("share of the total")
    ax.set_title(f"Customers and {value_label} by tier")
    ax.legend(loc="upper right")
    return ax

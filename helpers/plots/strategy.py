"""Plots for chapter 11 (strategy) and the customer value report."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from helpers.plots._common import figure_axes

__all__ = [
    "plot_break_even",
    "plot_campaign_sizes",
    "plot_promotion_plan",
    "plot_risk_value",
    "plot_strategy_mix",
]


def plot_strategy_mix(table: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Share of customers beside share of CLV, per strategy of the playbook.

    Parameters
    ----------
    table : pandas.DataFrame
        :func:`helpers.strategy.playbook_table` (columns ``share`` and ``clv_share``, indexed
        by strategy), drawn top to bottom in its order.
    ax : matplotlib.axes.Axes, optional
        Where to draw; default a new figure.

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = figure_axes(ax, (7.0, 3.8))
    y = np.arange(len(table))
    ax.barh(y - 0.2, table["share"], height=0.4, label="share of customers")
    ax.barh(y + 0.2, table["clv_share"].fillna(0), height=0.4, label="share of CLV")
    ax.set_yticks(y, [str(name) for name in table.index])
    ax.invert_yaxis()
    ax.set_xlabel("share")
    ax.set_ylabel("strategy")
    ax.set_title("Who gets which strategy, and how much future value they hold")
    ax.legend(fontsize=8, loc="lower right")
    return ax


def plot_risk_value(
    assigned: pd.DataFrame,
    *,
    risk_threshold: float | None = None,
    currency: str = "£",
    ax: Axes | None = None,
) -> Axes:
    """Scatter of churn risk against CLV, one colour per strategy.

    Parameters
    ----------
    assigned : pandas.DataFrame
        :func:`helpers.strategy.assign_strategies` (``p_churn``, ``clv``, ``strategy``).
    risk_threshold : float, optional
        Draw the risk threshold as a vertical line (default ``attrs["risk_threshold"]``).
    currency : str, default "£"
        For the axis label.
    ax : matplotlib.axes.Axes, optional
        Where to draw; default a new figure.

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = figure_axes(ax, (7.0, 4.5))
    for name, group in assigned.groupby("strategy", sort=False):
        ax.scatter(group["p_churn"], group["clv"].clip(lower=0.01), s=6, alpha=0.5, label=name)
    threshold = (
        risk_threshold if risk_threshold is not None else assigned.attrs.get("risk_threshold")
    )
    if threshold is not None:
        ax.axvline(threshold, color="grey", linestyle=":", label="risk threshold")
    ax.set_yscale("log")
    ax.set_xlabel("P(churn) in the churn window")
    ax.set_ylabel(f"model CLV ({currency}, log scale)")
    ax.set_title("Churn risk against future value, by strategy")
    ax.legend(fontsize=8, markerscale=2, loc="lower left")
    return ax


def plot_break_even(
    margin: float,
    elasticity: float | Sequence[float],
    *,
    max_lift: float | None = None,
    depths: Sequence[float] | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Break-even sales lift ``d / (m - d)`` against discount depth, with the expected lift.

    A discount pays where the expected first-day lift (:func:`helpers.promotion.promotion_lift`,
    diminishing returns up to ``max_lift``) lies above the break-even curve. The constant
    elasticity lift ``(1 - d) ** -e - 1`` of the first elasticity is drawn dotted, for
    comparison.

    Parameters
    ----------
    margin : float
        Margin as a share of price.
    elasticity : float or sequence of float
        Elasticities (the lift per unit of discount for small discounts) whose curves are drawn.
    max_lift : float, optional
        The response curve's ceiling (default :data:`helpers.promotion.MAX_LIFT`).
    depths : sequence of float, optional
        Depths to draw; default 1% up to just below the margin.
    ax : matplotlib.axes.Axes, optional
        Where to draw; default a new figure.

    Returns
    -------
    matplotlib.axes.Axes
    """
    from helpers.promotion import MAX_LIFT, break_even_lift, elasticity_lift, promotion_lift

    ceiling = MAX_LIFT if max_lift is None else max_lift
    ax = figure_axes(ax, (6.5, 4.2))
    d = np.asarray(depths if depths is not None else np.linspace(0.01, margin * 0.9, 60))
    ax.plot(
        d, break_even_lift(d, margin), color="black", label=f"break-even lift, margin {margin:.0%}"
    )
    elasticities = np.atleast_1d(elasticity)
    for e in elasticities:
        ax.plot(
            d,
            promotion_lift(d, float(e), ceiling),
            linestyle="--",
            label=f"expected lift, elasticity {e:g}, ceiling {ceiling:.0%}",
        )
    ax.plot(
        d,
        elasticity_lift(d, float(elasticities[0])),
        linestyle=":",
        color="grey",
        label=f"constant elasticity {elasticities[0]:g} (no ceiling)",
    )
    ax.set_ylim(0, min(float(break_even_lift(d, margin).max()), 4 * ceiling))
    ax.xaxis.set_major_formatter(lambda x, _: f"{x:.0%}")
    ax.yaxis.set_major_formatter(lambda y, _: f"{y:.0%}")
    ax.set_xlabel("discount depth (share of price)")
    ax.set_ylabel("sales lift needed / expected")
    ax.set_title("A discount pays where the expected lift beats break-even")
    ax.legend(fontsize=8, loc="upper left")
    return ax


def plot_promotion_plan(plan: pd.DataFrame, *, currency: str = "£", ax: Axes | None = None) -> Axes:
    """Profit effect of each depth against the promotion's duration, the best plan marked.

    Parameters
    ----------
    plan : pandas.DataFrame
        :func:`helpers.promotion.plan_promotion`.
    currency : str, default "£"
        Currency symbol of the axis.
    ax : matplotlib.axes.Axes, optional
        Where to draw; default a new figure.

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = figure_axes(ax, (6.5, 4.2))
    for depth, rows in plan.sort_values("duration_days").groupby("depth"):
        ax.plot(rows["duration_days"], rows["profit_effect"], marker="o", label=f"{depth:.0%} off")
    best = plan.attrs.get("best")
    if best is not None:
        top = plan.iloc[0]
        ax.scatter(
            [top["duration_days"]],
            [top["profit_effect"]],
            s=160,
            facecolors="none",
            edgecolors="black",
            label=f"best: {best[0]:.0%} off for {best[1]} days",
        )
    ax.axhline(0, color="grey", linewidth=0.8)
    ax.yaxis.set_major_formatter(lambda y, _: f"{currency}{y:,.2f}")
    ax.set_xlabel("duration of the promotion (days)")
    ax.set_ylabel(f"profit against no promotion ({currency})")
    ax.set_title("Longer is not better: the extra demand wears off, the discount does not")
    ax.legend(fontsize=8)
    return ax


def plot_campaign_sizes(
    lists: Mapping[str, pd.DataFrame], *, currency: str = "£", ax: Axes | None = None
) -> Axes:
    """Rows and total expected value of each campaign list.

    Parameters
    ----------
    lists : mapping of str to pandas.DataFrame
        Campaign lists with an ``expected_value`` column, by name.
    currency : str, default "£"
        For the labels.
    ax : matplotlib.axes.Axes, optional
        Where to draw; default a new figure.

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = figure_axes(ax, (7.0, 3.5))
    names = list(lists)
    values = [float(lists[n]["expected_value"].sum()) for n in names]
    bars = ax.barh(names, values)
    for bar, name in zip(bars, names, strict=True):
        ax.annotate(
            f" {len(lists[name]):,} rows",
            (bar.get_width(), bar.get_y() + bar.get_height() / 2),
            va="center",
            fontsize=8,
        )
    ax.invert_yaxis()
    ax.set_xlabel(f"total expected value ({currency})")
    ax.set_ylabel("campaign")
    ax.set_title("Campaign lists: size and expected value")
    return ax

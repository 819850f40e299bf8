"""Plots for chapter 10 (strategy) and the customer value report."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from helpers.plots._common import _axes

__all__ = ["plot_break_even", "plot_campaign_sizes", "plot_risk_value", "plot_strategy_mix"]


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
    ax = _axes(ax, (7.0, 3.8))
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
    ax = _axes(ax, (7.0, 4.5))
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
    depths: Sequence[float] | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Break-even sales lift ``d / (m - d)`` against discount depth, with the expected lift.

    A discount pays where the expected lift (constant elasticity) lies above the break-even
    curve.

    Parameters
    ----------
    margin : float
        Margin as a share of price.
    elasticity : float or sequence of float
        Price elasticities whose expected lift ``(1 - d) ** -e - 1`` is drawn.
    depths : sequence of float, optional
        Depths to draw; default 1% up to just below the margin.
    ax : matplotlib.axes.Axes, optional
        Where to draw; default a new figure.

    Returns
    -------
    matplotlib.axes.Axes
    """
    from helpers.promotion import break_even_lift, elasticity_lift

    ax = _axes(ax, (6.5, 4.2))
    d = np.asarray(depths if depths is not None else np.linspace(0.01, margin * 0.9, 60))
    ax.plot(
        d, break_even_lift(d, margin), color="black", label=f"break-even lift, margin {margin:.0%}"
    )
    for e in np.atleast_1d(elasticity):
        ax.plot(
            d,
            elasticity_lift(d, float(e)),
            linestyle="--",
            label=f"expected lift, elasticity {e:g}",
        )
    ax.xaxis.set_major_formatter(lambda x, _: f"{x:.0%}")
    ax.yaxis.set_major_formatter(lambda y, _: f"{y:.0%}")
    ax.set_xlabel("discount depth (share of price)")
    ax.set_ylabel("sales lift needed / expected")
    ax.set_title("A discount pays where the expected lift beats break-even")
    ax.legend(fontsize=8, loc="upper left")
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
    ax = _axes(ax, (7.0, 3.5))
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

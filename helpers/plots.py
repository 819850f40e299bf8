"""Plots for the course. Each function draws on the Axes it is given (or a new one) and returns it.

No function here calls ``plt.show()`` or changes global styles.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes

__all__ = [
    "plot_channel_economics",
    "plot_cleaning_waterfall",
    "plot_lorenz_curve",
    "plot_migration_heatmap",
    "plot_pareto_curve",
    "plot_rank_correlation",
    "plot_rf_heatmap",
    "plot_segment_summary",
    "plot_tier_bars",
]


def _axes(ax: Axes | None, figsize: tuple[float, float]) -> Axes:
    """Return ``ax``, or the Axes of a new figure of ``figsize``."""
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


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


# --- chapter 02: value formulas ------------------------------------------------------------------


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
    ax = _axes(ax, (1.2 * n + 2.5, 1.0 * n + 1.5))
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
    ax = _axes(ax, (max(5.0, 1.1 * len(ordered) + 2), 4.0))
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


# --- chapter 03: customer tiers ------------------------------------------------------------------


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
    ax = _axes(ax, (5.5, 5.0))
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
    ax = _axes(ax, (5.5, 5.0))
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
        What the value is, for the legend (e.g. "spend").
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
    ax = _axes(ax, (max(5.0, 0.8 * len(summary) + 2), 4.0))
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


# --- chapter 04: RFM ----------------------------------------------------------------------------


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
    ax = _axes(ax, (6.5, 5.0))
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
    ax = _axes(ax, (7.5, 0.45 * len(summary) + 1.5))
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
    ax = _axes(ax, (0.9 * matrix.shape[1] + 3.5, 0.5 * matrix.shape[0] + 2.0))
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


# --- chapter 05: clustering ----------------------------------------------------------------------


# --- chapter 08: profiling and market baskets ----------------------------------------------------

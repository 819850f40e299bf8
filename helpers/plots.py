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
    "plot_persona_cards",
    "plot_profile_heatmap",
    "plot_rank_correlation",
    "plot_rf_heatmap",
    "plot_rules",
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

__all__ += ["plot_cluster_map", "plot_cluster_profiles", "plot_k_selection"]


def plot_k_selection(scores: pd.DataFrame, chosen: int | None = None) -> plt.Figure:
    """Four small panels scoring each number of clusters k: elbow, silhouette, CH, BIC/AIC.

    A multi-panel plot, so it returns the Figure (its four Axes are ``fig.axes``).

    Parameters
    ----------
    scores : pandas.DataFrame
        :func:`helpers.clustering.k_selection`'s table: indexed by k, columns ``inertia``,
        ``silhouette``, ``calinski_harabasz``, ``bic``, ``aic``.
    chosen : int, optional
        The k chosen, marked by a dashed line on every panel.

    Returns
    -------
    matplotlib.figure.Figure
    """
    needed = ["inertia", "silhouette", "calinski_harabasz", "bic", "aic"]
    missing = [c for c in needed if c not in scores.columns]
    if missing:
        raise ValueError(f"scores: column {missing[0]!r} is required but missing")
    fig, axes = plt.subplots(1, 4, figsize=(13.0, 3.3), layout="constrained")
    k = scores.index.to_numpy()
    panels = (
        (("inertia",), "k-means inertia (elbow)", "within-cluster sum of squares"),
        (("silhouette",), "k-means silhouette (higher = better)", "mean silhouette"),
        (("calinski_harabasz",), "Calinski-Harabasz (higher = better)", "CH index"),
        (("bic", "aic"), "Gaussian mixture BIC / AIC (lower = better)", "information criterion"),
    )
    for ax, (columns, title, ylabel) in zip(axes, panels, strict=True):
        for column, marker in zip(columns, ("o", "s"), strict=False):
            ax.plot(k, scores[column], marker=marker, label=column.upper())
        if len(columns) > 1:
            ax.legend(fontsize=8)
        if chosen is not None:
            ax.axvline(chosen, color="grey", linestyle="--", linewidth=1)
        ax.set_xticks(k)
        ax.set_xlabel("number of clusters k")
        ax.set_ylabel(ylabel)
        ax.set_title(title, fontsize=10)
    return fig


def plot_cluster_profiles(
    profiles: pd.DataFrame,
    columns: list[str] | None = None,
    *,
    overall: pd.Series | None = None,
    names: pd.Series | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Heatmap of cluster centres against the overall medians, labelled in original units.

    Each cell's colour is ``log2(cluster median / overall median)`` (red above, blue below;
    clipped at 4 times either way); its text is the cluster median itself.

    Parameters
    ----------
    profiles : pandas.DataFrame
        :func:`helpers.clustering.cluster_profiles` (one row per cluster, medians).
    columns : list of str, optional
        Features to show; default every column but ``customers`` and ``share``.
    overall : pandas.Series, optional
        Overall medians; default ``profiles.attrs["overall"]``.
    names : pandas.Series, optional
        Cluster names (indexed like ``profiles``) for the row labels.
    ax : matplotlib.axes.Axes, optional
        Where to draw; default a new figure.

    Returns
    -------
    matplotlib.axes.Axes
    """
    if columns is None:
        columns = [c for c in profiles.columns if c not in ("customers", "share")]
    overall = profiles.attrs.get("overall") if overall is None else overall
    if overall is None:
        raise ValueError("overall medians missing: pass overall= or use cluster_profiles")
    centres = profiles[columns].astype(float)
    base = overall[columns].astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.log2(centres / base)
    colour = np.ma.masked_invalid(ratio.to_numpy().clip(-2, 2))
    ax = _axes(ax, (1.0 * len(columns) + 4, 0.6 * len(centres) + 1.8))
    image = ax.imshow(colour, cmap="RdBu_r", vmin=-2, vmax=2, aspect="auto")
    for (i, j), value in np.ndenumerate(centres.to_numpy()):
        text = f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"
        strong = not np.ma.getmaskarray(colour)[i, j] and abs(colour[i, j]) > 1.3
        ax.text(j, i, text, ha="center", va="center", fontsize=8, color="w" if strong else "k")
    ax.figure.colorbar(image, ax=ax, label="log2(cluster median / overall median)")
    labels = [str(c) for c in centres.index]
    if names is not None:
        labels = [f"{names[c]} (n={n:,})" for c, n in profiles["customers"].items()]
    ax.set_yticks(range(len(centres)), labels)
    ticks = [c.replace("_", " ") for c in columns]
    ax.set_xticks(range(len(columns)), ticks, rotation=35, ha="right")
    ax.set_xlabel("feature (cell text: the cluster's median, original units)")
    ax.set_ylabel("cluster")
    ax.set_title("Cluster centres against the overall median")
    return ax


def plot_cluster_map(
    coords: pd.DataFrame,
    labels: pd.Series,
    *,
    names: pd.Series | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Scatter of customers on two coordinates (e.g. two principal components), by cluster.

    Parameters
    ----------
    coords : pandas.DataFrame
        One row per customer, two columns (their names label the axes).
    labels : pandas.Series
        Cluster of each customer, aligned with ``coords``.
    names : pandas.Series, optional
        Cluster names for the legend, indexed by cluster label.
    ax : matplotlib.axes.Axes, optional
        Where to draw; default a new figure.

    Returns
    -------
    matplotlib.axes.Axes
    """
    if coords.shape[1] != 2:
        raise ValueError(f"coords must have exactly 2 columns; got {list(coords.columns)}")
    labels = labels.reindex(coords.index)
    ax = _axes(ax, (7.0, 5.0))
    for cluster in sorted(labels.dropna().unique()):
        points = coords[labels == cluster]
        label = f"{names[cluster]} (n={len(points):,})" if names is not None else str(cluster)
        ax.scatter(points.iloc[:, 0], points.iloc[:, 1], s=6, alpha=0.5, label=label)
    ax.set_xlabel(str(coords.columns[0]))
    ax.set_ylabel(str(coords.columns[1]))
    ax.set_title("Customers on two coordinates, coloured by cluster")
    ax.legend(fontsize=8, markerscale=2, loc="best")
    return ax


# --- chapter 06: churn ----------------------------------------------------------------------------

__all__ += ["plot_calibration", "plot_campaign", "plot_roc_curves"]


def plot_roc_curves(y_true, scores: dict, *, ax: Axes | None = None) -> Axes:
    """Plot the ROC curve of each model's scores on the same labels, AUC in the legend.

    Parameters
    ----------
    y_true : array-like of bool
        Churn labels.
    scores : dict of str to array-like
        P(churn) (or any score) per model, aligned with ``y_true``.
    ax : matplotlib.axes.Axes, optional
        Where to draw; default a new figure.

    Returns
    -------
    matplotlib.axes.Axes
    """
    from sklearn.metrics import roc_auc_score, roc_curve

    ax = _axes(ax, (5.5, 5.0))
    for name, score in scores.items():
        fpr, tpr, _ = roc_curve(y_true, score)
        ax.plot(fpr, tpr, label=f"{name} (AUC {roc_auc_score(y_true, score):.3f})")
    ax.plot([0, 1], [0, 1], color="grey", linestyle=":", label="random (AUC 0.5)")
    ax.set_xlabel("false-positive rate (stayers called churners)")
    ax.set_ylabel("true-positive rate (churners caught)")
    ax.set_title("ROC curves on the held-out period")
    ax.legend(fontsize=8, loc="lower right")
    return ax


def plot_calibration(y_true, scores: dict, *, n_bins: int = 10, ax: Axes | None = None) -> Axes:
    """Plot the observed churn rate against the mean predicted probability, in equal bins.

    Parameters
    ----------
    y_true : array-like of bool
        Churn labels.
    scores : dict of str to array-like
        Predicted probabilities per model.
    n_bins : int, default 10
        Number of bins (quantiles of each model's probabilities).
    ax : matplotlib.axes.Axes, optional
        Where to draw; default a new figure.

    Returns
    -------
    matplotlib.axes.Axes
    """
    from sklearn.calibration import calibration_curve

    ax = _axes(ax, (5.5, 5.0))
    ax.plot([0, 1], [0, 1], color="grey", linestyle=":", label="perfectly calibrated")
    for name, score in scores.items():
        observed, predicted = calibration_curve(y_true, score, n_bins=n_bins, strategy="quantile")
        ax.plot(predicted, observed, marker="o", markersize=4, label=name)
    ax.set_xlabel("mean predicted P(churn)")
    ax.set_ylabel("observed churn rate")
    ax.set_title(f"Calibration ({n_bins} bins of equal size)")
    ax.legend(fontsize=8, loc="upper left")
    return ax


def plot_campaign(table: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Plot the expected value of a retention campaign against the customers contacted.

    Parameters
    ----------
    table : pandas.DataFrame
        :func:`helpers.churn_campaign.retention_campaign`: ``rank`` and ``cumulative_value``,
        best first; ``attrs`` ``size`` and ``value`` of the best campaign.
    ax : matplotlib.axes.Axes, optional
        Where to draw; default a new figure.

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = _axes(ax, (7.0, 4.0))
    ax.plot(table["rank"], table["cumulative_value"], color="tab:blue")
    ax.axhline(0, color="grey", linewidth=0.8)
    size, value = table.attrs.get("size", 0), table.attrs.get("value", 0.0)
    if size:
        ax.axvline(size, color="tab:red", linestyle="--")
        ax.annotate(
            f"best: contact {size:,}\nexpected value {value:,.0f}",
            (size, value),
            xytext=(10, -30),
            textcoords="offset points",
            fontsize=9,
            color="tab:red",
        )
    ax.set_xlabel("customers contacted (best expected value first)")
    ax.set_ylabel("expected value of the campaign")
    ax.set_title("Retention campaign: expected value by size")
    return ax


# --- chapter 07: probabilistic CLV ----------------------------------------------------------------

__all__ += [
    "plot_alive_history",
    "plot_alive_matrix",
    "plot_calibration_holdout",
    "plot_repeat_counts",
]


def plot_repeat_counts(counts: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Bars of observed and model-expected customers per number of repeat purchases.

    Parameters
    ----------
    counts : pandas.DataFrame
        :func:`helpers.clv_tables.expected_repeat_counts` (columns ``observed``, ``expected``).
    ax : matplotlib.axes.Axes, optional
        Where to draw; default a new figure.

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = _axes(ax, (6.5, 4.0))
    position = np.arange(len(counts))
    ax.bar(position - 0.2, counts["observed"], width=0.4, label="observed")
    ax.bar(position + 0.2, counts["expected"], width=0.4, label="expected by the model")
    ax.set_xticks(position, [str(label) for label in counts.index])
    ax.set_xlabel(str(counts.index.name or "repeat purchases"))
    ax.set_ylabel("customers")
    ax.set_title("Calibration period: customers per number of repeat purchases")
    ax.legend()
    return ax


def plot_calibration_holdout(table: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Mean actual and predicted holdout purchases per calibration frequency.

    Parameters
    ----------
    table : pandas.DataFrame
        :func:`helpers.clv_tables.calibration_holdout_table` (columns ``actual``, ``predicted``,
        indexed by calibration frequency).
    ax : matplotlib.axes.Axes, optional
        Where to draw; default a new figure.

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = _axes(ax, (6.5, 4.0))
    labels = [str(label) for label in table.index]
    ax.plot(labels, table["actual"], marker="o", label="actual")
    ax.plot(labels, table["predicted"], marker="s", linestyle="--", label="predicted")
    ax.set_xlabel("repeat purchases in the calibration period")
    ax.set_ylabel("mean purchases in the holdout period")
    ax.set_title("Holdout: actual vs conditional expected purchases")
    ax.legend()
    return ax


def plot_alive_matrix(matrix: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Heatmap of P(alive) over frequency (rows) and recency (columns).

    Parameters
    ----------
    matrix : pandas.DataFrame
        :func:`helpers.clv_tables.probability_alive_matrix`.
    ax : matplotlib.axes.Axes, optional
        Where to draw; default a new figure.

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = _axes(ax, (7.0, 4.5))
    image = ax.imshow(
        matrix.to_numpy(dtype=float),
        origin="lower",
        aspect="auto",
        cmap="RdYlGn",
        vmin=0,
        vmax=1,
        extent=(-0.5, matrix.shape[1] - 0.5, -0.5, matrix.shape[0] - 0.5),
    )
    ax.figure.colorbar(image, ax=ax, label="P(alive)")
    ax.set_xlabel("recency: time from the first to the last purchase (periods)")
    ax.set_ylabel("frequency: repeat purchases")
    ax.set_title("Probability of being alive, by purchase history")
    return ax


def plot_alive_history(
    history: pd.Series, purchases: pd.Series | None = None, *, ax: Axes | None = None
) -> Axes:
    """One customer's P(alive) over time, with their purchase days marked.

    Parameters
    ----------
    history : pandas.Series
        :func:`helpers.clv_tables.probability_alive_history` (P(alive) indexed by day).
    purchases : pandas.Series or sequence of dates, optional
        The customer's purchase dates, drawn as vertical lines.
    ax : matplotlib.axes.Axes, optional
        Where to draw; default a new figure.

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = _axes(ax, (8.0, 3.2))
    ax.plot(history.index, history.to_numpy(), label="P(alive)")
    if purchases is not None:
        for i, day in enumerate(pd.to_datetime(pd.Series(purchases)).dt.normalize().unique()):
            ax.axvline(day, color="grey", linestyle=":", label="purchase" if i == 0 else None)
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("P(alive)")
    ax.set_title("A customer's probability of being alive, day by day")
    ax.legend(loc="lower left")
    return ax


# --- chapter 08: profiling and market baskets ----------------------------------------------------


def _wrap(text: str, width: int) -> str:
    """Break ``text`` into lines of at most ``width`` characters, at spaces."""
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return "\n".join([*lines, line])


def _short(label: str, width: int = 28) -> str:
    return label if len(label) <= width else label[: width - 1] + "…"


_PERSONA_BEHAVIOUR = (
    ("recency mean", "days since last order", "{:,.0f}"),
    ("frequency mean", "frequency (orders)", "{:,.1f}"),
    ("monetary mean", "monetary (revenue)", "{:,.0f}"),
    ("order value mean", "order value", "{:,.0f}"),
    ("tenure mean", "days since first order", "{:,.0f}"),
)


def _index_bars(ax: Axes, labels: list[str], index: np.ndarray, texts: list[str]) -> None:
    """Horizontal bars from 100 to each index on a log scale, labelled with ``texts``."""
    y = np.arange(len(labels))[::-1]
    clipped = np.clip(np.nan_to_num(index, nan=100.0), 10, 1000)
    colours = np.where(clipped >= 100, "#4C72B0", "#DD8452")
    ax.barh(y, clipped - 100, left=100, color=colours, height=0.6)
    ax.axvline(100, color="black", linewidth=0.8)
    ax.set_xscale("log")
    low, high = min(clipped.min(), 50) / 1.6, max(clipped.max(), 200) * 2.2
    ax.set_xlim(low, high)
    ticks = [t for t in (10, 25, 50, 100, 200, 400, 1000) if low <= t <= high]
    ax.set_xticks(ticks, [str(t) for t in ticks])
    ax.minorticks_off()
    for yi, value, text in zip(y, clipped, texts, strict=True):
        # right of the bar's end, or right of the 100 line for a bar going left
        ax.text(max(value, 100.0) * 1.06, yi, text, va="center", ha="left", fontsize=7.5)
    ax.set_yticks(y, labels, fontsize=8)


def plot_persona_cards(
    profile: pd.DataFrame,
    segments: list[str] | None = None,
    *,
    n_items: int = 5,
    width: float = 16.0,
    height: float = 3.3,
) -> plt.Figure:
    """Persona cards: one row of four small panels per segment, with a one-line description.

    For each segment: (1) its share of customers, revenue and profit; (2) its mean recency,
    frequency, monetary value, order value and tenure as an index against all customers
    (100 = the base; log scale, blue above, orange below, each bar labelled with the segment's
    value and the base's); (3) what it buys: its revenue share per category against the base
    (or, without categories, the share of its customers buying each of its top products);
    (4) who they are: the attributes it has most over the base (demographics, country;
    index 110 or more), as indices. The card's title is the segment and
    :func:`helpers.profiling.describe_segment`.

    Parameters
    ----------
    profile : pandas.DataFrame
        The output of :func:`helpers.profiling.segment_profile`.
    segments : list of str, optional
        Which segments, in order; default all.
    n_items : int, default 5
        Categories, products and attributes shown per panel.
    width, height : float
        Figure width, and height per card, in inches.

    Returns
    -------
    matplotlib.figure.Figure
        One subfigure per segment.
    """
    from helpers.profiling import BASE, describe_segment, distinctive_features, profile_index

    if BASE not in profile.columns:
        raise ValueError(f"plot_persona_cards: profile needs the base column {BASE!r}")
    names = [c for c in profile.columns if c != BASE] if segments is None else list(segments)
    unknown = [c for c in names if c not in profile.columns or c == BASE]
    if unknown or not names:
        raise ValueError(f"plot_persona_cards: segment(s) {unknown} not in the profile")
    index = profile_index(profile)
    sections = set(profile.index.get_level_values(0))
    fig = plt.figure(figsize=(width, height * len(names)), layout="constrained")
    cards = np.atleast_1d(fig.subfigures(len(names), 1, hspace=0.04))
    for card, name in zip(cards, names, strict=True):
        value, base, idx = profile[name], profile[BASE], index[name]
        card.set_facecolor("#F7F7F7")
        bold = "$\\bf{" + str(name).replace(" ", "\\ ").replace("'", "\\prime") + "}$"
        card.suptitle(
            f"{bold}  " + _wrap(describe_segment(profile, name), int(width * 11)),
            fontsize=9.5,
            ha="left",
            x=0.01,
        )
        ax_size, ax_rfm, ax_buy, ax_who = card.subplots(
            1, 4, gridspec_kw={"width_ratios": [0.8, 1.25, 1.15, 1.1]}
        )
        # 1. size and value
        shares = [
            m
            for m in ("share of customers", "share of revenue", "share of profit")
            if ("size", m) in profile.index
        ]
        numbers = [float(value["size", m]) for m in shares]
        y = np.arange(len(shares))[::-1]
        bars = ax_size.barh(y, numbers, color=["#8C8C8C", "#4C72B0", "#55A868"][: len(shares)])
        ax_size.bar_label(bars, [f"{v:.0%}" for v in numbers], padding=2, fontsize=8)
        ax_size.set_yticks(y, [m.replace("share of ", "") for m in shares], fontsize=8)
        ax_size.set_xlim(0, max(max(numbers), 0.05) * 1.35)
        ax_size.xaxis.set_major_formatter("{x:.0%}")
        ax_size.set_xlabel("share of the whole base", fontsize=8)
        ax_size.set_title("Size and value", fontsize=9)
        # 2. behaviour against the base
        rows = [r for r in _PERSONA_BEHAVIOUR if ("behaviour", r[0]) in profile.index]
        _index_bars(
            ax_rfm,
            [label for _, label, _ in rows],
            np.array([idx["behaviour", m] for m, _, _ in rows], dtype=float),
            [
                f"{fmt.format(value['behaviour', m])} vs {fmt.format(base['behaviour', m])}"
                for m, _, fmt in rows
            ],
        )
        ax_rfm.set_xlabel("index, all customers = 100 (log scale)", fontsize=8)
        ax_rfm.set_title("Behaviour vs all customers", fontsize=9)
        # 3. what they buy
        if "category" in sections:
            buy = profile.loc["category"]
            what, how = "revenue share by category", "share of the segment's revenue"
            n_shown = max(n_items, 8)
        else:
            buy = profile.loc["product"] if "product" in sections else profile.iloc[:0]
            what, how = "top products", "share of its customers who bought it"
            n_shown = n_items
        buy = buy.sort_values(name, ascending=False, kind="stable").head(n_shown)
        y = np.arange(len(buy))[::-1]
        ax_buy.barh(y, buy[name], height=0.6, color="#4C72B0", label="segment")
        ax_buy.scatter(
            buy[BASE], y, marker="|", s=250, color="black", zorder=3, label="all customers"
        )
        ax_buy.set_yticks(y, [_short(str(m)) for m in buy.index], fontsize=8)
        ax_buy.xaxis.set_major_formatter("{x:.0%}")
        ax_buy.set_xlim(0, max(float(buy[[name, BASE]].max().max()) if len(buy) else 0, 0.05) * 1.5)
        ax_buy.set_xlabel(how, fontsize=8)
        ax_buy.legend(fontsize=7, loc="lower right")
        ax_buy.set_title(f"What they buy: {what}", fontsize=9)
        # 4. who they are
        looked = [
            x for x in ("age", "gender", "income", "region", "channel", "country") if x in sections
        ]
        who = distinctive_features(profile, name, n=n_items, sections=looked) if looked else None
        if who is not None:
            who = who[who["index"] >= 110]
        if who is not None and len(who):
            _index_bars(
                ax_who,
                [_short(f"{f.section}: {f.measure}") for f in who.itertuples()],
                who["index"].to_numpy(dtype=float),
                [f"{f.share:.0%} vs {f.base_share:.0%}" for f in who.itertuples()],
            )
            ax_who.set_xlabel("index, all customers = 100 (log scale)", fontsize=8)
        else:
            ax_who.set_axis_off()
            reason = "no attribute 10% over the base" if looked else "no demographics in the data"
            ax_who.text(
                0.5, 0.5, reason, ha="center", va="center", fontsize=8, transform=ax_who.transAxes
            )
        ax_who.set_title("Who they are: most over-represented", fontsize=9)
        for ax in (ax_size, ax_rfm, ax_buy, ax_who):
            ax.tick_params(axis="x", labelsize=7.5)
    return fig


def plot_profile_heatmap(
    index: pd.DataFrame,
    sections: list[str] | None = None,
    *,
    segments: list[str] | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Heatmap of a profile's indices: segments across, measures down, 100 = all customers.

    Colours are on a log scale centred on 100 (blue above the base, red below; 25 and 400 are
    the ends of the scale), and every cell shows its index.

    Parameters
    ----------
    index : pandas.DataFrame
        The output of :func:`helpers.profiling.profile_index`.
    sections : list of str, optional
        Sections to show (e.g. ``["behaviour", "income"]``); default all but ``size``.
    segments : list of str, optional
        Columns to show; default every segment (not the base).
    ax : matplotlib.axes.Axes, optional
        Where to draw; default a new figure.

    Returns
    -------
    matplotlib.axes.Axes
    """
    from helpers.profiling import BASE

    level = index.index.get_level_values(0)
    keep = [x for x in dict.fromkeys(level) if x != "size"] if sections is None else sections
    unknown = [x for x in keep if x not in set(level)]
    if unknown:
        raise ValueError(f"plot_profile_heatmap: section(s) {unknown} not in the index")
    cols = [c for c in index.columns if c != BASE] if segments is None else list(segments)
    table = index.loc[level.isin(keep), cols]
    table = table[table.notna().any(axis=1)]
    with np.errstate(divide="ignore"):  # an index of 0 is coloured as the lowest
        values = np.log2(table.to_numpy(dtype=float) / 100)
    ax = _axes(ax, (0.85 * len(cols) + 4.0, 0.28 * len(table) + 1.8))
    image = ax.imshow(
        np.ma.masked_invalid(np.clip(values, -2, 2)), cmap="RdBu", vmin=-2, vmax=2, aspect="auto"
    )
    texts = np.where(
        ~np.isnan(values), np.char.mod("%.0f", np.nan_to_num(table.to_numpy(dtype=float))), ""
    )
    for (i, j), text in np.ndenumerate(texts):
        if text:
            dark = abs(max(values[i, j], -2.0)) > 1.2
            ax.text(
                j, i, text, ha="center", va="center", fontsize=7, color="white" if dark else "black"
            )
    ax.set_xticks(range(len(cols)), [str(c) for c in cols], rotation=35, ha="right")
    ax.set_yticks(range(len(table)), [_short(f"{a}: {b}", 40) for a, b in table.index], fontsize=8)
    bar = ax.figure.colorbar(image, ax=ax, ticks=[-2, -1, 0, 1, 2], shrink=0.6)
    bar.ax.set_yticklabels(["25", "50", "100", "200", "400"])
    bar.set_label("index (all customers = 100)")
    ax.set_xlabel("segment")
    ax.set_ylabel("measure")
    ax.set_title("Profile indices: where each segment differs from the base")
    return ax


def plot_rules(
    rules: pd.DataFrame,
    descriptions: pd.Series | None = None,
    *,
    n_labels: int = 5,
    ax: Axes | None = None,
) -> Axes:
    """Association rules as points: support across, confidence up, coloured by lift.

    Parameters
    ----------
    rules : pandas.DataFrame
        The output of :func:`helpers.baskets.association_rules`.
    descriptions : pandas.Series, optional
        Product descriptions by id, to label the top rules; default the ids.
    n_labels : int, default 5
        Number the rules with the highest lift (one direction of each product set) and list
        them in a key.
    ax : matplotlib.axes.Axes, optional
        Where to draw; default a new figure.

    Returns
    -------
    matplotlib.axes.Axes
    """
    for column in ("antecedent", "consequent", "support", "confidence", "lift"):
        if column not in rules.columns:
            raise ValueError(f"plot_rules: missing column {column!r}")
    if rules.empty:
        raise ValueError("plot_rules: no rules to plot (lower the thresholds)")
    ax = _axes(ax, (8.0, 5.0))
    points = ax.scatter(
        rules["support"],
        rules["confidence"],
        c=rules["lift"],
        cmap="viridis",
        s=18,
        alpha=0.8,
        norm="log",
    )
    ax.figure.colorbar(points, ax=ax, label="lift (log scale)")
    ax.xaxis.set_major_formatter("{x:.1%}")

    def name(items: tuple) -> str:
        named = [str(descriptions.get(i, i)) if descriptions is not None else str(i) for i in items]
        return " + ".join(_short(x, 22) for x in named)

    seen: set = set()
    key_lines = []
    for r in rules.itertuples(index=False):
        items = frozenset(r.antecedent) | frozenset(r.consequent)
        if len(key_lines) >= n_labels:
            break
        if items in seen:
            continue
        seen.add(items)
        number = len(key_lines) + 1
        ax.annotate(
            str(number),
            (r.support, r.confidence),
            xytext=(4, 4),
            textcoords="offset points",
            fontsize=8,
            fontweight="bold",
        )
        key_lines.append(
            f"{number}. {name(r.antecedent)} → {name(r.consequent)}, lift {r.lift:.1f}"
        )
    if key_lines:
        ax.text(
            0.99,
            0.02,
            "\n".join(key_lines),
            transform=ax.transAxes,
            ha="right",
            va="bottom",
            multialignment="left",
            fontsize=7,
            bbox={"facecolor": "white", "alpha": 0.85, "edgecolor": "grey"},
        )
    ax.set_xlabel("support (share of baskets holding both sides)")
    ax.set_ylabel("confidence (share of antecedent baskets with the consequent)")
    ax.set_title(f"{len(rules):,} association rules")
    return ax

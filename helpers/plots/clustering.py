"""Plots for chapter 05: clustering."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from helpers.plots._common import figure_axes

__all__ = ["plot_cluster_map", "plot_cluster_profiles", "plot_k_selection"]


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
    ax = figure_axes(ax, (1.0 * len(columns) + 4, 0.6 * len(centres) + 1.8))
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
    ax = figure_axes(ax, (7.0, 5.0))
    for cluster in sorted(labels.dropna().unique()):
        points = coords[labels == cluster]
        label = f"{names[cluster]} (n={len(points):,})" if names is not None else str(cluster)
        ax.scatter(points.iloc[:, 0], points.iloc[:, 1], s=6, alpha=0.5, label=label)
    ax.set_xlabel(str(coords.columns[0]))
    ax.set_ylabel(str(coords.columns[1]))
    ax.set_title("Customers on two coordinates, coloured by cluster")
    ax.legend(fontsize=8, markerscale=2, loc="best")
    return ax

"""Plots for chapter 06: churn."""

from __future__ import annotations

import pandas as pd
from matplotlib.axes import Axes

from helpers.plots._common import figure_axes

__all__ = ["plot_calibration", "plot_campaign", "plot_roc_curves"]


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

    ax = figure_axes(ax, (5.5, 5.0))
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

    ax = figure_axes(ax, (5.5, 5.0))
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
    ax = figure_axes(ax, (7.0, 4.0))
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

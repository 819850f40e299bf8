"""Churn metrics: how well scores rank churners, how far probabilities can be trusted.

:func:`churn_metrics` gives ROC-AUC, PR-AUC, Brier score and lift and capture in the top
decile (:func:`top_share`); :func:`compare_models` fits models on training snapshots and
scores them on a later test snapshot (temporal validation), :func:`cross_validate_models`
does stratified k-fold for one labelled snapshot (contractual data);
:func:`calibration_table` and :func:`importance_table` check the probabilities and what a
fitted model relies on. Fits run on one thread (``threadpoolctl``): small fits, no
oversubscription.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from sklearn.calibration import calibration_curve
from sklearn.inspection import permutation_importance
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score
from sklearn.model_selection import StratifiedKFold
from threadpoolctl import threadpool_limits

from helpers.checks import check_numbers, check_share

__all__ = [
    "calibration_table",
    "churn_metrics",
    "compare_models",
    "cross_validate_models",
    "importance_table",
    "top_share",
]


def _scores(y_true: Sequence[bool], score: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(y_true, dtype=bool)
    p = np.asarray(score, dtype=float)
    if y.shape != p.shape or y.ndim != 1:
        raise ValueError(
            f"y_true and score must be 1-D of the same length; got {y.shape} and {p.shape}"
        )
    if len(y) == 0:
        raise ValueError("y_true is empty")
    check_numbers("score", p, "a finite number", np.isfinite)
    return y, p


def top_share(
    y_true: Sequence[bool], score: Sequence[float], share: float = 0.1
) -> tuple[float, float]:
    """Compute lift and capture among the customers with the highest scores.

    The top group is the ``ceil(share * n)`` customers with the highest score (ties in input
    order). **Lift** = churn rate in the group / overall churn rate (1 = no better than
    picking at random); **capture** = share of all churners who are in the group.

    Parameters
    ----------
    y_true : array-like of bool
        Churn labels.
    score : array-like of float
        Higher means more likely to churn.
    share : float, default 0.1
        Size of the group as a share of customers (0.1: the top decile).

    Returns
    -------
    lift, capture : float

    Raises
    ------
    ValueError
        If the lengths differ, ``share`` is not in (0, 1] or there is no churner.
    """
    y, p = _scores(y_true, score)
    check_share("share", share, "of customers in the top group")
    if not y.any():
        raise ValueError("y_true has no churner: lift and capture are undefined")
    n_top = math.ceil(share * len(y))
    top = np.argsort(-p, kind="mergesort")[:n_top]
    lift = y[top].mean() / y.mean()
    capture = y[top].sum() / y.sum()
    return float(lift), float(capture)


def churn_metrics(
    y_true: Sequence[bool], score: Sequence[float], *, share: float = 0.1
) -> dict[str, float]:
    """ROC-AUC, PR-AUC, Brier score, lift and capture in the top ``share``.

    Parameters
    ----------
    y_true : array-like of bool
        Churn labels.
    score : array-like of float
        Predicted probabilities of churn (the Brier score needs probabilities).
    share : float, default 0.1
        The top group of :func:`top_share`.

    Returns
    -------
    dict
        ``roc_auc`` (0.5 = random ranking), ``pr_auc`` (average precision; the churn rate =
        random), ``brier`` (mean squared error of the probabilities; lower is better),
        ``lift``, ``capture``.
    """
    y, p = _scores(y_true, score)
    if y.all() or not y.any():
        raise ValueError("y_true must hold both churners and non-churners")
    lift, capture = top_share(y, p, share)
    return {
        "roc_auc": float(roc_auc_score(y, p)),
        "pr_auc": float(average_precision_score(y, p)),
        "brier": float(brier_score_loss(y, p)),
        "lift": lift,
        "capture": capture,
    }


def compare_models(
    models: Mapping[str, object],
    X_train: pd.DataFrame,
    y_train: Sequence[bool],
    X_test: pd.DataFrame,
    y_test: Sequence[bool],
    *,
    share: float = 0.1,
) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """Fit every model on the training rows and score it on the test rows.

    Parameters
    ----------
    models : mapping of str to estimator
        Unfitted estimators with ``predict_proba`` (fitted in place).
    X_train, y_train, X_test, y_test
        Training and test features and labels.
    share : float, default 0.1
        The top group for lift and capture.

    Returns
    -------
    table : pandas.DataFrame
        One row per model, the columns of :func:`churn_metrics`.
    scores : dict of str to numpy.ndarray
        Each model's P(churn) for the test rows.
    """
    rows, scores = {}, {}
    for name, model in models.items():
        with threadpool_limits(limits=1):  # one thread: small fits, no oversubscription
            model.fit(X_train, np.asarray(y_train, dtype=bool))
            scores[name] = model.predict_proba(X_test)[:, 1]
        rows[name] = churn_metrics(y_test, scores[name], share=share)
    return pd.DataFrame(rows).T.rename_axis("model"), scores


def cross_validate_models(
    models: Mapping[str, object],
    X: pd.DataFrame,
    y: Sequence[bool],
    *,
    n_splits: int = 5,
    seed: int = 0,
    share: float = 0.1,
) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """Cross-validate every model by stratified k-fold (for labelled, contractual data).

    Each fold keeps the overall churn rate. The metrics are computed on the out-of-fold
    probabilities of all rows (each row scored by the model that did not see it);
    ``roc_auc_sd`` is the standard deviation of the per-fold ROC-AUC.

    Parameters
    ----------
    models : mapping of str to estimator
        Unfitted estimators (cloned per fold).
    X : pandas.DataFrame
    y : array-like of bool
    n_splits : int, default 5
    seed : int, default 0
        Seed of the shuffle before splitting.
    share : float, default 0.1

    Returns
    -------
    table : pandas.DataFrame
        One row per model: :func:`churn_metrics` of the out-of-fold scores and
        ``roc_auc_sd``.
    scores : dict of str to numpy.ndarray
        Out-of-fold P(churn) per model.
    """
    from sklearn.base import clone

    y = np.asarray(y, dtype=bool)
    folds = list(StratifiedKFold(n_splits, shuffle=True, random_state=seed).split(X, y))
    rows, scores = {}, {}
    for name, model in models.items():
        oof = np.zeros(len(y))
        per_fold = []
        for train, test in folds:
            with threadpool_limits(limits=1):
                fitted = clone(model).fit(X.iloc[train], y[train])
                oof[test] = fitted.predict_proba(X.iloc[test])[:, 1]
            per_fold.append(roc_auc_score(y[test], oof[test]))
        scores[name] = oof
        rows[name] = {**churn_metrics(y, oof, share=share), "roc_auc_sd": float(np.std(per_fold))}
    return pd.DataFrame(rows).T.rename_axis("model"), scores


def calibration_table(
    y_true: Sequence[bool], score: Sequence[float], n_bins: int = 10
) -> pd.DataFrame:
    """Compare predicted and observed churn rates in bins of equal size (default deciles).

    Parameters
    ----------
    y_true : array-like of bool
    score : array-like of float
        Predicted probabilities.
    n_bins : int, default 10

    Returns
    -------
    pandas.DataFrame
        ``predicted`` (mean probability) and ``observed`` (churn rate) per bin.
    """
    y, p = _scores(y_true, score)
    observed, predicted = calibration_curve(y, p, n_bins=n_bins, strategy="quantile")
    return pd.DataFrame({"predicted": predicted, "observed": observed}).rename_axis("bin")


def importance_table(
    model: object,
    X: pd.DataFrame,
    y: Sequence[bool],
    *,
    n_repeats: int = 5,
    seed: int = 0,
) -> pd.DataFrame:
    """Measure permutation importance: the drop of the test ROC-AUC when a column is shuffled.

    Parameters
    ----------
    model : fitted estimator
        Takes the feature frame ``X`` (a pipeline of :func:`helpers.churn_models.make_models`).
    X : pandas.DataFrame
        Held-out features.
    y : array-like of bool
        Held-out labels.
    n_repeats : int, default 5
    seed : int, default 0

    Returns
    -------
    pandas.DataFrame
        ``auc_drop`` (mean) and ``sd`` per column, largest drop first.
    """
    with threadpool_limits(limits=1):
        result = _permutation_importance(model, X, y, n_repeats, seed)
    table = pd.DataFrame(
        {"auc_drop": result.importances_mean, "sd": result.importances_std}, index=X.columns
    )
    return table.sort_values("auc_drop", ascending=False).rename_axis("feature")


def _permutation_importance(model, X, y, n_repeats, seed):
    return permutation_importance(
        model,
        X,
        np.asarray(y, dtype=bool),
        scoring="roc_auc",
        n_repeats=n_repeats,
        random_state=seed,
        n_jobs=1,
    )

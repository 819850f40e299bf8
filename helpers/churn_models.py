"""Churn models: the recency rule a shop uses without a model, and the models compared.

:func:`make_models` builds the comparison of chapter 06 (logistic regression, decision tree,
random forest, histogram gradient boosting), each a scikit-learn ``Pipeline`` of
:func:`helpers.features.feature_pipeline` and the classifier, with fixed seeds and
``n_jobs=1``. :class:`RecencyRule` is the baseline: churned when the last purchase is older
than a threshold. Their inputs are the snapshots of :mod:`helpers.churn`; their scores are
judged by :mod:`helpers.churn_metrics`. :class:`LogisticRecalibration` maps a model's scores
to probabilities that match the churn rate of the latest period whose outcome is known.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.tree import DecisionTreeClassifier

from helpers.checks import require_columns
from helpers.features import LOG_FEATURES, feature_pipeline

__all__ = [
    "CHURN_LOG_FEATURES",
    "MODEL_NAMES",
    "LogisticRecalibration",
    "RecencyRule",
    "make_models",
]

#: The models of :func:`make_models`, in the order the chapter compares them.
MODEL_NAMES: tuple[str, ...] = (
    "logistic regression",
    "decision tree",
    "random forest",
    "gradient boosting",
)

#: Skewed features put on a log scale by :func:`make_models`: those of clustering plus the
#: windowed spends and the contacts.
CHURN_LOG_FEATURES: tuple[str, ...] = (
    *LOG_FEATURES,
    "spend_recent",
    "spend_earlier",
    "contacts",
    "contact_cost",
)


class RecencyRule(ClassifierMixin, BaseEstimator):
    """The rule a shop uses without a model: churned when recency exceeds a threshold.

    Parameters
    ----------
    threshold : float, optional
        Days since the last purchase above which a customer is called churned; default
        learned in :meth:`fit`: the threshold that maximises Youden's J (true-positive rate
        minus false-positive rate) on the training rows.
    feature : str, default "recency"
        The column holding the days since the last purchase.

    Attributes
    ----------
    threshold_ : float
        The threshold used.
    rates_ : numpy.ndarray
        Churn rate of the training rows at or below and above the threshold: the
        probabilities :meth:`predict_proba` gives.
    classes_ : numpy.ndarray
        ``[False, True]``.
    """

    def __init__(self, threshold: float | None = None, feature: str = "recency") -> None:
        self.threshold = threshold
        self.feature = feature

    def _recency(self, X: pd.DataFrame) -> np.ndarray:
        require_columns(X, [self.feature], "X")
        return X[self.feature].to_numpy(dtype=float)

    def fit(self, X: pd.DataFrame, y: Sequence[bool]) -> RecencyRule:
        """Learn the threshold (unless given) and the churn rate on each side of it.

        Parameters
        ----------
        X : pandas.DataFrame
            Has the ``feature`` column.
        y : array-like of bool
            Churn labels.

        Returns
        -------
        RecencyRule
        """
        r = self._recency(X)
        y = np.asarray(y, dtype=bool)
        if y.all() or not y.any():
            raise ValueError("y must hold both churners and non-churners to fit the rule")
        if self.threshold is None:
            candidates = np.unique(r)
            positives, negatives = y.sum(), (~y).sum()
            order = np.argsort(r, kind="mergesort")
            r_sorted, y_sorted = r[order], y[order]
            # customers above candidate t: those after the last position with r <= t
            upto = np.searchsorted(r_sorted, candidates, side="right")
            churn_below = np.concatenate([[0], np.cumsum(y_sorted)])[upto]
            stay_below = upto - churn_below
            j = (positives - churn_below) / positives - (negatives - stay_below) / negatives
            self.threshold_ = float(candidates[int(np.argmax(j))])
        else:
            self.threshold_ = float(self.threshold)
        above = r > self.threshold_
        rate = y.mean()
        self.rates_ = np.array(
            [y[~above].mean() if (~above).any() else rate, y[above].mean() if above.any() else rate]
        )
        self.classes_ = np.array([False, True])
        return self

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        """Give the training churn rate on the customer's side of the threshold.

        Returned as the two columns [P(stay), P(churn)].

        Parameters
        ----------
        X : pandas.DataFrame

        Returns
        -------
        numpy.ndarray of shape (n, 2)
        """
        p = self.rates_[(self._recency(X) > self.threshold_).astype(int)]
        return np.column_stack([1 - p, p])

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """Call churned (True) the customers whose recency is above the threshold.

        Parameters
        ----------
        X : pandas.DataFrame

        Returns
        -------
        numpy.ndarray of bool
        """
        return self._recency(X) > self.threshold_


def make_models(
    X: pd.DataFrame,
    *,
    seed: int = 0,
    numeric: Sequence[str] | None = None,
    categorical: Sequence[str] | None = None,
) -> dict[str, Pipeline]:
    """Build the compared models, each ``feature_pipeline`` + classifier (not fitted).

    Settings are small on purpose (fast fits on a laptop, little overfitting):
    logistic regression (``C=1``, after ``log1p`` of :data:`CHURN_LOG_FEATURES` and
    standardisation); a decision tree of depth 5
    with at least 50 customers per leaf; a random forest of 150 trees of depth 8 with at
    least 20 customers per leaf; histogram gradient boosting with 150 iterations of rate 0.05
    and 15 leaves per tree. Seeds fixed, ``n_jobs=1``.

    The preprocessing is built once from ``X`` and copied into each model, so a column
    every training customer shares (see :func:`helpers.features.usable_features`) is left
    out of all four, with one :class:`helpers.checks.DataWarning` saying why.

    Parameters
    ----------
    X : pandas.DataFrame
        The training features (used to pick the columns, see
        :func:`helpers.features.feature_pipeline`).
    seed : int, default 0
        Random state of every model.
    numeric, categorical : sequence of str, optional
        The columns to use; default every numeric and every text column.

    Returns
    -------
    dict of str to sklearn.pipeline.Pipeline
        Keyed by :data:`MODEL_NAMES`.

    Raises
    ------
    ValueError
        If no column can tell the customers apart, or for the other errors of
        :func:`helpers.features.feature_pipeline`.
    """
    classifiers = {
        "logistic regression": LogisticRegression(C=1.0, max_iter=2000),
        "decision tree": DecisionTreeClassifier(
            max_depth=5, min_samples_leaf=50, random_state=seed
        ),
        "random forest": RandomForestClassifier(
            n_estimators=150, max_depth=8, min_samples_leaf=20, n_jobs=1, random_state=seed
        ),
        "gradient boosting": HistGradientBoostingClassifier(
            max_iter=150,
            learning_rate=0.05,
            max_leaf_nodes=15,
            early_stopping=False,
            random_state=seed,
        ),
    }
    prep = feature_pipeline(X, numeric, categorical, log=CHURN_LOG_FEATURES)
    return {
        name: Pipeline([("prep", clone(prep)), ("model", classifier)])
        for name, classifier in classifiers.items()
    }


class LogisticRecalibration:
    """Recalibrate churn scores on a recent period: ``P = sigmoid(a + b x logit(score))``.

    A model learns the churn rate of its training periods; when the rate drifts, its ranking
    survives but its probabilities do not. Fitting two numbers on the latest period whose
    outcome is known (Platt scaling on the log-odds; ``a`` shifts the rate, ``b`` makes the
    scores more or less confident) keeps the order of the customers and moves the
    probabilities to what that period saw. Calibrated scores give ``a = 0``, ``b = 1``.

    Attributes
    ----------
    intercept_, slope_ : float
        ``a`` and ``b``, after :meth:`fit`.
    n_ : int
        Customers the recalibration was fitted on.
    """

    def fit(self, scores: Sequence[float], churned: Sequence[bool]) -> LogisticRecalibration:
        """Fit ``a`` and ``b`` by maximum likelihood on scores and observed outcomes.

        Parameters
        ----------
        scores : sequence of float
            The model's P(churn) on the recent period, in [0, 1].
        churned : sequence of bool
            Whether each customer churned (both outcomes must occur).

        Returns
        -------
        LogisticRecalibration
            ``self``.

        Raises
        ------
        ValueError
            For scores outside [0, 1], lengths that differ, or a single outcome.
        """
        x = self._log_odds(scores)
        y = np.asarray(churned, dtype=bool)
        if len(y) != len(x):
            raise ValueError(f"scores and churned differ in length: {len(x)} and {len(y)}")
        if y.all() or not y.any():
            raise ValueError("churned: both outcomes must occur to recalibrate; got one only")
        fitted = LogisticRegression(C=1e6, max_iter=1000).fit(x[:, None], y)
        self.intercept_ = float(fitted.intercept_[0])
        self.slope_ = float(fitted.coef_[0, 0])
        self.n_ = len(y)
        return self

    def transform(self, scores: Sequence[float]) -> np.ndarray:
        """Recalibrated probabilities of ``scores``.

        Parameters
        ----------
        scores : sequence of float
            P(churn) from the same model, in [0, 1].

        Returns
        -------
        numpy.ndarray
        """
        if not hasattr(self, "slope_"):
            raise ValueError("LogisticRecalibration: call fit before transform")
        z = self.intercept_ + self.slope_ * self._log_odds(scores)
        return 1.0 / (1.0 + np.exp(-z))

    @staticmethod
    def _log_odds(scores: Sequence[float]) -> np.ndarray:
        p = np.asarray(scores, dtype=float)
        bad = ~((p >= 0) & (p <= 1))
        if bad.any():
            raise ValueError(
                f"scores must be probabilities in [0, 1]; {int(bad.sum())} are not, e.g. "
                f"{p[bad][0]!r}"
            )
        p = np.clip(p, 1e-6, 1 - 1e-6)
        return np.log(p / (1 - p))

"""Uplift models: whom a campaign changes, and whether contacting them is worth it.

A churn or response model ranks customers by how likely they are to buy; a campaign pays
on those whose buying it *changes*. With a past randomised campaign (treated and control
customers, their features before it and their outcome after), two estimators of each
customer's effect tau(x) = E[Y | x, treated] - E[Y | x, control]:

- :class:`TwoModelUplift` (the "T-learner"): one model of the outcome on the treated, one on
  the controls; the uplift is the difference of their predictions;
- :class:`TransformedOutcomeUplift`: one regression on Z = Y (T - e) / (e (1 - e)), with e
  the share treated, whose expectation given x is tau(x) in a randomised test (Athey &
  Imbens 2016); noisier, but it models the effect directly.

To judge a ranking without the truth, :func:`qini_curve` counts, for the top k customers
by score, the treated customers' outcomes minus the controls' scaled to the same number
(Radcliffe 2007); the area between it and the straight line of random targeting is
:func:`qini_area`. On simulated data, :func:`targeting_value` gives the true incremental
profit of contacting the top share of a ranking.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.pipeline import Pipeline

from helpers.checks import check_numbers
from helpers.experiment_readout import campaign_gain
from helpers.features import feature_pipeline

__all__ = [
    "SpendModel",
    "TransformedOutcomeUplift",
    "TwoModelUplift",
    "cross_fitted_scores",
    "qini_area",
    "qini_curve",
    "targeting_value",
]


#: Shallow trees, strong shrinkage: a few thousand noisy outcomes per model.
_TREES = {"max_depth": 3, "learning_rate": 0.05, "max_iter": 150, "min_samples_leaf": 40}


def _regressor(seed: int) -> HistGradientBoostingRegressor:
    return HistGradientBoostingRegressor(**_TREES, random_state=seed)


def _binary(outcome: np.ndarray) -> bool:
    return bool(np.isin(outcome, (0.0, 1.0)).all())


def _check(rows, treated, outcome, rows_name: str = "features") -> tuple[np.ndarray, np.ndarray]:
    """Return ``treated`` and ``outcome`` as arrays, one per row of ``rows``, or raise."""
    treated = np.asarray(treated)
    outcome = np.asarray(outcome, dtype=float)
    if not (len(rows) == len(treated) == len(outcome)):
        raise ValueError(
            f"{rows_name}, treated and outcome must have one row per customer; got "
            f"{len(rows)}, {len(treated)} and {len(outcome)}"
        )
    if treated.dtype != bool:
        raise ValueError("treated must be booleans (True: contacted)")
    if treated.all() or not treated.any():
        raise ValueError("need both treated and control customers to estimate an uplift")
    check_numbers("outcome", outcome, "finite", np.isfinite)
    return treated, outcome


def _predict(model: Pipeline, features: pd.DataFrame) -> np.ndarray:
    """Return a classifier's probability of 1, or a regressor's prediction."""
    if hasattr(model, "predict_proba"):
        return model.predict_proba(features)[:, 1]
    return model.predict(features)


class TwoModelUplift:
    """Uplift as the difference of two outcome models, one per group (T-learner).

    Parameters
    ----------
    estimator : scikit-learn estimator, optional
        The outcome model: a classifier (its probability of 1 is the prediction) or a
        regressor. Default: gradient-boosted trees (depth 3, 150 rounds), a classifier for a
        0/1 outcome and a regressor otherwise.
    seed : int, default 0
        Random state of the default estimator.

    Attributes
    ----------
    treated_model_, control_model_ : sklearn.pipeline.Pipeline
        The preprocessing (:func:`helpers.features.feature_pipeline`) and the
        model, fitted on each group.
    """

    def __init__(self, estimator=None, *, seed: int = 0):
        self.estimator = estimator
        self.seed = seed

    def fit(self, features: pd.DataFrame, treated, outcome) -> TwoModelUplift:
        """Fit one model on the treated customers and one on the controls."""
        treated, outcome = _check(features, treated, outcome)
        base = self.estimator
        if base is None:
            binary = _binary(outcome)
            base = (
                HistGradientBoostingClassifier(**_TREES, random_state=self.seed)
                if binary
                else _regressor(self.seed)
            )
        models = []
        for group in (treated, ~treated):
            pipe = Pipeline([("prep", feature_pipeline(features)), ("model", clone(base))])
            models.append(pipe.fit(features[group], outcome[group]))
        self.treated_model_, self.control_model_ = models
        return self

    def predict_outcomes(self, features: pd.DataFrame) -> pd.DataFrame:
        """Return each customer's predicted outcome ``with`` and ``without`` the campaign."""
        return pd.DataFrame(
            {
                "with": _predict(self.treated_model_, features),
                "without": _predict(self.control_model_, features),
            },
            index=features.index,
        )

    def predict(self, features: pd.DataFrame) -> pd.Series:
        """Return the predicted uplift per customer (outcome with minus without)."""
        both = self.predict_outcomes(features)
        return (both["with"] - both["without"]).rename("uplift")


class TransformedOutcomeUplift:
    """Uplift by one regression on the transformed outcome Z = Y (T - e) / (e (1 - e)).

    Parameters
    ----------
    estimator : scikit-learn regressor, optional
        Default: gradient-boosted trees (depth 3, 150 rounds).
    seed : int, default 0
        Random state of the default estimator.

    Attributes
    ----------
    share_treated_ : float
        e, the share of the training customers who were treated (the test's design).
    model_ : sklearn.pipeline.Pipeline
        Preprocessing and the regression of Z.
    """

    def __init__(self, estimator=None, *, seed: int = 0):
        self.estimator = estimator
        self.seed = seed

    def fit(self, features: pd.DataFrame, treated, outcome) -> TransformedOutcomeUplift:
        """Fit the regression of the transformed outcome."""
        treated, outcome = _check(features, treated, outcome)
        e = float(treated.mean())
        z = outcome * (treated - e) / (e * (1 - e))
        base = self.estimator if self.estimator is not None else _regressor(self.seed)
        self.share_treated_ = e
        self.model_ = Pipeline([("prep", feature_pipeline(features)), ("model", clone(base))])
        self.model_.fit(features, z)
        return self

    def predict(self, features: pd.DataFrame) -> pd.Series:
        """Return the predicted uplift per customer."""
        return pd.Series(self.model_.predict(features), index=features.index, name="uplift")


def qini_curve(score, treated, outcome) -> pd.DataFrame:
    """Return the Qini curve of a ranking on a randomised test.

    Parameters
    ----------
    score : array-like
        Higher first (ties in the given order).
    treated : array-like of bool
        Whether each customer was in the treated group.
    outcome : array-like
        Each customer's outcome (1/0 response, or spend).

    Returns
    -------
    pandas.DataFrame
        One row per number of customers targeted k = 0..n: ``share`` (k / n) and ``qini``:
        the treated customers' total outcome among the top k minus the controls' scaled to
        the same number of treated, ``Y_t(k) - Y_c(k) N_t(k) / N_c(k)`` (0 while the top k
        hold no control), and ``random``: the straight line from 0 to the last point.
    """
    score = np.asarray(score, dtype=float)
    treated, outcome = _check(score, treated, outcome, "score")
    order = np.argsort(-score, kind="stable")
    t, y = treated[order], outcome[order]
    n_t, n_c = np.cumsum(t), np.cumsum(~t)
    y_t, y_c = np.cumsum(np.where(t, y, 0.0)), np.cumsum(np.where(~t, y, 0.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        qini = np.where(n_c > 0, y_t - y_c * n_t / n_c, 0.0)
    qini = np.concatenate([[0.0], qini])
    share = np.arange(len(qini)) / (len(qini) - 1)
    return pd.DataFrame({"share": share, "qini": qini, "random": share * qini[-1]})


def qini_area(curve: pd.DataFrame) -> float:
    """Return the area between a Qini curve and random targeting (trapezoids over the share).

    Positive: the ranking puts the customers the campaign changes first.
    """
    gap = (curve["qini"] - curve["random"]).to_numpy()
    width = np.diff(curve["share"].to_numpy())
    return float(np.sum(width * (gap[1:] + gap[:-1]) / 2))


def targeting_value(
    score: pd.Series,
    gain: pd.Series,
    shares: Sequence[float] = (0.1, 0.2, 0.3, 0.5, 0.75, 1.0),
) -> pd.Series:
    """Return the total true gain of contacting the top share of customers by ``score``.

    Parameters
    ----------
    score : pandas.Series
        The ranking, higher first, indexed by customer.
    gain : pandas.Series
        What contacting each customer truly earns (simulated data: e.g. margin on the
        extra spend, minus the discount and the contact), same index.
    shares : sequence of float, default (0.1, 0.2, 0.3, 0.5, 0.75, 1.0)
        Shares of the customers to contact.

    Returns
    -------
    pandas.Series
        Total gain per share, indexed by share.
    """
    if not score.index.equals(gain.index):
        gain = gain.reindex(score.index)
    check_numbers("gain", gain.to_numpy(), "finite (one per scored customer)", np.isfinite)
    ranked = gain.to_numpy()[np.argsort(-score.to_numpy(dtype=float), kind="stable")]
    total = np.concatenate([[0.0], np.cumsum(ranked)])
    return pd.Series(
        {share: float(total[round(share * len(ranked))]) for share in shares}, name="gain"
    )


class SpendModel:
    """What a customer spends in the window *if* they order: a regression of log spend.

    Fitted on the customers who ordered (both groups: the offer changes whether they order
    more than how much), on the log of their spend; the prediction is back-transformed with
    Duan's smearing factor, the mean of exp(residual), so that it estimates the mean spend
    and not the median.

    Parameters
    ----------
    seed : int, default 0
        Random state of the trees.

    Attributes
    ----------
    model_ : sklearn.pipeline.Pipeline
    smearing_ : float
    """

    def __init__(self, *, seed: int = 0):
        self.seed = seed

    def fit(self, features: pd.DataFrame, spend) -> SpendModel:
        """Fit on the customers with a positive spend (the others are left out)."""
        spend = np.asarray(spend, dtype=float)
        ordered = spend > 0
        if ordered.sum() < 10:
            raise ValueError(f"spend: need at least 10 customers who spent, got {ordered.sum()}")
        self.model_ = Pipeline(
            [("prep", feature_pipeline(features)), ("model", _regressor(self.seed))]
        )
        log_spend = np.log(spend[ordered])
        self.model_.fit(features[ordered], log_spend)
        residual = log_spend - self.model_.predict(features[ordered])
        self.smearing_ = float(np.mean(np.exp(residual)))
        return self

    def predict(self, features: pd.DataFrame) -> pd.Series:
        """Return the expected spend of each customer if they order."""
        value = np.exp(self.model_.predict(features)) * self.smearing_
        return pd.Series(value, index=features.index, name="spend_if_ordering")


def cross_fitted_scores(
    features: pd.DataFrame,
    treated,
    responded,
    spend,
    *,
    margin_rate: float,
    discount: float = 0.0,
    contact_cost: float = 0.0,
    folds: int = 2,
    seed: int = 0,
) -> pd.DataFrame:
    """Score every customer of a randomised test with models that did not see them.

    The customers are split at random into ``folds`` parts; each part is scored by models
    fitted on the others, so that a score is never judged on the data it was fitted to.

    Parameters
    ----------
    features : pandas.DataFrame
        One row per customer of the test, before it.
    treated, responded : array-like of bool
        The group (True: contacted) and whether the customer ordered in the window.
    spend : array-like
        What they spent in the window.
    margin_rate, discount, contact_cost : float
        The economics of :func:`helpers.experiment_readout.campaign_gain`.
    folds : int, default 2
        Number of parts.
    seed : int, default 0
        Seed of the split and of the models.

    Returns
    -------
    pandas.DataFrame
        Indexed as ``features``: ``p_with`` and ``p_without`` (the chance of ordering with
        and without the contact, :class:`TwoModelUplift` on ``responded``), ``uplift``
        (their difference), ``spend_if_ordering`` (:class:`SpendModel`) and
        ``expected_margin``: ``campaign_gain(p_with x value, p_without x value, ...)``, the
        margin the contact is expected to add after the discount and its cost.
    """
    treated, outcome = _check(features, treated, np.asarray(responded, dtype=float))
    spend = np.asarray(spend, dtype=float)
    if folds < 2:
        raise ValueError(f"folds must be at least 2, got {folds}")
    part = np.random.default_rng(seed).permutation(len(features)) % folds
    out = pd.DataFrame(index=features.index, columns=["p_with", "p_without"], dtype=float)
    value = pd.Series(np.nan, index=features.index)
    for k in range(folds):
        fit, score = part != k, part == k
        both = TwoModelUplift(seed=seed).fit(features[fit], treated[fit], outcome[fit])
        predicted = both.predict_outcomes(features[score])
        out.loc[score, "p_with"] = predicted["with"].to_numpy()
        out.loc[score, "p_without"] = predicted["without"].to_numpy()
        spender = SpendModel(seed=seed).fit(features[fit], spend[fit])
        value[score] = spender.predict(features[score]).to_numpy()
    out["uplift"] = out["p_with"] - out["p_without"]
    out["spend_if_ordering"] = value
    out["expected_margin"] = campaign_gain(
        out["p_with"] * value,
        out["p_without"] * value,
        margin_rate=margin_rate,
        discount=discount,
        contact_cost=contact_cost,
    )
    return out

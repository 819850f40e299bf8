"""Tests of helpers.churn_models: the recency rule by hand, the models on simulated data."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from helpers import churn_metrics, churn_models
from helpers.checks import DataWarning


def test_recency_rule_by_hand():
    X = pd.DataFrame({"recency": [10, 20, 30, 40, 50]})
    y = [False, False, True, False, True]
    rule = churn_models.RecencyRule().fit(X, y)
    # Youden's J = TPR - FPR above t: t=10: 1 - 2/3; t=20: 1 - 1/3 (best); t=30: 1/2 - 1/3;
    # t=40: 1/2 - 0; t=50: 0
    assert rule.threshold_ == 20
    # churn rate at or below 20: 0/2; above: 2/3
    np.testing.assert_allclose(
        rule.predict_proba(pd.DataFrame({"recency": [5, 25]}))[:, 1], [0, 2 / 3]
    )
    assert rule.predict(pd.DataFrame({"recency": [20, 21]})).tolist() == [False, True]
    fixed = churn_models.RecencyRule(threshold=35).fit(X, y)
    assert fixed.threshold_ == 35 and fixed.rates_.tolist() == [pytest.approx(1 / 3), 0.5]


def test_recency_rule_names_a_missing_column():
    with pytest.raises(ValueError, match="'recency' is required"):
        churn_models.RecencyRule().fit(pd.DataFrame({"r": [1, 2]}), [True, False])


def test_models_are_pipelines_that_fit():
    rng = np.random.default_rng(0)
    n = 400
    X = pd.DataFrame(
        {
            "recency": rng.integers(0, 300, n).astype(float),
            "frequency": rng.integers(1, 10, n).astype(float),
            "region": rng.choice(["North", "South"], n),
        }
    )
    y = X["recency"] + rng.normal(0, 50, n) > 150
    models = churn_models.make_models(X, seed=0)
    assert tuple(models) == churn_models.MODEL_NAMES
    table, scores = churn_metrics.compare_models(models, X[:300], y[:300], X[300:], y[300:])
    assert (table["roc_auc"] > 0.75).all()
    assert all(len(s) == 100 for s in scores.values())
    importance = churn_metrics.importance_table(models["logistic regression"], X[300:], y[300:])
    assert importance.index[0] == "recency"
    cv, oof = churn_metrics.cross_validate_models(
        {"lr": churn_models.make_models(X)["logistic regression"]}, X, y, n_splits=3
    )
    assert cv.loc["lr", "roc_auc"] > 0.75 and len(oof["lr"]) == n
    calibration = churn_metrics.calibration_table(y, oof["lr"], n_bins=4)
    assert len(calibration) == 4 and calibration["observed"].between(0, 1).all()


def test_a_feature_every_customer_shares_is_left_out_of_every_model_with_one_note():
    rng = np.random.default_rng(1)
    n = 200
    X = pd.DataFrame(
        {
            "recency": rng.integers(0, 300, n).astype(float),
            "return_rate": 0.0,  # a shop without returns
            "region": rng.choice(["North", "South"], n),
        }
    )
    y = X["recency"] > 150
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        models = churn_models.make_models(X, seed=0)
    notes = [str(w.message) for w in caught if issubclass(w.category, DataWarning)]
    assert notes == ["return_rate dropped: every customer has 0 (no returns in the data)"]
    for model in models.values():
        model.fit(X, y)
        used = [c for _, _, cols in model.named_steps["prep"].transformers for c in cols]
        assert used == ["recency", "region"]
    # recency alone decides y: the tree splits at 150 and is right on every training row
    assert (models["decision tree"].predict(X) == y).all()


def test_recalibration_recovers_a_known_distortion():
    from helpers.churn_models import LogisticRecalibration

    rng = np.random.default_rng(3)
    true_p = rng.uniform(0.02, 0.98, 20_000)
    churned = rng.random(true_p.size) < true_p
    # an over-confident model that also predicts too much churn: logit(s) = (logit(p) + 1) / 0.5
    logit = np.log(true_p / (1 - true_p))
    scores = 1 / (1 + np.exp(-(logit + 1) / 0.5))
    fitted = LogisticRecalibration().fit(scores, churned)
    # the inverse map: logit(p) = 0.5 logit(s) - 1
    assert fitted.slope_ == pytest.approx(0.5, abs=0.03)
    assert fitted.intercept_ == pytest.approx(-1.0, abs=0.06)
    assert np.abs(fitted.transform(scores) - true_p).max() < 0.03
    assert fitted.n_ == true_p.size


def test_recalibration_errors():
    from helpers.churn_models import LogisticRecalibration

    with pytest.raises(ValueError, match="both outcomes"):
        LogisticRecalibration().fit([0.2, 0.4], [True, True])
    with pytest.raises(ValueError, match=r"probabilities in \[0, 1\].*1.5"):
        LogisticRecalibration().fit([0.2, 1.5], [True, False])
    with pytest.raises(ValueError, match="call fit"):
        LogisticRecalibration().transform([0.5])

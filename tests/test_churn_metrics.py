"""Tests of helpers.churn_metrics: lift, capture, ROC-AUC and Brier score worked out by hand."""

from __future__ import annotations

import numpy as np
import pytest

from helpers import churn_metrics


def test_lift_and_capture_by_hand():
    y = [1, 0, 1, 0, 0, 0, 0, 0, 1, 0]  # 3 churners in 10: rate 0.3
    score = [0.9, 0.8, 0.7, 0.1, 0.2, 0.3, 0.1, 0.2, 0.05, 0.0]
    # top 20% = 2 customers (rows 0, 1): 1 churner -> rate 0.5, lift 0.5 / 0.3, capture 1/3
    lift, capture = churn_metrics.top_share(y, score, 0.2)
    assert lift == pytest.approx(5 / 3) and capture == pytest.approx(1 / 3)
    # top 25% = ceil(2.5) = 3 customers (rows 0, 1, 2): 2 churners -> 2/3 / 0.3, capture 2/3
    lift, capture = churn_metrics.top_share(y, score, 0.25)
    assert lift == pytest.approx((2 / 3) / 0.3) and capture == pytest.approx(2 / 3)
    metrics = churn_metrics.churn_metrics(y, score, share=0.2)
    # Brier: mean of (score - y)^2
    brier = np.mean((np.array(score) - np.array(y)) ** 2)
    assert metrics["brier"] == pytest.approx(brier)
    assert metrics["lift"] == pytest.approx(5 / 3)
    # ROC-AUC: of the 3 x 7 churner/stayer pairs, the churner scores higher in 14 (no ties):
    # 0.9 beats all 7, 0.7 beats 6 (not 0.8), 0.05 beats only 0.0
    assert metrics["roc_auc"] == pytest.approx((7 + 6 + 1) / 21)


def test_metrics_reject_bad_input():
    with pytest.raises(ValueError, match="same length"):
        churn_metrics.churn_metrics([True, False], [0.5])
    with pytest.raises(ValueError, match="share must be in"):
        churn_metrics.top_share([True, False], [0.5, 0.1], 0)
    with pytest.raises(ValueError, match="no churner"):
        churn_metrics.top_share([False, False], [0.5, 0.1])

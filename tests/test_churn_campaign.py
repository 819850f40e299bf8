"""Tests of helpers.churn_campaign: expected values and the best campaign by hand."""

from __future__ import annotations

import pandas as pd
import pytest

from helpers import churn_campaign


def test_campaign_choice_by_hand():
    p = pd.Series([0.8, 0.5, 0.1, 0.9], index=["a", "b", "c", "d"])
    value = pd.Series([100.0, 50.0, 200.0, 10.0], index=["a", "b", "c", "d"])
    table = churn_campaign.retention_campaign(p, value, save_rate=0.5, offer_cost=5.0)
    # expected value = p * value * 0.5 - 5: a 35, b 7.5, c 5, d -0.5
    assert list(table.index) == ["a", "b", "c", "d"]
    assert table["expected_value"].tolist() == pytest.approx([35, 7.5, 5, -0.5])
    assert table["cumulative_value"].tolist() == pytest.approx([35, 42.5, 47.5, 47.0])
    assert table.attrs["size"] == 3 and table.attrs["value"] == pytest.approx(47.5)
    assert table["contact"].tolist() == [True, True, True, False]
    # an offer dearer than anything it can save: no campaign
    none = churn_campaign.retention_campaign(p, value, save_rate=0.5, offer_cost=50.0)
    assert none.attrs["size"] == 0 and none.attrs["value"] == 0.0


def test_campaign_rejects_bad_input():
    p = pd.Series([0.8, 1.2], index=["a", "b"])
    with pytest.raises(ValueError, match=r"p_churn must be in \[0, 1\].*1.2 for index 'b'"):
        churn_campaign.retention_campaign(p, 10.0, save_rate=0.5, offer_cost=1.0)
    with pytest.raises(ValueError, match="save_rate"):
        churn_campaign.retention_campaign(p.clip(upper=1), 10.0, save_rate=0, offer_cost=1.0)
    with pytest.raises(ValueError, match="value must be >= 0"):
        churn_campaign.retention_campaign(
            p.clip(upper=1), pd.Series([1.0], index=["a"]), save_rate=0.5, offer_cost=1.0
        )


def test_value_at_risk_by_hand():
    features = pd.DataFrame({"monetary": [365.0, 100.0], "tenure": [365.0, 10.0]})
    # 1 per day over a year -> 90 in 90 days; a new customer: 100 over max(10, 90) days
    assert churn_campaign.value_at_risk(features, 90).tolist() == pytest.approx([90.0, 100.0])


def test_value_at_risk_names_a_missing_column():
    with pytest.raises(ValueError, match="'tenure' is required"):
        churn_campaign.value_at_risk(pd.DataFrame({"monetary": [1.0]}), 90)

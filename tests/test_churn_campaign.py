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


def test_discount_offer_cost_makes_the_expected_value_the_incremental_margin():
    from helpers.experiment_readout import campaign_gain

    p = pd.Series({"a": 0.8, "b": 0.2})
    basket = pd.Series({"a": 50.0, "b": 40.0})
    cost = churn_campaign.discount_offer_cost(
        p, basket, discount=0.1, save_rate=0.25, contact_cost=0.1
    )
    # a: 0.1 x 50 x (1 - 0.8 x 0.75) + 0.1 = 2.1; b: 0.1 x 40 x (1 - 0.15) + 0.1 = 3.5
    assert cost.to_dict() == pytest.approx({"a": 2.1, "b": 3.5})
    # with a margin at risk of 0.4 x 500: the campaign's value is campaign_gain's
    spend = pd.Series({"a": 500.0, "b": 500.0})
    table = churn_campaign.retention_campaign(p, spend * 0.4, save_rate=0.25, offer_cost=cost)
    staying = 1 - p + p * 0.25
    gain = campaign_gain(
        staying * spend,
        (1 - p) * spend,
        margin_rate=0.4,
        discount=0.1,
        contact_cost=0.1,
        discounted_spend=staying * basket,
    )
    assert table["expected_value"].to_dict() == pytest.approx(dict(zip(p.index, gain, strict=True)))
    with pytest.raises(ValueError, match="offer_cost"):
        churn_campaign.retention_campaign(p, spend, save_rate=0.25, offer_cost=-cost)

"""helpers.campaigns: campaign lists. Expected values by hand."""

from __future__ import annotations

import pandas as pd
import pytest

from helpers import campaigns
from helpers.campaigns import CAMPAIGN_COLUMNS
from helpers.checks import DataWarning


def test_retention_list_keeps_positive_expected_profit_only():
    p = pd.Series({"a": 0.8, "b": 0.5, "c": 0.9})
    value = pd.Series({"a": 100.0, "b": 20.0, "c": 10.0})
    out = campaigns.retention_list(p, value, save_rate=0.5, offer_cost=5.0)
    # a: 0.8*100*0.5-5 = 35; b: 0.5*20*0.5-5 = 0 (not positive); c: 0.9*10*0.5-5 = -0.5
    assert list(out["customer_id"]) == ["a"]
    assert out.loc[0, "expected_value"] == pytest.approx(35.0)
    assert list(out.columns[:5]) == list(CAMPAIGN_COLUMNS)
    assert "0.80 x value at risk £100" in out.loc[0, "reason"]
    assert out.attrs["candidates"] == 3 and out.attrs["value"] == pytest.approx(35.0)
    # a cost per customer (a discount on the next order): a 0.8*100*0.5-50 = -10;
    # b 0.5*20*0.5-1 = 4; c 0.9*10*0.5-1.5 = 3
    costs = pd.Series({"a": 50.0, "b": 1.0, "c": 1.5})
    out = campaigns.retention_list(p, value, save_rate=0.5, offer_cost=costs)
    assert list(out["customer_id"]) == ["b", "c"]
    assert out["expected_value"].tolist() == pytest.approx([4.0, 3.0])
    assert "- offer £1.50 = £3.00" in out.loc[1, "reason"]
    assert out["offer_cost"].tolist() == [1.0, 1.5]


def _recommendations() -> pd.DataFrame:
    # the contract of chapter 10's recommenders: customer_id, rank, product_id, score
    return pd.DataFrame(
        {
            "customer_id": ["c1", "c1", "c1", "c1", "c2", "c3"],
            "rank": [1, 2, 3, 4, 1, 1],
            "product_id": ["P1", "P2", "P3", "P4", "P2", "P1"],
            "score": [0.9, 0.5, 0.4, 0.3, 0.7, 0.2],
        }
    )


def test_cross_sell_list_from_a_hand_built_recommendation_table():
    products = pd.DataFrame(
        {
            "product_id": ["P1", "P2", "P3", "P4"],
            "description": ["MUG", "=CUP", "BOWL", "PLATE"],
            "unit_price": [10.0, 4.0, 6.0, 100.0],
            "unit_cost": [6.0, 3.0, 5.0, 50.0],
        }
    )
    out = campaigns.cross_sell_list(
        _recommendations(),
        products,
        customers=["c1", "c2"],
        n_products=3,
        take_rate=0.1,
        contact_cost=0.5,
    )
    # c1: margins 4 + 1 + 1 = 6 (P4, rank 4, is not offered) -> 0.1*6 - 0.5 = 0.1
    # c2: margin 1 -> 0.1 - 0.5 < 0: not listed; c3 not a target
    assert list(out["customer_id"]) == ["c1"]
    assert out.loc[0, "expected_value"] == pytest.approx(0.1)
    assert out.loc[0, "offer"] == "MUG / =CUP / BOWL"
    assert out.loc[0, "product_ids"] == "P1;P2;P3"
    assert out.loc[0, "action"] == "cross-sell"
    assert "unit margins £6.00 - contact £0.50" in out.loc[0, "reason"]


def test_cross_sell_list_with_a_margin_rate_and_bad_input():
    prices = pd.DataFrame({"product_id": ["P1", "P2"], "unit_price": [10.0, 4.0]})
    out = campaigns.cross_sell_list(
        _recommendations().query("product_id != 'P3' and product_id != 'P4'"),
        prices,
        margin_rate=0.5,
        take_rate=0.1,
    )
    # c1: (5 + 2) * 0.1 = 0.7; c2: 2 * 0.1 = 0.2; c3: 5 * 0.1 = 0.5
    assert out.set_index("customer_id")["expected_value"].round(6).to_dict() == {
        "c1": 0.7,
        "c3": 0.5,
        "c2": 0.2,
    }
    with pytest.raises(ValueError, match="product 'P3' is not in products"):
        campaigns.cross_sell_list(_recommendations(), prices, margin_rate=0.5)
    with pytest.raises(ValueError, match="pass margin_rate"):
        campaigns.cross_sell_list(_recommendations(), prices)
    with pytest.raises(ValueError, match="column 'score' is required"):
        campaigns.cross_sell_list(_recommendations().drop(columns="score"), prices)


def test_expansion_list_ranks_candidates_by_resemblance_to_the_top_tier():
    # top-tier customers have large baskets; two candidates, one with a large basket
    features = pd.DataFrame(
        {"monetary_avg": [100, 120, 110, 10, 12, 8, 11, 105, 9]},
        index=[f"k{i}" for i in range(9)],
        dtype=float,
    )
    top = pd.Series([True, True, True, False, False, False, False, False, False], features.index)
    out = campaigns.expansion_list(
        features, top, ["k7", "k8"], target_value=1000.0, develop_rate=0.1, contact_cost=1.0
    )
    assert out.loc[0, "customer_id"] == "k7"
    assert out.loc[0, "lookalike_score"] > 0.5
    expected = out.loc[0, "lookalike_score"] * 0.1 * 1000 - 1
    assert out.loc[0, "expected_value"] == pytest.approx(expected)
    assert (out["expected_value"] > 0).all()
    with pytest.raises(ValueError, match="must include top-tier and other"):
        campaigns.expansion_list(features, top | True, ["k7"], target_value=1.0)


def test_expansion_list_leaves_out_a_feature_the_established_customers_share():
    features = pd.DataFrame(
        {
            "monetary_avg": [100, 120, 110, 10, 12, 8, 11, 105, 9],
            "return_rate": 0.0,  # no returns in the data
            "age": float("nan"),  # no birth dates
        },
        index=[f"k{i}" for i in range(9)],
        dtype=float,
    )
    top = pd.Series([True] * 3 + [False] * 6, features.index)
    with pytest.warns(DataWarning) as caught:
        out = campaigns.expansion_list(features, top, ["k7", "k8"], target_value=1000.0)
    notes = [
        "return_rate dropped: every customer has 0 (no returns in the data)",
        "age dropped: missing for every customer",
    ]
    assert [str(w.message) for w in caught] == notes
    assert out.attrs["notes"] == notes and out.attrs["features"] == ["monetary_avg"]
    assert out.loc[0, "customer_id"] == "k7"  # as with monetary_avg alone
    # no usable feature left: an error that names each and why
    with pytest.raises(ValueError, match="no look-alike feature.*return_rate dropped"):
        campaigns.expansion_list(
            features, top, ["k7"], target_value=1.0, columns=["return_rate", "age"]
        )


def test_expansion_list_without_candidates_or_target_value():
    features = pd.DataFrame({"monetary_avg": [100.0, 10.0]}, index=["a", "b"])
    top = pd.Series([True, True], features.index)  # all top: nobody to learn from, but ...
    with pytest.warns(DataWarning, match="no new or barely active customer"):
        out = campaigns.expansion_list(features, top, [], target_value=100.0)
    assert out.empty and list(out.columns) == [*CAMPAIGN_COLUMNS, "lookalike_score"]
    assert out.attrs["notes"] == ["expansion list empty: no new or barely active customer to score"]
    with pytest.raises(ValueError, match=r"target_value is missing \(NaN\)"):
        campaigns.expansion_list(features, top, ["b"], target_value=float("nan"))

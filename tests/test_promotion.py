"""helpers.promotion: break-even lift, elasticity, product choice, depth and duration."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from helpers import promotion


def test_break_even_lift_by_hand():
    # 10% off a 40% margin: 0.10 / 0.30 = 33.3%
    assert promotion.break_even_lift(0.10, 0.40) == pytest.approx(1 / 3)
    assert promotion.break_even_lift(0.20, 0.40) == pytest.approx(1.0)
    assert promotion.break_even_lift(0.10, 0.25) == pytest.approx(0.10 / 0.15)
    # a discount as deep as the margin can never break even
    assert math.isinf(promotion.break_even_lift(0.40, 0.40))
    np.testing.assert_allclose(promotion.break_even_lift(np.array([0.1, 0.2]), 0.5), [0.25, 2 / 3])
    with pytest.raises(ValueError, match="depth must be strictly between 0 and 1"):
        promotion.break_even_lift(0.0, 0.4)
    with pytest.raises(ValueError, match="margin must be in"):
        promotion.break_even_lift(0.1, 1.5)


def test_elasticity_lift_by_hand():
    # 20% off at elasticity 2: 0.8 ** -2 - 1 = 0.5625
    assert promotion.elasticity_lift(0.2, 2.0) == pytest.approx(0.5625)
    assert promotion.elasticity_lift(0.2, 0.0) == 0.0


def _products() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "product_id": ["A", "B", "C", "D", "E"],
            "unit_price": [10.0, 10.0, 10.0, 10.0, 10.0],
            "unit_cost": [5.0, 5.0, 8.0, 5.0, 5.0],
            "stock_on_hand": [1000, 20, 1000, 1000, 300],
        }
    )


def test_candidates_by_stock_velocity_and_margin():
    velocity = pd.Series({"A": 1.0, "B": 1.0, "C": 1.0, "E": 1.0})  # D does not sell
    out = promotion.promotion_candidates(
        _products(), velocity, min_cover_days=120, min_margin=0.35, n=1
    )
    why = out["why"].to_dict()
    assert why["A"] == "selected"  # 1000 days of cover, 50% margin, largest excess
    assert why["B"] == "stock lasts 120 days or less"
    assert why["C"] == "margin below 35%"
    assert why["D"] == "no sales in the window"
    assert why["E"] == "candidate, not in the top n"  # 300 days, excess 180 < A's 880
    assert out.loc["A", "excess_stock_value"] == pytest.approx((1000 - 120) * 5)
    assert list(out.index[:1]) == ["A"]


def test_promotion_effect_and_stock_cap_by_hand():
    candidates = pd.DataFrame(
        {"unit_price": [10.0], "unit_cost": [6.0], "stock_on_hand": [15.0], "velocity": [1.0]},
        index=["A"],
    )
    # 10 days at 10% off, elasticity 2: lift 0.9**-2 - 1 = 0.2346; baseline 10 units
    effect = promotion.promotion_effect(candidates, 0.1, 10, 2.0).loc["A"]
    assert effect["break_even_lift"] == pytest.approx(0.1 / 0.3)
    assert effect["promo_units"] == pytest.approx(10 * 0.9**-2)
    # 12.35 units x (9 - 6) - 10 x 4 = -2.96: the lift is below break-even, a loss
    assert effect["profit_effect"] == pytest.approx(10 * 0.9**-2 * 3 - 40)
    # 20 days: the promotion would sell 24.7 units, the stock caps it at 15
    capped = promotion.promotion_effect(candidates, 0.1, 20, 2.0).loc["A"]
    assert capped["promo_units"] == 15 and capped["baseline_units"] == 15


def test_plan_chooses_the_best_depth_and_duration_or_none():
    candidates = pd.DataFrame(
        {
            "unit_price": [10.0],
            "unit_cost": [5.0],
            "stock_on_hand": [1000.0],
            "velocity": [1.0],
            "selected": [True],
        },
        index=["A"],
    )
    # margin 50%, elasticity 2.5: 10% off -> lift 30.1% > 25% break-even; 20% -> 74.7% > 66.7%;
    # 30% -> 144% < 150%. Per day: 10%: 1.301*4 - 5 = 0.204; 20%: 1.747*3 - 5 = 0.241
    plan = promotion.plan_promotion(
        candidates, depths=(0.1, 0.2, 0.3), durations=(7, 14), elasticity=2.5
    )
    assert plan.attrs["best"] == (0.2, 14)
    assert plan.loc[0, "profit_effect"] == pytest.approx(14 * (0.8**-2.5 * 3 - 5))
    listed = promotion.promotion_list(candidates, 0.2, 14, 2.5)
    assert listed.loc[0, "offer"] == "20% off for 14 days"
    assert listed.loc[0, "expected_value"] == pytest.approx(plan.loc[0, "profit_effect"])
    # elasticity 1: no discount pays
    assert promotion.plan_promotion(candidates, elasticity=1.0).attrs["best"] is None


def test_sales_velocity():
    lines = pd.DataFrame(
        {
            "product_id": ["A", "A", "B", "B"],
            "quantity": [10, 20, 5, 7],
            "invoice_date": pd.to_datetime(
                ["2024-12-01", "2024-12-31", "2024-09-01", "2025-01-01"]
            ),
        }
    )
    v = promotion.sales_velocity(lines, "2025-01-01", 30)
    # A: 30 units in 30 days; B: both lines outside [2024-12-02, 2025-01-01)
    assert v.to_dict() == {"A": pytest.approx(20 / 30)}

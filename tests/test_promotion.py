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


def test_promotion_lift_has_the_elasticity_as_slope_and_a_ceiling():
    # 20% off, elasticity 2.5, ceiling 1: 1 - exp(-0.5) = 0.3935
    assert promotion.promotion_lift(0.2, 2.5, 1.0) == pytest.approx(1 - math.exp(-0.5))
    # small discounts: 1% off sells about e% more
    assert promotion.promotion_lift(0.001, 2.5, 1.0) == pytest.approx(0.0025, rel=2e-3)
    # diminishing returns: the second 10 points add less than the first, never past the ceiling
    lifts = promotion.promotion_lift(np.array([0.1, 0.2, 0.9]), 4.0, 1.5)
    assert lifts[1] - lifts[0] < lifts[0] and lifts[2] < 1.5
    with pytest.raises(ValueError, match="max_lift"):
        promotion.promotion_lift(0.1, 2.0, 0.0)


def test_lift_days_by_hand():
    # the lift halves every 7 days: 7 days add 7 / ln 2 x (1 - 1/2) = 5.05 days of lift
    assert promotion.lift_days(7, 7) == pytest.approx(7 / math.log(2) / 2)
    assert promotion.lift_days(0, 7) == 0.0
    # however long, never more than h / ln 2
    assert promotion.lift_days(10_000, 7) == pytest.approx(7 / math.log(2))


def test_best_duration_by_hand_and_by_search():
    # margin 50%, 10% off: break-even 25%; elasticity 4, ceiling 1.5: lift 1.5 (1 - e^-(4/15))
    lift = 1.5 * (1 - math.exp(-0.4 / 1.5))
    assert promotion.best_duration(0.1, 0.5, 4.0, max_lift=1.5, half_life_days=14) == (
        pytest.approx(14 * math.log2(lift / 0.25))
    )
    # below break-even on the first day: no duration pays
    assert promotion.best_duration(0.3, 0.5, 4.0, max_lift=1.5, half_life_days=14) == 0.0
    # the formula agrees with a search over whole days (stock never binds here)
    candidates = pd.DataFrame(
        {"unit_price": [10.0], "unit_cost": [5.0], "stock_on_hand": [1e9], "velocity": [3.0]},
        index=["A"],
    )
    effects = {
        d: promotion.promotion_effect(
            candidates, 0.1, d, 4.0, max_lift=1.5, half_life_days=140
        ).loc["A", "profit_effect"]
        for d in range(1, 200)
    }
    best = max(effects, key=effects.get)
    expected = promotion.best_duration(0.1, 0.5, 4.0, max_lift=1.5, half_life_days=140)
    assert abs(best - expected) <= 1
    assert effects[199] < effects[best]  # longer is not better


def test_promotion_effect_and_stock_cap_by_hand():
    candidates = pd.DataFrame(
        {"unit_price": [10.0], "unit_cost": [6.0], "stock_on_hand": [15.0], "velocity": [1.0]},
        index=["A"],
    )
    # 10 days at 10% off, elasticity 2, ceiling 1: first-day lift 1 - e^-0.2 = 0.1813;
    # half-life 10 days: 10 / ln 2 x (1 - 2^-1) = 7.213 days of lift; baseline 10 units
    effect = promotion.promotion_effect(
        candidates, 0.1, 10, 2.0, max_lift=1.0, half_life_days=10
    ).loc["A"]
    extra = (1 - math.exp(-0.2)) * 10 / math.log(2) * 0.5
    assert effect["break_even_lift"] == pytest.approx(0.1 / 0.3)
    assert effect["promo_units"] == pytest.approx(10 + extra)
    assert effect["average_lift"] == pytest.approx(extra / 10)
    # (10 + 1.31) units x (9 - 6) - 10 x 4 = -6.08: the lift is below break-even, a loss
    assert effect["profit_effect"] == pytest.approx((10 + extra) * 3 - 40)
    # 20 days: both would sell more than the 15 units in stock
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
    # margin 50%, elasticity 4, ceiling 1.5, half-life 14: 10% off lifts 35.1% (break-even
    # 25%), best after 14 log2(1.404) = 6.9 days; 20% off lifts 62.0% < 66.7%: never pays
    plan = promotion.plan_promotion(
        candidates, depths=(0.1, 0.2), durations=(7, 14, 28), elasticity=4.0
    )
    assert plan.attrs["best"] == (0.1, 7)
    lift = 1.5 * (1 - math.exp(-0.4 / 1.5))
    days = 14 / math.log(2) * (1 - 2 ** (-7 / 14))
    assert plan.loc[0, "profit_effect"] == pytest.approx((7 + lift * days) * 4 - 7 * 5)
    assert plan.set_index(["depth", "duration_days"]).loc[(0.2, 7), "profit_effect"] == 0
    listed = promotion.promotion_list(candidates, 0.1, 7, 4.0)
    assert listed.loc[0, "offer"] == "10% off for 7 days"
    assert listed.loc[0, "expected_value"] == pytest.approx(plan.loc[0, "profit_effect"])
    assert "nan" not in listed.loc[0, "reason"]
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


def test_plot_promotion_plan_draws_a_line_per_depth_and_marks_the_best():
    import matplotlib

    matplotlib.use("Agg")
    from helpers.plots import plot_break_even, plot_promotion_plan

    candidates = pd.DataFrame(
        {"unit_price": [10.0], "unit_cost": [5.0], "stock_on_hand": [1000.0], "velocity": [1.0]},
        index=["A"],
    )
    plan = promotion.plan_promotion(candidates, depths=(0.1, 0.2), elasticity=4.0)
    ax = plot_promotion_plan(plan)
    assert [line.get_label() for line in ax.get_lines()[:2]] == ["10% off", "20% off"]
    assert ax.get_legend_handles_labels()[1][-1] == "best: 10% off for 7 days"
    assert ax.get_xlabel() and ax.get_ylabel() and ax.get_title()
    ax = plot_break_even(0.5, [2.5, 4.0])
    assert len(ax.get_lines()) == 4  # break-even, two response curves, constant elasticity


def test_threshold_offer_by_hand():
    # orders 10, 40, 45, 50, 80; "spend 50, get 5 off", margin 40%, a band of 20% (40 to 50)
    orders = pd.Series([10.0, 40.0, 45.0, 50.0, 80.0])
    out = promotion.threshold_offer(
        orders, [50.0], 5.0, margin_rate=0.4, stretch=0.5, band=0.2
    ).iloc[0]
    # above: 50 and 80 get 5 off for nothing (10); in the band: 40 and 45, half of them
    # stretch: 0.5 x 0.4 x (10 + 5) = 3 added margin, 0.5 x 2 x 5 = 5 more rewards
    assert out["orders_above"] == 2 and out["orders_in_band"] == 2
    assert out["added_margin"] == pytest.approx(3.0)
    assert out["reward_cost"] == pytest.approx(15.0)
    assert out["gain"] == pytest.approx(-12.0)
    # break-even: s x (0.4 x 15 - 2 x 5) = 2 x 5 has no positive s: each stretch loses
    assert out["break_even_stretch"] == float("inf")
    # a gift worth 5 to the customer that costs the shop 1: 3 - (2 + 1) = 0
    gift = promotion.threshold_offer(
        orders, [50.0], 5.0, margin_rate=0.4, stretch=0.5, band=0.2, reward_cost=1.0
    ).iloc[0]
    assert gift["gain"] == pytest.approx(0.0)
    # s x (6 - 2) = 2 x 1: a stretch of one half breaks even, as the gain of 0 says
    assert gift["break_even_stretch"] == pytest.approx(0.5)
    # a threshold above every order pays nobody and moves the 80 only if it is in the band
    high = promotion.threshold_offer(orders, [100.0], 5.0, margin_rate=0.4, stretch=0.5, band=0.2)
    assert high.loc[0, "orders_above"] == 0 and high.loc[0, "orders_in_band"] == 1
    assert high.loc[0, "gain"] == pytest.approx(0.5 * (0.4 * 20 - 5))
    with pytest.raises(ValueError, match="stretch"):
        promotion.threshold_offer(orders, [50.0], 5.0, margin_rate=0.4, stretch=1.5)


def test_a_products_table_with_other_column_names():
    names = {"product_id": "sku", "unit_price": "price", "unit_cost": "cost",
             "stock_on_hand": "stock"}  # fmt: skip
    columns = {"product_col": "sku", "price_col": "price", "cost_col": "cost",
               "stock_col": "stock"}  # fmt: skip
    velocity = pd.Series({"A": 1.0, "B": 1.0, "C": 1.0, "E": 1.0})
    theirs = promotion.promotion_candidates(
        _products().rename(columns=names), velocity, n=1, **columns
    )
    ours = promotion.promotion_candidates(_products(), velocity, n=1)
    assert theirs.index.name == "sku"
    assert theirs["why"].tolist() == ours["why"].tolist()
    effect_cols = {k: v for k, v in columns.items() if k != "product_col"}
    listed = promotion.promotion_list(theirs, 0.1, 7, promotion.ELASTICITY, **effect_cols)
    assert list(listed.columns[:2]) == ["sku", "action"]
    expected = promotion.promotion_list(ours, 0.1, 7, promotion.ELASTICITY)
    assert listed["sku"].tolist() == expected["product_id"].tolist() == ["A"]
    np.testing.assert_allclose(listed["expected_value"], expected["expected_value"])
    grid = promotion.plan_promotion(theirs, **effect_cols)
    pd.testing.assert_frame_equal(grid, promotion.plan_promotion(ours))

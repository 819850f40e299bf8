"""helpers.value_formulas: every value formula on numbers computed by hand, and its errors."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from helpers import value_formulas as f

# --- income value -------------------------------------------------------------------------------


def test_income_value_is_income_times_capacity():
    assert f.income_value(50_000, 0.4) == pytest.approx(20_000)
    assert f.income_value(np.array([10_000, 0]), np.array([0.5, 0.9])) == pytest.approx([5_000, 0])


def test_income_value_rejects_negative_factors():
    with pytest.raises(ValueError, match="spending_capacity must be >= 0"):
        f.income_value(1_000, -0.2)


# --- simple CLV from averages ------------------------------------------------------------------


def test_expected_lifetime_is_one_over_churn():
    assert f.expected_lifetime(0.2) == pytest.approx(5)
    assert f.expected_lifetime(np.array([0.5, 0.25])) == pytest.approx([2, 4])


def test_naive_clv_counts_the_lifetime_twice():
    # ARPU 100 a year, 20% churn a year: expected lifetime 5 years, correct CLV 100 x 5 = 500
    assert f.simple_clv(100, 0.2) == pytest.approx(500)
    # the tutorial's ARPU / churn x lifetime: 100 / 0.2 x 5 = 2,500 = 100 / 0.2^2
    assert f.naive_clv(100, 0.2, 5) == pytest.approx(2_500)
    assert f.naive_clv(100, 0.2, f.expected_lifetime(0.2)) == pytest.approx(100 / 0.2**2)


def test_simple_clv_with_margin():
    # 30% margin on 100 a year, 20% churn: 0.3 x 100 / 0.2 = 150
    assert f.simple_clv(100, 0.2, margin_rate=0.3) == pytest.approx(150)
    arpu = pd.Series([100.0, 0.0], index=pd.Index(["A", "B"], name="customer_id"))
    clv = f.simple_clv(arpu, 0.5, 0.4)
    assert list(clv.index) == ["A", "B"]
    assert clv.tolist() == pytest.approx([80, 0])


def test_retention_clv_by_hand():
    # m = 100, r = 0.8, d = 0.1: 100 x 0.8 / (1.1 - 0.8) = 80 / 0.3
    assert f.retention_clv(100, 0.8, 0.1) == pytest.approx(266.6666667)
    # the same as the sum of 100 x (0.8 / 1.1)^t over t >= 1 (a geometric series, q = 8/11):
    # 100 x q / (1 - q) = 100 x 8 / 3
    assert f.retention_clv(100, 0.8, 0.1) == pytest.approx(800 / 3)
    # without discounting: 100 x 0.8 / 0.2 = 400 = simple CLV (100 / 0.2 = 500) minus the
    # first, certain period (100): the two timing conventions differ by one period's margin
    assert f.retention_clv(100, 0.8, 0.0) == pytest.approx(400)
    assert f.retention_clv(100, 0.8, 0.0) == pytest.approx(f.simple_clv(100, 0.2) - 100)


def test_retention_clv_is_the_limit_of_the_discounted_sum():
    long = f.discounted_clv(f.projected_profits(100, 0.8, 400), 0.1, period_months=12)
    assert long == pytest.approx(800 / 3)


@pytest.mark.parametrize("churn", [0, 1, 1.2, -0.1, np.nan])
def test_churn_rate_must_be_strictly_between_0_and_1(churn):
    with pytest.raises(ValueError, match="churn_rate must be strictly between 0 and 1"):
        f.simple_clv(100, churn)
    with pytest.raises(ValueError, match="churn_rate must be strictly between 0 and 1"):
        f.naive_clv(100, churn, 5)


def test_formula_errors_name_the_argument_the_rule_and_an_example():
    with pytest.raises(ValueError, match=r"retention_rate must be strictly between 0 and 1"):
        f.retention_clv(100, 1.0, 0.1)
    with pytest.raises(ValueError, match=r"discount_rate must be between 0 and 1.*got -0.05"):
        f.retention_clv(100, 0.8, -0.05)
    with pytest.raises(ValueError, match=r"arpu must be >= 0; got -1.0"):
        f.simple_clv(-1, 0.2)
    with pytest.raises(ValueError, match=r"margin_rate must be a share in \(0, 1\]"):
        f.simple_clv(100, 0.2, margin_rate=0)
    with pytest.raises(ValueError, match=r"lifetime must be > 0"):
        f.naive_clv(100, 0.2, 0)
    # arrays: how many offend, and the first one with its position / customer
    with pytest.raises(ValueError, match=r"1 value\(s\) are not, e.g. 0.0 at position 1"):
        f.simple_clv(np.array([100, 100]), np.array([0.2, 0.0]))
    churn = pd.Series([0.2, 1.0], index=pd.Index(["A", "B"], name="customer_id"))
    with pytest.raises(ValueError, match=r"e.g. 1.0 for customer_id 'B'"):
        f.simple_clv(100, churn)
    with pytest.raises(ValueError, match="arpu must be numeric"):
        f.simple_clv("a lot", 0.2)


# --- discounted CLV -----------------------------------------------------------------------------


def test_discounted_clv_by_hand():
    # two yearly profits of 100 at 10% a year: 100 / 1.1 + 100 / 1.21 = 90.909 + 82.645
    assert f.discounted_clv([100, 100], 0.1) == pytest.approx(173.553719)
    assert f.discounted_clv([100, 100], 0.0) == pytest.approx(200)


def test_discounted_clv_period_unit_is_explicit():
    # 10% a year is sqrt(1.1) - 1 = 4.88% per half-year, not 5%
    assert f.period_discount_rate(0.1, 6) == pytest.approx(math.sqrt(1.1) - 1)
    assert f.period_discount_rate(0.1, 12) == pytest.approx(0.1)
    # twelve monthly profits of 100: month t is discounted by 1.1^(t/12)
    expected = sum(100 / 1.1 ** (t / 12) for t in range(1, 13))
    assert f.discounted_clv([100] * 12, 0.1, period_months=1) == pytest.approx(expected)
    # one profit of 100 at the end of a half-year: 100 / sqrt(1.1)
    assert f.discounted_clv([100], 0.1, period_months=6) == pytest.approx(100 / math.sqrt(1.1))


def test_projected_profits_and_discounted_clv_per_customer():
    # margin 100 and 40 per year, retention 0.5: expected profits 50, 25, 12.5 and 20, 10, 5
    margin = pd.Series([100.0, 40.0], index=pd.Index(["A", "B"], name="customer_id"))
    profits = f.projected_profits(margin, 0.5, 3)
    assert list(profits.columns) == [1, 2, 3]
    assert profits.loc["A"].tolist() == pytest.approx([50, 25, 12.5])
    clv = f.discounted_clv(profits, 0.0)
    assert clv.to_dict() == pytest.approx({"A": 87.5, "B": 35})
    assert f.projected_profits(100, 0.5, 2).tolist() == pytest.approx([50, 25])
    rows = f.discounted_clv(np.array([[100, 100], [0, 110]]), 0.1)
    assert rows.tolist() == pytest.approx([173.553719, 90.909091])


def test_discounted_clv_errors():
    with pytest.raises(ValueError, match="discount_rate must be between 0 and 1"):
        f.discounted_clv([100], -0.1)
    with pytest.raises(ValueError, match="at least one period"):
        f.discounted_clv([], 0.1)
    with pytest.raises(ValueError, match="profits must be a finite number"):
        f.discounted_clv([100, np.nan], 0.1)
    with pytest.raises(ValueError, match="horizon must be a whole number"):
        f.projected_profits(100, 0.5, 0)
    with pytest.raises(ValueError, match="period_months must be > 0"):
        f.period_discount_rate(0.1, 0)


# --- LTV / CAC ----------------------------------------------------------------------------------


def test_ltv_cac_ratio_and_payback_by_hand():
    assert f.ltv_cac_ratio(300, 100) == pytest.approx(3)
    assert f.cac_payback_months(120, 10) == pytest.approx(12)
    with pytest.raises(ValueError, match="cac must be > 0; got 0.0"):
        f.ltv_cac_ratio(300, 0)
    with pytest.raises(ValueError, match="monthly_margin must be > 0; got 0.0"):
        f.cac_payback_months(120, 0)
    with pytest.raises(ValueError, match="cac must be >= 0"):
        f.cac_payback_months(-5, 10)


@pytest.mark.parametrize("rate", [-0.01, 1.01, 10, 12.5, np.inf, np.nan])
def test_a_discount_rate_outside_0_to_1_is_refused_everywhere_with_the_typo_hint(rate):
    # one rule for the report (parameter DISCOUNT_RATE) and every formula that discounts
    hint = r"a percentage typed as a whole number: 10% is 0.1"
    with pytest.raises(ValueError, match=r"discount_rate must be between 0 and 1.*" + hint):
        f.discounted_clv([100], rate)
    with pytest.raises(
        ValueError, match=r"discount_rate must be between 0 and 1 \(a share a period"
    ):
        f.retention_clv(100, 0.8, rate)
    with pytest.raises(ValueError, match=r"annual_rate must be between 0 and 1"):
        f.period_discount_rate(rate, 6)


@pytest.mark.parametrize("rate", [0.0, 0.1, 1.0])
def test_the_discount_rate_bounds_are_included(rate):
    f.check_discount_rate(rate)
    assert f.discounted_clv([100], rate) == pytest.approx(100 / (1 + rate))


def test_margin_and_horizon_rules():
    f.check_margin_rate(1.0)
    f.check_horizon_months(0.5)
    for bad in (0, -0.2, 1.2):
        with pytest.raises(ValueError, match=r"parameter MARGIN must be a share in \(0, 1\]"):
            f.check_margin_rate(bad, "parameter MARGIN")
    for bad in (0, -1, np.inf):
        with pytest.raises(ValueError, match=r"horizon_months must be > 0 and finite"):
            f.check_horizon_months(bad)

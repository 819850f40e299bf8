"""helpers.value: every value formula on numbers computed by hand, and its errors."""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from helpers import value as v
from helpers.plots import plot_channel_economics, plot_rank_correlation

DAYS_PER_MONTH = 365.25 / 12


@pytest.fixture
def lines():
    """Four customers' clean order lines (amount = quantity x unit_price).

    A: invoice 1 (P1 2 x 5 + P2 1 x 20 = 30), invoice 2 (P1 4 x 5 = 20), invoice 3 (P2 20)
       -> 3 purchases, revenue 70.
    B: one purchase, invoice 4 (P1 1 x 5 + P3 3 x 2 = 11).
    C: invoice 5 (P3 10 x 2 = 20), invoice 6 (P3 5 x 2 = 10) -> 2 purchases, revenue 30.
    E: one purchase, invoice 7 (P1 2 x 5 = 10).
    """
    rows = [
        ("1", "2024-01-01", "A", "P1", 2, 5.0),
        ("1", "2024-01-01", "A", "P2", 1, 20.0),
        ("2", "2024-03-05", "A", "P1", 4, 5.0),
        ("3", "2024-08-01", "A", "P2", 1, 20.0),
        ("4", "2024-07-15", "B", "P1", 1, 5.0),
        ("4", "2024-07-15", "B", "P3", 3, 2.0),
        ("5", "2024-02-01", "C", "P3", 10, 2.0),
        ("6", "2024-12-31", "C", "P3", 5, 2.0),
        ("7", "2024-03-10", "E", "P1", 2, 5.0),
    ]
    df = pd.DataFrame(
        rows,
        columns=[
            "invoice_id",
            "invoice_date",
            "customer_id",
            "product_id",
            "quantity",
            "unit_price",
        ],
    )
    df["invoice_date"] = pd.to_datetime(df["invoice_date"])
    df["amount"] = df["quantity"] * df["unit_price"]
    return df


@pytest.fixture
def products():
    # unit margins: P1 5 - 3 = 2, P2 20 - 12 = 8, P3 2 - 1.5 = 0.5
    return pd.DataFrame({"product_id": ["P1", "P2", "P3"], "unit_cost": [3.0, 12.0, 1.5]})


@pytest.fixture
def contacts():
    # A: 2 + 3 = 5; C: 1.5; D contacted service but never bought: 4
    return pd.DataFrame(
        {
            "contact_id": ["K1", "K2", "K3", "K4"],
            "customer_id": ["A", "A", "C", "D"],
            "cost": [2.0, 3.0, 1.5, 4.0],
        }
    )


@pytest.fixture
def customers():
    return pd.DataFrame(
        {
            "customer_id": ["A", "B", "C", "D", "E"],
            "annual_income": [50_000.0, 30_000.0, np.nan, 40_000.0, 80_000.0],
            "spending_capacity": [0.4, 0.5, 0.3, 0.25, 0.1],
            "acquisition_channel": ["search", "search", "email", "email", "social"],
            "acquisition_cost": [30.0, 10.0, 5.0, 5.0, 20.0],
            "signup_date": pd.to_datetime(
                ["2024-01-10", "2024-07-15", "2024-02-01", "2024-06-01", "2024-03-10"]
            ),
        }
    )


# --- income model -------------------------------------------------------------------------------


def test_income_value_is_income_times_capacity():
    assert v.income_value(50_000, 0.4) == pytest.approx(20_000)
    assert v.income_value(np.array([10_000, 0]), np.array([0.5, 0.9])) == pytest.approx([5_000, 0])


def test_income_model_per_customer_keeps_missing_income_missing(customers):
    value = v.income_model(customers.iloc[::-1])  # order of rows does not matter
    assert list(value.index) == ["A", "B", "C", "D", "E"]
    assert value.name == "income_value"
    # 50,000 x 0.4; 30,000 x 0.5; unknown; 40,000 x 0.25; 80,000 x 0.1
    assert value["A"] == pytest.approx(20_000)
    assert value["B"] == pytest.approx(15_000)
    assert np.isnan(value["C"])
    assert value["D"] == pytest.approx(10_000)
    assert value["E"] == pytest.approx(8_000)


def test_income_model_rejects_negative_income_and_duplicate_ids(customers):
    bad = customers.assign(annual_income=[50_000.0, -1.0, np.nan, 40_000.0, 80_000.0])
    with pytest.raises(ValueError, match=r"'annual_income' must be >= 0.*'B'"):
        v.income_model(bad)
    with pytest.raises(ValueError, match="spending_capacity must be >= 0"):
        v.income_value(1_000, -0.2)
    with pytest.raises(ValueError, match=r"'customer_id' must be unique"):
        v.income_model(pd.concat([customers, customers.iloc[:1]]))
    with pytest.raises(ValueError, match=r"column 'spending_capacity' is required but missing"):
        v.income_model(customers.drop(columns="spending_capacity"))


# --- purchase-count model -----------------------------------------------------------------------


def test_purchase_summary_counts_invoices_not_lines(lines):
    summary = v.purchase_summary(lines)
    assert list(summary.index) == ["A", "B", "C", "E"]
    assert summary.loc["A", "purchases"] == 3  # 4 lines on 3 invoices
    assert summary.loc["A", "revenue"] == pytest.approx(70)
    assert summary.loc["A", "average_amount"] == pytest.approx(70 / 3)
    assert summary.loc["A", "first_purchase"] == pd.Timestamp("2024-01-01")
    assert summary.loc["A", "last_purchase"] == pd.Timestamp("2024-08-01")


def test_purchase_count_model_is_purchases_times_average(lines):
    model = v.purchase_count_model(lines)
    # A: 3 x 70/3 = 70; B: 1 x 11; C: 2 x 15 = 30; E: 1 x 10
    assert model["value"].to_dict() == pytest.approx({"A": 70, "B": 11, "C": 30, "E": 10})
    # "purchases x total amount" counts purchases twice: A would be 3 x 70 = 210 = 3^2 x 70/3
    double = model["purchases"] * model["value"]
    assert double["A"] == pytest.approx(210)
    assert double["A"] == pytest.approx(model.loc["A", "purchases"] ** 2 * 70 / 3)


def test_a_customer_with_a_single_purchase_is_valued_at_that_purchase(lines):
    model = v.purchase_count_model(lines)
    # B bought once (invoice 4: 5 + 6 = 11): 1 purchase, average 11, value 11
    assert model.loc["B"].to_dict() == pytest.approx(
        {"purchases": 1, "average_amount": 11, "value": 11}
    )


def test_purchase_models_reject_missing_columns_and_unclean_amounts(lines):
    with pytest.raises(ValueError, match=r"column 'amount' is required but missing"):
        v.purchase_count_model(lines.drop(columns="amount"))
    refund = lines.copy()
    refund.loc[3, "amount"] = -20.0
    with pytest.raises(ValueError, match=r"'amount' must be > 0.*1 row\(s\).*row 3"):
        v.purchase_count_model(refund)
    with pytest.raises(ValueError, match="no rows"):
        v.purchase_count_model(lines.iloc[:0])


# --- profit model -------------------------------------------------------------------------------


def test_line_margin_from_product_costs(lines, products):
    margin = v.line_margin(lines, products)
    # 2 x 2, 1 x 8, 4 x 2, 1 x 8, 1 x 2, 3 x 0.5, 10 x 0.5, 5 x 0.5, 2 x 2
    assert margin.tolist() == pytest.approx([4, 8, 8, 8, 2, 1.5, 5, 2.5, 4])


def test_line_margin_from_a_margin_rate(lines):
    margin = v.line_margin(lines, margin_rate=0.25)
    assert margin.tolist() == pytest.approx([2.5, 5, 5, 5, 1.25, 1.5, 5, 2.5, 2.5])


def test_line_margin_errors(lines, products):
    with pytest.raises(ValueError, match="exactly one of products= .* and margin_rate="):
        v.line_margin(lines)
    with pytest.raises(ValueError, match="exactly one"):
        v.line_margin(lines, products, margin_rate=0.3)
    for rate in (0, 1.5, -0.2):
        with pytest.raises(ValueError, match=r"margin_rate must be in \(0, 1\]"):
            v.line_margin(lines, margin_rate=rate)
    with pytest.raises(ValueError, match=r"'product_id' must be a product listed.*'P3'"):
        v.line_margin(lines, products[products["product_id"] != "P3"])
    with pytest.raises(ValueError, match=r"products: column 'unit_cost' must be >= 0"):
        v.line_margin(lines, products.assign(unit_cost=[3.0, -1.0, 1.5]))


def test_cost_to_serve_sums_contacts(contacts):
    cost = v.cost_to_serve(contacts)
    assert cost.to_dict() == pytest.approx({"A": 5.0, "C": 1.5, "D": 4.0})
    cost = v.cost_to_serve(contacts, ["A", "B"])
    assert cost.to_dict() == pytest.approx({"A": 5.0, "B": 0.0})
    with pytest.raises(ValueError, match=r"'cost' must be >= 0.*'K2'"):
        v.cost_to_serve(contacts.assign(cost=[2.0, -3.0, 1.5, 4.0]))


def test_profit_model_is_purchases_times_average_times_margin_minus_cost(lines, products, contacts):
    model = v.profit_model(lines, contacts, products=products)
    # gross margins: A 4 + 8 + 8 + 8 = 28; B 2 + 1.5 = 3.5; C 5 + 2.5 = 7.5; E 4
    # A: 3 x 70/3 x 28/70 - 5 = 23; B: 3.5; C: 7.5 - 1.5 = 6; D: 0 - 4 = -4; E: 4
    assert model["value"].to_dict() == pytest.approx(
        {"A": 23.0, "B": 3.5, "C": 6.0, "D": -4.0, "E": 4.0}
    )
    assert model.loc["A", "margin_rate"] == pytest.approx(0.4)
    assert model.loc["C", "margin_rate"] == pytest.approx(0.25)
    assert model.loc["D", "purchases"] == 0  # contacted service, never bought: kept, negative
    assert np.isnan(model.loc["D", "average_amount"])
    assert model.loc["C", "cost_to_serve"] == pytest.approx(1.5)


def test_profit_model_without_costs_data_uses_the_margin_rate(lines):
    model = v.profit_model(lines, margin_rate=0.3)
    # no contacts: cost to serve 0, value = 0.3 x revenue
    assert model["value"].to_dict() == pytest.approx({"A": 21, "B": 3.3, "C": 9, "E": 3})
    assert (model["cost_to_serve"] == 0).all()


# --- simple CLV from averages ------------------------------------------------------------------


def test_expected_lifetime_is_one_over_churn():
    assert v.expected_lifetime(0.2) == pytest.approx(5)
    assert v.expected_lifetime(np.array([0.5, 0.25])) == pytest.approx([2, 4])


def test_naive_clv_counts_the_lifetime_twice():
    # ARPU 100 a year, 20% churn a year: expected lifetime 5 years, correct CLV 100 x 5 = 500
    assert v.simple_clv(100, 0.2) == pytest.approx(500)
    # the tutorial's ARPU / churn x lifetime: 100 / 0.2 x 5 = 2,500 = 100 / 0.2^2
    assert v.naive_clv(100, 0.2, 5) == pytest.approx(2_500)
    assert v.naive_clv(100, 0.2, v.expected_lifetime(0.2)) == pytest.approx(100 / 0.2**2)


def test_simple_clv_with_margin():
    # 30% margin on 100 a year, 20% churn: 0.3 x 100 / 0.2 = 150
    assert v.simple_clv(100, 0.2, margin_rate=0.3) == pytest.approx(150)
    arpu = pd.Series([100.0, 0.0], index=pd.Index(["A", "B"], name="customer_id"))
    clv = v.simple_clv(arpu, 0.5, 0.4)
    assert list(clv.index) == ["A", "B"]
    assert clv.tolist() == pytest.approx([80, 0])


def test_retention_clv_by_hand():
    # m = 100, r = 0.8, d = 0.1: 100 x 0.8 / (1.1 - 0.8) = 80 / 0.3
    assert v.retention_clv(100, 0.8, 0.1) == pytest.approx(266.6666667)
    # the same as the sum of 100 x (0.8 / 1.1)^t over t >= 1 (a geometric series, q = 8/11):
    # 100 x q / (1 - q) = 100 x 8 / 3
    assert v.retention_clv(100, 0.8, 0.1) == pytest.approx(800 / 3)
    # without discounting: 100 x 0.8 / 0.2 = 400 = simple CLV (100 / 0.2 = 500) minus the
    # first, certain period (100): the two timing conventions differ by one period's margin
    assert v.retention_clv(100, 0.8, 0.0) == pytest.approx(400)
    assert v.retention_clv(100, 0.8, 0.0) == pytest.approx(v.simple_clv(100, 0.2) - 100)


def test_retention_clv_is_the_limit_of_the_discounted_sum():
    long = v.discounted_clv(v.projected_profits(100, 0.8, 400), 0.1, period_months=12)
    assert long == pytest.approx(800 / 3)


@pytest.mark.parametrize("churn", [0, 1, 1.2, -0.1, np.nan])
def test_churn_rate_must_be_strictly_between_0_and_1(churn):
    with pytest.raises(ValueError, match="churn_rate must be strictly between 0 and 1"):
        v.simple_clv(100, churn)
    with pytest.raises(ValueError, match="churn_rate must be strictly between 0 and 1"):
        v.naive_clv(100, churn, 5)


def test_formula_errors_name_the_argument_the_rule_and_an_example():
    with pytest.raises(ValueError, match=r"retention_rate must be strictly between 0 and 1"):
        v.retention_clv(100, 1.0, 0.1)
    with pytest.raises(ValueError, match=r"discount_rate must be >= 0.*got -0.05"):
        v.retention_clv(100, 0.8, -0.05)
    with pytest.raises(ValueError, match=r"arpu must be >= 0; got -1.0"):
        v.simple_clv(-1, 0.2)
    with pytest.raises(ValueError, match=r"margin_rate must be in \(0, 1\]"):
        v.simple_clv(100, 0.2, margin_rate=0)
    with pytest.raises(ValueError, match=r"lifetime must be > 0"):
        v.naive_clv(100, 0.2, 0)
    # arrays: how many offend, and the first one with its position / customer
    with pytest.raises(ValueError, match=r"1 value\(s\) are not, e.g. 0.0 at position 1"):
        v.simple_clv(np.array([100, 100]), np.array([0.2, 0.0]))
    churn = pd.Series([0.2, 1.0], index=pd.Index(["A", "B"], name="customer_id"))
    with pytest.raises(ValueError, match=r"e.g. 1.0 for customer_id 'B'"):
        v.simple_clv(100, churn)
    with pytest.raises(ValueError, match="arpu must be numeric"):
        v.simple_clv("a lot", 0.2)


# --- discounted CLV -----------------------------------------------------------------------------


def test_discounted_clv_by_hand():
    # two yearly profits of 100 at 10% a year: 100 / 1.1 + 100 / 1.21 = 90.909 + 82.645
    assert v.discounted_clv([100, 100], 0.1) == pytest.approx(173.553719)
    assert v.discounted_clv([100, 100], 0.0) == pytest.approx(200)


def test_discounted_clv_period_unit_is_explicit():
    # 10% a year is sqrt(1.1) - 1 = 4.88% per half-year, not 5%
    assert v.period_discount_rate(0.1, 6) == pytest.approx(math.sqrt(1.1) - 1)
    assert v.period_discount_rate(0.1, 12) == pytest.approx(0.1)
    # twelve monthly profits of 100: month t is discounted by 1.1^(t/12)
    expected = sum(100 / 1.1 ** (t / 12) for t in range(1, 13))
    assert v.discounted_clv([100] * 12, 0.1, period_months=1) == pytest.approx(expected)
    # one profit of 100 at the end of a half-year: 100 / sqrt(1.1)
    assert v.discounted_clv([100], 0.1, period_months=6) == pytest.approx(100 / math.sqrt(1.1))


def test_projected_profits_and_discounted_clv_per_customer():
    # margin 100 and 40 per year, retention 0.5: expected profits 50, 25, 12.5 and 20, 10, 5
    margin = pd.Series([100.0, 40.0], index=pd.Index(["A", "B"], name="customer_id"))
    profits = v.projected_profits(margin, 0.5, 3)
    assert list(profits.columns) == [1, 2, 3]
    assert profits.loc["A"].tolist() == pytest.approx([50, 25, 12.5])
    clv = v.discounted_clv(profits, 0.0)
    assert clv.to_dict() == pytest.approx({"A": 87.5, "B": 35})
    assert v.projected_profits(100, 0.5, 2).tolist() == pytest.approx([50, 25])
    rows = v.discounted_clv(np.array([[100, 100], [0, 110]]), 0.1)
    assert rows.tolist() == pytest.approx([173.553719, 90.909091])


def test_discounted_clv_errors():
    with pytest.raises(ValueError, match="discount_rate must be >= 0"):
        v.discounted_clv([100], -0.1)
    with pytest.raises(ValueError, match="at least one period"):
        v.discounted_clv([], 0.1)
    with pytest.raises(ValueError, match="profits must be a finite number"):
        v.discounted_clv([100, np.nan], 0.1)
    with pytest.raises(ValueError, match="horizon must be a whole number"):
        v.projected_profits(100, 0.5, 0)
    with pytest.raises(ValueError, match="period_months must be > 0"):
        v.period_discount_rate(0.1, 0)


# --- periods and retention ----------------------------------------------------------------------


def test_period_values_and_retention_by_hand(lines, products):
    margin = v.line_margin(lines, products)
    # as_of 2025-01-01, 6 months: [2024-01-01, 2024-07-01) and [2024-07-01, 2025-01-01);
    # the next one back would start 2023-07-01, before the first invoice day (2024-01-01)
    table = v.period_values(lines, margin, period_months=6, as_of="2025-01-01")
    assert list(table.columns) == [pd.Timestamp("2024-01-01"), pd.Timestamp("2024-07-01")]
    # A: 4 + 8 + 8 then 8; B: - then 2 + 1.5; C: 5 then 2.5; E: 4 then -
    assert table.loc["A"].tolist() == pytest.approx([20, 8])
    assert table.loc["B"].tolist() == pytest.approx([0, 3.5])
    assert table.loc["C"].tolist() == pytest.approx([5, 2.5])
    assert table.loc["E"].tolist() == pytest.approx([4, 0])
    # bought in the first half: A, C, E; of those A and C bought again: 2 / 3
    retention = v.retention_table(lines, period_months=6, as_of="2025-01-01")
    assert retention.iloc[0].to_dict() == pytest.approx(
        {"active": 3, "retained": 2, "retention": 2 / 3}
    )
    assert v.retention_rate(lines, period_months=6, as_of="2025-01-01") == pytest.approx(2 / 3)


def test_period_values_default_as_of_is_the_day_after_the_last_invoice(lines):
    # last invoice 2024-12-31 -> the last period ends 2025-01-01 (exclusive)
    table = v.period_values(lines, period_months=6)
    assert list(table.columns) == [pd.Timestamp("2024-01-01"), pd.Timestamp("2024-07-01")]
    assert table.loc["A"].tolist() == pytest.approx([50, 20])  # revenue by default
    assert table.attrs["lines_before_first_period"] == 0


def test_period_values_count_the_lines_they_leave_out(lines):
    # as_of 2024-12-15: one whole half-year [2024-06-15, 2024-12-15); the one before would
    # start 2023-12-15, before the data. Left out: invoices 1 (2 lines), 2, 5 and 7 before it,
    # invoice 6 (2024-12-31) after it.
    table = v.period_values(lines, period_months=6, as_of="2024-12-15")
    assert list(table.columns) == [pd.Timestamp("2024-06-15")]
    assert table.attrs["lines_before_first_period"] == 5
    assert table.attrs["lines_after_as_of"] == 1
    assert table["2024-06-15"].to_dict() == pytest.approx({"A": 20, "B": 11, "C": 0, "E": 0})


def test_retention_needs_two_periods_and_a_rate_strictly_between_0_and_1(lines):
    with pytest.raises(ValueError, match="do not hold one whole period"):
        v.period_values(lines, period_months=24)
    with pytest.raises(ValueError, match="needs two whole periods, the data hold 1"):
        v.retention_table(lines, period_months=12, as_of="2025-01-01")
    everyone_back = lines[lines["customer_id"] != "E"]  # A and C both come back: 100%
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        v.retention_rate(everyone_back, period_months=6, as_of="2025-01-01")


# --- LTV / CAC ----------------------------------------------------------------------------------


def test_ltv_cac_ratio_and_payback_by_hand():
    assert v.ltv_cac_ratio(300, 100) == pytest.approx(3)
    assert v.cac_payback_months(120, 10) == pytest.approx(12)
    with pytest.raises(ValueError, match="cac must be > 0; got 0.0"):
        v.ltv_cac_ratio(300, 0)
    with pytest.raises(ValueError, match="monthly_margin must be > 0; got 0.0"):
        v.cac_payback_months(120, 0)
    with pytest.raises(ValueError, match="cac must be >= 0"):
        v.cac_payback_months(-5, 10)


def test_channel_economics_by_hand(customers):
    value = pd.Series({"A": 23.0, "B": 3.5, "C": 6.0, "D": -4.0, "E": 4.0})
    table = v.channel_economics(customers, value, value, as_of="2025-01-01")
    assert list(table.index) == ["email", "search", "social"]
    assert table["customers"].tolist() == [2, 2, 1]
    # search: CAC (30 + 10) / 2 = 20, LTV (23 + 3.5) / 2 = 13.25, ratio 0.6625;
    # months since signup: A 357 days (2024-01-10 to 2025-01-01), B 170 days
    search = table.loc["search"]
    assert search["cac"] == pytest.approx(20)
    assert search["ltv"] == pytest.approx(13.25)
    assert search["ltv_cac"] == pytest.approx(0.6625)
    per_month = 26.5 / ((357 + 170) / DAYS_PER_MONTH)
    assert search["margin_per_month"] == pytest.approx(per_month)
    assert search["payback_months"] == pytest.approx(20 / per_month)
    # email: C (335 days) and D (214 days), LTV (6 - 4) / 2 = 1, CAC 5
    email = table.loc["email"]
    assert email["ltv_cac"] == pytest.approx(0.2)
    assert email["payback_months"] == pytest.approx(5 / (2 / ((335 + 214) / DAYS_PER_MONTH)))
    # social: E alone, 297 days
    assert table.loc["social", "payback_months"] == pytest.approx(20 / (4 / (297 / DAYS_PER_MONTH)))


def test_channel_economics_counts_customers_without_value_and_never_paying_back(customers):
    value = pd.Series({"A": 23.0, "B": 3.5, "C": 6.0, "E": -4.0})  # D missing: counts as 0
    table = v.channel_economics(customers, value, value, as_of="2025-01-01")
    assert table.loc["email", "ltv"] == pytest.approx(3)  # (6 + 0) / 2
    assert np.isnan(table.loc["social", "payback_months"])  # negative margin: never


def test_channel_economics_errors(customers):
    value = pd.Series({"A": 1.0})
    with pytest.raises(ValueError, match=r"'signup_date' must be on or before"):
        v.channel_economics(customers, value, value, as_of="2024-05-01")
    with pytest.raises(ValueError, match=r"ltv: 1 customer\(s\) are not in customers, e.g. 'Z'"):
        v.channel_economics(customers, pd.Series({"Z": 1.0}), value, as_of="2025-01-01")
    with pytest.raises(ValueError, match=r"'acquisition_cost' must be >= 0"):
        v.channel_economics(
            customers.assign(acquisition_cost=[30.0, -1.0, 5.0, 5.0, 20.0]),
            value,
            value,
            as_of="2025-01-01",
        )
    with pytest.raises(ValueError, match="column 'acquisition_channel' is required"):
        v.channel_economics(
            customers.drop(columns="acquisition_channel"), value, value, as_of="2025-01-01"
        )


# --- comparing rankings -------------------------------------------------------------------------


def test_top_overlap_by_hand():
    ids = list("abcdefghij")
    a = pd.Series(range(10, 0, -1), index=ids)  # top 2 by a: a, b
    b = pd.Series([10, 0, 9, 1, 2, 3, 4, 5, 6, 7], index=ids)  # top 2 by b: a, c
    assert v.top_overlap(a, b, 0.2) == pytest.approx(0.5)
    assert v.top_overlap(a, a, 0.1) == pytest.approx(1.0)
    # only customers with a value in both count: without "a" and "c" the tops are b, d / j, i
    assert v.top_overlap(a.drop(["a", "c"]), b, 0.25) == pytest.approx(0)
    with pytest.raises(ValueError, match=r"share must be in \(0, 1\]"):
        v.top_overlap(a, b, 0)


def test_rank_agreement_identical_and_reversed_orders():
    values = pd.DataFrame(
        {"x": [1.0, 2, 3, 4], "twice_x": [2.0, 4, 6, 8], "minus_x": [4.0, 3, 2, 1]}
    )
    spearman, overlap = v.rank_agreement(values, share=0.25)
    assert spearman.loc["x", "twice_x"] == pytest.approx(1)
    assert spearman.loc["x", "minus_x"] == pytest.approx(-1)
    assert overlap.loc["x", "twice_x"] == pytest.approx(1)
    assert overlap.loc["x", "minus_x"] == pytest.approx(0)


# --- plots --------------------------------------------------------------------------------------


def test_plot_rank_correlation_labels_every_cell():
    corr = pd.DataFrame([[1.0, 0.25], [0.25, 1.0]], index=["a", "b"], columns=["a", "b"])
    ax = plot_rank_correlation(corr)
    assert [t.get_text() for t in ax.texts] == ["1.00", "0.25", "0.25", "1.00"]
    assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
    plt.close(ax.figure)


def test_plot_channel_economics_sorts_channels_and_draws_reference_lines():
    table = pd.DataFrame(
        {"ltv_cac": [0.5, 4.0], "payback_months": [np.nan, 6.0]}, index=["social", "email"]
    )
    fig, ax = plt.subplots()
    assert plot_channel_economics(table, ax=ax) is ax
    assert [t.get_text() for t in ax.get_xticklabels()] == ["email", "social"]
    assert [round(p.get_height(), 6) for p in ax.patches] == [4.0, 0.5]
    assert [line.get_ydata()[0] for line in ax.get_lines()] == [1, 3]
    assert "never pays back" in ax.texts[1].get_text()
    assert ax.get_ylabel() == "LTV / CAC"
    plt.close(fig)

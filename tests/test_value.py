"""helpers.value: the per-customer value models, channel economics and rank comparisons."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
import value_data

from helpers import value as v
from helpers.plots import plot_channel_economics, plot_rank_correlation

DAYS_PER_MONTH = 365.25 / 12


@pytest.fixture
def lines():
    return value_data.order_lines()


@pytest.fixture
def products():
    return value_data.products()


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
    with pytest.raises(ValueError, match=r"'customer_id' must be unique"):
        v.income_model(pd.concat([customers, customers.iloc[:1]]))
    with pytest.raises(ValueError, match=r"column 'spending_capacity' is required but missing"):
        v.income_model(customers.drop(columns="spending_capacity"))


# --- purchase-count model -----------------------------------------------------------------------


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


def test_gross_margin_rate_measured_or_assumed(lines, products):
    # margins 4 + 8 + 8 + 8 + 2 + 1.5 + 5 + 2.5 + 4 = 43 on revenue
    # 10 + 20 + 20 + 20 + 5 + 6 + 20 + 10 + 10 = 121
    rate, source = v.gross_margin_rate(lines, products)
    assert rate == pytest.approx(43 / 121) and source == "measured from the product costs"
    assert v.gross_margin_rate(lines) == (0.30, "assumed: the data has no product costs")
    assert v.gross_margin_rate(lines, assumed=0.4)[0] == 0.4
    assert v.gross_margin_rate(lines, products, rate=0.2) == (0.2, "set by MARGIN_RATE")
    with pytest.raises(ValueError, match="rate must be in"):
        v.gross_margin_rate(lines, rate=1.2)
    with pytest.raises(ValueError, match="revenue"):
        v.gross_margin_rate(lines.iloc[:0], products)
    # P3 without a cost: its lines (6 + 20 + 10 = 36 of the 121) are left out of the measure
    # when allowed; margins 4 + 8 + 8 + 8 + 2 + 4 = 34 on 85
    partial = products[products["product_id"] != "P3"]
    rate, source = v.gross_margin_rate(lines, partial, min_coverage=0.5)
    assert rate == pytest.approx(34 / 85) and "(70% of the revenue has a cost)" in source
    assert v.gross_margin_rate(lines, partial, min_coverage=0.9) == (
        0.30,
        "assumed: product costs cover only 70% of the revenue",
    )
    with pytest.raises(ValueError, match="a product listed in products"):
        v.gross_margin_rate(lines, partial)


def test_line_margin_errors(lines, products):
    with pytest.raises(ValueError, match="exactly one of products= .* and margin_rate="):
        v.line_margin(lines)
    with pytest.raises(ValueError, match="exactly one"):
        v.line_margin(lines, products, margin_rate=0.3)
    for rate in (0, 1.5, -0.2):
        with pytest.raises(ValueError, match=r"margin_rate must be a share in \(0, 1\]"):
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

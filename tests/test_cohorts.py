"""Tests of helpers.cohorts (acquisition cohorts, LTV per channel by age) on a log made by hand."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from conftest import order_lines, real_file

from helpers import cohorts, value
from helpers.plots import plot_cohort_heatmap, plot_cumulative_value

AS_OF = "2024-04-15"  # April 2024 is incomplete: its cells are not observed


@pytest.fixture
def log() -> pd.DataFrame:
    """Seven customers; amounts are quantity x price with quantity 1."""
    lines = order_lines(
        [
            ("1", "2024-01-05 10:00", "A", "P1", 1, 10.0),
            ("2", "2024-01-20 10:00", "A", "P1", 1, 5.0),  # A twice in January: active once
            ("3", "2024-01-31 18:00", "B", "P1", 1, 30.0),
            ("4", "2024-02-10 10:00", "A", "P1", 1, 20.0),
            ("5", "2024-02-15 10:00", "C", "P1", 1, 40.0),
            ("6", "2024-02-28 10:00", "D", "P1", 1, 12.0),
            ("7", "2024-03-01 10:00", "B", "P1", 1, 10.0),
            ("8", "2024-03-05 10:00", "G", "P1", 1, 6.0),
            ("9", "2024-03-15 10:00", "C", "P1", 1, 8.0),
            ("10", "2024-04-02 10:00", "A", "P1", 1, 100.0),  # incomplete April
            ("11", "2024-04-03 10:00", "E", "P1", 1, 50.0),  # acquired in incomplete April
            ("12", "2024-04-20 10:00", "F", "P1", 1, 70.0),  # after as_of
        ]
    )
    lines["amount"] = lines["quantity"] * lines["unit_price"]
    return lines


@pytest.fixture
def customers() -> pd.DataFrame:
    rows = [
        ("A", "2024-01-05", "email", 10.0),
        ("B", "2024-01-31", "email", 20.0),
        ("H", "2024-01-10", "email", 6.0),  # signed up, never bought
        ("C", "2024-02-15", "search", 30.0),
        ("D", "2024-01-20", "search", 50.0),  # signed up in January, first buys in February
        ("G", "2024-03-05", "search", 40.0),
        ("E", "2024-04-03", "email", 5.0),
        ("F", "2024-04-20", "social", 9.0),
        ("I", "2023-12-01", "email", 7.0),  # before the log starts: its first months unseen
    ]
    table = pd.DataFrame(
        rows, columns=["customer_id", "signup_date", "acquisition_channel", "acquisition_cost"]
    )
    table["signup_date"] = pd.to_datetime(table["signup_date"])
    return table


def cell(table: pd.DataFrame, cohort: str, period: int) -> pd.Series:
    row = table[(table["cohort"] == pd.Period(cohort)) & (table["period"] == period)]
    assert len(row) == 1
    return row.iloc[0]


def test_monthly_cohorts_by_hand(log):
    table = cohorts.cohort_table(log, as_of=AS_OF)
    # cohorts: January {A, B}, February {C, D}, March {G}; periods 0-2 (January to March)
    sizes = table.groupby("cohort")["cohort_size"].first()
    assert list(sizes.index.astype(str)) == ["2024-01", "2024-02", "2024-03"]
    assert sizes.tolist() == [2, 2, 1]
    assert sorted(table["period"].unique()) == [0, 1, 2]
    expected = {  # (cohort, period): active, revenue, cumulative revenue per acquired customer
        ("2024-01", 0): (2, 45.0, 22.5),  # A 10 + 5 (one active customer), B 30
        ("2024-01", 1): (1, 20.0, 32.5),
        ("2024-01", 2): (1, 10.0, 37.5),
        ("2024-02", 0): (2, 52.0, 26.0),
        ("2024-02", 1): (1, 8.0, 30.0),
        ("2024-03", 0): (1, 6.0, 6.0),
    }
    for (cohort, period), (active, revenue, cumulative) in expected.items():
        row = cell(table, cohort, period)
        assert row["active"] == active
        assert row["retention"] == pytest.approx(active / row["cohort_size"])
        assert row["revenue"] == pytest.approx(revenue)
        assert row["revenue_per_customer"] == pytest.approx(revenue / row["cohort_size"])
        assert row["cumulative_revenue_per_customer"] == pytest.approx(cumulative)
    # April is incomplete: February's period 2 and March's periods 1-2 are NaN, never 0
    for cohort, period in [("2024-02", 2), ("2024-03", 1), ("2024-03", 2)]:
        row = cell(table, cohort, period)
        assert np.isnan(row["active"]) and np.isnan(row["retention"])
        assert np.isnan(row["revenue"]) and np.isnan(row["cumulative_revenue_per_customer"])
    assert table.attrs["lines_after_as_of"] == 1  # F
    assert table.attrs["lines_in_incomplete_period"] == 2  # A and E in April
    assert table.attrs["customers_in_incomplete_period"] == 1  # E
    assert table["left_censored"].tolist() == [True] * 3 + [False] * 6
    assert "left censoring" in table.attrs["notes"][0]
    assert "2024-01" in table.attrs["notes"][0]


def test_matrix_and_quarters(log):
    table = cohorts.cohort_table(log, as_of=AS_OF)
    grid = cohorts.cohort_matrix(table, "retention")
    assert grid.shape == (3, 3)
    assert grid.loc[pd.Period("2024-01"), 1] == pytest.approx(0.5)
    assert grid.iloc[2, 1:].isna().all()
    assert grid.attrs["measure"] == "retention"

    quarters = cohorts.cohort_table(log, freq="Q", as_of="2024-07-01")
    # Q1 {A, B, C, D, G}: revenue 141 in Q1; in Q2 only A (100). Q2 {E, F}: 50 + 70
    q1, q2 = pd.Period("2024Q1"), pd.Period("2024Q2")
    grid = cohorts.cohort_matrix(quarters, "cumulative_revenue_per_customer")
    assert grid.loc[q1, 0] == pytest.approx(141 / 5)
    assert grid.loc[q1, 1] == pytest.approx(241 / 5)
    assert grid.loc[q2, 0] == pytest.approx(60.0)
    assert np.isnan(grid.loc[q2, 1])
    assert cohorts.cohort_matrix(quarters, "retention").loc[q1, 1] == pytest.approx(0.2)
    assert quarters.attrs["lines_after_as_of"] == 0


def test_values_drop_first_and_default_as_of(log):
    margin = value.line_margin(log, margin_rate=0.5)
    table = cohorts.cohort_table(log, margin, as_of=AS_OF, drop_first=True)
    assert "cumulative_margin_per_customer" in table.columns
    assert table["cohort"].astype(str).unique().tolist() == ["2024-02", "2024-03"]
    assert cell(table, "2024-02", 1)["cumulative_margin_per_customer"] == pytest.approx(15.0)
    assert table.attrs["customers_in_dropped_first_cohort"] == 2
    # default as_of: midnight after 2024-04-20, so April is still incomplete
    default = cohorts.cohort_table(log)
    assert default.attrs["as_of"] == pd.Timestamp("2024-04-21")
    assert default.attrs["lines_in_incomplete_period"] == 3
    assert default.attrs["customers_in_incomplete_period"] == 2  # E and F


def test_channel_ltv_at_a_fixed_age_by_hand(log, customers):
    margin = value.line_margin(log, margin_rate=0.5)
    curves = cohorts.channel_ltv_curves(log, customers, margin, as_of=AS_OF)
    email = curves[curves["channel"] == "email"].set_index("months")
    # January cohort {A, B, H}; CAC (10 + 20 + 6) / 3 = 12; margins: A 7.5, B 15 in January,
    # A 10 in February, B 5 in March; H never bought. E is in incomplete April.
    assert email["customers"].tolist() == [3, 3, 3]
    assert email["cac"].tolist() == pytest.approx([12.0] * 3)
    assert email["cumulative_margin_per_customer"].tolist() == pytest.approx(
        [22.5 / 3, 32.5 / 3, 37.5 / 3]
    )
    search = curves[curves["channel"] == "search"].set_index("months")
    # D acquired at signup (January; margin 6 in February), C in February (20, then 4), G in
    # March (3): month 1 pools all three, month 2 D and C, month 3 D alone
    assert search["customers"].tolist() == [3, 2, 1]
    assert search["cac"].tolist() == pytest.approx([40.0, 40.0, 50.0])
    assert search["cumulative_margin_per_customer"].tolist() == pytest.approx([23 / 3, 15.0, 6.0])
    assert "social" not in set(curves["channel"])  # F signed up after as_of
    assert curves.attrs["customers_acquired_in_no_complete_period"] == 2  # E and F
    assert curves.attrs["customers_acquired_before_the_log"] == 1  # I

    at2 = cohorts.channel_ltv(curves, age=2)
    assert at2.loc["email", "ltv"] == pytest.approx(32.5 / 3)
    assert at2.loc["email", "ltv_cac"] == pytest.approx(32.5 / 3 / 12)
    assert at2.loc["search", "ltv_cac"] == pytest.approx(15 / 40)
    assert at2.loc["email", "payback_months"] == 3  # 12.5 >= 12 only at month 3
    assert np.isnan(at2.loc["search", "payback_months"])  # never reaches its CAC
    with pytest.raises(ValueError, match="age=4"):
        cohorts.channel_ltv(curves, age=4)
    with pytest.raises(ValueError, match="age"):
        cohorts.channel_ltv(curves, age=0)


def test_errors(log, customers):
    with pytest.raises(ValueError, match="customer_id"):
        cohorts.cohort_table(log.drop(columns="customer_id"))
    with pytest.raises(ValueError, match="amount"):
        cohorts.cohort_table(log.drop(columns="amount"))
    with pytest.raises(ValueError, match="freq.*'W'"):
        cohorts.cohort_table(log, freq="W")
    with pytest.raises(ValueError, match="no complete"):
        cohorts.cohort_table(log, as_of="2024-01-25")
    with pytest.raises(ValueError, match="aligned"):
        cohorts.cohort_table(log, pd.Series(1.0, index=log.index + 100))
    with pytest.raises(ValueError, match="measure"):
        cohorts.cohort_matrix(cohorts.cohort_table(log, as_of=AS_OF), "nope")
    with pytest.raises(ValueError, match="acquisition_cost"):
        cohorts.channel_ltv_curves(log, customers.drop(columns="acquisition_cost"))
    with pytest.raises(ValueError, match="'customer_id' must be a customer in customers"):
        cohorts.channel_ltv_curves(log, customers[customers["customer_id"] != "C"], as_of=AS_OF)
    bad = customers.assign(acquisition_cost=customers["acquisition_cost"].where(lambda c: c != 30))
    with pytest.raises(ValueError, match="acquisition_cost"):
        cohorts.channel_ltv_curves(log, bad, as_of=AS_OF)


def test_plots(log, customers):
    grid = cohorts.cohort_matrix(cohorts.cohort_table(log, as_of=AS_OF), "retention")
    ax = plot_cohort_heatmap(grid)
    assert ax.get_title() == "Retention by acquisition cohort"
    assert ax.get_xlabel().startswith("months since acquisition")
    assert ax.get_ylabel() == "acquisition cohort"
    assert sorted(t.get_text() for t in ax.texts) == ["100%"] * 3 + ["50%"] * 3  # no NaN cell
    plt.close(ax.figure)
    curves = cohorts.channel_ltv_curves(log, customers, as_of=AS_OF)
    wide = curves.pivot(index="channel", columns="months", values="cumulative_revenue_per_customer")
    cac = curves.groupby("channel")["cac"].first()
    ax = plot_cumulative_value(wide, cac=cac)
    assert len(ax.lines) == 4  # two curves and their CAC lines
    assert ax.get_xlabel() == "age in months (the acquisition month counted)"
    assert ax.get_ylabel()
    plt.close(ax.figure)


@pytest.mark.realdata
def test_online_retail_december_2010_cohort():
    from helpers.datasets import load_clean_transactions

    clean, _ = load_clean_transactions("online_retail", real_file("online_retail_2010_2011.csv.gz"))
    table = cohorts.cohort_table(clean)
    # independent count: customers whose first clean purchase is in December 2010
    first = clean.groupby("customer_id")["invoice_date"].min()
    december = set(first.index[(first >= "2010-12-01") & (first < "2011-01-01")])
    january = set(
        clean.loc[
            (clean["invoice_date"] >= "2011-01-01") & (clean["invoice_date"] < "2011-02-01"),
            "customer_id",
        ]
    )
    row = cell(table, "2010-12", 1)
    assert row["cohort_size"] == len(december)
    assert row["active"] == len(december & january)
    assert row["retention"] == pytest.approx(len(december & january) / len(december))
    # the last line is on 2011-12-09: December 2011 is incomplete, so no cell is in it
    assert table.attrs["last_complete_period"] == pd.Period("2011-11")
    assert (table["cohort"] <= pd.Period("2011-11")).all()
    assert cell(table, "2010-12", 11)["active"] >= 0 and np.isnan(
        cell(table, "2011-01", 11)["active"]
    )
    # every complete-period customer is in exactly one cohort
    in_nov = (first < "2011-12-01").sum()
    assert table.groupby("cohort")["cohort_size"].first().sum() == in_nov

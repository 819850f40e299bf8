"""Chapter 02 (value formulas) run on Online Retail; its results checked with plain pandas."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import real_file
from test_notebooks import NOTEBOOKS, run

from helpers.datasets import load_clean_transactions, load_synthetic
from helpers.notebook import read_results

NOTEBOOK = NOTEBOOKS / "02_value_formulas.ipynb"

pytestmark = pytest.mark.notebook


@pytest.mark.realdata
def test_value_chapter_on_online_retail(tmp_path):
    path = real_file("online_retail_2010_2011.csv.gz")
    results = run(
        "02_value_formulas.ipynb",
        tmp_path,
        DATASET="online_retail",
        MARGIN_RATE=0.3,
        DISCOUNT_RATE=0.1,
        PERIOD_MONTHS=6,
        HORIZON_YEARS=3,
    )
    # The same clean lines, then every number again with plain pandas.
    clean, _ = load_clean_transactions("online_retail", path)
    assert results["dataset"] == "online_retail"
    assert results["n_lines"] == len(clean)
    assert results["n_customers"] == clean["customer_id"].nunique()
    assert 4_300 <= results["n_customers"] <= 4_372  # chapter 01's range for this file

    # purchase-count value = purchases x average amount = the customer's revenue
    revenue = clean.groupby("customer_id")["amount"].sum()
    top = results["purchase_count_top"]
    # (a recorded dict comes back with its keys sorted: compare as sets)
    assert set(top) == set(revenue.sort_values(ascending=False).index[: len(top)])
    for customer, value in top.items():
        assert value == pytest.approx(revenue[customer], abs=0.01)
    assert results["mean_values"]["purchase count"] == pytest.approx(revenue.mean(), abs=0.01)
    # no product costs and no contacts: profit = 30% of revenue
    assert results["mean_values"]["profit"] == pytest.approx(0.3 * revenue.mean(), abs=0.01)
    assert results["spearman"]["profit"]["purchase count"] == pytest.approx(1.0)

    # retention: last invoice 2011-12-09, so half-years end 2011-12-10; the whole ones are
    # [2010-12-10, 2011-06-10) and [2011-06-10, 2011-12-10)
    assert results["as_of"].startswith("2011-12-10")
    dates = clean["invoice_date"]
    first = set(clean.loc[(dates >= "2010-12-10") & (dates < "2011-06-10"), "customer_id"])
    second = set(clean.loc[(dates >= "2011-06-10") & (dates < "2011-12-10"), "customer_id"])
    retention = len(first & second) / len(first)
    assert results["retention_rate"] == pytest.approx(retention, abs=1e-6)

    # CLV from averages on the last half-year's margin m = 0.3 x revenue there
    m = 0.3 * clean.loc[dates >= "2011-06-10"].groupby("customer_id")["amount"].sum()
    m = m.reindex(revenue.index, fill_value=0.0)
    churn, d = 1 - retention, 1.1**0.5 - 1  # 10% a year is sqrt(1.1) - 1 per half-year
    clv = results["mean_clv"]
    assert clv["margin x ARPU / c"] == pytest.approx(m.mean() / churn, abs=0.01)
    assert clv["m r / (1 + d - r)"] == pytest.approx(
        m.mean() * retention / (1 + d - retention), abs=0.01
    )
    expected = sum(m.mean() * retention**t / (1 + d) ** t for t in range(1, 7))  # 3 years
    assert clv["discounted, 3 years"] == pytest.approx(expected, abs=0.01)
    arpu = m / 0.3
    assert clv["ARPU / c x lifetime (wrong)"] == pytest.approx(arpu.mean() / churn**2, rel=1e-6)

    # no customers table, channels or truth on this file
    assert "income" not in results["mean_values"]
    assert results["ltv_cac_by_channel"] is None
    assert results["ltv_cac_at_age_by_channel"] is None
    assert results["spearman_vs_future_spend"] is None


def test_committed_ltv_at_a_fixed_age_by_hand():
    """Section 6.1's LTV/CAC at 12 months per channel, recomputed with plain pandas."""
    results = read_results(NOTEBOOK)
    assert results["dataset"] == "synthetic" and results["ltv_age_months"] == 12
    data = load_synthetic()
    clean, _ = load_clean_transactions("synthetic")
    lines = clean.merge(data.products[["product_id", "unit_cost"]], on="product_id")
    lines["margin"] = lines["quantity"] * (lines["unit_price"] - lines["unit_cost"])
    customers = data.customers.set_index("customer_id")
    first = lines.groupby("customer_id")["invoice_date"].min()
    acquired = pd.concat([customers["signup_date"], first], axis=1).min(axis=1)
    month = acquired.dt.year * 12 + acquired.dt.month  # months counted from year 0
    line_month = lines["invoice_date"].dt.year * 12 + lines["invoice_date"].dt.month
    lines["age"] = line_month - lines["customer_id"].map(month)  # 0: the acquisition month
    last = 2024 * 12 + 12  # December 2024, the last complete month before 2025-01-01

    def per_channel(age: int) -> pd.DataFrame:
        # customers whose acquisition month and the age - 1 months after it are observed
        old = month.index[month + age - 1 <= last]
        earned = lines[lines["customer_id"].isin(old) & (lines["age"] < age)]
        margin = earned.groupby("customer_id")["margin"].sum().reindex(old, fill_value=0.0)
        channel = customers.loc[old, "acquisition_channel"]
        cac = customers.loc[old, "acquisition_cost"]
        return pd.DataFrame(
            {"ltv": margin.groupby(channel).mean(), "cac": cac.groupby(channel).mean()}
        )

    twelve = per_channel(12)
    recorded = results["ltv_cac_at_age_by_channel"]
    assert set(recorded) == set(twelve.index)
    for channel, ratio in recorded.items():
        assert ratio == pytest.approx(
            twelve.loc[channel, "ltv"] / twelve.loc[channel, "cac"], abs=6e-4
        )
    # section 6.2: the break-even CAC is the 12-month LTV itself
    assert results["break_even_cac_by_channel"] == pytest.approx(
        twelve["ltv"].round(2).to_dict(), abs=0.006
    )
    curve = pd.concat({age: per_channel(age) for age in range(1, 25)}, names=["age"])
    paid = curve[curve["ltv"] >= curve["cac"]].reset_index()
    payback = paid.groupby("acquisition_channel")["age"].min()
    assert results["payback_months_at_age_by_channel"] == {
        channel: float(payback[channel]) for channel in recorded
    }


def test_committed_article_pitfalls_by_hand():
    """Sections 9.5 and 9.6: what the articles' code really gives, computed by hand."""
    results = read_results(NOTEBOOK)
    # article 3: values 100, 200, ..., 1,000; total 100 x (1 + ... + 10) = 5,500 over 10
    # customers, not the printed 10,000 and 1,000
    assert results["article3_computed"] == {
        "total customer value": 5_500.0,
        "average customer value": 550.0,
    }
    # article 4: predicted profits 400, 300, 200, 100 discounted as periods 1..4 at 10%
    totals = results["article4_totals"]
    assert totals["article, rows as given"] == pytest.approx(
        400 / 1.1 + 300 / 1.1**2 + 200 / 1.1**3 + 100 / 1.1**4, abs=0.005
    )
    assert totals["article, rows reversed"] == pytest.approx(
        100 / 1.1 + 200 / 1.1**2 + 300 / 1.1**3 + 400 / 1.1**4, abs=0.005
    )
    # right: each customer three years of the same profit, 1,000 in all per year
    right = 1_000 * (1 / 1.1 + 1 / 1.1**2 + 1 / 1.1**3)
    assert totals["right: sum of each customer's CLV"] == pytest.approx(right, abs=0.005)
    # the prose: reversing the rows lowers it, and it is about a third of the right total
    assert totals["article, rows reversed"] < totals["article, rows as given"]
    assert 0.30 < totals["article, rows as given"] / right < 0.35
    # on the shop: the right total is n x the mean discounted CLV; the article's line can
    # be no more than max margin / (1 - 1/(1+d)) summed as a geometric series, far below it
    shop = results["article4_shop"]
    assert shop["right"] == pytest.approx(
        results["n_customers"] * results["mean_clv"]["discounted, 3 years"], rel=1e-4
    )
    assert shop["as_written"] < shop["right"] / 100


def test_committed_article_tables_by_hand():
    """Sections 9.1 and 9.2: the articles' own data recomputed by hand (the prose glues them)."""
    results = read_results(NOTEBOOK)
    check = results["article1_check"]
    # customer 2: income 50,000 x factor 1.5; 20 purchases x 2,000; customer 5: 25 x 2,500
    assert check["income x factor"]["2"] == 75_000
    assert check["purchases x amount"]["2"] == 40_000
    assert check["purchases x amount"]["5"] == 62_500
    # churn rates 0.1 to 0.3 imply expected lifetimes 1 / c of 10 down to 3.33 periods
    lifetimes = results["article2_lifetimes"]
    assert max(lifetimes.values()) == pytest.approx(1 / 0.1)
    assert min(lifetimes.values()) == pytest.approx(1 / 0.3, abs=1e-4)


def test_committed_clv_ranks_future_spend_best_with_intervals():
    """Section 8's claim: CLV's rank correlation with future spend beats every other formula's,
    each with a paired bootstrap interval that excludes zero."""
    results = read_results(NOTEBOOK)
    versus = results["clv_spearman_versus"]
    assert set(versus) == {"income", "purchase count", "profit"}
    for rival, difference in versus.items():
        assert difference["lower"] <= difference["estimate"] <= difference["upper"], rival
        assert difference["lower"] > 0, f"CLV does not beat {rival}: the interval includes 0"

    # The purchase-count value is the customer's clean revenue: its Spearman with the future
    # spend, recomputed with plain pandas over the customers with a purchase.
    clean, _ = load_clean_transactions("synthetic")
    revenue = clean.groupby("customer_id")["amount"].sum()
    future = load_synthetic().truth.set_index("customer_id")["future_spend"]
    both = pd.concat([revenue, future], axis=1, join="inner")
    spearman = both.iloc[:, 0].rank().corr(both.iloc[:, 1].rank())
    recorded = results["spearman_vs_future_spend"]
    assert recorded["purchase count"] == pytest.approx(spearman, abs=1e-4)
    # the paired estimate is the difference of the two correlations on the same customers
    assert versus["purchase count"]["estimate"] == pytest.approx(
        recorded["CLV"] - recorded["purchase count"], abs=1e-3
    )

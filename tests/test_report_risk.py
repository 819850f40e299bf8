"""The report's risk measures, lowest-tier check and executive summary, on hand-made customers.

Four customers, two tiers, observed for exactly two years (730.5 days). Tier 2: C spent 20
in one order, D 10 in two; 30 / 2 customers / 2 years = 7.5 per customer per year, the pace
the expected value is compared with.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers.report_data import KeyFigures
from helpers.report_risk import lowest_tier_check, risk_measures_text, tier_values
from helpers.report_summary import campaign_overview, executive_summary, report_title

FIRST = pd.Timestamp("2023-01-01 12:00")
AS_OF = pd.Timestamp("2025-01-01")  # 730.5 days later: two years of 365.25 days


def customers(clv=(50.0, 30.0, 15.0, 5.0), **changes) -> pd.DataFrame:
    view = pd.DataFrame(
        {
            "tier": [1, 1, 2, 2],
            "revenue": [300.0, 100.0, 20.0, 10.0],
            "purchases": [3, 2, 1, 2],
            "clv": list(clv),
            "p_churn": [0.1, 0.5, 0.9, 0.7],
            "p_alive": [1.0, 0.8, 1.0, 0.4],
            "high_risk": [False, True, True, True],
            "strategy": ["care", "retain", "win back", "win back"],
        },
        index=pd.Index(["A", "B", "C", "D"], name="customer_id"),
    )
    for column, values in changes.items():
        view[column] = values
    view.attrs.update(risk_threshold=0.5, purchase_model="BG/NBD")
    return view


def test_tier_values_by_hand():
    table = tier_values(customers(), first_order=FIRST, as_of=AS_OF, horizon_months=12)
    assert table.attrs["years"] == pytest.approx(2.0)
    assert table["customers"].tolist() == [2, 2]
    assert table["revenue"].tolist() == [400.0, 30.0]
    assert table["revenue_pace"].tolist() == pytest.approx([100.0, 7.5])  # 400/2/2, 30/2/2
    assert table["clv"].tolist() == [80.0, 20.0]
    assert table["mean_clv"].tolist() == [40.0, 10.0]
    assert table["one_order_share"].tolist() == [0.0, 0.5]
    assert table["mean_p_churn"].tolist() == pytest.approx([0.3, 0.8])
    assert table["mean_p_alive"].tolist() == pytest.approx([0.9, 0.7])
    six = tier_values(customers(), first_order=FIRST, as_of=AS_OF, horizon_months=6)
    assert six["revenue_pace"].tolist() == pytest.approx([50.0, 3.75])


def test_lowest_tier_above_its_pace_is_explained():
    table = tier_values(customers(), first_order=FIRST, as_of=AS_OF, horizon_months=12)
    check = lowest_tier_check(table, model="BG/NBD")
    assert (check.tier, check.customers, check.mean_clv) == (2, 2, 10.0)
    assert check.revenue_pace == pytest.approx(7.5)
    assert check.exceeds  # 10 > 7.5
    text = check.sentence("£")
    for part in [
        "Tier 2, the lowest",
        "£10.00 of margin per customer in the next 12 months",
        "£7.50 of revenue per customer",
        "(£30 from 2 customers over 2.0 years)",
        "50% of these customers ordered only once",
        "BG/NBD counts every one-order customer as still active (P(alive) = 1)",
        "mean P(alive) is 0.70",
        "mean P(churn) of 0.80",
        "upper bound",
    ]:
        assert part in text, part
    pareto = lowest_tier_check(table, model="Pareto/NBD").sentence("€")
    assert "P(alive) = 1" not in pareto and "€10.00" in pareto


def test_lowest_tier_within_its_pace_says_nothing():
    table = tier_values(
        customers(clv=(50.0, 30.0, 2.0, 4.0)), first_order=FIRST, as_of=AS_OF, horizon_months=12
    )
    check = lowest_tier_check(table)
    assert check.mean_clv == 3.0 and not check.exceeds and check.sentence() == ""
    # a missing CLV counts 0: (15 + 0) / 2 = 7.5, equal to the pace, not above it
    equal = tier_values(
        customers(clv=(50.0, 30.0, 15.0, np.nan)),
        first_order=FIRST,
        as_of=AS_OF,
        horizon_months=12,
    )
    assert lowest_tier_check(equal).mean_clv == 7.5 and not lowest_tier_check(equal).exceeds


def test_tier_values_rejects_bad_input():
    with pytest.raises(ValueError, match="clv"):
        tier_values(
            customers().drop(columns="clv"), first_order=FIRST, as_of=AS_OF, horizon_months=12
        )
    with pytest.raises(ValueError, match="observed period is empty"):
        tier_values(customers(), first_order=AS_OF, as_of=FIRST, horizon_months=12)
    with pytest.raises(ValueError, match="horizon_months"):
        tier_values(customers(), first_order=FIRST, as_of=AS_OF, horizon_months=0)


def test_risk_measures_text_says_what_each_means_with_the_numbers():
    text = " ".join(risk_measures_text(customers(), window_days=90, model="BG/NBD"))
    assert "buys nothing in the next 90 days" in text
    assert "the purchase model (BG/NBD), is the chance that a customer still buys" in text
    assert "They differ because" in text
    # means over all: P(churn) 2.2/4 = 0.55, P(alive) 3.2/4 = 0.80; tier 2: 0.80 and 0.70
    assert "the mean P(churn) is 0.55 and the mean P(alive) 0.80" in text
    assert "in tier 2, the lowest, they are 0.80 and 0.70" in text
    assert "counts as at risk (3 of 4)" in text  # 0.5, 0.9, 0.7 >= 0.5
    assert "almost no dropout" not in text


def test_risk_measures_text_when_the_purchase_model_keeps_everyone_alive():
    view = customers(p_alive=[1.0, 0.995, 1.0, 0.999])
    text = " ".join(risk_measures_text(view, window_days=60, model="BG/NBD"))
    assert "gives 100% of the customers a P(alive) of 0.99 or more" in text
    assert "next 60 days" in text


def test_report_title():
    title = report_title(
        "/x/orders.csv", pd.Timestamp("2010-12-01 08:26"), pd.Timestamp("2011-12-09")
    )
    assert title == "Customer value report: orders.csv, 1 Dec 2010 to 9 Dec 2011"


def lists() -> dict[str, pd.DataFrame]:
    return {
        "retention": pd.DataFrame(
            {"expected_value": [100.0, 50.0, 20.0], "group": ["treatment", "control", "treatment"]}
        ),
        "promotion": pd.DataFrame({"expected_value": [1.5, 2.0]}),
    }


def test_campaign_overview_counts_the_control_groups():
    table = campaign_overview(lists())
    assert table.frame.to_dict("list") == {
        "campaign": ["retention offer", "limited-time promotion"],
        "listed": ["3", "2"],
        "contacted": ["2", "2"],
        "held out (control)": ["1", "–"],
        "expected value": ["£120.00", "£3.50"],  # the contacted rows only: 100 + 20
    }


def test_executive_summary_by_hand():
    lines = pd.DataFrame(
        {
            "customer_id": ["A", "A", "B", "C", "D"],
            "invoice_id": ["1", "2", "3", "4", "5"],
            "invoice_date": pd.to_datetime(
                ["2023-01-02", "2023-06-01", "2024-02-01", "2024-05-05", "2024-12-31"]
            ),
            "amount": [200.0, 100.0, 100.0, 20.0, 10.0],
        }
    )
    view = customers()
    check = lowest_tier_check(
        tier_values(view, first_order=FIRST, as_of=AS_OF, horizon_months=12), model="BG/NBD"
    )
    points = executive_summary(
        KeyFigures.from_lines(lines),
        view,
        lists(),
        check=check,
        currency="£",
        horizon_months=12,
        window_days=90,
        enough={"retention": False},
    )
    assert 5 <= len(points) <= 7
    text = "\n".join(points)
    assert "4 customers placed 5 orders worth £430 between 2 Jan 2023 and 31 Dec 2024." in text
    # top tier: A and B, 400 of 430 = 93%
    assert "the top tier (2 customers, 50% of them) brought 93% of the revenue" in text
    assert "over the next 12 months: £100 of margin (purchase model BG/NBD" in text
    # at risk: B, C, D; top tier among them: B, holding 30
    assert "3 customers (75%) are at risk" in text
    assert "Among them 1 are top-tier customers, holding £30 of expected value" in text
    assert "keep 1 top customers" in text and "send 2 lapsing or lapsed" in text
    assert "look after 1 top customers" in text
    assert "grow the baskets" not in text and "develop" not in text  # nobody has those
    assert "retention offer 3 (1 held out); limited-time promotion on 2 products" in text
    assert "run them as pilots" in text
    assert "Caution: tier 2's expected value (£10.00 per customer)" in text
    assert "{" not in text and "nan" not in text
    # with the margin said: its rate and where it comes from
    points = executive_summary(
        KeyFigures.from_lines(lines),
        view,
        lists(),
        check=None,
        margin=(0.3, "assumed: the data has no product costs"),
    )
    assert (
        "£100 of margin at 30.0% of spend, assumed: the data has no product costs (purchase"
        in "\n".join(points)
    )

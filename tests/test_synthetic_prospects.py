"""The synthetic shop's prospects: people who are not customers, drawn from the customers'
persona mix, with a truth that follows their personas.

Expected values come from the persona table (helpers.synthetic.personas) and plain pandas
sums, not from the generator's helpers.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers.synthetic import make_synthetic, personas, read_synthetic, write_synthetic


@pytest.fixture(scope="module")
def shop():
    return make_synthetic()


def test_two_prospects_for_every_three_customers_with_the_customers_attributes(shop):
    prospects, truth = shop.prospects, shop.prospects_truth
    assert len(prospects) == 2000 == len(truth)
    assert list(prospects.columns) == [
        "prospect_id",
        "birth_date",
        "gender",
        "region",
        "annual_income",
        "acquisition_channel",
    ]
    assert set(prospects.columns) - {"prospect_id"} <= set(shop.customers.columns)
    assert prospects["prospect_id"].is_unique
    assert list(truth["prospect_id"]) == list(prospects["prospect_id"])
    assert not set(prospects["prospect_id"]) & set(shop.customers["customer_id"])
    # the same categories as the customers, and missing values as a real list has them
    for column in ("region", "acquisition_channel"):
        assert set(prospects[column]) == set(shop.customers[column])
    assert 0 < prospects["annual_income"].isna().mean() < 0.15
    assert len(make_synthetic(n_customers=30).prospects) == 20


def test_same_seed_same_prospects_other_seed_others():
    a, b, c = (make_synthetic(seed=seed, n_customers=60) for seed in (1, 1, 2))
    pd.testing.assert_frame_equal(a.prospects, b.prospects)
    pd.testing.assert_frame_equal(a.prospects_truth, b.prospects_truth)
    assert not a.prospects_truth.equals(c.prospects_truth)


def test_read_back_equals_what_was_made(tmp_path):
    small = make_synthetic(seed=7, n_customers=80)
    write_synthetic(small, tmp_path)
    back = read_synthetic(tmp_path)
    for name in ("prospects", "prospects_truth"):
        pd.testing.assert_frame_equal(getattr(back, name), getattr(small, name), obj=name)


def test_the_persona_mix_and_the_rates_are_the_customers(shop):
    table = personas().set_index("persona")
    by_persona = shop.prospects_truth.groupby("persona")
    shares = by_persona.size() / len(shop.prospects_truth)
    # binomial standard error of a share of 2,000 is at most 0.011
    assert shares.to_dict() == pytest.approx(table["share"].to_dict(), abs=0.035)
    rate = by_persona["purchase_rate_per_week"].mean()
    assert rate.to_dict() == pytest.approx(table["purchases_per_week"].to_dict(), rel=0.15)
    dropout = by_persona["dropout_probability"].mean()
    assert dropout.to_dict() == pytest.approx(table["dropout_probability"].to_dict(), abs=0.03)
    # incomes: log-normal around the persona's median (within 10%)
    joined = shop.prospects.merge(shop.prospects_truth, on="prospect_id")
    income = joined.groupby("persona")["annual_income"].median()
    assert income.to_dict() == pytest.approx(table["annual_income"].to_dict(), rel=0.1)


def test_the_first_year_follows_the_rates(shop):
    truth = shop.prospects_truth
    # everybody makes the joining purchase; spend is net of returns
    assert (truth["first_year_orders"] >= 1).all()
    assert (truth["first_year_spend"] >= 0).all()
    # with almost no dropout and a tiny rate, the expectation is about 1 + L
    assert (truth["expected_orders"] >= 1).all()
    # the drawn orders agree with the expectation, persona by persona (4 standard errors)
    for _, group in truth.groupby("persona"):
        drawn = group["first_year_orders"]
        error = 4 * drawn.std() / np.sqrt(len(drawn))
        assert drawn.mean() == pytest.approx(group["expected_orders"].mean(), abs=error)
    # the expectation by hand: the joining order, then Poisson(L) candidates, each made while
    # the customer stays: 1 + sum_k (1 - p)^k P(N >= k) = 1 + (1 - p) / p (1 - exp(-L p)),
    # L = rate x weeks of 2025 weighted by the shop's monthly season (bargain hunters squared)
    season = [0.7, 0.75, 0.9, 0.9, 0.95, 0.9, 0.85, 0.9, 1.0, 1.15, 1.6, 1.8]
    days = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    for _, row in truth.head(20).iterrows():
        power = 2 if row["persona"] == "bargain hunter" else 1
        weeks = sum(d * f**power for d, f in zip(days, season, strict=True)) / 7
        load, p = row["purchase_rate_per_week"] * weeks, row["dropout_probability"]
        expected = 1 + (1 - p) / p * (1 - np.exp(-load * p))
        assert row["expected_orders"] == pytest.approx(expected, rel=2e-3)  # rounded inputs
    # loyal regulars and big spenders are worth most in a first year, one-offs least
    spend = truth.groupby("persona")["first_year_spend"].mean()
    assert set(spend.nlargest(2).index) == {"big spender", "loyal regular"}
    assert spend.idxmin() == "one-off"

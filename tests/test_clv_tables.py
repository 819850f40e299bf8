"""Tests of helpers.clv_tables: CLV over a horizon and the P(alive) tables, by hand."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import clv_summary, fitted

from helpers import clv, clv_tables

# --- CLV -----------------------------------------------------------------------------------------


def test_clv_without_discounting_is_expected_purchases_times_spend_times_margin():
    purchases = fitted(clv.BetaGeoModel(), [0.5, 3.0, 1.5, 2.5])
    spend = fitted(clv.GammaGamma(), [6.0, 3.5, 15.0])
    summary = clv_summary([[2, 10.0, 30.0, 40.0], [0, 0.0, 30.0, 0.0]])
    value = clv_tables.customer_lifetime_value(
        purchases, spend, summary, horizon=52, discount_rate=0.0, margin_rate=0.3
    )
    expected = (
        purchases.conditional_expected_purchases(52, [2, 0], [10, 0], [30, 30])
        * spend.conditional_expected_spend([2, 0], [40.0, 0.0])
        * 0.3
    )
    assert value.to_numpy() == pytest.approx(expected)
    discounted = clv_tables.customer_lifetime_value(
        purchases, spend, summary, horizon=52, discount_rate=0.1, margin_rate=0.3
    )
    # a year at 10%: every purchase discounted by a factor between 1/1.1 and 1
    assert (discounted < value).all() and (discounted > value / 1.1).all()
    with pytest.raises(ValueError, match="margin_rate must be a share in"):
        clv_tables.customer_lifetime_value(
            purchases, spend, summary, horizon=52, discount_rate=0.1, margin_rate=2
        )


def test_clv_refuses_a_summary_in_another_period_than_the_fit():
    # a model fitted on weeks has rates per week: on a daily summary it would be 7x off
    purchases = fitted(clv.BetaGeoModel(), [0.5, 3.0, 1.5, 2.5])
    purchases.period_ = "W"
    spend = fitted(clv.GammaGamma(), [6.0, 3.5, 15.0])
    daily = clv_summary([[2, 70.0, 210.0, 40.0]], period="D")
    with pytest.raises(ValueError, match="the CLV's period is 'D' but this BetaGeoModel was"):
        clv_tables.customer_lifetime_value(purchases, spend, daily, horizon=365, discount_rate=0)
    weekly = clv_summary([[2, 10.0, 30.0, 40.0]], period="W")
    assert (
        clv_tables.customer_lifetime_value(
            purchases, spend, weekly, horizon=52, discount_rate=0
        ).iloc[0]
        > 0
    )


def test_probability_alive_history_and_matrix():
    model = fitted(clv.BetaGeoModel(), [0.24, 4.4, 0.79, 2.4])
    dates = ["2024-01-01", "2024-01-15", "2024-01-15 18:00", "2024-03-02"]  # last: too late
    history = clv_tables.probability_alive_history(model, dates, as_of="2024-03-02")
    # 1 January to 1 March 2024 (a leap year): 31 + 29 + 1 days
    assert history.index[0] == pd.Timestamp("2024-01-01") and len(history) == 61
    assert history.index[-1] == pd.Timestamp("2024-03-01")
    assert history.iloc[-1] < history.loc["2024-01-15"]  # the purchase at as_of is not seen
    with pytest.warns(FutureWarning, match="'end' is now called 'as_of'"):
        old = clv_tables.probability_alive_history(model, dates, end="2024-03-01")
    pd.testing.assert_series_equal(old, history)
    assert (history.loc[:"2024-01-14"] == 1.0).all()  # no repeat purchase yet
    after = history.loc["2024-01-15":]
    assert after.iloc[0] < 1 and after.is_monotonic_decreasing
    matrix = clv_tables.probability_alive_matrix(model, max_frequency=5, T=10)
    assert matrix.shape == (6, 11)
    assert matrix.loc[0, 0] == 1.0 and matrix.loc[0, 1:].isna().all()
    assert matrix.loc[5, 10] > matrix.loc[5, 2]

"""helpers.clv.choice: the purchase model the report uses, chosen by backtest or likelihood."""

from __future__ import annotations

import pandas as pd
import pytest
from test_clv_comparison import simulated_lines

from helpers import clv


@pytest.fixture(scope="module")
def lines():
    return simulated_lines(1500, seed=3)  # 78 weeks from 2020-01-01


def test_a_long_log_is_backtested_with_26_week_holdouts(lines):
    end = pd.Timestamp("2021-06-30")  # 78 weeks and a day after the first purchase
    as_of = end + pd.Timedelta(days=1)  # the last observed day is end
    choice = clv.choose_purchase_model(lines, as_of=as_of)
    backtest = choice.comparison
    assert backtest is not None and backtest.holdout_length == 26
    # three calibration ends four weeks apart, the last one 26 weeks before the end
    last = end - pd.Timedelta(weeks=26)
    assert backtest.origins == [last - pd.Timedelta(weeks=w) for w in (8, 4, 0)]
    # the same backtest run by hand chooses the same model
    by_hand = clv.compare_models(
        lines[lines["invoice_date"] < as_of],
        {name: cls() for name, cls in clv.PURCHASE_MODELS.items()},
        calibration_ends=backtest.origins,
        as_of=as_of,
        holdout=26,
    )
    assert choice.name == by_hand.chosen and choice.reason == by_hand.reason
    # the chosen family is fitted on every line up to the end, in weeks
    assert isinstance(choice.model, clv.PURCHASE_MODELS[choice.name])
    assert choice.model.n_customers_ == lines["customer_id"].nunique()
    assert choice.summary.attrs["period"] == "W"
    # a caller's own summary of the same lines is used as it is, to the same choice
    again = clv.choose_purchase_model(lines, as_of=as_of, summary=choice.summary)
    assert again.summary is choice.summary and again.name == choice.name
    assert again.reason == choice.reason


def test_a_shorter_log_gets_13_week_holdouts(lines):
    as_of = pd.Timestamp("2020-11-01")  # 43 weeks after the first purchase: 39 <= 43 < 78
    choice = clv.choose_purchase_model(lines, as_of=as_of)
    assert choice.comparison is not None and choice.comparison.holdout_length == 13


def test_a_short_log_is_chosen_by_likelihood_and_says_so(lines):
    as_of = pd.Timestamp("2020-09-01")  # 35 weeks: too short for a 13-week backtest
    choice = clv.choose_purchase_model(lines, as_of=as_of)
    assert choice.comparison is None
    fitted = {
        name: cls().fit(choice.summary).log_likelihood_ for name, cls in clv.PURCHASE_MODELS.items()
    }
    assert choice.log_likelihoods == pytest.approx(fitted)
    assert choice.name == max(fitted, key=fitted.get)
    assert choice.reason.startswith(f"{choice.name}, the highest log-likelihood on all 1,")
    assert "the lines cover 35 weeks, too few for a backtest, which needs 39" in choice.reason


def test_no_repeat_purchase_is_refused():
    once = pd.DataFrame(
        {
            "customer_id": ["a", "b"],
            "invoice_date": pd.to_datetime(["2024-01-01", "2024-02-01"]),
            "amount": [5.0, 7.0],
        }
    )
    with pytest.raises(ValueError, match="none of the 2 customers bought twice by 2024-03-01"):
        clv.choose_purchase_model(once, as_of="2024-03-02")

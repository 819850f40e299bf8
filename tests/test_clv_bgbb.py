"""helpers.clv.BetaGeoBetaBinomModel: the donations table of Fader, Hardie & Shang (2010)
reproduced, and the expectations checked against a simulation of the model's story."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import fitted, real_file

from helpers import clv

PARAMS = {"alpha": 1.2, "beta": 0.75, "gamma": 0.66, "delta": 2.78}


@pytest.fixture(scope="module")
def model():
    return fitted(clv.BetaGeoBetaBinomModel(), PARAMS)


@pytest.fixture(scope="module")
def simulated():
    """Two million customers: purchase and dropout probabilities, opportunities alive."""
    rng = np.random.default_rng(7)
    n = 2_000_000
    buy = rng.beta(PARAMS["alpha"], PARAMS["beta"], n)
    leave = rng.beta(PARAMS["gamma"], PARAMS["delta"], n)
    # alive at the start of opportunity k with probability (1 - theta)^k: the opportunities
    # survived are the failures before the first dropout
    alive = rng.geometric(leave) - 1
    return rng, buy, alive


def test_expected_purchases_match_a_simulation(model, simulated):
    rng, buy, alive = simulated
    for t in (1, 5, 10):
        counts = rng.binomial(np.minimum(alive, t), buy)
        error = counts.std() / np.sqrt(len(counts))
        assert float(model.expected_purchases(t)) == pytest.approx(counts.mean(), abs=4 * error)


@pytest.mark.parametrize(("x", "tx"), [(0, 0), (6, 6)])
def test_probability_alive_matches_bayes(model, simulated, x, tx):
    # among simulated customers with this history over 6 opportunities (none, or every one),
    # the share still alive at opportunity 7
    rng, buy, alive = simulated
    purchases = rng.binomial(np.minimum(alive, 6), buy)
    same = purchases == x
    share = float((alive[same] >= 7).mean())
    error = np.sqrt(share * (1 - share) / same.sum())
    assert float(model.probability_alive(x, tx, 6)) == pytest.approx(share, abs=4 * error)


def test_conditional_expectation_is_alive_share_times_future_rate(model):
    # bought in every one of 6 opportunities: with theta and p known, the next t purchases
    # would be p * sum_k (1-theta)^k; the formula averages that over the posterior, so it
    # must lie between 0 and t and grow with t, and the busiest history expects the most
    histories = ([0, 3, 6], [0, 6, 6], [6, 6, 6])
    five = model.conditional_expected_purchases(5, *histories)
    ten = model.conditional_expected_purchases(10, *histories)
    assert np.all((five > 0) & (five < 5)) and np.all(ten > five)
    assert five[0] < five[1] < five[2]


def test_fit_checks_the_summary():
    bad = pd.DataFrame({"frequency": [3], "recency": [2], "periods": [6]})
    with pytest.raises(ValueError, match="recency"):
        clv.BetaGeoBetaBinomModel().fit(bad)
    bad = pd.DataFrame({"frequency": [1], "recency": [2], "periods": [1.5]})
    with pytest.raises(ValueError, match="periods"):
        clv.BetaGeoBetaBinomModel().fit(bad)


@pytest.mark.realdata
def test_donations_published_estimates():
    table = pd.read_csv(real_file("donations.csv"))
    assert len(table) == 22 and table["weights"].sum() == 11_104
    model = clv.BetaGeoBetaBinomModel().fit(table, weights=table["weights"])
    # Fader, Hardie & Shang (2010), the 1995 cohort's 6 repeat-donation opportunities
    published = {"alpha": 1.204, "beta": 0.750, "gamma": 0.657, "delta": 2.783}
    for name, value in published.items():
        assert model.params_[name] == pytest.approx(value, abs=5e-4), name
    assert model.log_likelihood_ == pytest.approx(-33_225.6, abs=0.05)
    assert model.converged_

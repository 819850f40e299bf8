"""helpers.clv.ModifiedBetaGeoModel: the published CDNOW estimates of Batislam et al. (2007),
and its expectations checked against a simulation of the model's own story."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import clv_summary, fitted, real_file

from helpers import clv
from helpers.clv_data import calibration_holdout
from helpers.datasets import load_cdnow

PARAMS = {"r": 0.5, "alpha": 6.0, "a": 1.5, "b": 2.5}


@pytest.fixture(scope="module")
def model():
    return fitted(clv.ModifiedBetaGeoModel(), PARAMS)


def _draws(n: int, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    rate = rng.gamma(PARAMS["r"], 1 / PARAMS["alpha"], n)
    dropout = rng.beta(PARAMS["a"], PARAMS["b"], n)
    return rate, dropout


def test_expected_purchases_match_a_simulation(model):
    # A new customer may drop out right after the first purchase (time 0) and after each
    # repeat one, so the repeats made while alive are geometric (failures before the first
    # dropout) and the purchases in (0, t] are min(that, Poisson(rate * t)).
    rng = np.random.default_rng(2)
    rate, dropout = _draws(400_000)
    t = 52.0
    alive_repeats = rng.geometric(dropout) - 1
    counts = np.minimum(alive_repeats, rng.poisson(rate * t))
    error = counts.std() / np.sqrt(len(counts))
    assert float(model.expected_purchases(t)) == pytest.approx(counts.mean(), abs=4 * error)


def test_probability_alive_without_repeat_matches_bayes(model):
    # No repeat purchase in (0, T]: either gone right after the first purchase (prob p), or
    # alive and no purchase yet (prob (1 - p) exp(-rate T)). Bayes over the population:
    rate, dropout = _draws(2_000_000, seed=3)
    for t_obs in (4.0, 26.0, 78.0):
        alive = (1 - dropout) * np.exp(-rate * t_obs)
        expected = alive.mean() / (dropout + alive).mean()
        got = float(model.probability_alive(0, 0, t_obs))
        assert got == pytest.approx(expected, rel=5e-3), t_obs
    # the point of the model: a one-time buyer fades, BG/NBD keeps them at 1
    bg = fitted(clv.BetaGeoModel(), PARAMS)
    assert float(bg.probability_alive(0, 0, 78.0)) == 1.0
    assert float(model.probability_alive(0, 0, 78.0)) < float(model.probability_alive(0, 0, 4.0))


def test_conditional_expectation_of_a_new_customer_is_the_unconditional_one(model):
    # a customer just acquired (x = 0, t_x = 0, T = 0) has only the prior to go on
    for t in (1.0, 13.0, 52.0):
        got = float(model.conditional_expected_purchases(t, 0, 0, 0))
        assert got == pytest.approx(float(model.expected_purchases(t)), rel=1e-10)


def test_more_recent_repeat_buyers_are_more_alive(model):
    p = model.probability_alive([3, 3, 3], [10.0, 30.0, 50.0], [52.0, 52.0, 52.0])
    assert np.all(np.diff(p) > 0) and p[-1] < 1
    assert float(model.probability_alive(3, 52.0, 52.0)) == pytest.approx(
        1 / (1 + 1.5 / (2.5 + 3)), rel=1e-12
    )  # bought at the very end: only the dropout right after that purchase can have struck


def test_fit_recovers_simulated_parameters():
    # customers drawn from the model, observed for 52 weeks, refitted
    rng = np.random.default_rng(5)
    n = 20_000
    rate, dropout = _draws(n, seed=6)
    t_obs = np.full(n, 52.0)
    alive_repeats = rng.geometric(dropout) - 1
    arrivals = rng.poisson(rate * t_obs)
    x = np.minimum(alive_repeats, arrivals)
    # the repeat times are uniform order statistics of the Poisson arrivals in (0, T]
    recency = np.array(
        [
            np.sort(rng.uniform(0, 52.0, k))[m - 1] if m else 0.0
            for k, m in zip(arrivals, x, strict=True)
        ]
    )
    summary = clv_summary(np.column_stack([x, recency, t_obs, np.ones(n)]).tolist())
    model = clv.ModifiedBetaGeoModel().fit(summary)
    for name, value in PARAMS.items():
        low, high = model.summary_.loc[name, ["lower_95", "upper_95"]]
        assert low <= value <= high, (name, low, value, high)


@pytest.mark.realdata
def test_cdnow_published_estimates():
    path = real_file("cdnow_sample.txt")
    cdnow = calibration_holdout(
        load_cdnow(path), holdout_start="1997-10-01", as_of="1998-07-01", period="W"
    )
    model = clv.ModifiedBetaGeoModel().fit(cdnow)
    # Batislam, Denizel & Filiztekin (2007), as BTYDplus and lifetimes report them
    published = {"r": 0.525, "alpha": 6.183, "a": 0.891, "b": 1.614}
    for name, value in published.items():
        assert model.params_[name] == pytest.approx(value, abs=5e-4), name
    assert model.converged_
    # one purchase, then nothing for 38.86 weeks: BG/NBD says alive for sure, MBG/NBD not
    assert float(model.probability_alive(0, 0, 38.86)) < 0.5
    pd.testing.assert_index_equal(model.params_.index, pd.Index(["r", "alpha", "a", "b"]))

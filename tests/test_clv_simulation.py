"""helpers.clv.simulation: the simulators against the models' own closed forms.

Every expectation here comes from the fitted-model formulas of helpers.clv (published
expressions of Fader, Hardie & Lee 2005, Batislam et al. 2007, Schmittlein et al. 1987 and
Fader, Hardie & Shang 2010) or from a hand computation, never from the simulator itself; the
tolerance is a few standard errors of the simulated mean. The future purchases are checked by
the tower rule: averaged over the customers, the model's E[Y(t) | x, t_x, T] is the mean
future count.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import special

from helpers import clv
from helpers.clv.simulation import (
    simulate_bg_bb,
    simulate_bg_nbd,
    simulate_gamma_gamma,
    simulate_mbg_nbd,
    simulate_pareto_nbd,
)

BG = {"r": 0.25, "alpha": 4.0, "a": 0.8, "b": 2.5}
PARETO = {"r": 0.55, "alpha": 10.6, "s": 0.6, "beta": 11.7}
MBG = {"r": 0.5, "alpha": 6.0, "a": 1.5, "b": 2.5}
BGBB = {"alpha": 1.2, "beta": 0.75, "gamma": 0.66, "delta": 2.78}  # FHS (2010) donations
N = 200_000


def model_with(cls, params):
    """A model of ``cls`` with ``params`` set as if fitted (no covariance)."""
    model = cls()
    k = len(cls.PARAMS)
    model._set_estimates(np.array([params[p] for p in cls.PARAMS], dtype=float), np.eye(k))
    return model


def arrays(frame):
    return (frame[c].to_numpy(dtype=float) for c in ("frequency", "recency", "T"))


def mean_within(values, expected, k=4.0):
    values = np.asarray(values, dtype=float)
    error = values.std() / np.sqrt(len(values))
    assert values.mean() == pytest.approx(expected, abs=k * error)


@pytest.fixture(scope="module")
def bg_shop():
    return simulate_bg_nbd(N, **BG, T=52.0, seed=1, latent=True)


@pytest.fixture(scope="module")
def pareto_shop():
    return simulate_pareto_nbd(N, **PARETO, T=39.0, seed=1, latent=True)


def test_bg_nbd_frequency_has_the_models_distribution(bg_shop):
    model = model_with(clv.BetaGeoModel, BG)
    x = bg_shop["frequency"].to_numpy()
    mean_within(x, float(model.expected_purchases(52.0)))
    for k in range(5):  # P(X(T) = k), FHL 2005 eq. 8
        mean_within(x == k, float(model.probability_of_purchases(52.0, k)))
    assert bg_shop.attrs["period"] == "W"
    assert list(bg_shop.columns[:3]) == ["frequency", "recency", "T"]
    assert bg_shop["frequency"].dtype == np.int64


def test_bg_nbd_recency_gives_the_models_posterior(bg_shop):
    # Law of total probability: averaged over the population, the model's P(alive | x, t_x,
    # T) is the share of customers alive; and the conditional expectation of the next 26
    # weeks averages to E[X(78)] - E[X(52)]. Both depend on recency, so on its draw.
    model = model_with(clv.BetaGeoModel, BG)
    x, tx, t_obs = arrays(bg_shop)
    alive = bg_shop["alive"].to_numpy()
    p_alive = model.probability_alive(x, tx, t_obs)
    mean_within(alive.astype(float) - p_alive, 0.0)
    # calibrated, not only on average: within bands of P(alive), the share alive matches
    for low, high in ((0.0, 0.3), (0.3, 0.7), (0.7, 0.99)):
        band = (p_alive >= low) & (p_alive < high)
        assert band.sum() > 2000
        mean_within(alive[band].astype(float) - p_alive[band], 0.0)
    expected = model.expected_purchases(78.0) - model.expected_purchases(52.0)
    mean_within(model.conditional_expected_purchases(26.0, x, tx, t_obs), float(expected))
    assert np.all(tx <= t_obs) and np.all(tx[x == 0] == 0) and np.all(tx[x > 0] > 0)


def test_pareto_nbd_matches_its_closed_forms(pareto_shop):
    model = model_with(clv.ParetoNBDModel, PARETO)
    x, tx, t_obs = arrays(pareto_shop)
    alive = pareto_shop["alive"].to_numpy().astype(float)
    mean_within(x, float(model.expected_purchases(39.0)))
    # by hand: P(tau > T) = E[exp(-mu T)] = (beta / (beta + T))^s
    mean_within(alive, (11.7 / (11.7 + 39.0)) ** 0.6)
    mean_within(alive - model.probability_alive(x, tx, t_obs), 0.0)
    expected = model.expected_purchases(65.0) - model.expected_purchases(39.0)
    mean_within(model.conditional_expected_purchases(26.0, x, tx, t_obs), float(expected))
    assert np.all(tx <= t_obs) and np.all(tx[x == 0] == 0)


def test_bg_nbd_future_purchases_follow_the_conditional_expectation():
    # E[x] = E[X(T)] per customer, and E[future] = E[E[Y(t) | x, t_x, T]] (tower rule), with
    # T uniform on whole days of a year (in weeks)
    rng = np.random.default_rng(1)
    n, weeks = 40_000, 26.0
    truth = {"r": 0.5, "alpha": 4.0, "a": 0.8, "b": 2.5}
    t_obs = rng.integers(7, 366, n) / 7
    data = simulate_bg_nbd(n, *truth.values(), t_obs, seed=rng, future=weeks)
    true = model_with(clv.BetaGeoModel, truth)
    x, tx, t_obs = arrays(data)
    mean_within(x, true.expected_purchases(t_obs).mean())
    future = data["future_purchases"].to_numpy()
    mean_within(future, true.conditional_expected_purchases(weeks, x, tx, t_obs).mean())
    assert (tx <= t_obs).all() and ((x > 0) | (tx == 0)).all()
    assert data["future_purchases"].dtype == np.int64


def test_future_window_leaves_the_observed_columns_unchanged():
    for simulate, params in ((simulate_bg_nbd, BG), (simulate_pareto_nbd, PARETO)):
        plain = simulate(300, **params, T=20.0, seed=9, latent=True)
        more = simulate(300, **params, T=20.0, seed=9, latent=True, future=[5.0] * 300)
        pd.testing.assert_frame_equal(more.drop(columns="future_purchases"), plain)
    plain = simulate_bg_bb(300, **BGBB, periods=6, seed=9)
    more = simulate_bg_bb(300, **BGBB, periods=6, seed=9, future=4)
    pd.testing.assert_frame_equal(more.drop(columns="future_purchases"), plain)
    # a window of length 0 holds no purchase
    none = simulate_mbg_nbd(300, **MBG, T=20.0, seed=9, future=0.0)
    assert (none["future_purchases"] == 0).all()


def test_mbg_nbd_matches_its_closed_forms():
    model = model_with(clv.ModifiedBetaGeoModel, MBG)
    shop = simulate_mbg_nbd(N, **MBG, T=52.0, seed=2, latent=True, future=26.0)
    x, tx, t_obs = arrays(shop)
    alive = shop["alive"].to_numpy().astype(float)
    mean_within(x, float(model.expected_purchases(52.0)))
    p_alive = model.probability_alive(x, tx, t_obs)
    mean_within(alive - p_alive, 0.0)
    # the point of the model: one-time buyers may be gone (BG/NBD keeps them all alive)
    one_time = x == 0
    assert alive[one_time].mean() < 0.9
    mean_within(alive[one_time] - p_alive[one_time], 0.0)
    expected = model.conditional_expected_purchases(26.0, x, tx, t_obs)
    mean_within(shop["future_purchases"].to_numpy() - expected, 0.0)
    # by hand: with dropout at the first purchase possible, x is 0 for at least the share
    # E[p] = a / (a + b) of customers who leave at once
    assert (x == 0).mean() > MBG["a"] / (MBG["a"] + MBG["b"])


def test_pareto_nbd_future_purchases_follow_the_conditional_expectation():
    model = model_with(clv.ParetoNBDModel, PARETO)
    shop = simulate_pareto_nbd(50_000, **PARETO, T=39.0, seed=6, future=26.0)
    x, tx, t_obs = arrays(shop)
    expected = model.conditional_expected_purchases(26.0, x, tx, t_obs)
    mean_within(shop["future_purchases"].to_numpy() - expected, 0.0)


def test_bg_bb_matches_its_closed_forms():
    model = model_with(clv.BetaGeoBetaBinomModel, BGBB)
    shop = simulate_bg_bb(N, **BGBB, periods=6, seed=3, latent=True, future=5)
    assert list(shop.columns[:3]) == ["frequency", "recency", "periods"]
    assert "period" not in shop.attrs  # opportunities, not a unit of time
    x, tx, n = (shop[c].to_numpy(dtype=float) for c in ("frequency", "recency", "periods"))
    assert np.all(x <= tx) and np.all(tx <= n) and np.all(tx[x == 0] == 0)
    mean_within(x, float(model.expected_purchases(6)))
    alive = shop["alive"].to_numpy().astype(float)
    mean_within(alive - model.probability_alive(x, tx, n), 0.0)
    expected = model.conditional_expected_purchases(5, x, tx, n)
    mean_within(shop["future_purchases"].to_numpy() - expected, 0.0)
    # by hand: P(alive at opportunity 7) = E[(1 - theta)^7] = B(gamma, delta + 7) / B(gamma, delta)
    g, d = BGBB["gamma"], BGBB["delta"]
    mean_within(alive, np.exp(special.betaln(g, d + 7) - special.betaln(g, d)))


def test_bg_bb_fit_recovers_the_parameters():
    truth = np.array(list(BGBB.values()))
    data = simulate_bg_bb(4000, *truth, 6, seed=np.random.default_rng(3))
    model = clv.BetaGeoBetaBinomModel().fit(data)
    z = (model.params_.to_numpy() - truth) / model.standard_errors_.to_numpy()
    assert np.all(np.abs(z) < 3), z


def test_per_customer_parameters_and_observation_lengths():
    # two segments in one call: each behaves as its own parameters say, at its own T
    n = 100_000
    segment = np.arange(n) % 2 == 1
    alpha = np.where(segment, 2.0, 8.0)
    t_obs = np.where(segment, 26.0, 52.0)
    shop = simulate_bg_nbd(n, BG["r"], alpha, BG["a"], BG["b"], t_obs, seed=3)
    for flag, a_value, t_value in ((False, 8.0, 52.0), (True, 2.0, 26.0)):
        model = model_with(clv.BetaGeoModel, BG | {"alpha": a_value})
        rows = shop[segment == flag]
        assert (rows["T"] == t_value).all()
        mean_within(rows["frequency"], float(model.expected_purchases(t_value)))
    beta = np.where(segment, 5.0, 40.0)
    shop = simulate_pareto_nbd(n, 0.55, 10.6, 0.6, beta, 39.0, seed=4, latent=True)
    for flag, b_value in ((False, 40.0), (True, 5.0)):
        rows = shop[segment == flag]
        mean_within(rows["alive"].astype(float), (b_value / (b_value + 39.0)) ** 0.6)


def test_gamma_gamma_mean_spend():
    p, q, gamma = 6.0, 4.0, 15.0
    frequency = pd.Series(np.tile([0, 1, 2, 5], 50_000), name="frequency")
    frequency.index = frequency.index + 1000  # the result keeps the index
    spend = simulate_gamma_gamma(frequency, p, q, gamma, seed=5)
    assert spend.name == "monetary_value" and spend.index.equals(frequency.index)
    assert (spend[frequency == 0] == 0).all()  # helpers.clv_data's convention
    buyers = spend[frequency > 0]
    assert (buyers > 0).all()
    # E[mean spend] = E[p / nu] = p gamma / (q - 1), whatever the number of purchases
    for k in (1, 2, 5):
        mean_within(spend[frequency == k], p * gamma / (q - 1))
    # and the spread of one customer's mean shrinks with k: Var = E[p/(k nu^2)] + Var(p/nu)
    e_inv_nu2 = gamma**2 / ((q - 1) * (q - 2))
    var_between = p**2 * gamma**2 / ((q - 1) ** 2 * (q - 2))
    for k in (1, 5):
        assert spend[frequency == k].var() == pytest.approx(
            p / k * e_inv_nu2 + var_between, rel=0.05
        )


def test_fitting_the_simulated_data_recovers_the_parameters():
    shop = simulate_bg_nbd(20_000, **BG, T=52.0, seed=7)
    fit = clv.BetaGeoModel().fit(shop)
    for name, value in BG.items():
        assert fit.summary_.loc[name, "lower_95"] < value < fit.summary_.loc[name, "upper_95"]
    shop["monetary_value"] = simulate_gamma_gamma(shop["frequency"], 6.0, 4.0, 15.0, seed=8)
    spend = clv.GammaGamma().fit(shop)
    for name, value in {"p": 6.0, "q": 4.0, "gamma": 15.0}.items():
        assert spend.summary_.loc[name, "lower_95"] < value < spend.summary_.loc[name, "upper_95"]


def test_same_seed_same_draws():
    first = simulate_pareto_nbd(500, **PARETO, T=30.0, seed=11)
    pd.testing.assert_frame_equal(first, simulate_pareto_nbd(500, **PARETO, T=30.0, seed=11))
    assert not first.equals(simulate_pareto_nbd(500, **PARETO, T=30.0, seed=12))
    again = simulate_bg_nbd(500, **BG, T=30.0, seed=np.random.default_rng(11))
    pd.testing.assert_frame_equal(again, simulate_bg_nbd(500, **BG, T=30.0, seed=11))
    x = first["frequency"]
    assert simulate_gamma_gamma(x, 2, 3, 4, seed=1).equals(simulate_gamma_gamma(x, 2, 3, 4, seed=1))


def test_edge_cases():
    assert len(simulate_bg_nbd(0, **BG, T=10.0)) == 0
    none = simulate_bg_nbd(50, **BG, T=0.0)  # observed for no time: nothing seen
    assert (none["frequency"] == 0).all() and (none["recency"] == 0).all()
    # a dropout probability that underflows to 0 (a tiny): the customer never leaves
    loyal = simulate_bg_nbd(2000, 1.0, 1.0, 1e-6, 1.0, 20.0, seed=2, latent=True)
    assert loyal["alive"].mean() > 0.99


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: simulate_bg_nbd(10, -1.0, 1.0, 1.0, 1.0, 5.0), "r must be a finite number > 0"),
        (lambda: simulate_bg_nbd(10, 1.0, np.ones(9), 1.0, 1.0, 5.0), "alpha must be a scalar"),
        (lambda: simulate_bg_nbd(-1, 1.0, 1.0, 1.0, 1.0, 5.0), "n must be a whole number"),
        (lambda: simulate_bg_nbd(2.5, 1.0, 1.0, 1.0, 1.0, 5.0), "n must be a whole number"),
        (lambda: simulate_pareto_nbd(3, 1.0, 1.0, 1.0, 1.0, [1, -2, 3]), "T must be"),
        (lambda: simulate_pareto_nbd(3, 1.0, 1.0, np.nan, 1.0, 1.0), "s must be"),
        (lambda: simulate_gamma_gamma([1, 2.5], 1.0, 2.0, 3.0), "frequency must be a whole"),
        (lambda: simulate_gamma_gamma([1, 2], 1.0, [2.0, 0.0], 3.0), "q must be"),
        (lambda: simulate_bg_nbd(3, 1.0, 1.0, 1.0, 1.0, 5.0, future=-1.0), "future must be"),
        (lambda: simulate_mbg_nbd(3, 1.0, 1.0, 0.0, 1.0, 5.0), "a must be a finite number > 0"),
        (lambda: simulate_bg_bb(3, 1.0, 1.0, 1.0, 1.0, 2.5), "periods must be a whole number"),
        (lambda: simulate_bg_bb(3, 1.0, 1.0, 1.0, 1.0, 2, future=0.5), "future must be a whole"),
    ],
)
def test_bad_input_is_named(call, message):
    with pytest.raises(ValueError, match=message):
        call()

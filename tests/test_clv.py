"""Tests of helpers.clv: hand-computed likelihoods and the published CDNOW estimates.

The CDNOW numbers are from Fader, Hardie & Lee (2005, BG/NBD: r, alpha, a, b, LL and the
worked example of conditional expected purchases), Fader, Hardie & Lee (2005, "Counting your
customers" the easy way, and the Pareto/NBD estimates in their Excel note) and Fader & Hardie
(2013, the Gamma-Gamma note: p, q, gamma on the 946 repeat buyers).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import clv_summary, fitted, real_file
from scipy import integrate, stats

from helpers import clv
from helpers.clv_data import calibration_holdout
from helpers.datasets import load_cdnow

# --- BG/NBD ----------------------------------------------------------------------------------


def test_bgnbd_likelihood_of_one_customer_matches_the_closed_form_by_hand():
    r, alpha, a, b = 0.5, 3.0, 1.2, 2.5
    x, tx, big_t = 3, 10.0, 20.0

    def beta(u, v):
        return math.gamma(u) * math.gamma(v) / math.gamma(u + v)

    # FHL 2005 eq. (6), written out
    common = math.gamma(r + x) * alpha**r / math.gamma(r)
    alive = beta(a, b + x) / beta(a, b) * common / (alpha + big_t) ** (r + x)
    dead = beta(a + 1, b + x - 1) / beta(a, b) * common / (alpha + tx) ** (r + x)
    model = fitted(clv.BetaGeoModel(), [r, alpha, a, b])
    assert model.log_likelihood([x], [tx], [big_t])[0] == pytest.approx(math.log(alive + dead))
    # x = 0: only the "still alive" term, B(a, b)/B(a, b) = 1
    assert model.log_likelihood([0], [0], [big_t])[0] == pytest.approx(
        math.log(alpha**r / (alpha + big_t) ** r)
    )


def test_bgnbd_probability_alive_is_one_without_repeat_purchases():
    # In BG/NBD a customer can only drop out right after a repeat purchase: x = 0 -> P = 1.
    model = fitted(clv.BetaGeoModel(), [0.24, 4.4, 0.79, 2.4])
    assert model.probability_alive([0, 0], [0, 0], [5.0, 500.0]).tolist() == [1.0, 1.0]
    # by hand: 1 / (1 + a / (b + x - 1) * ((alpha + T) / (alpha + t_x)) ** (r + x))
    r, alpha, a, b = 0.24, 4.4, 0.79, 2.4
    expected = 1 / (1 + a / (b + 2 - 1) * ((alpha + 30) / (alpha + 10)) ** (r + 2))
    assert model.probability_alive(2, 10, 30) == pytest.approx(expected)
    # a recent buyer is more likely alive than one whose last purchase is long ago
    assert model.probability_alive(2, 29, 30) > model.probability_alive(2, 1, 30)


def test_bgnbd_expectations_agree_with_each_other():
    model = fitted(clv.BetaGeoModel(), [0.5, 3.0, 1.5, 2.5])
    t = 20.0
    # E[X(t)] = sum_n n P(X(t) = n)
    probabilities = np.array([model.probability_of_purchases(t, n) for n in range(400)])
    assert probabilities.sum() == pytest.approx(1.0, abs=1e-9)
    assert (np.arange(400) * probabilities).sum() == pytest.approx(model.expected_purchases(t))
    # a customer just acquired (x = 0, t_x = 0, T = 0) expects E[X(t)]
    assert model.conditional_expected_purchases(t, 0, 0, 0) == pytest.approx(
        model.expected_purchases(t)
    )


# --- Pareto/NBD: the likelihood against direct numerical integration ----------------------------


@pytest.mark.parametrize(
    "params",
    [(0.55, 10.6, 0.61, 11.7), (0.8, 9.0, 1.5, 3.0)],
    ids=["alpha<beta", "alpha>beta"],
)
@pytest.mark.parametrize("history", [(0, 0.0, 30.0), (3, 12.0, 30.0)])
def test_pareto_nbd_likelihood_matches_integration_over_lambda_and_mu(params, history):
    r, alpha, s, beta = params
    x, tx, big_t = history

    # individual likelihood: lambda^x / (lambda + mu) [mu e^-(l+m) tx + lambda e^-(l+m) T]
    def gamma_pdf(value, shape, rate):
        return math.exp(
            shape * math.log(rate)
            + (shape - 1) * math.log(value)
            - rate * value
            - math.lgamma(shape)
        )

    def integrand(mu, lam):
        total = lam + mu
        individual = lam**x / total * (mu * math.exp(-total * tx) + lam * math.exp(-total * big_t))
        return individual * gamma_pdf(lam, r, alpha) * gamma_pdf(mu, s, beta)

    value, _ = integrate.dblquad(integrand, 0, np.inf, 0, np.inf, epsabs=1e-12, epsrel=1e-8)
    model = fitted(clv.ParetoNBDModel(), list(params))
    assert model.log_likelihood([x], [tx], [big_t])[0] == pytest.approx(math.log(value), abs=1e-5)


def test_pareto_nbd_likelihood_both_hypergeometric_cases():
    # alpha >= beta and alpha < beta use different 2F1 forms; near alpha = beta they must meet
    model_low = fitted(clv.ParetoNBDModel(), [0.6, 5.0, 0.7, 5.0 + 1e-7])
    model_high = fitted(clv.ParetoNBDModel(), [0.6, 5.0 + 1e-7, 0.7, 5.0])
    args = ([4], [20.0], [35.0])
    assert model_low.log_likelihood(*args)[0] == pytest.approx(
        model_high.log_likelihood(*args)[0], abs=1e-6
    )
    # a heavy buyer (x = 200) stays finite: no overflow in the hypergeometric terms
    heavy = fitted(clv.ParetoNBDModel(), [0.55, 10.6, 0.61, 11.7])
    assert np.isfinite(heavy.log_likelihood([200], [38.0], [39.0])[0])
    assert 0 < heavy.probability_alive(200, 38.0, 39.0) <= 1


# --- Gamma-Gamma ----------------------------------------------------------------------------------


def test_gamma_gamma_likelihood_matches_integration_over_nu():
    p, q, g = 6.0, 3.5, 15.0
    x, m = 3, 40.0
    # mean of x gamma(p, nu) spends is gamma(p x, x nu); nu ~ gamma(q, g)
    value, _ = integrate.quad(
        lambda nu: (
            stats.gamma.pdf(m, p * x, scale=1 / (x * nu)) * stats.gamma.pdf(nu, q, scale=1 / g)
        ),
        0,
        np.inf,
    )
    model = fitted(clv.GammaGamma(), [p, q, g])
    assert model._loglik(np.array([p, q, g]), np.array([x]), np.array([m]))[0] == pytest.approx(
        math.log(value)
    )
    # conditional expectation: weighted mean of the population mean p g / (q - 1) and m
    weight = p * x / (p * x + q - 1)
    expected = (1 - weight) * p * g / (q - 1) + weight * m
    assert model.conditional_expected_spend(x, m) == pytest.approx(expected)
    assert model.conditional_expected_spend(0, 0.0) == pytest.approx(p * g / (q - 1))


def test_gamma_gamma_rejects_repeat_buyers_without_spend():
    summary = clv_summary([[2, 3.0, 5.0, 0.0], [0, 0.0, 5.0, 0.0]])
    with pytest.raises(ValueError, match="monetary_value.*> 0.*e.g. row 0"):
        clv.GammaGamma().fit(summary)


# --- exact gradients ----------------------------------------------------------------------------


def _central_difference(function, point, step=1e-6):
    """Central-difference gradient of a scalar ``function``, relative steps."""
    point = np.asarray(point, dtype=float)
    out = np.empty(len(point))
    for i in range(len(point)):
        h = step * max(abs(point[i]), 1.0)
        up, down = point.copy(), point.copy()
        up[i] += h
        down[i] -= h
        out[i] = (function(up) - function(down)) / (2 * h)
    return out


@pytest.mark.parametrize(
    "params", [(0.243, 4.414, 0.793, 2.426), (0.5, 3.0, 1.2, 2.5), (2.0, 0.5, 5.0, 0.3)]
)
def test_bgnbd_gradient_matches_finite_differences(params):
    x = np.array([0, 0, 1, 2, 3, 7, 25], dtype=float)
    tx = np.array([0, 0, 4.0, 10.0, 30.5, 38.0, 38.9])
    t_obs = np.array([5.0, 39.0, 20.0, 30.0, 38.9, 39.0, 39.0])
    counts = np.array([3.0, 10.0, 2.0, 1.0, 4.0, 1.0, 2.0])

    def total(p):
        return counts @ clv.BetaGeoModel._loglik(p, x, tx, t_obs)

    value, grad = clv.BetaGeoModel()._objective((x, tx, t_obs), counts)(np.array(params))
    assert value == pytest.approx(total(np.array(params)), rel=1e-12)
    assert grad == pytest.approx(_central_difference(total, params), rel=1e-6, abs=1e-7)


@pytest.mark.parametrize("params", [(6.25, 3.74, 15.44), (1.0, 1.0, 1.0), (0.5, 10.0, 200.0)])
def test_gamma_gamma_gradient_matches_finite_differences(params):
    # rows repeat x (the objective sums the gamma terms once per value of x) and have weights
    x = np.array([1, 1, 2, 5, 30, 2], dtype=float)
    m = np.array([5.0, 40.0, 12.5, 100.0, 33.3, 7.0])
    counts = np.array([3.0, 1.0, 2.0, 1.0, 4.0, 1.0])

    def total(p):
        return counts @ clv.GammaGamma._loglik(p, x, m)

    value, grad = clv.GammaGamma()._objective((x, m), counts)(np.array(params))
    assert value == pytest.approx(total(np.array(params)), rel=1e-12)
    assert grad == pytest.approx(_central_difference(total, params), rel=1e-6, abs=1e-7)


def test_gamma_gamma_needs_whole_frequencies():
    summary = clv_summary([[2.5, 3.0, 5.0, 10.0], [1, 2.0, 5.0, 4.0]])
    with pytest.raises(ValueError, match="frequency.*whole number.*2.5"):
        clv.GammaGamma().fit(summary)


# --- fitting ------------------------------------------------------------------------------------


def _simulate_bgnbd(n, r, alpha, a, b, seed=0):
    """Draw BG/NBD summaries by the model's story; whole-day times so that rows repeat."""
    rng = np.random.default_rng(seed)
    rows = []
    for _ in range(n):
        rate, dropout = rng.gamma(r, 1 / alpha), rng.beta(a, b)
        big_t = float(rng.integers(30, 53))
        times, now = [], 0.0
        while True:
            now += rng.exponential(1 / rate)
            if now > big_t:
                break
            times.append(math.floor(now * 7) / 7)
            if rng.random() < dropout:
                break
        rows.append([len(times), times[-1] if times else 0.0, big_t, 10.0])
    return clv_summary(rows)


def test_fit_recovers_simulated_parameters_and_groups_identical_rows():
    truth = {"r": 0.5, "alpha": 4.0, "a": 0.8, "b": 2.5}
    summary = _simulate_bgnbd(3000, **truth)
    model = clv.BetaGeoModel().fit(summary)
    for name, value in truth.items():
        low, high = model.summary_.loc[name, ["lower_95", "upper_95"]]
        assert low / 1.5 < value < high * 1.5, (name, low, high)
    assert model.n_distinct_rows_ < len(summary)
    distinct = summary.groupby(["frequency", "recency", "T"]).size().rename("n").reset_index()
    weighted = clv.BetaGeoModel().fit(distinct, weights=distinct["n"])
    assert weighted.params_.to_numpy() == pytest.approx(model.params_.to_numpy(), rel=1e-4)
    assert weighted.log_likelihood_ == pytest.approx(model.log_likelihood_)
    assert model.summary_.columns.tolist() == ["estimate", "standard_error", "lower_95", "upper_95"]


def test_fit_rejects_recency_after_t_naming_the_column():
    summary = clv_summary([[1, 12.0, 10.0, 5.0], [0, 0.0, 10.0, 0.0]])
    with pytest.raises(ValueError, match="recency.*<= T.*position 0"):
        clv.BetaGeoModel().fit(summary)
    with pytest.raises(ValueError, match="'frequency' is required but missing"):
        clv.BetaGeoModel().fit(summary.drop(columns="frequency"))
    with pytest.raises(ValueError, match="not fitted yet"):
        clv.BetaGeoModel().probability_alive(1, 1, 2)


# --- CDNOW: the published estimates -------------------------------------------------------------


@pytest.fixture(scope="module")
def cdnow():
    path = real_file("cdnow_sample.txt")
    return calibration_holdout(
        load_cdnow(path), holdout_start="1997-10-01", as_of="1998-07-01", period="W"
    )


@pytest.mark.realdata
def test_cdnow_summary(cdnow):
    assert len(cdnow) == 2357
    assert (cdnow["frequency"] > 0).sum() == 946
    assert cdnow.attrs["holdout_length"] == 39
    # the paper's worked example is customer 00004
    row = cdnow.loc["00004"]
    assert row["frequency"] == 2
    assert row["recency"] == pytest.approx(30.43, abs=0.005)
    assert row["T"] == pytest.approx(38.86, abs=0.005)


@pytest.mark.realdata
def test_cdnow_bgnbd_published_estimates(cdnow):
    model = clv.BetaGeoModel().fit(cdnow)
    published = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
    for name, value in published.items():
        assert model.params_[name] == pytest.approx(value, abs=5e-4), name
    assert model.log_likelihood_ == pytest.approx(-9582.4, abs=0.05)
    expected = model.conditional_expected_purchases(39, 2, 30.43, 38.86)
    assert expected == pytest.approx(1.226, abs=5e-4)


@pytest.mark.realdata
def test_cdnow_pareto_nbd_published_estimates(cdnow):
    model = clv.ParetoNBDModel().fit(cdnow)
    published = {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669}
    for name, value in published.items():
        assert model.params_[name] == pytest.approx(value, abs=5e-4), name


@pytest.mark.realdata
def test_cdnow_gamma_gamma_published_estimates(cdnow):
    model = clv.GammaGamma().fit(cdnow)
    assert model.n_customers_ == 946
    published = {"p": 6.25, "q": 3.74, "gamma": 15.44}
    for name, value in published.items():
        assert model.params_[name] == pytest.approx(value, abs=5e-3), name
    # Fader & Hardie report a correlation of 0.11 between frequency and average spend
    assert model.independence(cdnow)["pearson"] == pytest.approx(0.11, abs=0.005)


@pytest.mark.realdata
@pytest.mark.parametrize("model_class", [clv.GammaGamma, clv.BetaGeoModel, clv.ParetoNBDModel])
def test_fits_end_at_the_maximum_whatever_the_last_bit_or_the_start(cdnow, model_class):
    """Spends changed in their last bit, or another start, give the same estimates to 1e-10.

    BFGS alone stops 1e-7 short of the maximum, at a place that depends on its path (2e-6
    apart on Online Retail's spends summed in two orders); the fit finishes with Newton steps.
    """
    base = model_class().fit(cdnow)
    moved = cdnow.copy()
    spend = moved["monetary_value"].to_numpy()
    moved["monetary_value"] = np.where(spend > 0, np.nextafter(spend, np.inf), 0.0)
    other_start = np.asarray(base.params_) * 1.3
    for refit in (model_class().fit(moved), model_class(initial_params=other_start).fit(cdnow)):
        np.testing.assert_allclose(refit.params_, base.params_, rtol=1e-10, atol=0)


@pytest.mark.realdata
def test_gamma_gamma_does_not_depend_on_the_currency(cdnow):
    """Spends in cents: p and q the same, gamma 100 times larger (the start follows the data)."""
    pounds = clv.GammaGamma().fit(cdnow)
    cents = cdnow.assign(monetary_value=cdnow["monetary_value"] * 100)
    fitted_cents = clv.GammaGamma().fit(cents)
    expected = pounds.params_ * np.array([1.0, 1.0, 100.0])
    np.testing.assert_allclose(fitted_cents.params_, expected, rtol=1e-9, atol=0)


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"initial_params": [1, 2]}, r"initial_params must hold 4 positive numbers \(r, alpha"),
        ({"initial_params": [0, 1, 1, 1]}, "got \\[0, 1, 1, 1\\]"),
        ({"initial_params": [1, 1, float("nan"), 1]}, "4 positive numbers"),
        ({"max_iter": -3}, "max_iter must be a whole number >= 1; got -3"),
        ({"max_iter": 2.5}, "max_iter must be a whole number"),
    ],
)
def test_unusable_settings_are_refused_at_fit_naming_the_model(settings, message):
    # issue 27: [1, 2] used to fail with "not enough values to unpack" and [0, 1, 1, 1] to
    # return r = 0 with converged_ True; max_iter=-3 was accepted
    summary = clv_summary([[2, 3.0, 5.0, 10.0], [0, 0.0, 5.0, 0.0], [1, 2.0, 4.0, 5.0]])
    with pytest.raises(ValueError, match=message) as raised:
        clv.BetaGeoModel(**settings).fit(summary)
    assert str(raised.value).startswith("BetaGeoModel: ")
    with pytest.raises(ValueError, match=r"^GammaGamma: initial_params must hold 3 positive"):
        clv.GammaGamma(initial_params=[1, 2]).fit(summary)

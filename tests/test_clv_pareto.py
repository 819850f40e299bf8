"""helpers.clv.ParetoNBDModel: the quadrature likelihood and its exact gradient.

Three independent implementations meet here: the quadrature (the model's own), the
hypergeometric closed form of Fader & Hardie (2005, kept as ``_loglik_closed_form``) and,
for rows where SciPy's 2F1 cannot be trusted, adaptive integration by ``scipy.integrate.quad``
of the likelihood's integral form. The gradient is checked against central differences of
the closed form; the CDNOW fit against the published estimates of Fader, Hardie & Lee
(r, alpha, s, beta = 0.553, 10.578, 0.606, 11.669; LL -9595.0) and against a fit of the
closed form on finite differences.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import fitted, real_file
from scipy import integrate

from helpers import clv
from helpers.clv_data import calibration_holdout
from helpers.datasets import load_cdnow

Model = clv.ParetoNBDModel

# rows (x, t_x, T): no repeat purchase, last purchase at the end (t_x = T), a repeat
# purchase at t_x = 0, ordinary ones, heavy buyers, a long and a very short observation
ROWS = np.array(
    [
        [0, 0.0, 39.0],
        [0, 0.0, 0.5],
        [0, 0.0, 500.0],
        [1, 0.0, 39.0],
        [2, 39.0, 39.0],
        [3, 12.0, 30.0],
        [7, 30.5, 38.9],
        [60, 20.0, 39.0],
        [200, 38.0, 39.0],
        [200, 1.0, 39.0],
        [50, 5.0, 1000.0],
    ]
)
X, TX, T_OBS = ROWS.T

PARAMS = {
    "CDNOW, alpha<beta": (0.553, 10.578, 0.606, 11.669),
    "alpha>beta": (0.8, 9.0, 1.5, 3.0),
    "alpha<<beta": (0.3, 2.0, 0.2, 40.0),
    "alpha>>beta, s>1": (2.0, 0.5, 5.0, 0.3),
    "alpha=beta": (1.2, 4.0, 0.9, 4.0),
}


def _integrated(params, x, tx, t_obs) -> float:
    """log L by adaptive quadrature of the integral form, in t = log(m + y), m = min shift."""
    r, alpha, s, beta = params
    p, q = r + x, s + 1

    def log_f(y):
        return -p * math.log(alpha + y) - q * math.log(beta + y)

    m = min(alpha, beta)
    start = log_f(tx)  # f is decreasing: its largest value, to scale by
    lo, hi = math.log(m + tx), math.log(m + t_obs)
    edges = np.linspace(lo, hi, 60)
    integral = sum(
        integrate.quad(
            lambda t: math.exp(log_f(math.exp(t) - m) - start + t), a, b, epsabs=0, epsrel=1e-13
        )[0]
        for a, b in zip(edges[:-1], edges[1:], strict=True)
    )
    log_alive = -p * math.log(alpha + t_obs) - s * math.log(beta + t_obs)
    log_dead = math.log(s) + math.log(integral) + start if integral > 0 else -math.inf
    common = math.lgamma(r + x) - math.lgamma(r) + r * math.log(alpha) + s * math.log(beta)
    return common + float(np.logaddexp(log_alive, log_dead))


def _central(function, point, step=1e-6):
    """Central differences of ``function`` (vector-valued) at ``point``, relative steps."""
    point = np.asarray(point, dtype=float)
    columns = []
    for i in range(len(point)):
        h = step * point[i]
        up, down = point.copy(), point.copy()
        up[i] += h
        down[i] -= h
        columns.append((function(up) - function(down)) / (2 * h))
    return np.column_stack(columns)


# --- the likelihood --------------------------------------------------------------------------


@pytest.mark.parametrize("params", PARAMS.values(), ids=PARAMS.keys())
def test_quadrature_matches_the_closed_form(params):
    quadrature = Model._loglik(np.array(params), X, TX, T_OBS)
    closed = Model._loglik_closed_form(np.array(params), X, TX, T_OBS)
    # 1e-9 relative on L is 1e-9 absolute on log L
    np.testing.assert_allclose(quadrature, closed, rtol=1e-12, atol=1e-9)


@pytest.mark.parametrize(
    ("params", "row"),
    [
        ((5.0, 1e-3, 0.1, 1e3), (200, 1.0, 39.0)),  # SciPy's 2F1 is off by hundreds here
        ((0.05, 100.0, 3.0, 0.01), (200, 1.0, 39.0)),
        ((0.2, 0.01, 20.0, 50.0), (0, 0.0, 500.0)),  # long range, steep dropout factor
        ((30.0, 300.0, 0.01, 0.02), (200, 0.01, 500.0)),
        ((0.1, 1.2e-3, 10.7, 16.5), (0, 0.0, 1987.5)),  # 64 nodes
        ((0.5, 1e-4, 0.5, 1e-4), (1, 1e-6, 1.001e-6)),
    ],
)
def test_quadrature_matches_adaptive_integration_on_extreme_rows(params, row):
    got = Model._loglik(np.array(params), *(np.array([v]) for v in row))[0]
    assert got == pytest.approx(_integrated(params, *row), abs=1e-9)


def test_cdnow_rows_match_the_closed_form():
    path = real_file("cdnow_sample.txt")
    cdnow = calibration_holdout(
        load_cdnow(path), holdout_start="1997-10-01", as_of="1998-07-01", period="W"
    )
    x, tx, t_obs = (cdnow[c].to_numpy(float) for c in ("frequency", "recency", "T"))
    for params in [(0.553, 10.578, 0.606, 11.669), (1.0, 1.0, 1.0, 1.0), (0.3, 30.0, 2.0, 5.0)]:
        quadrature = Model._loglik(np.array(params), x, tx, t_obs)
        closed = Model._loglik_closed_form(np.array(params), x, tx, t_obs)
        np.testing.assert_allclose(quadrature, closed, rtol=1e-12, atol=1e-10)


# --- the exact gradient ----------------------------------------------------------------------


@pytest.mark.parametrize("params", PARAMS.values(), ids=PARAMS.keys())
def test_row_gradient_matches_differences_of_the_closed_form(params):
    grad = Model._row_gradient(np.array(params), X, TX, T_OBS)
    assert grad.shape == (len(X), 4)
    expected = _central(lambda p: Model._loglik_closed_form(p, X, TX, T_OBS), params)
    np.testing.assert_allclose(grad, expected, rtol=1e-6, atol=1e-6)


def test_objective_is_the_weighted_sum_of_rows():
    counts = np.arange(1.0, len(X) + 1)
    params = np.array(PARAMS["alpha>beta"])
    value, grad = Model()._objective((X, TX, T_OBS), counts)(params)
    assert value == pytest.approx(counts @ Model._loglik_closed_form(params, X, TX, T_OBS))
    np.testing.assert_allclose(grad, counts @ Model._row_gradient(params, X, TX, T_OBS))
    expected = _central(lambda p: counts @ Model._loglik_closed_form(p, X, TX, T_OBS), params)
    np.testing.assert_allclose(grad, expected.ravel(), rtol=1e-6)


# --- parameters per row (covariates) ---------------------------------------------------------


def test_parameters_per_row_equal_a_loop_over_scalar_ones():
    rng = np.random.default_rng(0)
    n = len(X)
    # alpha above beta on some rows, below on others, equal on one
    per_row = np.column_stack(
        [
            rng.uniform(0.3, 2.0, n),
            rng.uniform(0.5, 20.0, n),
            rng.uniform(0.3, 2.0, n),
            rng.uniform(0.5, 20.0, n),
        ]
    )
    per_row[3, 3] = per_row[3, 1]
    assert (per_row[:, 1] > per_row[:, 3]).any() and (per_row[:, 1] < per_row[:, 3]).any()
    params = tuple(per_row.T)
    loop = [
        (
            Model._loglik(per_row[i], X[i : i + 1], TX[i : i + 1], T_OBS[i : i + 1])[0],
            Model._loglik_closed_form(per_row[i], X[i], TX[i], T_OBS[i]),
            Model._row_gradient(per_row[i], X[i : i + 1], TX[i : i + 1], T_OBS[i : i + 1])[0],
            Model._probability_alive(per_row[i], X[i], TX[i], T_OBS[i]),
            Model._conditional_expected(per_row[i], 26.0, X[i], TX[i], T_OBS[i]),
        )
        for i in range(n)
    ]
    loglik, closed, grad, alive, expected = (np.array(v) for v in zip(*loop, strict=True))
    # equal up to rounding (sums over nodes may be taken in another order)
    for got, want in [
        (Model._loglik(params, X, TX, T_OBS), loglik),
        (Model._loglik_closed_form(params, X, TX, T_OBS), closed),
        (Model._row_gradient(params, X, TX, T_OBS), grad),
        (Model._probability_alive(params, X, TX, T_OBS), alive),
        (Model._conditional_expected(params, 26.0, X, TX, T_OBS), expected),
    ]:
        np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-15)


def test_probability_alive_is_the_alive_share_of_the_closed_form():
    r, alpha, s, beta = params = PARAMS["alpha<<beta"]
    model = fitted(Model(), list(params))
    # P(alive) = C A / L with C A the "alive at T" part of L
    common = np.array([math.lgamma(r + x) - math.lgamma(r) for x in X])
    log_alive = (
        common
        + r * math.log(alpha)
        + s * math.log(beta)
        - (r + X) * np.log(alpha + T_OBS)
        - s * np.log(beta + T_OBS)
    )
    expected = np.exp(log_alive - Model._loglik_closed_form(np.array(params), X, TX, T_OBS))
    np.testing.assert_allclose(model.probability_alive(X, TX, T_OBS), expected, rtol=1e-9)
    assert model.probability_alive(2, 39.0, 39.0) > model.probability_alive(2, 1.0, 39.0)
    # shapes follow the inputs: a scalar row gives a 0-d array
    assert np.ndim(model.probability_alive(2, 39.0, 39.0)) == 0
    assert model.conditional_expected_purchases(10.0, X, TX, T_OBS).shape == X.shape


# --- the fit ---------------------------------------------------------------------------------


class _ClosedFormOnDifferences(Model):
    """The model as it was: the closed form, fitted on finite differences."""

    _loglik = Model._loglik_closed_form

    def _objective(self, cols, counts):
        return None


@pytest.mark.realdata
def test_cdnow_estimates_are_the_published_ones_and_those_of_the_closed_form():
    path = real_file("cdnow_sample.txt")
    cdnow = calibration_holdout(
        load_cdnow(path), holdout_start="1997-10-01", as_of="1998-07-01", period="W"
    )
    model = Model().fit(cdnow)
    assert model.converged_
    published = {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669}
    for name, value in published.items():
        assert model.params_[name] == pytest.approx(value, abs=5e-4), name
    assert model.log_likelihood_ == pytest.approx(-9595.0, abs=0.05)
    # the same maximum as the closed form's, found without our gradient
    reference = _ClosedFormOnDifferences().fit(cdnow)
    np.testing.assert_allclose(model.params_, reference.params_, rtol=2e-4)
    assert model.log_likelihood_ == pytest.approx(reference.log_likelihood_, abs=1e-6)
    np.testing.assert_allclose(model.standard_errors_, reference.standard_errors_, rtol=2e-3)


def test_a_ridge_to_infinity_ends_the_search_without_nelder_mead(monkeypatch):
    # every customer drops out at the same rate 0.01 a week: s and beta grow without bound
    # at a fixed ratio, and the maximum lies at infinity along that ridge
    # (seed 3: the first BFGS run stops with a gradient of 1.1e-5 per customer, the second
    # finishes; before, thousands of Nelder-Mead steps followed)
    data = clv.simulate_pareto_nbd(6000, 0.8, 6.0, 1e7, 1e9, 60.0, seed=3)
    from scipy import optimize

    real = optimize.minimize

    def no_nelder_mead(*args, **kwargs):
        assert kwargs.get("method") != "Nelder-Mead", "the search wandered along the ridge"
        return real(*args, **kwargs)

    monkeypatch.setattr(optimize, "minimize", no_nelder_mead)
    model = clv.ParetoNBDModel().fit(data)
    r, alpha, s, beta = model.params_
    assert model.converged_ and s > 1e3  # ran off along the ridge
    assert s / beta == pytest.approx(0.01, rel=0.15)  # the common dropout rate is found
    assert r / alpha == pytest.approx(0.8 / 6.0, rel=0.1)

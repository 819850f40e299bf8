"""Exact gradients of the Modified BG/NBD and BG/BB log-likelihoods against finite differences.

Each model's ``_objective`` (the weighted total and its gradient, used by the fit) is checked
against its own per-row ``_loglik``, summed with the weights, and against central differences
of that sum. The published estimates are checked in tests/test_clv_mbg.py and
tests/test_clv_bgbb.py; here, that the fit with the gradient finds the same maximum as a fit
on finite differences.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers import clv


def _central(function, point, step=1e-6):
    point = np.asarray(point, dtype=float)
    out = np.empty(len(point))
    for i in range(len(point)):
        h = step * point[i]
        up, down = point.copy(), point.copy()
        up[i] += h
        down[i] -= h
        out[i] = (function(up) - function(down)) / (2 * h)
    return out


# rows: no repeat purchase (short and long T), t_x = T, t_x = 0 with a repeat, heavy buyers;
# x repeats across rows (the special functions are taken once per value of x)
MBG_ROWS = np.array(
    [
        [0, 0.0, 5.0],
        [0, 0.0, 39.0],
        [1, 0.0, 20.0],
        [1, 4.0, 20.0],
        [2, 30.0, 30.0],
        [3, 30.5, 38.9],
        [7, 38.0, 39.0],
        [25, 38.9, 39.0],
        [120, 100.0, 104.0],
    ]
)
MBG_COUNTS = np.array([3.0, 10.0, 1.0, 2.0, 1.0, 4.0, 1.0, 2.0, 1.0])


@pytest.mark.parametrize(
    "params",
    [
        (0.525, 6.183, 0.891, 1.614),
        (2.0, 0.5, 5.0, 0.3),
        (0.3, 20.0, 0.2, 8.0),
        (1.0, 1.0, 1.0, 1.0),
    ],
)
def test_mbg_gradient_matches_finite_differences(params):
    x, tx, t_obs = MBG_ROWS.T
    model = clv.ModifiedBetaGeoModel

    def total(p):
        return MBG_COUNTS @ model._loglik(p, x, tx, t_obs)

    value, grad = model()._objective((x, tx, t_obs), MBG_COUNTS)(np.array(params))
    assert value == pytest.approx(total(np.array(params)), rel=1e-12)
    np.testing.assert_allclose(grad, _central(total, params), rtol=1e-6, atol=1e-6)


def _donations(customers: int = 5000, seed: int = 4) -> pd.DataFrame:
    """A BG/BB table drawn by the model's story, grouped by (x, t_x, n) with weights.

    Buy probabilities beta(1.2, 0.75), dropout beta(0.66, 2.8) (near the donations
    estimates); a cohort observed for 6 opportunities and one for 3.
    """
    rng = np.random.default_rng(seed)
    buy, leave = rng.beta(1.2, 0.75, customers), rng.beta(0.66, 2.8, customers)
    periods = np.where(np.arange(customers) < customers // 4, 3, 6)
    rows = []
    for p, theta, n in zip(buy, leave, periods, strict=True):
        x = last = 0
        for opportunity in range(1, n + 1):
            if rng.random() < theta:
                break
            if rng.random() < p:
                x, last = x + 1, opportunity
        rows.append((x, last, n))
    table = pd.DataFrame(rows, columns=["frequency", "recency", "periods"])
    return table.groupby(["frequency", "recency", "periods"]).size().rename("weights").reset_index()


@pytest.mark.parametrize(
    "params",
    [
        (1.204, 0.750, 0.657, 2.783),
        (0.3, 3.0, 2.0, 0.5),
        (5.0, 5.0, 0.1, 10.0),
        (1.0, 1.0, 1.0, 1.0),
    ],
)
def test_bgbb_gradient_matches_finite_differences(params):
    table = _donations()
    x, tx, n, w = (table[c].to_numpy(float) for c in ("frequency", "recency", "periods", "weights"))
    model = clv.BetaGeoBetaBinomModel

    def total(p):
        return w @ model._loglik(p, x, tx, n)

    value, grad = model()._objective((x, tx, n), w)(np.array(params))
    assert value == pytest.approx(total(np.array(params)), rel=1e-12)
    # the total is ~1e4: differences carry ~1e-16 * 1e4 / 1e-6 of rounding
    np.testing.assert_allclose(grad, _central(total, params), rtol=1e-6, atol=2e-5)


class _MBGOnDifferences(clv.ModifiedBetaGeoModel):
    def _objective(self, cols, counts):
        return None


class _BGBBOnDifferences(clv.BetaGeoBetaBinomModel):
    def _objective(self, cols, counts):
        return None


def test_fits_with_the_gradient_find_the_maximum_found_without_it():
    # Modified BG/NBD customers drawn by the model's story (as in tests/test_clv_mbg.py)
    rng = np.random.default_rng(3)
    n = 3000
    rate, dropout = rng.gamma(0.5, 1 / 6.0, n), rng.beta(1.5, 2.5, n)
    t_obs = rng.uniform(26.0, 52.0, n).round(1)
    arrivals = rng.poisson(rate * t_obs)
    x = np.minimum(rng.geometric(dropout) - 1, arrivals)
    draws = zip(arrivals, x, t_obs, strict=True)
    tx = np.array([np.sort(rng.uniform(0, t, k))[m - 1] if m else 0.0 for k, m, t in draws])
    tx = tx.round(1)
    summary = pd.DataFrame({"frequency": x, "recency": tx, "T": t_obs})
    exact = clv.ModifiedBetaGeoModel().fit(summary)
    reference = _MBGOnDifferences().fit(summary)
    np.testing.assert_allclose(exact.params_, reference.params_, rtol=1e-3)
    assert exact.log_likelihood_ == pytest.approx(reference.log_likelihood_, abs=1e-6)

    table = _donations()
    exact = clv.BetaGeoBetaBinomModel().fit(table, weights=table["weights"])
    reference = _BGBBOnDifferences().fit(table, weights=table["weights"])
    np.testing.assert_allclose(exact.params_, reference.params_, rtol=1e-3)
    assert exact.log_likelihood_ == pytest.approx(reference.log_likelihood_, abs=1e-6)
    assert exact.converged_

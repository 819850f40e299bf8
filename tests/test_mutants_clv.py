"""helpers.clv (BG/NBD, Gamma-Gamma, fitting): behaviours a mutation run (mutmut, issue 27)
showed no test pinned.

Expected values come from the closed forms worked by hand, not from the module.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import clv_summary, fitted

from helpers import clv
from helpers.clv import fitting


def test_gamma_gamma_population_mean_is_p_gamma_over_q_minus_one():
    model = fitted(clv.GammaGamma(), {"p": 6.0, "q": 4.0, "gamma": 15.0})
    assert model.population_mean() == pytest.approx(6.0 * 15.0 / 3.0)  # 30
    # q <= 1: the mean spend of the Gamma mixture does not exist
    assert fitted(clv.GammaGamma(), {"p": 6.0, "q": 1.0, "gamma": 15.0}).population_mean() == (
        math.inf
    )


def test_predictions_are_series_named_for_what_they_hold():
    summary = clv_summary([[0, 0.0, 10.0, 0.0], [2, 6.0, 10.0, 20.0]])
    spend = fitted(clv.GammaGamma(), {"p": 6.0, "q": 4.0, "gamma": 15.0}).predict(summary)
    assert spend.name == "expected_spend"
    # E[M | x, m] = p (gamma + x m) / (p x + q - 1): 6 * 15 / 3 = 30 and 6 * 55 / 15 = 22
    assert spend.tolist() == pytest.approx([30.0, 22.0])
    bg = fitted(clv.BetaGeoModel(), {"r": 0.5, "alpha": 4.0, "a": 0.8, "b": 2.5})
    assert bg.predict(summary, 5.0).name == "expected_purchases"


BG = {"r": 0.5, "alpha": 4.0, "a": 0.8, "b": 2.5}


def test_bg_nbd_nobody_buys_in_a_window_of_length_zero():
    # found by the mutation run: at t = 0 the sum's j = 0 term was -inf x 0 = nan
    bg = fitted(clv.BetaGeoModel(), BG)
    assert float(bg.probability_of_purchases(0.0, 2)) == 0.0
    got = bg.probability_of_purchases(np.array([0.0, 0.0, 3.0]), 1)
    assert got[:2].tolist() == [0.0, 0.0] and 0 < got[2] < 1
    assert np.isnan(bg.probability_of_purchases(-1.0, 0))


def test_bg_nbd_probability_of_purchases_closed_form_and_total():
    bg = fitted(clv.BetaGeoModel(), BG)
    # in a window of length 0 nobody buys: P(X(0) = 0) = 1
    assert float(bg.probability_of_purchases(0.0, 0)) == pytest.approx(1.0)
    # and for t > 0 the probabilities of n = 0, 1, ... add up to 1
    total = sum(float(bg.probability_of_purchases(3.0, n)) for n in range(200))
    assert total == pytest.approx(1.0, abs=1e-9)
    # FHL 2005 eq. 8 at n = 0: the first term only, B(a, b) / B(a, b) (alpha / (alpha + t))^r
    assert float(bg.probability_of_purchases(3.0, 0)) == pytest.approx((4.0 / 7.0) ** 0.5)


def test_newton_polish_finishes_a_quadratic_in_one_step():
    # f = (x - 1)^2 + 2 (y + 2)^2 from (0.5, -1.5): one Newton step lands on (1, -2)
    def f(v):
        return (v[0] - 1.0) ** 2 + 2.0 * (v[1] + 2.0) ** 2

    start = np.array([0.5, -1.5])
    x, fx = fitting._newton_polish(f, start, f(start))
    assert x == pytest.approx([1.0, -2.0], abs=1e-6)
    assert fx == pytest.approx(0.0, abs=1e-10)

"""helpers.retention: the sBG model of Fader & Hardie (2007) reproduced, its formulas by hand,
DERL (Fader & Hardie 2010) against a brute-force sum, and the naive projection's failure.

Published numbers: Fader & Hardie (2007), "How to Project Customer Retention", Journal of
Interactive Marketing 21(1): the "regular" and "high end" segments of a renewal dataset,
survivors out of 1,000 at the start of years 1 to 8 (fitted) and 9 to 13 (actuals).
"""

from __future__ import annotations

import warnings
from functools import cache

import numpy as np
import pandas as pd
import pytest
from conftest import fitted

from helpers.retention import (
    ShiftedBetaGeoModel,
    constant_retention_projection,
    survivor_rows,
    survivor_table,
)

REGULAR = [1000, 631, 468, 382, 326, 289, 262, 241]
REGULAR_LATER = [223, 207, 194, 183, 173]  # years 8-12
HIGH_END = [1000, 869, 743, 653, 593, 551, 517, 491]
HIGH_END_LATER = [468, 445, 427, 409, 394]
PUBLISHED = {  # segment: (alpha, beta, log-likelihood), as printed (3 and 2 decimals)
    "regular": (0.704, 1.182, -1680.27),
    "high end": (0.668, 3.806, -1611.16),
}
DATA = {"regular": (REGULAR, REGULAR_LATER), "high end": (HIGH_END, HIGH_END_LATER)}


@cache
def recursion(alpha: float, beta: float, n: int) -> tuple[np.ndarray, np.ndarray]:
    """P(T = t) for t = 1..n and S(t) for t = 0..n by Fader & Hardie's recursions."""
    p = np.empty(n + 1)
    p[1] = alpha / (alpha + beta)
    for t in range(2, n + 1):
        p[t] = (beta + t - 2) / (alpha + beta + t - 1) * p[t - 1]
    s = np.empty(n + 1)
    s[0] = 1.0
    for t in range(1, n + 1):
        s[t] = s[t - 1] - p[t]
    return p[1:], s


@pytest.fixture(scope="module", params=list(PUBLISHED))
def segment(request):
    survivors, later = DATA[request.param]
    return request.param, ShiftedBetaGeoModel().fit(survivors), survivors, later


# --- the published fit --------------------------------------------------------------------------


def test_published_estimates_and_log_likelihood(segment):
    name, model, _, _ = segment
    alpha, beta, log_likelihood = PUBLISHED[name]
    assert model.converged_
    assert model.params_["alpha"] == pytest.approx(alpha, abs=5e-4)
    assert model.params_["beta"] == pytest.approx(beta, abs=5e-4)
    assert model.log_likelihood_ == pytest.approx(log_likelihood, abs=5e-3)
    assert model.aic_ == pytest.approx(4 - 2 * log_likelihood, abs=1e-2)
    assert model.n_customers_ == 1000
    low, high = model.summary_.loc["alpha", ["lower_95", "upper_95"]]
    assert low < alpha < high


def test_projection_tracks_the_actual_survivors_the_naive_one_does_not(segment):
    """Years 8-12, never seen by the fit. Fader & Hardie's figures show the sBG projection
    on the actuals to within a few percent; we allow 5% (the largest gap, high end in year
    12, is 378 vs 394, 4%). The naive projections with one constant retention rate, from
    the first year (the manager's "63% retention") or averaged over all seven, fall short
    by a fifth or more in year 12, and their mean error is at least four times the sBG's."""
    _, model, survivors, later = segment
    actual = np.array(later, dtype=float)
    sbg = model.project(1000, 12).loc[8:12].to_numpy()
    sbg_error = np.abs(sbg / actual - 1)
    assert sbg_error.max() < 0.05
    for used in (1, 7):
        naive = constant_retention_projection(survivors, 12, periods_used=used).loc[8:12]
        naive_error = np.abs(naive.to_numpy() / actual - 1)
        assert naive.iloc[-1] < 0.8 * actual[-1]
        assert naive_error.mean() > 4 * sbg_error.mean()


def test_constant_retention_by_hand():
    out = constant_retention_projection(REGULAR, 3)
    assert out.attrs["retention_rate"] == pytest.approx(0.631)
    assert out.to_numpy() == pytest.approx([1000, 631, 1000 * 0.631**2, 1000 * 0.631**3])
    rate = constant_retention_projection(REGULAR, 2, periods_used=2).attrs["retention_rate"]
    assert rate == pytest.approx(np.sqrt(0.468))


# --- the formulas by hand -----------------------------------------------------------------------


def test_formulas_by_hand_for_small_t():
    # alpha = 1, beta = 2: E[theta] = 1/3 lost in period 1; P(T = 2) = 2/4 x 1/3 = 1/6
    model = fitted(ShiftedBetaGeoModel(), {"alpha": 1.0, "beta": 2.0})
    assert model.churn_probability([1, 2, 3]) == pytest.approx([1 / 3, 1 / 6, 1 / 10])
    assert model.survival([0, 1, 2, 3]) == pytest.approx([1, 2 / 3, 1 / 2, 2 / 5])
    assert model.retention_rate([1, 2, 3]) == pytest.approx([2 / 3, 3 / 4, 4 / 5])


@pytest.mark.parametrize(("alpha", "beta"), [(0.704, 1.182), (0.668, 3.806), (3.0, 0.5)])
def test_closed_forms_agree_with_the_recursions(alpha, beta):
    model = fitted(ShiftedBetaGeoModel(), {"alpha": alpha, "beta": beta})
    p, s = recursion(alpha, beta, 30)
    t = np.arange(1, 31)
    assert model.churn_probability(t) == pytest.approx(p, rel=1e-10)
    assert model.survival(np.arange(31)) == pytest.approx(s, rel=1e-9)
    assert model.retention_rate(t) == pytest.approx(s[1:] / s[:-1], rel=1e-9)


def test_project_an_aged_cohort():
    model = fitted(ShiftedBetaGeoModel(), {"alpha": 1.0, "beta": 2.0})
    out = model.project(500, 2, age=1)
    assert list(out.index) == [1, 2, 3]
    # 500 at age 1; then x r(2) = 3/4, x r(3) = 4/5
    assert out.to_numpy() == pytest.approx([500, 375, 300])


# --- DERL (Fader & Hardie 2010) -----------------------------------------------------------------


@pytest.mark.parametrize("discount", [0.1, 0.01, 0.001])
@pytest.mark.parametrize("renewals", [0, 1, 4, 20])
def test_derl_is_the_discounted_sum_of_future_survival(discount, renewals):
    """DERL(d | k renewals) = sum_{t > k} S(t) / S(k) / (1 + d)^(t - k - 1), summed far out
    (S by the recursion; the terms fall below 1e-12 of the sum by the cut-off)."""
    alpha, beta = 0.704, 1.182  # alpha < 1: the hypergeometric series converges slowly
    model = fitted(ShiftedBetaGeoModel(), {"alpha": alpha, "beta": beta})
    horizon = 60_000
    _, s = recursion(alpha, beta, horizon)
    t = np.arange(renewals + 1, horizon + 1)
    brute = np.sum(s[t] / s[renewals] * np.exp(-(t - renewals - 1) * np.log1p(discount)))
    rel = 1e-9 if discount >= 0.01 else 1e-6  # d = 0.001: the tail beyond 60,000 periods
    assert model.expected_residual_lifetime(discount, renewals) == pytest.approx(brute, rel=rel)


def test_new_and_residual_lifetime_fit_together_and_value_scales_with_margin():
    # DEL counts the first payment and discounts the rest once more than DERL(0):
    # DEL = 1 + DERL(d | 0) / (1 + d)
    model = fitted(ShiftedBetaGeoModel(), {"alpha": 0.704, "beta": 1.182})
    d = 0.1
    assert model.expected_lifetime(d) == pytest.approx(
        1 + model.expected_residual_lifetime(d, 0) / (1 + d)
    )
    derl = model.expected_residual_lifetime(d, [0, 5, 10])
    assert np.all(np.diff(derl) > 0)  # the longer they have stayed, the more loyal
    assert model.residual_value(12.5, d, [0, 5, 10]) == pytest.approx(12.5 * derl)


def test_derl_of_a_homogeneous_cohort_is_the_geometric_sum():
    # alpha, beta large at a fixed ratio: everyone has theta = 0.2; DERL = 0.8 / (1 - 0.8 z)
    model = fitted(ShiftedBetaGeoModel(), {"alpha": 2e5, "beta": 8e5})
    z = 1 / 1.05
    assert model.expected_residual_lifetime(0.05, 3) == pytest.approx(0.8 / (1 - 0.8 * z), 1e-4)


# --- data shapes --------------------------------------------------------------------------------


def test_survivor_rows_by_hand():
    rows = survivor_rows([[10, 6, 4], [5, 3]])
    expected = pd.DataFrame(
        {
            "period": [1, 2, 2, 1, 1],
            "censored": [False, False, True, False, True],
            "count": [4.0, 2.0, 4.0, 2.0, 3.0],
        }
    )
    pd.testing.assert_frame_equal(rows, expected, check_dtype=False)


def test_cohorts_of_different_ages_pool_their_likelihoods():
    cohorts = [REGULAR, REGULAR[:4], REGULAR[:2]]
    model = ShiftedBetaGeoModel().fit(cohorts)
    alpha, beta = model.params_
    p, s = recursion(alpha, beta, 7)
    by_hand = 0.0
    for counts in cohorts:
        n = len(counts) - 1
        lost = -np.diff(counts)
        by_hand += lost @ np.log(p[:n]) + counts[-1] * np.log(s[n])
    assert model.log_likelihood_ == pytest.approx(by_hand, rel=1e-10)
    assert model.n_customers_ == 3000
    table = pd.DataFrame([c + [np.nan] * (8 - len(c)) for c in cohorts], index=["a", "b", "c"])
    again = ShiftedBetaGeoModel().fit(table)
    assert again.params_.to_numpy() == pytest.approx(model.params_.to_numpy(), rel=1e-6)


def test_individual_data_give_the_cohort_fit():
    # lost in year t: tenure t, cancelled; the 241 left after 7 renewals: tenure 8, active
    lost = -np.diff(REGULAR)
    tenure = np.concatenate([np.repeat(np.arange(1, 8), lost), np.full(241, 8)])
    active = np.concatenate([np.zeros(lost.sum(), dtype=bool), np.ones(241, dtype=bool)])
    model = ShiftedBetaGeoModel().fit_individuals(pd.Series(tenure), pd.Series(active))
    assert model.params_["alpha"] == pytest.approx(0.704, abs=5e-4)
    assert model.log_likelihood_ == pytest.approx(-1680.27, abs=5e-3)
    as_numbers = ShiftedBetaGeoModel().fit_individuals(tenure, active.astype(int))
    assert as_numbers.log_likelihood_ == pytest.approx(model.log_likelihood_)


def test_survivor_table_by_hand():
    # cohort 2024-10 (2 periods old at 2024-12): tenures 1 (cancelled), 2 (cancelled), 3
    # (active: paid October to December); cohort 2024-12: one active, tenure 1
    subs = pd.DataFrame(
        {
            "signup_month": ["2024-10", "2024-10", "2024-12", "2024-10"],
            "months_active": [1, 3, 1, 2],
            "active": [False, True, True, False],
        }
    )
    table = survivor_table(subs, "2024-12")
    assert [str(p) for p in table.index] == ["2024-10", "2024-12"]
    assert table.loc[pd.Period("2024-10", "M")].tolist() == [3, 2, 1]
    assert table.loc[pd.Period("2024-12", "M"), 0] == 1
    assert table.loc[pd.Period("2024-12", "M"), [1, 2]].isna().all()
    rows = survivor_rows(table)
    assert rows["count"].sum() == 4  # every subscription once
    with pytest.raises(ValueError, match=r"equal to them for an active.*row 0"):
        survivor_table(subs.assign(active=True), "2024-12")
    with pytest.raises(ValueError, match=r"at most the periods from the cohort to end"):
        survivor_table(subs, "2024-11")
    with pytest.raises(ValueError, match=r"months_active.*whole number >= 1"):
        survivor_table(subs.assign(months_active=0), "2024-12")


def test_save_and_load(tmp_path):
    model = ShiftedBetaGeoModel().fit(REGULAR)
    back = ShiftedBetaGeoModel.load(model.save(tmp_path / "sbg.json"))
    assert back.params_.to_numpy() == pytest.approx(model.params_.to_numpy())
    assert back.aic_ == pytest.approx(model.aic_)
    assert back.survival(12) == pytest.approx(model.survival(12))


def test_print_summary(capsys):
    ShiftedBetaGeoModel().fit(REGULAR).print_summary()
    out = capsys.readouterr().out
    for text in ("subscribers 1,000", "log-likelihood -1,680.27", "AIC 3,364.53", "lower_95"):
        assert text in out


def test_a_failed_search_warns():
    from helpers.clv import ConvergenceWarning

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = ShiftedBetaGeoModel(initial_params=[50.0, 0.01], max_iter=1).fit(REGULAR)
    assert not model.converged_
    assert any(issubclass(w.category, ConvergenceWarning) for w in caught)


# --- errors -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("survivors", "message"),
    [
        ([1000, 631, 650], r"non-increasing.*period 2 has 650 after 631"),
        ([0, 0], r"first count .* must be > 0; got 0"),
        ([100, -1], r"whole numbers >= 0"),
        ([100, 60.5], r"whole numbers >= 0.*60.5"),
        ({"a": 1}, r"survivor counts"),
        (pd.DataFrame({0: [10, 8], 1: [5, np.nan], 2: [4, 6]}, index=["x", "y"]), r"cohort 'y'"),
        ([[10, 5], [5, 6]], r"cohort 1.*non-increasing"),
        ([[10], [5]], r"no renewal decision"),
    ],
)
def test_bad_survivor_counts_are_named(survivors, message):
    with pytest.raises(ValueError, match=message):
        ShiftedBetaGeoModel().fit(survivors)


def test_bad_individual_data_and_arguments_are_named():
    with pytest.raises(ValueError, match=r"tenure must be a whole number >= 1"):
        ShiftedBetaGeoModel().fit_individuals([0, 2], [True, False])
    with pytest.raises(ValueError, match=r"same length"):
        ShiftedBetaGeoModel().fit_individuals([1, 2], [True])
    with pytest.raises(ValueError, match=r"active must be True/False"):
        ShiftedBetaGeoModel().fit_individuals([1, 2], [2, 0])
    model = fitted(ShiftedBetaGeoModel(), {"alpha": 1.0, "beta": 2.0})
    with pytest.raises(ValueError, match=r"t must be a whole number >= 1"):
        model.retention_rate(0)
    with pytest.raises(ValueError, match=r"discount_rate must be > 0"):
        model.expected_residual_lifetime(0.0)
    with pytest.raises(ValueError, match=r"periods_used must be at most"):
        constant_retention_projection(REGULAR, 5, periods_used=8)
    with pytest.raises(ValueError, match=r"not fitted"):
        ShiftedBetaGeoModel().survival(1)

"""helpers.clv.intervals, laplace and bootstrap: parameter draws, per-customer intervals,
predictive intervals, parametric bootstrap.

Expected values come from the covariance matrix itself (draws), brute force over the draws
with the models' public methods and numpy.quantile, the clv_tables CLV at the estimate, and
simulations of the BG/NBD story with known parameters (coverage, bootstrap; the simulators
themselves are tested in test_clv_simulation.py).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import fitted

from helpers import clv, clv_tables
from helpers.clv import bootstrap, laplace
from helpers.clv import intervals as iv
from helpers.clv.draw_values import values_for
from helpers.clv.simulation import (
    simulate_bg_bb,
    simulate_bg_nbd,
    simulate_gamma_gamma,
    simulate_mbg_nbd,
    simulate_pareto_nbd,
)

TRUTH = np.array([0.5, 4.0, 0.8, 2.5])  # r, alpha, a, b of the simulations
WEEKS = 26.0


def _simulate(n: int, seed: int, future: float | None = None) -> pd.DataFrame:
    """BG/NBD customers with T uniform on whole days of the first year, in weeks."""
    rng = np.random.default_rng(seed)
    t_obs = rng.integers(7, 366, n) / 7
    return simulate_bg_nbd(n, *TRUTH, t_obs, seed=rng, future=future)


def _with_covariance(model, params, covariance):
    model._set_estimates(np.asarray(params, dtype=float), np.asarray(covariance, dtype=float))
    return model


@pytest.fixture(scope="module")
def data():
    frame = _simulate(2000, seed=11)
    spend = simulate_gamma_gamma(frame["frequency"], 6.0, 4.0, 15.0, seed=np.random.default_rng(12))
    frame["monetary_value"] = spend.to_numpy()
    return frame


@pytest.fixture(scope="module")
def bg(data):
    return clv.BetaGeoModel().fit(data)


@pytest.fixture(scope="module")
def gg(data):
    return clv.GammaGamma().fit(data)


# --- parameter draws ----------------------------------------------------------------------------


def test_draws_have_the_delta_method_covariance_on_the_log_scale():
    params = np.array([0.5, 4.0, 0.8, 2.5])
    sd = np.array([0.04, 0.3, 0.12, 0.4])
    corr = np.array(
        [[1, 0.8, 0.1, 0.2], [0.8, 1, 0.1, 0.1], [0.1, 0.1, 1, 0.7], [0.2, 0.1, 0.7, 1]]
    )
    model = _with_covariance(clv.BetaGeoModel(), params, corr * np.outer(sd, sd))
    draws = laplace.parameter_draws(model, 40_000, seed=3)
    assert list(draws.columns) == ["r", "alpha", "a", "b"] and len(draws) == 40_000
    assert (draws.to_numpy() > 0).all()
    logs = np.log(draws.to_numpy())
    n = len(logs)
    # delta method by hand: var(log theta_i) = var(theta_i) / theta_i^2
    target = corr * np.outer(sd / params, sd / params)
    sample = np.cov(logs, rowvar=False)
    # sampling SD of a covariance estimate: sqrt((s_ii s_jj + s_ij^2) / n)
    se = np.sqrt((np.outer(np.diag(target), np.diag(target)) + target**2) / n)
    assert np.all(np.abs(sample - target) < 4 * se), (sample, target)
    assert np.all(np.abs(logs.mean(axis=0) - np.log(params)) < 4 * np.sqrt(np.diag(target) / n))
    # the same seed gives the same draws, another seed others
    pd.testing.assert_frame_equal(laplace.parameter_draws(model, 50, seed=3), draws.head(50))
    assert not laplace.parameter_draws(model, 50, seed=4).equals(draws.head(50))


def test_draws_refuse_a_covariance_with_nan_naming_the_parameter():
    covariance = np.diag([0.01, 0.1, 0.02, 0.05])
    covariance[2, 2] = np.nan
    model = _with_covariance(clv.BetaGeoModel(), TRUTH, covariance)
    with pytest.raises(ValueError, match="not finite for parameter 'a'"):
        laplace.parameter_draws(model)
    with pytest.raises(ValueError, match="parameter 'a'"):
        iv.customer_intervals(model, _simulate(20, seed=0), t=WEEKS)


def test_draws_refuse_a_covariance_that_is_not_positive_semidefinite():
    covariance = np.diag([0.01, 0.1, 0.02, 0.05])
    covariance[0, 1] = covariance[1, 0] = 0.5  # |corr| > 1
    model = _with_covariance(clv.BetaGeoModel(), TRUTH, covariance)
    with pytest.raises(ValueError, match="not positive semi-definite"):
        laplace.parameter_draws(model)


def test_unfitted_models_and_bad_arguments_are_refused(bg, gg, data):
    with pytest.raises(ValueError, match="not fitted"):
        laplace.parameter_draws(clv.BetaGeoModel())
    with pytest.raises(ValueError, match="purchase_model.*not fitted"):
        iv.customer_intervals(clv.ParetoNBDModel(), data, t=WEEKS)
    with pytest.raises(ValueError, match="spend_model.*not fitted"):
        iv.customer_intervals(bg, data, t=WEEKS, spend_model=clv.GammaGamma(), discount_rate=0.1)
    with pytest.raises(ValueError, match="purchase model, got a GammaGamma"):
        iv.customer_intervals(gg, data, t=WEEKS)
    with pytest.raises(ValueError, match="n_draws.*>= 1"):
        laplace.parameter_draws(bg, 0)
    for levels, message in [
        ((80, 95), r"levels must be in \(0, 1\).*80"),
        ((0.8, 1.0), r"levels must be in \(0, 1\).*1\.0"),
        ((), "levels is empty"),
        (("high",), "levels must be a sequence of numbers"),
    ]:
        with pytest.raises(ValueError, match=message):
            iv.customer_intervals(bg, data, t=WEEKS, levels=levels)
    with pytest.raises(ValueError, match="t.*> 0"):
        iv.customer_intervals(bg, data, t=0)
    with pytest.raises(ValueError, match="discount_rate is required"):
        iv.customer_intervals(bg, data, t=WEEKS, spend_model=gg)
    with pytest.raises(ValueError, match="recency.*<= T"):
        bad = data.head(3).copy()
        bad.loc[bad.index[0], "recency"] = bad["T"].iloc[0] + 1
        iv.customer_intervals(bg, bad, t=WEEKS)


# --- customer intervals -------------------------------------------------------------------------


def test_intervals_match_brute_force_over_the_draws(bg, gg, data):
    # independent path: one model per draw, the public methods, clv_tables for the CLV,
    # numpy.quantile. All 2,000 customers: frequencies with many distinct T take the
    # interpolated path of BG/NBD's expectation, the others the exact one
    n_draws, seed = 60, 5
    kwargs = {"horizon": 52, "discount_rate": 0.1, "margin_rate": 0.3}
    out = iv.customer_intervals(
        bg, data, t=WEEKS, spend_model=gg, n_draws=n_draws, seed=seed, **kwargs
    )
    draws = laplace.parameter_draws(bg, n_draws, seed=seed)
    spend_draws = laplace.parameter_draws(gg, n_draws, seed=np.random.default_rng([seed, 1]))
    args = (data["frequency"], data["recency"], data["T"])
    values = {"expected_purchases": [], "probability_alive": [], "clv": []}
    for (_, row), (_, spend_row) in zip(draws.iterrows(), spend_draws.iterrows(), strict=True):
        model = fitted(clv.BetaGeoModel(), row.to_numpy())
        spend = fitted(clv.GammaGamma(), spend_row.to_numpy())
        values["expected_purchases"].append(model.conditional_expected_purchases(WEEKS, *args))
        values["probability_alive"].append(model.probability_alive(*args))
        values["clv"].append(clv_tables.customer_lifetime_value(model, spend, data, **kwargs))
    for name, per_draw in values.items():
        per_draw = np.array(per_draw)
        for level, (low, high) in {"80": (0.1, 0.9), "95": (0.025, 0.975)}.items():
            np.testing.assert_allclose(
                out[f"{name}_lower_{level}"], np.quantile(per_draw, low, axis=0), rtol=1e-9
            )
            np.testing.assert_allclose(
                out[f"{name}_upper_{level}"], np.quantile(per_draw, high, axis=0), rtol=1e-9
            )
    np.testing.assert_allclose(out["expected_purchases"], bg.predict(data, WEEKS), rtol=1e-12)
    assert out.index.equals(data.index)
    # the interpolated path was taken (frequencies 0, 1, 2 have hundreds of distinct T)
    fast = values_for(bg, draws.to_numpy(), 1)
    tables = fast.prepare([WEEKS], [1.0], data["frequency"].to_numpy(), data["T"].to_numpy())
    assert {0.0, 1.0, 2.0} <= set(tables["tables"])


def test_intervals_hold_the_point_estimate_and_widen_with_the_level(bg, data):
    out = iv.customer_intervals(bg, data, t=WEEKS, levels=(0.5, 0.8, 0.95))
    for name in ("expected_purchases", "probability_alive"):
        point = out[name]
        assert (out[f"{name}_lower_95"] <= out[f"{name}_lower_80"]).all()
        assert (out[f"{name}_lower_80"] <= out[f"{name}_lower_50"]).all()
        assert (out[f"{name}_upper_50"] <= out[f"{name}_upper_80"]).all()
        assert (out[f"{name}_upper_80"] <= out[f"{name}_upper_95"]).all()
        assert (out[f"{name}_lower_80"] <= point * (1 + 1e-12)).all()
        assert (point <= out[f"{name}_upper_80"] * (1 + 1e-12)).all()
    # wider somewhere: the 95% interval is not the 80% one
    width = {
        lv: out[f"expected_purchases_upper_{lv}"] - out[f"expected_purchases_lower_{lv}"]
        for lv in ("50", "80", "95")
    }
    assert (width["95"] > width["80"]).mean() > 0.99 and (width["80"] > width["50"]).mean() > 0.99
    # BG/NBD: no repeat purchase, P(alive) = 1 whatever the parameters
    zero = data["frequency"] == 0
    assert (out.loc[zero, "probability_alive_lower_95"] == 1).all()
    assert out.attrs["n_draws"] == 500 and out.attrs["distinct_rows"] <= len(data)


def test_intervals_shrink_with_four_times_the_customers():
    small, large = _simulate(1500, seed=21), _simulate(6000, seed=22)
    rows = small.head(400)
    widths = []
    for fitted_on in (small, large):
        model = clv.BetaGeoModel().fit(fitted_on)
        out = iv.customer_intervals(model, rows, t=WEEKS, n_draws=300)
        widths.append(out["expected_purchases_upper_95"] - out["expected_purchases_lower_95"])
    # standard errors fall like 1 / sqrt(n): half the width with 4x the customers
    ratio = float(np.median(widths[1] / widths[0]))
    assert 0.35 < ratio < 0.7, ratio


def test_intervals_collapse_to_the_point_when_the_covariance_is_tiny(data):
    # a covariance 1e-14 of the fitted one: every draw is the estimate, for every model
    # (BG/NBD's vectorised path and the per-draw path of the others), CLV included
    summary = data.iloc[::50]
    summary.attrs = dict(data.attrs)
    gg = clv.GammaGamma().fit(data)
    gg = _with_covariance(clv.GammaGamma(), gg.params_, gg.covariance_ * 1e-14)
    for cls in (clv.BetaGeoModel, clv.ModifiedBetaGeoModel, clv.ParetoNBDModel):
        fitted = cls().fit(data)
        model = _with_covariance(cls(), fitted.params_, fitted.covariance_ * 1e-14)
        out = iv.customer_intervals(
            model,
            summary,
            t=WEEKS,
            spend_model=gg,
            horizon=52,
            discount_rate=0.1,
            margin_rate=0.3,
            n_draws=20,
        )
        clv_point = clv_tables.customer_lifetime_value(
            model, gg, summary, horizon=52, discount_rate=0.1, margin_rate=0.3
        )
        np.testing.assert_allclose(out["clv"], clv_point, rtol=1e-12)
        for name in ("expected_purchases", "probability_alive", "clv"):
            for bound in ("lower_95", "upper_95"):
                np.testing.assert_allclose(
                    out[f"{name}_{bound}"], out[name], rtol=1e-5, err_msg=f"{cls.__name__} {name}"
                )


def test_clv_intervals_hold_the_spend_model_uncertainty_too(bg, gg, data):
    summary = data.iloc[::20]
    summary.attrs = dict(data.attrs)
    kwargs = {"t": WEEKS, "horizon": 52, "discount_rate": 0.1, "n_draws": 300}
    both = iv.customer_intervals(bg, summary, spend_model=gg, **kwargs)
    still = _with_covariance(clv.GammaGamma(), gg.params_, gg.covariance_ * 1e-14)
    purchase_only = iv.customer_intervals(bg, summary, spend_model=still, **kwargs)
    width = both["clv_upper_95"] - both["clv_lower_95"]
    narrower = purchase_only["clv_upper_95"] - purchase_only["clv_lower_95"]
    assert (width >= narrower * 0.9).all() and width.median() > 1.05 * narrower.median()
    assert (both["clv_lower_80"] <= both["clv"]).all() and (
        both["clv"] <= both["clv_upper_80"]
    ).all()


def test_bgbb_intervals_use_the_periods_column():
    truth = np.array([1.2, 0.75, 0.66, 2.78])  # the donations estimates of FHS (2010)
    data = simulate_bg_bb(4000, *truth, 6, seed=np.random.default_rng(3))
    model = clv.BetaGeoBetaBinomModel().fit(data)
    out = iv.customer_intervals(model, data, t=5, n_draws=100)
    expected = model.conditional_expected_purchases(5, *data.to_numpy().T)
    np.testing.assert_allclose(out["expected_purchases"], expected)
    assert (out["expected_purchases_lower_95"] < expected).all()
    assert (expected < out["expected_purchases_upper_95"]).all()
    # the simulation follows the model: the fit finds the parameters within 3 standard errors
    z = (model.params_.to_numpy() - truth) / model.standard_errors_.to_numpy()
    assert np.all(np.abs(z) < 3), z


# --- coverage on data simulated from the model ----------------------------------------------


def test_coverage_of_the_true_expectation_on_model_simulated_data():
    # 12 data sets of 1,500 customers from known parameters, each fitted: how often does a
    # customer's interval hold the expectation at the TRUE parameters? Within a data set the
    # customers' errors come from the same estimate, so the 12 sets are the effective sample:
    # the tolerance is about 2.5 standard errors of a mean over 12 sets (seen SD ~0.2).
    true = fitted(clv.BetaGeoModel(), TRUTH)
    cover = {"80": [], "95": []}
    for seed in range(12):
        data = _simulate(1500, seed=100 + seed)
        model = clv.BetaGeoModel().fit(data)
        out = iv.customer_intervals(model, data, t=WEEKS, n_draws=300, seed=seed)
        target = true.conditional_expected_purchases(
            WEEKS, data["frequency"], data["recency"], data["T"]
        )
        for level in cover:
            inside = (out[f"expected_purchases_lower_{level}"] <= target) & (
                target <= out[f"expected_purchases_upper_{level}"]
            )
            cover[level].append(inside.mean())
    assert 0.65 < np.mean(cover["80"]) < 0.95, cover["80"]
    assert 0.85 < np.mean(cover["95"]) <= 1.0, cover["95"]


def test_predictive_intervals_cover_actual_future_purchases():
    # the predictive interval holds Poisson noise and dropout too: on model-simulated data
    # it covers the actual count at least at the nominal level (counts are whole numbers,
    # so more); the parameter interval of the expectation almost never does
    data = _simulate(3000, seed=7, future=WEEKS)
    model = clv.BetaGeoModel().fit(data)
    pred = iv.predictive_intervals(model, data, t=WEEKS, n_draws=400)
    par = iv.customer_intervals(model, data, t=WEEKS, n_draws=200)
    actual = data["future_purchases"]
    for level, nominal in (("80", 0.8), ("95", 0.95)):
        inside = (pred[f"future_purchases_lower_{level}"] <= actual) & (
            actual <= pred[f"future_purchases_upper_{level}"]
        )
        assert nominal - 0.02 < inside.mean() < 1.0, (level, inside.mean())
        narrow = (par[f"expected_purchases_lower_{level}"] <= actual) & (
            actual <= par[f"expected_purchases_upper_{level}"]
        )
        assert narrow.mean() < 0.2
    # the mean of the drawn counts is near the expectation at the estimate
    assert pred["future_purchases_mean"].mean() == pytest.approx(
        par["expected_purchases"].mean(), rel=0.05
    )


@pytest.mark.parametrize("cls", [clv.BetaGeoModel, clv.ModifiedBetaGeoModel, clv.ParetoNBDModel])
def test_predictive_draws_follow_each_models_story(cls, data):
    # with the parameters held at the estimate, the mean of the drawn future counts is the
    # model's closed-form conditional expectation (the draws follow the story, not the formula)
    summary = data.iloc[::4]
    fitted = cls().fit(data)
    model = _with_covariance(cls(), fitted.params_, fitted.covariance_ * 1e-14)
    pred = iv.predictive_intervals(model, summary, t=WEEKS, n_draws=400, seed=2)
    expected = model.predict(summary, WEEKS)
    drawn = pred["future_purchases_mean"]
    # 500 customers x 400 draws; counts have SD below ~3 here: SE of the total mean < 0.007
    assert drawn.mean() == pytest.approx(expected.mean(), abs=0.03)
    assert np.corrcoef(drawn, expected)[0, 1] > 0.95
    assert (pred["future_purchases_lower_95"] <= pred["future_purchases_upper_95"]).all()


BG_TRUTH = [0.25, 4.0, 0.8, 2.5]
MBG_TRUTH = [0.5, 6.0, 1.5, 2.5]
PARETO_TRUTH = [0.55, 10.6, 0.6, 11.7]


def test_simulate_draws_from_a_models_class_with_its_simulator():
    # the bootstrap's entry: the model's class picks the simulator, the generator is shared
    t_obs = np.linspace(1.0, 40.0, 200)
    cases = [
        (clv.BetaGeoModel, BG_TRUTH, simulate_bg_nbd),
        (clv.ModifiedBetaGeoModel, MBG_TRUTH, simulate_mbg_nbd),
        (clv.ParetoNBDModel, PARETO_TRUTH, simulate_pareto_nbd),
    ]
    for cls, params, simulate in cases:
        values = np.array(params)
        got = bootstrap._simulate(
            bootstrap._true_model(cls, values), values, {"T": t_obs}, np.random.default_rng(4)
        )
        pd.testing.assert_frame_equal(got, simulate(200, *values, t_obs, seed=4))
    values = np.array([1.2, 0.75, 0.66, 2.78])
    periods = np.full(200, 5.0)
    got = bootstrap._simulate(
        bootstrap._true_model(clv.BetaGeoBetaBinomModel, values),
        values,
        {"T": periods},
        np.random.default_rng(4),
    )
    pd.testing.assert_frame_equal(got, simulate_bg_bb(200, *values, periods, seed=4))
    x = np.array([0.0, 1.0, 3.0, 7.0])
    spend = bootstrap._simulate(
        clv.GammaGamma(), np.array([6.0, 4.0, 15.0]), {"x": x}, np.random.default_rng(5)
    )
    assert list(spend.columns) == ["frequency", "monetary_value"]
    np.testing.assert_array_equal(
        spend["monetary_value"], simulate_gamma_gamma(x, 6.0, 4.0, 15.0, seed=5).to_numpy()
    )
    with pytest.raises(ValueError, match="no simulation for a"):
        bootstrap._simulate(object(), values, {"T": periods}, np.random.default_rng(0))


def test_parametric_bootstrap_agrees_with_the_laplace_standard_errors():
    data = _simulate(3000, seed=5)
    model = clv.BetaGeoModel().fit(data)
    result = bootstrap.parametric_bootstrap(model, data, n_refits=60, seed=1)
    assert len(result.params) == 60 and result.params["converged"].all()
    table = result.summary
    # 60 refits: the SD of an SD estimate is ~9%; 30% is over 3 of them
    assert ((table["sd_ratio"] > 0.7) & (table["sd_ratio"] < 1.3)).all(), table["sd_ratio"]
    np.testing.assert_allclose(
        table["laplace_sd_log"], model.standard_errors_ / model.params_, rtol=1e-12
    )

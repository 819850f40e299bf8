"""The shape every CLV model shares (issue 27, point 3): convergence warnings, one fitted
check, print_summary with AIC and BIC, the fit's column names and its period."""

from __future__ import annotations

import math
import re
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import special

from helpers import clv
from helpers.clv.bg_bb import PERIODS

NOT_FITTED = "this {} is not fitted yet; call fit(summary) first, or load a saved model"


def no_dropout_summary(n: int = 300, seed: int = 0) -> pd.DataFrame:
    """Customers who all buy at the same rate (1 a week) for 20 weeks and never leave.

    Nothing in these data tells a purchase-rate spread or a dropout: the likelihood rises
    without bound as the dropout's parameters run away (BG/NBD's b, Pareto/NBD's beta).
    """
    rng = np.random.default_rng(seed)
    t_obs = np.full(n, 20.0)
    x = rng.poisson(t_obs)
    last = np.array(
        [rng.uniform(0, t, k).max() if k else 0.0 for k, t in zip(x, t_obs, strict=True)]
    )
    out = pd.DataFrame({"frequency": x.astype(float), "recency": last, "T": t_obs})
    out.attrs["period"] = "W"
    return out


@pytest.fixture(scope="module")
def shop() -> pd.DataFrame:
    """A shop drawn from a BG/NBD with moderate parameters, with spends."""
    data = clv.simulate_bg_nbd(1500, r=0.5, alpha=5.0, a=0.8, b=2.5, T=52.0, seed=3)
    spend = clv.simulate_gamma_gamma(data["frequency"].to_numpy(), 6.0, 4.0, 15.0, seed=4)
    data["monetary_value"] = spend.to_numpy()
    data.attrs["period"] = "W"
    return data


@pytest.mark.parametrize(
    ("cls", "parameter"),
    [(clv.BetaGeoModel, "b"), (clv.ModifiedBetaGeoModel, "b"), (clv.ParetoNBDModel, "beta")],
)
def test_a_run_away_fit_warns_naming_the_model_and_the_parameter(cls, parameter):
    data = no_dropout_summary()
    with pytest.warns(clv.ConvergenceWarning) as caught:
        model = cls().fit(data)
    assert len(caught) == 1
    message = str(caught[0].message)
    assert message.startswith(f"{cls.__name__}: parameter {parameter} = ")
    assert "ran away towards infinity" in message and "compare_models" in message
    assert model.params_[parameter] > 1e9  # the bound of a scale; b is a shape (1e6)
    # the warning points at this file, the caller of fit, not at helpers.clv
    assert caught[0].filename == __file__


def test_a_search_stopped_early_warns_that_it_did_not_converge(shop):
    with pytest.warns(clv.ConvergenceWarning, match=r"did not converge within max_iter=1"):
        model = clv.GammaGamma(max_iter=1, initial_params=[50.0, 50.0, 50.0]).fit(shop)
    assert not model.converged_


def test_convergence_problem_bounds():
    params = pd.Series({"r": 0.5, "alpha": 5e8, "a": 1e6, "b": 1.0})
    assert clv.fitting.convergence_problem("M", params, True, ("alpha",)) is None
    low = clv.fitting.convergence_problem("M", params.replace(0.5, 9e-7), True, ("alpha",))
    assert low.startswith("M: parameter r = 9e-07 ran away towards 0 (below 1e-06")
    high = clv.fitting.convergence_problem("M", params.replace(1e6, 2e6), True, ("alpha",))
    assert high.startswith("M: parameter a = 2e+06 ran away towards infinity")
    scale = clv.fitting.convergence_problem("M", params.replace(5e8, 2e9), True, ("alpha",))
    assert scale.startswith("M: parameter alpha = 2e+09")


def test_bootstrap_refits_warn_once_with_the_counts():
    data = no_dropout_summary(n=120, seed=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", clv.ConvergenceWarning)
        model = clv.BetaGeoModel().fit(data)
    with pytest.warns(clv.ConvergenceWarning) as caught:
        result = clv.parametric_bootstrap(model, data, n_refits=3, seed=0)
    caught = [w for w in caught if w.category is clv.ConvergenceWarning]
    assert len(caught) == 1
    counts = re.search(
        r"of 3 refits of BetaGeoModel, (\d+) did not converge .* and (\d+) have",
        str(caught[0].message),
    )
    assert counts is not None
    # every refit is on data without dropout: at least one runs away
    assert int(counts.group(2)) >= 1
    assert int(counts.group(1)) == int((~result.params["converged"]).sum())


def test_good_fits_do_not_warn(shop):
    donors = clv.simulate_bg_bb(800, 1.2, 0.75, 0.66, 2.78, 6, seed=2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for cls in (clv.BetaGeoModel, clv.ModifiedBetaGeoModel, clv.ParetoNBDModel):
            assert cls().fit(shop).converged_
        assert clv.GammaGamma().fit(shop).converged_
        assert clv.BetaGeoBetaBinomModel().fit(donors).converged_


def test_predict_reads_the_column_names_given_to_fit(shop):
    names = {"frequency": "repeats", "recency": "last", "T": "age", "monetary_value": "spend"}
    renamed = shop.rename(columns=names)
    model = clv.BetaGeoModel().fit(
        renamed, frequency_col="repeats", recency_col="last", T_col="age"
    )
    plain = clv.BetaGeoModel().fit(shop)
    assert model.columns_ == {"frequency_col": "repeats", "recency_col": "last", "T_col": "age"}
    expected = plain.conditional_expected_purchases(
        10.0, shop["frequency"], shop["recency"], shop["T"]
    )
    np.testing.assert_allclose(model.predict(renamed, 10.0).to_numpy(), expected, rtol=1e-6)
    # overridden per call
    back = renamed.rename(columns={"age": "T2"})
    np.testing.assert_allclose(model.predict(back, 10.0, T_col="T2"), expected, rtol=1e-6)
    with pytest.raises(ValueError, match="age"):
        model.predict(shop, 10.0)  # the fit's names are not in this frame
    spend = clv.GammaGamma().fit(renamed, frequency_col="repeats", monetary_col="spend")
    p, q, g = spend.params_
    x, m = shop["frequency"].to_numpy(), shop["monetary_value"].to_numpy()
    # Fader, Hardie & Lee (2005b): a weighted mean of the population mean
    # p gamma / (q - 1) and the customer's own mean m; the population mean when x = 0
    weight = p * x / (p * x + q - 1)
    by_hand = (1 - weight) * p * g / (q - 1) + weight * np.where(x > 0, m, 0.0)
    np.testing.assert_allclose(spend.predict(renamed).to_numpy(), by_hand, rtol=1e-9)


def test_the_columns_survive_save_and_load(shop, tmp_path):
    renamed = shop.rename(columns={"T": "age"})
    model = clv.ParetoNBDModel().fit(renamed, T_col="age")
    back = clv.ParetoNBDModel.load(model.save(tmp_path / "pareto.json"))
    assert back.columns_["T_col"] == "age"
    np.testing.assert_allclose(back.predict(renamed, 5.0), model.predict(renamed, 5.0))


def test_bg_bb_predicts_from_its_periods_column():
    donors = clv.simulate_bg_bb(500, 1.2, 0.75, 0.66, 2.78, 6, seed=5)
    model = clv.BetaGeoBetaBinomModel().fit(donors)
    assert model.columns_["T_col"] == PERIODS
    expected = model.conditional_expected_purchases(
        3, donors["frequency"], donors["recency"], donors[PERIODS]
    )
    np.testing.assert_allclose(model.predict(donors, 3).to_numpy(), expected)


def test_a_period_that_is_not_the_models_is_refused(shop):
    model = clv.BetaGeoModel().fit(shop)
    assert model.period_ == "W"
    daily = shop.copy()
    daily.attrs["period"] = "D"
    with pytest.raises(ValueError, match=r"fitted in periods of 'W'"):
        model.predict(daily, 7.0)
    spend = clv.GammaGamma().fit(shop)
    with pytest.raises(ValueError, match=r"the CLV's period is 'D' but this BetaGeoModel"):
        clv.customer_intervals(
            model, shop, t=52, spend_model=spend, discount_rate=0.1, period="D", n_draws=20
        )
    unknown = shop.copy()
    unknown.attrs = {}
    assert len(model.predict(unknown, 7.0)) == len(shop)  # unknown: nothing to check


def bg_nbd_loglik(params, x, tx, t_obs) -> np.ndarray:
    """The BG/NBD likelihood of Fader, Hardie & Lee (2005), written here again in plain NumPy."""
    r, alpha, a, b = params
    front = special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha)
    first = np.exp(
        special.betaln(a, b + x) - special.betaln(a, b) - (r + x) * np.log(alpha + t_obs)
    )
    second = np.where(
        x > 0,
        np.exp(
            special.betaln(a + 1, np.maximum(b + x - 1, 1e-12))
            - special.betaln(a, b)
            - (r + x) * np.log(alpha + tx)
        ),
        0.0,
    )
    return front + np.log(first + second)


def test_print_summary_shows_aic_and_bic(shop, capsys):
    model = clv.BetaGeoModel().fit(shop)
    model.print_summary()
    text = capsys.readouterr().out
    ll = bg_nbd_loglik(
        model.params_.to_numpy(), shop["frequency"], shop["recency"], shop["T"]
    ).sum()
    k, n = 4, len(shop)

    def number(label: str) -> float:
        found = re.search(rf"^\s+{label}\s+(-?[\d,]+\.\d+)$", text, re.M)
        assert found is not None, (label, text)
        return float(found.group(1).replace(",", ""))

    assert number("log-likelihood") == pytest.approx(ll, abs=0.006)
    assert number("AIC") == pytest.approx(2 * k - 2 * ll, abs=0.006)
    assert number("BIC") == pytest.approx(k * math.log(n) - 2 * ll, abs=0.006)
    assert re.search(r"^\s+customers\s+1,500 ", text, re.M)
    assert re.search(r"^\s+period\s+W$", text, re.M)
    assert re.search(r"^\s+parameters \(k\)\s+4$", text, re.M)
    assert re.search(r"^\s+converged\s+yes$", text, re.M)
    for name in ("r", "alpha", "a", "b"):
        assert re.search(rf"^{name}\s", text, re.M)
    assert "standard_error" in text and "lower_95" in text
    html = model._repr_html_()
    assert "AIC" in html and "BIC" in html and "<table" in html
    assert clv.BetaGeoModel()._repr_html_() is None


def test_gamma_gamma_summary_has_no_period(shop, capsys):
    clv.GammaGamma().fit(shop).print_summary()
    text = capsys.readouterr().out
    assert "period" not in text and re.search(r"^\s+parameters \(k\)\s+3$", text, re.M)


UNFITTED = [
    clv.BetaGeoModel(),
    clv.ModifiedBetaGeoModel(),
    clv.ParetoNBDModel(),
    clv.BetaGeoBetaBinomModel(),
    clv.GammaGamma(),
]


@pytest.mark.parametrize("model", UNFITTED, ids=lambda m: type(m).__name__)
def test_one_not_fitted_message_for_every_model(model, shop, tmp_path):
    message = NOT_FITTED.format(type(model).__name__)
    calls = [
        lambda: (
            model.predict(shop, 1.0)
            if hasattr(model, "expected_purchases")
            else model.predict(shop)
        ),
        model.print_summary,
        lambda: model.save(tmp_path / "m.json"),
    ]
    for call in calls:
        with pytest.raises(clv.NotFittedError) as caught:
            call()
        assert str(caught.value) == message
    with pytest.raises(ValueError) as caught:
        clv.parameter_draws(model)
    assert str(caught.value) == "model: " + message


def test_the_covariate_model_says_the_same(shop):
    model = clv.CovariateModel(clv.BetaGeoModel(), purchase=["frequency"])
    with pytest.raises(clv.NotFittedError) as caught:
        model.predict(shop, 1.0)
    assert str(caught.value) == NOT_FITTED.format("CovariateModel")


def test_the_issues_case_a_runs_away_when_everyone_drops_out_alike():
    """Issue 27's fit ended with a = 7.8e6: a and b grow together when the dropout
    probability is the same for every customer (here 0.3: a beta with a = 3e7, b = 7e7)."""
    shop = clv.simulate_bg_nbd(4000, r=2.0, alpha=8.0, a=3e7, b=7e7, T=52.0, seed=1)
    with pytest.warns(clv.ConvergenceWarning, match=r"^BetaGeoModel: parameter (a|b) = "):
        model = clv.BetaGeoModel().fit(shop)
    a, b = model.params_["a"], model.params_["b"]
    assert a > 1e5 and b > 1e6
    assert a / (a + b) == pytest.approx(0.3, abs=0.03)  # the common dropout probability

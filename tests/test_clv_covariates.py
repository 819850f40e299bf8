"""helpers.clv.covariates: time-invariant covariates (Fader & Hardie 2007) in BG/NBD,
Pareto/NBD and Gamma-Gamma.

Recovery: shops are simulated (helpers.clv.simulation) with an acquisition channel of three
levels whose planted factors shift purchase rate, dropout and spend; every true coefficient
must lie in its 95% interval. The likelihood is checked against the base models evaluated
with each customer's parameters set by hand, the exact gradients against finite
differences, and the fit without covariates against the base model's own fit.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from conftest import real_file

from helpers import clv
from helpers.clv import ConvergenceWarning, covariate_likelihood
from helpers.clv.covariate_gradients import bg_rows, gg_rows
from helpers.clv.covariates import CovariateModel, dummies
from helpers.clv.simulation import simulate_bg_nbd, simulate_gamma_gamma, simulate_pareto_nbd
from helpers.clv_data import summary_data
from helpers.datasets import load_cdnow

LEVELS = ["search", "social", "email"]
SHARES = [0.5, 0.3, 0.2]
COLUMNS = ["channel_email", "channel_social"]  # dummies() orders levels: email, social
# planted factors against "search": purchase rate x1.5 (email), x0.7 (social); dropout x0.6,
# x1.8; spend x1.3, x0.8
TRUE = {
    "purchase": {"channel_email": np.log(1.5), "channel_social": np.log(0.7)},
    "dropout": {"channel_email": np.log(0.6), "channel_social": np.log(1.8)},
    "spend": {"channel_email": np.log(1.3), "channel_social": np.log(0.8)},
}
BG = {"r": 0.6, "alpha": 5.0, "a": 0.8, "b": 3.0}
PARETO = {"r": 0.6, "alpha": 5.0, "s": 0.8, "beta": 12.0}
GG = {"p": 6.0, "q": 4.0, "gamma": 15.0}


def shop(n: int, seed: int, model: str = "bg") -> pd.DataFrame:
    """A simulated shop: summary data, spend and the channel dummies, with planted effects."""
    rng = np.random.default_rng(seed)
    channel = pd.Series(rng.choice(LEVELS, n, p=SHARES), name="channel")
    channel.index.name = "customer_id"
    z = dummies(channel, reference="search")
    assert list(z.columns) == COLUMNS

    def shift(process: str) -> np.ndarray:
        return z.to_numpy() @ np.array([TRUE[process][c] for c in COLUMNS])

    t_obs = rng.uniform(20.0, 52.0, n)
    alpha = BG["alpha"] * np.exp(-shift("purchase"))  # factor exp(g) on r / alpha
    if model == "bg":
        b = BG["b"] * np.exp(-shift("dropout"))  # factor exp(g) on the odds a / b
        data = simulate_bg_nbd(n, BG["r"], alpha, BG["a"], b, t_obs, seed=seed + 1)
    else:
        beta = PARETO["beta"] * np.exp(-shift("dropout"))  # factor exp(g) on s / beta
        data = simulate_pareto_nbd(n, PARETO["r"], alpha, PARETO["s"], beta, t_obs, seed=seed + 1)
    gamma = GG["gamma"] * np.exp(shift("spend"))  # factor exp(g) on p gamma / (q - 1)
    data["monetary_value"] = simulate_gamma_gamma(
        data["frequency"], GG["p"], GG["q"], gamma, seed=seed + 2
    )
    return data.join(z).assign(channel=channel)


def by_hand(cls, theta) -> object:
    """A base model with parameters set by hand."""
    model = cls()
    model._set_estimates(np.asarray(theta, dtype=float), np.eye(len(cls.PARAMS)))
    return model


def own_params(model: CovariateModel, level: str) -> np.ndarray:
    """Customer parameters of a channel, computed here from params_ and the links' formulas."""
    params = model.params_
    base = params[list(model._cls.PARAMS)].to_numpy().copy()
    column = f"channel_{level}"
    if level == "search":
        return base
    if model._cls is clv.GammaGamma:
        base[2] *= np.exp(params[f"spend:{column}"])
        return base
    base[1] *= np.exp(-params[f"purchase:{column}"])
    base[3] *= np.exp(-params[f"dropout:{column}"])
    return base


def inside(model: CovariateModel, process: str) -> dict[str, bool]:
    effects = model.effects_.set_index(["process", "covariate"])
    return {
        column: bool(
            effects.loc[(process, column), "lower_95"]
            < TRUE[process][column]
            < effects.loc[(process, column), "upper_95"]
        )
        for column in COLUMNS
    }


@pytest.fixture(scope="module")
def bg_data():
    return shop(8000, seed=10)


@pytest.fixture(scope="module")
def bg_fit(bg_data):
    return CovariateModel(clv.BetaGeoModel(), purchase=COLUMNS, dropout=COLUMNS).fit(bg_data)


@pytest.fixture(scope="module")
def gg_fit(bg_data):
    return CovariateModel(clv.GammaGamma(), spend=COLUMNS).fit(bg_data)


@pytest.fixture(scope="module")
def pareto_data():
    return shop(5000, seed=20, model="pareto")


@pytest.fixture(scope="module")
def pareto_fit(pareto_data):
    return CovariateModel(clv.ParetoNBDModel(), purchase=COLUMNS, dropout=COLUMNS).fit(pareto_data)


# ---------------------------------------------------------------- dummies


def test_dummies_one_column_per_non_reference_level():
    channel = pd.Series(
        ["search", "social", "search", "email", "search"],
        index=pd.Index([11, 12, 13, 14, 15], name="customer_id"),
        name="acquisition_channel",
    )
    out = dummies(channel, reference="social")
    assert list(out.columns) == ["acquisition_channel_email", "acquisition_channel_search"]
    assert out.index.equals(channel.index)
    assert out["acquisition_channel_search"].tolist() == [1.0, 0.0, 1.0, 0.0, 1.0]
    assert out.loc[12].sum() == 0  # the reference row is all zeros
    assert out.attrs["reference"] == "social"
    # default reference: the most frequent level
    assert dummies(channel).attrs["reference"] == "search"
    assert list(dummies(channel, prefix="ch").columns) == ["ch_email", "ch_social"]
    # a categorical keeps its own order of levels
    ordered = channel.astype(pd.CategoricalDtype(["social", "email", "search"]))
    assert list(dummies(ordered, reference="search").columns) == [
        "acquisition_channel_social",
        "acquisition_channel_email",
    ]


@pytest.mark.parametrize(
    ("values", "reference", "message"),
    [
        (pd.Series(["a", None, "b"], name="ch"), None, "1 value.* missing, e.g. for index 1"),
        (pd.Series(["a", "b"], name="ch"), "c", "reference 'c' is not a level of ch"),
        (pd.Series(["a", "a"], name="ch"), None, "at least 2 levels"),
        (["a", "b"], None, "must be a pandas Series"),
    ],
)
def test_dummies_bad_input(values, reference, message):
    with pytest.raises(ValueError, match=message):
        dummies(values, reference=reference)


# ---------------------------------------------------------------- likelihood and gradient


def finite_difference(f, theta, h=1e-6):
    """Central differences of f in log theta, one column per parameter."""
    out = []
    for k in range(len(theta)):
        up = [t * np.exp(h) if j == k else t for j, t in enumerate(theta)]
        down = [t * np.exp(-h) if j == k else t for j, t in enumerate(theta)]
        out.append((f(up) - f(down)) / (2 * h))
    return np.column_stack(out)


def test_exact_row_gradients_match_finite_differences():
    rng = np.random.default_rng(0)
    n = 400
    x = rng.integers(0, 12, n).astype(float)
    t_obs = rng.uniform(5, 60, n)
    tx = np.where(x > 0, t_obs * rng.uniform(0, 1, n), 0.0)
    theta = [0.7, rng.uniform(2, 9, n), 0.9, rng.uniform(0.8, 6, n)]  # per-row alpha and b
    value, grad = bg_rows(theta, x, tx, t_obs)
    np.testing.assert_allclose(value, clv.BetaGeoModel._loglik(theta, x, tx, t_obs), rtol=1e-12)
    expected = finite_difference(lambda th: clv.BetaGeoModel._loglik(th, x, tx, t_obs), theta)
    np.testing.assert_allclose(grad, expected, rtol=1e-6, atol=1e-7)
    # with b from 3 patterns, the special functions once per (x, pattern): the same values
    theta[3] = np.array([0.9, 2.5, 4.0])[np.arange(n) % 3]
    keys, rep, inverse = {}, [], np.empty(n, dtype=np.int64)
    for i, k in enumerate(zip(x, theta[3], strict=True)):
        if k not in keys:
            keys[k] = len(rep)
            rep.append(i)
        inverse[i] = keys[k]
    plain = bg_rows(theta, x, tx, t_obs)
    keyed = bg_rows(theta, x, tx, t_obs, key=(np.array(rep), inverse))
    np.testing.assert_allclose(keyed[0], plain[0], rtol=1e-13)
    np.testing.assert_allclose(keyed[1], plain[1], rtol=1e-12, atol=1e-14)

    x = rng.integers(1, 12, n).astype(float)
    m = rng.gamma(3.0, 10.0, n)
    theta = [5.0, 3.5, rng.uniform(5, 30, n)]  # per-row gamma
    value, grad = gg_rows(theta, x, m)
    np.testing.assert_allclose(value, clv.GammaGamma._loglik(theta, x, m), rtol=1e-12)
    expected = finite_difference(lambda th: clv.GammaGamma._loglik(th, x, m), theta)
    np.testing.assert_allclose(grad, expected, rtol=1e-6, atol=1e-7)
    values, inverse = np.unique(x, return_inverse=True)
    rep = np.array([np.flatnonzero(x == v)[0] for v in values])
    keyed = gg_rows(theta, x, m, key=(rep, inverse))
    np.testing.assert_allclose(keyed[0], value, rtol=1e-13)
    np.testing.assert_allclose(keyed[1], grad, rtol=1e-12)


@pytest.mark.parametrize("which", ["bg", "pareto", "gg"])
def test_log_likelihood_is_the_base_models_with_each_customers_parameters(
    which, bg_data, bg_fit, gg_fit, pareto_data, pareto_fit
):
    model, data = {
        "bg": (bg_fit, bg_data),
        "pareto": (pareto_fit, pareto_data),
        "gg": (gg_fit, bg_data),
    }[which]
    total = 0.0
    for level in LEVELS:
        rows = data[data["channel"] == level]
        base = by_hand(model._cls, own_params(model, level))
        if which == "gg":
            rows = rows[rows["frequency"] > 0]
            total += base._loglik(
                base.params_.to_numpy(), rows["frequency"].to_numpy(), rows["monetary_value"]
            ).sum()
        else:
            total += base.log_likelihood(rows["frequency"], rows["recency"], rows["T"]).sum()
    assert model.log_likelihood_ == pytest.approx(total, rel=1e-10)
    # customer_params gives the same parameters
    params = model.customer_params(data)
    for level in LEVELS:
        got = params[data["channel"] == level].drop_duplicates().to_numpy()
        np.testing.assert_allclose(got, [own_params(model, level)], rtol=1e-12)


# ---------------------------------------------------------------- recovery


def test_bg_nbd_recovers_the_planted_factors(bg_fit):
    assert bg_fit.converged_
    assert all(inside(bg_fit, "purchase").values()), bg_fit.effects_
    assert all(inside(bg_fit, "dropout").values()), bg_fit.effects_
    for name, value in BG.items():  # the reference channel's own parameters
        row = bg_fit.summary_.loc[name]
        assert row["lower_95"] < value < row["upper_95"], name
    assert bg_fit.likelihood_ratio_["df"] == 4
    assert bg_fit.likelihood_ratio_["p_value"] < 1e-6


def test_pareto_nbd_recovers_the_planted_factors(pareto_fit):
    assert pareto_fit.converged_
    assert all(inside(pareto_fit, "purchase").values()), pareto_fit.effects_
    assert all(inside(pareto_fit, "dropout").values()), pareto_fit.effects_
    for name, value in PARETO.items():
        row = pareto_fit.summary_.loc[name]
        assert row["lower_95"] < value < row["upper_95"], name


def test_gamma_gamma_recovers_the_planted_factors(gg_fit, bg_data):
    assert gg_fit.converged_
    assert all(inside(gg_fit, "spend").values()), gg_fit.effects_
    for name, value in GG.items():
        row = gg_fit.summary_.loc[name]
        assert row["lower_95"] < value < row["upper_95"], name
    assert gg_fit.n_customers_ == (bg_data["frequency"] > 0).sum()  # repeat buyers only
    factor = gg_fit.effects_.set_index("covariate").loc["channel_email"]
    assert factor["factor"] == pytest.approx(np.exp(factor["coefficient"]))
    assert factor["factor_lower_95"] < 1.3 < factor["factor_upper_95"]


def test_interval_coverage_over_seeds_is_near_95_percent():
    # 12 shops x (2 purchase + 2 dropout) BG/NBD coefficients and 30 x 2 spend coefficients:
    # a 95% interval misses about 1 in 20; far more misses means wrong standard errors
    hits = []
    for seed in range(12):
        data = shop(3000, seed=100 + seed)
        fit = CovariateModel(clv.BetaGeoModel(), purchase=COLUMNS, dropout=COLUMNS).fit(data)
        hits += list(inside(fit, "purchase").values()) + list(inside(fit, "dropout").values())
    assert np.mean(hits) >= 0.85, np.mean(hits)
    hits = []
    for seed in range(30):
        data = shop(2000, seed=300 + seed)
        hits += list(
            inside(CovariateModel(clv.GammaGamma(), spend=COLUMNS).fit(data), "spend").values()
        )
    assert np.mean(hits) >= 0.85, np.mean(hits)


def test_a_continuous_covariate_is_recovered():
    rng = np.random.default_rng(5)
    n = 5000
    income = rng.normal(40_000, 12_000, n)  # a raw scale: centring inside the search helps
    g = 2e-5  # exp(12000 g) = 1.27 per standard deviation
    data = simulate_bg_nbd(n, 0.6, 5.0 * np.exp(-g * income), 0.8, 3.0, 40.0, seed=6)
    data["income"] = income
    fit = CovariateModel(clv.BetaGeoModel(), purchase=["income"]).fit(data)
    row = fit.summary_.loc["purchase:income"]
    assert row["lower_95"] < g < row["upper_95"]
    assert fit.summary_.loc["alpha", "lower_95"] < 5.0 < fit.summary_.loc["alpha", "upper_95"]


# ---------------------------------------------------------------- equal to the base model


@pytest.mark.parametrize(
    "cls", [clv.BetaGeoModel, clv.ModifiedBetaGeoModel, clv.ParetoNBDModel, clv.GammaGamma]
)
def test_without_covariates_the_fit_is_the_base_models(cls):
    data = shop(1500, seed=40)
    base = cls().fit(data)
    model = CovariateModel(cls()).fit(data)
    names = list(cls.PARAMS)
    assert list(model.params_.index) == names
    np.testing.assert_allclose(model.params_.to_numpy(), base.params_.to_numpy(), rtol=2e-4)
    assert model.log_likelihood_ == pytest.approx(base.log_likelihood_, abs=1e-6)
    # standard errors: our per-row Hessian against the base model's own
    np.testing.assert_allclose(
        model.standard_errors_.to_numpy(), base.standard_errors_.to_numpy(), rtol=2e-3
    )
    np.testing.assert_allclose(
        model.summary_["lower_95"].to_numpy(), base.summary_["lower_95"].to_numpy(), rtol=2e-3
    )
    assert model.effects_.empty and model.likelihood_ratio_["df"] == 0


@pytest.mark.realdata
def test_cdnow_without_covariates_gives_the_published_estimates():
    summary = summary_data(
        load_cdnow(real_file("cdnow_sample.txt")), as_of="1997-10-01", period="W"
    )
    published = {  # Fader, Hardie & Lee (2005, 2005b); the Pareto/NBD as fitted there
        clv.BetaGeoModel: [0.243, 4.414, 0.793, 2.426],
        clv.ParetoNBDModel: [0.553, 10.578, 0.606, 11.669],
        clv.GammaGamma: [6.25, 3.74, 15.44],
    }
    for cls, values in published.items():
        model = CovariateModel(cls()).fit(summary)
        np.testing.assert_allclose(model.params_.to_numpy(), values, atol=5e-3, err_msg=str(cls))
    assert model.n_customers_ == 946  # the spend model: repeat buyers only


# ---------------------------------------------------------------- predictions


def test_predictions_are_the_base_models_with_the_customers_parameters(
    bg_data, bg_fit, gg_fit, pareto_data, pareto_fit
):
    for model, data in ((bg_fit, bg_data), (pareto_fit, pareto_data)):
        p_alive = model.probability_alive(data)
        expected = model.conditional_expected_purchases(26.0, data)
        new = model.expected_purchases(52.0, data)
        assert p_alive.index.equals(data.index) and p_alive.name == "p_alive"
        pd.testing.assert_series_equal(model.predict(data, 26.0), expected)
        for level in LEVELS:
            rows = data["channel"] == level
            base = by_hand(model._cls, own_params(model, level))
            x, tx, t_obs = (data.loc[rows, c] for c in ("frequency", "recency", "T"))
            np.testing.assert_allclose(p_alive[rows], base.probability_alive(x, tx, t_obs))
            np.testing.assert_allclose(
                expected[rows], base.conditional_expected_purchases(26.0, x, tx, t_obs)
            )
            np.testing.assert_allclose(new[rows], float(base.expected_purchases(52.0)))
            covariates = {c: float(c == f"channel_{level}") for c in COLUMNS}
            np.testing.assert_allclose(
                model.model_at(covariates).params_.to_numpy(), base.params_.to_numpy()
            )
    spend = gg_fit.conditional_expected_spend(bg_data)
    pd.testing.assert_series_equal(gg_fit.predict(bg_data), spend)
    for level in LEVELS:
        rows = bg_data["channel"] == level
        base = by_hand(clv.GammaGamma, own_params(gg_fit, level))
        np.testing.assert_allclose(
            spend[rows],
            base.conditional_expected_spend(
                bg_data.loc[rows, "frequency"], bg_data.loc[rows, "monetary_value"]
            ),
        )
    # the reference customer by default
    np.testing.assert_allclose(
        gg_fit.model_at().params_.to_numpy(), gg_fit.params_[["p", "q", "gamma"]].to_numpy()
    )


def test_print_summary_and_repr(bg_fit, capsys):
    bg_fit.print_summary()
    text = capsys.readouterr().out
    assert "log-likelihood" in text and "AIC" in text and "purchase:channel_email" in text
    assert "likelihood ratio" in text and "odds a/b" in text
    assert repr(bg_fit).startswith("CovariateModel(BetaGeoModel(), purchase=")
    assert repr(CovariateModel(clv.GammaGamma(), spend=["z"])) == (
        "CovariateModel(GammaGamma(), spend=['z'])"
    )
    assert list(bg_fit.covariance_.index) == list(bg_fit.params_.index)
    # the base parameters' standard errors are by the delta method: se(alpha) = alpha se(log)
    assert bg_fit.covariance_.to_numpy().diagonal() == pytest.approx(
        bg_fit.standard_errors_.to_numpy() ** 2
    )


# ---------------------------------------------------------------- bad input and warnings


def test_bad_settings_and_data_are_named(bg_data):
    small = bg_data.iloc[:300]
    cases = [
        (
            CovariateModel(clv.GammaGamma(), purchase=["channel_email"]),
            "purchase covariates do not apply to GammaGamma",
        ),
        (
            CovariateModel(clv.BetaGeoModel(), spend=["channel_email"]),
            "spend covariates do not apply to BetaGeoModel",
        ),
        (CovariateModel(clv.BetaGeoBetaBinomModel(), purchase=["x"]), "base must be an instance"),
        (CovariateModel(clv.BetaGeoModel(), purchase=["nope"]), "column 'nope' is required"),
        (
            CovariateModel(clv.BetaGeoModel(), purchase=["a", "a"]),
            "names column 'a' more than once",
        ),
        (CovariateModel(clv.BetaGeoModel(), purchase=["one"]), "covariate 'one' is constant"),
        (
            CovariateModel(
                clv.BetaGeoModel(), purchase=["channel_email", "channel_social", "channel_search"]
            ),
            "collinear",
        ),
        (
            CovariateModel(clv.BetaGeoModel(), dropout=["bad"]),
            "column 'bad' must be a finite number",
        ),
        (CovariateModel(clv.BetaGeoModel(), max_iter=0), "max_iter must be"),
    ]
    data = small.assign(
        one=1.0,
        channel_search=1.0 - small["channel_email"] - small["channel_social"],
        bad=np.where(np.arange(len(small)) == 7, np.nan, 1.0 * np.arange(len(small))),
    )
    for model, message in cases:
        with pytest.raises(ValueError, match=message):
            model.fit(data)
    with pytest.raises(ValueError, match="not fitted yet"):
        CovariateModel(clv.BetaGeoModel()).probability_alive(data)
    with pytest.raises(ValueError, match="needs GammaGamma"):
        CovariateModel(clv.BetaGeoModel()).fit(small).conditional_expected_spend(small)
    # a covariate constant among the repeat buyers (those the spend model sees)
    with pytest.raises(ValueError, match="constant .* on the repeat buyers"):
        CovariateModel(clv.GammaGamma(), spend=["only_one_timers"]).fit(
            small.assign(only_one_timers=(small["frequency"] == 0).astype(float))
        )


def test_a_failed_search_warns():
    data = shop(800, seed=50)
    with pytest.warns(ConvergenceWarning, match="did not converge"):
        model = CovariateModel(clv.BetaGeoModel(), purchase=COLUMNS, max_iter=1).fit(data)
    assert not model.converged_
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        assert CovariateModel(clv.BetaGeoModel(), purchase=COLUMNS).fit(data).converged_


def test_pareto_nbd_by_pattern_equals_the_per_row_path(monkeypatch):
    # ParetoNBDModel._loglik taking one parameter value per row is used when it does;
    # otherwise the rows are evaluated per covariate pattern with scalar parameters (and the
    # gradient by finite differences). Both give the same fit.
    if not covariate_likelihood._broadcasts(clv.ParetoNBDModel):
        pytest.skip("ParetoNBDModel._loglik does not take per-row parameters")
    data = shop(600, seed=60, model="pareto")
    fits = {}
    for per_row in (True, False):
        monkeypatch.setitem(covariate_likelihood._broadcast_checked, clv.ParetoNBDModel, per_row)
        fits[per_row] = CovariateModel(clv.ParetoNBDModel(), purchase=COLUMNS).fit(data)
    assert fits[True].log_likelihood_ == pytest.approx(fits[False].log_likelihood_, abs=1e-7)
    np.testing.assert_allclose(fits[True].params_, fits[False].params_, rtol=1e-5)
    np.testing.assert_allclose(fits[True].standard_errors_, fits[False].standard_errors_, rtol=1e-3)

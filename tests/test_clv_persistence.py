"""Saving and loading fitted CLV models: JSON (never pickle), the same predictions after a
round trip, and clear refusals of files that are not saved models of the class.

The base models, then CovariateModel on a simulated shop with a 3-level acquisition channel:
the loaded model predicts exactly as the fitted one, its file's numbers give each channel's
predictions through the links computed here by hand, and base and covariate files do not mix.
"""

from __future__ import annotations

import copy
import json

import numpy as np
import pandas as pd
import pytest
from conftest import fitted

from helpers import clv


@pytest.fixture(scope="module")
def summary() -> pd.DataFrame:
    # 600 customers drawn from BG/NBD at CDNOW's estimates, with Gamma-Gamma spend: every
    # model has an interior maximum (five distinct rows repeated ran r and alpha to 1e10)
    table = clv.simulate_bg_nbd(600, 0.243, 4.414, 0.793, 2.426, T=39, seed=7)
    table["monetary_value"] = clv.simulate_gamma_gamma(table["frequency"], 6.25, 3.74, 15.44)
    return table


@pytest.mark.parametrize(
    "model_class", [clv.BetaGeoModel, clv.ModifiedBetaGeoModel, clv.ParetoNBDModel]
)
def test_purchase_models_round_trip(tmp_path, summary, model_class):
    model = model_class(max_iter=4000).fit(summary)
    path = model.save(tmp_path / "model.json")
    payload = json.loads(path.read_text(encoding="utf-8"))  # plain JSON
    assert payload["model"] == model_class.__name__ and payload["data"]["period"] == "W"
    assert set(payload["versions"]) >= {"customer-value-lab", "numpy", "scipy", "pandas"}
    loaded = model_class.load(path)
    pd.testing.assert_series_equal(loaded.params_, model.params_)
    pd.testing.assert_frame_equal(loaded.summary_, model.summary_)
    assert loaded.log_likelihood_ == model.log_likelihood_
    assert loaded.period_ == "W" and loaded.max_iter == 4000
    x, tx, t = (summary[c].to_numpy() for c in ("frequency", "recency", "T"))
    np.testing.assert_array_equal(
        loaded.conditional_expected_purchases(10, x, tx, t),
        model.conditional_expected_purchases(10, x, tx, t),
    )
    assert [p.name for p in tmp_path.iterdir()] == ["model.json"]  # no temporary file left


def test_spend_and_discrete_models_round_trip(tmp_path, summary):
    spend = clv.GammaGamma().fit(summary)
    loaded = clv.GammaGamma.load(spend.save(tmp_path / "gg.json"))
    np.testing.assert_array_equal(
        loaded.conditional_expected_spend([2, 5], [12.5, 30.0]),
        spend.conditional_expected_spend([2, 5], [12.5, 30.0]),
    )
    table = pd.DataFrame({"frequency": [0, 1, 2, 3], "recency": [0, 2, 4, 5], "periods": [6] * 4})
    bgbb = clv.BetaGeoBetaBinomModel().fit(table, weights=[50, 30, 20, 10])
    again = clv.BetaGeoBetaBinomModel.load(bgbb.save(tmp_path / "bgbb.json"))
    np.testing.assert_array_equal(
        again.probability_alive([0, 3], [0, 5], [6, 6]),
        bgbb.probability_alive([0, 3], [0, 5], [6, 6]),
    )


def test_missing_standard_errors_are_saved_as_null(tmp_path, summary):
    model = clv.BetaGeoModel().fit(summary)
    # a singular Hessian leaves NaN variances; an infinite one is not JSON either
    covariance = np.diag([np.nan, 0.01, 0.04, np.inf])
    model._set_estimates(model.params_.to_numpy(), covariance)
    payload = json.loads(model.save(tmp_path / "m.json").read_text())
    assert payload["standard_errors"]["r"] is None and payload["standard_errors"]["b"] is None
    assert payload["covariance"][0][0] is None and payload["covariance"][1][1] == 0.01
    again = clv.BetaGeoModel.load(tmp_path / "m.json")
    assert np.isnan(again.standard_errors_["r"]) and again.standard_errors_["alpha"] == 0.1


def test_the_covariance_is_saved_and_read_back(tmp_path, summary):
    model = clv.BetaGeoModel().fit(summary)
    again = clv.BetaGeoModel.load(model.save(tmp_path / "m.json"))
    pd.testing.assert_frame_equal(again.covariance_, model.covariance_)
    # the standard errors are the square roots of its diagonal
    np.testing.assert_allclose(np.sqrt(np.diag(model.covariance_)), model.standard_errors_)


def test_load_refuses_what_is_not_a_saved_model_of_the_class(tmp_path, summary):
    path = clv.BetaGeoModel().fit(summary).save(tmp_path / "bg.json")
    with pytest.raises(ValueError, match="holds a 'BetaGeoModel', not a ParetoNBDModel"):
        clv.ParetoNBDModel.load(path)
    (tmp_path / "junk.json").write_bytes(b"\x80\x04pickle")
    with pytest.raises(ValueError, match="not a saved model"):
        clv.BetaGeoModel.load(tmp_path / "junk.json")
    payload = json.loads(path.read_text())
    (tmp_path / "v9.json").write_text(json.dumps({**payload, "format": 9}))
    with pytest.raises(ValueError, match="format 9"):
        clv.BetaGeoModel.load(tmp_path / "v9.json")
    (tmp_path / "neg.json").write_text(json.dumps({**payload, "params": {"r": -1}}))
    with pytest.raises(ValueError, match="do not fit BetaGeoModel"):
        clv.BetaGeoModel.load(tmp_path / "neg.json")
    with pytest.raises(ValueError, match="not fitted yet"):
        clv.BetaGeoModel().save(tmp_path / "unfitted.json")


# ---------------------------------------------------------------- CovariateModel

CHANNELS = ["channel_email", "channel_social"]  # dummies() orders the levels: email, social


@pytest.fixture(scope="module")
def channel_shop() -> pd.DataFrame:
    """A simulated shop with a 3-level acquisition channel shifting purchases, dropout, spend."""
    n = 1500
    rng = np.random.default_rng(3)
    channel = pd.Series(rng.choice(["search", "social", "email"], n, p=[0.5, 0.3, 0.2]))
    z = clv.dummies(channel.rename("channel"), reference="search")
    assert list(z.columns) == CHANNELS
    factor = {
        p: z.to_numpy() @ np.log(f) for p, f in {"buy": [1.5, 0.7], "drop": [0.6, 1.8]}.items()
    }
    alpha, b = 5.0 * np.exp(-factor["buy"]), 3.0 * np.exp(-factor["drop"])
    data = clv.simulate_bg_nbd(n, 0.6, alpha, 0.8, b, rng.uniform(20.0, 52.0, n), seed=4)
    gamma = 15.0 * np.exp(z.to_numpy() @ np.log([1.3, 0.8]))
    data["monetary_value"] = clv.simulate_gamma_gamma(data["frequency"], 6.0, 4.0, gamma, seed=5)
    data = data.join(z)
    data.attrs["period"] = "W"
    return data


@pytest.fixture(scope="module")
def channel_model(channel_shop) -> clv.CovariateModel:
    base = clv.BetaGeoModel(initial_params=[0.5, 4.0, 0.8, 3.0], max_iter=300)
    return clv.CovariateModel(
        base, purchase=CHANNELS, dropout=["channel_social"], max_iter=500
    ).fit(channel_shop)


@pytest.fixture(scope="module")
def channel_spend(channel_shop) -> clv.CovariateModel:
    return clv.CovariateModel(clv.GammaGamma(), spend=CHANNELS).fit(channel_shop)


def test_covariate_model_round_trip(tmp_path, channel_shop, channel_model):
    model = channel_model
    path = model.save(tmp_path / "channels.json")
    assert [p.name for p in tmp_path.iterdir()] == ["channels.json"]  # no temporary file left
    payload = json.loads(path.read_text(encoding="utf-8"))  # plain JSON
    assert payload["model"] == "CovariateModel" and payload["base"] == "BetaGeoModel"
    assert payload["covariates"] == {
        "purchase": CHANNELS,
        "dropout": ["channel_social"],
        "spend": [],
    }
    assert list(payload["params"]) == [
        "r",
        "alpha",
        "a",
        "b",
        "purchase:channel_email",
        "purchase:channel_social",
        "dropout:channel_social",
    ]
    assert np.array(payload["covariance"]).shape == (7, 7)
    assert payload["data"]["customers"] == 1500 and payload["data"]["period"] == "W"
    assert payload["data"]["distinct_rows"] == model.n_distinct_rows_ > 100
    assert payload["settings"] == {
        "max_iter": 500,
        "base": {"initial_params": [0.5, 4.0, 0.8, 3.0], "max_iter": 300},
    }
    assert set(payload["versions"]) >= {"customer-value-lab", "numpy", "scipy", "pandas"}

    loaded = clv.CovariateModel.load(path)
    pd.testing.assert_series_equal(loaded.params_, model.params_, check_exact=True)
    pd.testing.assert_frame_equal(loaded.covariance_, model.covariance_, check_exact=True)
    pd.testing.assert_frame_equal(loaded.summary_, model.summary_, check_exact=True)
    pd.testing.assert_frame_equal(loaded.effects_, model.effects_, check_exact=True)
    pd.testing.assert_series_equal(
        loaded.likelihood_ratio_, model.likelihood_ratio_, check_exact=True
    )
    figures = ["log_likelihood_", "base_log_likelihood_", "converged_", "n_customers_"]
    for name in [*figures, "n_distinct_rows_", "period_"]:
        assert getattr(loaded, name) == getattr(model, name), name
    assert loaded.period_ == "W" and loaded.max_iter == 500
    assert type(loaded.base) is clv.BetaGeoModel and loaded.base.max_iter == 300
    assert loaded.base.initial_params == [0.5, 4.0, 0.8, 3.0]
    assert loaded.summary_text() == model.summary_text()

    pd.testing.assert_series_equal(
        loaded.probability_alive(channel_shop),
        model.probability_alive(channel_shop),
        check_exact=True,
    )
    pd.testing.assert_frame_equal(
        loaded.customer_params(channel_shop),
        model.customer_params(channel_shop),
        check_exact=True,
    )
    pd.testing.assert_series_equal(
        loaded.conditional_expected_purchases(10, channel_shop),
        model.conditional_expected_purchases(10, channel_shop),
        check_exact=True,
    )
    pd.testing.assert_series_equal(
        loaded.predict(channel_shop, 26), model.predict(channel_shop, 26), check_exact=True
    )
    social = {"channel_email": 0, "channel_social": 1}
    pd.testing.assert_series_equal(
        loaded.model_at(social).params_, model.model_at(social).params_, check_exact=True
    )


def test_a_saved_covariate_model_means_what_its_file_says(tmp_path, channel_shop, channel_model):
    # each channel's parameters by hand from the file's numbers and the links of Fader &
    # Hardie (2007): alpha_i = alpha0 exp(-g_purchase' z_i), b_i = b0 exp(-g_dropout' z_i)
    params = json.loads(channel_model.save(tmp_path / "m.json").read_text())["params"]
    loaded = clv.CovariateModel.load(tmp_path / "m.json")
    theta = {
        "search": [params["r"], params["alpha"], params["a"], params["b"]],
        "email": [
            params["r"],
            params["alpha"] * np.exp(-params["purchase:channel_email"]),
            params["a"],
            params["b"],
        ],
        "social": [
            params["r"],
            params["alpha"] * np.exp(-params["purchase:channel_social"]),
            params["a"],
            params["b"] * np.exp(-params["dropout:channel_social"]),
        ],
    }
    p_alive = loaded.probability_alive(channel_shop)
    expected = loaded.conditional_expected_purchases(10, channel_shop)
    level = np.select(
        [channel_shop["channel_email"] == 1, channel_shop["channel_social"] == 1],
        ["email", "social"],
        "search",
    )
    for name, values in theta.items():
        rows = channel_shop[level == name]
        assert len(rows) > 100
        by_hand = fitted(clv.BetaGeoModel(), values)
        x, tx, t = (rows[c].to_numpy() for c in ("frequency", "recency", "T"))
        np.testing.assert_allclose(
            p_alive[rows.index], by_hand.probability_alive(x, tx, t), rtol=1e-12
        )
        np.testing.assert_allclose(
            expected[rows.index],
            by_hand.conditional_expected_purchases(10, x, tx, t),
            rtol=1e-12,
        )


def test_gamma_gamma_covariate_model_round_trip(tmp_path, channel_shop, channel_spend):
    path = channel_spend.save(tmp_path / "spend.json")
    payload = json.loads(path.read_text())
    assert payload["base"] == "GammaGamma" and payload["data"]["period"] is None
    assert payload["covariates"] == {"purchase": [], "dropout": [], "spend": CHANNELS}
    loaded = clv.CovariateModel.load(path)
    pd.testing.assert_series_equal(
        loaded.conditional_expected_spend(channel_shop),
        channel_spend.conditional_expected_spend(channel_shop),
        check_exact=True,
    )
    pd.testing.assert_frame_equal(loaded.effects_, channel_spend.effects_, check_exact=True)
    pd.testing.assert_frame_equal(loaded.summary_, channel_spend.summary_, check_exact=True)
    # the spend model has no period, fitted or loaded
    assert not hasattr(loaded, "period_") and not hasattr(channel_spend, "period_")
    # repeat buyers only: fewer customers than the shop
    assert loaded.n_customers_ == channel_spend.n_customers_ < len(channel_shop)
    with pytest.raises(ValueError, match="needs a purchase model"):
        loaded.probability_alive(channel_shop)


def test_base_and_covariate_files_do_not_mix(tmp_path, summary, channel_model):
    covariate_file = channel_model.save(tmp_path / "cov.json")
    base_file = clv.BetaGeoModel().fit(summary).save(tmp_path / "bg.json")
    with pytest.raises(
        ValueError,
        match=r"holds a 'CovariateModel', not a BetaGeoModel; load it with CovariateModel\.load",
    ):
        clv.BetaGeoModel.load(covariate_file)
    with pytest.raises(
        ValueError,
        match=r"holds a 'BetaGeoModel', not a CovariateModel; load it with BetaGeoModel\.load",
    ):
        clv.CovariateModel.load(base_file)


def _renamed_column(p):
    p["covariates"]["purchase"] = ["channel_email", "channel_web"]


def _dropped_coefficient(p):
    del p["params"]["dropout:channel_social"]


def _reordered_params(p):
    p["params"] = dict(reversed(list(p["params"].items())))


def _spend_on_bg_nbd(p):
    p["covariates"]["spend"] = ["channel_email"]


@pytest.mark.parametrize(
    ("tamper", "message"),
    [
        (_renamed_column, r"do not match CovariateModel\(BetaGeoModel\).*channel_web"),
        (_dropped_coefficient, r"do not match .*expected \['r', 'alpha'"),
        (_reordered_params, "do not match"),
        (_spend_on_bg_nbd, "spend covariates do not apply to BetaGeoModel"),
        (lambda p: p.update(base="ParetoModel"), "base model 'ParetoModel' is not one"),
        (lambda p: p["params"].update(alpha=-1.0), r"'alpha' must be a number > 0"),
        (lambda p: p["params"].update({"purchase:channel_email": None}), "a finite number"),
        (lambda p: p["covariates"].update(purchase="channel_email"), "lists of column names"),
        (lambda p: p.update(format=9), "format 9"),
        (lambda p: p.pop("log_likelihood"), "'log_likelihood' must be a number"),
    ],
)
def test_covariate_load_refuses_files_that_do_not_fit(tmp_path, channel_model, tamper, message):
    payload = json.loads(channel_model.save(tmp_path / "m.json").read_text())
    tamper(payload)
    (tmp_path / "bad.json").write_text(json.dumps(payload))
    with pytest.raises(ValueError, match=message):
        clv.CovariateModel.load(tmp_path / "bad.json")


def test_covariate_save_and_load_refuse_junk_and_unfitted(tmp_path):
    (tmp_path / "junk.json").write_bytes(b"\x80\x04pickle")
    with pytest.raises(ValueError, match="not a saved model"):
        clv.CovariateModel.load(tmp_path / "junk.json")
    unfitted = clv.CovariateModel(clv.BetaGeoModel(), purchase=CHANNELS)
    with pytest.raises(ValueError, match="not fitted yet"):
        unfitted.save(tmp_path / "unfitted.json")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["junk.json"]


def test_covariate_non_finite_covariance_is_saved_as_null(tmp_path, channel_model):
    model = copy.deepcopy(channel_model)
    covariance = model.covariance_.to_numpy().copy()
    covariance[0, :] = covariance[:, 0] = np.nan  # a singular Hessian
    covariance[6, 6] = np.inf
    model._set_estimates(list(model.params_.index), model.params_.to_numpy(), covariance)
    model._effects(model._links)
    payload = json.loads(model.save(tmp_path / "m.json").read_text())
    assert payload["covariance"][0][3] is None and payload["covariance"][6][6] is None
    assert payload["standard_errors"]["r"] is None
    assert payload["standard_errors"]["dropout:channel_social"] is None
    loaded = clv.CovariateModel.load(tmp_path / "m.json")
    assert np.isnan(loaded.standard_errors_["r"]) and np.isnan(loaded.covariance_.iloc[3, 0])
    effects = loaded.effects_.set_index(["process", "covariate"])
    assert np.isnan(effects.loc[("dropout", "channel_social"), "standard_error"])
    assert loaded.standard_errors_["alpha"] == model.standard_errors_["alpha"] > 0

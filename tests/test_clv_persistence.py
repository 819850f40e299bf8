"""Saving and loading fitted CLV models: JSON (never pickle), the same predictions after a
round trip, and clear refusals of files that are not saved models of the class."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from conftest import clv_summary

from helpers import clv

ROWS = [[0, 0, 30, 0], [2, 20, 30, 12.5], [5, 28, 30, 30.0], [1, 5, 20, 8.0], [3, 18, 25, 20.0]]


@pytest.fixture(scope="module")
def summary() -> pd.DataFrame:
    return clv_summary(ROWS * 40, period="W")


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

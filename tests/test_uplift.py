"""Uplift models and their curves (helpers.uplift).

The Qini curve and the targeting value are checked by hand on a few customers; the two
estimators against a known effect simulated here (a randomised test in which only the
customers with x > 0.5 react).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers.experiment_readout import campaign_gain
from helpers.uplift import (
    SpendModel,
    TransformedOutcomeUplift,
    TwoModelUplift,
    cross_fitted_scores,
    qini_area,
    qini_curve,
    targeting_value,
)


def test_qini_curve_by_hand():
    score = [0.9, 0.8, 0.7, 0.6]
    treated = np.array([True, False, True, False])
    outcome = [1.0, 0.0, 1.0, 1.0]
    curve = qini_curve(score, treated, outcome)
    # k=1: one treated responder, no control yet -> 0 (no controls to compare with)
    # k=2: Y_t 1, Y_c 0 -> 1; k=3: Y_t 2, N_t 2, Y_c 0, N_c 1 -> 2; k=4: 2 - 1 x 2/2 = 1
    assert curve["qini"].tolist() == [0.0, 0.0, 1.0, 2.0, 1.0]
    assert curve["share"].tolist() == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert curve["random"].tolist() == [0.0, 0.25, 0.5, 0.75, 1.0]
    # area between: trapezoids of the gaps 0, -0.25, 0.5, 1.25, 0 over steps of 0.25
    assert qini_area(curve) == pytest.approx(0.25 * (-0.125 + 0.125 + 0.875 + 0.625))


def test_a_good_ranking_has_a_positive_area_and_its_reverse_a_negative_one():
    rng = np.random.default_rng(0)
    n = 4000
    effect = rng.random(n)
    treated = rng.random(n) < 0.5
    outcome = (rng.random(n) < 0.1 + 0.3 * effect * treated).astype(float)
    assert qini_area(qini_curve(effect, treated, outcome)) > 0
    assert qini_area(qini_curve(-effect, treated, outcome)) < 0


def test_targeting_value_by_hand():
    score = pd.Series([0.1, 0.9, 0.5, 0.3], index=["a", "b", "c", "d"])
    gain = pd.Series([5.0, -1.0, 2.0, 4.0], index=["d", "c", "b", "a"])  # any order
    value = targeting_value(score, gain, shares=(0.25, 0.5, 1.0))
    # ranked b (gain 2), c (-1), d (5), a (4)
    assert value.to_dict() == {0.25: 2.0, 0.5: 1.0, 1.0: 10.0}


def randomised_test(n: int, seed: int) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    features = pd.DataFrame({"x": rng.random(n), "noise": rng.normal(size=n)})
    treated = rng.random(n) < 0.5
    effect = np.where(features["x"] > 0.5, 0.3, 0.0)
    outcome = (rng.random(n) < 0.2 + effect * treated).astype(float)
    return features, treated, outcome


@pytest.mark.parametrize(
    ("model", "tolerance"), [(TwoModelUplift, 0.05), (TransformedOutcomeUplift, 0.08)]
)
def test_the_estimators_recover_a_known_effect(model, tolerance):
    features, treated, outcome = randomised_test(8000, 1)
    fresh, _, _ = randomised_test(4000, 2)
    uplift = model(seed=0).fit(features, treated, outcome).predict(fresh)
    high = fresh["x"] > 0.5
    assert uplift[high].mean() == pytest.approx(0.3, abs=tolerance)
    assert uplift[~high].mean() == pytest.approx(0.0, abs=tolerance)


def test_two_models_predict_both_outcomes():
    features, treated, outcome = randomised_test(6000, 3)
    model = TwoModelUplift().fit(features, treated, outcome)
    both = model.predict_outcomes(features)
    assert both["without"].mean() == pytest.approx(0.2, abs=0.03)
    np.testing.assert_allclose(model.predict(features), both["with"] - both["without"])


def test_bad_inputs_are_refused():
    features, treated, outcome = randomised_test(100, 4)
    with pytest.raises(ValueError, match="need both treated and control"):
        TwoModelUplift().fit(features, np.ones(100, dtype=bool), outcome)
    with pytest.raises(ValueError, match="treated must be booleans"):
        TwoModelUplift().fit(features, treated.astype(int), outcome)
    with pytest.raises(ValueError, match="one row per customer; got 100, 100 and 99"):
        TransformedOutcomeUplift().fit(features, treated, outcome[:-1])


def test_the_plots_draw_every_ranking_with_labelled_axes():
    import matplotlib

    matplotlib.use("Agg")
    from helpers.plots import plot_qini, plot_targeting_value

    features, treated, outcome = randomised_test(500, 5)
    curves = {
        "x": qini_curve(features["x"].to_numpy(), treated, outcome),
        "noise": qini_curve(features["noise"].to_numpy(), treated, outcome),
    }
    ax = plot_qini(curves)
    assert [line.get_label() for line in ax.get_lines()][:3] == ["x", "noise", "random"]
    assert ax.get_xlabel() and ax.get_ylabel() and ax.get_title()
    table = pd.DataFrame({0.5: [10.0, -2.0], 1.0: [4.0, -5.0]}, index=["uplift", "churn"])
    ax = plot_targeting_value(table)
    assert [line.get_label() for line in ax.get_lines()][:2] == ["uplift", "churn"]
    np.testing.assert_array_equal(ax.get_lines()[0].get_ydata(), [0.0, 10.0, 4.0])


def test_spend_model_estimates_the_mean_not_the_median():
    rng = np.random.default_rng(6)
    n = 6000
    features = pd.DataFrame({"x": rng.random(n)})
    log_mean = 3.0 + features["x"].to_numpy()
    spend = np.exp(log_mean + rng.normal(0, 0.8, n))
    spend[rng.random(n) < 0.3] = 0.0  # non-buyers are left out of the fit
    model = SpendModel().fit(features, spend)
    grid = pd.DataFrame({"x": [0.2, 0.8]})
    truth = np.exp(3.0 + grid["x"] + 0.8**2 / 2)  # the lognormal mean
    np.testing.assert_allclose(model.predict(grid), truth, rtol=0.1)
    assert model.smearing_ == pytest.approx(np.exp(0.8**2 / 2), rel=0.1)


def test_cross_fitted_scores_follow_the_one_definition():
    features, treated, outcome = randomised_test(4000, 7)
    spend = np.where(outcome > 0, 50.0, 0.0)
    scores = cross_fitted_scores(
        features,
        treated,
        outcome.astype(bool),
        spend,
        margin_rate=0.4,
        discount=0.1,
        contact_cost=0.2,
    )
    assert scores.notna().all().all() and scores.index.equals(features.index)
    expected = campaign_gain(
        scores["p_with"] * scores["spend_if_ordering"],
        scores["p_without"] * scores["spend_if_ordering"],
        margin_rate=0.4,
        discount=0.1,
        contact_cost=0.2,
    )
    np.testing.assert_allclose(scores["expected_margin"], expected)
    np.testing.assert_allclose(scores["spend_if_ordering"], 50.0, rtol=1e-6)
    high = features["x"] > 0.5
    assert scores.loc[high, "uplift"].mean() == pytest.approx(0.3, abs=0.06)
    assert scores.loc[~high, "uplift"].mean() == pytest.approx(0.0, abs=0.06)

"""helpers.lookalike: the look-alike model, its held-out check and the scoring of prospects.

Gains, lift and AUC are checked against values counted by hand on tiny examples.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers import campaigns, lookalike
from helpers.checks import DataWarning
from helpers.lookalike import LookalikeModel, auc_interval, gains_table, validate_lookalike


def test_gains_table_by_hand():
    # ten people, best score first; the 1st, 3rd and 10th are top tier (base rate 0.3)
    score = np.arange(10, 0, -1, dtype=float)
    top = np.array([1, 0, 1, 0, 0, 0, 0, 0, 0, 1], dtype=bool)
    table = gains_table(top, score, n_bins=10)
    assert list(table["people"]) == list(range(1, 11))
    assert list(table["top_tier"]) == [1, 1, 2, 2, 2, 2, 2, 2, 2, 3]
    # top 10%: 1 person, top tier: rate 1 / 0.3; top 30%: 2 of 3, rate 2/3 / 0.3
    assert table.loc[0.1, "lift"] == pytest.approx(1 / 0.3)
    assert table.loc[0.2, "lift"] == pytest.approx(0.5 / 0.3)
    assert table.loc[0.3, "lift"] == pytest.approx((2 / 3) / 0.3)
    assert table.loc[0.3, "capture"] == pytest.approx(2 / 3)
    assert table.loc[1.0, "lift"] == pytest.approx(1.0) and table.loc[1.0, "capture"] == 1.0
    # shuffled input, same ranking: the same table
    order = np.random.default_rng(0).permutation(10)
    pd.testing.assert_frame_equal(gains_table(top[order], score[order]), table)
    # halves: 5 people, 2 top tier
    assert gains_table(top, score, n_bins=2).loc[0.5, "rate"] == pytest.approx(0.4)
    with pytest.raises(ValueError, match="nobody is top tier"):
        gains_table(np.zeros(10, bool), score)


def test_auc_interval_holds_the_auc_and_is_reproducible():
    # pairs (top, other): (.9, .8) yes, (.9, .6) yes, (.7, .8) no, (.7, .6) yes: AUC 3/4
    from sklearn.metrics import roc_auc_score

    top, score = [True, False, True, False], [0.9, 0.8, 0.7, 0.6]
    assert roc_auc_score(top, score) == 0.75
    rng = np.random.default_rng(1)
    y = rng.random(400) < 0.3
    s = y + rng.normal(0, 1.0, 400)
    low, high = auc_interval(y, s, n_boot=300, seed=3)
    assert low < roc_auc_score(y, s) < high and high - low < 0.2
    assert auc_interval(y, s, n_boot=300, seed=3) == (low, high)
    # a perfect ranking: every resample has AUC 1
    assert auc_interval(y, y.astype(float), n_boot=50) == (1.0, 1.0)
    with pytest.raises(ValueError, match="both classes"):
        auc_interval([True, True], [0.1, 0.2])


def _people(n: int = 600, seed: int = 0) -> tuple[pd.DataFrame, pd.Series]:
    """Top tier: high income, more so in London; age is noise."""
    rng = np.random.default_rng(seed)
    features = pd.DataFrame(
        {
            "annual_income": rng.lognormal(np.log(45_000), 0.4, n).round(-2),
            "region": rng.choice(["North", "South", "London"], n),
            "age": rng.normal(42, 12, n),
        },
        index=[f"c{i}" for i in range(n)],
    )
    signal = np.log(features["annual_income"] / 45_000) / 0.4 + (features["region"] == "London")
    top = pd.Series(signal + rng.normal(0, 0.5, n) > 1.0, index=features.index)
    return features, top


def test_validate_lookalike_on_held_out_people():
    features, top = _people()
    check = validate_lookalike(features, top, test_share=0.25, n_boot=200, seed=1)
    assert check.n_test == 150 and check.n_train == 450
    assert set(check.scores.index).isdisjoint(features.index.difference(check.scores.index))
    # stratified: the held-out top-tier share is the whole's, within one person
    assert abs(check.base_rate - top.mean()) <= 1 / 150
    assert check.auc > 0.8 and check.auc_interval[0] < check.auc < check.auc_interval[1]
    assert check.lift() == pytest.approx(check.gains.loc[0.1, "lift"])
    assert check.lift() > 2
    assert "held out 150 customers" in check.summary()
    # noise alone: AUC about 0.5, the interval holds 0.5
    noise = validate_lookalike(features, top, columns=["age"], n_boot=200)
    assert noise.auc_interval[0] < 0.5 < noise.auc_interval[1]
    with pytest.raises(ValueError, match="cannot be split"):
        validate_lookalike(features, top & (features.index == "c0"))


def test_scoring_names_the_column_that_does_not_fit():
    features, top = _people()
    model = LookalikeModel(["annual_income", "region", "age"]).fit(features, top)
    scores = model.score(features.head(5))
    assert scores.between(0, 1).all() and list(scores.index) == list(features.index[:5])
    with pytest.raises(ValueError, match="column 'region' is missing"):
        model.score(features.drop(columns="region"))
    with pytest.raises(ValueError, match="column 'annual_income' must be numeric"):
        model.score(features.assign(annual_income="high"))
    with pytest.raises(ValueError, match="column 'region' was text at fit and holds numbers"):
        model.score(features.assign(region=3))
    wales = features.head(4).assign(region=["Wales", "North", "Wales", "East"])
    with pytest.raises(ValueError, match=r"column 'region' has 3 row\(s\).*e.g. 'East'"):
        model.score(wales)
    assert model.unseen_values(wales) == {"region": ["East", "Wales"]}
    assert len(model.score(wales, unseen="ignore")) == 4
    # missing values are imputed, as at fit
    assert model.score(features.head(2).assign(age=np.nan)).notna().all()
    with pytest.raises(ValueError, match="not fitted"):
        LookalikeModel().score(features)


def test_fit_refuses_one_class_and_warns_about_shared_features():
    features, top = _people(60)
    with pytest.raises(ValueError, match="must include top-tier and other"):
        LookalikeModel(["age"]).fit(features, top | True)
    with pytest.warns(DataWarning, match="gender dropped: every customer has 'F'"):
        model = LookalikeModel(["age", "gender"]).fit(features.assign(gender="F"), top)
    assert model.features_ == ["age"]


def test_prospect_features_count_age_to_the_analysis_date():
    prospects = pd.DataFrame(
        {
            "prospect_id": ["PR1", "PR2"],
            "birth_date": pd.to_datetime(["2000-01-01", None]),
            "region": ["North", None],
            "annual_income": [30_000.0, np.nan],
        }
    )
    out = lookalike.prospect_features(prospects, "2025-01-01")
    assert list(out.index) == ["PR1", "PR2"]
    # 9,132 days from 1 January 2000 to 1 January 2025
    assert out.loc["PR1", "age"] == pytest.approx(9132 / 365.25)
    assert np.isnan(out.loc["PR2", "age"]) and pd.isna(out.loc["PR2", "region"])
    assert list(out.columns) == ["age", "annual_income", "region"]


def test_profile_features_are_the_lookalike_features_a_prospect_can_have():
    assert lookalike.PROFILE_FEATURES == (
        "age",
        "annual_income",
        "gender",
        "region",
        "acquisition_channel",
        "country",
    )
    assert campaigns.LOOKALIKE_FEATURES is lookalike.LOOKALIKE_FEATURES


def test_expansion_list_notes_candidates_with_unseen_categories():
    features, top = _people(200)
    candidates = features.index[:3]
    features.loc[candidates[0], "region"] = "Wales"
    top[candidates] = False
    with pytest.warns(DataWarning, match="region: 'Wales' of some candidates not seen"):
        out = campaigns.expansion_list(
            features, top, candidates, target_value=1000.0, columns=["annual_income", "region"]
        )
    assert "Wales" in out.attrs["notes"][-1]


def test_plot_gains_draws_each_ranking_with_random_and_perfect():
    import matplotlib

    matplotlib.use("Agg")
    from helpers.plots import plot_gains

    # four people, two top tier; the score ranks them top, other, top, other
    top = pd.Series([True, False, True, False], index=list("abcd"))
    score = pd.Series([0.9, 0.8, 0.7, 0.6], index=list("abcd"))
    ax = plot_gains(top, {"score": score.iloc[::-1]}, what="top-tier customers")
    assert [line.get_label() for line in ax.get_lines()] == ["perfect", "score", "random"]
    perfect, curve = ax.get_lines()[0], ax.get_lines()[1]
    # found after each person: 1/2, 1/2, 1, 1 (aligned by index, not by position)
    np.testing.assert_allclose(curve.get_ydata(), [0, 0.5, 0.5, 1, 1])
    np.testing.assert_allclose(perfect.get_ydata(), [0, 1, 1])  # ties share evenly
    assert ax.get_title() and "top-tier customers" in ax.get_ylabel() and ax.get_xlabel()

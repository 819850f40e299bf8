"""helpers.clv.comparison, backtest_metrics, backtest_rule: the backtest of purchase models
and its plots.

Expected values come from hand computation on a five-customer table, from the definitions
(AIC, BIC, the Gini of hand-made rankings) and from a simulation of a Pareto/NBD-like
process in which customers can die before their first repeat purchase.
"""

from __future__ import annotations

import math
import warnings

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from helpers import clv
from helpers.clv.backtest_metrics import (
    capture_curve,
    information_criteria,
    normalized_gini,
    score_predictions,
)
from helpers.clv.backtest_rule import _rank
from helpers.clv.comparison import BENCHMARK, compare_models
from helpers.clv_data import calibration_holdout
from helpers.plots import plot_capture_curve, plot_decile_calibration, plot_tracking

# ---------------------------------------------------------------------------------------------
# A hand-made table. Calibration end 2024-01-28, holdout 2 weeks (2024-01-29 .. 2024-02-11).
#   A: 01-01, 01-15, 01-22 | holdout 01-30 (week 1), 02-10 (week 2)   x=2, t_x=3, T=27/7
#   B: 01-08 twice (one purchase day)                                 x=0, t_x=0, T=20/7
#   C: 01-14, 01-21 | holdout 02-05 twice (one day, week 2); 02-20 after the holdout
#                                                                     x=1, t_x=1, T=2
#   D: first bought 02-01, in the holdout: not in the calibration cohort
#   E: 01-28 (the calibration end) | holdout 02-04 (week 1)          x=0, t_x=0, T=0
HAND_LINES = [
    ("A", "2024-01-01"),
    ("A", "2024-01-15"),
    ("A", "2024-01-22"),
    ("A", "2024-01-30"),
    ("A", "2024-02-10"),
    ("B", "2024-01-08"),
    ("B", "2024-01-08"),
    ("C", "2024-01-14"),
    ("C", "2024-01-21"),
    ("C", "2024-02-05"),
    ("C", "2024-02-05"),
    ("C", "2024-02-20"),
    ("D", "2024-02-01"),
    ("E", "2024-01-28"),
    ("E", "2024-02-04"),
]
HAND_X = np.array([2.0, 0.0, 1.0, 0.0])  # A, B, C, E
HAND_TX = np.array([3.0, 0.0, 1.0, 0.0])
HAND_T = np.array([27 / 7, 20 / 7, 2.0, 0.0])
HAND_ACTUAL = np.array([2.0, 0.0, 1.0, 1.0])
FIXED = {"r": 0.5, "alpha": 4.0, "a": 0.8, "b": 2.5}


def hand_lines() -> pd.DataFrame:
    frame = pd.DataFrame(HAND_LINES, columns=["customer_id", "invoice_date"])
    frame["invoice_date"] = pd.to_datetime(frame["invoice_date"])
    frame["amount"] = 10.0
    return frame


class FixedBetaGeo(clv.BetaGeoModel):
    """A BG/NBD whose 'fit' sets known parameters: its predictions are known in advance."""

    def fit(self, summary, **kwargs):
        self.params_ = pd.Series(FIXED, index=list(self.PARAMS))
        self.log_likelihood_ = float(
            self.log_likelihood(summary["frequency"], summary["recency"], summary["T"]).sum()
        )
        self.converged_ = True
        return self


@pytest.fixture(scope="module")
def hand():
    return compare_models(
        hand_lines(),
        {"fixed": FixedBetaGeo()},
        calibration_ends=["2024-01-28"],
        holdout=2,
        top_share=0.25,
    )


def test_calibration_summary_is_the_hand_summary(hand):
    summary = hand.summaries[pd.Timestamp("2024-01-28")]
    assert list(summary.index) == ["A", "B", "C", "E"]  # D was new in the holdout
    np.testing.assert_allclose(summary["frequency"], HAND_X)
    np.testing.assert_allclose(summary["recency"], HAND_TX)
    np.testing.assert_allclose(summary["T"], HAND_T)
    np.testing.assert_allclose(summary["holdout_purchases"], HAND_ACTUAL)
    assert hand.holdout_length == 2.0


def test_benchmark_scores_by_hand(hand):
    # calibration rate x / T times 2 weeks: A 2 / (27/7) * 2 = 28/27, B 0, C 1/2 * 2 = 1,
    # E 0 (T = 0); errors -26/27, 0, 0, -1
    row = hand.scores.set_index("model").loc[BENCHMARK]
    assert row["predicted_total"] == pytest.approx(28 / 27 + 1)
    assert row["actual_total"] == 4
    assert row["mae"] == pytest.approx((26 / 27 + 1) / 4)
    assert row["bias"] == pytest.approx(-(26 / 27 + 1) / 4)
    assert row["rmse"] == pytest.approx(math.sqrt(((26 / 27) ** 2 + 1) / 4))
    assert row["total_error"] == pytest.approx((28 / 27 + 1 - 4) / 4)
    # the top 25% (one customer) by prediction is A, who made 2 of the 4 purchases
    assert row["top_capture"] == pytest.approx(0.5)
    # capture curve: A (2), C (1), then B and E tied (0 and 1): points (0,0) (.25,.5)
    # (.5,.75) (1,1), area .65625, G = .3125; the best order A, {C, E}, B: area .6875,
    # G = .375; normalised .3125 / .375
    assert row["gini"] == pytest.approx(0.3125 / 0.375)


def test_model_scores_and_criteria_by_hand(hand):
    model = clv.BetaGeoModel()
    model.params_ = pd.Series(FIXED, index=list(model.PARAMS))
    predicted = model.conditional_expected_purchases(2.0, HAND_X, HAND_TX, HAND_T)
    row = hand.scores.set_index("model").loc["fixed"]
    assert row["mae"] == pytest.approx(np.abs(predicted - HAND_ACTUAL).mean())
    assert row["bias"] == pytest.approx((predicted - HAND_ACTUAL).mean())
    assert row["predicted_total"] == pytest.approx(predicted.sum())
    log_likelihood = model.log_likelihood(HAND_X, HAND_TX, HAND_T).sum()
    fit = hand.fit.set_index("model").loc["fixed"]
    assert fit["log_likelihood"] == pytest.approx(log_likelihood)
    assert fit["k"] == 4 and fit["customers"] == 4 and fit["repeat_buyers"] == 2
    assert fit["aic"] == pytest.approx(2 * 4 - 2 * log_likelihood)
    assert fit["bic"] == pytest.approx(4 * math.log(4) - 2 * log_likelihood)


def test_information_criteria_by_hand():
    aic, bic = information_criteria(-100.0, 4, 50)
    assert aic == pytest.approx(208.0)
    assert bic == pytest.approx(200.0 + 4 * 3.912023005428146)


def test_tracking_weeks_by_hand(hand):
    track = hand.tracking[hand.tracking["model"] == BENCHMARK]
    # week 1 (01-29 .. 02-04): A on 01-30, E on 02-04; week 2 (02-05 .. 02-11): C, A
    assert track["actual"].tolist() == [2.0, 2.0]
    assert track["actual_cumulative"].tolist() == [2.0, 4.0]
    assert track["start"].tolist() == [pd.Timestamp("2024-01-29"), pd.Timestamp("2024-02-05")]
    assert track["end"].tolist() == [pd.Timestamp("2024-02-04"), pd.Timestamp("2024-02-11")]
    # the calibration rate is linear: half of its 2-week total in each week
    np.testing.assert_allclose(track["expected"], [(28 / 27 + 1) / 2] * 2)


def test_deciles_and_predictions(hand):
    predictions = hand.predictions.xs(pd.Timestamp("2024-01-28"), level="origin")
    np.testing.assert_allclose(predictions[BENCHMARK], [28 / 27, 0, 1, 0])
    np.testing.assert_allclose(predictions["actual"], HAND_ACTUAL)
    deciles = hand.deciles[hand.deciles["model"] == BENCHMARK]
    # 4 customers: ranks 1..4 -> deciles ceil(10 r / 4) = 3, 5, 8, 10; B and E tie at 0
    # (ranked in customer order: B, E), then C (1), then A (28/27)
    assert deciles["decile"].tolist() == [3, 5, 8, 10]
    np.testing.assert_allclose(deciles["actual"], [0, 1, 1, 2])
    assert deciles["customers"].sum() == 4


def test_given_models_stay_unfitted():
    template = clv.BetaGeoModel()
    lines = simulated_lines(300, seed=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = compare_models(
            lines, {"BG/NBD": template}, calibration_ends=["2020-09-29", "2020-12-29"], holdout=13
        )
    assert not hasattr(template, "params_")
    first, second = (result.models[(origin, "BG/NBD")] for origin in result.origins)
    assert first is not second and first is not template
    assert not first.params_.equals(second.params_)


# --- the Gini and the capture curve ----------------------------------------------------------


def test_gini_of_hand_rankings():
    actual = [3, 1, 0, 0]
    assert normalized_gini([4, 3, 2, 1], actual) == pytest.approx(1.0)
    assert normalized_gini([1, 2, 3, 4], actual) == pytest.approx(-1.0)
    # order: 1 (0.25 of the total), 0, 3 (to 1.0), 0: points (0,0) (.25,.25) (.5,.25) (.75,1)
    # (1,1), area exactly 1/2: no better than the diagonal
    assert normalized_gini([2, 4, 3, 1], actual) == pytest.approx(0.0)
    assert normalized_gini([5, 5, 5, 5], actual) == pytest.approx(0.0)  # all tied
    # only the order matters
    assert normalized_gini([40, 30, 20, 10], actual) == pytest.approx(1.0)
    assert math.isnan(normalized_gini([1, 2, 3, 4], [2, 2, 2, 2]))  # nothing to rank


def test_gini_of_a_random_ranking_is_near_zero():
    rng = np.random.default_rng(0)
    actual = rng.poisson(1.0, 20_000)
    values = [normalized_gini(rng.random(20_000), actual) for _ in range(5)]
    assert abs(np.mean(values)) < 0.02
    # and a noisy but informative ranking lies in between
    assert 0.2 < normalized_gini(actual + rng.normal(0, 1.0, 20_000), actual) < 0.95


def test_capture_curve_shares_ties_evenly():
    curve = capture_curve([2, 1, 1, 0], [4, 0, 2, 2])
    np.testing.assert_allclose(curve["customers"], [0, 0.25, 0.75, 1.0])
    np.testing.assert_allclose(curve["captured"], [0, 0.5, 0.75, 1.0])


def test_score_predictions_by_hand():
    predictions = pd.DataFrame({"m": [1.0, 2.0, 0.0]}, index=["a", "b", "c"])
    actual = pd.Series([0.0, 3.0], index=["a", "b"])  # c is missing: 0
    row = score_predictions(predictions, actual, top_share=0.34).loc["m"]
    assert row["mae"] == pytest.approx((1 + 1 + 0) / 3)
    assert row["bias"] == pytest.approx((1 - 1 + 0) / 3)
    assert row["rmse"] == pytest.approx(math.sqrt(2 / 3))
    assert row["top_capture"] == pytest.approx(1.0)  # b, the top third, made all 3
    assert row["gini"] == pytest.approx(1.0)
    with pytest.raises(ValueError, match="predictions column 'm' must be finite"):
        score_predictions(predictions.assign(m=[1.0, np.nan, 0.0]), actual)
    with pytest.raises(ValueError, match="actual must be >= 0"):
        normalized_gini([1, 2], [1, -1])


# --- the rule ----------------------------------------------------------------------------------


def test_rule_ties_close_maes_and_prefers_small_bias():
    table = pd.DataFrame(
        {
            "mae": [1.000, 1.005, 1.200],
            "abs_bias": [0.30, 0.10, 0.00],
            "bic": [10.0, 12.0, 11.0],
        },
        index=["A", "B", "C"],
    )
    assert _rank(table, 0.0) == ["A", "B", "C"]  # plain lowest MAE
    assert _rank(table, 0.01) == ["B", "A", "C"]  # A and B tied on MAE: B's bias is smaller
    assert _rank(table, 0.25) == ["C", "B", "A"]  # all tied: the smallest bias first
    tied = table.assign(mae=1.0, abs_bias=0.1)
    assert _rank(tied, 0.0) == ["A", "C", "B"]  # then the lower BIC
    # differences in the optimiser's last digits decide nothing: the order given stands
    same = tied.assign(mae=[1.0, 1.0 + 1e-9, 1.0 - 1e-9], bic=[10.0, 10.0 - 1e-6, 10.0 + 1e-6])
    assert _rank(same, 0.0) == ["A", "B", "C"]


def test_reason_says_when_models_coincide(simulated):
    lines, _ = simulated
    twins = {"first": clv.BetaGeoModel(), "second": clv.BetaGeoModel()}
    result = compare_models(lines, twins, calibration_ends=ORIGINS, holdout=26)
    assert result.chosen == "first"
    assert "second predicts the same as first" in result.reason
    assert "does not matter" in result.reason


# --- errors ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"models": {"x": clv.BetaGeoBetaBinomModel()}}, "unknown model type"),
        ({"models": {"x": "BG/NBD"}}, "unknown model type"),
        ({"models": {"x": clv.BetaGeoModel}}, "pass an instance"),
        ({"models": {}}, "non-empty dict"),
        ({"models": {BENCHMARK: clv.BetaGeoModel()}}, "reserved"),
        ({"calibration_ends": ["2024-02-20"]}, "before the last day before as_of"),
        ({"calibration_ends": ["2024-01-28"], "as_of": "2024-01-29"}, "before"),
        ({"as_of": "2024-01-29 12:00"}, "as_of must be a day"),
        ({"calibration_ends": []}, "empty"),
        ({"calibration_ends": "2024-01-28"}, "a list of days"),
        ({"calibration_ends": ["2024-01-28", "2024-01-28"]}, "distinct"),
        ({"calibration_ends": ["2023-12-31"]}, "calibration period is empty"),
        ({"calibration_ends": ["2024-01-14"]}, "no repeat purchase"),
        ({"calibration_ends": ["2024-02-18"], "holdout": None}, "shorter than one week"),
        ({"holdout": 0.5}, "at least 1 period"),
        ({"holdout": 1.1}, "whole number of days"),
        ({"holdout": 4}, "past the last day before as_of"),
        ({"tolerance": -0.1}, "tolerance"),
    ],
)
def test_bad_input_raises(kwargs, message):
    arguments = {
        "models": {"BG/NBD": FixedBetaGeo()},
        "calibration_ends": ["2024-01-28"],
        "holdout": 2,
    }
    arguments.update(kwargs)
    with pytest.raises(ValueError, match=message):
        compare_models(hand_lines(), **arguments)


# --- simulation: customers who may die before a repeat purchase ------------------------------


def simulated_lines(
    n: int, seed: int, weeks: float = 78.0, r=0.8, alpha=6.0, s=0.8, beta=12.0
) -> pd.DataFrame:
    """Order lines of a Pareto/NBD process: acquired in the first 13 weeks from 2020-01-01.

    Each customer buys at their own Poisson rate (gamma(r, alpha) across customers) from
    their first purchase until an exponential lifetime (rate gamma(s, beta)) or the end; the
    lifetime may end before any repeat purchase. Times become days (floor of 7 t).
    """
    rng = np.random.default_rng(seed)
    rate = rng.gamma(r, 1 / alpha, n)
    death = rng.gamma(s, 1 / beta, n)
    first = rng.uniform(0, 13, n)
    stop = np.minimum(first + rng.exponential(1 / death), weeks)
    count = rng.poisson(rate * (stop - first))  # purchases in (first, stop]: uniform times
    owner = np.repeat(np.arange(n), count)
    times = first[owner] + rng.random(count.sum()) * (stop - first)[owner]
    ids = np.r_[np.arange(n), owner]
    days = np.floor(np.r_[first, times] * 7)
    return pd.DataFrame(
        {
            "customer_id": [f"c{i:05d}" for i in ids],
            "invoice_date": pd.Timestamp("2020-01-01") + pd.to_timedelta(days, unit="D"),
            "amount": 10.0,
        }
    )


MODELS = {
    "BG/NBD": clv.BetaGeoModel(),
    "MBG/NBD": clv.ModifiedBetaGeoModel(),
    "Pareto/NBD": clv.ParetoNBDModel(),
}
ORIGINS = ["2020-09-29", "2020-12-29"]  # weeks 39 and 52; 26-week holdouts to week 78


@pytest.fixture(scope="module")
def simulated():
    lines = simulated_lines(2000, seed=11)
    return lines, compare_models(lines, MODELS, calibration_ends=ORIGINS, holdout=26)


def test_simulation_ranks_sensibly(simulated):
    # checked on 10 seeds: Pareto/NBD's log-likelihood beat BG/NBD's by 43 to 102 at every
    # origin; BG/NBD (no death before a repeat purchase) had the highest MAE of the three
    # models, and the calibration rate (nobody dies) a far higher one still
    _, result = simulated
    fit = result.fit.set_index(["origin", "model"])["log_likelihood"].unstack()
    assert (fit["Pareto/NBD"] > fit["BG/NBD"] + 20).all()
    mae = result.summary["mae"]
    assert mae["BG/NBD"] > max(mae["Pareto/NBD"], mae["MBG/NBD"])
    assert mae[BENCHMARK] > 1.2 * mae.drop(BENCHMARK).max()
    assert result.chosen in {"Pareto/NBD", "MBG/NBD"}  # the models that let them die early
    pareto = result.scores[result.scores["model"] == "Pareto/NBD"]
    assert (pareto["total_error"].abs() < 0.15).all()
    assert result.summary["rank"].tolist()[:3] == [1, 2, 3]
    assert result.summary["rank"].isna().tolist() == [False, False, False, True]
    assert result.chosen in result.reason and f"{mae[result.chosen]:.3f}" in result.reason


def test_tracking_totals_are_the_direct_sums(simulated):
    lines, result = simulated
    for origin in result.origins:
        summary = calibration_holdout(
            lines,
            holdout_start=origin + pd.Timedelta(days=1),
            as_of=origin + pd.Timedelta(weeks=26, days=1),
        )
        x, tx, t_obs = (summary[c].to_numpy() for c in ("frequency", "recency", "T"))
        track = result.tracking[result.tracking["origin"] == origin]
        for name in MODELS:
            model = result.models[(origin, name)]
            direct = model.conditional_expected_purchases(26.0, x, tx, t_obs).sum()
            rows = track[track["model"] == name]
            assert len(rows) == 26
            assert rows["expected_cumulative"].iloc[-1] == pytest.approx(direct, rel=1e-9)
            assert rows["expected"].sum() == pytest.approx(direct, rel=1e-9)
            assert (rows["expected"] > 0).all()
        # actual: distinct (customer, day) of the cohort in the holdout, counted here
        day = lines["invoice_date"].dt.normalize()
        cohort = lines.loc[day <= origin, "customer_id"].unique()
        window = lines[(day > origin) & (day <= origin + pd.Timedelta(weeks=26))]
        window = window[window["customer_id"].isin(cohort)]
        purchases = len(window.assign(day=day).drop_duplicates(["customer_id", "day"]))
        assert track[track["model"] == "BG/NBD"]["actual"].sum() == purchases


def test_chosen_is_the_lowest_score(simulated):
    lines, result = simulated

    class Doubled(clv.ParetoNBDModel):
        """Pareto/NBD predicting twice what it should."""

        def conditional_expected_purchases(self, t, frequency, recency, T):  # noqa: N803
            return 2 * super().conditional_expected_purchases(t, frequency, recency, T)

    models = {
        "Pareto/NBD": clv.ParetoNBDModel(),
        "doubled": Doubled(),
        "BG/NBD": clv.BetaGeoModel(),
    }
    plain = compare_models(
        lines, models, calibration_ends=ORIGINS, holdout=26, tolerance=0.0, benchmark=False
    )
    mae = plain.summary["mae"]
    assert plain.chosen == mae.idxmin() and plain.chosen != "doubled"
    assert plain.summary.index[-1] == "doubled"
    assert BENCHMARK not in plain.summary.index
    # the default rule, checked from the summary table
    table = result.summary.drop(BENCHMARK)
    near = table[table["mae"] <= table["mae"].min() * 1.01]
    assert result.chosen == near["abs_bias"].idxmin()


# --- plots -----------------------------------------------------------------------------------


def test_plots_draw_the_tables(simulated):
    _, result = simulated
    last = result.origins[-1]
    ax = plot_tracking(result)
    assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
    assert len(ax.lines) == 1 + len(result.summary)  # actual and every predictor
    actual = result.tracking[
        (result.tracking["origin"] == last) & (result.tracking["model"] == "BG/NBD")
    ]
    np.testing.assert_allclose(ax.lines[0].get_ydata(), actual["actual_cumulative"])
    plt.close(ax.figure)

    fig, ax = plt.subplots()
    assert plot_tracking(result, "BG/NBD", cumulative=False, origin=ORIGINS[0], ax=ax) is ax
    assert len(ax.lines) == 2 and "per week" in ax.get_ylabel()
    plt.close(fig)

    ax = plot_decile_calibration(result)
    assert len(ax.patches) == 20 and result.chosen in ax.get_title()
    deciles = result.deciles[
        (result.deciles["origin"] == last) & (result.deciles["model"] == result.chosen)
    ]
    np.testing.assert_allclose([p.get_height() for p in ax.patches[10:]], deciles["actual"])
    plt.close(ax.figure)

    ax = plot_capture_curve(result, ["Pareto/NBD", "BG/NBD"])
    assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
    labels = [line.get_label() for line in ax.lines]
    assert labels[0] == "perfect ranking" and labels[1].startswith("Pareto/NBD (Gini ")
    plt.close(ax.figure)

    with pytest.raises(ValueError, match="model must be one of"):
        plot_tracking(result, "nope")
    with pytest.raises(ValueError, match="origin must be one of"):
        plot_decile_calibration(result, origin="2001-01-01")


def test_error_difference_by_hand():
    index = pd.MultiIndex.from_tuples(
        [("o1", "a"), ("o1", "b"), ("o2", "a"), ("o2", "b"), ("o2", "c")],
        names=["origin", "customer_id"],
    )
    predictions = pd.DataFrame(
        {
            "one": [1.0, 2.0, 0.0, 1.0, 3.0],
            "two": [0.0, 0.0, 1.0, 1.0, 1.0],
            "actual": [0, 2, 0, 1, 1],
        },
        index=index,
    )
    out = clv.error_difference(predictions, "one", "two", level=0.95)
    # o1: |one - actual| = (1, 0), |two - actual| = (0, 2): d = (1, -2), mean -0.5, sd 3/sqrt(2)
    # o2: d = (0 - 1, 0 - 0, 2 - 0) = (-1, 0, 2): mean 1/3, sd sqrt(7/3)
    assert out["customers"].tolist() == [2, 3]
    assert out["difference"].tolist() == pytest.approx([-0.5, 1 / 3])
    half = 1.959963984540054 * np.array([3 / np.sqrt(2) / np.sqrt(2), np.sqrt(7 / 3) / np.sqrt(3)])
    assert out["lower"].to_numpy() == pytest.approx(np.array([-0.5, 1 / 3]) - half)
    assert out["upper"].to_numpy() == pytest.approx(np.array([-0.5, 1 / 3]) + half)
    with pytest.raises(ValueError, match="no column 'three'"):
        clv.error_difference(predictions, "one", "three")
    with pytest.raises(ValueError, match=r"level must be in \(0, 1\)"):
        clv.error_difference(predictions, "one", "two", level=95)

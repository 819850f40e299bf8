"""helpers.compare: paired bootstrap intervals, checked against enumeration, sklearn,
the normal approximation and a coverage simulation."""

from __future__ import annotations

import itertools
import time

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from helpers.compare import (
    Difference,
    _weighted_auc,
    auc_difference,
    mean_difference,
    paired_bootstrap,
)


def test_mean_difference_matches_the_enumerated_bootstrap_distribution():
    # three units with differences 0, 1, 2: the 27 equally likely ordered resamples give
    # means with sums 0..6 in counts 1, 3, 6, 7, 6, 3, 1 (by hand): P(mean = 0) = 1/27 and
    # P(mean <= 1/3) = 4/27, so the 10% quantile is 1/3 and, by symmetry, the 90% one 5/3;
    # the 2.5% quantile is 0 (1/27 > 2.5%) and the 97.5% one 2
    sums = [sum(draw) for draw in itertools.product([0, 1, 2], repeat=3)]
    assert [sums.count(s) for s in range(7)] == [1, 3, 6, 7, 6, 3, 1]
    result = mean_difference([5, 6, 7], [5, 5, 5], n_boot=40_000, seed=1, level=0.8)
    assert result.estimate == pytest.approx(1.0)
    assert result.lower == pytest.approx(1 / 3)
    assert result.upper == pytest.approx(5 / 3)
    wide = mean_difference([5, 6, 7], [5, 5, 5], n_boot=40_000, seed=1)
    assert (wide.lower, wide.upper) == (0.0, 2.0)


def test_mean_difference_agrees_with_the_normal_approximation():
    rng = np.random.default_rng(3)
    a = rng.normal(1.0, 2.0, 2000)
    b = a - rng.normal(0.2, 1.0, 2000)
    d = a - b
    half = 1.96 * d.std(ddof=1) / np.sqrt(len(d))
    result = mean_difference(a, b, n_boot=4000, seed=0)
    assert result.estimate == pytest.approx(d.mean())
    assert result.lower == pytest.approx(d.mean() - half, abs=0.1 * half)
    assert result.upper == pytest.approx(d.mean() + half, abs=0.1 * half)


def test_interval_covers_the_true_difference_in_about_95_percent_of_simulations():
    rng = np.random.default_rng(2026)
    covered = 0
    for run in range(200):
        a = rng.exponential(1.0, 60)
        b = a - rng.normal(0.3, 1.0, 60)  # true mean difference 0.3
        result = mean_difference(a, b, n_boot=400, seed=run)
        covered += result.lower <= 0.3 <= result.upper
    assert covered >= 180


def test_weighted_auc_equals_sklearn_on_the_repeated_sample_with_ties():
    rng = np.random.default_rng(5)
    y = rng.random(300) < 0.4
    score = rng.integers(0, 20, 300).astype(float)  # many ties
    weights = rng.multinomial(300, np.full(300, 1 / 300), size=3).astype(float)
    got = _weighted_auc(y, score, weights)
    for row, auc in zip(weights.astype(int), got, strict=True):
        expected = roc_auc_score(np.repeat(y, row), np.repeat(score, row))
        assert auc == pytest.approx(expected)


def test_auc_difference_estimate_and_generic_bootstrap_agree():
    rng = np.random.default_rng(8)
    y = rng.random(400) < 0.5
    a = y + rng.normal(0, 1.0, 400)
    b = y + rng.normal(0, 1.5, 400)
    fast = auc_difference(y, a, b, names=("sharp", "noisy"), n_boot=4000, seed=0)
    slow = paired_bootstrap(roc_auc_score, y, a, b, n_boot=600, seed=1)
    assert fast.estimate == pytest.approx(roc_auc_score(y, a) - roc_auc_score(y, b))
    assert slow.estimate == pytest.approx(fast.estimate)
    # two independent bootstraps of the same quantity: bounds agree to Monte Carlo error
    assert fast.lower == pytest.approx(slow.lower, abs=0.015)
    assert fast.upper == pytest.approx(slow.upper, abs=0.015)
    assert fast.n_units == 400 and fast.metric == "ROC-AUC"


def test_auc_difference_is_fast_enough_for_a_chapter():
    rng = np.random.default_rng(0)
    y = rng.random(3000) < 0.55
    a, b = rng.random(3000), rng.random(3000)
    start = time.perf_counter()
    auc_difference(y, a, b, n_boot=1000)
    assert time.perf_counter() - start < 5


def test_says_beats_only_when_the_interval_excludes_zero():
    win = Difference("hybrid", "popularity", "precision@10", 0.012, 0.004, 0.020, 0.95, 1000, 50)
    assert win.says() == (
        "hybrid beats popularity on precision@10 by 0.012 (95% interval 0.004 to 0.020)"
    )
    assert str(win) == win.says() and win.winner == "hybrid"
    tie = Difference("a", "b", "ROC-AUC", 0.003, -0.002, 0.008, 0.95, 1000, 50)
    assert tie.winner is None and "beats" not in tie.says()
    assert tie.says().startswith("cannot tell a from b") and "includes 0" in tie.says()
    # an error: A lower is better, so a negative difference makes A the winner
    error = Difference("model", "naive", "MAE", -0.5, -0.8, -0.2, 0.95, 1000, 50, False)
    assert error.says() == "model beats naive on MAE by 0.500 (95% interval 0.200 to 0.800)"
    worse = Difference("model", "naive", "MAE", 0.5, 0.2, 0.8, 0.95, 1000, 50, False)
    assert worse.winner == "naive"


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: mean_difference([1, 2], [1, 2, 3]), "one value per unit"),
        (lambda: mean_difference([1, np.nan], [1, 2]), "position 1"),
        (lambda: mean_difference([1, 2], [1, 2], n_boot=0), "n_boot"),
        (lambda: mean_difference([1, 2], [1, 2], level=95), "level"),
        (lambda: auc_difference([1, 1, 1], [0.1, 0.2, 0.3], [0.3, 0.2, 0.1]), "both classes"),
        (lambda: auc_difference([0, 2, 1], [0.1, 0.2, 0.3], [0.3, 0.2, 0.1]), "position 1"),
        (lambda: auc_difference([0, 1], [0.1, 0.2], [0.3, 0.2]), "resamples hold one class"),
    ],
)
def test_errors_name_the_problem(call, message):
    with pytest.raises(ValueError, match=message):
        call()

"""Tests of helpers.clustering: expected values by hand or by construction, never from the code."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers import clustering as cl
from helpers import features


def blobs(k: int = 4, per: int = 50, seed: int = 1) -> tuple[pd.DataFrame, np.ndarray]:
    """``k`` tight blobs far apart in 3 dimensions: any sane clustering must recover them."""
    rng = np.random.default_rng(seed)
    centres = np.eye(3)[: min(k, 3)] * 20
    if k > 3:
        centres = np.vstack([centres, -np.eye(3)[: k - 3] * 20])
    truth = np.repeat(np.arange(k), per)
    points = centres[truth] + rng.normal(0, 0.5, size=(k * per, 3))
    order = rng.permutation(len(truth))
    return pd.DataFrame(points[order], columns=["a", "b", "c"]), truth[order]


# --- features and preprocessing: in helpers.features, re-exported for one release -------------


def test_feature_names_are_no_longer_exported_here_but_still_work_with_a_warning():
    for name in features.__all__:
        assert name not in cl.__all__
        with pytest.warns(FutureWarning, match="import it from there"):
            assert getattr(cl, name) is getattr(features, name)
    with pytest.raises(AttributeError, match="no attribute 'kmeans'"):
        cl.kmeans  # noqa: B018


# --- choosing k, models, stability -------------------------------------------------------------


def test_blobs_are_recovered_exactly_by_both_models():
    X, truth = blobs(4)
    truth = pd.Series(truth, index=X.index)
    for method in ("kmeans", "gmm"):
        labels = cl.fit_predict(cl.make_clusterer(method, 4, seed=0), X)
        assert cl.adjusted_rand(labels, truth) == 1.0


def test_k_selection_finds_the_known_k():
    X, _ = blobs(4)
    scores = cl.k_selection(X, range(2, 8), silhouette_sample=None)
    assert list(scores.index) == [2, 3, 4, 5, 6, 7]
    assert list(scores.columns) == ["inertia", "silhouette", "calinski_harabasz", "bic", "aic"]
    assert cl.choose_k(scores) == 4
    assert scores["silhouette"].idxmax() == 4
    assert scores["calinski_harabasz"].idxmax() == 4
    assert scores["bic"].idxmin() == 4
    assert scores["inertia"].is_monotonic_decreasing


def test_choose_k_ties_go_to_the_smaller_k():
    scores = pd.DataFrame({"silhouette": [0.30, 0.345, 0.35, 0.20]}, index=[2, 3, 4, 5])
    assert cl.choose_k(scores, tolerance=0.0) == 4
    assert cl.choose_k(scores, tolerance=0.01) == 3  # 0.345 is within 0.01 of 0.35
    assert cl.choose_k(scores, tolerance=0.06) == 2


def test_seed_stability_on_blobs_is_perfect():
    X, _ = blobs(3)
    ari = cl.seed_stability(X, 3, seeds=[0, 1, 2])
    assert ari.shape == (3, 3)
    np.testing.assert_allclose(ari.to_numpy(), 1.0)


def test_silhouette_of_two_points_per_cluster_by_hand():
    # clusters {0, 1} and {10, 11} on a line: a(i) = 1, b(i) = 10 or 11 -> s = 1 - a/b
    X = np.array([[0.0], [1.0], [10.0], [11.0]])
    expected = np.mean([1 - 1 / 10.5, 1 - 1 / 9.5, 1 - 1 / 9.5, 1 - 1 / 10.5])
    assert cl.silhouette(X, [0, 0, 1, 1], sample=None) == pytest.approx(expected)


def test_too_few_customers_and_bad_k():
    X, _ = blobs(2, per=2)  # 4 customers
    with pytest.raises(ValueError, match="too few customers for k = 4"):
        cl.k_selection(X, range(2, 5))
    with pytest.raises(ValueError, match="too few customers"):
        cl.fit_predict(cl.make_clusterer("kmeans", 5), X)
    with pytest.raises(ValueError, match="integer >= 2"):
        cl.make_clusterer("kmeans", 1)
    with pytest.raises(ValueError, match="'kmeans' or 'gmm'"):
        cl.make_clusterer("dbscan", 3)
    with pytest.raises(ValueError, match="two different seeds"):
        cl.seed_stability(X, 2, seeds=[0])


def test_constant_or_missing_values_in_x():
    with pytest.raises(ValueError, match="constant"):
        cl.k_selection(np.ones((10, 2)), [2, 3])
    X = np.arange(20.0).reshape(10, 2)
    X[3, 1] = np.nan
    with pytest.raises(ValueError, match="row 3, column 1"):
        cl.k_selection(X, [2])


# --- agreement ---------------------------------------------------------------------------------


def test_adjusted_rand_ignores_label_names_and_order():
    a = pd.Series([0, 0, 1, 1, 2], index=list("abcde"))
    b = pd.Series(["x", "y", "y", "z", "z"], index=list("edcba"))  # same partition
    assert cl.adjusted_rand(a, b) == 1.0
    # a by hand: one pair together in both ({a,b}); ARI of [0,0,1,1] vs [0,0,0,1]:
    # index = 1, expected = (2 * 3) / 6 = 1, max = (2 + 3) / 2 = 2.5 -> (1 - 1)/(2.5 - 1) = 0
    c = pd.Series([0, 0, 1, 1], index=list("abcd"))
    d = pd.Series([0, 0, 0, 1], index=list("abcd"))
    assert cl.adjusted_rand(c, d) == pytest.approx(0.0)


def test_adjusted_rand_bad_input():
    a = pd.Series([0, 1], index=["a", "b"])
    with pytest.raises(ValueError, match="same customers; 1 are only in a, e.g. 'b'"):
        cl.adjusted_rand(a, pd.Series([0, 1], index=["a", "c"]))
    with pytest.raises(ValueError, match="missing label"):
        cl.adjusted_rand(a, pd.Series([0, None], index=["a", "b"]))


# --- profiles and names ------------------------------------------------------------------------


def test_profiles_are_medians_in_original_units():
    features = pd.DataFrame(
        {"frequency": [1.0, 1, 3, 10, 12, 14], "monetary": [10.0, 20, 30, 500, 700, 900]}
    )
    profiles = cl.cluster_profiles(features, np.array([0, 0, 0, 1, 1, 1]))
    assert list(profiles.index) == [1, 0]  # biggest median spend first
    assert profiles.loc[1, "monetary"] == 700 and profiles.loc[0, "frequency"] == 1
    assert profiles["customers"].tolist() == [3, 3] and profiles["share"].sum() == 1
    assert profiles.attrs["overall"]["monetary"] == pytest.approx(265)  # (30 + 500) / 2


def test_names_follow_the_documented_rules():
    overall = pd.Series({"frequency": 4.0, "monetary": 200.0, "recency": 100.0, "tenure": 300.0})
    profiles = pd.DataFrame(
        {
            "frequency": [12.0, 4.0, 1.0, 1.0, 2.0],
            "monetary": [900.0, 210.0, 20.0, 30.0, 150.0],
            "recency": [20.0, 110.0, 400.0, 90.0, 100.0],
            "tenure": [300.0, 320.0, 410.0, 10.0, 290.0],
        },
        index=[0, 1, 2, 3, 4],
    )
    names = cl.name_clusters(profiles, overall)
    assert names.to_dict() == {
        0: "frequent high spenders, recent",  # 3x purchases, 4.5x spend, recency 0.2x
        1: "regular mid spenders",  # nothing 1.5x away from the median
        2: "one-time low spenders, lapsed",  # recency 4x (tenure only 1.37x)
        3: "one-time low spenders, new",  # tenure 1/30 of the median
        4: "infrequent mid spenders",  # 2 = 0.5 x 4 purchases; spend 0.75x
    }


def test_same_names_get_more_qualifiers_then_numbers():
    overall = pd.Series({"frequency": 4.0, "monetary": 200.0, "recency": 100.0, "tenure": 300.0})
    profiles = pd.DataFrame(
        {
            "frequency": [1.0, 1.0, 1.0],
            "monetary": [20.0, 20.0, 20.0],
            "recency": [400.0, 400.0, 400.0],
            "tenure": [600.0, 100.0, 600.0],
        }
    )
    names = cl.name_clusters(profiles, overall)
    assert names.tolist() == [
        "one-time low spenders, lapsed, long-standing",
        "one-time low spenders, lapsed, new",
        "one-time low spenders, lapsed, long-standing (2)",
    ]

"""helpers.recommend_metrics: beyond-accuracy metrics by hand, bootstrap properties, errors.

Expected values are worked out by hand in the comments (the toy) or computed by a plain loop
over resamples (the bootstrap), never taken from the module.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from helpers import recommend as r
from helpers import recommend_eval as e
from helpers import recommend_metrics as m

# The toy. Training lines: four customers, five catalogue products (P5 nobody bought):
#   a: P1 P2     b: P1 P3     c: P1 P2 P4     d: P1
# n_j (customers who bought): P1 4, P2 2, P3 1, P4 1, P5 0;  N = 4
# p_j: 1, 1/2, 1/4, 1/4, 0 -> counted as 1/4 (as if one customer had bought it)
# self-information -log2 p_j: P1 0, P2 1, P3 2, P4 2, P5 2 bits
# Product (customer) columns over a b c d: P1 (1,1,1,1), P2 (1,0,1,0), P3 (0,1,0,0),
#   P4 (0,0,1,0), P5 (0,0,0,0): cos(P2,P4) = 1/sqrt2, cos(P3,P4) = 0, P5 has cosine 0 with all
TRAIN = pd.DataFrame(
    [("i1", "a", "P1"), ("i1", "a", "P2"), ("i2", "b", "P1"), ("i2", "b", "P3"),
     ("i3", "c", "P1"), ("i3", "c", "P2"), ("i3", "c", "P4"), ("i4", "d", "P1")],
    columns=["invoice_id", "customer_id", "product_id"],
)  # fmt: skip
MATRIX = r.interaction_matrix(TRAIN, products=["P1", "P2", "P3", "P4", "P5"])

# Three scored customers, lists at k = 3, what they bought next, the popularity baseline:
#   a: P3 P4        relevant P3        baseline P3 P4
#   b: P2 P4 P5     relevant P2 P5     baseline P2 P4
#   c: P3           relevant P5        baseline P3
K = 3


def recs(rows: list[tuple[str, int, str]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["customer_id", "rank", "product_id"])


LISTS = recs([("a", 1, "P3"), ("a", 2, "P4"), ("b", 1, "P2"), ("b", 2, "P4"), ("b", 3, "P5"),
              ("c", 1, "P3")])  # fmt: skip
RELEVANT = pd.DataFrame(
    [("a", "P3"), ("b", "P2"), ("b", "P5"), ("c", "P5")], columns=["customer_id", "product_id"]
)
BASELINE = recs([("a", 1, "P3"), ("a", 2, "P4"), ("b", 1, "P2"), ("b", 2, "P4"), ("c", 1, "P3")])
# Given 2-d vectors: P1 (1,0), P2 (1,1), P3 (0,1), P4 (1,0), P5 (0,0)
VECTORS = pd.DataFrame(
    [[1, 0], [1, 1], [0, 1], [1, 0], [0, 0]], index=["P1", "P2", "P3", "P4", "P5"]
)
R2 = math.sqrt(2)


def test_diversity_from_given_vectors_by_hand():
    # a: P3 (0,1) and P4 (1,0): cosine 0 -> 1
    # b: P2-P4 cosine 1/sqrt2, P2-P5 0, P4-P5 0 -> (3 - 1/sqrt2) / 3
    # c: one product -> no pair, no value
    found = m.intra_list_diversity(LISTS, MATRIX, K, item_vectors=VECTORS)
    assert found["a"] == pytest.approx(1)
    assert found["b"] == pytest.approx((3 - 1 / R2) / 3)
    assert np.isnan(found["c"])
    # the same vectors as an array in the matrix's product order, and shuffled as a frame
    array = m.intra_list_diversity(LISTS, MATRIX, K, item_vectors=VECTORS.to_numpy())
    shuffled = m.intra_list_diversity(LISTS, MATRIX, K, item_vectors=VECTORS.iloc[::-1])
    pd.testing.assert_series_equal(array, found)
    pd.testing.assert_series_equal(shuffled, found)


def test_diversity_defaults_to_co_purchase_cosine():
    # co-purchase columns: cos(P3,P4) = 0 -> a: 1; b: as above with cos(P2,P4) = 1/sqrt2;
    # a list P1 P2: cos = 2 / (2 * sqrt2) = 1/sqrt2 -> 1 - 1/sqrt2
    more = pd.concat([LISTS, recs([("e", 1, "P1"), ("e", 2, "P2")])])
    found = m.intra_list_diversity(more, MATRIX, K)
    assert found["a"] == pytest.approx(1)
    assert found["b"] == pytest.approx((3 - 1 / R2) / 3)
    assert found["e"] == pytest.approx(1 - 1 / R2)
    # at k = 1 no list has a pair
    assert m.intra_list_diversity(more, MATRIX, 1).isna().all()


def test_novelty_by_hand_with_a_product_nobody_bought():
    # a: (2 + 2) / 2 = 2; b: P2 1, P4 2, P5 (nobody: as one customer) 2 -> 5/3; c: 2
    found = m.novelty(LISTS, MATRIX, K)
    assert found.to_dict() == pytest.approx({"a": 2, "b": 5 / 3, "c": 2})
    # P1, bought by everyone, carries no information
    assert m.novelty(recs([("x", 1, "P1")]), MATRIX)["x"] == 0


def test_popularity_bias_by_hand():
    # head_share 0.4 of 5 products -> 2 products: P1 (4 customers) and P2 (2)
    # a: 0 of 2; b: P2 -> 1/3; c: 0 of 1
    # arp: a (1/4 + 1/4) / 2 = 1/4; b (1/2 + 1/4 + 0) / 3 = 1/4; c 1/4
    found = m.popularity_bias(LISTS, MATRIX, K, head_share=0.4)
    assert found["popularity_share"].to_dict() == pytest.approx({"a": 0, "b": 1 / 3, "c": 0})
    assert found["arp"].to_dict() == pytest.approx({"a": 0.25, "b": 0.25, "c": 0.25})
    # default 10% of 5 products -> ceil(0.5) = 1 product: P1 only
    top = recs([("x", 1, "P1"), ("x", 2, "P2"), ("y", 1, "P2")])
    found = m.popularity_bias(top, MATRIX, K)
    assert found["popularity_share"].to_dict() == {"x": 0.5, "y": 0.0}


def test_head_ties_go_by_product_id_and_unbought_products_are_never_in_it():
    # P3 and P4 tie at 1 customer: a head of 3 products is P1 P2 P3 (P3 before P4)
    tie = recs([("x", 1, "P3"), ("y", 1, "P4")])
    found = m.popularity_bias(tie, MATRIX, head_share=0.6)["popularity_share"]
    assert found.to_dict() == {"x": 1.0, "y": 0.0}
    # the whole catalogue as head: P5 (nobody bought it) is still not popular
    found = m.popularity_bias(recs([("x", 1, "P5")]), MATRIX, head_share=1.0)
    assert found.loc["x", "popularity_share"] == 0


def test_serendipity_by_hand():
    # a: hit P3, but the baseline recommended it -> 0
    # b: hits P2 (baseline has it) and P5 (it does not) -> 1 of k = 3 slots
    # c: no hit -> 0; a scored customer without a list scores 0
    relevant = pd.concat([RELEVANT, pd.DataFrame({"customer_id": ["w"], "product_id": ["P1"]})])
    found = m.serendipity(LISTS, relevant, BASELINE, MATRIX, K)
    assert found.to_dict() == pytest.approx({"a": 0, "b": 1 / 3, "c": 0, "w": 0})
    # f: a one-product list with an unexpected hit: 1 of k = 3 slots (Ge et al.: 1 of 1)
    found = m.serendipity(
        pd.concat([LISTS, recs([("f", 1, "P5")])]),
        pd.concat([RELEVANT, pd.DataFrame({"customer_id": ["f"], "product_id": ["P5"]})]),
        pd.concat([BASELINE, recs([("f", 1, "P3")])]),
        MATRIX,
        K,
    )
    assert found["f"] == pytest.approx(1 / 3)
    # the baseline against itself is never serendipitous
    assert (m.serendipity(BASELINE, RELEVANT, BASELINE, MATRIX, K) == 0).all()


def toy_metrics() -> m.CustomerMetrics:
    return m.customer_metrics(
        {"lists": LISTS, "baseline": BASELINE}, MATRIX, RELEVANT, K, baseline=BASELINE,
        item_vectors=VECTORS, head_share=0.4,
    )  # fmt: skip


def test_customer_metrics_joins_ranking_metrics_and_the_beyond_accuracy_ones():
    found = toy_metrics()
    ranking = e.ranking_metrics(LISTS, RELEVANT, K)
    lists = found.values["lists"]
    assert lists.index.tolist() == ["a", "b", "c"]
    for column in ("precision", "recall", "average_precision", "ndcg"):
        np.testing.assert_allclose(lists[column], ranking[column])
    assert lists["hit"].tolist() == [1.0, 1.0, 0.0]
    assert lists["serendipity"].tolist() == pytest.approx([0, 1 / 3, 0])
    assert lists["novelty"].tolist() == pytest.approx([2, 5 / 3, 2])
    assert (found.values["baseline"]["serendipity"] == 0).all()


def test_point_values_are_the_hand_means_and_equal_evaluate():
    table = m.bootstrap_intervals(toy_metrics(), n_boot=50).set_index(["recommender", "metric"])
    value = table["value"]["lists"]
    summary = e.evaluate(LISTS, RELEVANT, K, n_products=5)
    for metric in ("precision", "recall", "map", "ndcg", "hit_rate", "coverage"):
        assert value[metric] == pytest.approx(summary[metric])
    assert value["coverage"] == pytest.approx(4 / 5)  # P2 P3 P4 P5
    # diversity over the two customers with a pair: (1 + (3 - 1/sqrt2) / 3) / 2
    assert value["diversity"] == pytest.approx((1 + (3 - 1 / R2) / 3) / 2)
    assert table.loc[("lists", "diversity"), "customers"] == 2
    assert value["novelty"] == pytest.approx((2 + 5 / 3 + 2) / 3)
    assert value["popularity_share"] == pytest.approx(1 / 9)
    assert value["arp"] == pytest.approx(0.25)
    assert value["serendipity"] == pytest.approx(1 / 9)
    assert list(table.loc["lists"].index) == list(m.TABLE_METRICS)


def test_a_metric_nobody_has_is_nan_without_warnings():
    # at k = 1 no list has a pair: diversity has no value, no customer behind it
    metrics = m.customer_metrics({"l": LISTS}, MATRIX, RELEVANT, 1, baseline=BASELINE)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        table = m.bootstrap_intervals(metrics, n_boot=50).set_index("metric")
    assert table.loc["diversity", ["value", "low", "high"]].isna().all()
    assert table.loc["diversity", "customers"] == 0
    assert table.loc["novelty", ["value", "low", "high"]].notna().all()


# --- bootstrap ---------------------------------------------------------------------------------


COLUMNS = ["precision", "recall", "average_precision", "ndcg", "hit", *m.BEYOND_ACCURACY]


def given(values: dict[str, dict[str, list[float]]], lists=None, n_products=1) -> m.CustomerMetrics:
    """A CustomerMetrics from per-customer values (other metrics 0) and optional lists."""
    frames = {}
    for name, columns in values.items():
        n = len(next(iter(columns.values())))
        frame = pd.DataFrame(0.0, index=pd.RangeIndex(n).astype(str), columns=COLUMNS)
        for column, column_values in columns.items():
            frame[column] = column_values
        frames[name] = frame
    values_frame = pd.concat(frames, axis=1, names=["recommender", "metric"])
    n = len(values_frame)
    if lists is None:
        lists = {name: sp.csr_matrix((n, n_products)) for name in values}
    return m.CustomerMetrics(values_frame, lists, 10, n_products)


def interval(table: pd.DataFrame, name: str, metric: str) -> tuple[float, float, float]:
    row = table.set_index(["recommender", "metric"]).loc[(name, metric)]
    return row["value"], row["low"], row["high"]


def test_intervals_equal_a_plain_loop_over_the_same_resamples():
    # an independent computation: draw the same customer indices, take nanmeans and the union
    # of the drawn customers' lists; the module uses a weight matrix instead
    rng = np.random.default_rng(7)
    n, n_products = 40, 12
    novelty = rng.exponential(size=n)
    novelty[rng.random(n) < 0.3] = np.nan  # customers without a value
    chosen = (rng.random((n, n_products)) < 0.1).astype(float)
    metrics = given(
        {"x": {"novelty": novelty.tolist(), "hit": (rng.random(n) < 0.4).tolist()}},
        lists={"x": sp.csr_matrix(chosen)},
        n_products=n_products,
    )
    table = m.bootstrap_intervals(metrics, n_boot=300, level=0.9, seed=3)
    picks = np.random.default_rng(3).integers(0, n, size=(300, n))
    loops = {
        "novelty": [np.nanmean(novelty[p]) for p in picks],
        "hit_rate": [metrics.values[("x", "hit")].to_numpy()[p].mean() for p in picks],
        "coverage": [(chosen[p].sum(axis=0) > 0).mean() for p in picks],
    }
    for metric, draws in loops.items():
        _, low, high = interval(table, "x", metric)
        assert (low, high) == pytest.approx(tuple(np.quantile(draws, [0.05, 0.95])))


def test_a_symmetric_case_holds_the_point_estimate_in_the_middle():
    metrics = given({"x": {"hit": [1.0, 0.0] * 100}})
    value, low, high = interval(m.bootstrap_intervals(metrics, n_boot=2000), "x", "hit_rate")
    assert value == 0.5
    assert low < value < high
    assert value - low == pytest.approx(high - value, abs=0.01)


def test_coverage_by_hand_on_two_customers():
    # customer 0 got P0, customer 1 got P1: a resample holds both (coverage 1) with
    # probability 1/2, one of them (coverage 1/2) with probability 1/2
    metrics = given({"x": {"hit": [0.0, 0.0]}}, lists={"x": sp.eye(2, format="csr")},
                    n_products=2)  # fmt: skip
    value, low, high = interval(m.bootstrap_intervals(metrics, n_boot=4000), "x", "coverage")
    assert (value, low, high) == (1.0, 0.5, 1.0)


def test_the_interval_narrows_as_customers_grow():
    small = given({"x": {"hit": [1.0, 0.0, 0.0, 1.0, 0.0] * 20}})  # 100 customers
    large = given({"x": {"hit": [1.0, 0.0, 0.0, 1.0, 0.0] * 320}})  # 1,600: 16 times
    width = {}
    for name, metrics in (("small", small), ("large", large)):
        _, low, high = interval(m.bootstrap_intervals(metrics), "x", "hit_rate")
        width[name] = high - low
    # the standard error falls as 1/sqrt(n): 4 times narrower, give or take
    assert 3 < width["small"] / width["large"] < 5


def test_seeds_reproduce_and_differ():
    metrics = given({"x": {"hit": [1.0, 0.0, 0.0] * 30, "novelty": list(range(90))}})
    one = m.bootstrap_intervals(metrics, seed=1)
    pd.testing.assert_frame_equal(one, m.bootstrap_intervals(metrics, seed=1))
    assert not one["low"].equals(m.bootstrap_intervals(metrics, seed=2)["low"])


def test_a_higher_level_gives_a_wider_interval():
    metrics = given({"x": {"novelty": list(np.linspace(0, 5, 200))}})
    widths = []
    for level in (0.5, 0.8, 0.95, 0.99):
        table = m.bootstrap_intervals(metrics, level=level)
        _, low, high = interval(table, "x", "novelty")
        widths.append(high - low)
        assert table.attrs["level"] == level
    assert widths == sorted(widths) and len(set(widths)) == 4


def test_a_recommender_minus_itself_is_exactly_zero():
    metrics = m.customer_metrics(
        {"lists": LISTS, "copy": LISTS.copy()}, MATRIX, RELEVANT, K, baseline=BASELINE
    )
    found = m.bootstrap_differences(metrics, "lists", n_boot=200)
    assert found["metric"].tolist() == list(m.TABLE_METRICS)
    # diversity of the toy has customers without a value: still 0, not NaN
    assert (found[["difference", "low", "high"]] == 0).all().all()
    assert not found["excludes_zero"].any()
    assert found["says"].str.startswith("cannot tell").all()


def test_a_known_difference_excludes_zero():
    # "always" hits every customer, "never" none; "mostly" hits 70%
    n = 300
    metrics = given(
        {
            "always": {"hit": [1.0] * n},
            "never": {"hit": [0.0] * n},
            "mostly": {"hit": ([1.0] * 7 + [0.0] * 3) * (n // 10)},
        }
    )
    found = m.bootstrap_differences(metrics, "never").set_index(["recommender", "metric"])
    row = found.loc[("always", "hit_rate")]
    assert (row["difference"], row["low"], row["high"]) == (1, 1, 1)
    assert row["excludes_zero"]
    assert row["says"].startswith("always beats never on hit_rate by 1.000")
    mostly = found.loc[("mostly", "hit_rate")]
    assert 0.6 < mostly["low"] < 0.7 < mostly["high"] < 0.8
    assert mostly["excludes_zero"]
    # metrics where both are 0 everywhere: no difference claimed
    assert not found.loc[("always", "novelty"), "excludes_zero"]


def test_less_popularity_bias_counts_as_better_in_words():
    metrics = given({"a": {"popularity_share": [0.2] * 50}, "b": {"popularity_share": [0.9] * 50}})
    row = m.bootstrap_differences(metrics, "b").set_index("metric").loc["popularity_share"]
    assert row["difference"] == pytest.approx(-0.7)
    assert row["says"].startswith("a beats b on popularity_share")


# --- the entry points --------------------------------------------------------------------------


def shop():
    """A small shop with a time split: two recommenders to compare."""
    rng = np.random.default_rng(0)
    rows = []
    for c in range(60):
        products = rng.choice(12, size=rng.integers(2, 6), replace=False, p=np.r_[
            [0.2, 0.15, 0.1], np.full(9, 0.55 / 9)])  # fmt: skip
        for i, p in enumerate(products):
            date = "2024-01-10" if i < len(products) - 1 else "2024-03-10"
            rows.append((f"i{c}-{i}", date, f"c{c:02d}", f"P{p:02d}"))
    lines = pd.DataFrame(rows, columns=["invoice_id", "invoice_date", "customer_id", "product_id"])
    lines["invoice_date"] = pd.to_datetime(lines["invoice_date"])
    train, test = e.time_split(lines, "2024-03-01")
    return r.interaction_matrix(train), e.relevant_items(train, test)


def test_compare_recommenders_matches_evaluate_recommenders_and_pairs_with_differences():
    matrix, relevant = shop()
    models = {"popularity": r.PopularityRecommender(), "item CF": r.ItemCF(n_neighbours=5)}
    table = m.compare_recommenders(models, matrix, relevant, k=3, n_boot=200)
    summary, found = e.evaluate_recommenders(models, matrix, relevant, k=3)
    values = table.set_index(["recommender", "metric"])["value"]
    for name in models:
        for metric in e.METRICS:
            assert values[(name, metric)] == pytest.approx(summary.loc[name, metric])
    assert values[("popularity", "serendipity")] == 0
    assert (table["low"] <= table["high"]).all()
    # a resample never reaches more of the catalogue than all the customers do
    coverage = table[table["metric"] == "coverage"]
    assert (coverage["high"] <= coverage["value"]).all()
    assert table.attrs == {"k": 3, "n_boot": 200, "level": 0.95}
    differences = m.paired_differences(models, matrix, relevant, k=3, n_boot=200)
    assert set(differences["recommender"]) == {"item CF"}
    by_metric = differences.set_index("metric")["difference"]
    assert by_metric["precision"] == pytest.approx(
        values[("item CF", "precision")] - values[("popularity", "precision")]
    )
    # a baseline given as a recommender gives the same serendipity as the default
    again = m.compare_recommenders(
        models, matrix, relevant, k=3, n_boot=200, baseline=r.PopularityRecommender()
    )
    pd.testing.assert_frame_equal(again, table)
    # the first steps by hand, from the recommendations already made
    steps = m.customer_metrics(found, matrix, relevant, 3, baseline=found["popularity"])
    pd.testing.assert_frame_equal(m.bootstrap_intervals(steps, n_boot=200), table)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: m.bootstrap_intervals(toy_metrics(), n_boot=0), "n_boot must be a whole"),
        (lambda: m.bootstrap_intervals(toy_metrics(), n_boot=2.5), "n_boot must be a whole"),
        (lambda: m.bootstrap_intervals(toy_metrics(), level=95), "level must be strictly"),
        (lambda: m.bootstrap_differences(toy_metrics(), "nope"), "reference must be one of"),
        (lambda: m.novelty(recs([("x", 1, "P9")]), MATRIX), "'P9' is not a product"),
        (lambda: m.novelty(recs([("x", 0, "P1")]), MATRIX), "rank"),
        (lambda: m.novelty(LISTS.drop(columns="rank"), MATRIX), "rank"),
        (lambda: m.novelty(recs([("x", 1, "P1"), ("x", 2, "P1")]), MATRIX), "unique within"),
        (lambda: m.novelty(LISTS, MATRIX, k=0), "k must be a whole number"),
        (lambda: m.popularity_bias(LISTS, MATRIX, head_share=0), "head_share"),
        (lambda: m.intra_list_diversity(LISTS, MATRIX, item_vectors=np.ones((4, 2))),
         "one row per product"),
        (lambda: m.intra_list_diversity(LISTS, MATRIX, item_vectors=VECTORS.iloc[1:]),
         "'P1' has none"),
        (lambda: m.intra_list_diversity(LISTS, MATRIX, item_vectors=VECTORS * np.nan),
         "finite"),
        (lambda: m.intra_list_diversity(LISTS, MATRIX, item_vectors=[[1, 0]]), "DataFrame"),
        (lambda: m.serendipity(LISTS, RELEVANT.drop(columns="product_id"), BASELINE, MATRIX),
         "product_id"),
        (lambda: m.customer_metrics({}, MATRIX, RELEVANT, baseline=BASELINE), "non-empty"),
        (lambda: m.compare_recommenders({}, MATRIX, RELEVANT), "non-empty mapping"),
        (lambda: m.compare_recommenders({"p": r.PopularityRecommender()}, MATRIX, RELEVANT,
                                        baseline="random"), "baseline must be"),
        (lambda: m.paired_differences({"p": r.PopularityRecommender()}, MATRIX, RELEVANT),
         "reference must be one of"),
    ],
)  # fmt: skip
def test_bad_inputs_get_clear_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call()

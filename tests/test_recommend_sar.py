"""helpers.recommend_sar: a 4 x 4 toy worked by hand, and the planted pairs of the synthetic shop.

Every expected co-occurrence, similarity, affinity and score is worked out by hand in the
comments below, never taken from the module's output.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from helpers import recommend_sar as sar
from helpers.interactions import interaction_matrix

# The toy: four customers, four products; as_of 2024-03-01 (exclusive), so the line of i5
# (on as_of) is left out. Ages before as_of (February 2024 has 29 days): 2024-01-01 60 days,
# 2024-01-31 30 days, 2024-02-10 20 days, 2024-02-20 10 days.
#   u1: PA PB PC (i1, 60 d)      u2: PA (i2, 10 d, two lines)  PB (i3, 20 d)
#   u3: PB PD (i4, 10 d)         u4: PA (i6, 20 d)  PB (i7, 10 d; i8, 30 d: two invoices)
# Binary matrix, rows u1..u4, columns PA PB PC PD:
#   [[1 1 1 0], [1 1 0 0], [0 1 0 1], [1 1 0 0]]
# Co-occurrence C = B^T B:
#   c_AA = 3 (u1 u2 u4)  c_BB = 4  c_CC = 1  c_DD = 1
#   c_AB = 3  c_AC = 1  c_AD = 0  c_BC = 1  c_BD = 1  c_CD = 0
AS_OF = "2024-03-01"
TOY = [
    ("i1", "2024-01-01", "u1", "PA", 1),
    ("i1", "2024-01-01", "u1", "PB", 1),
    ("i1", "2024-01-01", "u1", "PC", 2),
    ("i2", "2024-02-20", "u2", "PA", 1),
    ("i2", "2024-02-20", "u2", "PA", 2),  # the same product twice on an invoice
    ("i3", "2024-02-10", "u2", "PB", 1),
    ("i4", "2024-02-20", "u3", "PB", 1),
    ("i4", "2024-02-20", "u3", "PD", 1),
    ("i5", "2024-03-01", "u3", "PC", 1),  # on as_of: not in the matrix nor the affinities
    ("i6", "2024-02-10", "u4", "PA", 1),
    ("i7", "2024-02-20", "u4", "PB", 1),
    ("i8", "2024-01-31", "u4", "PB", 3),
]  # fmt: skip
P = ["PA", "PB", "PC", "PD"]


@pytest.fixture()
def lines() -> pd.DataFrame:
    frame = pd.DataFrame(
        TOY, columns=["invoice_id", "invoice_date", "customer_id", "product_id", "quantity"]
    )
    frame["invoice_date"] = pd.to_datetime(frame["invoice_date"])
    return frame


@pytest.fixture()
def matrix(lines):
    return interaction_matrix(lines, as_of=AS_OF)


def dense(m) -> np.ndarray:
    return np.asarray(m.toarray())


# --- co-occurrence and similarity --------------------------------------------------------------


def test_cooccurrence_counts_customers_once_per_pair(lines, matrix):
    expected = [[3, 3, 1, 0], [3, 4, 1, 1], [1, 1, 1, 0], [0, 1, 0, 1]]
    np.testing.assert_array_equal(dense(sar.cooccurrence_matrix(matrix)), expected)
    # the counts matrix (u4 bought PB on two invoices) gives the same co-occurrences
    counts = interaction_matrix(lines, value="count", as_of=AS_OF)
    assert counts.matrix[3, 1] == 2
    np.testing.assert_array_equal(dense(sar.cooccurrence_matrix(counts)), expected)


def test_threshold_zeroes_counts_below_it(matrix):
    # threshold 2 keeps c >= 2: AA 3, BB 4, AB 3; PC and PD lose everything, the diagonal too
    expected = [[3, 3, 0, 0], [3, 4, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]]
    got = sar.cooccurrence_matrix(matrix, threshold=2)
    np.testing.assert_array_equal(dense(got), expected)
    assert got.nnz == 4  # zeros not stored
    assert sar.cooccurrence_matrix(matrix, threshold=5).nnz == 0


J3, J4 = 1 / 3, 1 / 4
# jaccard c_ij / (c_ii + c_jj - c_ij): AB 3/(3+4-3) = 3/4, AC 1/(3+1-1) = 1/3,
#   BC 1/(4+1-1) = 1/4, BD 1/(4+1-1) = 1/4; diagonal 1
JACCARD = [[1, 0.75, J3, 0], [0.75, 1, J4, J4], [J3, J4, 1, 0], [0, J4, 0, 1]]
# lift c_ij / (c_ii c_jj): AB 3/12, AC 1/3, BC 1/4, BD 1/4; AA 3/9, BB 4/16, CC 1, DD 1
LIFT = [[J3, 0.25, J3, 0], [0.25, 0.25, J4, J4], [J3, J4, 1, 0], [0, J4, 0, 1]]
# cosine c_ij / sqrt(c_ii c_jj): AB 3/sqrt(12), AC 1/sqrt(3), BC 1/2, BD 1/2; diagonal 1
R12, R3 = 3 / math.sqrt(12), 1 / math.sqrt(3)
COSINE = [[1, R12, R3, 0], [R12, 1, 0.5, 0.5], [R3, 0.5, 1, 0], [0, 0.5, 0, 1]]
# inclusion c_ij / min(c_ii, c_jj): AB 3/3, AC 1/1, BC 1/1, BD 1/1; diagonal 1
INCLUSION = [[1, 1, 1, 0], [1, 1, 1, 1], [1, 1, 1, 0], [0, 1, 0, 1]]
COOC = [[3, 3, 1, 0], [3, 4, 1, 1], [1, 1, 1, 0], [0, 1, 0, 1]]


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("jaccard", JACCARD),
        ("lift", LIFT),
        ("cosine", COSINE),
        ("inclusion", INCLUSION),
        ("cooccurrence", COOC),
    ],
)
def test_similarities_by_hand(matrix, kind, expected):
    got = sar.item_similarity(sar.cooccurrence_matrix(matrix), kind)
    np.testing.assert_allclose(dense(got), expected, rtol=1e-12)
    fitted = sar.SARRecommender(kind).fit(matrix)
    np.testing.assert_allclose(dense(fitted.similarity_), expected, rtol=1e-12)


def test_similarity_after_threshold(matrix):
    # threshold 2: only A and B keep counts; jaccard AB = 3 / (3 + 4 - 3) = 0.75
    model = sar.SARRecommender("jaccard", threshold=2).fit(matrix)
    np.testing.assert_allclose(
        dense(model.similarity_), [[1, 0.75, 0, 0], [0.75, 1, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]]
    )
    # u3 (PB, PD) now gets only PA (0.75): PC lost its similarities
    recs = model.recommend(["u3"], k=5)
    assert recs["product_id"].tolist() == ["PA"]
    assert recs["score"].tolist() == pytest.approx([0.75])


def test_item_similarity_rejects_a_non_cooccurrence_matrix():
    with pytest.raises(ValueError, match="square"):
        sar.item_similarity(np.ones((2, 3)), "jaccard")
    with pytest.raises(ValueError, match=r"must not exceed.*cell \(0, 1\) is 5"):
        sar.item_similarity(np.array([[2.0, 5.0], [5.0, 6.0]]), "jaccard")


# --- affinities --------------------------------------------------------------------------------

# decayed, half-life 10 days: 2^(-age/10): 60 d -> 1/64, 30 d -> 1/8, 20 d -> 1/4, 10 d -> 1/2
#   u1: PA PB PC 1/64 each;  u2: PA 1/2 (one invoice, two lines), PB 1/4
#   u3: PB 1/2, PD 1/2;      u4: PA 1/4, PB 1/2 + 1/8 = 5/8
DECAYED = [
    [1 / 64, 1 / 64, 1 / 64, 0],
    [0.5, 0.25, 0, 0],
    [0, 0.5, 0, 0.5],
    [0.25, 0.625, 0, 0],
]


def test_decayed_affinities_by_hand(lines, matrix):
    got = sar.decayed_affinities(lines, matrix, half_life_days=10, as_of=AS_OF)
    np.testing.assert_allclose(dense(got.matrix), DECAYED, rtol=1e-12)
    assert got.customers.equals(matrix.customers)
    assert got.products.equals(matrix.products)
    assert got.half_life_days == 10


def test_a_purchase_one_half_life_old_weighs_half(lines, matrix):
    # u2 bought PA on 2024-02-20, 10 days before as_of; u3 PB the same day
    got = sar.decayed_affinities(lines, matrix, half_life_days=10, as_of=AS_OF)
    assert got.matrix[1, 0] == 0.5
    # with a 20-day half-life the same purchase weighs 2^(-1/2)
    got = sar.decayed_affinities(lines, matrix, half_life_days=20, as_of=AS_OF)
    assert got.matrix[1, 0] == pytest.approx(1 / math.sqrt(2))


def test_affinities_without_decay_count_invoices_or_sum_weights(lines, matrix):
    got = sar.decayed_affinities(lines, matrix, as_of=AS_OF)
    # invoices per cell: u4 PB on i7 and i8 -> 2; u2 PA's two lines are one invoice -> 1
    np.testing.assert_array_equal(
        dense(got.matrix), [[1, 1, 1, 0], [1, 1, 0, 0], [0, 1, 0, 1], [1, 2, 0, 0]]
    )
    got = sar.decayed_affinities(lines, matrix, as_of=AS_OF, weight_col="quantity")
    # quantities: u1 PC 2; u2 PA 1 + 2 = 3; u4 PB 1 + 3 = 4
    np.testing.assert_array_equal(
        dense(got.matrix), [[1, 1, 2, 0], [3, 1, 0, 0], [0, 1, 0, 1], [1, 4, 0, 0]]
    )
    got = sar.decayed_affinities(
        lines, matrix, half_life_days=10, as_of=AS_OF, weight_col="quantity"
    )
    # u2 PA 3 x 1/2; u4 PB 1 x 1/2 + 3 x 1/8 = 7/8
    assert got.matrix[1, 0] == pytest.approx(1.5)
    assert got.matrix[3, 1] == pytest.approx(0.875)


def test_decayed_affinities_match_the_decayed_count_matrix(lines):
    # independent code: interaction_matrix's "count" with a half-life sums the same weights
    counted = interaction_matrix(lines, value="count", half_life_days=10, as_of=AS_OF)
    np.testing.assert_allclose(dense(counted.matrix), DECAYED, rtol=1e-12)
    got = sar.decayed_affinities(lines, counted, half_life_days=10, as_of=AS_OF)
    np.testing.assert_allclose(dense(got.matrix), dense(counted.matrix), rtol=1e-12)


def test_affinities_default_as_of_is_the_last_date(lines):
    # without as_of every line counts (i5 included) and ages run from the last date, 03-01
    full = interaction_matrix(lines)
    got = sar.decayed_affinities(lines, full, half_life_days=10)
    assert got.matrix[2, 2] == 1.0  # u3's PC on the last day: age 0
    assert got.matrix[1, 0] == 0.5


def test_affinities_reject_lines_the_matrix_does_not_hold(lines, matrix):
    # no as_of: i5 (u3 PC) is in the lines but not in the matrix built as of 03-01
    with pytest.raises(ValueError, match=r"the lines hold 1 purchase.*'u3', product 'PC'"):
        sar.decayed_affinities(lines, matrix, half_life_days=10)
    # a customer the matrix does not know
    extra = pd.concat([lines, lines.iloc[[0]].assign(customer_id="u9")], ignore_index=True)
    with pytest.raises(ValueError, match="customer and a product of the interaction matrix"):
        sar.decayed_affinities(extra, matrix, as_of=AS_OF)
    # a matrix cell without a line
    with pytest.raises(ValueError, match=r"the interaction matrix holds 1 purchase.*'u1'"):
        sar.decayed_affinities(lines.iloc[1:], matrix, as_of=AS_OF)


def test_affinities_reject_bad_input(lines, matrix):
    with pytest.raises(ValueError, match="half_life_days must be a number of days > 0"):
        sar.decayed_affinities(lines, matrix, half_life_days=0, as_of=AS_OF)
    with pytest.raises(ValueError, match="'invoice_date' is required"):
        sar.decayed_affinities(lines.drop(columns="invoice_date"), matrix, half_life_days=10)
    text = lines.assign(invoice_date=lines["invoice_date"].astype(str))
    with pytest.raises(ValueError, match="must hold dates"):
        sar.decayed_affinities(text, matrix, half_life_days=10, as_of=AS_OF)
    with pytest.raises(ValueError, match="'quantity' must be a number >= 0"):
        sar.decayed_affinities(
            lines.assign(quantity=-1), matrix, as_of=AS_OF, weight_col="quantity"
        )
    with pytest.raises(ValueError, match="as_of must be a date"):
        sar.decayed_affinities(lines, matrix, as_of="soon")
    with pytest.raises(ValueError, match="must be an Interactions"):
        sar.decayed_affinities(lines, lines)


# --- scores, similar products, explain ---------------------------------------------------------


def test_scores_are_affinity_times_similarity(matrix):
    model = sar.SARRecommender("jaccard").fit(matrix)
    scores = model.score(["u2", "u3"])
    # u2 (PA, PB): PA 1 + 3/4, PB 3/4 + 1, PC 1/3 + 1/4 = 7/12, PD 0 + 1/4
    # u3 (PB, PD): PA 3/4, PB 1 + 1/4, PC 1/4, PD 1/4 + 1
    np.testing.assert_allclose(
        scores.to_numpy(), [[1.75, 1.75, 7 / 12, 0.25], [0.75, 1.25, 0.25, 1.25]]
    )
    recs = model.recommend(["u2", "u3", "nobody"], k=2)
    assert recs["customer_id"].tolist() == ["u2", "u2", "u3", "u3"]
    assert recs["product_id"].tolist() == ["PC", "PD", "PA", "PC"]
    assert recs["score"].tolist() == pytest.approx([7 / 12, 0.25, 0.75, 0.25])


def test_scores_with_decay_by_hand(lines, matrix):
    model = sar.SARRecommender("jaccard", time_decay_half_life_days=10)
    model.fit(matrix, lines, as_of=AS_OF)
    np.testing.assert_allclose(dense(model.affinity_), DECAYED, rtol=1e-12)
    recs = model.recommend(["u2", "u4"], k=2)
    # u2 (PA 1/2, PB 1/4): PC 1/2 x 1/3 + 1/4 x 1/4 = 11/48; PD 1/4 x 1/4 = 1/16
    # u4 (PA 1/4, PB 5/8): PC 1/4 x 1/3 + 5/8 x 1/4 = 23/96; PD 5/8 x 1/4 = 5/32
    assert recs["product_id"].tolist() == ["PC", "PD", "PC", "PD"]
    assert recs["score"].tolist() == pytest.approx([11 / 48, 1 / 16, 23 / 96, 5 / 32])


def test_affinities_are_the_matrix_values_without_lines(lines):
    counts = interaction_matrix(lines, value="count", as_of=AS_OF)
    model = sar.SARRecommender("jaccard").fit(counts)
    # u4 (PA 1, PB 2 invoices): PC 1/3 + 2 x 1/4 = 5/6, PD 2 x 1/4 = 1/2
    assert model.score(["u4"]).loc["u4", ["PC", "PD"]].tolist() == pytest.approx([5 / 6, 0.5])


def test_sparse_and_dense_scoring_agree(matrix, monkeypatch):
    dense_model = sar.SARRecommender("cosine").fit(matrix)
    monkeypatch.setattr(sar, "DENSE_CELLS", 0)
    sparse_model = sar.SARRecommender("cosine").fit(matrix)
    assert sparse_model._dense is None and dense_model._dense is not None
    pd.testing.assert_frame_equal(sparse_model.score(), dense_model.score())
    pd.testing.assert_frame_equal(
        sparse_model.similar_products(P, k=3), dense_model.similar_products(P, k=3)
    )
    recs = dense_model.recommend(k=3, exclude_purchased=False)
    pd.testing.assert_frame_equal(
        sparse_model.explain(recs, n=None), dense_model.explain(recs, n=None)
    )


def test_similar_products_order(matrix):
    got = sar.SARRecommender("jaccard").fit(matrix).similar_products(P, k=3)
    # PA: PB 3/4, PC 1/3 (PD 0: not listed); PB: PA 3/4, then PC and PD tie at 1/4 (by id)
    # PC: PA 1/3, PB 1/4; PD: PB 1/4
    assert list(zip(got["product_id"], got["similar"], strict=True)) == [
        ("PA", "PB"), ("PA", "PC"), ("PB", "PA"), ("PB", "PC"), ("PB", "PD"),
        ("PC", "PA"), ("PC", "PB"), ("PD", "PB"),
    ]  # fmt: skip
    assert got["similarity"].tolist() == pytest.approx([0.75, J3, 0.75, J4, J4, J3, J4, J4])
    assert got["rank"].tolist() == [1, 2, 1, 2, 3, 1, 2, 1]
    # lift favours the rare: PA's first is PC (1/3) before PB (1/4)
    lift = sar.SARRecommender("lift").fit(matrix).similar_products("PA", k=2)
    assert lift["similar"].tolist() == ["PC", "PB"]


def test_explain_shares_sum_to_one(lines, matrix):
    model = sar.SARRecommender("jaccard").fit(matrix)
    recs = model.recommend(k=2)
    why = model.explain(recs, n=None)
    assert why.groupby(["customer_id", "product_id"])["share"].sum().to_numpy() == pytest.approx(1)
    total = why.groupby(["customer_id", "product_id"], sort=False)["contribution"].sum()
    scores = recs.set_index(["customer_id", "product_id"])["score"]
    assert total.reindex(scores.index).to_numpy() == pytest.approx(scores.to_numpy())
    # u2's PC: PA 1 x 1/3 (share (1/3) / (7/12) = 4/7), then PB 1 x 1/4 (3/7)
    pc = why[(why["customer_id"] == "u2") & (why["product_id"] == "PC")]
    assert pc["because_of"].tolist() == ["PA", "PB"]
    assert pc["similarity"].tolist() == pytest.approx([J3, J4])
    assert pc["share"].tolist() == pytest.approx([4 / 7, 3 / 7])
    # with decay the affinity enters: u4's PC: PB 5/8 x 1/4 = 5/32 before PA 1/4 x 1/3 = 1/12
    decayed = sar.SARRecommender("jaccard", time_decay_half_life_days=10)
    decayed.fit(matrix, lines, as_of=AS_OF)
    one = decayed.explain(pd.DataFrame({"customer_id": ["u4"], "product_id": ["PC"]}), n=1)
    assert one["because_of"].tolist() == ["PB"]
    assert one["affinity"].tolist() == pytest.approx([0.625])
    assert one["contribution"].tolist() == pytest.approx([5 / 32])
    assert one["share"].tolist() == pytest.approx([(5 / 32) / (23 / 96)])


def test_explain_rejects_unknown_rows(matrix):
    model = sar.SARRecommender().fit(matrix)
    with pytest.raises(ValueError, match="a customer and product of the fitted matrix"):
        model.explain(pd.DataFrame({"customer_id": ["u9"], "product_id": ["PA"]}))
    with pytest.raises(ValueError, match="n must be None"):
        model.explain(model.recommend(k=1), n=0)
    empty = model.explain(model.recommend(k=1).iloc[:0])
    assert empty.empty


# --- parameters --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"similarity_type": "jacard"}, "similarity_type must be one of 'cooccurrence'"),
        ({"threshold": 0}, "threshold must be a whole number >= 1"),
        ({"threshold": 1.5}, "threshold must be a whole number >= 1"),
        ({"threshold": True}, "threshold must be a whole number >= 1"),
        ({"time_decay_half_life_days": 0}, "time_decay_half_life_days must be a number of days"),
        ({"time_decay_half_life_days": -3}, "time_decay_half_life_days must be a number of days"),
        ({"time_decay_half_life_days": "30"}, "time_decay_half_life_days must be a number"),
        ({"time_decay_half_life_days": math.inf}, "time_decay_half_life_days must be a number"),
    ],
)
def test_bad_parameters(kwargs, message):
    with pytest.raises(ValueError, match=message):
        sar.SARRecommender(**kwargs)


def test_fit_needs_lines_for_decay(lines, matrix):
    with pytest.raises(ValueError, match="needs the purchase dates"):
        sar.SARRecommender(time_decay_half_life_days=30).fit(matrix)
    with pytest.raises(ValueError, match="as_of is used only with the order lines"):
        sar.SARRecommender().fit(matrix, as_of=AS_OF)
    with pytest.raises(ValueError, match="fit takes an Interactions"):
        sar.SARRecommender().fit(lines)
    with pytest.raises(ValueError, match="not fitted yet"):
        sar.SARRecommender().similar_products("PA")


# --- the synthetic shop's planted pairs --------------------------------------------------------


@pytest.fixture(scope="module")
def shop():
    from helpers.datasets import load_clean_transactions, load_synthetic

    clean, _ = load_clean_transactions("synthetic")
    return interaction_matrix(clean), load_synthetic().bought_together


def partner_ranks(model, pairs) -> np.ndarray:
    """Rank of each planted partner in its product's similar list, both ways (99: not listed)."""
    a, b = pairs["product_a"].to_numpy(), pairs["product_b"].to_numpy()
    asked, partner = np.concatenate([a, b]), np.concatenate([b, a])
    similar = model.similar_products(asked, k=10)
    found = similar.set_index([similar.columns[0], "similar"])["rank"]
    return found.reindex(pd.MultiIndex.from_arrays([asked, partner])).fillna(99).to_numpy()


@pytest.mark.parametrize(("kind", "top", "share"), [("jaccard", 1, 0.9), ("cosine", 1, 0.9),
                                                    ("lift", 10, 0.75)])  # fmt: skip
def test_planted_pairs_rank_high(shop, kind, top, share):
    matrix, pairs = shop
    ranks = partner_ranks(sar.SARRecommender(kind).fit(matrix), pairs)
    chance = top / matrix.shape[1]  # a random list of `top` products holds the partner
    assert len(ranks) >= 20
    assert (ranks <= top).mean() >= share > 10 * chance


def test_works_inside_the_hybrid(lines):
    from helpers.recommend import HybridRecommender

    # the decayed count matrix carries SAR's decayed affinities (w = 1 per invoice), so the
    # hybrid, which fits its components on the matrix alone, gets them too
    decayed = interaction_matrix(lines, value="count", half_life_days=10, as_of=AS_OF)
    hybrid = HybridRecommender({"sar": (sar.SARRecommender("jaccard"), 1.0)}).fit(decayed)
    recs = hybrid.recommend(["u4", "new"], k=2)
    # u4: PC 23/96, PD 5/32, scaled by u4's largest score (PB: 1/4 x 3/4 + 5/8 x 1 = 13/16)
    u4 = recs[recs["customer_id"] == "u4"]
    assert u4["product_id"].tolist() == ["PC", "PD"]
    assert u4["score"].tolist() == pytest.approx([(23 / 96) / (13 / 16), (5 / 32) / (13 / 16)])
    # a new customer gets the fallback (popularity: PB bought by 4 customers, PA by 3)
    assert recs[recs["customer_id"] == "new"]["product_id"].tolist() == ["PB", "PA"]

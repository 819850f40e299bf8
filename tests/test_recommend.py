"""helpers.recommend: a 3 x 4 toy worked by hand, and brute-force loops on random data.

Expected similarities and scores are worked out by hand in the comments (toy), or computed
per customer with plain Python sets and loops (random data), never taken from the module.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from helpers import recommend as r

# The toy: three customers, four products (ids chosen so that id order differs from the
# order they first appear in: "PD" is bought first).
#   u1: PA PB PC      u2: PA PB      u3: PB PD
# Binary matrix, rows u1 u2 u3, columns PA PB PC PD:
#   [[1 1 1 0], [1 1 0 0], [0 1 0 1]]
# Product columns: PA = (1,1,0), PB = (1,1,1), PC = (1,0,0), PD = (0,0,1); norms sqrt2, sqrt3, 1, 1
#   cos(PA,PB) = 2/sqrt6 = 0.8165   cos(PA,PC) = 1/sqrt2 = 0.7071   cos(PA,PD) = 0
#   cos(PB,PC) = 1/sqrt3 = 0.5774   cos(PB,PD) = 1/sqrt3 = 0.5774   cos(PC,PD) = 0
# Customer rows: u1 = (1,1,1,0), u2 = (1,1,0,0), u3 = (0,1,0,1); norms sqrt3, sqrt2, sqrt2
#   cos(u1,u2) = 2/sqrt6 = 0.8165   cos(u1,u3) = 1/sqrt6 = 0.4082   cos(u2,u3) = 1/2
S6, S2, S3 = math.sqrt(6), math.sqrt(2), math.sqrt(3)
TOY = [
    ("i1", "2024-01-01", "u3", "PD", 1),
    ("i1", "2024-01-01", "u3", "PB", 2),
    ("i2", "2024-01-05", "u1", "PA", 1),
    ("i2", "2024-01-05", "u1", "PB", 1),
    ("i2", "2024-01-05", "u1", "PC", 3),
    ("i3", "2024-01-21", "u2", "PA", 1),
    ("i3", "2024-01-21", "u2", "PA", 2),  # the same product twice on an invoice
    ("i4", "2024-01-31", "u2", "PB", 1),
    ("i5", "2024-01-11", "u2", "PA", 1),  # u2 bought PA on two invoices
]  # fmt: skip


@pytest.fixture
def lines() -> pd.DataFrame:
    df = pd.DataFrame(
        TOY, columns=["invoice_id", "invoice_date", "customer_id", "product_id", "quantity"]
    )
    df["invoice_date"] = pd.to_datetime(df["invoice_date"])
    return df


@pytest.fixture
def toy(lines) -> r.Interactions:
    return r.interaction_matrix(lines)


def recs_of(recs: pd.DataFrame, customer: str) -> list[tuple[str, float]]:
    one = recs[recs["customer_id"] == customer]
    assert one["rank"].tolist() == list(range(1, len(one) + 1))
    return [(p, round(v, 4)) for p, v in zip(one["product_id"], one["score"], strict=True)]


# --- interaction matrix ------------------------------------------------------------------------


def test_interaction_matrix_binary_and_counts(lines, toy):
    assert toy.customers.tolist() == ["u1", "u2", "u3"]
    assert toy.products.tolist() == ["PA", "PB", "PC", "PD"]
    assert toy.matrix.toarray().tolist() == [[1, 1, 1, 0], [1, 1, 0, 0], [0, 1, 0, 1]]
    counts = r.interaction_matrix(lines, value="count")
    # u2 bought PA on invoices i3 and i5 (twice on i3: still one invoice)
    assert counts.matrix.toarray().tolist() == [[1, 1, 1, 0], [2, 1, 0, 0], [0, 1, 0, 1]]
    assert toy.rows(["u3", "nobody", "u1"]).tolist() == [2, -1, 0]
    frame = toy.to_frame()
    assert list(frame.columns) == ["customer_id", "product_id", "value"]
    assert len(frame) == 7


def test_interaction_matrix_recency_and_catalogue(lines):
    # half-life 10 days from 2024-01-31: u2's PA on 01-21 (10 days) = 0.5, on 01-11 = 0.25;
    # u2's PB on 01-31 = 1; u1's lines on 01-05 (26 days) = 0.5 ** 2.6
    weighted = r.interaction_matrix(lines, value="count", half_life_days=10, products=["PZ", "PA"])
    dense = pd.DataFrame(
        weighted.matrix.toarray(), index=weighted.customers, columns=weighted.products
    )
    assert weighted.products.tolist() == ["PA", "PB", "PC", "PD", "PZ"]  # PZ: nobody bought
    assert dense.loc["u2", "PA"] == pytest.approx(0.75)  # count sums the weights
    assert dense.loc["u2", "PB"] == pytest.approx(1.0)
    assert dense.loc["u1", "PC"] == pytest.approx(0.5**2.6)
    assert dense["PZ"].sum() == 0
    latest = r.interaction_matrix(lines, half_life_days=10)
    assert latest.matrix[1, 0] == pytest.approx(0.5)  # binary keeps the latest purchase


def test_interaction_matrix_as_of_leaves_out_the_lines_at_or_after_it(lines):
    # as_of is exclusive: a purchase dated exactly at it (u2's PB, 01-31) and later ones are
    # not in the matrix, which equals the matrix of the lines cut before it
    as_of = pd.Timestamp("2024-01-31")
    before = lines[lines["invoice_date"] < as_of]
    assert len(before) < len(lines)
    for kwargs in ({}, {"value": "count", "half_life_days": 10}):
        got = r.interaction_matrix(lines, as_of=as_of, **kwargs)
        expected = r.interaction_matrix(before, as_of=as_of, **kwargs)
        assert got.customers.equals(expected.customers)
        assert got.products.equals(expected.products)
        assert (got.matrix != expected.matrix).nnz == 0
    cut = r.interaction_matrix(lines, as_of=as_of)
    u2 = cut.customers.get_loc("u2")
    assert cut.matrix[u2, cut.products.get_loc("PB")] == 0  # bought by u2 only on 01-31
    # ages count from as_of: u2's PA on 01-21 is 10 days old, weight 0.5 with a 10-day half-life
    weighted = r.interaction_matrix(lines, half_life_days=10, as_of=as_of)
    assert weighted.matrix[u2, weighted.products.get_loc("PA")] == pytest.approx(0.5)


def test_interaction_matrix_errors_name_the_rule(lines):
    with pytest.raises(ValueError, match="column 'customer_id' is required"):
        r.interaction_matrix(lines.drop(columns="customer_id"))
    bad = lines.copy()
    bad.loc[3, "quantity"] = -1
    with pytest.raises(ValueError, match=r"'quantity' must be > 0.*row 3"):
        r.interaction_matrix(bad)
    missing = lines.copy()
    missing.loc[2, "product_id"] = None
    with pytest.raises(ValueError, match=r"'product_id' must be present.*row 2"):
        r.interaction_matrix(missing)
    with pytest.raises(ValueError, match="value must be 'binary' or 'count'"):
        r.interaction_matrix(lines, value="sum")
    with pytest.raises(ValueError, match="half_life_days must be > 0"):
        r.interaction_matrix(lines, half_life_days=0)


# --- item CF -----------------------------------------------------------------------------------


def test_item_cosine_by_hand(toy):
    model = r.ItemCF(n_neighbours=10).fit(toy)
    expected = [
        [0, 2 / S6, 1 / S2, 0],
        [2 / S6, 0, 1 / S3, 1 / S3],
        [1 / S2, 1 / S3, 0, 0],
        [0, 1 / S3, 0, 0],
    ]
    np.testing.assert_allclose(model.similarity_.toarray(), expected, atol=1e-9)
    # one neighbour each: PA -> PB, PB -> PA, PC -> PA, PD -> PB
    one = r.ItemCF(n_neighbours=1).fit(toy).similarity_.toarray()
    assert [int(np.argmax(row)) for row in one] == [1, 0, 0, 1]
    assert (one > 0).sum(axis=1).tolist() == [1, 1, 1, 1]


def test_item_cf_scores_and_fewer_than_k(toy):
    recs = r.ItemCF(n_neighbours=10).fit(toy).recommend(["u2", "u3", "u1"], k=3)
    assert list(recs.columns) == ["customer_id", "rank", "product_id", "score"]
    assert recs["customer_id"].unique().tolist() == ["u2", "u3", "u1"]  # order given
    # u2 (PA, PB): PC = 0.7071 + 0.5774 = 1.2845, PD = 0 + 0.5774
    assert recs_of(recs, "u2") == [("PC", 1.2845), ("PD", 0.5774)]
    # u3 (PB, PD): PA = 0.8165 + 0, PC = 0.5774 + 0
    assert recs_of(recs, "u3") == [("PA", 0.8165), ("PC", 0.5774)]
    # u1 (PA, PB, PC): only PD is left, 0 + 0.5774 + 0: one product although k = 3
    assert recs_of(recs, "u1") == [("PD", 0.5774)]
    kept = r.ItemCF(n_neighbours=10).fit(toy).recommend(["u1"], k=2, exclude_purchased=False)
    # u1 with purchases kept: PB = 0.8165 + 0.5774, PA = 0.8165 + 0.7071
    assert recs_of(kept, "u1") == [("PA", 1.5236), ("PB", 1.3938)]


def test_item_cf_explain(toy):
    model = r.ItemCF(n_neighbours=10).fit(toy)
    recs = model.recommend(["u2"], k=2)
    why = model.explain(recs, n=None)
    first = why[why["product_id"] == "PC"]
    assert first["because_of"].tolist() == ["PA", "PB"]  # 0.7071 before 0.5774
    assert first["similarity"].tolist() == pytest.approx([1 / S2, 1 / S3])
    assert first["share"].tolist() == pytest.approx(
        [(1 / S2) / (1 / S2 + 1 / S3), (1 / S3) / (1 / S2 + 1 / S3)]
    )
    assert why[why["product_id"] == "PD"]["because_of"].tolist() == ["PB"]  # PA-PD is 0
    assert len(model.explain(recs, n=1)) == 2
    with pytest.raises(ValueError, match="customer_id/product_id.*row 0"):
        model.explain(pd.DataFrame({"customer_id": ["u2"], "product_id": ["PX"]}))


# --- user CF -----------------------------------------------------------------------------------


def test_user_cf_by_hand(toy):
    one = r.UserCF(n_neighbours=1).fit(toy)
    # nearest: u1 -> u2 (0.8165), u2 -> u1 (0.8165), u3 -> u2 (0.5)
    assert [int(np.argmax(row)) for row in one.neighbours_.toarray()] == [1, 0, 1]
    assert recs_of(one.recommend(["u2"], k=5), "u2") == [("PC", 0.8165)]  # what u1 has more
    two = r.UserCF(n_neighbours=2).fit(toy).recommend(["u2", "u3"], k=5)
    assert recs_of(two, "u2") == [("PC", 0.8165), ("PD", 0.5)]
    # u3: PA from u2 (0.5) and u1 (0.4082); PC from u1
    assert recs_of(two, "u3") == [("PA", round(0.5 + 1 / S6, 4)), ("PC", round(1 / S6, 4))]


# --- popularity, ties, unknown customers -------------------------------------------------------


def test_popularity_ties_break_by_product_id(toy):
    model = r.PopularityRecommender().fit(toy)
    # buyers: PA 2, PB 3, PC 1, PD 1 -> PC and PD tie at 1: PC first (id order)
    assert recs_of(model.recommend(["u2"], k=5), "u2") == [("PC", 1.0), ("PD", 1.0)]
    new = model.recommend(["new"], k=3)  # a new customer gets the overall best sellers
    assert recs_of(new, "new") == [("PB", 3.0), ("PA", 2.0), ("PC", 1.0)]
    assert r.ItemCF().fit(toy).recommend(["new"], k=3).empty  # item CF has nothing to go on


def test_popularity_per_segment(toy):
    segments = pd.Series({"u1": "s", "u2": "s", "u3": "t", "u9": "t"})
    model = r.PopularityRecommender(segments=segments).fit(toy)
    # segment s (u1, u2): PA 2, PB 2, PC 1; segment t (u3): PB 1, PD 1
    assert model.segment_popularity_.loc["s"].tolist() == [2, 2, 1, 0]
    recs = model.recommend(["u9", "u2", "x"], k=2)
    assert recs_of(recs, "u9") == [("PB", 1.0), ("PD", 1.0)]  # new, but labelled t
    assert recs_of(recs, "u2") == [("PC", 1.0)]  # PD has no buyer in s: no candidate
    assert recs_of(recs, "x") == [("PB", 3.0), ("PA", 2.0)]  # no label: overall


# --- content and hybrid ------------------------------------------------------------------------


PRODUCTS = pd.DataFrame(
    {
        "product_id": ["PA", "PB", "PC", "PD", "PE"],
        "description": ["RED MUG", "BLUE MUG", "RED LAMP", "GARDEN SIGN", "GREEN MUG"],
        "category": ["Kitchen", "Kitchen", "Lighting", "Garden", "Kitchen"],
    }
)


def tfidf_by_hand(texts: list[str]) -> np.ndarray:
    """sklearn's default TF-IDF: raw counts x (ln((1 + n) / (1 + df)) + 1), rows unit length."""
    vocab = sorted({w for t in texts for w in t.split()})
    counts = np.array([[t.split().count(w) for w in vocab] for t in texts], dtype=float)
    df = (counts > 0).sum(axis=0)
    weights = counts * (np.log((1 + len(texts)) / (1 + df)) + 1)
    return weights / np.linalg.norm(weights, axis=1, keepdims=True)


def test_content_scores_match_a_hand_tfidf(lines):
    catalogue = r.interaction_matrix(lines, products=["PE"])  # PE: a new product
    model = r.ContentRecommender(PRODUCTS).fit(catalogue)
    texts = [
        f"{d.lower()} category_{c.lower()}"
        for d, c in zip(PRODUCTS["description"], PRODUCTS["category"], strict=True)
    ]
    features = tfidf_by_hand(texts)
    bought = catalogue.matrix.toarray()
    profile = bought @ features
    profile /= np.linalg.norm(profile, axis=1, keepdims=True)
    np.testing.assert_allclose(model.score().to_numpy(), profile @ features.T, atol=1e-9)
    # u3 bought BLUE MUG and GARDEN SIGN: the other two kitchen mugs share "mug" and the
    # category, RED LAMP shares nothing (no candidate). GREEN MUG (new: nobody bought it) comes
    # second: "green" is rarer than "red" (1 product, not 2), so its vector is longer.
    assert model.recommend(["u3"], k=3)["product_id"].tolist() == ["PA", "PE"]


def test_hybrid_blends_and_falls_back(lines):
    catalogue = r.interaction_matrix(lines, products=["PE"])
    item = r.ItemCF(n_neighbours=10)
    hybrid = r.HybridRecommender(
        {"item": (item, 1.0), "content": (r.ContentRecommender(PRODUCTS), 1.0)}
    ).fit(catalogue)
    content = r.ContentRecommender(PRODUCTS).fit(catalogue)
    item_scores, content_scores = item.score(["u2"]), content.score(["u2"])
    expected = item_scores.div(item_scores.max(axis=1), axis=0) + content_scores.div(
        content_scores.max(axis=1), axis=0
    )
    pd.testing.assert_frame_equal(hybrid.score(["u2"]), expected)
    assert "PE" in set(hybrid.recommend(["u2"], k=3)["product_id"])  # new product reached
    assert "PE" not in set(item.recommend(["u1", "u2", "u3"], k=3)["product_id"])
    new = hybrid.recommend(["someone new"], k=2)
    assert new["product_id"].tolist() == ["PB", "PA"]  # the popularity fallback
    with pytest.raises(ValueError, match="weight of 'item' must be > 0"):
        r.HybridRecommender({"item": (r.ItemCF(), 0)}).fit(catalogue)


# --- bad input ---------------------------------------------------------------------------------


def test_recommend_errors(toy):
    with pytest.raises(ValueError, match="not fitted yet"):
        r.ItemCF().recommend(["u1"])
    model = r.ItemCF().fit(toy)
    with pytest.raises(ValueError, match="k must be a whole number >= 1"):
        model.recommend(["u1"], k=0)
    with pytest.raises(ValueError, match="'u1' is given twice"):
        model.recommend(["u1", "u2", "u1"])
    with pytest.raises(ValueError, match="fit takes an Interactions"):
        r.ItemCF().fit(toy.matrix)
    with pytest.raises(ValueError, match="segments must be a Series"):
        r.PopularityRecommender(segments={"u1": "s"}).fit(toy)


# --- brute force on random data ----------------------------------------------------------------


def random_lines(seed: int = 3, n_customers: int = 40, n_products: int = 25) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    popularity = rng.dirichlet(np.ones(n_products)) * 4
    rows = []
    for c in range(n_customers):
        chosen = np.flatnonzero(rng.random(n_products) < np.clip(popularity, 0.03, 0.8))
        for p in chosen if len(chosen) else [c % n_products]:
            rows.append((f"I{c}-{p}", f"C{c:02d}", f"P{(p * 7) % n_products:02d}", 1))
    return pd.DataFrame(rows, columns=["invoice_id", "customer_id", "product_id", "quantity"])


def cosine(a: set, b: set) -> float:
    return len(a & b) / math.sqrt(len(a) * len(b)) if a and b else 0.0


def ranked(scores: dict, k: int) -> list[str]:
    """Positive scores, best first, ties by id (rounded as the module documents)."""
    items = [(-round(v, 10), p) for p, v in scores.items() if round(v, 10) > 0]
    return [p for _, p in sorted(items)[:k]]


def test_item_cf_matches_a_per_customer_loop(monkeypatch):
    monkeypatch.setattr(r, "BLOCK_ROWS", 7)  # several blocks, with a short last one
    lines = random_lines()
    buyers = lines.groupby("product_id")["customer_id"].agg(set).to_dict()
    bought = lines.groupby("customer_id")["product_id"].agg(set).to_dict()
    products = sorted(buyers)
    n = 5
    neighbours = {}
    for i in products:
        sims = {j: cosine(buyers[i], buyers[j]) for j in products if j != i}
        best = sorted((-round(v, 10), j) for j, v in sims.items() if round(v, 10) > 0)[:n]
        neighbours[i] = {j: sims[j] for _, j in best}
    recs = r.ItemCF(n_neighbours=n).fit(r.interaction_matrix(lines)).recommend(None, k=4)
    for customer, items in bought.items():
        scores: dict[str, float] = {}
        for i in items:
            for j, sim in neighbours[i].items():
                if j not in items:
                    scores[j] = scores.get(j, 0.0) + sim
        got = recs[recs["customer_id"] == customer]
        assert got["product_id"].tolist() == ranked(scores, 4), customer
        assert got["score"].tolist() == pytest.approx(
            [scores[p] for p in got["product_id"]], abs=1e-9
        )


def test_user_cf_matches_a_per_customer_loop(monkeypatch):
    monkeypatch.setattr(r, "BLOCK_ROWS", 6)
    lines = random_lines(seed=11)
    bought = lines.groupby("customer_id")["product_id"].agg(set).to_dict()
    customers = sorted(bought)
    n = 4
    recs = r.UserCF(n_neighbours=n).fit(r.interaction_matrix(lines)).recommend(None, k=3)
    for u in customers:
        sims = sorted((-round(cosine(bought[u], bought[v]), 10), v) for v in customers if v != u)
        nearest = [(v, -s) for s, v in sims[:n] if s < 0]
        scores: dict[str, float] = {}
        for v, sim in nearest:
            for p in bought[v] - bought[u]:
                scores[p] = scores.get(p, 0.0) + sim
        assert recs[recs["customer_id"] == u]["product_id"].tolist() == ranked(scores, 3), u


def test_similar_products_by_hand():
    # x: customers a, b; y: a, b, c; z: c, d. cos(x, y) = 2 / (sqrt 2 sqrt 3), cos(z, y) =
    # 1 / (sqrt 2 sqrt 3), cos(x, z) = 0 (no shared customer: not similar at all)
    lines = pd.DataFrame(
        {
            "customer_id": ["a", "a", "b", "b", "c", "c", "d"],
            "product_id": ["x", "y", "x", "y", "y", "z", "z"],
            "invoice_id": [str(i) for i in range(7)],
            "invoice_date": pd.Timestamp("2024-01-01"),
            "quantity": 1,
            "unit_price": 1.0,
        }
    )
    model = r.ItemCF().fit(r.interaction_matrix(lines))
    out = model.similar_products(["x", "z"], k=2)
    assert out[["product_id", "rank", "similar"]].values.tolist() == [["x", 1, "y"], ["z", 1, "y"]]
    assert out["similarity"].tolist() == pytest.approx([2 / 6**0.5, 1 / 6**0.5])
    with pytest.raises(ValueError, match="'q' is not a product"):
        model.similar_products("q")
    with pytest.raises(ValueError, match="no similarity between products"):
        r.PopularityRecommender().fit(r.interaction_matrix(lines)).similar_products("x")


@pytest.mark.parametrize("seed", range(5))
def test_top_k_bounds_never_lose_a_top_score(seed):
    # top_k prunes with a lower bound of each row's k-th largest score, top_k_sparse too;
    # both must give exactly the plain ranking: positive scores rounded to 10 decimals,
    # larger first, ties by the lower column
    import scipy.sparse as sp

    rng = np.random.default_rng(seed)
    for _ in range(60):
        n, m, k = rng.integers(1, 25), rng.integers(1, 300), rng.integers(1, 15)
        scores = np.round(rng.random((n, m)) * 3, 1) * (rng.random((n, m)) < 0.6)
        if rng.random() < 0.5:
            scores = np.round(scores)  # many ties
        scores[rng.random((n, m)) < 0.1] = -np.inf if rng.random() < 0.5 else -1.0
        expected = []
        for i in range(n):
            ranked = sorted((-round(v, 10), j) for j, v in enumerate(scores[i]) if round(v, 10) > 0)
            expected += [(i, j) for _, j in ranked[:k]]
        rows, cols, _ = r.top_k(scores, k)
        assert list(zip(rows.tolist(), cols.tolist(), strict=True)) == expected
        finite = np.where(np.isfinite(scores), scores, 0.0)
        rows, cols, _ = r.top_k_sparse(sp.csr_matrix(finite), k)
        assert list(zip(rows.tolist(), cols.tolist(), strict=True)) == expected

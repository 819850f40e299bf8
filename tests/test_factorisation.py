"""Tests of helpers.factorisation: ALS against a dense closed-form solve, BPR, fold-in.

Expected values come from independent code written here (dense ``numpy.linalg.solve`` on the
full confidence matrices of Hu, Koren & Volinsky 2008, the objective summed over every cell),
from the synthetic shop's planted pairs, and from the fitted model's own customers.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from helpers.datasets import load_clean_transactions, load_synthetic
from helpers.factorisation import ALSRecommender, BPRRecommender
from helpers.interactions import Interactions, interaction_matrix

# 6 customers x 5 products, counts; product "p5" is in the catalogue but nobody bought it
COUNTS = np.array(
    [
        [1, 0, 2, 0, 0],
        [0, 3, 0, 1, 0],
        [1, 1, 0, 0, 0],
        [0, 0, 1, 4, 0],
        [2, 0, 0, 1, 0],
        [0, 1, 1, 0, 0],
    ],
    dtype=float,
)


def small() -> Interactions:
    return Interactions(
        sp.csr_matrix(COUNTS),
        pd.Index([f"c{i}" for i in range(1, 7)], name="customer_id"),
        pd.Index([f"p{i}" for i in range(1, 6)], name="product_id"),
        "count",
    )


def dense_als(r, factors, regularization, alpha, iterations, seed):
    """Implicit ALS written from the paper: full C_u matrices and numpy.linalg.solve."""
    rng = np.random.default_rng(seed)
    x = rng.random((r.shape[0], factors)) * 0.01
    y = rng.random((r.shape[1], factors)) * 0.01
    p = (r > 0).astype(float)
    c = 1.0 + alpha * r
    eye = regularization * np.eye(factors)
    for _ in range(iterations):
        for u in range(r.shape[0]):
            cu = np.diag(c[u])
            x[u] = np.linalg.solve(y.T @ cu @ y + eye, y.T @ cu @ p[u])
        for i in range(r.shape[1]):
            ci = np.diag(c[:, i])
            y[i] = np.linalg.solve(x.T @ ci @ x + eye, x.T @ ci @ p[:, i])
    return x, y


def dense_objective(r, x, y, regularization, alpha):
    p = (r > 0).astype(float)
    c = 1.0 + alpha * r
    return float(np.sum(c * (p - x @ y.T) ** 2) + regularization * (np.sum(x**2) + np.sum(y**2)))


SETTINGS = {"factors": 3, "regularization": 0.1, "alpha": 2.0, "iterations": 4, "random_state": 7}


@pytest.mark.parametrize("solver", ["exact", "cg"])
def test_als_equals_dense_closed_form(solver):
    # CG with as many steps as factors solves a 3 x 3 system exactly (up to rounding)
    model = ALSRecommender(**SETTINGS, solver=solver, cg_steps=3, dtype="float64", n_threads=2)
    model.fit(small())
    x, y = dense_als(COUNTS, 3, 0.1, 2.0, 4, 7)
    np.testing.assert_allclose(model.user_factors_, x, atol=1e-6)
    np.testing.assert_allclose(model.item_factors_, y, atol=1e-6)
    assert np.abs(model.item_factors_[4]).max() < 1e-12  # nobody bought p5: its vector is 0
    scores = model.score(["c1"]).to_numpy()
    np.testing.assert_allclose(scores[0], x[0] @ y.T, atol=1e-6)


@pytest.mark.parametrize("solver", ["exact", "cg"])
def test_objective_decreases_every_sweep(solver):
    rng = np.random.default_rng(3)
    r = rng.poisson(0.4, (30, 20)).astype(float)
    data = Interactions(
        sp.csr_matrix(r),
        pd.Index([f"c{i:02d}" for i in range(30)], name="customer_id"),
        pd.Index([f"p{i:02d}" for i in range(20)], name="product_id"),
        "count",
    )
    model = ALSRecommender(
        factors=4, regularization=0.5, alpha=5.0, iterations=8, solver=solver,
        dtype="float64", track_objective=True,
    ).fit(data)  # fmt: skip
    assert len(model.objective_) == 8
    assert np.all(np.diff(model.objective_) < 0)
    expected = dense_objective(r, model.user_factors_, model.item_factors_, 0.5, 5.0)
    assert model.objective() == pytest.approx(expected, rel=1e-9)
    assert model.objective_[-1] == pytest.approx(expected, rel=1e-9)


def test_cg_close_to_exact_with_few_steps():
    # the default 3 CG steps on 8 factors, warm-started: ALS converges slowly from its small
    # random start either way, and the CG sweeps follow the exact ones closely
    rng = np.random.default_rng(5)
    r = rng.poisson(0.5, (40, 25)).astype(float)
    data = Interactions(
        sp.csr_matrix(r),
        pd.Index([f"c{i:02d}" for i in range(40)], name="customer_id"),
        pd.Index([f"p{i:02d}" for i in range(25)], name="product_id"),
    )
    for iterations, slack in [(10, 1.08), (40, 1.02)]:
        kwargs = {"factors": 8, "regularization": 0.1, "alpha": 10.0, "iterations": iterations}
        exact = ALSRecommender(**kwargs, solver="exact", dtype="float64").fit(data)
        cg = ALSRecommender(**kwargs, dtype="float64").fit(data)
        assert cg.objective() < slack * exact.objective()


@pytest.fixture(scope="module")
def synthetic():
    clean, _ = load_clean_transactions("synthetic")
    return interaction_matrix(clean), load_synthetic().bought_together


def planted_hits(model, pairs, k=10):
    hits = 0
    for a, b in pairs[["product_a", "product_b"]].itertuples(index=False):
        hits += b in set(model.similar_products(a, k)["similar"])
        hits += a in set(model.similar_products(b, k)["similar"])
    return hits


@pytest.mark.parametrize(
    "model",
    [
        ALSRecommender(factors=16, iterations=8),
        BPRRecommender(factors=16, iterations=20, batch_size=4096),
    ],
    ids=["als", "bpr"],
)
def test_planted_pairs_are_similar(synthetic, model):
    data, pairs = synthetic
    model.fit(data)
    chance = 10 / (data.shape[1] - 1)  # a random list of 10 of the other products
    hits = planted_hits(model, pairs)
    assert hits / (2 * len(pairs)) >= max(0.75, 10 * chance)


def purchases_of(data, customers):
    out = {}
    for customer in customers:
        row = data.matrix[data.customers.get_loc(customer)]
        out[customer] = pd.Series(row.data, index=data.products[row.indices])
    return out


def overlap(a, b, customers):
    both = pd.merge(a, b, on=["customer_id", "product_id"])
    return both.groupby("customer_id").size().reindex(customers, fill_value=0) / 10


def test_als_fold_in_of_known_customers(synthetic):
    data, _ = synthetic
    model = ALSRecommender(factors=16, iterations=8).fit(data)
    customers = list(data.customers[:150])
    purchases = purchases_of(data, customers)
    folded = model.fold_in(purchases)
    assert list(folded.index) == customers and folded.shape == (150, 16)
    fitted = model.user_factors_[:150]
    error = np.linalg.norm(folded.to_numpy() - fitted, axis=1) / np.linalg.norm(fitted, axis=1)
    assert np.median(error) < 0.15 and error.max() < 0.5
    # the fold-in is the exact least-squares solve against the fixed product vectors
    y = model.item_factors_.astype(float)
    r = np.zeros(data.shape[1])
    r[data.products.get_indexer(purchases[customers[0]].index)] = purchases[customers[0]]
    c = 1.0 + 40.0 * r
    system = y.T @ np.diag(c) @ y + 0.01 * np.eye(16)
    expected = np.linalg.solve(system, y.T @ (c * (r > 0)))
    np.testing.assert_allclose(folded.iloc[0], expected, rtol=1e-4, atol=1e-6)
    new = model.recommend_new(purchases, 10)
    old = model.recommend(customers, 10)
    assert list(new.columns) == list(old.columns)
    assert overlap(old, new, customers).mean() >= 0.8
    for customer in customers[:20]:  # purchases left out
        mine = new.loc[new["customer_id"] == customer, "product_id"]
        assert not set(mine) & set(purchases[customer].index)


def test_bpr_fold_in_and_scores(synthetic):
    data, _ = synthetic
    model = BPRRecommender(factors=16, iterations=20, batch_size=4096).fit(data)
    customers = list(data.customers[:150])
    new = model.recommend_new(purchases_of(data, customers), 10)
    old = model.recommend(customers, 10)
    assert overlap(old, new, customers).mean() >= 0.6
    scores = model.score(customers[:5]).to_numpy()
    raw = model.user_factors_[:5] @ model.item_factors_.T + model.item_biases_
    np.testing.assert_allclose(scores, raw - raw.min(axis=1, keepdims=True), atol=1e-5)
    # a list of products (binary) works as well as a Series of values
    listed = model.recommend_new({"new": ["P1003", "P1274"]}, 5)
    assert list(listed["rank"]) == [1, 2, 3, 4, 5]


def test_similar_products_is_cosine_of_item_factors():
    model = ALSRecommender(**SETTINGS, dtype="float64").fit(small())
    y = model.item_factors_
    assert not y[4].any()  # p5, bought by nobody, has a zero vector: similar to nothing
    unit = y[:4] / np.linalg.norm(y[:4], axis=1, keepdims=True)
    cosine = unit[0] @ unit[1:].T  # p1 against p2, p3, p4
    order = np.argsort(-cosine)
    order = order[cosine[order] > 0]
    out = model.similar_products("p1", k=3)
    assert list(out["similar"]) == [f"p{i + 2}" for i in order]
    np.testing.assert_allclose(out["similarity"], cosine[order], atol=1e-9)


def test_unknown_customer_gets_nothing_and_reproducible():
    data = small()
    a = ALSRecommender(factors=2, iterations=3).fit(data)
    b = ALSRecommender(factors=2, iterations=3, n_threads=1).fit(data)
    np.testing.assert_allclose(a.user_factors_, b.user_factors_, rtol=1e-5)
    c = ALSRecommender(factors=2, iterations=3, random_state=1).fit(data)
    assert not np.allclose(a.item_factors_, c.item_factors_)
    assert a.recommend(["nobody"], 3).empty
    d = BPRRecommender(factors=2, iterations=3).fit(data)
    e = BPRRecommender(factors=2, iterations=3).fit(data)
    np.testing.assert_array_equal(d.item_factors_, e.item_factors_)


@pytest.mark.parametrize(
    ("model", "message"),
    [
        (ALSRecommender(factors=0), "factors must be a whole number >= 1"),
        (ALSRecommender(alpha=0), "alpha must be > 0"),
        (ALSRecommender(regularization=-1), "regularization must be >= 0"),
        (ALSRecommender(iterations=2.5), "iterations must be a whole number"),
        (ALSRecommender(solver="lu"), "solver must be 'cg' or 'exact'"),
        (ALSRecommender(dtype="int64"), "dtype must be 'float32' or 'float64'"),
        (ALSRecommender(n_threads=0), "n_threads must be a whole number"),
        (BPRRecommender(learning_rate=0), "learning_rate must be > 0"),
        (BPRRecommender(batch_size=0), "batch_size must be a whole number"),
    ],
)
def test_bad_parameters(model, message):
    with pytest.raises(ValueError, match=message):
        model.fit(small())


def test_bad_purchases():
    model = ALSRecommender(factors=2, iterations=2)
    with pytest.raises(ValueError, match="not fitted"):
        model.fold_in({"new": ["p1"]})
    model.fit(small())
    with pytest.raises(ValueError, match="'p9' is not a product of the fitted matrix"):
        model.fold_in({"new": ["p1", "p9"]})
    with pytest.raises(ValueError, match="purchases of 'new' must be > 0"):
        model.recommend_new({"new": pd.Series([1.0, 0.0], index=["p1", "p2"])})
    with pytest.raises(ValueError, match="'p1' is given twice"):
        model.fold_in({"new": ["p1", "p1"]})
    with pytest.raises(ValueError, match="purchases must be a mapping"):
        model.fold_in(["p1"])
    with pytest.raises(ValueError, match="k must be"):
        model.recommend_new({"new": ["p1"]}, k=0)

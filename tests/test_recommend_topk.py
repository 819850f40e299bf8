"""helpers.recommend's ranking machinery: sparse rows in any column order, the one-key sort,
item CF's product with the purchases removed inside it, and its threads.

Expected rankings come from plain Python sorts of ``(-round(score, 10), column)`` and plain
loops over the customers, never from the module's own output.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from helpers import recommend as r


def plain_ranking(rows: list[dict[int, float]], k: int) -> list[tuple[int, int]]:
    """(row, column) of each row's top k positive rounded scores, ties by the lower column."""
    out = []
    for i, scores in enumerate(rows):
        ranked = sorted((-round(v, 10), j) for j, v in scores.items() if round(v, 10) > 0)
        out += [(i, j) for _, j in ranked[:k]]
    return out


def random_values(rng: np.random.Generator, size: int, largest: float) -> np.ndarray:
    """Multiples of 1e-10 up to ``largest``: many equal, some 1e-10 apart, a few <= 0."""
    steps = rng.integers(1, 6, size) * int(largest * 1e10) // 5  # largest / 5 .. largest
    steps = steps + rng.integers(0, 3, size) * (rng.random(size) < 0.3)  # 1e-10 apart
    values = steps * 1e-10
    values[rng.random(size) < 0.1] = -np.inf
    values[rng.random(size) < 0.05] = -1.0
    values[rng.random(size) < 0.05] = 0.0
    return values


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("largest", [3.0, 5e4])  # the second: scores >= 1e4 (lexsort)
def test_top_k_sparse_rows_in_any_column_order(seed, largest):
    # rows of every length (0, <= k, between k and 8k, longer), columns shuffled within
    # each row as a sparse product leaves them, -inf / negative / zero entries
    rng = np.random.default_rng(seed)
    for _ in range(40):
        n, m, k = int(rng.integers(1, 12)), int(rng.integers(1, 400)), int(rng.integers(1, 12))
        rows, indptr, indices, data = [], [0], [], []
        for _ in range(n):
            length = int(rng.integers(0, m + 1))
            columns = rng.permutation(m)[:length]
            values = random_values(rng, length, largest)
            rows.append(dict(zip(columns.tolist(), values.tolist(), strict=True)))
            indices += columns.tolist()
            data += values.tolist()
            indptr.append(len(indices))
        scores = sp.csr_matrix((data, indices, indptr), shape=(n, m))
        got_r, got_c, got_v = r.top_k_sparse(scores, k)
        expected = plain_ranking(rows, k)
        assert list(zip(got_r.tolist(), got_c.tolist(), strict=True)) == expected
        assert got_v.tolist() == [round(rows[i][j], 10) for i, j in expected]


def test_rank_order_is_the_lexsort_of_row_score_column():
    # the one-key sort (scores < 1e4, key within 63 bits) and both fallbacks (a score of
    # 1e4 or more; a key too wide: many rows x a wide spread of scores x many columns)
    rng = np.random.default_rng(7)
    for largest, n_rows, n_columns in [(3.0, 50, 30), (2e4, 50, 30), (9e3, 3000, 4000)]:
        size = 5000
        rows = np.sort(rng.integers(0, n_rows, size))
        columns = rng.integers(0, n_columns, size)
        keep = ~pd.DataFrame({"r": rows, "c": columns}).duplicated().to_numpy()
        rows, columns = rows[keep], columns[keep]
        values = np.abs(random_values(rng, len(rows), largest))
        values[~np.isfinite(values) | (values == 0)] = 1e-10
        values[0], values[-1] = 1e-10, largest  # the widest spread
        expected = np.lexsort((columns, -values, rows))
        assert np.array_equal(r._rank_order(rows, columns, values), expected)


def test_csr_product_is_scipys_product():
    rng = np.random.default_rng(1)
    a = sp.random(60, 40, density=0.08, format="csr", random_state=2)
    a = sp.csr_matrix(a.multiply(rng.random(a.shape) < 0.9))  # some empty rows
    b = sp.random(40, 50, density=0.1, format="csr", random_state=3)
    indptr, indices, data = r._csr_product(a.indptr, a.indices, a.data, b)
    got = sp.csr_matrix((data, indices, indptr), shape=(60, 50))
    assert np.array_equal(got.toarray(), (a @ b).toarray())  # the same sums, bit for bit
    block = r._rows_csr(a, np.array([5, -1, 7, 5]))  # any rows, an unknown one empty
    indptr, indices, data = r._csr_product(*block, b)
    got = sp.csr_matrix((data, indices, indptr), shape=(4, 50)).toarray()
    expected = (a @ b).toarray()[[5, 0, 7, 5]]
    expected[1] = 0.0
    assert np.array_equal(got, expected)


def shop(seed: int = 5, n_customers: int = 45, n_products: int = 30) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    popularity = np.clip(rng.dirichlet(np.ones(n_products)) * 5, 0.02, 0.7)
    lines = []
    for c in range(n_customers):
        chosen = np.flatnonzero(rng.random(n_products) < popularity)
        for p in chosen if len(chosen) else [c % n_products]:
            for _ in range(int(rng.integers(1, 3))):  # counts of 1 or 2 invoices
                lines.append(
                    (f"I{c}-{p}-{len(lines)}", f"C{c:02d}", f"P{(p * 7) % n_products:02d}")
                )
    return pd.DataFrame(lines, columns=["invoice_id", "customer_id", "product_id"]).assign(
        invoice_date=pd.Timestamp("2024-01-01"), quantity=1, unit_price=1.0
    )


def loop_recommendations(model: r.ItemCF, k: int, exclude: bool) -> pd.DataFrame:
    """Each customer on its own: weight x similarity row summed over what they bought."""
    data = model.interactions_
    similarity = model.similarity_.toarray().tolist()
    products = list(data.products)
    out = []
    for i, customer in enumerate(data.customers):
        row = data.matrix[i]
        bought = dict(zip(row.indices.tolist(), row.data.tolist(), strict=True))
        scores: dict[int, float] = {}
        for p, weight in bought.items():
            for j, sim in enumerate(similarity[p]):
                if sim > 0 and not (exclude and j in bought):
                    scores[j] = scores.get(j, 0.0) + weight * sim
        for rank, (_, j) in enumerate(plain_ranking([scores], k), start=1):
            out.append((customer, rank, products[j], scores[j]))
    return pd.DataFrame(out, columns=["customer_id", "rank", "product_id", "score"])


@pytest.mark.parametrize("exclude", [True, False])
def test_item_cf_threads_blocks_and_products_agree_with_a_loop(monkeypatch, exclude):
    matrix = r.interaction_matrix(shop(), value="count")
    one = r.ItemCF(n_neighbours=6, n_threads=1).fit(matrix).recommend(None, 4, exclude)
    expected = loop_recommendations(r.ItemCF(n_neighbours=6).fit(matrix), 4, exclude)
    assert one[["customer_id", "rank", "product_id"]].equals(
        expected[["customer_id", "rank", "product_id"]]
    )
    assert one["score"].to_numpy() == pytest.approx(expected["score"].to_numpy(), abs=1e-9)
    monkeypatch.setattr(r, "BLOCK_ROWS", 4)  # blocks of 4 customers, in 1, 2 or 3 threads
    for threads in (1, 2, 3):
        model = r.ItemCF(n_neighbours=6, n_threads=threads).fit(matrix)
        pd.testing.assert_frame_equal(model.recommend(None, 4, exclude), one, check_exact=True)
    monkeypatch.setattr(r, "_csr_matmat", None)  # scipy's public product: the same sums
    model = r.ItemCF(n_neighbours=6, n_threads=2).fit(matrix)
    pd.testing.assert_frame_equal(model.recommend(None, 4, exclude), one, check_exact=True)
    # customers in any order, one unknown (no recommendation): the rows of the full frame
    asked = ["C07", "nobody", "C01", "C30", "C02"]
    got = model.recommend(asked, 4, exclude)
    expected = pd.concat([one[one["customer_id"] == c] for c in asked], ignore_index=True)
    pd.testing.assert_frame_equal(got, expected, check_exact=True)


def test_a_changed_private_routine_falls_back_to_the_public_product(monkeypatch):
    matrix = r.interaction_matrix(shop(), value="count")
    want = r.ItemCF(n_neighbours=6).fit(matrix).recommend(None, 4)
    assert r._matmat_works(r._csr_matmat)  # the installed scipy's routine is used

    def moved(*args):  # a scipy whose routine takes other arguments
        raise TypeError("csr_matmat() takes 12 arguments")

    def wrong(n_row, n_col, *arrays):  # or means something else: writes nothing
        arrays[-3][:] = 0

    for routine in (moved, wrong):
        assert not r._matmat_works(routine)
        monkeypatch.setattr(r, "_csr_matmat", routine)
        got = r.ItemCF(n_neighbours=6).fit(matrix).recommend(None, 4)
        pd.testing.assert_frame_equal(got, want, check_exact=True)


def test_n_threads_is_checked():
    matrix = r.interaction_matrix(shop())
    for bad in (0, -1, 1.5, True, "2"):
        with pytest.raises(ValueError, match=r"n_threads must be a whole number >= 1"):
            r.ItemCF(n_threads=bad).fit(matrix)
    assert r.ItemCF(n_threads=None).fit(matrix).recommend(None, 3).shape[0] > 0

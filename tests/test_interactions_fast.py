"""helpers.interactions built from integer codes: equal to a plain construction on varied lines.

The reference below knows nothing of codes or runs: ids made text with ``astype(str)``, a
pandas group-by (``sort=False``) for each purchase's largest weight, then a Python loop per
cell over the purchases in the order they first appear (a count sums them with Kahan's
compensated sum, as pandas' group-by sum does), and Python's ``sorted`` for the customers and
products. The fast matrix must give the same indexes and the same values, bit for bit.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import id_runs
from helpers import interactions as it
from helpers.interactions import interaction_matrix

DAY0 = pd.Timestamp("2024-03-01")
TEXT = ["a", "b", "a\0b", "a\0", "", "é", "€uro", "Z", "10", "9", "customer-000123456789", "ab"]
NUMBERS = [9, 10, 100, 0, -1, 2**40]


def kahan(values: list[float]) -> float:
    """Kahan's compensated sum, in order (the loop of pandas' group_sum)."""
    total = compensation = 0.0
    for value in values:
        y = value - compensation
        t = total + y
        compensation = (t - total) - y
        total = t
    return total


def reference(lines, value="binary", half_life_days=None, as_of=None, products=None):
    """Indexes and dense matrix made without codes (see the module docstring)."""
    if as_of is not None:
        as_of = pd.Timestamp(as_of)
        lines = lines[lines["invoice_date"] < as_of]
    frame = pd.DataFrame(
        {
            "c": lines["customer_id"].astype(str),
            "p": lines["product_id"].astype(str),
            "i": lines["invoice_id"].astype(str),
            "w": 1.0,
        }
    )
    if half_life_days is not None:  # the documented weight, 0.5 ** (age in days / half-life)
        dates = lines["invoice_date"]
        end = dates.max() if as_of is None else as_of
        age = (end - dates).dt.total_seconds().to_numpy() / 86_400.0
        frame["w"] = 0.5 ** (np.maximum(age, 0.0) / half_life_days)
    # each (customer, product, invoice) once, with its largest weight, in the order of first
    # appearance (as a group-by with sort=False; in plain Python, since pandas 3.0.0's
    # hashing takes "a" and "a\0" for one key)
    purchases: dict[tuple[str, str, str], float] = {}
    keys = zip(frame["c"], frame["p"], frame["i"], strict=True)
    for key, weight in zip(keys, frame["w"], strict=True):
        purchases[key] = max(purchases.get(key, -np.inf), weight)
    cells: dict[tuple[str, str], list[float]] = {}
    for (customer, product, _), weight in purchases.items():
        cells.setdefault((customer, product), []).append(weight)
    customers = sorted(set(frame["c"]))
    catalogue = set(frame["p"])
    if products is not None:
        catalogue |= set(pd.Index(list(products)).astype(str))
    catalogue = sorted(catalogue)
    dense = np.zeros((len(customers), len(catalogue)))
    row = {c: k for k, c in enumerate(customers)}
    col = {p: k for k, p in enumerate(catalogue)}
    for (customer, product), weights in cells.items():
        dense[row[customer], col[product]] = kahan(weights) if value == "count" else max(weights)
    return customers, catalogue, dense, len(cells)


def assert_same(lines, **options):
    got = interaction_matrix(lines, **options)
    customers, products, dense, n_cells = reference(lines, **options)
    assert got.customers.tolist() == customers
    assert got.products.tolist() == products
    assert got.customers.name == "customer_id" and got.products.name == "product_id"
    if customers:
        assert got.customers.dtype == "str"
    if products:
        assert got.products.dtype == "str"
    matrix = got.matrix
    assert matrix.shape == dense.shape
    assert matrix.has_canonical_format and matrix.nnz == n_cells  # no stored zero, no repeat
    assert np.array_equal(matrix.toarray(), dense)  # bit for bit
    return got


def make_lines(rows, pool, dtype) -> pd.DataFrame:
    """Order lines from (customer, product, invoice, day, quantity) drawn from ``pool``."""
    frame = pd.DataFrame(
        {
            "invoice_id": pd.Series([pool[r[2]] for r in rows], dtype=dtype),
            "invoice_date": [DAY0 + pd.Timedelta(hours=r[3]) for r in rows],
            "customer_id": pd.Series([pool[r[0]] for r in rows], dtype=dtype),
            "product_id": pd.Series([pool[r[1]] for r in rows], dtype=dtype),
            "quantity": [r[4] for r in rows],
        }
    )
    frame["invoice_date"] = pd.to_datetime(frame["invoice_date"])
    return frame


POOLS = {"text": (TEXT, "str"), "object text": (TEXT, object), "numbers": (NUMBERS, "int64")}
OPTIONS = [
    {},
    {"value": "count"},
    {"half_life_days": 3.0},
    {"value": "count", "half_life_days": 0.7},
]


def line_rows(pool_size: int):
    """Lines as tuples of pool positions, hours after DAY0 (0 to 2 weeks) and a quantity."""
    index = st.integers(0, pool_size - 1)
    line = st.tuples(index, index, index, st.integers(0, 24 * 14), st.integers(1, 5))
    return st.lists(line, min_size=1, max_size=40)


@pytest.mark.parametrize("pool", list(POOLS))
@pytest.mark.parametrize("options", OPTIONS, ids=["binary", "count", "latest", "weighted"])
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_equals_the_plain_construction(pool, options, data):
    ids, dtype = POOLS[pool]
    rows = data.draw(line_rows(len(ids)))
    lines = make_lines(rows, ids, dtype)
    assert_same(lines, **options)
    # as_of: the lines at or after it (a return among them) are not looked at
    cut = data.draw(st.integers(0, 24 * 15))
    as_of = DAY0 + pd.Timedelta(hours=cut)
    late = lines["invoice_date"] >= as_of
    lines.loc[late, "quantity"] = data.draw(st.sampled_from([-2, 0, 3]))
    catalogue = data.draw(st.lists(st.sampled_from(ids + ["zz", 7]), max_size=4))
    assert_same(lines, as_of=as_of, products=catalogue, **options)


def test_text_and_numbers_are_one_id_as_text():
    # astype(str): the number 7 and the text "7" are one customer; "10" sorts before "9"
    lines = make_lines(
        [(0, 2, 2, 1, 1), (1, 2, 3, 2, 1), (3, 4, 4, 3, 1)], [7, "7", 9, 10, "é"], object
    )  # customer 7 and "7" bought product 9 on invoices 9 and 10; customer 10 bought "é"
    got = assert_same(lines, value="count")
    assert got.customers.tolist() == ["10", "7"]
    assert got.matrix.toarray().tolist() == [[0.0, 1.0], [2.0, 0.0]]  # customer "7", 2 invoices


def test_nul_and_unicode_ids_stay_apart():
    pool = ["a", "a\0b", "a\0", "é", "e"]
    rows = [(1, 0, 0, 1, 1), (0, 1, 0, 1, 1), (2, 3, 1, 2, 1), (0, 4, 2, 3, 1), (3, 2, 3, 4, 1)]
    for dtype in ("str", object):
        got = assert_same(make_lines(rows, pool, dtype))
        assert got.customers.tolist() == ["a", "a\0", "a\0b", "é"]
        assert got.products.tolist() == ["a", "a\0", "a\0b", "e", "é"]


def test_one_customer_one_product_and_duplicate_lines():
    rows = [(0, 0, 0, 5, 1)] * 3 + [(0, 0, 1, 9, 2)]
    for options in OPTIONS:
        got = assert_same(make_lines(rows, ["solo", "x"], "str"), **options)
        assert got.shape == (1, 1)
    # one purchase on three lines counts once; two invoices count twice
    assert (
        interaction_matrix(make_lines(rows, ["solo", "x"], "str"), value="count").matrix[0, 0] == 2
    )


def test_nothing_before_as_of_and_a_catalogue():
    lines = make_lines([(0, 1, 0, 5, 1)], ["c", "p"], "str")
    got = interaction_matrix(lines, as_of=DAY0, products=["q", "p"])
    assert got.shape == (0, 2) and got.products.tolist() == ["p", "q"]
    assert interaction_matrix(lines, as_of=DAY0).shape == (0, 0)


def test_a_return_before_as_of_is_refused_naming_the_row():
    lines = make_lines([(0, 1, 0, 5, 1), (0, 1, 1, 30, -1)], ["c", "p"], "str")
    with pytest.raises(ValueError, match=r"'quantity' must be > 0.*row 1"):
        interaction_matrix(lines)
    with pytest.raises(ValueError, match=r"'quantity' must be > 0.*1 row\(s\).*row 1"):
        interaction_matrix(lines, as_of=DAY0 + pd.Timedelta(days=2))
    assert interaction_matrix(lines, as_of=DAY0 + pd.Timedelta(hours=30)).shape == (1, 1)


def test_a_missing_id_after_as_of_is_not_looked_at():
    lines = make_lines([(0, 1, 0, 5, 1), (0, 1, 1, 30, 1)], ["c", "p"], "str")
    lines.loc[1, "customer_id"] = None
    got = interaction_matrix(lines, as_of=DAY0 + pd.Timedelta(hours=30))
    assert got.customers.tolist() == ["c"]
    with pytest.raises(ValueError, match=r"'customer_id' must be present.*row 1"):
        interaction_matrix(lines)


def test_other_column_names_and_an_integer_index():
    lines = make_lines([(0, 1, 0, 5, 1), (2, 1, 1, 6, 1)], ["k", "sku", "m"], "str")
    lines.index = [10, 20]
    renamed = lines.rename(columns={"customer_id": "client", "product_id": "item"})
    got = interaction_matrix(renamed, value="count", customer_col="client", product_col="item")
    assert (got.customers.name, got.products.name) == ("client", "item")
    assert got.customers.tolist() == ["k", "m"] and got.matrix.toarray().tolist() == [[1], [1]]


@pytest.mark.parametrize("options", OPTIONS, ids=["binary", "count", "latest", "weighted"])
def test_keys_too_wide_for_one_integer_are_sorted_by_lexsort(options, monkeypatch):
    # ids too many for one int64 key (not reachable in memory): the lexsort way, same matrix
    monkeypatch.setattr(it, "_SPAN", 4)
    rng = np.random.default_rng(6)
    rows = [
        tuple(int(x) for x in rng.integers(0, len(TEXT), 3)) + (7 * k % 300, 1) for k in range(80)
    ]
    assert_same(make_lines(rows, TEXT, "str"), **options)


@pytest.mark.parametrize("span", ["scipy", "lexsort"])
def test_order_sorts_by_row_then_keys_ties_in_line_order(span):
    rng = np.random.default_rng(1)
    rows = rng.integers(0, 4, 200)
    first = rng.integers(0, 3, 200)
    second = rng.integers(0, 2, 200)
    size = 3 if span == "scipy" else 2**40  # 200 * 2**40 * 2**40 does not fit in 63 bits
    order = it._order(rows, [(first, size), (second, size)], 4)
    want = sorted(range(200), key=lambda j: (rows[j], first[j], second[j], j))
    assert order.tolist() == want


def test_compensated_sums_equal_kahan_per_cell():
    rng = np.random.default_rng(2)
    sizes = rng.integers(1, 6, 300)
    starts = np.r_[0, np.cumsum(sizes)[:-1]]
    values = rng.random(int(sizes.sum())) ** 3
    got = it._compensated_sums(values, starts)
    want = [kahan(values[a : a + n].tolist()) for a, n in zip(starts, sizes, strict=True)]
    assert got.tolist() == want


@pytest.mark.parametrize("dtype", ["str", object])
def test_id_runs_line_codes_equal_sorted(dtype):
    rng = np.random.default_rng(4)
    ids = [TEXT[k] for k in rng.integers(0, len(TEXT), 300)]
    distinct = sorted(set(ids))
    for coder in (id_runs.text_line_codes, id_runs.few_text_codes):
        codes, index = coder(pd.Series(ids, dtype=dtype))
        assert index.tolist() == distinct
        assert [distinct[c] for c in codes] == ids
    assert id_runs.text_line_codes(pd.Series([1, 2], dtype=object)) is None
    assert id_runs.few_text_codes(pd.Series([1, "a"], dtype=object)) is None
    assert id_runs.few_text_codes(pd.Series([1, 2])) is None


SHORT = [i for i in TEXT if "\0" not in i and len(i.encode()) <= 8]  # ids of one 8-byte word


@pytest.mark.parametrize("pool", [SHORT, TEXT], ids=["short", "any"])
@pytest.mark.parametrize("dtype", ["str", object])
@pytest.mark.parametrize("apart", [False, True], ids=["together", "apart"])
def test_id_runs_line_groups_share_a_code_exactly_when_ids_are_equal(pool, dtype, apart):
    rng = np.random.default_rng(7)
    if apart:  # an id may come back after others (an invoice in two runs)
        ids = [pool[k] for k in rng.integers(0, len(pool), 300)]
    else:  # every id in one run, as the lines of an invoice usually come
        order = rng.permutation(len(pool))
        ids = [pool[k] for k in order for _ in range(int(rng.integers(1, 4)))]
    codes, n_distinct = id_runs.text_line_groups(pd.Series(ids, dtype=dtype))
    assert n_distinct == len(set(ids))
    assert sorted(set(codes.tolist())) == list(range(n_distinct))
    first_code = {}
    for code, id_ in zip(codes.tolist(), ids, strict=True):
        assert first_code.setdefault(id_, code) == code  # one id, one code
    assert len(set(first_code.values())) == n_distinct  # two ids, two codes
    assert id_runs.text_line_groups(pd.Series([1, 2], dtype=object)) is None
    assert id_runs.text_line_groups(pd.Series([], dtype="str")) is None


def test_an_invoice_in_two_runs_counts_once():
    # invoice "i1" comes back after "i2": the count of (c, x) is 2 invoices, not 3 runs
    rows = [(0, 1, 2, 0, 1), (0, 1, 3, 1, 1), (0, 1, 2, 2, 1), (0, 4, 2, 2, 1)]
    lines = make_lines(rows, ["c", "x", "i1", "i2", "y"], "str")
    got = assert_same(lines, value="count")
    assert got.matrix.toarray().tolist() == [[2.0, 1.0]]


def test_weighted_counts_sum_the_purchases_in_the_order_of_the_lines():
    # Four invoices of one cell, their ids in the reverse order of their dates (codes sort
    # them backwards). Half-life 0.7 days, ages from the last line (hour 271): weights
    # 0.5 ** (age / 0.7) = 1.39e-05, 0.00323, 0.1438, 1. Kahan's sum in the lines' order
    # (pandas' group-by) is 1.147069380721518; backwards it would be 1.1470693807215178.
    hours = [0, 132, 224, 271]
    weights = [0.5 ** ((271 - h) / 24 / 0.7) for h in hours]
    assert kahan(weights) != kahan(weights[::-1])  # the order shows in the last bit
    lines = pd.DataFrame(
        {
            "invoice_id": ["d", "c", "b", "a"],
            "invoice_date": [DAY0 + pd.Timedelta(hours=h) for h in hours],
            "customer_id": "k",
            "product_id": "p",
            "quantity": 1,
        }
    )
    got = interaction_matrix(lines, value="count", half_life_days=0.7)
    assert got.matrix[0, 0] == kahan(weights) == 1.147069380721518


def test_coded_cells_in_any_order_give_the_matrix_of_the_text_cells():
    """Interactions.from_codes: ids numbered in another order (an engine's) are sorted here."""
    from helpers.interactions import Interactions

    cells = pd.DataFrame(
        {
            "customer_id": ["b", "a", "b", "c", "10", "9"],
            "product_id": ["P2", "P1", "P1", "P3", "P2", "P1"],
            "value": [1.0, 2.0, 3.0, 1.0, 5.0, 1.0],
        }
    )
    expected = Interactions.from_frame(cells, value="count", products=["P9"])
    customers = ["c", "b", "a", "9", "10"]  # numbered backwards, "9" before "10"
    products = ["P3", "P2", "P1"]
    got = Interactions.from_codes(
        np.array([customers.index(c) for c in cells["customer_id"]]),
        np.array([products.index(p) for p in cells["product_id"]]),
        cells["value"].to_numpy(),
        customers,
        products,
        value="count",
        catalogue=["P9"],
    )
    assert list(got.customers) == ["10", "9", "a", "b", "c"] == list(expected.customers)
    assert list(got.products) == ["P1", "P2", "P3", "P9"] == list(expected.products)
    assert got.customers.name == "customer_id" and got.products.name == "product_id"
    assert (got.matrix != expected.matrix).nnz == 0
    assert got.matrix[3, 1] == 1.0 and got.matrix[0, 1] == 5.0  # ("b", "P2"), ("10", "P2")
    with pytest.raises(ValueError, match="must appear once"):
        Interactions.from_codes([0, 0], [1, 1], [1.0, 1.0], ["a"], ["x", "y"])
    with pytest.raises(ValueError, match="must be > 0"):
        Interactions.from_codes([0], [0], [0.0], ["a"], ["x"])

"""Tests of helpers.id_runs: runs of one customer and sorted codes, against a plain loop."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers import id_runs
from helpers.id_runs import customer_runs


def _reference(ids: list) -> tuple[list[int], list[int], list]:
    """Runs by a loop over the lines, codes by Python's sorted() of the distinct ids."""
    starts = [i for i in range(len(ids)) if i == 0 or ids[i] != ids[i - 1]]
    distinct = sorted(set(ids))
    position = {value: code for code, value in enumerate(distinct)}
    return starts, [position[ids[i]] for i in starts], distinct


def _lines(rng: np.random.Generator, pool: list[str], n: int) -> list[str]:
    """``n`` ids drawn from ``pool`` in runs of 1-4 lines (as invoices come)."""
    out: list[str] = []
    while len(out) < n:
        out += [pool[rng.integers(len(pool))]] * int(rng.integers(1, 5))
    return out[:n]


POOLS = {
    # at most 5 bytes: the zero padding's digits are skipped by the radix sort
    "short": ["", "a", "ab", "abc", "b", "B", "é", "10", "9", "99999", "a\x01"],
    # exactly 8 bytes: one word, every digit sorted
    "eight bytes": ["aaaaaaaa", "aaaaaaab", "zzzzzzzz", "00000001", "éééé", "Aaaaaaaa"],
    # longer than a word, prefixes of each other (several words)
    "long": ["z" * 9, "z" * 8, "zz", "customer-00012", "customer-0001", "€uro-customer", "b"],
}


@pytest.mark.parametrize("pool", list(POOLS))
@pytest.mark.parametrize("dtype", ["str", object])
@pytest.mark.parametrize("block", [None, 5])  # 5: runs cross the blocks of the id pass
def test_runs_and_codes_equal_a_plain_loop(pool, dtype, block, monkeypatch):
    if block is not None:
        monkeypatch.setattr(id_runs, "_BLOCK", block)
    ids = _lines(np.random.default_rng(3), POOLS[pool], 400)
    want_starts, want_codes, want_customers = _reference(ids)

    starts, codes, customers = customer_runs(pd.Series(ids, dtype=dtype))

    assert starts.tolist() == want_starts
    assert codes.tolist() == want_codes
    assert customers.tolist() == want_customers
    if dtype == "str":
        assert customers.dtype == pd.StringDtype(na_value=np.nan)


def test_many_runs_of_seven_byte_ids():
    # 28,000 or so runs of 500 ids: the radix sort's passes each move many runs
    rng = np.random.default_rng(5)
    pool = [f"{value:07d}" for value in rng.choice(10_000_000, 500, replace=False)]
    ids = _lines(rng, pool, 70_000)
    want_starts, want_codes, want_customers = _reference(ids)
    starts, codes, customers = customer_runs(pd.Series(ids, dtype="str"))
    assert starts.tolist() == want_starts
    assert codes.tolist() == want_codes
    assert customers.tolist() == want_customers


@pytest.mark.parametrize(
    "ids",
    [
        [3, 3, 1, 2, 2, 1],  # numbers: pandas.factorize
        ["b", "b", 1, "a"],  # mixed types: a number cannot be joined with the text
    ],
)
def test_other_ids_fall_back_to_factorize(ids):
    want_starts = [i for i in range(len(ids)) if i == 0 or ids[i] != ids[i - 1]]
    starts, codes, customers = customer_runs(pd.Series(ids, dtype=object))
    assert starts.tolist() == want_starts
    assert [customers[c] for c in codes] == [ids[i] for i in want_starts]


def test_a_missing_id_gets_code_minus_one():
    starts, codes, customers = customer_runs(pd.Series(["b", "b", None, "a"], dtype="str"))
    assert starts.tolist() == [0, 2, 3]
    assert codes.tolist() == [1, -1, 0]
    assert customers.tolist() == ["a", "b"]


def test_integer_and_empty_columns():
    starts, codes, customers = customer_runs(pd.Series([7, 7, 2, 7], dtype="int64"))
    assert (starts.tolist(), codes.tolist(), customers.tolist()) == ([0, 2, 3], [1, 0, 1], [2, 7])
    starts, codes, customers = customer_runs(pd.Series([], dtype="str"))
    assert (len(starts), len(codes), len(customers)) == (0, 0, 0)


@pytest.mark.parametrize("dtype", ["str", object])
def test_an_id_with_a_nul_stays_apart_from_its_prefix(dtype):
    # the packed buffer cannot hold a NUL, and pandas 3.0.0's factorize cuts text at one
    ids = ["a\x00b", "a\x00b", "a", "a", "a\x00b", "b"]
    starts, codes, customers = customer_runs(pd.Series(ids, dtype=dtype))
    assert starts.tolist() == [0, 2, 4, 5]
    assert customers.tolist() == ["a", "a\x00b", "b"]
    assert codes.tolist() == [1, 0, 1, 2]


@pytest.mark.parametrize("n_words", [1, 2, 3])
def test_radix_order_sorts_like_lexsort_and_keeps_ties_in_order(n_words):
    rng = np.random.default_rng(11)
    n = 5_000
    # few distinct values (many ties), a constant high digit, values across all 64 bits
    base = rng.integers(0, 2**63, 40, dtype=np.uint64)
    words = [base[rng.integers(0, 40, n)] | np.uint64(0xABCD << 48) for _ in range(n_words)]
    order = id_runs._radix_order(words)
    want = np.lexsort(words[::-1])  # stable: ties keep their order
    assert order.tolist() == want.tolist()
    assert id_runs._radix_order([np.full(3, 7, dtype=np.uint64)]).tolist() == [0, 1, 2]

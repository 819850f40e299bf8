"""helpers.synthetic_scale: big raw order logs as copies of one synthetic shop with moved ids.

The files are read back with pandas and each copy's ids are moved back by the test's own code
(numbers of the shop's ids, span ``max - min + 1``), which must give the shop's lines exactly.
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest

from helpers import schema as s
from helpers.synthetic_scale import file_format, shop_lines, write_order_lines

pytest.importorskip("duckdb")

BASE = 3_000  # lines of the tiny shop copied
TEXT = [s.INVOICE_ID, s.INVOICE_DATE, s.CUSTOMER_ID, s.PRODUCT_ID, s.DESCRIPTION]


@pytest.fixture(scope="module")
def shop() -> pd.DataFrame:
    return shop_lines(BASE)


def read(path) -> pd.DataFrame:
    """The lines of a written CSV, Parquet file or folder of Parquet files, ids as text."""
    if file_format(path) == "csv":
        frame = pd.read_csv(path, dtype=dict.fromkeys(TEXT, str), keep_default_na=False)
        frame = frame.replace({c: {"": np.nan} for c in TEXT})
    elif os.path.isdir(path):
        parts = sorted(os.listdir(path))
        frame = pd.concat([pd.read_parquet(path / p) for p in parts], ignore_index=True)
    else:
        frame = pd.read_parquet(path)
    return normal(frame)


def as_written(shop: pd.DataFrame, path) -> pd.DataFrame:
    """The shop's lines as a file of this format holds them: in Parquet, dates typed."""
    out = normal(shop)
    if file_format(path) == "parquet":  # a date that does not parse is missing
        dates = pd.to_datetime(out[s.INVOICE_DATE], format="%Y-%m-%d %H:%M:%S", errors="coerce")
        out[s.INVOICE_DATE] = dates.astype("datetime64[us]")
    return out


def normal(frame: pd.DataFrame) -> pd.DataFrame:
    """Text columns as objects with NaN for missing, the index 0..n-1."""
    out = frame.reset_index(drop=True).copy()
    for column in TEXT:
        if out[column].dtype.kind != "M":  # Parquet's dates are typed
            out[column] = out[column].astype(object).where(out[column].notna(), np.nan)
    return out


def span(ids: pd.Series) -> int:
    numbers = ids.dropna().str.removeprefix("C")
    numbers = numbers[numbers.str.isdigit()].astype(int)
    return int(numbers.max() - numbers.min() + 1)


def move_back(ids: pd.Series, by: int) -> pd.Series:
    """Numeric ids (a "C" kept) moved down by ``by``; others unchanged."""

    def one(value):
        if not isinstance(value, str) or not value.removeprefix("C").isdigit():
            return value
        prefix = "C" if value.startswith("C") else ""
        return f"{prefix}{int(value.removeprefix('C')) - by}"

    return ids.map(one)


def test_the_shop_has_its_dirt(shop):
    assert len(shop) == BASE
    assert shop[s.CUSTOMER_ID].isna().any()  # guests
    assert (shop[s.CUSTOMER_ID] == "TEST01").any()
    assert shop[s.INVOICE_ID].str.startswith("C").any()  # returns
    assert (~shop[s.INVOICE_DATE].str.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d")).any()
    assert shop.duplicated().any()


@pytest.mark.parametrize("name", ["lines.csv.gz", "lines.csv", "lines.parquet"])
def test_copies_are_the_shop_with_moved_ids(tmp_path, shop, name):
    n_rows = 3 * BASE - 500  # two whole copies and a cut third
    path = write_order_lines(tmp_path / name, n_rows, base_rows=BASE)
    assert path == tmp_path / name
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]  # no .part left
    got = read(path)
    assert len(got) == n_rows
    original = as_written(shop, path)
    spans = {c: span(original[c]) for c in (s.CUSTOMER_ID, s.INVOICE_ID)}
    seen = {c: set() for c in spans}
    for copy in range(3):
        part = got.iloc[copy * BASE : (copy + 1) * BASE].reset_index(drop=True)
        for column, width in spans.items():
            ids = set(part[column].dropna()) - {"TEST01"}
            assert not ids & seen[column], (column, copy)
            seen[column] |= ids
            part[column] = move_back(part[column], copy * width)
        expected = original.head(len(part))
        pd.testing.assert_frame_equal(part, expected, check_dtype=False)
    assert (got[s.CUSTOMER_ID] == "TEST01").sum() == (
        2 * (shop[s.CUSTOMER_ID] == "TEST01").sum()
        + (shop[s.CUSTOMER_ID].head(BASE - 500) == "TEST01").sum()
    )


def test_one_shop_is_its_first_lines(tmp_path, shop):
    path = write_order_lines(tmp_path / "one.parquet", BASE - 1, base_rows=BASE)
    assert path.is_file()
    got = read(path)
    assert got[s.INVOICE_DATE].isna().any() and got[s.INVOICE_DATE].notna().mean() > 0.99
    pd.testing.assert_frame_equal(got, as_written(shop.head(BASE - 1), path), check_dtype=False)


def test_a_file_that_exists_is_reused(tmp_path):
    path = tmp_path / "lines.csv.gz"
    path.write_bytes(b"kept")
    assert write_order_lines(path, 10).read_bytes() == b"kept"


def test_a_left_over_part_is_replaced(tmp_path):
    (tmp_path / "lines.csv.part").write_text("half a file")
    got = read(write_order_lines(tmp_path / "lines.csv", 50, base_rows=BASE))
    assert len(got) == 50
    assert not (tmp_path / "lines.csv.part").exists()


@pytest.mark.parametrize("name", ["lines.txt", "lines.xlsx", "lines.gz"])
def test_other_formats_are_refused(tmp_path, name):
    with pytest.raises(ValueError, match=r"\.csv, \.csv\.gz or \.parquet; got"):
        write_order_lines(tmp_path / name, 10)


@pytest.mark.parametrize("n_rows", [0, -5, 2.5])
def test_n_rows_must_be_a_whole_number(tmp_path, n_rows):
    with pytest.raises(ValueError, match="n_rows must be a whole number >= 1"):
        write_order_lines(tmp_path / "lines.csv", n_rows)

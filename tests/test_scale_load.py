"""helpers.scale_load: an order log read into DuckDB (and Spark) chunk by chunk.

The reference is the pandas loader, helpers.order_log.load_transactions, on the whole file:
the typed lines in the engine must equal its frame in every column once sorted by line
number, and ``Loaded.info`` its ``attrs["loading"]``, whatever the chunk size (small chunks
here, so that every setting decided on the first chunk is used by later ones).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import needs_spark

from helpers.cleaning import clean_transactions
from helpers.examples import CHINESE_COLUMNS
from helpers.order_log import load_transactions
from helpers.scale_clean import clean_lines
from helpers.scale_load import load_lines
from helpers.scale_sql import duckdb_connect

pytest.importorskip("duckdb")

ROOT = Path(__file__).resolve().parents[1]


def engine_lines(loaded) -> pd.DataFrame:
    """The engine's lines as pandas, in line order, with the line numbers checked."""
    lines = loaded.engine.run(f"SELECT * FROM {loaded.view}")
    lines = lines.sort_values(loaded.line_col).reset_index(drop=True)
    assert lines[loaded.line_col].tolist() == list(range(len(lines)))
    return lines.drop(columns=loaded.line_col)


def assert_same_lines(lines: pd.DataFrame, expected: pd.DataFrame) -> None:
    """Every column equal: same names and order, values, and kind of values."""
    assert list(lines.columns) == list(expected.columns)
    for column in expected.columns:
        want, got = expected[column], lines[column]
        assert got.dtype.kind == want.dtype.kind or (
            want.dtype.kind in "OTU" or str(want.dtype) == "str"
        ), column
        if want.dtype.kind == "M":
            got = pd.to_datetime(got).astype(want.dtype)
            assert np.array_equal(got.to_numpy(), want.to_numpy(), equal_nan=True), column
        elif want.dtype.kind in "fi":
            assert np.array_equal(
                got.to_numpy(dtype=float), want.to_numpy(dtype=float), equal_nan=True
            ), column
        else:
            as_list = [None if pd.isna(v) else v for v in want.tolist()]
            assert [None if pd.isna(v) else v for v in got.tolist()] == as_list, column


def assert_loads_alike(path, chunk_lines: int, engine=None, spill=None, **settings):
    """load_lines in chunks equals load_transactions on the whole file: lines and info."""
    expected = load_transactions(path, **settings)
    loaded = load_lines(
        engine if engine is not None else duckdb_connect(None),
        path,
        chunk_lines=chunk_lines,
        spill=spill,
        **settings,
    )
    assert loaded.chunks == -(-len(expected) // chunk_lines) or loaded.chunks > 1
    assert loaded.rows == len(expected)
    assert loaded.info == expected.attrs["loading"]
    assert_same_lines(engine_lines(loaded), expected)
    return loaded, expected


EXAMPLES = {
    "order_totals.csv": {
        "columns": {"Customer": "customer_id", "Date": "invoice_date", "Total": "amount"}
    },
    "chinese_orders.csv": {"columns": CHINESE_COLUMNS, "date_format": "%d/%m/%Y %H:%M"},
}


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_the_example_exports_load_as_in_pandas(name):
    loaded, expected = assert_loads_alike(
        ROOT / "datasets" / "examples" / name, 401, **EXAMPLES[name]
    )
    assert loaded.chunks == 8  # ~3,000 lines in chunks of 401


def test_the_synthetic_dirty_lines_load_as_in_pandas():
    loaded, expected = assert_loads_alike(
        ROOT / "datasets" / "synthetic" / "order_lines.csv.gz", 9_000
    )
    assert loaded.chunks == 12
    assert loaded.info["fixes"]["ids tidied (spaces, case, '.0')"] > 0  # dirt to tidy


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


#: Dirt that later chunks show first: a time with a UTC offset, a bad date, an id that is no
#: whole float (so the first chunk's ".0" comes back), currency, a blank line.
DIRTY = """Order;Date;Client;Item;Qty;Price
1;2024-01-05 10:00;17850.0;a1 ;2;"1.234,50"
1;2024-01-05 10:00;17850.0;A1;1;3,20
2;2024-01-06 11:00; 13047.0;b2;1;€ 4,00
3;2024-01-07 09:30;13047.0;B2;-1;4,00
;;;;;
4;2024-01-08 12:00+02:00;17850.0;C3;1;5,50
5;not a date;12583.0;c3;2;(2,00)
6;2024-01-09 08:00+01:00;C7 ;d4;1;1.000,00
7;2024-01-10 10:00;;D4;3;2,25
8;2024-01-10 10:00;12583.0;e5;1;9,99
"""


@pytest.mark.parametrize("chunk_lines", [1, 2, 3, 4, 100])
def test_settings_decided_on_the_first_chunk_serve_every_chunk(tmp_path, chunk_lines):
    path = write(tmp_path / "dirty.csv", DIRTY)
    loaded, expected = assert_loads_alike(
        path,
        chunk_lines,
        columns={"Order": "invoice_id", "Date": "invoice_date", "Client": "customer_id",
                 "Item": "product_id", "Qty": "quantity", "Price": "unit_price"},
        max_bad_dates=0.2,
    )  # fmt: skip
    info = loaded.info
    # hand-checked: the ids keep ".0" (C7 is no whole float), one line has a bad date, the
    # offsets are converted to the first one's (+02:00), the decimal comma was detected
    assert expected["customer_id"].iloc[0] == "17850.0"
    assert (info["sep"], info["decimal"], info["bad_dates"]) == (";", ",", 1)
    assert info["fixes"]["currency symbols/thousands separators removed"] == 4
    assert "UTC+02:00" in info["timezone"]
    assert expected["unit_price"].iloc[0] == 1234.5


def test_whole_float_ids_lose_their_suffix_in_every_chunk(tmp_path):
    text = DIRTY.replace("C7 ", "13047.0")
    path = write(tmp_path / "floats.csv", text)
    loaded, expected = assert_loads_alike(
        path,
        2,
        columns={"Order": "invoice_id", "Date": "invoice_date", "Client": "customer_id",
                 "Item": "product_id", "Qty": "quantity", "Price": "unit_price"},
        max_bad_dates=0.2,
    )  # fmt: skip
    assert expected["customer_id"].iloc[0] == "17850"  # every id a whole float: ".0" dropped


def test_invoices_of_an_order_level_file_are_numbered_over_every_chunk(tmp_path):
    # missing dates and customers sort last in pandas' groupby; equal keys in other chunks
    text = (
        "Customer,Date,Total\n"
        "b,2024-01-02,5\nb,2024-01-02,6\na,2024-01-02,-3\n,2024-01-01,4\n"
        "a,bad,2\nc,2024-01-01,7\na,2024-01-02,1\n,bad,8\nb,2024-01-01,2\n"
        "a,2024-01-03,1\nb,2024-01-04,1\nc,2024-01-05,1\n"
    )
    path = write(tmp_path / "totals.csv", text)
    columns = {"Customer": "customer_id", "Date": "invoice_date", "Total": "amount"}
    loaded, expected = assert_loads_alike(path, 2, columns=columns, max_bad_dates=None)
    assert expected["invoice_id"].nunique() == 10  # counted by hand: 10 (date, customer) keys
    assert expected["invoice_id"].iloc[0] == "D05"  # 2024-01-02 b: after 01-01 (3) and 01-02 a


def test_too_many_bad_dates_over_the_whole_file_is_the_same_error(tmp_path):
    rows = [f"{i},2024-01-{1 + i % 28:02d},C{i},P,1,2.5" for i in range(40)]
    rows += [f"{i},31/01/2024,C{i},P,1,2.5" for i in range(40, 44)]  # 4 of 44 late: 9.1%
    path = write(tmp_path / "late.csv", "invoice_id,invoice_date,customer_id,product_id,"
                 "quantity,unit_price\n" + "\n".join(rows) + "\n")  # fmt: skip
    with pytest.raises(ValueError) as pandas_error:
        load_transactions(path, max_bad_dates=0.05)
    with pytest.raises(ValueError) as engine_error:
        load_lines(duckdb_connect(None), path, chunk_lines=10, max_bad_dates=0.05)
    assert str(engine_error.value) == str(pandas_error.value)
    assert "4 of 44 non-empty dates (9.1%)" in str(engine_error.value)
    # no chunk alone is over 5% but the first: the limit is the whole file's, not a chunk's
    loaded = load_lines(duckdb_connect(None), path, chunk_lines=10, max_bad_dates=0.1)
    assert loaded.info["bad_dates"] == 4


def test_a_folder_of_files_is_one_log_and_a_different_header_is_named(tmp_path):
    whole = (ROOT / "datasets" / "examples" / "order_totals.csv").read_text().splitlines()
    header, body = whole[0], whole[1:]
    folder = tmp_path / "parts"
    folder.mkdir()
    write(folder / "part-2.csv", "\n".join([header, *body[1500:]]) + "\n")
    write(folder / "part-1.csv", "\n".join([header, *body[:1500]]) + "\n")
    columns = EXAMPLES["order_totals.csv"]["columns"]
    expected = load_transactions(ROOT / "datasets" / "examples" / "order_totals.csv", columns)
    loaded = load_lines(duckdb_connect(None), folder, columns, chunk_lines=700)
    assert loaded.files == [str(folder / "part-1.csv"), str(folder / "part-2.csv")]
    assert_same_lines(engine_lines(loaded), expected)
    info = dict(expected.attrs["loading"], path=str(folder / "part-1.csv"))
    assert loaded.info == info
    write(folder / "part-3.csv", "Client,Date,Total\nx,2024-01-01,1\n")
    with pytest.raises(ValueError, match=r"part-3\.csv: its header \['Client'"):
        load_lines(duckdb_connect(None), str(folder / "part-*.csv"), columns)


def test_parquet_is_read_as_it_is_with_mapping_and_line_numbers(tmp_path):
    from helpers.scale import write_parquet

    frame = load_transactions(ROOT / "datasets" / "synthetic" / "order_lines.csv.gz")
    frame = frame.iloc[:5000].rename(columns={"customer_id": "Client"})
    write_parquet(frame.iloc[:3000], tmp_path / "p" / "a.parquet")
    write_parquet(frame.iloc[3000:], tmp_path / "p" / "b.parquet")
    loaded = load_lines(duckdb_connect(None), tmp_path / "p", {"Client": "customer_id"})
    expected = frame.rename(columns={"Client": "customer_id"}).reset_index(drop=True)
    assert_same_lines(engine_lines(loaded), expected)
    assert loaded.info["columns"] == {"Client": "customer_id"}
    assert "tidied by cleaning" in loaded.info["notes"][0]
    with pytest.raises(ValueError, match=r"required column\(s\) \['customer_id'\] missing"):
        load_lines(duckdb_connect(None), tmp_path / "p")
    text_dates = expected.astype({"invoice_date": "str"})
    write_parquet(text_dates, tmp_path / "text" / "a.parquet")
    with pytest.raises(ValueError, match="column 'invoice_date' is VARCHAR in the Parquet file"):
        load_lines(duckdb_connect(None), tmp_path / "text" / "a.parquet")


def test_progress_is_reported_per_chunk(tmp_path):
    seen = []
    path = ROOT / "datasets" / "examples" / "order_totals.csv"
    load_lines(
        duckdb_connect(None),
        path,
        EXAMPLES["order_totals.csv"]["columns"],
        chunk_lines=1000,
        progress=lambda lines, chunks: seen.append((lines, chunks)),
    )
    assert seen == [(1000, 1), (2000, 2), (3000, 3), (3195, 4)]  # 3,195 data lines
    shown = load_lines(duckdb_connect(None), path, EXAMPLES["order_totals.csv"]["columns"],
                       chunk_lines=1000, progress=True)  # fmt: skip
    assert (shown.rows, shown.chunks) == (3195, 4)  # a tqdm bar, same lines


def test_bad_arguments_are_refused(tmp_path):
    path = ROOT / "datasets" / "examples" / "order_totals.csv"
    with pytest.raises(ValueError, match="chunk_lines must be at least 1"):
        load_lines(duckdb_connect(None), path, chunk_lines=0)
    with pytest.raises(ValueError, match="no file or folder"):
        load_lines(duckdb_connect(None), tmp_path / "nothing.csv")
    with pytest.raises(ValueError, match="line_col 'customer_id' is already a column"):
        load_lines(duckdb_connect(None), path, EXAMPLES["order_totals.csv"]["columns"],
                   line_col="customer_id")  # fmt: skip


def assert_cleaned_alike(loaded, expected_raw: pd.DataFrame) -> None:
    """clean_lines on the loaded lines equals clean_transactions on the pandas frame."""
    expected_clean, expected = clean_transactions(expected_raw)
    result = clean_lines(loaded.engine, loaded.view, line_col=loaded.line_col)
    report = result.report
    pd.testing.assert_frame_equal(report.drop(columns="revenue"), expected.drop(columns="revenue"))
    np.testing.assert_allclose(report["revenue"], expected["revenue"], rtol=1e-9, atol=1e-9)
    for key, value in expected.attrs.items():
        assert report.attrs[key] == pytest.approx(value, rel=1e-9, abs=1e-9), key
    clean = loaded.engine.run(f"SELECT * FROM {result.view}")
    clean = clean.sort_values(loaded.line_col).drop(columns=loaded.line_col)
    assert_same_lines(clean.reset_index(drop=True), expected_clean.reset_index(drop=True))


def test_load_then_clean_in_duckdb_equals_pandas():
    path = ROOT / "datasets" / "synthetic" / "order_lines.csv.gz"
    loaded = load_lines(duckdb_connect(None), path, chunk_lines=20_000)
    assert_cleaned_alike(loaded, load_transactions(path))


@needs_spark
def test_spark_reads_the_chunks_staged_as_parquet(tmp_path):
    from helpers.scale_sql import spark_session

    path = ROOT / "datasets" / "synthetic" / "order_lines.csv.gz"
    loaded, expected = assert_loads_alike(path, 30_000, engine=spark_session(), spill=tmp_path)
    assert (tmp_path / "cvl_raw.parquet").is_file()
    assert_cleaned_alike(loaded, expected)

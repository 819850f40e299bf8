"""helpers.scale: DuckDB and Spark give the pandas functions' tables, from Parquet and CSV.

The references are the pandas implementations (helpers.customers, helpers.rfm,
helpers.clv_data), an independent engine. Ids, counts, days, dates and scores must be equal
exactly; money is compared with rtol=1e-12, because pandas adds the floating-point amounts in
row order while the SQL adds exact millionths (helpers.scale_sql), so a total may differ in
its last bit (measured: at most 3e-16 relative, 8e-15 for the CLV repeat spend, a difference
of two totals).
"""

from __future__ import annotations

import sys

import pandas as pd
import pytest
from conftest import HAS_SPARK, REQUIRE_SPARK, needs_spark, real_file

from helpers import clv_data, customers, rfm, scale

pytest.importorskip("duckdb")

if REQUIRE_SPARK and not HAS_SPARK:
    raise RuntimeError("CVL_REQUIRE_SPARK=1 but PySpark or Java is missing")


def assert_same(got: pd.DataFrame, expected: pd.DataFrame) -> None:
    """Exactly equal, except money: rtol=1e-12 (summation order, see the module docstring)."""
    money = [c for c in expected.columns if expected[c].dtype.kind == "f"]
    pd.testing.assert_frame_equal(
        got.drop(columns=money), expected.drop(columns=money), check_exact=True
    )
    pd.testing.assert_frame_equal(got, expected, check_exact=False, rtol=1e-12, atol=0)


def pandas_scores(lines: pd.DataFrame, *args, **kwargs) -> pd.DataFrame:
    """rfm_scores(rfm_table(...)) with pandas: the reference for the engines' scores."""
    n_scores = kwargs.pop("n_scores", 5)
    return rfm.rfm_scores(rfm.rfm_table(lines, *args, **kwargs), n_scores=n_scores)


def references(lines: pd.DataFrame) -> dict[str, pd.DataFrame]:
    return {
        "summary": customers.customer_summary(lines),
        "scores": pandas_scores(lines),
        "clv": clv_data.summary_data(lines),
    }


def check_all(source, engine, expected: dict[str, pd.DataFrame]) -> None:
    assert_same(scale.customer_summary(source, engine=engine), expected["summary"])
    scores = scale.rfm_scores(source, engine=engine)
    assert_same(scores, expected["scores"])
    assert scores.attrs["as_of"] == expected["scores"].attrs["as_of"]
    clv = scale.summary_data(source, engine=engine)
    assert_same(clv, expected["clv"])
    assert clv.attrs == expected["clv"].attrs


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    """The embedded synthetic data, clean, as a frame, a Parquet file and two CSV parts."""
    from helpers.datasets import load_clean_transactions

    lines, _ = load_clean_transactions("synthetic")
    folder = tmp_path_factory.mktemp("synthetic")
    scale.write_parquet(lines, folder / "lines.parquet")
    half = len(lines) // 2
    (folder / "csv").mkdir()
    lines.iloc[:half].to_csv(folder / "csv" / "part-0.csv", index=False)
    lines.iloc[half:].to_csv(folder / "csv" / "part-1.csv.gz", index=False)
    return lines, folder, references(lines)


@pytest.fixture(scope="module")
def online_retail(tmp_path_factory):
    from helpers.datasets import load_clean_transactions

    path = real_file("online_retail_2010_2011.csv.gz")
    lines, _ = load_clean_transactions("online_retail", path)
    parquet = scale.write_parquet(lines, tmp_path_factory.mktemp("retail") / "lines.parquet")
    return lines, parquet, references(lines)


@pytest.fixture(scope="module")
def spark():
    if not HAS_SPARK:
        pytest.skip("PySpark or Java missing: `make test-scale` runs these tests")
    session = scale.spark_session("local[2]")
    yield session
    session.stop()


# --- DuckDB ------------------------------------------------------------------------------------


def test_duckdb_on_a_frame_equals_pandas(synthetic):
    lines, _, expected = synthetic
    check_all(lines, "duckdb", expected)


def test_duckdb_on_parquet_with_a_memory_limit_equals_pandas(synthetic):
    _, folder, expected = synthetic
    check_all(folder / "lines.parquet", scale.duckdb_connect("256MB"), expected)


def test_duckdb_on_a_glob_of_csv_parts_equals_pandas(synthetic):
    lines, folder, expected = synthetic
    got = scale.customer_summary(str(folder / "csv" / "part-*"), engine="duckdb")
    assert_same(got, expected["summary"])
    # a folder means every .parquet/.csv file in it
    assert_same(scale.summary_data(folder / "csv"), expected["clv"])
    # independent counts: customers and distinct invoices of the frame
    assert len(got) == lines["customer_id"].nunique()
    assert got["purchases"].sum() == lines.groupby("customer_id")["invoice_id"].nunique().sum()


def test_windows_as_of_and_options_equal_pandas(synthetic):
    lines, folder, _ = synthetic
    source = folder / "lines.parquet"
    window = {"start": "2024-01-01", "end": "2024-07-01 12:00"}
    assert_same(
        scale.customer_summary(source, **window), customers.customer_summary(lines, **window)
    )
    as_of = pd.Timestamp("2024-06-15 12:00")  # mid-day: some lines of that day count
    expected = pandas_scores(lines, as_of, n_scores=4)
    got = scale.rfm_scores(source, as_of, n_scores=4)
    assert_same(got, expected)
    assert got["recency"].min() == 0
    assert_same(scale.rfm_table(source, as_of), rfm.rfm_table(lines, as_of))
    expected = clv_data.summary_data(lines, as_of="2024-07-01", period="D")
    got = scale.summary_data(source, as_of="2024-07-01", period="D")
    assert_same(got, expected)
    assert got.attrs == expected.attrs
    assert got.attrs["lines_after_end"] == (lines["invoice_date"] >= "2024-07-01").sum()


def test_own_column_names(synthetic):
    lines, _, expected = synthetic
    renamed = lines.rename(columns={"customer_id": "Client", "amount": "Spend"})
    got = scale.customer_summary(renamed, customer_col="Client", amount_col="Spend")
    assert_same(got.rename_axis("customer_id"), expected["summary"])
    with pytest.warns(FutureWarning) as caught:
        old = scale.customer_summary(renamed, customer_id="Client", amount="Spend")
    assert sorted(str(w.message).split(":")[1].split(";")[0] for w in caught) == [
        " the argument 'amount' is now called 'amount_col'",
        " the argument 'customer_id' is now called 'customer_col'",
    ]
    assert_same(old, got)


def test_duckdb_spills_to_disk_under_a_small_memory_limit(tmp_path):
    # 1 million lines, ~33,000 customers: the (customer, invoice) aggregation does not fit in a
    # few tens of MB. At the smallest limit where DuckDB finishes with a place to spill, it
    # runs out of memory without one; with it, it gives pandas' answer. (The smallest limit
    # moves between DuckDB versions: 24 MB in 1.1, 32 MB in 2.0.)
    duckdb = pytest.importorskip("duckdb")
    log = tmp_path / "log"
    files = scale.write_synthetic_parquet(log, 1_000_000, progress=False)
    assert len(files) == 2
    reader = scale.duckdb_connect(None)  # kept: DuckDB 1.1 closes a dropped connection
    lines = reader.sql(f"SELECT * FROM '{log}/*.parquet'").df()
    assert len(lines) == 1_000_000
    assert lines["customer_id"].nunique() > 30_000  # ids unique over the chunks
    got = None
    for limit in ("24MB", "32MB", "40MB", "48MB"):
        spill = tmp_path / f"spill-{limit}"
        spilling = scale.duckdb_connect(limit, temp_directory=spill, threads=1)
        try:
            got = scale.customer_summary(log, engine=spilling)
        except duckdb.OutOfMemoryException:
            continue
        break
    assert got is not None, "DuckDB did not finish under 48 MB even with a spill folder"
    no_disk = scale.duckdb_connect(limit, threads=1)
    no_disk.execute("SET temp_directory = ''")
    with pytest.raises(duckdb.OutOfMemoryException):
        scale.customer_summary(log, engine=no_disk)
    lines["invoice_date"] = lines["invoice_date"].astype("datetime64[ns]")
    assert_same(got, customers.customer_summary(lines))


def test_bad_input_says_what_is_wrong(synthetic, tmp_path):
    lines, folder, _ = synthetic
    with pytest.raises(ValueError, match="column 'amount' is required but missing"):
        scale.customer_summary(lines.drop(columns="amount"))
    with pytest.raises(ValueError, match="no file matches"):
        scale.rfm_table(str(tmp_path / "nothing-*.parquet"))
    with pytest.raises(ValueError, match="holds no .parquet or .csv"):
        scale.rfm_table(tmp_path)
    with pytest.raises(ValueError, match="engine must be one of"):
        scale.rfm_table(lines, engine="postgres")
    with pytest.raises(ValueError, match="Spark reads files"):
        scale.rfm_table(lines, engine=type("SparkSession", (), {"__module__": "pyspark.sql"})())
    bad = lines.copy()
    bad.loc[5, "amount"] = -1.0
    with pytest.raises(ValueError, match=r"column 'amount' must be positive.*1 row\(s\).*-1\.0"):
        scale.rfm_scores(bad)
    bad = lines.copy()
    bad.loc[7, "customer_id"] = None
    with pytest.raises(ValueError, match=r"column 'customer_id' must be present.*1 row\(s\)"):
        scale.summary_data(bad)
    with pytest.raises(ValueError, match="has no rows"):
        scale.customer_summary(lines.iloc[:0])
    with pytest.raises(ValueError, match="at or before the first transaction"):
        scale.rfm_table(lines, "2020-01-01")
    with pytest.raises(ValueError, match="as_of must be a day"):
        scale.summary_data(lines, as_of="2024-06-30 12:00")
    with pytest.raises(ValueError, match="as_of 2020-01-01 00:00:00 is not after the first"):
        scale.summary_data(lines, as_of="2020-01-01")
    with pytest.raises(ValueError, match="n_scores"):
        scale.rfm_scores(lines, n_scores=10)


def test_importing_scale_imports_no_pyspark_and_says_how_to_install_it(monkeypatch):
    assert "pyspark.sql" not in sys.modules or HAS_SPARK  # nothing above asked for Spark yet
    monkeypatch.setitem(sys.modules, "pyspark", None)
    monkeypatch.setitem(sys.modules, "pyspark.sql", None)
    with pytest.raises(ImportError, match=r'pip install -e "\.\[scale\]"'):
        scale.spark_session()


def test_write_synthetic_parquet_is_reproducible(tmp_path):
    a = scale.write_synthetic_parquet(tmp_path / "a", 1_000, customers_per_chunk=10, progress=False)
    b = scale.write_synthetic_parquet(tmp_path / "b", 1_000, customers_per_chunk=10, progress=False)
    con = scale.duckdb_connect(None)
    read = [
        con.sql(f"SELECT * FROM read_parquet({[str(f) for f in x]}) ORDER BY ALL").df()
        for x in (a, b)
    ]
    pd.testing.assert_frame_equal(read[0], read[1])
    assert len(read[0]) == 1_000 and len(a) > 1
    assert (read[0]["amount"] > 0).all()
    assert read[0].groupby("invoice_id")["customer_id"].nunique().max() == 1


# --- Online Retail -------------------------------------------------------------------------------


@pytest.mark.realdata
def test_duckdb_on_online_retail_equals_pandas(online_retail):
    _, parquet, expected = online_retail
    check_all(parquet, scale.duckdb_connect("1GB"), expected)
    # the literature's count of customers after cleaning (Chen, Sain & Guo 2012: ~4,339)
    assert 4_300 <= len(expected["summary"]) <= 4_372


# --- Spark: one local[2] session for the module -----------------------------------------------


@needs_spark
def test_spark_on_synthetic_parquet_equals_pandas(spark, synthetic):
    _, folder, expected = synthetic
    check_all(folder / "lines.parquet", spark, expected)


@needs_spark
def test_spark_on_csv_parts_and_as_of_equals_pandas(spark, synthetic):
    lines, folder, _ = synthetic
    as_of = pd.Timestamp("2024-06-15 12:00")
    got = scale.rfm_scores(str(folder / "csv" / "part-*"), as_of, engine=spark)
    assert_same(got, pandas_scores(lines, as_of))


@needs_spark
@pytest.mark.realdata
def test_spark_on_online_retail_equals_pandas(spark, online_retail):
    _, parquet, expected = online_retail
    check_all(parquet, spark, expected)

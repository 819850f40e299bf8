"""helpers.report_engine: which engine reads the order log, and its settings."""

from __future__ import annotations

import gzip
import importlib.util

import numpy as np
import pandas as pd
import pytest

from helpers import report_engine as re_
from helpers.report_engine import EngineSettings, choose_engine, estimate_lines, open_engine

pytest.importorskip("duckdb")


def write_lines(path, n: int) -> None:
    """An order log of ``n`` lines of about 40 bytes (header included in the count below)."""
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {
            "invoice_id": np.arange(n) // 3,
            "customer_id": rng.integers(1000, 9999, n),
            "invoice_date": "2024-01-02 10:00",
            "amount": rng.integers(1, 500, n) / 4,
        }
    )
    frame.to_csv(path, index=False)


def test_estimates_lines_of_plain_gzip_and_parquet_files(tmp_path):
    plain, packed, parquet = tmp_path / "a.csv", tmp_path / "b.csv.gz", tmp_path / "c.parquet"
    write_lines(plain, 30_000)
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    pd.read_csv(plain).head(12_345).to_parquet(parquet)
    for path in (plain, packed):
        assert estimate_lines(str(path)) == pytest.approx(30_001, rel=0.05), path.name
    assert estimate_lines(str(parquet)) == 12_345  # the metadata's count, exact
    folder = tmp_path / "many"
    folder.mkdir()
    for k in range(3):
        pd.read_csv(plain).head(1000).to_parquet(folder / f"part-{k}.parquet")
    assert estimate_lines(str(folder)) == 3000
    assert estimate_lines(str(folder / "part-*.parquet")) == 3000


def test_auto_chooses_pandas_below_the_threshold_and_duckdb_above_it(tmp_path, monkeypatch):
    small = tmp_path / "small.csv"
    write_lines(small, 2000)
    engine, why = choose_engine(str(small))
    assert engine == "pandas" and "about 2,0" in why and "--engine duckdb" in why
    monkeypatch.setattr(re_, "PANDAS_MAX_LINES", 1500)
    engine, why = choose_engine(str(small))
    assert engine == "duckdb" and "at least 1,500" in why
    assert choose_engine(str(tmp_path), "auto")[0] == "duckdb"  # a folder
    if importlib.util.find_spec("pyspark") is None:
        with pytest.raises(ValueError, match=r'needs pyspark, .*pip install -e "\.\[scale\]"'):
            choose_engine(str(small), "spark")
    else:
        assert choose_engine(str(small), "spark") == ("spark", "chosen with --engine")


def test_engines_refuse_what_they_cannot_read(tmp_path):
    sheet = tmp_path / "orders.xlsx"
    sheet.write_bytes(b"not read")
    with pytest.raises(ValueError, match="--engine duckdb reads CSV, TXT, TSV"):
        choose_engine(str(sheet), "duckdb")
    assert choose_engine(str(sheet))[0] == "pandas"
    with pytest.raises(ValueError, match="--engine pandas reads one file"):
        choose_engine(str(tmp_path), "pandas")


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        (EngineSettings("polars"), "--engine must be one of auto, pandas, duckdb, spark"),
        (EngineSettings("duckdb", memory_limit="lots"), "--memory-limit must be a size"),
        (EngineSettings("duckdb", spill_dir="/no/such/folder"), "--spill-dir must be an existing"),
        (EngineSettings("duckdb", spark_master="spark://h:7077"), "--spark-master is for"),
    ],
)
def test_bad_settings_name_the_option(settings, message):
    with pytest.raises(ValueError, match=message):
        settings.checked()


def test_the_default_memory_limit_follows_the_log_and_the_machine(monkeypatch):
    with open("/proc/meminfo") as stream:
        free = next(int(x.split()[1]) for x in stream if x.startswith("MemAvailable:"))
    assert re_.available_memory() == pytest.approx(free * 1024, rel=0.2)
    monkeypatch.setattr(re_, "available_memory", lambda: 24 << 30)
    assert re_.default_memory_limit(0) == "512MB"
    assert re_.default_memory_limit(2_000_000) == "512MB"  # 2M x 256 bytes = 488 MB
    assert re_.default_memory_limit(8_000_000) == f"{8_000_000 * 256 >> 20}MB"
    assert re_.default_memory_limit(50_000_000) == "3072MB"  # at most 3 GB
    monkeypatch.setattr(re_, "available_memory", lambda: 6 << 30)
    assert re_.default_memory_limit(50_000_000) == "1536MB"  # a quarter of what is free
    monkeypatch.setattr(re_, "available_memory", lambda: 1 << 30)
    assert re_.default_memory_limit(50_000_000) == "512MB"  # never below 512 MB


def test_the_spill_folder_is_made_for_the_run_and_removed(tmp_path):
    settings = EngineSettings("duckdb", memory_limit="256MB", spill_dir=str(tmp_path))
    with open_engine(settings, "duckdb") as (run, spill):
        assert spill.parent == tmp_path and spill.name.startswith("cvl-report-spill-")
        limit = run.handle.sql("SELECT current_setting('memory_limit') AS m").df()["m"].iloc[0]
        assert limit.replace(" ", "").upper().startswith(("256", "244"))  # MB or MiB
        (spill / "made-by-the-run").write_text("x")
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(RuntimeError), open_engine(settings, "duckdb"):  # removed on errors too
        raise RuntimeError("stop")
    assert list(tmp_path.iterdir()) == []

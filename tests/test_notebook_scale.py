"""Chapter 13 (at scale) run small by papermill; its recorded results are checked."""

from __future__ import annotations

import pytest
from conftest import ROOT

from helpers import scale
from helpers.notebook import read_results, run_notebook

pytestmark = pytest.mark.notebook


def test_at_scale_chapter_on_a_small_log(tmp_path):
    n_rows, sample_rows = 200_000, 50_000
    executed = tmp_path / "13_at_scale.ipynb"
    run_notebook(
        ROOT / "notebooks" / "13_at_scale.ipynb",
        executed,
        parameters={
            "N_ROWS": n_rows,
            "SAMPLE_ROWS": sample_rows,
            "DATA_DIR": str(tmp_path / "data"),
            "MEMORY_LIMIT": "256MB",
            "RUN_SPARK": False,  # Spark is tested in test_scale.py and by nbval's default run
        },
        progress=False,
    )
    results = read_results(executed)
    assert results["n_rows"] == n_rows
    assert results["sample_rows"] == sample_rows
    # an independent count, on the files the notebook wrote
    reader = scale.duckdb_connect(None)
    lines = reader.sql(f"SELECT * FROM '{tmp_path}/data/log/*.parquet'").df()
    assert len(lines) == n_rows
    assert results["n_files"] == len(list((tmp_path / "data" / "log").glob("*.parquet")))
    customers = lines["customer_id"].nunique()
    assert results["n_customers"] == customers
    assert results["n_customers_clv"] == results["n_customers_scored"] == customers
    assert results["log_revenue"] == pytest.approx(lines["amount"].sum(), rel=1e-12)
    assert results["summary_revenue"] == pytest.approx(results["log_revenue"], rel=1e-12)
    assert results["duckdb_equal"] == {"summary": True, "scores": True, "clv": True}
    assert results["spark_equal"] is None
    assert set(results["seconds"]) >= {"write Parquet", "DuckDB: customer summary"}
    assert results["memory_limit"] == "256MB"

"""Shared test settings: where the real datasets are, and markers for notebook tests."""

from __future__ import annotations

import importlib.util
import os
import shutil
from pathlib import Path

import matplotlib
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]

#: PySpark and Java, which the Spark tests need. `make test-scale` sets CVL_REQUIRE_SPARK=1:
#: there a missing Spark is a failure, not a skip (the tests marked ``needs_spark`` then run).
HAS_SPARK = importlib.util.find_spec("pyspark") is not None and shutil.which("java") is not None
REQUIRE_SPARK = os.environ.get("CVL_REQUIRE_SPARK") == "1"
needs_spark = pytest.mark.skipif(
    not HAS_SPARK and not REQUIRE_SPARK,
    reason="PySpark or Java missing: `make test-scale` runs these tests",
)
# Real public datasets: committed in datasets/ (licence and source in datasets/README.md), some
# gzip-compressed; a user may point CVL_DATA_DIR at other copies. A test whose file is in
# neither place skips, saying which file and where it looked.
PROJECT_DATA = ROOT / "datasets"

# Figures are drawn off-screen in the tests' own process. Not through MPLBACKEND: the
# notebooks' kernels inherit the environment, and with Agg there a chapter's figures would not
# be displayed, so its outputs would differ from the committed ones (nbval compares them).
matplotlib.use("Agg")


def real_file(name: str) -> Path:
    """Path of a real dataset file (``name`` or ``name.gz``), or skip the test with the reason.

    In CI (``CI`` set, as ``.ci/run`` does) a missing file fails the test instead.

    Looks in the project's ``datasets/`` first, then in ``$CVL_DATA_DIR``, as the loaders of
    :mod:`helpers.public_data` do.
    """
    directory = os.environ.get("CVL_DATA_DIR")
    places = [PROJECT_DATA] + ([Path(directory)] if directory else [])
    for place in places:
        for candidate in (place / name, place / f"{name}.gz"):
            if candidate.is_file():
                return candidate
    where = f"{PROJECT_DATA} or CVL_DATA_DIR={directory}" if directory else str(PROJECT_DATA)
    reason = f"{name}: not found in {where} (CVL_DATA_DIR names other copies)"
    if os.environ.get("CI"):  # the data ship with the repository: in CI a missing file is a bug
        pytest.fail(f"{reason}; in CI the real-data tests must run")
    pytest.skip(reason)


def order_lines(rows: list[tuple]) -> pd.DataFrame:
    """Order lines from (invoice, date, customer, product, quantity, unit price) tuples."""
    columns = ["invoice_id", "invoice_date", "customer_id", "product_id", "quantity", "unit_price"]
    df = pd.DataFrame(rows, columns=columns)
    df["invoice_date"] = pd.to_datetime(df["invoice_date"])
    return df


def clv_summary(rows: list[list[float]], period: str = "W") -> pd.DataFrame:
    """A CLV summary table (frequency, recency, T, monetary_value) from rows, in ``period``."""
    frame = pd.DataFrame(rows, columns=["frequency", "recency", "T", "monetary_value"])
    frame.attrs["period"] = period
    return frame


def fitted(model, params):
    """Give a CLV model the parameters ``params``, as if fitted."""
    model.params_ = pd.Series(params, index=list(model.PARAMS))
    return model


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark nbval's notebook cells as `notebook` so `-m "not notebook"` runs unit tests only."""
    for item in items:
        if item.path.suffix == ".ipynb":
            item.add_marker(pytest.mark.notebook)

"""Shared test settings: where the real datasets are, and markers for notebook tests."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "datasets"

# Real public datasets: CI keeps them in ../shared/datasets; a user may point CVL_DATA_DIR at
# their own copy. Tests that need a file skip, saying which file and where they looked.
# Figures are drawn off-screen in tests.
os.environ.setdefault("MPLBACKEND", "Agg")

if not os.environ.get("CVL_DATA_DIR") and SHARED_DATA.is_dir():
    os.environ["CVL_DATA_DIR"] = str(SHARED_DATA)


def real_file(name: str) -> Path:
    """Path of a real dataset file, or skip the test with the reason."""
    directory = os.environ.get("CVL_DATA_DIR")
    if not directory:
        pytest.skip(f"{name}: CVL_DATA_DIR is not set and {SHARED_DATA} does not exist")
    path = Path(directory) / name
    if not path.is_file():
        pytest.skip(f"{name}: not found in CVL_DATA_DIR={directory}")
    return path


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

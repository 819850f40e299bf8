"""Tests of helpers.checks.has_missing: every kind of missing value, in every kind of column."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers.checks import has_missing
from helpers.rfm import rfm_table


@pytest.mark.parametrize("dtype", ["str", object])
@pytest.mark.parametrize("missing", [None, np.nan, pd.NA])
def test_text_with_a_missing_value(dtype, missing):
    values = pd.Series(["a", "b", missing, "c"], dtype=dtype)
    assert has_missing(values)
    assert not has_missing(values.dropna())


@pytest.mark.parametrize(
    "values",
    [
        pd.Series([1.0, np.nan]),
        pd.Series(pd.to_datetime(["2024-01-01", None])),
        pd.Series([1, None], dtype="Int64"),
        pd.Series(["a", 7, None], dtype=object),  # mixed: pandas' isna decides
    ],
)
def test_other_columns_with_a_missing_value(values):
    assert has_missing(values)
    assert not has_missing(values.dropna())


def test_text_that_is_not_only_strings_but_complete():
    assert not has_missing(pd.Series(["a", 7, b"x"], dtype=object))
    assert not has_missing(pd.Series([], dtype="str"))


def test_rfm_table_still_names_a_missing_invoice():
    lines = pd.DataFrame(
        {
            "customer_id": ["a", "a", "b"],
            "invoice_id": ["1", None, "3"],
            "invoice_date": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-03"]),
            "amount": [1.0, 2.0, 3.0],
        }
    )
    with pytest.raises(ValueError, match=r"rfm_table: column 'invoice_id' must be present.*row 1"):
        rfm_table(lines.astype({"invoice_id": "str"}), "2024-02-01")

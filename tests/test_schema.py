"""Schemas: valid tables pass and coerce; a failure names the table, column, rule and a row."""

from __future__ import annotations

import pandas as pd
import pytest
from pandera.errors import SchemaError

from helpers.schema import TRANSACTION_COLUMNS, validate


def order_lines() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "invoice_id": ["1", "1", "2"],
            "invoice_date": pd.to_datetime(["2024-01-02", "2024-01-02", "2024-02-03"]),
            "customer_id": ["A", "A", "B"],
            "product_id": ["P1", "P2", "P1"],
            "quantity": [1, 3, 2],
            "unit_price": [2.5, 1.0, 2.5],
        }
    )


def test_clean_order_lines_pass_and_keep_their_values():
    df = order_lines()
    out = validate(df, "transactions")
    pd.testing.assert_frame_equal(out.reset_index(drop=True), df, check_dtype=False)
    assert list(df.columns) == list(TRANSACTION_COLUMNS)


def test_negative_quantity_is_named_with_column_rule_and_row():
    df = order_lines()
    df.loc[2, "quantity"] = -2
    with pytest.raises(SchemaError) as info:
        validate(df, "transactions")
    message = str(info.value)
    assert "transactions" in message
    assert "'quantity'" in message
    assert "greater_than(0)" in message
    assert "row 2" in message and "'customer_id': 'B'" in message


def test_raw_schema_accepts_what_cleaning_removes():
    df = order_lines()
    df.loc[0, "customer_id"] = None
    df.loc[1, "invoice_date"] = pd.NaT
    df.loc[2, "quantity"] = -2
    assert len(validate(df, "raw_transactions")) == 3
    with pytest.raises(SchemaError, match="customer_id"):
        validate(df, "transactions")


def test_missing_column_lists_the_columns_present():
    df = order_lines().drop(columns="unit_price")
    with pytest.raises(SchemaError, match="'unit_price' is required but missing"):
        validate(df, "transactions")


def test_customers_rules():
    customers = pd.DataFrame(
        {
            "customer_id": ["A", "A"],
            "signup_date": pd.to_datetime(["2023-01-01", "2023-02-01"]),
            "birth_date": pd.to_datetime(["1980-05-01", None]),
            "gender": ["F", "Q"],
            "region": ["North", "South"],
            "annual_income": [50_000.0, 60_000.0],
            "spending_capacity": [0.5, 1.5],
            "acquisition_channel": ["search", "social"],
            "acquisition_cost": [20.0, 30.0],
            "email": ["a@example.com", "b@example.com"],
            "marketing_opt_in": [True, False],
        }
    )
    with pytest.raises(SchemaError) as info:
        validate(customers, "customers")
    message = str(info.value)
    # three broken rules: duplicated id, unknown gender code, capacity outside [0, 1]
    assert "'customer_id'" in message and "unique" in message
    assert "'gender'" in message and "'Q'" in message
    assert "'spending_capacity'" in message and "in_range" in message


def test_unknown_table():
    with pytest.raises(ValueError, match="unknown table 'orders'"):
        validate(order_lines(), "orders")

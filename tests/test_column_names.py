"""The one column convention (issue 27, point 1): ``*_col`` arguments, old names still working.

For every function whose column arguments were renamed: a call with an old keyword warns
``FutureWarning`` and returns what the new keyword returns; a call on a frame whose columns have
other names ("client", "order_no", "when", "sku", "qty", "price", ...) works with the ``*_col``
arguments, and the output uses the caller's names. Small hand-made frames; the expected values
are counted by hand.
"""

from __future__ import annotations

import pandas as pd
import pytest

from helpers import schema as s
from helpers.cleaning import clean_and_flag, clean_transactions, flag_transactions
from helpers.non_products import non_product_lines

#: The canonical names and the caller's names of the frames below.
OTHER = {
    s.CUSTOMER_ID: "client",
    s.INVOICE_ID: "order_no",
    s.INVOICE_DATE: "when",
    s.PRODUCT_ID: "sku",
    s.QUANTITY: "qty",
    s.UNIT_PRICE: "price",
    s.DESCRIPTION: "label",
    s.AMOUNT: "value",
}
#: The ``*_col`` arguments that read the frames with the caller's names.
COLS = {
    "customer_col": "client",
    "invoice_col": "order_no",
    "date_col": "when",
    "product_col": "sku",
    "quantity_col": "qty",
    "price_col": "price",
}


def raw_lines() -> pd.DataFrame:
    """Five raw lines: K1 buys A twice and returns one A; K2 buys B; a postage line."""
    return pd.DataFrame(
        {
            s.INVOICE_ID: ["1", "2", "C3", "4", "5"],
            s.INVOICE_DATE: pd.to_datetime(
                ["2024-01-01", "2024-01-01", "2024-01-05", "2024-01-03", "2024-01-04"]
            ),
            s.CUSTOMER_ID: ["K1", "K1", "K1", "K2", "K2"],
            s.PRODUCT_ID: ["A", "B", "A", "B", "POST"],
            s.DESCRIPTION: ["MUG", "BAG", "MUG", "BAG", "POSTAGE"],
            s.QUANTITY: [2, 1, -1, 3, 1],
            s.UNIT_PRICE: [5.0, 4.0, 5.0, 4.0, 10.0],
        }
    )


def renamed(df: pd.DataFrame) -> pd.DataFrame:
    return df.rename(columns=OTHER)


def old_and_new(func, *args, old: dict, new: dict):
    """Call ``func`` with the old keywords (asserting the warning) and with the new ones."""
    with pytest.warns(FutureWarning, match="is now called"):
        before = func(*args, **old)
    return before, func(*args, **new)


# --- cleaning ----------------------------------------------------------------------------------


def test_clean_transactions_old_names_warn_and_agree():
    df = renamed(raw_lines())
    old = {
        "customer_id": "client",
        "invoice_id": "order_no",
        "invoice_date": "when",
        "product_id": "sku",
        "quantity": "qty",
        "unit_price": "price",
        "description": "label",
        "amount": "value",
    }
    new = {**COLS, "description_col": "label", "amount_col": "value"}
    (clean_old, report_old), (clean_new, report_new) = old_and_new(
        clean_transactions, df, old=old, new=new
    )
    pd.testing.assert_frame_equal(clean_old, clean_new)
    pd.testing.assert_frame_equal(report_old, report_new)
    old.pop("amount")
    new.pop("amount_col")
    flags = old_and_new(flag_transactions, df, old=old, new=new)
    pd.testing.assert_series_equal(*flags)
    old["amount"], new["amount_col"] = "value", "value"
    both = old_and_new(clean_and_flag, df, old=old, new=new)
    pd.testing.assert_frame_equal(both[0][0], both[1][0])
    pd.testing.assert_series_equal(both[0][2], both[1][2])


def test_clean_transactions_keeps_the_callers_names():
    clean, report = clean_transactions(
        renamed(raw_lines()), **COLS, description_col="label", amount_col="value"
    )
    # K1: 2 A at 5 with 1 returned -> 1 A (5.0); 1 B (4.0). K2: 3 B (12.0); POST removed
    assert list(clean.columns) == [
        "order_no",
        "when",
        "client",
        "sku",
        "label",
        "qty",
        "price",
        "value",
    ]
    assert clean["client"].tolist() == ["K1", "K1", "K2"]
    assert clean["qty"].tolist() == [1, 1, 3]
    assert clean["value"].tolist() == [5.0, 4.0, 12.0]
    removed = report.set_index("reason")["rows"]
    assert removed["non-product code"] == 1 and removed["cancellation netted"] == 1
    reasons = flag_transactions(renamed(raw_lines()), **COLS, description_col="label")
    assert reasons.fillna("kept").tolist() == [
        "kept",
        "kept",
        "cancellation netted",
        "kept",
        "non-product code",
    ]


def test_non_product_lines_old_names_and_other_names():
    df = renamed(raw_lines())
    old, new = old_and_new(
        non_product_lines,
        df,
        old={"product_id": "sku", "description": "label"},
        new={"product_col": "sku", "description_col": "label"},
    )
    assert old.tolist() == new.tolist() == [False, False, False, False, True]

"""Small tables shared by the tests of helpers.value and helpers.periods, summed by hand."""

from __future__ import annotations

import pandas as pd
from conftest import order_lines as conftest_order_lines


def order_lines() -> pd.DataFrame:
    """Four customers' clean order lines (amount = quantity x unit_price).

    A: invoice 1 (P1 2 x 5 + P2 1 x 20 = 30), invoice 2 (P1 4 x 5 = 20), invoice 3 (P2 20)
       -> 3 purchases, revenue 70.
    B: one purchase, invoice 4 (P1 1 x 5 + P3 3 x 2 = 11).
    C: invoice 5 (P3 10 x 2 = 20), invoice 6 (P3 5 x 2 = 10) -> 2 purchases, revenue 30.
    E: one purchase, invoice 7 (P1 2 x 5 = 10).
    """
    rows = [
        ("1", "2024-01-01", "A", "P1", 2, 5.0),
        ("1", "2024-01-01", "A", "P2", 1, 20.0),
        ("2", "2024-03-05", "A", "P1", 4, 5.0),
        ("3", "2024-08-01", "A", "P2", 1, 20.0),
        ("4", "2024-07-15", "B", "P1", 1, 5.0),
        ("4", "2024-07-15", "B", "P3", 3, 2.0),
        ("5", "2024-02-01", "C", "P3", 10, 2.0),
        ("6", "2024-12-31", "C", "P3", 5, 2.0),
        ("7", "2024-03-10", "E", "P1", 2, 5.0),
    ]
    df = conftest_order_lines(rows)
    df["amount"] = df["quantity"] * df["unit_price"]
    return df


def products() -> pd.DataFrame:
    # unit margins: P1 5 - 3 = 2, P2 20 - 12 = 8, P3 2 - 1.5 = 0.5
    return pd.DataFrame({"product_id": ["P1", "P2", "P3"], "unit_cost": [3.0, 12.0, 1.5]})

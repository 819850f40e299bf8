"""helpers.customers: the per-customer summary, on a frame small enough to sum by hand."""

from __future__ import annotations

import pandas as pd
import pytest

from helpers.customers import customer_summary


@pytest.fixture
def lines() -> pd.DataFrame:
    # Customer a: invoice 1 (2 lines: 10 + 5) on 1 Jan, invoice 2 (20) on 1 Mar.
    # Customer b: invoice 3 (7) on 15 Feb.
    return pd.DataFrame(
        {
            "invoice_id": ["1", "1", "2", "3"],
            "invoice_date": pd.to_datetime(
                ["2024-01-01 10:00", "2024-01-01 10:00", "2024-03-01 09:00", "2024-02-15 12:00"]
            ),
            "customer_id": ["a", "a", "a", "b"],
            "product_id": ["X", "Y", "X", "Y"],
            "quantity": [2, 1, 4, 1],
            "amount": [10.0, 5.0, 20.0, 7.0],
        }
    )


def test_sums_by_hand(lines):
    out = customer_summary(lines)
    assert out.index.tolist() == ["a", "b"]
    assert out["purchases"].tolist() == [2, 1]
    assert out["revenue"].tolist() == [35.0, 7.0]
    assert out["average_amount"].tolist() == [17.5, 7.0]
    assert out.loc["a", "first_purchase"] == pd.Timestamp("2024-01-01 10:00")
    assert out.loc["a", "last_purchase"] == pd.Timestamp("2024-03-01 09:00")
    assert "profit" not in out


def test_profit_from_unit_costs(lines):
    cost = pd.Series({"X": 3.0, "Y": 2.0})
    out = customer_summary(lines, unit_cost=cost)
    # a: 35 - (2*3 + 1*2 + 4*3) = 15; b: 7 - 1*2 = 5
    assert out["profit"].tolist() == [15.0, 5.0]
    with pytest.raises(ValueError, match="no cost for product 'Y'"):
        customer_summary(lines, unit_cost=pd.Series({"X": 3.0}))


def test_window_end_is_exclusive(lines):
    out = customer_summary(lines, start="2024-01-01", end="2024-03-01 09:00")
    assert out["revenue"].to_dict() == {"a": 15.0, "b": 7.0}
    with pytest.raises(ValueError, match="no order lines"):
        customer_summary(lines, start="2025-01-01")


def test_window_with_profit(lines):
    cost = pd.Series({"X": 3.0, "Y": 2.0})
    out = customer_summary(lines, start="2024-02-01", unit_cost=cost)
    # Kept: invoice 2 (a: 20 - 4 x 3 = 8) and invoice 3 (b: 7 - 1 x 2 = 5); invoice 1 is earlier.
    assert out[["purchases", "revenue", "profit"]].to_dict("index") == {
        "a": {"purchases": 1, "revenue": 20.0, "profit": 8.0},
        "b": {"purchases": 1, "revenue": 7.0, "profit": 5.0},
    }


def test_own_column_names(lines):
    renamed = lines.rename(columns={"customer_id": "Client", "amount": "Value"})
    out = customer_summary(renamed, customer_col="Client", amount_col="Value")
    assert out["revenue"].to_dict() == {"a": 35.0, "b": 7.0}
    assert out.index.name == "Client"


def test_dirty_lines_are_refused_with_an_example(lines):
    dirty = lines.assign(amount=[10.0, -5.0, 20.0, 7.0])
    with pytest.raises(ValueError, match=r"'amount' must be > 0 .*row 1"):
        customer_summary(dirty)
    with pytest.raises(ValueError, match=r"column 'amount' is required but missing"):
        customer_summary(lines.drop(columns="amount"))
    guest = lines.astype({"customer_id": object})
    guest.loc[3, "customer_id"] = None
    with pytest.raises(ValueError, match="'customer_id' must be present"):
        customer_summary(guest)

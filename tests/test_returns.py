"""Tests of helpers.returns: returns netted last-in-first-out, worked out by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.returns import net_returns


def test_net_returns_takes_the_latest_purchase_first_and_counts_the_excess():
    # Key A: bought 5 then 3, returned 4 -> the 3 go first (fully returned), then 1 of the 5.
    # Key B: a return dated before the only purchase matches nothing.
    # Key C: 10 returned against 6 bought -> netted, excess 4.
    keys = pd.DataFrame(
        {
            "customer_id": ["K1", "K1", "K1", "K2", "K2", "K3", "K3"],
            "product_id": ["A", "A", "A", "B", "B", "C", "C"],
            "unit_price": [2.0, 2.0, 2.0, 1.0, 1.0, 3.0, 3.0],
        }
    )
    date = pd.Series(
        pd.to_datetime(
            [
                "2024-01-01",
                "2024-01-02",
                "2024-01-03",
                "2024-01-01",
                "2024-01-02",
                "2024-01-01",
                "2024-01-05",
            ]
        )
    )
    quantity = np.array([5, 3, -4, -2, 1, 6, -10], dtype=np.int64)
    is_return = quantity <= 0

    netted, reason, excess = net_returns(keys, date, quantity, is_return)

    assert netted.tolist() == [4, 0, -4, -2, 1, 0, -10]
    assert reason.tolist() == [
        None,
        "fully returned purchase",
        "cancellation netted",
        "unmatched cancellation",
        None,
        "fully returned purchase",
        "cancellation netted",
    ]
    assert excess == 4


def test_a_return_at_the_same_time_as_its_purchase_nets_it():
    keys = pd.DataFrame({"customer_id": ["K1", "K1"], "product_id": ["A", "A"], "unit_price": 1.0})
    date = pd.Series(pd.to_datetime(["2024-01-01 10:00", "2024-01-01 10:00"]))
    quantity = np.array([-2, 2], dtype=np.int64)  # the return is listed first

    netted, reason, excess = net_returns(keys, date, quantity, quantity <= 0)

    assert reason.tolist() == ["cancellation netted", "fully returned purchase"]
    assert netted.tolist() == [-2, 0] and excess == 0

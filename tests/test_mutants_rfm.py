"""helpers.rfm: behaviours a mutation run (mutmut, issue 27) showed no test pinned.

Expected values are worked out by hand on tiny frames.
"""

from __future__ import annotations

import pandas as pd

from helpers.rfm import rfm_analysis, segment_migration


def test_rfm_analysis_uses_the_segments_it_is_given():
    # four customers spending 10, 20, 30, 40 once each: with two scores, the two largest
    # spenders have m_score 2
    lines = pd.DataFrame(
        {
            "customer_id": ["a", "b", "c", "d"],
            "invoice_id": ["1", "2", "3", "4"],
            "invoice_date": pd.to_datetime(["2024-01-01"] * 4),
            "amount": [10.0, 20.0, 30.0, 40.0],
        }
    )
    out = rfm_analysis(
        lines,
        "2024-02-01",
        n_scores=2,
        segments={"big spender": {"m_score": (2, 2)}},
        default="other",
    )
    assert out["m_score"].astype(int).to_dict() == {"a": 1, "b": 1, "c": 2, "d": 2}
    assert out["segment"].astype(str).to_dict() == {
        "a": "other",
        "b": "other",
        "c": "big spender",
        "d": "big spender",
    }


def test_segment_migration_keeps_every_category_of_after_in_order_with_zeros():
    before = pd.Series(["x", "y", "y"], index=["1", "2", "3"])
    after = pd.Series(
        pd.Categorical(["y", "y", "x", "y"], categories=["z", "y", "x"]), index=["1", "2", "3", "4"]
    )
    table = segment_migration(before, after)
    # rows: x, y (before's values, sorted) then new customers; columns: after's categories
    assert list(table.columns) == ["z", "y", "x"]
    assert table.to_numpy().tolist() == [[0, 1, 0], [0, 1, 1], [0, 1, 0]]
    assert list(table.index) == ["x", "y", "(not yet a customer)"]

"""helpers.lifecycle: the stage rules by hand."""

from __future__ import annotations

import pandas as pd
import pytest

from helpers.lifecycle import STAGES, lifecycle_stages


def _lines() -> pd.DataFrame:
    rows = [
        ("new", "2024-11-15", 20.0),  # first purchase 47 days before 2025-01-01
        ("gone", "2024-03-01", 50.0),  # 306 days without a purchase
        ("up", "2024-02-01", 10.0),  # 10 in the 180 days before, 30 in the last 180
        ("up", "2024-09-01", 30.0),
        ("flat", "2024-03-01", 40.0),  # 40 before, 40 recent: retained
        ("flat", "2024-10-01", 40.0),
        ("late", "2025-01-05", 99.0),  # after as_of: not used
        ("late", "2023-01-05", 5.0),  # only a purchase long ago: lapsed
    ]
    return pd.DataFrame(
        {
            "customer_id": [r[0] for r in rows],
            "invoice_date": pd.to_datetime([r[1] for r in rows]),
            "amount": [r[2] for r in rows],
        }
    )


def test_stages_by_hand():
    customers = pd.DataFrame({"customer_id": ["new", "gone", "up", "flat", "late", "never"]})
    out = lifecycle_stages(_lines(), "2025-01-01", customers=customers)
    assert out["stage"].to_dict() == {
        "flat": "retained",
        "gone": "lapsed",
        "late": "lapsed",
        "never": "prospect",
        "new": "new",
        "up": "growing",
    }
    assert out.loc["up", "spend_recent"] == 30.0 and out.loc["up", "spend_before"] == 10.0
    assert out.loc["late", "spend_recent"] == 0.0  # the 2025 line is not counted
    assert out.loc["new", "reason"] == "first purchase 47 days ago (within 90)"
    assert out.loc["gone", "reason"] == "no purchase for 306 days (more than 180)"
    assert list(out["stage"].cat.categories) == list(STAGES)


def test_growth_threshold_and_errors():
    out = lifecycle_stages(_lines(), "2025-01-01", growth=4.0)
    assert out.loc["up", "stage"] == "retained"  # 30 < 4 x 10
    with pytest.raises(ValueError, match="growth"):
        lifecycle_stages(_lines(), "2025-01-01", growth=1.0)
    with pytest.raises(ValueError, match="amount"):
        lifecycle_stages(_lines().drop(columns="amount"), "2025-01-01")

"""helpers.churn: behaviours a mutation run (mutmut, issue 27) showed no test pinned.

Expected values are worked out by hand on tiny frames (dates passed positionally, default
column names, so the tests do not depend on the keyword names being renamed).
"""

from __future__ import annotations

import pandas as pd
from conftest import order_lines

from helpers import churn


def test_spend_trend_is_zero_without_spend_in_either_window_and_one_with_only_recent_spend():
    # as of 2024-02-01 with trend_days=90: recent window [2023-11-03, 2024-02-01), earlier
    # window [2023-08-05, 2023-11-03)
    raw = order_lines(
        [
            ("1", "2023-06-01 10:00", "old", "P1", 1, 10.0),  # before both windows
            ("2", "2024-01-10 10:00", "new", "P1", 2, 5.0),  # recent only
            ("3", "2023-09-01 10:00", "both", "P1", 1, 30.0),  # earlier: 30
            ("4", "2024-01-20 10:00", "both", "P1", 1, 10.0),  # recent: 10
        ]
    )
    features = churn.churn_features(raw, "2024-02-01", trend_days=90)
    assert features["spend_recent"].to_dict() == {"both": 10.0, "new": 10.0, "old": 0.0}
    assert features["spend_earlier"].to_dict() == {"both": 30.0, "new": 0.0, "old": 0.0}
    # (recent - earlier) / (recent + earlier); 0 when both are 0
    assert features["spend_trend"].to_dict() == {"both": -0.5, "new": 1.0, "old": 0.0}


def test_temporal_cutoffs_accept_a_spacing_of_one_day():
    train, test = churn.temporal_cutoffs("2024-01-01", "2024-12-31", 60, 3, 1)
    # 2024-12-31 - 60 days = 2024-11-01; minus 60 days = 2024-09-02; then one day apart
    assert test == pd.Timestamp("2024-11-01")
    assert train == [pd.Timestamp(d) for d in ("2024-08-31", "2024-09-01", "2024-09-02")]


def test_build_snapshots_labels_with_the_cleaning_settings_it_is_given():
    # A's only purchase in the label window [2024-02-01, 2024-03-02) is of product POST, a
    # non-product code by default: with the default rules A churns; with no non-product
    # codes it is a purchase and A stays
    raw = order_lines(
        [
            ("1", "2024-01-05 10:00", "A", "P1", 1, 5.0),
            ("2", "2024-01-10 10:00", "B", "P1", 1, 5.0),
            ("3", "2024-02-10 10:00", "A", "POST", 1, 5.0),
            ("4", "2024-03-10 10:00", "B", "P1", 1, 5.0),  # after the window: the data go on
        ]
    )
    default = churn.build_snapshots(raw, ["2024-02-01"], 30)
    assert default[churn.CHURN].droplevel(0).to_dict() == {"A": True, "B": True}
    settings = {"non_product_codes": [], "non_product_pattern": None}
    kept = churn.build_snapshots(raw, ["2024-02-01"], 30, cleaning=settings)
    assert kept[churn.CHURN].droplevel(0).to_dict() == {"A": False, "B": True}

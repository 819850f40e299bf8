"""helpers.cleaning: behaviours a mutation run (mutmut, issue 27) showed no test pinned."""

from __future__ import annotations

import numpy as np
from conftest import order_lines

from helpers.cleaning import clean_transactions


def test_the_report_has_its_documented_columns_and_counts_rows_in_whole_numbers():
    raw = order_lines(
        [
            ("1", "2024-01-01 10:00", "A", "P1", 2, 5.0),
            ("1", "2024-01-01 10:00", "A", "P1", 2, 5.0),  # an exact duplicate
            ("C2", "2024-01-02 10:00", "A", "P1", -1, 5.0),  # a return of one unit
        ]
    )
    raw["description"] = "ITEM"
    _, report = clean_transactions(raw)
    # the documented columns, nothing more
    assert list(report.columns) == ["reason", "action", "rows", "revenue"]
    assert report["rows"].dtype == np.int64
    rows = report.set_index("reason")["rows"]
    assert rows["exact duplicate"] == 1 and rows["cancellation netted"] == 1
    # the duplicate and the netted return are removed; the purchase stays (1 unit left)
    removed = report.set_index("reason")["action"] == "removed"
    assert rows[removed].sum() == 2

"""helpers.periods: values per customer and period, and retention, on order lines summed by hand."""

from __future__ import annotations

import pandas as pd
import pytest
import value_data

from helpers import periods as p
from helpers.value import line_margin

LINES = value_data.order_lines()  # read-only here: the tests only sum these lines


def test_period_values_and_retention_by_hand():
    margin = line_margin(LINES, value_data.products())
    # as_of 2025-01-01, 6 months: [2024-01-01, 2024-07-01) and [2024-07-01, 2025-01-01);
    # the next one back would start 2023-07-01, before the first invoice day (2024-01-01)
    table = p.period_values(LINES, margin, period_months=6, as_of="2025-01-01")
    assert list(table.columns) == [pd.Timestamp("2024-01-01"), pd.Timestamp("2024-07-01")]
    # A: 4 + 8 + 8 then 8; B: - then 2 + 1.5; C: 5 then 2.5; E: 4 then -
    assert table.loc["A"].tolist() == pytest.approx([20, 8])
    assert table.loc["B"].tolist() == pytest.approx([0, 3.5])
    assert table.loc["C"].tolist() == pytest.approx([5, 2.5])
    assert table.loc["E"].tolist() == pytest.approx([4, 0])
    # bought in the first half: A, C, E; of those A and C bought again: 2 / 3
    retention = p.retention_table(LINES, period_months=6, as_of="2025-01-01")
    assert retention.iloc[0].to_dict() == pytest.approx(
        {"active": 3, "retained": 2, "retention": 2 / 3}
    )
    assert p.retention_rate(LINES, period_months=6, as_of="2025-01-01") == pytest.approx(2 / 3)


def test_period_values_default_as_of_is_the_day_after_the_last_invoice():
    # last invoice 2024-12-31 -> the last period ends 2025-01-01 (exclusive)
    table = p.period_values(LINES, period_months=6)
    assert list(table.columns) == [pd.Timestamp("2024-01-01"), pd.Timestamp("2024-07-01")]
    assert table.loc["A"].tolist() == pytest.approx([50, 20])  # revenue by default
    assert table.attrs["lines_before_first_period"] == 0


def test_period_values_count_the_lines_they_leave_out():
    # as_of 2024-12-15: one whole half-year [2024-06-15, 2024-12-15); the one before would
    # start 2023-12-15, before the data. Left out: invoices 1 (2 LINES), 2, 5 and 7 before it,
    # invoice 6 (2024-12-31) after it.
    table = p.period_values(LINES, period_months=6, as_of="2024-12-15")
    assert list(table.columns) == [pd.Timestamp("2024-06-15")]
    assert table.attrs["lines_before_first_period"] == 5
    assert table.attrs["lines_after_as_of"] == 1
    assert table["2024-06-15"].to_dict() == pytest.approx({"A": 20, "B": 11, "C": 0, "E": 0})


def test_retention_needs_two_periods_and_a_rate_strictly_between_0_and_1():
    with pytest.raises(ValueError, match="do not hold one whole period"):
        p.period_values(LINES, period_months=24)
    with pytest.raises(ValueError, match="needs two whole periods, the data hold 1"):
        p.retention_table(LINES, period_months=12, as_of="2025-01-01")
    everyone_back = LINES[LINES["customer_id"] != "E"]  # A and C both come back: 100%
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        p.retention_rate(everyone_back, period_months=6, as_of="2025-01-01")

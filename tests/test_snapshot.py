"""Snapshots (helpers.snapshot): the lines known at one analysis date, cleaned once."""

from __future__ import annotations

import pandas as pd
import pytest

from helpers import cleaning
from helpers.snapshot import Snapshot, take_snapshot


def _raw() -> pd.DataFrame:
    # Customer a buys 2 in January and returns them on 1 March; b buys once in February;
    # a line without a date is counted by cleaning, whatever the analysis date.
    return pd.DataFrame(
        {
            "invoice_id": ["1", "2", "C3", "4"],
            "invoice_date": pd.to_datetime(["2024-01-05", "2024-02-01", "2024-03-01", None]),
            "customer_id": ["a", "b", "a", "b"],
            "product_id": ["P1", "P1", "P1", "P2"],
            "quantity": [2, 1, -2, 1],
            "unit_price": [5.0, 5.0, 5.0, 3.0],
        }
    )


def test_default_as_of_is_midnight_after_the_last_dated_line():
    snap = take_snapshot(_raw())
    assert snap.as_of == pd.Timestamp("2024-03-02")
    assert len(snap.raw) == 4  # every line, the undated one too
    assert snap.reasons.index.equals(snap.raw.index)
    # a's purchase and its return are netted, the undated line removed: b's purchase is left
    assert snap.clean["customer_id"].tolist() == ["b"]
    assert snap.reasons.fillna("kept").tolist() == [
        "fully returned purchase",
        "kept",
        "cancellation netted",
        "unparseable date",
    ]


def test_lines_at_as_of_are_not_in_the_snapshot():
    snap = take_snapshot(_raw(), "2024-03-01")  # the return is dated exactly at as_of
    assert snap.raw["invoice_id"].tolist() == ["1", "2", "4"]
    assert sorted(snap.clean["customer_id"]) == ["a", "b"]
    assert snap.clean["amount"].sum() == pytest.approx(15.0)  # 2 x 5 + 1 x 5


def test_an_earlier_snapshot_is_cleaned_again_not_cut():
    later = take_snapshot(_raw())
    earlier = later.at("2024-02-15")
    # Cutting the later clean lines would lose a's January purchase: it is returned on
    # 1 March, which nobody knew on 15 February (a leak into a churn model's features).
    cut = later.clean[later.clean["invoice_date"] < pd.Timestamp("2024-02-15")]
    assert cut["customer_id"].tolist() == ["b"]
    assert sorted(earlier.clean["customer_id"]) == ["a", "b"]
    direct = take_snapshot(_raw()[_raw()["invoice_date"] < pd.Timestamp("2024-02-15")])
    pd.testing.assert_frame_equal(earlier.clean, direct.clean)
    assert later.at(later.as_of) is later


def test_a_later_date_is_refused():
    snap = take_snapshot(_raw(), "2024-02-15")
    with pytest.raises(ValueError, match="after the snapshot's date"):
        snap.at("2024-03-01")


def test_no_line_before_as_of_is_refused_with_the_first_date():
    with pytest.raises(ValueError, match="no line is dated before as_of 2023-12-01"):
        take_snapshot(_raw(), "2023-12-01")


def test_one_cleaning_analysis_per_snapshot(monkeypatch):
    calls = []
    analyse = cleaning._analyse

    def counting(*args, **kwargs):
        calls.append(len(args[0]))
        return analyse(*args, **kwargs)

    monkeypatch.setattr(cleaning, "_analyse", counting)
    snap = take_snapshot(_raw())
    assert isinstance(snap, Snapshot)
    assert calls == [4]
    snap.at(snap.as_of)
    assert calls == [4]
    snap.at("2024-02-15")
    assert calls == [4, 3]  # the two dated lines before 15 February and the undated one

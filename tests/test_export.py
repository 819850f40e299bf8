"""helpers.export: spreadsheet-safe campaign CSVs without needless personal data."""

from __future__ import annotations

import csv

import pandas as pd
import pytest

from helpers.export import export_campaign, neutralise


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=SUM(A1)", "'=SUM(A1)"),
        ("+1", "'+1"),
        ("-2", "'-2"),
        ("@x", "'@x"),
        ("\t=1", "'\t=1"),
        ("ok = fine", "ok = fine"),
        ("", ""),
        (-2.5, -2.5),
    ],
)
def test_neutralise(value, expected):
    assert neutralise(value) == expected


def test_export_neutralises_formulas_and_drops_personal_data(tmp_path):
    df = pd.DataFrame(
        {
            "customer_id": ["=cmd|' /C calc'!A0", "c2", "c3", "c4"],
            "action": ["birthday greeting"] * 4,
            "offer": ["=SUM(A1)", "+1", "-2", "@x"],
            "expected_value": [-2.5, 1.0, 0.0, 3.333],
            "reason": ["plain", "plain", "plain", "plain"],
            "email": ["a@x", "b@x", "c@x", "d@x"],
            "birth_date": pd.to_datetime(["1990-01-01"] * 4),
            "send_date": pd.to_datetime(["2025-01-02"] * 4),
        }
    )
    path = export_campaign(df, tmp_path / "birthday.csv")
    with path.open(newline="", encoding="utf-8") as stream:
        rows = list(csv.DictReader(stream))
    assert list(rows[0]) == [
        "customer_id",
        "action",
        "offer",
        "expected_value",
        "reason",
        "send_date",
    ]
    assert [r["offer"] for r in rows] == ["'=SUM(A1)", "'+1", "'-2", "'@x"]
    assert rows[0]["customer_id"] == "'=cmd|' /C calc'!A0"
    # numbers stay numbers (a negative value is not a formula), rounded to cents
    assert [r["expected_value"] for r in rows] == ["-2.50", "1.00", "0.00", "3.33"]
    assert rows[0]["send_date"] == "2025-01-02"
    text = path.read_text(encoding="utf-8")
    assert "a@x" not in text and "1990" not in text
    assert [p.name for p in tmp_path.iterdir()] == ["birthday.csv"]  # no temporary left


def test_export_refuses_personal_columns_and_missing_ids(tmp_path):
    df = pd.DataFrame({"customer_id": ["a"], "email": ["a@x"], "action": ["x"]})
    with pytest.raises(ValueError, match="'email' is personal data"):
        export_campaign(df, tmp_path / "x.csv", columns=["customer_id", "email"])
    with pytest.raises(ValueError, match="needs a 'customer_id' or 'product_id'"):
        export_campaign(df, tmp_path / "x.csv", columns=["action"])
    assert not list(tmp_path.iterdir())

"""helpers.export: behaviours a mutation run (mutmut, issue 27) showed no test pinned.

Expected files are written out by hand here, not read from the module.
"""

from __future__ import annotations

import os

import pandas as pd

from helpers import export
from helpers.export import export_campaign, write_csv


def read_text(path) -> str:
    with open(path, encoding="utf-8", newline="") as stream:
        return stream.read()


def test_multiindex_columns_and_index_labels_are_neutralised_level_by_level(tmp_path):
    columns = pd.MultiIndex.from_tuples([("=a", "x"), ("b", "+y")], names=["@lvl", "ok"])
    index = pd.MultiIndex.from_tuples([("-1", 1), ("k", 2)], names=["=n", "m"])
    df = pd.DataFrame([[1, 2], [3, 4]], index=index, columns=columns)
    path = write_csv(df, tmp_path / "multi.csv", index=True)
    text = read_text(path)
    # pandas writes one header row per column level (level name first) and then the index names
    assert text == ("'@lvl,,'=a,b\r\nok,,x,'+y\r\n'=n,m,,\r\n'-1,1,1,2\r\nk,2,3,4\r\n")


def test_export_campaign_writes_floats_with_two_decimals_and_dates_as_days(tmp_path):
    df = pd.DataFrame(
        {
            "customer_id": ["=1", "2"],
            "expected_value": [1 / 3, 2.0],
            "send_date": pd.to_datetime(["2024-03-05 13:45", "2024-12-31 00:00"]),
        }
    )
    path = export_campaign(df, tmp_path / "campaign.csv")
    assert read_text(path) == (
        "customer_id,expected_value,send_date\r\n'=1,0.33,2024-03-05\r\n2,2.00,2024-12-31\r\n"
    )


def test_a_column_of_days_is_written_as_days_and_numbers_stay_numbers(tmp_path):
    df = pd.DataFrame(
        {
            "day": pd.to_datetime(["2024-01-31", "2024-02-29"]),
            "n": [1, -2],
            "label": ["=x", "y"],
        }
    )
    path = write_csv(df, tmp_path / "days.csv")
    # pandas writes a datetime column of midnights as bare days; a negative number is a number
    assert read_text(path) == "day,n,label\r\n2024-01-31,1,'=x\r\n2024-02-29,-2,y\r\n"


def test_an_empty_campaign_is_written_as_its_header(tmp_path):
    df = pd.DataFrame({"customer_id": pd.Series([], dtype=str), "channel": []})
    path = export_campaign(df, tmp_path / "empty.csv")
    assert read_text(path) == "customer_id,channel\r\n"


def test_the_temporary_file_is_a_hidden_file_in_the_target_folder(tmp_path, monkeypatch):
    # renaming across folders can cross file systems (not atomic, or an error); a visible
    # temporary name could be picked up by a folder watcher before it is complete
    moves = []
    real_replace = os.replace

    def spy(source, target):
        moves.append((os.fspath(source), os.fspath(target)))
        real_replace(source, target)

    monkeypatch.setattr(export.os, "replace", spy)
    target = tmp_path / "out.csv"
    write_csv(pd.DataFrame({"a": [1]}), target)
    [(source, written)] = moves
    assert os.path.dirname(source) == str(tmp_path)
    assert os.path.basename(source).startswith(".")
    assert written == str(target) and read_text(target) == "a\r\n1\r\n"

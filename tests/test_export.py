"""helpers.export: spreadsheet-safe CSVs, campaign lists without needless personal data."""

from __future__ import annotations

import csv
import os
import re
import stat

import openpyxl
import pandas as pd
import pytest

from helpers.export import export_campaign, neutralise, write_csv

# What a spreadsheet may read as the start of a formula (the module's list, written out again).
DANGEROUS = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"-?\d+(\.\d+)?")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=SUM(A1)", "'=SUM(A1)"),
        ("+1", "'+1"),
        ("-2", "'-2"),
        ("@x", "'@x"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r'=1"),
        ("ok = fine", "ok = fine"),
        ("1-2", "1-2"),
        ("", ""),
        (-2.5, -2.5),
        (None, None),
        # a formula after a line break inside the text
        ("X\r=1+1", "X\r'=1+1"),
        ("a\n@b", "a\n'@b"),
        ("a\r\n=b", "a\r\n'=b"),
        ("a\r\r-1", "a\r'\r'-1"),
        ("a\n\t=x", "a\n'\t=x"),
        ("a\n+1\n-2", "a\n'+1\n'-2"),
        ("a\u2028=b", "a\u2028'=b"),
        ("line\nbreak", "line\nbreak"),
        ("a\n b", "a\n b"),
        ("=a\n=b", "'=a\n'=b"),
    ],
)
def test_neutralise(value, expected):
    assert neutralise(value) == expected
    assert neutralise(neutralise(value)) == expected  # twice changes nothing more


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


# --- hostile values, read back as a spreadsheet would ----------------------------------------

# (written, what the file must hold once neutralised), worked out by hand from the rule:
# an apostrophe in front of = + - @ tab CR, and after a line break followed by one of them.
HOSTILE = [
    ("=1+1", "'=1+1"),
    ("X\r=1+1", "X\r'=1+1"),
    ("a\n@b", "a\n'@b"),
    ("\t=x", "'\t=x"),
    ("+1", "'+1"),
    ("-2", "'-2"),
    ("@SUM(1)", "'@SUM(1)"),
    ("Zoë ☕ 日本語", "Zoë ☕ 日本語"),
    ("a, b, 1,000", "a, b, 1,000"),
    ('say "hi", =no', 'say "hi", =no'),
    ("x\r\n-3\r\n+4", "x\r\n'-3\r\n'+4"),
    ("end\r", "end\r"),
    ("u\u2028=1", "u\u2028'=1"),
]
IDS = [
    ("c\n=1", "c\n'=1"),
    ("c\r@2", "c\r'@2"),
    ("c3", "c3"),
    ("=c4", "'=c4"),
    ("c\r\n5", "c\r\n5"),
    ("c6", "c6"),
    ("c7", "c7"),
    ("c8", "c8"),
    ("c9", "c9"),
    ("c10", "c10"),
    ("c11", "c11"),
    ("c12", "c12"),
    ("c13", "c13"),
]


def _hostile_list() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": [written for written, _ in IDS],
            "action": ["win back"] * len(HOSTILE),
            "offer": [written for written, _ in HOSTILE],
            "expected_value": [-2.5 + i for i in range(len(HOSTILE))],
            "reason": [written for written, _ in reversed(HOSTILE)],
        }
    )


def _csv_rows(path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as stream:
        return list(csv.reader(stream))


def _naive_lines(path) -> list[str]:
    """Physical lines as a careless importer sees them: cut at every line break, quotes or not."""
    return path.read_bytes().decode("utf-8").splitlines()  # \r\n, \n, \r, \u2028, ...


def _starts_a_formula(text: str) -> bool:
    return text.startswith(DANGEROUS) and not NUMBER.fullmatch(text)


def _spreadsheet(rows: list[list[str]]) -> openpyxl.worksheet.worksheet.Worksheet:
    """Load fields into a workbook cell by cell as a spreadsheet's CSV import would.

    A field that is a number becomes a number; text that starts with = (or, as Excel reads
    it, with + - @ or after a leading tab or carriage return) becomes a formula; anything else
    is text. openpyxl marks a cell whose value starts with "=" as a formula (data_type "f").
    """
    book = openpyxl.Workbook()
    sheet = book.active
    for r, row in enumerate(rows, start=1):
        for c, field in enumerate(row, start=1):
            if NUMBER.fullmatch(field):
                value: object = float(field)
            elif field.lstrip("\t\r").startswith(("=", "+", "-", "@")):
                value = "=" + field.lstrip("\t\r").lstrip("=")
            else:
                value = field
            sheet.cell(row=r, column=c, value=value)
    return sheet


def test_hostile_values_read_back_neutralised_and_never_start_a_formula(tmp_path):
    path = export_campaign(_hostile_list(), tmp_path / "retention.csv")
    rows = _csv_rows(path)
    assert rows[0] == ["customer_id", "action", "offer", "expected_value", "reason"]
    body = rows[1:]
    assert len(body) == len(HOSTILE)  # no row cut in two, none merged
    assert [r[0] for r in body] == [safe for _, safe in IDS]
    assert [r[2] for r in body] == [safe for _, safe in HOSTILE]
    assert [r[4] for r in body] == [safe for _, safe in reversed(HOSTILE)]
    assert [r[3] for r in body][:3] == ["-2.50", "-1.50", "-0.50"]
    for row in rows:
        assert not [field for field in row if _starts_a_formula(field)]
    lines = _naive_lines(path)
    assert len(lines) > len(rows)  # the fields with line breaks do break a naive reader's lines
    assert not [line for line in lines if line.startswith(DANGEROUS)]
    for sheet in (_spreadsheet(rows), _spreadsheet([line.split(",") for line in lines])):
        formulas = [c.coordinate for row in sheet.iter_rows() for c in row if c.data_type == "f"]
        assert formulas == []


def test_a_lone_carriage_return_is_quoted(tmp_path):
    df = pd.DataFrame({"customer_id": ["X\r=1+1", "ok"], "expected_value": [-2.5, 1.0]})
    path = write_csv(df, tmp_path / "x.csv", float_format="%.2f")
    assert path.read_bytes() == (b'customer_id,expected_value\r\n"X\r\'=1+1",-2.50\r\nok,1.00\r\n')


def test_write_csv_neutralises_headers_index_and_other_objects(tmp_path):
    df = pd.DataFrame(
        {
            "=head": ["=a", "b"],
            "when": pd.to_timedelta(["-1 days", "2 days"]),
            "kind": pd.Categorical(["@x", "y"]),
            "name": pd.array(["+n", pd.NA], dtype="string"),
            "n": [-1, 2],
        },
        index=pd.Index(["-i", "j"], name="@id"),
    )
    path = write_csv(df, tmp_path / "t.csv", index=True)
    rows = _csv_rows(path)
    assert rows == [
        ["'@id", "'=head", "when", "kind", "name", "n"],
        ["'-i", "'=a", "'-1 days +00:00:00", "'@x", "'+n", "-1"],  # a Timedelta's text
        ["j", "b", "2 days 00:00:00", "y", "", "2"],
    ]
    assert df.iloc[0, 0] == "=a"  # the caller's frame is not changed


def test_write_csv_can_leave_text_alone_for_machine_files(tmp_path):
    df = pd.DataFrame({"a": ["=1", "x\ry"]})
    path = write_csv(df, tmp_path / "t.csv", neutralise_text=False)
    assert path.read_bytes() == b'a\r\n=1\r\n"x\ry"\r\n'


def test_write_csv_refuses_options_it_sets(tmp_path):
    df = pd.DataFrame({"a": [1]})
    with pytest.raises(TypeError, match="'lineterminator' is set by write_csv"):
        write_csv(df, tmp_path / "t.csv", lineterminator="\n")
    with pytest.raises(TypeError, match="'mode'"):
        write_csv(df, tmp_path / "t.csv", mode="a")
    with pytest.raises(ValueError, match="QUOTE_NONE"):
        write_csv(df, tmp_path / "t.csv", quoting=csv.QUOTE_NONE)
    assert not list(tmp_path.iterdir())


def test_write_csv_permissions_follow_the_umask(tmp_path):
    previous = os.umask(0o027)
    try:
        path = write_csv(pd.DataFrame({"a": [1]}), tmp_path / "t.csv")
    finally:
        os.umask(previous)
    assert stat.S_IMODE(path.stat().st_mode) == 0o640  # 0o666 without the group's w, others'


class _Unprintable:
    def __str__(self) -> str:
        raise RuntimeError("cannot print")


def test_write_csv_failure_keeps_the_previous_file(tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes(b"previous\r\n")
    df = pd.DataFrame({"a": ["x", _Unprintable()]})
    with pytest.raises(RuntimeError, match="cannot print"):
        write_csv(df, path)
    assert path.read_bytes() == b"previous\r\n"
    assert [p.name for p in tmp_path.iterdir()] == ["t.csv"]


def test_the_control_group_column_is_exported_after_the_customer(tmp_path):
    from helpers.experiments import assign_groups

    df = pd.DataFrame(
        {
            "customer_id": [1, 2, 3, 4],
            "action": ["retention offer"] * 4,
            "offer": ["10% off"] * 4,
            "expected_value": [4.0, 3.0, 2.0, 1.0],
            "reason": ["plain"] * 4,
        }
    )
    listed = assign_groups(df, base_rate=0.2, expected_uplift=0.05, control_share=0.25)
    path = export_campaign(listed, tmp_path / "retention.csv")
    frame = pd.read_csv(path)
    assert frame.columns[:2].tolist() == ["customer_id", "group"]
    assert frame["group"].value_counts().to_dict() == {"treatment": 3, "control": 1}

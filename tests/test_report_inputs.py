"""helpers.report_inputs: parameters checked before reading, the analysis date, and the
as-of property: a run at AS_OF = D on a whole file equals the run on the file cut at D."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import ROOT

from helpers import report_inputs as ri
from helpers.options import command_line_words
from helpers.scoring import score_customers
from helpers.snapshot import take_snapshot
from helpers.synthetic import make_synthetic

SYNTHETIC = ROOT / "datasets" / "synthetic" / "order_lines.csv.gz"


def _write(frame: pd.DataFrame, path) -> str:
    frame.to_csv(path, index=False)
    return str(path)


def _cut(frame: pd.DataFrame, as_of: str) -> pd.DataFrame:
    dates = pd.to_datetime(frame["invoice_date"], errors="coerce", format="ISO8601")
    return frame[dates.isna() | (dates < pd.Timestamp(as_of))]


def _inputs(path: str, as_of: str, window: int = 90) -> dict:
    params = ri.validate_parameters(
        {"TRANSACTIONS_PATH": path, "AS_OF": as_of, "CHURN_WINDOW_DAYS": window}
    )
    return ri.load_inputs(params)


# --- the analysis date -----------------------------------------------------------------------


def test_analysis_end_ignores_an_isolated_future_typo():
    dates = pd.Series(pd.date_range("2024-01-01", "2024-12-31 12:00", periods=2000))
    typo = pd.concat([dates, pd.Series([pd.Timestamp("2204-06-01")])], ignore_index=True)
    as_of, ignored = ri.analysis_end(typo)
    assert as_of == pd.Timestamp("2025-01-01")
    assert ignored.tolist() == [False] * 2000 + [True]
    # the same without the typo: nothing ignored, the same date
    as_of, ignored = ri.analysis_end(dates)
    assert as_of == pd.Timestamp("2025-01-01") and not ignored.any()


def test_analysis_end_keeps_a_tail_that_is_more_than_a_typo():
    # 2,000 lines in 2024, then 10 lines (0.5% > 0.1%) after a 90-day pause: a real reopening
    dates = pd.Series(
        list(pd.date_range("2024-01-01", "2024-06-30", periods=2000))
        + list(pd.date_range("2024-10-01", "2024-10-05", periods=10))
    )
    as_of, ignored = ri.analysis_end(dates)
    assert as_of == pd.Timestamp("2024-10-06") and not ignored.any()


def test_analysis_end_two_typos_and_missing_dates():
    dates = pd.Series(
        list(pd.date_range("2023-01-01", "2024-12-31", periods=3000))
        + [pd.Timestamp("2030-01-01"), pd.NaT, pd.Timestamp("2099-05-05")]
    )
    as_of, ignored = ri.analysis_end(dates)
    assert as_of == pd.Timestamp("2025-01-01")
    assert np.flatnonzero(ignored).tolist() == [3000, 3002]  # NaT is not "after"


def test_analysis_end_needs_a_date():
    with pytest.raises(ValueError, match="no date at all"):
        ri.analysis_end(pd.Series([pd.NaT, pd.NaT]))


# --- parameters --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "python", "cli"),
    [
        ({"DATE_FORMAT": "%Q"}, "parameter DATE_FORMAT '%Q' is not a usable", "--date-format '%Q'"),
        ({"DATE_FORMAT": "dd/mm/yyyy"}, "parameter DATE_FORMAT must be", "--date-format must"),
        ({"ENCODING": "klingon"}, "parameter ENCODING 'klingon'", "--encoding 'klingon'"),
        ({"SEP": ";;"}, "parameter SEP must be one character", "--sep must"),
        ({"DECIMAL": ";"}, "parameter DECIMAL must be", "--decimal must"),
        ({"THOUSANDS": "ab"}, "parameter THOUSANDS must be", "--thousands must"),
        ({"THOUSANDS": ".", "DECIMAL": ","}, None, None),
        ({"THOUSANDS": ",", "DECIMAL": ","}, "are both ','", "are both ','"),
        ({"TIMEZONE": "Mars/Olympus"}, "parameter TIMEZONE", "--timezone 'Mars/Olympus'"),
        ({"MAX_BAD_DATES": 1.5}, "parameter MAX_BAD_DATES must be", "--max-bad-dates must"),
        ({"AS_OF": "2024-01-01T00:00+01:00"}, "parameter AS_OF must be", "--as-of must"),
    ],
)
def test_options_are_checked_before_reading_in_the_callers_words(tmp_path, changes, python, cli):
    params = {"TRANSACTIONS_PATH": _write(pd.DataFrame({"a": [1]}), tmp_path / "x.csv")}
    params.update(changes)
    if python is None:
        assert ri.validate_parameters(params)["THOUSANDS"] == "."
        return
    with pytest.raises(ValueError, match=None) as caught:
        ri.validate_parameters(params)
    assert python in str(caught.value)
    with command_line_words(), pytest.raises(ValueError) as caught:
        ri.validate_parameters(params)
    assert cli in str(caught.value)


def test_options_are_normalised(tmp_path):
    params = ri.validate_parameters(
        {
            "TRANSACTIONS_PATH": _write(pd.DataFrame({"a": [1]}), tmp_path / "x.csv"),
            "ENCODING": "GBK",
            "SEP": "tab",
            "DATE_FORMAT": "excel",
            "TIMEZONE": "Asia/Shanghai",
        }
    )
    assert params["ENCODING"] == "gbk" and params["SEP"] == "\t"
    assert params["DATE_FORMAT"] == "excel"


def test_mapping_rules():
    assert ri.parse_mapping(["A=invoice_id", " B = amount "]) == {
        "A": "invoice_id",
        "B": "amount",
    }
    with pytest.raises(ValueError, match="'A' is already mapped to 'quantity'"):
        ri.parse_mapping(["A=quantity", "B=quantity"])
    with pytest.raises(ValueError, match="column 'A' is mapped twice"):
        ri.parse_mapping(["A=quantity", "A=unit_price"])
    with pytest.raises(ValueError, match="expected source=canonical"):
        ri.parse_mapping(["A"])


# --- the as-of property ------------------------------------------------------------------------


def _same_inputs(full: dict, cut: dict) -> None:
    pd.testing.assert_frame_equal(full["snapshot"].clean, cut["snapshot"].clean)
    a, b = full["cleaning"].iloc[1:], cut["cleaning"].iloc[1:]  # row 0: the set-aside lines
    pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True))
    assert cut["cleaning"]["rows"].iloc[0] == 0
    assert full["cleaning"].attrs["rows_out"] == cut["cleaning"].attrs["rows_out"]
    assert full["cleaning"].attrs["revenue_out"] == pytest.approx(
        cut["cleaning"].attrs["revenue_out"]
    )
    assert full["as_of"] == cut["as_of"]
    # rows and revenue reconcile, the set-aside lines included
    report = full["cleaning"]
    removed = report.loc[report["action"] == "removed"]
    fixed = report.loc[report["action"] == "fixed", "revenue"].sum()
    assert report.attrs["rows_in"] == report.attrs["rows_out"] + removed["rows"].sum()
    assert report.attrs["revenue_in"] - removed["revenue"].sum() + fixed == pytest.approx(
        report.attrs["revenue_out"]
    )


@pytest.mark.parametrize("as_of", ["2024-03-01", "2024-07-16", "2024-11-20"])
def test_as_of_run_equals_the_file_cut_there_small_shop(tmp_path, as_of):
    lines = make_synthetic(11, 120).order_lines  # dirt and returns included
    full = _inputs(_write(lines, tmp_path / "full.csv"), as_of)
    cut = _inputs(_write(_cut(lines, as_of), tmp_path / "cut.csv"), as_of)
    assert full["after"] > 0 and cut["after"] == 0
    _same_inputs(full, cut)
    scores = [score_customers(x["snapshot"], horizon_months=6)[0] for x in (full, cut)]
    pd.testing.assert_frame_equal(scores[0], scores[1])


def test_as_of_run_equals_the_file_cut_there_synthetic_shop(tmp_path):
    as_of = "2024-10-01"
    lines = pd.read_csv(SYNTHETIC, dtype=str, keep_default_na=False, na_values=[""])
    full = _inputs(str(SYNTHETIC), as_of)
    cut = _inputs(_write(_cut(lines, as_of), tmp_path / "cut.csv"), as_of)
    _same_inputs(full, cut)
    scores = [score_customers(x["snapshot"], horizon_months=6)[0] for x in (full, cut)]
    pd.testing.assert_frame_equal(scores[0], scores[1])


def test_later_lines_are_set_aside_before_cleaning(tmp_path):
    # a return dated after AS_OF must not be netted against the purchase before it
    lines = pd.DataFrame(
        {
            "invoice_id": ["1", "2", "3", "4", "C5"],
            "invoice_date": [
                "2024-01-05",
                "2024-03-01",
                "2024-06-01",
                "2024-07-01",
                "2024-08-02",
            ],
            "customer_id": ["a", "b", "a", "c", "a"],
            "product_id": ["P1", "P2", "P1", "P3", "P1"],
            "quantity": [1, 2, 3, 1, -3],
            "unit_price": [2.0, 3.0, 2.0, 5.0, 2.0],
        }
    )
    got = _inputs(_write(lines, tmp_path / "x.csv"), "2024-08-01", window=30)
    assert got["snapshot"].clean["quantity"].tolist() == [1, 2, 3, 1]  # the purchase of 3 is whole
    first = got["cleaning"].iloc[0]
    assert first["reason"] == "dated on or after the analysis date"
    assert (first["rows"], first["revenue"]) == (1, -6.0)
    assert got["after"] == 1 and "1 order line(s) dated on or after" in got["notes"][-1]


def test_the_report_snapshot_is_the_cleaning_of_the_lines_before_as_of():
    # the report cleans once, into a snapshot the scores reuse (the synthetic shop has NaT
    # dates, returns, duplicates: every rule is exercised); it equals a fresh snapshot of the
    # loaded lines, and its reasons reconcile with the cleaning report
    data = _inputs(str(SYNTHETIC), "2024-12-01")
    snapshot = data["snapshot"]
    assert snapshot.as_of == data["as_of"] == pd.Timestamp("2024-12-01")
    fresh = take_snapshot(snapshot.raw, data["as_of"])
    pd.testing.assert_frame_equal(snapshot.clean, fresh.clean)
    pd.testing.assert_series_equal(snapshot.reasons, fresh.reasons)
    assert len(snapshot.reasons) == len(snapshot.raw)
    removed = data["cleaning"].iloc[1:]  # the first row: lines set aside, not in raw
    assert (
        snapshot.reasons.notna().sum() == removed.loc[removed["action"] == "removed", "rows"].sum()
    )


@pytest.mark.parametrize(
    ("name", "value", "function", "argument"),
    [
        ("DISCOUNT_RATE", 10, "discounted_clv", "discount_rate"),
        ("DISCOUNT_RATE", 1.5, "discounted_clv", "discount_rate"),
        ("DISCOUNT_RATE", -0.1, "discounted_clv", "discount_rate"),
        ("MARGIN", 1.5, "simple_clv", "margin_rate"),
        ("MARGIN", 0, "simple_clv", "margin_rate"),
    ],
)
def test_the_report_and_the_library_refuse_the_same_values_with_the_same_rule(
    tmp_path, name, value, function, argument
):
    from helpers import value_formulas

    params = {"TRANSACTIONS_PATH": _write(pd.DataFrame({"a": [1]}), tmp_path / "x.csv")}
    with pytest.raises(ValueError) as report:
        ri.validate_parameters({**params, name: value})
    call = {
        "discounted_clv": lambda: value_formulas.discounted_clv([100], value),
        "simple_clv": lambda: value_formulas.simple_clv(100, 0.2, margin_rate=value),
    }[function]
    with pytest.raises(ValueError) as library:
        call()
    # the same rule in both, only the name differs
    assert str(report.value).startswith(f"parameter {name} must be ")
    assert str(report.value).removeprefix(f"parameter {name}") == str(library.value).removeprefix(
        argument
    )
    if name == "DISCOUNT_RATE" and value > 1:
        assert "percentage typed as a whole number: 10% is 0.1" in str(report.value)


@pytest.mark.parametrize(
    ("name", "value"), [("DISCOUNT_RATE", 0), ("DISCOUNT_RATE", 1), ("MARGIN", 1)]
)
def test_the_bounds_the_library_accepts_the_report_accepts(tmp_path, name, value):
    params = {"TRANSACTIONS_PATH": _write(pd.DataFrame({"a": [1]}), tmp_path / "x.csv")}
    assert ri.validate_parameters({**params, name: value})[name] == value

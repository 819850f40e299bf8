"""Tests of helpers.clv_data: summary data of a hand-made toy, computed by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers import id_runs
from helpers.clv_data import calibration_holdout, summary_data


@pytest.fixture
def toy() -> pd.DataFrame:
    rows = [
        # A: two invoices on 1 Jan (one purchase day), then 15 Jan and 12 Feb
        ("A", "2024-01-01 10:00", 10.0),
        ("A", "2024-01-01 15:00", 5.0),
        ("A", "2024-01-15 09:00", 20.0),
        ("A", "2024-02-12 12:00", 40.0),
        # B: one purchase only
        ("B", "2024-03-01 08:00", 7.0),
        # C: two purchases in calibration, one in the holdout
        ("C", "2024-02-01 10:00", 10.0),
        ("C", "2024-02-08 10:00", 30.0),
        ("C", "2024-04-10 10:00", 50.0),
        # D: first buys in the holdout
        ("D", "2024-04-05 10:00", 99.0),
    ]
    frame = pd.DataFrame(rows, columns=["customer_id", "invoice_date", "amount"])
    frame["invoice_date"] = pd.to_datetime(frame["invoice_date"])
    return frame


def test_summary_of_three_customers_by_hand(toy):
    summary = summary_data(toy[toy["customer_id"] != "D"], as_of="2024-04-01", period="W")
    assert summary.index.tolist() == ["A", "B", "C"]
    # A: 3 purchase days -> 2 repeats; last 12 Feb is 42 days after 1 Jan; 31 Mar is 90 days
    # after; repeat spend (20 + 40) / 2 (the first day, 10 + 5, is left out)
    row = summary.loc["A"]
    assert row[["frequency", "recency", "monetary_value"]].tolist() == [2, 6.0, 30.0]
    assert row["T"] == pytest.approx(90 / 7)
    assert row["first_purchase"] == pd.Timestamp("2024-01-01")
    assert row["last_purchase"] == pd.Timestamp("2024-02-12")
    # B: no repeat purchase: frequency 0, recency 0, monetary 0; T = 30 days
    assert summary.loc["B", ["frequency", "recency", "T", "monetary_value"]].tolist() == [
        0,
        0.0,
        pytest.approx(30 / 7),
        0.0,
    ]
    # C: 1 Feb and 8 Feb in the window (10 Apr is after the end): 1 repeat, 1 week, T 59 days
    assert summary.loc["C", ["frequency", "recency", "T", "monetary_value"]].tolist() == [
        1,
        1.0,
        pytest.approx(59 / 7),
        30.0,
    ]
    assert summary.attrs["period"] == "W"
    assert summary.attrs["as_of"] == pd.Timestamp("2024-04-01")
    assert summary.attrs["last_day"] == pd.Timestamp("2024-03-31")
    assert summary.attrs["lines_after_end"] == 1


def test_summary_in_days(toy):
    summary = summary_data(toy, as_of="2024-04-01", period="D")
    assert summary.loc["A", ["recency", "T"]].tolist() == [42.0, 90.0]


def test_calibration_holdout_split(toy):
    table = calibration_holdout(toy, holdout_start="2024-04-01", as_of="2024-05-01", period="W")
    assert table.index.tolist() == ["A", "B", "C"]  # D was acquired in the holdout
    assert table["holdout_purchases"].tolist() == [0, 0, 1]
    assert table["holdout_spend"].tolist() == [0.0, 0.0, 50.0]
    assert table.loc["C", "frequency"] == 1
    assert table.attrs["holdout_length"] == pytest.approx(30 / 7)
    assert table.attrs["new_in_holdout"] == 1
    assert table.attrs["holdout_start"] == pd.Timestamp("2024-04-01")
    assert table.attrs["as_of"] == pd.Timestamp("2024-05-01")
    assert table.attrs["last_day"] == pd.Timestamp("2024-04-30")
    # calibration T runs to 31 March: B first bought on 1 March, 30 days before
    assert table.loc["B", "T"] == pytest.approx(30 / 7)


def test_errors_name_the_argument(toy):
    with pytest.raises(ValueError, match="period must be one of"):
        summary_data(toy, period="M")
    with pytest.raises(ValueError, match="as_of 2024-01-01 .* not after the first purchase"):
        summary_data(toy, as_of="2024-01-01")
    with pytest.raises(ValueError, match="as_of must be a date.*'soon'"):
        summary_data(toy, as_of="soon")
    with pytest.raises(ValueError, match="holdout_start .* must be before as_of"):
        calibration_holdout(toy, holdout_start="2024-05-01", as_of="2024-05-01")
    with pytest.raises(ValueError, match="holdout_start must be a day"):
        calibration_holdout(toy, holdout_start="2024-04-01 12:00", as_of="2024-05-01")
    with pytest.raises(ValueError, match="calibration period is empty"):
        calibration_holdout(toy, holdout_start="2024-01-01", as_of="2024-05-01")
    bad = toy.copy()
    bad.loc[2, "invoice_date"] = pd.NaT
    with pytest.raises(ValueError, match="'invoice_date' must be a parsed date.*e.g. row 2"):
        summary_data(bad)
    with pytest.raises(ValueError, match="'amount' is required but missing"):
        summary_data(toy.drop(columns="amount"))


def _reference(lines: list[tuple[str, pd.Timestamp, float]], end: pd.Timestamp, unit: float):
    """Summary data by a plain loop over customers: the definitions, one customer at a time."""
    out = {}
    for customer in sorted({c for c, _, _ in lines}):
        spend_by_day: dict[pd.Timestamp, float] = {}
        for c, when, amount in lines:
            if c == customer and when.normalize() <= end:
                day = when.normalize()
                spend_by_day[day] = spend_by_day.get(day, 0.0) + amount
        if not spend_by_day:
            continue
        days = sorted(spend_by_day)
        repeat = [spend_by_day[d] for d in days[1:]]
        out[customer] = {
            "frequency": len(days) - 1,
            "recency": (days[-1] - days[0]).days / unit,
            "T": (end - days[0]).days / unit,
            "monetary_value": sum(repeat) / len(repeat) if repeat else 0.0,
            "first_purchase": days[0],
            "last_purchase": days[-1],
        }
    return out


@pytest.mark.parametrize("block", [None, 7])  # 7: runs of one customer cross the blocks
@pytest.mark.parametrize("shuffle", [False, True])
def test_summary_equals_a_plain_loop_over_customers(shuffle, block, monkeypatch):
    if block is not None:
        monkeypatch.setattr(id_runs, "_BLOCK", block)
    rng = np.random.default_rng(7)
    # short and long ids (the fast path packs 8 bytes to a word), prefixes of each other,
    # non-ASCII; one-purchase customers, several invoices on one day, ties in every column
    ids = ["a", "ab", "abc", "b", "B", "é", "z" * 9, "z" * 8, "zz", "10", "9", "customer-00012"]
    rows = []
    for _ in range(300):  # invoices of 1-4 lines, in date order
        customer = ids[rng.integers(len(ids))]
        when = pd.Timestamp("2024-01-01") + pd.Timedelta(hours=int(rng.integers(0, 24 * 60)))
        for _ in range(rng.integers(1, 5)):
            rows.append((customer, when, float(rng.integers(-2, 50)) + 0.1))
    rows.append(("one-timer", pd.Timestamp("2024-02-10 10:00"), 12.5))
    rows.append(("late", pd.Timestamp("2024-02-27 10:00"), 7.0))  # only after the end
    rows.sort(key=lambda row: row[1])
    if shuffle:
        rows = [rows[i] for i in rng.permutation(len(rows))]
    frame = pd.DataFrame(rows, columns=["customer_id", "invoice_date", "amount"])
    end = pd.Timestamp("2024-02-25")
    expected = _reference(rows, end, 7.0)

    got = summary_data(frame, as_of=end + pd.Timedelta(days=1), period="W")

    assert got.index.tolist() == list(expected) and "late" not in got.index
    assert got.loc["one-timer", "frequency"] == 0
    assert got["frequency"].max() > 5  # the log has repeat buyers
    for customer, want in expected.items():
        row = got.loc[customer]
        for column in ("frequency", "recency", "T", "first_purchase", "last_purchase"):
            assert row[column] == want[column], (customer, column)
        assert row["monetary_value"] == pytest.approx(want["monetary_value"], rel=1e-12)
    assert got.attrs["lines_after_end"] == sum(when.normalize() > end for _, when, _ in rows)


@pytest.mark.parametrize(
    "form",
    ["text dates", "seconds", "microseconds", "zoned", "text amounts", "integer amounts"],
)
def test_the_same_lines_in_other_column_types_give_the_same_summary(toy, form):
    lines = toy.copy()
    if form == "text dates":
        lines["invoice_date"] = lines["invoice_date"].dt.strftime("%Y-%m-%d %H:%M")
    elif form in ("seconds", "microseconds"):
        unit = {"seconds": "s", "microseconds": "us"}[form]
        lines["invoice_date"] = lines["invoice_date"].astype(f"datetime64[{unit}]")
    elif form == "zoned":  # purchase days are the wall clock's days where the shop is
        lines["invoice_date"] = lines["invoice_date"].dt.tz_localize("Europe/London")
    elif form == "text amounts":
        lines["amount"] = lines["amount"].map(str).astype(object)
    else:
        lines["amount"] = lines["amount"].astype(int)
    expected = summary_data(toy, as_of="2024-04-01")
    got = summary_data(lines, as_of="2024-04-01")
    columns = ["frequency", "recency", "T", "monetary_value"]
    pd.testing.assert_frame_equal(got[columns], expected[columns])
    first = got["first_purchase"]
    if form == "zoned":
        assert str(first.dt.tz) == "Europe/London"
        assert first.loc["A"] == pd.Timestamp("2024-01-01", tz="Europe/London")
    elif form in ("seconds", "microseconds"):
        assert first.dtype == lines["invoice_date"].dtype  # the lines' own unit is kept
        assert first.loc["A"] == pd.Timestamp("2024-01-01")


def test_a_late_evening_in_a_time_zone_stays_on_its_own_day():
    lines = pd.DataFrame(
        {
            "customer_id": ["A", "A"],
            "invoice_date": pd.to_datetime(["2024-01-01 23:30", "2024-01-02 00:30"]),
            "amount": [1.0, 2.0],
        }
    )
    lines["invoice_date"] = lines["invoice_date"].dt.tz_localize("America/New_York")
    summary = summary_data(lines, as_of="2024-01-03", period="D")
    # two calendar days where the shop is (in UTC both would be 2 January)
    assert summary.loc["A", ["frequency", "recency", "T"]].tolist() == [1, 1.0, 1.0]


def test_a_missing_or_unreadable_amount_is_named():
    lines = pd.DataFrame(
        {
            "customer_id": ["A", "B", "C"],
            "invoice_date": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-03"]),
            "amount": [1.0, np.nan, 3.0],
        }
    )
    with pytest.raises(ValueError, match="'amount' must be a number.*e.g. row 1"):
        summary_data(lines)
    lines["amount"] = ["1", "two", "3"]
    with pytest.raises(ValueError, match="'amount' must be a number.*e.g. row 1"):
        summary_data(lines)


@pytest.mark.parametrize(
    ("old", "new", "column"),
    [
        ("FREQUENCY", "BTYD_FREQUENCY", "frequency"),
        ("RECENCY", "BTYD_RECENCY", "recency"),
        ("T", "BTYD_T", "T"),
        ("MONETARY", "BTYD_MONETARY", "monetary_value"),
    ],
)
def test_old_constant_names_warn_and_give_the_same_column(old, new, column):
    from helpers import clv_data, rfm

    assert getattr(clv_data, new) == column  # the field's column names are kept
    with pytest.warns(FutureWarning, match=f"clv_data.{old} is now called {new}"):
        assert getattr(clv_data, old) == column
    with pytest.raises(AttributeError, match="no attribute 'RECENCY_DAYS'"):
        clv_data.RECENCY_DAYS  # noqa: B018
    # RFM recency (days since the last purchase) keeps its own constant
    assert rfm.RECENCY == "recency" and not hasattr(rfm, "BTYD_RECENCY")


def test_a_positional_date_and_as_of_together_are_refused(toy):
    with pytest.raises(TypeError, match="got 'observation_end' by position and 'as_of'"):
        summary_data(toy, "2024-03-31", as_of="2024-04-01")
    with pytest.raises(TypeError, match="got both 'observation_end' and 'as_of'"):
        summary_data(toy, observation_end="2024-03-31", as_of="2024-04-01")
    with pytest.raises(TypeError, match="missing the keyword argument 'holdout_start'"):
        calibration_holdout(toy, as_of="2024-04-01")

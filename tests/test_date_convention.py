"""The one date convention of the BTYD summaries (issue 27): ``as_of`` is exclusive.

For every function whose date argument changed from an inclusive last day to the exclusive
``as_of`` (or ``holdout_start``): the old name, by keyword or by position, warns with a
FutureWarning and gives the same result as the new name with the day after; a line at exactly
``as_of`` midnight is not used, a line at 23:59 the day before is. Expected frequency, recency
and T are worked out by hand on hand-made lines.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from test_clv_comparison import FixedBetaGeo, hand_lines, simulated_lines

from helpers import clv, clv_data, clv_tables, dates, scale, scoring, synthetic_campaign
from helpers.snapshot import Snapshot

AS_OF = pd.Timestamp("2024-01-15")  # the last observed day is 14 January

LINES = [
    # A: 1, 8 and 14 January (23:59, the last minute before as_of), and one line at as_of
    ("A", "2024-01-01 10:00", 10.0),
    ("A", "2024-01-08 12:00", 20.0),
    ("A", "2024-01-14 23:59", 40.0),
    ("A", "2024-01-15 00:00", 99.0),
    # B: 5 January, and one line at as_of
    ("B", "2024-01-05 09:00", 7.0),
    ("B", "2024-01-15 00:00", 99.0),
    # C: only at as_of: not a customer yet
    ("C", "2024-01-15 00:00", 99.0),
    # D: 7 January 23:59 and 8 January 00:00 (the two sides of a holdout start on the 8th)
    ("D", "2024-01-07 23:59", 5.0),
    ("D", "2024-01-08 00:00", 6.0),
]


@pytest.fixture
def lines() -> pd.DataFrame:
    frame = pd.DataFrame(LINES, columns=["customer_id", "invoice_date", "amount"])
    frame["invoice_date"] = pd.to_datetime(frame["invoice_date"])
    return frame


def _btyd(frame: pd.DataFrame) -> list[list[float]]:
    columns = ["frequency", "recency", "T", "monetary_value"]
    return frame[columns].astype(float).round(12).values.tolist()


def test_summary_uses_the_lines_before_as_of_by_hand(lines):
    summary = clv_data.summary_data(lines, as_of=AS_OF, period="D")
    assert summary.index.tolist() == ["A", "B", "D"]  # C's only line is at as_of
    # A: days 1, 8, 14 -> 2 repeats; recency 14 - 1 = 13; T to the 14th = 13; (20 + 40) / 2
    # B: one day (5th): 0, 0, T 14 - 5 = 9, 0
    # D: days 7 and 8 -> 1 repeat; recency 1; T 14 - 7 = 7; repeat spend 6
    assert _btyd(summary) == [[2, 13, 13, 30], [0, 0, 9, 0], [1, 1, 7, 6]]
    assert summary.attrs["as_of"] == AS_OF
    assert summary.attrs["last_day"] == dates.last_day(AS_OF) == pd.Timestamp("2024-01-14")
    assert summary.attrs["lines_after_end"] == 3
    cut = clv_data.summary_data(lines[lines["invoice_date"] < AS_OF], as_of=AS_OF, period="D")
    pd.testing.assert_frame_equal(summary, cut.assign())  # the lines at as_of change nothing
    # a day later the lines at 15 January count: A and B buy again, C arrives
    later = clv_data.summary_data(lines, as_of=AS_OF + pd.Timedelta(days=1), period="D")
    assert later.index.tolist() == ["A", "B", "C", "D"]
    assert later.loc["A", "frequency"] == 3 and later.loc["B", "frequency"] == 1


def test_a_mid_day_as_of_leaves_out_the_later_lines_of_that_day(lines):
    # as_of 14 January 12:00: A's line at 23:59 that day is after it; T still runs to the 14th
    summary = clv_data.summary_data(lines, as_of="2024-01-14 12:00", period="D")
    assert _btyd(summary.loc[["A"]]) == [[1, 7, 13, 20]]
    assert summary.attrs["last_day"] == pd.Timestamp("2024-01-14")
    assert summary.attrs["lines_after_end"] == 4


def test_calibration_and_holdout_split_at_holdout_start_by_hand(lines):
    table = clv_data.calibration_holdout(lines, holdout_start="2024-01-08", as_of=AS_OF, period="D")
    # calibration: lines before 8 January. A: the 1st (T 7 - 1 = 6); B: the 5th (T 2);
    # D: the 7th at 23:59 (T 0). Holdout 8-14 January: A on the 8th and 14th, D on the 8th
    assert table.index.tolist() == ["A", "B", "D"]
    assert _btyd(table) == [[0, 0, 6, 0], [0, 0, 2, 0], [0, 0, 0, 0]]
    assert table["holdout_purchases"].tolist() == [2, 0, 1]
    assert table["holdout_spend"].tolist() == [60.0, 0.0, 6.0]
    assert table.attrs["holdout_length"] == 7  # 8 to 14 January
    assert table.attrs["holdout_start"] == pd.Timestamp("2024-01-08")
    assert table.attrs["last_day"] == pd.Timestamp("2024-01-14")


def _same(old: pd.DataFrame | pd.Series | pd.Timestamp, new) -> None:
    if isinstance(new, pd.DataFrame):
        pd.testing.assert_frame_equal(old, new)
        assert old.attrs.keys() == new.attrs.keys()
        for key in new.attrs:
            assert old.attrs[key] == new.attrs[key], key
    elif isinstance(new, pd.Series):
        pd.testing.assert_series_equal(old, new)
    else:
        assert old == new


def _old(call, match: str):
    with pytest.warns(FutureWarning) as caught:
        out = call()
    assert all(issubclass(w.category, FutureWarning) for w in caught)
    assert any(match in str(w.message) for w in caught), [str(w.message) for w in caught]
    return out


def test_old_date_arguments_warn_and_mean_the_day_after(lines):
    last = "2024-01-14"  # the old inclusive day of as_of = 15 January
    new = clv_data.summary_data(lines, as_of=AS_OF, period="D")
    _same(
        _old(
            lambda: clv_data.summary_data(lines, observation_end=last, period="D"),
            "'observation_end' is now called 'as_of'",
        ),
        new,
    )
    _same(_old(lambda: clv_data.summary_data(lines, last, period="D"), "passed by position"), new)

    new = clv_data.calibration_holdout(lines, holdout_start="2024-01-08", as_of=AS_OF, period="D")
    old = _old(
        lambda: clv_data.calibration_holdout(
            lines, calibration_end="2024-01-07", observation_end=last, period="D"
        ),
        "'calibration_end' is now called 'holdout_start'",
    )
    _same(old, new)
    old = _old(
        lambda: clv_data.calibration_holdout(lines, "2024-01-07", last, period="D"),
        "passed by position is the old 'calibration_end'",
    )
    _same(old, new)

    new = scale.summary_data(lines, as_of=AS_OF, period="D")
    _same(new, clv_data.summary_data(lines, as_of=AS_OF, period="D"))
    _same(
        _old(
            lambda: scale.summary_data(lines, observation_end=last, period="D"),
            "now called 'as_of'",
        ),
        new,
    )
    _same(_old(lambda: scale.summary_data(lines, last, period="D"), "passed by position"), new)

    model = FixedBetaGeo().fit(clv_data.summary_data(lines, as_of=AS_OF, period="D"))
    purchases = lines.loc[lines["customer_id"] == "A", "invoice_date"]
    new = clv_tables.probability_alive_history(model, purchases, as_of=AS_OF, period="D")
    assert new.index[-1] == pd.Timestamp(last)  # the line at as_of is not seen
    _same(
        _old(
            lambda: clv_tables.probability_alive_history(model, purchases, end=last, period="D"),
            "'end' is now called 'as_of'",
        ),
        new,
    )
    _same(
        _old(
            lambda: clv_tables.probability_alive_history(model, purchases, last, period="D"),
            "passed by position",
        ),
        new,
    )

    new = synthetic_campaign.campaign_date(as_of=AS_OF)
    _same(
        _old(lambda: synthetic_campaign.campaign_date(observation_end=last), "now called 'as_of'"),
        new,
    )


def test_compare_models_old_observation_end_is_the_day_before_as_of():
    arguments = {"calibration_ends": ["2024-01-28"], "holdout": 2}
    frame = hand_lines()
    as_of = frame["invoice_date"].max().normalize() + pd.Timedelta(days=1)
    new = clv.compare_models(frame, {"fixed": FixedBetaGeo()}, as_of=as_of, **arguments)
    old = _old(
        lambda: clv.compare_models(
            frame,
            {"fixed": FixedBetaGeo()},
            observation_end=as_of - pd.Timedelta(days=1),
            **arguments,
        ),
        "'observation_end' is now called 'as_of'",
    )
    pd.testing.assert_frame_equal(old.scores, new.scores)
    pd.testing.assert_frame_equal(old.predictions, new.predictions)


def test_choose_purchase_model_old_date_means_the_day_after():
    frame = simulated_lines(300, seed=11, weeks=30)  # short: chosen by likelihood, quick
    as_of = pd.Timestamp("2020-07-01")
    new = clv.choose_purchase_model(frame, as_of=as_of)
    for call in (
        lambda: clv.choose_purchase_model(frame, observation_end="2020-06-30"),
        lambda: clv.choose_purchase_model(frame, "2020-06-30"),
    ):
        old = _old(call, "observation_end")
        assert old.name == new.name and old.reason == new.reason
        pd.testing.assert_frame_equal(old.summary, new.summary)


def test_model_clv_summarises_the_snapshot_as_summary_data_does():
    frame = simulated_lines(400, seed=5, weeks=40)
    as_of = pd.Timestamp("2020-09-01")
    before = frame[frame["invoice_date"] < as_of]
    # the simulated lines are clean already (customer, date, amount): a snapshot of them
    kept = pd.Series(pd.NA, index=before.index, dtype=object)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=UserWarning)  # the models' data notes
        out = scoring.model_clv(
            Snapshot(before, before, kept, None, as_of),
            horizon_months=6,
            discount_rate=0.1,
            margin_rate=0.3,
        )
    expected = clv_data.summary_data(frame, as_of=as_of, period="W")
    columns = ["frequency", "recency", "T", "monetary_value", "first_purchase", "last_purchase"]
    pd.testing.assert_frame_equal(out[columns], expected[columns])
    # T runs to the last observed day, dates.last_day(as_of) = 31 August
    first = expected["first_purchase"]
    t_by_hand = (dates.last_day(as_of) - first).dt.days / 7
    np.testing.assert_allclose(out["T"], t_by_hand)
    assert dates.day_after(dates.last_day(as_of)) == as_of

"""helpers.birthdays: lunar (农历) birthdays next to Gregorian ones.

Expected dates are published festival dates, not the code's output:

- 春节 (lunar 1/1): 27 Jan 1990, 10 Feb 2024, 29 Jan 2025, 17 Feb 2026;
- 中秋 (8/15): 29 Sep 2023, 17 Sep 2024, 6 Oct 2025;
- 龙抬头 (2/2): 24 Feb 2020, 21 Feb 2023, 11 Mar 2024, 1 Mar 2025;
- 腊八 (12/8): 18 Jan 2024, 7 Jan 2025, 26 Jan 2026;
- 2023 had a leap second month (闰二月) from 22 Mar 2023, so 23 Mar 2023 was 闰二月初二;
- 除夕 (New Year's Eve) 2024 was 9 Feb 2024, 腊月三十; 除夕 2025 was 28 Jan 2025, 腊月廿九
  (2025 to 2029 have no 年三十: the twelfth month has 29 days).
"""

from __future__ import annotations

import pandas as pd
import pytest

from helpers import birthdays

SPRING_1990 = "1990-01-27"  # 春节 1990: lunar 1/1
MID_AUTUMN_2023 = "2023-09-29"  # 8/15
DRAGON_2020 = "2020-02-24"  # 龙抬头 2020: 2/2 (ordinary month)
LEAP_2023 = "2023-03-23"  # 闰二月初二 2023 (the leap month started 22 March)
LABA_2024 = "2024-01-18"  # 腊八 of lunar 2023: 12/8
EVE_2024 = "2024-02-09"  # 除夕 2024: 腊月三十, 12/30


def _next(born: str, today: str, calendar: str = "lunar") -> pd.Timestamp:
    dates = pd.Series(pd.to_datetime([born]), name="birth_date")
    return birthdays.next_birthday(dates, today, pd.Series([calendar], name="birthday_calendar"))[0]


@pytest.mark.parametrize(
    ("born", "today", "expected"),
    [
        (SPRING_1990, "2024-01-01", "2024-02-10"),  # the brief's case
        (SPRING_1990, "2024-02-10", "2024-02-10"),  # today counts
        (SPRING_1990, "2024-02-11", "2025-01-29"),  # passed: next lunar year
        (SPRING_1990, "2025-12-28", "2026-02-17"),  # seen from December: next Gregorian year
        (MID_AUTUMN_2023, "2024-01-01", "2024-09-17"),
        (MID_AUTUMN_2023, "2024-09-18", "2025-10-06"),
        # seen from 1 January 2025, 腊八 of the lunar year that began in February 2024
        (LABA_2024, "2025-01-01", "2025-01-07"),
        (LABA_2024, "2025-01-08", "2026-01-26"),
        # ordinary 2/2: in 2023 (which has a 闰二月) the ordinary month, not again in the leap one
        (DRAGON_2020, "2023-02-01", "2023-02-21"),
        (DRAGON_2020, "2023-02-22", "2024-03-11"),
        # born in the 闰二月: the leap month in its own year, the ordinary 2/2 in 2024 and 2025
        (LEAP_2023, "2023-03-23", "2023-03-23"),
        (LEAP_2023, "2023-06-01", "2024-03-11"),
        (LEAP_2023, "2024-03-12", "2025-03-01"),
        # born on the 30th of the twelfth month: the 29th when the month has 29 days
        (EVE_2024, "2024-06-01", "2025-01-28"),
    ],
)
def test_next_lunar_birthday_on_published_dates(born, today, expected):
    assert _next(born, today) == pd.Timestamp(expected)


def test_calendar_names_are_tolerant_and_missing_means_gregorian():
    dates = pd.Series(pd.to_datetime([SPRING_1990] * 5 + [None]), index=list("abcdef"))
    calendars = pd.Series([" Lunar", "LUNAR ", "gregorian", None, "", "lunar"], index=dates.index)
    out = birthdays.next_birthday(dates, "2024-01-01", calendars)
    # Gregorian 27 January 2024, lunar 1/1 = 春节 2024 (10 Feb); no birth date stays missing
    expected = ["2024-02-10", "2024-02-10", "2024-01-27", "2024-01-27", "2024-01-27", None]
    assert out.tolist()[:5] == [pd.Timestamp(d) for d in expected[:5]]
    assert pd.isna(out["f"]) and out.name == "next_birthday"
    one_for_all = birthdays.next_birthday(dates.iloc[:2], "2024-01-01", "lunar")
    assert one_for_all.tolist() == [pd.Timestamp("2024-02-10")] * 2


def test_bad_calendars_and_dates_outside_the_tables():
    dates = pd.Series(pd.to_datetime([SPRING_1990, SPRING_1990]), index=["a", "b"])
    bad = pd.Series(["lunar", "chinese"], index=dates.index, name="birthday_calendar")
    with pytest.raises(ValueError, match=r"column 'birthday_calendar' must be 'gregorian' or"):
        birthdays.next_birthday(dates, "2024-01-01", bad)
    with pytest.raises(ValueError, match=r"e\.g\. 'chinese' at row 'b'"):
        birthdays.next_birthday(dates, "2024-01-01", bad)
    with pytest.raises(ValueError, match="must have the index of birth_dates"):
        birthdays.next_birthday(dates, "2024-01-01", pd.Series(["lunar"], index=["a"]))
    old = pd.Series(pd.to_datetime(["1899-05-01"]), index=["x"], name="birth_date")
    with pytest.raises(ValueError, match=r"column 'birth_date'.*from 1900-01-31.*1899-05-01"):
        birthdays.next_birthday(old, "2024-01-01", "lunar")
    # a Gregorian customer born then is fine
    assert birthdays.next_birthday(old, "2024-01-01", "gregorian")["x"] == pd.Timestamp(
        "2024-05-01"
    )
    # 春节 2101 is beyond the tables (lunar years 1900-2100)
    with pytest.raises(ValueError, match="as_of: lunar birthdays can be placed"):
        birthdays.next_birthday(dates, "2100-12-01", "lunar")


def _customers() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": ["spring", "eve", "laba", "greg", "same day", "none", "out"],
            "birth_date": pd.to_datetime(
                [
                    SPRING_1990,
                    EVE_2024,
                    LABA_2024,
                    "1980-01-30",
                    SPRING_1990,
                    SPRING_1990,
                    SPRING_1990,
                ]
            ),
            "marketing_opt_in": [True] * 6 + [False],
            "email": ["x@y"] * 7,
            "birthday_calendar": [
                "lunar",
                "lunar",
                "lunar",
                "gregorian",
                "gregorian",
                None,
                "lunar",
            ],
        }
    )


def test_birthday_list_around_the_lunar_new_year():
    # 25-31 January 2025: 除夕 28 Jan (born on a 30th, 29 days this year), 春节 29 Jan;
    # 腊八 was 7 Jan; "greg" 30 Jan and "same day"/"none" 27 Jan by the Gregorian calendar
    out = birthdays.birthday_list(_customers(), "2025-01-25", 7)
    assert list(out["customer_id"]) == ["none", "same day", "eve", "spring", "greg"]
    assert list(out["send_date"]) == [
        pd.Timestamp(d)
        for d in ["2025-01-27", "2025-01-27", "2025-01-28", "2025-01-29", "2025-01-30"]
    ]
    reasons = out.set_index("customer_id")["reason"]
    assert reasons["spring"].startswith("lunar birthday on 29 Jan (in 4 day(s))")
    assert reasons["greg"].startswith("birthday on 30 Jan")
    # "out" keeps 春节 too, but opted out
    assert out.attrs["excluded"]["opted out"] == 1


def test_birthday_list_across_the_new_year_and_without_the_column():
    # 28 Dec 2024 - 10 Jan 2025: 腊八 of lunar 2024 is 7 Jan 2025; 春节 is later
    out = birthdays.birthday_list(_customers(), "2024-12-28", 14)
    assert list(out["customer_id"]) == ["laba"]
    assert out.loc[0, "send_date"] == pd.Timestamp("2025-01-07")
    # without the column, or with another name for it, every birthday is Gregorian
    plain = birthdays.birthday_list(_customers().drop(columns="birthday_calendar"), "2025-01-25", 7)
    assert list(plain["customer_id"]) == ["none", "same day", "spring", "greg"]
    renamed = _customers().rename(columns={"birthday_calendar": "calendar"})
    again = birthdays.birthday_list(renamed, "2024-12-28", 14, calendar_col="calendar")
    assert list(again["customer_id"]) == ["laba"]
    with pytest.raises(ValueError, match="column 'birthday_calendar'"):
        birthdays.birthday_list(_customers().assign(birthday_calendar="moon"), "2024-12-28", 14)


def test_each_lunar_day_is_placed_once_per_candidate_year(monkeypatch):
    calls = []
    place = birthdays._on_lunar
    monkeypatch.setattr(birthdays, "_on_lunar", lambda *key: calls.append(key) or place(*key))
    # 3 000 customers, two distinct lunar days (春节 1990 and 中秋 2023)
    dates = pd.Series(pd.to_datetime([SPRING_1990, MID_AUTUMN_2023] * 1500))
    out = birthdays.next_birthday(dates, "2024-01-01", "lunar")
    assert set(out) == {pd.Timestamp("2024-02-10"), pd.Timestamp("2024-09-17")}
    # lunar years 2023, 2024 and 2025 for each of the two
    assert len(calls) == 6

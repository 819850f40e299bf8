"""helpers.birthdays: next birthdays, the greeting list and whether its voucher pays."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from helpers import birthdays


@pytest.mark.parametrize(
    ("born", "today", "expected"),
    [
        ("1990-01-02", "2025-12-28", "2026-01-02"),  # across the new year
        ("1975-12-30", "2025-12-28", "2025-12-30"),
        ("1988-02-29", "2027-02-22", "2027-02-28"),  # leap day in a non-leap year
        ("1988-02-29", "2028-02-22", "2028-02-29"),  # ... and in a leap year
        ("2000-03-01", "2027-02-22", "2027-03-01"),
        ("1990-06-15", "2025-06-15", "2025-06-15"),  # today counts
        ("1990-06-14", "2025-06-15", "2026-06-14"),  # yesterday: next year
    ],
)
def test_next_birthday(born, today, expected):
    out = birthdays.next_birthday(pd.Series(pd.to_datetime([born])), today)
    assert out.iloc[0] == pd.Timestamp(expected)


def _customers() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": ["a", "b", "c", "d", "e", "f", "g"],
            "birth_date": pd.to_datetime(
                [
                    "1990-01-02",
                    "1988-02-29",
                    "1980-12-31",
                    "1970-01-01",
                    "1999-01-03",
                    "1985-01-20",
                    None,
                ]
            ),
            "marketing_opt_in": [True, True, True, False, True, True, True],
            "email": ["a@x", "b@x", None, "d@x", "e@x", "f@x", "g@x"],
            "phone": [None, None, "+44 1", None, None, None, None],
            "marketing_note": ["", "", "", "", "", "", ""],
        }
    )


def test_birthday_list_across_new_year_with_channels_and_exclusions():
    out = birthdays.birthday_list(
        _customers(),
        "2025-12-28",
        7,
        left=["e"],
        basket=pd.Series({"a": 100.0}),
        chance=pd.Series({"a": 0.4, "c": 0.9}),
        discount=0.1,
        voucher_lift=0.5,
        margin_rate=0.3,
        contact_cost=0.05,
    )
    # window 28 Dec - 3 Jan: c (31 Dec, SMS: no e-mail), a (2 Jan); d opted out, e left,
    # f too late (20 Jan), g has no birth date
    assert list(out["customer_id"]) == ["c", "a"]
    assert list(out["channel"]) == ["SMS", "e-mail"]
    assert list(out["send_date"]) == [pd.Timestamp("2025-12-31"), pd.Timestamp("2026-01-02")]
    # break-even lift 0.1 / (0.3 - 0.1) = 50%: an assumed lift of 50% does not beat it
    assert out.attrs["break_even_lift"] == pytest.approx(0.5)
    assert out.attrs["voucher"] is False
    assert set(out["offer"]) == {"birthday greeting, no voucher"}
    assert out["expected_value"].tolist() == [-0.05, -0.05]
    assert out.attrs["excluded"] == {
        "no birth date": 1,
        "opted out": 1,
        "left": 1,
        "no e-mail or phone": 0,
    }
    assert "birth_date" not in out.columns and "email" not in out.columns


def test_the_voucher_pays_only_on_the_orders_it_adds():
    out = birthdays.birthday_list(
        _customers(),
        "2025-12-28",
        7,
        basket=pd.Series({"a": 100.0, "c": 50.0}),
        chance=pd.Series({"a": 0.4, "c": 0.9}),
        discount=0.1,
        voucher_lift=0.6,
        margin_rate=0.3,
        contact_cost=0.05,
    ).set_index("customer_id")
    # a: without 0.4 x 100 = 40, with 0.64 x 100 = 64: 0.3 x 24 - 0.1 x 64 - 0.05 = 0.75
    assert out.loc["a", "expected_value"] == pytest.approx(0.3 * 24 - 6.4 - 0.05)
    # c: 0.9 x 1.6 caps at 1: with 50, without 45: 0.3 x 5 - 0.1 x 50 - 0.05 = -3.55
    assert out.loc["c", "expected_value"] == pytest.approx(0.3 * 5 - 5 - 0.05)
    assert out.loc["a", "offer"] == "10% off the next order, valid 30 days"
    assert "01 February" in out.loc["a", "message"]
    assert "pays if it lifts that chance by 50% or more (assumed 60%)" in out.loc["a", "reason"]
    assert "£100.00" in out.loc["a", "reason"]


def test_birthday_list_leap_day_and_errors():
    out = birthdays.birthday_list(_customers(), "2027-02-25", 5)
    assert list(out["customer_id"]) == ["b"]
    assert out.loc[0, "send_date"] == pd.Timestamp("2027-02-28")
    with pytest.raises(ValueError, match="column 'marketing_opt_in' is required"):
        birthdays.birthday_list(_customers().drop(columns="marketing_opt_in"), "2027-02-25", 5)
    with pytest.raises(ValueError, match="days must be"):
        birthdays.birthday_list(_customers(), "2027-02-25", 0)
    with pytest.raises(ValueError, match="chance"):
        birthdays.birthday_list(_customers(), "2027-02-25", 5, chance=pd.Series({"b": 1.5}))


def test_order_chance_is_poisson():
    # 12 purchases a year: 1 a month; a 30-day window of a 360-day year: 1 - e^-1
    out = birthdays.order_chance(pd.Series({"a": 12.0, "b": 0.0, "c": None}), 360, 30)
    assert out["a"] == pytest.approx(1 - math.exp(-1))
    assert out["b"] == 0.0 and out["c"] == 0.0
    with pytest.raises(ValueError, match="expected_purchases"):
        birthdays.order_chance(pd.Series({"a": -1.0}), 360, 30)


def test_birthday_greetings_go_only_by_a_channel_the_customer_agreed_to():
    # per-channel consent (WeChat, SMS, e-mail: tried in that order); a missing answer is no
    customers = pd.DataFrame(
        {
            "customer_id": ["wechat", "sms", "mail", "nobody", "unreachable"],
            "birth_date": pd.to_datetime(["1980-06-02"] * 5),
            "email": ["a@x.cn", "b@x.cn", "c@x.cn", "d@x.cn", ""],
            "marketing_opt_in": [True, True, True, False, True],
            "wechat_opt_in": [True, False, False, False, None],
            "sms_opt_in": [True, True, False, False, False],
        }
    )
    out = birthdays.birthday_list(customers, "2024-06-01", 7)
    assert dict(zip(out["customer_id"], out["channel"], strict=True)) == {
        "wechat": "WeChat",
        "sms": "SMS",
        "mail": "e-mail",
    }
    excluded = out.attrs["excluded"]
    assert excluded["opted out"] == 1 and excluded["no e-mail or phone"] == 1
    # a phone column makes SMS need a number: without one, the next channel agreed to
    with_phone = customers.assign(phone=["1", "", "3", "4", "5"])
    out = birthdays.birthday_list(with_phone, "2024-06-01", 7).set_index("customer_id")
    assert out.loc["sms", "channel"] == "e-mail"

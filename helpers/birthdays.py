"""Birthday care: whom to greet, when, and whether a voucher pays for itself.

A birthday greeting is customer care: a message on the day, to customers who opted in and
have not left. Two pitfalls are handled in :func:`next_birthday`: a window that crosses the
new year (31 December + 7 days reaches into January), and 29 February birthdays, celebrated
on 28 February in years without a 29th.

Many Chinese customers keep their birthday by the lunar calendar (农历): the lunar month and
day of their birth, which falls on a different Gregorian date every year. A customer whose
``birthday_calendar`` (:data:`helpers.schema.BIRTHDAY_CALENDAR`) is ``"lunar"`` is greeted
on that day; the lunar dates come from `borax <https://github.com/kinegratii/borax>`_ (MIT,
lunar years 1900-2100). The better-known ``lunardate`` package is GPL-3.0-or-later, which an
MIT-licensed course should not require. Three more pitfalls, handled there:

- the lunar year does not start on 1 January: a lunar birthday seen from early January may
  still belong to the lunar year that started the previous February, and one seen from
  December may fall in the next Gregorian year. The next one is the first on or after
  ``as_of`` among the lunar years before, of and after ``as_of``'s year;
- a customer born in a leap month (闰月, e.g. the 闰二月 of 2023) is greeted in the leap
  month in years that have the same leap month, and in the ordinary month of the same
  number in the others (the common custom). A customer born in an ordinary month is
  greeted in that month only, never again in a leap month that repeats it;
- a customer born on the 30th of a 30-day lunar month is greeted on the 29th in years whose
  month has 29 days (as 29 February becomes 28 February): born on 腊月三十 (New Year's Eve)
  2024, greeted on 腊月廿九, 28 January 2025.

A voucher in the greeting is a discount like any other (chapter 11, section 6). Many of the
greeted customers would order in the voucher's weeks anyway, and they redeem it too: the
shop pays the discount on orders it would have had at full price. With ``p`` the chance a
customer orders within the voucher's validity without it, ``B`` their usual order,
``m`` the margin and ``d`` the discount, a voucher that raises the chance to ``p (1 + L)``
earns (:func:`helpers.experiment_readout.campaign_gain`, the one definition)

    m x (p (1 + L) - p) x B  -  d x p (1 + L) x B  -  contact cost,

which is positive (before the contact) only when the lift ``L`` beats the break-even lift
of :func:`helpers.promotion.break_even_lift`, ``d / (m - d)``. Below it the greeting goes
without a voucher. The lift is an assumption until a control group measures it
(:mod:`helpers.experiments`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from borax.calendars.lunardate import (
    MAX_LUNAR_YEAR,
    MAX_SOLAR_DATE,
    MIN_LUNAR_YEAR,
    MIN_SOLAR_DATE,
    LCalendars,
    LunarDate,
)

from helpers import schema as s
from helpers.checks import check_days, check_numbers, check_share, require_columns
from helpers.experiment_readout import campaign_gain
from helpers.promotion import break_even_lift
from helpers.translation import N_
from helpers.translation import gettext as _

__all__ = ["CALENDARS", "CHANNELS", "birthday_list", "next_birthday", "order_chance"]

#: The calendars a birthday can be kept by (``birthday_calendar``); missing means gregorian.
CALENDARS: tuple[str, ...] = ("gregorian", "lunar")


def next_birthday(
    birth_dates: pd.Series,
    as_of: str | pd.Timestamp,
    calendars: pd.Series | str | None = None,
) -> pd.Series:
    """Return the next birthday on or after the day of ``as_of``, per customer.

    Built from month and day for the year of ``as_of``, or the next year when that date has
    passed, so that a window crossing 31 December finds January birthdays (comparing
    day-of-year numbers does not). A 29 February birthday falls on 28 February in a year
    without a 29th (the customer still gets their greeting in February).

    A customer whose calendar is ``"lunar"`` celebrates on the lunar month and day of their
    (Gregorian) birth date: the first such day on or after ``as_of`` (lunar years 1900-2100).
    Born in a leap month (闰月): the leap month when the year has it, else the ordinary
    month of the same number; born on a 30th: the 29th when the month has 29 days (the
    module's docstring).

    Parameters
    ----------
    birth_dates : pandas.Series
        Dates of birth, Gregorian (missing values stay missing).
    as_of : str or pandas.Timestamp
        Today.
    calendars : pandas.Series or str, optional
        The calendar each customer keeps their birthday by, ``"gregorian"`` or ``"lunar"``
        (case and surrounding spaces ignored; missing or empty means gregorian): a Series
        with the index of ``birth_dates``, or one name for everyone. None: all Gregorian.

    Returns
    -------
    pandas.Series
        Timestamps (midnight), named ``next_birthday``.

    Raises
    ------
    ValueError
        A calendar other than gregorian or lunar; a lunar customer born outside
        1900-01-31 to 2101-01-28, or whose next lunar birthday after ``as_of`` lies beyond
        the lunar year 2100 (the range of the calendar tables).
    """
    today = pd.Timestamp(as_of).normalize()
    born = pd.to_datetime(birth_dates, errors="coerce")
    lunar = _lunar_mask(calendars, born) & born.notna().to_numpy()
    upcoming = _next_gregorian(born, today).to_numpy(copy=True)
    if lunar.any():
        upcoming[lunar] = _next_lunar(born[lunar], today)
    return pd.Series(upcoming, index=born.index, name="next_birthday")


def _next_gregorian(born: pd.Series, today: pd.Timestamp) -> pd.Series:
    """Return the next Gregorian birthday on or after ``today`` (29 February: 28 February)."""

    def on(year: int) -> pd.Series:
        leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
        day = born.dt.day.where(~((born.dt.month == 2) & (born.dt.day == 29)) | leap, 28)
        parts = pd.DataFrame({"year": year, "month": born.dt.month, "day": day})
        return pd.to_datetime(parts.dropna().astype(int)).reindex(born.index)

    this_year = on(today.year)
    return this_year.where(this_year >= today, on(today.year + 1))


def _lunar_mask(calendars: pd.Series | str | None, born: pd.Series) -> np.ndarray:
    """Return True where the calendar is lunar (a ValueError for a name not in CALENDARS)."""
    if calendars is None:
        return np.zeros(len(born), dtype=bool)
    if isinstance(calendars, str):
        where = "calendars"
        calendars = pd.Series(calendars, index=born.index)
    elif isinstance(calendars, pd.Series):
        where = f"column {calendars.name!r}" if calendars.name is not None else "calendars"
        if not calendars.index.equals(born.index):
            mine, theirs = calendars.index, born.index
            at = next(
                (i for i, (a, b) in enumerate(zip(mine, theirs, strict=False)) if a != b),
                min(len(mine), len(theirs)),
            )
            raise ValueError(
                f"{where} must have the index of birth_dates (one calendar per customer, in "
                f"the same order); it has {len(mine)} labels for {len(born)} birth dates, "
                f"e.g. at position {at}: {mine[at] if at < len(mine) else 'none'!r} where "
                f"birth_dates has {theirs[at] if at < len(theirs) else 'none'!r}"
            )
    else:
        raise TypeError(f"calendars must be a pandas Series, a str or None, not {calendars!r}")
    name = calendars.astype("string").str.strip().str.lower().replace("", pd.NA)
    name = name.fillna(CALENDARS[0])
    bad = ~name.isin(CALENDARS)
    if bad.any():
        first = int(np.flatnonzero(bad.to_numpy())[0])
        raise ValueError(
            f"{where} must be 'gregorian' or 'lunar' (case and surrounding spaces ignored, "
            f"missing means gregorian); {int(bad.sum())} value(s) are not, "
            f"e.g. {calendars.iloc[first]!r} at row {calendars.index[first]!r}"
        )
    return (name == "lunar").to_numpy()


def _next_lunar(born: pd.Series, today: pd.Timestamp) -> np.ndarray:
    """Return the next lunar birthday on or after ``today`` of each (non-missing) birth date.

    Each distinct birth date is converted to its lunar (month, day, leap) once, and each
    distinct (month, day, leap) placed in the lunar years before, of and after ``today``'s
    year once: a birthday is the first of those dates on or after ``today``.
    """
    first, last = pd.Timestamp(MIN_SOLAR_DATE), pd.Timestamp(MAX_SOLAR_DATE)
    outside = (born < first) | (born > last)
    if outside.any():
        where = f"column {born.name!r}" if born.name is not None else "birth_dates"
        raise ValueError(
            f"{where}: a lunar birthday needs a birth date from {first:%Y-%m-%d} to "
            f"{last:%Y-%m-%d} (lunar years {MIN_LUNAR_YEAR}-{MAX_LUNAR_YEAR}, the range of "
            f"borax's tables); {int(outside.sum())} date(s) are not, e.g. "
            f"{born[outside].iloc[0]:%Y-%m-%d} at row {born.index[outside.to_numpy()][0]!r}"
        )
    lunar_of = {day: _lunar_parts(LunarDate.from_solar(day.date())) for day in born.unique()}
    keys = pd.Series(born.map(lunar_of).to_numpy())
    years = [
        y for y in range(today.year - 1, today.year + 2) if MIN_LUNAR_YEAR <= y <= MAX_LUNAR_YEAR
    ]
    next_of = {}
    for key in keys.unique():
        dates = [day for day in (_on_lunar(y, *key) for y in years) if day >= today]
        if not dates:
            month, day, leap = key
            raise ValueError(
                f"as_of: lunar birthdays can be placed in the lunar years {MIN_LUNAR_YEAR}-"
                f"{MAX_LUNAR_YEAR} only ({first:%Y-%m-%d} to {last:%Y-%m-%d}, borax's "
                f"tables); the next {'leap ' if leap else ''}{month}/{day} on or after "
                f"{today:%Y-%m-%d} is not, e.g. for a customer born "
                f"{born[(keys == key).to_numpy()].iloc[0]:%Y-%m-%d}"
            )
        next_of[key] = min(dates)
    return keys.map(next_of).to_numpy(dtype="datetime64[ns]")


def _lunar_parts(day: LunarDate) -> tuple[int, int, bool]:
    """(month, day, leap) of a lunar date."""
    return int(day.month), int(day.day), bool(day.leap)


def _on_lunar(year: int, month: int, day: int, leap: bool) -> pd.Timestamp:
    """Return the Gregorian date of lunar ``month``/``day`` in lunar ``year``.

    A leap-month birthday falls in the ordinary month when ``year`` has no such leap month;
    the 30th falls on the 29th when the month has 29 days.
    """
    in_leap = int(leap and LCalendars.leap_month(year) == month)
    day = min(day, LCalendars.ndays(year, month, in_leap))
    return pd.Timestamp(LunarDate(year, month, day, in_leap).to_solar_date())


def order_chance(
    expected_purchases: pd.Series, horizon_days: float, window_days: float
) -> pd.Series:
    """Chance of at least one order in a window, from the purchases expected over a horizon.

    Purchases are taken to arrive at an even rate (a Poisson process), so the chance of at
    least one in ``window_days`` is ``1 - exp(-expected x window / horizon)``.

    Parameters
    ----------
    expected_purchases : pandas.Series
        Purchases expected per customer over ``horizon_days`` (e.g. a purchase model's
        ``expected_purchases``); missing values count as 0.
    horizon_days, window_days : float
        The horizon of ``expected_purchases`` and the window asked about (> 0).

    Returns
    -------
    pandas.Series
        ``order_chance`` in [0, 1), aligned with ``expected_purchases``.
    """
    check_numbers("horizon_days", horizon_days, "> 0", lambda v: v > 0)
    check_numbers("window_days", window_days, "> 0", lambda v: v > 0)
    rate = expected_purchases.astype(float).fillna(0.0)
    check_numbers("expected_purchases", rate, ">= 0", lambda v: v >= 0)
    chance = -np.expm1(-rate * float(window_days) / float(horizon_days))
    return chance.rename("order_chance")


def birthday_list(
    customers: pd.DataFrame,
    as_of: str | pd.Timestamp,
    days: int,
    *,
    left: Sequence[str] | pd.Index | None = None,
    basket: pd.Series | None = None,
    chance: pd.Series | None = None,
    discount: float = 0.15,
    voucher_lift: float = 0.3,
    margin_rate: float = 0.3,
    contact_cost: float = 0.05,
    valid_days: int = 30,
    currency: str = "£",
    phone: str = "phone",
    calendar_col: str = s.BIRTHDAY_CALENDAR,
) -> pd.DataFrame:
    """Birthday greetings for customers whose birthday is in the next ``days`` days.

    A customer is greeted when their :func:`next_birthday` is in ``[as_of, as_of + days)``
    (today counts; a lunar birthday when their ``calendar_col`` says ``"lunar"``), they are
    not in ``left``, and they agreed to a channel that reaches them. The channels are tried
    in the order of :data:`CHANNELS`: WeChat when the table has ``wechat_opt_in`` and it is
    true; SMS when the table has ``sms_opt_in`` and it is true (and, with a ``phone``
    column, a number is there); e-mail when ``marketing_opt_in`` is true and there is an
    ``email``; without an ``sms_opt_in`` column, SMS when ``marketing_opt_in`` is true and
    the ``phone`` column has a number. Consent is asked per channel (China's PIPL and the
    MIIT's rules on marketing texts, the UK's PECR: chapter 11, section 7.2), so a
    customer is only ever contacted on a channel they said yes to; a missing answer is no.
    The greeting is sent on the birthday (the reason says "lunar birthday" for a lunar
    one).

    The greeting carries a voucher of ``discount`` only when the assumed ``voucher_lift``
    beats the break-even lift ``discount / (margin_rate - discount)`` (the module's
    docstring); each customer's expected value is then the incremental margin
    ``campaign_gain(p (1 + L) B, p B, discount on p (1 + L) B) - contact_cost``, with ``p``
    their ``chance`` of ordering within ``valid_days`` anyway (``p (1 + L)`` capped at 1)
    and ``B`` their ``basket``. Without a voucher the greeting's expected
    value is minus the contact cost: care, whose return this list does not claim.

    Parameters
    ----------
    customers : pandas.DataFrame
        ``customer_id``, ``birth_date``, ``marketing_opt_in`` and ``email`` (and optionally
        ``phone``, ``wechat_opt_in``, ``sms_opt_in`` and ``birthday_calendar``).
    as_of : str or pandas.Timestamp
        Today.
    days : int
        Length of the window in days (>= 1).
    left : sequence of str, optional
        Customers who have left (e.g. churned or no longer alive): not greeted.
    basket : pandas.Series, optional
        Average order value per customer; missing customers count as 0.
    chance : pandas.Series, optional
        Chance per customer of ordering within ``valid_days`` without a voucher
        (:func:`order_chance`); missing customers count as 0.
    discount : float, default 0.15
        The birthday voucher, as a share of the next order, in (0, 1).
    voucher_lift : float, default 0.3
        Assumed relative rise of the chance of ordering that the voucher brings (>= 0;
        0.3: 30% more customers order).
    margin_rate : float, default 0.3
        Margin as a share of spend.
    contact_cost : float, default 0.05
        Cost of one message.
    valid_days : int, default 30
        How long the voucher is valid, from the birthday.
    currency : str, default "£"
        Prefix of amounts in the reasons.
    phone : str, default "phone"
        Name of the phone-number column, used when present.
    calendar_col : str, default "birthday_calendar"
        Column with the calendar each customer keeps their birthday by (``"gregorian"`` or
        ``"lunar"``; missing means gregorian), used when present: without it every
        birthday is Gregorian.

    Returns
    -------
    pandas.DataFrame
        The campaign columns (``customer_id``, ``action``, ``offer``, ``expected_value``,
        ``reason``), ``channel``, ``send_date``, ``message``, ``order_chance``; ordered by
        ``send_date``. ``attrs``: ``excluded`` (customers left out, by reason: a dict),
        ``break_even_lift``, ``voucher_lift`` and ``voucher`` (True when the greeting
        carries the voucher).
    """
    columns = [s.CUSTOMER_ID, s.BIRTH_DATE, s.MARKETING_OPT_IN, s.EMAIL]
    require_columns(customers, columns, "customers")
    check_days("days", days)
    check_days("valid_days", valid_days)
    check_share("discount", discount, "of the next order", include_one=False)
    check_share("margin_rate", margin_rate)
    check_numbers("voucher_lift", voucher_lift, ">= 0", lambda v: v >= 0)
    check_numbers("contact_cost", contact_cost, ">= 0", lambda v: v >= 0)
    today = pd.Timestamp(as_of).normalize()
    table = customers.set_index(customers[s.CUSTOMER_ID].astype(str))
    calendars = table[calendar_col] if calendar_col in table else None
    birthday = next_birthday(table[s.BIRTH_DATE], today, calendars)
    lunar = _lunar_mask(calendars, table[s.BIRTH_DATE])
    soon = (birthday - today).dt.days < days  # NaT compares False
    channel, opted_in = _channels(table, phone)
    gone = table.index.isin(list(left if left is not None else []))
    excluded = {
        "no birth date": int(birthday.isna().sum()),
        "opted out": int((soon & ~opted_in).sum()),
        "left": int((soon & opted_in & gone).sum()),
        "no e-mail or phone": int((soon & opted_in & ~gone & channel.isna()).sum()),
    }
    keep = soon & opted_in & ~gone & channel.notna()
    out = pd.DataFrame(
        {
            s.CUSTOMER_ID: table.index[keep],
            "channel": channel[keep].to_numpy(),
            "send_date": birthday[keep].to_numpy(),
            "lunar": lunar[keep.to_numpy()],
        }
    )
    ids = out[s.CUSTOMER_ID]
    spend = _per_customer(basket, ids, "basket")
    p_without = _per_customer(chance, ids, "chance")
    check_numbers("chance", p_without, "<= 1", lambda v: v <= 1)
    out["order_chance"] = p_without
    need = float(break_even_lift(discount, margin_rate))
    voucher = voucher_lift > need
    until = out["send_date"] + pd.Timedelta(days=valid_days)
    on_lunar = _("lunar birthday on {date} (in {days} day(s))")
    on_day = _("birthday on {date} (in {days} day(s))")
    when = [
        (on_lunar if moon else on_day).format(date=d.strftime(_("%d %b")), days=(d - today).days)
        for d, moon in zip(out["send_date"], out["lunar"], strict=True)
    ]
    out["action"] = "birthday greeting"
    if voucher:
        p_with = np.minimum(p_without * (1 + voucher_lift), 1.0)
        out["expected_value"] = campaign_gain(
            p_with * spend, p_without * spend, margin_rate=margin_rate, discount=discount
        ) - float(contact_cost)
        out["offer"] = _("{discount:.0%} off the next order, valid {days} days").format(
            discount=discount, days=valid_days
        )
        greeting = _(
            "Happy birthday! To celebrate, enjoy {discount:.0%} off your next order until {date}."
        )
        out["message"] = [
            greeting.format(discount=discount, date=u.strftime(_("%d %B"))) for u in until
        ]
        why = _(
            "{when}; orders within {valid} days anyway with chance {p:.0%}, usual order "
            "{currency}{b:,.2f}: the voucher pays if it lifts that chance by {need:.0%} or more "
            "(assumed {lift:.0%})"
        )
        out["reason"] = [
            why.format(
                when=w, valid=valid_days, p=p, currency=currency, b=b, need=need, lift=voucher_lift
            )
            for w, p, b in zip(when, p_without, spend, strict=True)
        ]
    else:
        out["expected_value"] = -float(contact_cost)
        out["offer"] = _("birthday greeting, no voucher")
        out["message"] = _("Happy birthday from all of us!")
        why = _(
            "{when}; a {discount:.0%} voucher would need {need:.0%} more orders to pay for the "
            "discount on orders that come anyway (assumed {lift:.0%}): greeting only"
        )
        out["reason"] = [
            why.format(when=w, discount=discount, need=need, lift=voucher_lift) for w in when
        ]
    out = out.sort_values(["send_date", s.CUSTOMER_ID], kind="mergesort")
    extra = ["channel", "send_date", "message", "order_chance"]
    out = out[[*s.CAMPAIGN_COLUMNS, *extra]].reset_index(drop=True)
    out.attrs.update(
        excluded=excluded, break_even_lift=need, voucher_lift=voucher_lift, voucher=voucher
    )
    return out


#: The channels of a greeting, in the order they are tried: (name, consent column).
CHANNELS: tuple[tuple[str, str], ...] = (
    (N_("WeChat"), s.WECHAT_OPT_IN),
    (N_("SMS"), s.SMS_OPT_IN),
    (N_("e-mail"), s.MARKETING_OPT_IN),
)


def _consent(table: pd.DataFrame, column: str) -> pd.Series:
    """Whether each customer said yes (a missing answer is no)."""
    return table[column].astype("boolean").fillna(False).astype(bool)


def _channels(table: pd.DataFrame, phone: str) -> tuple[pd.Series, pd.Series]:
    """Return each customer's greeting channel, and whether they agreed to any marketing.

    The channel is None when the customer agreed to none that reaches them.
    """
    email = table[s.EMAIL].astype("string").str.strip().replace("", pd.NA)
    number = (
        table[phone].astype("string").str.strip().replace("", pd.NA) if phone in table else None
    )
    marketing = _consent(table, s.MARKETING_OPT_IN)
    reach = {  # who can be reached on the channel, consent aside
        s.WECHAT_OPT_IN: pd.Series(True, index=table.index),
        s.SMS_OPT_IN: number.notna() if number is not None else pd.Series(True, index=table.index),
        s.MARKETING_OPT_IN: email.notna(),
    }
    channel = pd.Series(None, index=table.index, dtype=object)
    agreed = pd.Series(False, index=table.index)
    for name, column in CHANNELS:
        if column not in table:
            continue
        yes = _consent(table, column)
        agreed |= yes
        channel = channel.where(channel.notna(), np.where(yes & reach[column], name, None))
    if s.SMS_OPT_IN not in table and number is not None:  # the SMS consent is marketing's
        channel = channel.where(channel.notna(), np.where(marketing & number.notna(), "SMS", None))
    return channel, agreed


def _per_customer(values: pd.Series | None, ids: pd.Series, name: str) -> np.ndarray:
    """``values`` for ``ids`` as floats (missing: 0), checked to be >= 0."""
    if values is None:
        return np.zeros(len(ids))
    out = values.reindex(ids).fillna(0.0).astype(float).to_numpy()
    check_numbers(name, out, ">= 0", lambda v: v >= 0)
    return out

"""Birthday care: whom to greet, when, and whether a voucher pays for itself.

A birthday greeting is customer care: a message on the day, to customers who opted in and
have not left. Two pitfalls are handled in :func:`next_birthday`: a window that crosses the
new year (31 December + 7 days reaches into January), and 29 February birthdays, celebrated
on 28 February in years without a 29th.

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

from helpers import schema as s
from helpers.checks import check_days, check_numbers, check_share, require_columns
from helpers.experiment_readout import campaign_gain
from helpers.promotion import break_even_lift

__all__ = ["birthday_list", "next_birthday", "order_chance"]


def next_birthday(birth_dates: pd.Series, as_of: str | pd.Timestamp) -> pd.Series:
    """Return the next birthday on or after the day of ``as_of``, per customer.

    Built from month and day for the year of ``as_of``, or the next year when that date has
    passed, so that a window crossing 31 December finds January birthdays (comparing
    day-of-year numbers does not). A 29 February birthday falls on 28 February in a year
    without a 29th (the customer still gets their greeting in February).

    Parameters
    ----------
    birth_dates : pandas.Series
        Dates of birth (missing values stay missing).
    as_of : str or pandas.Timestamp
        Today.

    Returns
    -------
    pandas.Series
        Timestamps (midnight), named ``next_birthday``.
    """
    today = pd.Timestamp(as_of).normalize()
    born = pd.to_datetime(birth_dates, errors="coerce")

    def on(year: int) -> pd.Series:
        leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
        day = born.dt.day.where(~((born.dt.month == 2) & (born.dt.day == 29)) | leap, 28)
        parts = pd.DataFrame({"year": year, "month": born.dt.month, "day": day})
        return pd.to_datetime(parts.dropna().astype(int)).reindex(born.index)

    this_year = on(today.year)
    upcoming = this_year.where(this_year >= today, on(today.year + 1))
    return upcoming.rename("next_birthday")


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
) -> pd.DataFrame:
    """Birthday greetings for customers whose birthday is in the next ``days`` days.

    A customer is greeted when their :func:`next_birthday` is in ``[as_of, as_of + days)``
    (today counts), they have not opted out (``marketing_opt_in``), they are not in
    ``left``, and they have an address: by e-mail when there is an ``email``, else by SMS
    when there is a ``phone`` column with a number. The greeting is sent on the birthday.

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
        ``phone``).
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
    birthday = next_birthday(table[s.BIRTH_DATE], today)
    soon = (birthday - today).dt.days < days  # NaT compares False
    opted_in = table[s.MARKETING_OPT_IN].astype("boolean").fillna(False).astype(bool)
    gone = table.index.isin(list(left if left is not None else []))
    email = table[s.EMAIL].astype("string").str.strip().replace("", pd.NA)
    number = (
        table[phone].astype("string").str.strip().replace("", pd.NA) if phone in table else None
    )
    channel = pd.Series(np.where(email.notna(), "e-mail", None), index=table.index, dtype=object)
    if number is not None:
        channel = channel.where(channel.notna(), np.where(number.notna(), "SMS", None))
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
    when = [f"birthday on {d:%d %b} (in {(d - today).days} day(s))" for d in out["send_date"]]
    out["action"] = "birthday greeting"
    if voucher:
        p_with = np.minimum(p_without * (1 + voucher_lift), 1.0)
        out["expected_value"] = campaign_gain(
            p_with * spend, p_without * spend, margin_rate=margin_rate, discount=discount
        ) - float(contact_cost)
        out["offer"] = f"{discount:.0%} off the next order, valid {valid_days} days"
        out["message"] = [
            f"Happy birthday! To celebrate, enjoy {discount:.0%} off your next order until "
            f"{u:%d %B}."
            for u in until
        ]
        out["reason"] = [
            f"{w}; orders within {valid_days} days anyway with chance {p:.0%}, usual order "
            f"{currency}{b:,.2f}: the voucher pays if it lifts that chance by {need:.0%} or "
            f"more (assumed {voucher_lift:.0%})"
            for w, p, b in zip(when, p_without, spend, strict=True)
        ]
    else:
        out["expected_value"] = -float(contact_cost)
        out["offer"] = "birthday greeting, no voucher"
        out["message"] = "Happy birthday from all of us!"
        out["reason"] = [
            f"{w}; a {discount:.0%} voucher would need {need:.0%} more orders to pay for the "
            f"discount on orders that come anyway (assumed {voucher_lift:.0%}): greeting only"
            for w in when
        ]
    out = out.sort_values(["send_date", s.CUSTOMER_ID], kind="mergesort")
    extra = ["channel", "send_date", "message", "order_chance"]
    out = out[[*s.CAMPAIGN_COLUMNS, *extra]].reset_index(drop=True)
    out.attrs.update(
        excluded=excluded, break_even_lift=need, voucher_lift=voucher_lift, voucher=voucher
    )
    return out


def _per_customer(values: pd.Series | None, ids: pd.Series, name: str) -> np.ndarray:
    """``values`` for ``ids`` as floats (missing: 0), checked to be >= 0."""
    if values is None:
        return np.zeros(len(ids))
    out = values.reindex(ids).fillna(0.0).astype(float).to_numpy()
    check_numbers(name, out, ">= 0", lambda v: v >= 0)
    return out

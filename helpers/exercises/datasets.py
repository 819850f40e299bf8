"""Exercises of chapter 00 (the data): 00.1, 00.2 and the judgement exercise 00.3.

Each function is the reference computation of one exercise, in plain pandas on the default
raw order lines and the truth table (:func:`helpers.exercises.core.default_shop`); the
notebook's solutions use ``helpers`` instead.
"""

from __future__ import annotations

import pandas as pd

from helpers.exercises.core import default_raw, default_shop, exercise


def _month(value: object) -> str:
    """Write a month as ``"YYYY-MM"``, from a text, a Period or a Timestamp."""
    return pd.Period(str(value) if not hasattr(value, "strftime") else value, "M").strftime("%Y-%m")


def _purchases(lines: pd.DataFrame) -> pd.DataFrame:
    """Raw lines that are purchases: not on a cancellation invoice, with a date."""
    return lines[~lines["invoice_id"].str.startswith("C") & lines["invoice_date"].notna()]


@exercise(
    "00.1",
    "Which month had the most purchase invoices? Answer 'YYYY-MM'.",
    "count distinct invoice ids per month (dt.to_period('M')), leaving out cancellations "
    "(ids starting with 'C'); then take the month with the largest count.",
    normalise=_month,
)
def busiest_month() -> str:
    """Find the month with the most distinct purchase invoices in the raw order lines."""
    purchases = _purchases(default_raw())
    months = purchases["invoice_date"].dt.strftime("%Y-%m")
    return str(purchases.groupby(months)["invoice_id"].nunique().idxmax())


@exercise(
    "00.2",
    "Of the customers whose last purchase was more than 180 days before observation_end, "
    "what share were still alive at the end?",
    "take each customer's latest purchase date (cancellations left out), keep those before "
    "observation_end - 180 days, look them up in data.truth and average alive_at_end.",
    abs=0.002,
)
def quiet_but_alive() -> float:
    """Share alive at the end among customers quiet for more than 180 days."""
    shop = default_shop()
    last = _purchases(default_raw()).groupby("customer_id")["invoice_date"].max()
    quiet = last.index[last < shop.observation_end - pd.Timedelta(days=180)]
    alive = shop.truth.set_index("customer_id")["alive_at_end"]
    return float(alive.reindex(quiet).dropna().astype(bool).mean())


@exercise(
    "00.3",
    "Fix the snippet that counts December 2024's purchase invoices with "
    "`<= data.observation_end`: how many are there really?",
    "look at the times of day: `observation_end` is midnight at the start of its day, so "
    "compare with `< observation_end + 1 day`; count distinct invoice ids, cancellations and "
    "unparseable dates left out.",
)
def december_invoices() -> int:
    """Distinct purchase invoices dated in December 2024, the whole last day included."""
    purchases = _purchases(default_raw())
    december = purchases[purchases["invoice_date"].dt.strftime("%Y-%m") == "2024-12"]
    return int(december["invoice_id"].nunique())

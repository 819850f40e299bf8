"""Exercises of chapters 00-03: the data, cleaning, value formulas and customer tiers.

Each function is the reference computation of one exercise, in plain pandas and numpy on the
default data; the notebooks' solutions use ``helpers`` instead.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.exercises.core import (
    default_clean,
    default_raw,
    default_shop,
    default_totals,
    exercise,
)


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
    "01.1",
    "How many customer ids of the raw log have no line left after cleaning?",
    "compare the distinct (stripped) customer ids of the raw lines with those of `clean`; "
    "the `spend` table of section 7 has both.",
)
def customers_lost_in_cleaning() -> int:
    """Count the raw log's customer ids (spaces stripped) that no clean line carries."""
    raw_ids = set(default_raw()["customer_id"].dropna().str.strip())
    return len(raw_ids - set(default_clean()["customer_id"]))


@exercise(
    "01.2",
    "What share of the raw revenue (quantity x unit price of every raw line) does the clean "
    "table keep?",
    "divide the clean lines' total amount by the raw lines' total of quantity x unit_price "
    "(the report's totals hold both); the extreme quantities count in the raw total.",
    abs=0.0005,
)
def revenue_kept() -> float:
    """Clean revenue over raw revenue."""
    raw = default_raw()
    return float(default_clean()["amount"].sum() / (raw["quantity"] * raw["unit_price"]).sum())


@exercise(
    "02.1",
    "What is the pooled retention rate with 3-month periods (as_of = the day after the data)?",
    "count back whole 3-month periods from as_of; retention pools all pairs of consecutive "
    "periods: customers active in both, over customers active in the first (helpers.periods).",
    abs=0.001,
)
def retention_three_months() -> float:
    """Pooled retention between consecutive whole 3-month periods counted back from as_of."""
    clean = default_clean()
    as_of = clean["invoice_date"].max().normalize() + pd.Timedelta(days=1)
    starts = [as_of - pd.DateOffset(months=3 * k) for k in range(1, 100)]
    first_day = clean["invoice_date"].min().normalize()
    starts = [start for start in starts if start >= first_day][::-1]
    edges = [*starts, as_of]
    active = [
        set(clean.loc[clean["invoice_date"].between(a, b, inclusive="left"), "customer_id"])
        for a, b in zip(edges[:-1], edges[1:], strict=True)
    ]
    retained = sum(len(now & later) for now, later in zip(active[:-1], active[1:], strict=True))
    return retained / sum(len(now) for now in active[:-1])


@exercise(
    "02.2",
    "How many times the right mean purchase-count value is the mean of 'purchases x total "
    "spend' (the widely copied mistake)?",
    "the right value is each customer's total spend; the mistake multiplies it by their "
    "number of invoices. Compute both per customer first, then compare the two means.",
    rel=0.001,
)
def purchase_count_inflation() -> float:
    """Mean of invoices x total spend over mean total spend, per customer."""
    totals = default_totals()
    return float((totals["invoices"] * totals["spend"]).mean() / totals["spend"].mean())


@exercise(
    "03.1",
    "With ABC thresholds 70% and 90%, how many customers are in tier A?",
    "rank customers by revenue (not lines or invoices); the customer whose revenue crosses "
    "70% of the total is still in A, so A holds a little more than 70%.",
)
def abc_a_size() -> int:
    """Count the customers whose higher-ranked customers hold under 70% of the revenue."""
    ranked = default_totals()["spend"].sort_values(ascending=False)
    above = ranked.cumsum() - ranked
    return int((above < 0.70 * ranked.sum()).sum())


@exercise(
    "03.2",
    "What is the Gini coefficient of the number of purchases (distinct invoices) per customer?",
    "measure frequency as distinct invoices per customer, not order lines; the Gini function "
    "of section 4 takes any positive values.",
    abs=0.001,
)
def gini_of_purchases() -> float:
    """G = sum((2i - n - 1) x_(i)) / (n sum x), x sorted ascending."""
    x = np.sort(default_totals()["invoices"].to_numpy())
    n = len(x)
    return float(((2 * np.arange(1, n + 1) - n - 1) * x).sum() / (n * x.sum()))

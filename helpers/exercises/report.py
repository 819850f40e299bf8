"""Exercises of chapter 12 (the customer value report): 12.1-12.3 and the judgement exercise 12.4.

Each function is the reference computation of one exercise: the report's figures with plain
pandas ``groupby`` on the default clean lines, without :mod:`helpers.report` (and the modules
it builds on), which the chapter teaches.
"""

from __future__ import annotations

import pandas as pd

from helpers.exercises.core import default_clean, exercise
from helpers.exercises.reference import analysis_date


@exercise(
    "12.1",
    "What is the average order value of the orders placed in the 90 days before the analysis date?",
    "an order is an invoice: add up its lines first, then average over the invoices dated "
    "from as_of minus 90 days on (as_of itself is excluded).",
    abs=0.01,
)
def recent_average_order_value() -> float:
    """Mean invoice total over the invoices of the last 90 days."""
    clean, as_of = default_clean(), analysis_date()
    recent = clean[clean["invoice_date"].between(as_of - pd.Timedelta(days=90), as_of, "left")]
    return float(recent.groupby("invoice_id")["amount"].sum().mean())


@exercise(
    "12.2",
    "Among customers with two or more orders, what is the median number of days from their "
    "first order to their second?",
    "one date per invoice; sort each customer's invoices by date and take the calendar days "
    "between the first two (0 when both were on the same day).",
    abs=0.5,
)
def median_days_to_second_order() -> float:
    """Median calendar days between the first and the second invoice of repeat customers."""
    invoices = default_clean().drop_duplicates("invoice_id")
    invoices = invoices.assign(day=invoices["invoice_date"].dt.normalize())
    invoices = invoices.sort_values(["customer_id", "day"])
    invoices["n"] = invoices.groupby("customer_id").cumcount()
    days = invoices[invoices["n"] < 2].pivot(index="customer_id", columns="n", values="day")
    return float((days[1] - days[0]).dropna().dt.days.median())


@exercise(
    "12.3",
    "What share of the revenue of the last 365 days before the analysis date comes from "
    "customers whose first order was in those 365 days?",
    "a customer is new when their first order ever (in all the order lines) falls in the "
    "window; divide their revenue in the window by all the revenue in the window.",
    abs=0.001,
)
def new_customer_revenue_share() -> float:
    """Revenue in the window from customers first seen in it, over the window's revenue."""
    clean, as_of = default_clean(), analysis_date()
    start = as_of - pd.Timedelta(days=365)
    window = clean[(clean["invoice_date"] >= start) & (clean["invoice_date"] < as_of)]
    first_order = clean.groupby("customer_id")["invoice_date"].min()
    newcomers = first_order.index[first_order >= start]
    return float(
        window.loc[window["customer_id"].isin(newcomers), "amount"].sum() / window["amount"].sum()
    )


@exercise(
    "12.4",
    "Fix the colleague's repeat-buyer share: of the customers who ordered in the 365 days "
    "before the analysis date, what share placed two or more orders in them?",
    "an order is an invoice, and one invoice has many order lines: count what the measure "
    "is about, not the rows of the table.",
    abs=0.0005,
)
def repeat_share_last_year() -> float:
    """Share the customers with 2+ distinct invoices in the window among those in it."""
    clean, as_of = default_clean(), analysis_date()
    window = clean[clean["invoice_date"] >= as_of - pd.Timedelta(days=365)]
    invoices = window.drop_duplicates(["customer_id", "invoice_id"])["customer_id"]
    return float((invoices.value_counts() >= 2).mean())

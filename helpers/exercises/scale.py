"""Exercises of chapter 13 (at scale): 13.1, 13.2 and the judgement exercise 13.3.

The exercises run DuckDB (or Spark) over the embedded shop's clean order lines (small enough
for pandas), so that the answer can be checked; the references compute them with plain
pandas, without :mod:`helpers.scale` or :mod:`helpers.scale_sql`, which the chapter teaches.
"""

from __future__ import annotations

from helpers.exercises.core import default_clean, exercise


@exercise(
    "13.1",
    "With scale.summary_data (DuckDB) on the shop's clean order lines, how many customers "
    "made a repeat purchase?",
    "a repeat purchase is a purchase on a later day than the first: frequency > 0 in the CLV "
    "input table (the observation end defaults to the last day of the lines).",
)
def repeat_customers() -> int:
    """Count the customers with purchases on two or more distinct days."""
    clean = default_clean()
    days = clean["invoice_date"].dt.normalize().groupby(clean["customer_id"]).nunique()
    return int((days > 1).sum())


@exercise(
    "13.2",
    "In SQL on DuckDB: what was the revenue of the shop's best calendar month?",
    "group by date_trunc('month', invoice_date), sum the amount and keep the largest sum; "
    "register only the columns you need (DuckDB reads a pandas frame by its variable name).",
    rel=1e-9,
)
def best_month_revenue() -> float:
    """Return the largest revenue of a calendar month."""
    clean = default_clean()
    monthly = clean.groupby(clean["invoice_date"].dt.to_period("M"))["amount"].sum()
    return float(monthly.max())


@exercise(
    "13.3",
    "Fix the colleague's SQL: how many customers bought in the month with the most customers?",
    "a customer with ten order lines in a month is still one customer: look at what the "
    "count in the SELECT counts.",
)
def busiest_month_customers() -> int:
    """Largest number of distinct customers in one calendar month."""
    clean = default_clean()
    month = clean["invoice_date"].dt.to_period("M")
    return int(clean.groupby(month)["customer_id"].nunique().max())

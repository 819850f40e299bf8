"""Exercises of chapter 02 (value formulas): 02.1, 02.2 and the judgement exercise 02.3.

Each function is the reference computation of one exercise, in plain pandas on the default
clean lines and the truth table, without :mod:`helpers.periods`, :mod:`helpers.value` or
:mod:`helpers.value_formulas`, which the chapter teaches.
"""

from __future__ import annotations

import pandas as pd

from helpers.exercises.core import default_clean, default_shop, default_totals, exercise
from helpers.exercises.reference import analysis_date


@exercise(
    "02.1",
    "What is the pooled retention rate with 3-month periods (as_of = the day after the data)?",
    "count back whole 3-month periods from as_of; retention pools all pairs of consecutive "
    "periods: customers active in both, over customers active in the first (helpers.periods).",
    abs=0.001,
)
def retention_three_months() -> float:
    """Pooled retention between consecutive whole 3-month periods counted back from as_of."""
    clean, as_of = default_clean(), analysis_date()
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
    "02.3",
    "Which look-back window (1, 3, 6, 12 or 24 months of spend before as_of) ranks "
    "customers closest to their future spend (Spearman)?",
    "for each window sum each customer's clean amounts dated on or after as_of minus that "
    "many months (0 for customers with none), over every customer of the truth table; "
    "correlate with future_spend by rank and keep the window with the highest correlation.",
)
def best_look_back() -> int:
    """Find the window whose spend correlates best, by rank, with the future spend."""
    clean, as_of = default_clean(), analysis_date()
    truth = default_shop().truth.set_index("customer_id")
    scores = {}
    for months in (1, 3, 6, 12, 24):
        recent = clean[clean["invoice_date"] >= as_of - pd.DateOffset(months=months)]
        spend = recent.groupby("customer_id")["amount"].sum().reindex(truth.index, fill_value=0)
        future_rank = truth["future_spend"].rank()
        scores[months] = spend.rank().corr(future_rank)
    return max(scores, key=scores.__getitem__)

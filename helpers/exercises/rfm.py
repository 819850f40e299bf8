"""Exercises of chapter 04 (RFM): 04.1-04.3 and the judgement exercise 04.4.

Each function is the reference computation of one exercise, in plain pandas on the default
data, without :mod:`helpers.rfm` or :mod:`helpers.customers`, which the chapter teaches: the
recency and the segments come from :mod:`helpers.exercises.reference`.
"""

from __future__ import annotations

from helpers.exercises.core import default_clean, default_shop, default_totals, exercise
from helpers.exercises.reference import analysis_date, last_purchase_days, rfm_segments


@exercise(
    "04.1",
    "What is the median recency (days) of the customers who ordered only once?",
    "one row per customer (the RFM table), not one per order line; frequency counts "
    "invoices, and recency is in whole days.",
    abs=0.5,
)
def median_recency_one_order() -> float:
    """Median days since the last purchase among one-invoice customers."""
    recency = last_purchase_days(analysis_date())
    invoices = default_totals()["invoices"]
    return float(recency[invoices.reindex(recency.index) == 1].median())


@exercise(
    "04.2",
    "What share of the Champions had in fact dropped out by the end (alive_at_end False)?",
    "join the segments to the truth table on the customer id and keep the Champions; the "
    "share that dropped out is one minus the share alive.",
    abs=0.002,
)
def champions_gone() -> float:
    """Share of the RFM Champions whose truth says not alive at the end."""
    segments = rfm_segments()
    alive = default_shop().truth.set_index("customer_id")["alive_at_end"].astype(bool)
    champions = segments.index[segments == "Champions"]
    return float(1 - alive.reindex(champions).mean())


@exercise(
    "04.3",
    "What is the Spearman rank correlation between frequency and monetary value?",
    "a rank correlation over customers (one row each), not order lines; Series.corr takes a "
    "method.",
    abs=0.001,
)
def frequency_monetary_spearman() -> float:
    """Rank correlation of distinct invoices and total spend per customer."""
    totals = default_totals()
    return float(totals["invoices"].rank().corr(totals["spend"].rank()))


@exercise(
    "04.4",
    "Fix the snippet that counts one-time buyers: what share of the customers placed "
    "exactly one order?",
    "an order is an invoice, and one invoice has as many lines as products; count what "
    "each customer did, not how many rows they left in the table.",
    abs=0.001,
)
def one_time_buyers_share() -> float:
    """Share of customers with a single distinct invoice among the clean lines."""
    clean = default_clean()
    return float((clean.groupby("customer_id")["invoice_id"].nunique() == 1).mean())

"""Judgement exercises of chapters 00-03: find the bug, choose a parameter by its consequence.

Each function is the reference computation of one exercise, in plain pandas and numpy on the
default data; the notebooks' solutions use ``helpers`` instead.
"""

from __future__ import annotations

import pandas as pd

from helpers.exercises.core import (
    default_clean,
    default_raw,
    default_shop,
    default_totals,
    exercise,
)


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
    raw = default_raw()
    purchases = raw[~raw["invoice_id"].str.startswith("C") & raw["invoice_date"].notna()]
    december = purchases[purchases["invoice_date"].dt.strftime("%Y-%m") == "2024-12"]
    return int(december["invoice_id"].nunique())


@exercise(
    "01.3",
    "Fix `raw['product_id'].nunique()`: how many distinct products do the raw lines really hold?",
    "the same product is written in several ways (spaces around it, lower case); some codes "
    "are not products at all (section 3.5). Normalise the text first, then leave those out.",
)
def distinct_products() -> int:
    """Distinct raw product ids, stripped and upper-cased, that are in the product table."""
    shop = default_shop()
    codes = set(default_raw()["product_id"].dropna().str.strip().str.upper())
    return len(codes & set(shop.products["product_id"].str.upper()))


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
    clean = default_clean()
    truth = default_shop().truth.set_index("customer_id")
    as_of = clean["invoice_date"].max().normalize() + pd.Timedelta(days=1)
    scores = {}
    for months in (1, 3, 6, 12, 24):
        recent = clean[clean["invoice_date"] >= as_of - pd.DateOffset(months=months)]
        spend = recent.groupby("customer_id")["amount"].sum().reindex(truth.index, fill_value=0)
        future_rank = truth["future_spend"].rank()
        scores[months] = spend.rank().corr(future_rank)
    return max(scores, key=scores.__getitem__)


@exercise(
    "03.3",
    "Mailing tier A costs 5.00 a customer and brings 3% of their next six months' spend as "
    "extra margin: which A threshold (0.5, 0.6, 0.7, 0.8, 0.9, 0.95) earns most?",
    "for each threshold take the customers of tier A (ranked by past revenue), add up 3% of "
    "their future_spend in the truth table and subtract 5.00 for each of them; a wider tier "
    "reaches more spend but also mails customers who will spend little.",
    abs=1e-9,
)
def best_a_threshold() -> float:
    """Find the A threshold whose campaign profit on the future spend is highest."""
    ranked = default_totals()["spend"].sort_values(ascending=False)
    before = ranked.cumsum() - ranked
    future = default_shop().truth.set_index("customer_id")["future_spend"]
    profit = {}
    for threshold in (0.5, 0.6, 0.7, 0.8, 0.9, 0.95):
        tier_a = ranked.index[before < threshold * ranked.sum()]
        profit[threshold] = 0.03 * future.reindex(tier_a).fillna(0).sum() - 5.0 * len(tier_a)
    return max(profit, key=profit.__getitem__)

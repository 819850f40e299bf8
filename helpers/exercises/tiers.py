"""Exercises of chapter 03 (customer tiers): 03.1, 03.2 and the judgement exercise 03.3.

Each function is the reference computation of one exercise, in plain pandas and numpy on the
default data, without :mod:`helpers.tiers` or :mod:`helpers.value`, which the chapter teaches.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.exercises.core import default_shop, default_totals, exercise


def _tier_a(threshold: float) -> pd.Index:
    """List the customers whose higher-ranked customers hold under ``threshold`` of the revenue.

    The customer whose revenue crosses the threshold is still in A (ABC analysis).
    """
    ranked = default_totals()["spend"].sort_values(ascending=False)
    above = ranked.cumsum() - ranked
    return ranked.index[above < threshold * ranked.sum()]


@exercise(
    "03.1",
    "With ABC thresholds 70% and 90%, how many customers are in tier A?",
    "rank customers by revenue (not lines or invoices); the customer whose revenue crosses "
    "70% of the total is still in A, so A holds a little more than 70%.",
)
def abc_a_size() -> int:
    """Count the customers of tier A at the 70% threshold."""
    return len(_tier_a(0.70))


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
    future = default_shop().truth.set_index("customer_id")["future_spend"]
    profit = {}
    for threshold in (0.5, 0.6, 0.7, 0.8, 0.9, 0.95):
        tier_a = _tier_a(threshold)
        profit[threshold] = 0.03 * future.reindex(tier_a).fillna(0).sum() - 5.0 * len(tier_a)
    return max(profit, key=profit.__getitem__)

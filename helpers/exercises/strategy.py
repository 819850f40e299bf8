"""Exercises of chapter 11 (relationship strategy): 11.1-11.3 and the judgement exercise 11.4.

Each function is the reference computation of one exercise on the default data: the promotion,
birthday and playbook rules by their definitions in plain pandas and numpy, without
:mod:`helpers.promotion`, :mod:`helpers.birthdays`, :mod:`helpers.campaigns`,
:mod:`helpers.tiers` or the playbook of :mod:`helpers.strategy`. The RFM segments come from
:func:`helpers.exercises.reference.rfm_segments`. Exercise 11.3 starts from two model scores
that are chapters 06 and 08's work, not what it practises (the playbook's rules): P(churn) of
:func:`helpers.scoring.churn_risk` and P(alive) of :func:`helpers.scoring.model_clv`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.exercises.core import default_raw, default_shop, exercise
from helpers.exercises.reference import analysis_date, rfm_segments


@exercise(
    "11.1",
    "A 15% discount on a product with a 45% margin: what sales lift does it need to break even?",
    "each unit sold at the discount keeps the margin minus the discount; sales must rise "
    "until the total margin is what it was. Give a share (0.2 for 20%), not a percentage.",
    abs=0.0005,
)
def break_even_fifteen_on_forty_five() -> float:
    """Solve q' (m - d) = q m for the lift q'/q - 1."""
    depth, margin = 0.15, 0.45
    return (margin / (margin - depth)) - 1


@exercise(
    "11.2",
    "How many customers (opted in or not) have a birthday in the 30 days from 20 December "
    "2024, that day included?",
    "the window crosses New Year: build each customer's next birthday date on or after "
    "the start rather than comparing day-of-year numbers, and keep the days 0 to 29.",
)
def birthdays_over_new_year() -> int:
    """Count customers whose (month, day) of birth is one of the 30 calendar days."""
    days = pd.date_range("2024-12-20", periods=30, freq="D")  # no February: 29 Feb is no issue
    wanted = set(zip(days.month, days.day, strict=True))
    born = pd.to_datetime(default_shop().customers["birth_date"]).dropna()
    return int(sum((m, d) in wanted for m, d in zip(born.dt.month, born.dt.day, strict=True)))


def _top_tier(values: pd.Series, n_tiers: int) -> pd.Series:
    """Flag tier 1: fewer than ``1 / n_tiers`` of the customers have a higher value."""
    strictly_higher = values.rank(method="min", ascending=False) - 1
    return strictly_higher * n_tiers < len(values)


@exercise(
    "11.3",
    "With a risk threshold of 0.7, how many customers does the playbook put in 'care'?",
    "run the playbook again on the same customer view with the new threshold; the rules are "
    "read in order, so a lapsed top-tier customer, or one the purchase model gives up for "
    "dead, is 'win back', never 'care'.",
)
def care_at_threshold_seven() -> int:
    """Top fifth by revenue, P(churn) below 0.7, P(alive) at least 0.1, not lapsed."""
    from helpers.scoring import churn_risk, model_clv
    from helpers.snapshot import take_snapshot

    as_of, shop = analysis_date(), default_shop()
    snapshot = take_snapshot(default_raw(), as_of)
    lines = snapshot.clean
    revenue = lines.groupby("customer_id")["amount"].sum()
    p_churn, _ = churn_risk(snapshot, 90, seed=0, customers=shop.customers)
    segment = rfm_segments(lines, as_of).reindex(revenue.index)
    lapsed = segment.isin(["At Risk", "Can't Lose", "Hibernating", "Lost"])
    risky = p_churn.reindex(revenue.index).fillna(0.0) >= 0.7
    # P(alive) of the chapter's purchase model (the horizon and rates do not change it)
    alive = model_clv(snapshot, horizon_months=12, discount_rate=0.1, margin_rate=0.3)
    gone = alive["p_alive"].reindex(revenue.index).fillna(1.0) < 0.1
    return int((_top_tier(revenue, 5) & ~risky & ~lapsed & ~gone).sum())


@exercise(
    "11.4",
    "For one day of promotion on a product with a 60% margin, which depth from 5% to 50% "
    "(steps of 5%) earns the most margin at ELASTICITY and MAX_LIFT?",
    "the day's margin is proportional to (1 + lift) x (margin - depth): compute it for every "
    "depth of the grid and keep the largest, rather than the deepest depth that still breaks "
    "even.",
    abs=1e-9,
)
def best_one_day_depth() -> float:
    """Maximise (1 + L (1 - exp(-e d / L))) (m - d) over the grid, e = 4, L = 1.5, m = 0.6."""
    elasticity, max_lift, margin = 4.0, 1.5, 0.6
    depths = np.round(np.arange(1, 11) * 0.05, 2)
    lift = max_lift * (1 - np.exp(-elasticity * depths / max_lift))
    day_margin = (1 + lift) * (margin - depths)
    return float(depths[int(np.argmax(day_margin))])

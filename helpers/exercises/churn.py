"""Exercises of chapter 06 (churn): 06.1, 06.2 and the judgement exercise 06.3.

Each function is the reference computation of one exercise on the default data, in plain
pandas and scikit-learn's ROC-AUC, without :mod:`helpers.churn` or
:mod:`helpers.churn_models`, which the chapter teaches: the test snapshot (recency at the
cutoff and the churn label) is built by :func:`holdout_snapshot`.
"""

from __future__ import annotations

import pandas as pd

from helpers.exercises.core import default_clean, default_raw, exercise
from helpers.exercises.reference import last_purchase_days

#: Inactivity windows tried in exercise 06.3 (days), and the margin a kept customer brings.
WINDOWS_DAYS = (30, 60, 90, 120, 180, 365)
MARGIN_SAVED = 40.0
OFFER_COST = 5.0
SAVE_RATE = 0.3


def holdout_snapshot(horizon_days: int) -> tuple[pd.Series, pd.Series]:
    """Recency (days) at the test cutoff of chapter 06 and the churn label for a horizon.

    The test cutoff is 90 days before midnight after the last raw line; a customer with a
    clean line before it churned when no clean line falls in ``[cutoff, cutoff + horizon)``.
    """
    data_end = default_raw()["invoice_date"].max().normalize() + pd.Timedelta(days=1)
    cutoff = data_end - pd.Timedelta(days=90)  # the chapter's test cutoff (90-day horizon)
    recency = last_purchase_days(cutoff)
    clean = default_clean()
    window = clean["invoice_date"].between(
        cutoff, cutoff + pd.Timedelta(days=horizon_days), inclusive="left"
    )
    churned = ~recency.index.isin(clean.loc[window, "customer_id"])
    return recency, pd.Series(churned, index=recency.index)


@exercise(
    "06.1",
    "At the test cutoff, what share of the customers churn with a 60-day horizon?",
    "label the customers who bought before test_cutoff: churned when they have no purchase "
    "in the 60 days from test_cutoff on (helpers.churn labels them).",
    abs=0.002,
)
def churn_rate_sixty_days() -> float:
    """Share of customers active before the test cutoff with no purchase in 60 days."""
    return float(holdout_snapshot(60)[1].mean())


@exercise(
    "06.2",
    "What ROC-AUC does recency alone reach on the test snapshot (90-day horizon)?",
    "the test snapshot's features hold recency already; a higher score must mean more "
    "likely to churn, so use recency as it is, not reversed.",
    abs=0.003,
)
def recency_auc() -> float:
    """ROC-AUC of days since the last purchase as a churn score at the test cutoff."""
    from sklearn.metrics import roc_auc_score

    recency, churned = holdout_snapshot(90)
    return float(roc_auc_score(churned, recency))


@exercise(
    "06.3",
    "In a backtest at test_cutoff, which inactivity window T (30, 60, 90, 120, 180 or 365 "
    "days) makes the campaign 'contact everyone with recency above T' most profitable?",
    "for each T, profit = (contacted customers who did churn) x save rate x £40 minus "
    "£5 x contacted customers; a longer window contacts fewer customers, each more "
    "likely to leave. Compare the profits, not the churn rates.",
)
def best_inactivity_window() -> int:
    """Backtest profit of the recency rule at the test cutoff for each window; the best one."""
    recency, churned = holdout_snapshot(90)
    profit = {
        t: float((churned[recency > t] * SAVE_RATE * MARGIN_SAVED - OFFER_COST).sum())
        for t in WINDOWS_DAYS
    }
    return max(profit, key=profit.get)

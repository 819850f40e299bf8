"""Judgement exercises of chapters 04-06: a bug to find, a parameter chosen by its consequence.

Each function is the reference computation of one exercise on the default data, in plain
pandas, numpy and scikit-learn rather than the ``helpers`` function the chapter teaches. The
chapter 05 exercise starts from the chapter's feature matrix and the chapter 06 one from its
test snapshot (recency and the 90-day label), built as in :mod:`helpers.exercises.ch04_09`.
"""

from __future__ import annotations

import numpy as np

from helpers.exercises.ch04_09 import _cluster_matrix, _test_snapshot
from helpers.exercises.core import default_clean, exercise

#: Smallest share of customers a cluster must hold to be worth a campaign (exercise 05.3).
MIN_CLUSTER_SHARE = 0.08
#: Inactivity windows tried in exercise 06.3 (days), and the margin a kept customer brings.
WINDOWS_DAYS = (30, 60, 90, 120, 180, 365)
MARGIN_SAVED = 40.0
OFFER_COST = 5.0
SAVE_RATE = 0.3


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


@exercise(
    "05.3",
    "Which is the largest k from 3 to 8 whose k-means clusters each hold at least 8% of "
    "the customers?",
    "fit k-means for every k (the chapter's settings and seed) and look at the smallest "
    "cluster's share of the customers, not at the silhouette.",
)
def largest_usable_k() -> int:
    """Find the largest k (3-8) whose smallest k-means cluster (10 starts, seed 0) holds >= 8%."""
    from sklearn.cluster import KMeans

    X = _cluster_matrix()
    usable = [
        k
        for k in range(3, 9)
        if np.bincount(KMeans(k, n_init=10, random_state=0).fit_predict(X)).min() / len(X)
        >= MIN_CLUSTER_SHARE
    ]
    return max(usable)


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
    recency, churned = _test_snapshot(90)
    profit = {
        t: float((churned[recency > t] * SAVE_RATE * MARGIN_SAVED - OFFER_COST).sum())
        for t in WINDOWS_DAYS
    }
    return max(profit, key=profit.get)

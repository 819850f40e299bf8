"""Judgement exercises of chapters 10-13: find the bug, choose a parameter by its consequence.

Each function is the reference computation of one exercise on the default data, written with
plain pandas and numpy, independently of the ``helpers`` function the chapter teaches.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.exercises.core import default_clean, exercise

#: Chapter 10's default cutoff between the training and the test period (synthetic data).
CUTOFF = pd.Timestamp("2024-07-01")


@exercise(
    "10.4",
    "Fix the colleague's popularity backtest: what precision@10 does popularity really reach?",
    "a model tested on the purchases from the cutoff on may only have seen the lines before "
    "it: check which table every count in the snippet is taken from.",
    abs=0.001,
)
def honest_popularity_precision() -> float:
    """Popularity counted before the cutoff, bought products left out, mean hits / 10."""
    clean = default_clean()
    before = clean["invoice_date"] < CUTOFF
    owned = pd.crosstab(clean.loc[before, "customer_id"], clean.loc[before, "product_id"]) > 0
    later = pd.crosstab(clean.loc[~before, "customer_id"], clean.loc[~before, "product_id"]) > 0
    later = later.reindex(index=owned.index, columns=owned.columns, fill_value=False)
    wanted = later & ~owned  # new products bought after the cutoff by known customers
    wanted = wanted[wanted.any(axis=1)]
    buyers = owned.sum().rename("buyers").rename_axis("product").reset_index()
    order = buyers.sort_values(["buyers", "product"], ascending=[False, True])["product"]
    candidates = ~owned.loc[wanted.index, order].to_numpy()
    top10 = candidates & (np.cumsum(candidates, axis=1) <= 10)
    hits = (top10 & wanted[order].to_numpy()).sum(axis=1)
    return float(hits.mean() / 10)


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
    clean = default_clean()
    as_of = clean["invoice_date"].max().normalize() + pd.Timedelta(days=1)
    window = clean[clean["invoice_date"] >= as_of - pd.Timedelta(days=365)]
    invoices = window.drop_duplicates(["customer_id", "invoice_id"])["customer_id"]
    return float((invoices.value_counts() >= 2).mean())


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

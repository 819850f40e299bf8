"""Exercises of chapters 10-12: recommendation, relationship strategy and the report.

Each function is the reference computation of one exercise on the default data, written with
pandas and numpy rather than the ``helpers`` function the chapter teaches: the recommenders of
chapter 10 are recomputed as dense matrix algebra (the synthetic shop has 320 products), the
promotion, birthday and playbook rules of chapter 11 by their definitions, and the report's
figures of chapter 12 with plain ``groupby``. Where an exercise starts from a score that is not
what it practises (chapter 11's churn risk and RFM segments), that input comes from
``helpers``, and the computation the exercise asks for is done here independently.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd

from helpers.exercises.core import default_clean, default_raw, default_shop, exercise

#: Chapter 10's default cutoff between the training and the test period (synthetic data).
CUTOFF = pd.Timestamp("2024-07-01")


def _analysis_date() -> pd.Timestamp:
    """Midnight after the last clean order line: the as-of date of chapters 11 and 12."""
    return default_clean()["invoice_date"].max().normalize() + pd.Timedelta(days=1)


# --- 09 recommendation -------------------------------------------------------------------------


@cache
def _purchases() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Tabulate customer x product purchases (0/1) before the cutoff and from it on."""
    clean = default_clean()
    catalogue = np.sort(clean["product_id"].astype(str).unique())
    before = clean["invoice_date"] < CUTOFF

    def table(lines: pd.DataFrame) -> pd.DataFrame:
        counts = pd.crosstab(lines["customer_id"].astype(str), lines["product_id"].astype(str))
        return counts.reindex(columns=catalogue, fill_value=0) > 0

    bought = table(clean[before])
    later = table(clean[~before]).reindex(index=bought.index, fill_value=False)
    return bought, later


def _popularity_order(bought: pd.DataFrame) -> pd.Index:
    """Products bought by anyone, most buyers first, equal numbers by product id."""
    counts = bought.sum().rename("buyers").rename_axis("product").reset_index()
    counts = counts[counts["buyers"] > 0].sort_values(
        ["buyers", "product"], ascending=[False, True]
    )
    return pd.Index(counts["product"])


def _top(scores: np.ndarray, k: int) -> np.ndarray:
    """Column positions of each row's ``k`` best positive scores; -1 for an empty slot.

    Scores are compared rounded to 10 decimals, equal scores by the lower column.
    """
    rounded = np.round(scores, 10)
    order = np.argsort(-rounded, axis=1, kind="stable")[:, :k]
    best = np.take_along_axis(rounded, order, axis=1)
    return np.where(best > 0, order, -1)


@exercise(
    "10.1",
    "What is the cosine similarity between the two products bought by the most customers "
    "before the cutoff?",
    "each product is a column of the 0/1 interaction matrix: the customers who bought both, "
    "divided by the square root of the product of the two numbers of buyers.",
    abs=0.0005,
)
def cosine_of_best_sellers() -> float:
    """Cosine between the buyer vectors of the two most popular products."""
    bought, _ = _purchases()
    a, b = _popularity_order(bought)[:2]
    both = (bought[a] & bought[b]).sum()
    return float(both / np.sqrt(bought[a].sum() * bought[b].sum()))


@exercise(
    "10.2",
    "How many distinct products does the popularity baseline put in the top-10 lists of all "
    "the customers known before the cutoff?",
    "recommend to every customer of the interaction matrix (not only the scored ones), with "
    "what they already bought left out, and count distinct products, not lines.",
)
def popularity_coverage() -> int:
    """Distinct products among the first 10 not-yet-bought products of the popularity order."""
    bought, _ = _purchases()
    candidates = ~bought[_popularity_order(bought)].to_numpy()
    chosen = candidates & (np.cumsum(candidates, axis=1) <= 10)
    return int(chosen.any(axis=0).sum())


@exercise(
    "10.3",
    "With 20 neighbours per product, what precision@10 does item CF reach on the time split?",
    "fit a new ItemCF with n_neighbours=20 on the same interaction matrix, recommend 10 "
    "products to the scored customers and evaluate the lists against `relevant`.",
    abs=0.001,
)
def item_cf_twenty_precision() -> float:
    """Dense item CF: cosine, 20 neighbours per product, scores X S, mean hits / 10."""
    bought, later = _purchases()
    x = bought.to_numpy(float)
    norm = np.sqrt(x.sum(axis=0))
    similar = (x.T @ x) / np.where(norm > 0, np.outer(norm, norm), 1.0)
    np.fill_diagonal(similar, 0.0)
    keep = _top(similar, 20)
    rows = np.arange(len(similar))[:, None]
    neighbours = np.zeros_like(similar)
    neighbours[rows, keep] = np.where(keep >= 0, np.round(similar[rows, keep], 10), 0.0)
    relevant = later.to_numpy() & ~bought.to_numpy()
    scored = relevant.any(axis=1)
    scores = x[scored] @ neighbours
    scores[bought.to_numpy()[scored]] = -np.inf
    lists = _top(scores, 10)
    hits = np.take_along_axis(relevant[scored], np.maximum(lists, 0), axis=1) & (lists >= 0)
    return float(hits.sum(axis=1).mean() / 10)


# --- 10 relationship strategy ------------------------------------------------------------------


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
    from helpers.rfm import rfm_analysis
    from helpers.strategy import churn_risk, model_clv

    as_of, clean, shop = _analysis_date(), default_clean(), default_shop()
    lines = clean[clean["invoice_date"] < as_of]
    revenue = lines.groupby("customer_id")["amount"].sum()
    p_churn, _ = churn_risk(default_raw(), as_of, 90, clean=clean, seed=0, customers=shop.customers)
    segment = rfm_analysis(lines, as_of)["segment"].astype(str).reindex(revenue.index)
    lapsed = segment.isin(["At Risk", "Can't Lose", "Hibernating", "Lost"])
    risky = p_churn.reindex(revenue.index).fillna(0.0) >= 0.7
    # P(alive) of the chapter's purchase model (the horizon and rates do not change it)
    alive = model_clv(clean, as_of, horizon_months=12, discount_rate=0.1, margin_rate=0.3)
    gone = alive["p_alive"].reindex(revenue.index).fillna(1.0) < 0.1
    return int((_top_tier(revenue, 5) & ~risky & ~lapsed & ~gone).sum())


# --- 11 the customer value report --------------------------------------------------------------


@exercise(
    "12.1",
    "What is the average order value of the orders placed in the 90 days before the analysis date?",
    "an order is an invoice: add up its lines first, then average over the invoices dated "
    "from as_of minus 90 days on (as_of itself is excluded).",
    abs=0.01,
)
def recent_average_order_value() -> float:
    """Mean invoice total over the invoices of the last 90 days."""
    clean, as_of = default_clean(), _analysis_date()
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
    clean, as_of = default_clean(), _analysis_date()
    start = as_of - pd.Timedelta(days=365)
    window = clean[(clean["invoice_date"] >= start) & (clean["invoice_date"] < as_of)]
    first_order = clean.groupby("customer_id")["invoice_date"].min()
    newcomers = first_order.index[first_order >= start]
    return float(
        window.loc[window["customer_id"].isin(newcomers), "amount"].sum() / window["amount"].sum()
    )

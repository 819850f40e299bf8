"""The synthetic shop's subscription: a monthly gift box club, with known churn probabilities.

Over the two observed years the shop also sells a subscription, "the gift box club": a box
a month at the market's price, of which part is margin (:mod:`helpers.synthetic_markets`:
in the UK shop :data:`MONTHLY_PRICE` = 25 pounds with :data:`MONTHLY_MARGIN` = 10; in the
Chinese shop 199 yuan with 80). About as many people take it as the shop has customers;
they sign up on a day between the 1st and the 28th of a month, more of them as the club
grows and most in December (gifts; in both markets). A subscriber pays on signing up and
then on the same day of every following month until they cancel. That is the contractual
setting of the shifted-beta-geometric model (:mod:`helpers.retention`), and the
subscribers are drawn from its story:

- each subscriber has their own probability theta of not renewing, the same every month,
  drawn from beta(:data:`SUBSCRIPTION_ALPHA`, :data:`SUBSCRIPTION_BETA`) = beta(0.8, 4):
  on average 17% leave after their first box, and those who stay are the loyal ones;
- the number of boxes they would pay for in all, T, is geometric: P(T = t) =
  theta (1 - theta)^(t - 1).

What the shop sees at the end of the observed window (``subscriptions``): each
subscription's ``signup_date`` and cohort (``signup_month``), ``months_active`` (boxes paid
for by then, the signup month included), whether it is still ``active`` and, if not, its
``cancel_date`` (the first monthly date not renewed). An active subscription is
right-censored: a subscriber who has paid m boxes has made m - 1 renewals and may still
cancel at the next one. Two in five subscribers are shop customers (``customer_id``, a
customer who signed up at the shop on or before the day they subscribed; each at most
once); the others subscribed without a shop account (empty).

``subscriptions_truth`` is the answer key: each subscription's ``churn_probability``
(theta), ``lifetime_months`` (T, the boxes they pay for in all, beyond the window too) and
the population's ``population_alpha`` and ``population_beta``, so that a fitted sBG model
and its projections can be checked against the truth.

The draws use a generator of their own (``[seed, 40]``), so the other tables are the same
with or without the subscriptions.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers import schema as s
from helpers.synthetic_markets import UK, Market, get_market

__all__ = [
    "MONTHLY_MARGIN",
    "MONTHLY_PRICE",
    "SUBSCRIPTION_ALPHA",
    "SUBSCRIPTION_BETA",
    "SUBSCRIPTION_ID",
    "subscription_tables",
]

#: The subscriptions' id column.
SUBSCRIPTION_ID = "subscription_id"
#: The beta distribution of the monthly churn probability across subscribers.
SUBSCRIPTION_ALPHA = 0.8
SUBSCRIPTION_BETA = 4.0
#: What a box costs the subscriber, and the shop's margin on it, in pounds (the UK shop's;
#: another market's are its ``box_price`` and ``box_margin``).
MONTHLY_PRICE = UK.box_price
MONTHLY_MARGIN = UK.box_margin
#: Share of subscribers who are shop customers.
_SHOP_SHARE = 0.4


def subscription_tables(
    seed: int,
    customers: pd.DataFrame,
    start: pd.Timestamp,
    end: pd.Timestamp,
    *,
    market: str | Market = "uk",
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Draw the subscriptions and their truth (see the module notes).

    Parameters
    ----------
    seed : int
        The shop's seed; the subscriptions' generator is seeded with ``[seed, 40]``.
    customers : pandas.DataFrame
        The shop's customers (``customer_id``, ``signup_date``); as many subscriptions are
        drawn as there are customers.
    start, end : pandas.Timestamp
        The observed window (both days included): subscriptions start in it, and what is
        observed stops at ``end``.
    market : {"uk", "cn"} or Market, default "uk"
        The shop's market: it sets ``monthly_price`` and ``monthly_margin`` (its
        ``box_price`` and ``box_margin``, in its currency); the draws are the same in every
        market.

    Returns
    -------
    subscriptions, truth : pandas.DataFrame
        ``subscriptions``: ``subscription_id``, ``customer_id``, ``signup_date``,
        ``signup_month``, ``monthly_price``, ``monthly_margin``, ``months_active``,
        ``active``, ``cancel_date``. ``truth``: ``subscription_id``, ``churn_probability``,
        ``lifetime_months``, ``population_alpha``, ``population_beta``.
    """
    where = get_market(market)
    rng = np.random.default_rng([seed, 40])
    n = len(customers)
    months = pd.period_range(start, end, freq="M")
    # the club grows (twice the signups at the end as at the start) and peaks in December
    weight = np.linspace(1.0, 2.0, len(months)) * np.where(months.month == 12, 2.0, 1.0)
    month = np.sort(rng.choice(len(months), size=n, p=weight / weight.sum()))
    low = np.where(month == 0, min(start.day, 28), 1)
    high = np.where(month == len(months) - 1, min(end.day, 28), 28)
    day = rng.integers(low, np.maximum(high, low) + 1)
    first = months[month].to_timestamp()
    signup = pd.DatetimeIndex(first + pd.to_timedelta(day - 1, unit="D")).astype("datetime64[ns]")
    order = np.argsort(signup.to_numpy(), kind="stable")
    signup, month, day = signup[order], month[order], day[order]

    theta = np.maximum(rng.beta(SUBSCRIPTION_ALPHA, SUBSCRIPTION_BETA, n), 1e-9)
    lifetime = rng.geometric(theta)
    # monthly dates up to the end: the signup's, and one a month after it on the same day
    due = (end.year - signup.year) * 12 + (end.month - signup.month) + (end.day >= day)
    due = np.asarray(due, dtype=np.int64)
    active = lifetime >= due
    paid = np.minimum(lifetime, due)
    # the first monthly date not renewed: paid months after the signup, on the same day
    ordinal = signup.to_period("M").asi8 + paid
    cancel = pd.PeriodIndex.from_ordinals(ordinal, freq="M").to_timestamp() + pd.to_timedelta(
        day - 1, unit="D"
    )
    cancel = np.where(active, np.datetime64("NaT", "ns"), cancel.to_numpy())
    ids = np.array([f"S{i:05d}" for i in range(1, n + 1)], dtype=object)
    subscriptions = pd.DataFrame(
        {
            SUBSCRIPTION_ID: ids,
            s.CUSTOMER_ID: _shop_customers(rng, customers, signup),
            "signup_date": signup,
            "signup_month": months[month].strftime("%Y-%m").to_numpy(dtype=object),
            "monthly_price": where.box_price,
            "monthly_margin": where.box_margin,
            "months_active": paid,
            "active": active,
            "cancel_date": cancel.astype("datetime64[ns]"),
        }
    )
    truth = pd.DataFrame(
        {
            SUBSCRIPTION_ID: ids,
            "churn_probability": theta.round(6),
            "lifetime_months": lifetime.astype("int64"),
            "population_alpha": SUBSCRIPTION_ALPHA,
            "population_beta": SUBSCRIPTION_BETA,
        }
    )
    return subscriptions, truth


def _shop_customers(
    rng: np.random.Generator, customers: pd.DataFrame, signup: pd.DatetimeIndex
) -> np.ndarray:
    """Return each subscription's customer id, or None for a subscriber without a shop account.

    Two in five are customers who signed up at the shop on or before the subscription's
    day, each at most once (None when no such customer is left).
    """
    ids = customers[s.CUSTOMER_ID].to_numpy()
    joined = pd.DatetimeIndex(customers[s.SIGNUP_DATE]).normalize().to_numpy()
    order = np.argsort(joined, kind="stable")
    shop = rng.random(len(signup)) < _SHOP_SHARE
    pick = rng.random(len(signup))
    out = np.full(len(signup), None, dtype=object)
    pool: list[int] = []
    next_customer = 0
    for i, day in enumerate(signup.to_numpy()):  # subscriptions in date order
        while next_customer < len(order) and joined[order[next_customer]] <= day:
            pool.append(int(order[next_customer]))
            next_customer += 1
        if shop[i] and pool:
            j = int(pick[i] * len(pool))
            pool[j], pool[-1] = pool[-1], pool[j]
            out[i] = ids[pool.pop()]
    return out

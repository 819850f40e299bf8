"""People who are not yet customers of the synthetic shop, with what they would be worth.

The shop has a list of prospects (newsletter sign-ups and a bought marketing list): people
it could contact but who have never bought. ``prospects`` gives what such a list gives,
the attributes the customers table has about who someone is: ``birth_date``, ``gender``,
``region``, ``annual_income`` and ``acquisition_channel`` (the channel through which the
prospect came, and would join). They are drawn by the shop's own customer generator, so
from the same persona mix, with the same persona-dependent incomes and channels, and
about two prospects for every three customers. In the Chinese shop (``market="cn"``)
they have its regions, channels and incomes, sign up and would buy by its calendar, and
spend in yuan; the list has the same columns in both markets (the customers' consent
flags and birthday calendar are drawn but not kept).

``prospects_truth`` is the answer key, hidden from a model: each prospect's ``persona``,
the purchase rate, dropout probability and spending capacity they would have as a
customer (drawn from their persona's distributions, as for the customers), and what they
would do in a first year as a customer had they joined on the day after the observed
window: ``expected_orders`` (the expectation given their rate and dropout, with the
season: ``1 + (1 - p) / p x (1 - exp(-L p))``, where ``L`` is their rate summed over the
year and ``p`` the dropout probability after each purchase), and ``first_year_orders``
and ``first_year_spend`` (net of returns), drawn by the shop's own purchase, basket and
return processes. A look-alike model that finds valuable prospects ranks high the ones
whose first year is worth most.

The draws use a generator of their own (``[seed, 30]``), so the other tables are the
same with or without the prospects. With ``channel_effects`` (a covariate check) the
prospects are still drawn as the course's shop.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers import schema as s
from helpers.synthetic_markets import Market, get_market

__all__ = ["PROSPECT_ID", "prospect_tables", "n_prospects"]

#: The prospects' id column (they are not customers: no ``customer_id``).
PROSPECT_ID = "prospect_id"
#: The customers table's columns a prospect list has.
_COLUMNS = (s.BIRTH_DATE, s.GENDER, s.REGION, s.ANNUAL_INCOME, s.ACQUISITION_CHANNEL)


def n_prospects(n_customers: int) -> int:
    """Return the number of prospects of a shop of ``n_customers``: two for every three."""
    return max(1, 2 * n_customers // 3)


def prospect_tables(
    seed: int,
    n: int,
    start: pd.Timestamp,
    end: pd.Timestamp,
    products: pd.DataFrame,
    pairs: np.ndarray,
    *,
    market: str | Market = "uk",
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Draw the prospects and their truth (see the module notes).

    Parameters
    ----------
    seed : int
        The shop's seed; the prospects' generator is seeded with ``[seed, 30]``.
    n : int
        Number of prospects (>= 1).
    start, end : pandas.Timestamp
        The shop's observed window: prospects sign up in it as the customers do (their age
        follows), and would join as customers on the day after ``end``.
    products : pandas.DataFrame
        The shop's products, with their popularity (``_popularity``), as the baskets use them.
    pairs : numpy.ndarray
        The planted product pairs (row positions), as the baskets use them.
    market : {"uk", "cn"} or Market, default "uk"
        The shop's market (:mod:`helpers.synthetic_markets`): the prospects' regions,
        channels, incomes and ages, and the calendar of their signups and first year.

    Returns
    -------
    prospects, truth : pandas.DataFrame
        ``prospects``: ``prospect_id`` and the columns listed in the module notes.
        ``truth``: ``prospect_id``, ``persona``, ``purchase_rate_per_week``,
        ``dropout_probability``, ``spending_capacity``, ``expected_orders``,
        ``first_year_orders``, ``first_year_spend``.
    """
    # the shop's own generators; imported here because helpers.synthetic imports this module
    from helpers import synthetic as shop

    where = get_market(market)
    rng = np.random.default_rng([seed, 30])
    people, persona = shop.make_customers(rng, n, start, end, market=where)
    ids = np.array([f"PR{10001 + i}" for i in range(n)], dtype=object)
    prospects = people[list(_COLUMNS)].copy()
    prospects.insert(0, PROSPECT_ID, ids)

    kinds = shop.PERSONAS
    shape = np.array([x.rate_shape for x in kinds])[persona]
    rate = rng.gamma(shape, np.array([x.rate_mean for x in kinds])[persona] / shape)
    dropout = rng.beta(
        np.array([x.dropout_a for x in kinds])[persona],
        np.array([x.dropout_b for x in kinds])[persona],
    )
    power = np.array([x.season_power for x in kinds])[persona]
    join = end + pd.Timedelta(days=1)
    year_end = join + pd.Timedelta(days=364)
    owner, _, _ = shop.purchase_times(
        rng, pd.DatetimeIndex(np.repeat(join, n)), rate, dropout, power, year_end, market=where
    )
    capacity = people[s.SPENDING_CAPACITY].to_numpy()
    lines = shop.make_baskets(rng, persona[owner], capacity[owner], products, pairs)
    returns = shop.make_returns(
        rng, lines, np.array([x.return_rate for x in kinds])[persona[owner]]
    )
    quantity = lines["quantity"].to_numpy().copy()
    np.subtract.at(quantity, returns["line"].to_numpy(), returns["returned"].to_numpy())
    price = products[s.UNIT_PRICE].to_numpy()[lines["product"].to_numpy()]
    spend = np.bincount(owner[lines["invoice"].to_numpy()], weights=quantity * price, minlength=n)

    # expected orders: the first on joining, then Poisson(L) candidates, each made while the
    # customer stays (left with probability p after every purchase)
    days = pd.date_range(join, year_end)
    weeks = (shop.season(days, where)[None, :] ** power[:, None]).sum(axis=1) / 7
    load = rate * weeks
    expected = 1 + (1 - dropout) / dropout * -np.expm1(-load * dropout)
    truth = pd.DataFrame(
        {
            PROSPECT_ID: ids,
            "persona": np.array([x.name for x in kinds], dtype=object)[persona],
            "purchase_rate_per_week": rate.round(4),
            "dropout_probability": dropout.round(4),
            "spending_capacity": people[s.SPENDING_CAPACITY].to_numpy(),
            "expected_orders": expected.round(4),
            "first_year_orders": np.bincount(owner, minlength=n).astype("int64"),
            "first_year_spend": spend.round(2),
        }
    )
    return prospects, truth

"""A past randomised campaign in the synthetic shop, with a known effect on every customer.

Three months before the end of the observed window the shop e-mailed "10% off every order
for 30 days" to a random half of its customers and held the other half out. What each
customer would have done without the e-mail is what the shop's purchase process did: the
order lines. What the e-mail changed depends on the customer's persona, as marketers tell
the four kinds of customer apart (Radcliffe & Surry 2011):

=================  ======================  ==================================================
persona            kind                    effect of the e-mail
=================  ======================  ==================================================
bargain hunter     persuadable             60% of those who would not have bought, buy
occasional         persuadable             40% of them buy
loyal regular      sure thing              3% more buy; most would have bought anyway
big spender        sleeping dog            25% of those who would have bought are put off
one-off            lost cause              2% more buy
=================  ======================  ==================================================

Only customers still active (who have not yet made their last purchase) react: the
e-mail does not bring back someone who has left. A persuaded customer places one order of
one to two times their usual size (the mean of their orders): the discount makes them
stock up.

The order lines are left as the shop without the campaign (so the course's data do not
change): its extra and lost orders are only in ``campaign_history``. ``campaign_truth``
gives, per customer, the chance of ordering in the 30 days without and with the e-mail,
and both spends (without and with it), from which the true effect of any targeting
follows. The draws use a generator of their own, so the other tables are the same with or
without them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers import dates
from helpers import schema as s
from helpers.deprecation import positional_last_day, renamed_arguments

__all__ = [
    "CAMPAIGN_DAYS",
    "CAMPAIGN_OFFER",
    "PERSONA_EFFECTS",
    "campaign_date",
    "campaign_tables",
]

#: The campaign's offer, as written in the history.
CAMPAIGN_OFFER = "10% off every order for 30 days"
#: Days after the campaign date in which an order counts as a response.
CAMPAIGN_DAYS = 30
#: Days before the last observed day on which the campaign was sent.
_BEFORE_END = 91
#: Per persona: (share of the active non-buyers the e-mail persuades, share of the buyers it
#: puts off).
PERSONA_EFFECTS: dict[str, tuple[float, float]] = {
    "bargain hunter": (0.60, 0.0),
    "occasional": (0.40, 0.0),
    "loyal regular": (0.03, 0.0),
    "big spender": (0.0, 0.25),
    "one-off": (0.02, 0.0),
}


def campaign_tables(
    seed: int,
    customer_ids: np.ndarray,
    persona: np.ndarray,
    signup: pd.DatetimeIndex,
    active: np.ndarray,
    expected_orders: np.ndarray,
    window_orders: np.ndarray,
    window_spend: np.ndarray,
    order_value: np.ndarray,
    date: pd.Timestamp,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Draw the campaign's history and truth tables (see the module notes).

    Parameters
    ----------
    seed : int
        The shop's seed; the campaign's generator is seeded with ``[seed, 20]``.
    customer_ids, persona : numpy.ndarray
        Every customer's id and persona name.
    signup : pandas.DatetimeIndex
        Signup dates: customers who signed up at least 28 days before ``date`` are in the test.
    active : numpy.ndarray of bool
        Whether each customer is still active on ``date``.
    expected_orders : numpy.ndarray
        Each customer's expected number of orders in the window, if active (rate x season).
    window_orders, window_spend : numpy.ndarray
        The orders and their value each customer placed in the window without the campaign.
    order_value : numpy.ndarray
        Each customer's mean order value.
    date : pandas.Timestamp
        The campaign date.

    Returns
    -------
    history, truth : pandas.DataFrame
        ``history``: ``customer_id``, ``group`` (treatment or control), ``campaign_date``,
        ``offer``, ``responded``, ``spend``. ``truth``: ``customer_id``, ``kind``
        (persuadable, sure thing, sleeping dog, lost cause), ``p_without`` and ``p_with``
        (the chance of ordering in the window without and with the e-mail), and
        ``spend_without`` and ``spend_with``: what the customer spent in the window without
        the e-mail and would have spent with it (both drawn; the history shows one).
    """
    rng = np.random.default_rng([seed, 20])
    eligible = np.flatnonzero(signup <= date - pd.Timedelta(days=28))
    n = len(eligible)
    treated = np.zeros(n, dtype=bool)
    treated[rng.permutation(n)[: n // 2]] = True

    names = persona[eligible]
    persuade = np.array([PERSONA_EFFECTS[p][0] for p in names])
    put_off = np.array([PERSONA_EFFECTS[p][1] for p in names])
    alive = active[eligible]
    bought = window_orders[eligible] > 0
    spend = window_spend[eligible].astype(float)
    usual = order_value[eligible]

    # both potential outcomes of every customer; the group decides which one is seen
    draw = rng.random(n)
    size = usual * rng.uniform(1.0, 2.0, n)
    lost = bought & (draw < put_off)
    won = ~bought & alive & (draw < persuade)
    spend_with = np.where(lost, 0.0, np.where(won, size, spend)).round(2)
    spend_without = spend.round(2)
    responded = np.where(treated, (bought & ~lost) | won, bought)

    history = pd.DataFrame(
        {
            s.CUSTOMER_ID: customer_ids[eligible],
            "group": np.where(treated, "treatment", "control"),
            "campaign_date": date.strftime("%Y-%m-%d"),
            "offer": CAMPAIGN_OFFER,
            "responded": responded,
            "spend": np.where(treated, spend_with, spend_without),
        }
    )
    without = np.where(alive, -np.expm1(-expected_orders[eligible]), 0.0)
    with_offer = without * (1 - put_off) + np.where(alive, (1 - without) * persuade, 0.0)
    kind = np.select(
        [put_off > 0, persuade >= 0.1, names == "loyal regular"],
        ["sleeping dog", "persuadable", "sure thing"],
        "lost cause",
    )
    truth = pd.DataFrame(
        {
            s.CUSTOMER_ID: customer_ids[eligible],
            "kind": kind,
            "p_without": without.round(4),
            "p_with": with_offer.round(4),
            "spend_without": spend_without,
            "spend_with": spend_with,
        }
    )
    return history, truth


@renamed_arguments(observation_end=("as_of", dates.day_after))
def campaign_date(
    observation_end: dates.DateLike | None = None, /, *, as_of: dates.DateLike | None = None
) -> pd.Timestamp:
    """Return the campaign date: 91 days before the last observed day.

    Parameters
    ----------
    observation_end : date, optional, positional only
        Deprecated: the old inclusive last observed day; pass ``as_of`` (the day after).
    as_of : str, datetime.date or pandas.Timestamp
        The end of the observed window, exclusive (the last observed day is
        :func:`helpers.dates.last_day` of it). The old keyword ``observation_end`` (the last
        day, inclusive) is read as the day after it, with a FutureWarning.

    Returns
    -------
    pandas.Timestamp
        ``last_day(as_of) - 91 days``.

    Examples
    --------
    >>> campaign_date(as_of="2011-12-10")
    Timestamp('2011-09-09 00:00:00')
    """
    as_of = positional_last_day("campaign_date", "observation_end", observation_end, "as_of", as_of)
    if as_of is None:
        raise TypeError("campaign_date() missing the keyword argument 'as_of'")
    return dates.last_day(as_of) - pd.Timedelta(days=_BEFORE_END)

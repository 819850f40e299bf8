"""Read a campaign out against its control group: uplift with intervals, incremental margin.

After a campaign whose list :func:`helpers.experiments.assign_groups` split into
``treatment`` (contacted) and ``control`` (held out), :func:`campaign_readout` takes the
list and the orders of the campaign's window (or :func:`compare_groups`, each customer's
response and spend) and returns:

- response (share of customers who ordered) and spend per customer, per group;
- the absolute uplift in response with Newcombe's hybrid score interval (Newcombe 1998,
  method 10) and the two-proportion z-test; the relative uplift with the Katz log interval;
- the uplift in spend per customer with a bootstrap percentile interval (customers
  resampled within each group);
- the campaign's economics, one definition everywhere: incremental margin = the treated
  customers' extra spend over the control rate x margin rate - the discount given on every
  treated order (also on the orders that would have come anyway) - offer costs per treated
  responder - contact costs; its cost and ROI, with bootstrap intervals;
- warnings: a window not over yet, or read before the planned end (peeking: a test read
  again and again until it looks significant finds "effects" far more often than its
  nominal 5%).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from helpers import schema as s
from helpers.checks import check_numbers, require_columns, warn_notes
from helpers.experiments import CONTROL, GROUP, TREATMENT

__all__ = [
    "Readout",
    "campaign_gain",
    "campaign_readout",
    "compare_groups",
    "newcombe_interval",
]

#: Bootstrap draws resampled at once: at most this many customers x draws in memory.
_CHUNK_CELLS = 4_000_000


def _wilson(successes: int, n: int, z: float) -> tuple[float, float]:
    """Wilson score interval of a proportion."""
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def newcombe_interval(
    x1: int, n1: int, x0: int, n0: int, confidence: float = 0.95
) -> tuple[float, float]:
    """Newcombe's hybrid score interval of p1 - p0 (Newcombe 1998, method 10).

    Each proportion gets its Wilson interval (l, u); the difference d = p1 - p0 then has
    ``d - sqrt((p1 - l1)^2 + (u0 - p0)^2)`` and ``d + sqrt((u1 - p1)^2 + (p0 - l0)^2)``.
    It keeps close to its nominal coverage where the Wald interval does not (rates near 0
    or 1, small groups), and stays inside [-1, 1].
    """
    if n1 < 1 or n0 < 1:
        raise ValueError(f"need groups of at least 1, got {n1} and {n0}")
    z = float(stats.norm.ppf(0.5 + confidence / 2))
    p1, p0 = x1 / n1, x0 / n0
    l1, u1 = _wilson(x1, n1, z)
    l0, u0 = _wilson(x0, n0, z)
    d = p1 - p0
    return d - math.hypot(p1 - l1, u0 - p0), d + math.hypot(u1 - p1, p0 - l0)


@dataclass
class Readout:
    """What :func:`campaign_readout` returns.

    Attributes
    ----------
    groups : pandas.DataFrame
        Per group (``treatment``, ``control``): customers, responders, response rate,
        spend and spend per customer.
    effects : pandas.DataFrame
        One row per measure (response uplift in points, relative response uplift, spend
        per customer uplift, incremental margin, ROI), with ``estimate``, ``lower`` and
        ``upper`` (the interval at ``confidence``).
    p_value : float
        Two-sided two-proportion z-test of equal response rates.
    cost : float
        What the campaign cost: contacts, offers and discounts.
    confidence : float
        Level of the intervals.
    notes : list of str
        Warnings (also issued as :class:`helpers.checks.DataWarning`).
    """

    groups: pd.DataFrame
    effects: pd.DataFrame
    p_value: float
    cost: float
    confidence: float
    notes: list[str] = field(default_factory=list)

    def summary(self, currency: str = "£") -> str:
        """Return the readout in plain words."""
        e, low, high = (self.effects[c] for c in ("estimate", "lower", "upper"))
        level = f"{self.confidence:.0%}"

        def money(value: float, decimals: int = 0, sign: bool = False) -> str:
            text = f"{currency}{abs(value):,.{decimals}f}"
            return ("-" if value < 0 else "+" if sign else "") + text

        def points(value: float) -> str:
            return f"{value * 100:+.1f}"

        verdict = (
            "the campaign paid"
            if low["incremental margin"] > 0
            else "the campaign lost money"
            if high["incremental margin"] < 0
            else "the data cannot tell whether the campaign paid"
        )
        rate = self.groups["response rate"]
        spend = "spend per customer uplift"
        return (
            f"Response {rate[TREATMENT]:.1%} contacted vs {rate[CONTROL]:.1%} held out: "
            f"uplift {points(e['response uplift'])} points ({level} interval "
            f"{points(low['response uplift'])} to {points(high['response uplift'])}; "
            f"{'p < 0.001' if self.p_value < 0.001 else f'p = {self.p_value:.3f}'}). "
            f"Spend per customer {money(e[spend], 2, True)} "
            f"({level} interval {money(low[spend], 2, True)} to {money(high[spend], 2, True)})."
            f" Incremental margin {money(e['incremental margin'])} ({level} interval "
            f"{money(low['incremental margin'])} to {money(high['incremental margin'])}) for a "
            f"cost of {money(self.cost)}: {verdict}."
        )


def campaign_gain(
    spend_with,
    spend_without,
    *,
    margin_rate: float,
    discount: float = 0.0,
    contact_cost=0.0,
    discounted_spend=None,
):
    """Return the incremental margin of contacting a customer: one definition everywhere.

    ``margin_rate x (spend_with - spend_without) - discount x discounted_spend -
    contact_cost``: the margin on what the campaign added, minus the discount paid on *every*
    discounted order of the contacted customer (also on those they would have placed anyway:
    cannibalisation), minus the contact. The discounted spend is all the spend with the
    contact (an offer on every order) unless the offer covers less, e.g. only the next order.
    A fixed cost per redeemed offer is subtracted by the caller (the readout counts the
    treated responders).

    Parameters
    ----------
    spend_with, spend_without : float or array-like
        Spend at full price with the contact and without it (per customer, or group means).
    margin_rate : float
        Margin per unit of spend at full price.
    discount : float, default 0
        Share of the discounted spend given away as the offer.
    contact_cost : float or array-like, default 0
        Cost of the contact.
    discounted_spend : float or array-like, optional
        Spend, with the contact, on which the discount is paid (default ``spend_with``).

    Returns
    -------
    float or numpy.ndarray
    """
    spend_with = np.asarray(spend_with, dtype=float)
    spend_without = np.asarray(spend_without, dtype=float)
    paid_on = spend_with if discounted_spend is None else np.asarray(discounted_spend, float)
    return margin_rate * (spend_with - spend_without) - discount * paid_on - contact_cost


def _bootstrap_means(values: np.ndarray, draws: int, rng: np.random.Generator) -> np.ndarray:
    """Means of ``draws`` resamples (with replacement) of the rows of ``values``.

    ``values`` is 1-D (one measure per customer) or 2-D (columns resampled together);
    the draws are made in chunks of at most ``_CHUNK_CELLS`` customers x draws.
    """
    n = len(values)
    out = np.empty((draws, *values.shape[1:]))
    step = max(1, _CHUNK_CELLS // max(n, 1))
    for start in range(0, draws, step):
        stop = min(draws, start + step)
        picks = rng.integers(0, n, size=(stop - start, n))
        out[start:stop] = values[picks].mean(axis=1)
    return out


def campaign_readout(
    campaign: pd.DataFrame,
    orders: pd.DataFrame,
    *,
    start: str | pd.Timestamp,
    end: str | pd.Timestamp,
    margin_rate: float,
    discount: float = 0.0,
    offer_cost: float = 0.0,
    contact_cost: float = 0.0,
    planned_end: str | pd.Timestamp | None = None,
    confidence: float = 0.95,
    n_boot: int = 2000,
    seed: int = 0,
    customer_col: str = s.CUSTOMER_ID,
    date_col: str = s.INVOICE_DATE,
    amount_col: str = s.AMOUNT,
) -> Readout:
    """Compare the contacted customers with the held-out ones over the campaign's window.

    Each listed customer's outcome is taken from the orders of the window (responded:
    at least one line with a positive amount; spend: the sum of the amounts), then
    :func:`compare_groups` reads the groups out.

    Parameters
    ----------
    campaign : pandas.DataFrame
        The campaign list with its ``group`` column (:func:`helpers.experiments.assign_groups`).
    orders : pandas.DataFrame
        Order lines (or orders) with customer, date and amount; lines of customers not in
        the list are ignored. Returns (negative amounts) count against spend.
    start, end : str or Timestamp
        The window: lines with ``start <= date < end`` (``end`` exclusive).
    margin_rate, discount, offer_cost, contact_cost, confidence, n_boot, seed
        As in :func:`compare_groups`.
    planned_end : str or Timestamp, optional
        The end the test was planned for; reading it before then adds a peeking warning.
    customer_col, date_col, amount_col : str
        Column names in ``campaign`` (customer) and ``orders``.

    Returns
    -------
    Readout

    Raises
    ------
    ValueError
        As :func:`compare_groups`; also if a column is missing or ``start >= end``.
    """
    require_columns(campaign, [customer_col, GROUP], "campaign")
    require_columns(orders, [customer_col, date_col, amount_col], "orders", allow_empty=True)
    start, end = pd.Timestamp(start), pd.Timestamp(end)
    if not start < end:
        raise ValueError(f"need start < end, got {start} and {end}")
    dates = pd.to_datetime(orders[date_col])
    window = orders[(dates >= start) & (dates < end)]
    spend = window.groupby(customer_col)[amount_col].sum()
    ordered = set(window.loc[window[amount_col] > 0, customer_col])
    outcomes = campaign[[customer_col, GROUP]].copy()
    outcomes["spend"] = outcomes[customer_col].map(spend).fillna(0.0).astype(float)
    outcomes["responded"] = outcomes[customer_col].isin(ordered)

    notes = []
    last_date = dates.max() if len(dates) else pd.NaT
    if pd.isna(last_date) or last_date < end - pd.Timedelta(days=1):
        seen = "no orders" if pd.isna(last_date) else f"orders up to {last_date:%Y-%m-%d}"
        notes.append(
            f"the window runs to {end:%Y-%m-%d} but the data hold {seen}: the readout counts "
            "as no response what has not happened yet"
        )
    if planned_end is not None and end < pd.Timestamp(planned_end):
        notes.append(
            f"read before the planned end ({pd.Timestamp(planned_end):%Y-%m-%d}): a test "
            "looked at again and again, and stopped when it looks significant, finds effects "
            "that are not there far more often than its nominal level; decide on the planned "
            "window only"
        )
    readout = compare_groups(
        outcomes,
        margin_rate=margin_rate,
        discount=discount,
        offer_cost=offer_cost,
        contact_cost=contact_cost,
        confidence=confidence,
        n_boot=n_boot,
        seed=seed,
    )
    warn_notes(notes)
    readout.notes = notes
    return readout


def compare_groups(
    outcomes: pd.DataFrame,
    *,
    margin_rate: float,
    discount: float = 0.0,
    offer_cost: float = 0.0,
    contact_cost: float = 0.0,
    confidence: float = 0.95,
    n_boot: int = 2000,
    seed: int = 0,
    responded_col: str = "responded",
    spend_col: str = "spend",
) -> Readout:
    """Read a randomised test out from each customer's group and outcome.

    Parameters
    ----------
    outcomes : pandas.DataFrame
        One row per customer in the test: ``group`` (``treatment`` or ``control``), whether
        they responded (bool) and what they spent in the window (at full price).
    margin_rate : float
        Margin per unit of spend, in (0, 1] (chapter 02 measures it).
    discount : float, default 0
        Share of the treated customers' spend given away as the offer, when the amounts are
        recorded before the discount (0 when they are net of it). It is paid on every
        treated order, including those that would have come anyway: that is cannibalisation.
    offer_cost : float, default 0
        Fixed cost per treated customer who ordered (a voucher's handling, a gift).
    contact_cost : float, default 0
        Cost of one contact (an SMS, a printed letter), paid for every treated customer.
    confidence : float, default 0.95
        Level of the intervals.
    n_boot : int, default 2000
        Bootstrap draws for spend, margin and ROI.
    seed : int, default 0
        Seed of the bootstrap.
    responded_col, spend_col : str
        The outcome columns.

    Returns
    -------
    Readout

    Raises
    ------
    ValueError
        If a column is missing, a group is empty, a group value is not ``treatment`` or
        ``control``, or a cost or rate is out of range.
    """
    require_columns(outcomes, [GROUP, responded_col, spend_col], "outcomes")
    unknown = ~outcomes[GROUP].isin([TREATMENT, CONTROL])
    if unknown.any():
        raise ValueError(
            f"campaign: column {GROUP!r} must be {TREATMENT!r} or {CONTROL!r}; "
            f"found {outcomes.loc[unknown, GROUP].tolist()[0]!r}"
        )
    check_numbers("margin_rate", margin_rate, "in (0, 1]", lambda v: (v > 0) & (v <= 1))
    check_numbers("discount", discount, "in [0, 1)", lambda v: (v >= 0) & (v < 1))
    for name, value in (("offer_cost", offer_cost), ("contact_cost", contact_cost)):
        check_numbers(name, value, ">= 0", lambda v: v >= 0)
    check_numbers("confidence", confidence, "in (0, 1)", lambda v: (v > 0) & (v < 1))
    check_numbers(spend_col, outcomes[spend_col].to_numpy(float), "finite", np.isfinite)
    if n_boot < 100:
        raise ValueError(f"n_boot must be at least 100, got {n_boot}")
    listed = pd.DataFrame(
        {
            GROUP: outcomes[GROUP].to_numpy(),
            "spend": outcomes[spend_col].to_numpy(float),
            "responded": outcomes[responded_col].to_numpy(bool),
        }
    )

    sizes = listed[GROUP].value_counts()
    for name in (TREATMENT, CONTROL):
        if sizes.get(name, 0) == 0:
            raise ValueError(f"campaign: the {name} group is empty; a readout needs both")
    groups = (
        listed.groupby(GROUP)
        .agg(customers=("spend", "size"), responders=("responded", "sum"), spend=("spend", "sum"))
        .reindex([TREATMENT, CONTROL])
    )
    groups["response rate"] = groups["responders"] / groups["customers"]
    groups["spend per customer"] = groups["spend"] / groups["customers"]
    groups.index.name = None

    n1, n0 = (int(groups.loc[g, "customers"]) for g in (TREATMENT, CONTROL))
    x1, x0 = (int(groups.loc[g, "responders"]) for g in (TREATMENT, CONTROL))
    p1, p0 = x1 / n1, x0 / n0
    z = float(stats.norm.ppf(0.5 + confidence / 2))
    pooled = (x1 + x0) / (n1 + n0)
    se0 = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n0))
    p_value = float(2 * stats.norm.sf(abs(p1 - p0) / se0)) if se0 > 0 else 1.0
    response = (p1 - p0, *newcombe_interval(x1, n1, x0, n0, confidence))
    if x1 > 0 and x0 > 0:
        log_rr = math.log(p1 / p0)
        half = z * math.sqrt(1 / x1 - 1 / n1 + 1 / x0 - 1 / n0)
        relative = (p1 / p0 - 1, math.exp(log_rr - half) - 1, math.exp(log_rr + half) - 1)
    else:
        relative = (math.nan, math.nan, math.nan)

    treated = listed.loc[listed[GROUP] == TREATMENT]
    spend_t = treated["spend"].to_numpy()
    spend_c = listed.loc[listed[GROUP] == CONTROL, "spend"].to_numpy()
    responded_t = treated["responded"].to_numpy(float)

    def economics(mean_t, mean_c, responders_t):
        margin = n1 * campaign_gain(
            mean_t, mean_c, margin_rate=margin_rate, discount=discount, contact_cost=contact_cost
        )
        margin = margin - offer_cost * responders_t
        cost = contact_cost * n1 + offer_cost * responders_t + discount * mean_t * n1
        return margin, cost

    margin, cost = economics(spend_t.mean(), spend_c.mean(), x1)
    rng = np.random.default_rng(seed)
    # one resample of the treated customers gives both their spend and their responders
    boot_t = _bootstrap_means(np.column_stack([spend_t, responded_t]), n_boot, rng)
    boot_c = _bootstrap_means(spend_c, n_boot, rng)
    boot_margin, boot_cost = economics(boot_t[:, 0], boot_c, boot_t[:, 1] * n1)
    tails = [50 * (1 - confidence), 50 * (1 + confidence)]

    def interval(values: np.ndarray) -> tuple[float, float]:
        lower, upper = np.percentile(values, tails)
        return float(lower), float(upper)

    uplift = spend_t.mean() - spend_c.mean()
    rows = {
        "response uplift": response,
        "relative response uplift": relative,
        "spend per customer uplift": (uplift, *interval(boot_t[:, 0] - boot_c)),
        "incremental margin": (margin, *interval(boot_margin)),
    }
    if cost > 0:
        with np.errstate(divide="ignore", invalid="ignore"):
            rows["ROI"] = (margin / cost, *interval(boot_margin / boot_cost))
    effects = pd.DataFrame.from_dict(rows, orient="index", columns=["estimate", "lower", "upper"])

    return Readout(
        groups=groups,
        effects=effects,
        p_value=p_value,
        cost=float(cost),
        confidence=float(confidence),
    )

"""The synthetic shop's customers: personas, who the customers are and when they buy.

Every customer of :func:`helpers.synthetic.make_synthetic` belongs to one latent persona
(:func:`personas`), which sets the population distributions of their purchase rate (gamma),
dropout probability (beta), basket size, quantities, favourite categories, how often they
return goods, their income and their acquisition channel. This module holds the personas and
the two draws that depend on them and on the shop's market (its calendar, regions and
acquisition channels: :mod:`helpers.synthetic_markets`): the customers table
(:func:`make_customers`; in the Chinese shop with SMS and WeChat consents and a birthday
calendar) and every customer's purchase times (:func:`purchase_times`, a buy-till-you-die
process with seasonality). The prospects of :mod:`helpers.synthetic_prospects` are drawn by
the same functions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from helpers import schema as s
from helpers.synthetic_markets import UK, Market

__all__ = ["personas"]

#: The UK shop's acquisition channels (a persona's channel weights are in this order; another
#: market's channels are listed position by position, :mod:`helpers.synthetic_markets`).
CHANNELS = list(UK.channels)


@dataclass(frozen=True)
class _Persona:
    name: str
    share: float
    rate_mean: float  # purchases per week (gamma mean)
    rate_shape: float
    dropout_a: float  # beta(a, b) dropout probability after each purchase
    dropout_b: float
    lines_mean: float  # mean number of different products per invoice
    quantity_mean: float
    return_rate: float  # share of invoices partly or fully returned
    income_median: float
    season_power: float  # 1 = the shop's season; 2 = twice as seasonal
    channel_weights: tuple[float, ...]  # over CHANNELS
    favourites: tuple[str, ...]
    description: str


PERSONAS: tuple[_Persona, ...] = (
    _Persona(
        "loyal regular",
        0.20,
        0.30,
        4.0,
        1.0,
        40.0,
        4.0,
        2.5,
        0.03,
        52_000,
        1.0,
        (0.25, 0.15, 0.30, 0.20, 0.10),
        ("Kitchen", "Home decor"),
        "buys often for years; mid-size baskets; rarely returns",
    ),
    _Persona(
        "big spender",
        0.10,
        0.14,
        4.0,
        1.0,
        25.0,
        7.0,
        5.0,
        0.06,
        88_000,
        1.0,
        (0.35, 0.15, 0.20, 0.10, 0.20),
        ("Lighting", "Textiles", "Home decor"),
        "large baskets of pricier goods; high income",
    ),
    _Persona(
        "bargain hunter",
        0.25,
        0.10,
        3.0,
        2.0,
        18.0,
        3.0,
        3.5,
        0.08,
        31_000,
        2.0,
        (0.20, 0.45, 0.10, 0.15, 0.10),
        ("Gifts", "Toys"),
        "shops the Christmas season; many cheap items; returns the most",
    ),
    _Persona(
        "occasional",
        0.30,
        0.05,
        2.0,
        2.0,
        10.0,
        2.5,
        1.8,
        0.04,
        45_000,
        1.0,
        (0.30, 0.25, 0.10, 0.10, 0.25),
        ("Stationery", "Garden"),
        "a few purchases a year; small baskets",
    ),
    _Persona(
        "one-off",
        0.15,
        0.03,
        2.0,
        6.0,
        4.0,
        2.0,
        1.5,
        0.05,
        40_000,
        1.0,
        (0.35, 0.30, 0.05, 0.05, 0.25),
        ("Gifts",),
        "buys once or twice and leaves",
    ),
)


def personas() -> pd.DataFrame:
    """Return the latent personas and the population distributions they draw from.

    Returns
    -------
    pandas.DataFrame
        One row per persona: ``persona``, ``share`` of customers, mean ``purchases_per_week``
        (gamma-distributed across customers), mean ``dropout_probability`` after each purchase
        (beta-distributed), mean ``products_per_invoice`` and ``quantity_per_line``,
        ``return_rate`` (share of invoices returned), median ``annual_income``,
        ``favourite_categories`` and a short ``description``.

    Notes
    -----
    The table speaks of the UK shop: in the Chinese shop (``market="cn"``) incomes are
    three times these, in yuan, the favourite categories are the Chinese ones in the same
    positions (厨房用品 for Kitchen, ...), and the bargain hunters shop the festivals of its
    calendar (双11 above all) rather than Christmas (:mod:`helpers.synthetic_markets`).
    """
    return pd.DataFrame(
        {
            "persona": [p.name for p in PERSONAS],
            "share": [p.share for p in PERSONAS],
            "purchases_per_week": [p.rate_mean for p in PERSONAS],
            "dropout_probability": [
                round(p.dropout_a / (p.dropout_a + p.dropout_b), 3) for p in PERSONAS
            ],
            "products_per_invoice": [p.lines_mean for p in PERSONAS],
            "quantity_per_line": [p.quantity_mean for p in PERSONAS],
            "return_rate": [p.return_rate for p in PERSONAS],
            "annual_income": [p.income_median for p in PERSONAS],
            "favourite_categories": [", ".join(p.favourites) for p in PERSONAS],
            "description": [p.description for p in PERSONAS],
        }
    )


def season(times: pd.DatetimeIndex | np.ndarray, market: Market = UK) -> np.ndarray:
    """Return the seasonal factor on the purchase rate at each time, by ``market``'s calendar.

    Parameters
    ----------
    times : array-like of datetimes
    market : Market, default the UK shop
        Its ``season`` gives the factor (by month in the UK, by day in China).

    Returns
    -------
    numpy.ndarray
    """
    return market.season(times)


def make_customers(
    rng: np.random.Generator,
    n: int,
    start: pd.Timestamp,
    end: pd.Timestamp,
    independent_channels: bool = False,
    *,
    market: Market = UK,
) -> tuple[pd.DataFrame, np.ndarray]:
    """Draw the customers table and each customer's persona (position in PERSONAS).

    ``market`` sets the regions, channels and their costs, incomes, ages and, in China, the
    signup days (drawn with the daily season's weights), the consent flags and birthday
    calendar (drawn after everything else); the UK shop draws what it always drew.
    """
    shares = np.array([p.share for p in PERSONAS])
    persona = rng.choice(len(PERSONAS), size=n, p=shares / shares.sum())
    ids = np.array([str(10001 + i) for i in range(n)], dtype=object)
    # A third of the customers are the existing base, signed up in the first two months;
    # the rest arrive evenly until two weeks before the end of the observed window.
    span = (end - start).days - 14
    early = rng.random(n) < 0.33
    if market.seasonal_signups:  # a first order follows the season as every order does
        factor = season(start + pd.to_timedelta(np.arange(max(60, span)), unit="D"), market)
        base = rng.choice(60, n, p=factor[:60] / factor[:60].sum())
        later = rng.choice(span, n, p=factor[:span] / factor[:span].sum())
        day = np.where(early, base, later)
    else:
        day = np.where(early, rng.integers(0, 60, n), rng.integers(0, span, n))
    signup = start + pd.to_timedelta(day, unit="D")
    age_years = np.clip(rng.normal(market.age_mean, 13, n), 18, 85)
    age_days = age_years * 365.25
    birth = (signup - pd.to_timedelta(age_days.round(), unit="D")).normalize()
    birth = birth.where(rng.random(n) >= 0.04)
    gender = rng.choice(np.array(["F", "M", "X"], dtype=object), size=n, p=[0.52, 0.46, 0.02])
    gender = np.where(rng.random(n) < 0.02, None, gender)
    region = rng.choice(np.array(market.regions, dtype=object), size=n, p=market.region_shares)
    median = np.array([p.income_median for p in PERSONAS])[persona] * market.income_scale
    income = (median * rng.lognormal(0.0, 0.35, n) / 100).round() * 100
    reference = 45_000 * market.income_scale
    capacity = 1 / (1 + np.exp(-(np.log(income / reference) / 0.4 + rng.normal(0, 0.5, n))))
    income = np.where(rng.random(n) < 0.06, np.nan, income)
    weights = np.array([p.channel_weights for p in PERSONAS])[persona]
    if independent_channels:  # the shop's overall shares, whatever the persona
        overall = shares @ np.array([p.channel_weights for p in PERSONAS]) / shares.sum()
        weights = np.broadcast_to(overall, weights.shape)
    channel_index = (weights.cumsum(axis=1) < rng.random((n, 1))).sum(axis=1)
    channel = np.array(market.channels, dtype=object)[channel_index]
    cost = np.array(market.channel_cost)[channel_index]
    # In China this consent is the WeChat one (following the shop's official account).
    opt_in = rng.random(n) < np.where(persona == 0, 0.75, 0.55)
    customers = pd.DataFrame(
        {
            s.CUSTOMER_ID: ids,
            s.SIGNUP_DATE: signup.astype("datetime64[ns]"),
            s.BIRTH_DATE: birth.astype("datetime64[ns]"),
            s.GENDER: gender,
            s.REGION: region,
            s.ANNUAL_INCOME: income,
            s.SPENDING_CAPACITY: capacity.round(3),
            s.ACQUISITION_CHANNEL: channel,
            s.ACQUISITION_COST: (cost * rng.gamma(4.0, 0.25, n)).round(2),
            s.EMAIL: [f"customer{i}@example.com" for i in ids],
            s.MARKETING_OPT_IN: opt_in,
        }
    )
    if market.chinese_consent:
        _chinese_consent(rng, customers, persona, opt_in, age_years)
    return customers, persona


def _chinese_consent(
    rng: np.random.Generator,
    customers: pd.DataFrame,
    persona: np.ndarray,
    wechat: np.ndarray,
    age_years: np.ndarray,
) -> None:
    """Add the SMS and WeChat consents and the birthday calendar to ``customers`` (in place).

    ``marketing_opt_in`` becomes "any marketing consent": SMS or WeChat. A customer keeps
    their birthday by the lunar calendar with a chance rising with age, from 12% at 18 to
    72% at 68 and over (about a third in all); ``birth_date`` stays the Gregorian date.
    """
    n = len(customers)
    sms = rng.random(n) < np.where(persona == 0, 0.40, 0.25)
    lunar = rng.random(n) < 0.12 + 0.6 * np.clip((age_years - 18) / 50, 0, 1)
    customers[s.MARKETING_OPT_IN] = sms | wechat
    customers[s.SMS_OPT_IN] = sms
    customers[s.WECHAT_OPT_IN] = wechat
    customers[s.BIRTHDAY_CALENDAR] = np.where(lunar, "lunar", "gregorian").astype(object)


def purchase_times(
    rng: np.random.Generator,
    signup: pd.DatetimeIndex,
    rate: np.ndarray,
    dropout: np.ndarray,
    power: np.ndarray,
    future_end: pd.Timestamp,
    *,
    market: Market = UK,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Draw every customer's purchase times up to ``future_end`` (BG/NBD with seasonality).

    Returns the customer position and the time (datetime64[ns]) of each purchase, sorted by
    customer then time, and the number of purchases each customer makes before leaving.
    The Poisson process runs at the peak of ``market``'s season and is thinned by the
    season at each candidate time (to the power of the customer's season power).
    """
    n = len(rate)
    first = signup + pd.to_timedelta(rng.integers(8 * 60, 20 * 60, n), unit="min")
    weeks = (future_end + pd.Timedelta(days=1) - first) / pd.Timedelta(weeks=1)
    peak = market.peak**power
    # Candidates of a homogeneous process at the peak rate, thinned by the season.
    counts = rng.poisson(rate * peak * weeks.to_numpy())
    owner = np.repeat(np.arange(n), counts)
    offset = rng.random(len(owner)) * weeks.to_numpy()[owner]
    times = first.to_numpy()[owner] + (offset * 7 * 86_400e9).astype("timedelta64[ns]")
    keep = rng.random(len(owner)) < season(times, market) ** power[owner] / peak[owner]
    owner, times = owner[keep], times[keep]
    # The first purchase is on the signup day; then the candidates in time order.
    owner = np.concatenate([np.arange(n), owner])
    times = np.concatenate([first.to_numpy(), times])
    order = np.lexsort((times, owner))
    owner, times = owner[order], times[order]
    # After each purchase the customer leaves with probability `dropout`: they make G purchases,
    # G geometric on {1, 2, ...}.
    lives = rng.geometric(dropout)
    rank = np.arange(len(owner)) - np.searchsorted(owner, owner)  # 0 for the first purchase
    made = rank < lives[owner]
    return owner[made], times[made], lives

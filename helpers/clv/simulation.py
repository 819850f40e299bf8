"""Simulate summary data from the CLV models' own stories (BG/NBD, MBG/NBD, Pareto/NBD, ...).

The models: BG/NBD, Modified BG/NBD, Pareto/NBD, BG/BB (purchases) and Gamma-Gamma (spend).

Each simulator draws every customer's latent rates from the population distributions, then
what the shop would see: the repeat purchases ``frequency``, the time of the last one
``recency`` and the observation length ``T`` (as :func:`helpers.clv_data.summary_data` gives
them; ``periods`` for BG/BB), or the mean spend of the repeat purchases. Every parameter is a
scalar or one value per customer: that is how covariates enter (:mod:`helpers.clv.covariates`),
and how a shop of several segments is drawn in one call. With ``future``, a purchase
simulator also draws what each customer buys in the window (T, T + future] after the
observation, column ``future_purchases``: the truth that predictions and intervals are
checked against.

This module is the one simulator of the package: the parametric bootstrap
(:mod:`helpers.clv.bootstrap`, which draws from a fitted model's class with these functions)
and the coverage studies of the intervals draw their data sets here too.

The draws are vectorised (no loop over customers) and reproducible: the same ``seed`` gives
the same table. How the purchase times are drawn without simulating them one by one: given
that a Poisson process makes n events in (0, t], the k-th of them is at t times a
Beta(k, n - k + 1) variable (the k-th order statistic of n uniform times), so the last
purchase seen, the x-th, is drawn directly.

- **BG/NBD** (Fader, Hardie & Lee 2005): rate lambda ~ gamma(shape r, rate alpha), dropout
  probability p ~ beta(a, b); purchases are Poisson(lambda) while alive, and after each
  *repeat* purchase the customer leaves with probability p. The repeat purchases made before
  leaving are J ~ geometric(p) on {1, 2, ...} (the J-th is made, then the customer leaves),
  so x = min(N(T), J) with N(T) ~ Poisson(lambda T); the future purchases are the ones of
  the window's Poisson count that the customer still makes, at most J - N(T).
- **Modified BG/NBD** (Batislam, Denizel & Filiztekin 2007): as BG/NBD, but the customer may
  also leave right after the first purchase: J - 1 repeat purchases at most.
- **Pareto/NBD** (Schmittlein, Morrison & Colombo 1987): lambda as above, dropout rate
  mu ~ gamma(s, beta), lifetime tau ~ exponential(mu); x ~ Poisson(lambda min(tau, T)) and
  the last purchase is the maximum of x uniform times in (0, min(tau, T)).
- **BG/BB** (Fader, Hardie & Shang 2010): purchase probability p ~ beta(alpha, beta) and
  dropout probability theta ~ beta(gamma, delta); at the start of each opportunity the
  customer leaves with probability theta, and while alive buys in it with probability p.
- **Gamma-Gamma** (Fader, Hardie & Lee 2005b): each customer's nu ~ gamma(q, rate gamma),
  each purchase's spend ~ gamma(p, rate nu); the sum of x spends is gamma(p x, nu).

Examples
--------
>>> from helpers.clv.simulation import simulate_bg_nbd, simulate_gamma_gamma
>>> shop = simulate_bg_nbd(1000, r=0.25, alpha=4.0, a=0.8, b=2.5, T=52.0, seed=1)
>>> shop["monetary_value"] = simulate_gamma_gamma(shop["frequency"], 6.0, 4.0, 15.0, seed=2)
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.checks import check_numbers
from helpers.clv.bg_bb import PERIODS
from helpers.clv_data import BTYD_FREQUENCY, BTYD_MONETARY, BTYD_RECENCY, BTYD_T

__all__ = [
    "simulate_bg_bb",
    "simulate_bg_nbd",
    "simulate_gamma_gamma",
    "simulate_mbg_nbd",
    "simulate_pareto_nbd",
]

_Seed = int | np.random.Generator | None

#: The column of the purchases drawn in the window after the observation.
FUTURE = "future_purchases"

_RULES = {
    "> 0": ("a finite number > 0", lambda a: np.isfinite(a) & (a > 0)),
    ">= 0": ("a finite number >= 0", lambda a: np.isfinite(a) & (a >= 0)),
    "whole": ("a whole number >= 0", lambda a: np.isfinite(a) & (a >= 0) & (a % 1 == 0)),
}


def _generator(seed: _Seed) -> np.random.Generator:
    if isinstance(seed, np.random.Generator):
        return seed
    return np.random.default_rng(seed)


def _check_n(n: object) -> int:
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 0:
        raise ValueError(f"n must be a whole number of customers >= 0; got {n!r}")
    return int(n)


def _per_customer(name: str, value: object, n: int, rule: str = "> 0") -> np.ndarray:
    """Return ``value`` (a scalar or one value per customer) as an array of length ``n``."""
    arr = np.asarray(value, dtype=float) if not isinstance(value, pd.Series) else value
    check_numbers(name, arr, *_RULES[rule])
    arr = np.asarray(arr, dtype=float)
    if arr.ndim == 0:
        return np.full(n, float(arr))
    if arr.ndim != 1 or len(arr) != n:
        raise ValueError(
            f"{name} must be a scalar or one value per customer (length {n}); got shape {arr.shape}"
        )
    return arr


def _inputs(n: object, params: dict, t_name: str, t_obs: object, future: object, seed: _Seed):
    """Check a simulator's inputs: n, the parameters (> 0), T and future (>= 0; whole for BG/BB).

    Returns n, the parameters as per-customer arrays (in the order given), T, the future
    window (None without one) and the random generator.
    """
    n = _check_n(n)
    values = [_per_customer(name, value, n) for name, value in params.items()]
    rule = "whole" if t_name == PERIODS else ">= 0"
    t_obs = _per_customer(t_name, t_obs, n, rule)
    window = None if future is None else _per_customer("future", future, n, rule)
    return n, values, t_obs, window, _generator(seed)


def _last_of(rng: np.random.Generator, x: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Return the x-th smallest of n uniform times in (0, 1), 0 where x is 0."""
    seen = x > 0
    out = np.zeros(len(x))
    out[seen] = rng.beta(x[seen], n[seen] - x[seen] + 1.0)
    return out


def _frame(
    x: np.ndarray,
    tx: np.ndarray,
    t_obs: np.ndarray,
    latent: dict,
    future: np.ndarray | None,
    *,
    t_col: str = BTYD_T,
    period: str | None = "W",
) -> pd.DataFrame:
    columns = {BTYD_FREQUENCY: x.astype(np.int64), BTYD_RECENCY: tx, t_col: t_obs} | latent
    if future is not None:
        columns[FUTURE] = future.astype(np.int64)
    out = pd.DataFrame(columns, index=pd.RangeIndex(len(x), name="customer_id"))
    if period is not None:
        out.attrs["period"] = period
    return out


def _beta_geometric(n, r, alpha, a, b, t_obs, seed, latent, future, *, first: bool):
    """Draw BG/NBD (``first`` False) or MBG/NBD (``first`` True, dropout at the first purchase)."""
    params = {"r": r, "alpha": alpha, "a": a, "b": b}
    n, (r, alpha, a, b), t_obs, window, rng = _inputs(n, params, "T", t_obs, future, seed)
    rate = rng.gamma(r, 1.0 / alpha)
    p = rng.beta(a, b)
    count = rng.poisson(rate * t_obs).astype(float)
    # purchases until the dropout: J ~ geometric(p) on {1, 2, ...}, by inversion
    # (P(J > j) = (1 - p)^j); J is infinite where p underflows to 0
    u = 1.0 - rng.random(n)  # in (0, 1]
    with np.errstate(divide="ignore", invalid="ignore"):
        lives = np.where(p > 0, np.floor(np.log(u) / np.log1p(-p)) + 1.0, np.inf)
    if first:  # the first of the J purchases is the first purchase, not a repeat one
        lives -= 1.0
    x = np.minimum(count, lives)
    tx = t_obs * _last_of(rng, x, count)
    extra = {}
    if latent:
        extra = {"purchase_rate": rate, "dropout_probability": p, "alive": count < lives}
    later = None
    if window is not None:  # alive at T: the rest of the allowed purchases, at most
        later = np.minimum(rng.poisson(rate * window), np.maximum(lives - count, 0.0))
    return _frame(x, tx, t_obs, extra, later)


def simulate_bg_nbd(
    n: int,
    r,
    alpha,
    a,
    b,
    T,  # noqa: N803
    *,
    seed: _Seed = 0,
    latent: bool = False,
    future=None,
) -> pd.DataFrame:
    """Draw the summary data of ``n`` customers from the BG/NBD model.

    Parameters
    ----------
    n : int
        Number of customers.
    r, alpha : float or array-like
        Gamma shape and rate of the purchase rates (per period), each a scalar or one value
        per customer.
    a, b : float or array-like
        Beta parameters of the dropout probability after each repeat purchase.
    T : float or array-like
        Observation length since each customer's first purchase, in periods (>= 0).
    seed : int or numpy.random.Generator, default 0
        Seed of the random generator (the same seed, the same table).
    latent : bool, default False
        Add the latent truth: ``purchase_rate`` (lambda), ``dropout_probability`` (p) and
        ``alive`` (still active at T).
    future : float or array-like, optional
        Length of a window after T, in periods (>= 0): add ``future_purchases``, each
        customer's purchases in (T, T + future]. The other columns are the same with or
        without it (its draws come last).

    Returns
    -------
    pandas.DataFrame
        ``frequency`` (repeat purchases, int), ``recency`` and ``T``, indexed 0..n-1
        (``customer_id``); ``attrs["period"]`` is ``"W"`` (the periods are whatever unit the
        rates are in; weeks in the course).

    Raises
    ------
    ValueError
        If ``n`` is not a whole number >= 0, or a parameter is not > 0 (T and future >= 0)
        or not of length ``n``.
    """
    return _beta_geometric(n, r, alpha, a, b, T, seed, latent, future, first=False)


def simulate_mbg_nbd(
    n: int,
    r,
    alpha,
    a,
    b,
    T,  # noqa: N803
    *,
    seed: _Seed = 0,
    latent: bool = False,
    future=None,
) -> pd.DataFrame:
    """Draw the summary data of ``n`` customers from the Modified BG/NBD model.

    As :func:`simulate_bg_nbd` (same parameters, same columns), except that the customer may
    also leave right after the first purchase, with probability p: a customer without a
    repeat purchase is not necessarily alive.

    Parameters
    ----------
    n : int
    r, alpha, a, b, T : float or array-like
        As in :func:`simulate_bg_nbd`; p ~ beta(a, b) is the dropout probability after
        every purchase, the first included.
    seed : int or numpy.random.Generator, default 0
    latent : bool, default False
    future : float or array-like, optional

    Returns
    -------
    pandas.DataFrame
        As :func:`simulate_bg_nbd`.
    """
    return _beta_geometric(n, r, alpha, a, b, T, seed, latent, future, first=True)


def simulate_pareto_nbd(
    n: int,
    r,
    alpha,
    s,
    beta,
    T,  # noqa: N803
    *,
    seed: _Seed = 0,
    latent: bool = False,
    future=None,
) -> pd.DataFrame:
    """Draw the summary data of ``n`` customers from the Pareto/NBD model.

    Parameters
    ----------
    n : int
        Number of customers.
    r, alpha : float or array-like
        Gamma shape and rate of the purchase rates (per period), scalars or per customer.
    s, beta : float or array-like
        Gamma shape and rate of the dropout rates (per period).
    T : float or array-like
        Observation length since each customer's first purchase, in periods (>= 0).
    seed : int or numpy.random.Generator, default 0
        Seed of the random generator.
    latent : bool, default False
        Add the latent truth: ``purchase_rate`` (lambda), ``dropout_rate`` (mu), ``lifetime``
        (tau, from the first purchase) and ``alive`` (tau > T).
    future : float or array-like, optional
        Add ``future_purchases`` in (T, T + future], as in :func:`simulate_bg_nbd`.

    Returns
    -------
    pandas.DataFrame
        ``frequency``, ``recency``, ``T`` as in :func:`simulate_bg_nbd`.

    Raises
    ------
    ValueError
        As :func:`simulate_bg_nbd`.
    """
    params = {"r": r, "alpha": alpha, "s": s, "beta": beta}
    n, (r, alpha, s, beta), t_obs, window, rng = _inputs(n, params, "T", T, future, seed)
    rate = rng.gamma(r, 1.0 / alpha)
    mu = rng.gamma(s, 1.0 / beta)
    with np.errstate(divide="ignore"):
        lifetime = rng.exponential(1.0 / mu)  # infinite where mu underflows to 0
    active = np.minimum(lifetime, t_obs)
    x = rng.poisson(rate * active).astype(float)
    tx = active * _last_of(rng, x, x)
    extra = {}
    if latent:
        extra = {
            "purchase_rate": rate,
            "dropout_rate": mu,
            "lifetime": lifetime,
            "alive": lifetime > t_obs,
        }
    later = None
    if window is not None:
        later = rng.poisson(rate * np.clip(lifetime - t_obs, 0.0, window))
    return _frame(x, tx, t_obs, extra, later)


def simulate_bg_bb(
    n: int,
    alpha,
    beta,
    gamma,
    delta,
    periods,
    *,
    seed: _Seed = 0,
    latent: bool = False,
    future=None,
) -> pd.DataFrame:
    """Draw the summary data of ``n`` customers from the BG/BB model (discrete time).

    Opportunity by opportunity (a loop over the opportunities, vectorised over customers):
    at the start of each the customer leaves for good with their probability theta, and if
    still there buys with their probability p.

    Parameters
    ----------
    n : int
        Number of customers.
    alpha, beta : float or array-like
        Beta parameters of the purchase probability p, scalars or per customer.
    gamma, delta : float or array-like
        Beta parameters of the dropout probability theta.
    periods : int or array-like
        Opportunities observed after the first purchase (whole numbers >= 0).
    seed : int or numpy.random.Generator, default 0
        Seed of the random generator.
    latent : bool, default False
        Add the latent truth: ``purchase_probability`` (p), ``dropout_probability`` (theta)
        and ``alive`` (still there at opportunity periods + 1, as the model's P(alive)).
    future : int or array-like, optional
        Number of opportunities after the observation (whole numbers >= 0): add
        ``future_purchases``, the purchases in opportunities periods + 1 .. periods + future.

    Returns
    -------
    pandas.DataFrame
        ``frequency`` (opportunities with a purchase, int), ``recency`` (the last of them, 0
        when none) and ``periods``, indexed 0..n-1 (``customer_id``); no ``attrs["period"]``
        (opportunities are not a unit of time).

    Raises
    ------
    ValueError
        If ``n`` is not a whole number >= 0, a parameter is not > 0, periods or future not a
        whole number >= 0, or a value not of length ``n``.
    """
    params = {"alpha": alpha, "beta": beta, "gamma": gamma, "delta": delta}
    n, (alpha, beta, gamma, delta), n_obs, window, rng = _inputs(
        n, params, PERIODS, periods, future, seed
    )
    window = np.zeros(n) if window is None else window
    p, theta = rng.beta(alpha, beta), rng.beta(gamma, delta)
    alive = np.ones(n, dtype=bool)
    x, tx, later = np.zeros(n), np.zeros(n), np.zeros(n)
    alive_next = np.ones(n, dtype=bool)
    last = int(np.max(n_obs + np.maximum(window, 1.0 if latent else 0.0), initial=0))
    for i in range(1, last + 1):
        alive &= rng.random(n) >= theta
        buy = alive & (rng.random(n) < p)
        seen = buy & (i <= n_obs)
        x += seen
        tx = np.where(seen, i, tx)
        later += buy & (i > n_obs) & (i <= n_obs + window)
        alive_next = np.where(i == n_obs + 1, alive, alive_next)
    extra = {}
    if latent:
        extra = {"purchase_probability": p, "dropout_probability": theta, "alive": alive_next}
    return _frame(
        x, tx, n_obs, extra, None if future is None else later, t_col=PERIODS, period=None
    )


def simulate_gamma_gamma(frequency, p, q, gamma, *, seed: _Seed = 0) -> pd.Series:
    """Draw each customer's mean spend over their ``frequency`` repeat purchases (Gamma-Gamma).

    Parameters
    ----------
    frequency : array-like or pandas.Series
        Repeat purchases per customer (whole numbers >= 0), e.g. a simulated ``frequency``.
    p, q, gamma : float or array-like
        The model's parameters, scalars or one value per customer: spend per purchase is
        gamma(shape p, rate nu), nu ~ gamma(shape q, rate gamma); mean spend per purchase
        across customers p gamma / (q - 1).
    seed : int or numpy.random.Generator, default 0
        Seed of the random generator.

    Returns
    -------
    pandas.Series
        ``monetary_value``: the mean of the customer's repeat spends, 0 where ``frequency``
        is 0 (the convention of :func:`helpers.clv_data.summary_data`); indexed like
        ``frequency`` when it is a Series.

    Raises
    ------
    ValueError
        If a frequency is not a whole number >= 0, or a parameter is not > 0 or not one
        value per customer.
    """
    check_numbers("frequency", frequency, *_RULES["whole"])
    x = np.asarray(frequency, dtype=float).ravel()
    n = len(x)
    p, q = _per_customer("p", p, n), _per_customer("q", q, n)
    gamma = _per_customer("gamma", gamma, n)
    rng = _generator(seed)
    nu = rng.gamma(q, 1.0 / gamma)
    bought = x > 0
    mean = np.zeros(n)
    mean[bought] = rng.gamma(p[bought] * x[bought], 1.0 / nu[bought]) / x[bought]
    index = frequency.index if isinstance(frequency, pd.Series) else pd.RangeIndex(n)
    return pd.Series(mean, index=index, name=BTYD_MONETARY)

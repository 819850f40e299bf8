"""Intervals for every customer from the uncertainty of the fitted parameters.

:func:`customer_intervals` evaluates each customer's expected purchases, P(alive) and, with a
spend model, CLV at every parameter draw of :func:`helpers.clv.laplace.parameter_draws` (the
Laplace approximation at the optimum, on the log scale) and reports the quantiles: the range
of values that the data leave plausible **for the model's prediction**. The point estimate is
the value at the maximum-likelihood estimate (not the mean of the draws).

These intervals omit two larger sources of error. A customer's actual future count scatters
around its expectation (Poisson noise, dropout): :func:`predictive_intervals` adds it by
drawing counts given each parameter draw. And the model may be wrong for the shop
(seasonality, a dropout process it does not have): no interval from the model covers that.
``benchmarks/clv_intervals.py`` measures both on simulated data and on the synthetic shop.
:func:`helpers.clv.bootstrap.parametric_bootstrap` checks the Laplace approximation itself.

Speed: the values are computed on the distinct (frequency, recency, T) rows only and mapped
back to the customers; draws are a second array axis, rows are cut into chunks that a thread
pool works through (:mod:`helpers.clv.row_chunks`), and each row's quantiles come from one
sort. For BG/NBD the expensive part of the expectation is interpolated between exact values
(see :mod:`helpers.clv.draw_values`); the other models call their own public methods once
per draw with that draw's parameters (slower: a few seconds for 10,000 customers x 500
draws). ``benchmarks/clv_intervals.py`` times it: about 1 s for 100,000 customers x 500
draws of BG/NBD's expected purchases and P(alive).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from helpers.checks import check_numbers
from helpers.clv.bg_bb import BetaGeoBetaBinomModel
from helpers.clv.bg_nbd import BetaGeoModel
from helpers.clv.draw_values import spend_draw_values, values_for
from helpers.clv.fitting import (
    check_period,
    check_rfm,
    fit_columns,
    one_blas_thread,
    summary_arrays,
)
from helpers.clv.gamma_gamma import GammaGamma
from helpers.clv.laplace import check_fitted_model, parameter_draws
from helpers.clv.mbg_nbd import ModifiedBetaGeoModel
from helpers.clv.pareto_nbd import ParetoNBDModel
from helpers.clv.row_chunks import Quantiles, distinct_rows, resolve_n_jobs, run_chunks
from helpers.clv.simulation import FUTURE, simulate_bg_nbd, simulate_pareto_nbd
from helpers.clv_data import BTYD_FREQUENCY, BTYD_MONETARY, BTYD_RECENCY, BTYD_T

__all__ = ["customer_intervals", "predictive_intervals"]


def _check_levels(levels: Sequence[float]) -> tuple[float, ...]:
    try:
        values = tuple(float(level) for level in levels)
    except (TypeError, ValueError):
        raise ValueError(
            f"levels must be a sequence of numbers in (0, 1), e.g. (0.8, 0.95); got {levels!r}"
        ) from None
    if not values:
        raise ValueError("levels is empty; give at least one level in (0, 1), e.g. (0.8, 0.95)")
    bad = [v for v in values if not 0 < v < 1]
    if bad:
        raise ValueError(
            f"levels must be in (0, 1) (a share, 0.95 not 95); got {bad[0]!r} in {levels!r}"
        )
    return values


def _label(level: float) -> str:
    return f"{100 * level:.10g}"


def _setup(
    purchase_model, t: float, levels, n_draws: int, seed: int, n_jobs: int | None
) -> tuple[tuple[float, ...], int, np.ndarray, Quantiles]:
    """Check ``t``, ``levels`` and ``n_jobs``; draw the parameters; make the quantile taker."""
    check_numbers("t", t, "> 0 (periods)", lambda a: a > 0)
    levels = _check_levels(levels)
    jobs = resolve_n_jobs(n_jobs)
    draws = parameter_draws(purchase_model, n_draws, seed=seed).to_numpy()
    probabilities = [q for level in levels for q in ((1 - level) / 2, (1 + level) / 2)]
    return levels, jobs, draws, Quantiles(probabilities, len(draws))


def _add_bounds(
    result: dict, name: str, bounds: np.ndarray, inverse: np.ndarray, levels: Sequence[float]
) -> None:
    """Add ``<name>_lower_<L>`` and ``<name>_upper_<L>`` per level, mapped back to customers."""
    for i, level in enumerate(levels):
        result[f"{name}_lower_{_label(level)}"] = bounds[inverse, 2 * i]
        result[f"{name}_upper_{_label(level)}"] = bounds[inverse, 2 * i + 1]


def _purchase_rows(
    purchase_model,
    summary: pd.DataFrame,
    frequency_col: str | None,
    recency_col: str | None,
    T_col: str | None,  # noqa: N803
) -> tuple[np.ndarray, np.ndarray, np.ndarray, str]:
    """Return x, t_x, T (and T's column) read with the fit's column names unless given."""
    check_fitted_model(purchase_model, "purchase_model")
    if isinstance(purchase_model, GammaGamma):
        raise ValueError("purchase_model must be a purchase model, got a GammaGamma spend model")
    check_period(purchase_model, summary.attrs.get("period"), "the summary's period")
    names = fit_columns(
        purchase_model, frequency_col=frequency_col, recency_col=recency_col, T_col=T_col
    )
    x, tx, t_obs = summary_arrays(
        summary, [names["frequency_col"], names["recency_col"], names["T_col"]]
    )
    check_rfm(x, tx, t_obs)
    return x, tx, t_obs, names["T_col"]


def _discount_weights(
    horizon: float, discount_rate: float, margin_rate: float, period: str | None
) -> tuple[np.ndarray, np.ndarray]:
    """Return the ends t_k and weights w_k with CLV = spend x sum_k w_k E[Y(t_k)].

    :func:`helpers.clv_tables.customer_lifetime_value` is linear in the expectations it asks
    the purchase model for, so it is called (not copied) with a stand-in purchase model that
    records the ends and answers 1 for one end at a time, and a spend model that answers 1:
    its discounting, steps and margin are then the ones used here.
    """
    from helpers.clv_tables import customer_lifetime_value

    class Ends:
        def __init__(self):
            self.ends: list[float] = []

        def conditional_expected_purchases(self, t, frequency, recency, T):  # noqa: N803
            self.ends.append(float(t))
            return (np.asarray(frequency) == len(self.ends) - 1).astype(float)

    class UnitSpend:
        def predict(self, summary):
            return pd.Series(1.0, index=summary.index)

    probe = Ends()
    one = pd.DataFrame(
        {BTYD_FREQUENCY: [0.0], BTYD_RECENCY: [0.0], BTYD_T: [1.0], BTYD_MONETARY: [0.0]}
    )
    kwargs = {"horizon": horizon, "discount_rate": discount_rate, "margin_rate": margin_rate}
    customer_lifetime_value(probe, UnitSpend(), one, period=period, **kwargs)
    n = len(probe.ends)
    rows = pd.DataFrame(
        {
            BTYD_FREQUENCY: np.arange(n, dtype=float),
            BTYD_RECENCY: 0.0,
            BTYD_T: 1.0,
            BTYD_MONETARY: 0,
        }
    )
    probe = Ends()
    weights = customer_lifetime_value(probe, UnitSpend(), rows, period=period, **kwargs)
    return np.asarray(probe.ends), weights.to_numpy()


def customer_intervals(
    purchase_model,
    summary: pd.DataFrame,
    *,
    t: float,
    spend_model: GammaGamma | None = None,
    horizon: float | None = None,
    discount_rate: float | None = None,
    margin_rate: float = 1.0,
    period: str | None = None,
    levels: Sequence[float] = (0.8, 0.95),
    n_draws: int = 500,
    seed: int = 0,
    n_jobs: int | None = None,
    frequency_col: str | None = None,
    recency_col: str | None = None,
    T_col: str | None = None,  # noqa: N803
    monetary_col: str | None = None,
) -> pd.DataFrame:
    """Give each customer's predictions with intervals from the uncertainty of the parameters.

    The parameters are drawn ``n_draws`` times by :func:`parameter_draws` (the spend model's
    independently, from another random stream); each customer's expected purchases in
    (T, T + t], P(alive) and, with a spend model, CLV are evaluated at every draw, and the
    interval at level L runs from the (1 - L) / 2 to the (1 + L) / 2 quantile of those values.
    The point estimate is the value at the maximum-likelihood estimate (the model's own
    methods, and :func:`helpers.clv_tables.customer_lifetime_value` for the CLV), not the
    mean of the draws.

    The intervals cover the error of the fitted parameters only: a customer's actual count
    scatters far more around its expectation (see :func:`predictive_intervals`), and a wrong
    model is not covered at all.

    Parameters
    ----------
    purchase_model : fitted purchase model
        BetaGeoModel (fast, vectorised), ModifiedBetaGeoModel, ParetoNBDModel or
        BetaGeoBetaBinomModel (their methods are called once per draw).
    summary : pandas.DataFrame
        frequency, recency and T (``periods`` for BG/BB) per customer; with a spend model also
        monetary_value, and ``attrs["period"]`` for the CLV.
    t : float
        Length of the future window of the expected purchases, in the model's period unit.
    spend_model : GammaGamma, optional
        Fitted; gives the ``clv`` columns.
    horizon : float, optional
        CLV horizon in periods; default ``t``.
    discount_rate : float, optional
        Annual discount rate of the CLV (required with a spend model), e.g. 0.1.
    margin_rate : float, default 1.0
        Share of spend that is margin.
    period : {"W", "D"}, optional
        The period unit of the CLV's discounting; default ``summary.attrs["period"]``.
    levels : sequence of float, default (0.8, 0.95)
        Interval levels, each in (0, 1).
    n_draws : int, default 500
        Parameter draws.
    seed : int, default 0
        Seed of the draws.
    n_jobs : int, optional
        Threads; default all cores this process may use.
    frequency_col, recency_col, T_col, monetary_col : str, optional
        Column names; default the names given to the models' ``fit``.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``summary``. For each quantity (``expected_purchases``,
        ``probability_alive``, and ``clv`` with a spend model): the point estimate, then
        ``<quantity>_lower_<L>`` and ``<quantity>_upper_<L>`` for each level in percent, e.g.
        ``expected_purchases_lower_80``, ``clv_upper_95``. ``attrs`` holds ``t``, ``levels``,
        ``n_draws``, ``seed``, ``distinct_rows`` and ``point`` (how the point is computed).

    Raises
    ------
    ValueError
        If a model is not fitted or has no finite covariance, a column or value is invalid, a
        level is outside (0, 1), ``t`` <= 0, a spend model comes without ``discount_rate``, or
        the period (``period`` or ``summary.attrs["period"]``) is not the model's.
    """
    x, tx, t_obs, T_col = _purchase_rows(purchase_model, summary, frequency_col, recency_col, T_col)  # noqa: N806
    levels, jobs, draws, quantiles = _setup(purchase_model, t, levels, n_draws, seed, n_jobs)

    quantities = ["expected_purchases", "probability_alive"]
    columns = [x, tx, t_obs]
    if spend_model is not None:
        check_fitted_model(spend_model, "spend_model")
        if not isinstance(spend_model, GammaGamma):
            raise ValueError(f"spend_model must be a GammaGamma, got {type(spend_model).__name__}")
        if isinstance(purchase_model, BetaGeoBetaBinomModel):
            raise ValueError(
                "CLV intervals need a purchase model in continuous time (periods of a day or a "
                "week); BG/BB counts opportunities: pass spend_model=None"
            )
        if discount_rate is None:
            raise ValueError("discount_rate is required with a spend model (a year), e.g. 0.1")
        horizon = t if horizon is None else horizon
        period = period or summary.attrs.get("period")
        check_period(purchase_model, period, "the CLV's period")
        ends, weights = _discount_weights(horizon, discount_rate, margin_rate, period)
        monetary_col = fit_columns(spend_model, monetary_col=monetary_col)["monetary_col"]
        (m,) = summary_arrays(summary, [monetary_col])
        m = np.where(x > 0, m, 0.0)
        spend_draws = parameter_draws(
            spend_model, len(draws), seed=np.random.default_rng([seed, 1])
        ).to_numpy()
        quantities.append("clv")
        columns.append(m)

    # distinct rows, sorted by frequency, then T, then recency (BG/NBD groups (x, T) pairs)
    order = [0, 2, 1] + ([3] if spend_model is not None else [])
    unique, inverse = distinct_rows(np.column_stack([columns[i] for i in order]))
    ux, ut, utx = unique[:, 0], unique[:, 1], unique[:, 2]
    # BLAS would start threads of its own inside ours (and small products run slower)
    with one_blas_thread():
        values = values_for(purchase_model, draws, jobs)
        values.prepare_rows(ux, utx, ut)
        spend_values = spend_model is not None
        window = values.prepare([t], [1.0], ux, ut)
        if spend_values:
            discounted = values.prepare(ends, weights, ux, ut)
        out = {q: np.empty((len(unique), 2 * len(levels))) for q in quantities}

        def work(rows: slice, _: int) -> None:
            x_, tx_, t_ = ux[rows], utx[rows], ut[rows]
            alive = values.alive(x_, tx_, t_)
            out["expected_purchases"][rows] = quantiles(
                values.future(window, x_, tx_, t_, alive), inplace=True
            )
            if spend_values:
                future = values.future(discounted, x_, tx_, t_, alive)
                future *= spend_draw_values(spend_model, spend_draws, x_, unique[rows, 3])
                out["clv"][rows] = quantiles(future, inplace=True)
            out["probability_alive"][rows] = quantiles(alive, inplace=True)

        run_chunks(work, len(unique), values.chunk_rows, jobs)

    # point estimates at the maximum-likelihood estimate, on the distinct rows
    with np.errstate(all="ignore"):
        point = {
            "expected_purchases": purchase_model.conditional_expected_purchases(t, ux, utx, ut),
            "probability_alive": purchase_model.probability_alive(ux, utx, ut),
        }
    if spend_values:
        from helpers.clv_tables import customer_lifetime_value

        distinct = pd.DataFrame(
            {BTYD_FREQUENCY: ux, BTYD_RECENCY: utx, BTYD_T: ut, BTYD_MONETARY: unique[:, 3]}
        )
        point["clv"] = customer_lifetime_value(
            purchase_model,
            spend_model,
            distinct,
            horizon=horizon,
            discount_rate=discount_rate,
            margin_rate=margin_rate,
            period=period,
        ).to_numpy()

    result = {}
    for quantity in quantities:
        result[quantity] = np.broadcast_to(point[quantity], ux.shape)[inverse]
        _add_bounds(result, quantity, out[quantity], inverse, levels)
    frame = pd.DataFrame(result, index=summary.index)
    frame.attrs = {
        "t": float(t),
        "levels": list(levels),
        "n_draws": len(draws),
        "seed": seed,
        "distinct_rows": len(unique),
        "point": "value at the maximum-likelihood estimate",
        "intervals": "quantiles over Laplace draws of the log-parameters (parameter error only)",
    }
    return frame


def _future_counts(
    model, draws: np.ndarray, t: float, x, tx, t_obs, alive: np.ndarray, rng
) -> np.ndarray:
    """Draw each row's purchases in (T, T + t] given its history, one per parameter draw.

    A row is alive at T with its P(alive); then, by the memoryless story, the customer
    buys from T on as a new customer whose parameters are the posterior ones given the
    history and alive: the simulators of :mod:`helpers.clv.simulation` draw them, observed for
    no time, with a future window of ``t``. BG/NBD: rate ~ gamma(r + x, alpha + T), dropout
    p ~ beta(a, b + x), the x repeat purchases survived (MBG/NBD: b + x + 1, the first
    purchase's too); after each future purchase the customer leaves with probability p.
    Pareto/NBD: rate ~ gamma(r + x, alpha + T), dropout rate ~ gamma(s, beta + T).
    """
    shape = alive.shape
    x, t_obs = x[:, None], t_obs[:, None]
    is_alive = rng.random(shape) < alive
    if isinstance(model, BetaGeoModel | ModifiedBetaGeoModel):
        r, alpha, a, b = (c[None, :] for c in draws.T)
        flips = x if isinstance(model, BetaGeoModel) else x + 1
        simulate, posterior = simulate_bg_nbd, (r + x, alpha + t_obs, a, b + flips)
    elif isinstance(model, ParetoNBDModel):
        r, alpha, s, beta = (c[None, :] for c in draws.T)
        simulate, posterior = simulate_pareto_nbd, (r + x, alpha + t_obs, s, beta + t_obs)
    else:
        raise ValueError(
            f"predictive intervals are drawn for BG/NBD, MBG/NBD and Pareto/NBD, not for a "
            f"{type(model).__name__}"
        )
    flat = [np.broadcast_to(value, shape).ravel() for value in posterior]
    later = simulate(alive.size, *flat, 0.0, seed=rng, future=t)[FUTURE].to_numpy()
    return np.where(is_alive, later.reshape(shape), 0).astype(float)


def predictive_intervals(
    purchase_model,
    summary: pd.DataFrame,
    *,
    t: float,
    levels: Sequence[float] = (0.8, 0.95),
    n_draws: int = 500,
    seed: int = 0,
    n_jobs: int | None = None,
    frequency_col: str | None = None,
    recency_col: str | None = None,
    T_col: str | None = None,  # noqa: N803
) -> pd.DataFrame:
    """Give each customer an interval for their actual purchases in (T, T + t].

    For every parameter draw (:func:`parameter_draws`) one future is drawn by the model's
    story given the customer's history: alive with P(alive); then, for BG/NBD and MBG/NBD,
    a purchase rate from its gamma posterior and a dropout probability from its beta
    posterior, purchases as a Poisson process that stops after each one with that
    probability; for Pareto/NBD, rate and dropout rate from their gamma posteriors and an
    exponential lifetime. The interval at level L runs from the (1 - L) / 2 to the (1 + L) / 2
    quantile of the counts, so it holds both the parameter error and the customer's own
    randomness (but not a wrong model). Counts are whole numbers: an interval holds at least
    L of the predictive distribution, often more.

    Parameters
    ----------
    purchase_model : BetaGeoModel, ModifiedBetaGeoModel or ParetoNBDModel
        Fitted.
    summary : pandas.DataFrame
        frequency, recency and T per customer.
    t : float
        Length of the future window, in the model's period unit.
    levels : sequence of float, default (0.8, 0.95)
    n_draws : int, default 500
        Parameter draws, one future each.
    seed : int, default 0
    n_jobs : int, optional
        Threads; default all cores this process may use.
    frequency_col, recency_col, T_col : str, optional
        Column names; default the names given to the model's ``fit``.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``summary``: ``future_purchases_mean`` (the mean of the drawn counts),
        and ``future_purchases_lower_<L>``, ``future_purchases_upper_<L>`` per level.
    """
    x, tx, t_obs, _ = _purchase_rows(purchase_model, summary, frequency_col, recency_col, T_col)
    if not isinstance(purchase_model, BetaGeoModel | ModifiedBetaGeoModel | ParetoNBDModel):
        raise ValueError(
            f"predictive intervals are drawn for BG/NBD, MBG/NBD and Pareto/NBD, not for a "
            f"{type(purchase_model).__name__}"
        )
    levels, jobs, draws, quantiles = _setup(purchase_model, t, levels, n_draws, seed, n_jobs)
    unique, inverse = distinct_rows(np.column_stack([x, t_obs, tx]))
    ux, ut, utx = unique.T
    # BLAS would start threads of its own inside ours (and small products run slower)
    with one_blas_thread():
        values = values_for(purchase_model, draws, jobs)
        values.prepare_rows(ux, utx, ut)
        bounds = np.empty((len(unique), 2 * len(levels)))
        means = np.empty(len(unique))
        n_chunks = len(range(0, len(unique), values.chunk_rows))
        streams = np.random.SeedSequence([seed, 2]).spawn(max(n_chunks, 1))

        def work(rows: slice, k: int) -> None:
            alive = values.alive(ux[rows], utx[rows], ut[rows])
            rng = np.random.default_rng(streams[k])
            counts = _future_counts(
                purchase_model, draws, t, ux[rows], utx[rows], ut[rows], alive, rng
            )
            means[rows] = counts.mean(axis=1)
            bounds[rows] = quantiles(counts)

        run_chunks(work, len(unique), values.chunk_rows, jobs)
    result = {"future_purchases_mean": means[inverse]}
    _add_bounds(result, "future_purchases", bounds, inverse, levels)
    frame = pd.DataFrame(result, index=summary.index)
    frame.attrs = {"t": float(t), "levels": list(levels), "n_draws": len(draws), "seed": seed}
    return frame

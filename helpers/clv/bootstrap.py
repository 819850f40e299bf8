"""Check the Laplace standard errors of a fitted model by a parametric bootstrap.

:func:`parametric_bootstrap` simulates new data sets from the fitted model (:func:`_simulate`
picks the simulator of :mod:`helpers.clv.simulation` by the model's class; each customer
keeps their observation length), refits, and compares the spread of the refitted
log-parameters with the Laplace standard errors of the log-parameters that
:func:`helpers.clv.laplace.parameter_draws` (and so the per-customer intervals) rely on.
"""

from __future__ import annotations

import warnings
from typing import NamedTuple

import numpy as np
import pandas as pd

from helpers.clv.bg_bb import PERIODS, BetaGeoBetaBinomModel
from helpers.clv.bg_nbd import BetaGeoModel
from helpers.clv.fitting import ConvergenceWarning, Fitter, convergence_problem, summary_arrays
from helpers.clv.gamma_gamma import GammaGamma
from helpers.clv.laplace import check_fitted_model, log_covariance
from helpers.clv.mbg_nbd import ModifiedBetaGeoModel
from helpers.clv.pareto_nbd import ParetoNBDModel
from helpers.clv.simulation import (
    simulate_bg_bb,
    simulate_bg_nbd,
    simulate_gamma_gamma,
    simulate_mbg_nbd,
    simulate_pareto_nbd,
)
from helpers.clv_data import BTYD_FREQUENCY, BTYD_MONETARY, BTYD_T

__all__ = ["BootstrapResult", "parametric_bootstrap"]

_SIMULATORS = {
    BetaGeoModel: simulate_bg_nbd,
    ModifiedBetaGeoModel: simulate_mbg_nbd,
    ParetoNBDModel: simulate_pareto_nbd,
    BetaGeoBetaBinomModel: simulate_bg_bb,
}


def _simulate(
    model: Fitter, params: np.ndarray, columns: dict, rng, *, future: float | None = None
) -> pd.DataFrame:
    """Draw a new summary from ``model``'s story at ``params``, keeping each customer's T.

    ``columns`` holds each customer's observation: ``{"T": lengths}`` (periods for BG/BB), or
    ``{"x": repeat purchases}`` for Gamma-Gamma (then the table has ``frequency`` and
    ``monetary_value``). With ``future`` (purchase models), also each customer's purchases
    in (T, T + future], column ``future_purchases``, for coverage studies.
    """
    if isinstance(model, GammaGamma):
        x = np.asarray(columns["x"], dtype=float)
        spend = simulate_gamma_gamma(x, *params, seed=rng)
        return pd.DataFrame({BTYD_FREQUENCY: x, BTYD_MONETARY: spend.to_numpy()})
    simulate = next((f for cls, f in _SIMULATORS.items() if isinstance(model, cls)), None)
    if simulate is None:
        raise ValueError(f"no simulation for a {type(model).__name__}")
    t_obs = np.asarray(columns["T"], dtype=float)
    return simulate(len(t_obs), *params, t_obs, seed=rng, future=future)


def _true_model(cls: type, params) -> Fitter:
    """Return a model of class ``cls`` with ``params`` set, as if fitted (for simulations).

    ``benchmarks/clv_intervals.py`` makes its true models with it.
    """
    model = cls()
    model.params_ = pd.Series(np.asarray(params, dtype=float), index=list(cls.PARAMS))
    return model


class BootstrapResult(NamedTuple):
    """What :func:`parametric_bootstrap` returns.

    Attributes
    ----------
    params : pandas.DataFrame
        One row per refit: the refitted parameters and ``converged``.
    summary : pandas.DataFrame
        One row per parameter: ``estimate``; ``laplace_sd_log`` (the standard error of log
        theta from ``covariance_``) and ``bootstrap_sd_log`` (the SD of the refitted log
        theta over the converged refits), their ``sd_ratio`` (bootstrap / Laplace);
        ``bootstrap_bias_log`` (mean refitted log theta minus log theta_hat); and 95%
        intervals: ``laplace_lower_95``, ``laplace_upper_95`` (the model's ``summary_``) and
        the bootstrap's percentile interval ``bootstrap_lower_95``, ``bootstrap_upper_95``.
    """

    params: pd.DataFrame
    summary: pd.DataFrame


def parametric_bootstrap(
    model: Fitter,
    summary: pd.DataFrame,
    *,
    n_refits: int = 100,
    seed: int = 0,
    frequency_col: str = BTYD_FREQUENCY,
    T_col: str | None = None,  # noqa: N803
) -> BootstrapResult:
    """Check the Laplace standard errors: simulate data from the fitted model, refit, compare.

    Each refit draws a new data set of the same customers from the fitted model's story (a
    customer keeps their observation length T, or periods for BG/BB; for Gamma-Gamma their
    number of repeat purchases), fits a fresh model of the same class, started at the fitted
    parameters, and keeps its parameters. Where the Laplace approximation holds, the SD of
    the refitted log-parameters is near the Laplace standard error of the log-parameters.

    Parameters
    ----------
    model : fitted model of :mod:`helpers.clv`
        BetaGeoModel, ModifiedBetaGeoModel, ParetoNBDModel, BetaGeoBetaBinomModel or
        GammaGamma.
    summary : pandas.DataFrame
        The data the model was fitted on (only T, or frequency for Gamma-Gamma, is used).
    n_refits : int, default 100
    seed : int, default 0
    frequency_col, T_col : str
        Column names (``T_col`` defaults to ``T``, ``periods`` for BG/BB).

    Returns
    -------
    BootstrapResult
        ``params`` (one row per refit) and ``summary`` (one row per parameter).

    Warns
    -----
    ConvergenceWarning
        Once, with the counts, if some refits did not converge or ran away (the refits
        themselves do not warn).
    """
    check_fitted_model(model, "model")
    if isinstance(n_refits, bool) or not isinstance(n_refits, int | np.integer) or n_refits < 2:
        raise ValueError(f"n_refits must be a whole number >= 2, e.g. 100; got {n_refits!r}")
    if isinstance(model, GammaGamma):
        (x,) = summary_arrays(summary, [frequency_col])
        columns = {"x": x[x > 0]}
    else:
        if T_col is None:
            T_col = PERIODS if isinstance(model, BetaGeoBetaBinomModel) else BTYD_T  # noqa: N806
        (t_obs,) = summary_arrays(summary, [T_col])
        columns = {"T": t_obs}
    params = model.params_.to_numpy(dtype=float)
    rng = np.random.default_rng(seed)
    rows, problems = [], []
    for _ in range(int(n_refits)):
        data = _simulate(model, params, columns, rng)
        with warnings.catch_warnings():  # one warning for all the refits, below
            warnings.simplefilter("ignore", ConvergenceWarning)
            refit = type(model)(initial_params=params, max_iter=model.max_iter).fit(data)
        rows.append([*refit.params_.to_numpy(), bool(refit.converged_)])
        problem = convergence_problem(type(model).__name__, refit.params_, True, model.SCALES)
        problems.append((not refit.converged_, problem is not None))
    failed, away = (sum(column) for column in zip(*problems, strict=True))
    if failed or away:
        warnings.warn(
            f"parametric_bootstrap: of {int(n_refits)} refits of {type(model).__name__}, "
            f"{failed} did not converge (left out of the bootstrap columns: see "
            f"params['converged']) and {away} have a parameter that ran away (kept). "
            "Many of either mean the model is at the edge of its parameter space for data like "
            "these: the bootstrap's spread then says more than the Laplace standard errors.",
            ConvergenceWarning,
            stacklevel=2,
        )
    refits = pd.DataFrame(rows, columns=[*model.PARAMS, "converged"])
    refits.index.name = "refit"
    kept = np.log(refits.loc[refits["converged"], list(model.PARAMS)].to_numpy(dtype=float))
    with np.errstate(invalid="ignore"):
        laplace = np.sqrt(np.diag(log_covariance(model)))
    table = pd.DataFrame(
        {
            "estimate": params,
            "laplace_sd_log": laplace,
            "bootstrap_sd_log": kept.std(axis=0, ddof=1),
            "sd_ratio": kept.std(axis=0, ddof=1) / laplace,
            "bootstrap_bias_log": kept.mean(axis=0) - np.log(params),
            "laplace_lower_95": model.summary_["lower_95"].to_numpy(),
            "laplace_upper_95": model.summary_["upper_95"].to_numpy(),
            "bootstrap_lower_95": np.exp(np.quantile(kept, 0.025, axis=0)),
            "bootstrap_upper_95": np.exp(np.quantile(kept, 0.975, axis=0)),
        },
        index=pd.Index(list(model.PARAMS), name="parameter"),
    )
    return BootstrapResult(refits, table)

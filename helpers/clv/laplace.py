"""Draws of a fitted model's parameters from the Laplace approximation, on the log scale.

A fitted model's parameters are estimates: ``covariance_`` (the inverse Hessian of the
negative log-likelihood) says how far they may be off. :func:`parameter_draws` draws
parameter sets from the Laplace approximation at the optimum, on the log scale so that every
draw stays positive: log theta ~ Normal(log theta_hat, D^-1 Sigma D^-1), D = diag(theta_hat)
(the delta method). The per-customer intervals of :mod:`helpers.clv.intervals` evaluate the
model at these draws; :mod:`helpers.clv.bootstrap` checks the approximation by refitting.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.clv.fitting import Fitter, check_is_fitted

__all__ = ["parameter_draws"]


def check_fitted_model(model: object, name: str) -> None:
    """Refuse anything but a fitted model of :mod:`helpers.clv` as argument ``name``.

    Raises
    ------
    ValueError
        If ``model`` is not a model of :mod:`helpers.clv`, or (:func:`check_is_fitted`'s
        message) is not fitted.
    """
    if not isinstance(model, Fitter):
        raise ValueError(
            f"{name} must be a model of helpers.clv (e.g. BetaGeoModel), got {type(model).__name__}"
        )
    check_is_fitted(model, name)


def log_covariance(model: Fitter) -> np.ndarray:
    """Return D^-1 Sigma D^-1, the covariance of the log-parameters (delta method), checked."""
    names = list(model.PARAMS)
    covariance = getattr(model, "covariance_", None)
    if covariance is None:
        raise ValueError(
            f"this {type(model).__name__} has no covariance_; refit it (models fitted or saved "
            "before covariance_ existed lack it)"
        )
    sigma = covariance.loc[names, names].to_numpy(dtype=float)
    missing = [p for i, p in enumerate(names) if not np.all(np.isfinite(sigma[i]))]
    if missing:
        raise ValueError(
            f"covariance_ of this {type(model).__name__} is not finite for parameter "
            f"{missing[0]!r} (row {missing[0]}: {sigma[names.index(missing[0])].tolist()}): the "
            "Hessian of the log-likelihood could not be inverted there (the fit is at the edge "
            "of the parameter space, e.g. a -> 0); no parameter draws can be made"
        )
    theta = model.params_.to_numpy(dtype=float)
    log_sigma = sigma / np.outer(theta, theta)
    return (log_sigma + log_sigma.T) / 2


def parameter_draws(
    model: Fitter, n_draws: int = 500, *, seed: int | np.random.Generator | None = 0
) -> pd.DataFrame:
    """Draw parameter sets from the Laplace approximation at the fitted optimum, on the log scale.

    log theta ~ Normal(log theta_hat, D^-1 Sigma D^-1) with Sigma = ``model.covariance_`` and
    D = diag(theta_hat): the delta method carries Sigma to the log-parameters, so every draw
    is positive, as the parameters must be.

    Parameters
    ----------
    model : fitted model of :mod:`helpers.clv`
        BetaGeoModel, ModifiedBetaGeoModel, ParetoNBDModel, BetaGeoBetaBinomModel or
        GammaGamma, with ``params_`` and ``covariance_``.
    n_draws : int, default 500
        Number of parameter sets, >= 1.
    seed : int, numpy.random.Generator or None, default 0
        Seed of the draws (the same seed gives the same draws).

    Returns
    -------
    pandas.DataFrame
        ``n_draws`` rows (index ``draw``), one column per parameter.

    Raises
    ------
    ValueError
        If the model is not fitted, its covariance has a non-finite entry (the parameter is
        named) or is not positive semi-definite, or ``n_draws`` < 1.
    """
    check_fitted_model(model, "model")
    if isinstance(n_draws, bool) or not isinstance(n_draws, int | np.integer) or n_draws < 1:
        raise ValueError(f"n_draws must be a whole number >= 1, e.g. 500; got {n_draws!r}")
    log_sigma = log_covariance(model)
    values, vectors = np.linalg.eigh(log_sigma)
    tolerance = 1e-10 * max(float(np.abs(values).max()), 1e-300)
    if values.min() < -tolerance:
        worst = list(model.PARAMS)[int(np.argmax(np.abs(vectors[:, int(np.argmin(values))])))]
        raise ValueError(
            f"covariance_ of this {type(model).__name__} is not positive semi-definite "
            f"(eigenvalue {values.min():.3g}, mostly along parameter {worst!r}): the fit did not "
            "end at a maximum of the likelihood"
        )
    root = vectors * np.sqrt(np.clip(values, 0.0, None))
    rng = np.random.default_rng(seed)
    normal = rng.standard_normal((int(n_draws), len(model.PARAMS)))
    draws = np.exp(np.log(model.params_.to_numpy(dtype=float)) + normal @ root.T)
    return pd.DataFrame(
        draws, columns=list(model.PARAMS), index=pd.RangeIndex(int(n_draws), name="draw")
    )

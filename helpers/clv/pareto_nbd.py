"""Pareto/NBD purchase model (Schmittlein, Morrison & Colombo 1987): dropout at any time."""

from __future__ import annotations

import numpy as np
from scipy import special

from helpers.clv.fitting import (
    _PurchaseModel,
)

__all__ = ["ParetoNBDModel"]


class ParetoNBDModel(_PurchaseModel):
    """Pareto/NBD purchase model (Schmittlein, Morrison & Colombo 1987), maximum likelihood.

    Parameters
    ----------
    initial_params : sequence of 4 floats, optional
        Starting values of (r, alpha, s, beta); default all 1.
    max_iter : int, default 5000
        Iterations of the Nelder-Mead search.

    Attributes
    ----------
    params_ : pandas.Series
        ``r``, ``alpha`` (purchase rates: gamma), ``s``, ``beta`` (dropout rates: gamma).
    log_likelihood_, standard_errors_, summary_, n_distinct_rows_
        As in :class:`BetaGeoModel`.

    Notes
    -----
    The likelihood in the formulation of Fader & Hardie (2005, "A note on deriving the
    Pareto/NBD model and related expressions"):

    L = Gamma(r+x) alpha^r beta^s / Gamma(r) * [1 / ((alpha+T)^(r+x) (beta+T)^s)
        + s / (r+s+x) * A0]

    with, for alpha >= beta, A0 = F(alpha+t_x) - F(alpha+T) where
    F(y) = 2F1(r+s+x, s+1; r+s+x+1; (alpha-beta)/y) / y^(r+s+x), and for alpha < beta the
    same with beta in place of alpha and r+x in place of s+1. The argument of the
    hypergeometric function is then always in [0, 1), where its series converges; the
    difference and the sum are taken in log space.
    """

    PARAMS = ("r", "alpha", "s", "beta")

    @staticmethod
    def _log_a0(params, x, tx, t_obs):
        """Return log A0 (see the class notes), elementwise."""
        r, alpha, s, beta = params
        c = r + s + x
        if alpha >= beta:
            lead, second = alpha, s + 1
        else:
            lead, second = beta, r + x
        gap = abs(alpha - beta)

        def log_f(y):
            return np.log(special.hyp2f1(c, second, c + 1, gap / y)) - c * np.log(y)

        upper, lower = log_f(lead + tx), log_f(lead + t_obs)
        with np.errstate(divide="ignore"):
            return upper + np.log1p(-np.exp(np.minimum(lower - upper, 0.0)))

    @classmethod
    def _loglik(cls, params, x, tx, t_obs):
        r, alpha, s, beta = params
        common = special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha) + s * np.log(beta)
        alive = -(r + x) * np.log(alpha + t_obs) - s * np.log(beta + t_obs)
        dead = np.log(s) - np.log(r + s + x) + cls._log_a0(params, x, tx, t_obs)
        return common + np.logaddexp(alive, np.where(np.isfinite(dead), dead, -np.inf))

    def expected_purchases(self, t) -> np.ndarray:
        """E[X(t)] = r beta / (alpha (s - 1)) [1 - (beta / (beta + t))^(s-1)].

        Parameters
        ----------
        t : float or array-like

        Returns
        -------
        numpy.ndarray
        """
        self._check_fitted()
        r, alpha, s, beta = self.params_.to_numpy()
        t = np.asarray(t, dtype=float)
        # 1 - (beta / (beta + t)) ** (s - 1), without cancellation when beta >> t
        window = -np.expm1(-(s - 1) * np.log1p(t / beta))
        return r * beta / (alpha * (s - 1)) * window

    def probability_alive(self, frequency, recency, T) -> np.ndarray:  # noqa: N803
        """P(alive at T | x, t_x, T).

        Parameters
        ----------
        frequency, recency, T : array-like

        Returns
        -------
        numpy.ndarray
        """
        self._check_fitted()
        params = self.params_.to_numpy()
        r, alpha, s, beta = params
        x, tx, t_obs = (np.asarray(v, dtype=float) for v in (frequency, recency, T))
        with np.errstate(divide="ignore", invalid="ignore"):
            log_ratio = (
                np.log(s)
                - np.log(r + s + x)
                + (r + x) * np.log(alpha + t_obs)
                + s * np.log(beta + t_obs)
                + self._log_a0(params, x, tx, t_obs)
            )
        return 1.0 / (1.0 + np.exp(np.where(np.isfinite(log_ratio), log_ratio, -np.inf)))

    def conditional_expected_purchases(self, t, frequency, recency, T) -> np.ndarray:  # noqa: N803
        """E[Y(t) | x, t_x, T]: expected purchases in (T, T + t].

        Parameters
        ----------
        t : float
        frequency, recency, T : array-like

        Returns
        -------
        numpy.ndarray
        """
        self._check_fitted()
        r, alpha, s, beta = self.params_.to_numpy()
        x, tx, t_obs = (np.asarray(v, dtype=float) for v in (frequency, recency, T))
        t = np.asarray(t, dtype=float)
        rate = (r + x) * (beta + t_obs) / ((alpha + t_obs) * (s - 1))
        window = -np.expm1(-(s - 1) * np.log1p(t / (beta + t_obs)))  # no cancellation
        return rate * window * self.probability_alive(x, tx, t_obs)

"""Probabilistic CLV: BG/NBD, Pareto/NBD and Gamma-Gamma models, and CLV over a horizon.

The story of the purchase models ("buy till you die"): while a customer is **alive** they buy
at their own steady rate, a Poisson process with rate lambda; lambda varies across customers
as a gamma distribution (shape ``r``, rate ``alpha``). At some point the customer leaves for
good, unseen by the shop:

- **BG/NBD** (Fader, Hardie & Lee 2005): after each purchase the customer drops out with
  their own probability p, beta-distributed across customers (``a``, ``b``). A customer
  with no repeat purchase (x = 0) cannot have dropped out yet, so for them P(alive) = 1.
- **Pareto/NBD** (Schmittlein, Morrison & Colombo 1987): the customer's lifetime is
  exponential with rate mu, gamma-distributed across customers (``s``, ``beta``); a customer
  can leave at any moment, also before a repeat purchase.

The **Gamma-Gamma** spend model (Fader, Hardie & Lee 2005b; Fader & Hardie 2013) says how
much each purchase is worth: spends vary around a customer's own mean, and the means vary
across customers. It assumes spend is independent of purchase frequency; check that with
:meth:`GammaGamma.independence`.

All models take the summary data of :mod:`helpers.clv_data` (``frequency``, ``recency``,
``T`` in one period unit, ``monetary_value``) and follow scikit-learn's shape: settings in
``__init__``, ``fit`` returns ``self``, fitted values end in ``_`` (``params_``,
``log_likelihood_``, ``standard_errors_`` from the numerical Hessian, and ``summary_`` with
95% confidence intervals, Wald intervals on the log scale, exp(log theta +- 1.96 se / theta),
which stay positive like the parameters). Fitting groups identical (frequency, recency, T) rows and
weighs each by its count, so a large customer base costs little more than its distinct rows.

:func:`customer_lifetime_value` combines a purchase model and the spend model into a CLV
over a horizon with a margin and an annual discount rate (discrete steps, see there).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import optimize, special

from helpers.checks import check_numbers, check_share, require_columns
from helpers.clv_data import FREQUENCY, MONETARY, RECENCY, T, period_days

__all__ = [
    "BetaGeoModel",
    "GammaGamma",
    "ParetoNBDModel",
    "compare_predictors",
    "customer_lifetime_value",
    "expected_repeat_counts",
    "probability_alive_history",
    "calibration_holdout_table",
    "probability_alive_matrix",
    "top_share_captured",
]

_Z95 = 1.959963984540054


def _arrays(
    summary: pd.DataFrame, columns: Sequence[str], table: str = "summary"
) -> list[np.ndarray]:
    """Return the columns as float arrays, checked: present, numeric, >= 0."""
    require_columns(summary, columns, table, hint="make it with helpers.clv_data.summary_data")
    out = []
    for column in columns:
        values = summary[column]
        check_numbers(f"{table} column {column!r}", values, ">= 0", lambda a: a >= 0)
        out.append(values.to_numpy(dtype=float))
    return out


def _check_rfm(frequency: np.ndarray, recency: np.ndarray, t_obs: np.ndarray) -> None:
    check_numbers("frequency", frequency, "a whole number >= 0", lambda a: (a >= 0) & (a % 1 == 0))
    check_numbers("recency", recency, ">= 0", lambda a: a >= 0)
    check_numbers(
        "recency", t_obs - recency, "<= T (recency minus T must be <= 0)", lambda a: a >= -1e-9
    )
    check_numbers(
        "recency", np.where(frequency == 0, recency, 0.0), "0 when frequency is 0", lambda a: a == 0
    )


def _numerical_hessian(f, x: np.ndarray, step: float | None = None) -> np.ndarray:
    """Central-difference Hessian of ``f`` at ``x`` (relative steps, or a fixed ``step``)."""
    n = len(x)
    h = 1e-4 * np.maximum(np.abs(x), 1e-2) if step is None else np.full(n, step)
    hess = np.empty((n, n))
    for i in range(n):
        for j in range(i, n):
            ei, ej = np.zeros(n), np.zeros(n)
            ei[i], ej[j] = h[i], h[j]
            value = (f(x + ei + ej) - f(x + ei - ej) - f(x - ei + ej) + f(x - ei - ej)) / (
                4 * h[i] * h[j]
            )
            hess[i, j] = hess[j, i] = value
    return hess


def _newton_polish(f, x: np.ndarray, fx: float, steps: int = 3) -> tuple[np.ndarray, float]:
    """Take a few Newton steps on ``f`` from ``x`` (finite differences) while ``f`` falls.

    Quasi-Newton searches stop where the gradient is small, which leaves weakly determined
    parameters (a flat likelihood) a little short of the maximum; Newton steps finish the job.
    """
    h = 1e-4
    for _ in range(steps):
        grad = np.array([(f(x + h * e) - f(x - h * e)) / (2 * h) for e in np.eye(len(x))])
        try:
            move = np.linalg.solve(_numerical_hessian(f, x, step=h), grad)
        except np.linalg.LinAlgError:
            break
        if not np.all(np.isfinite(move)) or np.abs(move).max() > 1:
            break
        candidate = x - move
        value = f(candidate)
        if not value < fx:
            break
        x, fx = candidate, value
    return x, fx


class _Fitter:
    """Maximum likelihood on log-parameters, grouped rows, standard errors from the Hessian."""

    PARAMS: tuple[str, ...] = ()

    def __init__(self, *, initial_params: Sequence[float] | None = None, max_iter: int = 5000):
        self.initial_params = initial_params
        self.max_iter = max_iter

    # subclasses: _data(summary) -> (columns array 2-D, ...), _loglik(params, *cols) -> per row
    def _minimise(self, data: np.ndarray, weights: np.ndarray) -> None:
        unique, inverse = np.unique(data, axis=0, return_inverse=True)
        counts = np.bincount(inverse.ravel(), weights=weights)
        cols = tuple(unique.T)

        scale = max(float(counts.sum()), 1.0)

        def negll(log_params: np.ndarray) -> float:
            with np.errstate(all="ignore"):
                ll = self._loglik(np.exp(log_params), *cols)
            total = float(counts @ ll) / scale  # per customer: gtol does not depend on n
            return -total if np.isfinite(total) else 1e300

        start = np.log(
            np.asarray(self.initial_params, dtype=float)
            if self.initial_params is not None
            else np.ones(len(self.PARAMS))
        )
        # BFGS on log-parameters (fast); Nelder-Mead from there only if BFGS did not converge
        best = optimize.minimize(negll, start, method="BFGS", options={"gtol": 1e-6})
        converged = bool(best.success)
        if not converged:
            polish = optimize.minimize(
                negll,
                best.x,
                method="Nelder-Mead",
                options={"maxiter": self.max_iter, "xatol": 1e-8, "fatol": 1e-10, "adaptive": True},
            )
            converged = bool(polish.success)
            best = polish if polish.fun <= best.fun else best
        log_params, lowest = _newton_polish(negll, best.x, best.fun)
        params = np.exp(log_params)
        self.converged_ = converged
        self.params_ = pd.Series(params, index=list(self.PARAMS), name="estimate")
        self.log_likelihood_ = -float(lowest) * scale
        self.n_customers_ = float(weights.sum())
        self.n_distinct_rows_ = len(unique)

        def negll_natural(p: np.ndarray) -> float:
            with np.errstate(all="ignore"):
                return -float(counts @ self._loglik(p, *cols))

        hessian = _numerical_hessian(negll_natural, params)
        try:
            covariance = np.linalg.inv(hessian)
            se = np.sqrt(np.where(np.diag(covariance) > 0, np.diag(covariance), np.nan))
        except np.linalg.LinAlgError:
            se = np.full(len(params), np.nan)
        self.standard_errors_ = pd.Series(se, index=list(self.PARAMS), name="standard_error")
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
            lower, upper = params * np.exp(-_Z95 * se / params), params * np.exp(_Z95 * se / params)
        self.summary_ = pd.DataFrame(
            {
                "estimate": params,
                "standard_error": se,
                "lower_95": lower,
                "upper_95": upper,
            },
            index=list(self.PARAMS),
        )

    def _check_fitted(self) -> None:
        if not hasattr(self, "params_"):
            raise ValueError(
                f"this {type(self).__name__} is not fitted yet; call fit(summary) first"
            )

    def _loglik(self, params: np.ndarray, *cols: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def __repr__(self) -> str:
        if hasattr(self, "params_"):
            inside = ", ".join(f"{k}={v:.3f}" for k, v in self.params_.items())
            return f"{type(self).__name__}({inside})"
        return f"{type(self).__name__}()"


class _PurchaseModel(_Fitter):
    """Shared API of the BG/NBD and Pareto/NBD models."""

    def fit(
        self,
        summary: pd.DataFrame,
        *,
        weights: pd.Series | np.ndarray | None = None,
        frequency_col: str = FREQUENCY,
        recency_col: str = RECENCY,
        T_col: str = T,
    ) -> _PurchaseModel:
        """Fit the model by maximum likelihood.

        Parameters
        ----------
        summary : pandas.DataFrame
            One row per customer with frequency, recency and T (see
            :func:`helpers.clv_data.summary_data`).
        weights : array-like, optional
            Number of customers each row stands for (default 1 each).
        frequency_col, recency_col, T_col : str
            Column names.

        Returns
        -------
        self
        """
        x, tx, t_obs = _arrays(summary, [frequency_col, recency_col, T_col])
        _check_rfm(x, tx, t_obs)
        w = np.ones(len(x)) if weights is None else np.asarray(weights, dtype=float)
        check_numbers("weights", w, ">= 0", lambda a: a >= 0)
        self.period_ = summary.attrs.get("period")
        self._minimise(np.column_stack([x, tx, t_obs]), w)
        return self

    def log_likelihood(self, frequency, recency, T) -> np.ndarray:  # noqa: N803
        """Log-likelihood of each customer's (frequency, recency, T) at the fitted parameters.

        Parameters
        ----------
        frequency, recency, T : array-like
            Repeat purchases, time of the last purchase and length of observation.

        Returns
        -------
        numpy.ndarray
        """
        self._check_fitted()
        x, tx, t_obs = (np.asarray(v, dtype=float) for v in (frequency, recency, T))
        return self._loglik(self.params_.to_numpy(), x, tx, t_obs)

    def predict(self, summary: pd.DataFrame, t: float) -> pd.Series:
        """Predict each customer's expected purchases in the next ``t`` periods.

        Parameters
        ----------
        summary : pandas.DataFrame
            frequency, recency and T per customer.
        t : float
            Length of the future window, in the summary's period unit.

        Returns
        -------
        pandas.Series
            ``expected_purchases`` indexed like ``summary``.
        """
        x, tx, t_obs = _arrays(summary, [FREQUENCY, RECENCY, T])
        values = self.conditional_expected_purchases(t, x, tx, t_obs)
        return pd.Series(values, index=summary.index, name="expected_purchases")


class BetaGeoModel(_PurchaseModel):
    """BG/NBD purchase model (Fader, Hardie & Lee 2005), fitted by maximum likelihood.

    Parameters
    ----------
    initial_params : sequence of 4 floats, optional
        Starting values of (r, alpha, a, b); default all 1.
    max_iter : int, default 5000
        Iterations of the Nelder-Mead search that follows BFGS when BFGS does not converge.

    Attributes
    ----------
    params_ : pandas.Series
        ``r``, ``alpha`` (purchase rates: gamma shape and rate, in the summary's period unit),
        ``a``, ``b`` (dropout probability: beta).
    log_likelihood_ : float
        Maximised log-likelihood.
    standard_errors_ : pandas.Series
        From the inverse of the numerical Hessian of the negative log-likelihood.
    summary_ : pandas.DataFrame
        Estimate, standard error and 95% interval per parameter (Wald on the log scale).
    n_distinct_rows_ : int
        Distinct (frequency, recency, T) rows the likelihood was evaluated on.

    Notes
    -----
    For a customer with x repeat purchases, last at t_x, observed for T:

    L = B(a, b+x)/B(a, b) * Gamma(r+x) alpha^r / (Gamma(r) (alpha+T)^(r+x))
      + [x > 0] B(a+1, b+x-1)/B(a, b) * Gamma(r+x) alpha^r / (Gamma(r) (alpha+t_x)^(r+x))

    computed in log space. P(alive) is 1 when x = 0: in this model a customer can only drop
    out right after a purchase, and their first purchase is not a repeat purchase.
    """

    PARAMS = ("r", "alpha", "a", "b")

    @staticmethod
    def _loglik(params, x, tx, t_obs):
        r, alpha, a, b = params
        common = special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha)
        beta_ab = special.betaln(a, b)
        alive = special.betaln(a, b + x) - beta_ab - (r + x) * np.log(alpha + t_obs)
        dead = np.where(
            x > 0,
            special.betaln(a + 1, np.maximum(b + x - 1, 1e-12))
            - beta_ab
            - (r + x) * np.log(alpha + tx),
            -np.inf,
        )
        return common + np.logaddexp(alive, dead)

    def expected_purchases(self, t) -> np.ndarray:
        """E[X(t)]: expected purchases in (0, t] of a customer who starts at time 0.

        Parameters
        ----------
        t : float or array-like
            Time since the first purchase, in the model's period unit.

        Returns
        -------
        numpy.ndarray
        """
        self._check_fitted()
        r, alpha, a, b = self.params_.to_numpy()
        t = np.asarray(t, dtype=float)
        hyp = special.hyp2f1(r, b, a + b - 1, t / (alpha + t))
        return (a + b - 1) / (a - 1) * (1 - (alpha / (alpha + t)) ** r * hyp)

    def probability_alive(self, frequency, recency, T) -> np.ndarray:  # noqa: N803
        """P(alive at T | x, t_x, T); 1 for customers without a repeat purchase (x = 0).

        Parameters
        ----------
        frequency, recency, T : array-like

        Returns
        -------
        numpy.ndarray
        """
        self._check_fitted()
        r, alpha, a, b = self.params_.to_numpy()
        x, tx, t_obs = (np.asarray(v, dtype=float) for v in (frequency, recency, T))
        with np.errstate(divide="ignore", invalid="ignore"):
            log_ratio = (
                np.log(a)
                - np.log(b + x - 1)
                + (r + x) * (np.log(alpha + t_obs) - np.log(alpha + tx))
            )
        return np.where(x > 0, 1.0 / (1.0 + np.exp(np.where(x > 0, log_ratio, 0.0))), 1.0)

    def conditional_expected_purchases(self, t, frequency, recency, T) -> np.ndarray:  # noqa: N803
        """E[Y(t) | x, t_x, T]: expected purchases in (T, T + t] of a customer with that history.

        Parameters
        ----------
        t : float
            Length of the future window, in the model's period unit.
        frequency, recency, T : array-like

        Returns
        -------
        numpy.ndarray
        """
        self._check_fitted()
        r, alpha, a, b = self.params_.to_numpy()
        x, tx, t_obs = (np.asarray(v, dtype=float) for v in (frequency, recency, T))
        t = np.asarray(t, dtype=float)
        hyp = special.hyp2f1(r + x, b + x, a + b + x - 1, t / (alpha + t_obs + t))
        first = (a + b + x - 1) / (a - 1)
        second = 1 - ((alpha + t_obs) / (alpha + t_obs + t)) ** (r + x) * hyp
        return first * second * self.probability_alive(x, tx, t_obs)

    def probability_of_purchases(self, t, n: int) -> np.ndarray:
        """P(X(t) = n): probability of exactly ``n`` purchases in (0, t] (FHL 2005, eq. 8).

        Parameters
        ----------
        t : float or array-like
            Length of the window (e.g. each customer's T).
        n : int
            Number of purchases.

        Returns
        -------
        numpy.ndarray
        """
        self._check_fitted()
        r, alpha, a, b = self.params_.to_numpy()
        t = np.asarray(t, dtype=float)
        log_q = np.log(t / (alpha + t))
        log_p0 = r * np.log(alpha / (alpha + t))
        first = np.exp(
            special.betaln(a, b + n)
            - special.betaln(a, b)
            + special.gammaln(r + n)
            - special.gammaln(r)
            - special.gammaln(n + 1)
            + log_p0
            + n * np.where(t > 0, log_q, 0.0)
        )
        if n > 0 and t.size:
            j = np.arange(n)
            terms = np.exp(
                special.gammaln(r + j)
                - special.gammaln(r)
                - special.gammaln(j + 1)
                + np.multiply.outer(np.where(t > 0, log_q, -np.inf), j)
            )
            if t.ndim == 0:
                terms = terms.reshape(1, -1)
            partial = terms.sum(axis=-1).reshape(t.shape)
            dead = np.exp(special.betaln(a + 1, b + n - 1) - special.betaln(a, b))
            first = first + dead * (1 - np.exp(log_p0) * partial)
        return first


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


class GammaGamma(_Fitter):
    """Gamma-Gamma model of average spend per purchase (Fader, Hardie & Lee 2005b).

    Each purchase's spend is gamma(p, nu) around a customer's mean p / nu; nu is gamma(q,
    gamma) across customers. It is fitted on customers with at least one repeat purchase
    (frequency > 0) and their average repeat spend.

    Parameters
    ----------
    initial_params : sequence of 3 floats, optional
        Starting values of (p, q, gamma); default all 1.
    max_iter : int, default 5000

    Attributes
    ----------
    params_ : pandas.Series
        ``p``, ``q``, ``gamma``.
    log_likelihood_, standard_errors_, summary_
        As in :class:`BetaGeoModel`.
    n_customers_ : float
        Repeat buyers the model was fitted on.
    """

    PARAMS = ("p", "q", "gamma")

    @staticmethod
    def _loglik(params, x, m):
        p, q, g = params
        px = p * x
        return (
            special.gammaln(px + q)
            - special.gammaln(px)
            - special.gammaln(q)
            + q * np.log(g)
            + (px - 1) * np.log(m)
            + px * np.log(x)
            - (px + q) * np.log(g + x * m)
        )

    @staticmethod
    def _repeat_buyers(
        summary: pd.DataFrame, frequency_col: str, monetary_col: str
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        x, m = _arrays(summary, [frequency_col, monetary_col])
        keep = x > 0
        if not keep.any():
            raise ValueError(
                f"summary: no customer with {frequency_col!r} > 0; the spend model needs "
                "repeat buyers"
            )
        bad = keep & ~(m > 0)
        if bad.any():
            row = summary.loc[bad].iloc[0]
            raise ValueError(
                f"summary: column {monetary_col!r} must be > 0 for repeat buyers; "
                f"{int(bad.sum())} are not, e.g. row {row.name!r}: {row.to_dict()}"
            )
        return x, m, keep

    def fit(
        self,
        summary: pd.DataFrame,
        *,
        frequency_col: str = FREQUENCY,
        monetary_col: str = MONETARY,
    ) -> GammaGamma:
        """Fit on the repeat buyers of ``summary`` (customers with frequency 0 are skipped).

        Parameters
        ----------
        summary : pandas.DataFrame
            frequency and average repeat spend per customer.
        frequency_col, monetary_col : str
            Column names.

        Returns
        -------
        self
        """
        x, m, keep = self._repeat_buyers(summary, frequency_col, monetary_col)
        self._minimise(np.column_stack([x[keep], m[keep]]), np.ones(int(keep.sum())))
        return self

    def independence(
        self,
        summary: pd.DataFrame,
        *,
        frequency_col: str = FREQUENCY,
        monetary_col: str = MONETARY,
    ) -> pd.Series:
        """Check the assumption that spend does not depend on frequency, on the repeat buyers.

        Works unfitted too. A correlation near 0 (|rho| below about 0.3) supports it.

        Parameters
        ----------
        summary : pandas.DataFrame
        frequency_col, monetary_col : str

        Returns
        -------
        pandas.Series
            ``pearson`` and ``spearman`` correlation of frequency and average spend, and
            ``n`` repeat buyers.
        """
        x, m, keep = self._repeat_buyers(summary, frequency_col, monetary_col)
        frame = pd.DataFrame({"x": x[keep], "m": m[keep]})
        return pd.Series(
            {
                "pearson": frame["x"].corr(frame["m"]),
                "spearman": frame["x"].corr(frame["m"], method="spearman"),
                "n": float(len(frame)),
            },
            name="frequency vs spend",
        )

    def population_mean(self) -> float:
        """Mean spend per purchase across customers: p gamma / (q - 1) (q > 1)."""
        self._check_fitted()
        p, q, g = self.params_.to_numpy()
        return p * g / (q - 1) if q > 1 else math.inf

    def conditional_expected_spend(self, frequency, monetary_value) -> np.ndarray:
        """E[M | x, m]: expected spend per purchase of each customer.

        A weighted mean of the population mean and the customer's own average,
        (q - 1) / (p x + q - 1) and p x / (p x + q - 1); a customer with x = 0 gets the
        population mean.

        Parameters
        ----------
        frequency, monetary_value : array-like

        Returns
        -------
        numpy.ndarray
        """
        self._check_fitted()
        p, q, g = self.params_.to_numpy()
        x = np.asarray(frequency, dtype=float)
        m = np.where(x > 0, np.asarray(monetary_value, dtype=float), 0.0)
        return p * (g + x * m) / (p * x + q - 1)

    def predict(
        self,
        summary: pd.DataFrame,
        *,
        frequency_col: str = FREQUENCY,
        monetary_col: str = MONETARY,
    ) -> pd.Series:
        """Predict the expected spend per purchase of each customer of ``summary``.

        Parameters
        ----------
        summary : pandas.DataFrame
        frequency_col, monetary_col : str

        Returns
        -------
        pandas.Series
            ``expected_spend`` indexed like ``summary``.
        """
        x, m = _arrays(summary, [frequency_col, monetary_col])
        values = self.conditional_expected_spend(x, m)
        return pd.Series(values, index=summary.index, name="expected_spend")


# --- CLV and descriptive tables -----------------------------------------------------------------


def customer_lifetime_value(
    purchase_model: _PurchaseModel,
    spend_model: GammaGamma,
    summary: pd.DataFrame,
    *,
    horizon: float,
    discount_rate: float,
    margin_rate: float = 1.0,
    period: str | None = None,
    step: float | None = None,
) -> pd.Series:
    """CLV of each customer over a horizon: discounted expected margin from the two models.

    Discrete-time approximation: the horizon (in the model's period unit) is cut into steps
    of ``step`` periods (default about one month: 4.35 weeks or 30.4 days). The purchases
    expected in step k, E[Y(t_k)] - E[Y(t_{k-1})] from the purchase model, are valued at the
    spend model's expected spend per purchase times ``margin_rate``, and discounted to today
    as if paid at the end of the step: by (1 + discount_rate) ** (t_k / periods per year),
    with 365.25 / 7 weeks or 365.25 days a year. The last step ends at the horizon.

    Parameters
    ----------
    purchase_model : BetaGeoModel or ParetoNBDModel
        Fitted, on summary data in the same period unit.
    spend_model : GammaGamma
        Fitted.
    summary : pandas.DataFrame
        frequency, recency, T and monetary_value per customer.
    horizon : float
        Length of the future, in periods (e.g. 52 weeks).
    discount_rate : float
        Annual discount rate, >= 0 (e.g. 0.1).
    margin_rate : float, default 1.0
        Share of spend that is margin, in (0, 1]; 1 gives revenue.
    period : {"W", "D"}, optional
        The period unit; default ``summary.attrs["period"]``.
    step : float, optional
        Length of a discounting step in periods.

    Returns
    -------
    pandas.Series
        ``clv`` indexed like ``summary``.
    """
    period = period or summary.attrs.get("period")
    if period is None:
        raise ValueError("period is unknown: pass period='W' or 'D' (summary.attrs has none)")
    unit = period_days(period)
    check_numbers("horizon", horizon, "> 0 (periods)", lambda a: a > 0)
    check_numbers("discount_rate", discount_rate, ">= 0 (a year)", lambda a: a >= 0)
    check_share("margin_rate", margin_rate, "margin share of spend")
    per_year = 365.25 / unit
    step = per_year / 12 if step is None else step
    check_numbers("step", step, "> 0 (periods)", lambda a: a > 0)
    x, tx, t_obs = _arrays(summary, [FREQUENCY, RECENCY, T])
    ends = np.minimum(np.arange(1, math.ceil(horizon / step - 1e-9) + 1) * step, horizon)
    cumulative = np.column_stack(
        [purchase_model.conditional_expected_purchases(t, x, tx, t_obs) for t in ends]
    )
    per_step = np.diff(np.column_stack([np.zeros(len(x)), cumulative]), axis=1)
    factors = (1 + discount_rate) ** -(ends / per_year)
    spend = spend_model.predict(summary).to_numpy()
    return pd.Series(per_step @ factors * spend * margin_rate, index=summary.index, name="clv")


def expected_repeat_counts(
    model: BetaGeoModel, summary: pd.DataFrame, max_frequency: int = 7
) -> pd.DataFrame:
    """Observed and expected numbers of customers with 0, 1, ..., ``max_frequency``+ repeats.

    The expected count of x is the sum over customers of P(X(T_i) = x) with each customer's
    own T_i; the last class collects ``max_frequency`` and more.

    Parameters
    ----------
    model : BetaGeoModel
        Fitted (it needs ``probability_of_purchases``).
    summary : pandas.DataFrame
        The calibration summary the model was fitted on.
    max_frequency : int, default 7

    Returns
    -------
    pandas.DataFrame
        Index ``0, 1, ..., "7+"``; columns ``observed``, ``expected``.
    """
    x, t_obs = _arrays(summary, [FREQUENCY, T])
    expected = [model.probability_of_purchases(t_obs, n).sum() for n in range(max_frequency)]
    expected.append(len(x) - sum(expected))
    observed = [(x == n).sum() for n in range(max_frequency)] + [(x >= max_frequency).sum()]
    labels = [str(n) for n in range(max_frequency)] + [f"{max_frequency}+"]
    return pd.DataFrame(
        {"observed": np.asarray(observed, dtype=float), "expected": expected},
        index=pd.Index(labels, name="repeat purchases"),
    )


def probability_alive_matrix(
    model: _PurchaseModel,
    max_frequency: int | None = None,
    T: float | None = None,  # noqa: N803
) -> pd.DataFrame:
    """P(alive) over frequency x recency for customers observed for the same ``T``.

    Parameters
    ----------
    model : BetaGeoModel or ParetoNBDModel
        Fitted.
    max_frequency : int, optional
        Largest frequency shown; default 20.
    T : float, optional
        Length of observation, in periods; default 52.

    Returns
    -------
    pandas.DataFrame
        Rows: frequency 0..max_frequency; columns: recency 0..floor(T) (whole periods).
    """
    max_frequency = 20 if max_frequency is None else int(max_frequency)
    T = 52.0 if T is None else float(T)  # noqa: N806
    frequency = np.arange(max_frequency + 1, dtype=float)
    recency = np.arange(math.floor(T) + 1, dtype=float)
    xx, rr = np.meshgrid(frequency, recency, indexing="ij")
    rr = np.where(xx == 0, 0.0, rr)
    values = model.probability_alive(xx, rr, np.full_like(xx, T))
    values = np.where((xx == 0) & (np.arange(len(recency)) > 0), np.nan, values)
    return pd.DataFrame(
        values,
        index=pd.Index(frequency.astype(int), name="frequency"),
        columns=pd.Index(recency.astype(int), name="recency"),
    )


def probability_alive_history(
    model: _PurchaseModel,
    purchase_dates: Sequence | pd.Series,
    end: str | pd.Timestamp,
    *,
    period: str = "W",
) -> pd.Series:
    """One customer's P(alive) day by day, from the first purchase to ``end``.

    Parameters
    ----------
    model : BetaGeoModel or ParetoNBDModel
        Fitted, in the period unit ``period``.
    purchase_dates : sequence of dates
        The customer's purchase dates (same-day purchases count once).
    end : str or pandas.Timestamp
        Last day, inclusive.
    period : {"W", "D"}, default "W"

    Returns
    -------
    pandas.Series
        ``p_alive`` indexed by day; on a purchase day the purchase is already counted.
    """
    unit = period_days(period)
    days = pd.DatetimeIndex([pd.Timestamp(day) for day in purchase_dates]).normalize().unique()
    days = days.sort_values()
    if days.empty:
        raise ValueError("purchase_dates: the customer needs at least one purchase")
    end = pd.Timestamp(end).normalize()
    first = days[0]
    grid = pd.date_range(first, end, freq="D")
    # number of purchase days up to and including each day, and the last of them
    count = days.searchsorted(grid, side="right")
    last = days[count - 1]
    x = (count - 1).astype(float)
    tx = (last - first).days.to_numpy() / unit
    t_obs = (grid - first).days.to_numpy() / unit
    return pd.Series(model.probability_alive(x, tx, t_obs), index=grid, name="p_alive")


def calibration_holdout_table(
    summary: pd.DataFrame,
    predicted: pd.Series,
    actual_col: str = "holdout_purchases",
    max_frequency: int = 7,
) -> pd.DataFrame:
    """Mean actual and predicted holdout purchases per calibration frequency (last class: +).

    Parameters
    ----------
    summary : pandas.DataFrame
        :func:`helpers.clv_data.calibration_holdout`'s table.
    predicted : pandas.Series
        Conditional expected holdout purchases, indexed like ``summary``.
    actual_col : str, default "holdout_purchases"
        The actual holdout purchases.
    max_frequency : int, default 7

    Returns
    -------
    pandas.DataFrame
        Index ``0, 1, ..., "7+"``; columns ``customers``, ``actual``, ``predicted`` (means).
    """
    (x,) = _arrays(summary, [FREQUENCY])
    require_columns(summary, [actual_col], "summary")
    labels = [str(n) for n in range(max_frequency)] + [f"{max_frequency}+"]
    group = pd.Series(np.minimum(x, max_frequency).astype(int), index=summary.index)
    table = pd.DataFrame(
        {"customers": 1, "actual": summary[actual_col], "predicted": predicted}
    ).groupby(group.map(dict(enumerate(labels))), sort=False)
    out = table.agg({"customers": "sum", "actual": "mean", "predicted": "mean"})
    out = out.reindex([label for label in labels if label in out.index])
    out.index.name = "repeat purchases"
    return out


def top_share_captured(score: pd.Series, actual: pd.Series, share: float = 0.1) -> float:
    """Share of the total ``actual`` value held by the top ``share`` of customers by ``score``.

    Ties in ``score`` are broken by the customer order (stable sort), so a score with many
    ties (e.g. zero for most customers) gets no credit for luck.

    Parameters
    ----------
    score : pandas.Series
        The predictor, higher = more valuable.
    actual : pandas.Series
        What customers then did (e.g. future spend), indexed like ``score``.
    share : float, default 0.1
        The top share of customers, in (0, 1].

    Returns
    -------
    float
    """
    check_share("share", share, "of customers")
    frame = pd.DataFrame({"score": score, "actual": actual}).dropna()
    n_top = max(1, round(share * len(frame)))
    top = frame.sort_values("score", ascending=False, kind="stable").head(n_top)
    total = frame["actual"].sum()
    return float(top["actual"].sum() / total) if total else math.nan


def compare_predictors(scores: pd.DataFrame, actual: pd.Series, share: float = 0.1) -> pd.DataFrame:
    """How well each column of ``scores`` predicts ``actual``: rank correlation and top capture.

    Parameters
    ----------
    scores : pandas.DataFrame
        One column per predictor, indexed by customer.
    actual : pandas.Series
        Actual future value per customer; customers missing from it count as 0.
    share : float, default 0.1
        The top share for the capture.

    Returns
    -------
    pandas.DataFrame
        One row per predictor: ``spearman`` (rank correlation with ``actual``) and
        ``top_capture`` (share of the actual value held by the predictor's top ``share``).
    """
    actual = actual.reindex(scores.index, fill_value=0.0)
    rows = {
        name: {
            "spearman": scores[name].corr(actual, method="spearman"),
            "top_capture": top_share_captured(scores[name], actual, share),
        }
        for name in scores.columns
    }
    return pd.DataFrame(rows).T

"""Probabilistic CLV models: BG/NBD and Pareto/NBD (purchases), Gamma-Gamma (spend).

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
``log_likelihood_``, ``standard_errors_`` from the inverse Hessian, and ``summary_`` with
95% confidence intervals, Wald intervals on the log scale, exp(log theta +- 1.96 se / theta),
which stay positive like the parameters). Fitting groups identical (frequency, recency, T) rows and
weighs each by its count, so a large customer base costs little more than its distinct rows.

BG/NBD and Gamma-Gamma are fitted with the exact gradient of their log-likelihood (BFGS on
log-parameters, value and gradient in one vectorized pass); Pareto/NBD, whose likelihood has a
hypergeometric function of its parameters, with finite differences.

The CLV over a horizon and the tables built from fitted models (expected repeat counts,
calibration vs holdout, P(alive)) are in :mod:`helpers.clv_tables`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import optimize, special

from helpers.checks import check_numbers, require_columns
from helpers.clv_data import FREQUENCY, MONETARY, RECENCY, T

__all__ = ["BetaGeoModel", "GammaGamma", "ParetoNBDModel"]

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


def _hyp2f1(a, b, c, z) -> np.ndarray:
    """Gauss's hypergeometric function 2F1(a, b; c; z), elementwise, for |z| < 1.

    SciPy's ``hyp2f1``; where it gives no finite value and |z| < 1/2, the power series
    sum_k (a)_k (b)_k / ((c)_k k!) z^k, summed term by term. SciPy fails when the parameters
    run into the millions, as a BG/NBD fit at the edge of its range has them (no spread in
    purchase rates: r and alpha grow without bound at a fixed ratio; no dropout: a tends to
    0, b to infinity); z = t / (alpha + T + t) is then tiny and the series converges in a few
    dozen terms (past their peak, the terms shrink at least as fast as z^k). Elements where
    the series overflows stay NaN.
    """
    args = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (a, b, c, z)))
    shape = args[0].shape
    a, b, c, z = (v.ravel() for v in args)
    with np.errstate(all="ignore"):
        out = np.array(special.hyp2f1(a, b, c, z), dtype=float)
    bad = ~np.isfinite(out) & (np.abs(z) < 0.5)
    if bad.any():
        a, b, c, z = a[bad], b[bad], c[bad], z[bad]
        total, term = np.ones_like(z), np.ones_like(z)
        done = np.zeros(z.shape, dtype=bool)
        with np.errstate(all="ignore"):
            for k in range(100_000):
                ratio = (a + k) * (b + k) / ((c + k) * (k + 1)) * z
                term = np.where(done, 0.0, term * ratio)
                total += term
                done |= (np.abs(term) <= 1e-17 * np.abs(total)) & (np.abs(ratio) < 1)
                done |= ~np.isfinite(total)
                if done.all():
                    break
        out[bad] = np.where(done & np.isfinite(total), total, np.nan)
    return out.reshape(shape)


def _around_one(f, a: float, h: float = 1e-5) -> np.ndarray:
    """``f(a)`` for a BG/NBD expectation with the factor (a + b + x - 1) / (a - 1).

    At a = 1 that factor is infinite and the bracket it multiplies is 0: the expectation is
    finite (the singularity is removable) but the formula gives NaN, and near 1 it loses
    digits. Within ``h`` of 1, ``f`` is interpolated linearly between 1 - h and 1 + h (the
    error is of order h squared). A fit leaves a at exactly 1, its starting value, when the
    data say nothing about dropout (every repeat buyer's last purchase on the last day).
    """
    if abs(a - 1) >= h:
        return f(a)
    low, high = f(1 - h), f(1 + h)
    return low + (a - (1 - h)) / (2 * h) * (high - low)


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

    Quasi-Newton searches on numerical gradients stop where the gradient is small, which
    leaves weakly determined parameters (a flat likelihood) a little short of the maximum;
    Newton steps finish the job. Models with an analytic gradient do not need it.
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


def _jacobian_hessian(gradient, x: np.ndarray) -> np.ndarray:
    """Hessian as the central-difference Jacobian of an exact ``gradient``, symmetrised."""
    n = len(x)
    h = 1e-5 * np.maximum(np.abs(x), 1e-2)
    hess = np.empty((n, n))
    for i in range(n):
        step = np.zeros(n)
        step[i] = h[i]
        hess[:, i] = (gradient(x + step) - gradient(x - step)) / (2 * h[i])
    return (hess + hess.T) / 2


class _Fitter:
    """Maximum likelihood on log-parameters, grouped rows, standard errors from the Hessian.

    Subclasses give ``_loglik(params, *cols)``, the log-likelihood of each row, and may
    override ``_objective``: the weighted total and its exact gradient, in sums. With the
    gradient the search is BFGS with ``jac=True`` to a tight tolerance, and the Hessian for
    the standard errors is a central difference of the gradient; without it, BFGS on finite
    differences, Newton steps to finish and a four-point Hessian of the log-likelihood.
    """

    PARAMS: tuple[str, ...] = ()

    def __init__(self, *, initial_params: Sequence[float] | None = None, max_iter: int = 5000):
        self.initial_params = initial_params
        self.max_iter = max_iter

    def _objective(self, cols: tuple[np.ndarray, ...], counts: np.ndarray):
        """Return the weighted total log-likelihood and its exact gradient as a function.

        The function maps the natural ``params`` to ``(total, gradient)``, summed over the
        rows weighted by ``counts``. None here: a model without an exact gradient.
        """
        return None

    def _minimise(self, data: np.ndarray, weights: np.ndarray) -> None:
        # group identical rows (a lexicographic sort; faster than np.unique(axis=0))
        order = np.lexsort(data.T[::-1])
        ordered = data[order]
        new = np.ones(len(ordered), dtype=bool)
        new[1:] = np.any(ordered[1:] != ordered[:-1], axis=1)
        inverse = np.empty(len(ordered), dtype=int)
        inverse[order] = np.cumsum(new) - 1
        unique = ordered[new]
        counts = np.bincount(inverse, weights=weights, minlength=len(unique))
        cols = tuple(np.ascontiguousarray(column) for column in unique.T)

        scale = max(float(counts.sum()), 1.0)

        def negll(log_params: np.ndarray) -> float:
            with np.errstate(all="ignore"):
                ll = self._loglik(np.exp(log_params), *cols)
            total = float(counts @ ll) / scale  # per customer: gtol does not depend on n
            return -total if np.isfinite(total) else 1e300

        def negll_grad(log_params: np.ndarray) -> tuple[float, np.ndarray]:
            params = np.exp(log_params)
            with np.errstate(all="ignore"):
                total, grad = objective(params)
            total /= scale
            slope = -grad * params / scale  # chain rule: d/dlog p = p d/dp
            if not (np.isfinite(total) and np.all(np.isfinite(slope))):
                return 1e300, np.zeros_like(log_params)
            return -total, slope

        start = np.log(
            np.asarray(self.initial_params, dtype=float)
            if self.initial_params is not None
            else np.ones(len(self.PARAMS))
        )
        objective = self._objective(cols, counts)
        analytic = objective is not None
        if analytic:
            # exact gradient: a per-customer gradient below 1e-7 leaves the CDNOW and synthetic
            # estimates unchanged to 5 decimals (1e-9 took twice the evaluations for nothing)
            # and makes Newton steps unnecessary
            best = optimize.minimize(
                negll_grad,
                start,
                jac=True,
                method="BFGS",
                options={"gtol": 1e-7},
            )
        else:
            # BFGS on log-parameters (fast); Nelder-Mead from there only if BFGS failed
            best = optimize.minimize(negll, start, method="BFGS", options={"gtol": 1e-6})
        converged = bool(best.success)
        if analytic and not converged:
            # BFGS stops on "precision loss" when the line search cannot improve in floating
            # point: at a maximum if the exact gradient (per customer) is zero to 1e-6
            converged = bool(np.all(np.isfinite(best.jac)) and np.abs(best.jac).max() < 1e-6)
        if not converged:
            polish = optimize.minimize(
                negll,
                best.x,
                method="Nelder-Mead",
                options={"maxiter": self.max_iter, "xatol": 1e-8, "fatol": 1e-10, "adaptive": True},
            )
            converged = bool(polish.success)
            best = polish if polish.fun <= best.fun else best
        if analytic:
            log_params, lowest = best.x, float(best.fun)
        else:
            log_params, lowest = _newton_polish(negll, best.x, best.fun)
        params = np.exp(log_params)
        self.converged_ = converged
        self.params_ = pd.Series(params, index=list(self.PARAMS), name="estimate")
        self.log_likelihood_ = -float(lowest) * scale
        self.n_customers_ = float(weights.sum())
        self.n_distinct_rows_ = len(unique)

        if analytic:

            def gradient_natural(p: np.ndarray) -> np.ndarray:
                with np.errstate(all="ignore"):
                    return -objective(p)[1]

            hessian = _jacobian_hessian(gradient_natural, params)
        else:

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
        Iterations of the BFGS search, and of the Nelder-Mead search that follows it when
        BFGS does not converge.

    Attributes
    ----------
    params_ : pandas.Series
        ``r``, ``alpha`` (purchase rates: gamma shape and rate, in the summary's period unit),
        ``a``, ``b`` (dropout probability: beta).
    log_likelihood_ : float
        Maximised log-likelihood.
    standard_errors_ : pandas.Series
        From the inverse of the Hessian of the negative log-likelihood (a central difference
        of its exact gradient).
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

    def _objective(self, cols: tuple[np.ndarray, ...], counts: np.ndarray):
        """Total log-likelihood and its exact gradient in (r, alpha, a, b), from sums.

        With L = C (A + D) (C the common factor, A alive, D dead), d log L = d log C +
        w_A d log A + w_D d log D, w_A = A / (A + D); d betaln(u, v)/du = psi(u) - psi(u+v).
        The special functions depend on a row only through x, a whole number: they are
        evaluated once per value of x, and the row weights are summed per value.
        """
        x, tx, t_obs = cols
        values, index = np.unique(x, return_inverse=True)
        per_value = np.bincount(index, weights=counts)
        repeat = x > 0
        weighted_x = counts * x
        n = float(counts.sum())
        psi = special.digamma

        def total(params: np.ndarray) -> tuple[float, np.ndarray]:
            r, alpha, a, b = params
            log_t, log_tx = np.log(alpha + t_obs), np.log(alpha + tx)
            beta_ab = special.betaln(a, b)
            log_alive = (special.betaln(a, b + values) - beta_ab)[index]
            log_dead = special.betaln(a + 1, np.maximum(b + values - 1, 1e-12)) - beta_ab
            alive = log_alive - (r + x) * log_t
            dead = np.where(repeat, log_dead[index] - (r + x) * log_tx, -np.inf)
            mixed = np.logaddexp(alive, dead)
            w_alive = np.exp(alive - mixed)
            w_dead = 1.0 - w_alive
            value = (
                per_value @ (special.gammaln(r + values) - special.gammaln(r))
                + n * r * np.log(alpha)
                + counts @ mixed
            )
            cw_alive, cw_dead = counts * w_alive, counts * w_dead
            psi_ab_abx = per_value @ (psi(a + b) - psi(a + b + values))
            d_r = (
                per_value @ (psi(r + values) - psi(r))
                + n * np.log(alpha)
                - cw_alive @ log_t
                - cw_dead @ log_tx
            )
            r_x = r * counts + weighted_x  # counts (r + x)
            d_alpha = n * r / alpha - r_x @ (w_alive / (alpha + t_obs) + w_dead / (alpha + tx))
            d_a = psi_ab_abx + cw_dead.sum() * (psi(a + 1) - psi(a))
            d_b = (
                psi_ab_abx
                + np.bincount(index, weights=cw_alive, minlength=len(values))
                @ (psi(b + values) - psi(b))
                + np.bincount(index, weights=cw_dead, minlength=len(values))
                @ (psi(np.where(values > 0, b + values - 1, b)) - psi(b))
            )
            return float(value), np.array([d_r, d_alpha, d_a, d_b])

        return total

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

        def value(a: float) -> np.ndarray:
            hyp = _hyp2f1(r, b, a + b - 1, t / (alpha + t))
            return (a + b - 1) / (a - 1) * (1 - (alpha / (alpha + t)) ** r * hyp)

        return _around_one(value, a)

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

        def value(a: float) -> np.ndarray:
            hyp = _hyp2f1(r + x, b + x, a + b + x - 1, t / (alpha + t_obs + t))
            first = (a + b + x - 1) / (a - 1)
            second = 1 - ((alpha + t_obs) / (alpha + t_obs + t)) ** (r + x) * hyp
            return first * second

        return _around_one(value, a) * self.probability_alive(x, tx, t_obs)

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

    def _objective(self, cols: tuple[np.ndarray, ...], counts: np.ndarray):
        """Total log-likelihood and its exact gradient in (p, q, gamma), from sums.

        The gamma and digamma terms depend on a row only through x, a whole number >= 1:
        they are evaluated once per value of x and weighted by its count. The terms in log m
        do not depend on the parameters and are summed once. What is left per row and
        evaluation is one logarithm and one division, of gamma + x m.
        """
        x, m = cols
        values, index = np.unique(x, return_inverse=True)
        per_value = np.bincount(index, weights=counts)
        count_x = counts * x
        xm, log_values = x * m, np.log(values)
        sum_log_m, sum_x_log_m = counts @ np.log(m), count_x @ np.log(m)
        n = float(counts.sum())

        def total(params: np.ndarray) -> tuple[float, np.ndarray]:
            p, q, g = params
            pn = p * values
            psi_pnq = special.digamma(pn + q)
            log_gxm, inv_gxm = np.log(g + xm), 1.0 / (g + xm)
            w_log, wx_log = counts @ log_gxm, count_x @ log_gxm
            value = (
                per_value @ (special.gammaln(pn + q) - special.gammaln(pn) + pn * log_values)
                + n * (q * np.log(g) - special.gammaln(q))
                + p * sum_x_log_m
                - sum_log_m
                - p * wx_log
                - q * w_log
            )
            d_p = per_value @ (values * (psi_pnq - special.digamma(pn) + log_values))
            d_q = per_value @ psi_pnq - n * special.digamma(q) + n * np.log(g) - w_log
            d_g = n * q / g - p * (count_x @ inv_gxm) - q * (counts @ inv_gxm)
            return float(value), np.array([d_p + sum_x_log_m - wx_log, d_q, d_g])

        return total

    @staticmethod
    def _repeat_buyers(
        summary: pd.DataFrame, frequency_col: str, monetary_col: str
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        x, m = _arrays(summary, [frequency_col, monetary_col])
        check_numbers(
            f"summary column {frequency_col!r}", x, "a whole number >= 0", lambda a: a % 1 == 0
        )
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

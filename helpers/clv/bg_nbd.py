"""BG/NBD purchase model (Fader, Hardie & Lee 2005): dropout only right after a purchase."""

from __future__ import annotations

import numpy as np
from scipy import special

from helpers.clv.fitting import (
    PurchaseModel,
    around_one,
    hyp2f1,
)

__all__ = ["BetaGeoModel"]


class BetaGeoModel(PurchaseModel):
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

    References
    ----------
    Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). "Counting Your Customers" the Easy
    Way: An Alternative to the Pareto/NBD Model. *Marketing Science* 24(2), 275-284: the
    likelihood in the Notes (``_loglik``, in log space), E[X(t)] (:meth:`expected_purchases`,
    with Gauss's hypergeometric function), P(alive) (:meth:`probability_alive`) and
    E[Y(t) | x, t_x, T] (:meth:`conditional_expected_purchases`).

    Examples
    --------
    Fit on a shop drawn from the model's own story (2,000 customers observed 52 weeks):

    >>> from helpers.clv import BetaGeoModel, simulate_bg_nbd
    >>> shop = simulate_bg_nbd(2000, r=0.25, alpha=4.0, a=0.8, b=2.5, T=52.0, seed=1)
    >>> model = BetaGeoModel().fit(shop)
    >>> model.params_.round(2).to_dict()
    {'r': 0.23, 'alpha': 3.65, 'a': 0.87, 'b': 2.52}
    >>> model.predict(shop.head(3), t=10).round(2).tolist()
    [0.11, 3.87, 0.04]
    >>> model.probability_alive(shop["frequency"], shop["recency"], shop["T"])[:3].round(2)
    array([0.52, 0.95, 1.  ])

    ``print_summary()`` shows the customers, the period unit, the log-likelihood, AIC, BIC,
    whether the search converged and the parameters with their 95% intervals.
    """

    PARAMS = ("r", "alpha", "a", "b")
    SCALES = ("alpha",)

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
            hyp = hyp2f1(r, b, a + b - 1, t / (alpha + t))
            return (a + b - 1) / (a - 1) * (1 - (alpha / (alpha + t)) ** r * hyp)

        return around_one(value, a)

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
            hyp = hyp2f1(r + x, b + x, a + b + x - 1, t / (alpha + t_obs + t))
            first = (a + b + x - 1) / (a - 1)
            second = 1 - ((alpha + t_obs) / (alpha + t_obs + t)) ** (r + x) * hyp
            return first * second

        return around_one(value, a) * self.probability_alive(x, tx, t_obs)

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
        # In a window of length 0 nobody buys: P(X(0) = n) is 1 for n = 0, else 0. The formula
        # is evaluated at t = 1 there (a placeholder: log q would be -inf, and -inf x 0 nan).
        window = np.where(t > 0, t, 1.0)
        log_q = np.log(window / (alpha + window))
        log_p0 = r * np.log(alpha / (alpha + window))
        first = np.exp(
            special.betaln(a, b + n)
            - special.betaln(a, b)
            + special.gammaln(r + n)
            - special.gammaln(r)
            - special.gammaln(n + 1)
            + log_p0
            + n * log_q
        )
        if n > 0 and t.size:
            j = np.arange(n)
            terms = np.exp(
                special.gammaln(r + j)
                - special.gammaln(r)
                - special.gammaln(j + 1)
                + np.multiply.outer(log_q, j)
            )
            if t.ndim == 0:
                terms = terms.reshape(1, -1)
            partial = terms.sum(axis=-1).reshape(t.shape)
            dead = np.exp(special.betaln(a + 1, b + n - 1) - special.betaln(a, b))
            first = first + dead * (1 - np.exp(log_p0) * partial)
        return np.where(t > 0, first, np.where(t == 0, float(n == 0), np.nan))

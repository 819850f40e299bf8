"""Modified BG/NBD purchase model (Batislam, Denizel & Filiztekin 2007).

BG/NBD lets a customer drop out only right after a *repeat* purchase, so every customer
without one has P(alive) = 1 however long ago they bought: on a shop with many one-time
buyers the model keeps them all alive and values them as the average repeat buyer. The
modified model lets the customer drop out right after *any* purchase, the first included;
otherwise it is BG/NBD: purchase rates gamma(``r``, ``alpha``) across customers, dropout
probabilities beta(``a``, ``b``).
"""

from __future__ import annotations

import numpy as np
from scipy import special

from helpers.clv.fitting import PurchaseModel, hyp2f1

__all__ = ["ModifiedBetaGeoModel"]


class ModifiedBetaGeoModel(PurchaseModel):
    """Modified BG/NBD purchase model (Batislam et al. 2007), fitted by maximum likelihood.

    Parameters
    ----------
    initial_params : sequence of 4 floats, optional
        Starting values of (r, alpha, a, b); default all 1.
    max_iter : int, default 5000
        Iterations of the search.

    Attributes
    ----------
    params_ : pandas.Series
        ``r``, ``alpha`` (purchase rates: gamma shape and rate, in the summary's period unit),
        ``a``, ``b`` (dropout probability after each purchase: beta).
    log_likelihood_ : float
        Maximised log-likelihood.
    standard_errors_ : pandas.Series
        From the inverse of the Hessian of the negative log-likelihood.
    summary_ : pandas.DataFrame
        Estimate, standard error and 95% interval per parameter (Wald on the log scale).

    Notes
    -----
    For a customer with x repeat purchases, the last at t_x, observed for T:

    L = Gamma(r+x) alpha^r / Gamma(r) * B(a, b+x+1) / B(a, b)
        * [ (alpha+T)^-(r+x) + a/(b+x) (alpha+t_x)^-(r+x) ]

    The first term is "still alive at T", the second "dropped out right after the purchase
    at t_x" (for x = 0, right after the first purchase, at t_x = 0). So

    P(alive) = 1 / (1 + a/(b+x) ((alpha+T)/(alpha+t_x))^(r+x)),

    E[X(t)] = b/(a-1) [1 - (alpha/(alpha+t))^r 2F1(r, b+1; a+b; t/(alpha+t))] for a new
    customer, and for one with history (x, t_x, T) the expected purchases in the next t:

    (a+b+x)/(a-1) [1 - ((alpha+T)/(alpha+T+t))^(r+x) 2F1(r+x, b+x+1; a+b+x; t/(alpha+T+t))]
    * P(alive).

    References
    ----------
    Batislam, E. P., Denizel, M. & Filiztekin, A. (2007). Empirical validation and
    comparison of models for customer base analysis. *International Journal of Research in
    Marketing* 24(3), 201-209: the model and its likelihood (the Notes).

    Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). "Counting Your Customers" the Easy
    Way: An Alternative to the Pareto/NBD Model. *Marketing Science* 24(2), 275-284: the
    BG/NBD it modifies.

    Examples
    --------
    >>> from helpers.clv import ModifiedBetaGeoModel, simulate_bg_nbd
    >>> shop = simulate_bg_nbd(2000, r=0.25, alpha=4.0, a=0.8, b=2.5, T=52.0, seed=1)
    >>> model = ModifiedBetaGeoModel().fit(shop)
    >>> model.params_.round(2).to_dict()
    {'r': 0.4, 'alpha': 4.76, 'a': 1.16, 'b': 2.82}

    Unlike BG/NBD, a customer without a repeat purchase (the third) may have left:

    >>> model.probability_alive(shop["frequency"], shop["recency"], shop["T"])[:3].round(2)
    array([0.52, 0.94, 0.47])
    """

    PARAMS = ("r", "alpha", "a", "b")
    SCALES = ("alpha",)

    @staticmethod
    def _loglik(params, x, tx, t_obs):
        r, alpha, a, b = params
        common = (
            special.gammaln(r + x)
            - special.gammaln(r)
            + r * np.log(alpha)
            + special.betaln(a, b + x + 1)
            - special.betaln(a, b)
        )
        alive = -(r + x) * np.log(alpha + t_obs)
        dead = np.log(a) - np.log(b + x) - (r + x) * np.log(alpha + tx)
        return common + np.logaddexp(alive, dead)

    def _objective(self, cols: tuple[np.ndarray, ...], counts: np.ndarray):
        """Return the weighted total log-likelihood and its exact gradient as a function.

        With L = C (A + D), C = Gamma(r+x) alpha^r / Gamma(r) B(a, b+x+1) / B(a, b),
        A = (alpha+T)^-(r+x) and D = a/(b+x) (alpha+t_x)^-(r+x), and w = D / (A + D):

        - d log L/dr = psi(r+x) - psi(r) + log alpha - (1-w) log(alpha+T) - w log(alpha+t_x)
        - d log L/dalpha = r/alpha - (r+x) [(1-w)/(alpha+T) + w/(alpha+t_x)]
        - d log L/da = psi(a+b) - psi(a+b+x+1) + w/a
        - d log L/db = psi(b+x+1) - psi(a+b+x+1) - psi(b) + psi(a+b) - w/(b+x)

        The special functions depend on a row only through x, a whole number: they are
        evaluated once per value of x and weighted by its count. Sums over rows use
        ``einsum`` (a BLAS dot product's threads stall when the cores are busy).
        """
        x, tx, t_obs = cols
        values, index = np.unique(x, return_inverse=True)
        per_value = np.bincount(index, weights=counts)
        n = float(counts.sum())
        psi = special.digamma

        def total(params: np.ndarray) -> tuple[float, np.ndarray]:
            r, alpha, a, b = (float(v) for v in params)
            log_t, log_tx = np.log(alpha + t_obs), np.log(alpha + tx)
            log_b_x = np.log(b + values)
            r_x = r + x
            alive = -r_x * log_t
            dead = (np.log(a) - log_b_x)[index] - r_x * log_tx
            mixed = np.logaddexp(alive, dead)
            w = np.exp(dead - mixed)  # share of the "dropped out at t_x" term
            sum_mixed, sum_log_t, sum_w_gap, sum_w, sum_inv = np.einsum(
                "kn,n->k",
                np.stack(
                    [
                        mixed,
                        log_t,
                        w * (log_tx - log_t),
                        w,
                        r_x * ((1.0 - w) / (alpha + t_obs) + w / (alpha + tx)),
                    ]
                ),
                counts,
            )
            w_per_value = np.bincount(index, weights=counts * w, minlength=len(values))
            psi_abx1 = psi(a + b + values + 1)
            value = (
                per_value
                @ (
                    special.gammaln(r + values)
                    - special.gammaln(r)
                    + special.betaln(a, b + values + 1)
                    - special.betaln(a, b)
                )
                + n * r * np.log(alpha)
                + sum_mixed
            )
            d_r = per_value @ (psi(r + values) - psi(r)) + n * np.log(alpha) - sum_log_t - sum_w_gap
            d_alpha = n * r / alpha - sum_inv
            d_a = per_value @ (psi(a + b) - psi_abx1) + sum_w / a
            d_b = per_value @ (psi(b + values + 1) - psi_abx1 - psi(b) + psi(a + b)) - (
                w_per_value @ (1.0 / (b + values))
            )
            return float(value), np.array([d_r, d_alpha, d_a, d_b])

        return total

    def expected_purchases(self, t) -> np.ndarray:
        """Return E[X(t)]: the expected purchases of a new customer in ``t`` periods.

        Parameters
        ----------
        t : float or array-like
            Length of the period, in the summary's unit.

        Returns
        -------
        numpy.ndarray
        """
        self._check_fitted()
        r, alpha, a, b = self.params_.to_numpy()
        t = np.asarray(t, dtype=float)
        z = t / (alpha + t)
        return b / (a - 1) * (1 - (alpha / (alpha + t)) ** r * hyp2f1(r, b + 1, a + b, z))

    def probability_alive(self, frequency, recency, T) -> np.ndarray:  # noqa: N803
        """Return P(alive) of each customer at the end of observation.

        Parameters
        ----------
        frequency, recency, T : array-like
            Repeat purchases, time of the last one and length of observation.

        Returns
        -------
        numpy.ndarray
        """
        self._check_fitted()
        r, alpha, a, b = self.params_.to_numpy()
        x, tx, t_obs = (np.asarray(v, dtype=float) for v in (frequency, recency, T))
        log_ratio = (r + x) * (np.log(alpha + t_obs) - np.log(alpha + tx))
        return 1.0 / (1.0 + a / (b + x) * np.exp(log_ratio))

    def conditional_expected_purchases(self, t, frequency, recency, T) -> np.ndarray:  # noqa: N803
        """Return the expected purchases in the next ``t`` periods given each history.

        Parameters
        ----------
        t : float
            Length of the future period, in the summary's unit.
        frequency, recency, T : array-like
            Repeat purchases, time of the last one and length of observation.

        Returns
        -------
        numpy.ndarray
        """
        self._check_fitted()
        r, alpha, a, b = self.params_.to_numpy()
        x, t_obs = (np.asarray(v, dtype=float) for v in (frequency, T))
        t = float(t)
        z = t / (alpha + t_obs + t)
        shrink = ((alpha + t_obs) / (alpha + t_obs + t)) ** (r + x)
        alive_part = (a + b + x) / (a - 1) * (1 - shrink * hyp2f1(r + x, b + x + 1, a + b + x, z))
        return alive_part * self.probability_alive(frequency, recency, T)

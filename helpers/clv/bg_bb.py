"""BG/BB purchase model for discrete time (Fader, Hardie & Shang 2010).

Some businesses count opportunities, not time: a charity's yearly appeal, an annual
conference, a weekly class. In each opportunity a customer still alive buys with their own
probability p (beta(``alpha``, ``beta``) across customers), and at the start of each
opportunity they may leave for good with their own probability theta (beta(``gamma``,
``delta``)). The summary per customer is ``frequency`` x (opportunities with a purchase
after the first), ``recency`` t_x (the last such opportunity, 0 when none) and ``periods``
n (opportunities observed). Customers sharing (x, t_x, n) can be one row with a weight, as
in the paper's donations table.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special

from helpers.checks import check_numbers
from helpers.clv.fitting import DEFAULT_COLUMNS, PurchaseModel, summary_arrays
from helpers.clv_data import BTYD_FREQUENCY, BTYD_RECENCY

__all__ = ["BetaGeoBetaBinomModel", "PERIODS"]

#: Column of the number of transaction opportunities observed.
PERIODS = "periods"


class BetaGeoBetaBinomModel(PurchaseModel):
    """BG/BB purchase model (Fader, Hardie & Shang 2010), fitted by maximum likelihood.

    Parameters
    ----------
    initial_params : sequence of 4 floats, optional
        Starting values of (alpha, beta, gamma, delta); default all 1.
    max_iter : int, default 5000
        Iterations of the search.

    Attributes
    ----------
    params_ : pandas.Series
        ``alpha``, ``beta`` (purchase probability: beta), ``gamma``, ``delta`` (dropout
        probability: beta).
    log_likelihood_ : float
        Maximised log-likelihood (weighted).
    standard_errors_, summary_
        As for the other models.

    Notes
    -----
    For a customer with x purchases, the last in opportunity t_x, out of n:

    L = B(alpha+x, beta+n-x)/B(alpha, beta) * B(gamma, delta+n)/B(gamma, delta)
      + sum_{i=0}^{n-t_x-1} B(alpha+x, beta+t_x-x+i)/B(alpha, beta)
                            * B(gamma+1, delta+t_x+i)/B(gamma, delta)

    The first term: alive through all n opportunities; the i-th: gone at the start of
    opportunity t_x+i+1. P(alive at n+1) is the first term with delta+n+1 instead of delta+n,
    over L.

    References
    ----------
    Fader, P. S., Hardie, B. G. S. & Shang, J. (2010). Customer-Base Analysis in a
    Discrete-Time Noncontractual Setting. *Marketing Science* 29(6), 1086-1108: the
    likelihood in the Notes, P(alive) and the conditional expectation.

    Examples
    --------
    Donors drawn from the model's story, 6 yearly appeals each:

    >>> from helpers.clv import BetaGeoBetaBinomModel, simulate_bg_bb
    >>> donors = simulate_bg_bb(2000, 1.2, 0.75, 0.66, 2.78, 6, seed=1)
    >>> model = BetaGeoBetaBinomModel().fit(donors)
    >>> model.params_.round(2).to_dict()
    {'alpha': 1.1, 'beta': 0.68, 'gamma': 0.7, 'delta': 2.91}
    >>> model.predict(donors.head(3), t=5).round(2).tolist()
    [0.11, 2.69, 0.07]
    """

    PARAMS = ("alpha", "beta", "gamma", "delta")
    COLUMNS = {**DEFAULT_COLUMNS, "T_col": PERIODS}

    def fit(
        self,
        summary: pd.DataFrame,
        *,
        weights: pd.Series | np.ndarray | None = None,
        frequency_col: str = BTYD_FREQUENCY,
        recency_col: str = BTYD_RECENCY,
        periods_col: str = PERIODS,
    ) -> BetaGeoBetaBinomModel:
        """Fit the model by maximum likelihood.

        Parameters
        ----------
        summary : pandas.DataFrame
            One row per customer (or per pattern, with ``weights``): frequency, recency and
            periods, whole numbers with frequency <= recency <= periods.
        weights : array-like, optional
            Number of customers each row stands for (default 1 each).
        frequency_col, recency_col, periods_col : str
            Column names.

        Returns
        -------
        self
        """
        x, tx, n = summary_arrays(summary, [frequency_col, recency_col, periods_col])
        check_numbers("periods", n, "a whole number >= 1", lambda a: (a >= 1) & (a % 1 == 0))
        check_numbers("recency", tx, "a whole number", lambda a: a % 1 == 0)
        check_numbers("frequency", tx - x, "<= recency", lambda a: a >= 0)
        return super().fit(
            summary,
            weights=weights,
            frequency_col=frequency_col,
            recency_col=recency_col,
            T_col=periods_col,
        )

    @staticmethod
    def _loglik(params, x, tx, n):
        alpha, beta, gamma, delta = params
        buy = special.betaln(alpha, beta)
        stay = special.betaln(gamma, delta)
        terms = [
            special.betaln(alpha + x, beta + n - x) - buy + special.betaln(gamma, delta + n) - stay
        ]
        for i in range(int(np.max(n - tx, initial=0))):
            gone = (
                special.betaln(alpha + x, beta + tx - x + i)
                - buy
                + special.betaln(gamma + 1, delta + tx + i)
                - stay
            )
            terms.append(np.where(i < n - tx, gone, -np.inf))
        return np.logaddexp.reduce(np.stack(np.broadcast_arrays(*terms)), axis=0)

    def _objective(self, cols: tuple[np.ndarray, ...], counts: np.ndarray):
        """Return the weighted total log-likelihood and its exact gradient as a function.

        Each term of L (see the notes) is B(alpha+x, beta+k)/B(alpha, beta) times
        B(gamma+g, delta+j)/B(gamma, delta), with k = n-x, g = 0, j = n for "alive" and
        k = t_x-x+i, g = 1, j = t_x+i for "gone at t_x+i+1". With d log B(u, v)/du =
        psi(u) - psi(u+v), the gradient of log L is the weighted mean of the terms'
        gradients, the weights being each term's share of L:

        - d/dalpha = psi(alpha+x) - psi(alpha) + psi(alpha+beta) - mean psi(alpha+beta+x+k)
        - d/dbeta = mean [psi(beta+k) - psi(alpha+beta+x+k)] - psi(beta) + psi(alpha+beta)
        - d/dgamma = mean [psi(gamma+g) - psi(gamma+delta+g+j)] - psi(gamma) + psi(gamma+delta)
        - d/ddelta = mean [psi(delta+j) - psi(gamma+delta+g+j)] - psi(delta) + psi(gamma+delta)

        The terms are a (1 + max(n - t_x), rows) array; rows have few opportunities.
        """
        x, tx, n = cols
        gone = np.arange(int(np.max(n - tx, initial=0)))[:, None]  # i, one row per term
        valid = np.vstack([np.ones((1, len(x)), dtype=bool), gone < n - tx])
        k = np.vstack([n - x, tx - x + gone])  # beta + k: purchase opportunities missed
        j = np.vstack([n, tx + gone])  # delta + j: opportunities survived
        g = np.vstack([np.zeros((1, len(x))), np.ones((len(gone), len(x)))])  # gamma + g: 1 if gone
        total_count = float(counts.sum())
        psi = special.digamma

        def total(params: np.ndarray) -> tuple[float, np.ndarray]:
            alpha, beta, gamma, delta = (float(v) for v in params)
            terms = np.where(
                valid,
                special.betaln(alpha + x, beta + k) + special.betaln(gamma + g, delta + j),
                -np.inf,
            )
            log_l = np.logaddexp.reduce(terms, axis=0)
            share = np.exp(terms - log_l)  # each term's share of L; 0 where not a term
            # weighted means over the terms (arguments are finite where a row has no term)
            psi_buy, psi_stay = psi(alpha + beta + x + k), psi(gamma + delta + g + j)
            mean_buy = np.einsum("kn,kn->n", share, psi_buy)
            mean_beta = np.einsum("kn,kn->n", share, psi(beta + k))
            mean_gamma = np.einsum("kn,kn->n", share, psi(gamma + g))
            mean_delta = np.einsum("kn,kn->n", share, psi(delta + j))
            mean_stay = np.einsum("kn,kn->n", share, psi_stay)
            sums = np.einsum(
                "kn,n->k",
                np.stack(
                    [
                        log_l,
                        psi(alpha + x) - mean_buy,
                        mean_beta - mean_buy,
                        mean_gamma - mean_stay,
                        mean_delta - mean_stay,
                    ]
                ),
                counts,
            )
            psi_ab, psi_gd = psi(alpha + beta), psi(gamma + delta)
            value = sums[0] - total_count * (
                special.betaln(alpha, beta) + special.betaln(gamma, delta)
            )
            grad = sums[1:] + total_count * np.array(
                [
                    psi_ab - psi(alpha),
                    psi_ab - psi(beta),
                    psi_gd - psi(gamma),
                    psi_gd - psi(delta),
                ]
            )
            return float(value), grad

        return total

    def _columns(self, frequency, recency, periods) -> tuple[np.ndarray, ...]:
        self._check_fitted()
        return tuple(np.asarray(v, dtype=float) for v in (frequency, recency, periods))

    def expected_purchases(self, t) -> np.ndarray:
        """Return the expected purchases of a new customer in the next ``t`` opportunities.

        Parameters
        ----------
        t : int or array-like
            Number of opportunities.

        Returns
        -------
        numpy.ndarray
        """
        return self.conditional_expected_purchases(t, 0, 0, 0)

    def probability_alive(self, frequency, recency, periods) -> np.ndarray:
        """Return P(alive at opportunity n + 1) of each customer.

        Parameters
        ----------
        frequency, recency, periods : array-like
            x, t_x and n of each customer.

        Returns
        -------
        numpy.ndarray
        """
        x, tx, n = self._columns(frequency, recency, periods)
        alpha, beta, gamma, delta = self.params_.to_numpy()
        alive = (
            special.betaln(alpha + x, beta + n - x)
            - special.betaln(alpha, beta)
            + special.betaln(gamma, delta + n + 1)
            - special.betaln(gamma, delta)
        )
        return np.exp(alive - self._loglik(self.params_.to_numpy(), x, tx, n))

    def conditional_expected_purchases(self, t, frequency, recency, periods) -> np.ndarray:
        """Return the expected purchases in the next ``t`` opportunities given each history.

        Parameters
        ----------
        t : int or array-like
            Number of future opportunities.
        frequency, recency, periods : array-like
            x, t_x and n of each customer.

        Returns
        -------
        numpy.ndarray
            Fader, Hardie & Shang (2010), equation (13).
        """
        x, tx, n = self._columns(frequency, recency, periods)
        alpha, beta, gamma, delta = self.params_.to_numpy()
        t = np.asarray(t, dtype=float)
        log_l = self._loglik(self.params_.to_numpy(), x, tx, n)
        buy = special.betaln(alpha + x + 1, beta + n - x) - special.betaln(alpha, beta)
        scale = (
            delta
            / (gamma - 1)
            * np.exp(special.gammaln(gamma + delta) - special.gammaln(1 + delta))
        )
        now = np.exp(special.gammaln(1 + delta + n) - special.gammaln(gamma + delta + n))
        later = np.exp(special.gammaln(1 + delta + n + t) - special.gammaln(gamma + delta + n + t))
        return np.exp(buy - log_l) * scale * (now - later)

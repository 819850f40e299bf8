"""Gamma-Gamma spend model (Fader, Hardie & Lee 2005b; Fader & Hardie 2013)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import special

from helpers.checks import check_numbers
from helpers.clv.fitting import Fitter, check_is_fitted, fit_columns, summary_arrays
from helpers.clv_data import BTYD_FREQUENCY, BTYD_MONETARY

__all__ = ["GammaGamma"]


class GammaGamma(Fitter):
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

    References
    ----------
    Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). RFM and CLV: Using Iso-Value Curves
    for Customer Base Analysis. *Journal of Marketing Research* 42(4), 415-430: the spend
    model and E[M | x, m] (:meth:`conditional_expected_spend`).

    Fader, P. S. & Hardie, B. G. S. (2013). The Gamma-Gamma Model of Monetary Value.
    http://brucehardie.com/notes/025/: its likelihood and the mean p gamma / (q - 1)
    (:meth:`population_mean`).

    Examples
    --------
    >>> from helpers.clv import GammaGamma, simulate_bg_nbd, simulate_gamma_gamma
    >>> shop = simulate_bg_nbd(2000, r=0.25, alpha=4.0, a=0.8, b=2.5, T=52.0, seed=1)
    >>> spend = simulate_gamma_gamma(shop["frequency"], p=6.0, q=4.0, gamma=15.0, seed=1)
    >>> shop["monetary_value"] = spend
    >>> model = GammaGamma().fit(shop)
    >>> model.params_.round(2).to_dict()
    {'p': 5.45, 'q': 4.0, 'gamma': 16.67}
    >>> model.predict(shop.head(3)).round(2).tolist()
    [20.31, 20.01, 30.27]
    >>> print(round(model.population_mean(), 2))
    30.27
    """

    PARAMS = ("p", "q", "gamma")
    SCALES = ("gamma",)

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

    def _start(self, cols: tuple[np.ndarray, ...], counts: np.ndarray) -> np.ndarray:
        """Start at p = 1, q = 2 and gamma = the mean spend: the model's mean is the data's.

        The population mean spend is p gamma / (q - 1). Starting gamma at 1 whatever the
        currency put the first step, on Online Retail's early months (mean spend 600), onto
        the plateau where p runs to infinity and gamma to 0 (a likelihood 94 lower, and the
        gradient flat, so BFGS stopped there); whether it did depended on the last bit of
        the spends.
        """
        _, m = cols
        return np.array([1.0, 2.0, float(counts @ m) / float(counts.sum())])

    @staticmethod
    def repeat_buyers(
        summary: pd.DataFrame, frequency_col: str, monetary_col: str
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Return frequency, average spend and the mask of repeat buyers, checked.

        Shared with :class:`helpers.clv.covariates.CovariateModel` (a Gamma-Gamma base).

        Raises
        ------
        ValueError
            If no customer has a repeat purchase, or a repeat buyer's spend is not > 0.
        """
        x, m = summary_arrays(summary, [frequency_col, monetary_col])
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
        frequency_col: str = BTYD_FREQUENCY,
        monetary_col: str = BTYD_MONETARY,
    ) -> GammaGamma:
        """Fit on the repeat buyers of ``summary`` (customers with frequency 0 are skipped).

        Parameters
        ----------
        summary : pandas.DataFrame
            frequency and average repeat spend per customer.
        frequency_col, monetary_col : str
            Column names; kept in ``columns_``, the names :meth:`predict` reads by default.

        Returns
        -------
        self

        Warns
        -----
        ConvergenceWarning
            If the search fails or a parameter runs away (see
            :func:`helpers.clv.fitting.convergence_problem`).
        """
        x, m, keep = self.repeat_buyers(summary, frequency_col, monetary_col)
        self.columns_ = {"frequency_col": frequency_col, "monetary_col": monetary_col}
        self._minimise(np.column_stack([x[keep], m[keep]]), np.ones(int(keep.sum())))
        self._report_convergence()
        return self

    def independence(
        self,
        summary: pd.DataFrame,
        *,
        frequency_col: str = BTYD_FREQUENCY,
        monetary_col: str = BTYD_MONETARY,
    ) -> pd.Series:
        """Check the assumption that spend does not depend on frequency, on the repeat buyers.

        Works unfitted too. A correlation near 0 (``abs(rho)`` below about 0.3) supports it.

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
        x, m, keep = self.repeat_buyers(summary, frequency_col, monetary_col)
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
        frequency_col: str | None = None,
        monetary_col: str | None = None,
    ) -> pd.Series:
        """Predict the expected spend per purchase of each customer of ``summary``.

        Parameters
        ----------
        summary : pandas.DataFrame
        frequency_col, monetary_col : str, optional
            Column names; default the names given to :meth:`fit`.

        Returns
        -------
        pandas.Series
            ``expected_spend`` indexed like ``summary``.
        """
        check_is_fitted(self)
        names = fit_columns(self, frequency_col=frequency_col, monetary_col=monetary_col)
        x, m = summary_arrays(summary, [names["frequency_col"], names["monetary_col"]])
        values = self.conditional_expected_spend(x, m)
        return pd.Series(values, index=summary.index, name="expected_spend")

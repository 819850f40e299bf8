"""Retention of contractual customers: the shifted-beta-geometric (sBG) model.

A subscriber pays at the start of every period (month, year) until they do not renew. Each
subscriber has their own probability theta of not renewing at the end of each period, the
same every period; across subscribers theta follows a beta(``alpha``, ``beta``)
distribution (Fader & Hardie 2007, "How to Project Customer Retention", Journal of
Interactive Marketing 21(1)). T, the period in which a subscriber is lost (T = 1: they pay
for the first period and do not renew), then has

- P(T = t) = B(alpha + 1, beta + t - 1) / B(alpha, beta), the share of a cohort lost in
  period t: :meth:`~ShiftedBetaGeoModel.churn_probability`;
- S(t) = P(T > t) = B(alpha, beta + t) / B(alpha, beta), the share still subscribed in
  period t + 1: :meth:`~ShiftedBetaGeoModel.survival`;
- r(t) = S(t) / S(t - 1) = (beta + t - 1) / (alpha + beta + t - 1), the share of those in
  period t who renew: :meth:`~ShiftedBetaGeoModel.retention_rate`.

r(t) rises with t although no subscriber's own theta changes: the subscribers who leave
early are the ones with a high theta, so those who are left are the loyal ones. A constant
retention rate read off the first period (:func:`constant_retention_projection`) therefore
projects far too few survivors; that is Fader & Hardie's point.

**Counting.** Survivor counts s_0, s_1, ..., s_n of a cohort are the numbers still
subscribed at the start of periods 1, 2, ..., n + 1 (s_0 is everyone who signed up), so
s_k = #(T > k). A subscriber counted in s_k has made k renewals; in the data of one person
("tenure" = periods paid for), k = tenure - 1.

**Value.** Payments are made at the start of each period. Following Fader & Hardie (2010),
"Customer-Base Valuation in a Contractual Setting: The Perils of Ignoring Heterogeneity",
Marketing Science 29(1), a subscriber who has made k renewals is valued at the end of their
current period, just before their next renewal decision: the current period's payment is
already made (not counted), the next one (if they renew) is counted in full, and each later
one is discounted by a further 1 / (1 + d). Their discounted expected residual lifetime,
in periods, is

DERL(d | k renewals) = sum_{t > k} S(t) / S(k) / (1 + d)^(t - k - 1)
    = (beta + k) / (alpha + beta + k) * 2F1(1, beta + k + 1; alpha + beta + k + 1; 1 / (1 + d))

(:meth:`~ShiftedBetaGeoModel.expected_residual_lifetime`), and their residual value is the
margin per period times DERL (:meth:`~ShiftedBetaGeoModel.residual_value`). A new
subscriber, valued when signing up with the first payment counted, has
DEL(d) = sum_{t >= 0} S(t) / (1 + d)^t = 2F1(1, beta; alpha + beta; 1 / (1 + d))
(:meth:`~ShiftedBetaGeoModel.expected_lifetime`).

The model is fitted by maximum likelihood with the course's fitter
(:mod:`helpers.clv.fitting`): subscribers lost in period t contribute log P(T = t), those
still subscribed after the last observed renewal decision n contribute log S(n) (they are
right-censored). Cohorts of different ages are pooled, each censored at its own age.

The survivor counts per cohort from one row per subscription (:func:`survivor_table`), their
checks (:func:`survivor_rows`) and the naive projection (:func:`constant_retention_projection`)
are in :mod:`helpers.retention_counts`; their public names are importable from here.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import special

from helpers.checks import check_numbers
from helpers.clv.fitting import ConvergenceWarning, Fitter, hyp2f1
from helpers.retention_counts import (
    constant_retention_projection,
    survivor_rows,
    survivor_table,
    whole_numbers,
)

__all__ = [
    "ShiftedBetaGeoModel",
    "constant_retention_projection",
    "survivor_rows",
    "survivor_table",
]


def _hyp2f1_one(b: float, c: np.ndarray, z: np.ndarray) -> np.ndarray:
    """Return 2F1(1, b; c; z) elementwise (b, c > 0, 0 < z < 1), as DERL and DEL need it.

    SciPy's ``hyp2f1`` (through :func:`helpers.clv.fitting.hyp2f1`); where it gives no
    finite value (b and c in the hundreds of thousands, a fit to a cohort whose subscribers
    all churn alike), the series sum_j prod_{i<j} (b + i) / (c + i) z, whose terms shrink
    at least as fast as z^j, summed in blocks until they are below 1e-17 of the total.
    """
    b, c, z = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (b, c, z)))
    shape = b.shape
    b, c, z = b.ravel(), c.ravel(), z.ravel()
    out = np.array(hyp2f1(1.0, b, c, z), dtype=float)
    for i in np.flatnonzero(~np.isfinite(out)):
        total, log_term, start = 0.0, 0.0, 0
        while True:
            j = np.arange(start, start + 10_000, dtype=float)
            ratio = np.log((b[i] + j) / (c[i] + j) * z[i])
            logs = log_term + np.concatenate([[0.0], np.cumsum(ratio[:-1])])
            total += float(np.exp(logs).sum())
            if np.exp(logs[-1]) < 1e-17 * total:
                break
            log_term, start = logs[-1] + ratio[-1], start + 10_000
        out[i] = total
    return out.reshape(shape)


def _discount(discount_rate: object) -> np.ndarray:
    check_numbers("discount_rate", discount_rate, "> 0 (per period)", lambda a: a > 0)
    return np.asarray(discount_rate, dtype=float)


class ShiftedBetaGeoModel(Fitter):
    """Shifted-beta-geometric retention model (Fader & Hardie 2007), by maximum likelihood.

    Parameters
    ----------
    initial_params : sequence of 2 floats, optional
        Starting values of (alpha, beta); default (1, 1).
    max_iter : int, default 5000
        Iterations of the search.

    Attributes
    ----------
    params_ : pandas.Series
        ``alpha``, ``beta``: the beta distribution of the per-period churn probability.
    log_likelihood_ : float
        Maximised log-likelihood.
    aic_ : float
        2 x 2 - 2 x log-likelihood.
    standard_errors_, covariance_, summary_
        From the inverse Hessian; ``summary_`` has 95% Wald intervals on the log scale.
    n_customers_ : float
        Subscribers fitted on (everyone who signed up).
    converged_ : bool
        Whether the search found a maximum (else a ``ConvergenceWarning`` was issued).

    Notes
    -----
    See the module notes for the model, the counting of periods and the value formulas.
    """

    PARAMS = ("alpha", "beta")

    # ------------------------------------------------------------------ fitting
    def fit(self, survivors: object) -> ShiftedBetaGeoModel:
        """Fit on survivor counts of one cohort or of several cohorts of different ages.

        Parameters
        ----------
        survivors : array-like, list of array-likes or pandas.DataFrame
            See :func:`survivor_rows`; e.g. ``[1000, 631, 468, 382]``.

        Returns
        -------
        self
        """
        return self._fit_rows(survivor_rows(survivors))

    def fit_individuals(self, tenure: object, active: object) -> ShiftedBetaGeoModel:
        """Fit on one row per subscriber: periods paid for and whether still subscribed.

        The same likelihood as :meth:`fit` on the cohorts' survivor counts: a cancelled
        subscriber with tenure t was lost in period t; one still subscribed with tenure t
        has made t - 1 renewals and is censored there.

        Parameters
        ----------
        tenure : array-like
            Periods paid for, whole numbers >= 1 (the signup period counts).
        active : array-like of bool
            True if still subscribed at the end of the data.

        Returns
        -------
        self
        """
        t = whole_numbers("tenure", tenure, 1)
        alive = np.asarray(active)
        if alive.shape != t.shape:
            raise ValueError(
                f"tenure and active must have the same length; got {t.shape} and {alive.shape}"
            )
        if alive.dtype != bool:
            check_numbers("active", alive, "True/False (1/0)", lambda a: (a == 0) | (a == 1))
            alive = alive.astype(float) == 1
        rows = pd.DataFrame({"period": np.where(alive, t - 1, t), "censored": alive, "count": 1.0})
        return self._fit_rows(rows)

    def _fit_rows(self, rows: pd.DataFrame) -> ShiftedBetaGeoModel:
        decided = rows["count"].to_numpy() > 0
        decided &= (rows["period"].to_numpy() > 0) | ~rows["censored"].to_numpy()
        if not decided.any():
            raise ValueError(
                "survivors: no renewal decision is observed (every cohort is in its first "
                "period); the model needs at least one cohort observed past period 0"
            )
        data = rows[["period", "censored"]].to_numpy(dtype=float)
        self._minimise(data, rows["count"].to_numpy(dtype=float))
        self.aic_ = 2 * len(self.PARAMS) - 2 * self.log_likelihood_
        if not self.converged_:
            warnings.warn(
                f"ShiftedBetaGeoModel: the likelihood search did not converge (log-likelihood "
                f"{self.log_likelihood_:.4f}, alpha {self.params_['alpha']:.4g}, beta "
                f"{self.params_['beta']:.4g}); the data may show no churn, or churn of everyone "
                "in the first period",
                ConvergenceWarning,
                stacklevel=3,
            )
        return self

    @staticmethod
    def _loglik(params, t, censored):
        alpha, beta = params
        lost = special.betaln(alpha + 1, beta + t - 1)
        stay = special.betaln(alpha, beta + t)
        return np.where(censored > 0, stay, lost) - special.betaln(alpha, beta)

    def _objective(self, cols: tuple[np.ndarray, ...], counts: np.ndarray):
        """Total log-likelihood and its exact gradient in (alpha, beta).

        With psi the digamma function and d log B(u, v)/du = psi(u) - psi(u + v):

        - lost in t: d/dalpha = psi(alpha+1) - psi(alpha+beta+t), d/dbeta = psi(beta+t-1) -
          psi(alpha+beta+t);
        - censored at t: d/dalpha = psi(alpha) - psi(alpha+beta+t), d/dbeta = psi(beta+t) -
          psi(alpha+beta+t);

        each plus psi(alpha+beta) - psi(alpha) (alpha) or psi(alpha+beta) - psi(beta) (beta)
        from -log B(alpha, beta).
        """
        t, censored = cols
        gone = censored == 0
        total_count = float(counts.sum())
        psi = special.digamma

        def total(params: np.ndarray) -> tuple[float, np.ndarray]:
            alpha, beta = (float(v) for v in params)
            a, b = np.where(gone, alpha + 1, alpha), np.where(gone, beta + t - 1, beta + t)
            value = counts @ special.betaln(a, b) - total_count * special.betaln(alpha, beta)
            psi_all, psi_ab = psi(alpha + beta + t), psi(alpha + beta)
            d_alpha = counts @ (psi(a) - psi_all) + total_count * (psi_ab - psi(alpha))
            d_beta = counts @ (psi(b) - psi_all) + total_count * (psi_ab - psi(beta))
            return float(value), np.array([d_alpha, d_beta])

        return total

    def _start(self, cols: tuple[np.ndarray, ...], counts: np.ndarray) -> np.ndarray:
        return np.ones(2)

    # ------------------------------------------------------------------ the model's quantities
    def _ab(self) -> tuple[float, float]:
        self._check_fitted()
        return float(self.params_["alpha"]), float(self.params_["beta"])

    def churn_probability(self, t: object) -> np.ndarray:
        """Return P(T = t): the share of a new cohort lost in period t (t = 1, 2, ...).

        Parameters
        ----------
        t : int or array-like of int >= 1

        Returns
        -------
        numpy.ndarray
        """
        t = whole_numbers("t", t, 1)
        alpha, beta = self._ab()
        return np.exp(special.betaln(alpha + 1, beta + t - 1) - special.betaln(alpha, beta))

    def survival(self, t: object) -> np.ndarray:
        """Return S(t) = P(T > t): the share of a new cohort still subscribed after t periods.

        Parameters
        ----------
        t : int or array-like of int >= 0
            S(0) = 1.

        Returns
        -------
        numpy.ndarray
        """
        t = whole_numbers("t", t, 0)
        alpha, beta = self._ab()
        return np.exp(special.betaln(alpha, beta + t) - special.betaln(alpha, beta))

    def retention_rate(self, t: object) -> np.ndarray:
        """Return r(t) = S(t) / S(t - 1): the share of those in period t who renew.

        Parameters
        ----------
        t : int or array-like of int >= 1
            r(1) = beta / (alpha + beta) is the first renewal rate.

        Returns
        -------
        numpy.ndarray
        """
        t = whole_numbers("t", t, 1)
        alpha, beta = self._ab()
        return (beta + t - 1) / (alpha + beta + t - 1)

    def project(self, survivors: float, periods: int, *, age: int = 0) -> pd.Series:
        """Return the expected survivors of a cohort over the next ``periods`` periods.

        Parameters
        ----------
        survivors : float
            The cohort's subscribers now, at ``age`` (for a new cohort, everyone who signed up).
        periods : int
            How many periods ahead (>= 0).
        age : int, default 0
            The cohort's age now: renewals made by its subscribers (the k of s_k).

        Returns
        -------
        pandas.Series
            ``expected_survivors`` indexed by ``period`` age, age + 1, ..., age + periods:
            survivors x S(t) / S(age).
        """
        check_numbers("survivors", survivors, ">= 0", lambda a: a >= 0)
        horizon = int(whole_numbers("periods", periods, 0))
        start = int(whole_numbers("age", age, 0))
        t = np.arange(start, start + horizon + 1)
        values = float(survivors) * self.survival(t) / self.survival(start)
        return pd.Series(values, index=pd.Index(t, name="period"), name="expected_survivors")

    def expected_residual_lifetime(self, discount_rate: object, renewals: object = 0) -> np.ndarray:
        """Return DERL: the discounted expected number of future payments of a subscriber.

        Fader & Hardie (2010): valued at the end of the subscriber's current period, just
        before the renewal decision; the current period's payment is made (not counted), the
        next one counts in full, later ones are discounted (see the module notes).

        Parameters
        ----------
        discount_rate : float or array-like
            Per period, > 0 (e.g. 0.01 a month).
        renewals : int or array-like, default 0
            Renewals the subscriber has made (tenure - 1; the k of s_k).

        Returns
        -------
        numpy.ndarray
            (beta + k) / (alpha + beta + k) * 2F1(1, beta + k + 1; alpha + beta + k + 1;
            1 / (1 + d)).
        """
        d = _discount(discount_rate)
        k = whole_numbers("renewals", renewals, 0)
        alpha, beta = self._ab()
        first = (beta + k) / (alpha + beta + k)
        return first * _hyp2f1_one(beta + k + 1, alpha + beta + k + 1, 1 / (1 + d))

    def expected_lifetime(self, discount_rate: object) -> np.ndarray:
        """Return DEL: the discounted expected payments of a new subscriber, the first included.

        Parameters
        ----------
        discount_rate : float or array-like
            Per period, > 0.

        Returns
        -------
        numpy.ndarray
            sum_{t >= 0} S(t) / (1 + d)^t = 2F1(1, beta; alpha + beta; 1 / (1 + d)).
        """
        d = _discount(discount_rate)
        alpha, beta = self._ab()
        return _hyp2f1_one(beta, alpha + beta, 1 / (1 + d))

    def residual_value(
        self, margin: object, discount_rate: object, renewals: object = 0
    ) -> np.ndarray:
        """Return the residual CLV of current subscribers: margin per period x DERL.

        Parameters
        ----------
        margin : float or array-like
            Margin per period's payment (>= 0).
        discount_rate : float or array-like
            Per period, > 0.
        renewals : int or array-like, default 0
            Renewals each subscriber has made (see :meth:`expected_residual_lifetime`).

        Returns
        -------
        numpy.ndarray
        """
        check_numbers("margin", margin, ">= 0", lambda a: a >= 0)
        derl = self.expected_residual_lifetime(discount_rate, renewals)
        return np.asarray(margin, dtype=float) * derl

    # ------------------------------------------------------------------ display
    def summary_text(self) -> str:
        """Return the fit as text: data, log-likelihood, AIC and the parameters."""
        self._check_fitted()
        return "\n".join(
            [
                "ShiftedBetaGeoModel (shifted-beta-geometric, Fader & Hardie 2007)",
                f"subscribers {self.n_customers_:,.0f}  "
                f"log-likelihood {self.log_likelihood_:,.2f}  AIC {self.aic_:,.2f}  "
                f"converged {'yes' if self.converged_ else 'NO'}",
                "",
                self.summary_.to_string(float_format="{:.4g}".format),
            ]
        )

    def print_summary(self) -> None:
        """Print :meth:`summary_text`."""
        print(self.summary_text())

    @classmethod
    def load(cls, path):  # noqa: D102 (documented on the base class)
        model = super().load(path)
        model.aic_ = 2 * len(cls.PARAMS) - 2 * model.log_likelihood_
        return model

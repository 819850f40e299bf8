"""Per-customer predictions of a fitted :class:`helpers.clv.covariates.CovariateModel`.

Each customer is predicted by the base model with their own parameters: for every distinct
covariate pattern, a base model is given that pattern's parameters and its methods are called
on the pattern's customers (fast for categorical covariates; a continuous covariate makes one
pattern per customer, correct but slower). :class:`CustomerPredictions` holds these methods;
``CovariateModel`` inherits them and sets what they read: ``params_``, ``_cls`` (the base
model's class), ``_links`` (each link with its covariate columns), ``converged_`` and
``period_``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd

from helpers.clv.covariate_design import covariate_columns
from helpers.clv.covariate_likelihood import pattern_rows
from helpers.clv.fitting import (
    Fitter,
    check_is_fitted,
    check_period,
    fit_columns,
    summary_arrays,
)
from helpers.clv.gamma_gamma import GammaGamma

__all__: list[str] = []


class CustomerPredictions:
    """The per-customer methods of :class:`helpers.clv.covariates.CovariateModel`."""

    def _check_fitted(self) -> None:
        check_is_fitted(self)

    def customer_params(self, summary: pd.DataFrame) -> pd.DataFrame:
        """Return each customer's own base parameters, from their covariates.

        Parameters
        ----------
        summary : pandas.DataFrame
            Has the covariate columns the model was fitted with.

        Returns
        -------
        pandas.DataFrame
            One column per base parameter (e.g. ``r``, ``alpha``, ``a``, ``b``), indexed like
            ``summary``.
        """
        self._check_fitted()
        names = list(self._cls.PARAMS)
        log_theta = np.tile(np.log(self.params_[names].to_numpy()), (len(summary), 1))
        every = np.ones(len(summary), dtype=bool)
        for link, columns in self._links:
            z = covariate_columns(summary, every, columns)
            g = self.params_[[f"{link.process}:{c}" for c in columns]].to_numpy()
            log_theta[:, link.param] += link.sign * (z @ g)
        return pd.DataFrame(np.exp(log_theta), index=summary.index, columns=names)

    def model_at(self, covariates: Mapping[str, float] | pd.Series | None = None) -> Fitter:
        """Return the base model with the parameters of a customer with these covariates.

        Parameters
        ----------
        covariates : mapping of column to value, optional
            Every covariate of the model (e.g. ``{"channel_social": 1, "channel_email":
            0}``); default all 0 (the reference customer).

        Returns
        -------
        BetaGeoModel, ModifiedBetaGeoModel, ParetoNBDModel or GammaGamma
            Ready to predict; its ``covariance_`` is NaN (the uncertainty of one pattern's
            parameters is not carried over).
        """
        self._check_fitted()
        needed = sorted({c for _, columns in self._links for c in columns})
        values = dict(covariates or {})
        if covariates is not None:
            missing = [c for c in needed if c not in values]
            if missing:
                raise ValueError(f"covariates: a value is needed for {missing} (got {values})")
        row = pd.DataFrame({c: [float(values.get(c, 0.0))] for c in needed} or {"_": [0.0]})
        return self._model(self.customer_params(row).iloc[0].to_numpy())

    def _model(self, theta: np.ndarray) -> Fitter:
        k = len(theta)
        model = self._cls()
        model._set_estimates(np.asarray(theta, dtype=float), np.full((k, k), np.nan))
        model.converged_ = self.converged_
        if hasattr(self, "period_"):
            model.period_ = self.period_
        return model

    def _per_pattern(
        self,
        what: str,
        summary: pd.DataFrame,
        columns: dict[str, str | None],
        call: Callable[..., np.ndarray],
        name: str,
    ) -> pd.Series:
        """Return ``call(model, *arrays)`` per customer, once per distinct parameter pattern.

        ``what`` (the method's name) says which kind of base model it needs: the spend
        model for ``conditional_expected_spend``, a purchase model for the others.
        ``columns``: the caller's column names (None: the name given to ``fit``).
        """
        self._check_fitted()
        purchase = what != "conditional_expected_spend"
        if purchase == (self._cls is GammaGamma):
            kind = "a purchase model" if purchase else "GammaGamma"
            raise ValueError(f"{what} needs {kind}; this CovariateModel is a {self._cls.__name__}")
        params = self.customer_params(summary).to_numpy()
        if purchase:
            check_period(self, summary.attrs.get("period"), "the summary's period")
        arrays = summary_arrays(summary, list(fit_columns(self, **columns).values()))
        out = np.empty(len(summary))
        for rows in pattern_rows(params):
            model = self._model(params[rows[0]])
            with np.errstate(all="ignore"):
                out[rows] = call(model, *(a[rows] for a in arrays))
        return pd.Series(out, index=summary.index, name=name)

    def probability_alive(
        self,
        summary: pd.DataFrame,
        *,
        frequency_col: str | None = None,
        recency_col: str | None = None,
        T_col: str | None = None,  # noqa: N803
    ) -> pd.Series:
        """Return each customer's P(alive at T | x, t_x, T), with their own parameters.

        Parameters
        ----------
        summary : pandas.DataFrame
            frequency, recency, T and the covariates per customer.
        frequency_col, recency_col, T_col : str, optional
            Column names; default the names given to ``fit``.

        Returns
        -------
        pandas.Series
            ``p_alive`` indexed like ``summary``.
        """
        return self._per_pattern(
            "probability_alive",
            summary,
            {"frequency_col": frequency_col, "recency_col": recency_col, "T_col": T_col},
            lambda model, *cols: model.probability_alive(*cols),
            "p_alive",
        )

    def conditional_expected_purchases(
        self,
        t: float,
        summary: pd.DataFrame,
        *,
        frequency_col: str | None = None,
        recency_col: str | None = None,
        T_col: str | None = None,  # noqa: N803
    ) -> pd.Series:
        """Return each customer's expected purchases in (T, T + t], with their own parameters.

        Parameters
        ----------
        t : float
            Length of the future window, in the summary's period unit.
        summary : pandas.DataFrame
            frequency, recency, T and the covariates per customer.
        frequency_col, recency_col, T_col : str, optional
            Column names; default the names given to ``fit``.

        Returns
        -------
        pandas.Series
            ``expected_purchases`` indexed like ``summary``.
        """
        return self._per_pattern(
            "conditional_expected_purchases",
            summary,
            {"frequency_col": frequency_col, "recency_col": recency_col, "T_col": T_col},
            lambda model, *cols: model.conditional_expected_purchases(t, *cols),
            "expected_purchases",
        )

    def predict(self, summary: pd.DataFrame, t: float | None = None, **columns) -> pd.Series:
        """Predict per customer: expected purchases in the next ``t`` periods, or spend.

        Parameters
        ----------
        summary : pandas.DataFrame
        t : float, optional
            The future window (purchase models; required there).
        **columns
            Column names, as in :meth:`conditional_expected_purchases` or
            :meth:`conditional_expected_spend`.

        Returns
        -------
        pandas.Series
        """
        self._check_fitted()
        if self._cls is GammaGamma:
            return self.conditional_expected_spend(summary, **columns)
        if t is None:
            raise ValueError("t (the future window, in periods) is required for a purchase model")
        return self.conditional_expected_purchases(t, summary, **columns)

    def expected_purchases(self, t: float, summary: pd.DataFrame) -> pd.Series:
        """Return E[X(t)] of a new customer with each row's covariates.

        Parameters
        ----------
        t : float
            Time since the first purchase, in periods.
        summary : pandas.DataFrame
            The covariates per customer.

        Returns
        -------
        pandas.Series
        """
        return self._per_pattern(
            "expected_purchases",
            summary,
            {},
            lambda model: model.expected_purchases(t),
            "expected_purchases",
        )

    def conditional_expected_spend(
        self,
        summary: pd.DataFrame,
        *,
        frequency_col: str | None = None,
        monetary_col: str | None = None,
    ) -> pd.Series:
        """Return each customer's expected spend per purchase E[M | x, m], own parameters.

        Parameters
        ----------
        summary : pandas.DataFrame
            frequency, monetary_value and the covariates per customer (a customer with
            frequency 0 gets their pattern's population mean).
        frequency_col, monetary_col : str, optional
            Column names; default the names given to ``fit``.

        Returns
        -------
        pandas.Series
            ``expected_spend`` indexed like ``summary``.
        """
        return self._per_pattern(
            "conditional_expected_spend",
            summary,
            {"frequency_col": frequency_col, "monetary_col": monetary_col},
            lambda model, *cols: model.conditional_expected_spend(*cols),
            "expected_spend",
        )

"""Time-invariant covariates in the BG/NBD, Pareto/NBD and Gamma-Gamma models.

Customers acquired through different channels, or of different ages, may buy at different
rates, stay for different times and spend different amounts. Fader & Hardie's note
"Incorporating time-invariant covariates into the Pareto/NBD and BG/NBD models" (2007) lets
the customer's characteristics z_i (fixed over time) shift the **scale** of the gamma
distributions, so that every customer keeps the model's story, with parameters of their own:

=============  ==========================================  ===================================
process        customer i's parameter                      what exp(coefficient) multiplies
=============  ==========================================  ===================================
purchase       alpha_i = alpha0 exp(-g_purchase' z_i)      the mean purchase rate r / alpha_i
dropout        Pareto/NBD: beta_i = beta0 exp(-g_dropout'  the mean dropout rate s / beta_i
               z_i)
dropout        BG/NBD: b_i = b0 exp(-g_dropout' z_i)       the odds a / b_i of the mean dropout
                                                           probability a / (a + b_i)
spend          gamma_i = gamma0 exp(g_spend' z_i)          the mean spend per purchase
               (Gamma-Gamma)                               p gamma_i / (q - 1)
=============  ==========================================  ===================================

So a coefficient > 0 means *more* of the process (more purchases, more dropout, more spend),
and exp(coefficient) is the factor per unit of the covariate: for a 0/1 dummy of a channel,
the factor of that channel against the reference channel. The shapes (r, s, a, p, q) are
shared by all customers. The base parameters reported are those of a customer with all
covariates 0: with dummies, the reference level.

**BG/NBD dropout.** Fader & Hardie give the covariate form of the purchase process only for
the gamma scale; for the beta-distributed dropout probability we let the covariates scale
``b`` alone, b_i = b0 exp(-g' z_i). Why: (1) for small dropout probabilities (the usual
case) beta(a, b) is close to gamma(a, rate b), so b plays the part of the gamma's rate and
this is the Pareto/NBD form, with the same sign and nearly the same meaning (p_i scaled by
exp(g)); (2) exactly, exp(g) multiplies the odds a / b_i of the mean dropout probability;
(3) one coefficient per covariate and process, like the other processes, where scaling both
``a`` and ``b`` (CLVTools' choice) doubles the coefficients and leaves them weakly
identified. The Modified BG/NBD takes the same links as BG/NBD.

**Fitting.** Maximum likelihood with every customer's own parameters in the base model's
log-likelihood (the rows are grouped when identical). The base parameters are searched on
the log scale, the coefficients unconstrained, with BFGS on the exact gradient: d ll_i / d g
= d ll_i / d log theta_i times +-z_i, with d ll_i / d log theta_i in closed form for BG/NBD
and Gamma-Gamma, from the model's own per-row gradient for the Pareto/NBD when it has one
(``ParetoNBDModel._row_gradient``), and else (the Modified BG/NBD) by central differences of
the per-row log-likelihood. When the Pareto/NBD log-likelihood does not take one parameter
value per row, it is evaluated per covariate pattern with scalar parameters (fast for
categorical covariates, slow for continuous ones). The covariates are centred and scaled
inside the search (for its conditioning; the estimates are mapped back exactly), and the
search starts from the model fitted without covariates. Standard errors come from the
Hessian, assembled from the per-row Hessians in log theta_i (the map from the parameters to
log theta_i is linear). Without covariates, the fit is the base model's.

**Predictions.** Each customer is predicted by the base model with their own parameters
(:mod:`helpers.clv.covariate_predictions`).

**Saving.** ``model.save("channels.json")`` writes the fitted model as JSON (never pickle), as
the base models do, and ``CovariateModel.load("channels.json")`` reads it back ready to
predict exactly as before (:mod:`helpers.clv.covariate_persistence`).

Examples
--------
>>> from helpers.clv import BetaGeoModel
>>> from helpers.clv.covariates import CovariateModel, dummies
>>> data = summary.join(dummies(channels, reference="search"))  # doctest: +SKIP
>>> model = CovariateModel(                                      # doctest: +SKIP
...     BetaGeoModel(), purchase=["channel_social", "channel_email"], dropout=["channel_social"]
... ).fit(data)
>>> model.effects_                                                # doctest: +SKIP
"""

from __future__ import annotations

import math
import os
import warnings
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import special

from helpers.clv.covariate_design import check_design, covariate_columns, dummies
from helpers.clv.covariate_likelihood import (
    DROPOUT,
    LINKS,
    PURCHASE,
    SPEND,
    Link,
    make_problem,
)
from helpers.clv.covariate_persistence import load_model, model_payload
from helpers.clv.covariate_predictions import CustomerPredictions
from helpers.clv.fitting import (
    Z95,
    ConvergenceWarning,
    Fitter,
    check_rfm,
    convergence_problem,
    fit_overview,
    outside_stacklevel,
    overview_html,
    summary_arrays,
    write_json,
)
from helpers.clv.gamma_gamma import GammaGamma
from helpers.clv_data import BTYD_FREQUENCY, BTYD_MONETARY, BTYD_RECENCY, BTYD_T

__all__ = ["CovariateModel", "dummies"]


class CovariateModel(CustomerPredictions):
    """A BG/NBD, Pareto/NBD or Gamma-Gamma model with time-invariant covariates.

    Fader & Hardie (2007): each customer's gamma scale parameters are shifted by their
    covariates (see :mod:`helpers.clv.covariates` for the links and the choice made for the
    BG/NBD dropout): alpha_i = alpha0 exp(-g_purchase' z_i), beta_i = beta0
    exp(-g_dropout' z_i) (Pareto/NBD) or b_i = b0 exp(-g_dropout' z_i) (BG/NBD), gamma_i =
    gamma0 exp(g_spend' z_i) (Gamma-Gamma). A coefficient > 0 means more of the process;
    exp(coefficient) is the factor on its mean per unit of the covariate.

    Parameters
    ----------
    base : BetaGeoModel, ModifiedBetaGeoModel, ParetoNBDModel or GammaGamma
        The model to extend; only its type and settings (``initial_params``, ``max_iter``,
        used for the fit without covariates that the search starts from) are used, it is not
        changed.
    purchase, dropout : sequence of str, default ()
        Columns of the summary table whose values shift the purchase rate and the dropout
        (purchase models only). A column may be in both.
    spend : sequence of str, default ()
        Columns that shift the mean spend per purchase (Gamma-Gamma only).
    max_iter : int, default 1000
        Iterations of the BFGS search (and of the Nelder-Mead search that follows if BFGS
        fails).

    Attributes
    ----------
    params_ : pandas.Series
        The base parameters of a customer with all covariates 0 (with dummies: the reference
        level), then the coefficients, named ``"purchase:<column>"``, ``"dropout:<column>"``,
        ``"spend:<column>"``.
    covariance_ : pandas.DataFrame
        Inverse Hessian of the negative log-likelihood in those parameters (base parameters
        in their natural scale, by the delta method from the log scale of the search).
    standard_errors_ : pandas.Series
    summary_ : pandas.DataFrame
        Estimate, standard error and 95% interval per parameter: Wald on the log scale for
        the base parameters (as the base models), plain Wald for the coefficients.
    effects_ : pandas.DataFrame
        One row per process and covariate: ``process``, ``covariate``, ``parameter`` (the
        base parameter it scales), ``effect_on``, ``coefficient``, ``standard_error``,
        ``lower_95``, ``upper_95``, ``factor`` = exp(coefficient) and its interval
        ``factor_lower_95``, ``factor_upper_95``.
    log_likelihood_ : float
    base_log_likelihood_ : float
        Of the model fitted without covariates on the same customers.
    likelihood_ratio_ : pandas.Series
        ``statistic`` = 2 (LL - base LL), ``df`` (the number of coefficients) and
        ``p_value`` of the test that all coefficients are 0.
    converged_ : bool
    n_customers_ : float
        Customers fitted on (repeat buyers only for Gamma-Gamma).
    n_distinct_rows_ : int
    period_ : str or None
        The summary's period unit (purchase models).
    saved_with_ : dict
        Only on a model read by :meth:`load`: the versions it was saved with.

    Warns
    -----
    ConvergenceWarning
        If the search does not converge or a base parameter runs away (see
        :func:`helpers.clv.fitting.convergence_problem`); the fit without covariates that the
        search starts from does not warn.
    """

    def __init__(
        self,
        base: Fitter,
        *,
        purchase: Iterable[str] = (),
        dropout: Iterable[str] = (),
        spend: Iterable[str] = (),
        max_iter: int = 1000,
    ):
        self.base = base
        self.purchase = purchase
        self.dropout = dropout
        self.spend = spend
        self.max_iter = max_iter

    # ------------------------------------------------------------------ settings
    def _settings(self) -> tuple[type, list[tuple[Link, list[str]]]]:
        cls = type(self.base)
        if cls not in LINKS:
            names = ", ".join(c.__name__ for c in LINKS)
            raise ValueError(f"base must be an instance of one of {names}; got {self.base!r}")
        allowed = LINKS[cls]
        links = []
        for process in (PURCHASE, DROPOUT, SPEND):
            columns = getattr(self, process)
            columns = [columns] if isinstance(columns, str) else list(columns)
            if not all(isinstance(c, str) for c in columns):
                raise ValueError(f"{process} must be a sequence of column names; got {columns!r}")
            if len(set(columns)) < len(columns):
                repeated = next(c for c in columns if columns.count(c) > 1)
                raise ValueError(f"{process} names column {repeated!r} more than once")
            if not columns:
                continue
            if process not in allowed:
                raise ValueError(
                    f"{process} covariates do not apply to {cls.__name__}, which models "
                    f"{' and '.join(allowed)}; got {process}={columns!r}"
                )
            links.append((allowed[process], columns))
        if (
            isinstance(self.max_iter, bool)
            or not isinstance(self.max_iter, int)
            or self.max_iter < 1
        ):
            raise ValueError(f"max_iter must be a whole number >= 1; got {self.max_iter!r}")
        return cls, links

    # ------------------------------------------------------------------ fit
    def fit(
        self,
        summary: pd.DataFrame,
        *,
        frequency_col: str = BTYD_FREQUENCY,
        recency_col: str = BTYD_RECENCY,
        T_col: str = BTYD_T,  # noqa: N803
        monetary_col: str = BTYD_MONETARY,
    ) -> CovariateModel:
        """Fit the base parameters and the coefficients by maximum likelihood.

        Parameters
        ----------
        summary : pandas.DataFrame
            One row per customer: frequency, recency and T (purchase models) or frequency and
            monetary_value (Gamma-Gamma, fitted on the repeat buyers), and the covariate
            columns (numbers; one-hot a category with :func:`dummies`).
        frequency_col, recency_col, T_col, monetary_col : str
            Column names; kept in ``columns_``, the names the predictions read by default.

        Returns
        -------
        self

        Raises
        ------
        ValueError
            If the base model is not supported, a process does not apply to it, a column is
            missing or not a finite number, a covariate is constant or the covariates of a
            process are collinear.
        """
        cls, links = self._settings()
        self.columns_ = {
            "frequency_col": frequency_col,
            "recency_col": recency_col,
            "T_col": T_col,
            "monetary_col": monetary_col,
        }
        base = cls(initial_params=self.base.initial_params, max_iter=self.base.max_iter)
        if cls is GammaGamma:
            x, m, keep = GammaGamma.repeat_buyers(summary, frequency_col, monetary_col)
            data = [x[keep], m[keep]]
            with warnings.catch_warnings():  # the start of the search: this model warns below
                warnings.simplefilter("ignore", ConvergenceWarning)
                base.fit(summary, frequency_col=frequency_col, monetary_col=monetary_col)
            who = "the repeat buyers"
        else:
            x, tx, t_obs = summary_arrays(summary, [frequency_col, recency_col, T_col])
            check_rfm(x, tx, t_obs)
            keep = np.ones(len(x), dtype=bool)
            data = [x, tx, t_obs]
            with warnings.catch_warnings():  # the start of the search: this model warns below
                warnings.simplefilter("ignore", ConvergenceWarning)
                base.fit(summary, frequency_col=frequency_col, recency_col=recency_col, T_col=T_col)
            self.period_ = summary.attrs.get("period")
            who = "the customers"
        raw = []
        for link, columns in links:
            z = covariate_columns(summary, keep, columns)
            check_design(link.process, columns, z, who)
            raw.append(z)
        problem = make_problem(cls, [link for link, _ in links], data, raw)
        start = np.concatenate(
            [np.log(base.params_.to_numpy()), np.zeros(problem.size - len(cls.PARAMS))]
        )
        v, self.log_likelihood_, converged = problem.maximise(start, self.max_iter)
        self.converged_ = converged
        self.base_log_likelihood_ = float(base.log_likelihood_)
        self.n_customers_ = float(problem.counts.sum())
        self.n_distinct_rows_ = len(problem.counts)
        self._cls, self._links = cls, links
        names = list(cls.PARAMS) + [
            f"{link.process}:{column}" for link, columns in links for column in columns
        ]
        self._set_estimates(names, *problem.unscaled(v))
        self._effects(links)
        self._set_likelihood_ratio(problem.size - len(cls.PARAMS))
        problem = convergence_problem(
            f"CovariateModel({cls.__name__})",
            self.params_[list(cls.PARAMS)],
            converged,
            cls.SCALES,
            self.max_iter,
        )
        if problem is not None:
            if not converged:
                problem += " Check the covariates' scales too."
            warnings.warn(problem, ConvergenceWarning, stacklevel=outside_stacklevel())
        return self

    def _set_estimates(
        self, names: list[str], estimate: np.ndarray, covariance: np.ndarray
    ) -> None:
        """Set ``params_``, ``covariance_``, ``standard_errors_`` and ``summary_``.

        The base parameters' intervals are the base model's own (Wald on the log scale, from
        ``Fitter._set_estimates``); the coefficients' are plain Wald intervals.
        """
        k = len(self._cls.PARAMS)
        base = self._cls()
        base._set_estimates(estimate[:k], covariance[:k, :k])
        self.params_ = pd.Series(estimate, index=names, name="estimate")
        self.covariance_ = pd.DataFrame(covariance, index=names, columns=names)
        variance = np.diag(covariance)
        with np.errstate(invalid="ignore"):
            se = np.sqrt(np.where(variance > 0, variance, np.nan))
        self.standard_errors_ = pd.Series(se, index=names, name="standard_error")
        lower, upper = estimate - Z95 * se, estimate + Z95 * se
        lower[:k] = base.summary_["lower_95"].to_numpy()
        upper[:k] = base.summary_["upper_95"].to_numpy()
        self.summary_ = pd.DataFrame(
            {"estimate": estimate, "standard_error": se, "lower_95": lower, "upper_95": upper},
            index=names,
        )

    def _set_likelihood_ratio(self, df: int) -> None:
        """Set ``likelihood_ratio_``: the test of the ``df`` coefficients all being 0."""
        statistic = max(2 * (self.log_likelihood_ - self.base_log_likelihood_), 0.0)
        self.likelihood_ratio_ = pd.Series(
            {
                "statistic": statistic,
                "df": float(df),
                "p_value": float(special.chdtrc(df, statistic)) if df else math.nan,
            },
            name="likelihood ratio vs no covariates",
        )

    def _effects(self, links: list[tuple[Link, list[str]]]) -> None:
        rows = []
        for link, columns in links:
            for column in columns:
                name = f"{link.process}:{column}"
                row = self.summary_.loc[name]
                rows.append(
                    {
                        "process": link.process,
                        "covariate": column,
                        "parameter": self._cls.PARAMS[link.param],
                        "effect_on": link.effect_on,
                        "coefficient": row["estimate"],
                        "standard_error": row["standard_error"],
                        "lower_95": row["lower_95"],
                        "upper_95": row["upper_95"],
                        "factor": math.exp(row["estimate"]),
                        "factor_lower_95": math.exp(row["lower_95"]),
                        "factor_upper_95": math.exp(row["upper_95"]),
                    }
                )
        columns = [
            "process",
            "covariate",
            "parameter",
            "effect_on",
            "coefficient",
            "standard_error",
            "lower_95",
            "upper_95",
            "factor",
            "factor_lower_95",
            "factor_upper_95",
        ]
        self.effects_ = pd.DataFrame(rows, columns=columns)

    # ------------------------------------------------------------------ persistence
    def save(self, path: str | os.PathLike) -> Path:
        """Write the fitted model to a JSON file (never pickle): it can be read anywhere.

        The file holds the base model's class name, the covariate columns of each process,
        every parameter with its standard error and the covariance matrix (a non-finite
        number as null), the log-likelihoods with and without covariates, the
        likelihood-ratio test, whether the fit converged, the data it saw (customers,
        distinct rows, the period unit), the settings (this model's and the base model's),
        the versions of the package, Python, NumPy, SciPy and pandas, and when it was saved.
        It is written to a temporary name and renamed, so a reader never sees half a file.

        Parameters
        ----------
        path : str or path-like
            The file to write (its folder must exist), e.g. ``channels.json``.

        Returns
        -------
        pathlib.Path

        Raises
        ------
        ValueError
            If the model is not fitted.
        """
        return write_json(path, model_payload(self))

    @classmethod
    def load(cls, path: str | os.PathLike) -> CovariateModel:
        """Read a model written by :meth:`save`, ready to predict.

        Parameters
        ----------
        path : str or path-like
            The JSON file.

        Returns
        -------
        CovariateModel
            With every fitted attribute (``params_``, ``covariance_``, ``summary_``,
            ``effects_``, ``log_likelihood_``, ``base_log_likelihood_``,
            ``likelihood_ratio_``, ``converged_``, ``n_customers_``, ``n_distinct_rows_``,
            ``period_`` for a purchase model) as when it was fitted, so that it predicts the
            same; its ``base`` is a new, unfitted model of the saved class and settings;
            ``saved_with_``: the versions it was saved with.

        Raises
        ------
        ValueError
            If the file is not JSON written by a ``save``, is of another format version,
            holds a base model (load that with its own class) or another model, names a base
            model or covariates that a CovariateModel does not take, or its parameter names
            do not match its base model and covariate columns.
        """
        return load_model(cls, path)

    # ------------------------------------------------------------------ display
    def summary_text(self) -> str:
        """Return the fit as text: data, log-likelihood, AIC, tests, parameters and effects."""
        self._check_fitted()
        rows = fit_overview(self, len(self.params_))
        width = max(len(label) for label, _ in rows)
        lr = self.likelihood_ratio_
        lines = [f"CovariateModel({self._cls.__name__}) with time-invariant covariates"]
        lines += [f"  {label:<{width}}  {value}" for label, value in rows]
        if lr["df"]:
            lines.append(
                f"likelihood ratio vs no covariates: {lr['statistic']:.2f} on {lr['df']:.0f} df, "
                f"p = {lr['p_value']:.3g}"
            )
        lines += [
            "",
            "parameters (base values for covariates 0):",
            self.summary_.to_string(float_format="{:.4g}".format),
        ]
        if len(self.effects_):
            table = self.effects_[
                [
                    "process",
                    "covariate",
                    "effect_on",
                    "factor",
                    "factor_lower_95",
                    "factor_upper_95",
                ]
            ]
            lines += ["", "effects (factor = exp(coefficient) per unit of the covariate):"]
            lines.append(table.to_string(index=False, float_format="{:.3f}".format))
        return "\n".join(lines)

    def print_summary(self) -> None:
        """Print :meth:`summary_text`."""
        print(self.summary_text())

    def _repr_html_(self) -> str | None:
        """Return the fitted model as HTML for a notebook (None when not fitted: plain repr)."""
        if not hasattr(self, "params_"):
            return None
        return overview_html(
            f"CovariateModel({self._cls.__name__}) with time-invariant covariates",
            fit_overview(self, len(self.params_)),
            self.summary_,
        )

    def __repr__(self) -> str:
        cls = type(self.base).__name__
        settings = [
            f"{p}={list(getattr(self, p))!r}"
            for p in (PURCHASE, DROPOUT, SPEND)
            if getattr(self, p)
        ]
        inside = ", ".join([f"{cls}()"] + settings)
        if hasattr(self, "params_"):
            fitted = ", ".join(f"{k}={v:.3f}" for k, v in self.params_.items())
            return f"CovariateModel({inside}; {fitted})"
        return f"CovariateModel({inside})"

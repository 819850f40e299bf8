"""Cox proportional hazards for contractual customers: hazard ratios, the PH check, strata.

:class:`CoxModel` wraps lifelines' ``CoxPHFitter`` (imported at ``fit``) with an explicit
design: every categorical covariate one-hot encoded against a reference level (dropped), every
numeric one standardised (z-score), so that a hazard ratio reads "this level against the
reference" or "one standard deviation more". The proportional-hazards assumption (a covariate
multiplies the hazard by the same factor at every tenure) is checked on the scaled Schoenfeld
residuals (:meth:`CoxModel.ph_test`). When a categorical covariate fails it, the usual remedy is
to **stratify** on it (``strata=["contract"]``): each stratum gets its own baseline hazard, so
the covariate needs no proportional effect (and gets no hazard ratio), while the others keep
theirs. Other remedies, not implemented here: split time into bands with a separate effect in
each (time-varying coefficients, lifelines' ``CoxTimeVaryingFitter`` on episode data), or model
the covariate's effect as a function of time.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from helpers.checks import check_share
from helpers.survival import DURATION, EVENT, check_survival_data, quiet_lifelines

if TYPE_CHECKING:
    from lifelines import CoxPHFitter

__all__ = ["CoxModel"]


class CoxModel:
    """Cox proportional hazards on one-hot categoricals and standardised numerics.

    Parameters
    ----------
    categorical : sequence of str
        Text columns, one-hot encoded; the reference level is dropped.
    numeric : sequence of str
        Number columns, standardised with the fitting data's mean and standard deviation
        (ddof 1): the hazard ratio is per standard deviation.
    strata : sequence of str, default ()
        Columns to stratify on (a baseline hazard per stratum; no hazard ratio for them).
        A column here is left out of ``categorical``.
    reference : dict of str to str, optional
        Reference level per categorical column; default the most frequent level (ties: the
        first in sorted order).
    penalizer : float, default 0.0
        lifelines' L2 penalty on the coefficients (0: plain partial likelihood).
    alpha : float, default 0.05
        1 - the confidence level of the hazard ratios' intervals.

    Attributes
    ----------
    encoding_ : dict
        ``reference``, ``levels`` (kept levels per categorical), ``mean`` and ``sd`` per
        numeric: how :meth:`transform` encodes new data.
    design_ : pandas.DataFrame
        The table lifelines was fitted on (covariates, duration, event, strata).
    fitter_ : lifelines.CoxPHFitter
    hazard_ratios_ : pandas.DataFrame
        Per covariate: ``hazard_ratio``, ``lower``, ``upper``, ``p_value``.
    concordance_ : float
        Harrell's C on the fitting data: the share of comparable pairs whose earlier leaver
        had the higher predicted hazard (0.5: no better than chance).
    """

    def __init__(
        self,
        categorical: Sequence[str] = (),
        numeric: Sequence[str] = (),
        *,
        strata: Sequence[str] = (),
        reference: dict[str, str] | None = None,
        penalizer: float = 0.0,
        alpha: float = 0.05,
    ) -> None:
        self.categorical = categorical
        self.numeric = numeric
        self.strata = strata
        self.reference = reference
        self.penalizer = penalizer
        self.alpha = alpha

    def _check_settings(self) -> None:
        for name in ("categorical", "numeric", "strata"):
            value = getattr(self, name)
            if isinstance(value, str):
                raise ValueError(f"{name} must be a list of column names; got the string {value!r}")
        if not (list(self.categorical) or list(self.numeric)):
            raise ValueError("CoxModel needs at least one covariate (categorical or numeric)")
        check_share("alpha", self.alpha, "1 - the confidence level")
        if not np.isfinite(self.penalizer) or self.penalizer < 0:
            raise ValueError(f"penalizer must be >= 0 and finite; got {self.penalizer!r}")

    def _categorical(self) -> list[str]:
        return [c for c in self.categorical if c not in set(self.strata)]

    def fit(self, df: pd.DataFrame, duration_col: str = DURATION, event_col: str = EVENT):
        """Fit on one row per customer.

        Parameters
        ----------
        df : pandas.DataFrame
            Durations, events, covariates and strata columns.
        duration_col, event_col : str
            Duration (>= 0) and event flag (True: left).

        Returns
        -------
        CoxModel
            ``self``, fitted.
        """
        from lifelines import CoxPHFitter

        self._check_settings()
        columns = [*self._categorical(), *self.numeric, *self.strata]
        check_survival_data(df, duration_col, event_col, columns)
        reference = dict(self.reference or {})
        levels = {}
        for column in self._categorical():
            counts = df[column].astype(str).value_counts()
            if len(counts) < 2:
                raise ValueError(
                    f"survival data: column {column!r} must have at least 2 levels for a "
                    f"hazard ratio; got {counts.index.tolist()}"
                )
            ref = reference.setdefault(column, min(counts.index[counts == counts.max()]))
            if ref not in counts.index:
                raise ValueError(
                    f"reference: level {ref!r} of column {column!r} is not in the data "
                    f"(levels: {sorted(counts.index)})"
                )
            levels[column] = sorted(level for level in counts.index if level != ref)
        mean, sd = {}, {}
        for column in self.numeric:
            values = pd.to_numeric(df[column], errors="raise").astype(float)
            mean[column], sd[column] = float(values.mean()), float(values.std())
            if not sd[column] > 0:
                raise ValueError(
                    f"survival data: column {column!r} is constant; it explains nothing"
                )
        self.encoding_ = {"reference": reference, "levels": levels, "mean": mean, "sd": sd}
        self.duration_col_, self.event_col_ = duration_col, event_col
        design = self.transform(df)
        design[duration_col] = df[duration_col].astype(float)
        design[event_col] = df[event_col].astype(bool)
        for column in self.strata:
            design[column] = df[column]
        self.design_ = design
        self.fitter_: CoxPHFitter = CoxPHFitter(penalizer=self.penalizer, alpha=self.alpha)
        with quiet_lifelines():
            self.fitter_.fit(design, duration_col, event_col, strata=list(self.strata) or None)
        bounds = self.fitter_.confidence_intervals_
        self.hazard_ratios_ = pd.DataFrame(
            {
                "hazard_ratio": np.exp(self.fitter_.params_),
                "lower": np.exp(bounds.iloc[:, 0]),
                "upper": np.exp(bounds.iloc[:, 1]),
                "p_value": self.fitter_.summary["p"],
            }
        )
        self.hazard_ratios_.index.name = "covariate"
        self.concordance_ = float(self.fitter_.concordance_index_)
        return self

    def _fitted(self) -> None:
        if not hasattr(self, "fitter_"):
            raise ValueError("this CoxModel is not fitted yet: call fit(df) first")

    def transform(self, df: pd.DataFrame) -> pd.DataFrame:
        """Encode covariates as at fitting: ``column=level`` 0/1 columns, then z-scores.

        Parameters
        ----------
        df : pandas.DataFrame

        Returns
        -------
        pandas.DataFrame
            The covariate columns only, ``df``'s index.
        """
        if not hasattr(self, "encoding_"):
            raise ValueError("this CoxModel is not fitted yet: call fit(df) first")
        enc = self.encoding_
        out = {}
        for column, kept in enc["levels"].items():
            text = df[column].astype(str)
            known = text.isin([*kept, enc["reference"][column]])
            if not known.all():
                raise ValueError(
                    f"column {column!r}: level {text[~known].iloc[0]!r} was not seen at fitting "
                    f"(levels: {sorted([*kept, enc['reference'][column]])})"
                )
            for level in kept:
                out[f"{column}={level}"] = (text == level).astype(float)
        for column in enc["mean"]:
            out[column] = (df[column].astype(float) - enc["mean"][column]) / enc["sd"][column]
        return pd.DataFrame(out, index=df.index)

    def ph_test(self, alpha: float = 0.05, time_transform: str = "rank") -> pd.DataFrame:
        """Test proportional hazards per covariate (scaled Schoenfeld residuals against time).

        Under PH a covariate's scaled Schoenfeld residuals do not trend with (transformed)
        time; the test is lifelines' ``proportional_hazard_test``, chi-square with 1 degree of
        freedom per covariate. A small p-value means the covariate's effect changes with
        tenure: stratify on it (categorical) or give it a time-varying effect.

        Parameters
        ----------
        alpha : float, default 0.05
            A covariate ``violates`` PH when its p-value is below this.
        time_transform : str, default "rank"
            lifelines' transform of time: "rank", "km", "log" or "identity".

        Returns
        -------
        pandas.DataFrame
            Per covariate: ``statistic``, ``p_value``, ``violates``; most violating first.
        """
        from lifelines.statistics import proportional_hazard_test

        self._fitted()
        check_share("alpha", alpha, "the test's level")
        with quiet_lifelines():
            result = proportional_hazard_test(
                self.fitter_, self.design_, time_transform=time_transform
            )
        summary = result.summary
        table = pd.DataFrame(
            {
                "statistic": summary["test_statistic"].to_numpy(dtype=float),
                "p_value": summary["p"].to_numpy(dtype=float),
            },
            index=pd.Index(summary.index.get_level_values(-1), name="covariate"),
        )
        table["violates"] = table["p_value"] < alpha
        return table.sort_values("statistic", ascending=False)

    def survival_curves(self, df: pd.DataFrame, times: Sequence[float]) -> pd.DataFrame:
        """Each customer's own survival curve S(t | covariates) at ``times``.

        Parameters
        ----------
        df : pandas.DataFrame
            Covariates (and strata columns) of the customers.
        times : sequence of float
            Times >= 0 (e.g. the months 0..H).

        Returns
        -------
        pandas.DataFrame
            Index ``times``, one column per row label of ``df``.
        """
        self._fitted()
        design = self.transform(df)
        for column in self.strata:
            design[column] = df[column]
        with quiet_lifelines():
            curves = self.fitter_.predict_survival_function(design, times=list(times))
        curves.columns = df.index
        curves.index = pd.Index(np.asarray(times, dtype=float), name="time")
        return curves

    def print_summary(self) -> None:
        """Print n, events, log partial likelihood, partial AIC, concordance, hazard ratios."""
        self._fitted()
        fitter = self.fitter_
        strata = f", strata {list(self.strata)}" if list(self.strata) else ""
        events = int(self.design_[self.event_col_].sum())
        print(
            f"Cox PH: n = {len(self.design_):,}, events = {events:,}"
            f"{strata}; log partial likelihood = {fitter.log_likelihood_:.2f}, "
            f"partial AIC = {fitter.AIC_partial_:.2f}, concordance = {self.concordance_:.3f}"
        )
        print(self.hazard_ratios_.to_string(float_format="{:.3f}".format))

"""Saving and reading back a fitted :class:`helpers.clv.covariates.CovariateModel` (JSON).

The file is written like a base model's (their ``save`` method): JSON,
never pickle, the same format version, written to a temporary name and renamed. It holds
``"model": "CovariateModel"``, the base model's class name, the covariate columns of each
process, every parameter (the base parameters, then the coefficients ``"<process>:<column>"``),
their standard errors and covariance matrix (a non-finite number as null), the fit's figures
(log-likelihoods with and without covariates, the likelihood-ratio test, convergence), the
data it saw (customers, distinct rows, period unit), the settings (the model's and the base
model's) and the versions it was made with. The derived tables (``summary_``, ``effects_``,
``likelihood_ratio_``) are rebuilt on reading by the code that built them at the fit, so a
loaded model predicts and reports exactly as the fitted one.
"""

from __future__ import annotations

import math
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from helpers.clv.covariate_likelihood import DROPOUT, LINKS, PURCHASE, SPEND
from helpers.clv.fitting import (
    SAVE_FORMAT,
    finite_dict,
    json_matrix,
    package_versions,
    read_json,
    saved_covariance,
)
from helpers.clv.gamma_gamma import GammaGamma

if TYPE_CHECKING:
    from helpers.clv.covariates import CovariateModel

__all__: list[str] = []

_PROCESSES = (PURCHASE, DROPOUT, SPEND)


def model_payload(model: CovariateModel) -> dict:
    """Return the JSON-ready content of a fitted model's file."""
    model._check_fitted()
    fitted = {link.process: list(columns) for link, columns in model._links}
    base = model.base
    initial = getattr(base, "initial_params", None)
    return {
        "format": SAVE_FORMAT,
        "model": "CovariateModel",
        "base": model._cls.__name__,
        "covariates": {process: fitted.get(process, []) for process in _PROCESSES},
        "params": finite_dict(model.params_),
        "standard_errors": finite_dict(model.standard_errors_),
        "covariance": json_matrix(model.covariance_.to_numpy()),
        "log_likelihood": float(model.log_likelihood_),
        "base_log_likelihood": float(model.base_log_likelihood_),
        "likelihood_ratio": finite_dict(model.likelihood_ratio_),
        "converged": bool(model.converged_),
        "data": {
            "customers": float(model.n_customers_),
            "distinct_rows": int(model.n_distinct_rows_),
            "period": getattr(model, "period_", None),
            "columns": getattr(model, "columns_", None),
        },
        "settings": {
            "max_iter": int(model.max_iter),
            "base": {
                "initial_params": None if initial is None else [float(v) for v in initial],
                "max_iter": int(getattr(base, "max_iter", 5000)),
            },
        },
        "versions": package_versions(),
        "saved": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def _number(path: Path, payload: dict, key: str) -> float:
    """Return ``payload[key]`` as a float, or raise naming the file and the entry."""
    value = payload.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{path}: {key!r} must be a number; got {value!r}")
    return float(value)


def load_model(cls: type[CovariateModel], path: str | os.PathLike) -> CovariateModel:
    """Read a model written by :func:`model_payload` (see ``CovariateModel.load``)."""
    path = Path(path)
    payload = read_json(path, cls.__name__)
    bases = {base.__name__: base for base in LINKS}
    name = payload.get("base")
    if name not in bases:
        raise ValueError(
            f"{path}: base model {name!r} is not one a CovariateModel extends ({', '.join(bases)})"
        )
    base_cls = bases[name]
    covariates = payload.get("covariates")
    if (
        not isinstance(covariates, dict)
        or set(covariates) - set(_PROCESSES)
        or not all(isinstance(v, list) for v in covariates.values())
    ):
        raise ValueError(
            f"{path}: 'covariates' must map {', '.join(_PROCESSES)} to lists of column names; "
            f"got {covariates!r}"
        )
    settings = payload.get("settings") or {}
    base_settings = settings.get("base") or {}
    base = base_cls(
        initial_params=base_settings.get("initial_params"),
        max_iter=base_settings.get("max_iter", 5000),
    )
    model = cls(
        base,
        purchase=covariates.get(PURCHASE, []),
        dropout=covariates.get(DROPOUT, []),
        spend=covariates.get(SPEND, []),
        max_iter=settings.get("max_iter", 1000),
    )
    try:
        base_cls, links = model._settings()  # the same checks as fit's
    except ValueError as err:
        raise ValueError(f"{path}: {err}") from None
    names = list(base_cls.PARAMS) + [
        f"{link.process}:{column}" for link, columns in links for column in columns
    ]
    params = payload.get("params")
    if not isinstance(params, dict) or list(params) != names:
        found = list(params) if isinstance(params, dict) else params
        raise ValueError(
            f"{path}: parameters {found!r} do not match CovariateModel({name}) with covariates "
            f"{ {link.process: columns for link, columns in links} }: expected {names}"
        )
    k = len(base_cls.PARAMS)
    for i, (key, value) in enumerate(params.items()):
        number = not isinstance(value, bool) and isinstance(value, int | float)
        if not number or not math.isfinite(value) or (i < k and value <= 0):
            rule = "a number > 0 (a base parameter)" if i < k else "a finite number"
            raise ValueError(f"{path}: parameter {key!r} must be {rule}; got {value!r}")
    estimate = np.array([params[p] for p in names], dtype=float)
    model._cls, model._links = base_cls, links
    model._set_estimates(names, estimate, saved_covariance(payload, names))
    model._effects(links)
    model.log_likelihood_ = _number(path, payload, "log_likelihood")
    model.base_log_likelihood_ = _number(path, payload, "base_log_likelihood")
    model._set_likelihood_ratio(len(names) - k)
    model.converged_ = bool(payload.get("converged"))
    data = payload.get("data") or {}
    model.n_customers_ = float(data.get("customers", np.nan))
    model.n_distinct_rows_ = int(data.get("distinct_rows", 0))
    if base_cls is not GammaGamma:  # as fit: the spend model has no period
        model.period_ = data.get("period")
    if isinstance(data.get("columns"), dict):
        model.columns_ = {str(k): str(v) for k, v in data["columns"].items()}
    model.saved_with_ = dict(payload.get("versions") or {})
    return model

"""The covariate columns of a :class:`helpers.clv.covariates.CovariateModel`: dummies and checks.

A covariate enters the model as a number per customer: :func:`dummies` one-hots a category
(an acquisition channel, a region) against a reference level. Before a fit, the columns are
read as finite numbers (:func:`covariate_columns`) and each process's columns are checked to
carry information of their own (:func:`check_design`: none constant, none a combination of
the others and a constant).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.checks import column_rule, require_columns

__all__ = ["dummies"]


def dummies(
    values: pd.Series,
    reference: object = None,
    *,
    prefix: str | None = None,
) -> pd.DataFrame:
    """One-hot a categorical column against a reference level: one 0/1 column per other level.

    Parameters
    ----------
    values : pandas.Series
        The categories, one per customer (e.g. ``customers["acquisition_channel"]`` indexed
        by customer id, so that it joins onto a summary table).
    reference : optional
        The level every other level is compared with (it gets no column). Default: the most
        frequent level (the first in sorted order on a tie): its coefficients are then the
        best determined.
    prefix : str, optional
        Start of the column names, ``f"{prefix}_{level}"``; default the Series' name.

    Returns
    -------
    pandas.DataFrame
        Float columns, indexed like ``values``, in the levels' order (a categorical's own
        order, else sorted); ``attrs["reference"]`` is the reference level.

    Raises
    ------
    ValueError
        If a value is missing, ``reference`` is not a level, or there is only one level.

    Examples
    --------
    >>> import pandas as pd
    >>> channel = pd.Series(["search", "social", "search", "email"], name="channel")
    >>> dummies(channel, reference="search").columns.tolist()
    ['channel_email', 'channel_social']
    """
    if not isinstance(values, pd.Series):
        raise ValueError(f"values must be a pandas Series; got {type(values).__name__}")
    name = values.name if values.name is not None else "values"
    missing = values.isna()
    if missing.any():
        label = values.index[int(np.flatnonzero(missing.to_numpy())[0])]
        raise ValueError(
            f"{name}: every customer needs a level; {int(missing.sum())} value(s) are missing, "
            f"e.g. for {values.index.name or 'index'} {label!r}"
        )
    if isinstance(values.dtype, pd.CategoricalDtype):
        present = set(values.unique())
        levels = [c for c in values.cat.categories if c in present]
    else:
        levels = sorted(values.unique(), key=str)
    if len(levels) < 2:
        raise ValueError(f"{name}: needs at least 2 levels to compare; found {levels}")
    if reference is None:
        counts = values.value_counts()
        reference = max(levels, key=lambda level: (counts[level], -levels.index(level)))
    elif reference not in levels:
        raise ValueError(f"reference {reference!r} is not a level of {name}: {levels}")
    prefix = str(name) if prefix is None else prefix
    out = pd.DataFrame(
        {
            f"{prefix}_{level}": (values == level).to_numpy(dtype=float)
            for level in levels
            if level != reference
        },
        index=values.index,
    )
    out.attrs["reference"] = reference
    return out


def covariate_columns(summary: pd.DataFrame, rows: np.ndarray, columns: list[str]) -> np.ndarray:
    """Return the covariate columns on ``rows`` as floats, checked."""
    require_columns(summary, columns, "summary", hint="add the covariates, e.g. with dummies()")
    out = np.empty((int(rows.sum()), len(columns)))
    for j, column in enumerate(columns):
        values = pd.to_numeric(summary[column], errors="coerce").astype(float)
        column_rule(summary, ~np.isfinite(values) & rows, "summary", column, "a finite number")
        out[:, j] = values.to_numpy()[rows]
    return out


def check_design(process: str, columns: list[str], z: np.ndarray, who: str) -> None:
    """Raise if a covariate is constant or the covariates are collinear with a constant."""
    for j, column in enumerate(columns):
        if np.ptp(z[:, j]) == 0:
            raise ValueError(
                f"{process} covariate {column!r} is constant ({z[0, j]!r}) on {who}: "
                "its effect cannot be told from the base parameter; leave it out"
            )
    design = np.column_stack([np.ones(len(z)), z])
    if np.linalg.matrix_rank(design) < design.shape[1]:
        raise ValueError(
            f"{process} covariates {columns} are collinear with each other or with a "
            "constant on " + who + " (e.g. a dummy for every level: leave the reference "
            "level out)"
        )

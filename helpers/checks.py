"""Checks of function arguments and input tables, raising errors that say what is wrong.

Every check raises a :class:`ValueError` that names the argument or column, the rule it breaks
and one offending example (a value and where it is, or a whole row), as the house style asks.

Data that are valid but too plain for a step (a feature every customer shares, no repeat
buyers to fit a CLV model on) are not an error: the step leaves the feature or the model out
and says so in a **note**, a plain sentence. Notes travel in the result's ``attrs["notes"]``
(a list of str) and are issued once, where they arise, as a :class:`DataWarning`
(:func:`warn_notes`), so that a library user sees them too.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable

import numpy as np
import pandas as pd

__all__ = [
    "DataWarning",
    "add_notes",
    "check_days",
    "check_numbers",
    "check_share",
    "column_rule",
    "example_row",
    "has_missing",
    "require_columns",
    "unique_ids",
    "warn_notes",
]


class DataWarning(UserWarning):
    """A step left a feature or a model out because of the data; the message says what and why.

    Raised (as a warning) by the helpers that drop a feature every customer shares or skip a
    model the data cannot fit; the same sentence is in the result's ``attrs["notes"]``.
    Turn it into an error with ``warnings.simplefilter("error", DataWarning)``.
    """


def warn_notes(notes: Iterable[str], *, stacklevel: int = 2) -> None:
    """Issue each note as a :class:`DataWarning`.

    Parameters
    ----------
    notes : iterable of str
        Plain sentences, e.g. "return_rate dropped: every customer has 0 (no returns in the
        data)".
    stacklevel : int, default 2
        As in :func:`warnings.warn`, counted from the caller of ``warn_notes``: 2 points at
        the caller's caller (the user's line when a public helper calls this).
    """
    for note in notes:
        warnings.warn(note, DataWarning, stacklevel=stacklevel + 1)


def add_notes(obj: pd.DataFrame | pd.Series, notes: Iterable[str]) -> pd.DataFrame | pd.Series:
    """Append ``notes`` to ``obj.attrs["notes"]`` (created if absent, repeats skipped).

    Parameters
    ----------
    obj : pandas.DataFrame or pandas.Series
        A result; changed in place.
    notes : iterable of str
        Sentences to add.

    Returns
    -------
    pandas.DataFrame or pandas.Series
        ``obj``, for chaining.
    """
    kept = list(obj.attrs.get("notes", []))
    for note in notes:
        if note not in kept:
            kept.append(note)
    obj.attrs["notes"] = kept
    return obj


def check_numbers(
    name: str,
    value: object,
    rule: str,
    ok: Callable[[np.ndarray], np.ndarray],
    *,
    allow_nan: bool = False,
) -> None:
    """Raise a ValueError naming ``name``, the ``rule`` and an offending value, if any.

    Parameters
    ----------
    name : str
        The argument's name, as the caller knows it.
    value : number, array or Series
        What to check; a Series names the offending index label.
    rule : str
        The rule in words, e.g. "> 0".
    ok : callable
        Takes a float array, returns a boolean array: True where the rule holds.
    allow_nan : bool, default False
        Let missing values pass.
    """
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be numeric; got {value!r}") from None
    with np.errstate(invalid="ignore"):
        nan = np.isnan(arr)
        bad = ~ok(np.where(nan, 0.0, arr)) & ~nan
    if not allow_nan:
        bad |= nan
    if not bad.any():
        return
    if arr.ndim == 0:
        raise ValueError(f"{name} must be {rule}; got {float(arr)!r}")
    position = int(np.flatnonzero(bad.ravel())[0])
    where = f"at position {position}"
    if isinstance(value, pd.Series):
        where = f"for {value.index.name or 'index'} {value.index[position]!r}"
    raise ValueError(
        f"{name} must be {rule}; {int(bad.sum())} value(s) are not, "
        f"e.g. {float(arr.ravel()[position])!r} {where}"
    )


def check_days(name: str, value: object) -> None:
    """Raise a ValueError unless ``value`` is a whole number of days, at least 1.

    Parameters
    ----------
    name : str
        The argument's name, as the caller knows it (e.g. "horizon_days").
    value : number
        What to check.
    """
    check_numbers(name, value, "a whole number of days >= 1", lambda d: d >= 1)
    if int(value) != value:
        raise ValueError(f"{name} must be a whole number of days; got {value!r}")


def check_share(name: str, value: object, meaning: str = "", *, include_one: bool = True) -> None:
    """Raise a ValueError unless every value is a share: in (0, 1], or strictly between 0 and 1.

    Parameters
    ----------
    name : str
        The argument's name, as the caller knows it.
    value : number, array or Series
        What to check (see :func:`check_numbers`).
    meaning : str, optional
        What the share is, for the message (e.g. "a share of revenue").
    include_one : bool, default True
        Whether 1 is allowed: True for "in (0, 1]", False for "strictly between 0 and 1"
        (a churn or retention rate).
    """
    rule = "in (0, 1]" if include_one else "strictly between 0 and 1"
    rule += f" ({meaning})" if meaning else ""
    if include_one:
        check_numbers(name, value, rule, lambda a: (a > 0) & (a <= 1))
    else:
        check_numbers(name, value, rule, lambda a: (a > 0) & (a < 1))


def require_columns(
    df: pd.DataFrame,
    columns: Iterable[str],
    table: str,
    *,
    allow_empty: bool = False,
    hint: str = "",
) -> None:
    """Raise a ValueError if ``df`` is not a DataFrame with all of ``columns`` (and rows).

    Parameters
    ----------
    df : pandas.DataFrame
        The input table.
    columns : iterable of str
        The columns it needs.
    table : str
        What the table is called in the message (e.g. "transactions").
    allow_empty : bool, default False
        Let a table without rows pass.
    hint : str, optional
        Advice appended to the message about missing columns (e.g. "pass the column names
        as arguments if yours are called differently").
    """
    if not isinstance(df, pd.DataFrame):
        raise ValueError(f"{table} must be a pandas DataFrame; got {type(df).__name__}")
    missing = [c for c in columns if c not in df.columns]
    if missing:
        more = f", and so are {missing[1:]}" if len(missing) > 1 else ""
        raise ValueError(
            f"{table}: column {missing[0]!r} is required but missing{more} "
            f"(columns present: {list(df.columns)})" + (f"; {hint}" if hint else "")
        )
    if df.empty and not allow_empty:
        raise ValueError(f"{table}: the table has no rows")


def example_row(df: pd.DataFrame, bad: pd.Series) -> str:
    """Say "e.g. row <label>: {column: value, ...}" for the first row where ``bad`` is True.

    Parameters
    ----------
    df : pandas.DataFrame
        The input table.
    bad : pandas.Series of bool
        True on the offending rows (aligned with ``df``); at least one must be True.
    """
    row = df.loc[bad].iloc[0]
    return f"e.g. row {row.name!r}: {row.to_dict()}"


def has_missing(values: pd.Series) -> bool:
    """Say whether any value is missing; quickly for a column of text ids.

    A text column is first scanned for anything but a string (about 6 ms a million lines),
    which is three times as quick as pandas' ``isna`` of Python strings; only a column that
    holds something else is looked at by ``isna``.

    Parameters
    ----------
    values : pandas.Series
        A column.

    Returns
    -------
    bool
        True if a value is missing (None, NaN, NaT, ``pandas.NA``).
    """
    if values.dtype == object or isinstance(values.dtype, pd.StringDtype):
        objects = values.to_numpy(dtype=object)
        if pd.api.types.infer_dtype(objects, skipna=False) == "string":
            return False
    return bool(values.isna().any())


def column_rule(df: pd.DataFrame, bad: pd.Series, table: str, column: str, rule: str) -> None:
    """Raise a ValueError naming the column and rule, with one offending row, if ``bad`` any.

    Parameters
    ----------
    df : pandas.DataFrame
        The input table.
    bad : pandas.Series of bool
        True on the rows that break the rule (aligned with ``df``).
    table, column, rule : str
        The table's name, the column checked and the rule in words (e.g. "> 0").
    """
    if bad.any():
        raise ValueError(
            f"{table}: column {column!r} must be {rule}; {int(bad.sum())} row(s) are not, "
            f"{example_row(df, bad)}"
        )


def unique_ids(df: pd.DataFrame, column: str, table: str) -> None:
    """Raise a ValueError if ``column`` repeats an id, showing one repeated row.

    Parameters
    ----------
    df : pandas.DataFrame
        The input table.
    column, table : str
        The id column and the table's name.
    """
    column_rule(df, df[column].duplicated(keep=False), table, column, "unique (one row per id)")

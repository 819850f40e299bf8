"""Checks of function arguments and input tables, raising errors that say what is wrong.

Every check raises a :class:`ValueError` that names the argument or column, the rule it breaks
and one offending example (a value and where it is, or a whole row), as the house style asks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np
import pandas as pd

__all__ = ["check_numbers", "column_rule", "require_columns", "unique_ids"]


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


def require_columns(df: pd.DataFrame, columns: Iterable[str], table: str) -> None:
    """Raise a ValueError if ``df`` is not a non-empty DataFrame with all of ``columns``.

    Parameters
    ----------
    df : pandas.DataFrame
        The input table.
    columns : iterable of str
        The columns it needs.
    table : str
        What the table is called in the message (e.g. "transactions").
    """
    if not isinstance(df, pd.DataFrame):
        raise ValueError(f"{table} must be a pandas DataFrame; got {type(df).__name__}")
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ValueError(
            f"{table}: column {missing[0]!r} is required but missing "
            f"(columns present: {list(df.columns)})"
        )
    if df.empty:
        raise ValueError(f"{table}: the table has no rows")


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
        row = df.loc[bad].iloc[0]
        raise ValueError(
            f"{table}: column {column!r} must be {rule}; {int(bad.sum())} row(s) are not, "
            f"e.g. row {row.name!r}: {row.to_dict()}"
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

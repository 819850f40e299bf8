"""One rule for ids, in every table: customer, product and invoice ids as clean text.

An id is a label, not a number: ``"007"`` and ``"7"`` are two customers, and ``"85123A"`` is a
product. Whatever table an id comes from (order lines, customers, products), it goes through
:func:`normalise_ids`, so that a join never fails on padding, on case, or on a spreadsheet
having saved the ids as floats:

- every id is stripped of surrounding whitespace (``" C7 "`` -> ``"C7"``);
- product ids are upper-cased (``"85123a"`` -> ``"85123A"``), as product codes are
  case-insensitive in every shop file seen so far; customer and invoice ids keep their case;
- a blank customer id is a missing one (``NaN``), never the customer ``""``;
- customer ids that a spreadsheet saved as floats lose the ``".0"``: when *every* present id is
  a whole float (``"17850.0"``), the ``".0"`` is dropped (``"17850"``), so that the ids match
  the same ids written as whole numbers in another table. When some ids are not of that form
  (``"17850.0"`` and ``"C7"``), all are kept as written.

The work is done once per distinct value (:func:`per_value`): a log of two million lines holds
a few thousand customers, so this is several times faster than string methods on every row.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

import numpy as np
import pandas as pd

__all__ = ["IdKind", "drop_float_suffix", "normalise_ids", "normalise_ids_counted", "per_value"]

#: Which kind of id a column holds; the kinds differ only in case and in blank handling.
IdKind = Literal["customer", "product", "invoice"]

_KINDS: tuple[str, ...] = ("customer", "product", "invoice")


def per_value(
    series: pd.Series, transform: Callable[[pd.Series], pd.Series], missing: object
) -> np.ndarray:
    """Apply a vectorised text ``transform`` once per distinct value, then spread it to rows.

    Text columns repeat a few thousand values over hundreds of thousands of rows, so this is
    several times faster than the same ``.str`` calls on every row, and the result holds one
    object per distinct value rather than one per row.

    Parameters
    ----------
    series : pandas.Series
        The values; non-text values (numbers from a spreadsheet or a Parquet file) are turned
        into text first (``17850`` -> ``"17850"``).
    transform : callable
        Takes a ``str`` Series of the distinct present values, returns a Series of the same
        length (any dtype).
    missing : object
        The result for a missing value.

    Returns
    -------
    numpy.ndarray
        An object array, one entry per row of ``series``.
    """
    codes, uniques = pd.factorize(series)
    result = np.empty(len(uniques) + 1, dtype=object)
    result[:-1] = transform(pd.Series(uniques, dtype="str")).to_numpy(dtype=object)
    result[-1] = missing  # code -1 (a missing value) picks the last entry
    return result[codes]


def drop_float_suffix(values: pd.Series) -> pd.Series:
    """Drop the ``".0"`` of ids a spreadsheet saved as floats, when every present id has one.

    Parameters
    ----------
    values : pandas.Series
        Text ids (missing values allowed).

    Returns
    -------
    pandas.Series
        ``values`` without the trailing ``".0"`` when every present id is a whole float such
        as ``"17850.0"``; otherwise ``values`` unchanged.

    Examples
    --------
    >>> drop_float_suffix(pd.Series(["17850.0", None, "13047.0"], dtype="str")).tolist()
    ['17850', nan, '13047']
    >>> drop_float_suffix(pd.Series(["17850.0", "C7"], dtype="str")).tolist()
    ['17850.0', 'C7']
    """
    present = values.dropna()
    if len(present) and present.str.fullmatch(r"\d+\.0").all():
        return values.str.slice(stop=-2)
    return values


def _tidy(values: pd.Series, kind: str) -> pd.Series:
    """Apply the rule to distinct present ids, as text."""
    values = values.str.strip()
    if kind == "product":
        values = values.str.upper()
    if kind == "customer":
        values = drop_float_suffix(values.mask(values == ""))  # a blank id is a missing id
    return values


def _check_kind(kind: str) -> None:
    if kind not in _KINDS:
        raise ValueError(f"kind must be one of {list(_KINDS)}, got {kind!r}")


def normalise_ids_counted(values: pd.Series, kind: IdKind) -> tuple[pd.Series, np.ndarray]:
    """Normalise ids (see :func:`normalise_ids`) and say which rows changed.

    Parameters
    ----------
    values : pandas.Series
        The ids, as text or as numbers.
    kind : {"customer", "product", "invoice"}
        Which rule to apply.

    Returns
    -------
    ids : pandas.Series
        dtype ``str``, same index and name; missing ids as ``NaN``.
    changed : numpy.ndarray of bool
        True where the id's text changed (a number turned into text does not count; a blank
        customer id turned missing does).
    """
    _check_kind(kind)
    codes, uniques = pd.factorize(values)
    text = pd.Series(uniques, dtype="str")
    tidy = _tidy(text, kind)
    table = np.empty(len(uniques) + 1, dtype=object)
    table[:-1] = tidy.to_numpy(dtype=object)
    table[-1] = np.nan  # code -1 (a missing value) picks the last entry
    differs = np.append((tidy != text).to_numpy(dtype=bool), False)
    ids = pd.Series(table[codes], index=values.index, name=values.name, dtype="str")
    return ids, differs[codes]


def normalise_ids(values: pd.Series, kind: IdKind) -> pd.Series:
    """Turn ids into clean text by the one rule every table follows (see the module docstring).

    Parameters
    ----------
    values : pandas.Series
        The ids, as text or as numbers (a spreadsheet's ``17850`` becomes ``"17850"``).
    kind : {"customer", "product", "invoice"}
        Customer ids: stripped, blank -> missing, whole floats lose ``".0"``; product ids:
        stripped and upper-cased; invoice ids: stripped.

    Returns
    -------
    pandas.Series
        dtype ``str``, same index and name; missing ids as ``NaN``.

    Raises
    ------
    ValueError
        If ``kind`` is not one of the three kinds.

    Examples
    --------
    >>> normalise_ids(pd.Series([" c7", "007", "7", ""]), "customer").tolist()
    ['c7', '007', '7', nan]
    >>> normalise_ids(pd.Series(["85123a ", "POST"]), "product").tolist()
    ['85123A', 'POST']
    """
    return normalise_ids_counted(values, kind)[0]

"""The raw order lines that cleaning reads: their column names, type checks and text tidying.

Before any rule of :func:`helpers.cleaning.clean_transactions` applies, the lines are checked
(:func:`check_lines`: required columns present, not empty, dates datetime64, quantity whole
numbers, ids text; a :class:`ValueError` names the column, the rule and an offending row) and
their text is normalised (:func:`normalise_lines`: ids as :mod:`helpers.identifiers`
normalises them, descriptions stripped and upper-cased, countries stripped), saying which rows
changed. :class:`LineColumns` holds the column names, as the ``*_col`` arguments of
:func:`helpers.cleaning.clean_transactions` give them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from helpers import schema as s
from helpers.identifiers import normalise_ids_counted
from helpers.identifiers import per_value as _per_value

__all__ = ["LineColumns", "check_lines", "normalise_lines"]


@dataclass
class LineColumns:
    """The column names of raw order lines (the ``*_col`` arguments of cleaning).

    Attributes
    ----------
    invoice_col, date_col, customer_col, product_col, quantity_col, price_col : str
        The required columns: invoice id, invoice date, customer id, product id, quantity
        and unit price.
    description_col, country_col : str
        Optional columns: description and country.
    amount_col : str
        The column cleaning adds to the clean lines: ``quantity * unit price``.
    """

    invoice_col: str = s.INVOICE_ID
    date_col: str = s.INVOICE_DATE
    customer_col: str = s.CUSTOMER_ID
    product_col: str = s.PRODUCT_ID
    quantity_col: str = s.QUANTITY
    price_col: str = s.UNIT_PRICE
    description_col: str = s.DESCRIPTION
    country_col: str = s.COUNTRY
    amount_col: str = s.AMOUNT

    @property
    def required(self) -> list[str]:
        """The columns every raw frame must have, in the schema's order."""
        return [
            self.invoice_col,
            self.date_col,
            self.customer_col,
            self.product_col,
            self.quantity_col,
            self.price_col,
        ]


def _example(values: pd.Series, bad: pd.Series | np.ndarray) -> str:
    """Describe the first offending value: its row label and value."""
    positions = np.flatnonzero(np.asarray(bad, dtype=bool))
    position = int(positions[0]) if len(positions) else 0
    return f"e.g. row {values.index[position]!r}: {values.iloc[position]!r}"


def _is_text(series: pd.Series) -> bool:
    return pd.api.types.is_string_dtype(series.dtype) or series.dtype == object


def check_lines(df: pd.DataFrame, cols: LineColumns) -> None:
    """Check that raw order lines can be cleaned, or say why not.

    Parameters
    ----------
    df : pandas.DataFrame
        Raw order lines.
    cols : LineColumns
        Their column names.

    Raises
    ------
    ValueError
        For missing columns (naming them and the columns present), an empty frame, a repeated
        column name, a date column that is not datetime64, a quantity or price that is not
        numeric, a missing or fractional quantity, ids that are not text, or a missing invoice
        or product id; the message names the column, the rule and an offending row.
    """
    if not isinstance(df, pd.DataFrame):
        raise ValueError(f"expected a pandas DataFrame of order lines, got {type(df).__name__}")
    missing = [c for c in cols.required if c not in df.columns]
    if missing:
        raise ValueError(
            f"required column(s) {missing} missing; columns present: {list(df.columns)}"
        )
    if df.empty:
        raise ValueError("the order lines are empty (0 rows): nothing to clean")
    if df.columns.duplicated().any():
        dupes = sorted(set(df.columns[df.columns.duplicated()]))
        raise ValueError(f"column name(s) {dupes} appear more than once")

    date = df[cols.date_col]
    if not pd.api.types.is_datetime64_any_dtype(date.dtype):
        raise ValueError(
            f"column {cols.date_col!r} must be datetime64 (unparseable dates as NaT), got "
            f"dtype {date.dtype}, {_example(date, date.notna())}; parse it with "
            "pd.to_datetime(..., errors='coerce') or load the file with helpers.datasets"
        )
    for column in (cols.quantity_col, cols.price_col):
        values = df[column]
        if not pd.api.types.is_numeric_dtype(values.dtype) or pd.api.types.is_bool_dtype(
            values.dtype
        ):
            raise ValueError(
                f"column {column!r} must be numeric, got dtype {values.dtype}, "
                f"{_example(values, values.notna() | values.isna())}; convert it with "
                "pd.to_numeric"
            )
    quantity = df[cols.quantity_col]
    if quantity.isna().any():
        raise ValueError(
            f"column {cols.quantity_col!r} must not be missing; "
            f"{int(quantity.isna().sum())} row(s) are, {_example(quantity, quantity.isna())}"
        )
    if not pd.api.types.is_integer_dtype(quantity.dtype):
        fractional = quantity.to_numpy(dtype=float) % 1 != 0
        if fractional.any():
            raise ValueError(
                f"column {cols.quantity_col!r} must hold whole numbers, "
                f"{_example(quantity, fractional)}"
            )
    for column in (cols.invoice_col, cols.customer_col, cols.product_col):
        values = df[column]
        if not _is_text(values) and values.notna().any():
            raise ValueError(
                f"column {column!r} must hold text ids (dtype str or object), got dtype "
                f"{values.dtype}, {_example(values, values.notna() | values.isna())}; read ids "
                "as text (dtype=str) so that codes like '85123A' and 'C536379' survive"
            )
    for column in (cols.invoice_col, cols.product_col):
        values = df[column]
        if values.isna().any():
            raise ValueError(
                f"column {column!r} must not be missing; {int(values.isna().sum())} row(s) are, "
                f"{_example(values, values.isna())}"
            )


def normalise_lines(df: pd.DataFrame, cols: LineColumns) -> tuple[pd.DataFrame, np.ndarray]:
    """Normalise ids (:mod:`helpers.identifiers`), strip text, upper-case descriptions.

    Parameters
    ----------
    df : pandas.DataFrame
        Raw order lines, checked by :func:`check_lines`.
    cols : LineColumns
        Their column names; the description and country columns are optional.

    Returns
    -------
    lines : pandas.DataFrame
        A copy of ``df`` with its text normalised (same index).
    changed : numpy.ndarray of bool
        Per row: True when normalisation changed it.
    """
    out = df.copy()
    changed = np.zeros(len(df), dtype=bool)
    ids = {cols.invoice_col: "invoice", cols.customer_col: "customer", cols.product_col: "product"}
    for column, kind in ids.items():
        if column not in df.columns or not _is_text(df[column]):
            continue
        out[column], differs = normalise_ids_counted(df[column].astype("str"), kind)
        changed |= differs
    for column, upper in ((cols.description_col, True), (cols.country_col, False)):
        if column not in df.columns or not _is_text(df[column]):
            continue

        def tidy(values: pd.Series, upper: bool = upper) -> pd.Series:
            values = values.str.strip()
            return values.str.upper() if upper else values

        before = df[column].astype("str")
        after = _per_value(before, tidy, np.nan)
        changed |= _per_value(before, lambda v, tidy=tidy: tidy(v) != v, False).astype(bool)
        out[column] = pd.Series(after, index=df.index, dtype="str")
    return out, changed

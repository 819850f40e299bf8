"""The raw order lines that cleaning reads: their column names, type checks and text tidying.

Before any rule of :func:`helpers.cleaning.clean_transactions` applies, the lines are checked
(:func:`_check`: required columns present, not empty, dates datetime64, quantity whole numbers,
ids text; a :class:`ValueError` names the column, the rule and an offending row) and their text
is normalised (:func:`_normalise`: ids as :mod:`helpers.identifiers` normalises them,
descriptions stripped and upper-cased, countries stripped), saying which rows changed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from helpers.identifiers import normalise_ids_counted
from helpers.identifiers import per_value as _per_value

__all__: list[str] = []


@dataclass
class _Columns:
    invoice_id: str
    invoice_date: str
    customer_id: str
    product_id: str
    quantity: str
    unit_price: str
    description: str
    country: str
    amount: str

    @property
    def required(self) -> list[str]:
        return [
            self.invoice_id,
            self.invoice_date,
            self.customer_id,
            self.product_id,
            self.quantity,
            self.unit_price,
        ]


def _example(values: pd.Series, bad: pd.Series | np.ndarray) -> str:
    """Describe the first offending value: its row label and value."""
    positions = np.flatnonzero(np.asarray(bad, dtype=bool))
    position = int(positions[0]) if len(positions) else 0
    return f"e.g. row {values.index[position]!r}: {values.iloc[position]!r}"


def _is_text(series: pd.Series) -> bool:
    return pd.api.types.is_string_dtype(series.dtype) or series.dtype == object


def _check(df: pd.DataFrame, cols: _Columns) -> None:
    """Raise ``ValueError`` for missing columns, an empty frame or unusable column types."""
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

    date = df[cols.invoice_date]
    if not pd.api.types.is_datetime64_any_dtype(date.dtype):
        raise ValueError(
            f"column {cols.invoice_date!r} must be datetime64 (unparseable dates as NaT), got "
            f"dtype {date.dtype}, {_example(date, date.notna())}; parse it with "
            "pd.to_datetime(..., errors='coerce') or load the file with helpers.datasets"
        )
    for column in (cols.quantity, cols.unit_price):
        values = df[column]
        if not pd.api.types.is_numeric_dtype(values.dtype) or pd.api.types.is_bool_dtype(
            values.dtype
        ):
            raise ValueError(
                f"column {column!r} must be numeric, got dtype {values.dtype}, "
                f"{_example(values, values.notna() | values.isna())}; convert it with "
                "pd.to_numeric"
            )
    quantity = df[cols.quantity]
    if quantity.isna().any():
        raise ValueError(
            f"column {cols.quantity!r} must not be missing; {int(quantity.isna().sum())} row(s) "
            f"are, {_example(quantity, quantity.isna())}"
        )
    if not pd.api.types.is_integer_dtype(quantity.dtype):
        fractional = quantity.to_numpy(dtype=float) % 1 != 0
        if fractional.any():
            raise ValueError(
                f"column {cols.quantity!r} must hold whole numbers, "
                f"{_example(quantity, fractional)}"
            )
    for column in (cols.invoice_id, cols.customer_id, cols.product_id):
        values = df[column]
        if not _is_text(values) and values.notna().any():
            raise ValueError(
                f"column {column!r} must hold text ids (dtype str or object), got dtype "
                f"{values.dtype}, {_example(values, values.notna() | values.isna())}; read ids "
                "as text (dtype=str) so that codes like '85123A' and 'C536379' survive"
            )
    for column in (cols.invoice_id, cols.product_id):
        values = df[column]
        if values.isna().any():
            raise ValueError(
                f"column {column!r} must not be missing; {int(values.isna().sum())} row(s) are, "
                f"{_example(values, values.isna())}"
            )


def _normalise(df: pd.DataFrame, cols: _Columns) -> tuple[pd.DataFrame, np.ndarray]:
    """Normalise ids (:mod:`helpers.identifiers`), strip text, upper-case descriptions.

    Say which rows changed.
    """
    out = df.copy()
    changed = np.zeros(len(df), dtype=bool)
    ids = {cols.invoice_id: "invoice", cols.customer_id: "customer", cols.product_id: "product"}
    for column, kind in ids.items():
        if column not in df.columns or not _is_text(df[column]):
            continue
        out[column], differs = normalise_ids_counted(df[column].astype("str"), kind)
        changed |= differs
    for column, upper in ((cols.description, True), (cols.country, False)):
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

"""Write campaign lists to CSV files that are safe to open in a spreadsheet.

Two risks of handing a CSV to a marketing team:

- **Formula injection** (CSV injection): a spreadsheet runs a cell that begins with ``=``,
  ``+``, ``-`` or ``@`` (and, in some programs, a tab or a carriage return) as a formula.
  A product description or a name typed by a customer as ``=HYPERLINK(...)`` would run on
  the analyst's machine. :func:`neutralise` puts an apostrophe in front of such text, which
  spreadsheets show as plain text. Numbers (a negative expected value) are written as numbers.
- **Needless personal data**: the list carries the customer id and what the campaign needs
  (action, offer, expected value, reason, channel, dates), never e-mail addresses, phone
  numbers or birth dates; the sending tool looks the address up by id.

The file is written to a temporary name in the same folder and renamed, so a reader never sees
half a file.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from helpers import schema as s
from helpers.campaigns import CAMPAIGN_COLUMNS
from helpers.checks import require_columns

__all__ = ["EXPORT_COLUMNS", "PERSONAL_COLUMNS", "export_campaign", "neutralise"]

#: Characters that make a spreadsheet read a cell as a formula.
FORMULA_STARTS: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")

#: Columns an exported campaign may carry besides :data:`CAMPAIGN_COLUMNS`.
EXPORT_COLUMNS: tuple[str, ...] = (
    s.CUSTOMER_ID,
    s.PRODUCT_ID,
    *CAMPAIGN_COLUMNS[1:],
    "product_ids",
    "channel",
    "send_date",
    "message",
)

#: Personal data never exported, even when asked for.
PERSONAL_COLUMNS: tuple[str, ...] = (
    s.EMAIL,
    "phone",
    s.BIRTH_DATE,
    "name",
    "first_name",
    "last_name",
    "address",
)


def file_creation_mask() -> int:
    """Return the process's file-creation mask."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


def neutralise(value: object) -> object:
    """Prefix text that a spreadsheet would read as a formula with an apostrophe.

    Parameters
    ----------
    value : object
        A cell's value; only strings are changed.

    Returns
    -------
    object
        ``"'=SUM(A1)"`` for ``"=SUM(A1)"``; other values unchanged.
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def export_campaign(
    df: pd.DataFrame, path: str | os.PathLike, columns: Sequence[str] | None = None
) -> Path:
    """Write a campaign list to CSV: only the needed columns, formula text neutralised.

    Parameters
    ----------
    df : pandas.DataFrame
        A campaign list (:mod:`helpers.campaigns`, :func:`helpers.promotion.promotion_list`).
    path : str or path-like
        The CSV file to write (its folder must exist).
    columns : sequence of str, optional
        The columns to write, in order; default those of :data:`EXPORT_COLUMNS` present.

    Returns
    -------
    pathlib.Path
        The file written.

    Raises
    ------
    ValueError
        If a requested column is missing or is personal data (:data:`PERSONAL_COLUMNS`), or
        the list has neither ``customer_id`` nor ``product_id``.
    """
    if columns is None:
        columns = [c for c in EXPORT_COLUMNS if c in df.columns]
    personal = [c for c in columns if c in PERSONAL_COLUMNS]
    if personal:
        raise ValueError(
            f"export_campaign: column {personal[0]!r} is personal data and is not exported; "
            "the sending tool looks contact details up by customer_id"
        )
    require_columns(df, columns, "campaign", allow_empty=True)
    if s.CUSTOMER_ID not in columns and s.PRODUCT_ID not in columns:
        raise ValueError("export_campaign: the list needs a 'customer_id' or 'product_id' column")
    out = df[list(columns)].copy()
    for column in out.columns:
        if not pd.api.types.is_numeric_dtype(out[column]):
            if pd.api.types.is_datetime64_any_dtype(out[column]):
                out[column] = out[column].dt.strftime("%Y-%m-%d")
            out[column] = out[column].astype(object).map(neutralise)
    path = Path(path)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            out.to_csv(stream, index=False, float_format="%.2f")
        os.chmod(temporary, 0o666 & ~file_creation_mask())  # mkstemp makes the file private
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path

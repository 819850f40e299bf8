r"""Write CSV files that a spreadsheet opens safely; campaign lists without personal data.

Three risks of handing a CSV to a marketing team:

- **Formula injection** (CSV injection): a spreadsheet runs a cell that begins with ``=``,
  ``+``, ``-`` or ``@`` (and, in some programs, a tab or a carriage return) as a formula.
  A product description or a name typed by a customer as ``=HYPERLINK(...)`` would run on
  the analyst's machine. :func:`neutralise` puts an apostrophe in front of such text, which
  spreadsheets show as plain text, and also after every line break inside the text that is
  followed by such a character (``"X\r=1+1"`` becomes ``"X\r'=1+1"``): an importer that
  splits lines at a bare carriage return would otherwise start a new cell with ``=1+1``.
  Numbers (a negative expected value) are written as numbers.
- **Fields cut in two**: with its default line ending (``\n``) pandas leaves a field holding
  a lone ``\r`` unquoted, and Excel and LibreOffice read that ``\r`` as the end of a row.
  :func:`write_csv` writes RFC 4180 files (lines end in ``\r\n``), for which the ``csv``
  module quotes every field holding a ``\r`` or a ``\n``.
- **Needless personal data**: a campaign list carries the customer id and what the campaign
  needs (control group, action, offer, expected value, reason, channel, dates), never
  e-mail addresses, phone numbers or birth dates; the sending tool looks the address up by
  id.

Every file is written to a temporary name in the same folder and renamed, so a reader never
sees half a file. Every CSV the project writes for people goes through :func:`write_csv`.
"""

from __future__ import annotations

import csv
import datetime as dt
import numbers
import os
import re
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from helpers import schema as s
from helpers.campaigns import CAMPAIGN_COLUMNS
from helpers.checks import require_columns
from helpers.experiments import GROUP
from helpers.report_folder import file_creation_mask  # re-exported: the one umask reader

__all__ = [
    "EXPORT_COLUMNS",
    "FORMULA_STARTS",
    "LINE_BREAKS",
    "PERSONAL_COLUMNS",
    "export_campaign",
    "file_creation_mask",
    "neutralise",
    "write_csv",
]

#: Characters that make a spreadsheet read a cell as a formula.
FORMULA_STARTS: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")

#: Characters that end a line for some reader: ``\n`` and ``\r`` (spreadsheet importers) and
#: the other boundaries of :meth:`str.splitlines` (line-oriented scripts).
LINE_BREAKS: str = "\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029"

_BREAK_THEN_FORMULA = re.compile(
    f"([{re.escape(LINE_BREAKS)}])(?=[{re.escape(''.join(FORMULA_STARTS))}])"
)

#: Options of :meth:`pandas.DataFrame.to_csv` that :func:`write_csv` sets itself.
_FIXED_OPTIONS: frozenset[str] = frozenset(
    {"path_or_buf", "mode", "compression", "storage_options", "lineterminator"}
)

#: Columns an exported campaign may carry besides :data:`CAMPAIGN_COLUMNS`.
EXPORT_COLUMNS: tuple[str, ...] = (
    s.CUSTOMER_ID,
    GROUP,
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


def neutralise(value: object) -> object:
    r"""Make text that a spreadsheet would read as a formula plain text, with an apostrophe.

    The apostrophe goes in front of text that starts with one of :data:`FORMULA_STARTS`, and
    after every line break inside the text (:data:`LINE_BREAKS`) that is followed by one of
    them, since an importer that splits lines there would start a new cell with the formula.
    Applying it twice changes nothing more.

    Parameters
    ----------
    value : object
        A cell's value; only strings are changed.

    Returns
    -------
    object
        ``"'=SUM(A1)"`` for ``"=SUM(A1)"``, ``"X\r'=1+1"`` for ``"X\r=1+1"``, ``"a\n'@b"``
        for ``"a\n@b"``; other values unchanged.
    """
    if not isinstance(value, str):
        return value
    value = _BREAK_THEN_FORMULA.sub(r"\1'", value)
    if value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _safe_cell(value: object) -> object:
    """Neutralise a cell: text as :func:`neutralise`, other objects by the text they print as."""
    if isinstance(value, str):
        return neutralise(value)
    if value is None or value is pd.NA or value is pd.NaT:
        return value
    if isinstance(value, numbers.Number | dt.date | np.datetime64):
        return value  # numbers are numbers to a spreadsheet; dates print as digits first
    return neutralise(str(value))  # e.g. a Timedelta prints as "-1 days +23:00:00"


def _safe_labels(labels: pd.Index) -> pd.Index:
    """Neutralise the labels of an index or of the columns (each level of a MultiIndex)."""
    if isinstance(labels, pd.MultiIndex):
        levels = [_safe_labels(labels.get_level_values(i)) for i in range(labels.nlevels)]
        return pd.MultiIndex.from_arrays(levels, names=[_safe_cell(n) for n in labels.names])
    if pd.api.types.is_numeric_dtype(labels) or pd.api.types.is_datetime64_any_dtype(labels):
        return labels
    return pd.Index([_safe_cell(v) for v in labels], dtype=object, name=_safe_cell(labels.name))


def _safe_frame(df: pd.DataFrame, *, index: bool) -> pd.DataFrame:
    """Return a copy of ``df`` with every text cell, column name and index label neutralised."""
    out = df.copy()
    out.columns = _safe_labels(out.columns)
    for i in range(out.shape[1]):
        column = out.iloc[:, i]
        dtype = column.dtype
        if pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_datetime64_any_dtype(dtype):
            continue
        out.isetitem(i, column.astype(object).map(_safe_cell))
    if index:
        out.index = _safe_labels(out.index)
    return out


def write_csv(
    df: pd.DataFrame,
    path: str | os.PathLike,
    *,
    neutralise_text: bool = True,
    **options: Any,
) -> Path:
    r"""Write a data frame to a CSV file that a spreadsheet opens safely, atomically.

    - Lines end in ``\r\n`` (RFC 4180). With that line ending the ``csv`` module that
      pandas writes with quotes every field holding a ``\r`` or a ``\n``, so a spreadsheet
      never cuts a field in two, while numbers stay unquoted and the file stays readable.
      (``quoting=csv.QUOTE_NONNUMERIC`` would quote the fields too, but it also quotes the
      header and every empty value, which then reads back as an empty string, not missing.)
    - Text that a spreadsheet would run as a formula is neutralised (:func:`neutralise`):
      text cells, column names and, when written, index labels. Numbers stay numbers.
    - The file is written to a temporary file in the same folder, given the permissions the
      process's umask allows (as :func:`open` would), then renamed over ``path``: a reader
      never sees half a file, and a failure leaves the previous file as it was.

    Parameters
    ----------
    df : pandas.DataFrame
        The table to write.
    path : str or path-like
        The CSV file to write (its folder must exist).
    neutralise_text : bool, default True
        Neutralise formula text. Turn off only for files that no person opens.
    **options
        Passed to :meth:`pandas.DataFrame.to_csv`, e.g. ``float_format="%.2f"``,
        ``columns``, ``na_rep``, ``encoding`` (default ``"utf-8"``; ``"utf-8-sig"`` makes
        Excel on Windows read UTF-8). ``index`` defaults to False here.

    Returns
    -------
    pathlib.Path
        The file written.

    Raises
    ------
    TypeError
        For an option that this function sets itself (``path_or_buf``, ``mode``,
        ``compression``, ``storage_options``, ``lineterminator``).
    ValueError
        For ``quoting=csv.QUOTE_NONE``, which cannot quote a line break.
    """
    fixed = sorted(_FIXED_OPTIONS.intersection(options))
    if fixed:
        raise TypeError(f"write_csv: the option {fixed[0]!r} is set by write_csv itself")
    if options.get("quoting") == csv.QUOTE_NONE:
        raise ValueError("write_csv: quoting=csv.QUOTE_NONE cannot quote a line break in a field")
    options.setdefault("index", False)
    encoding = options.pop("encoding", "utf-8")
    if neutralise_text:
        df = _safe_frame(df, index=bool(options["index"]))
    path = Path(path)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding=encoding, newline="") as stream:
            df.to_csv(stream, lineterminator="\r\n", **options)
        os.chmod(temporary, 0o666 & ~file_creation_mask())  # mkstemp makes the file private
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


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
        if pd.api.types.is_datetime64_any_dtype(out[column]):
            out[column] = out[column].dt.strftime("%Y-%m-%d")
    return write_csv(out, path, float_format="%.2f")

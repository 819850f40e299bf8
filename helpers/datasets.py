"""Loaders: the embedded synthetic dataset and real public files, mapped to canonical names.

Each loader knows its file's own format and returns frames whose columns are the canonical
names of :mod:`helpers.schema`. Real files are found from an explicit ``path`` or in the
directory named by the environment variable ``CVL_DATA_DIR``; when neither has the file, the
loader raises :class:`FileNotFoundError` saying where to get it.

Dates in order lines are parsed; a value that does not parse becomes ``NaT`` and the row is kept,
so that :func:`helpers.cleaning.clean_transactions` counts it under "unparseable date" instead of
the loader dropping it silently. Pass ``parse_dates=False`` to see the raw text. An analyst's own
file (:func:`load_transactions`, built on :mod:`helpers.reading`) is refused when more than
``max_bad_dates`` (1%) of its dates do not parse: the error proposes the format that reads them.
"""

from __future__ import annotations

import codecs
import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from helpers import parsing, reading
from helpers import schema as s
from helpers.identifiers import IdKind, drop_float_suffix, normalise_ids_counted
from helpers.options import option, option_mapping
from helpers.parsing import parse_numbers
from helpers.synthetic import (
    DEFAULT_N_CUSTOMERS,
    DEFAULT_SEED,
    RetailData,
    make_synthetic,
    read_synthetic,
)

__all__ = [
    "DATASETS",
    "ID_FIX",
    "MONEY_FIX",
    "RetailData",
    "SYNTHETIC_DIR",
    "data_dir",
    "load_cdnow",
    "load_clean_transactions",
    "load_donations",
    "load_online_retail",
    "load_synthetic",
    "load_telco",
    "load_transactions",
    "make_synthetic",
]

#: Where the committed synthetic dataset lives (``datasets/synthetic`` in the repository).
SYNTHETIC_DIR = Path(__file__).resolve().parents[1] / "datasets" / "synthetic"

ONLINE_RETAIL_COLUMNS = {
    "InvoiceNo": s.INVOICE_ID,
    "StockCode": s.PRODUCT_ID,
    "Description": s.DESCRIPTION,
    "Quantity": s.QUANTITY,
    "InvoiceDate": s.INVOICE_DATE,
    "UnitPrice": s.UNIT_PRICE,
    "CustomerID": s.CUSTOMER_ID,
    "Country": s.COUNTRY,
}

_SOURCES = {
    "online_retail": (
        ("online_retail_2010_2011.csv.gz", "Online Retail.xlsx", "online_retail.csv"),
        "UCI Machine Learning Repository, dataset 352 'Online Retail' "
        "(https://archive.ics.uci.edu/dataset/352/online+retail), CC BY 4.0",
    ),
    "cdnow": (
        ("cdnow_sample.txt", "CDNOW_sample.txt"),
        "Bruce Hardie's website, CDNOW_sample.zip (https://www.brucehardie.com/datasets/)",
    ),
    "donations": (
        ("donations.csv",),
        "the BG/BB paper's donations table (Fader, Hardie & Shang 2010), on Bruce Hardie's "
        "website (https://www.brucehardie.com/notes/010/) and shipped with the lifetimes "
        "package (MIT) as donations.csv",
    ),
    "telco": (
        ("telco_customer_churn.csv", "WA_Fn-UseC_-Telco-Customer-Churn.csv"),
        "IBM sample data 'WA_Fn-UseC_-Telco-Customer-Churn' "
        "(https://github.com/IBM/telco-customer-churn-on-icp4d), Apache-2.0",
    ),
}


def data_dir() -> Path | None:
    """Return the directory named by ``CVL_DATA_DIR``, or ``None`` when it is unset.

    Returns
    -------
    pathlib.Path or None
    """
    value = os.environ.get("CVL_DATA_DIR")
    return Path(value).expanduser() if value else None


def _locate(dataset: str, path: str | os.PathLike | None) -> Path:
    """Find a real dataset's file from ``path`` or ``$CVL_DATA_DIR``."""
    names, source = _SOURCES[dataset]
    if path is not None:
        found = Path(path).expanduser()
        if found.is_file():
            return found
        raise FileNotFoundError(f"{dataset}: no file at {found}. Get it from {source}.")
    directory = data_dir()
    if directory is not None:
        for name in names:
            if (directory / name).is_file():
                return directory / name
    where = f"CVL_DATA_DIR={directory}" if directory else "CVL_DATA_DIR is not set"
    raise FileNotFoundError(
        f"{dataset}: file not found ({where}; looked for {', '.join(names)}). "
        f"Get it from {source}, then pass its path or put it in the directory named by "
        "the environment variable CVL_DATA_DIR."
    )


def _read_csv(path: Path, **kwargs) -> pd.DataFrame:
    """Read a CSV with readable errors for empty and wrongly encoded files."""
    encoding = kwargs.pop("encoding", "utf-8")
    try:
        df = pd.read_csv(path, encoding=encoding, **kwargs)
    except pd.errors.EmptyDataError:
        raise ValueError(f"{path}: the file is empty (no header, no rows)") from None
    except UnicodeDecodeError as err:
        bad = err.object[err.start : err.end]
        raise ValueError(
            f"{path}: the file is not valid {encoding} (byte {bad!r} at position {err.start}); "
            "pass the file's encoding, e.g. encoding='latin-1' or 'cp1252'"
        ) from None
    if df.empty:
        raise ValueError(f"{path}: the file has a header but no rows")
    return df


def _parse_order_lines(
    df: pd.DataFrame, date_format: str | None, parse_dates: bool
) -> pd.DataFrame:
    """Type the order lines of a known file; text is left as written for cleaning to count.

    Customer ids that a spreadsheet saved as floats ("17850.0", every present id ending in
    ".0") lose the ".0" (:func:`helpers.identifiers.drop_float_suffix`), so that they match the
    same ids written as whole numbers elsewhere. Unparseable dates become NaT; more than half
    of them unparseable is an error.
    """
    df = df.copy(deep=False)  # new columns only: the caller's frame is left as it is
    for column in (s.INVOICE_ID, s.PRODUCT_ID, s.CUSTOMER_ID):
        df[column] = df[column].astype("str")
    df[s.CUSTOMER_ID] = drop_float_suffix(df[s.CUSTOMER_ID])
    for column in (s.QUANTITY, s.UNIT_PRICE):
        df[column] = parse_numbers(df[column], whole=column == s.QUANTITY)[0]
    if parse_dates:
        df[s.INVOICE_DATE] = parsing.parse_dates(
            df[s.INVOICE_DATE], date_format=date_format, max_bad_dates=0.5
        )[0]
    return df


#: Canonical columns holding numbers, read by :func:`helpers.parsing.parse_numbers`.
_NUMBER_COLUMNS = (s.QUANTITY, s.UNIT_PRICE, s.AMOUNT)

#: Canonical id columns and their kind for :func:`helpers.identifiers.normalise_ids`.
_ID_KINDS: dict[str, IdKind] = {
    s.CUSTOMER_ID: "customer",
    s.PRODUCT_ID: "product",
    s.INVOICE_ID: "invoice",
}

#: The fix counted when numbers needed currency symbols or separators removed.
MONEY_FIX = "currency symbols/thousands separators removed"

#: The fix counted when ids were stripped, upper-cased or lost a ".0".
ID_FIX = "ids tidied (spaces, case, '.0')"

#: File column names (compared without case, spaces or punctuation) that probably mean a
#: canonical column; used to advise a mapping, never to map silently.
_LOOKS_LIKE: dict[str, tuple[str, ...]] = {
    s.CUSTOMER_ID: (
        "customerid", "customer", "customerno", "customernumber", "custid", "client",
        "clientid", "buyer", "userid", "memberid", "accountid", "客户编号", "客户id", "客户",
        "会员编号",
    ),
    s.INVOICE_DATE: (
        "invoicedate", "orderdate", "date", "datetime", "timestamp", "purchasedate",
        "transactiondate", "orderdatetime", "createdat", "time", "订单日期", "日期", "下单时间",
    ),
    s.AMOUNT: (
        "amount", "total", "ordertotal", "totalamount", "ordervalue", "value", "sales",
        "revenue", "金额", "订单金额", "总额",
    ),
    s.INVOICE_ID: (
        "invoiceid", "invoice", "invoiceno", "invoicenumber", "order", "orderid", "orderno",
        "ordernumber", "transactionid", "receiptno", "订单号", "订单编号",
    ),
    s.PRODUCT_ID: (
        "productid", "product", "productcode", "sku", "stockcode", "item", "itemid",
        "itemcode", "商品编号", "商品id", "产品编号",
    ),
    s.QUANTITY: ("quantity", "qty", "units", "数量"),
    s.UNIT_PRICE: ("unitprice", "price", "priceperunit", "itemprice", "单价"),
}  # fmt: skip


def _looks_like(name: str) -> str:
    return re.sub(r"[\W_]+", "", name).casefold()


#: Canonical column names of order lines (an unmapped file column with one of these names is
#: already mapped).
_CANONICAL = (*s.TRANSACTION_COLUMNS, s.AMOUNT, s.DESCRIPTION, s.COUNTRY)


def _look_alikes(header: list[str], names: list[str]) -> dict[str, str]:
    """Canonical columns absent after mapping -> an unmapped file column named like it."""
    present = set(names)
    found: dict[str, str] = {}
    for column, name in zip(header, names, strict=True):
        if column != name or name in _CANONICAL:
            continue
        key = _looks_like(column)
        for canonical, keys in _LOOKS_LIKE.items():
            if canonical not in present and canonical not in found and key in keys:
                found[canonical] = column
                break
    return found


def _require_minimum(
    header: list[str], names: list[str], look_alikes: dict[str, str], where: str
) -> None:
    """Refuse a file without customer, date, and amount or quantity and price."""
    present = set(names)
    missing = [c for c in (s.CUSTOMER_ID, s.INVOICE_DATE) if c not in present]
    money = []
    if s.AMOUNT not in present:
        money = [c for c in (s.QUANTITY, s.UNIT_PRICE) if c not in present]
    if not missing and not money:
        return
    either = (
        f" ({' and '.join(money)} may be replaced by {s.AMOUNT}, an order total)" if money else ""
    )
    order = [*missing, *money, s.AMOUNT, *_CANONICAL]
    advice = [
        option_mapping(look_alikes[canonical], canonical)
        for canonical in dict.fromkeys(order)
        if canonical in look_alikes
    ]
    hint = (
        f"Map them: {', '.join(advice)}"
        if advice
        else f"Map them with {option_mapping('<file column>', (missing + money)[0])}"
    )
    if len(header) == 1:
        hint += (
            ". The file reads as a single column: if its fields are separated by another "
            f"character, pass it, e.g. {option('sep', ';')}"
        )
    raise ValueError(
        f"{where}: required column(s) {missing + money} missing after mapping{either}; an "
        f"order log needs {s.CUSTOMER_ID}, {s.INVOICE_DATE}, and {s.AMOUNT} or {s.QUANTITY} "
        f"and {s.UNIT_PRICE}. The file has {header}. {hint}"
    )


def _check_settings(
    encoding: str | None,
    sep: str | None,
    decimal: str,
    thousands: str | None,
    max_bad_dates: float | None,
) -> str | None:
    """Refuse settings that cannot work; return ``sep`` (a tab for "tab")."""
    if encoding is not None:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise ValueError(
                f"unknown encoding {encoding!r}; e.g. {option('encoding', 'utf-8')}, "
                f"{option('encoding', 'cp1252')} or {option('encoding', 'gb18030')}"
            ) from None
    if sep is not None:
        sep = {"\\t": "\t", "tab": "\t", "TAB": "\t"}.get(sep, sep)
        if len(sep) != 1:
            raise ValueError(f"sep must be one character, got {sep!r}; e.g. {option('sep', ';')}")
    if decimal not in (".", ","):
        raise ValueError(
            f"decimal must be '.' or ',', got {decimal!r}; e.g. {option('decimal', ',')}"
        )
    if thousands is not None and (len(thousands) != 1 or thousands == decimal):
        raise ValueError(
            f"thousands must be one character other than the decimal separator {decimal!r}, "
            f"got {thousands!r}; e.g. {option('thousands', '.' if decimal == ',' else ',')}"
        )
    if sep is not None and sep in (decimal, thousands) and sep != ",":
        raise ValueError(f"sep {sep!r} cannot also be the decimal or thousands separator")
    if max_bad_dates is not None and not 0 <= max_bad_dates <= 1:
        raise ValueError(
            f"max_bad_dates is a share between 0 and 1, got {max_bad_dates!r}; e.g. "
            f"{option('max_bad_dates', 0.05)}"
        )
    return sep


def _derive_order_lines(
    df: pd.DataFrame, info: dict[str, Any], look_alikes: dict[str, str]
) -> pd.DataFrame:
    """Complete an order-level file (customer, date, total) into order lines; record how."""
    notes, derived = info["notes"], []

    def unless(canonical: str) -> str:
        if canonical not in look_alikes:
            return ""
        column = look_alikes[canonical]
        return (
            f" The file's column {column!r} looks like {canonical}: if it is, map it with "
            f"{option_mapping(column, canonical)}."
        )

    if s.AMOUNT in df:
        amount = df[s.AMOUNT]
        if s.QUANTITY in df and s.UNIT_PRICE in df:
            recomputed = df[s.QUANTITY] * df[s.UNIT_PRICE]
            differ = int(((amount - recomputed).abs() > 0.005 + 1e-9 * amount.abs()).sum())
            info["dropped_columns"].append(s.AMOUNT)
            notes.append(
                f"The file has {s.AMOUNT}, {s.QUANTITY} and {s.UNIT_PRICE}: {s.QUANTITY} x "
                f"{s.UNIT_PRICE} is used and {s.AMOUNT} dropped (cleaning recomputes it); they "
                f"differ by more than half a cent on {differ:,} row(s)."
            )
        elif s.QUANTITY in df:
            quantity = df[s.QUANTITY].astype(float)
            price = (amount.abs() / quantity.abs()).where(quantity < 0, amount / quantity)
            df[s.UNIT_PRICE] = price.where(quantity != 0)
            derived.append(s.UNIT_PRICE)
            notes.append(
                "There is no unit price: it is the amount divided by the quantity (a line of "
                "quantity 0 has none, and cleaning removes it)." + unless(s.UNIT_PRICE)
            )
        elif s.UNIT_PRICE in df:
            price = df[s.UNIT_PRICE]
            quantity = amount / price
            off = ((quantity - quantity.round()).abs() > 1e-6) | price.eq(0) | quantity.isna()
            if off.any():
                row = int(np.flatnonzero(off.to_numpy())[0])
                raise ValueError(
                    f"column {s.QUANTITY!r} is missing and {s.AMOUNT} / {s.UNIT_PRICE} is not a "
                    f"whole number on {int(off.sum()):,} row(s), first at data row {row + 1} "
                    f"({s.AMOUNT} {amount.iloc[row]!r}, {s.UNIT_PRICE} {price.iloc[row]!r}); "
                    f"map the file's quantity column, e.g. {option_mapping('Qty', s.QUANTITY)}"
                )
            df[s.QUANTITY] = quantity.round().astype("int64")
            derived.append(s.QUANTITY)
            notes.append(
                "There is no quantity: it is the amount divided by the unit price."
                + unless(s.QUANTITY)
            )
        else:
            refund = (amount < 0).to_numpy()
            df[s.QUANTITY] = np.where(refund, -1, 1).astype("int64")
            df[s.UNIT_PRICE] = amount.abs()
            derived += [s.QUANTITY, s.UNIT_PRICE]
            refunds = (
                f"; the {int(refund.sum()):,} negative amount(s) (refunds) are quantity -1, so "
                "that cleaning nets each against the customer's purchase of the same amount"
                if refund.any()
                else ""
            )
            notes.append(
                "The file has one line per order (an amount, no quantity or price): each line "
                f"is quantity 1 at its amount{refunds}." + unless(s.QUANTITY) + unless(s.UNIT_PRICE)
            )
        df = df.drop(columns=[s.AMOUNT])
    if s.PRODUCT_ID not in df:
        df[s.PRODUCT_ID] = pd.Series(s.NO_PRODUCT, index=df.index, dtype="str")
        derived.append(s.PRODUCT_ID)
        info["has_products"] = False
        notes.append(
            f"The file has no products: every line has the product {s.NO_PRODUCT!r}, and the "
            "analyses by product are left out." + unless(s.PRODUCT_ID)
        )
    if s.INVOICE_ID not in df:
        keys = pd.DataFrame({"date": df[s.INVOICE_DATE], "customer": df[s.CUSTOMER_ID]})
        number = keys.groupby(["date", "customer"], dropna=False, sort=True).ngroup().to_numpy()
        count = int(number.max()) + 1
        width = len(str(count))
        labels = np.array([f"D{i + 1:0{width}d}" for i in range(count)], dtype=object)
        df[s.INVOICE_ID] = pd.Series(labels[number], index=df.index, dtype="str")
        derived.append(s.INVOICE_ID)
        notes.append(
            "The file has no invoice ids: each customer's lines at one date and time are one "
            f"invoice, numbered D{1:0{width}d}, D{2:0{width}d}, ... in date order "
            f"({count:,} invoice{'s' if count > 1 else ''})." + unless(s.INVOICE_ID)
        )
    info["derived"] = [c for c in s.TRANSACTION_COLUMNS if c in derived]
    return df


def _detect_decimal(info: dict[str, Any], cells: Iterable[str]) -> str | None:
    """Tell the decimal separator from ``cells`` (None: not told); record a decimal comma."""
    found = parsing.detect_decimal(cells)
    if found == ",":
        info.update(decimal=",", decimal_detected=True)
        info["notes"].append("The numbers use a decimal comma (12,50); detected from the values.")
    return found


def _label(column: str, source: str) -> str:
    return f"column {column!r}" + (f" (file column {source!r})" if source != column else "")


def load_transactions(
    path: str | os.PathLike,
    columns: Mapping[str, str] | None = None,
    *,
    date_format: str | None = None,
    encoding: str | None = None,
    sep: str | None = None,
    decimal: str = ".",
    thousands: str | None = None,
    timezone: str | None = None,
    max_bad_dates: float | None = 0.01,
    parse_dates: bool = True,
) -> pd.DataFrame:
    """Load any order log an analyst exports, mapped to the canonical names, in one call.

    Reads ``.csv`` (also ``.txt``, ``.tsv``; each optionally ``.gz``), ``.xlsx`` (the first
    sheet) and ``.parquet`` files. What is detected or repaired is recorded in
    ``attrs["loading"]`` and said in plain sentences in its ``notes``; what cannot be read
    raises a :class:`ValueError` that says which setting to pass.

    - Ids (customer, product, invoice) are text: ``"007"`` and ``"7"`` are two customers.
      They follow :func:`helpers.identifiers.normalise_ids`: stripped, product ids
      upper-cased, a blank customer id missing, ``"17850.0"`` -> ``"17850"`` when every id is
      a whole float.
    - Numbers (quantity, unit_price, amount) may carry currency symbols, spaces, thousands
      separators and accounting negatives ``"(12.00)"`` (:func:`helpers.parsing.parse_numbers`).
    - Dates are ISO 8601 unless ``date_format`` says otherwise; times with UTC offsets become
      local times (:func:`helpers.parsing.parse_dates`). Up to ``max_bad_dates`` of the dates
      may fail to parse: they are kept as ``NaT`` for cleaning to count as "unparseable date".
    - A file with one line per order (customer, date, total; like the CDNOW master file) is
      read too: ``amount`` is then the order total, and the missing columns are made up and
      recorded in ``derived``: quantity 1 (-1 for a negative amount, a refund) at the price
      ``abs(amount)``; the product :data:`helpers.schema.NO_PRODUCT`; one invoice per customer
      and timestamp. Two orders of one customer at the same time for the same amount are then
      one invoice with two equal lines, which cleaning removes as an exact duplicate. When
      amount, quantity and unit_price are all there, quantity and unit_price are used and
      amount is dropped (cleaning recomputes it).

    Parameters
    ----------
    path : str or path-like
        The file.
    columns : mapping, optional
        The file's column name -> canonical name, e.g. ``{"Order": "invoice_id"}``. Columns
        already named canonically need no entry. Unmapped extra columns are kept as text.
    date_format : str, optional
        ``strftime`` format of the dates (``"%d/%m/%Y %H:%M"``), or ``"excel"`` for Excel
        serial day numbers; default ISO 8601. Spreadsheet cells holding real dates are read as
        they are whatever the format.
    encoding : str, optional
        The text encoding; default detected (byte-order mark, UTF-8, then a guess among the
        usual encodings: :func:`helpers.reading.detect_encoding`).
    sep : str, optional
        The field separator; default sniffed among comma, semicolon, tab and ``|``.
    decimal : {".", ","}, default "."
        The decimal separator. When ``thousands`` is not given and the numbers show a decimal
        comma (``"12,50"``, never ``"1,234"``), the comma is used and a note says so.
    thousands : str, optional
        The thousands separator; default "," with a decimal point, "." with a decimal comma
        (removed only between groups of three digits).
    timezone : str, optional
        IANA zone ("Europe/Paris") to convert times carrying a UTC offset to; default the
        offset of the first such time. The zone is then dropped.
    max_bad_dates : float or None, default 0.01
        The largest share of non-empty dates that may fail to parse; None for no limit.
    parse_dates : bool, default True
        Parse ``invoice_date``; ``False`` leaves it as text.

    Returns
    -------
    pandas.DataFrame
        Order lines with canonical column names (in the file's order, made-up columns last),
        ids as text, quantity and unit_price numeric, invoice_date datetime64[ns].
        ``attrs["loading"]`` is a dict of plain values: ``path``, ``format`` ("csv", "xlsx",
        "parquet"), ``compression``, ``sheet``, ``encoding``, ``encoding_detected``, ``sep``,
        ``sep_detected``, ``decimal``, ``decimal_detected``, ``thousands``, ``columns`` (the
        file columns renamed: file name -> canonical name), ``rows``, ``fixes`` (fix -> rows
        changed: :data:`MONEY_FIX`, :data:`ID_FIX`), ``derived`` (canonical columns made up),
        ``has_products``, ``dropped_columns``, ``date_format``, ``timezone`` (None or a
        sentence), ``bad_dates``, ``bad_date_examples``, ``empty_dates``, ``notes``
        (sentences).

    Raises
    ------
    FileNotFoundError
        If there is no such file.
    ValueError
        For an empty file; bytes that are not in the encoding (the byte, its offset and line);
        a header naming a column twice; a mapping of a column that is not in the file, onto a
        name the file already has, or of two columns onto one name; missing required columns
        (naming them, the file's columns, and a mapping when a column looks like one); numbers
        that do not read (the column, the count, the first row); too many unparseable dates
        (the count, the share, examples, and the formats that would read them all).
    """
    sep = _check_settings(encoding, sep, decimal, thousands, max_bad_dates)
    table = reading.open_table(path, encoding=encoding, sep=sep)
    where = str(table.path)
    names = reading.map_columns(table.header, columns, where)
    look_alikes = _look_alikes(table.header, names)
    _require_minimum(table.header, names, look_alikes, where)
    source_of = dict(zip(names, table.header, strict=True))
    numeric = [c for c in _NUMBER_COLUMNS if c in source_of]
    info: dict[str, Any] = {
        "path": where,
        "format": table.format,
        "compression": table.compression,
        "sheet": table.sheet,
        "encoding": table.encoding,
        "encoding_detected": table.encoding_detected,
        "sep": table.sep,
        "sep_detected": table.sep_detected,
        "decimal": decimal,
        "decimal_detected": False,
        "thousands": thousands,
        "columns": {h: n for h, n in zip(table.header, names, strict=True) if h != n},
        "rows": 0,
        "fixes": {},
        "derived": [],
        "has_products": True,
        "dropped_columns": [],
        "notes": list(table.notes),
    }
    detect = decimal == "." and thousands is None
    if detect and table.sample_rows:
        positions = [table.header.index(source_of[c]) for c in numeric]
        cells = [row[i] for row in table.sample_rows for i in positions if i < len(row)]
        found = _detect_decimal(info, cells)
        decimal, detect = found or decimal, found is None
    typed = [source_of[c] for c in numeric]
    if table.format == "xlsx" and s.INVOICE_DATE in source_of:
        typed.append(source_of[s.INVOICE_DATE])  # real date cells stay dates
    noted = len(table.notes)
    df = reading.read_frame(table, typed=typed, decimal=decimal, thousands=thousands)
    info["notes"] += table.notes[noted:]
    df.columns = names

    changed = np.zeros(len(df), dtype=bool)
    tidied = []
    for column, kind in _ID_KINDS.items():
        if column not in df:
            continue
        raw = df[column]
        df[column], differs = normalise_ids_counted(raw, kind)
        changed |= differs
        if differs.any():
            first = int(np.flatnonzero(differs)[0])
            tidied.append(
                f"{kind} ids on {int(differs.sum()):,} row(s) (e.g. {raw.iloc[first]!r} -> "
                f"{df[column].iloc[first]!r})"
            )
    info["fixes"][ID_FIX] = int(changed.sum())
    if tidied:
        info["notes"].append(f"Ids were tidied (spaces, case, '.0'): {'; '.join(tidied)}.")

    text_numbers = [c for c in numeric if not pd.api.types.is_numeric_dtype(df[c].dtype)]
    if detect and text_numbers:  # no sample (a spreadsheet), or the sample did not tell
        cells = pd.concat([df[c].dropna().astype("str").drop_duplicates() for c in text_numbers])
        decimal = _detect_decimal(info, cells.head(100_000)) or decimal
    fixed = np.zeros(len(df), dtype=bool)
    example = ""
    for column in numeric:
        raw = df[column]
        df[column], repaired = parse_numbers(
            raw,
            decimal=decimal,
            thousands=thousands,
            label=_label(column, source_of[column]),
            whole=column == s.QUANTITY,
        )
        if repaired.any() and not example:
            first = int(np.flatnonzero(repaired)[0])
            example = f", e.g. {column} {raw.iloc[first]!r} read as {df[column].iloc[first]:g}"
        fixed |= repaired
    info["fixes"][MONEY_FIX] = int(fixed.sum())
    if fixed.any():
        info["notes"].append(
            "Currency symbols, spaces and thousands separators were removed from the numbers "
            f"on {int(fixed.sum()):,} row(s){example}."
        )

    date_info: dict[str, Any] = {
        "date_format": None,
        "timezone": None,
        "bad_dates": 0,
        "bad_date_examples": [],
        "empty_dates": 0,
        "notes": [],
    }
    if parse_dates:
        df[s.INVOICE_DATE], date_info = parsing.parse_dates(
            df[s.INVOICE_DATE],
            date_format=date_format,
            timezone=timezone,
            max_bad_dates=max_bad_dates,
            label=_label(s.INVOICE_DATE, source_of[s.INVOICE_DATE]),
        )
        if date_info["timezone"]:
            sentence = date_info["timezone"]
            info["notes"].append(f"{sentence[0].upper()}{sentence[1:]}.")
    info["notes"] += date_info.pop("notes")
    info.update(date_info)

    df = _derive_order_lines(df, info, look_alikes)
    for column in (s.DESCRIPTION, s.COUNTRY):
        if column in df and df[column].dtype == object:
            df[column] = df[column].astype("str")
    info["rows"] = len(df)
    df.attrs["loading"] = info
    return df


def load_online_retail(
    path: str | os.PathLike | None = None, *, parse_dates: bool = True
) -> pd.DataFrame:
    """Load UCI Online Retail (Chen, Sain & Guo 2012) as canonical order lines.

    Accepts the UCI ``.xlsx`` or a ``.csv``/``.csv.gz`` with the same columns (InvoiceNo,
    StockCode, Description, Quantity, InvoiceDate, UnitPrice, CustomerID, Country). CustomerID,
    stored as a float in some copies ("17850.0"), becomes the string "17850"; rows without a
    customer are kept with ``customer_id`` missing.

    Parameters
    ----------
    path : str or path-like, optional
        The file; default: look in ``$CVL_DATA_DIR``.
    parse_dates : bool, default True
        Parse ``invoice_date`` to datetimes.

    Returns
    -------
    pandas.DataFrame
        541,909 order lines for the full file, columns invoice_id, product_id, description,
        quantity, invoice_date, unit_price, customer_id, country.
    """
    found = _locate("online_retail", path)
    text_columns = {"InvoiceNo": str, "StockCode": str, "CustomerID": str, "Description": str}
    if found.suffix.lower() in {".xlsx", ".xls"}:
        raw = pd.read_excel(found, dtype=text_columns)
        if raw.empty:
            raise ValueError(f"{found}: the sheet has no rows")
    else:
        raw = _read_csv(found, dtype=text_columns, keep_default_na=False, na_values=[""])
    missing = sorted(set(ONLINE_RETAIL_COLUMNS) - set(raw.columns))
    if missing:
        raise ValueError(
            f"{found}: not the Online Retail format, column(s) {missing} missing; "
            f"the file has {list(raw.columns)}"
        )
    df = raw.rename(columns=ONLINE_RETAIL_COLUMNS)[list(ONLINE_RETAIL_COLUMNS.values())]
    return _parse_order_lines(df, None, parse_dates)


def load_cdnow(path: str | os.PathLike | None = None) -> pd.DataFrame:
    """Load the CDNOW sample of Fader, Hardie & Lee (2005), or the full master file.

    The sample is whitespace-separated without a header: customer id, id within the cohort,
    date (YYYYMMDD), number of CDs, dollar value. All 2,357 customers first bought in the first
    quarter of 1997. The master file (``CDNOW_master.txt``, 23,570 customers) has the same
    columns without the id within the cohort; both are read.

    Parameters
    ----------
    path : str or path-like, optional
        The file; default: look in ``$CVL_DATA_DIR``.

    Returns
    -------
    pandas.DataFrame
        Columns customer_id (str), invoice_date (datetime), quantity (int), amount (float);
        one row per purchase record (6,919 for the sample).
    """
    found = _locate("cdnow", path)
    try:
        raw = pd.read_csv(found, sep=r"\s+", header=None, dtype=str)
    except pd.errors.EmptyDataError:
        raise ValueError(f"{found}: the file is empty") from None
    layouts = {
        5: ["customer_id", "cohort_id", "date", "quantity", "amount"],
        4: ["customer_id", "date", "quantity", "amount"],
    }
    if raw.shape[1] not in layouts:
        raise ValueError(
            f"{found}: expected 5 columns (the sample: customer id, id within cohort, date, "
            f"CDs, dollars) or 4 (the master file, without the id within cohort), got "
            f"{raw.shape[1]}; first row: {raw.iloc[0].tolist()}"
        )
    raw.columns = layouts[raw.shape[1]]
    dates = pd.to_datetime(raw["date"], format="%Y%m%d", errors="coerce")
    if dates.isna().any():
        bad = raw.loc[dates.isna()].iloc[0]
        raise ValueError(f"{found}: date must be YYYYMMDD; e.g. row {bad.name}: {bad.to_dict()}")
    return pd.DataFrame(
        {
            s.CUSTOMER_ID: raw["customer_id"],
            s.INVOICE_DATE: dates.astype("datetime64[ns]"),
            s.QUANTITY: raw["quantity"].astype(int),
            s.AMOUNT: raw["amount"].astype(float),
        }
    )


def load_donations(path: str | os.PathLike | None = None) -> pd.DataFrame:
    """Load the BG/BB paper's donations table: 11,104 donors, 6 yearly opportunities.

    One row per pattern of the 1995 cohort's repeat donations in 1996-2001: ``frequency``
    (donations), ``recency`` (the opportunity of the last one, 0 if none), ``periods`` (6)
    and ``weights`` (donors with that pattern).

    Parameters
    ----------
    path : str or path-like, optional
        The CSV file; default: look in ``$CVL_DATA_DIR``.

    Returns
    -------
    pandas.DataFrame
        The four columns, whole numbers.

    Raises
    ------
    ValueError
        If a column is missing or not a whole number >= 0.
    """
    found = _locate("donations", path)
    table = _read_csv(found)
    columns = ["frequency", "recency", "periods", "weights"]
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise ValueError(f"{found}: missing column(s) {missing}; found {list(table.columns)}")
    for column in columns:
        values = pd.to_numeric(table[column], errors="coerce")
        bad = ~(values >= 0) | (values % 1 != 0)
        if bad.any():
            row = table.loc[bad].iloc[0]
            raise ValueError(
                f"{found}: column {column!r} must be a whole number >= 0; "
                f"e.g. row {row.name}: {row.to_dict()}"
            )
        table[column] = values.astype("int64")
    return table[columns]


TELCO_COLUMNS = {
    "customerID": "customer_id",
    "gender": "gender",
    "SeniorCitizen": "senior_citizen",
    "Partner": "partner",
    "Dependents": "dependents",
    "tenure": "tenure_months",
    "PhoneService": "phone_service",
    "MultipleLines": "multiple_lines",
    "InternetService": "internet_service",
    "OnlineSecurity": "online_security",
    "OnlineBackup": "online_backup",
    "DeviceProtection": "device_protection",
    "TechSupport": "tech_support",
    "StreamingTV": "streaming_tv",
    "StreamingMovies": "streaming_movies",
    "Contract": "contract",
    "PaperlessBilling": "paperless_billing",
    "PaymentMethod": "payment_method",
    "MonthlyCharges": "monthly_charges",
    "TotalCharges": "total_charges",
    "Churn": "churn",
}


def load_telco(path: str | os.PathLike | None = None) -> pd.DataFrame:
    """Load IBM Telco Customer Churn with snake_case column names.

    ``TotalCharges`` is blank for customers with zero tenure (11 in the file); those become
    ``NaN`` in ``total_charges`` (not zero, not dropped) so that the churn chapter handles them
    explicitly. ``Churn`` "Yes"/"No" becomes the boolean column ``churn``.

    Parameters
    ----------
    path : str or path-like, optional
        The file; default: look in ``$CVL_DATA_DIR``.

    Returns
    -------
    pandas.DataFrame
        7,043 customers, 21 columns.
    """
    found = _locate("telco", path)
    raw = _read_csv(found, dtype={"customerID": str, "TotalCharges": str})
    missing = sorted(set(TELCO_COLUMNS) - set(raw.columns))
    if missing:
        raise ValueError(f"{found}: not the Telco format, column(s) {missing} missing")
    df = raw.rename(columns=TELCO_COLUMNS)
    total = df["total_charges"].str.strip()
    numbers = pd.to_numeric(total.mask(total == ""), errors="coerce")
    bad = numbers.isna() & (total != "")
    if bad.any():
        raise ValueError(
            f"{found}: TotalCharges must be a number or blank; e.g. {total[bad].iloc[0]!r}"
        )
    df["total_charges"] = numbers
    churn = df["churn"].str.strip()
    if not churn.isin(["Yes", "No"]).all():
        example = churn[~churn.isin(["Yes", "No"])].iloc[0]
        raise ValueError(f"{found}: column 'Churn' must be Yes or No; e.g. {example!r}")
    df["churn"] = churn.eq("Yes")
    return df


def load_synthetic(
    directory: str | os.PathLike | None = None, *, parse_dates: bool = True
) -> RetailData:
    """Load the embedded synthetic retail dataset (with its injected dirt and ground truth).

    Parameters
    ----------
    directory : str or path-like, optional
        Where the ``*.csv.gz`` files are; default ``datasets/synthetic`` in the repository.
        When the default directory is absent (an installed copy of ``helpers`` without the
        repository), the same data is generated in memory from the default seed.
    parse_dates : bool, default True
        Parse the order lines' ``invoice_date``; the injected bad dates become ``NaT``.

    Returns
    -------
    RetailData
        order_lines, customers, products, contacts, truth, dirt, bought_together,
        campaign_history, campaign_truth, prospects and prospects_truth tables.
    """
    folder = Path(directory) if directory is not None else SYNTHETIC_DIR
    if directory is None and not (folder / "order_lines.csv.gz").is_file():
        data = make_synthetic(seed=DEFAULT_SEED, n_customers=DEFAULT_N_CUSTOMERS)
    else:
        data = read_synthetic(folder)
    if not parse_dates:
        return data
    lines = _parse_order_lines(data.order_lines, None, True)
    return RetailData(**{**data.__dict__, "order_lines": lines})


#: The datasets a chapter can run on, by the name its ``DATASET`` parameter takes.
DATASETS: tuple[str, ...] = ("synthetic", "online_retail", "csv")


def load_clean_transactions(
    dataset: str = "synthetic",
    path: str | os.PathLike | None = None,
    *,
    columns: Mapping[str, str] | None = None,
    date_format: str | None = None,
    encoding: str | None = None,
    sep: str | None = None,
    decimal: str = ".",
    thousands: str | None = None,
    timezone: str | None = None,
    max_bad_dates: float | None = 0.01,
    **cleaning,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Load a dataset's order lines and clean them: what every chapter after 01 starts from.

    Parameters
    ----------
    dataset : {"synthetic", "online_retail", "csv"}, default "synthetic"
        Which loader to use: :func:`load_synthetic`, :func:`load_online_retail` or
        :func:`load_transactions`.
    path : str or path-like, optional
        The file (required for "csv"; for "online_retail" default ``$CVL_DATA_DIR``; for
        "synthetic" a folder written by :func:`helpers.synthetic.write_synthetic`).
    columns, date_format, encoding, sep, decimal, thousands, timezone, max_bad_dates : optional
        Passed to :func:`load_transactions` for "csv" (the other datasets have loaders that
        know their files, and do not use them).
    **cleaning
        Settings passed to :func:`helpers.cleaning.clean_transactions`.

    Returns
    -------
    clean : pandas.DataFrame
        Clean order lines with an ``amount`` column (see :mod:`helpers.cleaning`).
    report : pandas.DataFrame
        The cleaning report.
    """
    from helpers.cleaning import clean_transactions

    if dataset == "synthetic":
        raw = load_synthetic(path).order_lines
    elif dataset == "online_retail":
        raw = load_online_retail(path)
    elif dataset == "csv":
        if path is None:
            raise ValueError("dataset 'csv' needs path= (the order-lines file)")
        raw = load_transactions(
            path,
            columns,
            date_format=date_format,
            encoding=encoding,
            sep=sep,
            decimal=decimal,
            thousands=thousands,
            timezone=timezone,
            max_bad_dates=max_bad_dates,
        )
    else:
        raise ValueError(f"unknown dataset {dataset!r}; expected one of {list(DATASETS)}")
    return clean_transactions(raw, **cleaning)

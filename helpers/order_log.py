"""Loading an analyst's own order log: any CSV, Excel or Parquet export, in one call.

:func:`load_transactions` reads the file (:mod:`helpers.reading` finds its format, encoding
and separator), maps its columns to the canonical names of :mod:`helpers.schema`, tidies ids
(:mod:`helpers.identifiers`), reads numbers and dates (:mod:`helpers.parsing`), completes an
order-level file (customer, date, total) into order lines, and records in plain sentences what
it detected or repaired. What cannot be read raises a :class:`ValueError` saying which setting
to pass; a file is refused when more than ``max_bad_dates`` (1%) of its dates do not parse, and
the error proposes the format that reads them.
"""

from __future__ import annotations

import codecs
import os
import re
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from helpers import parsing, reading
from helpers import schema as s
from helpers.identifiers import IdKind, normalise_ids_counted
from helpers.options import option, option_mapping
from helpers.parsing import parse_numbers
from helpers.translation import N_
from helpers.translation import gettext as _

__all__ = ["ID_FIX", "MONEY_FIX", "load_transactions"]

#: Canonical columns holding numbers, read by :func:`helpers.parsing.parse_numbers`.
_NUMBER_COLUMNS = (s.QUANTITY, s.UNIT_PRICE, s.AMOUNT)

#: Canonical id columns and their kind for :func:`helpers.identifiers.normalise_ids`.
_ID_KINDS: dict[str, IdKind] = {
    s.CUSTOMER_ID: "customer",
    s.PRODUCT_ID: "product",
    s.INVOICE_ID: "invoice",
}

#: What the note on tidied ids says of each kind (translated there).
_TIDIED: dict[str, str] = {
    "customer": N_("customer ids on {n:,} row(s) (e.g. {before!r} -> {after!r})"),
    "product": N_("product ids on {n:,} row(s) (e.g. {before!r} -> {after!r})"),
    "invoice": N_("invoice ids on {n:,} row(s) (e.g. {before!r} -> {after!r})"),
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
        # a sentence of its own, after another: the leading space is the English separator
        return _(
            " The file's column {column!r} looks like {canonical}: if it is, map it with {mapping}."
        ).format(column=column, canonical=canonical, mapping=option_mapping(column, canonical))

    if s.AMOUNT in df:
        amount = df[s.AMOUNT]
        if s.QUANTITY in df and s.UNIT_PRICE in df:
            recomputed = df[s.QUANTITY] * df[s.UNIT_PRICE]
            differ = int(((amount - recomputed).abs() > 0.005 + 1e-9 * amount.abs()).sum())
            info["dropped_columns"].append(s.AMOUNT)
            notes.append(
                _(
                    "The file has {amount}, {quantity} and {unit_price}: {quantity} x "
                    "{unit_price} is used and {amount} dropped (cleaning recomputes it); they "
                    "differ by more than half a cent on {n:,} row(s)."
                ).format(amount=s.AMOUNT, quantity=s.QUANTITY, unit_price=s.UNIT_PRICE, n=differ)
            )
        elif s.QUANTITY in df:
            quantity = df[s.QUANTITY].astype(float)
            price = (amount.abs() / quantity.abs()).where(quantity < 0, amount / quantity)
            df[s.UNIT_PRICE] = price.where(quantity != 0)
            derived.append(s.UNIT_PRICE)
            notes.append(
                _(
                    "There is no unit price: it is the amount divided by the quantity (a line "
                    "of quantity 0 has none, and cleaning removes it)."
                )
                + unless(s.UNIT_PRICE)
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
                _("There is no quantity: it is the amount divided by the unit price.")
                + unless(s.QUANTITY)
            )
        else:
            refund = (amount < 0).to_numpy()
            df[s.QUANTITY] = np.where(refund, -1, 1).astype("int64")
            df[s.UNIT_PRICE] = amount.abs()
            derived += [s.QUANTITY, s.UNIT_PRICE]
            if refund.any():
                sentence = _(
                    "The file has one line per order (an amount, no quantity or price): each "
                    "line is quantity 1 at its amount; the {n:,} negative amount(s) (refunds) "
                    "are quantity -1, so that cleaning nets each against the customer's "
                    "purchase of the same amount."
                ).format(n=int(refund.sum()))
            else:
                sentence = _(
                    "The file has one line per order (an amount, no quantity or price): each "
                    "line is quantity 1 at its amount."
                )
            notes.append(sentence + unless(s.QUANTITY) + unless(s.UNIT_PRICE))
        df = df.drop(columns=[s.AMOUNT])
    if s.PRODUCT_ID not in df:
        df[s.PRODUCT_ID] = pd.Series(s.NO_PRODUCT, index=df.index, dtype="str")
        derived.append(s.PRODUCT_ID)
        info["has_products"] = False
        notes.append(
            _(
                "The file has no products: every line has the product {product!r}, and the "
                "analyses by product are left out."
            ).format(product=s.NO_PRODUCT)
            + unless(s.PRODUCT_ID)
        )
    if s.INVOICE_ID not in df:
        keys = pd.DataFrame({"date": df[s.INVOICE_DATE], "customer": df[s.CUSTOMER_ID]})
        number = keys.groupby(["date", "customer"], dropna=False, sort=True).ngroup().to_numpy()
        count = int(number.max()) + 1
        width = len(str(count))
        labels = np.array([f"D{i + 1:0{width}d}" for i in range(count)], dtype=object)
        df[s.INVOICE_ID] = pd.Series(labels[number], index=df.index, dtype="str")
        derived.append(s.INVOICE_ID)
        if count > 1:
            sentence = _(
                "The file has no invoice ids: each customer's lines at one date and time are "
                "one invoice, numbered {first}, {second}, ... in date order ({n:,} invoices)."
            )
        else:
            sentence = _(
                "The file has no invoice ids: each customer's lines at one date and time are "
                "one invoice, numbered {first}, {second}, ... in date order ({n:,} invoice)."
            )
        first, second = f"D{1:0{width}d}", f"D{2:0{width}d}"
        notes.append(sentence.format(first=first, second=second, n=count) + unless(s.INVOICE_ID))
    info["derived"] = [c for c in s.TRANSACTION_COLUMNS if c in derived]
    return df


def _detect_decimal(info: dict[str, Any], cells: Iterable[str]) -> str | None:
    """Tell the decimal separator from ``cells`` (None: not told); record a decimal comma."""
    found = parsing.detect_decimal(cells)
    if found == ",":
        info.update(decimal=",", decimal_detected=True)
        info["notes"].append(
            _("The numbers use a decimal comma (12,50); detected from the values.")
        )
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
                _(_TIDIED[kind]).format(
                    n=int(differs.sum()), before=raw.iloc[first], after=df[column].iloc[first]
                )
            )
    info["fixes"][ID_FIX] = int(changed.sum())
    if tidied:
        info["notes"].append(
            _("Ids were tidied (spaces, case, '.0'): {tidied}.").format(tidied=_("; ").join(tidied))
        )

    text_numbers = [c for c in numeric if not pd.api.types.is_numeric_dtype(df[c].dtype)]
    if detect and text_numbers:  # no sample (a spreadsheet), or the sample did not tell
        cells = pd.concat([df[c].dropna().astype("str").drop_duplicates() for c in text_numbers])
        decimal = _detect_decimal(info, cells.head(100_000)) or decimal
    fixed = np.zeros(len(df), dtype=bool)
    example: dict[str, Any] = {}
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
            example = {"column": column, "before": raw.iloc[first], "after": df[column].iloc[first]}
        fixed |= repaired
    info["fixes"][MONEY_FIX] = int(fixed.sum())
    if fixed.any():
        info["notes"].append(
            _(
                "Currency symbols, spaces and thousands separators were removed from the "
                "numbers on {n:,} row(s), e.g. {column} {before!r} read as {after:g}."
            ).format(n=int(fixed.sum()), **example)
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
            info["notes"].append(
                _("{sentence}.").format(sentence=sentence[0].upper() + sentence[1:])
            )
    info["notes"] += date_info.pop("notes")
    info.update(date_info)

    df = _derive_order_lines(df, info, look_alikes)
    for column in (s.DESCRIPTION, s.COUNTRY):
        if column in df and df[column].dtype == object:
            df[column] = df[column].astype("str")
    info["rows"] = len(df)
    df.attrs["loading"] = info
    return df

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
import copy
import os
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
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

__all__ = ["ID_FIX", "MONEY_FIX", "ChunkCounts", "OrderLogReader", "load_transactions"]

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


@dataclass
class ChunkCounts:
    """What typing order lines found, in counts that add up over the chunks of a file.

    Attributes
    ----------
    rows : int
        Order lines typed.
    tidied : dict
        Id kind -> ``[rows changed, first id before, after]`` (kinds with a change only).
    id_changed : int
        Rows with any id tidied.
    customer_keep : list or None
        ``tidied["customer"]`` had the customer ids kept their ``".0"`` (see
        ``float_suffix_lines``).
    id_changed_keep : int
        ``id_changed`` had the customer ids kept their ``".0"``.
    float_suffix_lines : list of tuple
        ``(first line, lines)`` of the chunks whose customer ids all were whole floats and
        lost their ``".0"``; when another chunk's ids are not all whole floats, the file keeps
        them: those lines' ids get their ``".0"`` back (:meth:`OrderLogReader.float_suffix`).
    kept_float_suffix : bool
        Some chunk has customer ids that are not all whole floats.
    money_fixed : int
        Rows whose numbers needed cleaning.
    money_examples : dict
        Column -> ``(before, after)``: its first number cleaned.
    dates : helpers.parsing.DateCounts or None
    amount_differ : int
        Rows where amount and quantity x unit_price differ by more than half a cent.
    refunds : int
        Negative order totals (a file with one line per order).
    quantity_error : list or None
        ``[rows, first line, amount, unit_price]`` of amounts that are no whole multiple of
        the price (a file without quantities).
    """

    rows: int = 0
    tidied: dict[str, list[Any]] = field(default_factory=dict)
    id_changed: int = 0
    customer_keep: list[Any] | None = None
    id_changed_keep: int = 0
    float_suffix_lines: list[tuple[int, int]] = field(default_factory=list)
    kept_float_suffix: bool = False
    money_fixed: int = 0
    money_examples: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    dates: parsing.DateCounts | None = None
    amount_differ: int = 0
    refunds: int = 0
    quantity_error: list[Any] | None = None

    def add(self, other: ChunkCounts, keep: int | None = 10_000) -> None:
        """Add the next chunk's counts: counts summed, the first example kept.

        Parameters
        ----------
        other : ChunkCounts
        keep : int or None, default 10,000
            Distinct date texts kept for proposing a format (None: all).
        """
        for kind, entry in other.tidied.items():
            mine = self.tidied.setdefault(kind, [0, *entry[1:]])
            mine[0] += entry[0]
        if other.customer_keep is not None:
            mine = self.customer_keep = self.customer_keep or [0, *other.customer_keep[1:]]
            mine[0] += other.customer_keep[0]
        self.rows += other.rows
        self.id_changed += other.id_changed
        self.id_changed_keep += other.id_changed_keep
        self.float_suffix_lines += other.float_suffix_lines
        self.kept_float_suffix |= other.kept_float_suffix
        self.money_fixed += other.money_fixed
        for column, example in other.money_examples.items():
            self.money_examples.setdefault(column, example)
        if other.dates is not None:
            if self.dates is None:
                self.dates = parsing.DateCounts(date_format=other.dates.date_format)
            self.dates.add(other.dates, keep)
        self.amount_differ += other.amount_differ
        self.refunds += other.refunds
        if other.quantity_error is not None:
            if self.quantity_error is None:
                self.quantity_error = [0, *other.quantity_error[1:]]
            self.quantity_error[0] += other.quantity_error[0]


def _tidy_ids(df: pd.DataFrame, counts: ChunkCounts, first_line: int) -> None:
    """Tidy the ids of a chunk (:func:`normalise_ids_counted`); count the rows changed."""
    changed = np.zeros(len(df), dtype=bool)
    others = np.zeros(len(df), dtype=bool)
    keep = None
    for column, kind in _ID_KINDS.items():
        if column not in df:
            continue
        raw = df[column]
        df[column], differs = normalise_ids_counted(raw, kind)
        if differs.any():
            first = int(np.flatnonzero(differs)[0])
            counts.tidied[kind] = [int(differs.sum()), raw.iloc[first], df[column].iloc[first]]
        if kind == "customer":
            keep = _customer_keep(raw, df[column], counts, first_line)
        else:
            others |= differs
        changed |= differs
    counts.id_changed = int(changed.sum())
    counts.id_changed_keep = counts.id_changed if keep is None else int((keep | others).sum())


def _customer_keep(
    raw: pd.Series, ids: pd.Series, counts: ChunkCounts, first_line: int
) -> np.ndarray | None:
    """Record how a chunk's customer ids read had they kept a ``".0"`` they lost.

    Returns the rows changed had they kept it, when the chunk's ids lost it (else None).
    """
    present = np.flatnonzero(ids.notna().to_numpy())
    if len(present) == 0:
        counts.customer_keep = counts.tidied.get("customer")
        return None
    first = int(present[0])
    if str(raw.iloc[first]).strip() != str(ids.iloc[first]) + ".0":
        counts.kept_float_suffix = True
        counts.customer_keep = counts.tidied.get("customer")
        return None
    # the same rule on the chunk and one id that is no whole float: the ".0" is kept
    extra = pd.concat([raw, pd.Series(["x"], dtype=raw.dtype)], ignore_index=True)
    kept, differs = normalise_ids_counted(extra, "customer")
    differs = differs[:-1]
    counts.float_suffix_lines.append((first_line, len(raw)))
    if differs.any():
        row = int(np.flatnonzero(differs)[0])
        counts.customer_keep = [int(differs.sum()), raw.iloc[row], kept.iloc[row]]
    return differs


def _derive_chunk(df: pd.DataFrame, counts: ChunkCounts, first_line: int) -> pd.DataFrame:
    """Complete a chunk of an order-level file (customer, date, total) into order lines.

    The invoices of a file without invoice ids are numbered over the whole file
    (:func:`_number_invoices`).
    """
    if s.AMOUNT in df:
        amount = df[s.AMOUNT]
        if s.QUANTITY in df and s.UNIT_PRICE in df:
            recomputed = df[s.QUANTITY] * df[s.UNIT_PRICE]
            counts.amount_differ = int(
                ((amount - recomputed).abs() > 0.005 + 1e-9 * amount.abs()).sum()
            )
        elif s.QUANTITY in df:
            quantity = df[s.QUANTITY].astype(float)
            price = (amount.abs() / quantity.abs()).where(quantity < 0, amount / quantity)
            df[s.UNIT_PRICE] = price.where(quantity != 0)
        elif s.UNIT_PRICE in df:
            price = df[s.UNIT_PRICE]
            quantity = amount / price
            off = ((quantity - quantity.round()).abs() > 1e-6) | price.eq(0) | quantity.isna()
            if off.any():
                row = int(np.flatnonzero(off.to_numpy())[0])
                counts.quantity_error = [
                    int(off.sum()),
                    first_line + row,
                    amount.iloc[row],
                    price.iloc[row],
                ]
                quantity = quantity.where(~off, 0)
            df[s.QUANTITY] = quantity.round().astype("int64")
        else:
            refund = (amount < 0).to_numpy()
            df[s.QUANTITY] = np.where(refund, -1, 1).astype("int64")
            df[s.UNIT_PRICE] = amount.abs()
            counts.refunds = int(refund.sum())
        df = df.drop(columns=[s.AMOUNT])
    if s.PRODUCT_ID not in df:
        df[s.PRODUCT_ID] = pd.Series(s.NO_PRODUCT, index=df.index, dtype="str")
    return df


def _number_invoices(df: pd.DataFrame) -> int:
    """Give each customer's lines at one timestamp one invoice id (D1, D2, ...); count them."""
    keys = pd.DataFrame({"date": df[s.INVOICE_DATE], "customer": df[s.CUSTOMER_ID]})
    number = keys.groupby(["date", "customer"], dropna=False, sort=True).ngroup().to_numpy()
    count = int(number.max()) + 1
    width = len(str(count))
    labels = np.array([f"D{i + 1:0{width}d}" for i in range(count)], dtype=object)
    df[s.INVOICE_ID] = pd.Series(labels[number], index=df.index, dtype="str")
    return count


class OrderLogReader:
    """Read an order log as :func:`load_transactions` does, in chunks of lines if asked.

    The settings (encoding, separator, decimal mark, date format, the UTC offset times are
    converted to) are decided once from the start of the file, so that every chunk is read
    alike; each chunk is then typed by the same code (:meth:`chunks`), its counts are added,
    and :meth:`loading` says what was detected or repaired in the whole file, as
    ``attrs["loading"]`` of :func:`load_transactions`.

    Two things need every line and are left to the caller, who holds them all:

    - a file without invoice ids has its invoices numbered over the whole file
      (``number_invoices``: :func:`load_transactions` does it in pandas);
    - customer ids lose a ``".0"`` when every id of the file is a whole float: a chunk of
      whole floats loses it, and if another chunk's ids are not all whole floats the
      chunks in :meth:`float_suffix` get it back.

    Parameters
    ----------
    path, columns, date_format, encoding, sep, decimal, thousands, timezone, max_bad_dates,
    parse_dates
        As for :func:`load_transactions`.

    Attributes
    ----------
    names : list of str
        The canonical column names of the file's columns.
    number_invoices : bool
        The file has no invoice ids (the caller numbers them).
    counts : ChunkCounts
        What the chunks read so far found.
    """

    def __init__(
        self,
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
    ) -> None:
        sep = _check_settings(encoding, sep, decimal, thousands, max_bad_dates)
        table = self.table = reading.open_table(path, encoding=encoding, sep=sep)
        where = str(table.path)
        names = self.names = reading.map_columns(table.header, columns, where)
        look_alikes = self.look_alikes = _look_alikes(table.header, names)
        _require_minimum(table.header, names, look_alikes, where)
        source_of = self.source_of = dict(zip(names, table.header, strict=True))
        self.numeric = [c for c in _NUMBER_COLUMNS if c in source_of]
        self.info: dict[str, Any] = {
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
            positions = [table.header.index(source_of[c]) for c in self.numeric]
            cells = [row[i] for row in table.sample_rows for i in positions if i < len(row)]
            found = _detect_decimal(self.info, cells)
            decimal, detect = found or decimal, found is None
        self.decimal, self.thousands, self.detect = decimal, thousands, detect
        self.typed = [source_of[c] for c in self.numeric]
        if table.format == "xlsx" and s.INVOICE_DATE in source_of:
            self.typed.append(source_of[s.INVOICE_DATE])  # real date cells stay dates
        self.date_format, self.timezone, self.max_bad_dates = date_format, timezone, max_bad_dates
        self.parse_dates = parse_dates
        self.number_invoices = s.INVOICE_ID not in names
        self.counts = ChunkCounts()
        self._noted = len(table.notes)
        self._late: dict[str, Any] = {"notes": []}  # what the first chunk detects
        self._more_notes: list[str] = []  # what reading the next files said

    def chunks(
        self, chunk_lines: int | None = None, then: Sequence[str | os.PathLike] = ()
    ) -> Iterator[pd.DataFrame]:
        """Read and type the file, chunk by chunk, adding each chunk's counts.

        Parameters
        ----------
        chunk_lines : int, optional
            Lines per chunk (text files); default the whole file in one chunk.
        then : sequence of path-like
            Text files read after it as more lines of one log, with its settings (encoding,
            separator, decimal mark); each must have its header.

        Yields
        ------
        pandas.DataFrame
            The next typed order lines, as :func:`load_transactions` returns them (but for
            invoice ids the caller numbers), with an index of line numbers (from 0, in file
            order, over the whole log).

        Raises
        ------
        ValueError
            As :func:`load_transactions` (an error found in a chunk after the first names its
            lines); for a file of ``then`` whose header differs.
        """
        first = 0
        for table in self._tables(then):
            frames = reading.read_chunks(
                table,
                typed=self.typed,
                decimal=self.decimal,
                thousands=self.thousands,
                chunk_lines=chunk_lines,
            )
            for raw in frames:
                try:
                    df, counts = self._type(raw, first)
                except ValueError as err:
                    if first == 0:
                        raise
                    raise ValueError(
                        f"{table.path}, lines {first + 1:,}-{first + len(raw):,} of the log "
                        f"(its rows are counted from the first of them): {err}"
                    ) from None
                self.counts.add(counts)
                df.index = pd.RangeIndex(first, first + len(df))
                first += len(df)
                yield df

    def _tables(self, then: Sequence[str | os.PathLike]) -> Iterator[reading.Table]:
        """Yield the first file's table, then the next files' (its settings, its header)."""
        yield self.table
        for path in then:
            table = reading.open_table(path, encoding=self.table.encoding, sep=self.table.sep)
            if table.header != self.table.header:
                raise ValueError(
                    f"{table.path}: its header {table.header} is not the first file's "
                    f"{self.table.header} ({self.table.path}); the files of one log must have "
                    "the same columns in the same order"
                )
            noted = len(table.notes)
            yield table
            self._more_notes += table.notes[noted:]

    def _type(self, df: pd.DataFrame, first: int) -> tuple[pd.DataFrame, ChunkCounts]:
        """Type one chunk of the file's lines with the settings decided."""
        counts = ChunkCounts(rows=len(df))
        df.columns = self.names
        _tidy_ids(df, counts, first)
        numeric, source_of = self.numeric, self.source_of
        text_numbers = [c for c in numeric if not pd.api.types.is_numeric_dtype(df[c].dtype)]
        if self.detect and text_numbers:  # no sample (a spreadsheet), or the sample did not tell
            cells = pd.concat(
                [df[c].dropna().astype("str").drop_duplicates() for c in text_numbers]
            )
            if first == 0:
                found = _detect_decimal(self._late, cells.head(100_000))
                self.decimal = found or self.decimal
            else:  # the first chunk did not tell: its numbers were read with a decimal point
                found = parsing.detect_decimal(cells.head(100_000))
                if found == ",":
                    raise ValueError(
                        "these lines' numbers use a decimal comma (12,50), the first lines' did "
                        "not tell, and were read with a decimal point: pass "
                        f"{option('decimal', ',')}"
                    )
            self.detect = found is None
        fixed = np.zeros(len(df), dtype=bool)
        for column in numeric:
            raw = df[column]
            df[column], repaired = parse_numbers(
                raw,
                decimal=self.decimal,
                thousands=self.thousands,
                label=_label(column, source_of[column]),
                whole=column == s.QUANTITY,
            )
            if repaired.any():
                row = int(np.flatnonzero(repaired)[0])
                counts.money_examples[column] = (raw.iloc[row], df[column].iloc[row])
            fixed |= repaired
        counts.money_fixed = int(fixed.sum())
        if self.parse_dates:
            offset = self.counts.dates.offset if self.counts.dates is not None else None
            df[s.INVOICE_DATE], counts.dates = parsing.read_dates(
                df[s.INVOICE_DATE],
                date_format=self.date_format,
                timezone=self.timezone,
                offset=offset,
            )
        df = _derive_chunk(df, counts, first)
        for column in (s.DESCRIPTION, s.COUNTRY):
            if column in df and df[column].dtype == object:
                df[column] = df[column].astype("str")
        return df, counts

    def float_suffix(self) -> list[tuple[int, int]]:
        """List the lines whose customer ids must get their ``".0"`` back (after the last chunk).

        Returns
        -------
        list of tuple
            ``(first line, lines)`` of the chunks whose customer ids all were whole floats and
            lost the ``".0"``, when the file as a whole keeps it; empty otherwise.
        """
        return self.counts.float_suffix_lines if self.counts.kept_float_suffix else []

    def loading(self, invoices: int | None = None) -> dict[str, Any]:
        """Say what reading the whole file detected or repaired (after the last chunk).

        Parameters
        ----------
        invoices : int, optional
            The number of invoices the caller numbered, for a file without invoice ids.

        Returns
        -------
        dict
            As ``attrs["loading"]`` of :func:`load_transactions`.

        Raises
        ------
        ValueError
            For too many dates that do not parse, or amounts that are no whole multiple of
            the unit price in a file without quantities.
        """
        counts, info = self.counts, copy.deepcopy(self.info)
        info["notes"] += self.table.notes[self._noted :] + self._more_notes
        info.update({k: v for k, v in self._late.items() if k != "notes"})
        info["notes"] += self._late["notes"]
        self._id_notes(info, counts)
        info["fixes"][MONEY_FIX] = counts.money_fixed
        if counts.money_fixed:
            column = next(c for c in self.numeric if c in counts.money_examples)
            before, after = counts.money_examples[column]
            info["notes"].append(
                _(
                    "Currency symbols, spaces and thousands separators were removed from the "
                    "numbers on {n:,} row(s), e.g. {column} {before!r} read as {after:g}."
                ).format(n=counts.money_fixed, column=column, before=before, after=after)
            )
        date_info: dict[str, Any] = {
            "date_format": None,
            "timezone": None,
            "bad_dates": 0,
            "bad_date_examples": [],
            "empty_dates": 0,
            "notes": [],
        }
        if self.parse_dates:
            date_info = parsing.describe_dates(
                counts.dates,
                timezone=self.timezone,
                max_bad_dates=self.max_bad_dates,
                label=_label(s.INVOICE_DATE, self.source_of[s.INVOICE_DATE]),
            )
            if date_info["timezone"]:
                sentence = date_info["timezone"]
                info["notes"].append(
                    _("{sentence}.").format(sentence=sentence[0].upper() + sentence[1:])
                )
        info["notes"] += date_info.pop("notes")
        info.update(date_info)
        self._derived_notes(info, counts, invoices)
        info["rows"] = counts.rows
        return info

    def _id_notes(self, info: dict[str, Any], counts: ChunkCounts) -> None:
        """Count and describe the ids tidied in the whole file."""
        tidied = dict(counts.tidied)
        changed = counts.id_changed
        if self.float_suffix():  # the file keeps the ".0": as each chunk had kept it
            changed = counts.id_changed_keep
            tidied.pop("customer", None)
            if counts.customer_keep is not None:
                tidied["customer"] = counts.customer_keep
        info["fixes"][ID_FIX] = changed
        sentences = [
            _(_TIDIED[kind]).format(
                n=tidied[kind][0], before=tidied[kind][1], after=tidied[kind][2]
            )
            for kind in _ID_KINDS.values()
            if kind in tidied and tidied[kind][0]
        ]
        if sentences:
            info["notes"].append(
                _("Ids were tidied (spaces, case, '.0'): {tidied}.").format(
                    tidied=_("; ").join(sentences)
                )
            )

    def _derived_notes(
        self, info: dict[str, Any], counts: ChunkCounts, invoices: int | None
    ) -> None:
        """Say how an order-level file was completed into order lines."""
        notes, derived, present = info["notes"], [], set(self.names)
        look_alikes = self.look_alikes

        def unless(canonical: str) -> str:
            if canonical not in look_alikes:
                return ""
            column = look_alikes[canonical]
            # a sentence of its own, after another: the leading space is the English separator
            return _(
                " The file's column {column!r} looks like {canonical}: if it is, map it with "
                "{mapping}."
            ).format(column=column, canonical=canonical, mapping=option_mapping(column, canonical))

        if s.AMOUNT in present:
            if s.QUANTITY in present and s.UNIT_PRICE in present:
                info["dropped_columns"].append(s.AMOUNT)
                notes.append(
                    _(
                        "The file has {amount}, {quantity} and {unit_price}: {quantity} x "
                        "{unit_price} is used and {amount} dropped (cleaning recomputes it); "
                        "they differ by more than half a cent on {n:,} row(s)."
                    ).format(
                        amount=s.AMOUNT,
                        quantity=s.QUANTITY,
                        unit_price=s.UNIT_PRICE,
                        n=counts.amount_differ,
                    )
                )
            elif s.QUANTITY in present:
                derived.append(s.UNIT_PRICE)
                notes.append(
                    _(
                        "There is no unit price: it is the amount divided by the quantity (a "
                        "line of quantity 0 has none, and cleaning removes it)."
                    )
                    + unless(s.UNIT_PRICE)
                )
            elif s.UNIT_PRICE in present:
                if counts.quantity_error is not None:
                    n, row, amount, price = counts.quantity_error
                    raise ValueError(
                        f"column {s.QUANTITY!r} is missing and {s.AMOUNT} / {s.UNIT_PRICE} is "
                        f"not a whole number on {n:,} row(s), first at data row {row + 1} "
                        f"({s.AMOUNT} {amount!r}, {s.UNIT_PRICE} {price!r}); map the file's "
                        f"quantity column, e.g. {option_mapping('Qty', s.QUANTITY)}"
                    )
                derived.append(s.QUANTITY)
                notes.append(
                    _("There is no quantity: it is the amount divided by the unit price.")
                    + unless(s.QUANTITY)
                )
            else:
                derived += [s.QUANTITY, s.UNIT_PRICE]
                if counts.refunds:
                    sentence = _(
                        "The file has one line per order (an amount, no quantity or price): "
                        "each line is quantity 1 at its amount; the {n:,} negative amount(s) "
                        "(refunds) are quantity -1, so that cleaning nets each against the "
                        "customer's purchase of the same amount."
                    ).format(n=counts.refunds)
                else:
                    sentence = _(
                        "The file has one line per order (an amount, no quantity or price): "
                        "each line is quantity 1 at its amount."
                    )
                notes.append(sentence + unless(s.QUANTITY) + unless(s.UNIT_PRICE))
        if s.PRODUCT_ID not in present:
            derived.append(s.PRODUCT_ID)
            info["has_products"] = False
            notes.append(
                _(
                    "The file has no products: every line has the product {product!r}, and the "
                    "analyses by product are left out."
                ).format(product=s.NO_PRODUCT)
                + unless(s.PRODUCT_ID)
            )
        if self.number_invoices:
            count = int(invoices or 0)
            width = len(str(count))
            derived.append(s.INVOICE_ID)
            if count > 1:
                sentence = _(
                    "The file has no invoice ids: each customer's lines at one date and time "
                    "are one invoice, numbered {first}, {second}, ... in date order ({n:,} "
                    "invoices)."
                )
            else:
                sentence = _(
                    "The file has no invoice ids: each customer's lines at one date and time "
                    "are one invoice, numbered {first}, {second}, ... in date order ({n:,} "
                    "invoice)."
                )
            first, second = f"D{1:0{width}d}", f"D{2:0{width}d}"
            notes.append(
                sentence.format(first=first, second=second, n=count) + unless(s.INVOICE_ID)
            )
        info["derived"] = [c for c in s.TRANSACTION_COLUMNS if c in derived]


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
    reader = OrderLogReader(
        path,
        columns,
        date_format=date_format,
        encoding=encoding,
        sep=sep,
        decimal=decimal,
        thousands=thousands,
        timezone=timezone,
        max_bad_dates=max_bad_dates,
        parse_dates=parse_dates,
    )
    (df,) = reader.chunks()
    invoices = _number_invoices(df) if reader.number_invoices else None
    df.attrs["loading"] = reader.loading(invoices)
    return df

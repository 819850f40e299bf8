"""Reading the columns of a table as people write them: numbers and dates.

The pieces :func:`helpers.datasets.load_transactions` uses once a file is read as text
(:mod:`helpers.reading`), which know nothing about order lines:

- :func:`parse_numbers` reads numbers written for people: currency symbols and codes,
  thousands separators, decimal commas (:func:`detect_decimal`), accounting negatives;
- :func:`parse_dates` reads dates in a given format, ISO 8601, Excel serial numbers or with
  UTC offsets (converted to one zone, then made naive), counts what does not parse and, past
  a limit, stops with the formats that would parse every row (:func:`propose_date_formats`),
  saying when day-first and month-first are both possible.

Every setting an error message advises is named by :func:`helpers.options.option`, so the
report command shows it as its own option (``--date-format '%d/%m/%Y'``).
"""

from __future__ import annotations

import datetime as dt
import math
import re
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from helpers.options import option
from helpers.translation import gettext as _

__all__ = [
    "DATE_FORMAT_CANDIDATES",
    "DateCounts",
    "describe_dates",
    "detect_decimal",
    "parse_dates",
    "parse_numbers",
    "propose_date_formats",
    "read_dates",
]

#: Date formats :func:`propose_date_formats` tries, each also with " %H:%M" and " %H:%M:%S".
DATE_FORMAT_CANDIDATES: tuple[str, ...] = (
    "%d/%m/%Y",
    "%m/%d/%Y",
    "%d.%m.%Y",
    "%d-%m-%Y",
    "%Y/%m/%d",
    "%Y%m%d",
    "%d/%m/%y",
    "%m/%d/%y",
)

_TIMES = ("", " %H:%M", " %H:%M:%S")

_DAY_MONTH_PAIRS = (("%d/%m/%Y", "%m/%d/%Y"), ("%d/%m/%y", "%m/%d/%y"))

_EXCEL_EPOCH = pd.Timestamp("1899-12-30")

_NS_RANGE = (np.datetime64("1677-09-22", "us"), np.datetime64("2262-04-11", "us"))

_BLANKS = re.compile(r"[\s\u00a0\u202f'’]")

_TIME_OFFSET = re.compile(r"\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)$")

# Currency symbols and the codes of the currencies an export is likely to carry.
_CURRENCY = re.compile(
    r"(?:US|HK|NZ|AU|CA|[ACRS])?\$|[£€¥￥₹₩₽¢元]"
    r"|\b(?:EUR|USD|GBP|CNY|RMB|JPY|CHF|CAD|AUD|HKD|SGD|INR|KRW|SEK|NOK|DKK|PLN|CZK|HUF|RUB"
    r"|BRL|MXN|ZAR|NZD|TWD|TRY)\b"
)


# --- numbers ------------------------------------------------------------------------------------


def _strip_money(values: pd.Series) -> pd.Series:
    """Remove currency symbols and codes and blanks (spaces, thin spaces, apostrophes)."""
    values = values.str.replace(_CURRENCY, "", regex=True)
    values = values.str.replace(_BLANKS, "", regex=True)
    return values.str.replace("\u2212", "-", regex=False)  # the minus sign of typeset numbers


def _read_money(text: pd.Series, decimal: str, separator: str) -> np.ndarray:
    """Read number text with currency, blanks, accounting negatives and thousands separators."""
    cleaned = _strip_money(text)
    negative = cleaned.str.fullmatch(r"\(.*\)").to_numpy(dtype=bool)
    cleaned = cleaned.str.strip("()")
    dec, sep = re.escape(decimal), re.escape(separator)
    grouped = rf"[+-]?(?:\d{{1,3}}(?:{sep}\d{{3}})+|\d*)(?:{dec}\d*)?"
    good = cleaned.str.fullmatch(grouped) & cleaned.str.contains(r"\d")
    cleaned = cleaned.where(good).str.replace(separator, "", regex=False)
    number = pd.to_numeric(cleaned.str.replace(decimal, ".", regex=False), errors="coerce")
    number = number.to_numpy(dtype=float)
    return np.where(negative, -np.abs(number), number)


def detect_decimal(values: Iterable[str]) -> str | None:
    """Tell a decimal comma from a decimal point in number text, when the values say it.

    A value votes for the separator before its last group of digits when that group does not
    have exactly three digits (``"12,50"``: comma; ``"1,234"``: no vote, it may be a thousand).

    Parameters
    ----------
    values : iterable of str
        Number text as written (currency symbols allowed).

    Returns
    -------
    str or None
        "," or "." when every vote agrees; None without votes or with both.

    Examples
    --------
    >>> detect_decimal(["1.234,56 €", "12,50", "3"])
    ','
    >>> detect_decimal(["1,234", "12"]) is None
    True
    """
    text = _strip_money(pd.Series(list(values), dtype="str").dropna())
    last = text.str.extract(r"\d([.,])(\d+)\)?$")
    votes = last.loc[last[1].str.len() != 3, 0].dropna().unique().tolist()
    return votes[0] if len(votes) == 1 else None


def _first_bad(values: pd.Series, bad: np.ndarray) -> str:
    position = int(np.flatnonzero(bad)[0])
    return f"first at data row {position + 1} ({values.iloc[position]!r})"


def parse_numbers(
    values: pd.Series,
    *,
    decimal: str = ".",
    thousands: str | None = None,
    label: str | None = None,
    whole: bool = False,
) -> tuple[pd.Series, np.ndarray]:
    """Read numbers written for people: currency symbols, thousands separators, "(12.00)".

    Each distinct text is read once. A value that does not read as a plain number (with
    ``decimal``) is cleaned: currency symbols and codes (``£ $ € ¥ ￥``, ``"EUR "``, ...),
    spaces and apostrophes are removed, ``"(12.00)"`` becomes -12.0, and the thousands
    separator (``thousands``, by default "," with a decimal point and "." with a decimal comma)
    is removed where it separates groups of three digits (``"1,234.50"``; never ``"12,50"``).

    Parameters
    ----------
    values : pandas.Series
        Numbers, or text (a column read as text, or a mix from a spreadsheet).
    decimal : {".", ","}
        The decimal separator.
    thousands : str, optional
        The thousands separator; default: the other of "." and ",".
    label : str, optional
        How messages name the column, e.g. "column 'unit_price' (file column 'Price')";
        default "column '<name>'".
    whole : bool, default False
        Return int64 when every value is a whole number (quantities).

    Returns
    -------
    numbers : pandas.Series
        float64 (int64 with ``whole`` when possible); empty text is missing.
    fixed : numpy.ndarray of bool
        The rows whose text needed cleaning to read.

    Raises
    ------
    ValueError
        Naming the column, how many rows are not numbers and the first one.
    """
    label = label or f"column {values.name!r}"
    if pd.api.types.is_bool_dtype(values.dtype):
        raise ValueError(f"{label} must hold numbers, not true/false values")
    if pd.api.types.is_numeric_dtype(values.dtype):
        numbers, fixed = values, np.zeros(len(values), dtype=bool)
    else:
        codes, uniques = pd.factorize(values)
        text = pd.Series(uniques, dtype="str").str.strip()
        separator = thousands or ("," if decimal == "." else ".")
        plain_text = text if decimal == "." else text.str.replace(",", ".", regex=False)
        if decimal != ".":
            plain_text = plain_text.mask(text.str.contains(".", regex=False))
        number = pd.to_numeric(plain_text, errors="coerce").to_numpy(dtype=float, copy=True)
        empty = (text == "").to_numpy(dtype=bool)
        plain = ~np.isnan(number)
        todo = ~plain & ~empty  # only the values that are not plain numbers are cleaned
        number[todo] = _read_money(text[todo], decimal, separator)
        table = np.append(number, np.nan)
        numbers = pd.Series(table[codes], index=values.index, name=values.name)
        fixed = np.append(~plain & ~np.isnan(number), False)[codes]
        bad_unique = np.isnan(number) & ~empty
        if bad_unique.any():
            bad = np.append(bad_unique, False)[codes]
            example = values[bad].iloc[0] if bad.any() else ""
            advice = ""
            if decimal == "." and re.fullmatch(r"[^,]*\d,\d{1,2}\D*", str(example)):
                advice = f"; it looks like a decimal comma: pass {option('decimal', ',')}"
            elif decimal == "," and re.fullmatch(r"[^.]*\d\.\d{1,2}\D*", str(example)):
                advice = f"; it looks like a decimal point: pass {option('decimal', '.')}"
            raise ValueError(
                f"{label} must be numeric; {int(bad.sum())} row(s) are not even after "
                f"removing currency symbols and thousands separators, "
                f"{_first_bad(values, bad)}{advice}"
            )
    if whole:
        finite = numbers.dropna()
        if numbers.notna().all() and (finite % 1 == 0).all():
            return numbers.astype("int64"), fixed
    return numbers.astype("float64"), fixed


# --- dates --------------------------------------------------------------------------------------


def _to_ns(parsed: pd.Series | pd.DatetimeIndex | np.ndarray) -> np.ndarray:
    """Naive datetimes as datetime64[ns]; those outside the nanosecond range become NaT."""
    stamps = np.asarray(parsed, dtype="datetime64[us]")
    outside = (stamps < _NS_RANGE[0]) | (stamps > _NS_RANGE[1])
    stamps = np.where(outside, np.datetime64("NaT", "us"), stamps)
    return stamps.astype("datetime64[ns]")


def _excel_serials(numbers: np.ndarray) -> np.ndarray:
    """Excel serial day numbers (1899-12-30 + days; fractions are times, to the millisecond)."""
    ok = np.isfinite(numbers) & (numbers >= 1) & (numbers < 200_000)
    days = pd.to_timedelta(np.where(ok, numbers, np.nan), unit="D").round("ms")
    return _to_ns(_EXCEL_EPOCH + days)


def _offset_label(text: str) -> str:
    if text == "Z":
        return "Z"
    digits = text[1:].replace(":", "")
    return f"{text[0]}{digits[:2]}:{digits[2:4] or '00'}"


def _offset_delta(label: str) -> dt.timedelta:
    if label == "Z":
        return dt.timedelta(0)
    sign = -1 if label[0] == "-" else 1
    return sign * dt.timedelta(hours=int(label[1:3]), minutes=int(label[4:6]))


def _zone(timezone: str | None) -> zoneinfo.ZoneInfo | None:
    if timezone is None:
        return None
    try:
        return zoneinfo.ZoneInfo(timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, TypeError):
        raise ValueError(
            f"unknown time zone {timezone!r}: use an IANA name, e.g. "
            f"{option('timezone', 'Europe/Paris')}"
        ) from None


def _utc_label(delta: dt.timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def _parse_text(text: pd.Series, fmt: str) -> tuple[np.ndarray, list[str], np.ndarray]:
    """Parse distinct date texts; texts with a UTC offset are read as instants."""
    offsets = text.str.extract(_TIME_OFFSET, expand=False)
    aware = offsets.notna().to_numpy(dtype=bool)
    parsed = np.full(len(text), np.datetime64("NaT", "ns"))
    if (~aware).any():
        naive = pd.to_datetime(text[~aware], format=fmt, errors="coerce")
        if isinstance(naive.dtype, pd.DatetimeTZDtype):
            naive = naive.dt.tz_localize(None)
        parsed[~aware] = _to_ns(naive)
    labels = [_offset_label(o) for o in offsets[aware]]
    if aware.any():
        instants = pd.to_datetime(text[aware], format=fmt, errors="coerce", utc=True)
        parsed[aware] = _to_ns(instants.dt.tz_localize(None))  # UTC, as naive
    return parsed, labels, aware


def _describe_zone(
    labels: list[str], target: str, zone: zoneinfo.ZoneInfo | None, naive: int
) -> str:
    shown = list(dict.fromkeys(labels))
    listed = ", ".join(shown[:6]) + (", ..." if len(shown) > 6 else "")
    if zone is not None:
        sentence = _(
            "dates carried UTC offsets ({listed}); converted to {zone} local time and the "
            "offset dropped"
        ).format(listed=listed, zone=zone.key)
    else:
        sentence = _(
            "dates carried UTC offsets ({listed}); converted to {target}, the first row's "
            "offset, and the offset dropped"
        ).format(listed=listed, target=target)
    if naive:
        sentence += _("; {n:,} date(s) without an offset were kept as written").format(n=naive)
    return sentence


def propose_date_formats(texts: Iterable[str], tried: str | None = None) -> list[str]:
    """List the usual date formats that read every one of ``texts``.

    Parameters
    ----------
    texts : iterable of str
        Non-empty date texts (distinct values are enough).
    tried : str, optional
        A format already tried, left out; when it is not ISO 8601, "ISO8601" is a candidate.

    Returns
    -------
    list of str
        Formats from :data:`DATE_FORMAT_CANDIDATES` (each with no time, " %H:%M" or
        " %H:%M:%S"), "ISO8601", and "excel" when every text is a plausible Excel serial day
        number, in that order.

    Examples
    --------
    >>> propose_date_formats(["31/01/2024", "01/02/2024"])
    ['%d/%m/%Y']
    """
    values = pd.Series(list(dict.fromkeys(texts)), dtype="str").str.strip()
    values = values[values != ""]
    if values.empty:
        return []
    candidates = [base + time for base in DATE_FORMAT_CANDIDATES for time in _TIMES]
    if tried not in (None, "ISO8601"):
        candidates.append("ISO8601")
    probe = pd.concat([values.head(500), values.sample(min(len(values), 500), random_state=0)])
    found = []
    for fmt in candidates:
        if fmt == tried:
            continue
        for part in (probe, values):
            if pd.to_datetime(part, format=fmt, errors="coerce").isna().any():
                break
        else:
            found.append(fmt)
    serials = pd.to_numeric(values, errors="coerce")
    if serials.notna().all() and serials.between(1, 200_000).all() and tried != "excel":
        found.append("excel")
    return found


def _ambiguity(example: str, proposals: list[str]) -> str | None:
    """Name the day-first and month-first readings of ``example`` when both are proposed."""
    for day_first, month_first in _DAY_MONTH_PAIRS:
        for time in _TIMES:
            pair = (day_first + time, month_first + time)
            if pair[0] in proposals and pair[1] in proposals:
                as_day = pd.to_datetime(example, format=pair[0])
                as_month = pd.to_datetime(example, format=pair[1])
                return (
                    f"pass {option('date_format', pair[0])} if {example!r} is {as_day.day} "
                    f"{as_day:%B %Y}, or {option('date_format', pair[1])} if it is "
                    f"{as_month.day} {as_month:%B %Y}"
                )
    return None


def _date_advice(
    bad_texts: list[str], texts: pd.Series, tried: str, share: float, described: str
) -> str:
    """Write the sentences that end a bad-dates error: which format to pass."""
    limit = min(1.0, math.ceil(share * 100) / 100)
    keep = f"keep the unreadable dates as missing with {option('max_bad_dates', limit)}"
    proposals = propose_date_formats(texts, tried=tried)
    if proposals:
        ambiguous = _ambiguity(bad_texts[0], proposals)
        if ambiguous:
            return (
                "Every date reads both day-first and month-first (no day is above 12), so the "
                f"file is ambiguous: {ambiguous}"
            )
        listed = " or ".join(option("date_format", fmt) for fmt in proposals[:3])
        return f"Every date reads with {listed}: pass it"
    partial = propose_date_formats(bad_texts, tried=tried)
    if partial:
        listed = " or ".join(option("date_format", fmt) for fmt in partial[:3])
        ambiguous = _ambiguity(bad_texts[0], partial)
        return (
            f"The file mixes two formats: the dates that do not parse all read with {listed}"
            + (", and day-first or month-first cannot be told apart" if ambiguous else "")
            + f", the others as {described}; no one format reads both. Export the dates in "
            f"one format, or {keep}"
        )
    return (
        "No usual format reads every date: pass the file's format in strftime codes, e.g. "
        f"{option('date_format', '%d/%m/%Y %H:%M')}, or {keep}"
    )


@dataclass
class DateCounts:
    """What :func:`read_dates` found in date text, in counts that add up over a file's chunks.

    Attributes
    ----------
    date_format : str
        The format read ("ISO8601", "excel" or a strftime format).
    rows : int
        Rows read.
    empty : int
        Rows without a date (missing or blank).
    bad : int
        Non-empty dates that did not parse.
    excel : int
        Rows read as Excel serial day numbers.
    naive : int
        Non-empty text dates without a UTC offset.
    offsets : list of str
        The distinct UTC offsets seen ("+01:00", "Z"), in order of first appearance.
    offset : str or None
        The offset that times carrying one are converted to when no time zone is given: the
        first date's that carries one.
    bad_texts : list of str
        The distinct texts that did not parse, in order of first appearance.
    texts : list of str
        The distinct non-empty date texts (for proposing a format).
    """

    date_format: str = "ISO8601"
    rows: int = 0
    empty: int = 0
    bad: int = 0
    excel: int = 0
    naive: int = 0
    offsets: list[str] = field(default_factory=list)
    offset: str | None = None
    bad_texts: list[str] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)

    def add(self, other: DateCounts, keep: int | None = None) -> None:
        """Add the counts of the next chunk of the same column (read with the same settings).

        Parameters
        ----------
        other : DateCounts
            The next chunk's counts.
        keep : int, optional
            Keep at most this many distinct texts in ``bad_texts`` and ``texts``; default all.
        """
        self.rows += other.rows
        self.empty += other.empty
        self.bad += other.bad
        self.excel += other.excel
        self.naive += other.naive
        self.offsets = list(dict.fromkeys(self.offsets + other.offsets))
        self.offset = self.offset or other.offset
        self.bad_texts = list(dict.fromkeys(self.bad_texts + other.bad_texts))[:keep]
        self.texts = list(dict.fromkeys(self.texts + other.texts))[:keep]


def read_dates(
    values: pd.Series,
    *,
    date_format: str | None = None,
    timezone: str | None = None,
    offset: str | None = None,
) -> tuple[pd.Series, DateCounts]:
    """Read date text (or spreadsheet cells) and count what did not read; never raise on it.

    The reading half of :func:`parse_dates`, for one column or one chunk of it: a file read
    in chunks gives each chunk the ``offset`` the first chunks fixed, adds the counts
    (:meth:`DateCounts.add`) and describes them once (:func:`describe_dates`).

    Parameters
    ----------
    values : pandas.Series
        Date text or spreadsheet cells (not a datetime column: :func:`parse_dates` takes it).
    date_format, timezone : str, optional
        As for :func:`parse_dates`.
    offset : str, optional
        The UTC offset ("+01:00", "Z") to convert times carrying one to when ``timezone`` is
        not given; default the first such time's own.

    Returns
    -------
    dates : pandas.Series
        datetime64[ns], naive; empty and unreadable dates are ``NaT``.
    counts : DateCounts
    """
    fmt = date_format or "ISO8601"
    zone = _zone(timezone)
    found = DateCounts(date_format=fmt, rows=len(values))
    codes, uniques = pd.factorize(values)
    counts = np.bincount(codes[codes >= 0], minlength=len(uniques))
    objects = np.asarray(uniques, dtype=object)
    parsed = np.full(len(objects), np.datetime64("NaT", "ns"))
    if pd.api.types.is_string_dtype(values.dtype):  # text read from a file: no other kind
        stamps = numbers = np.zeros(len(objects), dtype=bool)
    else:
        stamps = np.array([isinstance(o, dt.date | np.datetime64) for o in objects], dtype=bool)
        numbers = np.array(
            [isinstance(o, int | float | np.number) and not isinstance(o, bool) for o in objects],
            dtype=bool,
        )
    if stamps.any():
        as_stamps = [pd.Timestamp(o) for o in objects[stamps]]
        as_stamps = [  # a zoned cell: to ``timezone`` if given, else its own local time
            (s.tz_convert(zone) if zone is not None else s).tz_localize(None) if s.tz else s
            for s in as_stamps
        ]
        parsed[stamps] = _to_ns(pd.DatetimeIndex(as_stamps))
    text = pd.Series(
        [
            ""
            if stamps[i]
            else (f"{o:.0f}" if numbers[i] and float(o).is_integer() else str(o)).strip()
            for i, o in enumerate(objects)
        ]
        if (stamps.any() or numbers.any())
        else uniques,
        dtype="str",
    ).str.strip()
    empty = (text == "").to_numpy(dtype=bool) & ~stamps
    todo = ~empty & ~stamps
    if fmt == "excel":
        serial = pd.to_numeric(text.where(todo), errors="coerce").to_numpy(dtype=float)
        is_serial = todo & ~np.isnan(serial)
        parsed[is_serial] = _excel_serials(serial[is_serial])
        found.excel = int(counts[is_serial].sum())
        todo &= ~is_serial
        text_format = "ISO8601"
    else:
        text_format = fmt
    if todo.any():
        sub, labels, aware = _parse_text(text[todo], text_format)
        found.naive = int(counts[todo][~aware].sum())
        found.offsets = list(dict.fromkeys(labels))
        found.offset = offset or (labels[0] if labels else None)
        if labels:
            target = zone if zone is not None else dt.timezone(_offset_delta(found.offset))
            local = pd.DatetimeIndex(sub[aware]).tz_localize("UTC").tz_convert(target)
            sub[aware] = _to_ns(local.tz_localize(None))
        parsed[todo] = sub
    found.empty = int((codes < 0).sum()) + int(counts[empty].sum())
    bad_unique = np.isnat(parsed) & ~empty
    found.bad = int(counts[bad_unique].sum())
    found.bad_texts = [str(t) for t in text[bad_unique]]
    found.texts = [str(t) for t in text[~empty & ~stamps]]
    out = np.append(parsed, np.datetime64("NaT", "ns"))[codes]
    return pd.Series(out, index=values.index, name=values.name), found


def describe_dates(
    counts: DateCounts,
    *,
    timezone: str | None = None,
    max_bad_dates: float | None = 0.01,
    label: str = "column 'invoice_date'",
) -> dict[str, Any]:
    """Say what :func:`read_dates` found, and refuse too many dates that do not parse.

    The describing half of :func:`parse_dates`, on the counts of a whole column.

    Parameters
    ----------
    counts : DateCounts
        The column's counts (added over its chunks).
    timezone : str, optional
        The time zone the dates were read with.
    max_bad_dates : float or None, default 0.01
        As for :func:`parse_dates`.
    label : str
        How messages name the column.

    Returns
    -------
    dict
        As the ``info`` of :func:`parse_dates`.

    Raises
    ------
    ValueError
        As :func:`parse_dates`.
    """
    fmt = counts.date_format
    zone = _zone(timezone)
    info: dict[str, Any] = {
        "date_format": fmt,
        "timezone": None,
        "bad_dates": 0,
        "bad_date_examples": [],
        "empty_dates": counts.empty,
        "notes": [],
    }
    if counts.excel:
        info["notes"].append(
            _("Dates were Excel serial day numbers ({n:,} rows).").format(n=counts.excel)
        )
    if counts.offsets:
        info["timezone"] = _describe_zone(
            counts.offsets, _utc_label(_offset_delta(counts.offset)), zone, counts.naive
        )
    if zone is not None and not counts.offsets:
        info["notes"].append(
            _(
                "{setting} was not used: the dates carry no UTC offset, so they are taken as "
                "local times already."
            ).format(setting=option("timezone", timezone))
        )
    present = counts.rows - counts.empty
    if present == 0:
        raise ValueError(f"{label} is empty on all {counts.rows:,} rows: no date to read")
    bad_rows, bad_texts = counts.bad, counts.bad_texts
    share = bad_rows / present
    if bad_rows and max_bad_dates is not None and share > max_bad_dates:
        shown = ", ".join(repr(t) for t in bad_texts[:3])
        described = "ISO 8601" if fmt == "ISO8601" else f"format {fmt!r}"
        raise ValueError(
            f"{label}: {bad_rows:,} of {present:,} non-empty dates ({share:.1%}) do not "
            f"parse as {described} (e.g. {shown}), more than the limit of "
            f"{max_bad_dates:.1%} ({option('max_bad_dates', max_bad_dates)}). "
            + _date_advice(bad_texts, pd.Series(counts.texts, dtype="str"), fmt, share, described)
        )
    info["bad_dates"] = bad_rows
    info["bad_date_examples"] = bad_texts[:3]
    if bad_rows:
        info["notes"].append(
            _(
                "{bad:,} of {present:,} non-empty dates ({share:.1%}) did not parse and are kept "
                "as missing (e.g. {examples}); cleaning removes them as 'unparseable date'."
            ).format(
                bad=bad_rows,
                present=present,
                share=share,
                examples=", ".join(repr(t) for t in bad_texts[:3]),
            )
        )
    if info["empty_dates"]:
        info["notes"].append(
            _(
                "{n:,} row(s) have no date; they are kept as missing and cleaning removes them "
                "as 'unparseable date'."
            ).format(n=info["empty_dates"])
        )
    return info


def parse_dates(
    values: pd.Series,
    *,
    date_format: str | None = None,
    timezone: str | None = None,
    max_bad_dates: float | None = 0.01,
    label: str | None = None,
) -> tuple[pd.Series, dict[str, Any]]:
    """Read a date column: ISO 8601, a given format, Excel serials; offsets to local times.

    Parameters
    ----------
    values : pandas.Series
        Date text, spreadsheet datetimes, or datetimes (naive or time-zone aware).
    date_format : str, optional
        A :func:`~datetime.datetime.strptime` format, "ISO8601" (the default), or "excel" for
        Excel serial day numbers (1899-12-30 plus days; a fraction is the time of day); with
        "excel", text that is not a number is read as ISO 8601.
    timezone : str, optional
        An IANA zone ("Europe/Paris"): times with a UTC offset (``+01:00``, ``Z``) are
        converted to its local time. Default: to the fixed offset of the first date carrying
        one. Either way the zone is then dropped (naive local times).
    max_bad_dates : float or None, default 0.01
        The largest share of the non-empty dates allowed not to parse (they become ``NaT``);
        None for no limit.
    label : str, optional
        How messages name the column, e.g. "column 'unit_price' (file column 'Price')";
        default "column '<name>'".

    Returns
    -------
    dates : pandas.Series
        datetime64[ns], naive; empty and unreadable dates are ``NaT``.
    info : dict
        ``date_format``; ``timezone`` (None, or a sentence saying what was converted);
        ``bad_dates`` and ``bad_date_examples`` (up to 3 distinct texts); ``empty_dates``;
        ``notes`` (sentences).

    Raises
    ------
    ValueError
        If more than ``max_bad_dates`` of the non-empty dates do not parse: the count, the
        share, three examples, and the formats that would read every date (or that the file
        is ambiguous between day-first and month-first); for an unknown time zone.
    """
    label = label or f"column {values.name!r}"
    fmt = date_format or "ISO8601"
    zone = _zone(timezone)
    info: dict[str, Any] = {
        "date_format": fmt,
        "timezone": None,
        "bad_dates": 0,
        "bad_date_examples": [],
        "empty_dates": 0,
        "notes": [],
    }
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        dates = values
        if isinstance(values.dtype, pd.DatetimeTZDtype):
            source = str(values.dt.tz)
            if zone is not None:
                dates = values.dt.tz_convert(zone)
                info["timezone"] = _(
                    "dates carried the time zone {source}; converted to {zone} local time and "
                    "the zone dropped"
                ).format(source=source, zone=zone.key)
            else:
                info["timezone"] = _(
                    "dates carried the time zone {source}; kept as local times of that zone "
                    "and the zone dropped"
                ).format(source=source)
            dates = dates.dt.tz_localize(None)
        out = pd.Series(_to_ns(dates), index=values.index, name=values.name)
        info["empty_dates"] = int(values.isna().sum())
        return out, info

    dates, counts = read_dates(values, date_format=date_format, timezone=timezone)
    info = describe_dates(counts, timezone=timezone, max_bad_dates=max_bad_dates, label=label)
    return dates, info

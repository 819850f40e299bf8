"""Reading a table as an analyst exports it: the file, its encoding and layout, its columns.

:func:`helpers.datasets.load_transactions` reads an order log in one call; this module holds
the pieces, which know nothing about order lines:

- :func:`open_table` looks at a file without reading it all: its format (``.csv``,
  ``.csv.gz``, ``.txt``, ``.tsv``, ``.xlsx``, ``.parquet``), its header, and for text its
  encoding and separator, detected from the first megabyte (:data:`SAMPLE_BYTES`);
- :func:`map_columns` renames the file's columns to canonical names, refusing mappings that
  would give two columns one name;
- :func:`read_frame` reads the whole file, every column as text except those the caller
  parses itself (numbers, dates), so that ids keep their leading zeros;
- :func:`parse_numbers` and :func:`parse_dates` turn text columns into numbers and dates,
  saying what they fixed and refusing, with an example, what they cannot read.

Every setting an error message advises is named by :func:`helpers.options.option`, so the
report command shows it as its own option (``--encoding gb18030``).

Encoding detection
------------------
A byte-order mark decides first (UTF-8-SIG, UTF-16 LE/BE); then NUL bytes (UTF-16 without a
mark); then strict UTF-8; then charset-normalizer's guess among :data:`ENCODING_CANDIDATES`.
On a short sample several candidates decode the bytes equally well (a GBK file also decodes as
EUC-KR, a Windows-1252 "£12" also as Shift-JIS), so among the guesses whose "chaos" is within
:data:`CHAOS_TOLERANCE` of the best, the one earliest in :data:`ENCODING_CANDIDATES` wins. A
guess says so in its note, with the setting that overrides it.

Separator sniffing
------------------
Among ``,``, ``;``, tab and ``|``, the separator is the one that splits the header into the
most fields while every one of the next lines (up to 20, read with CSV quoting) has as many;
when none is consistent, the one giving the header the most fields; ties go to the earlier of
that list. (:class:`csv.Sniffer` guesses from character frequencies and picks ``:`` or a
letter on real files.)
"""

from __future__ import annotations

import bz2
import codecs
import csv
import datetime as dt
import gzip
import io
import lzma
import math
import re
import warnings
import zipfile
import zoneinfo
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from difflib import get_close_matches
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import pandas as pd

from helpers.options import option, option_mapping

__all__ = [
    "CANDIDATE_SEPARATORS",
    "CHAOS_TOLERANCE",
    "DATE_FORMAT_CANDIDATES",
    "ENCODING_CANDIDATES",
    "SAMPLE_BYTES",
    "Table",
    "detect_decimal",
    "detect_encoding",
    "map_columns",
    "open_table",
    "parse_dates",
    "parse_numbers",
    "propose_date_formats",
    "read_frame",
    "read_table",
    "sniff_separator",
]

#: Bytes read from the start of a text file (after decompression) to detect its layout.
SAMPLE_BYTES: int = 1 << 20

#: Separators :func:`sniff_separator` chooses from, in order of preference on a tie.
CANDIDATE_SEPARATORS: tuple[str, ...] = (",", ";", "\t", "|")

#: Encodings a guess may return, most common in shop exports first (the tie-break order).
ENCODING_CANDIDATES: tuple[str, ...] = (
    "cp1252",
    "gb18030",
    "big5",
    "shift_jis",
    "euc_jp",
    "euc_kr",
    "cp1250",
    "cp1251",
    "cp1253",
    "cp1254",
    "cp1255",
    "cp1256",
    "cp1257",
    "cp874",
    "koi8_r",
)

#: Guesses whose chaos (charset-normalizer's measure of implausible text, 0 to 1) is within
#: this of the best guess's count as equally good. Measured on short exports (a header and a
#: few rows): with 0.02 a GBK file of Chinese names reads as EUC-KR; with 0.05 every test file
#: in Chinese, Japanese, Western and Central European and Cyrillic encodings is right, and a
#: Korean file of a header and one row reads as GB18030 (with more rows, as EUC-KR).
CHAOS_TOLERANCE: float = 0.05

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
_COMPRESSIONS = {".gz": "gzip", ".bz2": "bz2", ".xz": "xz", ".zip": "zip"}
_TEXT_SUFFIXES = {".csv", ".txt", ".tsv", ".tab", ".dat"}
_FORMATS = {".xlsx": "xlsx", ".xlsm": "xlsx", ".parquet": "parquet", ".pq": "parquet"}
_SEPARATOR_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
_EXCEL_EPOCH = pd.Timestamp("1899-12-30")
_NS_RANGE = (np.datetime64("1677-09-22", "us"), np.datetime64("2262-04-11", "us"))

# Currency symbols and the codes of the currencies an export is likely to carry.
_CURRENCY = re.compile(
    r"(?:US|HK|NZ|AU|CA|[ACRS])?\$|[£€¥￥₹₩₽¢元]"
    r"|\b(?:EUR|USD|GBP|CNY|RMB|JPY|CHF|CAD|AUD|HKD|SGD|INR|KRW|SEK|NOK|DKK|PLN|CZK|HUF|RUB"
    r"|BRL|MXN|ZAR|NZD|TWD|TRY)\b"
)
_BLANKS = re.compile(r"[\s\u00a0\u202f'’]")
_TIME_OFFSET = re.compile(r"\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)$")


@dataclass
class Table:
    """What :func:`open_table` found out about a file before reading it all.

    Attributes
    ----------
    path : pathlib.Path
    format : {"csv", "xlsx", "parquet"}
    header : list of str
        The column names, stripped of surrounding spaces; blank names become ``Unnamed: i``.
    compression : str or None
        "gzip", "bz2", "xz" or "zip" for a compressed text file.
    encoding : str or None
        The text encoding (None for xlsx and parquet).
    encoding_detected : bool
    sep : str or None
        The field separator (None for xlsx and parquet).
    sep_detected : bool
    sample_rows : list of list of str
        The first data rows (text files only), for settings detected from the values.
    sheet : str or None
        The sheet read (xlsx).
    notes : list of str
        One sentence per thing detected or done.
    """

    path: Path
    format: str
    header: list[str]
    compression: str | None = None
    encoding: str | None = None
    encoding_detected: bool = False
    sep: str | None = None
    sep_detected: bool = False
    sample_rows: list[list[str]] = field(default_factory=list)
    sheet: str | None = None
    notes: list[str] = field(default_factory=list)


# --- opening a file -----------------------------------------------------------------------------


def _format_of(path: Path) -> tuple[str, str | None]:
    """Return the format and the compression named by the file's suffixes."""
    suffixes = [suffix.lower() for suffix in path.suffixes]
    compression = _COMPRESSIONS.get(suffixes[-1]) if suffixes else None
    if compression:
        suffixes = suffixes[:-1]
    last = suffixes[-1] if suffixes else ""
    if last in _FORMATS and compression is None:
        return _FORMATS[last], None
    if last in _TEXT_SUFFIXES or (compression and last not in _FORMATS):
        return "csv", compression
    if last == ".xls":
        raise ValueError(
            f"{path}: the old Excel format .xls is not read; open it in Excel or LibreOffice "
            "and save it as .xlsx (or as CSV)"
        )
    raise ValueError(
        f"{path}: cannot tell the file's format from its name; expected .csv, .csv.gz, .txt, "
        ".tsv, .xlsx or .parquet"
    )


def _open_binary(path: Path, compression: str | None) -> BinaryIO:
    """Open a file for reading its (decompressed) bytes."""
    if compression == "gzip":
        return gzip.open(path, "rb")
    if compression == "bz2":
        return bz2.open(path, "rb")
    if compression == "xz":
        return lzma.open(path, "rb")
    if compression == "zip":
        archive = zipfile.ZipFile(path)
        members = [name for name in archive.namelist() if not name.endswith("/")]
        if len(members) != 1:
            raise ValueError(f"{path}: the zip archive must hold one file, it holds {members}")
        return archive.open(members[0])
    return open(path, "rb")


def _read_sample(path: Path, compression: str | None) -> tuple[bytes, bool]:
    """Return the first :data:`SAMPLE_BYTES` bytes and whether that is the whole file."""
    try:
        with _open_binary(path, compression) as stream:
            sample = stream.read(SAMPLE_BYTES + 1)
    except (OSError, EOFError, zipfile.BadZipFile, lzma.LZMAError) as err:
        raise ValueError(f"{path}: cannot read the {compression} file ({err})") from None
    return sample[:SAMPLE_BYTES], len(sample) <= SAMPLE_BYTES


def _codec_name(encoding: str) -> str:
    return codecs.lookup(encoding).name


def _guess_encoding(sample: bytes) -> str | None:
    """charset-normalizer's guess among :data:`ENCODING_CANDIDATES`, ties to the earlier."""
    from charset_normalizer import from_bytes

    matches = list(from_bytes(sample, cp_isolation=list(ENCODING_CANDIDATES)))
    if not matches:
        return None
    best = min(match.chaos for match in matches)
    close = {
        _codec_name(name)
        for match in matches
        if match.chaos <= best + CHAOS_TOLERANCE
        for name in match.could_be_from_charset  # encodings giving the very same text
    }
    for candidate in ENCODING_CANDIDATES:
        if _codec_name(candidate) in close:
            return _codec_name(candidate)
    return None


def detect_encoding(sample: bytes) -> tuple[str | None, str]:
    """Detect the text encoding of the first bytes of a file.

    Parameters
    ----------
    sample : bytes
        The file's first bytes (a megabyte is plenty); a character cut at the end is allowed.

    Returns
    -------
    encoding : str or None
        A Python codec name (``"utf-8"``, ``"utf-8-sig"``, ``"utf-16"``, ``"gb18030"``,
        ``"cp1252"``, ...), or None when no candidate decodes the bytes.
    how : str
        How it was found, for a note: "from its byte-order mark", "from its NUL bytes (...)",
        "valid UTF-8", "guessed from its bytes".
    """
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig", "from its byte-order mark"
    if sample.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return "utf-32", "from its byte-order mark"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16", "from its byte-order mark"
    head = sample[:4096]
    if head.count(0) > len(head) // 4:  # text of ASCII characters in UTF-16 is half NULs
        odd = head[1::2].count(0)
        encoding = "utf-16-le" if odd >= head[0::2].count(0) else "utf-16-be"
        return encoding, "from its NUL bytes (UTF-16 without a byte-order mark)"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
    except UnicodeDecodeError:
        return _guess_encoding(sample), "guessed from its bytes"
    return "utf-8", "valid UTF-8"


def _decode_sample(sample: bytes, encoding: str, whole: bool) -> str:
    """Decode the sample, dropping a cut character and a cut last line."""
    text = codecs.getincrementaldecoder(encoding)().decode(sample, final=whole)
    if not whole and "\n" in text:
        text = text[: text.rindex("\n") + 1]
    return text.removeprefix("\ufeff")


def _rows(text: str, sep: str, limit: int) -> list[list[str]]:
    """Return the first ``limit`` non-blank rows of CSV text."""
    rows = []
    try:
        for row in csv.reader(io.StringIO(text), delimiter=sep):
            if row and any(cell.strip() for cell in row):
                rows.append(row)
                if len(rows) >= limit:
                    break
    except csv.Error:
        pass
    return rows


def sniff_separator(text: str, lines: int = 20) -> str | None:
    r"""Choose the field separator of CSV text among :data:`CANDIDATE_SEPARATORS`.

    Parameters
    ----------
    text : str
        The start of the file, decoded.
    lines : int, default 20
        How many lines after the header must agree.

    Returns
    -------
    str or None
        The separator that splits the header into the most fields (at least two) while each
        of the next ``lines`` rows has as many; failing that, the one giving the header the
        most fields; None when no candidate splits the header.

    Examples
    --------
    >>> sniff_separator("Order;Item;Price\\n1;Mug, blue;12,50\\n")
    ';'
    """
    scores = []
    for rank, sep in enumerate(CANDIDATE_SEPARATORS):
        rows = _rows(text, sep, lines + 1)
        if not rows or len(rows[0]) < 2:
            continue
        width = len(rows[0])
        consistent = all(len(row) == width for row in rows[1:])
        scores.append((consistent, width, -rank, sep))
    return max(scores)[3] if scores else None


def _unique_header(names: Sequence[object], path: Path) -> list[str]:
    """Strip header names, name blank ones, and refuse duplicates."""
    header = []
    for i, name in enumerate(names):
        text = "" if name is None or (isinstance(name, float) and np.isnan(name)) else str(name)
        text = text.strip()
        header.append(text if text else f"Unnamed: {i}")
    counts = pd.Series(header).value_counts()
    dupes = [name for name in dict.fromkeys(header) if counts[name] > 1]
    if dupes:
        where = {name: [i + 1 for i, h in enumerate(header) if h == name] for name in dupes}
        described = ", ".join(f"{name!r} (columns {where[name]})" for name in dupes)
        raise ValueError(
            f"{path}: the header names {described} more than once; each column needs its own "
            f"name (pandas would silently call the copy {dupes[0] + '.1'!r}). Rename the "
            "copies in the file"
        )
    return header


def _open_text(path: Path, compression: str | None, encoding: str | None, sep: str | None):
    """Detect a text file's encoding and separator; read its header and first rows."""
    sample, whole = _read_sample(path, compression)
    if not sample.strip():
        raise ValueError(f"{path}: the file is empty (no header, no rows)")
    if sample.startswith(b"PK\x03\x04") and compression != "zip":
        raise ValueError(f"{path}: this is an Excel (.xlsx) or zip file, not text; rename it")
    if sample.startswith(b"PAR1"):
        raise ValueError(f"{path}: this is a Parquet file, not text; name it .parquet")
    notes = []
    detected = encoding is None
    if detected:
        encoding, how = detect_encoding(sample)
        if encoding is None:
            raise ValueError(
                f"{path}: cannot tell the file's text encoding (not UTF-8, and no usual "
                f"encoding decodes its first bytes); pass it, e.g. {option('encoding', 'cp1252')}"
            )
        if how.startswith("guessed"):
            notes.append(
                f"The text encoding was guessed as {encoding} from the file's bytes; if names "
                f"look garbled, pass the right one, e.g. {option('encoding', 'gb18030')}."
            )
        elif encoding != "utf-8":
            notes.append(f"The text encoding was detected as {encoding}, {how}.")
    try:
        text = _decode_sample(sample, encoding, whole)
    except UnicodeDecodeError as err:
        raise ValueError(_decode_error(path, compression, encoding, detected, err)) from None
    sep_detected = sep is None
    if sep_detected:
        sep = sniff_separator(text) or ","
        if sep != ",":
            notes.append(f"The field separator was detected as {_SEPARATOR_NAMES[sep]} ({sep!r}).")
    rows = _rows(text, sep, 1001)
    if not rows:
        raise ValueError(f"{path}: the file is empty (no header, no rows)")
    header = _unique_header(rows[0], path)
    sample_rows = rows[1:] if whole else rows[1:-1]  # the sample's last row may be cut
    return header, encoding, detected, sep, sep_detected, sample_rows, notes


def open_table(path: str | Path, *, encoding: str | None = None, sep: str | None = None) -> Table:
    """Look at a file: its format, header, and for text its encoding and separator.

    Parameters
    ----------
    path : str or path-like
        A ``.csv``, ``.txt``, ``.tsv`` (optionally ``.gz``, ``.bz2``, ``.xz``, ``.zip``),
        ``.xlsx`` or ``.parquet`` file.
    encoding : str, optional
        The text encoding; default: detected from the first :data:`SAMPLE_BYTES` bytes.
    sep : str, optional
        The field separator; default: sniffed (:func:`sniff_separator`).

    Returns
    -------
    Table

    Raises
    ------
    FileNotFoundError
        If there is no such file.
    ValueError
        For an unknown format, an empty file, an encoding that does not decode the first
        bytes, or a header naming a column twice.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    fmt, compression = _format_of(path)
    if fmt == "csv":
        header, encoding, detected, sep, sep_detected, rows, notes = _open_text(
            path, compression, encoding, sep
        )
        return Table(
            path, fmt, header, compression, encoding, detected, sep, sep_detected, rows, None, notes
        )
    if fmt == "xlsx":
        import openpyxl

        try:
            book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except (zipfile.BadZipFile, KeyError, OSError) as err:
            raise ValueError(f"{path}: not a readable .xlsx workbook ({err})") from None
        try:
            sheet = book.worksheets[0]
            first = next(sheet.iter_rows(max_row=1, values_only=True), None)
            names = book.sheetnames
        finally:
            book.close()
        if not first or all(cell is None for cell in first):
            raise ValueError(f"{path}: the first sheet {names[0]!r} is empty (no header, no rows)")
        notes = []
        if len(names) > 1:
            notes.append(
                f"The workbook has {len(names)} sheets; the first, {names[0]!r}, was read."
            )
        while first and first[-1] is None:  # trailing empty cells of the header row
            first = first[:-1]
        return Table(path, fmt, _unique_header(first, path), sheet=names[0], notes=notes)
    try:
        names = _parquet(path, columns_only=True).columns
    except Exception as err:  # fastparquet raises several kinds on a damaged file
        raise ValueError(f"{path}: not a readable Parquet file ({err})") from None
    return Table(path, fmt, _unique_header(list(names), path))


def _parquet(path: Path, columns_only: bool = False) -> pd.DataFrame:
    """Read a Parquet file with fastparquet, closing the files it opens.

    With ``columns_only``, an empty frame with the file's columns.
    """
    with warnings.catch_warnings():
        # fastparquet 2024.11-2026.9 asks pandas 3.1 for a deprecated option when imported
        warnings.filterwarnings("ignore", message=".*infer_string.*")
        from fastparquet import ParquetFile

    handles: list[BinaryIO] = []

    def opener(name: str, mode: str = "rb") -> BinaryIO:
        handle = open(name, mode)  # closed below: fastparquet would leave it open
        handles.append(handle)
        return handle

    try:
        parquet = ParquetFile(str(path), open_with=opener)
        if columns_only:
            return pd.DataFrame(columns=list(parquet.columns))
        return parquet.to_pandas(index=False)  # a stored index is a column like the others
    finally:
        for handle in handles:
            handle.close()


# --- reading a whole file -------------------------------------------------------------------------


def _decode_error(
    path: Path, compression: str | None, encoding: str, detected: bool, err: UnicodeDecodeError
) -> str:
    """Describe where the file stops being ``encoding``: the byte, its offset and line."""
    offset, line, bad, around = None, None, err.object[err.start : err.end], b""
    decoder = codecs.getincrementaldecoder(encoding)()
    consumed, lines = 0, 1
    with _open_binary(path, compression) as stream:
        while block := stream.read(SAMPLE_BYTES):
            pending = len(decoder.getstate()[0])
            try:
                decoder.decode(block)
            except UnicodeDecodeError as found:
                start = consumed - pending + found.start
                inside = max(0, found.start - pending)
                offset, bad = start, found.object[found.start : found.end]
                line = lines + block[:inside].count(b"\n")
                around = block[max(0, inside - 2000) : inside + 2000]
                break
            consumed += len(block)
            lines += block.count(b"\n")
    where = (
        f"byte {bad.hex(' ')} at offset {offset:,}" + (f" (line {line:,})" if line else "")
        if offset is not None
        else f"byte {bad.hex(' ')}"
    )
    if compression:
        where += " of the uncompressed text"
    guess = _guess_encoding(around or err.object) if (around or err.object) else None
    if guess is None or guess == _codec_name(encoding):
        guess = "cp1252"
    how = " (detected from the first megabyte)" if detected else ""
    return (
        f"{path}: the file is not valid {encoding}{how}: {where}; pass the file's encoding, "
        f"e.g. {option('encoding', guess)}"
    )


def read_frame(
    table: Table,
    *,
    typed: Iterable[str] = (),
    decimal: str = ".",
    thousands: str | None = None,
) -> pd.DataFrame:
    """Read the whole file; every column as text except ``typed`` ones.

    Parameters
    ----------
    table : Table
        From :func:`open_table`.
    typed : iterable of str
        Header names of columns left to the reader's own typing (numbers where every value is
        a number; spreadsheet dates as datetimes). The caller parses them
        (:func:`parse_numbers`, :func:`parse_dates`).
    decimal, thousands : str
        As in :func:`pandas.read_csv` (text files only).

    Returns
    -------
    pandas.DataFrame
        Columns named as ``table.header``; empty text cells are missing. Rows with no value
        in any column are skipped, and a note saying how many is added to ``table.notes``.

    Raises
    ------
    ValueError
        For a file with a header but no rows, bytes that are not in the encoding (naming the
        byte, its offset and line), or rows with more fields than the header.
    """
    typed = set(typed)
    text = {name: "str" for name in table.header if name not in typed}
    path = table.path
    if table.format == "csv":
        try:
            with warnings.catch_warnings():
                # a typed column may be read in chunks of different types; parse_numbers reads
                # the mix, so pandas' DtypeWarning says nothing the caller does not handle
                warnings.simplefilter("ignore", pd.errors.DtypeWarning)
                df = pd.read_csv(
                    path,
                    sep=table.sep,
                    encoding=table.encoding,
                    compression=table.compression,
                    header=0,
                    names=table.header,
                    index_col=False,
                    dtype=text,
                    keep_default_na=False,
                    na_values=[""],
                    decimal=decimal,
                    thousands=thousands,
                    skip_blank_lines=True,
                )
        except UnicodeDecodeError as err:
            raise ValueError(
                _decode_error(path, table.compression, table.encoding, table.encoding_detected, err)
            ) from None
        except pd.errors.EmptyDataError:
            raise ValueError(f"{path}: the file is empty (no header, no rows)") from None
        except pd.errors.ParserError as err:
            advice = (
                f"a field holding the separator {table.sep!r} must be quoted; or the separator "
                f"is not {table.sep!r}: pass it, e.g. {option('sep', ';')}"
            )
            raise ValueError(f"{path}: {str(err).strip()}: {advice}") from None
    elif table.format == "xlsx":
        df = pd.read_excel(
            path,
            sheet_name=0,
            header=None,
            skiprows=1,
            names=table.header,
            usecols=range(len(table.header)),
            dtype=text,
            engine="openpyxl",
            na_values=[""],
        )
    else:
        df = _parquet(path)
        df.columns = table.header
        for name in text:
            if df[name].dtype == object:
                df[name] = df[name].astype("str")
    blank = df.isna().all(axis=1).to_numpy()
    if blank.any():  # ",,,," lines; rows a spreadsheet keeps formatted after the data
        df = df.loc[~blank].reset_index(drop=True)
        table.notes.append(
            f"{int(blank.sum()):,} empty row(s) (no value in any column) were skipped."
        )
    if df.empty:
        raise ValueError(f"{path}: the file has a header but no rows")
    return df


def map_columns(
    header: Sequence[str], columns: Mapping[str, str] | None, where: str = "the file"
) -> list[str]:
    """Rename a file's columns by ``columns``, refusing two columns with one name.

    Parameters
    ----------
    header : sequence of str
        The file's column names (unique).
    columns : mapping, optional
        File column -> new name. Unmapped columns keep their names.
    where : str
        Names the file in messages.

    Returns
    -------
    list of str
        The new names, in the file's order.

    Raises
    ------
    ValueError
        If a mapped column is not in the file (naming the file's columns), if a column is
        mapped onto a name another file column already has, or if two columns are mapped to
        one name.
    """
    mapping = {str(source).strip(): str(target) for source, target in dict(columns or {}).items()}
    unknown = [source for source in mapping if source not in header]
    if unknown:
        close = {u: get_close_matches(u, list(header), n=1, cutoff=0.6) for u in unknown}
        hints = [f"{u!r} -> {c[0]!r}?" for u, c in close.items() if c]
        raise ValueError(
            f"{where}: column(s) {unknown} named in `columns` are not in the file; the file "
            f"has {list(header)}" + (f" (did you mean {', '.join(hints)})" if hints else "")
        )
    names = [mapping.get(name, name) for name in header]
    for target in dict.fromkeys(names):
        sources = [source for source, name in zip(header, names, strict=True) if name == target]
        if len(sources) < 2:
            continue
        mapped = [source for source in sources if source in mapping and source != target]
        if target in sources and target not in mapping:
            raise ValueError(
                f"{where}: `columns` maps {mapped[0]!r} to {target!r}, but the file already "
                f"has a column {target!r}, so two columns would be {target!r}. Use one: drop "
                f"the entry for {mapped[0]!r} to use the file's {target!r}, or rename the "
                f"file's column out of the way, e.g. {option_mapping(target, target + '_file')}"
            )
        raise ValueError(
            f"{where}: `columns` maps {sources} all to {target!r}; one name comes from one "
            f"file column. Keep one, e.g. {option_mapping(sources[0], target)}"
        )
    return names


def read_table(
    path: str | Path,
    columns: Mapping[str, str] | None = None,
    *,
    encoding: str | None = None,
    sep: str | None = None,
) -> pd.DataFrame:
    """Read any table file with every column as text, mapped to new names.

    For the other tables of an analysis (customers, products); order lines have their own
    loader, :func:`helpers.datasets.load_transactions`.

    Parameters
    ----------
    path : str or path-like
        As for :func:`open_table`.
    columns : mapping, optional
        File column -> new name.
    encoding, sep : str, optional
        Default: detected.

    Returns
    -------
    pandas.DataFrame
        Text columns (numbers in a Parquet file keep their type), ``attrs["loading"]`` with
        ``path``, ``format``, ``encoding``, ``encoding_detected``, ``sep``, ``rows`` and
        ``notes``.
    """
    table = open_table(path, encoding=encoding, sep=sep)
    names = map_columns(table.header, columns, str(table.path))
    df = read_frame(table)
    df.columns = names
    df.attrs["loading"] = {
        "path": str(table.path),
        "format": table.format,
        "encoding": table.encoding,
        "encoding_detected": table.encoding_detected,
        "sep": table.sep,
        "rows": len(df),
        "notes": list(table.notes),
    }
    return df


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
    how = (
        f"converted to {zone.key} local time"
        if zone is not None
        else f"converted to {target}, the first row's offset,"
    )
    sentence = f"dates carried UTC offsets ({listed}); {how} and the offset dropped"
    if naive:
        sentence += f"; {naive:,} date(s) without an offset were kept as written"
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
                how = f"converted to {zone.key} local time"
            else:
                how = "kept as local times of that zone"
            info["timezone"] = f"dates carried the time zone {source}; {how} and the zone dropped"
            dates = dates.dt.tz_localize(None)
        out = pd.Series(_to_ns(dates), index=values.index, name=values.name)
        info["empty_dates"] = int(values.isna().sum())
        return out, info

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
        if is_serial.any():
            info["notes"].append(
                f"Dates were Excel serial day numbers ({int(counts[is_serial].sum()):,} rows)."
            )
        todo &= ~is_serial
        text_format = "ISO8601"
    else:
        text_format = fmt
    labels: list[str] = []
    if todo.any():
        sub, labels, aware = _parse_text(text[todo], text_format)
        if labels:
            first = labels[0]  # uniques come in order of first appearance
            target = zone if zone is not None else dt.timezone(_offset_delta(first))
            local = pd.DatetimeIndex(sub[aware]).tz_localize("UTC").tz_convert(target)
            sub[aware] = _to_ns(local.tz_localize(None))
            naive_rows = int(counts[todo][~aware].sum())
            info["timezone"] = _describe_zone(
                labels, _utc_label(_offset_delta(first)), zone, naive_rows
            )
        parsed[todo] = sub
    if zone is not None and not labels:
        info["notes"].append(
            f"{option('timezone', timezone)} was not used: the dates carry no UTC offset, so "
            "they are taken as local times already."
        )

    missing_rows = int((codes < 0).sum())
    info["empty_dates"] = missing_rows + int(counts[empty].sum())
    bad_unique = np.isnat(parsed) & ~empty
    bad_rows = int(counts[bad_unique].sum())
    present = len(values) - info["empty_dates"]
    if present == 0:
        raise ValueError(f"{label} is empty on all {len(values):,} rows: no date to read")
    bad_texts = [str(t) for t in text[bad_unique]]
    share = bad_rows / present
    if bad_rows and max_bad_dates is not None and share > max_bad_dates:
        shown = ", ".join(repr(t) for t in bad_texts[:3])
        described = "ISO 8601" if fmt == "ISO8601" else f"format {fmt!r}"
        raise ValueError(
            f"{label}: {bad_rows:,} of {present:,} non-empty dates ({share:.1%}) do not "
            f"parse as {described} (e.g. {shown}), more than the limit of "
            f"{max_bad_dates:.1%} ({option('max_bad_dates', max_bad_dates)}). "
            + _date_advice(bad_texts, text[~empty & ~stamps], fmt, share, described)
        )
    info["bad_dates"] = bad_rows
    info["bad_date_examples"] = bad_texts[:3]
    if bad_rows:
        info["notes"].append(
            f"{bad_rows:,} of {present:,} non-empty dates ({share:.1%}) did not parse and are "
            f"kept as missing (e.g. {', '.join(repr(t) for t in bad_texts[:3])}); cleaning "
            "removes them as 'unparseable date'."
        )
    if info["empty_dates"]:
        info["notes"].append(
            f"{info['empty_dates']:,} row(s) have no date; they are kept as missing and cleaning "
            "removes them as 'unparseable date'."
        )
    out = np.append(parsed, np.datetime64("NaT", "ns"))[codes]
    return pd.Series(out, index=values.index, name=values.name), info

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
- numbers and dates are then read by :mod:`helpers.parsing`.

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
import gzip
import io
import lzma
import warnings
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from difflib import get_close_matches
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pandas as pd

from helpers.options import option, option_mapping
from helpers.translation import N_
from helpers.translation import gettext as _

__all__ = [
    "CANDIDATE_SEPARATORS",
    "CHAOS_TOLERANCE",
    "ENCODING_CANDIDATES",
    "SAMPLE_BYTES",
    "Table",
    "detect_encoding",
    "map_columns",
    "open_table",
    "read_chunks",
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


_COMPRESSIONS = {".gz": "gzip", ".bz2": "bz2", ".xz": "xz", ".zip": "zip"}
_TEXT_SUFFIXES = {".csv", ".txt", ".tsv", ".tab", ".dat"}
_FORMATS = {".xlsx": "xlsx", ".xlsm": "xlsx", ".parquet": "parquet", ".pq": "parquet"}
#: The separators' names, for the note that says which one was detected (translated there).
_SEPARATOR_NAMES = {",": N_("comma"), ";": N_("semicolon"), "\t": N_("tab"), "|": N_("pipe")}
#: How an encoding other than UTF-8 was found (:func:`detect_encoding`'s ``how``) -> its note.
_DETECTED_NOTES = {
    "from its byte-order mark": N_(
        "The text encoding was detected as {encoding}, from its byte-order mark."
    ),
    "from its NUL bytes (UTF-16 without a byte-order mark)": N_(
        "The text encoding was detected as {encoding}, from its NUL bytes (UTF-16 without a "
        "byte-order mark)."
    ),
}


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
                _(
                    "The text encoding was guessed as {encoding} from the file's bytes; if "
                    "names look garbled, pass the right one, e.g. {example}."
                ).format(encoding=encoding, example=option("encoding", "gb18030"))
            )
        elif encoding != "utf-8":
            notes.append(_(_DETECTED_NOTES[how]).format(encoding=encoding))
    try:
        text = _decode_sample(sample, encoding, whole)
    except UnicodeDecodeError as err:
        raise ValueError(_decode_error(path, compression, encoding, detected, err)) from None
    sep_detected = sep is None
    if sep_detected:
        sep = sniff_separator(text) or ","
        if sep != ",":
            notes.append(
                _("The field separator was detected as {name} ({sep!r}).").format(
                    name=_(_SEPARATOR_NAMES[sep]), sep=sep
                )
            )
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
                _("The workbook has {n} sheets; the first, {first!r}, was read.").format(
                    n=len(names), first=names[0]
                )
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


def _csv_options(table: Table, typed: set[str], decimal: str, thousands: str | None) -> dict:
    """Return the options of :func:`pandas.read_csv` that read a text file as it is read here."""
    return {
        "sep": table.sep,
        "encoding": table.encoding,
        "compression": table.compression,
        "header": 0,
        "names": table.header,
        "index_col": False,
        "dtype": {name: "str" for name in table.header if name not in typed},
        "keep_default_na": False,
        "na_values": [""],
        "decimal": decimal,
        "thousands": thousands,
        "skip_blank_lines": True,
    }


def _csv_frames(
    table: Table, typed: set[str], decimal: str, thousands: str | None, chunk_lines: int | None
) -> Iterator[pd.DataFrame]:
    """Read a text file whole, or in frames of ``chunk_lines`` lines; explain what fails."""
    path = table.path
    try:
        with warnings.catch_warnings():
            # a typed column may be read in chunks of different types; parse_numbers reads
            # the mix, so pandas' DtypeWarning says nothing the caller does not handle
            warnings.simplefilter("ignore", pd.errors.DtypeWarning)
            options = _csv_options(table, typed, decimal, thousands)
            if chunk_lines is None:
                yield pd.read_csv(path, **options)
                return
            with pd.read_csv(path, chunksize=chunk_lines, **options) as reader:
                yield from reader
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


def read_chunks(
    table: Table,
    *,
    typed: Iterable[str] = (),
    decimal: str = ".",
    thousands: str | None = None,
    chunk_lines: int | None = None,
) -> Iterator[pd.DataFrame]:
    """Read the file in frames of about ``chunk_lines`` lines, as :func:`read_frame` reads it.

    Only a text file is read in chunks (a spreadsheet or Parquet file comes in one frame).
    Rows with no value in any column are skipped; once the last frame is read, a note saying
    how many is added to ``table.notes``, as :func:`read_frame` does.

    Parameters
    ----------
    table : Table
        From :func:`open_table`.
    typed, decimal, thousands
        As for :func:`read_frame`.
    chunk_lines : int, optional
        Lines per frame; default the whole file in one frame.

    Yields
    ------
    pandas.DataFrame
        The next rows (index from 0 in each frame); frames left empty by skipped rows are not
        yielded.

    Raises
    ------
    ValueError
        As :func:`read_frame`; "a header but no rows" once the last frame is read.
    """
    typed = set(typed)
    path = table.path
    if table.format == "csv":
        frames = _csv_frames(table, typed, decimal, thousands, chunk_lines)
    elif table.format == "xlsx":
        text = {name: "str" for name in table.header if name not in typed}
        frames = iter(
            [
                pd.read_excel(
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
            ]
        )
    else:
        df = _parquet(path)
        df.columns = table.header
        for name in table.header:
            if name not in typed and df[name].dtype == object:
                df[name] = df[name].astype("str")
        frames = iter([df])
    skipped = rows = 0
    for df in frames:
        blank = df.isna().all(axis=1).to_numpy()
        if blank.any():  # ",,,," lines; rows a spreadsheet keeps formatted after the data
            df = df.loc[~blank].reset_index(drop=True)
            skipped += int(blank.sum())
        rows += len(df)
        if len(df):
            yield df
    if skipped:
        table.notes.append(
            _("{n:,} empty row(s) (no value in any column) were skipped.").format(n=skipped)
        )
    if rows == 0:
        raise ValueError(f"{path}: the file has a header but no rows")


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
        (:func:`helpers.parsing.parse_numbers`, :func:`helpers.parsing.parse_dates`).
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
    (df,) = read_chunks(table, typed=typed, decimal=decimal, thousands=thousands)
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

"""Reading an order log into DuckDB or Spark, chunk by chunk, as the pandas report reads it.

:func:`load_lines` puts the raw typed order lines of a file (or several) in an SQL engine
(:class:`helpers.scale_sql.Engine`) as a table numbered in file order, ready for
:func:`helpers.scale_clean.clean_lines`, without ever holding the whole log in pandas:

- A text file (``.csv``, ``.txt``, ``.tsv``, compressed too) is read by
  :class:`helpers.order_log.OrderLogReader`, the very code of
  :func:`helpers.order_log.load_transactions`: the settings (encoding, separator, decimal
  mark, date format, the UTC offset times are converted to) are decided once from the start
  of the file, then each chunk of about ``chunk_lines`` lines is typed alike and appended to
  the engine's table with its line number. What reading found (``Loaded.info``) is what
  ``load_transactions`` records in ``attrs["loading"]``: counts summed over the chunks, the
  first example kept. Python holds one chunk at a time.
- Two rules need every line, and run in the engine once the last chunk is in: the invoices of
  a file without invoice ids are numbered over the whole file (``D1``, ``D2``, ... by date
  and customer, as pandas' sorted ``groupby``), and customer ids keep their ``".0"`` unless
  every id of the file is a whole float (a chunk of whole floats had lost it).
- Several text files (a folder, a glob, a list) are read in name order as one log, with the
  first file's settings; each must have the first file's header.
- A Parquet file, folder or glob is typed already: the engine reads it directly, with the
  column mapping and a line number (files in name order, rows in file order). Its ids are not
  tidied while loading: :func:`helpers.scale_clean.clean_lines` tidies them (rule 1), and
  counts them among ``whitespace/case normalised``, and a note says so.

DuckDB holds the table (spilling past its memory limit, :func:`helpers.scale_sql.duckdb_connect`).
For Spark the lines are staged in a DuckDB in ``spill`` (one folder the caller gives, which a
cluster's workers must see), written there as one Parquet file with microsecond timestamps
(Spark refuses nanoseconds) and read by Spark as the view.

What differs from ``load_transactions``: a decimal comma that only lines after the first chunk
show is refused (the first chunk's numbers were read with a decimal point); an error found in
a later chunk names that chunk's lines and counts only them; the formats an error about
unreadable dates proposes are tried on the first 10,000 distinct dates; timestamps are kept to
the microsecond. Spreadsheets (``.xlsx``) are read whole: use ``load_transactions``.
"""

from __future__ import annotations

import glob
import os
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from helpers import schema as s
from helpers.order_log import OrderLogReader
from helpers.reading import map_columns
from helpers.scale_sql import Engine, duckdb_connect, for_duckdb
from helpers.translation import gettext as _

__all__ = ["Loaded", "load_lines"]

_PARQUET = (".parquet", ".pq")
_TEXT = (".csv", ".txt", ".tsv", ".tab", ".dat")
_COMPRESSED = ("", ".gz", ".bz2", ".xz", ".zip")

#: The columns a Parquet log needs, after mapping (it is read as it is, not completed).
_PARQUET_COLUMNS = (*s.TRANSACTION_COLUMNS,)


@dataclass
class Loaded:
    """What :func:`load_lines` put in the engine.

    Attributes
    ----------
    engine : helpers.scale_sql.Engine
        The engine holding the lines.
    view : str
        The table (DuckDB) or view (Spark) of typed order lines: the columns of
        :func:`helpers.order_log.load_transactions` and ``line_col``, last.
    line_col : str
        The column of line numbers (0, 1, 2, ... in file order).
    rows : int
        Order lines loaded.
    info : dict
        What reading found, as ``attrs["loading"]`` of ``load_transactions``.
    files : list of str
        The files read, in order.
    chunks : int
        Chunks read (text files).
    """

    engine: Engine
    view: str
    line_col: str
    rows: int
    info: dict[str, Any]
    files: list[str] = field(default_factory=list)
    chunks: int = 0


def load_lines(
    engine: Any,
    source: str | os.PathLike | Sequence[str | os.PathLike],
    columns: Mapping[str, str] | None = None,
    *,
    date_format: str | None = None,
    encoding: str | None = None,
    sep: str | None = None,
    decimal: str = ".",
    thousands: str | None = None,
    timezone: str | None = None,
    max_bad_dates: float | None = 0.01,
    chunk_lines: int = 500_000,
    view: str = "cvl_raw",
    line_col: str = "line_number",
    spill: str | os.PathLike | None = None,
    progress: bool | Callable[[int, int], None] = False,
) -> Loaded:
    """Read an order log into the engine, chunk by chunk, as ``load_transactions`` reads it.

    See the module docstring.

    Parameters
    ----------
    engine : Engine, str, DuckDB connection or SparkSession
        Where the lines go.
    source : str, path-like or sequence of them
        A text or Parquet file, a folder of them, a glob, or a list of these.
    columns, date_format, encoding, sep, decimal, thousands, timezone, max_bad_dates
        As for :func:`helpers.order_log.load_transactions` (text files; ``columns`` for
        Parquet too).
    chunk_lines : int, default 500,000
        Lines typed at a time (Python's memory grows with it, not with the file).
    view : str, default "cvl_raw"
        The table or view made.
    line_col : str, default "line_number"
        The column of line numbers.
    spill : str or path-like, optional
        Spark only: the folder the lines are staged in (default a ``cvl-spark-lines`` folder
        in the system's temporary directory).
    progress : bool or callable, default False
        True shows a progress bar (tqdm) of the lines read; a callable is called after each
        chunk with the lines read so far and the chunks.

    Returns
    -------
    Loaded

    Raises
    ------
    ValueError
        As ``load_transactions``; for no file at ``source``, files of several formats, a
        later file whose header is not the first's (naming it), a ``line_col`` that is a
        column of the file, or a Parquet file without the canonical columns.
    """
    if int(chunk_lines) < 1:
        raise ValueError(f"chunk_lines must be at least 1, got {chunk_lines!r}")
    engine = Engine.of(engine)
    files = _files(source)
    staging = engine
    if engine.name == "spark":
        folder = Path(spill or Path(tempfile.gettempdir()) / "cvl-spark-lines")
        staging = Engine(duckdb_connect(None, temp_directory=folder / "duckdb"))
    if files[0].lower().endswith(_PARQUET):
        rows, chunks = _parquet(staging, files, columns, view, line_col), 0
        info = {"path": files[0], "format": "parquet", "rows": rows, "notes": []}
        info["columns"] = _parquet_mapping(staging, files, columns)
        info["notes"].append(
            _(
                "The Parquet file is read as it is, typed: its ids are tidied by cleaning "
                "(counted under 'whitespace/case normalised'), not while loading."
            )
        )
    else:
        settings = {
            "date_format": date_format,
            "encoding": encoding,
            "sep": sep,
            "decimal": decimal,
            "thousands": thousands,
            "timezone": timezone,
            "max_bad_dates": max_bad_dates,
        }
        rows, info, chunks = _text(
            staging, files, columns, settings, int(chunk_lines), view, line_col, progress
        )
    if engine.name == "spark":
        target = folder / f"{view}.parquet"
        staging.handle.sql(f"COPY (SELECT * FROM {view}) TO '{_sql_path(target)}' (FORMAT parquet)")
        staging.handle.close()
        engine.handle.read.parquet(target.as_posix()).createOrReplaceTempView(view)
    return Loaded(engine, view, line_col, rows, info, files, chunks)


def _sql_path(path: str | os.PathLike) -> str:
    return Path(path).as_posix().replace("'", "''")


def _readable(path: Path) -> bool:
    name = path.name.lower()
    return name.endswith(_PARQUET) or any(name.endswith(t + c) for t in _TEXT for c in _COMPRESSED)


def _files(source: str | os.PathLike | Sequence[str | os.PathLike]) -> list[str]:
    """List the files of a source (file, folder, glob, list), in name order; one format."""
    items = [source] if isinstance(source, str | os.PathLike) else list(source)
    files: list[str] = []
    for item in items:
        text = os.fspath(item)
        if Path(text).is_dir():
            found = sorted(str(p) for p in Path(text).iterdir() if p.is_file() and _readable(p))
            if not found:
                raise ValueError(
                    f"source: folder {text} holds no .csv, .txt, .tsv or .parquet file"
                )
            files += found
        elif glob.has_magic(text):
            found = sorted(glob.glob(text))
            if not found:
                raise ValueError(f"source: no file matches {text!r}")
            files += found
        elif Path(text).is_file():
            files.append(text)
        else:
            raise ValueError(f"source: no file or folder at {text}")
    if not files:
        raise ValueError("source: the list of files is empty")
    parquet = {f.lower().endswith(_PARQUET) for f in files}
    if len(parquet) > 1:
        raise ValueError(
            f"source: the files mix Parquet and text (e.g. {files[0]!r}); give files of one format"
        )
    return files


def _sql_type(dtype: Any) -> str:
    """Name the SQL type a typed column of order lines is stored as."""
    kind = getattr(dtype, "kind", "O")
    return {"M": "TIMESTAMP", "i": "BIGINT", "u": "BIGINT", "f": "DOUBLE", "b": "BOOLEAN"}.get(
        kind, "VARCHAR"
    )


def _append(engine: Engine, view: str, frame: pd.DataFrame, line_col: str, first: bool) -> None:
    """Append a typed chunk (index: line numbers) to the engine's table ``view``."""
    con, q = engine.handle, engine.quote
    frame = frame.rename_axis(None).assign(**{line_col: frame.index.to_numpy()})
    types = {c: _sql_type(frame[c].dtype) for c in frame.columns}
    con.register("cvl_load_chunk", for_duckdb(frame))
    if first:
        listed = ", ".join(f"{q(c)} {t}" for c, t in types.items())
        con.sql(f"CREATE OR REPLACE TABLE {view} ({listed})")
    else:
        stored = dict(con.sql(f"SELECT column_name, column_type FROM (DESCRIBE {view})").fetchall())
        for column, sql_type in types.items():
            if stored.get(column) == "BIGINT" and sql_type == "DOUBLE":  # a chunk with NaN
                con.sql(f"ALTER TABLE {view} ALTER {q(column)} TYPE DOUBLE")
    cast = ", ".join(f"CAST({q(c)} AS {t}) AS {q(c)}" for c, t in types.items())
    con.sql(f"INSERT INTO {view} BY NAME SELECT {cast} FROM cvl_load_chunk")
    con.unregister("cvl_load_chunk")


def _text(
    engine: Engine,
    files: list[str],
    columns: Mapping[str, str] | None,
    settings: dict[str, Any],
    chunk_lines: int,
    view: str,
    line_col: str,
    progress: bool | Callable[[int, int], None],
) -> tuple[int, dict[str, Any], int]:
    """Read text files chunk by chunk into the DuckDB table ``view``; finish it."""
    reader = OrderLogReader(files[0], columns, **settings)
    if line_col in reader.names:
        raise ValueError(f"line_col {line_col!r} is already a column of the file")
    bar = None
    if progress is True:
        from tqdm import tqdm

        bar = tqdm(unit="lines", unit_scale=True, desc="reading the order lines")
    n, done = 0, 0
    try:
        for frame in reader.chunks(chunk_lines, then=files[1:]):
            _append(engine, view, frame, line_col, first=n == 0)
            n += 1
            done += len(frame)
            if bar is not None:
                bar.update(len(frame))
            elif callable(progress):
                progress(done, n)
    finally:
        if bar is not None:
            bar.close()
    q = engine.quote
    con = engine.handle
    ranges = reader.float_suffix()
    if ranges:
        inside = " OR ".join(f"{q(line_col)} BETWEEN {a} AND {a + k - 1}" for a, k in ranges)
        con.sql(
            f"UPDATE {view} SET {q(s.CUSTOMER_ID)} = {q(s.CUSTOMER_ID)} || '.0' "
            f"WHERE {q(s.CUSTOMER_ID)} IS NOT NULL AND ({inside})"
        )
    invoices = _number_invoices(engine, view, line_col) if reader.number_invoices else None
    return done, reader.loading(invoices), n


def _number_invoices(engine: Engine, view: str, line_col: str) -> int:
    """Give each customer's lines at one timestamp one invoice id, as pandas does; count them."""
    q, con = engine.quote, engine.handle
    date, customer = q(s.INVOICE_DATE), q(s.CUSTOMER_ID)
    (count,) = con.sql(
        f"SELECT count(*) FROM (SELECT DISTINCT {date}, {customer} FROM {view})"
    ).fetchall()[0]
    width = len(str(int(count)))
    kept = ", ".join(q(c) for c in engine.columns(view) if c != line_col)
    rank = f"dense_rank() OVER (ORDER BY {date} ASC NULLS LAST, {customer} ASC NULLS LAST)"
    con.sql(
        f"CREATE OR REPLACE TABLE {view}_numbered AS SELECT {kept}, "
        f"'D' || lpad(CAST({rank} AS VARCHAR), {width}, '0') AS {q(s.INVOICE_ID)}, "
        f"{q(line_col)} FROM {view}"
    )
    con.sql(f"DROP TABLE {view}")
    con.sql(f"ALTER TABLE {view}_numbered RENAME TO {view}")
    return int(count)


def _parquet_mapping(
    engine: Engine, files: list[str], columns: Mapping[str, str] | None
) -> dict[str, str]:
    header = _parquet_header(engine, files)
    names = map_columns(header, columns, files[0])
    return {h: n for h, n in zip(header, names, strict=True) if h != n}


def _parquet_header(engine: Engine, files: list[str]) -> list[str]:
    listed = ", ".join(f"'{_sql_path(f)}'" for f in files)
    return list(engine.handle.sql(f"SELECT * FROM read_parquet([{listed}]) LIMIT 0").columns)


def _parquet(
    engine: Engine,
    files: list[str],
    columns: Mapping[str, str] | None,
    view: str,
    line_col: str,
) -> int:
    """Make ``view`` over Parquet files: mapped names, line numbers in file order."""
    q, con = engine.quote, engine.handle
    header = _parquet_header(engine, files)
    names = map_columns(header, columns, files[0])
    missing = [c for c in _PARQUET_COLUMNS if c not in names]
    if missing:
        raise ValueError(
            f"{files[0]}: required column(s) {missing} missing after mapping; a Parquet order "
            f"log is read as it is and needs {list(_PARQUET_COLUMNS)}. The file has {header}. "
            "Map them, or read an order-level export (no quantity, price, product or invoice "
            "id) as CSV"
        )
    if line_col in names:
        raise ValueError(f"line_col {line_col!r} is already a column of the file")
    parts, first = [], 0
    cast = {c: "VARCHAR" for c in (s.CUSTOMER_ID, s.PRODUCT_ID, s.INVOICE_ID)}
    cast[s.INVOICE_DATE] = "TIMESTAMP"  # microseconds: Spark refuses nanoseconds
    selected = ", ".join(
        f"CAST({q(h)} AS {cast[n]}) AS {q(n)}" if n in cast else f"{q(h)} AS {q(n)}"
        for h, n in zip(header, names, strict=True)
    )
    for path in files:
        reader = f"read_parquet('{_sql_path(path)}', file_row_number = true)"
        (count,) = con.sql(f"SELECT count(*) FROM {reader}").fetchall()[0]
        parts.append(f"SELECT {selected}, file_row_number + {first} AS {q(line_col)} FROM {reader}")
        first += int(count)
    listed = ", ".join(f"'{_sql_path(f)}'" for f in files)
    described = con.sql(f"DESCRIBE SELECT * FROM read_parquet([{listed}])").fetchall()
    types = {name: row[1] for name, row in zip(names, described, strict=True)}
    wanted = {
        s.INVOICE_DATE: ("TIMESTAMP", "TIMESTAMP_NS", "TIMESTAMP_MS", "TIMESTAMP_S", "DATE"),
        s.QUANTITY: ("BIGINT", "INTEGER", "SMALLINT", "TINYINT", "DOUBLE", "FLOAT", "HUGEINT"),
        s.UNIT_PRICE: ("DOUBLE", "FLOAT", "BIGINT", "INTEGER"),
    }
    for column, kinds in wanted.items():
        if types[column] not in kinds and not types[column].startswith("DECIMAL"):
            raise ValueError(
                f"{files[0]}: column {column!r} is {types[column]} in the Parquet file; it must "
                f"be one of {list(kinds)} (a Parquet log is read as it is, not parsed): write "
                "it typed, or export it as CSV"
            )
    con.sql(f"CREATE OR REPLACE VIEW {view} AS " + " UNION ALL ".join(parts))
    return first

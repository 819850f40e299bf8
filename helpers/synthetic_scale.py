"""Raw order logs of any size from the synthetic shop, dirt included, for the report at scale.

:func:`write_order_lines` writes ``n_rows`` order lines in the report's raw format, as
:func:`helpers.synthetic.make_synthetic` gives them (returns, duplicates, bad dates, guests,
postage, a test account, messy text), as CSV (``.csv`` or ``.csv.gz``) or Parquet, up to tens
of millions of lines with memory bounded by one shop. One shop of up to ``base_rows`` lines
(2 million by default, about 1.3 GB while it is drawn) is drawn once and written as many times
as needed: copy ``k`` has every numeric customer and invoice id moved by ``k`` times the
span of that id in the shop (``max - min + 1``; a return's invoice keeps its ``C``), so
copies are distinct customers and invoices; dates, products, quantities and prices are the
shop's own, and ids that are not numbers (guests without a customer, the test account) are
left as they are (the order lines carry no subscription id). The last copy is cut to give
exactly ``n_rows`` lines. With one shop (``n_rows <= base_rows``) the file is that shop's
first ``n_rows`` lines.

The copies are written by DuckDB, in the shop's order, copy after copy: CSV as one file (a
``.gz`` is one gzip member a copy, which every gzip reader reads as one stream), Parquet as
one file for one shop and otherwise a folder with a ``part-NNNNN.parquet`` file a copy (row
groups of a million lines). In Parquet the dates are timestamps, as a database export has
them (the report reads a Parquet log as typed): a date that does not parse is missing. A
file or folder is written under a ``.part`` name and renamed when complete, and one that
exists is reused, not written again.

:func:`helpers.scale.write_synthetic_parquet` writes clean purchase lines (no dirt, no
returns) for the engine's own functions; this module writes what the report command reads.
"""

from __future__ import annotations

import math
import os
import shutil
from pathlib import Path

import pandas as pd

from helpers import schema as s
from helpers.scale_sql import duckdb_connect, for_duckdb
from helpers.synthetic import DEFAULT_SEED, make_synthetic

__all__ = [
    "BASE_ROWS",
    "ID_COLUMNS",
    "file_format",
    "shop_lines",
    "write_order_lines",
]

#: Lines of the shop that is drawn once and copied (about 1.3 GB of memory while drawn).
BASE_ROWS: int = 2_000_000
#: Order lines per customer of the synthetic shop over its two years, a little under the
#: 32 to 35 it has (a shop with fewer is drawn again, larger).
LINES_PER_CUSTOMER: float = 31.0
#: Lines per Parquet row group.
ROW_GROUP_ROWS: int = 1_000_000
#: The id columns moved in each copy -> the ids that are moved: a number (an invoice's with
#: the "C" of a return in front); other ids (the test account ``TEST01``) stay as they are.
ID_COLUMNS: dict[str, str] = {s.CUSTOMER_ID: "[0-9]+", s.INVOICE_ID: "C?[0-9]+"}


def file_format(path: str | os.PathLike) -> str:
    """Tell the format of an order-lines file from its name.

    Parameters
    ----------
    path : str or path-like
        Ending in ``.csv``, ``.csv.gz`` or ``.parquet``.

    Returns
    -------
    str
        "csv" or "parquet".

    Raises
    ------
    ValueError
        For any other ending.
    """
    name = Path(path).name.lower()
    if name.endswith((".csv", ".csv.gz")):
        return "csv"
    if name.endswith(".parquet"):
        return "parquet"
    raise ValueError(
        f"the order-lines file must end in .csv, .csv.gz or .parquet; got {Path(path).name!r}"
    )


def shop_lines(n_rows: int, *, seed: int = DEFAULT_SEED) -> pd.DataFrame:
    """Draw one synthetic shop large enough and return its first ``n_rows`` raw order lines.

    Parameters
    ----------
    n_rows : int
        Lines wanted, at least 1.
    seed : int, default 2024
        Seed of :func:`helpers.synthetic.make_synthetic`.

    Returns
    -------
    pandas.DataFrame
        The raw order lines (text dates, dirt included), exactly ``n_rows`` of them.

    Raises
    ------
    ValueError
        If ``n_rows`` is not a whole number >= 1, or the shop drawn has fewer lines.
    """
    if int(n_rows) != n_rows or n_rows < 1:
        raise ValueError(f"n_rows must be a whole number >= 1; got {n_rows!r}")
    n_customers = int(n_rows / LINES_PER_CUSTOMER) + 100
    lines = make_synthetic(seed, n_customers).order_lines
    if len(lines) < n_rows:  # a shop with fewer lines a customer than usual: once more, larger
        n_customers = int(n_customers * n_rows / len(lines) * 1.05) + 100
        lines = make_synthetic(seed, n_customers).order_lines
    if len(lines) < n_rows:
        raise ValueError(
            f"the synthetic shop of {n_customers:,} customers has {len(lines):,} order lines, "
            f"fewer than the {int(n_rows):,} asked for"
        )
    return lines.head(int(n_rows))


def _shop_table(con, lines: pd.DataFrame) -> dict[str, int]:
    """Load the shop's lines into DuckDB table ``shop``, its ids' numbers apart; their spans.

    Each id column ``c`` of :data:`ID_COLUMNS` gets ``_prefix_c`` and ``_number_c`` (NULL for an
    id that is not moved), and its span is ``max - min + 1`` of the numbers (1 when none).
    """
    parts = ["*"]
    present = [c for c in ID_COLUMNS if c in lines.columns]
    for column in present:
        name = f'"{column}"'
        match = f"regexp_full_match({name}, '{ID_COLUMNS[column]}')"
        prefix = f"regexp_extract({name}, '^[^0-9]*')"
        number = f"CAST(regexp_extract({name}, '[0-9]+$') AS BIGINT)"
        parts += [
            f'CASE WHEN {match} THEN {prefix} END AS "_prefix_{column}"',
            f'CASE WHEN {match} THEN {number} END AS "_number_{column}"',
        ]
    con.register("shop_frame", for_duckdb(lines.assign(_line=range(len(lines)))))
    con.execute(f"CREATE TABLE shop AS SELECT {', '.join(parts)} FROM shop_frame")
    con.unregister("shop_frame")
    spans = {}
    for column in present:
        number = f'"_number_{column}"'
        span = con.execute(f"SELECT max({number}) - min({number}) + 1 FROM shop").fetchone()[0]
        spans[column] = int(span) if span is not None else 1
    return spans


def _moved(column: str, shift: int) -> str:
    """Write the SQL of an id column with its number moved by ``shift`` (others unchanged)."""
    name, number = f'"{column}"', f'"_number_{column}"'
    moved = f'"_prefix_{column}" || CAST({number} + {int(shift)} AS VARCHAR)'
    return f"CASE WHEN {number} IS NULL THEN {name} ELSE {moved} END AS {name}"


def _copy_query(
    columns: list[str], spans: dict[str, int], copy: int, n_lines: int, typed: bool = False
) -> str:
    """Write the SQL of copy ``copy`` of the table ``shop``: its first ``n_lines`` lines.

    ``typed``: the dates as timestamps (one that does not parse is missing), as a database
    export in Parquet has them.
    """
    select = [_moved(c, copy * spans[c]) if c in spans else f'"{c}"' for c in columns]
    if typed:
        date = f'"{s.INVOICE_DATE}"'
        select = [f"TRY_CAST({date} AS TIMESTAMP) AS {date}" if x == date else x for x in select]
    return f"SELECT {', '.join(select)} FROM shop WHERE _line < {int(n_lines)}"


def _sql_path(path: Path) -> str:
    return path.as_posix().replace("'", "''")


def _write_copy(con, query: str, path: Path, fmt: str, header: bool) -> None:
    """Write one copy's query to ``path`` (CSV, gzip by the name, or Parquet)."""
    if fmt == "parquet":
        options = f"FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE {ROW_GROUP_ROWS}"
    else:
        gzip = ", COMPRESSION gzip" if path.name.endswith(".gz") else ""
        options = f"FORMAT csv, HEADER {str(header).lower()}{gzip}"
    con.execute(f"COPY ({query}) TO '{_sql_path(path)}' ({options})")


def _remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path)
    elif path.exists():
        path.unlink()


def write_order_lines(
    path: str | os.PathLike,
    n_rows: int,
    *,
    base_rows: int = BASE_ROWS,
    seed: int = DEFAULT_SEED,
    memory_limit: str = "1GB",
) -> Path:
    """Write ``n_rows`` raw synthetic order lines, copies of one shop with moved ids.

    Parameters
    ----------
    path : str or path-like
        The file: ``.csv``, ``.csv.gz`` or ``.parquet`` (for more lines than one shop, a
        Parquet path is a folder of ``part-NNNNN.parquet`` files). Reused when it exists.
    n_rows : int
        Order lines, at least 1.
    base_rows : int, default 2,000,000
        Lines of the shop that is drawn once and copied.
    seed : int, default 2024
        Seed of the shop.
    memory_limit : str, default "1GB"
        DuckDB's memory limit while writing.

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    ValueError
        For a path of another format, or ``n_rows`` or ``base_rows`` not a whole number >= 1.
    """
    path = Path(path)
    fmt = file_format(path)
    if path.exists():
        return path
    for name, value in (("n_rows", n_rows), ("base_rows", base_rows)):
        if int(value) != value or value < 1:
            raise ValueError(f"{name} must be a whole number >= 1; got {value!r}")
    n_rows, base_rows = int(n_rows), int(base_rows)
    lines = shop_lines(min(n_rows, base_rows), seed=seed)
    columns = list(lines.columns)
    n_copies = math.ceil(n_rows / len(lines))
    partial = path.with_name(path.name + ".part")
    _remove(partial)
    path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb_connect(memory_limit) as con:
        con.execute("SET preserve_insertion_order = true")  # the shop's order, copy after copy
        spans = _shop_table(con, lines)
        del lines
        if fmt == "parquet" and n_copies > 1:
            partial.mkdir()
        for copy in range(n_copies):
            query = _copy_query(
                columns, spans, copy, n_rows - copy * base_rows, typed=fmt == "parquet"
            )
            if fmt == "parquet":
                target = partial / f"part-{copy:05d}.parquet" if n_copies > 1 else partial
                _write_copy(con, query, target, fmt, header=True)
                continue
            piece = path.with_name(f"{path.name}.{copy}.part{''.join(path.suffixes)}")
            _write_copy(con, query, piece, fmt, header=copy == 0)
            with piece.open("rb") as source, partial.open("ab") as out:
                shutil.copyfileobj(source, out, 1 << 20)
            piece.unlink()
    partial.replace(path)
    return path

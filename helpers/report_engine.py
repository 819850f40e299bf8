"""Where the report's data work runs: pandas for a small order log, DuckDB or Spark for a large one.

``python -m helpers.report --engine auto|pandas|duckdb|spark`` (:mod:`helpers.report`). With
``auto`` (the default) an order log estimated at fewer than :data:`PANDAS_MAX_LINES` lines is
read by pandas (:func:`helpers.report_inputs.load_inputs`); a larger one, a folder or a glob,
by DuckDB. The command says which and why (:func:`choose_engine`).

With DuckDB or Spark, :func:`engine_inputs` does what ``load_inputs`` does, in the engine: it
reads the lines chunk by chunk (:func:`helpers.scale_load.load_lines`), fixes the analysis
date and sets aside the later lines (the same rule, :func:`helpers.report_inputs.plausible_end`,
on the last dates only), cleans them (:func:`helpers.scale_clean.clean_lines`) and makes the
report's tables (:func:`helpers.scale_report.report_tables`). Only those tables, one row per
customer, product or subscription, come back to Python. Each step is said with its time.

The engine's memory limit is set from the log's size and the machine
(:func:`default_memory_limit`: 256 bytes a line, between 512 MB and the lesser of 3 GB and a
quarter of the memory available) unless ``--memory-limit`` gives one; past it,
DuckDB spills to a folder made for the run (in ``--spill-dir`` when given, else in the
system's temporary folder) and removed after it. Spark runs on this machine
(``local[*]``) unless ``--spark-master`` names a cluster's master URL.
"""

from __future__ import annotations

import bz2
import ctypes
import gc
import glob
import gzip
import importlib.util
import lzma
import os
import re
import shutil
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from helpers import schema as s
from helpers.dates import to_timestamp
from helpers.report_inputs import (
    check_clean,
    dating_notes,
    plausible_end,
    read_tables,
    reading,
    table_settings,
    tail_size,
    with_set_aside,
)
from helpers.scale_sql import Engine, duckdb_connect, spark_session

__all__ = [
    "ENGINES",
    "PANDAS_MAX_LINES",
    "EngineSettings",
    "choose_engine",
    "available_memory",
    "default_memory_limit",
    "engine_inputs",
    "estimate_lines",
    "open_engine",
]

#: The engines the report runs on; ``auto`` chooses between the first two.
ENGINES: tuple[str, ...] = ("auto", "pandas", "duckdb", "spark")

#: ``auto`` reads an order log estimated at fewer lines than this with pandas.
PANDAS_MAX_LINES: int = 1_000_000
#: The default memory limit's bounds (:func:`default_memory_limit`), in bytes.
MIN_MEMORY_LIMIT: int = 512 << 20
MAX_MEMORY_LIMIT: int = 3 << 30

_PARQUET = (".parquet", ".pq")
_OPENERS: dict[str, Callable[..., Any]] = {
    ".gz": gzip.open,
    ".bz2": bz2.open,
    ".xz": lzma.open,
}
_SAMPLE_BYTES = 1 << 18
_MEMORY = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(KB|MB|GB|TB|KIB|MIB|GIB|TIB)\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class EngineSettings:
    """The command's engine options.

    Attributes
    ----------
    name : str
        One of :data:`ENGINES`.
    memory_limit : str or None
        DuckDB's memory limit, e.g. ``"2GB"``; None: :func:`default_memory_limit`.
    spill_dir : str or None
        The folder in which the run's spill folder is made; None: the system's temporary one.
    spark_master : str or None
        Spark's master URL; None: ``local[*]``.
    """

    name: str = "auto"
    memory_limit: str | None = None
    spill_dir: str | None = None
    spark_master: str | None = None

    def checked(self) -> EngineSettings:
        """Return the settings after checking them, naming the option and the rule.

        Raises
        ------
        ValueError
            For an unknown engine, a memory limit that is not a size such as ``2GB``, a
            spill folder that is not a folder, or a Spark master without ``--engine spark``.
        """
        if self.name not in ENGINES:
            raise ValueError(f"--engine must be one of {', '.join(ENGINES)}; got {self.name!r}")
        if self.memory_limit is not None and not _MEMORY.match(self.memory_limit):
            raise ValueError(
                f"--memory-limit must be a size such as 512MB or 4GB; got {self.memory_limit!r}"
            )
        if self.spill_dir is not None and not Path(self.spill_dir).expanduser().is_dir():
            raise ValueError(f"--spill-dir must be an existing folder; got {self.spill_dir!r}")
        if self.spark_master is not None and self.name != "spark":
            raise ValueError("--spark-master is for --engine spark")
        return self


def available_memory() -> int:
    """Return the memory available now, in bytes (Linux's MemAvailable, else the machine's)."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return 4 << 30


def default_memory_limit(lines: int = 0) -> str:
    """Return DuckDB's memory limit for an order log of about ``lines`` lines, as ``"NMB"``.

    256 bytes a line (what the cleaning's tables hold), at least 512 MB and at most a quarter
    of the memory available or :data:`MAX_MEMORY_LIMIT`, whichever is less: a 2M-line log
    gets 512 MB, a 50M-line one 3 GB on a machine with 12 GB or more free. Past the limit
    DuckDB spills to disk.

    Parameters
    ----------
    lines : int, default 0
        The estimated order lines (:func:`estimate_lines`).

    Returns
    -------
    str
    """
    ceiling = max(min(available_memory() // 4, MAX_MEMORY_LIMIT), MIN_MEMORY_LIMIT)
    limit = int(np.clip(int(lines) * 256, MIN_MEMORY_LIMIT, ceiling))
    return f"{limit >> 20}MB"


def _files(source: str) -> list[Path]:
    """Return the files of a file, folder or glob."""
    path = Path(source)
    if glob.has_magic(source):
        return [Path(p) for p in sorted(glob.glob(source)) if Path(p).is_file()]
    if path.is_dir():
        return sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith("."))
    return [path]


def _text_lines(path: Path) -> float:
    """Estimate a text file's lines from its first 256 KB (decompressed) and its size."""
    opener = _OPENERS.get(path.suffix.lower())
    size = path.stat().st_size
    with (opener or open)(path, "rb") as stream:
        sample = stream.read(_SAMPLE_BYTES)
    if not sample:
        return 0.0
    per_line = len(sample) / max(sample.count(b"\n"), 1)
    if opener is None:
        return size / per_line
    if path.suffix.lower() == ".gz" and size < (1 << 32):
        with path.open("rb") as stream:  # gzip's last 4 bytes: the size, modulo 2**32
            stream.seek(-4, os.SEEK_END)
            full = int.from_bytes(stream.read(4), "little")
        if full >= len(sample):
            return full / per_line
    return size * 8 / per_line  # other compressions: about 8 to 1 for order logs


def estimate_lines(source: str) -> int:
    """Estimate the order lines of a file, folder or glob, without reading it all.

    Parquet: the row counts of its metadata (exact). Text: the size (for gzip the
    uncompressed size its trailer records) over the bytes per line of the first 256 KB.

    Parameters
    ----------
    source : str
        The order log.

    Returns
    -------
    int
    """
    total = 0.0
    for path in _files(source):
        total += _lines_of(path)
    return int(total)


def _lines_of(path: Path) -> float:
    """Estimate one file's lines (0 when it cannot be read: the reader then says why)."""
    name = path.name.lower()
    try:
        if name.endswith(_PARQUET):
            with warnings.catch_warnings():  # fastparquet's import warns about pandas options
                warnings.simplefilter("ignore")
                from fastparquet import ParquetFile

            return float(ParquetFile(str(path)).info["rows"])
        if name.endswith((".xlsx", ".xlsm", ".xls")):
            return path.stat().st_size / 30  # a spreadsheet is read by pandas anyway
        return _text_lines(path)
    except (OSError, EOFError, ValueError):
        return 0.0


def choose_engine(source: str, name: str = "auto", lines: int | None = None) -> tuple[str, str]:
    """Return the engine for an order log and why, in words for the terminal.

    Parameters
    ----------
    source : str
        The order log: a file, a folder or a glob.
    name : str, default "auto"
        One of :data:`ENGINES`.
    lines : int, optional
        Its :func:`estimate_lines`, when already made; else made here (``auto`` only).

    Returns
    -------
    engine : str
        ``"pandas"``, ``"duckdb"`` or ``"spark"``.
    reason : str

    Raises
    ------
    ValueError
        If pandas is asked to read a folder or glob, an engine a spreadsheet, or an engine
        that is not installed (the message says how to install it).
    """
    many = glob.has_magic(source) or Path(source).is_dir()
    sheet = not many and Path(source).suffix.lower() in (".xlsx", ".xlsm", ".xls")
    if name == "pandas" and many:
        raise ValueError(
            "--engine pandas reads one file; a folder or a glob of files needs --engine duckdb "
            "(or spark)"
        )
    if name in ("duckdb", "spark") and sheet:
        raise ValueError(
            f"--engine {name} reads CSV, TXT, TSV (compressed too) and Parquet files; save the "
            "spreadsheet as CSV, or use --engine pandas"
        )
    missing = {"duckdb": "duckdb", "spark": "pyspark"}
    if name in missing and importlib.util.find_spec(missing[name]) is None:
        raise ValueError(
            f"--engine {name} needs {missing[name]}, an optional dependency: "
            'pip install -e ".[scale]"'
        )
    if name != "auto":
        return name, "chosen with --engine"
    if sheet:
        return "pandas", "a spreadsheet is read by pandas"
    lines = estimate_lines(source) if lines is None else lines
    if (many or lines >= PANDAS_MAX_LINES) and importlib.util.find_spec("duckdb") is None:
        if many:
            raise ValueError(
                'a folder or glob of files is read by DuckDB: pip install -e ".[scale]"'
            )
        return "pandas", (
            f"about {lines:,} order lines; DuckDB would read them with a memory limit, but it "
            'is not installed (pip install -e ".[scale]")'
        )
    if many or lines >= PANDAS_MAX_LINES:
        what = "a folder or glob of files" if many else f"about {lines:,} order lines"
        return "duckdb", (
            f"{what}, at least {PANDAS_MAX_LINES:,}: read and cleaned by DuckDB with a memory "
            "limit; --engine pandas to use pandas"
        )
    return "pandas", (
        f"about {lines:,} order lines, fewer than {PANDAS_MAX_LINES:,}; --engine duckdb for DuckDB"
    )


@contextmanager
def open_engine(
    settings: EngineSettings, name: str, lines: int = 0
) -> Iterator[tuple[Engine, Path]]:
    """Open DuckDB or Spark for one run, with a spill folder made for it; close and remove both.

    Parameters
    ----------
    settings : EngineSettings
    name : str
        ``"duckdb"`` or ``"spark"``.
    lines : int, default 0
        The order log's estimated lines, for the default memory limit.

    Yields
    ------
    engine : helpers.scale_sql.Engine
    spill : pathlib.Path
        The run's spill folder (removed at the end, with everything in it).
    """
    parent = Path(settings.spill_dir).expanduser() if settings.spill_dir else None
    spill = Path(tempfile.mkdtemp(prefix="cvl-report-spill-", dir=parent))
    handle = None
    try:
        if name == "duckdb":
            limit = settings.memory_limit or default_memory_limit(lines)
            handle = duckdb_connect(limit, temp_directory=spill / "duckdb")
        else:
            config = {"spark.local.dir": str(spill / "spark")}
            if settings.memory_limit:
                config["spark.driver.memory"] = settings.memory_limit.replace("B", "").lower()
            handle = spark_session(settings.spark_master or "local[*]", config=config)
        yield Engine(handle), spill
    finally:
        if handle is not None:
            (handle.close if name == "duckdb" else handle.stop)()
        shutil.rmtree(spill, ignore_errors=True)
        _release_memory()


def _release_memory() -> None:
    """Give the memory freed by the engine's work back to the system (glibc keeps it).

    The command waits while the report's notebook runs in another process; without this,
    the heap it no longer uses would count twice in the run's peak.
    """
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: nothing to do
        pass


class _Steps:
    """Say each step and its time on stderr (``say``: a callable taking a line)."""

    def __init__(self, say: Callable[[str], object] | None) -> None:
        self.say = say or (lambda line: print(line, file=sys.stderr, flush=True))

    @contextmanager
    def step(self, what: str) -> Iterator[None]:
        """Say ``what``, run the block, say its time and the process's memory."""
        started = time.perf_counter()
        self.say(f"{what}...")
        yield
        self.say(f"{what}: done in {time.perf_counter() - started:.1f} s{_memory()}")


def _memory() -> str:
    """Return ``", peak memory N GB"`` of this process (with the engine), or "" if unknown."""
    try:
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        peak *= 1 if sys.platform == "darwin" else 1024  # bytes on macOS, KB elsewhere
    except (ImportError, OSError):
        return ""
    return f", peak memory {peak / 1e9:.2f} GB"


def _one(run: Engine, text: str) -> pd.Series:
    """Return the first row of a query."""
    return run.run_text(text).iloc[0]


def engine_inputs(
    params: Mapping[str, Any],
    run: Engine,
    *,
    spill: Path | None = None,
    say: Callable[[str], object] | None = None,
) -> dict[str, Any]:
    """Load, date and clean the report's inputs in the engine, as ``load_inputs`` does.

    Parameters
    ----------
    params : mapping
        Validated parameters (:func:`helpers.report_inputs.validate_parameters`).
    run : helpers.scale_sql.Engine
        DuckDB or Spark (:func:`open_engine`).
    spill : pathlib.Path, optional
        The run's spill folder (Spark stages the lines there).
    say : callable, optional
        Called with each progress line; default: printed on stderr.

    Returns
    -------
    dict
        As :func:`helpers.report_inputs.load_inputs`, ``snapshot`` None (the lines stay in
        the engine) and ``tables`` from :func:`helpers.scale_report.report_tables`.

    Raises
    ------
    ValueError
        As ``load_inputs``.
    """
    from helpers.scale_clean import clean_lines
    from helpers.scale_load import load_lines
    from helpers.scale_report import report_tables

    steps = _Steps(say)
    path = params["TRANSACTIONS_PATH"]
    with steps.step(f"{run.name}: reading the order lines"):
        loaded = load_lines(
            run,
            path,
            params["COLUMNS"] or None,
            spill=spill / "lines" if spill is not None else None,
            **reading(params),
        )
    raw, line = loaded.view, loaded.line_col
    loading = dict(loaded.info)
    as_of = _analysis_date(run, raw, params)
    stamp = run.timestamp(as_of)
    columns = run.columns(raw)
    worth = (
        f"sum(coalesce({s.QUANTITY} * {s.UNIT_PRICE}, 0))"
        if {s.QUANTITY, s.UNIT_PRICE} <= set(columns)
        else "0"
    )
    late = _one(
        run, f"SELECT count(*) AS n, {worth} AS revenue FROM {raw} WHERE invoice_date >= {stamp}"
    )
    after = int(late["n"])
    future = 0 if params["AS_OF"] else after  # without AS_OF, the lines after are typing errors
    shown = run.run_text(
        f"SELECT {line}, invoice_date FROM {raw} WHERE invoice_date >= {stamp} "
        f"ORDER BY {line} LIMIT 3"
    )
    examples, dating = dating_notes(as_of, after, future, list(shown.itertuples(index=False)))
    run.view(
        "cvl_report_raw",
        f"SELECT * FROM {raw} WHERE invoice_date < {stamp} OR invoice_date IS NULL",
    )
    if loaded.rows - after == 0:
        raise ValueError(
            f"{path}: no order line is dated before the analysis date {as_of:%Y-%m-%d}"
        )
    with steps.step(f"{run.name}: cleaning {loaded.rows - after:,} order lines"):
        cleaning = clean_lines(run, "cvl_report_raw", line_col=line, view="cvl_report")
    report = with_set_aside(cleaning.report, after, float(late["revenue"] or 0.0))
    two = run.run_text(f"SELECT DISTINCT customer_id FROM {cleaning.view} LIMIT 2")
    first = _one(run, f"SELECT min(invoice_date) AS first FROM {cleaning.view}")["first"]
    check_clean(
        path,
        report,
        two["customer_id"].tolist(),
        pd.Timestamp(first),
        as_of,
        params["CHURN_WINDOW_DAYS"],
    )
    customers, products = read_tables(params)
    has_products = bool(loading.get("has_products", True))
    settings = table_settings(params, products, customers, has_products)
    tables = report_tables(
        run,
        "cvl_report_raw",
        cleaning,
        as_of,
        line_col=line,
        step=lambda what: steps.step(f"{run.name}: {what}"),
        **settings,
    )
    return {
        "snapshot": None,
        "tables": tables,
        "cleaning": report,
        "customers": customers,
        "products": products,
        "as_of": as_of,
        "loading": loading,
        "after": after,
        "after_examples": examples,
        "future": future,
        "has_products": has_products,
        "notes": list(loading.get("notes", [])) + dating,
    }


def _analysis_date(run: Engine, raw: str, params: Mapping[str, Any]) -> pd.Timestamp:
    """Return the analysis date: ``AS_OF``, or midnight after the last plausible line."""
    if params["AS_OF"]:
        return to_timestamp(params["AS_OF"], "AS_OF")
    dated = int(_one(run, f"SELECT count(invoice_date) AS n FROM {raw}")["n"])
    last = run.run_text(
        f"SELECT invoice_date FROM {raw} WHERE invoice_date IS NOT NULL "
        f"ORDER BY invoice_date DESC LIMIT {tail_size(dated) + 1}"
    )["invoice_date"]
    return plausible_end(np.sort(last.to_numpy(dtype="datetime64[ns]")), dated)

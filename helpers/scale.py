"""Customer summaries, RFM and CLV inputs on logs larger than memory: DuckDB and Spark.

The pandas functions of :mod:`helpers.customers`, :mod:`helpers.rfm` and
:mod:`helpers.clv_data` hold every order line in memory. The functions here compute the same
tables with an SQL engine that streams the lines from Parquet or CSV files:

- **DuckDB** (``engine="duckdb"``, the default): embedded, no server; with a ``memory_limit``
  it spills to ``temp_directory`` instead of failing (:func:`duckdb_connect`);
- **Apache Spark** (``engine="spark"`` or a ``SparkSession``): the same SQL text on a cluster,
  or on this machine with ``master="local[2]"`` (:func:`spark_session`).

Each result is one SQL text of :mod:`helpers.scale_sql`, run by either engine, and comes back
as a pandas frame with the index, columns, dtypes and values of the pandas function:

===========================  =================================================
here                         pandas
===========================  =================================================
:func:`customer_summary`     :func:`helpers.customers.customer_summary`
:func:`rfm_table`            :func:`helpers.rfm.rfm_table`
:func:`rfm_scores`           ``helpers.rfm.rfm_scores(helpers.rfm.rfm_table(...))``
:func:`summary_data`         :func:`helpers.clv_data.summary_data`
===========================  =================================================

Integers, dates and ids are equal exactly. Money is summed exactly (in millionths, see
:mod:`helpers.scale_sql`), so it is the double nearest to the decimal total; pandas sums the
floating-point amounts in row order, so a total can differ from it in the last bit (a relative
difference of about 1e-16).

Input: clean order lines (every amount positive, returns netted, as
:func:`helpers.datasets.load_clean_transactions` gives them) as a Parquet or CSV file, a
folder of them, a glob such as ``"build/log/*.parquet"`` or a list of paths; DuckDB also takes
a pandas frame. :func:`write_synthetic_parquet` writes a synthetic log of any size chunk by
chunk, and :func:`write_parquet` writes a frame in the form both engines read.

PySpark is optional (``pip install -e ".[scale]"``); importing this module imports neither
pyspark nor Java.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from helpers import dates
from helpers import scale_sql as q
from helpers import schema as s
from helpers.checks import example_row, require_columns
from helpers.clv_data import period_days
from helpers.deprecation import LINE_COLUMN_RENAMES, positional_last_day, renamed_arguments
from helpers.scale_sql import (
    ENGINES,
    Engine,
    Source,
    duckdb_connect,
    for_duckdb,
    spark_available,
    spark_session,
)

__all__ = [
    "ENGINES",
    "compare_frames",
    "customer_summary",
    "duckdb_connect",
    "rfm_scores",
    "rfm_table",
    "spark_available",
    "spark_session",
    "summary_data",
    "summary_of_view",
    "write_parquet",
    "write_synthetic_parquet",
]

_NAMES_HINT = "pass the column names as arguments if yours are called differently"


# --- reading and checking the lines ----------------------------------------------------------

# The rules a result needs of the lines, by name: (column, rule in words, SQL true when broken).
_PRESENT = "present (no missing or unparseable values)"
_RULES = {
    "customer": (s.CUSTOMER_ID, _PRESENT, "customer_id IS NULL"),
    "invoice": (s.INVOICE_ID, _PRESENT, "invoice_id IS NULL"),
    "date": (s.INVOICE_DATE, _PRESENT, "invoice_date IS NULL"),
    "positive": (
        s.AMOUNT,
        "positive (clean order lines with returns netted, see helpers.cleaning)",
        "amount IS NULL OR isnan(amount) OR NOT amount > 0",
    ),
    "number": (s.AMOUNT, "a number", "amount IS NULL OR isnan(amount)"),
}


def _open(
    source: Source,
    engine: Any,
    file_format: str | None,
    columns: dict[str, str],
    checked: Sequence[str],
    table: str,
    counts: dict[str, str] | None = None,
) -> tuple[Engine, pd.Series]:
    """Load the input, map its columns and check the rules; return the engine and a profile.

    ``columns`` maps canonical names to the input's; ``checked`` names the rules of
    :data:`_RULES` that must hold; ``counts`` adds ``{name: condition}`` line counts to the
    profile, which also has ``n_lines``, ``first_line`` and ``last_line``. One pass.
    """
    run = Engine(engine)
    run.load(source, file_format)
    require_columns(
        pd.DataFrame(columns=run.columns("cvl_source")),
        list(columns.values()),
        table,
        allow_empty=True,
        hint=_NAMES_HINT,
    )
    names = {key: run.quote(name) for key, name in columns.items()}
    run.view(
        "cvl_lines",
        q.LINES,
        customer_col=names[s.CUSTOMER_ID],
        invoice_col=names.get(s.INVOICE_ID, "NULL"),  # the CLV input needs no invoice
        date_col=names[s.INVOICE_DATE],
        amount_col=names[s.AMOUNT],
    )
    conditions = {name: _RULES[name][2] for name in checked} | (counts or {})
    rules = ",\n    ".join(
        f"sum(CASE WHEN {condition} THEN 1 ELSE 0 END) AS {name}"
        for name, condition in conditions.items()
    )
    profile = run.run(q.PROFILE, rules=rules).iloc[0]
    if profile["n_lines"] == 0:
        raise ValueError(f"{table}: the table has no rows")
    for name in checked:
        bad = int(profile[name] or 0)
        if bad:
            column, rule, condition = _RULES[name]
            example = run.run(f"SELECT * FROM cvl_lines WHERE {condition} LIMIT 1")
            raise ValueError(
                f"{table}: column {columns[column]!r} must be {rule}; {bad:,} row(s) are not, "
                f"{example_row(example, pd.Series(True, index=example.index))}"
            )
    return run, profile


def _typed(frame: pd.DataFrame, dtypes: dict[str, str], unit: str) -> pd.DataFrame:
    """Give the engine's result the pandas functions' dtypes, index and row order."""
    out = frame.astype({c: t.replace("{unit}", unit) for c, t in dtypes.items()})
    out[s.CUSTOMER_ID] = out[s.CUSTOMER_ID].astype("str")
    return out.set_index(s.CUSTOMER_ID).sort_index()


def _unit(source: Source, date_col: str) -> str:
    """Return the datetime unit of the pandas result: the frame's, or ns as the loaders give."""
    if isinstance(source, pd.DataFrame) and source[date_col].dtype.kind == "M":
        return np.datetime_data(source[date_col].dtype)[0]
    return "ns"


_SUMMARY_DTYPES = {
    "purchases": "int64",
    "revenue": "float64",
    "average_amount": "float64",
    "first_purchase": "datetime64[{unit}]",
    "last_purchase": "datetime64[{unit}]",
}
_RFM_DTYPES = {
    "recency": "int64",
    "frequency": "int64",
    "monetary": "float64",
    "monetary_avg": "float64",
    "first_purchase": "datetime64[{unit}]",
    "last_purchase": "datetime64[{unit}]",
}
_SCORE_DTYPES = {"r_score": "int64", "f_score": "int64", "m_score": "int64", "rfm_code": "str"}
_CLV_DTYPES = {
    "frequency": "int64",
    "recency": "float64",
    "T": "float64",
    "monetary_value": "float64",
    "first_purchase": "datetime64[{unit}]",
    "last_purchase": "datetime64[{unit}]",
}


# --- the results -----------------------------------------------------------------------------


@renamed_arguments(**LINE_COLUMN_RENAMES)
def customer_summary(
    source: Source,
    *,
    engine: Any = "duckdb",
    start: str | pd.Timestamp | None = None,
    end: str | pd.Timestamp | None = None,
    file_format: str | None = None,
    customer_col: str = s.CUSTOMER_ID,
    invoice_col: str = s.INVOICE_ID,
    date_col: str = s.INVOICE_DATE,
    amount_col: str = s.AMOUNT,
) -> pd.DataFrame:
    """Purchases, revenue and dates per customer, as :func:`helpers.customers.customer_summary`.

    Parameters
    ----------
    source : path, glob, list of paths or pandas.DataFrame
        Clean order lines: Parquet or CSV files (a file, a folder, a glob, a list) or, for
        DuckDB, a frame.
    engine : {"duckdb", "spark"}, duckdb connection or SparkSession, default "duckdb"
        Who runs the SQL; a name opens a default connection (:func:`duckdb_connect` without a
        memory limit, or :func:`spark_session`).
    start, end : str or pandas.Timestamp, optional
        Keep lines with ``start <= date < end`` (``end`` exclusive).
    file_format : {"parquet", "csv"}, optional
        Default: from the file names.
    customer_col, invoice_col, date_col, amount_col : str
        The input's column names; default the canonical names of :mod:`helpers.schema`. The
        old names ``customer_id``, ``invoice_id``, ``invoice_date`` and ``amount`` still work
        for one release, with a FutureWarning.

    Returns
    -------
    pandas.DataFrame
        Indexed by customer id (sorted): ``purchases``, ``revenue``, ``average_amount``,
        ``first_purchase``, ``last_purchase`` (no ``profit``: the unit costs are not joined).

    Raises
    ------
    ValueError
        If the input has no files or rows, a column is missing, a customer id is missing or an
        amount is not positive (the message names the column, the rule and a row), the window
        has no lines, or the engine is unknown.
    """
    columns = {
        s.CUSTOMER_ID: customer_col,
        s.INVOICE_ID: invoice_col,
        s.INVOICE_DATE: date_col,
        s.AMOUNT: amount_col,
    }
    run, _ = _open(source, engine, file_format, columns, ["customer", "positive"], "transactions")
    where = ["invoice_date IS NOT NULL"]
    if start is not None:
        where.append(f"invoice_date >= {run.timestamp(dates.to_timestamp(start, 'start'))}")
    if end is not None:
        where.append(f"invoice_date < {run.timestamp(dates.to_timestamp(end, 'end'))}")
    out = run.run(q.CUSTOMER_SUMMARY, where=" AND ".join(where))
    if out.empty:
        raise ValueError(f"no order lines with {start or '-inf'} <= {date_col} < {end or 'inf'}")
    return _typed(out, _SUMMARY_DTYPES, _unit(source, date_col))


def summary_of_view(engine: Any, lines: str) -> pd.DataFrame:
    """Return :func:`helpers.customers.customer_summary` of clean lines already in the engine.

    :func:`customer_summary` reads files or a frame; this reads a table or view the engine
    holds (clean lines under the canonical names, e.g. :func:`helpers.scale_clean.clean_lines`'s
    view), as the report does.

    Parameters
    ----------
    engine : Engine, str, DuckDB connection or SparkSession
        The engine holding ``lines``.
    lines : str
        Table or view of clean order lines: ``customer_id``, ``invoice_id``,
        ``invoice_date`` and ``amount``, none missing.

    Returns
    -------
    pandas.DataFrame
        As :func:`customer_summary` (dates in nanoseconds).
    """
    run = Engine.of(engine)
    run.view(
        "cvl_lines",
        f"SELECT {s.CUSTOMER_ID}, {s.INVOICE_ID}, {s.INVOICE_DATE}, {s.AMOUNT} FROM {lines}",
    )
    return _typed(run.run(q.CUSTOMER_SUMMARY, where="TRUE"), _SUMMARY_DTYPES, "ns")


def _rfm(
    template: str,
    dtypes: dict[str, str],
    source: Source,
    as_of: str | pd.Timestamp | None,
    engine: Any,
    file_format: str | None,
    columns: dict[str, str],
    **values: object,
) -> pd.DataFrame:
    """Run an RFM query at ``as_of`` (default: midnight after the last line's day)."""
    what = "rfm_table"
    checked = ["customer", "invoice", "date", "positive"]
    run, profile = _open(source, engine, file_format, columns, checked, what)
    last = pd.Timestamp(profile["last_line"])
    if as_of is None:
        as_of = last.normalize() + pd.Timedelta(days=1)
    as_of = dates.to_timestamp(as_of, "as_of")
    if not pd.Timestamp(profile["first_line"]) < as_of:
        raise ValueError(
            f"rfm_table: as_of {as_of} is at or before the first transaction "
            f"({profile['first_line']}); no purchase is dated before it. Choose a later as_of."
        )
    stamp = run.timestamp(as_of)
    out = run.run(template, where=f"invoice_date < {stamp}", as_of=stamp, **values)
    out = _typed(out, dtypes, _unit(source, columns[s.INVOICE_DATE]))
    out.attrs["as_of"] = as_of
    return out


def rfm_table(
    source: Source,
    as_of: str | pd.Timestamp | None = None,
    *,
    engine: Any = "duckdb",
    file_format: str | None = None,
    customer_col: str = s.CUSTOMER_ID,
    invoice_col: str = s.INVOICE_ID,
    date_col: str = s.INVOICE_DATE,
    amount_col: str = s.AMOUNT,
) -> pd.DataFrame:
    """Recency, frequency and monetary value per customer, as :func:`helpers.rfm.rfm_table`.

    Parameters
    ----------
    source : path, glob, list of paths or pandas.DataFrame
        Clean order lines (see :func:`customer_summary`).
    as_of : str or pandas.Timestamp, optional
        The analysis moment, exclusive; default midnight after the day of the last line.
    engine : {"duckdb", "spark"}, duckdb connection or SparkSession, default "duckdb"
        Who runs the SQL.
    file_format : {"parquet", "csv"}, optional
        Default: from the file names.
    customer_col, invoice_col, date_col, amount_col : str
        The input's column names.

    Returns
    -------
    pandas.DataFrame
        Indexed by customer (sorted): ``recency``, ``frequency``, ``monetary``,
        ``monetary_avg``, ``first_purchase``, ``last_purchase``; ``attrs["as_of"]``.

    Raises
    ------
    ValueError
        As :func:`helpers.rfm.rfm_table` (a missing column or value, an amount not positive,
        an ``as_of`` at or before the first line), or for a bad input or engine.
    """
    columns = _rfm_columns(customer_col, invoice_col, date_col, amount_col)
    return _rfm(q.RFM_TABLE, _RFM_DTYPES, source, as_of, engine, file_format, columns)


def rfm_scores(
    source: Source,
    as_of: str | pd.Timestamp | None = None,
    n_scores: int = 5,
    *,
    engine: Any = "duckdb",
    file_format: str | None = None,
    customer_col: str = s.CUSTOMER_ID,
    invoice_col: str = s.INVOICE_ID,
    date_col: str = s.INVOICE_DATE,
    amount_col: str = s.AMOUNT,
) -> pd.DataFrame:
    """Score recency, frequency and monetary 1-5, as ``rfm.rfm_scores(rfm.rfm_table(...))``.

    Parameters
    ----------
    source : path, glob, list of paths or pandas.DataFrame
        Clean order lines (see :func:`customer_summary`).
    as_of : str or pandas.Timestamp, optional
        The analysis moment, exclusive; default midnight after the day of the last line.
    n_scores : int, default 5
        Scores per dimension, 2 to 9; by quantile with ties scored alike, exactly as
        :func:`helpers.rfm.quantile_scores`.
    engine : {"duckdb", "spark"}, duckdb connection or SparkSession, default "duckdb"
        Who runs the SQL.
    file_format : {"parquet", "csv"}, optional
        Default: from the file names.
    customer_col, invoice_col, date_col, amount_col : str
        The input's column names.

    Returns
    -------
    pandas.DataFrame
        The columns of :func:`rfm_table`, then ``r_score``, ``f_score``, ``m_score`` and
        ``rfm_code``; ``attrs["as_of"]``. :func:`helpers.rfm.assign_segments` names segments.
    """
    if not isinstance(n_scores, int | np.integer) or not 2 <= n_scores <= 9:
        raise ValueError(f"n_scores must be an integer from 2 to 9, got {n_scores!r}")
    columns = _rfm_columns(customer_col, invoice_col, date_col, amount_col)
    dtypes = _RFM_DTYPES | _SCORE_DTYPES
    return _rfm(
        q.RFM_SCORES, dtypes, source, as_of, engine, file_format, columns, n_scores=int(n_scores)
    )


def _day(day: pd.Timestamp) -> str:
    return f"DATE '{day:%Y-%m-%d}'"


def _rfm_columns(customer: str, invoice: str, date: str, amount: str) -> dict[str, str]:
    return {s.CUSTOMER_ID: customer, s.INVOICE_ID: invoice, s.INVOICE_DATE: date, s.AMOUNT: amount}


@renamed_arguments(observation_end=("as_of", dates.day_after))
def summary_data(
    source: Source,
    observation_end: dates.DateLike | None = None,
    /,
    *,
    as_of: dates.DateLike | None = None,
    period: str = "W",
    engine: Any = "duckdb",
    file_format: str | None = None,
    customer_col: str = s.CUSTOMER_ID,
    date_col: str = s.INVOICE_DATE,
    amount_col: str = s.AMOUNT,
) -> pd.DataFrame:
    """Summarise each customer for the CLV models, as :func:`helpers.clv_data.summary_data`.

    Parameters
    ----------
    source : path, glob, list of paths or pandas.DataFrame
        Order lines with a customer, a date and an amount (see :func:`customer_summary`).
    observation_end : date, optional, positional only
        Deprecated: the old inclusive last observed day; pass ``as_of`` (the day after).
    as_of : str, datetime.date or pandas.Timestamp, optional
        The analysis date, exclusive, a day (midnight): the lines dated before it are
        summarised, ``T`` runs to the day before. Default: midnight after the day of the last
        line. The old keyword ``observation_end`` (the last day, inclusive) is read as the
        day after it, with a FutureWarning.
    period : {"W", "D"}, default "W"
        The unit of ``recency`` and ``T``.
    engine : {"duckdb", "spark"}, duckdb connection or SparkSession, default "duckdb"
        Who runs the SQL.
    file_format : {"parquet", "csv"}, optional
        Default: from the file names.
    customer_col, date_col, amount_col : str
        The input's column names.

    Returns
    -------
    pandas.DataFrame
        Indexed by customer (sorted): ``frequency``, ``recency``, ``T``, ``monetary_value``,
        ``first_purchase``, ``last_purchase``; ``attrs``: ``period``, ``as_of``,
        ``last_day`` (inclusive) and ``lines_after_end``, as :func:`helpers.clv_data.summary_data`.

    Raises
    ------
    ValueError
        If a column or value is missing, ``period`` is unknown, ``as_of`` is not a day
        (midnight) or not after the first line's day, or for a bad input or engine.
    """
    as_of = positional_last_day("summary_data", "observation_end", observation_end, "as_of", as_of)
    unit = period_days(period)
    columns = {s.CUSTOMER_ID: customer_col, s.INVOICE_DATE: date_col, s.AMOUNT: amount_col}
    if as_of is not None:  # a day: lines before it are those of the days up to the one before
        as_of = dates.to_timestamp(as_of, "as_of", day=True)
        end = dates.last_day(as_of)
    # amount: a number, of any sign, as helpers.clv_data.purchase_days allows
    checked = ["customer", "date", "number"]
    after = {} if as_of is None else {"after": f"CAST(invoice_date AS DATE) > {_day(end)}"}
    run, profile = _open(source, engine, file_format, columns, checked, "transactions", after)
    if as_of is None:
        end = pd.Timestamp(profile["last_line"]).normalize()
        as_of = dates.day_after(end)
    first = pd.Timestamp(profile["first_line"]).normalize()
    if end < first:
        raise ValueError(
            f"as_of {as_of} is not after the first purchase ({first:%Y-%m-%d}): no line is "
            "dated before it, no customer to summarise"
        )
    out = run.run(q.CLV_SUMMARY, end=_day(end), period_days=f"CAST({unit:g} AS DOUBLE)")
    out = _typed(out, _CLV_DTYPES, _unit(source, date_col))
    lines_after = int(profile["after"] or 0) if after else 0
    out.attrs.update(period=period, as_of=as_of, last_day=end, lines_after_end=lines_after)
    return out


# --- writing Parquet -------------------------------------------------------------------------


def write_parquet(frame: pd.DataFrame, path: str | os.PathLike) -> Path:
    """Write a frame to one Parquet file that DuckDB and Spark both read.

    Timestamps are written in microseconds (Spark cannot read nanosecond Parquet timestamps);
    the file is written by DuckDB, so pyarrow is not needed.

    Parameters
    ----------
    frame : pandas.DataFrame
        The table, e.g. clean order lines.
    path : str or path-like
        The file to write (its folder is created).

    Returns
    -------
    pathlib.Path
    """
    import duckdb

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    stamps = [c for c in frame.columns if frame[c].dtype.kind == "M"]
    cast = ", ".join(f'CAST("{c}" AS TIMESTAMP) AS "{c}"' for c in stamps)
    select = f"SELECT * REPLACE ({cast}) FROM cvl_frame" if stamps else "SELECT * FROM cvl_frame"
    with duckdb.connect() as con:
        con.register("cvl_frame", for_duckdb(frame))
        target = path.as_posix().replace("'", "''")
        con.execute(f"COPY ({select}) TO '{target}' (FORMAT parquet, COMPRESSION zstd)")
    return path


def _synthetic_purchases(seed: int, n_customers: int) -> pd.DataFrame:
    """Draw the purchase lines of one synthetic shop: canonical columns, amount, dates."""
    from helpers.synthetic import make_synthetic

    lines = make_synthetic(seed, n_customers, dirt=False).order_lines
    lines = lines[lines[s.QUANTITY] > 0]  # returns left out: every line a positive purchase
    return pd.DataFrame(
        {
            s.INVOICE_ID: lines[s.INVOICE_ID].astype("int64"),
            s.INVOICE_DATE: pd.to_datetime(lines[s.INVOICE_DATE], format="%Y-%m-%d %H:%M:%S"),
            s.CUSTOMER_ID: lines[s.CUSTOMER_ID].astype("int64"),
            s.PRODUCT_ID: lines[s.PRODUCT_ID],
            s.QUANTITY: lines[s.QUANTITY],
            s.UNIT_PRICE: lines[s.UNIT_PRICE],
            s.AMOUNT: lines[s.QUANTITY] * lines[s.UNIT_PRICE],
        }
    )


def write_synthetic_parquet(
    path: str | os.PathLike,
    n_rows: int,
    *,
    seed: int = 2024,
    customers_per_chunk: int = 30_000,
    progress: bool = True,
) -> list[Path]:
    """Write a synthetic log of ``n_rows`` clean order lines as Parquet files, chunk by chunk.

    Each chunk is a shop of :func:`helpers.synthetic.make_synthetic` (seed ``seed + i``, no
    dirt, returns left out) whose customer and invoice numbers are moved past the previous
    chunks', so ids are unique over the log; only one chunk (about 30 lines per customer) is
    in memory at a time. The last chunk is cut to give exactly ``n_rows`` lines.

    Parameters
    ----------
    path : str or path-like
        A folder; its ``part-*.parquet`` files are replaced.
    n_rows : int
        Number of order lines, at least 1.
    seed : int, default 2024
        Seed of the first chunk.
    customers_per_chunk : int, default 30,000
        Customers per chunk (about 0.9 million lines and 300 MB of memory).
    progress : bool, default True
        Show a progress bar (tqdm) of the lines written.

    Returns
    -------
    list of pathlib.Path
        The files written, in order.
    """
    from tqdm import tqdm

    if int(n_rows) != n_rows or n_rows < 1:
        raise ValueError(f"n_rows must be a whole number >= 1; got {n_rows!r}")
    if not 1 <= customers_per_chunk <= 1_000_000:
        raise ValueError(f"customers_per_chunk must be 1 to 1,000,000; got {customers_per_chunk}")
    folder = Path(path)
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("part-*.parquet"):
        old.unlink()
    files: list[Path] = []
    written, chunk, invoice_offset = 0, 0, 0
    with tqdm(total=int(n_rows), unit="rows", unit_scale=True, disable=not progress) as bar:
        while written < n_rows:
            lines = _synthetic_purchases(seed + chunk, customers_per_chunk).head(n_rows - written)
            lines[s.CUSTOMER_ID] = (lines[s.CUSTOMER_ID] + chunk * customers_per_chunk).astype(
                "str"
            )
            invoice = lines[s.INVOICE_ID] + invoice_offset
            invoice_offset = int(invoice.max())
            lines[s.INVOICE_ID] = invoice.astype("str")
            files.append(write_parquet(lines, folder / f"part-{chunk:05d}.parquet"))
            written += len(lines)
            chunk += 1
            bar.update(len(lines))
    return files


def compare_frames(got: pd.DataFrame, expected: pd.DataFrame) -> dict[str, Any]:
    """Compare an engine's result with the pandas function's, as the tests do.

    Parameters
    ----------
    got, expected : pandas.DataFrame
        The engine's and the pandas result.

    Returns
    -------
    dict
        ``same_shape`` (index, columns and dtypes equal), ``exact`` (every column that is not
        money, i.e. not float, equal exactly), ``max_rel_diff`` (the largest relative
        difference in the money columns; 0.0 when none differ) and ``equal`` (all of it, with
        money within ``rtol=1e-12``).
    """
    same_shape = (
        got.index.equals(expected.index)
        and list(got.columns) == list(expected.columns)
        and got.dtypes.equals(expected.dtypes)
    )
    if not same_shape:
        return {"same_shape": False, "exact": False, "max_rel_diff": None, "equal": False}
    money = [c for c in expected.columns if expected[c].dtype.kind == "f"]
    exact = got.drop(columns=money).equals(expected.drop(columns=money))
    scale_of = expected[money].abs().where(expected[money] != 0, 1.0)
    rel = float(((got[money] - expected[money]).abs() / scale_of).max().max()) if money else 0.0
    return {
        "same_shape": True,
        "exact": bool(exact),
        "max_rel_diff": rel,
        "equal": bool(exact and rel <= 1e-12),
    }

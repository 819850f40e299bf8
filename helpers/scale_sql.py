"""The SQL of :mod:`helpers.scale`, one text per result, and the engines that run it.

Each query reads the view ``cvl_lines`` (columns ``customer_id``, ``invoice_id``,
``invoice_date``, ``amount``, made by :data:`LINES`) and keeps to the SQL that both engines
share. The few words they spell differently are filled in by :func:`render`:

==================  ==========================  ==========================
placeholder         DuckDB                      Spark SQL
==================  ==========================  ==========================
``{string}``        ``VARCHAR``                 ``STRING``
``{timestamp}``     ``TIMESTAMP``               ``TIMESTAMP_NTZ``
``DAYS(a, b)``      ``date_diff('day', a, b)``  ``datediff(b, a)``
``{regexp}(s, p)``  ``regexp_matches``          ``regexp_like``
==================  ==========================  ==========================

``{regexp}(s, p)`` is true when the regular expression ``p`` matches somewhere in ``s`` (a
search, as Python's ``re.search``); DuckDB reads ``p`` as RE2, Spark as Java, so a pattern
must keep to what both share. String literals (a pattern's backslashes) are written with
:meth:`Engine.literal`.

Exact sums
----------
Amounts are summed as whole **millionths** (``round(amount * 1e6)`` as a 64-bit integer),
which is exact in any order, and divided by 1e6 once at the end: every engine, on any number
of threads or machines, gives the double nearest to the decimal total, bit for bit. (A plain
floating-point ``sum`` depends on the order of the rows, which no parallel engine fixes.) The
totals are exact up to 9e9 (2**53 millionths) per customer; amounts with more than six
decimals are rounded to six.

Engines
-------
:class:`Engine` runs a text on DuckDB (:func:`duckdb_connect`: embedded, spilling to disk
past its memory limit) or on Spark (:func:`spark_session`: local or a cluster) and returns a
pandas frame. PySpark is imported only when Spark is asked for.
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import tempfile
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

__all__ = [
    "CLV_SUMMARY",
    "ENGINES",
    "Engine",
    "CUSTOMER_SUMMARY",
    "DIALECTS",
    "LINES",
    "PROFILE",
    "RFM_SCORES",
    "RFM_TABLE",
    "Source",
    "duckdb_connect",
    "for_duckdb",
    "render",
    "spark_available",
    "spark_session",
]

#: The engines by name; an open DuckDB connection or SparkSession may be passed instead.
ENGINES: tuple[str, ...] = ("duckdb", "spark")

#: An input: a Parquet/CSV file, folder or glob, a list of them, or (DuckDB) a pandas frame.
Source = str | os.PathLike | Sequence[str | os.PathLike] | pd.DataFrame

_SCALE_EXTRA = 'pip install -e ".[scale]"'

#: Per-engine spellings of the placeholders (see the module docstring).
DIALECTS: dict[str, dict[str, str]] = {
    "duckdb": {
        "string": "VARCHAR",
        "timestamp": "TIMESTAMP",
        "days": "date_diff('day', {a}, {b})",
        "regexp": "regexp_matches",
    },
    "spark": {
        "string": "STRING",
        "timestamp": "TIMESTAMP_NTZ",
        "days": "datediff({b}, {a})",
        "regexp": "regexp_like",
    },
}

#: The canonical view over the input: column names mapped, types cast (``try_cast``: a value
#: that does not parse becomes NULL and is reported by :data:`PROFILE`'s checks).
LINES = """
SELECT
    try_cast({customer_col} AS {string}) AS customer_id,
    try_cast({invoice_col} AS {string}) AS invoice_id,
    try_cast({date_col} AS {timestamp}) AS invoice_date,
    try_cast({amount_col} AS DOUBLE) AS amount
FROM cvl_source
"""

#: One pass over the lines: their number, the first and last timestamps, and per rule the
#: number of lines that break it (``{rules}``: ``sum(CASE WHEN <bad> THEN 1 ELSE 0 END) AS x``).
PROFILE = """
SELECT
    count(*) AS n_lines,
    min(invoice_date) AS first_line,
    max(invoice_date) AS last_line,
    {rules}
FROM cvl_lines
"""

# Amount in whole millionths: exact integer sums in every engine (see the module docstring).
_UNITS = "CAST(round(amount * 1e6) AS BIGINT)"

# Per customer: distinct invoices, exact revenue, first and last line, lines in {where}.
_PER_CUSTOMER = f"""
invoices AS (
    SELECT
        customer_id,
        invoice_id,
        sum({_UNITS}) AS units,
        min(invoice_date) AS first_line,
        max(invoice_date) AS last_line
    FROM cvl_lines
    WHERE {{where}}
    GROUP BY customer_id, invoice_id
), per_customer AS (
    SELECT
        customer_id,
        count(*) AS purchases,
        CAST(sum(units) AS DOUBLE) / 1e6 AS revenue,
        min(first_line) AS first_purchase,
        max(last_line) AS last_purchase
    FROM invoices
    GROUP BY customer_id
)"""

#: :func:`helpers.customers.customer_summary`: purchases, revenue, average amount, dates.
CUSTOMER_SUMMARY = f"""
WITH {_PER_CUSTOMER}
SELECT
    customer_id,
    purchases,
    revenue,
    revenue / purchases AS average_amount,
    first_purchase,
    last_purchase
FROM per_customer
"""

# RFM values at {as_of} (a timestamp literal; lines strictly before it count).
_RFM = f"""
{_PER_CUSTOMER}, rfm AS (
    SELECT
        customer_id,
        DAYS(CAST(last_purchase AS DATE), CAST({{as_of}} AS DATE)) AS recency,
        purchases AS frequency,
        revenue AS monetary,
        revenue / purchases AS monetary_avg,
        first_purchase,
        last_purchase
    FROM per_customer
)"""

#: :func:`helpers.rfm.rfm_table`: recency, frequency, monetary, monetary_avg, dates.
RFM_TABLE = f"""
WITH {_RFM}
SELECT * FROM rfm
"""

#: :func:`helpers.rfm.rfm_scores` on the RFM table: quantile scores 1..{n_scores} and the code.
#: ``rank() - 1`` counts the customers with a strictly worse value (longer ago, fewer
#: invoices, less spend), as :func:`helpers.rfm.quantile_scores` does.
RFM_SCORES = f"""
WITH {_RFM}, ranked AS (
    SELECT
        rfm.*,
        count(*) OVER () AS n_customers,
        rank() OVER (ORDER BY recency DESC) - 1 AS r_worse,
        rank() OVER (ORDER BY frequency) - 1 AS f_worse,
        rank() OVER (ORDER BY monetary) - 1 AS m_worse
    FROM rfm
), scored AS (
    SELECT
        ranked.*,
        least(CAST(floor({{n_scores}} * r_worse / n_customers) AS BIGINT) + 1, {{n_scores}})
            AS r_score,
        least(CAST(floor({{n_scores}} * f_worse / n_customers) AS BIGINT) + 1, {{n_scores}})
            AS f_score,
        least(CAST(floor({{n_scores}} * m_worse / n_customers) AS BIGINT) + 1, {{n_scores}})
            AS m_score
    FROM ranked
)
SELECT
    customer_id, recency, frequency, monetary, monetary_avg, first_purchase, last_purchase,
    r_score, f_score, m_score,
    concat(CAST(r_score AS {{string}}), CAST(f_score AS {{string}}), CAST(m_score AS {{string}}))
        AS rfm_code
FROM scored
"""

#: :func:`helpers.clv_data.summary_data`: repeat purchase days, recency and T in periods of
#: {period_days} days at the last observed day {end} (a DATE literal), repeat spend.
CLV_SUMMARY = f"""
WITH dated AS (
    SELECT customer_id, CAST(invoice_date AS DATE) AS day, {_UNITS} AS units
    FROM cvl_lines
), days AS (
    SELECT customer_id, day, sum(units) AS units
    FROM dated
    WHERE day <= {{end}}
    GROUP BY customer_id, day
), per_customer AS (
    SELECT
        customer_id,
        count(*) AS n_days,
        sum(units) AS units,
        min(day) AS first_day,
        max(day) AS last_day
    FROM days
    GROUP BY customer_id
)
SELECT
    p.customer_id,
    p.n_days - 1 AS frequency,
    CAST(DAYS(p.first_day, p.last_day) AS DOUBLE) / {{period_days}} AS recency,
    CAST(DAYS(p.first_day, {{end}}) AS DOUBLE) / {{period_days}} AS T,
    CASE
        WHEN p.n_days > 1 THEN CAST(p.units - d.units AS DOUBLE) / 1e6 / (p.n_days - 1)
        ELSE CAST(0 AS DOUBLE)
    END AS monetary_value,
    CAST(p.first_day AS {{timestamp}}) AS first_purchase,
    CAST(p.last_day AS {{timestamp}}) AS last_purchase
FROM per_customer p
JOIN days d ON d.customer_id = p.customer_id AND d.day = p.first_day
"""

# DAYS(a, b): two arguments without commas or parentheses of their own, or CASTs of them.
_DAYS = re.compile(r"DAYS\(((?:CAST\([^()]*\)|[^,()])+),\s*((?:CAST\([^()]*\)|[^,()])+)\)")


def render(template: str, engine: str, **values: object) -> str:
    """Fill a query's placeholders for one engine.

    Parameters
    ----------
    template : str
        One of the SQL texts of this module.
    engine : {"duckdb", "spark"}
        The dialect.
    **values
        The query's own values (``where``, ``as_of``, ``n_scores``, ...), already SQL text.

    Returns
    -------
    str
        The query, ready to run.
    """
    dialect = DIALECTS[engine]
    text = template.format(
        string=dialect["string"],
        timestamp=dialect["timestamp"],
        regexp=dialect["regexp"],
        **values,
    )
    return _DAYS.sub(
        lambda m: dialect["days"].format(a=m.group(1).strip(), b=m.group(2).strip()), text
    )


# --- the engines ---------------------------------------------------------------------------------


def duckdb_connect(
    memory_limit: str | None = "2GB",
    *,
    temp_directory: str | os.PathLike | None = None,
    threads: int | None = None,
) -> Any:
    """Open an in-memory DuckDB connection that spills to disk instead of running out of memory.

    Parameters
    ----------
    memory_limit : str or None, default "2GB"
        DuckDB's ``memory_limit`` (e.g. ``"512MB"``); ``None`` keeps DuckDB's default (80% of
        the machine's memory). Aggregations larger than this are spilled to ``temp_directory``.
    temp_directory : str or path-like, optional
        Where to spill; default a ``cvl-duckdb`` folder in the system's temporary directory.
    threads : int, optional
        Worker threads; default one per core.

    Returns
    -------
    duckdb.DuckDBPyConnection
    """
    import duckdb

    spill = Path(temp_directory or Path(tempfile.gettempdir()) / "cvl-duckdb")
    spill.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    if memory_limit is not None:
        con.execute(f"SET memory_limit = '{memory_limit}'")
    con.execute(f"SET temp_directory = '{spill.as_posix()}'")
    # results are sorted in pandas; not keeping the input order lets large queries spill more
    con.execute("SET preserve_insertion_order = false")
    if threads is not None:
        con.execute(f"SET threads = {int(threads)}")
    return con


def spark_session(
    master: str = "local[2]",
    *,
    app_name: str = "customer-value-lab",
    config: dict[str, str] | None = None,
    log_level: str = "ERROR",
) -> Any:
    """Start (or reuse) a Spark session: on this machine, or on the cluster at ``master``.

    Parameters
    ----------
    master : str, default "local[2]"
        Spark's master URL: ``"local[N]"`` runs Spark in this process's JVM with N threads;
        ``"spark://host:7077"``, ``"yarn"`` or ``"k8s://..."`` send the work to a cluster.
    app_name : str
        The application's name in Spark's UI.
    config : dict, optional
        More Spark settings, e.g. ``{"spark.executor.memory": "8g"}``; they win over the
        defaults set here (UTC session time zone, no UI, and for a local master few shuffle
        partitions).
    log_level : str, default "ERROR"
        Spark's log level once started.

    Returns
    -------
    pyspark.sql.SparkSession

    Raises
    ------
    ImportError
        If PySpark is not installed (install the ``scale`` extra).
    RuntimeError
        If no Java runtime is found.
    """
    try:
        from pyspark.sql import SparkSession
    except ImportError as err:
        raise ImportError(
            f"Spark needs PySpark, an optional dependency: {_SCALE_EXTRA} ({err})"
        ) from None
    if not spark_available():
        raise RuntimeError(
            "Spark needs a Java runtime (17 or newer) and none was found: install one "
            "(e.g. apt-get install default-jre-headless) or set JAVA_HOME"
        )
    local = master.startswith("local")
    if local:
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")  # no network lookup of the host
    settings = {
        "spark.sql.session.timeZone": "UTC",
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.sql.execution.arrow.pyspark.enabled": str(_has_pyarrow()).lower(),
    }
    if local:
        settings["spark.sql.shuffle.partitions"] = "8"
    # the driver's log level from its start (setLogLevel comes after the start-up messages)
    settings["spark.driver.extraJavaOptions"] = f"-Dlog4j2.configurationFile={_log4j(log_level)}"
    settings.update(config or {})
    builder = SparkSession.builder.master(master).appName(app_name)
    for key, value in settings.items():
        builder = builder.config(key, value)
    with warnings.catch_warnings():  # PySpark warns that it does not fully support pandas 3
        warnings.simplefilter("ignore", FutureWarning)
        spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel(log_level)
    return spark


def _log4j(level: str) -> str:
    """Write a log4j2 configuration that logs ``level`` and worse to stderr; return its URI."""
    path = Path(tempfile.gettempdir()) / f"cvl-spark-log4j2-{level.lower()}.properties"
    path.write_text(
        f"rootLogger.level = {level.lower()}\n"
        "rootLogger.appenderRef.stderr.ref = console\n"
        "appender.console.type = Console\n"
        "appender.console.name = console\n"
        "appender.console.target = SYSTEM_ERR\n"
        "appender.console.layout.type = PatternLayout\n"
        "appender.console.layout.pattern = %d{yy/MM/dd HH:mm:ss} %p %c{1}: %m%n\n"
    )
    return path.as_uri()


def for_duckdb(frame: pd.DataFrame) -> pd.DataFrame:
    """Return the frame with pandas 3's ``str`` columns as ``object``, which any DuckDB reads.

    DuckDB before 1.4 does not know pandas 3's string dtype ("Data type 'str' not recognized").

    Parameters
    ----------
    frame : pandas.DataFrame

    Returns
    -------
    pandas.DataFrame
    """
    text = [c for c in frame.columns if isinstance(frame[c].dtype, pd.StringDtype)]
    return frame.astype(dict.fromkeys(text, object)) if text else frame


def spark_available() -> bool:
    """Tell whether Spark can start here: PySpark installed and a Java runtime found.

    Returns
    -------
    bool
    """
    import importlib.util

    java = bool(os.environ.get("JAVA_HOME")) or shutil.which("java") is not None
    return java and importlib.util.find_spec("pyspark") is not None


def _has_pyarrow() -> bool:
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        return False
    return True


class Engine:
    """Run this module's SQL on DuckDB or Spark and return pandas frames.

    Parameters
    ----------
    engine : {"duckdb", "spark"}, duckdb connection or SparkSession
        A name opens a default connection (:func:`duckdb_connect` without a memory limit,
        or :func:`spark_session`).
    """

    def __init__(self, engine: Any) -> None:
        if isinstance(engine, str):
            if engine not in ENGINES:
                raise ValueError(f"engine must be one of {list(ENGINES)}; got {engine!r}")
            self.name = engine
            self.handle = duckdb_connect(None) if engine == "duckdb" else spark_session()
        elif type(engine).__module__.lstrip("_").startswith("duckdb"):
            self.name, self.handle = "duckdb", engine
        elif type(engine).__module__.startswith("pyspark"):
            self.name, self.handle = "spark", engine
        else:
            raise ValueError(
                f"engine must be one of {list(ENGINES)}, a DuckDB connection or a "
                f"SparkSession; got {type(engine).__name__}"
            )

    @classmethod
    def of(cls, engine: Any) -> Engine:
        """Return ``engine`` if it is an :class:`Engine`, else an :class:`Engine` on it.

        Parameters
        ----------
        engine : Engine, {"duckdb", "spark"}, duckdb connection or SparkSession
            What the caller gave.

        Returns
        -------
        Engine
        """
        return engine if isinstance(engine, cls) else cls(engine)

    def quote(self, name: str) -> str:
        """Quote a column name in the engine's dialect."""
        mark = '"' if self.name == "duckdb" else "`"
        return mark + name.replace(mark, mark * 2) + mark

    def literal(self, text: str) -> str:
        """Write a string as an SQL literal of the engine (Spark reads backslash escapes)."""
        if self.name == "duckdb":
            return "'" + text.replace("'", "''") + "'"
        return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"

    def render(self, template: str, **values: object) -> str:
        """Fill a template's placeholders for this engine (see :func:`render`)."""
        return render(template, self.name, **values)

    def run(self, template: str, **values: object) -> pd.DataFrame:
        """Run a query and return its result as a pandas frame."""
        text = self.render(template, **values)
        if self.name == "duckdb":
            return self.handle.sql(text).df()
        with warnings.catch_warnings():  # PySpark warns that it does not fully support pandas 3
            warnings.simplefilter("ignore", FutureWarning)
            warnings.filterwarnings("ignore", module=r"pyspark\.")
            return self.handle.sql(text).toPandas()

    def run_text(self, text: str) -> pd.DataFrame:
        """Run a finished SQL text (no placeholders; its literals may hold braces)."""
        return self.run(text.replace("{", "{{").replace("}", "}}"))

    def view(self, name: str, template: str, **values: object) -> None:
        """Create (or replace) the temporary view ``name`` as the query."""
        text = self.render(template, **values)
        self.handle.sql(f"CREATE OR REPLACE TEMPORARY VIEW {name} AS {text}")

    def columns(self, name: str) -> list[str]:
        """List the columns of a table or view."""
        if self.name == "duckdb":
            return list(self.handle.sql(f"SELECT * FROM {name} LIMIT 0").columns)
        return list(self.handle.table(name).columns)

    def timestamp(self, value: pd.Timestamp) -> str:
        """Write a timestamp as an SQL literal of the engine's timestamp type."""
        return f"{DIALECTS[self.name]['timestamp']} '{value:%Y-%m-%d %H:%M:%S.%f}'"

    def load(self, source: Source, file_format: str | None) -> None:
        """Make the view ``cvl_source`` over the input."""
        if isinstance(source, pd.DataFrame):
            if self.name != "duckdb":
                raise ValueError(
                    "Spark reads files, not pandas frames: write the frame to Parquet with "
                    "helpers.scale.write_parquet and pass the path"
                )
            self.handle.register("cvl_frame", for_duckdb(source))
            self.handle.sql(
                "CREATE OR REPLACE TEMPORARY VIEW cvl_source AS SELECT * FROM cvl_frame"
            )
            return
        paths, file_format = _resolve(source, file_format)
        if self.name == "duckdb":
            listed = ", ".join("'" + p.replace("'", "''") + "'" for p in paths)
            reader = (
                f"read_parquet([{listed}])"
                if file_format == "parquet"
                else f"read_csv([{listed}], header = true, all_varchar = true)"
            )
            self.handle.sql(
                f"CREATE OR REPLACE TEMPORARY VIEW cvl_source AS SELECT * FROM {reader}"
            )
        else:
            read = self.handle.read
            frame = (
                read.parquet(*paths) if file_format == "parquet" else read.csv(paths, header=True)
            )
            frame.createOrReplaceTempView("cvl_source")


def _resolve(
    source: str | os.PathLike | Sequence, file_format: str | None
) -> tuple[list[str], str]:
    """List the input files (a file, a folder, a glob or a list) and tell their format."""
    items = [source] if isinstance(source, str | os.PathLike) else list(source)
    paths: list[str] = []
    for item in items:
        text = os.fspath(item)
        if "://" in text:  # a cluster's storage (s3://, hdfs://): the engine lists it
            paths.append(text)
        elif Path(text).is_dir():
            found = sorted(str(p) for p in Path(text).iterdir() if _format_of(p.name) is not None)
            if not found:
                raise ValueError(f"source: folder {text} holds no .parquet or .csv file")
            paths.extend(found)
        elif glob.has_magic(text):
            found = sorted(glob.glob(text))
            if not found:
                raise ValueError(f"source: no file matches {text!r}")
            paths.extend(found)
        elif Path(text).is_file():
            paths.append(text)
        else:
            raise ValueError(f"source: no file or folder at {text}")
    if not paths:
        raise ValueError("source: the list of files is empty")
    if file_format is None:
        formats = {_format_of(p) for p in paths}
        if len(formats) != 1 or None in formats:
            raise ValueError(
                f"source: give file_format='parquet' or 'csv'; cannot tell it from the file "
                f"names (e.g. {paths[0]!r}); all files must have one format"
            )
        file_format = formats.pop()
    if file_format not in ("parquet", "csv"):
        raise ValueError(f"file_format must be 'parquet' or 'csv'; got {file_format!r}")
    return paths, file_format


def _format_of(name: str) -> str | None:
    name = name.lower()
    if name.endswith(".parquet"):
        return "parquet"
    if name.endswith((".csv", ".csv.gz")):
        return "csv"
    return None

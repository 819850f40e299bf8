r"""The customer value report: run ``notebooks/12_customer_value_report.ipynb`` on your data.

::

    python -m helpers.report --transactions orders.csv --out build/report
    python -m helpers.report --transactions orders.csv --customers customers.csv \
        --map Order=invoice_id When=invoice_date Client=customer_id SKU=product_id \
              Qty=quantity Price=unit_price --date-format "%d/%m/%Y %H:%M" --as-of 2024-07-01

The command checks every option and ``--out`` before a byte of data is read (exit code 2,
one line), then loads and cleans the order lines once (:mod:`helpers.report_inputs`; bad
data: exit code 1, one line) and hands them to the report notebook, which papermill executes
(with a progress bar); :mod:`helpers.report_html` renders it as ``report.html``, a
standalone document without code (executive summary first, renders offline, prints to
PDF), and the notebook writes the campaign lists as spreadsheet-safe CSV files. Everything
is written to a temporary folder next to ``--out`` and swapped into place at the end
(:mod:`helpers.report_folder`): ``--out`` may only be a new path, an empty folder or an
earlier report of this command, and a failed or interrupted run leaves nothing behind.

Output folder::

    report.html          the report, figures included, no code
    report.ipynb         the executed notebook (with code), for whoever wants to dig deeper
    strategies.csv       one row per customer: tier, segment, P(churn), CLV, strategy, reason
    campaigns/*.csv      retention, cross_sell, expansion, birthday, promotion (when the data
                         allows: birthdays need a customers table, promotions a products table,
                         cross-sell and promotions a product column)
    .customer-value-report  the marker that makes the folder replaceable by the next run
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, NoReturn

from helpers.report_engine import (
    ENGINES,
    PANDAS_MAX_LINES,
    EngineSettings,
    choose_engine,
    engine_inputs,
    estimate_lines,
    open_engine,
)
from helpers.report_html import render_html
from helpers.report_inputs import (
    CANONICAL,
    DEFAULTS,
    load_inputs,
    parse_mapping,
    save_inputs,
    validate_parameters,
)
from helpers.translation import using_language

__all__ = [
    "DEFAULTS",
    "NOTEBOOK",
    "load_inputs",
    "main",
    "parse_mapping",
    "render_html",
    "run_report",
    "validate_parameters",
]

#: The report notebook.
NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "12_customer_value_report.ipynb"

#: The prepared inputs' file inside the temporary report folder (removed before publishing).
PREPARED_NAME = ".inputs.pickle"
#: The report notebook in another language, inside the temporary folder (removed too).
TRANSLATED_NAME = ".report-source.ipynb"
#: The tag of the notebook's exercise cells, left out when the lines stayed in an engine.
EXERCISE_TAG = "exercise"


def input_paths(params: Mapping[str, Any]) -> list[Path]:
    """Return the input files and folders (a glob's matches), which ``--out`` must not touch."""
    import glob

    paths = []
    for key in ("TRANSACTIONS_PATH", "CUSTOMERS_PATH", "PRODUCTS_PATH"):
        if params[key]:
            text = str(params[key])
            paths += [Path(p) for p in glob.glob(text)] if glob.has_magic(text) else [Path(text)]
    return paths


# --- running -------------------------------------------------------------------------------------


def run_report(
    parameters: Mapping[str, Any],
    out: str | os.PathLike,
    *,
    progress: bool = True,
    notebook: str | os.PathLike = NOTEBOOK,
    inputs: Mapping[str, Any] | None = None,
    on_wait: Callable[[Path], object] | None = None,
) -> dict[str, Any]:
    """Check the inputs, run the report notebook and write the report folder atomically.

    The order lines are loaded and cleaned once, here (or given as ``inputs``), and handed
    to the notebook in a file inside the temporary folder. The folder at ``out`` is checked
    before anything is read (:func:`helpers.report_folder.check_output_folder`: only a new
    path, an empty folder or an earlier report of this tool may be replaced) and replaced
    only when the whole report has succeeded.

    Parameters
    ----------
    parameters : mapping
        Report parameters (:data:`DEFAULTS`); ``OUTPUT_DIR`` and ``PREPARED_PATH`` are set
        here.
    out : str or path-like
        The report folder.
    progress : bool, default True
        Show papermill's progress bar.
    notebook : str or path-like
        The report notebook.
    inputs : dict, optional
        What :func:`load_inputs` returned for these parameters (loaded here when not given).
        It is emptied once written for the notebook, so that the frames are not held in
        memory twice (here and in the kernel) while the report runs.
    on_wait : callable, optional
        Called with the folder when another run is writing it and this one waits.

    Returns
    -------
    dict
        What the notebook recorded (:func:`helpers.notebook.read_results`), plus ``seconds``.

    Raises
    ------
    helpers.report_folder.OutputFolderError
        When ``out`` may not be replaced (before anything is read).
    ValueError
        For bad parameters or inputs (before anything is written).
    papermill.PapermillExecutionError
        If a cell of the report fails (nothing is written).
    """
    import nbformat

    from helpers.notebook import run_notebook
    from helpers.report_folder import check_output_folder, report_folder
    from helpers.translation import translate_notebook

    started = time.perf_counter()
    internal = {"OUTPUT_DIR", "PREPARED_PATH"}
    params = validate_parameters({k: v for k, v in parameters.items() if k not in internal})
    sources = input_paths(params)
    check_output_folder(out, inputs=sources)
    if inputs is None:
        with using_language(params["LANGUAGE"]):  # the loading notes in the report's words
            inputs = load_inputs(params)
    tables = inputs.get("tables")
    tables_engine = tables.engine if tables is not None else "pandas"
    with report_folder(out, inputs=sources, on_wait=on_wait) as building:
        prepared = save_inputs(inputs, building / PREPARED_NAME)
        if isinstance(inputs, dict):
            inputs.clear()
        params["OUTPUT_DIR"] = str(building)
        params["PREPARED_PATH"] = str(prepared)
        source = Path(notebook)
        on_engine = tables_engine != "pandas"
        if params["LANGUAGE"] != "en" or on_engine:
            document = nbformat.read(source, as_version=4)
            if params["LANGUAGE"] != "en":  # the notebook's prose from its catalogue
                document, _ = translate_notebook(document, source.stem, params["LANGUAGE"])
            if on_engine:  # the exercises read the clean lines, which stayed in the engine
                document.cells = [
                    c for c in document.cells if EXERCISE_TAG not in c.metadata.get("tags", [])
                ]
            source = building / TRANSLATED_NAME
            nbformat.write(document, source)
        results = run_notebook(
            source,
            building / "report.ipynb",
            params,
            cwd=Path(notebook).parent,
            progress=progress,
            kernel_log=False,
        )
        prepared.unlink()
        if source != Path(notebook):
            source.unlink()
        render_html(building / "report.ipynb", building / "report.html")
        _raise_signal()  # a signal whose exception was lost on the way: nothing is published
    return {**results, "seconds": round(time.perf_counter() - started, 1)}


# --- command line --------------------------------------------------------------------------------


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line on stderr, exit code 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="python -m helpers.report",
        description="Run the customer value report on an order log (order lines or one line "
        "per order; CSV, CSV.gz, XLSX or Parquet): cleaning, KPIs, tiers, RFM segments, CLV, "
        "churn risk, strategies and campaign lists, as HTML and CSV.",
        epilog="Example (Online Retail): python -m helpers.report --transactions "
        "online_retail_2010_2011.csv.gz --map InvoiceNo=invoice_id StockCode=product_id "
        "Description=description Quantity=quantity InvoiceDate=invoice_date "
        "UnitPrice=unit_price CustomerID=customer_id Country=country --out build/report_or",
    )
    add = parser.add_argument
    add(
        "--transactions",
        required=True,
        metavar="FILE",
        help="the order log: CSV (any separator, .gz too), XLSX or Parquet; one row per product "
        "on an invoice, or one row per order with its total (required). With DuckDB or Spark "
        "also a folder of such files or a quoted glob, e.g. 'orders-*.parquet'",
    )
    add(
        "--customers",
        metavar="FILE",
        help="customers file with customer_id (and birth_date, email, marketing_opt_in for the "
        "birthday campaign; optional)",
    )
    add(
        "--products",
        metavar="FILE",
        help="products file with product_id, unit_price, unit_cost, stock_on_hand (enables the "
        "promotion plan; optional)",
    )
    add(
        "--map",
        nargs="+",
        action="extend",
        default=[],
        metavar="SOURCE=CANONICAL",
        help="rename a column of the transactions file to a canonical name: "
        f"{', '.join(CANONICAL)} (repeatable). The minimum is customer_id, invoice_date and "
        "amount (or quantity and unit_price)",
    )
    add(
        "--date-format",
        metavar="FORMAT",
        help="strftime format of the dates, e.g. '%%d/%%m/%%Y %%H:%%M', or 'excel' for "
        "spreadsheet serial numbers (default ISO 8601)",
    )
    add(
        "--encoding",
        metavar="NAME",
        help="text encoding of the files, e.g. utf-8, gb18030, cp1252 (default: detected, "
        "and said)",
    )
    add("--sep", metavar="CHAR", help="field separator, e.g. ';' or tab (default: sniffed)")
    add(
        "--decimal",
        default=DEFAULTS["DECIMAL"],
        metavar="CHAR",
        help="decimal mark of numbers, '.' or ',' (default '.'; a ';' file with 12,50 is detected)",
    )
    add("--thousands", metavar="CHAR", help="thousands separator of numbers, e.g. ',' or '.'")
    add(
        "--timezone",
        metavar="ZONE",
        help="for dates with UTC offsets: the time zone to convert them to, e.g. Europe/London "
        "(default: the offset of the first dated row)",
    )
    add(
        "--max-bad-dates",
        type=float,
        default=DEFAULTS["MAX_BAD_DATES"],
        metavar="SHARE",
        help="stop when more than this share of the dates do not parse (default 0.01 = 1%%); "
        "below it the lines are counted and left out",
    )
    add(
        "--as-of",
        metavar="DATE",
        help="analysis date (exclusive): later lines are set aside and counted; default "
        "midnight after the last plausible order line",
    )
    add("--currency", default=DEFAULTS["CURRENCY"], help="currency symbol for amounts (default £)")
    add(
        "--horizon-months",
        type=int,
        default=DEFAULTS["HORIZON_MONTHS"],
        metavar="N",
        help="CLV horizon in months (default 12)",
    )
    add(
        "--discount-rate",
        type=float,
        default=DEFAULTS["DISCOUNT_RATE"],
        metavar="RATE",
        help="annual discount rate of the CLV, e.g. 0.1 (default 0.10)",
    )
    add(
        "--margin",
        type=float,
        default=DEFAULTS["MARGIN"],
        metavar="SHARE",
        help="gross margin as a share of spend (default: measured from the products file's "
        "unit costs when they cover at least 90%% of the revenue, else 0.30)",
    )
    add(
        "--segments",
        type=int,
        default=DEFAULTS["N_SEGMENTS"],
        metavar="N",
        help="number of value tiers; tier 1 is the top 1/N of customers (default 5)",
    )
    add(
        "--churn-window",
        type=int,
        default=DEFAULTS["CHURN_WINDOW_DAYS"],
        metavar="DAYS",
        help="a customer has churned after this many days without a purchase (default 90)",
    )
    add(
        "--out",
        default="build/report",
        metavar="DIR",
        help="report folder: a new path, an empty folder or an earlier report of this command "
        "(anything else is refused); replaced only when the report has succeeded "
        "(default build/report)",
    )
    add(
        "--lang",
        default=DEFAULTS["LANGUAGE"],
        metavar="CODE",
        help="language of the report: en (default) or zh (简体中文: headings, tables, the "
        "executive summary and the campaigns' reasons)",
    )
    add(
        "--engine",
        default="auto",
        choices=ENGINES,
        help="where the data work runs: pandas, DuckDB or Spark (default auto: pandas below "
        f"about {PANDAS_MAX_LINES:,} order lines, DuckDB above them or for a folder or glob "
        "of files; said when the run starts)",
    )
    add(
        "--memory-limit",
        metavar="SIZE",
        help="DuckDB's memory limit (Spark: the driver's memory), e.g. 2GB; past it DuckDB "
        "spills to disk (default: 256 bytes an order line, from 512MB to 3GB or a quarter of "
        "the memory available)",
    )
    add(
        "--spill-dir",
        metavar="DIR",
        help="an existing folder in which DuckDB or Spark makes the run's spill folder, "
        "removed at the end (default: the system's temporary folder)",
    )
    add(
        "--spark-master",
        metavar="URL",
        help="with --engine spark: the master URL of an existing cluster, e.g. "
        "spark://host:7077 or yarn (default local[*]: Spark on this machine)",
    )
    add("--no-progress", action="store_true", help="no progress bar (for logs and CI)")
    return parser


def _parameters(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "TRANSACTIONS_PATH": args.transactions,
        "CUSTOMERS_PATH": args.customers,
        "PRODUCTS_PATH": args.products,
        "COLUMNS": parse_mapping(args.map),
        "DATE_FORMAT": args.date_format,
        "ENCODING": args.encoding,
        "SEP": args.sep,
        "DECIMAL": args.decimal,
        "THOUSANDS": args.thousands,
        "TIMEZONE": args.timezone,
        "MAX_BAD_DATES": args.max_bad_dates,
        "AS_OF": args.as_of,
        "CURRENCY": args.currency,
        "HORIZON_MONTHS": args.horizon_months,
        "DISCOUNT_RATE": args.discount_rate,
        "MARGIN": args.margin,
        "N_SEGMENTS": args.segments,
        "CHURN_WINDOW_DAYS": args.churn_window,
        "LANGUAGE": args.lang,
    }


def _inputs(
    params: Mapping[str, Any],
    settings: EngineSettings,
    engine: str,
    lines: int,
    say: Callable[[str], object],
) -> dict[str, Any]:
    """Load and clean the inputs with pandas, or in DuckDB or Spark (closed once done).

    ``lines`` is the log's :func:`estimate_lines`, for the engine's default memory limit.
    """
    if engine == "pandas":
        return load_inputs(params)
    with open_engine(settings, engine, lines) as (run, spill):
        return engine_inputs(params, run, spill=spill, say=say)


def _describe(inputs: Mapping[str, Any]) -> list[str]:
    """Say what loading and cleaning did, in a few lines for the terminal."""
    loading = inputs["loading"]
    cleaning = inputs["cleaning"]
    removed = int(cleaning.loc[cleaning["action"] == "removed", "rows"].sum())
    how = [f"encoding {loading['encoding']}"] if loading.get("encoding") else []
    if loading.get("sep"):
        how.append(f"separator {loading['sep']!r}")
    lines = [
        f"read {cleaning.attrs['rows_in']:,} lines"
        + (f" ({', '.join(how)})" if how else "")
        + f"; kept {cleaning.attrs['rows_out']:,}, removed {removed:,} (reasons in the report);"
        f" analysis date {inputs['as_of']:%Y-%m-%d}"
    ]
    lines.extend(inputs["notes"])  # unparseable dates among them, counted, with examples
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    """Run the report from the command line; return the exit code.

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments (default ``sys.argv[1:]``).

    Returns
    -------
    int
        0 on success, 1 for bad data or a failed report, 2 for bad options or a refused
        ``--out``, 130 when interrupted.
    """
    from helpers.options import command_line_words
    from helpers.report_folder import OutputFolderError, Terminated, check_output_folder

    parser = _parser()
    args = parser.parse_args(argv)
    prog = parser.prog
    with command_line_words():
        try:
            params = validate_parameters(_parameters(args))
            check_output_folder(args.out, inputs=input_paths(params))
            settings = EngineSettings(
                args.engine, args.memory_limit, args.spill_dir, args.spark_master
            ).checked()
            lines = estimate_lines(params["TRANSACTIONS_PATH"])  # once: engine, memory limit
            engine, why = choose_engine(params["TRANSACTIONS_PATH"], settings.name, lines)
        except ValueError as err:  # OutputFolderError is a ValueError too
            parser.error(_one_line(err))
        signal.signal(signal.SIGTERM, _terminate)
        signal.signal(signal.SIGINT, _interrupt)
        try:
            chosen = f"engine {engine} ({why})"
            if engine != "pandas":  # said before its steps; pandas' with what loading did
                print(f"{prog}: {chosen}", file=sys.stderr)
            with using_language(params["LANGUAGE"]):  # the loading notes in the report's words
                inputs = _inputs(
                    params,
                    settings,
                    engine,
                    lines,
                    lambda line: print(f"{prog}: {line}", file=sys.stderr, flush=True),
                )
            for line in ([chosen] if engine == "pandas" else []) + _describe(inputs):
                print(f"{prog}: {_one_line(line)}", file=sys.stderr)
            results = run_report(
                params,
                args.out,
                progress=not args.no_progress,
                inputs=inputs,
                on_wait=lambda folder: print(
                    f"{prog}: waiting for another run on {folder}", file=sys.stderr
                ),
            )
        except OutputFolderError as err:
            print(f"{prog}: error: {_one_line(err)}", file=sys.stderr)
            return 2
        except (ValueError, FileNotFoundError, UnicodeError) as err:
            print(f"{prog}: error: {_one_line(err)}", file=sys.stderr)
            return 1
        except Terminated as stop:
            _quiet_dead_kernel()
            print(f"{prog}: stopped by a signal; no report written", file=sys.stderr)
            return 128 + stop.signum
        except KeyboardInterrupt:
            _quiet_dead_kernel()
            print(f"{prog}: interrupted; no report written", file=sys.stderr)
            return 130
        except Exception as err:  # papermill's execution error names the failing cell
            name = getattr(err, "ename", type(err).__name__)
            value = getattr(err, "evalue", str(err))
            print(f"{prog}: error: the report failed: {name}: {_one_line(value)}", file=sys.stderr)
            return 1
    out = Path(args.out)
    csvs = sorted(p.name for p in (out / "campaigns").glob("*.csv"))
    print(
        f"report written to {out} in {results['seconds']:.0f} s: report.html, "
        f"strategies.csv, campaigns/ ({', '.join(csvs) or 'none'})"
    )
    return 0


def _quiet_dead_kernel() -> None:
    """Keep asyncio from printing the stopped kernel's tasks after the last message.

    A signal mid-cell stops the kernel; the client's task that waited for the cell then
    holds a "kernel died" error nobody reads, and asyncio logs it, traceback and all, when
    the task is garbage-collected at exit, after "no report written". The run is already
    reported as interrupted, so that log says nothing new.
    """
    import logging

    logging.getLogger("asyncio").disabled = True


#: The signals (SIGINT, SIGTERM) the command received. A handler's exception can be lost on
#: its way (raised inside a finaliser, or caught by a library while the notebook runs), so the
#: run also looks here before it publishes the report (:func:`_raise_signal`).
_SIGNALS: list[int] = []


def _interrupt(signum: int, frame: object) -> NoReturn:
    """Remember Ctrl-C and raise KeyboardInterrupt, as Python's own handler does."""
    _SIGNALS.append(signum)
    raise KeyboardInterrupt


def _terminate(signum: int, frame: object) -> NoReturn:
    """Unwind on SIGTERM as on Ctrl-C, so that temporary files are removed."""
    from helpers.report_folder import Terminated

    _SIGNALS.append(signum)
    raise Terminated(signum)


def _raise_signal() -> None:
    """Raise again the last signal received, if any, before anything is published."""
    from helpers.report_folder import Terminated

    if not _SIGNALS:
        return
    if _SIGNALS[-1] == signal.SIGINT:
        raise KeyboardInterrupt
    raise Terminated(_SIGNALS[-1])


_NUMPY_REPR = re.compile(r"np\.(?:int|uint|float|bool|str)\w*\((.*?)\)")


def _one_line(error: object) -> str:
    """Put the message on one line, numpy scalars written as plain values."""
    return _NUMPY_REPR.sub(r"\1", " ".join(str(error).split()))


if __name__ == "__main__":
    sys.exit(main())

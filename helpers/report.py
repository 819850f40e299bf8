r"""The customer value report: run ``notebooks/11_customer_value_report.ipynb`` on your data.

    python -m helpers.report --transactions orders.csv --out build/report
    python -m helpers.report --transactions orders.csv --customers customers.csv \
        --map Order=invoice_id When=invoice_date Client=customer_id SKU=product_id \
              Qty=quantity Price=unit_price --date-format "%d/%m/%Y %H:%M" --as-of 2024-07-01

The command checks the parameters and the input files first and stops with a one-line message
(exit code 2 for a bad option, 1 for bad data) before anything is written. It then executes
the report notebook with papermill (with a progress bar), renders it to ``report.html``
without code (nbconvert) and writes the campaign lists as CSV files. Everything is written to
a temporary folder next to ``--out`` and renamed into place at the end, so a failed or
interrupted run leaves no half-written report.

Output folder::

    report.html          the report, figures included, no code
    report.ipynb         the executed notebook (with code), for whoever wants to dig deeper
    strategies.csv       one row per customer: tier, segment, P(churn), CLV, strategy, reason
    campaigns/*.csv      retention, cross_sell, expansion, birthday, promotion (when the data
                         allows: birthdays need a customers table, promotions a products table)
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, NoReturn

import pandas as pd

from helpers import schema as s
from helpers.export import file_creation_mask

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
NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "11_customer_value_report.ipynb"

#: The report's parameters and their defaults (the notebook's ``parameters`` cell holds the
#: same; a test keeps them equal).
DEFAULTS: dict[str, Any] = {
    "TRANSACTIONS_PATH": None,
    "CUSTOMERS_PATH": None,
    "PRODUCTS_PATH": None,
    "COLUMNS": {},
    "DATE_FORMAT": None,
    "AS_OF": None,
    "CURRENCY": "£",
    "HORIZON_MONTHS": 12,
    "DISCOUNT_RATE": 0.10,
    "MARGIN": 0.30,
    "N_SEGMENTS": 5,
    "CHURN_WINDOW_DAYS": 90,
    "OUTPUT_DIR": None,
}

#: Canonical names a file's column can be mapped to.
CANONICAL: tuple[str, ...] = (
    *s.TRANSACTION_COLUMNS,
    s.DESCRIPTION,
    s.COUNTRY,
)

#: Columns a customers or products file needs.
CUSTOMER_COLUMNS: tuple[str, ...] = (s.CUSTOMER_ID,)
PRODUCT_COLUMNS: tuple[str, ...] = (s.PRODUCT_ID, s.UNIT_PRICE, s.UNIT_COST, s.STOCK_ON_HAND)


# --- parameters and inputs -----------------------------------------------------------------------


def parse_mapping(items: Sequence[str]) -> dict[str, str]:
    """Parse ``source=canonical`` pairs into a column mapping.

    Parameters
    ----------
    items : sequence of str
        E.g. ``["Order=invoice_id", "When=invoice_date"]``.

    Returns
    -------
    dict
        ``{"Order": "invoice_id", ...}``.

    Raises
    ------
    ValueError
        For a pair without ``=``, an empty side, or a target that is not a canonical name.
    """
    mapping: dict[str, str] = {}
    for item in items:
        source, sep, target = item.partition("=")
        if not sep or not source.strip() or not target.strip():
            raise ValueError(f"--map {item!r}: expected source=canonical, e.g. Order=invoice_id")
        if target.strip() not in CANONICAL:
            raise ValueError(
                f"--map {item!r}: {target.strip()!r} is not a canonical column; "
                f"choose one of {', '.join(CANONICAL)}"
            )
        mapping[source.strip()] = target.strip()
    return mapping


def _positive(params: Mapping[str, Any], name: str, *, integer: bool = False) -> None:
    value = params[name]
    ok = isinstance(value, int | float) and not isinstance(value, bool) and value > 0
    if ok and integer:
        ok = float(value).is_integer()
    if not ok:
        kind = "a whole number" if integer else "a number"
        raise ValueError(f"parameter {name} must be {kind} > 0; got {value!r}")


def validate_parameters(parameters: Mapping[str, Any]) -> dict[str, Any]:
    """Check the report's parameters and fill in the defaults.

    Parameters
    ----------
    parameters : mapping
        Parameter name -> value (names of :data:`DEFAULTS`).

    Returns
    -------
    dict
        All parameters, defaults filled in, paths absolute, ``AS_OF`` a date string or None.

    Raises
    ------
    ValueError
        For an unknown parameter, a missing or absent file, a bad number, an unknown
        canonical name in ``COLUMNS`` or an unreadable ``AS_OF``; the message names the
        parameter, the rule and the value.
    """
    unknown = sorted(set(parameters) - set(DEFAULTS))
    if unknown:
        raise ValueError(
            f"unknown parameter {unknown[0]!r}; the report takes {', '.join(DEFAULTS)}"
        )
    params = {**DEFAULTS, **parameters}
    if params["TRANSACTIONS_PATH"] is None:
        raise ValueError("parameter TRANSACTIONS_PATH is required (the order-lines CSV)")
    for name in ("TRANSACTIONS_PATH", "CUSTOMERS_PATH", "PRODUCTS_PATH"):
        if params[name] is not None:
            path = Path(params[name]).expanduser().resolve()
            if not path.is_file():
                raise ValueError(f"parameter {name}: no file at {path}")
            params[name] = str(path)
    columns = params["COLUMNS"] or {}
    if not isinstance(columns, Mapping):
        raise ValueError(
            f"parameter COLUMNS must be a mapping source -> canonical; got {columns!r}"
        )
    parse_mapping([f"{k}={v}" for k, v in columns.items()])
    params["COLUMNS"] = dict(columns)
    for name in ("HORIZON_MONTHS", "N_SEGMENTS", "CHURN_WINDOW_DAYS"):
        _positive(params, name, integer=True)
        params[name] = int(params[name])
    if params["N_SEGMENTS"] < 2:
        raise ValueError(f"parameter N_SEGMENTS must be at least 2; got {params['N_SEGMENTS']}")
    for name in ("DISCOUNT_RATE", "MARGIN"):
        value = params[name]
        if not isinstance(value, int | float) or isinstance(value, bool) or not 0 <= value <= 1:
            raise ValueError(f"parameter {name} must be a share between 0 and 1; got {value!r}")
    if params["MARGIN"] == 0:
        raise ValueError("parameter MARGIN must be above 0 (a share of spend, e.g. 0.3)")
    if params["AS_OF"] is not None:
        try:
            as_of = pd.Timestamp(params["AS_OF"])
        except (TypeError, ValueError):
            as_of = pd.NaT
        if pd.isna(as_of):
            raise ValueError(
                f"parameter AS_OF must be a date like 2011-12-01; got {params['AS_OF']!r}"
            )
        params["AS_OF"] = as_of.isoformat()
    if not isinstance(params["CURRENCY"], str):
        raise ValueError(f"parameter CURRENCY must be text, e.g. '£'; got {params['CURRENCY']!r}")
    return params


def _read_table(path: str, columns: Sequence[str], table: str) -> pd.DataFrame:
    from helpers.checks import require_columns

    try:
        df = pd.read_csv(path, dtype={s.CUSTOMER_ID: str, s.PRODUCT_ID: str})
    except pd.errors.EmptyDataError:
        raise ValueError(f"{path}: the {table} file is empty (no header, no rows)") from None
    require_columns(df, columns, f"{table} file {path}")
    return df


def load_inputs(params: Mapping[str, Any]) -> dict[str, Any]:
    """Load and check the report's inputs: order lines, optional customers and products.

    Parameters
    ----------
    params : mapping
        Validated parameters (:func:`validate_parameters`).

    Returns
    -------
    dict
        ``raw`` (order lines as loaded), ``clean`` and ``cleaning`` (the cleaning report),
        ``customers`` and ``products`` (None when not given), ``as_of`` (Timestamp).

    Raises
    ------
    ValueError
        For an empty file, a missing column, dates that do not parse, no clean order line,
        or an ``AS_OF`` that leaves no history before it (it must be after the first order
        line plus the churn window).
    """
    from helpers.cleaning import clean_transactions
    from helpers.datasets import load_transactions
    from helpers.rfm import default_as_of

    raw = load_transactions(
        params["TRANSACTIONS_PATH"], params["COLUMNS"], date_format=params["DATE_FORMAT"]
    )
    clean, cleaning = clean_transactions(raw)
    if clean.empty:
        raise ValueError(f"{params['TRANSACTIONS_PATH']}: no order line survives cleaning")
    first = clean[s.INVOICE_DATE].min()
    as_of = pd.Timestamp(params["AS_OF"]) if params["AS_OF"] else default_as_of(clean)
    window = pd.Timedelta(days=params["CHURN_WINDOW_DAYS"])
    if as_of <= first:
        raise ValueError(
            f"AS_OF {as_of:%Y-%m-%d} is before any data: the first order line is dated "
            f"{first:%Y-%m-%d}"
        )
    if as_of - window <= first:
        raise ValueError(
            f"AS_OF {as_of:%Y-%m-%d} minus the churn window of {params['CHURN_WINDOW_DAYS']} "
            f"days is not after the first order line ({first:%Y-%m-%d}): no history to learn "
            "churn from; choose a later AS_OF or a shorter churn window"
        )
    customers = products = None
    if params["CUSTOMERS_PATH"]:
        customers = _read_table(params["CUSTOMERS_PATH"], CUSTOMER_COLUMNS, "customers")
        for column in (s.BIRTH_DATE, s.SIGNUP_DATE):
            if column in customers:
                customers[column] = pd.to_datetime(customers[column], errors="coerce")
    if params["PRODUCTS_PATH"]:
        products = _read_table(params["PRODUCTS_PATH"], PRODUCT_COLUMNS, "products")
    return {
        "raw": raw,
        "clean": clean,
        "cleaning": cleaning,
        "customers": customers,
        "products": products,
        "as_of": as_of,
    }


# --- running -------------------------------------------------------------------------------------


def render_html(executed: str | os.PathLike, target: str | os.PathLike) -> Path:
    """Render an executed notebook to HTML without code (cells tagged ``remove_cell`` dropped).

    Parameters
    ----------
    executed : str or path-like
        The executed notebook.
    target : str or path-like
        The HTML file to write.

    Returns
    -------
    pathlib.Path
    """
    import nbformat
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor
    from traitlets.config import Config

    config = Config()
    config.TagRemovePreprocessor.remove_cell_tags = ("remove_cell",)
    exporter = HTMLExporter(
        config=config,
        template_name="lab",
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    exporter.register_preprocessor(TagRemovePreprocessor(config=config), enabled=True)
    body, _ = exporter.from_notebook_node(nbformat.read(executed, as_version=4))
    target = Path(target)
    target.write_text(body, encoding="utf-8")
    return target


def _swap_into_place(built: Path, out: Path) -> None:
    """Rename the finished folder to ``out``, replacing an earlier report there."""
    old = None
    if out.exists():
        old = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.old-"))
        os.replace(out, old / out.name)
    os.replace(built, out)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def run_report(
    parameters: Mapping[str, Any],
    out: str | os.PathLike,
    *,
    progress: bool = True,
    notebook: str | os.PathLike = NOTEBOOK,
) -> dict[str, Any]:
    """Check the inputs, run the report notebook and write the report folder atomically.

    Parameters
    ----------
    parameters : mapping
        Report parameters (:data:`DEFAULTS`); ``OUTPUT_DIR`` is set here.
    out : str or path-like
        The report folder to create (an earlier report there is replaced at the end).
    progress : bool, default True
        Show papermill's progress bar.
    notebook : str or path-like
        The report notebook.

    Returns
    -------
    dict
        What the notebook recorded (:func:`helpers.notebook.read_results`), plus ``seconds``.

    Raises
    ------
    ValueError
        For bad parameters or inputs (before anything is written).
    papermill.PapermillExecutionError
        If a cell of the report fails (nothing is written).
    """
    from helpers.notebook import run_notebook

    started = time.perf_counter()
    params = validate_parameters({k: v for k, v in parameters.items() if k != "OUTPUT_DIR"})
    load_inputs(params)  # fail fast, before a kernel starts or a file is written
    out = Path(out).expanduser().resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.tmp-"))
    building.chmod(0o777 & ~file_creation_mask())  # mkdtemp makes the folder private
    try:
        params["OUTPUT_DIR"] = str(building)
        results = run_notebook(notebook, building / "report.ipynb", params, progress=progress)
        render_html(building / "report.ipynb", building / "report.html")
        _swap_into_place(building, out)
    finally:
        shutil.rmtree(building, ignore_errors=True)
    return {**results, "seconds": round(time.perf_counter() - started, 1)}


# --- command line --------------------------------------------------------------------------------


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line on stderr, exit code 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="python -m helpers.report",
        description="Run the customer value report on an order-lines CSV: cleaning, KPIs, "
        "tiers, RFM segments, CLV, churn risk, strategies and campaign lists, as HTML and CSV.",
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
        help="order lines, CSV or CSV.gz, one row per product on an invoice (required)",
    )
    add(
        "--customers",
        metavar="FILE",
        help="customers CSV with customer_id (and birth_date, email, marketing_opt_in for the "
        "birthday campaign; optional)",
    )
    add(
        "--products",
        metavar="FILE",
        help="products CSV with product_id, unit_price, unit_cost, stock_on_hand (enables the "
        "promotion plan; optional)",
    )
    add(
        "--map",
        nargs="+",
        action="extend",
        default=[],
        metavar="SOURCE=CANONICAL",
        help="rename a column of the transactions file to a canonical name: "
        f"{', '.join(CANONICAL)} (repeatable)",
    )
    add(
        "--date-format",
        metavar="FORMAT",
        help="strftime format of the dates, e.g. '%%d/%%m/%%Y %%H:%%M' (default ISO 8601)",
    )
    add(
        "--as-of",
        metavar="DATE",
        help="analysis date (exclusive); default midnight after the last order line",
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
        help="gross margin as a share of spend (default 0.30)",
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
        help="report folder, replaced atomically at the end (default build/report)",
    )
    add("--no-progress", action="store_true", help="no progress bar (for logs and CI)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the report from the command line; return the exit code.

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments (default ``sys.argv[1:]``).

    Returns
    -------
    int
        0 on success, 1 for bad data or a failed report, 2 for bad options.
    """
    parser = _parser()
    args = parser.parse_args(argv)
    prog = parser.prog
    try:
        mapping = parse_mapping(args.map)
        params = validate_parameters(
            {
                "TRANSACTIONS_PATH": args.transactions,
                "CUSTOMERS_PATH": args.customers,
                "PRODUCTS_PATH": args.products,
                "COLUMNS": mapping,
                "DATE_FORMAT": args.date_format,
                "AS_OF": args.as_of,
                "CURRENCY": args.currency,
                "HORIZON_MONTHS": args.horizon_months,
                "DISCOUNT_RATE": args.discount_rate,
                "MARGIN": args.margin,
                "N_SEGMENTS": args.segments,
                "CHURN_WINDOW_DAYS": args.churn_window,
            }
        )
    except ValueError as err:
        parser.error(str(err))
    try:
        results = run_report(params, args.out, progress=not args.no_progress)
    except (ValueError, FileNotFoundError) as err:
        print(f"{prog}: error: {_one_line(err)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
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


def _one_line(error: object) -> str:
    return " ".join(str(error).split())


if __name__ == "__main__":
    sys.exit(main())

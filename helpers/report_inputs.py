"""The report's parameters and inputs: checked once, loaded once, cleaned once.

:func:`validate_parameters` checks every parameter before a byte of data is read;
:func:`load_inputs` reads the order lines (any export: see
:func:`helpers.datasets.load_transactions`), fixes the analysis date, sets aside the lines
dated on or after it, cleans the rest and reads the optional customers and products tables
with the same id rule. The command line (:mod:`helpers.report`) does this once, in its own
process, and hands the result to the report notebook as a file (:func:`save_inputs`,
:func:`prepared_inputs`), so a run never loads or cleans twice.

The analysis date
-----------------
``AS_OF`` is exclusive: lines at or after it are never used, for anything. They are counted
and shown as "dated on or after the analysis date" in the cleaning table, and they are set
aside *before* cleaning, so that a return dated after ``AS_OF`` is not netted against a
purchase before it: a run with ``AS_OF = D`` on a whole file gives the same report as a run
on the file cut at ``D``.

Without ``AS_OF`` the analysis date is midnight after the last plausible order line
(:func:`analysis_end`): a handful of typing errors dated far in the future (2204 for 2024)
cannot move it. Lines after it are counted, listed with examples, and set aside.
"""

from __future__ import annotations

import codecs
import datetime as dt
import glob
import pickle
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from helpers import schema as s
from helpers.dates import to_timestamp
from helpers.options import option
from helpers.translation import check_language
from helpers.translation import gettext as _
from helpers.value_formulas import check_discount_rate, check_horizon_months, check_margin_rate

__all__ = [
    "CANONICAL",
    "DEFAULTS",
    "FUTURE_GAP_DAYS",
    "FUTURE_SHARE",
    "analysis_end",
    "load_inputs",
    "parse_mapping",
    "prepared_inputs",
    "save_inputs",
    "validate_parameters",
]

#: The report's parameters and their defaults (the notebook's ``parameters`` cell holds the
#: same; a test keeps them equal).
DEFAULTS: dict[str, Any] = {
    "TRANSACTIONS_PATH": None,
    "CUSTOMERS_PATH": None,
    "PRODUCTS_PATH": None,
    "COLUMNS": {},
    "DATE_FORMAT": None,
    "ENCODING": None,
    "SEP": None,
    "DECIMAL": ".",
    "THOUSANDS": None,
    "TIMEZONE": None,
    "MAX_BAD_DATES": 0.01,
    "AS_OF": None,
    "CURRENCY": "£",
    "HORIZON_MONTHS": 12,
    "DISCOUNT_RATE": 0.10,
    "MARGIN": None,
    "N_SEGMENTS": 5,
    "CHURN_WINDOW_DAYS": 90,
    "LANGUAGE": "en",
    "OUTPUT_DIR": None,
    "PREPARED_PATH": None,
}

#: Canonical names a file's column can be mapped to.
CANONICAL: tuple[str, ...] = (
    *s.TRANSACTION_COLUMNS,
    s.AMOUNT,
    s.DESCRIPTION,
    s.COUNTRY,
    s.SUBSCRIPTION_ID,
)

#: Columns a customers or products file needs.
CUSTOMER_COLUMNS: tuple[str, ...] = (s.CUSTOMER_ID,)
PRODUCT_COLUMNS: tuple[str, ...] = (s.PRODUCT_ID, s.UNIT_PRICE, s.UNIT_COST, s.STOCK_ON_HAND)

#: A tail of order lines at least this many days after the rest is a typing error...
FUTURE_GAP_DAYS: int = 60
#: ... when it holds at most this share of the dated lines (and at least one line).
FUTURE_SHARE: float = 0.001

#: The parameters of :data:`_ARGUMENT` that are not the reader's.
_NOT_READING = ("AS_OF", "LANGUAGE")

#: Parameter -> library argument, for messages in the caller's words.
_ARGUMENT = {
    "DATE_FORMAT": "date_format",
    "ENCODING": "encoding",
    "SEP": "sep",
    "DECIMAL": "decimal",
    "THOUSANDS": "thousands",
    "TIMEZONE": "timezone",
    "MAX_BAD_DATES": "max_bad_dates",
    "AS_OF": "as_of",
    "LANGUAGE": "lang",
}


def _name(parameter: str) -> str:
    """Name the parameter as the caller types it (``--date-format`` or ``DATE_FORMAT``)."""
    argument = _ARGUMENT.get(parameter)
    if argument is None:
        return f"parameter {parameter}"
    flag = option(argument)
    return flag if flag.startswith("--") else f"parameter {parameter}"


# --- parameters ----------------------------------------------------------------------------------


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
        For a pair without ``=``, an empty side, a target that is not a canonical name, a
        source given twice, or two sources mapped to one canonical name.
    """
    mapping: dict[str, str] = {}
    for item in items:
        source, sep, target = item.partition("=")
        source, target = source.strip(), target.strip()
        if not sep or not source or not target:
            raise ValueError(f"--map {item!r}: expected source=canonical, e.g. Order=invoice_id")
        if target not in CANONICAL:
            raise ValueError(
                f"--map {item!r}: {target!r} is not a canonical column; "
                f"choose one of {', '.join(CANONICAL)}"
            )
        if source in mapping:
            raise ValueError(f"--map {item!r}: column {source!r} is mapped twice")
        twin = next((k for k, v in mapping.items() if v == target), None)
        if twin is not None:
            raise ValueError(
                f"--map {item!r}: {twin!r} is already mapped to {target!r}; "
                "one file column per canonical name"
            )
        mapping[source] = target
    return mapping


def _positive(params: Mapping[str, Any], name: str, *, integer: bool = False) -> None:
    value = params[name]
    ok = isinstance(value, int | float) and not isinstance(value, bool) and value > 0
    if ok and integer:
        ok = float(value).is_integer()
    if not ok:
        kind = "a whole number" if integer else "a number"
        raise ValueError(f"parameter {name} must be {kind} > 0; got {value!r}")


def _check_date_format(value: object) -> None:
    if value is None or value == "excel":
        return
    if not isinstance(value, str) or "%" not in value:
        raise ValueError(
            f"{_name('DATE_FORMAT')} must be a strftime format such as '%d/%m/%Y %H:%M' or "
            f"'excel' (serial day numbers); got {value!r}"
        )
    moment = dt.datetime(2024, 3, 15, 13, 45, 30)
    try:
        dt.datetime.strptime(moment.strftime(value), value)
    except ValueError as err:
        raise ValueError(
            f"{_name('DATE_FORMAT')} {value!r} is not a usable strftime format ({err}); "
            "e.g. '%d/%m/%Y %H:%M'"
        ) from None


def _check_text_options(params: dict[str, Any]) -> None:
    encoding = params["ENCODING"]
    if encoding is not None:
        try:
            params["ENCODING"] = codecs.lookup(str(encoding)).name
        except LookupError:
            raise ValueError(
                f"{_name('ENCODING')} {encoding!r} is not an encoding Python knows; e.g. "
                "utf-8, gb18030, cp1252, utf-16"
            ) from None
    sep = params["SEP"]
    if sep is not None:
        sep = {"tab": "\t", "\\t": "\t"}.get(sep, sep)
        if not isinstance(sep, str) or len(sep) != 1 or sep in '\r\n"':
            raise ValueError(f"{_name('SEP')} must be one character, e.g. ';' or tab; got {sep!r}")
        params["SEP"] = sep
    if params["DECIMAL"] not in {".", ","}:
        raise ValueError(f"{_name('DECIMAL')} must be '.' or ','; got {params['DECIMAL']!r}")
    thousands = params["THOUSANDS"]
    if thousands is not None:
        if not isinstance(thousands, str) or len(thousands) != 1:
            raise ValueError(
                f"{_name('THOUSANDS')} must be one character, e.g. ',' or '.'; got {thousands!r}"
            )
        if thousands == params["DECIMAL"]:
            raise ValueError(
                f"{_name('THOUSANDS')} and {_name('DECIMAL')} are both {thousands!r}: a number "
                "like 1,234 could not be read"
            )
    timezone = params["TIMEZONE"]
    if timezone is not None:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(str(timezone))
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"{_name('TIMEZONE')} {timezone!r} is not a time zone name; e.g. Europe/London, "
                "Asia/Shanghai, UTC"
            ) from None
    share = params["MAX_BAD_DATES"]
    if share is not None and (
        not isinstance(share, int | float) or isinstance(share, bool) or not 0 <= share <= 1
    ):
        raise ValueError(
            f"{_name('MAX_BAD_DATES')} must be a share between 0 and 1 (0.01 = 1%); got {share!r}"
        )


def validate_parameters(parameters: Mapping[str, Any]) -> dict[str, Any]:
    """Check the report's parameters and fill in the defaults; no data are read.

    Parameters
    ----------
    parameters : mapping
        Parameter name -> value (names of :data:`DEFAULTS`).

    Returns
    -------
    dict
        All parameters, defaults filled in, paths absolute, ``AS_OF`` a date string or None,
        ``ENCODING`` Python's name of the encoding, ``SEP`` one character.

    Raises
    ------
    ValueError
        For an unknown parameter, a missing or absent file, a bad number, an unknown
        canonical name in ``COLUMNS``, an unusable date format, encoding, separator or time
        zone, or an unreadable ``AS_OF``; the message names the parameter (as the caller
        types it), the rule and the value.
    """
    unknown = sorted(set(parameters) - set(DEFAULTS))
    if unknown:
        raise ValueError(
            f"unknown parameter {unknown[0]!r}; the report takes {', '.join(DEFAULTS)}"
        )
    params = {**DEFAULTS, **parameters}
    if params["TRANSACTIONS_PATH"] is None:
        raise ValueError("parameter TRANSACTIONS_PATH is required (the order-lines file)")
    for name in ("TRANSACTIONS_PATH", "CUSTOMERS_PATH", "PRODUCTS_PATH"):
        if params[name] is not None:
            path = Path(params[name]).expanduser()
            if name == "TRANSACTIONS_PATH" and glob.has_magic(str(path)):
                if not glob.glob(str(path)):  # an SQL engine reads every file it matches
                    raise ValueError(f"parameter {name}: no file matches {str(path)!r}")
                params[name] = str(path.absolute())
                continue
            path = path.resolve()
            folder = name == "TRANSACTIONS_PATH" and path.is_dir()  # an engine's folder of files
            if not (path.is_file() or folder):
                raise ValueError(f"parameter {name}: no file at {path}")
            params[name] = str(path)
    columns = params["COLUMNS"] or {}
    if not isinstance(columns, Mapping):
        raise ValueError(
            f"parameter COLUMNS must be a mapping source -> canonical; got {columns!r}"
        )
    params["COLUMNS"] = parse_mapping([f"{k}={v}" for k, v in columns.items()])
    for name in ("HORIZON_MONTHS", "N_SEGMENTS", "CHURN_WINDOW_DAYS"):
        _positive(params, name, integer=True)
        params[name] = int(params[name])
    if params["N_SEGMENTS"] < 2:
        raise ValueError(f"parameter N_SEGMENTS must be at least 2; got {params['N_SEGMENTS']}")
    check_horizon_months(params["HORIZON_MONTHS"], "parameter HORIZON_MONTHS")
    # the library's rules (helpers.value_formulas): the report accepts what the functions do
    for name, rule in (("DISCOUNT_RATE", check_discount_rate), ("MARGIN", check_margin_rate)):
        value = params[name]
        if name == "MARGIN" and value is None:  # measured from the products' unit costs
            continue
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise ValueError(f"parameter {name} must be a number; got {value!r}")
        rule(value, f"parameter {name}")
    _check_date_format(params["DATE_FORMAT"])
    _check_text_options(params)
    params["LANGUAGE"] = check_language(params["LANGUAGE"], _name("LANGUAGE"))
    if params["AS_OF"] is not None:
        try:
            as_of = to_timestamp(params["AS_OF"], "AS_OF")
        except ValueError:
            as_of = pd.NaT
        if pd.isna(as_of) or as_of.tz is not None:
            raise ValueError(
                f"{_name('AS_OF')} must be a date like 2011-12-01 (no time zone); "
                f"got {params['AS_OF']!r}"
            )
        params["AS_OF"] = as_of.isoformat()
    if not isinstance(params["CURRENCY"], str):
        raise ValueError(f"parameter CURRENCY must be text, e.g. '£'; got {params['CURRENCY']!r}")
    return params


# --- the analysis date ---------------------------------------------------------------------------


def analysis_end(
    dates: pd.Series,
    *,
    gap_days: int = FUTURE_GAP_DAYS,
    share: float = FUTURE_SHARE,
) -> tuple[pd.Timestamp, np.ndarray]:
    """Return the default analysis date and which lines are implausibly far in the future.

    Sorted by date, the last lines form an *isolated tail* when at least ``gap_days`` days
    separate them from the line before and they are at most ``share`` of the dated lines
    (at least one line): typing errors such as 2204-01-01 for 2024-01-01. The analysis date
    is midnight after the last line that is not in such a tail.

    Parameters
    ----------
    dates : pandas.Series
        Order-line dates (datetime64; NaT ignored).
    gap_days : int, default :data:`FUTURE_GAP_DAYS`
        The smallest gap that isolates a tail.
    share : float, default :data:`FUTURE_SHARE`
        The largest share of dated lines a tail may hold.

    Returns
    -------
    as_of : pandas.Timestamp
        Midnight after the last plausible line.
    ignored : numpy.ndarray of bool
        True for the lines of the isolated tail (they are at or after ``as_of``).

    Raises
    ------
    ValueError
        If no line has a date.
    """
    values = dates.to_numpy(dtype="datetime64[ns]")
    dated = values[~np.isnat(values)]
    ordered = np.sort(dated)
    as_of = plausible_end(ordered[-(tail_size(len(ordered), share) + 1) :], len(ordered), gap_days)
    ignored = ~np.isnat(values) & (values >= as_of.to_datetime64())
    return as_of, ignored


def tail_size(n_dated: int, share: float = FUTURE_SHARE) -> int:
    """Return the most lines an isolated tail of ``n_dated`` dated lines may hold (>= 1).

    :func:`plausible_end` needs the last ``tail_size + 1`` dates only, which an SQL engine
    returns without sorting them all.
    """
    return min(max(n_dated - 1, 0), max(1, int(share * n_dated)))


def plausible_end(
    last_dates: np.ndarray, n_dated: int, gap_days: int = FUTURE_GAP_DAYS
) -> pd.Timestamp:
    """Return midnight after the last line that is not in an isolated tail (see analysis_end).

    Parameters
    ----------
    last_dates : numpy.ndarray
        The last ``tail_size(n_dated) + 1`` dates of the dated lines, sorted ascending
        (datetime64).
    n_dated : int
        How many lines have a date.
    gap_days : int, default :data:`FUTURE_GAP_DAYS`

    Returns
    -------
    pandas.Timestamp

    Raises
    ------
    ValueError
        If no line has a date.
    """
    if not n_dated:
        raise ValueError(f"column {s.INVOICE_DATE!r} has no date at all")
    ordered = np.asarray(last_dates, dtype="datetime64[ns]")
    gap = np.timedelta64(gap_days, "D")
    last = ordered[-1]
    for tail in range(len(ordered) - 1, 0, -1):  # the longest isolated tail wins
        if ordered[-tail] - ordered[-tail - 1] >= gap:
            last = ordered[-tail - 1]
            break
    return pd.Timestamp(last).normalize() + pd.Timedelta(days=1)


# --- inputs --------------------------------------------------------------------------------------


def _read_table(path: str, columns: Sequence[str], table: str, params: Mapping[str, Any]):
    """Read a customers or products file with the order lines' text options and id rule."""
    from helpers.checks import require_columns
    from helpers.identifiers import normalise_ids
    from helpers.parsing import parse_numbers
    from helpers.reading import read_table

    df = read_table(path, encoding=params["ENCODING"], sep=params["SEP"])
    require_columns(df, columns, f"{table} file {path}")
    for column, kind in ((s.CUSTOMER_ID, "customer"), (s.PRODUCT_ID, "product")):
        if column in df:
            df[column] = normalise_ids(df[column], kind)
    for column in (s.UNIT_PRICE, s.UNIT_COST, s.STOCK_ON_HAND):
        if column in df:
            df[column], _ = parse_numbers(
                df[column],
                decimal=params["DECIMAL"],
                thousands=params["THOUSANDS"],
                label=f"{table} file {path}: column {column!r}",
            )
    ids = {s.CUSTOMER_ID, s.PRODUCT_ID, s.UNIT_PRICE, s.UNIT_COST, s.STOCK_ON_HAND}
    for column in df.columns.difference(sorted(ids)):
        if not pd.api.types.is_numeric_dtype(df[column]):
            numbers = pd.to_numeric(df[column], errors="coerce")
            if numbers.notna().sum() == df[column].notna().sum() > 0:  # a column of numbers
                df[column] = numbers
    for column in (s.BIRTH_DATE, s.SIGNUP_DATE):
        if column in df:
            df[column] = pd.to_datetime(df[column], errors="coerce", format="ISO8601")
    for consent in (s.MARKETING_OPT_IN, s.SMS_OPT_IN, s.WECHAT_OPT_IN):
        if consent in df and not pd.api.types.is_bool_dtype(df[consent]):
            text = df[consent].astype("str").str.strip().str.lower()
            df[consent] = text.isin({"true", "1", "yes", "y", "t"})  # consent only when said
    return df


def _set_aside(raw: pd.DataFrame, after: np.ndarray, cleaning: pd.DataFrame) -> pd.DataFrame:
    """Add the lines dated on or after the analysis date to the cleaning report."""
    if s.QUANTITY in raw and s.UNIT_PRICE in raw:
        revenue = raw[s.QUANTITY].to_numpy(dtype=float) * raw[s.UNIT_PRICE].to_numpy(dtype=float)
        revenue = float(np.nan_to_num(revenue[after]).sum())
    else:
        revenue = 0.0
    return with_set_aside(cleaning, int(after.sum()), revenue)


def with_set_aside(cleaning: pd.DataFrame, rows: int, revenue: float) -> pd.DataFrame:
    """Return the cleaning report with the lines set aside (dated on or after as_of) first.

    Parameters
    ----------
    cleaning : pandas.DataFrame
        The cleaning report of the lines before the analysis date.
    rows : int
        The lines set aside.
    revenue : float
        Their revenue (quantity x unit price, missing counted as 0).

    Returns
    -------
    pandas.DataFrame
        The report; ``rows_in`` and ``revenue_in`` count the lines set aside too.
    """
    row = pd.DataFrame(
        [
            {
                "reason": "dated on or after the analysis date",
                "action": "removed",
                "rows": rows,
                "revenue": revenue,
            }
        ]
    )
    report = pd.concat([row, cleaning], ignore_index=True)
    report["rows"] = report["rows"].astype(np.int64)
    report.attrs = dict(cleaning.attrs)
    report.attrs["rows_in"] = cleaning.attrs["rows_in"] + rows
    report.attrs["revenue_in"] = cleaning.attrs["revenue_in"] + revenue
    return report


def dating_notes(
    as_of: pd.Timestamp, after: int, future: int, examples: Sequence[tuple[int, pd.Timestamp]]
) -> tuple[str, list[str]]:
    """Return the examples of the lines set aside, as text, and the note that says so.

    Parameters
    ----------
    as_of : pandas.Timestamp
        The analysis date.
    after : int
        Lines dated on or after it.
    future : int
        Of those, the typing errors far in the future (``AS_OF`` not given), else 0.
    examples : sequence of (int, pandas.Timestamp)
        Up to three of them: their position among the data rows (from 0) and date.

    Returns
    -------
    examples : str
    notes : list of str
        One note, or none when no line was set aside.
    """
    shown = _("; ").join(  # data rows counted from 1
        _("row {row} dated {date:%Y-%m-%d}").format(row=int(i) + 1, date=d) for i, d in examples
    )
    if future:
        note = _(
            "{n:,} order line(s) dated far after all the others were ignored as typing "
            "errors ({examples}); the analysis date is midnight after the last plausible "
            "line, {as_of:%Y-%m-%d}"
        ).format(n=future, examples=shown, as_of=as_of)
    elif after:
        note = _(
            "{n:,} order line(s) dated on or after the analysis date {as_of:%Y-%m-%d} were "
            "set aside ({examples})"
        ).format(n=after, as_of=as_of, examples=shown)
    else:
        return shown, []
    return shown, [note]


def check_clean(
    path: str,
    cleaning: pd.DataFrame,
    two_customers: Sequence[object],
    first: pd.Timestamp,
    as_of: pd.Timestamp,
    window_days: int,
) -> None:
    """Refuse clean lines the report cannot use, naming what is missing.

    Parameters
    ----------
    path : str
        The order log, for the messages.
    cleaning : pandas.DataFrame
        The cleaning report (``rows_out`` in its ``attrs``).
    two_customers : sequence
        Up to two distinct customer ids of the clean lines.
    first : pandas.Timestamp
        The first clean line's date (NaT without clean lines).
    as_of : pandas.Timestamp
        The analysis date.
    window_days : int
        The churn window.

    Raises
    ------
    ValueError
        For no clean line, one customer, or no history before the churn window.
    """
    if not cleaning.attrs["rows_out"]:
        raise ValueError(
            f"{path}: no order line survives cleaning; removed: "
            + ", ".join(
                f"{r.rows:,} {r.reason}" for r in cleaning.itertuples() if r.rows and r.action
            )
        )
    if len(two_customers) < 2:
        raise ValueError(
            f"{path}: the clean order lines hold one customer "
            f"({two_customers[0]!r}); tiers, segments, churn and CLV compare customers with "
            "each other: give the order lines of more customers"
        )
    window = pd.Timedelta(days=window_days)
    if as_of <= first:
        raise ValueError(
            f"{option('as_of', f'{as_of:%Y-%m-%d}')} is before any data: the first clean order "
            f"line is dated {first:%Y-%m-%d}"
        )
    if as_of - window <= first:
        raise ValueError(
            f"the analysis date {as_of:%Y-%m-%d} minus the churn window of "
            f"{window_days} days is not after the first clean order line "
            f"({first:%Y-%m-%d}): no history to learn churn from; choose a later analysis date "
            "or a shorter churn window"
        )


def reading(params: Mapping[str, Any]) -> dict[str, Any]:
    """Return the keywords of the order log's reader from the parameters.

    Parameters
    ----------
    params : mapping
        Validated parameters.

    Returns
    -------
    dict
        ``date_format``, ``encoding``, ``sep``, ``decimal``, ``thousands``, ``timezone`` and
        ``max_bad_dates`` (:func:`helpers.order_log.load_transactions`,
        :func:`helpers.scale_load.load_lines`).
    """
    return {
        argument: params[name] for name, argument in _ARGUMENT.items() if name not in _NOT_READING
    }


def table_settings(
    params: Mapping[str, Any],
    products: pd.DataFrame | None,
    customers: pd.DataFrame | None,
    has_products: bool,
) -> dict[str, Any]:
    """Return the keywords of the report's tables (pandas' or an engine's ``report_tables``).

    Parameters
    ----------
    params : mapping
        Validated parameters.
    products, customers : pandas.DataFrame or None
        The optional tables (:func:`read_tables`).
    has_products : bool
        Whether the order lines name their products.

    Returns
    -------
    dict
        ``window_days``, ``margin``, ``products``, ``customers``, ``has_products``.
    """
    return {
        "window_days": params["CHURN_WINDOW_DAYS"],
        "margin": params["MARGIN"],
        "products": products,
        "customers": customers,
        "has_products": has_products,
    }


def read_tables(params: Mapping[str, Any]) -> tuple[pd.DataFrame | None, pd.DataFrame | None]:
    """Read the optional customers and products files (None when not given).

    Parameters
    ----------
    params : mapping
        Validated parameters.

    Returns
    -------
    customers, products : pandas.DataFrame or None
    """
    customers = products = None
    if params["CUSTOMERS_PATH"]:
        customers = _read_table(params["CUSTOMERS_PATH"], CUSTOMER_COLUMNS, "customers", params)
    if params["PRODUCTS_PATH"]:
        products = _read_table(params["PRODUCTS_PATH"], PRODUCT_COLUMNS, "products", params)
    return customers, products


def load_inputs(params: Mapping[str, Any]) -> dict[str, Any]:
    """Load, date and clean the report's inputs: order lines, optional customers and products.

    Parameters
    ----------
    params : mapping
        Validated parameters (:func:`validate_parameters`).

    Returns
    -------
    dict
        ``snapshot`` (:class:`helpers.snapshot.Snapshot`: the order lines before the analysis
        date as loaded, cleaned once, with why each line was removed), ``tables`` (what the
        report reads of them: :func:`helpers.report_data.report_tables`), ``cleaning`` (the
        cleaning report, the set-aside lines as its first row), ``customers`` and
        ``products`` (None when not given), ``as_of`` (Timestamp), ``loading`` (what reading
        the file did: :func:`helpers.datasets.load_transactions`), ``after`` (number of lines
        set aside), ``after_examples`` (up to 3 of them, as text), ``future`` (how many of
        them were typing errors far in the future when ``AS_OF`` is not given),
        ``has_products`` and ``notes`` (sentences for the reader).

    Raises
    ------
    ValueError
        For an unreadable file, a missing column, too many dates that do not parse, no clean
        order line, or an ``AS_OF`` that leaves no history before it (it must be after the
        first order line plus the churn window).
    """
    from helpers.datasets import load_transactions
    from helpers.report_data import report_tables
    from helpers.snapshot import take_snapshot

    raw = load_transactions(params["TRANSACTIONS_PATH"], params["COLUMNS"], **reading(params))
    loading = dict(raw.attrs.get("loading", {}))
    dates = raw[s.INVOICE_DATE]
    future = 0
    if params["AS_OF"]:
        as_of = to_timestamp(params["AS_OF"], "AS_OF")
        after = (dates >= as_of).to_numpy(dtype=bool)
    else:
        as_of, after = analysis_end(dates)
        future = int(after.sum())
    shown = list(zip(np.flatnonzero(after)[:3], dates[after].iloc[:3], strict=True))
    examples, dating = dating_notes(as_of, int(after.sum()), future, shown)
    notes = list(loading.get("notes", [])) + dating
    kept = raw.loc[~after].reset_index(drop=True)
    kept.attrs = {}
    if kept.empty:
        raise ValueError(
            f"{params['TRANSACTIONS_PATH']}: no order line is dated before the analysis date "
            f"{as_of:%Y-%m-%d}"
        )
    snapshot = take_snapshot(kept, as_of)
    clean = snapshot.clean
    cleaning = _set_aside(raw, after, snapshot.report)
    check_clean(
        params["TRANSACTIONS_PATH"],
        cleaning,
        clean[s.CUSTOMER_ID].drop_duplicates().iloc[:2].tolist(),
        clean[s.INVOICE_DATE].min(),
        as_of,
        params["CHURN_WINDOW_DAYS"],
    )
    customers, products = read_tables(params)
    has_products = bool(loading.get("has_products", True))
    tables = report_tables(snapshot, **table_settings(params, products, customers, has_products))
    return {
        "snapshot": snapshot,
        "tables": tables,
        "cleaning": cleaning,
        "customers": customers,
        "products": products,
        "as_of": as_of,
        "loading": loading,
        "after": int(after.sum()),
        "after_examples": examples,
        "future": future,
        "has_products": has_products,
        "notes": notes,
    }


def save_inputs(inputs: Mapping[str, Any], path: str | Path) -> Path:
    """Write :func:`load_inputs`'s result for the report notebook to read, without the snapshot.

    The notebook reads the report's tables (``tables``), not the lines: the snapshot (raw and
    clean lines) is not written.

    Parameters
    ----------
    inputs : mapping
        What :func:`load_inputs` returned.
    path : str or path-like
        The file to write (inside the report's temporary folder).

    Returns
    -------
    pathlib.Path
    """
    path = Path(path)
    with path.open("wb") as stream:
        kept = {key: value for key, value in inputs.items() if key != "snapshot"}
        pickle.dump(kept, stream, protocol=pickle.HIGHEST_PROTOCOL)
    return path


def prepared_inputs(params: Mapping[str, Any], prepared: str | Path | None) -> dict[str, Any]:
    """Return the inputs the command prepared, or load them when the notebook runs alone.

    Parameters
    ----------
    params : mapping
        Validated parameters.
    prepared : str or path-like, optional
        The file :func:`save_inputs` wrote; None: call :func:`load_inputs`.

    Returns
    -------
    dict
        As :func:`load_inputs`.
    """
    if prepared is None:
        return load_inputs(params)
    with Path(prepared).open("rb") as stream:
        return pickle.load(stream)  # noqa: S301 - written by this run, in its own folder

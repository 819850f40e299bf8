"""Summary data for the probabilistic CLV models: frequency, recency, T and spend per customer.

The buy-till-you-die models of :mod:`helpers.clv` do not look at every order line: they need,
per customer, three numbers measured in an explicit **period unit** (days or weeks) at an
explicit **analysis date** ``as_of``, as in Fader, Hardie & Lee (2005):

=====================  ======================================================================
``frequency`` (*x*)    number of **repeat** purchases: distinct purchase days - 1. Purchases on
                       the same day count once (the papers' rule for CDNOW), so a customer who
                       splits an order in two invoices is not counted twice.
``recency`` (*t_x*)    time from the first purchase day to the last purchase day
``T``                  time from the first purchase day to the last observed day
``monetary_value``     average spend per **repeat** purchase day (the first purchase is left
                       out, as in the Gamma-Gamma papers); 0 when ``frequency`` is 0
=====================  ======================================================================

Times are differences of calendar days divided by the period length (1 day, or 7 days for
weeks): a customer who first bought on 1997-01-01 has ``T`` = 272 / 7 = 38.86 weeks at
``as_of = 1997-10-01`` (the last observed day 1997-09-30), the paper's value. ``as_of`` is
exclusive, as everywhere in :mod:`helpers` (:mod:`helpers.dates`): the lines dated before it
are summarised, ``T`` runs to the **last observed day** :func:`helpers.dates.last_day`, and
lines at or after ``as_of`` are not in the summary (``attrs["lines_after_end"]`` counts them).

The column names ``frequency``, ``recency``, ``T`` and ``monetary_value`` are the field's
(lifetimes, pymc-marketing); this module's constants for them are :data:`BTYD_FREQUENCY`,
:data:`BTYD_RECENCY`, :data:`BTYD_T` and :data:`BTYD_MONETARY`, so that BTYD recency (first to
last purchase, in periods) is not mistaken for ``helpers.rfm.RECENCY`` (days since the last
purchase).

:func:`calibration_holdout` splits the time line at ``holdout_start``: the summary of the
calibration period (lines before ``holdout_start``), plus what each calibration customer
actually bought in the holdout, ``holdout_start <= date < as_of`` (distinct purchase days and
spend), to check the models' predictions against.

Both work on integer arrays, not pandas group-bys, with the per-customer core that
:func:`helpers.customers.customer_summary` uses too (:mod:`helpers.customer_aggregates`):
customer ids become sorted codes (:mod:`helpers.id_runs`, reading each id once), dates become
day numbers, and one sort of ``code * days + day`` gives every customer's purchase days
(``benchmarks/summary.py`` times it against lifetimes, pandas and DuckDB).
"""

from __future__ import annotations

import warnings
from typing import NamedTuple

import numpy as np
import pandas as pd

from helpers import dates
from helpers import schema as s
from helpers.checks import column_rule, require_columns
from helpers.customer_aggregates import customer_codes, distinct_per_customer, line_codes
from helpers.deprecation import REMOVED_IN, positional_last_day, renamed_arguments

__all__ = [
    "BTYD_FREQUENCY",
    "BTYD_MONETARY",
    "BTYD_RECENCY",
    "BTYD_T",
    "HOLDOUT_PURCHASES",
    "HOLDOUT_SPEND",
    "PERIOD_DAYS",
    "calibration_holdout",
    "period_days",
    "purchase_days",
    "summary_data",
]

#: Repeat purchases (distinct purchase days - 1): the BTYD models' *x*.
BTYD_FREQUENCY = "frequency"
#: First to last purchase day, in periods: the BTYD models' *t_x* (not RFM recency).
BTYD_RECENCY = "recency"
#: First purchase day to the last observed day, in periods: the BTYD models' *T*.
BTYD_T = "T"
#: Average spend per repeat purchase day: the Gamma-Gamma model's *m*.
BTYD_MONETARY = "monetary_value"
HOLDOUT_PURCHASES = "holdout_purchases"
HOLDOUT_SPEND = "holdout_spend"

#: The old names of the BTYD constants (kept for one release, with a FutureWarning).
_OLD_NAMES = {
    "FREQUENCY": "BTYD_FREQUENCY",
    "RECENCY": "BTYD_RECENCY",
    "T": "BTYD_T",
    "MONETARY": "BTYD_MONETARY",
}


def __getattr__(name: str) -> str:
    """Give the old constant names (``RECENCY`` ...) with a FutureWarning."""
    if name in _OLD_NAMES:
        new = _OLD_NAMES[name]
        warnings.warn(
            f"helpers.clv_data.{name} is now called {new} (a column of the BTYD summary, "
            f"distinct from helpers.rfm's); the old name will be removed in release {REMOVED_IN}",
            FutureWarning,
            stacklevel=2,
        )
        return globals()[new]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


#: Length of a period unit in days.
PERIOD_DAYS: dict[str, float] = {"D": 1.0, "W": 7.0}


def period_days(period: str) -> float:
    """Return the length of the period unit ``period`` in days.

    Parameters
    ----------
    period : {"D", "W"}
        Days or weeks.

    Returns
    -------
    float
    """
    if period not in PERIOD_DAYS:
        raise ValueError(
            f"period must be one of {sorted(PERIOD_DAYS)} (days, weeks); got {period!r}"
        )
    return PERIOD_DAYS[period]


#: One row per run of order lines of one customer on one day: customer code, day, spend.
_Purchases = tuple[np.ndarray, np.ndarray, np.ndarray]


class _Lines(NamedTuple):
    """Checked order lines as arrays, in runs of consecutive lines of one customer."""

    customers: pd.Index  # the distinct customers, sorted; ``codes`` index into it
    starts: np.ndarray  # the first line of each run
    codes: np.ndarray  # the customer of each run (its position in ``customers``)
    days: np.ndarray  # per line, the calendar day as an int64 count of days since 1970-01-01
    amounts: np.ndarray  # per line, the spend (float64 or the input's integers)
    dates: pd.api.extensions.ExtensionDtype | np.dtype  # dtype of the parsed dates (unit, tz)

    def line_codes(self) -> np.ndarray:
        """Return the customer code of every line."""
        return line_codes(self.starts, self.codes, len(self.days))

    def purchases(self) -> _Purchases:
        """Return the runs of lines of one customer on one day: code, day and summed spend."""
        if len(self.days) == 0:
            return self.codes, self.days, self.amounts
        new = np.empty(len(self.days), dtype=bool)
        new[0] = True
        np.not_equal(self.days[1:], self.days[:-1], out=new[1:])
        new[self.starts] = True
        bounds = np.flatnonzero(new)
        if len(bounds) == len(self.starts):  # every run of one customer is on one day
            runs = slice(None)
        else:
            customer = np.zeros(len(self.days), dtype=bool)
            customer[self.starts] = True
            runs = np.cumsum(customer[bounds]) - 1
        return self.codes[runs], self.days[bounds], np.add.reduceat(self.amounts, bounds)

    def timestamps(self, days: np.ndarray) -> pd.DatetimeIndex:
        """Return the midnights of day numbers, in the dates' unit and time zone."""
        stamps = pd.DatetimeIndex(days.astype("datetime64[D]").astype(self.dates.base))
        tz = getattr(self.dates, "tz", None)
        return stamps if tz is None else stamps.tz_localize(tz)


def _lines(
    transactions: pd.DataFrame, customer_col: str, date_col: str, amount_col: str | None
) -> _Lines:
    """Check order lines and return them as arrays (see :func:`purchase_days` for the rules)."""
    table = "transactions"
    columns = [customer_col, date_col] + ([amount_col] if amount_col else [])
    require_columns(transactions, columns, table)
    customer = transactions[customer_col]
    coded = customer_codes(customer)
    if (coded.codes < 0).any():
        column_rule(transactions, customer.isna(), table, customer_col, "present")
    dates = transactions[date_col]
    if not pd.api.types.is_datetime64_any_dtype(dates):
        dates = pd.to_datetime(dates)
    parsed = dates.dtype  # unit and time zone, for the dates in the result
    if getattr(parsed, "tz", None) is not None:
        dates = dates.dt.tz_localize(None)  # the wall clock's days
    stamps = dates.to_numpy()
    if np.isnat(stamps).any():
        column_rule(transactions, dates.isna(), table, date_col, "a parsed date (not NaT)")
    unit, count = np.datetime_data(stamps.dtype)
    days = stamps.view(np.int64) // (np.timedelta64(1, "D") // np.timedelta64(count, unit))
    if amount_col:
        column = transactions[amount_col]
        plain = isinstance(column.dtype, np.dtype) and column.dtype.kind in "biuf"
        amounts = column.to_numpy() if plain else None  # NumPy numbers: no pandas checks
        if amounts is None or (amounts.dtype.kind == "f" and np.isnan(amounts).any()):
            coerced = pd.to_numeric(column, errors="coerce")
            column_rule(transactions, coerced.isna(), table, amount_col, "a number")
            amounts = coerced.to_numpy()
        amounts = amounts.astype(np.int64) if amounts.dtype.kind == "b" else amounts  # summed
    else:
        amounts = np.zeros(len(transactions))
    customers = coded.customers.rename(s.CUSTOMER_ID)
    return _Lines(customers, coded.starts, coded.codes, days, amounts, parsed)


def purchase_days(
    transactions: pd.DataFrame,
    *,
    customer_col: str = s.CUSTOMER_ID,
    date_col: str = s.INVOICE_DATE,
    amount_col: str | None = s.AMOUNT,
) -> pd.DataFrame:
    """Collapse order lines to one row per customer and purchase day, with the day's spend.

    Parameters
    ----------
    transactions : pandas.DataFrame
        Order lines (clean: every customer and date present).
    customer_col, date_col : str
        Column names; default the canonical names of :mod:`helpers.schema`.
    amount_col : str or None, default "amount"
        The spend column; ``None`` when there is none (the ``amount`` column is then 0).

    Returns
    -------
    pandas.DataFrame
        Columns ``customer_id``, ``day`` (midnight), ``amount``; sorted by customer and day.

    Raises
    ------
    ValueError
        If a column is missing, or a customer id, date or amount is missing.
    """
    lines = _lines(transactions, customer_col, date_col, amount_col)
    codes = lines.line_codes()
    frame = pd.DataFrame({"code": codes, "day": lines.days, "amount": lines.amounts})
    sums = frame.groupby(["code", "day"], sort=True)["amount"].sum()
    return pd.DataFrame(
        {
            s.CUSTOMER_ID: lines.customers.take(sums.index.get_level_values("code")),
            "day": lines.timestamps(sums.index.get_level_values("day").to_numpy()),
            "amount": sums.to_numpy(),
        }
    )


def _summarise(
    lines: _Lines, purchases: _Purchases, end: int, unit: float
) -> tuple[pd.DataFrame, np.ndarray]:
    """Frequency, recency, T and repeat spend from ``purchases`` (of ``lines``) at day ``end``.

    Returns the table and its customers' codes in ``lines``.
    """
    codes, days, amounts = purchases
    present, n_days, first, last = distinct_per_customer(codes, days)
    first_day = np.zeros(len(lines.customers), dtype=np.int64)
    first_day[present] = first
    repeat = days != first_day[codes]  # after the customer's first purchase day
    spend = np.bincount(codes[repeat], weights=amounts[repeat], minlength=len(first_day))
    frequency = n_days - 1
    with np.errstate(divide="ignore", invalid="ignore"):
        monetary = np.where(frequency > 0, spend[present] / frequency, 0.0)
    out = pd.DataFrame(
        {
            BTYD_FREQUENCY: frequency,
            BTYD_RECENCY: (last - first) / unit,
            BTYD_T: (end - first) / unit,
            BTYD_MONETARY: monetary,
            "first_purchase": lines.timestamps(first),
            "last_purchase": lines.timestamps(last),
        },
        index=lines.customers if len(present) == len(lines.customers) else lines.customers[present],
        copy=False,  # the columns are new arrays: no need to copy them again
    )
    return out, present


def _wall_clock(stamp: pd.Timestamp, parsed: pd.api.extensions.ExtensionDtype | np.dtype):
    """Return ``stamp`` on the wall clock of dates of dtype ``parsed`` (naive, as the days are)."""
    if stamp.tz is None:
        return stamp
    tz = getattr(parsed, "tz", None)
    return (stamp if tz is None else stamp.tz_convert(tz)).tz_localize(None)


def _day_number(stamp: pd.Timestamp) -> int:
    """Return the day of a (naive) timestamp as a count of days since 1970-01-01."""
    return int(stamp.to_datetime64().astype("datetime64[D]").astype(np.int64))


def _as_of_lines(
    transactions: pd.DataFrame,
    as_of: object,
    customer_col: str,
    date_col: str,
    amount_col: str | None,
) -> tuple[_Lines, pd.Timestamp, int, int]:
    """Check the lines and read ``as_of`` (default: midnight after the last line's day).

    Returns the lines before ``as_of`` (all of them when it is midnight: the day numbers cut
    them), ``as_of``, the last observed day's number and the count of lines at or after it.
    """
    lines = _lines(transactions, customer_col, date_col, amount_col)
    if len(lines.days) == 0:
        raise ValueError("transactions has no order lines: no customer to summarise")
    if as_of is None:
        last = int(lines.days.max())
        return lines, lines.timestamps(np.array([last + 1]))[0], last, 0
    stamp = dates.to_timestamp(as_of, "as_of")
    wall = _wall_clock(stamp, lines.dates)
    last = _day_number(dates.last_day(wall))
    removed = 0
    if wall != wall.normalize():  # a line later on the last day is after as_of: leave it out
        column = transactions[date_col]
        if not pd.api.types.is_datetime64_any_dtype(column):
            column = pd.to_datetime(column)
        if getattr(column.dtype, "tz", None) is not None:
            column = column.dt.tz_localize(None)
        before = (column < wall).to_numpy()
        removed = int(np.count_nonzero(~before))
        if removed:
            lines = _lines(transactions[before], customer_col, date_col, amount_col)
    after = removed + int(np.count_nonzero(lines.days > last))
    return lines, stamp, last, after


@renamed_arguments(observation_end=("as_of", dates.day_after))
def summary_data(
    transactions: pd.DataFrame,
    observation_end: dates.DateLike | None = None,
    /,
    *,
    as_of: dates.DateLike | None = None,
    period: str = "W",
    customer_col: str = s.CUSTOMER_ID,
    date_col: str = s.INVOICE_DATE,
    amount_col: str | None = s.AMOUNT,
) -> pd.DataFrame:
    """Frequency, recency, T and average repeat spend per customer, from the lines before ``as_of``.

    Parameters
    ----------
    transactions : pandas.DataFrame
        Order lines with a customer, a date and (optionally) an amount.
    observation_end : date, optional, positional only
        Deprecated: the old inclusive last observed day; pass ``as_of`` (the day after).
    as_of : str, datetime.date or pandas.Timestamp, optional
        The analysis date, exclusive: the lines dated before it are summarised, and ``T``
        runs to the last observed day, :func:`helpers.dates.last_day` of it (the day before
        a midnight). Default: midnight after the day of the last line (every line counts).
        The old keyword ``observation_end`` (the inclusive last day) is read as the day
        after it, with a FutureWarning.
    period : {"W", "D"}, default "W"
        The unit of ``recency`` and ``T``: weeks or days.
    customer_col, date_col, amount_col : str
        Column names; ``amount_col=None`` when there is no spend (``monetary_value`` is 0).

    Returns
    -------
    pandas.DataFrame
        Indexed by customer (sorted): ``frequency``, ``recency``, ``T``, ``monetary_value``,
        ``first_purchase``, ``last_purchase``. ``attrs`` holds ``period``, ``as_of``
        (exclusive), ``last_day`` (the last observed day, inclusive: ``T``'s end) and
        ``lines_after_end`` (lines at or after ``as_of``, not used).

    Raises
    ------
    ValueError
        If a column or value is missing, ``period`` is unknown, ``as_of`` is not a date, or no
        line is dated before it.

    Examples
    --------
    >>> days = ["2024-01-01 00:00", "2024-01-08 23:59", "2024-01-15 00:00"]
    >>> lines = pd.DataFrame({"customer_id": ["A", "A", "A"], "amount": [10.0, 20.0, 5.0],
    ...     "invoice_date": pd.to_datetime(days)})
    >>> table = summary_data(lines, as_of="2024-01-15", period="D")
    >>> table.loc["A", ["frequency", "recency", "T", "monetary_value"]].tolist()
    [1.0, 7.0, 13.0, 20.0]

    The line at midnight on 15 January is not used; ``T`` runs to 14 January.
    """
    as_of = positional_last_day("summary_data", "observation_end", observation_end, "as_of", as_of)
    unit = period_days(period)
    lines, as_of, end_day, after = _as_of_lines(
        transactions, as_of, customer_col, date_col, amount_col
    )
    if after == len(transactions):
        first = lines.timestamps(np.array([lines.days.min()]))[0]
        raise ValueError(
            f"as_of {as_of} is not after the first purchase ({first:%Y-%m-%d}): no line is "
            "dated before it, no customer to summarise"
        )
    purchases = lines.purchases()
    if after:
        purchases = tuple(column[purchases[1] <= end_day] for column in purchases)
    out, _ = _summarise(lines, purchases, end_day, unit)
    out.attrs = {
        "period": period,
        "as_of": as_of,
        "last_day": lines.timestamps(np.array([end_day]))[0],
        "lines_after_end": after,
    }
    return out


@renamed_arguments(
    calibration_end=("holdout_start", dates.day_after),
    observation_end=("as_of", dates.day_after),
)
def calibration_holdout(
    transactions: pd.DataFrame,
    calibration_end: dates.DateLike | None = None,
    observation_end: dates.DateLike | None = None,
    /,
    *,
    holdout_start: dates.DateLike | None = None,
    as_of: dates.DateLike | None = None,
    period: str = "W",
    customer_col: str = s.CUSTOMER_ID,
    date_col: str = s.INVOICE_DATE,
    amount_col: str | None = s.AMOUNT,
) -> pd.DataFrame:
    """Summary data of a calibration period and what each customer bought in the holdout.

    The calibration period holds the lines dated before ``holdout_start``, the holdout those
    with ``holdout_start <= date < as_of``. Customers whose first purchase is in the holdout
    are not in the table (the models predict for customers already acquired); the frame's
    ``attrs["new_in_holdout"]`` counts them.

    Parameters
    ----------
    transactions : pandas.DataFrame
        Order lines.
    calibration_end, observation_end : date, optional, positional only
        Deprecated: the old inclusive last days of the calibration and of the holdout; pass
        ``holdout_start`` and ``as_of`` (the days after them).
    holdout_start : str, datetime.date or pandas.Timestamp
        First day of the holdout (midnight); the calibration period ends before it. The old
        keyword ``calibration_end`` (its inclusive last day) is read as the day after it,
        with a FutureWarning.
    as_of : str, datetime.date or pandas.Timestamp, optional
        End of the holdout, exclusive; default midnight after the day of the last line. The
        old keyword ``observation_end`` is read as the day after it, with a FutureWarning.
    period : {"W", "D"}, default "W"
        Unit of ``recency``, ``T`` and the holdout length.
    customer_col, date_col, amount_col : str
        Column names.

    Returns
    -------
    pandas.DataFrame
        The columns of :func:`summary_data` for the calibration period (``T`` to the day
        before ``holdout_start``), plus ``holdout_purchases`` (distinct purchase days in the
        holdout) and ``holdout_spend``. ``attrs``: ``period``, ``holdout_start``, ``as_of``,
        ``last_day`` (the holdout's last day, inclusive), ``holdout_length`` (in periods),
        ``new_in_holdout``.

    Raises
    ------
    ValueError
        If ``holdout_start`` is not a day or not before ``as_of``, no line is dated before
        it, or as :func:`summary_data`.
    """
    holdout_start = positional_last_day(
        "calibration_holdout", "calibration_end", calibration_end, "holdout_start", holdout_start
    )
    as_of = positional_last_day(
        "calibration_holdout", "observation_end", observation_end, "as_of", as_of
    )
    if holdout_start is None:
        raise TypeError("calibration_holdout() missing the keyword argument 'holdout_start'")
    unit = period_days(period)
    start = dates.to_timestamp(holdout_start, "holdout_start", day=True)
    lines, as_of, end_day, _ = _as_of_lines(transactions, as_of, customer_col, date_col, amount_col)
    cal_day = _day_number(_wall_clock(start, lines.dates)) - 1
    if not cal_day < end_day:
        raise ValueError(
            f"holdout_start ({start:%Y-%m-%d}) must be before as_of ({as_of}): the holdout "
            "needs at least one day"
        )
    purchases = lines.purchases()
    calibration = purchases[1] <= cal_day
    if not calibration.any():
        raise ValueError(
            f"holdout_start {start:%Y-%m-%d} is not after the first purchase: the calibration "
            "period is empty"
        )
    out, known = _summarise(lines, tuple(c[calibration] for c in purchases), cal_day, unit)
    holdout = ~calibration & (purchases[1] <= end_day)
    codes, days, amounts = (column[holdout] for column in purchases)
    buyers, n_days, _, _ = distinct_per_customer(codes, days)
    bought = np.zeros(len(lines.customers), dtype=np.int64)
    bought[buyers] = n_days
    spend = np.bincount(codes, weights=amounts, minlength=len(bought))
    out[HOLDOUT_PURCHASES] = bought[known].astype(int)
    out[HOLDOUT_SPEND] = spend[known].astype(float)
    out.attrs.update(
        period=period,
        holdout_start=start,
        as_of=as_of,
        last_day=lines.timestamps(np.array([end_day]))[0],
        holdout_length=(end_day - cal_day) / unit,
        new_in_holdout=len(np.setdiff1d(buyers, known)),
    )
    return out

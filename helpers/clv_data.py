"""Summary data for the probabilistic CLV models: frequency, recency, T and spend per customer.

The buy-till-you-die models of :mod:`helpers.clv` do not look at every order line: they need,
per customer, three numbers measured in an explicit **period unit** (days or weeks) at an
explicit **observation end**, as in Fader, Hardie & Lee (2005):

=====================  ======================================================================
``frequency`` (*x*)    number of **repeat** purchases: distinct purchase days - 1. Purchases on
                       the same day count once (the papers' rule for CDNOW), so a customer who
                       splits an order in two invoices is not counted twice.
``recency`` (*t_x*)    time from the first purchase day to the last purchase day
``T``                  time from the first purchase day to the observation end
``monetary_value``     average spend per **repeat** purchase day (the first purchase is left
                       out, as in the Gamma-Gamma papers); 0 when ``frequency`` is 0
=====================  ======================================================================

Times are differences of calendar days divided by the period length (1 day, or 7 days for
weeks): a customer who first bought on 1997-01-01 has ``T`` = 272 / 7 = 38.86 weeks at an
observation end of 1997-09-30, the paper's value. The observation end is the **last observed
day**, inclusive; lines after it are not in the summary (``attrs["lines_after_end"]`` counts
them).

:func:`calibration_holdout` splits the time line: the summary of the calibration period,
plus what each calibration customer actually bought in the holdout period (distinct purchase
days and spend), to check the models' predictions against.

Both work on integer arrays, not pandas group-bys: customer ids become sorted codes
(:mod:`helpers.id_runs`, reading each id once), dates become day numbers, and one sort of
``code * days + day`` gives every customer's purchase days (``benchmarks/summary.py`` times
it against lifetimes, pandas and DuckDB).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd

from helpers import schema as s
from helpers.checks import column_rule, require_columns
from helpers.id_runs import customer_runs

__all__ = [
    "FREQUENCY",
    "HOLDOUT_PURCHASES",
    "HOLDOUT_SPEND",
    "MONETARY",
    "PERIOD_DAYS",
    "RECENCY",
    "T",
    "calibration_holdout",
    "period_days",
    "purchase_days",
    "summary_data",
]

FREQUENCY = "frequency"
RECENCY = "recency"
T = "T"
MONETARY = "monetary_value"
HOLDOUT_PURCHASES = "holdout_purchases"
HOLDOUT_SPEND = "holdout_spend"

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
        return np.repeat(self.codes, np.diff(np.r_[self.starts, len(self.days)]))

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
    starts, codes, customers = customer_runs(customer)
    if (codes < 0).any():
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
    return _Lines(customers.rename(s.CUSTOMER_ID), starts, codes, days, amounts, parsed)


def _days_per_customer(
    codes: np.ndarray, days: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per customer with a purchase (ascending codes): code, distinct days, first and last day."""
    if len(days) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty, empty
    low = days.min()
    span = int(days.max() - low + 1)
    key = np.sort(codes.astype(np.int64) * span + (days - low))
    key = key[np.r_[True, key[1:] != key[:-1]]]  # one per customer and day
    customer = key // span
    start = np.flatnonzero(np.r_[True, customer[1:] != customer[:-1]])
    stop = np.r_[start[1:], len(key)]
    return customer[start], stop - start, key[start] % span + low, key[stop - 1] % span + low


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
    present, n_days, first, last = _days_per_customer(codes, days)
    first_day = np.zeros(len(lines.customers), dtype=np.int64)
    first_day[present] = first
    repeat = days != first_day[codes]  # after the customer's first purchase day
    spend = np.bincount(codes[repeat], weights=amounts[repeat], minlength=len(first_day))
    frequency = n_days - 1
    with np.errstate(divide="ignore", invalid="ignore"):
        monetary = np.where(frequency > 0, spend[present] / frequency, 0.0)
    out = pd.DataFrame(
        {
            FREQUENCY: frequency,
            RECENCY: (last - first) / unit,
            T: (end - first) / unit,
            MONETARY: monetary,
            "first_purchase": lines.timestamps(first),
            "last_purchase": lines.timestamps(last),
        },
        index=lines.customers if len(present) == len(lines.customers) else lines.customers[present],
        copy=False,  # the columns are new arrays: no need to copy them again
    )
    return out, present


def _day(value: str | pd.Timestamp, name: str) -> pd.Timestamp:
    try:
        day = pd.Timestamp(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a date, e.g. '1997-09-30'; got {value!r}") from None
    if day != day.normalize():
        raise ValueError(f"{name} is a day (the last observed day, inclusive); got {value!r}")
    return day


def _end(lines: _Lines, value: str | pd.Timestamp | None, name: str) -> tuple[pd.Timestamp, int]:
    """Return the last observed day as a timestamp and a day number (default: the last line's)."""
    if value is None:
        end = int(lines.days.max())
        return lines.timestamps(np.array([end]))[0], end
    stamp = _day(value, name)
    return stamp, int(stamp.to_datetime64().astype("datetime64[D]").astype(np.int64))


def summary_data(
    transactions: pd.DataFrame,
    observation_end: str | pd.Timestamp | None = None,
    *,
    period: str = "W",
    customer_col: str = s.CUSTOMER_ID,
    date_col: str = s.INVOICE_DATE,
    amount_col: str | None = s.AMOUNT,
) -> pd.DataFrame:
    """Frequency, recency, T and average repeat spend per customer, at an observation end.

    Parameters
    ----------
    transactions : pandas.DataFrame
        Order lines with a customer, a date and (optionally) an amount.
    observation_end : str or pandas.Timestamp, optional
        The last observed day, inclusive. Default: the day of the last line.
    period : {"W", "D"}, default "W"
        The unit of ``recency`` and ``T``: weeks or days.
    customer_col, date_col, amount_col : str
        Column names; ``amount_col=None`` when there is no spend (``monetary_value`` is 0).

    Returns
    -------
    pandas.DataFrame
        Indexed by customer (sorted): ``frequency``, ``recency``, ``T``, ``monetary_value``,
        ``first_purchase``, ``last_purchase``. ``attrs`` holds ``period``,
        ``observation_end`` and ``lines_after_end`` (lines not used).

    Raises
    ------
    ValueError
        If a column or value is missing, ``period`` is unknown, ``observation_end`` is not a
        day, or no line is dated on or before it.
    """
    unit = period_days(period)
    lines = _lines(transactions, customer_col, date_col, amount_col)
    end, end_day = _end(lines, observation_end, "observation_end")
    after = int(np.count_nonzero(lines.days > end_day))
    if after == len(lines.days):
        first = lines.timestamps(np.array([lines.days.min()]))[0]
        raise ValueError(
            f"observation_end {end:%Y-%m-%d} is before the first purchase "
            f"({first:%Y-%m-%d}); no customer to summarise"
        )
    purchases = lines.purchases()
    if after:
        purchases = tuple(column[purchases[1] <= end_day] for column in purchases)
    out, _ = _summarise(lines, purchases, end_day, unit)
    out.attrs = {"period": period, "observation_end": end, "lines_after_end": after}
    return out


def calibration_holdout(
    transactions: pd.DataFrame,
    calibration_end: str | pd.Timestamp,
    observation_end: str | pd.Timestamp | None = None,
    *,
    period: str = "W",
    customer_col: str = s.CUSTOMER_ID,
    date_col: str = s.INVOICE_DATE,
    amount_col: str | None = s.AMOUNT,
) -> pd.DataFrame:
    """Summary data of a calibration period and what each customer bought in the holdout.

    The calibration period runs to ``calibration_end`` (inclusive), the holdout from the next
    day to ``observation_end`` (inclusive). Customers whose first purchase is in the holdout
    are not in the table (the models predict for customers already acquired); the frame's
    ``attrs["new_in_holdout"]`` counts them.

    Parameters
    ----------
    transactions : pandas.DataFrame
        Order lines.
    calibration_end : str or pandas.Timestamp
        Last day of the calibration period.
    observation_end : str or pandas.Timestamp, optional
        Last day of the holdout; default the day of the last line.
    period : {"W", "D"}, default "W"
        Unit of ``recency``, ``T`` and the holdout length.
    customer_col, date_col, amount_col : str
        Column names.

    Returns
    -------
    pandas.DataFrame
        The columns of :func:`summary_data` for the calibration period, plus
        ``holdout_purchases`` (distinct purchase days in the holdout) and ``holdout_spend``.
        ``attrs``: ``period``, ``calibration_end``, ``observation_end``, ``holdout_length``
        (in periods), ``new_in_holdout``.
    """
    unit = period_days(period)
    cal_end = _day(calibration_end, "calibration_end")
    lines = _lines(transactions, customer_col, date_col, amount_col)
    end, end_day = _end(lines, observation_end, "observation_end")
    if not cal_end < end:
        raise ValueError(
            f"calibration_end ({cal_end:%Y-%m-%d}) must be before observation_end "
            f"({end:%Y-%m-%d}): the holdout needs at least one day"
        )
    _, cal_day = _end(lines, cal_end, "calibration_end")
    purchases = lines.purchases()
    calibration = purchases[1] <= cal_day
    if not calibration.any():
        raise ValueError(f"calibration_end {cal_end:%Y-%m-%d} is before the first purchase")
    out, known = _summarise(lines, tuple(c[calibration] for c in purchases), cal_day, unit)
    holdout = ~calibration & (purchases[1] <= end_day)
    codes, days, amounts = (column[holdout] for column in purchases)
    buyers, n_days, _, _ = _days_per_customer(codes, days)
    bought = np.zeros(len(lines.customers), dtype=np.int64)
    bought[buyers] = n_days
    spend = np.bincount(codes, weights=amounts, minlength=len(bought))
    out[HOLDOUT_PURCHASES] = bought[known].astype(int)
    out[HOLDOUT_SPEND] = spend[known].astype(float)
    out.attrs.update(
        period=period,
        calibration_end=cal_end,
        observation_end=end,
        holdout_length=(end - cal_end).days / unit,
        new_in_holdout=len(np.setdiff1d(buyers, known)),
    )
    return out

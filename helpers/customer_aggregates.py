"""Per-customer aggregates of order lines on sorted integer codes: one core for every summary.

:func:`helpers.customers.customer_summary` (purchases, revenue, dates: what chapters 02-05 and
08, RFM and tiers start from) and :func:`helpers.clv_data.summary_data` (the BTYD models'
frequency, recency and T) both need, per customer, counts of distinct values (invoices,
purchase days), first and last dates and sums. Both work here on integer arrays, not on
group-bys of the ids:

- the customers are coded once (:func:`customer_codes`): runs of consecutive lines of one
  customer, each run coded by the customer's position among the sorted distinct ids
  (:class:`CustomerCodes`), text ids by :func:`helpers.id_runs.customer_runs` (reading every
  id object once), integers by a table of their range when it is small;
- distinct values per customer (:func:`distinct_per_customer`): one sort of
  ``code * span + value`` over the runs of one customer and one value (a purchase day, an
  invoice); :func:`distinct_ids` codes text or other ids first, and skips the sort when no id
  comes back after its run (the lines of an invoice together);
- first and last dates (:func:`date_extremes`): the dates of each customer's first and last
  lines when the lines are in time order (a shop's log), else :func:`numpy.minimum.at` and
  ``maximum.at`` of the dates' integers by customer code;
- sums (:func:`group_sums`): pandas' own group-by sum, keyed by the integer codes (as a
  categorical, which pandas does not hash) instead of the ids, so that every sum has pandas'
  bits (each group summed in line order with Kahan's compensated sum) and pandas' dtype.

Lines need not be sorted by customer. ``benchmarks/customer_summary.py`` times the summaries
against DuckDB.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pandas as pd

from helpers.id_runs import customer_runs, text_line_groups

__all__ = [
    "CustomerCodes",
    "Distinct",
    "customer_codes",
    "date_extremes",
    "distinct_ids",
    "distinct_per_customer",
    "group_sums",
    "line_codes",
]


def line_codes(starts: np.ndarray, codes: np.ndarray, n_lines: int) -> np.ndarray:
    """Spread the codes of runs of lines over the lines.

    Parameters
    ----------
    starts : numpy.ndarray
        The first line of each run (ascending, the first 0).
    codes : numpy.ndarray
        The code of each run.
    n_lines : int
        The number of lines.

    Returns
    -------
    numpy.ndarray
        The code of every line.
    """
    return np.repeat(codes, np.diff(np.r_[starts, n_lines]))


@dataclass(frozen=True)
class CustomerCodes:
    """Order lines' customers as runs of lines of one customer, coded by the sorted ids.

    Attributes
    ----------
    customers : pandas.Index
        The distinct customer ids, sorted; ``codes`` index into it.
    starts : numpy.ndarray
        The first line of each run of consecutive lines of one customer.
    codes : numpy.ndarray
        The customer of each run (-1 for a missing id).
    n_lines : int
        The number of lines.
    """

    customers: pd.Index
    starts: np.ndarray
    codes: np.ndarray
    n_lines: int

    @functools.cached_property
    def lines(self) -> np.ndarray:
        """The customer code of every line (``int32`` when it holds them: half the memory)."""
        narrow = len(self.customers) < 2**31
        return line_codes(
            self.starts, self.codes.astype(np.int32) if narrow else self.codes, self.n_lines
        )


def customer_codes(customer: pd.Series) -> CustomerCodes:
    """Code the customer of every order line by its position among the sorted distinct ids.

    Parameters
    ----------
    customer : pandas.Series
        The customer id of every line, in the lines' order (any order of customers).

    Returns
    -------
    CustomerCodes
        The runs, their codes and the sorted ids (text ids keep the column's string dtype).
    """
    runs = _integer_runs(customer)
    if runs is None:
        runs = customer_runs(customer)
    starts, codes, customers = runs
    return CustomerCodes(customers, starts, codes, len(customer))


#: How many times the number of distinct integers their range may be for a table of it to code
#: them (a boolean per value of the range: 4 bytes an id at most).
_DENSE = 4


def _integer_runs(values: pd.Series) -> tuple[np.ndarray, np.ndarray, pd.Index] | None:
    """:func:`helpers.id_runs.customer_runs` for NumPy integers; ``None`` for other dtypes.

    Only the first id of each run is coded: by a table of the ids' range when it is small
    (``_DENSE`` times the runs at most: a mark per value, whose running count is the code),
    else by :func:`helpers.id_runs.customer_runs` of the runs' first ids (consecutive ones
    differ: each is a run of its own), hashing no other line.
    """
    if not (isinstance(values.dtype, np.dtype) and values.dtype.kind in "iu") or values.empty:
        return None
    plain = values.to_numpy()
    starts = np.flatnonzero(np.r_[True, plain[1:] != plain[:-1]])
    heads = plain[starts]
    low = heads.min()
    if int(heads.max()) - int(low) >= _DENSE * len(heads):
        _, codes, distinct = customer_runs(pd.Series(heads, copy=False))
        return starts, codes, distinct
    # differences taken modulo 2**bits and read unsigned: exact, as the range is small
    offset = (heads - low).view(f"u{heads.itemsize}").astype(np.intp)
    seen = np.zeros(int(offset.max()) + 1, dtype=bool)
    seen[offset] = True
    rank = np.cumsum(seen) - 1
    distinct = low + np.flatnonzero(seen).astype(heads.dtype)  # modular sums: exact again
    return starts, rank[offset], pd.Index(distinct)


class Distinct(NamedTuple):
    """Distinct values per customer, for the customers that have one (ascending codes).

    Attributes
    ----------
    present : numpy.ndarray
        The customers' codes.
    count : numpy.ndarray
        The number of distinct values of each.
    low, high : numpy.ndarray
        The smallest and the largest value of each.
    """

    present: np.ndarray
    count: np.ndarray
    low: np.ndarray
    high: np.ndarray


def distinct_per_customer(codes: np.ndarray, values: np.ndarray) -> Distinct:
    """Count the distinct integer values of each customer, with the smallest and largest.

    One sort of ``code * span + (value - min)`` (``span`` the values' range), then the first
    of each run of equal keys: no group-by, no hashing.

    Parameters
    ----------
    codes : numpy.ndarray
        Customer codes (non-negative integers), one per entry.
    values : numpy.ndarray
        Integers (day numbers, id codes), one per entry; ``(max code + 1) * span`` must fit
        in 64 bits.

    Returns
    -------
    Distinct
        Per customer with an entry, ascending: code, number of distinct values, smallest and
        largest value.
    """
    if len(values) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return Distinct(empty, empty, empty, empty)
    low = values.min()
    span = int(values.max() - low + 1)
    key = np.sort(codes.astype(np.int64) * span + (values - low))
    key = key[np.r_[True, key[1:] != key[:-1]]]  # one per customer and value
    customer = key // span
    start = np.flatnonzero(np.r_[True, customer[1:] != customer[:-1]])
    stop = np.r_[start[1:], len(key)]
    return Distinct(
        customer[start], stop - start, key[start] % span + low, key[stop - 1] % span + low
    )


def _id_codes(ids: pd.Series) -> tuple[np.ndarray, int]:
    """Code every line's id (-1 when missing, as pandas leaves it out); return the number of ids.

    Text ids by their runs (:func:`helpers.id_runs.text_line_groups`), integers as the
    customers are coded, others by :func:`pandas.factorize`.
    """
    grouped = text_line_groups(ids)
    if grouped is not None:
        return grouped
    runs = _integer_runs(ids)
    if runs is not None:
        starts, codes, distinct = runs
        return line_codes(starts, codes, len(ids)), len(distinct)
    codes, distinct = pd.factorize(ids)
    return codes, len(distinct)


def distinct_ids(coded: CustomerCodes, ids: pd.Series) -> np.ndarray:
    """Count each customer's distinct ids (invoices), leaving missing ids out as pandas does.

    Parameters
    ----------
    coded : CustomerCodes
        The lines' customers.
    ids : pandas.Series
        An id per line (e.g. the invoice), in the same order.

    Returns
    -------
    numpy.ndarray
        int64, per customer (``coded.customers``' order): the number of distinct non-missing
        ids, as ``groupby(customer)[ids].nunique()``.
    """
    id_codes, n_ids = _id_codes(ids)
    new = np.empty(len(id_codes), dtype=bool)
    new[:1] = True
    np.not_equal(id_codes[1:], id_codes[:-1], out=new[1:])
    new[coded.starts] = True
    segments = np.flatnonzero(new)  # runs of lines of one customer and one id
    customer = coded.lines[segments]
    id_codes = id_codes[segments]
    n_customers = len(coded.customers)
    if len(segments) == n_ids:  # every id in one segment: every pair of customer and id new
        return np.bincount(customer, minlength=n_customers).astype(np.int64)
    known = id_codes >= 0
    found = distinct_per_customer(customer[known], id_codes[known])
    count = np.zeros(n_customers, dtype=np.int64)
    count[found.present] = found.count
    return count


def _date_integers(dates: pd.Series) -> tuple[np.ndarray, np.dtype] | None:
    """Return the dates as int64 (UTC when zoned) and their unit's dtype; ``None`` if not dates."""
    if not pd.api.types.is_datetime64_any_dtype(dates):
        return None
    unit = np.dtype(f"datetime64[{dates.dt.unit}]")
    return dates.to_numpy(dtype=unit).view(np.int64), unit


def _as_dates(integers: np.ndarray, unit: np.dtype, like: pd.Series) -> pd.Series:
    """Turn integers back into dates of ``like``'s dtype (unit and time zone)."""
    stamps = pd.DatetimeIndex(integers.view(unit))
    tz = getattr(like.dtype, "tz", None)
    if tz is not None:
        stamps = stamps.tz_localize("UTC").tz_convert(tz)
    return pd.Series(stamps, copy=False)


def date_extremes(coded: CustomerCodes, dates: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Return each customer's first and last date, as pandas' group-by ``min`` and ``max``.

    Missing dates are left out (a customer with none gets ``NaT``); dates keep their unit and
    time zone. A column of another dtype (text dates) goes through :func:`group_sums`' group-by
    on the codes.

    Parameters
    ----------
    coded : CustomerCodes
        The lines' customers.
    dates : pandas.Series
        A date per line, in the same order.

    Returns
    -------
    tuple of pandas.Series
        The first and the last date of each customer (``coded.customers``' order), on a
        default index.
    """
    parsed = _date_integers(dates)
    if parsed is None:
        grouped = dates.groupby(_grouper(coded), observed=False, sort=True)
        return grouped.min().reset_index(drop=True), grouped.max().reset_index(drop=True)
    integers, unit = parsed
    nat = np.iinfo(np.int64).min  # NaT is the least integer
    if len(integers) and integers[0] != nat and (integers[1:] >= integers[:-1]).all():
        first, last = _first_and_last_lines(coded)  # in time order, no NaT
        return _as_dates(integers[first], unit, dates), _as_dates(integers[last], unit, dates)
    top = np.iinfo(np.int64).max
    first = np.full(len(coded.customers), top)
    some_nat = integers.min() == nat
    np.minimum.at(
        first, coded.lines, np.where(integers == nat, top, integers) if some_nat else integers
    )
    first[first == top] = nat
    last = np.full(len(coded.customers), nat)
    np.maximum.at(last, coded.lines, integers)
    return _as_dates(first, unit, dates), _as_dates(last, unit, dates)


def _first_and_last_lines(coded: CustomerCodes) -> tuple[np.ndarray, np.ndarray]:
    """Return each customer's first and last line, from its first and last run."""
    run = np.arange(len(coded.codes))
    first = np.full(len(coded.customers), len(run))
    np.minimum.at(first, coded.codes, run)
    last = np.full(len(coded.customers), -1)
    np.maximum.at(last, coded.codes, run)
    return coded.starts[first], np.r_[coded.starts[1:], coded.n_lines][last] - 1


def _grouper(coded: CustomerCodes) -> pd.Categorical:
    """Return the lines' customer codes as a categorical: pandas groups by it without hashing."""
    return pd.Categorical.from_codes(coded.lines, categories=pd.RangeIndex(len(coded.customers)))


def group_sums(coded: CustomerCodes, values: pd.DataFrame) -> pd.DataFrame:
    """Sum columns per customer, with the bits and dtypes of pandas' group-by sum.

    pandas' group-by, keyed by the integer codes as a categorical (no hashing: every
    category is a customer with a line) rather than by the ids: each customer's values are
    summed in line order (Kahan's compensated sum for floats), as
    ``values.groupby(customer).sum()`` sums them.

    Parameters
    ----------
    coded : CustomerCodes
        The lines' customers (none missing).
    values : pandas.DataFrame
        The columns to sum, one row per line, in the same order.

    Returns
    -------
    pandas.DataFrame
        One row per customer, indexed by ``coded.customers``.
    """
    out = values.groupby(_grouper(coded), observed=False, sort=True).sum()
    out.index = coded.customers
    return out

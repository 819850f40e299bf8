"""Analysis dates, one convention: ``as_of`` is the first moment *not* analysed.

Every public function of :mod:`helpers` that looks at the data "as of" a date takes it as
``as_of`` and uses the lines dated strictly before it (``date < as_of``): with
``as_of = 2011-12-01`` the last day analysed is 30 November 2011, and a line at midnight on
1 December is not seen. A period that starts at a date (``start``, ``holdout_start``) includes
it. The default ``as_of`` is midnight after the day of the last line, so that every line counts
(:func:`helpers.rfm.default_as_of`).

Models that count in whole days (the BTYD summary data of :mod:`helpers.clv_data`) need the
*last observed day* instead; :func:`last_day` is the one conversion between the two, and
:func:`day_after` the way back.

This module also holds the one parser of a single date argument (:func:`to_timestamp`; columns
of dates in files are read by :func:`helpers.parsing.parse_dates`) and the calendar constants
every module uses (a month is ``365.25 / 12`` days everywhere).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

#: Average length of a year in days (leap years included).
DAYS_PER_YEAR = 365.25
#: Average length of a month in days (``365.25 / 12``, about 30.44).
DAYS_PER_MONTH = DAYS_PER_YEAR / 12
#: Average length of a month in weeks (about 4.35).
WEEKS_PER_MONTH = DAYS_PER_MONTH / 7

_DAY = pd.Timedelta(days=1)

DateLike = str | dt.date | np.datetime64 | pd.Timestamp


def to_timestamp(value: object, name: str, *, day: bool = False) -> pd.Timestamp:
    """Read one date argument, or say which argument is not a date.

    Parameters
    ----------
    value : str, datetime.date, numpy.datetime64 or pandas.Timestamp
        The date, e.g. ``"2011-12-01"``.
    name : str
        The argument's name, for the error message.
    day : bool, default False
        Require a whole day (midnight), e.g. for a day count.

    Returns
    -------
    pandas.Timestamp

    Raises
    ------
    ValueError
        If ``value`` is not a date (or, with ``day``, not midnight), naming ``name``.

    Examples
    --------
    >>> to_timestamp("2011-12-01", "as_of")
    Timestamp('2011-12-01 00:00:00')
    >>> to_timestamp("next Tuesday", "as_of")
    Traceback (most recent call last):
    ...
    ValueError: as_of must be a date, e.g. '2011-12-01'; got 'next Tuesday'
    """
    if isinstance(value, bool) or not isinstance(value, str | dt.date | np.datetime64):
        raise ValueError(f"{name} must be a date, e.g. '2011-12-01'; got {value!r}")
    try:
        stamp = pd.Timestamp(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a date, e.g. '2011-12-01'; got {value!r}") from None
    if pd.isna(stamp):
        raise ValueError(f"{name} must be a date, e.g. '2011-12-01'; got {value!r}")
    if day and stamp != stamp.normalize():
        raise ValueError(f"{name} must be a day (midnight), e.g. '2011-12-01'; got {value!r}")
    return stamp


def last_day(as_of: DateLike) -> pd.Timestamp:
    """Return the last day (midnight) with lines before ``as_of``: the inclusive end.

    Parameters
    ----------
    as_of : date
        The analysis date (exclusive).

    Returns
    -------
    pandas.Timestamp
        Midnight of the day of the last moment before ``as_of``.

    Examples
    --------
    >>> last_day("2011-12-10")
    Timestamp('2011-12-09 00:00:00')
    >>> last_day("2011-12-10 15:30")
    Timestamp('2011-12-10 00:00:00')
    """
    return (to_timestamp(as_of, "as_of") - pd.Timedelta(1, "ns")).normalize()


def day_after(day: DateLike, name: str = "day") -> pd.Timestamp:
    """Return midnight after ``day``: the ``as_of`` that includes the whole day.

    Parameters
    ----------
    day : date
        A day, or a moment in it.
    name : str, default "day"
        The argument's name, for the error message.

    Returns
    -------
    pandas.Timestamp

    Examples
    --------
    >>> day_after("2011-12-09")
    Timestamp('2011-12-10 00:00:00')
    >>> day_after("2011-12-09 17:45")
    Timestamp('2011-12-10 00:00:00')
    """
    return to_timestamp(day, name).normalize() + _DAY

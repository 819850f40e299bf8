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
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers import schema as s
from helpers.checks import column_rule, require_columns

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
    table = "transactions"
    columns = [customer_col, date_col] + ([amount_col] if amount_col else [])
    require_columns(transactions, columns, table)
    column_rule(transactions, transactions[customer_col].isna(), table, customer_col, "present")
    dates = pd.to_datetime(transactions[date_col])
    column_rule(transactions, dates.isna(), table, date_col, "a parsed date (not NaT)")
    if amount_col:
        amounts = pd.to_numeric(transactions[amount_col], errors="coerce")
        column_rule(transactions, amounts.isna(), table, amount_col, "a number")
    else:
        amounts = pd.Series(0.0, index=transactions.index)
    frame = pd.DataFrame(
        {s.CUSTOMER_ID: transactions[customer_col], "day": dates.dt.normalize(), "amount": amounts}
    )
    return frame.groupby([s.CUSTOMER_ID, "day"], as_index=False, sort=True)["amount"].sum()


def _summarise(days: pd.DataFrame, end: pd.Timestamp, unit: float) -> pd.DataFrame:
    """Frequency, recency, T and repeat spend from purchase days up to ``end`` (inclusive)."""
    groups = days.groupby(s.CUSTOMER_ID, sort=True)
    first = groups["day"].min()
    last = groups["day"].max()
    n_days = groups.size()
    total = groups["amount"].sum()
    first_spend = days.drop_duplicates(s.CUSTOMER_ID).set_index(s.CUSTOMER_ID)["amount"]
    frequency = (n_days - 1).astype(int)
    repeat_spend = total - first_spend.reindex(total.index)
    monetary = (repeat_spend / frequency.where(frequency > 0)).fillna(0.0)
    out = pd.DataFrame(
        {
            FREQUENCY: frequency,
            RECENCY: (last - first).dt.days / unit,
            T: (end - first).dt.days / unit,
            MONETARY: monetary,
            "first_purchase": first,
            "last_purchase": last,
        }
    )
    out.index.name = s.CUSTOMER_ID
    return out


def _day(value: str | pd.Timestamp, name: str) -> pd.Timestamp:
    try:
        day = pd.Timestamp(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a date, e.g. '1997-09-30'; got {value!r}") from None
    if day != day.normalize():
        raise ValueError(f"{name} is a day (the last observed day, inclusive); got {value!r}")
    return day


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
    days = purchase_days(
        transactions, customer_col=customer_col, date_col=date_col, amount_col=amount_col
    )
    end = days["day"].max() if observation_end is None else _day(observation_end, "observation_end")
    inside = days["day"] <= end
    if not inside.any():
        raise ValueError(
            f"observation_end {end:%Y-%m-%d} is before the first purchase "
            f"({days['day'].min():%Y-%m-%d}); no customer to summarise"
        )
    out = _summarise(days[inside], end, unit)
    after = pd.to_datetime(transactions[date_col]).dt.normalize() > end
    out.attrs.update(period=period, observation_end=end, lines_after_end=int(after.sum()))
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
    days = purchase_days(
        transactions, customer_col=customer_col, date_col=date_col, amount_col=amount_col
    )
    end = days["day"].max() if observation_end is None else _day(observation_end, "observation_end")
    if not cal_end < end:
        raise ValueError(
            f"calibration_end ({cal_end:%Y-%m-%d}) must be before observation_end "
            f"({end:%Y-%m-%d}): the holdout needs at least one day"
        )
    calibration = days[days["day"] <= cal_end]
    if calibration.empty:
        raise ValueError(f"calibration_end {cal_end:%Y-%m-%d} is before the first purchase")
    out = _summarise(calibration, cal_end, unit)
    holdout = days[(days["day"] > cal_end) & (days["day"] <= end)]
    per_customer = holdout.groupby(s.CUSTOMER_ID)["amount"].agg(["size", "sum"])
    out[HOLDOUT_PURCHASES] = per_customer["size"].reindex(out.index, fill_value=0).astype(int)
    out[HOLDOUT_SPEND] = per_customer["sum"].reindex(out.index, fill_value=0.0).astype(float)
    new = np.setdiff1d(holdout[s.CUSTOMER_ID].unique(), out.index.to_numpy())
    out.attrs.update(
        period=period,
        calibration_end=cal_end,
        observation_end=end,
        holdout_length=(end - cal_end).days / unit,
        new_in_holdout=len(new),
    )
    return out

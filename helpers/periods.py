"""Values per customer and period, and period-to-period retention: the inputs of simple CLV.

:func:`period_values` sums a per-line value (revenue by default, or a line margin) per customer
over whole periods counted back from an analysis date; :func:`retention_table` and
:func:`retention_rate` say how many of a period's buyers bought again in the next one. The CLV
formulas that use them are in :mod:`helpers.value_formulas`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers import schema as s
from helpers.checks import require_columns
from helpers.dates import to_timestamp

__all__ = ["period_values", "retention_rate", "retention_table"]


def _windows(dates: pd.Series, period_months: int, as_of: pd.Timestamp | None) -> pd.DataFrame:
    """Whole periods of ``period_months`` counted back from ``as_of``, oldest first."""
    if not isinstance(period_months, int | np.integer) or period_months < 1:
        raise ValueError(f"period_months must be a whole number >= 1; got {period_months!r}")
    first = dates.min().normalize()
    if as_of is None:
        end = dates.max().normalize() + pd.Timedelta(days=1)
    else:
        end = to_timestamp(as_of, "as_of")
    if end <= first:
        raise ValueError(f"as_of must be after the first invoice date {first:%Y-%m-%d}; got {end}")
    rows = []
    while end - pd.DateOffset(months=int(period_months)) >= first:
        start = end - pd.DateOffset(months=int(period_months))
        rows.append((start, end))
        end = start
    return pd.DataFrame(rows[::-1], columns=["start", "end"])


def period_values(
    transactions: pd.DataFrame,
    values: pd.Series | None = None,
    *,
    period_months: int = 12,
    as_of: str | pd.Timestamp | None = None,
    customer_col: str = s.CUSTOMER_ID,
    date_col: str = s.INVOICE_DATE,
    amount_col: str = s.AMOUNT,
) -> pd.DataFrame:
    """Sum a per-line value per customer and period, for whole periods counted back from as_of.

    Period ``k`` (oldest first) covers ``[start, end)``; the last one ends at ``as_of``. Only
    whole periods that start on or after the first invoice day are kept. Lines before the
    oldest whole period, and lines on or after ``as_of``, are left out; the frame's ``attrs``
    count them (``lines_before_first_period``, ``lines_after_as_of``).

    Parameters
    ----------
    transactions : pandas.DataFrame
        Clean order lines.
    values : pandas.Series, optional
        A value per line, aligned with ``transactions`` (e.g. :func:`line_margin`); default the
        ``amount`` column (revenue).
    period_months : int, default 12
        Length of one period in months.
    as_of : str or Timestamp, optional
        End of the last period, exclusive: lines dated at or after it are left out (a customer
        whose lines all are gets no row). Default the day after the last invoice date.
    customer_col, date_col, amount_col : str
        Column names.

    Returns
    -------
    pandas.DataFrame
        One row per customer with at least one line before ``as_of`` (0 in every period for
        one whose lines all precede the oldest whole period), one column per period labelled
        by its start date; 0 where the customer bought nothing in that period.

    Raises
    ------
    ValueError
        If a column is missing or the data do not hold one whole period.
    """
    require_columns(transactions, [customer_col, date_col, amount_col], "transactions")
    dates = transactions[date_col]
    windows = _windows(dates, period_months, as_of)
    if windows.empty:
        raise ValueError(
            f"period_months={period_months}: the data ({dates.min():%Y-%m-%d} to "
            f"{dates.max():%Y-%m-%d}) do not hold one whole period; use shorter periods"
        )
    line_values = transactions[amount_col] if values is None else values
    edges = pd.DatetimeIndex([*windows["start"], windows["end"].iloc[-1]])
    position = edges.searchsorted(dates, side="right") - 1
    inside = (position >= 0) & (position < len(windows)) & (dates < edges[-1]).to_numpy()
    labels = pd.DatetimeIndex(windows["start"])
    table = (
        line_values[inside]
        .groupby([transactions.loc[inside, customer_col], labels[position[inside]]])
        .sum()
        .unstack(fill_value=0.0)
        .reindex(columns=labels, fill_value=0.0)
    )
    observed = (dates < edges[-1]).to_numpy()  # a customer first seen on or after as_of: no row
    customers = pd.Index(sorted(transactions.loc[observed, customer_col].unique()))
    table = table.reindex(customers, fill_value=0.0)
    table.index.name = s.CUSTOMER_ID
    table.columns.name = "period_start"
    table.attrs["period_months"] = int(period_months)
    table.attrs["lines_before_first_period"] = int((dates < edges[0]).sum())
    table.attrs["lines_after_as_of"] = int((dates >= edges[-1]).sum())
    return table


def retention_table(
    transactions: pd.DataFrame,
    *,
    period_months: int = 12,
    as_of: str | pd.Timestamp | None = None,
    customer_col: str = s.CUSTOMER_ID,
    date_col: str = s.INVOICE_DATE,
    amount_col: str = s.AMOUNT,
) -> pd.DataFrame:
    """Of the customers who bought in one period, how many bought again in the next.

    "Active" means at least one purchase in the period. In a shop (no contract) a customer
    who skips a period is counted as lost although they may come back: this retention is a
    rough, usually low, estimate.

    Parameters
    ----------
    transactions : pandas.DataFrame
        Clean order lines.
    period_months : int, default 12
        Length of one period in months.
    as_of : str or Timestamp, optional
        End of the last period; see :func:`period_values`.
    customer_col, date_col, amount_col : str
        Column names.

    Returns
    -------
    pandas.DataFrame
        One row per pair of consecutive periods, indexed by the first period's start:
        ``active`` (customers who bought in it), ``retained`` (of those, who bought in the
        next period), ``retention`` (retained / active).

    Raises
    ------
    ValueError
        If the data hold fewer than two whole periods.
    """
    table = period_values(
        transactions,
        period_months=period_months,
        as_of=as_of,
        customer_col=customer_col,
        date_col=date_col,
        amount_col=amount_col,
    )
    if table.shape[1] < 2:
        raise ValueError(
            f"period_months={period_months}: retention needs two whole periods, the data hold "
            f"{table.shape[1]}; use shorter periods"
        )
    active = table.to_numpy() > 0
    out = pd.DataFrame(
        {
            "active": active[:, :-1].sum(axis=0),
            "retained": (active[:, :-1] & active[:, 1:]).sum(axis=0),
        },
        index=table.columns[:-1],
    )
    out["retention"] = out["retained"] / out["active"]
    return out


def retention_rate(
    transactions: pd.DataFrame,
    *,
    period_months: int = 12,
    as_of: str | pd.Timestamp | None = None,
    customer_col: str = s.CUSTOMER_ID,
    date_col: str = s.INVOICE_DATE,
    amount_col: str = s.AMOUNT,
) -> float:
    """Pooled period-to-period retention: total retained / total active over all period pairs.

    Parameters
    ----------
    transactions : pandas.DataFrame
        Clean order lines.
    period_months : int, default 12
        Length of one period in months; the rate is per period of this length.
    as_of : str or Timestamp, optional
        End of the last period; see :func:`period_values`.
    customer_col, date_col, amount_col : str
        Column names.

    Returns
    -------
    float
        Strictly between 0 and 1 when some but not all active customers are retained.

    Raises
    ------
    ValueError
        If the data hold fewer than two whole periods, or nobody or everybody was retained
        (the CLV formulas need a rate strictly between 0 and 1).
    """
    table = retention_table(
        transactions,
        period_months=period_months,
        as_of=as_of,
        customer_col=customer_col,
        date_col=date_col,
        amount_col=amount_col,
    )
    rate = float(table["retained"].sum() / table["active"].sum())
    if not 0 < rate < 1:
        raise ValueError(
            f"retention over {period_months}-month periods is {rate:.0%}: the CLV formulas need "
            "a rate strictly between 0 and 1; try another period length"
        )
    return rate

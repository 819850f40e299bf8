"""The CLV model's inputs in DuckDB or Spark, and the models fitted on them as in pandas.

:func:`helpers.scoring.model_clv` reads the clean order lines twice: for the summary at the
analysis date (:func:`helpers.clv_data.summary_data`, weeks) and for the backtest that
chooses the purchase model (:func:`helpers.clv.choice.choose_purchase_model`: three
calibration ends four weeks apart, each with a holdout of 26 or 13 weeks). Both read per
customer tables only, so here an SQL engine (:class:`helpers.scale_sql.Engine`: DuckDB or
Spark, one SQL text for both) makes them from clean lines it holds, and pandas fits and
values (:func:`helpers.scoring.clv_from_summary`, the one implementation of the choice and
the fit):

- :func:`clv_summary`: the summary at ``as_of``, by :data:`helpers.scale_sql.CLV_SUMMARY`;
- :func:`calibration_holdout`: at a calibration end, the same summary of the lines up to it
  (:data:`~helpers.scale_sql.CLV_SUMMARY` again) with what each customer bought in the
  holdout (:data:`HOLDOUT`), as :func:`helpers.clv_data.calibration_holdout`;
- :func:`clv_inputs`: the summary and what the backtest reads
  (:class:`helpers.clv.comparison.BacktestLines`, as
  :func:`helpers.clv.comparison.backtest_lines` makes it from pandas lines): the first and
  last purchase days, the tables of :func:`calibration_holdout`, and the cohort's purchase
  days per week of each holdout (:data:`HOLDOUT_WEEKS`), made when the backtest asks;
- :func:`model_clv`: all of it, then :func:`helpers.scoring.clv_from_summary`.

Input
-----
``lines``: a table or view of clean order lines (every line a purchase), as
:func:`helpers.scale_clean.clean_lines` leaves them, with a customer, a date (a timestamp
without time zone) and an amount. Lines dated at or after ``as_of`` are not read, so the
clean lines of a snapshot at ``as_of`` (the raw lines before it, cleaned) give the table of
:func:`helpers.scoring.model_clv` on that snapshot.

Differences from pandas
-----------------------
Counts, days, ``frequency``, ``recency``, ``T`` and the holdout's purchase days are equal
exactly, so the backtest fits the same models on the same numbers and chooses the same one.
Money (``monetary_value``, ``holdout_spend``) is summed exactly in millionths
(:mod:`helpers.scale_sql`), while pandas adds floats per day and then per customer: they may
differ in the last bit (about 4e-16 relative). The purchase model, ``p_alive`` and
``expected_purchases`` are then equal bit for bit, but Gamma-Gamma's fit, and the CLV built
on it, may not be: its search stops at a gradient of 1e-7 per customer, so a last-bit change
in the spend can move its estimates by about 1e-7 relative (1e-13 on the synthetic shop, 8e-8
on 120,000 lines of Online Retail), and on data where its likelihood is nearly flat it can
end elsewhere (see ``tests/test_scale_clv.py``). Given pandas' ``monetary_value``, the CLV
is pandas' bit for bit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from helpers import dates
from helpers import schema as s
from helpers.checks import require_columns
from helpers.clv.backtest_origin import TRACK_DAYS
from helpers.clv.comparison import BacktestLines
from helpers.clv_data import (
    BTYD_FREQUENCY,
    BTYD_MONETARY,
    BTYD_RECENCY,
    BTYD_T,
    HOLDOUT_PURCHASES,
    HOLDOUT_SPEND,
    period_days,
)
from helpers.scale_sql import CLV_SUMMARY, PROFILE, Engine
from helpers.scoring import clv_from_summary

__all__ = [
    "CLV_LINES",
    "HOLDOUT",
    "HOLDOUT_WEEKS",
    "ClvInputs",
    "calibration_holdout",
    "clv_inputs",
    "clv_summary",
    "model_clv",
]

#: The view ``cvl_lines`` of :mod:`helpers.scale_sql` over the clean lines dated before
#: ``{as_of}``: customer, date and amount (no invoice: the CLV inputs count purchase days).
CLV_LINES = """
SELECT
    CAST({customer_col} AS {string}) AS customer_id,
    CAST(NULL AS {string}) AS invoice_id,
    {date_col} AS invoice_date,
    CAST({amount_col} AS DOUBLE) AS amount
FROM {lines}
WHERE {date_col} < {as_of}
"""

# The purchase days of cvl_lines up to {stop} (a DATE literal), with their spend in millionths.
_DAYS = """
days AS (
    SELECT customer_id, day, sum(units) AS units
    FROM (
        SELECT
            customer_id,
            CAST(invoice_date AS DATE) AS day,
            CAST(round(amount * 1e6) AS BIGINT) AS units
        FROM cvl_lines
    ) dated
    WHERE day <= {stop}
    GROUP BY customer_id, day
)"""

#: Per customer with a purchase day in the holdout ``({origin}, {stop}]``: whether they
#: bought on or before ``{origin}`` (``known``), their purchase days and spend in the holdout.
HOLDOUT = f"""
WITH {_DAYS}
SELECT
    customer_id,
    max(CASE WHEN day <= {{origin}} THEN 1 ELSE 0 END) AS known,
    sum(CASE WHEN day > {{origin}} THEN 1 ELSE 0 END) AS purchases,
    CAST(sum(CASE WHEN day > {{origin}} THEN units ELSE 0 END) AS DOUBLE) / 1e6 AS spend
FROM days
GROUP BY customer_id
HAVING sum(CASE WHEN day > {{origin}} THEN 1 ELSE 0 END) > 0
"""

#: The purchase days in ``({origin}, {stop}]`` of the customers who bought on or before
#: ``{origin}`` (the cohort), per step of ``{step}`` days (0 is the first) of the holdout.
HOLDOUT_WEEKS = f"""
WITH {_DAYS}, cohort AS (
    SELECT customer_id FROM days WHERE day <= {{origin}} GROUP BY customer_id
), held AS (
    SELECT DAYS({{origin}}, d.day) AS since
    FROM days d
    JOIN cohort c ON c.customer_id = d.customer_id
    WHERE d.day > {{origin}}
)
SELECT CAST(floor((since - 1) / {{step}}) AS BIGINT) AS week, count(*) AS purchases
FROM held
GROUP BY CAST(floor((since - 1) / {{step}}) AS BIGINT)
"""

_SUMMARY_DTYPES = {
    BTYD_FREQUENCY: "int64",
    BTYD_RECENCY: "float64",
    BTYD_T: "float64",
    BTYD_MONETARY: "float64",
    "first_purchase": "datetime64[{unit}]",
    "last_purchase": "datetime64[{unit}]",
}

_RULES = {  # name: (column argument, SQL true when broken)
    "customer_col": "customer_id IS NULL",
    "date_col": "invoice_date IS NULL",
    "amount_col": "amount IS NULL OR isnan(amount)",
}


@dataclass(frozen=True)
class ClvInputs:
    """What :func:`helpers.scoring.clv_from_summary` reads, made by the engine.

    Attributes
    ----------
    summary : pandas.DataFrame
        :func:`clv_summary` at ``as_of``.
    backtest : helpers.clv.comparison.BacktestLines
        What the backtest reads of the lines before ``as_of``: its tables are made by the
        engine when :func:`helpers.clv.comparison.compare_models` asks for them (the view
        ``cvl_lines`` is made again first, so other steps may use it meanwhile; the
        ``lines`` must stay).
    as_of : pandas.Timestamp
        The analysis date (exclusive).
    """

    summary: pd.DataFrame
    backtest: BacktestLines
    as_of: pd.Timestamp


def _day(day: pd.Timestamp) -> str:
    return f"DATE '{day:%Y-%m-%d}'"


def _lines_view(run: Engine, lines: str, as_of: pd.Timestamp, columns: dict[str, str]) -> None:
    """Make the view ``cvl_lines`` (:data:`CLV_LINES`): the lines dated before ``as_of``."""
    quoted = {key: run.quote(name) for key, name in columns.items()}
    run.view("cvl_lines", CLV_LINES, lines=lines, as_of=run.timestamp(as_of), **quoted)


def _open(
    engine: Any,
    lines: str,
    as_of: dates.DateLike | None,
    columns: dict[str, str],
) -> tuple[Engine, pd.Timestamp, pd.Series]:
    """Make ``cvl_lines`` (the lines before ``as_of``), check them; return as_of and a profile.

    The default ``as_of`` is midnight after the last line's day. The profile has
    ``n_lines``, ``first_line`` and ``last_line`` of the lines before ``as_of``.
    """
    run = Engine.of(engine)
    require_columns(
        pd.DataFrame(columns=run.columns(lines)), list(columns.values()), lines, allow_empty=True
    )
    if as_of is None:
        date = run.quote(columns["date_col"])
        last = run.run(f"SELECT max({date}) AS last FROM {lines}")["last"].iloc[0]
        if pd.isna(last):
            raise ValueError(f"{lines}: column {columns['date_col']!r} has no dates")
        as_of = dates.day_after(pd.Timestamp(last), "as_of")
    as_of = dates.to_timestamp(as_of, "as_of")
    _lines_view(run, lines, as_of, columns)
    rules = ",\n    ".join(
        f"sum(CASE WHEN {bad} THEN 1 ELSE 0 END) AS bad_{name}" for name, bad in _RULES.items()
    )
    profile = run.run(PROFILE, rules=rules).iloc[0]
    if int(profile["n_lines"]) == 0:
        raise ValueError(
            f"{lines}: no line is dated before as_of {as_of}: no customer to summarise"
        )
    for name, bad in _RULES.items():
        count = int(profile[f"bad_{name}"] or 0)
        if count:
            example = run.run(f"SELECT * FROM cvl_lines WHERE {bad} LIMIT 1").iloc[0].to_dict()
            rule = "a number" if name == "amount_col" else "present (no missing values)"
            raise ValueError(
                f"{lines}: column {columns[name]!r} must be {rule}; {count:,} line(s) before "
                f"as_of are not, e.g. {example}"
            )
    return run, as_of, profile


def _summary(run: Engine, end: pd.Timestamp, unit: float, time_unit: str) -> pd.DataFrame:
    """Run :data:`helpers.scale_sql.CLV_SUMMARY` at the last day ``end``, typed as pandas'."""
    found = run.run(CLV_SUMMARY, end=_day(end), period_days=f"CAST({unit:g} AS DOUBLE)")
    types = {c: t.replace("{unit}", time_unit) for c, t in _SUMMARY_DTYPES.items()}
    found = found.astype(types)
    found.index = pd.Index(found.pop("customer_id").astype("str"), name=s.CUSTOMER_ID)
    return found[list(_SUMMARY_DTYPES)].sort_index()


def _columns(customer_col: str, date_col: str, amount_col: str) -> dict[str, str]:
    return {"customer_col": customer_col, "date_col": date_col, "amount_col": amount_col}


def clv_summary(
    engine: Any,
    lines: str = "cvl_clean",
    as_of: dates.DateLike | None = None,
    *,
    period: str = "W",
    time_unit: str = "ns",
    customer_col: str = s.CUSTOMER_ID,
    date_col: str = s.INVOICE_DATE,
    amount_col: str = s.AMOUNT,
) -> pd.DataFrame:
    """Summarise each customer for the CLV models, as :func:`helpers.clv_data.summary_data`.

    Parameters
    ----------
    engine : Engine, str, DuckDB connection or SparkSession
        The engine holding ``lines``.
    lines : str, default "cvl_clean"
        Table or view of clean order lines (see the module docstring).
    as_of : str or pandas.Timestamp, optional
        The analysis date, exclusive; default midnight after the last line's day.
    period : {"W", "D"}, default "W"
        The unit of ``recency`` and ``T``.
    time_unit : str, default "ns"
        The unit of the ``first_purchase`` and ``last_purchase`` timestamps (pandas keeps
        the unit of the lines' dates).
    customer_col, date_col, amount_col : str
        Column names of the lines.

    Returns
    -------
    pandas.DataFrame
        As :func:`helpers.clv_data.summary_data`: indexed by ``customer_id`` (sorted, text),
        ``frequency``, ``recency``, ``T``, ``monetary_value``, ``first_purchase``,
        ``last_purchase``; ``attrs``: ``period``, ``as_of``, ``last_day``,
        ``lines_after_end`` (0: lines at or after ``as_of`` are not read).

    Raises
    ------
    ValueError
        If a column is missing, ``period`` is unknown, a customer or date is missing or an
        amount is not a number before ``as_of``, or no line is dated before it.
    """
    unit = period_days(period)
    run, as_of, _ = _open(engine, lines, as_of, _columns(customer_col, date_col, amount_col))
    end = dates.last_day(as_of)
    out = _summary(run, end, unit, time_unit)
    out.attrs = {"period": period, "as_of": as_of, "last_day": end, "lines_after_end": 0}
    return out


def _calibration(
    run: Engine, origin: pd.Timestamp, span: int, period: str, time_unit: str
) -> pd.DataFrame:
    """Summarise the calibration to ``origin`` and the holdout's ``span`` days (cvl_lines)."""
    unit = period_days(period)
    stop = origin + pd.Timedelta(days=int(span))
    out = _summary(run, origin, unit, time_unit)
    if out.empty:
        raise ValueError(
            f"holdout_start {dates.day_after(origin):%Y-%m-%d} is not after the first "
            "purchase: the calibration period is empty"
        )
    found = run.run(HOLDOUT, origin=_day(origin), stop=_day(stop))
    found.index = pd.Index(found.pop("customer_id").astype("str"), name=s.CUSTOMER_ID)
    known = found[found["known"] == 1]
    out[HOLDOUT_PURCHASES] = known["purchases"].reindex(out.index, fill_value=0).astype(int)
    out[HOLDOUT_SPEND] = known["spend"].reindex(out.index, fill_value=0.0).astype(float)
    out.attrs.update(
        period=period,
        holdout_start=dates.day_after(origin),
        as_of=dates.day_after(stop),
        last_day=stop.as_unit(time_unit),
        holdout_length=int(span) / unit,
        new_in_holdout=int((found["known"] == 0).sum()),
    )
    return out


def _weeks(run: Engine, origin: pd.Timestamp, span: int) -> np.ndarray:
    """Count the cohort's purchase days per week of the holdout (:data:`HOLDOUT_WEEKS`)."""
    stop = origin + pd.Timedelta(days=int(span))
    found = run.run(HOLDOUT_WEEKS, origin=_day(origin), stop=_day(stop), step=TRACK_DAYS)
    weekly = np.zeros(math.ceil(int(span) / TRACK_DAYS))
    weekly[found["week"].to_numpy(dtype=np.int64)] = found["purchases"].to_numpy(dtype=float)
    return weekly


def calibration_holdout(
    engine: Any,
    lines: str = "cvl_clean",
    *,
    holdout_start: dates.DateLike,
    as_of: dates.DateLike,
    period: str = "W",
    time_unit: str = "ns",
    customer_col: str = s.CUSTOMER_ID,
    date_col: str = s.INVOICE_DATE,
    amount_col: str = s.AMOUNT,
) -> pd.DataFrame:
    """Summary of a calibration period and each customer's holdout purchases, in the engine.

    As :func:`helpers.clv_data.calibration_holdout`: the summary of the lines before
    ``holdout_start`` and, per calibration customer, ``holdout_purchases`` (distinct purchase
    days) and ``holdout_spend`` in ``holdout_start <= date < as_of``; customers first seen in
    the holdout are left out (``attrs["new_in_holdout"]`` counts them).

    Parameters
    ----------
    engine : Engine, str, DuckDB connection or SparkSession
        The engine holding ``lines``.
    lines : str, default "cvl_clean"
        Table or view of clean order lines.
    holdout_start, as_of : str or pandas.Timestamp
        The holdout's first day and its end (exclusive), both days (midnight).
    period : {"W", "D"}, default "W"
        The unit of ``recency``, ``T`` and the holdout's length.
    time_unit : str, default "ns"
        The unit of the timestamps (see :func:`clv_summary`).
    customer_col, date_col, amount_col : str
        Column names of the lines.

    Returns
    -------
    pandas.DataFrame
        The columns of :func:`clv_summary` at the day before ``holdout_start``, then
        ``holdout_purchases`` and ``holdout_spend``; ``attrs`` as the pandas function's.

    Raises
    ------
    ValueError
        If ``holdout_start`` is not before ``as_of`` or not after the first purchase, or as
        :func:`clv_summary`.
    """
    start = dates.to_timestamp(holdout_start, "holdout_start", day=True)
    end = dates.to_timestamp(as_of, "as_of", day=True)
    if not start < end:
        raise ValueError(
            f"holdout_start ({start:%Y-%m-%d}) must be before as_of ({end}): the holdout "
            "needs at least one day"
        )
    run, _, _ = _open(engine, lines, end, _columns(customer_col, date_col, amount_col))
    origin = dates.last_day(start)
    return _calibration(run, origin, (end - start).days, period, time_unit)


def _backtest(
    run: Engine,
    lines: str,
    as_of: pd.Timestamp,
    columns: dict[str, str],
    profile: pd.Series,
    time_unit: str,
) -> BacktestLines:
    """Give the backtest's tables, made when asked, from ``cvl_lines`` made again."""

    def at_origin(origin: pd.Timestamp, span: int, period: str) -> tuple[pd.DataFrame, np.ndarray]:
        _lines_view(run, lines, as_of, columns)  # another step may have replaced the view
        return _calibration(run, origin, span, period, time_unit), _weeks(run, origin, span)

    first, last = (
        pd.Timestamp(profile[k]).normalize().as_unit(time_unit) for k in ("first_line", "last_line")
    )
    return BacktestLines(first, last, at_origin)


def clv_inputs(
    engine: Any,
    lines: str = "cvl_clean",
    as_of: dates.DateLike | None = None,
    *,
    time_unit: str = "ns",
    customer_col: str = s.CUSTOMER_ID,
    date_col: str = s.INVOICE_DATE,
    amount_col: str = s.AMOUNT,
) -> ClvInputs:
    """Make the summary in weeks at ``as_of`` and the backtest's tables, in the engine.

    The summary is :func:`clv_summary`'s; the backtest's tables are those of
    :func:`helpers.clv.comparison.backtest_lines` on the same lines.

    Parameters
    ----------
    engine : Engine, str, DuckDB connection or SparkSession
        The engine holding ``lines``.
    lines : str, default "cvl_clean"
        Table or view of clean order lines.
    as_of : str or pandas.Timestamp, optional
        The analysis date, exclusive; default midnight after the last line's day.
    time_unit : str, default "ns"
        The unit of the timestamps (see :func:`clv_summary`).
    customer_col, date_col, amount_col : str
        Column names of the lines.

    Returns
    -------
    ClvInputs
    """
    columns = _columns(customer_col, date_col, amount_col)
    run, as_of, profile = _open(engine, lines, as_of, columns)
    end = dates.last_day(as_of)
    summary = _summary(run, end, period_days("W"), time_unit)
    summary.attrs = {"period": "W", "as_of": as_of, "last_day": end, "lines_after_end": 0}
    return ClvInputs(summary, _backtest(run, lines, as_of, columns, profile, time_unit), as_of)


def model_clv(
    engine: Any,
    lines: str = "cvl_clean",
    as_of: dates.DateLike | None = None,
    *,
    horizon_months: float,
    discount_rate: float,
    margin_rate: float,
    time_unit: str = "ns",
    customer_col: str = s.CUSTOMER_ID,
    date_col: str = s.INVOICE_DATE,
    amount_col: str = s.AMOUNT,
) -> pd.DataFrame:
    """Value every customer with the CLV models fitted on the engine's tables.

    :func:`clv_inputs`, then :func:`helpers.scoring.clv_from_summary`: the table of
    :func:`helpers.scoring.model_clv` on a snapshot at ``as_of`` whose clean lines are
    ``lines``.

    Parameters
    ----------
    engine, lines, as_of, time_unit, customer_col, date_col, amount_col
        As :func:`clv_inputs`.
    horizon_months, discount_rate, margin_rate : float
        As :func:`helpers.scoring.model_clv`.

    Returns
    -------
    pandas.DataFrame
        As :func:`helpers.scoring.model_clv`.
    """
    inputs = clv_inputs(
        engine,
        lines,
        as_of,
        time_unit=time_unit,
        customer_col=customer_col,
        date_col=date_col,
        amount_col=amount_col,
    )
    return clv_from_summary(
        inputs.summary,
        inputs.backtest,
        as_of=inputs.as_of,
        horizon_months=horizon_months,
        discount_rate=discount_rate,
        margin_rate=margin_rate,
    )

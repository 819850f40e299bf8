"""The report's tables made by DuckDB or Spark: :class:`helpers.report_data.ReportTables` from SQL.

:func:`report_tables` is the engine's counterpart of :func:`helpers.report_data.report_tables`:
the same tables, made where the order lines are, so that only per-customer, per-product and
per-subscription tables come back to Python. Each step is the engine function tested equal
to the pandas one:

- the key figures (:class:`helpers.report_data.KeyFigures`): one query;
- the customer summary (:func:`helpers.scale.summary_of_view`), and the RFM table and
  segments worked out from it in pandas (:func:`helpers.rfm.rfm_of_summary`);
- the churn model's tables: the raw lines before the training cutoff cleaned again
  (:func:`helpers.scale_clean.clean_lines`, as :meth:`helpers.snapshot.Snapshot.at` does),
  their features (:func:`helpers.scale_features.churn_features`), the label (a clean line in
  the window, as :func:`helpers.churn.churn_snapshot`), and the features at ``as_of``;
- the CLV inputs (:func:`helpers.scale_clv.clv_inputs`), the backtest's tables computed once
  (:func:`helpers.clv.choice.stored_backtest`);
- the margin rate, the customer x product matrix, the price list and the sales velocity
  (:mod:`helpers.scale_products`);
- the subscriptions (:data:`SUBSCRIPTIONS`, as
  :func:`helpers.report_subscriptions.subscriptions_from_lines`).

Money is summed exactly in the engine (millionths, see :mod:`helpers.scale_sql`), pandas adds
floats in row order: sums may differ in their last bit (1e-16 relative); everything else is
equal.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from typing import Any

import numpy as np
import pandas as pd

from helpers.churn import label_window
from helpers.clv.choice import stored_backtest
from helpers.report_data import MIN_COVERAGE, KeyFigures, ReportTables
from helpers.report_subscriptions import SUBSCRIPTION_ID
from helpers.rfm import rfm_of_summary, scored_rfm
from helpers.scale import summary_of_view
from helpers.scale_clean import EngineCleaning, clean_lines, line_reasons
from helpers.scale_clv import clv_inputs
from helpers.scale_features import churn_features
from helpers.scale_products import gross_margin_rate, interaction_matrix, price_list, sales_velocity
from helpers.scale_sql import Engine
from helpers.scoring import CustomerTables, check_customers

__all__ = ["FIGURES", "SUBSCRIPTIONS", "key_figures", "report_tables", "subscriptions"]

#: The key figures of clean lines: one pass (money in exact millionths).
FIGURES = """
SELECT
    min(invoice_date) AS first_order,
    max(invoice_date) AS last_order,
    count(*) AS lines,
    count(DISTINCT invoice_id) AS orders,
    count(DISTINCT customer_id) AS customers,
    CAST(sum(CAST(round(amount * 1e6) AS BIGINT)) AS DOUBLE) / 1e6 AS revenue
FROM {lines}
"""

# A month's index in SUBSCRIPTIONS (year * 12 + month - 1) minus its pandas ordinal.
_EPOCH_MONTH = 1970 * 12

#: Per subscription: the first and last month paid (``year * 12 + month - 1``) up to the last
#: complete month ``{end}``, and the payments, in exact millionths.
SUBSCRIPTIONS = """
WITH paid AS (
    SELECT
        {id} AS id,
        year(invoice_date) * 12 + month(invoice_date) - 1 AS month_index,
        CAST(round(amount * 1e6) AS BIGINT) AS units
    FROM {lines}
    WHERE {id} IS NOT NULL AND invoice_date < {as_of}
)
SELECT id, min(month_index) AS first, max(month_index) AS last, sum(units) AS units
FROM paid
WHERE month_index <= {end}
GROUP BY id
"""


def key_figures(engine: Any, lines: str) -> KeyFigures:
    """Count clean order lines in the engine, as :meth:`KeyFigures.from_lines`.

    Parameters
    ----------
    engine : Engine, str, DuckDB connection or SparkSession
        The engine holding ``lines``.
    lines : str
        Table or view of clean order lines (canonical columns).

    Returns
    -------
    helpers.report_data.KeyFigures
    """
    row = Engine.of(engine).run(FIGURES, lines=lines).iloc[0]
    return KeyFigures(
        first_order=pd.Timestamp(row["first_order"]),
        last_order=pd.Timestamp(row["last_order"]),
        lines=int(row["lines"]),
        orders=int(row["orders"]),
        customers=int(row["customers"]),
        revenue=float(row["revenue"]) if pd.notna(row["revenue"]) else 0.0,
    )


def subscriptions(
    engine: Any, lines: str, as_of: pd.Timestamp, *, id_col: str = SUBSCRIPTION_ID
) -> tuple[pd.DataFrame, pd.Period] | None:
    """Return the table of subscriptions of the engine's lines, or None without payments.

    As :func:`helpers.report_subscriptions.subscriptions_from_lines` (ids as text).

    Parameters
    ----------
    engine : Engine, str, DuckDB connection or SparkSession
        The engine holding ``lines``.
    lines : str
        Table or view of clean order lines.
    as_of : pandas.Timestamp
        The analysis date (exclusive).
    id_col : str, default :data:`helpers.report_subscriptions.SUBSCRIPTION_ID`
        The subscription id column.

    Returns
    -------
    tuple of (pandas.DataFrame, pandas.Period) or None
        None when the lines have no ``id_col`` column or no payment in it.
    """
    run = Engine.of(engine)
    if id_col not in run.columns(lines):
        return None
    any_paid = run.run_text(
        f"SELECT count(*) AS n FROM {lines} WHERE {run.quote(id_col)} IS NOT NULL"
    )
    if not int(any_paid["n"].iloc[0]):
        return None
    end = pd.Timestamp(as_of).to_period("M") - 1
    found = run.run(
        SUBSCRIPTIONS,
        id=run.quote(id_col),
        lines=lines,
        as_of=run.timestamp(pd.Timestamp(as_of)),
        end=end.year * 12 + end.month - 1,
    )
    found = found.sort_values("id", ignore_index=True)
    first, last = found["first"].to_numpy(np.int64), found["last"].to_numpy(np.int64)
    months = last - first + 1
    ids = pd.Index(found["id"], name=id_col)
    signup = pd.Series([pd.Period(ordinal=int(m) - _EPOCH_MONTH, freq="M") for m in first])
    table = pd.DataFrame(
        {
            "signup_month": signup.astype(str).to_numpy(),
            "months_active": months.astype("int64"),
            "active": last == end.year * 12 + end.month - 1,
            "monthly_payment": found["units"].to_numpy(dtype=float) / 1e6 / months,
        },
        index=ids,
    )
    return table, end


def _churn_tables(
    run: Engine,
    raw: str,
    cleaning: EngineCleaning,
    as_of: pd.Timestamp,
    window_days: int,
    first: pd.Timestamp,
    customers: pd.DataFrame | None,
    line_col: str,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return the churn model's training table (features at the cutoff, ``churn``) and now."""
    cutoff = as_of - pd.Timedelta(days=int(window_days))
    window_end = label_window(first, as_of, cutoff, window_days)
    stamp, end = run.timestamp(cutoff), run.timestamp(window_end)
    run.view(
        "cvl_report_raw_cut",
        f"SELECT * FROM {raw} WHERE invoice_date < {stamp} OR invoice_date IS NULL",
    )
    earlier = clean_lines(
        run, "cvl_report_raw_cut", line_col=line_col, view="cvl_report_cut", subset_of=cleaning
    )
    train = churn_features(
        run,
        earlier.view,
        cutoff,
        reasons=line_reasons(run, earlier, view="cvl_report_cut_reasons"),
        customers=customers,
    )
    bought = run.run_text(
        f"SELECT DISTINCT customer_id FROM {cleaning.view} "
        f"WHERE invoice_date >= {stamp} AND invoice_date < {end}"
    )
    train["churn"] = ~train.index.isin(set(bought["customer_id"].astype("str")))
    train.attrs.update(as_of=cutoff, cutoff=cutoff, window_end=window_end)
    now = churn_features(
        run,
        cleaning.view,
        as_of,
        reasons=line_reasons(run, cleaning, view="cvl_report_reasons"),
        customers=customers,
    )
    return train, now


def report_tables(
    engine: Any,
    raw: str,
    cleaning: EngineCleaning,
    as_of: pd.Timestamp,
    *,
    window_days: int,
    margin: float | None = None,
    products: pd.DataFrame | None = None,
    customers: pd.DataFrame | None = None,
    has_products: bool = True,
    line_col: str = "line_number",
    step: Callable[[str], AbstractContextManager[object]] | None = None,
) -> ReportTables:
    """Make the report's tables in the engine, as :func:`helpers.report_data.report_tables`.

    Parameters
    ----------
    engine : Engine, str, DuckDB connection or SparkSession
        The engine holding the lines.
    raw : str
        Table or view of the raw order lines before ``as_of`` (and the undated ones), typed
        as :func:`helpers.scale_load.load_lines` leaves them: the churn model's training
        lines are these, cut at its cutoff and cleaned again.
    cleaning : helpers.scale_clean.EngineCleaning
        ``raw`` cleaned (:func:`helpers.scale_clean.clean_lines`).
    as_of : pandas.Timestamp
        The analysis date (exclusive).
    window_days, margin, products, customers, has_products
        As :func:`helpers.report_data.report_tables`.
    line_col : str, default "line_number"
        The lines' numbers in file order.
    step : callable, optional
        ``step(what)`` gives a context manager around each step (to say it and its time).

    Returns
    -------
    helpers.report_data.ReportTables
        ``lines`` is None: the lines stay in the engine.

    Raises
    ------
    ValueError
        If fewer than two customers have clean lines, or the churn window does not fit
        (:func:`helpers.churn.label_window`); as the engine functions for bad lines.
    """
    run = Engine.of(engine)
    step = step or (lambda what: nullcontext())
    view = cleaning.view
    with step("key figures and the customer summary"):
        figures = key_figures(run, view)
        summary = summary_of_view(run, view)
        check_customers(summary.index, as_of)
    with step("churn features at the training cutoff and now"):
        train, now = _churn_tables(
            run, raw, cleaning, as_of, window_days, figures.first_order, customers, line_col
        )
    with step("CLV inputs and the backtest's tables"):
        inputs = clv_inputs(run, view, as_of)
        backtest = stored_backtest(inputs.backtest, as_of)
    tables = CustomerTables(
        as_of=as_of,
        window_days=int(window_days),
        summary=summary,
        rfm=scored_rfm(rfm_of_summary(summary, as_of)),
        churn_train=train,
        churn_now=now,
        clv_summary=inputs.summary,
        backtest=backtest,
    )
    with step("margin, products and subscriptions"):
        rate, source = gross_margin_rate(
            run, view, products, rate=margin, min_coverage=MIN_COVERAGE, rate_name="--margin"
        )
        interactions = interaction_matrix(run, view) if has_products else None
        no_products = has_products and products is None
        prices = price_list(run, view, line_col=line_col) if no_products else None
        velocity = (
            sales_velocity(run, view, as_of, window_days)
            if has_products and products is not None
            else None
        )
        paid = subscriptions(run, view, as_of)
    return ReportTables(
        engine=run.name,
        figures=figures,
        customers=tables,
        margin_rate=rate,
        margin_source=source,
        interactions=interactions,
        price_list=prices,
        velocity=velocity,
        subscriptions=paid,
        lines=None,
    )

"""What the report reads of the order lines: per-customer and per-product tables, and key figures.

The customer value report (notebook 12, :mod:`helpers.report`) never reads the order lines
themselves. It reads a :class:`ReportTables`: the key figures of the lines
(:class:`KeyFigures`), the per-customer tables that scoring needs
(:class:`helpers.scoring.CustomerTables`), the margin rate, and the per-product and
per-subscription tables of the campaigns. Every one of them is small next to the lines (one
row per customer, product or subscription), so that they can be made where the lines are:

- :func:`report_tables` makes them in pandas, from a :class:`helpers.snapshot.Snapshot`;
- :func:`helpers.scale_report.report_tables` makes the same tables in DuckDB or Spark, from
  one set of SQL, for order logs larger than memory.

The models (churn, CLV, recommendations, subscriptions) are fitted on these tables in the
notebook, so that both give the same report. Only the exercises of notebook 12 read the
clean lines (``lines``, pandas only).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import pandas as pd

from helpers import schema as s
from helpers.checks import require_columns
from helpers.clv.choice import stored_backtest
from helpers.interactions import Interactions, interaction_matrix
from helpers.promotion import sales_velocity
from helpers.report_subscriptions import SUBSCRIPTION_ID, subscriptions_from_lines
from helpers.scoring import CustomerTables, customer_tables
from helpers.snapshot import Snapshot
from helpers.value import gross_margin_rate

__all__ = ["KeyFigures", "ReportTables", "price_list", "report_tables", "stored"]

#: The report's rule for the margin rate measured from unit costs: 90% of revenue covered.
MIN_COVERAGE: float = 0.9


@dataclass(frozen=True)
class KeyFigures:
    """The key figures of the clean order lines before the analysis date.

    Attributes
    ----------
    first_order, last_order : pandas.Timestamp
        The first and last line's date.
    lines : int
        Clean order lines.
    orders : int
        Distinct invoices.
    customers : int
        Distinct customers.
    revenue : float
        The sum of the lines' amounts.
    """

    first_order: pd.Timestamp
    last_order: pd.Timestamp
    lines: int
    orders: int
    customers: int
    revenue: float

    @classmethod
    def from_lines(cls, lines: pd.DataFrame) -> KeyFigures:
        """Count clean order lines (canonical columns), in pandas.

        Parameters
        ----------
        lines : pandas.DataFrame
            ``customer_id``, ``invoice_id``, ``invoice_date`` and ``amount``.

        Returns
        -------
        KeyFigures
        """
        require_columns(lines, [s.CUSTOMER_ID, s.INVOICE_ID, s.INVOICE_DATE, s.AMOUNT], "lines")
        dates = lines[s.INVOICE_DATE]
        return cls(
            first_order=dates.min(),
            last_order=dates.max(),
            lines=len(lines),
            orders=int(lines[s.INVOICE_ID].nunique()),
            customers=int(lines[s.CUSTOMER_ID].nunique()),
            revenue=float(lines[s.AMOUNT].sum()),
        )

    @property
    def order_value(self) -> float:
        """The average order value: revenue per distinct invoice."""
        return self.revenue / self.orders if self.orders else float("nan")


@dataclass
class ReportTables:
    """Everything the report reads of the order lines (see the module docstring).

    Attributes
    ----------
    engine : str
        Where the tables were made: ``"pandas"``, ``"duckdb"`` or ``"spark"``.
    figures : KeyFigures
    customers : helpers.scoring.CustomerTables
        What :func:`helpers.scoring.score_tables` reads.
    margin_rate : float
    margin_source : str
        :func:`helpers.value.gross_margin_rate` of the lines and the products table.
    interactions : helpers.interactions.Interactions or None
        The customer x product matrix (binary) for cross-selling; None without products.
    price_list : pandas.DataFrame or None
        Median unit price and first description per product (:func:`price_list`); None
        without products or when a products table is given (it is the price list).
    velocity : pandas.DataFrame or None
        :func:`helpers.promotion.sales_velocity` over the churn window; None without a
        products table.
    subscriptions : tuple of (pandas.DataFrame, pandas.Period) or None
        :func:`helpers.report_subscriptions.subscriptions_from_lines`; None without
        subscription payments.
    lines : pandas.DataFrame or None
        The clean lines before ``as_of`` (pandas only: the exercises read them).
    """

    engine: str
    figures: KeyFigures
    customers: CustomerTables
    margin_rate: float
    margin_source: str
    interactions: Interactions | None
    price_list: pd.DataFrame | None
    velocity: pd.DataFrame | None
    subscriptions: tuple[pd.DataFrame, pd.Period] | None
    lines: pd.DataFrame | None = None

    @property
    def as_of(self) -> pd.Timestamp:
        """The analysis date (exclusive)."""
        return self.customers.as_of

    def last_purchase(self) -> pd.Series:
        """Return the date of each customer's last clean order line."""
        return self.customers.summary["last_purchase"]


def price_list(lines: pd.DataFrame) -> pd.DataFrame:
    """Return each product's median unit price and first description (if any), sorted by id.

    The report's price list when no products table is given.

    Parameters
    ----------
    lines : pandas.DataFrame
        Clean order lines: ``product_id``, ``unit_price``, optional ``description``.

    Returns
    -------
    pandas.DataFrame
        ``product_id``, ``unit_price`` and (when the lines have it) ``description``.
    """
    described = {"description": (s.DESCRIPTION, "first")} if s.DESCRIPTION in lines else {}
    return (
        lines.groupby(s.PRODUCT_ID)
        .agg(unit_price=(s.UNIT_PRICE, "median"), **described)
        .reset_index()
    )


def stored(tables: CustomerTables) -> CustomerTables:
    """Return the tables with the backtest's tables computed once (picklable, no lines).

    The report's tables travel to the notebook in a file; the backtest of the purchase
    model (:func:`helpers.clv.choice.stored_backtest`) would otherwise read the lines, or
    the engine, when the notebook chooses the model.
    """
    return replace(tables, backtest=stored_backtest(tables.backtest, tables.as_of))


def report_tables(
    snapshot: Snapshot,
    *,
    window_days: int,
    margin: float | None = None,
    products: pd.DataFrame | None = None,
    customers: pd.DataFrame | None = None,
    has_products: bool = True,
) -> ReportTables:
    """Make the report's tables from a snapshot of the order lines, in pandas.

    Parameters
    ----------
    snapshot : helpers.snapshot.Snapshot
        The order lines before the analysis date, cleaned once (canonical columns).
    window_days : int
        The churn window (and the window of the sales velocity).
    margin : float, optional
        The margin rate given (``--margin``); None: measured from the products' unit costs
        (:func:`helpers.value.gross_margin_rate`, 90% of revenue covered), else assumed.
    products : pandas.DataFrame, optional
        The products table (unit costs for the margin; its presence means a promotion plan,
        which needs the sales velocity).
    customers : pandas.DataFrame, optional
        The customers table (demographics for the churn features).
    has_products : bool, default True
        Whether the order lines name their products (no cross-sell or promotion without).

    Returns
    -------
    ReportTables
    """
    as_of, lines = snapshot.as_of, snapshot.clean
    before = lines[s.INVOICE_DATE] < as_of
    if not before.all():
        lines = lines[before]
    rate, source = gross_margin_rate(
        lines, products, rate=margin, min_coverage=MIN_COVERAGE, rate_name="--margin"
    )
    subscriptions = None
    if SUBSCRIPTION_ID in lines.columns and lines[SUBSCRIPTION_ID].notna().any():
        subscriptions = subscriptions_from_lines(lines, as_of)
    return ReportTables(
        engine="pandas",
        figures=KeyFigures.from_lines(lines),
        customers=stored(customer_tables(snapshot, window_days=window_days, customers=customers)),
        margin_rate=rate,
        margin_source=source,
        interactions=interaction_matrix(lines) if has_products else None,
        price_list=price_list(lines) if has_products and products is None else None,
        velocity=sales_velocity(lines, as_of, window_days)
        if has_products and products is not None
        else None,
        subscriptions=subscriptions,
        lines=lines,
    )

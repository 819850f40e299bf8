"""One row per customer: purchases, revenue and dates, summed from clean order lines.

Every per-customer measure in the course starts here: the value formulas (chapter 02), tiers
(03), RFM (04), clustering and profiling (05, 09). Keeping one summary means one definition of
"a purchase" (a distinct invoice) and of "revenue" (the net ``amount`` of the clean lines,
returns already netted by :func:`helpers.cleaning.clean_transactions`).
"""

from __future__ import annotations

import pandas as pd

from helpers import schema as s
from helpers.checks import column_rule, require_columns

__all__ = ["SUMMARY_COLUMNS", "customer_summary"]

#: The columns of :func:`customer_summary` (``profit`` only when unit costs are given).
SUMMARY_COLUMNS: tuple[str, ...] = (
    "purchases",
    "revenue",
    "average_amount",
    "first_purchase",
    "last_purchase",
    "profit",
)


def customer_summary(
    transactions: pd.DataFrame,
    *,
    start: str | pd.Timestamp | None = None,
    end: str | pd.Timestamp | None = None,
    unit_cost: pd.Series | None = None,
    customer_id: str = s.CUSTOMER_ID,
    invoice_id: str = s.INVOICE_ID,
    invoice_date: str = s.INVOICE_DATE,
    amount: str = s.AMOUNT,
    product_id: str = s.PRODUCT_ID,
    quantity: str = s.QUANTITY,
) -> pd.DataFrame:
    """Sum clean order lines per customer, optionally within a time window.

    Parameters
    ----------
    transactions : pandas.DataFrame
        Clean order lines (e.g. from :func:`helpers.datasets.load_clean_transactions`): every
        ``amount`` present and positive, every line with a customer.
    start, end : str or pandas.Timestamp, optional
        Keep lines with ``start <= invoice_date < end`` (``end`` exclusive, so ``end`` can be
        the first moment of the next period).
    unit_cost : pandas.Series, optional
        Cost of one unit, indexed by product id (e.g. the products table's ``unit_cost``);
        when given, ``profit`` = revenue - quantity x unit cost is added.
    customer_id, invoice_id, invoice_date, amount, product_id, quantity : str
        Column names; default the canonical names of :mod:`helpers.schema`.

    Returns
    -------
    pandas.DataFrame
        Indexed by customer id (sorted), one row per customer with a line in the window:

        - ``purchases``: distinct invoices;
        - ``revenue``: sum of ``amount``;
        - ``average_amount``: revenue / purchases (a one-purchase customer: that invoice's
          total);
        - ``first_purchase``, ``last_purchase``: first and last ``invoice_date``;
        - ``profit`` (only with ``unit_cost``).

    Raises
    ------
    ValueError
        If a column is missing, the table or the window has no lines, a customer id or amount
        is missing, an amount is zero or negative (the lines are not clean), or a product has
        no cost. Messages name the column, the rule and an offending row.
    """
    table = "transactions"
    needed = [customer_id, invoice_id, invoice_date, amount]
    if unit_cost is not None:
        needed += [product_id, quantity]
    require_columns(transactions, needed, table)
    lines = transactions
    if start is not None:
        lines = lines[lines[invoice_date] >= pd.Timestamp(start)]
    if end is not None:
        lines = lines[lines[invoice_date] < pd.Timestamp(end)]
    if lines.empty:
        raise ValueError(
            f"no order lines with {start or '-inf'} <= {invoice_date} < {end or 'inf'} "
            f"(of {len(transactions):,} lines)"
        )
    column_rule(lines, lines[customer_id].isna(), table, customer_id, "present")
    positive = pd.to_numeric(lines[amount], errors="coerce") > 0
    column_rule(lines, ~positive, table, amount, "> 0 (clean the order lines first)")
    frame = {"revenue": lines[amount]}
    if unit_cost is not None:
        cost = lines[product_id].map(unit_cost)
        if cost.isna().any():
            example = lines[cost.isna()].iloc[0]
            raise ValueError(
                f"unit_cost has no cost for product {example[product_id]!r} "
                f"(row {example.name!r}); give a cost for every product sold"
            )
        frame["profit"] = lines[amount] - lines[quantity] * cost
    groups = pd.DataFrame(frame).groupby(lines[customer_id], sort=True)
    out = groups.sum()
    by_customer = lines.groupby(customer_id, sort=True)
    out.insert(0, "purchases", by_customer[invoice_id].nunique())
    out.insert(2, "average_amount", out["revenue"] / out["purchases"])
    out.insert(3, "first_purchase", by_customer[invoice_date].min())
    out.insert(4, "last_purchase", by_customer[invoice_date].max())
    out.index.name = customer_id
    return out

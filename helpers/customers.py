"""One row per customer: purchases, revenue and dates, summed from clean order lines.

Every per-customer measure in the course starts here: the value formulas (chapter 02), tiers
(03), RFM (04), clustering and profiling (05, 09). Keeping one summary means one definition of
"a purchase" (a distinct invoice) and of "revenue" (the net ``amount`` of the clean lines,
returns already netted by :func:`helpers.cleaning.clean_transactions`).

The sums, counts and dates are computed on integer codes of the customers by
:mod:`helpers.customer_aggregates`, the core that :func:`helpers.clv_data.summary_data` shares;
the results are those of a pandas group-by by customer, bit for bit.
"""

from __future__ import annotations

import pandas as pd

from helpers import schema as s
from helpers.checks import column_rule, require_columns
from helpers.customer_aggregates import customer_codes, date_extremes, distinct_ids, group_sums
from helpers.dates import to_timestamp
from helpers.deprecation import LINE_COLUMN_RENAMES, renamed_arguments

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


@renamed_arguments(**LINE_COLUMN_RENAMES)
def customer_summary(
    transactions: pd.DataFrame,
    *,
    start: str | pd.Timestamp | None = None,
    end: str | pd.Timestamp | None = None,
    unit_cost: pd.Series | None = None,
    customer_col: str = s.CUSTOMER_ID,
    invoice_col: str = s.INVOICE_ID,
    date_col: str = s.INVOICE_DATE,
    amount_col: str = s.AMOUNT,
    product_col: str = s.PRODUCT_ID,
    quantity_col: str = s.QUANTITY,
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
    customer_col, invoice_col, date_col, amount_col, product_col, quantity_col : str
        Column names; default the canonical names of :mod:`helpers.schema` (the old names
        ``customer_id``, ``invoice_id``, ``invoice_date``, ``amount``, ``product_id``,
        ``quantity`` still work, with a FutureWarning).

    Returns
    -------
    pandas.DataFrame
        Indexed by customer id (sorted; the index is named ``customer_col``), one row per
        customer with a line in the window:

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
    needed = [customer_col, invoice_col, date_col, amount_col]
    if unit_cost is not None:
        needed += [product_col, quantity_col]
    require_columns(transactions, needed, table)
    lines = _window(transactions, start, end, date_col)
    coded = customer_codes(lines[customer_col])
    if (coded.codes < 0).any():
        column_rule(lines, lines[customer_col].isna(), table, customer_col, "present")
    positive = pd.to_numeric(lines[amount_col], errors="coerce") > 0
    column_rule(lines, ~positive, table, amount_col, "> 0 (clean the order lines first)")
    frame = {"revenue": lines[amount_col]}
    if unit_cost is not None:
        cost = lines[product_col].map(unit_cost)
        if cost.isna().any():
            example = lines[cost.isna()].iloc[0]
            raise ValueError(
                f"unit_cost has no cost for product {example[product_col]!r} "
                f"(row {example.name!r}); give a cost for every product sold"
            )
        frame["profit"] = lines[amount_col] - lines[quantity_col] * cost
    out = group_sums(coded, pd.DataFrame(frame))
    first, last = date_extremes(coded, lines[date_col])
    out.insert(0, "purchases", distinct_ids(coded, lines[invoice_col]))
    out.insert(2, "average_amount", out["revenue"] / out["purchases"])
    out.insert(3, "first_purchase", first.array)
    out.insert(4, "last_purchase", last.array)
    out.index.name = customer_col
    return out


def _window(
    transactions: pd.DataFrame,
    start: str | pd.Timestamp | None,
    end: str | pd.Timestamp | None,
    date_col: str,
) -> pd.DataFrame:
    """Return the lines with ``start <= date < end`` (all of them without bounds); refuse none."""
    keep = None
    if start is not None:
        keep = transactions[date_col] >= to_timestamp(start, "start")
    if end is not None:
        before = transactions[date_col] < to_timestamp(end, "end")
        keep = before if keep is None else keep & before
    lines = transactions if keep is None or keep.all() else transactions[keep]
    if lines.empty:
        raise ValueError(
            f"no order lines with {start or '-inf'} <= {date_col} < {end or 'inf'} "
            f"(of {len(transactions):,} lines)"
        )
    return lines

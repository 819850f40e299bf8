"""The classic customer value models per customer, and how differently they rank customers.

The **per-customer models** take tables (clean order lines from
:func:`helpers.datasets.load_clean_transactions`, and customers, products or service contacts
where the model needs them) and return a Series or DataFrame indexed by ``customer_id``:
:func:`income_model`, :func:`purchase_count_model`, :func:`line_margin`, :func:`cost_to_serve`,
:func:`profit_model` and, per acquisition channel, :func:`channel_economics`. Two helpers
compare how models rank customers: :func:`top_overlap` and :func:`rank_agreement`.

=====================  ==========================================================================
income model           value = annual income x spending-capacity factor
purchase-count model   value = number of purchases x average amount per purchase
profit model           value = purchases x average amount x margin rate - cost to serve
channel economics      LTV/CAC and CAC payback months per acquisition channel
=====================  ==========================================================================

Purchases, revenue and average amount per customer come from
:func:`helpers.customers.customer_summary` (a *purchase* is an invoice: the order lines of one
``invoice_id``). The formulas on numbers (CLV, lifetime, LTV/CAC, ...) are in
:mod:`helpers.value_formulas`; values per period and retention in :mod:`helpers.periods`. Bad
input raises a ``ValueError`` that names the argument or column, the rule and an offending
example.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import pandas as pd

from helpers import dates
from helpers import schema as s
from helpers.checks import check_share, column_rule, require_columns, unique_ids
from helpers.customers import customer_summary
from helpers.dates import to_timestamp
from helpers.translation import gettext as _
from helpers.value_formulas import check_margin_rate, income_value

__all__ = [
    "ASSUMED_MARGIN_RATE",
    "channel_economics",
    "cost_to_serve",
    "gross_margin_rate",
    "income_model",
    "line_margin",
    "profit_model",
    "purchase_count_model",
    "rank_agreement",
    "top_overlap",
]

# --- per-customer models ------------------------------------------------------------------------


def _summary(
    transactions: pd.DataFrame, customer_col: str, invoice_col: str, date_col: str, amount_col: str
) -> pd.DataFrame:
    """:func:`helpers.customers.customer_summary` with this module's column arguments."""
    summary = customer_summary(
        transactions,
        customer_col=customer_col,
        invoice_col=invoice_col,
        date_col=date_col,
        amount_col=amount_col,
    )
    return summary.rename_axis(s.CUSTOMER_ID)


def purchase_count_model(
    transactions: pd.DataFrame,
    *,
    customer_col: str = s.CUSTOMER_ID,
    invoice_col: str = s.INVOICE_ID,
    date_col: str = s.INVOICE_DATE,
    amount_col: str = s.AMOUNT,
) -> pd.DataFrame:
    """Purchase-count model: value = number of purchases x average amount per purchase.

    The value is the customer's total revenue: the average amount is total / purchases, so
    purchases x average = total. The widely copied "purchases x purchase amount" with the
    *total* amount counts purchases twice: it equals purchases**2 x average, so a customer
    with 10 purchases of 50 is worth 10 x 500 = 5,000 instead of 500, and frequent buyers are
    inflated quadratically.

    Parameters
    ----------
    transactions : pandas.DataFrame
        Clean order lines.
    customer_col, invoice_col, date_col, amount_col : str
        Column names.

    Returns
    -------
    pandas.DataFrame
        Indexed by customer: ``purchases``, ``average_amount``, ``value``.
    """
    summary = _summary(transactions, customer_col, invoice_col, date_col, amount_col)
    out = summary[["purchases", "average_amount"]].copy()
    out["value"] = out["purchases"] * out["average_amount"]
    return out


def income_model(
    customers: pd.DataFrame,
    *,
    customer_col: str = s.CUSTOMER_ID,
    income_col: str = s.ANNUAL_INCOME,
    capacity_col: str = s.SPENDING_CAPACITY,
) -> pd.Series:
    """Income model per customer: annual income x spending-capacity factor.

    Parameters
    ----------
    customers : pandas.DataFrame
        One row per customer.
    customer_col, income_col, capacity_col : str
        Column names.

    Returns
    -------
    pandas.Series
        ``income_value`` indexed by customer (sorted). A customer whose income is missing gets
        NaN (unknown, not zero).

    Raises
    ------
    ValueError
        If a column is missing, a customer id repeats, or an income or factor is negative.
    """
    require_columns(customers, [customer_col, income_col, capacity_col], "customers")
    unique_ids(customers, customer_col, "customers")
    for column in (income_col, capacity_col):
        values = pd.to_numeric(customers[column], errors="coerce")
        column_rule(customers, values < 0, "customers", column, ">= 0")
    table = customers.set_index(customer_col).sort_index()
    value = income_value(table[income_col].astype(float), table[capacity_col].astype(float))
    value.index.name = s.CUSTOMER_ID
    return value.rename("income_value")


#: The margin rate assumed for data without product costs (a share of spend).
ASSUMED_MARGIN_RATE: float = 0.30


def gross_margin_rate(
    transactions: pd.DataFrame,
    products: pd.DataFrame | None = None,
    *,
    rate: float | None = None,
    assumed: float = ASSUMED_MARGIN_RATE,
    min_coverage: float = 1.0,
    rate_name: str = "MARGIN_RATE",
    amount_col: str = s.AMOUNT,
    product_col: str = s.PRODUCT_ID,
) -> tuple[float, str]:
    """Return the gross margin as a share of spend: measured from costs when known, else assumed.

    With ``products`` (their ``unit_cost``), the margin of every line (:func:`line_margin`)
    summed over the lines, divided by their revenue; without, ``assumed``. Every chapter that
    turns spend into margin takes its rate from here, so one shop has one margin.

    Parameters
    ----------
    transactions : pandas.DataFrame
        Clean order lines.
    products : pandas.DataFrame, optional
        One row per product with its ``unit_cost``.
    rate : float, optional
        A rate set by the user (a notebook's ``MARGIN_RATE``): returned as it is, in (0, 1].
    assumed : float, default :data:`ASSUMED_MARGIN_RATE`
        The rate used without product costs, in (0, 1].
    min_coverage : float, default 1
        Smallest share of the revenue whose products must have a cost. Below 1, lines whose
        product has no cost (or no product) are left out of the measure, and the source says
        how much revenue it covers; below the share, the assumed rate is used, and the source
        says why.
    rate_name : str, default "MARGIN_RATE"
        What ``rate`` is called where the user set it, for the source.
    amount_col, product_col : str
        Column names of the line amounts and products.

    Returns
    -------
    tuple of (float, str)
        The rate and where it comes from, in words ("measured from the product costs",
        "assumed: the data has no product costs" or "set by MARGIN_RATE").

    Raises
    ------
    ValueError
        If the lines' revenue is not positive, or as :func:`line_margin`.
    """
    check_share("assumed", assumed, "a share of revenue")
    check_share("min_coverage", min_coverage, "a share of revenue")
    if rate is not None:
        check_share("rate", rate, "a share of revenue")
        return float(rate), _("set by {name}").format(name=rate_name)
    if products is None or s.UNIT_COST not in products.columns:
        return float(assumed), _("assumed: the data has no product costs")
    revenue = float(transactions[amount_col].sum())
    if not revenue > 0:
        raise ValueError(
            f"transactions: the revenue ({amount_col} summed) must be > 0 to measure a margin "
            f"rate; got {revenue}"
        )
    lines = transactions
    if min_coverage < 1 and product_col in transactions.columns:
        costed = products.loc[pd.to_numeric(products[s.UNIT_COST], errors="coerce").notna()]
        lines = transactions[transactions[product_col].isin(costed[product_col])]
    elif min_coverage < 1:
        lines = transactions.iloc[:0]
    coverage = float(lines[amount_col].sum()) / revenue
    if coverage < min_coverage or not coverage > 0:
        return float(assumed), _(
            "assumed: product costs cover only {coverage:.0%} of the revenue"
        ).format(coverage=coverage)
    margin = float(line_margin(lines, products, amount_col=amount_col).sum())
    source = _("measured from the product costs")
    if coverage < 1:
        source = _("measured from the product costs ({coverage:.0%} of the revenue has a cost)")
        source = source.format(coverage=coverage)
    return margin / float(lines[amount_col].sum()), source


def line_margin(
    transactions: pd.DataFrame,
    products: pd.DataFrame | None = None,
    *,
    margin_rate: float | None = None,
    product_col: str = s.PRODUCT_ID,
    quantity_col: str = s.QUANTITY,
    price_col: str = s.UNIT_PRICE,
    amount_col: str = s.AMOUNT,
    cost_col: str = s.UNIT_COST,
) -> pd.Series:
    """Gross margin of each order line, from product costs or from a margin rate.

    With ``products``: ``quantity x (unit_price - unit_cost)``, the price actually paid on the
    line minus the product's cost (a line sold below cost has a negative margin). With
    ``margin_rate`` (data without costs, e.g. Online Retail): ``amount x margin_rate``.

    Parameters
    ----------
    transactions : pandas.DataFrame
        Clean order lines.
    products : pandas.DataFrame, optional
        One row per product with its ``unit_cost``. Give exactly one of ``products`` and
        ``margin_rate``.
    margin_rate : float, optional
        Gross margin as a share of revenue, in (0, 1].
    product_col, quantity_col, price_col, amount_col, cost_col : str
        Column names.

    Returns
    -------
    pandas.Series
        ``margin``, aligned with ``transactions``' index.

    Raises
    ------
    ValueError
        If both or neither of ``products`` and ``margin_rate`` are given, a column is missing, a
        product of the lines has no cost, a cost is negative, or the rate is outside (0, 1].
    """
    if (products is None) == (margin_rate is None):
        raise ValueError(
            "give exactly one of products= (unit costs) and margin_rate= (a share of revenue)"
        )
    if margin_rate is not None:
        check_margin_rate(margin_rate)
        require_columns(transactions, [amount_col], "transactions")
        return (transactions[amount_col] * float(margin_rate)).rename("margin")
    require_columns(transactions, [product_col, quantity_col, price_col], "transactions")
    require_columns(products, [product_col, cost_col], "products")
    unique_ids(products, product_col, "products")
    costs = pd.to_numeric(products[cost_col], errors="coerce")
    column_rule(products, ~(costs >= 0), "products", cost_col, ">= 0 and present")
    unit_cost = transactions[product_col].map(costs.set_axis(products[product_col]))
    column_rule(
        transactions,
        unit_cost.isna(),
        "transactions",
        product_col,
        "a product listed in products (to know its unit_cost)",
    )
    margin = transactions[quantity_col] * (transactions[price_col] - unit_cost)
    return margin.rename("margin")


def cost_to_serve(
    contacts: pd.DataFrame,
    customers: Iterable[str] | None = None,
    *,
    customer_col: str = s.CUSTOMER_ID,
    cost_col: str = s.COST,
) -> pd.Series:
    """Cost to serve per customer: the sum of their service contacts' costs.

    Parameters
    ----------
    contacts : pandas.DataFrame
        One row per service contact, with its ``cost`` (>= 0).
    customers : iterable of str, optional
        The customers to report on; those without contacts get 0. Default: the customers
        who have contacts.
    customer_col, cost_col : str
        Column names.

    Returns
    -------
    pandas.Series
        ``cost_to_serve`` indexed by customer.
    """
    require_columns(contacts, [customer_col, cost_col], "contacts")
    costs = pd.to_numeric(contacts[cost_col], errors="coerce")
    column_rule(contacts, ~(costs >= 0), "contacts", cost_col, ">= 0 and present")
    total = costs.groupby(contacts[customer_col]).sum()
    if customers is not None:
        total = total.reindex(pd.Index(list(customers)), fill_value=0.0)
    total.index.name = s.CUSTOMER_ID
    return total.astype(float).rename("cost_to_serve")


def profit_model(
    transactions: pd.DataFrame,
    contacts: pd.DataFrame | None = None,
    *,
    products: pd.DataFrame | None = None,
    margin_rate: float | None = None,
    customer_col: str = s.CUSTOMER_ID,
    invoice_col: str = s.INVOICE_ID,
    date_col: str = s.INVOICE_DATE,
    amount_col: str = s.AMOUNT,
    product_col: str = s.PRODUCT_ID,
    quantity_col: str = s.QUANTITY,
    price_col: str = s.UNIT_PRICE,
    cost_col: str = s.UNIT_COST,
    contact_cost_col: str = s.COST,
) -> pd.DataFrame:
    """Profit model: value = purchases x average amount x margin rate - cost to serve.

    Parameters
    ----------
    transactions : pandas.DataFrame
        Clean order lines.
    contacts : pandas.DataFrame, optional
        Service contacts with their cost. ``None`` means *no data on service costs*: cost to
        serve is then 0 and the value is the gross margin, an upper bound of the profit.
    products, margin_rate
        Where the margin comes from (exactly one), see :func:`line_margin`.
    customer_col, invoice_col, date_col, amount_col, product_col, quantity_col, price_col, cost_col, contact_cost_col : str
        Column names (``contact_cost_col`` is the cost column of ``contacts``).

    Returns
    -------
    pandas.DataFrame
        Indexed by customer: ``purchases``, ``average_amount``, ``margin_rate`` (the
        customer's gross margin / revenue), ``gross_margin``, ``cost_to_serve``, ``value``.
        Customers who contacted service but have no purchase are included, with 0 purchases,
        0 gross margin, NaN average amount and margin rate, and a negative value: they cost
        money and brought none.
    """  # noqa: E501
    summary = _summary(transactions, customer_col, invoice_col, date_col, amount_col)
    margin = line_margin(
        transactions,
        products,
        margin_rate=margin_rate,
        product_col=product_col,
        quantity_col=quantity_col,
        price_col=price_col,
        amount_col=amount_col,
        cost_col=cost_col,
    )
    out = summary[["purchases", "average_amount"]].copy()
    out["gross_margin"] = margin.groupby(transactions[customer_col]).sum()
    out.insert(2, "margin_rate", out["gross_margin"] / summary["revenue"])
    if contacts is None:
        out["cost_to_serve"] = 0.0
    else:
        serve = cost_to_serve(contacts, customer_col=customer_col, cost_col=contact_cost_col)
        out = out.reindex(out.index.union(serve.index))
        out.index.name = s.CUSTOMER_ID
        out["purchases"] = out["purchases"].fillna(0).astype("int64")
        out["gross_margin"] = out["gross_margin"].fillna(0.0)
        out["cost_to_serve"] = serve.reindex(out.index, fill_value=0.0)
    # purchases x average amount x margin rate is the gross margin; written out for the reader
    value = out["purchases"] * out["average_amount"] * out["margin_rate"]
    out["value"] = value.fillna(out["gross_margin"]) - out["cost_to_serve"]
    return out


# --- acquisition channels -----------------------------------------------------------------------

#: Average length of a month in days: :data:`helpers.dates.DAYS_PER_MONTH` (365.25 / 12),
#: kept here under its old name for chapter 02.
DAYS_PER_MONTH = dates.DAYS_PER_MONTH


def channel_economics(
    customers: pd.DataFrame,
    ltv: pd.Series,
    margin: pd.Series,
    *,
    as_of: str | pd.Timestamp,
    customer_col: str = s.CUSTOMER_ID,
    channel_col: str = s.ACQUISITION_CHANNEL,
    cac_col: str = s.ACQUISITION_COST,
    signup_col: str = s.SIGNUP_DATE,
) -> pd.DataFrame:
    """LTV/CAC ratio and CAC payback months per acquisition channel.

    For each channel: ``cac`` and ``ltv`` are the means over its customers, ``ltv_cac`` is
    ``ltv / cac`` (a ratio of means: total value over total acquisition spend);
    ``margin_per_month`` is the channel's total ``margin`` divided by its customers' total
    months since signup (to ``as_of``); ``payback_months`` is ``cac / margin_per_month`` (NaN
    when the margin per month is not positive: the channel never pays back).

    Parameters
    ----------
    customers : pandas.DataFrame
        One row per customer with channel, acquisition cost and signup date.
    ltv : pandas.Series
        Lifetime value per customer (margin, in money). Customers of ``customers`` missing from
        it count with 0: they cost their acquisition and brought nothing.
    margin : pandas.Series
        Margin earned per customer since signup (e.g. the profit model's ``value``); missing
        customers count with 0.
    as_of : str or Timestamp
        The date tenure is measured to (e.g. the end of the data).
    customer_col, channel_col, cac_col, signup_col : str
        Column names.

    Returns
    -------
    pandas.DataFrame
        Indexed by channel (sorted): ``customers``, ``cac``, ``ltv``, ``ltv_cac``,
        ``margin_per_month``, ``payback_months``.

    Raises
    ------
    ValueError
        If a column is missing, an id repeats, a cost is missing or negative, a signup date is
        after ``as_of``, or ``ltv``/``margin`` name customers not in ``customers``.
    """
    table = "customers"
    require_columns(customers, [customer_col, channel_col, cac_col, signup_col], table)
    unique_ids(customers, customer_col, table)
    cac = pd.to_numeric(customers[cac_col], errors="coerce")
    column_rule(customers, ~(cac >= 0), table, cac_col, ">= 0 and present")
    as_of = to_timestamp(as_of, "as_of")
    signup = pd.to_datetime(customers[signup_col])
    column_rule(customers, ~(signup <= as_of), table, signup_col, f"on or before {as_of}")
    ids = pd.Index(customers[customer_col])
    for name, series in (("ltv", ltv), ("margin", margin)):
        unknown = series.index.difference(ids)
        if len(unknown):
            raise ValueError(
                f"{name}: {len(unknown)} customer(s) are not in customers, e.g. {unknown[0]!r}"
            )
    frame = pd.DataFrame(
        {
            "channel": customers[channel_col].to_numpy(),
            "cac": cac.to_numpy(dtype=float),
            "ltv": ltv.reindex(ids, fill_value=0.0).to_numpy(dtype=float),
            "margin": margin.reindex(ids, fill_value=0.0).to_numpy(dtype=float),
            "months": ((as_of - signup) / pd.Timedelta(days=DAYS_PER_MONTH)).to_numpy(),
        }
    )
    groups = frame.groupby("channel", sort=True)
    out = pd.DataFrame(
        {
            "customers": groups.size(),
            "cac": groups["cac"].mean(),
            "ltv": groups["ltv"].mean(),
        }
    )
    out["ltv_cac"] = out["ltv"] / out["cac"].where(out["cac"] > 0)
    out["margin_per_month"] = groups["margin"].sum() / groups["months"].sum()
    out["payback_months"] = out["cac"] / out["margin_per_month"].where(out["margin_per_month"] > 0)
    out.index.name = channel_col
    return out


# --- comparing rankings -------------------------------------------------------------------------


def _top(values: pd.Series, share: float) -> pd.Index:
    """Return the top ``ceil(share x n)`` labels by value; ties broken by label order."""
    ordered = values.sort_index().sort_values(ascending=False, kind="stable")
    return ordered.index[: math.ceil(share * len(values))]


def top_overlap(a: pd.Series, b: pd.Series, share: float = 0.1) -> float:
    """Share of the top ``share`` of customers by ``a`` who are also in the top by ``b``.

    Only customers with a value in both are compared; each top group has
    ``ceil(share x n)`` customers, ties at the boundary broken by customer id.

    Parameters
    ----------
    a, b : pandas.Series
        Values indexed by customer.
    share : float, default 0.1
        The top fraction (0.1: the top decile), in (0, 1].

    Returns
    -------
    float
        Between 0 and 1 (1: the same customers).
    """
    check_share("share", share)
    both = pd.concat([a.rename("a"), b.rename("b")], axis=1, join="inner").dropna()
    if both.empty:
        raise ValueError("a and b have no customer with a value in both")
    top_a, top_b = _top(both["a"], share), _top(both["b"], share)
    return len(top_a.intersection(top_b)) / len(top_a)


def rank_agreement(values: pd.DataFrame, share: float = 0.1) -> tuple[pd.DataFrame, pd.DataFrame]:
    """How alike several value formulas rank the same customers.

    Parameters
    ----------
    values : pandas.DataFrame
        One row per customer, one column per formula. Each pair is compared on the customers
        with a value in both.
    share : float, default 0.1
        The top fraction for the overlap (0.1: the top decile).

    Returns
    -------
    spearman : pandas.DataFrame
        Spearman rank correlations (1: the same order; 0: unrelated).
    overlap : pandas.DataFrame
        :func:`top_overlap` of the row's formula's top group with the column's.
    """
    if not isinstance(values, pd.DataFrame) or values.shape[1] < 2:
        raise ValueError("values must be a DataFrame with at least two columns (formulas)")
    spearman = values.corr(method="spearman")
    names = list(values.columns)
    overlap = pd.DataFrame(
        [[top_overlap(values[a], values[b], share) for b in names] for a in names],
        index=names,
        columns=names,
    )
    return spearman, overlap

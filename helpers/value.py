"""The classic customer value formulas, per customer and as plain formulas.

Two kinds of function live here:

- **formulas** take numbers or arrays (or pandas Series, whose index is kept) and return the
  same shape: :func:`income_value`, :func:`expected_lifetime`, :func:`naive_clv`,
  :func:`simple_clv`, :func:`retention_clv`, :func:`period_discount_rate`,
  :func:`projected_profits`, :func:`discounted_clv`, :func:`ltv_cac_ratio`,
  :func:`cac_payback_months`;
- **per-customer models** take tables (clean order lines from
  :func:`helpers.datasets.load_clean_transactions`, and customers, products or service contacts
  where the formula needs them) and return a Series or DataFrame indexed by ``customer_id``:
  :func:`purchase_summary`, :func:`income_model`, :func:`purchase_count_model`,
  :func:`line_margin`, :func:`cost_to_serve`, :func:`profit_model`, :func:`period_values`,
  :func:`retention_table`, :func:`retention_rate`, :func:`channel_economics`. Two helpers
  compare how formulas rank customers: :func:`top_overlap` and :func:`rank_agreement`.

The value models, in the course's words:

=====================  ==========================================================================
income model           value = annual income x spending-capacity factor
purchase-count model   value = number of purchases x average amount per purchase
profit model           value = purchases x average amount x margin rate - cost to serve
simple CLV             CLV = margin rate x ARPU / churn rate (undiscounted, no horizon)
retention CLV          CLV = m x r / (1 + d - r) (per-period margin m, retention r, discount d)
discounted CLV         CLV = sum over t = 1..T of profit_t / (1 + d)^t
LTV/CAC                LTV / acquisition cost; CAC payback = CAC / monthly margin (months)
=====================  ==========================================================================

A *purchase* is an invoice: the order lines of one ``invoice_id``. Bad input raises a
``ValueError`` that names the argument or column, the rule and an offending example.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
import pandas as pd

from helpers import schema as s
from helpers.checks import check_numbers, column_rule, require_columns, unique_ids

__all__ = [
    "cac_payback_months",
    "channel_economics",
    "cost_to_serve",
    "discounted_clv",
    "expected_lifetime",
    "income_model",
    "income_value",
    "line_margin",
    "ltv_cac_ratio",
    "naive_clv",
    "period_discount_rate",
    "period_values",
    "profit_model",
    "projected_profits",
    "purchase_count_model",
    "purchase_summary",
    "rank_agreement",
    "retention_clv",
    "retention_rate",
    "retention_table",
    "simple_clv",
    "top_overlap",
]

Number = float | int | np.ndarray | pd.Series

# --- checks -------------------------------------------------------------------------------------


def _positive(name: str, value: object, **kwargs) -> None:
    check_numbers(name, value, "> 0", lambda a: a > 0, **kwargs)


def _non_negative(name: str, value: object, **kwargs) -> None:
    check_numbers(name, value, ">= 0", lambda a: a >= 0, **kwargs)


def _finite(name: str, value: object) -> None:
    check_numbers(name, value, "a finite number", np.isfinite)


def _rate(name: str, value: object, meaning: str) -> None:
    """Check a churn or retention rate: strictly between 0 and 1."""
    check_numbers(name, value, f"strictly between 0 and 1 ({meaning})", lambda a: (a > 0) & (a < 1))


def _margin_rate(value: object) -> None:
    check_numbers(
        "margin_rate", value, "in (0, 1] (a share of revenue)", lambda a: (a > 0) & (a <= 1)
    )


def _discount(value: object) -> None:
    check_numbers("discount_rate", value, ">= 0 and finite (e.g. 0.1 for 10%)", lambda a: a >= 0)
    _finite("discount_rate", value)


# --- formulas on numbers ------------------------------------------------------------------------


def income_value(annual_income: Number, spending_capacity: Number) -> Number:
    """Income model: value = annual income x spending-capacity factor.

    Parameters
    ----------
    annual_income : float or array-like
        Income per year (>= 0). A missing income (NaN) gives a missing value.
    spending_capacity : float or array-like
        The share of their means the customer spends on us, a factor >= 0 (in the synthetic
        data between 0 and 1). NaN gives a missing value.

    Returns
    -------
    float or array-like
        What the customer *could* spend per year; it says nothing about what they buy.

    Raises
    ------
    ValueError
        If an income or factor is negative.
    """
    _non_negative("annual_income", annual_income, allow_nan=True)
    _non_negative("spending_capacity", spending_capacity, allow_nan=True)
    return annual_income * spending_capacity


def expected_lifetime(churn_rate: Number) -> Number:
    """Return the expected lifetime in periods when a share ``churn_rate`` leaves each period.

    A customer who is present in period 1 and stays each further period with probability
    ``1 - churn_rate`` is present for a geometric number of periods, with mean ``1 / churn_rate``.

    Parameters
    ----------
    churn_rate : float or array-like
        Share of customers lost per period, strictly between 0 and 1.

    Returns
    -------
    float or array-like
        Periods (in the unit of ``churn_rate``: a yearly churn rate gives years).
    """
    _rate("churn_rate", churn_rate, "the share of customers lost per period")
    return 1 / churn_rate


def naive_clv(arpu: Number, churn_rate: Number, lifetime: Number) -> Number:
    """Compute the widely copied ``ARPU / churn rate x lifetime``: wrong, do not use.

    ``ARPU / churn_rate`` is already ARPU x expected lifetime, because the expected lifetime
    is ``1 / churn_rate`` periods (:func:`expected_lifetime`). Multiplying by the lifetime again
    counts it twice: with ``lifetime = 1 / churn_rate`` the result is ``ARPU / churn_rate**2``,
    and it is in money x periods, not money. It also ignores margin and discounting. Use
    :func:`simple_clv` or :func:`retention_clv` instead.

    Parameters
    ----------
    arpu : float or array-like
        Average revenue per customer per period (>= 0).
    churn_rate : float or array-like
        Share of customers lost per period, strictly between 0 and 1.
    lifetime : float or array-like
        Customer lifetime in periods (> 0).

    Returns
    -------
    float or array-like
        ``arpu / churn_rate * lifetime``.
    """
    _non_negative("arpu", arpu)
    _rate("churn_rate", churn_rate, "the share of customers lost per period")
    _positive("lifetime", lifetime)
    return arpu / churn_rate * lifetime


def simple_clv(arpu: Number, churn_rate: Number, margin_rate: Number = 1.0) -> Number:
    """Compute simple CLV from averages: margin rate x ARPU / churn rate.

    Timing: the customer pays ``margin_rate * arpu`` in every period they are present,
    starting with the current period (certain), and stays each further period with probability
    ``1 - churn_rate``; there is no discounting and no horizon. The expected number of periods
    paid is ``1 / churn_rate`` (:func:`expected_lifetime`), so
    ``CLV = margin_rate * arpu * 1 / churn_rate``. It equals :func:`retention_clv` with
    ``discount_rate=0`` plus the first, certain period's margin.

    Parameters
    ----------
    arpu : float or array-like
        Average revenue per customer per period (>= 0).
    churn_rate : float or array-like
        Share of customers lost per period (same period as ``arpu``), strictly between 0 and 1.
    margin_rate : float or array-like, default 1.0
        Gross margin as a share of revenue, in (0, 1]. The default 1.0 gives a revenue CLV,
        which overstates value by the cost of goods.

    Returns
    -------
    float or array-like
        Lifetime margin in money.
    """
    _non_negative("arpu", arpu)
    _rate("churn_rate", churn_rate, "the share of customers lost per period")
    _margin_rate(margin_rate)
    return margin_rate * arpu / churn_rate


def retention_clv(margin: Number, retention_rate: Number, discount_rate: Number) -> Number:
    """CLV with retention and discounting: m x r / (1 + d - r).

    Timing: the customer was just acquired (time 0, no margin counted then). The margin ``m``
    of period ``t`` is received at the *end* of period ``t``, only if the customer is still
    there (probability ``r**t``), and is discounted by ``(1 + d)**t``. Summing over all future
    periods, ``sum_{t>=1} m r^t / (1 + d)^t = m r / (1 + d - r)``. If instead margins arrive at
    the start of each period including the first, the value is ``m (1 + d) / (1 + d - r)``,
    that is this value plus ``m``. With ``d = 0`` this is ``m r / (1 - r) = m / churn - m``:
    :func:`simple_clv` without its first period.

    Parameters
    ----------
    margin : float or array-like
        Margin per period per retained customer, in money (may be negative).
    retention_rate : float or array-like
        Share of customers who stay from one period to the next, strictly between 0 and 1.
    discount_rate : float or array-like
        Discount rate per period (>= 0), in the same period as ``margin`` and
        ``retention_rate`` (see :func:`period_discount_rate`).

    Returns
    -------
    float or array-like
        Present value of the expected future margins.
    """
    _finite("margin", margin)
    _rate("retention_rate", retention_rate, "the share of customers kept per period")
    _discount(discount_rate)
    return margin * retention_rate / (1 + discount_rate - retention_rate)


def period_discount_rate(annual_rate: float, period_months: float) -> float:
    """Convert an annual discount rate to a rate per period of ``period_months`` months.

    ``(1 + annual_rate) ** (period_months / 12) - 1``: compounding the period rate over a year
    gives the annual rate back (10% a year is 4.88% per 6 months, not 5%).

    Parameters
    ----------
    annual_rate : float
        Discount rate per year, >= 0.
    period_months : float
        Length of one period in months, > 0 (12: a year; 6: a half-year; 1: a month).

    Returns
    -------
    float
    """
    check_numbers(
        "annual_rate", annual_rate, ">= 0 and finite", lambda a: (a >= 0) & np.isfinite(a)
    )
    _positive("period_months", period_months)
    return (1 + annual_rate) ** (period_months / 12) - 1


def projected_profits(margin: Number, retention_rate: float, horizon: int) -> Number:
    """Return the expected profit of future periods: ``margin x retention_rate ** t``, t >= 1.

    The timing is that of :func:`retention_clv`: period ``t``'s margin arrives at its end,
    only if the customer is still there.

    Parameters
    ----------
    margin : float, array-like or pandas.Series
        Margin per period of a retained customer.
    retention_rate : float
        Share kept per period, strictly between 0 and 1.
    horizon : int
        Number of future periods (>= 1).

    Returns
    -------
    numpy.ndarray or pandas.DataFrame
        One column per period ``1..horizon``: a 1-D array for a scalar margin, a 2-D array for
        an array, a DataFrame (same index, columns ``1..horizon``) for a Series.
    """
    _finite("margin", margin)
    _rate("retention_rate", retention_rate, "the share of customers kept per period")
    if not isinstance(horizon, int | np.integer) or horizon < 1:
        raise ValueError(f"horizon must be a whole number of periods >= 1; got {horizon!r}")
    survival = float(retention_rate) ** np.arange(1, horizon + 1)
    if isinstance(margin, pd.Series):
        values = np.outer(margin.to_numpy(dtype=float), survival)
        return pd.DataFrame(values, index=margin.index, columns=range(1, horizon + 1))
    arr = np.asarray(margin, dtype=float)
    return survival * arr if arr.ndim == 0 else np.outer(arr, survival)


def discounted_clv(
    profits: Number | pd.DataFrame, discount_rate: float, *, period_months: float = 12
) -> float | np.ndarray | pd.Series:
    """Discounted CLV: sum over t = 1..T of profit_t / (1 + d)^t.

    The period unit is explicit: ``profits`` holds one profit per period of ``period_months``
    months, ``discount_rate`` is **per year** and is converted to a rate per period with
    :func:`period_discount_rate`. Timing: profit ``t`` arrives at the end of period ``t`` (the
    first is discounted once), as in :func:`retention_clv`. The horizon is the number of
    periods given.

    Parameters
    ----------
    profits : array-like or pandas.DataFrame
        1-D: the profits of periods 1..T. 2-D (array or DataFrame): one row per customer, one
        column per period in order.
    discount_rate : float
        Annual discount rate, >= 0.
    period_months : float, default 12
        Length of one period in months (12: yearly profits; 1: monthly).

    Returns
    -------
    float, numpy.ndarray or pandas.Series
        A float for 1-D profits; one value per row otherwise (a Series with the DataFrame's
        index).
    """
    _discount(discount_rate)
    _finite("profits", profits)
    rate = period_discount_rate(discount_rate, period_months)
    arr = np.asarray(profits, dtype=float)
    if arr.ndim not in (1, 2) or arr.shape[-1] == 0:
        raise ValueError(
            f"profits must be 1-D (periods) or 2-D (customers x periods) with at least one "
            f"period; got shape {arr.shape}"
        )
    factors = (1 + rate) ** -np.arange(1, arr.shape[-1] + 1)
    result = arr @ factors
    if isinstance(profits, pd.DataFrame):
        return pd.Series(result, index=profits.index, name="discounted_clv")
    return float(result) if arr.ndim == 1 else result


def ltv_cac_ratio(ltv: Number, cac: Number) -> Number:
    """LTV / CAC: lifetime value per unit of acquisition cost.

    Parameters
    ----------
    ltv : float or array-like
        Lifetime value (margin, not revenue), in money; may be negative.
    cac : float or array-like
        Customer acquisition cost, > 0.

    Returns
    -------
    float or array-like
        Above 1 the customer pays back their acquisition; a common rule of thumb asks for 3.
    """
    _finite("ltv", ltv)
    _positive("cac", cac)
    return ltv / cac


def cac_payback_months(cac: Number, monthly_margin: Number) -> Number:
    """Months of margin needed to earn back the acquisition cost: CAC / monthly margin.

    Parameters
    ----------
    cac : float or array-like
        Customer acquisition cost, >= 0.
    monthly_margin : float or array-like
        Margin the customer brings per month, > 0 (a customer who brings nothing never pays
        back: there is no finite answer).

    Returns
    -------
    float or array-like
        Months. Churn is ignored: if the customer leaves sooner, the cost is never recovered.
    """
    _non_negative("cac", cac)
    _positive("monthly_margin", monthly_margin)
    return cac / monthly_margin


# --- per-customer models ------------------------------------------------------------------------


def purchase_summary(
    transactions: pd.DataFrame,
    *,
    customer_col: str = s.CUSTOMER_ID,
    invoice_col: str = s.INVOICE_ID,
    date_col: str = s.INVOICE_DATE,
    amount_col: str = s.AMOUNT,
) -> pd.DataFrame:
    """Purchases (invoices), revenue and average amount per purchase, per customer.

    Parameters
    ----------
    transactions : pandas.DataFrame
        Clean order lines (every ``amount`` > 0), e.g. from
        :func:`helpers.datasets.load_clean_transactions`.
    customer_col, invoice_col, date_col, amount_col : str
        Column names.

    Returns
    -------
    pandas.DataFrame
        Indexed by customer (sorted), columns ``purchases`` (distinct invoices), ``revenue``,
        ``average_amount`` (revenue / purchases), ``first_purchase``, ``last_purchase``. A
        customer with a single purchase has ``purchases`` 1 and ``average_amount`` equal to that
        invoice's total.

    Raises
    ------
    ValueError
        If a column is missing, the table is empty, or an amount is missing, zero or negative
        (clean the lines first with :func:`helpers.cleaning.clean_transactions`).
    """
    table = "transactions"
    require_columns(transactions, [customer_col, invoice_col, date_col, amount_col], table)
    amount = transactions[amount_col]
    bad = ~(pd.to_numeric(amount, errors="coerce") > 0)
    column_rule(transactions, bad, table, amount_col, "> 0 (clean the order lines first)")
    column_rule(transactions, transactions[customer_col].isna(), table, customer_col, "present")
    groups = transactions.groupby(customer_col, sort=True)
    out = pd.DataFrame(
        {
            "purchases": groups[invoice_col].nunique(),
            "revenue": groups[amount_col].sum(),
            "first_purchase": groups[date_col].min(),
            "last_purchase": groups[date_col].max(),
        }
    )
    out.insert(2, "average_amount", out["revenue"] / out["purchases"])
    out.index.name = s.CUSTOMER_ID
    return out


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
    summary = purchase_summary(
        transactions,
        customer_col=customer_col,
        invoice_col=invoice_col,
        date_col=date_col,
        amount_col=amount_col,
    )
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
        _margin_rate(margin_rate)
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
    summary = purchase_summary(
        transactions,
        customer_col=customer_col,
        invoice_col=invoice_col,
        date_col=date_col,
        amount_col=amount_col,
    )
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


# --- periods, retention, CLV inputs -------------------------------------------------------------


def _windows(dates: pd.Series, period_months: int, as_of: pd.Timestamp | None) -> pd.DataFrame:
    """Whole periods of ``period_months`` counted back from ``as_of``, oldest first."""
    if not isinstance(period_months, int | np.integer) or period_months < 1:
        raise ValueError(f"period_months must be a whole number >= 1; got {period_months!r}")
    first = dates.min().normalize()
    end = (dates.max().normalize() + pd.Timedelta(days=1)) if as_of is None else pd.Timestamp(as_of)
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
        End of the last period (exclusive); default the day after the last invoice date.
    customer_col, date_col, amount_col : str
        Column names.

    Returns
    -------
    pandas.DataFrame
        One row per customer (those with at least one line), one column per period labelled by
        its start date; 0 where the customer bought nothing in that period.

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
    table = table.reindex(pd.Index(sorted(transactions[customer_col].unique())), fill_value=0.0)
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


# --- acquisition channels -----------------------------------------------------------------------

#: Average length of a month in days (365.25 / 12).
DAYS_PER_MONTH = 365.25 / 12


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
    as_of = pd.Timestamp(as_of)
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
    check_numbers("share", share, "in (0, 1]", lambda x: (x > 0) & (x <= 1))
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

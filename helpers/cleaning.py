"""Cleaning raw order lines, with a report that gives every removed row a reason.

:func:`clean_transactions` turns raw order lines (the canonical columns of
:mod:`helpers.schema`, as returned by the loaders of :mod:`helpers.datasets`) into lines that
pass ``helpers.schema.validate(clean, "transactions")``, and returns a report that accounts for
every row and every pound: nothing is dropped silently. :func:`flag_transactions` says, for each
raw row, the reason it would be removed for, without removing anything.

The lines are first checked and their text tidied (:mod:`helpers.raw_lines`). The rules, applied
in this order (a removed row is counted under the FIRST reason that applies, see
:data:`REASONS`):

1. text is normalised (whitespace stripped from ids, description and country; product codes and
   descriptions upper-cased) *before* anything else, so that ``"  ceramic mug BLUE "`` and
   ``"CERAMIC MUG BLUE"`` are the same description and whitespace variants are caught as
   duplicates;
2. ``unparseable date``: ``invoice_date`` is ``NaT`` (the loaders turn unparseable text into
   ``NaT`` so that it is counted here);
3. ``missing customer id``: no customer (missing, or empty after stripping). These rows are
   removed before returns are matched, so a missing id can never match another missing id;
4. ``test account``: the customer id is one of ``test_accounts`` (case-insensitive, stripped);
5. ``exact duplicate``: the row equals an earlier row in every column (after normalisation); the
   first copy is kept;
6. manual credits are netted against the purchase they reverse (see below): ``manual credit
   netted``, ``purchase reversed by manual credit``, ``unmatched manual credit``;
7. ``non-product code``: postage, fees, manual adjustments, discounts, samples and vouchers
   (:data:`NON_PRODUCT_CODES` and :data:`NON_PRODUCT_PATTERN`);
8. ``zero or negative price``: ``unit_price <= 0`` (a missing price is counted here too);
9. returns are netted against purchases (see below): ``cancellation netted``, ``fully returned
   purchase``, ``unmatched cancellation``;
10. ``extreme quantity``: a robust outlier of the remaining quantities (see below).

Manual credits
--------------
A manual adjustment (:data:`MANUAL_ADJUSTMENT_CODES`: Online Retail's ``M`` / ``MANUAL``) on a
return line is money credited to the customer by hand. It names no product, so returns netting
cannot match it; yet it often reverses a purchase outright (Online Retail's customer 15098: 60
picnic baskets at £649.50, credited £38,970 three minutes later). Such a credit is matched, by
:func:`helpers.adjustments.match_manual_credits`, to the most recent purchase of the same
customer at or before it whose amount is the credit's to the penny: one line, or one whole
invoice (its products and the postage billed with them). The credit is removed as ``manual
credit netted`` and the line(s) it reverses as ``purchase reversed by manual credit``, so the
customer's revenue loses what was given back. A manual credit that matches nothing (a goodwill
payment, a partial refund, a purchase before the data start) is removed as ``unmatched manual
credit``: money did go back to the customer, but no purchase can carry it, and the report shows
how much. Positive manual adjustments (charges) stay ``non-product code``.

Netting returns
---------------
A *return line* (quantity not positive, or an invoice id starting with ``cancellation_prefix``)
is netted against the earlier purchases of the same customer, product and unit price, latest
first (:mod:`helpers.returns` gives the rule in full): a purchase wholly returned is removed as
``fully returned purchase``, one partly returned is kept with the smaller quantity (the fix
``partially returned purchase``), a return line that matched is removed as ``cancellation
netted`` and one that matched nothing as ``unmatched cancellation``. The quantity returned
beyond what was bought is recorded in the report's ``attrs["unmatched_return_quantity"]``.

Extreme quantities
------------------
On the quantities still kept after netting, a line is an extreme quantity when the robust
z-score of its log quantity exceeds ``outlier_z`` (default 7) and it is at least
``outlier_min_quantity`` units (default 1,000); :mod:`helpers.extreme_quantities` gives the
rule and how the defaults were chosen on Online Retail.

Report
------
The report has one row per reason of :data:`REASONS` (with 0 rows when none applies), then one
row per fix of :data:`FIXES`. Columns: ``reason``; ``action``: "removed", "fixed", or "flagged"
(extreme quantities kept because ``drop_outliers=False``); ``rows``; ``revenue``:

- for a removed row, its raw ``quantity * unit_price``, signed as in the data (a cancellation
  line contributes negative revenue; a missing price counts as 0);
- for a fix, the signed change in revenue it caused (a return of 2 x £2 netted against a kept
  purchase: -4; whitespace fixes: 0);
- for flagged rows, their revenue in the clean data (no change).

Fix rows count kept rows only (a row changed and then removed is counted once, under its
removal reason); a kept row can be counted under both fixes.

``attrs``: ``rows_in``, ``rows_out``, ``revenue_in`` (sum of raw ``quantity * unit_price`` over
all rows, missing as 0), ``revenue_out`` (sum of the clean ``amount``), and
``unmatched_return_quantity``. By construction ``rows_in == rows_out + removed rows`` and
``revenue_in - removed revenue + fixed revenue == revenue_out``.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from helpers import schema as s
from helpers.adjustments import MANUAL_ADJUSTMENT_CODES, match_manual_credits
from helpers.deprecation import LINE_COLUMN_RENAMES, renamed_arguments
from helpers.extreme_quantities import (
    DEFAULT_OUTLIER_MIN_QUANTITY,
    DEFAULT_OUTLIER_Z,
    extreme_quantities,
)
from helpers.identifiers import per_value as _per_value
from helpers.non_products import NON_PRODUCT_CODES, NON_PRODUCT_PATTERN, non_product_lines
from helpers.raw_lines import LineColumns, check_lines, normalise_lines
from helpers.returns import net_returns
from helpers.translation import N_

__all__ = [
    "ACTIONS",
    "FIXES",
    "MANUAL_ADJUSTMENT_CODES",
    "NON_PRODUCT_CODES",
    "NON_PRODUCT_PATTERN",
    "REASONS",
    "clean_and_flag",
    "clean_transactions",
    "flag_transactions",
    "non_product_lines",
]

#: Why a row is removed, in the order the rules apply (a row counts under the first that does).
REASONS: tuple[str, ...] = (
    N_("unparseable date"),
    N_("missing customer id"),
    N_("test account"),
    N_("exact duplicate"),
    N_("manual credit netted"),
    N_("purchase reversed by manual credit"),
    N_("unmatched manual credit"),
    N_("non-product code"),
    N_("zero or negative price"),
    N_("cancellation netted"),
    N_("fully returned purchase"),
    N_("unmatched cancellation"),
    N_("extreme quantity"),
)

#: Changes made to rows that are kept.
FIXES: tuple[str, ...] = (N_("whitespace/case normalised"), N_("partially returned purchase"))

#: What the report did with the rows of a reason (the ``action`` column; shown translated).
ACTIONS: tuple[str, ...] = (N_("removed"), N_("fixed"), N_("flagged"))

DEFAULT_TEST_ACCOUNTS: tuple[str, ...] = ("TEST01",)


@dataclass
class _Analysis:
    frame: pd.DataFrame  # normalised text, original index
    reason: np.ndarray  # object array: a reason of REASONS, or None for kept rows
    quantity: np.ndarray  # int64 quantity after netting returns
    text_changed: np.ndarray  # bool: normalisation changed the row
    raw_revenue: np.ndarray  # float: raw quantity * unit_price, NaN as 0
    unmatched_return_quantity: int


def _analyse(
    df: pd.DataFrame,
    cols: LineColumns,
    test_accounts: Iterable[str],
    non_product_codes: Mapping[str, str | None] | Iterable[str],
    non_product_pattern: str | None,
    manual_adjustment_codes: Mapping[str, str | None] | Iterable[str],
    cancellation_prefix: str | None,
    outlier_z: float,
    outlier_min_quantity: float,
) -> _Analysis:
    """Run every rule and return the reason per row and the netted quantities."""
    check_lines(df, cols)
    frame, text_changed = normalise_lines(df, cols)
    n = len(frame)
    reason = np.full(n, None, dtype=object)

    def assign(mask: np.ndarray | pd.Series, label: str) -> None:
        mask = np.asarray(mask, dtype=bool)
        reason[mask & pd.isna(reason)] = label

    quantity_raw = frame[cols.quantity_col].to_numpy(dtype=float)
    price = frame[cols.price_col].to_numpy(dtype=float)
    raw_revenue = np.nan_to_num(quantity_raw * price, nan=0.0, posinf=0.0, neginf=0.0)
    quantity = quantity_raw.astype(np.int64)
    customer = frame[cols.customer_col]

    assign(frame[cols.date_col].isna(), "unparseable date")
    assign(customer.isna(), "missing customer id")
    tests = {str(t).strip().casefold() for t in test_accounts}
    test = _per_value(customer.astype("str"), lambda v: v.str.casefold().isin(tests), False)
    assign(test.astype(bool), "test account")
    assign(frame.duplicated(keep="first"), "exact duplicate")

    is_return = quantity <= 0
    if cancellation_prefix:
        prefix = cancellation_prefix.upper()
        invoice = frame[cols.invoice_col].astype("str")
        is_return |= _per_value(
            invoice, lambda v: v.str.upper().str.startswith(prefix), False
        ).astype(bool)

    # Manual credits that reverse an earlier purchase net it (helpers.adjustments).
    still = pd.isna(reason).astype(bool)
    credit = np.zeros(n, dtype=bool)
    returns = np.flatnonzero(still & is_return)
    credit[returns] = non_product_lines(
        frame.iloc[returns],
        non_product_codes=manual_adjustment_codes,
        non_product_pattern=None,
        product_col=cols.product_col,
        description_col=cols.description_col,
    )
    netted_credit, reversed_purchase = match_manual_credits(
        customer.to_numpy(dtype=object),
        frame[cols.invoice_col].to_numpy(dtype=object),
        frame[cols.date_col].to_numpy(dtype="datetime64[ns]").view(np.int64),
        raw_revenue,
        credit,
        still & ~is_return & (price > 0),
    )
    assign(netted_credit, "manual credit netted")
    assign(reversed_purchase, "purchase reversed by manual credit")
    assign(credit, "unmatched manual credit")

    non_product = non_product_lines(
        frame,
        non_product_codes=non_product_codes,
        non_product_pattern=non_product_pattern,
        product_col=cols.product_col,
        description_col=cols.description_col,
    )
    assign(non_product, "non-product code")
    assign(~(price > 0), "zero or negative price")

    # Net returns against purchases among the lines still in (helpers.returns).
    candidate = pd.isna(reason)
    index = np.flatnonzero(candidate)
    netted = quantity.copy()
    unmatched_excess = 0
    if len(index):
        rows = frame.iloc[index]
        netted[index], reason[index], unmatched_excess = net_returns(
            rows[[cols.customer_col, cols.product_col, cols.price_col]],
            rows[cols.date_col],
            quantity[index],
            is_return[index],
        )

    # Extreme quantities among what is left (helpers.extreme_quantities).
    left = np.flatnonzero(pd.isna(reason))
    extreme = extreme_quantities(netted[left], outlier_z, outlier_min_quantity)
    reason[left[extreme]] = "extreme quantity"

    return _Analysis(
        frame=frame,
        reason=reason,
        quantity=netted,
        text_changed=text_changed,
        raw_revenue=raw_revenue,
        unmatched_return_quantity=unmatched_excess,
    )


@renamed_arguments(**LINE_COLUMN_RENAMES)
def flag_transactions(
    df: pd.DataFrame,
    *,
    test_accounts: Iterable[str] = DEFAULT_TEST_ACCOUNTS,
    non_product_codes: Mapping[str, str | None] | Iterable[str] = NON_PRODUCT_CODES,
    non_product_pattern: str | None = NON_PRODUCT_PATTERN,
    manual_adjustment_codes: Mapping[str, str | None] | Iterable[str] = MANUAL_ADJUSTMENT_CODES,
    cancellation_prefix: str | None = "C",
    outlier_z: float = DEFAULT_OUTLIER_Z,
    outlier_min_quantity: float = DEFAULT_OUTLIER_MIN_QUANTITY,
    invoice_col: str = s.INVOICE_ID,
    date_col: str = s.INVOICE_DATE,
    customer_col: str = s.CUSTOMER_ID,
    product_col: str = s.PRODUCT_ID,
    quantity_col: str = s.QUANTITY,
    price_col: str = s.UNIT_PRICE,
    description_col: str = s.DESCRIPTION,
    country_col: str = s.COUNTRY,
) -> pd.Series:
    """Say, for each raw order line, the reason it would be removed for (nothing is removed).

    The rules and their order are those of :func:`clean_transactions` (see the module
    docstring); extreme quantities are flagged whatever ``drop_outliers`` would be.

    Parameters
    ----------
    df : pandas.DataFrame
        Raw order lines with the canonical columns (or those named below).
    test_accounts : iterable of str, default ("TEST01",)
        Customer ids of test accounts, compared case-insensitively after stripping.
    non_product_codes : mapping or iterable of str, default :data:`NON_PRODUCT_CODES`
        Product codes that are not products (postage, fees, ...), compared upper-cased; a
        mapping gives the description a code must also carry (``None``: any).
    non_product_pattern : str or None, default :data:`NON_PRODUCT_PATTERN`
        A regular expression; upper-cased codes it matches are not products either.
    manual_adjustment_codes : mapping or iterable of str, default :data:`MANUAL_ADJUSTMENT_CODES`
        Codes of manual adjustments (a mapping gives the description a code must also carry),
        whose credits net the purchase they reverse (:mod:`helpers.adjustments`).
    cancellation_prefix : str or None, default "C"
        Invoice ids starting with this (case-insensitive) are cancellations, whatever the sign
        of their quantity; lines with a quantity <= 0 are returns in any case.
    outlier_z : float, default 7.0
        Robust z-score of log quantity above which a line may be an extreme quantity.
    outlier_min_quantity : float, default 1000
        An extreme quantity must also be at least this many units.
    invoice_col, date_col, customer_col, product_col : str
        Column names of the invoice id, invoice date, customer id and product id; default the
        canonical names of :mod:`helpers.schema` (the old names ``invoice_id``,
        ``invoice_date``, ``customer_id``, ``product_id`` still work, with a FutureWarning).
    quantity_col, price_col, description_col, country_col : str
        Column names of the quantity, unit price, description and country; default the
        canonical names (old names ``quantity``, ``unit_price``, ``description``,
        ``country``). The description and country columns are optional.

    Returns
    -------
    pandas.Series
        Same index as ``df``, named "reason": a label of :data:`REASONS` for rows that would be
        removed, missing (NA) for rows that would be kept.

    Raises
    ------
    ValueError
        For missing columns, an empty frame, or columns of the wrong type (see
        :func:`clean_transactions`).
    """
    cols = LineColumns(
        invoice_col=invoice_col,
        date_col=date_col,
        customer_col=customer_col,
        product_col=product_col,
        quantity_col=quantity_col,
        price_col=price_col,
        description_col=description_col,
        country_col=country_col,
    )
    analysis = _analyse(
        df,
        cols,
        test_accounts,
        non_product_codes,
        non_product_pattern,
        manual_adjustment_codes,
        cancellation_prefix,
        outlier_z,
        outlier_min_quantity,
    )
    return pd.Series(analysis.reason, index=df.index, name="reason", dtype="str")


@renamed_arguments(**LINE_COLUMN_RENAMES)
def clean_transactions(
    df: pd.DataFrame,
    *,
    drop_outliers: bool = True,
    test_accounts: Iterable[str] = DEFAULT_TEST_ACCOUNTS,
    non_product_codes: Mapping[str, str | None] | Iterable[str] = NON_PRODUCT_CODES,
    non_product_pattern: str | None = NON_PRODUCT_PATTERN,
    manual_adjustment_codes: Mapping[str, str | None] | Iterable[str] = MANUAL_ADJUSTMENT_CODES,
    cancellation_prefix: str | None = "C",
    outlier_z: float = DEFAULT_OUTLIER_Z,
    outlier_min_quantity: float = DEFAULT_OUTLIER_MIN_QUANTITY,
    invoice_col: str = s.INVOICE_ID,
    date_col: str = s.INVOICE_DATE,
    customer_col: str = s.CUSTOMER_ID,
    product_col: str = s.PRODUCT_ID,
    quantity_col: str = s.QUANTITY,
    price_col: str = s.UNIT_PRICE,
    description_col: str = s.DESCRIPTION,
    country_col: str = s.COUNTRY,
    amount_col: str = s.AMOUNT,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Clean raw order lines and report every row removed or changed, with its reason.

    See the module docstring for the rules, their order, how returns are netted, the
    extreme-quantity rule and the report's conventions.

    Parameters
    ----------
    df : pandas.DataFrame
        Raw order lines: ``invoice_id`` (text), ``invoice_date`` (datetime64, ``NaT`` for
        unparseable), ``customer_id`` (text, missing allowed), ``product_id`` (text),
        ``quantity`` (whole numbers, negative for returns), ``unit_price`` (number); optional
        ``description`` and ``country``; other columns are kept as they are.
    drop_outliers : bool, default True
        Remove extreme quantities. When False they are kept and reported with action
        "flagged".
    test_accounts : iterable of str, default ("TEST01",)
        Customer ids of test accounts, compared case-insensitively after stripping.
    non_product_codes : mapping or iterable of str, default :data:`NON_PRODUCT_CODES`
        Product codes that are not products, compared upper-cased; a mapping gives the
        description a code must also carry (``None``: any).
    non_product_pattern : str or None, default :data:`NON_PRODUCT_PATTERN`
        A regular expression; upper-cased codes it matches are not products either.
    manual_adjustment_codes : mapping or iterable of str, default :data:`MANUAL_ADJUSTMENT_CODES`
        Codes of manual adjustments (a mapping gives the description a code must also carry),
        whose credits net the purchase they reverse (:mod:`helpers.adjustments`).
    cancellation_prefix : str or None, default "C"
        Invoice ids starting with this (case-insensitive) are cancellations, whatever the sign
        of their quantity; lines with a quantity <= 0 are returns in any case.
    outlier_z : float, default 7.0
        Robust z-score of log quantity above which a line may be an extreme quantity.
    outlier_min_quantity : float, default 1000
        An extreme quantity must also be at least this many units.
    invoice_col, date_col, customer_col, product_col : str
        Column names of the invoice id, invoice date, customer id and product id; default the
        canonical names of :mod:`helpers.schema` (the old names ``invoice_id``,
        ``invoice_date``, ``customer_id``, ``product_id`` still work, with a FutureWarning).
    quantity_col, price_col, description_col, country_col : str
        Column names of the quantity, unit price, description and country; default the
        canonical names (old names ``quantity``, ``unit_price``, ``description``,
        ``country``). The description and country columns are optional.
    amount_col : str, default "amount"
        Name of the column added to the clean lines: quantity x unit price (old name
        ``amount``).

    Returns
    -------
    clean : pandas.DataFrame
        The kept lines (text normalised, quantities net of returns) with ``amount`` added and
        the index reset; it passes ``helpers.schema.validate(clean, "transactions")``.
    report : pandas.DataFrame
        Columns ``reason``, ``action``, ``rows``, ``revenue``: every reason of
        :data:`REASONS` then every fix of :data:`FIXES`; ``attrs`` ``rows_in``, ``rows_out``,
        ``revenue_in``, ``revenue_out``, ``unmatched_return_quantity``.

    Raises
    ------
    ValueError
        When a required column is missing (naming it and the columns present), the frame is
        empty, or a column has the wrong type or missing values where none are allowed
        (naming the column, the rule and an offending value).

    Examples
    --------
    >>> import pandas as pd
    >>> lines = pd.DataFrame({
    ...     "invoice_id": ["1", "C2"],
    ...     "invoice_date": pd.to_datetime(["2024-01-01", "2024-01-05"]),
    ...     "customer_id": ["K1", "K1"],
    ...     "product_id": ["A", "A"],
    ...     "quantity": [5, -2],
    ...     "unit_price": [2.0, 2.0],
    ... })
    >>> clean, report = clean_transactions(lines)
    >>> clean["quantity"].tolist(), clean["amount"].tolist()
    ([3], [6.0])
    >>> report.set_index("reason").loc["partially returned purchase", "revenue"]
    np.float64(-4.0)
    """
    cols = LineColumns(
        invoice_col=invoice_col,
        date_col=date_col,
        customer_col=customer_col,
        product_col=product_col,
        quantity_col=quantity_col,
        price_col=price_col,
        description_col=description_col,
        country_col=country_col,
        amount_col=amount_col,
    )
    analysis = _analyse(
        df,
        cols,
        test_accounts,
        non_product_codes,
        non_product_pattern,
        manual_adjustment_codes,
        cancellation_prefix,
        outlier_z,
        outlier_min_quantity,
    )
    return _finish(df, analysis, cols, drop_outliers)


def _finish(
    df: pd.DataFrame, analysis: _Analysis, cols: LineColumns, drop_outliers: bool
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Keep the lines the analysis keeps and write the report (see :func:`clean_transactions`)."""
    reason = analysis.reason
    flagged = reason == "extreme quantity"
    kept = pd.isna(reason) | (flagged & (not drop_outliers))

    raw_quantity = analysis.frame[cols.quantity_col].to_numpy(dtype=float).astype(np.int64)
    price = analysis.frame[cols.price_col].to_numpy(dtype=float)
    clean = analysis.frame.loc[kept].copy()
    clean[cols.quantity_col] = analysis.quantity[kept].astype(np.int64)
    clean[cols.price_col] = price[kept]
    clean[cols.customer_col] = clean[cols.customer_col].astype("str")
    date = clean[cols.date_col]
    if getattr(date.dtype, "tz", None) is None:
        clean[cols.date_col] = date.astype("datetime64[ns]")
    clean[cols.amount_col] = clean[cols.quantity_col] * clean[cols.price_col]
    clean = clean.reset_index(drop=True)

    rows: list[dict[str, object]] = []
    for label in REASONS:
        mask = reason == label
        action = "removed"
        revenue = float(analysis.raw_revenue[mask].sum())
        if label == "extreme quantity" and not drop_outliers:
            action = "flagged"
            revenue = float((analysis.quantity[mask] * price[mask]).sum())
        rows.append(
            {"reason": label, "action": action, "rows": int(mask.sum()), "revenue": revenue}
        )
    reduced = kept & (analysis.quantity < raw_quantity)
    change = ((analysis.quantity - raw_quantity) * np.nan_to_num(price))[reduced]
    rows.append(
        {
            "reason": "whitespace/case normalised",
            "action": "fixed",
            "rows": int((kept & analysis.text_changed).sum()),
            "revenue": 0.0,
        }
    )
    rows.append(
        {
            "reason": "partially returned purchase",
            "action": "fixed",
            "rows": int(reduced.sum()),
            "revenue": float(change.sum()),
        }
    )
    report = pd.DataFrame(rows)
    report["rows"] = report["rows"].astype(np.int64)
    report["revenue"] = report["revenue"].astype(float)
    report.attrs.update(
        rows_in=len(df),
        rows_out=len(clean),
        revenue_in=float(analysis.raw_revenue.sum()),
        revenue_out=float(clean[cols.amount_col].sum()),
        unmatched_return_quantity=analysis.unmatched_return_quantity,
    )
    return clean, report


@renamed_arguments(**LINE_COLUMN_RENAMES)
def clean_and_flag(
    df: pd.DataFrame, **settings: object
) -> tuple[pd.DataFrame, pd.DataFrame, pd.Series]:
    """Clean the lines and say why each raw line was removed, in one pass over the rules.

    The same as ``clean_transactions(df, **settings)`` followed by ``flag_transactions(df,
    **settings)`` without ``drop_outliers``, at the cost of one of them: what needs both (the
    churn features read the clean lines and the reasons of the raw ones) calls this.

    Parameters
    ----------
    df : pandas.DataFrame
        Raw order lines, as for :func:`clean_transactions`.
    **settings
        Any keyword of :func:`clean_transactions`.

    Returns
    -------
    clean, report : pandas.DataFrame
        As :func:`clean_transactions` returns them.
    reasons : pandas.Series
        As :func:`flag_transactions` returns it.
    """
    bound = inspect.signature(clean_transactions).bind(df, **settings)
    bound.apply_defaults()
    given = bound.arguments
    cols = LineColumns(**{name: given[name] for name in LineColumns.__dataclass_fields__})
    analysis = _analyse(
        df,
        cols,
        given["test_accounts"],
        given["non_product_codes"],
        given["non_product_pattern"],
        given["manual_adjustment_codes"],
        given["cancellation_prefix"],
        given["outlier_z"],
        given["outlier_min_quantity"],
    )
    clean, report = _finish(df, analysis, cols, bool(given["drop_outliers"]))
    reasons = pd.Series(analysis.reason, index=df.index, name="reason", dtype="str")
    return clean, report, reasons

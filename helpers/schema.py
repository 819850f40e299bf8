"""Canonical column names and the schemas of the course's tables.

Every function in :mod:`helpers` takes its column names as arguments whose defaults are the
constants below. Real data with other names is mapped to these once, at loading time
(:func:`helpers.datasets.load_transactions`).

Four tables make up a retail dataset:

- order lines (transactions): one row per product on an invoice;
- customers: one row per customer;
- products: one row per product;
- service contacts: one row per contact with customer service.

:func:`validate` checks a frame against one of the schemas and, on failure, raises a
:class:`pandera.errors.SchemaError` whose message names the table, the column, the rule and an
offending row.
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaError, SchemaErrors

# --- order lines -------------------------------------------------------------------------------
INVOICE_ID = "invoice_id"
INVOICE_DATE = "invoice_date"
CUSTOMER_ID = "customer_id"
PRODUCT_ID = "product_id"
DESCRIPTION = "description"
QUANTITY = "quantity"
UNIT_PRICE = "unit_price"
COUNTRY = "country"
AMOUNT = "amount"  # derived: quantity * unit_price; an order-level file's order total
SUBSCRIPTION_ID = "subscription_id"  # optional: the line is a payment of this subscription

#: The product id of order lines read from a file without products (one line per order, e.g.
#: customer, date, total). Upper-case, so cleaning leaves it as it is.
NO_PRODUCT = "(NO PRODUCT)"

# --- customers ---------------------------------------------------------------------------------
SIGNUP_DATE = "signup_date"
BIRTH_DATE = "birth_date"
GENDER = "gender"
REGION = "region"
ANNUAL_INCOME = "annual_income"
SPENDING_CAPACITY = "spending_capacity"
ACQUISITION_CHANNEL = "acquisition_channel"
ACQUISITION_COST = "acquisition_cost"
EMAIL = "email"
MARKETING_OPT_IN = "marketing_opt_in"
#: Which calendar the customer keeps their birthday by: "gregorian" or "lunar" (农历).
BIRTHDAY_CALENDAR = "birthday_calendar"
#: Consent to marketing by text message and by WeChat (the Chinese shop's channels).
SMS_OPT_IN = "sms_opt_in"
WECHAT_OPT_IN = "wechat_opt_in"

# --- products ----------------------------------------------------------------------------------
CATEGORY = "category"
UNIT_COST = "unit_cost"
STOCK_ON_HAND = "stock_on_hand"

# --- service contacts --------------------------------------------------------------------------
CONTACT_ID = "contact_id"
CONTACT_DATE = "contact_date"
CHANNEL = "channel"
COST = "cost"

#: Columns every transactions table must have (``description`` and ``country`` are optional).
TRANSACTION_COLUMNS: tuple[str, ...] = (
    INVOICE_ID,
    INVOICE_DATE,
    CUSTOMER_ID,
    PRODUCT_ID,
    QUANTITY,
    UNIT_PRICE,
)

#: The columns every campaign list has, in this order (:mod:`helpers.campaigns`): who, what is
#: done, the offer, the expected value per customer after the contact's cost, and why.
CAMPAIGN_COLUMNS: tuple[str, ...] = (CUSTOMER_ID, "action", "offer", "expected_value", "reason")

_text = pa.Column(str, nullable=False, coerce=True)


def raw_transactions_schema() -> pa.DataFrameSchema:
    """Return the schema of order lines as loaded, before cleaning.

    Only the structure is checked: the required columns are present and have usable types.
    Missing customer ids, unparseable dates (``NaT``), negative quantities and zero prices are
    allowed here; :func:`helpers.cleaning.clean_transactions` counts and removes them.

    Returns
    -------
    pandera.pandas.DataFrameSchema
    """
    return pa.DataFrameSchema(
        {
            INVOICE_ID: _text,
            INVOICE_DATE: pa.Column("datetime64[ns]", nullable=True, coerce=True),
            CUSTOMER_ID: pa.Column(str, nullable=True, coerce=True),
            PRODUCT_ID: _text,
            DESCRIPTION: pa.Column(str, nullable=True, coerce=True, required=False),
            QUANTITY: pa.Column(int, nullable=False, coerce=True),
            UNIT_PRICE: pa.Column(float, nullable=False, coerce=True),
            COUNTRY: pa.Column(str, nullable=True, coerce=True, required=False),
        },
        name="raw transactions",
    )


def transactions_schema() -> pa.DataFrameSchema:
    """Return the schema of clean order lines, ready for value analysis.

    Every line has a customer, a parsed date, a positive quantity and a positive price.

    Returns
    -------
    pandera.pandas.DataFrameSchema
    """
    return pa.DataFrameSchema(
        {
            INVOICE_ID: _text,
            INVOICE_DATE: pa.Column("datetime64[ns]", nullable=False, coerce=True),
            CUSTOMER_ID: _text,
            PRODUCT_ID: _text,
            DESCRIPTION: pa.Column(str, nullable=True, coerce=True, required=False),
            QUANTITY: pa.Column(int, pa.Check.gt(0), nullable=False, coerce=True),
            UNIT_PRICE: pa.Column(float, pa.Check.gt(0), nullable=False, coerce=True),
            COUNTRY: pa.Column(str, nullable=True, coerce=True, required=False),
        },
        name="transactions",
    )


def customers_schema() -> pa.DataFrameSchema:
    """Return the schema of the customers table.

    Returns
    -------
    pandera.pandas.DataFrameSchema
    """
    return pa.DataFrameSchema(
        {
            CUSTOMER_ID: pa.Column(str, unique=True, coerce=True),
            SIGNUP_DATE: pa.Column("datetime64[ns]", coerce=True),
            BIRTH_DATE: pa.Column("datetime64[ns]", nullable=True, coerce=True),
            GENDER: pa.Column(str, pa.Check.isin(["F", "M", "X"]), nullable=True, coerce=True),
            REGION: pa.Column(str, coerce=True),
            ANNUAL_INCOME: pa.Column(float, pa.Check.ge(0), nullable=True, coerce=True),
            SPENDING_CAPACITY: pa.Column(float, pa.Check.in_range(0, 1), coerce=True),
            ACQUISITION_CHANNEL: pa.Column(str, coerce=True),
            ACQUISITION_COST: pa.Column(float, pa.Check.ge(0), coerce=True),
            EMAIL: pa.Column(str, pa.Check.str_contains("@"), coerce=True),
            MARKETING_OPT_IN: pa.Column(bool, coerce=True),
        },
        name="customers",
    )


def products_schema() -> pa.DataFrameSchema:
    """Return the schema of the products table.

    Returns
    -------
    pandera.pandas.DataFrameSchema
    """
    return pa.DataFrameSchema(
        {
            PRODUCT_ID: pa.Column(str, unique=True, coerce=True),
            DESCRIPTION: pa.Column(str, coerce=True),
            CATEGORY: pa.Column(str, coerce=True),
            UNIT_PRICE: pa.Column(float, pa.Check.gt(0), coerce=True),
            UNIT_COST: pa.Column(float, pa.Check.ge(0), coerce=True),
            STOCK_ON_HAND: pa.Column(int, pa.Check.ge(0), coerce=True),
        },
        name="products",
    )


def contacts_schema() -> pa.DataFrameSchema:
    """Return the schema of the service-contacts table.

    Returns
    -------
    pandera.pandas.DataFrameSchema
    """
    return pa.DataFrameSchema(
        {
            CONTACT_ID: pa.Column(str, unique=True, coerce=True),
            CUSTOMER_ID: pa.Column(str, coerce=True),
            CONTACT_DATE: pa.Column("datetime64[ns]", coerce=True),
            CHANNEL: pa.Column(str, coerce=True),
            COST: pa.Column(float, pa.Check.ge(0), coerce=True),
        },
        name="service contacts",
    )


SCHEMAS = {
    "raw_transactions": raw_transactions_schema,
    "transactions": transactions_schema,
    "customers": customers_schema,
    "products": products_schema,
    "contacts": contacts_schema,
}


def validate(df: pd.DataFrame, table: str) -> pd.DataFrame:
    """Validate ``df`` against the schema of ``table`` and return the coerced frame.

    Parameters
    ----------
    df : pandas.DataFrame
        The table to check.
    table : {"raw_transactions", "transactions", "customers", "products", "contacts"}
        Which schema to apply.

    Returns
    -------
    pandas.DataFrame
        ``df`` with its columns coerced to the schema's types.

    Raises
    ------
    pandera.errors.SchemaError
        With a message naming the table, the column, the rule broken, how many rows break it
        and one offending row in full.
    ValueError
        If ``table`` is not a known schema name.
    """
    if table not in SCHEMAS:
        raise ValueError(f"unknown table {table!r}; expected one of {sorted(SCHEMAS)}")
    schema = SCHEMAS[table]()
    try:
        return schema.validate(df, lazy=True)
    except SchemaErrors as errors:
        raise SchemaError(
            schema, df, _describe_failure(df, schema.name, errors.failure_cases)
        ) from None


def _describe_failure(df: pd.DataFrame, table: str, cases: pd.DataFrame) -> str:
    """Turn pandera's table of failure cases into one readable sentence per broken rule."""
    lines = [f"{table}: {len(cases)} schema failure(s)"]
    cases = cases.drop_duplicates(subset=["column", "check"], keep="first")
    for _, case in cases.iterrows():
        column, check, index = case["column"], case["check"], case["index"]
        if check == "column_in_dataframe":
            lines.append(
                f"- column {case['failure_case']!r} is required but missing "
                f"(columns present: {list(df.columns)})"
            )
            continue
        example = ""
        if index is not None and not pd.isna(index) and index in df.index:
            row = df.loc[index]
            if isinstance(row, pd.DataFrame):
                row = row.iloc[0]
            example = f"; e.g. row {index!r}: {row.to_dict()}"
        lines.append(
            f"- column {column!r} breaks rule {check!r} "
            f"(offending value {case['failure_case']!r}){example}"
        )
    return "\n".join(lines)

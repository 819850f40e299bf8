"""The report's per-product tables in DuckDB or Spark, equal to their pandas functions.

From clean order lines held by an SQL engine (:class:`helpers.scale_sql.Engine`: DuckDB or
Spark, one SQL text for both), each function here sends one query, gets a table per product
(or per customer and product) back and finishes it in Python with the pandas function it
stands for:

- :func:`gross_margin_rate`: :func:`helpers.value.gross_margin_rate` (the margin of the
  products' unit costs, and the share of the revenue they cover);
- :func:`price_list`: the report's price list when no products file is given: the median
  ``unit_price`` of each product and its first ``description``;
- :func:`sales_velocity`: :func:`helpers.promotion.sales_velocity`;
- :func:`interaction_cells` and :func:`interaction_matrix`: the customer x product cells of
  :func:`helpers.interactions.interaction_matrix` (binary or counts of invoices), made an
  :class:`helpers.interactions.Interactions` from integer codes by
  :meth:`helpers.interactions.Interactions.from_codes`.

Input
-----
``lines``: a table or view of clean order lines, as :func:`helpers.scale_clean.clean_lines`
leaves them (its ``view``: every quantity positive, no missing id, date or price), the date a
timestamp without time zone. ``as_of`` (exclusive) keeps the lines dated before it, as the
report's ``lines = clean[clean["invoice_date"] < as_of]``.

What runs where, and how it equals pandas
-----------------------------------------
- Margin: the engine sums each product's amount (exactly, in millionths, as
  :mod:`helpers.scale_sql` does) and units; :func:`helpers.value.gross_margin_rate` then runs
  on that table of one row per product (its amount, units, and the unit price paid on
  average), so its rules, checks and words are those of the pandas run. The margin of a
  product's lines, ``sum(quantity x (unit_price - unit_cost))``, is ``amount - units x
  unit_cost``: the same number, rounded differently (1e-15 relative).
- Median price: the engine counts the lines of each (product, price) and finds the two middle
  prices of each product from the running counts (no sort of the lines, no approximate
  quantile); Python takes ``(low + high) / 2`` as pandas' group-by median does. The engines'
  own medians are not used: Spark's ``median`` and ``percentile`` interpolate and differ from
  pandas in the last bit for many even counts (5,239 of 40,000 pairs of prices, Spark 4.3);
  DuckDB's ``median`` agreed on those pairs, but it keeps and sorts every line of a product,
  where the counts per price are few.
- First description: the non-missing description of the product's first line in file order
  (the smallest ``line_col``), as pandas' ``first`` on the lines in order.
- Units per day: the engine sums the units in the window; Python divides by ``window_days``.
- Interactions: the engine returns the distinct (customer, product) pairs (``"binary"``) or
  the number of distinct invoices of each (``"count"``); the recency weights of
  ``half_life_days`` are not done here.

Products and customers come back sorted as pandas sorts their ids (code-point order), text
columns with pandas' text dtype.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from helpers import schema as s
from helpers import value as shop_value
from helpers.checks import check_days, require_columns
from helpers.dates import to_timestamp
from helpers.interactions import Interactions
from helpers.scale_sql import Engine

__all__ = [
    "gross_margin_rate",
    "interaction_cells",
    "interaction_matrix",
    "price_list",
    "product_amounts",
    "sales_velocity",
]

_MILLIONTHS = 1e6


def _before(engine: Engine, date_col: str, as_of: object) -> str:
    """Write the SQL condition of the lines before ``as_of`` (every line when None)."""
    if as_of is None:
        return "TRUE"
    return f"{engine.quote(date_col)} < {engine.timestamp(to_timestamp(as_of, 'as_of'))}"


def _check(
    engine: Engine, lines: str, columns: list[str], where: str, positive: list[str] | None = None
) -> None:
    """Check in one pass that the columns hold no missing value (``positive``: only > 0)."""
    positive = positive or []
    require_columns(
        pd.DataFrame(columns=engine.columns(lines)), columns + positive, "lines", allow_empty=True
    )
    q = engine.quote
    rules = [(c, "present (clean lines)", f"{q(c)} IS NULL") for c in columns]
    rules += [(c, "> 0 (clean the order lines first)", f"NOT {q(c)} > 0") for c in positive]
    counts = ", ".join(
        f"sum(CASE WHEN {bad} THEN 1 ELSE 0 END) AS bad_{i}" for i, (_, _, bad) in enumerate(rules)
    )
    found = engine.run_text(f"SELECT {counts} FROM {lines} WHERE {where}").iloc[0]
    for i, (column, rule, bad) in enumerate(rules):
        n = int(found[f"bad_{i}"] or 0)
        if n:
            example = engine.run_text(f"SELECT * FROM {lines} WHERE {where} AND {bad} LIMIT 1")
            raise ValueError(
                f"lines: column {column!r} must be {rule}; {n:,} line(s) are not, "
                f"e.g. {example.iloc[0].to_dict()}"
            )


def _text(values: pd.Series) -> pd.Series:
    """Ids and text as pandas holds them (its text dtype, missing values NaN)."""
    return values.astype(object).where(values.notna(), None).astype("str")


def _by_product(found: pd.DataFrame, product_col: str) -> pd.DataFrame:
    """Sort a per-product table as pandas' group-by does (ids in code-point order)."""
    found[product_col] = _text(found[product_col])
    return found.sort_values(product_col, kind="stable", ignore_index=True)


def product_amounts(
    engine: Any,
    lines: str = "cvl_clean",
    as_of: str | pd.Timestamp | None = None,
    *,
    product_col: str = s.PRODUCT_ID,
    quantity_col: str = s.QUANTITY,
    amount_col: str = s.AMOUNT,
    date_col: str = s.INVOICE_DATE,
) -> pd.DataFrame:
    """One row per product: its units, amount (summed exactly) and average unit price.

    Parameters
    ----------
    engine : Engine, str, DuckDB connection or SparkSession
        The engine holding ``lines``.
    lines : str, default "cvl_clean"
        Table or view of clean order lines.
    as_of : str or pandas.Timestamp, optional
        Keep the lines before it (exclusive); default every line.
    product_col, quantity_col, amount_col, date_col : str
        Column names of the lines.

    Returns
    -------
    pandas.DataFrame
        ``product_col``, ``quantity`` (int64), ``unit_price`` (amount / quantity) and
        ``amount_col``, sorted by product.
    """
    engine = Engine.of(engine)
    where = _before(engine, date_col, as_of)
    _check(engine, lines, [product_col, quantity_col, amount_col], where)
    q = engine.quote
    found = engine.run_text(
        f"SELECT {q(product_col)} AS product, sum(CAST({q(quantity_col)} AS BIGINT)) AS units, "
        f"sum(CAST(round({q(amount_col)} * {_MILLIONTHS}) AS BIGINT)) AS millionths "
        f"FROM {lines} WHERE {where} GROUP BY {q(product_col)}",
    )
    amount = found["millionths"].to_numpy(dtype=float) / _MILLIONTHS
    units = found["units"].to_numpy(dtype=np.int64)
    table = pd.DataFrame(
        {
            product_col: found["product"],
            s.QUANTITY: units,
            s.UNIT_PRICE: amount / np.where(units == 0, np.nan, units),
            amount_col: amount,
        }
    )
    return _by_product(table, product_col)


def gross_margin_rate(
    engine: Any,
    lines: str = "cvl_clean",
    products: pd.DataFrame | None = None,
    *,
    as_of: str | pd.Timestamp | None = None,
    rate: float | None = None,
    assumed: float = shop_value.ASSUMED_MARGIN_RATE,
    min_coverage: float = 1.0,
    rate_name: str = "MARGIN_RATE",
    amount_col: str = s.AMOUNT,
    product_col: str = s.PRODUCT_ID,
    quantity_col: str = s.QUANTITY,
    date_col: str = s.INVOICE_DATE,
) -> tuple[float, str]:
    """:func:`helpers.value.gross_margin_rate` of the engine's lines.

    The engine sums each product's amount and units (:func:`product_amounts`); the pandas
    function measures the margin on that table (see the module docstring). Nothing is asked
    of the engine when ``rate`` is set or ``products`` has no ``unit_cost``.

    Parameters
    ----------
    engine : Engine, str, DuckDB connection or SparkSession
        The engine holding ``lines``.
    lines : str, default "cvl_clean"
        Table or view of clean order lines.
    products : pandas.DataFrame, optional
        One row per product with its ``unit_cost``.
    as_of : str or pandas.Timestamp, optional
        Keep the lines before it (exclusive); default every line.
    rate, assumed, min_coverage, rate_name
        As :func:`helpers.value.gross_margin_rate`.
    amount_col, product_col, quantity_col, date_col : str
        Column names of the lines (``products`` names its product ``product_id``, as
        :func:`helpers.value.line_margin` reads it).

    Returns
    -------
    tuple of (float, str)
        The rate and where it comes from, in words.

    Raises
    ------
    ValueError
        As :func:`helpers.value.gross_margin_rate` (a product without a cost is named by its
        row of the per-product table), or if a column is missing from the lines.
    """
    settings = {
        "rate": rate,
        "assumed": assumed,
        "min_coverage": min_coverage,
        "rate_name": rate_name,
        "amount_col": amount_col,
        "product_col": product_col,
    }
    if rate is not None or products is None or s.UNIT_COST not in products.columns:
        return shop_value.gross_margin_rate(pd.DataFrame(), products, **settings)
    table = product_amounts(
        engine,
        lines,
        as_of,
        product_col=product_col,
        quantity_col=quantity_col,
        amount_col=amount_col,
        date_col=date_col,
    )
    return shop_value.gross_margin_rate(table, products, **settings)


def price_list(
    engine: Any,
    lines: str = "cvl_clean",
    as_of: str | pd.Timestamp | None = None,
    *,
    product_col: str = s.PRODUCT_ID,
    price_col: str = s.UNIT_PRICE,
    description_col: str = s.DESCRIPTION,
    date_col: str = s.INVOICE_DATE,
    line_col: str = "line_number",
) -> pd.DataFrame:
    """Return the median unit price and first description of each product, as pandas does.

    The report's price list without a products file::

        lines.groupby(product_col).agg(
            unit_price=(price_col, "median"), description=(description_col, "first")
        ).reset_index()

    Parameters
    ----------
    engine : Engine, str, DuckDB connection or SparkSession
        The engine holding ``lines``.
    lines : str, default "cvl_clean"
        Table or view of clean order lines.
    as_of : str or pandas.Timestamp, optional
        Keep the lines before it (exclusive); default every line.
    product_col, price_col, description_col, date_col : str
        Column names of the lines; without a ``description_col`` column the table has none.
    line_col : str, default "line_number"
        The lines' numbers in file order: the first description is that of the smallest.

    Returns
    -------
    pandas.DataFrame
        ``product_col``, ``unit_price`` (float) and, when the lines have one,
        ``description``, one row per product, sorted by product.
    """
    engine = Engine.of(engine)
    where = _before(engine, date_col, as_of)
    has_description = description_col in engine.columns(lines)
    _check(engine, lines, [product_col] + ([line_col] if has_description else []), where)
    require_columns(
        pd.DataFrame(columns=engine.columns(lines)), [price_col], "lines", allow_empty=True
    )
    q = engine.quote
    product, price = q(product_col), q(price_col)
    # The two middle prices of each product from the lines counted per (product, price); a
    # missing price counts for nothing (pandas' median skips it) wherever the engine sorts it.
    text = f"""
        WITH priced AS (
            SELECT {product} AS product, {price} AS price,
                sum(CASE WHEN {price} IS NULL THEN 0 ELSE 1 END) AS n
            FROM {lines} WHERE {where} GROUP BY {product}, {price}
        ), placed AS (
            SELECT product, price, n,
                sum(n) OVER (PARTITION BY product ORDER BY price
                    ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS upto,
                sum(n) OVER (PARTITION BY product) AS total
            FROM priced
        ), middle AS (
            SELECT product,
                min(CASE WHEN n > 0 AND upto >= floor((total + 1) / 2) THEN price END) AS low,
                min(CASE WHEN n > 0 AND upto >= floor(total / 2) + 1 THEN price END) AS high
            FROM placed GROUP BY product
        )"""
    if has_description:
        text += f""", described AS (
            SELECT {product} AS product, min_by({q(description_col)}, {q(line_col)}) AS first
            FROM {lines} WHERE {where} AND {q(description_col)} IS NOT NULL GROUP BY {product}
        )
        SELECT m.product, m.low, m.high, d.first
        FROM middle m LEFT JOIN described d ON d.product = m.product"""
    else:
        text += "\n        SELECT product, low, high FROM middle"
    found = engine.run_text(text)
    low = pd.to_numeric(found["low"]).to_numpy(dtype=float)
    high = pd.to_numeric(found["high"]).to_numpy(dtype=float)
    table = pd.DataFrame({product_col: found["product"], "unit_price": (low + high) / 2})
    if has_description:
        table["description"] = _text(found["first"])
    return _by_product(table, product_col)


def sales_velocity(
    engine: Any,
    lines: str,
    as_of: str | pd.Timestamp,
    window_days: int = 90,
    *,
    product_col: str = s.PRODUCT_ID,
    quantity_col: str = s.QUANTITY,
    date_col: str = s.INVOICE_DATE,
) -> pd.Series:
    """:func:`helpers.promotion.sales_velocity` of the engine's lines: units sold per day.

    Parameters
    ----------
    engine : Engine, str, DuckDB connection or SparkSession
        The engine holding ``lines``.
    lines : str
        Table or view of clean order lines.
    as_of : str or pandas.Timestamp
        End of the window (exclusive).
    window_days : int, default 90
        Length of the window.
    product_col, quantity_col, date_col : str
        Column names of the lines.

    Returns
    -------
    pandas.Series
        ``velocity`` per product with a sale in the window (the index named ``product_col``,
        sorted).
    """
    engine = Engine.of(engine)
    check_days("window_days", window_days)
    end = to_timestamp(as_of, "as_of")
    start = end - pd.Timedelta(days=int(window_days))
    q = engine.quote
    date = q(date_col)
    where = f"{date} >= {engine.timestamp(start)} AND {date} < {engine.timestamp(end)}"
    _check(engine, lines, [product_col, quantity_col, date_col], "TRUE")
    found = engine.run_text(
        f"SELECT {q(product_col)} AS product, sum(CAST({q(quantity_col)} AS BIGINT)) AS units "
        f"FROM {lines} WHERE {where} GROUP BY {q(product_col)}",
    )
    units = pd.DataFrame(
        {product_col: found["product"], "units": found["units"].to_numpy(dtype=np.int64)}
    )
    units = _by_product(units, product_col).set_index(product_col)["units"]
    return (units.astype(float) / window_days).rename("velocity")  # as the pandas function


def _cells_sql(
    engine: Engine,
    lines: str,
    value: str,
    as_of: str | pd.Timestamp | None,
    names: tuple[str, str, str, str, str],
) -> str:
    """Check the lines and write the SQL of the cells: ``customer``, ``product``, ``value``."""
    customer_col, product_col, invoice_col, date_col, quantity_col = names
    if value not in ("binary", "count"):
        raise ValueError(f"value must be 'binary' or 'count', got {value!r}")
    where = _before(engine, date_col, as_of)
    needed = [customer_col, product_col] + ([invoice_col] if value == "count" else [])
    positive = [quantity_col] if quantity_col in engine.columns(lines) else []
    _check(engine, lines, needed, where, positive)
    q = engine.quote
    customer, product = q(customer_col), q(product_col)
    cell = "1.0" if value == "binary" else f"CAST(count(DISTINCT {q(invoice_col)}) AS DOUBLE)"
    return (
        f"SELECT {customer} AS customer, {product} AS product, {cell} AS value "
        f"FROM {lines} WHERE {where} GROUP BY {customer}, {product}"
    )


def _cells(
    engine: Any,
    lines: str,
    value: str,
    as_of: str | pd.Timestamp | None,
    names: tuple[str, str, str, str, str],
) -> pd.DataFrame:
    """Return the cells of :func:`interaction_cells`, in the engine's order."""
    customer_col, product_col = names[:2]
    engine = Engine.of(engine)
    found = engine.run_text(_cells_sql(engine, lines, value, as_of, names))
    cells = pd.DataFrame(
        {
            customer_col: _text(found["customer"]),
            product_col: _text(found["product"]),
            "value": found["value"].to_numpy(dtype=float),
        }
    )
    return cells


def interaction_cells(
    engine: Any,
    lines: str = "cvl_clean",
    *,
    value: str = "binary",
    as_of: str | pd.Timestamp | None = None,
    customer_col: str = s.CUSTOMER_ID,
    product_col: str = s.PRODUCT_ID,
    invoice_col: str = s.INVOICE_ID,
    date_col: str = s.INVOICE_DATE,
    quantity_col: str = s.QUANTITY,
) -> pd.DataFrame:
    """Return the non-zero cells of the customer x product matrix, as a long table.

    Parameters
    ----------
    engine : Engine, str, DuckDB connection or SparkSession
        The engine holding ``lines``.
    lines : str, default "cvl_clean"
        Table or view of clean order lines.
    value : {"binary", "count"}, default "binary"
        1 for each (customer, product) with a line, or the number of distinct invoices.
    as_of : str or pandas.Timestamp, optional
        Keep the lines before it (exclusive); default every line.
    customer_col, product_col, invoice_col, date_col, quantity_col : str
        Column names of the lines (the quantity is checked: > 0, as clean lines have it).

    Returns
    -------
    pandas.DataFrame
        ``customer_col``, ``product_col``, ``value`` (float), sorted by customer then product,
        as :meth:`helpers.interactions.Interactions.to_frame` gives them.

    Raises
    ------
    ValueError
        If ``value`` is unknown, a column is missing, an id is missing or a quantity is not
        positive.
    """
    cells = _cells(
        engine,
        lines,
        value,
        as_of,
        (customer_col, product_col, invoice_col, date_col, quantity_col),
    )
    return cells.sort_values([customer_col, product_col], ignore_index=True)


def interaction_matrix(
    engine: Any,
    lines: str = "cvl_clean",
    *,
    value: str = "binary",
    as_of: str | pd.Timestamp | None = None,
    products: Iterable | None = None,
    customer_col: str = s.CUSTOMER_ID,
    product_col: str = s.PRODUCT_ID,
    invoice_col: str = s.INVOICE_ID,
    date_col: str = s.INVOICE_DATE,
    quantity_col: str = s.QUANTITY,
) -> Interactions:
    """:func:`helpers.interactions.interaction_matrix` of the engine's lines (no half-life).

    The cells of :func:`interaction_cells`, with the customers and products numbered in the
    engine (integers come back, not two texts a cell), put together by
    :meth:`helpers.interactions.Interactions.from_codes`.

    Parameters
    ----------
    engine : Engine, str, DuckDB connection or SparkSession
        The engine holding ``lines``.
    lines : str, default "cvl_clean"
        Table or view of clean order lines.
    value : {"binary", "count"}, default "binary"
        As :func:`helpers.interactions.interaction_matrix`.
    as_of : str or pandas.Timestamp, optional
        Keep the lines before it (exclusive); default every line.
    products : iterable, optional
        The catalogue: product ids that get a column even if nobody bought them.
    customer_col, product_col, invoice_col, date_col, quantity_col : str
        Column names of the lines.

    Returns
    -------
    Interactions
    """
    names = (customer_col, product_col, invoice_col, date_col, quantity_col)
    run = Engine.of(engine)
    grouped = _cells_sql(run, lines, value, as_of, names)
    where = _before(run, date_col, as_of)
    # numbers, not text, for every cell: the customers and products are numbered here, from
    # the lines' distinct ids (those of the cells), without grouping the cells again
    numbered = {
        key: f"""
            SELECT {key}, row_number() OVER (ORDER BY {key}) - 1 AS code
            FROM (SELECT DISTINCT {run.quote(column)} AS {key} FROM {lines} WHERE {where}) d
        """
        for key, column in (("customer", customer_col), ("product", product_col))
    }
    found = run.run_text(
        f"""
        WITH cells AS ({grouped}), c AS ({numbered["customer"]}), p AS ({numbered["product"]})
        SELECT c.code AS row_code, p.code AS col_code, cells.value
        FROM cells JOIN c ON c.customer = cells.customer JOIN p ON p.product = cells.product
        """
    )
    ids = {
        key: _text(run.run_text(text).sort_values("code")[key]) for key, text in numbered.items()
    }
    return Interactions.from_codes(
        found["row_code"].to_numpy(np.int64),
        found["col_code"].to_numpy(np.int64),
        found["value"].to_numpy(float),
        ids["customer"],
        ids["product"],
        value=value,
        catalogue=products,
        customer_col=customer_col,
        product_col=product_col,
    )

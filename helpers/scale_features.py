"""Per-customer churn features and labels in DuckDB or Spark, as :mod:`helpers.features`.

:func:`customer_features` computes, from clean order lines held by an SQL engine
(:class:`helpers.scale_sql.Engine`: DuckDB or Spark, one SQL text for both), the table of
:func:`helpers.features.customer_features`: the same customers in the same order, the same
columns and values. Only the per-customer table comes back to Python. :func:`churn_features`
adds the spend trend of :func:`helpers.churn.churn_features` (a churn snapshot's features) and
:func:`churn_labels` gives :func:`helpers.churn.churn_labels` (bought again in the label
window).

Input
-----
- ``lines``: a table or view of clean order lines, as :func:`helpers.scale_clean.clean_lines`
  leaves them (its ``view``), or any table of clean lines with the columns of
  :func:`helpers.features.customer_features` (customer, invoice, date, amount, product,
  quantity, optional country), the date a timestamp without time zone;
- ``reasons`` (optional, for ``return_rate``): a view of the raw lines with their cleaning
  reason, :func:`helpers.scale_clean.line_reasons`;
- ``products`` and ``customers`` (optional): pandas frames, per product and per customer. The
  products' categories are put in the engine (small) and joined there; the demographics are
  per customer already and are joined in pandas by
  :func:`helpers.features.demographic_features`, as the pandas function does.

What runs where
---------------
The engine computes everything that grows with the lines, in one query (:data:`FEATURES`,
which nests :data:`helpers.scale_sql.RFM_TABLE`): RFM with money summed exactly in
millionths (see :mod:`helpers.scale_sql`), tenure and the inter-purchase time in calendar
days (``DAYS`` of the days of the timestamps, as pandas' ``normalize``), lines, units and
distinct products or categories per customer, and the country of most of the customer's lines
(ties go to the country first in code-point order, as pandas' sort does; lines without a
country are not counted). One more pass over the raw lines' reasons (:data:`RETURNED`) sums
the units of the return lines netted against a purchase; ``return_rate`` is then worked out
per customer in pandas. One profile pass (:data:`helpers.scale_sql.PROFILE`) checks the
lines as the pandas function does and finds the default ``as_of``.

Differences from pandas
-----------------------
- Money: ``monetary`` and ``monetary_avg`` are the double nearest the exact decimal total;
  pandas adds floats in row order, so they may differ in the last bit (1e-16 relative).
- The return lines are matched to customers by their **normalised** id (rule 1 of the
  cleaning, the id the clean lines carry); pandas strips the raw id only. The two differ only
  when every customer id is a whole float such as ``"17850.0"`` (cleaning drops the ``".0"``):
  there pandas finds no return for anybody and the engine finds them.
- Dates with a time zone are not taken (DuckDB's ``TIMESTAMP WITH TIME ZONE`` raises a
  ValueError): convert them to local wall time first. Spark's timestamps are read in the
  session's time zone, UTC by :func:`helpers.scale_sql.spark_session`.
- The products table's ids are compared as text.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from helpers import dates
from helpers import schema as s
from helpers.checks import check_days, check_numbers, require_columns, unique_ids
from helpers.churn import label_window, spend_trend
from helpers.features import demographic_features
from helpers.scale_clean import register_frame
from helpers.scale_sql import DIALECTS, PROFILE, RFM_TABLE, Engine

__all__ = [
    "FEATURES",
    "FEATURE_LINES",
    "LABELS",
    "RETURNED",
    "SPEND",
    "churn_features",
    "churn_labels",
    "customer_features",
]

#: The view ``cvl_lines`` of :mod:`helpers.scale_sql` over the clean lines, with the columns
#: the features need: ``breadth`` is the product, or its category (``{join}`` the products).
FEATURE_LINES = """
SELECT
    l.{customer_col} AS customer_id,
    l.{invoice_col} AS invoice_id,
    l.{date_col} AS invoice_date,
    CAST(l.{amount_col} AS DOUBLE) AS amount,
    l.{quantity_col} AS quantity,
    {breadth} AS breadth,
    {country} AS country
FROM {lines} l
{join}
"""

#: Per customer at ``{as_of}`` (lines ``{where}``: dated before it): RFM
#: (:data:`helpers.scale_sql.RFM_TABLE`), tenure, inter-purchase days, lines and units per
#: invoice, distinct products (or categories), units, and the most frequent country.
FEATURES = f"""
WITH rfm_t AS (
{RFM_TABLE}
), per_line AS (
    SELECT
        customer_id,
        count(*) AS n_lines,
        sum(quantity) AS units,
        count(DISTINCT breadth) AS breadth
    FROM cvl_lines
    WHERE {{where}}
    GROUP BY customer_id
), countries AS (
    SELECT customer_id, country, count(*) AS n
    FROM cvl_lines
    WHERE {{where}} AND country IS NOT NULL
    GROUP BY customer_id, country
), country_mode AS (
    SELECT customer_id, country
    FROM (
        SELECT
            customer_id,
            country,
            row_number() OVER (PARTITION BY customer_id ORDER BY n DESC, country) AS k
        FROM countries
    ) ranked
    WHERE k = 1
)
SELECT
    r.customer_id,
    r.recency,
    r.frequency,
    r.monetary,
    r.monetary_avg,
    DAYS(CAST(r.first_purchase AS DATE), CAST({{as_of}} AS DATE)) AS tenure,
    CASE
        WHEN r.frequency > 1 THEN
            CAST(DAYS(CAST(r.first_purchase AS DATE), CAST(r.last_purchase AS DATE)) AS DOUBLE)
            / (r.frequency - 1)
        ELSE CAST(DAYS(CAST(r.first_purchase AS DATE), CAST({{as_of}} AS DATE)) AS DOUBLE)
    END AS interpurchase_days,
    CAST(p.n_lines AS DOUBLE) / r.frequency AS lines_per_invoice,
    CAST(p.units AS DOUBLE) / r.frequency AS units_per_invoice,
    p.breadth,
    p.units,
    c.country
FROM rfm_t r
JOIN per_line p ON p.customer_id = r.customer_id
LEFT JOIN country_mode c ON c.customer_id = r.customer_id
"""

#: Units of the return lines netted against a purchase (reason ``{netted}``), dated before
#: ``{as_of}``, per customer, from the raw lines' reasons (:func:`line_reasons`).
RETURNED = """
SELECT {customer_col} AS customer_id, sum(abs(CAST({quantity_col} AS BIGINT))) AS returned
FROM {reasons}
WHERE {reason_col} = {netted} AND {date_col} < {as_of}
GROUP BY {customer_col}
"""

#: Net spend per customer in ``[{recent}, {as_of})`` and ``[{earlier}, {recent})``, exactly
#: (in millionths, see :mod:`helpers.scale_sql`), from the view ``cvl_lines``.
SPEND = """
SELECT
    customer_id,
    CAST(sum(CASE WHEN invoice_date >= {recent} THEN units ELSE 0 END) AS DOUBLE) / 1e6
        AS spend_recent,
    CAST(sum(CASE WHEN invoice_date < {recent} THEN units ELSE 0 END) AS DOUBLE) / 1e6
        AS spend_earlier
FROM (
    SELECT customer_id, invoice_date, CAST(round(amount * 1e6) AS BIGINT) AS units
    FROM cvl_lines
    WHERE invoice_date >= {earlier} AND invoice_date < {as_of}
) windows
GROUP BY customer_id
"""

#: Per customer with a line before ``{as_of}``: whether they bought in ``[{as_of}, {end})``.
LABELS = """
SELECT
    {customer_col} AS customer_id,
    max(CASE WHEN {date_col} >= {as_of} AND {date_col} < {end} THEN 1 ELSE 0 END) AS bought
FROM {lines}
WHERE {date_col} < {end}
GROUP BY {customer_col}
HAVING min({date_col}) < {as_of}
"""

# The reason helpers.features counts as a return (helpers.cleaning's label).
_NETTED = "cancellation netted"

_RULES = {  # name: (column argument, rule in words, SQL true when broken)
    "customer": ("customer_col", "present (no missing values)", "customer_id IS NULL"),
    "invoice": ("invoice_col", "present (no missing values)", "invoice_id IS NULL"),
    "date": ("date_col", "present (no missing values)", "invoice_date IS NULL"),
    "amount": (
        "amount_col",
        "positive (clean order lines with returns netted, see helpers.cleaning)",
        "amount IS NULL OR isnan(amount) OR NOT amount > 0",
    ),
    "quantity": ("quantity_col", "> 0", "({before}) AND (quantity IS NULL OR NOT quantity > 0)"),
}


def customer_features(
    engine: Any,
    lines: str = "cvl_clean",
    as_of: str | pd.Timestamp | None = None,
    *,
    reasons: str | None = None,
    products: pd.DataFrame | None = None,
    customers: pd.DataFrame | None = None,
    customer_col: str = s.CUSTOMER_ID,
    invoice_col: str = s.INVOICE_ID,
    date_col: str = s.INVOICE_DATE,
    amount_col: str = s.AMOUNT,
    product_col: str = s.PRODUCT_ID,
    quantity_col: str = s.QUANTITY,
    category_col: str = s.CATEGORY,
    country_col: str = s.COUNTRY,
    birth_date_col: str = s.BIRTH_DATE,
    reason_col: str = "reason",
    demographics: Sequence[str] = (s.ANNUAL_INCOME, s.GENDER, s.REGION, s.ACQUISITION_CHANNEL),
) -> pd.DataFrame:
    """One row of features per customer at ``as_of``, as :func:`helpers.features.customer_features`.

    Parameters
    ----------
    engine : Engine, str, DuckDB connection or SparkSession
        The engine holding ``lines``.
    lines : str, default "cvl_clean"
        Table or view of clean order lines (see the module docstring).
    as_of : str or pandas.Timestamp, optional
        The analysis moment, exclusive; default midnight after the last line's day.
    reasons : str, optional
        View of the raw lines and their reasons (:func:`helpers.scale_clean.line_reasons`);
        gives ``return_rate``.
    products : pandas.DataFrame, optional
        Products table with ``product_col`` and ``category_col``: breadth in categories
        (``distinct_categories``) instead of products (``distinct_products``).
    customers : pandas.DataFrame, optional
        Customers table: ``age`` and the ``demographics`` columns present
        (:func:`helpers.features.demographic_features`).
    customer_col, invoice_col, date_col, amount_col, product_col, quantity_col : str
        Column names of the lines (and of the products' and customers' keys).
    category_col, country_col, birth_date_col : str
        Column names of the products' category, the lines' country (optional) and the
        customers' birth date.
    reason_col : str, default "reason"
        Column of ``reasons`` holding the reason.
    demographics : sequence of str
        Customers-table columns to copy, where present.

    Returns
    -------
    pandas.DataFrame
        As :func:`helpers.features.customer_features`: indexed by customer (sorted, text),
        the behaviour features (float), then ``age`` and the demographics, then the country;
        ``attrs["as_of"]``.

    Raises
    ------
    ValueError
        If a column is missing, a line is not clean (a missing customer, invoice or date, an
        amount not positive, a quantity not positive before ``as_of``), a product sold has
        no category in ``products``, the dates carry a time zone, or no line is dated before
        ``as_of``; the message names the column, the rule and a line.
    """
    run = Engine.of(engine)
    names = {
        "customer_col": customer_col,
        "invoice_col": invoice_col,
        "date_col": date_col,
        "amount_col": amount_col,
        "product_col": product_col,
        "quantity_col": quantity_col,
    }
    present = run.columns(lines)
    require_columns(pd.DataFrame(columns=present), list(names.values()), lines, allow_empty=True)
    has_country = country_col in present
    _lines_view(run, lines, names, products, product_col, category_col, country_col, has_country)
    stamp = None if as_of is None else run.timestamp(dates.to_timestamp(as_of, "as_of"))
    profile = _profile(run, stamp, names, products is not None, product_col)
    if as_of is None:
        as_of = dates.day_after(profile["last_line"], "as_of")
        stamp = run.timestamp(as_of)
    as_of = dates.to_timestamp(as_of, "as_of")
    if not pd.Timestamp(profile["first_line"]) < as_of:
        raise ValueError(
            f"customer_features: as_of {as_of} is at or before the first transaction "
            f"({profile['first_line']}); no purchase is dated before it. Choose a later as_of."
        )
    found = run.run(FEATURES, where=f"invoice_date < {stamp}", as_of=stamp)
    found.index = pd.Index(found.pop("customer_id").astype("str"), name=customer_col)
    found = found.sort_index()
    breadth = "distinct_categories" if products is not None else "distinct_products"
    out = found.drop(columns=["units", "country"])
    out = out.rename(columns={"breadth": breadth}).astype(float)
    if reasons is not None:
        units = found["units"].astype(float)
        returned = _returned(run, reasons, stamp, customer_col, date_col, quantity_col, reason_col)
        returned = returned.reindex(out.index, fill_value=0.0)
        out["return_rate"] = returned / (returned + units)
    if customers is not None:
        out = out.join(
            demographic_features(
                customers,
                as_of,
                customer_col=customer_col,
                birth_date_col=birth_date_col,
                columns=demographics,
            )
        )
    if has_country:
        out[country_col] = found["country"].astype("str")
    out.index.name = customer_col
    out.attrs["as_of"] = as_of
    return out


def _lines_view(
    run: Engine,
    lines: str,
    names: dict[str, str],
    products: pd.DataFrame | None,
    product_col: str,
    category_col: str,
    country_col: str,
    has_country: bool,
) -> None:
    """Make the view ``cvl_lines`` (:data:`FEATURE_LINES`), with the products joined if given."""
    breadth, join = f"l.{run.quote(product_col)}", ""
    if products is not None:
        require_columns(products, [product_col, category_col], "products")
        if products[product_col].duplicated().any():
            unique_ids(products, product_col, "products")
        table = pd.DataFrame(
            {
                "product_id": products[product_col].astype("str").to_numpy(dtype=object),
                "category": products[category_col].to_numpy(dtype=object),
            }
        )
        table["category"] = table["category"].where(table["category"].notna(), None)
        register_frame(run, table, "cvl_feature_products", line_col="cvl_line")
        breadth = "p.category"
        join = f"LEFT JOIN cvl_feature_products p ON p.product_id = l.{run.quote(product_col)}"
    text = DIALECTS[run.name]["string"]
    country = f"l.{run.quote(country_col)}" if has_country else f"CAST(NULL AS {text})"
    values = {key: run.quote(name) for key, name in names.items()}
    run.view(
        "cvl_lines",
        FEATURE_LINES,
        breadth=breadth,
        join=join,
        country=country,
        lines=lines,
        **values,
    )


def _profile(
    run: Engine, stamp: str | None, names: dict[str, str], has_products: bool, product_col: str
) -> pd.Series:
    """Check the lines as the pandas function does (one pass); return the profile."""
    before = "TRUE" if stamp is None else f"invoice_date < {stamp}"
    rules = {name: (names[arg], rule, bad) for name, (arg, rule, bad) in _RULES.items()}
    rules["quantity"] = (*rules["quantity"][:2], rules["quantity"][2].format(before=before))
    if has_products:
        rules["category"] = (
            product_col,
            "a product of the products table, with a category",
            f"({before}) AND breadth IS NULL",
        )
    counts = ",\n    ".join(
        f"sum(CASE WHEN {bad} THEN 1 ELSE 0 END) AS bad_{name}"
        for name, (_, _, bad) in rules.items()
    )
    profile = run.run(PROFILE, rules=counts + ",\n    min(typeof(invoice_date)) AS date_type")
    profile = profile.iloc[0]
    if int(profile["n_lines"]) == 0:
        raise ValueError("transactions: the table has no rows")
    if "time zone" in str(profile["date_type"]).lower():
        raise ValueError(
            f"transactions: column {names['date_col']!r} holds dates with a time zone "
            f"({profile['date_type']}); convert them to local wall time (no time zone) first"
        )
    for name, (column, rule, bad) in rules.items():
        count = int(profile[f"bad_{name}"] or 0)
        if count:
            example = run.run(f"SELECT * FROM cvl_lines WHERE {bad} LIMIT 1").iloc[0].to_dict()
            raise ValueError(
                f"transactions: column {column!r} must be {rule}; {count:,} line(s) are not, "
                f"e.g. {example}"
            )
    return profile


def _returned(
    run: Engine,
    reasons: str,
    stamp: str,
    customer_col: str,
    date_col: str,
    quantity_col: str,
    reason_col: str,
) -> pd.Series:
    """Units of the netted return lines before ``as_of``, per customer (float)."""
    q = run.quote
    require_columns(
        pd.DataFrame(columns=run.columns(reasons)),
        [customer_col, date_col, quantity_col, reason_col],
        reasons,
        allow_empty=True,
    )
    found = run.run(
        RETURNED,
        customer_col=q(customer_col),
        quantity_col=q(quantity_col),
        date_col=q(date_col),
        reason_col=q(reason_col),
        reasons=reasons,
        netted=run.literal(_NETTED),
        as_of=stamp,
    )
    index = pd.Index(found["customer_id"].astype("str"))
    return pd.Series(found["returned"].to_numpy(dtype=float), index=index)


def churn_labels(
    engine: Any,
    lines: str,
    as_of: str | pd.Timestamp,
    horizon_days: int,
    *,
    data_end: str | pd.Timestamp | None = None,
    customer_col: str = s.CUSTOMER_ID,
    date_col: str = s.INVOICE_DATE,
) -> pd.Series:
    """Label churn at ``as_of`` in the engine, as :func:`helpers.churn.churn_labels`.

    Parameters
    ----------
    engine : Engine, str, DuckDB connection or SparkSession
        The engine holding ``lines``.
    lines : str
        Table or view of clean order lines (every line a purchase).
    as_of : str or pandas.Timestamp
        The cutoff: customers at risk have a line before it; the label window starts there.
    horizon_days : int
        Length of the label window in days.
    data_end : str or pandas.Timestamp, optional
        End of the data (exclusive); default midnight after the last line's day.
    customer_col, date_col : str
        Column names of the customer id and the invoice date.

    Returns
    -------
    pandas.Series of bool
        Indexed by customer (sorted, text), named ``churn``: True when the customer bought
        nothing in ``[as_of, as_of + horizon_days)``; ``attrs``: ``as_of``, ``cutoff``,
        ``window_end``.

    Raises
    ------
    ValueError
        As :func:`helpers.churn.churn_labels`: a missing column, no dates, ``as_of`` at or
        before the first line, or a label window ending after ``data_end``.
    """
    run = Engine.of(engine)
    require_columns(
        pd.DataFrame(columns=run.columns(lines)), [customer_col, date_col], lines, allow_empty=True
    )
    check_days("horizon_days", horizon_days)
    as_of = dates.to_timestamp(as_of, "as_of")
    q = run.quote
    span = run.run(f"SELECT min({q(date_col)}) AS first, max({q(date_col)}) AS last FROM {lines}")
    first, last = span["first"].iloc[0], span["last"].iloc[0]
    if pd.isna(first):
        raise ValueError(f"transactions: column {date_col!r} has no dates")
    first = pd.Timestamp(first)
    end = (
        dates.day_after(last, "data_end")
        if data_end is None
        else dates.to_timestamp(data_end, "data_end")
    )
    window_end = label_window(first, end, as_of, horizon_days)
    found = run.run(
        LABELS,
        customer_col=q(customer_col),
        date_col=q(date_col),
        lines=lines,
        as_of=run.timestamp(as_of),
        end=run.timestamp(window_end),
    )
    index = pd.Index(found["customer_id"].astype("str"), name=customer_col)
    labels = pd.Series(found["bought"].to_numpy() == 0, index=index, name="churn", dtype=bool)
    labels = labels.sort_index()
    labels.attrs.update(as_of=as_of, cutoff=as_of, window_end=window_end)
    return labels


def churn_features(
    engine: Any,
    lines: str,
    as_of: str | pd.Timestamp,
    *,
    reasons: str | None = None,
    products: pd.DataFrame | None = None,
    customers: pd.DataFrame | None = None,
    trend_days: int = 90,
    customer_col: str = s.CUSTOMER_ID,
    date_col: str = s.INVOICE_DATE,
    amount_col: str = s.AMOUNT,
    **columns: str,
) -> pd.DataFrame:
    """Compute a churn snapshot's features at ``as_of``, as :func:`helpers.churn.churn_features`.

    :func:`customer_features` and the spend of the two ``trend_days`` windows before
    ``as_of`` (``spend_recent``, ``spend_earlier``, ``spend_trend``; :data:`SPEND`), in the
    order of :func:`helpers.churn.churn_features` (numbers, then the spend, then the text
    columns). No ``contacts``: a contacts table is per contact, not per line; add its two
    columns in pandas. To leave no leak, ``lines`` must be the raw lines cut at ``as_of`` and
    then cleaned (:func:`helpers.scale_clean.clean_lines` on a view ``WHERE date < as_of``),
    and ``reasons`` their :func:`helpers.scale_clean.line_reasons`.

    Parameters
    ----------
    engine : Engine, str, DuckDB connection or SparkSession
        The engine holding ``lines``.
    lines : str
        Table or view of the clean lines (cut at ``as_of`` before cleaning).
    as_of : str or pandas.Timestamp
        The cutoff, exclusive.
    reasons, products, customers
        As :func:`customer_features`.
    trend_days : int, default 90
        Length of the two windows compared by ``spend_trend``.
    customer_col, date_col, amount_col : str
        Column names of the lines.
    **columns : str
        The other column names of :func:`customer_features` (``invoice_col``, ...).

    Returns
    -------
    pandas.DataFrame
        Indexed by customer (sorted, text); ``attrs``: ``as_of`` and ``cutoff``.

    Raises
    ------
    ValueError
        As :func:`customer_features`, or if ``trend_days`` is below 1.
    """
    check_numbers("trend_days", trend_days, ">= 1", lambda d: d >= 1)
    run = Engine.of(engine)
    as_of = dates.to_timestamp(as_of, "as_of")
    features = customer_features(
        run,
        lines,
        as_of,
        reasons=reasons,
        products=products,
        customers=customers,
        customer_col=customer_col,
        date_col=date_col,
        amount_col=amount_col,
        **columns,
    )
    days = pd.Timedelta(days=int(trend_days))
    found = run.run(
        SPEND,
        as_of=run.timestamp(as_of),
        recent=run.timestamp(as_of - days),
        earlier=run.timestamp(as_of - 2 * days),
    )
    found.index = pd.Index(found.pop("customer_id").astype("str"), name=customer_col)
    spend = found.reindex(features.index, fill_value=0.0).astype(float)
    spend["spend_trend"] = spend_trend(spend["spend_recent"], spend["spend_earlier"])
    numeric = [c for c in features.columns if pd.api.types.is_float_dtype(features[c])]
    out = pd.concat([features[numeric], spend, features.drop(columns=numeric)], axis=1)
    out.index.name = customer_col
    out.attrs.update(as_of=as_of, cutoff=as_of)
    return out

"""Customer features: one row of numbers per customer, and their preprocessing for distances.

Clustering (chapter 05) describes each customer by a handful of numbers, puts them on one
scale and groups customers who are close. The churn snapshots and models (:mod:`helpers.churn`,
:mod:`helpers.churn_models`, :mod:`helpers.strategy`) and the look-alike list
(:mod:`helpers.campaigns`) build and prepare their features with the same functions. This
module holds them:

1. :func:`customer_features`: one row per customer at an analysis date ``as_of`` (exclusive,
   as in :mod:`helpers.rfm`): RFM, tenure, mean inter-purchase time, basket size, range
   bought, return rate and, where a customers table is given, demographics;
2. :func:`feature_pipeline`: a scikit-learn ``ColumnTransformer`` that imputes, takes
   ``log1p`` of the skewed counts and amounts, standardises every number and one-hot encodes
   the categorical attributes (never integer codes); :func:`usable_features` decides which
   features can tell customers apart.

:mod:`helpers.clustering` re-exports these names, so chapter 05 imports them from there;
:func:`helpers.scale_features.customer_features` computes the same table in DuckDB or Spark.

Features
--------
All measured on the clean order lines dated strictly before ``as_of`` (default: midnight after
the last line's day, :func:`helpers.rfm.default_as_of`):

- ``recency``, ``frequency``, ``monetary``, ``monetary_avg``: from
  :func:`helpers.rfm.rfm_table` (calendar days since the last purchase; distinct invoices;
  net spend; spend per invoice);
- ``tenure``: calendar days from the day of the first purchase to the day of ``as_of``;
- ``interpurchase_days``: the mean gap between consecutive purchases, in calendar days:
  ``(day of last purchase - day of first purchase) / (frequency - 1)`` (the gaps telescope,
  so this is exactly their mean). A customer with **one purchase** has no gap; we use their
  ``tenure`` instead: they have waited at least that long without buying again (a censored
  gap). So a one-time buyer of long ago looks like a customer who buys very rarely, and one
  of last week like a customer whose next purchase is not due yet;
- ``lines_per_invoice`` and ``units_per_invoice``: basket size, order lines (products) and
  units per invoice;
- ``distinct_categories`` when a products table with categories is given, otherwise
  ``distinct_products``: how broad a range the customer buys;
- ``return_rate`` (only when the raw order lines are given): the share of the units a
  customer bought that they returned, ``returned / (returned + kept)``. ``returned`` sums the
  units of the customer's return lines that cleaning matched to an earlier purchase (reason
  "cancellation netted" of :func:`helpers.cleaning.flag_transactions`); ``kept`` is the
  customer's units in the clean lines, already net of returns. Return lines that matched
  nothing (reason "unmatched cancellation") are not counted: they return something bought
  before the data start. A return of more units than were bought counts in full (the excess,
  small, is in the cleaning report's ``attrs["unmatched_return_quantity"]``);
- from a customers table, where present: ``age`` (years at ``as_of``, from ``birth_date``),
  ``annual_income``, ``gender``, ``region``, ``acquisition_channel``;
- ``country`` (when the order lines have one): the country of most of the customer's lines.

Distances
---------
k-means and Gaussian mixtures compare customers by (Euclidean) distance, so every feature must
be on a comparable scale and no category may be a number. :func:`feature_pipeline` takes
``log1p`` of the skewed counts and amounts (:data:`LOG_FEATURES`: a customer who spends
£10,000 is not 100 times as different from one who spends £100 as that one is from one who
spends £1), standardises every numeric column (mean 0, standard deviation 1) and one-hot
encodes categorical columns. Fed raw, pounds of income outweigh years of age by a factor of
a thousand and gender coded 0/1/2 becomes "M is between F and X".

Features every customer shares
------------------------------
A feature with one value for everybody cannot tell customers apart, and standardising it
divides by 0: a shop without returns has ``return_rate`` 0 for every customer, a shop whose
invoices all have one line has ``lines_per_invoice`` 1, a customers table without birth
dates gives no ``age``. :func:`usable_features` finds such columns (missing for every
customer, or one value for every customer who has one) and says why in a note, a plain
sentence ("return_rate dropped: every customer has 0 (no returns in the data)");
:func:`feature_pipeline` leaves them out with a :class:`helpers.checks.DataWarning` and
works on the others. The churn models (:mod:`helpers.churn_models`, :mod:`helpers.strategy`)
and the look-alike list (:mod:`helpers.campaigns`) use the same function.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler

from helpers import rfm
from helpers import schema as s
from helpers.checks import check_numbers, require_columns, warn_notes
from helpers.dates import DAYS_PER_YEAR
from helpers.deprecation import LINE_COLUMN_RENAMES, renamed_arguments

__all__ = [
    "BEHAVIOUR_FEATURES",
    "DEMOGRAPHIC_FEATURES",
    "LOG_FEATURES",
    "customer_features",
    "demographic_features",
    "feature_pipeline",
    "is_numeric",
    "usable_features",
]

#: Behaviour features of :func:`customer_features` (``distinct_categories`` replaces
#: ``distinct_products`` when a products table is given; ``return_rate`` needs raw lines).
BEHAVIOUR_FEATURES: tuple[str, ...] = (
    "recency",
    "frequency",
    "monetary",
    "monetary_avg",
    "tenure",
    "interpurchase_days",
    "lines_per_invoice",
    "units_per_invoice",
    "distinct_products",
    "distinct_categories",
    "return_rate",
)

#: Customer attributes taken from a customers table, where present.
DEMOGRAPHIC_FEATURES: tuple[str, ...] = (
    "age",
    s.ANNUAL_INCOME,
    s.GENDER,
    s.REGION,
    s.ACQUISITION_CHANNEL,
)

#: Right-skewed counts and amounts that :func:`feature_pipeline` puts on a log scale (log1p).
#: Recency, tenure and age spread over a bounded range and are only standardised; the return
#: rate is a share (0-1).
LOG_FEATURES: tuple[str, ...] = (
    "frequency",
    "monetary",
    "monetary_avg",
    "interpurchase_days",
    "lines_per_invoice",
    "units_per_invoice",
    "distinct_products",
    "distinct_categories",
    s.ANNUAL_INCOME,
)

_RETURNED = "cancellation netted"


# --- 1. features ---------------------------------------------------------------------------------


@renamed_arguments(**LINE_COLUMN_RENAMES, category="category_col", birth_date="birth_date_col")
def customer_features(
    transactions: pd.DataFrame,
    as_of: str | pd.Timestamp | None = None,
    *,
    raw: pd.DataFrame | None = None,
    reasons: pd.Series | None = None,
    products: pd.DataFrame | None = None,
    customers: pd.DataFrame | None = None,
    customer_col: str = s.CUSTOMER_ID,
    invoice_col: str = s.INVOICE_ID,
    date_col: str = s.INVOICE_DATE,
    amount_col: str = s.AMOUNT,
    product_col: str = s.PRODUCT_ID,
    quantity_col: str = s.QUANTITY,
    price_col: str = s.UNIT_PRICE,
    category_col: str = s.CATEGORY,
    country_col: str = s.COUNTRY,
    birth_date_col: str = s.BIRTH_DATE,
    demographics: Sequence[str] = (s.ANNUAL_INCOME, s.GENDER, s.REGION, s.ACQUISITION_CHANNEL),
) -> pd.DataFrame:
    """One row of behaviour (and demographic) features per customer at ``as_of``.

    See the module docstring for the definition of every feature.

    Parameters
    ----------
    transactions : pandas.DataFrame
        Clean order lines (:func:`helpers.cleaning.clean_transactions`), with ``amount``.
    as_of : str or pandas.Timestamp, optional
        The analysis moment, exclusive; default midnight after the last line's day.
    raw : pandas.DataFrame, optional
        The raw order lines the clean ones were made from; gives ``return_rate``.
    reasons : pandas.Series, optional
        :func:`helpers.cleaning.flag_transactions` of ``raw`` (same index), if already
        computed; computed from ``raw`` otherwise.
    products : pandas.DataFrame, optional
        Products table with ``product_id`` and ``category``: breadth is counted in
        categories (``distinct_categories``) instead of products (``distinct_products``).
    customers : pandas.DataFrame, optional
        Customers table: ``age`` from ``birth_date`` and the ``demographics`` columns present
        in it are added (missing for customers not in the table).
    customer_col, invoice_col, date_col, amount_col, product_col, quantity_col : str
        Column names of the order lines (and of the products and customers tables' keys);
        default the canonical names of :mod:`helpers.schema` (the old names ``customer_id``,
        ``invoice_id``, ``invoice_date``, ``amount``, ``product_id``, ``quantity`` still work,
        with a FutureWarning).
    price_col : str, default "unit_price"
        Column name of the unit price in ``raw`` (read when the reasons are computed here).
    category_col, country_col, birth_date_col : str
        Column names of the products' category, the order lines' country (optional) and the
        customers' birth date (old names ``category``, ``country``, ``birth_date``).
    demographics : sequence of str
        Customers-table columns to copy, where present.

    Returns
    -------
    pandas.DataFrame
        Indexed by customer (sorted, the index named ``customer_col``): the behaviour
        features, then ``age`` and the demographic columns, then the country (under
        ``country_col``); numeric features are float.
        ``attrs["as_of"]`` holds the analysis moment.

    Raises
    ------
    ValueError
        If a column is missing, a line is not clean (missing values, amount <= 0, see
        :func:`helpers.rfm.rfm_table`), a quantity is not positive, a product sold is not in
        ``products``, or ``reasons`` does not match ``raw``.
    """
    require_columns(
        transactions,
        [customer_col, invoice_col, date_col, amount_col, product_col, quantity_col],
        "transactions",
    )
    table = rfm.rfm_table(
        transactions,
        as_of,
        customer_col=customer_col,
        invoice_col=invoice_col,
        date_col=date_col,
        amount_col=amount_col,
    )
    as_of = table.attrs["as_of"]
    lines = transactions[transactions[date_col] < as_of]
    check_numbers(
        f"transactions column {quantity_col!r}", lines[quantity_col], "> 0", lambda q: q > 0
    )
    by_customer = lines.groupby(customer_col, sort=True)
    purchases = table[rfm.FREQUENCY].astype(float)
    out = table[[rfm.RECENCY, rfm.FREQUENCY, rfm.MONETARY, rfm.MONETARY_AVG]].astype(float)
    day = as_of.normalize()
    first = table[rfm.FIRST_PURCHASE].dt.normalize()
    last = table[rfm.LAST_PURCHASE].dt.normalize()
    out["tenure"] = (day - first).dt.days.astype(float)
    span = (last - first).dt.days.astype(float)
    out["interpurchase_days"] = (span / (purchases - 1)).where(purchases > 1, out["tenure"])
    out["lines_per_invoice"] = by_customer.size() / purchases
    units = by_customer[quantity_col].sum().astype(float)
    out["units_per_invoice"] = units / purchases
    if products is not None:
        require_columns(products, [product_col, category_col], "products")
        categories = lines[product_col].map(products.set_index(product_col)[category_col])
        unknown = categories.isna()
        if unknown.any():
            row = lines.loc[unknown].iloc[0]
            raise ValueError(
                f"products: no {category_col!r} for product {row[product_col]!r} "
                f"({int(unknown.sum())} line(s), e.g. row {row.name!r}); give every product "
                "sold a category"
            )
        out["distinct_categories"] = categories.groupby(lines[customer_col]).nunique()
    else:
        out["distinct_products"] = by_customer[product_col].nunique()
    if raw is not None:
        columns = {
            "customer_col": customer_col,
            "invoice_col": invoice_col,
            "date_col": date_col,
            "product_col": product_col,
            "quantity_col": quantity_col,
            "price_col": price_col,
        }
        returned = _returned_units(raw, reasons, as_of, columns)
        returned = returned.reindex(out.index, fill_value=0.0)
        out["return_rate"] = returned / (returned + units)
    out = out.astype(float)
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
    if country_col in lines.columns:
        counts = lines.groupby([customer_col, country_col]).size().rename("n").reset_index()
        counts = counts.sort_values([customer_col, "n", country_col], ascending=[True, False, True])
        out[country_col] = counts.drop_duplicates(customer_col).set_index(customer_col)[country_col]
    out.index.name = customer_col
    out.attrs["as_of"] = as_of
    return out


def _returned_units(
    raw: pd.DataFrame,
    reasons: pd.Series | None,
    as_of: pd.Timestamp,
    columns: dict[str, str],
) -> pd.Series:
    """Units on the return lines that cleaning netted against a purchase, per customer."""
    customer_col, date_col = columns["customer_col"], columns["date_col"]
    quantity_col = columns["quantity_col"]
    require_columns(raw, [customer_col, date_col, quantity_col], "raw")
    if reasons is None:
        from helpers.cleaning import flag_transactions

        reasons = flag_transactions(raw, **columns)
    elif not reasons.index.equals(raw.index):
        raise ValueError(
            "reasons must be flag_transactions(raw): same index as raw "
            f"({len(reasons):,} vs {len(raw):,} rows)"
        )
    netted = raw[(reasons == _RETURNED).to_numpy() & (raw[date_col] < as_of).to_numpy()]
    who = netted[customer_col].astype("str").str.strip()
    return netted[quantity_col].abs().astype(float).groupby(who).sum()


def demographic_features(
    customers: pd.DataFrame,
    as_of: pd.Timestamp,
    *,
    customer_col: str = s.CUSTOMER_ID,
    birth_date_col: str = s.BIRTH_DATE,
    columns: Sequence[str] = (s.ANNUAL_INCOME, s.GENDER, s.REGION, s.ACQUISITION_CHANNEL),
) -> pd.DataFrame:
    """Age at ``as_of`` and the demographic columns present, indexed by customer.

    Shared by :func:`customer_features` (customers) and
    :func:`helpers.lookalike.prospect_features` (prospects).

    Parameters
    ----------
    customers : pandas.DataFrame
        One row per customer (or prospect).
    as_of : pandas.Timestamp
        The moment at which ages are counted.
    customer_col : str, default "customer_id"
        Column name of the id (one row per id).
    birth_date_col : str, default "birth_date"
        Column name of the birth date; without it, no ``age``.
    columns : sequence of str
        Columns to copy, where present: numbers as float, anything else as text (missing
        kept missing).

    Returns
    -------
    pandas.DataFrame
        Indexed by the id as text: ``age`` (in years of 365.25 days) and the ``columns``
        present.

    Raises
    ------
    ValueError
        If the id column is missing or an id repeats.
    """
    require_columns(customers, [customer_col], "customers")
    if customers[customer_col].duplicated().any():
        from helpers.checks import unique_ids

        unique_ids(customers, customer_col, "customers")
    table = customers.set_index(customers[customer_col].astype("str"))
    out = pd.DataFrame(index=table.index)
    if birth_date_col in table.columns:
        born = pd.to_datetime(table[birth_date_col])
        out["age"] = ((as_of - born).dt.days / DAYS_PER_YEAR).astype(float)
    for column in columns:
        if column in table.columns:
            values = table[column]
            if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
                out[column] = values.astype(float)
            else:
                out[column] = values.astype("str").where(values.notna())
    return out


# --- 2. preprocessing ----------------------------------------------------------------------------


#: Why every customer can share a feature's value, for the notes of :func:`usable_features`:
#: (feature, shared value) -> the reason in words.
_SHARED_VALUE_REASONS: dict[tuple[str, float], str] = {
    ("return_rate", 0.0): "no returns in the data",
    ("frequency", 1.0): "every customer bought once",
    ("lines_per_invoice", 1.0): "every invoice has one line",
    ("units_per_invoice", 1.0): "every invoice holds one unit",
    ("distinct_products", 1.0): "no customer bought more than one product",
    ("distinct_categories", 1.0): "no customer bought from more than one category",
    ("spend_recent", 0.0): "nobody bought in the recent trend window",
    ("spend_earlier", 0.0): "nobody bought in the earlier trend window",
    ("spend_trend", -1.0): "nobody bought in the recent trend window",
    ("spend_trend", 1.0): "nobody bought in the earlier trend window",
    ("contacts", 0.0): "no service contacts in the data",
    ("contact_cost", 0.0): "no service contacts in the data",
}


def _shown(value: object) -> str:
    """Write a value as the notes show it: 0, 1,250, 0.25, 'F'."""
    if isinstance(value, bool | np.bool_):
        return str(bool(value))
    if isinstance(value, numbers.Real):
        number = float(value)
        return f"{int(number):,}" if number.is_integer() else f"{number:,.6g}"
    return repr(str(value))


def usable_features(features: pd.DataFrame, columns: Iterable[str]) -> tuple[list[str], list[str]]:
    """Split ``columns`` into those that can tell customers apart and notes on the others.

    A column is left out when it is missing for every customer, or when every customer who
    has a value has the same one (imputing the missing values would then make it constant):
    it cannot separate customers, and standardising it would divide by 0. This is the one
    place where the helpers decide which features to drop; :func:`feature_pipeline`,
    :func:`helpers.churn_models.make_models`, :func:`helpers.scoring.churn_risk` and
    :func:`helpers.campaigns.expansion_list` all call it.

    Parameters
    ----------
    features : pandas.DataFrame
        One row per customer.
    columns : iterable of str
        The candidate columns (all present in ``features``).

    Returns
    -------
    kept : list of str
        The usable columns, in the order given.
    notes : list of str
        One sentence per column left out, e.g. "return_rate dropped: every customer has 0
        (no returns in the data)" or "age dropped: missing for every customer".

    Raises
    ------
    ValueError
        If a column is missing from ``features``.
    """
    columns = list(columns)
    require_columns(features, columns, "features", allow_empty=True)
    kept: list[str] = []
    notes: list[str] = []
    for column in columns:
        values = features[column].dropna()
        if values.empty:
            notes.append(f"{column} dropped: missing for every customer")
            continue
        value = values.iloc[0]
        if (values != value).any():
            kept.append(column)
            continue
        missing = len(features) - len(values)
        if missing:
            note = (
                f"{column} dropped: every customer with a value has {_shown(value)}, "
                f"the other {missing:,} have none"
            )
        else:
            note = f"{column} dropped: every customer has {_shown(value)}"
        try:
            reason = _SHARED_VALUE_REASONS.get((column, float(value)))
        except (TypeError, ValueError):
            reason = None
        notes.append(f"{note} ({reason})" if reason and not missing else note)
    return kept, notes


def feature_pipeline(
    features: pd.DataFrame,
    numeric: Sequence[str] | None = None,
    categorical: Sequence[str] | None = None,
    *,
    log: Iterable[str] = LOG_FEATURES,
) -> ColumnTransformer:
    """Build the preprocessing of ``features`` for distance-based clustering (not yet fitted).

    Three branches, each a small scikit-learn pipeline:

    - ``log``: numeric columns listed in ``log`` (skewed counts and amounts): median
      imputation, ``log1p``, standardisation;
    - ``scale``: the other numeric columns: median imputation, standardisation;
    - ``onehot``: categorical columns: missing values become the category "missing", then
      one-hot encoding (categories unseen at fit time encode as all zeros).

    The output is a DataFrame with a column per feature and category (``set_output``).

    Parameters
    ----------
    features : pandas.DataFrame
        One row per customer (:func:`customer_features`); used to pick and check the columns.
    numeric : sequence of str, optional
        Numeric columns to use; default every numeric column of ``features``.
    categorical : sequence of str, optional
        Text columns to one-hot encode; default every text/categorical column.
    log : iterable of str, default :data:`LOG_FEATURES`
        Numeric columns to put on a log scale (``log1p``) before standardising.

    Returns
    -------
    sklearn.compose.ColumnTransformer

    Warns
    -----
    helpers.checks.DataWarning
        For each selected column that cannot separate customers (missing for every customer,
        or one value for all, see :func:`usable_features`): it is left out and the pipeline
        works on the others.

    Raises
    ------
    ValueError
        If a column is missing, no column is selected, no selected column is usable (the
        message names each and why), a numeric column is not numeric, a categorical column
        holds numbers (integer codes: map them to labels first), or a log column has a value
        below 0.
    """
    if not isinstance(features, pd.DataFrame) or features.empty:
        raise ValueError("features must be a non-empty DataFrame (one row per customer)")
    is_number = {c: is_numeric(features[c]) for c in features.columns}
    if numeric is None:
        numeric = [c for c in features.columns if is_number[c]]
    if categorical is None:
        categorical = [
            c
            for c in features.columns
            if not is_number[c] and not pd.api.types.is_datetime64_any_dtype(features[c])
        ]
    numeric, categorical = list(numeric), list(categorical)
    require_columns(features, numeric + categorical, "features")
    if not numeric and not categorical:
        raise ValueError("feature_pipeline: no column selected")
    kept, notes = usable_features(features, numeric + categorical)
    if not kept:
        raise ValueError(
            "features: no usable column, none can tell customers apart: "
            + "; ".join(notes)
            + ". Give at least one column whose values differ between customers"
        )
    warn_notes(notes)
    numeric = [c for c in numeric if c in kept]
    categorical = [c for c in categorical if c in kept]
    for column in numeric:
        values = features[column]
        if not is_number[column]:
            raise ValueError(
                f"features: column {column!r} must be numeric to be scaled; got {values.dtype} "
                f"(e.g. {values.dropna().iloc[0]!r}). Pass it as categorical instead"
            )
    for column in categorical:
        if is_number[column]:
            example = features[column].dropna().iloc[0]
            raise ValueError(
                f"features: categorical column {column!r} holds numbers (e.g. {example!r}); "
                "integer codes would be one-hot encoded as text at best and read as distances "
                "at worst. Map the codes to their labels first"
            )
    logged = [c for c in numeric if c in set(log)]
    for column in logged:
        check_numbers(
            f"features column {column!r}",
            features[column],
            ">= 0 (log1p)",
            lambda v: v >= 0,
            allow_nan=True,
        )
    scaled = [c for c in numeric if c not in set(log)]
    branches = []
    if logged:
        branches.append(
            (
                "log",
                Pipeline(
                    [
                        ("impute", SimpleImputer(strategy="median")),
                        ("log1p", FunctionTransformer(np.log1p, feature_names_out="one-to-one")),
                        ("scale", StandardScaler()),
                    ]
                ),
                logged,
            )
        )
    if scaled:
        branches.append(
            (
                "scale",
                Pipeline(
                    [("impute", SimpleImputer(strategy="median")), ("scale", StandardScaler())]
                ),
                scaled,
            )
        )
    if categorical:
        branches.append(
            (
                "onehot",
                Pipeline(
                    [
                        ("impute", SimpleImputer(strategy="constant", fill_value="missing")),
                        (
                            "encode",
                            OneHotEncoder(handle_unknown="ignore", sparse_output=False),
                        ),
                    ]
                ),
                categorical,
            )
        )
    return ColumnTransformer(branches, remainder="drop").set_output(transform="pandas")


def is_numeric(values: pd.Series) -> bool:
    """Say whether a feature is numeric (booleans are not: they are categories).

    Parameters
    ----------
    values : pandas.Series
        One feature.

    Returns
    -------
    bool
    """
    return pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)

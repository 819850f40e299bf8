"""Clustering segmentation: customer features, choosing k, k-means and Gaussian mixtures, names.

RFM (chapter 04) sorts customers into segments by fixed rules. Clustering lets the data draw
the segments instead: describe each customer by a handful of numbers, put them on one scale,
and group customers who are close. This module holds every step of that:

1. :func:`customer_features`: one row per customer at an analysis date ``as_of`` (exclusive,
   as in :mod:`helpers.rfm`): RFM, tenure, mean inter-purchase time, basket size, range
   bought, return rate and, where a customers table is given, demographics;
2. :func:`feature_pipeline`: a scikit-learn ``ColumnTransformer`` that imputes, takes
   ``log1p`` of the skewed counts and amounts, standardises every number and one-hot encodes
   the categorical attributes (never integer codes);
3. :func:`k_selection` and :func:`choose_k`: inertia (elbow), silhouette and
   Calinski-Harabasz for k-means, BIC and AIC for Gaussian mixtures, over a range of k, and a
   documented rule for k;
4. :func:`make_clusterer`: k-means and Gaussian mixtures with the course's fixed settings;
   :func:`seed_stability` and :func:`adjusted_rand` measure how stable and how close to other
   labels (RFM segments, the synthetic data's true personas) a clustering is;
5. :func:`cluster_profiles` and :func:`name_clusters`: cluster centres in original units and
   names read off them by rules ("frequent high spenders, recent").

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
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.metrics import adjusted_rand_score, calinski_harabasz_score, silhouette_score
from sklearn.mixture import GaussianMixture
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler
from threadpoolctl import threadpool_limits

from helpers import rfm
from helpers import schema as s
from helpers.checks import check_numbers, require_columns, warn_notes

__all__ = [
    "BEHAVIOUR_FEATURES",
    "DEMOGRAPHIC_FEATURES",
    "LOG_FEATURES",
    "NAME_FACTOR",
    "adjusted_rand",
    "choose_k",
    "cluster_profiles",
    "customer_features",
    "feature_pipeline",
    "fit_predict",
    "k_selection",
    "make_clusterer",
    "name_clusters",
    "seed_stability",
    "silhouette",
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

#: :func:`name_clusters` calls a cluster's value high when its centre is at least this many
#: times the overall median, and low when at most 1 / NAME_FACTOR of it.
NAME_FACTOR: float = 1.5

_RETURNED = "cancellation netted"


# --- 1. features ---------------------------------------------------------------------------------


def customer_features(
    transactions: pd.DataFrame,
    as_of: str | pd.Timestamp | None = None,
    *,
    raw: pd.DataFrame | None = None,
    reasons: pd.Series | None = None,
    products: pd.DataFrame | None = None,
    customers: pd.DataFrame | None = None,
    customer_id: str = s.CUSTOMER_ID,
    invoice_id: str = s.INVOICE_ID,
    invoice_date: str = s.INVOICE_DATE,
    amount: str = s.AMOUNT,
    product_id: str = s.PRODUCT_ID,
    quantity: str = s.QUANTITY,
    category: str = s.CATEGORY,
    country: str = s.COUNTRY,
    birth_date: str = s.BIRTH_DATE,
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
    customer_id, invoice_id, invoice_date, amount, product_id, quantity : str
        Column names of the order lines (and of the products and customers tables' keys).
    category, country, birth_date : str
        Column names of the products' category, the order lines' country (optional) and the
        customers' birth date.
    demographics : sequence of str
        Customers-table columns to copy, where present.

    Returns
    -------
    pandas.DataFrame
        Indexed by customer (sorted): the behaviour features, then ``age`` and the
        demographic columns, then ``country``; numeric features are float.
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
        [customer_id, invoice_id, invoice_date, amount, product_id, quantity],
        "transactions",
    )
    table = rfm.rfm_table(
        transactions,
        as_of,
        customer_col=customer_id,
        invoice_col=invoice_id,
        date_col=invoice_date,
        amount_col=amount,
    )
    as_of = table.attrs["as_of"]
    lines = transactions[transactions[invoice_date] < as_of]
    check_numbers(f"transactions column {quantity!r}", lines[quantity], "> 0", lambda q: q > 0)
    by_customer = lines.groupby(customer_id, sort=True)
    purchases = table[rfm.FREQUENCY].astype(float)
    out = table[[rfm.RECENCY, rfm.FREQUENCY, rfm.MONETARY, rfm.MONETARY_AVG]].astype(float)
    day = as_of.normalize()
    first = table[rfm.FIRST_PURCHASE].dt.normalize()
    last = table[rfm.LAST_PURCHASE].dt.normalize()
    out["tenure"] = (day - first).dt.days.astype(float)
    span = (last - first).dt.days.astype(float)
    out["interpurchase_days"] = (span / (purchases - 1)).where(purchases > 1, out["tenure"])
    out["lines_per_invoice"] = by_customer.size() / purchases
    units = by_customer[quantity].sum().astype(float)
    out["units_per_invoice"] = units / purchases
    if products is not None:
        require_columns(products, [product_id, category], "products")
        categories = lines[product_id].map(products.set_index(product_id)[category])
        unknown = categories.isna()
        if unknown.any():
            row = lines.loc[unknown].iloc[0]
            raise ValueError(
                f"products: no {category!r} for product {row[product_id]!r} "
                f"({int(unknown.sum())} line(s), e.g. row {row.name!r}); give every product "
                "sold a category"
            )
        out["distinct_categories"] = categories.groupby(lines[customer_id]).nunique()
    else:
        out["distinct_products"] = by_customer[product_id].nunique()
    if raw is not None:
        returned = _returned_units(raw, reasons, as_of, customer_id, invoice_date, quantity)
        returned = returned.reindex(out.index, fill_value=0.0)
        out["return_rate"] = returned / (returned + units)
    out = out.astype(float)
    if customers is not None:
        out = out.join(_demographics(customers, as_of, customer_id, birth_date, demographics))
    if country in lines.columns:
        counts = lines.groupby([customer_id, country]).size().rename("n").reset_index()
        counts = counts.sort_values([customer_id, "n", country], ascending=[True, False, True])
        out[country] = counts.drop_duplicates(customer_id).set_index(customer_id)[country]
    out.index.name = customer_id
    out.attrs["as_of"] = as_of
    return out


def _returned_units(
    raw: pd.DataFrame,
    reasons: pd.Series | None,
    as_of: pd.Timestamp,
    customer_id: str,
    invoice_date: str,
    quantity: str,
) -> pd.Series:
    """Units on the return lines that cleaning netted against a purchase, per customer."""
    require_columns(raw, [customer_id, invoice_date, quantity], "raw")
    if reasons is None:
        from helpers.cleaning import flag_transactions

        reasons = flag_transactions(
            raw, customer_id=customer_id, invoice_date=invoice_date, quantity=quantity
        )
    elif not reasons.index.equals(raw.index):
        raise ValueError(
            "reasons must be flag_transactions(raw): same index as raw "
            f"({len(reasons):,} vs {len(raw):,} rows)"
        )
    netted = raw[(reasons == _RETURNED).to_numpy() & (raw[invoice_date] < as_of).to_numpy()]
    who = netted[customer_id].astype("str").str.strip()
    return netted[quantity].abs().astype(float).groupby(who).sum()


def _demographics(
    customers: pd.DataFrame,
    as_of: pd.Timestamp,
    customer_id: str,
    birth_date: str,
    columns: Sequence[str],
) -> pd.DataFrame:
    """Age at ``as_of`` and the demographic columns present, indexed by customer."""
    require_columns(customers, [customer_id], "customers")
    if customers[customer_id].duplicated().any():
        from helpers.checks import unique_ids

        unique_ids(customers, customer_id, "customers")
    table = customers.set_index(customers[customer_id].astype("str"))
    out = pd.DataFrame(index=table.index)
    if birth_date in table.columns:
        born = pd.to_datetime(table[birth_date])
        out["age"] = ((as_of - born).dt.days / 365.25).astype(float)
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
    :func:`helpers.churn_models.make_models`, :func:`helpers.strategy.churn_risk` and
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
    is_number = {c: _is_numeric(features[c]) for c in features.columns}
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


def _is_numeric(values: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)


# --- 3. choosing k -------------------------------------------------------------------------------


def _matrix(X: pd.DataFrame | np.ndarray, n_clusters: int | Iterable[int]) -> np.ndarray:
    """Check ``X`` (finite numbers, enough rows for the largest k) and return it as floats."""
    arr = np.asarray(X, dtype=float)
    if arr.ndim != 2 or arr.shape[0] == 0:
        raise ValueError(f"X must be a 2-D table of customers x features; got shape {arr.shape}")
    if not np.isfinite(arr).all():
        row, col = np.argwhere(~np.isfinite(arr))[0]
        raise ValueError(
            f"X must be finite (impute and scale first, see feature_pipeline); "
            f"row {row}, column {col} is {arr[row, col]!r}"
        )
    ks = [n_clusters] if isinstance(n_clusters, int | np.integer) else list(n_clusters)
    if not ks:
        raise ValueError("the range of k is empty")
    for k in ks:
        if not isinstance(k, int | np.integer) or k < 2:
            raise ValueError(f"the number of clusters k must be an integer >= 2; got {k!r}")
    if max(ks) >= arr.shape[0]:
        raise ValueError(
            f"too few customers for k = {max(ks)}: {arr.shape[0]} customer(s); a clustering "
            "needs more customers than clusters"
        )
    if np.ptp(arr, axis=0).max() == 0:
        raise ValueError("X is constant: every customer has the same features")
    return arr


def k_selection(
    X: pd.DataFrame | np.ndarray,
    k_range: Iterable[int] = range(2, 9),
    *,
    seed: int = 0,
    n_init: int = 10,
    silhouette_sample: int | None = 3000,
    covariance_type: str = "diag",
    reg_covar: float = 0.05,
    gmm_n_init: int = 2,
) -> pd.DataFrame:
    """Fit k-means and a Gaussian mixture for each k and score them.

    Parameters
    ----------
    X : pandas.DataFrame or numpy.ndarray
        Preprocessed features (the output of :func:`feature_pipeline`).
    k_range : iterable of int, default range(2, 9)
        The numbers of clusters to try (each >= 2 and < the number of customers).
    seed : int, default 0
        Seed of every model and of the silhouette subsample.
    n_init : int, default 10
        k-means restarts per k (the best inertia is kept).
    silhouette_sample : int or None, default 3000
        Compute the silhouette on a random subsample of this many customers (seeded) when
        there are more; None: all customers (time and memory grow with the square).
    covariance_type, reg_covar, gmm_n_init
        Settings of the Gaussian mixtures (see :func:`make_clusterer`).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``k``: ``inertia`` (within-cluster sum of squares: look for the elbow),
        ``silhouette`` (-1 to 1, higher is better), ``calinski_harabasz`` (higher is better)
        of k-means; ``bic`` and ``aic`` of the Gaussian mixture (lower is better).
    """
    ks = sorted(set(int(k) for k in k_range))
    arr = _matrix(X, ks)
    rows = {}
    with threadpool_limits(1):
        for k in ks:
            kmeans = make_clusterer("kmeans", k, seed=seed, n_init=n_init).fit(arr)
            gmm = make_clusterer(
                "gmm",
                k,
                seed=seed,
                n_init=gmm_n_init,
                covariance_type=covariance_type,
                reg_covar=reg_covar,
            ).fit(arr)
            rows[k] = {
                "inertia": float(kmeans.inertia_),
                "silhouette": silhouette(arr, kmeans.labels_, sample=silhouette_sample, seed=seed),
                "calinski_harabasz": float(calinski_harabasz_score(arr, kmeans.labels_)),
                "bic": float(gmm.bic(arr)),
                "aic": float(gmm.aic(arr)),
            }
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "k"
    return out


def silhouette(
    X: pd.DataFrame | np.ndarray,
    labels: pd.Series | np.ndarray,
    *,
    sample: int | None = 3000,
    seed: int = 0,
) -> float:
    """Mean silhouette of a clustering, on a seeded subsample when there are many customers.

    Parameters
    ----------
    X : pandas.DataFrame or numpy.ndarray
        Preprocessed features.
    labels : pandas.Series or numpy.ndarray
        Cluster of each row of ``X`` (at least 2 clusters).
    sample : int or None, default 3000
        Use a random subsample of this many customers when there are more (the exact
        silhouette needs every pairwise distance); None: all customers.
    seed : int, default 0
        Seed of the subsample.

    Returns
    -------
    float
        From -1 to 1: near 1, every customer is much closer to its own cluster than to the
        next; near 0, clusters overlap.
    """
    arr = np.asarray(X, dtype=float)
    labels = np.asarray(labels)
    if len(labels) != len(arr):
        raise ValueError(f"labels must have one entry per row: {len(labels)} vs {len(arr)}")
    n_labels = len(np.unique(labels))
    if not 2 <= n_labels < len(arr):
        raise ValueError(f"the silhouette needs 2 to n - 1 clusters; got {n_labels}")
    size = sample if sample and sample < len(arr) else None
    with threadpool_limits(1):
        return float(silhouette_score(arr, labels, sample_size=size, random_state=seed))


def choose_k(scores: pd.DataFrame, *, tolerance: float = 0.01) -> int:
    """Pick k by silhouette: the smallest k whose silhouette is within ``tolerance`` of the best.

    The silhouette compares each customer's distance to their own cluster with the distance
    to the nearest other one, so unlike inertia it does not improve just because k grows.
    Differences of less than ``tolerance`` count as ties (they are within the noise of a
    subsample and of the seed), and ties go to the smaller k: fewer segments are easier to
    act on.

    Parameters
    ----------
    scores : pandas.DataFrame
        :func:`k_selection`'s table (indexed by k, with a ``silhouette`` column).
    tolerance : float, default 0.01
        Silhouette differences treated as ties (>= 0).

    Returns
    -------
    int
    """
    require_columns(scores, ["silhouette"], "scores")
    check_numbers("tolerance", tolerance, ">= 0", lambda v: v >= 0)
    silhouette = scores["silhouette"]
    check_numbers(
        "scores column 'silhouette'", silhouette, "between -1 and 1", lambda v: abs(v) <= 1
    )
    best = silhouette.max()
    return int(min(k for k, value in silhouette.items() if value >= best - tolerance))


# --- 4. models, stability and agreement ----------------------------------------------------------


def make_clusterer(
    method: str,
    n_clusters: int,
    *,
    seed: int = 0,
    n_init: int | None = None,
    covariance_type: str = "diag",
    reg_covar: float = 0.05,
) -> KMeans | GaussianMixture:
    """Make a k-means or Gaussian mixture model with the course's settings (not yet fitted).

    Parameters
    ----------
    method : {"kmeans", "gmm"}
        k-means (hard clusters of similar size in every direction) or a Gaussian mixture
        (soft clusters, each with its own spread per feature).
    n_clusters : int
        k, >= 2.
    seed : int, default 0
        ``random_state``: the same seed gives the same clusters.
    n_init : int, optional
        Restarts, the best kept; default 10 for k-means, 2 for mixtures.
    covariance_type : str, default "diag"
        Mixtures: one variance per feature and component. "full" covariances need many
        more parameters and break down on one-hot columns.
    reg_covar : float, default 0.05
        Mixtures: added to every variance. On standardised features (variance 1) this floor
        keeps a component from collapsing onto a column that is constant inside it (a
        one-hot column, a return rate of 0), where the likelihood, and so BIC and AIC, would
        grow without bound.

    Returns
    -------
    sklearn.cluster.KMeans or sklearn.mixture.GaussianMixture
    """
    if not isinstance(n_clusters, int | np.integer) or n_clusters < 2:
        raise ValueError(f"the number of clusters k must be an integer >= 2; got {n_clusters!r}")
    if method == "kmeans":
        return KMeans(int(n_clusters), n_init=n_init or 10, random_state=seed)
    if method == "gmm":
        return GaussianMixture(
            int(n_clusters),
            covariance_type=covariance_type,
            reg_covar=reg_covar,
            n_init=n_init or 2,
            random_state=seed,
        )
    raise ValueError(f"method must be 'kmeans' or 'gmm'; got {method!r}")


def fit_predict(model: KMeans | GaussianMixture, X: pd.DataFrame | np.ndarray) -> pd.Series:
    """Fit ``model`` on ``X`` and return each customer's cluster.

    The fit runs on one thread: on the few thousand customers of a course dataset that is
    faster than the default thread pool (whose threads wait on each other) and gives the same
    result on every machine.

    Parameters
    ----------
    model : sklearn.cluster.KMeans or sklearn.mixture.GaussianMixture
        An unfitted model (:func:`make_clusterer`); it is fitted in place.
    X : pandas.DataFrame or numpy.ndarray
        Preprocessed features.

    Returns
    -------
    pandas.Series
        int64 cluster labels, indexed like ``X`` (0..n-1 for an array), named "cluster".
    """
    arr = _matrix(X, int(getattr(model, "n_clusters", getattr(model, "n_components", 2))))
    with threadpool_limits(1):
        labels = model.fit(arr).predict(arr)
    index = X.index if isinstance(X, pd.DataFrame) else pd.RangeIndex(len(arr))
    return pd.Series(labels.astype(np.int64), index=index, name="cluster")


def seed_stability(
    X: pd.DataFrame | np.ndarray,
    n_clusters: int,
    seeds: Iterable[int] = range(10),
    *,
    method: str = "kmeans",
    n_init: int | None = None,
    **settings,
) -> pd.DataFrame:
    """Compare the clusterings of the same data with different seeds (adjusted Rand index).

    Parameters
    ----------
    X : pandas.DataFrame or numpy.ndarray
        Preprocessed features.
    n_clusters : int
        k.
    seeds : iterable of int, default range(10)
        At least two seeds.
    method, n_init, **settings
        Passed to :func:`make_clusterer`.

    Returns
    -------
    pandas.DataFrame
        Square, seeds x seeds, ARI of every pair (1 on the diagonal). 1 everywhere: every
        seed finds the same clusters; the mean off the diagonal summarises stability.
    """
    seeds = [int(seed) for seed in seeds]
    if len(seeds) < 2 or len(set(seeds)) != len(seeds):
        raise ValueError(f"seeds must hold at least two different seeds; got {seeds}")
    arr = _matrix(X, n_clusters)
    labels = [
        fit_predict(make_clusterer(method, n_clusters, seed=seed, n_init=n_init, **settings), arr)
        for seed in seeds
    ]
    n = len(seeds)
    out = np.ones((n, n))
    for i in range(n):
        for j in range(i + 1, n):
            out[i, j] = out[j, i] = adjusted_rand_score(labels[i], labels[j])
    index = pd.Index(seeds, name="seed")
    return pd.DataFrame(out, index=index, columns=index.rename("other seed"))


def adjusted_rand(a: pd.Series, b: pd.Series) -> float:
    """Compute the adjusted Rand index of two labellings of the same customers (by index).

    1 means the same partition (whatever the labels are called), about 0 what two random
    labellings would share, and negative less than that.

    Parameters
    ----------
    a, b : pandas.Series
        Labels indexed by customer; both must hold the same customers, without missing labels.

    Returns
    -------
    float
    """
    for name, labels in (("a", a), ("b", b)):
        if not isinstance(labels, pd.Series):
            raise ValueError(f"{name} must be a pandas Series indexed by customer")
        if labels.index.has_duplicates:
            dup = labels.index[labels.index.duplicated()][0]
            raise ValueError(f"{name}: customer {dup!r} appears more than once")
        if labels.isna().any():
            raise ValueError(
                f"{name}: {int(labels.isna().sum())} missing label(s), "
                f"e.g. customer {labels.index[labels.isna()][0]!r}"
            )
    for name, here, there in (("a", a, b), ("b", b, a)):
        only = here.index.difference(there.index)
        if len(only):
            raise ValueError(
                f"a and b must label the same customers; {len(only)} are only in {name}, "
                f"e.g. {only[0]!r}"
            )
    return float(adjusted_rand_score(a.astype("str"), b.reindex(a.index).astype("str")))


# --- 5. profiles and names -----------------------------------------------------------------------


def cluster_profiles(
    features: pd.DataFrame,
    labels: pd.Series | np.ndarray,
    columns: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Size and centre of each cluster, in the features' original units.

    The centre is the cluster's **median** of each feature (robust to the long tails of spend
    and frequency, and readable: "the typical customer of the cluster").

    Parameters
    ----------
    features : pandas.DataFrame
        One row per customer, original units (:func:`customer_features`).
    labels : pandas.Series or numpy.ndarray
        Cluster of each customer (a Series is aligned on the index; an array on row order).
    columns : sequence of str, optional
        Numeric columns to profile; default every numeric column.

    Returns
    -------
    pandas.DataFrame
        One row per cluster, largest median ``monetary`` first when that column is profiled
        (else by cluster label): ``customers``, ``share``, then the medians. ``attrs``
        ``"overall"`` holds the overall medians (a Series) the names are read against.
    """
    if columns is None:
        columns = [c for c in features.columns if _is_numeric(features[c])]
    require_columns(features, list(columns), "features")
    if isinstance(labels, pd.Series):
        if not labels.index.equals(features.index):
            labels = labels.reindex(features.index)
        labels = labels.to_numpy()
    labels = np.asarray(labels)
    if len(labels) != len(features):
        raise ValueError(
            f"labels must have one entry per customer: {len(labels)} labels, "
            f"{len(features)} customers"
        )
    if pd.isna(labels).any():
        raise ValueError(f"labels: {int(pd.isna(labels).sum())} customer(s) have no cluster")
    groups = features[list(columns)].groupby(labels)
    out = groups.median()
    out.insert(0, "customers", groups.size())
    out.insert(1, "share", out["customers"] / len(features))
    if "monetary" in out.columns:
        out = out.sort_values("monetary", ascending=False, kind="stable")
    out.index.name = "cluster"
    out.attrs["overall"] = features[list(columns)].median()
    return out


#: How :func:`name_clusters` describes a feature that is high / low against the overall median.
_QUALIFIERS: dict[str, tuple[str, str]] = {
    "recency": ("lapsed", "recent"),
    "units_per_invoice": ("big baskets", "small baskets"),
    "distinct_categories": ("broad range", "narrow range"),
    "distinct_products": ("broad range", "narrow range"),
    "return_rate": ("many returns", "few returns"),
    "tenure": ("long-standing", "new"),
    s.ANNUAL_INCOME: ("high income", "low income"),
    "age": ("older", "younger"),
}


def name_clusters(
    profiles: pd.DataFrame,
    overall: pd.Series | None = None,
    *,
    factor: float = NAME_FACTOR,
    qualifiers: Mapping[str, tuple[str, str]] | None = None,
) -> pd.Series:
    """Name each cluster from its centre, by rules relative to the overall medians.

    With ``r`` = cluster median / overall median of a feature, a value is *high* when
    ``r >= factor`` and *low* when ``r <= 1 / factor`` (default factor 1.5):

    1. purchases (``frequency``): "one-time" if the cluster's median is 1 purchase, else
       "frequent" (high), "infrequent" (low) or "regular";
    2. spend (``monetary``): "high spenders", "low spenders" or "mid spenders";
    3. the most distinctive other feature (largest ``|log r|`` among those high or low, see
       ``qualifiers``; features whose overall median is 0 are skipped, a ratio to 0 means
       nothing) is added after a comma: "frequent high spenders, recent".
    4. If two clusters still share a name, the next most distinctive feature is added to
       each; clusters left identical get " (2)", " (3)".

    Parameters
    ----------
    profiles : pandas.DataFrame
        :func:`cluster_profiles` (medians per cluster; ``frequency`` and ``monetary``).
    overall : pandas.Series, optional
        Overall medians; default ``profiles.attrs["overall"]``.
    factor : float, default :data:`NAME_FACTOR`
        How far from the median (as a ratio) counts as high or low; > 1.
    qualifiers : mapping, optional
        ``{feature: (word if high, word if low)}``; default recency ("lapsed"/"recent"),
        basket units, breadth, return rate, tenure, income and age.

    Returns
    -------
    pandas.Series
        The name of each cluster, indexed like ``profiles``.
    """
    require_columns(profiles, ["frequency", "monetary"], "profiles")
    check_numbers("factor", factor, "> 1", lambda v: v > 1)
    if overall is None:
        overall = profiles.attrs.get("overall")
        if overall is None:
            raise ValueError("overall medians missing: pass overall= or use cluster_profiles")
    require_columns(overall.to_frame().T, ["frequency", "monetary"], "overall medians")
    qualifiers = _QUALIFIERS if qualifiers is None else dict(qualifiers)

    def level(column: str) -> pd.Series:
        ratio = profiles[column] / overall[column]
        return pd.Series(
            np.select([ratio >= factor, ratio <= 1 / factor], ["high", "low"], "mid"),
            index=profiles.index,
        )

    frequency = level("frequency").map({"high": "frequent", "low": "infrequent", "mid": "regular"})
    frequency = frequency.where(profiles["frequency"] > 1, "one-time")
    spend = level("monetary") + " spenders"
    names = frequency + " " + spend
    # candidate qualifiers per cluster, most distinctive first
    usable = [c for c in qualifiers if c in profiles.columns and overall.get(c, 0) > 0]
    ratios = profiles[usable].div(overall[usable]).astype(float)
    strength = np.abs(np.log(ratios.clip(lower=1e-12)))
    extra: dict[object, list[str]] = {}
    for cluster in profiles.index:
        order = strength.loc[cluster].sort_values(ascending=False, kind="stable")
        words = []
        for column in order.index:
            r = ratios.loc[cluster, column]
            if r >= factor:
                words.append(qualifiers[column][0])
            elif r <= 1 / factor:
                words.append(qualifiers[column][1])
        extra[cluster] = words
    used = {cluster: 0 for cluster in profiles.index}
    for cluster in profiles.index:
        if extra[cluster]:
            names[cluster] += ", " + extra[cluster][0]
            used[cluster] = 1
    for _ in range(len(_QUALIFIERS)):
        clash = names[names.duplicated(keep=False)]
        grew = False
        for cluster in clash.index:
            if used[cluster] < len(extra[cluster]):
                names[cluster] += ", " + extra[cluster][used[cluster]]
                used[cluster] += 1
                grew = True
        if not grew:
            break
    count = names.groupby(names).cumcount() + 1
    return names.where(count == 1, names + " (" + count.astype(str) + ")").rename("name")

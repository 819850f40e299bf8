"""Exercises of chapter 05 (clustering): 05.1, 05.2 and the judgement exercise 05.3.

Each function is the reference computation of one exercise on the default data. The chapter's
feature matrix X is rebuilt here in plain pandas and numpy (:func:`cluster_matrix`: the
features' definitions, ``log1p`` of the skewed ones, median imputation, standardisation and
one-hot encoding), not with :mod:`helpers.features` or :mod:`helpers.clustering`,
which the chapter teaches; the models come from scikit-learn, as in the chapter.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd

from helpers.exercises.core import default_clean, default_raw, default_shop, exercise
from helpers.exercises.reference import analysis_date

#: Smallest share of customers a cluster must hold to be worth a campaign (exercise 05.3).
MIN_CLUSTER_SHARE = 0.08

#: Chapter 05's numeric features, in the order of its matrix: first the skewed counts and
#: amounts that are put on a log scale (log1p), then those only standardised. The lists restate
#: the chapter's definitions (helpers.features.LOG_FEATURES) on purpose: the reference
#: does not read them from the helper it checks.
LOGGED = (
    "frequency",
    "monetary",
    "monetary_avg",
    "interpurchase_days",
    "lines_per_invoice",
    "units_per_invoice",
    "distinct_categories",
    "annual_income",
)
SCALED = ("recency", "return_rate", "age")
#: The customers table's attributes, one-hot encoded (a missing value is a category).
CATEGORICAL = ("gender", "region", "acquisition_channel")


def _returned_units(as_of: pd.Timestamp) -> pd.Series:
    """Units on the raw return lines before ``as_of`` that cleaning netted against a purchase.

    Which return line was netted is the cleaning's decision (chapter 01), not what chapter 05
    practises, so the reasons come from :func:`helpers.cleaning.flag_transactions`.
    """
    from helpers.cleaning import flag_transactions

    raw = default_raw()
    netted = raw[(flag_transactions(raw) == "cancellation netted") & (raw["invoice_date"] < as_of)]
    return netted["quantity"].abs().astype(float).groupby(netted["customer_id"].str.strip()).sum()


def customer_table() -> pd.DataFrame:
    """Chapter 05's features per customer at the default ``as_of``, before preprocessing.

    Recency (days), frequency (invoices), monetary (spend) and spend per invoice; the mean
    gap between purchases (span / (frequency - 1), the tenure for one-time buyers); lines and
    units per invoice; distinct categories; the share of units returned; age at ``as_of``,
    income, gender, region and acquisition channel from the customers table.
    """
    clean, shop, as_of = default_clean(), default_shop(), analysis_date()
    lines = clean[clean["invoice_date"] < as_of]
    by = lines.groupby("customer_id")
    first, last = by["invoice_date"].min().dt.normalize(), by["invoice_date"].max().dt.normalize()
    out = pd.DataFrame({"frequency": by["invoice_id"].nunique().astype(float)})
    out["monetary"] = by["amount"].sum()
    out["monetary_avg"] = out["monetary"] / out["frequency"]
    tenure = (as_of.normalize() - first).dt.days.astype(float)
    span = (last - first).dt.days.astype(float)
    out["interpurchase_days"] = np.where(
        out["frequency"] > 1, span / (out["frequency"] - 1), tenure
    )
    out["lines_per_invoice"] = by.size() / out["frequency"]
    units = by["quantity"].sum().astype(float)
    out["units_per_invoice"] = units / out["frequency"]
    category = lines["product_id"].map(shop.products.set_index("product_id")["category"])
    out["distinct_categories"] = category.groupby(lines["customer_id"]).nunique()
    people = shop.customers.set_index("customer_id").reindex(out.index)
    out["annual_income"] = people["annual_income"].astype(float)
    out["recency"] = (as_of.normalize() - last).dt.days.astype(float)
    returned = _returned_units(as_of).reindex(out.index, fill_value=0.0)
    out["return_rate"] = returned / (returned + units)
    out["age"] = (as_of - pd.to_datetime(people["birth_date"])).dt.days / 365.25
    for column in CATEGORICAL:
        out[column] = people[column]
    return out


@cache
def cluster_matrix() -> pd.DataFrame:
    """Chapter 05's preprocessed feature matrix X: log1p, median imputation, z-scores, one-hot.

    Numeric columns: missing values take the column's median, the :data:`LOGGED` ones go
    through ``log1p``, then every one is standardised (population standard deviation, as
    scikit-learn's ``StandardScaler``). Categorical columns become one 0/1 column per value,
    values sorted, a missing value counting as the value ``"missing"``.
    """
    table = customer_table()
    parts = []
    for column in (*LOGGED, *SCALED):
        values = table[column].astype(float)
        values = values.fillna(values.median())
        values = np.log1p(values) if column in LOGGED else values
        if values.std(ddof=0) == 0:
            raise ValueError(f"feature {column} has one value for every customer")
        parts.append(((values - values.mean()) / values.std(ddof=0)).rename(column))
    for column in CATEGORICAL:
        values = table[column].astype(object).where(table[column].notna(), "missing")
        parts.append(pd.get_dummies(values, prefix=column, dtype=float))
    return pd.concat(parts, axis=1)


@exercise(
    "05.1",
    "Fit k-means with k = 5 (the number of personas): what is its adjusted Rand index with "
    "the true personas?",
    "cluster the preprocessed matrix X (not the raw features) with the chapter's seed, and "
    "compare with the personas of the same customers, in the same order.",
    abs=0.01,
)
def kmeans_five_ari() -> float:
    """ARI of scikit-learn's k-means (k=5, 10 starts, seed 0) with the personas."""
    from sklearn.cluster import KMeans
    from sklearn.metrics import adjusted_rand_score

    X = cluster_matrix()
    labels = KMeans(5, n_init=10, random_state=0).fit_predict(X)
    personas = default_shop().truth.set_index("customer_id")["persona"].reindex(X.index)
    return float(adjusted_rand_score(personas, labels))


@exercise(
    "05.2",
    "Which k from 3 to 8 maximises the silhouette of the Gaussian mixture?",
    "fit the mixture (the chapter's settings and seed) for every k and score each labelling "
    "with the silhouette; the `scores` table of section 3 holds k-means silhouettes only.",
)
def gmm_best_k() -> int:
    """Find the k of the diagonal Gaussian mixture (course settings) with the best silhouette."""
    from sklearn.metrics import silhouette_score
    from sklearn.mixture import GaussianMixture

    X = cluster_matrix()
    silhouettes = {}
    for k in range(3, 9):
        mixture = GaussianMixture(
            k, covariance_type="diag", reg_covar=0.05, n_init=2, random_state=0
        )
        silhouettes[k] = silhouette_score(X, mixture.fit_predict(X))
    return int(max(silhouettes, key=silhouettes.get))


@exercise(
    "05.3",
    "Which is the largest k from 3 to 8 whose k-means clusters each hold at least 8% of "
    "the customers?",
    "fit k-means for every k (the chapter's settings and seed) and look at the smallest "
    "cluster's share of the customers, not at the silhouette.",
)
def largest_usable_k() -> int:
    """Find the largest k (3-8) whose smallest k-means cluster (10 starts, seed 0) holds >= 8%."""
    from sklearn.cluster import KMeans

    X = cluster_matrix()
    usable = [
        k
        for k in range(3, 9)
        if np.bincount(KMeans(k, n_init=10, random_state=0).fit_predict(X)).min() / len(X)
        >= MIN_CLUSTER_SHARE
    ]
    return max(usable)

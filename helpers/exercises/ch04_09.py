"""Exercises of chapters 04-06, 08 and 09: RFM, clustering, churn, probabilistic CLV and profiling.

Each function is the reference computation of one exercise on the default data, written with
pandas, numpy, scipy and scikit-learn rather than the ``helpers`` function the chapter
teaches. Where an exercise starts from a chapter's earlier result that is not what it
practises (the RFM segments, the clustering feature matrix), that input comes from
``helpers``, and the computation the exercise asks for is done here independently.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.optimize import minimize
from scipy.special import gammaln

from helpers.exercises.core import (
    default_clean,
    default_raw,
    default_shop,
    default_totals,
    exercise,
)


def _last_purchase_days(before: pd.Timestamp) -> pd.Series:
    """Days from each customer's last purchase day to the day of ``before`` (exclusive)."""
    clean = default_clean()
    last = clean.loc[clean["invoice_date"] < before].groupby("customer_id")["invoice_date"].max()
    return (before.normalize() - last.dt.normalize()).dt.days


def _as_of() -> pd.Timestamp:
    return default_clean()["invoice_date"].max().normalize() + pd.Timedelta(days=1)


@exercise(
    "04.1",
    "What is the median recency (days) of the customers who ordered only once?",
    "one row per customer (the RFM table), not one per order line; frequency counts "
    "invoices, and recency is in whole days.",
    abs=0.5,
)
def median_recency_one_order() -> float:
    """Median days since the last purchase among one-invoice customers."""
    recency = _last_purchase_days(_as_of())
    invoices = default_totals()["invoices"]
    return float(recency[invoices.reindex(recency.index) == 1].median())


@exercise(
    "04.2",
    "What share of the Champions had in fact dropped out by the end (alive_at_end False)?",
    "join the segments to the truth table on the customer id and keep the Champions; the "
    "share that dropped out is one minus the share alive.",
    abs=0.002,
)
def champions_gone() -> float:
    """Share of the RFM Champions (from helpers.rfm) whose truth says not alive at the end."""
    from helpers.rfm import rfm_analysis

    segments = rfm_analysis(default_clean())["segment"].astype(str)
    alive = default_shop().truth.set_index("customer_id")["alive_at_end"].astype(bool)
    champions = segments.index[segments == "Champions"]
    return float(1 - alive.reindex(champions).mean())


@exercise(
    "04.3",
    "What is the Spearman rank correlation between frequency and monetary value?",
    "a rank correlation over customers (one row each), not order lines; Series.corr takes a "
    "method.",
    abs=0.001,
)
def frequency_monetary_spearman() -> float:
    """Rank correlation of distinct invoices and total spend per customer."""
    totals = default_totals()
    return float(totals["invoices"].rank().corr(totals["spend"].rank()))


@cache
def _cluster_matrix() -> pd.DataFrame:
    """Chapter 05's preprocessed feature matrix X (from helpers: the exercise's input)."""
    from helpers.cleaning import flag_transactions
    from helpers.customer_features import customer_features, feature_pipeline

    shop, raw = default_shop(), default_raw()
    features = customer_features(
        default_clean(),
        raw=raw,
        reasons=flag_transactions(raw),
        products=shop.products,
        customers=shop.customers,
    )
    used = features.drop(columns=["tenure", "country"], errors="ignore")
    numeric = [c for c in used.columns if pd.api.types.is_numeric_dtype(used[c])]
    categorical = [c for c in used.columns if c not in numeric]
    return feature_pipeline(used, numeric, categorical).fit_transform(used)


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

    X = _cluster_matrix()
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

    X = _cluster_matrix()
    silhouettes = {}
    for k in range(3, 9):
        mixture = GaussianMixture(
            k, covariance_type="diag", reg_covar=0.05, n_init=2, random_state=0
        )
        silhouettes[k] = silhouette_score(X, mixture.fit_predict(X))
    return int(max(silhouettes, key=silhouettes.get))


def _test_snapshot(horizon_days: int) -> tuple[pd.Series, pd.Series]:
    """Recency (days) at the test cutoff of chapter 06 and the churn label for a horizon."""
    raw = default_raw()
    data_end = raw["invoice_date"].max().normalize() + pd.Timedelta(days=1)
    cutoff = data_end - pd.Timedelta(days=90)  # the chapter's test cutoff (90-day horizon)
    recency = _last_purchase_days(cutoff)
    clean = default_clean()
    window = clean["invoice_date"].between(
        cutoff, cutoff + pd.Timedelta(days=horizon_days), inclusive="left"
    )
    churned = ~recency.index.isin(clean.loc[window, "customer_id"])
    return recency, pd.Series(churned, index=recency.index)


@exercise(
    "06.1",
    "At the test cutoff, what share of the customers churn with a 60-day horizon?",
    "label the customers who bought before test_cutoff: churned when they have no purchase "
    "in the 60 days from test_cutoff on (helpers.churn labels them).",
    abs=0.002,
)
def churn_rate_sixty_days() -> float:
    """Share of customers active before the test cutoff with no purchase in 60 days."""
    return float(_test_snapshot(60)[1].mean())


@exercise(
    "06.2",
    "What ROC-AUC does recency alone reach on the test snapshot (90-day horizon)?",
    "the test snapshot's features hold recency already; a higher score must mean more "
    "likely to churn, so use recency as it is, not reversed.",
    abs=0.003,
)
def recency_auc() -> float:
    """ROC-AUC of days since the last purchase as a churn score at the test cutoff."""
    from sklearn.metrics import roc_auc_score

    recency, churned = _test_snapshot(90)
    return float(roc_auc_score(churned, recency))


def _bgnbd_negll(log_params: np.ndarray, x: np.ndarray, tx: np.ndarray, t: np.ndarray) -> float:
    """Negative BG/NBD log-likelihood (Fader, Hardie & Lee 2005, eq. 3)."""
    r, alpha, a, b = np.exp(log_params)
    common = (
        gammaln(r + x)
        - gammaln(r)
        + r * np.log(alpha)
        + gammaln(a + b)
        + gammaln(b + x)
        - gammaln(b)
        - gammaln(a + b + x)
    )
    alive = -(r + x) * np.log(alpha + t)
    dropped = np.where(
        x > 0,
        np.log(a) - np.log(np.maximum(b + x - 1, 1e-12)) - (r + x) * np.log(alpha + tx),
        -np.inf,
    )
    return -float((common + np.logaddexp(alive, dropped)).sum())


@exercise(
    "08.1",
    "With the BG/NBD fitted in weeks, what is P(alive) of a customer with 4 repeat purchases, "
    "the last at week 10, observed for 40 weeks?",
    "the model takes frequency (repeat purchases), recency (time of the last purchase since "
    "the first) and T (time observed), all in weeks.",
    abs=0.01,
)
def p_alive_quiet_customer() -> float:
    """Fit BG/NBD by maximum likelihood on the calibration summary, then eq. (7) of the paper."""
    clean = default_clean()
    end = default_shop().observation_end
    days = clean.loc[clean["invoice_date"] < end + pd.Timedelta(days=1), ["customer_id"]]
    days["day"] = clean["invoice_date"].dt.normalize()
    span = days.drop_duplicates().groupby("customer_id")["day"].agg(["min", "max", "size"])
    x = (span["size"] - 1).to_numpy(float)
    tx = ((span["max"] - span["min"]).dt.days / 7).to_numpy()
    t = ((end - span["min"]).dt.days / 7).to_numpy()
    fit = minimize(
        _bgnbd_negll,
        np.zeros(4),
        args=(x, tx, t),
        method="Nelder-Mead",
        options={"maxiter": 4000, "xatol": 1e-6, "fatol": 1e-6},
    )
    r, alpha, a, b = np.exp(fit.x)
    n, t_x, big_t = 4, 10.0, 40.0
    odds = a / (b + n - 1) * ((alpha + big_t) / (alpha + t_x)) ** (r + n)
    return float(1 / (1 + odds))


@exercise(
    "08.2",
    "What share of the calibration customers made no repeat purchase (frequency 0)?",
    "frequency in the CLV summary counts repeat purchase days (distinct days minus one), "
    "not invoices; give a share, not a count.",
    abs=0.001,
)
def share_without_repeat() -> float:
    """Compute the share of customers with a single distinct purchase day."""
    clean = default_clean()
    days = clean["invoice_date"].dt.normalize().groupby(clean["customer_id"]).nunique()
    return float((days == 1).mean())


@cache
def _baskets() -> tuple[sparse.csr_array, pd.Index]:
    """Invoice x product 0/1 matrix of the clean lines (sparse), and the product ids."""
    clean = default_clean()
    rows, _ = pd.factorize(clean["invoice_id"])
    columns, products = pd.factorize(clean["product_id"])
    ones = np.ones(len(clean), dtype=np.int64)
    matrix = sparse.csr_array((ones, (rows, columns)))
    matrix.data[:] = 1  # a product on several lines of an invoice counts once
    return matrix, pd.Index(products)


@exercise(
    "09.1",
    "What is the lift of the pair of the two products that are in the most baskets?",
    "supports are shares of baskets (invoices), not counts of lines; lift compares the "
    "share with both products to what independence would give.",
    rel=0.001,
)
def lift_of_top_two() -> float:
    """Lift of the two most frequent products, from basket shares."""
    basket, _ = _baskets()
    n = basket.shape[0]
    counts = np.asarray(basket.sum(axis=0)).ravel()
    a, b = np.argsort(-counts, kind="stable")[:2]
    both = basket[:, [a]].multiply(basket[:, [b]]).sum()
    return float(both * n / (counts[a] * counts[b]))


@exercise(
    "09.2",
    "Among product pairs in at least 1% of baskets, which pair has the highest lift? Answer "
    "the two product ids.",
    "keep pairs (one product on each side) with support of at least 1% and no confidence "
    "filter; lift is symmetric, so A -> B and B -> A are the same pair.",
    normalise=lambda pair: frozenset(pair),
)
def highest_lift_pair() -> frozenset[str]:
    """Co-occurrence counts B'B of the basket matrix; lift of every pair with support >= 1%."""
    basket, products = _baskets()
    n = basket.shape[0]
    together = (basket.T @ basket).toarray() / n
    support = np.diag(together).copy()
    np.fill_diagonal(together, 0.0)
    lift = np.where(together >= 0.01, together / np.outer(support, support), -np.inf)
    a, b = np.unravel_index(np.argmax(lift), lift.shape)
    return frozenset({str(products[a]), str(products[b])})

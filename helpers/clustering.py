"""Clustering segmentation: choosing k, k-means and Gaussian mixtures, stability, names.

RFM (chapter 04) sorts customers into segments by fixed rules. Clustering lets the data draw
the segments instead: describe each customer by a handful of numbers, put them on one scale,
and group customers who are close. The first two steps live in :mod:`helpers.features`
(chapters 05, 06 and 11 use them: the churn models and the campaigns too); this module holds
the others:

1. :func:`helpers.features.customer_features`: one row per customer at an analysis date
   ``as_of`` (exclusive): RFM, tenure, mean inter-purchase time, basket size, range bought,
   return rate and demographics;
2. :func:`helpers.features.feature_pipeline`: imputes, takes ``log1p`` of the skewed counts
   and amounts, standardises every number and one-hot encodes the categorical attributes, so
   that the distances below compare like with like;
   :func:`helpers.features.usable_features` leaves out the features every customer shares;
3. :func:`k_selection` and :func:`choose_k`: inertia (elbow), silhouette and
   Calinski-Harabasz for k-means, BIC and AIC for Gaussian mixtures, over a range of k, and a
   documented rule for k;
4. :func:`make_clusterer`: k-means and Gaussian mixtures with the course's fixed settings;
   :func:`seed_stability` and :func:`adjusted_rand` measure how stable and how close to other
   labels (RFM segments, the synthetic data's true personas) a clustering is;
5. :func:`cluster_profiles` and :func:`name_clusters`: cluster centres in original units and
   names read off them by rules ("frequent high spenders, recent").
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score, calinski_harabasz_score, silhouette_score
from sklearn.mixture import GaussianMixture
from threadpoolctl import threadpool_limits

from helpers import features as _features
from helpers import schema as s
from helpers.checks import check_numbers, require_columns
from helpers.deprecation import REMOVED_IN

__all__ = [
    "NAME_FACTOR",
    "adjusted_rand",
    "choose_k",
    "cluster_profiles",
    "fit_predict",
    "k_selection",
    "make_clusterer",
    "name_clusters",
    "seed_stability",
    "silhouette",
]

#: :func:`name_clusters` calls a cluster's value high when its centre is at least this many
#: times the overall median, and low when at most 1 / NAME_FACTOR of it.
NAME_FACTOR: float = 1.5


# --- 3. choosing k -------------------------------------------------------------------------------


def _matrix(X: pd.DataFrame | np.ndarray, n_clusters: int | Iterable[int]) -> np.ndarray:
    """Check ``X`` (finite numbers, enough rows for the largest k) and return it as floats."""
    arr = np.asarray(X, dtype=float)
    if arr.ndim != 2 or arr.shape[0] == 0:
        raise ValueError(f"X must be a 2-D table of customers x features; got shape {arr.shape}")
    if not np.isfinite(arr).all():
        row, col = np.argwhere(~np.isfinite(arr))[0]
        raise ValueError(
            f"X must be finite (impute and scale first, see helpers.features.feature_pipeline); "
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
        Preprocessed features (the output of :func:`helpers.features.feature_pipeline`).
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
        One row per customer, original units (:func:`helpers.features.customer_features`).
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
        columns = [c for c in features.columns if _features.is_numeric(features[c])]
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


def __getattr__(name: str) -> object:
    """Return a feature name this module re-exported before release 0.2, with a FutureWarning."""
    if name in _features.__all__:
        warnings.warn(
            f"helpers.clustering.{name} is helpers.features.{name}: import it from there; "
            f"the re-export will be removed in release {REMOVED_IN}",
            FutureWarning,
            stacklevel=2,
        )
        return getattr(_features, name)
    raise AttributeError(f"module 'helpers.clustering' has no attribute {name!r}")

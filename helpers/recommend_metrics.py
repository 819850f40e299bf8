"""Beyond accuracy, with intervals: diversity, novelty, popularity bias, serendipity, bootstrap.

:mod:`helpers.recommend_eval` says how often a list holds what the customer bought next
(precision, recall, MAP, NDCG at ``k``, hit rate) and how much of the catalogue is
recommended at all (coverage). Two lists as accurate as each other can still differ in what
they show: the same bestsellers to everyone, or products the customer would not have found.
For each customer's top ``k`` (the long frame customer, ``rank``, product, ``score`` of
:meth:`helpers.recommend.Recommender.recommend`) and the training matrix ``X`` (``N``
customers x ``m`` products; ``n_j`` customers bought product ``j``, ``p_j = n_j / N``):

- **intra-list diversity** (Smyth & McClave 2001 [1]_; Ziegler et al. 2005 [2]_): the mean over the
  list's pairs of products of the dissimilarity ``1 - cos(v_i, v_j)``, from product vectors
  ``v`` (default: the products' customer columns of ``X``, i.e. co-purchase cosine, as item
  CF uses; or any item-feature matrix). A product with an all-zero vector has cosine 0 with
  every product (dissimilarity 1). Defined for lists of at least two products;
- **novelty** (Zhou et al. 2010 [3]_): the mean self-information ``-log2(p_j)`` of the list's
  products: a product bought by every training customer is worth 0 bits, one bought by one
  customer ``log2(N)`` bits. A product **nobody bought** (a catalogue product, recommended by
  content) would be worth infinitely many bits: it counts as if one customer had bought it
  (``p_j = max(n_j, 1) / N``), as novel as the rarest product bought, never more;
- **popularity bias** (Abdollahpouri, Burke & Mobasher 2019 [4]_): ``popularity_share``, the share
  of the list among the **head**, the top 10% (``head_share``) of the matrix's products by
  ``n_j`` (``ceil(0.1 m)`` products, equal counts ordered by product id as the popularity
  recommender does; products nobody bought are never in the head); and ``arp``, the average
  recommendation popularity, the mean ``p_j`` of the list (the paper's ARP divided by ``N``,
  so that shops of different sizes compare);
- **serendipity** against popularity (Ge, Delgado-Battenfeld & Jannach 2010 [5]_, as
  surveyed by Kaminskas & Bridge 2016 [6]_): the recommended products that are hits
  (relevant) **and** not in the popularity baseline's top ``k`` for the same customer,
  divided by ``k``. Ge et al.
  divide by the list's length; dividing by ``k`` like ``precision@k`` (empty slots count as
  misses) gives the same value for full lists and keeps ``serendipity <= precision``. The
  popularity recommender's own serendipity is 0 by construction.

Every metric above is a **per-customer** value, averaged over the customers scored (those
with a relevant product, as in :func:`helpers.recommend_eval.ranking_metrics`); a customer
without a value (no list; a list of one product for diversity) is left out of that metric's
mean, and the number of customers behind each mean is reported. Catalogue coverage is the
share of the catalogue recommended to anyone scored, as in
:func:`helpers.recommend_eval.evaluate`.

**Bootstrap intervals** (Efron & Tibshirani 1993 [7]_): the scored customers are resampled with
replacement ``n_boot`` times (a ``n_boot x n`` matrix of draw counts ``W``, one seed); each
mean is recomputed on every resample as ``W @ values / W @ defined`` (a customer drawn twice
counts twice), coverage as the products recommended to a drawn customer, all at once with
matrix products, never a loop over resamples. The interval is the percentile interval at
``level`` (95% by default); a resample in which no drawn customer has a value for a metric
(possible only when very few have one) is left out of that metric's interval, and a metric
nobody has a value for (diversity at ``k = 1``) is NaN.

Coverage is not a mean: a resample holds about 63% of the distinct customers, so it never
reaches more of the catalogue than all of them do and its interval lies at or below the
value, **below it altogether** when many products are recommended to a single customer
(item CF on Online Retail: coverage 0.283, interval 0.225 to 0.246). Read it as the spread
of coverage, not as an interval around the value; a paired difference in coverage is biased
towards 0 alike (the recommender with the longer tail loses more), so "excludes 0" on
coverage is conservative.

A **paired** difference between two recommenders uses the same resampled customers for
both, so that "A beats B" is said only when the interval of A - B excludes 0
(:class:`helpers.compare.Difference`).

Entry points: :func:`compare_recommenders` (fit, recommend, one tidy table with intervals) and
:func:`paired_differences` (each recommender minus a reference). Both build on
:func:`helpers.recommend_eval.evaluate_recommenders`; the steps are public for reuse of
recommendations already made: :func:`customer_metrics`, :func:`bootstrap_intervals`,
:func:`bootstrap_differences`.

References
----------
.. [1] Smyth, B. & McClave, P. (2001). Similarity vs. diversity. *ICCBR 2001*, LNCS 2080,
   347-361.
.. [2] Ziegler, C.-N., McNee, S. M., Konstan, J. A. & Lausen, G. (2005). Improving
   recommendation lists through topic diversification. *WWW 2005*, 22-32.
.. [3] Zhou, T., Kuscsik, Z., Liu, J.-G., Medo, M., Wakeling, J. R. & Zhang, Y.-C. (2010).
   Solving the apparent diversity-accuracy dilemma of recommender systems. *PNAS* 107(10),
   4511-4515.
.. [4] Abdollahpouri, H., Burke, R. & Mobasher, B. (2019). Managing popularity bias in
   recommender systems with personalized re-ranking. *FLAIRS-32*, 413-418.
.. [5] Ge, M., Delgado-Battenfeld, C. & Jannach, D. (2010). Beyond accuracy: evaluating
   recommender systems by coverage and serendipity. *RecSys 2010*, 257-260.
.. [6] Kaminskas, M. & Bridge, D. (2016). Diversity, serendipity, novelty, and coverage: a
   survey and empirical analysis of beyond-accuracy objectives in recommender systems. *ACM
   Transactions on Interactive Intelligent Systems* 7(1), article 2.
.. [7] Efron, B. & Tibshirani, R. J. (1993). *An Introduction to the Bootstrap*. Chapman &
   Hall, chapter 13 (percentile intervals).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

from helpers.checks import check_share, column_rule, require_columns
from helpers.compare import Difference
from helpers.recommend import Interactions, PopularityRecommender, Recommender, check_k
from helpers.recommend_eval import evaluate_recommenders, ranking_metrics

__all__ = [
    "BEYOND_ACCURACY",
    "CustomerMetrics",
    "HIGHER_IS_BETTER",
    "TABLE_METRICS",
    "bootstrap_differences",
    "bootstrap_intervals",
    "compare_recommenders",
    "customer_metrics",
    "intra_list_diversity",
    "novelty",
    "paired_differences",
    "popularity_bias",
    "serendipity",
]

#: The beyond-accuracy metrics, per customer (columns of :func:`customer_metrics`).
BEYOND_ACCURACY: tuple[str, ...] = (
    "diversity",
    "novelty",
    "popularity_share",
    "arp",
    "serendipity",
)

#: The per-customer accuracy columns of :func:`helpers.recommend_eval.ranking_metrics` and the
#: name of their mean in the tables (that of :func:`helpers.recommend_eval.evaluate`).
_ACCURACY = {
    "precision": "precision",
    "recall": "recall",
    "average_precision": "map",
    "ndcg": "ndcg",
    "hit": "hit_rate",
}

#: The metrics of :func:`bootstrap_intervals`, in order.
TABLE_METRICS: tuple[str, ...] = (*_ACCURACY.values(), "coverage", *BEYOND_ACCURACY)

#: Whether a higher value is better, for the words of :func:`bootstrap_differences`: less
#: popularity bias (a lower popularity share, a lower ARP) counts as better.
HIGHER_IS_BETTER: dict[str, bool] = {
    **{name: True for name in TABLE_METRICS},
    "popularity_share": False,
    "arp": False,
}


# --- the lists as a sparse customer x product matrix ----------------------------------------


def _lists(
    recommendations: pd.DataFrame,
    interactions: Interactions,
    k: int,
    customers: pd.Index | None = None,
) -> tuple[sp.csr_matrix, pd.Index]:
    """Mark the top ``k`` of each customer in a 0/1 matrix: customers x matrix products.

    ``customers`` fixes the rows (customers without a list get an empty row, lists of other
    customers are left out); default the customers of the recommendations, sorted.
    """
    customer_col, product_col = interactions.customer_col, interactions.product_col
    table = "recommendations"
    require_columns(recommendations, [customer_col, "rank", product_col], table, allow_empty=True)
    rank = pd.to_numeric(recommendations["rank"], errors="coerce")
    column_rule(
        recommendations, ~(rank >= 1) | (rank % 1 != 0), table, "rank", "a whole number >= 1"
    )
    recs = pd.DataFrame(
        {
            "c": recommendations[customer_col].astype(str).to_numpy(),
            "p": recommendations[product_col].astype(str).to_numpy(),
        }
    )
    column_rule(
        recommendations,
        pd.Series(recs.duplicated(keep=False).to_numpy(), index=recommendations.index),
        table,
        product_col,
        "unique within a customer",
    )
    recs = recs[(rank <= k).to_numpy()]
    if customers is None:
        customers = pd.Index(np.sort(recs["c"].unique()), name=customer_col)
    rows = customers.get_indexer(recs["c"])
    cols = interactions.products.get_indexer(recs["p"])
    unknown = (cols < 0) & (rows >= 0)
    if unknown.any():
        raise ValueError(
            f"recommendations: product {recs['p'].to_numpy()[unknown][0]!r} is not a product "
            f"of the training matrix ({interactions.shape[1]:,} products); build the matrix "
            "with the catalogue (interaction_matrix(..., products=...))"
        )
    keep = rows >= 0
    matrix = sp.csr_matrix(
        (np.ones(int(keep.sum())), (rows[keep], cols[keep])),
        shape=(len(customers), interactions.shape[1]),
    )
    return matrix, customers


def _per_list(lists: sp.csr_matrix, per_product: np.ndarray) -> np.ndarray:
    """Average a per-product value over each list; NaN for an empty list."""
    length = np.asarray(lists.sum(axis=1)).ravel()
    total = lists @ per_product
    return np.divide(total, length, out=np.full(len(length), np.nan), where=length > 0)


def _counts(interactions: Interactions) -> np.ndarray:
    """Training customers who bought each product (``n_j``)."""
    return np.asarray((interactions.matrix > 0).sum(axis=0)).ravel().astype(float)


def _unit_rows(vectors: sp.spmatrix | np.ndarray) -> sp.csr_matrix | np.ndarray:
    """Scale each row to unit L2 norm; an all-zero row stays zero."""
    if sp.issparse(vectors):
        vectors = sp.csr_matrix(vectors, dtype=float)
        norms = np.sqrt(np.asarray(vectors.multiply(vectors).sum(axis=1)).ravel())
    else:
        vectors = np.asarray(vectors, dtype=float)
        norms = np.sqrt((vectors**2).sum(axis=1))
    scale = np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)
    if sp.issparse(vectors):
        return sp.csr_matrix(sp.diags(scale) @ vectors)
    return vectors * scale[:, None]


def _item_vectors(
    interactions: Interactions, item_vectors: pd.DataFrame | np.ndarray | sp.spmatrix | None
) -> sp.csr_matrix | np.ndarray:
    """Return the product vectors, one row per product of the matrix, in its order."""
    if item_vectors is None:
        return sp.csr_matrix(interactions.matrix.T)
    m = interactions.shape[1]
    if isinstance(item_vectors, pd.DataFrame):
        index = item_vectors.index.astype(str)
        if index.has_duplicates:
            raise ValueError(
                f"item_vectors: one row per product; {index[index.duplicated()][0]!r} has several"
            )
        where = index.get_indexer(interactions.products)
        if (where < 0).any():
            missing = interactions.products[where < 0][0]
            raise ValueError(
                f"item_vectors must have a row for every product of the training matrix; "
                f"{missing!r} has none ({int((where < 0).sum()):,} missing)"
            )
        values = item_vectors.to_numpy(dtype=float)[where]
    elif sp.issparse(item_vectors) or isinstance(item_vectors, np.ndarray):
        values = item_vectors
    else:
        raise ValueError(
            "item_vectors must be a DataFrame indexed by product id, a NumPy array or a sparse "
            f"matrix (one row per product of the matrix); got {type(item_vectors).__name__}"
        )
    if values.ndim != 2 or values.shape[0] != m:
        raise ValueError(
            f"item_vectors must have one row per product of the training matrix ({m:,} rows); "
            f"got shape {values.shape}"
        )
    finite = values.data if sp.issparse(values) else values
    if not np.isfinite(np.asarray(finite, dtype=float)).all():
        raise ValueError("item_vectors must be finite numbers; a value is NaN or infinite")
    return values


# --- the beyond-accuracy metrics, per customer ------------------------------------------------


def _diversity(lists: sp.csr_matrix, unit: sp.csr_matrix | np.ndarray) -> np.ndarray:
    length = np.asarray(lists.sum(axis=1)).ravel()
    summed = lists @ unit  # each list's sum of unit vectors
    if sp.issparse(summed):
        square = np.asarray(summed.multiply(summed).sum(axis=1)).ravel()
    else:
        square = (np.asarray(summed) ** 2).sum(axis=1)
    nonzero = (np.asarray(abs(unit).sum(axis=1)).ravel() > 0).astype(float)
    # sum over pairs i < j of u_i . u_j = (|sum u|^2 - sum |u|^2) / 2, |u|^2 = 1 or 0
    pair_cosines = (square - lists @ nonzero) / 2
    pairs = length * (length - 1) / 2
    return np.divide(pairs - pair_cosines, pairs, out=np.full(len(length), np.nan), where=pairs > 0)


def intra_list_diversity(
    recommendations: pd.DataFrame,
    interactions: Interactions,
    k: int = 10,
    *,
    item_vectors: pd.DataFrame | np.ndarray | sp.spmatrix | None = None,
) -> pd.Series:
    """Intra-list diversity: the mean pairwise dissimilarity ``1 - cosine`` of each list.

    Parameters
    ----------
    recommendations : pandas.DataFrame
        Customer, ``rank``, product (as from ``recommend``), columns named as the matrix's
        (:attr:`Interactions.customer_col`, :attr:`Interactions.product_col`); ranks above
        ``k`` are ignored.
    interactions : Interactions
        The training matrix.
    k : int, default 10
        The list length judged.
    item_vectors : DataFrame, array or sparse matrix, optional
        Product vectors: a DataFrame indexed by product id (a row for every product of the
        matrix), or an array / sparse matrix with one row per product of the matrix in its
        order. Default the products' customer columns of the matrix (co-purchase cosine).

    Returns
    -------
    pandas.Series
        One value per customer of the recommendations (sorted), in ``[0, 2]`` (``[0, 1]``
        for vectors without negative values); NaN for a list of fewer than two products.

    Raises
    ------
    ValueError
        Bad recommendations (missing column, bad rank, a product twice in a list, a product
        the matrix does not hold) or vectors that do not match the matrix's products.

    References
    ----------
    .. [1] Smyth, B. & McClave, P. (2001). Similarity vs. diversity. *ICCBR 2001*.
    .. [2] Ziegler, C.-N. et al. (2005). Improving recommendation lists through topic
       diversification. *WWW 2005*, 22-32.
    """
    k = check_k(k)
    lists, customers = _lists(recommendations, interactions, k)
    unit = _unit_rows(_item_vectors(interactions, item_vectors))
    return pd.Series(_diversity(lists, unit), index=customers, name="diversity")


def _information(interactions: Interactions) -> np.ndarray:
    """Self-information ``-log2(max(n_j, 1) / N)`` of every product of the matrix."""
    n = interactions.shape[0]
    return -np.log2(np.maximum(_counts(interactions), 1.0) / n)


def novelty(recommendations: pd.DataFrame, interactions: Interactions, k: int = 10) -> pd.Series:
    """Novelty: the mean self-information ``-log2(p_j)`` of each list's products, in bits.

    ``p_j`` is the share of the matrix's customers who bought product ``j``; a product nobody
    bought counts as bought by one customer (``p_j = 1 / N``, ``log2(N)`` bits, as novel as
    the rarest product bought) instead of infinitely novel.

    Parameters
    ----------
    recommendations, interactions, k
        As for :func:`intra_list_diversity`.

    Returns
    -------
    pandas.Series
        One value per customer of the recommendations (sorted), between 0 and ``log2(N)``;
        NaN for an empty list.

    References
    ----------
    .. [1] Zhou, T. et al. (2010). Solving the apparent diversity-accuracy dilemma of
       recommender systems. *PNAS* 107(10), 4511-4515.
    """
    k = check_k(k)
    lists, customers = _lists(recommendations, interactions, k)
    return pd.Series(_per_list(lists, _information(interactions)), index=customers, name="novelty")


def _head(interactions: Interactions, head_share: float) -> np.ndarray:
    """1.0 for the products of the head (the top ``head_share`` by customers), else 0.0."""
    check_share("head_share", head_share, "the share of products in the popular head")
    counts = _counts(interactions)
    size = math.ceil(head_share * len(counts))
    # most customers first, equal counts by product id (the matrix's columns are sorted)
    order = np.lexsort((np.arange(len(counts)), -counts))[:size]
    head = np.zeros(len(counts))
    head[order[counts[order] > 0]] = 1.0
    return head


def popularity_bias(
    recommendations: pd.DataFrame,
    interactions: Interactions,
    k: int = 10,
    *,
    head_share: float = 0.1,
) -> pd.DataFrame:
    """Popularity bias of each list: its share from the popular head, and its mean popularity.

    Parameters
    ----------
    recommendations, interactions, k
        As for :func:`intra_list_diversity`.
    head_share : float, default 0.1
        The head: this share of the matrix's products (rounded up), those most customers
        bought (equal counts by product id; a product nobody bought is never in it).

    Returns
    -------
    pandas.DataFrame
        One row per customer of the recommendations (sorted): ``popularity_share`` (share of
        the list in the head) and ``arp`` (mean share of the matrix's customers who bought the
        list's products); NaN for an empty list.

    Raises
    ------
    ValueError
        As for :func:`intra_list_diversity`, or ``head_share`` not in (0, 1].

    References
    ----------
    .. [1] Abdollahpouri, H., Burke, R. & Mobasher, B. (2019). Managing popularity bias in
       recommender systems with personalized re-ranking. *FLAIRS-32*, 413-418.
    """
    k = check_k(k)
    head = _head(interactions, head_share)
    lists, customers = _lists(recommendations, interactions, k)
    share = _counts(interactions) / interactions.shape[0]
    return pd.DataFrame(
        {"popularity_share": _per_list(lists, head), "arp": _per_list(lists, share)},
        index=customers,
    )


def _relevant_matrix(
    relevant: pd.DataFrame, interactions: Interactions, customers: pd.Index
) -> sp.csr_matrix:
    """Mark the relevant products of ``customers`` in a 0/1 matrix.

    Products outside the matrix cannot be recommended, so they cannot be hits: not needed here.
    """
    names = [interactions.customer_col, interactions.product_col]
    require_columns(relevant, names, "relevant")
    pairs = relevant[names].astype(str).drop_duplicates()
    rows = customers.get_indexer(pairs[names[0]])
    cols = interactions.products.get_indexer(pairs[names[1]])
    keep = (rows >= 0) & (cols >= 0)
    return sp.csr_matrix(
        (np.ones(int(keep.sum())), (rows[keep], cols[keep])),
        shape=(len(customers), interactions.shape[1]),
    )


def _serendipity(
    lists: sp.csr_matrix, truth: sp.csr_matrix, baseline: sp.csr_matrix, k: int
) -> np.ndarray:
    hits = lists.multiply(truth)
    unexpected = hits - hits.multiply(baseline)
    return np.asarray(unexpected.sum(axis=1)).ravel() / k


def serendipity(
    recommendations: pd.DataFrame,
    relevant: pd.DataFrame,
    baseline: pd.DataFrame,
    interactions: Interactions,
    k: int = 10,
) -> pd.Series:
    """Serendipity: the share of the ``k`` slots holding a hit the baseline did not recommend.

    Ge et al. (2010): the recommended products that are useful (here: relevant, bought after
    the cutoff) and unexpected (not in the primitive, here popularity, recommender's top ``k``
    for the same customer), divided by ``k`` (Ge et al. divide by the list's length: the
    same for full lists).

    Parameters
    ----------
    recommendations : pandas.DataFrame
        As for :func:`intra_list_diversity`.
    relevant : pandas.DataFrame
        (customer, product) pairs that count as hits
        (:func:`helpers.recommend_eval.relevant_items`); its customers are the ones scored.
    baseline : pandas.DataFrame
        The baseline's recommendations to the same customers (e.g. a fitted
        :class:`helpers.recommend.PopularityRecommender`'s ``recommend``).
    interactions : Interactions
        The training matrix.
    k : int, default 10
        The list length judged (of both lists).

    Returns
    -------
    pandas.Series
        One value per customer of ``relevant`` (sorted), between 0 and ``precision@k``; 0 for
        a customer without a list.

    References
    ----------
    .. [1] Ge, M., Delgado-Battenfeld, C. & Jannach, D. (2010). Beyond accuracy: evaluating
       recommender systems by coverage and serendipity. *RecSys 2010*, 257-260.
    .. [2] Kaminskas, M. & Bridge, D. (2016). Diversity, serendipity, novelty, and coverage.
       *ACM TiiS* 7(1), article 2.
    """
    k = check_k(k)
    require_columns(relevant, [interactions.customer_col], "relevant")
    customers = pd.Index(
        np.sort(relevant[interactions.customer_col].astype(str).unique()),
        name=interactions.customer_col,
    )
    lists, _ = _lists(recommendations, interactions, k, customers)
    base, _ = _lists(baseline, interactions, k, customers)
    truth = _relevant_matrix(relevant, interactions, customers)
    return pd.Series(_serendipity(lists, truth, base, k), index=customers, name="serendipity")


# --- every metric of several recommenders, per customer ---------------------------------------


@dataclass(frozen=True)
class CustomerMetrics:
    """Every per-customer metric of several recommenders on the same scored customers.

    Attributes
    ----------
    values : pandas.DataFrame
        One row per scored customer (sorted), columns ``(recommender, metric)``: the columns
        of :func:`helpers.recommend_eval.ranking_metrics` (``precision``, ``recall``,
        ``average_precision``, ``ndcg``, ``hit`` as 0/1) and :data:`BEYOND_ACCURACY`; NaN
        where a customer has no value (no list; fewer than two products for diversity).
    lists : dict of str to scipy.sparse.csr_matrix
        Each recommender's top ``k`` as a 0/1 matrix, scored customers x matrix products (for
        catalogue coverage).
    k : int
        The list length judged.
    n_products : int
        The catalogue's size (the training matrix's products).
    """

    values: pd.DataFrame
    lists: dict[str, sp.csr_matrix]
    k: int
    n_products: int

    @property
    def recommenders(self) -> list[str]:
        """The recommenders' names, in order."""
        return list(self.lists)


def customer_metrics(
    recommendations: Mapping[str, pd.DataFrame],
    interactions: Interactions,
    relevant: pd.DataFrame,
    k: int = 10,
    *,
    baseline: pd.DataFrame,
    item_vectors: pd.DataFrame | np.ndarray | sp.spmatrix | None = None,
    head_share: float = 0.1,
) -> CustomerMetrics:
    """Compute every per-customer metric of each recommender's lists, on the scored customers.

    Parameters
    ----------
    recommendations : mapping of str to pandas.DataFrame
        ``{name: recommendations}``, e.g. the second result of
        :func:`helpers.recommend_eval.evaluate_recommenders`.
    interactions : Interactions
        The training matrix.
    relevant : pandas.DataFrame
        What counts as a hit (:func:`helpers.recommend_eval.relevant_items`); its customers
        are the ones scored.
    k : int, default 10
        The list length judged.
    baseline : pandas.DataFrame
        The popularity baseline's recommendations to the scored customers, for serendipity.
    item_vectors : optional
        Product vectors for diversity (see :func:`intra_list_diversity`).
    head_share : float, default 0.1
        The popular head's share of the products (see :func:`popularity_bias`).

    Returns
    -------
    CustomerMetrics
        The per-customer values of every recommender on the customers of ``relevant``, and
        their lists (for coverage).

    Raises
    ------
    ValueError
        No recommendations, or any input :func:`intra_list_diversity`, :func:`popularity_bias`
        or :func:`helpers.recommend_eval.ranking_metrics` rejects.
    """
    k = check_k(k)
    if not isinstance(recommendations, Mapping) or not recommendations:
        raise ValueError(
            "recommendations must be a non-empty mapping {name: recommendations frame}; "
            f"got {recommendations!r:.80}"
        )
    names = {"customer_col": interactions.customer_col, "product_col": interactions.product_col}
    unit = _unit_rows(_item_vectors(interactions, item_vectors))
    head = _head(interactions, head_share)
    information = _information(interactions)
    share = _counts(interactions) / interactions.shape[0]
    frames, lists = {}, {}
    base = None
    for name, recs in recommendations.items():
        accuracy = ranking_metrics(recs, relevant, k, **names)
        customers = accuracy.index
        if base is None:
            base, _ = _lists(baseline, interactions, k, customers)
            truth = _relevant_matrix(relevant, interactions, customers)
        lists[str(name)], _ = _lists(recs, interactions, k, customers)
        chosen = lists[str(name)]
        frame = accuracy[list(_ACCURACY)].astype(float)
        frame["diversity"] = _diversity(chosen, unit)
        frame["novelty"] = _per_list(chosen, information)
        frame["popularity_share"] = _per_list(chosen, head)
        frame["arp"] = _per_list(chosen, share)
        frame["serendipity"] = _serendipity(chosen, truth, base, k)
        frames[str(name)] = frame
    values = pd.concat(frames, axis=1, names=["recommender", "metric"])
    return CustomerMetrics(values, lists, k, interactions.shape[1])


# --- bootstrap ---------------------------------------------------------------------------------


def _check_bootstrap(n_boot: object, level: object) -> None:
    if isinstance(n_boot, bool) or not isinstance(n_boot, int | np.integer) or n_boot < 1:
        raise ValueError(f"n_boot must be a whole number >= 1 (resamples); got {n_boot!r}")
    if isinstance(level, bool) or not isinstance(level, int | float) or not 0 < level < 1:
        raise ValueError(
            f"level must be strictly between 0 and 1 (0.95 for a 95% interval); got {level!r}"
        )


def _draws(n: int, n_boot: int, seed: int | None) -> np.ndarray:
    """How often each of ``n`` customers is drawn in each resample: ``(n_boot, n)`` floats."""
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, n, size=(n_boot, n))
    offsets = (np.arange(n_boot) * n)[:, None]
    return np.bincount((picks + offsets).ravel(), minlength=n_boot * n).reshape(n_boot, n) * 1.0


def _resampled(metrics: CustomerMetrics, weights: np.ndarray) -> dict[str, pd.DataFrame]:
    """Every table metric of every recommender on each resample (one row per resample).

    ``weights`` is ``(n_resamples, n_customers)``; a row of ones gives the estimates on the
    data themselves.
    """
    values = metrics.values
    defined = values.notna().to_numpy(dtype=float)
    sums = weights @ np.nan_to_num(values.to_numpy(dtype=float))
    counts = weights @ defined
    with np.errstate(invalid="ignore", divide="ignore"):
        means = pd.DataFrame(sums / counts, columns=values.columns)
    found = {}
    for name in metrics.recommenders:
        table = means[name].rename(columns=_ACCURACY)
        # a product is covered in a resample when a customer drawn at least once got it
        reached = metrics.lists[name].T @ (weights.T > 0)
        table["coverage"] = (np.asarray(reached) > 0).sum(axis=0) / metrics.n_products
        found[name] = table[list(TABLE_METRICS)]
    return found


def _customers_behind(metrics: CustomerMetrics, name: str) -> pd.Series:
    counts = metrics.values[name].notna().sum().rename(_ACCURACY)
    counts["coverage"] = len(metrics.values)
    return counts[list(TABLE_METRICS)]


def _percentiles(draws: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Percentile bounds of each column of resampled values.

    A resample in which no drawn customer has a value for a metric (possible only when very
    few customers have one) gives no value and is left out of that metric's interval; a metric
    no customer has a value for gets NaN bounds.
    """
    tail = (1 - level) / 2
    low, high = np.full(draws.shape[1], np.nan), np.full(draws.shape[1], np.nan)
    complete = ~np.isnan(draws).any(axis=0)
    if complete.any():
        low[complete], high[complete] = np.quantile(draws[:, complete], [tail, 1 - tail], axis=0)
    for column in np.flatnonzero(~complete):
        values = draws[:, column][~np.isnan(draws[:, column])]
        if len(values):
            low[column], high[column] = np.quantile(values, [tail, 1 - tail])
    return low, high


def bootstrap_intervals(
    metrics: CustomerMetrics,
    *,
    n_boot: int = 1000,
    level: float = 0.95,
    seed: int | None = 0,
) -> pd.DataFrame:
    """Every metric of every recommender with a bootstrap percentile interval.

    Parameters
    ----------
    metrics : CustomerMetrics
        From :func:`customer_metrics`.
    n_boot : int, default 1000
        Resamples of the scored customers (with replacement).
    level : float, default 0.95
        Coverage of the percentile interval.
    seed : int or None, default 0
        Seed of the resampling (the same seed draws the same customers for every recommender
        and in :func:`bootstrap_differences`).

    Returns
    -------
    pandas.DataFrame
        One row per (recommender, metric of :data:`TABLE_METRICS`): ``recommender``,
        ``metric``, ``value`` (on the data themselves), ``low``, ``high`` and ``customers``
        (behind the mean); ``attrs`` holds ``k``, ``n_boot`` and ``level``.

    Raises
    ------
    ValueError
        If ``n_boot`` is not a whole number >= 1 or ``level`` not strictly between 0 and 1.

    References
    ----------
    .. [1] Efron, B. & Tibshirani, R. J. (1993). *An Introduction to the Bootstrap*. Chapman
       & Hall, chapter 13.
    """
    _check_bootstrap(n_boot, level)
    n = len(metrics.values)
    point = _resampled(metrics, np.ones((1, n)))
    draws = _resampled(metrics, _draws(n, n_boot, seed))
    rows = []
    for name in metrics.recommenders:
        low, high = _percentiles(draws[name].to_numpy(), level)
        rows.append(
            pd.DataFrame(
                {
                    "recommender": name,
                    "metric": list(TABLE_METRICS),
                    "value": point[name].to_numpy()[0],
                    "low": low,
                    "high": high,
                    "customers": _customers_behind(metrics, name).to_numpy(),
                }
            )
        )
    table = pd.concat(rows, ignore_index=True)
    table.attrs.update(k=metrics.k, n_boot=n_boot, level=level)
    return table


def bootstrap_differences(
    metrics: CustomerMetrics,
    reference: str,
    *,
    n_boot: int = 1000,
    level: float = 0.95,
    seed: int | None = 0,
) -> pd.DataFrame:
    """Each recommender minus a reference, on every metric, with a paired bootstrap interval.

    Both recommenders' metrics are recomputed on the same resampled customers, so the
    interval is that of the difference itself (narrower than two separate intervals suggest
    when the two lists succeed on the same customers).

    Parameters
    ----------
    metrics : CustomerMetrics
        From :func:`customer_metrics`.
    reference : str
        The recommender subtracted (e.g. ``"popularity"``).
    n_boot, level, seed
        As for :func:`bootstrap_intervals`.

    Returns
    -------
    pandas.DataFrame
        One row per (other recommender, metric): ``recommender``, ``reference``, ``metric``,
        ``difference`` (recommender minus reference), ``low``, ``high``, ``excludes_zero``
        and ``says`` (:meth:`helpers.compare.Difference.says`: "beats" only when the
        interval excludes 0; less popularity bias counts as better, :data:`HIGHER_IS_BETTER`).

    Raises
    ------
    ValueError
        An unknown reference, or bad ``n_boot`` or ``level``.
    """
    _check_bootstrap(n_boot, level)
    if reference not in metrics.lists:
        raise ValueError(
            f"reference must be one of the recommenders {metrics.recommenders}; got {reference!r}"
        )
    n = len(metrics.values)
    point = _resampled(metrics, np.ones((1, n)))
    draws = _resampled(metrics, _draws(n, n_boot, seed))
    rows = []
    for name in metrics.recommenders:
        if name == reference:
            continue
        estimate = point[name].to_numpy()[0] - point[reference].to_numpy()[0]
        low, high = _percentiles(draws[name].to_numpy() - draws[reference].to_numpy(), level)
        for i, metric in enumerate(TABLE_METRICS):
            found = Difference(
                name_a=name,
                name_b=reference,
                metric=metric,
                estimate=float(estimate[i]),
                lower=float(low[i]),
                upper=float(high[i]),
                level=level,
                n_boot=n_boot,
                n_units=n,
                higher_is_better=HIGHER_IS_BETTER[metric],
            )
            rows.append(
                {
                    "recommender": name,
                    "reference": reference,
                    "metric": metric,
                    "difference": found.estimate,
                    "low": found.lower,
                    "high": found.upper,
                    "excludes_zero": found.excludes_zero,
                    "says": found.says(),
                }
            )
    table = pd.DataFrame(
        rows,
        columns=[
            "recommender", "reference", "metric", "difference", "low", "high",
            "excludes_zero", "says",
        ],
    )  # fmt: skip
    table.attrs.update(k=metrics.k, n_boot=n_boot, level=level)
    return table


# --- the entry points --------------------------------------------------------------------------


def _scored(
    recommenders: Mapping[str, Recommender],
    train: Interactions,
    relevant: pd.DataFrame,
    k: int,
    *,
    fit: bool,
    baseline: str | Recommender | pd.DataFrame,
    item_vectors: pd.DataFrame | np.ndarray | sp.spmatrix | None,
    head_share: float,
) -> CustomerMetrics:
    """Fit and recommend (:func:`evaluate_recommenders`), then :func:`customer_metrics`."""
    if not isinstance(recommenders, Mapping) or not recommenders:
        raise ValueError(
            "recommenders must be a non-empty mapping {name: Recommender}; "
            f"got {recommenders!r:.80}"
        )
    _, found = evaluate_recommenders(recommenders, train, relevant, k, fit=fit)
    if isinstance(baseline, str) and baseline in found:
        base = found[baseline]
    elif isinstance(baseline, pd.DataFrame):
        base = baseline
    elif baseline == "popularity" or isinstance(baseline, Recommender):
        model = PopularityRecommender() if isinstance(baseline, str) else baseline
        customers = pd.Index(relevant[train.customer_col].astype(str).unique())
        base = model.fit(train).recommend(customers, k)
    else:
        raise ValueError(
            f"baseline must be 'popularity', a recommender's name {list(found)}, a "
            f"Recommender or a recommendations frame; got {baseline!r}"
        )
    return customer_metrics(
        found, train, relevant, k, baseline=base, item_vectors=item_vectors,
        head_share=head_share,
    )  # fmt: skip


def compare_recommenders(
    recommenders: Mapping[str, Recommender],
    train: Interactions,
    relevant: pd.DataFrame,
    k: int = 10,
    *,
    n_boot: int = 1000,
    level: float = 0.95,
    seed: int | None = 0,
    baseline: str | Recommender | pd.DataFrame = "popularity",
    item_vectors: pd.DataFrame | np.ndarray | sp.spmatrix | None = None,
    head_share: float = 0.1,
    fit: bool = True,
) -> pd.DataFrame:
    """Fit, recommend and judge several recommenders: every metric with a bootstrap interval.

    :func:`helpers.recommend_eval.evaluate_recommenders` fits each recommender on ``train``
    and recommends to the scored customers; :func:`customer_metrics` scores each list;
    :func:`bootstrap_intervals` resamples the customers.

    Parameters
    ----------
    recommenders : mapping of str to Recommender
        ``{name: recommender}``.
    train : Interactions
        The training matrix (before the cutoff).
    relevant : pandas.DataFrame
        What counts as a hit (:func:`helpers.recommend_eval.relevant_items`).
    k : int, default 10
        The list length judged.
    n_boot, level, seed
        As for :func:`bootstrap_intervals`.
    baseline : str, Recommender or pandas.DataFrame, default "popularity"
        The primitive recommender of serendipity: the name of one of ``recommenders``, a
        recommender (fitted here on ``train``), recommendations, or ``"popularity"`` (the
        one named so if there is, else a :class:`helpers.recommend.PopularityRecommender`).
    item_vectors : optional
        Product vectors for diversity (see :func:`intra_list_diversity`).
    head_share : float, default 0.1
        The popular head's share of the products (see :func:`popularity_bias`).
    fit : bool, default True
        Fit the recommenders; False uses them as fitted (on ``train`` itself).

    Returns
    -------
    pandas.DataFrame
        One row per (recommender, metric): ``recommender``, ``metric`` (:data:`TABLE_METRICS`),
        ``value``, ``low``, ``high``, ``customers``; ``attrs`` holds ``k``, ``n_boot``,
        ``level``. The accuracy values and coverage equal those of ``evaluate_recommenders``.

    Raises
    ------
    ValueError
        Bad recommenders, baseline, ``n_boot``, ``level``, ``head_share`` or vectors.

    See Also
    --------
    paired_differences : Each recommender minus a reference, with paired intervals.

    References
    ----------
    .. [1] Efron, B. & Tibshirani, R. J. (1993). *An Introduction to the Bootstrap*.
    .. [2] Kaminskas, M. & Bridge, D. (2016). Diversity, serendipity, novelty, and coverage.
       *ACM TiiS* 7(1), article 2.
    """
    _check_bootstrap(n_boot, level)
    metrics = _scored(
        recommenders, train, relevant, check_k(k), fit=fit, baseline=baseline,
        item_vectors=item_vectors, head_share=head_share,
    )  # fmt: skip
    return bootstrap_intervals(metrics, n_boot=n_boot, level=level, seed=seed)


def paired_differences(
    recommenders: Mapping[str, Recommender],
    train: Interactions,
    relevant: pd.DataFrame,
    k: int = 10,
    *,
    reference: str = "popularity",
    n_boot: int = 1000,
    level: float = 0.95,
    seed: int | None = 0,
    baseline: str | Recommender | pd.DataFrame = "popularity",
    item_vectors: pd.DataFrame | np.ndarray | sp.spmatrix | None = None,
    head_share: float = 0.1,
    fit: bool = True,
) -> pd.DataFrame:
    """Each recommender minus a reference on every metric, with paired bootstrap intervals.

    Parameters
    ----------
    recommenders, train, relevant, k
        As for :func:`compare_recommenders`.
    reference : str, default "popularity"
        The name (in ``recommenders``) of the recommender subtracted.
    n_boot, level, seed, baseline, item_vectors, head_share, fit
        As for :func:`compare_recommenders` (the same seed resamples the same customers).

    Returns
    -------
    pandas.DataFrame
        As :func:`bootstrap_differences`: ``recommender``, ``reference``, ``metric``,
        ``difference``, ``low``, ``high``, ``excludes_zero``, ``says``.

    Raises
    ------
    ValueError
        An unknown reference, or what :func:`compare_recommenders` rejects.

    References
    ----------
    .. [1] Efron, B. & Tibshirani, R. J. (1993). *An Introduction to the Bootstrap*.
    """
    _check_bootstrap(n_boot, level)
    if reference not in recommenders:
        raise ValueError(
            f"reference must be one of the recommenders {list(recommenders)}; got {reference!r}"
        )
    metrics = _scored(
        recommenders, train, relevant, check_k(k), fit=fit, baseline=baseline,
        item_vectors=item_vectors, head_share=head_share,
    )  # fmt: skip
    return bootstrap_differences(metrics, reference, n_boot=n_boot, level=level, seed=seed)

"""Product recommendation: an interaction matrix and five recommenders with one interface.

The **interaction matrix** lives in :mod:`helpers.interactions` (re-exported here):
:func:`interaction_matrix` builds an :class:`Interactions`, a sparse customer x product matrix
with its customer and product index.

Every recommender is fitted on an :class:`Interactions` (``fit`` returns ``self``) and
:meth:`Recommender.recommend` gives the top ``k`` products of each customer as a long frame
customer, ``rank``, product, ``score``, the customer and product columns named as in the
order lines the matrix was built from (``customer_id, rank, product_id, score`` by default):

- :class:`PopularityRecommender`: the products most customers bought, overall or within the
  customer's segment (the baseline every method must beat);
- :class:`ItemCF`: item-based collaborative filtering. The cosine similarity of two products
  is ``x_i . x_j / (|x_i| |x_j|)`` over their customer columns; each product keeps its
  ``n_neighbours`` most similar products, and a customer's score for product ``j`` is the sum
  of the similarities to ``j`` of the products they bought (times their interaction value).
  :meth:`ItemCF.explain` lists the purchased products behind each recommendation;
- :class:`UserCF`: user-based collaborative filtering: the ``n_neighbours`` customers most
  similar to the customer (cosine over product rows) vote for what they bought, weighted by
  their similarity;
- :class:`ContentRecommender`: TF-IDF vectors of each product's description and category; a
  customer's profile is the (interaction-weighted) mean of the vectors of what they bought,
  and the score of a product is the cosine between profile and product;
- :class:`HybridRecommender`: a weighted blend of recommenders (each customer's scores scaled
  to a maximum of 1 first), with a fallback (popularity) for customers without history; the
  content part scores new products that nobody has bought yet.

Scoring is vectorised: the scores of a block of customers are one matrix product; the top
``k`` of every row are found from a lower bound of the row's ``k``-th largest score (the
``k``-th largest of the maxima of parts of the row), so that only the few scores above it are
sorted (:func:`top_k`; :func:`top_k_sparse` for sparse scores, as item CF ranks them, in
threads). Only products with a positive score are candidates, so a customer can get fewer
than ``k`` rows (item CF cannot score a customer whose products have no neighbours, and no
method but popularity and the hybrid can score a customer it has never seen). Scores are
rounded to 10 decimals before ranking, so that sums that differ only by floating-point order
tie, and ties are broken by product id.
Evaluation lives in :mod:`helpers.recommend_eval`.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import scipy.sparse as sp

from helpers import schema as s
from helpers.checks import check_numbers, column_rule, require_columns
from helpers.deprecation import renamed_arguments
from helpers.interactions import Interactions, interaction_matrix

try:  # the C routine behind scipy's CSR @ CSR, called with an output of bounded size
    from scipy.sparse._sparsetools import csr_matmat as _csr_matmat
except ImportError:  # pragma: no cover - a scipy that moved it: the public product instead
    _csr_matmat = None

__all__ = [
    "RECOMMENDATION_COLUMNS",
    "ContentRecommender",
    "HybridRecommender",
    "Interactions",
    "ItemCF",
    "PopularityRecommender",
    "Recommender",
    "UserCF",
    "check_k",
    "explanation_frame",
    "recommendation_cells",
    "recommendation_frame",
    "top_k",
    "top_k_sparse",
    "interaction_matrix",
]

#: The columns of :meth:`Recommender.recommend` for a matrix built from the canonical names
#: (otherwise the customer and product columns keep the names the matrix was built from).
RECOMMENDATION_COLUMNS: tuple[str, ...] = (s.CUSTOMER_ID, "rank", s.PRODUCT_ID, "score")

#: Rows of customers scored at once (bounds the memory of a dense block of scores).
BLOCK_ROWS = 2048
#: With threads, blocks are smaller (at least this many per thread), so that a thread that
#: falls behind on a busy machine leaves little work for the last one.
BLOCKS_PER_THREAD = 4

_DECIMALS = 10
#: top_k_sparse cuts a long row into this many times k parts to bound its k-th largest score.
SPARSE_PARTS = 8
#: _rank_order sorts one integer key when every rounded score is below this (then
#: ``rint(score * 10**_DECIMALS)`` numbers the distinct rounded scores exactly).
_KEY_SCORES = 1e4


# --- shared machinery --------------------------------------------------------------------------


def _row_normalise(matrix: sp.csr_matrix) -> sp.csr_matrix:
    """Scale each row to unit L2 norm (an all-zero row stays zero)."""
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    scale = np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)
    return sp.csr_matrix(sp.diags(scale) @ matrix)


def top_k(scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return the row, column and score of each row's top ``k`` positive scores, best first.

    Scores are compared rounded to ``_DECIMALS`` decimals, ties broken by the lower column;
    scores that round to 0 or below are no candidates. Only the values at or above a lower
    bound of each row's ``k``-th largest (the ``k``-th largest of the maxima of ``k`` or
    more parts of the row) are rounded and sorted, not the whole block. Every recommender ranks
    with it (:meth:`Recommender.recommend`, :mod:`helpers.factorisation`).

    Parameters
    ----------
    scores : numpy.ndarray
        A dense block of scores, one row per customer (or product), one column per product.
    k : int
        How many to keep per row.

    Returns
    -------
    rows, columns, scores : numpy.ndarray
        Sorted by row, then by rank within the row.
    """
    n, m = scores.shape
    floor = 0.5 * 10.0**-_DECIMALS  # the smallest score that does not round to 0
    if k < m:
        # A lower bound of each row's k-th largest score: cut the row into c >= k parts;
        # their maxima are c different scores, so the k-th largest of them is at most the
        # row's k-th largest. (numpy's argpartition finds the k-th exactly but is 10-50x
        # slower on such blocks, most of all on rows of equal zeros.)
        maxima = np.maximum.reduceat(scores, np.arange(0, m, m // k), axis=1)
        c = maxima.shape[1]
        bound = np.partition(maxima, c - k, axis=1)[:, c - k]
        # every score that could tie with the k-th once rounded is within 1e-9 of it
        mask = scores >= np.maximum(bound - 1e-9, floor)[:, None]
        if np.count_nonzero(mask) > 16 * n * k:  # a loose bound (many ties): the exact k-th
            part = np.argpartition(scores, m - k, axis=1)[:, m - k :]
            kth = np.take_along_axis(scores, part, axis=1).min(axis=1)
            mask = scores >= np.maximum(kth - 1e-9, floor)[:, None]
    else:
        mask = scores >= floor
    r, c = np.nonzero(mask)
    return _ranked(r, c, scores[r, c], k)


def _ranked(
    r: np.ndarray, c: np.ndarray, scores: np.ndarray, k: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rank candidates (row, column, score) within rows: positive rounded scores, top k."""
    v = np.round(scores, _DECIMALS)
    ok = v > 0
    r, c, v = r[ok], c[ok], v[ok]
    order = _rank_order(r, c, v)
    r, c, v = r[order], c[order], v[order]
    rank = np.arange(len(r)) - np.searchsorted(r, r)
    keep = rank < k
    return r[keep], c[keep], v[keep]


def _rank_order(r: np.ndarray, c: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Order candidates by row, then rounded score (larger first), then column.

    When the rows come ascending (as :func:`top_k` and :func:`top_k_sparse` give them) and
    every score is below :data:`_KEY_SCORES`, one sort of an int64 key: the scores, multiples
    of ``10**-_DECIMALS``, are numbered by ``rint(v * 10**_DECIMALS)`` (equal scores, equal
    numbers), counted down from the row's largest, so that row, score and column fit one
    integer whose order (unique: a column once per row) is the ranking. Otherwise, or when
    the key would not fit 63 bits, :func:`numpy.lexsort` of the three (3-4x slower).
    """
    if len(r) and v.max() < _KEY_SCORES and bool((r[1:] >= r[:-1]).all()):
        q = np.rint(v * 10.0**_DECIMALS).astype(np.int64)
        starts = np.flatnonzero(np.diff(r, prepend=r[0] - 1))  # each row's first candidate
        below = np.repeat(np.maximum.reduceat(q, starts), np.diff(starts, append=len(q))) - q
        row = (r - r[0]).astype(np.int64)
        n_rows, n_below, n_columns = int(row[-1]) + 1, int(below.max()) + 1, int(c.max()) + 1
        if n_rows * n_below * n_columns < 2**63:
            return np.argsort((row * n_below + below) * n_columns + c)
    return np.lexsort((c, -v, r))


def top_k_sparse(scores: sp.csr_matrix, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return what :func:`top_k` returns, for a sparse block of scores (absent = no candidate).

    The same ranking (scores rounded to ``_DECIMALS`` decimals, ties by the lower column,
    only positive scores) without making the block dense: each row with more than ``k``
    scores is cut into ``SPARSE_PARTS * k`` parts (one per score in a shorter row), and only
    its scores at or above the ``k``-th largest of the parts' maxima (a lower bound of its
    ``k``-th largest) are sorted. The columns of a row may come in any order.

    Parameters
    ----------
    scores : scipy.sparse.csr_matrix
        One row per customer (or product), one column per product.
    k : int
        How many to keep per row.

    Returns
    -------
    rows, columns, scores : numpy.ndarray
        Sorted by row, then by rank within the row.
    """
    scores = sp.csr_matrix(scores)
    return _top_k_csr(scores.indptr, scores.indices, scores.data, k)


def _top_k_csr(
    indptr: np.ndarray, columns: np.ndarray, data: np.ndarray, k: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`top_k_sparse` on the arrays of a CSR block (``indptr[0] == 0``).

    The columns of a row may come in any order (as a sparse product leaves them). A row of
    more than ``k`` scores is cut into ``c = SPARSE_PARTS * k`` parts (a row shorter than
    ``c`` into one part per score); the ``k``-th largest of the parts' maxima is at most the
    row's ``k``-th largest score, and only the scores at or above it are ranked.
    """
    n = len(indptr) - 1
    lengths = np.diff(indptr)
    floor = 0.5 * 10.0**-_DECIMALS  # the smallest score that does not round to 0
    bound = np.full(n, floor)
    long = np.flatnonzero(lengths > k)
    if long.size:
        cuts = SPARSE_PARTS * k
        parts = indptr[long, None] + (np.arange(cuts) * lengths[long, None]) // cuts
        # the parts of each long row, then its end (that reduction, over the gap to the
        # next long row, is dropped; reduceat runs the last one to the end of the data)
        edges = np.concatenate([parts, indptr[long + 1, None]], axis=1).ravel()
        closed = edges[-1] == len(data)
        maxima = np.maximum.reduceat(data, edges[:-1] if closed else edges)
        maxima = np.append(maxima, -np.inf) if closed else maxima
        maxima = maxima.reshape(len(long), cuts + 1)[:, :cuts]
        # in a row shorter than cuts several parts start at one score: count it once
        maxima[:, :-1][parts[:, 1:] == parts[:, :-1]] = -np.inf
        kth = np.partition(maxima, cuts - k, axis=1)[:, cuts - k]
        # every score that could tie with the k-th once rounded is within 1e-9 of it
        bound[long] = np.maximum(kth - 1e-9, floor)
    keep = np.flatnonzero(data >= np.repeat(bound, lengths))
    row = np.searchsorted(indptr, keep, side="right") - 1
    return _ranked(row, columns[keep], data[keep], k)


def _csr_product(
    indptr: np.ndarray, indices: np.ndarray, data: np.ndarray, other: sp.csr_matrix
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Multiply a CSR block, given by its arrays (``indptr[0] == 0``), by ``other``.

    The same arithmetic as scipy's ``A @ other`` (its C routine ``csr_matmat``: each row's
    products summed in the order of the row's entries, then of ``other``'s), but the output is
    allocated from an upper bound of its size (a row has at most the sum of the lengths of the
    rows of ``other`` it meets, and at most ``other.shape[1]`` entries) instead of counted
    exactly by a first pass over the product (scipy's ``csr_matmat_maxnnz``, 40% of the time);
    the pages never written are never touched. The routine releases the GIL.

    Returns
    -------
    indptr, indices, data : numpy.ndarray
        The product's CSR arrays; the columns of a row are not sorted.
    """
    n, n_columns = len(indptr) - 1, other.shape[1]
    if _csr_matmat is None or not _matmat_works(_csr_matmat):  # (a scipy that changed it)
        product = sp.csr_matrix((data, indices, indptr), shape=(n, other.shape[0])) @ other
        return product.indptr, product.indices, product.data
    reach = np.concatenate([[0], np.cumsum(np.diff(other.indptr)[indices])])
    size = int(np.minimum(reach[indptr[1:]] - reach[indptr[:-1]], n_columns).sum())
    largest = max(size, len(indices), other.nnz, n_columns, other.shape[0])
    index = np.int32 if largest < np.iinfo(np.int32).max else np.int64
    out = np.empty(n + 1, index), np.empty(size, index), np.empty(size, np.float64)
    _csr_matmat(
        n, n_columns, indptr.astype(index, copy=False), indices.astype(index, copy=False),
        data.astype(np.float64, copy=False), other.indptr.astype(index, copy=False),
        other.indices.astype(index, copy=False), other.data.astype(np.float64, copy=False), *out,
    )  # fmt: skip
    end = out[0][-1]
    return out[0], out[1][:end], out[2][:end]


@functools.cache
def _matmat_works(routine: Callable[..., None]) -> bool:
    """Say whether scipy's private ``csr_matmat`` takes the arguments :func:`_csr_product` gives.

    Checked once, on a 2 x 2 product against scipy's public one: a scipy that changed the
    routine's arguments or meaning gets the public product instead of an error or a wrong sum.
    """
    a = sp.csr_matrix(np.array([[1.0, 2.0], [0.0, 3.0]]))
    b = sp.csr_matrix(np.array([[0.0, 4.0], [5.0, 6.0]]))
    out = np.empty(3, np.int32), np.empty(4, np.int32), np.empty(4, np.float64)
    try:
        routine(2, 2, a.indptr, a.indices, a.data, b.indptr, b.indices, b.data, *out)
    except Exception:  # noqa: BLE001 - any failure means: do not use it
        return False
    got = sp.csr_matrix((out[2][: out[0][-1]], out[1][: out[0][-1]], out[0]), shape=(2, 2))
    return bool(np.array_equal(got.toarray(), (a @ b).toarray()))


def _rows_csr(matrix: sp.csr_matrix, rows: np.ndarray) -> tuple[np.ndarray, ...]:
    """Return the CSR arrays (``indptr`` from 0) of the matrix's rows at ``rows`` (-1: empty).

    Consecutive rows (every customer, a block at a time) are views of the matrix's arrays.
    """
    if len(rows) and rows[0] >= 0 and bool((np.diff(rows) == 1).all()):
        first, last = matrix.indptr[rows[0]], matrix.indptr[rows[-1] + 1]
        indptr = matrix.indptr[rows[0] : rows[-1] + 2] - first
        return indptr, matrix.indices[first:last], matrix.data[first:last]
    picked = _known_rows(matrix, rows)
    return picked.indptr, picked.indices, picked.data


def _with_purchases(
    indptr: np.ndarray, indices: np.ndarray, data: np.ndarray, n_products: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Append to each row a 1 in column ``n_products + j`` for each of its columns ``j``.

    Multiplied by ``other`` stacked over ``-inf`` times the identity
    (:func:`_minus_infinity_below`), the row gets its product with ``other`` with its own
    columns at ``-inf``: the purchases removed inside the product, after the same sums (their
    entries come last in the row).
    """
    lengths = np.diff(indptr)
    first = np.arange(len(indices)) + np.repeat(indptr[:-1], lengths)
    second = first + np.repeat(lengths, lengths)
    out_indices = np.empty(2 * len(indices), indices.dtype)
    out_data = np.empty(2 * len(indices), np.float64)
    out_indices[first], out_indices[second] = indices, indices + n_products
    out_data[first], out_data[second] = data, 1.0
    return 2 * indptr, out_indices, out_data


def _minus_infinity_below(matrix: sp.csr_matrix) -> sp.csr_matrix:
    """Stack ``-inf`` times the identity under a square CSR matrix (see :func:`_with_purchases`)."""
    n = matrix.shape[0]
    indptr = np.concatenate([matrix.indptr, matrix.nnz + np.arange(1, n + 1)])
    indices = np.concatenate([matrix.indices, np.arange(n)])
    data = np.concatenate([matrix.data, np.full(n, -np.inf)])
    return sp.csr_matrix((data, indices, indptr), shape=(2 * n, n))


def _neighbours(unit: sp.csr_matrix, n: int) -> sp.csr_matrix:
    """Keep the ``n`` most similar other rows of each row of a row-normalised matrix (cosine).

    Computed a block of rows at a time (a dense block of similarities, then :func:`top_k`),
    so memory stays at ``BLOCK_ROWS x n_rows`` floats; a row is never its own neighbour.
    """
    found_r, found_c, found_v = [], [], []
    for start in range(0, unit.shape[0], BLOCK_ROWS):
        block = (unit[start : start + BLOCK_ROWS] @ unit.T).toarray()
        block[np.arange(len(block)), np.arange(start, start + len(block))] = 0.0
        r, c, v = top_k(block, n)
        found_r.append(r + start)
        found_c.append(c)
        found_v.append(v)
    data = (np.concatenate(found_v), (np.concatenate(found_r), np.concatenate(found_c)))
    return sp.csr_matrix(data, shape=(unit.shape[0], unit.shape[0]))


def recommendation_frame(
    data: Interactions,
    ids: pd.Index,
    rows: list[np.ndarray],
    columns: list[np.ndarray],
    scores: list[np.ndarray],
) -> pd.DataFrame:
    """Put ranked blocks of recommendations into the long frame every recommender returns.

    Parameters
    ----------
    data : Interactions
        The fitted matrix (its column names and products).
    ids : pandas.Index
        The customers, in the order of the rows.
    rows, columns, scores : list of numpy.ndarray
        Per block, what :func:`top_k` returned, the rows already offset to ``ids``.

    Returns
    -------
    pandas.DataFrame
        The customer, ``rank`` (1..k), the product and ``score``
        (:data:`RECOMMENDATION_COLUMNS` under the matrix's names).
    """
    r, c, v = (np.concatenate(x) if x else np.array([], int) for x in (rows, columns, scores))
    rank = np.arange(len(r)) - np.searchsorted(r, r) + 1
    return pd.DataFrame(
        {
            data.customer_col: ids.to_numpy()[r],
            "rank": rank.astype("int64"),
            data.product_col: data.products.to_numpy()[c],
            "score": v.astype(float),
        }
    )


def recommendation_cells(
    data: Interactions, recommendations: pd.DataFrame, *, allow_empty: bool = False
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Check recommendations against the fitted matrix and find their rows and columns.

    Shared by the recommenders' ``explain``.

    Parameters
    ----------
    data : Interactions
        The fitted matrix.
    recommendations : pandas.DataFrame
        At least the customer and product columns, named as in the matrix.
    allow_empty : bool, default False
        Accept a table without rows.

    Returns
    -------
    recommendations, rows, columns
        The table with a fresh index, and each row's matrix row and column.

    Raises
    ------
    ValueError
        If a column is missing, or a customer or product is not in the matrix.
    """
    customer, product = data.customer_col, data.product_col
    require_columns(
        recommendations, [customer, product], "recommendations", allow_empty=allow_empty
    )
    recs = recommendations.reset_index(drop=True)
    rows = data.rows(recs[customer])
    cols = data.products.get_indexer(recs[product].astype(str))
    bad = pd.Series((rows < 0) | (cols < 0), index=recs.index)
    column_rule(
        recs, bad, "recommendations", f"{customer}/{product}", "a customer and product "
        "of the fitted matrix",
    )  # fmt: skip
    return recs, rows, cols


def explanation_frame(recs: pd.DataFrame, parts: pd.DataFrame, n: int | None) -> pd.DataFrame:
    """Put the contributions behind recommendations next to them: shares, order, top ``n``.

    Parameters
    ----------
    recs : pandas.DataFrame
        The recommendations (from :func:`recommendation_cells`).
    parts : pandas.DataFrame
        One row per contribution: ``_rec`` (the row of ``recs``), ``because_of``,
        ``contribution`` and any other columns to show.
    n : int, optional
        Keep the ``n`` largest contributions per recommendation; None keeps them all.

    Returns
    -------
    pandas.DataFrame
        The recommendation's columns, then the parts' (``_rec`` dropped) and ``share`` (of
        the recommendation's score); sorted like ``recs``, then by contribution (largest
        first) and product id.
    """
    total = parts.groupby("_rec")["contribution"].transform("sum")
    out = parts.assign(share=parts["contribution"] / total).sort_values(
        ["_rec", "contribution", "because_of"], ascending=[True, False, True], kind="stable"
    )
    if n is not None:
        out = out[out.groupby("_rec").cumcount() < n]
    merged = recs.iloc[out["_rec"].to_numpy()].reset_index(drop=True)
    return pd.concat([merged, out.drop(columns="_rec").reset_index(drop=True)], axis=1)


def _known_rows(matrix: sp.csr_matrix, rows: np.ndarray) -> sp.csr_matrix:
    """Return the matrix's rows at ``rows``; an unknown customer (-1) gets an empty row."""
    known = rows >= 0
    picked = sp.csr_matrix(matrix[np.where(known, rows, 0)])
    if not known.all():
        picked.data[np.repeat(~known, np.diff(picked.indptr))] = 0
        picked.eliminate_zeros()
    return picked


def check_k(k: object) -> int:
    """Check a list length ``k`` (products per customer) and return it as an int.

    Shared by the recommenders and :mod:`helpers.recommend_eval`.

    Parameters
    ----------
    k : int
        Products per customer.

    Returns
    -------
    int

    Raises
    ------
    ValueError
        If ``k`` is not a whole number >= 1 (a bool is not).
    """
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 1:
        raise ValueError(f"k must be a whole number >= 1 (products per customer), got {k!r}")
    return int(k)


class Recommender:
    """The interface of every recommender: ``fit(interactions)``, then ``recommend``.

    Subclasses implement ``_fit()`` and ``_score(rows, ids)``: the dense scores (one row per
    customer, one column per product) of customers at matrix rows ``rows`` (-1: unknown).
    One with a faster way to rank a block of customers overrides ``_block_ranker`` (item CF:
    sparse scores); one whose ranking may run in threads sets ``n_threads`` (default 1).
    """

    interactions_: Interactions
    #: Threads that rank blocks of customers at once in :meth:`recommend` (None: every core).
    n_threads: int | None = 1

    def fit(self, interactions: Interactions) -> Recommender:
        """Learn from an interaction matrix.

        Parameters
        ----------
        interactions : Interactions
            From :func:`interaction_matrix`.

        Returns
        -------
        Recommender
            ``self``, fitted.
        """
        if not isinstance(interactions, Interactions):
            raise ValueError(
                f"fit takes an Interactions (from interaction_matrix); "
                f"got {type(interactions).__name__}"
            )
        if interactions.matrix.nnz == 0:
            raise ValueError("interactions: the matrix has no purchases; nothing to learn from")
        self.interactions_ = interactions
        self._fit()
        return self

    def _fit(self) -> None:  # pragma: no cover - overridden
        pass

    def _score(self, rows: np.ndarray, ids: pd.Index) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError

    def _similar(self, columns: np.ndarray) -> np.ndarray:
        """Similarity of the products at matrix columns ``columns`` to every product.

        A recommender with item similarities or item vectors overrides this (one dense row
        per product asked, one column per product of the matrix; larger is more similar).
        """
        raise ValueError(
            f"{type(self).__name__} has no similarity between products: similar_products needs "
            "a recommender with item vectors or similarities (e.g. ItemCF)"
        )

    def similar_products(self, products: Iterable | str, k: int = 10) -> pd.DataFrame:
        """List the ``k`` products most similar to each given product.

        Parameters
        ----------
        products : str or iterable
            Product ids of the fitted matrix.
        k : int, default 10
            Similar products per product (fewer when fewer have a positive similarity).

        Returns
        -------
        pandas.DataFrame
            Columns: the product (named as in the fitted matrix), ``rank`` (1..k),
            ``similar`` (the similar product) and ``similarity``; a product is never similar
            to itself. Products in the order given, then by rank (equal similarities by
            product id).

        Raises
        ------
        ValueError
            For a product the matrix does not hold (naming it), or a recommender without
            item similarities.
        """
        k = check_k(k)
        data = self._fitted()
        asked = pd.Index([products] if isinstance(products, str) else list(products)).astype(str)
        columns = data.products.get_indexer(asked)
        if (columns < 0).any():
            missing = asked[columns < 0][0]
            raise ValueError(
                f"products: {missing!r} is not a product of the fitted matrix "
                f"({len(data.products):,} products, e.g. {data.products[0]!r})"
            )
        found_r, found_c, found_v = [], [], []
        for start in range(0, len(columns), BLOCK_ROWS):
            block = columns[start : start + BLOCK_ROWS]
            scores = np.asarray(self._similar(block), dtype=float).copy()
            scores[np.arange(len(block)), block] = -np.inf  # never similar to itself
            r, c, v = top_k(scores, k)
            found_r.append(r + start)
            found_c.append(c)
            found_v.append(v)
        r, c, v = (np.concatenate(x) for x in (found_r, found_c, found_v))
        rank = np.arange(len(r)) - np.searchsorted(r, r) + 1
        return pd.DataFrame(
            {
                data.product_col: asked.to_numpy()[r],
                "rank": rank.astype("int64"),
                "similar": data.products.to_numpy()[c],
                "similarity": v.astype(float),
            }
        )

    def _fitted(self) -> Interactions:
        if not hasattr(self, "interactions_"):
            raise ValueError(f"{type(self).__name__} is not fitted yet: call fit(interactions)")
        return self.interactions_

    def _customers(self, customers: Iterable | None) -> pd.Index:
        data = self._fitted()
        if customers is None:
            return data.customers
        if isinstance(customers, str):
            customers = [customers]
        ids = pd.Index(list(customers))
        if ids.hasnans:
            raise ValueError("customers: a customer id is missing (NaN/None)")
        ids = ids.astype(str)
        if ids.has_duplicates:
            raise ValueError(
                f"customers: each id once; {ids[ids.duplicated()][0]!r} is given twice"
            )
        return ids

    def score(self, customers: Iterable | None = None) -> pd.DataFrame:
        """Every product's score for some customers, as a dense frame (for small numbers).

        Parameters
        ----------
        customers : iterable, optional
            Customer ids; default every customer of the matrix.

        Returns
        -------
        pandas.DataFrame
            One row per customer (the index named as the matrix's customers), one column per
            product.
        """
        data = self._fitted()
        ids = self._customers(customers)
        scores = self._score(data.rows(ids), ids)
        return pd.DataFrame(scores, index=ids.rename(data.customer_col), columns=data.products)

    def recommend(
        self,
        customers: Iterable | None = None,
        k: int = 10,
        exclude_purchased: bool = True,
    ) -> pd.DataFrame:
        """Recommend the top ``k`` products of each customer.

        Parameters
        ----------
        customers : iterable, optional
            Customer ids; default every customer of the matrix. An id not in the matrix is a
            new customer: only methods that need no history (popularity, the hybrid's
            fallback) recommend to them.
        k : int, default 10
            Products per customer (fewer when a customer has fewer candidates: products with a
            positive score, not already bought).
        exclude_purchased : bool, default True
            Leave out products the customer already bought (in the fitted matrix).

        Returns
        -------
        pandas.DataFrame
            Columns: the customer, ``rank`` (1..k), the product and ``score``
            (:data:`RECOMMENDATION_COLUMNS` by default): the customer and product columns are
            named as in the order lines the matrix was built from
            (:attr:`Interactions.customer_col`, :attr:`Interactions.product_col`). Customers
            in the order given, then by rank (best first; equal scores by product id).
        """
        k = check_k(k)
        data = self._fitted()
        ids = self._customers(customers)
        rows = np.arange(len(ids)) if customers is None else data.rows(ids)
        threads = _threads(self.n_threads)
        size = (
            BLOCK_ROWS
            if threads == 1
            else min(BLOCK_ROWS, -(-len(ids) // (BLOCKS_PER_THREAD * threads)))
        )
        rank = self._block_ranker(k, exclude_purchased)

        def block(start: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
            r, c, v = rank(rows[start : start + size], ids[start : start + size])
            return r + start, c, v

        starts = range(0, len(ids), max(size, 1))
        if threads > 1 and len(starts) > 1:
            with ThreadPoolExecutor(min(threads, len(starts))) as pool:
                found = list(pool.map(block, starts))
        else:
            found = [block(start) for start in starts]
        return recommendation_frame(data, ids, *([f[i] for f in found] for i in range(3)))

    def _block_ranker(
        self, k: int, exclude_purchased: bool
    ) -> Callable[[np.ndarray, pd.Index], tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """Return the function that ranks a block of customers (matrix rows, ids): top_k.

        Called once per :meth:`recommend`; the function it returns runs once per block (in
        threads when ``n_threads`` > 1): it must not change the recommender.
        """
        matrix = self.interactions_.matrix

        def rank(rows: np.ndarray, ids: pd.Index) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
            scores = np.asarray(self._score(rows, ids), dtype=float)
            if exclude_purchased:
                known = np.flatnonzero(rows >= 0)
                bought = matrix[rows[known]].tocoo()
                scores[known[bought.row], bought.col] = -np.inf
            return top_k(scores, k)

        return rank


def _threads(n_threads: object) -> int:
    """Check ``n_threads`` (a whole number >= 1, or None for every core) and resolve it."""
    if n_threads is None:
        return os.cpu_count() or 1
    if isinstance(n_threads, bool) or not isinstance(n_threads, int | np.integer) or n_threads < 1:
        raise ValueError(
            f"n_threads must be a whole number >= 1, or None for every core; got {n_threads!r}"
        )
    return int(n_threads)


# --- the recommenders --------------------------------------------------------------------------


class PopularityRecommender(Recommender):
    """Recommend the products most customers bought, overall or within each segment.

    Parameters
    ----------
    segments : pandas.Series, optional
        A label per customer id (e.g. RFM segments). A customer's scores are the number of
        customers of their segment who bought each product; customers without a label get
        the overall counts.

    Attributes
    ----------
    popularity_ : pandas.Series
        Customers who bought each product, overall.
    segment_popularity_ : pandas.DataFrame or None
        The same per segment (one row per segment).
    """

    def __init__(self, segments: pd.Series | None = None) -> None:
        self.segments = segments

    def _fit(self) -> None:
        data = self.interactions_
        bought = (data.matrix > 0).astype(float)
        counts = np.asarray(bought.sum(axis=0)).ravel()
        self.popularity_ = pd.Series(counts, index=data.products, name="customers")
        self.segment_popularity_ = None
        if self.segments is not None:
            if not isinstance(self.segments, pd.Series):
                raise ValueError(
                    f"segments must be a Series of labels indexed by customer id, "
                    f"got {type(self.segments).__name__}"
                )
            labels = self.segments.copy()
            labels.index = labels.index.astype(str)
            if labels.index.has_duplicates:
                dup = labels.index[labels.index.duplicated()][0]
                raise ValueError(f"segments: one label per customer; {dup!r} has several")
            row_labels = labels.reindex(data.customers)
            codes, names = pd.factorize(row_labels)
            member = sp.csr_matrix(
                (np.ones((codes >= 0).sum()), (codes[codes >= 0], np.flatnonzero(codes >= 0))),
                shape=(len(names), len(data.customers)),
            )
            self.segment_popularity_ = pd.DataFrame(
                (member @ bought).toarray(), index=pd.Index(names, name="segment"),
                columns=data.products,
            )  # fmt: skip
            self._labels = labels

    def _score(self, rows: np.ndarray, ids: pd.Index) -> np.ndarray:
        scores = np.tile(self.popularity_.to_numpy(), (len(ids), 1))
        if self.segment_popularity_ is not None:
            where = self.segment_popularity_.index.get_indexer(self._labels.reindex(ids))
            has = where >= 0
            scores[has] = self.segment_popularity_.to_numpy()[where[has]]
        return scores


class ItemCF(Recommender):
    """Item-based collaborative filtering: products similar to what the customer bought.

    :meth:`recommend` scores a block of customers with one sparse product (purchases times
    similarities), with the purchased products set to ``-inf`` inside it when they are
    excluded, and ranks the block without making it dense (:func:`top_k_sparse`). Blocks run
    in ``n_threads`` threads (scipy's product and numpy's sorts release the GIL); each
    customer's scores and ranking are the same whatever the threads and blocks.

    Parameters
    ----------
    n_neighbours : int, default 50
        Most similar products kept per product (the rest of its row of similarities is
        dropped, which keeps the matrix sparse and the scores focused).
    n_threads : int, optional
        Threads of :meth:`recommend`; default every core (:func:`os.cpu_count`). 1 runs
        without threads. The recommendations do not depend on it.

    Attributes
    ----------
    similarity_ : scipy.sparse.csr_matrix
        ``n_products x n_products``: row ``i`` holds product ``i``'s kept neighbours ``j`` and
        their cosine similarity (the diagonal is zero).
    """

    def __init__(self, n_neighbours: int = 50, n_threads: int | None = None) -> None:
        self.n_neighbours = n_neighbours
        self.n_threads = n_threads

    def _fit(self) -> None:
        check_k(self.n_neighbours)
        _threads(self.n_threads)
        columns = _row_normalise(self.interactions_.matrix.T.tocsr())
        self.similarity_ = _neighbours(columns, self.n_neighbours)

    def _score(self, rows: np.ndarray, ids: pd.Index) -> np.ndarray:
        return self._score_sparse(rows).toarray()

    def _score_sparse(self, rows: np.ndarray) -> sp.csr_matrix:
        """Return the scores as a sparse matrix: the neighbours of the customer's products."""
        product = _csr_product(*_rows_csr(self.interactions_.matrix, rows), self.similarity_)
        return sp.csr_matrix(product[::-1], shape=(len(rows), self.similarity_.shape[1]))

    def _block_ranker(
        self, k: int, exclude_purchased: bool
    ) -> Callable[[np.ndarray, pd.Index], tuple[np.ndarray, np.ndarray, np.ndarray]]:
        matrix, similarity = self.interactions_.matrix, self.similarity_
        if exclude_purchased:
            similarity = _minus_infinity_below(similarity)

        def rank(rows: np.ndarray, ids: pd.Index) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
            block = _rows_csr(matrix, rows)
            if exclude_purchased:
                block = _with_purchases(*block, matrix.shape[1])
            return _top_k_csr(*_csr_product(*block, similarity), k)

        return rank

    def _similar(self, columns: np.ndarray) -> np.ndarray:
        return self.similarity_[columns].toarray()

    def explain(self, recommendations: pd.DataFrame, n: int | None = 3) -> pd.DataFrame:
        """List the purchased products behind each recommendation, with their contributions.

        Parameters
        ----------
        recommendations : pandas.DataFrame
            The output of :meth:`recommend` (at least its customer and product columns, named
            as in the fitted matrix).
        n : int, optional
            Keep the ``n`` largest contributions per recommendation; None keeps them all.

        Returns
        -------
        pandas.DataFrame
            One row per (recommendation, purchased product behind it): the recommendation's
            columns, ``because_of`` (a product the customer bought), ``similarity`` (cosine of
            the two products), ``contribution`` (interaction value x similarity) and ``share``
            (of the recommendation's score). Sorted like ``recommendations``, then by
            contribution (largest first) and product id.
        """
        data = self._fitted()
        recs, rows, cols = recommendation_cells(data, recommendations)
        bought = data.matrix[rows]
        pairs = bought.multiply(self.similarity_.T.tocsr()[cols]).tocoo()
        value = np.asarray(bought[pairs.row, pairs.col]).ravel()
        out = pd.DataFrame(
            {
                "_rec": pairs.row,
                "because_of": data.products.to_numpy()[pairs.col],
                "similarity": pairs.data / value,
                "contribution": pairs.data,
            }
        )
        return explanation_frame(recs, out, n)


class UserCF(Recommender):
    """User-based collaborative filtering: what the most similar customers bought.

    Parameters
    ----------
    n_neighbours : int, default 50
        Nearest customers (by cosine over their product rows) who vote for a customer.

    Attributes
    ----------
    neighbours_ : scipy.sparse.csr_matrix
        ``n_customers x n_customers``: row ``u`` holds ``u``'s neighbours and similarities.
    """

    def __init__(self, n_neighbours: int = 50) -> None:
        self.n_neighbours = n_neighbours

    def _fit(self) -> None:
        check_k(self.n_neighbours)
        unit = _row_normalise(self.interactions_.matrix)
        self.neighbours_ = _neighbours(unit, self.n_neighbours)

    def _score(self, rows: np.ndarray, ids: pd.Index) -> np.ndarray:
        known = rows >= 0
        scores = np.zeros((len(rows), self.interactions_.shape[1]))
        if known.any():
            scores[known] = (self.neighbours_[rows[known]] @ self.interactions_.matrix).toarray()
        return scores


class ContentRecommender(Recommender):
    """Content-based: products whose words are like the words of what the customer bought.

    Parameters
    ----------
    products : pandas.DataFrame
        One row per product: its id, description and, when present, category
        (made one token, ``category_home_decor``, so that it is not confused with a word of
        a description). Products of the matrix without a row have no words and score 0.
    min_df : int, default 1
        Words in fewer products are ignored.
    product_col, description_col, category_col : str
        Column names in ``products`` (old names ``product_id``, ``description``,
        ``category``, with a FutureWarning).

    Attributes
    ----------
    features_ : scipy.sparse.csr_matrix
        ``n_products x n_words``: the TF-IDF vector of each product (unit length).
    vocabulary_ : list of str
        The words.
    """

    @renamed_arguments(
        product_id="product_col", description="description_col", category="category_col"
    )
    def __init__(
        self,
        products: pd.DataFrame,
        *,
        min_df: int = 1,
        product_col: str = s.PRODUCT_ID,
        description_col: str = s.DESCRIPTION,
        category_col: str = s.CATEGORY,
    ) -> None:
        self.products = products
        self.min_df = min_df
        self.product_col = product_col
        self.description_col = description_col
        self.category_col = category_col

    def _fit(self) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer

        table = self.products
        require_columns(table, [self.product_col, self.description_col], "products")
        text = table[self.description_col].fillna("").astype(str)
        if self.category_col in table.columns:
            token = table[self.category_col].fillna("").astype(str).str.lower()
            text = text + " category_" + token.str.replace(r"\W+", "_", regex=True)
        words = pd.Series(text.to_numpy(), index=table[self.product_col].astype(str))
        words = words[~words.index.duplicated()].reindex(self.interactions_.products, fill_value="")
        vectorizer = TfidfVectorizer(min_df=self.min_df, token_pattern=r"(?u)\b[\w-]{2,}\b")
        self.features_ = vectorizer.fit_transform(words.to_numpy()).tocsr()
        self.vocabulary_ = list(vectorizer.get_feature_names_out())

    def _score(self, rows: np.ndarray, ids: pd.Index) -> np.ndarray:
        known = rows >= 0
        scores = np.zeros((len(rows), self.features_.shape[0]))
        if known.any():
            profile = _row_normalise(self.interactions_.matrix[rows[known]] @ self.features_)
            scores[known] = (profile @ self.features_.T).toarray()
        return scores


class HybridRecommender(Recommender):
    """A weighted blend of recommenders, with a fallback for customers without history.

    Each component's scores are divided by the customer's largest score (so each lies in
    [0, 1]) and summed with the weights. A customer the matrix does not know, or whose scores
    are all zero, gets the fallback's scores instead.

    Parameters
    ----------
    components : mapping of str to (Recommender, float)
        ``{name: (recommender, weight)}``, weights > 0. They are fitted on the same matrix.
    fallback : Recommender, optional
        Default :class:`PopularityRecommender` (overall).
    """

    def __init__(
        self,
        components: Mapping[str, tuple[Recommender, float]],
        fallback: Recommender | None = None,
    ) -> None:
        self.components = components
        self.fallback = fallback

    def _fit(self) -> None:
        if not self.components:
            raise ValueError("components: give at least one (recommender, weight)")
        for name, (model, weight) in self.components.items():
            check_numbers(f"weight of {name!r}", weight, "> 0", lambda w: w > 0)
            model.fit(self.interactions_)
        self.fallback_ = (self.fallback or PopularityRecommender()).fit(self.interactions_)

    def _score(self, rows: np.ndarray, ids: pd.Index) -> np.ndarray:
        total = np.zeros((len(rows), self.interactions_.shape[1]))
        for model, weight in self.components.values():
            scores = model._score(rows, ids)
            top = scores.max(axis=1, keepdims=True)
            total += weight * np.divide(scores, top, out=np.zeros_like(scores), where=top > 0)
        cold = ~(total > 0).any(axis=1)
        if cold.any():
            total[cold] = self.fallback_._score(rows[cold], ids[cold])
        return total

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

Scoring is vectorised: the scores of a block of customers are one sparse matrix product; the
top ``k`` of every row are picked with ``numpy.argpartition``. Only products with a positive
score are candidates, so a customer can get fewer than ``k`` rows (item CF cannot score a
customer whose products have no neighbours, and no method but popularity and the hybrid can
score a customer it has never seen). Scores are rounded to 10 decimals before ranking, so that
sums that differ only by floating-point order tie, and ties are broken by product id.
Evaluation lives in :mod:`helpers.recommend_eval`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd
import scipy.sparse as sp

from helpers import schema as s
from helpers.checks import check_numbers, column_rule, require_columns
from helpers.deprecation import renamed_arguments
from helpers.interactions import Interactions, interaction_matrix

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

_DECIMALS = 10
#: top_k_sparse cuts a long row into this many times k parts to bound its k-th largest score.
SPARSE_PARTS = 8
#: A recommender with sparse scores (item CF) ranks a block densely when it holds at least
#: this share of its cells (a dense block is then faster than the sparse one).
DENSE_SHARE = 0.2


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
    order = np.lexsort((c, -v, r))
    r, c, v = r[order], c[order], v[order]
    rank = np.arange(len(r)) - np.searchsorted(r, r)
    keep = rank < k
    return r[keep], c[keep], v[keep]


def top_k_sparse(scores: sp.csr_matrix, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return what :func:`top_k` returns, for a sparse block of scores (absent = no candidate).

    The same ranking (scores rounded to ``_DECIMALS`` decimals, ties by the lower column,
    only positive scores) without making the block dense: each row with more than ``k``
    scores is cut into ``k`` parts, and only its scores at or above the smallest of the
    parts' maxima (a lower bound of its ``k``-th largest) are sorted.

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
    n = scores.shape[0]
    data, columns, starts = scores.data, scores.indices, scores.indptr
    lengths = np.diff(starts)
    row = np.repeat(np.arange(n), lengths)
    floor = 0.5 * 10.0**-_DECIMALS
    bound = np.full(n, -np.inf)
    cuts = SPARSE_PARTS * k
    long = np.flatnonzero(lengths > cuts)
    if long.size:
        # the parts of each long row and, to close its last part, the row's end (its
        # reduction, over the gap to the next long row, is dropped); the k-th largest of the
        # parts' maxima is at most the row's k-th largest
        parts = starts[long, None] + (np.arange(cuts)[None, :] * lengths[long, None]) // cuts
        edges = np.concatenate([parts, starts[long + 1, None]], axis=1).ravel()
        maxima = np.maximum.reduceat(np.append(data, -np.inf), edges)
        maxima = maxima.reshape(len(long), cuts + 1)[:, :cuts]
        bound[long] = np.partition(maxima, cuts - k, axis=1)[:, cuts - k]
    keep = data >= np.maximum(bound[row] - 1e-9, floor)
    return _ranked(row[keep], columns[keep], data[keep], k)


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
    """

    interactions_: Interactions

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
        rows = data.rows(ids)
        found_r, found_c, found_v = [], [], []
        sparse = hasattr(self, "_score_sparse")
        for start in range(0, len(ids), BLOCK_ROWS):
            block = rows[start : start + BLOCK_ROWS]
            scores = self._score_sparse(block) if sparse else None
            if scores is not None and scores.nnz < DENSE_SHARE * np.prod(scores.shape):
                # scores that are mostly absent: ranked without a dense block
                if exclude_purchased:
                    bought = _known_rows(data.matrix, block)
                    scores = scores - scores.multiply(bought.astype(bool))
                r, c, v = top_k_sparse(scores, k)
            else:
                scores = np.asarray(
                    scores.toarray()
                    if scores is not None
                    else self._score(block, ids[start : start + BLOCK_ROWS]),
                    dtype=float,
                )
                if exclude_purchased:
                    known = np.flatnonzero(block >= 0)
                    bought = data.matrix[block[known]].tocoo()
                    scores[known[bought.row], bought.col] = -np.inf
                r, c, v = top_k(scores, k)
            found_r.append(r + start)
            found_c.append(c)
            found_v.append(v)
        return recommendation_frame(data, ids, found_r, found_c, found_v)


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

    Parameters
    ----------
    n_neighbours : int, default 50
        Most similar products kept per product (the rest of its row of similarities is
        dropped, which keeps the matrix sparse and the scores focused).

    Attributes
    ----------
    similarity_ : scipy.sparse.csr_matrix
        ``n_products x n_products``: row ``i`` holds product ``i``'s kept neighbours ``j`` and
        their cosine similarity (the diagonal is zero).
    """

    def __init__(self, n_neighbours: int = 50) -> None:
        self.n_neighbours = n_neighbours

    def _fit(self) -> None:
        check_k(self.n_neighbours)
        columns = _row_normalise(self.interactions_.matrix.T.tocsr())
        self.similarity_ = _neighbours(columns, self.n_neighbours)

    def _score(self, rows: np.ndarray, ids: pd.Index) -> np.ndarray:
        return self._score_sparse(rows).toarray()

    def _score_sparse(self, rows: np.ndarray) -> sp.csr_matrix:
        """Return the scores as a sparse matrix: the neighbours of the customer's products."""
        return sp.csr_matrix(_known_rows(self.interactions_.matrix, rows) @ self.similarity_)

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

"""SAR (Smart Adaptive Recommendations): item co-occurrence similarities and decayed affinities.

SAR, as in Microsoft's *recommenders* library [1]_ [2]_, scores a customer's products in
three steps:

1. **Co-occurrence.** With ``B`` the binary customer x product matrix (1 where the customer
   bought the product, however often), ``C = B^T B``: ``c_ij`` is the number of customers who
   bought both ``i`` and ``j`` (a customer counts once per pair), ``c_ii`` the number who
   bought ``i``. Counts below ``threshold`` are set to 0 (a pair seen by one customer is weak
   evidence), the diagonal included (:func:`cooccurrence_matrix`).
2. **Item similarity** from ``C`` (:func:`item_similarity`), for ``c_ij > 0``:

   - ``"cooccurrence"``: ``c_ij`` (favours popular products);
   - ``"jaccard"``: ``c_ij / (c_ii + c_jj - c_ij)``, the share of the customers of either
     product who bought both;
   - ``"lift"``: ``c_ij / (c_ii c_jj)`` (favours rare products, serendipity);
   - ``"cosine"``: ``c_ij / sqrt(c_ii c_jj)``;
   - ``"inclusion"``: ``c_ij / min(c_ii, c_jj)`` (inclusion index).

   All are symmetric; the diagonal is kept (``1`` for Jaccard, cosine and inclusion).
3. **Affinities and scores.** A customer's affinity to a product sums its purchases (the
   invoices holding it), each weighted by ``w_k`` and decayed by its age before the analysis
   date ``T``: ``a_uj = sum_k w_k 2^(-(T - t_k) / half_life)`` (:func:`decayed_affinities`);
   the scores are ``S = A @ similarity``: ``s_uj = sum_i a_ui sim_ij``. Without a half-life
   and without order lines, the affinities are the interaction matrix's values.

Note that the matrix of :func:`helpers.interactions.interaction_matrix` with
``value="count"``, ``half_life_days=h`` and ``as_of=T`` already holds ``sum_k 2^(-(T - t_k)
/ h)`` per cell (``w_k = 1``): a :class:`SARRecommender` fitted on it without order lines has
the decayed affinities of SAR (useful inside :class:`helpers.recommend.HybridRecommender`,
which fits its components on the matrix alone).

:class:`SARRecommender` follows :class:`helpers.recommend.Recommender` (``recommend``,
``score``, ``similar_products``) and has :meth:`SARRecommender.explain`, like
:class:`helpers.recommend.ItemCF`.

References
----------
.. [1] Microsoft, *Recommenders*: SAR (Simple Algorithm for Recommendation), "SAR Single Node
   on MovieLens" deep dive, https://github.com/recommenders-team/recommenders/blob/main/
   examples/02_model_collaborative_filtering/sar_deep_dive.ipynb, and the API documentation
   of ``recommenders.models.sar.SARSingleNode``,
   https://recommenders-team.github.io/recommenders/models.html.
.. [2] Microsoft, *Product Recommendations*: the SAR algorithm,
   https://github.com/microsoft/Product-Recommendations/blob/master/doc/sar.md.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp

from helpers import schema as s
from helpers.checks import column_rule, require_columns
from helpers.dates import to_timestamp
from helpers.interactions import Interactions
from helpers.recommend import Recommender, explanation_frame, recommendation_cells

__all__ = [
    "SIMILARITY_TYPES",
    "SARRecommender",
    "cooccurrence_matrix",
    "decayed_affinities",
    "item_similarity",
]

#: The item similarities SAR can derive from co-occurrence counts.
SIMILARITY_TYPES: tuple[str, ...] = ("cooccurrence", "jaccard", "lift", "cosine", "inclusion")

#: The similarity is kept dense for scoring when it has at most this many cells (a sparse
#: block of affinities times a dense matrix was 2.4x faster than sparse x sparse on Online
#: Retail, whose co-occurrences are dense: 61% of its product pairs); 20M cells = 160 MB.
DENSE_CELLS = 20_000_000

_DAY_SECONDS = 86_400.0


# --- checks ------------------------------------------------------------------------------------


def _check_similarity_type(similarity_type: object) -> str:
    if similarity_type not in SIMILARITY_TYPES:
        raise ValueError(
            f"similarity_type must be one of {', '.join(map(repr, SIMILARITY_TYPES))}; "
            f"got {similarity_type!r}"
        )
    return str(similarity_type)


def _check_threshold(threshold: object) -> int:
    ok = isinstance(threshold, int | np.integer) and not isinstance(threshold, bool)
    if not ok or threshold < 1:
        raise ValueError(
            "threshold must be a whole number >= 1 (co-occurrences below it count as 0, "
            f"e.g. 2 ignores pairs bought together by one customer only); got {threshold!r}"
        )
    return int(threshold)


def _check_half_life(half_life_days: object, name: str) -> float | None:
    if half_life_days is None:
        return None
    number = isinstance(half_life_days, int | float | np.integer | np.floating)
    if not number or isinstance(half_life_days, bool) or not 0 < half_life_days < np.inf:
        raise ValueError(
            f"{name} must be a number of days > 0 (or None: no decay), e.g. 30; "
            f"got {half_life_days!r}"
        )
    return float(half_life_days)


def _check_interactions(interactions: object) -> Interactions:
    if not isinstance(interactions, Interactions):
        raise ValueError(
            "interactions must be an Interactions (from interaction_matrix); "
            f"got {type(interactions).__name__}"
        )
    return interactions


# --- co-occurrence and similarity --------------------------------------------------------------


def cooccurrence_matrix(interactions: Interactions, threshold: int = 1) -> sp.csr_matrix:
    """Count the customers who bought each pair of products.

    Parameters
    ----------
    interactions : Interactions
        From :func:`helpers.interactions.interaction_matrix`; only which cells are positive
        matters (a customer counts once per pair, whatever the values).
    threshold : int, default 1
        Counts below it are set to 0, the diagonal's too (a product bought by fewer customers
        has no similarity to anything).

    Returns
    -------
    scipy.sparse.csr_matrix
        ``n_products x n_products``, symmetric, float: ``c_ij`` customers bought both ``i``
        and ``j``; ``c_ii`` customers bought ``i``. Zeros are not stored.

    Raises
    ------
    ValueError
        If ``interactions`` is not an :class:`Interactions` or ``threshold`` not a whole
        number >= 1.

    References
    ----------
    .. [1] Microsoft, *Recommenders*: SAR deep dive (item co-occurrence),
       https://github.com/recommenders-team/recommenders/blob/main/examples/
       02_model_collaborative_filtering/sar_deep_dive.ipynb.
    """
    data = _check_interactions(interactions)
    threshold = _check_threshold(threshold)
    bought = (data.matrix > 0).astype(np.float64).tocsr()
    counts = (bought.T.tocsr() @ bought).tocsr()
    if threshold > 1:
        counts.data[counts.data < threshold] = 0.0
    counts.eliminate_zeros()
    counts.sort_indices()
    return counts


def item_similarity(cooccurrence: sp.spmatrix, similarity_type: str = "jaccard") -> sp.csr_matrix:
    """Turn co-occurrence counts into an item similarity.

    Parameters
    ----------
    cooccurrence : scipy.sparse matrix
        Square and symmetric, from :func:`cooccurrence_matrix` (``c_ij`` on the cells,
        ``c_ii`` on the diagonal).
    similarity_type : {"cooccurrence", "jaccard", "lift", "cosine", "inclusion"}, default "jaccard"
        ``c_ij``; ``c_ij / (c_ii + c_jj - c_ij)``; ``c_ij / (c_ii c_jj)``;
        ``c_ij / sqrt(c_ii c_jj)``; ``c_ij / min(c_ii, c_jj)``.

    Returns
    -------
    scipy.sparse.csr_matrix
        Same shape and non-zero cells as ``cooccurrence``, symmetric.

    Raises
    ------
    ValueError
        If the type is unknown, or the matrix is not square or has a pair count above a
        product's own count (``c_ij > c_ii``: not a co-occurrence matrix).

    References
    ----------
    .. [1] Microsoft, *Recommenders*: ``SARSingleNode(similarity_type=...)``,
       https://recommenders-team.github.io/recommenders/models.html.
    """
    similarity_type = _check_similarity_type(similarity_type)
    counts = sp.csr_matrix(cooccurrence, dtype=float)  # no copy when already CSR float
    if counts.shape[0] != counts.shape[1]:
        raise ValueError(f"cooccurrence must be square; got shape {counts.shape}")
    if not counts.has_canonical_format:
        counts = counts.copy()
        counts.sum_duplicates()
    diagonal = counts.diagonal()
    row = np.repeat(np.arange(counts.shape[0]), np.diff(counts.indptr))
    c, di, dj = counts.data, diagonal[row], diagonal[counts.indices]
    over = c > np.minimum(di, dj)
    if over.any():
        k = int(np.flatnonzero(over)[0])
        raise ValueError(
            "cooccurrence: a pair count must not exceed either product's own count (the "
            f"diagonal); cell ({row[k]}, {counts.indices[k]}) is {c[k]:g} with diagonal "
            f"{di[k]:g} and {dj[k]:g}"
        )
    if similarity_type == "cooccurrence":
        values = c.copy()
    elif similarity_type == "jaccard":
        values = c / (di + dj - c)
    elif similarity_type == "lift":
        values = c / (di * dj)
    elif similarity_type == "cosine":
        values = c / np.sqrt(di * dj)
    else:  # inclusion
        values = c / np.minimum(di, dj)
    return sp.csr_matrix((values, counts.indices.copy(), counts.indptr.copy()), shape=counts.shape)


# --- affinities --------------------------------------------------------------------------------


def decayed_affinities(
    lines: pd.DataFrame,
    interactions: Interactions,
    *,
    half_life_days: float | None = None,
    as_of: str | pd.Timestamp | None = None,
    weight_col: str | None = None,
    invoice_col: str = s.INVOICE_ID,
    date_col: str = s.INVOICE_DATE,
) -> Interactions:
    """Sum each customer's purchases of each product, decayed by their age: SAR's affinities.

    ``a_uj = sum_k w_k 2^(-(T - t_k) / half_life_days)`` over the invoices ``k`` on which
    customer ``u`` bought product ``j`` (``t_k`` the invoice's date, ``T`` the analysis date,
    ages in fractional days): a purchase one half-life before ``T`` weighs half as much as one
    at ``T``. ``w_k`` is 1 per invoice, or the sum of ``weight_col`` over the invoice's lines of
    the product (e.g. the quantity or the amount).

    Parameters
    ----------
    lines : pandas.DataFrame
        Clean order lines: the same lines the interaction matrix was built from.
    interactions : Interactions
        The interaction matrix (:func:`helpers.interactions.interaction_matrix`); the
        affinities get its customer and product index, and the lines' customer and product
        columns are the ones it was built from (:attr:`Interactions.customer_col`,
        :attr:`Interactions.product_col`).
    half_life_days : float, optional
        The half-life of a purchase's weight in days; None: no decay (``a_uj = sum_k w_k``).
    as_of : str or pandas.Timestamp, optional
        The analysis date ``T``, exclusive: lines dated at or after it are left out, and ages
        are counted from it (the ``as_of`` the matrix was built with). Default: every line,
        ages counted from the last date of the lines (as
        :func:`~helpers.interactions.interaction_matrix` does).
    weight_col : str, optional
        A column of numbers >= 0 weighing each purchase; default each invoice weighs 1.
    invoice_col, date_col : str
        Column names (the date is needed with a half-life or ``as_of``).

    Returns
    -------
    Interactions
        The affinities (``value`` "count": a count of invoices, weighted and decayed), with
        the same ``customers`` and ``products`` as ``interactions`` and the same non-zero
        cells (unless a weight is 0).

    Raises
    ------
    ValueError
        If a column is missing, an id, date or weight is missing or bad, the half-life is not
        > 0, or the lines and the matrix do not hold the same purchases (a line's customer or
        product missing from the matrix, or a cell of the matrix without a line: build both
        from the same lines and ``as_of``).

    References
    ----------
    .. [1] Microsoft, *Recommenders*: SAR deep dive (user affinity, time decay),
       https://github.com/recommenders-team/recommenders/blob/main/examples/
       02_model_collaborative_filtering/sar_deep_dive.ipynb.

    Examples
    --------
    >>> from helpers.interactions import interaction_matrix
    >>> lines = pd.DataFrame({
    ...     "invoice_id": ["1", "2"], "customer_id": ["u", "u"], "product_id": ["p", "p"],
    ...     "invoice_date": pd.to_datetime(["2023-12-02", "2024-01-01"])})
    >>> a = decayed_affinities(lines, interaction_matrix(lines), half_life_days=30,
    ...                        as_of="2024-01-31")
    >>> float(a.matrix[0, 0])  # 0.25 (60 days before as_of) + 0.5 (30 days)
    0.75
    """
    data = _check_interactions(interactions)
    half_life = _check_half_life(half_life_days, "half_life_days")
    customer_col, product_col = data.customer_col, data.product_col
    needed = [customer_col, product_col, invoice_col]
    if half_life is not None or as_of is not None:
        needed.append(date_col)
    if weight_col is not None:
        needed.append(weight_col)
    require_columns(lines, needed, "lines")
    if date_col in needed:
        column_rule(lines, lines[date_col].isna(), "lines", date_col, "present")
        if not pd.api.types.is_datetime64_any_dtype(lines[date_col]):
            raise ValueError(
                f"lines: column {date_col!r} must hold dates (datetime64); got "
                f"{lines[date_col].dtype} (parse it first, e.g. pandas.to_datetime)"
            )
    if as_of is not None:
        as_of = to_timestamp(as_of, "as_of")
        lines = lines[lines[date_col] < as_of]
    for column in needed:
        column_rule(lines, lines[column].isna(), "lines", column, "present")
    rows = data.customers.get_indexer(lines[customer_col].astype(str))
    cols = data.products.get_indexer(lines[product_col].astype(str))
    column_rule(
        lines, pd.Series((rows < 0) | (cols < 0), index=lines.index), "lines",
        f"{customer_col}/{product_col}", "a customer and a product of the interaction matrix "
        "(build the matrix and the affinities from the same lines and as_of)",
    )  # fmt: skip
    weight = np.ones(len(lines))
    if weight_col is not None:
        weight = pd.to_numeric(lines[weight_col], errors="coerce").to_numpy(dtype=float)
        bad = pd.Series(~(np.isfinite(weight) & (weight >= 0)), index=lines.index)
        column_rule(lines, bad, "lines", weight_col, "a number >= 0 (a purchase's weight)")
    table = pd.DataFrame(
        {"r": rows, "c": cols, "i": pd.factorize(lines[invoice_col].astype(str))[0], "w": weight}
    )
    if half_life is not None:
        table["t"] = lines[date_col].to_numpy()
    # one purchase per (customer, product, invoice): its weight sums the invoice's lines
    agg = {"w": "sum" if weight_col is not None else "max"}
    if half_life is not None:
        agg["t"] = "max"
    purchases = table.groupby(["r", "c", "i"], sort=False).agg(agg).reset_index()
    value = purchases["w"].to_numpy(dtype=float)
    if half_life is not None:
        end = lines[date_col].max() if as_of is None else as_of
        age = (end - purchases["t"]).dt.total_seconds().to_numpy() / _DAY_SECONDS
        value = value * np.exp2(-np.maximum(age, 0.0) / half_life)
    shape = data.shape
    where = (purchases["r"].to_numpy(), purchases["c"].to_numpy())
    seen = sp.csr_matrix((np.ones(len(purchases)), where), shape=shape)
    _same_cells(seen, data)
    affinity = sp.csr_matrix((value, where), shape=shape)
    affinity.eliminate_zeros()
    affinity.sort_indices()
    return Interactions(affinity, data.customers, data.products, "count", half_life)


def _same_cells(seen: sp.csr_matrix, data: Interactions) -> None:
    """Raise unless the lines' purchases and the matrix's non-zero cells are the same cells."""
    diff = ((seen != 0).astype(np.int8) - (data.matrix != 0).astype(np.int8)).tocoo()
    for sign, what in ((1, "the lines hold"), (-1, "the interaction matrix holds")):
        where = diff.data == sign
        if where.any():
            row, col = diff.row[where][0], diff.col[where][0]
            raise ValueError(
                f"lines: {what} {int(where.sum()):,} purchase(s) (before as_of) the other does "
                f"not, e.g. customer {data.customers[row]!r}, product {data.products[col]!r}: "
                "build the matrix and the affinities from the same lines and as_of"
            )


def _cells(matrix: sp.csr_matrix, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Return the values of a sparse matrix at the cells ``(rows[i], cols[i])``, flat."""
    if len(rows) == 0:
        return np.zeros(0)
    return np.asarray(matrix[rows, cols], dtype=float).ravel()


# --- the recommender ---------------------------------------------------------------------------


class SARRecommender(Recommender):
    """SAR: scores are a customer's (decayed) affinities times a co-occurrence similarity.

    Parameters
    ----------
    similarity_type : {"cooccurrence", "jaccard", "lift", "cosine", "inclusion"}, default "jaccard"
        How co-occurrence counts become similarities (:func:`item_similarity`).
    threshold : int, default 1
        Co-occurrence counts below it count as 0 (:func:`cooccurrence_matrix`).
    time_decay_half_life_days : float, optional
        Decay each purchase by ``2^(-age / half_life)``, its age in days before the analysis
        date; needs the order lines in :meth:`fit`. None: no decay.
    weight_col : str, optional
        A column of the order lines weighing each purchase (e.g. the quantity); default 1 per
        invoice. Used only when :meth:`fit` gets the lines.
    invoice_col, date_col : str
        The order lines' invoice and date columns (the customer and product columns are the
        ones the matrix was built from).

    Attributes
    ----------
    cooccurrence_ : scipy.sparse.csr_matrix
        ``n_products x n_products`` customer counts per pair, after the threshold.
    similarity_ : scipy.sparse.csr_matrix
        ``n_products x n_products`` item similarity (symmetric, diagonal kept).
    affinity_ : scipy.sparse.csr_matrix
        ``n_customers x n_products`` affinities (rows and columns as the fitted matrix).

    References
    ----------
    .. [1] Microsoft, *Recommenders*: SAR deep dive, https://github.com/recommenders-team/
       recommenders/blob/main/examples/02_model_collaborative_filtering/sar_deep_dive.ipynb,
       and ``recommenders.models.sar.SARSingleNode``,
       https://recommenders-team.github.io/recommenders/models.html.

    Examples
    --------
    >>> from helpers.interactions import interaction_matrix
    >>> lines = pd.DataFrame({
    ...     "invoice_id": ["1", "1", "2", "2", "3"], "customer_id": ["a", "a", "b", "b", "c"],
    ...     "product_id": ["x", "y", "x", "y", "x"]})
    >>> sar = SARRecommender("jaccard").fit(interaction_matrix(lines))
    >>> sar.recommend(["c"], k=1)[["customer_id", "product_id", "score"]]  # 2 / (3 + 2 - 2)
      customer_id product_id     score
    0           c          y  0.666667
    """

    def __init__(
        self,
        similarity_type: str = "jaccard",
        threshold: int = 1,
        time_decay_half_life_days: float | None = None,
        *,
        weight_col: str | None = None,
        invoice_col: str = s.INVOICE_ID,
        date_col: str = s.INVOICE_DATE,
    ) -> None:
        self.similarity_type = _check_similarity_type(similarity_type)
        self.threshold = _check_threshold(threshold)
        self.time_decay_half_life_days = _check_half_life(
            time_decay_half_life_days, "time_decay_half_life_days"
        )
        self.weight_col = weight_col
        self.invoice_col = invoice_col
        self.date_col = date_col

    def fit(
        self,
        interactions: Interactions,
        lines: pd.DataFrame | None = None,
        *,
        as_of: str | pd.Timestamp | None = None,
    ) -> SARRecommender:
        """Learn the similarity from the matrix, and the affinities from it or the lines.

        Parameters
        ----------
        interactions : Interactions
            From :func:`helpers.interactions.interaction_matrix`: its positive cells give the
            co-occurrences; without ``lines`` its values are the affinities.
        lines : pandas.DataFrame, optional
            The order lines the matrix was built from: the affinities are then
            :func:`decayed_affinities` of them (needed with ``time_decay_half_life_days``).
        as_of : str or pandas.Timestamp, optional
            The analysis date (exclusive) the matrix was built with, from which ages are
            counted; default the last date of the lines. Only with ``lines``.

        Returns
        -------
        SARRecommender
            ``self``, fitted.

        Raises
        ------
        ValueError
            If a half-life is set but no lines are given, ``as_of`` is given without lines,
            or :func:`decayed_affinities` rejects the lines.
        """
        if lines is None and self.time_decay_half_life_days is not None:
            raise ValueError(
                f"time_decay_half_life_days={self.time_decay_half_life_days:g} needs the "
                "purchase dates: fit(interactions, lines, as_of=...) with the order lines the "
                "matrix was built from (or build the matrix with interaction_matrix("
                "value='count', half_life_days=..., as_of=...) and leave the half-life None)"
            )
        if lines is None and as_of is not None:
            raise ValueError("as_of is used only with the order lines: fit(interactions, lines)")
        self._lines, self._as_of = lines, as_of
        try:
            super().fit(interactions)
        finally:
            del self._lines, self._as_of
        return self

    def _fit(self) -> None:
        data = self.interactions_
        # checked again: the parameters may have been set after __init__
        threshold = _check_threshold(self.threshold)
        similarity_type = _check_similarity_type(self.similarity_type)
        half_life = _check_half_life(self.time_decay_half_life_days, "time_decay_half_life_days")
        if self._lines is None:
            self.affinity_ = data.matrix.tocsr()
        else:
            self.affinity_ = decayed_affinities(
                self._lines, data, half_life_days=half_life,
                as_of=self._as_of, weight_col=self.weight_col, invoice_col=self.invoice_col,
                date_col=self.date_col,
            ).matrix  # fmt: skip
        self.cooccurrence_ = cooccurrence_matrix(data, threshold)
        self.similarity_ = item_similarity(self.cooccurrence_, similarity_type)
        n = self.similarity_.shape[0]
        self._dense = self.similarity_.toarray() if n * n <= DENSE_CELLS else None

    def _score(self, rows: np.ndarray, ids: pd.Index) -> np.ndarray:
        known = rows >= 0
        scores = np.zeros((len(rows), self.similarity_.shape[1]))
        if known.any():
            block = self.affinity_[rows[known]]
            if self._dense is not None:
                scores[known] = block @ self._dense
            else:
                scores[known] = (block @ self.similarity_).toarray()
        return scores

    def _similar(self, columns: np.ndarray) -> np.ndarray:
        if self._dense is not None:
            return self._dense[columns]
        return self.similarity_[columns].toarray()

    def explain(self, recommendations: pd.DataFrame, n: int | None = 3) -> pd.DataFrame:
        """List the purchased products behind each recommendation, with their contributions.

        A recommendation's score is ``sum_i a_ui sim_ij`` over the products ``i`` the customer
        has an affinity to; each term is a contribution.

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
            columns, ``because_of`` (a product the customer bought), ``affinity`` (the
            customer's affinity to it), ``similarity`` (of the two products),
            ``contribution`` (affinity x similarity) and ``share`` (of the recommendation's
            score; the shares of a recommendation sum to 1 when all are kept). Sorted like
            ``recommendations``, then by contribution (largest first) and product id.

        Raises
        ------
        ValueError
            If a column is missing, a customer or product is not in the fitted matrix, or
            ``n`` is not None or a whole number >= 1.
        """
        data = self._fitted()
        if n is not None and (isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1):
            raise ValueError(f"n must be None (all) or a whole number >= 1; got {n!r}")
        recs, rows, cols = recommendation_cells(data, recommendations, allow_empty=True)
        # one row per (recommendation, product the customer has an affinity to)
        bought = self.affinity_[rows].tocoo()
        towards = cols[bought.row]
        if self._dense is not None:
            similarity = self._dense[bought.col, towards]
        else:
            similarity = _cells(self.similarity_, bought.col, towards)
        keep = similarity != 0
        out = pd.DataFrame(
            {
                "_rec": bought.row[keep],
                "because_of": data.products.to_numpy()[bought.col[keep]],
                "affinity": bought.data[keep],
                "similarity": similarity[keep],
                "contribution": bought.data[keep] * similarity[keep],
            }
        )
        return explanation_frame(recs, out, n)

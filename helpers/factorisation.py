"""Implicit-feedback matrix factorisation: ALS and BPR, in NumPy/SciPy, with fold-in.

Both recommenders learn a vector of ``factors`` numbers per customer (``user_factors_``, one
row per row of the matrix) and per product (``item_factors_``); a customer's score for a
product is the dot product of the two vectors. They share the interface of every
recommender of :mod:`helpers.recommend` (``fit(interactions)``, ``recommend``, ``score``,
``similar_products``: the cosine of two products' vectors, BPR's biases left out) and add
**fold-in**: the vector of a customer the model has never seen is computed from their
purchases with the product vectors held fixed, so
:meth:`FactorisationRecommender.recommend_new` recommends to new customers without refitting
(:meth:`FactorisationRecommender.fold_in` gives the vectors).

- :class:`ALSRecommender`: implicit ALS (Hu, Koren & Volinsky 2008 [1]_). Every cell of the
  matrix is a preference ``p_ui`` (1 when ``r_ui > 0``, else 0) held with confidence
  ``c_ui = 1 + alpha * r_ui`` (1 for the zeros), ``r_ui`` the matrix's value; the model
  minimises ``sum_ui c_ui (p_ui - x_u . y_i)^2 + regularization * (|X|^2 + |Y|^2)``
  (their eq. 3) by alternating least squares: with the product vectors ``Y`` fixed each
  customer's vector has the closed form
  ``x_u = (Y'Y + Y'(C_u - I)Y + lambda I)^-1 Y'C_u p(u)``, computed with ``Y'Y`` once for all
  customers (the paper's trick: ``C_u - I`` is non-zero only on the customer's purchases);
  then the same for the products with ``X`` fixed. ``solver="cg"`` (default) replaces the
  exact solve by a few conjugate-gradient steps warm-started from the previous vectors
  (Takács, Pilászy & Tikk 2011 [3]_), as the ``implicit`` library does, here vectorised over
  all customers at once with sparse operations (blocks of customers in threads);
  ``solver="exact"`` solves each system exactly (slow, for checking).
- :class:`BPRRecommender`: Bayesian Personalised Ranking (Rendle et al. 2009 [2]_) with a
  bias per product: the score ``x_u . y_i + b_i`` is trained by stochastic gradient ascent on
  ``ln sigma(score_ui - score_uj) - regularization * |theta|^2`` over triples (customer,
  product bought ``i``, product not bought ``j``) sampled uniformly, a vectorised mini-batch
  of triples at a time. Its scores rank products for one customer and mean nothing across
  customers; they are reported shifted by each customer's lowest score, so they are >= 0.

ALS's score is the predicted preference (about 1 for the products the customer is most
likely to want); only products with a positive score are candidates, as elsewhere in
:mod:`helpers.recommend`. The ``implicit`` library is not a dependency (it has wheels for
CPython 3.11-3.13 only); ``benchmarks/factorisation.py`` compares the two.

References
----------
.. [1] Hu, Y., Koren, Y. and Volinsky, C. (2008). Collaborative filtering for implicit
   feedback datasets. *Proceedings of the 8th IEEE International Conference on Data Mining
   (ICDM)*, 263-272.
.. [2] Rendle, S., Freudenthaler, C., Gantner, Z. and Schmidt-Thieme, L. (2009). BPR:
   Bayesian personalized ranking from implicit feedback. *Proceedings of the 25th Conference
   on Uncertainty in Artificial Intelligence (UAI)*, 452-461.
.. [3] Takács, G., Pilászy, I. and Tikk, D. (2011). Applications of the conjugate gradient
   method for implicit feedback collaborative filtering. *Proceedings of the 5th ACM
   Conference on Recommender Systems (RecSys)*, 297-300.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp
from threadpoolctl import threadpool_limits

from helpers.checks import check_numbers
from helpers.recommend import BLOCK_ROWS, Recommender, check_k, recommendation_frame, top_k

__all__ = ["ALSRecommender", "BPRRecommender", "FactorisationRecommender"]

#: Stored cells handled at once when computing ``x_u . y_i`` over the matrix's cells.
CHUNK = 8192

#: At most this many cells x factors per block of the CG solver (the vectors it gathers).
BLOCK_CELLS = 2**24

#: BPR looks up whether a customer bought a product in a dense table up to this many cells.
DENSE_BOUGHT = 2**26

_DTYPES = ("float32", "float64")


def _check_positive_int(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise ValueError(f"{name} must be a whole number >= 1, got {value!r}")
    return int(value)


def _check_dtype(dtype: object) -> np.dtype:
    try:
        name = np.dtype(dtype).name
    except TypeError:
        name = None
    if name not in _DTYPES:
        raise ValueError(f"dtype must be 'float32' or 'float64', got {dtype!r}")
    return np.dtype(name)


def _cell_dots(rows: np.ndarray, left: np.ndarray, gathered: np.ndarray) -> np.ndarray:
    """``left[rows[n]] . gathered[n]`` for every stored cell ``n`` of a sparse matrix.

    ``gathered[n]`` is the other side's vector of cell ``n``'s column (gathered once per
    half-sweep). A chunk of cells at a time, so that the gathered rows of ``left`` stay in
    cache: a sampled dense-dense product, only the stored cells computed, never the full
    ``left @ right.T``.
    """
    out = np.empty(len(rows), dtype=np.result_type(left, gathered))
    chunk = np.empty((CHUNK, left.shape[1]), dtype=left.dtype)
    for start in range(0, len(rows), CHUNK):
        part = slice(start, start + CHUNK)
        size = len(rows[part])
        mine = np.take(left, rows[part], axis=0, out=chunk[:size], mode="clip")
        out[part] = np.einsum("nk,nk->n", mine, gathered[part])
    return out


_BUFFERS = threading.local()


def _gather(vectors: np.ndarray, index: np.ndarray) -> np.ndarray:
    """``vectors[index]`` into a buffer kept by the thread (fresh memory is slow to touch)."""
    shape = (len(index), vectors.shape[1])
    buffer = getattr(_BUFFERS, "array", None)
    if buffer is None or buffer.dtype != vectors.dtype or buffer.size < shape[0] * shape[1]:
        buffer = _BUFFERS.array = np.empty(shape[0] * shape[1], dtype=vectors.dtype)
    out = buffer[: shape[0] * shape[1]].reshape(shape)
    return np.take(vectors, index, axis=0, out=out, mode="clip")  # index checked by CSR


def _cell_rows(matrix: sp.csr_matrix) -> np.ndarray:
    """Give the row of each stored cell of a CSR matrix, in storage order."""
    return np.repeat(np.arange(matrix.shape[0], dtype=np.int32), np.diff(matrix.indptr))


def _threads(n_threads: int | None) -> int:
    if n_threads is None:
        return max(1, os.cpu_count() or 1)
    return _check_positive_int("n_threads", n_threads)


@dataclass
class _Block:
    """Consecutive rows ``start:stop`` of a matrix, for one thread of the CG solver."""

    start: int
    stop: int
    matrix: sp.csr_matrix  # the rows' cells; its data is overwritten at each product
    rows: np.ndarray  # the (local) row of each stored cell
    weight: np.ndarray  # alpha * r_ui of each stored cell (c_ui - 1)
    confidence: sp.csr_matrix  # c_ui = 1 + alpha * r_ui on the stored cells


class _Blocks:
    """A matrix cut into blocks of consecutive rows with about equal numbers of cells."""

    def __init__(self, matrix: sp.csr_matrix, alpha: float, n_blocks: int) -> None:
        self.matrix = matrix
        cuts = np.searchsorted(matrix.indptr, np.linspace(0, matrix.nnz, n_blocks + 1)[1:-1])
        bounds = np.unique(np.concatenate([[0], np.minimum(cuts, matrix.shape[0]),
                                           [matrix.shape[0]]]))  # fmt: skip
        self.blocks = []
        for start, stop in zip(bounds[:-1], bounds[1:], strict=True):
            part = matrix[start:stop]
            part.sort_indices()
            weight = alpha * part.data
            confidence = sp.csr_matrix((1.0 + weight, part.indices, part.indptr), part.shape)
            self.blocks.append(
                _Block(int(start), int(stop), part.copy(), _cell_rows(part), weight, confidence)
            )


def _scatter_add(target: np.ndarray, index: np.ndarray, values: np.ndarray) -> None:
    """``target[index] += values`` with repeated indices summed (as ``numpy.add.at``, faster).

    The sum is a sparse matrix product: a matrix with a 1 at (``index[n]``, ``n``) for every
    value ``n``, times the values.
    """
    ones = np.ones(len(index), dtype=values.dtype)
    spread = sp.csc_matrix(
        (ones, index, np.arange(len(index) + 1)), shape=(len(target), len(index))
    )
    target += spread.tocsr() @ values


class FactorisationRecommender(Recommender):
    """What ALS and BPR share: scores from vectors, product similarity, fold-in.

    Subclasses set ``user_factors_`` and ``item_factors_`` in ``_fit`` and implement
    ``_fold_in_matrix(matrix)``: the vectors of new customers from their rows of purchases
    (a CSR matrix over the fitted products), the product vectors fixed.
    """

    user_factors_: np.ndarray
    item_factors_: np.ndarray

    def _raw_scores(self, factors: np.ndarray) -> np.ndarray:
        return factors @ self.item_factors_.T

    def _to_scores(self, raw: np.ndarray) -> np.ndarray:
        return raw

    def _score(self, rows: np.ndarray, ids: pd.Index) -> np.ndarray:
        known = rows >= 0
        scores = np.zeros((len(rows), self.item_factors_.shape[0]))
        if known.any():
            scores[known] = self._to_scores(self._raw_scores(self.user_factors_[rows[known]]))
        return scores

    def _similar(self, columns: np.ndarray) -> np.ndarray:
        vectors = np.asarray(self.item_factors_, dtype=float)
        norms = np.linalg.norm(vectors, axis=1)
        unit = vectors / np.where(norms > 0, norms, 1.0)[:, None]
        return unit[columns] @ unit.T

    def _fold_in_matrix(self, matrix: sp.csr_matrix) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError

    def _purchase_matrix(self, purchases: Mapping) -> tuple[pd.Index, sp.csr_matrix]:
        """Give the new customers' ids and their rows over the fitted products."""
        data = self._fitted()
        if not isinstance(purchases, Mapping):
            raise ValueError(
                "purchases must be a mapping {customer: products} (a list of product ids, or "
                f"a Series of values indexed by product id); got {type(purchases).__name__}"
            )
        if not purchases:
            raise ValueError("purchases: give at least one customer")
        ids = pd.Index([str(c) for c in purchases], name=data.customer_col)
        if ids.has_duplicates:
            raise ValueError(f"purchases: each customer once; {ids[ids.duplicated()][0]!r} twice")
        rows, cols, values = [], [], []
        for row, (customer, bought) in enumerate(purchases.items()):
            if isinstance(bought, pd.Series):
                products = bought.index.astype(str)
                value = np.asarray(bought.to_numpy(), dtype=float)
            else:
                products = pd.Index([bought] if isinstance(bought, str) else list(bought))
                products = products.astype(str)
                value = np.ones(len(products))
            check_numbers(f"purchases of {customer!r}", value, "> 0", lambda v: v > 0)
            if products.has_duplicates:
                raise ValueError(
                    f"purchases of {customer!r}: each product once; "
                    f"{products[products.duplicated()][0]!r} is given twice"
                )
            columns = data.products.get_indexer(products)
            if (columns < 0).any():
                raise ValueError(
                    f"purchases of {customer!r}: {products[columns < 0][0]!r} is not a product "
                    f"of the fitted matrix ({len(data.products):,} products, "
                    f"e.g. {data.products[0]!r})"
                )
            rows.append(np.full(len(columns), row))
            cols.append(columns)
            values.append(value)
        matrix = sp.csr_matrix(
            (np.concatenate(values), (np.concatenate(rows), np.concatenate(cols))),
            shape=(len(ids), len(data.products)),
        )
        matrix.sort_indices()
        return ids, matrix

    def fold_in(self, purchases: Mapping) -> pd.DataFrame:
        """Compute the vectors of customers from their purchases, the products fixed.

        Parameters
        ----------
        purchases : mapping
            ``{customer: products}``: a list of product ids (each with value 1, as a binary
            matrix) or a Series of values ``r_ui`` > 0 indexed by product id (as the matrix's
            values: counts, or decayed weights). Every product must be in the fitted matrix.
            A customer may also be one the model knows: their history is replaced by these
            purchases.

        Returns
        -------
        pandas.DataFrame
            One row per customer (in the order given; the index named as the matrix's
            customers), one column per factor.

        Raises
        ------
        ValueError
            For a product the matrix does not hold, a value <= 0, a product given twice, or
            a model that is not fitted.
        """
        ids, matrix = self._purchase_matrix(purchases)
        return pd.DataFrame(self._fold_in_matrix(matrix), index=ids)

    def recommend_new(
        self, purchases: Mapping, k: int = 10, exclude_purchased: bool = True
    ) -> pd.DataFrame:
        """Recommend to customers from their purchases, without refitting (fold-in).

        Parameters
        ----------
        purchases : mapping
            As for :meth:`fold_in`.
        k : int, default 10
            Products per customer.
        exclude_purchased : bool, default True
            Leave out the products in ``purchases``.

        Returns
        -------
        pandas.DataFrame
            As :meth:`recommend`: the customer, ``rank``, the product and ``score``, customers
            in the order given, then by rank.
        """
        k = check_k(k)
        data = self._fitted()
        ids, matrix = self._purchase_matrix(purchases)
        factors = self._fold_in_matrix(matrix)
        found_r, found_c, found_v = [], [], []
        for start in range(0, len(ids), BLOCK_ROWS):
            stop = start + BLOCK_ROWS
            scores = self._to_scores(self._raw_scores(factors[start:stop])).astype(float)
            if exclude_purchased:
                bought = matrix[start:stop].tocoo()
                scores[bought.row, bought.col] = -np.inf
            r, c, v = top_k(scores, k)
            found_r.append(r + start)
            found_c.append(c)
            found_v.append(v)
        return recommendation_frame(data, ids, found_r, found_c, found_v)


class ALSRecommender(FactorisationRecommender):
    """Implicit-feedback ALS (Hu, Koren & Volinsky 2008): preferences held with confidence.

    Parameters
    ----------
    factors : int, default 64
        Length of each customer's and product's vector.
    regularization : float, default 0.01
        ``lambda`` >= 0, the weight of the vectors' squared norms.
    alpha : float, default 40.0
        Confidence per unit of interaction value, > 0: ``c_ui = 1 + alpha * r_ui``.
    iterations : int, default 15
        Sweeps; each solves every customer's vector, then every product's.
    random_state : int, default 0
        Seed of the starting vectors: ``rng = numpy.random.default_rng(random_state)``,
        customers ``rng.random((n_customers, factors)) * 0.01``, then products
        ``rng.random((n_products, factors)) * 0.01`` (as ``implicit`` starts).
    solver : {"cg", "exact"}, default "cg"
        ``"cg"``: ``cg_steps`` conjugate-gradient steps per sweep on each customer's (and
        product's) system, warm-started from the current vector, all customers at once [2]_;
        ``"exact"``: each system solved exactly with :func:`numpy.linalg.solve` (a Python loop
        over customers: for checking and small matrices).
    cg_steps : int, default 3
        Conjugate-gradient steps per system and sweep (``implicit`` uses 3).
    dtype : {"float32", "float64"}, default "float32"
        Precision of the vectors (float32 is twice as fast; the checks use float64).
    track_objective : bool, default False
        Record the objective (eq. 3 of [1]_) after each sweep in ``objective_``.
    n_threads : int, optional
        Threads of the CG solver (each solves a block of customers, or of products); default
        one per core; BLAS runs on one thread during the fit. The result does not depend on
        it (up to rounding).

    Attributes
    ----------
    user_factors_ : numpy.ndarray
        ``n_customers x factors``, a row per row of the matrix.
    item_factors_ : numpy.ndarray
        ``n_products x factors``.
    objective_ : list of float
        The objective after each sweep (empty unless ``track_objective``).

    Notes
    -----
    A customer's preference for a product is predicted by ``x_u . y_i``; the score of
    :meth:`recommend` is this prediction. The exact update of a customer is

    ``x_u = (Y'Y + Y'(C_u - I)Y + lambda I)^-1 Y'C_u p(u)``,

    where ``Y'(C_u - I)Y = sum over the customer's purchases of alpha r_ui y_i y_i'`` and
    ``Y'C_u p(u) = sum over them of c_ui y_i``; ``Y'Y`` is computed once per sweep. The CG
    solver multiplies by the system's matrix without forming it: ``Y'Y p + lambda p`` plus,
    for the purchases only, ``alpha r_ui (y_i . p) y_i`` (a sparse matrix product), which is
    what makes a sweep cost time in proportion to the purchases, not to the full matrix.
    :meth:`fold_in` solves the same system exactly for each new customer.

    References
    ----------
    .. [1] Hu, Y., Koren, Y. and Volinsky, C. (2008). Collaborative filtering for implicit
       feedback datasets. *ICDM 2008*, 263-272.
    .. [2] Takács, G., Pilászy, I. and Tikk, D. (2011). Applications of the conjugate
       gradient method for implicit feedback collaborative filtering. *RecSys 2011*, 297-300.
    """

    def __init__(
        self,
        factors: int = 64,
        regularization: float = 0.01,
        alpha: float = 40.0,
        iterations: int = 15,
        random_state: int = 0,
        *,
        solver: str = "cg",
        cg_steps: int = 3,
        dtype: str = "float32",
        track_objective: bool = False,
        n_threads: int | None = None,
    ) -> None:
        self.factors = factors
        self.regularization = regularization
        self.alpha = alpha
        self.iterations = iterations
        self.random_state = random_state
        self.solver = solver
        self.cg_steps = cg_steps
        self.dtype = dtype
        self.track_objective = track_objective
        self.n_threads = n_threads

    def _check(self) -> np.dtype:
        _check_positive_int("factors", self.factors)
        _check_positive_int("iterations", self.iterations)
        _check_positive_int("cg_steps", self.cg_steps)
        check_numbers("regularization", self.regularization, ">= 0", lambda x: x >= 0)
        check_numbers("alpha", self.alpha, "> 0", lambda x: x > 0)
        if self.solver not in ("cg", "exact"):
            raise ValueError(f"solver must be 'cg' or 'exact', got {self.solver!r}")
        return _check_dtype(self.dtype)

    def _fit(self) -> None:
        dtype = self._check()
        matrix = self.interactions_.matrix.tocsr().astype(dtype)
        matrix.sort_indices()
        check_numbers("interactions (matrix values)", matrix.data, ">= 0", lambda x: x >= 0)
        matrix.eliminate_zeros()
        rng = np.random.default_rng(self.random_state)
        users = (rng.random((matrix.shape[0], self.factors)) * 0.01).astype(dtype)
        items = (rng.random((matrix.shape[1], self.factors)) * 0.01).astype(dtype)
        transposed = matrix.T.tocsr()
        transposed.sort_indices()
        threads = _threads(self.n_threads)
        # blocks of at most BLOCK_CELLS cells x factors: the memory of the gathered vectors
        blocks = max(threads, -(-matrix.nnz * self.factors // BLOCK_CELLS))
        sides = [_Blocks(m, self.alpha, blocks) for m in (matrix, transposed)]
        self.objective_: list[float] = []
        with (
            threadpool_limits(limits=1, user_api="blas"),
            ThreadPoolExecutor(max_workers=threads) as pool,
        ):
            for _ in range(self.iterations):
                users = self._solve(sides[0], items, users, pool)
                items = self._solve(sides[1], users, items, pool)
                if self.track_objective:
                    self.objective_.append(self._objective(matrix, users, items))
        self.user_factors_, self.item_factors_ = users, items

    def _solve(
        self, side: _Blocks, fixed: np.ndarray, current: np.ndarray, pool: ThreadPoolExecutor
    ) -> np.ndarray:
        """Solve for the rows of a side's matrix with the other side's ``fixed``."""
        if self.solver == "exact":
            return self._solve_exact(side.matrix, fixed)
        gram = self._gram(fixed)
        out = np.empty_like(current)

        def solve(block: _Block) -> None:
            rows = slice(block.start, block.stop)
            out[rows] = self._solve_cg(block, fixed, gram, current[rows])

        for done in [pool.submit(solve, block) for block in side.blocks]:
            done.result()
        return out

    def _gram(self, fixed: np.ndarray) -> np.ndarray:
        gram = fixed.T @ fixed
        gram[np.diag_indices_from(gram)] += self.regularization
        return gram

    def _solve_exact(self, matrix: sp.csr_matrix, fixed: np.ndarray) -> np.ndarray:
        gram = self._gram(fixed.astype(np.float64))
        out = np.zeros((matrix.shape[0], fixed.shape[1]), dtype=fixed.dtype)
        for row in range(matrix.shape[0]):
            start, stop = matrix.indptr[row], matrix.indptr[row + 1]
            out[row] = self._solve_one(
                gram, fixed, matrix.indices[start:stop], matrix.data[start:stop]
            )
        return out

    def _solve_one(
        self, gram: np.ndarray, fixed: np.ndarray, columns: np.ndarray, values: np.ndarray
    ) -> np.ndarray:
        """Solve one row exactly: ``(Y'Y + Y'(C-I)Y + lambda I)^-1 Y'C p``."""
        if len(columns) == 0:
            return np.zeros(fixed.shape[1])
        part = fixed[columns].astype(np.float64)
        confidence = 1.0 + self.alpha * values.astype(np.float64)
        system = gram + (part.T * (confidence - 1.0)) @ part
        return np.linalg.solve(system, part.T @ confidence)

    def _solve_cg(
        self, block: _Block, fixed: np.ndarray, gram: np.ndarray, current: np.ndarray
    ) -> np.ndarray:
        """``cg_steps`` conjugate-gradient steps on every system of a block of rows at once.

        Warm-started from ``current``; the system's matrix ``gram + Y'(C_u - I)Y`` is never
        formed: its product with vectors ``p`` is ``p gram`` plus, over the stored cells,
        ``alpha r_ui (y_i . p_u) y_i`` (a sparse matrix product).
        """
        matrix, weight = block.matrix, block.weight.astype(fixed.dtype)
        target = block.confidence.astype(fixed.dtype) @ fixed  # Y'C_u p(u), every row
        gathered = _gather(fixed, matrix.indices)

        def times(vectors: np.ndarray) -> np.ndarray:
            matrix.data = weight * _cell_dots(block.rows, vectors, gathered)
            return vectors @ gram + matrix @ fixed

        x = current.copy()
        residual = target - times(x)
        direction = residual.copy()
        old = np.einsum("nk,nk->n", residual, residual)
        for _ in range(self.cg_steps):
            product = times(direction)
            curvature = np.einsum("nk,nk->n", direction, product)
            step = np.divide(old, curvature, out=np.zeros_like(old), where=curvature > 0)
            x += step[:, None] * direction
            residual -= step[:, None] * product
            new = np.einsum("nk,nk->n", residual, residual)
            ratio = np.divide(new, old, out=np.zeros_like(new), where=old > 0)
            direction = residual + ratio[:, None] * direction
            old = new
        x[np.diff(matrix.indptr) == 0] = 0.0  # no cells: the exact solution is 0
        return x

    def _objective(self, matrix: sp.csr_matrix, users: np.ndarray, items: np.ndarray) -> float:
        """Eq. 3 of Hu et al.: ``sum c_ui (p_ui - x_u.y_i)^2 + lambda (|X|^2 + |Y|^2)``."""
        x, y = users.astype(np.float64), items.astype(np.float64)
        dots = _cell_dots(_cell_rows(matrix), x, y[matrix.indices])
        confidence = 1.0 + self.alpha * matrix.data.astype(np.float64)
        everywhere = float(np.sum((x.T @ x) * (y.T @ y)))  # sum over all cells of (x.y)^2
        cells = float(np.sum(confidence * (1.0 - dots) ** 2 - dots**2))
        norms = float(np.sum(x * x) + np.sum(y * y))
        return everywhere + cells + self.regularization * norms

    def objective(self) -> float:
        """Compute the objective (eq. 3 of Hu et al. 2008) of the fitted vectors and matrix.

        Returns
        -------
        float
            ``sum_ui c_ui (p_ui - x_u . y_i)^2 + regularization (|X|^2 + |Y|^2)``.
        """
        data = self._fitted()
        return self._objective(data.matrix.tocsr(), self.user_factors_, self.item_factors_)

    def _fold_in_matrix(self, matrix: sp.csr_matrix) -> np.ndarray:
        items = self.item_factors_
        gram = self._gram(items.astype(np.float64))
        out = np.zeros((matrix.shape[0], items.shape[1]))
        for row in range(matrix.shape[0]):
            start, stop = matrix.indptr[row], matrix.indptr[row + 1]
            out[row] = self._solve_one(
                gram, items, matrix.indices[start:stop], matrix.data[start:stop]
            )
        return out.astype(items.dtype)


class BPRRecommender(FactorisationRecommender):
    """Bayesian Personalised Ranking (Rendle et al. 2009) with product biases, by SGD.

    Parameters
    ----------
    factors : int, default 64
        Length of each customer's and product's vector.
    learning_rate : float, default 0.05
        Step of stochastic gradient ascent, > 0.
    regularization : float, default 0.01
        Weight >= 0 of the squared norms (vectors and biases).
    iterations : int, default 100
        Epochs; each samples as many triples as the matrix has purchases.
    random_state : int, default 0
        Seed of the starting vectors (``(rng.random(...) - 0.5) / factors``, biases 0) and
        of the sampling.
    batch_size : int, default 4096
        Triples per vectorised step: their gradients are computed at once and summed into
        the vectors (a product drawn twice in a batch gets both updates).
    fold_in_iterations : int, default 50
        Epochs of SGD on a new customer's vector in :meth:`fold_in` (the products fixed).

    Attributes
    ----------
    user_factors_ : numpy.ndarray
        ``n_customers x factors``.
    item_factors_ : numpy.ndarray
        ``n_products x factors``.
    item_biases_ : numpy.ndarray
        ``n_products``.

    Notes
    -----
    For a triple ``(u, i, j)``, ``i`` a purchase of ``u`` drawn uniformly among all purchases
    and ``j`` a product drawn uniformly (the triple is left out when ``u`` bought ``j``:
    a small share of triples), with ``d = score_ui - score_uj`` and
    ``g = 1 - sigma(d)``, the updates are (LearnBPR, [1]_):
    ``x_u += lr (g (y_i - y_j) - lambda x_u)``, ``y_i += lr (g x_u - lambda y_i)``,
    ``y_j += lr (-g x_u - lambda y_j)``, ``b_i += lr (g - lambda b_i)``,
    ``b_j += lr (-g - lambda b_j)``.

    **Fold-in** runs the same SGD on the new customers' vectors only (the products' vectors
    and biases fixed), ``fold_in_iterations`` epochs of as many triples as they have
    purchases, from a zero vector, seeded by ``random_state``. A least-squares projection
    would fit the scores rather than the ranking BPR was trained for; SGD on the same
    criterion keeps the new vector comparable with the fitted ones.

    The score of :meth:`recommend` is ``x_u . y_i + b_i`` minus the customer's lowest score
    over the catalogue (so >= 0; only the order within a customer means anything).

    References
    ----------
    .. [1] Rendle, S., Freudenthaler, C., Gantner, Z. and Schmidt-Thieme, L. (2009). BPR:
       Bayesian personalized ranking from implicit feedback. *UAI 2009*, 452-461.
    """

    def __init__(
        self,
        factors: int = 64,
        learning_rate: float = 0.05,
        regularization: float = 0.01,
        iterations: int = 100,
        random_state: int = 0,
        *,
        batch_size: int = 4096,
        fold_in_iterations: int = 50,
    ) -> None:
        self.factors = factors
        self.learning_rate = learning_rate
        self.regularization = regularization
        self.iterations = iterations
        self.random_state = random_state
        self.batch_size = batch_size
        self.fold_in_iterations = fold_in_iterations

    def _check(self) -> None:
        _check_positive_int("factors", self.factors)
        _check_positive_int("iterations", self.iterations)
        _check_positive_int("batch_size", self.batch_size)
        _check_positive_int("fold_in_iterations", self.fold_in_iterations)
        check_numbers("learning_rate", self.learning_rate, "> 0", lambda x: x > 0)
        check_numbers("regularization", self.regularization, ">= 0", lambda x: x >= 0)

    def _fit(self) -> None:
        self._check()
        matrix = self.interactions_.matrix.tocsr()
        matrix.sort_indices()
        matrix.eliminate_zeros()
        n_users, n_items = matrix.shape
        rng = np.random.default_rng(self.random_state)
        users = ((rng.random((n_users, self.factors)) - 0.5) / self.factors).astype(np.float32)
        items = ((rng.random((n_items, self.factors)) - 0.5) / self.factors).astype(np.float32)
        biases = np.zeros(n_items, dtype=np.float32)
        self._sgd(matrix, users, items, biases, rng, self.iterations, update_items=True)
        self.user_factors_, self.item_factors_, self.item_biases_ = users, items, biases

    def _sgd(
        self,
        matrix: sp.csr_matrix,
        users: np.ndarray,
        items: np.ndarray,
        biases: np.ndarray,
        rng: np.random.Generator,
        epochs: int,
        *,
        update_items: bool,
    ) -> None:
        """Epochs of mini-batch SGD on the BPR criterion, updating the arrays in place."""
        n_items = matrix.shape[1]
        rows = _cell_rows(matrix)
        keys = rows.astype(np.int64) * n_items + matrix.indices  # sorted: CSR order
        dense = None
        if matrix.shape[0] * n_items <= DENSE_BOUGHT:  # look purchases up in a dense table
            dense = np.zeros(matrix.shape[0] * n_items, dtype=bool)
            dense[keys] = True
        lr, reg = np.float32(self.learning_rate), np.float32(self.regularization)
        n = len(keys)
        for _ in range(epochs):
            for start in range(0, n, self.batch_size):
                size = min(self.batch_size, n - start)
                cell = rng.integers(0, n, size)
                u, i = rows[cell], matrix.indices[cell]
                j = rng.integers(0, n_items, size)
                key = u.astype(np.int64) * n_items + j
                if dense is not None:
                    keep = ~dense[key]  # j not bought by u
                else:
                    keep = keys[np.minimum(np.searchsorted(keys, key), n - 1)] != key
                u, both = u[keep], np.concatenate([i[keep], j[keep]])
                size = len(u)
                xu, pair = users[u], items[both]  # pair: y_i then y_j
                step = pair[:size] - pair[size:]  # y_i - y_j
                bias = biases[both]
                d = np.einsum("nk,nk->n", xu, step) + bias[:size] - bias[size:]
                g = (1.0 / (1.0 + np.exp(np.clip(d, -30.0, 30.0)))).astype(np.float32)[:, None]
                step *= g
                step -= reg * xu
                step *= lr
                _scatter_add(users, u, step)  # lr (g (y_i - y_j) - reg x_u)
                if update_items:
                    gx = g * xu
                    pair *= -reg
                    pair[:size] += gx
                    pair[size:] -= gx
                    pair *= lr
                    _scatter_add(items, both, pair)  # lr (+-g x_u - reg y)
                    bias *= -reg
                    bias[:size] += g[:, 0]
                    bias[size:] -= g[:, 0]
                    bias *= lr
                    biases += np.bincount(both, bias, minlength=n_items).astype(np.float32)

    def _raw_scores(self, factors: np.ndarray) -> np.ndarray:
        return factors @ self.item_factors_.T + self.item_biases_

    def _to_scores(self, raw: np.ndarray) -> np.ndarray:
        return raw - raw.min(axis=1, keepdims=True)

    def _fold_in_matrix(self, matrix: sp.csr_matrix) -> np.ndarray:
        users = np.zeros((matrix.shape[0], self.factors), dtype=np.float32)
        rng = np.random.default_rng(self.random_state)
        items, biases = self.item_factors_, self.item_biases_
        self._sgd(matrix, users, items, biases, rng, self.fold_in_iterations, update_items=False)
        return users

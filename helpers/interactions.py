"""The customer x product interaction matrix that the recommenders of chapter 10 learn from.

:func:`interaction_matrix` has one row per customer and one column per product, stored sparse
(scipy CSR): 1 where the customer bought the product (``"binary"``) or the number of invoices
holding it (``"count"``), optionally weighted by recency: a purchase ``a`` days before
``as_of`` counts ``0.5 ** (a / half_life_days)``. :class:`Interactions` keeps the matrix with
its customer and product index, both sorted, so that positions map back to ids.

The matrix is built from integer codes, not pandas group-bys on the ids (``benchmarks/
interaction_matrix.py`` times both): customers and invoices, whose lines come in runs, are
coded by :mod:`helpers.id_runs` (each id object read once), products by
:func:`pandas.factorize` and a sort of the few distinct ids; ids are compared as text, as
``astype(str)`` writes them. scipy's conversion of (customer, product) pairs to CSR then
groups the lines: a counting sort by customer, then a sort of each customer's few columns.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

from helpers import schema as s
from helpers.checks import check_numbers, column_rule, require_columns
from helpers.dates import to_timestamp
from helpers.deprecation import LINE_COLUMN_RENAMES, renamed_arguments
from helpers.id_runs import few_text_codes, text_line_codes, text_line_groups

__all__ = ["Interactions", "interaction_matrix"]

#: Keys made of several codes are one int64 below this; beyond, :func:`numpy.lexsort` sorts.
_SPAN = 2**62


@dataclass(frozen=True)
class Interactions:
    """A customer x product interaction matrix with its customer and product index.

    Attributes
    ----------
    matrix : scipy.sparse.csr_matrix
        ``n_customers x n_products``, float; zero where the customer did not buy the product.
    customers : pandas.Index
        Customer id of each row (sorted).
    products : pandas.Index
        Product id of each column (sorted; may hold products nobody bought, from a catalogue).
    value : str
        ``"binary"`` or ``"count"``.
    half_life_days : float or None
        The recency half-life used, if any.
    """

    matrix: sp.csr_matrix
    customers: pd.Index
    products: pd.Index
    value: str = "binary"
    half_life_days: float | None = None

    @property
    def shape(self) -> tuple[int, int]:
        """``(n_customers, n_products)``."""
        return self.matrix.shape

    def rows(self, customers: Iterable) -> np.ndarray:
        """Row position of each customer id, -1 for a customer not in the matrix."""
        return self.customers.get_indexer(pd.Index(list(customers)).astype(str))

    @property
    def customer_col(self) -> str:
        """The customer column's name the matrix was built from (default ``customer_id``)."""
        return self.customers.name if self.customers.name is not None else s.CUSTOMER_ID

    @property
    def product_col(self) -> str:
        """The product column's name the matrix was built from (default ``product_id``)."""
        return self.products.name if self.products.name is not None else s.PRODUCT_ID

    def to_frame(self) -> pd.DataFrame:
        """Return the non-zero cells as a long frame: customer, product, ``value``.

        The customer and product columns keep the names of the order lines the matrix was
        built from (:attr:`customer_col`, :attr:`product_col`).
        """
        coo = self.matrix.tocoo()
        customer, product = self.customer_col, self.product_col
        return pd.DataFrame(
            {
                customer: self.customers[coo.row],
                product: self.products[coo.col],
                "value": coo.data,
            }
        ).sort_values([customer, product], ignore_index=True)

    @classmethod
    def from_frame(
        cls,
        cells: pd.DataFrame,
        *,
        value: str = "binary",
        half_life_days: float | None = None,
        products: Iterable | None = None,
        customer_col: str = s.CUSTOMER_ID,
        product_col: str = s.PRODUCT_ID,
        value_col: str = "value",
    ) -> Interactions:
        """Build the matrix from its non-zero cells, a long frame as :meth:`to_frame` returns.

        The inverse of :meth:`to_frame`: the customers and products are coded, sorted and
        named as :func:`interaction_matrix` does, so that cells computed elsewhere (an SQL
        engine's group-by, :mod:`helpers.scale_products`) give the same matrix.

        Parameters
        ----------
        cells : pandas.DataFrame
            One row per cell, in any order: customer, product and the cell's value.
        value : {"binary", "count"}, default "binary"
            What the values are (kept as :attr:`value`).
        half_life_days : float, optional
            The recency half-life the values were weighted with, if any (kept).
        products : iterable, optional
            The catalogue: product ids that get a column even if no cell has them.
        customer_col, product_col, value_col : str
            Column names of ``cells``.

        Returns
        -------
        Interactions

        Raises
        ------
        ValueError
            If a column is missing, an id or value is missing, a value is not > 0, or a
            (customer, product) cell repeats.
        """
        if value not in ("binary", "count"):
            raise ValueError(f"value must be 'binary' or 'count', got {value!r}")
        require_columns(cells, [customer_col, product_col, value_col], "cells")
        for column in (customer_col, product_col):
            column_rule(cells, cells[column].isna(), "cells", column, "present")
        values = pd.to_numeric(cells[value_col], errors="coerce")
        column_rule(cells, ~(values > 0), "cells", value_col, "> 0 (only non-zero cells)")
        rows, customers = _line_codes(cells[customer_col], runs=False)
        cols, catalogue = _line_codes(cells[product_col], runs=False)
        found = cls._coded(
            rows, cols, values, customers, catalogue, products, customer_col, product_col
        )
        if found is None:
            twice = cells[cells.duplicated([customer_col, product_col], keep=False)]
            raise ValueError(
                f"cells: each ({customer_col}, {product_col}) must appear once; "
                f"{len(cells) - len(cells.drop_duplicates([customer_col, product_col]))} "
                f"repeat, e.g. row {twice.index[0]!r}"
            )
        return cls(*found, value, half_life_days)

    @classmethod
    def from_codes(
        cls,
        rows: np.ndarray,
        cols: np.ndarray,
        values: np.ndarray,
        customers: Iterable,
        products: Iterable,
        *,
        value: str = "binary",
        catalogue: Iterable | None = None,
        customer_col: str = s.CUSTOMER_ID,
        product_col: str = s.PRODUCT_ID,
    ) -> Interactions:
        """Build the matrix from coded cells: integer rows and columns into lists of ids.

        As :meth:`from_frame`, without a text id per cell: an SQL engine numbers the
        customers and products and sends the numbers (:mod:`helpers.scale_products`). The ids
        are sorted here, as :func:`interaction_matrix` sorts them, whatever order the
        engine numbered them in.

        Parameters
        ----------
        rows, cols : numpy.ndarray
            Each cell's position in ``customers`` and in ``products``.
        values : numpy.ndarray
            Each cell's value (> 0).
        customers, products : iterable
            The distinct ids, in the order the codes count them.
        value : {"binary", "count"}, default "binary"
        catalogue : iterable, optional
            Product ids that get a column even if no cell has them.
        customer_col, product_col : str
            The names of the index of customers and of products.

        Returns
        -------
        Interactions

        Raises
        ------
        ValueError
            If a value is not > 0, or a (customer, product) cell repeats.
        """
        if value not in ("binary", "count"):
            raise ValueError(f"value must be 'binary' or 'count', got {value!r}")
        values = np.asarray(values, dtype=float)
        if not (values > 0).all():
            raise ValueError(f"values must be > 0 (only non-zero cells); got {values.min()!r}")
        order_c, sorted_c = _line_codes(pd.Series(list(customers), dtype=object), runs=False)
        order_p, sorted_p = _line_codes(pd.Series(list(products), dtype=object), runs=False)
        rows = order_c[np.asarray(rows, dtype=np.intp)]
        cols = order_p[np.asarray(cols, dtype=np.intp)]
        found = cls._coded(
            rows, cols, values, sorted_c, sorted_p, catalogue, customer_col, product_col
        )
        if found is None:
            raise ValueError(f"cells: each ({customer_col}, {product_col}) must appear once")
        return cls(*found, value)

    @staticmethod
    def _coded(
        rows: np.ndarray,
        cols: np.ndarray,
        values: pd.Series | np.ndarray,
        customers: pd.Index,
        products: pd.Index,
        catalogue: Iterable | None,
        customer_col: str,
        product_col: str,
    ) -> tuple[sp.csr_matrix, pd.Index, pd.Index] | None:
        """Return the matrix and its named indexes from sorted codes; None if a cell repeats."""
        cols, products = _with_catalogue(cols, products, catalogue)
        customer_index = _as_text_index(customers, customer_col)
        product_index = _as_text_index(products, product_col)
        shape = (len(customer_index), len(product_index))
        data = np.asarray(values, dtype=float)
        matrix = sp.csr_matrix((data, (rows, cols)), shape=shape)
        matrix.sum_duplicates()
        if matrix.nnz != len(data):
            return None
        return matrix, customer_index, product_index


@renamed_arguments(**LINE_COLUMN_RENAMES)
def interaction_matrix(
    transactions: pd.DataFrame,
    *,
    value: str = "binary",
    half_life_days: float | None = None,
    as_of: str | pd.Timestamp | None = None,
    products: Iterable | None = None,
    customer_col: str = s.CUSTOMER_ID,
    product_col: str = s.PRODUCT_ID,
    invoice_col: str = s.INVOICE_ID,
    date_col: str = s.INVOICE_DATE,
    quantity_col: str = s.QUANTITY,
) -> Interactions:
    """Build the customer x product interaction matrix from clean order lines.

    Parameters
    ----------
    transactions : pandas.DataFrame
        Clean order lines (returns netted: every quantity positive).
    value : {"binary", "count"}, default "binary"
        ``"binary"``: 1 if the customer bought the product; ``"count"``: the number of
        distinct invoices holding it.
    half_life_days : float, optional
        Weight each purchase by ``0.5 ** (age / half_life_days)``, its age in days before
        ``as_of``: "count" sums the weights, "binary" keeps the weight of the latest purchase.
    as_of : str or pandas.Timestamp, optional
        The analysis date, exclusive: lines dated at or after it are left out (a matrix "as of"
        a date knows nothing of later purchases), and ages are counted from it. Default: every
        line, ages counted from the last ``invoice_date``.
    products : iterable, optional
        The catalogue: product ids that get a column even if nobody bought them (the products
        of the lines are always included).
    customer_col, product_col, invoice_col, date_col, quantity_col : str
        Column names (the date is needed only with a half-life or ``as_of``, the quantity is
        checked when present); default the canonical names of :mod:`helpers.schema` (the
        old names ``customer_id``, ``product_id``, ``invoice_id``, ``invoice_date``,
        ``quantity`` still work, with a FutureWarning).

    Returns
    -------
    Interactions
        The sparse matrix, customers and products sorted; their indexes are named
        ``customer_col`` and ``product_col``, so that what is made from the matrix
        (recommendations) keeps the caller's names.

    Raises
    ------
    ValueError
        If a column is missing, an id or date is missing, a quantity is not positive, the value
        is unknown or the half-life not positive.
    """
    if value not in ("binary", "count"):
        raise ValueError(f"value must be 'binary' or 'count', got {value!r}")
    needed = [customer_col, product_col, invoice_col]
    if half_life_days is not None:
        check_numbers("half_life_days", half_life_days, "> 0 days", lambda x: x > 0)
    if half_life_days is not None or as_of is not None:
        needed.append(date_col)
    require_columns(transactions, needed, "transactions")
    keep = None  # the lines before as_of; the others are not looked at
    if as_of is not None:  # (but a date must be there)
        column_rule(
            transactions, transactions[date_col].isna(), "transactions", date_col, "present"
        )
        as_of = to_timestamp(as_of, "as_of")
        keep = transactions[date_col] < as_of
    used = transactions
    if keep is not None and not keep.all():
        used = transactions.loc[keep, needed]
    # text ids read as they are (None if one is missing or not text): read, they are present
    coded = {customer_col: _text_codes(used[customer_col], runs=True)}
    coded[product_col] = _text_codes(used[product_col], runs=False)
    if value == "count":  # (counted, not named: codes in no order, when that is quicker)
        coded[invoice_col] = text_line_groups(used[invoice_col])
    for column in needed:
        if coded.get(column) is None:
            _rule(transactions, transactions[column].isna(), keep, column, "present")
    if quantity_col in transactions.columns:
        bad = ~(pd.to_numeric(transactions[quantity_col], errors="coerce") > 0)
        _rule(transactions, bad, keep, quantity_col, "> 0 (clean the order lines first)")
    weights = None
    if half_life_days is not None:
        dates = used[date_col]
        end = dates.max() if as_of is None else as_of
        age = (end - dates).dt.total_seconds().to_numpy() / 86_400.0
        weights = 0.5 ** (np.maximum(age, 0.0) / float(half_life_days))
    rows, customers = coded[customer_col] or _line_codes(used[customer_col], runs=True)
    cols, catalogue = coded[product_col] or _line_codes(used[product_col], runs=False)
    cols, catalogue = _with_catalogue(cols, catalogue, products)
    customer_index = _as_text_index(customers, customer_col)
    product_index = _as_text_index(catalogue, product_col)
    shape = (len(customer_index), len(product_index))
    if value == "binary" and weights is None:
        matrix = _binary(rows, cols, shape)
    else:
        invoices = None
        if value == "count":
            invoices = coded[invoice_col]
            if invoices is None:
                codes, known = _line_codes(used[invoice_col], runs=True)
                invoices = (codes, len(known))
        matrix = _cells(rows, cols, invoices, weights, shape)
    return Interactions(matrix, customer_index, product_index, value, half_life_days)


def _with_catalogue(
    cols: np.ndarray, catalogue: pd.Index, products: Iterable | None
) -> tuple[np.ndarray, pd.Index]:
    """Add the catalogue's products (read as text) to the sorted products; recode the columns."""
    if products is None:
        return cols, catalogue
    extra = pd.Index(list(products)).astype(str).to_numpy()
    mine = catalogue.to_numpy(dtype=object)
    union = np.union1d(mine, extra)
    return np.searchsorted(union, mine)[cols], pd.Index(union)


def _rule(
    transactions: pd.DataFrame, bad: pd.Series, keep: pd.Series | None, column: str, rule: str
) -> None:
    """:func:`helpers.checks.column_rule` on the lines kept (before ``as_of``) only."""
    column_rule(transactions, bad if keep is None else bad & keep, "transactions", column, rule)


def _text_codes(values: pd.Series, runs: bool) -> tuple[np.ndarray, pd.Index] | None:
    """Code text ids as they are (see :func:`_line_codes`); ``None`` if one is not text."""
    first, then = (text_line_codes, few_text_codes) if runs else (few_text_codes, text_line_codes)
    found = first(values)
    return then(values) if found is None else found


def _line_codes(values: pd.Series, runs: bool) -> tuple[np.ndarray, pd.Index]:
    """Code every line by its id read as text: the codes and the distinct ids, sorted.

    The ids are compared as ``values.astype(str)`` holds them (an integer id 7 and a text id
    "7" are one id) and sorted as Python sorts strings. Ids in runs (customers, invoices) go
    through :func:`helpers.id_runs.text_line_codes`, few ids (products) through
    :func:`helpers.id_runs.few_text_codes`.
    """
    if len(values) == 0:
        return np.zeros(0, dtype=np.intp), pd.Index(np.array([], dtype=object))
    if isinstance(values.dtype, np.dtype) and values.dtype.kind in "iu":
        # numbers: the distinct ones become text, sorted as text ("10" before "9")
        codes, distinct = pd.factorize(values.to_numpy())
        text = pd.Index(distinct).astype(str).to_numpy(dtype=object)
        order = np.argsort(text)
        rank = np.empty(len(order), dtype=np.intp)
        rank[order] = np.arange(len(order))
        return rank[codes], pd.Index(text[order])
    found = _text_codes(values, runs) or _text_codes(values.astype(str), runs)
    if found is not None:
        return found
    # ids that neither way reads (text with lone surrogates where pandas cuts at a NUL)
    distinct, codes = np.unique(values.astype(str).to_numpy(dtype=object), return_inverse=True)
    return codes.ravel(), pd.Index(distinct)


def _as_text_index(ids: pd.Index, name: str) -> pd.Index:
    """Name the sorted ids, with the dtype pandas gives text ids (``str``) when they are any."""
    inferred = pd.Index(np.array(["a"], dtype=object)).dtype
    if len(ids) == 0 or ids.dtype != inferred:
        ids = pd.Index(ids.to_numpy(dtype=object))
    return ids.rename(name)


def _binary(rows: np.ndarray, cols: np.ndarray, shape: tuple[int, int]) -> sp.csr_matrix:
    """Put 1 in every cell (customer, product) that has a line."""
    # bool data (one byte a line): duplicates are or-ed, not summed, into one entry a cell
    found = sp.csr_matrix((np.ones(len(rows), dtype=bool), (rows, cols)), shape=shape)
    found.sum_duplicates()  # (done: sorted indices, one entry a cell)
    return sp.csr_matrix((np.ones(found.nnz), found.indices, found.indptr), shape=shape)


def _order(rows: np.ndarray, keys: list[tuple[np.ndarray, int]], n_rows: int) -> np.ndarray:
    """Return the positions that sort the lines by row, then by each key, ties in line order.

    The keys and the line's position make one integer column of a sparse matrix whose rows
    are ``rows``: scipy's conversion to CSR sorts by row (a counting sort) and then sorts
    each row's few columns, in C++ (an argsort of all lines is several times slower). When the
    integer would not fit in 63 bits, :func:`numpy.lexsort` does it.
    """
    n = len(rows)
    span = n
    for _, size in keys:
        span *= max(size, 1)
    if span < _SPAN:
        column = np.zeros(n, dtype=np.int64)
        for key, size in keys:
            column *= size
            column += key
        column *= n
        column += np.arange(n)
        index = sp.csr_matrix(
            (np.ones(n, dtype=bool), (rows, column)), shape=(n_rows, max(span, 1))
        )
        index.sort_indices()
        return index.indices % n
    return np.lexsort([key for key, _ in reversed(keys)] + [rows])


def _starts(*sorted_keys: np.ndarray) -> np.ndarray:
    """Return the first position of each run of equal values in all ``sorted_keys`` at once."""
    new = np.zeros(len(sorted_keys[0]), dtype=bool)
    new[:1] = True
    for key in sorted_keys:
        new[1:] |= key[1:] != key[:-1]
    return np.flatnonzero(new)


def _csr(
    rows: np.ndarray, cols: np.ndarray, data: np.ndarray, shape: tuple[int, int]
) -> sp.csr_matrix:
    """Make a CSR matrix from cells sorted by row, then column (one entry a cell)."""
    indptr = np.zeros(shape[0] + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=shape[0]), out=indptr[1:])
    matrix = sp.csr_matrix((data.astype(float), cols, indptr), shape=shape)
    matrix.has_canonical_format = True
    return matrix


def _cells(
    rows: np.ndarray,
    cols: np.ndarray,
    invoices: tuple[np.ndarray, int] | None,
    weights: np.ndarray | None,
    shape: tuple[int, int],
) -> sp.csr_matrix:
    """Make the matrix of counts (``invoices`` given) or of the latest weight per cell.

    A purchase is a (customer, product, invoice): its weight is the largest of its lines'.
    "count" sums the purchases' weights in the order they first appear in the lines, as
    pandas' group-by sum does (compensated, so the order matters in the last bit); "binary"
    keeps the largest.
    """
    n_rows, n_cols = shape
    if invoices is None:  # binary, weighted: the largest weight of the cell's lines
        order = _order(rows, [(cols, n_cols)], n_rows)
        r, c = rows[order], cols[order]
        first = _starts(r, c)
        return _csr(r[first], c[first], np.maximum.reduceat(weights[order], first), shape)
    codes, n_invoices = invoices
    if weights is None and n_cols * max(n_invoices, 1) < _SPAN:
        # count: the distinct (product, invoice) of each customer, one entry of a bool matrix
        found = sp.csr_matrix(
            (np.ones(len(rows), dtype=bool), (rows, cols.astype(np.int64) * n_invoices + codes)),
            shape=(n_rows, max(n_cols * n_invoices, 1)),
        )
        found.sum_duplicates()  # (done: sorted, one entry a purchase)
        # each purchase counts 1 in its product's column: scipy sums them per cell
        counts = (np.ones(found.nnz), found.indices // n_invoices, found.indptr)
        matrix = sp.csr_matrix(counts, shape=shape)
        matrix.sum_duplicates()
        return matrix
    if weights is None:  # (the same, when the ids are too many for one integer)
        order = _order(rows, [(cols, n_cols), (codes, n_invoices)], n_rows)
        r, c, i = rows[order], cols[order], codes[order]
        purchase = _starts(r, c, i)
        r, c = r[purchase], c[purchase]
        cell = _starts(r, c)
        return _csr(r[cell], c[cell], np.diff(np.r_[cell, len(r)]), shape)
    order = _order(rows, [(cols, n_cols), (codes, n_invoices)], n_rows)
    r, c, i = rows[order], cols[order], codes[order]
    purchase = _starts(r, c, i)
    weight = np.maximum.reduceat(weights[order], purchase)
    line = order[purchase]  # the purchase's first line (ties were kept in line order)
    r, c = r[purchase], c[purchase]
    again = _order(r, [(c, n_cols), (line, len(rows))], n_rows)
    r, c, weight = r[again], c[again], weight[again]
    cell = _starts(r, c)
    return _csr(r[cell], c[cell], _compensated_sums(weight, cell), shape)


def _compensated_sums(values: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Sum each run of ``values`` (runs begin at ``starts``) in order, as pandas' group-by does.

    Kahan's compensated sum, the cells side by side: step ``k`` adds the ``k``-th value of
    every cell that has one (the cells sorted by size, largest first, so that those are a
    prefix), with the operations of pandas' ``group_sum``: the same bits as
    ``groupby(...).sum()`` of interleaved groups.
    """
    sizes = np.diff(np.r_[starts, len(values)])
    by_size = np.argsort(-sizes, kind="stable")
    first, descending = starts[by_size], sizes[by_size]
    total = np.zeros(len(starts))
    compensation = np.zeros(len(starts))
    still = np.searchsorted(-descending, -np.arange(int(descending.max(initial=0))), "left")
    for step, active in enumerate(still):
        value = values[first[:active] + step]
        y = value - compensation[:active]
        t = total[:active] + y
        compensation[:active] = (t - total[:active]) - y
        total[:active] = t
    out = np.empty(len(starts))
    out[by_size] = total
    return out

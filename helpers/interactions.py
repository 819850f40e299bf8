"""The customer x product interaction matrix that the recommenders of chapter 10 learn from.

:func:`interaction_matrix` has one row per customer and one column per product, stored sparse
(scipy CSR): 1 where the customer bought the product (``"binary"``) or the number of invoices
holding it (``"count"``), optionally weighted by recency: a purchase ``a`` days before
``as_of`` counts ``0.5 ** (a / half_life_days)``. :class:`Interactions` keeps the matrix with
its customer and product index, both sorted, so that positions map back to ids.
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

__all__ = ["Interactions", "interaction_matrix"]


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
    if as_of is not None:  # lines at or after as_of are not looked at (a date must be there)
        column_rule(
            transactions, transactions[date_col].isna(), "transactions", date_col, "present"
        )
        as_of = to_timestamp(as_of, "as_of")
        transactions = transactions[transactions[date_col] < as_of]
    for column in needed:
        column_rule(transactions, transactions[column].isna(), "transactions", column, "present")
    if quantity_col in transactions.columns:
        bad = ~(pd.to_numeric(transactions[quantity_col], errors="coerce") > 0)
        column_rule(
            transactions, bad, "transactions", quantity_col, "> 0 (clean the order lines first)"
        )
    lines = pd.DataFrame(
        {
            "c": transactions[customer_col].astype(str),
            "p": transactions[product_col].astype(str),
            "i": transactions[invoice_col].astype(str),
            "w": 1.0,
        }
    )
    if half_life_days is not None:
        dates = transactions[date_col]
        end = dates.max() if as_of is None else as_of
        age = (end - dates).dt.total_seconds().to_numpy() / 86_400.0
        lines["w"] = 0.5 ** (np.maximum(age, 0.0) / float(half_life_days))
    # one purchase per (customer, product, invoice): the latest weight is the same on its lines
    per_invoice = lines.groupby(["c", "p", "i"], sort=False)["w"].max()
    grouped = per_invoice.groupby(level=["c", "p"], sort=False)
    cells = (grouped.sum() if value == "count" else grouped.max()).reset_index()
    customers = pd.Index(np.sort(cells["c"].unique()), name=customer_col)
    catalogue = cells["p"].unique()
    if products is not None:
        catalogue = np.union1d(catalogue, pd.Index(list(products)).astype(str).to_numpy())
    product_index = pd.Index(np.sort(catalogue), name=product_col)
    rows = customers.get_indexer(cells["c"])
    cols = product_index.get_indexer(cells["p"])
    matrix = sp.csr_matrix(
        (cells["w"].to_numpy(dtype=float), (rows, cols)),
        shape=(len(customers), len(product_index)),
    )
    matrix.sort_indices()
    return Interactions(matrix, customers, product_index, value, half_life_days)

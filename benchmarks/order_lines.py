"""Synthetic order lines of any size for the benchmarks, made by :mod:`helpers.datasets`.

``make_order_lines(n_rows)`` stacks shops of :func:`helpers.datasets.make_synthetic` (``n_rows
/ 10`` customers each, at most 100,000; seeds 2024, 2025, ...; no dirt, returns left out) over
one quarter, Oct-Dec 2024: about 10 lines per customer, so 1M rows are about 100,000
customers, as in the issue.
Customer ids are moved past the previous shops' so they are unique; the lines are sorted by
time, as a shop's log is, and the last shop is cut to give exactly ``n_rows``.

The lines are kept as ``.npz`` files (customer ids as text, dates as int64 nanoseconds,
amounts, and the invoice and product ids for the recommendation benchmark) that both the
course's Python and lifetimes' older pandas read: :func:`cached_order_lines` makes each size
once per folder.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
import pandas as pd

from helpers import schema as s
from helpers.datasets import make_synthetic

START, END = "2024-10-01", "2024-12-31"
CUSTOMERS_PER_SHOP = 100_000


def make_order_lines(n_rows: int, seed: int = 2024) -> pd.DataFrame:
    """Return ``n_rows`` clean purchase lines: customer, date, amount, invoice and product.

    Parameters
    ----------
    n_rows : int
        Number of lines, at least 1.
    seed : int, default 2024
        Seed of the first shop; shop ``i`` uses ``seed + i``.

    Returns
    -------
    pandas.DataFrame
        ``customer_id`` (text), ``invoice_date``, ``amount``, ``invoice_id`` (text, unique
        across shops) and ``product_id`` (the shops share one catalogue of product ids).
    """
    if n_rows < 1:
        raise ValueError(f"n_rows must be at least 1, got {n_rows}")
    shops, written = [], 0
    per_shop = min(CUSTOMERS_PER_SHOP, max(1, n_rows // 10))
    while written < n_rows:
        shop = len(shops)
        lines = make_synthetic(seed + shop, per_shop, start=START, end=END, dirt=False)
        lines = lines.order_lines
        lines = lines[lines[s.QUANTITY] > 0].head(n_rows - written)
        customer = lines[s.CUSTOMER_ID].astype("int64") + shop * per_shop
        dates = pd.to_datetime(lines[s.INVOICE_DATE], format="%Y-%m-%d %H:%M:%S")
        shops.append(
            pd.DataFrame(
                {
                    s.CUSTOMER_ID: customer.astype("str"),
                    s.INVOICE_DATE: dates,
                    s.AMOUNT: lines[s.QUANTITY] * lines[s.UNIT_PRICE],
                    s.INVOICE_ID: f"{shop}-" + lines[s.INVOICE_ID].astype("str"),
                    s.PRODUCT_ID: lines[s.PRODUCT_ID].astype("str"),
                }
            )
        )
        written += len(lines)
    out = pd.concat(shops, ignore_index=True)
    return out.sort_values(s.INVOICE_DATE, kind="stable", ignore_index=True)


def save_npz(lines: pd.DataFrame, path: str | os.PathLike) -> Path:
    """Write order lines to ``path`` as NumPy arrays that any pandas version reads back.

    Parameters
    ----------
    lines : pandas.DataFrame
        As :func:`make_order_lines` returns.
    path : str or path-like
        The ``.npz`` file.

    Returns
    -------
    pathlib.Path
    """
    path = Path(path)
    np.savez(
        path,
        customer_id=lines[s.CUSTOMER_ID].to_numpy(dtype=str),
        invoice_date=lines[s.INVOICE_DATE].to_numpy().astype("datetime64[ns]").view("int64"),
        amount=lines[s.AMOUNT].to_numpy(dtype=float),
        invoice_id=lines[s.INVOICE_ID].to_numpy(dtype=str),
        product_id=lines[s.PRODUCT_ID].to_numpy(dtype=str),
    )
    return path


def load_npz(path: str | os.PathLike, products: bool = False) -> pd.DataFrame:
    """Read order lines written by :func:`save_npz` (ids as pandas text).

    Parameters
    ----------
    path : str or path-like
    products : bool, default False
        Also read ``invoice_id`` and ``product_id`` (the summary benchmarks leave them out,
        so that their memory figures are those of the three columns they use).

    Returns
    -------
    pandas.DataFrame
    """
    with np.load(path) as data:
        columns = {
            s.CUSTOMER_ID: pd.array(data["customer_id"].astype(object), dtype="str"),
            s.INVOICE_DATE: data["invoice_date"].view("datetime64[ns]"),
            s.AMOUNT: data["amount"],
        }
        if products:
            for name in (s.INVOICE_ID, s.PRODUCT_ID):
                columns[name] = pd.array(data[name].astype(object), dtype="str")
        return pd.DataFrame(columns)


def cached_order_lines(n_rows: int, folder: str | os.PathLike) -> tuple[Path, float]:
    """Return the ``.npz`` of ``n_rows`` lines in ``folder``, made when missing.

    Parameters
    ----------
    n_rows : int
        Number of lines.
    folder : str or path-like
        Where the files are kept (``order-lines-<n_rows>.npz``).

    Returns
    -------
    tuple of (pathlib.Path, float)
        The file and the seconds it took to make (0.0 when it was there).
    """
    path = Path(folder) / f"order-lines-{n_rows}.npz"
    if path.exists():
        return path, 0.0
    path.parent.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    lines = make_order_lines(n_rows)
    seconds = time.perf_counter() - start
    partial = path.with_suffix(".part.npz")
    save_npz(lines, partial)
    partial.replace(path)
    return path, seconds


def size_label(n_rows: int) -> str:
    """Write a row count as 100k, 1M, 10M.

    Parameters
    ----------
    n_rows : int

    Returns
    -------
    str
    """
    for unit, name in ((1_000_000, "M"), (1_000, "k")):
        if n_rows >= unit and n_rows % unit == 0:
            return f"{n_rows // unit}{name}"
    return f"{n_rows:,}"

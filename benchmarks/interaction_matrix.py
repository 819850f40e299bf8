"""Time the customer x product interaction matrix: integer codes against the pandas group-by.

Run: ``.venv/bin/python benchmarks/interaction_matrix.py`` (``--sizes 1000000`` for fewer
rows, ``--values binary count`` for more kinds of matrix, ``--half-life 30`` for recency
weights, ``--data FOLDER`` to keep the generated lines, ``--json FILE`` for the figures). Not
part of the test run.

On synthetic order lines of 1M and 10M rows (:mod:`order_lines`, about 10 lines per customer),
best of N:

- new: :func:`helpers.interactions.interaction_matrix`, which codes customers and invoices
  by their runs (:mod:`helpers.id_runs`), products by :func:`pandas.factorize` and a sort of
  the few distinct ids, and lets scipy's conversion to CSR group the lines;
- old: :func:`old_interaction_matrix`, the implementation before issue 25, kept here as the
  "before" peer: ids made text, a pandas group-by per (customer, product, invoice), then per
  (customer, product), and a scipy matrix from the cells;
- for scale, :func:`helpers.clv_data.summary_data` (weeks, every line) of the same lines,
  the per-customer summary that also works on integer codes.

The new matrix must equal the old one (the same customers and products in the same order,
the same stored cells and values, bit for bit); the script stops if not.
"""

from __future__ import annotations

import argparse
import gc
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp
from harness import best_of, machine, write_json
from order_lines import cached_order_lines, load_npz, size_label

from helpers import schema as s
from helpers.checks import check_numbers, column_rule, require_columns
from helpers.clv_data import summary_data
from helpers.dates import to_timestamp
from helpers.interactions import Interactions, interaction_matrix

SIZES = (1_000_000, 10_000_000)


def old_interaction_matrix(
    transactions: pd.DataFrame,
    *,
    value: str = "binary",
    half_life_days: float | None = None,
    as_of: str | pd.Timestamp | None = None,
    products: Iterable | None = None,
) -> Interactions:
    """Build the matrix as :func:`helpers.interactions.interaction_matrix` did before issue 25.

    Parameters
    ----------
    transactions : pandas.DataFrame
        Clean order lines with the canonical column names.
    value, half_life_days, as_of, products
        As :func:`helpers.interactions.interaction_matrix`.

    Returns
    -------
    Interactions
    """
    customer_col, product_col, invoice_col = s.CUSTOMER_ID, s.PRODUCT_ID, s.INVOICE_ID
    date_col, quantity_col = s.INVOICE_DATE, s.QUANTITY
    needed = [customer_col, product_col, invoice_col]
    if half_life_days is not None:
        check_numbers("half_life_days", half_life_days, "> 0 days", lambda x: x > 0)
    if half_life_days is not None or as_of is not None:
        needed.append(date_col)
    require_columns(transactions, needed, "transactions")
    if as_of is not None:
        column_rule(
            transactions, transactions[date_col].isna(), "transactions", date_col, "present"
        )
        as_of = to_timestamp(as_of, "as_of")
        transactions = transactions[transactions[date_col] < as_of]
    for column in needed:
        column_rule(transactions, transactions[column].isna(), "transactions", column, "present")
    if quantity_col in transactions.columns:
        bad = ~(pd.to_numeric(transactions[quantity_col], errors="coerce") > 0)
        column_rule(transactions, bad, "transactions", quantity_col, "> 0")
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


def identical(new: Interactions, old: Interactions) -> bool:
    """Whether two matrices have the same indexes, stored cells and values, bit for bit."""
    a, b = new.matrix, old.matrix
    return (
        new.customers.equals(old.customers)
        and new.products.equals(old.products)
        and a.shape == b.shape
        and np.array_equal(a.indptr, b.indptr)
        and np.array_equal(a.indices, b.indices)
        and np.array_equal(a.data, b.data)
    )


def bench_size(n_rows: int, folder: Path, values: list[str], half_life: float | None) -> list:
    """Time the new and the old build (and the summary) on ``n_rows`` lines; return rows."""
    source, _ = cached_order_lines(n_rows, folder)
    lines = load_npz(source, products=True)
    repeat, old_repeat = (3, 2) if n_rows <= 1_000_000 else (2, 1)
    as_of = lines[s.INVOICE_DATE].max().normalize() + pd.Timedelta(days=1)
    summary_s, summary = best_of(lambda: summary_data(lines, as_of=as_of, period="W"), repeat)
    label = size_label(n_rows)
    print(f"{label}: summary_data {summary_s:.3f} s ({len(summary):,} customers)", flush=True)
    del summary
    out = []
    for value in values:
        options = {"value": value, "half_life_days": half_life}
        new_s, new = best_of(lambda options=options: interaction_matrix(lines, **options), repeat)
        print(f"{label} {value}: new {new_s:.3f} s; old ...", flush=True)
        gc.collect()
        old_s, old = best_of(
            lambda options=options: old_interaction_matrix(lines, **options), old_repeat
        )
        same = identical(new, old)
        if not same:
            raise SystemExit(f"{label} {value}: the new matrix differs from the old one")
        out.append(
            {
                "rows": n_rows,
                "value": value,
                "half_life_days": half_life,
                "customers": new.shape[0],
                "products": new.shape[1],
                "cells": new.matrix.nnz,
                "new_s": round(new_s, 3),
                "old_s": round(old_s, 3),
                "summary_data_s": round(summary_s, 3),
                "old_over_new": round(old_s / new_s, 1),
                "new_over_summary": round(new_s / summary_s, 2),
                "identical": same,
            }
        )
        del new, old
        gc.collect()
    return out


def print_table(rows: list[dict]) -> None:
    """Print seconds and ratios, a size and kind of matrix a line."""
    print(f"\ninteraction matrix, best of N ({machine()['cores']} cores)")
    table = pd.DataFrame(rows)
    table["rows"] = table["rows"].map(size_label)
    print(table.to_string(index=False))


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark at every size; print the table; write JSON with ``--json``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--values", nargs="+", default=["binary"], choices=["binary", "count"])
    parser.add_argument("--half-life", type=float, help="recency half-life in days")
    parser.add_argument("--data", type=Path, help="folder for the generated lines (kept)")
    parser.add_argument("--json", help="write the figures to this file")
    args = parser.parse_args(argv)
    rows: list[dict] = []
    with tempfile.TemporaryDirectory() as scratch:
        for n_rows in sorted(args.sizes):
            rows += bench_size(n_rows, args.data or Path(scratch), args.values, args.half_life)
    print_table(rows)
    write_json(args.json, {"benchmark": "interaction_matrix", "rows": rows})
    return 0


if __name__ == "__main__":
    sys.exit(main())

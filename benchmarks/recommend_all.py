"""Time top-10 item-CF recommendations for every customer: vectorised against a per-customer loop.

Run: ``CVL_DATA_DIR=../shared/datasets .venv/bin/python benchmarks/recommend_all.py``
(``--sizes 100000 1000000`` for fewer synthetic sizes, ``--data FOLDER`` to keep the generated
lines, ``--json FILE`` for the figures; Online Retail is skipped, saying why, when the file is
absent). Datasets: synthetic order lines of 100k, 1M and 10M rows (:mod:`order_lines`, about
10 lines per customer), the course's default shop and Online Retail. For each, item CF (50
neighbours) is fitted on the lines, then the top 10 of every customer are computed:

- vectorised: :meth:`helpers.recommend.ItemCF.recommend`, for every customer: a block of
  customers at a time, one sparse matrix product (purchases x similarities, the purchased
  products set to ``-inf`` inside it) and each row's top 10 found without making the block
  dense; the blocks run in as many threads as the machine has cores (``n_threads``, default:
  scipy's product and numpy's sorts release the GIL), as the peer library ``implicit`` does;
- naive: a Python loop over customers, each scored on its own (sum of the similarity rows of
  the products it bought, purchased products removed, sorted): what a first implementation
  does. It runs on every customer up to :data:`LOOP_CUSTOMERS`, else on a random sample of
  that many, and its time for all customers is extrapolated from the sample (marked ``~``).

The loop's products must equal the vectorised ones, in the same order, for every customer it
scored; the script checks it. Building the interaction matrix and the fit are timed apart.
Not part of the test run.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from harness import best_of, machine, write_json
from order_lines import cached_order_lines, load_npz, size_label

from helpers import schema as s
from helpers.datasets import load_clean_transactions
from helpers.recommend import ItemCF, interaction_matrix

SIZES = (100_000, 1_000_000, 10_000_000)
#: The naive loop scores at most this many customers (a random sample beyond).
LOOP_CUSTOMERS = 5_000
COLUMNS = [s.CUSTOMER_ID, "rank", s.PRODUCT_ID]


def naive_loop(model: ItemCF, k: int, rows: np.ndarray) -> pd.DataFrame:
    """Top ``k`` of the customers at matrix ``rows``, one customer at a time."""
    data = model.interactions_
    similarity = model.similarity_.tocsr()
    products = data.products.to_numpy()
    out = []
    for row in rows:
        start, end = data.matrix.indptr[row], data.matrix.indptr[row + 1]
        bought = data.matrix.indices[start:end]
        weights = data.matrix.data[start:end]
        scores = np.asarray(similarity[bought].T @ weights).ravel()
        scores = np.round(scores, 10)
        scores[bought] = 0.0
        candidates = np.flatnonzero(scores > 0)
        # best first; equal scores by product id (the columns are sorted by id)
        ranked = candidates[np.lexsort((candidates, -scores[candidates]))][:k]
        customer = data.customers[row]
        for rank, column in enumerate(ranked, start=1):
            out.append((customer, rank, products[column], scores[column]))
    return pd.DataFrame(out, columns=[*COLUMNS, "score"])


def bench(name: str, lines: pd.DataFrame, k: int, repeat: int) -> dict:
    """Fit item CF on ``lines`` and time both ways of recommending; return the figures."""
    start = time.perf_counter()
    interactions = interaction_matrix(lines)
    matrix_seconds = time.perf_counter() - start
    start = time.perf_counter()
    model = ItemCF(n_neighbours=50).fit(interactions)
    fit_seconds = time.perf_counter() - start
    n_customers = interactions.shape[0]
    print(f"{name}: {n_customers:,} customers; recommending ...", flush=True)
    fast_seconds, fast = best_of(lambda: model.recommend(None, k), repeat)
    rows = np.arange(n_customers)
    if n_customers > LOOP_CUSTOMERS:
        rows = np.sort(np.random.default_rng(0).choice(n_customers, LOOP_CUSTOMERS, replace=False))
    loop_seconds, slow = best_of(lambda: naive_loop(model, k, rows), min(repeat, 3))
    mine = fast[fast[s.CUSTOMER_ID].isin(interactions.customers[rows])]
    same = len(mine) == len(slow) and bool(
        (mine[COLUMNS].to_numpy() == slow[COLUMNS].to_numpy()).all()
    )
    if not same:
        raise SystemExit(f"{name}: the vectorised and the naive recommendations differ")
    np.testing.assert_allclose(mine["score"], slow["score"], rtol=1e-9)
    naive_seconds = loop_seconds * n_customers / len(rows)
    return {
        "dataset": name,
        "rows": len(lines),
        "customers": n_customers,
        "products": interactions.shape[1],
        "matrix_s": round(matrix_seconds, 3),
        "fit_s": round(fit_seconds, 3),
        "vectorised_s": round(fast_seconds, 3),
        "naive_loop_s": round(naive_seconds, 3),
        "naive_loop_customers": len(rows),
        "naive_loop_extrapolated": len(rows) < n_customers,
        "ratio": round(naive_seconds / fast_seconds, 1),
        "identical": same,
    }


def print_table(rows: list[dict]) -> None:
    """Print the figures, a dataset a line."""
    print(f"\ntop-10 item CF for every customer ({machine()['cores']} cores)")
    print(pd.DataFrame(rows).to_string(index=False))


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark on every dataset; print the table; write JSON with ``--json``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=list(SIZES))
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--data", type=Path, help="folder for the generated lines (kept)")
    parser.add_argument("--json", help="write the figures to this file")
    args = parser.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        for n_rows in sorted(args.sizes):
            source, _ = cached_order_lines(n_rows, args.data or Path(scratch))
            lines = load_npz(source, products=True)
            repeat = 3 if n_rows <= 1_000_000 else 1
            rows.append(bench(f"synthetic {size_label(n_rows)} rows", lines, args.k, repeat))
            del lines
    for name in ("synthetic", "online_retail"):
        try:
            clean, _ = load_clean_transactions(name)
        except FileNotFoundError as err:
            print(f"{name} skipped: {err}", file=sys.stderr)
            continue
        rows.append(bench(name, clean, args.k, 3))
    print_table(rows)
    write_json(args.json, {"benchmark": "recommend_all", "rows": rows})
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Time top-10 item-CF recommendations for every customer: vectorised against a per-customer loop.

Run: ``CVL_DATA_DIR=../shared/datasets .venv/bin/python benchmarks/recommend_all.py``
(Online Retail is skipped, saying why, when the file is absent). For each dataset: item CF is
fitted on all clean order lines, then the top 10 of every customer are computed twice:

- vectorised: :meth:`helpers.recommend.ItemCF.recommend` (a sparse matrix product and
  ``argpartition`` a block of customers at a time);
- naive: a Python loop over customers, each scored on its own (sum of the similarity rows of
  the products it bought, purchased products removed, sorted).

Both must give the same products in the same order; the script checks it and prints the best
of three wall times and their ratio. Not part of the test run.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
import pandas as pd

from helpers.datasets import load_clean_transactions
from helpers.recommend import ItemCF, interaction_matrix


def best_of(function, repeat: int) -> tuple[float, pd.DataFrame]:
    """Best wall time of ``repeat`` calls, and the result of the last."""
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        best = min(best, time.perf_counter() - start)
    return best, result


def naive_loop(model: ItemCF, k: int) -> pd.DataFrame:
    """Top ``k`` per customer, one customer at a time (what a first implementation does)."""
    data = model.interactions_
    similarity = model.similarity_.tocsr()
    products = data.products.to_numpy()
    out = []
    for row, customer in enumerate(data.customers):
        start, end = data.matrix.indptr[row], data.matrix.indptr[row + 1]
        bought = data.matrix.indices[start:end]
        weights = data.matrix.data[start:end]
        scores = np.asarray(similarity[bought].T @ weights).ravel()
        scores = np.round(scores, 10)
        scores[bought] = 0.0
        candidates = np.flatnonzero(scores > 0)
        # best first; equal scores by product id (the columns are sorted by id)
        ranked = candidates[np.lexsort((candidates, -scores[candidates]))][:k]
        for rank, column in enumerate(ranked, start=1):
            out.append((customer, rank, products[column], scores[column]))
    return pd.DataFrame(out, columns=["customer_id", "rank", "product_id", "score"])


def bench(name: str, lines: pd.DataFrame, k: int, repeat: int) -> dict:
    interactions = interaction_matrix(lines)
    start = time.perf_counter()
    model = ItemCF(n_neighbours=50).fit(interactions)
    fit_seconds = time.perf_counter() - start
    fast_seconds, fast = best_of(lambda: model.recommend(None, k), repeat)
    slow_seconds, slow = best_of(lambda: naive_loop(model, k), repeat)
    columns = ["customer_id", "rank", "product_id"]
    same = len(fast) == len(slow) and bool(
        (fast[columns].to_numpy() == slow[columns].to_numpy()).all()
    )
    if not same:
        raise SystemExit(f"{name}: the vectorised and the naive recommendations differ")
    np.testing.assert_allclose(fast["score"], slow["score"], rtol=1e-9)
    return {
        "dataset": name,
        "customers": interactions.shape[0],
        "products": interactions.shape[1],
        "fit_s": round(fit_seconds, 3),
        "vectorised_s": round(fast_seconds, 3),
        "naive_loop_s": round(slow_seconds, 3),
        "ratio": round(slow_seconds / fast_seconds, 1),
        "identical": same,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    rows = []
    clean, _ = load_clean_transactions("synthetic")
    rows.append(bench("synthetic", clean, args.k, args.repeat))
    try:
        clean, _ = load_clean_transactions("online_retail")
    except FileNotFoundError as err:
        print(f"online_retail skipped: {err}")
    else:
        rows.append(bench("online_retail", clean, args.k, args.repeat))
    print(
        f"top-{args.k} item CF for every customer, best of {args.repeat} ({os.cpu_count()} cores)"
    )
    print(pd.DataFrame(rows).to_string(index=False))


if __name__ == "__main__":
    main()

"""Time and judge ALS and BPR on Online Retail: helpers.factorisation against the implicit library.

Run: ``CVL_DATA_DIR=../shared/datasets .venv/bin/python benchmarks/factorisation.py``
(``--json FILE`` for the figures, ``--implicit PYTHON`` for an interpreter that has
``implicit``, ``--repeat N`` fits per timing). Not part of the test run.

The peer: ``implicit`` 0.7.3 (compiled, multithreaded; wheels for CPython 3.11-3.13 only), never
a dependency of the course. It runs in its own virtual environment, made when missing
(``$CVL_IMPLICIT_VENV`` or ``/tmp/implicit-venv``: ``pip install implicit numpy scipy``), fed
the same matrices through a ``.npz`` file; its vectors come back the same way.

Same model on both sides: 64 factors, regularisation 0.01, float32, all cores (2 threads
here). ALS: 15 sweeps, 3 CG steps, confidence ``1 + 40 r`` (``implicit`` takes the confidence
itself as the matrix's value, so it is given ``1 + 40 r`` with ``alpha=1``). BPR: 100 epochs,
learning rate 0.05, product biases, negatives verified.

- **Fit time**: best of ``--repeat`` fits on the whole of Online Retail (binary matrix, about
  4,300 customers x 3,650 products, 265,000 purchases); wall clock and, for ours, CPU time.
- **Quality**: fitted on the lines before 2011-09-01, judged on what each customer bought from
  then on and had not bought before (:func:`helpers.recommend_eval.relevant_items`),
  precision, recall and NDCG at 10. ``implicit``'s vectors are put into our classes, so both
  recommend through the same code (purchased products left out); only the vectors differ.
  Popularity and item CF are there for scale.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp
from harness import machine, write_json

from helpers.datasets import load_clean_transactions
from helpers.factorisation import ALSRecommender, BPRRecommender
from helpers.recommend import ItemCF, PopularityRecommender, interaction_matrix
from helpers.recommend_eval import evaluate_recommenders, relevant_items, time_split

IMPLICIT_VENV = Path(os.environ.get("CVL_IMPLICIT_VENV", "/tmp/implicit-venv"))
TEST_START = "2011-09-01"
SETTINGS = {"factors": 64, "regularization": 0.01}
ALS = {**SETTINGS, "alpha": 40.0, "iterations": 15}
BPR = {**SETTINGS, "learning_rate": 0.05, "iterations": 100}

PEER = r"""
import sys, time, json
import numpy as np, scipy.sparse as sp
from threadpoolctl import threadpool_limits
from implicit.cpu.als import AlternatingLeastSquares
from implicit.cpu.bpr import BayesianPersonalizedRanking
folder, repeat = sys.argv[1], int(sys.argv[2])
settings = json.loads(sys.argv[3])
out = {}
for name in ("full", "train"):
    binary = sp.load_npz(f"{folder}/{name}.npz").tocsr().astype(np.float32)
    confidence = binary.copy()
    confidence.data = 1.0 + settings["alpha"] * confidence.data
    for method in ("als", "bpr"):
        best = float("inf")
        for _ in range(repeat if name == "full" else 1):
            if method == "als":
                model = AlternatingLeastSquares(
                    factors=settings["factors"], regularization=settings["regularization"],
                    alpha=1.0, iterations=settings["als_iterations"], use_cg=True,
                    random_state=0, num_threads=0)
                data = confidence
            else:
                model = BayesianPersonalizedRanking(
                    factors=settings["factors"], learning_rate=settings["learning_rate"],
                    regularization=settings["regularization"],
                    iterations=settings["bpr_iterations"], random_state=0, num_threads=0)
                data = binary
            with threadpool_limits(1, "blas"):
                start = time.perf_counter()
                model.fit(data, show_progress=False)
                best = min(best, time.perf_counter() - start)
        out[f"{name}_{method}_s"] = best
        np.save(f"{folder}/{name}_{method}_users.npy", model.user_factors)
        np.save(f"{folder}/{name}_{method}_items.npy", model.item_factors)
print(json.dumps(out))
"""


def implicit_python(python: str | None = None) -> str:
    """Return an interpreter with ``implicit``, making its virtual environment when missing."""
    if python:
        return python
    interpreter = IMPLICIT_VENV / "bin" / "python"
    check = [str(interpreter), "-c", "import implicit"]
    if interpreter.exists() and subprocess.run(check, capture_output=True).returncode == 0:
        return str(interpreter)
    print(f"making the implicit environment in {IMPLICIT_VENV} (about a minute)", flush=True)
    subprocess.run([sys.executable, "-m", "venv", str(IMPLICIT_VENV)], check=True)
    pip = [str(interpreter), "-m", "pip", "install", "--quiet", "implicit", "numpy", "scipy"]
    subprocess.run(pip, check=True)
    return str(interpreter)


def run_peer(python: str, full: sp.csr_matrix, train: sp.csr_matrix, folder: str, repeat: int):
    """Fit implicit's ALS and BPR on both matrices; return its times and vectors."""
    sp.save_npz(f"{folder}/full.npz", full)
    sp.save_npz(f"{folder}/train.npz", train)
    settings = {
        **SETTINGS,
        "alpha": ALS["alpha"],
        "als_iterations": ALS["iterations"],
        "learning_rate": BPR["learning_rate"],
        "bpr_iterations": BPR["iterations"],
    }
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1"}
    done = subprocess.run(
        [python, "-c", PEER, folder, str(repeat), json.dumps(settings)],
        capture_output=True, text=True, check=True, env=env,
    )  # fmt: skip
    times = json.loads(done.stdout.strip().splitlines()[-1])
    vectors = {
        (name, method): (
            np.load(f"{folder}/{name}_{method}_users.npy"),
            np.load(f"{folder}/{name}_{method}_items.npy"),
        )
        for name in ("full", "train")
        for method in ("als", "bpr")
    }
    return times, vectors


def time_fit(model_class, settings: dict, interactions, repeat: int) -> tuple[float, float]:
    """Best wall and CPU seconds of ``repeat`` fits."""
    wall, cpu = float("inf"), float("inf")
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        model_class(**settings).fit(interactions)
        wall = min(wall, time.perf_counter() - start)
        cpu = min(cpu, time.process_time() - start_cpu)
    return wall, cpu


def wrap(model_class, interactions, users: np.ndarray, items: np.ndarray):
    """One of our recommenders holding implicit's vectors (BPR's bias is its last column)."""
    model = model_class()
    model.interactions_ = interactions
    model.user_factors_, model.item_factors_ = users, items
    if model_class is BPRRecommender:
        model.item_biases_ = np.zeros(len(items), dtype=items.dtype)  # in the vectors already
    return model


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; print the tables; write JSON with ``--json``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--implicit", help="a Python interpreter with implicit installed")
    parser.add_argument("--json", help="write the figures to this file")
    args = parser.parse_args(argv)
    clean, _ = load_clean_transactions("online_retail")
    full = interaction_matrix(clean)
    train_lines, test_lines = time_split(clean, TEST_START)
    train = interaction_matrix(train_lines)
    relevant = relevant_items(train_lines, test_lines)
    print(
        f"Online Retail: {full.shape[0]:,} customers x {full.shape[1]:,} products, "
        f"{full.matrix.nnz:,} purchases; training matrix {train.shape}, "
        f"{relevant['customer_id'].nunique():,} customers judged",
        flush=True,
    )
    with tempfile.TemporaryDirectory() as folder:
        peer_times, vectors = run_peer(
            implicit_python(args.implicit), full.matrix, train.matrix, folder, args.repeat
        )
    rows = []
    for name, model_class, settings in (("ALS", ALSRecommender, ALS), ("BPR", BPRRecommender, BPR)):
        repeat = args.repeat if name == "ALS" else 1
        wall, cpu = time_fit(model_class, settings, full, repeat)
        peer = peer_times[f"full_{name.lower()}_s"]
        rows.append(
            {
                "method": name,
                "ours_s": round(wall, 3),
                "ours_cpu_s": round(cpu, 3),
                "implicit_s": round(peer, 3),
                "ratio": round(wall / peer, 2),
            }
        )
    timing = pd.DataFrame(rows)
    models = {
        "popularity": PopularityRecommender(),
        "item CF (50)": ItemCF(50),
        "ALS (ours)": ALSRecommender(**ALS).fit(train),
        "ALS (implicit)": wrap(ALSRecommender, train, *vectors[("train", "als")]),
        "BPR (ours)": BPRRecommender(**BPR).fit(train),
        "BPR (implicit)": wrap(BPRRecommender, train, *vectors[("train", "bpr")]),
    }
    for name in ("popularity", "item CF (50)"):
        models[name].fit(train)
    quality, _ = evaluate_recommenders(models, train, relevant, 10, fit=False)
    quality = quality[["precision", "recall", "ndcg", "hit_rate", "coverage", "customers"]]
    info = machine()
    print(f"\nfit time on Online Retail ({info['cores']} cores, load {info['load_average']})")
    print(timing.to_string(index=False))
    print(f"\nquality at 10, trained before {TEST_START}")
    print(quality.round(4).to_string())
    write_json(
        args.json,
        {
            "benchmark": "factorisation",
            "rows": rows,
            "quality": quality.reset_index().to_dict(orient="records"),
        },
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

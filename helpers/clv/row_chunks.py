"""Group a customer table's distinct rows, work on them in chunks on threads, take quantiles.

A customer table repeats itself: customers with the same (frequency, recency, T) get the same
predictions, so :func:`distinct_rows` groups them once (and gives each customer its group).
The per-customer intervals of :mod:`helpers.clv.intervals` evaluate rows x parameter draws
in chunks of rows that :func:`run_chunks` hands to a pool of threads (NumPy's and SciPy's
functions release the GIL), and :class:`Quantiles` reads each row's quantiles from one sort.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np

__all__: list[str] = []

ELEMENTS_PER_CHUNK = 1 << 18  # rows x draws per chunk: 2 MB per float array


def distinct_rows(data: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return the distinct rows of ``data`` (sorted by its columns) and each row's position."""
    order = np.lexsort(data.T[::-1])
    ordered = data[order]
    new = np.ones(len(ordered), dtype=bool)
    new[1:] = np.any(ordered[1:] != ordered[:-1], axis=1)
    inverse = np.empty(len(ordered), dtype=np.intp)
    inverse[order] = np.cumsum(new) - 1
    return ordered[new], inverse


def resolve_n_jobs(n_jobs: int | None) -> int:
    """Return the number of threads: ``n_jobs`` checked (>= 1), or every usable core if None."""
    if n_jobs is None:
        try:
            return max(1, len(os.sched_getaffinity(0)))
        except AttributeError:  # not on Linux
            return max(1, os.cpu_count() or 1)
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, int | np.integer) or n_jobs < 1:
        raise ValueError(f"n_jobs must be a whole number >= 1 or None (all cores); got {n_jobs!r}")
    return int(n_jobs)


def chunk_rows(n_draws: int, elements: int = ELEMENTS_PER_CHUNK) -> int:
    """Return the rows per chunk so that rows x draws stays near ``elements`` (at least 16)."""
    return max(16, elements // max(n_draws, 1))


def run_chunks(work: Callable[[slice, int], None], n_rows: int, size: int, n_jobs: int) -> int:
    """Call ``work(rows, k)`` for chunks of ``size`` rows, on a pool of ``n_jobs`` threads."""
    chunks = [slice(i, min(i + size, n_rows)) for i in range(0, n_rows, size)]
    if n_jobs == 1 or len(chunks) == 1:
        for k, rows in enumerate(chunks):
            work(rows, k)
        return len(chunks)
    with ThreadPoolExecutor(n_jobs) as pool:
        list(pool.map(work, chunks, range(len(chunks))))
    return len(chunks)


class Quantiles:
    """Linear-interpolated quantiles of each row (NumPy's default method), from one sort.

    Sorting each row (NumPy's vectorised sort) is faster here than ``np.partition`` at
    several order statistics, and than ``np.quantile``, which sorts once per probability.
    """

    def __init__(self, probabilities: Sequence[float], n: int):
        positions = np.asarray(probabilities, dtype=float) * (n - 1)
        self.low = np.floor(positions).astype(int)
        self.high = np.minimum(self.low + 1, n - 1)
        self.share = positions - self.low

    def __call__(self, values: np.ndarray, *, inplace: bool = False) -> np.ndarray:
        """Return the quantiles of each row of ``values`` (rows x probabilities).

        With ``inplace``, ``values`` is sorted in place (no copy).
        """
        if inplace:
            values.sort(axis=1)  # NaN last
            ordered = values
        else:
            ordered = np.sort(values, axis=1)
        low, high = ordered[:, self.low], ordered[:, self.high]
        with np.errstate(invalid="ignore"):
            out = np.where((low == high) | (self.share == 0), low, low + self.share * (high - low))
        out[np.isnan(ordered[:, -1])] = np.nan
        return out

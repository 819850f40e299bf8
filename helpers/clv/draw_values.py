"""A purchase model's values at many parameter draws at once: rows x draws arrays.

The per-customer intervals (:mod:`helpers.clv.intervals`) need each customer's P(alive) and
expected purchases at every parameter draw (:func:`helpers.clv.laplace.parameter_draws`).
:class:`_Values` gets them from the model's own public methods, once per draw, on a copy of
the model with that draw's parameters (every model; a few seconds for 10,000 customers x 500
draws). :class:`_BetaGeoValues` is BG/NBD's fast path, vectorised over the draws: the
expensive part of its expectation, a hypergeometric function of (frequency, T), is computed
exactly at a few points per frequency and draw and interpolated between them, checked to
1e-10. :func:`spend_draw_values` is Gamma-Gamma's expected spend at every draw.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence

import numpy as np
import pandas as pd
from numpy.polynomial import chebyshev
from scipy import fft

from helpers.clv.bg_nbd import BetaGeoModel
from helpers.clv.fitting import Fitter, hyp2f1
from helpers.clv.gamma_gamma import GammaGamma
from helpers.clv.row_chunks import ELEMENTS_PER_CHUNK, chunk_rows, distinct_rows, run_chunks

__all__: list[str] = []

_TABLE_ELEMENTS = 1 << 22  # largest table of log(alpha + time), times x draws: 32 MB


def _with_params(model: Fitter, params: np.ndarray) -> Fitter:
    """Return a shallow copy of ``model`` whose ``params_`` are ``params``."""
    clone = copy.copy(model)
    clone.params_ = pd.Series(params, index=list(model.PARAMS), name="estimate")
    return clone


class _Values:
    """A purchase model's values at every parameter draw, for a chunk of rows (rows x draws).

    The generic version calls the model's public methods once per draw, on a copy of the
    model with that draw's parameters. :meth:`future` gives sum_k w_k E[Y(t_k) | row], the
    expected purchases (one end, weight 1) or the discounted ones of the CLV; its ends and
    weights are fixed once by :meth:`prepare`, which sees every distinct row.
    """

    def __init__(self, model: Fitter, draws: np.ndarray):
        self.model = model
        self.draws = draws
        self.copies = [_with_params(model, row) for row in draws]

    def prepare_rows(self, x: np.ndarray, tx: np.ndarray, t_obs: np.ndarray) -> None:
        """See every distinct row once before the chunks (nothing to do here)."""

    def alive(self, x: np.ndarray, tx: np.ndarray, t_obs: np.ndarray) -> np.ndarray:
        with np.errstate(all="ignore"):
            return np.column_stack([m.probability_alive(x, tx, t_obs) for m in self.copies])

    def prepare(self, ends: Sequence[float], weights: Sequence[float], x, t_obs):
        """Return what :meth:`future` needs for these ends and weights, on these rows."""
        return list(zip(ends, weights, strict=True))

    def future(self, prepared, x, tx, t_obs, alive: np.ndarray) -> np.ndarray:
        """Return sum_k w_k E[Y(t_k) | row] at every draw (rows x draws)."""
        out = np.zeros((len(x), len(self.copies)))
        with np.errstate(all="ignore"):
            for j, m in enumerate(self.copies):
                for end, weight in prepared:
                    out[:, j] += weight * m.conditional_expected_purchases(end, x, tx, t_obs)
        return out


class _BetaGeoValues(_Values):
    """BG/NBD, vectorised over draws: E[Y(t) | x, t_x, T] = P(alive) G(t; x, T).

    G(t; x, T) = (a+b+x-1)/(a-1) [1 - ((alpha+T)/(alpha+T+t))^(r+x)
    2F1(r+x, b+x; a+b+x-1; t/(alpha+T+t))] does not depend on t_x. At a = 1 the factor
    (a+b+x-1)/(a-1) is infinite and the bracket 0; draws within 1e-5 of 1 are interpolated
    between 1 -+ 1e-5, as the model does.

    The hypergeometric function costs most. For a frequency x shared by many distinct T,
    sum_k w_k G(t_k; x, T) is a smooth function of v = log(alpha_hat + T) (its singularities
    are at T = -alpha and T = -alpha - t, off the data's range): it is computed exactly at
    24 Chebyshev points of v's range for every draw, and interpolated (a matrix product)
    elsewhere. The interpolant is checked against the exact value at five points between
    them (the range's ends, next to them, the middle); if any draw is off by more than 1e-10
    (relative), that frequency is computed exactly everywhere instead. Frequencies with few
    distinct T are always computed exactly. Rows must come sorted by x, then T.
    """

    NODES = 24
    TOLERANCE = 1e-10

    def __init__(self, model: Fitter, draws: np.ndarray):
        self.model = model
        self.draws = draws
        self.r, self.alpha, self.a, self.b = (np.ascontiguousarray(c) for c in draws.T)
        self.shift = float(model.params_.to_numpy()[1])  # alpha_hat: v = log(alpha_hat + T)

    def prepare_rows(self, x: np.ndarray, tx: np.ndarray, t_obs: np.ndarray) -> None:
        """See every distinct row once: log(alpha + time) per distinct time, if few."""
        times = np.unique(np.concatenate([tx, t_obs]))
        self.times = times if len(times) * len(self.alpha) <= _TABLE_ELEMENTS else None
        if self.times is not None:
            self.log_times = np.log(self.alpha + times[:, None])

    def alive(self, x, tx, t_obs):
        # rows come sorted by x: the rows with x = 0 (P(alive) = 1) come first
        out = np.empty((len(x), len(self.r)))
        first = int(np.searchsorted(x, 0.0, side="right"))
        out[:first] = 1.0
        if first == len(x):
            return out
        x, tx, t_obs = x[first:], tx[first:], t_obs[first:]
        z = out[first:]
        with np.errstate(all="ignore"):
            if getattr(self, "times", None) is not None:
                np.take(self.log_times, np.searchsorted(self.times, t_obs), axis=0, out=z)
                z -= self.log_times[np.searchsorted(self.times, tx)]
            else:
                np.log(self.alpha + t_obs[:, None], out=z)
                z -= np.log(self.alpha + tx[:, None])
            # log P(dead) / P(alive) = log a - log(b + x - 1) + (r + x) log((alpha+T)/(alpha+t_x))
            values, starts = np.unique(x, return_index=True)
            stops = [*starts[1:], len(x)]
            log_a = np.log(self.a)
            for value, start, stop in zip(values, starts, stops, strict=True):
                part = z[start:stop]
                part *= self.r + value
                part += log_a - np.log(self.b + value - 1)
            np.exp(z, out=z)
            z += 1.0
            np.reciprocal(z, out=z)
        return out

    def _g(self, t: float, x: np.ndarray, t_obs: np.ndarray, a: np.ndarray) -> np.ndarray:
        r, alpha, b = self.r, self.alpha, self.b
        with np.errstate(all="ignore"):
            near = alpha + t_obs
            far = near + t
            hyp = hyp2f1(r + x, b + x, a + b + x - 1, t / far)
            return (a + b + x - 1) / (a - 1) * (1 - np.exp((r + x) * np.log(near / far)) * hyp)

    def _exact(self, prepared, x: np.ndarray, t_obs: np.ndarray) -> np.ndarray:
        """Return sum_k w_k G(t_k; x, T) at every draw, exactly (rows x draws)."""
        x, t_obs = x[:, None], t_obs[:, None]
        h = 1e-5
        near_one = np.abs(self.a - 1) < h
        total = np.zeros((len(x), len(self.a)))
        for end, weight in prepared["ends"]:
            g = self._g(end, x, t_obs, self.a)
            if near_one.any():
                low = self._g(end, x, t_obs, np.full(len(self.a), 1 - h))
                high = self._g(end, x, t_obs, np.full(len(self.a), 1 + h))
                share = (self.a - (1 - h)) / (2 * h)
                g[:, near_one] = (low + share * (high - low))[:, near_one]
            total += weight * g
        return total

    def prepare(self, ends, weights, x, t_obs):
        prepared = {"ends": list(zip(ends, weights, strict=True)), "tables": {}}
        pairs, _ = distinct_rows(np.column_stack([x, t_obs]))
        values, starts, counts = np.unique(pairs[:, 0], return_index=True, return_counts=True)
        n = self.NODES
        nodes = np.cos(np.pi * (np.arange(n) + 0.5) / n)  # first kind, from 1 down to -1
        # the range's ends, half-way to the outermost points, and the middle (between points)
        checks = np.array([1.0, np.cos(np.pi / (2 * n)), 0.0, -np.cos(np.pi / (2 * n)), -1.0])
        at = np.concatenate([nodes, checks])
        groups = [
            (float(value), pairs[start : start + count, 1])
            for value, start, count in zip(values, starts, counts, strict=True)
            if count > len(at)  # else cheaper exactly
        ]
        if not groups:
            return prepared
        ranges = [(np.log(self.shift + t.min()), np.log(self.shift + t.max())) for _, t in groups]
        xs = np.repeat([value for value, _ in groups], len(at))
        ts = np.concatenate(
            [np.exp(lo + (at + 1) / 2 * (hi - lo)) - self.shift for lo, hi in ranges]
        )
        exact = np.empty((len(xs), len(self.a)))

        def work(rows: slice, _: int) -> None:
            exact[rows] = self._exact(prepared, xs[rows], ts[rows])

        run_chunks(work, len(xs), chunk_rows(len(self.a)), self.n_jobs)
        check_basis = chebyshev.chebvander(checks, n - 1)
        for k, ((value, _), (low, high)) in enumerate(zip(groups, ranges, strict=True)):
            block = exact[k * len(at) : (k + 1) * len(at)]
            coefficients = fft.dct(block[:n], type=2, axis=0) / n
            coefficients[0] /= 2
            with np.errstate(all="ignore"):
                error = np.abs(check_basis @ coefficients / block[n:] - 1)
            if np.all(np.isfinite(coefficients)) and np.all(error <= self.TOLERANCE):
                prepared["tables"][value] = (low, high, coefficients)
        return prepared

    def future(self, prepared, x, tx, t_obs, alive):
        # distinct (x, T) pairs of the chunk (rows come sorted by x, then T)
        new = np.ones(len(x), dtype=bool)
        new[1:] = (x[1:] != x[:-1]) | (t_obs[1:] != t_obs[:-1])
        index = np.cumsum(new) - 1
        px, pt = x[new], t_obs[new]
        total = np.empty((len(px), len(self.a)))
        direct = np.ones(len(px), dtype=bool)
        for value in np.unique(px):
            table = prepared["tables"].get(float(value))
            if table is None:
                continue
            low, high, coefficients = table
            rows = px == value
            where = (2 * (np.log(self.shift + pt[rows]) - low) / (high - low) - 1).clip(-1, 1)
            total[rows] = chebyshev.chebvander(where, self.NODES - 1) @ coefficients
            direct[rows] = False
        if direct.any():
            total[direct] = self._exact(prepared, px[direct], pt[direct])
        out = total[index]
        out *= alive
        return out


def values_for(model: Fitter, draws: np.ndarray, n_jobs: int) -> _Values:
    """Return the evaluator of ``model``'s per-customer values at each parameter draw."""
    fast = type(model) is BetaGeoModel
    values = _BetaGeoValues(model, draws) if fast else _Values(model, draws)
    values.n_jobs = n_jobs
    # the per-draw calls of the generic path cost a fixed overhead each: larger chunks
    values.chunk_rows = chunk_rows(len(draws), ELEMENTS_PER_CHUNK * (1 if fast else 8))
    return values


def spend_draw_values(spend_model: GammaGamma, draws: np.ndarray, x, m) -> np.ndarray:
    """Gamma-Gamma E[M | x, m] at every draw (rows x draws); +inf where the mean is infinite."""
    p, q, g = (c[None, :] for c in draws.T)
    x, m = x[:, None], np.where(x > 0, m, 0.0)[:, None]
    denominator = p * x + q - 1
    with np.errstate(all="ignore"):
        return np.where(denominator > 0, p * (g + x * m) / denominator, np.inf)

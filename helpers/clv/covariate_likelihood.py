"""The likelihood machinery of :class:`helpers.clv.covariates.CovariateModel`.

How covariates enter (the **links**): each process's covariates z_i scale one parameter of
the base model, log theta_i = log theta0 + sign * g' z_i (see :mod:`helpers.clv.covariates`).
:class:`_Problem` holds the grouped rows of one fit and gives the weighted log-likelihood, its
exact gradient and its Hessian in the search's parameters (the base parameters on the log
scale, then the coefficients of centred and scaled covariates), runs the search, and maps the
optimum back to the covariates' own scale.

The log-likelihood of a row is the base model's with the row's own parameters. Its gradient
in log theta_i is exact for BG/NBD and Gamma-Gamma (:mod:`helpers.clv.covariate_gradients`),
taken from the model's own per-row gradient for the Pareto/NBD when it has one
(``ParetoNBDModel._row_gradient``), and else (the Modified BG/NBD) central differences of the
per-row log-likelihood; the map from the parameters to log theta_i is linear, so the total's
gradient and Hessian follow from the per-row ones.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from helpers.clv.bg_nbd import BetaGeoModel
from helpers.clv.covariate_gradients import bg_rows, gg_rows
from helpers.clv.fitting import exact_search
from helpers.clv.gamma_gamma import GammaGamma
from helpers.clv.mbg_nbd import ModifiedBetaGeoModel
from helpers.clv.pareto_nbd import ParetoNBDModel
from helpers.clv.row_chunks import distinct_rows

__all__: list[str] = []

PURCHASE, DROPOUT, SPEND = "purchase", "dropout", "spend"


@dataclass(frozen=True)
class Link:
    """How the covariates of one process enter the base model."""

    process: str
    param: int  # the index in the base model's PARAMS of the parameter they scale
    sign: float  # log theta_i = log theta0 + sign * g' z_i
    effect_on: str  # what exp(coefficient) multiplies


_PURCHASE_RATE = Link(PURCHASE, 1, -1.0, "mean purchase rate r/alpha")
_BG_DROPOUT = Link(DROPOUT, 3, -1.0, "odds a/b of the mean dropout probability")
LINKS: dict[type, dict[str, Link]] = {
    BetaGeoModel: {PURCHASE: _PURCHASE_RATE, DROPOUT: _BG_DROPOUT},
    ModifiedBetaGeoModel: {PURCHASE: _PURCHASE_RATE, DROPOUT: _BG_DROPOUT},
    ParetoNBDModel: {
        PURCHASE: _PURCHASE_RATE,
        DROPOUT: Link(DROPOUT, 3, -1.0, "mean dropout rate s/beta"),
    },
    GammaGamma: {SPEND: Link(SPEND, 2, 1.0, "mean spend per purchase p*gamma/(q-1)")},
}

# Steps in log theta: the gradient's central differences (where not exact), the Hessian's
_GRAD_STEP = 1e-4
_HESS_STEP_EXACT = 1e-5
_HESS_STEP = 5e-4


#: The exact row functions, and the processes whose covariates change the parameters that
#: their special functions see (besides x): the rows are keyed by x and those covariates.
_EXACT: dict[type, tuple[Callable, tuple[str, ...]]] = {
    BetaGeoModel: (bg_rows, (DROPOUT,)),
    GammaGamma: (gg_rows, ()),
}

_broadcast_checked: dict[type, bool] = {}


def _broadcasts(cls: type) -> bool:
    """Whether ``cls._loglik`` takes one parameter value per row (checked once, on 2 rows).

    The Pareto/NBD's log-likelihood chooses its formula by comparing alpha with beta; a
    version that does it per row gives the same values per row as two scalar calls.
    """
    if cls not in _broadcast_checked:
        theta = (
            np.array([0.5, 0.8]),
            np.array([2.0, 10.0]),
            np.array([0.7, 1.2]),
            np.array([5.0, 3.0]),
        )
        x, tx, t_obs = np.array([2.0, 3.0]), np.array([5.0, 7.0]), np.array([10.0, 12.0])
        try:
            with np.errstate(all="ignore"):
                together = np.asarray(cls._loglik(theta, x, tx, t_obs), dtype=float)
                alone = [
                    float(
                        cls._loglik(
                            tuple(float(v[i]) for v in theta),
                            x[i : i + 1],
                            tx[i : i + 1],
                            t_obs[i : i + 1],
                        )[0]
                    )
                    for i in range(2)
                ]
            ok = together.shape == (2,) and bool(np.allclose(together, alone, rtol=1e-10))
        except (ValueError, TypeError):
            ok = False
        _broadcast_checked[cls] = ok
    return _broadcast_checked[cls]


class _Problem:
    """The grouped rows of one fit and the log-likelihood as a function of the parameters.

    The parameter vector ``v`` holds the base parameters on the log scale, then the
    coefficients of each link's (centred and scaled) covariates.
    """

    def __init__(self, cls, links, data, counts, designs, patterns, centre, spread):
        self.cls, self.links, self.data, self.counts = cls, links, data, counts
        self.designs = designs  # one (rows, k) matrix per link, scaled
        self.centre, self.spread = centre, spread  # per link: the covariates' means and SDs
        self.patterns = patterns  # row indices of each covariate pattern
        self.n_params = len(cls.PARAMS)
        self.size = self.n_params + sum(d.shape[1] for d in designs)
        self.vectorised = cls is not ParetoNBDModel or _broadcasts(cls)
        self.exact = None
        if cls in _EXACT:
            function, keyed = _EXACT[cls]
            columns = [data[0]]  # x, and the covariates that move the special functions
            for link, design in zip(links, designs, strict=True):
                if link.process in keyed:
                    columns += list(design.T)
            _, _, inverse = _group(columns)
            rep = np.zeros(inverse.max() + 1, dtype=np.int64)
            rep[inverse] = np.arange(len(inverse))
            key = (rep, inverse)
            self.exact = lambda theta, *cols: function(theta, *cols, key=key)
        elif getattr(cls, "_row_gradient", None) is not None and self.vectorised:
            self.exact = self._native(cls._row_gradient)

    def _native(self, row_gradient: Callable) -> Callable:
        """Value and log-parameter gradient from the base model's own exact row gradient."""

        def rows(theta, *data):
            value = np.asarray(self.cls._loglik(tuple(theta), *data), dtype=float)
            grad = np.asarray(row_gradient(tuple(theta), *data), dtype=float)
            return value, grad * np.column_stack(np.broadcast_arrays(*theta))

        return rows

    def log_theta(self, v: np.ndarray) -> list[np.ndarray]:
        """Per-row log parameters."""
        n = len(self.counts)
        out = [np.full(n, v[k]) for k in range(self.n_params)]
        start = self.n_params
        for link, design in zip(self.links, self.designs, strict=True):
            stop = start + design.shape[1]
            out[link.param] = out[link.param] + link.sign * (design @ v[start:stop])
            start = stop
        return out

    def loglik(self, log_theta: list[np.ndarray]) -> np.ndarray:
        theta = [np.exp(t) for t in log_theta]
        with np.errstate(all="ignore"):
            if self.vectorised:
                return np.asarray(self.cls._loglik(tuple(theta), *self.data), dtype=float)
            out = np.empty(len(self.counts))
            for rows in self.patterns:  # scalar parameters per pattern
                first = rows[0]
                params = tuple(float(t[first]) for t in theta)
                out[rows] = self.cls._loglik(params, *(d[rows] for d in self.data))
            return out

    def rows(self, log_theta: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        """Per-row log-likelihood and its gradient in log theta_i, shape (rows, params)."""
        if self.exact is not None:
            with np.errstate(all="ignore"):
                return self.exact([np.exp(t) for t in log_theta], *self.data)
        value = self.loglik(log_theta)
        grad = np.empty((len(value), self.n_params))
        for k in range(self.n_params):
            up, down = list(log_theta), list(log_theta)
            up[k], down[k] = log_theta[k] + _GRAD_STEP, log_theta[k] - _GRAD_STEP
            grad[:, k] = (self.loglik(up) - self.loglik(down)) / (2 * _GRAD_STEP)
        return value, grad

    def total(self, v: np.ndarray) -> tuple[float, np.ndarray]:
        """Weighted total log-likelihood and its gradient in ``v``."""
        value, grad = self.rows(self.log_theta(v))
        weighted = self.counts[:, None] * grad
        out = np.empty(self.size)
        out[: self.n_params] = weighted.sum(axis=0)
        start = self.n_params
        for link, design in zip(self.links, self.designs, strict=True):
            stop = start + design.shape[1]
            out[start:stop] = link.sign * (design.T @ weighted[:, link.param])
            start = stop
        return float(self.counts @ value), out

    def row_hessians(self, log_theta: list[np.ndarray]) -> np.ndarray:
        """Per-row Hessians of the log-likelihood in log theta_i, shape (rows, params, params)."""
        n, k = len(self.counts), self.n_params
        hess = np.empty((n, k, k))

        def moved(steps: dict[int, float]) -> list[np.ndarray]:
            out = list(log_theta)
            for j, h in steps.items():
                out[j] = out[j] + h
            return out

        if self.exact is not None:
            h = _HESS_STEP_EXACT
            for j in range(k):
                hess[:, :, j] = (self.rows(moved({j: h}))[1] - self.rows(moved({j: -h}))[1]) / (
                    2 * h
                )
            return (hess + hess.transpose(0, 2, 1)) / 2
        h = _HESS_STEP
        for i in range(k):
            for j in range(i, k):

                def at(si: float, sj: float, i=i, j=j) -> np.ndarray:
                    steps = {i: si * h}
                    steps[j] = steps.get(j, 0.0) + sj * h
                    return self.loglik(moved(steps))

                value = (at(1, 1) - at(1, -1) - at(-1, 1) + at(-1, -1)) / (4 * h * h)
                hess[:, i, j] = hess[:, j, i] = value
        return hess

    def hessian(self, v: np.ndarray) -> np.ndarray:
        """Hessian of the weighted total log-likelihood in ``v``."""
        per_row = self.row_hessians(self.log_theta(v))
        n, k = len(self.counts), self.n_params
        jac = np.zeros((n, k, self.size))  # d log theta_i / d v
        jac[:, np.arange(k), np.arange(k)] = 1.0
        start = k
        for link, design in zip(self.links, self.designs, strict=True):
            stop = start + design.shape[1]
            jac[:, link.param, start:stop] = link.sign * design
            start = stop
        inner = np.einsum("npq,nqj->npj", per_row, jac)
        return np.einsum("npi,npj->ij", jac * self.counts[:, None, None], inner)

    def maximise(self, start: np.ndarray, max_iter: int) -> tuple[np.ndarray, float, bool]:
        """Maximise the log-likelihood from ``start``: the optimum, its value, and convergence.

        The fitters' search on the exact gradient (see ``helpers.clv.fitting.exact_search``),
        on the log-likelihood per customer, so that the tolerances do not depend on their
        number.
        """
        scale = max(float(self.counts.sum()), 1.0)

        def negll(v: np.ndarray) -> tuple[float, np.ndarray]:
            total, grad = self.total(v)
            if not (np.isfinite(total) and np.all(np.isfinite(grad))):
                return 1e300, np.zeros_like(v)
            return -total / scale, -grad / scale

        best, converged = exact_search(negll, start, max_iter)
        return best.x, -float(best.fun) * scale, converged

    def unscaled(self, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return the estimates at ``v`` on the covariates' own scale, and their covariance.

        The base parameters are natural (their covariance by the delta method from the log
        scale of the search), the coefficients per unit of each covariate; the map from the
        search's (log theta0*, g*) on scaled covariates is linear, so it is exact.
        """
        k = self.n_params
        back = np.eye(self.size)
        start = k
        for link, c, s in zip(self.links, self.centre, self.spread, strict=True):
            stop = start + len(c)
            back[start:stop, start:stop] = np.diag(1.0 / s)
            back[link.param, start:stop] = -link.sign * c / s
            start = stop
        estimate = back @ v
        try:
            with np.errstate(all="ignore"):
                information = -self.hessian(v)
            covariance = back @ np.linalg.inv(information) @ back.T
        except np.linalg.LinAlgError:
            covariance = np.full((self.size, self.size), np.nan)
        natural = np.concatenate([np.exp(estimate[:k]), np.ones(self.size - k)])
        estimate = np.concatenate([np.exp(estimate[:k]), estimate[k:]])
        return estimate, natural[:, None] * covariance * natural[None, :]


def make_problem(cls: type, links: list, data: list[np.ndarray], raw: list[np.ndarray]) -> _Problem:
    """Group the rows of ``data`` and the covariates ``raw`` (one block per link) for a fit.

    Each link's covariates are centred and scaled (for the search's conditioning; the
    estimates are mapped back exactly by :meth:`_Problem.unscaled`).
    """
    centre = [z.mean(axis=0) for z in raw]
    spread = [z.std(axis=0) for z in raw]
    every = np.column_stack(raw) if raw else np.empty((len(data[0]), 0))
    unique, counts, _ = _group(data + list(every.T))
    grouped = [np.ascontiguousarray(c) for c in unique.T]
    columns_z = grouped[len(data) :]
    designs, start = [], 0
    for z, c, s in zip(raw, centre, spread, strict=True):
        block = np.column_stack(columns_z[start : start + z.shape[1]])
        designs.append((block - c) / s)
        start += z.shape[1]
    z_grouped = np.column_stack(columns_z) if columns_z else np.empty((len(counts), 0))
    data = tuple(grouped[: len(data)])
    return _Problem(cls, links, data, counts, designs, pattern_rows(z_grouped), centre, spread)


def _group(columns: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return the distinct rows of the stacked columns, their counts and each row's group."""
    unique, inverse = distinct_rows(np.column_stack(columns))
    return unique, np.bincount(inverse).astype(float), inverse


def pattern_rows(values: np.ndarray) -> list[np.ndarray]:
    """Row indices of each distinct row of ``values`` (rows, k); one group when k is 0."""
    if values.shape[1] == 0:
        return [np.arange(len(values))]
    _, _, inverse = _group(list(values.T))
    order = np.argsort(inverse, kind="stable")
    bounds = np.flatnonzero(np.diff(inverse[order])) + 1
    return np.split(order, bounds)

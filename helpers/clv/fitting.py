"""What the CLV models share: the maximum-likelihood fitter, its checks and special functions.

:class:`Fitter` maximises a model's log-likelihood on log-parameters over grouped rows
(with the exact gradient when the model gives one, else finite differences), and gives
standard errors from the Hessian and 95% intervals; :class:`PurchaseModel` is the API of
the purchase models (fit on frequency, recency and T; log-likelihood per customer; predict).
The models are in the sibling modules, one per family (see :mod:`helpers.clv`).
"""

from __future__ import annotations

import json
import os
import tempfile
import warnings
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import linalg, optimize, special
from threadpoolctl import ThreadpoolController

from helpers.checks import check_numbers, require_columns
from helpers.clv_data import BTYD_FREQUENCY, BTYD_MONETARY, BTYD_RECENCY, BTYD_T

__all__ = ["ConvergenceWarning", "NotFittedError", "check_is_fitted"]

Z95 = 1.959963984540054
SAVE_FORMAT = 1  # version of the JSON written by Fitter.save
#: The summary's column names a model reads unless told otherwise (see :func:`fit_columns`).
DEFAULT_COLUMNS = {
    "frequency_col": BTYD_FREQUENCY,
    "recency_col": BTYD_RECENCY,
    "T_col": BTYD_T,
    "monetary_col": BTYD_MONETARY,
}


class ConvergenceWarning(UserWarning):
    """A model's fit is not to be trusted: the search failed or a parameter ran away.

    Issued by ``fit`` of every model of :mod:`helpers.clv` (as scikit-learn's
    ``ConvergenceWarning``); the message names the model, the parameter and what to do.
    Filter it like any warning, e.g. ``warnings.simplefilter("error", ConvergenceWarning)``.
    """


class NotFittedError(ValueError, AttributeError):
    """A method that needs a fitted model was called before ``fit`` (or ``load``)."""


#: Bounds beyond which a parameter has "run away" (see :func:`convergence_problem`): for a
#: shape parameter (no unit) and for a scale parameter (in period or currency units).
RUNAWAY_LOW, RUNAWAY_HIGH = 1e-6, 1e6
SCALE_RUNAWAY_LOW, SCALE_RUNAWAY_HIGH = 1e-9, 1e9


def check_is_fitted(model: object, name: str | None = None) -> None:
    """Refuse a model that is not fitted: the one check, with one wording, of every model.

    Parameters
    ----------
    model : object
        A model of :mod:`helpers.clv` (or any estimator whose fitted state is ``params_``).
    name : str, optional
        The argument's name, put in front of the message (e.g. ``"purchase_model"``).

    Raises
    ------
    NotFittedError
        A ``ValueError``: "this BetaGeoModel is not fitted yet; call fit(summary) first, or
        load a saved model".
    """
    if not hasattr(model, "params_"):
        prefix = f"{name}: " if name else ""
        raise NotFittedError(
            f"{prefix}this {type(model).__name__} is not fitted yet; call fit(summary) first, "
            "or load a saved model"
        )


def convergence_problem(
    model: str,
    params: pd.Series,
    converged: bool,
    scales: Sequence[str] = (),
    max_iter: int | None = None,
) -> str | None:
    """Return why a fit is not to be trusted, as the warning's message, or None if it is.

    Two reasons. The search failed (``converged`` is False: BFGS, then Nelder-Mead, stopped
    without a maximum). Or a parameter ran away: the likelihood keeps rising towards the edge
    of the parameter space, so there is no maximum inside it (the optimiser works on
    log-parameters and has no bounds of its own short of floating-point overflow, so a
    run-away parameter stops wherever the tolerance lets it: 1e7, 1e10, 1e15).

    The bounds. A **shape** parameter (r, a, b, s, p, q and all four of BG/BB: no unit) has
    run away below ``RUNAWAY_LOW`` = 1e-6 or above ``RUNAWAY_HIGH`` = 1e6: at 1e6 a gamma or
    beta mixing distribution has a coefficient of variation near 1e-3, no heterogeneity left
    (r and alpha of BG/NBD grow together when every customer buys at the same rate; b grows
    and a falls when nobody drops out), and at 1e-6 nearly all its mass is at one end. A
    **scale** parameter (alpha, beta in the period unit; Gamma-Gamma's gamma in the currency)
    is allowed three more orders of magnitude for its unit (days vs years, pence vs pounds,
    yen): ``SCALE_RUNAWAY_LOW`` = 1e-9, ``SCALE_RUNAWAY_HIGH`` = 1e9 (Pareto/NBD's beta runs
    to 1e15 when nobody drops out, while s stays moderate). The course's fits have shapes
    between 0.05 and 20 and scales below 1e3, five orders of magnitude inside the bounds.

    Parameters
    ----------
    model : str
        The model's name, for the message.
    params : pandas.Series
        The estimates, by name.
    converged : bool
        Whether the search reported a maximum.
    scales : sequence of str, default ()
        The names of the scale parameters (the others are shapes).
    max_iter : int, optional
        The iterations allowed, for the message.

    Returns
    -------
    str or None
    """
    values = params.to_numpy(dtype=float)
    scale = np.isin(params.index, list(scales))
    low = np.where(scale, SCALE_RUNAWAY_LOW, RUNAWAY_LOW)
    high = np.where(scale, SCALE_RUNAWAY_HIGH, RUNAWAY_HIGH)
    away = np.flatnonzero(~((values >= low) & (values <= high)))
    if len(away):
        i = int(away[0])
        name, value = str(params.index[i]), float(values[i])
        upward = not value < high[i]
        bound = f"above {high[i]:.0e}" if upward else f"below {low[i]:.0e}"
        return (
            f"{model}: parameter {name} = {value:.3g} ran away towards "
            f"{'infinity' if upward else '0'} ({bound}; the search "
            f"{'converged' if converged else 'did not converge'}): the likelihood has no "
            "maximum inside the parameter space, so this estimate, its standard error and "
            "what depends on it are not to be trusted. The data carry no information on that "
            "part of the model (e.g. no spread in purchase rates, or no dropout visible): "
            "check the summary (enough repeat buyers, a long enough observation, one period "
            "unit), or use another model (see helpers.clv.compare_models)."
        )
    if not converged:
        budget = f" within max_iter={max_iter}" if max_iter is not None else ""
        return (
            f"{model}: the likelihood search did not converge{budget}; the estimates and "
            "standard errors are uncertain. Refit with a larger max_iter or other "
            "initial_params, and check the summary data."
        )
    return None


def outside_stacklevel() -> int:
    """Return the ``stacklevel`` that points a warning at the first caller outside helpers.clv.

    For ``warnings.warn`` called in this package: the count of frames, from the caller of
    this function, up to the first frame whose file is not in :mod:`helpers.clv` (so a
    warning from a model's ``fit`` names the user's line, however deep the call).
    """
    import sys

    here = os.path.dirname(os.path.abspath(__file__))
    frame, level = sys._getframe(1), 1
    while frame is not None and os.path.dirname(os.path.abspath(frame.f_code.co_filename)) == here:
        frame, level = frame.f_back, level + 1
    return level


def fit_columns(model: object, **given: str | None) -> dict[str, str]:
    """Return the column names to read: those given, else those ``fit`` was given, else defaults.

    Parameters
    ----------
    model : object
        A model with ``columns_`` (set by ``fit``: ``{"frequency_col": ..., ...}``); a model
        fitted or saved before ``columns_`` existed uses the defaults.
    **given : str or None
        The caller's ``frequency_col=``, ``recency_col=``, ... (None: not given).

    Returns
    -------
    dict
        One name per key of ``given``.
    """
    fitted = getattr(model, "columns_", None) or {}
    defaults = getattr(type(model), "COLUMNS", DEFAULT_COLUMNS)
    return {
        key: value if value is not None else fitted.get(key, defaults[key])
        for key, value in given.items()
    }


def check_period(model: object, period: str | None, what: str = "period") -> None:
    """Refuse a period unit that is not the one the model was fitted in.

    A model fitted on weekly summaries has rates per week: used with days it would be off by
    a factor of 7 without a word. ``model.period_`` is set by ``fit`` from the summary's
    ``attrs["period"]``.

    Parameters
    ----------
    model : object
        A fitted purchase model (``period_``; None or absent: unknown, nothing is checked).
    period : str or None
        The unit of the data or horizon it is used with (None: unknown, nothing is checked).
    what : str
        What ``period`` is, for the message.

    Raises
    ------
    ValueError
        If both are known and differ.
    """
    fitted = getattr(model, "period_", None)
    if fitted is not None and period is not None and period != fitted:
        raise ValueError(
            f"{what} is {period!r} but this {type(model).__name__} was fitted in periods of "
            f"{fitted!r}: its rates are per {fitted!r}. Make the summary with "
            f"summary_data(..., period={fitted!r}) (and give t and horizons in {fitted!r}), "
            f"or refit the model on {period!r} data"
        )


def summary_arrays(
    summary: pd.DataFrame, columns: Sequence[str], table: str = "summary"
) -> list[np.ndarray]:
    """Return the columns as float arrays, checked: present, numeric, >= 0."""
    require_columns(summary, columns, table, hint="make it with helpers.clv_data.summary_data")
    out = []
    for column in columns:
        values = summary[column]
        check_numbers(f"{table} column {column!r}", values, ">= 0", lambda a: a >= 0)
        out.append(values.to_numpy(dtype=float))
    return out


def check_rfm(frequency: np.ndarray, recency: np.ndarray, t_obs: np.ndarray) -> None:
    """Refuse impossible summaries: whole frequency >= 0, 0 <= recency <= T, recency 0 if x = 0."""
    check_numbers("frequency", frequency, "a whole number >= 0", lambda a: (a >= 0) & (a % 1 == 0))
    check_numbers("recency", recency, ">= 0", lambda a: a >= 0)
    check_numbers(
        "recency", t_obs - recency, "<= T (recency minus T must be <= 0)", lambda a: a >= -1e-9
    )
    check_numbers(
        "recency", np.where(frequency == 0, recency, 0.0), "0 when frequency is 0", lambda a: a == 0
    )


def hyp2f1(a, b, c, z) -> np.ndarray:
    """Gauss's hypergeometric function 2F1(a, b; c; z), elementwise, for abs(z) < 1.

    SciPy's ``hyp2f1``; where it gives no finite value and abs(z) < 1/2, the power series
    sum_k (a)_k (b)_k / ((c)_k k!) z^k, summed term by term. SciPy fails when the parameters
    run into the millions, as a BG/NBD fit at the edge of its range has them (no spread in
    purchase rates: r and alpha grow without bound at a fixed ratio; no dropout: a tends to
    0, b to infinity); z = t / (alpha + T + t) is then tiny and the series converges in a few
    dozen terms (past their peak, the terms shrink at least as fast as z^k). Elements where
    the series overflows stay NaN.
    """
    args = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (a, b, c, z)))
    shape = args[0].shape
    a, b, c, z = (v.ravel() for v in args)
    with np.errstate(all="ignore"):
        out = np.array(special.hyp2f1(a, b, c, z), dtype=float)
    bad = ~np.isfinite(out) & (np.abs(z) < 0.5)
    if bad.any():
        a, b, c, z = a[bad], b[bad], c[bad], z[bad]
        total, term = np.ones_like(z), np.ones_like(z)
        done = np.zeros(z.shape, dtype=bool)
        with np.errstate(all="ignore"):
            for k in range(100_000):
                ratio = (a + k) * (b + k) / ((c + k) * (k + 1)) * z
                term = np.where(done, 0.0, term * ratio)
                total += term
                done |= (np.abs(term) <= 1e-17 * np.abs(total)) & (np.abs(ratio) < 1)
                done |= ~np.isfinite(total)
                if done.all():
                    break
        out[bad] = np.where(done & np.isfinite(total), total, np.nan)
    return out.reshape(shape)


def around_one(f, a: float, h: float = 1e-5) -> np.ndarray:
    """``f(a)`` for a BG/NBD expectation with the factor (a + b + x - 1) / (a - 1).

    At a = 1 that factor is infinite and the bracket it multiplies is 0: the expectation is
    finite (the singularity is removable) but the formula gives NaN, and near 1 it loses
    digits. Within ``h`` of 1, ``f`` is interpolated linearly between 1 - h and 1 + h (the
    error is of order h squared). A fit leaves a at exactly 1, its starting value, when the
    data say nothing about dropout (every repeat buyer's last purchase on the last day).
    """
    if abs(a - 1) >= h:
        return f(a)
    low, high = f(1 - h), f(1 + h)
    return low + (a - (1 - h)) / (2 * h) * (high - low)


def _numerical_hessian(f, x: np.ndarray, step: float | None = None) -> np.ndarray:
    """Central-difference Hessian of ``f`` at ``x`` (relative steps, or a fixed ``step``)."""
    n = len(x)
    h = 1e-4 * np.maximum(np.abs(x), 1e-2) if step is None else np.full(n, step)
    hess = np.empty((n, n))
    for i in range(n):
        for j in range(i, n):
            ei, ej = np.zeros(n), np.zeros(n)
            ei[i], ej[j] = h[i], h[j]
            value = (f(x + ei + ej) - f(x + ei - ej) - f(x - ei + ej) + f(x - ei - ej)) / (
                4 * h[i] * h[j]
            )
            hess[i, j] = hess[j, i] = value
    return hess


def _newton_polish(f, x: np.ndarray, fx: float, steps: int = 3) -> tuple[np.ndarray, float]:
    """Take a few Newton steps on ``f`` from ``x`` (finite differences) while ``f`` falls.

    Quasi-Newton searches on numerical gradients stop where the gradient is small, which
    leaves weakly determined parameters (a flat likelihood) a little short of the maximum;
    Newton steps finish the job. Models with an analytic gradient use :func:`newton_finish`.
    """
    h = 1e-4
    for _ in range(steps):
        grad = np.array([(f(x + h * e) - f(x - h * e)) / (2 * h) for e in np.eye(len(x))])
        try:
            move = np.linalg.solve(_numerical_hessian(f, x, step=h), grad)
        except np.linalg.LinAlgError:
            break
        if not np.all(np.isfinite(move)) or np.abs(move).max() > 1:
            break
        candidate = x - move
        value = f(candidate)
        if not value < fx:
            break
        x, fx = candidate, value
    return x, fx


def _jacobian_hessian(gradient, x: np.ndarray) -> np.ndarray:
    """Hessian as the central-difference Jacobian of an exact ``gradient``, symmetrised."""
    n = len(x)
    h = 1e-5 * np.maximum(np.abs(x), 1e-2)
    hess = np.empty((n, n))
    for i in range(n):
        step = np.zeros(n)
        step[i] = h[i]
        hess[:, i] = (gradient(x + step) - gradient(x - step)) / (2 * h[i])
    return (hess + hess.T) / 2


def newton_finish(
    negll_grad: Callable[[np.ndarray], tuple[float, np.ndarray]],
    x: np.ndarray,
    steps: int = 3,
) -> tuple[np.ndarray, float]:
    """Finish a converged search at a maximum with Newton steps on the exact gradient.

    BFGS stops where the gradient is below its tolerance (1e-7 per customer), which leaves
    the estimates about 1e-7 relative short of the maximum, and where exactly depends on
    the path: two sums of the same spends in another order (a last-bit difference) moved
    Gamma-Gamma's estimates, and the CLV, by up to 2e-6. Newton steps from there, with one
    Hessian (the central-difference Jacobian of the gradient), reach the maximum to rounding
    error, so that equal data give equal estimates to about 1e-12, whatever the path.

    A step is taken only where it finishes a search: the Hessian positive definite, every
    move below 1e-2 (on log-parameters), and the gradient smaller after it than before;
    otherwise ``x`` is kept (a ridge, where the Hessian is singular, is left as found).

    Parameters
    ----------
    negll_grad : callable
        The value and gradient per customer, as for :func:`exact_search`.
    x : numpy.ndarray
        Where the search stopped.
    steps : int, default 3
        The most Newton steps.

    Returns
    -------
    x : numpy.ndarray
        The finished point.
    value : float
        ``negll_grad``'s value there.
    """
    value, gradient = negll_grad(x)
    hessian = _jacobian_hessian(lambda v: negll_grad(v)[1], x)
    try:
        factor = linalg.cho_factor(hessian)
    except (linalg.LinAlgError, ValueError):
        return x, value
    size = np.abs(gradient).max()
    for _ in range(steps):
        if not size > 0:
            break
        move = linalg.cho_solve(factor, gradient)
        if not (np.all(np.isfinite(move)) and np.abs(move).max() < 1e-2):
            break
        candidate = x - move
        other, slope = negll_grad(candidate)
        smaller = np.abs(slope).max()
        if not (smaller < size and other <= value + 1e-12 * max(1.0, abs(value))):
            break
        x, value, gradient, size = candidate, other, slope, smaller
    return x, value


def finite_dict(values: pd.Series) -> dict[str, float | None]:
    """Return the values as a JSON-ready dict, a non-finite number as None."""
    return {str(k): float(v) if np.isfinite(v) else None for k, v in values.items()}


def package_versions() -> dict[str, str]:
    """Return the versions a saved model is made with."""
    import platform

    import scipy

    from helpers import package_version

    return {
        "customer-value-lab": package_version(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "pandas": pd.__version__,
    }


def json_matrix(values: np.ndarray) -> list[list[float | None]]:
    """Return a matrix as JSON-ready rows, a non-finite number as None."""
    return [[float(v) if np.isfinite(v) else None for v in row] for row in np.asarray(values)]


def saved_covariance(payload: dict, names: Sequence[str]) -> np.ndarray:
    """Return a saved model's covariance matrix (a diagonal of its standard errors if absent).

    ``names`` are the parameters, in the matrix's order.
    """
    n = len(names)
    rows = payload.get("covariance")
    if (
        isinstance(rows, list)
        and len(rows) == n
        and all(isinstance(row, list) and len(row) == n for row in rows)
    ):
        return np.array([[np.nan if v is None else v for v in row] for row in rows], dtype=float)
    se = payload.get("standard_errors") or {}
    return np.diag([np.nan if se.get(p) is None else float(se[p]) ** 2 for p in names])


def write_json(path: str | os.PathLike, payload: dict) -> Path:
    """Write ``payload`` to ``path`` as JSON, atomically: a temporary file, then a rename.

    A reader never sees half a file, and a failed write leaves no temporary file behind.
    Non-finite numbers are refused (``allow_nan=False``): write them as None.
    """
    path = Path(path)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            json.dump(payload, stream, indent=1, allow_nan=False)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def read_json(path: str | os.PathLike, model: str) -> dict:
    """Return the payload of a file written by a model's ``save``, checked.

    Parameters
    ----------
    path : str or path-like
        The JSON file.
    model : str
        The class name the file must hold (its ``"model"`` entry).

    Raises
    ------
    ValueError
        If the file is not JSON, not of format ``SAVE_FORMAT``, or holds another model
        (the message names both and the class to load it with).
    """
    path = Path(path)
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ValueError(f"{path}: not a saved model (not JSON: {err})") from None
    if not isinstance(payload, dict) or payload.get("format") != SAVE_FORMAT:
        found = payload.get("format") if isinstance(payload, dict) else None
        raise ValueError(f"{path}: not a saved model of format {SAVE_FORMAT} (format {found!r})")
    if payload.get("model") != model:
        raise ValueError(
            f"{path}: holds a {payload.get('model')!r}, not a {model}; load it with "
            f"{payload.get('model')}.load"
        )
    return payload


@cache
def _blas_controller() -> ThreadpoolController:
    # made once: finding the loaded libraries reads /proc/self/maps, 2 ms a time (a tenth
    # of a Pareto/NBD fit on CDNOW); NumPy's BLAS is loaded before any fit
    return ThreadpoolController()


def one_blas_thread():
    """Return a context manager that limits NumPy's BLAS to one thread inside it.

    The sums over rows are dot products of some 10^4 numbers, which a second BLAS thread
    only slows down, and stalls when the other core is busy (a fit on 30,000 customers took
    twice as long beside one busy process).
    """
    return _blas_controller().limit(limits=1, user_api="blas")


def _representable(params: np.ndarray) -> bool:
    """Return whether exp(log-parameters) stayed positive and finite.

    A line search's long step can under- or overflow a parameter (Pareto/NBD's beta to 0 on
    older SciPy); the likelihood is undefined there, so the step is refused.
    """
    return bool(np.all((params > 0) & np.isfinite(params)))


def _flat(gradient: np.ndarray, tolerance: float) -> bool:
    """Return whether a gradient (per customer, on log-parameters) is 0 to ``tolerance``."""
    return bool(np.all(np.isfinite(gradient)) and np.abs(gradient).max() < tolerance)


def _nelder_mead(
    negll: Callable[[np.ndarray], float], best: optimize.OptimizeResult, max_iter: int
) -> tuple[optimize.OptimizeResult, bool]:
    """Polish a failed gradient search with Nelder-Mead; keep whichever is lower."""
    polish = optimize.minimize(
        negll,
        best.x,
        method="Nelder-Mead",
        options={"maxiter": max_iter, "xatol": 1e-8, "fatol": 1e-10, "adaptive": True},
    )
    return (polish if polish.fun <= best.fun else best), bool(polish.success)


def _inverse_curvature(
    negll_grad: Callable[[np.ndarray], tuple[float, np.ndarray]],
    at: np.ndarray,
    there: tuple[float, np.ndarray],
    step: float = 1e-4,
) -> np.ndarray | None:
    """Return a positive definite inverse of the Hessian at ``at``, or None if undefined.

    ``there`` is ``negll_grad(at)``, already computed.

    Forward differences of the exact gradient (one evaluation per parameter beyond the
    one at ``at``), symmetrised; eigenvalues are taken by size and floored at 1e-3 of the
    largest, so that a start where the surface is not yet convex still gives BFGS a
    positive definite first step of the right scale in every direction.
    """
    value, slope = there
    if not (np.isfinite(value) and value < 1e300):
        return None
    size = len(at)
    hessian = np.empty((size, size))
    for j in range(size):
        moved = at.copy()
        moved[j] += step
        other, gradient = negll_grad(moved)
        if not (np.isfinite(other) and other < 1e300):
            return None
        hessian[:, j] = (gradient - slope) / step
    values, vectors = np.linalg.eigh((hessian + hessian.T) / 2)
    values = np.abs(values)
    if not (np.all(np.isfinite(values)) and values.max() > 0):
        return None
    values = np.maximum(values, 1e-3 * values.max())
    inverse = (vectors / values) @ vectors.T
    return (inverse + inverse.T) / 2


def exact_search(
    negll_grad: Callable[[np.ndarray], tuple[float, np.ndarray]],
    start: np.ndarray,
    max_iter: int,
    negll: Callable[[np.ndarray], float] | None = None,
) -> tuple[optimize.OptimizeResult, bool]:
    """Minimise a per-customer negative log-likelihood that has an exact gradient.

    Parameters
    ----------
    negll_grad : callable
        Returns the value and gradient at a point, both divided by the number of customers
        (so that the tolerances do not depend on it); 1e300 where undefined.
    start : numpy.ndarray
        The starting point.
    max_iter : int
        The most iterations of each BFGS search and of the Nelder-Mead fallback.
    negll : callable, optional
        The value alone, if cheaper, for the fallback; else ``negll_grad``'s value.

    Returns
    -------
    best : scipy.optimize.OptimizeResult
        The lowest point found.
    converged : bool
        Whether it is a maximum of the likelihood.

    Notes
    -----
    BFGS with a gradient tolerance of 1e-7 (1e-9 took twice the evaluations and left the
    CDNOW and synthetic estimates unchanged to 5 decimals). BFGS stops on "precision loss"
    when its line search cannot improve in floating point: at a maximum if the gradient is
    zero to 1e-5, and on a ridge that runs to infinity too (Pareto/NBD's s and beta growing
    together when every customer drops out at the same rate), where the likelihood is flat
    and the ratio that matters is found. Otherwise BFGS starts once more from there (its
    curvature estimate reset), which finishes most searches; a gradient flat to 1e-4 then
    counts as converged, since a Nelder-Mead walk along a ridge (110 s on 16,839 customers)
    moved the estimates by nothing that matters. Nelder-Mead runs only after that fails.

    The first search starts from the measured curvature (see ``_inverse_curvature``), not
    from the identity: on CDNOW the Pareto/NBD search takes 16 evaluations instead of 33
    (4 of them to measure it), with the same estimates to 5 decimals.
    """
    options = {"gtol": 1e-7, "maxiter": max_iter}
    first = dict(options)
    at_start = negll_grad(start)
    inverse = _inverse_curvature(negll_grad, start, at_start)
    if inverse is not None:
        first["hess_inv0"] = inverse

    def search(v: np.ndarray) -> tuple[float, np.ndarray]:
        return at_start if np.array_equal(v, start) else negll_grad(v)

    best = optimize.minimize(search, start, jac=True, method="BFGS", options=first)
    converged = bool(best.success) or _flat(best.jac, 1e-5)
    if not converged:
        again = optimize.minimize(negll_grad, best.x, jac=True, method="BFGS", options=options)
        best = again if again.fun <= best.fun else best
        converged = bool(again.success) or _flat(best.jac, 1e-4)
    if not converged:
        value = negll if negll is not None else (lambda v: negll_grad(v)[0])
        best, converged = _nelder_mead(value, best, max_iter)
    return best, converged


class Fitter:
    """Maximum likelihood on log-parameters, grouped rows, standard errors from the Hessian.

    Subclasses give ``_loglik(params, *cols)``, the log-likelihood of each row, and may
    override ``_objective``: the weighted total and its exact gradient, in sums. With the
    gradient the search is BFGS with ``jac=True`` to a tight tolerance, and the Hessian for
    the standard errors is a central difference of the gradient; without it, BFGS on finite
    differences, Newton steps to finish and a four-point Hessian of the log-likelihood.
    """

    PARAMS: tuple[str, ...] = ()
    #: The parameters that carry a unit (period or currency): wider run-away bounds in
    #: :func:`convergence_problem` than the shape parameters'.
    SCALES: tuple[str, ...] = ()
    #: The column names read by default (see :func:`fit_columns`).
    COLUMNS: dict[str, str] = DEFAULT_COLUMNS

    def __init__(self, *, initial_params: Sequence[float] | None = None, max_iter: int = 5000):
        self.initial_params = initial_params
        self.max_iter = max_iter

    def _objective(self, cols: tuple[np.ndarray, ...], counts: np.ndarray):
        """Return the weighted total log-likelihood and its exact gradient as a function.

        The function maps the natural ``params`` to ``(total, gradient)``, summed over the
        rows weighted by ``counts``. None here: a model without an exact gradient.
        """
        return None

    def _start(self, cols: tuple[np.ndarray, ...], counts: np.ndarray) -> np.ndarray:
        """Return the starting parameters of the search when none are given: all 1 here."""
        return np.ones(len(self.PARAMS))

    def _check_settings(self) -> None:
        """Refuse settings the search cannot use, naming the model and the rule.

        Raises
        ------
        ValueError
            If ``initial_params`` does not hold one positive, finite number per parameter, or
            ``max_iter`` is not a whole number of at least 1.
        """
        name = type(self).__name__
        if self.initial_params is not None:
            try:
                start = np.asarray(self.initial_params, dtype=float).ravel()
            except (TypeError, ValueError):
                start = np.array([np.nan])
            if len(start) != len(self.PARAMS) or not np.all(np.isfinite(start) & (start > 0)):
                raise ValueError(
                    f"{name}: initial_params must hold {len(self.PARAMS)} positive numbers "
                    f"({', '.join(self.PARAMS)}); got {list(self.initial_params)!r}"
                )
        whole = isinstance(self.max_iter, int | np.integer) and not isinstance(self.max_iter, bool)
        if not whole or self.max_iter < 1:
            raise ValueError(f"{name}: max_iter must be a whole number >= 1; got {self.max_iter!r}")

    def _minimise(self, data: np.ndarray, weights: np.ndarray) -> None:
        self._check_settings()
        with one_blas_thread():
            self._search(data, weights)

    def _search(self, data: np.ndarray, weights: np.ndarray) -> None:
        # group identical rows (a lexicographic sort; faster than np.unique(axis=0))
        order = np.lexsort(data.T[::-1])
        ordered = data[order]
        new = np.ones(len(ordered), dtype=bool)
        new[1:] = np.any(ordered[1:] != ordered[:-1], axis=1)
        inverse = np.empty(len(ordered), dtype=int)
        inverse[order] = np.cumsum(new) - 1
        unique = ordered[new]
        counts = np.bincount(inverse, weights=weights, minlength=len(unique))
        cols = tuple(np.ascontiguousarray(column) for column in unique.T)

        scale = max(float(counts.sum()), 1.0)

        def negll(log_params: np.ndarray) -> float:
            with np.errstate(over="ignore", under="ignore"):  # refused just below
                params = np.exp(log_params)
            if not _representable(params):
                return 1e300
            with np.errstate(all="ignore"):
                ll = self._loglik(params, *cols)
            total = float(counts @ ll) / scale  # per customer: gtol does not depend on n
            return -total if np.isfinite(total) else 1e300

        def negll_grad(log_params: np.ndarray) -> tuple[float, np.ndarray]:
            with np.errstate(over="ignore", under="ignore"):  # refused just below
                params = np.exp(log_params)
            if not _representable(params):
                return 1e300, np.zeros_like(log_params)
            with np.errstate(all="ignore"):
                total, grad = objective(params)
            total /= scale
            slope = -grad * params / scale  # chain rule: d/dlog p = p d/dp
            if not (np.isfinite(total) and np.all(np.isfinite(slope))):
                return 1e300, np.zeros_like(log_params)
            return -total, slope

        start = np.log(
            np.asarray(self.initial_params, dtype=float)
            if self.initial_params is not None
            else self._start(cols, counts)
        )
        objective = self._objective(cols, counts)
        analytic = objective is not None
        if analytic:
            best, converged = exact_search(negll_grad, start, self.max_iter, negll)
        else:
            # BFGS on log-parameters (fast); Nelder-Mead from there only if BFGS failed
            best = optimize.minimize(negll, start, method="BFGS", options={"gtol": 1e-6})
            converged = bool(best.success)
            if not converged:
                best, converged = _nelder_mead(negll, best, self.max_iter)
        if analytic:
            log_params, lowest = best.x, float(best.fun)
            if converged:
                log_params, lowest = newton_finish(negll_grad, log_params)
        else:
            log_params, lowest = _newton_polish(negll, best.x, best.fun)
        params = np.exp(log_params)
        self.converged_ = converged
        self.params_ = pd.Series(params, index=list(self.PARAMS), name="estimate")
        self.log_likelihood_ = -float(lowest) * scale
        self.n_customers_ = float(weights.sum())
        self.n_distinct_rows_ = len(unique)

        if analytic:

            def gradient_natural(p: np.ndarray) -> np.ndarray:
                with np.errstate(all="ignore"):
                    return -objective(p)[1]

            hessian = _jacobian_hessian(gradient_natural, params)
        else:

            def negll_natural(p: np.ndarray) -> float:
                with np.errstate(all="ignore"):
                    return -float(counts @ self._loglik(p, *cols))

            hessian = _numerical_hessian(negll_natural, params)
        try:
            covariance = np.linalg.inv(hessian)
        except np.linalg.LinAlgError:
            covariance = np.full((len(params), len(params)), np.nan)
        self._set_estimates(params, covariance)

    def _set_estimates(self, params: np.ndarray, covariance: np.ndarray) -> None:
        """Set ``params_``, ``covariance_``, ``standard_errors_`` and ``summary_``.

        ``covariance_`` is the inverse Hessian of the negative log-likelihood in the natural
        parameters; ``summary_`` has Wald intervals on the log scale.
        """
        names = list(self.PARAMS)
        self.covariance_ = pd.DataFrame(covariance, index=names, columns=names)
        variance = np.diag(covariance)
        with np.errstate(invalid="ignore"):
            se = np.sqrt(np.where(variance > 0, variance, np.nan))
        self.params_ = pd.Series(params, index=list(self.PARAMS), name="estimate")
        self.standard_errors_ = pd.Series(se, index=list(self.PARAMS), name="standard_error")
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
            lower, upper = params * np.exp(-Z95 * se / params), params * np.exp(Z95 * se / params)
        self.summary_ = pd.DataFrame(
            {
                "estimate": params,
                "standard_error": se,
                "lower_95": lower,
                "upper_95": upper,
            },
            index=list(self.PARAMS),
        )

    def save(self, path: str | os.PathLike) -> Path:
        """Write the fitted model to a JSON file (never pickle): it can be read anywhere.

        The file holds the model's name, its parameters with their standard errors, the
        log-likelihood, whether the fit converged, the data it saw (customers, distinct rows,
        the period unit), its settings, and the versions of the package, Python, NumPy,
        SciPy and pandas. It is written to a temporary name and renamed, so a reader never
        sees half a file.

        Parameters
        ----------
        path : str or path-like
            The file to write (its folder must exist), e.g. ``bgnbd.json``.

        Returns
        -------
        pathlib.Path
        """
        self._check_fitted()
        payload = {
            "format": SAVE_FORMAT,
            "model": type(self).__name__,
            "params": finite_dict(self.params_),
            "standard_errors": finite_dict(self.standard_errors_),
            "covariance": json_matrix(self.covariance_.to_numpy()),
            "log_likelihood": float(self.log_likelihood_),
            "converged": bool(self.converged_),
            "data": {
                "customers": float(self.n_customers_),
                "distinct_rows": int(self.n_distinct_rows_),
                "period": getattr(self, "period_", None),
                "columns": getattr(self, "columns_", None),
            },
            "settings": {
                "initial_params": None
                if self.initial_params is None
                else [float(v) for v in self.initial_params],
                "max_iter": int(self.max_iter),
            },
            "versions": package_versions(),
            "saved": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        return write_json(path, payload)

    @classmethod
    def load(cls, path: str | os.PathLike) -> Fitter:
        """Read a model written by :meth:`save`, ready to predict.

        Parameters
        ----------
        path : str or path-like
            The JSON file.

        Returns
        -------
        the model
            An instance of this class, with ``params_``, ``standard_errors_``, ``summary_``,
            ``log_likelihood_``, ``converged_``, ``n_customers_``, ``n_distinct_rows_`` (and
            ``period_`` for a purchase model) as when it was fitted; ``saved_with_``: the
            versions it was saved with.

        Raises
        ------
        ValueError
            If the file is not JSON written by :meth:`save`, is of another format version,
            holds another model than this class, or its parameters do not match the model's.
        """
        path = Path(path)
        payload = read_json(path, cls.__name__)
        params = payload.get("params") or {}
        if list(params) != list(cls.PARAMS) or not all(
            isinstance(v, int | float) and v > 0 for v in params.values()
        ):
            raise ValueError(
                f"{path}: parameters {params!r} do not fit {cls.__name__} "
                f"({', '.join(cls.PARAMS)}, all > 0)"
            )
        settings = payload.get("settings") or {}
        model = cls(
            initial_params=settings.get("initial_params"), max_iter=settings.get("max_iter", 5000)
        )
        model._set_estimates(
            np.array([params[p] for p in cls.PARAMS], dtype=float),
            saved_covariance(payload, cls.PARAMS),
        )
        model.log_likelihood_ = float(payload["log_likelihood"])
        model.converged_ = bool(payload["converged"])
        data = payload.get("data") or {}
        model.n_customers_ = float(data.get("customers", np.nan))
        model.n_distinct_rows_ = int(data.get("distinct_rows", 0))
        if isinstance(model, PurchaseModel):  # the spend model has no period
            model.period_ = data.get("period")
        if isinstance(data.get("columns"), dict):
            model.columns_ = {str(k): str(v) for k, v in data["columns"].items()}
        model.saved_with_ = dict(payload.get("versions") or {})
        return model

    def _check_fitted(self) -> None:
        check_is_fitted(self)

    def _report_convergence(self) -> None:
        """Warn (:class:`ConvergenceWarning`) if the fit is not to be trusted.

        Called at the end of ``fit``; see :func:`convergence_problem` for the rules.
        """
        problem = convergence_problem(
            type(self).__name__, self.params_, self.converged_, self.SCALES, self.max_iter
        )
        if problem is not None:
            warnings.warn(problem, ConvergenceWarning, stacklevel=outside_stacklevel())

    def summary_text(self, decimals: int = 4) -> str:
        """Return the fit as text: the data, the fit's measures and the parameters table.

        As lifelines' ``print_summary``: customers, period unit, number of parameters k,
        log-likelihood LL, AIC = 2k - 2 LL, BIC = k ln(n) - 2 LL (n customers), whether the
        search converged, then ``summary_`` (estimate, standard error, 95% interval).

        Parameters
        ----------
        decimals : int, default 4
            Significant digits of the parameters table.

        Returns
        -------
        str
        """
        check_is_fitted(self)
        rows = fit_overview(self, len(self.PARAMS))
        width = max(len(label) for label, _ in rows)
        lines = [f"{type(self).__name__}, fitted by maximum likelihood"]
        lines += [f"  {label:<{width}}  {value}" for label, value in rows]
        lines += ["", self.summary_.to_string(float_format=f"{{:.{decimals}g}}".format)]
        return "\n".join(lines)

    def print_summary(self, decimals: int = 4) -> None:
        """Print :meth:`summary_text` (the data, LL, AIC, BIC, convergence, parameters)."""
        print(self.summary_text(decimals))

    def _repr_html_(self) -> str | None:
        """Return the fitted model as HTML for a notebook (None when not fitted: plain repr)."""
        if not hasattr(self, "params_"):
            return None
        return overview_html(
            f"{type(self).__name__}, fitted by maximum likelihood",
            fit_overview(self, len(self.PARAMS)),
            self.summary_,
        )

    def _loglik(self, params: np.ndarray, *cols: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def __repr__(self) -> str:
        if hasattr(self, "params_"):
            inside = ", ".join(f"{k}={v:.3f}" for k, v in self.params_.items())
            return f"{type(self).__name__}({inside})"
        return f"{type(self).__name__}()"


class PurchaseModel(Fitter):
    """Shared API of the BG/NBD and Pareto/NBD models."""

    def fit(
        self,
        summary: pd.DataFrame,
        *,
        weights: pd.Series | np.ndarray | None = None,
        frequency_col: str = BTYD_FREQUENCY,
        recency_col: str = BTYD_RECENCY,
        T_col: str = BTYD_T,
    ) -> PurchaseModel:
        """Fit the model by maximum likelihood.

        Parameters
        ----------
        summary : pandas.DataFrame
            One row per customer with frequency, recency and T (see
            :func:`helpers.clv_data.summary_data`).
        weights : array-like, optional
            Number of customers each row stands for (default 1 each).
        frequency_col, recency_col, T_col : str
            Column names; kept in ``columns_``, the names :meth:`predict` reads by default.

        Returns
        -------
        self

        Warns
        -----
        ConvergenceWarning
            If the search fails or a parameter runs away (see
            :func:`convergence_problem`).
        """
        x, tx, t_obs = summary_arrays(summary, [frequency_col, recency_col, T_col])
        check_rfm(x, tx, t_obs)
        w = np.ones(len(x)) if weights is None else np.asarray(weights, dtype=float)
        check_numbers("weights", w, ">= 0", lambda a: a >= 0)
        self.period_ = summary.attrs.get("period")
        self.columns_ = {"frequency_col": frequency_col, "recency_col": recency_col, "T_col": T_col}
        self._minimise(np.column_stack([x, tx, t_obs]), w)
        self._report_convergence()
        return self

    def log_likelihood(self, frequency, recency, T) -> np.ndarray:  # noqa: N803
        """Log-likelihood of each customer's (frequency, recency, T) at the fitted parameters.

        Parameters
        ----------
        frequency, recency, T : array-like
            Repeat purchases, time of the last purchase and length of observation.

        Returns
        -------
        numpy.ndarray
        """
        self._check_fitted()
        x, tx, t_obs = (np.asarray(v, dtype=float) for v in (frequency, recency, T))
        return self._loglik(self.params_.to_numpy(), x, tx, t_obs)

    def predict(
        self,
        summary: pd.DataFrame,
        t: float,
        *,
        frequency_col: str | None = None,
        recency_col: str | None = None,
        T_col: str | None = None,  # noqa: N803
    ) -> pd.Series:
        """Predict each customer's expected purchases in the next ``t`` periods.

        Parameters
        ----------
        summary : pandas.DataFrame
            frequency, recency and T per customer, in the period unit the model was fitted
            in.
        t : float
            Length of the future window, in the model's period unit.
        frequency_col, recency_col, T_col : str, optional
            Column names; default the names given to :meth:`fit`.

        Returns
        -------
        pandas.Series
            ``expected_purchases`` indexed like ``summary``.

        Raises
        ------
        ValueError
            If the model is not fitted, a column is missing, or ``summary.attrs["period"]``
            is not the period the model was fitted in (see :func:`check_period`).
        """
        check_is_fitted(self)
        check_period(self, summary.attrs.get("period"), "the summary's period")
        names = fit_columns(self, frequency_col=frequency_col, recency_col=recency_col, T_col=T_col)
        x, tx, t_obs = summary_arrays(
            summary, [names["frequency_col"], names["recency_col"], names["T_col"]]
        )
        values = self.conditional_expected_purchases(t, x, tx, t_obs)
        return pd.Series(values, index=summary.index, name="expected_purchases")


def fit_overview(model: object, k: int) -> list[tuple[str, str]]:
    """Return the rows of a fitted model's overview: data, LL, AIC, BIC, k, period, converged.

    The one source of :meth:`Fitter.summary_text`, :meth:`Fitter._repr_html_` and the
    covariate model's. AIC and BIC are :func:`helpers.clv.backtest_metrics.information_criteria`
    with n the customers fitted on.

    Parameters
    ----------
    model : object
        A fitted model (``log_likelihood_``, ``n_customers_``, ``n_distinct_rows_``,
        ``converged_``; ``period_`` if a purchase model).
    k : int
        Number of estimated parameters.

    Returns
    -------
    list of (label, value) pairs
    """
    from helpers.clv.backtest_metrics import information_criteria

    ll, n = float(model.log_likelihood_), float(model.n_customers_)
    aic, bic = information_criteria(ll, k, n)
    period = getattr(model, "period_", None)
    rows = [
        ("customers", f"{n:,.0f} ({int(model.n_distinct_rows_):,} distinct rows)"),
        ("period", "-" if period is None else str(period)),
        ("parameters (k)", str(k)),
        ("log-likelihood", f"{ll:,.2f}"),
        ("AIC", f"{aic:,.2f}"),
        ("BIC", f"{bic:,.2f}"),
        ("converged", "yes" if model.converged_ else "NO"),
    ]
    if not hasattr(model, "period_"):  # the spend model has no period unit
        rows = [row for row in rows if row[0] != "period"]
    return rows


def overview_html(title: str, rows: list[tuple[str, str]], table: pd.DataFrame) -> str:
    """Return a model's overview as HTML: a title, the rows of :func:`fit_overview`, a table."""
    from html import escape

    head = "".join(
        f"<tr><th style='text-align:left'>{escape(label)}</th><td>{escape(value)}</td></tr>"
        for label, value in rows
    )
    return (
        f"<div><p><strong>{escape(title)}</strong></p><table>{head}</table>"
        f"{table.to_html(float_format='{:.4g}'.format)}</div>"
    )

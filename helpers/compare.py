"""Comparisons with uncertainty: paired bootstrap intervals for the difference of a metric.

Two methods scored on the same units (customers) are compared by resampling the units
with replacement and recomputing the metric of both methods on the same resample; the
percentile interval of the difference says whether one method beats the other or whether
the data cannot tell them apart.

- :func:`auc_difference`: ROC-AUC of A minus ROC-AUC of B, both recomputed on every
  resample (vectorised: 1,000 resamples of 3,000 customers in well under a second);
- :func:`mean_difference`: the mean of a per-unit metric (precision@k of each customer,
  absolute error of each customer), A minus B;
- :func:`paired_bootstrap`: the same for any metric ``metric(y, score)``, in a loop.

Each returns a :class:`Difference` whose :meth:`Difference.says` puts the result in words:
"A beats B by ..." only when the interval excludes zero.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["Difference", "auc_difference", "mean_difference", "paired_bootstrap"]


@dataclass(frozen=True)
class Difference:
    """Metric of A minus metric of B, with a paired bootstrap percentile interval.

    Attributes
    ----------
    name_a, name_b : str
        The two methods.
    metric : str
        What is compared (``"ROC-AUC"``, ``"precision@10"``, ...).
    estimate : float
        The difference on the data themselves (A minus B).
    lower, upper : float
        Bounds of the percentile interval of the bootstrap differences.
    level : float
        Coverage of the interval (0.95 for 95%).
    n_boot : int
        Number of resamples.
    n_units : int
        Number of units (customers) resampled.
    higher_is_better : bool
        True for a score (AUC, precision), False for an error.
    """

    name_a: str
    name_b: str
    metric: str
    estimate: float
    lower: float
    upper: float
    level: float
    n_boot: int
    n_units: int
    higher_is_better: bool = True

    @property
    def excludes_zero(self) -> bool:
        """Whether the interval lies entirely on one side of zero."""
        return self.lower > 0 or self.upper < 0

    @property
    def winner(self) -> str | None:
        """The method that is better with the interval excluding zero, else None."""
        if not self.excludes_zero:
            return None
        a_higher = self.lower > 0
        return self.name_a if a_higher == self.higher_is_better else self.name_b

    def says(self, digits: int = 3) -> str:
        """Put the comparison in words; "beats" only when the interval excludes zero.

        Parameters
        ----------
        digits : int, default 3
            Decimals of the numbers.

        Returns
        -------
        str
        """
        level = f"{self.level:.0%}"
        lo, hi = sorted((abs(self.lower), abs(self.upper)))
        if self.winner is None:
            return (
                f"cannot tell {self.name_a} from {self.name_b} on {self.metric}: "
                f"difference {self.estimate:+.{digits}f} ({level} interval "
                f"{self.lower:+.{digits}f} to {self.upper:+.{digits}f} includes 0)"
            )
        loser = self.name_b if self.winner == self.name_a else self.name_a
        return (
            f"{self.winner} beats {loser} on {self.metric} by {abs(self.estimate):.{digits}f} "
            f"({level} interval {lo:.{digits}f} to {hi:.{digits}f})"
        )

    def __str__(self) -> str:
        return self.says()


def _check_settings(n_boot: int, level: float) -> None:
    if not isinstance(n_boot, (int, np.integer)) or n_boot < 1:
        raise ValueError(f"n_boot must be a positive integer; got {n_boot!r}")
    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1 (exclusive); got {level!r}")


def _units(y_true: Sequence) -> np.ndarray:
    """``y_true`` as a non-empty 1-d array (one entry per unit resampled)."""
    y = np.asarray(y_true)
    if y.ndim != 1 or len(y) == 0:
        raise ValueError(f"y_true must be a non-empty 1-d sequence; got shape {y.shape}")
    return y


def _numbers(values: Sequence[float], what: str, n: int | None = None) -> np.ndarray:
    array = np.asarray(values, dtype=float)
    if array.ndim != 1 or len(array) == 0:
        raise ValueError(f"{what} must be a non-empty 1-d sequence; got shape {array.shape}")
    if n is not None and len(array) != n:
        raise ValueError(
            f"{what} must have one value per unit ({n}); got {len(array)}: the methods must "
            "be scored on the same units"
        )
    bad = np.flatnonzero(~np.isfinite(array))
    if len(bad):
        raise ValueError(
            f"{what} must be finite numbers; position {bad[0]} holds {array[bad[0]]!r}"
        )
    return array


def _counts(n: int, n_boot: int, seed: int | None) -> np.ndarray:
    """How often each unit is drawn in each resample: an (n_boot, n) matrix."""
    rng = np.random.default_rng(seed)
    return rng.multinomial(n, np.full(n, 1.0 / n), size=n_boot).astype(float)


def _interval(differences: np.ndarray, estimate: float, level: float, **fields) -> Difference:
    tail = (1 - level) / 2
    lower, upper = np.quantile(differences, [tail, 1 - tail])
    return Difference(
        estimate=float(estimate), lower=float(lower), upper=float(upper), level=level, **fields
    )


def _weighted_auc(y: np.ndarray, score: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """ROC-AUC of ``score`` for ``y`` with unit weights, one row of ``weights`` per resample.

    A unit drawn w times counts w times (the Mann-Whitney statistic on the resample); ties
    count one half.

    Parameters
    ----------
    y : numpy.ndarray of bool
    score : numpy.ndarray of float
    weights : numpy.ndarray
        Shape (n_resamples, n_units).

    Returns
    -------
    numpy.ndarray
        One AUC per row (NaN where a resample holds only one class).
    """
    order = np.argsort(score, kind="stable")
    sorted_score = score[order]
    starts = np.flatnonzero(np.r_[True, sorted_score[1:] != sorted_score[:-1]])
    w = weights[:, order]
    positive = y[order]
    pos = np.add.reduceat(np.where(positive, w, 0.0), starts, axis=1)
    neg = np.add.reduceat(np.where(positive, 0.0, w), starts, axis=1)
    neg_below = np.cumsum(neg, axis=1) - neg
    numerator = (pos * (neg_below + 0.5 * neg)).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return numerator / (pos.sum(axis=1) * neg.sum(axis=1))


def auc_difference(
    y_true: Sequence[bool],
    score_a: Sequence[float],
    score_b: Sequence[float],
    *,
    names: tuple[str, str] = ("A", "B"),
    n_boot: int = 1000,
    level: float = 0.95,
    seed: int | None = 0,
) -> Difference:
    """ROC-AUC of A minus ROC-AUC of B, with a paired bootstrap interval over units.

    Every resample draws the units (customers) with replacement and recomputes both AUCs
    on it, so the interval accounts for both methods being scored on the same customers.

    Parameters
    ----------
    y_true : sequence of bool
        Labels (both classes present).
    score_a, score_b : sequence of float
        Scores of the two methods for the same units, in the same order.
    names : (str, str), default ("A", "B")
        Names of the methods, for the words.
    n_boot : int, default 1000
        Number of resamples.
    level : float, default 0.95
        Coverage of the percentile interval.
    seed : int or None, default 0
        Seed of the resampling.

    Returns
    -------
    Difference

    Raises
    ------
    ValueError
        Labels other than 0/1 or of one class, scores of different lengths or not finite,
        or a resample holding one class only (too few units of a class to bootstrap).
    """
    _check_settings(n_boot, level)
    labels = _units(y_true)
    not_binary = ~np.isin(labels, [0, 1])
    if not_binary.any():
        where = np.flatnonzero(not_binary)[0]
        raise ValueError(f"y_true must be 0/1 or bool; position {where} holds {labels[where]!r}")
    y = labels.astype(bool)
    if y.all() or not y.any():
        raise ValueError("y_true must hold both classes to compute a ROC-AUC; it holds one")
    a = _numbers(score_a, "score_a", len(y))
    b = _numbers(score_b, "score_b", len(y))
    ones = np.ones((1, len(y)))
    estimate = (_weighted_auc(y, a, ones) - _weighted_auc(y, b, ones))[0]
    counts = _counts(len(y), n_boot, seed)
    # in blocks of resamples, so that memory stays small on large samples
    differences = np.concatenate(
        [
            _weighted_auc(y, a, block) - _weighted_auc(y, b, block)
            for block in np.array_split(counts, min(n_boot, max(1, n_boot * len(y) // 500_000)))
        ]
    )
    if np.isnan(differences).any():
        raise ValueError(
            f"{int(np.isnan(differences).sum())} of {n_boot} resamples hold one class only: "
            f"too few units ({int(y.sum())} positive, {int((~y).sum())} negative) to bootstrap"
        )
    return _interval(
        differences,
        estimate,
        level,
        name_a=names[0],
        name_b=names[1],
        metric="ROC-AUC",
        n_boot=n_boot,
        n_units=len(y),
    )


def mean_difference(
    values_a: Sequence[float],
    values_b: Sequence[float],
    *,
    metric: str = "mean",
    names: tuple[str, str] = ("A", "B"),
    higher_is_better: bool = True,
    n_boot: int = 1000,
    level: float = 0.95,
    seed: int | None = 0,
) -> Difference:
    """Mean of a per-unit metric for A minus the same for B, paired bootstrap over units.

    Parameters
    ----------
    values_a, values_b : sequence of float
        The metric of each unit (precision@k of a customer, a customer's absolute error)
        under A and under B, same units in the same order.
    metric : str, default "mean"
        Name of the metric, for the words.
    names : (str, str), default ("A", "B")
        Names of the methods.
    higher_is_better : bool, default True
        False for an error: then A beats B when A's mean is lower.
    n_boot : int, default 1000
        Number of resamples.
    level : float, default 0.95
        Coverage of the percentile interval.
    seed : int or None, default 0
        Seed of the resampling.

    Returns
    -------
    Difference

    Raises
    ------
    ValueError
        Values not finite, or of different lengths.
    """
    _check_settings(n_boot, level)
    a = _numbers(values_a, "values_a")
    b = _numbers(values_b, "values_b", len(a))
    d = a - b
    differences = _counts(len(d), n_boot, seed) @ d / len(d)
    return _interval(
        differences,
        d.mean(),
        level,
        name_a=names[0],
        name_b=names[1],
        metric=metric,
        n_boot=n_boot,
        n_units=len(d),
        higher_is_better=higher_is_better,
    )


def paired_bootstrap(
    metric: Callable[[np.ndarray, np.ndarray], float],
    y_true: Sequence[float],
    score_a: Sequence[float],
    score_b: Sequence[float],
    *,
    metric_name: str | None = None,
    names: tuple[str, str] = ("A", "B"),
    higher_is_better: bool = True,
    n_boot: int = 1000,
    level: float = 0.95,
    seed: int | None = 0,
) -> Difference:
    """``metric(y, score_a) - metric(y, score_b)`` with a paired bootstrap interval.

    Any metric computed on a whole sample; each resample draws the units with replacement
    and recomputes both. A Python loop: use :func:`auc_difference` or
    :func:`mean_difference` for speed.

    Parameters
    ----------
    metric : callable
        ``metric(y, score) -> float``.
    y_true : sequence
        Outcomes of the units.
    score_a, score_b : sequence of float
        Scores of the two methods for the same units.
    metric_name : str, optional
        For the words; default the callable's name.
    names : (str, str), default ("A", "B")
        Names of the methods.
    higher_is_better : bool, default True
        False for an error.
    n_boot : int, default 1000
        Number of resamples.
    level : float, default 0.95
        Coverage of the percentile interval.
    seed : int or None, default 0
        Seed of the resampling.

    Returns
    -------
    Difference

    Raises
    ------
    ValueError
        Inputs of different lengths or scores not finite.
    """
    _check_settings(n_boot, level)
    y = _units(y_true)
    a = _numbers(score_a, "score_a", len(y))
    b = _numbers(score_b, "score_b", len(y))
    rng = np.random.default_rng(seed)
    differences = np.empty(n_boot)
    for i in range(n_boot):
        rows = rng.integers(0, len(y), len(y))
        differences[i] = metric(y[rows], a[rows]) - metric(y[rows], b[rows])
    return _interval(
        differences,
        metric(y, a) - metric(y, b),
        level,
        name_a=names[0],
        name_b=names[1],
        metric=metric_name or getattr(metric, "__name__", "metric"),
        n_boot=n_boot,
        n_units=len(y),
        higher_is_better=higher_is_better,
    )

"""Extreme quantities: order lines whose quantity is a robust outlier.

On the positive quantities ``q`` of the lines still kept after netting (with returns already
subtracted), the robust z-score is ``z = (log q - median(log q)) / (1.4826 * MAD(log q))``. A
line is an extreme quantity when ``z > outlier_z`` AND ``q >= outlier_min_quantity``. Order
quantities are roughly log-normal, so the log scale with median and MAD (which a few huge
lines cannot drag) is the right yardstick; the absolute floor keeps a wholesale order of a few
hundred units, ordinary in a B2B shop, from being flagged in a data set of mostly single units.
The defaults (``outlier_z=7``, ``outlier_min_quantity=1000``) were chosen on Online Retail,
where the kept quantities have median 6 and robust scale 1.03 on the log scale: z = 7 is about
8,000 units. The data entry errors 80,995 and 74,215 (z ~ 9.2) and 12,540 (z ~ 7.4) are caught
(all three are in fact removed earlier, as returns or for a zero price), while the largest
wholesale orders that remain (4,800 gliders at £0.21, 4,300 popcorn holders: z ~ 6.5) and the
ordinary ones of hundreds of units (z ~ 2.7-4.3) are kept. With z = 5 the rule would remove 86
ordinary wholesale lines of 1,000-4,800 units; with z = 6, 8 of them. When the MAD is 0 (almost
all quantities equal) any quantity above the median counts as infinitely far, and only the floor

:func:`extreme_quantities` applies the rule for :func:`helpers.cleaning.clean_transactions`,
which removes the lines as "extreme quantity" (or flags them with ``drop_outliers=False``).
"""

from __future__ import annotations

import numpy as np

__all__ = ["DEFAULT_OUTLIER_MIN_QUANTITY", "DEFAULT_OUTLIER_Z", "extreme_quantities"]

DEFAULT_OUTLIER_Z: float = 7.0
DEFAULT_OUTLIER_MIN_QUANTITY: int = 1000

_MAD_TO_SD = 1.4826


def extreme_quantities(
    quantity: np.ndarray,
    outlier_z: float = DEFAULT_OUTLIER_Z,
    outlier_min_quantity: float = DEFAULT_OUTLIER_MIN_QUANTITY,
    counts: np.ndarray | None = None,
) -> np.ndarray:
    """Say which quantities are extreme (see the module docstring for the rule).

    Parameters
    ----------
    quantity : numpy.ndarray
        Positive quantities of the lines still kept, returns already subtracted.
    outlier_z : float, default 7.0
        Robust z-score of log quantity above which a line may be an extreme quantity.
    outlier_min_quantity : float, default 1000
        An extreme quantity must also be at least this many units.
    counts : numpy.ndarray, optional
        How many lines hold each quantity, when ``quantity`` holds each value once (an engine
        counts them, :mod:`helpers.scale_clean`): the medians are those of every line, the
        same doubles as :func:`numpy.median` of the quantities repeated.

    Returns
    -------
    numpy.ndarray of bool
        True for the extreme quantities.
    """
    z = _robust_z(quantity, counts)
    return (z > outlier_z) & (quantity >= outlier_min_quantity)


def _median(values: np.ndarray, counts: np.ndarray | None) -> float:
    """:func:`numpy.median` of ``values``, each repeated ``counts`` times when given."""
    if counts is None:
        return float(np.median(values))
    order = np.argsort(values, kind="stable")
    ends = np.cumsum(counts[order])
    n = int(ends[-1])
    middle = np.array([n // 2] if n % 2 else [n // 2 - 1, n // 2])
    return float(np.mean(values[order][np.searchsorted(ends, middle, side="right")]))


def _robust_z(quantity: np.ndarray, counts: np.ndarray | None = None) -> np.ndarray:
    """Robust z-score of log quantities (median and scaled MAD); positive quantities only."""
    if len(quantity) == 0:
        return np.zeros(0)
    logq = np.log(quantity.astype(float))
    median = _median(logq, counts)
    scale = _MAD_TO_SD * _median(np.abs(logq - median), counts)
    if scale == 0:
        return np.where(logq > median, np.inf, 0.0)
    return (logq - median) / scale

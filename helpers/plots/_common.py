"""What every plot module shares."""

from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.axes import Axes


def figure_axes(ax: Axes | None, figsize: tuple[float, float]) -> Axes:
    """Return ``ax``, or the Axes of a new figure of ``figsize``."""
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax

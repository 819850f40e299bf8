"""Choosing a recommender's settings honestly: on a validation period, never on the test period.

A recommender's settings (neighbours, factors, regularisation, alpha, a half-life) are chosen
by how well it does on purchases it has not seen. Choosing them on the test period and then
reporting the test metric reports the best of many tries as if it were one: the figure is
too good, by an amount that grows with the size of the grid. So the time line is cut twice::

    ------------------------------|---------------------|-----------------|
       fit (tuning)          validation_start      test_start         as_of
       <------- fit (final) ----------------------->|<---- test ------>|

:func:`tune_recommender` fits every combination of the grid on the lines before
``validation_start`` and scores it on what customers bought in
``[validation_start, test_start)`` (new products of known customers,
:func:`helpers.recommend_eval.relevant_items`); the lines from ``test_start`` on are dropped
before anything is computed, so no setting can depend on them. :meth:`Tuning.refit` then fits
the chosen settings on every line before ``test_start``, and that model alone is judged on
the test period.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from helpers import schema as s
from helpers.dates import to_timestamp
from helpers.interactions import interaction_matrix
from helpers.recommend import Recommender, check_k
from helpers.recommend_eval import METRICS, evaluate, relevant_items, time_split

__all__ = ["Tuning", "tune_recommender"]


@dataclass(frozen=True)
class Tuning:
    """What :func:`tune_recommender` found.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per combination of the grid: the settings, then the validation metrics
        (:data:`helpers.recommend_eval.METRICS` and ``customers``), best first.
    best : dict
        The chosen settings (the first row of ``table``).
    metric : str
        The metric the choice maximised.
    validation_start, test_start : pandas.Timestamp
        The two cuts of the time line.
    """

    table: pd.DataFrame
    best: dict[str, Any]
    metric: str
    validation_start: pd.Timestamp
    test_start: pd.Timestamp
    make: Callable[..., Recommender] = field(repr=False)
    matrix_options: Mapping[str, Any] = field(repr=False)

    def refit(self, lines: pd.DataFrame) -> Recommender:
        """Fit the chosen settings on every line before ``test_start``.

        Parameters
        ----------
        lines : pandas.DataFrame
            The clean order lines (later lines are left out here).

        Returns
        -------
        Recommender
            Fitted, ready to be judged on the test period.
        """
        matrix = interaction_matrix(lines, as_of=self.test_start, **self.matrix_options)
        return self.make(**self.best).fit(matrix)


def _grid(grid: Mapping[str, Sequence[Any]]) -> list[dict[str, Any]]:
    """Every combination of a grid of settings, in the order given."""
    if not isinstance(grid, Mapping) or not grid:
        raise ValueError(f"grid must be a mapping setting -> values, not empty; got {grid!r}")
    for name, values in grid.items():
        if isinstance(values, str) or not isinstance(values, Sequence) or not values:
            raise ValueError(
                f"grid[{name!r}] must be a non-empty list of values to try; got {values!r}"
            )
    names = list(grid)
    return [dict(zip(names, combo, strict=True)) for combo in itertools.product(*grid.values())]


def tune_recommender(
    make: Callable[..., Recommender],
    grid: Mapping[str, Sequence[Any]],
    lines: pd.DataFrame,
    *,
    validation_start: str | pd.Timestamp,
    test_start: str | pd.Timestamp,
    k: int = 10,
    metric: str = "ndcg",
    matrix_options: Mapping[str, Any] | None = None,
    date_col: str = s.INVOICE_DATE,
) -> Tuning:
    """Choose a recommender's settings on a validation period before the test period.

    Parameters
    ----------
    make : callable
        Makes an unfitted recommender from keyword settings, e.g. ``ItemCF`` or
        ``lambda **kw: ALSRecommender(iterations=10, **kw)``.
    grid : mapping of str to sequence
        The values to try per setting, e.g. ``{"n_neighbours": [10, 50, 200]}``; every
        combination is tried.
    lines : pandas.DataFrame
        Clean order lines. Lines from ``test_start`` on are dropped first.
    validation_start, test_start : str or pandas.Timestamp
        The validation period is ``[validation_start, test_start)``.
    k : int, default 10
        The list length judged.
    metric : str, default "ndcg"
        One of :data:`helpers.recommend_eval.METRICS` (larger is better); ties go to the
        earlier combination of the grid.
    matrix_options : mapping, optional
        Keyword arguments of :func:`helpers.interactions.interaction_matrix` (``value``,
        ``half_life_days``, column names), used for the tuning fits and :meth:`Tuning.refit`.
    date_col : str, default "invoice_date"
        The date column.

    Returns
    -------
    Tuning
        The table of every combination, the chosen settings and :meth:`Tuning.refit`.

    Raises
    ------
    ValueError
        If ``validation_start`` is not before ``test_start``, a period holds no line, the
        metric is unknown, the grid is empty, or no customer has a relevant purchase in the
        validation period.
    """
    k = check_k(k)
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {', '.join(METRICS)}; got {metric!r}")
    start = to_timestamp(validation_start, "validation_start")
    stop = to_timestamp(test_start, "test_start")
    if not start < stop:
        raise ValueError(
            f"validation_start ({start}) must be before test_start ({stop}): the validation "
            "period comes before the test period"
        )
    combinations = _grid(grid)
    options = dict(matrix_options or {})
    if "as_of" in options:
        raise ValueError("matrix_options: as_of is set by the periods, not by the caller")
    names = {k2: options[k2] for k2 in ("customer_col", "product_col") if k2 in options}
    before_test = lines[lines[date_col] < stop]  # the test period is never looked at
    fit_lines, validation = time_split(before_test, start, date_col=date_col)
    matrix = interaction_matrix(fit_lines, as_of=start, date_col=date_col, **options)
    relevant = relevant_items(fit_lines, validation, **names)
    if relevant.empty:
        raise ValueError(
            f"no customer of the lines before {start:%Y-%m-%d} bought a new product between "
            f"{start:%Y-%m-%d} and {stop:%Y-%m-%d}: move validation_start earlier"
        )
    customers = pd.Index(relevant[matrix.customer_col].unique())
    rows = []
    for settings in combinations:
        model = make(**settings).fit(matrix)
        found = model.recommend(customers, k)
        scores = evaluate(
            found,
            relevant,
            k,
            n_products=matrix.shape[1],
            customer_col=matrix.customer_col,
            product_col=matrix.product_col,
        )
        rows.append({**settings, **scores.to_dict()})
    table = pd.DataFrame(rows)
    order = table[metric].rank(method="first", ascending=False).sort_values().index
    table = table.loc[order].reset_index(drop=True)
    best = {name: table.loc[0, name] for name in combinations[0]}
    best = {name: _plain(value) for name, value in best.items()}
    return Tuning(table, best, metric, start, stop, make, {"date_col": date_col, **options})


def _plain(value: Any) -> Any:
    """Return a numpy scalar as the Python value it holds (settings go to constructors)."""
    return value.item() if hasattr(value, "item") else value

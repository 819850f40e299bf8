"""Customer tiers (gradient analysis): how value is spread over customers, and who sits where.

Every function here takes per-customer values: a :class:`pandas.Series` indexed by customer id
(one row per customer), e.g. the ``revenue`` column of
:func:`helpers.customers.customer_summary`. The index must be unique and the values finite
numbers.

Ranking and ties
----------------
All tiers are cut from the top: customers are ranked by value, highest first. Customers with
*equal* values always land in the same tier (decile, ABC tier, heavy/medium/light): a tie is
given the tier of the highest-ranked customer in it. So tier sizes can differ from the nominal
shares when many customers share a value (purchase counts are the usual case), and with all values
equal every customer is in the top tier. Nothing depends on the order of the input.

Concentration
-------------
- :func:`pareto_table`: the share of value held by the top ``x`` of customers, where the top
  ``x`` are the ``ceil(x * n)`` highest-value customers (at least one).
- :func:`lorenz_curve` and :func:`gini`. With values sorted ascending, ``x_(1) <= ... <=
  x_(n)``, the Gini coefficient is::

      G = sum_i (2 i - n - 1) x_(i) / (n * sum_i x_(i))

  which equals the mean absolute difference over all ``n**2`` ordered pairs divided by twice
  the mean, and one minus twice the area under the Lorenz curve. It is 0 when all values are
  equal and at most ``(n - 1) / n`` (one customer holds everything), e.g. 0.75 for
  ``[0, 0, 0, 10]``. ``correction=True`` multiplies by ``n / (n - 1)`` (the unbiased sample
  version, 1 for one customer holding everything).

Negative values (a customer whose returns exceed their purchases, a loss-making customer) have
no place on a Lorenz curve or in a cumulative share: :func:`pareto_table`, :func:`lorenz_curve`,
:func:`gini` and :func:`abc_tiers` refuse them with a ``ValueError`` naming a customer; clip
them to zero or analyse them apart. Deciles and :func:`quantile_tiers` only rank, so they accept
them. Zero values are allowed everywhere (they fall in the last tier); a total of zero is
refused where shares are needed.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from helpers.checks import check_numbers, check_share

__all__ = [
    "ABC_LABELS",
    "ABC_THRESHOLDS",
    "MOVES",
    "VOLUME_LABELS",
    "VOLUME_SHARES",
    "abc_tiers",
    "gini",
    "lorenz_curve",
    "migration_matrix",
    "migration_moves",
    "pareto_table",
    "quantile_tiers",
    "tier_summary",
    "value_deciles",
]

#: Default ABC cut points on the cumulative share of value: A makes the first 80%, B the next 15%.
ABC_THRESHOLDS: tuple[float, ...] = (0.80, 0.95)
ABC_LABELS: tuple[str, ...] = ("A", "B", "C")
#: Default heavy/medium/light cut points on the share of customers: top 20%, next 30%, rest.
VOLUME_SHARES: tuple[float, ...] = (0.20, 0.50)
VOLUME_LABELS: tuple[str, ...] = ("heavy", "medium", "light")
#: The kinds of move between two periods, as returned by :func:`migration_moves`.
MOVES: tuple[str, ...] = ("up", "same", "down", "new", "gone")

_EPS = 1e-9  # guards ceil(0.07 * 100) = 8 and other floating-point surprises


# --- inputs ------------------------------------------------------------------------------------


def _check_values(
    values: pd.Series, *, allow_negative: bool = False, need_total: bool = False
) -> pd.Series:
    """Check per-customer values and return them as floats; raise a readable error otherwise."""
    if not isinstance(values, pd.Series):
        raise TypeError(
            f"expected a pandas Series of values indexed by customer id, got "
            f"{type(values).__name__}; e.g. customer_summary(clean)['revenue']"
        )
    name = repr(values.name if values.name is not None else "values")
    if values.empty:
        raise ValueError(f"{name}: no customers (the Series is empty)")
    if not (pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)):
        raise ValueError(f"{name}: values must be numeric, got dtype {values.dtype}")
    numbers = values.astype(float)
    per_customer = numbers.rename_axis("customer")  # offending values are named by customer
    check_numbers(name, per_customer, "finite numbers (not missing, not infinite)", np.isfinite)
    duplicated = numbers.index.duplicated()
    if duplicated.any():
        raise ValueError(
            f"{name}: one value per customer expected, but {int(duplicated.sum())} customer "
            f"id(s) repeat, e.g. {numbers.index[duplicated][0]!r}; aggregate first "
            "(e.g. helpers.customers.customer_summary)"
        )
    if not allow_negative:
        rule = (
            ">= 0: negative values have no place in a cumulative share of value (clip them "
            "to zero with values.clip(lower=0), or analyse them apart)"
        )
        check_numbers(name, per_customer, rule, lambda a: a >= 0)
    if need_total and numbers.sum() <= 0:
        raise ValueError(f"{name}: the total value is zero, so shares of it are undefined")
    return numbers


def _check_cuts(cuts: Sequence[float], labels: Sequence[str], what: str) -> np.ndarray:
    """Check cut points (strictly increasing, in (0, 1]) and that there is one label per tier."""
    points = np.asarray(cuts, dtype=float)
    if points.ndim != 1 or points.size == 0:
        raise ValueError(f"{what}: give at least one cut point, got {cuts!r}")
    if not (np.all(points > 0) and np.all(points <= 1) and np.all(np.diff(points) > 0)):
        raise ValueError(
            f"{what}: cut points must be strictly increasing shares in (0, 1], got {tuple(cuts)}"
        )
    if len(labels) != points.size + 1:
        raise ValueError(
            f"{what}: {points.size} cut point(s) make {points.size + 1} tiers, but "
            f"{len(labels)} label(s) were given: {tuple(labels)}"
        )
    if len(set(labels)) != len(labels):
        raise ValueError(f"{what}: labels must be distinct, got {tuple(labels)}")
    return points


def _share_above(values: pd.Series, *, weight: str) -> pd.Series:
    """Share of customers (``weight="customers"``) or of value (``"value"``) strictly above.

    Customers with equal values get the same share (the share of those strictly above all of
    them), which is what keeps ties in one tier.
    """
    order = np.argsort(-values.to_numpy(), kind="stable")
    ranked = values.iloc[order]
    if weight == "customers":
        above = np.arange(len(ranked), dtype=float) / len(ranked)
    else:
        cumulative = ranked.cumsum().to_numpy()
        above = (cumulative - ranked.to_numpy()) / cumulative[-1]
    above = pd.Series(above, index=ranked.index)
    above = above.groupby(ranked.to_numpy()).transform("min")  # ties: the best of them
    return above.reindex(values.index)


def _cut(above: pd.Series, points: np.ndarray, labels: Sequence[str], name: str) -> pd.Series:
    """Tier by the share strictly above: the first tier whose cut point is above that share."""
    codes = np.searchsorted(points, above.to_numpy() + _EPS, side="right")  # reaching = at
    codes = np.minimum(codes, len(labels) - 1)
    tiers = pd.Categorical.from_codes(codes, categories=list(labels), ordered=True)
    return pd.Series(tiers, index=above.index, name=name)


# --- concentration -----------------------------------------------------------------------------


def pareto_table(
    values: pd.Series | pd.DataFrame,
    top: Sequence[float] = (0.01, 0.05, 0.10, 0.20, 0.50),
) -> pd.DataFrame:
    """Share of total value held by the top ``x`` of customers, for each ``x`` in ``top``.

    Parameters
    ----------
    values : pandas.Series or pandas.DataFrame
        Non-negative value per customer. A DataFrame gives one share column per value column
        (e.g. revenue and profit), each ranking the customers by its own values.
    top : sequence of float, default (0.01, 0.05, 0.10, 0.20, 0.50)
        Shares of customers, in (0, 1]. The top ``x`` are the ``ceil(x * n)`` highest-value
        customers (at least one): with 2,985 customers the top 1% are 30 customers.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``top`` (the share of customers asked for), columns ``customers`` (how many
        that is) and one column per value column (the Series' name, or ``"value"``) holding
        the share of total value, between 0 and 1.

    Raises
    ------
    ValueError
        For empty or negative values, a total of zero, or a share outside (0, 1].
    """
    frame = values.to_frame(values.name or "value") if isinstance(values, pd.Series) else values
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"expected a Series or DataFrame, got {type(values).__name__}")
    shares = np.asarray(top, dtype=float)
    if shares.size == 0:
        raise ValueError("top: give at least one share of customers, e.g. (0.2,)")
    check_share("top", shares, "shares of customers")
    if frame.shape[1] == 0:
        raise ValueError("values: the DataFrame has no columns")
    n = len(frame)
    counts = np.maximum(np.ceil(shares * n - _EPS), 1).astype(int)
    table = pd.DataFrame({"customers": counts}, index=pd.Index(shares, name="top"))
    for column in frame.columns:
        checked = _check_values(frame[column].rename(column), need_total=True)
        ranked = np.sort(checked.to_numpy())[::-1]
        cumulative = np.cumsum(ranked)
        table[column] = cumulative[counts - 1] / cumulative[-1]
    return table


def lorenz_curve(values: pd.Series) -> pd.DataFrame:
    """Compute the Lorenz curve: share of value held by the poorest share of customers.

    Parameters
    ----------
    values : pandas.Series
        Non-negative value per customer.

    Returns
    -------
    pandas.DataFrame
        ``n + 1`` points from (0, 0) to (1, 1), columns ``customer_share`` (``k / n``) and
        ``value_share`` (share of total value held by the ``k`` lowest-value customers). The
        curve lies on the diagonal when all values are equal and is convex below it otherwise.
        The Pareto (top-down) curve is the same points seen from the other corner:
        ``1 - value_share`` is held by the top ``1 - customer_share``.

    Raises
    ------
    ValueError
        For empty or negative values, or a total of zero.
    """
    numbers = _check_values(values, need_total=True)
    cumulative = np.cumsum(np.sort(numbers.to_numpy()))
    n = len(cumulative)
    return pd.DataFrame(
        {
            "customer_share": np.arange(n + 1) / n,
            "value_share": np.concatenate([[0.0], cumulative / cumulative[-1]]),
        }
    )


def gini(values: pd.Series, *, correction: bool = False) -> float:
    """Gini coefficient of per-customer values (0: all equal; near 1: one customer has it all).

    With values sorted ascending, ``x_(1) <= ... <= x_(n)``::

        G = sum_i (2 i - n - 1) x_(i) / (n * sum_i x_(i))

    the mean absolute difference over all ``n**2`` ordered pairs of customers divided by twice
    the mean value (equivalently, one minus twice the area under the Lorenz curve). Ties and
    zeros need no special care. ``[1, 1, 1, 1]`` gives 0; ``[0, 0, 0, 10]`` gives 0.75, the
    largest value possible with four customers, ``(n - 1) / n``. A single customer gives 0.

    Parameters
    ----------
    values : pandas.Series
        Non-negative value per customer.
    correction : bool, default False
        Multiply by ``n / (n - 1)`` (the sample version, whose maximum is 1): ``[0, 0, 0, 10]``
        then gives 1.0. Needs at least two customers.

    Returns
    -------
    float

    Raises
    ------
    ValueError
        For empty or negative values, a total of zero, or ``correction`` with one customer.
    """
    numbers = _check_values(values, need_total=True)
    x = np.sort(numbers.to_numpy())
    n = x.size
    if correction and n < 2:
        raise ValueError("gini(correction=True) needs at least two customers; got one")
    weights = 2 * np.arange(1, n + 1) - n - 1
    g = float(weights @ x / (n * x.sum()))
    return g * n / (n - 1) if correction else g


# --- tiers -------------------------------------------------------------------------------------


def value_deciles(values: pd.Series, n: int = 10) -> pd.Series:
    """Value deciles (or any ``n``-tiles): 1 is the top tenth of customers, ``n`` the bottom.

    A customer's decile is ``floor(n * share of customers with a strictly higher value) + 1``,
    so tied customers share a decile and deciles hold about ``1 / n`` of the customers each
    (exactly, without ties).

    Parameters
    ----------
    values : pandas.Series
        Value per customer (negative values are allowed: only the order matters).
    n : int, default 10
        Number of groups.

    Returns
    -------
    pandas.Series
        Ordered categorical ``1 < 2 < ... < n`` listed best first, indexed like ``values``,
        named ``"decile"``.
    """
    if not (isinstance(n, int | np.integer) and n >= 1):
        raise ValueError(f"n must be a positive integer, got {n!r}")
    numbers = _check_values(values, allow_negative=True)
    above = _share_above(numbers, weight="customers")
    codes = np.minimum(np.floor(above.to_numpy() * n + _EPS).astype(int), n - 1)
    deciles = pd.Categorical.from_codes(codes, categories=list(range(1, n + 1)), ordered=True)
    return pd.Series(deciles, index=numbers.index, name="decile")


def abc_tiers(
    values: pd.Series,
    thresholds: Sequence[float] = ABC_THRESHOLDS,
    labels: Sequence[str] = ABC_LABELS,
) -> pd.Series:
    """ABC tiers by cumulative share of value.

    Customers are ranked by value, highest first. With the default thresholds (0.80, 0.95),
    tier A is the smallest group of top customers whose value reaches 80% of the total, B the
    next customers up to 95%, C the rest.

    The boundary customer, whose value crosses a threshold, belongs to the tier *below* the
    threshold: a customer is in A when the customers ranked above them hold less than 80% of
    the value, in B when they hold at least 80% but less than 95%, and so on. So tier A holds
    at least 80% (a little more, by part of its last customer's value). Tied customers are
    kept together in the tier of the first of them; with all values equal, everybody is A.
    Customers with zero value are always in the last tier.

    Parameters
    ----------
    values : pandas.Series
        Non-negative value per customer.
    thresholds : sequence of float, default (0.80, 0.95)
        Increasing cumulative shares of value in (0, 1], one fewer than ``labels``.
    labels : sequence of str, default ("A", "B", "C")
        Tier names, best first.

    Returns
    -------
    pandas.Series
        Ordered categorical with categories ``labels`` (best first), indexed like ``values``,
        named ``"abc_tier"``.

    Raises
    ------
    ValueError
        For empty or negative values, a total of zero, or bad thresholds or labels.
    """
    points = _check_cuts(thresholds, labels, "abc_tiers")
    numbers = _check_values(values, need_total=True)
    return _cut(_share_above(numbers, weight="value"), points, labels, "abc_tier")


def quantile_tiers(
    values: pd.Series,
    shares: Sequence[float] = VOLUME_SHARES,
    labels: Sequence[str] = VOLUME_LABELS,
) -> pd.Series:
    """Heavy / medium / light tiers by shares of customers (quantiles of value or frequency).

    Customers are ranked by value, highest first; with the default shares (0.20, 0.50) the top
    20% of customers are ``heavy``, the next 30% ``medium`` and the bottom 50% ``light``. A
    customer is in the first tier whose cut point is above the share of customers with a
    strictly higher value, so tied customers stay together, in the better tier: with purchase
    counts, where many customers share a count, ``heavy`` can hold more than 20%.

    Parameters
    ----------
    values : pandas.Series
        Value or frequency per customer (negative values are allowed: only the order matters).
    shares : sequence of float, default (0.20, 0.50)
        Increasing cumulative shares of customers in (0, 1], one fewer than ``labels``.
    labels : sequence of str, default ("heavy", "medium", "light")
        Tier names, best first.

    Returns
    -------
    pandas.Series
        Ordered categorical with categories ``labels``, indexed like ``values``, named
        ``"volume_tier"``.
    """
    points = _check_cuts(shares, labels, "quantile_tiers")
    numbers = _check_values(values, allow_negative=True)
    return _cut(_share_above(numbers, weight="customers"), points, labels, "volume_tier")


def tier_summary(values: pd.Series, tiers: pd.Series) -> pd.DataFrame:
    """Say what each tier is worth: customers, value, their shares, mean and median value.

    Parameters
    ----------
    values : pandas.Series
        Value per customer.
    tiers : pandas.Series
        Tier per customer, indexed by the same customers (e.g. from :func:`abc_tiers`). With a
        categorical, tiers are listed in category order (empty tiers included).

    Returns
    -------
    pandas.DataFrame
        One row per tier, columns ``customers``, ``customer_share``, ``value``,
        ``value_share``, ``mean_value``, ``median_value`` (shares between 0 and 1; the mean
        and median of an empty tier are NaN).

    Raises
    ------
    ValueError
        If the customers of ``values`` and ``tiers`` differ (naming one), or a tier is missing.
    """
    numbers = _check_values(values, allow_negative=True)
    if not isinstance(tiers, pd.Series):
        raise TypeError(f"tiers must be a pandas Series, got {type(tiers).__name__}")
    only_values = numbers.index.difference(tiers.index)
    only_tiers = tiers.index.difference(numbers.index)
    if len(only_values) or len(only_tiers) or len(tiers) != len(numbers):
        example = (only_values if len(only_values) else only_tiers).tolist()[:1]
        raise ValueError(
            f"values and tiers must cover the same customers; {len(only_values)} customer(s) "
            f"have a value but no tier, {len(only_tiers)} a tier but no value, e.g. {example}"
        )
    tiers = tiers.reindex(numbers.index)
    if tiers.isna().any():
        raise ValueError(f"customer {tiers.index[tiers.isna()][0]!r} has no tier")
    grouped = numbers.groupby(tiers, observed=False, sort=True)
    table = pd.DataFrame(
        {
            "customers": grouped.size(),
            "value": grouped.sum(),
            "mean_value": grouped.mean(),
            "median_value": grouped.median(),
        }
    )
    table["customer_share"] = table["customers"] / len(numbers)
    total = numbers.sum()
    table["value_share"] = table["value"] / total if total != 0 else np.nan
    table.index.name = tiers.name or "tier"
    columns = ["customers", "customer_share", "value", "value_share", "mean_value"]
    return table[[*columns, "median_value"]]


# --- migration ---------------------------------------------------------------------------------


def _check_pair(before: pd.Series, after: pd.Series) -> list:
    """Check two tier Series with the same ordered categories; return the categories."""
    for name, tiers in (("before", before), ("after", after)):
        if not isinstance(tiers, pd.Series) or not isinstance(tiers.dtype, pd.CategoricalDtype):
            raise ValueError(
                f"{name}: expected a categorical Series of tiers (e.g. from abc_tiers), got "
                f"{getattr(tiers, 'dtype', type(tiers).__name__)}"
            )
        if tiers.index.duplicated().any():
            raise ValueError(
                f"{name}: customer {tiers.index[tiers.index.duplicated()][0]!r} appears twice"
            )
        if tiers.isna().any():
            raise ValueError(f"{name}: customer {tiers.index[tiers.isna()][0]!r} has no tier")
    categories = list(before.cat.categories)
    if categories != list(after.cat.categories):
        raise ValueError(
            f"before and after must use the same tiers, got {categories} and "
            f"{list(after.cat.categories)}"
        )
    clash = {"new", "gone"} & set(map(str, categories))
    if clash:
        raise ValueError(f"tier labels {sorted(clash)} are reserved for migration")
    return categories


def migration_matrix(before: pd.Series, after: pd.Series) -> pd.DataFrame:
    """Transition counts between the tiers of two periods, new and lost customers included.

    Parameters
    ----------
    before, after : pandas.Series
        Tier per customer in the first and the second period (categoricals with the same
        categories, best first, e.g. from :func:`abc_tiers`). A customer absent from
        ``before`` is new in the second period; one absent from ``after`` bought nothing in it.

    Returns
    -------
    pandas.DataFrame
        Counts of customers; rows: tier in the first period, then ``"new"``; columns: tier in
        the second period, then ``"gone"``. Every customer of either period is counted once;
        the ``("new", "gone")`` cell is always 0. Above the diagonal of the tier block are
        customers who fell, below it customers who moved up.
    """
    categories = _check_pair(before, after)
    customers = before.index.union(after.index)
    rows = before.reindex(customers).astype(object).fillna("new")
    columns = after.reindex(customers).astype(object).fillna("gone")
    counts = pd.crosstab(rows, columns)
    matrix = counts.reindex(
        index=[*categories, "new"], columns=[*categories, "gone"], fill_value=0
    ).astype(int)
    matrix.index.name, matrix.columns.name = "tier before", "tier after"
    return matrix


def migration_moves(before: pd.Series, after: pd.Series) -> pd.Series:
    """Each customer's move between two periods: up, same, down, new or gone.

    Parameters
    ----------
    before, after : pandas.Series
        Tier per customer in the two periods, as for :func:`migration_matrix`.

    Returns
    -------
    pandas.Series
        Categorical with categories :data:`MOVES`, indexed by every customer of either period
        (sorted), named ``"move"``. ``up`` means a better tier (earlier in the categories).
    """
    _check_pair(before, after)
    customers = before.index.union(after.index)
    code_before = pd.Series(before.cat.codes, index=before.index).reindex(customers)
    code_after = pd.Series(after.cat.codes, index=after.index).reindex(customers)
    move = np.select(
        [
            code_before.isna().to_numpy(),
            code_after.isna().to_numpy(),
            (code_after < code_before).to_numpy(),
            (code_after > code_before).to_numpy(),
        ],
        ["new", "gone", "up", "down"],
        default="same",
    )
    return pd.Series(pd.Categorical(move, categories=list(MOVES)), index=customers, name="move")

"""RFM analysis: recency, frequency and monetary value per customer, scores, codes and segments.

RFM describes each customer by three numbers taken from their order lines: how long ago they
last bought (**recency**), how often they bought (**frequency**) and how much they spent
(**monetary**). The functions here build that table from clean order lines, score each number
1-5, combine the scores into a code ("555") and a weighted score, name segments, summarise the
segments and follow customers from one segment to another between two dates.

The analysis date ``as_of``
---------------------------
``as_of`` is the moment the analysis is made, and it is **exclusive**: only order lines dated
strictly before it count. Pass a date (midnight) to count every day before it; the default is
midnight after the day of the last order line, so that the whole last day counts.

Recency is counted in whole **calendar days** from the day of the customer's last purchase to
the day of ``as_of``; the time of day of both is ignored in that difference, so a purchase at
23:59 the day before ``as_of`` has recency 1, like one at 08:00. With ``as_of`` at midnight
every counted purchase is on an earlier day, so recency is at least 1. A time of day in
``as_of`` only moves the cut-off: with ``as_of="2011-12-09 12:00"`` a purchase at 10:00 that
day counts (recency 0) and one at 13:00 does not.

Input
-----
Clean order lines (:func:`helpers.datasets.load_clean_transactions`): one row per product on
an invoice, with an ``amount`` (``quantity * unit_price``) that is already net of returns (see
:mod:`helpers.cleaning`). Frequency counts distinct invoices, so return lines must not be
invoices of their own: a line with a zero or negative amount raises a :class:`ValueError`.

Scores
------
:func:`quantile_scores` gives each customer a score from 1 to ``n_scores`` by where their value
falls in the distribution: by the share of customers with a strictly **worse** value,
``p = n_worse / n``, ``score = floor(n_scores * p) + 1`` (the "min" rank method:
``n_worse + 1`` is ``values.rank(method="min")``). Hence

- equal values always get equal scores, and the result does not depend on row order (unlike
  the common ``pd.qcut(x.rank(method="first"), 5)``, which splits a tie by row order);
- without ties the scores are quantile groups of equal size (up to one customer);
- the worst value always scores 1, however many customers share it: every customer with a
  single order has F = 1, and the customers whose last order is longest ago have R = 1.
  (Splitting a tie at its middle instead would give one-order customers F = 2 whenever they
  are more than 40% of the base, a common case, and empty the segments "New" and
  "Promising".)
- a value shared by many customers pushes the next value up, so a score can stay empty (if
  half the customers bought once, frequency 2 scores 3 and no one scores 2), and the best
  value reaches the top score only if fewer than ``n / n_scores`` customers share it;
- when every customer has the same value, nobody is worse than anybody and all score 1
  (code "111"); a single customer scores 1 too. There is nothing to rank them against.

For recency a smaller value is better, so "worse" means "longer ago" and the most recent
customers get 5. :func:`cut_scores` scores on fixed cut points instead (right-closed bins, as
``pandas.cut``), for thresholds that mean something to the business (e.g. "bought in the last
30 days") and that stay put from one analysis date to the next.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from helpers import schema as s
from helpers.checks import column_rule, example_row, has_missing, require_columns
from helpers.customers import customer_summary
from helpers.dates import to_timestamp
from helpers.translation import N_

__all__ = [
    "FREQUENCY",
    "F_SCORE",
    "MONETARY",
    "MONETARY_AVG",
    "M_SCORE",
    "RECENCY",
    "RFM_CODE",
    "RFM_SCORE",
    "R_SCORE",
    "SEGMENT",
    "SEGMENTS",
    "STANDARD_SEGMENTS",
    "assign_segments",
    "cut_scores",
    "default_as_of",
    "quantile_scores",
    "rfm_analysis",
    "rfm_of_summary",
    "rfm_scores",
    "rfm_table",
    "scored_rfm",
    "segment_migration",
    "segment_summary",
    "weighted_rfm_score",
]

# --- column names of the RFM tables ---------------------------------------------------------
RECENCY = "recency"
FREQUENCY = "frequency"
MONETARY = "monetary"
MONETARY_AVG = "monetary_avg"
FIRST_PURCHASE = "first_purchase"
LAST_PURCHASE = "last_purchase"
R_SCORE = "r_score"
F_SCORE = "f_score"
M_SCORE = "m_score"
RFM_CODE = "rfm_code"
RFM_SCORE = "rfm_score"
SEGMENT = "segment"

#: A segment rule: ``{column: (low, high)}`` (inclusive ranges, all must hold; a single number
#: means that value), a :meth:`pandas.DataFrame.eval` expression such as
#: ``"r_score >= 4 and f_score >= 4"``, or a function of the frame returning booleans.
SegmentRule = Mapping[str, Any] | str | Callable[[pd.DataFrame], Any]

#: The standard named segments on the R and F scores (1-5); first matching rule wins, and
#: together they cover all 25 (R, F) cells exactly once. See :func:`assign_segments`.
STANDARD_SEGMENTS: tuple[tuple[str, dict[str, tuple[int, int]]], ...] = (
    (N_("Champions"), {R_SCORE: (5, 5), F_SCORE: (4, 5)}),
    (N_("Loyal"), {R_SCORE: (3, 4), F_SCORE: (4, 5)}),
    (N_("Potential Loyalist"), {R_SCORE: (4, 5), F_SCORE: (2, 3)}),
    (N_("New"), {R_SCORE: (5, 5), F_SCORE: (1, 1)}),
    (N_("Promising"), {R_SCORE: (4, 4), F_SCORE: (1, 1)}),
    (N_("Need Attention"), {R_SCORE: (3, 3), F_SCORE: (3, 3)}),
    (N_("About to Sleep"), {R_SCORE: (3, 3), F_SCORE: (1, 2)}),
    (N_("At Risk"), {R_SCORE: (1, 2), F_SCORE: (3, 4)}),
    (N_("Can't Lose"), {R_SCORE: (1, 2), F_SCORE: (5, 5)}),
    (N_("Hibernating"), {R_SCORE: (2, 2), F_SCORE: (1, 2)}),
    (N_("Lost"), {R_SCORE: (1, 1), F_SCORE: (1, 2)}),
)

#: The standard segment names, best first.
SEGMENTS: tuple[str, ...] = tuple(name for name, _ in STANDARD_SEGMENTS)


# --- the RFM table -------------------------------------------------------------------------------


#: Advice added to a missing-column error of the functions that take column names.
_NAMES_HINT = "pass the column names as arguments if yours are called differently"


def default_as_of(transactions: pd.DataFrame, *, date_col: str = s.INVOICE_DATE) -> pd.Timestamp:
    """Return midnight after the day of the last order line: the default analysis date.

    Parameters
    ----------
    transactions : pandas.DataFrame
        Order lines.
    date_col : str, default "invoice_date"
        Column of order-line timestamps.

    Returns
    -------
    pandas.Timestamp
    """
    require_columns(transactions, [date_col], "default_as_of", allow_empty=True, hint=_NAMES_HINT)
    last = transactions[date_col].max()
    if pd.isna(last):
        raise ValueError(f"default_as_of: column {date_col!r} has no dates")
    return pd.Timestamp(last).normalize() + pd.Timedelta(days=1)


def rfm_table(
    transactions: pd.DataFrame,
    as_of: str | pd.Timestamp | None = None,
    *,
    customer_col: str = s.CUSTOMER_ID,
    invoice_col: str = s.INVOICE_ID,
    date_col: str = s.INVOICE_DATE,
    amount_col: str = s.AMOUNT,
) -> pd.DataFrame:
    """Recency, frequency and monetary value per customer at ``as_of``.

    Parameters
    ----------
    transactions : pandas.DataFrame
        Clean order lines, one row per product on an invoice, with net ``amount`` (returns
        already netted against purchases, see :mod:`helpers.cleaning`).
    as_of : str or pandas.Timestamp, optional
        The analysis moment, exclusive: only lines dated strictly before it count. Default
        :func:`default_as_of` (midnight after the last line's day). See the module docstring
        for how time of day is handled.
    customer_col, invoice_col, date_col, amount_col : str
        Column names; default the canonical names of :mod:`helpers.schema`.

    Returns
    -------
    pandas.DataFrame
        Indexed by customer (sorted), one row per customer with a purchase before ``as_of``:

        - ``recency``: calendar days from the day of the last purchase to the day of ``as_of``;
        - ``frequency``: number of distinct invoices;
        - ``monetary``: total net spend;
        - ``monetary_avg``: average net spend per invoice (``monetary / frequency``);
        - ``first_purchase``, ``last_purchase``: timestamps of the first and last lines.

        ``attrs["as_of"]`` holds the analysis moment used.

    Raises
    ------
    ValueError
        If a column is missing; a customer id, date or amount is missing; an amount is zero or
        negative (returns not netted); or no line is dated before ``as_of`` (an ``as_of`` at
        or before the first transaction).
    """
    what = "rfm_table"
    columns = [customer_col, invoice_col, date_col, amount_col]
    require_columns(transactions, columns, what, hint=_NAMES_HINT)
    df = transactions[columns]
    for column in columns:
        if has_missing(df[column]):
            column_rule(df, df[column].isna(), what, column, "present (no missing values)")
    if not pd.api.types.is_datetime64_any_dtype(df[date_col]):
        raise ValueError(
            f"rfm_table: column {date_col!r} must hold timestamps (datetime64), "
            f"got {df[date_col].dtype}; parse it with pandas.to_datetime first"
        )
    rule = (
        "positive (clean order lines with returns netted against their purchases, see "
        "helpers.cleaning.clean_transactions)"
    )
    column_rule(df, ~(df[amount_col] > 0), what, amount_col, rule)
    as_of = default_as_of(df, date_col=date_col) if as_of is None else to_timestamp(as_of, "as_of")
    first = df[date_col].min()
    if not (df[date_col] < as_of).any():
        raise ValueError(
            f"rfm_table: as_of {as_of} is at or before the first transaction ({first}); "
            "no purchase is dated before it. Choose a later as_of."
        )
    summary = customer_summary(
        df,
        end=as_of,
        customer_col=customer_col,
        invoice_col=invoice_col,
        date_col=date_col,
        amount_col=amount_col,
    )
    return rfm_of_summary(summary, as_of)


def rfm_of_summary(summary: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """Return the RFM table of a customer summary of the lines before ``as_of``.

    Parameters
    ----------
    summary : pandas.DataFrame
        :func:`helpers.customers.customer_summary` of the lines before ``as_of`` (from
        pandas, or an SQL engine: :func:`helpers.scale.customer_summary`).
    as_of : pandas.Timestamp
        The analysis moment (exclusive).

    Returns
    -------
    pandas.DataFrame
        As :func:`rfm_table`.
    """
    # frequency = purchases, monetary = revenue: RFM's own words for the shared summary
    table = summary.rename(
        columns={"purchases": FREQUENCY, "revenue": MONETARY, "average_amount": MONETARY_AVG}
    )
    days = (as_of.normalize() - table[LAST_PURCHASE].dt.normalize()).dt.days
    table.insert(0, RECENCY, days.astype("int64"))
    table.attrs["as_of"] = as_of
    return table


# --- scores ------------------------------------------------------------------------------------


#: Decimals to which quantile_scores compares values (floating-point noise of sums is far below).
_DECIMALS = 9


def _check_values(values: pd.Series, what: str) -> None:
    """Refuse missing values, naming the first customer who has one."""
    column_rule(values.to_frame(), values.isna(), what, values.name, "present (no missing values)")


def quantile_scores(
    values: pd.Series, n_scores: int = 5, *, higher_is_better: bool = True
) -> pd.Series:
    """Score values 1..``n_scores`` by quantile; equal values get equal scores.

    ``score = floor(n_scores * n_worse / n) + 1``, where ``n_worse`` counts the values strictly
    worse than this one. Equal values get equal scores; row order does not matter; the worst
    value always scores 1; if all values are equal, all score 1. See the module docstring.
    Values are compared rounded to 9 decimals: two sums of the same money added in another
    order (14.23 and 14.229999999999999) are equal, not one rank apart.

    Parameters
    ----------
    values : pandas.Series
        One value per customer, no missing values.
    n_scores : int, default 5
        Number of scores, 2 to 9 (one digit each in the RFM code).
    higher_is_better : bool, default True
        False for recency: the smallest value gets the highest score.

    Returns
    -------
    pandas.Series
        int64 scores, same index as ``values``.
    """
    _check_n_scores(n_scores)
    _check_values(values, "quantile_scores")
    x = values.round(_DECIMALS) if higher_is_better else -values.round(_DECIMALS)
    # rank "min" (1-based) = n_worse + 1; integer arithmetic, no rounding at the bin edges
    n_worse = x.rank(method="min").astype("int64") - 1
    score = (n_scores * n_worse) // len(values) + 1
    return score.clip(upper=n_scores).astype("int64")


def cut_scores(
    values: pd.Series, cuts: Sequence[float], *, higher_is_better: bool = True
) -> pd.Series:
    """Score values on fixed cut points: ``len(cuts) + 1`` scores, right-closed bins.

    With ``cuts = [c1, c2, ..., ck]``, a value ``<= c1`` is in bin 1, ``c1 < v <= c2`` in bin 2,
    ..., ``> ck`` in bin ``k + 1``. The score is the bin, or ``k + 2 - bin`` when
    ``higher_is_better`` is False (recency: ``cuts=[30, 90, 180, 365]`` gives 5 to a purchase
    in the last 30 days and 1 to one more than a year ago).

    Parameters
    ----------
    values : pandas.Series
        One value per customer, no missing values.
    cuts : sequence of float
        Strictly increasing cut points.
    higher_is_better : bool, default True
        False for recency.

    Returns
    -------
    pandas.Series
        int64 scores, same index as ``values``.
    """
    _check_values(values, "cut_scores")
    edges = np.asarray(cuts, dtype=float)
    if edges.ndim != 1 or len(edges) == 0 or np.any(np.diff(edges) <= 0):
        raise ValueError(
            f"cut_scores: cuts for {values.name!r} must be a non-empty, strictly increasing "
            f"list of numbers, got {list(cuts)!r}"
        )
    bins = np.searchsorted(edges, values.to_numpy(dtype=float), side="left") + 1
    score = bins if higher_is_better else len(edges) + 2 - bins
    return pd.Series(score.astype("int64"), index=values.index, name=values.name)


def _check_n_scores(n_scores: int) -> None:
    if not isinstance(n_scores, int | np.integer) or not 2 <= n_scores <= 9:
        raise ValueError(f"n_scores must be an integer from 2 to 9, got {n_scores!r}")


def rfm_scores(
    rfm: pd.DataFrame,
    n_scores: int = 5,
    cuts: Mapping[str, Sequence[float]] | None = None,
    *,
    recency_col: str = RECENCY,
    frequency_col: str = FREQUENCY,
    monetary_col: str = MONETARY,
) -> pd.DataFrame:
    """R, F and M scores and the three-digit RFM code.

    Parameters
    ----------
    rfm : pandas.DataFrame
        An RFM table (:func:`rfm_table`).
    n_scores : int, default 5
        Number of scores per dimension, 2 to 9.
    cuts : mapping, optional
        Fixed cut points per column, e.g. ``{"recency": [30, 90, 180, 365]}``
        (``n_scores - 1`` each, see :func:`cut_scores`); columns not in ``cuts`` are scored by
        quantile (:func:`quantile_scores`). Recency is scored with smaller = better.
    recency_col, frequency_col, monetary_col : str
        The columns to score.

    Returns
    -------
    pandas.DataFrame
        ``rfm`` with ``r_score``, ``f_score``, ``m_score`` (int, higher = better) and
        ``rfm_code`` (text such as ``"535"``: R, F, M digits) added.
    """
    _check_n_scores(n_scores)
    require_columns(
        rfm,
        [recency_col, frequency_col, monetary_col],
        "rfm_scores",
        allow_empty=True,
        hint=_NAMES_HINT,
    )
    cuts = dict(cuts or {})
    unknown = set(cuts) - {recency_col, frequency_col, monetary_col}
    if unknown:
        raise ValueError(
            f"rfm_scores: cuts given for {sorted(unknown)}, which are not scored; "
            f"use {[recency_col, frequency_col, monetary_col]}"
        )
    out = rfm.copy()
    for column, score_col, better in (
        (recency_col, R_SCORE, False),
        (frequency_col, F_SCORE, True),
        (monetary_col, M_SCORE, True),
    ):
        if column in cuts:
            if len(cuts[column]) != n_scores - 1:
                raise ValueError(
                    f"rfm_scores: {n_scores} scores need {n_scores - 1} cut points for "
                    f"{column!r}, got {len(cuts[column])}: {list(cuts[column])!r}"
                )
            out[score_col] = cut_scores(rfm[column], cuts[column], higher_is_better=better)
        else:
            out[score_col] = quantile_scores(rfm[column], n_scores, higher_is_better=better)
    out[RFM_CODE] = out[R_SCORE].astype(str) + out[F_SCORE].astype(str) + out[M_SCORE].astype(str)
    return out


def weighted_rfm_score(
    rfm: pd.DataFrame,
    weights: Mapping[str, float] | Sequence[float] = (1.0, 1.0, 1.0),
    *,
    on: str = "values",
    recency_col: str = RECENCY,
    frequency_col: str = FREQUENCY,
    monetary_col: str = MONETARY,
) -> pd.Series:
    """Compute a weighted RFM score from 0 (worst) to 1 (best) on min-max normalised inputs.

    Each input is scaled to 0-1 by ``(x - min) / (max - min)`` over the customers of ``rfm``;
    recency is inverted (``(max - x) / (max - min)``) so that a recent purchase scores high.
    The score is ``sum(w * scaled) / sum(w)``. A column whose values are all equal carries no
    information and is scaled to 0.5.

    Parameters
    ----------
    rfm : pandas.DataFrame
        An RFM table; with ``on="scores"``, the output of :func:`rfm_scores`.
    weights : mapping or sequence of three floats, default (1, 1, 1)
        Weights of recency, frequency and monetary, as ``(w_r, w_f, w_m)`` or
        ``{"recency": w_r, "frequency": w_f, "monetary": w_m}`` (keys are the column names;
        a missing key weighs 0). Non-negative, not all zero; they need not sum to 1.
    on : {"values", "scores"}, default "values"
        Scale the raw values (recency inverted), or the 1-5 scores (already higher = better).
        Raw monetary values are usually very skewed, so on ``"values"`` a few big spenders
        squeeze everybody else's monetary part towards 0; ``"scores"`` uses ranks instead.
    recency_col, frequency_col, monetary_col : str
        The value columns (with ``on="values"``).

    Returns
    -------
    pandas.Series
        ``rfm_score`` per customer.
    """
    if on == "values":
        columns = [recency_col, frequency_col, monetary_col]
    elif on == "scores":
        columns = [R_SCORE, F_SCORE, M_SCORE]
    else:
        raise ValueError(f"weighted_rfm_score: on must be 'values' or 'scores', got {on!r}")
    require_columns(rfm, columns, "weighted_rfm_score", allow_empty=True, hint=_NAMES_HINT)
    if isinstance(weights, Mapping):
        names = [recency_col, frequency_col, monetary_col]
        unknown = set(weights) - set(names)
        if unknown:
            raise ValueError(
                f"weighted_rfm_score: weights given for {sorted(unknown)}; keys must be {names}"
            )
        w = np.array([float(weights.get(name, 0.0)) for name in names])
    else:
        w = np.asarray(weights, dtype=float)
        if w.shape != (3,):
            raise ValueError(
                f"weighted_rfm_score: weights must be three numbers (R, F, M), got {weights!r}"
            )
    if not np.all(np.isfinite(w)) or np.any(w < 0) or w.sum() <= 0:
        raise ValueError(
            f"weighted_rfm_score: weights must be non-negative and not all zero, got {w.tolist()}"
        )
    x = rfm[columns].astype(float)
    low, high = x.min(), x.max()
    span = (high - low).replace(0.0, np.nan)
    scaled = ((x - low) / span).fillna(0.5)
    if on == "values":
        scaled[recency_col] = 1.0 - scaled[recency_col]
    score = scaled.to_numpy() @ (w / w.sum())
    return pd.Series(score, index=rfm.index, name=RFM_SCORE)


# --- segments ----------------------------------------------------------------------------------


def _rule_mask(frame: pd.DataFrame, name: str, rule: SegmentRule) -> np.ndarray:
    """Evaluate one segment rule to a boolean array."""
    if isinstance(rule, str):
        try:
            mask = frame.eval(rule)
        except Exception as err:  # pandas raises many kinds for a bad expression
            raise ValueError(f"segment {name!r}: cannot evaluate rule {rule!r}: {err}") from None
    elif callable(rule):
        mask = rule(frame)
    elif isinstance(rule, Mapping):
        require_columns(frame, list(rule), f"segment {name!r}", allow_empty=True)
        mask = np.ones(len(frame), dtype=bool)
        for column, allowed in rule.items():
            low, high = allowed if isinstance(allowed, tuple | list) else (allowed, allowed)
            mask &= frame[column].between(low, high).to_numpy()
    else:
        raise ValueError(
            f"segment {name!r}: a rule is a {{column: (low, high)}} mapping, an expression "
            f"string or a function of the frame, got {type(rule).__name__}"
        )
    mask = np.asarray(mask)
    if mask.dtype != bool or mask.shape != (len(frame),):
        raise ValueError(
            f"segment {name!r}: the rule must give one boolean per customer "
            f"({len(frame)}), got dtype {mask.dtype} and shape {mask.shape}"
        )
    return mask


def assign_segments(
    scores: pd.DataFrame,
    segments: Sequence[tuple[str, SegmentRule]] | Mapping[str, SegmentRule] | None = None,
    *,
    default: str | None = None,
) -> pd.Series:
    """Name each customer's segment: the first rule that matches.

    The standard map (``segments=None``, :data:`STANDARD_SEGMENTS`) uses the R and F scores
    (1-5), as the widely used RFM segment grid does, with its bottom-left corner split into
    "Hibernating" (R = 2) and "Lost" (R = 1). It covers each (R, F) cell exactly once:

    ==================  =======  =======  ================================================
    segment             R score  F score  in words
    ==================  =======  =======  ================================================
    Champions           5        4-5      bought recently, buy often
    Loyal               3-4      4-5      buy often, fairly recently
    Potential Loyalist  4-5      2-3      recent, a few purchases: can become loyal
    New                 5        1        first purchase very recently
    Promising           4        1        one purchase, recently
    Need Attention      3        3        middling recency and frequency
    About to Sleep      3        1-2      few purchases, slipping away
    At Risk             1-2      3-4      used to buy often, not for a long time
    Can't Lose          1-2      5        the most frequent buyers, gone quiet
    Hibernating         2        1-2      few purchases, long ago
    Lost                1        1-2      few purchases, longest ago
    ==================  =======  =======  ================================================

    Parameters
    ----------
    scores : pandas.DataFrame
        The output of :func:`rfm_scores` (or any frame the rules refer to).
    segments : sequence of (name, rule) or mapping name -> rule, optional
        Your own rules, tried in order. A rule is ``{column: (low, high)}`` (inclusive; a single
        number means that value; all columns must match), an expression for
        :meth:`pandas.DataFrame.eval` such as ``"r_score >= 4 and m_score == 5"``, or a function
        taking the frame and returning one boolean per row. Default :data:`STANDARD_SEGMENTS`.
    default : str, optional
        Name for customers no rule matches. If None (default), such customers raise a
        ValueError (nothing is left unnamed silently).

    Returns
    -------
    pandas.Series
        Categorical ``segment``, categories in rule order (then ``default``, if given).
    """
    rules = list(STANDARD_SEGMENTS if segments is None else _as_rules(segments))
    names = [name for name, _ in rules]
    if len(set(names)) != len(names):
        raise ValueError(f"assign_segments: segment names must be unique, got {names}")
    masks = [_rule_mask(scores, name, rule) for name, rule in rules]
    matched = np.logical_or.reduce(masks) if masks else np.zeros(len(scores), dtype=bool)
    if default is None and not matched.all():
        bad = pd.Series(~matched, index=scores.index)
        hint = " (the standard map is for scores 1-5)" if segments is None else ""
        raise ValueError(
            f"assign_segments: no segment rule matches {int(bad.sum())} row(s), "
            f"{example_row(scores, bad)}{hint}; "
            "add a rule or pass default='Other'"
        )
    labels = np.select(masks, names, default=default if default is not None else "")
    categories = names + ([default] if default is not None and default not in names else [])
    return pd.Series(
        pd.Categorical(labels, categories=categories), index=scores.index, name=SEGMENT
    )


def _as_rules(
    segments: Sequence[tuple[str, SegmentRule]] | Mapping[str, SegmentRule],
) -> list[tuple[str, SegmentRule]]:
    if isinstance(segments, Mapping):
        return list(segments.items())
    rules = list(segments)
    for rule in rules:
        if not (isinstance(rule, tuple) and len(rule) == 2 and isinstance(rule[0], str)):
            raise ValueError(
                f"assign_segments: segments must be (name, rule) pairs or a mapping, got {rule!r}"
            )
    return rules


def rfm_analysis(
    transactions: pd.DataFrame,
    as_of: str | pd.Timestamp | None = None,
    *,
    n_scores: int = 5,
    cuts: Mapping[str, Sequence[float]] | None = None,
    weights: Mapping[str, float] | Sequence[float] = (1.0, 1.0, 1.0),
    segments: Sequence[tuple[str, SegmentRule]] | Mapping[str, SegmentRule] | None = None,
    default: str | None = None,
    customer_col: str = s.CUSTOMER_ID,
    invoice_col: str = s.INVOICE_ID,
    date_col: str = s.INVOICE_DATE,
    amount_col: str = s.AMOUNT,
) -> pd.DataFrame:
    """Run the whole RFM analysis at one date: table, scores, code, weighted score, segment.

    :func:`rfm_table`, then :func:`rfm_scores`, :func:`weighted_rfm_score` (on the values) and
    :func:`assign_segments`. Quantile scores are relative to the customers present at ``as_of``.

    Parameters
    ----------
    transactions : pandas.DataFrame
        Clean order lines.
    as_of : str or pandas.Timestamp, optional
        The analysis moment (exclusive); default midnight after the last line's day.
    n_scores, cuts
        Passed to :func:`rfm_scores`.
    weights
        Passed to :func:`weighted_rfm_score` (on the values).
    segments, default
        Passed to :func:`assign_segments`; default the standard segments.
    customer_col, invoice_col, date_col, amount_col : str
        Column names of ``transactions``.

    Returns
    -------
    pandas.DataFrame
        One row per customer: the RFM table's columns, ``r_score``, ``f_score``, ``m_score``,
        ``rfm_code``, ``rfm_score`` and ``segment``; ``attrs["as_of"]``.
    """
    table = rfm_table(
        transactions,
        as_of,
        customer_col=customer_col,
        invoice_col=invoice_col,
        date_col=date_col,
        amount_col=amount_col,
    )
    return scored_rfm(
        table, n_scores=n_scores, cuts=cuts, weights=weights, segments=segments, default=default
    )


def scored_rfm(
    table: pd.DataFrame,
    *,
    n_scores: int = 5,
    cuts: Mapping[str, Sequence[float]] | None = None,
    weights: Mapping[str, float] | Sequence[float] = (1.0, 1.0, 1.0),
    segments: Sequence[tuple[str, SegmentRule]] | Mapping[str, SegmentRule] | None = None,
    default: str | None = None,
) -> pd.DataFrame:
    """Score an RFM table and name its segments: the steps of :func:`rfm_analysis` after it.

    Parameters
    ----------
    table : pandas.DataFrame
        :func:`rfm_table` or :func:`rfm_of_summary`, with ``attrs["as_of"]``.
    n_scores, cuts, weights, segments, default
        As :func:`rfm_analysis`.

    Returns
    -------
    pandas.DataFrame
        As :func:`rfm_analysis`.
    """
    out = rfm_scores(table, n_scores, cuts)
    out[RFM_SCORE] = weighted_rfm_score(out, weights)
    out[SEGMENT] = assign_segments(out, segments, default=default)
    out.attrs["as_of"] = table.attrs["as_of"]
    return out


def segment_summary(
    rfm: pd.DataFrame,
    *,
    segment_col: str = SEGMENT,
    recency_col: str = RECENCY,
    frequency_col: str = FREQUENCY,
    monetary_col: str = MONETARY,
) -> pd.DataFrame:
    """Size and value of each segment.

    Parameters
    ----------
    rfm : pandas.DataFrame
        One row per customer with a segment and the RFM values (:func:`rfm_analysis`).
    segment_col, recency_col, frequency_col, monetary_col : str
        Column names.

    Returns
    -------
    pandas.DataFrame
        Indexed by segment (in category order; empty segments of a categorical are kept with
        0 customers): ``customers``, ``share`` (of customers), ``revenue`` (sum of monetary),
        ``revenue_share``, ``mean_monetary``, ``mean_recency``, ``mean_frequency``.
    """
    columns = [segment_col, recency_col, frequency_col, monetary_col]
    require_columns(rfm, columns, "segment_summary", allow_empty=True, hint=_NAMES_HINT)
    grouped = rfm.groupby(segment_col, observed=False, sort=True)
    out = pd.DataFrame(
        {
            "customers": grouped.size(),
            "revenue": grouped[monetary_col].sum(),
            "mean_monetary": grouped[monetary_col].mean(),
            "mean_recency": grouped[recency_col].mean(),
            "mean_frequency": grouped[frequency_col].mean(),
        }
    )
    out.insert(1, "share", out["customers"] / max(len(rfm), 1))
    total = rfm[monetary_col].sum()
    out.insert(3, "revenue_share", out["revenue"] / total if total else np.nan)
    out.index = pd.Index(out.index.astype(str), name=segment_col)  # plain labels for display
    return out


def segment_migration(
    before: pd.Series,
    after: pd.Series,
    *,
    normalize: bool = False,
    new_label: str = "(not yet a customer)",
    gone_label: str = "(no longer present)",
) -> pd.DataFrame:
    """Transition matrix: customers by segment at a first date (rows) and a later one (columns).

    Parameters
    ----------
    before, after : pandas.Series
        Segment per customer (indexed by customer) at the two dates, e.g. the ``segment``
        column of :func:`rfm_analysis` at two ``as_of`` dates.
    normalize : bool, default False
        Show each row as shares of that row (where the customers of a segment went).
    new_label : str
        Row for customers present only ``after`` (their first purchase was between the dates).
    gone_label : str
        Column for customers present only ``before`` (cannot happen when ``after`` is an RFM
        table at a later date on the same data; shown only if there are any).

    Returns
    -------
    pandas.DataFrame
        Counts (or row shares), rows in the order of ``before``'s categories then
        ``new_label``, columns in the order of ``after``'s categories (then ``gone_label``).
        Every segment of the categories is present, with zeros.
    """
    if before.index.has_duplicates or after.index.has_duplicates:
        raise ValueError("segment_migration: a customer appears twice in before or after")
    rows = _categories(before) + [new_label]
    columns = _categories(after)
    both = pd.concat(
        {"before": before.astype(object), "after": after.astype(object)}, axis=1, join="outer"
    )
    both["before"] = both["before"].where(both["before"].notna(), new_label)
    if both["after"].isna().any():
        columns.append(gone_label)
        both["after"] = both["after"].where(both["after"].notna(), gone_label)
    counts = pd.crosstab(both["before"], both["after"]).reindex(
        index=rows, columns=columns, fill_value=0
    )
    counts.index.name = "segment before"
    counts.columns.name = "segment after"
    if normalize:
        totals = counts.sum(axis=1).replace(0, np.nan)
        return counts.div(totals, axis=0).fillna(0.0)
    return counts


def _categories(series: pd.Series) -> list[str]:
    if isinstance(series.dtype, pd.CategoricalDtype):
        return [str(c) for c in series.cat.categories]
    return sorted(str(v) for v in series.dropna().unique())

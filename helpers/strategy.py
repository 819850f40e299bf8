"""Relationship strategy: one table per customer, and a playbook that says what to do with each.

Chapters 03-08 each describe a customer from one side: their value tier (03), RFM segment (04),
churn risk (06) and model CLV (08). :func:`customer_view` puts those side by side, and
:func:`assign_strategies` reads the row through a **playbook**: an ordered list of rules, the
first rule that holds decides the strategy, and the rule's reason is kept next to it so the
decision can be read, questioned and changed.

The strategies (:data:`STRATEGIES`)
-----------------------------------
=================  ==========================================================================
``retain``         top tier AND high churn risk: worth a costed retention offer (chapter 06)
``win back``       lapsed RFM segment or high churn risk, not top tier: a cheap reactivation
``care``           top tier, churn risk low: thank and look after them, no discount needed;
                   they are also the seed that look-alike acquisition (expansion) copies
``expansion``      new or barely active (segments New, Promising): develop those who look
                   like the top tier (the look-alike list of :mod:`helpers.campaigns`)
``upgrade``        everybody else (active, staying, not top tier): grow the basket with
                   cross-sell and upgrade offers (recommendations of chapter 10)
=================  ==========================================================================

The scores the playbook needs come from the earlier chapters' helpers, run on one snapshot of
the order lines by :mod:`helpers.scoring`: :func:`helpers.scoring.churn_risk` (chapter 06),
:func:`helpers.scoring.model_clv` (chapter 08) and :func:`helpers.scoring.score_customers`,
which joins them with tiers and RFM segments in :func:`customer_view`. (They lived here before
release 0.2; their old names and signatures still work, with a FutureWarning.)

When the data are too plain for a step
--------------------------------------
A real shop's data can be valid and still leave a model nothing to learn from. Then the step
is skipped or simplified, never a crash, and a note says what happened (``attrs["notes"]`` of
each result, collected in the view's ``attrs["notes"]`` by :func:`score_customers`, and a
:class:`helpers.checks.DataWarning`):

- a churn feature every customer shares (no returns: ``return_rate`` 0) is left out of the
  model (:func:`helpers.features.usable_features`);
- when every customer of the training snapshot churned, or every one stayed, a model has
  nothing to tell apart: each customer gets the churn rate of then, smoothed by Laplace's
  rule of succession, (churners + 1) / (customers + 2), so that 40 churners of 40 give
  0.98, not a certain 1;
- when nobody bought twice, the purchase models and Gamma-Gamma cannot learn repeat
  behaviour: ``clv``, ``p_alive`` and ``expected_purchases`` are left missing rather than
  invented (the playbook reads a missing CLV as 0); a model prediction that is not a
  finite, non-negative number (parameters at the edge of their range, on very few or very
  similar customers) is left missing too;
- fewer than two customers cannot be compared at all: :func:`score_customers` raises a
  ``ValueError`` that says so.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from helpers import dates
from helpers import schema as s
from helpers.checks import (
    check_share,
    require_columns,
    warn_notes,
)
from helpers.deprecation import REMOVED_IN
from helpers.tiers import value_deciles
from helpers.translation import N_

__all__ = [
    "LAPSED_SEGMENTS",
    "NEW_SEGMENTS",
    "PLAYBOOK",
    "STRATEGIES",
    "assign_strategies",
    "customer_view",
    "playbook_table",
]

#: RFM segments (chapter 04) of customers who have stopped or are stopping buying.
LAPSED_SEGMENTS: tuple[str, ...] = ("At Risk", "Can't Lose", "Hibernating", "Lost")
#: RFM segments of new or barely active customers.
NEW_SEGMENTS: tuple[str, ...] = ("New", "Promising")

#: The playbook: (strategy, rule as a pandas ``eval`` expression on the flags of
#: :func:`assign_strategies`, the rule in words, the reason). The first rule that holds wins;
#: the last rule holds for everybody.
PLAYBOOK: tuple[tuple[str, str, str, str], ...] = (
    (
        N_("retain"),
        "high_value and high_risk and not given_up",
        N_("top tier, P(churn) >= threshold, P(alive) >= its floor"),
        N_(
            "valuable, likely to leave and still there to keep: a retention offer can pay for "
            "itself"
        ),
    ),
    (
        N_("win back"),
        "lapsed or high_risk or given_up",
        N_("lapsed RFM segment, P(churn) >= threshold, or P(alive) below its floor"),
        N_(
            "stopping or stopped buying, or given up by the purchase model: a low-cost "
            "reactivation message, never a discount"
        ),
    ),
    (
        N_("care"),
        "high_value",
        N_("top tier, P(churn) below threshold"),
        N_(
            "the best customers and staying: look after them, no discount needed; "
            "the model for look-alike acquisition"
        ),
    ),
    (
        N_("expansion"),
        "new",
        N_("RFM segment New or Promising"),
        N_("new or barely active: develop those who look like the top tier"),
    ),
    (
        N_("upgrade"),
        "True",
        N_("everybody else"),
        N_("active and staying but not top tier: grow the basket with cross-sell"),
    ),
)

#: The strategy names, in playbook order.
STRATEGIES: tuple[str, ...] = tuple(rule[0] for rule in PLAYBOOK)


def customer_view(
    summary: pd.DataFrame,
    segments: pd.Series,
    p_churn: pd.Series,
    clv: pd.Series,
    *,
    n_tiers: int = 5,
    value: str = "revenue",
) -> pd.DataFrame:
    """One row per customer with what the playbook reads: tier, segment, churn risk, CLV.

    Parameters
    ----------
    summary : pandas.DataFrame
        :func:`helpers.customers.customer_summary` (one row per customer, sets the index).
    segments : pandas.Series
        RFM segment per customer (:func:`helpers.rfm.rfm_analysis`'s ``segment``).
    p_churn : pandas.Series
        P(churn) per customer (:func:`churn_risk`).
    clv : pandas.Series
        Model CLV per customer (:func:`model_clv`).
    n_tiers : int, default 5
        Number of value tiers, cut on ``value`` with :func:`helpers.tiers.value_deciles`:
        tier 1 is the top ``1 / n_tiers`` of customers.
    value : str, default "revenue"
        The column of ``summary`` the tiers are cut on.

    Returns
    -------
    pandas.DataFrame
        ``revenue``, ``purchases``, ``last_purchase``, ``tier`` (1 = top), ``segment``,
        ``p_churn``, ``clv``. A customer missing from a score gets ``NaN`` (segment
        "unscored"), which the playbook treats as low risk / zero CLV. ``attrs``:
        ``n_tiers`` and ``notes`` (a note when every customer is in the same tier).
    """
    require_columns(summary, [value, "purchases", "last_purchase"], "summary")
    if not (isinstance(n_tiers, int | np.integer) and n_tiers >= 2):
        raise ValueError(f"n_tiers must be an integer >= 2; got {n_tiers!r}")
    view = summary[[value, "purchases", "last_purchase"]].copy()
    if value != "revenue":
        view["revenue"] = summary["revenue"]
    view["tier"] = value_deciles(summary[value], n=int(n_tiers)).astype(int)
    view["segment"] = segments.reindex(view.index).astype(object).fillna("unscored")
    view["p_churn"] = p_churn.reindex(view.index).astype(float)
    view["clv"] = clv.reindex(view.index).astype(float)
    view.attrs["n_tiers"] = int(n_tiers)
    notes = []
    if len(view) > 1 and view["tier"].nunique() == 1:
        notes.append(
            f"every customer is in tier {view['tier'].iloc[0]}: all {len(view):,} have the same "
            f"{value}, so the tiers cannot tell them apart"
        )
    warn_notes(notes)
    view.attrs["notes"] = notes
    return view


def assign_strategies(
    view: pd.DataFrame,
    *,
    risk_threshold: float = 0.5,
    alive_floor: float = 0.1,
    high_tiers: Sequence[int] = (1,),
    playbook: Sequence[tuple[str, str, str, str]] = PLAYBOOK,
) -> pd.DataFrame:
    """Give each customer the strategy of the first playbook rule that holds, and why.

    The rules are evaluated on five flags added to ``view``:

    - ``high_value``: ``tier`` in ``high_tiers``;
    - ``high_risk``: ``p_churn >= risk_threshold`` (a missing score counts as low risk);
    - ``given_up``: ``p_alive < alive_floor``, the purchase model's view that the customer
      has already left (False where ``p_alive`` is missing or absent): such a customer gets
      a cheap win-back message, never a discount meant to keep them;
    - ``lapsed``: ``segment`` in :data:`LAPSED_SEGMENTS`;
    - ``new``: ``segment`` in :data:`NEW_SEGMENTS`.

    Parameters
    ----------
    view : pandas.DataFrame
        :func:`customer_view`.
    risk_threshold : float, default 0.5
        P(churn) from which a customer counts as likely to leave, in (0, 1).
    alive_floor : float, default 0.1
        P(alive) below which the purchase model gives a customer up, in (0, 1).
    high_tiers : sequence of int, default (1,)
        The tiers that count as high value.
    playbook : sequence of (strategy, rule, rule in words, reason), default :data:`PLAYBOOK`
        Rules in order; rule is a :meth:`pandas.DataFrame.eval` expression on the flags.

    Returns
    -------
    pandas.DataFrame
        ``view`` with the five flags, ``strategy`` and ``reason``.

    Raises
    ------
    ValueError
        For a missing column, a bad threshold, or a playbook that leaves a customer without a
        strategy (end it with a rule ``"True"``).
    """
    require_columns(view, ["tier", "segment", "p_churn"], "view")
    check_share("risk_threshold", risk_threshold, "a P(churn) threshold", include_one=False)
    check_share("alive_floor", alive_floor, "a P(alive) floor", include_one=False)
    out = view.copy()
    out["high_value"] = out["tier"].isin(list(high_tiers))
    out["high_risk"] = out["p_churn"].fillna(0.0) >= risk_threshold
    alive = out["p_alive"] if "p_alive" in out.columns else pd.Series(np.nan, index=out.index)
    out["given_up"] = alive.fillna(1.0) < alive_floor
    out["lapsed"] = out["segment"].isin(LAPSED_SEGMENTS)
    out["new"] = out["segment"].isin(NEW_SEGMENTS)
    flags = out[["high_value", "high_risk", "given_up", "lapsed", "new"]]
    strategy = pd.Series(pd.NA, index=out.index, dtype=object)
    reason = pd.Series(pd.NA, index=out.index, dtype=object)
    for name, rule, _, why in playbook:
        hit = pd.Series(flags.eval(rule), index=out.index).astype(bool) & strategy.isna()
        strategy[hit], reason[hit] = name, why
    if strategy.isna().any():
        example = strategy[strategy.isna()].index[0]
        raise ValueError(
            f"playbook: no rule holds for customer {example!r} ({flags.loc[example].to_dict()}); "
            "end the playbook with a rule 'True'"
        )
    out["strategy"], out["reason"] = strategy, reason
    out.attrs.update(
        view.attrs,
        risk_threshold=risk_threshold,
        alive_floor=alive_floor,
        high_tiers=list(high_tiers),
    )
    return out


def playbook_table(
    assigned: pd.DataFrame, playbook: Sequence[tuple[str, str, str, str]] = PLAYBOOK
) -> pd.DataFrame:
    """Show the playbook as a table: each rule, its reason, its customers and their CLV.

    Parameters
    ----------
    assigned : pandas.DataFrame
        :func:`assign_strategies`.
    playbook : sequence, default :data:`PLAYBOOK`
        The rules used.

    Returns
    -------
    pandas.DataFrame
        Indexed by strategy in playbook order: ``rule``, ``reason``, ``customers``,
        ``share`` (of customers), ``clv`` (sum), ``clv_share``, ``mean_p_churn``.
    """
    require_columns(assigned, ["strategy", "clv", "p_churn"], "assigned")
    groups = assigned.groupby("strategy")
    names = [rule[0] for rule in playbook]
    total_clv = assigned["clv"].fillna(0).sum()
    table = pd.DataFrame(
        {
            "rule": [rule[2] for rule in playbook],
            "reason": [rule[3] for rule in playbook],
            "customers": groups.size().reindex(names, fill_value=0).to_numpy(),
            "clv": groups["clv"].sum().reindex(names, fill_value=0.0).to_numpy(),
            "mean_p_churn": groups["p_churn"].mean().reindex(names).to_numpy(),
        },
        index=pd.Index(names, name="strategy"),
    )
    table.insert(3, "share", table["customers"] / max(len(assigned), 1))
    table.insert(5, "clv_share", table["clv"] / total_clv if total_clv else np.nan)
    return table


# --- moved to helpers.scoring (release 0.2): the old signatures, for one release -------------


def _snapshot(raw, clean, as_of, reasons, columns):  # noqa: ANN001, ANN202
    """Make a snapshot of the old arguments: the given clean lines and reasons, or clean."""
    from helpers.snapshot import Snapshot, lines_before, take_snapshot

    as_of = dates.to_timestamp(as_of, "as_of")
    date_col = columns.get("date_col", s.INVOICE_DATE)
    if clean is None or reasons is None:
        return take_snapshot(raw, as_of, **columns)
    before = lines_before(raw, as_of, date_col)
    kept = clean[clean[date_col] < as_of]
    return Snapshot(before, kept, reasons.loc[before.index], None, as_of, dict(columns))


def _moved(name: str) -> str:
    return (
        f"helpers.strategy.{name} moved to helpers.scoring.{name}, which takes a snapshot of "
        "the order lines (helpers.snapshot.take_snapshot(raw, as_of)) instead of raw, clean "
        f"and as_of; the old form will be removed in release {REMOVED_IN}"
    )


def _old_columns(kwargs: dict) -> dict:
    names = ("customer_col", "invoice_col", "date_col", "amount_col")
    return {k: kwargs.pop(k) for k in names if k in kwargs}


def _churn_risk(raw, as_of, window_days, *, clean=None, reasons=None, **kwargs):  # noqa: ANN001, ANN202
    from helpers import scoring

    warnings.warn(_moved("churn_risk"), FutureWarning, stacklevel=2)
    snapshot = _snapshot(raw, clean, as_of, reasons, _old_columns(kwargs))
    return scoring.churn_risk(snapshot, window_days, **kwargs)


def _model_clv(clean, as_of, **kwargs):  # noqa: ANN001, ANN202
    from helpers import scoring
    from helpers.snapshot import Snapshot

    warnings.warn(_moved("model_clv"), FutureWarning, stacklevel=2)
    columns = _old_columns(kwargs)
    as_of = dates.to_timestamp(as_of, "as_of")
    kept = clean[clean[columns.get("date_col", s.INVOICE_DATE)] < as_of]
    snapshot = Snapshot(None, kept, None, None, as_of, columns)
    return scoring.model_clv(snapshot, **kwargs)


def _score_customers(raw, clean, as_of, *, reasons=None, **kwargs):  # noqa: ANN001, ANN202
    from helpers import scoring

    warnings.warn(_moved("score_customers"), FutureWarning, stacklevel=2)
    snapshot = _snapshot(raw, clean, as_of, reasons, _old_columns(kwargs))
    return scoring.score_customers(snapshot, **kwargs)


_MOVED = {"churn_risk": _churn_risk, "model_clv": _model_clv, "score_customers": _score_customers}


def __getattr__(name: str) -> object:
    if name in _MOVED:
        return _MOVED[name]
    raise AttributeError(f"module 'helpers.strategy' has no attribute {name!r}")

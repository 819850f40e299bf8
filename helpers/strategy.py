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

The scores the playbook needs come from the earlier chapters' helpers:
:func:`churn_risk` fits chapter 06's logistic regression on one snapshot (features before
``as_of - window``, label: no purchase in the window) and scores every customer at ``as_of``;
:func:`model_clv` fits chapter 08's purchase model (BG/NBD, Modified BG/NBD or Pareto/NBD,
chosen by a backtest on the same lines) and Gamma-Gamma, and values each customer over a
horizon.

When the data are too plain for a step
--------------------------------------
A real shop's data can be valid and still leave a model nothing to learn from. Then the step
is skipped or simplified, never a crash, and a note says what happened (``attrs["notes"]`` of
each result, collected in the view's ``attrs["notes"]`` by :func:`score_customers`, and a
:class:`helpers.checks.DataWarning`):

- a churn feature every customer shares (no returns: ``return_rate`` 0) is left out of the
  model (:func:`helpers.customer_features.usable_features`);
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

from collections.abc import Sequence

import numpy as np
import pandas as pd

from helpers import dates
from helpers import schema as s
from helpers.checks import (
    add_notes,
    check_days,
    check_share,
    require_columns,
    warn_notes,
)
from helpers.churn import churn_features, churn_snapshot
from helpers.churn_models import make_models
from helpers.clv import GammaGamma
from helpers.clv.choice import choose_purchase_model
from helpers.clv_data import summary_data
from helpers.clv_formulas import check_discount_rate, check_horizon_months, check_margin_rate
from helpers.clv_tables import customer_lifetime_value
from helpers.customer_features import usable_features
from helpers.tiers import value_deciles

__all__ = [
    "LAPSED_SEGMENTS",
    "NEW_SEGMENTS",
    "PLAYBOOK",
    "STRATEGIES",
    "assign_strategies",
    "churn_risk",
    "customer_view",
    "model_clv",
    "playbook_table",
    "score_customers",
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
        "retain",
        "high_value and high_risk and not given_up",
        "top tier, P(churn) >= threshold, P(alive) >= its floor",
        "valuable, likely to leave and still there to keep: a retention offer can pay for itself",
    ),
    (
        "win back",
        "lapsed or high_risk or given_up",
        "lapsed RFM segment, P(churn) >= threshold, or P(alive) below its floor",
        "stopping or stopped buying, or given up by the purchase model: a low-cost "
        "reactivation message, never a discount",
    ),
    (
        "care",
        "high_value",
        "top tier, P(churn) below threshold",
        "the best customers and staying: look after them, no discount needed; "
        "the model for look-alike acquisition",
    ),
    (
        "expansion",
        "new",
        "RFM segment New or Promising",
        "new or barely active: develop those who look like the top tier",
    ),
    (
        "upgrade",
        "True",
        "everybody else",
        "active and staying but not top tier: grow the basket with cross-sell",
    ),
)

#: The strategy names, in playbook order.
STRATEGIES: tuple[str, ...] = tuple(rule[0] for rule in PLAYBOOK)


def churn_risk(
    raw: pd.DataFrame,
    as_of: str | pd.Timestamp,
    window_days: int,
    *,
    clean: pd.DataFrame | None = None,
    reasons: pd.Series | None = None,
    seed: int = 0,
    model: str = "logistic regression",
    customer_col: str = s.CUSTOMER_ID,
    date_col: str = s.INVOICE_DATE,
    **tables: pd.DataFrame | None,
) -> tuple[pd.Series, pd.DataFrame]:
    """Fit a churn model on one snapshot and score every customer at ``as_of``.

    The training snapshot is at ``cutoff = as_of - window_days``: features from the raw lines
    before it, label ``churn`` = no purchase in ``[cutoff, as_of)``
    (:func:`helpers.churn.churn_snapshot`). The model (one of
    :func:`helpers.churn_models.make_models`) is then applied to the features at ``as_of``.

    Parameters
    ----------
    raw : pandas.DataFrame
        Raw order lines (canonical columns, dates parsed); lines at or after ``as_of`` are
        not used.
    as_of : str or pandas.Timestamp
        The moment of the analysis (exclusive).
    window_days : int
        Churn window: no purchase in this many days means churned.
    clean : pandas.DataFrame, optional
        Clean lines of ``raw`` (for the labels); cleaned here when not given.
    reasons : pandas.Series, optional
        With ``clean``, when both come from :func:`helpers.cleaning.clean_and_flag` on
        ``raw`` cut at ``as_of``: the reasons per raw line. The features at ``as_of`` then
        reuse them instead of cleaning the same lines again.
    seed : int, default 0
        Random state of the model.
    model : str, default "logistic regression"
        Which of :data:`helpers.churn_models.MODEL_NAMES` to fit.
    customer_col, date_col : str
        Column names of ``raw`` and ``clean``; default the canonical names of
        :mod:`helpers.schema` (the cleaning rules read the other canonical columns).
    **tables
        ``products``, ``customers``, ``contacts``: passed to
        :func:`helpers.churn.churn_features`.

    Returns
    -------
    p_churn : pandas.Series
        P(churn in the next ``window_days``) per customer active before ``as_of``.
        ``attrs``: ``cutoff``, ``churn_rate`` and ``n_train`` of the training snapshot,
        ``modelled`` (False when the fallback below was used) and ``notes`` (list of str:
        features left out, a model skipped).
    features : pandas.DataFrame
        Their features at ``as_of``; ``attrs["notes"]`` as ``p_churn``'s.

    Warns
    -----
    helpers.checks.DataWarning
        For each note: a feature every training customer shares is left out of the model
        (:func:`helpers.customer_features.usable_features`); when the training snapshot holds only
        churners or only stayers, or no feature tells its customers apart, no model is
        fitted and every customer gets the churn rate of the snapshot, smoothed by Laplace's
        rule of succession: (churners + 1) / (customers + 2).

    Raises
    ------
    ValueError
        If the data before ``as_of - window_days`` is empty (no history to learn from).
    """
    check_days("window_days", window_days)
    as_of = dates.to_timestamp(as_of, "as_of")
    cutoff = as_of - pd.Timedelta(days=int(window_days))
    raw = raw[raw[date_col] < as_of]
    if clean is not None:
        clean = clean[clean[date_col] < as_of]
    columns = {"customer_col": customer_col, "date_col": date_col}
    train = churn_snapshot(
        raw, cutoff, window_days, clean=clean, data_end=as_of, **columns, **tables
    )
    labels = train.pop("churn")
    reuse = (clean, reasons) if clean is not None and reasons is not None else None
    now = churn_features(raw, as_of, cleaned=reuse, **columns, **tables)
    kept, notes = usable_features(train, list(train.columns))
    n, churners = len(labels), int(labels.sum())
    why = ""
    if labels.nunique() < 2:
        did = "made no purchase" if churners else "bought again"
        nobody = "stayers" if churners else "churners"
        who = "the one customer" if n == 1 else f"all {n:,} customers"
        why = (
            f"{who} active before the training cutoff {cutoff:%Y-%m-%d} {did} in the "
            f"{window_days} days after it, so there are no {nobody} to learn from"
        )
        notes = []  # the features do not matter when no model is fitted
    elif not kept:
        why = f"no feature tells the customers at the training cutoff {cutoff:%Y-%m-%d} apart"
    if why:
        rate = (churners + 1) / (n + 2)
        notes.append(
            f"churn risk not modelled: {why}; every customer gets P(churn) = "
            f"({churners:,} + 1) / ({n:,} + 2) = {rate:.2f}, the churn rate then, smoothed "
            "(Laplace's rule of succession)"
        )
        p_churn = pd.Series(rate, index=now.index, dtype=float)
    else:
        fitted = make_models(train[kept], seed=seed)[model].fit(train[kept], labels)
        p_churn = pd.Series(fitted.predict_proba(now[kept])[:, 1], index=now.index)
    warn_notes(notes)
    p_churn.attrs.update(
        cutoff=cutoff, churn_rate=float(labels.mean()), n_train=n, modelled=not why, notes=notes
    )
    now.attrs["notes"] = list(notes)
    return p_churn.rename("p_churn"), now


def model_clv(
    clean: pd.DataFrame,
    as_of: str | pd.Timestamp,
    *,
    horizon_months: float,
    discount_rate: float,
    margin_rate: float,
    customer_col: str = s.CUSTOMER_ID,
    date_col: str = s.INVOICE_DATE,
    amount_col: str = s.AMOUNT,
) -> pd.DataFrame:
    """Fit the chosen purchase model and Gamma-Gamma on the lines before ``as_of``; value all.

    The purchase model is BG/NBD, Modified BG/NBD or Pareto/NBD, whichever a backtest on
    the same lines favours (:func:`helpers.clv.choice.choose_purchase_model`); which one and
    why are in ``attrs``.

    Parameters
    ----------
    clean : pandas.DataFrame
        Clean order lines.
    as_of : str or pandas.Timestamp
        The analysis moment (exclusive): the lines before it are summarised
        (:func:`helpers.clv_data.summary_data` with this ``as_of``); the last observed day is
        :func:`helpers.dates.last_day`.
    horizon_months : float
        CLV horizon in months (> 0), of :data:`helpers.dates.WEEKS_PER_MONTH` weeks.
    discount_rate : float
        Annual discount rate, between 0 and 1 (:func:`helpers.clv_formulas.check_discount_rate`).
    margin_rate : float
        Margin as a share of spend, in (0, 1].
    customer_col, date_col, amount_col : str
        Column names of ``clean``; default the canonical names of :mod:`helpers.schema`.

    Returns
    -------
    pandas.DataFrame
        Indexed by customer: chapter 08's summary columns (frequency, recency, T,
        monetary_value, ...), ``p_alive``, ``expected_purchases`` over the horizon and
        ``clv``. ``attrs``: ``params`` of both models (empty when not fitted), ``notes``
        (list of str), ``purchase_model`` (its name) and ``model_reason`` (one sentence; both
        None when not fitted).

    Warns
    -----
    helpers.checks.DataWarning
        When nobody bought twice (the models learn from repeat purchases: ``p_alive``,
        ``expected_purchases`` and ``clv`` are left missing), when a fit did not converge,
        and when a prediction is not a finite, non-negative number (left missing).
    """
    check_horizon_months(horizon_months)
    check_margin_rate(margin_rate)
    check_discount_rate(discount_rate)
    as_of = dates.to_timestamp(as_of, "as_of")
    columns = {"customer_col": customer_col, "date_col": date_col, "amount_col": amount_col}
    lines = clean[clean[date_col] < as_of]
    table = summary_data(lines, as_of=as_of, period="W", **columns)
    out = table.copy()
    scores = ["p_alive", "expected_purchases", "clv"]
    if not (table["frequency"] > 0).any():
        out[scores] = np.nan
        notes = [
            f"CLV not modelled: none of the {len(table):,} customers bought twice before "
            f"{as_of:%Y-%m-%d}; the purchase models and Gamma-Gamma learn purchase rates, "
            "dropout and spend from repeat purchases, so p_alive, expected_purchases and clv "
            "are left missing"
        ]
        warn_notes(notes)
        out.attrs.update(params={}, notes=notes, purchase_model=None, model_reason=None)
        return out
    choice = choose_purchase_model(lines, as_of=as_of, summary=table, **columns)
    purchases = choice.model
    spend = GammaGamma().fit(table)
    models = {choice.name: purchases, "Gamma-Gamma": spend}
    horizon = float(horizon_months) * dates.WEEKS_PER_MONTH
    x, tx, t_obs = (table[c].to_numpy() for c in ("frequency", "recency", "T"))
    with np.errstate(all="ignore"):
        out["p_alive"] = purchases.probability_alive(x, tx, t_obs)
        out["expected_purchases"] = purchases.conditional_expected_purchases(horizon, x, tx, t_obs)
        out["clv"] = customer_lifetime_value(
            purchases,
            spend,
            table,
            horizon=horizon,
            discount_rate=discount_rate,
            margin_rate=margin_rate,
        )
    notes = [
        f"the {name} fit did not converge; its parameters, and the CLV built on them, are uncertain"
        for name, model in models.items()
        if not model.converged_
    ]
    bad = ~(np.isfinite(out["clv"]) & (out["clv"] >= 0))
    if bad.any():
        fitted = "; ".join(
            f"{name} " + ", ".join(f"{k}={v:.3g}" for k, v in model.params_.items())
            for name, model in models.items()
        )
        notes.append(
            f"clv missing for {int(bad.sum()):,} of {len(out):,} customers: the fitted models "
            f"give no finite, non-negative value for them ({fitted}); parameters at the edge "
            "of their range mean too few customers, or too little variety in how often and "
            "how much they buy, to fit the models"
        )
        out.loc[bad, "clv"] = np.nan
    for column in scores:
        out[column] = out[column].where(np.isfinite(out[column]))
    warn_notes(notes)
    out.attrs.update(
        params={name: model.params_.round(4).to_dict() for name, model in models.items()},
        notes=notes,
        purchase_model=choice.name,
        model_reason=choice.reason,
    )
    return out


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


def score_customers(
    raw: pd.DataFrame,
    clean: pd.DataFrame,
    as_of: str | pd.Timestamp,
    *,
    window_days: int = 90,
    horizon_months: float = 12,
    discount_rate: float = 0.1,
    margin_rate: float = 0.3,
    n_tiers: int = 5,
    seed: int = 0,
    reasons: pd.Series | None = None,
    customer_col: str = s.CUSTOMER_ID,
    invoice_col: str = s.INVOICE_ID,
    date_col: str = s.INVOICE_DATE,
    amount_col: str = s.AMOUNT,
    **tables: pd.DataFrame | None,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Score every customer at ``as_of`` with chapters 03-08: tier, segment, churn risk, CLV.

    :func:`helpers.customers.customer_summary` and :func:`helpers.rfm.rfm_analysis` on the
    clean lines before ``as_of``, :func:`churn_risk` and :func:`model_clv`, joined by
    :func:`customer_view`.

    Parameters
    ----------
    raw, clean : pandas.DataFrame
        Raw order lines and their clean version.
    as_of : str or pandas.Timestamp
        The analysis moment (exclusive).
    window_days, horizon_months, discount_rate, margin_rate, n_tiers, seed
        See :func:`churn_risk`, :func:`model_clv` and :func:`customer_view`.
    reasons : pandas.Series, optional
        When ``clean`` is :func:`helpers.cleaning.clean_and_flag` of ``raw`` cut at
        ``as_of``, its reasons: the churn features reuse the cleaning (:func:`churn_risk`).
    customer_col, invoice_col, date_col, amount_col : str
        Column names of ``raw`` and ``clean``; default the canonical names of
        :mod:`helpers.schema`. The results are indexed by the customer ids as given.
    **tables
        ``products``, ``customers``, ``contacts`` for the churn features (None is skipped).

    Returns
    -------
    view : pandas.DataFrame
        :func:`customer_view` with the purchase model's ``p_alive`` and
        ``expected_purchases`` over the horizon, and ``average_amount`` per purchase;
        ``attrs`` also hold the churn model's ``cutoff``,
        ``churn_rate``, ``n_train`` and ``modelled``, the CLV models' ``params``, the
        ``purchase_model`` chosen and the ``model_reason``, and
        ``notes``: every note of the run (features left out, models skipped, see
        :func:`churn_risk`, :func:`model_clv` and :func:`customer_view`), a list of str.
    features : pandas.DataFrame
        The churn features at ``as_of`` (for look-alikes and value at risk).
    rfm : pandas.DataFrame
        :func:`helpers.rfm.rfm_analysis` at ``as_of``.

    Raises
    ------
    ValueError
        If fewer than two customers have clean order lines before ``as_of``: tiers,
        segments and models compare customers with each other.
    """
    from helpers.customers import customer_summary
    from helpers.rfm import rfm_analysis

    tables = {k: v for k, v in tables.items() if v is not None}
    as_of = dates.to_timestamp(as_of, "as_of")
    lines = clean[clean[date_col] < as_of]
    who = lines[customer_col].unique()
    if len(who) < 2:
        found = f"one, {who[0]!r}" if len(who) else "none"
        raise ValueError(
            f"score_customers needs at least 2 customers with clean order lines before "
            f"as_of {as_of:%Y-%m-%d}; found {found}. Tiers, RFM segments, the "
            "churn model and the CLV models compare customers with each other: give the "
            "order lines of more customers, or a later as_of"
        )
    columns = {"customer_col": customer_col, "date_col": date_col}
    summary = customer_summary(lines, invoice_col=invoice_col, amount_col=amount_col, **columns)
    rfm = rfm_analysis(lines, as_of, invoice_col=invoice_col, amount_col=amount_col, **columns)
    p_churn, features = churn_risk(
        raw, as_of, window_days, clean=clean, reasons=reasons, seed=seed, **columns, **tables
    )
    clv = model_clv(
        clean,
        as_of,
        horizon_months=horizon_months,
        discount_rate=discount_rate,
        margin_rate=margin_rate,
        amount_col=amount_col,
        **columns,
    )
    view = customer_view(summary, rfm["segment"], p_churn, clv["clv"], n_tiers=n_tiers)
    view["p_alive"] = clv["p_alive"].reindex(view.index)
    view["expected_purchases"] = clv["expected_purchases"].reindex(view.index)
    view["average_amount"] = summary["average_amount"]
    tier_notes = view.attrs.pop("notes", [])
    view.attrs.update(
        {k: v for k, v in p_churn.attrs.items() if k != "notes"},
        params=clv.attrs["params"],
        purchase_model=clv.attrs["purchase_model"],
        model_reason=clv.attrs["model_reason"],
        as_of=as_of,
    )
    add_notes(view, [*p_churn.attrs["notes"], *clv.attrs["notes"], *tier_notes])
    return view, features, rfm


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

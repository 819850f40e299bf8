"""Scoring every customer at one analysis date: churn risk, model CLV, and the view of both.

The orchestrators of the course: each takes a :class:`helpers.snapshot.Snapshot` (the order
lines known at the analysis date, cleaned once by :func:`helpers.snapshot.take_snapshot`) and
runs the earlier chapters' helpers on it, so that raw and clean lines never travel separately
and no step cleans the same lines twice.

- :func:`churn_risk` fits chapter 06's logistic regression on one training snapshot (features
  before ``as_of - window``, label: no purchase in the window) and scores every customer at
  ``as_of``;
- :func:`model_clv` fits chapter 08's purchase model (BG/NBD, Modified BG/NBD or Pareto/NBD,
  chosen by a backtest on the same lines) and Gamma-Gamma, and values each customer over a
  horizon; :func:`clv_from_summary` does it from the per-customer tables alone (the summary
  and what the backtest reads), which an SQL engine can make (:mod:`helpers.scale_clv`);
- :func:`score_customers` adds chapters 03 and 04 (tiers, RFM segments) and joins everything in
  :func:`helpers.strategy.customer_view`, the table the playbook of :mod:`helpers.strategy`
  reads. The report (:mod:`helpers.report`) and chapter 11 call it.

When the data are too plain for a step (no stayers, nobody bought twice), the step is skipped
or simplified with a note, never a crash: see :mod:`helpers.strategy`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from helpers import dates
from helpers.checks import add_notes, check_days, warn_notes
from helpers.churn import churn_features, churn_snapshot
from helpers.churn_models import make_models
from helpers.clv import GammaGamma
from helpers.clv.choice import choose_purchase_model
from helpers.clv.comparison import BacktestLines, backtest_lines
from helpers.clv_data import summary_data
from helpers.clv_tables import customer_lifetime_value
from helpers.features import usable_features
from helpers.snapshot import Snapshot
from helpers.strategy import customer_view
from helpers.value_formulas import check_discount_rate, check_horizon_months, check_margin_rate

__all__ = [
    "CustomerTables",
    "check_customers",
    "churn_risk",
    "churn_risk_from",
    "clv_from_summary",
    "customer_tables",
    "model_clv",
    "score_customers",
    "score_tables",
]


def churn_risk(
    snapshot: Snapshot,
    window_days: int,
    *,
    seed: int = 0,
    model: str = "logistic regression",
    **tables: pd.DataFrame | None,
) -> tuple[pd.Series, pd.DataFrame]:
    """Fit a churn model on one snapshot and score every customer at ``as_of``.

    The training snapshot is at ``cutoff = as_of - window_days``: features from the raw lines
    before it, label ``churn`` = no purchase in ``[cutoff, as_of)``
    (:func:`helpers.churn.churn_snapshot`). The model (one of
    :func:`helpers.churn_models.make_models`) is then applied to the features at ``as_of``.

    Parameters
    ----------
    snapshot : helpers.snapshot.Snapshot
        The order lines at the analysis date ``as_of = snapshot.as_of``
        (:func:`helpers.snapshot.take_snapshot`). Its clean lines give the labels and the
        features at ``as_of``; the features at the training cutoff come from
        :meth:`~helpers.snapshot.Snapshot.at` the cutoff (the lines before it, cleaned as
        they were known then).
    window_days : int
        Churn window: no purchase in this many days means churned.
    seed : int, default 0
        Random state of the model.
    model : str, default "logistic regression"
        Which of :data:`helpers.churn_models.MODEL_NAMES` to fit.
    **tables
        ``products``, ``customers``, ``contacts``: passed to
        :func:`helpers.churn.churn_features`.

    Returns
    -------
    p_churn : pandas.Series
        P(churn in the next ``window_days``) per customer active before ``snapshot.as_of``.
        ``attrs``: ``cutoff``, ``churn_rate`` and ``n_train`` of the training snapshot,
        ``modelled`` (False when the fallback below was used) and ``notes`` (list of str:
        features left out, a model skipped).
    features : pandas.DataFrame
        Their features at ``snapshot.as_of``; ``attrs["notes"]`` as ``p_churn``'s.

    Warns
    -----
    helpers.checks.DataWarning
        For each note: a feature every training customer shares is left out of the model
        (:func:`helpers.features.usable_features`); when the training snapshot holds only
        churners or only stayers, or no feature tells its customers apart, no model is
        fitted and every customer gets the churn rate of the snapshot, smoothed by Laplace's
        rule of succession: (churners + 1) / (customers + 2).

    Raises
    ------
    ValueError
        If the data before ``snapshot.as_of - window_days`` is empty (no history to learn
        from).
    """
    check_days("window_days", window_days)
    as_of = snapshot.as_of
    cutoff = as_of - pd.Timedelta(days=int(window_days))
    train = churn_snapshot(snapshot, cutoff, window_days, **tables)
    now = churn_features(snapshot, as_of, **tables)
    return churn_risk_from(
        train, now, cutoff=cutoff, window_days=window_days, seed=seed, model=model
    )


def churn_risk_from(
    train: pd.DataFrame,
    now: pd.DataFrame,
    *,
    cutoff: pd.Timestamp,
    window_days: int,
    seed: int = 0,
    model: str = "logistic regression",
) -> tuple[pd.Series, pd.DataFrame]:
    """Fit the churn model on a training snapshot's table and score the features at ``as_of``.

    The step of :func:`churn_risk` after its two tables, which pandas
    (:func:`helpers.churn.churn_snapshot`, :func:`helpers.churn.churn_features`) or an SQL
    engine (:mod:`helpers.scale_features`) can make.

    Parameters
    ----------
    train : pandas.DataFrame
        The features at ``cutoff`` and the label ``churn`` (not changed here).
    now : pandas.DataFrame
        The features at the analysis date, the same columns without ``churn``.
    cutoff : pandas.Timestamp
        The training snapshot's date, for the notes.
    window_days, seed, model
        As :func:`churn_risk`.

    Returns
    -------
    p_churn, features
        As :func:`churn_risk` (``features`` is ``now``, with the notes in its ``attrs``).
    """
    train, now = train.copy(), now.copy()
    labels = train.pop("churn")
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
    snapshot: Snapshot,
    *,
    horizon_months: float,
    discount_rate: float,
    margin_rate: float,
) -> pd.DataFrame:
    """Fit the chosen purchase model and Gamma-Gamma on the snapshot's clean lines; value all.

    The purchase model is BG/NBD, Modified BG/NBD or Pareto/NBD, whichever a backtest on
    the same lines favours (:func:`helpers.clv.choice.choose_purchase_model`); which one and
    why are in ``attrs``.

    Parameters
    ----------
    snapshot : helpers.snapshot.Snapshot
        The order lines at the analysis date ``snapshot.as_of`` (exclusive): its clean lines
        are summarised (:func:`helpers.clv_data.summary_data` with this ``as_of``; the last
        observed day is :func:`helpers.dates.last_day`).
    horizon_months : float
        CLV horizon in months (> 0), of :data:`helpers.dates.WEEKS_PER_MONTH` weeks.
    discount_rate : float
        Annual discount rate, between 0 and 1 (:func:`helpers.value_formulas.check_discount_rate`).
    margin_rate : float
        Margin as a share of spend, in (0, 1].

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
    as_of, lines = snapshot.as_of, snapshot.clean
    names = snapshot.columns
    columns = {k: names[k] for k in ("customer_col", "date_col", "amount_col")}
    table = summary_data(lines, as_of=as_of, period="W", **columns)
    return clv_from_summary(
        table,
        lines,
        as_of=as_of,
        horizon_months=horizon_months,
        discount_rate=discount_rate,
        margin_rate=margin_rate,
        **columns,
    )


def clv_from_summary(
    table: pd.DataFrame,
    lines: pd.DataFrame | BacktestLines,
    *,
    as_of: pd.Timestamp,
    horizon_months: float,
    discount_rate: float,
    margin_rate: float,
    **columns: str,
) -> pd.DataFrame:
    """Choose and fit the CLV models on a summary, and value every customer, as :func:`model_clv`.

    The step of :func:`model_clv` after the summary: it reads per-customer tables only, so
    that the summary and the backtest's tables can come from pandas or from an SQL engine
    (:func:`helpers.scale_clv.model_clv`).

    Parameters
    ----------
    table : pandas.DataFrame
        :func:`helpers.clv_data.summary_data` of the clean lines at ``as_of``, in weeks.
    lines : pandas.DataFrame or helpers.clv.comparison.BacktestLines
        The clean lines, or what the backtest reads of those before ``as_of``
        (:func:`helpers.clv.choice.choose_purchase_model`).
    as_of : pandas.Timestamp
        The analysis date (exclusive).
    horizon_months, discount_rate, margin_rate : float
        As :func:`model_clv`.
    **columns : str
        ``customer_col``, ``date_col``, ``amount_col`` of ``lines`` when a frame.

    Returns
    -------
    pandas.DataFrame
        As :func:`model_clv`.

    Warns
    -----
    helpers.checks.DataWarning
        As :func:`model_clv`.
    """
    check_horizon_months(horizon_months)
    check_margin_rate(margin_rate)
    check_discount_rate(discount_rate)
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


@dataclass(frozen=True)
class CustomerTables:
    """What scoring reads of the order lines: per-customer tables, from pandas or an engine.

    :func:`customer_tables` makes them from a snapshot in pandas; :mod:`helpers.report_data`
    from an SQL engine (DuckDB or Spark) as well. :func:`score_tables` scores customers
    from them alone, so that both give the same scores.

    Attributes
    ----------
    as_of : pandas.Timestamp
        The analysis date (exclusive).
    window_days : int
        The churn window; the training snapshot is at ``as_of - window_days``.
    summary : pandas.DataFrame
        :func:`helpers.customers.customer_summary` of the clean lines.
    rfm : pandas.DataFrame
        :func:`helpers.rfm.rfm_analysis` at ``as_of``.
    churn_train : pandas.DataFrame
        :func:`helpers.churn.churn_snapshot` at the cutoff: the features and ``churn``.
    churn_now : pandas.DataFrame
        :func:`helpers.churn.churn_features` at ``as_of``.
    clv_summary : pandas.DataFrame
        :func:`helpers.clv_data.summary_data` at ``as_of``, in weeks.
    backtest : helpers.clv.comparison.BacktestLines
        What the purchase model's backtest reads of the lines.
    """

    as_of: pd.Timestamp
    window_days: int
    summary: pd.DataFrame
    rfm: pd.DataFrame
    churn_train: pd.DataFrame
    churn_now: pd.DataFrame
    clv_summary: pd.DataFrame
    backtest: BacktestLines


def customer_tables(
    snapshot: Snapshot, *, window_days: int = 90, **tables: pd.DataFrame | None
) -> CustomerTables:
    """Make the per-customer tables of :func:`score_customers` from a snapshot, in pandas.

    Parameters
    ----------
    snapshot : helpers.snapshot.Snapshot
        The order lines at the analysis date, cleaned once.
    window_days : int, default 90
        The churn window.
    **tables
        ``products``, ``customers``, ``contacts`` for the churn features (None is skipped).

    Returns
    -------
    CustomerTables

    Raises
    ------
    ValueError
        If fewer than two customers have clean order lines before ``as_of``: tiers,
        segments and models compare customers with each other.
    """
    from helpers.customers import customer_summary
    from helpers.rfm import rfm_of_summary, scored_rfm

    check_days("window_days", window_days)
    tables = {k: v for k, v in tables.items() if v is not None}
    as_of, lines, names = snapshot.as_of, snapshot.clean, snapshot.columns
    check_customers(lines[names["customer_col"]].unique(), as_of)
    columns = {k: names[k] for k in ("customer_col", "invoice_col", "date_col", "amount_col")}
    cutoff = as_of - pd.Timedelta(days=int(window_days))
    spend = {k: names[k] for k in ("customer_col", "date_col", "amount_col")}
    summary = customer_summary(lines, **columns)
    return CustomerTables(
        as_of=as_of,
        window_days=int(window_days),
        summary=summary,
        rfm=scored_rfm(rfm_of_summary(summary, as_of)),
        churn_train=churn_snapshot(snapshot, cutoff, window_days, **tables),
        churn_now=churn_features(snapshot, as_of, **tables),
        clv_summary=summary_data(lines, as_of=as_of, period="W", **spend),
        backtest=backtest_lines(lines, **spend),
    )


def check_customers(who: np.ndarray | pd.Index, as_of: pd.Timestamp) -> None:
    """Refuse fewer than two customers (``who``: the distinct ids), naming what was found.

    Raises
    ------
    ValueError
        If ``who`` holds fewer than two ids.
    """
    if len(who) < 2:
        found = f"one, {who[0]!r}" if len(who) else "none"
        raise ValueError(
            f"score_customers needs at least 2 customers with clean order lines before "
            f"as_of {as_of:%Y-%m-%d}; found {found}. Tiers, RFM segments, the "
            "churn model and the CLV models compare customers with each other: give the "
            "order lines of more customers, or a later as_of"
        )


def score_customers(
    snapshot: Snapshot,
    *,
    window_days: int = 90,
    horizon_months: float = 12,
    discount_rate: float = 0.1,
    margin_rate: float = 0.3,
    n_tiers: int = 5,
    seed: int = 0,
    **tables: pd.DataFrame | None,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Score every customer at the snapshot's date with chapters 03-08: tier, segment, risk, CLV.

    :func:`helpers.customers.customer_summary` and :func:`helpers.rfm.rfm_analysis` on the
    clean lines, :func:`churn_risk` and :func:`model_clv`, joined by
    :func:`customer_view`: :func:`score_tables` of :func:`customer_tables`.

    Parameters
    ----------
    snapshot : helpers.snapshot.Snapshot
        The order lines at the analysis date ``snapshot.as_of`` (exclusive), cleaned once
        (:func:`helpers.snapshot.take_snapshot`). The only other cleaning is of the lines
        before the churn model's training cutoff (:func:`churn_risk`). The results are
        indexed by the customer ids as given, under the snapshot's column names.
    window_days, horizon_months, discount_rate, margin_rate, n_tiers, seed
        See :func:`churn_risk`, :func:`model_clv` and :func:`customer_view`.
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
    return score_tables(
        customer_tables(snapshot, window_days=window_days, **tables),
        horizon_months=horizon_months,
        discount_rate=discount_rate,
        margin_rate=margin_rate,
        n_tiers=n_tiers,
        seed=seed,
    )


def score_tables(
    tables: CustomerTables,
    *,
    horizon_months: float = 12,
    discount_rate: float = 0.1,
    margin_rate: float = 0.3,
    n_tiers: int = 5,
    seed: int = 0,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Score every customer from the per-customer tables, as :func:`score_customers`.

    Parameters
    ----------
    tables : CustomerTables
        From :func:`customer_tables` (pandas) or :mod:`helpers.report_data` (an engine).
    horizon_months, discount_rate, margin_rate, n_tiers, seed
        As :func:`score_customers`.

    Returns
    -------
    view, features, rfm
        As :func:`score_customers`.
    """
    as_of, summary = tables.as_of, tables.summary
    check_customers(summary.index, as_of)
    p_churn, features = churn_risk_from(
        tables.churn_train,
        tables.churn_now,
        cutoff=as_of - pd.Timedelta(days=tables.window_days),
        window_days=tables.window_days,
        seed=seed,
    )
    clv = clv_from_summary(
        tables.clv_summary,
        tables.backtest,
        as_of=as_of,
        horizon_months=horizon_months,
        discount_rate=discount_rate,
        margin_rate=margin_rate,
    )
    rfm = tables.rfm
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

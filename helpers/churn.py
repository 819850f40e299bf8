"""Churn data: labels from behaviour, leak-free features, cutoffs and snapshots, Telco.

A shop without contracts never hears a customer leave: they just stop buying. So churn is
defined from behaviour, at a **cutoff** date:

- the **features** of a customer use only what happened strictly before the cutoff (the
  observation window);
- the **label** ``churn`` is True when the customer, active before the cutoff, makes **no
  purchase in the next** ``horizon_days`` days: none in ``[cutoff, cutoff + horizon_days)``.

Several cutoffs give training snapshots; a later cutoff gives the test set (temporal
validation, :func:`temporal_cutoffs`). Every training label window ends at or before the test
cutoff, so nothing the model is tested on was seen when it was fitted.

Leakage, and how this module avoids it
--------------------------------------
:func:`churn_features` takes the **raw** order lines and cuts them at the cutoff *before*
cleaning them. Cleaning nets a return against the purchase it returns and flags outliers
against the quantities of all lines; cleaning the full file first would let a return made
after the cutoff shrink a purchase made before it. So the features at a cutoff are the same
whether they are computed from the full file or from the file truncated at the cutoff; the
tests check exactly this.

Features (one row per customer active before the cutoff)
--------------------------------------------------------
- everything of :func:`helpers.customer_features.customer_features` at the cutoff: RFM, tenure,
  mean inter-purchase time, basket size, range bought, return rate and, when a customers
  table is given, demographics;
- ``spend_recent`` and ``spend_earlier``: net spend in the ``trend_days`` before the cutoff
  and in the ``trend_days`` before those; ``spend_trend = (recent - earlier) / (recent +
  earlier)``, from -1 (stopped spending) to +1 (started), 0 when both are 0;
- ``contacts`` and ``contact_cost``: service contacts before the cutoff and their cost (0 for
  a customer who never contacted), when a contacts table is given.

Models, metrics, campaigns
--------------------------
The models live in :mod:`helpers.churn_models`, the metrics in :mod:`helpers.churn_metrics`
and the retention campaign in :mod:`helpers.churn_campaign`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from helpers import schema as s
from helpers.checks import check_days, check_numbers, require_columns
from helpers.customer_features import customer_features

__all__ = [
    "CHURN",
    "build_snapshots",
    "churn_features",
    "churn_labels",
    "churn_snapshot",
    "telco_features",
    "temporal_cutoffs",
]

#: Name of the label column of a snapshot.
CHURN = "churn"

_DAY = pd.Timedelta(days=1)


def _timestamp(value: str | pd.Timestamp, name: str) -> pd.Timestamp:
    try:
        stamp = pd.Timestamp(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a date; got {value!r}") from None
    if pd.isna(stamp):
        raise ValueError(f"{name} must be a date; got {value!r}")
    return stamp


def _data_span(lines: pd.DataFrame, invoice_date: str, table: str) -> tuple[pd.Timestamp, ...]:
    dates = lines[invoice_date].dropna()
    if dates.empty:
        raise ValueError(f"{table}: column {invoice_date!r} has no dates")
    return dates.min(), dates.max().normalize() + _DAY


# --- 1. labels and features ----------------------------------------------------------------------


def churn_labels(
    transactions: pd.DataFrame,
    cutoff: str | pd.Timestamp,
    horizon_days: int,
    *,
    data_end: str | pd.Timestamp | None = None,
    customer_id: str = s.CUSTOMER_ID,
    invoice_date: str = s.INVOICE_DATE,
) -> pd.Series:
    """Label churn at ``cutoff``: no purchase in the next ``horizon_days`` days.

    The customers labelled are those with at least one line before ``cutoff`` (the customers
    at risk). A customer churns when they have no line dated in
    ``[cutoff, cutoff + horizon_days days)``.

    Parameters
    ----------
    transactions : pandas.DataFrame
        Clean order lines (every line is a purchase).
    cutoff : str or pandas.Timestamp
        Start of the label window (inclusive); features must use only lines before it.
    horizon_days : int
        Length of the label window in days.
    data_end : str or pandas.Timestamp, optional
        End of the data (exclusive); default midnight after the last line's day. The label
        window must end by then, otherwise "no purchase" may just mean "no data".
    customer_id, invoice_date : str
        Column names.

    Returns
    -------
    pandas.Series of bool
        Indexed by customer (sorted), named ``churn``; ``attrs`` hold the window.

    Raises
    ------
    ValueError
        If a column is missing, the cutoff is at or before the first line (no history), or
        the label window ends after ``data_end``.
    """
    require_columns(transactions, [customer_id, invoice_date], "transactions")
    check_days("horizon_days", horizon_days)
    cutoff = _timestamp(cutoff, "cutoff")
    first, last_end = _data_span(transactions, invoice_date, "transactions")
    end = last_end if data_end is None else _timestamp(data_end, "data_end")
    if cutoff <= first:
        raise ValueError(
            f"cutoff {cutoff} is at or before the first line ({first}): no customer has a "
            "history to predict from; choose a later cutoff"
        )
    window_end = cutoff + pd.Timedelta(days=int(horizon_days))
    if window_end > end:
        raise ValueError(
            f"label window [{cutoff:%Y-%m-%d}, {window_end:%Y-%m-%d}) of horizon_days="
            f"{horizon_days} ends after the data end {end:%Y-%m-%d} (exclusive): the last "
            f"cutoff that can be labelled is {end - pd.Timedelta(days=int(horizon_days)):%Y-%m-%d}"
        )
    dates = transactions[invoice_date]
    at_risk = transactions.loc[dates < cutoff, customer_id].astype("str").unique()
    in_window = (dates >= cutoff) & (dates < window_end)
    bought = set(transactions.loc[in_window, customer_id].astype("str"))
    index = pd.Index(sorted(at_risk), name=customer_id)
    labels = pd.Series([c not in bought for c in index], index=index, name=CHURN, dtype=bool)
    labels.attrs.update(cutoff=cutoff, window_end=window_end)
    return labels


def churn_features(
    raw: pd.DataFrame,
    cutoff: str | pd.Timestamp,
    *,
    products: pd.DataFrame | None = None,
    customers: pd.DataFrame | None = None,
    contacts: pd.DataFrame | None = None,
    trend_days: int = 90,
    cleaning: Mapping[str, object] | None = None,
    cleaned: tuple[pd.DataFrame, pd.Series] | None = None,
    customer_id: str = s.CUSTOMER_ID,
    invoice_date: str = s.INVOICE_DATE,
    amount: str = s.AMOUNT,
    contact_date: str = s.CONTACT_DATE,
    cost: str = s.COST,
) -> pd.DataFrame:
    """Compute the features of every customer active before ``cutoff``, from those lines only.

    The raw lines are cut at ``cutoff`` and only then cleaned
    (:func:`helpers.cleaning.clean_transactions`), so a return or an outlier after the
    cutoff cannot change a feature (see the module docstring for the feature list).

    Parameters
    ----------
    raw : pandas.DataFrame
        Raw order lines (canonical columns, dates parsed), as loaded.
    cutoff : str or pandas.Timestamp
        The moment of the snapshot, exclusive.
    products, customers : pandas.DataFrame, optional
        Passed to :func:`helpers.customer_features.customer_features` (category breadth,
        demographics).
    contacts : pandas.DataFrame, optional
        Service contacts with ``customer_id``, ``contact_date`` and ``cost``: adds
        ``contacts`` and ``contact_cost`` before the cutoff.
    trend_days : int, default 90
        Length of the two windows compared by ``spend_trend``.
    cleaning : mapping, optional
        Settings passed to :func:`helpers.cleaning.clean_transactions`.
    cleaned : (pandas.DataFrame, pandas.Series), optional
        The clean lines and the reasons of :func:`helpers.cleaning.clean_and_flag` for
        ``raw`` when every line of ``raw`` is dated before ``cutoff`` (or has no date): the
        lines are then not cleaned again. The caller vouches that they come from ``raw``
        with these ``cleaning`` settings.
    customer_id, invoice_date, amount, contact_date, cost : str
        Column names.

    Returns
    -------
    pandas.DataFrame
        Indexed by customer (sorted); ``attrs["cutoff"]`` holds the cutoff.

    Raises
    ------
    ValueError
        If a column is missing or no line is dated before the cutoff.
    """
    from helpers.cleaning import clean_and_flag

    require_columns(raw, [customer_id, invoice_date], "raw order lines")
    cutoff = _timestamp(cutoff, "cutoff")
    check_numbers("trend_days", trend_days, ">= 1", lambda d: d >= 1)
    first, _ = _data_span(raw, invoice_date, "raw order lines")
    if cutoff <= first:
        raise ValueError(
            f"cutoff {cutoff} is at or before the first line ({first}): there is no history "
            "to compute features from; choose a later cutoff"
        )
    before = raw[raw[invoice_date] < cutoff]
    if cleaned is None:
        clean, _, reasons = clean_and_flag(before, **dict(cleaning or {}))
    else:  # the same rules on the same lines: reuse them
        clean, reasons = cleaned
        clean = clean[clean[invoice_date] < cutoff]
        reasons = reasons.loc[before.index]
    features = customer_features(
        clean,
        cutoff,
        raw=before,
        reasons=reasons,
        products=products,
        customers=customers,
        customer_id=customer_id,
        invoice_date=invoice_date,
        amount=amount,
    )
    days = pd.Timedelta(days=int(trend_days))
    dates, who = clean[invoice_date], clean[customer_id]
    recent = clean.loc[dates >= cutoff - days, amount].groupby(who).sum()
    middle = (dates >= cutoff - 2 * days) & (dates < cutoff - days)
    earlier = clean.loc[middle, amount].groupby(who).sum()
    recent = recent.reindex(features.index, fill_value=0.0).astype(float)
    earlier = earlier.reindex(features.index, fill_value=0.0).astype(float)
    total = recent + earlier
    trend = ((recent - earlier) / total.where(total > 0)).fillna(0.0)
    extra = pd.DataFrame(
        {"spend_recent": recent, "spend_earlier": earlier, "spend_trend": trend},
        index=features.index,
    )
    if contacts is not None:
        require_columns(contacts, [customer_id, contact_date, cost], "contacts", allow_empty=True)
        past = contacts[pd.to_datetime(contacts[contact_date]) < cutoff]
        by = past.groupby(past[customer_id].astype("str"))
        extra["contacts"] = by.size().reindex(features.index, fill_value=0).astype(float)
        extra["contact_cost"] = by[cost].sum().reindex(features.index, fill_value=0.0)
        extra["contact_cost"] = extra["contact_cost"].astype(float)
    numeric = [c for c in features.columns if pd.api.types.is_float_dtype(features[c])]
    out = pd.concat([features[numeric], extra, features.drop(columns=numeric)], axis=1)
    out.index.name = customer_id
    out.attrs["cutoff"] = cutoff
    return out


def churn_snapshot(
    raw: pd.DataFrame,
    cutoff: str | pd.Timestamp,
    horizon_days: int,
    *,
    clean: pd.DataFrame | None = None,
    data_end: str | pd.Timestamp | None = None,
    customer_id: str = s.CUSTOMER_ID,
    invoice_date: str = s.INVOICE_DATE,
    **features,
) -> pd.DataFrame:
    """Join the features at ``cutoff`` (:func:`churn_features`) and the label ``churn``.

    Parameters
    ----------
    raw : pandas.DataFrame
        Raw order lines (features are cleaned from these, cut at the cutoff).
    cutoff : str or pandas.Timestamp
        The snapshot's moment.
    horizon_days : int
        Label window length (:func:`churn_labels`).
    clean : pandas.DataFrame, optional
        Clean order lines of the whole data, for the labels (the label window is in the
        future of the cutoff, so it may use them); default: ``raw`` cleaned.
    data_end : str or pandas.Timestamp, optional
        End of the data, exclusive; default midnight after the last raw line's day.
    customer_id, invoice_date : str
        Column names.
    **features
        Passed to :func:`churn_features` (products, customers, contacts, trend_days, ...).

    Returns
    -------
    pandas.DataFrame
        One row per customer active before the cutoff: features, then ``churn``.
    """
    if clean is None:
        from helpers.cleaning import clean_transactions

        clean, _ = clean_transactions(raw, **dict(features.get("cleaning") or {}))
    if data_end is None:
        data_end = _data_span(raw, invoice_date, "raw order lines")[1]
    labels = churn_labels(
        clean,
        cutoff,
        horizon_days,
        data_end=data_end,
        customer_id=customer_id,
        invoice_date=invoice_date,
    )
    table = churn_features(
        raw, cutoff, customer_id=customer_id, invoice_date=invoice_date, **features
    )
    # the customers at risk are those with features: a clean purchase before the cutoff in
    # the lines cut there (one whose purchases were all returned after the cutoff is still
    # at risk at the cutoff); their label: no clean line in the window
    start, end = labels.attrs["cutoff"], labels.attrs["window_end"]
    dates = clean[invoice_date]
    bought = clean.loc[(dates >= start) & (dates < end), customer_id].astype("str")
    table[CHURN] = ~table.index.isin(set(bought))
    table.attrs.update(cutoff=labels.attrs["cutoff"], window_end=labels.attrs["window_end"])
    return table


# --- 2. cutoffs and snapshots --------------------------------------------------------------------


def temporal_cutoffs(
    data_start: str | pd.Timestamp,
    data_end: str | pd.Timestamp,
    horizon_days: int,
    n_train: int = 3,
    spacing_days: int = 30,
    *,
    min_history_days: int = 90,
) -> tuple[list[pd.Timestamp], pd.Timestamp]:
    """Choose the training cutoffs and the test cutoff of a temporal validation.

    The test cutoff is the last that can be labelled: ``data_end - horizon_days``. The latest
    training cutoff is ``horizon_days`` before it, so its label window ends exactly at the
    test cutoff (windows are half-open: nothing of the test period is used); the others are
    ``spacing_days`` apart before it.

    Parameters
    ----------
    data_start, data_end : str or pandas.Timestamp
        First moment with data and the end of the data (exclusive).
    horizon_days : int
        Label window length.
    n_train : int, default 3
        Number of training cutoffs.
    spacing_days : int, default 30
        Days between consecutive training cutoffs.
    min_history_days : int, default 90
        The earliest training cutoff must leave at least this many days of history.

    Returns
    -------
    train : list of pandas.Timestamp
        Training cutoffs, oldest first (midnight).
    test : pandas.Timestamp
        The test cutoff.

    Raises
    ------
    ValueError
        If the data is too short for the horizon, the number and the spacing of cutoffs.
    """
    check_days("horizon_days", horizon_days)
    check_numbers("n_train", n_train, ">= 1", lambda n: n >= 1)
    check_numbers("spacing_days", spacing_days, ">= 1", lambda d: d >= 1)
    check_numbers("min_history_days", min_history_days, ">= 0", lambda d: d >= 0)
    start = _timestamp(data_start, "data_start")
    end = _timestamp(data_end, "data_end").normalize()
    test = end - pd.Timedelta(days=int(horizon_days))
    last_train = test - pd.Timedelta(days=int(horizon_days))
    train = [last_train - pd.Timedelta(days=int(spacing_days) * k) for k in range(int(n_train))][
        ::-1
    ]
    earliest = start.normalize() + pd.Timedelta(days=int(min_history_days))
    if train[0] < earliest:
        raise ValueError(
            f"the earliest training cutoff {train[0]:%Y-%m-%d} leaves less than "
            f"min_history_days={min_history_days} of history after the data start "
            f"{start:%Y-%m-%d}; use fewer cutoffs (n_train={n_train}), a smaller spacing "
            f"(spacing_days={spacing_days}) or a shorter horizon (horizon_days={horizon_days})"
        )
    return train, test


def build_snapshots(
    raw: pd.DataFrame,
    cutoffs: Sequence[str | pd.Timestamp],
    horizon_days: int,
    *,
    clean: pd.DataFrame | None = None,
    **snapshot,
) -> pd.DataFrame:
    """Stack the snapshots of several cutoffs (:func:`churn_snapshot`).

    Parameters
    ----------
    raw : pandas.DataFrame
        Raw order lines.
    cutoffs : sequence of dates
        The snapshots' cutoffs.
    horizon_days : int
        Label window length.
    clean : pandas.DataFrame, optional
        Clean lines of the whole data, for the labels; default ``raw`` cleaned once.
    **snapshot
        Passed to :func:`churn_snapshot` and :func:`churn_features`.

    Returns
    -------
    pandas.DataFrame
        Indexed by (``cutoff``, customer); a customer appears once per cutoff at which
        they were active.
    """
    if len(cutoffs) == 0:
        raise ValueError("cutoffs: give at least one cutoff")
    if clean is None:
        from helpers.cleaning import clean_transactions

        clean, _ = clean_transactions(raw, **dict(snapshot.get("cleaning") or {}))
    frames = {
        pd.Timestamp(c): churn_snapshot(raw, c, horizon_days, clean=clean, **snapshot)
        for c in cutoffs
    }
    out = pd.concat(frames, names=["cutoff"])
    out.attrs["window_ends"] = [f.attrs["window_end"] for f in frames.values()]
    return out


# --- 3. contractual churn: IBM Telco -------------------------------------------------------------


def telco_features(telco: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    """Prepare the features and label of IBM Telco (from :func:`helpers.datasets.load_telco`).

    - ``total_charges`` is blank for customers in their first month (``tenure_months`` 0):
      they have not been billed yet, so the blank becomes 0, explicitly. A blank for a
      customer with tenure above 0 would be a real gap and raises.
    - ``senior_citizen`` is coded 0/1 in the file; it becomes "No"/"Yes" like the other
      yes/no columns (a category, not a number).
    - ``customer_id`` is an identifier, not a feature, and is dropped.

    Parameters
    ----------
    telco : pandas.DataFrame

    Returns
    -------
    X : pandas.DataFrame
        Numeric ``tenure_months``, ``monthly_charges``, ``total_charges``; the others text.
    y : pandas.Series of bool
        ``churn``.

    Raises
    ------
    ValueError
        If a column is missing or ``total_charges`` is blank for a customer with tenure > 0.
    """
    numeric = ["tenure_months", "monthly_charges", "total_charges"]
    require_columns(telco, [s.CUSTOMER_ID, CHURN, "senior_citizen", *numeric], "telco")
    blank = telco["total_charges"].isna()
    gap = blank & (telco["tenure_months"] > 0)
    if gap.any():
        row = telco.loc[gap].iloc[0]
        raise ValueError(
            f"telco: column 'total_charges' is blank for {int(gap.sum())} customer(s) with "
            f"tenure_months > 0, e.g. row {row.name!r}: {row.to_dict()}; only first-month "
            "customers (tenure 0) may be blank"
        )
    X = telco.drop(columns=[s.CUSTOMER_ID, CHURN]).copy()
    X["total_charges"] = X["total_charges"].fillna(0.0)
    X["senior_citizen"] = X["senior_citizen"].map({0: "No", 1: "Yes"}).astype("str")
    for column in numeric:
        X[column] = X[column].astype(float)
    X.index = telco[s.CUSTOMER_ID].astype("str").rename(s.CUSTOMER_ID)
    y = telco[CHURN].astype(bool).set_axis(X.index)
    X.attrs["blank_total_charges"] = int(blank.sum())
    return X, y

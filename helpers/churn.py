"""Churn data: labels from behaviour, leak-free features, cutoffs and snapshots, Telco.

A shop without contracts never hears a customer leave: they just stop buying. So churn is
defined from behaviour, at a **cutoff** date (the argument ``as_of``, exclusive, as everywhere
in :mod:`helpers`; see :mod:`helpers.dates`):

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
- everything of :func:`helpers.features.customer_features` at the cutoff: RFM, tenure,
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

import warnings
from collections.abc import Mapping, Sequence

import pandas as pd

from helpers import schema as s
from helpers.checks import check_days, check_numbers, require_columns
from helpers.dates import to_timestamp
from helpers.deprecation import LINE_COLUMN_RENAMES, REMOVED_IN, renamed_arguments
from helpers.features import customer_features
from helpers.snapshot import LINE_COLUMNS, Snapshot

__all__ = [
    "CHURN",
    "build_snapshots",
    "churn_features",
    "churn_labels",
    "churn_snapshot",
    "label_window",
    "spend_trend",
    "telco_features",
    "temporal_cutoffs",
]

#: Name of the label column of a snapshot.
CHURN = "churn"

_DAY = pd.Timedelta(days=1)


def _data_span(lines: pd.DataFrame, date_col: str, table: str) -> tuple[pd.Timestamp, ...]:
    dates = lines[date_col].dropna()
    if dates.empty:
        raise ValueError(f"{table}: column {date_col!r} has no dates")
    return dates.min(), dates.max().normalize() + _DAY


def _cleaning_settings(settings: Mapping[str, object]) -> dict[str, object]:
    """Pick the keywords of clean_transactions in a snapshot's settings (columns, cleaning)."""
    columns = {name: settings[name] for name in LINE_COLUMNS if name in settings}
    return {**columns, **dict(settings.get("cleaning") or {})}


# --- 1. labels and features ----------------------------------------------------------------------


@renamed_arguments(
    cutoff="as_of",
    customer_id="customer_col",
    invoice_date="date_col",
)
def churn_labels(
    transactions: pd.DataFrame,
    as_of: str | pd.Timestamp,
    horizon_days: int,
    *,
    data_end: str | pd.Timestamp | None = None,
    customer_col: str = s.CUSTOMER_ID,
    date_col: str = s.INVOICE_DATE,
) -> pd.Series:
    """Label churn at ``as_of``: no purchase in the next ``horizon_days`` days.

    The customers labelled are those with at least one line before ``as_of`` (the customers
    at risk). A customer churns when they have no line dated in
    ``[as_of, as_of + horizon_days days)``.

    Parameters
    ----------
    transactions : pandas.DataFrame
        Clean order lines (every line is a purchase).
    as_of : str or pandas.Timestamp
        The cutoff, exclusive for the history: customers at risk have a line before it, and
        it starts the label window (inclusive). Old name ``cutoff`` (same meaning).
    horizon_days : int
        Length of the label window in days.
    data_end : str or pandas.Timestamp, optional
        End of the data (exclusive); default midnight after the last line's day. The label
        window must end by then, otherwise "no purchase" may just mean "no data".
    customer_col, date_col : str
        Column names of the customer id and the invoice date (old names ``customer_id``,
        ``invoice_date``).

    Returns
    -------
    pandas.Series of bool
        Indexed by customer (sorted; the index named ``customer_col``), named ``churn``;
        ``attrs`` hold the window: ``as_of`` (also under its old name ``cutoff``) and
        ``window_end``.

    Raises
    ------
    ValueError
        If a column is missing, ``as_of`` is not a date or is at or before the first line (no
        history), or the label window ends after ``data_end``.
    """
    require_columns(transactions, [customer_col, date_col], "transactions")
    check_days("horizon_days", horizon_days)
    as_of = to_timestamp(as_of, "as_of")
    first, last_end = _data_span(transactions, date_col, "transactions")
    end = last_end if data_end is None else to_timestamp(data_end, "data_end")
    window_end = label_window(first, end, as_of, horizon_days)
    dates = transactions[date_col]
    at_risk = transactions.loc[dates < as_of, customer_col].astype("str").unique()
    in_window = (dates >= as_of) & (dates < window_end)
    bought = set(transactions.loc[in_window, customer_col].astype("str"))
    index = pd.Index(sorted(at_risk), name=customer_col)
    labels = pd.Series([c not in bought for c in index], index=index, name=CHURN, dtype=bool)
    labels.attrs.update(as_of=as_of, cutoff=as_of, window_end=window_end)
    return labels


@renamed_arguments(
    **LINE_COLUMN_RENAMES, cutoff="as_of", contact_date="contact_date_col", cost="cost_col"
)
def churn_features(
    raw: pd.DataFrame | Snapshot,
    as_of: str | pd.Timestamp,
    *,
    products: pd.DataFrame | None = None,
    customers: pd.DataFrame | None = None,
    contacts: pd.DataFrame | None = None,
    trend_days: int = 90,
    cleaning: Mapping[str, object] | None = None,
    cleaned: tuple[pd.DataFrame, pd.Series] | None = None,
    customer_col: str = s.CUSTOMER_ID,
    date_col: str = s.INVOICE_DATE,
    amount_col: str = s.AMOUNT,
    contact_date_col: str = s.CONTACT_DATE,
    cost_col: str = s.COST,
    invoice_col: str = s.INVOICE_ID,
    product_col: str = s.PRODUCT_ID,
    quantity_col: str = s.QUANTITY,
    price_col: str = s.UNIT_PRICE,
) -> pd.DataFrame:
    """Compute the features of every customer active before ``as_of``, from those lines only.

    The raw lines are cut at ``as_of`` (lines dated before it are kept) and only then cleaned
    (:func:`helpers.cleaning.clean_transactions`), so a return or an outlier at or after
    ``as_of`` cannot change a feature (see the module docstring for the feature list). Given
    a :class:`helpers.snapshot.Snapshot`, its lines are used as they are cleaned when
    ``as_of`` is the snapshot's date, and :meth:`~helpers.snapshot.Snapshot.at` cleans the
    lines before an earlier ``as_of`` once: the result is the same.

    Parameters
    ----------
    raw : pandas.DataFrame or helpers.snapshot.Snapshot
        Raw order lines (canonical columns, dates parsed), as loaded; or a snapshot of them
        at ``as_of`` or later (its cleaning settings and column names are then used).
    as_of : str or pandas.Timestamp
        The moment of the snapshot (the cutoff), exclusive. Old name ``cutoff`` (same
        meaning).
    products, customers : pandas.DataFrame, optional
        Passed to :func:`helpers.features.customer_features` (category breadth,
        demographics).
    contacts : pandas.DataFrame, optional
        Service contacts with ``customer_id``, ``contact_date`` and ``cost``: adds
        ``contacts`` and ``contact_cost`` before the cutoff.
    trend_days : int, default 90
        Length of the two windows compared by ``spend_trend``.
    cleaning : mapping, optional
        Settings passed to :func:`helpers.cleaning.clean_transactions`.
    cleaned : (pandas.DataFrame, pandas.Series), optional
        Deprecated (a FutureWarning; removed in release 0.2): pass a snapshot as ``raw``. The
        clean lines and the reasons of :func:`helpers.cleaning.clean_and_flag` for ``raw``,
        whose origin nothing checked.
    customer_col, date_col, amount_col, contact_date_col, cost_col : str
        Column names (old names ``customer_id``, ``invoice_date``, ``amount``,
        ``contact_date``, ``cost``); ``amount_col`` names the clean lines' amount.
    invoice_col, product_col, quantity_col, price_col : str
        Column names of the raw lines' invoice id, product id, quantity and unit price, for
        the cleaning (unless ``cleaning`` names them itself).

    Returns
    -------
    pandas.DataFrame
        Indexed by customer (sorted; the index named ``customer_col``); ``attrs["as_of"]``
        (also under its old name ``cutoff``) holds ``as_of``.

    Raises
    ------
    ValueError
        If a column is missing, ``as_of`` is not a date, or no line is dated before it.
    """
    from helpers.cleaning import clean_and_flag

    snapshot = None
    if isinstance(raw, Snapshot):
        if cleaning is not None or cleaned is not None:
            raise TypeError(
                "churn_features: a snapshot holds its cleaning; do not pass cleaning or cleaned"
            )
        given = {"customer_col": customer_col, "date_col": date_col, "amount_col": amount_col,
                 "invoice_col": invoice_col, "product_col": product_col,
                 "quantity_col": quantity_col, "price_col": price_col}  # fmt: skip
        mine = raw.columns
        for name, value in given.items():
            if value not in (mine[name], LINE_COLUMNS[name]):
                raise ValueError(
                    f"churn_features: {name}={value!r} but the snapshot's lines were cleaned "
                    f"with {name}={mine[name]!r}; leave {name} out"
                )
        customer_col, date_col, amount_col = (
            mine["customer_col"],
            mine["date_col"],
            mine["amount_col"],
        )
        invoice_col, product_col = mine["invoice_col"], mine["product_col"]
        quantity_col, price_col = mine["quantity_col"], mine["price_col"]
        snapshot = raw.at(as_of)
        raw = snapshot.raw
    elif cleaned is not None:
        warnings.warn(
            "churn_features: cleaned= is deprecated and will be removed in release "
            f"{REMOVED_IN}; pass a snapshot (helpers.snapshot.take_snapshot) as the lines",
            FutureWarning,
            stacklevel=3,
        )
    require_columns(raw, [customer_col, date_col], "raw order lines")
    as_of = to_timestamp(as_of, "as_of")
    check_numbers("trend_days", trend_days, ">= 1", lambda d: d >= 1)
    first, _ = _data_span(raw, date_col, "raw order lines")
    if as_of <= first:
        raise ValueError(
            f"as_of {as_of} is at or before the first line ({first}): there is no history "
            "to compute features from; choose a later as_of"
        )
    before = raw[raw[date_col] < as_of]
    columns = {
        "customer_col": customer_col,
        "invoice_col": invoice_col,
        "date_col": date_col,
        "product_col": product_col,
        "quantity_col": quantity_col,
        "price_col": price_col,
    }
    if snapshot is not None:  # cleaned once, at as_of
        clean, reasons = snapshot.clean, snapshot.reasons.loc[before.index]
    elif cleaned is None:
        settings = {**columns, "amount_col": amount_col, **dict(cleaning or {})}
        clean, _, reasons = clean_and_flag(before, **settings)
    else:  # the same rules on the same lines: reuse them
        clean, reasons = cleaned
        clean = clean[clean[date_col] < as_of]
        reasons = reasons.loc[before.index]
    features = customer_features(
        clean,
        as_of,
        raw=before,
        reasons=reasons,
        products=products,
        customers=customers,
        **columns,
        amount_col=amount_col,
    )
    days = pd.Timedelta(days=int(trend_days))
    dates, who = clean[date_col], clean[customer_col]
    recent = clean.loc[dates >= as_of - days, amount_col].groupby(who).sum()
    middle = (dates >= as_of - 2 * days) & (dates < as_of - days)
    earlier = clean.loc[middle, amount_col].groupby(who).sum()
    recent = recent.reindex(features.index, fill_value=0.0).astype(float)
    earlier = earlier.reindex(features.index, fill_value=0.0).astype(float)
    extra = pd.DataFrame(
        {
            "spend_recent": recent,
            "spend_earlier": earlier,
            "spend_trend": spend_trend(recent, earlier),
        },
        index=features.index,
    )
    if contacts is not None:
        require_columns(
            contacts, [customer_col, contact_date_col, cost_col], "contacts", allow_empty=True
        )
        past = contacts[pd.to_datetime(contacts[contact_date_col]) < as_of]
        by = past.groupby(past[customer_col].astype("str"))
        extra["contacts"] = by.size().reindex(features.index, fill_value=0).astype(float)
        extra["contact_cost"] = by[cost_col].sum().reindex(features.index, fill_value=0.0)
        extra["contact_cost"] = extra["contact_cost"].astype(float)
    numeric = [c for c in features.columns if pd.api.types.is_float_dtype(features[c])]
    out = pd.concat([features[numeric], extra, features.drop(columns=numeric)], axis=1)
    out.index.name = customer_col
    out.attrs.update(as_of=as_of, cutoff=as_of)
    return out


def label_window(
    first: pd.Timestamp, end: pd.Timestamp, as_of: pd.Timestamp, horizon_days: int
) -> pd.Timestamp:
    """Check that a churn label window fits the data, and return its end (exclusive).

    Parameters
    ----------
    first : pandas.Timestamp
        The first line's date.
    end : pandas.Timestamp
        The data's end, exclusive.
    as_of : pandas.Timestamp
        The snapshot date: the window is ``[as_of, as_of + horizon_days)``.
    horizon_days : int
        The window's length in days.

    Returns
    -------
    pandas.Timestamp
        ``as_of + horizon_days``.

    Raises
    ------
    ValueError
        If ``as_of`` is at or before the first line (no history), or the window ends after
        ``end`` ("no purchase" could then just mean "no data").
    """
    if as_of <= first:
        raise ValueError(
            f"as_of {as_of} is at or before the first line ({first}): no customer has a "
            "history to predict from; choose a later as_of"
        )
    window_end = as_of + pd.Timedelta(days=int(horizon_days))
    if window_end > end:
        raise ValueError(
            f"label window [{as_of:%Y-%m-%d}, {window_end:%Y-%m-%d}) of horizon_days="
            f"{horizon_days} ends after the data end {end:%Y-%m-%d} (exclusive): the last "
            f"as_of that can be labelled is {end - pd.Timedelta(days=int(horizon_days)):%Y-%m-%d}"
        )
    return window_end


def spend_trend(recent: pd.Series, earlier: pd.Series) -> pd.Series:
    """Compare spend in two windows: ``(recent - earlier) / (recent + earlier)``.

    From -1 (spent only in the earlier window) to +1 (only in the recent one); 0 for a
    customer who spent nothing in either.

    Parameters
    ----------
    recent, earlier : pandas.Series
        Spend per customer in the recent window and in the one before it (same index).

    Returns
    -------
    pandas.Series
    """
    total = recent + earlier
    return ((recent - earlier) / total.where(total > 0)).fillna(0.0)


@renamed_arguments(
    cutoff="as_of",
    customer_id="customer_col",
    invoice_date="date_col",
)
def churn_snapshot(
    raw: pd.DataFrame | Snapshot,
    as_of: str | pd.Timestamp,
    horizon_days: int,
    *,
    clean: pd.DataFrame | None = None,
    data_end: str | pd.Timestamp | None = None,
    customer_col: str = s.CUSTOMER_ID,
    date_col: str = s.INVOICE_DATE,
    **features,
) -> pd.DataFrame:
    """Join the features at ``as_of`` (:func:`churn_features`) and the label ``churn``.

    Parameters
    ----------
    raw : pandas.DataFrame or helpers.snapshot.Snapshot
        Raw order lines (features are cleaned from these, cut at ``as_of``); or a snapshot
        at the end of the data, whose clean lines give the labels and whose
        :meth:`~helpers.snapshot.Snapshot.at` gives the features (one cleaning at ``as_of``).
    as_of : str or pandas.Timestamp
        The snapshot's moment (the cutoff), exclusive for the features; the label window
        starts there. Old name ``cutoff`` (same meaning).
    horizon_days : int
        Label window length (:func:`churn_labels`).
    clean : pandas.DataFrame, optional
        Clean order lines of the whole data, for the labels (the label window is in the
        future of ``as_of``, so it may use them); default: ``raw`` cleaned.
    data_end : str or pandas.Timestamp, optional
        End of the data, exclusive; default midnight after the last raw line's day.
    customer_col, date_col : str
        Column names of the customer id and the invoice date (old names ``customer_id``,
        ``invoice_date``).
    **features
        Passed to :func:`churn_features` (products, customers, contacts, trend_days, the
        other column names, ...).

    Returns
    -------
    pandas.DataFrame
        One row per customer active before ``as_of``: features, then ``churn``; ``attrs``:
        ``as_of`` (also under its old name ``cutoff``) and ``window_end``.
    """
    if isinstance(raw, Snapshot):
        if clean is not None:
            raise TypeError("churn_snapshot: a snapshot holds its clean lines; leave clean out")
        clean, data_end = raw.clean, raw.as_of if data_end is None else data_end
        customer_col, date_col = raw.columns["customer_col"], raw.columns["date_col"]
    if clean is None:
        from helpers.cleaning import clean_transactions

        settings = {**features, "customer_col": customer_col, "date_col": date_col}
        clean, _ = clean_transactions(raw, **_cleaning_settings(settings))
    if data_end is None:
        data_end = _data_span(raw, date_col, "raw order lines")[1]
    labels = churn_labels(
        clean,
        as_of,
        horizon_days,
        data_end=data_end,
        customer_col=customer_col,
        date_col=date_col,
    )
    table = churn_features(raw, as_of, customer_col=customer_col, date_col=date_col, **features)
    # the customers at risk are those with features: a clean purchase before as_of in the
    # lines cut there (one whose purchases were all returned after as_of is still at risk at
    # as_of); their label: no clean line in the window
    start, end = labels.attrs["as_of"], labels.attrs["window_end"]
    dates = clean[date_col]
    bought = clean.loc[(dates >= start) & (dates < end), customer_col].astype("str")
    table[CHURN] = ~table.index.isin(set(bought))
    table.attrs.update(as_of=start, cutoff=start, window_end=end)
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
    start = to_timestamp(data_start, "data_start")
    end = to_timestamp(data_end, "data_end").normalize()
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

        clean, _ = clean_transactions(raw, **_cleaning_settings(snapshot))
    frames = {
        to_timestamp(c, "cutoffs"): churn_snapshot(raw, c, horizon_days, clean=clean, **snapshot)
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

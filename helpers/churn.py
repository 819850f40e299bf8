"""Churn prediction: labels from behaviour, leak-free snapshots, models, metrics, campaigns.

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
- everything of :func:`helpers.clustering.customer_features` at the cutoff: RFM, tenure,
  mean inter-purchase time, basket size, range bought, return rate and, when a customers
  table is given, demographics;
- ``spend_recent`` and ``spend_earlier``: net spend in the ``trend_days`` before the cutoff
  and in the ``trend_days`` before those; ``spend_trend = (recent - earlier) / (recent +
  earlier)``, from -1 (stopped spending) to +1 (started), 0 when both are 0;
- ``contacts`` and ``contact_cost``: service contacts before the cutoff and their cost (0 for
  a customer who never contacted), when a contacts table is given.

Models and metrics
------------------
:func:`make_models` builds the comparison (logistic regression, decision tree, random forest,
histogram gradient boosting), each a scikit-learn ``Pipeline`` of
:func:`helpers.clustering.feature_pipeline` and the classifier, with fixed seeds and
``n_jobs=1``. :class:`RecencyRule` is the baseline a shop uses without a model: churned when
the last purchase is older than a threshold. :func:`churn_metrics` gives ROC-AUC, PR-AUC,
Brier score and lift and capture in the top decile; :func:`retention_campaign` turns scores
into an expected value per customer and the campaign size that maximises it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.calibration import calibration_curve
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.inspection import permutation_importance
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import Pipeline
from sklearn.tree import DecisionTreeClassifier
from threadpoolctl import threadpool_limits

from helpers import schema as s
from helpers.checks import check_numbers, check_share, require_columns
from helpers.clustering import LOG_FEATURES, customer_features, feature_pipeline

__all__ = [
    "CHURN",
    "CHURN_LOG_FEATURES",
    "MODEL_NAMES",
    "RecencyRule",
    "build_snapshots",
    "calibration_table",
    "churn_features",
    "churn_labels",
    "churn_metrics",
    "churn_snapshot",
    "compare_models",
    "cross_validate_models",
    "importance_table",
    "make_models",
    "retention_campaign",
    "telco_features",
    "temporal_cutoffs",
    "top_share",
    "value_at_risk",
]

#: Name of the label column of a snapshot.
CHURN = "churn"

#: The models of :func:`make_models`, in the order the chapter compares them.
MODEL_NAMES: tuple[str, ...] = (
    "logistic regression",
    "decision tree",
    "random forest",
    "gradient boosting",
)

#: Skewed features put on a log scale by :func:`make_models`: those of clustering plus the
#: windowed spends and the contacts.
CHURN_LOG_FEATURES: tuple[str, ...] = (
    *LOG_FEATURES,
    "spend_recent",
    "spend_earlier",
    "contacts",
    "contact_cost",
)

_DAY = pd.Timedelta(days=1)


def _timestamp(value: str | pd.Timestamp, name: str) -> pd.Timestamp:
    try:
        stamp = pd.Timestamp(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a date; got {value!r}") from None
    if pd.isna(stamp):
        raise ValueError(f"{name} must be a date; got {value!r}")
    return stamp


def _check_horizon(horizon_days: int) -> None:
    check_numbers("horizon_days", horizon_days, "a whole number of days >= 1", lambda h: h >= 1)
    if int(horizon_days) != horizon_days:
        raise ValueError(f"horizon_days must be a whole number of days; got {horizon_days!r}")


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
    _check_horizon(horizon_days)
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
        Passed to :func:`helpers.clustering.customer_features` (category breadth,
        demographics).
    contacts : pandas.DataFrame, optional
        Service contacts with ``customer_id``, ``contact_date`` and ``cost``: adds
        ``contacts`` and ``contact_cost`` before the cutoff.
    trend_days : int, default 90
        Length of the two windows compared by ``spend_trend``.
    cleaning : mapping, optional
        Settings passed to :func:`helpers.cleaning.clean_transactions`.
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
    from helpers.cleaning import clean_transactions, flag_transactions

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
    settings = dict(cleaning or {})
    clean, _ = clean_transactions(before, **settings)
    flags = {k: v for k, v in settings.items() if k != "drop_outliers"}
    reasons = flag_transactions(before, **flags)
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
    _check_horizon(horizon_days)
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


# --- 3. models -----------------------------------------------------------------------------------


class RecencyRule(ClassifierMixin, BaseEstimator):
    """The rule a shop uses without a model: churned when recency exceeds a threshold.

    Parameters
    ----------
    threshold : float, optional
        Days since the last purchase above which a customer is called churned; default
        learned in :meth:`fit`: the threshold that maximises Youden's J (true-positive rate
        minus false-positive rate) on the training rows.
    feature : str, default "recency"
        The column holding the days since the last purchase.

    Attributes
    ----------
    threshold_ : float
        The threshold used.
    rates_ : numpy.ndarray
        Churn rate of the training rows at or below and above the threshold: the
        probabilities :meth:`predict_proba` gives.
    classes_ : numpy.ndarray
        ``[False, True]``.
    """

    def __init__(self, threshold: float | None = None, feature: str = "recency") -> None:
        self.threshold = threshold
        self.feature = feature

    def _recency(self, X: pd.DataFrame) -> np.ndarray:
        require_columns(X, [self.feature], "X")
        return X[self.feature].to_numpy(dtype=float)

    def fit(self, X: pd.DataFrame, y: Sequence[bool]) -> RecencyRule:
        """Learn the threshold (unless given) and the churn rate on each side of it.

        Parameters
        ----------
        X : pandas.DataFrame
            Has the ``feature`` column.
        y : array-like of bool
            Churn labels.

        Returns
        -------
        RecencyRule
        """
        r = self._recency(X)
        y = np.asarray(y, dtype=bool)
        if y.all() or not y.any():
            raise ValueError("y must hold both churners and non-churners to fit the rule")
        if self.threshold is None:
            candidates = np.unique(r)
            positives, negatives = y.sum(), (~y).sum()
            order = np.argsort(r, kind="mergesort")
            r_sorted, y_sorted = r[order], y[order]
            # customers above candidate t: those after the last position with r <= t
            upto = np.searchsorted(r_sorted, candidates, side="right")
            churn_below = np.concatenate([[0], np.cumsum(y_sorted)])[upto]
            stay_below = upto - churn_below
            j = (positives - churn_below) / positives - (negatives - stay_below) / negatives
            self.threshold_ = float(candidates[int(np.argmax(j))])
        else:
            self.threshold_ = float(self.threshold)
        above = r > self.threshold_
        rate = y.mean()
        self.rates_ = np.array(
            [y[~above].mean() if (~above).any() else rate, y[above].mean() if above.any() else rate]
        )
        self.classes_ = np.array([False, True])
        return self

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        """Give the training churn rate on the customer's side of the threshold.

        Returned as the two columns [P(stay), P(churn)].

        Parameters
        ----------
        X : pandas.DataFrame

        Returns
        -------
        numpy.ndarray of shape (n, 2)
        """
        p = self.rates_[(self._recency(X) > self.threshold_).astype(int)]
        return np.column_stack([1 - p, p])

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """Call churned (True) the customers whose recency is above the threshold.

        Parameters
        ----------
        X : pandas.DataFrame

        Returns
        -------
        numpy.ndarray of bool
        """
        return self._recency(X) > self.threshold_


def make_models(
    X: pd.DataFrame,
    *,
    seed: int = 0,
    numeric: Sequence[str] | None = None,
    categorical: Sequence[str] | None = None,
) -> dict[str, Pipeline]:
    """Build the compared models, each ``feature_pipeline`` + classifier (not fitted).

    Settings are small on purpose (fast fits on a laptop, little overfitting):
    logistic regression (``C=1``, after ``log1p`` of :data:`CHURN_LOG_FEATURES` and
    standardisation); a decision tree of depth 5
    with at least 50 customers per leaf; a random forest of 150 trees of depth 8 with at
    least 20 customers per leaf; histogram gradient boosting with 150 iterations of rate 0.05
    and 15 leaves per tree. Seeds fixed, ``n_jobs=1``.

    Parameters
    ----------
    X : pandas.DataFrame
        The training features (used to pick the columns, see
        :func:`helpers.clustering.feature_pipeline`).
    seed : int, default 0
        Random state of every model.
    numeric, categorical : sequence of str, optional
        The columns to use; default every numeric and every text column.

    Returns
    -------
    dict of str to sklearn.pipeline.Pipeline
        Keyed by :data:`MODEL_NAMES`.
    """
    classifiers = {
        "logistic regression": LogisticRegression(C=1.0, max_iter=2000),
        "decision tree": DecisionTreeClassifier(
            max_depth=5, min_samples_leaf=50, random_state=seed
        ),
        "random forest": RandomForestClassifier(
            n_estimators=150, max_depth=8, min_samples_leaf=20, n_jobs=1, random_state=seed
        ),
        "gradient boosting": HistGradientBoostingClassifier(
            max_iter=150,
            learning_rate=0.05,
            max_leaf_nodes=15,
            early_stopping=False,
            random_state=seed,
        ),
    }
    return {
        name: Pipeline(
            [
                ("prep", feature_pipeline(X, numeric, categorical, log=CHURN_LOG_FEATURES)),
                ("model", classifier),
            ]
        )
        for name, classifier in classifiers.items()
    }


# --- 4. metrics ----------------------------------------------------------------------------------


def _scores(y_true: Sequence[bool], score: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(y_true, dtype=bool)
    p = np.asarray(score, dtype=float)
    if y.shape != p.shape or y.ndim != 1:
        raise ValueError(
            f"y_true and score must be 1-D of the same length; got {y.shape} and {p.shape}"
        )
    if len(y) == 0:
        raise ValueError("y_true is empty")
    check_numbers("score", p, "a finite number", np.isfinite)
    return y, p


def top_share(
    y_true: Sequence[bool], score: Sequence[float], share: float = 0.1
) -> tuple[float, float]:
    """Compute lift and capture among the customers with the highest scores.

    The top group is the ``ceil(share * n)`` customers with the highest score (ties in input
    order). **Lift** = churn rate in the group / overall churn rate (1 = no better than
    picking at random); **capture** = share of all churners who are in the group.

    Parameters
    ----------
    y_true : array-like of bool
        Churn labels.
    score : array-like of float
        Higher means more likely to churn.
    share : float, default 0.1
        Size of the group as a share of customers (0.1: the top decile).

    Returns
    -------
    lift, capture : float

    Raises
    ------
    ValueError
        If the lengths differ, ``share`` is not in (0, 1] or there is no churner.
    """
    y, p = _scores(y_true, score)
    check_share("share", share, "of customers in the top group")
    if not y.any():
        raise ValueError("y_true has no churner: lift and capture are undefined")
    n_top = math.ceil(share * len(y))
    top = np.argsort(-p, kind="mergesort")[:n_top]
    lift = y[top].mean() / y.mean()
    capture = y[top].sum() / y.sum()
    return float(lift), float(capture)


def churn_metrics(
    y_true: Sequence[bool], score: Sequence[float], *, share: float = 0.1
) -> dict[str, float]:
    """ROC-AUC, PR-AUC, Brier score, lift and capture in the top ``share``.

    Parameters
    ----------
    y_true : array-like of bool
        Churn labels.
    score : array-like of float
        Predicted probabilities of churn (the Brier score needs probabilities).
    share : float, default 0.1
        The top group of :func:`top_share`.

    Returns
    -------
    dict
        ``roc_auc`` (0.5 = random ranking), ``pr_auc`` (average precision; the churn rate =
        random), ``brier`` (mean squared error of the probabilities; lower is better),
        ``lift``, ``capture``.
    """
    y, p = _scores(y_true, score)
    if y.all() or not y.any():
        raise ValueError("y_true must hold both churners and non-churners")
    lift, capture = top_share(y, p, share)
    return {
        "roc_auc": float(roc_auc_score(y, p)),
        "pr_auc": float(average_precision_score(y, p)),
        "brier": float(brier_score_loss(y, p)),
        "lift": lift,
        "capture": capture,
    }


def compare_models(
    models: Mapping[str, object],
    X_train: pd.DataFrame,
    y_train: Sequence[bool],
    X_test: pd.DataFrame,
    y_test: Sequence[bool],
    *,
    share: float = 0.1,
) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """Fit every model on the training rows and score it on the test rows.

    Parameters
    ----------
    models : mapping of str to estimator
        Unfitted estimators with ``predict_proba`` (fitted in place).
    X_train, y_train, X_test, y_test
        Training and test features and labels.
    share : float, default 0.1
        The top group for lift and capture.

    Returns
    -------
    table : pandas.DataFrame
        One row per model, the columns of :func:`churn_metrics`.
    scores : dict of str to numpy.ndarray
        Each model's P(churn) for the test rows.
    """
    rows, scores = {}, {}
    for name, model in models.items():
        with threadpool_limits(limits=1):  # one thread: small fits, no oversubscription
            model.fit(X_train, np.asarray(y_train, dtype=bool))
            scores[name] = model.predict_proba(X_test)[:, 1]
        rows[name] = churn_metrics(y_test, scores[name], share=share)
    return pd.DataFrame(rows).T.rename_axis("model"), scores


def cross_validate_models(
    models: Mapping[str, object],
    X: pd.DataFrame,
    y: Sequence[bool],
    *,
    n_splits: int = 5,
    seed: int = 0,
    share: float = 0.1,
) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """Cross-validate every model by stratified k-fold (for labelled, contractual data).

    Each fold keeps the overall churn rate. The metrics are computed on the out-of-fold
    probabilities of all rows (each row scored by the model that did not see it);
    ``roc_auc_sd`` is the standard deviation of the per-fold ROC-AUC.

    Parameters
    ----------
    models : mapping of str to estimator
        Unfitted estimators (cloned per fold).
    X : pandas.DataFrame
    y : array-like of bool
    n_splits : int, default 5
    seed : int, default 0
        Seed of the shuffle before splitting.
    share : float, default 0.1

    Returns
    -------
    table : pandas.DataFrame
        One row per model: :func:`churn_metrics` of the out-of-fold scores and
        ``roc_auc_sd``.
    scores : dict of str to numpy.ndarray
        Out-of-fold P(churn) per model.
    """
    from sklearn.base import clone

    y = np.asarray(y, dtype=bool)
    folds = list(StratifiedKFold(n_splits, shuffle=True, random_state=seed).split(X, y))
    rows, scores = {}, {}
    for name, model in models.items():
        oof = np.zeros(len(y))
        per_fold = []
        for train, test in folds:
            with threadpool_limits(limits=1):
                fitted = clone(model).fit(X.iloc[train], y[train])
                oof[test] = fitted.predict_proba(X.iloc[test])[:, 1]
            per_fold.append(roc_auc_score(y[test], oof[test]))
        scores[name] = oof
        rows[name] = {**churn_metrics(y, oof, share=share), "roc_auc_sd": float(np.std(per_fold))}
    return pd.DataFrame(rows).T.rename_axis("model"), scores


def calibration_table(
    y_true: Sequence[bool], score: Sequence[float], n_bins: int = 10
) -> pd.DataFrame:
    """Compare predicted and observed churn rates in bins of equal size (default deciles).

    Parameters
    ----------
    y_true : array-like of bool
    score : array-like of float
        Predicted probabilities.
    n_bins : int, default 10

    Returns
    -------
    pandas.DataFrame
        ``predicted`` (mean probability) and ``observed`` (churn rate) per bin.
    """
    y, p = _scores(y_true, score)
    observed, predicted = calibration_curve(y, p, n_bins=n_bins, strategy="quantile")
    return pd.DataFrame({"predicted": predicted, "observed": observed}).rename_axis("bin")


def importance_table(
    model: object,
    X: pd.DataFrame,
    y: Sequence[bool],
    *,
    n_repeats: int = 5,
    seed: int = 0,
) -> pd.DataFrame:
    """Measure permutation importance: the drop of the test ROC-AUC when a column is shuffled.

    Parameters
    ----------
    model : fitted estimator
        Takes the feature frame ``X`` (a pipeline of :func:`make_models`).
    X : pandas.DataFrame
        Held-out features.
    y : array-like of bool
        Held-out labels.
    n_repeats : int, default 5
    seed : int, default 0

    Returns
    -------
    pandas.DataFrame
        ``auc_drop`` (mean) and ``sd`` per column, largest drop first.
    """
    with threadpool_limits(limits=1):
        result = _permutation_importance(model, X, y, n_repeats, seed)
    table = pd.DataFrame(
        {"auc_drop": result.importances_mean, "sd": result.importances_std}, index=X.columns
    )
    return table.sort_values("auc_drop", ascending=False).rename_axis("feature")


def _permutation_importance(model, X, y, n_repeats, seed):
    return permutation_importance(
        model,
        X,
        np.asarray(y, dtype=bool),
        scoring="roc_auc",
        n_repeats=n_repeats,
        random_state=seed,
        n_jobs=1,
    )


# --- 5. from scores to action --------------------------------------------------------------------


def value_at_risk(
    features: pd.DataFrame,
    horizon_days: int,
    *,
    monetary: str = "monetary",
    tenure: str = "tenure",
) -> pd.Series:
    """Estimate the spend a customer would bring in the next ``horizon_days`` if they stay.

    Their spend per day so far, ``monetary / max(tenure, horizon_days)``, times
    ``horizon_days``. The floor on the denominator stops a customer who bought once last
    week from counting as if they bought that much every week.

    Parameters
    ----------
    features : pandas.DataFrame
        With net spend and tenure in days (:func:`churn_features`).
    horizon_days : int
    monetary, tenure : str
        Column names.

    Returns
    -------
    pandas.Series
        Named ``value_at_risk``.
    """
    require_columns(features, [monetary, tenure], "features")
    _check_horizon(horizon_days)
    days = features[tenure].astype(float).clip(lower=float(horizon_days))
    return (features[monetary].astype(float) / days * horizon_days).rename("value_at_risk")


def retention_campaign(
    p_churn: pd.Series,
    value: pd.Series | float,
    *,
    save_rate: float,
    offer_cost: float,
) -> pd.DataFrame:
    """Rank customers by the expected value of a retention offer; find the best campaign.

    ``expected_value = p_churn * value * save_rate - offer_cost``: the offer saves a share
    ``save_rate`` of the customers who would have left, each worth ``value``, and costs
    ``offer_cost`` for everyone contacted. Customers are ranked by expected value; the
    campaign contacting the top ``n`` is worth the sum of their values, which is largest
    when exactly the customers with a positive expected value are contacted.

    Parameters
    ----------
    p_churn : pandas.Series
        P(churn) per customer (index: customer).
    value : pandas.Series or float
        Value at risk per customer (aligned with ``p_churn``), or one value for all.
    save_rate : float
        Share of would-be churners the offer keeps, in (0, 1].
    offer_cost : float
        Cost of one offer, >= 0.

    Returns
    -------
    pandas.DataFrame
        One row per customer, best first: ``p_churn``, ``value_at_risk``,
        ``expected_value``, ``rank`` (1 = best), ``cumulative_value`` (value of contacting
        the top ``rank`` customers) and ``contact`` (True for the best campaign).
        ``attrs``: ``size`` and ``value`` of the best campaign (0 and 0.0 when no offer pays).

    Raises
    ------
    ValueError
        For probabilities outside [0, 1], a negative or missing value, a save rate outside
        (0, 1] or a negative offer cost.
    """
    if not isinstance(p_churn, pd.Series):
        raise ValueError(f"p_churn must be a pandas Series; got {type(p_churn).__name__}")
    check_numbers("p_churn", p_churn, "in [0, 1]", lambda p: (p >= 0) & (p <= 1))
    if isinstance(value, pd.Series):
        value = value.reindex(p_churn.index)
    values = pd.Series(value, index=p_churn.index, dtype=float)
    check_numbers("value", values, ">= 0 (one per customer of p_churn)", lambda v: v >= 0)
    check_share("save_rate", save_rate, "of would-be churners the offer keeps")
    check_numbers("offer_cost", offer_cost, ">= 0", lambda c: c >= 0)
    table = pd.DataFrame({"p_churn": p_churn.astype(float), "value_at_risk": values})
    table["expected_value"] = table["p_churn"] * table["value_at_risk"] * save_rate - offer_cost
    table = table.sort_values("expected_value", ascending=False, kind="mergesort")
    table["rank"] = np.arange(1, len(table) + 1)
    table["cumulative_value"] = table["expected_value"].cumsum()
    size = int((table["expected_value"] > 0).sum())
    table["contact"] = table["rank"] <= size
    table.attrs.update(size=size, value=float(table["expected_value"].iloc[:size].sum()))
    return table


# --- 6. contractual churn: IBM Telco -------------------------------------------------------------


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

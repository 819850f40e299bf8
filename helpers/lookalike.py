"""Look-alike models: who resembles the top tier, and how well that resemblance is measured.

A look-alike model is a logistic regression of "top tier or not" on features that do not
grow with tenure, fitted on established customers with chapter 05's preprocessing
(:func:`helpers.features.feature_pipeline`). Its probability for someone else is
their **look-alike score**. :class:`LookalikeModel` fits and scores it;
:func:`validate_lookalike` fits it on a training split of the established customers and
measures it on the held-out rest: ROC-AUC (with a bootstrap interval) and the lift of the
top scores over the base rate (:func:`gains_table`). :func:`prospect_features` turns a
prospects table (people who have never bought) into the features a model fitted on
:data:`PROFILE_FEATURES` scores.

:func:`helpers.campaigns.expansion_list` uses the model on new customers.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from helpers import schema as s
from helpers.checks import check_numbers, check_share, warn_notes
from helpers.churn_metrics import top_share
from helpers.dates import to_timestamp
from helpers.deprecation import renamed_arguments
from helpers.features import (
    DEMOGRAPHIC_FEATURES,
    LOG_FEATURES,
    demographic_features,
    feature_pipeline,
    is_numeric,
    usable_features,
)

__all__ = [
    "LOOKALIKE_FEATURES",
    "PROFILE_FEATURES",
    "LookalikeCheck",
    "LookalikeModel",
    "auc_interval",
    "gains_table",
    "prospect_features",
    "validate_lookalike",
]

#: Features of :func:`helpers.features.customer_features` that describe *how* someone buys
#: and who they are, not how long they have been buying: the look-alike model uses those
#: present, so that a new customer is not judged by the history they cannot have yet.
LOOKALIKE_FEATURES: tuple[str, ...] = (
    "monetary_avg",
    "lines_per_invoice",
    "units_per_invoice",
    "return_rate",
    "age",
    s.ANNUAL_INCOME,
    s.GENDER,
    s.REGION,
    s.ACQUISITION_CHANNEL,
    s.COUNTRY,
)

#: The look-alike features about who someone is, which a prospect (who has never bought) can
#: have: no basket, no returns.
PROFILE_FEATURES: tuple[str, ...] = tuple(
    c for c in LOOKALIKE_FEATURES if c in (*DEMOGRAPHIC_FEATURES, s.COUNTRY)
)


class LookalikeModel:
    """Logistic regression of "top tier or not" on look-alike features.

    Parameters
    ----------
    columns : sequence of str, optional
        Candidate features; default those of :data:`LOOKALIKE_FEATURES` present at ``fit``.
        Features every training customer shares, or nobody has, are left out
        (:func:`helpers.features.usable_features`).
    C : float, default 1.0
        Inverse strength of the L2 penalty.
    seed : int, default 0
        Random state (the solver is deterministic; kept for symmetry with other models).

    Attributes
    ----------
    features_ : list of str
        The features used.
    notes_ : list of str
        Features left out, and why.
    numeric_, categorical_ : list of str
        The numeric and the categorical features used.
    categories_ : dict of str to set
        The values each categorical feature took among the training customers.
    pipeline_ : sklearn.pipeline.Pipeline
        Preprocessing and regression, fitted.
    """

    def __init__(self, columns: Sequence[str] | None = None, *, C: float = 1.0, seed: int = 0):
        self.columns = columns
        self.C = C
        self.seed = seed

    def fit(self, features: pd.DataFrame, top: pd.Series) -> LookalikeModel:
        """Fit on customers' features and whether each is top tier.

        Parameters
        ----------
        features : pandas.DataFrame
            One row per customer.
        top : pandas.Series of bool
            True for top-tier customers (aligned with ``features``; missing counts as False).

        Returns
        -------
        LookalikeModel
            ``self``.

        Warns
        -----
        helpers.checks.DataWarning
            For each feature left out (every customer shares it, or nobody has it).

        Raises
        ------
        ValueError
            If no candidate feature is present or usable (naming each and why), or the
            customers are all top tier or none is.
        """
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import Pipeline

        check_numbers("C", self.C, "> 0", lambda c: c > 0)
        wanted = list(self.columns or LOOKALIKE_FEATURES)
        present = [c for c in wanted if c in features.columns]
        if not present:
            raise ValueError(
                f"features: none of the look-alike columns {wanted} is present "
                f"(columns: {list(features.columns)})"
            )
        top = top.reindex(features.index).fillna(False).astype(bool)
        if top.nunique() < 2:
            raise ValueError(
                "look-alike model: the established customers must include top-tier and other "
                f"customers to learn from; got {int(top.sum())} top of {len(top)}"
            )
        used, notes = usable_features(features, present)
        if not used:
            raise ValueError(
                "look-alike model: no look-alike feature tells the established customers "
                "apart: " + "; ".join(notes)
            )
        warn_notes(notes)
        X = features[used]
        self.features_, self.notes_ = used, notes
        self.numeric_ = [c for c in used if is_numeric(X[c])]
        self.categorical_ = [c for c in used if c not in self.numeric_]
        self.categories_ = {c: set(X[c].dropna().astype(str)) for c in self.categorical_}
        self.pipeline_ = Pipeline(
            [
                (
                    "prep",
                    feature_pipeline(X, self.numeric_, self.categorical_, log=LOG_FEATURES),
                ),
                ("model", LogisticRegression(C=self.C, max_iter=2000, random_state=self.seed)),
            ]
        ).fit(X, top)
        return self

    def unseen_values(self, features: pd.DataFrame) -> dict[str, list[str]]:
        """Return, per categorical feature, the values in ``features`` the fit never saw."""
        self._check_fitted()
        out = {}
        for column in self.categorical_:
            if column in features.columns:
                values = features[column].dropna().astype(str)
                unseen = sorted(set(values) - self.categories_[column])
                if unseen:
                    out[column] = unseen
        return out

    def score(self, features: pd.DataFrame, *, unseen: str = "raise") -> pd.Series:
        """Return the look-alike score (the probability of being top tier) of each row.

        Missing values are imputed as at ``fit``.

        Parameters
        ----------
        features : pandas.DataFrame
            One row per person, with every column of ``features_``.
        unseen : {"raise", "ignore"}, default "raise"
            What to do with a categorical value the fit never saw (a region the customers do
            not have): raise, or score it as none of the known values.

        Returns
        -------
        pandas.Series
            Scores in [0, 1], indexed like ``features``, named ``lookalike_score``.

        Raises
        ------
        ValueError
            Naming the column: a feature column is missing, a numeric one is not numeric, a
            categorical one holds numbers, or (with ``unseen="raise"``) holds values the fit
            never saw (with an example and the known values).
        """
        self._check_fitted()
        if unseen not in ("raise", "ignore"):
            raise ValueError(f"unseen must be 'raise' or 'ignore'; got {unseen!r}")
        missing = [c for c in self.features_ if c not in features.columns]
        if missing:
            raise ValueError(
                f"features: column {missing[0]!r} is missing; the look-alike model was fitted "
                f"on {self.features_} (missing: {missing})"
            )
        for column in self.features_:
            values = features[column].dropna()
            numeric = is_numeric(features[column])
            if column in self.numeric_ and not numeric and len(values):
                raise ValueError(
                    f"features: column {column!r} must be numeric, as at fit; got "
                    f"{features[column].dtype} (e.g. {values.iloc[0]!r})"
                )
            if column in self.categorical_ and numeric and len(values):
                raise ValueError(
                    f"features: column {column!r} was text at fit and holds numbers here "
                    f"(e.g. {values.iloc[0]!r}); map the codes to their labels first"
                )
        if unseen == "raise":
            for column, values in self.unseen_values(features).items():
                count = int(features[column].astype(str).isin(values).sum())
                raise ValueError(
                    f"features: column {column!r} has {count:,} row(s) with values the "
                    f"look-alike model never saw (e.g. {values[0]!r}); known values: "
                    f"{sorted(self.categories_[column])}. Map them to a known value or to "
                    "missing, or pass unseen='ignore'"
                )
        X = features[self.features_]
        return pd.Series(
            self.pipeline_.predict_proba(X)[:, 1], index=features.index, name="lookalike_score"
        )

    def _check_fitted(self) -> None:
        if not hasattr(self, "pipeline_"):
            raise ValueError("the look-alike model is not fitted yet: call fit(features, top)")


def gains_table(top: Sequence[bool], score: Sequence[float], n_bins: int = 10) -> pd.DataFrame:
    """Cumulative gains and lift of a ranking, by top share of scores.

    For each share ``k / n_bins`` of the people with the highest scores (``ceil(share x n)``
    people, ties in input order, as :func:`helpers.churn_metrics.top_share`): how many are
    top tier, ``capture`` (their share of all the top tier: the cumulative gain) and
    ``lift`` (the top-tier rate among them / the base rate; 1 = no better than random).

    Parameters
    ----------
    top : array-like of bool
        True for the top tier.
    score : array-like of float
        Higher = more like the top tier.
    n_bins : int, default 10
        Number of shares (10: deciles).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``share``: ``people``, ``top_tier``, ``rate``, ``capture``, ``lift``.

    Raises
    ------
    ValueError
        If the lengths differ, a score is not finite, nobody is top tier, or ``n_bins`` < 1.
    """
    check_numbers("n_bins", n_bins, "an integer >= 1", lambda n: n >= 1 and n == int(n))
    y = np.asarray(top, dtype=bool)
    if not y.any():
        raise ValueError("top: nobody is top tier, so gains and lift are undefined")
    rows = []
    for k in range(1, int(n_bins) + 1):
        share = k / n_bins
        lift, capture = top_share(y, score, share)
        people = math.ceil(share * len(y))
        found = round(capture * y.sum())
        rows.append((share, people, found, found / people, capture, lift))
    columns = ["share", "people", "top_tier", "rate", "capture", "lift"]
    return pd.DataFrame(rows, columns=columns).set_index("share")


def auc_interval(
    top: Sequence[bool],
    score: Sequence[float],
    *,
    n_boot: int = 1000,
    level: float = 0.95,
    seed: int = 0,
) -> tuple[float, float]:
    """Percentile bootstrap interval of the ROC-AUC (people resampled with replacement).

    Resamples with only one class (no AUC) are drawn again.

    Parameters
    ----------
    top : array-like of bool
        True for the top tier; both classes must be present.
    score : array-like of float
        Scores.
    n_boot : int, default 1000
        Number of resamples.
    level : float, default 0.95
        Coverage of the interval.
    seed : int, default 0
        Seed of the resampling.

    Returns
    -------
    lower, upper : float
    """
    y = np.asarray(top, dtype=bool)
    p = np.asarray(score, dtype=float)
    if y.shape != p.shape or y.all() or not y.any():
        raise ValueError(
            "top and score must have the same length and top both classes; got "
            f"{len(y)} and {len(p)} values, {int(y.sum())} top"
        )
    check_share("level", level, "coverage of the interval", include_one=False)
    check_numbers("n_boot", n_boot, "an integer >= 10", lambda n: n >= 10 and n == int(n))
    rng = np.random.default_rng(seed)
    values: list[float] = []
    while len(values) < n_boot:
        pick = rng.integers(0, len(y), len(y))
        if y[pick].any() and not y[pick].all():
            values.append(float(roc_auc_score(y[pick], p[pick])))
    tail = (1 - level) / 2
    lower, upper = np.quantile(values, [tail, 1 - tail])
    return float(lower), float(upper)


@dataclass(frozen=True)
class LookalikeCheck:
    """What :func:`validate_lookalike` measured on the held-out customers.

    Attributes
    ----------
    model : LookalikeModel
        Fitted on the training customers.
    scores : pandas.Series
        The held-out customers' scores.
    top : pandas.Series
        Whether each held-out customer is top tier.
    auc : float
        ROC-AUC on the held-out customers (0.5 = random).
    auc_interval : tuple of float
        Its bootstrap interval (:func:`auc_interval`).
    gains : pandas.DataFrame
        :func:`gains_table` on the held-out customers.
    n_train, n_test : int
        Customers fitted on and held out.
    base_rate : float
        Share of the held-out customers who are top tier.
    """

    model: LookalikeModel
    scores: pd.Series
    top: pd.Series
    auc: float
    auc_interval: tuple[float, float]
    gains: pd.DataFrame
    n_train: int
    n_test: int
    base_rate: float

    def lift(self, share: float = 0.1) -> float:
        """Top-tier rate among the top ``share`` of scores / the base rate."""
        return top_share(self.top.to_numpy(), self.scores.to_numpy(), share)[0]

    def summary(self) -> str:
        """Say what the check found, in one sentence."""
        low, high = self.auc_interval
        return (
            f"held out {self.n_test:,} customers (fitted on {self.n_train:,}): ROC-AUC "
            f"{self.auc:.2f} (95% interval {low:.2f}-{high:.2f}); top decile {self.lift():.1f}x "
            f"the base rate of {self.base_rate:.0%}"
        )


def validate_lookalike(
    features: pd.DataFrame,
    top: pd.Series,
    *,
    columns: Sequence[str] | None = None,
    test_share: float = 0.3,
    n_bins: int = 10,
    n_boot: int = 1000,
    seed: int = 0,
) -> LookalikeCheck:
    """Fit the look-alike model on some established customers and test it on the others.

    The split is random and stratified by tier (the same top-tier share in both parts). A
    held-out customer with a categorical value the training part never saw (a rare country)
    is scored as none of the known values, as :meth:`LookalikeModel.score` does with
    ``unseen="ignore"``.

    Parameters
    ----------
    features : pandas.DataFrame
        One row per established customer (leave out those the model will score).
    top : pandas.Series of bool
        True for top-tier customers (aligned with ``features``; missing counts as False).
    columns : sequence of str, optional
        Features, as for :class:`LookalikeModel`.
    test_share : float, default 0.3
        Share of customers held out, in (0, 1).
    n_bins : int, default 10
        Rows of the gains table.
    n_boot : int, default 1000
        Resamples of the AUC's interval.
    seed : int, default 0
        Seed of the split, the model and the bootstrap.

    Returns
    -------
    LookalikeCheck

    Raises
    ------
    ValueError
        If ``test_share`` is not in (0, 1), or either part would lack top-tier or other
        customers; and as :meth:`LookalikeModel.fit`.
    """
    from sklearn.model_selection import train_test_split

    check_share("test_share", test_share, "of customers held out", include_one=False)
    top = top.reindex(features.index).fillna(False).astype(bool)
    counts = top.value_counts()
    if len(counts) < 2 or counts.min() * min(test_share, 1 - test_share) < 1:
        raise ValueError(
            f"validate_lookalike: {int(top.sum())} top-tier of {len(top)} customers cannot be "
            f"split {1 - test_share:.0%}/{test_share:.0%} with both kinds on each side"
        )
    train, test = train_test_split(
        features.index, test_size=test_share, stratify=top, random_state=seed
    )
    model = LookalikeModel(columns, seed=seed).fit(features.loc[train], top[train])
    scores = model.score(features.loc[test], unseen="ignore")
    held = top[test]
    return LookalikeCheck(
        model=model,
        scores=scores,
        top=held,
        auc=float(roc_auc_score(held, scores)),
        auc_interval=auc_interval(held, scores, n_boot=n_boot, seed=seed),
        gains=gains_table(held, scores, n_bins),
        n_train=len(train),
        n_test=len(test),
        base_rate=float(held.mean()),
    )


@renamed_arguments(birth_date="birth_date_col")
def prospect_features(
    prospects: pd.DataFrame,
    as_of: str | pd.Timestamp,
    *,
    id_col: str = "prospect_id",
    birth_date_col: str = s.BIRTH_DATE,
) -> pd.DataFrame:
    """Build the profile features of a prospects table, as :func:`customer_features` does.

    ``age`` (years at ``as_of``) from the birth date and the columns of
    :data:`helpers.features.DEMOGRAPHIC_FEATURES` present.

    Parameters
    ----------
    prospects : pandas.DataFrame
        One row per prospect: ``id_col`` and the attributes.
    as_of : str or pandas.Timestamp
        The analysis date (ages are counted to it).
    id_col, birth_date_col : str
        Column names of the prospect id and the birth date (old name ``birth_date``).

    Returns
    -------
    pandas.DataFrame
        Indexed by prospect (the index named ``id_col``).

    Raises
    ------
    ValueError
        If ``id_col`` is missing or an id repeats.
    """
    out = demographic_features(
        prospects,
        to_timestamp(as_of, "as_of"),
        customer_col=id_col,
        birth_date_col=birth_date_col,
        columns=DEMOGRAPHIC_FEATURES,
    )
    return out.rename_axis(id_col)

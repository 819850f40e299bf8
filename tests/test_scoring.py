"""helpers.scoring: one snapshot in, the cleaning run once per analysis date."""

from __future__ import annotations

import pandas as pd
import pytest

from helpers import churn, cleaning, scoring, strategy
from helpers.snapshot import take_snapshot
from helpers.synthetic import make_synthetic

AS_OF = pd.Timestamp("2025-01-01")
SETTINGS = {"window_days": 60, "horizon_months": 6, "n_tiers": 4}


@pytest.fixture(scope="module")
def raw() -> pd.DataFrame:
    shop = make_synthetic(seed=3, n_customers=300)  # with dirt: returns, NaT dates, credits
    lines = shop.order_lines.copy()
    lines["invoice_date"] = pd.to_datetime(lines["invoice_date"], errors="coerce")
    return lines


@pytest.fixture
def analyses(monkeypatch) -> list[int]:
    """The number of lines of every run of the cleaning analysis, in order."""
    calls: list[int] = []
    analyse = cleaning._analyse

    def counting(df, *args, **kwargs):
        calls.append(len(df))
        return analyse(df, *args, **kwargs)

    monkeypatch.setattr(cleaning, "_analyse", counting)
    return calls


def test_score_customers_cleans_once_per_analysis_date(raw, analyses):
    snapshot = take_snapshot(raw, AS_OF)
    assert len(analyses) == 1  # the analysis date
    scoring.score_customers(snapshot, **SETTINGS)
    cutoff = AS_OF - pd.Timedelta(days=60)
    before_cutoff = int((~(raw["invoice_date"] >= cutoff)).sum())  # undated lines included
    # one more: the lines before the churn model's training cutoff, as they were known then
    assert analyses[1:] == [before_cutoff]


def test_the_snapshot_route_gives_the_features_of_cleaning_raw_lines(raw):
    snapshot = take_snapshot(raw, AS_OF)
    for as_of in (AS_OF, AS_OF - pd.Timedelta(days=60)):
        via_snapshot = churn.churn_features(snapshot, as_of)
        from_raw = churn.churn_features(raw, as_of)
        pd.testing.assert_frame_equal(via_snapshot, from_raw)
    train = churn.churn_snapshot(snapshot, AS_OF - pd.Timedelta(days=60), 60)
    raw_before = raw[~(raw["invoice_date"] >= AS_OF)]
    clean, _ = cleaning.clean_transactions(raw_before)
    old = churn.churn_snapshot(raw_before, AS_OF - pd.Timedelta(days=60), 60, clean=clean,
                               data_end=AS_OF)  # fmt: skip
    pd.testing.assert_frame_equal(train, old)


def test_the_old_strategy_functions_warn_and_give_the_same_scores(raw):
    snapshot = take_snapshot(raw, AS_OF)
    new = scoring.score_customers(snapshot, **SETTINGS)[0]
    with pytest.warns(FutureWarning, match="moved to helpers.scoring.score_customers"):
        old = strategy.score_customers(
            raw, snapshot.clean, AS_OF, reasons=snapshot.reasons, **SETTINGS
        )[0]
    pd.testing.assert_frame_equal(old, new)
    with pytest.warns(FutureWarning, match="moved to helpers.scoring.churn_risk"):
        p_old, _ = strategy.churn_risk(raw, AS_OF, 60)
    p_new, _ = scoring.churn_risk(snapshot, 60)
    pd.testing.assert_series_equal(p_old, p_new)
    with pytest.raises(AttributeError, match="no attribute 'scores'"):
        strategy.scores  # noqa: B018


def test_cleaned_is_deprecated_and_a_snapshot_refuses_other_settings(raw):
    snapshot = take_snapshot(raw, AS_OF)
    with pytest.warns(FutureWarning, match="cleaned= is deprecated"):
        churn.churn_features(snapshot.raw, AS_OF, cleaned=(snapshot.clean, snapshot.reasons))
    with pytest.raises(TypeError, match="a snapshot holds its cleaning"):
        churn.churn_features(snapshot, AS_OF, cleaning={"outlier_z": 5})
    with pytest.raises(ValueError, match="customer_col='client' but the snapshot"):
        churn.churn_features(snapshot, AS_OF, customer_col="client")

"""Tests of helpers.churn: expected values worked out by hand on tiny frames."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers import churn
from helpers.cleaning import clean_transactions
from helpers.clustering import customer_features
from helpers.datasets import load_synthetic


def _lines(rows: list[tuple]) -> pd.DataFrame:
    """Raw order lines from (invoice, date, customer, product, quantity, price) tuples."""
    df = pd.DataFrame(
        rows,
        columns=[
            "invoice_id",
            "invoice_date",
            "customer_id",
            "product_id",
            "quantity",
            "unit_price",
        ],
    )
    df["invoice_date"] = pd.to_datetime(df["invoice_date"])
    return df


@pytest.fixture
def raw() -> pd.DataFrame:
    # cutoff 2024-02-01, horizon 30 days: label window [2024-02-01, 2024-03-02)
    return _lines(
        [
            ("1", "2023-12-20 10:00", "A", "P1", 3, 10.0),  # 30.0, earlier trend window
            ("2", "2024-01-05 10:00", "A", "P1", 2, 5.0),  # 10.0, recent window
            ("3", "2024-01-10 10:00", "D", "P2", 1, 4.0),
            ("4", "2024-01-20 10:00", "B", "P2", 2, 4.0),
            ("5", "2024-02-05 10:00", "C", "P1", 1, 5.0),  # C: new after the cutoff
            ("6", "2024-02-10 10:00", "A", "P2", 1, 4.0),  # A buys in the window
            ("C7", "2024-02-12 10:00", "A", "P1", -1, 5.0),  # A returns one unit of line 2
            ("8", "2024-03-05 10:00", "D", "P2", 1, 4.0),  # D buys after the window
        ]
    )


# --- labels and features ------------------------------------------------------------------------


def test_labels_by_hand(raw):
    clean, _ = clean_transactions(raw)
    labels = churn.churn_labels(clean, "2024-02-01", 30)
    # at risk: A, B, D (C first bought after the cutoff); A bought in the window, B never,
    # D only after the window ends on 2024-03-02
    assert labels.to_dict() == {"A": False, "B": True, "D": True}
    assert labels.attrs["window_end"] == pd.Timestamp("2024-03-02")


def test_label_window_is_half_open(raw):
    clean, _ = clean_transactions(raw)
    # a purchase exactly at the cutoff is in the window; one at the window end is not
    assert not churn.churn_labels(clean, "2024-02-10 10:00", 1)["A"]
    # a line exactly at the cutoff is not history: D is not yet at risk then
    assert "D" not in churn.churn_labels(clean, "2024-01-10 10:00", 1).index
    labels = churn.churn_labels(clean, "2024-02-09 10:00", 1)  # window ends at A's purchase
    assert labels["A"]


def test_features_by_hand(raw):
    contacts = pd.DataFrame(
        {
            "contact_id": ["K1", "K2", "K3"],
            "customer_id": ["A", "A", "D"],
            "contact_date": pd.to_datetime(
                ["2024-01-15 09:00", "2024-02-15 09:00", "2024-01-31 23:59"]
            ),
            "cost": [2.5, 9.0, 1.0],
        }
    )
    features = churn.churn_features(raw, "2024-02-01", contacts=contacts, trend_days=30)
    assert list(features.index) == ["A", "B", "D"]
    a = features.loc["A"]
    # recent window [2024-01-02, 2024-02-01): 2 x 5.0; earlier [2023-12-03, 2024-01-02): 3 x 10
    assert a["spend_recent"] == 10.0 and a["spend_earlier"] == 30.0
    assert a["spend_trend"] == pytest.approx((10 - 30) / 40)
    # the return on 2024-02-12 is after the cutoff: it does not shrink the purchase of line 2
    assert a["monetary"] == 40.0 and a["return_rate"] == 0.0
    assert a["contacts"] == 1 and a["contact_cost"] == 2.5  # the 2024-02-15 contact is future
    assert features.loc["B", "spend_trend"] == 1.0  # only recent spend
    assert features.loc["B", ["contacts", "contact_cost"]].tolist() == [0.0, 0.0]
    assert features.loc["D", "contact_cost"] == 1.0
    assert features.attrs["cutoff"] == pd.Timestamp("2024-02-01")


def test_features_on_full_and_truncated_data_are_identical(raw):
    cutoff = pd.Timestamp("2024-02-01")
    full = churn.churn_features(raw, cutoff)
    truncated = churn.churn_features(raw[raw["invoice_date"] < cutoff], cutoff)
    pd.testing.assert_frame_equal(full, truncated)
    # cleaning the full file first would leak: the later return nets against line 2
    clean_full, _ = clean_transactions(raw)
    leaky = customer_features(clean_full, cutoff)
    assert leaky.loc["A", "monetary"] == 35.0 != full.loc["A", "monetary"]


def test_no_leakage_on_the_synthetic_data():
    data = load_synthetic()
    cutoff = pd.Timestamp("2024-06-01")
    kw = {"products": data.products, "customers": data.customers, "contacts": data.contacts}
    full = churn.churn_features(data.order_lines, cutoff, **kw)
    lines = data.order_lines
    before = lines[lines["invoice_date"] < cutoff]
    contacts = data.contacts[data.contacts["contact_date"] < cutoff]
    truncated = churn.churn_features(before, cutoff, **{**kw, "contacts": contacts})
    pd.testing.assert_frame_equal(full, truncated)


def test_snapshot_joins_features_and_labels(raw):
    snapshot = churn.churn_snapshot(raw, "2024-02-01", 30)
    assert snapshot[churn.CHURN].to_dict() == {"A": False, "B": True, "D": True}
    assert snapshot.attrs["window_end"] == pd.Timestamp("2024-03-02")
    stacked = churn.build_snapshots(raw, ["2024-01-15", "2024-02-01"], 30)
    assert stacked.index.names == ["cutoff", "customer_id"]
    # on 2024-01-15 only A and D have bought; window [2024-01-15, 2024-02-14): A buys on
    # 2024-02-10, D not until 2024-03-05
    first = stacked.loc[pd.Timestamp("2024-01-15")]
    assert first[churn.CHURN].to_dict() == {"A": False, "D": True}
    assert stacked.attrs["window_ends"] == [pd.Timestamp("2024-02-14"), pd.Timestamp("2024-03-02")]


def test_temporal_cutoffs_by_hand():
    train, test = churn.temporal_cutoffs("2024-01-01", "2024-12-31", 60, n_train=3, spacing_days=30)
    # 2024-12-31 - 60 days = 2024-11-01; minus 60 = 2024-09-02; then 30 days apart
    assert test == pd.Timestamp("2024-11-01")
    assert train == [pd.Timestamp(d) for d in ("2024-07-04", "2024-08-03", "2024-09-02")]
    # every training label window ends at or before the test cutoff
    assert all(c + pd.Timedelta(days=60) <= test for c in train)


# --- bad input ----------------------------------------------------------------------------------


def test_cutoff_before_the_data_is_an_error(raw):
    clean, _ = clean_transactions(raw)
    with pytest.raises(ValueError, match="cutoff 2023-12-01.*before the first line"):
        churn.churn_labels(clean, "2023-12-01", 30)
    with pytest.raises(ValueError, match="no history"):
        churn.churn_features(raw, "2023-12-20")


def test_horizon_beyond_the_data_end_is_an_error(raw):
    clean, _ = clean_transactions(raw)
    # data end: midnight after 2024-03-05; a 40-day window from 2024-02-01 ends 2024-03-12
    with pytest.raises(ValueError, match=r"ends after the data end 2024-03-06.*2024-01-26"):
        churn.churn_labels(clean, "2024-02-01", 40)
    with pytest.raises(ValueError, match="horizon_days"):
        churn.churn_labels(clean, "2024-02-01", 0)


def test_too_many_cutoffs_for_the_data_is_an_error():
    with pytest.raises(ValueError, match="min_history_days=90.*n_train=8"):
        churn.temporal_cutoffs("2024-01-01", "2024-12-31", 60, n_train=8, spacing_days=30)


def test_missing_columns_are_named(raw):
    with pytest.raises(ValueError, match="'customer_id' is required but missing"):
        churn.churn_labels(raw.drop(columns="customer_id"), "2024-02-01", 30)
    with pytest.raises(ValueError, match="contacts: column 'cost'"):
        contacts = pd.DataFrame({"customer_id": ["A"], "contact_date": ["2024-01-01"]})
        churn.churn_features(raw, "2024-02-01", contacts=contacts)
    with pytest.raises(ValueError, match="'recency' is required"):
        churn.RecencyRule().fit(pd.DataFrame({"r": [1, 2]}), [True, False])
    with pytest.raises(ValueError, match="'tenure' is required"):
        churn.value_at_risk(pd.DataFrame({"monetary": [1.0]}), 90)


# --- baseline, metrics, campaign ----------------------------------------------------------------


def test_recency_rule_by_hand():
    X = pd.DataFrame({"recency": [10, 20, 30, 40, 50]})
    y = [False, False, True, False, True]
    rule = churn.RecencyRule().fit(X, y)
    # Youden's J = TPR - FPR above t: t=10: 1 - 2/3; t=20: 1 - 1/3 (best); t=30: 1/2 - 1/3;
    # t=40: 1/2 - 0; t=50: 0
    assert rule.threshold_ == 20
    # churn rate at or below 20: 0/2; above: 2/3
    np.testing.assert_allclose(
        rule.predict_proba(pd.DataFrame({"recency": [5, 25]}))[:, 1], [0, 2 / 3]
    )
    assert rule.predict(pd.DataFrame({"recency": [20, 21]})).tolist() == [False, True]
    fixed = churn.RecencyRule(threshold=35).fit(X, y)
    assert fixed.threshold_ == 35 and fixed.rates_.tolist() == [pytest.approx(1 / 3), 0.5]


def test_lift_and_capture_by_hand():
    y = [1, 0, 1, 0, 0, 0, 0, 0, 1, 0]  # 3 churners in 10: rate 0.3
    score = [0.9, 0.8, 0.7, 0.1, 0.2, 0.3, 0.1, 0.2, 0.05, 0.0]
    # top 20% = 2 customers (rows 0, 1): 1 churner -> rate 0.5, lift 0.5 / 0.3, capture 1/3
    lift, capture = churn.top_share(y, score, 0.2)
    assert lift == pytest.approx(5 / 3) and capture == pytest.approx(1 / 3)
    # top 25% = ceil(2.5) = 3 customers (rows 0, 1, 2): 2 churners -> 2/3 / 0.3, capture 2/3
    lift, capture = churn.top_share(y, score, 0.25)
    assert lift == pytest.approx((2 / 3) / 0.3) and capture == pytest.approx(2 / 3)
    metrics = churn.churn_metrics(y, score, share=0.2)
    # Brier: mean of (score - y)^2
    brier = np.mean((np.array(score) - np.array(y)) ** 2)
    assert metrics["brier"] == pytest.approx(brier)
    assert metrics["lift"] == pytest.approx(5 / 3)
    # ROC-AUC: of the 3 x 7 churner/stayer pairs, the churner scores higher in 14 (no ties):
    # 0.9 beats all 7, 0.7 beats 6 (not 0.8), 0.05 beats only 0.0
    assert metrics["roc_auc"] == pytest.approx((7 + 6 + 1) / 21)


def test_metrics_reject_bad_input():
    with pytest.raises(ValueError, match="same length"):
        churn.churn_metrics([True, False], [0.5])
    with pytest.raises(ValueError, match="share must be in"):
        churn.top_share([True, False], [0.5, 0.1], 0)
    with pytest.raises(ValueError, match="no churner"):
        churn.top_share([False, False], [0.5, 0.1])


def test_campaign_choice_by_hand():
    p = pd.Series([0.8, 0.5, 0.1, 0.9], index=["a", "b", "c", "d"])
    value = pd.Series([100.0, 50.0, 200.0, 10.0], index=["a", "b", "c", "d"])
    table = churn.retention_campaign(p, value, save_rate=0.5, offer_cost=5.0)
    # expected value = p * value * 0.5 - 5: a 35, b 7.5, c 5, d -0.5
    assert list(table.index) == ["a", "b", "c", "d"]
    assert table["expected_value"].tolist() == pytest.approx([35, 7.5, 5, -0.5])
    assert table["cumulative_value"].tolist() == pytest.approx([35, 42.5, 47.5, 47.0])
    assert table.attrs["size"] == 3 and table.attrs["value"] == pytest.approx(47.5)
    assert table["contact"].tolist() == [True, True, True, False]
    # an offer dearer than anything it can save: no campaign
    none = churn.retention_campaign(p, value, save_rate=0.5, offer_cost=50.0)
    assert none.attrs["size"] == 0 and none.attrs["value"] == 0.0


def test_campaign_rejects_bad_input():
    p = pd.Series([0.8, 1.2], index=["a", "b"])
    with pytest.raises(ValueError, match=r"p_churn must be in \[0, 1\].*1.2 for index 'b'"):
        churn.retention_campaign(p, 10.0, save_rate=0.5, offer_cost=1.0)
    with pytest.raises(ValueError, match="save_rate"):
        churn.retention_campaign(p.clip(upper=1), 10.0, save_rate=0, offer_cost=1.0)
    with pytest.raises(ValueError, match="value must be >= 0"):
        churn.retention_campaign(
            p.clip(upper=1), pd.Series([1.0], index=["a"]), save_rate=0.5, offer_cost=1.0
        )


def test_value_at_risk_by_hand():
    features = pd.DataFrame({"monetary": [365.0, 100.0], "tenure": [365.0, 10.0]})
    # 1 per day over a year -> 90 in 90 days; a new customer: 100 over max(10, 90) days
    assert churn.value_at_risk(features, 90).tolist() == pytest.approx([90.0, 100.0])


# --- models and telco ---------------------------------------------------------------------------


def test_models_are_pipelines_that_fit():
    rng = np.random.default_rng(0)
    n = 400
    X = pd.DataFrame(
        {
            "recency": rng.integers(0, 300, n).astype(float),
            "frequency": rng.integers(1, 10, n).astype(float),
            "region": rng.choice(["North", "South"], n),
        }
    )
    y = X["recency"] + rng.normal(0, 50, n) > 150
    models = churn.make_models(X, seed=0)
    assert tuple(models) == churn.MODEL_NAMES
    table, scores = churn.compare_models(models, X[:300], y[:300], X[300:], y[300:])
    assert (table["roc_auc"] > 0.75).all()
    assert all(len(s) == 100 for s in scores.values())
    importance = churn.importance_table(models["logistic regression"], X[300:], y[300:])
    assert importance.index[0] == "recency"
    cv, oof = churn.cross_validate_models(
        {"lr": churn.make_models(X)["logistic regression"]}, X, y, n_splits=3
    )
    assert cv.loc["lr", "roc_auc"] > 0.75 and len(oof["lr"]) == n
    calibration = churn.calibration_table(y, oof["lr"], n_bins=4)
    assert len(calibration) == 4 and calibration["observed"].between(0, 1).all()


def test_telco_features_handle_blank_total_charges():
    telco = pd.DataFrame(
        {
            "customer_id": ["1", "2"],
            "senior_citizen": [0, 1],
            "tenure_months": [0, 12],
            "monthly_charges": [50.0, 20.0],
            "total_charges": [np.nan, 240.0],
            "contract": ["Month-to-month", "Two year"],
            "churn": [False, True],
        }
    )
    X, y = churn.telco_features(telco)
    assert X["total_charges"].tolist() == [0.0, 240.0]  # first month: nothing billed yet
    assert X["senior_citizen"].tolist() == ["No", "Yes"]
    assert "customer_id" not in X.columns and y.tolist() == [False, True]
    assert X.attrs["blank_total_charges"] == 1
    telco.loc[1, "total_charges"] = np.nan
    with pytest.raises(ValueError, match="blank for 1 customer.*tenure_months > 0"):
        churn.telco_features(telco)

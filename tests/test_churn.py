"""Tests of helpers.churn (labels, features, cutoffs, snapshots, Telco), by hand on tiny frames."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import order_lines

from helpers import churn
from helpers.cleaning import clean_transactions
from helpers.datasets import load_synthetic
from helpers.features import customer_features


@pytest.fixture
def raw() -> pd.DataFrame:
    # cutoff 2024-02-01, horizon 30 days: label window [2024-02-01, 2024-03-02)
    return order_lines(
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
    assert features.attrs["as_of"] == features.attrs["cutoff"] == pd.Timestamp("2024-02-01")


def test_a_purchase_and_a_return_exactly_at_the_cutoff_are_future(raw):
    # A returns a unit of line 2 and B buys again, both exactly at the cutoff: lines at the
    # cutoff belong to the label window, so the features equal those of the lines cut before
    # it (a history taken with <= would net the return against line 2, A's monetary 35 not 40)
    cutoff = pd.Timestamp("2024-02-01")
    boundary = order_lines(
        [
            ("C9", "2024-02-01 00:00", "A", "P1", -1, 5.0),
            ("10", "2024-02-01 00:00", "B", "P1", 4, 5.0),
        ]
    )
    lines = pd.concat([raw, boundary], ignore_index=True)
    expected = churn.churn_features(raw[raw["invoice_date"] < cutoff], cutoff)
    pd.testing.assert_frame_equal(churn.churn_features(lines, cutoff), expected)
    assert expected.loc["A", "monetary"] == 40.0 and expected.loc["B", "frequency"] == 1
    # one day later the boundary lines are history, and the features change
    later = churn.churn_features(lines, cutoff + pd.Timedelta(days=1))
    assert later.loc["A", "monetary"] == 35.0 and later.loc["B", "frequency"] == 2


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
    with pytest.raises(ValueError, match="as_of 2023-12-01.*before the first line"):
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


# --- telco ---------------------------------------------------------------------------------------


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

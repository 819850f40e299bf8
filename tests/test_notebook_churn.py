"""Chapter 06 (churn) run with papermill on other parameters; recorded results checked.

Expected values come from the literature (Telco logistic regression ROC-AUC about 0.84) and
from counts made here on the raw data, not from helpers.churn.
"""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import real_file
from test_notebooks import run

from helpers.cleaning import clean_transactions
from helpers.datasets import load_online_retail

pytestmark = pytest.mark.notebook

MODELS = ("logistic regression", "decision tree", "random forest", "gradient boosting")


def _check_models(results: dict, tolerance: float = 0.01) -> None:
    assert results["leakage_check"] is True
    assert set(results["auc"]) == set(MODELS)
    assert 0.5 < results["baseline_auc"] < 1
    for name, auc in results["auc"].items():
        assert 0.5 < auc < 1, name
        assert auc > results["baseline_auc"] - tolerance, name
    assert all(lift >= 1 for lift in results["top_decile_lift"].values())


@pytest.mark.realdata
def test_churn_chapter_on_synthetic_with_a_60_day_horizon(tmp_path):
    real_file("telco_customer_churn.csv")
    results = run("06_churn.ipynb", tmp_path, HORIZON_DAYS=60, SEED=1)
    assert results["dataset"] == "synthetic" and results["horizon_days"] == 60
    _check_models(results)
    # the test cutoff is the last day with a full 60-day window before 2025-01-01
    assert pd.Timestamp(results["test_cutoff"]) == pd.Timestamp("2024-11-02")
    assert 0 < results["churn_rate"] < 1
    truth = results["truth_auc"]
    assert all(0.7 < auc < 1 for auc in truth.values())
    assert 0.80 <= results["telco_auc"]["logistic regression"] <= 0.88
    assert results["campaign_size"] > 0 and results["campaign_value"] > 0


def test_churn_chapter_runs_without_telco(tmp_path, monkeypatch):
    # no Telco file: the section is skipped, the rest runs and records telco_auc = None
    monkeypatch.setenv("CVL_DATA_DIR", str(tmp_path))
    results = run("06_churn.ipynb", tmp_path, HORIZON_DAYS=120, N_CUTOFFS=2)
    _check_models(results, tolerance=0.02)
    assert results["telco_auc"] is None
    assert len(results["train_cutoffs"]) == 2


@pytest.mark.realdata
def test_churn_chapter_on_online_retail(tmp_path):
    path = real_file("online_retail_2010_2011.csv.gz")
    results = run("06_churn.ipynb", tmp_path, DATASET="online_retail")
    assert results["dataset"] == "online_retail"
    _check_models(results, tolerance=0.02)
    assert results["truth_auc"] is None
    # n_test: customers with a clean purchase before the test cutoff, counted independently
    cutoff = pd.Timestamp(results["test_cutoff"])
    raw = load_online_retail(path)
    clean, _ = clean_transactions(raw[raw["invoice_date"] < cutoff])
    assert results["n_test"] == clean["customer_id"].nunique()
    assert cutoff == pd.Timestamp("2011-12-10") - pd.Timedelta(days=90)

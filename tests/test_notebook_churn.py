"""Chapter 06 (churn) run with papermill on other parameters; recorded results checked.

Expected values come from the literature (Telco logistic regression ROC-AUC about 0.84) and
from counts made here on the raw data, not from helpers.churn.

Two runs, each as small as what it asserts allows (nbval already runs the chapter on its
defaults): a small synthetic dataset of another seed without the Telco file (the models,
the baseline, the leakage check and the skip message), and Online Retail with one training
cutoff and the Telco file (real data, the Telco ROC-AUC).
"""

from __future__ import annotations

import nbformat
import pandas as pd
import pytest
from conftest import ROOT, real_file
from test_notebooks import NOTEBOOKS, run

from helpers.cleaning import clean_transactions
from helpers.datasets import load_online_retail
from helpers.notebook import read_results
from helpers.synthetic import make_synthetic, write_synthetic

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


def _printed(path) -> str:
    """Everything the executed notebook printed."""
    cells = nbformat.read(path, as_version=4).cells
    return "".join(o.get("text", "") for c in cells for o in c.get("outputs", []))


def test_churn_chapter_on_small_synthetic_data_without_telco(tmp_path, monkeypatch):
    # 1,200 customers of another seed, a 60-day horizon, two training cutoffs; no Telco file
    # (Telco is committed in datasets/, so TELCO_PATH names a file that does not exist):
    # the section is skipped with a message and telco_auc is None
    write_synthetic(make_synthetic(seed=7, n_customers=1200), tmp_path / "synthetic")
    monkeypatch.setenv("CVL_DATA_DIR", str(tmp_path / "no_data"))
    parameters = {"HORIZON_DAYS": 60, "N_CUTOFFS": 2, "SEED": 1}
    missing_telco = str(tmp_path / "no_data" / "telco_customer_churn.csv")
    results = run(
        "06_churn.ipynb",
        tmp_path,
        DATA_PATH=str(tmp_path / "synthetic"),
        TELCO_PATH=missing_telco,
        **parameters,
    )
    assert results["dataset"] == "synthetic" and results["horizon_days"] == 60
    _check_models(results)
    # the test cutoff is the last day with a full 60-day window before 2025-01-01
    assert pd.Timestamp(results["test_cutoff"]) == pd.Timestamp("2024-11-02")
    assert len(results["train_cutoffs"]) == 2
    assert 0 < results["churn_rate"] < 1
    assert all(0.7 < auc < 1 for auc in results["truth_auc"].values())
    assert results["campaign_size"] > 0 and results["campaign_value"] > 0
    assert results["telco_auc"] is None
    printed = _printed(tmp_path / "06_churn.ipynb")
    assert f"Telco section skipped: telco: no file at {missing_telco}" in printed


@pytest.mark.realdata
def test_churn_chapter_on_online_retail_and_telco(tmp_path):
    path = real_file("online_retail_2010_2011.csv.gz")
    real_file("telco_customer_churn.csv")
    results = run("06_churn.ipynb", tmp_path, DATASET="online_retail", N_CUTOFFS=1)
    assert results["dataset"] == "online_retail"
    _check_models(results, tolerance=0.02)
    assert results["truth_auc"] is None
    # n_test: customers with a clean purchase before the test cutoff, counted independently
    cutoff = pd.Timestamp(results["test_cutoff"])
    raw = load_online_retail(path)
    clean, _ = clean_transactions(raw[raw["invoice_date"] < cutoff])
    assert results["n_test"] == clean["customer_id"].nunique()
    assert cutoff == pd.Timestamp("2011-12-10") - pd.Timedelta(days=90)
    # Telco (the file is there): logistic regression near the usual 0.84
    assert 0.80 <= results["telco_auc"]["logistic regression"] <= 0.88


def _markdown(path) -> str:
    cells = nbformat.read(path, as_version=4).cells
    return "".join(c.source for c in cells if c.cell_type == "markdown")


def test_committed_chapter_prose_matches_its_recorded_results():
    # the claims of the prose on the default data, checked against the committed run
    path = NOTEBOOKS / "06_churn.ipynb"
    results, text = read_results(path), _markdown(path)
    # "every model beats the rule": each paired interval of the AUC difference above 0
    assert set(results["auc_vs_rule"]) == set(MODELS)
    for name, (estimate, lower, upper) in results["auc_vs_rule"].items():
        assert 0 < lower < estimate < upper, name
        assert estimate == pytest.approx(
            results["auc"][name] - results["baseline_auc"], abs=2e-4
        ), name
    # "gradient boosting is ahead of the decision tree and of logistic regression (by less
    # than 0.01), cannot be told from the random forest"
    assert results["best_model"] == "gradient boosting"
    leader = results["auc_vs_leader"]
    assert leader["decision tree"][1] > 0 and leader["logistic regression"][1] > 0
    assert leader["logistic regression"][0] < 0.01
    assert leader["random forest"][1] < 0 < leader["random forest"][2]
    # Telco: "the tree ensembles do no better": both intervals include 0
    for name, (_, lower, upper) in results["telco_auc_vs_logistic"].items():
        assert lower < 0 < upper, name
    # "the curves sit below the diagonal": observed below predicted in every bin
    calibration = results["calibration"]
    assert all(
        o < p for o, p in zip(calibration["observed"], calibration["predicted"], strict=True)
    )
    assert "sit below the diagonal" in text and "above the diagonal" not in text
    # the seasonal mismatch: training windows April-October, test October-December
    windows = results["label_windows"]
    first, last = map(pd.Timestamp, windows["training label windows"])
    test_first, test_last = map(pd.Timestamp, windows["test label window"])
    assert (first.month, last.month, test_first.month, test_last.month) == (4, 10, 10, 12)
    assert "between April and October" in text and "October to December" in text
    # the lower test churn rate and the lift ceiling 1 / churn rate (1 / 0.557, about 1.79)
    assert results["churn_rate"] < min(results["train_churn_rates"])
    assert results["lift_ceiling"] == pytest.approx(1 / results["churn_rate"], rel=1e-3)
    assert max(results["top_decile_lift"].values()) <= results["lift_ceiling"]
    # no pointer outside the repository
    assert "reference article" not in text and "shared/reference" not in text


def _telco_raw() -> pd.DataFrame:
    """The committed Telco file as IBM publishes it, read here with pandas alone."""
    return pd.read_csv(ROOT / "datasets" / "telco_customer_churn.csv.gz", dtype=str)


def test_committed_telco_numbers_of_the_prose():
    """Section 10's counts and the contract-type baseline, from the raw file by hand."""
    from sklearn.metrics import roc_auc_score

    results = read_results(NOTEBOOKS / "06_churn.ipynb")
    raw = _telco_raw()
    assert results["telco_n"] == len(raw) == 7_043  # the data set's documented size
    blank = raw["TotalCharges"].str.strip() == ""
    assert results["telco_blank_total_charges"] == blank.sum() == 11
    assert (raw.loc[blank, "tenure"].astype(int) == 0).all()
    # the contract type alone: each customer scored by their contract's churn rate
    churned = raw["Churn"] == "Yes"
    rate = churned.groupby(raw["Contract"]).transform("mean")
    assert results["telco_contract_auc"] == pytest.approx(roc_auc_score(churned, rate), abs=1e-4)
    assert results["telco_contract_auc"] < min(results["telco_auc"].values())


def test_committed_recalibration_gain_has_an_interval_below_zero():
    """Section 6.1: "recalibrating lowers the next period's Brier score", with its interval."""
    results = read_results(NOTEBOOKS / "06_churn.ipynb")
    as_fitted, recalibrated = results["recalibration_brier"]
    estimate, lower, upper = results["recalibration_brier_difference"]
    assert lower < estimate < upper < 0  # recalibrated minus as fitted: lower everywhere
    assert estimate == pytest.approx(recalibrated - as_fitted, abs=2e-4)

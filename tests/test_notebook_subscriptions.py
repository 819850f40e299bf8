"""Chapter 07 (subscriptions) run with papermill; recorded results checked.

Expected values come from the literature (Fader & Hardie 2007's fits and actual survivors),
from the synthetic gift box club's truth table, from counts made here with plain pandas, and
from lifelines' own estimators on IBM Telco, never from the chapter's output. Every number the
chapter's prose states (medians, hazard ratios "about thirty / six", "within about six points",
"several times more") is pinned here.

Two runs: the defaults (the embedded club and the committed Telco file), and without Telco
(sections 4 and 5 skipped with a message, the exercises on other data "cannot check").
"""

from __future__ import annotations

import nbformat
import numpy as np
import pandas as pd
import pytest
from test_notebooks import run

from helpers import exercises
from helpers.datasets import load_synthetic, load_telco
from helpers.exercises import subscriptions  # noqa: F401 - registers 07.x

pytestmark = [
    pytest.mark.notebook,
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),  # pandas notices inside lifelines
]

NAME = "07_subscriptions.ipynb"

#: Fader & Hardie (2007), "How to Project Customer Retention", Table 1 and the fits on years 0-7.
PAPER = {
    "regular": {
        "survivors": [1000, 631, 468, 382, 326, 289, 262, 241, 223, 207, 194, 183, 173],
        "alpha": 0.704,
        "beta": 1.182,
        "log_likelihood": -1680.27,
    },
    "high end": {
        "survivors": [1000, 869, 743, 653, 593, 551, 517, 491, 468, 445, 427, 409, 394],
        "alpha": 0.668,
        "beta": 3.806,
        "log_likelihood": -1611.16,
    },
}


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> dict:
    return run(NAME, tmp_path_factory.mktemp("subscriptions"))


@pytest.fixture(scope="module")
def club() -> pd.DataFrame:
    shop = load_synthetic()
    return shop.subscriptions.merge(shop.subscriptions_truth, on="subscription_id")


@pytest.fixture(scope="module")
def telco() -> pd.DataFrame:
    return load_telco()


def test_cohort_headline_equals_plain_counts(results, club):
    # a cohort signed up in month c is (2024-12 - c) months old; at month k pool the cohorts
    # at least k months old: the share that paid for more than k months
    age = (pd.Period("2024-12", "M") - pd.PeriodIndex(club["signup_month"], freq="M")).map(
        lambda offset: offset.n
    )
    for k in (1, 6, 12):
        old_enough = club[np.asarray(age) >= k]
        expected = (old_enough["months_active"] > k).mean()
        assert results["retention_headline"][str(k)] == pytest.approx(expected, abs=1e-4)
    assert results["n_subscriptions"] == len(club) == 3000
    # one cohort per signup month, 2023-01 to 2024-12
    assert results["n_cohorts"] == club["signup_month"].nunique() == 24
    assert results["n_active"] == club["active"].sum()
    # the prose: month 1 loses more than months 7 to 12 together
    headline = results["retention_headline"]
    assert 1 - headline["1"] > headline["6"] - headline["12"]


def test_paper_fits_and_projections_are_the_published_ones(results):
    for segment, paper in PAPER.items():
        fit = results["paper_fits"][segment]
        assert fit["alpha"] == pytest.approx(paper["alpha"], abs=6e-4)
        assert fit["beta"] == pytest.approx(paper["beta"], abs=6e-4)
        assert fit["log_likelihood"] == pytest.approx(paper["log_likelihood"], abs=0.01)
        actual = np.array(paper["survivors"][8:], dtype=float)
        projected = results["paper_projection"][segment]
        # the sBG within 5% of what happened over years 8-12; the constant rate short by a
        # fifth or more every year
        assert np.all(np.abs(np.array(projected["sBG"]) / actual - 1) < 0.05)
        assert np.all(np.array(projected["constant rate"]) < 0.8 * actual)
    # the prose: the constant rate has lost nearly the whole regular segment by year 12
    assert results["paper_projection"]["regular"]["constant rate"][-1] < 0.05 * 173
    # the prose's largest error of the sBG over years 8-12, from the published survivors
    errors = [
        abs(projected / actual - 1)
        for segment, paper in PAPER.items()
        for projected, actual in zip(
            results["paper_projection"][segment]["sBG"], paper["survivors"][8:], strict=True
        )
    ]
    assert results["paper_projection_max_error"] == pytest.approx(max(errors), abs=5e-4)


def test_club_fit_covers_the_truth_and_projects_the_true_lifetimes(results, club):
    true = {"alpha": club["population_alpha"].iloc[0], "beta": club["population_beta"].iloc[0]}
    assert true == {"alpha": 0.8, "beta": 4.0}
    for name, value in true.items():
        fit = results["club_fit"][name]
        assert fit["lower_95"] <= value <= fit["upper_95"]
    assert results["club_truth_covered"] == {"alpha": True, "beta": True}
    for t, row in results["club_survival_vs_truth"].items():
        assert row["truth"] == pytest.approx((club["lifetime_months"] > int(t)).mean(), abs=1e-4)
        assert row["sBG S(t)"] == pytest.approx(row["truth"], abs=0.01)
    # subscribers active at the end still there 12 months later, counted from the truth
    age = (pd.Period("2024-12", "M") - pd.PeriodIndex(club["signup_month"], freq="M")).map(
        lambda offset: offset.n
    )
    true_later = int((club["lifetime_months"] > np.asarray(age) + 12).sum())
    assert results["club_projection"]["truth"] == true_later
    assert results["club_projection"]["expected"] == pytest.approx(true_later, rel=0.03)


def test_telco_medians_and_logrank_equal_lifelines(results, telco):
    from lifelines import KaplanMeierFitter
    from lifelines.statistics import multivariate_logrank_test

    for contract, part in telco.groupby("contract"):
        fitter = KaplanMeierFitter().fit(part["tenure_months"], part["churn"])
        median = fitter.median_survival_time_
        recorded = results["telco_median_tenure"][contract]
        assert (recorded is None) if np.isinf(median) else recorded == median
    # the prose: half of the month-to-month customers gone within about three years
    assert results["telco_median_tenure"]["Month-to-month"] == 35
    assert results["telco_median_tenure"]["One year"] is None
    assert results["telco_median_tenure"]["Two year"] is None
    test = multivariate_logrank_test(telco["tenure_months"], telco["contract"], telco["churn"])
    assert results["logrank_statistic"] == pytest.approx(test.test_statistic, abs=0.01)


def test_cox_hazard_ratios_equal_lifelines_on_a_design_built_here(results, telco):
    from lifelines import CoxPHFitter

    references = {
        "contract": "Month-to-month",
        "internet_service": "Fiber optic",
        "payment_method": "Electronic check",
        "partner": "No",
    }
    design = pd.DataFrame(index=telco.index)
    for column, reference in references.items():
        assert telco[column].value_counts().idxmax() == reference  # the prose's references
        for level in sorted(set(telco[column]) - {reference}):
            design[f"{column}={level}"] = (telco[column] == level).astype(float)
    charges = telco["monthly_charges"]
    design["monthly_charges"] = (charges - charges.mean()) / charges.std()
    design["T"], design["E"] = telco["tenure_months"], telco["churn"]
    direct = CoxPHFitter().fit(design, "T", "E")
    for name, ratio in results["cox_hazard_ratios"].items():
        assert ratio == pytest.approx(np.exp(direct.params_[name]), abs=1e-4)
    assert results["cox_concordance"] == pytest.approx(direct.concordance_index_, abs=1e-4)
    # the prose: a two-year contract divides the hazard by about thirty, one year by about six
    assert 27 < 1 / results["cox_hazard_ratios"]["contract=Two year"] < 35
    assert 5 < 1 / results["cox_hazard_ratios"]["contract=One year"] < 7


def test_ph_check_and_strata_as_the_prose_says(results):
    violates = results["ph_violates"]
    assert violates["contract=One year"] and violates["contract=Two year"]
    assert violates["monthly_charges"]
    # stratified: the concordance falls (contract leaves the score)
    assert results["cox_strata_concordance"] < results["cox_concordance"] - 0.1


def test_telco_sbg_against_kaplan_meier(results, telco):
    from lifelines import KaplanMeierFitter

    fitter = KaplanMeierFitter().fit(telco["tenure_months"], telco["churn"])
    rows = results["telco_sbg_vs_km"]
    for t, row in rows.items():
        assert row["km"] == pytest.approx(float(fitter.predict(int(t))), abs=1e-4)
    gaps = {int(t): row["sbg"] - row["km"] for t, row in rows.items()}
    # the prose: within about six points; too little drop in month 1, too much in the first
    # years, above the last months' dip
    assert 0.05 < max(abs(g) for g in gaps.values()) < 0.07
    assert gaps[1] > 0 and gaps[12] < 0 and gaps[24] < 0 and gaps[72] > 0
    assert results["telco_sbg"]["alpha"] < 1  # strongly heterogeneous


def _derl(alpha: float, beta: float, renewals: int, monthly_discount: float) -> float:
    """Brute-force DERL: sum over t > k of S(t) / S(k) / (1 + d)^(t - k - 1)."""
    retention = (beta + np.arange(renewals + 1, renewals + 6001) - 1) / (
        alpha + beta + np.arange(renewals + 1, renewals + 6001) - 1
    )
    conditional = np.cumprod(retention)  # S(k + j) / S(k), j = 1, 2, ...
    return float((conditional / (1 + monthly_discount) ** np.arange(6000)).sum())


def test_remaining_value_as_the_prose_says(results, telco):
    km, sbg = results["km_value_median"], results["sbg_value_median"]
    # restricted to 72 months the most loyal look the least valuable; the sBG puts them first
    assert km["Two year"] < km["One year"] < km["Month-to-month"]
    assert sbg["Month-to-month"] < sbg["One year"] < sbg["Two year"]
    params = results["sbg_contract_params"]
    assert params["Month-to-month"]["alpha"] < 1
    for contract in ("One year", "Two year"):
        assert min(params[contract].values()) > 1000  # "huge": one theta for everyone
    totals = results["value_totals"]
    assert totals["sBG, margin x DERL"] > 3 * totals["Kaplan-Meier, restricted"]
    # the month-to-month median value, recomputed by brute-force sums with the recorded fit
    alpha, beta = params["Month-to-month"]["alpha"], params["Month-to-month"]["beta"]
    current = telco[(telco["contract"] == "Month-to-month") & ~telco["churn"]]
    current = current[current["tenure_months"] > 0]
    monthly = 1.10 ** (1 / 12) - 1
    derl = {k: _derl(alpha, beta, k, monthly) for k in set(current["tenure_months"] - 1)}
    values = current["monthly_charges"] * 0.30 * (current["tenure_months"] - 1).map(derl)
    assert sbg["Month-to-month"] == pytest.approx(values.median(), rel=1e-3)
    assert results["n_current_telco"] == (~telco["churn"]).sum()
    # the prose's counts: the whole file, and the customers at tenure 0 left out of the fits
    assert results["telco_n"] == len(telco) == 7_043
    assert results["telco_tenure0"] == (telco["tenure_months"] == 0).sum() == 11


def test_exercise_references_by_hand(club, telco):
    from lifelines import KaplanMeierFitter

    assert exercises.expected_answer("07.1") == pytest.approx(2 / 3 * 3 / 4 * 4 / 5)
    part = telco[telco["contract"] == "Month-to-month"]
    fitter = KaplanMeierFitter().fit(part["tenure_months"], part["churn"])
    assert exercises.expected_answer("07.2") == fitter.median_survival_time_
    january = club[club["signup_month"] == "2023-01"]
    # survivor counts of the notebook's table: 91 signed up, 33 paid for more than 12 months
    assert len(january) == 91
    assert exercises.expected_answer("07.3") == pytest.approx(33 / 91)


def test_chapter_without_telco(tmp_path):
    missing = str(tmp_path / "no_data" / "telco_customer_churn.csv")
    results = run(NAME, tmp_path, TELCO_PATH=missing)
    assert results["telco_median_tenure"] is None
    assert results["club_truth_covered"] == {"alpha": True, "beta": True}
    cells = nbformat.read(tmp_path / NAME, as_version=4).cells
    printed = "".join(o.get("text", "") for c in cells for o in c.get("outputs", []))
    assert f"Telco sections skipped: telco: no file at {missing}" in printed
    checks = [
        "".join(o.get("data", {}).get("text/plain", ""))
        for c in cells
        if "exercises.check" in c.source
        for o in c.get("outputs", [])
    ]
    assert len(checks) == len(exercises.exercise_ids("07"))  # every exercise of the chapter
    assert all("cannot check" in text for text in checks)


def _activity(lines: pd.DataFrame, last_complete: pd.Period) -> tuple[dict, dict]:
    """Share of each first-purchase cohort buying k months later, counted with plain pandas:
    the later cohorts pooled, and the first cohort alone."""
    month = lines["invoice_date"].dt.to_period("M")
    first = month.groupby(lines["customer_id"]).transform("min")
    age = (month - first).map(lambda offset: offset.n)
    bought = pd.DataFrame({"customer": lines["customer_id"], "cohort": first, "age": age})
    bought = bought.drop_duplicates()
    sizes = bought.groupby("cohort")["customer"].nunique()
    start = sizes.index.min()
    pooled, alone = {}, {}
    for k in (1, 6):
        seen = [c for c in sizes.index if c != start and (c + k) <= last_complete]
        active = bought[(bought["age"] == k) & bought["cohort"].isin(seen)]["customer"].nunique()
        pooled[str(k)] = active / sizes[seen].sum()
        alone[str(k)] = (
            (bought[(bought["age"] == k) & (bought["cohort"] == start)]).shape[0] / sizes[start]
        )
    return pooled, alone


def test_order_log_cohorts_equal_plain_counts(results):
    from helpers.cleaning import clean_transactions

    clean, _ = clean_transactions(load_synthetic().order_lines)
    pooled, alone = _activity(clean, pd.Period("2024-12", "M"))
    assert results["order_log"] == "synthetic"
    assert results["order_cohort_activity"] == pytest.approx(pooled, abs=1e-4)
    assert results["order_first_cohort_activity"] == pytest.approx(alone, abs=1e-4)


@pytest.mark.realdata
def test_order_log_cohorts_on_online_retail(tmp_path):
    from conftest import real_file

    from helpers.cleaning import clean_transactions
    from helpers.datasets import load_online_retail

    path = real_file("online_retail_2010_2011.csv.gz")
    results = run(NAME, tmp_path, ORDER_LOG="online_retail", ONLINE_RETAIL_PATH=str(path))
    clean, _ = clean_transactions(load_online_retail(path))
    # the log ends on 9 December 2011: November 2011 is the last complete month
    pooled, alone = _activity(clean, pd.Period("2011-11", "M"))
    assert results["order_cohort_activity"] == pytest.approx(pooled, abs=1e-4)
    assert results["order_first_cohort_activity"] == pytest.approx(alone, abs=1e-4)
    # the first cohort (December 2010) mixes old customers: it buys again far more often
    assert alone["1"] > pooled["1"] + 0.1

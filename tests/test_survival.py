"""Tests of helpers.survival and helpers.survival_cox.

Expected values are computed by hand in the comments (Kaplan-Meier, Greenwood, log-rank,
restricted mean residual life, remaining CLV), by an independent numpy/scipy computation (the
log(-log) band, the Cox partial likelihood maximised with scipy), or by calling lifelines
directly on a design built here (Cox on IBM Telco, committed in datasets/ so always run).
"""

from __future__ import annotations

import subprocess
import sys

import matplotlib
import numpy as np
import pandas as pd
import pytest
from scipy import optimize, stats

from helpers import survival as sv
from helpers.datasets import load_telco
from helpers.plots import plot_remaining_clv, plot_survival_curves
from helpers.survival_cox import CoxModel

matplotlib.use("Agg")

# Six customers, months stayed and whether they left (False: still there, censored):
#   1 left, 2 left, 2 censored, 3 left, 4 censored, 5 left
SIX = pd.DataFrame(
    {
        "tenure_months": [1, 2, 2, 3, 4, 5],
        "churn": [True, True, False, True, False, True],
    }
)


def test_kaplan_meier_by_hand():
    # t=1: 6 at risk, 1 leaves -> S = 5/6
    # t=2: 5 at risk, 1 leaves (1 censored) -> S = 5/6 * 4/5 = 2/3
    # t=3: 3 at risk, 1 leaves -> S = 2/3 * 2/3 = 4/9
    # t=4: 2 at risk, 0 leave (1 censored) -> S = 4/9
    # t=5: 1 at risk, 1 leaves -> S = 0
    km = sv.kaplan_meier(SIX)
    assert km["time"].tolist() == [0, 1, 2, 3, 4, 5]
    assert km["at_risk"].tolist() == [6, 6, 5, 3, 2, 1]
    assert km["events"].tolist() == [0, 1, 1, 1, 0, 1]
    assert km["censored"].tolist() == [0, 0, 1, 0, 1, 0]
    np.testing.assert_allclose(km["survival"], [1, 5 / 6, 2 / 3, 4 / 9, 4 / 9, 0])
    assert (km["group"] == "all").all()


def test_greenwood_band_by_hand():
    # Greenwood: V(t) = sum d / (n (n - d)): 1/30 at t=1; 1/30 + 1/20 = 1/12 at t=2;
    # 1/12 + 1/6 = 1/4 at t=3. Band on the log(-log) scale, se = sqrt(V) / |log S|:
    # lower = S ** exp(z se), upper = S ** exp(-z se)
    km = sv.kaplan_meier(SIX).set_index("time")
    z = stats.norm.ppf(0.975)
    for t, s, v in [(1, 5 / 6, 1 / 30), (2, 2 / 3, 1 / 12), (3, 4 / 9, 1 / 4)]:
        se = np.sqrt(v) / abs(np.log(s))
        assert km.loc[t, "lower"] == pytest.approx(s ** np.exp(z * se), rel=1e-9)
        assert km.loc[t, "upper"] == pytest.approx(s ** np.exp(-z * se), rel=1e-9)
    # S(3) = 4/9: se = 0.5 / 0.8109 = 0.6166, z se = 1.2085; lower = (4/9) ** exp(1.2085)
    # = (4/9) ** 3.348 = 0.066, upper = (4/9) ** exp(-1.2085) = (4/9) ** 0.2987 = 0.785
    assert km.loc[3, "lower"] == pytest.approx(0.066, abs=0.001)
    assert km.loc[3, "upper"] == pytest.approx(0.785, abs=0.001)


def test_median_survival_by_hand_and_not_reached():
    # S(2) = 2/3 > 0.5, S(3) = 4/9 <= 0.5: the median is 3
    med = sv.median_survival(SIX)
    assert med.loc["all", "median"] == 3
    assert med.loc["all", "customers"] == 6 and med.loc["all", "events"] == 4
    # one leaver of four: S never reaches 0.5, the median is "not reached" (inf)
    few = pd.DataFrame({"tenure_months": [1, 2, 3, 4], "churn": [True, False, False, False]})
    assert np.isinf(sv.median_survival(few).loc["all", "median"])


def test_logrank_by_hand():
    # A: 1 left, 3 left, 4 censored; B: 2 left, 5 left, 6 censored. At each event time
    # E_A = n_A d / n, V = n_A n_B d (n - d) / (n^2 (n - 1)):
    #   t=1: n_A 3, n_B 3, d 1 (A): E 0.5, V 0.25;   t=2: 2, 3, d 1 (B): E 0.4, V 0.24
    #   t=3: 2, 2, d 1 (A): E 0.5, V 0.25;           t=5: 0, 2, d 1 (B): E 0, V 0
    # O_A - E_A = 2 - 1.4 = 0.6; chi2 = 0.36 / 0.74 = 0.48649, 1 degree of freedom
    df = pd.DataFrame(
        {
            "tenure_months": [1, 3, 4, 2, 5, 6],
            "churn": [True, True, False, True, True, False],
            "group": ["A", "A", "A", "B", "B", "B"],
        }
    )
    result = sv.logrank_test(df, group_col="group")
    assert result["statistic"] == pytest.approx(0.36 / 0.74, rel=1e-9)
    assert result["degrees_of_freedom"] == 1 and result["groups"] == 2
    assert result["p_value"] == pytest.approx(stats.chi2.sf(0.36 / 0.74, 1), rel=1e-9)


def test_bad_input_names_the_column():
    bad = SIX.assign(tenure_months=[1, -2, 2, 3, 4, 5])
    with pytest.raises(ValueError, match="'tenure_months'.*>= 0.*row 1"):
        sv.kaplan_meier(bad)
    with pytest.raises(ValueError, match="'churn'.*True/False"):
        sv.kaplan_meier(SIX.assign(churn=["Yes"] * 6))
    with pytest.raises(ValueError, match="'contract' is required"):
        sv.kaplan_meier(SIX, group_col="contract")
    with pytest.raises(ValueError, match="at least 2 groups"):
        sv.logrank_test(SIX.assign(g="x"), group_col="g")


# --- remaining tenure and CLV -------------------------------------------------------------------

# A monthly step curve: S(0..4) = 1, 0.8, 0.6, 0.5, 0.3 (the horizon H is 4)
CURVE = pd.DataFrame({"g": [1.0, 0.8, 0.6, 0.5, 0.3]}, index=pd.Index(range(5), name="time"))


def test_expected_remaining_by_hand():
    # t=0: (1 + 0.8 + 0.6 + 0.5) / 1 = 2.9;  t=1: (0.8 + 0.6 + 0.5) / 0.8 = 2.375
    # t=2: (0.6 + 0.5) / 0.6 = 1.8333;  t=4 (= H): 0
    tenure = pd.Series([0, 1, 2, 4], index=["w", "x", "y", "z"])
    group = pd.Series("g", index=tenure.index)
    months = sv.expected_remaining(CURVE, tenure, group, horizon=4)
    np.testing.assert_allclose(months, [2.9, 2.375, 1.1 / 0.6, 0.0])
    assert months.index.tolist() == ["w", "x", "y", "z"]
    # 1% a month (annual (1.01)^12 - 1): t=1 -> (0.8 + 0.6 / 1.01 + 0.5 / 1.01^2) / 0.8
    annual = 1.01**12 - 1
    discounted = sv.expected_remaining(CURVE, tenure, group, horizon=4, annual_discount=annual)
    assert discounted["x"] == pytest.approx((0.8 + 0.6 / 1.01 + 0.5 / 1.01**2) / 0.8)
    assert discounted["w"] < months["w"]


def test_restricted_mean_residual_life_of_a_step_curve_by_hand():
    # S = 1 on [0, 1.5), 0.6 on [1.5, 2.5), 0.2 on [2.5, 3] (last observed time 3); H = 3
    curve = pd.Series([1.0, 0.6, 0.2, 0.2], index=[0.0, 1.5, 2.5, 3.0])
    # t=1: (0.5 x 1 + 1 x 0.6 + 0.5 x 0.2) / S(1) = 1.2 / 1
    assert sv.restricted_mean_residual_life(curve, 1, 3) == pytest.approx(1.2)
    # t=2: (0.5 x 0.6 + 0.5 x 0.2) / S(2) = 0.4 / 0.6
    assert sv.restricted_mean_residual_life(curve, 2, 3) == pytest.approx(0.4 / 0.6)
    # H = 2.5: t=1 -> 0.5 x 1 + 1 x 0.6 = 1.1
    assert sv.restricted_mean_residual_life(curve, 1, 2.5) == pytest.approx(1.1)
    assert sv.restricted_mean_residual_life(curve, 3, 3) == 0.0
    with pytest.raises(ValueError, match="within the curve's times"):
        sv.restricted_mean_residual_life(curve, 1, 4)


def test_remaining_clv_by_hand():
    # A: tenure 1, still there, 100 a month -> margin 30 x 2.375 months = 71.25 (no discount)
    # B: left -> not valued; C: tenure 4 = H -> 0
    df = pd.DataFrame(
        {
            "tenure_months": [1, 2, 4],
            "churn": [False, True, False],
            "monthly_charges": [100.0, 80.0, 50.0],
            "plan": ["g", "g", "g"],
        },
        index=["A", "B", "C"],
    )
    clv = sv.remaining_clv(
        df, CURVE, margin_rate=0.3, annual_discount=0.0, horizon=4, curve_col="plan"
    )
    assert clv.index.tolist() == ["A", "C"]
    assert clv.loc["A", "remaining_clv"] == pytest.approx(71.25)
    assert clv.loc["A", "monthly_margin"] == pytest.approx(30.0)
    assert clv.loc["C", "remaining_clv"] == 0.0
    with pytest.raises(ValueError, match="margin_rate"):
        sv.remaining_clv(df, CURVE, margin_rate=1.5, annual_discount=0.0, horizon=4)


def test_horizon_beyond_the_data_is_refused():
    km = sv.kaplan_meier(SIX)
    with pytest.raises(ValueError, match="beyond its longest observed duration 5"):
        sv.survival_at(km, range(8))


# --- Cox ----------------------------------------------------------------------------------------


def test_cox_coefficient_maximises_the_partial_likelihood():
    # No ties: log PL(b) = sum over leavers i of [b x_i - log sum_{j: T_j >= T_i} exp(b x_j)],
    # maximised here with scipy, independently of lifelines
    df = pd.DataFrame(
        {
            "tenure_months": [1, 2, 3, 4, 5, 6, 7, 8],
            "churn": [True, True, True, False, True, True, False, True],
            "plan": ["b", "a", "b", "a", "a", "b", "a", "b"],
        }
    )
    x = (df["plan"] == "b").to_numpy(dtype=float)
    t, e = df["tenure_months"].to_numpy(), df["churn"].to_numpy()

    def neg_log_pl(b: float) -> float:
        return -sum(b * x[i] - np.log(np.exp(b * x[t >= t[i]]).sum()) for i in np.flatnonzero(e))

    best = optimize.minimize_scalar(neg_log_pl, bounds=(-10, 10), method="bounded").x
    model = CoxModel(["plan"], reference={"plan": "a"}).fit(df)
    assert model.hazard_ratios_.index.tolist() == ["plan=b"]
    assert model.hazard_ratios_.loc["plan=b", "hazard_ratio"] == pytest.approx(
        np.exp(best), rel=1e-4
    )


@pytest.fixture(scope="module")
def telco() -> pd.DataFrame:
    return load_telco()


def test_committed_telco_is_found_without_cvl_data_dir(monkeypatch, telco):
    monkeypatch.delenv("CVL_DATA_DIR", raising=False)
    df = load_telco()
    # SOURCES.md: 7,043 customers, 1,869 churners, tenure 0..72 months
    assert df.shape == (7_043, 21) and df["churn"].sum() == 1_869
    assert df["tenure_months"].between(0, 72).all()


COVARIATES = ["contract", "internet_service", "payment_method", "partner"]


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # pandas 4 notices inside lifelines
def test_cox_on_telco_equals_lifelines_on_a_design_built_here(telco):
    from lifelines import CoxPHFitter

    model = CoxModel(COVARIATES, ["monthly_charges"], reference={"contract": "Month-to-month"}).fit(
        telco
    )
    # the same design by hand: dummies against the most frequent level, z-score (ddof 1)
    design = pd.DataFrame(index=telco.index)
    for column in COVARIATES:
        reference = telco[column].value_counts().idxmax()
        for level in sorted(set(telco[column]) - {reference}):
            design[f"{column}={level}"] = (telco[column] == level).astype(float)
    charges = telco["monthly_charges"]
    design["monthly_charges"] = (charges - charges.mean()) / charges.std()
    design["T"], design["E"] = telco["tenure_months"], telco["churn"]
    direct = CoxPHFitter().fit(design, "T", "E")
    np.testing.assert_allclose(
        model.hazard_ratios_["hazard_ratio"], np.exp(direct.params_[model.hazard_ratios_.index])
    )
    assert model.concordance_ == pytest.approx(direct.concordance_index_)
    assert 0.75 < model.concordance_ < 0.95
    # one- and two-year contracts leave far less often than month-to-month
    hr = model.hazard_ratios_["hazard_ratio"]
    assert hr["contract=Two year"] < hr["contract=One year"] < 0.5
    assert (model.hazard_ratios_["lower"] < hr).all() and (hr < model.hazard_ratios_["upper"]).all()


def test_ph_check_flags_a_crossing_effect_and_strata_remove_it():
    # Simulated: plan "b" leaves at 3x the rate of "a" in months 0-6 and at 1/3 after: the
    # hazards cross, which proportional hazards cannot describe. "x" has a true PH effect.
    rng = np.random.default_rng(5)
    n = 3000
    plan = rng.choice(["a", "b"], n)
    x = rng.normal(size=n)
    base = np.exp(0.5 * x) * 0.05
    early = np.where(plan == "b", 3.0, 1.0) * base
    late = np.where(plan == "b", 1 / 3, 1.0) * base
    first = rng.exponential(1 / early)
    time = np.where(first < 6, first, 6 + rng.exponential(1 / late))
    df = pd.DataFrame(
        {
            "tenure_months": np.minimum(np.ceil(time), 36),
            "churn": time <= 36,
            "plan": plan,
            "x": x,
        }
    )
    plain = CoxModel(["plan"], ["x"], reference={"plan": "a"}).fit(df).ph_test()
    assert plain.loc["plan=b", "violates"] and plain.loc["plan=b", "p_value"] < 1e-6
    stratified = CoxModel(["plan"], ["x"], strata=["plan"]).fit(df)
    assert stratified.hazard_ratios_.index.tolist() == ["x"]
    assert not stratified.ph_test().loc["x", "violates"]
    # x's true hazard ratio per 1 (sd about 1): exp(0.5) = 1.65
    assert stratified.hazard_ratios_.loc["x", "hazard_ratio"] == pytest.approx(1.65, rel=0.1)


def test_ph_check_on_telco_contract_fails_and_stratifying_drops_it(telco):
    plain = CoxModel(COVARIATES, ["monthly_charges"]).fit(telco).ph_test()
    assert plain.loc[["contract=One year", "contract=Two year"], "violates"].all()
    stratified = CoxModel(COVARIATES, ["monthly_charges"], strata=["contract"]).fit(telco)
    table = stratified.ph_test()
    assert not table.index.str.startswith("contract").any()
    assert table["violates"].sum() < plain["violates"].sum()


def test_remaining_tenure_on_telco_agrees_with_the_exact_integral(telco):
    km = sv.kaplan_meier(telco, group_col="contract")
    curves = sv.survival_at(km, range(73))
    active = telco[~telco["churn"]].head(200)
    months = sv.expected_remaining(curves, active["tenure_months"], active["contract"], horizon=72)
    for label in active.index[:20]:
        group = km[km["group"] == active.loc[label, "contract"]].set_index("time")["survival"]
        exact = sv.restricted_mean_residual_life(group, active.loc[label, "tenure_months"], 72)
        assert months[label] == pytest.approx(exact)
    # Cox individual curves give the same shape of answer, one curve per subscriber
    model = CoxModel(["internet_service"], ["monthly_charges"], strata=["contract"]).fit(telco)
    own = model.survival_curves(active, range(73))
    assert own.shape == (73, 200) and (own.diff().iloc[1:] <= 1e-12).all().all()
    by_cox = sv.expected_remaining(own, active["tenure_months"], horizon=72)
    assert ((by_cox >= 0) & (by_cox <= 72 - active["tenure_months"])).all()


def test_median_tenure_by_contract_on_telco(telco):
    med = sv.median_survival(telco, group_col="contract")
    # month-to-month: half gone within about three years; the others keep more than half
    assert 24 <= med.loc["Month-to-month", "median"] <= 48
    assert med.loc["Month-to-month", "lower"] <= med.loc["Month-to-month", "median"]
    assert np.isinf(med.loc["Two year", "median"])
    assert med["customers"].sum() == 7_043 and med["events"].sum() == 1_869


# --- plots and imports --------------------------------------------------------------------------


def test_plots_return_labelled_axes():
    ax = plot_survival_curves(sv.kaplan_meier(SIX.assign(g=list("aabbab")), group_col="g"))
    assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
    assert len(ax.get_lines()) == 3  # two groups and the 0.5 line
    ax = plot_remaining_clv(pd.Series([1.0, 2.0, 5.0]))
    assert ax.get_title() == "Remaining CLV of 3 current subscribers"
    assert ax.get_xlabel() and ax.get_ylabel()


def test_importing_helpers_does_not_import_lifelines():
    code = (
        "import sys, helpers, helpers.survival, helpers.survival_cox, helpers.plots; "
        "assert 'lifelines' not in sys.modules, 'lifelines imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)

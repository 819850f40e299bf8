"""The synthetic shop's gift box club: subscriptions drawn from the sBG story, and the sBG
model recovering the truth.

Expected values come from the documented story (beta(0.8, 4) churn probabilities, geometric
lifetimes, monthly payments on the signup day) and plain pandas, not from the generator.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from helpers.datasets import load_synthetic
from helpers.retention import ShiftedBetaGeoModel, survivor_table
from helpers.synthetic import make_synthetic, read_synthetic, write_synthetic
from helpers.synthetic_subscriptions import subscription_tables

ALPHA, BETA = 0.8, 4.0  # the population's beta distribution, as documented
END = pd.Timestamp("2024-12-31")


@pytest.fixture(scope="module")
def shop():
    return load_synthetic()  # the committed files (test_synthetic checks they are make data's)


@pytest.fixture(scope="module")
def joined(shop):
    return shop.subscriptions.merge(shop.subscriptions_truth, on="subscription_id")


@pytest.fixture(scope="module")
def model(shop):
    subs = shop.subscriptions
    return ShiftedBetaGeoModel().fit_individuals(subs["months_active"], subs["active"])


def test_columns_ids_and_the_shop_customers(shop):
    subs, truth = shop.subscriptions, shop.subscriptions_truth
    assert len(subs) == len(shop.customers) == 3000 == len(truth)
    assert list(subs.columns) == [
        "subscription_id",
        "customer_id",
        "signup_date",
        "signup_month",
        "monthly_price",
        "monthly_margin",
        "months_active",
        "active",
        "cancel_date",
    ]
    assert subs["subscription_id"].is_unique
    assert list(truth["subscription_id"]) == list(subs["subscription_id"])
    assert (subs["signup_month"] == subs["signup_date"].dt.strftime("%Y-%m")).all()
    assert subs["signup_date"].between("2023-01-01", END).all()
    assert (subs["signup_date"].dt.day <= 28).all()
    assert subs["signup_month"].nunique() == 24
    # about two in five are shop customers (binomial sd 0.9 points), each at most once, who
    # had signed up at the shop by then
    members = subs.dropna(subset=["customer_id"])
    assert 0.36 < len(members) / len(subs) < 0.44
    assert members["customer_id"].is_unique
    shop_signup = shop.customers.set_index("customer_id")["signup_date"]
    assert (shop_signup.loc[members["customer_id"]].to_numpy() <= members["signup_date"]).all()


def test_payments_cancellations_and_censoring_follow_the_lifetimes(joined):
    # boxes due by the end: the signup month to December 2024 (signup days <= 28)
    due = (2024 - joined["signup_date"].dt.year) * 12 + 12 - joined["signup_date"].dt.month + 1
    life, paid = joined["lifetime_months"], joined["months_active"]
    cancelled = ~joined["active"]
    assert (paid[cancelled] == life[cancelled]).all()
    assert (life[cancelled] < due[cancelled]).all()
    assert (paid[~cancelled] == due[~cancelled]).all()
    assert (life[~cancelled] >= due[~cancelled]).all()
    assert joined.loc[~cancelled, "cancel_date"].isna().all()
    rows = joined[cancelled]
    expected = [
        d + pd.DateOffset(months=int(m))
        for d, m in zip(rows.signup_date, rows.months_active, strict=True)
    ]
    assert (rows["cancel_date"] == pd.DatetimeIndex(expected)).all()
    assert (rows["cancel_date"] <= END).all()
    assert (joined[["monthly_price", "monthly_margin"]] == [25.0, 10.0]).all().all()


def test_churn_probabilities_are_beta_and_lifetimes_geometric(joined):
    theta = joined["churn_probability"]
    assert stats.kstest(theta, stats.beta(ALPHA, BETA).cdf).pvalue > 0.01
    assert (joined[["population_alpha", "population_beta"]] == [ALPHA, BETA]).all().all()
    # P(T = 1) = E[theta] = 1/6; given theta, E[T] = 1 / theta
    first = (joined["lifetime_months"] == 1).mean()
    assert first == pytest.approx(ALPHA / (ALPHA + BETA), abs=3 * np.sqrt(1 / 6 * 5 / 6 / 3000))
    inverse = joined["lifetime_months"] * theta  # mean 1 whatever theta
    assert inverse.mean() == pytest.approx(1, abs=4 * inverse.std() / np.sqrt(len(joined)))


def test_the_fit_recovers_the_truth_within_its_intervals(model):
    """Committed data (seed 2024): alpha 0.788 (0.683-0.910), beta 3.84 (3.14-4.70)."""
    assert model.converged_
    for name, true in (("alpha", ALPHA), ("beta", BETA)):
        low, high = model.summary_.loc[name, ["lower_95", "upper_95"]]
        assert low < true < high


def test_pooled_cohorts_give_the_individual_fit(shop, model):
    """The monthly cohorts' survivor counts, each censored at its own age, are the same
    likelihood as the subscribers one by one."""
    subs = shop.subscriptions
    cohorts = []
    for month, group in subs.groupby("signup_month"):
        year, number = (int(v) for v in month.split("-"))
        age = (2024 - year) * 12 + 12 - number  # renewal decisions observed by the end
        cohorts.append([int((group["months_active"] > k).sum()) for k in range(age + 1)])
    table = survivor_table(subs, "2024-12")
    assert [row.dropna().tolist() for _, row in table.iterrows()] == cohorts
    pooled = ShiftedBetaGeoModel().fit(cohorts)
    assert pooled.params_.to_numpy() == pytest.approx(model.params_.to_numpy(), rel=1e-6)
    assert pooled.log_likelihood_ == pytest.approx(model.log_likelihood_, rel=1e-9)


@pytest.mark.parametrize("months", [1, 3, 6, 12])
def test_projected_survivors_of_the_active_match_their_true_lifetimes(joined, model, months):
    """Active subscribers who have made k renewals: the model expects sum S(k + h) / S(k)
    of them still to pay h months on; the truth counts lifetimes > k + h. The gap stays
    within three standard deviations of the count's own noise given the true thetas."""
    active = joined[joined["active"]]
    renewals = active["months_active"].to_numpy() - 1
    projected = (model.survival(renewals + months) / model.survival(renewals)).sum()
    actual = (active["lifetime_months"] > renewals + months).sum()
    stay = (1 - active["churn_probability"]) ** months
    noise = np.sqrt((stay * (1 - stay)).sum())
    assert abs(projected - actual) < 3 * noise


def test_the_interval_covers_the_truth_for_most_seeds(shop):
    """Twenty other seeds (1 s): a 95% interval should miss about once in twenty; at least
    16 of 20 must cover (a coverage of 95% gives 15 or fewer with probability 1.6%)."""
    covered = np.zeros(2, dtype=int)
    for seed in range(20):
        subs, _ = subscription_tables(seed, shop.customers, pd.Timestamp("2023-01-01"), END)
        fit = ShiftedBetaGeoModel().fit_individuals(subs["months_active"], subs["active"])
        low, high = fit.summary_["lower_95"].to_numpy(), fit.summary_["upper_95"].to_numpy()
        covered += (low < [ALPHA, BETA]) & ([ALPHA, BETA] < high)
    assert (covered >= 16).all(), covered


def test_same_seed_same_subscriptions_and_read_back(tmp_path):
    a, b, c = (make_synthetic(seed=seed, n_customers=60) for seed in (1, 1, 2))
    pd.testing.assert_frame_equal(a.subscriptions, b.subscriptions)
    pd.testing.assert_frame_equal(a.subscriptions_truth, b.subscriptions_truth)
    assert not a.subscriptions_truth.equals(c.subscriptions_truth)
    write_synthetic(a, tmp_path)
    back = read_synthetic(tmp_path)
    for name in ("subscriptions", "subscriptions_truth"):
        pd.testing.assert_frame_equal(getattr(back, name), getattr(a, name), obj=name)

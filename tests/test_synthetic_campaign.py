"""The synthetic shop's past randomised campaign: randomised, true to the order lines, and
with the effects per persona that helpers.synthetic_campaign documents.

The control group's responses are recomputed here from the order lines with plain pandas;
the effect sizes are checked as binomial shares against the documented ones.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers import synthetic_campaign
from helpers.synthetic import make_synthetic
from helpers.synthetic_campaign import CAMPAIGN_DAYS, PERSONA_EFFECTS


@pytest.fixture(scope="module")
def shop():
    return make_synthetic(n_customers=6000, dirt=False)


@pytest.fixture(scope="module")
def joined(shop):
    history = shop.campaign_history.merge(shop.campaign_truth, on="customer_id")
    return history.merge(shop.truth[["customer_id", "persona"]], on="customer_id")


def test_half_of_the_customers_signed_up_before_are_held_out(shop):
    history = shop.campaign_history
    date = pd.Timestamp(history["campaign_date"].iloc[0])
    assert date == shop.observation_end - pd.Timedelta(days=91)
    signup = shop.customers.set_index("customer_id")["signup_date"]
    eligible = signup.index[signup <= date - pd.Timedelta(days=28)]
    assert sorted(history["customer_id"]) == sorted(eligible)
    counts = history["group"].value_counts()
    assert abs(counts["treatment"] - counts["control"]) <= 1
    # randomised: the personas are spread alike (each share within 4 points)
    shares = pd.crosstab(
        history["group"],
        shop.truth.set_index("customer_id").loc[history["customer_id"], "persona"].to_numpy(),
        normalize="index",
    )
    assert (shares.loc["treatment"] - shares.loc["control"]).abs().max() < 0.04


def test_the_control_group_did_what_the_order_lines_say(shop):
    history = shop.campaign_history
    date = pd.Timestamp(history["campaign_date"].iloc[0])
    lines = shop.order_lines.assign(when=pd.to_datetime(shop.order_lines["invoice_date"]))
    sold = lines[
        (lines["quantity"] > 0)
        & lines["when"].between(date, date + pd.Timedelta(days=CAMPAIGN_DAYS), inclusive="left")
    ]
    spend = (sold["quantity"] * sold["unit_price"]).groupby(sold["customer_id"]).sum()
    control = history[history["group"] == "control"].set_index("customer_id")
    assert control["responded"].equals(control.index.to_series().isin(spend.index))
    expected = spend.reindex(control.index, fill_value=0.0)
    np.testing.assert_allclose(control["spend"], expected, atol=0.006)


def test_each_group_shows_its_potential_outcome(joined):
    treated = joined["group"] == "treatment"
    np.testing.assert_array_equal(joined.loc[treated, "spend"], joined.loc[treated, "spend_with"])
    np.testing.assert_array_equal(
        joined.loc[~treated, "spend"], joined.loc[~treated, "spend_without"]
    )
    changed = joined["spend_with"] != joined["spend_without"]
    dogs = joined["kind"] == "sleeping dog"
    # sleeping dogs only lose orders; everyone else only gains them
    assert (joined.loc[changed & dogs, "spend_with"] == 0).all()
    assert (joined.loc[changed & ~dogs, "spend_without"] == 0).all()
    assert (joined.loc[changed & ~dogs, "spend_with"] > 0).all()
    # nobody who has left reacts
    gone = joined["p_without"] == 0
    assert not (changed & gone).any()


@pytest.mark.parametrize("persona", list(PERSONA_EFFECTS))
def test_the_effects_are_the_documented_shares(joined, persona):
    persuade, put_off = PERSONA_EFFECTS[persona]
    rows = joined[joined["persona"] == persona]
    active_non_buyers = rows[(rows["p_without"] > 0) & (rows["spend_without"] == 0)]
    buyers = rows[rows["spend_without"] > 0]
    for pool, share, moved in (
        (active_non_buyers, persuade, active_non_buyers["spend_with"] > 0),
        (buyers, put_off, buyers["spend_with"] == 0),
    ):
        n = len(pool)
        assert n > 20
        error = 4 * np.sqrt(max(share, 0.01) * (1 - share) / n)
        assert moved.mean() == pytest.approx(share, abs=error)


def test_the_chances_are_consistent_with_the_effects(joined):
    for persona, (persuade, put_off) in PERSONA_EFFECTS.items():
        rows = joined[joined["persona"] == persona]
        expected = rows["p_without"] * (1 - put_off) + (1 - rows["p_without"]) * persuade * (
            rows["p_without"] > 0
        )
        np.testing.assert_allclose(rows["p_with"], expected, atol=1e-4)
    # the chance without the e-mail predicts who ordered in the window (calibrated in bands)
    band = pd.cut(joined["p_without"], [0.0001, 0.2, 0.5, 1.0])
    observed = (joined["spend_without"] > 0).groupby(band, observed=True).mean()
    predicted = joined.groupby(band, observed=True)["p_without"].mean()
    assert (observed - predicted).abs().max() < 0.06


def test_campaign_date_is_91_days_before_the_last_observed_day():
    # as_of 10 December (exclusive): last observed day 9 December; 91 days before is
    # 9 September (21 days of September after the 9th, 31 + 30 in October and November, 9)
    assert synthetic_campaign.campaign_date(as_of="2011-12-10") == pd.Timestamp("2011-09-09")
    with pytest.warns(FutureWarning, match="'observation_end' is now called 'as_of'"):
        old = synthetic_campaign.campaign_date(observation_end="2011-12-09")
    assert old == pd.Timestamp("2011-09-09")
    with pytest.warns(FutureWarning, match="passed by position is the old 'observation_end'"):
        assert synthetic_campaign.campaign_date(pd.Timestamp("2011-12-09")) == old

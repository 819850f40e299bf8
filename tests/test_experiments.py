"""Control groups and campaign readouts (helpers.experiments, helpers.experiment_readout).

Expected values: the sample size by hand from Fleiss, Levin & Paik's formula, its power by
simulating the z-test, Newcombe's worked example, the economics of a small list by hand, and
the readout's intervals against a known uplift over 200 simulated campaigns.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from helpers.checks import DataWarning
from helpers.experiment_readout import (
    campaign_gain,
    campaign_readout,
    compare_groups,
    newcombe_interval,
)
from helpers.experiments import (
    ExperimentDesign,
    assign_groups,
    hold_out_lists,
    minimum_detectable_effect,
    sample_size,
)


def simulated_power(n1: int, n0: int, p1: float, p0: float, runs: int = 20_000) -> float:
    """Share of simulated two-proportion z-tests (two-sided, 5%) that reject."""
    rng = np.random.default_rng(11)
    x1, x0 = rng.binomial(n1, p1, runs), rng.binomial(n0, p0, runs)
    pooled = (x1 + x0) / (n1 + n0)
    se = np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n0))
    return float(np.mean(np.abs(x1 / n1 - x0 / n0) / se > 1.959964))


def test_sample_size_by_hand():
    # p0 = 0.10, p1 = 0.15, pooled 0.125: 1.959964 sqrt(0.125 x 0.875 x 2) = 0.916681 and
    # 0.841621 sqrt(0.15 x 0.85 + 0.10 x 0.90) = 0.392504; (1.309185 / 0.05)^2 = 685.59
    assert sample_size(0.10, 0.05) == (686, 686)
    # a control group of a tenth (ratio 9) needs fewer controls but many more treated
    treated, control = sample_size(0.10, 0.05, ratio=9)
    assert 390 < control < 410 and 9 * (control - 1) < treated <= 9 * control


@pytest.mark.parametrize(
    ("ratio", "p0", "uplift"), [(1, 0.10, 0.05), (9, 0.10, 0.05), (3, 0.3, 0.1)]
)
def test_the_sizes_give_the_power_they_promise(ratio, p0, uplift):
    treated, control = sample_size(p0, uplift, ratio=ratio)
    assert simulated_power(treated, control, p0 + uplift, p0) == pytest.approx(0.8, abs=0.02)


def test_minimum_detectable_effect_inverts_the_sample_size():
    assert minimum_detectable_effect(686, 686, 0.10) == pytest.approx(0.05, abs=2e-4)
    assert minimum_detectable_effect(686, 686, 0.10) < 0.05  # 686 > 685.59
    assert minimum_detectable_effect(400, 400, 0.10) > 0.05
    assert math.isnan(minimum_detectable_effect(1, 1, 0.5))
    with pytest.raises(ValueError, match="base_rate"):
        sample_size(1.2, 0.05)
    with pytest.raises(ValueError, match="uplift must be > 0"):
        sample_size(0.9, 0.2)


def campaign_list(n: int = 1000, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "customer_id": np.arange(n) + 100,
            "action": rng.choice(["retention offer", "win back"], n, p=[0.7, 0.3]),
            "tier": rng.choice([1, 2, 3], n),
        }
    )


def test_groups_are_drawn_within_each_stratum_at_the_share():
    table = campaign_list()
    out = assign_groups(table, base_rate=0.2, expected_uplift=0.05, control_share=0.2, seed=4)
    assert table.columns.tolist() == ["customer_id", "action", "tier"]  # input untouched
    for _, block in out.groupby(["action", "tier"]):
        assert (block["group"] == "control").sum() == round(0.2 * len(block))
    again = assign_groups(table, base_rate=0.2, expected_uplift=0.05, control_share=0.2, seed=4)
    pd.testing.assert_series_equal(out["group"], again["group"])
    other = assign_groups(table, base_rate=0.2, expected_uplift=0.05, control_share=0.2, seed=5)
    assert (other["group"] != out["group"]).any()
    design = ExperimentDesign(**out.attrs["experiment"])
    assert (
        design.strata == ("action", "tier")
        and design.n_control == (out["group"] == "control").sum()
    )


def test_the_default_share_is_the_smallest_that_detects_the_uplift():
    table = campaign_list(3000)
    out = assign_groups(table, base_rate=0.2, expected_uplift=0.05, seed=1)
    design = ExperimentDesign(**out.attrs["experiment"])
    assert design.detectable and design.minimum_detectable_effect <= 0.05
    smaller = round(3000 * (design.control_share - 0.01))
    assert minimum_detectable_effect(3000 - smaller, smaller, 0.2) > 0.05
    assert "enough for the expected uplift" in design.describe()


def test_a_list_too_small_says_so():
    out = assign_groups(campaign_list(200), base_rate=0.2, expected_uplift=0.02)
    design = ExperimentDesign(**out.attrs["experiment"])
    assert design.control_share == 0.5 and not design.detectable
    assert "MORE than the expected uplift" in design.describe()


def test_assign_groups_refuses_bad_lists():
    table = campaign_list(10)
    with pytest.raises(ValueError, match="'customer_id' must list each customer once; 100"):
        assign_groups(pd.concat([table, table.head(1)]), base_rate=0.2, expected_uplift=0.05)
    with pytest.raises(ValueError, match="already has a 'group' column"):
        assign_groups(table.assign(group="x"), base_rate=0.2, expected_uplift=0.05)
    with pytest.raises(ValueError, match="control_share"):
        assign_groups(table, base_rate=0.2, expected_uplift=0.05, control_share=1.0)


def test_newcombe_worked_example():
    # Newcombe (1998), Statistics in Medicine 17, table II, example (a): 56/70 - 48/80,
    # method 10 (hybrid score): 0.0524 to 0.3339
    lower, upper = newcombe_interval(56, 70, 48, 80)
    assert (round(lower, 4), round(upper, 4)) == (0.0524, 0.3339)


def test_readout_economics_by_hand():
    campaign = pd.DataFrame(
        {
            "customer_id": [1, 2, 3, 4, 5, 6, 7, 8],
            "group": ["treatment"] * 4 + ["control"] * 4,
        }
    )
    orders = pd.DataFrame(
        {
            "customer_id": [1, 1, 2, 5, 9, 3],
            "invoice_date": pd.to_datetime(
                ["2025-01-02", "2025-01-20", "2025-01-05", "2025-01-07", "2025-01-08", "2025-02-01"]
            ),
            "amount": [40.0, 20.0, 30.0, 50.0, 999.0, 70.0],  # 9 is not listed; 3 is too late
        }
    )
    readout = campaign_readout(
        campaign,
        orders,
        start="2025-01-01",
        end="2025-02-01",
        margin_rate=0.5,
        discount=0.1,
        offer_cost=2.0,
        contact_cost=0.5,
    )
    groups = readout.groups
    assert groups.loc["treatment", ["customers", "responders", "spend"]].tolist() == [4, 2, 90]
    assert groups.loc["control", ["customers", "responders", "spend"]].tolist() == [4, 1, 50]
    # response 2/4 vs 1/4; spend per customer 22.5 vs 12.5
    e = readout.effects["estimate"]
    assert e["response uplift"] == pytest.approx(0.25)
    assert e["relative response uplift"] == pytest.approx(1.0)
    assert e["spend per customer uplift"] == pytest.approx(10.0)
    # cost: contacts 4 x 0.5 + offers 2 x 2 + discount 10% of 90 = 15; margin 4 x 10 x 0.5 - 15
    assert readout.cost == pytest.approx(15.0)
    assert e["incremental margin"] == pytest.approx(5.0)
    assert e["ROI"] == pytest.approx(5.0 / 15.0)
    # the same from the outcomes per customer
    outcomes = campaign.assign(
        responded=[True, True, False, False, True, False, False, False],
        spend=[60.0, 30.0, 0.0, 0.0, 50.0, 0.0, 0.0, 0.0],
    )
    again = compare_groups(
        outcomes, margin_rate=0.5, discount=0.1, offer_cost=2.0, contact_cost=0.5
    )
    pd.testing.assert_frame_equal(again.groups, readout.groups)
    pd.testing.assert_frame_equal(again.effects, readout.effects)
    text = again.summary()
    assert "Response 50.0% contacted vs 25.0% held out: uplift +25.0 points" in text
    assert "Spend per customer +£10.00" in text and "for a cost of £15" in text


def test_campaign_gain_is_the_one_definition():
    # margin on the extra spend, minus the discount on all spend with the offer, minus contact
    gain = campaign_gain(
        [100.0, 0.0, 50.0], [80.0, 0.0, 60.0], margin_rate=0.5, discount=0.1, contact_cost=1.0
    )
    np.testing.assert_allclose(gain, [0.5 * 20 - 10 - 1, -1.0, 0.5 * -10 - 5 - 1])
    # an offer on the next order only: the discount is paid on that order's spend
    gain = campaign_gain(
        100.0, 80.0, margin_rate=0.5, discount=0.1, contact_cost=1.0, discounted_spend=30.0
    )
    assert gain == 0.5 * 20 - 3 - 1


def simulated_campaign(seed: int, n: int = 2000, base: float = 0.2, uplift: float = 0.05):
    """A list with a 30% control group; treated customers respond at base + uplift."""
    rng = np.random.default_rng(seed)
    table = assign_groups(
        campaign_list(n, seed), base_rate=base, expected_uplift=uplift, control_share=0.3, seed=seed
    )
    rate = np.where(table["group"] == "treatment", base + uplift, base)
    bought = rng.random(n) < rate
    amount = rng.gamma(2.0, 20.0, n)  # mean order 40
    orders = pd.DataFrame(
        {
            "customer_id": table.loc[bought, "customer_id"],
            "invoice_date": pd.Timestamp("2025-01-10"),
            "amount": amount[bought],
        }
    )
    orders.loc[len(orders)] = [table["customer_id"].iloc[0], pd.Timestamp("2025-01-31"), 0.0]
    return table, orders


def test_the_readout_reproduces_a_known_uplift_in_at_least_90_percent_of_200_runs():
    inside = {"response uplift": 0, "spend per customer uplift": 0}
    truth = {"response uplift": 0.05, "spend per customer uplift": 0.05 * 40.0}
    for seed in range(200):
        table, orders = simulated_campaign(seed)
        readout = campaign_readout(
            table,
            orders,
            start="2025-01-01",
            end="2025-02-01",
            margin_rate=0.5,
            n_boot=500,
            seed=seed,
        )
        for measure, value in truth.items():
            row = readout.effects.loc[measure]
            inside[measure] += row["lower"] <= value <= row["upper"]
    # 95% intervals: about 190 of 200 expected; at least 180 asked
    assert inside["response uplift"] >= 180
    assert inside["spend per customer uplift"] >= 180


def test_peeking_and_an_unfinished_window_are_warned():
    table, orders = simulated_campaign(1)
    with pytest.warns(DataWarning, match="read before the planned end"):
        campaign_readout(
            table,
            orders,
            start="2025-01-01",
            end="2025-02-01",
            margin_rate=0.5,
            planned_end="2025-03-01",
        )
    with pytest.warns(DataWarning, match="the data hold orders up to 2025-01-31"):
        readout = campaign_readout(
            table, orders, start="2025-01-01", end="2025-03-01", margin_rate=0.5
        )
    assert len(readout.notes) == 1


def test_readout_refuses_what_it_cannot_read():
    table, orders = simulated_campaign(2)
    with pytest.raises(ValueError, match="the control group is empty"):
        campaign_readout(
            table.assign(group="treatment"),
            orders,
            start="2025-01-01",
            end="2025-02-01",
            margin_rate=0.5,
        )
    with pytest.raises(ValueError, match="'group' must be 'treatment' or 'control'; found 'x'"):
        campaign_readout(
            table.assign(group="x"), orders, start="2025-01-01", end="2025-02-01", margin_rate=0.5
        )
    with pytest.raises(ValueError, match="margin_rate"):
        campaign_readout(table, orders, start="2025-01-01", end="2025-02-01", margin_rate=1.5)


def test_every_customer_list_gets_its_control_group():
    lines = pd.DataFrame(
        {
            "customer_id": [100, 101, 102, 103, 100],
            "invoice_date": pd.to_datetime(
                ["2025-01-20", "2025-01-25", "2024-10-01", "2025-01-30", "2025-02-01"]
            ),
        }
    )
    lists = {
        "retention": campaign_list(40),
        "promotion": pd.DataFrame({"product_id": ["A", "B"], "action": ["promotion"] * 2}),
    }
    out = hold_out_lists(
        lists, lines, "2025-02-01", window_days=30, uplifts={"retention": 0.2}, seed=3
    )
    assert "group" not in out["promotion"].columns  # products, not customers
    design = ExperimentDesign(**out["retention"].attrs["experiment"])
    # 100 (2025-01-20), 101 and 103 bought in the 30 days before 1 February: 3 of 40
    assert design.base_rate == pytest.approx(3 / 40)
    assert design.expected_uplift == 0.2 and design.seed == 3
    assert (out["retention"]["group"] == "control").sum() == design.n_control > 0

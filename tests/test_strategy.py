"""helpers.strategy: the playbook, and the scores it reads. Expected values by hand."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import order_lines

from helpers import scoring, strategy
from helpers.checks import DataWarning
from helpers.snapshot import Snapshot, take_snapshot


def _view(rows: list[tuple]) -> pd.DataFrame:
    """A customer view from (id, tier, segment, p_churn, clv) tuples."""
    df = pd.DataFrame(rows, columns=["customer_id", "tier", "segment", "p_churn", "clv"])
    return df.set_index("customer_id")


def test_each_rule_of_the_playbook_and_its_order():
    view = _view(
        [
            ("top_risky", 1, "Can't Lose", 0.8, 100.0),  # high value and risk: retain first
            ("lapsed", 3, "Lost", 0.2, 5.0),  # lapsed segment, low risk: win back
            ("risky", 2, "Loyal", 0.6, 20.0),  # high risk, not top: win back
            ("top_safe", 1, "Champions", 0.1, 300.0),  # top, staying: care
            ("top_new", 1, "New", 0.3, 50.0),  # top tier beats new: care
            ("new", 4, "Promising", 0.3, 8.0),  # expansion
            ("rest", 3, "Potential Loyalist", 0.49, 30.0),  # upgrade
        ]
    )
    out = strategy.assign_strategies(view, risk_threshold=0.5)
    assert out["strategy"].to_dict() == {
        "top_risky": "retain",
        "lapsed": "win back",
        "risky": "win back",
        "top_safe": "care",
        "top_new": "care",
        "new": "expansion",
        "rest": "upgrade",
    }
    # the reason travels with the strategy
    assert out.loc["top_risky", "reason"].startswith("valuable, likely to leave")
    # no P(alive): nobody is given up
    assert not out["given_up"].any()
    # the threshold is inclusive: P(churn) 0.5 counts as high risk
    edge = strategy.assign_strategies(_view([("a", 2, "Loyal", 0.5, 1.0)]), risk_threshold=0.5)
    assert edge.loc["a", "strategy"] == "win back"


def test_customers_given_up_for_dead_get_a_win_back_message_never_a_retention_offer():
    view = _view(
        [
            ("top_risky_alive", 1, "Can't Lose", 0.8, 100.0),
            ("top_risky_gone", 1, "Can't Lose", 0.8, 4.0),
            ("top_safe_gone", 1, "Champions", 0.1, 4.0),  # the models disagree: no discount
            ("top_no_model", 1, "Can't Lose", 0.8, 100.0),
        ]
    ).assign(p_alive=[0.5, 0.01, 0.05, float("nan")])
    out = strategy.assign_strategies(view, risk_threshold=0.5, alive_floor=0.1)
    assert out["strategy"].to_dict() == {
        "top_risky_alive": "retain",
        "top_risky_gone": "win back",
        "top_safe_gone": "win back",
        "top_no_model": "retain",  # P(alive) missing: not given up
    }
    assert "never a discount" in out.loc["top_risky_gone", "reason"]
    with pytest.raises(ValueError, match="alive_floor"):
        strategy.assign_strategies(view, alive_floor=1.0)


def test_playbook_table_counts_and_shares():
    view = _view(
        [
            ("a", 1, "Champions", 0.1, 300.0),
            ("b", 1, "Champions", 0.2, 100.0),
            ("c", 2, "Lost", 0.9, 0.0),
            ("d", 3, "Loyal", 0.1, 100.0),
        ]
    )
    table = strategy.playbook_table(strategy.assign_strategies(view))
    assert list(table.index) == list(strategy.STRATEGIES)
    assert table.loc["care", "customers"] == 2
    assert table.loc["care", "share"] == pytest.approx(0.5)
    assert table.loc["care", "clv_share"] == pytest.approx(400 / 500)
    assert table.loc["win back", "mean_p_churn"] == pytest.approx(0.9)
    assert table.loc["retain", "customers"] == 0
    assert table["customers"].sum() == 4


def test_playbook_must_cover_everybody_and_threshold_is_checked():
    view = _view([("a", 3, "Loyal", 0.1, 1.0)])
    with pytest.raises(ValueError, match="no rule holds for customer 'a'"):
        strategy.assign_strategies(view, playbook=strategy.PLAYBOOK[:-1])
    with pytest.raises(ValueError, match="risk_threshold must be strictly between 0 and 1"):
        strategy.assign_strategies(view, risk_threshold=1.0)
    with pytest.raises(ValueError, match="column 'segment' is required"):
        strategy.assign_strategies(view.drop(columns="segment"))


def test_customer_view_tiers_and_missing_scores():
    summary = pd.DataFrame(
        {
            "purchases": [1, 2, 3, 4],
            "revenue": [10.0, 40.0, 30.0, 20.0],
            "last_purchase": pd.to_datetime(["2024-01-01"] * 4),
        },
        index=pd.Index(["a", "b", "c", "d"], name="customer_id"),
    )
    view = strategy.customer_view(
        summary,
        pd.Series({"a": "Lost", "b": "Champions"}),
        pd.Series({"a": 0.9, "b": 0.1, "c": 0.3}),
        pd.Series({"a": 1.0, "b": 9.0, "c": 4.0, "d": 2.0}),
        n_tiers=2,
    )
    # halves by revenue: b (40) and c (30) are tier 1
    assert view["tier"].to_dict() == {"a": 2, "b": 1, "c": 1, "d": 2}
    assert view.loc["c", "segment"] == "unscored"
    assert pd.isna(view.loc["d", "p_churn"])
    with pytest.raises(ValueError, match="n_tiers must be an integer >= 2"):
        strategy.customer_view(summary, pd.Series(dtype=str), pd.Series(), pd.Series(), n_tiers=1)


def test_scores_on_a_small_synthetic_shop():
    from helpers.synthetic import make_synthetic

    shop = make_synthetic(seed=3, n_customers=400)
    raw = shop.order_lines.copy()
    raw["invoice_date"] = pd.to_datetime(raw["invoice_date"], errors="coerce")
    as_of = pd.Timestamp("2025-01-01")
    snapshot = take_snapshot(raw, as_of)
    view, features, rfm = scoring.score_customers(
        snapshot, window_days=60, horizon_months=6, n_tiers=4
    )
    assert len(view) == snapshot.clean["customer_id"].nunique() == len(rfm)
    assert view["p_churn"].between(0, 1).all()
    assert (view["clv"] >= 0).all() and view["clv"].sum() > 0
    assert view.attrs["cutoff"] == as_of - pd.Timedelta(days=60)
    # the churn model learned something: customers who bought in the last 30 days have a
    # lower risk on average than those who did not buy for a year
    recent = view["last_purchase"] >= as_of - pd.Timedelta(days=30)
    old = view["last_purchase"] < as_of - pd.Timedelta(days=365)
    assert view.loc[recent, "p_churn"].mean() < view.loc[old, "p_churn"].mean()
    assert set(features.index) == set(view.index)


def _bought_once() -> pd.DataFrame:
    """A, B and C buy once in early January; D once on 1 May. as_of 2 May, window 90 days."""
    return order_lines(
        [
            ("1", "2024-01-01 10:00", "A", "P1", 1, 10.0),
            ("2", "2024-01-05 10:00", "B", "P2", 2, 5.0),
            ("3", "2024-01-10 10:00", "C", "P1", 3, 10.0),
            ("4", "2024-05-01 10:00", "D", "P2", 1, 5.0),
        ]
    )


def test_churn_risk_without_stayers_gives_the_smoothed_churn_rate_and_a_note():
    raw = _bought_once()
    # the cutoff is 2 May - 90 days = 2 February (2024 is a leap year): A, B, C were active
    # before it and none bought again by 2 May; D is new.
    # P(churn) = (3 churners + 1) / (3 customers + 2) = 0.8
    with pytest.warns(DataWarning, match="churn risk not modelled"):
        p_churn, features = scoring.churn_risk(take_snapshot(raw, "2024-05-02"), 90)
    assert p_churn.to_dict() == pytest.approx({"A": 0.8, "B": 0.8, "C": 0.8, "D": 0.8})
    assert p_churn.attrs["modelled"] is False
    assert p_churn.attrs["n_train"] == 3 and p_churn.attrs["churn_rate"] == 1.0
    assert p_churn.attrs["notes"] == [
        "churn risk not modelled: all 3 customers active before the training cutoff "
        "2024-02-02 made no purchase in the 90 days after it, so there are no stayers to learn "
        "from; every customer gets P(churn) = (3 + 1) / (3 + 2) = 0.80, the churn rate then, "
        "smoothed (Laplace's rule of succession)"
    ]
    assert list(features.index) == ["A", "B", "C", "D"]


def test_model_clv_without_repeat_buyers_leaves_clv_missing_with_a_note():
    snapshot = take_snapshot(_bought_once(), "2024-05-02")
    with pytest.warns(DataWarning, match="CLV not modelled"):
        out = scoring.model_clv(snapshot, horizon_months=12, discount_rate=0.1, margin_rate=0.3)
    assert out[["p_alive", "expected_purchases", "clv"]].isna().all().all()
    assert out.attrs["params"] == {}
    assert out.attrs["notes"] == [
        "CLV not modelled: none of the 4 customers bought twice before 2024-05-02; the purchase "
        "models and Gamma-Gamma learn purchase rates, dropout and spend from repeat purchases, so "
        "p_alive, expected_purchases and clv are left missing"
    ]


def test_score_customers_needs_two_customers():
    raw = _bought_once()
    one = raw[raw["customer_id"] == "A"]
    with pytest.raises(ValueError, match=r"at least 2 customers .* found one, 'A'\. Tiers"):
        scoring.score_customers(take_snapshot(one, "2024-05-02"))
    with pytest.raises(ValueError, match="no line is dated before as_of 2023-12-01"):
        take_snapshot(one, "2023-12-01")


def test_customer_view_notes_when_every_customer_is_in_one_tier():
    summary = pd.DataFrame(
        {
            "purchases": [2, 2, 2],
            "revenue": [20.0, 20.0, 20.0],
            "last_purchase": pd.to_datetime(["2024-01-01"] * 3),
        },
        index=pd.Index(["a", "b", "c"], name="customer_id"),
    )
    scores = pd.Series(0.1, index=summary.index)
    with pytest.warns(DataWarning, match="every customer is in tier 1"):
        view = strategy.customer_view(summary, pd.Series("Loyal", summary.index), scores, scores)
    assert view.attrs["notes"] == [
        "every customer is in tier 1: all 3 have the same revenue, so the tiers cannot tell "
        "them apart"
    ]


def test_model_clv_uses_the_model_the_backtest_chooses_and_says_why():
    from test_clv_comparison import simulated_lines

    from helpers import clv

    lines = simulated_lines(800, seed=5)
    as_of = pd.Timestamp("2021-07-01")  # exclusive: the last observed day is 2021-06-30
    # the simulated lines are clean already (customer, date, amount): a snapshot of them as is
    kept = pd.Series(pd.NA, index=lines.index, dtype=object)
    snapshot = Snapshot(lines, lines, kept, None, as_of)
    out = scoring.model_clv(snapshot, horizon_months=12, discount_rate=0.1, margin_rate=0.5)
    choice = clv.choose_purchase_model(lines, as_of="2021-07-01")
    assert out.attrs["purchase_model"] == choice.name
    assert out.attrs["model_reason"] == choice.reason
    assert set(out.attrs["params"]) == {choice.name, "Gamma-Gamma"}
    expected = choice.model.probability_alive(
        choice.summary["frequency"], choice.summary["recency"], choice.summary["T"]
    )
    assert out["p_alive"].to_numpy() == pytest.approx(expected)

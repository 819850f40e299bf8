"""helpers.profiling: a four-customer profile computed by hand, indices, words and bad input."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from helpers import profiling as pr
from helpers.plots import plot_persona_cards, plot_profile_heatmap

AS_OF = pd.Timestamp("2024-01-11")


@pytest.fixture
def lines() -> pd.DataFrame:
    # a (S1): invoice 1 on 1 Jan (X, 10), invoice 2 on 5 Jan (Y, 30)  -> revenue 40
    # b (S1): invoice 3 on 8 Jan (X, 20)                               -> revenue 20
    # c (S2): invoice 4 on 2 Jan (Z, 40)                               -> revenue 40
    # d (S2): invoice 5 on 9 Jan (X, 100); invoice 6 on 11 Jan is at as_of: not counted
    return pd.DataFrame(
        {
            "invoice_id": ["1", "2", "3", "4", "5", "6"],
            "invoice_date": pd.to_datetime(
                [
                    "2024-01-01",
                    "2024-01-05",
                    "2024-01-08",
                    "2024-01-02",
                    "2024-01-09",
                    "2024-01-11 09:00",
                ],
                format="ISO8601",
            ),  # fmt: skip
            "customer_id": ["a", "a", "b", "c", "d", "d"],
            "product_id": ["X", "Y", "X", "Z", "X", "Y"],
            "description": ["EX", "WHY", "EX", "ZED", "EX", "WHY"],
            "quantity": [1, 3, 2, 4, 10, 1],
            "amount": [10.0, 30.0, 20.0, 40.0, 100.0, 5.0],
        }
    )


@pytest.fixture
def labels() -> pd.Series:
    return pd.Series({"a": "S1", "b": "S1", "c": "S2", "d": "S2"}, name="segment")


@pytest.fixture
def customers() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": ["a", "b", "c", "d"],
            # a turns 24 on the as_of day (counted); c turns 34 the day after (still 33)
            "birth_date": pd.to_datetime(["2000-01-11", "1990-06-01", "1990-01-12", None]),
            "gender": ["F", "M", "F", "F"],
            "annual_income": [20_000.0, 50_000.0, 95_000.0, np.nan],
        }
    )


@pytest.fixture
def products() -> pd.DataFrame:
    return pd.DataFrame(
        {"product_id": ["X", "Y", "Z"], "category": ["K", "L", "K"], "unit_cost": [1.0, 5.0, 4.0]}
    )


@pytest.fixture
def profile(lines, labels, customers, products) -> pd.DataFrame:
    return pr.segment_profile(
        labels, lines, customers=customers, products=products, as_of=AS_OF, n_products=1
    )


def test_size_and_behaviour_by_hand(profile):
    assert profile.columns.tolist() == ["S1", "S2", "all"]
    size = profile.loc["size"]
    assert size.loc["customers"].tolist() == [2, 2, 4]
    assert size.loc["share of customers"].tolist() == [0.5, 0.5, 1.0]
    assert size.loc["share of revenue"].tolist() == pytest.approx([60 / 200, 140 / 200, 1])
    # profit: a 10-1 + 30-15 = 24, b 20-2 = 18, c 40-16 = 24, d 100-10 = 90; total 156
    assert size.loc["share of profit"].tolist() == pytest.approx([42 / 156, 114 / 156, 1])
    behaviour = profile.loc["behaviour"]
    # recency (days to 11 Jan): a 6, b 3, c 9, d 2
    assert behaviour.loc["recency mean"].tolist() == pytest.approx([4.5, 5.5, 5.0])
    assert behaviour.loc["recency median"].tolist() == pytest.approx([4.5, 5.5, 4.5])
    assert behaviour.loc["frequency mean"].tolist() == pytest.approx([1.5, 1.0, 1.25])
    assert behaviour.loc["monetary mean"].tolist() == pytest.approx([30, 70, 50])
    # order value: a 20, b 20, c 40, d 100
    assert behaviour.loc["order value mean"].tolist() == pytest.approx([20, 70, 45])
    # tenure (days since first purchase): a 10, b 3, c 9, d 2
    assert behaviour.loc["tenure mean"].tolist() == pytest.approx([6.5, 5.5, 6.0])
    assert profile.attrs["n_customers"] == 4


def test_demographics_categories_products_by_hand(profile):
    age = profile.loc["age"]
    # ages at 2024-01-11: a 24 (birthday that day), b 33, c 33 (birthday the next day), d ?
    assert age.loc["under 25"].tolist() == [0.5, 0.0, 0.25]
    assert age.loc["25-34"].tolist() == [0.5, 0.5, 0.5]
    assert age.loc["unknown"].tolist() == [0.0, 0.5, 0.25]
    assert profile.loc["gender"].loc["F"].tolist() == [0.5, 1.0, 0.75]
    income = profile.loc["income"]
    assert income.loc["under 25k"].tolist() == [0.5, 0.0, 0.25]
    assert income.loc["90k+"].tolist() == [0.0, 0.5, 0.25]
    # revenue by category: S1 X 30 + Y 30 -> K 0.5, L 0.5; S2 Z 40 + X 100 -> K 1; all K 170/200
    category = profile.loc["category"]
    assert category.loc["K"].tolist() == pytest.approx([0.5, 1.0, 0.85])
    assert category.loc["L"].tolist() == pytest.approx([0.5, 0.0, 0.15])
    # product reach: X bought by a, b (S1) and d (S2): 1.0, 0.5, 0.75 ; S2's top is X or Z (0.5
    # each: ties go to the smaller id, X) -> only X is listed with n_products=1
    assert profile.loc["product"].index.tolist() == ["EX (X)"]
    assert profile.loc["product"].loc["EX (X)"].tolist() == [1.0, 0.5, 0.75]


def test_index_by_hand(profile):
    index = pr.profile_index(profile)
    assert np.isnan(index.loc[("size", "customers"), "S1"])
    # 30% of revenue from 50% of customers -> 60; 70% -> 140
    assert index.loc[("size", "share of revenue")].tolist()[:2] == pytest.approx([60, 140])
    assert index.loc[("behaviour", "recency mean")].tolist() == pytest.approx([90, 110, 100])
    assert index.loc[("behaviour", "frequency mean")].tolist()[:2] == pytest.approx([120, 80])
    assert index.loc[("gender", "F")].tolist()[:2] == pytest.approx([200 / 3, 400 / 3])
    assert index.loc[("category", "L")].tolist()[:2] == pytest.approx([0.5 / 0.15 * 100, 0])
    assert index.loc[("product", "EX (X)")].tolist()[:2] == pytest.approx([400 / 3, 200 / 3])


def test_distinctive_features_and_description(profile):
    over = pr.distinctive_features(profile, "S1", n=2)
    assert over["measure"].tolist() == ["L", "under 25"]  # indices 333 and 200
    assert over["index"].tolist() == pytest.approx([1000 / 3, 200])
    under = pr.distinctive_features(profile, "S2", over=False, n=1)
    assert under[["section", "measure"]].iloc[0].tolist() == ["age", "under 25"]
    text = pr.describe_segment(profile, "S2")
    assert text.startswith("50% of customers, 70% of revenue: average recency, ")
    assert "spend 70 vs 50" in text and "earning 90k+ (200)" in text
    with pytest.raises(ValueError, match="segment 'S3' is not in the profile"):
        pr.distinctive_features(profile, "S3")


def test_format_profile(profile):
    text = pr.format_profile(profile, pr.profile_index(profile))
    assert text.loc[("size", "share of revenue"), "S2"] == "70.0% (140)"
    assert text.loc[("size", "customers"), "all"] == "4"
    assert text.loc[("gender", "F"), "S2"] == "100% (133)"


def test_behaviour_only_without_tables(lines, labels):
    profile = pr.segment_profile(labels, lines.assign(country="UK"), as_of=AS_OF)
    assert sorted(set(profile.index.get_level_values(0))) == [
        "behaviour",
        "country",
        "product",
        "size",
    ]
    assert profile.loc[("country", "UK")].tolist() == [1.0, 1.0, 1.0]
    assert ("size", "share of profit") not in profile.index


def test_categorical_order_is_kept(lines):
    labels = pd.Series(
        pd.Categorical(["S2", "S2", "S1", "S1"], categories=["S2", "S1", "S0"]),
        index=["a", "b", "c", "d"],
    )
    profile = pr.segment_profile(labels, lines, as_of=AS_OF)
    assert profile.columns.tolist() == ["S2", "S1", "all"]  # empty S0 left out


def test_bad_input(lines, labels, customers, products):
    with pytest.raises(ValueError, match=r"no segment label, e\.g\. customer 'b'"):
        pr.segment_profile(labels.where(labels.index != "b"), lines, as_of=AS_OF)
    with pytest.raises(ValueError, match=r"purchases before as_of have no segment label.*'d'"):
        pr.segment_profile(labels.drop("d"), lines, as_of=AS_OF)
    with pytest.raises(ValueError, match=r"no purchase before as_of, e\.g\. customer 'e'"):
        pr.segment_profile(pd.concat([labels, pd.Series({"e": "S1"})]), lines, as_of=AS_OF)
    with pytest.raises(ValueError, match="column 'amount' is required but missing"):
        pr.segment_profile(labels, lines.drop(columns="amount"))
    with pytest.raises(ValueError, match="no cost for product 'Z'"):
        pr.segment_profile(labels, lines, products=products.iloc[:2], as_of=AS_OF)
    no_costs = products.iloc[:2].drop(columns="unit_cost")
    with pytest.raises(ValueError, match="'product_id' must be a product of the products table"):
        pr.segment_profile(labels, lines, products=no_costs, as_of=AS_OF)
    with pytest.raises(ValueError, match="'all' is reserved"):
        pr.segment_profile(labels.replace("S1", "all"), lines, as_of=AS_OF)
    with pytest.raises(ValueError, match="customer 'a' has more than one label"):
        pr.segment_profile(pd.concat([labels, pd.Series({"a": "S2"})]), lines, as_of=AS_OF)


def test_age_at():
    born = pd.Series(pd.to_datetime(["2000-02-29", "2000-03-01", None]))
    assert pr.age_at(born, "2024-02-28").tolist()[:2] == [23.0, 23.0]
    assert pr.age_at(born, "2024-02-29").tolist()[:2] == [24.0, 23.0]
    assert np.isnan(pr.age_at(born, "2024-02-29").iloc[2])


def test_persona_cards_and_heatmap(profile):
    fig = plot_persona_cards(profile, ["S2", "S1"])
    assert len(fig.subfigs) == 2
    titles = [ax.get_title() for ax in fig.subfigs[0].axes]
    assert titles[0] == "Size and value" and titles[2].startswith("What they buy")
    assert "S2" in fig.subfigs[0].get_suptitle()
    plt.close(fig)
    ax = plot_profile_heatmap(pr.profile_index(profile), ["behaviour", "gender"])
    assert ax.get_title().startswith("Profile indices")
    assert ax.get_xlabel() == "segment"
    plt.close(ax.figure)
    with pytest.raises(ValueError, match="not in the profile"):
        plot_persona_cards(profile, ["nope"])

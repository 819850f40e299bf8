"""helpers.tiers: expected values computed by hand (see the comments), and bad inputs."""

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from helpers import tiers
from helpers.plots import (
    plot_lorenz_curve,
    plot_migration_heatmap,
    plot_pareto_curve,
    plot_tier_bars,
)


def series(values, name="revenue"):
    return pd.Series(
        np.asarray(values, dtype=float), index=[f"c{i:02d}" for i in range(len(values))], name=name
    )


@pytest.fixture
def toy():
    # Ten customers worth 100 in total, so every share is a round percentage.
    # Ranked: 50, 20, 10, 5, 5, 4, 3, 2, 1, 0; cumulative: 50, 70, 80, 85, 90, 94, 97, 99, 100, 100.
    # Shuffled, so that nothing depends on the input order.
    return series([5, 0, 20, 3, 50, 1, 5, 10, 2, 4])


def by_value(toy, result):
    """The result listed in the ranked order of the toy's values (ties in index order)."""
    return result[toy.sort_values(ascending=False, kind="stable").index].tolist()


# --- gini --------------------------------------------------------------------------------------


def gini_by_pairs(x):
    # Textbook: mean absolute difference over all n^2 ordered pairs / (2 * mean).
    x = np.asarray(x, dtype=float)
    return np.abs(x[:, None] - x[None, :]).mean() / (2 * x.mean())


def test_gini_hand_computed_small_cases():
    # [1, 1, 1, 1]: every pair differs by 0 -> 0.
    assert tiers.gini(series([1, 1, 1, 1])) == 0.0
    # [0, 0, 0, 10]: 6 of the 16 ordered pairs differ by 10 -> MAD 60/16 = 3.75; mean 2.5;
    # G = 3.75 / 5 = 0.75 = (n - 1) / n, the maximum for n = 4.
    assert tiers.gini(series([0, 0, 0, 10])) == pytest.approx(0.75)
    # With the n / (n - 1) correction: 0.75 * 4 / 3 = 1.
    assert tiers.gini(series([0, 0, 0, 10]), correction=True) == pytest.approx(1.0)


def test_gini_of_the_toy(toy):
    # Ascending 0,1,2,3,4,5,5,10,20,50 with weights 2i - 11 = -9,-7,...,9:
    # 0 - 7 - 10 - 9 - 4 + 5 + 15 + 50 + 140 + 450 = 630; G = 630 / (10 * 100) = 0.63.
    assert tiers.gini(toy) == pytest.approx(0.63)
    assert tiers.gini(toy) == pytest.approx(gini_by_pairs(toy))


def test_gini_agrees_with_the_pairs_formula_on_random_data():
    rng = np.random.default_rng(3)
    values = series(np.round(rng.lognormal(3, 1.2, 500), 2))
    assert tiers.gini(values) == pytest.approx(gini_by_pairs(values), rel=1e-12)
    # Scale-invariant, order-invariant.
    assert tiers.gini(values * 7) == pytest.approx(tiers.gini(values))
    assert tiers.gini(values.sample(frac=1, random_state=1)) == pytest.approx(tiers.gini(values))


def test_gini_single_customer_is_zero_and_correction_needs_two():
    assert tiers.gini(series([42])) == 0.0
    with pytest.raises(ValueError, match="at least two customers"):
        tiers.gini(series([42]), correction=True)


def test_gini_zeros_count_as_customers():
    # [0, 10]: pairs differ by 10 in 2 of 4 -> MAD 5, mean 5 -> 0.5.
    assert tiers.gini(series([0, 10])) == pytest.approx(0.5)


# --- lorenz ------------------------------------------------------------------------------------


def test_lorenz_curve_points():
    curve = tiers.lorenz_curve(series([10, 0, 0, 0]))
    assert curve["customer_share"].tolist() == [0, 0.25, 0.5, 0.75, 1]
    assert curve["value_share"].tolist() == [0, 0, 0, 0, 1]
    # 1 - 2 * (area under the curve by trapezoids) = 1 - 2 * 0.125 = the Gini, 0.75.
    area = np.trapezoid(curve["value_share"], curve["customer_share"])
    assert 1 - 2 * area == pytest.approx(0.75)


def test_lorenz_curve_of_equal_values_is_the_diagonal():
    curve = tiers.lorenz_curve(series([3, 3, 3]))
    assert np.allclose(curve["value_share"], curve["customer_share"])


# --- pareto ------------------------------------------------------------------------------------


def test_pareto_table_of_the_toy(toy):
    table = tiers.pareto_table(toy)
    # Top 1%, 5% and 10% of 10 customers: ceil -> 1 customer (50). Top 20%: 2 (50 + 20).
    # Top 50%: 5 (50 + 20 + 10 + 5 + 5).
    assert table.index.tolist() == [0.01, 0.05, 0.10, 0.20, 0.50]
    assert table["customers"].tolist() == [1, 1, 1, 2, 5]
    assert table["revenue"].tolist() == pytest.approx([0.50, 0.50, 0.50, 0.70, 0.90])


def test_pareto_table_several_columns_rank_each_by_itself(toy):
    profit = series([1, 0, 1, 1, 1, 1, 6, 0, 0, 0], name="profit")  # total 11, best is 6
    table = tiers.pareto_table(pd.concat([toy, profit], axis=1), top=[0.1, 1.0])
    assert table.loc[0.1, "revenue"] == pytest.approx(0.5)
    assert table.loc[0.1, "profit"] == pytest.approx(6 / 11)
    assert table.loc[1.0].tolist() == pytest.approx([10, 1.0, 1.0])


def test_pareto_share_counts_are_robust_to_floating_point():
    # 0.07 * 100 = 7.000000000000001 in floating point: still 7 customers, not 8.
    table = tiers.pareto_table(series(np.arange(100, 0, -1)), top=[0.07])
    assert table["customers"].tolist() == [7]


def test_pareto_of_identical_values_and_of_one_customer():
    assert tiers.pareto_table(series([4] * 10))["revenue"].tolist() == pytest.approx(
        [0.1, 0.1, 0.1, 0.2, 0.5]
    )
    one = tiers.pareto_table(series([7]))
    assert one["customers"].tolist() == [1] * 5
    assert one["revenue"].tolist() == [1.0] * 5


@pytest.mark.parametrize("top", [[0], [1.5], []])
def test_pareto_rejects_bad_shares(toy, top):
    with pytest.raises(ValueError, match="top"):
        tiers.pareto_table(toy, top=top)


# --- abc ---------------------------------------------------------------------------------------


def test_abc_tiers_of_the_toy(toy):
    abc = tiers.abc_tiers(toy)
    # A: 50, 20, 10 (0%, 50%, 70% above them: below 80%) -> exactly 80% of value.
    # B: the two 5s (80% above: at the threshold, so not A; tied, so together), 4 (90%), 3 (94%).
    # C: 2 (97% above), 1 (99%), 0 (100%).
    assert by_value(toy, abc) == ["A"] * 3 + ["B"] * 4 + ["C"] * 3
    assert list(abc.cat.categories) == ["A", "B", "C"]
    assert abc.name == "abc_tier"
    assert abc.index.equals(toy.index)


def test_abc_boundary_customer_is_in_the_upper_tier():
    # 60, 30, 10: the customer worth 30 crosses 80% (60% above them): A. 10 has 90% above: B.
    abc = tiers.abc_tiers(series([60, 30, 10]))
    assert abc.tolist() == ["A", "A", "B"]
    assert abc.value_counts().to_dict() == {"A": 2, "B": 1, "C": 0}


def test_abc_custom_thresholds_and_labels(toy):
    abc = tiers.abc_tiers(toy, thresholds=[0.5], labels=["top", "rest"])
    # Only the 50 is above nothing; the 20 has 50% above it -> rest.
    assert by_value(toy, abc) == ["top"] + ["rest"] * 9


def test_abc_ties_stay_together_all_equal_is_all_a():
    assert tiers.abc_tiers(series([2] * 10)).tolist() == ["A"] * 10


def test_abc_single_customer_is_a():
    assert tiers.abc_tiers(series([5])).tolist() == ["A"]


@pytest.mark.parametrize(
    ("thresholds", "labels", "match"),
    [
        ([0.95, 0.8], ["A", "B", "C"], "strictly increasing"),
        ([0.8, 1.2], ["A", "B", "C"], "strictly increasing"),
        ([0.8], ["A", "B", "C"], "1 cut point"),
        ([0.8, 0.95], ["A", "A", "C"], "distinct"),
    ],
)
def test_abc_rejects_bad_settings(toy, thresholds, labels, match):
    with pytest.raises(ValueError, match=match):
        tiers.abc_tiers(toy, thresholds, labels)


# --- deciles and heavy/medium/light ------------------------------------------------------------


def test_value_deciles_of_the_toy(toy):
    deciles = tiers.value_deciles(toy)
    # One customer per decile, except the two 5s, who share decile 4 (3 customers above them);
    # decile 5 is empty and 4 (5 customers above) is in decile 6.
    assert by_value(toy, deciles) == [1, 2, 3, 4, 4, 6, 7, 8, 9, 10]
    assert list(deciles.cat.categories) == list(range(1, 11))


def test_value_deciles_accept_negative_values_and_equal_values():
    assert tiers.value_deciles(series([-5, 10, 0, 3]), n=4).tolist() == [4, 1, 3, 2]
    assert tiers.value_deciles(series([1] * 20)).tolist() == [1] * 20


def test_quantile_tiers_of_the_toy(toy):
    volume = tiers.quantile_tiers(toy)
    # heavy: top 20% (0% and 10% of customers above); medium: 20%-50% above; light: the rest.
    assert by_value(toy, volume) == ["heavy"] * 2 + ["medium"] * 3 + ["light"] * 5
    assert volume.name == "volume_tier"


def test_quantile_tiers_keep_tied_order_counts_in_the_better_tier():
    # Orders 5, 3, 3, 3, then six 1s: the 3s have 10% above -> heavy (all three);
    # the 1s have 40% above -> medium (all six); nobody is light.
    purchases = series([5, 3, 3, 3, 1, 1, 1, 1, 1, 1], name="purchases")
    counts = tiers.quantile_tiers(purchases).value_counts().to_dict()
    assert counts == {"heavy": 4, "medium": 6, "light": 0}


# --- tier summary ------------------------------------------------------------------------------


def test_tier_summary_of_the_toy_abc(toy):
    summary = tiers.tier_summary(toy, tiers.abc_tiers(toy))
    assert summary.index.tolist() == ["A", "B", "C"]
    assert summary["customers"].tolist() == [3, 4, 3]
    assert summary["customer_share"].tolist() == pytest.approx([0.3, 0.4, 0.3])
    assert summary["value"].tolist() == pytest.approx([80, 17, 3])
    assert summary["value_share"].tolist() == pytest.approx([0.80, 0.17, 0.03])
    assert summary["mean_value"].tolist() == pytest.approx([80 / 3, 4.25, 1.0])
    assert summary["median_value"].tolist() == pytest.approx([20, 4.5, 1])


def test_tier_summary_lists_empty_tiers_and_rejects_other_customers(toy):
    summary = tiers.tier_summary(series([60, 30, 10]), tiers.abc_tiers(series([60, 30, 10])))
    assert summary.loc["C", "customers"] == 0
    with pytest.raises(ValueError, match="same customers"):
        tiers.tier_summary(toy, tiers.abc_tiers(toy).iloc[1:])


# --- migration ---------------------------------------------------------------------------------


def abc(mapping):
    return pd.Series(
        pd.Categorical(list(mapping.values()), categories=["A", "B", "C"], ordered=True),
        index=list(mapping),
    )


@pytest.fixture
def periods():
    # a: A -> gone; b: B -> A (up); c: C -> C (same); d: A -> B (down); e: new -> C.
    before = abc({"a": "A", "b": "B", "c": "C", "d": "A"})
    after = abc({"b": "A", "c": "C", "d": "B", "e": "C"})
    return before, after


def test_migration_matrix(periods):
    matrix = tiers.migration_matrix(*periods)
    assert matrix.index.tolist() == ["A", "B", "C", "new"]
    assert matrix.columns.tolist() == ["A", "B", "C", "gone"]
    expected = [
        [0, 1, 0, 1],  # A: d fell to B, a is gone
        [1, 0, 0, 0],  # B: b rose to A
        [0, 0, 1, 0],  # C: c stayed
        [0, 0, 1, 0],  # new: e came in as C
    ]
    assert matrix.to_numpy().tolist() == expected
    assert matrix.to_numpy().sum() == 5  # every customer of either period once


def test_migration_moves(periods):
    moves = tiers.migration_moves(*periods)
    assert moves.to_dict() == {"a": "gone", "b": "up", "c": "same", "d": "down", "e": "new"}
    assert list(moves.cat.categories) == ["up", "same", "down", "new", "gone"]


def test_migration_rejects_plain_or_mismatched_tiers(periods):
    before, after = periods
    with pytest.raises(ValueError, match="categorical"):
        tiers.migration_matrix(before.astype(str), after)
    other = after.cat.rename_categories(["X", "Y", "Z"])
    with pytest.raises(ValueError, match="same tiers"):
        tiers.migration_moves(before, other)


# --- bad input ---------------------------------------------------------------------------------

SHARE_FUNCTIONS = [tiers.gini, tiers.lorenz_curve, tiers.pareto_table, tiers.abc_tiers]
ALL_FUNCTIONS = [*SHARE_FUNCTIONS, tiers.value_deciles, tiers.quantile_tiers]


@pytest.mark.parametrize("function", ALL_FUNCTIONS)
def test_empty_input_is_refused(function):
    with pytest.raises(ValueError, match="no customers"):
        function(series([]))


@pytest.mark.parametrize("function", SHARE_FUNCTIONS)
def test_negative_values_are_refused_naming_a_customer(function):
    with pytest.raises(ValueError, match=r"negative.*-3.0 for customer 'c02'"):
        function(series([5, 1, -3, 2]))


@pytest.mark.parametrize("function", SHARE_FUNCTIONS)
def test_all_zero_values_are_refused(function):
    with pytest.raises(ValueError, match="total value is zero"):
        function(series([0, 0, 0]))


@pytest.mark.parametrize("function", ALL_FUNCTIONS)
def test_missing_values_and_repeated_customers_are_refused(function):
    with pytest.raises(ValueError, match=r"finite.*customer 'c01'"):
        function(series([5, np.nan, 2]))
    repeated = pd.Series([1.0, 2.0, 3.0], index=["x", "y", "x"])
    with pytest.raises(ValueError, match="one value per customer.*'x'"):
        function(repeated)


@pytest.mark.parametrize("function", ALL_FUNCTIONS)
def test_non_numeric_values_are_refused(function):
    with pytest.raises(ValueError, match="numeric"):
        function(pd.Series(["a", "b"], index=["x", "y"]))


def test_a_dataframe_is_not_a_series():
    with pytest.raises(TypeError, match="Series"):
        tiers.gini(pd.DataFrame({"revenue": [1.0, 2.0]}))


def test_all_identical_values():
    values = series([3] * 8)
    assert tiers.gini(values) == 0.0
    assert tiers.abc_tiers(values).tolist() == ["A"] * 8
    assert tiers.quantile_tiers(values).tolist() == ["heavy"] * 8
    assert tiers.value_deciles(values).tolist() == [1] * 8


# --- plots -------------------------------------------------------------------------------------


def test_plot_lorenz_curve(toy):
    ax = plot_lorenz_curve(toy)
    assert "Gini 0.63" in ax.get_title()
    assert ax.get_xlabel() and ax.get_ylabel()
    x, y = ax.lines[1].get_data()  # lines[0] is the equality line
    assert list(x) == pytest.approx(np.arange(11) / 10)
    assert y[-2] == pytest.approx(0.5)  # the poorest 90% hold half
    plt.close(ax.figure)


def test_plot_pareto_curve_marks_the_top_20_percent(toy):
    ax = plot_pareto_curve(toy, mark=0.2)
    assert "Top 20%" in ax.get_title() and "70%" in ax.get_title()
    x, y = ax.lines[1].get_data()
    assert y[1] == pytest.approx(0.5) and y[2] == pytest.approx(0.7)
    plt.close(ax.figure)


def test_plot_tier_bars(toy):
    ax = plot_tier_bars(tiers.tier_summary(toy, tiers.abc_tiers(toy)))
    heights = [round(p.get_height(), 6) for p in ax.patches]
    assert heights == [0.3, 0.4, 0.3, 0.8, 0.17, 0.03]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["A", "B", "C"]
    assert ax.get_title() and ax.get_ylabel()
    plt.close(ax.figure)


def test_plot_migration_heatmap(periods):
    ax = plot_migration_heatmap(tiers.migration_matrix(*periods))
    texts = [t.get_text() for t in ax.texts]
    assert len(texts) == 16
    assert texts[3] == "1\n50%"  # row A: 1 of 2 gone
    assert ax.get_xlabel() and ax.get_ylabel() and ax.get_title()
    plt.close(ax.figure)

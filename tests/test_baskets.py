"""helpers.baskets: a five-basket toy worked by hand, and an independent pandas computation.

Expected supports, confidences and lifts are counted by hand (toy) or with plain pandas set
counting (random baskets), never taken from mlxtend or helpers.baskets.
"""

from __future__ import annotations

import itertools

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from helpers import baskets as b
from helpers.plots import plot_rules

# The toy: five invoices (N = 5), products PA, PB, PC, PD (written A, B, C, D below; plain
# "B" and "D" would be dropped as Online Retail's non-product codes)
#   1: A B C    2: A B    3: A C    4: B D    5: A B D
# plus a postage line on invoice 1, A twice on invoice 2, and invoice 6 with only postage.
# Supports: A 4/5, B 4/5, C 2/5, D 2/5; AB 3/5, AC 2/5, BD 2/5, AD 1/5, BC 1/5, CD 0,
# ABC 1/5, ABD 1/5.
TOY = [
    ("1", "PA"), ("1", "PB"), ("1", "PC"), ("1", "POST"),
    ("2", "PA"), ("2", "PB"), ("2", "PA"),
    ("3", "PA"), ("3", "PC"),
    ("4", "PB"), ("4", "PD"),
    ("5", "PA"), ("5", "PB"), ("5", "PD"),
    ("6", "POST"),
]  # fmt: skip


@pytest.fixture
def toy_lines() -> pd.DataFrame:
    lines = pd.DataFrame(TOY, columns=["invoice_id", "product_id"])
    lines["quantity"] = 1
    lines["customer_id"] = lines["invoice_id"].map(
        {"1": "x", "2": "x", "3": "y", "4": "z", "5": "z", "6": "z"}
    )
    lines["description"] = lines["product_id"].map(lambda p: f"ITEM {p}")
    return lines


@pytest.fixture
def toy(toy_lines) -> pd.DataFrame:
    return b.basket_matrix(toy_lines)


def test_basket_matrix_one_hot(toy, toy_lines):
    assert toy.index.tolist() == ["1", "2", "3", "4", "5"]  # invoice 6 held only postage
    assert toy.columns.tolist() == ["PA", "PB", "PC", "PD"]  # POST is not a product
    assert all(isinstance(t, pd.SparseDtype) for t in toy.dtypes)
    dense = b.basket_matrix(toy_lines, sparse=False)
    assert all(pd.api.types.is_bool_dtype(t) for t in dense.dtypes)
    expected = [[1, 1, 1, 0], [1, 1, 0, 0], [1, 0, 1, 0], [0, 1, 0, 1], [1, 1, 0, 1]]
    assert dense.to_numpy().astype(int).tolist() == expected
    assert toy.sparse.to_dense().equals(dense)


def test_basket_stats_by_hand(toy):
    stats = b.basket_stats(toy)
    assert stats["baskets"] == 5
    assert stats["products"] == 4
    assert stats["mean_size"] == pytest.approx(12 / 5)  # 3 + 2 + 2 + 2 + 3
    assert stats["median_size"] == 2
    assert stats["single_item_share"] == 0
    assert stats["density"] == pytest.approx(12 / 20)
    assert stats["top_product_support"] == pytest.approx(0.8)


def test_frequent_itemsets_by_hand(toy):
    found = b.frequent_itemsets(toy, min_support=0.4)
    got = {tuple(sorted(x)): s for x, s in zip(found["itemset"], found["support"], strict=True)}
    assert got == pytest.approx(
        {("PA",): 0.8, ("PB",): 0.8, ("PA", "PB"): 0.6, ("PC",): 0.4, ("PD",): 0.4,
         ("PA", "PC"): 0.4, ("PB", "PD"): 0.4}
    )  # fmt: skip
    assert found["n_baskets"].tolist() == [4, 4, 3, 2, 2, 2, 2]
    assert found.attrs["n_baskets"] == 5


def test_rules_by_hand(toy):
    rules = b.association_rules(toy, min_support=0.4, min_lift=0.0)
    table = {(r.antecedent, r.consequent): r for r in rules.itertuples()}
    assert set(table) == {
        (("PA",), ("PB",)), (("PB",), ("PA",)), (("PA",), ("PC",)), (("PC",), ("PA",)),
        (("PB",), ("PD",)), (("PD",), ("PB",)),
    }  # fmt: skip
    ab = table[("PA",), ("PB",)]
    assert ab.support == pytest.approx(0.6)
    assert ab.confidence == pytest.approx(0.6 / 0.8)  # 0.75
    assert ab.lift == pytest.approx(0.6 / (0.8 * 0.8))  # 0.9375: less than chance
    ca = table[("PC",), ("PA",)]
    assert ca.confidence == pytest.approx(1.0)  # every basket with C has A
    assert ca.lift == pytest.approx(1.25)
    ac = table[("PA",), ("PC",)]
    assert ac.confidence == pytest.approx(0.5)
    assert ac.lift == pytest.approx(1.25)  # lift is symmetric, confidence is not
    assert ab.n_baskets == 3
    # default min_lift = 1 drops A <-> B; min_confidence = 0.6 keeps C -> A and D -> B
    strict = b.association_rules(toy, min_support=0.4, min_confidence=0.6)
    assert list(zip(strict["antecedent"], strict["consequent"], strict=True)) == [
        (("PC",), ("PA",)),
        (("PD",), ("PB",)),
    ]
    assert list(strict.columns) == list(b.RULE_COLUMNS)


def test_three_item_rules_and_max_len(toy):
    rules = b.association_rules(toy, min_support=0.2, min_lift=0.0)
    table = {(r.antecedent, r.consequent): r for r in rules.itertuples()}
    r = table[("PA", "PC"), ("PB",)]  # ABC in 1 of 5; AC in 2 of 5; B in 4 of 5
    assert r.support == pytest.approx(0.2)
    assert r.confidence == pytest.approx(0.5)
    assert r.lift == pytest.approx(0.5 / 0.8)
    assert rules["length"].max() == 3
    pairs = b.association_rules(toy, min_support=0.2, min_lift=0.0, max_len=2)
    assert pairs["length"].max() == 2


def test_explain_rules_in_words(toy, toy_lines):
    rules = b.association_rules(toy, min_support=0.4, min_confidence=0.6)
    words = b.explain_rules(rules, b.product_descriptions(toy_lines))
    assert words.iloc[0] == (
        "Of the baskets with ITEM PC (40.0% of all baskets), 100% also hold ITEM PA: "
        "1.2 times as often as baskets in general (80.0%). Together in 40.0% of baskets (2)."
    )


def test_product_descriptions_most_frequent():
    lines = pd.DataFrame(
        {"product_id": ["1", "1", "1", "2", "2"], "description": ["PB", "PA", "PB", "Y", "X"]}
    )
    assert b.product_descriptions(lines).to_dict() == {"1": "PB", "2": "X"}  # tie: alphabetical


def random_lines(seed: int = 7, n_invoices: int = 400, n_products: int = 12) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    popularity = rng.dirichlet(np.ones(n_products)) * 3
    for invoice in range(n_invoices):
        chosen = np.flatnonzero(rng.random(n_products) < np.clip(popularity, 0.02, 0.9))
        if 0 in chosen and rng.random() < 0.8:  # P0 pulls P1 along
            chosen = np.union1d(chosen, [1])
        if len(chosen) == 0:
            chosen = [int(rng.integers(n_products))]
        rows += [(f"I{invoice:04d}", f"P{p}") for p in chosen]
    return pd.DataFrame(rows, columns=["invoice_id", "product_id"]).assign(quantity=1)


def independent_rules(lines: pd.DataFrame, min_support: float) -> pd.DataFrame:
    """Every one-to-one rule, counted with plain pandas: invoices with A, with B, with both."""
    sets = lines.groupby("invoice_id")["product_id"].apply(set)
    n = len(sets)
    products = sorted(lines["product_id"].unique())
    count = {p: sum(p in s for s in sets) for p in products}
    rows = []
    for x, y in itertools.permutations(products, 2):
        both = sum(x in s and y in s for s in sets)
        if both / n >= min_support:
            rows.append(
                {
                    "antecedent": (x,),
                    "consequent": (y,),
                    "support": both / n,
                    "confidence": both / count[x],
                    "lift": both * n / (count[x] * count[y]),
                }
            )
    return pd.DataFrame(rows).set_index(["antecedent", "consequent"]).sort_index()


@pytest.mark.parametrize("sparse", [True, False])
def test_against_an_independent_pandas_count(sparse):
    lines = random_lines()
    independent = independent_rules(lines, 0.05)
    rules = b.association_rules(
        b.basket_matrix(lines, sparse=sparse), min_support=0.05, min_lift=0.0, max_len=2
    )
    got = rules.set_index(["antecedent", "consequent"]).sort_index()
    assert got.index.tolist() == independent.index.tolist()  # the same rules, none missing
    for column in ("support", "confidence", "lift"):
        np.testing.assert_allclose(got[column], independent[column], rtol=1e-12)
    # the planted dependence: P0 -> P1 has the top lift among the pairs with P0
    p0_p1 = (rules["antecedent"] == ("P0",)) & (rules["consequent"] == ("P1",))
    assert rules.loc[p0_p1, "confidence"].item() > 0.8


def test_filters_apply(toy):
    rules = b.association_rules(toy, min_support=0.2, min_confidence=0.5, min_lift=1.1)
    assert (rules["confidence"] >= 0.5).all() and (rules["lift"] >= 1.1).all()
    assert (rules["support"] >= 0.2).all()
    assert rules["lift"].is_monotonic_decreasing
    none = b.association_rules(toy, min_support=0.9)
    assert none.empty and list(none.columns) == list(b.RULE_COLUMNS)


def test_rules_by_group(toy_lines):
    lines = toy_lines[toy_lines["product_id"] != "POST"]
    by_customer = b.rules_by_group(
        lines, pd.Series({"x": "north", "y": "north", "z": "south"}, name="area"),
        min_support=0.5, min_lift=0.0,
    )  # fmt: skip
    groups = by_customer.attrs["groups"]
    assert groups["baskets"].to_dict() == {"north": 3, "south": 2}
    # south: baskets {B, D} and {A, B, D}: B <-> D in both (support 1, confidence 1, lift 1)
    south = by_customer[by_customer["area"] == "south"]
    bd = south[(south["antecedent"] == ("PB",)) & (south["consequent"] == ("PD",))]
    assert bd[["support", "confidence", "lift"]].iloc[0].tolist() == pytest.approx([1, 1, 1])
    by_column = b.rules_by_group(lines.assign(market="all"), "market", min_support=0.4)
    assert by_column.attrs["groups"]["baskets"].to_dict() == {"all": 5}


def test_planted_pairs_found(toy):
    rules = b.association_rules(toy, min_support=0.4, min_confidence=0.6)  # C -> A, D -> B
    pairs = pd.DataFrame({"product_a": ["PA", "PB", "PA"], "product_b": ["PC", "PD", "PD"]})
    found = b.planted_pairs_found(rules, pairs)
    assert found["found"].tolist() == [True, True, False]
    assert found.loc[0, "lift"] == pytest.approx(1.25)
    assert np.isnan(found.loc[0, "confidence_ab"])  # A -> C (0.5) is below 0.6
    assert found.loc[0, "confidence_ba"] == pytest.approx(1.0)


def test_bad_input_raises_clear_errors(toy_lines, toy):
    with pytest.raises(ValueError, match="'product_id' is required but missing"):
        b.basket_matrix(toy_lines.drop(columns="product_id"))
    with pytest.raises(ValueError, match="no rows"):
        b.basket_matrix(toy_lines.iloc[:0])
    with pytest.raises(ValueError, match="no product lines"):
        b.basket_matrix(toy_lines[toy_lines["product_id"] == "POST"])
    with pytest.raises(ValueError, match=r"'quantity' must be > 0 .*row 2"):
        b.basket_matrix(toy_lines.assign(quantity=[1, 1, -1] + [1] * 12))
    with pytest.raises(ValueError, match=r"'invoice_id' must be present.*row 0"):
        b.basket_matrix(toy_lines.assign(invoice_id=[None] + ["1"] * 14))
    with pytest.raises(ValueError, match="the matrix is empty"):
        b.frequent_itemsets(toy.iloc[:0])
    empty_row = toy.sparse.to_dense()
    empty_row.loc["9"] = False
    with pytest.raises(ValueError, match=r"1 are empty, e.g. basket '9'"):
        b.association_rules(empty_row)
    with pytest.raises(ValueError, match="column 'PA' must be boolean"):
        b.frequent_itemsets(toy.sparse.to_dense().astype(int))
    with pytest.raises(ValueError, match=r"min_support must be in \(0, 1\]"):
        b.frequent_itemsets(toy, 0)
    with pytest.raises(ValueError, match="min_confidence must be in"):
        b.association_rules(toy, min_confidence=1.5)
    with pytest.raises(ValueError, match="max_len must be an integer >= 2"):
        b.association_rules(toy, max_len=1)
    lines = toy_lines[toy_lines["product_id"] != "POST"]
    with pytest.raises(ValueError, match=r"1 customer\(s\) .* no group label, e.g. customer 'z'"):
        b.rules_by_group(lines, pd.Series({"x": "a", "y": "b"}))
    with pytest.raises(ValueError, match="invoice '1' is in 2 groups"):
        b.rules_by_group(lines.assign(c=["u", "v"] + ["u"] * (len(lines) - 2)), "c")


def test_plot_rules(toy, toy_lines):
    rules = b.association_rules(toy, min_support=0.2, min_lift=0.0)
    ax = plot_rules(rules, b.product_descriptions(toy_lines), n_labels=2)
    assert ax.get_title() == f"{len(rules)} association rules"
    assert ax.get_xlabel() and ax.get_ylabel()
    plt.close(ax.figure)
    with pytest.raises(ValueError, match="no rules"):
        plot_rules(rules.iloc[:0])

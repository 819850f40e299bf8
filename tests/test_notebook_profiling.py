"""Chapter 09 (profiles and market baskets) run with papermill; recorded rules checked.

The supports, confidences and lifts of the top rules are recomputed here with plain pandas
from the clean order lines (count the invoices holding the antecedent, the consequent and
both), not with helpers.baskets or mlxtend.
"""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import real_file
from test_notebooks import NOTEBOOKS, run

from helpers.datasets import load_clean_transactions, load_synthetic
from helpers.notebook import read_results

pytestmark = pytest.mark.notebook


def count_rule(lines: pd.DataFrame, antecedent: list, consequent: list) -> dict:
    """Support, confidence and lift of a rule by counting invoices with plain pandas."""
    baskets = lines.groupby("invoice_id")["product_id"].agg(frozenset)
    a, c = frozenset(antecedent), frozenset(consequent)
    n = len(baskets)
    n_a = int(baskets.map(a.issubset).sum())
    n_c = int(baskets.map(c.issubset).sum())
    n_both = int(baskets.map((a | c).issubset).sum())
    return {"support": n_both / n, "confidence": n_both / n_a, "lift": n_both * n / (n_a * n_c)}


def check_top_rules(results: dict, lines: pd.DataFrame, min_support: float) -> None:
    top = results["top_rules"]
    assert len(top["lift"]) == 5
    assert top["lift"] == sorted(top["lift"], reverse=True)
    for i, (a, c) in enumerate(zip(top["antecedent"], top["consequent"], strict=True)):
        expected = count_rule(lines, a, c)
        for name in ("support", "confidence", "lift"):
            assert top[name][i] == pytest.approx(expected[name], rel=1e-5), (a, c, name)
        assert expected["support"] >= min_support
        assert expected["confidence"] >= 0.3 and expected["lift"] >= 2.0


@pytest.mark.realdata
def test_profiling_chapter_on_online_retail(tmp_path):
    path = real_file("online_retail_2010_2011.csv.gz")
    results = run("09_profiling.ipynb", tmp_path, DATASET="online_retail")
    clean, _ = load_clean_transactions("online_retail", path)

    assert results["dataset"] == "online_retail"
    assert results["n_customers"] == clean["customer_id"].nunique()
    assert sum(results["segment_sizes"].values()) == results["n_customers"]
    assert results["n_baskets"] == clean["invoice_id"].nunique()
    assert results["n_products"] == clean["product_id"].nunique()
    assert results["n_rules"] > 100
    check_top_rules(results, clean, 0.01)
    # the top rules are sets of one design in several colours (REGENCY tea plates)
    assert results["top_rules"]["lift"][0] > 50
    assert (
        results["group_baskets"]["United Kingdom"] + results["group_baskets"]["other countries"]
        == results["n_baskets"]
    )
    assert results["planted_pairs_found"] is None


def test_profiling_chapter_finds_the_planted_pairs(tmp_path):
    results = run("09_profiling.ipynb", tmp_path, MIN_SUPPORT=0.015, N_SHOWN=5)
    clean, _ = load_clean_transactions("synthetic")
    assert results["dataset"] == "synthetic"
    assert results["planted_pairs_found"] >= 11  # of 12 planted pairs
    assert results["planted_pairs_min_lift"] > 4
    check_top_rules(results, clean, 0.015)
    assert set(results["segment_sizes"]) >= {"Champions", "Loyal", "Lost"}


def test_profiling_chapter_on_tiers(tmp_path):
    results = run("09_profiling.ipynb", tmp_path, SEGMENTS="tier", N_SHOWN=3)
    assert list(results["segment_sizes"]) == ["A", "B", "C"]
    assert sum(results["segment_sizes"].values()) == results["n_customers"]
    # tier A holds at least 80% of revenue by definition
    assert results["segment_revenue_share"]["A"] >= 0.8


def test_committed_group_rules_need_a_minimum_count():
    """Section 5.4: a group's rule must rest on MIN_RULE_BASKETS baskets, and why."""
    results = read_results(NOTEBOOKS / "09_profiling.ipynb")
    assert results["dataset"] == "synthetic" and results["min_rule_baskets"] == 30
    assert results["group_rule_min_count"] < 30 <= results["group_kept_min_count"]
    kept, found = results["group_rules_kept"], results["group_rules"]
    assert all(kept.get(group, 0) <= n for group, n in found.items())
    # 100% confidence on n of n baskets: the Wilson lower bound is n / (n + z^2), z = 1.96
    full = results["group_full_confidence_rules"]
    assert full["n"] > 0 and full["min_baskets"] < 30
    z2 = 1.959964**2
    assert round(full["min_baskets"] / (full["min_baskets"] + z2), 2) == 0.57  # printed 57%
    assert round(30 / (30 + z2), 2) == 0.89  # printed 89%
    # the prose: in the small segments nearly every rule found only there is removed
    small = [g for g, n in results["group_baskets"].items() if n < 2_000]
    before = sum(results["group_only"][g] for g in small)
    after = sum(results["group_only_kept"][g] for g in small)
    assert before > 100 and after <= 0.05 * before


def test_committed_clusters_are_chapter_05s():
    """Section 3.1 profiles chapter 05's clusters: the same customers in the same groups."""
    profiled = read_results(NOTEBOOKS / "09_profiling.ipynb")["cluster_sizes"]
    clustered = read_results(NOTEBOOKS / "05_clustering.ipynb")["cluster_sizes"]
    assert profiled == clustered


def test_committed_prose_numbers_of_the_profiles_and_the_planted_pairs():
    """The numbers sections 2 and 5.5 glue, against the recorded sizes and the generator."""
    results = read_results(NOTEBOOKS / "09_profiling.ipynb")
    assert results["dataset"] == "synthetic" and results["segments"] == "rfm"
    # revenue index = 100 x share of revenue / share of customers, from the recorded sizes
    # (the share of revenue is recorded to 4 decimals: the tolerance follows from that)
    n = results["n_customers"]
    for segment, share in results["segment_revenue_share"].items():
        customer_share = results["segment_sizes"][segment] / n
        expected = 100 * share / customer_share
        tolerance = 100 * 0.00005 / customer_share + 0.005
        assert results["revenue_index"][segment] == pytest.approx(expected, abs=tolerance)
    # "the frequent, recent buyers hold far more of the revenue than of the customers"
    assert min(results["revenue_index"][s] for s in ("Champions", "Loyal")) > 200
    # "much the same mix of categories as everybody else"
    low, high = results["top_category_index"]["min"], results["top_category_index"]["max"]
    assert 80 < low <= high < 120
    # every planted pair found, each direction above the generator's 70% (the partner is
    # added to a basket with probability 0.7 in helpers/synthetic_products.py)
    assert results["planted_pairs_found"] == len(load_synthetic().bought_together) == 12
    confidence = results["planted_pairs_confidence"]
    assert 0.7 < confidence["min"] <= confidence["max"] < 1
    assert 1 < results["planted_pairs_min_lift"] <= results["planted_pairs_max_lift"]

"""Chapter 10 (recommendation) run with papermill; recorded metrics checked.

The popularity baseline's precision@10 and recall@10 are recomputed here from the clean order
lines with plain pandas and sets (count buyers before the cutoff, walk down that list per
customer skipping what they bought, compare with what they bought after), not with
helpers.recommend or helpers.recommend_eval.
"""

from __future__ import annotations

import math

import nbformat
import pandas as pd
import pytest
from conftest import real_file
from test_notebooks import NOTEBOOKS, run

from helpers.datasets import load_clean_transactions, load_synthetic
from helpers.notebook import read_results

pytestmark = pytest.mark.notebook

METHODS = {
    "popularity", "popularity per segment", "item CF", "user CF", "content", "hybrid",
    "ALS", "BPR", "SAR",
}  # fmt: skip
PERSONALISED = METHODS - {"popularity", "popularity per segment"}
SHOP_METRICS = {"precision", "ndcg", "coverage", "popularity_share", "novelty"}


def popularity_by_hand(lines: pd.DataFrame, cutoff: str, k: int = 10) -> dict:
    """Precision and recall at k of "the k best sellers you have not bought", with sets."""
    cutoff = pd.Timestamp(cutoff)
    train = lines[lines["invoice_date"] < cutoff]
    test = lines[lines["invoice_date"] >= cutoff]
    before = train.groupby("customer_id")["product_id"].agg(set).to_dict()
    after = test.groupby("customer_id")["product_id"].agg(set).to_dict()
    buyers = train.groupby("product_id")["customer_id"].nunique()
    order = sorted(buyers.index, key=lambda p: (-buyers[p], p))  # ties: by product id
    precision, recall = [], []
    for customer, bought in after.items():
        new = bought - before.get(customer, bought)  # unknown customers: nothing is new
        if not new:
            continue
        top = []
        for product in order:
            if product not in before[customer]:
                top.append(product)
                if len(top) == k:
                    break
        hits = len(new.intersection(top))
        precision.append(hits / k)
        recall.append(hits / len(new))
    return {
        "customers": len(precision),
        "precision": sum(precision) / len(precision),
        "recall": sum(recall) / len(recall),
    }


def check_common(results: dict, lines: pd.DataFrame) -> None:
    precision, recall = results["precision_at_k"], results["recall_at_k"]
    assert set(precision) == METHODS and set(recall) == METHODS
    expected = popularity_by_hand(lines, results["cutoff"], results["k"])
    assert results["n_scored"] == expected["customers"]
    assert precision["popularity"] == pytest.approx(expected["precision"], abs=1e-6)
    assert recall["popularity"] == pytest.approx(expected["recall"], abs=1e-6)
    for name in METHODS:
        assert 0 < precision[name] < 0.5, name
        assert 0 < recall[name] < 0.5, name
        assert results["metrics"]["hit_rate"][name] >= precision[name]
    # new customers: item CF has nothing to go on, the hybrid falls back on popularity
    assert results["new_customer_precision"]["item CF"] == 0
    assert results["new_customer_precision"]["hybrid"] > 0.5 * precision["popularity"]
    # scoring on the data the model was fitted on flatters it
    for name, leaky in results["leaky_precision"].items():
        assert leaky > 1.3 * precision[name], name
    # why this product: every reason was bought before the cutoff, no recommendation was
    train = lines[lines["invoice_date"] < pd.Timestamp(results["cutoff"])]
    bought = set(train.loc[train["customer_id"] == results["example_customer"], "product_id"])
    for explained in ("example_explained", "sar_example_explained"):
        assert results[explained], explained
        for recommended, because_of in results[explained]:
            assert because_of in bought and recommended not in bought, explained
    check_tuning(results)
    check_both_shops(results)


def check_tuning(results: dict) -> None:
    """Settings chosen from the grid, on a validation period that ends at the cutoff."""
    cutoff = pd.Timestamp(results["cutoff"])
    assert pd.Timestamp(results["validation_start"]) == cutoff - pd.DateOffset(months=3)
    grids = results["tuning_grids"]
    # every combination tried: item CF 3, ALS 2 x 2 x 2, SAR 2 similarities x 3 half-lives
    sizes = {name: math.prod(len(v) for v in grid.values()) for name, grid in grids.items()}
    assert results["tuning_rows"] == sizes == {"item CF": 3, "ALS": 8, "SAR": 6}
    for shop, chosen in results["both_shops_settings"].items():
        assert set(chosen) == set(grids), shop
        for name, settings in chosen.items():
            assert set(settings) == set(grids[name]), (shop, name)
            for setting, value in settings.items():
                assert value in grids[name][setting], (shop, name, setting, value)
    assert results["both_shops_settings"][results["dataset"]] == results["tuned_settings"]


def check_both_shops(results: dict) -> None:
    """One table, both shops: every method, every metric, intervals around the values."""
    both = results["both_shops"]
    assert set(both) == {"synthetic", "online_retail"}
    for shop, table in both.items():
        assert set(table) == METHODS, shop
        for name, metrics in table.items():
            assert set(metrics) == SHOP_METRICS, (shop, name)
            for metric, (value, low, high) in metrics.items():
                if metric == "coverage":
                    # a resample reaches at most the catalogue all customers reach
                    assert 0 < low <= high <= value <= 1, (shop, name)
                else:
                    assert low <= value <= high, (shop, name, metric)
            assert 0 <= metrics["popularity_share"][0] <= 1
            assert metrics["novelty"][0] > 0
    # the chapter's own shop is the table of section 9
    own = both[results["dataset"]]
    for name in METHODS:
        assert own[name]["precision"][0] == pytest.approx(results["precision_at_k"][name], abs=1e-6)
        assert own[name]["coverage"][0] == pytest.approx(
            results["metrics"]["coverage"][name], abs=1e-6
        )
    # popularity recommends the head more than any other method, on both shops
    for shop, table in both.items():
        share = {name: table[name]["popularity_share"][0] for name in METHODS}
        assert max(share, key=share.get) == "popularity", shop


def test_recommendation_chapter_on_synthetic(tmp_path):
    results = run("10_recommendation.ipynb", tmp_path, MAX_K=10)
    lines, _ = load_clean_transactions("synthetic")
    assert results["dataset"] == "synthetic"
    check_common(results, lines)
    precision = results["precision_at_k"]
    # popularity is strong on a shop built on popularity within favourite categories; the
    # similar-customer method and the hybrid with popularity in it beat it, content does not
    assert 0.15 < precision["popularity"] < 0.35
    assert precision["user CF"] > precision["popularity"]
    assert precision["hybrid"] > max(precision["popularity"], precision["item CF"])
    assert precision["content"] < 0.5 * precision["popularity"]
    # item CF finds every planted pair as its nearest neighbour; ALS and SAR too
    assert results["planted_pairs_top1"] == 12
    first = results["planted_partner_first"]
    assert first["ALS"] == first["SAR"] == 12 and first["BPR"] >= 10
    check_fold_in(results, lines)
    # the RFM-letter-to-category-letter merge is far worse than plain popularity
    assert results["letter_pitfall_precision"] < 0.5 * precision["popularity"]


def check_fold_in(results: dict, lines: pd.DataFrame) -> None:
    """ALS's fold-in of two planted products recommends both partners (the planted truth)."""
    planted = load_synthetic().bought_together
    partner = dict(zip(planted["product_a"], planted["product_b"], strict=True))
    basket = results["fold_in_basket"]
    assert len(basket) == 2 and all(p in partner for p in basket)
    lists = results["fold_in_lists"]
    assert {partner[p] for p in basket} <= set(lists["ALS"])
    assert not set(basket) & set(lists["ALS"]) and not set(basket) & set(lists["BPR"])
    assert results["fold_in_partners"]["ALS"] == 2
    # "BPR's list is mostly the shop's best-sellers": buyers before the cutoff, by hand
    before = lines[lines["invoice_date"] < pd.Timestamp(results["cutoff"])]
    buyers = before.groupby("product_id")["customer_id"].nunique()
    best_ten = set(buyers.sort_values(ascending=False, kind="stable").index[:10])
    assert len(best_ten & set(lists["BPR"])) >= 3


@pytest.mark.realdata
def test_recommendation_chapter_on_online_retail(tmp_path):
    path = real_file("online_retail_2010_2011.csv.gz")
    results = run("10_recommendation.ipynb", tmp_path, DATASET="online_retail", MAX_K=10)
    lines, _ = load_clean_transactions("online_retail", path)
    assert results["dataset"] == "online_retail"
    assert 3_000 < results["n_customers"] < 4_372
    assert results["n_products"] == lines["product_id"].nunique()
    check_common(results, lines)
    precision, recall = results["precision_at_k"], results["recall_at_k"]
    # item CF beats popularity clearly (about twice the precision), and so do the others
    assert precision["item CF"] > 1.5 * precision["popularity"]
    assert recall["item CF"] > 1.5 * recall["popularity"]
    for name in PERSONALISED - {"item CF"}:
        assert precision[name] > 1.3 * precision["popularity"], name
    assert 0.02 < precision["popularity"] < 0.1
    # popularity recommends the same few products to everyone; item CF reaches far more
    coverage = results["metrics"]["coverage"]
    assert coverage["item CF"] > 5 * coverage["popularity"]
    # only content recommends products nobody bought before the cutoff
    reach = results["new_products_recommended"]
    assert reach["content"] > 0
    assert reach["item CF"] == reach["user CF"] == reach["popularity"] == 0
    assert results["letter_pitfall_precision"] is None
    # the both-shops table does not depend on which shop the chapter runs on: Online Retail's
    # column here comes from sections 1-9, in the committed (synthetic) run from section 10
    committed = read_results(NOTEBOOKS / "10_recommendation.ipynb")
    for shop in ("synthetic", "online_retail"):
        for name in METHODS:
            for metric, numbers in results["both_shops"][shop][name].items():
                expected = committed["both_shops"][shop][name][metric]
                assert numbers == pytest.approx(expected, abs=1e-6), (shop, name, metric)
    assert results["both_shops_settings"] == committed["both_shops_settings"]


def test_committed_chapter_prose_matches_its_recorded_results():
    # the claims of the prose on the default (synthetic) data, against the committed run
    path = NOTEBOOKS / "10_recommendation.ipynb"
    results = read_results(path)
    cells = nbformat.read(path, as_version=4).cells
    text = "".join(c.source for c in cells if c.cell_type == "markdown")
    code = "".join(c.source for c in cells if c.cell_type == "code")
    gaps = results["hybrid_gaps"]
    precision = results["precision_at_k"]
    # each estimate is the difference of the table's means (mean of paired differences)
    assert gaps["popularity precision"][0] == pytest.approx(
        precision["hybrid"] - precision["popularity"], abs=1e-5
    )
    assert gaps["item CF precision"][0] == pytest.approx(
        precision["hybrid"] - precision["item CF"], abs=1e-5
    )
    # "the hybrid beats item CF on every metric, and popularity on precision, MAP and NDCG;
    # on recall the interval includes 0"
    flat = " ".join(text.split())
    for metric in ("precision", "recall", "MAP", "NDCG"):
        assert gaps[f"item CF {metric}"][1] > 0, metric
        assert gaps[f"content {metric}"][1] > 0, metric
    for metric in ("precision", "MAP", "NDCG"):
        estimate, lower, _ = gaps[f"popularity {metric}"]
        assert lower > 0 and 0.005 < estimate < 0.015, metric
    _, lower, upper = gaps["popularity recall"]
    assert lower < 0 < upper
    assert "and popularity on precision, MAP and NDCG; on recall the interval includes 0" in flat
    # "user CF has the highest precision@10, but the next, BPR, cannot be told from it on
    # precision and recall; user CF leads on MAP and NDCG"
    for label, (leader, runner_up, _, lower, upper) in results["leader_gaps"].items():
        assert (leader, runner_up) == ("user CF", "BPR"), label
        assert (lower < 0 < upper) if label in ("precision", "recall") else lower > 0, label
    check_reading(results)
    check_which_wins_where(results)
    # popularity bias: the three best-sellers, counted by hand (buyers before the cutoff),
    # are every reason of the example customer
    lines, _ = load_clean_transactions("synthetic")
    before = lines[lines["invoice_date"] < pd.Timestamp(results["cutoff"])]
    buyers = before.groupby("product_id")["customer_id"].nunique()
    top3 = buyers.sort_values(ascending=False, kind="stable").index[:3]
    assert set(results["best_sellers"]) == set(top3)
    reasons = [because for _, because in results["example_explained"]]
    assert set(reasons) <= set(top3) and results["example_reasons_best_sellers"] == len(reasons)
    assert 0.25 < results["reasons_best_seller_share"] < 0.35  # "close to a third"
    # chapter 04's tie-safe quartiles, no qcut on ranks; no pointer outside the repository
    assert "qcut" not in code and "rfm.quantile_scores" in code
    assert "reference article" not in text and "shared/reference" not in text
    # the letter pitfall: popularity beats the letter merge over the same customers (the
    # estimate is the difference of the two precisions, the interval lies below 0)
    estimate, lower, upper = results["letter_pitfall_gap"]
    assert estimate == pytest.approx(
        results["letter_pitfall_precision"] - precision["popularity"], abs=1e-5
    )
    assert lower < estimate < upper < 0
    assert "popularity's is higher by" in text
    # "the synthetic shop's 320": the catalogue of the clean lines, counted with pandas
    assert results["n_products"] == lines["product_id"].nunique() == 320
    # the Online Retail claims now rest on that shop's intervals (section 10), no "double"
    assert "roughly double" not in text and "That run's intervals, not its table" not in text
    assert "cannot be told from it" in text and "beats it by an interval that excludes 0" in flat


def check_reading(results: dict) -> None:
    """The claims of "Reading the tables" and of the explanations' popularity bias."""
    against = results["against_popularity"]
    for name in ("user CF", "BPR", "hybrid"):
        assert against[name]["precision"][1] > 0, name
    _, low, high = against["ALS"]["precision"]
    assert low < 0 < high and against["ALS"]["ndcg"][1] > 0
    for name in ("item CF", "SAR"):
        assert against[name]["precision"][2] < 0, name
    beyond = results["beyond"]
    accurate = METHODS - {"content"}
    share = {name: beyond[name]["popularity_share"] for name in accurate}
    assert max(share, key=lambda n: share[n][0]) == "popularity"
    # ALS draws least on the head, with the most novelty and serendipity, of the accurate ones
    others = accurate - {"ALS"}
    assert all(share["ALS"][2] < share[n][1] for n in others)
    assert all(beyond["ALS"]["novelty"][0] > beyond[n]["novelty"][0] for n in others)
    assert all(
        beyond["ALS"]["serendipity"][1] > beyond[n]["serendipity"][2] for n in METHODS - {"ALS"}
    )
    assert results["metrics"]["coverage"]["content"] > 0.95
    # the head is the top 10% of the 320 products, rounded up; the reasons of both lean on it,
    # SAR's less (its paired interval lies below 0)
    assert results["n_head"] == math.ceil(0.1 * 320) == 32
    reasons = results["head_reason_share"]
    for name in ("item CF", "SAR"):
        value, low, high = reasons[name]
        assert 0.8 < value < 1 and low <= value <= high, name
    difference, low, high = reasons["SAR - item CF"]
    assert difference == pytest.approx(reasons["SAR"][0] - reasons["item CF"][0], abs=1e-6)
    assert low <= difference <= high < 0
    # the settings the prose names
    assert results["tuned_settings"] == {
        "item CF": {"n_neighbours": 200},
        "ALS": {"factors": 8, "regularization": 10.0, "alpha": 1.0},
        "SAR": {"similarity_type": "cosine", "half_life_days": 30},
    }


def check_which_wins_where(results: dict) -> None:
    """The claims of section 10 and of the summary, against the both-shops table."""
    leaders = results["shop_leaders"]
    assert (
        leaders["synthetic precision"]["leader"] == leaders["synthetic ndcg"]["leader"] == "user CF"
    )
    assert (
        leaders["synthetic precision"]["tied"] == ["BPR"]
        and leaders["synthetic ndcg"]["tied"] == []
    )
    assert leaders["online_retail precision"]["leader"] == "ALS"
    assert leaders["online_retail ndcg"]["leader"] == "ALS"
    assert leaders["online_retail precision"]["tied"] == ["hybrid", "item CF"]
    assert leaders["online_retail ndcg"]["tied"] == ["hybrid"]
    for metric in ("precision", "ndcg"):
        assert set(leaders[f"online_retail {metric}"]["beat popularity"]) == PERSONALISED
    retail = results["both_shops"]["online_retail"]
    precision = {name: retail[name]["precision"][0] for name in METHODS}
    assert min(precision, key=precision.get) == "popularity"
    assert min(PERSONALISED, key=precision.get) == "BPR"
    tail = PERSONALISED - {"content"}
    share = {name: retail[name]["popularity_share"][0] for name in tail}
    coverage = {name: retail[name]["coverage"][0] for name in tail}
    assert min(share, key=share.get) == "item CF" and max(coverage, key=coverage.get) == "item CF"
    settings = results["both_shops_settings"]["online_retail"]
    assert settings["item CF"]["n_neighbours"] == 10 and settings["ALS"]["factors"] == 64


def test_committed_both_shops_table_has_the_popularity_baseline_counted_by_hand():
    # Online Retail's column of the committed (synthetic) run, against plain pandas and sets
    path = real_file("online_retail_2010_2011.csv.gz")
    results = read_results(NOTEBOOKS / "10_recommendation.ipynb")
    lines, _ = load_clean_transactions("online_retail", path)
    expected = popularity_by_hand(lines, "2011-09-01")
    value, low, high = results["both_shops"]["online_retail"]["popularity"]["precision"]
    assert value == pytest.approx(expected["precision"], abs=1e-6)
    assert low < expected["precision"] < high

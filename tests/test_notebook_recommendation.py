"""Chapter 10 (recommendation) run with papermill; recorded metrics checked.

The popularity baseline's precision@10 and recall@10 are recomputed here from the clean order
lines with plain pandas and sets (count buyers before the cutoff, walk down that list per
customer skipping what they bought, compare with what they bought after), not with
helpers.recommend or helpers.recommend_eval.
"""

from __future__ import annotations

import nbformat
import pandas as pd
import pytest
from conftest import real_file
from test_notebooks import NOTEBOOKS, run

from helpers.datasets import load_clean_transactions
from helpers.notebook import read_results

pytestmark = pytest.mark.notebook

METHODS = {"popularity", "popularity per segment", "item CF", "user CF", "content", "hybrid"}


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
    assert results["example_explained"]
    for recommended, because_of in results["example_explained"]:
        assert because_of in bought and recommended not in bought


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
    # item CF finds every planted pair as its nearest neighbour
    assert results["planted_pairs_top1"] == 12
    # the RFM-letter-to-category-letter merge is far worse than plain popularity
    assert results["letter_pitfall_precision"] < 0.5 * precision["popularity"]


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
    for name in ("user CF", "content", "hybrid"):
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
    # "beats item CF on every metric but popularity only on precision and MAP, by about
    # 0.01; on recall and NDCG the intervals include 0"
    for metric in ("precision", "recall", "MAP", "NDCG"):
        assert gaps[f"item CF {metric}"][1] > 0, metric
        assert gaps[f"content {metric}"][1] > 0, metric
    for metric in ("precision", "MAP"):
        estimate, lower, _ = gaps[f"popularity {metric}"]
        assert lower > 0 and 0.005 < estimate < 0.015, metric
    for metric in ("recall", "NDCG"):
        _, lower, upper = gaps[f"popularity {metric}"]
        assert lower < 0 < upper, metric
    assert "popularity only on precision and MAP" in text
    # "user CF does best, ahead of the next, the hybrid, on every metric"
    for label, (leader, runner_up, _, lower, _) in results["leader_gaps"].items():
        assert (leader, runner_up) == ("user CF", "hybrid") and lower > 0, label
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
    # the Online Retail claims carry no interval here: the prose says so, no "double"
    assert "roughly double" not in text and "That run's intervals, not its table" in text

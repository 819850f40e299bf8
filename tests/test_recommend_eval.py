"""helpers.recommend_eval: the time split, relevant products and ranking metrics by hand."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from helpers import recommend as r
from helpers import recommend_eval as e

L2, L3 = math.log2(3), math.log2(4)  # the discounts of ranks 2 and 3: 1/log2(3), 1/log2(4)


def recs(rows: list[tuple[str, int, str]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["customer_id", "rank", "product_id"])


# Four scored customers and one that is not:
#   x: relevant {A, C, E}, list A B C     -> hits at ranks 1 and 3
#   y: relevant {B},       list D         -> one product only (fewer than k), a miss
#   z: relevant {D, F},    list F D       -> two products, both hits
#   w: relevant {A},       no list        -> scores 0
#   v: no relevant products, list A       -> not scored
RECS = recs(
    [("x", 1, "A"), ("x", 2, "B"), ("x", 3, "C"), ("y", 1, "D"),
     ("z", 1, "F"), ("z", 2, "D"), ("v", 1, "A")]
)  # fmt: skip
RELEVANT = pd.DataFrame(
    [("x", "A"), ("x", "C"), ("x", "E"), ("y", "B"), ("z", "D"), ("z", "F"), ("w", "A"),
     ("x", "A")],  # a repeated purchase counts once
    columns=["customer_id", "product_id"],
)  # fmt: skip


def test_ranking_metrics_by_hand():
    per = e.ranking_metrics(RECS, RELEVANT, k=3)
    assert per.index.tolist() == ["w", "x", "y", "z"]
    x, y, z, w = (per.loc[c] for c in "xyzw")
    assert (x["n_relevant"], x["hits"], x["n_recommended"]) == (3, 2, 3)
    assert x["precision"] == pytest.approx(2 / 3)
    assert x["recall"] == pytest.approx(2 / 3)
    # AP = (P@1 * 1 + P@3 * 1) / min(3, 3) = (1 + 2/3) / 3
    assert x["average_precision"] == pytest.approx((1 + 2 / 3) / 3)
    # DCG = 1 + 1/log2(4); IDCG = 1 + 1/log2(3) + 1/log2(4)
    assert x["ndcg"] == pytest.approx((1 + 1 / L3) / (1 + 1 / L2 + 1 / L3))
    # y: one product recommended, k = 3: empty slots count as misses
    assert (y["precision"], y["recall"], y["average_precision"], y["ndcg"]) == (0, 0, 0, 0)
    assert not y["hit"]
    # z: 2 of 3 slots filled, both hits: precision 2/3, recall 1, AP (1 + 1) / min(2, 3) = 1
    assert z["precision"] == pytest.approx(2 / 3)
    assert z["recall"] == 1
    assert z["average_precision"] == pytest.approx(1)
    assert z["ndcg"] == pytest.approx(1)
    assert (w["n_recommended"], w["hits"], w["ndcg"]) == (0, 0, 0)


def test_evaluate_means_and_coverage():
    summary = e.evaluate(RECS, RELEVANT, k=3, n_products=10)
    assert summary["customers"] == 4
    assert summary["precision"] == pytest.approx((2 / 3 + 0 + 2 / 3 + 0) / 4)
    assert summary["recall"] == pytest.approx((2 / 3 + 0 + 1 + 0) / 4)
    assert summary["map"] == pytest.approx(((1 + 2 / 3) / 3 + 1) / 4)
    assert summary["ndcg"] == pytest.approx(((1 + 1 / L3) / (1 + 1 / L2 + 1 / L3) + 1) / 4)
    assert summary["hit_rate"] == 0.5
    # products recommended to scored customers: A B C D F (v is not scored) -> 5 of 10
    assert summary["coverage"] == 0.5
    assert list(summary.index[:6]) == list(e.METRICS)


def test_metrics_at_k_1_and_by_k():
    # at k = 1: x [A] hit, y [D] miss, z [F] hit, w nothing
    one = e.evaluate(RECS, RELEVANT, k=1)
    assert one["precision"] == pytest.approx(2 / 4)
    assert one["recall"] == pytest.approx((1 / 3 + 1 / 2) / 4)
    assert one["map"] == pytest.approx(2 / 4)  # AP@1 = P@1 / min(|R|, 1)
    assert one["ndcg"] == pytest.approx(2 / 4)
    table = e.metrics_by_k(RECS, RELEVANT, [1, 3])
    assert table.index.tolist() == [1, 3]
    assert table.loc[1, "precision"] == pytest.approx(0.5)
    assert table.loc[3, "precision"] == pytest.approx(1 / 3)


def test_bad_recommendations_name_the_column():
    with pytest.raises(ValueError, match=r"'rank' must be unique within a customer.*'x'"):
        e.ranking_metrics(recs([("x", 1, "A"), ("x", 1, "B")]), RELEVANT)
    with pytest.raises(ValueError, match=r"'product_id' must be unique within a customer"):
        e.ranking_metrics(recs([("x", 1, "A"), ("x", 2, "A")]), RELEVANT)
    with pytest.raises(ValueError, match=r"'rank' must be a whole number >= 1.*row 1"):
        e.ranking_metrics(recs([("x", 1, "A"), ("x", 0, "B")]), RELEVANT)
    with pytest.raises(ValueError, match="column 'rank' is required"):
        e.ranking_metrics(RECS.drop(columns="rank"), RELEVANT)
    with pytest.raises(ValueError, match="k must be a whole number"):
        e.ranking_metrics(RECS, RELEVANT, k=0)


LINES = pd.DataFrame(
    {
        "invoice_id": ["1", "1", "2", "3", "3", "4", "5"],
        "invoice_date": pd.to_datetime(
            [
                "2024-01-05",
                "2024-01-05",
                "2024-01-20",
                "2024-02-02",
                "2024-02-02",
                "2024-02-10",
                "2024-02-11",
            ]
        ),  # fmt: skip
        "customer_id": ["a", "a", "b", "a", "a", "b", "new"],
        "product_id": ["P1", "P2", "P1", "P2", "P3", "P4", "P1"],
        "quantity": 1,
    }
)


def test_time_split_and_relevant_items():
    train, test = e.time_split(LINES, "2024-02-01")
    assert train["invoice_id"].unique().tolist() == ["1", "2"]
    assert test["invoice_id"].unique().tolist() == ["3", "4", "5"]
    # a re-bought P2 (bought before the cutoff) is no hit; "new" was not known before
    relevant = e.relevant_items(train, test)
    assert list(relevant.itertuples(index=False, name=None)) == [("a", "P3"), ("b", "P4")]
    everything = e.relevant_items(train, test, new_items_only=False, known_customers_only=False)
    assert len(everything) == 4
    _, short = e.time_split(LINES, "2024-02-01", as_of="2024-02-10")
    assert short["invoice_id"].unique().tolist() == ["3"]
    with pytest.raises(ValueError, match=r"leaves 7 training and 0 test lines"):
        e.time_split(LINES, "2025-01-01")
    with pytest.raises(ValueError, match="test_start must be a date"):
        e.time_split(LINES, "soon")


def test_evaluate_recommenders_on_the_split():
    train, test = e.time_split(LINES, "2024-02-01")
    relevant = e.relevant_items(train, test)
    matrix = r.interaction_matrix(train, products=LINES["product_id"].unique())
    table, found = e.evaluate_recommenders(
        {"popularity": r.PopularityRecommender(), "item": r.ItemCF()}, matrix, relevant, k=2
    )
    # popularity: P1 (2 buyers) then P2 (1); a bought P1 P2 -> nothing left with buyers;
    # b bought P1 -> P2 (a miss: b bought P4). P3 and P4 have no buyers before the cutoff.
    assert found["popularity"]["product_id"].tolist() == ["P2"]
    assert table.loc["popularity", "precision"] == 0
    assert table.loc["popularity", "coverage"] == pytest.approx(1 / 4)
    assert table.index.tolist() == ["popularity", "item"]
    with pytest.raises(ValueError, match="'item' was not fitted on these interactions"):
        e.evaluate_recommenders({"item": r.ItemCF()}, matrix, relevant, fit=False)


def test_plots_draw_one_bar_per_method_and_metric():
    import matplotlib.pyplot as plt

    from helpers.plots import plot_metrics_by_k, plot_recommender_metrics

    table = pd.DataFrame(
        {"precision": [0.1, 0.2], "recall": [0.3, 0.4]}, index=["popularity", "item CF"]
    )
    ax = plot_recommender_metrics(table, ("precision", "recall"), k=10)
    assert sorted(round(p.get_height(), 6) for p in ax.patches) == [0.1, 0.2, 0.3, 0.4]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["precision@10", "recall@10"]
    assert ax.get_title() and ax.get_ylabel()
    with pytest.raises(ValueError, match="column 'ndcg' is required"):
        plot_recommender_metrics(table, ("ndcg",))
    curves = {"popularity": e.metrics_by_k(RECS, RELEVANT, [1, 2, 3])}
    ax = plot_metrics_by_k(curves, "recall")
    assert ax.get_lines()[0].get_ydata().tolist() == curves["popularity"]["recall"].tolist()
    assert ax.get_xlabel().startswith("k") and ax.get_ylabel() == "recall@k"
    plt.close("all")

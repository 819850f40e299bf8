"""helpers.recommend_eval: behaviours a mutation run (mutmut, issue 27) showed no test pinned.

Expected values are counted by hand on tiny frames.
"""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd

from helpers.recommend_eval import evaluate_recommenders, ranking_metrics

RELEVANT = pd.DataFrame({"customer_id": ["1", "1", "2"], "product_id": ["A", "B", "C"]})


def test_no_recommendation_at_all_scores_every_customer_zero():
    empty = pd.DataFrame(
        {
            "customer_id": pd.Series([], dtype=str),
            "rank": [],
            "product_id": pd.Series([], dtype=str),
        }
    )
    scores = ranking_metrics(empty, RELEVANT, 3)
    assert list(scores.index) == ["1", "2"]
    assert scores["n_relevant"].tolist() == [2, 1]
    for column in ("hits", "precision", "recall", "average_precision", "ndcg", "hit"):
        assert scores[column].astype(float).tolist() == [0.0, 0.0], column


class Alphabetical:
    """Recommends the products A, B, C, ... in that order; 10 of them unless told."""

    def fit(self, interactions):
        self.interactions_ = interactions
        return self

    def recommend(self, customers, n=10):
        rows = [(c, r + 1, chr(ord("A") + r)) for c in customers for r in range(n)]
        return pd.DataFrame(rows, columns=["customer_id", "rank", "product_id"])


def test_evaluate_recommenders_asks_for_n_recommended_products_and_names_the_rows_method():
    matrix = SimpleNamespace(customer_col="customer_id", product_col="product_id", shape=(2, 26))
    table, found = evaluate_recommenders(
        {"abc": Alphabetical()}, matrix, RELEVANT, k=2, n_recommended=4
    )
    assert found["abc"].groupby("customer_id").size().to_dict() == {"1": 4, "2": 4}
    assert table.index.name == "method" and list(table.index) == ["abc"]
    # at k=2 customer 1 gets A, B (2 hits of 2), customer 2 gets A, B (0 of 1): precision 0.5
    assert table.loc["abc", "precision"] == 0.5

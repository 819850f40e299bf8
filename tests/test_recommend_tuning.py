"""helpers.recommend_tuning: settings chosen on the validation period, never on the test."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers.datasets import load_clean_transactions
from helpers.interactions import interaction_matrix
from helpers.recommend import ItemCF, PopularityRecommender
from helpers.recommend_eval import evaluate, relevant_items, time_split
from helpers.recommend_tuning import tune_recommender

VALIDATION, TEST = "2024-07-01", "2024-10-01"


@pytest.fixture(scope="module")
def lines() -> pd.DataFrame:
    clean = load_clean_transactions("synthetic")[0]
    keep = clean["customer_id"].drop_duplicates().sort_values().iloc[::3]  # a third, for speed
    return clean[clean["customer_id"].isin(keep)].reset_index(drop=True)


def test_the_choice_is_the_best_validation_score_computed_independently(lines):
    grid = {"n_neighbours": [1, 5, 40]}
    tuning = tune_recommender(ItemCF, grid, lines, validation_start=VALIDATION, test_start=TEST)
    # by hand: fit on the lines before the validation start, judge on the validation period
    train, validation = time_split(lines[lines["invoice_date"] < TEST], VALIDATION)
    matrix = interaction_matrix(train, as_of=VALIDATION)
    relevant = relevant_items(train, validation)
    customers = relevant["customer_id"].unique()
    ndcg = {}
    for n in grid["n_neighbours"]:
        found = ItemCF(n_neighbours=n).fit(matrix).recommend(customers, 10)
        ndcg[n] = evaluate(found, relevant, 10, n_products=matrix.shape[1])["ndcg"]
    assert tuning.best == {"n_neighbours": max(ndcg, key=ndcg.get)}
    table = tuning.table.set_index("n_neighbours")["ndcg"]
    assert table.to_dict() == pytest.approx(ndcg)
    assert list(tuning.table["ndcg"]) == sorted(ndcg.values(), reverse=True)
    assert len(set(np.round(list(ndcg.values()), 6))) > 1  # the grid makes a difference


def test_the_test_period_is_never_looked_at(lines):
    grid = {"n_neighbours": [2, 20]}
    kept = tune_recommender(ItemCF, grid, lines, validation_start=VALIDATION, test_start=TEST)
    # the test period replaced by other purchases: nothing may change
    later = lines["invoice_date"] >= TEST
    scrambled = lines.copy()
    rng = np.random.default_rng(0)
    scrambled.loc[later, "product_id"] = rng.permutation(scrambled.loc[later, "product_id"])
    scrambled.loc[later, "customer_id"] = rng.permutation(scrambled.loc[later, "customer_id"])
    again = tune_recommender(ItemCF, grid, scrambled, validation_start=VALIDATION, test_start=TEST)
    pd.testing.assert_frame_equal(kept.table, again.table)
    # ... whereas moving the validation period changes what is measured
    other = tune_recommender(ItemCF, grid, lines, validation_start="2024-04-01", test_start=TEST)
    assert not other.table.equals(kept.table)


def test_refit_fits_the_chosen_settings_on_everything_before_the_test(lines):
    tuning = tune_recommender(
        ItemCF, {"n_neighbours": [3]}, lines, validation_start=VALIDATION, test_start=TEST
    )
    model = tuning.refit(lines)
    assert isinstance(model, ItemCF) and model.n_neighbours == 3
    expected = interaction_matrix(lines[lines["invoice_date"] < TEST])
    assert (model.interactions_.matrix != expected.matrix).nnz == 0
    assert model.interactions_.customers.equals(expected.customers)


def test_bad_settings_are_refused(lines):
    kw = {"validation_start": VALIDATION, "test_start": TEST}
    with pytest.raises(ValueError, match="must be before test_start"):
        tune_recommender(
            ItemCF, {"n_neighbours": [5]}, lines, validation_start=TEST, test_start=TEST
        )
    with pytest.raises(ValueError, match="metric must be one of"):
        tune_recommender(ItemCF, {"n_neighbours": [5]}, lines, metric="auc", **kw)
    with pytest.raises(ValueError, match="grid must be a mapping"):
        tune_recommender(ItemCF, {}, lines, **kw)
    with pytest.raises(ValueError, match=r"grid\['n_neighbours'\] must be a non-empty list"):
        tune_recommender(ItemCF, {"n_neighbours": 5}, lines, **kw)
    with pytest.raises(ValueError, match="as_of is set by the periods"):
        tune_recommender(
            PopularityRecommender, {"segments": [None]}, lines, matrix_options={"as_of": TEST}, **kw
        )

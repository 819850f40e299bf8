"""The one column convention (issue 27, point 1): ``*_col`` arguments, old names still working.

For every function whose column arguments were renamed: a call with an old keyword warns
``FutureWarning`` and returns what the new keyword returns; a call on a frame whose columns have
other names ("client", "order_no", "when", "sku", "qty", "price", ...) works with the ``*_col``
arguments, and the output uses the caller's names. Small hand-made frames; the expected values
are counted by hand.
"""

from __future__ import annotations

import pandas as pd
import pytest

from helpers import churn
from helpers import schema as s
from helpers.baskets import basket_matrix, product_descriptions, rules_by_group
from helpers.cleaning import clean_and_flag, clean_transactions, flag_transactions
from helpers.customers import customer_summary
from helpers.features import customer_features
from helpers.interactions import interaction_matrix
from helpers.lookalike import prospect_features
from helpers.non_products import non_product_lines
from helpers.profiling import segment_profile
from helpers.promotion import sales_velocity
from helpers.recommend import ContentRecommender, ItemCF, PopularityRecommender
from helpers.recommend_eval import (
    evaluate_recommenders,
    ranking_metrics,
    relevant_items,
    time_split,
)

#: The canonical names and the caller's names of the frames below.
OTHER = {
    s.CUSTOMER_ID: "client",
    s.INVOICE_ID: "order_no",
    s.INVOICE_DATE: "when",
    s.PRODUCT_ID: "sku",
    s.QUANTITY: "qty",
    s.UNIT_PRICE: "price",
    s.DESCRIPTION: "label",
    s.AMOUNT: "value",
}
#: The ``*_col`` arguments that read the frames with the caller's names.
COLS = {
    "customer_col": "client",
    "invoice_col": "order_no",
    "date_col": "when",
    "product_col": "sku",
    "quantity_col": "qty",
    "price_col": "price",
}


def raw_lines() -> pd.DataFrame:
    """Five raw lines: K1 buys A twice and returns one A; K2 buys B; a postage line."""
    return pd.DataFrame(
        {
            s.INVOICE_ID: ["1", "2", "C3", "4", "5"],
            s.INVOICE_DATE: pd.to_datetime(
                ["2024-01-01", "2024-01-01", "2024-01-05", "2024-01-03", "2024-01-04"]
            ),
            s.CUSTOMER_ID: ["K1", "K1", "K1", "K2", "K2"],
            s.PRODUCT_ID: ["A", "B", "A", "B", "POST"],
            s.DESCRIPTION: ["MUG", "BAG", "MUG", "BAG", "POSTAGE"],
            s.QUANTITY: [2, 1, -1, 3, 1],
            s.UNIT_PRICE: [5.0, 4.0, 5.0, 4.0, 10.0],
        }
    )


def renamed(df: pd.DataFrame) -> pd.DataFrame:
    return df.rename(columns=OTHER)


def old_and_new(func, *args, old: dict, new: dict):
    """Call ``func`` with the old keywords (asserting the warning) and with the new ones."""
    with pytest.warns(FutureWarning, match="is now called"):
        before = func(*args, **old)
    return before, func(*args, **new)


# --- cleaning ----------------------------------------------------------------------------------


def test_clean_transactions_old_names_warn_and_agree():
    df = renamed(raw_lines())
    old = {
        "customer_id": "client",
        "invoice_id": "order_no",
        "invoice_date": "when",
        "product_id": "sku",
        "quantity": "qty",
        "unit_price": "price",
        "description": "label",
        "amount": "value",
    }
    new = {**COLS, "description_col": "label", "amount_col": "value"}
    (clean_old, report_old), (clean_new, report_new) = old_and_new(
        clean_transactions, df, old=old, new=new
    )
    pd.testing.assert_frame_equal(clean_old, clean_new)
    pd.testing.assert_frame_equal(report_old, report_new)
    old.pop("amount")
    new.pop("amount_col")
    flags = old_and_new(flag_transactions, df, old=old, new=new)
    pd.testing.assert_series_equal(*flags)
    old["amount"], new["amount_col"] = "value", "value"
    both = old_and_new(clean_and_flag, df, old=old, new=new)
    pd.testing.assert_frame_equal(both[0][0], both[1][0])
    pd.testing.assert_series_equal(both[0][2], both[1][2])


def test_clean_transactions_keeps_the_callers_names():
    clean, report = clean_transactions(
        renamed(raw_lines()), **COLS, description_col="label", amount_col="value"
    )
    # K1: 2 A at 5 with 1 returned -> 1 A (5.0); 1 B (4.0). K2: 3 B (12.0); POST removed
    assert list(clean.columns) == [
        "order_no",
        "when",
        "client",
        "sku",
        "label",
        "qty",
        "price",
        "value",
    ]
    assert clean["client"].tolist() == ["K1", "K1", "K2"]
    assert clean["qty"].tolist() == [1, 1, 3]
    assert clean["value"].tolist() == [5.0, 4.0, 12.0]
    removed = report.set_index("reason")["rows"]
    assert removed["non-product code"] == 1 and removed["cancellation netted"] == 1
    reasons = flag_transactions(renamed(raw_lines()), **COLS, description_col="label")
    assert reasons.fillna("kept").tolist() == [
        "kept",
        "kept",
        "cancellation netted",
        "kept",
        "non-product code",
    ]


def test_non_product_lines_old_names_and_other_names():
    df = renamed(raw_lines())
    old, new = old_and_new(
        non_product_lines,
        df,
        old={"product_id": "sku", "description": "label"},
        new={"product_col": "sku", "description_col": "label"},
    )
    assert old.tolist() == new.tolist() == [False, False, False, False, True]


# --- customers, features, profiles --------------------------------------------------------------


def clean_lines() -> pd.DataFrame:
    """Clean lines under other names: K1 buys A and B (order 1), then 2 A (order 2); K2 3 B."""
    return pd.DataFrame(
        {
            "order_no": ["1", "1", "2", "3"],
            "when": pd.to_datetime(["2024-01-01", "2024-01-01", "2024-01-10", "2024-01-03"]),
            "client": ["K1", "K1", "K1", "K2"],
            "sku": ["A", "B", "A", "B"],
            "qty": [1, 1, 2, 3],
            "price": [5.0, 4.0, 5.0, 4.0],
            "value": [5.0, 4.0, 10.0, 12.0],
        }
    )


CLEAN_COLS = {
    "customer_col": "client",
    "invoice_col": "order_no",
    "date_col": "when",
    "amount_col": "value",
    "product_col": "sku",
    "quantity_col": "qty",
}
CLEAN_OLD = {
    "customer_id": "client",
    "invoice_id": "order_no",
    "invoice_date": "when",
    "amount": "value",
    "product_id": "sku",
    "quantity": "qty",
}


def test_customer_summary_old_names_and_other_names():
    old, new = old_and_new(customer_summary, clean_lines(), old=CLEAN_OLD, new=CLEAN_COLS)
    pd.testing.assert_frame_equal(old, new)
    assert new.index.name == "client"
    assert new["purchases"].to_dict() == {"K1": 2, "K2": 1}
    assert new["revenue"].to_dict() == {"K1": 19.0, "K2": 12.0}


def test_customer_features_old_names_and_other_names():
    lines = clean_lines().assign(land=["UK", "UK", "FR", "DE"])
    old, new = old_and_new(
        customer_features,
        lines,
        "2024-01-11",
        old={**CLEAN_OLD, "country": "land"},
        new={**CLEAN_COLS, "country_col": "land"},
    )
    pd.testing.assert_frame_equal(old, new)
    assert new.index.name == "client"
    assert new["frequency"].to_dict() == {"K1": 2.0, "K2": 1.0}
    assert new["units_per_invoice"].to_dict() == {"K1": 2.0, "K2": 3.0}
    assert new["distinct_products"].to_dict() == {"K1": 2.0, "K2": 1.0}
    # the country column keeps the caller's name: K1 has 2 UK lines and 1 FR line
    assert new["land"].to_dict() == {"K1": "UK", "K2": "DE"}


def test_customer_features_return_rate_from_raw_lines_with_other_names():
    raw = renamed(raw_lines())
    clean, _ = clean_transactions(raw, **COLS, description_col="label", amount_col="value")
    features = customer_features(clean, "2024-01-06", raw=raw, **CLEAN_COLS, price_col="price")
    # K1 returned 1 A (netted) and kept 1 A + 1 B: 1 / (1 + 2); K2 returned nothing
    assert features["return_rate"].to_dict() == pytest.approx({"K1": 1 / 3, "K2": 0.0})


def test_segment_profile_old_names_and_other_names():
    lines = clean_lines()
    labels = pd.Series({"K1": "loyal", "K2": "new"})
    people = pd.DataFrame({"client": ["K1", "K2"], "sex": ["F", "M"]})
    products = pd.DataFrame({"sku": ["A", "B"], "cat": ["mugs", "bags"], "cost": [2.0, 1.0]})
    settings = {"customers": people, "products": products, "as_of": "2024-01-11"}
    old, new = old_and_new(
        segment_profile,
        labels,
        lines,
        old={**CLEAN_OLD, "gender": "sex", "category": "cat", "unit_cost": "cost", **settings},
        new={
            **CLEAN_COLS,
            "gender_col": "sex",
            "category_col": "cat",
            "cost_col": "cost",
            **settings,
        },
    )
    pd.testing.assert_frame_equal(old, new)
    assert new.loc[("size", "customers"), "loyal"] == 1
    # K1: revenue 19, cost 2 x 3 A + 1 x 1 B = 7; K2: 12 - 3 x 1 = 9; profit 12 + 9 = 21
    assert new.loc[("size", "share of profit"), "loyal"] == pytest.approx(12 / 21)
    assert new.loc[("gender", "F"), "loyal"] == 1.0
    # category shares of revenue: K1 spent 15 on mugs (A) and 4 on bags (B)
    assert new.loc[("category", "mugs"), "loyal"] == pytest.approx(15 / 19)


def test_prospect_features_old_birth_date_name():
    prospects = pd.DataFrame({"lead": ["P1", "P2"], "born": pd.to_datetime(["1990-01-01", None])})
    old, new = old_and_new(
        prospect_features,
        prospects,
        "2020-01-01",
        old={"id_col": "lead", "birth_date": "born"},
        new={"id_col": "lead", "birth_date_col": "born"},
    )
    pd.testing.assert_frame_equal(old, new)
    assert new.index.name == "lead"
    assert new.loc["P1", "age"] == pytest.approx(
        (pd.Timestamp("2020-01-01") - pd.Timestamp("1990-01-01")).days / 365.25
    )


# --- churn: cutoff -> as_of, and the column names ---------------------------------------------

RAW_NAMES = {**COLS, "amount_col": "value"}


def test_churn_features_old_names_and_other_names():
    raw = renamed(raw_lines())
    other = {"invoice_col": "order_no", "product_col": "sku", "quantity_col": "qty"}
    old, new = old_and_new(
        churn.churn_features,
        raw,
        old={
            "cutoff": "2024-01-04",
            "customer_id": "client",
            "invoice_date": "when",
            "amount": "value",
            "price_col": "price",
            **other,
        },
        new={"as_of": "2024-01-04", **RAW_NAMES},
    )
    pd.testing.assert_frame_equal(old, new)
    assert new.index.name == "client"
    # before 2024-01-04: K1 bought 2 A at 5 and 1 B at 4 (the return of 01-05 is future)
    assert new["monetary"].to_dict() == {"K1": 14.0, "K2": 12.0}
    assert new.attrs["as_of"] == pd.Timestamp("2024-01-04")


def test_churn_labels_and_snapshot_old_names_and_other_names():
    raw = renamed(raw_lines())
    clean, _ = clean_transactions(raw, **RAW_NAMES)
    settings = {"horizon_days": 2, "data_end": "2024-01-10"}
    old, new = old_and_new(
        churn.churn_labels,
        clean,
        old={"cutoff": "2024-01-02", "customer_id": "client", "invoice_date": "when", **settings},
        new={"as_of": "2024-01-02", "customer_col": "client", "date_col": "when", **settings},
    )
    pd.testing.assert_series_equal(old, new)
    # at risk before 01-02: K1 only; K1 buys nothing in [01-02, 01-04) (K2's 01-03 is K2's)
    assert new.index.name == "client" and new.to_dict() == {"K1": True}
    snapshot = churn.churn_snapshot(raw, "2024-01-04", 1, data_end="2024-01-06", **RAW_NAMES)
    assert snapshot.index.name == "client"
    assert snapshot[churn.CHURN].to_dict() == {"K1": True, "K2": True}
    with pytest.warns(FutureWarning, match="'cutoff' is now called 'as_of'"):
        before = churn.churn_snapshot(
            raw, cutoff="2024-01-04", horizon_days=1, data_end="2024-01-06", **RAW_NAMES
        )
    pd.testing.assert_frame_equal(before, snapshot)


# --- interactions, recommendations and their evaluation ------------------------------------------

MATRIX_COLS = {
    "customer_col": "client",
    "product_col": "sku",
    "invoice_col": "order_no",
    "date_col": "when",
    "quantity_col": "qty",
}
MATRIX_OLD = {
    "customer_id": "client",
    "product_id": "sku",
    "invoice_id": "order_no",
    "invoice_date": "when",
    "quantity": "qty",
}


def test_interaction_matrix_old_names_and_other_names():
    with pytest.warns(FutureWarning, match="is now called"):
        old = interaction_matrix(clean_lines(), value="count", **MATRIX_OLD)
    new = interaction_matrix(clean_lines(), value="count", **MATRIX_COLS)
    assert (old.matrix != new.matrix).nnz == 0
    assert new.customers.name == "client" and new.products.name == "sku"
    # K1 bought A on two invoices and B on one; K2 bought B once
    cells = new.to_frame()
    assert list(cells.columns) == ["client", "sku", "value"]
    assert list(cells.itertuples(index=False, name=None)) == [
        ("K1", "A", 2.0),
        ("K1", "B", 1.0),
        ("K2", "B", 1.0),
    ]


def test_recommend_writes_the_callers_names():
    matrix = interaction_matrix(clean_lines(), **MATRIX_COLS)
    # popularity: B has 2 buyers, A 1; K1 bought both, K2 only B -> K2 gets A
    recs = PopularityRecommender().fit(matrix).recommend(k=1)
    assert list(recs.columns) == ["client", "rank", "sku", "score"]
    assert list(recs.itertuples(index=False, name=None)) == [("K2", 1, "A", 1.0)]
    scores = PopularityRecommender().fit(matrix).score(["K2"])
    assert scores.index.name == "client"
    # item CF: cos(A, B) over the customer columns A = (1, 0), B = (1, 1) is 1 / sqrt(2)
    item = ItemCF().fit(matrix)
    recs = item.recommend(k=1)
    assert recs["score"].tolist() == pytest.approx([2**-0.5])
    why = item.explain(recs)
    assert why[["client", "sku", "because_of"]].values.tolist() == [["K2", "A", "B"]]


def test_content_recommender_old_names():
    products = pd.DataFrame(
        {"sku": ["A", "B"], "label": ["red mug", "red bag"], "kind": ["home", "bags"]}
    )
    matrix = interaction_matrix(clean_lines(), **MATRIX_COLS)
    with pytest.warns(FutureWarning, match="is now called"):
        old = ContentRecommender(
            products, product_id="sku", description="label", category="kind"
        ).fit(matrix)
    new = ContentRecommender(
        products, product_col="sku", description_col="label", category_col="kind"
    ).fit(matrix)
    pd.testing.assert_frame_equal(old.score(), new.score())
    assert new.vocabulary_ == ["bag", "category_bags", "category_home", "mug", "red"]


def test_time_split_and_relevant_items_old_names_and_other_names():
    lines = pd.concat(
        [
            clean_lines(),
            pd.DataFrame(
                {
                    "order_no": ["4"],
                    "when": [pd.Timestamp("2024-01-12")],
                    "client": ["K2"],
                    "sku": ["A"],
                    "qty": [1],
                    "price": [5.0],
                    "value": [5.0],
                }
            ),
        ],
        ignore_index=True,
    )
    old, new = old_and_new(
        time_split,
        lines,
        old={"cutoff": "2024-01-05", "end": "2024-01-12", "invoice_date": "when"},
        new={"test_start": "2024-01-05", "as_of": "2024-01-12", "date_col": "when"},
    )
    for before, after in zip(old, new, strict=True):
        pd.testing.assert_frame_equal(before, after)
    train, test = new
    # as_of is exclusive: K2's purchase of 2024-01-12 is not in the test period
    assert test["order_no"].tolist() == ["2"]
    train, test = time_split(lines, "2024-01-05", date_col="when")
    old, new = old_and_new(
        relevant_items,
        train,
        test,
        old={"customer_id": "client", "product_id": "sku"},
        new={"customer_col": "client", "product_col": "sku"},
    )
    pd.testing.assert_frame_equal(old, new)
    # K1 re-bought A (no hit); K2's A is new to K2
    assert list(new.columns) == ["client", "sku"]
    assert list(new.itertuples(index=False, name=None)) == [("K2", "A")]
    matrix = interaction_matrix(train, **MATRIX_COLS)
    table, found = evaluate_recommenders({"pop": PopularityRecommender()}, matrix, new, k=1)
    assert list(found["pop"].columns) == ["client", "rank", "sku", "score"]
    assert table.loc["pop", "precision"] == 1.0 and table.loc["pop", "hit_rate"] == 1.0
    per = ranking_metrics(found["pop"], new, 1, customer_col="client", product_col="sku")
    assert per.index.name == "client" and per["hits"].to_dict() == {"K2": 1}


# --- baskets and promotions --------------------------------------------------------------------


def test_basket_matrix_and_rules_old_names_and_other_names():
    lines = clean_lines()
    old, new = old_and_new(
        basket_matrix,
        lines,
        old={"invoice_id": "order_no", "product_id": "sku", "quantity": "qty"},
        new={"invoice_col": "order_no", "product_col": "sku", "quantity_col": "qty"},
    )
    pd.testing.assert_frame_equal(old, new)
    assert new.index.name == "order_no" and new.columns.name == "sku"
    # order 1 holds A and B, order 2 A, order 3 B
    assert new.sparse.to_dense().astype(int).values.tolist() == [[1, 1], [1, 0], [0, 1]]
    with pytest.raises(ValueError, match="'qty' must be > 0"):
        basket_matrix(
            lines.assign(qty=[1, 1, -1, 1]),
            invoice_col="order_no",
            product_col="sku",
            quantity_col="qty",
        )
    segments = pd.Series({"K1": "loyal", "K2": "new"}, name="segment")
    old, new = old_and_new(
        rules_by_group,
        lines,
        segments,
        old={
            "invoice_id": "order_no",
            "product_id": "sku",
            "customer_id": "client",
            "min_support": 0.1,
        },
        new={
            "invoice_col": "order_no",
            "product_col": "sku",
            "customer_col": "client",
            "quantity_col": "qty",
            "min_support": 0.1,
        },
    )
    pd.testing.assert_frame_equal(old, new)
    assert new.attrs["groups"]["baskets"].to_dict() == {"loyal": 2, "new": 1}
    described = product_descriptions(
        pd.DataFrame({"sku": ["A", "A", "B"], "label": ["MUG", "MUG", "BAG"]}),
        product_col="sku",
        description_col="label",
    )
    assert described.index.name == "sku" and described.name == "label"
    assert described.to_dict() == {"A": "MUG", "B": "BAG"}


def test_sales_velocity_old_names_and_other_names():
    old, new = old_and_new(
        sales_velocity,
        clean_lines(),
        "2024-01-11",
        10,
        old={"product_id": "sku", "quantity": "qty", "invoice_date": "when"},
        new={"product_col": "sku", "quantity_col": "qty", "date_col": "when"},
    )
    pd.testing.assert_series_equal(old, new)
    # 2024-01-01 .. 2024-01-10: A sold 1 + 2 units, B 1 + 3 units, over 10 days
    assert new.index.name == "sku"
    assert new.to_dict() == pytest.approx({"A": 0.3, "B": 0.4})

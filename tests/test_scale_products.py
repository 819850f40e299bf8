"""helpers.scale_products: the report's per-product tables in DuckDB (and Spark) equal pandas.

The references are the pandas functions on the same clean lines (cleaned by
helpers.cleaning.clean_transactions in pandas, by helpers.scale_clean.clean_lines in the
engine): helpers.value.gross_margin_rate, the report's price list (group-by median and first),
helpers.promotion.sales_velocity and helpers.interactions.interaction_matrix. Tables must be
equal in rows, order and dtypes; money within 1e-9 relative.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import needs_spark, real_file

from helpers import promotion, value
from helpers.cleaning import clean_transactions
from helpers.interactions import Interactions
from helpers.interactions import interaction_matrix as pandas_matrix
from helpers.scale_clean import clean_lines, register_frame
from helpers.scale_products import (
    gross_margin_rate,
    interaction_cells,
    interaction_matrix,
    price_list,
    product_amounts,
    sales_velocity,
)
from helpers.scale_sql import Engine, duckdb_connect

pytest.importorskip("duckdb")


def pandas_price_list(lines: pd.DataFrame) -> pd.DataFrame:
    """The report's price list (notebook 12), written as the notebook writes it."""
    return (
        lines.groupby("product_id")
        .agg(
            unit_price=("unit_price", "median"),
            **({"description": ("description", "first")} if "description" in lines else {}),
        )
        .reset_index()
    )


def cleaned(raw: pd.DataFrame, engine=None) -> tuple[Engine, str, pd.DataFrame]:
    """Clean ``raw`` in the engine (a new DuckDB by default) and in pandas."""
    engine = register_frame(engine if engine is not None else duckdb_connect(None), raw)
    result = clean_lines(engine)
    clean, _ = clean_transactions(raw)
    return engine, result.view, clean


def assert_matrices_equal(got: Interactions, expected: Interactions) -> None:
    pd.testing.assert_index_equal(got.customers, expected.customers, exact=True)
    pd.testing.assert_index_equal(got.products, expected.products, exact=True)
    assert got.value == expected.value
    assert got.matrix.shape == expected.matrix.shape
    np.testing.assert_array_equal(got.matrix.indptr, expected.matrix.indptr)
    np.testing.assert_array_equal(got.matrix.indices, expected.matrix.indices)
    np.testing.assert_array_equal(got.matrix.data, expected.matrix.data)
    assert got.matrix.dtype == expected.matrix.dtype


def assert_all_equal(engine, view, clean, products, as_of, window_days=90):
    """Every per-product table of the engine equals its pandas reference at ``as_of``."""
    lines = clean[clean["invoice_date"] < as_of]
    for coverage in (1.0, 0.9):
        for costs in (products, products.iloc[: int(len(products) * 0.95)]):
            try:
                expected = value.gross_margin_rate(lines, costs, min_coverage=coverage)
            except ValueError as err:  # a product without a cost at coverage 1
                with pytest.raises(ValueError, match="products"):
                    gross_margin_rate(engine, view, costs, as_of=as_of, min_coverage=coverage)
                assert "unit_cost" in str(err)
                continue
            got = gross_margin_rate(engine, view, costs, as_of=as_of, min_coverage=coverage)
            assert got[0] == pytest.approx(expected[0], rel=1e-9)
            assert got[1] == expected[1]
    got = price_list(engine, view, as_of)
    pd.testing.assert_frame_equal(got, pandas_price_list(lines), check_exact=True)
    got = sales_velocity(engine, view, as_of, window_days)
    pd.testing.assert_series_equal(
        got, promotion.sales_velocity(lines, as_of, window_days), check_exact=True
    )
    for kind in ("binary", "count"):
        expected = pandas_matrix(clean, value=kind, as_of=as_of)
        assert_matrices_equal(interaction_matrix(engine, view, value=kind, as_of=as_of), expected)
        cells = interaction_cells(engine, view, value=kind, as_of=as_of)
        pd.testing.assert_frame_equal(cells, expected.to_frame(), check_exact=True)


@pytest.fixture(scope="module")
def synthetic():
    from helpers.datasets import load_synthetic

    data = load_synthetic()
    engine, view, clean = cleaned(data.order_lines)
    return engine, view, clean, data.products


def test_synthetic_shop_equals_pandas(synthetic):
    engine, view, clean, products = synthetic
    last = clean["invoice_date"].max()
    for as_of in (last.normalize() + pd.Timedelta(days=1), pd.Timestamp("2023-07-01 12:30")):
        if as_of > clean["invoice_date"].min():
            assert_all_equal(engine, view, clean, products, as_of)


def test_margin_without_costs_or_with_a_rate_asks_nothing_of_the_engine(synthetic):
    engine, view, clean, products = synthetic
    assert gross_margin_rate(engine, view, None) == value.gross_margin_rate(clean, None)
    assert gross_margin_rate(engine, "no_such_view", products, rate=0.4, rate_name="--margin") == (
        0.4,
        "set by --margin",
    )
    no_costs = products.drop(columns="unit_cost")
    assert gross_margin_rate(engine, view, no_costs) == value.gross_margin_rate(clean, no_costs)


def test_margin_of_lines_worked_out_by_hand():
    lines = pd.DataFrame(
        {
            "product_id": ["A", "A", "B", "C"],
            "quantity": [2, 3, 1, 4],
            "unit_price": [1.5, 2.0, 10.0, 0.25],
            "invoice_date": pd.to_datetime(["2024-01-01"] * 4),
        }
    )
    lines["amount"] = lines["quantity"] * lines["unit_price"]
    engine = register_frame(duckdb_connect(None), lines, "hand")
    products = pd.DataFrame({"product_id": ["A", "B"], "unit_cost": [1.0, 6.0]})  # C: no cost
    # revenue 3 + 6 + 10 + 1 = 20; costed A and B: 19 (95%); margin 2*0.5 + 3*1 + 4 = 8
    rate, source = gross_margin_rate(engine, "hand", products, min_coverage=0.9)
    assert rate == pytest.approx(8 / 19, rel=1e-12)
    assert "95%" in source
    rate, source = gross_margin_rate(engine, "hand", products, min_coverage=0.96)
    assert rate == value.ASSUMED_MARGIN_RATE and "95%" in source
    for coverage in (0.9, 0.96):
        expected = value.gross_margin_rate(lines, products, min_coverage=coverage)
        assert gross_margin_rate(engine, "hand", products, min_coverage=coverage) == expected
    with pytest.raises(ValueError, match="'product_id'.*unit_cost"):
        gross_margin_rate(engine, "hand", products)
    totals = product_amounts(engine, "hand")
    assert totals["product_id"].tolist() == ["A", "B", "C"]
    assert totals["quantity"].tolist() == [5, 1, 4]
    assert totals["amount"].tolist() == [9.0, 10.0, 1.0]


def test_median_of_even_counts_is_pandas_mean_of_the_middle_two_not_the_engines():
    """Even and odd counts, ties, a missing price, an absent description, code-point order."""
    rows = [
        # product, price, description; "P": a mean of the middle two that interpolation rounds
        # otherwise
        ("P", 0.28, None),
        ("P", 5.5, "first P"),
        ("P", 5.5, "second P"),
        ("P", 0.28, "third P"),
        ("Q", 3.0, "q"),  # odd, with ties: 1, 3, 3 -> 3
        ("Q", 1.0, "q2"),
        ("Q", 3.0, "q3"),
        ("R", 5.0, None),  # one line, no description: NaN
        ("S", np.nan, "s"),  # a missing price is skipped: median of 2 and 4
        ("S", 4.0, "s2"),
        ("S", 2.0, "s3"),
        ("T", np.nan, "t"),  # no price at all: NaN
        ("a", 1.0, "lower"),  # code-point order: upper case, then lower case, then "É"
        ("É", 1.0, "accent"),
        ("10", 1.0, "ten"),
        ("9", 2.0, "nine"),
    ]
    lines = pd.DataFrame(rows, columns=["product_id", "unit_price", "description"]).astype(
        {"product_id": "str", "description": "str"}
    )
    lines["invoice_date"] = pd.Timestamp("2024-01-01")
    engine = register_frame(duckdb_connect(None), lines, "hand")
    got = price_list(engine, "hand")
    expected = pandas_price_list(lines)
    pd.testing.assert_frame_equal(got, expected, check_exact=True)
    assert got["product_id"].tolist() == ["10", "9", "P", "Q", "R", "S", "T", "a", "É"]
    by = got.set_index("product_id")
    assert by.loc["Q", "unit_price"] == 3.0 and by.loc["S", "unit_price"] == 3.0
    assert np.isnan(by.loc["T", "unit_price"]) and pd.isna(by.loc["R", "description"])
    assert by.loc["P", "description"] == "first P"
    # pandas' mean of the middle two, not an interpolation low + (high - low) / 2
    low, high = 0.28, 5.5
    assert by.loc["P", "unit_price"] == (low + high) / 2 == 2.89 != low + (high - low) / 2


def test_velocity_window_edges_and_an_empty_window():
    lines = pd.DataFrame(
        {
            "product_id": ["A", "A", "B", "B", "C"],
            "quantity": [3, 4, 5, 6, 7],
            "invoice_date": pd.to_datetime(
                [
                    "2024-03-01 00:00",  # first moment of the 30-day window: in
                    "2024-03-31 00:00",  # as_of itself: out
                    "2024-02-29 23:59",  # just before the window: out
                    "2024-03-30 23:59",  # in
                    "2024-03-15 00:00",  # in
                ]
            ),
        }
    ).astype({"product_id": "str"})
    engine = register_frame(duckdb_connect(None), lines, "hand")
    got = sales_velocity(engine, "hand", "2024-03-31", 30)
    expected = promotion.sales_velocity(lines, "2024-03-31", 30)
    pd.testing.assert_series_equal(got, expected, check_exact=True)
    assert got.to_dict() == {"A": 3 / 30, "B": 6 / 30, "C": 7 / 30}
    empty = sales_velocity(engine, "hand", "2023-01-01", 30)
    pd.testing.assert_series_equal(
        empty, promotion.sales_velocity(lines, "2023-01-01", 30), check_index_type=False
    )
    assert empty.empty and empty.name == "velocity"
    with pytest.raises(ValueError, match="window_days"):
        sales_velocity(engine, "hand", "2024-03-31", 0)


def test_interactions_from_cells_equal_pandas_and_bad_input_is_named():
    lines = pd.DataFrame(
        {
            "customer_id": ["c2", "c1", "c1", "c1", "c10", "c2"],
            "product_id": ["B", "A", "A", "B", "A", "B"],
            "invoice_id": ["1", "2", "3", "3", "4", "1"],
            "quantity": [1, 2, 1, 1, 5, 2],
            "invoice_date": pd.to_datetime(["2024-01-01"] * 6),
        }
    ).astype({c: "str" for c in ("customer_id", "product_id", "invoice_id")})
    engine = register_frame(duckdb_connect(None), lines, "hand")
    for kind in ("binary", "count"):
        expected = pandas_matrix(lines, value=kind, products=["Z", "A"])
        got = interaction_matrix(engine, "hand", value=kind, products=["Z", "A"])
        assert_matrices_equal(got, expected)
    counts = interaction_cells(engine, "hand", value="count")
    assert counts.values.tolist() == [
        ["c1", "A", 2.0],  # invoices 2 and 3
        ["c1", "B", 1.0],
        ["c10", "A", 1.0],
        ["c2", "B", 1.0],  # two lines of one invoice
    ]
    with pytest.raises(ValueError, match="'value'.*repeat|repeat"):
        Interactions.from_frame(pd.concat([counts, counts.iloc[:1]], ignore_index=True))
    with pytest.raises(ValueError, match="'value'.*> 0"):
        Interactions.from_frame(counts.assign(value=0.0))
    bad = lines.copy()
    bad.loc[2, "quantity"] = -1
    register_frame(engine, bad, "bad")
    with pytest.raises(ValueError, match="'quantity' must be > 0"):
        interaction_cells(engine, "bad")
    with pytest.raises(ValueError, match="value must be"):
        interaction_cells(engine, "hand", value="weights")
    with pytest.raises(ValueError, match="invoice_id"):
        interaction_cells(engine, "hand", value="count", invoice_col="order")


def test_missing_ids_and_columns_are_named():
    lines = pd.DataFrame(
        {
            "product_id": ["A", None],
            "quantity": [1, 2],
            "unit_price": [1.0, 2.0],
            "amount": [1.0, 4.0],
            "invoice_date": pd.to_datetime(["2024-01-01"] * 2),
        }
    )
    engine = register_frame(duckdb_connect(None), lines, "hand")
    with pytest.raises(ValueError, match="'product_id' must be present.*1 line"):
        product_amounts(engine, "hand")
    with pytest.raises(ValueError, match="unit_price|required|missing"):
        price_list(engine, "hand", price_col="price")


@pytest.mark.realdata
def test_online_retail_sample_equals_pandas():
    from helpers.datasets import load_online_retail

    raw = load_online_retail(real_file("online_retail_2010_2011.csv.gz"))
    sample = raw.iloc[:120_000].reset_index(drop=True)
    engine, view, clean = cleaned(sample)
    # a products table of costs for most products (Online Retail has none)
    median = clean.groupby("product_id")["unit_price"].median()
    products = pd.DataFrame({"product_id": median.index, "unit_cost": 0.55 * median.to_numpy()})
    as_of = clean["invoice_date"].max().normalize() + pd.Timedelta(days=1)
    assert_all_equal(engine, view, clean, products, as_of, window_days=30)


@needs_spark
def test_the_same_sql_on_spark_equals_pandas():
    from helpers.datasets import load_synthetic
    from helpers.scale_sql import spark_session

    data = load_synthetic()
    raw = data.order_lines.iloc[:20_000].reset_index(drop=True)
    engine, view, clean = cleaned(raw, spark_session("local[2]"))
    as_of = clean["invoice_date"].max().normalize() + pd.Timedelta(days=1)
    assert_all_equal(engine, view, clean, data.products, as_of)

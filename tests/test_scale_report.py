"""helpers.scale_report: the report's tables made by DuckDB (and Spark) equal pandas' ones.

The reference is :func:`helpers.report_data.report_tables` on the same raw lines, cleaned in
pandas (:func:`helpers.snapshot.take_snapshot`). The engine cleans them itself. Every table
has the same rows, order, columns and dtypes; every value is equal, except money summed in
another order (1e-9 relative). The customers scored on both (churn risk, CLV, tiers,
segments, strategies) are then the same, the CLV within 1e-9.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from conftest import needs_spark, real_file

from helpers import report_data, scale_report, scoring
from helpers.checks import DataWarning
from helpers.scale_clean import clean_lines, register_frame
from helpers.scale_sql import duckdb_connect
from helpers.snapshot import take_snapshot

pytest.importorskip("duckdb")

SETTINGS = {"horizon_months": 12, "discount_rate": 0.1, "margin_rate": 0.3, "n_tiers": 5}


def both(raw, as_of, engine=None, **given):
    """The report's tables of ``raw`` before ``as_of`` by pandas, then by the engine."""
    as_of = pd.Timestamp(as_of)
    kept = raw[~(raw["invoice_date"] >= as_of)].reset_index(drop=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        expected = report_data.report_tables(take_snapshot(kept, as_of), **given)
        run = register_frame(engine if engine is not None else duckdb_connect(None), kept)
        cleaning = clean_lines(run, "cvl_raw", view="cvl_report")
        got = scale_report.report_tables(run, "cvl_raw", cleaning, as_of, **given)
    return got, expected


def assert_frames_equal(got, expected, what):
    """Same index, columns, dtypes and attrs keys; floats within 1e-9 relative, the rest exact."""
    assert isinstance(got, type(expected)), what
    if isinstance(expected, pd.Series):
        got, expected = got.to_frame(), expected.to_frame()
    assert list(got.columns) == list(expected.columns), what
    pd.testing.assert_index_equal(got.index, expected.index, exact=True, obj=what)
    assert got.dtypes.to_dict() == expected.dtypes.to_dict(), what
    floats = [c for c in expected.columns if pd.api.types.is_float_dtype(expected[c])]
    others = [c for c in expected.columns if c not in floats]
    pd.testing.assert_frame_equal(got[others], expected[others], check_exact=True, obj=what)
    for column in floats:
        np.testing.assert_allclose(
            got[column], expected[column], rtol=1e-9, atol=1e-12, err_msg=f"{what}: {column}"
        )


def assert_report_tables_equal(got, expected):
    """Every table of two ReportTables, the backtest's at each stored origin too."""
    assert got.lines is None and expected.lines is not None
    for name in ("first_order", "last_order", "lines", "orders", "customers"):
        assert getattr(got.figures, name) == getattr(expected.figures, name), name
    assert got.figures.revenue == pytest.approx(expected.figures.revenue, rel=1e-12)
    mine, theirs = got.customers, expected.customers
    assert (mine.as_of, mine.window_days) == (theirs.as_of, theirs.window_days)
    for name in ("summary", "rfm", "churn_train", "churn_now", "clv_summary"):
        assert_frames_equal(getattr(mine, name), getattr(theirs, name), name)
    assert mine.churn_train.attrs == theirs.churn_train.attrs
    assert mine.clv_summary.attrs == theirs.clv_summary.attrs
    assert (mine.backtest.first, mine.backtest.last) == (
        theirs.backtest.first,
        theirs.backtest.last,
    )
    stored = theirs.backtest.at_origin.results
    assert mine.backtest.at_origin.results.keys() == stored.keys()
    for key in stored:
        table, weekly = mine.backtest.at_origin(*key)
        want, want_weekly = theirs.backtest.at_origin(*key)
        assert_frames_equal(table, want, f"backtest at {key[0]:%Y-%m-%d}")
        np.testing.assert_array_equal(weekly, want_weekly)
    assert got.margin_rate == pytest.approx(expected.margin_rate, rel=1e-12)
    assert got.margin_source == expected.margin_source
    if expected.interactions is None:
        assert got.interactions is None
    else:
        assert list(got.interactions.customers) == list(expected.interactions.customers)
        assert list(got.interactions.products) == list(expected.interactions.products)
        assert (got.interactions.matrix != expected.interactions.matrix).nnz == 0
    for name in ("price_list", "velocity"):
        if getattr(expected, name) is None:
            assert getattr(got, name) is None, name
        else:
            assert_frames_equal(getattr(got, name), getattr(expected, name), name)
    if expected.subscriptions is None:
        assert got.subscriptions is None
    else:
        assert got.subscriptions[1] == expected.subscriptions[1]
        assert_frames_equal(got.subscriptions[0], expected.subscriptions[0], "subscriptions")


def assert_scores_equal(got, expected):
    """score_tables on both: the same customers, tiers, segments, strategies; CLV to 1e-9."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        view, features, rfm = scoring.score_tables(got.customers, **SETTINGS)
        want, want_features, want_rfm = scoring.score_tables(expected.customers, **SETTINGS)
    assert_frames_equal(view, want, "view")
    np.testing.assert_allclose(view["clv"], want["clv"], rtol=1e-9, atol=0)
    for key in ("purchase_model", "model_reason", "cutoff", "n_train", "churn_rate"):
        assert view.attrs[key] == want.attrs[key], key
    assert_frames_equal(features, want_features, "features")
    assert_frames_equal(rfm, want_rfm, "rfm")
    return view


def test_synthetic_shop_with_its_dirt_equals_pandas():
    from helpers.datasets import load_synthetic

    data = load_synthetic()
    given = {
        "window_days": 90,
        "products": data.products,
        "customers": data.customers,
    }
    got, expected = both(data.order_lines, "2024-10-01", **given)
    assert_report_tables_equal(got, expected)
    assert got.engine == "duckdb" and expected.engine == "pandas"
    assert expected.velocity is not None and expected.price_list is None
    view = assert_scores_equal(got, expected)
    assert view["clv"].notna().mean() > 0.9


def test_without_products_table_the_price_list_is_made_and_the_margin_assumed():
    from helpers.datasets import load_synthetic

    got, expected = both(load_synthetic().order_lines, "2024-06-01", window_days=60, margin=0.25)
    assert expected.price_list is not None and expected.velocity is None
    assert expected.margin_rate == 0.25
    assert_report_tables_equal(got, expected)


def test_subscriptions_are_counted_as_pandas_counts_them():
    """Monthly payments with a subscription id: the table of subscriptions is the same."""
    from helpers.datasets import load_synthetic

    raw = load_synthetic().order_lines
    members = raw["customer_id"].drop_duplicates().iloc[:40]
    rows = []
    for k, customer in enumerate(members):
        months = 3 + k % 9
        for m in range(months):
            day = pd.Timestamp("2023-02-10") + pd.DateOffset(months=m + k % 5)
            rows.append(
                {
                    "invoice_id": f"M{k}-{m}",
                    "invoice_date": day,
                    "customer_id": customer,
                    "product_id": "CLUB",
                    "quantity": 1,
                    "unit_price": 9.99 + k % 3,
                    "subscription_id": f"S{k:03d}",
                }
            )
    log = pd.concat([raw, pd.DataFrame(rows)], ignore_index=True)
    got, expected = both(log, "2024-01-01", window_days=90)
    assert expected.subscriptions is not None
    assert 0 < expected.subscriptions[0]["active"].sum() < 40
    assert_report_tables_equal(got, expected)


@pytest.mark.realdata
def test_online_retail_sample_equals_pandas():
    from helpers.datasets import load_online_retail

    raw = load_online_retail(real_file("online_retail_2010_2011.csv.gz")).iloc[:150_000]
    got, expected = both(raw, "2011-03-15", window_days=60, has_products=True)
    assert_report_tables_equal(got, expected)
    assert_scores_equal(got, expected)


@needs_spark
def test_the_same_sql_on_spark_equals_pandas():
    from helpers.datasets import load_synthetic
    from helpers.scale_sql import spark_session

    data = load_synthetic()
    got, expected = both(
        data.order_lines,
        "2024-04-01",
        spark_session("local[2]"),
        window_days=90,
        products=data.products,
    )
    assert got.engine == "spark"
    assert_report_tables_equal(got, expected)
    assert_scores_equal(got, expected)

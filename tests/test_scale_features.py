"""helpers.scale_features: the customer features and churn labels in DuckDB (and Spark).

The reference is the pandas implementation on the same raw lines: the lines are cleaned by
helpers.scale_clean in the engine and by helpers.cleaning.clean_and_flag in pandas, then
helpers.features.customer_features (with the raw lines and their reasons, for return_rate)
and helpers.churn.churn_labels are compared with the engine's. The same customers in the same
order, the same columns and dtypes, every value equal exactly except money (monetary,
monetary_avg), which pandas adds in row order: within 1e-9 relative.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import needs_spark, real_file

from helpers import churn, features
from helpers.cleaning import clean_and_flag
from helpers.scale_clean import clean_lines, line_reasons, register_frame
from helpers.scale_features import churn_features, churn_labels, customer_features
from helpers.scale_sql import duckdb_connect

pytest.importorskip("duckdb")


MONEY = ("monetary", "monetary_avg")


def in_engine(raw: pd.DataFrame, engine=None, **settings):
    """Clean ``raw`` in the engine (a new DuckDB by default); return the engine, views."""
    engine = register_frame(engine if engine is not None else duckdb_connect(None), raw)
    result = clean_lines(engine, **settings)
    return engine, result.view, line_reasons(engine, result)


def assert_features_equal(got: pd.DataFrame, expected: pd.DataFrame) -> None:
    """Same customers, order, columns, dtypes; money within 1e-9 relative, the rest exact."""
    assert list(got.columns) == list(expected.columns)
    pd.testing.assert_index_equal(got.index, expected.index, exact=True)
    assert got.dtypes.to_dict() == expected.dtypes.to_dict()
    assert got.attrs["as_of"] == expected.attrs["as_of"]
    exact = [c for c in expected.columns if c not in MONEY]
    pd.testing.assert_frame_equal(got[exact], expected[exact], check_exact=True)
    for column in MONEY:
        np.testing.assert_allclose(got[column], expected[column], rtol=1e-9, atol=0)


def assert_equal_to_pandas(raw, as_of=None, engine=None, **given):
    """The engine's features of ``raw`` (cleaned there) equal pandas' (cleaned in pandas)."""
    clean, _, reasons = clean_and_flag(raw)
    expected = features.customer_features(clean, as_of, raw=raw, reasons=reasons, **given)
    run, view, reasons_view = in_engine(raw, engine)
    got = customer_features(run, view, as_of, reasons=reasons_view, **given)
    assert_features_equal(got, expected)
    return got


def line(invoice, day, customer, product, quantity, price, country="UK", hour=10):
    return {
        "invoice_id": invoice,
        "invoice_date": pd.Timestamp("2024-01-01") + pd.Timedelta(days=day, hours=hour),
        "customer_id": customer,
        "product_id": product,
        "description": "ITEM",
        "quantity": quantity,
        "unit_price": price,
        "country": country,
    }


def frame(rows) -> pd.DataFrame:
    raw = pd.DataFrame(rows)
    return raw.astype(
        {c: "str" for c in ("invoice_id", "customer_id", "product_id", "description", "country")}
    )


@pytest.fixture(scope="module")
def hand_made() -> pd.DataFrame:
    """Edge cases; as_of is day 10 (2024-01-11 00:00). The expected values are in the test."""
    rows = [
        # K1: 10 A, 4 returned (netted), then 2 B: two invoices, 8 units kept, 4 returned
        line("1", 0, "K1", "A", 10, 2.0),
        line("C2", 1, "K1", "A", -4, 2.0),
        line("3", 5, "K1", "B", 2, 1.5, hour=23),
        # K2: one purchase of two lines, on day 3
        line("4", 3, "K2", "A", 1, 2.0, country="France"),
        line("4", 3, "K2", "B", 3, 1.5, country="France"),
        # K3: lines straddling as_of: day 9 (23:59) counts, day 10 (00:00) and later do not
        line("5", 2, "K3", "A", 1, 2.0),
        line("6", 9, "K3", "C", 2, 4.0, hour=0)
        | {"invoice_date": pd.Timestamp("2024-01-10 23:59")},
        line("7", 10, "K3", "C", 5, 4.0, hour=0),
        line("8", 12, "K3", "D", 1, 9.0),
        # K4: country tie: 2 lines Germany, 2 Belgium, 1 Spain -> Belgium (first by name)
        line("9", 1, "K4", "A", 1, 2.0, country="Germany"),
        line("9", 1, "K4", "B", 1, 1.5, country="Germany"),
        line("10", 2, "K4", "C", 1, 4.0, country="Belgium"),
        line("11", 3, "K4", "A", 1, 2.0, country="Belgium"),
        line("11", 3, "K4", "D", 1, 9.0, country="Spain"),
        # K5: only returns netted: 3 A bought, 3 returned (fully returned): no clean line
        line("12", 1, "K5", "A", 3, 2.0),
        line("C13", 2, "K5", "A", -3, 2.0),
        # K6: a return netted after as_of shrinks a purchase before it, but is not counted
        line("14", 4, "K6", "B", 5, 1.5),
        line("C15", 11, "K6", "B", -2, 1.5),
        # K7: an unmatched return (nothing bought before it): not counted as returned
        line("16", 6, "K7", "D", 1, 9.0, country="EIRE"),
        line("C17", 7, "K7", "E", -1, 3.0, country="EIRE"),
    ]
    return frame(rows)


AS_OF = pd.Timestamp("2024-01-11")


def test_hand_made_edge_cases_equal_pandas_and_the_values_worked_out_by_hand(hand_made):
    got = assert_equal_to_pandas(hand_made, AS_OF)
    assert got.index.tolist() == ["K1", "K2", "K3", "K4", "K6", "K7"]  # K5 returned all
    k1, k2, k3, k4, k6 = (got.loc[k] for k in ("K1", "K2", "K3", "K4", "K6"))
    # K1: first day 0, last day 5, as_of day 10
    assert (k1["frequency"], k1["recency"], k1["tenure"]) == (2, 5, 10)
    assert k1["interpurchase_days"] == 5.0  # (5 - 0) / (2 - 1)
    assert k1["units_per_invoice"] == 4.0  # (6 + 2) / 2
    assert k1["return_rate"] == pytest.approx(4 / 12)
    assert k1["monetary"] == pytest.approx(6 * 2.0 + 2 * 1.5)
    # K2: one purchase on day 3: no gap, the tenure instead
    assert (k2["frequency"], k2["tenure"], k2["interpurchase_days"]) == (1, 7, 7.0)
    assert (k2["lines_per_invoice"], k2["units_per_invoice"], k2["return_rate"]) == (2, 4, 0)
    assert k2["country"] == "France"
    # K3: the lines on day 2 and day 9 23:59 count, those from as_of on do not
    assert (k3["frequency"], k3["recency"], k3["tenure"]) == (2, 1, 8)
    assert k3["monetary"] == pytest.approx(2.0 + 8.0)
    assert k3["interpurchase_days"] == 7.0
    assert k4["country"] == "Belgium"
    assert k4["distinct_products"] == 4
    # K6: 5 bought, 2 returned after as_of (netted by the cleaning of the whole file)
    assert (k6["units_per_invoice"], k6["return_rate"]) == (3.0, 0.0)
    assert got.loc["K7", "return_rate"] == 0.0


def test_default_as_of_and_products_customers_on_hand_made_lines(hand_made):
    products = pd.DataFrame(
        {"product_id": ["A", "B", "C", "D", "E"], "category": ["x", "x", "y", "z", "z"]}
    )
    customers = pd.DataFrame(
        {
            "customer_id": ["K1", "K2", "K9"],
            "birth_date": ["1980-05-01", "1990-01-01", "1970-01-01"],
            "gender": ["F", None, "M"],
            "annual_income": [50_000, 40_000, 30_000],
        }
    )
    got = assert_equal_to_pandas(hand_made, products=products, customers=customers)
    assert got.attrs["as_of"] == pd.Timestamp("2024-01-14")  # the day after the last line
    assert got.loc["K4", "distinct_categories"] == 3
    assert got.loc["K3", "frequency"] == 4
    assert pd.isna(got.loc["K3", "age"]) and pd.isna(got.loc["K2", "gender"])


def test_synthetic_shop_with_its_dirt_equals_pandas():
    from helpers.datasets import load_synthetic

    data = load_synthetic()
    raw = data.order_lines
    clean, _, reasons = clean_and_flag(raw)
    run, view, reasons_view = in_engine(raw)
    # the default as_of, with categories and demographics; then mid-way (lines straddle it)
    for as_of, given in (
        (None, {"products": data.products, "customers": data.customers}),
        ("2023-06-15 12:00", {}),
    ):
        expected = features.customer_features(clean, as_of, raw=raw, reasons=reasons, **given)
        got = customer_features(run, view, as_of, reasons=reasons_view, **given)
        assert_features_equal(got, expected)
        assert (got["return_rate"] > 0).sum() > 10
        assert (got["frequency"] == 1).sum() > 10  # one-purchase customers are there


def test_labels_equal_churn_labels():
    from helpers.datasets import load_synthetic

    raw = load_synthetic().order_lines
    clean, _, _ = clean_and_flag(raw)
    run, view, _ = in_engine(raw)
    for as_of, horizon in (("2023-06-01", 90), ("2023-09-15 12:00", 30)):
        expected = churn.churn_labels(clean, as_of, horizon)
        got = churn_labels(run, view, as_of, horizon)
        pd.testing.assert_series_equal(got, expected, check_exact=True)
        assert got.attrs == expected.attrs
        assert 0 < got.mean() < 1
    with pytest.raises(ValueError, match="ends after the data end"):
        churn_labels(run, view, clean["invoice_date"].max(), 30)


def test_features_at_a_training_cutoff_equal_churn_features():
    """The raw lines cut at the cutoff, then cleaned (no leak): churn_features' table."""
    from helpers.datasets import load_synthetic

    data = load_synthetic()
    raw = data.order_lines
    cutoff = pd.Timestamp("2024-03-01")
    for trend_days, given in ((90, {"customers": data.customers}), (30, {})):
        expected = churn.churn_features(raw, cutoff, trend_days=trend_days, **given)
        run = register_frame(duckdb_connect(None), raw)
        stamp = run.timestamp(cutoff)
        run.view("cvl_raw_cut", f"SELECT * FROM cvl_raw WHERE invoice_date < {stamp}")
        result = clean_lines(run, "cvl_raw_cut", view="cvl_clean_cut")
        reasons = line_reasons(run, result)
        got = churn_features(
            run, result.view, cutoff, reasons=reasons, trend_days=trend_days, **given
        )
        spend = ["spend_recent", "spend_earlier", "spend_trend"]
        assert_features_equal(got.drop(columns=spend), expected.drop(columns=spend))
        assert list(got.columns) == list(expected.columns)
        assert got.attrs == expected.attrs
        for column in spend[:2]:  # money added in another order
            np.testing.assert_allclose(got[column], expected[column], rtol=1e-9, atol=0)
        # a share of money: -1 to 1, where a difference of two sums can be 0 in one order only
        np.testing.assert_allclose(got["spend_trend"], expected["spend_trend"], rtol=0, atol=1e-12)
        assert (got["spend_recent"] > 0).sum() > 10 and (got["spend_trend"] == -1).sum() > 10


@pytest.mark.realdata
def test_online_retail_sample_equals_pandas():
    from helpers.datasets import load_online_retail

    raw = load_online_retail(real_file("online_retail_2010_2011.csv.gz"))
    sample = raw.iloc[:120_000].reset_index(drop=True)
    got = assert_equal_to_pandas(sample)
    assert got["country"].nunique() > 5
    assert (got["return_rate"] > 0).sum() > 100
    got = assert_equal_to_pandas(sample, "2011-03-01 09:30")


def test_bad_lines_and_zoned_dates_are_refused_naming_the_column(hand_made):
    run, view, _ = in_engine(hand_made)
    products = pd.DataFrame({"product_id": ["A", "B"], "category": ["x", "y"]})
    with pytest.raises(ValueError, match=r"'product_id' must be a product of the products"):
        customer_features(run, view, AS_OF, products=products)
    bad = run.run(f"SELECT * FROM {view}")
    bad.loc[bad["customer_id"] == "K2", "quantity"] = 0
    register_frame(run, bad, "cvl_bad", line_col="n")
    with pytest.raises(ValueError, match=r"'quantity' must be > 0; 2 line\(s\)"):
        customer_features(run, "cvl_bad", AS_OF)
    zoned = bad.assign(invoice_date=bad["invoice_date"].dt.tz_localize("Europe/London"))
    register_frame(run, zoned, "cvl_zoned", line_col="n")
    with pytest.raises(ValueError, match="time zone"):
        customer_features(run, "cvl_zoned", AS_OF)
    with pytest.raises(ValueError, match="at or before the first transaction"):
        customer_features(run, view, "2023-01-01")


@needs_spark
def test_the_same_sql_on_spark_equals_pandas(hand_made):
    from helpers.datasets import load_synthetic
    from helpers.scale_sql import spark_session

    spark = spark_session("local[2]")
    data = load_synthetic()
    raw = pd.concat([hand_made, data.order_lines.iloc[:20_000]], ignore_index=True)
    assert_equal_to_pandas(
        raw,
        engine=spark,
        products=pd.concat(
            [data.products, pd.DataFrame({"product_id": list("ABCDE"), "category": "x"})]
        ),
    )
    assert_equal_to_pandas(raw, "2023-03-01", engine=spark)
    clean, _, _ = clean_and_flag(raw)
    run, view, _ = in_engine(raw, spark)
    expected = churn.churn_labels(clean, "2023-03-01", 60)
    pd.testing.assert_series_equal(churn_labels(run, view, "2023-03-01", 60), expected)
    cutoff = pd.Timestamp("2023-03-01")
    expected = churn.churn_features(raw, cutoff, trend_days=30)
    run.view("cvl_raw_cut", f"SELECT * FROM cvl_raw WHERE invoice_date < {run.timestamp(cutoff)}")
    result = clean_lines(run, "cvl_raw_cut", view="cvl_clean_cut")
    got = churn_features(run, result.view, cutoff, reasons=line_reasons(run, result), trend_days=30)
    assert list(got.columns) == list(expected.columns)
    pd.testing.assert_frame_equal(got, expected, check_exact=False, rtol=1e-9, atol=1e-12)

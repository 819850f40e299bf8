"""helpers.scale_clv: the CLV model's inputs in DuckDB (and Spark) and the CLV fitted on them.

The reference is the pandas implementation on the same raw lines: cleaned by
helpers.scale_clean in the engine and by helpers.snapshot.take_snapshot (clean_and_flag) in
pandas, then helpers.clv_data.summary_data / calibration_holdout,
helpers.clv.comparison.backtest_lines and helpers.scoring.model_clv. Customers, order,
columns, dtypes and attrs are equal; every count, day, frequency, recency and T exactly;
money (monetary_value, holdout_spend), which pandas adds in another order, within 1e-9
relative, and so the CLV built on Gamma-Gamma's fit.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from conftest import needs_spark, real_file

from helpers import clv_data, scale_clv, scoring
from helpers.checks import DataWarning
from helpers.clv.choice import choose_purchase_model
from helpers.clv.comparison import backtest_lines
from helpers.scale_clean import clean_lines, register_frame
from helpers.scale_sql import duckdb_connect
from helpers.snapshot import take_snapshot

pytest.importorskip("duckdb")


MONEY = ("monetary_value", "holdout_spend")
SETTINGS = {"horizon_months": 12, "discount_rate": 0.1, "margin_rate": 0.3}


def in_engine(raw: pd.DataFrame, as_of: pd.Timestamp, engine=None):
    """The raw lines before ``as_of`` (and undated), cleaned in the engine: engine, view."""
    run = register_frame(engine if engine is not None else duckdb_connect(None), raw)
    stamp = run.timestamp(as_of)
    before = f"invoice_date < {stamp} OR invoice_date IS NULL"  # helpers.snapshot.lines_before
    run.view("cvl_raw_cut", f"SELECT * FROM cvl_raw WHERE {before}")
    return run, clean_lines(run, "cvl_raw_cut", view="cvl_clean_cut").view


def assert_tables_equal(got: pd.DataFrame, expected: pd.DataFrame) -> None:
    """Same customers, order, columns, dtypes, attrs; money within 1e-9, the rest exact."""
    assert list(got.columns) == list(expected.columns)
    pd.testing.assert_index_equal(got.index, expected.index, exact=True)
    assert got.dtypes.to_dict() == expected.dtypes.to_dict()
    assert got.attrs == expected.attrs
    money = [c for c in MONEY if c in expected.columns]
    exact = expected.columns.drop(money)
    pd.testing.assert_frame_equal(got[exact], expected[exact], check_exact=True)
    for column in money:
        np.testing.assert_allclose(got[column], expected[column], rtol=1e-9, atol=0)


def assert_backtests_equal(got, expected, origins, span: int) -> None:
    """Two BacktestLines: the same days, and the same tables at every origin."""
    assert (got.first, got.last) == (expected.first, expected.last)
    for origin in origins:
        table, weekly = got.at_origin(origin, span, "W")
        want, want_weekly = expected.at_origin(origin, span, "W")
        assert_tables_equal(table, want)
        np.testing.assert_array_equal(weekly, want_weekly)
        assert weekly.dtype == want_weekly.dtype
        assert (table["holdout_purchases"] > 0).any()


def assert_clv_equal(got: pd.DataFrame, expected: pd.DataFrame) -> None:
    """model_clv's table: the summary as above, the same model and reason, CLV within 1e-9."""
    scores = ["p_alive", "expected_purchases", "clv"]
    summary = list(expected.columns.drop(scores))
    summary_got, summary_expected = got[summary].copy(), expected[summary].copy()
    summary_got.attrs = summary_expected.attrs = {}
    assert_tables_equal(summary_got, summary_expected)
    assert list(got.columns) == list(expected.columns)
    assert got.attrs.keys() == expected.attrs.keys()
    for key in ("purchase_model", "model_reason", "notes", "period", "as_of", "last_day"):
        assert got.attrs[key] == expected.attrs[key], key
    assert got.attrs["params"].keys() == expected.attrs["params"].keys()
    for name, params in expected.attrs["params"].items():
        for key, value in params.items():  # rounded to 4 decimals: one may round up, one down
            assert got.attrs["params"][name][key] == pytest.approx(value, rel=0, abs=1.5e-4)
    for column in scores:
        assert got[column].isna().equals(expected[column].isna())
        np.testing.assert_allclose(got[column], expected[column], rtol=1e-9, atol=0)


def line(invoice, day, customer, quantity, price, product="A"):
    return {
        "invoice_id": invoice,
        "invoice_date": pd.Timestamp("2024-01-01 10:00") + pd.Timedelta(days=day),
        "customer_id": customer,
        "product_id": product,
        "description": "ITEM",
        "quantity": quantity,
        "unit_price": price,
        "country": "UK",
    }


@pytest.fixture(scope="module")
def hand_made() -> pd.DataFrame:
    """Three customers; the values are worked out by hand in the tests."""
    rows = [
        # A: day 0 (two invoices: 10 + 5), day 7 (20), day 21 (30), day 30 (after as_of)
        line("1", 0, "A", 2, 5.0),
        line("2", 0, "A", 1, 5.0, product="B"),
        line("3", 7, "A", 4, 5.0),
        line("4", 21, "A", 6, 5.0),
        line("5", 30, "A", 1, 5.0),
        # B: first seen on day 14, in the holdout after day 10
        line("6", 14, "B", 1, 2.5),
        # C: two invoices on day 3 (one purchase day), then nothing
        line("7", 3, "C", 1, 1.0),
        line("8", 3, "C", 3, 1.0, product="B"),
    ]
    raw = pd.DataFrame(rows)
    return raw.astype({c: "str" for c in ("invoice_id", "customer_id", "product_id")})


AS_OF = pd.Timestamp("2024-01-29")  # day 28: the last observed day is day 27


def test_hand_made_summary_and_calibration_table_worked_out_by_hand(hand_made):
    run, view = in_engine(hand_made, pd.Timestamp("2024-02-10"))
    summary = scale_clv.clv_summary(run, view, AS_OF)
    assert summary.index.tolist() == ["A", "B", "C"]
    a, b, c = (summary.loc[k] for k in "ABC")
    # A: days 0, 7, 21 before as_of: 2 repeats, 21 days = 3 weeks, T 27 days; spend (20 + 30) / 2
    assert (a["frequency"], a["recency"], a["T"], a["monetary_value"]) == (2, 3.0, 27 / 7, 25.0)
    assert (b["frequency"], b["recency"], b["T"], b["monetary_value"]) == (0, 0.0, 13 / 7, 0.0)
    assert (c["frequency"], c["T"]) == (0, 24 / 7)  # one purchase day, two invoices
    assert summary.attrs["last_day"] == pd.Timestamp("2024-01-28")
    # calibration to day 10 (2024-01-11), holdout days 11-24
    table = scale_clv.calibration_holdout(run, view, holdout_start="2024-01-12", as_of="2024-01-26")
    assert table.index.tolist() == ["A", "C"]  # B is new in the holdout
    assert table.attrs["new_in_holdout"] == 1 and table.attrs["holdout_length"] == 2.0
    assert (table.loc["A", "frequency"], table.loc["A", "T"]) == (1, 10 / 7)
    assert (table.loc["A", "holdout_purchases"], table.loc["A", "holdout_spend"]) == (1, 30.0)
    assert (table.loc["C", "holdout_purchases"], table.loc["C", "holdout_spend"]) == (0, 0.0)
    # the cohort (A, C) bought on day 21: 11 days after the origin, in the second week;
    # the tables are made when asked, even if another step replaced the view cvl_lines
    backtest = scale_clv.clv_inputs(run, view, AS_OF).backtest
    run.view("cvl_lines", f"SELECT * FROM {view} WHERE customer_id = 'B'")
    again, weekly = backtest.at_origin(pd.Timestamp("2024-01-11"), 14, "W")
    np.testing.assert_array_equal(weekly, [0.0, 1.0])
    assert_tables_equal(again, table)
    # and pandas says the same
    clean = take_snapshot(hand_made, AS_OF).clean
    assert_tables_equal(summary, clv_data.summary_data(clean, as_of=AS_OF, period="W"))
    expected = clv_data.calibration_holdout(clean, holdout_start="2024-01-12", as_of="2024-01-26")
    assert_tables_equal(table, expected)


def test_the_split_pandas_path_gives_the_same_choice():
    """choose_purchase_model on BacktestLines of pandas lines: the same choice as on lines."""
    from helpers.datasets import load_synthetic

    clean = take_snapshot(load_synthetic().order_lines, "2024-06-01").clean
    as_of = pd.Timestamp("2024-06-01")
    expected = choose_purchase_model(clean, as_of=as_of)
    lines = clean[clean["invoice_date"] < as_of]
    got = choose_purchase_model(backtest_lines(lines), as_of=as_of, summary=expected.summary)
    assert (got.name, got.reason) == (expected.name, expected.reason)
    pd.testing.assert_frame_equal(got.comparison.scores, expected.comparison.scores)
    with pytest.raises(TypeError, match="needs summary="):
        choose_purchase_model(backtest_lines(lines), as_of=as_of)


def test_synthetic_shop_clv_equals_model_clv():
    """Two analysis dates: backtests of 26 and 13 weeks, choosing different models."""
    from helpers.datasets import load_synthetic

    raw = load_synthetic().order_lines
    chosen = set()
    for as_of, holdout in ((pd.Timestamp("2025-01-01"), 26), (pd.Timestamp("2024-01-01"), 13)):
        snapshot = take_snapshot(raw, as_of)
        run, view = in_engine(raw, as_of)
        expected = scoring.model_clv(snapshot, **SETTINGS)
        got = scale_clv.model_clv(run, view, as_of, **SETTINGS)
        assert_clv_equal(got, expected)
        assert f"{holdout}-week holdout" in got.attrs["model_reason"]
        chosen.add(got.attrs["purchase_model"])
        summary = scale_clv.clv_summary(run, view, as_of)
        assert_tables_equal(summary, clv_data.summary_data(snapshot.clean, as_of=as_of))
        # the backtest's tables at its three origins, four weeks apart
        last = as_of - pd.Timedelta(days=1) - pd.Timedelta(weeks=holdout)
        origins = [last - pd.Timedelta(weeks=4 * k) for k in (2, 1, 0)]
        ours, pandas = (
            scale_clv.clv_inputs(run, view, as_of).backtest,
            backtest_lines(snapshot.clean),
        )
        assert_backtests_equal(ours, pandas, origins, holdout * 7)
    assert chosen == {"Pareto/NBD", "BG/NBD"}


def online_retail_sample() -> pd.DataFrame:
    from helpers.datasets import load_online_retail

    raw = load_online_retail(real_file("online_retail_2010_2011.csv.gz"))
    return raw.iloc[:120_000].reset_index(drop=True)


def retail_clv(sample: pd.DataFrame, as_of: pd.Timestamp):
    """model_clv in pandas, the engine's inputs, and the CLV fitted on them."""
    snapshot = take_snapshot(sample, as_of)
    run, view = in_engine(sample, as_of)
    with warnings.catch_warnings():  # BG/NBD's and MBG/NBD's a run away on 15 weeks
        warnings.simplefilter("ignore", DataWarning)
        expected = scoring.model_clv(snapshot, **SETTINGS)
        inputs = scale_clv.clv_inputs(run, view, as_of)
        got = scoring.clv_from_summary(inputs.summary, inputs.backtest, as_of=as_of, **SETTINGS)
    return snapshot, expected, inputs, got


@pytest.mark.realdata
def test_online_retail_sample_equals_pandas():
    """The inputs are equal (money to 1e-9); with pandas' money, the CLV bit for bit.

    The money differs in the last bit (exact millionths against pandas' float sums); the
    fit is finished at the maximum (Newton steps), so the CLV is equal to 1e-9.
    """
    sample = online_retail_sample()
    as_of = pd.Timestamp("2011-03-01")
    snapshot, expected, inputs, got = retail_clv(sample, as_of)
    summary = clv_data.summary_data(snapshot.clean, as_of=as_of)
    assert_tables_equal(inputs.summary, summary)
    assert (summary["frequency"] > 0).sum() > 300
    assert got.attrs["purchase_model"] == expected.attrs["purchase_model"]
    assert "too few for a backtest" in got.attrs["model_reason"]  # 3 months of lines
    for column in ("p_alive", "expected_purchases"):  # the purchase model: the same numbers
        pd.testing.assert_series_equal(got[column], expected[column], check_exact=True)
    np.testing.assert_allclose(got["clv"], expected["clv"], rtol=1e-9, atol=0)
    same_money = inputs.summary.assign(monetary_value=summary["monetary_value"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        again = scoring.clv_from_summary(same_money, inputs.backtest, as_of=as_of, **SETTINGS)
    pd.testing.assert_frame_equal(again, expected, check_exact=True)
    assert again.attrs == expected.attrs
    # the report's backtest needs 39 weeks: its tables at other origins, exactly
    origins = [pd.Timestamp(day) for day in ("2010-12-20", "2011-01-10", "2011-01-31")]
    assert_backtests_equal(inputs.backtest, backtest_lines(snapshot.clean), origins, 21)


@pytest.mark.realdata
@pytest.mark.realdata
def test_online_retail_clv_mid_january_within_1e_9():
    """Gamma-Gamma once stopped on a plateau here (p 7e5, a log-likelihood 94 lower) for
    the engine's spends, which differ from pandas' in the last bit, and not for pandas'."""
    sample = online_retail_sample()
    _, expected, _, got = retail_clv(sample, pd.Timestamp("2011-01-15"))
    np.testing.assert_allclose(got["clv"], expected["clv"], rtol=1e-9, atol=0)


def test_bad_lines_are_refused_naming_the_column(hand_made):
    run, view = in_engine(hand_made, AS_OF)
    with pytest.raises(ValueError, match="no line is dated before as_of"):
        scale_clv.clv_summary(run, view, "2023-06-01")
    missing = "CASE WHEN invoice_id = '3' THEN NULL ELSE amount END"
    run.view("cvl_bad", f"SELECT * REPLACE ({missing} AS amount) FROM {view}")
    with pytest.raises(ValueError, match=r"'amount' must be a number; 1 line"):
        scale_clv.clv_summary(run, "cvl_bad", AS_OF)
    with pytest.raises(ValueError, match="spend"):
        scale_clv.clv_summary(run, view, AS_OF, amount_col="spend")
    with pytest.raises(ValueError, match="must be before as_of"):
        scale_clv.calibration_holdout(run, view, holdout_start="2024-01-20", as_of="2024-01-20")


@needs_spark
def test_the_same_sql_on_spark_equals_pandas(hand_made):
    from helpers.datasets import load_synthetic
    from helpers.scale_sql import spark_session

    spark = spark_session("local[2]")
    raw = load_synthetic().order_lines
    as_of = pd.Timestamp("2023-09-01")
    raw = raw[raw["invoice_date"] < as_of].reset_index(drop=True)
    snapshot = take_snapshot(raw, as_of)
    run, view = in_engine(raw, as_of, spark)
    assert_clv_equal(
        scale_clv.model_clv(run, view, as_of, **SETTINGS), scoring.model_clv(snapshot, **SETTINGS)
    )
    origins = [pd.Timestamp(day) for day in ("2023-04-01", "2023-05-15")]
    assert_backtests_equal(
        scale_clv.clv_inputs(run, view, as_of).backtest,
        backtest_lines(snapshot.clean),
        origins,
        30,
    )

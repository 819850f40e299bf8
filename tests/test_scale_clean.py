"""helpers.scale_clean: the cleaning run in DuckDB (and Spark) equals clean_transactions.

The reference is the pandas implementation, helpers.cleaning.clean_transactions, on the same
raw lines: the report's rows, actions and counts must be equal exactly, its revenue within
1e-9 relative (pandas adds floats in row order, the SQL exact millionths), its attrs equal
(money within 1e-9), and the clean lines equal in every column once sorted by line number.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import needs_spark, real_file

from helpers.cleaning import clean_transactions
from helpers.scale_clean import clean_lines, register_frame
from helpers.scale_sql import duckdb_connect

pytest.importorskip("duckdb")


def in_engine(raw: pd.DataFrame, engine=None, **settings):
    """Clean ``raw`` in the engine (a new DuckDB by default); return clean lines and result."""
    engine = register_frame(engine if engine is not None else duckdb_connect(None), raw)
    result = clean_lines(engine, **settings)
    clean = engine.run(f"SELECT * FROM {result.view}")
    clean = clean.sort_values("line_number").drop(columns="line_number").reset_index(drop=True)
    return clean, result


def assert_equal_to_pandas(raw: pd.DataFrame, engine=None, **settings):
    """The engine's clean lines, report and attrs equal clean_transactions' ones."""
    expected_clean, expected = clean_transactions(raw, **settings)
    clean, result = in_engine(raw, engine, **settings)
    report = result.report
    pd.testing.assert_frame_equal(report.drop(columns="revenue"), expected.drop(columns="revenue"))
    np.testing.assert_allclose(report["revenue"], expected["revenue"], rtol=1e-9, atol=1e-9)
    assert report.attrs.keys() == expected.attrs.keys()
    for key, value in expected.attrs.items():
        if isinstance(value, float):
            assert report.attrs[key] == pytest.approx(value, rel=1e-9, abs=1e-9), key
        else:
            assert report.attrs[key] == value, key
    assert list(clean.columns) == list(expected_clean.columns)
    pd.testing.assert_frame_equal(clean, expected_clean, check_dtype=False, check_exact=True)
    for column in expected_clean.columns:  # numbers and dates keep their kind
        assert clean[column].dtype.kind == expected_clean[column].dtype.kind, column
    return clean, result


def line(invoice, day, customer, product, quantity, price, description="ITEM", country="UK"):
    return {
        "invoice_id": invoice,
        "invoice_date": pd.Timestamp("2024-01-01") + pd.Timedelta(days=day),
        "customer_id": customer,
        "product_id": product,
        "description": description,
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
    """One or more lines for every rule; the comments give the reason each line must get."""
    rows = [
        line("1", 0, "K1", "A", 10, 2.0),  # fully returned purchase (returned in two parts)
        line("C2", 1, "K1", "A", -4, 2.0),  # cancellation netted
        line("C3", 2, "K1", "A", -6, 2.0),  # cancellation netted
        line("4", 0, "K2", "B", 5, 1.0),  # kept, 3 left: partially returned purchase
        line("C5", 1, "K2", "B", -2, 1.0),  # cancellation netted
        line("C6", 1, "K3", "C", -3, 1.5),  # unmatched cancellation
        line("7", 0, "K4", "D", 1, 100.0),  # purchase reversed by manual credit
        line("C8", 0, "K4", "M", -1, 100.0, "MANUAL"),  # manual credit netted
        line("C9", 3, "K4", "M", -1, 7.77, " manual "),  # unmatched manual credit
        line("10", 0, "K5", "E", 2, 3.0),  # kept
        line("10", 0, "K5", "E", 2, 3.0),  # exact duplicate
        line("11", 0, "K5", " e ", 1, 3.0, " item"),  # kept, whitespace/case normalised
        line("11", 0, "K5", "E", 1, 3.0, "ITEM"),  # exact duplicate of the line above
        line("12", 0, " test01 ", "F", 1, 1.0),  # test account
        line("13", 0, None, "F", 1, 1.0),  # missing customer id
        line("14", 0, "   ", "F", 1, 1.0),  # missing customer id (blank)
        line("15", 0, "K6", "POST", 1, 18.0),  # non-product code
        line("16", 0, "K6", "gift_0001_10", 1, 10.0),  # non-product code (pattern)
        line("17", 0, "K6", " d", -1, 5.0, "Discount "),  # non-product code (case)
        line("18", 0, "K6", "G", 4, 0.0),  # zero or negative price
        line("19", 0, "K6", "G", 4, np.nan),  # zero or negative price (missing)
        line("20", 0, "K6", "H", 2, 1.25, country=" France\xa0"),  # kept, normalised
        line("21", 0, "\xa0K7", "\u3000ab\xa0", 1, 2.0, "straße"),  # kept, normalised
        line("22", 0, "K7", "AB", 1, 2.0, "STRASSE"),  # kept (another invoice)
        line("23", 0, "K7", "\tab\x1c", 1, 2.0, "STRASSE"),  # kept, normalised
        line("24", 0, "K8", "J", 1, 2.0),  # fully returned purchase
        line("c25", 0, "K8", "J", 2, 2.0),  # a lower-case "c" invoice: cancellation netted
    ]
    raw = frame(rows)
    raw.loc[len(raw)] = line("26", 0, "K8", "J", 1, 2.0)
    raw.loc[len(raw) - 1, "invoice_date"] = pd.NaT  # unparseable date
    return raw


def test_hand_made_lines_get_the_reason_worked_out_by_hand(hand_made):
    clean, result = assert_equal_to_pandas(hand_made)
    rows = result.report.set_index("reason")["rows"]
    expected = {
        "unparseable date": 1,
        "missing customer id": 2,
        "test account": 1,
        "exact duplicate": 2,
        "manual credit netted": 1,
        "purchase reversed by manual credit": 1,
        "unmatched manual credit": 1,
        "non-product code": 3,
        "zero or negative price": 2,
        "cancellation netted": 4,
        "fully returned purchase": 2,
        "unmatched cancellation": 1,
        "extreme quantity": 0,
        "whitespace/case normalised": 4,
        "partially returned purchase": 1,
    }
    assert rows.to_dict() == expected
    assert result.report.attrs["rows_in"] == len(hand_made) == 28
    assert result.report.attrs["rows_out"] == len(clean) == 28 - 21
    assert result.report.attrs["unmatched_return_quantity"] == 1  # 2 returned, 1 bought
    revenue = result.report.set_index("reason")["revenue"]
    assert revenue["partially returned purchase"] == pytest.approx(-2.0)
    assert revenue["unmatched manual credit"] == pytest.approx(-7.77)
    assert revenue["cancellation netted"] == pytest.approx(-20.0 - 2.0 + 4.0)
    k7 = clean[clean["customer_id"] == "K7"]
    assert k7["product_id"].tolist() == ["AB", "AB", "AB"]
    assert k7["description"].tolist() == ["STRASSE"] * 3
    assert clean.loc[clean["product_id"] == "H", "country"].tolist() == ["France"]
    assert clean.loc[clean["customer_id"] == "K2", "quantity"].tolist() == [3]


def test_rules_settings_and_flagged_outliers_equal_pandas(hand_made):
    big = frame(
        [line(str(100 + i), i, "K9", "Q", 1 + i % 3, 1.0) for i in range(40)]
        + [line("200", 50, "K9", "Q", 50_000, 1.0)]
    )
    raw = pd.concat([hand_made, big], ignore_index=True)
    _, result = assert_equal_to_pandas(raw)
    assert result.report.set_index("reason").loc["extreme quantity", "rows"] == 1
    _, flagged = assert_equal_to_pandas(
        raw,
        drop_outliers=False,
        test_accounts=("TEß", "K5"),
        non_product_codes=["POST"],
        non_product_pattern=None,
        manual_adjustment_codes=["M"],
        cancellation_prefix=None,
        outlier_min_quantity=10,
    )
    assert flagged.report.set_index("reason").loc["extreme quantity", "action"] == "flagged"


def test_customer_ids_saved_as_floats_lose_their_suffix_only_when_all_are_floats():
    rows = [
        line(str(i), i, c, "A", 1, 1.0) for i, c in enumerate(["17850.0", " 13047.0", "\xa012.0"])
    ]
    clean, _ = assert_equal_to_pandas(frame(rows))
    assert clean["customer_id"].tolist() == ["17850", "13047", "12"]
    rows.append(line("8", 8, "\u0661\u0667.0", "A", 1, 1.0))  # Arabic-Indic 17.0: a \\d float
    clean, _ = assert_equal_to_pandas(frame(rows))
    assert clean["customer_id"].tolist() == ["17850", "13047", "12", "\u0661\u0667"]
    rows.append(line("9", 9, "Ström", "A", 1, 1.0))
    clean, _ = assert_equal_to_pandas(frame(rows))
    assert clean["customer_id"].tolist() == [
        "17850.0",
        "13047.0",
        "12.0",
        "\u0661\u0667.0",
        "Ström",
    ]


def test_bad_input_names_the_column_and_a_line(hand_made):
    raw = hand_made.copy()
    raw.loc[3, "product_id"] = None
    with pytest.raises(ValueError, match=r"'product_id' must not be missing.*line_number=3"):
        in_engine(raw)
    with pytest.raises(ValueError, match="required column"):
        in_engine(hand_made.drop(columns="unit_price"))


def test_synthetic_shop_with_every_kind_of_dirt_equals_pandas():
    from helpers.datasets import load_synthetic

    raw = load_synthetic().order_lines
    _, result = assert_equal_to_pandas(raw)
    removed = result.report.set_index("reason")["rows"]
    # the dirt the synthetic shop injects is all there
    for reason in ("unparseable date", "missing customer id", "test account", "exact duplicate"):
        assert removed[reason] > 0, reason
    sent = result.python_lines
    assert sent["returns"] < 0.15 * sent["lines"]


@pytest.mark.realdata
def test_online_retail_sample_equals_pandas():
    from helpers.datasets import load_online_retail

    raw = load_online_retail(real_file("online_retail_2010_2011.csv.gz"))
    sample = raw.iloc[:120_000].reset_index(drop=True)
    _, result = assert_equal_to_pandas(sample)
    report = result.report.set_index("reason")["rows"]
    assert report["manual credit netted"] > 0
    assert report["unmatched cancellation"] > 0


@needs_spark
def test_the_same_sql_on_spark_equals_pandas(hand_made):
    from helpers.datasets import load_synthetic
    from helpers.scale_sql import spark_session

    spark = spark_session("local[2]")
    raw = pd.concat([hand_made, load_synthetic().order_lines.iloc[:20_000]], ignore_index=True)
    assert_equal_to_pandas(raw, engine=spark)


def test_manual_credits_see_whole_invoices_only_and_few_lines_go_to_python():
    rows = [
        line("30", 0, "K10", "P1", 1, 5.0),  # kept
        line("30", 0, "K10", "P2", 1, 5.0),  # purchase reversed (the later of two matches)
        line("30", 0, "K10", "P3", 1, 3.0),  # kept: the invoice's total 13 is no credit
        line("C31", 1, "K10", "M", -1, 10.0, "MANUAL"),  # unmatched: P1 + P2 is no invoice
        line("C32", 1, "K10", "M", -1, 5.0, "MANUAL"),  # manual credit netted
        line("33", 0, "K10", "P4", 2, 1.5),  # kept, not sent: no credit of 3.00 or 1.50...
        line("33", 0, "K10", "P5", 1, 1.0),  # ... and the invoice's 4.00 neither
    ]
    _, result = assert_equal_to_pandas(frame(rows))
    rows_of = result.report.set_index("reason")["rows"]
    assert rows_of["unmatched manual credit"] == 1
    assert rows_of["manual credit netted"] == 1
    assert rows_of["purchase reversed by manual credit"] == 1
    assert result.python_lines["manual credits"] == 4  # two credits, P1, P2


@pytest.mark.parametrize("seed", range(8))
def test_extreme_quantities_from_counts_equal_numpy_on_every_line(seed):
    """Odd and even numbers of lines, ties, a MAD of 0: the threshold is numpy's."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(5, 40))
    spread = 1 if seed % 3 == 0 else 30  # seed 0, 3, 6: almost all equal, MAD 0
    quantity = rng.integers(1, spread + 1, n)
    quantity[rng.integers(0, n)] = int(rng.integers(50, 500))
    rows = [line(str(i), i, f"K{i % 4}", f"P{i}", int(q), 1.0) for i, q in enumerate(quantity)]
    _, result = assert_equal_to_pandas(
        frame(rows), outlier_z=float(rng.uniform(1, 4)), outlier_min_quantity=2
    )
    if seed == 0:
        assert result.report.set_index("reason").loc["extreme quantity", "rows"] >= 1


def test_own_column_names_and_an_extra_column(hand_made):
    names = {
        "invoice_id": "Invoice No",
        "invoice_date": "Date",
        "customer_id": "Customer",
        "product_id": "Stock Code",
        "quantity": "Qty",
        "unit_price": "Price",
        "description": "Item",
        "country": "Land",
    }
    raw = hand_made.rename(columns=names).assign(channel="web")
    raw.loc[12, "channel"] = "shop"  # no longer a copy of line 11: both kept
    settings = {
        "invoice_col": "Invoice No",
        "date_col": "Date",
        "customer_col": "Customer",
        "product_col": "Stock Code",
        "quantity_col": "Qty",
        "price_col": "Price",
        "description_col": "Item",
        "country_col": "Land",
        "amount_col": "Total",
    }
    clean, result = assert_equal_to_pandas(raw, **settings)
    assert list(clean.columns) == [*(names[c] for c in hand_made.columns), "channel", "Total"]
    assert result.report.set_index("reason").loc["exact duplicate", "rows"] == 1


@pytest.mark.parametrize("materialise", [True, False])
@pytest.mark.parametrize("subset", [False, True])
def test_two_cleanings_in_one_engine_stay_apart(materialise, subset):
    """Cleaned at two cutoffs in one connection: the first view and its reasons are unchanged.

    ``subset``: the earlier cutoff's lines take rules 1-5, 7 and 8 from the first cleaning's
    table (clean_lines' subset_of) and are still cleaned as pandas cleans them alone.
    """
    from helpers.cleaning import flag_transactions
    from helpers.datasets import load_synthetic
    from helpers.scale_clean import line_reasons

    raw = load_synthetic().order_lines.iloc[:30_000].reset_index(drop=True)
    dates = pd.to_datetime(raw["invoice_date"], errors="coerce")
    cutoffs = [dates.quantile(0.9), dates.quantile(0.5)]
    engine = register_frame(duckdb_connect(None), raw)
    results = []
    for i, cutoff in enumerate(cutoffs):
        engine.view(
            f"cvl_raw_{i}",
            f"SELECT * FROM cvl_raw WHERE invoice_date IS NULL "
            f"OR invoice_date < {engine.timestamp(cutoff)}",
        )
        earlier = results[0][0] if subset and i else None
        result = clean_lines(
            engine,
            f"cvl_raw_{i}",
            view=f"cvl_clean_{i}",
            materialise=materialise,
            subset_of=earlier,
        )
        results.append((result, line_reasons(engine, result, view=f"cvl_reasons_{i}")))
    for i, cutoff in enumerate(cutoffs):
        kept = raw[~(dates >= cutoff)].reset_index(drop=True)
        expected_clean, expected = clean_transactions(kept)
        result, reasons = results[i]
        pd.testing.assert_frame_equal(
            result.report.drop(columns="revenue"), expected.drop(columns="revenue")
        )
        clean = engine.run(f"SELECT * FROM {result.view}").sort_values("line_number")
        clean = clean.drop(columns="line_number").reset_index(drop=True)
        pd.testing.assert_frame_equal(clean, expected_clean, check_dtype=False, check_exact=True)
        flags = engine.run(f"SELECT * FROM {reasons}").sort_values("line_number")
        expected_reasons = flag_transactions(kept).fillna("").replace("", None)
        assert flags["reason"].tolist() == expected_reasons.tolist()
    assert (
        len(results[0][0].report)
        and results[0][0].report.attrs["rows_in"] > results[1][0].report.attrs["rows_in"]
    )


def test_a_subset_must_be_lines_the_other_cleaning_cleaned(hand_made):
    engine = register_frame(duckdb_connect(None), hand_made)
    engine.view("cvl_few", "SELECT * FROM cvl_raw WHERE line_number < 5")
    few = clean_lines(engine, "cvl_few", view="cvl_few_clean")
    with pytest.raises(ValueError, match=r"subset_of: \d+ of the \d+ lines of cvl_raw were not"):
        clean_lines(engine, "cvl_raw", view="cvl_all", subset_of=few)


def test_a_cleaning_again_under_the_same_name_replaces_a_table_by_a_view(hand_made):
    engine = register_frame(duckdb_connect(None), hand_made)
    first = clean_lines(engine, materialise=True)
    again = clean_lines(engine, materialise=False)
    assert (
        engine.run(f"SELECT count(*) AS n FROM {again.view}")["n"][0]
        == first.report.attrs["rows_out"]
    )
    with pytest.raises(ValueError, match="plain SQL name"):
        clean_lines(engine, view="cvl clean; DROP")

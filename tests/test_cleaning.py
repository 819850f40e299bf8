"""Tests of helpers.cleaning: every rule on hand-built frames, invariants, real data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import real_file
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from helpers import schema as s
from helpers.cleaning import (
    FIXES,
    REASONS,
    clean_transactions,
    flag_transactions,
    non_product_lines,
)
from helpers.datasets import load_online_retail
from helpers.schema import validate

COLUMNS = [
    s.INVOICE_ID,
    s.INVOICE_DATE,
    s.CUSTOMER_ID,
    s.PRODUCT_ID,
    s.QUANTITY,
    s.UNIT_PRICE,
    s.DESCRIPTION,
]


def lines(*rows) -> pd.DataFrame:
    """Order lines from tuples (invoice, date, customer, product, quantity, price[, text])."""
    rows = [r if len(r) == 7 else (*r, "ITEM") for r in rows]
    df = pd.DataFrame(rows, columns=COLUMNS)
    dates = pd.to_datetime(df[s.INVOICE_DATE], format="ISO8601")
    df[s.INVOICE_DATE] = dates.astype("datetime64[ns]")
    for column in (s.INVOICE_ID, s.CUSTOMER_ID, s.PRODUCT_ID, s.DESCRIPTION):
        df[column] = df[column].astype("str")
    df[s.QUANTITY] = df[s.QUANTITY].astype("int64")
    df[s.UNIT_PRICE] = df[s.UNIT_PRICE].astype(float)
    return df


def by_reason(report: pd.DataFrame, column: str = "rows") -> dict:
    return report.set_index("reason")[column].to_dict()


def reasons(df: pd.DataFrame, **settings) -> list:
    """flag_transactions as a list, None for kept rows."""
    return [None if pd.isna(r) else r for r in flag_transactions(df, **settings)]


def assert_invariants(report: pd.DataFrame) -> None:
    a = report.attrs
    removed = report[report["action"] == "removed"]
    fixed = report[report["action"] == "fixed"]
    assert a["rows_in"] == a["rows_out"] + removed["rows"].sum()
    expected = a["revenue_in"] - removed["revenue"].sum() + fixed["revenue"].sum()
    assert expected == pytest.approx(a["revenue_out"], rel=1e-6, abs=1e-6)


# --- one of each problem ------------------------------------------------------------------------

D = "2024-01-0{}"


@pytest.fixture
def dirty() -> pd.DataFrame:
    return lines(
        ("1001", D.format(2), "K1", "A", 5, 2.0, "MUG"),  # kept, partly returned: 5 -> 3
        ("1002", None, "K1", "A", 1, 2.0),  # unparseable date
        ("1003", D.format(3), None, "A", 1, 2.0),  # missing customer id
        ("1004", D.format(3), "test01", "A", 1, 2.0),  # test account (any case)
        ("1001", D.format(2), "K1", " a ", 5, 2.0, " mug"),  # duplicate of row 0 once normalised
        ("1005", D.format(4), "K1", "POST", 1, 15.0),  # non-product code
        ("1006", D.format(4), "K1", "B1", 1, 0.0),  # zero price
        ("C1007", D.format(5), "K1", "A", -2, 2.0),  # netted against row 0
        ("1008", D.format(6), "K2", "C1", 2, 3.0),  # fully returned by the next line
        ("C1009", D.format(7), "K2", "C1", -2, 3.0),  # netted
        ("C1010", D.format(8), "K2", "D1", -1, 4.0),  # unmatched: K2 never bought D
        ("1011", D.format(8), " K2 ", "E", 1, 1.0),  # kept, whitespace fixed
        ("1012", D.format(8), "K3", "F", 2, 1.0),  # kept
        ("1013", D.format(9), "K3", "G", 5000, 0.1),  # extreme quantity
        ("1014", D.format(8), "K4", "H", 60, 649.5),  # reversed by the next line
        ("C1015", D.format(9), "K4", "M", -1, 38970.0, "MANUAL"),  # manual credit netted
        ("C1016", D.format(9), "K3", "M", -1, 7.0, "MANUAL"),  # K3 bought nothing for 7.0
    )


def test_one_of_each_problem(dirty):
    clean, report = clean_transactions(dirty)
    assert list(report["reason"]) == [*REASONS, *FIXES]
    assert list(report["action"]) == ["removed"] * len(REASONS) + ["fixed"] * len(FIXES)
    assert by_reason(report) == {
        "unparseable date": 1,
        "missing customer id": 1,
        "test account": 1,
        "exact duplicate": 1,
        "manual credit netted": 1,
        "purchase reversed by manual credit": 1,
        "unmatched manual credit": 1,
        "non-product code": 1,
        "zero or negative price": 1,
        "cancellation netted": 2,
        "fully returned purchase": 1,
        "unmatched cancellation": 1,
        "extreme quantity": 1,
        "whitespace/case normalised": 1,  # row 11; row 4 changed too but is removed
        "partially returned purchase": 1,
    }
    # Revenue of removed rows is raw quantity x price, signed: C1007 -4 + C1009 -6 = -10.
    assert by_reason(report, "revenue") == pytest.approx(
        {
            "unparseable date": 2.0,
            "missing customer id": 2.0,
            "test account": 2.0,
            "exact duplicate": 10.0,
            "manual credit netted": -38970.0,
            "purchase reversed by manual credit": 38970.0,  # 60 x 649.50
            "unmatched manual credit": -7.0,
            "non-product code": 15.0,
            "zero or negative price": 0.0,
            "cancellation netted": -10.0,
            "fully returned purchase": 6.0,
            "unmatched cancellation": -4.0,
            "extreme quantity": 500.0,
            "whitespace/case normalised": 0.0,
            "partially returned purchase": -4.0,  # 2 returned x 2.0
        }
    )
    # In: 10+2+2+2+10+15+0-4+6-6-4+1+2+500 + 38970-38970-7 = 529; out: 3x2 + 1x1 + 2x1 = 9.
    assert report.attrs["rows_in"] == 17
    assert report.attrs["rows_out"] == 3
    assert report.attrs["revenue_in"] == pytest.approx(529.0)
    assert report.attrs["revenue_out"] == pytest.approx(9.0)
    assert_invariants(report)
    assert list(clean[s.INVOICE_ID]) == ["1001", "1011", "1012"]
    assert list(clean[s.QUANTITY]) == [3, 1, 2]
    assert list(clean[s.CUSTOMER_ID]) == ["K1", "K2", "K3"]
    assert list(clean[s.AMOUNT]) == [6.0, 1.0, 2.0]
    assert list(clean.index) == [0, 1, 2]
    validate(clean, "transactions")


def test_flags_say_the_first_reason_for_each_row(dirty):
    flags = flag_transactions(dirty)
    assert flags.index.equals(dirty.index)
    assert flags.tolist()[1:11] == [
        "unparseable date",
        "missing customer id",
        "test account",
        "exact duplicate",
        "non-product code",
        "zero or negative price",
        "cancellation netted",
        "fully returned purchase",
        "cancellation netted",
        "unmatched cancellation",
    ]
    assert flags[[0, 11, 12]].isna().all()
    assert flags[13] == "extreme quantity"
    assert flags.tolist()[14:] == [
        "purchase reversed by manual credit",
        "manual credit netted",
        "unmatched manual credit",
    ]


def test_the_first_applicable_reason_wins():
    df = lines(
        # NaT date, no customer, postage, zero price: the date comes first.
        ("1", None, None, "POST", 1, 0.0),
        # no customer, postage, zero price: missing customer first.
        ("2", D.format(1), None, "POST", 1, 0.0),
        # test account and a duplicate (of the next row's first copy): test account first.
        ("3", D.format(1), "TEST01", "A", 1, 1.0),
        ("3", D.format(1), "TEST01", "A", 1, 1.0),
        # a postage line twice with zero price: first copy non-product, second a duplicate.
        ("4", D.format(1), "K1", "post", 1, 0.0),
        ("4", D.format(1), "K1", "POST", 1, 0.0),
        # a gift voucher (pattern rule) with a negative price.
        ("5", D.format(1), "K1", "gift_0001_10", 1, -10.0),
        # a cancellation of a zero-price line: the price rule comes before matching.
        ("C6", D.format(2), "K1", "B1", -1, 0.0),
    )
    assert reasons(df) == [
        "unparseable date",
        "missing customer id",
        "test account",
        "test account",
        "non-product code",
        "exact duplicate",
        "non-product code",
        "zero or negative price",
    ]


def test_flags_keep_a_custom_index_and_are_missing_for_kept_rows():
    df = lines(("1", D.format(1), "K1", "A", 1, 1.0), ("2", D.format(1), None, "A", 1, 1.0))
    df.index = ["x", "y"]
    flags = flag_transactions(df)
    assert list(flags.index) == ["x", "y"]
    assert pd.isna(flags["x"]) and flags["y"] == "missing customer id"


# --- netting returns ------------------------------------------------------------------------------


def test_partial_return_keeps_the_purchase_with_a_smaller_quantity():
    clean, report = clean_transactions(
        lines(("1", D.format(1), "K1", "A", 5, 2.0), ("C2", D.format(2), "K1", "A", -2, 2.0))
    )
    assert clean[s.QUANTITY].tolist() == [3]
    assert clean[s.AMOUNT].tolist() == [6.0]
    rows, revenue = by_reason(report), by_reason(report, "revenue")
    assert rows["cancellation netted"] == 1 and revenue["cancellation netted"] == -4.0
    assert rows["partially returned purchase"] == 1
    assert revenue["partially returned purchase"] == -4.0  # 2 x 2.0 less revenue
    # In 10 - 4 = 6; removed C line -(-4) = +4; fix -4: 6 + 4 - 4 = 6 out.
    assert report.attrs["revenue_in"] == 6.0 and report.attrs["revenue_out"] == 6.0
    assert_invariants(report)


def test_full_return_removes_both_lines():
    clean, report = clean_transactions(
        lines(
            ("1", D.format(1), "K1", "A", 2, 2.0),
            ("C2", D.format(2), "K1", "A", -2, 2.0),
            ("3", D.format(3), "K1", "B1", 1, 1.0),
        )
    )
    assert clean[s.PRODUCT_ID].tolist() == ["B1"]
    rows = by_reason(report)
    assert rows["fully returned purchase"] == 1 and rows["cancellation netted"] == 1
    assert rows["partially returned purchase"] == 0
    assert_invariants(report)


def test_cancellation_without_an_earlier_purchase_is_unmatched():
    df = lines(
        ("C1", D.format(1), "K1", "A", -1, 2.0),  # nothing bought at all
        ("C2", D.format(2), "K1", "B1", -1, 2.0),  # dated before the purchase of B
        ("3", D.format(3), "K1", "B1", 1, 2.0),
        ("C4", D.format(4), "K1", "B1", -1, 9.0),  # another price: another line of goods
        ("C5", D.format(4), "K2", "B1", -1, 2.0),  # another customer
    )
    assert reasons(df) == [
        "unmatched cancellation",
        "unmatched cancellation",
        None,
        "unmatched cancellation",
        "unmatched cancellation",
    ]
    clean, report = clean_transactions(df)
    assert clean[s.QUANTITY].tolist() == [1]  # the purchase of B is untouched
    assert by_reason(report)["unmatched cancellation"] == 4
    assert by_reason(report, "revenue")["unmatched cancellation"] == -2.0 - 2.0 - 9.0 - 2.0
    assert_invariants(report)


def test_a_return_at_the_same_time_as_the_purchase_matches():
    df = lines(("1", D.format(1), "K1", "A", 3, 1.0), ("C2", D.format(1), "K1", "A", -1, 1.0))
    assert reasons(df) == [None, "cancellation netted"]


def test_returns_take_from_the_latest_earlier_purchase_first():
    # Purchases 3 (day 1) and 4 (day 5), a return of 5 on day 9: the day-5 purchase goes
    # (fully returned), then 1 comes off the day-1 purchase (3 -> 2, revenue -1 x 1.5).
    df = lines(
        ("1", D.format(1), "K1", "A", 3, 1.5),
        ("2", D.format(5), "K1", "A", 4, 1.5),
        ("C3", D.format(9), "K1", "A", -5, 1.5),
    )
    clean, report = clean_transactions(df)
    assert clean[s.INVOICE_ID].tolist() == ["1"]
    assert clean[s.QUANTITY].tolist() == [2]
    assert by_reason(report, "revenue")["partially returned purchase"] == pytest.approx(-1.5)
    assert reasons(df) == [
        None,
        "fully returned purchase",
        "cancellation netted",
    ]
    assert_invariants(report)


def test_returns_are_netted_in_date_order():
    # P1 5 (day 1), R -2 (day 2) takes 2 of P1 (3 left); P2 3 (day 3); R -4 (day 4) takes all
    # of P2, the latest, then 1 of P1 (2 left).
    df = lines(
        ("C4", D.format(4), "K1", "A", -4, 1.0),
        ("2", D.format(3), "K1", "A", 3, 1.0),
        ("C2", D.format(2), "K1", "A", -2, 1.0),
        ("1", D.format(1), "K1", "A", 5, 1.0),
    )
    assert reasons(df) == [
        "cancellation netted",
        "fully returned purchase",
        "cancellation netted",
        None,
    ]
    clean, report = clean_transactions(df)
    assert clean[s.QUANTITY].tolist() == [2]
    assert by_reason(report, "revenue")["partially returned purchase"] == -3.0
    assert_invariants(report)


def test_returning_more_than_was_bought_drops_the_excess_and_notes_it():
    # Bought 6, returned 10: the purchase is fully returned, the C line counts as netted and
    # the 4 units with nothing to net against are noted.
    df = lines(("1", D.format(1), "K1", "A", 6, 1.0), ("C2", D.format(2), "K1", "A", -10, 1.0))
    clean, report = clean_transactions(df)
    assert clean.empty
    assert by_reason(report)["cancellation netted"] == 1
    assert by_reason(report)["fully returned purchase"] == 1
    assert report.attrs["unmatched_return_quantity"] == 4
    assert_invariants(report)


def test_a_negative_quantity_without_a_c_invoice_is_a_return_too():
    df = lines(("1", D.format(1), "K1", "A", 4, 1.0), ("2", D.format(2), "K1", "A", -1, 1.0))
    clean, _ = clean_transactions(df)
    assert clean[s.QUANTITY].tolist() == [3]


def test_the_cancellation_prefix_can_be_switched_off():
    # Invoice ids that start with "C" for another reason (a shop's own numbering).
    df = lines(("CA1", D.format(1), "K1", "A", 4, 1.0), ("CA2", D.format(2), "K1", "A", 1, 1.0))
    assert reasons(df) == ["unmatched cancellation"] * 2
    assert reasons(df, cancellation_prefix=None) == [None, None]


def test_missing_customers_never_match_each_other():
    df = lines(
        ("1", D.format(1), None, "A", 2, 1.0),
        ("C2", D.format(2), None, "A", -2, 1.0),
        ("3", D.format(1), "K1", "A", 2, 1.0),
    )
    assert reasons(df) == ["missing customer id", "missing customer id", None]
    clean, report = clean_transactions(df)
    assert clean[s.QUANTITY].tolist() == [2]
    assert by_reason(report)["cancellation netted"] == 0


def test_blank_customer_id_counts_as_missing():
    df = lines(("1", D.format(1), "  ", "A", 1, 1.0), ("2", D.format(1), "K1", "A", 1, 1.0))
    assert reasons(df) == ["missing customer id", None]


# --- text normalisation -------------------------------------------------------------------------


def test_whitespace_and_case_are_normalised_before_duplicates_are_found():
    df = lines(
        ("1", D.format(1), "K1", "mug-1", 1, 2.0, "  ceramic mug BLUE "),
        ("1", D.format(1), "K1", "MUG-1", 1, 2.0, "CERAMIC MUG BLUE"),
        (" 2", D.format(1), "K1", "MUG-1", 1, 2.0, "CERAMIC MUG BLUE"),
    )
    df[s.COUNTRY] = ["United Kingdom ", "United Kingdom", "United Kingdom"]
    clean, report = clean_transactions(df)
    assert clean[s.DESCRIPTION].tolist() == ["CERAMIC MUG BLUE"] * 2
    assert clean[s.PRODUCT_ID].tolist() == ["MUG-1"] * 2
    assert clean[s.INVOICE_ID].tolist() == ["1", "2"]
    assert clean[s.COUNTRY].tolist() == ["United Kingdom"] * 2  # stripped, case kept
    rows = by_reason(report)
    assert rows["exact duplicate"] == 1  # the second line, equal to the first once normalised
    assert rows["whitespace/case normalised"] == 2  # lines 1 and 3 (line 2 is removed)


# --- extreme quantities -----------------------------------------------------------------------


def test_extreme_quantity_can_be_kept_and_flagged():
    # Kept quantities 1, 2, 3, 5000: log-median 0.896, MAD 0.549, scale 0.814;
    # z(5000) = (8.517 - 0.896) / 0.814 = 9.36 > 7 and 5000 >= 1000.
    df = lines(
        ("1", D.format(1), "K1", "A", 1, 1.0),
        ("2", D.format(1), "K1", "B1", 2, 1.0),
        ("3", D.format(1), "K2", "C1", 3, 1.0),
        ("4", D.format(1), "K2", "D1", 5000, 0.1),
    )
    assert reasons(df) == [None, None, None, "extreme quantity"]
    clean, report = clean_transactions(df)
    assert len(clean) == 3 and by_reason(report)["extreme quantity"] == 1
    assert_invariants(report)

    clean, report = clean_transactions(df, drop_outliers=False)
    assert len(clean) == 4 and clean[s.QUANTITY].max() == 5000
    line = report.set_index("reason").loc["extreme quantity"]
    assert line["action"] == "flagged" and line["rows"] == 1 and line["revenue"] == 500.0
    assert_invariants(report)
    validate(clean, "transactions")


def test_large_wholesale_orders_are_not_outliers():
    # 20 lines of 1..20 units and one of 600: log-median log(11) = 2.398, MAD 0.452, scale
    # 0.670; z(600) = (6.397 - 2.398) / 0.670 = 5.97: beyond 5 but not 7, and under 1000 units.
    rows = [(str(i), D.format(1), "K1", f"P{i}", i, 1.0) for i in range(1, 21)]
    df = lines(*rows, ("99", D.format(1), "K2", "X", 600, 1.0))
    assert flag_transactions(df).isna().all()
    assert flag_transactions(df, outlier_min_quantity=500).isna().all()  # z < 7
    assert flag_transactions(df, outlier_z=5).isna().all()  # 600 < 1000
    flags = reasons(df, outlier_z=5, outlier_min_quantity=500)
    assert flags == [None] * 20 + ["extreme quantity"]


def test_outliers_when_all_other_quantities_are_equal():
    # MAD 0: anything above the median is infinitely far, the floor decides.
    df = lines(*[(str(i), D.format(1), "K1", f"P{i}", 1, 1.0) for i in range(5)])
    df.loc[5] = df.loc[4]
    df.loc[5, [s.INVOICE_ID, s.QUANTITY]] = ["9", 1000]
    assert reasons(df) == [None] * 5 + ["extreme quantity"]


# --- small and odd inputs -----------------------------------------------------------------------


def test_one_customer_frame_cleans_fine():
    df = lines(("1", D.format(1), "K1", "A", 2, 3.0), ("2", D.format(2), "K1", "B1", 1, 4.0))
    clean, report = clean_transactions(df)
    assert len(clean) == 2 and clean[s.CUSTOMER_ID].nunique() == 1
    assert report.loc[report["action"] == "removed", "rows"].sum() == 0
    assert report.attrs["revenue_out"] == 10.0
    validate(clean, "transactions")


def test_custom_column_names_and_extra_columns():
    df = lines(("1", D.format(1), "K1", "A", 2, 3.0), ("C2", D.format(2), "K1", "A", -1, 3.0))
    df["channel"] = ["web", "web"]
    renamed = df.rename(columns={s.CUSTOMER_ID: "client", s.QUANTITY: "qty"})
    clean, report = clean_transactions(
        renamed, customer_col="client", quantity_col="qty", amount_col="value"
    )
    assert clean["qty"].tolist() == [1] and clean["value"].tolist() == [3.0]
    assert clean["channel"].tolist() == ["web"]
    assert_invariants(report)


def test_missing_prices_count_as_zero_revenue_and_are_removed():
    df = lines(("1", D.format(1), "K1", "A", 2, 3.0), ("2", D.format(1), "K1", "B1", 2, 1.0))
    df.loc[1, s.UNIT_PRICE] = np.nan
    clean, report = clean_transactions(df)
    assert len(clean) == 1
    assert by_reason(report)["zero or negative price"] == 1
    assert report.attrs["revenue_in"] == 6.0
    assert_invariants(report)


def test_a_customer_column_with_no_ids_at_all():
    # Read from a CSV whose customer column is empty: float NaN, not text; all rows go.
    df = lines(("1", D.format(1), "K1", "A", 2, 3.0)).assign(**{s.CUSTOMER_ID: np.nan})
    clean, report = clean_transactions(df)
    assert clean.empty and by_reason(report)["missing customer id"] == 1
    validate(clean, "transactions")


def test_whole_float_quantities_are_accepted():
    df = lines(("1", D.format(1), "K1", "A", 2, 3.0))
    df[s.QUANTITY] = df[s.QUANTITY].astype(float)
    clean, _ = clean_transactions(df)
    assert clean[s.QUANTITY].dtype == np.int64


# --- bad input ----------------------------------------------------------------------------------


def test_missing_column_is_named_with_the_columns_present():
    df = lines(("1", D.format(1), "K1", "A", 2, 3.0)).drop(columns=[s.UNIT_PRICE])
    with pytest.raises(ValueError, match=r"unit_price.*missing.*columns present.*invoice_id"):
        clean_transactions(df)
    with pytest.raises(ValueError, match="unit_price"):
        flag_transactions(df)


def test_empty_frame():
    df = lines(("1", D.format(1), "K1", "A", 2, 3.0)).iloc[:0]
    with pytest.raises(ValueError, match="empty"):
        clean_transactions(df)


def test_string_dates_are_refused_with_an_example():
    df = lines(("1", D.format(1), "K1", "A", 2, 3.0))
    df[s.INVOICE_DATE] = ["01/12/2010 08:26"]
    with pytest.raises(ValueError, match=r"invoice_date.*datetime64.*01/12/2010 08:26"):
        clean_transactions(df)


def test_text_quantities_are_refused():
    df = lines(("1", D.format(1), "K1", "A", 2, 3.0))
    df[s.QUANTITY] = ["two"]
    with pytest.raises(ValueError, match=r"quantity.*numeric.*two"):
        clean_transactions(df)


def test_fractional_or_missing_quantities_are_refused():
    df = lines(("1", D.format(1), "K1", "A", 2, 3.0), ("2", D.format(1), "K1", "A", 2, 3.0))
    df[s.QUANTITY] = [1.0, 2.5]
    with pytest.raises(ValueError, match=r"quantity.*whole.*2\.5"):
        clean_transactions(df)
    df[s.QUANTITY] = [1.0, np.nan]
    with pytest.raises(ValueError, match=r"quantity.*missing"):
        clean_transactions(df)


def test_numeric_ids_and_missing_product_codes_are_refused():
    df = lines(("1", D.format(1), "K1", "A", 2, 3.0))
    numeric = df.assign(**{s.CUSTOMER_ID: [17850.0]})
    with pytest.raises(ValueError, match=r"customer_id.*text.*17850"):
        clean_transactions(numeric)
    no_code = df.assign(**{s.PRODUCT_ID: pd.Series([None], dtype="str")})
    with pytest.raises(ValueError, match=r"product_id.*missing"):
        clean_transactions(no_code)


# --- properties on random dirty frames ----------------------------------------------------------

DATES = [None, "2024-01-01", "2024-01-01 10:00", "2024-01-02", "2024-02-01"]
row_strategy = st.tuples(
    st.sampled_from(["1", "2", " 3", "C4", "C5", "c6"]),
    st.sampled_from(DATES),
    st.sampled_from([None, "K1", "K2", " K1 ", "K3", "TEST01", "test01 ", ""]),
    st.sampled_from(["A", "a ", "B1", "POST", "gift_0001_10", "M"]),
    st.sampled_from([-100000, -5, -2, -1, 0, 1, 2, 3, 5, 12, 100000]),
    st.sampled_from([-1.0, 0.0, 0.5, 1.0, 2.5]),
    st.sampled_from(["ITEM", " item", "OTHER"]),
)


@st.composite
def dirty_frames(draw) -> pd.DataFrame:
    rows = draw(st.lists(row_strategy, min_size=1, max_size=30))
    copies = draw(st.lists(st.integers(0, len(rows) - 1), max_size=5))
    return lines(*rows, *[rows[i] for i in copies])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(df=dirty_frames(), drop_outliers=st.booleans())
def test_random_dirty_frames_keep_the_invariants(df, drop_outliers):
    clean, report = clean_transactions(df, drop_outliers=drop_outliers)
    assert_invariants(report)
    assert list(report["reason"]) == [*REASONS, *FIXES]
    validate(clean, "transactions")
    assert (clean[s.AMOUNT] == clean[s.QUANTITY] * clean[s.UNIT_PRICE]).all()
    # flag_transactions agrees with the report row for row.
    flags = flag_transactions(df)
    counts = flags.value_counts()
    removed = report[report["action"] == "removed"]
    for reason, rows in zip(removed["reason"], removed["rows"], strict=True):
        assert counts.get(reason, 0) == rows
    flagged = int(counts.get("extreme quantity", 0)) if not drop_outliers else 0
    assert len(clean) == flags.isna().sum() + flagged
    # Cleaning what is clean finds nothing to remove except lines that netting made equal
    # (two purchases reduced to the same quantity); outliers are switched off here because
    # the robust statistics change with the rows.
    if clean.empty:
        return
    again = flag_transactions(clean, outlier_z=np.inf)
    assert set(again.dropna()) <= {"exact duplicate"}


def net_one_by_one(df: pd.DataFrame) -> tuple[list, list]:
    """Reference netting, a row at a time: reasons and quantities after netting."""
    quantity = df[s.QUANTITY].tolist()
    invoices = df[s.INVOICE_ID].str.upper().tolist()
    is_return = [q <= 0 or i.startswith("C") for q, i in zip(quantity, invoices, strict=True)]
    key = list(zip(df[s.CUSTOMER_ID], df[s.PRODUCT_ID], df[s.UNIT_PRICE], strict=True))
    date = df[s.INVOICE_DATE].tolist()
    left = [0 if r else q for q, r in zip(quantity, is_return, strict=True)]
    matched = [0] * len(df)
    for i in sorted((i for i in range(len(df)) if is_return[i]), key=lambda i: (date[i], i)):
        need = abs(quantity[i])
        eligible = [j for j in range(len(df)) if not is_return[j] and key[j] == key[i]]
        for j in sorted(eligible, key=lambda j: (date[j], j), reverse=True):
            if date[j] <= date[i] and need:
                take = min(need, left[j])
                left[j] -= take
                need -= take
        matched[i] = abs(quantity[i]) - need
    reasons = [
        ("cancellation netted" if matched[i] else "unmatched cancellation")
        if is_return[i]
        else (None if left[i] else "fully returned purchase")
        for i in range(len(df))
    ]
    return reasons, left


clean_row = st.tuples(
    st.sampled_from(["1", "2", "C3"]),
    st.sampled_from(DATES[1:]),
    st.sampled_from(["K1", "K2"]),
    st.sampled_from(["A", "B1"]),
    st.sampled_from([-7, -3, -2, -1, 1, 2, 3, 5, 8]),
    st.sampled_from([1.0, 2.0]),
    st.sampled_from(["X", "Y", "Z", "W"]),
)


@settings(max_examples=200, deadline=None)
@given(rows=st.lists(clean_row, min_size=1, max_size=25))
# Pinned boundary cases, run on every test run whatever hypothesis draws:
# a return at the very time of its purchase nets it;
@example(
    rows=[
        ("1", "2024-01-01", "K1", "A", 3, 1.0, "X"),
        ("C2", "2024-01-01", "K1", "A", -3, 1.0, "X"),
    ]
)
# a return larger than the purchase nets it and leaves the excess unmatched;
@example(
    rows=[
        ("1", "2024-01-01", "K1", "A", 2, 1.0, "X"),
        ("C2", "2024-01-02", "K1", "A", -5, 1.0, "X"),
    ]
)
# a return before any purchase (the day before, or hours before on the same day) nets nothing;
@example(
    rows=[
        ("C2", "2024-01-01", "K1", "A", -2, 1.0, "X"),
        ("1", "2024-01-02", "K1", "A", 2, 1.0, "X"),
    ]
)
@example(
    rows=[
        ("C2", "2024-01-01", "K1", "A", -2, 1.0, "X"),
        ("1", "2024-01-01 10:00", "K1", "A", 2, 1.0, "X"),
    ]
)
# a line of zero quantity is a return of nothing: it nets nothing;
@example(
    rows=[("1", "2024-01-01", "K1", "A", 2, 1.0, "X"), ("2", "2024-01-02", "K1", "A", 0, 1.0, "X")]
)
# a return spans purchases, latest first; another price or customer is another product.
@example(
    rows=[
        ("1", "2024-01-01", "K1", "A", 2, 1.0, "X"),
        ("2", "2024-01-02", "K1", "A", 2, 1.0, "X"),
        ("C3", "2024-02-01", "K1", "A", -3, 1.0, "X"),
    ]
)
@example(
    rows=[
        ("1", "2024-01-01", "K1", "A", 2, 2.0, "X"),
        ("1", "2024-01-01", "K2", "A", 2, 1.0, "X"),
        ("C3", "2024-01-02", "K1", "A", -2, 1.0, "X"),
    ]
)
def test_netting_agrees_with_a_row_by_row_reference(rows):
    df = lines(*rows)
    df["line"] = range(len(df))  # no exact duplicates: netting alone decides
    expected_reasons, expected_left = net_one_by_one(df)
    assert reasons(df, outlier_z=np.inf) == expected_reasons
    clean, report = clean_transactions(df, outlier_z=np.inf)
    kept = [r is None for r in expected_reasons]
    assert clean["line"].tolist() == df.loc[kept, "line"].tolist()
    assert clean[s.QUANTITY].tolist() == [q for q, k in zip(expected_left, kept, strict=True) if k]
    assert_invariants(report)


# --- manual credits -----------------------------------------------------------------------------

MANUAL = "MANUAL"


def test_a_manual_credit_reverses_the_purchase_it_equals():
    # Online Retail's customer 15098: 60 baskets at 649.50 (38,970.00), credited by hand three
    # minutes later, then one basket bought again.
    df = lines(
        ("556444", "2011-06-10 15:28", "15098", "22502", 60, 649.5),
        ("C556445", "2011-06-10 15:31", "15098", "M", -1, 38970.0, "Manual"),
        ("556446", "2011-06-10 15:33", "15098", "22502", 1, 649.5),
    )
    clean, report = clean_transactions(df)
    assert reasons(df) == ["purchase reversed by manual credit", "manual credit netted", None]
    assert list(clean[s.AMOUNT]) == [649.5]
    assert by_reason(report)["manual credit netted"] == 1
    assert by_reason(report, "revenue")["purchase reversed by manual credit"] == 38970.0
    assert_invariants(report)


def test_a_manual_credit_that_matches_nothing_is_counted_as_unmatched():
    df = lines(
        ("1", D.format(1), "K1", "A", 2, 5.0),
        ("C2", D.format(2), "K1", "M", -1, 7.5, MANUAL),  # no purchase of 7.50
        ("3", D.format(3), "K1", "M", 1, 10.0, MANUAL),  # a manual charge: not a credit
    )
    clean, report = clean_transactions(df)
    assert reasons(df) == [None, "unmatched manual credit", "non-product code"]
    assert by_reason(report, "revenue")["unmatched manual credit"] == -7.5
    assert list(clean[s.AMOUNT]) == [10.0]


def test_a_manual_credit_can_reverse_a_whole_invoice_with_its_postage():
    # Invoice 1: 2 x 3.00 + 1 x 4.50 + postage 5.00 = 15.50, credited at once.
    df = lines(
        ("1", D.format(1), "K1", "A", 2, 3.0),
        ("1", D.format(1), "K1", "B", 1, 4.5),
        ("1", D.format(1), "K1", "POST", 1, 5.0, "POSTAGE"),
        ("2", D.format(2), "K1", "A", 1, 3.0),  # another invoice, kept
        ("C3", D.format(3), "K1", "M", -1, 15.5, MANUAL),
    )
    clean, report = clean_transactions(df)
    assert reasons(df) == ["purchase reversed by manual credit"] * 3 + [
        None,
        "manual credit netted",
    ]
    assert list(clean[s.INVOICE_ID]) == ["2"]
    assert by_reason(report)["purchase reversed by manual credit"] == 3
    assert by_reason(report)["non-product code"] == 0
    assert_invariants(report)


def test_a_manual_credit_matches_the_penny_but_not_a_penny_off():
    df = lines(
        # 0.1 + 0.2 is 0.30000000000000004 in floating point: still 30 pence.
        ("1", D.format(1), "K1", "A", 1, 0.1),
        ("1", D.format(1), "K1", "B", 1, 0.2),
        ("C2", D.format(2), "K1", "M", -1, 0.3, MANUAL),
        # 14.94 bought, 14.95 credited: not the same amount.
        ("3", D.format(3), "K2", "A", 1, 14.94),
        ("C4", D.format(4), "K2", "M", -1, 14.95, MANUAL),
    )
    assert reasons(df) == ["purchase reversed by manual credit"] * 2 + [
        "manual credit netted",
        None,
        "unmatched manual credit",
    ]


def test_a_manual_credit_before_the_purchase_does_not_match():
    df = lines(
        ("C1", D.format(1), "K1", "M", -1, 10.0, MANUAL),
        ("2", D.format(2), "K1", "A", 1, 10.0),
    )
    assert reasons(df) == ["unmatched manual credit", None]


def test_another_customers_purchase_does_not_match():
    df = lines(
        ("1", D.format(1), "K1", "A", 1, 10.0),
        ("C2", D.format(2), "K2", "M", -1, 10.0, MANUAL),
    )
    assert reasons(df) == [None, "unmatched manual credit"]


def test_manual_credits_take_the_latest_purchase_and_each_purchase_once():
    # Two purchases of 10.00; three credits of 10.00 after both. The first credit takes the
    # later purchase (3 Jan), the second the earlier (1 Jan), the third finds nothing left.
    df = lines(
        ("1", D.format(1), "K1", "A", 1, 10.0),
        ("2", D.format(3), "K1", "B", 2, 5.0),
        ("C3", D.format(5), "K1", "M", -1, 10.0, MANUAL),
        ("C4", D.format(6), "K1", "M", -2, 5.0, MANUAL),
        ("C5", D.format(7), "K1", "M", -1, 10.0, MANUAL),
    )
    flags = reasons(df)
    assert flags == ["purchase reversed by manual credit"] * 2 + ["manual credit netted"] * 2 + [
        "unmatched manual credit"
    ]
    # Only the first credit and the later purchase: the earlier purchase stays.
    first_credit_only = reasons(df.iloc[[0, 1, 2]])
    assert first_credit_only == [None, "purchase reversed by manual credit", "manual credit netted"]


def test_manual_credit_netting_can_be_switched_off():
    df = lines(
        ("1", D.format(1), "K1", "A", 1, 10.0),
        ("C2", D.format(2), "K1", "M", -1, 10.0, MANUAL),
        ("C3", D.format(3), "K1", "D", -1, 10.0, "DISCOUNT"),  # a discount is no reversal
    )
    assert reasons(df) == [
        "purchase reversed by manual credit",
        "manual credit netted",
        "non-product code",
    ]
    assert reasons(df, manual_adjustment_codes={}) == [None, "non-product code", "non-product code"]


# --- real data ----------------------------------------------------------------------------------


@pytest.mark.realdata
def test_online_retail():
    df = load_online_retail(real_file("online_retail_2010_2011.csv.gz"))
    clean, report = clean_transactions(df)
    rows = by_reason(report)
    assert report.attrs["rows_in"] == 541_909
    assert rows["missing customer id"] == 135_080
    assert 4_300 <= clean[s.CUSTOMER_ID].nunique() <= 4_372
    assert_invariants(report)
    positive = df[s.QUANTITY] > 0
    revenue_of_purchases = (df[s.QUANTITY] * df[s.UNIT_PRICE])[positive].sum()
    assert 0 < report.attrs["revenue_out"] < revenue_of_purchases
    validate(clean, "transactions")
    # The file's famous data-entry errors (80,995 paper birdies, 74,215 storage jars) were
    # cancelled minutes later: both purchases and both C lines go as netted returns.
    flags = flag_transactions(df)
    huge = df[s.QUANTITY].abs().isin([80_995, 74_215])
    assert sorted(flags[huge]) == ["cancellation netted"] * 2 + ["fully returned purchase"] * 2


@pytest.mark.realdata
def test_online_retail_manual_credits_net_the_purchases_they_reverse():
    df = load_online_retail(real_file("online_retail_2010_2011.csv.gz"))
    clean, report = clean_transactions(df)
    rows = by_reason(report)
    # Customer 15098 (raw lines, by hand): 60 small baskets 297.00, returned; 60 large baskets
    # 38,970.00, credited by a manual line; then one large basket, 649.50, kept.
    assert clean.loc[clean[s.CUSTOMER_ID] == "15098", s.AMOUNT].sum() == pytest.approx(649.5)

    # Independently: every manual credit joined to every earlier line and multi-line invoice of
    # its customer with the same amount in pence; the latest wins; a purchase is reversed once.
    raw = df[df[s.CUSTOMER_ID].notna()].drop_duplicates()
    raw = raw.assign(
        pence=(raw[s.QUANTITY] * raw[s.UNIT_PRICE]).abs().mul(100).round().astype("int64"),
        rows=[(row,) for row in raw.index],
    )
    cancel = raw[s.INVOICE_ID].str.startswith("C") | (raw[s.QUANTITY] <= 0)
    manual = (raw[s.PRODUCT_ID] == "M") & (raw[s.DESCRIPTION].str.upper() == "MANUAL")
    credits = raw[cancel & manual]
    bought = raw[~cancel & (raw[s.UNIT_PRICE] > 0)]
    amount = bought[s.QUANTITY] * bought[s.UNIT_PRICE]
    invoices = (
        bought.assign(amount=amount)
        .groupby([s.CUSTOMER_ID, s.INVOICE_ID])
        .agg(amount=("amount", "sum"), invoice_date=(s.INVOICE_DATE, "max"), rows=("rows", "sum"))
        .reset_index()
    )
    invoices = invoices[invoices["rows"].str.len() > 1]
    invoices["pence"] = invoices["amount"].mul(100).round().astype("int64")
    candidates = pd.concat([invoices.assign(kind=0), bought.assign(kind=1)])
    pairs = credits.merge(
        candidates[[s.CUSTOMER_ID, "pence", s.INVOICE_DATE, "rows", "kind"]],
        on=[s.CUSTOMER_ID, "pence"],
        suffixes=("", "_bought"),
    )
    pairs = pairs[pairs[f"{s.INVOICE_DATE}_bought"] <= pairs[s.INVOICE_DATE]]
    latest = pairs.sort_values([f"{s.INVOICE_DATE}_bought", "kind"]).groupby("rows").tail(1)
    reversed_once = latest.drop_duplicates("rows_bought")
    assert rows["manual credit netted"] == len(reversed_once) > 0
    assert (
        rows["purchase reversed by manual credit"] == reversed_once["rows_bought"].str.len().sum()
    )
    assert rows["unmatched manual credit"] == len(credits) - len(reversed_once)


def test_one_letter_codes_are_non_products_only_with_their_description():
    df = lines(
        ("1", "2024-01-01", "c1", "B", 1, 2.0, "BLUE MUG"),  # a real product called B
        ("1", "2024-01-01", "c1", "b ", 1, -5.0, " adjust bad debt"),  # Online Retail's B
        ("2", "2024-01-02", "c1", "M", 1, 9.0, "Manual"),
        ("2", "2024-01-02", "c1", "POST", 1, 18.0, "anything"),
        ("2", "2024-01-02", "c1", "GIFT_0001_10", 1, 10.0, "voucher"),
    )
    assert non_product_lines(df).tolist() == [False, True, True, True, True]
    assert reasons(df)[0] is None
    # Without a description column only the unambiguous codes count.
    bare = df.drop(columns=s.DESCRIPTION)
    assert non_product_lines(bare).tolist() == [False, False, False, True, True]
    # A plain list of codes matches whatever the description.
    assert non_product_lines(df, non_product_codes=["B"]).tolist() == [
        True,
        True,
        False,
        False,
        True,
    ]


def test_clean_and_flag_equals_clean_then_flag():
    from helpers.cleaning import clean_and_flag, flag_transactions
    from helpers.datasets import load_synthetic

    raw = load_synthetic().order_lines
    settings = {"outlier_z": 6.0, "drop_outliers": False}
    clean, report, reasons = clean_and_flag(raw, **settings)
    expected_clean, expected_report = clean_transactions(raw, **settings)
    pd.testing.assert_frame_equal(clean, expected_clean)
    pd.testing.assert_frame_equal(report, expected_report)
    assert report.attrs == expected_report.attrs
    pd.testing.assert_series_equal(reasons, flag_transactions(raw, outlier_z=6.0))
    with pytest.raises(TypeError):
        clean_and_flag(raw, outlier=3)

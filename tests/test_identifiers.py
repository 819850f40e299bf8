import numpy as np
import pandas as pd
import pytest
from conftest import order_lines

from helpers.cleaning import clean_transactions
from helpers.identifiers import (
    drop_float_suffix,
    normalise_ids,
    normalise_ids_counted,
    per_value,
)


def test_customer_ids_are_stripped_keep_their_case_and_blanks_are_missing():
    ids = pd.Series([" c7", "C7", "007", "7", "", "   ", None], index=list("abcdefg"), name="x")
    out = normalise_ids(ids, "customer")
    assert out.tolist()[:4] == ["c7", "C7", "007", "7"]  # case and leading zeros kept
    assert out.iloc[4:].isna().all()  # blank and whitespace-only ids are missing ids
    assert list(out.index) == list("abcdefg") and out.name == "x"
    assert out.dtype == "str"


def test_product_ids_are_upper_cased_and_invoice_ids_only_stripped():
    assert normalise_ids(pd.Series(["85123a ", " post", "POST"]), "product").tolist() == [
        "85123A",
        "POST",
        "POST",
    ]
    assert normalise_ids(pd.Series([" c536379", "536365 "]), "invoice").tolist() == [
        "c536379",
        "536365",
    ]


def test_whole_float_customer_ids_lose_the_trailing_zero_only_when_all_do():
    floats = pd.Series(["17850.0", None, " 13047.0"])
    assert normalise_ids(floats, "customer").tolist()[::2] == ["17850", "13047"]
    mixed = pd.Series(["17850.0", "C7"])  # not all floats: kept as written
    assert normalise_ids(mixed, "customer").tolist() == ["17850.0", "C7"]
    assert drop_float_suffix(pd.Series(["1.5", "2.0"], dtype="str")).tolist() == ["1.5", "2.0"]
    # product codes are never floats saved by a spreadsheet
    assert normalise_ids(pd.Series(["10.0"]), "product").tolist() == ["10.0"]


def test_numbers_become_text():
    assert normalise_ids(pd.Series([17850, 7]), "customer").tolist() == ["17850", "7"]
    out = normalise_ids(pd.Series([17850.0, np.nan]), "customer")
    assert out.iloc[0] == "17850" and pd.isna(out.iloc[1])
    nullable = pd.Series(pd.array([17850, None], dtype="Int64"))
    out = normalise_ids(nullable, "customer")
    assert out.iloc[0] == "17850" and pd.isna(out.iloc[1])


def test_changed_rows_are_counted():
    ids, changed = normalise_ids_counted(pd.Series([" a", "a", "", None, " a"]), "customer")
    assert ids.tolist()[:2] == ["a", "a"]
    assert changed.tolist() == [True, False, True, False, True]


def test_unknown_kind():
    with pytest.raises(ValueError, match=r"kind must be one of.*'supplier'"):
        normalise_ids(pd.Series(["a"]), "supplier")


def test_per_value_transforms_each_distinct_value_once():
    seen = []

    def upper(values):
        seen.append(values.tolist())
        return values.str.upper()

    out = per_value(pd.Series(["a", "b", "a", None, "b"]), upper, "-")
    assert seen == [["a", "b"]]
    assert out.tolist() == ["A", "B", "A", "-", "B"]


def test_cleaning_applies_the_same_rule():
    lines = order_lines(
        [
            ("1", "2024-01-02", " 17850.0", "p1 ", 1, 2.0),
            ("2", "2024-01-03", "13047.0", "P1", 1, 2.0),
        ]
    )
    clean, report = clean_transactions(lines)
    assert clean["customer_id"].tolist() == ["17850", "13047"]
    assert clean["product_id"].tolist() == ["P1", "P1"]
    fixed = report.set_index("reason").loc["whitespace/case normalised", "rows"]
    assert fixed == 2  # every row changed: both customer ids lost ".0", the first more

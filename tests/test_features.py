"""Tests of helpers.features: expected values by hand, never from the code."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import order_lines

from helpers.checks import DataWarning
from helpers.cleaning import clean_transactions
from helpers.features import customer_features, feature_pipeline, usable_features

# --- features ----------------------------------------------------------------------------------


@pytest.fixture
def raw_lines() -> pd.DataFrame:
    """Raw order lines of two customers, with one partial return, and a line after as_of."""
    rows = [
        # invoice, date, customer, product, quantity, price
        ("1", "2024-01-01 10:00", "A", "P1", 1, 2.0),
        ("1", "2024-01-01 10:00", "A", "P2", 3, 1.0),
        ("2", "2024-01-11 09:00", "A", "P1", 2, 2.0),
        ("3", "2024-01-31 18:00", "A", "P3", 4, 5.0),
        ("C4", "2024-02-02 12:00", "A", "P3", -1, 5.0),  # returns 1 of the 4 units of P3
        ("5", "2024-02-05 23:00", "B", "P2", 5, 1.0),
        ("6", "2024-02-20 10:00", "B", "P2", 1, 1.0),  # after as_of: ignored
    ]
    return order_lines(rows)


@pytest.fixture
def products() -> pd.DataFrame:
    return pd.DataFrame({"product_id": ["P1", "P2", "P3"], "category": ["K", "K", "G"]})


@pytest.fixture
def customers() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": ["A", "B"],
            "birth_date": pd.to_datetime(["1984-02-10", None]),
            "gender": ["F", "M"],
            "region": ["North", "South"],
            "annual_income": [40_000.0, np.nan],
            "acquisition_channel": ["email", "store"],
        }
    )


def test_features_by_hand(raw_lines, products, customers):
    clean, _ = clean_transactions(raw_lines)
    f = customer_features(
        clean, "2024-02-10", raw=raw_lines, products=products, customers=customers
    )
    assert list(f.index) == ["A", "B"]
    a, b = f.loc["A"], f.loc["B"]
    # A: invoices on Jan 1, Jan 11, Jan 31; as_of Feb 10
    assert a["frequency"] == 3
    assert a["recency"] == 10  # Jan 31 -> Feb 10
    assert a["tenure"] == 40  # Jan 1 -> Feb 10
    assert a["interpurchase_days"] == 15  # gaps of 10 and 20 days
    assert a["lines_per_invoice"] == pytest.approx(4 / 3)  # 2 + 1 + 1 lines
    assert a["units_per_invoice"] == pytest.approx((1 + 3 + 2 + 3) / 3)  # P3 net 4 - 1
    assert a["monetary"] == pytest.approx(2 + 3 + 4 + 15)
    assert a["distinct_categories"] == 2  # K (P1, P2) and G (P3)
    assert a["return_rate"] == pytest.approx(1 / 10)  # 1 unit returned of 10 bought
    # B: one purchase 5 days before as_of -> inter-purchase time is the tenure, 5 days
    assert b["frequency"] == 1
    assert b["tenure"] == 5 and b["recency"] == 5 and b["interpurchase_days"] == 5
    assert b["lines_per_invoice"] == 1 and b["units_per_invoice"] == 5
    assert b["distinct_categories"] == 1 and b["return_rate"] == 0
    # demographics: age in years at as_of, missing stays missing for the pipeline to impute
    assert a["age"] == pytest.approx(40.0, abs=0.01)  # born 1984-02-10
    assert np.isnan(b["age"]) and np.isnan(b["annual_income"])
    assert a["gender"] == "F" and b["acquisition_channel"] == "store"
    assert f.attrs["as_of"] == pd.Timestamp("2024-02-10")


def test_features_without_products_count_products_and_without_raw_no_return_rate(raw_lines):
    clean, _ = clean_transactions(raw_lines)
    f = customer_features(clean, "2024-02-10")
    assert f.loc["A", "distinct_products"] == 3
    assert "distinct_categories" not in f and "return_rate" not in f and "age" not in f


def test_country_is_the_customers_most_frequent(raw_lines):
    clean, _ = clean_transactions(raw_lines)
    # A: UK once, France three times; B: Spain before as_of, France after it (not counted)
    clean["country"] = ["UK", "France", "France", "France", "Spain", "France"]
    f = customer_features(clean, "2024-02-10")
    assert f.loc["A", "country"] == "France" and f.loc["B", "country"] == "Spain"


def test_features_bad_input(raw_lines, products):
    clean, _ = clean_transactions(raw_lines)
    with pytest.raises(ValueError, match="'amount'"):
        customer_features(clean.drop(columns="amount"))
    with pytest.raises(ValueError, match="P3"):
        customer_features(clean, products=products[products["product_id"] != "P3"])
    with pytest.raises(ValueError, match="reasons"):
        customer_features(clean, raw=raw_lines, reasons=pd.Series([None] * 3))


# --- preprocessing -----------------------------------------------------------------------------


@pytest.fixture
def table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "monetary": [0.0, np.e - 1, np.e**2 - 1, np.nan],  # log1p: 0, 1, 2, (median 1)
            "recency": [10.0, 20.0, 30.0, 40.0],
            "gender": ["F", "M", None, "F"],
        },
        index=pd.Index(["a", "b", "c", "d"], name="customer_id"),
    )


def test_pipeline_logs_scales_and_one_hot_encodes(table):
    X = feature_pipeline(table).fit_transform(table)
    logged = np.array([0.0, 1.0, 2.0, 1.0])  # the missing value imputed by the median, 1
    expected = (logged - logged.mean()) / logged.std()
    np.testing.assert_allclose(X["log__monetary"], expected)
    recency = np.array([10.0, 20, 30, 40])
    np.testing.assert_allclose(X["scale__recency"], (recency - 25) / recency.std())
    onehot = [c for c in X.columns if c.startswith("onehot__")]
    assert onehot == ["onehot__gender_F", "onehot__gender_M", "onehot__gender_missing"]
    assert X[onehot].to_numpy().tolist() == [[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 0, 0]]
    assert "gender" not in X.columns  # never an integer code
    assert list(X.index) == ["a", "b", "c", "d"]


def test_usable_features_keep_what_separates_customers_and_say_why_not_the_rest():
    features = pd.DataFrame(
        {
            "recency": [3.0, 10.0, 40.0, 7.0],
            "return_rate": 0.0,  # no returns in the data
            "lines_per_invoice": 1.0,
            "age": np.nan,  # no birth dates
            "annual_income": [50_000.0, np.nan, 50_000.0, np.nan],  # one value where known
            "monetary_avg": 12.5,  # shared, no known reason
            "region": ["North", "North", None, "South"],
            "country": "United Kingdom",
        }
    )
    kept, notes = usable_features(features, features.columns)
    assert kept == ["recency", "region"]
    assert notes == [
        "return_rate dropped: every customer has 0 (no returns in the data)",
        "lines_per_invoice dropped: every customer has 1 (every invoice has one line)",
        "age dropped: missing for every customer",
        "annual_income dropped: every customer with a value has 50,000, the other 2 have none",
        "monetary_avg dropped: every customer has 12.5",
        "country dropped: every customer has 'United Kingdom'",
    ]
    with pytest.raises(ValueError, match="'tenure' is required"):
        usable_features(features, ["tenure"])


def test_pipeline_leaves_out_a_constant_column_with_a_warning(table):
    with pytest.warns(DataWarning, match="^recency dropped: every customer has 5$"):
        X = feature_pipeline(table.assign(recency=5.0)).fit_transform(table)
    logged = np.array([0.0, 1.0, 2.0, 1.0])  # as in the test above, without recency
    np.testing.assert_allclose(X["log__monetary"], (logged - logged.mean()) / logged.std())
    assert not any("recency" in c for c in X.columns)
    # named explicitly (chapter 05's numeric=[...]): still a note, not an error
    with pytest.warns(DataWarning, match="recency dropped"):
        prep = feature_pipeline(table.assign(recency=5.0), numeric=["monetary", "recency"])
    assert [cols for _, _, cols in prep.transformers] == [["monetary"], ["gender"]]


def test_pipeline_without_a_usable_column_names_each_and_why(table):
    plain = table.assign(recency=5.0, gender=np.nan)
    message = (
        r"no usable column.*recency dropped: every customer has 5; "
        r"gender dropped: missing for every customer"
    )
    with pytest.raises(ValueError, match=message):
        feature_pipeline(plain, numeric=["recency"], categorical=["gender"])


def test_pipeline_bad_input(table):
    with pytest.raises(ValueError, match="'income'.*missing"):
        feature_pipeline(table, numeric=["income"])
    with pytest.raises(ValueError, match="'gender_code' holds numbers"):
        feature_pipeline(table.assign(gender_code=[0, 1, 2, 0]), categorical=["gender_code"])
    with pytest.raises(ValueError, match="'gender' must be numeric"):
        feature_pipeline(table, numeric=["gender"], categorical=[])
    with pytest.raises(ValueError, match=r"'monetary'.*>= 0.*-5"):
        feature_pipeline(table.assign(monetary=[1.0, -5.0, 2.0, 3.0]))

"""The one date convention (helpers.dates) and renamed arguments (helpers.deprecation)."""

from __future__ import annotations

import datetime as dt
import warnings

import numpy as np
import pandas as pd
import pytest

from helpers import dates
from helpers.deprecation import renamed_arguments


def test_month_constants_are_the_julian_year_over_twelve():
    assert dates.DAYS_PER_MONTH == pytest.approx(30.4375)
    assert dates.WEEKS_PER_MONTH == pytest.approx(30.4375 / 7)


@pytest.mark.parametrize(
    "value",
    ["2011-12-01", dt.date(2011, 12, 1), np.datetime64("2011-12-01"), pd.Timestamp("2011-12-01")],
)
def test_to_timestamp_reads_every_date_type(value):
    assert dates.to_timestamp(value, "as_of") == pd.Timestamp(2011, 12, 1)


@pytest.mark.parametrize("value", ["1 Decembre", None, 3, True, "NaT", [2011, 12, 1]])
def test_to_timestamp_names_the_argument(value):
    with pytest.raises(ValueError, match="^as_of must be a date"):
        dates.to_timestamp(value, "as_of")


def test_to_timestamp_day_refuses_a_time():
    with pytest.raises(ValueError, match="holdout_start must be a day"):
        dates.to_timestamp("2011-12-01 10:00", "holdout_start", day=True)


@pytest.mark.parametrize(
    ("as_of", "last"),
    [
        ("2011-12-10", "2011-12-09"),  # midnight: the day before is the last one seen
        ("2011-12-10 00:00:01", "2011-12-10"),  # one second into the 10th: it is seen
        ("2012-03-01", "2012-02-29"),  # leap day
    ],
)
def test_last_day_and_day_after_are_inverse_on_midnights(as_of, last):
    assert dates.last_day(as_of) == pd.Timestamp(last)
    if pd.Timestamp(as_of) == pd.Timestamp(as_of).normalize():
        assert dates.day_after(last) == pd.Timestamp(as_of)


def _f(rows, *, customer_col="customer_id", as_of=None):
    return customer_col, as_of


def test_renamed_argument_warns_and_passes_on():
    f = renamed_arguments(customer_id="customer_col", observation_end=("as_of", dates.day_after))(
        _f
    )
    with pytest.warns(FutureWarning, match="'customer_id' is now called 'customer_col'"):
        assert f([], customer_id="client") == ("client", None)
    with pytest.warns(FutureWarning, match="new meaning"):
        assert f([], observation_end="2011-12-09") == ("customer_id", pd.Timestamp("2011-12-10"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert f([], customer_col="client") == ("client", None)
    with pytest.raises(TypeError, match="got both 'customer_id' and 'customer_col'"):
        f([], customer_id="a", customer_col="b")
    assert f.__renamed_arguments__ == {"customer_id": "customer_col", "observation_end": "as_of"}


def test_renamed_argument_of_a_constructor_names_the_class():
    class Model:
        @renamed_arguments(product_id="product_col")
        def __init__(self, *, product_col="product_id"):
            self.product_col = product_col

    with pytest.warns(FutureWarning, match="^Model: the argument 'product_id'"):
        assert Model(product_id="sku").product_col == "sku"


def test_a_table_of_renames_serves_functions_that_take_some_of_them():
    from helpers.deprecation import LINE_COLUMN_RENAMES

    @renamed_arguments(**LINE_COLUMN_RENAMES)
    def count(rows, *, customer_col="customer_id", date_col="invoice_date"):
        return customer_col, date_col

    assert count.__renamed_arguments__ == {
        "customer_id": "customer_col",
        "invoice_date": "date_col",
    }
    with pytest.warns(FutureWarning, match="'invoice_date' is now called 'date_col'"):
        assert count([], invoice_date="when") == ("customer_id", "when")
    with pytest.raises(TypeError, match="unexpected keyword argument 'unit_price'"):
        count([], unit_price="p")  # not a name this function ever took

"""helpers.customer_aggregates: the per-customer core under customer_summary and summary_data.

Every result is checked against independent code: a plain per-customer Python loop (sums by
Kahan's compensated sum in line order, written out here, which is what pandas' group-by sum
does) and the group-by implementation of ``customer_summary`` that the core replaced, kept
below as the reference, on small frames and on the committed datasets, bit for bit.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal
from test_interactions_fast import kahan  # pandas' group_sum loop, in plain Python

from helpers import customer_aggregates as ca
from helpers.customers import customer_summary
from helpers.datasets import load_cdnow, load_clean_transactions, load_synthetic
from helpers.dates import to_timestamp
from helpers.id_runs import customer_runs
from helpers.rfm import rfm_table

# --- references ----------------------------------------------------------------------------


def old_customer_summary(
    transactions, *, start=None, end=None, unit_cost=None, customer_col="customer_id",
    invoice_col="invoice_id", date_col="invoice_date", amount_col="amount",
    product_col="product_id", quantity_col="quantity",
):  # fmt: skip
    """customer_summary as it was before the core (a pandas group-by with nunique)."""
    lines = transactions
    if start is not None:
        lines = lines[lines[date_col] >= to_timestamp(start, "start")]
    if end is not None:
        lines = lines[lines[date_col] < to_timestamp(end, "end")]
    frame = {"revenue": lines[amount_col]}
    if unit_cost is not None:
        cost = lines[product_col].map(unit_cost)
        frame["profit"] = lines[amount_col] - lines[quantity_col] * cost
    groups = pd.DataFrame(frame).groupby(lines[customer_col], sort=True)
    out = groups.sum()
    by_customer = lines.groupby(customer_col, sort=True)
    out.insert(0, "purchases", by_customer[invoice_col].nunique())
    out.insert(2, "average_amount", out["revenue"] / out["purchases"])
    out.insert(3, "first_purchase", by_customer[date_col].min())
    out.insert(4, "last_purchase", by_customer[date_col].max())
    out.index.name = customer_col
    return out


def loop_summary(lines, *, start=None, end=None, unit_cost=None) -> dict:
    """Summarise one customer at a time in plain Python: {customer: (purchases, revenue, ...)}."""
    rows: dict = {}
    for _, line in lines.iterrows():
        when = line["invoice_date"]
        if start is not None and when < pd.Timestamp(start):
            continue
        if end is not None and when >= pd.Timestamp(end):
            continue
        rows.setdefault(line["customer_id"], []).append(line)
    out = {}
    for customer in sorted(rows):
        mine = rows[customer]
        revenue = kahan([float(line["amount"]) for line in mine])
        row = {
            "purchases": len({line["invoice_id"] for line in mine}),
            "revenue": revenue,
            "average_amount": revenue / len({line["invoice_id"] for line in mine}),
            "first_purchase": min(line["invoice_date"] for line in mine),
            "last_purchase": max(line["invoice_date"] for line in mine),
        }
        if unit_cost is not None:
            row["profit"] = kahan(
                [line["amount"] - line["quantity"] * unit_cost[line["product_id"]] for line in mine]
            )
        out[customer] = row
    return out


def check_against_loop(lines, against_old=True, **window):
    """The summary against a plain loop and (``against_old``) the group-by it replaced."""
    out = customer_summary(lines, **window)
    expected = loop_summary(lines, **window)
    assert out.index.tolist() == list(expected)
    for customer, row in expected.items():
        for column, value in row.items():
            got = out.at[customer, column]
            if isinstance(value, float):
                assert got.hex() == value.hex(), (customer, column, got, value)
            else:
                assert got == value, (customer, column, got, value)
    if against_old:
        assert_frame_equal(out, old_customer_summary(lines, **window), check_exact=True)
    return out


# --- small frames, every path ----------------------------------------------------------------


def awkward_lines(n: int = 400, seed: int = 7) -> pd.DataFrame:
    """Lines in no customer order, amounts whose sums round, invoices of several lines."""
    rng = np.random.default_rng(seed)
    invoice = rng.integers(0, n // 3, n)
    customer = invoice % 23  # an invoice belongs to one customer
    return pd.DataFrame(
        {
            "invoice_id": [f"i{k}" for k in invoice],
            "customer_id": [f"c{k:02d}" for k in customer],
            "invoice_date": pd.Timestamp("2024-01-01") + pd.to_timedelta(invoice * 7919, "min"),
            "amount": np.round(rng.uniform(0.01, 99.99, n), 2) * 1.1,
            "quantity": rng.integers(1, 9, n),
            "product_id": rng.choice(["X", "Y", "Z"], n),
        }
    )


COSTS = pd.Series({"X": 0.37, "Y": 1.1, "Z": 2.03})


@pytest.mark.parametrize("ids", ["str", "object", "int"])
def test_against_a_loop_for_every_kind_of_id(ids):
    lines = awkward_lines()
    if ids == "object":
        lines["customer_id"] = lines["customer_id"].astype(object)
        lines["invoice_id"] = lines["invoice_id"].astype(object)
    if ids == "int":
        lines["customer_id"] = lines["customer_id"].str[1:].astype("int64") * 1000
        lines["invoice_id"] = lines["invoice_id"].str[1:].astype("int64")
    naive = lines.groupby("customer_id")["amount"].agg(lambda v: sum(v.tolist()))
    out = check_against_loop(lines)
    assert (out["revenue"] != naive).any()  # sums in plain order differ: the compensation counts
    check_against_loop(lines, unit_cost=COSTS)
    check_against_loop(lines, start="2024-01-05", end="2024-01-09 12:00", unit_cost=COSTS)
    in_time_order = lines.sort_values("invoice_date", kind="stable")  # first and last lines
    assert check_against_loop(in_time_order)["first_purchase"].is_monotonic_increasing is False


def test_ids_holding_nul_bytes_are_other_customers():
    lines = pd.DataFrame(
        {
            "invoice_id": ["1", "2", "2", "3", "4", "5"],
            "customer_id": ["a\0b", "a", "a", "a\0b", "a\0", "a"],
            "invoice_date": pd.to_datetime([f"2024-01-0{d}" for d in (1, 2, 2, 3, 4, 5)]),
            "amount": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
        }
    )
    # pandas 3.0.0's group-by hashed text up to its first NUL, so the old summary made "a",
    # "a\0" and "a\0b" one customer there: only the loop is the reference then
    old_is_right = pd.factorize(pd.Series(["a", "a\0b"]))[0].tolist() == [0, 1]
    for dtype in ("str", object):
        frame = lines.astype({"customer_id": dtype, "invoice_id": dtype})
        out = check_against_loop(frame, against_old=old_is_right)
        assert out.index.tolist() == ["a", "a\0", "a\0b"]
        assert out["purchases"].tolist() == [2, 1, 2]
        assert out["revenue"].tolist() == [11.0, 5.0, 5.0]
    # invoice ids with NUL bytes: "1\0" and "1" are two invoices of one customer
    same = lines.assign(customer_id="a", invoice_id=["1", "1\0", "1", "1\0x", "1", "1\0"])
    assert customer_summary(same)["purchases"].tolist() == [3]


def test_zoned_dates_keep_their_zone_and_unit():
    lines = awkward_lines(60)
    zoned = lines.assign(
        invoice_date=lines["invoice_date"].dt.tz_localize("Europe/Paris").dt.as_unit("s")
    )
    out = check_against_loop(zoned)
    assert str(out["first_purchase"].dtype) == "datetime64[s, Europe/Paris]"
    window = {"start": pd.Timestamp("2024-01-05", tz="UTC"), "end": "2024-01-09 12:00+01:00"}
    check_against_loop(zoned, **window)


def test_a_customer_with_one_line_and_unsorted_lines():
    lines = pd.DataFrame(
        {
            "invoice_id": [7, 3, 7, 9, 3],
            "customer_id": [2, 1, 2, 5, 1],
            "invoice_date": pd.to_datetime(
                ["2024-03-01", "2024-01-02", "2024-02-01", "2024-01-01", "2024-01-05"]
            ),
            "amount": [0.1, 0.2, 0.7, 3.0, 0.3],
        }
    )
    out = check_against_loop(lines)
    assert out.loc[5].tolist()[:3] == [1, 3.0, 3.0]  # one line: its amount, one purchase
    assert out.loc[2, "first_purchase"] == pd.Timestamp("2024-02-01")  # not the first line
    assert out.loc[1, "revenue"] == 0.2 + 0.3


def test_missing_invoices_and_dates_are_left_out_as_pandas_does():
    lines = pd.DataFrame(
        {
            "invoice_id": ["1", None, "2", None],
            "customer_id": ["a", "a", "a", "b"],
            "invoice_date": pd.to_datetime(["2024-01-02", None, "2024-01-01", None]),
            "amount": [1.0, 2.0, 3.0, 4.0],
        }
    )
    out = customer_summary(lines)
    assert out["purchases"].tolist() == [2, 0]
    assert out.loc["a", "first_purchase"] == pd.Timestamp("2024-01-01")
    assert pd.isna(out.loc["b", "first_purchase"]) and pd.isna(out.loc["b", "last_purchase"])
    assert_frame_equal(out, old_customer_summary(lines), check_exact=True)
    # a missing date first, the others in time order: not taken from the first lines
    lines["invoice_date"] = pd.to_datetime([None, "2024-01-01", "2024-01-02", "2024-01-03"])
    out = customer_summary(lines)
    assert out["first_purchase"].tolist() == [
        pd.Timestamp("2024-01-01"),
        pd.Timestamp("2024-01-03"),
    ]
    assert_frame_equal(out, old_customer_summary(lines), check_exact=True)


def other_dtypes() -> dict:
    """Columns of other dtypes: every path of the core that pandas' group-by also takes."""
    base = awkward_lines(300)
    numbers = base["customer_id"].str[1:].astype("int64")
    invoices = base["invoice_id"].str[1:].astype("int64")
    return {
        "categorical customers": base.assign(
            customer_id=pd.Categorical(base["customer_id"], sorted(set(base["customer_id"]))[::-1])
        ),
        "float customers": base.assign(customer_id=numbers.astype(float)),
        "Int64 customers": base.assign(customer_id=numbers.astype("Int64")),
        "uint32 customers": base.assign(customer_id=numbers.astype("uint32")),
        "bool customers": base.assign(customer_id=base.index % 2 == 0),
        "int amounts": base.assign(amount=(base["amount"] * 100).astype("int64")),
        "float32 amounts": base.assign(amount=base["amount"].astype("float32")),
        "Float64 amounts": base.assign(amount=base["amount"].astype("Float64")),
        "text dates": base.assign(invoice_date=base["invoice_date"].astype(str)),
        "millisecond dates": base.assign(invoice_date=base["invoice_date"].dt.as_unit("ms")),
        "Int64 invoices, some missing": base.assign(
            invoice_id=invoices.astype("Int64").where(base.index % 7 != 0)
        ),
        "1 and '1' as invoices": base.assign(
            invoice_id=[1 if k % 5 == 0 else "1" for k in range(len(base))]
        ),
        "a repeated index": base.set_axis([0] * len(base)),
    }


@pytest.mark.parametrize("case", list(other_dtypes()))
def test_other_dtypes_as_the_group_by_gave_them(case):
    lines = other_dtypes()[case]
    assert_frame_equal(customer_summary(lines), old_customer_summary(lines), check_exact=True)


def test_errors_are_unchanged():
    lines = awkward_lines(30)
    with pytest.raises(ValueError, match=r"no order lines with 2030-01-01 <= invoice_date < inf"):
        customer_summary(lines, start="2030-01-01")
    guest = lines.astype({"customer_id": object})
    guest.loc[[4, 9], "customer_id"] = None
    with pytest.raises(ValueError, match=r"'customer_id' must be present; 2 row\(s\) .* row 4:"):
        customer_summary(guest)
    dirty = lines.assign(amount=lines["amount"].where(lines.index != 3, 0.0))
    with pytest.raises(ValueError, match=r"'amount' must be > 0 .* 1 row\(s\) are not, e.g. row 3"):
        customer_summary(dirty)
    # a window leaving the dirty line out does not see it
    day = lines.loc[3, "invoice_date"]
    customer_summary(dirty[dirty["invoice_date"] != day], end="2030-01-01")


# --- the core's parts ---------------------------------------------------------------------


def test_distinct_per_customer_by_hand():
    codes = np.array([0, 2, 0, 0, 2, 2])
    values = np.array([5, 9, 5, 3, 10, 9])
    found = ca.distinct_per_customer(codes, values)
    assert found.present.tolist() == [0, 2]
    assert found.count.tolist() == [2, 2]  # 0: {3, 5}; 2: {9, 10}
    assert found.low.tolist() == [3, 9]
    assert found.high.tolist() == [5, 10]


def test_distinct_ids_when_an_invoice_comes_back():
    customer = pd.Series(["b", "a", "b", "a", "b"])
    coded = ca.customer_codes(customer)
    assert coded.customers.tolist() == ["a", "b"]
    assert coded.lines.tolist() == [1, 0, 1, 0, 1]
    # invoice 1 comes back to b after a's; invoice 2 is a's and b's
    counts = ca.distinct_ids(coded, pd.Series(["1", "2", "1", "2", "2"]))
    assert counts.tolist() == [1, 2]
    counts = ca.distinct_ids(coded, pd.Series([1.0, np.nan, 1.0, 3.0, np.nan]))
    assert counts.tolist() == [1, 1]


@pytest.mark.parametrize("dtype", ["int8", "int16", "int32", "int64", "uint8", "uint32", "uint64"])
def test_integer_codes_equal_id_runs(dtype):
    """Integers coded by a table of their range (or their runs' first ids) as id_runs codes them."""
    info = np.iinfo(dtype)
    rng = np.random.default_rng(3)
    cases = [
        rng.integers(max(info.min, -100), min(info.max, 100), 500, dtype=dtype),  # a small range
        rng.integers(info.min, info.max, 50, endpoint=True, dtype=dtype),  # a wide one
        np.array([info.min, info.max, info.max, info.min], dtype=dtype),
        np.array([info.max - 3, info.max, info.max - 1], dtype=dtype),
        np.array([7], dtype=dtype),
    ]
    for values in cases:
        coded = ca.customer_codes(pd.Series(values))
        starts, codes, customers = customer_runs(pd.Series(values))
        assert coded.starts.tolist() == starts.tolist()
        assert coded.codes.tolist() == codes.tolist()
        assert coded.customers.equals(customers) and coded.customers.dtype == customers.dtype
        assert coded.customers.tolist() == sorted(set(values.tolist()))


def test_date_extremes_of_text_dates_follow_pandas():
    coded = ca.customer_codes(pd.Series([1, 1, 2]))
    first, last = ca.date_extremes(coded, pd.Series(["2024-02", "2024-01", "2024-03"]))
    assert first.tolist() == ["2024-01", "2024-03"]
    assert last.tolist() == ["2024-02", "2024-03"]


# --- bit for bit on the committed datasets ---------------------------------------------------


def same_as_before(lines, **options):
    new = customer_summary(lines, **options)
    assert_frame_equal(new, old_customer_summary(lines, **options), check_exact=True)
    return new


def test_synthetic_bit_for_bit():
    clean, _ = load_clean_transactions()
    costs = load_synthetic().products.set_index("product_id")["unit_cost"]
    out = same_as_before(clean)
    assert len(out) > 1000
    same_as_before(clean, unit_cost=costs)
    same_as_before(clean, start="2023-06-01", end="2024-01-01", unit_cost=costs)
    shuffled = clean.sample(frac=1.0, random_state=1)
    same_as_before(shuffled)
    same_as_before(shuffled.astype({"customer_id": object, "invoice_id": object}))
    as_of = pd.Timestamp("2023-10-01")
    table = rfm_table(clean, as_of)
    old = old_customer_summary(clean, end=as_of)
    assert table["monetary"].equals(old["revenue"])
    assert table["frequency"].equals(old["purchases"])


def test_online_retail_bit_for_bit():
    clean, _ = load_clean_transactions("online_retail")
    same_as_before(clean)
    same_as_before(clean, start="2011-03-01", end="2011-09-01")
    numbers = clean.astype({"customer_id": "int64", "invoice_id": "int64"})
    same_as_before(numbers)


def test_cdnow_bit_for_bit():
    lines = load_cdnow()
    lines = lines[lines["amount"] > 0].assign(invoice_id=lambda f: np.arange(len(f)) // 2)
    out = same_as_before(lines)
    assert math.isclose(out["revenue"].sum(), lines["amount"].sum())
    same_as_before(lines.assign(invoice_date=lines["invoice_date"].dt.tz_localize("UTC")))

"""helpers.examples: the committed example exports are what the code makes, and hold the
synthetic shop's orders in another system's shape."""

from __future__ import annotations

import pandas as pd
from conftest import ROOT

from helpers import examples
from helpers.synthetic import make_synthetic

COMMITTED = ROOT / "datasets" / "examples"


def test_committed_examples_are_reproducible(tmp_path):
    for path in examples.write_examples(tmp_path):
        assert path.read_bytes() == (COMMITTED / path.name).read_bytes(), path.name


def test_order_totals_sum_the_lines_of_each_invoice():
    lines = make_synthetic(11, 400, dirt=False).order_lines
    totals = pd.read_csv(COMMITTED / "order_totals.csv", dtype={"Customer": str})
    assert list(totals.columns) == ["Customer", "Date", "Total"]
    orders = lines[["invoice_id", "customer_id", "invoice_date"]].drop_duplicates()
    assert len(totals) == len(orders)
    spend = (lines["quantity"] * lines["unit_price"]).sum()
    assert abs(totals["Total"].sum() - spend) < 0.01 * len(totals)  # rounded to cents
    assert (totals["Total"] < 0).any()  # refunds are there, as negative totals


def test_chinese_export_is_gb18030_with_day_first_dates():
    raw = (COMMITTED / "chinese_orders.csv").read_bytes()
    text = raw.decode("gb18030")
    header = text.splitlines()[0].split(",")
    assert header == list(examples.CHINESE_COLUMNS)
    frame = pd.read_csv(COMMITTED / "chinese_orders.csv", encoding="gb18030", dtype=str)
    assert frame["订单号"].is_unique  # one line per invoice
    dates = pd.to_datetime(frame["下单时间"], format="%d/%m/%Y %H:%M")
    assert (dates.dt.day > 12).any()  # day-first is visible, not ambiguous

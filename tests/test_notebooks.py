"""Notebooks run with other parameters (papermill), and their recorded results are checked.

nbval executes every committed notebook on its default parameters (see pyproject's addopts);
these tests run chapters on real data and on a tiny file of one's own, and assert the results
the notebook recorded with :func:`helpers.notebook.record`.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from conftest import ROOT, real_file

from helpers.notebook import read_results, run_notebook

NOTEBOOKS = ROOT / "notebooks"

pytestmark = pytest.mark.notebook

#: Report lines that count rows changed, not removed.
FIXES = {"whitespace/case normalised", "partially returned purchase"}


def run(name: str, tmp_path: Path, **parameters) -> dict:
    executed = tmp_path / name
    run_notebook(NOTEBOOKS / name, executed, parameters=parameters, progress=False)
    return read_results(executed)


@pytest.mark.realdata
def test_cleaning_chapter_on_online_retail(tmp_path):
    real_file("online_retail_2010_2011.csv.gz")
    results = run("01_data_cleaning.ipynb", tmp_path, DATASET="online_retail")
    # Known facts about UCI Online Retail (Chen, Sain & Guo 2012), counted on the raw file.
    assert results["dataset"] == "online_retail"
    assert results["rows_in"] == 541_909
    assert results["missing_customer_rows"] == 135_080
    assert results["cancellation_invoice_rows"] == 9_288
    assert results["duplicate_rows"] == 5_268
    assert results["customers_raw"] == 4_372
    # After cleaning: a few dozen customers had only returns, tests or fees (the literature's
    # cleaned counts are 4,338-4,339 customers after dropping non-positive quantities).
    assert 4_300 <= results["customers_clean"] <= 4_372
    report = results["report"]
    assert report["missing customer id"] == 135_080
    assert results["rows_in"] == results["rows_out"] + sum(
        rows for reason, rows in report.items() if reason not in FIXES
    )
    assert results["dirt_caught_share"] is None
    # The largest manual credit (section 3.5) is customer 15098's: 60 picnic baskets at 649.50
    # credited back by one manual line of 38,970.00 (raw file), netted with its purchase.
    assert results["largest_manual_credit"] == {"customer_id": "15098", "amount": 60 * 649.5}
    assert results["manual_credits_netted"] == report["manual credit netted"] > 0
    assert results["manual_credit_revenue"] >= 60 * 649.5
    assert report["purchase reversed by manual credit"] >= report["manual credit netted"]


def test_cleaning_chapter_on_a_tiny_file_of_ones_own(tmp_path):
    # One customer, own column names, day-first dates: two purchases, one partly returned,
    # one postage line and a line without a customer.
    lines = pd.DataFrame(
        {
            "Order": ["1001", "1001", "1002", "C1003", "1004"],
            "When": [
                "03/01/2024 10:00",
                "03/01/2024 10:00",
                "05/02/2024 11:30",
                "06/02/2024 09:00",
                "07/02/2024 12:00",
            ],
            "Client": ["K1", "K1", "K1", "K1", ""],
            "SKU": ["A", "POST", "B", "B", "A"],
            "Qty": ["2", "1", "5", "-2", "1"],
            "Price": ["3.0", "4.5", "1.0", "1.0", "3.0"],
        }
    )
    path = tmp_path / "my_orders.csv"
    lines.to_csv(path, index=False)
    results = run(
        "01_data_cleaning.ipynb",
        tmp_path,
        DATASET="csv",
        DATA_PATH=str(path),
        COLUMNS={
            "Order": "invoice_id",
            "When": "invoice_date",
            "Client": "customer_id",
            "SKU": "product_id",
            "Qty": "quantity",
            "Price": "unit_price",
        },
        DATE_FORMAT="%d/%m/%Y %H:%M",
    )
    # Kept: A x2 at 3.0 and B reduced from 5 to 3 at 1.0 -> 2 rows, revenue 6 + 3 = 9.
    assert results["rows_in"] == 5
    assert results["rows_out"] == 2
    assert results["customers_clean"] == 1
    assert results["revenue_out"] == pytest.approx(9.0)
    # Raw revenue: 6 + 4.5 + 5 - 2 + 3 = 16.5
    assert results["revenue_in"] == pytest.approx(16.5)
    report = results["report"]
    assert report["non-product code"] == 1
    assert report["missing customer id"] == 1
    assert report["cancellation netted"] == 1
    assert report["partially returned purchase"] == 1

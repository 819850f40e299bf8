"""The report command line (python -m helpers.report): good runs checked for content, bad
inputs for a non-zero exit, a one-line message naming the cause and no output at all."""

from __future__ import annotations

import ast
import csv
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from conftest import ROOT, real_file

from helpers import report
from helpers.report_folder import MARKER, marker_text

pytestmark = pytest.mark.notebook

SYNTHETIC = ROOT / "datasets" / "synthetic"
CAMPAIGN_HEADER = ["customer_id", "group", "action", "offer", "expected_value", "reason"]
ONLINE_RETAIL_MAP = [
    "InvoiceNo=invoice_id",
    "StockCode=product_id",
    "Description=description",
    "Quantity=quantity",
    "InvoiceDate=invoice_date",
    "UnitPrice=unit_price",
    "CustomerID=customer_id",
    "Country=country",
]


def cli(*args: str) -> tuple[subprocess.CompletedProcess, float]:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "helpers.report", "--no-progress", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
    )
    return done, time.perf_counter() - started


def rows(path: Path) -> list[dict]:
    with path.open(newline="", encoding="utf-8") as stream:
        return list(csv.DictReader(stream))


def no_leftovers(parent: Path) -> None:
    assert [p.name for p in parent.iterdir()] == [], "a failed run left files behind"


@pytest.fixture(scope="module")
def synthetic_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("synthetic") / "report"
    done, seconds = cli(
        "--transactions",
        str(SYNTHETIC / "order_lines.csv.gz"),
        "--customers",
        str(SYNTHETIC / "customers.csv.gz"),
        "--products",
        str(SYNTHETIC / "products.csv.gz"),
        "--horizon-months",
        "6",
        "--out",
        str(out),
    )
    print(f"synthetic report: {seconds:.1f} s")
    return done, out


def test_synthetic_report_html(synthetic_run):
    done, out = synthetic_run
    assert done.returncode == 0, done.stderr
    assert f"report written to {out}" in done.stdout
    html = (out / "report.html").read_text(encoding="utf-8")
    for heading in [
        "Customer value report",
        "1. Checks",
        "2. Cleaning",
        "3. Key figures",
        "4.1 Value tiers",
        "4.2 RFM segments",
        "5. Strategies",
        "6. Campaign lists",
    ]:
        assert heading in html, heading
    assert html.count("data:image/png;base64") >= 6  # the figures are embedded
    assert "103,649 order lines" in html and "2,985" in html
    # no code, no recorded results, no exercises in the report
    for code in ["import matplotlib", "validate_parameters(", "record(name", "Exercises"]:
        assert code not in html, code
    assert [p.name for p in out.parent.iterdir()] == ["report"]  # no temporary folder left


def test_synthetic_report_campaign_csvs(synthetic_run):
    done, out = synthetic_run
    assert done.returncode == 0, done.stderr
    files = sorted(p.name for p in (out / "campaigns").iterdir())
    assert files == [
        "birthday.csv",
        "cross_sell.csv",
        "expansion.csv",
        "promotion.csv",
        "retention.csv",
    ]
    customers = set(pd.read_csv(SYNTHETIC / "customers.csv.gz", dtype=str)["customer_id"])
    for name in ["retention", "cross_sell", "expansion", "birthday"]:
        table = rows(out / "campaigns" / f"{name}.csv")
        assert table, name
        assert list(table[0])[:6] == CAMPAIGN_HEADER, name
        assert {r["customer_id"] for r in table} <= customers, name
        assert len({r["customer_id"] for r in table}) == len(table), name
        assert "email" not in table[0] and "birth_date" not in table[0]
        # every customer list holds out a control group, not contacted
        groups = {r["group"] for r in table}
        assert groups == {"treatment", "control"}, name
    retention = rows(out / "campaigns" / "retention.csv")
    values = [float(r["expected_value"]) for r in retention]
    assert min(values) > 0 and values == sorted(values, reverse=True)
    # birthdays: within 14 days of the analysis date (midnight after 2024-12-31), opted in
    birthday = pd.read_csv(out / "campaigns" / "birthday.csv", dtype={"customer_id": str})
    days = (pd.to_datetime(birthday["send_date"]) - pd.Timestamp("2025-01-01")).dt.days
    assert days.between(0, 13).all()
    table = pd.read_csv(SYNTHETIC / "customers.csv.gz", dtype={"customer_id": str})
    opted = table.set_index("customer_id")["marketing_opt_in"]
    assert opted.reindex(birthday["customer_id"]).all()
    promotion = rows(out / "campaigns" / "promotion.csv")
    assert promotion and list(promotion[0])[:2] == ["product_id", "action"]
    strategies = pd.read_csv(out / "strategies.csv", dtype={"customer_id": str})
    assert len(strategies) == 2985
    assert set(strategies["strategy"]) == {"retain", "win back", "care", "expansion", "upgrade"}
    assert strategies["p_churn"].between(0, 1).all()


@pytest.mark.realdata
def test_online_retail_report(tmp_path):
    path = real_file("online_retail_2010_2011.csv.gz")
    out = tmp_path / "or"
    done, seconds = cli(
        "--transactions",
        str(path),
        "--map",
        *ONLINE_RETAIL_MAP,
        "--horizon-months",
        "6",
        "--out",
        str(out),
    )
    print(f"Online Retail report: {seconds:.1f} s")
    assert done.returncode == 0, done.stderr
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "541,909 order lines" in html
    assert "2011-12-10" in html  # analysis date: midnight after the last line (2011-12-09)
    assert "birthday list skipped" in html and "promotion skipped" in html
    files = sorted(p.name for p in (out / "campaigns").iterdir())
    assert files == ["cross_sell.csv", "expansion.csv", "retention.csv"]
    strategies = pd.read_csv(out / "strategies.csv", dtype={"customer_id": str})
    assert 4_300 <= len(strategies) <= 4_372  # customers with a clean purchase
    retention = rows(out / "campaigns" / "retention.csv")
    assert retention and all(float(r["expected_value"]) > 0 for r in retention)
    assert {r["customer_id"] for r in retention} <= set(strategies["customer_id"])


def _orders(tmp_path: Path, **changes) -> Path:
    lines = pd.DataFrame(
        {
            "invoice_id": ["1", "2", "3", "4"],
            "invoice_date": ["2024-01-05", "2024-03-01", "2024-06-01", "2024-07-01"],
            "customer_id": ["a", "b", "a", "c"],
            "product_id": ["P1", "P2", "P1", "P3"],
            "quantity": [1, 2, 3, 1],
            "unit_price": [2.0, 3.0, 2.0, 5.0],
        }
    )
    for column, value in changes.items():
        if value is None:
            lines = lines.drop(columns=column)
        else:
            lines[column] = value
    path = tmp_path / "in" / "orders.csv"
    path.parent.mkdir()
    lines.to_csv(path, index=False)
    return path


def test_a_failing_cell_leaves_no_report_and_keeps_the_old_one(tmp_path):
    # a notebook that writes a campaign file, then fails: nothing of it may appear
    broken = nbformat.v4.new_notebook()
    broken.cells = [
        nbformat.v4.new_code_cell("OUTPUT_DIR = None", metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell(
            "from pathlib import Path\n(Path(OUTPUT_DIR) / 'half.csv').write_text('x')\n"
            "raise ValueError('column X must be > 0')"
        ),
    ]
    broken.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    path = tmp_path / "broken.ipynb"
    nbformat.write(broken, path)
    parent = tmp_path / "reports"
    old = parent / "report"
    old.mkdir(parents=True)
    (old / MARKER).write_text(marker_text(["report.html"]))
    (old / "report.html").write_text("the previous report")
    orders = _orders(tmp_path)
    with pytest.raises(Exception, match="column X must be > 0"):
        report.run_report(
            {"TRANSACTIONS_PATH": str(orders), "CHURN_WINDOW_DAYS": 30},
            old,
            progress=False,
            notebook=path,
        )
    assert [p.name for p in parent.iterdir()] == ["report"]
    assert sorted(p.name for p in old.iterdir()) == sorted([MARKER, "report.html"])
    assert (old / "report.html").read_text() == "the previous report"


def test_help_documents_every_option():
    done, _ = cli("--help")
    assert done.returncode == 0
    for option in [
        "--transactions",
        "--customers",
        "--products",
        "--map",
        "--date-format",
        "--encoding",
        "--sep",
        "--decimal",
        "--thousands",
        "--timezone",
        "--max-bad-dates",
        "--as-of",
        "--currency",
        "--horizon-months",
        "--discount-rate",
        "--margin",
        "--segments",
        "--churn-window",
        "--out",
        "--no-progress",
    ]:
        assert option in done.stdout, option


def test_notebook_parameters_match_the_command_line_defaults():
    notebook = nbformat.read(report.NOTEBOOK, as_version=4)
    cell = next(c for c in notebook.cells if "parameters" in c.metadata.get("tags", []))
    values = {}
    for node in ast.parse(cell.source).body:
        values[node.targets[0].id] = ast.literal_eval(node.value)
    assert list(values) == list(report.DEFAULTS)
    paths = {"TRANSACTIONS_PATH", "CUSTOMERS_PATH", "PRODUCTS_PATH"}
    assert {k: v for k, v in values.items() if k not in paths} == {
        k: v for k, v in report.DEFAULTS.items() if k not in paths
    }


def test_validate_parameters_names_the_parameter(tmp_path):
    orders = _orders(tmp_path)
    with pytest.raises(ValueError, match="unknown parameter 'SEGMENTS'"):
        report.validate_parameters({"TRANSACTIONS_PATH": str(orders), "SEGMENTS": 3})
    with pytest.raises(ValueError, match="N_SEGMENTS must be at least 2"):
        report.validate_parameters({"TRANSACTIONS_PATH": str(orders), "N_SEGMENTS": 1})
    with pytest.raises(ValueError, match="AS_OF must be a date"):
        report.validate_parameters({"TRANSACTIONS_PATH": str(orders), "AS_OF": "someday"})
    with pytest.raises(ValueError, match="TRANSACTIONS_PATH: no file at"):
        report.validate_parameters({"TRANSACTIONS_PATH": str(tmp_path / "nope.csv")})
    assert report.parse_mapping(["A=invoice_id", " B = quantity "]) == {
        "A": "invoice_id",
        "B": "quantity",
    }
    with pytest.raises(ValueError, match="expected source=canonical"):
        report.parse_mapping(["A"])


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_leaves_nothing_behind(tmp_path, signum):
    parent = tmp_path / "reports"
    parent.mkdir()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "helpers.report",
            "--no-progress",
            "--transactions",
            str(SYNTHETIC / "order_lines.csv.gz"),
            "--out",
            str(parent / "report"),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 120
    while not any(".tmp-" in p.name for p in parent.iterdir()):  # the notebook is running
        assert process.poll() is None and time.monotonic() < deadline, process.stderr.read()
        time.sleep(0.05)
    time.sleep(1.0)
    process.send_signal(signum)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == (143 if signum == signal.SIGTERM else 130), stderr
    last = stderr.strip().splitlines()[-1]
    assert last.endswith("no report written"), stderr
    assert "Traceback" not in stderr
    assert list(parent.iterdir()) == []

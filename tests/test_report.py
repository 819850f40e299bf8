"""The report command line (python -m helpers.report): good runs checked for content, bad
inputs for a non-zero exit, a one-line message naming the cause and no output at all."""

from __future__ import annotations

import ast
import asyncio
import csv
import re
import signal
import subprocess
import sys
import time
from html import unescape
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from browser import DevTools, launch
from conftest import ROOT, real_file

from helpers import report
from helpers.notebook import read_results
from helpers.report_folder import MARKER, marker_text

pytestmark = pytest.mark.notebook

SYNTHETIC = ROOT / "datasets" / "synthetic"
SCREENSHOTS = ROOT / "build" / "screenshots"
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


def visible_text(html: str) -> str:
    """The text of a page, roughly as a reader sees it (no styles, scripts or tags)."""
    html = re.sub(r"<(style|script)\b.*?</\1>", " ", html, flags=re.S | re.I)
    return unescape(re.sub(r"<[^>]+>", " ", html))


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
    assert html.count("data:image/png;base64") >= 5  # the figures are embedded
    # a document: titled after the data, the executive summary first, nothing from the web
    assert "<title>Customer value report: order_lines.csv.gz, 1 Jan 2023 to 31 Dec 2024" in html
    assert html.index("Executive summary") < html.index("1. Checks")
    assert "<script src" not in html and "notebooks/" not in html
    text = visible_text(html)
    assert "{" not in text and not re.search(r"\bnan\b|\bNaN\b", text)
    assert "left out: 120 no birth date, 58 opted out" in text  # not a printed dict
    assert "Subscriptions: not applicable" in text  # the order lines carry no subscription id
    assert "103,649 order lines" in html and "2,985" in html
    # no code, no recorded results, no exercises in the report
    for code in ["import matplotlib", "validate_parameters(", "record(name", "Exercises"]:
        assert code not in html, code
    assert [p.name for p in out.parent.iterdir()] == ["report"]  # no temporary folder left


def same_report(out: Path, other: Path) -> None:
    """Two report folders say the same: the visible text, strategies.csv and every campaign."""
    texts = [visible_text((o / "report.html").read_text(encoding="utf-8")) for o in (out, other)]
    assert texts[0].split() == texts[1].split()
    files = sorted(p.relative_to(out) for p in out.rglob("*.csv"))
    assert files == sorted(p.relative_to(other) for p in other.rglob("*.csv"))
    for name in files:
        assert (out / name).read_bytes() == (other / name).read_bytes(), name


def test_the_report_on_duckdb_is_the_pandas_report(synthetic_run, tmp_path):
    """--engine duckdb: the same page and files, byte for byte, as the pandas run."""
    done, out = synthetic_run
    assert done.returncode == 0, done.stderr
    spill = tmp_path / "spill"
    spill.mkdir()
    duck, _ = cli(
        "--transactions",
        str(SYNTHETIC / "order_lines.csv.gz"),
        "--customers",
        str(SYNTHETIC / "customers.csv.gz"),
        "--products",
        str(SYNTHETIC / "products.csv.gz"),
        "--horizon-months",
        "6",
        "--engine",
        "duckdb",
        "--memory-limit",
        "512MB",
        "--spill-dir",
        str(spill),
        "--out",
        str(tmp_path / "duck"),
    )
    assert duck.returncode == 0, duck.stderr
    assert "engine duckdb (chosen with --engine)" in duck.stderr
    assert "duckdb: cleaning 103,649 order lines: done in" in duck.stderr
    assert "engine pandas (about" in done.stderr  # auto: a small file stays in pandas
    same_report(out, tmp_path / "duck")
    assert list(spill.iterdir()) == []  # the run's spill folder is gone


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


@pytest.fixture(scope="module")
def online_retail_run(tmp_path_factory):
    """The report on Online Retail (real data), run once for the tests below."""
    path = real_file("online_retail_2010_2011.csv.gz")
    out = tmp_path_factory.mktemp("online_retail") / "or"
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
    return out


@pytest.mark.realdata
def test_online_retail_report(online_retail_run):
    out = online_retail_run
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "541,909 order lines" in html
    assert "2011-12-10" in html  # analysis date: midnight after the last line (2011-12-09)
    assert "Birthday list skipped" in html and "Promotion skipped" in html
    files = sorted(p.name for p in (out / "campaigns").iterdir())
    assert files == ["cross_sell.csv", "expansion.csv", "retention.csv"]
    strategies = pd.read_csv(out / "strategies.csv", dtype={"customer_id": str})
    assert 4_300 <= len(strategies) <= 4_372  # customers with a clean purchase
    retention = rows(out / "campaigns" / "retention.csv")
    assert retention and all(float(r["expected_value"]) > 0 for r in retention)
    assert {r["customer_id"] for r in retention} <= set(strategies["customer_id"])


#: What the browser reads off the report once it has loaded.
READ_REPORT = """(() => ({
  title: document.title,
  text: document.body.innerText,
  headers: Array.from(document.querySelectorAll("th")).map(th => th.innerText.trim()),
  tables: Array.from(document.querySelectorAll("table")).map(t => ({
    headers: Array.from(t.querySelectorAll("thead th")).map(th => th.innerText.trim()),
    rows: Array.from(t.querySelectorAll("tbody tr"))
      .map(tr => Array.from(tr.cells).map(td => td.innerText.trim())),
  })),
  images: document.images.length,
  broken: Array.from(document.images).filter(i => !(i.complete && i.naturalWidth > 0)).length,
  scripts: Array.from(document.scripts).map(s => s.src).filter(Boolean),
  summary: (document.querySelector(".report-summary") || {innerText: ""}).innerText,
}))()"""


@pytest.mark.realdata
def test_online_retail_report_is_a_document(online_retail_run, tmp_path):
    """The report in a real browser, offline: a document for a manager, printable to PDF."""
    out = online_retail_run
    html = (out / "report.html").read_text(encoding="utf-8")
    # every asset inline: no script, style sheet or image fetched from anywhere
    assert not re.search(r"""<script[^>]+src=|<link[^>]+href=["']?https?:""", html)
    assert not re.search(r"""(src|href)=["']?https?://""", html)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    async def visit() -> tuple[dict, list[str], bytes]:
        with launch(tmp_path / "chromium-profile") as url:
            async with DevTools(url) as tools:
                await tools.call("Page.enable")
                await tools.call("Network.enable")
                page = await tools.open((out / "report.html").as_uri(), READ_REPORT)
                await tools.screenshot(SCREENSHOTS / "report_online_retail_top.png")
                await tools.screenshot(SCREENSHOTS / "report_online_retail.png", full_page=True)
                pdf = await tools.print_pdf(SCREENSHOTS / "report_online_retail.pdf")
                return page, tools.requests(), pdf

    page, requests, pdf = asyncio.run(visit())
    print("Executive summary on Online Retail:\n" + page["summary"])
    assert page["title"].startswith("Customer value report: online_retail_2010_2011.csv.gz")
    assert all(r.startswith(("file:", "data:")) for r in requests), requests
    assert page["scripts"] == []
    text = page["text"]
    # the summary comes first, then the sections; no course title, no code talk
    assert text.index("Executive summary") < text.index("1. Checks") < text.index("6. Campaign")
    for word in ("12 · Customer value report", "notebooks/", "OUTPUT_DIR", "helpers.", "Exercise"):
        assert word not in text, word
    # no raw TeX, no nan, no printed dict or set
    assert not re.search(r"\$[^$\s][^$]*\$|\\(frac|begin|left|right|sum|cdot)\b", text)
    assert not re.search(r"\bnan\b|\bNaN\b", text)
    assert "{" not in text and "}" not in text
    # tables: headers in words, counts without decimals, nothing truncated
    assert page["headers"] and not [h for h in page["headers"] if re.search(r"\w_\w", h)]
    counts = ("customers", "listed", "contacted", "held out (control)", "order lines")
    for table in page["tables"]:
        for row in table["rows"]:
            for header, cell in zip(table["headers"], row, strict=True):
                if header in counts:
                    assert re.fullmatch(r"\d{1,3}(,\d{3})*|–", cell), (header, cell)
    assert "..." not in text and "…" not in text
    assert page["images"] >= 5 and page["broken"] == 0  # cleaning, tiers, segments, ...
    # the lowest tier's expected value is explained when it is above its pace so far
    lowest = read_results(out / "report.ipynb")["lowest_tier"]
    if lowest["exceeds"]:
        assert "upper bound" in text
    assert "Two risk measures answer two questions" in text
    # printed: a real PDF with pages
    assert pdf.startswith(b"%PDF") and len(pdf) > 50_000
    pages = len(re.findall(rb"/Type\s*/Page(?!s)", pdf))
    assert pages >= 1, pages
    print(f"PDF: {pages} pages, {len(pdf):,} bytes")
    shot = (SCREENSHOTS / "report_online_retail.png").read_bytes()
    assert shot.startswith(b"\x89PNG") and len(shot) > 50_000


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
        "--engine",
        "--memory-limit",
        "--spill-dir",
        "--spark-master",
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


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_whose_exception_was_lost_still_publishes_nothing(tmp_path, monkeypatch, signum):
    # a handler's exception can be lost (raised in a finaliser, caught by a library while the
    # notebook runs): the run finishes, then sees the signal before publishing
    from helpers import notebook
    from helpers.report_folder import Terminated

    def notebook_that_swallowed_the_signal(source, output, *args, **kwargs):
        nbformat.write(nbformat.v4.new_notebook(), output)
        report._SIGNALS.append(signum)
        return {}

    monkeypatch.setattr(report, "_SIGNALS", [])
    monkeypatch.setattr(notebook, "run_notebook", notebook_that_swallowed_the_signal)
    monkeypatch.setattr(report, "render_html", lambda source, target: Path(target).write_text(""))
    out = tmp_path / "reports" / "report"
    out.parent.mkdir()
    expected = KeyboardInterrupt if signum == signal.SIGINT else Terminated
    with pytest.raises(expected):
        report.run_report(
            {"TRANSACTIONS_PATH": str(SYNTHETIC / "order_lines.csv.gz")}, out, inputs={}
        )
    assert list(out.parent.iterdir()) == []  # no report, no temporary folder


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

"""The report in Chinese (``--lang zh``), on the Chinese shop and on a GB18030 export.

Two whole runs of the command, each checked against what the catalogues say the report's
words are in Chinese (not against the report's own output): every section heading of the
report notebook, the executive summary's heading, the campaigns' and strategies' reasons. The
numbers must be the English run's: a translation changes words, never results.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from report_catalogue import README_COMMANDS, example, reconciles, results
from test_report_catalogue_errors import invoke

from helpers.report import NOTEBOOK
from helpers.report_html import REMOVE_TAG
from helpers.synthetic import make_synthetic, write_synthetic
from helpers.translation import catalogue, split_blocks, using_language
from helpers.translation import gettext as _

pytestmark = pytest.mark.notebook

CJK = re.compile(r"[\u4e00-\u9fff]")


def _visible_text(page: str) -> str:
    """The words a reader sees: scripts, styles, tags and embedded images taken out."""
    page = re.sub(r"(?s)<(script|style)\b.*?</\1>", " ", page)
    return re.sub(r"<[^>]+>", " ", page)


def _report_headings() -> list[str]:
    """The headings of the report's sections (English), as the notebook's Markdown has them."""
    nb = nbformat.read(NOTEBOOK, as_version=4)
    headings = []
    for cell in nb.cells:
        if cell.cell_type == "markdown" and REMOVE_TAG not in cell.metadata.get("tags", []):
            headings += [b for b, ok in split_blocks(cell.source) if ok and b.startswith("#")]
    return headings


@pytest.fixture(scope="module")
def chinese_shop(tmp_path_factory) -> tuple[Path, Path]:
    """The Chinese shop (600 customers) written as files, and the report on it in Chinese."""
    folder = tmp_path_factory.mktemp("cn")
    data = make_synthetic(n_customers=600, market="cn")
    write_synthetic(data, folder / "shop")
    shop = folder / "shop"
    args = [
        "--transactions", str(shop / "order_lines.csv.gz"),
        "--customers", str(shop / "customers.csv.gz"),
        "--products", str(shop / "products.csv.gz"),
        "--currency", data.currency,
        "--lang", "zh",
        "--out", str(folder / "report"),
    ]  # fmt: skip
    done = invoke(args, folder)
    assert done.returncode == 0, done.stderr
    return folder / "report", shop


def test_the_headings_are_the_catalogue_s_chinese(chinese_shop):
    out, _shop = chinese_shop
    page = (out / "report.html").read_text(encoding="utf-8")
    assert re.search(r'<html lang="zh"', page)
    table = catalogue("12_customer_value_report", "zh")
    headings = _report_headings()
    assert len(headings) >= 8
    for heading in headings:
        title = table[heading].lstrip("#").strip()
        assert title in page, title
        assert heading.lstrip("#").strip() not in page, heading
    with using_language("zh"):
        summary = _("Executive summary")
    assert CJK.search(summary) and summary in page and "Executive summary" not in page


def test_the_chinese_report_reads_in_chinese_and_in_yuan(chinese_shop):
    out, _shop = chinese_shop
    text = _visible_text((out / "report.html").read_text(encoding="utf-8"))
    # English words a manager would read: runs of four or more English words
    english = re.findall(r"(?:\b[A-Za-z]{2,}\b[ ,.;:()-]+){4,}", text)
    assert len(english) <= 5, english[:10]
    assert len(CJK.findall(text)) > 3000
    assert "¥" in text and "£" not in text


def test_the_reasons_are_chinese_in_the_files(chinese_shop):
    out, _shop = chinese_shop
    strategies = pd.read_csv(out / "strategies.csv", dtype={"customer_id": str})
    assert list(strategies.columns)[:2] == ["customer_id", "tier"]  # identifiers stay
    assert strategies["reason"].map(lambda r: bool(CJK.search(str(r)))).all()
    files = sorted((out / "campaigns").glob("*.csv"))
    assert {p.stem for p in files} >= {"retention", "birthday"}
    for path in files:
        table = pd.read_csv(path, dtype=str)
        if len(table) and "reason" in table:
            assert table["reason"].map(lambda r: bool(CJK.search(str(r)))).all(), path.name


def test_lunar_birthdays_reach_the_birthday_list(chinese_shop):
    out, shop = chinese_shop
    customers = pd.read_csv(shop / "customers.csv.gz", dtype={"customer_id": str})
    greeted = pd.read_csv(out / "campaigns" / "birthday.csv", dtype={"customer_id": str})
    calendars = customers.set_index("customer_id")["birthday_calendar"]
    assert set(calendars.reindex(greeted["customer_id"])) == {"gregorian", "lunar"}


def test_a_gb18030_export_with_chinese_headers_in_chinese(tmp_path):
    name = "chinese_orders.csv"
    source = example(tmp_path, name)
    assert source.read_bytes().decode("gb18030")  # the file is what it says
    out = tmp_path / "report"
    args = ["--transactions", str(source), *README_COMMANDS[name], "--lang", "zh"]
    done = invoke([*args, "--currency", "¥", "--out", str(out)], tmp_path)
    assert done.returncode == 0, done.stderr
    assert "gb18030" in done.stderr.lower()  # the detected encoding, said
    reconciles(out)
    page = (out / "report.html").read_text(encoding="utf-8")
    table = catalogue("12_customer_value_report", "zh")
    assert all(table[h].lstrip("#").strip() in page for h in _report_headings()[:3])
    # the same numbers as the English report on the same file
    english_out = tmp_path / "report_en"
    done = invoke([*args[:-2], "--currency", "¥", "--out", str(english_out)], tmp_path)
    assert done.returncode == 0, done.stderr
    chinese, english = results(out), results(english_out)
    numbers = [k for k, v in english.items() if isinstance(v, int | float)]
    assert len(numbers) >= 5
    assert {k: chinese[k] for k in numbers} == {k: english[k] for k in numbers}

"""The notes that loading an order log writes, in English and in Chinese (issue 24).

Every file is written here; the expected sentences are worked out by hand from its text. In
English a note reads exactly as before the notes went through gettext; in Chinese it is the
catalogue's sentence with the same numbers, ids and settings filled in.
"""

from __future__ import annotations

import re

import pytest

from helpers import report_inputs as ri
from helpers.datasets import load_transactions
from helpers.translation import using_language

# semicolons, a decimal comma, one line with no value at all
SEMICOLON_FILE = (
    "invoice_id;invoice_date;customer_id;product_id;quantity;unit_price\n"
    "I1;2024-01-05;C1;P1;2;12,50\n"
    ";;;;;\n"
    "I2;2024-01-06;C2;P2;1;3,00\n"
)

# times with UTC offsets, lower-case product codes
TZ_FILE = (
    "invoice_id,invoice_date,customer_id,product_id,quantity,unit_price\n"
    "1,2024-03-30T10:00:00+01:00,c1,p1,1,2\n"
    "2,2024-03-31T10:00:00+02:00,c1,p1,1,2\n"
    "3,2024-04-01T08:00:00Z,c2,p1,1,2\n"
)

CJK = re.compile(r"[\u4e00-\u9fff]")


def _write(tmp_path, text, name="orders.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _order_level_file(tmp_path):
    """1,200 orders of one line each (customer, date, amount), every 100th a refund of -5."""
    lines = ["customer_id,invoice_date,amount"]
    for i in range(1200):
        day, hour = divmod(i, 24)
        amount = "-5" if i % 100 == 99 else "5"
        lines.append(f"C{i % 7},2024-01-{1 + day % 28:02d}T{hour:02d}:{day // 28:02d}:00,{amount}")
    return _write(tmp_path, "\n".join(lines) + "\n")


def _notes(path, **kwargs):
    return load_transactions(path, **kwargs).attrs["loading"]["notes"]


def test_reading_notes_in_english_are_as_written(tmp_path):
    notes = _notes(_write(tmp_path, SEMICOLON_FILE))
    assert notes == [
        "The field separator was detected as semicolon (';').",
        "The numbers use a decimal comma (12,50); detected from the values.",
        "1 empty row(s) (no value in any column) were skipped.",
    ]


def test_reading_notes_in_chinese_keep_the_separator_and_the_numbers(tmp_path):
    path = _write(tmp_path, SEMICOLON_FILE)
    with using_language("zh"):
        notes = _notes(path)
    assert notes == [
        "检测到字段分隔符为分号（';'）。",
        "数字用逗号作小数点（12,50），这是根据数值检测出来的。",
        "跳过了 1 个空行（所有列都没有值）。",
    ]
    # the language is the block's only: English again after it
    assert _notes(path)[0].startswith("The field separator")


def test_order_level_notes_in_english(tmp_path):
    notes = _notes(_order_level_file(tmp_path))
    # 12 of the 1,200 lines are refunds (i = 99, 199, ..., 1199); every (customer, time) is
    # distinct, so 1,200 invoices, numbered with four digits
    assert notes == [
        "The file has one line per order (an amount, no quantity or price): each line is "
        "quantity 1 at its amount; the 12 negative amount(s) (refunds) are quantity -1, so "
        "that cleaning nets each against the customer's purchase of the same amount.",
        "The file has no products: every line has the product '(NO PRODUCT)', and the "
        "analyses by product are left out.",
        "The file has no invoice ids: each customer's lines at one date and time are one "
        "invoice, numbered D0001, D0002, ... in date order (1,200 invoices).",
    ]


def test_order_level_notes_in_chinese_keep_counts_and_labels(tmp_path):
    path = _order_level_file(tmp_path)
    with using_language("zh"):
        notes = _notes(path)
    assert len(notes) == 3 and all(CJK.search(n) for n in notes)
    refunds, products, invoices = notes
    assert "12 个负金额" in refunds and "数量 -1" in refunds and "数量 1" in refunds
    assert "'(NO PRODUCT)'" in products
    assert "D0001、D0002" in invoices and "1,200 张发票" in invoices


def test_tidied_ids_and_time_zones_in_both_languages(tmp_path):
    path = _write(tmp_path, TZ_FILE)
    assert _notes(path) == [
        "Ids were tidied (spaces, case, '.0'): product ids on 3 row(s) (e.g. 'p1' -> 'P1').",
        "Dates carried UTC offsets (+01:00, +02:00, Z); converted to UTC+01:00, the first "
        "row's offset, and the offset dropped.",
    ]
    with using_language("zh"):
        df = load_transactions(path)
    tidied, zone = df.attrs["loading"]["notes"]
    assert tidied == "已整理编号（空格、大小写、'.0'）：3 行的商品编号（例如 'p1' -> 'P1'）。"
    assert "（+01:00, +02:00, Z）" in zone and "UTC+01:00" in zone and zone.endswith("。")
    assert df.attrs["loading"]["timezone"] == zone[:-1]


@pytest.mark.parametrize("language", ["en", "zh"])
def test_bad_and_empty_dates_keep_their_counts(tmp_path, language):
    text = (
        "invoice_id,invoice_date,customer_id,product_id,quantity,unit_price\n"
        + "".join(f"I{i},2024-02-{1 + i % 28:02d},C{i % 5},P1,1,2\n" for i in range(1998))
        + "I9998,not a date,C1,P1,1,2\n"
        + "I9999,,C1,P1,1,2\n"
    )
    path = _write(tmp_path, text)
    with using_language(language):
        bad, empty = _notes(path)
    # 1 of 1,999 non-empty dates (0.05%, shown as 0.1%) does not parse; one row has no date
    if language == "en":
        assert bad == (
            "1 of 1,999 non-empty dates (0.1%) did not parse and are kept as missing "
            "(e.g. 'not a date'); cleaning removes them as 'unparseable date'."
        )
        assert empty == (
            "1 row(s) have no date; they are kept as missing and cleaning removes them as "
            "'unparseable date'."
        )
    else:
        assert bad == (
            "1,999 个非空日期中有 1 个（0.1%）无法解析，按缺失值保留（例如 'not a date'）；"
            "清洗时会以“日期无法解析”为由删除它们。"
        )
        assert empty.startswith("1 行没有日期")


def test_lines_set_aside_after_the_analysis_date_in_chinese(tmp_path):
    text = (
        "invoice_id,invoice_date,customer_id,product_id,quantity,unit_price\n"
        "I1,2024-01-05,C1,P1,1,10\n"
        "I2,2024-01-20,C2,P1,2,10\n"
        "I3,2024-02-03,C1,P1,1,10\n"
    )
    path = str(_write(tmp_path, text))
    params = ri.validate_parameters(
        {"TRANSACTIONS_PATH": path, "AS_OF": "2024-02-01", "CHURN_WINDOW_DAYS": 7}
    )
    english = ri.load_inputs(params)["notes"][-1]
    assert english == (
        "1 order line(s) dated on or after the analysis date 2024-02-01 were set aside "
        "(row 3 dated 2024-02-03)"
    )
    with using_language("zh"):
        chinese = ri.load_inputs(params)["notes"][-1]
    assert chinese == (
        "1 个订单行的日期在分析日期 2024-02-01 当天或之后，已排除在分析之外"
        "（第 3 行，日期 2024-02-03）"
    )

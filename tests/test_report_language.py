"""The report's words from the code in Chinese (``--lang zh``), and unchanged in English.

Fast checks on small hand-made inputs (the whole report run in Chinese is
tests/test_report_chinese.py): the executive summary, the title, the risk sentences, the
playbook's and the campaign lists' reasons and the tables' headers and names are Chinese
when the language is zh, keep every number the English has, and are the literal English
sentences below when the language is en. The data keep their English codes (a strategy is
"retain" in either language); only what is shown is translated.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from helpers import translation
from helpers.campaigns import retention_list
from helpers.report_data import KeyFigures
from helpers.report_html import document_language
from helpers.report_risk import TierCheck, risk_measures_text
from helpers.report_summary import executive_summary, report_title
from helpers.report_tables import report_table
from helpers.strategy import PLAYBOOK, playbook_table
from helpers.translation import gettext as _

CJK = re.compile(r"[\u4e00-\u9fff]")
#: A number as the report writes it: 1,588  0.57  30.0%  £7,316 (the currency sign apart).
NUMBER = re.compile(r"\d(?:[\d,]*\d)?(?:\.\d+)?%?")


@pytest.fixture(autouse=True)
def english_after():
    """Every test starts in English and leaves the language English."""
    translation.set_language("en")
    yield
    translation.set_language("en")


def _numbers(text: str) -> list[str]:
    return sorted(NUMBER.findall(text))


@pytest.fixture
def summary_inputs():
    """Four customers: A and B in tier 1, A and C at risk; two campaign lists.

    Revenue 100 + 200 (A), 100 (B), 60 (C), 40 (D) = 500 in 5 orders; tier 1 holds
    400 / 500 = 80%; CLV 200 + 100 + 50 + missing = 350; A is the one top-tier customer at
    risk, holding 200.
    """
    lines = pd.DataFrame(
        {
            "customer_id": ["A", "A", "B", "C", "D"],
            "invoice_id": ["i1", "i2", "i3", "i4", "i5"],
            "invoice_date": pd.to_datetime(
                ["2023-01-01", "2023-06-01", "2023-07-01", "2023-09-01", "2023-12-31"]
            ),
            "amount": [100.0, 200.0, 100.0, 60.0, 40.0],
        }
    )
    assigned = pd.DataFrame(
        {
            "tier": [1, 1, 2, 2],
            "revenue": [300.0, 100.0, 60.0, 40.0],
            "clv": [200.0, 100.0, 50.0, np.nan],
            "p_churn": [0.6, 0.2, 0.7, 0.1],
            "high_risk": [True, False, True, False],
            "strategy": ["retain", "care", "win back", "upgrade"],
        },
        index=pd.Index(["A", "B", "C", "D"], name="customer_id"),
    )
    assigned.attrs.update(risk_threshold=0.5, purchase_model="Pareto/NBD")
    lists = {
        "retention": pd.DataFrame(
            {
                "expected_value": [4.0, 3.0, 2.0, 1.0],
                "group": ["treatment", "control", "treatment", "control"],
            }
        ),
        "promotion": pd.DataFrame({"expected_value": [1.0, 1.0, 1.0]}),
    }
    return lines, assigned, lists


def _summary(summary_inputs) -> list[str]:
    lines, assigned, lists = summary_inputs
    return executive_summary(
        KeyFigures.from_lines(lines),
        assigned,
        lists,
        check=None,
        currency="£",
        horizon_months=12,
        window_days=90,
        enough={"retention": False},
        margin=(0.3, "set by --margin"),
    )


ENGLISH_SUMMARY = [
    "4 customers placed 5 orders worth £500 between 1 Jan 2023 and 31 Dec 2023.",
    "Value is concentrated: the top tier (2 customers, 50% of them) brought 80% of the revenue.",
    "Expected value of today's customers over the next 12 months: £350 of margin at 30.0% of "
    "spend, set by --margin (purchase model Pareto/NBD, chosen by a backtest on this data).",
    "2 customers (50%) are at risk: their chance of buying nothing in the next 90 days is 50% "
    "or more. Among them 1 are top-tier customers, holding £200 of expected value.",
    "What to do: keep 1 top customers likely to leave with a retention offer; look after 1 top "
    "customers who are staying (no discount needed); send 1 lapsing or lapsed customers a "
    "low-cost win-back message; grow the baskets of 1 others with cross-sell.",
    "2 campaign lists are ready: retention offer 4 (2 held out); limited-time promotion on 3 "
    "products. The customers held out are not contacted: comparing them with the contacted ones "
    "shows what a campaign earned. No list is large enough to prove its expected uplift: run "
    "them as pilots.",
]


def test_the_executive_summary_in_english_is_unchanged(summary_inputs):
    assert _summary(summary_inputs) == ENGLISH_SUMMARY


def test_the_executive_summary_in_chinese_keeps_the_numbers(summary_inputs):
    translation.set_language("zh")
    chinese = _summary(summary_inputs)
    assert len(chinese) == len(ENGLISH_SUMMARY)
    for zh, en in zip(chinese, ENGLISH_SUMMARY, strict=True):
        assert CJK.search(zh), zh
        assert not re.search(r"[A-Za-z]{3,} [A-Za-z]{3,} [A-Za-z]{3,}", zh.replace("--margin", ""))
        if en is not ENGLISH_SUMMARY[0]:  # the first has dates, written the Chinese way
            assert _numbers(zh) == _numbers(en), (zh, en)
    first = chinese[0]
    assert "2023年1月1日" in first and "2023年12月31日" in first
    assert "4 位客户" in first and "5 笔订单" in first and "£500" in first
    assert chinese[4].startswith("建议做法：用挽留优惠留住 1 位")
    assert "挽留优惠 4 人（留出 2 人）" in chinese[5]
    assert "限时促销（3 件商品）" in chinese[5]


def test_the_title_in_both_languages():
    first, last = pd.Timestamp("2023-01-01"), pd.Timestamp("2024-12-31")
    english = "Customer value report: orders.csv, 1 Jan 2023 to 31 Dec 2024"
    assert report_title("/data/orders.csv", first, last) == english
    translation.set_language("zh")
    chinese = report_title("/data/orders.csv", first, last)
    assert chinese == "客户价值报告：orders.csv，2023年1月1日至2024年12月31日"


def test_the_tier_check_sentence_in_both_languages():
    check = TierCheck(
        tier=5,
        customers=597,
        mean_clv=22.76,
        revenue=5905.0,
        years=2.0,
        horizon_months=12,
        revenue_pace=4.94,
        one_purchase_share=0.804,
        mean_p_alive=0.58,
        mean_p_churn=0.84,
        model="Pareto/NBD",
    )
    english = (
        "Tier 5, the lowest, is expected to bring £22.76 of margin per customer in the next 12 "
        "months, more than the £4.94 of revenue per customer that 12 months brought at its pace "
        "so far (£5,905 from 597 customers over 2.0 years). 80% of these customers ordered only "
        "once. From one order the purchase model can tell little about how often someone buys, "
        "so it leans on the average customer. Their mean P(alive) is 0.58, while the churn model "
        "gives them a mean P(churn) of 0.84. Read this tier's expected value as an upper bound, "
        "not a forecast to spend against."
    )
    assert check.sentence("£") == english
    translation.set_language("zh")
    chinese = check.sentence("£")
    assert CJK.search(chinese)
    assert "。 " not in chinese  # sentences joined the Chinese way, without a space
    assert _numbers(chinese) == _numbers(english)


def test_the_tier_check_with_bg_nbd_and_no_p_alive_keeps_its_english():
    check = TierCheck(5, 10, 3.0, 10.0, 1.0, 12, 1.0, 0.5, float("nan"), 0.9, "BG/NBD")
    assert check.sentence("€") == (
        "Tier 5, the lowest, is expected to bring €3.00 of margin per customer in the next 12 "
        "months, more than the €1.00 of revenue per customer that 12 months brought at its pace "
        "so far (€10 from 10 customers over 1.0 years). 50% of these customers ordered only "
        "once. From one order the purchase model can tell little about how often someone buys, "
        "so it leans on the average customer; and BG/NBD counts every one-order customer as "
        "still active (P(alive) = 1), because it lets a customer drop out only right after a "
        "repeat order, while the churn model gives them a mean P(churn) of 0.90. Read this "
        "tier's expected value as an upper bound, not a forecast to spend against."
    )


def test_the_risk_measures_in_chinese_keep_the_numbers():
    view = pd.DataFrame(
        {"tier": [1, 2, 2, 2], "p_churn": [0.2, 0.6, 0.8, 0.4], "p_alive": [0.9, 0.5, 0.3, 0.7]}
    )
    english = risk_measures_text(view, window_days=90, model="BG/NBD")
    assert english[2] == (
        "Over all customers the mean P(churn) is 0.50 and the mean P(alive) 0.60; in tier 2, the "
        "lowest, they are 0.60 and 0.50."
    )
    assert english[3].startswith(
        "This report uses one risk measure, P(churn): a customer with P(churn) of 50% or more "
        "counts as at risk (2 of 4)."
    )
    translation.set_language("zh")
    chinese = risk_measures_text(view, window_days=90, model="BG/NBD")
    assert len(chinese) == len(english)
    for zh, en in zip(chinese, english, strict=True):
        assert CJK.search(zh)
        assert _numbers(zh) == _numbers(en), (zh, en)


def test_the_retention_reason_in_both_languages():
    """0.5 x 1,000 x 30% - 10 = 140: the reason says the sum in either language."""
    p = pd.Series([0.5], index=pd.Index(["A"], name="customer_id"))
    value = pd.Series([1000.0], index=p.index)
    english = retention_list(p, value, save_rate=0.3, offer_cost=10.0, offer="10% off")
    assert english.loc[0, "reason"] == (
        "P(churn) 0.50 x value at risk £1,000 x save rate 30% - offer £10.00 = £140.00"
    )
    translation.set_language("zh")
    chinese = retention_list(p, value, save_rate=0.3, offer_cost=10.0, offer="10% off")
    assert chinese.loc[0, "reason"] == (
        "P(churn) 0.50 × 潜在流失价值 £1,000 × 挽回率 30% - 优惠成本 £10.00 = £140.00"
    )
    assert list(chinese.columns) == list(english.columns)  # the CSV's column names stay
    assert chinese.loc[0, "action"] == english.loc[0, "action"]  # a code, not a sentence


def test_the_playbook_is_shown_in_chinese_and_kept_in_english():
    assigned = pd.DataFrame(
        {
            "strategy": ["retain", "care", "care", "upgrade"],
            "clv": [100.0, 50.0, 30.0, 20.0],
            "p_churn": [0.7, 0.1, 0.2, 0.3],
        }
    )
    table = playbook_table(assigned)
    translation.set_language("zh")
    shown = report_table(table, currency="£").frame
    assert list(shown.columns[:3]) == ["策略", "规则", "原因"]
    assert list(shown["策略"]) == ["挽留", "赢回", "关怀", "拓展", "升级"]
    assert shown.loc[0, "原因"] == "价值高、可能离开、而且还留得住：挽留优惠能收回成本"
    assert list(shown["客户数"]) == ["1", "0", "2", "0", "1"]
    assert list(table.index) == [rule[0] for rule in PLAYBOOK]  # the data keep the codes
    assert table.index[0] == "retain"


def test_report_table_translates_headers_and_names_only_in_chinese():
    cleaning = pd.DataFrame(
        {
            "reason": ["exact duplicate", "partially returned purchase"],
            "action": ["removed", "fixed"],
            "rows": [988, 762],
            "customer_id": ["C1", "C2"],
        }
    )
    english = report_table(cleaning, labels={"action": "what was done"}).frame
    assert list(english.columns) == ["reason", "what was done", "order lines", "customer"]
    assert list(english["reason"]) == ["exact duplicate", "partially returned purchase"]
    translation.set_language("zh")
    labels = {"action": _("what was done")}
    chinese = report_table(cleaning, labels=labels).frame
    assert list(chinese.columns) == ["原因", "处理方式", "订单明细行", "客户"]
    assert list(chinese["原因"]) == ["完全重复行", "部分退货的购买"]
    assert list(chinese["处理方式"]) == ["已删除", "已修正"]
    assert list(chinese["订单明细行"]) == ["988", "762"]
    assert list(chinese["客户"]) == ["C1", "C2"]  # ids are not words
    assert list(cleaning["reason"]) == ["exact duplicate", "partially returned purchase"]


def test_rfm_segments_are_shown_in_chinese():
    segments = pd.DataFrame(
        {"customers": [3, 2]}, index=pd.Index(["Champions", "Can't Lose"], name="segment")
    )
    translation.set_language("zh")
    shown = report_table(segments).frame
    assert list(shown.columns) == ["细分", "客户数"]
    assert list(shown["细分"]) == ["冠军客户", "不能失去"]


def test_the_page_language_follows_the_notebook():
    assert document_language({"metadata": {"customer_value_lab": {"language": "zh_CN"}}}) == "zh"
    assert document_language({"metadata": {"customer_value_lab": {"language": "en"}}}) == "en"
    assert document_language({"metadata": {}}) == "en"

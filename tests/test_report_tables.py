"""The report's tables and prose (helpers.report_tables): words, formats, no index, escaped."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers.report_tables import MISSING, Prose, format_value, label, report_table


@pytest.mark.parametrize(
    ("value", "kind", "expected"),
    [
        (474.0, "count", "474"),
        (1234567, "count", "1,234,567"),
        (3.2, "money", "£3.20"),
        (-3.2, "money", "-£3.20"),
        (999.994, "money", "£999.99"),
        (1234.4, "money", "£1,234"),  # whole units from 1,000 on
        (1234.6, "money", "£1,235"),
        (-43020.91, "money", "-£43,021"),
        (0.256, "share", "25.6%"),
        (1.0, "share", "100.0%"),
        (0.844, "probability", "0.84"),
        (12345.678, "number", "12,345.68"),
        (pd.Timestamp("2024-03-05 10:00"), "date", "2024-03-05"),
        ("a retention offer, 10% off", "text", "a retention offer, 10% off"),
        (np.nan, "money", MISSING),
        (None, "count", MISSING),
        (pd.NaT, "date", MISSING),
    ],
)
def test_format_value(value, kind, expected):
    assert format_value(value, kind) == expected


def test_format_value_currency_and_unknown_kind():
    assert format_value(12.5, "money", currency="€") == "€12.50"
    assert format_value(12.5, "money", currency="US$") == "US$12.50"
    with pytest.raises(ValueError, match="kind must be one of .*got 'euros'"):
        format_value(1, "euros")


def test_label_words():
    assert label("mean_p_churn") == "P(churn), mean"
    assert label("customer_id") == "customer"
    assert label("held_out") == "held out"  # not listed: underscores become spaces
    assert label("customers") == "customers"


def test_report_table_drops_a_default_index_and_formats_columns():
    frame = pd.DataFrame(
        {
            "customer_id": ["C1", "C2"],
            "rows": [474.0, 1234.0],  # counts stored as floats must not show .00
            "expected_value": [3.2, np.nan],
            "value_share": [0.256, 0.744],
        }
    )
    table = report_table(
        frame, {"rows": "count", "expected_value": "money", "value_share": "share"}
    )
    assert list(table.frame.columns) == ["customer", "order lines", "expected value", "value share"]
    assert table.frame.to_dict("list") == {
        "customer": ["C1", "C2"],
        "order lines": ["474", "1,234"],
        "expected value": ["£3.20", MISSING],
        "value share": ["25.6%", "74.4%"],
    }
    html = table.to_html()
    assert "<th>customer</th>" in html and '<th class="num">order lines</th>' in html
    assert "<td>C1</td>" in html and '<td class="num">1,234</td>' in html
    assert "nan" not in html and "_" not in html


def test_report_table_keeps_a_named_index_as_first_column_with_labels():
    tiers = pd.DataFrame(
        {"customers": [597, 597], "value": [1185780.67, 5904.75]},
        index=pd.Index([1, 5], name="tier"),
    )
    table = report_table(tiers, {"value": "money"}, labels={"value": "revenue"}, currency="¥")
    assert table.frame.values.tolist() == [["1", "597", "¥1,185,781"], ["5", "597", "¥5,905"]]
    assert list(table.frame.columns) == ["tier", "customers", "revenue"]


def test_report_table_shows_full_text_escaped_and_selected_columns():
    reason = "look-alike score 0.99 x develop rate 10% x top-tier value £270 - contact £1.00 " * 3
    frame = pd.DataFrame({"offer": ["<b>10% off</b>"], "reason": [reason], "hidden": [1]})
    table = report_table(frame, columns=["offer", "reason"], caption="The first 1 of 1")
    html = table.to_html()
    assert reason.strip() in table.frame.loc[0, "reason"]  # not truncated
    assert html.count("look-alike score") == 3
    assert "&lt;b&gt;10% off&lt;/b&gt;" in html and "<b>" not in html
    assert "hidden" not in html and "<caption>The first 1 of 1</caption>" in html
    assert "The first 1 of 1" in repr(table)


def test_report_table_names_a_missing_column():
    frame = pd.DataFrame({"a": [1]})
    with pytest.raises(ValueError, match="no column 'b'; the table has a"):
        report_table(frame, {"b": "money"})
    with pytest.raises(ValueError, match="no column 'c'"):
        report_table(frame, columns=["c"])


def test_report_table_of_a_series():
    series = pd.Series([0.2, 0.8], index=pd.Index(["x", "y"], name="segment"), name="share")
    table = report_table(series, {"share": "share"})
    assert table.frame.values.tolist() == [["x", "20.0%"], ["y", "80.0%"]]


def test_prose_paragraphs_and_bullets_escaped():
    text = Prose(["Tier 5 < tier 1.", "", "P(alive) & P(churn)."])
    assert text.to_html() == "<div><p>Tier 5 &lt; tier 1.</p><p>P(alive) &amp; P(churn).</p></div>"
    bullets = Prose(["one", "two"], bullets=True, heading="Executive summary", css_class="box")
    assert bullets.to_html() == (
        '<div class="box"><h2>Executive summary</h2><ul><li>one</li><li>two</li></ul></div>'
    )
    assert repr(bullets) == "Executive summary\n- one\n- two"
    title = Prose([], heading="Customer value report: a.csv", level=1)
    assert title.to_html() == "<div><h1>Customer value report: a.csv</h1></div>"
    assert Prose("one sentence").sentences == ["one sentence"]


def test_report_table_knows_the_usual_columns_by_name():
    frame = pd.DataFrame(
        {
            "customers": [597.0],  # a count, even as a float
            "revenue": [1185780.67],
            "customer_share": [0.2],
            "mean_p_churn": [0.2249],
            "mean_recency": [7.04],  # days
            "value": ["2023-01-01"],  # text stays text, whatever its name
            "other": [1.234],
        }
    )
    assert report_table(frame).frame.values.tolist() == [
        ["597", "£1,185,781", "20.0%", "0.22", "7", "2023-01-01", "1.23"]
    ]
    # an explicit kind wins over the name
    assert report_table(frame, {"revenue": "number"}).frame.loc[0, "revenue"] == "1,185,780.67"

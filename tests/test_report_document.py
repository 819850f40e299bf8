"""The report as a document (helpers.report_html) and its cleaning chart (log scale)."""

from __future__ import annotations

import re

import matplotlib.pyplot as plt
import nbformat
import pandas as pd
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from helpers.plots.cleaning import plot_cleaning_steps
from helpers.report_html import prepare, render_html


def html_output(text: str):
    return new_output("display_data", data={"text/html": text, "text/plain": text})


def executed() -> nbformat.NotebookNode:
    """A small 'executed' report: course title, title from data, sections, summary at the end."""
    cells = [
        new_markdown_cell("# 12 · Customer value report", metadata={"tags": ["remove_cell"]}),
        new_code_cell(
            "display(title)",
            metadata={"tags": ["report_title"]},
            outputs=[html_output("<h1>Customer value report: shop.csv</h1>")],
        ),
        new_markdown_cell("## 1. Checks"),
        new_code_cell(
            "fit()",
            outputs=[
                new_output("stream", name="stderr", text="RuntimeWarning: overflow in exp\n"),
                new_output("stream", name="stdout", text="kept 93,712 order lines\n"),
            ],
        ),
        new_markdown_cell("## 2. Cleaning"),
        new_code_cell(
            "display(summary)",
            metadata={"tags": ["executive_summary"]},
            outputs=[html_output('<div class="report-summary">SUMMARY FIRST</div>')],
        ),
        new_code_cell("check('12.1')", metadata={"tags": ["remove_cell"]}),
    ]
    notebook = new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    return notebook


def test_prepare_moves_the_summary_after_the_title_and_drops_course_cells():
    notebook = prepare(executed(), "Customer value report: shop.csv")
    sources = [c.source for c in notebook.cells]
    assert sources == [
        "display(title)",
        "display(summary)",
        "## 1. Checks",
        "fit()",
        "## 2. Cleaning",
    ]
    fit = notebook.cells[3]
    assert [o.get("name") for o in fit.outputs] == ["stdout"]  # the warning is gone
    assert notebook.metadata["title"] == "Customer value report: shop.csv"


def test_prepare_puts_the_summary_first_without_a_title_cell():
    notebook = executed()
    notebook.cells[1].metadata["tags"] = []
    sources = [c.source for c in prepare(notebook).cells]
    assert sources[0] == "display(summary)"


def test_render_html_is_standalone_and_printable(tmp_path):
    path = tmp_path / "report.ipynb"
    nbformat.write(executed(), path)
    target = render_html(path, tmp_path / "report.html", title="Customer value report: shop.csv")
    page = target.read_text(encoding="utf-8")
    assert "<title>Customer value report: shop.csv</title>" in page
    # nothing fetched from the internet: no script at all, no MathJax, no require.js
    assert "<script src" not in page and "mathjax" not in page.lower()
    assert "require.min.js" not in page and "mermaid.esm" not in page
    assert not re.search(r"""(src|href)=["']?https?://""", page)
    # the order a manager reads: title, summary, sections; no course cells, no warnings
    order = [page.index(s) for s in ["shop.csv</h1>", "SUMMARY FIRST", "1. Checks", "2. Cleaning"]]
    assert order == sorted(order)
    assert "12 · Customer value report" not in page and "RuntimeWarning" not in page
    assert "check(" not in page and "fit()" not in page  # no code
    assert "@page" in page and "break-inside: avoid" in page  # print styles


def test_plot_cleaning_steps_on_a_log_axis():
    report = pd.DataFrame(
        {
            "reason": ["missing customer id", "extreme quantity", "test account", "case fixed"],
            "action": ["removed", "removed", "removed", "fixed"],
            "rows": [96, 4, 0, 50],
            "revenue": [10.0, 5.0, 0.0, 0.0],
        }
    )
    report.attrs.update(rows_in=1000, rows_out=900, revenue_in=100.0, revenue_out=85.0)
    ax = plot_cleaning_steps(report)
    bars = sorted(ax.patches, key=lambda p: -p.get_y())  # top to bottom
    assert [round(b.get_width()) for b in bars] == [1000, 96, 4, 900]
    assert ax.get_xscale() == "log"
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == [
        "raw order lines",
        "removed: missing customer id",
        "removed: extreme quantity",
        "clean order lines",
    ]
    texts = {t.get_text().strip() for t in ax.texts}
    assert {"1,000 (100.0%)", "96 (9.6%)", "4 (0.4%)", "900 (90.0%)"} <= texts
    assert ax.get_title() == "Cleaning: 1,000 order lines in, 900 kept, 100 removed"
    plt.close(ax.figure)

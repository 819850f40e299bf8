"""Render the executed report notebook as a standalone HTML document for a manager.

:func:`render_html` uses nbconvert's ``lab`` template without code, and makes a document of it:

- the cells tagged ``remove_cell`` (the course's title, exercises, recorded results) are
  dropped; the cells tagged ``executive_summary``, computed at the end, move to just after the
  cell tagged ``report_title`` (the title from the data), so the summary comes first;
- warnings written to stderr while the notebook ran stay in ``report.ipynb`` but not in the
  document (what matters is said in the notes the report prints);
- no script or style is loaded from the internet: the template's MathJax, require.js,
  Mermaid and widget loaders are left out (:data:`OFFLINE_BLOCKS`; the report has no formula,
  no widget, no diagram), so the page renders offline; figures are inline PNGs;
- a style sheet for the report's tables and for printing (A4 margins, tables and figures not
  split across pages, wide outputs not clipped).
"""

from __future__ import annotations

import os
from pathlib import Path

from helpers.translation import gettext as _

__all__ = ["OFFLINE_BLOCKS", "REPORT_CSS", "document_language", "prepare", "render_html"]

#: Tag of the cells removed from the report.
REMOVE_TAG = "remove_cell"
#: Tag of the cell that shows the report's title (the summary follows it).
TITLE_TAG = "report_title"
#: Tag of the cells shown first, after the title.
SUMMARY_TAG = "executive_summary"

#: Styles for the report's tables, summary and print.
REPORT_CSS = """
main { max-width: 1100px; margin: 0 auto; }
.jp-RenderedHTMLCommon table.report-table { border-collapse: collapse; table-layout: auto;
  margin: 0.4em 0 1.2em; font-size: 13px; max-width: 100%; }
.jp-RenderedHTMLCommon table.report-table caption { caption-side: top; text-align: left;
  font-weight: 600; padding-bottom: 0.3em; }
.jp-RenderedHTMLCommon table.report-table th, .jp-RenderedHTMLCommon table.report-table td {
  padding: 4px 10px; text-align: left; vertical-align: top; white-space: normal;
  border-bottom: 1px solid #d0d4da; overflow-wrap: normal; word-break: normal; }
.jp-RenderedHTMLCommon table.report-table th { vertical-align: bottom; font-weight: 600;
  border-bottom: 2px solid #6b7280; }
.jp-RenderedHTMLCommon table.report-table .num { text-align: right;
  font-variant-numeric: tabular-nums; }
.jp-RenderedHTMLCommon table.report-table td.num { white-space: nowrap; }
.jp-RenderedHTMLCommon table.report-table td:not(.num) { min-width: 6em; }
.jp-RenderedHTMLCommon table.report-table tbody tr:nth-child(even) { background: #f6f7f9; }
.report-summary { border: 1px solid #c9d3e0; background: #f4f7fb; padding: 0.6em 1.4em;
  margin: 0.5em 0 1.5em; border-radius: 4px; }
.report-summary li { margin: 0.35em 0; }
.report-note { border-left: 4px solid #c44e52; padding: 0.2em 0.9em; background: #fbf3f3; }
.jp-RenderedHTMLCommon p, .jp-RenderedHTMLCommon li { max-width: 60em; }
@page { size: A4; margin: 16mm 14mm; }
@media print {
  main { max-width: none; }
  body { font-size: 10pt; }
  .jp-OutputArea-output, .jp-RenderedHTMLCommon, .jp-OutputArea { overflow: visible !important; }
  .jp-RenderedHTMLCommon table.report-table { font-size: 9pt; }
  table.report-table, .jp-RenderedImage, img, .report-summary, .report-note {
    break-inside: avoid; page-break-inside: avoid; }
  table.report-table thead { display: table-header-group; }
  table.report-table tr { break-inside: avoid; page-break-inside: avoid; }
  h1, h2, h3, h4 { break-after: avoid; page-break-after: avoid; }
  img { max-width: 100% !important; height: auto !important; }
}
"""

#: Blocks of nbconvert's lab template that load from the internet (require.js, MathJax,
#: Mermaid, the widget manager), emptied; also used by the course pages (scripts/build_course.py).
OFFLINE_BLOCKS = """
{%- block html_head_js_requirejs -%}{%- endblock html_head_js_requirejs -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}
"""

#: The lab template, without the internet, with the report's styles.
_TEMPLATE = (
    """{%- extends 'index.html.j2' -%}"""
    + OFFLINE_BLOCKS
    + """
{%- block extra_css -%}<style type="text/css">{{ resources.report_css }}</style>
{%- endblock extra_css -%}
"""
)


def prepare(notebook, title: str | None = None):
    """Make the executed notebook the report's cells, in the report's order (in place).

    Parameters
    ----------
    notebook : nbformat.NotebookNode
        The executed report notebook.
    title : str, optional
        The document's title (the page's ``<title>``).

    Returns
    -------
    nbformat.NotebookNode
        The same notebook: ``remove_cell`` cells dropped, ``executive_summary`` cells moved
        after the ``report_title`` cell (to the top when there is none), stderr outputs
        dropped.
    """

    def tags(cell) -> list[str]:
        return cell.get("metadata", {}).get("tags", [])

    cells = [c for c in notebook.cells if REMOVE_TAG not in tags(c)]
    for cell in cells:
        if cell.cell_type == "code":
            cell.outputs = [
                o
                for o in cell.outputs
                if not (o.get("output_type") == "stream" and o.get("name") == "stderr")
            ]
    summary = [c for c in cells if SUMMARY_TAG in tags(c)]
    rest = [c for c in cells if SUMMARY_TAG not in tags(c)]
    at = next((i + 1 for i, c in enumerate(rest) if TITLE_TAG in tags(c)), 0)
    notebook.cells = rest[:at] + summary + rest[at:]
    if title:
        notebook.metadata["title"] = title
    return notebook


def document_language(notebook) -> str:
    """Return the ISO 639-1 code of the language a report notebook was run in (``<html lang>``).

    Parameters
    ----------
    notebook : nbformat.NotebookNode
        The executed report notebook; ``customer_value_lab.language`` in its metadata is the
        gettext locale it was translated to (``zh_CN``), as
        :func:`helpers.translation.translate_notebook` records it.

    Returns
    -------
    str
        ``"zh"`` for a Chinese report, else ``"en"``.

    Examples
    --------
    >>> document_language({"metadata": {"customer_value_lab": {"language": "zh_CN"}}})
    'zh'
    """
    recorded = notebook.get("metadata", {}).get("customer_value_lab", {}).get("language", "en")
    return "zh" if str(recorded).lower().startswith("zh") else "en"


def render_html(
    executed: str | os.PathLike, target: str | os.PathLike, *, title: str | None = None
) -> Path:
    """Render an executed report notebook as a standalone HTML document without code.

    Parameters
    ----------
    executed : str or path-like
        The executed notebook.
    target : str or path-like
        The HTML file to write.
    title : str, optional
        The page's title; default what the notebook recorded as ``title``, else "Customer
        value report" (in the current language). The page's ``lang`` is the notebook's
        language (:func:`document_language`).

    Returns
    -------
    pathlib.Path
    """
    import jinja2
    import nbformat
    from nbconvert import HTMLExporter

    from helpers.notebook import read_results

    if title is None:
        title = str(read_results(executed).get("title") or _("Customer value report"))
    notebook = prepare(nbformat.read(executed, as_version=4), title)
    language = document_language(notebook)
    exporter = HTMLExporter(
        template_name="lab",
        extra_loaders=[jinja2.DictLoader({"report.html.j2": _TEMPLATE})],
        template_file="report.html.j2",
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        language_code=language,
    )
    body, _resources = exporter.from_notebook_node(notebook, resources={"report_css": REPORT_CSS})
    target = Path(target)
    target.write_text(body, encoding="utf-8")
    return target

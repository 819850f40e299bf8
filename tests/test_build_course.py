"""The course site: an index in course order and chapter pages linked to their neighbours.

The committed notebooks already carry their outputs, so the pages are rendered from them here
without executing anything (nbval and `make course` execute them).
"""

from __future__ import annotations

import json
import sys

from conftest import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
import build_course  # noqa: E402


def notebook(tmp_path, name, *markdown):
    cells = [{"cell_type": "markdown", "metadata": {}, "source": text} for text in markdown]
    path = tmp_path / name
    path.write_text(
        json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5})
    )
    return path


def test_the_goal_is_the_whole_first_paragraph(tmp_path):
    path = notebook(
        tmp_path,
        "07_x.ipynb",
        "# 07 · A title\n\nFirst line of the goal,\nsecond line of it.\n\nAnother paragraph.",
    )
    assert build_course.title_and_goal(path) == (
        "07 · A title",
        "First line of the goal, second line of it.",
    )


def test_chapters_are_found_in_course_order():
    names = [p.name for p in build_course.course_notebooks()]
    assert names[:2] == ["00_welcome.ipynb", "01_data_cleaning.ipynb"]
    assert names == sorted(names)


def test_index_and_pages_link_the_chapters_in_order(tmp_path):
    chapters = build_course.course_notebooks()[:2]
    index = build_course.write_index(chapters, tmp_path).read_text()
    assert index.index('href="00_welcome.html"') < index.index('href="01_data_cleaning.html"')
    assert "point a chapter at real data." in index  # the end of 00's goal paragraph
    first = build_course.render_html(chapters[0], tmp_path, (None, chapters[1])).read_text()
    assert first.count('href="01_data_cleaning.html"') == 2  # top and bottom navigation
    assert 'href="index.html"' in first
    assert "<img" in first or "image/png" in first  # the committed figures are in the page

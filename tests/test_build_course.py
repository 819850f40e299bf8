"""The course site: an index in course order and chapter pages linked to their neighbours.

The committed notebooks already carry their outputs, so the pages are rendered from them here
without executing anything (nbval and `make course` execute them).
"""

from __future__ import annotations

import json
import sys
import time
from functools import partial
from pathlib import Path

import pytest
from conftest import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
import build_course  # noqa: E402


def notebook(tmp_path, name, *markdown):
    cells = [
        {"cell_type": "markdown", "id": f"c{i}", "metadata": {}, "source": text}
        for i, text in enumerate(markdown)
    ]
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


def test_learners_see_no_test_machinery_and_the_index_renders_markdown(tmp_path):
    chapters = build_course.course_notebooks()
    index = build_course.write_index(chapters, tmp_path).read_text()
    # titles carry their own number: no numbered list on top of them; Markdown rendered
    assert "<ol" not in index and "**" not in index and "`" not in index
    assert "<code>" in index  # e.g. the goals' function names
    page = build_course.render_html(chapters[6], tmp_path, (None, None)).read_text()  # 06
    assert "NBVAL" not in page and "record(name" not in page and ">Results<" not in page
    assert "calibration" in page  # the chapter itself is there


def pretend_notebook(path: Path, log: Path, fail: str = "") -> None:
    """Stand-in for a notebook run (in a worker process): log start and end, fail if named."""
    with log.open("a") as out:
        out.write(f"{time.time()} start {path.name}\n")
    time.sleep(0.3)
    if path.name == fail:
        raise RuntimeError("cell 3 failed")
    with log.open("a") as out:
        out.write(f"{time.time()} end {path.name}\n")


def test_two_at_a_time_runs_every_notebook_once_and_overlaps(tmp_path, capsys):
    names = [Path(f"{i:02d}_x.ipynb") for i in range(5)]
    log = tmp_path / "log"
    build_course.run_all(names, partial(pretend_notebook, log=log), jobs=2)
    events = sorted(line.split() for line in log.read_text().splitlines())
    assert sorted(name for _, kind, name in events if kind == "end") == [p.name for p in names]
    running, most = 0, 0
    for _, kind, _ in events:
        running += 1 if kind == "start" else -1
        most = max(most, running)
    assert most == 2  # two notebooks at once, never more
    out = capsys.readouterr().out
    assert [f"[{i}/5]" in out for i in range(1, 6)] == [True] * 5  # a line as each one ends


def test_a_failing_notebook_stops_the_build_and_is_named(tmp_path, capsys):
    names = [Path(f"{i:02d}_x.ipynb") for i in range(8)]
    log = tmp_path / "log"
    with pytest.raises(RuntimeError, match="cell 3 failed"):
        build_course.run_all(names, partial(pretend_notebook, log=log, fail="01_x.ipynb"), jobs=2)
    assert "failed: 01_x.ipynb" in capsys.readouterr().out
    started = [line.split()[2] for line in log.read_text().splitlines() if " start " in line]
    assert len(started) < len(names)  # the notebooks not yet started were not run


# --- formulas rendered at build time (offline_math) -------------------------------------------

import offline_math  # noqa: E402


def tex(text):
    """The TeX of the formulas offline_math finds in a Markdown text."""
    return [(f.tex, f.display) for f in offline_math.find_math(text)]


@pytest.mark.parametrize(
    "prose",
    [
        "Plans cost $546 / $1,527 a year.",
        "A basket of £4.34, or $4.34 in dollars.",
        "from $5-$10 a month",
        "between $100k and $200k of revenue",
        "save $5 (about $4 after tax)",
        "US$5 and US$10",
        "a single price of $282.",
        "a price of \\$5 and \\$6 written escaped",
        "run `echo $HOME $PATH` in a shell",
        "``code with ` and $x$ inside``",
        "```bash\nexport A=$CVL_DATA_DIR\necho $A$B\n```",
        "a fee of $5\n\nand another of 6$ in the next paragraph",
    ],
)
def test_prices_escaped_dollars_and_code_are_not_formulas(prose):
    assert tex(prose) == []


def test_inline_and_displayed_tex_are_found():
    text = (
        "For $x = 0$ the rate $p$ and $(n-1)/n$; it costs $5 where $r + x$ counts.\n\n"
        "$$\n\\frac{d}{m-d}\n$$\nand `$not$` but $\\alpha$."
    )
    assert tex(text) == [
        ("x = 0", False),
        ("p", False),
        ("(n-1)/n", False),
        ("r + x", False),
        ("\\frac{d}{m-d}", True),
        ("\\alpha", False),
    ]


def test_a_dollar_inside_a_formula_can_be_escaped():
    assert tex(r"the price $\$5 + x$ here") == [(r"\$5 + x", False)]


def test_formulas_become_mathml_and_failures_show_their_tex():
    result = offline_math.MathResult()
    markdown = offline_math.replace_math("a $\\frac{1}{2}$ and $x^{$ b", result)
    assert "$" not in markdown and markdown.count("CVLMATH") == 2
    ok, bad = result.html
    bare = ok.replace("<mrow>", "").replace("</mrow>", "")  # the grouping rows aside
    assert ok.startswith("<math") and "<mfrac><mn>1</mn><mn>2</mn></mfrac>" in bare
    assert bad == '<code class="cvl-tex">$x^{$</code>'
    assert result.failed == ["x^{"] and result.converted == 1
    unknown, ok_ = offline_math.to_html("\\nosuchcommand x", display=True)
    assert not ok_ and unknown.startswith("<code")


def test_every_committed_notebook_keeps_its_prose_dollars():
    """Every $ the rule does not take is a shell variable in code, never TeX left behind."""
    import nbformat

    for path in build_course.course_notebooks():
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type != "markdown":
                continue
            left = offline_math.replace_math(cell.source, offline_math.MathResult())
            for line in left.splitlines():
                if "$" in line:  # only the shell variable of chapter 00's code block
                    assert "$CVL_DATA_DIR" in line, (path.name, line)
                assert "\\frac" not in line, (path.name, line)


def http_assets(page: str) -> list[str]:
    """Addresses on the internet that a page loads (src of any element, link href, CSS url)."""
    import re

    loads = re.findall(r"""\ssrc\s*=\s*["']?(https?:[^"'\s>]*)""", page, re.IGNORECASE)
    loads += re.findall(r"""<link\b[^>]*\bhref\s*=\s*["']?(https?:[^"'\s>]*)""", page, re.I)
    loads += re.findall(r"""(?:url\(|@import)\s*["']?(https?:[^"')\s]*)""", page, re.I)
    return loads


def test_http_assets_are_found_by_the_check():
    page = (
        '<script src="https://cdn.example/mathjax.js"></script>'
        "<link rel=stylesheet href='http://fonts.example/a.css'>"
        "<style>@import url(https://x.example/b.css)</style>"
        '<a href="https://scikit-learn.org/doc">a link is not an asset</a>'
    )
    assert len(http_assets(page)) == 3


def test_a_chapter_page_has_mathml_and_loads_nothing_from_the_internet(tmp_path):
    chapter = next(p for p in build_course.course_notebooks() if p.name.startswith("11_"))
    math = {}
    page = build_course.render_html(chapter, tmp_path, (None, None), math).read_text()
    assert http_assets(page) == []
    assert "mathjax" not in page.lower() and "require.min.js" not in page
    # 11's break-even formula: q'/q = m/(m-d), lift = d/(m-d), in one displayed block
    assert '<math display="block">' in page and page.count("<mfrac>") >= 3
    assert "\\frac" not in page and "CVLMATH" not in page
    assert math[chapter.stem].failed == [] and math[chapter.stem].converted >= 2


def test_prices_stay_prose_on_the_rendered_page(tmp_path):
    """Dollars in prose are text on the page, with their bold; only the TeX becomes MathML."""
    path = notebook(
        tmp_path,
        "07_x.ipynb",
        "# 07 · Prices\n\nPlans: **$5** and **$6** a month, $546 / $1,527 a year, £4.34 a "
        "basket, `echo $HOME`, and a rate $p$ per period.",
    )
    page = build_course.render_html(path, tmp_path, (None, None)).read_text()
    assert "<strong>$5</strong> and <strong>$6</strong>" in page
    assert "$546 / $1,527 a year, £4.34 a basket" in page
    assert "<code>echo $HOME</code>" in page
    assert page.count("<math") == 1 and "<mi>p</mi>" in page
    assert "\\$" not in page


def test_a_formula_never_closes_inside_a_code_span():
    assert tex("costs **$6**, see `$x` and $p$") == [("p", False)]
    assert offline_math.replace_math("**$5** or `$y`", offline_math.MathResult()) == (
        "**\\$5** or `$y`"
    )

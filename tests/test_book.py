"""The course book (``scripts/build_book.py``): Sphinx, myst-nb, the book theme, offline.

First the pieces on small inputs (links, names, glossary terms, folded solutions); then the
whole book, built once from the committed notebooks (no execution), read as files and opened
in headless Chromium (``tests/browser.py``): search finds the RFM chapter for "recency",
formulas are typeset by the book's own MathJax, solutions are folded, every internal link and
anchor resolves, no page asks the internet for anything, and every public function and class
of ``helpers`` has its entry in the API reference. Screenshots of the home page, a chapter and
the search go to ``build/screenshots/``. Outside CI the browser tests skip without Chromium;
in CI (``CI=true``) a missing browser fails them.
"""

from __future__ import annotations

import asyncio
import importlib
import inspect
import os
import pkgutil
import re
import sys
import time
from pathlib import Path
from urllib.parse import unquote, urlparse

import nbformat
import pytest
from browser import DevTools, launch
from conftest import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
import build_book  # noqa: E402
import i18n  # noqa: E402
from build_course import course_notebooks  # noqa: E402

pytestmark = pytest.mark.notebook  # builds the book from the notebooks (not in make test-lowest)

SCREENSHOTS = ROOT / "build" / "screenshots"


# --- the pieces ------------------------------------------------------------------------------


def test_links_to_repository_files_become_book_pages():
    text = (
        "[sources](../docs/sources.md), [RFM](04_rfm.ipynb#scores), [data](../datasets/README.md)"
        ", [web](https://example.org/a.md) and [here](#top)"
    )
    assert build_book.relink(text, "notebooks") == (
        "[sources](sources.md), [RFM](04_rfm.ipynb#scores), [data](data.md)"
        ", [web](https://example.org/a.md) and [here](#top)"
    )
    assert build_book.relink("[c](../notebooks/06_churn.ipynb)", "docs") == "[c](06_churn.ipynb)"


def test_names_of_helpers_in_code_link_to_the_reference_and_others_stay_code():
    text = "`rfm.rfm_table()`, `datasets.RetailData`, `df.groupby`, `rfm.no_such`, ```x```"
    assert build_book.link_api(text) == (
        "{py:obj}`rfm.rfm_table() <helpers.rfm.rfm_table>`, "
        "{py:obj}`datasets.RetailData <helpers.datasets.RetailData>`, "
        "`df.groupby`, `rfm.no_such`, ```x```"
    )
    # data are linked only where they are assigned (the reference documents them there)
    assert build_book.helpers_object("value.DAYS_PER_MONTH") == "helpers.value.DAYS_PER_MONTH"
    assert build_book.helpers_object("cleaning.NON_PRODUCT_CODES") is None


GLOSSARY = """# Glossary

## Data

| English | 中文 | chapter | meaning in this course |
|---|---|---|---|
| cancellation (return) | 退货 | [01](../notebooks/01_data_cleaning.ipynb) | goods taken back |
| cutoff | 截止日 | [06](../notebooks/06_churn.ipynb) | the day features end |
"""


def test_the_glossary_becomes_a_sphinx_glossary_in_english_and_chinese():
    page = build_book.glossary_page(GLOSSARY)
    assert ":::{glossary}\ncancellation (return)\n退货\n  goods taken back (chapter [01]" in page
    assert "(01_data_cleaning.ipynb)" in page and page.rstrip().endswith(":::")
    assert "| English |" not in page


def test_the_first_bold_use_of_a_term_in_a_chapter_links_to_the_glossary():
    terms = build_book.glossary_terms(GLOSSARY)
    assert terms == {"cancellation": "cancellation (return)", "cutoff": "cutoff"}
    linked: set[str] = set()
    first = build_book.link_terms("A **cutoff**, a **Cancellation**, **bold**.", terms, linked)
    assert first == (
        "A **{term}`cutoff <cutoff>`**, a **{term}`Cancellation <cancellation (return)>`**, "
        "**bold**."
    )
    assert build_book.link_terms("again **cutoff**", terms, linked) == "again **cutoff**"


def chapter_with_exercise() -> nbformat.NotebookNode:
    return nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_markdown_cell("# 99 · A chapter\n\nRead `rfm.rfm_table`."),
            nbformat.v4.new_code_cell("# NBVAL_IGNORE_OUTPUT\nx = 1"),
            nbformat.v4.new_code_cell("answer = 42", metadata={"tags": ["solution"]}),
            nbformat.v4.new_code_cell('exercises.check("99.1", answer)'),
            nbformat.v4.new_markdown_cell("## Results"),
            nbformat.v4.new_code_cell('results = {"a": 1}\nfor k, v in results.items():\n'
                                      "    record(k, v)"),
        ]
    )  # fmt: skip


def test_a_chapter_in_the_book_folds_its_solutions_and_hides_the_test_machinery():
    chapter = build_book.book_notebook(chapter_with_exercise(), "99_x.ipynb", student=False)
    sources = [cell.source for cell in chapter.cells]
    assert "NBVAL" not in "".join(sources) and "## Results" not in sources
    assert not any("record(" in s for s in sources)
    solution = chapter.cells[2]
    assert solution.source == "answer = 42"
    assert "hide-input" in solution.metadata["tags"]
    assert solution.metadata["mystnb"]["code_prompt_show"] == "Show the solution"
    assert "{py:obj}`rfm.rfm_table <helpers.rfm.rfm_table>`" in chapter.cells[0].source
    student = build_book.book_notebook(chapter_with_exercise(), "99_x.ipynb", student=True)
    assert "42" not in "".join(cell.source for cell in student.cells)
    assert all(not cell.get("outputs") for cell in student.cells if cell.cell_type == "code")


def test_the_report_page_is_the_readme_section():
    page = build_book.report_page(build_book.readme_parts()["report"])
    assert page.startswith("# Run the report on your own data\n")
    assert "## What the report accepts" in page and "## Layout" not in page


# --- a quick book: prices stay prose ---------------------------------------------------------


def test_prices_stay_prose_and_only_tex_is_a_formula(tmp_path):
    chapter = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_markdown_cell(
                "# 07 · Prices\n\nPlans: **\\$5** and **\\$6** a month, \\$546 / \\$1,527 a "
                "year, £4.34 a basket, `echo $HOME`, and a rate $p$ per period:\n\n"
                "$$\\frac{m}{m - d}$$"
            )
        ]
    )
    nbformat.write(chapter, tmp_path / "07_prices.ipynb")
    index = build_book.build([tmp_path / "07_prices.ipynb"], tmp_path / "out", full=False)
    page = (index.parent / "07_prices.html").read_text(encoding="utf-8")
    assert "<strong>$5</strong> and <strong>$6</strong>" in page
    assert "$546 / $1,527 a year, £4.34 a basket" in page
    assert '<span class="pre">$HOME</span>' in page
    assert page.count('class="math notranslate nohighlight"') == 2
    assert "\\(p\\)" in page and "\\frac{m}{m - d}" in page


# --- the whole book ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def editions(tmp_path_factory) -> tuple[Path, Path]:
    """The English book and the Chinese one, side by side, each linking to the other."""
    root = tmp_path_factory.mktemp("book")
    out, zh = root / "site", root / "site-zh"
    started = time.perf_counter()
    build_book.build(course_notebooks(), out, other="../site-zh")
    translated = root / "translated"
    i18n.apply(ROOT / "notebooks", translated)
    chapters = [translated / path.name for path in course_notebooks()]
    build_book.build(chapters, zh, lang="zh", root=translated, other="../site")
    print(f"both books built in {time.perf_counter() - started:.0f} s")
    return out, zh


@pytest.fixture(scope="module")
def book(editions) -> Path:
    return editions[0]


@pytest.fixture(scope="module")
def book_zh(editions) -> Path:
    return editions[1]


def test_every_chapter_and_guide_is_a_page(book):
    pages = {p.name for p in book.glob("*.html")}
    assert {f"{p.stem}.html" for p in course_notebooks()} <= pages
    guides = {"teaching", "glossary", "report", "data", "gallery", "benchmarks", "sources"}
    assert {f"{g}.html" for g in guides} <= pages
    assert {"search.html", "api.html", "genindex.html"} <= pages
    gallery = (book / "gallery.html").read_text(encoding="utf-8")
    assert gallery.count("<img") >= 30


def http_assets(page: str) -> list[str]:
    """Addresses on the internet that a page loads (src of any element, link href, CSS url)."""
    loads = re.findall(r"""\ssrc\s*=\s*["']?((?:https?:)?//[^"'\s>]*)""", page, re.I)
    loads += re.findall(r"""<link\b[^>]*\bhref\s*=\s*["']?((?:https?:)?//[^"'\s>]*)""", page, re.I)
    loads += re.findall(r"""(?:url\(|@import)\s*["']?((?:https?:)?//[^"')\s]*)""", page, re.I)
    return loads


def test_http_assets_are_found_by_the_check():
    page = (
        '<script src="https://cdn.example/mathjax.js"></script>'
        "<link rel=stylesheet href='//fonts.example/a.css'>"
        "<style>@import url(https://x.example/b.css)</style>"
        '<a href="https://scikit-learn.org/doc">a link is not an asset</a>'
    )
    assert len(http_assets(page)) == 3


def test_no_page_or_stylesheet_loads_anything_from_the_internet(book):
    for path in [*book.rglob("*.html"), *book.rglob("*.css")]:
        assert http_assets(path.read_text(encoding="utf-8", errors="replace")) == [], path
    assert (book / "_static" / "mathjax" / "tex-chtml.js").is_file()


def public_objects() -> dict[str, list[str]]:
    """Every public function and class of helpers, by the module that defines it."""
    import helpers

    found: dict[str, list[str]] = {}
    for info in pkgutil.walk_packages(helpers.__path__, "helpers."):
        if any(part.startswith("_") for part in info.name.split(".")):
            continue  # a private module: not part of the reference
        module = importlib.import_module(info.name)
        names = [
            name
            for name, obj in vars(module).items()
            if not name.startswith("_")
            and (inspect.isfunction(obj) or inspect.isclass(obj))
            and obj.__module__ == info.name
        ]
        found[info.name] = names
    return found


def test_every_public_function_and_class_of_helpers_is_in_the_api_reference(book):
    objects = public_objects()
    assert len(objects) >= 80 and sum(map(len, objects.values())) >= 300
    for module, names in objects.items():
        page = (book / "api" / f"{module}.html").read_text(encoding="utf-8")
        missing = [n for n in names if f'id="{module}.{n}"' not in page]
        assert not missing, (module, missing)
    # chapters link the helpers they use to their entries
    rfm = (book / "04_rfm.html").read_text(encoding="utf-8")
    assert 'href="api/helpers.rfm.html#helpers.rfm.rfm_table"' in rfm
    assert 'href="glossary.html#term-recency-R"' in rfm


@pytest.fixture(scope="module")
def chromium(tmp_path_factory):
    with launch(tmp_path_factory.mktemp("chromium-profile")) as url:
        yield url


#: Collected in a page once it has loaded (MathJax typesets after the load event: waited for).
INSPECT = """(async () => {
  if (window.MathJax && MathJax.startup) { await MathJax.startup.promise; }
  const article = document.querySelector("article") || document.body;
  const folded = Array.from(document.querySelectorAll("details.hide"));
  return {
    title: document.title,
    text: article.innerText,
    links: Array.from(document.querySelectorAll("a[href]")).map(a => a.href),
    ids: Array.from(document.querySelectorAll("[id]")).map(e => e.id),
    broken: Array.from(document.images)
      .filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src.slice(0, 80)),
    sourceMath: document.querySelectorAll(".math").length,
    typeset: document.querySelectorAll("mjx-container").length,
    folded: folded.length,
    openFolds: folded.filter(d => d.open).length,
    solutionText: folded.map(d => d.querySelector("summary").innerText).join("|"),
  };
})()"""


async def _inspect(tools: DevTools, url: str) -> dict:
    tools.events.clear()
    await tools.call("Page.navigate", url=url)
    await tools.wait_for("Page.loadEventFired")
    result = await tools.call(
        "Runtime.evaluate", expression=INSPECT, awaitPromise=True, returnByValue=True
    )
    return result["result"]["value"]


def dollar_formulas(chapter: Path) -> tuple[int, int]:
    """Count a chapter's formulas directly: $$...$$ blocks, then $...$ (all of its $ are TeX)."""
    text = "\n".join(
        c.source for c in nbformat.read(chapter, as_version=4).cells if c.cell_type == "markdown"
    )
    text = text.replace("\\$", "")  # an escaped dollar is a price, not TeX
    displayed = len(re.findall(r"\$\$.+?\$\$", text, flags=re.DOTALL))
    rest = re.sub(r"\$\$.+?\$\$", "", text, flags=re.DOTALL)
    rest = re.sub(r"`[^`]*`", "", rest)  # code spans
    return displayed, len(re.findall(r"\$[^$]+?\$", rest))


def local_target(link: str) -> tuple[Path, str] | None:
    parsed = urlparse(link)
    if parsed.scheme != "file":
        return None
    return Path(unquote(parsed.path)), unquote(parsed.fragment)


def test_the_book_in_a_real_browser(book, chromium):
    pages = sorted(book.glob("*.html")) + sorted((book / "api").glob("*.html"))[:5]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    async def visit() -> tuple[dict[str, dict], dict, list[str]]:
        seen = {}
        async with DevTools(chromium) as tools:
            await tools.call("Page.enable")
            await tools.call("Network.enable")
            for page in pages:
                seen[str(page.relative_to(book))] = await _inspect(tools, page.as_uri())
                if page.name == "index.html":
                    await tools.screenshot(SCREENSHOTS / "book_home.png")
                if page.name == "08_clv_models.html":
                    await tools.screenshot(SCREENSHOTS / "book_chapter_08.png")
            search = await _inspect(tools, (book / "search.html").as_uri() + "?q=recency")
            for _ in range(100):  # the results arrive one by one after the index has loaded
                finished = await tools.evaluate(
                    "(document.querySelector('#search-results .search-summary') || {})"
                    ".innerText || ''"
                )
                if "found" in finished:
                    break
                await asyncio.sleep(0.2)
            hits = await tools.evaluate(
                "Array.from(document.querySelectorAll('#search-results li > a'))"
                ".map(a => a.getAttribute('href'))"
            )
            await tools.screenshot(SCREENSHOTS / "book_search.png")
            chinese = await _inspect(tools, (book.with_name("site-zh") / "04_rfm.html").as_uri())
            await tools.screenshot(SCREENSHOTS / "book_zh_chapter_04.png")
            seen["zh/04_rfm.html"] = chinese
            return seen, {**search, "hits": hits}, tools.requests()

    seen, search, requests = asyncio.run(visit())
    # nothing from the internet
    assert [r for r in requests if not r.startswith(("file:", "data:"))] == []
    # search works from file:// and finds the RFM chapter for "recency"
    assert any(hit.startswith("04_rfm.html") for hit in search["hits"]), search["hits"][:10]
    # formulas: one per formula of the notebook, each typeset by the book's MathJax
    for stem in ("03_customer_tiers", "08_clv_models", "11_strategy"):
        page = seen[f"{stem}.html"]
        assert page["sourceMath"] == sum(dollar_formulas(ROOT / "notebooks" / f"{stem}.ipynb"))
        assert page["typeset"] == page["sourceMath"] >= 2, stem
        assert "$$" not in page["text"] and "\\frac" not in page["text"], stem
    # solutions folded, closed
    chapter = seen["04_rfm.html"]
    assert chapter["folded"] >= 3 and chapter["openFolds"] == 0
    assert "Show the solution" in chapter["solutionText"]
    # every page loads with a title, its images, and links and anchors that resolve
    for name, page in seen.items():
        assert page["title"] and len(page["text"]) > 100, name
        assert page["broken"] == [], (name, page["broken"])
        for link in page["links"]:
            target = local_target(link)
            if target is None:
                continue
            file, fragment = target
            if file.is_dir():
                file = file / "index.html"
            inside = book in file.parents or book.with_name("site-zh") in file.parents
            assert file.is_file() and inside, f"{name}: broken link {link}"
            if fragment and file.suffix == ".html":
                assert f'id="{fragment}"' in file.read_text(encoding="utf-8"), (name, link)
    # the chapters in order, each a sidebar link away from every other
    chapters = [f"{p.stem}.html" for p in course_notebooks()]
    home = [
        local_target(link)[0].name for link in seen["index.html"]["links"] if local_target(link)
    ]
    assert [c for c in home if c in chapters][: len(chapters)] == chapters
    # the Chinese chapter: Chinese text, its solutions folded under a Chinese prompt
    chinese = seen["zh/04_rfm.html"]
    assert sum("\u4e00" <= ch <= "\u9fff" for ch in chinese["text"]) > 1000
    assert "显示参考答案" in chinese["solutionText"]
    shots = ("book_home.png", "book_chapter_08.png", "book_search.png", "book_zh_chapter_04.png")
    for shot in shots:
        data = (SCREENSHOTS / shot).read_bytes()
        assert data.startswith(b"\x89PNG") and len(data) > 10_000, shot


# --- the Chinese edition ------------------------------------------------------------------------


def _edition_link(page: Path) -> Path | None:
    match = re.search(
        r'<p class="edition-link"><a href="([^"]+)"', page.read_text(encoding="utf-8")
    )
    return None if match is None else (page.parent / unquote(match[1])).resolve()


def test_the_editions_link_to_each_other_page_by_page(book, book_zh):
    for here, there in ((book, book_zh), (book_zh, book)):
        # every page of the book (Sphinx's own index and search pages have no body to link in)
        special = {"genindex.html", "search.html", "py-modindex.html"}
        pages = [
            p
            for p in sorted(here.rglob("*.html"))
            if "_static" not in p.parts and p.name not in special
        ]
        assert len(pages) > 50
        for page in pages:
            counterpart = (there / page.relative_to(here)).resolve()
            assert _edition_link(page) == counterpart, page.relative_to(here)
            assert counterpart.is_file(), counterpart


def test_chapter_12_keeps_its_title_and_exercises_in_the_book(book, book_zh):
    # the cells the HTML report leaves out (title, exercises) belong to the course's page
    for site, title in ((book, "12 · Customer value report"), (book_zh, "12 · 客户价值报告")):
        page = (site / "12_customer_value_report.html").read_text(encoding="utf-8")
        assert f"<title>{title} &#8212;" in page.replace("\u2014", "&#8212;"), site
        assert "12.1 ·" in page  # the first exercise's heading


def test_the_chinese_edition_is_in_chinese(book_zh):
    home = (book_zh / "index.html").read_text(encoding="utf-8")
    assert '<html lang="zh-CN"' in home and "各章" in home
    for chapter in course_notebooks():
        text = re.sub(r"<[^>]+>", " ", (book_zh / f"{chapter.stem}.html").read_text("utf-8"))
        assert sum("\u4e00" <= ch <= "\u9fff" for ch in text) > 500, chapter.stem
    for guide in ("teaching", "sources", "glossary", "report", "data"):
        text = (book_zh / f"{guide}.html").read_text(encoding="utf-8")
        assert sum("\u4e00" <= ch <= "\u9fff" for ch in text) > 300, guide


def test_a_font_for_chinese_is_installed():
    # Chromium draws Chinese with the system's fonts: without a CJK font the pages show boxes
    import shutil
    import subprocess

    if shutil.which("fc-list") is None:
        pytest.skip("fontconfig is not installed")
    fonts = subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True).stdout
    if not fonts.strip():
        reason = "no font for Chinese (apt-get install fonts-noto-cjk; .ci/run does it)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)

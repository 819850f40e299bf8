"""The course website, opened in a real headless browser (Chromium, driven over DevTools).

The site is built from the committed notebooks (no execution) into a temporary folder. Every
page is loaded in Chromium; the test checks that it loads with its title, that every image
has been decoded by the browser, that every internal link points to a file of the site (and
every in-page anchor to an element), and that the chapters are linked in course order. No page
loads anything from the internet, and the chapters with formulas show them as MathML laid out
by the browser, one ``<math>`` per formula of the notebook, with no raw TeX left in the text.
It saves screenshots of the home page and of chapters 03 and 08 to ``build/screenshots/``.

Chromium comes from Debian's packages; ``.ci/run`` installs it when missing. Outside CI the
test skips when no Chromium is found; in CI (``CI=true``) a missing browser is a failure
(``tests/browser.py``).
"""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest
from browser import DevTools, launch
from conftest import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
import build_site  # noqa: E402

pytestmark = pytest.mark.notebook

SCREENSHOTS = ROOT / "build" / "screenshots"

#: Collected in the page once it has loaded: title, broken images, links and anchors.
INSPECT = """(() => {
  const images = Array.from(document.images);
  return {
    title: document.title,
    images: images.length,
    broken: images.filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src.slice(0, 80)),
    links: Array.from(document.querySelectorAll("a[href]")).map(a => a.href),
    // a fragment finds its element as written or percent-decoded (the HTML standard)
    missingAnchors: Array.from(document.querySelectorAll('a[href^="#"]'))
      .map(a => a.getAttribute("href").slice(1))
      .filter(id => id && !document.getElementById(id)
                 && !document.getElementById(decodeURIComponent(id))),
    text: document.body.innerText.length,
  };
})()"""


#: In a chapter page: the visible text, and the MathML formulas as the browser laid them out.
MATH = """(() => {
  const maths = Array.from(document.querySelectorAll("math"));
  return {
    text: document.body.innerText,
    prose: Array.from(document.querySelectorAll(".jp-MarkdownCell .jp-RenderedMarkdown"))
      .map(cell => cell.innerText).join("\\n"),
    math: maths.length,
    displayed: maths.filter(m => m.getAttribute("display") === "block").length,
    mathml: maths.filter(m => m.namespaceURI === "http://www.w3.org/1998/Math/MathML").length,
    laidOut: maths.filter(m => m.getBoundingClientRect().width > 0).length,
    fractions: document.querySelectorAll("mfrac").length,
    failed: document.querySelectorAll("code.cvl-tex").length,
  };
})()"""


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("site")
    started = time.perf_counter()
    pages = build_site.build(out)
    print(f"site built in {time.perf_counter() - started:.1f} s: {len(pages)} pages")
    return out, pages


def dollar_formulas(chapter: Path) -> tuple[int, int]:
    """Count a chapter's formulas directly: $$...$$ blocks, then $...$ (all of its $ are TeX)."""
    import re

    import nbformat

    text = "\n".join(
        c.source for c in nbformat.read(chapter, as_version=4).cells if c.cell_type == "markdown"
    )
    displayed = len(re.findall(r"\$\$.+?\$\$", text, flags=re.DOTALL))
    rest = re.sub(r"\$\$.+?\$\$", "", text, flags=re.DOTALL)
    return displayed, len(re.findall(r"\$[^$]+?\$", rest))


def test_no_page_loads_anything_from_the_internet(site):
    from test_build_course import http_assets

    out, pages = site
    for page in out.glob("*.html"):
        assert http_assets(page.read_text(encoding="utf-8")) == [], page.name


@pytest.mark.parametrize("stem", ["03_customer_tiers", "08_clv_models", "11_strategy"])
def test_formulas_are_mathml_in_a_real_browser_not_raw_tex(site, chromium, stem):
    out, _ = site
    displayed, inline = dollar_formulas(ROOT / "notebooks" / f"{stem}.ipynb")
    assert displayed >= 1

    async def visit() -> dict:
        async with DevTools(chromium) as tools:
            await tools.call("Page.enable")
            seen = await tools.open((out / f"{stem}.html").as_uri(), MATH)
            if stem.startswith("08_"):
                SCREENSHOTS.mkdir(parents=True, exist_ok=True)
                await tools.evaluate(
                    'document.querySelector("math[display=block]").scrollIntoView()'
                )
                await tools.screenshot(SCREENSHOTS / "site_chapter_08_formulas.png")
        return seen

    seen = asyncio.run(visit())
    assert seen["failed"] == 0
    assert seen["math"] == seen["mathml"] == seen["laidOut"] == displayed + inline
    assert seen["displayed"] == displayed
    assert seen["fractions"] >= 1
    for raw in ("\\frac", "$$", "\\text", "CVLMATH"):
        assert raw not in seen["text"], (stem, raw)
    assert len(seen["prose"]) > 2000
    assert "$" not in seen["prose"], stem  # their prose has no prices in dollars, only TeX


@pytest.fixture(scope="module")
def chromium(tmp_path_factory):
    with launch(tmp_path_factory.mktemp("chromium-profile")) as url:
        yield url


def local_target(link: str) -> tuple[Path, str] | None:
    """The file and fragment of a link into the site, or None for an external link."""
    parsed = urlparse(link)
    if parsed.scheme != "file":
        return None
    return Path(unquote(parsed.path)), parsed.fragment


def test_every_page_loads_with_its_images_and_links_in_a_real_browser(site, chromium):
    out, pages = site
    chapters = [p for p in pages if p.name[:2].isdigit()]
    assert len(chapters) >= 9 and pages[0].name == "index.html"
    assert {"teaching.html", "glossary.html"} <= {p.name for p in pages}

    async def visit() -> dict[str, dict]:
        seen = {}
        async with DevTools(chromium) as tools:
            await tools.call("Page.enable")
            for page in pages:
                seen[page.name] = await tools.open(page.as_uri(), INSPECT)
                if page.name == "index.html":
                    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
                    await tools.screenshot(SCREENSHOTS / "site_home.png")
                if page.name.startswith("03_"):
                    await tools.screenshot(SCREENSHOTS / "site_chapter_03.png")
        return seen

    seen = asyncio.run(visit())

    for name, page in seen.items():
        assert page["title"] and page["text"] > 200, (name, page["title"])
        assert page["broken"] == [], (name, page["broken"])
        assert page["missingAnchors"] == [], (name, page["missingAnchors"])
        for link in page["links"]:
            target = local_target(link)
            if target is None:
                continue
            file, _ = target
            assert file.is_file() and out in file.parents, f"{name}: broken link {link}"
    # chapters carry their figures, and link to the previous and next chapter
    for i, chapter in enumerate(chapters):
        page = seen[chapter.name]
        linked = {local_target(link)[0].name for link in page["links"] if local_target(link)}
        assert {"index.html", "teaching.html", "glossary.html"} <= linked, chapter.name
        if i > 0:
            assert chapters[i - 1].name in linked, chapter.name
        if i + 1 < len(chapters):
            assert chapters[i + 1].name in linked, chapter.name
    assert seen["03_customer_tiers.html"]["images"] >= 5
    home = {local_target(link)[0].name for link in seen["index.html"]["links"]}
    assert {c.name for c in chapters} <= home
    for shot in ("site_home.png", "site_chapter_03.png"):
        data = (SCREENSHOTS / shot).read_bytes()
        assert data.startswith(b"\x89PNG") and len(data) > 10_000, shot

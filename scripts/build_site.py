"""Build the course website: the executed notebooks and the guides as linked static HTML.

    python scripts/build_site.py                 # build/site/index.html
    python scripts/build_site.py --out DIR

The chapter pages are rendered from the committed notebooks in ``notebooks/``, which carry
their outputs (``make execute`` refreshes them), so nothing is executed and the build takes
seconds. Every page has the same navigation bar (course index, the previous and next chapter,
the teacher's guide, the glossary, the sources); on chapter pages each exercise's solution is
folded under "Show the solution". The guides in ``docs/`` are Markdown; links from them to
``../notebooks/NN_topic.ipynb`` become links to the chapter pages, and links from a chapter to
``../docs/X.md`` links to the guide's page. Formulas are MathML made at build time
(``offline_math``) and no page loads anything from the internet. The site is plain files:
open ``index.html`` in a browser, or serve the folder with any static web server.
"""

from __future__ import annotations

import argparse
import html
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from build_course import (  # noqa: E402
    ROOT,
    course_notebooks,
    math_summary,
    render_html,
    write_index,
)
from offline_math import MathResult, insert_math, replace_math  # noqa: E402

DOCS = ROOT / "docs"
#: The guides, in the order of the navigation bar: (file in docs/, page, link text).
GUIDES = [
    ("teaching.md", "teaching.html", "Teacher's guide"),
    ("glossary.md", "glossary.html", "Glossary"),
    ("sources.md", "sources.html", "Sources"),
]

STYLE = """<style>
.cvl-nav{padding:.8em 1em;font-family:sans-serif;background:#f4f6f8;border-bottom:1px solid #dde}
.cvl-nav a{margin-right:1.2em}
details.cvl-solution{margin:.3em 0 .3em 0}
details.cvl-solution>summary{cursor:pointer;color:#4C72B0;font-family:sans-serif;padding:.2em 1em}
</style>"""

#: Folds every cell tagged ``solution`` (nbconvert gives it the class ``celltag_solution``).
FOLD_SOLUTIONS = """<script>
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll(".celltag_solution").forEach(function (cell) {
    var box = document.createElement("details");
    box.className = "cvl-solution";
    box.innerHTML = "<summary>Show the solution</summary>";
    cell.parentNode.insertBefore(box, cell);
    box.appendChild(cell);
  });
});
</script>"""

GUIDE_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>{title} - Customer Value Lab</title>{style}
<style>main{{font-family:sans-serif;max-width:56em;margin:1.5em auto;line-height:1.5;padding:0 1em}}
table{{border-collapse:collapse}}
td,th{{border:1px solid #ccd;padding:.25em .6em;vertical-align:top}}
code{{background:#f4f6f8}}</style></head>
<body>{nav}<main>{body}</main></body></html>"""


def nav_links(previous: str | None = None, following: str | None = None) -> str:
    """The navigation bar: index, previous and next chapter (when given) and the guides."""
    links = ['<a href="index.html">Course index</a>']
    if previous:
        links.append(f'<a href="{previous}.html">&larr; {html.escape(previous)}</a>')
    if following:
        links.append(f'<a href="{following}.html">{html.escape(following)} &rarr;</a>')
    links += [f'<a href="{page}">{text}</a>' for _, page, text in GUIDES]
    return f'<nav class="cvl-nav">{"".join(links)}</nav>'


def chapter_page(
    notebook: Path,
    out: Path,
    previous: Path | None,
    following: Path | None,
    math: dict[str, MathResult] | None = None,
) -> Path:
    """Render one chapter (build_course's page) with the site's navigation and folded solutions."""
    page = render_html(notebook, out, (previous, following), math)
    text = page.read_text(encoding="utf-8")
    # build_course puts its own navigation after <body> and before </body>: use the site's
    text = re.sub(r'<nav style="[^"]*">.*?</nav>', "", text, flags=re.DOTALL)
    for source, guide, _ in GUIDES:  # links from the chapter to docs/ go to the guide pages
        text = text.replace(f'href="../docs/{source}', f'href="{guide}')
    nav = nav_links(previous and previous.stem, following and following.stem)
    start = text.index(">", text.index("<body")) + 1
    text = text[:start] + nav + text[start:].replace("</body>", nav + "</body>", 1)
    text = text.replace("</head>", STYLE + FOLD_SOLUTIONS + "</head>", 1)
    page.write_text(text, encoding="utf-8")
    return page


def markdown_to_html(text: str, chapters: list[str]) -> str:
    """Render a guide's Markdown; links to the notebooks and the other guides become pages.

    Formulas become MathML as on the chapter pages (``offline_math``).
    """
    import mistune

    render = mistune.create_markdown(escape=False, plugins=["table", "strikethrough"])
    formulas = MathResult()
    body = insert_math(render(replace_math(text, formulas)), formulas)
    for stem in chapters:
        body = body.replace(f'href="../notebooks/{stem}.ipynb', f'href="{stem}.html')
    for source, page, _ in GUIDES:
        body = body.replace(f'href="{source}', f'href="{page}')
    return body


def guide_page(source: Path, page: str, title: str, out: Path, chapters: list[str]) -> Path:
    """Render a guide from docs/ to ``out/page``."""
    body = markdown_to_html(source.read_text(encoding="utf-8"), chapters)
    target = out / page
    target.write_text(
        GUIDE_PAGE.format(title=html.escape(title), style=STYLE, nav=nav_links(), body=body),
        encoding="utf-8",
    )
    return target


def index_page(notebooks: list[Path], out: Path) -> Path:
    """The course index (build_course's) with the navigation bar and a section on the guides."""
    index = write_index(
        notebooks,
        out,
        "The pages show the committed notebooks' outputs on the embedded synthetic dataset; "
        "the tests re-execute every chapter and check that a fresh run shows the same.",
    )
    guides = "".join(
        f'<li><a href="{page}">{text}</a></li>'
        for source, page, text in GUIDES
        if (DOCS / source).is_file()
    )
    text = index.read_text(encoding="utf-8")
    start = text.index(">", text.index("<body")) + 1
    text = text[:start] + nav_links() + text[start:]
    text = text.replace("</head>", STYLE + "</head>", 1)
    text = text.replace(
        "</body>",
        "<h2>For teachers and learners</h2><ul>" + guides + "</ul>"
        "<p>Exercises close every chapter; on these pages their solutions are folded. "
        "The student edition (<code>make student</code>) has stubs instead.</p></body>",
        1,
    )
    index.write_text(text, encoding="utf-8")
    return index


def build(
    out: Path, notebooks: list[Path] | None = None, math: dict[str, MathResult] | None = None
) -> list[Path]:
    """Build the whole site into ``out``; return the pages written, the index first.

    When ``math`` is given, each chapter's formulas are recorded in it (``offline_math``).
    """
    notebooks = notebooks or course_notebooks()
    out.mkdir(parents=True, exist_ok=True)
    pages = [index_page(notebooks, out)]
    for i, path in enumerate(notebooks):
        previous = notebooks[i - 1] if i > 0 else None
        following = notebooks[i + 1] if i + 1 < len(notebooks) else None
        pages.append(chapter_page(path, out, previous, following, math))
    chapters = [p.stem for p in notebooks]
    pages += [
        guide_page(DOCS / source, page, text, out, chapters)
        for source, page, text in GUIDES
        if (DOCS / source).is_file()
    ]
    return pages


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "site")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    math: dict[str, MathResult] = {}
    pages = build(args.out, math=math)
    print(math_summary(math))
    print(
        f"site: {len(pages)} pages in {time.perf_counter() - started:.1f} s; "
        f"open {pages[0].resolve()}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Build the course book: Sphinx with myst-nb and the book theme, from executed notebooks.

    python scripts/build_book.py --out build/site                  # from notebooks/ (committed)
    python scripts/build_book.py --from build/notebooks --out build/html   # what make course does
    python scripts/build_book.py --student --out build/student-site        # without solutions

The book is the chapters as learners see them (``learner_view``: no test markers, no results
cells, no glue comments), each exercise's solution folded under "Show the solution" (or, with
``--student``, replaced by a stub and every output cleared), the guides of ``docs/`` (the
glossary as a Sphinx glossary in English and Chinese), the README's part on running the report
on one's own data, a gallery of the course's figures, the benchmark results and an API
reference of ``helpers`` generated from the numpydoc docstrings. Names of ``helpers`` in code
spans of the chapters (``rfm.rfm_table``) link to their reference. myst-nb executes nothing:
the book shows the notebooks it is given, so the committed ones (``make site``) and freshly
executed ones (``make course``) give the same pages when the tests' comparison of every output
holds. Sphinx runs with warnings as errors: a broken link or reference fails the build.
"""

from __future__ import annotations

import argparse
import base64
import importlib
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parent))
from build_course import ROOT, course_notebooks, title_and_goal  # noqa: E402
from learner_view import learner_notebook  # noqa: E402
from student_edition import SOLUTION_TAG, student_notebook  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "book" / "_ext"))
from i18n import README_PARTS  # noqa: E402
from i18n import readme_parts as i18n_parts  # noqa: E402
from reexports import find_object  # noqa: E402

from helpers.report_html import REMOVE_TAG  # noqa: E402

BOOK = ROOT / "book"
DOCS = ROOT / "docs"
#: The guides of docs/ in the book, in sidebar order: (file, page name).
GUIDES = [("teaching.md", "teaching"), ("sources.md", "sources")]
#: Files outside the book that chapters and guides link to, and the page that replaces them.
PAGES = {
    "docs/teaching.md": "teaching.md",
    "docs/glossary.md": "glossary.md",
    "docs/sources.md": "sources.md",
    "datasets/README.md": "data.md",
    "README.md": "index.md",
    "benchmarks/RESULTS.md": "benchmarks.md",
}
#: The book's own words in each edition (the chapters and guides come translated from the
#: catalogues of scripts/i18n.py).
TEXTS = {
    "en": {
        "language": "en",
        "edition": "Each chapter shows its outputs on the embedded synthetic dataset; every "
        "exercise's solution is folded under *Show the solution*.",
        "student": "This is the **student edition**: the exercises are to solve, without "
        "solutions or outputs.",
        "course": "Course",
        "guides": "Guides",
        "reference": "Reference",
        "chapters": "The chapters",
        "guides_heading": "Guides and reference",
        "guides_text": "The [teacher's guide](teaching.md), the [glossary](glossary.md) (English "
        "and Chinese), [running the report on your own data](report.md), the [data "
        "dictionary](data.md), a [gallery](gallery.md) of every figure, the [benchmarks]"
        "(benchmarks.md), the [source articles](sources.md) and the [API reference](api.md) of "
        "`helpers`.",
        "show": "Show the solution",
        "hide": "Hide the solution",
        "other": "中文版",
        "chapter": "(chapter {})",
        "gallery": "# Gallery\n\nEvery figure of the course, chapter by chapter.",
        "api": "# API reference\n\nEvery public function and class of the `helpers` package, "
        "from its docstring.",
        "api_chapters": "## Modules by chapter\n\n| Chapter | Modules |",
        "api_all": "## All modules",
        "benchmarks": "",
    },
    "zh": {
        "language": "zh_CN",
        "edition": "每一章都附有在内置模拟数据集上运行的输出；每道练习的参考答案折叠在"
        "“显示参考答案”之下。",
        "student": "这是**学生版**：练习留给你来做，不附参考答案和输出。",
        "course": "课程",
        "guides": "指南",
        "reference": "参考",
        "chapters": "各章",
        "guides_heading": "指南与参考",
        "guides_text": "[教师指南](teaching.md)、[术语表](glossary.md)（中英对照）、"
        "[在自己的数据上运行报告](report.md)、[数据字典](data.md)、全部图表的[图库](gallery.md)、"
        "[基准测试](benchmarks.md)、[原始文章](sources.md)，以及 `helpers` 的 [API 参考](api.md)。",
        "show": "显示参考答案",
        "hide": "隐藏参考答案",
        "other": "English",
        "chapter": "（第 {} 章）",
        "gallery": "# 图库\n\n课程中的全部图表，按章排列；图中的标注保持英文。",
        "api": "# API 参考\n\n`helpers` 包中每个公开函数和类的说明，取自其文档字符串"
        "（文档字符串为英文，与代码一起维护）。",
        "api_chapters": "## 各章讲授的模块\n\n| 章 | 模块 |",
        "api_all": "## 全部模块",
        "benchmarks": "# 基准测试结果\n\n> 本页由 `make bench` 自动生成，保持英文原样：表中的"
        "数字是测得的结果，“met”表示达到目标，“missed”表示未达到。",
    },
}
#: A Markdown link's target.
LINK = re.compile(r"(\]\()([^)\s]+)(\))")
#: An inline code span holding a dotted name, maybe called: `rfm.rfm_table()`.
CODE_NAME = re.compile(r"(?<!`)`((?:helpers\.)?[a-z_][\w]*(?:\.[A-Za-z_]\w*)+)(\(\))?`(?!`)")


def _source(cell: nbformat.NotebookNode) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def _documented(target: object, module: str, path: list[str]) -> bool:
    """Whether the API reference documents ``target``, reached as ``module.path``.

    Functions, classes and methods are (where re-exported, the book's ``reexports`` extension
    sends the reference to their home); data only in the module that assigns it.
    """
    if getattr(target, "__qualname__", None) is not None:
        return str(getattr(target, "__module__", "")).startswith("helpers")
    source = Path(importlib.import_module(module).__file__ or "").read_text(encoding="utf-8")
    assigned = re.search(rf"(?m)^{re.escape(path[0])}\s*(?::[^=\n]+)?=", source)
    return len(path) == 1 and assigned is not None


def helpers_object(name: str) -> str | None:
    """The full name of the ``helpers`` object ``name`` names (``rfm.rfm_table``), or None."""
    full = name if name.startswith("helpers.") else f"helpers.{name}"
    found = find_object(full)
    if found is None or found[0] == "helpers" and found[1]:
        return None  # nothing, or a name the package itself re-exports
    module, path, target = found
    return full if not path or _documented(target, module, path) else None


def link_api(markdown: str) -> str:
    """Code spans naming a ``helpers`` object become references to the API page."""

    def replace(match: re.Match[str]) -> str:
        full = helpers_object(match[1])
        if full is None:
            return match.group()
        return f"{{py:obj}}`{match[1]}{match[2] or ''} <{full}>`"

    return CODE_NAME.sub(replace, markdown)


def relink(markdown: str, origin: str) -> str:
    """Links to files of the repository become links to their pages in the book.

    ``origin`` is the folder of the file the Markdown comes from (``notebooks``, ``docs``).
    """

    def replace(match: re.Match[str]) -> str:
        target = match[2]
        if re.match(r"[a-z]+:", target) or target.startswith("#"):
            return match.group()
        path, _, anchor = target.partition("#")
        resolved = (Path(origin) / path).as_posix()
        parts: list[str] = []
        for part in resolved.split("/"):
            if part == "..":
                parts = parts[:-1]
            elif part not in ("", "."):
                parts.append(part)
        resolved = "/".join(parts)
        if resolved.startswith("notebooks/"):
            page = resolved.removeprefix("notebooks/")
        elif resolved in PAGES:
            page = PAGES[resolved]
        else:
            return match.group()  # left as written: the build fails if it is broken
        return f"{match[1]}{page}{'#' + anchor if anchor else ''}{match[3]}"

    return LINK.sub(replace, markdown)


def book_notebook(
    notebook: nbformat.NotebookNode,
    name: str,
    student: bool,
    terms: dict[str, str] | None = None,
    link_names: bool = True,
    lang: str = "en",
) -> nbformat.NotebookNode:
    """A chapter as the book shows it: learner view, folded solutions, linked names and terms.

    Chapter 12's cells tagged for leaving out of the HTML report (its title, its exercises:
    :data:`helpers.report_html.REMOVE_TAG`) are part of the course: the book keeps them
    (myst-nb would drop them).
    """
    chapter = student_notebook(notebook, name) if student else learner_notebook(notebook)
    linked: set[str] = set()
    for cell in chapter.cells:
        tags = cell.metadata.get("tags", [])
        if REMOVE_TAG in tags:
            cell.metadata["tags"] = [tag for tag in tags if tag != REMOVE_TAG]
        if cell.cell_type == "markdown":
            text = relink(_source(cell), "notebooks")
            text = link_api(text) if link_names else text
            cell.source = link_terms(text, terms or {}, linked)
        elif SOLUTION_TAG in cell.metadata.get("tags", []):
            cell.metadata["tags"] = [*cell.metadata["tags"], "hide-input"]
            cell.metadata["mystnb"] = {
                "code_prompt_show": TEXTS[lang]["show"],
                "code_prompt_hide": TEXTS[lang]["hide"],
            }
    return chapter


def glossary_entry(line: str) -> tuple[str, str, str, str] | None:
    """An entry row of docs/glossary.md's tables: (English, 中文, chapter, meaning), or None."""
    if not line.startswith("|"):
        return None
    cells = [c.strip() for c in line.strip().strip("|").split("|")]
    if len(cells) < 4 or cells[0] in ("English", "") or set(cells[0]) <= {"-", ":", " "}:
        return None  # a header or separator row
    english, chinese, chapter, meaning = cells[:4]
    return english, chinese, chapter, meaning


def glossary_page(markdown: str, lang: str = "en") -> str:
    """docs/glossary.md (tables of English, 中文, chapter, meaning) as a Sphinx glossary.

    A table's first row is its header, whatever its language (the row above the separator).
    """
    out: list[str] = []
    in_table = False
    lines = markdown.splitlines()
    for i, line in enumerate(lines):
        following = lines[i + 1] if i + 1 < len(lines) else ""
        header = following.startswith("|") and set(following) <= set("|-: ")
        entry = None if header else glossary_entry(line)
        if entry is not None:
            english, chinese, chapter, meaning = entry
            out += [english, chinese, f"  {meaning} {TEXTS[lang]['chapter'].format(chapter)}", ""]
        elif line.startswith("|"):  # a table's header, then its separator opens the glossary
            if not in_table and set(line) <= set("|-: "):
                out.append(":::{glossary}")
                in_table = True
        else:
            if in_table:
                out.append(":::")
                in_table = False
            out.append(line)
    if in_table:
        out.append(":::")
    return relink("\n".join(out) + "\n", "docs")


def glossary_terms(markdown: str) -> dict[str, str]:
    """The English terms of docs/glossary.md: {short form, lower case: term}.

    The short form drops a parenthesis: "cancellation (return)" is found as "cancellation".
    """
    entries = filter(None, map(glossary_entry, markdown.splitlines()))
    return {english.split(" (")[0].lower(): english for english, *_ in entries}


def link_terms(markdown: str, terms: dict[str, str], linked: set[str]) -> str:
    """The first bold use of each glossary term (``**cutoff**``) links to the glossary.

    ``linked`` holds the terms already linked in the chapter; it is updated.
    """

    def replace(match: re.Match[str]) -> str:
        key = match[1].lower()
        if key not in terms or key in linked:
            return match.group()
        linked.add(key)
        return f"**{{term}}`{match[1]} <{terms[key]}>`**"

    return re.sub(r"\*\*([^*`{}<>\n]+?)\*\*", replace, markdown)


def readme_parts(root: Path = ROOT) -> dict[str, str]:
    """The README's parts for learners (``intro``, ``report``: :data:`i18n.README_PARTS`).

    ``root`` is the repository, or a folder of translations (``scripts/i18n.py apply``), which
    holds them as ``README.intro.md`` and ``README.report.md``.
    """
    if (root / "README.intro.md").is_file():
        return {name: (root / f"README.{name}.md").read_text("utf-8") for name in README_PARTS}
    return i18n_parts((root / "README.md").read_text(encoding="utf-8"))


def report_page(part: str) -> str:
    """The README's part on running the report as a page: its heading the page's title."""
    return "#" + part.strip()[2:].replace("\n### ", "\n## ") + "\n"


def gallery_page(chapters: list[Path], images: Path, lang: str = "en") -> str:
    """A page of every figure of the chapters, each linked to its chapter."""
    images.mkdir(parents=True, exist_ok=True)
    lines = [TEXTS[lang]["gallery"], ""]
    for path in chapters:
        notebook = nbformat.read(path, as_version=4)
        title, _ = title_and_goal(path)
        figures = []
        heading = title
        for cell in notebook.cells:
            if cell.cell_type == "markdown":
                found = re.findall(r"(?m)^#{2,3} (.+)$", _source(cell))
                heading = found[-1] if found else heading
                continue
            for output in cell.get("outputs", []):
                png = output.get("data", {}).get("image/png")
                if png:
                    name = f"{path.stem}_{len(figures) + 1}.png"
                    (images / name).write_bytes(base64.b64decode(png))
                    figures.append((name, heading))
        if not figures:
            continue
        lines += [f"## {title}", ""]
        for name, heading in figures:
            lines += [
                f"```{{figure}} {images.name}/{name}",
                ":width: 45%",
                "",
                f"[{heading}]({path.name})",
                "```",
                "",
            ]
    return "\n".join(lines)


def api_page(lang: str = "en") -> str:
    """The API reference: which chapter teaches which module, then one page per module."""
    from helpers import CHAPTER_MODULES

    links = {
        chapter: ", ".join(f"{{py:mod}}`{name} <helpers.{name}>`" for name in names)
        for chapter, names in CHAPTER_MODULES.items()
    }
    rows = "\n".join(f"| {chapter} | {text} |" for chapter, text in links.items())
    words = TEXTS[lang]
    return (
        f"{words['api']}\n\n{words['api_chapters']}\n|---|---|\n{rows}\n\n"
        f"{words['api_all']}\n\n"
        "```{eval-rst}\n.. autosummary::\n   :toctree: api\n   :recursive:\n\n   helpers\n```\n"
    )


def index_page(
    chapters: list[Path], student: bool, full: bool = True, lang: str = "en", root: Path = ROOT
) -> str:
    """The landing page: what the course is (the README's introduction), and the contents."""
    words = TEXTS[lang]
    intro = readme_parts(root)["intro"].strip().split("\n", 1)[1].strip()
    edition = words["student"] if student else words["edition"]
    toc = "\n".join(path.stem for path in chapters)
    guides = "\n".join(
        ["teaching", "glossary", "report", "data", "gallery", "benchmarks", "sources"]
    )
    page = f"# Customer Value Lab\n\n{relink(intro, '.')}\n\n{edition}\n\n"
    # the sidebar's tables of contents; the page itself lists each chapter with its goal
    toctree = "```{{toctree}}\n:caption: {}\n:maxdepth: 1\n:hidden:\n\n{}\n```\n\n"
    page += toctree.format(words["course"], toc)
    if full:
        page += toctree.format(words["guides"], guides)
        page += toctree.format(words["reference"], "api")
    page += f"## {words['chapters']}\n\n"
    for path in chapters:
        title, goal = title_and_goal(path)
        goal = relink(goal, "notebooks")
        page += f"### [{title}]({path.name})\n\n{link_api(goal) if full else goal}\n\n"
    if full:
        page += f"## {words['guides_heading']}\n\n{words['guides_text']}\n"
    return page


def write_guides(
    src: Path, chapters: list[Path], student: bool, root: Path = ROOT, lang: str = "en"
) -> None:
    """The pages besides the chapters: guides, glossary, report, data, gallery, API.

    ``root`` holds the texts (the repository, or the translations of ``scripts/i18n.py apply``).
    """
    docs = root / "docs"
    for file, page in GUIDES:
        text = (docs / file).read_text(encoding="utf-8")
        (src / f"{page}.md").write_text(relink(text, "docs"), encoding="utf-8")
    glossary = glossary_page((docs / "glossary.md").read_text(encoding="utf-8"), lang)
    (src / "glossary.md").write_text(glossary, encoding="utf-8")
    report = report_page(readme_parts(root)["report"])
    (src / "report.md").write_text(relink(report, "."), encoding="utf-8")
    data = (root / "datasets" / "README.md").read_text(encoding="utf-8")
    (src / "data.md").write_text(relink(data, "datasets"), encoding="utf-8")
    results = (ROOT / "benchmarks" / "RESULTS.md").read_text(encoding="utf-8")
    page = relink(results, "benchmarks")
    if TEXTS[lang]["benchmarks"]:  # the page's title and a word on why it stays English
        page = TEXTS[lang]["benchmarks"] + "\n\n" + page.split("\n", 1)[1].lstrip()
    (src / "benchmarks.md").write_text(page, encoding="utf-8")
    gallery = gallery_page([] if student else chapters, src / "gallery", lang)
    (src / "gallery.md").write_text(gallery, encoding="utf-8")
    (src / "api.md").write_text(api_page(lang), encoding="utf-8")


def assemble(
    chapters: list[Path],
    src: Path,
    student: bool = False,
    full: bool = True,
    lang: str = "en",
    root: Path = ROOT,
) -> Path:
    """Write the book's sources into ``src`` (emptied first); return ``src``.

    ``full=False`` makes a quick book of the chapters alone (for the tests of a page): no
    guides, gallery or API reference, and names in code are not linked. ``lang`` is the
    edition ("en", "zh": the chapters given and the texts in ``root`` are then translated).
    """
    if src.exists():
        shutil.rmtree(src)
    src.mkdir(parents=True)
    shutil.copy(BOOK / "conf.py", src / "conf.py")
    for folder in ("_ext", "_templates"):
        shutil.copytree(BOOK / folder, src / folder, ignore=shutil.ignore_patterns("__pycache__"))
    terms = glossary_terms((DOCS / "glossary.md").read_text(encoding="utf-8")) if full else {}
    for path in chapters:
        notebook = nbformat.read(path, as_version=4)
        chapter = book_notebook(notebook, path.name, student, terms, link_names=full, lang=lang)
        nbformat.write(chapter, src / path.name)
    if full:
        write_guides(src, chapters, student, root, lang)
    index = index_page(chapters, student, full, lang, root)
    (src / "index.md").write_text(index, encoding="utf-8")
    return src


def build(
    chapters: list[Path],
    out: Path,
    student: bool = False,
    jobs: int = 2,
    full: bool = True,
    lang: str = "en",
    root: Path = ROOT,
    other: str | None = None,
) -> Path:
    """Assemble the sources next to ``out`` and build the book into ``out``; return index.html.

    ``lang``, ``root``: the edition and where its texts are (see :func:`assemble`). ``other``: the
    other edition's folder relative to this one's (``../site-zh``): every page then links to
    the same page there.

    Raises
    ------
    RuntimeError
        If Sphinx fails or warns (a broken link or reference); the message has its output.
    """
    src = assemble(chapters, out.parent / f"{out.name}-src", student, full, lang, root)
    if out.exists():
        shutil.rmtree(out)
    settings = ["-D", f"language={TEXTS[lang]['language']}"]
    if other:
        settings += ["-D", f"edition_other_root={other}"]
        settings += ["-D", f"edition_other_label={TEXTS[lang]['other']}"]
    command = [
        sys.executable, "-m", "sphinx", "-b", "html", "-W", "--keep-going", "-q", *settings,
        "-j", str(jobs), "-d", str(out.parent / f"{out.name}-doctrees"), str(src), str(out),
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"the book did not build:\n{done.stderr}{done.stdout}")
    return out / "index.html"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "site")
    parser.add_argument(
        "--from",
        dest="source",
        type=Path,
        default=None,
        help="a folder of executed chapters (default: the committed notebooks/)",
    )
    parser.add_argument("--student", action="store_true", help="the student edition")
    parser.add_argument(
        "--lang",
        choices=sorted(TEXTS),
        default="en",
        help="the edition: zh translates the chapters and guides with locale/ first",
    )
    parser.add_argument(
        "--other",
        default=None,
        help="the other edition's folder, relative to --out's (e.g. ../site-zh): pages link to it",
    )
    args = parser.parse_args(argv)
    chapters = course_notebooks()
    if args.source is not None:
        chapters = [args.source / path.name for path in chapters]
    root = ROOT
    started = time.perf_counter()
    if args.lang != "en":
        from i18n import apply

        translated = args.out.resolve().parent / f"{args.out.name}-translated"
        if translated.exists():
            shutil.rmtree(translated)
        left = apply(chapters[0].parent, translated)
        untranslated = {name: n for name, n in left.items() if n}
        if untranslated:
            print(f"left in English (blocks): {untranslated}", flush=True)
        chapters, root = [translated / path.name for path in chapters], translated
    index = build(
        chapters, args.out.resolve(), args.student, lang=args.lang, root=root, other=args.other
    )
    print(f"book built in {time.perf_counter() - started:.0f} s; open {index}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

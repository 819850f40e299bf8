"""Execute the course notebooks and render them to HTML with an index in course order.

    python scripts/build_course.py --out build      # build/notebooks/*.ipynb, build/html/*.html
    python scripts/build_course.py --in-place       # refresh the committed notebooks' outputs

Notebooks run with papermill on the project's kernel (``python3`` from ``.venv``), on their
default parameters (the embedded synthetic dataset), offline. ``--jobs`` notebooks run at a
time (default: one per core, at most two; each has its own kernel process); with one job
papermill shows a progress bar per cell. The pages load nothing from the internet: formulas
are rendered to MathML at build time (``offline_math``), and the build says how many per
chapter, and how many failed (shown as their TeX).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from learner_view import learner_notebook  # noqa: E402
from offline_math import MathResult, insert_math, render_notebook_math  # noqa: E402
from prose_glue import fill_notebook  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
#: nbconvert's lab page; :data:`helpers.report_html.OFFLINE_BLOCKS` is appended to it.
OFFLINE_TEMPLATE = "{%- extends 'index.html.j2' -%}"


def course_notebooks() -> list[Path]:
    """The chapter notebooks, in course order (by their NN_ prefix)."""
    return sorted(p for p in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


def title_and_goal(path: Path) -> tuple[str, str]:
    """The first heading and the first paragraph after it, from the opening markdown cell."""
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    text = "".join(next(c for c in cells if c["cell_type"] == "markdown")["source"])
    lines = [line.strip() for line in text.splitlines()]
    title = next((line.lstrip("# ") for line in lines if line.startswith("#")), path.stem)
    paragraphs = "\n".join(line for line in lines if not line.startswith("#")).split("\n\n")
    goal = next((p for p in paragraphs if p.strip()), "")
    return title, " ".join(goal.split())


def execute_in_place(path: Path) -> None:
    """Re-execute a committed notebook in place, without papermill's metadata noise."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    NotebookClient(
        nb,
        kernel_name="python3",
        timeout=1800,
        record_timing=False,
        resources={"metadata": {"path": str(path.parent)}},
        extra_arguments=["--IPKernelApp.log_level=ERROR"],  # no "TCP without encryption" noise
    ).execute()
    fill_notebook(nb, path.name)
    nbformat.write(nb, path)


def fill_glue(path: Path) -> None:
    """Fill the prose's glued numbers of an executed notebook from its recorded results."""
    import nbformat

    nb = nbformat.read(path, as_version=4)
    if fill_notebook(nb, path.name):
        nbformat.write(nb, path)


def render_html(
    executed: Path,
    out_dir: Path,
    neighbours: tuple[Path | None, Path | None],
    math: dict[str, MathResult] | None = None,
) -> Path:
    """Render an executed notebook to HTML with links to the index and the next chapter.

    The page loads nothing from the internet: its formulas are MathML made at build time
    (``offline_math``) and nbconvert's CDN loaders are left out (``OFFLINE_BLOCKS``, shared
    with the report). When ``math`` is given, the page's formulas are recorded in it under
    the notebook's stem.
    """
    import jinja2
    import nbformat
    from nbconvert import HTMLExporter

    from helpers.report_html import OFFLINE_BLOCKS

    # the learner's view: no nbval markers, no results section (scripts/learner_view.py)
    learner = learner_notebook(nbformat.read(executed, as_version=4))
    notebook, formulas = render_notebook_math(learner)
    exporter = HTMLExporter(
        template_name="lab",
        extra_loaders=[jinja2.DictLoader({"offline.html.j2": OFFLINE_TEMPLATE + OFFLINE_BLOCKS})],
        template_file="offline.html.j2",
    )
    body, _ = exporter.from_notebook_node(notebook)
    body = insert_math(body, formulas)
    if math is not None:
        math[executed.stem] = formulas
    links = ['<a href="index.html">Course index</a>']
    previous, following = neighbours
    if previous is not None:
        links.insert(0, f'<a href="{previous.stem}.html">&larr; {previous.stem}</a>')
    if following is not None:
        links.append(f'<a href="{following.stem}.html">{following.stem} &rarr;</a>')
    nav = f'<nav style="padding:1em;font-family:sans-serif">{" | ".join(links)}</nav>'
    start = body.index(">", body.index("<body")) + 1  # just after the <body ...> tag
    page = body[:start] + nav + body[start:].replace("</body>", nav + "</body>")
    target = out_dir / f"{executed.stem}.html"
    target.write_text(page, encoding="utf-8")
    return target


def math_summary(math: dict[str, MathResult]) -> str:
    """One line on the formulas of the pages: converted per chapter, and the failures' TeX."""
    converted = sum(r.converted for r in math.values())
    failed = [tex for r in math.values() for tex in r.failed]
    per_page = ", ".join(f"{stem[:2]}: {r.converted}" for stem, r in math.items() if r.html)
    line = f"formulas: {converted} rendered as MathML ({per_page}), {len(failed)} failed"
    if failed:
        line += " (shown as TeX): " + "; ".join(failed)
    return line


#: What the index says of the pages of `make course`: executed by the build itself.
EXECUTED_BY_BUILD = "Each chapter was executed on the embedded synthetic dataset by this build."


def write_index(notebooks: list[Path], out_dir: Path, provenance: str = EXECUTED_BY_BUILD) -> Path:
    """Write index.html linking the chapters in course order with their goals.

    Parameters
    ----------
    notebooks : list of Path
        The chapters, in course order.
    out_dir : Path
        Where index.html goes.
    provenance : str, optional
        One sentence saying where the pages' outputs come from.
    """
    import mistune  # nbconvert's Markdown renderer

    items = []
    for path in notebooks:
        title, goal = title_and_goal(path)
        # the titles carry their chapter number: a list without numbers of its own; the
        # title and goal are Markdown (code, bold): rendered, not shown raw
        title_html = mistune.html(title).strip().removeprefix("<p>").removesuffix("</p>")
        items.append(
            f'<li><a href="{path.stem}.html">{title_html}</a>{mistune.html(goal).strip()}</li>'
        )
    page = (
        "<!doctype html><html><head><meta charset='utf-8'><title>Customer Value Lab</title>"
        "<style>body{font-family:sans-serif;max-width:50em;margin:2em auto;line-height:1.5}"
        "ul.chapters{list-style:none;padding:0}li{margin-bottom:1em}</style></head><body>"
        "<h1>Customer Value Lab</h1>"
        f"<p>The course in order. {provenance}</p><ul class='chapters'>"
        + "".join(items)
        + "</ul></body></html>"
    )
    target = out_dir / "index.html"
    target.write_text(page, encoding="utf-8")
    return target


def _timed(run: Callable[[Path], object], path: Path) -> float:
    """Run one notebook; return the seconds it took."""
    started = time.perf_counter()
    run(path)
    return time.perf_counter() - started


def run_all(notebooks: list[Path], run: Callable[[Path], object], jobs: int) -> None:
    """Call ``run`` on every notebook, ``jobs`` at a time, printing each one as it ends.

    With more than one job each notebook runs in a worker process (papermill changes the
    working directory of its process while it runs, so two must not share one); ``run`` must
    then be picklable, a module-level function or a :func:`functools.partial` of one. The
    first failure stops the notebooks not yet started and is raised after the running ones
    end.
    """
    total = len(notebooks)
    if jobs <= 1:
        for i, path in enumerate(notebooks, start=1):
            print(f"[{i}/{total}] executing {path.name}", flush=True)
            run(path)
        return
    print(f"executing {total} notebooks, {jobs} at a time", flush=True)
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        pending = {pool.submit(_timed, run, path): path for path in notebooks}
        finished = 0
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in sorted(done, key=lambda f: notebooks.index(pending[f])):
                path = pending.pop(future)
                if future.exception() is not None:
                    for other in pending:
                        other.cancel()
                    print(f"failed: {path.name}", flush=True)
                    raise future.exception()
                finished += 1
                print(f"[{finished}/{total}] {path.name} in {future.result():.0f} s", flush=True)


def build_one(path: Path, executed_dir: Path, progress: bool) -> None:
    """Execute one chapter with papermill into ``executed_dir``."""
    from helpers.notebook import run_notebook

    run_notebook(path, executed_dir / path.name, progress=progress)
    fill_glue(executed_dir / path.name)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "build")
    parser.add_argument(
        "--in-place", action="store_true", help="re-execute notebooks/ in place instead of building"
    )
    parser.add_argument(
        "--jobs",
        type=int,
        default=min(2, os.cpu_count() or 1),
        help="notebooks executed at a time (default: one per core, at most two)",
    )
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: every chapter")
    args = parser.parse_args(argv)
    notebooks = [p.resolve() for p in args.notebooks] or course_notebooks()
    if args.in_place:
        run_all(notebooks, execute_in_place, args.jobs)
        return 0

    executed_dir, html_dir = args.out / "notebooks", args.out / "html"
    html_dir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    executed = [executed_dir / path.name for path in notebooks]
    run_all(
        notebooks, partial(build_one, executed_dir=executed_dir, progress=args.jobs <= 1), args.jobs
    )
    math: dict[str, MathResult] = {}
    for i, path in enumerate(executed):
        previous = executed[i - 1] if i > 0 else None
        following = executed[i + 1] if i + 1 < len(executed) else None
        render_html(path, html_dir, (previous, following), math)
    index = write_index(notebooks, html_dir)
    print(math_summary(math), flush=True)
    print(
        f"built {len(executed)} notebooks in {time.perf_counter() - started:.0f} s; open {index}",
        flush=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Execute the course notebooks, then build the course book from the executed copies.

    python scripts/build_course.py --out build      # build/notebooks/*.ipynb, build/html/
    python scripts/build_course.py --in-place       # refresh the committed notebooks' outputs

Notebooks run with papermill on the project's kernel (``python3`` from ``.venv``), on their
default parameters (the embedded synthetic dataset), offline. ``--jobs`` notebooks run at a
time (default: one per core, at most two; each has its own kernel process); with one job
papermill shows a progress bar per cell. After a run the numbers glued into the prose are
filled from the run's recorded results (``prose_glue``). The book (``build_book``: Sphinx,
offline) is then built from the executed copies into ``build/html``.
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
from prose_glue import fill_notebook  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"


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
    parser.add_argument(
        "--other",
        default=None,
        help="the other edition's book, relative to this book (../html-zh): pages link to it",
    )
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: every chapter")
    args = parser.parse_args(argv)
    notebooks = [p.resolve() for p in args.notebooks] or course_notebooks()
    if args.in_place:
        run_all(notebooks, execute_in_place, args.jobs)
        return 0

    from build_book import build as build_book

    executed_dir = args.out / "notebooks"
    started = time.perf_counter()
    run_all(
        notebooks, partial(build_one, executed_dir=executed_dir, progress=args.jobs <= 1), args.jobs
    )
    executed = [executed_dir / path.name for path in notebooks]
    index = build_book(executed, (args.out / "html").resolve(), jobs=args.jobs, other=args.other)
    print(
        f"executed {len(executed)} notebooks and built the book in "
        f"{time.perf_counter() - started:.0f} s; open {index}",
        flush=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

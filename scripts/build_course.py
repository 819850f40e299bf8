"""Execute the course notebooks and render them to HTML with an index in course order.

    python scripts/build_course.py --out build      # build/notebooks/*.ipynb, build/html/*.html
    python scripts/build_course.py --in-place       # refresh the committed notebooks' outputs

Notebooks run with papermill on the project's kernel (``python3`` from ``.venv``), on their
default parameters (the embedded synthetic dataset), offline.
"""

from __future__ import annotations

import argparse
import html
import json
import sys
import time
from pathlib import Path

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
    ).execute()
    nbformat.write(nb, path)


def render_html(executed: Path, out_dir: Path, neighbours: tuple[Path | None, Path | None]) -> Path:
    """Render an executed notebook to HTML with links to the index and the next chapter."""
    import nbformat
    from nbconvert import HTMLExporter

    body, _ = HTMLExporter(template_name="lab").from_notebook_node(
        nbformat.read(executed, as_version=4)
    )
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


def write_index(notebooks: list[Path], out_dir: Path) -> Path:
    """Write index.html linking the chapters in course order with their goals."""
    items = []
    for path in notebooks:
        title, goal = title_and_goal(path)
        items.append(
            f'<li><a href="{path.stem}.html">{html.escape(title)}</a>'
            f"<p>{html.escape(goal)}</p></li>"
        )
    page = (
        "<!doctype html><html><head><meta charset='utf-8'><title>Customer Value Lab</title>"
        "<style>body{font-family:sans-serif;max-width:50em;margin:2em auto;line-height:1.5}"
        "li{margin-bottom:1em}</style></head><body><h1>Customer Value Lab</h1>"
        "<p>The course in order. Each chapter was executed on the embedded synthetic dataset "
        "when this site was built.</p><ol>" + "".join(items) + "</ol></body></html>"
    )
    target = out_dir / "index.html"
    target.write_text(page, encoding="utf-8")
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "build")
    parser.add_argument(
        "--in-place", action="store_true", help="re-execute notebooks/ in place instead of building"
    )
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: every chapter")
    args = parser.parse_args(argv)
    notebooks = [p.resolve() for p in args.notebooks] or course_notebooks()
    if args.in_place:
        for i, path in enumerate(notebooks, start=1):
            print(f"[{i}/{len(notebooks)}] executing {path.name} in place", flush=True)
            execute_in_place(path)
        return 0

    from helpers.notebook import run_notebook

    executed_dir, html_dir = args.out / "notebooks", args.out / "html"
    html_dir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    executed = []
    for i, path in enumerate(notebooks, start=1):
        print(f"[{i}/{len(notebooks)}] executing {path.name}", flush=True)
        target = executed_dir / path.name
        run_notebook(path, target, progress=True)
        executed.append(target)
    for i, path in enumerate(executed):
        previous = executed[i - 1] if i > 0 else None
        following = executed[i + 1] if i + 1 < len(executed) else None
        render_html(path, html_dir, (previous, following))
    index = write_index(notebooks, html_dir)
    print(
        f"built {len(executed)} notebooks in {time.perf_counter() - started:.0f} s; open {index}",
        flush=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

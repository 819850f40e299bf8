"""Build the student edition of the course: the notebooks without solutions and outputs.

    python scripts/student_edition.py                  # build/student/NN_topic.ipynb
    python scripts/student_edition.py --out DIR [NB ...]

Every cell tagged ``solution`` is replaced by a short stub that sets the exercise's answer
variable to ``...`` (the variable the next cell passes to ``check``), so that the check says
"not yet" until the student writes their code. All outputs are cleared, and the test
machinery is left out (:mod:`learner_view`: nbval's markers and the results section); every
other cell is left exactly as it is. Nothing is executed: the edition is made from
``notebooks/`` in a few seconds, and there is no second copy of the course to keep in step
by hand.
"""

from __future__ import annotations

import argparse
import ast
import sys
import time
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parent))
from build_course import ROOT, course_notebooks  # noqa: E402
from learner_view import learner_notebook  # noqa: E402

SOLUTION_TAG = "solution"
#: The tag of a stub in the student edition (instead of ``solution``).
EXERCISE_TAG = "exercise"
STUB_COMMENT = "# your code here"


def tags(cell: nbformat.NotebookNode) -> list[str]:
    """The cell's tags (an empty list when it has none)."""
    return list(cell.get("metadata", {}).get("tags", []))


def checked_answer(source: str) -> tuple[str, str] | None:
    """The exercise id and the answer's variable name of a ``check("id", answer, ...)`` call.

    Returns None when the source holds no such call.
    """
    for node in ast.walk(ast.parse(source)):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name | ast.Attribute)
            and (node.func.id if isinstance(node.func, ast.Name) else node.func.attr) == "check"
            and len(node.args) >= 2
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[1], ast.Name)
        ):
            return str(node.args[0].value), node.args[1].id
    return None


def stub(exercise_id: str, answer: str) -> str:
    """The code that replaces a solution: a comment and the answer set to ``...``."""
    return f"{STUB_COMMENT} (exercise {exercise_id})\n{answer} = ..."


def student_notebook(notebook: nbformat.NotebookNode, name: str) -> nbformat.NotebookNode:
    """Return the student edition of a notebook: solutions stubbed, outputs cleared.

    Raises
    ------
    ValueError
        If a solution cell is not followed by a cell calling ``check("id", answer, ...)``.
    """
    student = learner_notebook(notebook)
    cells = student.cells
    for i, cell in enumerate(cells):
        if cell.cell_type != "code":
            continue
        cell.outputs, cell.execution_count = [], None
        cell.metadata.pop("execution", None)
        if SOLUTION_TAG not in tags(cell):
            continue
        following = cells[i + 1] if i + 1 < len(cells) else None
        found = checked_answer(following.source) if following is not None else None
        if following is None or following.cell_type != "code" or found is None:
            raise ValueError(
                f"{name}: the solution cell {cell.get('id', i)} must be followed by a cell "
                'calling check("NN.M", answer_variable, ...)'
            )
        cell.source = stub(*found)
        cell.metadata["tags"] = [EXERCISE_TAG if t == SOLUTION_TAG else t for t in tags(cell)]
    return student


def build(notebooks: list[Path], out: Path) -> list[Path]:
    """Write the student edition of ``notebooks`` into ``out``; return the files written."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for path in notebooks:
        notebook = nbformat.read(path, as_version=4)
        target = out / path.name
        nbformat.write(student_notebook(notebook, path.name), target)
        written.append(target)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "student")
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: every chapter")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    written = build([p.resolve() for p in args.notebooks] or course_notebooks(), args.out)
    stubs = sum(
        EXERCISE_TAG in tags(cell) for path in written for cell in nbformat.read(path, 4).cells
    )
    print(
        f"student edition: {len(written)} notebooks, {stubs} exercises to solve, in {args.out} "
        f"({time.perf_counter() - started:.1f} s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The student edition: solutions stubbed, outputs cleared, everything else unchanged.

It is built from the committed notebooks by ``scripts/student_edition.py`` (``make student``).
The structure is checked on every chapter; the welcome chapter's student edition is executed
from top to bottom (so through the exercises and the cells after them), and each of its checks
must say "not yet". That the solutions are correct is checked on the committed notebooks
(tests/test_exercises.py) and by nbval, which re-executes their check cells.
"""

from __future__ import annotations

import ast
import json
import sys

import nbformat
import pytest
from conftest import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
import student_edition  # noqa: E402
from learner_view import learner_notebook  # noqa: E402

pytestmark = pytest.mark.notebook

NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


@pytest.fixture(scope="module")
def edition(tmp_path_factory):
    out = tmp_path_factory.mktemp("student")
    assert student_edition.main(["--out", str(out)]) == 0
    return out


def is_solution(cell):
    return student_edition.SOLUTION_TAG in student_edition.tags(cell)


def assigned(source):
    """Names a cell assigns at any depth."""
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
    return names


def used(source):
    return {
        node.id
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)
    }


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_test_machinery_reaches_the_student(edition, path):
    student = nbformat.read(edition / path.name, as_version=4)
    text = "\n".join(cell.source for cell in student.cells)
    assert "NBVAL" not in text and "record(" not in text
    assert not any(cell.source.lstrip().startswith("## Results") for cell in student.cells)
    teacher = nbformat.read(path, as_version=4)
    assert len(student.cells) < len(teacher.cells)  # the results section is gone


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_only_solutions_change_and_every_output_is_cleared(edition, path):
    teacher = learner_notebook(nbformat.read(path, as_version=4))  # without test machinery
    student = nbformat.read(edition / path.name, as_version=4)
    assert len(student.cells) == len(teacher.cells)
    stubs = 0
    for mine, theirs in zip(teacher.cells, student.cells, strict=True):
        assert mine.get("id") == theirs.get("id") and mine.cell_type == theirs.cell_type
        if theirs.cell_type == "code":
            assert theirs.outputs == [] and theirs.execution_count is None
        if not is_solution(mine):
            assert theirs.source == mine.source
            assert theirs.metadata.get("tags") == mine.metadata.get("tags")
            continue
        stubs += 1
        assert student_edition.EXERCISE_TAG in theirs.metadata["tags"]
        assert not is_solution(theirs)
        comment, stub = theirs.source.splitlines()
        assert comment.startswith(student_edition.STUB_COMMENT)
        assert stub.endswith(" = ...")
    assert stubs == sum(is_solution(cell) for cell in teacher.cells)
    assert student.metadata["kernelspec"]["name"] == "python3"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_cell_after_a_solution_needs_its_helper_variables(path):
    # A stub only sets the answer: any other name a solution defines must not be used by the
    # rest of the notebook, or the student edition would fail after the first exercise.
    notebook = nbformat.read(path, as_version=4)
    private, answers = set(), set()
    for i, cell in enumerate(notebook.cells):
        if cell.cell_type == "code" and is_solution(cell):
            _, answer = student_edition.checked_answer(notebook.cells[i + 1].source)
            answers.add(answer)
            private |= assigned(cell.source) - {answer}
    others = [c for c in notebook.cells if c.cell_type == "code" and not is_solution(c)]
    leaked = private & set().union(*(used(c.source) for c in others)) if others else set()
    # names that a non-solution cell defines itself before using are fine
    leaked -= set().union(*(assigned(c.source) for c in others)) if others else set()
    assert not leaked, f"{path.name}: cells outside the solutions use {sorted(leaked)}"


def test_a_solution_without_a_check_cell_is_refused():
    notebook = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell("x = 1", metadata={"tags": ["solution"]})]
    )
    with pytest.raises(ValueError, match="must be followed by a cell calling check"):
        student_edition.student_notebook(notebook, "99_x.ipynb")


def test_the_welcome_chapter_runs_and_every_check_says_not_yet(edition, tmp_path):
    from nbclient import NotebookClient

    path = edition / "00_welcome.ipynb"
    notebook = nbformat.read(path, as_version=4)
    NotebookClient(
        notebook,
        kernel_name="python3",
        timeout=300,
        resources={"metadata": {"path": str(tmp_path)}},
    ).execute()
    verdicts = [
        "".join(json.dumps(out.get("data", {})) for out in cell.outputs)
        for cell in notebook.cells
        if cell.cell_type == "code" and "exercises.check(" in cell.source
    ]
    assert len(verdicts) >= 2
    for verdict in verdicts:
        assert ": not yet. Replace the `...` with your answer." in verdict, verdict

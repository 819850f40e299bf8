"""scripts/learner_view.py: the test machinery a learner never sees."""

from __future__ import annotations

import sys

import nbformat
from conftest import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
from learner_view import learner_notebook  # noqa: E402


def _notebook(*cells: tuple[str, str]) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    for kind, source in cells:
        if kind == "code":
            cell = nbformat.v4.new_code_cell(source)
            cell.outputs = [nbformat.v4.new_output("stream", text="x\n")]
        else:
            cell = nbformat.v4.new_markdown_cell(source)
        nb.cells.append(cell)
    return nb


def test_markers_results_and_recording_code_are_left_out():
    nb = _notebook(
        ("code", "import pandas as pd\n\nfrom helpers.notebook import record"),
        ("code", "# NBVAL_CHECK_OUTPUT\nprint(1)"),
        ("markdown", "## Results\n\nThe key numbers, for the tests."),
        (
            "code",
            'total = 3\nresults = {"a": total}\nfor k, v in results.items():\n    record(k, v)',
        ),
    )
    out = learner_notebook(nb)
    assert [c.source for c in out.cells] == ["import pandas as pd\n", "print(1)"]
    assert out.cells[1].outputs  # the outputs of ordinary cells are kept
    assert len(nb.cells) == 4  # the original is not changed


def test_a_tidying_call_before_the_recording_code_stays():
    nb = _notebook(
        ("code", 'shutil.rmtree(folder, ignore_errors=True)\nresults = {"n": 1}\nrecord("n", 1)'),
    )
    (cell,) = learner_notebook(nb).cells
    assert cell.source == "shutil.rmtree(folder, ignore_errors=True)" and cell.outputs == []

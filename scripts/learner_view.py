"""What a learner sees of a notebook: the course without its test machinery.

The committed notebooks carry two things for the tests only: ``# NBVAL_...`` markers at the
top of code cells (nbval compares those cells' outputs) and, at the end, a "Results" section
whose cell records key numbers (``helpers.notebook.record``) for the notebook tests and for
the numbers glued into the prose (``prose_glue``; the glue comments go too). The
student edition, the rendered course and the site show neither: :func:`learner_notebook`
removes the marker lines and the recording code, keeping any other code of those cells (a
chapter may tidy up a temporary folder there).
"""

from __future__ import annotations

import re

import nbformat
from prose_glue import without_glue

#: A test marker line of nbval.
MARKER = re.compile(r"^\s*#\s*NBVAL_[A-Z_]+\s*$")
#: Where the recording code of a results cell starts.
RECORDING = re.compile(r"^(results\s*=\s*\{|def _rounded\b)")
#: A one-line call, such as tidying up a temporary folder: kept before the recording code.
CALL = re.compile(r"^[A-Za-z_][\w.]*\(.*\)\s*$")


def _source(cell: nbformat.NotebookNode) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


#: The import of the recording function, unused once the recording code is gone.
RECORD_IMPORT = "from helpers.notebook import record"


def without_markers(source: str) -> str:
    """The code without nbval's marker lines (and the import of ``record``)."""
    return "\n".join(
        line
        for line in source.split("\n")
        if not MARKER.match(line) and line.strip() != RECORD_IMPORT
    )


def _is_results_heading(cell: nbformat.NotebookNode) -> bool:
    return cell.cell_type == "markdown" and _source(cell).lstrip().startswith("## Results")


def learner_notebook(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Return a copy of ``notebook`` without test markers, results heading and recording code.

    Parameters
    ----------
    notebook : nbformat.NotebookNode

    Returns
    -------
    nbformat.NotebookNode
        Code cells lose their ``# NBVAL_...`` lines; the "## Results" heading goes, and every
        code cell that calls ``record(`` loses its recording code from ``results = {`` (or the
        ``_rounded`` helper before it) on, and the lines that compute its numbers; one-line
        calls before it (tidying up) stay, and the cell goes when nothing is left.
    """
    learner = nbformat.from_dict(notebook)
    kept = []
    for cell in learner.cells:
        if _is_results_heading(cell):
            continue
        if cell.cell_type == "markdown" and "glue:" in _source(cell):
            cell.source = without_glue(_source(cell))
        if cell.cell_type == "code":
            source = without_markers(_source(cell))
            if "record(" in source:
                lines = source.split("\n")
                cut = next((i for i, line in enumerate(lines) if RECORDING.match(line)), None)
                if cut is not None:
                    before = [line for line in lines[:cut] if line.strip()]
                    calls = all(CALL.match(line) for line in before)
                    source = "\n".join(before) if calls else ""
                    cell.outputs = []
            if not source.strip():
                continue
            cell.source = source
        kept.append(cell)
    learner.cells = kept
    return learner

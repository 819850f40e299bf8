import json
import sys

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from helpers.notebook import RESULT_MIME, _jsonable, read_results, run_notebook


def test_jsonable_converts_numpy_and_dates():
    import numpy as np
    import pandas as pd

    value = {
        "n": np.int64(3),
        "x": np.float64(0.5),
        "flag": np.bool_(True),
        "when": pd.Timestamp("2024-01-02"),
        "nan": float("nan"),
        "list": (1, 2),
    }
    assert _jsonable(value) == {
        "n": 3,
        "x": 0.5,
        "flag": True,
        "when": "2024-01-02T00:00:00",
        "nan": None,
        "list": [1, 2],
    }
    assert json.dumps(_jsonable(value))


def test_jsonable_rejects_objects_with_a_hint():
    with pytest.raises(TypeError, match="Convert it first"):
        _jsonable(object())


def test_read_results_last_record_wins(tmp_path):
    nb = new_notebook(cells=[new_code_cell("x")])
    nb.cells[0].outputs = [
        nbformat.v4.new_output("display_data", data={RESULT_MIME: {"name": "a", "value": 1}}),
        nbformat.v4.new_output("display_data", data={RESULT_MIME: {"name": "a", "value": 2}}),
        nbformat.v4.new_output("display_data", data={"text/plain": "ignored"}),
    ]
    path = tmp_path / "nb.ipynb"
    nbformat.write(nb, path)
    assert read_results(path) == {"a": 2}


@pytest.mark.notebook
def test_run_notebook_injects_parameters_on_the_project_kernel(tmp_path):
    params = new_code_cell("N = 1")
    params.metadata["tags"] = ["parameters"]
    nb = new_notebook(
        cells=[
            params,
            new_code_cell(
                "import sys\nfrom helpers.notebook import record\n"
                "record('double', N * 2)\nrecord('python', sys.executable)"
            ),
        ]
    )
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    source = tmp_path / "tiny.ipynb"
    nbformat.write(nb, source)
    results = run_notebook(source, tmp_path / "out" / "tiny.ipynb", {"N": 21}, progress=False)
    assert results["double"] == 42
    # the kernel is the interpreter running the tests (the project's .venv), not another one
    assert results["python"] == sys.executable

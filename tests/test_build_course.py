"""The course build: chapters found in course order, their goals, and the parallel runs.

The book itself (``scripts/build_book.py``) is tested in ``tests/test_book.py``.
"""

from __future__ import annotations

import json
import sys
import time
from functools import partial
from pathlib import Path

import pytest
from conftest import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
import build_course  # noqa: E402


def notebook(tmp_path, name, *markdown):
    cells = [
        {"cell_type": "markdown", "id": f"c{i}", "metadata": {}, "source": text}
        for i, text in enumerate(markdown)
    ]
    path = tmp_path / name
    path.write_text(
        json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5})
    )
    return path


def test_the_goal_is_the_whole_first_paragraph(tmp_path):
    path = notebook(
        tmp_path,
        "07_x.ipynb",
        "# 07 · A title\n\nFirst line of the goal,\nsecond line of it.\n\nAnother paragraph.",
    )
    assert build_course.title_and_goal(path) == (
        "07 · A title",
        "First line of the goal, second line of it.",
    )


def test_chapters_are_found_in_course_order():
    names = [p.name for p in build_course.course_notebooks()]
    assert names[:2] == ["00_welcome.ipynb", "01_data_cleaning.ipynb"]
    assert names == sorted(names)


def pretend_notebook(path: Path, log: Path, fail: str = "") -> None:
    """Stand-in for a notebook run (in a worker process): log start and end, fail if named."""
    with log.open("a") as out:
        out.write(f"{time.time()} start {path.name}\n")
    time.sleep(0.3)
    if path.name == fail:
        raise RuntimeError("cell 3 failed")
    with log.open("a") as out:
        out.write(f"{time.time()} end {path.name}\n")


def test_two_at_a_time_runs_every_notebook_once_and_overlaps(tmp_path, capsys):
    names = [Path(f"{i:02d}_x.ipynb") for i in range(5)]
    log = tmp_path / "log"
    build_course.run_all(names, partial(pretend_notebook, log=log), jobs=2)
    events = sorted(line.split() for line in log.read_text().splitlines())
    assert sorted(name for _, kind, name in events if kind == "end") == [p.name for p in names]
    running, most = 0, 0
    for _, kind, _ in events:
        running += 1 if kind == "start" else -1
        most = max(most, running)
    assert most == 2  # two notebooks at once, never more
    out = capsys.readouterr().out
    assert [f"[{i}/5]" in out for i in range(1, 6)] == [True] * 5  # a line as each one ends


def test_a_failing_notebook_stops_the_build_and_is_named(tmp_path, capsys):
    names = [Path(f"{i:02d}_x.ipynb") for i in range(8)]
    log = tmp_path / "log"
    with pytest.raises(RuntimeError, match="cell 3 failed"):
        build_course.run_all(names, partial(pretend_notebook, log=log, fail="01_x.ipynb"), jobs=2)
    assert "failed: 01_x.ipynb" in capsys.readouterr().out
    started = [line.split()[2] for line in log.read_text().splitlines() if " start " in line]
    assert len(started) < len(names)  # the notebooks not yet started were not run

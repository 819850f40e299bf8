"""The report's bad-input catalogue, the cases that stop: exit code, one-line message, nothing
written, the user's files untouched byte for byte (tests/report_catalogue.py)."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
from report_catalogue import CASES, README, ROOT, Case, readme_table

pytestmark = pytest.mark.notebook

STOPS = [c for c in CASES if not c.runs]


def prepare(case: Case, folder: Path) -> tuple[list[str], Path]:
    """Write the case's files; return the command's arguments and its --out."""
    args = case.make(folder)
    out = case.out(folder) if case.out else folder / "report"
    return [*args, "--out", str(out)], out


def invoke(args: list[str], folder: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "helpers.report", "--no-progress", *args],
        capture_output=True,
        text=True,
        cwd=folder,
        timeout=900,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def tree(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    } | {str(p.relative_to(folder)) + "/": "" for p in folder.rglob("*") if p.is_dir()}


def test_the_catalogue_has_forty_cases_with_unique_ids():
    assert len(CASES) >= 40
    assert len({c.id for c in CASES}) == len(CASES)


def test_readme_table_is_made_from_the_catalogue():
    text = README.read_text(encoding="utf-8")
    assert readme_table() in text, "run: python tests/report_catalogue.py --readme"


@pytest.mark.parametrize("case", STOPS, ids=[c.id for c in STOPS])
def test_case_stops(case, tmp_path):
    folder = tmp_path / "work"
    folder.mkdir()
    args, _ = prepare(case, folder)
    before = tree(folder)
    done = invoke(args, folder)
    assert done.returncode == case.exit, (done.returncode, done.stderr)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert case.message in lines[0], lines[0]
    for word in ("Traceback", "np.int64", "np.float64", "without encryption"):
        assert word not in done.stderr
    assert tree(folder) == before  # nothing written, nothing removed, every byte the same

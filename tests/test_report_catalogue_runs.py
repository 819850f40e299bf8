"""The report's bad-input catalogue, the cases that run: exit 0, the message, rows and revenue
reconcile, and each case's own check (tests/report_catalogue.py)."""

from __future__ import annotations

import pytest
from report_catalogue import CASES
from test_report_catalogue_errors import invoke, prepare

pytestmark = pytest.mark.notebook

RUNS = [c for c in CASES if c.runs]


@pytest.mark.parametrize("case", RUNS, ids=[c.id for c in RUNS])
def test_case_runs(case, tmp_path):
    folder = tmp_path / "work"
    folder.mkdir()
    args, out = prepare(case, folder)
    done = invoke(args, folder)
    assert done.returncode == 0, done.stderr
    assert case.message in done.stdout + done.stderr, done.stdout + done.stderr
    for word in ("Traceback", "without encryption"):
        assert word not in done.stderr
    assert (out / "report.html").is_file()
    leftovers = [p.name for p in out.parent.iterdir() if ".tmp-" in p.name or ".old-" in p.name]
    assert not leftovers, leftovers
    case.check(folder, out)

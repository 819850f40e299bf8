"""Wall time of building the whole course: what ``make course`` runs, into a scratch folder.

Run: ``.venv/bin/python benchmarks/course_time.py`` (``--json FILE``). It runs
``scripts/build_course.py --out <tmp>`` with the project's kernel, as ``make course`` does:
every chapter notebook executed with papermill on its default parameters (two at a time on
two cores), then rendered to HTML. Each notebook's time is papermill's, recorded in the
executed copy; their sum is printed beside the wall time. Target: under 3 minutes on 2 cores.
Not part of the test run.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from harness import write_json

ROOT = Path(__file__).resolve().parents[1]
TARGET_S = 180.0


def environment() -> dict[str, str]:
    """The environment ``make course`` gives: the venv's kernel, the shared data when present."""
    env = dict(os.environ)
    env.setdefault("JUPYTER_PATH", str(ROOT / ".venv" / "share" / "jupyter"))
    env.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    shared = ROOT.parent / "shared" / "datasets"
    if "CVL_DATA_DIR" not in env and shared.is_dir():
        env["CVL_DATA_DIR"] = str(shared)
    return env


def build_course(out: Path) -> tuple[float, dict[str, float]]:
    """Build the course into ``out``; return the wall time and each notebook's run time.

    A notebook's time is papermill's (``metadata.papermill.duration`` of the executed copy).
    """
    command = [sys.executable, str(ROOT / "scripts" / "build_course.py"), "--out", str(out)]
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env=environment(), capture_output=True, text=True)
    total = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"build_course.py failed ({done.returncode}):\n{done.stderr[-2000:]}")
    notebooks = {}
    for path in sorted((out / "notebooks").glob("*.ipynb")):
        metadata = json.loads(path.read_text(encoding="utf-8"))["metadata"]
        notebooks[path.stem] = float(metadata.get("papermill", {}).get("duration") or 0.0)
    return total, notebooks


def main(argv: list[str] | None = None) -> int:
    """Print the course's build time, per notebook; write JSON with ``--json``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", help="write the figures to this file")
    args = parser.parse_args(argv)
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as out:
        total, notebooks = build_course(Path(out))
    executed = sum(notebooks.values())
    print(
        f"course built in {total:.0f} s wall time ({len(notebooks)} notebooks; their own "
        f"times add up to {executed:.0f} s, run {min(2, os.cpu_count() or 1)} at a time)"
    )
    for name, seconds in sorted(notebooks.items(), key=lambda item: -item[1]):
        print(f"  {seconds:6.1f} s  {name}")
    met = total < TARGET_S
    print(f"target < {TARGET_S:.0f} s: {'met' if met else 'MISSED'}")
    write_json(
        args.json,
        {
            "benchmark": "course_time",
            "seconds": total,
            "notebooks": notebooks,
            "notebooks_sum_s": executed,
            "target_s": TARGET_S,
            "met": met,
            "load_average_before": round(load, 2),
        },
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

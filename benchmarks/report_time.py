"""Wall time and peak memory of the whole report command on a large order-lines file.

Run: ``.venv/bin/python benchmarks/report_time.py`` (``--rows 2000000``, ``--data FOLDER``
to keep the generated file, ``--json FILE``). The file is the synthetic shop of
:func:`helpers.datasets.make_synthetic` with its dirt (returns, duplicates, bad dates, ...),
drawn with enough customers for ``--rows`` lines (about 35 a customer over two years) and
cut to exactly that many, written once as ``.csv.gz``. The command ``python -m
helpers.report`` then runs on it in a child process; every 0.2 s the resident memory of the
command and all its descendants (the notebook's kernel) is summed from ``/proc``. Printed:
wall seconds and the peak of that sum. Not part of the test run.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINES_PER_CUSTOMER = 34.5


def make_file(n_rows: int, folder: Path) -> Path:
    """Write ``n_rows`` raw synthetic order lines to ``folder`` (once)."""
    path = folder / f"report-lines-{n_rows}.csv.gz"
    if path.exists():
        return path
    from helpers.datasets import make_synthetic

    folder.mkdir(parents=True, exist_ok=True)
    data = make_synthetic(2024, int(n_rows / LINES_PER_CUSTOMER) + 100)
    lines = data.order_lines.head(n_rows)
    partial = path.with_suffix(".part.gz")
    lines.to_csv(partial, index=False, compression="gzip")
    partial.replace(path)
    return path


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(p) for p in text.split()]


def tree_rss_gb(pid: int) -> float:
    """Resident memory of a process and all its descendants, in GB."""
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
        todo.extend(_children(current))
    return total / 2**20


def run(path: Path, out: Path) -> dict:
    """Run the report command on ``path`` and measure it."""
    started = time.perf_counter()
    command = [sys.executable, "-m", "helpers.report", "--transactions", str(path)]
    command += ["--out", str(out), "--no-progress"]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    peak = 0.0
    while process.poll() is None:
        peak = max(peak, tree_rss_gb(process.pid))
        time.sleep(0.2)
    stdout, stderr = process.communicate()
    return {
        "returncode": process.returncode,
        "seconds": round(time.perf_counter() - started, 1),
        "peak_gb": round(peak, 2),
        "stdout": stdout.decode()[-400:],
        "stderr": stderr.decode()[-400:],
    }


def main() -> None:
    """Parse the options, make the file, run and print the measurement."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--data", type=Path, default=Path(tempfile.gettempdir()) / "cvl-bench")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    path = make_file(args.rows, args.data)
    with tempfile.TemporaryDirectory() as folder:
        result = run(path, Path(folder) / "report")
    result["rows"] = args.rows
    print(
        f"report on {args.rows:,} lines: {result['seconds']} s, peak {result['peak_gb']} GB "
        f"(exit {result['returncode']})"
    )
    if result["returncode"]:
        print(result["stderr"], file=sys.stderr)
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    sys.exit(result["returncode"])


if __name__ == "__main__":
    main()

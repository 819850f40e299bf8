"""Peak memory of the per-customer summary of 10M order lines, in a fresh interpreter.

Run: ``.venv/bin/python benchmarks/peak_memory.py`` (``--rows``, ``--data FOLDER`` to keep the
generated lines, ``--json FILE``). The lines (:mod:`order_lines`) are made in this process
and saved; a fresh Python then loads them, notes its peak and resident memory, resets the
high-water mark (``/proc/self/clear_refs``), runs :func:`helpers.clv_data.summary_data` and
reads the mark again (``VmHWM``): the resident memory at the summary's peak, the lines
included. Target: under 4 GB for the whole process, loading the lines included. Not part of
the test run.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from harness import write_json
from order_lines import cached_order_lines, size_label

TARGET_GB = 4.0

CHILD = """
import gc, json, resource, sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[2])
from order_lines import load_npz
from helpers.clv_data import summary_data

def status_gb(field):
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 2**20  # kB
    return None

lines = load_npz(sys.argv[1])
gc.collect()
loading_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # KiB on Linux
loaded = status_gb("VmRSS")
try:  # reset the high-water mark, so that VmHWM is the summary's own peak
    Path("/proc/self/clear_refs").write_text("5")
    reset = True
except OSError:
    reset = False
start = time.perf_counter()
summary = summary_data(lines)  # as_of: midnight after the last line's day
seconds = time.perf_counter() - start
during = status_gb("VmHWM") if reset else None
print(json.dumps({
    "customers": len(summary), "seconds": seconds, "lines_gb": loaded,
    "summary_peak_gb": during, "loading_peak_gb": loading_peak,
    "peak_gb": max(loading_peak, during or 0.0),
}))
"""


def measure(source: Path) -> dict:
    """Run the summary of the lines in ``source`` in a fresh Python; return its memory figures."""
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(source), str(Path(__file__).parent)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    """Print the peak memory of the summary; write JSON with ``--json``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--data", type=Path, help="folder for the generated lines (kept)")
    parser.add_argument("--json", help="write the figures to this file")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        source, made_in = cached_order_lines(args.rows, args.data or Path(scratch))
        figures = measure(source)
    figures.update(rows=args.rows, generation_s=round(made_in, 1), target_gb=TARGET_GB)
    figures["met"] = figures["peak_gb"] < TARGET_GB
    during = figures["summary_peak_gb"]
    print(
        f"summary of {size_label(args.rows)} lines ({figures['customers']:,} customers) in "
        f"{figures['seconds']:.2f} s: process peak {figures['peak_gb']:.2f} GB (loading the "
        f"lines included); {figures['lines_gb']:.2f} GB resident with the lines loaded, "
        + (f"{during:.2f} GB at the summary's peak; " if during is not None else "")
        + f"target < {TARGET_GB:g} GB: {'met' if figures['met'] else 'MISSED'}"
    )
    write_json(args.json, {"benchmark": "peak_memory", **figures})
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Wall time and peak memory of the whole report command on a large order-lines file.

Run: ``.venv/bin/python benchmarks/report_time.py`` (``--rows 2000000``, ``--format
csv|parquet``, ``--engine pandas|duckdb|spark``, ``--memory-limit 4GB``, ``--data FOLDER``
where the generated files are kept and reused, ``--json FILE``); several runs at once with
``--run ROWS,FORMAT,ENGINE`` (repeatable; ``default`` as the engine passes none). The file is
written by :func:`helpers.synthetic_scale.write_order_lines`: the synthetic shop of
:func:`helpers.datasets.make_synthetic` with its dirt (returns, duplicates, bad dates, ...),
up to 2M lines drawn once and copied with moved customer and invoice ids for more, as
``.csv.gz`` or Parquet (a folder of files above 2M lines). The command ``python -m
helpers.report`` then runs on it in a child process (``--engine X`` and ``--memory-limit``
passed when given; without ``--engine``, the command's own default, today pandas); every 0.2 s
the resident memory of the command and all its descendants (the notebook's kernel, DuckDB,
Spark's JVM) is summed from ``/proc``. Printed for each run: rows, format, engine, wall
seconds and the peak of that sum. A command that fails (one that does not know ``--engine``)
ends the run at once with its error shown; one that runs past ``--timeout`` is stopped with
all its children. Spark needs PySpark: ``--python .venv-scale/bin/python``. Not part of the
test run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ENGINES = ("pandas", "duckdb", "spark")
FORMATS = {"csv": ".csv.gz", "parquet": ".parquet"}
DEFAULT_DATA = Path(tempfile.gettempdir()) / "cvl-bench"


def make_file(n_rows: int, folder: Path, file_format: str = "csv") -> tuple[Path, float | None]:
    """Write ``n_rows`` raw synthetic order lines to ``folder`` once; reuse them after.

    Returns the path and the seconds it took to write (None when it was there already).
    """
    from helpers.synthetic_scale import write_order_lines

    path = folder / f"report-lines-{n_rows}{FORMATS[file_format]}"
    if path.exists():
        return path, None
    started = time.perf_counter()
    write_order_lines(path, n_rows)
    return path, round(time.perf_counter() - started, 1)


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


def report_command(
    path: Path,
    out: Path,
    engine: str | None = None,
    memory_limit: str | None = None,
    python: str = sys.executable,
) -> list[str]:
    """The report command on ``path``, with ``--engine`` and ``--memory-limit`` when given."""
    command = [python, "-m", "helpers.report", "--transactions", str(path)]
    command += ["--out", str(out), "--no-progress"]
    if engine is not None:
        command += ["--engine", engine]
    if memory_limit is not None:
        command += ["--memory-limit", memory_limit]
    return command


def _stop(process: subprocess.Popen) -> None:
    """Stop the command and all its children (its own process group), TERM then KILL."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(process.pid, sig)
            process.wait(timeout=15)
            return
        except ProcessLookupError:
            return
        except subprocess.TimeoutExpired:
            continue


def run(command: list[str], timeout: float | None = None) -> dict:
    """Run ``command`` and measure it: exit code, wall seconds, peak GB of the process tree.

    Its output goes to files (a pipe nobody reads could fill and stall it); the last lines of
    each are kept.
    """
    with tempfile.TemporaryFile() as stdout, tempfile.TemporaryFile() as stderr:
        started = time.perf_counter()
        process = subprocess.Popen(
            command, cwd=ROOT, stdout=stdout, stderr=stderr, start_new_session=True
        )
        peak, timed_out = 0.0, False
        while process.poll() is None:
            peak = max(peak, tree_rss_gb(process.pid))
            if timeout is not None and time.perf_counter() - started > timeout:
                timed_out = True
                _stop(process)
                break
            time.sleep(0.2)
        seconds = time.perf_counter() - started
        stdout.seek(0)
        stderr.seek(0)
        tails = [f.read().decode(errors="replace")[-2000:] for f in (stdout, stderr)]
    return {
        "returncode": process.returncode if not timed_out else -1,
        "timed_out": timed_out,
        "seconds": round(seconds, 1),
        "peak_gb": round(peak, 2),
        "stdout": tails[0],
        "stderr": tails[1],
    }


def measure(
    n_rows: int,
    file_format: str,
    engine: str | None,
    args: argparse.Namespace,
) -> dict:
    """Make the file (once), run the report on it and print the measurement."""
    path, made_s = make_file(n_rows, args.data, file_format)
    label = engine or "default"
    print(f"== report on {n_rows:,} lines ({file_format}, engine {label}): {path}", flush=True)
    with tempfile.TemporaryDirectory() as folder:
        command = report_command(
            path, Path(folder) / "report", engine, args.memory_limit, args.python
        )
        result = run(command, args.timeout)
    result.update(
        rows=n_rows,
        format=file_format,
        engine=label,
        file=str(path),
        file_made_s=made_s,
        measured_at=f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC",
    )
    status = "timed out" if result["timed_out"] else f"exit {result['returncode']}"
    print(
        f"rows {n_rows:,} | engine {label} | {result['seconds']} s | peak "
        f"{result['peak_gb']} GB ({status})",
        flush=True,
    )
    if result["returncode"]:
        print(result["stderr"] or result["stdout"], file=sys.stderr, flush=True)
    return result


def run_spec(text: str) -> tuple[int, str, str | None]:
    """Parse ``ROWS,FORMAT,ENGINE`` (engine ``default``: none passed)."""
    try:
        rows, file_format, engine = (part.strip() for part in text.split(","))
        n_rows = int(rows.replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"a run is ROWS,FORMAT,ENGINE, e.g. 2000000,csv,duckdb; got {text!r}"
        ) from None
    if file_format not in FORMATS or engine not in (*ENGINES, "default") or n_rows < 1:
        raise argparse.ArgumentTypeError(
            f"a run is ROWS (>= 1),FORMAT ({'|'.join(FORMATS)}),ENGINE "
            f"({'|'.join(ENGINES)}|default); got {text!r}"
        )
    return n_rows, file_format, None if engine == "default" else engine


def parser() -> argparse.ArgumentParser:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--format", choices=FORMATS, default="csv", dest="file_format")
    parser.add_argument(
        "--engine", choices=ENGINES, help="passed to the command (default: none passed)"
    )
    parser.add_argument(
        "--run",
        type=run_spec,
        action="append",
        metavar="ROWS,FORMAT,ENGINE",
        help="a run (repeatable), instead of --rows, --format and --engine",
    )
    parser.add_argument("--memory-limit", metavar="SIZE", help="passed to the command")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--python", default=sys.executable, help="the command's interpreter")
    parser.add_argument(
        "--timeout", type=float, default=3600.0, help="seconds before a run is stopped"
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    """Parse the options, make the files, run and print the measurements."""
    args = parser().parse_args(argv)
    runs = args.run or [(args.rows, args.file_format, args.engine)]
    results = []
    for n_rows, file_format, engine in runs:
        results.append(measure(n_rows, file_format, engine, args))
        if results[-1]["returncode"]:
            break  # the next runs would fail the same way, or the machine is in trouble
    if args.json:
        args.json.write_text(json.dumps({"runs": results}, indent=2))
    return max(abs(result["returncode"]) for result in results)


if __name__ == "__main__":
    sys.exit(main())

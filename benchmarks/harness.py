"""What every benchmark script shares: best-of-N timing, the machine, JSON results, lifetimes.

lifetimes 0.11.3, the peer of the CLV benchmarks, does not install next to the course's
pandas 3: it runs in its own virtual environment (``pandas<3``, ``setuptools<81``), made by
:func:`lifetimes_python` when it is missing.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

#: Where :func:`lifetimes_python` makes the lifetimes environment unless told otherwise.
LIFETIMES_VENV = Path(os.environ.get("CVL_LIFETIMES_VENV", "/tmp/lt"))
LIFETIMES_REQUIREMENTS = ["lifetimes==0.11.3", "pandas<3", "setuptools<81"]


def best_of(function: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """Return the best wall time of ``repeat`` calls of ``function`` and its last result.

    Parameters
    ----------
    function : callable
        Called without arguments.
    repeat : int
        Number of calls, at least 1.

    Returns
    -------
    tuple of (float, object)
        Seconds, and what the last call returned.
    """
    best, result = float("inf"), None
    for _ in range(max(1, repeat)):
        start = time.perf_counter()
        result = function()
        best = min(best, time.perf_counter() - start)
    return best, result


def machine() -> dict[str, Any]:
    """Describe the machine now: cores, load average (1, 5, 15 min), CPU, Python.

    Returns
    -------
    dict
    """
    return {
        "cores": os.cpu_count(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "cpu": _cpu_name(),
        "python": platform.python_version(),
    }


def _cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def write_json(path: str | os.PathLike | None, result: dict[str, Any]) -> None:
    """Write ``result`` (with the machine's state) as JSON to ``path``; nothing when None.

    Parameters
    ----------
    path : str or path-like, optional
        The file.
    result : dict
        The benchmark's figures.
    """
    if path is not None:
        Path(path).write_text(json.dumps({**result, "machine": machine()}, indent=1) + "\n")


def lifetimes_python(python: str | None = None) -> str:
    """Return a Python interpreter with lifetimes 0.11.3, making its venv when missing.

    Parameters
    ----------
    python : str, optional
        An interpreter to use as it is (``--lifetimes``); default the one in
        :data:`LIFETIMES_VENV` (``$CVL_LIFETIMES_VENV`` or ``/tmp/lt``), created with
        ``python3 -m venv`` and ``pip install lifetimes==0.11.3 "pandas<3" "setuptools<81"``.

    Returns
    -------
    str
        The interpreter's path.
    """
    if python:
        return python
    interpreter = LIFETIMES_VENV / "bin" / "python"
    check = [str(interpreter), "-c", "import lifetimes"]
    if interpreter.exists() and subprocess.run(check, capture_output=True).returncode == 0:
        return str(interpreter)
    print(f"making the lifetimes environment in {LIFETIMES_VENV} (about a minute)", flush=True)
    subprocess.run([sys.executable, "-m", "venv", str(LIFETIMES_VENV)], check=True)
    pip = [str(interpreter), "-m", "pip", "install", "--quiet", *LIFETIMES_REQUIREMENTS]
    subprocess.run(pip, check=True)
    return str(interpreter)

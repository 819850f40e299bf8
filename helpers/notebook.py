"""Run notebooks with parameters, publish results from inside them, read the results back.

Inside a notebook, ``record("rows_in", n)`` displays the value and publishes it under a private
MIME type in the cell's output. :func:`read_results` reads those outputs back from an executed
notebook file, so tests can assert what a notebook computed without scraping printed text.
:func:`run_notebook` executes a notebook with papermill on the kernel of the running Python
(the project's ``.venv``), never on whatever kernel the machine happens to have.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

RESULT_MIME = "application/vnd.customer-value-lab.result+json"

__all__ = ["RESULT_MIME", "notebook_results", "read_results", "record", "run_notebook"]


def _jsonable(value: Any) -> Any:
    """Convert numpy/pandas scalars and containers to plain JSON types."""
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    if hasattr(value, "tolist") and not isinstance(value, str):  # numpy scalars and arrays
        return _jsonable(value.tolist())
    if hasattr(value, "isoformat"):  # datetime, pandas Timestamp
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is None or isinstance(value, bool | int | float | str):
        return value
    raise TypeError(
        f"record() takes numbers, strings, booleans, dates and lists/dicts of them; "
        f"got {type(value).__name__}. Convert it first (e.g. series.to_dict())."
    )


def record(name: str, value: Any) -> Any:
    """Publish a result from inside a notebook, for tests and reports to read back.

    Parameters
    ----------
    name : str
        The result's key; recording the same name again overwrites it.
    value : object
        A number, string, boolean, date, or a list/dict of those (numpy and pandas scalars are
        converted).

    Returns
    -------
    object
        The JSON-ready value that was recorded.
    """
    from IPython.display import display  # only needed inside a kernel

    clean = _jsonable(value)
    display(
        {RESULT_MIME: {"name": name, "value": clean}, "text/plain": f"{name} = {clean!r}"},
        raw=True,
    )
    return clean


def read_results(path: str | os.PathLike) -> dict[str, Any]:
    """Read the values that :func:`record` published in an executed notebook.

    Parameters
    ----------
    path : str or path-like
        An executed ``.ipynb`` file.

    Returns
    -------
    dict
        ``{name: value}`` in recording order; a later record of a name wins. A recorded dict
        comes back with its keys sorted (nbformat writes JSON with sorted keys), so compare
        recorded dicts as mappings, not by key order.
    """
    return notebook_results(json.loads(Path(path).read_text(encoding="utf-8")))


def notebook_results(notebook: Mapping[str, Any]) -> dict[str, Any]:
    """Read the values that :func:`record` published in a notebook already in memory.

    Parameters
    ----------
    notebook : mapping
        An executed notebook, as JSON or as an ``nbformat.NotebookNode``.

    Returns
    -------
    dict
        ``{name: value}`` as :func:`read_results` gives them.
    """
    results: dict[str, Any] = {}
    for cell in notebook.get("cells", []):
        for output in cell.get("outputs", []):
            payload = output.get("data", {}).get(RESULT_MIME)
            if payload is not None:
                if isinstance(payload, str):
                    payload = json.loads(payload)
                results[payload["name"]] = payload["value"]
    return results


def run_notebook(
    path: str | os.PathLike,
    output_path: str | os.PathLike,
    parameters: Mapping[str, Any] | None = None,
    *,
    cwd: str | os.PathLike | None = None,
    progress: bool = True,
    timeout: int | None = 1800,
    kernel_log: bool = True,
) -> dict[str, Any]:
    """Execute a notebook with papermill and return what it recorded.

    Parameters
    ----------
    path : str or path-like
        The notebook to run.
    output_path : str or path-like
        Where to write the executed notebook (its folder is created).
    parameters : mapping, optional
        Values injected after the cell tagged ``parameters``.
    cwd : str or path-like, optional
        Working directory of the kernel; default the notebook's folder.
    progress : bool, default True
        Show papermill's progress bar.
    timeout : int, optional
        Seconds allowed per cell.
    kernel_log : bool, default True
        Let the kernel write its own log (errors only) to this process's stderr. The report
        command turns it off: a kernel stopped by Ctrl-C or SIGTERM logs a traceback of
        its own, which is not the user's business (a failing cell is still reported, by
        papermill, from the notebook's outputs).

    Returns
    -------
    dict
        The notebook's recorded results (see :func:`read_results`).

    Raises
    ------
    papermill.PapermillExecutionError
        If a cell fails; the message names the cell and the error.
    """
    import papermill

    path, output_path = Path(path), Path(output_path)
    output_path.parent.mkdir(parents=True, exist_ok=True)
    papermill.execute_notebook(
        str(path),
        str(output_path),
        parameters=dict(parameters or {}),
        kernel_name="python3",
        cwd=str(cwd or path.parent),
        progress_bar=progress,
        execution_timeout=timeout,
        # the kernel's own log (its "running over TCP without encryption" warning on a
        # loopback socket) is noise to the reader; errors still reach stderr
        extra_arguments=["--IPKernelApp.log_level=ERROR"],
        **({} if kernel_log else {"kernel_manager_class": _silent_kernel_manager()}),
    )
    return read_results(output_path)


def _silent_kernel_manager() -> type:
    """Return a kernel manager whose kernel writes its stderr nowhere."""
    import subprocess

    from jupyter_client.manager import AsyncKernelManager

    class SilentKernelManager(AsyncKernelManager):
        async def _async_launch_kernel(self, kernel_cmd: list[str], **kw: Any) -> None:
            kw["stderr"] = subprocess.DEVNULL
            await super()._async_launch_kernel(kernel_cmd, **kw)

    return SilentKernelManager

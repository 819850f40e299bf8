"""The report's output folder: made fresh, swapped into place, and never harmful to the user.

:func:`report_folder` is what ``python -m helpers.report --out DIR`` writes through::

    with report_folder(out, inputs=[transactions_path]) as building:
        ...  # write report.html, strategies.csv, campaigns/*.csv into ``building``

It builds the report in a fresh temporary folder next to ``out`` and, when the ``with`` block
ends cleanly, writes a marker file into it (:data:`MARKER`) and swaps it into place. An
exception, Ctrl-C (SIGINT), SIGTERM or SIGHUP inside the block removes the temporary folder
and leaves ``out`` as it was.

Which ``--out`` is allowed
--------------------------
:func:`check_output_folder` decides, before any work, again once the run holds the lock, and
once more right before the swap. ``--out`` may be

- a path that does not exist (the missing folders above it are created, and removed again if
  the run fails),
- an empty folder,
- a report folder that this tool made: it holds a :data:`MARKER` file whose content this tool
  wrote, and nothing but the entries that the marker lists (what the run that made it wrote).

Everything else is refused with :class:`OutputFolderError`, naming what is there: a folder
holding anything this tool did not write (a file the user added to an old report too: it
would be deleted with the report), a file, the current folder (even when empty) or a folder
that contains it, the filesystem root, the home folder or a folder that contains it, an input
file or a folder that contains one at any depth. A symbolic link is judged by the folder it
points to. So nothing of the user's is ever deleted: an old report is replaced only when all
it holds was written by this tool.

Marker
------
``.customer-value-report``, UTF-8: a first line ``customer-value-report``, then a JSON object
with ``format`` (1), ``state`` (``"complete"``; ``"building"`` while a run writes the
temporary folder), ``tool``, ``version`` (of the customer-value-lab package), ``created``
(UTC, ISO 8601) and ``entries``: every path the run wrote, relative to the folder, folders
ending in ``/``.

Concurrency and debris
----------------------
Runs on the same ``out`` take turns: each holds an exclusive :func:`fcntl.flock` on an empty
lock file next to ``out`` (``.NAME.customer-value-report.lock``) from before it builds until
after the swap, and removes the file when it finishes; a run that finds the lock taken waits
(or, with ``wait=False``, stops with :class:`OutputFolderError`). A run that was killed
outright (SIGKILL, power loss) can leave a temporary folder behind; the next run on the same
``out`` removes such folders when they carry this tool's marker.

Signals
-------
Inside :func:`report_folder` (in the main thread) SIGTERM and SIGHUP raise :class:`Terminated`
and SIGINT raises :class:`KeyboardInterrupt`, also while a run waits for the lock, so that
the clean-up runs; the previous handlers are put back afterwards. The steps that must not
be cut in two (making the temporary folder, the swap, the clean-up) hold a signal back and
raise it as soon as they are complete.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import re
import shutil
import signal
import stat
import tempfile
import threading
import warnings
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from helpers import package_version

__all__ = [
    "MARKER",
    "MARKER_TAG",
    "OutputFolderError",
    "Terminated",
    "check_output_folder",
    "file_creation_mask",
    "marker_text",
    "report_folder",
]

#: The file that this tool writes into every report folder it makes.
MARKER = ".customer-value-report"

#: The marker's first line.
MARKER_TAG = "customer-value-report"

#: The marker's format version.
MARKER_FORMAT = 1

_MARKER_LIMIT = 1 << 20  # a marker is a few hundred bytes; a bigger file is not ours
_LOCK_SUFFIX = ".customer-value-report.lock"
_NAME_ROOM = 40  # bytes the temporary, old and lock names add to out's name
_SHOWN = 5  # entries named in a refusal


class OutputFolderError(ValueError):
    """``--out`` names a folder that the report may not write, or cannot write now."""


class Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP arrived while a report folder was being written.

    A subclass of :class:`KeyboardInterrupt`, so that whatever cleans up after Ctrl-C cleans up
    after SIGTERM too (Python code and libraries). The command tells them apart by type and
    exits with ``128 + signum`` (143 for SIGTERM).

    Parameters
    ----------
    signum : int, default signal.SIGTERM
        The signal received.
    """

    def __init__(self, signum: int = signal.SIGTERM) -> None:
        super().__init__(signum)
        self.signum = int(signum)

    def __str__(self) -> str:
        return f"received {signal.Signals(self.signum).name}"


def file_creation_mask() -> int:
    """Return the process's file-creation mask (umask).

    Read from ``/proc/self/status`` where Linux provides it; elsewhere set and restored with
    :func:`os.umask`, which for an instant gives other threads a zero mask.

    Returns
    -------
    int
        The mask, e.g. ``0o022``: a file created with mode ``0o666`` gets ``0o644``.
    """
    try:
        with open("/proc/self/status", encoding="ascii", errors="replace") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0)
    os.umask(mask)
    return mask


# --- the rules -----------------------------------------------------------------------------


def check_output_folder(
    out: str | os.PathLike, *, inputs: Iterable[str | os.PathLike] = ()
) -> Path:
    """Resolve ``--out`` and refuse a folder that the report may not write (see the module).

    Nothing is created or changed.

    Parameters
    ----------
    out : str or path-like
        The report folder asked for (``~`` expanded, relative to the current folder).
    inputs : iterable of str or path-like
        The input files of the run; ``out`` may neither be one nor contain one.

    Returns
    -------
    pathlib.Path
        ``out`` as an absolute path with every symbolic link resolved.

    Raises
    ------
    OutputFolderError
        Naming ``--out`` and what is there, e.g. ``--out data: the folder holds 3 entries that
        this tool did not write (notes.txt, orders.csv, old/); choose an empty or new folder``.
    """
    given = os.fspath(out)
    try:
        target = Path(given).expanduser().resolve()
    except (OSError, RuntimeError) as err:  # RuntimeError: a symbolic link loop
        raise OutputFolderError(f"--out {given}: cannot resolve the path ({err})") from err
    _check(target, _where(given, target), tuple(inputs))
    return target


def _where(given: str, target: Path) -> str:
    """``--out GIVEN`` and, when it differs, the folder it resolves to."""
    return f"--out {given}" if given == str(target) else f"--out {given} ({target})"


def _check(target: Path, where: str, inputs: tuple[str | os.PathLike, ...]) -> None:
    """Apply the rules to the resolved ``target``; raise :class:`OutputFolderError`."""
    if target.parent == target:
        raise OutputFolderError(f"{where}: is the filesystem root; choose a new folder")
    try:
        home: Path | None = Path.home().resolve()
    except (OSError, RuntimeError, KeyError):  # no HOME and no password entry
        home = None
    if home is not None and target == home:
        raise OutputFolderError(f"{where}: is your home folder; choose a new folder in it")
    if home is not None and target in home.parents:
        raise OutputFolderError(f"{where}: contains your home folder; choose a new folder")
    try:
        cwd: Path | None = Path.cwd().resolve()
    except OSError:  # the current folder was deleted
        cwd = None
    if cwd is not None and target == cwd:
        raise OutputFolderError(
            f"{where}: is the current folder; choose a new folder, e.g. --out report"
        )
    if cwd is not None and target in cwd.parents:
        raise OutputFolderError(f"{where}: contains the current folder; choose a new folder")
    for item in inputs:
        path = Path(os.fspath(item)).expanduser().resolve()
        if path == target:
            raise OutputFolderError(f"{where}: is the input {os.fspath(item)}; choose a new folder")
        if target in path.parents:
            raise OutputFolderError(
                f"{where}: contains the input {os.fspath(item)}; choose a new folder"
            )
    if len(os.fsencode(target.name)) + _NAME_ROOM > 255:
        raise OutputFolderError(f"{where}: the folder's name is too long")
    try:
        info = os.lstat(target)
    except (FileNotFoundError, NotADirectoryError):
        _check_can_create(target, where)
        return
    if not stat.S_ISDIR(info.st_mode):
        kind = "a file" if stat.S_ISREG(info.st_mode) else "not a folder"
        raise OutputFolderError(f"{where}: is {kind}; choose an empty or new folder")
    _check_can_write(target.parent, where)
    try:
        marker = _read_marker(target)
    except ValueError as err:
        raise OutputFolderError(
            f"{where}: {err}; it was not written by this tool, so the folder is not replaced; "
            "choose an empty or new folder"
        ) from None
    if marker is None:
        foreign = sorted(_entry_name(e) for e in os.scandir(target))
        if foreign:
            raise OutputFolderError(
                f"{where}: the folder holds {_count(foreign)} that this tool did not write "
                f"({_names(foreign)}); choose an empty or new folder"
            )
        return
    if marker["state"] != "complete":
        raise OutputFolderError(
            f"{where}: holds an unfinished report (its {MARKER} says so); remove it by hand "
            "or choose another folder"
        )
    foreign = _foreign_entries(target, marker["entries"])
    if foreign:
        raise OutputFolderError(
            f"{where}: the report folder also holds {_count(foreign)} that this tool did not "
            f"write ({_names(foreign)}); move {'it' if len(foreign) == 1 else 'them'} away or "
            "choose another folder"
        )


def _check_can_create(target: Path, where: str) -> None:
    """Refuse a missing ``target`` whose first existing ancestor is no folder we may write."""
    above = target.parent
    while not os.path.lexists(above):
        above = above.parent
    if not above.is_dir():
        raise OutputFolderError(f"{where}: {above} is a file, not a folder")
    _check_can_write(above, where)


def _check_can_write(folder: Path, where: str) -> None:
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputFolderError(f"{where}: cannot write in {folder} (permission denied)")


def _entry_name(entry: os.DirEntry) -> str:
    return entry.name + "/" if entry.is_dir(follow_symlinks=False) else entry.name


def _count(names: list[str]) -> str:
    return f"{len(names)} entr{'y' if len(names) == 1 else 'ies'}"


def _names(names: list[str]) -> str:
    shown = ", ".join(names[:_SHOWN])
    return shown + (", ..." if len(names) > _SHOWN else "")


# --- the marker ------------------------------------------------------------------------------


def _read_marker(folder: Path) -> dict[str, Any] | None:
    """Return the marker of ``folder``, None without one; ValueError for one we did not write."""
    path = folder / MARKER
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return None
    if not stat.S_ISREG(info.st_mode) or info.st_size > _MARKER_LIMIT:
        raise ValueError(f"its {MARKER} is not a marker file")
    try:
        tag, _, rest = path.read_text(encoding="utf-8").partition("\n")
        data = json.loads(rest) if tag == MARKER_TAG else None
    except (UnicodeDecodeError, json.JSONDecodeError):
        data = None
    if (
        not isinstance(data, dict)
        or data.get("format") != MARKER_FORMAT
        or data.get("state") not in ("building", "complete")
        or not isinstance(data.get("entries"), list)
        or not all(isinstance(e, str) for e in data["entries"])
    ):
        raise ValueError(f"its {MARKER} file is not a marker this tool wrote")
    return data


def marker_text(
    entries: Iterable[str] = (), *, state: str = "complete", created: datetime | None = None
) -> str:
    """Return the content of a :data:`MARKER` file, as this tool writes it.

    Parameters
    ----------
    entries : iterable of str
        What the folder holds besides the marker: paths relative to it, with ``/`` between
        parts and at the end of a folder's, e.g. ``["campaigns/", "campaigns/retention.csv",
        "report.html"]``. A complete report folder may hold nothing else.
    state : {"complete", "building"}, default "complete"
        ``"building"`` for a temporary folder that a run is writing.
    created : datetime, optional
        When the folder was made; default now. Written in UTC.

    Returns
    -------
    str
        The line ``customer-value-report``, then the JSON object described in the module.

    Raises
    ------
    ValueError
        For another ``state``.
    """
    if state not in ("complete", "building"):
        raise ValueError(f"marker_text: state must be 'complete' or 'building', not {state!r}")
    when = datetime.now(UTC) if created is None else created.astimezone(UTC)
    data = {
        "format": MARKER_FORMAT,
        "state": state,
        "tool": "helpers.report",
        "version": package_version(),
        "created": when.isoformat(timespec="seconds"),
        "entries": sorted(entries),
    }
    return f"{MARKER_TAG}\n{json.dumps(data, indent=1)}\n"


def _write_marker(folder: Path, state: str) -> None:
    """Write the marker of ``folder`` atomically, listing what the folder holds."""
    entries = _entries(folder) if state == "complete" else []
    temporary = folder / (MARKER + ".tmp")
    temporary.write_text(marker_text(entries, state=state), encoding="utf-8")
    os.replace(temporary, folder / MARKER)


def _entries(folder: Path, prefix: str = "") -> list[str]:
    """Every path under ``folder`` but the marker, folders ending in ``/``, sorted."""
    found: list[str] = []
    with os.scandir(folder) as scan:
        for entry in scan:
            if not prefix and entry.name in (MARKER, MARKER + ".tmp"):
                continue
            name = prefix + _entry_name(entry)
            found.append(name)
            if name.endswith("/"):
                found.extend(_entries(Path(entry.path), name))
    return sorted(found)


def _foreign_entries(folder: Path, listed: Iterable[str]) -> list[str]:
    """Return the paths under ``folder`` that its marker does not list (not looking inside)."""
    known = set(listed)
    foreign: list[str] = []

    def walk(directory: Path, prefix: str) -> None:
        with os.scandir(directory) as scan:
            for entry in scan:
                if not prefix and entry.name == MARKER:
                    continue
                name = prefix + _entry_name(entry)
                if name not in known:
                    foreign.append(name)
                elif name.endswith("/"):
                    walk(Path(entry.path), name)

    walk(folder, "")
    return sorted(foreign)


def _remove_report(folder: Path, marker: dict[str, Any] | None) -> None:
    """Delete what the marker of ``folder`` lists, then the marker and the folder.

    Only listed entries are deleted: were anything else there (put in after the last check),
    the folder is kept, with a warning, rather than deleted.
    """
    listed = marker["entries"] if marker else []
    for name in sorted(listed, key=lambda n: n.rstrip("/").count("/"), reverse=True):
        path = folder / name.rstrip("/")
        try:
            if name.endswith("/"):
                path.rmdir()
            else:
                path.unlink()
        except OSError:
            pass  # gone already, or a folder that is not empty: kept with the folder
    (folder / MARKER).unlink(missing_ok=True)
    try:
        folder.rmdir()
    except OSError:
        warnings.warn(
            f"{folder} was kept: it holds files that this tool did not write",
            stacklevel=4,
        )


# --- signals ----------------------------------------------------------------------------------

_HANDLED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
_local = threading.local()  # Python runs signal handlers in the main thread: its own state


def _exception_for(signum: int) -> BaseException:
    return KeyboardInterrupt() if signum == signal.SIGINT else Terminated(signum)


def _on_signal(signum: int, frame: object) -> None:
    """Raise the signal's exception, or note it while a step must not be cut in two."""
    if getattr(_local, "deferring", 0):
        _local.pending = getattr(_local, "pending", None) or signum
        return
    raise _exception_for(signum)


@contextmanager
def _signals_raise() -> Iterator[None]:
    """Turn SIGTERM and SIGHUP (and SIGINT, as ever) into exceptions; restore the handlers.

    Only in the main thread, where Python runs signal handlers. A handler set in Python (the
    default ones or the caller's) is replaced for the time being, so that a signal can be
    held back during a swap; a signal that the process ignores stays ignored, and a handler
    installed outside Python (``None``) is left alone.
    """
    previous: dict[int, Any] = {}
    if threading.current_thread() is threading.main_thread():
        for signum in _HANDLED:
            handler = signal.getsignal(signum)
            if handler == signal.SIG_DFL or callable(handler):
                previous[signum] = signal.signal(signum, _on_signal)
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


@contextmanager
def _deferred() -> Iterator[None]:
    """Hold signals back during a step that must finish (a rename pair, a clean-up).

    A signal that arrives meanwhile is raised as its exception when the step ends.
    """
    _local.deferring = getattr(_local, "deferring", 0) + 1
    try:
        yield
    finally:
        _local.deferring -= 1
        pending = getattr(_local, "pending", None)
        if not _local.deferring and pending is not None:
            _local.pending = None
            raise _exception_for(pending)


# --- one run --------------------------------------------------------------------------------


class _Run:
    """What a run has made (parents, lock, temporary folder), to undo it on failure."""

    def __init__(self, target: Path, where: str, inputs: tuple[str | os.PathLike, ...]):
        self.target = target
        self.where = where
        self.inputs = inputs
        self.lock_path = target.parent / f".{target.name}{_LOCK_SUFFIX}"
        self.created: list[Path] = []
        self.lock_fd: int | None = None
        self.locked = False
        self.building: Path | None = None
        self.done = False

    def make_parents(self) -> None:
        """Create the missing folders above the target, remembering which."""
        missing = []
        folder = self.target.parent
        while not os.path.lexists(folder):
            missing.append(folder)
            folder = folder.parent
        for folder in reversed(missing):
            try:
                folder.mkdir()  # mode 0o777 less the umask
            except FileExistsError:
                continue  # another run made it: not ours to remove
            self.created.append(folder)

    def lock(self, wait: bool, on_wait: Callable[[Path], object] | None) -> None:
        """Take the lock of the target, waiting for another run when ``wait``."""
        waited = False
        while True:
            with _deferred():
                try:
                    self.lock_fd = os.open(
                        self.lock_path,
                        os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC,
                        0o666 & ~file_creation_mask(),
                    )
                except FileNotFoundError:  # a failed run removed the folders it had made
                    self.make_parents()
                    continue
                except OSError as err:
                    if err.errno != errno.ELOOP:
                        raise
                    raise OutputFolderError(
                        f"{self.where}: {self.lock_path} is a symbolic link, not a lock file "
                        "this tool made; remove it"
                    ) from None
            opened = os.fstat(self.lock_fd)
            if not stat.S_ISREG(opened.st_mode) or opened.st_size:
                raise OutputFolderError(
                    f"{self.where}: {self.lock_path} is not a lock file this tool made "
                    "(those are empty files); remove it"
                )
            try:
                fcntl.flock(self.lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if not wait:
                    raise OutputFolderError(
                        f"{self.where}: another run is writing this report; try again later"
                    ) from None
                if on_wait is not None and not waited:
                    on_wait(self.target)
                waited = True
                fcntl.flock(self.lock_fd, fcntl.LOCK_EX)  # a signal interrupts the wait
            with _deferred():
                if self._lock_file_is_ours():
                    self.locked = True
                    return
                os.close(self.lock_fd)  # the run before removed the file after we opened it
                self.lock_fd = None

    def _lock_file_is_ours(self) -> bool:
        assert self.lock_fd is not None
        opened = os.fstat(self.lock_fd)
        try:
            current = os.stat(self.lock_path, follow_symlinks=False)
        except FileNotFoundError:
            return False
        return (current.st_dev, current.st_ino) == (opened.st_dev, opened.st_ino)

    def prepare(self) -> Path:
        """Under the lock: check again, clear dead runs' debris, make the temporary folder."""
        _check(self.target, self.where, self.inputs)
        self.remove_debris()
        self.building = Path(
            tempfile.mkdtemp(dir=self.target.parent, prefix=f".{self.target.name}.tmp-")
        )
        self.building.chmod(0o777 & ~file_creation_mask())  # mkdtemp makes the folder private
        _write_marker(self.building, "building")
        return self.building

    def remove_debris(self) -> None:
        """Remove temporary folders that killed runs on the same target left behind.

        Only folders with the exact names :func:`tempfile.mkdtemp` gave them that are empty or
        hold this tool's marker.
        """
        pattern = re.compile(rf"\.{re.escape(self.target.name)}\.(tmp|old)-[a-z0-9_]{{8}}")
        with os.scandir(self.target.parent) as scan:
            stale = [
                Path(e.path)
                for e in scan
                if pattern.fullmatch(e.name) and e.is_dir(follow_symlinks=False)
            ]
        for folder in stale:
            try:
                if not any(folder.iterdir()):
                    folder.rmdir()
                elif _read_marker(folder) is not None:
                    shutil.rmtree(folder)
            except (OSError, ValueError):
                continue  # not ours after all, or in use: leave it

    def swap(self) -> None:
        """Write the marker and put the temporary folder in place of the target."""
        assert self.building is not None
        _write_marker(self.building, "complete")
        _check(self.target, self.where, self.inputs)  # the user may have changed it meanwhile
        target = self.target
        if not os.path.lexists(target):
            os.rename(self.building, target)
        else:
            old = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.old-"))
            try:
                os.rename(target, old)  # over the empty folder mkdtemp made: atomic
            except BaseException:
                old.rmdir()
                raise
            try:
                marker = _read_marker(old)
                foreign = (
                    _foreign_entries(old, marker["entries"])
                    if marker
                    else sorted(_entry_name(e) for e in os.scandir(old))
                )
                if foreign:  # written between the check and the rename
                    raise OutputFolderError(
                        f"{self.where}: {_count(foreign)} appeared that this tool did not "
                        f"write ({_names(foreign)}); the folder is not replaced"
                    )
                os.rename(self.building, target)
            except BaseException:
                os.rename(old, target)
                raise
            _remove_report(old, marker)
        self.building = None
        self.done = True

    def close(self) -> None:
        """Remove the temporary folder, release the lock; after a failure, the parents made."""
        if self.building is not None:
            shutil.rmtree(self.building, ignore_errors=True)
            self.building = None
        if self.lock_fd is not None:
            if self.locked and self._lock_file_is_ours():
                self.lock_path.unlink()  # before the lock is released: see lock()
            os.close(self.lock_fd)
            self.lock_fd = None
            self.locked = False
        if not self.done:
            for folder in reversed(self.created):
                try:
                    folder.rmdir()
                except OSError:
                    break  # another run is using it


@contextmanager
def report_folder(
    out: str | os.PathLike,
    *,
    inputs: Iterable[str | os.PathLike] = (),
    wait: bool = True,
    on_wait: Callable[[Path], object] | None = None,
) -> Iterator[Path]:
    """Build a report in a fresh temporary folder and swap it into place at ``out``.

    See the module for the rules, the marker and the lock.

    Parameters
    ----------
    out : str or path-like
        The report folder (``--out``): missing, empty, or a report folder this tool made.
    inputs : iterable of str or path-like
        The run's input files; ``out`` may neither be one nor contain one.
    wait : bool, default True
        When another run is writing the same ``out``, wait for it to finish (then replace
        its report); when False, raise :class:`OutputFolderError` instead.
    on_wait : callable, optional
        Called once with the resolved ``out`` when the run has to wait, e.g. to print
        "waiting for another run on ...". The library itself prints nothing.

    Yields
    ------
    pathlib.Path
        The temporary folder to write the report into (next to ``out``, named
        ``.NAME.tmp-XXXXXXXX``, with the permissions the umask allows).

    Raises
    ------
    OutputFolderError
        If ``out`` is not allowed (checked on entry, again under the lock and before the
        swap), cannot be created, or another run holds it and ``wait`` is False.
    Terminated
        If SIGTERM or SIGHUP arrives inside the block (SIGINT raises KeyboardInterrupt).
        The temporary folder is removed first. A signal that arrives while the folders are
        being swapped or cleaned up is raised once that step is complete.

    Notes
    -----
    On a clean exit the temporary folder gets the marker and replaces ``out``: an old report
    (or empty folder) there is renamed aside, the new folder renamed in, the old one deleted,
    entry by entry as its marker lists them. If the second rename fails, the old one is
    renamed back. On an exception or a signal inside the block, the temporary folder, the
    lock file and the folders made above ``out`` are removed; ``out`` is untouched.
    """
    given = os.fspath(out)
    inputs = tuple(inputs)
    target = check_output_folder(given, inputs=inputs)
    run = _Run(target, _where(given, target), inputs)
    with _signals_raise():
        try:
            try:
                with _deferred():
                    run.make_parents()
                run.lock(wait, on_wait)
                with _deferred():
                    building = run.prepare()
            except OSError as err:
                raise OutputFolderError(f"{run.where}: {_os_message(err)}") from err
            yield building
            with _deferred():
                run.swap()
        finally:
            with _deferred():
                run.close()


def _os_message(err: OSError) -> str:
    where = f": {err.filename}" if err.filename else ""
    return f"{err.strerror or err}{where}"

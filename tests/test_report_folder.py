"""helpers.report_folder: the report's output folder never harms the user's files."""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import signal
import stat
import subprocess
import sys
import textwrap
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from helpers import report_folder as rf
from helpers.report_folder import (
    MARKER,
    OutputFolderError,
    Terminated,
    check_output_folder,
    marker_text,
    report_folder,
)

ROOT = Path(__file__).resolve().parents[1]


# --- helpers -----------------------------------------------------------------------------------


def _snapshot(folder: Path) -> dict[str, str]:
    """Every entry under ``folder`` (hidden ones too): a file's SHA-256, a folder's "dir"."""
    found = {}
    for path in sorted(folder.rglob("*")):
        name = path.relative_to(folder).as_posix()
        if path.is_symlink():
            found[name] = "link -> " + os.readlink(path)
        elif path.is_dir():
            found[name] = "dir"
        else:
            found[name] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def _user_folder(folder: Path) -> dict[str, str]:
    """A folder of the user's own: several files and a subfolder, with contents."""
    folder.mkdir(parents=True)
    (folder / "orders.csv").write_text("invoice,amount\n1,9.99\n")
    (folder / "notes.txt").write_text("do not lose me")
    (folder / ".hidden").write_bytes(b"\x00\x01secret")
    (folder / "old").mkdir()
    (folder / "old" / "2023.csv").write_text("a,b\n1,2\n")
    (folder / "old" / "deeper").mkdir()
    (folder / "old" / "deeper" / "x.bin").write_bytes(os.urandom(64))
    return _snapshot(folder)


def _write_report(out: Path, tag: str = "1", **kwargs) -> Path:
    """Make a report folder at ``out`` as the command would."""
    with report_folder(out, **kwargs) as building:
        (building / "report.html").write_text(f"<p>report {tag}</p>")
        (building / "report.ipynb").write_text("{}")
        (building / "strategies.csv").write_text(f"customer_id\r\nc{tag}\r\n")
        (building / "campaigns").mkdir()
        (building / "campaigns" / "retention.csv").write_text(f"retention {tag}")
    return out


def _marker(folder: Path) -> tuple[str, dict]:
    tag, _, rest = (folder / MARKER).read_text(encoding="utf-8").partition("\n")
    return tag, json.loads(rest)


def _refused(out, match: str, **kwargs) -> OutputFolderError:
    with pytest.raises(OutputFolderError, match=match) as caught:
        check_output_folder(out, **kwargs)
    with pytest.raises(OutputFolderError, match=match):
        with report_folder(out, **kwargs):
            pytest.fail("the block must not run")
    assert str(caught.value).startswith("--out ")
    return caught.value


# --- allowed -----------------------------------------------------------------------------------


def test_a_missing_folder_is_created_with_its_parents_and_marked(tmp_path):
    out = tmp_path / "a" / "b" / "report"
    _write_report(out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a"]
    assert sorted(p.name for p in (tmp_path / "a" / "b").iterdir()) == ["report"]
    tag, data = _marker(out)
    assert tag == "customer-value-report"
    assert data["format"] == 1
    assert data["state"] == "complete"
    assert data["tool"] == "helpers.report"
    assert data["created"].endswith("+00:00")
    assert data["entries"] == [
        "campaigns/",
        "campaigns/retention.csv",
        "report.html",
        "report.ipynb",
        "strategies.csv",
    ]
    assert (out / "campaigns" / "retention.csv").read_text() == "retention 1"


def test_the_folders_made_above_out_are_removed_when_the_run_fails(tmp_path):
    existing = tmp_path / "existing"
    existing.mkdir()
    out = existing / "new" / "deeper" / "report"
    with pytest.raises(RuntimeError, match="boom"):
        with report_folder(out) as building:
            (building / "report.html").write_text("half")
            raise RuntimeError("boom")
    assert [p.name for p in tmp_path.iterdir()] == ["existing"]
    assert list(existing.iterdir()) == []


def test_an_empty_folder_is_allowed_and_replaced(tmp_path):
    out = tmp_path / "report"
    out.mkdir()
    check_output_folder(out)
    _write_report(out)
    assert (out / "report.html").read_text() == "<p>report 1</p>"
    assert [p.name for p in tmp_path.iterdir()] == ["report"]


def test_a_report_folder_this_tool_made_is_replaced_whole(tmp_path):
    out = tmp_path / "report"
    _write_report(out, "1")
    with report_folder(out) as building:  # the second run writes fewer files
        (building / "report.html").write_text("<p>report 2</p>")
    assert sorted(p.name for p in out.iterdir()) == [MARKER, "report.html"]
    assert (out / "report.html").read_text() == "<p>report 2</p>"
    assert _marker(out)[1]["entries"] == ["report.html"]
    assert [p.name for p in tmp_path.iterdir()] == ["report"]  # no .tmp-, .old-, .lock


def test_the_folders_and_marker_get_the_permissions_of_the_umask(tmp_path):
    previous = os.umask(0o027)
    try:
        out = _write_report(tmp_path / "a" / "report")
    finally:
        os.umask(previous)
    assert stat.S_IMODE(out.stat().st_mode) == 0o750  # 0o777 less 0o027
    assert stat.S_IMODE((out / MARKER).stat().st_mode) == 0o640  # 0o666 less 0o027
    assert stat.S_IMODE((tmp_path / "a").stat().st_mode) == 0o750


def test_a_symbolic_link_is_judged_by_its_target(tmp_path):
    real = _write_report(tmp_path / "real")
    link = tmp_path / "link"
    link.symlink_to(real)
    assert check_output_folder(link) == real
    _write_report(link, "2")
    assert link.is_symlink() and link.resolve() == real
    assert (real / "report.html").read_text() == "<p>report 2</p>"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link", "real"]

    mine = tmp_path / "mine"
    before = _user_folder(mine)
    (tmp_path / "to_mine").symlink_to(mine)
    error = _refused(tmp_path / "to_mine", "holds 4 entries that this tool did not write")
    assert f"({mine})" in str(error)  # names where the link leads
    assert _snapshot(mine) == before


def test_marker_text_is_the_tag_line_and_json():
    created = datetime(2024, 7, 1, 14, 30, tzinfo=timezone(timedelta(hours=2)))
    text = marker_text(["report.html", "campaigns/", "campaigns/a.csv"], created=created)
    tag, _, rest = text.partition("\n")
    assert tag == "customer-value-report"
    data = json.loads(rest)
    assert data["created"] == "2024-07-01T12:30:00+00:00"  # 14:30 at UTC+2
    assert data["entries"] == ["campaigns/", "campaigns/a.csv", "report.html"]
    assert (data["format"], data["state"], data["tool"]) == (1, "complete", "helpers.report")
    assert text.endswith("}\n")
    assert json.loads(marker_text(state="building").partition("\n")[2])["state"] == "building"
    with pytest.raises(ValueError, match="state must be"):
        marker_text(state="done")
    assert datetime.fromisoformat(json.loads(marker_text().partition("\n")[2])["created"]).tzinfo


def test_a_folder_marked_with_marker_text_is_a_report_folder(tmp_path):
    out = tmp_path / "report"
    out.mkdir()
    (out / "report.html").write_text("the previous report")
    (out / MARKER).write_text(marker_text(["report.html"]))
    assert check_output_folder(out) == out
    (out / MARKER).write_text(marker_text())  # lists nothing: report.html is not its
    _refused(out, r"also holds 1 entry that this tool did not write \(report\.html\)")


# --- refused -----------------------------------------------------------------------------------


def test_a_folder_of_the_users_own_files_is_refused_and_survives_byte_for_byte(tmp_path):
    data = tmp_path / "data"
    before = _user_folder(data)
    error = _refused(
        data,
        r"the folder holds 4 entries that this tool did not write "
        r"\(\.hidden, notes\.txt, old/, orders\.csv\); choose an empty or new folder",
    )
    assert str(error).startswith(f"--out {data}:")
    assert _snapshot(data) == before
    assert [p.name for p in tmp_path.iterdir()] == ["data"]  # no temporary folder, no lock


def test_many_foreign_entries_are_counted_and_the_first_named(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    for i in range(7):
        (data / f"f{i}.txt").write_text(str(i))
    _refused(data, r"holds 7 entries .* \(f0\.txt, f1\.txt, f2\.txt, f3\.txt, f4\.txt, \.\.\.\)")


def test_a_file_is_refused(tmp_path):
    path = tmp_path / "report.html"
    path.write_text("mine")
    _refused(path, "is a file")
    assert path.read_text() == "mine"


def test_a_path_below_a_file_is_refused(tmp_path):
    (tmp_path / "f").write_text("mine")
    _refused(tmp_path / "f" / "report", "is a file, not a folder")
    assert (tmp_path / "f").read_text() == "mine"


def test_the_current_folder_is_refused_even_when_empty(tmp_path, monkeypatch):
    here = tmp_path / "here"
    here.mkdir()
    monkeypatch.chdir(here)
    _refused(".", r"^--out \. \(.*here\): is the current folder")
    _refused(here, "is the current folder")
    _refused("..", "contains the current folder")
    assert list(here.iterdir()) == []


def test_the_filesystem_root_is_refused():
    _refused("/", "is the filesystem root")


def test_the_home_folder_and_its_parents_are_refused(tmp_path, monkeypatch):
    home = tmp_path / "home" / "me"
    home.mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    _refused("~", "is your home folder")
    _refused(home, "is your home folder")
    _refused(tmp_path / "home", "contains your home folder")
    assert check_output_folder("~/report") == home / "report"


def test_an_input_file_and_folders_that_hold_one_are_refused(tmp_path):
    data = tmp_path / "data"
    orders = data / "2024" / "orders.csv"
    orders.parent.mkdir(parents=True)
    orders.write_text("invoice\n1\n")
    _refused(orders, "is the input", inputs=[orders])
    _refused(data, f"contains the input {orders}", inputs=[str(orders)])
    _refused(data / "2024", "contains the input", inputs=[orders])
    assert orders.read_text() == "invoice\n1\n"


def test_a_report_folder_holding_an_input_is_refused(tmp_path):
    out = _write_report(tmp_path / "report")
    before = _snapshot(out)
    # e.g. last run's strategies used as this run's customers file
    _refused(out, "contains the input", inputs=[out / "strategies.csv"])
    assert _snapshot(out) == before


@pytest.mark.parametrize(
    ("added", "named"),
    [
        ("notes.txt", "notes.txt"),
        ("campaigns/my_list.xlsx", "campaigns/my_list.xlsx"),
        ("mine/a.txt", "mine/"),
    ],
)
def test_a_report_folder_with_a_file_the_user_added_is_refused(tmp_path, added, named):
    out = _write_report(tmp_path / "report")
    path = out / added
    path.parent.mkdir(exist_ok=True)
    path.write_text("the user's")
    before = _snapshot(out)
    _refused(
        out,
        rf"the report folder also holds 1 entry that this tool did not write \({named}\); "
        "move it away",
    )
    assert _snapshot(out) == before


def test_a_report_file_replaced_by_a_folder_or_link_is_refused(tmp_path):
    out = _write_report(tmp_path / "report")
    mine = _user_folder(tmp_path / "mine")
    for name in ("campaigns/retention.csv", "campaigns/"):
        path = out / name.rstrip("/")
        if path.is_dir():
            path.rmdir()
        else:
            path.unlink()
    (out / "campaigns").symlink_to(tmp_path / "mine")  # a folder of ours now leads elsewhere
    _refused(out, r"\(campaigns\)")
    assert _snapshot(tmp_path / "mine") == mine


@pytest.mark.parametrize(
    ("content", "why"),
    [
        ("", "not a marker this tool wrote"),
        ("customer-value-report\nnot json", "not a marker this tool wrote"),
        ('customer-value-report\n{"format": 2, "state": "complete", "entries": []}', "not a"),
        ('another-tool\n{"format": 1, "state": "complete", "entries": []}', "not a marker"),
        ('customer-value-report\n{"format": 1, "state": "complete", "entries": [1]}', "not a"),
        ('customer-value-report\n{"format": 1, "state": "building", "entries": []}', "unfinished"),
    ],
)
def test_a_marker_this_tool_did_not_write_is_refused(tmp_path, content, why):
    out = tmp_path / "report"
    out.mkdir()
    (out / MARKER).write_text(content)
    (out / "report.html").write_text("whose?")
    before = _snapshot(out)
    _refused(out, why)
    assert _snapshot(out) == before


def test_a_marker_that_is_a_folder_or_a_link_is_refused(tmp_path):
    out = tmp_path / "report"
    (out / MARKER).mkdir(parents=True)
    _refused(out, f"its {MARKER} is not a marker file")
    real = _write_report(tmp_path / "real")
    other = tmp_path / "other"
    other.mkdir()
    (other / MARKER).symlink_to(real / MARKER)
    _refused(other, "is not a marker file")


def test_a_name_too_long_is_refused(tmp_path):
    _refused(tmp_path / ("r" * 230), "name is too long")


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write anywhere")
def test_a_folder_we_cannot_write_in_is_refused(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        _refused(locked / "report", "permission denied")
    finally:
        locked.chmod(0o755)


# --- the swap ----------------------------------------------------------------------------------


def test_a_failure_inside_the_block_keeps_the_old_report_byte_for_byte(tmp_path):
    out = _write_report(tmp_path / "report")
    before = _snapshot(out)
    with pytest.raises(ZeroDivisionError):
        with report_folder(out) as building:
            (building / "report.html").write_text("half a report")
            1 / 0  # noqa: B018
    assert _snapshot(out) == before
    assert [p.name for p in tmp_path.iterdir()] == ["report"]


def test_a_file_the_user_adds_during_the_run_stops_the_swap(tmp_path):
    out = _write_report(tmp_path / "report")
    with pytest.raises(OutputFolderError, match=r"also holds 1 entry .*\(late\.txt\)"):
        with report_folder(out) as building:
            (building / "report.html").write_text("new")
            (out / "late.txt").write_text("the user's")
            before = _snapshot(out)
    assert _snapshot(out) == before
    assert [p.name for p in tmp_path.iterdir()] == ["report"]


def test_a_failure_between_the_renames_restores_the_old_report(tmp_path, monkeypatch):
    out = _write_report(tmp_path / "report")
    before = _snapshot(out)
    rename = os.rename

    def failing_rename(source, destination):
        if ".tmp-" in Path(source).name:  # the new folder into place
            raise OSError(28, "No space left on device")
        rename(source, destination)

    monkeypatch.setattr(os, "rename", failing_rename)
    with pytest.raises(OSError, match="No space left"):
        _write_report(out, "2")
    monkeypatch.undo()
    assert _snapshot(out) == before
    assert [p.name for p in tmp_path.iterdir()] == ["report"]


def test_debris_of_killed_runs_is_removed_and_nothing_else(tmp_path):
    out = tmp_path / "report"
    building = tmp_path / ".report.tmp-abcd1234"  # a run killed while it wrote
    building.mkdir()
    (building / MARKER).write_text(
        'customer-value-report\n{"format": 1, "state": "building", "entries": []}\n'
    )
    (building / "report.ipynb").write_text("{}")
    (tmp_path / ".report.old-_x9y8z7w").mkdir()  # killed between mkdtemp and rename: empty
    kept = {
        ".report.tmp-zzzzzzzz": "no marker: not ours",  # the right name, but the user's
        ".report.tmp-short": "not a name mkdtemp gives",
        ".other.tmp-abcd1234": "another folder's",
    }
    for name, text in kept.items():
        (tmp_path / name).mkdir()
        (tmp_path / name / "file.txt").write_text(text)
    _write_report(out)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*kept, "report"])
    for name, text in kept.items():
        assert (tmp_path / name / "file.txt").read_text() == text


# --- concurrency -------------------------------------------------------------------------------


def test_a_second_run_in_the_same_process_cannot_take_the_lock_without_waiting(tmp_path):
    out = tmp_path / "report"
    with report_folder(out) as building:
        (building / "report.html").write_text("first")
        with pytest.raises(OutputFolderError, match="another run is writing this report"):
            with report_folder(out, wait=False):
                pytest.fail("the block must not run")
    assert (out / "report.html").read_text() == "first"
    assert [p.name for p in tmp_path.iterdir()] == ["report"]


def test_a_waiting_run_is_told_once_and_replaces_the_first_report(tmp_path):
    out = tmp_path / "report"
    told: list[Path] = []
    waiting = threading.Event()
    finished: list[str] = []

    def second() -> None:
        def on_wait(path: Path) -> None:
            told.append(path)
            waiting.set()

        with report_folder(out, on_wait=on_wait) as building:
            (building / "report.html").write_text("second")
        finished.append("second")

    with report_folder(out) as building:
        (building / "report.html").write_text("first")
        thread = threading.Thread(target=second)
        thread.start()
        assert waiting.wait(10)
    thread.join(10)
    assert finished == ["second"]
    assert told == [out]
    assert (out / "report.html").read_text() == "second"
    assert [p.name for p in tmp_path.iterdir()] == ["report"]


SCRIPT = textwrap.dedent(
    """
    import signal, sys, time
    from pathlib import Path

    from helpers.report_folder import Terminated, report_folder

    signal.signal(signal.SIGINT, signal.default_int_handler)  # even if started ignoring it
    out, tag, hold, log = sys.argv[1], sys.argv[2], sys.argv[3], Path(sys.argv[4])


    def note(event):
        with log.open("a") as stream:
            stream.write(f"{event} {tag} {time.time()!r}\\n")


    def hold_on():
        if hold.replace(".", "").isdigit():
            time.sleep(float(hold))
            return
        while not Path(hold).exists():  # until the test says so
            time.sleep(0.05)


    try:
        with report_folder(out, on_wait=lambda path: print("waiting", flush=True)) as building:
            note("start")
            (building / "report.html").write_text(f"report {tag}")
            print("ready", flush=True)
            hold_on()
            (building / "campaigns").mkdir()
            (building / "campaigns" / "retention.csv").write_text(f"list {tag}")
            note("end")
    except Terminated as err:
        print(err, flush=True)
        sys.exit(128 + err.signum)
    except KeyboardInterrupt:
        sys.exit(130)
    """
)


def _start(tmp_path: Path, out: Path, tag: str, hold: str) -> subprocess.Popen:
    script = tmp_path / "run.py"
    if not script.exists():
        script.write_text(SCRIPT)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, str(script), str(out), tag, hold, str(tmp_path / "log.txt")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=tmp_path,
    )


def _expect_line(proc: subprocess.Popen, line: str) -> None:
    got = proc.stdout.readline().strip()
    if got != line:
        proc.kill()
        _, err = proc.communicate()
        pytest.fail(f"expected {line!r} from the run, got {got!r}; stderr: {err}")


def test_two_processes_on_one_out_take_turns_and_both_succeed(tmp_path):
    parent = tmp_path / "reports"
    out = parent / "report"
    runs = [_start(tmp_path, out, tag, "1.0") for tag in ("A", "B")]
    results = [proc.communicate(timeout=60) for proc in runs]
    assert [proc.returncode for proc in runs] == [0, 0], results
    events = {}
    for line in (tmp_path / "log.txt").read_text().splitlines():
        event, tag, when = line.split()
        events[event, tag] = float(when)
    first, second = sorted("AB", key=lambda tag: events["start", tag])
    assert events["end", first] <= events["start", second]  # one after the other
    assert sorted(p.name for p in parent.iterdir()) == ["report"]  # no .tmp-, .old-, .lock
    assert (out / "report.html").read_text() == f"report {second}"
    assert (out / "campaigns" / "retention.csv").read_text() == f"list {second}"
    assert _marker(out)[1]["entries"] == ["campaigns/", "campaigns/retention.csv", "report.html"]


@pytest.mark.parametrize(
    ("signum", "code"), [(signal.SIGTERM, 128 + signal.SIGTERM), (signal.SIGINT, 130)]
)
@pytest.mark.parametrize("old_report", [True, False])
def test_a_signal_inside_the_block_removes_the_temporary_folder(tmp_path, signum, code, old_report):
    parent = tmp_path / "reports"
    if old_report:
        out = _write_report(parent / "report")
    else:
        out = parent / "new" / "report"  # "new" is made by the run
        parent.mkdir()
    before = _snapshot(parent)
    proc = _start(tmp_path, out, "A", "60")
    _expect_line(proc, "ready")
    assert any(".tmp-" in p.name for p in out.parent.iterdir())  # it is building
    proc.send_signal(signum)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == code, err
    assert _snapshot(parent) == before  # the old report intact; no .tmp-, no lock, no "new"


def test_a_run_waiting_for_the_lock_can_be_terminated(tmp_path):
    parent = tmp_path / "reports"
    out = parent / "report"
    release = tmp_path / "release"
    holder = _start(tmp_path, out, "A", str(release))
    _expect_line(holder, "ready")
    waiter = _start(tmp_path, out, "B", "0")
    _expect_line(waiter, "waiting")
    waiter.send_signal(signal.SIGTERM)
    out_b, err_b = waiter.communicate(timeout=30)
    assert waiter.returncode == 143, err_b
    assert out_b.strip() == "received SIGTERM"
    release.write_text("go")
    _, err_a = holder.communicate(timeout=30)
    assert holder.returncode == 0, err_a
    assert (out / "report.html").read_text() == "report A"
    assert sorted(p.name for p in parent.iterdir()) == ["report"]


# --- signals in this process -------------------------------------------------------------------


def test_terminated_is_an_interrupt_that_names_its_signal():
    err = Terminated(signal.SIGHUP)
    assert isinstance(err, KeyboardInterrupt)
    assert err.signum == signal.SIGHUP
    assert str(err) == "received SIGHUP"
    again = pickle.loads(pickle.dumps(err))
    assert (type(again), again.signum) == (Terminated, signal.SIGHUP)


def test_sigterm_inside_the_block_raises_and_the_handlers_are_restored(tmp_path):
    handlers = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    out = _write_report(tmp_path / "report")
    before = _snapshot(out)
    with pytest.raises(Terminated, match="received SIGTERM"):
        with report_folder(out) as building:
            (building / "report.html").write_text("half")
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(5)  # the signal cuts this short
            pytest.fail("not reached")
    assert _snapshot(out) == before
    assert [p.name for p in tmp_path.iterdir()] == ["report"]
    assert {s: signal.getsignal(s) for s in handlers} == handlers


def test_the_callers_own_sigterm_handler_gives_way_inside_and_comes_back(tmp_path):
    seen: list[int] = []
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: seen.append(signum))
    try:
        with pytest.raises(Terminated):
            with report_folder(tmp_path / "report"):
                os.kill(os.getpid(), signal.SIGTERM)
                time.sleep(5)
        os.kill(os.getpid(), signal.SIGTERM)  # outside: the caller's handler again
        time.sleep(0.01)
        assert seen == [signal.SIGTERM]
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert list(tmp_path.iterdir()) == []


def test_a_signal_during_the_swap_is_raised_once_the_swap_is_complete(tmp_path, monkeypatch):
    out = _write_report(tmp_path / "report")
    rename = os.rename

    def rename_and_signal(source, destination):
        if ".old-" in Path(destination).name:  # the old report aside: the swap has begun
            os.kill(os.getpid(), signal.SIGTERM)
        rename(source, destination)

    monkeypatch.setattr(os, "rename", rename_and_signal)
    with pytest.raises(Terminated):
        _write_report(out, "2")
    monkeypatch.undo()
    assert (out / "report.html").read_text() == "<p>report 2</p>"  # not cut in two
    assert [p.name for p in tmp_path.iterdir()] == ["report"]


def test_the_module_raises_the_documented_error_type():
    assert issubclass(OutputFolderError, ValueError)
    assert rf.MARKER == ".customer-value-report"

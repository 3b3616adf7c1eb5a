"""The write primitives: the folder lock, the changed-since-read check, one-step file and
folder replacement, and the cleanup of what killed runs leave behind."""

from __future__ import annotations

import logging
import os
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opmodel import atomic as impl
from opmodel.io.atomic import (
    FolderChangedError,
    FolderLockedError,
    check_unchanged,
    fingerprint,
    folder_lock,
    lock_path,
    pause,
    recover,
    replace_folder,
    write_file,
)

HOLD = """
import sys, time
from opmodel.io.atomic import folder_lock
with folder_lock(sys.argv[1], "the test's holder"):
    print("held", flush=True)
    time.sleep(float(sys.argv[2]))
print("released", flush=True)
"""


def tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}


def hold_lock(folder: Path, seconds: float) -> subprocess.Popen[str]:
    """Another process holding the lock of ``folder`` for ``seconds``."""
    env = {**os.environ, "PYTHONPATH": str(Path(impl.__file__).parents[1])}
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(folder), str(seconds)],
                            stdout=subprocess.PIPE, text=True, env=env)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
    return proc


# -- write_file --------------------------------------------------------------------------
def test_write_file_replaces_in_one_step_and_keeps_the_mode(tmp_path: Path) -> None:
    p = tmp_path / "a.csv"
    p.write_text("old\n")
    os.chmod(p, 0o640)
    write_file(p, "new\r\nline\n")
    assert p.read_bytes() == b"new\r\nline\n"  # newlines untouched
    assert stat.S_IMODE(p.stat().st_mode) == 0o640
    write_file(tmp_path / "b.bin", b"\x00\x01")
    assert (tmp_path / "b.bin").read_bytes() == b"\x00\x01"
    assert sorted(x.name for x in tmp_path.iterdir()) == ["a.csv", "b.bin"]  # no temp left


def test_write_file_leaves_the_old_file_when_it_fails(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    p = tmp_path / "a.csv"
    p.write_text("old\n")

    def boom(point: str) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(impl, "pause", boom)
    with pytest.raises(KeyboardInterrupt):
        write_file(p, "new\n")
    assert p.read_text() == "old\n" and [x.name for x in tmp_path.iterdir()] == ["a.csv"]


# -- the lock ----------------------------------------------------------------------------
def test_the_lock_is_a_sibling_and_is_removed_after_use(tmp_path: Path) -> None:
    model = tmp_path / "acme"
    model.mkdir()
    assert lock_path(model) == tmp_path / ".acme.lock"
    with folder_lock(model, "test") as lock:
        assert lock.folder == model.resolve() and lock_path(model).exists()
        with folder_lock(model, "nested"):  # re-entrant in one thread
            pass
        assert lock_path(model).exists()
    assert not lock_path(model).exists()
    assert list(tmp_path.iterdir()) == [model]


def test_a_link_to_the_folder_shares_its_lock(tmp_path: Path) -> None:
    model = tmp_path / "real"
    model.mkdir()
    (tmp_path / "alias").symlink_to(model)
    assert lock_path(tmp_path / "alias") == lock_path(model)


def test_a_held_lock_refuses_after_the_timeout_naming_the_holder(tmp_path: Path) -> None:
    model = tmp_path / "acme"
    model.mkdir()
    proc = hold_lock(model, 30)
    try:
        t0 = time.monotonic()
        with pytest.raises(FolderLockedError) as exc, folder_lock(model, "me", timeout=0.3):
            pass
        assert time.monotonic() - t0 < 20  # bounded wait (not a timing claim: no hang)
        msg = str(exc.value)
        assert "the test's holder" in msg and f"pid {proc.pid}" in msg
        assert exc.value.code == "E-LOCKED" and "wrote nothing" in msg
    finally:
        proc.kill()
        proc.wait()
    with folder_lock(model, "me", timeout=5):  # a killed holder's lock is free at once
        pass


def test_a_waiting_writer_gets_the_lock_when_the_holder_finishes(tmp_path: Path) -> None:
    model = tmp_path / "acme"
    model.mkdir()
    proc = hold_lock(model, 1.0)
    t0 = time.monotonic()
    with folder_lock(model, "me", timeout=60):
        waited = time.monotonic() - t0
        assert proc.stdout is not None and proc.stdout.readline().strip() == "released"
    assert proc.wait() == 0 and waited > 0.5  # it waited for the holder, then got in


def test_threads_of_one_process_exclude_each_other(tmp_path: Path) -> None:
    model = tmp_path / "m"
    inside: list[int] = []
    overlap: list[bool] = []

    def work(k: int) -> None:
        for _ in range(5):
            with folder_lock(model, f"thread {k}", timeout=60):
                inside.append(k)
                overlap.append(len(inside) > 1)
                time.sleep(0.002)
                inside.remove(k)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(overlap) == 20 and not any(overlap)


def test_the_timeout_comes_from_the_environment(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    model = tmp_path / "acme"
    model.mkdir()
    monkeypatch.setenv("OPMODEL_LOCK_TIMEOUT", "0")
    proc = hold_lock(model, 30)
    try:
        with pytest.raises(FolderLockedError), folder_lock(model):
            pass
    finally:
        proc.kill()
        proc.wait()


# -- changed since read ------------------------------------------------------------------
def test_a_change_between_read_and_write_is_caught(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("x,1\n")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.yaml").write_text("b: 1\n")
    before = fingerprint(tmp_path)
    check_unchanged(tmp_path, before)
    st = (tmp_path / "a.csv").stat()
    (tmp_path / "a.csv").write_text("x,2\n")  # same size …
    os.utime(tmp_path / "a.csv", ns=(st.st_atime_ns, st.st_mtime_ns))  # … and same mtime
    with pytest.raises(FolderChangedError) as exc:
        check_unchanged(tmp_path, before)
    assert "a.csv" in str(exc.value) and exc.value.code == "E-CHANGED"
    before = fingerprint(tmp_path)
    (tmp_path / "sub" / "c.yaml").write_text("")
    with pytest.raises(FolderChangedError, match=r"sub/c\.yaml"):
        check_unchanged(tmp_path, before)
    before = fingerprint(tmp_path)
    (tmp_path / ".a.csv.1234abcd.tmp").write_text("a write in progress")  # not a change
    check_unchanged(tmp_path, before)


def test_the_model_files_fingerprint_ignores_sub_folders_and_hidden_files(
        tmp_path: Path) -> None:
    """A report written into model/report, or its lock file, is no change to the model."""
    (tmp_path / "assessments.csv").write_text("x\n")
    (tmp_path / "report").mkdir()
    before, before_all = fingerprint(tmp_path, deep=False), fingerprint(tmp_path)
    (tmp_path / "report" / "report.html").write_text("new report")
    (tmp_path / ".report.lock").write_text("{}")
    check_unchanged(tmp_path, before)
    with pytest.raises(FolderChangedError, match=r"\.report\.lock, report/report\.html"):
        check_unchanged(tmp_path, before_all)  # the whole folder did change
    (tmp_path / "assessments.csv").write_text("y\n")
    with pytest.raises(FolderChangedError, match=r"assessments\.csv"):
        check_unchanged(tmp_path, before)


# -- replace_folder ----------------------------------------------------------------------
def folder_with_others(tmp_path: Path) -> Path:
    f = tmp_path / "out"
    f.mkdir()
    (f / "plan.json").write_text("old plan")
    (f / "risk.csv").write_text("old risk")
    (f / "notes.txt").write_text("mine")
    (f / "docs").mkdir()
    (f / "docs" / "a.md").write_text("kept")
    (f / "link").symlink_to("notes.txt")
    os.chmod(f, 0o750)
    return f


def test_replace_folder_swaps_the_set_and_keeps_other_files(tmp_path: Path) -> None:
    f = folder_with_others(tmp_path)
    staged = tmp_path / "staged-charts"
    staged.mkdir()
    (staged / "a.png").write_bytes(b"png")
    ino = (f / "notes.txt").stat().st_ino
    paths = replace_folder(f, {"plan.json": "new plan", "charts": staged}, remove=["risk.csv"])
    assert paths == [f / "plan.json", f / "charts"]
    assert tree(f) == {"charts/a.png": b"png", "docs/a.md": b"kept", "link": b"mine",
                       "notes.txt": b"mine", "plan.json": b"new plan"}
    assert (f / "link").is_symlink() and (f / "notes.txt").stat().st_ino == ino  # linked
    assert stat.S_IMODE(f.stat().st_mode) == 0o750
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # nothing left beside it


def test_replace_folder_makes_a_new_folder(tmp_path: Path) -> None:
    f = tmp_path / "a" / "b" / "new"
    replace_folder(f, {"x.csv": b"1\n"})
    assert tree(f) == {"x.csv": b"1\n"}
    assert sorted(p.name for p in f.parent.iterdir()) == ["new"]


def test_replace_folder_without_keeping_others(tmp_path: Path) -> None:
    f = folder_with_others(tmp_path)
    replace_folder(f, {"plan.json": "new"}, keep_others=False)
    assert tree(f) == {"plan.json": b"new"}


def test_replace_folder_refuses_when_the_folder_changed_since_read(tmp_path: Path) -> None:
    f = folder_with_others(tmp_path)
    before = fingerprint(f)
    (f / "notes.txt").write_text("edited meanwhile")
    old = tree(f)
    with pytest.raises(FolderChangedError, match=r"notes\.txt"):
        replace_folder(f, {"plan.json": "new"}, expect=before)
    assert tree(f) == old
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    # the model files only: a change in a sub-folder is none of its business
    before = fingerprint(f, deep=False)
    (f / "docs" / "a.md").write_text("edited in a sub-folder")
    replace_folder(f, {"plan.json": "new"}, expect=before)
    assert tree(f)["plan.json"] == b"new" and tree(f)["docs/a.md"] == b"edited in a sub-folder"


def test_a_failure_before_the_swap_leaves_the_old_folder(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    f = folder_with_others(tmp_path)
    old = tree(f)

    def boom(point: str) -> None:
        if point == "replace-folder":
            raise OSError("disk full")

    monkeypatch.setattr(impl, "pause", boom)
    with pytest.raises(OSError, match="disk full"):
        replace_folder(f, {"plan.json": "new"})
    assert tree(f) == old
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_the_working_folder_is_reentered_after_a_swap(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    f = folder_with_others(tmp_path)
    monkeypatch.chdir(f / "docs")
    replace_folder(f, {"plan.json": "new"})
    assert Path("a.md").read_text() == "kept" and Path("../plan.json").read_text() == "new"


def test_the_journaled_swap_where_the_system_cannot_exchange(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(impl, "_exchange", lambda a, b: False)
    f = folder_with_others(tmp_path)
    replace_folder(f, {"plan.json": "new"})
    assert tree(f)["plan.json"] == b"new" and tree(f)["docs/a.md"] == b"kept"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]

    # a run killed (-9) between the two renames: the next writer rolls it forward
    env = {**os.environ, "PYTHONPATH": str(Path(impl.__file__).parents[1]),
           "OPMODEL_TEST_PAUSE_AT": "replace-folder-journaled"}
    proc = subprocess.Popen([sys.executable, "-c", JOURNALED, str(f)], env=env,
                            stderr=subprocess.PIPE, text=True)
    assert proc.stderr is not None
    assert proc.stderr.readline().strip() == "opmodel-test: paused at replace-folder-journaled"
    proc.kill()
    proc.wait()
    assert not f.exists() and (tmp_path / ".out.swap").exists()  # the honest window
    with folder_lock(f) as lock:
        assert any("finished the interrupted replacement" in c for c in lock.cleaned)
    assert tree(f)["plan.json"] == b"newer" and tree(f)["notes.txt"] == b"mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


JOURNALED = """
import sys
from opmodel import atomic
atomic._exchange = lambda a, b: False
atomic.replace_folder(sys.argv[1], {"plan.json": "newer"})
"""


def test_a_journaled_swap_that_fails_between_the_renames_rolls_forward(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(impl, "_exchange", lambda a, b: False)
    f = folder_with_others(tmp_path)

    def boom(point: str) -> None:
        if point == "replace-folder-journaled":
            raise KeyboardInterrupt

    monkeypatch.setattr(impl, "pause", boom)
    with pytest.raises(KeyboardInterrupt):
        replace_folder(f, {"plan.json": "new"})
    assert tree(f)["plan.json"] == b"new"  # the whole new version, never no folder
    monkeypatch.setattr(impl, "pause", lambda point: None)
    with folder_lock(f):
        pass
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


# -- leftovers ---------------------------------------------------------------------------
def test_recover_removes_what_killed_runs_left(tmp_path: Path,
                                               caplog: pytest.LogCaptureFixture) -> None:
    f = folder_with_others(tmp_path)
    (f / ".report-abc123").mkdir()
    (f / ".report-abc123" / "report.html").write_text("half")
    (f / ".opmodel-write-x1").mkdir()
    (f / ".assessments.csv.1a2b3c4d.tmp").write_text("half")
    (f / ".results.xlsx.part").write_text("half")
    (f / ".gitignore").write_text("keep me")
    (tmp_path / ".out.new-1-abc").mkdir()
    (tmp_path / ".out.old-2-def").mkdir()
    (tmp_path / ".out.lock").write_text("{}")  # a killed holder's lock file
    (tmp_path / ".other.new-1-abc").mkdir()  # another folder's: not ours to touch
    old = tree(f)
    with caplog.at_level(logging.WARNING, logger="opmodel"):
        done = recover(f)
    assert len(done) == 6 and len(caplog.records) == 6
    assert sorted(p.name for p in f.iterdir()) == [".gitignore", "docs", "link", "notes.txt",
                                                  "plan.json", "risk.csv"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [".other.new-1-abc", ".out.lock",
                                                         "out"]
    assert {k: v for k, v in tree(f).items()} == {
        k: v for k, v in old.items() if not k.startswith((".report", ".assessments",
                                                         ".results"))}
    with folder_lock(f):
        pass
    assert sorted(p.name for p in tmp_path.iterdir()) == [".other.new-1-abc", "out"]


def test_pause_is_inert_without_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPMODEL_TEST_PAUSE_AT", raising=False)
    t0 = time.monotonic()
    pause("write-file")
    monkeypatch.setenv("OPMODEL_TEST_PAUSE_AT", "another-point")
    pause("write-file")
    assert time.monotonic() - t0 < 5


# -- a property ----------------------------------------------------------------------------
NAMES = st.sampled_from(["a.csv", "b.yaml", "c.txt", "d", "e.json", ".hidden"])


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(old=st.dictionaries(NAMES, st.binary(max_size=20), max_size=5),
       new=st.dictionaries(NAMES, st.binary(max_size=20), max_size=5),
       remove=st.sets(NAMES, max_size=3), sub=st.booleans())
def test_replace_folder_is_old_minus_removed_plus_new(
        tmp_path_factory: pytest.TempPathFactory, old: dict[str, bytes],
        new: dict[str, bytes], remove: set[str], sub: bool) -> None:
    root = tmp_path_factory.mktemp("prop")
    f = root / "f"
    f.mkdir()
    for name, data in old.items():
        (f / name).write_bytes(data)
    if sub:
        (f / "sub").mkdir()
        (f / "sub" / "x").write_bytes(b"x")
    replace_folder(f, new, remove=remove)
    want = {k: v for k, v in old.items() if k not in remove} | new
    if sub and "sub" not in remove:
        want["sub/x"] = b"x"
    assert tree(f) == want
    assert sorted(p.name for p in root.iterdir()) == ["f"]

"""Safe writes of model folders and output folders: one lock, one-step replacement, cleanup.

Every command that writes a model folder (``survey merge``, ``import --force``, ``decide``,
``actuals``) or an output folder (``report -o``, ``plan -o``) goes through this module:

:func:`folder_lock`
    An advisory ``fcntl.flock`` on ``<parent>/.<name>.lock`` — a *sibling* of the folder, so
    the lock survives the folder being swapped for a new one. Re-entrant in one thread;
    waits at most ``timeout`` seconds (default ``OPMODEL_LOCK_TIMEOUT`` or 30), then raises
    :class:`FolderLockedError` naming the holder (pid, host, command, since when). Taking
    the lock first finishes or cleans up what a killed run left behind (:func:`recover`).
:func:`fingerprint` / :func:`check_unchanged`
    The "changed since read" check of a read-modify-write: a fingerprint (size, mtime_ns,
    inode and, up to 1 MiB, the sha256; files in sub-folders are only stat'ed) of every file
    of the folder — with ``deep=False`` of the model files only, the folder's own visible
    files — taken before reading and compared before writing; a
    :class:`FolderChangedError` names the files that changed. It catches writers that do not
    take the lock (an editor, ``git checkout``, an old opmodel).
:func:`write_file`
    One file replaced in one step: a temporary file beside it, fsync, ``rename(2)``.
:func:`replace_folder`
    A set of files (and sub-folders) replaced in one step: the new folder is built as a
    hidden sibling ``.<name>.new-<token>`` (other entries of the old folder are carried over
    as hard links), then exchanged with the old folder by ``renameat2(RENAME_EXCHANGE)``.
    At every instant the folder's path shows the whole old set or the whole new set. Where
    the kernel or file system cannot exchange (not Linux, old kernels, some network file
    systems) two renames are used with a journal ``.<name>.swap``; a run killed between them
    leaves no folder at the path until the next writer (or :func:`recover`) rolls forward.
:func:`recover`
    Removes the leftovers of killed runs (``.<name>.new-*``, ``.<name>.old-*``, staging
    folders ``.report-*``, ``.import-*``, ``.opmodel-write-*`` and ``.*.tmp`` files inside
    the folder), rolls an interrupted journaled swap forward, and logs what it did.
:func:`pause`
    The test hook that holds a crash window open: when the environment variable
    ``OPMODEL_TEST_PAUSE_AT`` names the point, the process prints ``opmodel-test: paused at
    <point>`` to stderr and sleeps ``OPMODEL_TEST_PAUSE_SECONDS`` (default 60). Inert
    otherwise.

A read-modify-write of one file of a model folder (what ``decide`` and ``actuals`` do)::

    with folder_lock(model, "opmodel decide") as lock:
        before = fingerprint(lock.folder, deep=False)   # the model files
        e = read_folder(model).enterprise               # read under the lock
        text = ...                                      # compute the new file
        check_unchanged(lock.folder, before)            # refuse if someone else wrote
        write_file(lock.folder / "decisions.yaml", text)

See docs/reliability.md for the guarantees and their limits.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import logging
import os
import re
import secrets
import shutil
import socket
import stat
import sys
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import InputError

if TYPE_CHECKING:
    import ctypes

try:
    import fcntl

    def _try_lock(fd: int) -> None:
        """Lock ``fd`` or raise BlockingIOError at once."""
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
except ImportError:  # pragma: no cover - Windows: best effort, untested
    import msvcrt

    def _try_lock(fd: int) -> None:
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]
        except OSError:
            raise BlockingIOError from None

log = logging.getLogger("opmodel")

LOCK_TIMEOUT = 30.0
"""Seconds a writer waits for another one to finish (``OPMODEL_LOCK_TIMEOUT`` overrides)."""
HASH_LIMIT = 1 << 20
"""Files up to this size are hashed by :func:`fingerprint`; larger ones only stat'ed."""

# what a killed run can leave inside a folder (staging folders and temporary files)
_LEFTOVER_DIR = re.compile(r"^\.(report|import|opmodel-write)-[A-Za-z0-9_.-]+$")
_LEFTOVER_FILE = re.compile(r"^\..+\.(tmp|part)$")


class FolderLockedError(InputError):
    """Another process (or thread) is writing the folder and did not finish in time."""

    code = "E-LOCKED"


class FolderChangedError(InputError):
    """The folder changed between reading and writing; nothing was written."""

    code = "E-CHANGED"


# -- test hook ---------------------------------------------------------------------------
def pause(point: str) -> None:
    """Sleep here when ``OPMODEL_TEST_PAUSE_AT`` is ``point`` (tests hold crash windows open
    with it and kill the process); does nothing otherwise."""
    if os.environ.get("OPMODEL_TEST_PAUSE_AT") != point:
        return
    sys.stderr.write(f"opmodel-test: paused at {point}\n")
    sys.stderr.flush()
    time.sleep(float(os.environ.get("OPMODEL_TEST_PAUSE_SECONDS", "60")))


# -- paths -------------------------------------------------------------------------------
def real_folder(folder: str | os.PathLike[str]) -> Path:
    """The folder's real path (symbolic links resolved): the thing that is locked and
    swapped. A link to a model folder keeps pointing at it after a swap."""
    return Path(os.path.realpath(os.fspath(folder)))


def link_target(path: str | os.PathLike[str]) -> Path:
    """Where a write to the file ``path`` goes: ``path`` itself, or — when it is a symbolic
    link (to a file, or to a file not made yet) — the file the link leads to, so that the
    one-step replacement (a temporary file renamed over it) replaces the target and the
    link stays a link. A link that leads nowhere (a loop) is an :class:`InputError`."""
    p = Path(path)
    if not os.path.islink(p):
        return p
    _trusted_link(p)
    real = Path(os.path.realpath(p))
    if os.path.islink(real):
        raise InputError(f"cannot write {p}: the symbolic link leads nowhere (a loop)",
                         hint="nothing was written; name a file, or fix the link")
    return real


def _trusted_link(link: Path) -> None:
    """Refuse to follow a link someone else planted in a shared folder (a sticky,
    world-writable one such as /tmp): the rule of Linux's ``fs.protected_symlinks``, which
    a write through the link's resolved path would otherwise bypass — a link
    ``/tmp/out.json`` → ``~/.bashrc`` made by another user must not have the file replaced."""
    try:
        own = os.lstat(link).st_uid
        folder = os.stat(link.parent)
    except OSError:
        return
    shared = folder.st_mode & stat.S_ISVTX and folder.st_mode & stat.S_IWOTH
    if shared and own not in (os.geteuid(), folder.st_uid):
        raise InputError(f"cannot write {link}: it is a symbolic link another user made in "
                         f"the shared folder {link.parent}",
                         hint="nothing was written; write to a file of your own")


def lock_path(folder: str | os.PathLike[str]) -> Path:
    """Where the lock of ``folder`` lives: ``<parent>/.<name>.lock``."""
    f = real_folder(folder)
    return f.parent / f".{f.name}.lock"


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


# -- the lock ----------------------------------------------------------------------------
@dataclass
class FolderLock:
    """A held lock: the real ``folder`` and what :func:`recover` cleaned when taking it."""

    folder: Path
    path: Path
    cleaned: list[str] = field(default_factory=list)


class _Held:
    def __init__(self) -> None:
        self.rlock = threading.RLock()
        self.depth = 0
        self.fd = -1


_registry: dict[str, _Held] = {}
_registry_lock = threading.Lock()


def _timeout(timeout: float | None) -> float:
    if timeout is not None:
        return max(0.0, timeout)
    try:
        return max(0.0, float(os.environ.get("OPMODEL_LOCK_TIMEOUT", LOCK_TIMEOUT)))
    except ValueError:
        return LOCK_TIMEOUT


def _holder(path: Path) -> str:
    try:
        info = json.loads(path.read_text(encoding="utf-8") or "{}")
    except (OSError, ValueError):
        info = {}
    if not info:
        return "another process"
    since = time.strftime("%H:%M:%S", time.localtime(float(info.get("since", 0))))
    return (f"'{info.get('what', 'opmodel')}' (pid {info.get('pid', '?')} on "
            f"{info.get('host', '?')}, since {since})")


def _flock(path: Path, folder: Path, what: str, deadline: float, waited: float) -> int:
    delay = 0.02
    while True:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except OSError as exc:
            raise InputError(f"cannot create the lock file {path}: {exc.strerror}",
                             hint="opmodel needs write access to the folder that holds "
                                  f"{folder.name} to write it safely") from None
        try:
            _try_lock(fd)
        except BlockingIOError:
            os.close(fd)
            if time.monotonic() >= deadline:
                raise FolderLockedError(
                    f"{folder} is being written by {_holder(path)}; waited {waited:.0f} s "
                    "and wrote nothing",
                    hint="run the command again when the other one has finished, or wait "
                         "longer with OPMODEL_LOCK_TIMEOUT=SECONDS") from None
            time.sleep(delay)
            delay = min(0.25, delay * 1.5)
            continue
        # the lock file may have been removed (and re-made) by the holder we waited for
        try:
            same = os.path.samestat(os.fstat(fd), os.stat(path))
        except FileNotFoundError:
            same = False
        if not same:
            os.close(fd)
            continue
        info = {"pid": os.getpid(), "host": socket.gethostname(), "what": what,
                "since": time.time()}
        with contextlib.suppress(OSError):  # who holds it, for the message of a waiter
            os.ftruncate(fd, 0)
            os.lseek(fd, 0, os.SEEK_SET)
            os.write(fd, json.dumps(info).encode())
        return fd


@contextlib.contextmanager
def folder_lock(folder: str | os.PathLike[str], what: str = "opmodel",
                timeout: float | None = None) -> Iterator[FolderLock]:
    """Hold the write lock of ``folder`` (which need not exist yet; its parent must).

    ``what`` names the command for the message another writer gets. Nested calls in the same
    thread share the lock. On first taking it, leftovers of killed runs are cleaned up
    (:func:`recover`). Raises :class:`FolderLockedError` after ``timeout`` seconds.
    """
    real = real_folder(folder)
    path = real.parent / f".{real.name}.lock"
    wait = _timeout(timeout)
    deadline = time.monotonic() + wait
    with _registry_lock:
        held = _registry.setdefault(str(path), _Held())
    if not held.rlock.acquire(timeout=max(wait, 0.001)):
        raise FolderLockedError(f"{real} is being written by another thread of this process",
                                hint="wait for it to finish")
    lock = FolderLock(real, path)
    try:
        if held.depth == 0:
            held.fd = _flock(path, real, what, deadline, wait)
            held.depth = 1
            try:
                lock.cleaned = recover(real)
            except BaseException:
                _release(held, path)
                raise
        else:
            held.depth += 1
        try:
            yield lock
        finally:
            held.depth -= 1
            if held.depth == 0:
                _release(held, path)
    finally:
        held.rlock.release()


def _release(held: _Held, path: Path) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)  # while still holding it: waiters re-check the inode
    os.close(held.fd)
    held.fd = -1
    held.depth = 0


# -- changed since read ------------------------------------------------------------------
class Fingerprint(dict[str, tuple[object, ...]]):
    """What a folder looked like (:func:`fingerprint`): entry → (kind, size, mtime_ns, inode,
    sha256); ``deep`` says whether sub-folders and hidden entries were looked at."""

    def __init__(self, deep: bool = True) -> None:
        super().__init__()
        self.deep = deep


def _leftover(name: str) -> bool:
    return bool(_LEFTOVER_DIR.match(name) or _LEFTOVER_FILE.match(name))


def fingerprint(folder: str | os.PathLike[str], *, deep: bool = True) -> Fingerprint:
    """What every entry of ``folder`` (recursively, leftovers of killed runs excluded) looks
    like now: kind, size, mtime_ns, inode and, for the folder's own files up to
    :data:`HASH_LIMIT` (the model files), the sha256. Files in sub-folders (a ``.git``, say)
    are only stat'ed. An absent folder has the empty fingerprint.

    With ``deep=False`` only the folder's own visible entries count (sub-folders by name,
    not their content; hidden names not at all): the model files, for a read-modify-write
    of them, so that a report written into ``model/report`` meanwhile is no change."""
    root = Path(folder)
    out = Fingerprint(deep)

    def walk(d: Path, prefix: str) -> None:
        try:
            entries = sorted(os.scandir(d), key=lambda x: x.name)
        except (FileNotFoundError, NotADirectoryError):
            return
        for entry in entries:
            if not prefix and (_leftover(entry.name)
                               or (not deep and entry.name.startswith("."))):
                continue
            rel = prefix + entry.name
            st = entry.stat(follow_symlinks=False)
            if stat.S_ISDIR(st.st_mode):
                out[rel] = ("dir",)
                if deep:
                    walk(Path(entry.path), rel + "/")
            elif stat.S_ISREG(st.st_mode):
                digest = ""
                if not prefix and st.st_size <= HASH_LIMIT:
                    with contextlib.suppress(OSError):
                        digest = hashlib.sha256(Path(entry.path).read_bytes()).hexdigest()
                out[rel] = ("file", st.st_size, st.st_mtime_ns, st.st_ino, digest)
            elif stat.S_ISLNK(st.st_mode):
                out[rel] = ("link", os.readlink(entry.path))
            else:
                out[rel] = ("other", st.st_mode, st.st_ino)

    walk(root, "")
    return out


def changed_files(before: Fingerprint, after: Fingerprint) -> list[str]:
    """Entries added, removed or changed between two fingerprints, sorted."""
    return sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))


def check_unchanged(folder: str | os.PathLike[str], before: Fingerprint) -> None:
    """Raise :class:`FolderChangedError` when ``folder`` no longer matches ``before`` (looked
    at as deeply as ``before`` was)."""
    diff = changed_files(before, fingerprint(folder, deep=before.deep))
    if diff:
        names = ", ".join(diff[:5]) + (f" and {len(diff) - 5} more" if len(diff) > 5 else "")
        raise FolderChangedError(
            f"{folder} changed while this command was working on it ({names}); nothing "
            "was written", hint="another program wrote it; run the command again")


# -- one file ----------------------------------------------------------------------------
def _new_file_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def write_file(path: str | os.PathLike[str], data: bytes | str, *,
               mode: int | None = None) -> Path:
    """Replace ``path`` by ``data`` (str is written as UTF-8, newlines untouched) in one step:
    a temporary ``.<name>.<random>.tmp`` beside it, fsync, rename. Keeps the mode of the file
    it replaces (or ``mode``). Never leaves a half-written file; a kill leaves at most the
    temporary file, which :func:`recover` removes. A symbolic link at ``path`` stays one:
    the file it leads to is replaced (:func:`link_target`). Returns the path written."""
    p = link_target(path)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    if mode is None:
        try:
            mode = stat.S_IMODE(p.stat().st_mode)
        except FileNotFoundError:
            mode = _new_file_mode()
    tmp = p.with_name(f".{p.name}.{secrets.token_hex(4)}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(payload)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        pause("write-file")
        os.replace(tmp, p)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    _fsync_dir(p.parent)
    return p


# -- a whole folder ----------------------------------------------------------------------
_libc: ctypes.CDLL | None = None  # loaded on the first exchange
RENAME_EXCHANGE = 2
AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step (``renameat2(RENAME_EXCHANGE)``); False when the system
    cannot (then nothing happened)."""
    global _libc
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    try:
        if _libc is None:
            _libc = ctypes.CDLL(None, use_errno=True)
        fn = _libc.renameat2
    except (OSError, AttributeError):
        return False
    fn.argtypes = (ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p,
                   ctypes.c_uint)
    if fn(AT_FDCWD, os.fsencode(a), AT_FDCWD, os.fsencode(b), RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.EPERM):
        return False
    if err in (errno.EXDEV, errno.EBUSY):
        raise InputError(f"cannot replace {b} in one step: it is a mount point or on another "
                         "file system than the folder that holds it",
                         hint="write to a folder inside it, or to a new folder")
    raise OSError(err, os.strerror(err), str(a))


def _link_or_copy(src: str, dst: str) -> None:
    try:
        os.link(src, dst, follow_symlinks=False)
    except OSError:
        shutil.copy2(src, dst, follow_symlinks=False)


def _carry(src: Path, dst: Path) -> None:
    """``src`` (a file, link or folder of the old folder) recreated at ``dst`` with hard
    links to the same files: nothing is copied, the old folder stays as it was."""
    st = os.lstat(src)
    if stat.S_ISDIR(st.st_mode):
        shutil.copytree(src, dst, symlinks=True, copy_function=_link_or_copy)
        shutil.copystat(src, dst)
    elif stat.S_ISLNK(st.st_mode):
        os.symlink(os.readlink(src), dst)
    elif stat.S_ISREG(st.st_mode):
        _link_or_copy(str(src), str(dst))
    # sockets, pipes and devices do not belong in a model or output folder: not carried


def _put(dst: Path, content: bytes | str | os.PathLike[str]) -> None:
    if isinstance(content, bytes | str):
        payload = content.encode("utf-8") if isinstance(content, str) else content
        with open(dst, "wb") as f:
            f.write(payload)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(dst, _new_file_mode())
    else:
        shutil.move(os.fspath(content), dst)  # a finished file or folder: renamed in


def check_writable(where: str | os.PathLike[str], what: str | os.PathLike[str] | None = None
                   ) -> Path:
    """Refuse, before any work, a place where nothing can be written: ``where``'s nearest
    folder that exists (``where`` itself if it is one; else the folder above it where it
    will be made) is tried by creating and removing a temporary file there, as the write
    itself will — permissions, a read-only or virtual file system (``/proc``), a full disk
    all show here, not after minutes of solving. ``what``: the output as the user named it
    (``--dir /proc/x``), for the message. Returns the folder tried."""
    up = Path(where)
    while not up.exists() and up != up.parent:
        up = up.parent
    if not up.is_dir():
        return up  # a file stands in the way: the caller says so in its own words
    probe = up / f".opmodel-probe.{secrets.token_hex(4)}.tmp"
    try:
        fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
    except OSError as exc:
        raise InputError(f"cannot write {what or where}: nothing can be written in {up} "
                         f"({exc.strerror or exc})",
                         hint="nothing was done; choose a folder you may write to") from None
    os.close(fd)
    with contextlib.suppress(OSError):
        os.unlink(probe)
    return up


def check_result_folder(folder: str | os.PathLike[str], mark: str, option: str = "--dir"
                        ) -> None:
    """Refuse ``folder`` as the home of a command's set of result files (written with
    :func:`replace_folder`, which rebuilds the whole folder and swaps it in) when it already
    holds other things and no earlier result (no ``mark``, such as ``plan.json``): right for
    a plan folder, wrong for ``/tmp`` or a home folder. A new or empty folder is fine; what a
    killed run left is no one's."""
    path = Path(folder)
    if not path.is_dir() or (path / mark).exists():
        return
    try:
        entries = sorted(p.name for p in path.iterdir() if not _leftover(p.name))
    except OSError as exc:
        raise InputError(f"cannot read the folder {path}: {exc.strerror}") from None
    if entries:
        shown = ", ".join(entries[:5]) + (f" and {len(entries) - 5:,} more"
                                          if len(entries) > 5 else "")
        raise InputError(
            f"{path} already holds other files ({shown}) and no {mark}: the result is "
            "written by rebuilding the whole folder in one step, which is for a folder of "
            f"its own", hint=f"give {option} a new or empty folder, or the folder of an "
                             f"earlier result (it holds {mark})")


def replace_folder(folder: str | os.PathLike[str],
                   files: Mapping[str, bytes | str | os.PathLike[str]], *,
                   remove: Iterable[str] = (), keep_others: bool = True,
                   what: str = "opmodel", timeout: float | None = None,
                   expect: Fingerprint | None = None) -> list[Path]:
    """Make ``folder`` hold ``files`` in one step; returns their new paths.

    ``files`` maps a name to its content: bytes or str (written), or the path of a finished
    file or folder (moved in, e.g. a staged ``charts/``). Entries named in ``remove`` are
    dropped; every other entry of the old folder is kept (carried over as hard links) unless
    ``keep_others`` is false. ``expect``, a :func:`fingerprint` taken when the folder was
    read, makes the write refuse with :class:`FolderChangedError` if the folder changed
    since. The folder is created (with its parents) when absent. Holds :func:`folder_lock`.
    """
    for name in files:
        if not name or "/" in name or name in (".", "..") or os.sep in name:
            raise ValueError(f"not a plain file name: {name!r}")
    parent = real_folder(folder).parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot create {parent}: {exc.strerror}") from None
    with folder_lock(folder, what, timeout) as lock:
        real = lock.folder
        if real.exists() and not real.is_dir():
            raise InputError(f"{real} exists and is not a folder")
        if expect is not None:
            check_unchanged(real, expect)
        before = fingerprint(real)
        token = f"{os.getpid()}-{secrets.token_hex(3)}"
        stage = real.parent / f".{real.name}.new-{token}"
        stage.mkdir()
        try:
            if real.is_dir():
                os.chmod(stage, stat.S_IMODE(real.stat().st_mode))
            skip = set(files) | set(remove)
            if keep_others and real.is_dir():
                for entry in sorted(os.scandir(real), key=lambda x: x.name):
                    if entry.name not in skip and not _leftover(entry.name):
                        _carry(Path(entry.path), stage / entry.name)
            for name, content in files.items():
                _put(stage / name, content)
            _fsync_dir(stage)
            pause("replace-folder")
            check_unchanged(real, before)  # nobody wrote around the lock meanwhile
            _swap(stage, real)
        except BaseException:
            shutil.rmtree(stage, ignore_errors=True)
            raise
        return [real / name for name in files]


def _swap(stage: Path, real: Path) -> None:
    """Put the finished ``stage`` at ``real`` (whose old version ends up deleted)."""
    cwd: str | None
    try:
        cwd = os.getcwd()
    except FileNotFoundError:
        cwd = None
    inside = cwd is not None and (cwd == str(real) or cwd.startswith(str(real) + os.sep))
    if not real.exists():
        os.rename(stage, real)  # nothing to replace: one rename
    elif _exchange(stage, real):
        pause("replace-folder-swapped")  # the old version now sits at the stage's name
        _fsync_dir(real.parent)
        shutil.rmtree(stage, ignore_errors=True)
    else:
        _swap_journaled(stage, real)
    _fsync_dir(real.parent)
    if inside and cwd is not None:
        with contextlib.suppress(OSError):
            os.chdir(cwd)  # this process's working folder was the old one: re-enter


def _journal(real: Path) -> Path:
    return real.parent / f".{real.name}.swap"


def _swap_journaled(stage: Path, real: Path) -> None:
    """Two renames where the system cannot exchange: old → ``.<name>.old-*``, stage → name.
    The journal lets :func:`recover` roll a run killed between them forward."""
    old = real.parent / f".{real.name}.old-{stage.name.rsplit('.new-', 1)[1]}"
    write_file(_journal(real), json.dumps({"new": stage.name, "old": old.name}))
    os.rename(real, old)
    try:
        pause("replace-folder-journaled")
        os.rename(stage, real)
    except BaseException:  # still alive: put a whole version back before giving up
        if not real.exists():
            os.rename(stage if stage.is_dir() else old, real)
        raise
    _fsync_dir(real.parent)
    _journal(real).unlink()
    shutil.rmtree(old, ignore_errors=True)


# -- leftovers ---------------------------------------------------------------------------
def recover(folder: str | os.PathLike[str]) -> list[str]:
    """Finish or undo what killed runs left behind at ``folder``; returns (and logs) what
    was done. Call it only while holding :func:`folder_lock` (which does so itself): then
    no live writer owns these leftovers."""
    real = real_folder(folder)
    parent, name = real.parent, real.name
    done: list[str] = []
    journal = _journal(real)
    if journal.exists():
        try:
            info = json.loads(journal.read_text(encoding="utf-8"))
            new, old = parent / info["new"], parent / info["old"]
        except (OSError, ValueError, KeyError, TypeError):
            new = old = None
        if new is not None and old is not None and not real.exists():
            if new.is_dir():  # killed between the two renames: roll forward
                os.rename(new, real)
                done.append(f"finished the interrupted replacement of {real} ({new.name})")
            elif old.is_dir():  # (cannot happen unless the new one was removed): roll back
                os.rename(old, real)
                done.append(f"restored {real} from {old.name} (the new version was lost)")
        if old is not None and old.exists():
            shutil.rmtree(old, ignore_errors=True)
            done.append(f"removed {old} (the replaced version)")
        journal.unlink()
    with contextlib.suppress(FileNotFoundError):
        for entry in os.scandir(parent):
            n = entry.name
            if n.startswith(f".{name}.new-") or n.startswith(f".{name}.old-"):
                shutil.rmtree(entry.path, ignore_errors=True)
                done.append(f"removed {entry.path} (left by a killed write)")
    if real.is_dir():
        for entry in os.scandir(real):
            if _LEFTOVER_DIR.match(entry.name) and entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path, ignore_errors=True)
                done.append(f"removed {entry.path} (staging of a killed run)")
            elif _LEFTOVER_FILE.match(entry.name) and entry.is_file(follow_symlinks=False):
                os.unlink(entry.path)
                done.append(f"removed {entry.path} (temporary file of a killed run)")
    for line in done:
        log.warning("opmodel: %s", line)
    return done


__all__ = ["HASH_LIMIT", "LOCK_TIMEOUT", "Fingerprint", "FolderChangedError", "FolderLock",
           "FolderLockedError", "changed_files", "check_result_folder", "check_unchanged",
           "check_writable", "fingerprint", "folder_lock", "link_target", "lock_path", "pause",
           "real_folder",
           "recover", "replace_folder", "write_file"]

"""Real ``opmodel`` processes for the crash and concurrency tests: start them, hold them at
a named point (``OPMODEL_TEST_PAUSE_AT``, see :func:`opmodel.atomic.pause`), kill them."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"


def env(**extra: str) -> dict[str, str]:
    """The environment of a child: this checkout's sources first, no pause unless asked."""
    out = {k: v for k, v in os.environ.items() if not k.startswith("OPMODEL_TEST_")}
    out["PYTHONPATH"] = os.pathsep.join([str(SRC), *filter(None, [out.get("PYTHONPATH")])])
    out.update(COLUMNS="200", NO_COLOR="1", **extra)
    return out


def command(*args: str | os.PathLike[str]) -> list[str]:
    return [sys.executable, "-m", "opmodel", *map(str, args)]


def run(*args: str | os.PathLike[str], timeout: float = 600,
        **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command(*args), env=env(**extra), capture_output=True, text=True,
                          timeout=timeout)


def start(*args: str | os.PathLike[str], log: Path, **extra: str) -> subprocess.Popen[bytes]:
    """Start ``opmodel ARGS`` in its own process group, stdout and stderr to ``log``."""
    with open(log, "wb") as f:
        return subprocess.Popen(command(*args), env=env(**extra), stdout=f,
                                stderr=subprocess.STDOUT, start_new_session=True)


def kill_at(point: str, *args: str | os.PathLike[str], log: Path,
            timeout: float = 600) -> None:
    """Run ``opmodel ARGS`` until it reaches ``point``, then kill -9 it (and its workers)."""
    proc = start(*args, log=log, OPMODEL_TEST_PAUSE_AT=point)
    marker = f"opmodel-test: paused at {point}".encode()
    deadline = time.monotonic() + timeout
    try:
        while marker not in log.read_bytes():
            if proc.poll() is not None:
                raise AssertionError(f"opmodel ended (exit {proc.returncode}) before "
                                     f"{point}:\n{log.read_text(errors='replace')}")
            if time.monotonic() > deadline:
                raise AssertionError(f"opmodel did not reach {point}")
            time.sleep(0.05)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def files(folder: Path) -> dict[str, str]:
    """sha256 of every file under ``folder`` (hidden ones too), by relative path."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() or p.is_symlink()}


def hidden(folder: Path) -> list[str]:
    """Leftovers: hidden entries inside ``folder`` and ``.<name>.*`` entries beside it."""
    inside = [p.name for p in folder.iterdir() if p.name.startswith(".")] \
        if folder.is_dir() else []
    beside = [p.name for p in folder.parent.iterdir() if p.name.startswith(f".{folder.name}.")]
    return sorted(inside + beside)

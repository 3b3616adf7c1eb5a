"""Start, stop and ask the warm command server of this installation (``opmodel daemon``)."""

from __future__ import annotations

import contextlib
import os
import select
import subprocess
import sys
import time
from typing import Any

from ..errors import InputError
from . import wire
from .client import request

#: how long a server may take to import everything and listen
START_TIMEOUT = 120.0


def status() -> dict[str, Any] | None:
    """What the running server says of itself (pid, socket, served, …), or None."""
    reply = request("status")
    return reply if reply is not None and "pid" in reply else None


def stop() -> int | None:
    """Stop the running server: its pid, or None when none ran."""
    reply = request("stop")
    if reply is None or "stopping" not in reply:
        return None
    pid = int(reply["stopping"])
    path = wire.socket_path()
    deadline = time.monotonic() + 10.0
    while time.monotonic() < deadline and os.path.exists(path):
        time.sleep(0.02)  # until it has removed its socket: a `start` right after works
    return pid


def start(idle: float) -> tuple[dict[str, Any], bool]:
    """Start this installation's server, ending after ``idle`` seconds without a command
    (0: never): its status, and whether it was already running (then left as it is)."""
    if not wire.supported():
        raise InputError("the command server needs Linux (Unix sockets that pass file "
                         "descriptors); commands run as usual without it")
    running = status()
    if running is not None and running.get("changed"):
        stop()  # it would decline every command: a new one takes its place
        running = None
    if running is not None:
        return running, True
    folder = wire.directory()
    path = wire.socket_path()
    if len(path.encode()) > wire.SOCKET_MAX:  # refused before its folder is made
        raise InputError(f"the socket path {path} is longer than {wire.SOCKET_MAX} bytes",
                         hint=f"set {wire.ENV_DIR} to a shorter folder")
    try:
        os.makedirs(folder, mode=0o700, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot make the socket folder {folder}: {exc.strerror}",
                         hint=f"set {wire.ENV_DIR} to a folder of your own") from None
    why = wire.unsafe(folder)
    if why is not None:
        raise InputError(f"the socket folder is not safe: {why}",
                         hint=f"set {wire.ENV_DIR} to a folder of your own, mode 0700")
    log_path = path[: -len(".sock")] + ".log"
    env = os.environ.copy()
    if env.get("PYTHONPATH"):  # the server starts in "/": relative entries are from here
        env["PYTHONPATH"] = os.pathsep.join(
            os.path.abspath(p) for p in env["PYTHONPATH"].split(os.pathsep) if p)
    read, write = os.pipe()
    try:
        with open(log_path, "ab") as log:
            proc = subprocess.Popen(
                [sys.executable, "-P", "-m", "opmodel.daemon.server", "--socket", path,
                 "--idle", repr(float(idle)), "--ready-fd", str(write)],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log,
                pass_fds=(write,), start_new_session=True, cwd="/", env=env)
        os.close(write)
        write = -1
        ready, _, _ = select.select([read], [], [], START_TIMEOUT)
        answer = os.read(read, 64) if ready else b""
    finally:
        os.close(read)
        if write != -1:
            os.close(write)
    if answer != b"ready\n":
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        proc.wait()
        raise InputError("the command server did not start", hint=f"see {log_path}: "
                         + _tail(log_path))
    running = status()
    if running is None:
        raise InputError("the command server started but does not answer",
                         hint=f"see {log_path}")
    return running, False


def _tail(path: str, lines: int = 3) -> str:
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return " | ".join(f.read().strip().splitlines()[-lines:])
    except OSError:
        return ""

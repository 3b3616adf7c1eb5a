"""What every ``opmodel`` command does first: hand itself to the warm command server of its
installation, when one runs, and wait for its exit code.

The command runs in a process forked from the server, with this process's arguments, working
folder, environment, umask, resource limits and standard streams (the file descriptors
themselves: a terminal stays a terminal, a pipe a pipe). Ctrl-C and the other ending signals
are passed on. When no server serves this installation, or it declines (its files changed
since it started), the command runs here as usual: the answer is the same either way, only
sooner.
"""

from __future__ import annotations

import contextlib
import os
import sys

from . import wire

TYPE_CHECKING = False  # typing is not imported at start-up (see opmodel.cli)
if TYPE_CHECKING:
    from typing import Any

#: commands never handed over: the server's own, and the long-running web server
OWN = ("daemon", "serve")
CONNECT_TIMEOUT = 5.0
ANSWER_TIMEOUT = 60.0
#: the signals passed on to the command (others act on this process as usual)
RELAYED = ("SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2")


def forward(argv: list[str]) -> int | None:
    """Run the command line ``argv`` (without the program's name) in the warm server: its
    exit code, or None when no server runs it (the caller then runs it itself)."""
    if os.environ.get(wire.ENV_OFF) or not wire.supported():
        return None
    if next((a for a in argv if not a.startswith("-")), None) in OWN:
        return None
    found = _server()
    if found is None:
        return None
    k, path = found
    import socket

    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        return _run(sock, path, k, argv)
    finally:
        sock.close()


def _run(sock: Any, path: str, k: str, argv: list[str]) -> int | None:
    import socket

    try:
        sock.settimeout(CONNECT_TIMEOUT)
        sock.connect(path)
        umask = os.umask(0)
        os.umask(umask)
        fds = [fd for fd in (0, 1, 2) if _is_open(fd)]
        import resource

        limits = {name: resource.getrlimit(getattr(resource, name))
                  for name in dir(resource) if name.startswith("RLIMIT_")}
        wire.send(sock, {"op": "run", "key": k, "argv": argv, "cwd": os.getcwd(),
                         "limits": limits,
                         "env": dict(os.environ), "umask": umask, "fds": fds,
                         "prog": _prog_name()})
        socket.send_fds(sock, [wire.FDS], fds)
    except OSError:
        return None  # not listening (a server that ended), or gone before it read it
    # From here the server may have started the command: never run it a second time here.
    try:
        sock.settimeout(ANSWER_TIMEOUT)
        reply = wire.recv(sock)
    except (OSError, ValueError) as exc:
        return _fail(f"no answer from the command server at {path} ({exc})")
    if reply is None or "declined" in reply:
        return None  # nothing was started: it ended, or its files changed since it began
    if "started" not in reply:
        return _fail(f"an unexpected answer from the command server at {path}")
    _relay_signals(sock)
    sock.settimeout(None)
    while True:
        try:
            message = wire.recv(sock)
        except (OSError, ValueError) as exc:
            return _fail(f"lost the command server's process ({exc})")
        if message is None:
            return _fail("the command server's process ended without an exit code "
                         "(killed?)")
        if "exit" in message:
            return int(message["exit"])


def request(op: str, timeout: float = CONNECT_TIMEOUT) -> dict[str, Any] | None:
    """Ask this installation's server ``op`` ("status", "stop"): its answer, or None when
    none runs."""
    import socket

    found = _server() if wire.supported() else None
    if found is None:
        return None
    k, path = found
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.settimeout(timeout)
        sock.connect(path)
        wire.send(sock, {"op": op, "key": k})
        return wire.recv(sock)
    except (OSError, ValueError):
        return None
    finally:
        sock.close()


def _server() -> tuple[str, str] | None:
    """This installation's key and the socket its server listens on, when there is one in a
    safe folder (a stat: the usual answer is None, no server)."""
    k = wire.key()
    path = wire.socket_path(k)
    try:
        os.lstat(path)
    except OSError:
        return None
    if len(path.encode()) > wire.SOCKET_MAX or wire.unsafe(os.path.dirname(path)):
        return None
    return k, path


def _relay_signals(sock: Any) -> None:
    import signal

    def relay(signum: int, frame: Any) -> None:
        with contextlib.suppress(OSError):
            wire.send(sock, {"signal": signum})

    for name in RELAYED:
        signal.signal(getattr(signal, name), relay)


def _prog_name() -> str:
    """The program's name as click shows it in usage lines (``opmodel``, or ``python -m
    opmodel``): found from this process's ``__main__``, which the server's child lacks."""
    main = sys.modules.get("__main__")
    package = getattr(main, "__package__", None)
    path = sys.argv[0] if sys.argv else "opmodel"
    if not package:
        return os.path.basename(path)
    name = os.path.splitext(os.path.basename(path))[0]
    module = package if name == "__main__" else f"{package}.{name}"
    return f"python -m {module.lstrip('.')}"


def _is_open(fd: int) -> bool:
    try:
        os.fstat(fd)
    except OSError:
        return False
    return True


def _fail(message: str) -> int:
    sys.stderr.write(f"opmodel: {message}; `opmodel daemon stop` ends the server, and "
                     f"{wire.ENV_OFF}=1 runs commands without it\n")
    return 1

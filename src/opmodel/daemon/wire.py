"""Where the warm command server listens, which installation it serves, and its messages.

Standard library only, and only cheap modules at the top: every ``opmodel`` command asks
:func:`socket_path` whether a server runs before it imports anything else.

* The socket lives in a folder of the user's own (``$OPMODEL_DAEMON_DIR``, else
  ``$XDG_RUNTIME_DIR/opmodel``, else ``/tmp/opmodel-<uid>``), mode 0700, which nobody else may
  write to: :func:`unsafe` says why a folder is not one.
* A server serves one *installation*, the things that decide what a command imports and how
  Python starts: the interpreter, its version, the import path, the user and the environment
  variables read at start-up (:func:`key`). The socket's name is a checksum of it; the server
  compares the whole key of every request with its own.
* Messages are JSON objects, each after its length (4 bytes, big-endian); the standard
  streams travel beside a one-byte message as file descriptors (SCM_RIGHTS).
"""

from __future__ import annotations

import json
import os
import struct
import sys
import zlib

TYPE_CHECKING = False  # typing is not imported at start-up (see opmodel.cli)
if TYPE_CHECKING:
    from typing import Any

ENV_DIR = "OPMODEL_DAEMON_DIR"
ENV_OFF = "OPMODEL_NO_DAEMON"
MAX_MESSAGE = 8 << 20  # an environment and a command line are far smaller
FDS = b"F"  # the byte the standard streams travel with
SOCKET_MAX = 107  # bytes of a Unix socket's path (Linux: 108 with the final NUL)

#: environment variables that Python or an imported library reads while starting, before a
#: command runs (stdio encodings, import path, warnings, BLAS threads, pydantic plugins):
#: a command whose values differ from the server's runs in its own process
START_ENV_PREFIXES = ("PYTHON", "LC_", "OPENBLAS_", "OMP_", "MKL_", "PYDANTIC_", "NUMPY_")
START_ENV_NAMES = ("LANG",)


def supported() -> bool:
    """Whether this platform can run the server: Unix sockets that pass file descriptors
    and tell who connected (Linux)."""
    return sys.platform.startswith("linux") and hasattr(os, "fork")


def key() -> str:
    """This process's installation, as text: two processes with the same key import the
    same modules from the same files and start Python the same way."""
    # the script's own folder (or the working folder of `python -m`) is not part of it:
    # the server starts with `python -P`, which leaves it out
    paths = sys.path if (sys.flags.safe_path or sys.flags.isolated) else sys.path[1:]
    env = sorted((k, v) for k, v in os.environ.items()  # PYTHONPATH: in `path`, resolved
                 if (k.startswith(START_ENV_PREFIXES) or k in START_ENV_NAMES)
                 and k != "PYTHONPATH")
    return json.dumps({"v": 1, "python": sys.executable, "version": sys.version,
                       "uid": os.getuid(), "path": [os.path.abspath(p) for p in paths],
                       "env": env}, sort_keys=True)


def directory() -> str:
    """The folder of the user's sockets."""
    given = os.environ.get(ENV_DIR)
    if given:
        return os.path.abspath(given)
    run = os.environ.get("XDG_RUNTIME_DIR")
    if run and os.path.isabs(run):
        return os.path.join(run, "opmodel")
    return os.path.join(os.environ.get("TMPDIR") or "/tmp", f"opmodel-{os.getuid()}")


def socket_path(k: str | None = None) -> str:
    """The socket of installation ``k`` (this process's by default)."""
    k = key() if k is None else k
    return os.path.join(directory(), f"{zlib.crc32(k.encode()):08x}.sock")


def unsafe(folder: str) -> str | None:
    """Why ``folder`` may not hold the user's sockets, or None when it may: it must be a
    real folder (not a link), the user's own, that nobody else can read or write."""
    try:
        st = os.lstat(folder)
    except OSError as exc:
        return f"{folder}: {exc.strerror}"
    import stat

    if not stat.S_ISDIR(st.st_mode):
        return f"{folder} is not a folder"
    if st.st_uid != os.getuid():
        return f"{folder} belongs to another user (uid {st.st_uid})"
    if st.st_mode & 0o077:
        return f"{folder} is open to others (mode {stat.S_IMODE(st.st_mode):04o}, needs 0700)"
    return None


def send(sock: Any, message: dict[str, Any]) -> None:
    """Send one message."""
    data = json.dumps(message).encode()
    sock.sendall(struct.pack(">I", len(data)) + data)


def recv(sock: Any) -> dict[str, Any] | None:
    """Receive one message; None when the other side closed the connection first."""
    head = _exactly(sock, 4)
    if head is None:
        return None
    (n,) = struct.unpack(">I", head)
    if n > MAX_MESSAGE:
        raise ValueError(f"a message of {n} bytes (at most {MAX_MESSAGE})")
    body = _exactly(sock, n)
    if body is None:
        return None
    message = json.loads(body)
    if not isinstance(message, dict):
        raise ValueError("a message that is not an object")
    return message


def _exactly(sock: Any, n: int) -> bytes | None:
    chunks = []
    while n:
        chunk = sock.recv(min(n, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)

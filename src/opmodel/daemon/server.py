"""The warm command server: one process that has imported what the commands use, and forks a
child for each command a client hands over (docs/daemon.md).

``opmodel daemon start`` launches it as ``python -P -m opmodel.daemon.server`` in a session of
its own; it listens on the installation's socket (:mod:`.wire`) until ``opmodel daemon stop``,
``--idle`` seconds without a command, SIGTERM, or the first request after one of the files it
imported changed on disk (a new version, an edited source): it then declines, so that the
client runs the command itself from the new files, and ends.

Only its own user may connect (the folder is 0700, and the peer's uid is checked). The server
runs no command itself and starts no thread, so each child begins as a fresh process would,
its libraries already imported: the child takes the caller's folder, environment, umask,
resource limits and standard streams, rebuilds ``sys.stdin``/``stdout``/``stderr`` and the
command line's consoles over them, runs the command and sends back its exit code.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import importlib
import json
import os
import select
import signal
import socket
import struct
import sys
import time
from pathlib import Path
from typing import Any

from . import wire

#: imported before serving: the command line with every topic, and what commands load when
#: they run (the model, the readers, the optimizer, numpy and HiGHS, the outputs). The report,
#: the store and the web stay out: they are big and their commands long, so a fresh import
#: there is a small part of the time.
WARM = ("opmodel.cli._app", "opmodel.api", "opmodel.io.folder", "opmodel.io.frames",
        "opmodel.model", "opmodel.analysis", "opmodel.analysis.overview",
        "opmodel.optimize", "opmodel.optimize.risk", "opmodel.optimize.explain",
        "opmodel.optimize.formulation", "opmodel.optimize.roadmap",
        "opmodel.optimize.confidence", "opmodel.cycle", "opmodel.actions", "opmodel.outputs",
        "numpy", "highspy")
REAP_EVERY = 1.0  # seconds between collections of ended commands when none arrives
RELAYED = frozenset(int(getattr(signal, n)) for n in (
    "SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2"))


def warm() -> list[str]:
    """Import the command line and :data:`WARM`; the names that could not be imported."""
    from opmodel.cli import TOPICS, load_topics

    missing = []
    load_topics(tuple(t for t in TOPICS if t != "serve"))
    for name in WARM:
        try:
            importlib.import_module(name)
        except ImportError:
            missing.append(name)
    return missing


class Snapshot:
    """The size and modification time of every file the process has imported, to tell when
    one changed on disk (and the server no longer runs what the files say)."""

    def __init__(self) -> None:
        self.files = {f: self._stat(f) for f in self._imported()}

    @staticmethod
    def _imported() -> set[str]:
        out = set()
        for m in list(sys.modules.values()):
            f = getattr(m, "__file__", None)
            if isinstance(f, str) and os.path.isabs(f):
                out.add(f)
        return out

    @staticmethod
    def _stat(path: str) -> tuple[int, int] | None:
        try:
            st = os.stat(path)
        except OSError:
            return None
        return st.st_mtime_ns, st.st_size

    def changed(self) -> str | None:
        """The first file that changed, or None."""
        for path, seen in self.files.items():
            if self._stat(path) != seen:
                return path
        return None


class Server:
    def __init__(self, path: str, k: str, idle: float, log: Any) -> None:
        self.path, self.key, self.idle, self.log = path, k, idle, log
        self.started = time.time()
        self.served = 0
        self.children: set[int] = set()
        self.children_cpu = 0.0  # the CPU seconds of the commands that ended
        self.snapshot = Snapshot()
        self.streams = {name: (s.encoding, s.errors, bool(getattr(s, "write_through", False)))
                        for name, s in (("stdin", sys.stdin), ("stdout", sys.stdout),
                                        ("stderr", sys.stderr))}
        self.listener: socket.socket | None = None
        self.inode: int | None = None

    def say(self, text: str) -> None:
        self.log.write(f"{time.strftime('%Y-%m-%dT%H:%M:%S')} pid {os.getpid()}: {text}\n")
        self.log.flush()

    def listen(self) -> None:
        if os.path.exists(self.path):
            probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                probe.connect(self.path)
            except OSError:  # a socket left by a server that ended without cleaning up
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(self.path)
            else:
                raise SystemExit(f"another server already listens on {self.path}")
            finally:
                probe.close()
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        old = os.umask(0o177)
        try:
            s.bind(self.path)
        finally:
            os.umask(old)
        s.listen(64)
        self.listener = s
        self.inode = os.stat(self.path).st_ino

    def close(self) -> None:
        if self.listener is not None:
            self.listener.close()
        with contextlib.suppress(OSError):
            if self.inode is not None and os.stat(self.path).st_ino == self.inode:
                os.unlink(self.path)  # ours, not a newer server's

    def serve(self) -> None:
        assert self.listener is not None
        last = time.monotonic()
        while True:
            self.reap()
            wait = REAP_EVERY if not self.idle else min(
                REAP_EVERY, max(0.0, last + self.idle - time.monotonic()))
            ready, _, _ = select.select([self.listener], [], [], wait)
            if not ready:
                if self.idle and time.monotonic() >= last + self.idle:
                    self.say(f"idle for {self.idle:g} s: ending")
                    return
                continue
            conn, _ = self.listener.accept()
            served = self.served
            try:
                if self.handle(conn) == "end":
                    return
            except (OSError, ValueError) as exc:
                self.say(f"a request failed: {exc}")
            finally:
                conn.close()
            if self.served != served:  # a command ran (a status request is no activity)
                last = time.monotonic()

    def handle(self, conn: socket.socket) -> str | None:
        creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
        _pid, uid, _gid = struct.unpack("3i", creds)
        if uid != os.getuid():
            self.say(f"refused a connection from uid {uid}")
            return None
        conn.settimeout(5.0)
        req = wire.recv(conn)
        if req is None:
            return None
        op = req.get("op")
        if req.get("key") != self.key:
            wire.send(conn, {"declined": "another installation"})
            return None
        if op == "status":
            wire.send(conn, self.status())
            return None
        if op == "stop":
            wire.send(conn, {"stopping": os.getpid()})
            self.say("stopped on request")
            return "end"
        if op != "run":
            wire.send(conn, {"declined": f"unknown request {op!r}"})
            return None
        _msg, fds, _flags, _addr = socket.recv_fds(conn, 1, 3)
        try:
            changed = self.snapshot.changed()
            if changed is not None:
                wire.send(conn, {"declined": f"{changed} changed since the server started"})
                self.say(f"{changed} changed: ending (commands run on their own)")
                return "end"
            pid = os.fork()
            if pid == 0:
                try:
                    self._child(conn, fds, req)  # ends the process
                finally:
                    os._exit(1)  # a child never goes back to serving, whatever happened
            self.served += 1
            self.children.add(pid)
        finally:
            for fd in fds:
                os.close(fd)
        return None

    def reap(self) -> None:
        """Collect the commands that ended, and their CPU time."""
        while self.children:
            try:
                pid, _status, usage = os.wait3(os.WNOHANG)
            except ChildProcessError:
                self.children.clear()
                return
            if pid == 0:
                return
            self.children.discard(pid)
            self.children_cpu += usage.ru_utime + usage.ru_stime

    def status(self) -> dict[str, Any]:
        from opmodel import __version__

        self.reap()

        return {"pid": os.getpid(), "socket": self.path, "opmodel_version": __version__,
                "python": sys.executable, "started": time.strftime(
                    "%Y-%m-%dT%H:%M:%S%z", time.localtime(self.started)),
                "uptime_seconds": round(time.time() - self.started, 1),
                "served": self.served, "idle_timeout_seconds": self.idle or None,
                "files_watched": len(self.snapshot.files), "changed": self.snapshot.changed(),
                "commands_running": len(self.children),
                "commands_cpu_seconds": round(self.children_cpu, 6)}

    # -- the child ------------------------------------------------------------------------
    def _child(self, conn: socket.socket, fds: list[int], req: dict[str, Any]) -> None:
        code = 1
        try:
            assert self.listener is not None
            self.listener.close()
            for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT,
                        signal.SIGUSR1, signal.SIGUSR2):
                signal.signal(sig, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.default_int_handler)
            conn.settimeout(None)
            wire.send(conn, {"started": os.getpid()})
            code = self._run(conn, fds, req)
        except BaseException:
            with contextlib.suppress(BaseException):
                import traceback

                traceback.print_exc()
        finally:
            with contextlib.suppress(BaseException):
                # the client closes on this answer, and the watcher would interrupt us
                signal.signal(signal.SIGINT, signal.SIG_IGN)
                wire.send(conn, {"exit": code})
            os._exit(code & 0xFF)

    def _run(self, conn: socket.socket, fds: list[int], req: dict[str, Any]) -> int:
        for target, fd in zip(req["fds"], fds, strict=True):
            os.dup2(fd, target)
        for fd in fds:
            if fd not in (0, 1, 2):
                os.close(fd)
        self._streams()
        try:
            os.chdir(req["cwd"])
        except OSError as exc:
            print(f"opmodel: cannot enter the working folder {req['cwd']}: {exc.strerror}",
                  file=sys.stderr)
            return 1
        os.umask(int(req["umask"]))
        _limits(req.get("limits") or {})
        os.environ.clear()
        os.environ.update({str(k): str(v) for k, v in req["env"].items()})
        _watch(conn)
        gc.enable()
        from opmodel.cli import run
        from opmodel.cli._common import reset_consoles

        reset_consoles()
        argv = [str(a) for a in req["argv"]]
        prog = str(req.get("prog") or "opmodel")
        sys.argv = [prog, *argv]
        try:
            run(argv, prog_name=prog)
            code = 0
        except SystemExit as exc:
            code = _exit_code(exc)
        except KeyboardInterrupt:
            code = 130
        except BaseException:
            import traceback

            traceback.print_exc()
            code = 1
        import atexit

        atexit._run_exitfuncs()  # what a process's own exit would run
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        return code

    def _streams(self) -> None:
        """``sys.stdin``, ``sys.stdout`` and ``sys.stderr`` over the caller's streams, made
        as Python makes them at start-up (same encoding, error handler and buffering)."""
        for fd, name in enumerate(("stdin", "stdout", "stderr")):
            encoding, errors, unbuffered = self.streams[name]
            line = fd == 2 or (fd == 1 and os.isatty(1))
            stream = open(fd, "r" if fd == 0 else "w", encoding=encoding, errors=errors,  # noqa: SIM115
                          newline="\n", closefd=False)
            if fd:
                stream.reconfigure(line_buffering=line, write_through=unbuffered)
            setattr(sys, name, stream)
            setattr(sys, f"__{name}__", stream)


def _watch(conn: socket.socket) -> None:
    """A thread that passes the client's signals on to this process, and interrupts it when
    the client goes away (killed, or its terminal closed)."""
    import threading

    def watch() -> None:
        while True:
            try:
                message = wire.recv(conn)
            except (OSError, ValueError):
                message = None
            if message is None:  # the caller is gone: end the command as Ctrl-C would,
                os.kill(os.getpid(), signal.SIGINT)  # its clean-up included
                return
            sig = message.get("signal")
            if isinstance(sig, int) and sig in RELAYED:
                os.kill(os.getpid(), sig)

    threading.Thread(target=watch, name="opmodel-client", daemon=True).start()


def _limits(limits: dict[str, Any]) -> None:
    """The caller's resource limits (``ulimit``): memory, open files, CPU time, …; a limit
    above what the server may grant stays at the server's."""
    import resource

    for name, (soft, hard) in limits.items():
        which = getattr(resource, name, None) if name.startswith("RLIMIT_") else None
        if which is None:
            continue
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(which, (int(soft), int(hard)))


def _exit_code(exc: SystemExit) -> int:
    """The exit code Python gives a process ended by ``exc``."""
    if exc.code is None:
        return 0
    if isinstance(exc.code, int):
        return exc.code
    print(exc.code, file=sys.stderr)
    return 1


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -P -m opmodel.daemon.server",
                                 description="The warm command server (opmodel daemon start).")
    ap.add_argument("--socket", required=True)
    ap.add_argument("--idle", type=float, default=1800.0, help="seconds; 0: never")
    ap.add_argument("--ready-fd", type=int, default=None)
    a = ap.parse_args(argv)
    log = sys.stderr
    k = wire.key()
    if wire.socket_path(k) != a.socket:
        print(f"this interpreter's installation has the socket {wire.socket_path(k)}, not "
              f"{a.socket}: {json.dumps(json.loads(k), indent=1)}", file=log)
        raise SystemExit(1)
    missing = warm()
    gc.collect()
    gc.freeze()  # the children share these pages; the collector need not visit them
    server = Server(a.socket, k, a.idle, log)

    def end(signum: int, frame: Any) -> None:
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, end)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    try:
        server.listen()
        server.say(f"serving {a.socket} (opmodel {Path(__file__).parents[1]}, "
                   f"{len(server.snapshot.files)} files watched"
                   + (f", not imported: {', '.join(missing)}" if missing else "") + ")")
        if a.ready_fd is not None:
            os.write(a.ready_fd, b"ready\n")
            os.close(a.ready_fd)
        server.serve()
    finally:
        server.close()


if __name__ == "__main__":
    main()

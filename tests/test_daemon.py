"""The warm command server (docs/daemon.md), with real server processes on real sockets.

A command handed to the server must answer exactly as the same command run on its own:
the same bytes on stdout and stderr, the same exit code, the same files with the same
modes, in the caller's folder, with the caller's stdin, Ctrl-C and environment. Each test
gets its own socket folder (``OPMODEL_DAEMON_DIR``), so the servers of parallel workers and
a developer's own server are never shared.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from opmodel.daemon import wire
from opmodel.daemon.server import Snapshot

ROOT = Path(__file__).resolve().parents[1]
ACME = ROOT / "examples" / "acme"
OPMODEL = [sys.executable, "-m", "opmodel"]

#: the installation and socket of the commands a test runs (main() sets its variables first)
KEY = ("import json; from opmodel.cli import command_environment; command_environment(); "
       "from opmodel.daemon import wire; print(json.dumps([wire.key(), wire.socket_path()]))")
pytestmark = pytest.mark.skipif(not wire.supported(), reason="the server needs Linux")


class Daemon:
    """A socket folder of its own, the environment that points commands at it, and the
    commands run with or without the server."""

    def __init__(self, folder: Path, cwd: Path) -> None:
        self.folder, self.cwd = folder, cwd
        self.env = {**os.environ, wire.ENV_DIR: str(folder), "COLUMNS": "100"}
        self.env.pop(wire.ENV_OFF, None)
        self.env.pop("OPMODEL_TEST_PAUSE_AT", None)
        self.key: str | None = None
        self.socket = ""

    def run(self, *args: str, server: bool = True, input: str | None = None,
            env: dict[str, str] | None = None, shell_umask: str | None = None,
            preexec_fn: object = None) -> subprocess.CompletedProcess[str]:
        e = {**self.env, **(env or {})}
        if not server:
            e[wire.ENV_OFF] = "1"
        cmd = [*OPMODEL, *args]
        if shell_umask is not None:
            cmd = ["sh", "-c", f"umask {shell_umask} && exec \"$@\"", "sh", *cmd]
        return subprocess.run(cmd, env=e, cwd=self.cwd, capture_output=True, text=True,
                              input=input, timeout=120, preexec_fn=preexec_fn)  # type: ignore[arg-type]

    def status(self) -> dict:
        """What the server says of itself (asked on its socket, as `opmodel daemon status`
        does, without starting a command line each time)."""
        if self.key is None:  # the installation of the commands this test runs
            p = subprocess.run([sys.executable, "-c", KEY], env=self.env, cwd=self.cwd,
                               capture_output=True, text=True, timeout=60)
            self.key, self.socket = json.loads(p.stdout)
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.connect(self.socket)
            wire.send(sock, {"op": "status", "key": self.key})
            answer = wire.recv(sock)
        except OSError:
            answer = None
        finally:
            sock.close()
        return {"running": False, "socket": self.socket} if answer is None else {
            "running": True, **answer}

    def served(self) -> int:
        return int(self.status()["served"])


@pytest.fixture
def daemon(tmp_path: Path) -> Iterator[Daemon]:
    # a short folder: a Unix socket's path has at most 107 bytes
    folder = Path(tempfile.mkdtemp(prefix="opd-"))
    d = Daemon(folder, tmp_path)
    try:
        yield d
    finally:
        pid = None
        with contextlib.suppress(Exception):
            pid = d.status().get("pid")
        d.run("daemon", "stop")
        if pid:  # a server that would not stop
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def started(daemon: Daemon) -> Daemon:
    p = daemon.run("daemon", "start", "--idle", "10")
    assert p.returncode == 0, p.stdout + p.stderr
    assert "command server started" in p.stdout
    assert daemon.status()["running"]
    return daemon


@pytest.fixture
def tiny(started: Daemon) -> Path:
    p = started.run("init", "tiny", server=False)
    assert p.returncode == 0, p.stderr
    return started.cwd / "tiny"


def same(d: Daemon, *args: str, **kw: object) -> subprocess.CompletedProcess[str]:
    """Run ``args`` through the server and on its own: the same stdout, stderr and exit
    code; the server's run is returned."""
    warm = d.run(*args, **kw)  # type: ignore[arg-type]
    cold = d.run(*args, server=False, **kw)  # type: ignore[arg-type]
    assert (warm.returncode, timeless(warm.stdout), timeless(warm.stderr)) == (
        cold.returncode, timeless(cold.stdout), timeless(cold.stderr)), args
    return warm


def timeless(text: str) -> str:
    """``text`` without the times it reports (how long the solver took)."""
    text = re.sub(r'("\w*seconds": )[-+0-9.e]+', r"\1…", text)
    return re.sub(r"\b\d+\.\d+ s\b", "… s", text)


def test_commands_answer_the_same_through_the_server(started: Daemon, tiny: Path) -> None:
    before = started.served()
    assert same(started, "plan", "tiny", "--format", "json").returncode == 0
    assert "opmodel.plan" in same(started, "plan", "tiny", "-f", "json").stdout
    assert same(started, "validate", str(ACME)).returncode == 0
    assert same(started, "gaps", str(ACME), "-n", "3", "--format", "csv").stdout.count(
        "\n") == 4
    assert same(started, "show", "tiny").returncode == 0
    missing = same(started, "plan", "no-such-folder")
    assert missing.returncode == 1 and "E-INPUT" in missing.stderr
    usage = same(started, "plan", "--bogus")
    assert usage.returncode == 2 and "python -m opmodel plan" in usage.stderr
    assert same(started, "--version").stdout.startswith("opmodel ")
    assert "Commands:" in same(started, "--help").stdout
    # the terminal's width comes from the caller's environment, not the server's
    narrow = same(started, "gaps", str(ACME), "-n", "3", env={"COLUMNS": "60"})
    assert max(len(line) for line in narrow.stdout.splitlines()) <= 60
    assert started.served() == before + 10, "every command went through the server"


def test_files_are_written_in_the_callers_folder_with_its_umask(started: Daemon,
                                                                tiny: Path) -> None:
    before = started.served()
    p = started.run("plan", "tiny", "-f", "json", "-o", "warm.json", shell_umask="077")
    assert p.returncode == 0, p.stderr
    assert started.served() == before + 1
    q = started.run("plan", "tiny", "-f", "json", "-o", "cold.json", shell_umask="077",
                    server=False)
    assert q.returncode == 0, q.stderr
    warm, cold = started.cwd / "warm.json", started.cwd / "cold.json"
    assert timeless(warm.read_text()) == timeless(cold.read_text())
    assert (warm.stat().st_mode & 0o777) == (cold.stat().st_mode & 0o777) == 0o600


def _small_files() -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_FSIZE, (200, resource.RLIM_INFINITY))


def test_the_callers_resource_limits_hold(started: Daemon, tiny: Path) -> None:
    before = started.served()
    # files of at most 200 bytes (`ulimit -f`): the plan's JSON cannot be written
    p = same(started, "plan", "tiny", "-f", "json", "-o", "plan.json", preexec_fn=_small_files)
    assert p.returncode == 1 and "too large" in p.stderr.lower(), p.stderr
    assert started.served() == before + 1


def test_stdin_reaches_the_command(started: Daemon, tiny: Path) -> None:
    url = f"sqlite:///{started.cwd / 'team.db'}"
    assert started.run("store", "init", url, "--from", "tiny").returncode == 0
    before = started.served()
    p = started.run("user", "add", url, "maria", "--role", "portfolio", "--password-stdin",
                    input="a long enough secret\n")
    assert p.returncode == 0, p.stdout + p.stderr
    assert started.served() == before + 1
    # the password read from the caller's stdin is the one the store checks
    from opmodel.store import open_store
    from opmodel.store.users import authenticate

    user = authenticate(open_store(url), "maria", "a long enough secret")
    assert user.name == "maria"


def _paused(d: Daemon, out: str) -> subprocess.Popen[str]:
    """A ``plan -o out`` held open in the middle of writing its file."""
    p = subprocess.Popen([*OPMODEL, "plan", "tiny", "-f", "json", "-o", out],
                         env={**d.env, "OPMODEL_TEST_PAUSE_AT": "write-file"}, cwd=d.cwd,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert p.stderr is not None
    line = p.stderr.readline()  # blocks until the command is paused (or ended)
    assert "paused at write-file" in line, line
    return p


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".out.json"))


def test_ctrl_c_reaches_the_command(started: Daemon, tiny: Path) -> None:
    before = started.served()
    p = _paused(started, "out.json")
    p.send_signal(signal.SIGINT)
    _, err = p.communicate(timeout=30)
    assert p.returncode == 130 and "interrupted" in err
    assert started.served() == before + 1
    assert not (started.cwd / "out.json").exists() and _leftovers(started.cwd) == []


def test_a_killed_caller_interrupts_its_command(started: Daemon, tiny: Path) -> None:
    p = _paused(started, "out.json")
    assert _leftovers(started.cwd), "the command's temporary file exists while it waits"
    p.kill()
    p.wait(timeout=10)
    deadline = time.monotonic() + 20
    while _leftovers(started.cwd) and time.monotonic() < deadline:
        time.sleep(0.05)  # the command is interrupted and cleans up after itself
    assert _leftovers(started.cwd) == []
    assert not (started.cwd / "out.json").exists()


def test_start_twice_stop_and_a_stale_socket(started: Daemon) -> None:
    pid = started.status()["pid"]
    again = started.run("daemon", "start")
    assert again.returncode == 0 and f"already running (pid {pid})" in again.stdout
    cli = started.run("daemon", "status", "--format", "json")
    assert cli.returncode == 0 and json.loads(cli.stdout)["pid"] == pid
    assert f"pid {pid}" in started.run("daemon", "status").stdout
    stop = started.run("daemon", "stop")
    assert stop.returncode == 0 and f"stopped the command server (pid {pid})" in stop.stdout
    assert started.status()["running"] is False
    assert list(started.folder.glob("*.sock")) == []
    assert "no command server is running" in started.run("daemon", "stop").stdout
    cli = started.run("daemon", "status", "--format", "json")
    assert cli.returncode == 0 and json.loads(cli.stdout)["running"] is False
    # a socket left behind by a server that was killed: commands run on their own
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    path = started.status()["socket"]
    sock.bind(path)
    sock.close()
    p = started.run("--version")
    assert p.returncode == 0 and p.stdout.startswith("opmodel ")
    # and a new server takes its place
    assert started.run("daemon", "start").returncode == 0
    assert started.status()["running"]


def test_another_installation_runs_on_its_own(started: Daemon) -> None:
    before = started.served()
    # a variable Python reads at start-up makes another installation: another socket
    p = started.run("--version", env={"PYTHONWARNINGS": "ignore"})
    assert p.returncode == 0 and p.stdout.startswith("opmodel ")
    assert started.served() == before
    # its status says so, and that another installation's server listens beside it
    shown = " ".join(started.run("daemon", "status",
                                 env={"PYTHONWARNINGS": "ignore"}).stdout.split())
    assert "no command server is running for this installation" in shown
    assert "1 server(s) of other installations listen beside it" in shown
    # a request that names another installation is declined, and nothing runs
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect(started.status()["socket"])
    wire.send(sock, {"op": "run", "key": "another", "argv": ["--version"]})
    assert wire.recv(sock) == {"declined": "another installation"}
    sock.close()
    assert started.served() == before


def test_an_edited_file_ends_the_server(daemon: Daemon, tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    custom = site / "sitecustomize.py"  # imported by every interpreter of this path
    custom.write_text("VALUE = 1\n")
    env = {"PYTHONPATH": os.pathsep.join(
        p for p in (str(site), os.environ.get("PYTHONPATH")) if p)}
    daemon.env.update(env)
    assert daemon.run("daemon", "start").returncode == 0
    assert daemon.served() == 0
    assert daemon.run("--version").returncode == 0 and daemon.served() == 1
    custom.write_text("VALUE = 22\n")  # a new version of a module the server imported
    changed = daemon.status()
    assert changed["changed"] == str(custom)
    shown = " ".join(daemon.run("daemon", "status").stdout.split())  # folded at 100 columns
    assert f"{custom} changed since it started" in shown
    # `start` replaces a server whose files changed (it would decline every command)
    again = daemon.run("daemon", "start")
    assert again.returncode == 0 and "command server started" in again.stdout, again.stdout
    assert daemon.status()["pid"] != changed["pid"]
    custom.write_text("VALUE = 333\n")
    p = daemon.run("--version")
    assert p.returncode == 0 and p.stdout.startswith("opmodel "), p.stderr
    assert daemon.status()["running"] is False  # declined, ran on its own; the server ended
    assert "changed" in next(daemon.folder.glob("*.log")).read_text()


def test_the_server_ends_when_idle(daemon: Daemon) -> None:
    assert daemon.run("daemon", "start", "--idle", "0.01").returncode == 0  # 0.6 s
    deadline = time.monotonic() + 30
    while daemon.status()["running"] and time.monotonic() < deadline:
        time.sleep(0.1)
    assert daemon.status()["running"] is False
    assert list(daemon.folder.glob("*.sock")) == []


def test_an_unsafe_socket_folder_is_refused(daemon: Daemon) -> None:
    daemon.folder.chmod(0o755)
    p = daemon.run("daemon", "start")
    assert p.returncode == 1 and "0700" in p.stderr and "open to others" in p.stderr
    assert list(daemon.folder.iterdir()) == []
    # a socket found there is not used either
    daemon.folder.chmod(0o700)
    assert daemon.run("daemon", "start").returncode == 0
    daemon.folder.chmod(0o755)
    try:
        p = daemon.run("--version")
        assert p.returncode == 0
    finally:
        daemon.folder.chmod(0o700)
    assert daemon.served() == 0


def test_a_socket_path_too_long_is_refused_before_anything_is_made(tmp_path: Path) -> None:
    folder = tmp_path / ("x" * 120)
    d = Daemon(folder, tmp_path)
    p = d.run("daemon", "start")
    assert p.returncode == 1 and "longer than 107 bytes" in p.stderr, p.stderr
    assert wire.ENV_DIR in p.stderr and not folder.exists()


def test_unsafe_says_why(tmp_path: Path) -> None:
    assert wire.unsafe(str(tmp_path / "none")) is not None
    (tmp_path / "f").write_text("")
    assert "not a folder" in (wire.unsafe(str(tmp_path / "f")) or "")
    d = tmp_path / "d"
    d.mkdir(mode=0o700)
    d.chmod(0o700)
    assert wire.unsafe(str(d)) is None
    (tmp_path / "link").symlink_to(d)
    assert "not a folder" in (wire.unsafe(str(tmp_path / "link")) or "")
    d.chmod(0o770)
    assert "0770" in (wire.unsafe(str(d)) or "")


def test_the_snapshot_sees_a_changed_file(tmp_path: Path) -> None:
    snap = Snapshot()
    assert snap.files and snap.changed() is None
    f = tmp_path / "m.py"
    f.write_text("x = 1\n")
    snap.files[str(f)] = Snapshot._stat(str(f))
    assert snap.changed() is None
    f.write_text("x = 22\n")
    assert snap.changed() == str(f)
    f.unlink()
    assert snap.changed() == str(f)


def test_messages_are_bounded() -> None:
    a, b = socket.socketpair()
    try:
        wire.send(a, {"op": "status", "key": "k"})
        assert wire.recv(b) == {"op": "status", "key": "k"}
        a.sendall((wire.MAX_MESSAGE + 1).to_bytes(4, "big"))
        with pytest.raises(ValueError, match="at most"):
            wire.recv(b)
        a.sendall(b"\x00\x00\x00\x02[]")
        with pytest.raises(ValueError, match="not an object"):
            wire.recv(b)
        a.close()
        assert wire.recv(b) is None
    finally:
        b.close()


def _on_a_terminal(d: Daemon, args: list[str], typed: bytes, server: bool) -> bytes:
    """What a terminal shows while ``opmodel args…`` runs on it and the user types
    ``typed`` (a pseudo-terminal: the command's stdin, stdout and stderr)."""
    import pty
    import select

    main, sub = pty.openpty()
    env = {**d.env, "COLUMNS": "100"}
    if not server:
        env[wire.ENV_OFF] = "1"
    p = subprocess.Popen([*OPMODEL, *args], stdin=sub, stdout=sub, stderr=sub, env=env,
                         cwd=d.cwd, close_fds=True)
    os.close(sub)
    shown = b""
    rest = typed
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        ready, _, _ = select.select([main], [], [], 0.1)
        if ready:
            try:
                chunk = os.read(main, 4096)
            except OSError:  # the command ended and closed the terminal
                break
            if not chunk:
                break
            shown += chunk
            # a prompt: click writes "password for x:", then getpass turns the echo off and
            # writes " ": a user types from then on
            if rest and shown.endswith(b": "):
                line, _, rest = rest.partition(b"\n")
                os.write(main, line + b"\n")
        elif p.poll() is not None:
            break
    p.wait(timeout=30)
    os.close(main)
    assert p.returncode == 0, shown
    return shown


def test_a_password_typed_at_a_prompt_is_not_shown(started: Daemon, tiny: Path) -> None:
    url = f"sqlite:///{started.cwd / 'team.db'}"
    assert started.run("store", "init", url, "--from", "tiny").returncode == 0
    before = started.served()
    secret = b"a long enough secret"
    shown = {}
    for name, server in (("bob", True), ("carl", False)):
        shown[name] = _on_a_terminal(started, ["user", "add", url, name, "--role", "admin"],
                                     secret + b"\n" + secret + b"\n", server)
        assert b"Repeat for confirmation" in shown[name]
        assert secret not in shown[name]  # echo off on the caller's terminal
        assert b"\x1b[32m" in shown[name]  # a terminal: the tick is green
    assert started.served() == before + 1


def test_commands_at_once_each_get_their_own_answer(started: Daemon, tiny: Path) -> None:
    """A script running commands side by side (`xargs -P`): each is forked on its own and
    answers for its own model and arguments."""
    from concurrent.futures import ThreadPoolExecutor

    before = started.served()
    jobs = [("gaps", str(ACME), "-n", str(n), "--format", "csv") for n in (1, 2, 3, 4, 5, 6)]
    with ThreadPoolExecutor(6) as pool:
        answers = list(pool.map(lambda args: started.run(*args), jobs))
    for n, p in enumerate(answers, start=1):
        assert p.returncode == 0, p.stderr
        assert p.stdout.count("\n") == n + 1  # the header and n rows
    assert started.served() == before + len(jobs)

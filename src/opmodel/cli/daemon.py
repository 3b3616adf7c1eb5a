"""``opmodel daemon start/stop/status``: the warm command server (docs/daemon.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.markup import escape
from rich.text import Text

from ..daemon import control, wire
from ._app import app
from ._common import console, handle_errors
from ._output import emit, format_option, output_option

daemon_app = typer.Typer(
    help="A warm command server: later commands of this installation start with their "
    "libraries already imported (docs/daemon.md).",
    no_args_is_help=True)
app.add_typer(daemon_app, name="daemon")


@daemon_app.command("start")
@handle_errors
def daemon_start(
    idle: float = typer.Option(30.0, "--idle", min=0.0, help="End after this many minutes "
                               "without a command (0: never)."),
) -> None:
    """Start the command server for this installation (in the background): every later
    `opmodel` command of the same installation and user is forked from it, its libraries
    already imported. Nothing else changes: same output, same exit codes."""
    info, already = control.start(idle * 60.0)
    if already:
        console.print(f"the command server is already running (pid {info['pid']}); "
                      "`opmodel daemon stop` ends it")
        return
    console.print(f"[green]✓[/] command server started (pid {info['pid']}, socket "
                  f"{escape(str(info['socket']))}); "
                  + (f"it ends after {idle:g} minute(s) without a command, or with "
                     if idle else "it runs until ")
                  + "`opmodel daemon stop`")


@daemon_app.command("stop")
@handle_errors
def daemon_stop() -> None:
    """Stop this installation's command server (commands then start as usual)."""
    pid = control.stop()
    if pid is None:
        console.print("no command server is running for this installation")
    else:
        console.print(f"[green]✓[/] stopped the command server (pid {pid})")


@daemon_app.command("status")
@handle_errors
def daemon_status(fmt: str | None = format_option(csv=False),
                  out: Path | None = output_option()) -> None:
    """Whether a command server runs for this installation: its pid, socket, uptime and
    the commands it has run."""
    from ..outputs.daemon import DaemonStatus

    info = control.status()
    data: dict[str, Any] = {"running": info is not None,
                            "socket": info["socket"] if info else wire.socket_path()}
    if info:  # the server's own words, the fields the published shape holds
        data |= {k: info.get(k) for k in DaemonStatus.model_fields
                 if k not in ("schema_", "version", "running", "socket")}

    def view() -> list[Any]:
        if not info:
            lines = [Text("no command server is running for this installation "
                          "(`opmodel daemon start` starts one)")]
            others = _other_sockets(data["socket"])
            if others:  # started from another shell, whose start-up variables differ
                lines.append(Text(
                    f"{others} server(s) of other installations listen beside it: another "
                    "interpreter or import path, or other PYTHON*, LC_*, LANG, OPENBLAS_*, "
                    "… variables than this shell's (docs/daemon.md)"))
            return lines
        idle = data["idle_timeout_seconds"]
        return [Text(f"command server: pid {data['pid']}, up {data['uptime_seconds']:g} s, "
                     f"{data['served']} command(s) run, "
                     + (f"ends after {idle / 60:g} idle minute(s)" if idle else
                        "no idle end")),
                Text(f"socket {data['socket']}; watching {data['files_watched']} "
                     "imported files for changes")] + ([Text(
                         f"{data['changed']} changed since it started: it ends at the next "
                         "command (`opmodel daemon start` starts a new one)")]
                     if data["changed"] else [])

    emit("daemon-status", fmt, out, data=lambda: data, table=view)


def _other_sockets(mine: str) -> int:
    """How many other sockets the socket folder holds (servers of other installations)."""
    import glob
    import os

    folder = os.path.dirname(mine)
    if wire.unsafe(folder):
        return 0
    return sum(1 for p in glob.glob(os.path.join(folder, "*.sock")) if p != mine)

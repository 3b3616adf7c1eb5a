"""The ``opmodel`` command: thin skins over the library, one module per topic.

Each topic module registers its commands on the application of ``cli/_app.py``;
``opmodel.cli.app`` is that application with every topic loaded, and :func:`main` loads only
the topic of the command asked for (:data:`COMMANDS`). Every command is one library call
plus parsing and formatting; errors from the library are printed with their locations and
end the command with its exit code (docs/output.md).
"""

from __future__ import annotations

import gc
import importlib
import os
import sys

# `typing` itself is not imported: a command handed to the warm server (docs/daemon.md) runs
# this module and the client only, and typing and what it pulls in are a third of that
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

# The topic modules register their commands on the bare application in `_app`. A module
# that is absent (a topic not built yet) is skipped, so the command always starts.
TOPICS = ("model", "generate", "analysis", "plan", "cycle", "report", "interop", "store",
          "serve", "daemon")

#: the topic module that registers each command (``tests/cli/test_commands.py`` checks this
#: against the commands the modules register). ``main`` imports only that module: `opmodel
#: plan` need not build the store's, the report's or the importers' commands.
COMMANDS = {
    "init": "model", "validate": "model", "show": "model", "demo": "model", "schema": "model",
    "generate": "generate",
    "weights": "analysis", "gaps": "analysis", "heatmap": "analysis",
    "homogeneity": "analysis", "apps": "analysis", "stability": "analysis",
    "plan": "plan", "explain": "plan", "diff": "plan", "frontier": "plan",
    "decide": "cycle", "decisions": "cycle", "actuals": "cycle", "archive": "cycle",
    "report": "report",
    "export": "interop", "import": "interop", "survey": "interop",
    "store": "store", "user": "store", "history": "store",
    "serve": "serve", "daemon": "daemon",
}


def load_topics(names: tuple[str, ...] = TOPICS) -> None:
    """Import the topic modules ``names`` (each registers its commands once)."""
    for topic in names:
        try:
            importlib.import_module(f"{__name__}.{topic}")
        except ModuleNotFoundError as exc:  # pragma: no cover - only while a topic is missing
            if exc.name != f"{__name__}.{topic}":
                raise


def topics_for(argv: list[str]) -> tuple[str, ...]:
    """The topic modules a command line needs: the one holding its command, or all of them
    when it names none (``--help``, no arguments, a mistyped command: click then lists or
    suggests every command). The root takes no option with a value, so the command is the
    first word that is not an option; ``--version`` before it needs no command at all."""
    for arg in argv:
        if not arg.startswith("-"):
            topic = COMMANDS.get(arg)
            return (topic,) if topic else TOPICS
        if arg == "--version":  # eager: answered before any command is looked at
            return ()
        if arg in ("-h", "--help"):  # the root's help lists every command
            break
    return TOPICS


def __getattr__(name: str) -> Any:
    """``opmodel.cli.app``: the application with every command registered."""
    if name == "app":
        from ._app import app

        load_topics()
        return app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def main() -> None:
    command_environment()
    argv = sys.argv[1:]
    # a warm command server of this installation runs the command when one is running
    # (`opmodel daemon start`, docs/daemon.md); else, as usual, it runs here
    from ..daemon.client import forward

    code = forward(argv)
    if code is not None:
        sys.exit(code)
    run(argv)


def command_environment() -> None:
    """The environment variables the command line sets for itself (a user's own setting
    wins): before anything is imported, and before the warm server's socket is chosen
    (they are part of what it serves)."""
    # pydantic looks for plugins through every installed distribution's entry points the
    # first time a model class is built (importlib.metadata, ≈ 0.01 s); the command line
    # uses none. A user who wants plugins in the CLI can still set the variable themselves.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    # numpy's OpenBLAS starts one thread per core when numpy is imported (≈ 0.08 s of CPU on
    # two cores, more on more); opmodel's arrays are small (the solver is HiGHS), so one
    # BLAS thread loses nothing (docs/benchmarks.md). Set before numpy loads; a user's own
    # setting wins.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


def run(argv: list[str], prog_name: str | None = None) -> None:
    """Run the command line ``argv`` (without the program's name) in this process;
    ``prog_name`` is the name its usage lines show (None: as click finds it)."""
    _pause_collector(1.0)
    from ._app import app

    load_topics(topics_for(argv))
    only(app, command_of(argv))(args=argv, prog_name=prog_name)


def command_of(argv: list[str]) -> str | None:
    """The command a command line names (its first word that is not an option), or None
    when it names none or asks the root for ``--version`` or ``--help`` first."""
    for arg in argv:
        if not arg.startswith("-"):
            return arg
        if arg in ("--version", "-h", "--help"):
            return None
    return None


def only(app: Any, command: str | None) -> Any:
    """``app`` with ``command`` as its only command, when it is one of its plain commands
    (not a group like ``store``): typer builds every registered command's click command on
    each run, and the topic of ``plan`` registers four. Anything else: ``app`` as it is. A
    copy: ``app`` keeps all its commands."""
    if command is None:
        return app
    import copy

    from typer.main import get_command_name

    mine = [c for c in app.registered_commands
            if (c.name or get_command_name(c.callback.__name__)) == command]
    if len(mine) != 1:
        return app
    one = copy.copy(app)
    one.registered_commands = mine
    one.registered_groups = []
    return one


def _pause_collector(seconds: float) -> None:
    """Pause Python's cyclic garbage collector for the command's first ``seconds``.

    Starting a command creates a few hundred thousand long-lived objects (modules, classes,
    pydantic's validators) and next to no cyclic garbage; the collector's passes over them
    were a tenth of a short command's CPU time (bench/startup.py). Reference counting frees
    everything as usual meanwhile, and a longer command collects as always from then on."""
    if not gc.isenabled():
        return
    gc.disable()
    import threading

    timer = threading.Timer(seconds, gc.enable)
    timer.daemon = True  # never keeps the process alive
    timer.start()

"""The ``opmodel`` command: thin skins over the library, one module per topic.

Each topic module registers its commands on :data:`app`. Every command is one library call
plus parsing and formatting; errors from the library are printed with their locations and
end the command with exit code 1 (2 for a usage error).
"""

from __future__ import annotations

import gc
import importlib
import threading

import typer

from .. import __version__
from ._common import console

app = typer.Typer(
    name="opmodel",
    help="Turn a CIO office's IT operating model into decisions.",
    no_args_is_help=True,
    add_completion=False,
    # Help as click prints it: typer's rich help panels import rich's Markdown and
    # Traceback renderers, 0.08 s of the 0.15 s `opmodel --help` may take (bench/startup.py).
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        console.print(f"opmodel {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version and exit."
    ),
) -> None:
    """Turn a CIO office's IT operating model into decisions.

    Start with `opmodel demo`, or `opmodel init DIR` for a model of your own.
    """


# Topic modules register their commands on `app` when imported. A module that is absent
# (a topic not built yet) is skipped, so the command always starts.
TOPICS = ("model", "generate", "analysis", "plan", "cycle", "report", "interop", "store",
          "serve")
for _topic in TOPICS:
    try:
        importlib.import_module(f"{__name__}.{_topic}")
    except ModuleNotFoundError as exc:  # pragma: no cover - only while a topic is missing
        if exc.name != f"{__name__}.{_topic}":
            raise


def main() -> None:
    _pause_collector(1.0)
    app()


def _pause_collector(seconds: float) -> None:
    """Pause Python's cyclic garbage collector for the command's first ``seconds``.

    Starting a command creates a few hundred thousand long-lived objects (modules, classes,
    pydantic's validators) and next to no cyclic garbage; the collector's passes over them
    were a tenth of a short command's CPU time (bench/startup.py). Reference counting frees
    everything as usual meanwhile, and a longer command collects as always from then on."""
    if not gc.isenabled():
        return
    gc.disable()
    timer = threading.Timer(seconds, gc.enable)
    timer.daemon = True  # never keeps the process alive
    timer.start()

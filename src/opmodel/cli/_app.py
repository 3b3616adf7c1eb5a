"""The bare command-line application; the topic modules register their commands on it.

``opmodel.cli`` imports the topic modules: all of them for :data:`opmodel.cli.app`, only the
one that holds the command for :func:`opmodel.cli.main`.
"""

from __future__ import annotations

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

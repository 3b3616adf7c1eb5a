"""The command map that lets ``opmodel CMD`` import only the topic module holding CMD."""

from __future__ import annotations

import subprocess
import sys

import pytest
import typer.main

import opmodel.cli as cli


def registered() -> dict[str, str]:
    """Each command of the full application → the topic module that registered it."""
    group = typer.main.get_command(cli.app)
    found: dict[str, str] = {}
    for name, command in group.commands.items():  # type: ignore[attr-defined]
        if hasattr(command, "commands"):  # a command group (survey, store, user)
            command = next(iter(command.commands.values()))
        found[name] = command.callback.__module__.rsplit(".", 1)[1]
    return found


def test_the_map_names_every_command_and_its_module() -> None:
    assert registered() == cli.COMMANDS
    assert set(cli.COMMANDS.values()) <= set(cli.TOPICS)


@pytest.mark.parametrize(("argv", "topics"), [
    (["plan", "examples/acme", "--format", "json"], ("plan",)),
    (["-h"], cli.TOPICS),
    ([], cli.TOPICS),
    (["--version"], ()),
    (["-h", "plan"], cli.TOPICS),  # the root help lists every command
    (["--version", "plan"], ()),
    (["plam", "x"], cli.TOPICS),  # a typo: every command, for click's "did you mean"
    (["store", "init", "x"], ("store",)),
    (["survey", "--help"], ("interop",)),
])
def test_topics_for_a_command_line(argv: list[str], topics: tuple[str, ...]) -> None:
    assert cli.topics_for(argv) == topics


def run(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "opmodel", *argv], capture_output=True,
                          text=True, timeout=120)


def test_a_command_runs_with_only_its_topic_loaded_and_typos_still_get_suggestions() -> None:
    p = run("plan", "--help")
    assert p.returncode == 0 and "--time-limit" in p.stdout, p.stderr
    p = run("--help")
    assert p.returncode == 0 and all(c in p.stdout for c in ("plan", "history", "survey"))
    p = run("hetmap", "examples/acme")
    assert p.returncode == 2 and "heatmap" in p.stderr, p.stderr

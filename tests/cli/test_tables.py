"""Tables in a narrow terminal: no word is folded, header or cell (docs/output.md)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from rich.text import Text
from typer.testing import CliRunner

from opmodel.cli import _common, app
from opmodel.cli._common import Table

from .render import shown as _shown

ACME = str(Path(__file__).resolve().parents[2] / "examples" / "acme")


def _stages() -> Table:
    """`homogeneity --by stage`'s shape: long header words over columns of short numbers."""
    t = Table(title="Homogeneity by stage")
    for col in ("stage", "capabilities", "units", "applications", "homogeneity (mean)",
                "max spread", "duplicated cost", "candidates"):
        t.add_column(col, justify="left" if col == "stage" else "right")
    for name in ("Market and generate demand", "Sell and quote", "Order to cash"):
        t.add_row(name, "6", "5", "12", "0.58", "1", "1,540", "4")
    return t


@pytest.mark.parametrize("width", [100, 80, 70])
def test_header_words_are_never_folded(width: int) -> None:
    """At 80 columns the header 'homogeneity' came out as 'homo/gene/ity' over three lines
    (and 'capabilit/ies', 'applicati/ons'): the headers were folded before the cells."""
    out = _shown(_stages(), width)
    assert max(len(ln) for ln in out.splitlines()) <= width
    words = set(out.split())
    for head in ("stage", "capabilities", "units", "applications", "homogeneity", "(mean)",
                 "max", "spread", "duplicated", "cost", "candidates"):
        assert head in words, f"{head!r} not whole at {width} columns:\n{out}"
    for name in ("generate", "demand", "quote"):
        assert name in words


def test_a_short_header_is_taken_before_records() -> None:
    """A header with a ``short`` form takes it where the whole one leaves no room; the
    records, which have room, keep the whole header."""
    t = Table()
    t.add_column("application")
    t.add_column("functional", short="func.", justify="right")
    t.add_column("technical", short="tech.", justify="right")
    t.add_row("crm-salesforce-servers", "4", "3")
    assert set(_shown(t, 50).split()) >= {"functional", "technical"}  # room: whole
    narrow = _shown(t, 36)
    assert "func." in narrow.split() and "functional" not in narrow, narrow
    assert all(len(ln) <= 36 for ln in narrow.splitlines())
    records = _shown(t, 24)  # not even with the short forms: records, whole headers
    assert re.search(r"^functional +4 *$", records, re.M), records


def test_a_table_is_fitted_afresh_for_each_width() -> None:
    """The fit for one width (rules dropped, headers shortened, widths set) is not kept
    when the same table is printed again, wider (`-o` after the terminal, say)."""
    t = _stages()
    narrow = _shown(t, 70)
    wide = _shown(t, 160)
    assert "│" not in narrow and "┃" in wide and "│" in wide
    assert len(wide.splitlines()) < len(narrow.splitlines())


def _words(cell: Any) -> int:
    text = cell.plain if isinstance(cell, Text) else cell if isinstance(cell, str) else ""
    return max((len(w) for w in text.split()), default=0)


def test_commands_fold_no_word_in_a_narrow_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every table the commands print keeps each column at least as wide as its longest
    word, header and cells, or is shown as records (`decisions`, the slow one, is checked
    in test_output_contract.py)."""
    width = "80"
    seen: list[tuple[Table, list[int | None]]] = []
    render = Table.__rich_console__

    def spy(self: Table, console: Console, options: Any) -> Any:
        out = list(render(self, console, options))
        seen.append((self, [c.width for c in self.columns]))  # before they are reset
        return iter(out)

    monkeypatch.setattr(Table, "__rich_console__", spy)
    monkeypatch.setattr(_common.console, "_width", int(width))
    runner = CliRunner()
    for args in (["homogeneity", "-n", "3"], ["homogeneity", "--by", "stage"], ["apps"],
                 ["gaps", "-n", "5"], ["stability", "--draws", "20"], ["show"],
                 ["survey", "status"]):
        seen.clear()
        where = 2 if args[0] == "survey" else 1
        r = runner.invoke(app, [*args[:where], ACME, *args[where:]], env={"COLUMNS": width})
        assert r.exit_code == 0, r.output
        assert seen, args
        for t, widths in seen:
            for c, w in zip(t.columns, widths, strict=True):
                if w is None:
                    continue
                longest = max([_words(c.header), *(_words(x) for x in c._cells)])
                assert w >= longest, f"{args}: {c.header!r} is {w} wide for a word of " \
                                     f"{longest}"

"""Placing issues in YAML files: from libyaml's events in one pass (`io/positions.py`), the
same line and column ruamel's round-trip loader gives, without building the document in
pure Python (45 µs a node: one unknown id repeated in a 10 MB file of ids took over five
minutes to place; 1 s now for 2 MB)."""

from __future__ import annotations

import random
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from opmodel.errors import ModelError
from opmodel.io import folder
from opmodel.io.folder import read_folder, yaml_position
from opmodel.io.positions import yaml_positions

ROOT = Path(__file__).resolve().parents[2]
TRICKY = """\
# a comment
top: {a: 1, b: [x, {y: 2, z: [3, 4]}], "quoted key": 'v'}
list:
- plain
-   - nested
    - seq
- ? complex key
  : value
- {k: [1, 2], m: {n: o}}
2: int key
true: bool key
multi: |
  line one
  line two
empty:
last: [a,
  b, c]
"""


def _paths(node: Any, pre: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield pre
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, (*pre, k))
        yield (*pre, "no-such-key", 0)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _paths(v, (*pre, i))
        yield (*pre, len(node), "x")


@pytest.mark.parametrize("name", ["tricky", *sorted(
    p.name for p in (ROOT / "examples" / "acme").glob("*.yaml"))])
def test_positions_are_those_of_the_round_trip_loader(name: str) -> None:
    text = TRICKY if name == "tricky" else (ROOT / "examples" / "acme" / name).read_text()
    doc = YAML().load(text)
    paths = list(_paths(doc))
    got = yaml_positions(text, paths)
    assert {p: got[p] for p in paths} == {p: yaml_position(doc, p) for p in paths}
    for p in random.Random(0).sample(paths, min(25, len(paths))):  # alone: it stops early
        assert yaml_positions(text, [p]) == {p: yaml_position(doc, p)}


def test_reading_a_folder_places_issues_without_the_round_trip_loader(
        starter_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    m = tmp_path / "m"
    shutil.copytree(starter_path, m)
    p = m / "initiatives.yaml"
    p.write_text(p.read_text().replace("depends_on: [cpq]", "depends_on: [cpq, nope]"))
    real = folder.YAML

    def safe_only(*args: Any, **kwargs: Any) -> Any:
        assert kwargs.get("typ") == "safe", "the round-trip loader was used"
        return real(*args, **kwargs)

    monkeypatch.setattr(folder, "YAML", safe_only)
    with pytest.raises(ModelError) as e:
        read_folder(m)
    line = next(k for k, t in enumerate(p.read_text().splitlines(), 1) if "nope" in t)
    col = next(t for t in p.read_text().splitlines() if "nope" in t).index("nope") + 1
    assert [i.location for i in e.value.issues] == [f"initiatives.yaml:{line}:{col}"]


def test_scenarios_are_read_and_placed_without_the_round_trip_loader(
        acme_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """scenarios.yaml was always read with the round-trip loader (3 s a MB: a 4 MB file
    took `validate` 13 s, 2 s now)."""
    import importlib

    from opmodel.io.scenarios import read_scenarios

    m = tmp_path / "m"
    shutil.copytree(acme_path, m)
    p = m / "scenarios.yaml"
    p.write_text(p.read_text().replace("force_in: [crm-dynamics]", "force_in: [crm-dynamix]"))
    monkeypatch.setattr(importlib.import_module("opmodel.io.scenarios"), "YAML", None)
    with pytest.raises(ModelError) as e:
        read_scenarios(m, read_folder(m).enterprise)
    lines = p.read_text().splitlines()
    line = next(k for k, t in enumerate(lines, 1) if "crm-dynamix" in t)
    col = lines[line - 1].index("crm-dynamix") + 1
    assert [i.location for i in e.value.issues] == [f"scenarios.yaml:{line}:{col}"]

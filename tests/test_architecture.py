"""The core (model/, analysis/, optimize/) imports no web, database, Excel or XML library,
and imports flow one way: model ← analysis ← optimize ← report."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "opmodel"
FORBIDDEN = {"fastapi", "starlette", "uvicorn", "sqlalchemy", "alembic", "psycopg", "openpyxl",
             "python_calamine", "lxml", "xml", "jinja2", "requests", "httpx", "playwright"}
LAYERS = ["model", "analysis", "optimize", "report"]
SKINS = {"io", "cli", "web", "store"}


def imports(path: Path) -> list[tuple[str, int]]:
    tree = ast.parse(path.read_text(), filename=str(path))
    out: list[tuple[str, int]] = []
    pkg = path.relative_to(SRC.parent).with_suffix("").parts[:-1]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.extend((a.name, node.lineno) for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = pkg[: len(pkg) - node.level + 1]
                name = ".".join((*base, node.module or ""))
            else:
                name = node.module or ""
            out.append((name.rstrip("."), node.lineno))
    return out


def core_files() -> list[Path]:
    return [p for layer in ("model", "analysis", "optimize") for p in (SRC / layer).rglob("*.py")]


@pytest.mark.parametrize("path", core_files(), ids=lambda p: str(p.relative_to(SRC)))
def test_core_imports_no_io_library(path: Path) -> None:
    bad = [(m, n) for m, n in imports(path) if m.split(".")[0] in FORBIDDEN]
    assert not bad, f"{path.relative_to(SRC)} imports {bad}"


@pytest.mark.parametrize(
    "path", [p for layer in LAYERS for p in (SRC / layer).rglob("*.py")],
    ids=lambda p: str(p.relative_to(SRC)),
)
def test_imports_flow_one_way(path: Path) -> None:
    layer = path.relative_to(SRC).parts[0]
    allowed_below = set(LAYERS[: LAYERS.index(layer) + 1])
    for module, line in imports(path):
        parts = module.split(".")
        if parts[0] != "opmodel" or len(parts) < 2:
            continue
        target = parts[1]
        assert target not in SKINS, f"{path.name}:{line} imports the skin {module}"
        if target in LAYERS:
            assert target in allowed_below, f"{path.name}:{line} imports {module} (upward)"

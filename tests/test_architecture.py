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


# -- no import circle anywhere in src/ -----------------------------------------------------------
def module_name(path: Path) -> str:
    parts = path.relative_to(SRC.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict[str, set[str]]:
    """Every module of src/ and the modules of src/ it imports — at the top, inside
    functions and under ``TYPE_CHECKING`` alike (a type-only import still ties two modules
    together). ``from . import x`` counts as importing the module ``x`` when it is one."""
    paths = {module_name(p): p for p in SRC.rglob("*.py")}
    graph: dict[str, set[str]] = {m: set() for m in paths}
    for mod, path in paths.items():
        tree = ast.parse(path.read_text(), filename=str(path))
        pkg = mod.split(".") if path.name == "__init__.py" else mod.split(".")[:-1]
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = ".".join(pkg[: len(pkg) - node.level + 1]) if node.level else ""
                full = ".".join(x for x in (base, node.module or "") if x)
                names = [full] + [f"{full}.{a.name}" for a in node.names]
            for name in names:
                # the module itself, else the nearest package above it that is in src/
                parts = name.split(".")
                while parts and ".".join(parts) not in paths:
                    parts.pop()
                target = ".".join(parts)
                if target and target != mod and not mod.startswith(target + "."):
                    graph[mod].add(target)
    return graph


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_the_circle_finder_finds_a_circle() -> None:
    g = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    assert circles(g) == [["a", "b", "c"]]
    assert circles({"a": {"b"}, "b": set()}) == []


def test_no_import_circle_anywhere_in_src() -> None:
    graph = import_graph()
    assert len(graph) > 50 and "opmodel.report.build" in graph["opmodel.cli.report"] | {
        t for s in graph.values() for t in s}
    found = circles(graph)
    assert not found, "import circles (each a group of modules that import each other):\n" + \
        "\n".join(" ↔ ".join(c) for c in found)


REPORT_RENDERERS = ("html", "workbook", "specs", "exports")


def test_report_renderers_do_not_import_each_other() -> None:
    """The report's data is built first (data → findings → tables); HTML, workbook and charts
    each render it and none imports another."""
    graph = import_graph()
    names = {f"opmodel.report.{r}" for r in REPORT_RENDERERS}
    for r in names:
        assert not graph[r] & (names - {r}), f"{r} imports {sorted(graph[r] & names)}"
    assert graph["opmodel.report.data"] <= {"opmodel.errors", "opmodel.analysis",
                                            "opmodel.model", "opmodel.optimize",
                                            "opmodel.optimize.explain",
                                            "opmodel.optimize.frontier",
                                            "opmodel.optimize.risk",
                                            "opmodel.optimize.roadmap"}

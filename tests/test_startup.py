"""Start-up: the command line imports a heavy library only in the command that uses it.

Each case runs in a fresh interpreter and lists the modules loaded by the time it ends;
``opmodel --version``, ``--help`` and ``validate`` (the folder reader and the model's rules)
must not load any library of :data:`HEAVY`, and ``--version`` / ``--help`` not even the
model's pydantic classes or the YAML parser. Timings are in bench/startup.py.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ACME = ROOT / "examples" / "acme"

HEAVY = ("pandas", "numpy", "altair", "vl_convert", "highspy", "openpyxl", "python_calamine",
         "lxml", "sqlalchemy", "alembic", "fastapi", "starlette", "uvicorn", "jinja2",
         "argon2", "psycopg", "hypothesis")
#: what answering --version or --help does not need either (≈ 0.1 s between them; the help
#: is click's, not typer's rich panels, which load rich's Markdown renderer)
MODEL = ("pydantic", "ruamel", "opmodel.model", "opmodel.io", "opmodel.analysis",
         "opmodel.optimize", "opmodel.report", "opmodel.store.store", "opmodel.actions",
         "opmodel.web", "typer.rich_utils", "markdown_it")

PROBE = """
import contextlib, io, json, sys
argv = json.loads(sys.argv[1])
if argv and argv[0] == "import":
    for name in argv[1:]:
        __import__(name)
else:
    from opmodel.cli import main
    sys.argv = ["opmodel", *argv]
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        try:
            main()
        except SystemExit as exc:
            if exc.code:
                raise SystemExit(f"opmodel {argv} exited with {exc.code}")
print(json.dumps(sorted(sys.modules)))
"""


def loaded(*argv: str) -> set[str]:
    """The modules a fresh interpreter has loaded after ``opmodel argv…`` (or after
    importing the modules named after ``"import"``)."""
    p = subprocess.run([sys.executable, "-c", PROBE, json.dumps(argv)], capture_output=True,
                       text=True, cwd=ROOT, timeout=120)
    assert p.returncode == 0, p.stderr
    return set(json.loads(p.stdout))


def found(modules: set[str], names: tuple[str, ...]) -> list[str]:
    return sorted(n for n in names if n in modules or any(m.startswith(n + ".")
                                                          for m in modules))


@pytest.mark.parametrize("argv", [
    ("--version",),
    ("--help",),
    ("import", "opmodel", "opmodel.cli", "opmodel.api", "opmodel.store", "opmodel.errors"),
], ids=lambda a: " ".join(a))
def test_version_and_help_load_no_heavy_library_nor_the_model(argv: tuple[str, ...]) -> None:
    modules = loaded(*argv)
    assert "opmodel.cli" in modules or argv[0] == "import"
    assert not found(modules, HEAVY), f"opmodel {' '.join(argv)} imports {found(modules, HEAVY)}"
    assert not found(modules, MODEL), f"opmodel {' '.join(argv)} imports {found(modules, MODEL)}"


def test_validate_loads_only_the_reader_and_the_rules() -> None:
    modules = loaded("validate", str(ACME))
    assert "opmodel.io.folder" in modules and "opmodel.model.validate" in modules
    assert not found(modules, HEAVY), f"opmodel validate imports {found(modules, HEAVY)}"


#: what `opmodel plan` of a model folder without decisions does not use: the other
#: analyses, the frontier and plan diffs, the writers' lock (plan writes only with --dir),
#: the decisions' lifecycle, rich's live display (no spinner into a pipe), numpy's masked
#: arrays (numpy's own np.unique and np.quantile import them; risk.quantile does not)
NOT_FOR_PLAN = ("opmodel.analysis.heatmap", "opmodel.analysis.homogeneity",
                "opmodel.analysis.landscape", "opmodel.analysis.provenance",
                "opmodel.analysis.sensitivity", "opmodel.analysis.tree",
                "opmodel.analysis.time_model", "opmodel.analysis.gaps",
                "opmodel.optimize.frontier", "opmodel.optimize.diff", "opmodel.atomic",
                "opmodel.report", "opmodel.store.store", "opmodel.cycle", "numpy.ma",
                "pandas", "altair", "rich.live", "opmodel.model.lifecycle")


def test_plan_loads_only_what_it_uses(tmp_path: Path) -> None:
    tiny = tmp_path / "tiny"
    loaded("init", str(tiny))
    modules = loaded("plan", str(tiny))
    assert {"highspy", "numpy.random", "opmodel.optimize.risk",
            "opmodel.analysis.scoring"} <= modules  # it did plan
    assert not found(modules, NOT_FOR_PLAN), f"opmodel plan imports {found(modules, NOT_FOR_PLAN)}"
    if importlib.util.find_spec("typer._click") is not None:  # typer carries its own click
        assert not found(modules, ("click",)), "the separate click package is loaded"


def test_the_probe_sees_a_heavy_import() -> None:
    """The check can fail: a command that does use numpy is seen to load it."""
    assert "numpy" in found(loaded("import", "opmodel.analysis.scoring"), HEAVY)
    assert "numpy" not in found(loaded("import", "opmodel.analysis"), HEAVY)  # lazy


LAZY_PROBE = """
import importlib, json, sys, types
first = sys.argv[1]
if first:
    importlib.import_module(first)
out = {}
for pkg in ("opmodel.analysis", "opmodel.optimize", "opmodel.model"):
    m = importlib.import_module(pkg)
    for name in m.__all__:
        value = getattr(m, name)
        out[f"{pkg}.{name}"] = (type(value).__name__, getattr(value, "__module__", None))
    exec(f"from {pkg} import *", {})
out["heatmap from import"] = type(importlib.import_module("opmodel.analysis").heatmap).__name__
out["sub"] = type(importlib.import_module("opmodel.optimize").formulation).__name__
print(json.dumps(out))
"""

SAME_NAMED = ("opmodel.analysis.heatmap", "opmodel.analysis.homogeneity",
              "opmodel.analysis.weights", "opmodel.optimize.diff", "opmodel.optimize.explain",
              "opmodel.optimize.frontier", "opmodel.optimize.roadmap",
              "opmodel.model.lifecycle", "opmodel.model.validate")


@pytest.mark.parametrize("first", ["", *SAME_NAMED, "opmodel.cli.analysis",
                                   "opmodel.report.build", "opmodel.cycle"])
def test_the_lazy_packages_export_the_same_names_whatever_is_imported_first(first: str) -> None:
    """analysis/, optimize/ (and model/'s lifecycle) import their parts on first use
    (opmodel/_lazy.py). A function named like its submodule (``opmodel.analysis.heatmap``)
    stays the function even when some code imported the submodule first, which binds the
    module on the package; and every exported name is what the submodule defines."""
    p = subprocess.run([sys.executable, "-c", LAZY_PROBE, first], capture_output=True,
                       text=True, cwd=ROOT, timeout=120)
    assert p.returncode == 0, p.stderr
    got = json.loads(p.stdout)
    for name in SAME_NAMED:
        kind, module = got[name]
        assert (kind, module) == ("function", name), (name, kind, module)
    assert got["heatmap from import"] == "function" and got["sub"] == "module"
    assert got["opmodel.optimize.Plan"] == ["type", "opmodel.optimize.plan"]
    assert got["opmodel.optimize.Confidence"] == ["type", "opmodel.optimize.plan"]
    assert got["opmodel.analysis.score"] == ["function", "opmodel.analysis.scoring"]
    assert got["opmodel.model.Lifecycle"] == ["type", "opmodel.model.lifecycle"]
    assert got["opmodel.model.Enterprise"] == ["ModelMetaclass", "opmodel.model.enterprise"]


def test_a_lazy_package_refuses_unknown_names() -> None:
    import opmodel.analysis
    import opmodel.model
    import opmodel.optimize

    for pkg in (opmodel.analysis, opmodel.optimize, opmodel.model):
        with pytest.raises(AttributeError):
            pkg.no_such_name  # noqa: B018
        assert set(pkg.__all__) <= set(dir(pkg))


def test_the_status_line_is_rich_s_on_a_terminal_and_nothing_elsewhere() -> None:
    """`console.status` starts rich's live status only where it can be shown; printed
    output to a pipe or file is the same as with rich's own status (which shows nothing
    there either)."""
    import io

    from rich.console import Console
    from rich.status import Status

    from opmodel.cli._common import _Console

    assert isinstance(_Console(file=io.StringIO(), force_terminal=True).status("x"), Status)
    outs = []
    for cls in (_Console, Console):
        buf = io.StringIO()
        c = cls(file=buf, width=40)
        with c.status("solving…") as status:
            status.update("solving 1.0 s · best plan 12")
            c.print("[bold]plan[/] done")
        outs.append(buf.getvalue())
    assert outs[0] == outs[1] == "plan done\n"


def test_main_builds_only_the_command_asked_for() -> None:
    """typer builds a click command for every registered command on each run; `main`
    hands it a copy of the application holding just the command named (a plain command:
    groups and anything unknown go to the whole application, which keeps everything)."""
    from opmodel.cli import app, command_of, only

    n = len(app.registered_commands)
    one = only(app, "plan")
    assert [c.callback.__name__ for c in one.registered_commands] == ["plan"]
    assert one.registered_callback is app.registered_callback  # --version still works
    assert len(app.registered_commands) == n and n > 20
    assert only(app, "import").registered_commands[0].name == "import"
    for name in ("store", "survey", "plann", None):
        assert only(app, name) is app
    assert command_of(["plan", "x", "--gap", "0.1"]) == "plan"
    assert command_of(["--version", "plan"]) is None and command_of(["-h"]) is None


def test_heatmap_help_lists_the_analysis_choices() -> None:
    """cli/analysis.py names heatmap's choices without importing the analysis: the same."""
    from opmodel.analysis.heatmap import BYS, LAYERS, ROLLUPS
    from opmodel.cli import analysis as cli

    assert (cli.BYS, cli.LAYERS, cli.ROLLUPS) == (BYS, LAYERS, ROLLUPS)


def test_the_collector_pause_ends_and_respects_a_disabled_collector() -> None:
    import gc
    import time

    from opmodel.cli import _pause_collector

    assert gc.isenabled()
    try:
        _pause_collector(0.05)
        assert not gc.isenabled()
        deadline = time.monotonic() + 10
        while not gc.isenabled() and time.monotonic() < deadline:
            time.sleep(0.01)
        assert gc.isenabled()
        gc.disable()  # a program that turned it off keeps it off
        _pause_collector(0.01)
        time.sleep(0.1)
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_the_lazy_public_api_is_all_there() -> None:
    import opmodel

    for name in opmodel.__all__:
        assert getattr(opmodel, name) is not None, name
    assert opmodel.Enterprise is opmodel.model.Enterprise and opmodel.load is opmodel.api.load
    assert set(opmodel.__all__) <= set(dir(opmodel))
    with pytest.raises(AttributeError):
        opmodel.no_such_name  # noqa: B018


#: the modules every command imports before it knows what it does
STARTUP_FILES = ("__init__.py", "api.py", "errors.py", "_lazy.py", "cli")


def top_level_imports(tree: ast.Module) -> list[tuple[str, int]]:
    """Imports executed when the module loads: its body and the branches of top-level
    ``if``/``try`` statements (not ``if TYPE_CHECKING:``), never inside functions."""
    out: list[tuple[str, int]] = []
    todo: list[ast.stmt] = list(tree.body)
    while todo:
        node = todo.pop()
        if isinstance(node, ast.Import):
            out += [(a.name, node.lineno) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and not node.level:
            out.append((node.module or "", node.lineno))
        elif isinstance(node, ast.If):
            if "TYPE_CHECKING" not in ast.unparse(node.test):
                todo += node.body + node.orelse
        elif isinstance(node, ast.Try):
            todo += node.body + node.orelse + node.finalbody + [
                s for h in node.handlers for s in h.body]
    return out


def startup_paths() -> list[Path]:
    src = ROOT / "src" / "opmodel"
    paths: list[Path] = []
    for name in STARTUP_FILES:
        p = src / name
        paths += sorted(p.rglob("*.py")) if p.is_dir() else [p]
    return paths


@pytest.mark.parametrize("path", startup_paths(), ids=lambda p: p.name)
def test_no_heavy_library_at_the_top_of_a_start_up_module(path: Path) -> None:
    """The rule of the brief, read from the source: the command line, the package and the
    public API import heavy libraries inside the functions that use them."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    bad = [f"{path.name}:{line} imports {name}" for name, line in top_level_imports(tree)
           if name.split(".")[0] in HEAVY]
    assert not bad, bad


def test_the_source_check_sees_a_heavy_import() -> None:
    tree = ast.parse("import os\nif True:\n    import numpy as np\ntry:\n    from pandas import x\n"
                     "except ImportError:\n    pass\nif TYPE_CHECKING:\n    import altair\n"
                     "def f():\n    import lxml\n")
    assert sorted(n for n, _ in top_level_imports(tree)) == ["numpy", "os", "pandas"]


THREADS = """
import atexit, contextlib, io, os, sys, threading
from opmodel.cli import main
sys.argv = ["opmodel", "weights", sys.argv[1]]
# threads that are not Python's (the collector pause is a Python timer): OpenBLAS's
atexit.register(lambda: print(len(os.listdir("/proc/self/task")) - threading.active_count(),
                              "numpy" in sys.modules, file=sys.__stderr__))
with contextlib.redirect_stdout(io.StringIO()):
    main()
"""


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="threads counted in /proc")
@pytest.mark.parametrize("given", [None, "2"])
def test_the_command_line_runs_numpy_on_one_blas_thread_unless_told(given: str | None) -> None:
    """numpy's OpenBLAS starts a thread per core at import (CPU spent for nothing on
    opmodel's small arrays): the command line asks for one, and a user's own
    OPENBLAS_NUM_THREADS wins."""
    import os

    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    if given:
        env["OPENBLAS_NUM_THREADS"] = given
    p = subprocess.run([sys.executable, "-c", THREADS, str(ACME)], capture_output=True,
                       text=True, cwd=ROOT, timeout=120, env=env)
    native, numpy = p.stderr.split()[-2:]
    assert numpy == "True", p.stderr
    assert (int(native) == 0) if given is None else (int(native) > 0), p.stderr

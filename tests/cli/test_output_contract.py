"""The output contract of every command (docs/output.md): --format json validates against the
published schema, the same flags mean the same everywhere, exit codes are the documented
ones, the committed schemas are the generated ones, and tables keep ids whole at 80
columns."""

from __future__ import annotations

import json
import re
import shutil
import threading
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import typer
from typer.testing import CliRunner

import opmodel
from opmodel.cli import app
from opmodel.cli._common import MODEL_HELP
from opmodel.cli._output import (
    CHARTS,
    DATA,
    EXIT_CODES,
    OUTPUT_HELP,
    exit_code,
    format_help,
)
from opmodel.errors import (
    AuthenticationError,
    ConflictError,
    InfeasibleError,
    InputError,
    PermissionDenied,
)
from opmodel.outputs import OUTPUTS, json_schema, schemas
from tests.optimize.tiny import ini, model

ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = ROOT / "docs" / "schemas"
runner = CliRunner()
FAST = ["-t", "3", "--gap", "0.05"]  # the shape is under test, not the optimum


def invoke(*args: str, env: dict[str, str] | None = None) -> Any:
    return runner.invoke(app, list(args), env={"COLUMNS": "120", **(env or {})})


def command_tree() -> dict[str, Any]:
    """Every leaf command by its full name ("survey status")."""
    root = typer.main.get_command(app)
    out: dict[str, Any] = {}

    def walk(cmd: Any, prefix: str) -> None:
        if hasattr(cmd, "commands"):  # a group (typer carries its own click)
            for name, sub in cmd.commands.items():
                walk(sub, f"{prefix} {name}".strip())
        else:
            out[prefix] = cmd

    walk(root, "")
    return out


# commands whose result is an action (a file or folder written, a record kept); they print
# a confirmation, not a result, and take no --format
ACTIONS = {"init", "demo", "generate", "export", "survey export", "survey merge",
           "store init", "store export", "user add", "serve", "schema", "daemon start",
           "daemon stop"}


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('store') / 'acme.db'}"
    r = invoke("store", "init", url, "--from", str(ROOT / "examples" / "acme"))
    assert r.exit_code == 0, r.output
    return url


def runs(acme: str, store: str, tmp: Path) -> dict[str, list[str]]:
    """One --format json run of every result command, by the schema it answers with (the
    writing ones on a copy, in this order: decide, actuals, archive)."""
    copy = tmp / "acme"
    shutil.copytree(acme, copy)
    return {
        "decide": ["decide", str(copy), "partner-portal", "approve", "--by", "Maria Chen",
                   "--role", "portfolio", "--cycle", "2027Q3", "--date", "2027-07-12",
                   "--start", "2027Q3", "--why", "Partners asked for it", "--no-plan"],
        "actuals": ["actuals", str(copy), str(ROOT / "examples" / "acme-q3-actuals.csv")],
        "archive": ["archive", str(copy), "--cycle", "2027Q3"],
        "validate": ["validate", acme],
        "show": ["show", acme],
        "weights": ["weights", acme],
        "gaps": ["gaps", acme, "-n", "5"],
        "heatmap": ["heatmap", acme, "--by", "capability"],
        "heatmap-cell": ["heatmap", acme, "--explain", "order-to-cash/storage"],
        "homogeneity": ["homogeneity", acme],
        "apps": ["apps", acme],
        "stability": ["stability", acme, "--draws", "50"],
        "plan": ["plan", acme, "--draws", "200", *FAST],
        "explain": ["explain", acme, "dr-refresh", "--no-replan", *FAST],
        "diff": ["diff", acme, "base", "lean", *FAST],
        "frontier": ["frontier", acme, "--from", "1", "--to", "1", "--steps", "1", "-p", "1",
                     *FAST],
        "decisions": ["decisions", acme, "--cycle", "2027Q1", "-t", "3"],
        "report": ["report", acme, "-d", str(tmp / "report"), "--frontier", "none",
                   "--no-charts", *FAST],
        "import": ["import", str(ROOT / "tests" / "data" / "interop" / "archisurance.xml"),
                   str(tmp / "imported"), "--dry-run"],
        "survey-status": ["survey", "status", acme, "--as-of", "2027-01-15"],
        "history": ["history", store, "-n", "5"],
        "store-info": ["store", "info", store],
        "users": ["user", "list", store],
        "daemon-status": ["daemon", "status"],
    }


def test_every_result_validates_against_its_schema(store: str, tmp_path: Path) -> None:
    acme = str(ROOT / "examples" / "acme")
    plan = runs(acme, store, tmp_path)
    assert set(plan) == set(OUTPUTS) - {"error"}, "every published shape is exercised"
    covered = {" ".join(a for a in args[:2] if not a.startswith(("/", "sqlite")))
               for args in plan.values()}
    for name, args in plan.items():
        r = invoke(*args, "--format", "json")
        assert r.exit_code == 0, (name, r.output[-2000:])
        doc = json.loads(r.stdout)
        assert doc["schema"] == f"opmodel.{name}" and doc["version"] == OUTPUTS[name].version_
        jsonschema.validate(doc, json_schema(name))
        # closed: every field written is described (a new field is added to outputs.py)
        jsonschema.validate(doc, json_schema(name, closed=True))
    results = set(command_tree()) - ACTIONS
    assert all(any(c == r or c.startswith(r + " ") for c in covered) for r in results), \
        "a command that prints a result has its run here"


def test_validate_lists_issues_as_data(starter_copy: Path) -> None:
    caps = starter_copy / "capabilities.yaml"
    caps.write_text(caps.read_text().replace("stage: sell", "stage: sel", 1))
    r = invoke("validate", str(starter_copy), "--format", "json")
    assert r.exit_code == 1
    doc = json.loads(r.stdout)
    jsonschema.validate(doc, json_schema("validate"))
    assert not doc["valid"] and doc["counts"] is None and doc["errors"] >= 1
    issue = next(i for i in doc["issues"] if i["code"] == "E-REF")
    assert issue["file"] == "capabilities.yaml" and issue["line"] > 0 and issue["column"] > 0
    assert issue["severity"] == "error" and "sel" in issue["message"]
    r = invoke("validate", str(starter_copy), "-f", "csv")
    assert r.exit_code == 1
    head, *rows = r.stdout.splitlines()
    assert head.startswith("code,severity,message,file,line,column") and rows


def test_the_committed_schemas_are_the_generated_ones() -> None:
    generated = schemas()
    committed = {p.name: p.read_text(encoding="utf-8") for p in SCHEMAS.glob("*.json")}
    assert committed == generated, "run `opmodel schema --write docs/schemas`"
    r = invoke("schema", "--check", str(SCHEMAS))
    assert r.exit_code == 0, r.output


def test_the_schema_check_fails_on_a_stale_file(tmp_path: Path) -> None:
    shutil.copytree(SCHEMAS, tmp_path / "s")
    (tmp_path / "s" / "gaps.json").write_text("{}\n")
    r = invoke("schema", "--check", str(tmp_path / "s"))
    assert r.exit_code == 1 and "gaps.json" in r.output


def test_same_flag_same_meaning() -> None:
    helps = {format_help(csv=c, charts=h) for c in (True, False) for h in (True, False)}
    formats = 0
    for name, cmd in command_tree().items():
        opts = {o: p for p in cmd.params for o in p.opts + p.secondary_opts}
        fmt = opts.get("--format")
        if name == "export":  # its result is the file OUT: --format is that file's type
            assert fmt is not None and "xlsx" in fmt.help and "archimate" in fmt.help
        elif name in ACTIONS:
            assert fmt is None, f"{name} is an action: no --format"
        else:
            assert fmt is not None, f"{name} prints a result: it needs --format"
            formats += 1
            assert fmt.opts == ["--format", "-f"] and fmt.help in helps, name
            choices = fmt.metavar.strip("[]").split("|")
            assert choices[:2] == ["table", "json"] and set(choices) <= set(DATA + CHARTS)
            out = opts.get("-o")
            assert out is not None and out.opts == ["--output", "-o"], name
            assert out.help == OUTPUT_HELP, name
        for short, long in (("-o", "--output"), ("-d", "--dir"), ("-t", "--time-limit"),
                            ("-f", "--format"), ("-s", "--scenario")):
            if short in opts:
                assert long in opts[short].opts, f"{name}: {short} is {long}"
        if "-n" in opts:
            assert opts["-n"].opts[0] in ("--top", "--limit"), f"{name}: -n is how many"
        first = next((p for p in cmd.params if p.param_type_name == "argument"), None)
        if first is not None and first.name in ("path", "model"):
            assert getattr(first, "help", MODEL_HELP) == MODEL_HELP, name
    assert formats >= 19
    for flag in ("--at", "--strict"):
        helps_of = {p.help for c in command_tree().values() for p in c.params
                    if flag in p.opts}
        assert len(helps_of) == 1, f"{flag} has one meaning everywhere"


def _held_lock(folder: Path, ready: threading.Event, done: threading.Event) -> None:
    from opmodel.atomic import folder_lock

    with folder_lock(folder, "a test holding the lock"):
        ready.set()
        done.wait(30)


def test_exit_codes(tmp_path: Path, starter_copy: Path) -> None:
    assert invoke("validate", str(starter_copy)).exit_code == 0
    broken = tmp_path / "broken"
    shutil.copytree(starter_copy, broken)
    (broken / "stages.yaml").write_text("stages: [\n")
    assert invoke("validate", str(broken)).exit_code == 1
    assert invoke("gaps", str(starter_copy), "--colour").exit_code == 2
    assert invoke("show", str(starter_copy), "-f", "csv").exit_code == 2
    assert invoke("gaps", str(starter_copy), "-o", str(tmp_path / "x.docx")).exit_code == 2
    poor = tmp_path / "poor"
    opmodel.save(model([ini("m", mandatory=True, cost=500, earliest_start="2027Q1",
                            latest_start="2027Q1")], budget=200), poor)
    r = invoke("plan", str(poor), "--draws", "0", "-t", "5")
    assert r.exit_code == 3 and "E-INFEASIBLE" in r.output, r.output
    ready, done = threading.Event(), threading.Event()
    holder = threading.Thread(target=_held_lock, args=(starter_copy, ready, done))
    holder.start()
    try:
        assert ready.wait(10)
        r = invoke("archive", str(starter_copy), "--cycle", "2027Q1",
                   env={"OPMODEL_LOCK_TIMEOUT": "0.2"})
        assert r.exit_code == 4 and "E-LOCKED" in r.output, r.output
    finally:
        done.set()
        holder.join()
    # the mapping for the kinds a command line cannot provoke alone
    assert exit_code(ConflictError("x:y", 1, 2, [])) == 4
    assert exit_code(PermissionDenied("no")) == 5 and exit_code(AuthenticationError("no")) == 5
    assert exit_code(InfeasibleError("no")) == 3 and exit_code(InputError("no")) == 1
    doc = (ROOT / "docs" / "output.md").read_text(encoding="utf-8")
    for code in EXIT_CODES:
        assert f"| {code} |" in doc, f"exit code {code} is documented"


@pytest.mark.parametrize("args", [["stability", "--draws", "30"], ["gaps", "-n", "12"],
                                  ["homogeneity", "-n", "5"], ["decisions", "-t", "3"]])
def test_ids_are_never_cut_at_80_columns(args: list[str]) -> None:
    acme = str(ROOT / "examples" / "acme")
    r = invoke(args[0], acme, *args[1:], env={"COLUMNS": "80"})
    assert r.exit_code == 0, r.output
    lines = r.stdout.splitlines()
    assert max(len(ln) for ln in lines if not ln.startswith(("why?", "cells that"))) <= 80
    assert "…" not in r.stdout
    if args[0] == "stability":
        doc = json.loads(invoke(args[0], acme, *args[1:], "-f", "json").stdout)
        for c in doc["cells"]:
            assert re.search(rf"\b{re.escape(c['capability'])}\b", r.stdout), c["capability"]
    if args[0] == "decisions":  # too many long ids side by side: one record per decision
        doc = json.loads(invoke(args[0], acme, *args[1:], "-f", "json").stdout)
        assert doc["decisions"]
        for d in doc["decisions"]:
            assert re.search(rf"^decision +{re.escape(d['id'])} *$", r.stdout, re.M), d["id"]
            assert re.search(rf"^initiative +{re.escape(d['initiative'])} *$", r.stdout,
                             re.M), d["initiative"]


def test_o_writes_what_would_be_printed(starter_path: Path, tmp_path: Path) -> None:
    for fmt in ("json", "csv", "table"):
        shown = invoke("gaps", str(starter_path), "-f", fmt, env={"COLUMNS": "100"})
        out = tmp_path / f"gaps.{'txt' if fmt == 'table' else fmt}"
        wrote = invoke("gaps", str(starter_path), "-o", str(out), env={"COLUMNS": "100"})
        assert shown.exit_code == wrote.exit_code == 0, wrote.output
        assert "wrote" in wrote.output and "Top" not in wrote.stdout
        text = out.read_text(encoding="utf-8")
        if fmt == "table":  # the same table, without colour
            assert "Top" in text and "\x1b[" not in text
        else:
            assert text == shown.stdout
    assert not list(tmp_path.glob(".*.tmp"))  # one step: no temporary file left


def test_plan_dir_and_the_old_o_dir(starter_path: Path, tmp_path: Path) -> None:
    r = invoke("plan", str(starter_path), "--draws", "0", "--no-charts", "-o",
               str(tmp_path / "old"), "-f", "json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["schema"] == "opmodel.plan"  # stdout: the document only
    plan_json = json.loads((tmp_path / "old" / "plan.json").read_text())
    assert plan_json["schema"] == "opmodel.plan"
    r = invoke("plan", str(starter_path), "--draws", "0", "--no-charts", "--dir",
               str(tmp_path / "new"), "-o", str(tmp_path / "plan.json"))
    assert r.exit_code == 0, r.output
    assert (tmp_path / "new" / "schedule.csv").is_file()
    assert json.loads((tmp_path / "plan.json").read_text())["plan_id"] == plan_json["plan_id"]
    r = invoke("plan", str(starter_path), "-f", "csv")
    assert r.exit_code == 2 and "json" in r.output


def test_issue_locations_split_into_file_line_column() -> None:
    from opmodel.errors import Issue
    from opmodel.outputs import issue_out

    yaml = issue_out(Issue("E-REF", "bad", ("capabilities", 1, "stage"), "caps.yaml:8:46"))
    assert (yaml["file"], yaml["line"], yaml["column"]) == ("caps.yaml", 8, 46)
    assert yaml["path"] == ["capabilities", 1, "stage"] and yaml["severity"] == "error"
    sheet = issue_out(Issue("W-FIT", "no fit", (), "Assessments!C17", hint="survey it"))
    assert (sheet["file"], sheet["line"], sheet["location"]) == ("Assessments", None,
                                                                 "Assessments!C17")
    assert sheet["severity"] == "warning" and sheet["hint"] == "survey it"
    line_only = issue_out(Issue("E-CSV", "short row", (), "actuals.csv:4"))
    assert (line_only["file"], line_only["line"], line_only["column"]) == ("actuals.csv", 4,
                                                                           None)
    assert issue_out(Issue("E-X", "where?"))["file"] is None


def test_a_failure_asked_as_json_is_a_json_document(tmp_path: Path,
                                                    starter_copy: Path) -> None:
    """Exit 1 (invalid model, every issue located), 3 (no plan) and 2 (usage, found by the
    command) each print an opmodel.error document on stdout; -o's file is not written."""
    broken = tmp_path / "broken"
    shutil.copytree(starter_copy, broken)
    (broken / "stages.yaml").write_text("stages: [\n")
    out = tmp_path / "gaps.json"
    poor = tmp_path / "poor"
    opmodel.save(model([ini("m", mandatory=True, cost=500, earliest_start="2027Q1",
                            latest_start="2027Q1")], budget=200), poor)
    cases = [(["gaps", str(broken), "-o", str(out)], 1, "E-MODEL"),
             (["plan", str(poor), "--draws", "0", "-t", "5", "-f", "json"], 3, "E-INFEASIBLE"),
             (["show", str(starter_copy), "-f", "json", "-o", str(tmp_path)], 2,
              "E-USAGE")]
    for args, code, error in cases:
        r = invoke(*args)
        assert r.exit_code == code, r.output
        doc = json.loads(r.stdout)
        jsonschema.validate(doc, json_schema("error"))
        assert doc["exit"] == code and doc["error"]["code"] == error and not doc["ok"]
    assert not out.exists()
    first = json.loads(invoke("gaps", str(broken), "-f", "json").stdout)["issues"][0]
    assert (first["code"], first["file"], first["line"]) == ("E-YAML", "stages.yaml", 2)
    # asked as a table, a failure leaves stdout empty (the text goes to stderr)
    assert invoke("gaps", str(broken)).stdout == ""

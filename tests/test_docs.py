"""Docs are tested: the README's quick start, every model field documented, every command listed."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

import opmodel.model as m
from opmodel.io.tables import TABLES

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
MODEL_DOC = (ROOT / "docs" / "model.md").read_text()
MODELS = [m.Enterprise, m.Horizon, m.Scoring, m.Weights, m.Ahp, m.BusinessUnit, m.Stage,
          m.Capability, m.Objective, m.Kpi, m.ObjectiveLink, m.Segment, m.Expectation,
          m.Application, m.ApplicationFit, m.Initiative, m.Effect, m.CostRange, m.TeamDemand,
          m.Budget, m.Policy, m.Guardrail, m.Team, m.CapacityOverride]


def test_quick_start_is_exactly_demo_test_and_serve() -> None:
    block = README.split("## Quick start", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    commands = [ln.split("#")[0].strip() for ln in block.strip().splitlines()]
    assert commands == ["make demo", "make test", ".venv/bin/opmodel serve examples/acme"]


def test_quick_start_serve_runs(tmp_path: Path) -> None:
    """`opmodel serve examples/acme` on a copy: a store made beside the folder, a first admin
    login printed once, and that login opens the web app's heat map."""
    import socket

    import httpx

    (tmp_path / "examples").mkdir()
    shutil.copytree(ROOT / "examples" / "acme", tmp_path / "examples" / "acme")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "COLUMNS": "200"}
    proc = subprocess.Popen([sys.executable, "-m", "opmodel", "serve", "examples/acme",
                             "--port", str(port), "--log-level", "warning"], cwd=tmp_path,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)
    try:
        out = []
        assert proc.stdout is not None
        for line in proc.stdout:
            out.append(line)
            if "the web app:" in line:
                break
        text = "".join(out)
        assert (tmp_path / "examples" / "acme.opmodel.db").exists(), text
        password = re.search(r"password\s+(\S+)", text)
        assert password, text
        base = f"http://127.0.0.1:{port}"
        with httpx.Client(base_url=base, timeout=30, follow_redirects=True) as c:
            for _ in range(100):
                try:
                    page = c.get("/ui/login")
                    break
                except httpx.TransportError:
                    time.sleep(0.2)
            csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
            assert csrf, page.text
            r = c.post("/ui/login", data={"csrf": csrf.group(1), "username": "admin",
                                          "password": password.group(1), "next": "/ui/heatmap"})
            assert r.status_code == 200 and "Value-chain heat map" in r.text, r.text[:500]
    finally:
        proc.terminate()
        proc.wait(20)


def test_makefile_targets_do_what_the_readme_says() -> None:
    make = (ROOT / "Makefile").read_text()
    demo = re.search(r"^demo:.*\n((?:\t.*\n)+)", make, re.M)
    assert demo and "opmodel demo" in demo.group(1)
    test = re.search(r"^test:(.*)\n((?:\t.*\n)+)", make, re.M)
    assert test and "pytest" in test.group(2) and "system-deps" in test.group(1)
    assert "make test" in (ROOT / ".ci" / "run").read_text()


@pytest.mark.parametrize("model", MODELS, ids=lambda c: c.__name__)
def test_every_field_is_documented(model: type) -> None:
    missing = [f for f in model.model_fields if f != "applicable"
               and not re.search(rf"`[^`\n]*\b{f}\b[^`\n]*`", MODEL_DOC)]
    assert not missing, f"docs/model.md does not mention {model.__name__} fields {missing}"


def test_every_csv_column_is_documented() -> None:
    for t in TABLES:
        assert ",".join(t.columns) in MODEL_DOC or all(c in MODEL_DOC for c in t.columns)


def test_every_command_is_in_the_readme() -> None:
    import typer.main

    from opmodel.cli import app

    for name in typer.main.get_group(app).commands:
        assert f"opmodel {name}" in README, f"README's command table lacks `opmodel {name}`"


def test_readme_own_model_commands_run(tmp_path: Path) -> None:
    """The 'Your own model' section, run as written (through the installed entry point)."""
    section = README.split("## Your own model", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    exe = Path(sys.executable).parent / "opmodel"
    for line in section.strip().splitlines():
        cmd = line.split("#")[0].split()
        assert cmd[0] == ".venv/bin/opmodel"
        done = subprocess.run([str(exe), *cmd[1:]], cwd=tmp_path, capture_output=True,
                              text=True, timeout=120)
        assert done.returncode == 0, done.stdout + done.stderr


def _tour() -> list[list[str]]:
    block = README.split("## What the demo shows", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    return [ln.split("#")[0].split() for ln in block.strip().splitlines()]


def test_readme_tour_names_real_things() -> None:
    """The tour's ids exist in the example: initiatives, scenarios, cells."""
    import opmodel
    from opmodel.io.scenarios import read_scenarios

    acme = opmodel.load(ROOT / "examples" / "acme")
    scenarios = {s.id for s in read_scenarios(ROOT / "examples" / "acme", acme).scenarios}
    for cmd in _tour():
        assert cmd[0] == "opmodel" and cmd[2] == "examples/acme"
        if cmd[1] == "explain":
            acme.initiative(cmd[3])
        if cmd[1] == "diff":
            assert set(cmd[3:5]) <= scenarios | {"base"}
        if "--explain" in cmd:
            stage, unit = cmd[cmd.index("--explain") + 1].split("/")
            acme.stage(stage)
            acme.business_unit(unit)


@pytest.mark.parametrize("cmd", [c for c in _tour() if c[1] in
                                 ("gaps", "heatmap", "homogeneity", "apps", "explain")],
                         ids=lambda c: c[1])
def test_readme_tour_commands_run(cmd: list[str]) -> None:
    from typer.testing import CliRunner

    from opmodel.cli import app

    args = [str(ROOT / a) if a == "examples/acme" else a for a in cmd[1:]]
    result = CliRunner().invoke(app, args, env={"COLUMNS": "160"})
    assert result.exit_code == 0, result.output


def _team_block() -> list[str]:
    block = README.split("## Working as a team", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    return [ln.split("  #", 1)[0].strip() for ln in block.strip().splitlines()
            if ln.strip() and not ln.startswith("#")]


def test_readme_working_as_a_team_runs(tmp_path: Path) -> None:
    """The team section's commands, run in order in a fresh folder (passwords typed at the
    prompt); the export gives back the canonical files of the model stored."""
    (tmp_path / "examples").mkdir()
    shutil.copytree(ROOT / "examples" / "acme", tmp_path / "examples" / "acme")
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "COLUMNS": "120",
           "OPMODEL_USER": "docs-test"}
    commands = _team_block()
    assert any(c.startswith("opmodel store init") for c in commands)
    for cmd in commands:
        argv = shlex.split(cmd)
        assert argv[0] == "opmodel"
        if argv[1] == "serve":  # a server: started by the web tests, not here
            continue
        done = subprocess.run([sys.executable, "-m", "opmodel", *argv[1:]], cwd=tmp_path,
                              env=env, input="s3cret!\ns3cret!\n", capture_output=True,
                              text=True, timeout=300)
        assert done.returncode == 0, f"{cmd}\n{done.stdout}\n{done.stderr}"
        if argv[1:3] == ["user", "add"]:
            assert "API token (shown once): opm_" in done.stdout
    import opmodel
    from opmodel.io.folder import folder_files

    out = tmp_path / "acme-folder"
    files = {p.name: p.read_text(encoding="utf-8") for p in out.iterdir() if p.is_file()}
    acme = ROOT / "examples" / "acme"
    assert files == {**dict(folder_files(opmodel.load(acme))),  # canonical model files
                     "scenarios.yaml": (acme / "scenarios.yaml").read_text(encoding="utf-8")}

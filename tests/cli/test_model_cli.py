"""The model commands as a user runs them: init, validate, show, demo, --help, --version."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

import opmodel
from opmodel.cli import app

runner = CliRunner()


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args), env={"COLUMNS": "200"})
    return result.exit_code, result.output


def test_version() -> None:
    code, out = run("--version")
    assert code == 0 and out.strip() == f"opmodel {opmodel.__version__}"


def command_names() -> list[str]:
    import typer.main

    group = typer.main.get_group(app)
    names = []
    for name, cmd in group.commands.items():
        sub = getattr(cmd, "commands", None)
        names.extend([f"{name} {s}" for s in sub] if sub else [name])
    return sorted(names)


@pytest.mark.parametrize("command", command_names())
def test_every_command_has_help(command: str) -> None:
    code, out = run(*command.split(), "--help")
    assert code == 0
    assert "Usage:" in out
    # a sentence of help text, not just the usage line
    body = out.split("Usage:", 1)[1]
    assert re.search(r"[A-Z][a-z]+ .{10,}", body), out


def test_init_validate_show(tmp_path: Path) -> None:
    model = tmp_path / "mine"
    code, out = run("init", str(model))
    assert code == 0 and "starter model written" in out
    assert (model / "enterprise.yaml").read_text().startswith("# enterprise.yaml")
    code, out = run("validate", str(model))
    assert code == 0 and "is valid" in out
    code, out = run("show", str(model))
    assert code == 0
    for word in ("Value chain", "Business units", "Portfolio", "Sell"):
        assert word in out


def test_init_refuses_a_folder_with_files(tmp_path: Path) -> None:
    (tmp_path / "x").write_text("keep me")
    code, out = run("init", str(tmp_path))
    assert code == 1 and "not empty" in out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x"]


def test_validate_prints_located_errors(starter_copy: Path) -> None:
    f = starter_copy / "capabilities.yaml"
    f.write_text(f.read_text().replace("stage: deliver}", "stage: delivr}"))
    before = {p.name: p.read_bytes() for p in starter_copy.iterdir()}
    code, out = run("validate", str(starter_copy))
    assert code == 1
    assert re.search(r"capabilities\.yaml:\d+:\d+: E-REF capability 'fulfilment' names "
                     r"unknown stage 'delivr' \(did you mean 'deliver'\?\)", out)
    assert "1 error(s)" in out and "nothing was changed" in out
    assert before == {p.name: p.read_bytes() for p in starter_copy.iterdir()}


def test_validate_strict_fails_on_warnings(starter_copy: Path) -> None:
    f = starter_copy / "initiatives.yaml"
    f.write_text(f.read_text().replace(
        "      - {capability: quoting, uplift: 2}",
        "      - {capability: quoting, uplift: 2}\n      - {capability: campaigns, uplift: 1}"))
    code, out = run("validate", str(starter_copy))
    assert code == 0 and "W-NA" in out and "1 warning(s)" in out
    code, out = run("validate", str(starter_copy), "--strict")
    assert code == 1


def test_validate_missing_path(tmp_path: Path) -> None:
    code, out = run("validate", str(tmp_path / "nope"))
    assert code == 1 and "no such folder" in out


def test_csv_of_an_empty_result_still_has_its_header(tmp_path: Path) -> None:
    """`validate --format csv` of a valid model printed nothing at all (and `-o issues.csv`
    wrote an empty file): a CSV reader then finds no columns. The header comes from the
    output's published shape."""
    m = tmp_path / "m"
    assert run("init", str(m))[0] == 0
    code, out = run("validate", str(m), "--format", "csv")
    assert code == 0
    assert out.splitlines() == ["code,severity,message,file,line,column,location,path,hint"]
    assert run("validate", str(m), "-o", str(tmp_path / "issues.csv"))[0] == 0
    assert (tmp_path / "issues.csv").read_text().startswith("code,severity,message,")


def test_schema_name_with_write_is_a_usage_error(tmp_path: Path) -> None:
    """`schema gaps --write DIR` wrote all 25 schemas, the name silently ignored."""
    code, out = run("schema", "gaps", "--write", str(tmp_path / "s"))
    assert code == 2 and "--write and --check work on every schema" in out
    assert not (tmp_path / "s").exists()


def test_init_force_over_a_model_leaves_a_valid_starter(tmp_path: Path) -> None:
    """`init --force` over Acme kept Acme's decisions.yaml, usage.csv, actuals.csv, … beside
    the starter: "✓ starter model written", then 54 errors on the next validate."""
    import shutil

    m = tmp_path / "m"
    shutil.copytree(Path(opmodel.__file__).parent / "examples" / "acme", m)
    (m / "NOTES.txt").write_text("mine\n")
    code, out = run("init", str(m), "--force")
    assert code == 0 and "removed the earlier model's decisions.yaml" in out
    assert (m / "NOTES.txt").read_text() == "mine\n"  # not a model file: kept
    assert not (m / "usage.csv").exists() and not (m / "scenarios.yaml").exists()
    code, out = run("validate", str(m))
    assert code == 0, out


def test_import_of_an_unknown_suffix_does_not_suggest_a_flag_it_lacks(tmp_path: Path) -> None:
    """import's hint said "or pass --format xlsx|archimate", but import's --format is the
    dry run's output format: following the hint was a usage error."""
    (tmp_path / "model.txt").write_text("x\n")
    code, out = run("import", str(tmp_path / "model.txt"), str(tmp_path / "m"))
    assert code == 1 and "cannot tell the format from the suffix '.txt'" in out
    assert "--format" not in out and "*.xlsx" in out
    assert not (tmp_path / "m").exists()


def test_serve_that_cannot_start_exits_1_not_3(tmp_path: Path) -> None:
    """A port in use ended `serve` with uvicorn's exit 3, which reads as "no feasible plan";
    an unknown --log-level was a KeyError traceback."""
    import socket

    m = tmp_path / "m"
    assert run("init", str(m))[0] == 0
    code, out = run("serve", str(m), "--log-level", "loud")
    assert code == 1 and "--log-level 'loud' is not one of" in out
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        code, out = run("serve", str(m), "--port", str(port), "--log-level", "warning")
    assert code == 1, out
    assert f"E-INPUT: cannot serve on http://127.0.0.1:{port}" in out

"""The store commands as a user runs them, and every read command on a database URL."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

import opmodel
from opmodel import actions
from opmodel.cli import app
from opmodel.io.folder import folder_files
from opmodel.store import open_store
from opmodel.store.users import User, authenticate, user_for_token

runner = CliRunner()


def run(*args: str, input: str | None = None) -> tuple[int, str]:
    result = runner.invoke(app, list(args), input=input,
                           env={"COLUMNS": "200", "OPMODEL_USER": "cli-test"})
    return result.exit_code, result.output


@pytest.fixture
def url(tmp_path: Path, acme_path: Path) -> str:
    u = f"sqlite:///{tmp_path / 'acme.db'}"
    code, out = run("store", "init", u, "--from", str(acme_path))
    assert code == 0, out
    assert "revision 1" in out
    return u


def test_init_export_round_trip(url: str, tmp_path: Path, acme_path: Path) -> None:
    code, out = run("store", "export", url, str(tmp_path / "out"))
    assert code == 0, out
    files = {p.name: p.read_text(encoding="utf-8") for p in (tmp_path / "out").iterdir()}
    scenarios = (acme_path / "scenarios.yaml").read_text(encoding="utf-8")
    assert files == {**dict(folder_files(opmodel.load(acme_path))),
                     "scenarios.yaml": scenarios}
    code, out = run("store", "init", url, "--from", str(acme_path))
    assert code == 1 and "already holds a model" in out


def test_read_commands_take_a_url_and_give_the_same_results(url: str, acme_path: Path
                                                            ) -> None:
    for cmd in (["gaps"], ["heatmap"], ["show"], ["validate"], ["homogeneity"], ["apps"],
                ["weights"], ["explain", "dr-refresh", "--time-limit", "60"],
                ["plan", "--scenario", "lean", "--time-limit", "60"]):
        code_f, out_f = run(cmd[0], str(acme_path), *cmd[1:])
        code_s, out_s = run(cmd[0], url, *cmd[1:])
        assert code_f == code_s == 0, (cmd, out_s)
        def same(text: str, src: str) -> str:  # the source's name and timings aside
            return re.sub(r"\d+(\.\d+)? s\b", "T s", text.replace(src, "M"))

        if "gap" in out_f + out_s and "feasible" in out_f + out_s:
            continue  # a solve stopped at its time limit on a busy machine: not comparable
        assert same(out_s, url) == same(out_f, str(acme_path)), cmd


def test_at_reads_the_past(url: str, tmp_path: Path) -> None:
    e = opmodel.load(url)
    a = next(a for a in e.assessments if a.gap)
    actions.set_assessment(url, User("ann", "admin"), a.capability, a.business_unit,
                           {"current": 5, "target": 5})  # closes a gap
    code, now = run("gaps", url, "--format", "json")
    code1, then = run("gaps", url, "--format", "json", "--at", "r1")
    assert code == code1 == 0
    assert json.loads(now)["with_gap"] == json.loads(then)["with_gap"] - 1
    code, out = run("store", "export", url, str(tmp_path / "then"), "--at", "r1")
    assert code == 0 and opmodel.load(tmp_path / "then") == e
    code, out = run("gaps", url, "--at", "yesterday-ish")
    assert code == 1 and "E-INPUT" in out


def test_at_on_a_folder_is_refused(acme_path: Path) -> None:
    code, out = run("gaps", str(acme_path), "--at", "r1")
    assert code == 1 and "--at needs a model in a store" in out


def test_user_add_prompt_stdin_and_token(url: str) -> None:
    code, out = run("user", "add", url, "ann", "--role", "admin", input="pw1\npw1\n")
    assert code == 0, out
    token = out.split("API token (shown once): ")[1].split()[0]
    st = open_store(url)
    assert user_for_token(st, token).name == "ann"
    assert authenticate(st, "ann", "pw1").role == "admin"
    code, out = run("user", "add", url, "lee", "--role", "bu-lead", "--units",
                    "storage,servers", "--password-stdin", input="pw2\n")
    assert code == 0, out
    assert authenticate(st, "lee", "pw2").units == ("storage", "servers")
    code, out = run("user", "add", url, "x", "--role", "bu-lead", "--units", "nope",
                    "--no-password")
    assert code == 1 and "no business unit with id 'nope'" in out
    code, out = run("user", "add", url, "y", "--role", "boss", "--no-password")
    assert code == 1 and "unknown role" in out
    code, out = run("user", "list", url)
    assert code == 0 and "lee" in out and "storage, servers" in out
    code, out = run("store", "info", url)
    assert code == 0 and "model revision 3" in out and "schema 0002" in out
    assert "2 user(s)" in out


def test_history_table_and_json(url: str) -> None:
    actions.update_initiative(url, User("pat", "portfolio"), "eu-data-act",
                              {"name": "EU Data Act [bold]now[/]"}, version=1, why="rename")
    code, out = run("history", url, "--entity", "initiative:eu-data-act")
    assert code == 0 and "pat" in out and "[bold]now[/]" in out and "rename" in out
    code, out = run("history", url, "--entity", "initiative:eu-data-act", "--format", "json")
    entries = json.loads(out)["changes"]
    assert [e["field"] for e in entries] == [None, "name"]
    assert entries[1]["new"] == "EU Data Act [bold]now[/]" and entries[1]["who"] == "pat"
    code, out = run("history", url, "--entity", "initiativ:eu-data-act")
    assert code == 1 and "did you mean" in out


def test_history_of_a_folder_points_at_git(acme_path: Path) -> None:
    code, out = run("history", str(acme_path))
    assert code == 1 and "git log" in out


def test_survey_round_trip_on_a_store(url: str, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    path = tmp_path / "storage.xlsx"
    code, out = run("survey", "export", url, "-b", "storage", "-o", str(path))
    assert code == 0, out
    wb = load_workbook(path)
    ws = wb["Assessments"]
    col = [c.value for c in ws[1]].index("current") + 1
    ws.cell(2, col).value = 0
    cap = ws.cell(2, 1).value
    wb.save(path)
    code, out = run("survey", "merge", url, str(path))
    assert code == 0, out
    assert opmodel.load(url).assessment(cap, "storage").current == 0
    assert open_store(url).history(f"assessments:{cap}/storage")[-1].who == "cli-test"


def test_cycle_commands_on_a_store(url: str, acme_path: Path) -> None:
    """decide, actuals and archive go through the actions when the model is a store."""
    from opmodel.store import rows

    if "decisions" not in rows.list_kinds():
        pytest.skip("this build has no quarterly-cycle model (decisions, actuals)")
    rev = open_store(url).revision()
    code, out = run("decide", url, "dr-refresh", "approve", "--by", "Maria Chen", "--role",
                    "portfolio", "--start", "2027Q4", "--cycle", "2027Q3", "--date",
                    "2027-07-10", "--no-plan")
    assert code == 0, out
    d = opmodel.load(url).decisions[-1]
    assert (d.initiative, d.action, d.start) == ("dr-refresh", "approve", "2027Q4")
    code, out = run("decide", url, "dr-refresh", "approve", "--by", "Maria Chen", "--role",
                    "portfolio", "--start", "2027Q4", "--cycle", "2027Q3", "--date",
                    "2027-07-11", "--no-plan")
    assert code == 1  # approving it twice breaks the lifecycle; nothing written
    actuals = acme_path.parent / "acme-q3-actuals.csv"
    code, out = run("actuals", url, str(actuals))
    assert code == 0, out
    code, out = run("archive", url, "--cycle", "2027Q3")
    assert code == 0, out
    st = open_store(url)
    assert st.revision() == rev + 3
    assert [c.action for c in st.history(limit=1)] == ["archive_assessments"]
    assert {c.who for c in st.history() if c.revision > rev} == {"cli-test"}


def test_export_from_a_store_carries_the_scenarios(url: str, tmp_path: Path,
                                                   acme_path: Path) -> None:
    from opmodel.io.xlsx import read_xlsx

    code, out = run("export", url, str(tmp_path / "m.xlsx"))
    assert code == 0, out
    from_store = read_xlsx(tmp_path / "m.xlsx")
    code, out = run("export", str(acme_path), str(tmp_path / "f.xlsx"))
    assert code == 0, out
    from_folder = read_xlsx(tmp_path / "f.xlsx")
    assert from_store.enterprise == from_folder.enterprise
    assert from_store.scenarios == from_folder.scenarios
    assert from_store.scenarios is not None and from_store.scenarios.scenarios


def test_history_limit_below_one_is_refused(acme_path: Path) -> None:
    """`history -n -1` listed every change (and -n 0 none) without a word."""
    for n in ("-1", "0"):
        code, out = run("history", str(acme_path), "--limit", n)
        assert code == 1 and f"--limit is {n}; give a whole number from 1" in out, out


def test_a_piped_password_prompt_shows_no_python_internals(url: str) -> None:
    """`printf 'pw\\npw\\n' | opmodel user add …` (the README's team section, piped) printed
    getpass's warning with its source line — `…/getpass.py:91: GetPassWarning: Can not
    control echo on the terminal.` / `passwd = fallback_getpass(prompt, stream)` — twice."""
    import os
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(root / "src"), "OPMODEL_USER": "t"}
    done = subprocess.run([sys.executable, "-m", "opmodel", "user", "add", url, "ann",
                           "--role", "admin"], input="s3cret!x\ns3cret!x\n", env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "added ann as admin" in done.stdout
    assert "getpass" not in done.stderr and "GetPassWarning" not in done.stderr, done.stderr

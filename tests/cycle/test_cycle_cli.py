"""The cycle commands on a copy of Acme: README section as written, refusals write nothing."""

from __future__ import annotations

import json
import shlex
import shutil
from pathlib import Path

import pytest

from opmodel import api
from tests.cli.render import invoke

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()


run = invoke


@pytest.fixture()
def acme(tmp_path: Path) -> Path:
    dst = tmp_path / "examples" / "acme"
    shutil.copytree(ROOT / "examples" / "acme", dst)
    shutil.copy(ROOT / "examples" / "acme-q3-actuals.csv", tmp_path / "examples")
    return dst


def files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def test_readme_cycle_commands_run_as_written(acme: Path) -> None:
    block = README.split("## The quarterly cycle", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    cmds = [shlex.split(ln.split("  #")[0]) for ln in block.strip().splitlines()]
    assert [c[1] for c in cmds] == ["plan", "decisions", "decide", "actuals"]
    old_decisions = (acme / "decisions.yaml").read_bytes()
    for cmd in cmds:
        assert cmd[0] == "opmodel"
        extra = ("-t", "20") if cmd[1] in ("plan", "decisions", "decide") else ()
        result = run(*cmd[1:], *extra, cwd=acme.parents[1])
        assert result.exit_code == 0, result.output
        if cmd[1] == "plan":
            assert "plan of record of 2027Q2" in result.output
            assert "crm-salesforce" in result.output and "+30%" in result.output
        if cmd[1] == "decisions":
            assert "non-conform" in result.output and "given up" in result.output
    new = (acme / "decisions.yaml").read_bytes()
    assert new.startswith(old_decisions) and len(new) > len(old_decisions)
    e = api.load(acme)
    d = e.decisions[-1]
    assert (d.initiative, d.action, d.start) == ("partner-portal", "approve", "2027Q3")
    assert d.against is not None and len(d.against.inputs_sha256 or "") == 64
    assert any(a.quarter == "2027Q3" for a in e.actuals)
    assert (acme / "actuals.csv").read_text().startswith("#")


def _cmd(path: Path, *args: str) -> list[str]:
    return [args[0], str(path), *args[1:]]


@pytest.mark.parametrize(("args", "expect"), [
    (("decide", "customer-360", "cancel", "--why", "x"), "E-TRANSITION"),
    (("decide", "crm-salesforce", "reject", "--why", "x", "--cycle", "2027Q3",
      "--date", "2027-07-02"), "cannot be rejected, only cancelled"),
    (("decide", "partner-portal", "reject", "--cycle", "2027Q3", "--date", "2027-07-02"),
     "E-RATIONALE"),
    (("decide", "no-such-thing", "approve", "--start", "2027Q3"), "E-REF"),
    (("decide", "partner-portal", "approve", "--start", "2028Q1", "--cycle", "2028Q1",
      "--date", "2027-07-02"), "E-FUTURE"),
    (("decide", "partner-portal", "approve", "--start", "2027Q3", "--cycle", "2026Q4",
      "--date", "2026-12-02"), "E-ORDER"),
])
def test_bad_decisions_refused_nothing_written(acme: Path, args: tuple[str, ...],
                                               expect: str) -> None:
    before = files(acme)
    result = run(*_cmd(acme, *args), "--by", "X", "--role", "portfolio", "--no-plan")
    assert result.exit_code == 1, result.output
    assert expect in result.output
    assert files(acme) == before


def test_bad_actuals_refused_with_file_line(acme: Path, tmp_path: Path) -> None:
    bad = tmp_path / "q3.csv"
    bad.write_text("quarter,initiative,spent,percent_complete\n"
                   "2027Q3,crm-salesforce,-5,50\n"
                   "2027Q3,ghost,10,\n"
                   "2027Q3,service-platform,40,\n"
                   "2027Q3,cpq-global,10,60\n"
                   "2027Q3,cpq-global,20,70\n")
    before = files(acme)
    result = run("actuals", str(acme), str(bad))
    assert result.exit_code == 1
    out = result.output
    assert "q3.csv:2" in out and "E-RANGE" in out  # negative spend
    bad.write_text("quarter,initiative,spent\n2027Q3,ghost,10\n2027Q3,service-platform,40\n"
                   "2027Q3,cpq-global,10\n2027Q3,cpq-global,20\n")
    out = run("actuals", str(acme), str(bad)).output
    assert "q3.csv:2: E-REF" in out
    assert "q3.csv:3: E-ACTUAL" in out  # spend after cancellation
    assert "q3.csv:5: E-DUP" in out
    assert files(acme) == before


def test_plan_as_of_writes_the_cycle_into_plan_json(acme: Path, tmp_path: Path) -> None:
    out = tmp_path / "plan"
    result = run("plan", str(acme), "--as-of", "2027Q3", "--draws", "0", "--no-charts",
                 "-t", "20", "-o", str(out))
    assert result.exit_code == 0, result.output
    data = json.loads((out / "plan.json").read_text())
    assert data["plan_id"].startswith("plan-2027q3-") and len(data["inputs_sha256"]) == 64
    c = data["cycle"]
    assert c["as_of"] == "2027Q3" and data["horizon"][0] == "2027Q3"
    var = {v["id"]: v for v in c["variance"]}
    assert var["crm-salesforce"]["overrun"] == pytest.approx(0.30, abs=0.01)
    assert var["sap-upgrade"]["slip"] == 1
    assert c["statuses"]["service-platform"]["status"] == "cancelled"
    assert c["statuses"]["customer-360"]["status"] == "rejected"
    sched = {r["id"]: r for r in data["schedule"]}
    assert not sched["service-platform"]["funded"] and not sched["customer-360"]["funded"]
    assert sched["crm-salesforce"]["start"] == "2027Q3"  # in flight, kept
    assert (out / "variance.csv").exists()


def test_decisions_json_on_a_small_model(tmp_path: Path) -> None:
    from tests.optimize.tiny import ini, model

    e = model([ini("a", uplift={"c1": 2}), ini("b", uplift={"c2": 1}, cost=300),
               ini("c", uplift={"c3": 3}, duration=2)], quarters=4, budget=250.0)
    folder = tmp_path / "m"
    api.save(e, folder)
    common = ("--by", "Ann", "--role", "portfolio", "--cycle", "2027Q1", "--date",
              "2027-01-05")
    r = run("decide", str(folder), "a", "approve", *common)
    assert r.exit_code == 0, r.output
    r = run("decide", str(folder), "c", "reject", *common, "--why", "<b>not now</b>",
            "--review-by", "Pat", "--verdict", "non-conform")
    assert r.exit_code == 0, r.output
    r = run("decisions", str(folder), "--format", "json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    rows = {x["initiative"]: x for x in data["decisions"]}
    assert data["cycle"] == "2027Q1" and set(rows) == {"a", "c"}
    assert rows["c"]["verdict"] == "non-conform" and rows["c"]["rationale"] == "<b>not now</b>"
    e2 = api.load(folder)
    assert e2.decisions[0].against is not None  # the plan it was decided against
    assert e2.decisions[0].against.plan.startswith("plan-2027q1-")


def test_archive_keeps_the_round(acme: Path) -> None:
    before = (acme / "assessment_history.csv").read_text()
    r = run("archive", str(acme), "--cycle", "2027Q2")
    assert r.exit_code == 0, r.output
    after = (acme / "assessment_history.csv").read_text()
    assert after.startswith(before.split("cycle,")[0])  # the comment lines stay
    e = api.load(acme)
    assert sum(1 for x in e.assessment_history if x.cycle == "2027Q2") == len(e.assessments)
    bad = run("archive", str(acme), "--cycle", "2027Q5")
    assert bad.exit_code == 1 and "2027Q5" in bad.output


@pytest.mark.parametrize("as_of", ["2026Q4", "2037Q3"])
def test_plan_as_of_outside_the_horizon_exits_1_and_says_so(acme: Path, as_of: str) -> None:
    """A mistyped year (2037Q3 for 2027Q3) was planned as an empty "optimal" plan of value
    0 (after the horizon) or an infeasible one about budgets of 2027 (before it)."""
    result = run("plan", str(acme), "--as-of", as_of, "--draws", "0")
    assert result.exit_code == 1, result.output
    assert f"E-INPUT: as of {as_of}: the quarter is outside the horizon 2027Q1–2028Q4" \
        in result.output
    assert "plan optimal" not in result.output


@pytest.mark.parametrize(("args", "expect"), [
    (("approv",), "E-VALUE action: 'approv' is not one of 'approve', 'defer'"),
    (("approve", "--cycle", "garbage"), "E-QUARTER cycle: 'garbage' is not a quarter"),
    (("approve", "--cycle", "2027Q3", "--start", "2027Q9"),
     "E-QUARTER start: '2027Q9' is not a quarter like 2027Q1"),
    (("approve", "--cycle", "2027Q3", "--by", ""), "E-MISSING by: must not be empty"),
    (("approve", "--date", "2026-11-02"),
     "E-HORIZON decision '2026q4-partner-portal' is of cycle 2026Q4, before the horizon "
     "2027Q1–2028Q4 (give the meeting's quarter with --cycle (without it the cycle is the "
     "quarter of the date, 2026-11-02))"),
    (("approve", "--cycle", "2029Q1", "--date", "2029-01-05", "--start", "2029Q1"),
     "E-HORIZON decision '2029q1-partner-portal' is of cycle 2029Q1, after the horizon"),
    (("approve", "--cycle", "2027Q3", "--date", "2026-12-07", "--start", "2027Q3"),
     "E-ORDER decision '2027q3-partner-portal' (2027Q3, 2026-12-07) comes after"),
    (("approve", "--cycle", "2027Q3", "--start", "2027Q3", "--date", "2027-01-05"),
     "E-FUTURE cycle 2027Q3 lies in the future of the decision's date 2027-01-05"),
    (("reject", "--cycle", "2027Q3"),  # an override only the plan can tell: after it
     "E-RATIONALE decision '2027q3-partner-portal' departs from the recommendation"),
])
def test_decide_refuses_a_bad_decision_before_solving(
        acme: Path, args: tuple[str, ...], expect: str,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A mistyped action was only refused after the cycle's recommendation was solved (or,
    without --cycle, reported as a re-plan outside the horizon); `--cycle garbage` was a
    traceback; a bad quarter or an empty name came as pydantic's regular expression; a
    decision out of order or dated before its cycle was refused after a solve too."""
    solved: list[str] = []
    plan = api.decision_plan

    def counted(*a: object, **k: object) -> object:
        solved.append(str(a[1]))
        return plan(*a, **k)  # type: ignore[arg-type]

    monkeypatch.setattr(api, "decision_plan", counted)
    before = files(acme)
    opts = ["--by", "Maria Chen", "--role", "portfolio", "--date", "2027-07-12"]
    if "--by" in args:
        opts = opts[2:]
    if "--date" in args:
        opts = opts[:-2]
    result = run("decide", str(acme), "partner-portal", *args, *opts)
    assert result.exit_code == 1, result.output
    assert expect in result.output
    assert "Traceback" not in result.output and "String should" not in result.output
    assert solved == (["2027Q3"] if "E-RATIONALE" in expect else [])
    assert files(acme) == before


def test_actuals_after_the_horizon_are_refused(acme: Path, tmp_path: Path) -> None:
    """A typed 2099Q3 was merged without a word (and then no re-plan could start)."""
    f = tmp_path / "q.csv"
    f.write_text("quarter,initiative,spent\n2027Q3,sap-upgrade,10\n2099Q3,sap-upgrade,10\n")
    before = files(acme)
    result = run("actuals", str(acme), str(f))
    assert result.exit_code == 1, result.output
    assert "q.csv:3: E-HORIZON actuals for 'sap-upgrade' in 2099Q3, after the horizon " \
        "2027Q1–2028Q4" in result.output
    assert files(acme) == before


def test_archive_after_the_horizon_is_refused(acme: Path) -> None:
    """`archive --cycle 2099Q1` kept 254 history rows for a typed year."""
    before = files(acme)
    result = run("archive", str(acme), "--cycle", "2099Q1")
    assert result.exit_code == 1 and "cycle 2099Q1 is after the horizon" in result.output
    assert files(acme) == before


@pytest.mark.parametrize("command", ["decide", "actuals", "archive"])
def test_a_record_is_not_written_when_its_answer_cannot_be(acme: Path, tmp_path: Path,
                                                           command: str) -> None:
    """`decide … -o missing/d.json` recorded the decision, then failed writing -o and said
    "nothing was written": a script retrying it recorded the decision twice."""
    args = {"decide": ["partner-portal", "reject", "--by", "X", "--role", "portfolio",
                       "--cycle", "2027Q3", "--date", "2027-07-12", "--why", "n",
                       "--no-plan"],
            "actuals": [str(acme.parent / "acme-q3-actuals.csv")],
            "archive": ["--cycle", "2027Q3"]}[command]
    before = files(acme)
    result = run(command, str(acme), *args, "-o", str(tmp_path / "missing" / "r.json"))
    assert result.exit_code == 1, result.output
    assert "there is no folder" in result.output
    assert files(acme) == before


def test_a_file_saved_with_crlf_and_a_bom_is_extended_in_its_own_style(acme: Path) -> None:
    """actuals.csv saved by Excel (CRLF line ends, a byte-order mark) was extended with LF
    lines: a file of two kinds of line ends. decisions.yaml alike."""
    for name in ("actuals.csv", "decisions.yaml"):
        p = acme / name
        p.write_bytes(b"\xef\xbb\xbf" + p.read_bytes().replace(b"\r\n", b"\n")
                      .replace(b"\n", b"\r\n"))
    before = {n: (acme / n).read_bytes() for n in ("actuals.csv", "decisions.yaml")}
    assert run("actuals", str(acme), str(acme.parent / "acme-q3-actuals.csv")).exit_code == 0
    result = run("decide", str(acme), "partner-portal", "reject", "--by", "X", "--role",
                 "portfolio", "--cycle", "2027Q3", "--date", "2027-07-12", "--why", "n",
                 "--no-plan")
    assert result.exit_code == 0, result.output
    for name, old in before.items():
        new = (acme / name).read_bytes()
        assert new != old and new.startswith(b"\xef\xbb\xbf") and new.count(b"\xef\xbb\xbf") == 1
        assert new.count(b"\n") == new.count(b"\r\n") > old.count(b"\r\n"), name
    assert run("validate", str(acme)).exit_code == 0


def test_a_new_horizon_as_docs_cycle_md_says(acme: Path) -> None:
    """docs/cycle.md said nothing of how the horizon goes on when a new quarter starts,
    and the hints said "move it in enterprise.yaml with the budget lines and initiative
    windows it leaves behind" — which leaves every plan of the record outside the horizon.
    The documented steps (raise `quarters`, add the new quarters' budget lines) keep the
    record whole: validate passes, and the cycle goes on past the old end."""
    doc = (ROOT / "docs" / "cycle.md").read_text(encoding="utf-8")
    section = doc.split("## A new horizon", 1)[1].split("\n## ", 1)[0]
    assert "`quarters: 8` (2027Q1–2028Q4) becomes\n   `quarters: 10`" in section
    assert "`2029Q1,enterprise,2100`" in section
    decide = ("decide", str(acme), "partner-portal", "approve", "--by", "Maria Chen",
              "--role", "portfolio", "--cycle", "2029Q1", "--date", "2029-01-12", "--start",
              "2029Q1", "--why", "Partners asked for it", "--no-plan")
    for refused in (run("plan", str(acme), "--as-of", "2029Q1", "--draws", "0"),
                    run(*decide)):
        assert refused.exit_code == 1 and "'A new horizon'" in refused.output, \
            refused.output
    ent = acme / "enterprise.yaml"
    text = ent.read_text(encoding="utf-8")
    assert text.count("quarters: 8 ") == 1
    ent.write_text(text.replace("quarters: 8 ", "quarters: 10"), encoding="utf-8")
    with (acme / "budgets.csv").open("a", encoding="utf-8") as f:
        for q in ("2029Q1", "2029Q2"):
            f.write(f"{q},enterprise,2100\n{q},transformation,1200\n")
    ok = run("validate", str(acme))
    assert ok.exit_code == 0, ok.output
    d = run(*decide)  # the meeting of 2029Q1, past the old end
    assert d.exit_code == 0, d.output
    assert api.load(acme).decisions[-1].cycle == "2029Q1"


@pytest.mark.parametrize(("sep", "name"), [(";", "semicolons"), ("\t", "tabs")])
def test_a_csv_separated_by_semicolons_is_named_as_such(acme: Path, sep: str,
                                                        name: str) -> None:
    """A quarter's actuals saved by Excel in a European locale ("CSV" separated by ';')
    gave four errors — three required columns missing and one unknown column named
    'quarter;initiative;spent;percent_complete' — none saying what was wrong. The same for
    a model's own CSV files (validate)."""
    f = acme.parent / "q.csv"
    f.write_text(sep.join(["quarter", "initiative", "spent", "percent_complete"])
                 + "\r\n" + sep.join(["2027Q3", "crm-salesforce", "820", "55"]) + "\r\n",
                 encoding="utf-8")
    before = (acme / "actuals.csv").read_bytes()
    r = run("actuals", str(acme), str(f))
    assert r.exit_code == 1, r.output
    assert f"q.csv:1:1: E-CSV the columns are separated by {name}" in r.output
    assert "E-MISSING" not in r.output and "1 error(s)" in r.output
    assert (acme / "actuals.csv").read_bytes() == before
    budgets = acme / "budgets.csv"
    budgets.write_text(budgets.read_text(encoding="utf-8").replace(",", sep), encoding="utf-8")
    v = run("validate", str(acme))
    assert v.exit_code == 1 and f"budgets.csv:1:1: E-CSV the columns are separated by {name}" \
        in v.output, v.output


@pytest.mark.parametrize(("cell", "hint"), [
    ("300,5", "a decimal comma? write 300.5, with a point"),
    ("1,200", "write 1200 (no thousands separator) or 1.200 (a point)"),
    ("three", None),
])
def test_a_decimal_comma_is_named(acme: Path, cell: str, hint: str | None) -> None:
    """`spent` of "300,5" (a spreadsheet's decimal comma) said only "'300,5' is not a
    number"."""
    f = acme.parent / "q.csv"
    f.write_text(f'quarter,initiative,spent\n2027Q3,crm-salesforce,"{cell}"\n',
                 encoding="utf-8")
    r = run("actuals", str(acme), str(f))
    assert r.exit_code == 1 and f"q.csv:2:3: E-TYPE spent: '{cell}' is not a number" \
        in r.output, r.output
    line = next(ln for ln in r.output.splitlines() if "E-TYPE" in ln)
    if hint is None:
        assert line.endswith("is not a number"), line
    else:
        assert f"({hint})" in r.output


def test_decisions_csv_writes_what_a_decision_moves_as_ids_not_json() -> None:
    """`moves` was one cell of JSON text ({"cells": [...], ...}) in a CSV for spreadsheets."""
    import csv
    import io

    acme = str(Path(__file__).resolve().parents[2] / "examples" / "acme")
    as_json = json.loads(run("decisions", acme, "--cycle", "2027Q1", "-t", "3", "-f",
                             "json").stdout)
    r = run("decisions", acme, "--cycle", "2027Q1", "-t", "3", "-f", "csv")
    assert r.exit_code == 0, r.output
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert "moves" not in rows[0] and len(rows) == len(as_json["decisions"])
    for row, doc in zip(rows, as_json["decisions"], strict=True):
        assert row["moves_cells"] == ";".join(doc["moves"]["cells"])
        assert row["moves_objectives"] == ";".join(doc["moves"]["objectives"])
    assert any(";" in row["moves_cells"] for row in rows)

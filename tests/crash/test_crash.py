"""kill -9 in the middle of every command that writes a folder, by real processes.

The crash window is held open with the test hook (``OPMODEL_TEST_PAUSE_AT=<point>`` makes
the writer sleep there, see :func:`opmodel.atomic.pause`), the process group is killed, and
the folder must be wholly old or wholly new — never a mix — with other files kept; the next
run cleans up whatever the killed one left (hidden staging folders, temporary files, the
lock file) and leaves no leftovers.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import shutil
import signal
import time
from pathlib import Path

import pytest
from openpyxl import load_workbook

import opmodel
from opmodel.io.survey import export_survey
from tests.conftest import ACME, STARTER
from tests.processes import files, hidden, kill_at, run, start

NOTE = "my own notes: opmodel must keep this file\n"


def visible(folder: Path) -> dict[str, str]:
    return {k: v for k, v in files(folder).items()
            if not any(part.startswith(".") for part in Path(k).parts)}


def wholly_new(folder: Path, names: set[str], since_ns: int) -> bool:
    """Every file of the set is there and was written by the run started at ``since_ns``
    (the kept notes.txt aside)."""
    now = visible(folder)
    if set(now) != names | {"notes.txt"}:
        return False
    return all((folder / k).stat().st_mtime_ns >= since_ns for k in now if k != "notes.txt")


def assert_clean(folder: Path) -> None:
    assert hidden(folder) == [], f"leftovers: {hidden(folder)}"
    assert (folder / "notes.txt").read_text() == NOTE


# -- survey merge --------------------------------------------------------------------------
@pytest.fixture
def survey_case(tmp_path: Path) -> dict[str, Path]:
    model = tmp_path / "model"
    shutil.copytree(STARTER, model)
    (model / "notes.txt").write_text(NOTE)
    survey = export_survey(model, "south", tmp_path / "south.xlsx", today=dt.date(2027, 1, 10))
    wb = load_workbook(survey)
    ws = wb["Assessments"]
    for c in ws["A"]:
        if c.value in ("crm", "service"):
            ws[f"E{c.row}"], ws[f"K{c.row}"] = 1, "after the reorganisation"
    wb.save(survey)
    new = tmp_path / "reference"
    shutil.copytree(model, new)
    assert run("survey", "merge", new, survey, "--date", "2027-02-01").returncode == 0
    return {"model": model, "survey": survey, "new": new}


@pytest.mark.parametrize("point", ["survey-merge", "write-file"])
def test_kill_during_survey_merge(survey_case: dict[str, Path], point: str) -> None:
    model, survey = survey_case["model"], survey_case["survey"]
    old, new = visible(model), visible(survey_case["new"])
    assert old != new
    kill_at(point, "survey", "merge", model, survey, "--date", "2027-02-01",
            log=model.parent / "kill.log")
    assert visible(model) == old  # wholly old: the merge did not happen
    again = run("survey", "merge", model, survey, "--date", "2027-02-01")
    assert again.returncode == 0, again.stdout + again.stderr
    assert visible(model) == new
    assert_clean(model)


def test_kill_survey_merge_at_random_moments(survey_case: dict[str, Path]) -> None:
    """Unheld kills at random moments (seeded): always old or new, then clean."""
    model, survey = survey_case["model"], survey_case["survey"]
    old, new = visible(model), visible(survey_case["new"])
    pristine = model.parent / "pristine"
    shutil.copytree(model, pristine)
    rng = random.Random(13)
    outcomes = []
    for _ in range(4):
        shutil.rmtree(model)
        shutil.copytree(pristine, model)
        proc = start("survey", "merge", model, survey, "--date", "2027-02-01",
                     log=model.parent / "random.log")
        time.sleep(rng.uniform(0.3, 3.0))
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        now = visible(model)
        assert now in (old, new)
        outcomes.append("new" if now == new else "old")
        again = run("survey", "merge", model, survey, "--date", "2027-02-01")
        assert again.returncode == 0, again.stdout + again.stderr
        assert visible(model) == new
        assert_clean(model)
    print(f"\nsurvey merge killed at random moments: {outcomes}")


# -- import --force ------------------------------------------------------------------------
@pytest.fixture(scope="module")
def acme_xlsx(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return opmodel.api.export_model(ACME, tmp_path_factory.mktemp("xlsx") / "acme.xlsx")


@pytest.mark.parametrize("point,expect", [("replace-folder", "old"),
                                          ("replace-folder-swapped", "new")])
def test_kill_during_import_force(tmp_path: Path, acme_xlsx: Path, point: str,
                                  expect: str) -> None:
    model = tmp_path / "model"
    shutil.copytree(STARTER, model)
    (model / "notes.txt").write_text(NOTE)
    reference = tmp_path / "reference"
    shutil.copytree(model, reference)
    done = run("import", acme_xlsx, reference, "--force")
    assert done.returncode == 0, done.stdout + done.stderr
    old, new = visible(model), visible(reference)
    assert old != new and new["notes.txt"] == old["notes.txt"]
    kill_at(point, "import", acme_xlsx, model, "--force", log=tmp_path / "kill.log")
    assert visible(model) == (old if expect == "old" else new)  # never a mix
    assert hidden(model)  # the killed run left something behind …
    again = run("import", acme_xlsx, model, "--force")
    assert again.returncode == 0, again.stdout + again.stderr
    assert "removed" in again.stderr  # … which the next run cleans up and reports
    assert visible(model) == new
    assert_clean(model)
    assert opmodel.load(model).name == opmodel.load(ACME).name


# -- plan -o -------------------------------------------------------------------------------
PLAN = ("plan", STARTER, "--draws", "200", "--no-charts", "-t", "30")


def test_kill_during_plan_output(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    first = run(*PLAN, "-o", out)  # an empty folder (one holding other things is refused)
    assert first.returncode == 0, first.stdout + first.stderr
    (out / "notes.txt").write_text(NOTE)  # beside the plan: kept through every write
    names = set(visible(out)) - {"notes.txt"}
    assert {"plan.json", "schedule.csv", "risk.csv"} <= names
    old = visible(out)
    kill_at("replace-folder", *PLAN, "-o", out, log=tmp_path / "k1.log")
    assert visible(out) == old
    t0 = time.time_ns()
    kill_at("replace-folder-swapped", *PLAN, "-o", out, log=tmp_path / "k2.log")
    assert wholly_new(out, names, t0)
    # a plan without risk: the old risk.csv goes, the set stays one plan's
    t0 = time.time_ns()
    last = run(*PLAN[:2], "--draws", "0", "--no-charts", "-o", out)
    assert last.returncode == 0, last.stdout + last.stderr
    assert wholly_new(out, names - {"risk.csv"}, t0)
    assert_clean(out)


# -- report -o -----------------------------------------------------------------------------
REPORT = ("report", STARTER, "--frontier", "1.2", "-t", "30")


def test_kill_during_report_output(tmp_path: Path) -> None:
    out = tmp_path / "report"
    out.mkdir()
    first = run(*REPORT, "-o", out)  # an empty folder (one holding other things is refused)
    assert first.returncode == 0, first.stdout + first.stderr
    (out / "notes.txt").write_text(NOTE)  # beside the report: kept through every write
    names = set(visible(out)) - {"notes.txt"}
    assert {"report.html", "results.xlsx"} <= names and any(n.startswith("charts/")
                                                           for n in names)
    old = visible(out)

    kill_at("replace-folder", *REPORT, "-o", out, log=tmp_path / "k1.log")
    assert visible(out) == old  # wholly old, charts and all
    assert any(n.startswith(".report-") for n in hidden(out))  # its staging is left …

    t0 = time.time_ns()
    kill_at("replace-folder-swapped", *REPORT, "-o", out, log=tmp_path / "k2.log")
    assert wholly_new(out, names, t0)  # … and removed by this run, killed after the swap
    assert not any(n.startswith(".report-") for n in hidden(out))

    # the next run cleans up; without charts it removes the old charts/: one report's set
    t0 = time.time_ns()
    last = run(*REPORT, "--no-charts", "-o", out)
    assert last.returncode == 0, last.stdout + last.stderr
    assert "removed" in last.stderr
    assert wholly_new(out, {"report.html", "results.xlsx"}, t0)
    assert_clean(out)

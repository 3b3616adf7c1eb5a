"""Different writers of one folder take turns through the same lock, also across a folder
swap (the lock file lives beside the folder, not in it)."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import opmodel
from opmodel.io.survey import export_survey
from tests.conftest import ACME, STARTER
from tests.processes import files, hidden, run, start


def wait_for(log: Path, text: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 300
    while text.encode() not in log.read_bytes():
        assert proc.poll() is None, log.read_text()
        assert time.monotonic() < deadline, f"no '{text}'"
        time.sleep(0.05)


def test_a_merge_waits_out_an_import_that_has_swapped_the_folder(tmp_path: Path) -> None:
    """The import holds the lock past its swap: the folder is a new one, the lock is not."""
    model = tmp_path / "model"
    shutil.copytree(STARTER, model)
    survey = export_survey(model, "south", tmp_path / "s.xlsx", today=dt.date(2027, 1, 10))
    xlsx = opmodel.api.export_model(ACME, tmp_path / "acme.xlsx")
    log = tmp_path / "import.log"
    holder = start("import", xlsx, model, "--force", log=log,
                   OPMODEL_TEST_PAUSE_AT="replace-folder-swapped")
    try:
        wait_for(log, "paused at replace-folder-swapped", holder)
        merge = run("survey", "merge", model, survey, OPMODEL_LOCK_TIMEOUT="1")
        assert merge.returncode == 4  # a conflict: E-LOCKED (docs/output.md)
        assert "E-LOCKED" in merge.stderr and "opmodel import" in merge.stderr
    finally:
        os.killpg(holder.pid, signal.SIGKILL)
        holder.wait()


def test_an_import_waits_out_a_merge(tmp_path: Path) -> None:
    model = tmp_path / "model"
    shutil.copytree(STARTER, model)
    survey = export_survey(model, "south", tmp_path / "s.xlsx", today=dt.date(2027, 1, 10))
    xlsx = opmodel.api.export_model(STARTER, tmp_path / "starter.xlsx")
    before = files(model)
    log = tmp_path / "merge.log"
    holder = start("survey", "merge", model, survey, log=log,
                   OPMODEL_TEST_PAUSE_AT="survey-merge")
    try:
        wait_for(log, "paused at survey-merge", holder)
        imp = run("import", xlsx, model, "--force", OPMODEL_LOCK_TIMEOUT="1")
        assert imp.returncode == 4  # a conflict: E-LOCKED (docs/output.md)
        assert "E-LOCKED" in imp.stderr and "opmodel survey merge" in imp.stderr
        assert files(model) == before
    finally:
        os.killpg(holder.pid, signal.SIGKILL)
        holder.wait()


def test_two_plans_into_one_folder_take_turns(tmp_path: Path) -> None:
    out = tmp_path / "out"
    plan = ("plan", STARTER, "--no-charts", "-t", "30", "-o", out)
    a = start(*plan, "--draws", "0", log=tmp_path / "a.log")
    b = start(*plan, "--draws", "200", log=tmp_path / "b.log")
    assert a.wait(timeout=600) == 0, (tmp_path / "a.log").read_text()
    assert b.wait(timeout=600) == 0, (tmp_path / "b.log").read_text()
    names = set(files(out))
    assert "plan.json" in names and hidden(out) == []
    # one plan's set: risk.csv is there exactly when plan.json has a risk section
    has_risk = '"risk"' in (out / "plan.json").read_text()
    assert ("risk.csv" in names) == has_risk

"""Many business units' returns merged into one model folder at once, by real processes.

Every merge either lands on disk (exit 0) or says it did not (exit 1, ``E-LOCKED`` or
``E-CHANGED``) and leaves no trace; no accepted change is ever lost. Before the folder lock,
two merges at once lost one unit's changes in 2 of 8 runs while both reported success.
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

import opmodel
from opmodel.io.atomic import folder_lock
from opmodel.io.survey import export_survey, merge_survey, unit_rows
from tests.conftest import STARTER
from tests.processes import command, env, hidden, start

UNITS = ["north", "south", "east", "west", "central", "online", "partners", "export"]
ROUNDS = 4
DATE = "2027-02-01"
EXTRA_UNITS = "".join(f"  - {{id: {u}, name: {u.title()} unit, weight: 0.{k + 2}}}\n"
                      for k, u in enumerate(UNITS[2:]))


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A starter model with eight units, a filled-in survey per unit, and what each unit's
    rows look like after its survey alone is merged."""
    root = tmp_path_factory.mktemp("concurrency")
    base = root / "base"
    shutil.copytree(STARTER, base)
    with open(base / "enterprise.yaml", "a", encoding="utf-8") as f:
        f.write(EXTRA_UNITS)
    caps = [c.id for c in opmodel.load(base).capabilities]
    surveys: dict[str, Path] = {}
    expected: dict[str, list[list[str]]] = {}
    for k, bu in enumerate(UNITS):
        path = export_survey(base, bu, root / f"survey-{bu}.xlsx",
                             today=dt.date(2027, 1, 10))
        wb = load_workbook(path)
        ws = wb["Assessments"]
        rows = {c.value: c.row for c in ws["A"] if c.value in caps}
        for j, cap in enumerate(caps[k % 3:k % 3 + 4]):  # units answer different cells
            r = rows[cap]
            ws[f"E{r}"], ws[f"F{r}"] = (j + k) % 4, 4 + (k + j) % 2
            ws[f"G{r}"], ws[f"H{r}"] = (k + 2 * j) % 6, "stated"
            ws[f"I{r}"], ws[f"K{r}"] = f"lead-{bu}", f"answer {k}.{j} from {bu}"
        wb.save(path)
        surveys[bu] = path
        alone = root / f"alone-{bu}"
        shutil.copytree(base, alone)
        merge_survey(alone, path, today=dt.date.fromisoformat(DATE))
        expected[bu] = unit_rows(opmodel.load(alone), bu)
    before = opmodel.load(base)
    assert all(expected[bu] != unit_rows(before, bu) for bu in UNITS)  # each one changes
    return {"root": root, "base": base, "surveys": surveys, "expected": expected,
            "before": {bu: unit_rows(before, bu) for bu in UNITS}}


def merge_all(setup: dict[str, Any], model: Path, **extra: str) -> dict[str, tuple[int, str]]:
    """All units' merges started at once; (exit code, output) per unit."""
    logs = {bu: model.parent / f"{model.name}-{bu}.log" for bu in UNITS}
    procs = {bu: start("survey", "merge", model, setup["surveys"][bu], "--date", DATE,
                       log=logs[bu], **extra) for bu in UNITS}
    out = {}
    for bu, p in procs.items():
        out[bu] = (p.wait(timeout=600), logs[bu].read_text(errors="replace"))
    return out


def check(setup: dict[str, Any], model: Path,
          results: dict[str, tuple[int, str]]) -> tuple[int, int]:
    """Every accepted change is on disk, every refused one said so and left nothing."""
    after = opmodel.load(model)
    accepted = refused = 0
    for bu, (code, text) in results.items():
        rows = unit_rows(after, bu)
        if code == 0:
            accepted += 1
            assert "merged" in text, text
            assert rows == setup["expected"][bu], f"{bu}'s accepted merge is not on disk"
        else:
            refused += 1
            assert code == 4 and ("E-LOCKED" in text or "E-CHANGED" in text), text
            assert "Traceback" not in text and ("wrote nothing" in text
                                                or "nothing was written" in text), text
            assert rows == setup["before"][bu], f"{bu}'s refused merge changed the model"
    assert hidden(model) == []  # no temporary file, no staging, no lock file left
    return accepted, refused


def test_parallel_merges_of_every_unit_lose_nothing(setup: dict[str, Any]) -> None:
    totals = [0, 0]
    for r in range(ROUNDS):
        model = setup["root"] / f"round-{r}"
        shutil.copytree(setup["base"], model)
        # the last round waits at most a moment for the lock: some merges are refused
        last = r == ROUNDS - 1
        extra = {"OPMODEL_LOCK_TIMEOUT": "0" if last else "300"}
        accepted, refused = check(setup, model, merge_all(setup, model, **extra))
        assert accepted >= 1
        if not last:
            assert refused == 0  # with a long wait every merge gets its turn
        totals[0] += accepted
        totals[1] += refused
    print(f"\n{ROUNDS} rounds × {len(UNITS)} parallel merges: {totals[0]} accepted and on "
          f"disk, {totals[1]} refused with a message, 0 lost")


def test_a_held_lock_refuses_every_merge_by_name(setup: dict[str, Any]) -> None:
    model = setup["root"] / "held"
    shutil.copytree(setup["base"], model)
    before = (model / "assessments.csv").read_bytes()
    with folder_lock(model, "the concurrency test"):
        results = merge_all(setup, model, OPMODEL_LOCK_TIMEOUT="1")
    assert all(code == 4 for code, _ in results.values())
    for _, text in results.values():
        assert "E-LOCKED" in text and "the concurrency test" in text, text
    assert (model / "assessments.csv").read_bytes() == before
    check(setup, model, results)


def test_a_writer_that_ignores_the_lock_is_noticed(setup: dict[str, Any]) -> None:
    """An editor saves assessments.csv while a merge is between its read and its write:
    the merge refuses (exit 4, E-CHANGED) and the editor's version stays."""
    model = setup["root"] / "edited"
    shutil.copytree(setup["base"], model)
    log = model.parent / "edited.log"
    proc = subprocess.Popen(
        command("survey", "merge", model, setup["surveys"]["east"], "--date", DATE),
        env=env(OPMODEL_TEST_PAUSE_AT="survey-merge", OPMODEL_TEST_PAUSE_SECONDS="5"),
        stdout=log.open("wb"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 120
    while b"paused at survey-merge" not in log.read_bytes():
        assert proc.poll() is None and time.monotonic() < deadline, log.read_text()
        time.sleep(0.02)
    csv = model / "assessments.csv"
    edited = csv.read_bytes().replace(b"a.lee", b"a.lee-edited", 1)
    csv.write_bytes(edited)  # in place, no lock: what an editor does
    assert proc.wait(timeout=120) == 4  # a conflict (docs/output.md)
    text = log.read_text()
    assert "E-CHANGED" in text and "assessments.csv" in text and "Traceback" not in text
    assert csv.read_bytes() == edited
    assert hidden(model) == []

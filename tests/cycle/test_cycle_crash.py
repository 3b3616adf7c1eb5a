"""kill -9 during ``opmodel decide``, ``actuals`` and ``archive`` (real processes, the crash
window held open by the ``OPMODEL_TEST_PAUSE_AT`` hook of :mod:`opmodel.atomic`): the model is
wholly old or wholly new — never mixed — and the next run writes it and leaves nothing behind.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from opmodel import api
from tests.processes import files, hidden, kill_at, run

ROOT = Path(__file__).resolve().parents[2]
NOTE = "my own notes: opmodel must keep this file\n"


def visible(folder: Path) -> dict[str, str]:
    return {k: v for k, v in files(folder).items() if not k.startswith(".")}


CASES = {
    "decide": ("decisions.yaml", ["partner-portal", "approve", "--start", "2027Q3", "--by", "X",
                                  "--role", "portfolio", "--cycle", "2027Q3", "--date",
                                  "2027-07-02", "--no-plan"]),
    "actuals": ("actuals.csv", ["{csv}"]),
    "archive": ("assessment_history.csv", ["--cycle", "2027Q2"]),
}


@pytest.mark.parametrize("point", ["cycle-{cmd}", "write-file"])
@pytest.mark.parametrize("cmd", sorted(CASES))
def test_kill_leaves_old_or_new(tmp_path: Path, cmd: str, point: str) -> None:
    model = tmp_path / "acme"
    shutil.copytree(ROOT / "examples" / "acme", model)
    (model / "notes.txt").write_text(NOTE)
    csv = tmp_path / "q3.csv"
    csv.write_text("quarter,initiative,spent,percent_complete\n2027Q3,cpq-global,700,75\n")
    name, rest = CASES[cmd]
    args = [cmd, str(model), *(str(csv) if a == "{csv}" else a for a in rest)]
    old = visible(model)
    kill_at(point.format(cmd=cmd), *args, log=tmp_path / "kill.log")
    assert visible(model) == old  # wholly old: the change did not happen
    api.load(model)
    again = run(*args)
    assert again.returncode == 0, again.stdout + again.stderr
    now = visible(model)
    assert set(now) == set(old) and [k for k in now if now[k] != old[k]] == [name]
    assert hidden(model) == [], f"leftovers: {hidden(model)}"
    assert (model / "notes.txt").read_text() == NOTE

"""A kill during ``opmodel actuals`` or ``opmodel decide`` leaves the model old or new,
never mixed: each command writes one file, by temporary file and rename."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from opmodel import api

ROOT = Path(__file__).resolve().parents[2]


def _run_and_kill(args: list[str], delay: float, cwd: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    p = subprocess.Popen([sys.executable, "-m", "opmodel", *args], cwd=cwd, env=env,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(delay)
    p.send_signal(signal.SIGKILL)
    p.wait()


@pytest.mark.parametrize("command", ["actuals", "decide"])
def test_kill_leaves_old_or_new(tmp_path: Path, command: str) -> None:
    src = tmp_path / "acme"
    shutil.copytree(ROOT / "examples" / "acme", src)
    name = "actuals.csv" if command == "actuals" else "decisions.yaml"
    old = (src / name).read_bytes()
    csv = tmp_path / "q3.csv"
    csv.write_text("quarter,initiative,spent,percent_complete\n2027Q3,cpq-global,700,75\n")
    args = (["actuals", str(src), str(csv)] if command == "actuals" else
            ["decide", str(src), "partner-portal", "approve", "--start", "2027Q3", "--by",
             "X", "--role", "portfolio", "--cycle", "2027Q3", "--date", "2027-07-02",
             "--no-plan"])
    seen = set()
    for delay in (0.5, 1.0, 1.5, 2.5, 6.0):
        work = tmp_path / f"run-{delay}"
        shutil.copytree(src, work)
        _run_and_kill([*args[:1], str(work), *args[2:]], delay, tmp_path)
        now = (work / name).read_bytes()
        if now == old:
            seen.add("old")
        else:
            seen.add("new")
            assert now.startswith(old) if command == "decide" else True
        api.load(work)  # whatever it is, it is a whole, valid model
    assert seen  # the loop ran; which states occur depends on the machine's speed

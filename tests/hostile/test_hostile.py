"""The hostile-input suite: every case of :mod:`tests.hostile.cases`, run as a user would.

Each case runs in a subprocess with a memory limit (``RLIMIT_AS``) and a timeout. Most
share one subprocess (:mod:`tests.hostile.driver` runs them one after another through the
CLI), because starting Python and importing opmodel costs more than most cases; the
crash-prone ones (YAML bombs and depth, huge files, /dev/zero, FIFOs, zip bombs) each run
alone through the real entry point, ``python -m opmodel``. Every case asserts the exit code,
the located message, that no traceback was printed and that nothing under its work folder
(model, inputs, output folder) changed.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import resource
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from .cases import CASES, ROOT, TRACEBACK, Case

MEMORY = 1536 << 20  # 1.5 GiB of address space per subprocess
ALONE_TIMEOUT = 120  # seconds for one crash-prone case (a bomb runs until killed)
CASE_TIMEOUT = 60  # seconds for one shared case


def _limit() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _env() -> dict[str, str]:
    env = dict(os.environ)
    # HOSTILE_SRC: run the cases against another checkout's sources (to count what an
    # older version passes; docs/reliability.md)
    src = os.environ.get("HOSTILE_SRC", str(ROOT / "src"))
    env["PYTHONPATH"] = os.pathsep.join([src, str(ROOT), env.get("PYTHONPATH", "")])
    env["COLUMNS"] = "250"
    env["NO_COLOR"] = "1"
    return env


def tree_state(root: Path) -> dict[str, str]:
    """What is under ``root``, without following links or opening anything special."""
    out: dict[str, str] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in sorted(dirnames + filenames):
            p = Path(dirpath) / name
            st = os.lstat(p)
            rel = str(p.relative_to(root))
            if stat.S_ISLNK(st.st_mode):
                out[rel] = "link " + os.readlink(p)
            elif stat.S_ISREG(st.st_mode):
                if st.st_size <= 8 << 20:
                    out[rel] = hashlib.sha256(p.read_bytes()).hexdigest()
                else:
                    out[rel] = f"{st.st_size} {st.st_mtime_ns}"
            else:
                out[rel] = f"mode {stat.S_IFMT(st.st_mode)}"
    return out


class Prepared:
    def __init__(self, case: Case, work: Path) -> None:
        self.case = case
        self.work = work
        self.argv = case.build(work)
        self.before = tree_state(work)


def _run_shared(prepared: list[Prepared]) -> dict[str, Any]:
    """Run the cases in as few driver processes as possible: when one kills the driver
    (a crash, the memory limit), it is recorded as such and a new driver takes the rest."""
    results: dict[str, Any] = {}
    todo = list(prepared)
    while todo:
        payload = json.dumps([{"id": p.case.id, "argv": p.argv, "cwd": str(p.work),
                               "timeout": CASE_TIMEOUT} for p in todo])
        try:
            proc = subprocess.run([sys.executable, "-m", "tests.hostile.driver"],
                                  input=payload, capture_output=True, text=True,
                                  timeout=CASE_TIMEOUT * len(todo) + 60, preexec_fn=_limit,
                                  env=_env(), cwd=ROOT)
            stdout, stderr, rc = proc.stdout, proc.stderr, proc.returncode
        except subprocess.TimeoutExpired as exc:
            stdout = exc.stdout.decode() if isinstance(exc.stdout, bytes) else exc.stdout or ""
            stderr, rc = "(killed at the timeout)", -9
        for line in stdout.splitlines():
            r = json.loads(line)
            results[r.pop("id")] = r
        todo = [p for p in todo if p.case.id not in results]
        if todo:  # the first case without a result took the driver down
            results[todo[0].case.id] = {"code": rc, "output": "", "traceback":
                                        f"the driver died ({rc}):\n{stderr[-3000:]}"}
            todo = todo[1:]
    return results


@pytest.fixture(scope="session")
def shared(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Prepared, Any]]:
    prepared = [Prepared(c, tmp_path_factory.mktemp(c.id)) for c in CASES if not c.alone]
    results = _run_shared(prepared)
    return {p.case.id: (p, results[p.case.id]) for p in prepared}


def _check(p: Prepared, code: int, output: str, tb: str | None) -> None:
    case = p.case
    shown = f"{' '.join(p.argv)}\n--- output ---\n{output[-4000:]}"
    assert tb is None, f"traceback:\n{tb}\n{shown}"
    assert not re.search(TRACEBACK, output), f"a traceback was printed:\n{shown}"
    assert code == case.code, f"exit code {code}, expected {case.code}:\n{shown}"
    for pattern in case.expect:
        assert re.search(pattern, output), f"missing /{pattern}/ in:\n{shown}"
    for pattern in case.reject:
        assert not re.search(pattern, output), f"unexpected /{pattern}/ in:\n{shown}"
    assert tree_state(p.work) == p.before, f"the work folder changed:\n{shown}"


@pytest.mark.parametrize("case", [c for c in CASES if not c.alone], ids=lambda c: c.id)
def test_shared(case: Case, shared: dict[str, tuple[Prepared, Any]]) -> None:
    p, r = shared[case.id]
    _check(p, r["code"], r["output"], r["traceback"])


@pytest.mark.parametrize("case", [c for c in CASES if c.alone], ids=lambda c: c.id)
def test_alone(case: Case, tmp_path: Path) -> None:
    p = Prepared(case, tmp_path)
    try:
        proc = subprocess.run([sys.executable, "-m", "opmodel", *p.argv], capture_output=True,
                              text=True, timeout=ALONE_TIMEOUT, preexec_fn=_limit, env=_env(),
                              cwd=tmp_path)
    except subprocess.TimeoutExpired:
        pytest.fail(f"{case.id}: no answer within {ALONE_TIMEOUT} s")
    assert proc.returncode >= 0, f"killed by signal {-proc.returncode}:\n{proc.stderr}"
    _check(p, proc.returncode, proc.stdout + proc.stderr, None)


def test_every_category_has_cases() -> None:
    from .cases import CATEGORIES

    assert len(CATEGORIES) >= 15
    assert len({c.id for c in CASES}) == len(CASES)

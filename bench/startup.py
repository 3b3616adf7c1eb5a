"""Benchmark: how fast the command line starts and answers, against bare Python.

Every command runs as a fresh subprocess, ``--repeats`` times, in interleaved rounds (one of
each per round, so a busy moment of the shared machine hits all of them alike); the script
prints each one's median wall time and the median CPU time of the child process, and:

* ``opmodel --version`` and ``opmodel --help`` over the floor, ``python -c pass``
  (goal ≤ 0.15 s);
* ``opmodel validate examples/acme`` (goal ≤ 0.35 s; also shown over the floor);
* ``opmodel plan`` of a tiny model (the starter model of ``opmodel init``: 4 initiatives)
  against a bare highspy script doing the same solve (goal ≤ 1.5×). The bare script is
  written here: the MILP opmodel builds for that model, as literal arrays, handed to HiGHS
  with ``passModel`` with the same solver options, solved and its objective printed — what
  a user gets from a hand-written script, interpreter and imports included. Its objective
  is checked against opmodel's plan.
* the libraries alone: a script that imports what ``opmodel plan`` is built on (numpy,
  highspy, pydantic, ruamel.yaml, typer — or click — and rich) and uses each once, none of
  opmodel's code: the part of the plan command that is not opmodel's.

    PYTHONPATH=src .venv/bin/python bench/startup.py                 # 15 rounds
    PYTHONPATH=src .venv/bin/python bench/startup.py --repeats 5     # a quick look

* the same commands handed to a warm command server (``opmodel daemon start``, docs/daemon.md),
  started in a socket folder of the run's own: wall time from the caller's start to its exit,
  CPU time of the caller plus the command's process forked from the server (the server counts
  it). All the other rows run with ``OPMODEL_NO_DAEMON=1``.

``--max-seconds`` (default 180) stops adding rounds once that much time has gone.
``--before SRC`` also times every ``opmodel`` command with ``PYTHONPATH=SRC`` (another
checkout's ``src``, e.g. ``git archive`` of an older commit) in the same rounds, so a change
is measured against what it changed under the same load:

    PYTHONPATH=src .venv/bin/python bench/startup.py --before /tmp/old/src
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ACME = ROOT / "examples" / "acme"
GOAL_OVER_FLOOR = 0.15
GOAL_VALIDATE = 0.35
GOAL_PLAN_RATIO = 1.5
BEFORE = ", --before"  # suffix of the commands run with --before's sources

#: what `opmodel plan` cannot do without, and nothing of opmodel: the libraries it is built
#: on (DESIGN: pydantic at the boundaries, ruamel.yaml for located YAML, a CLI library with
#: rich for tables, numpy and highspy for the MILP), each used once — a pydantic model
#: class validated, a YAML document read, a rich table printed — the CLI library imported.
LIBRARIES = '''\
import io
import highspy, numpy
from pydantic import BaseModel
from ruamel.yaml import YAML
import {cli}
from rich.console import Console
from rich.table import Table
class M(BaseModel):
    name: str
    cost: float = 0.0
M.model_validate(YAML(typ="safe").load("name: x\\ncost: 1.5\\n"))
t = Table("a", "b"); t.add_row("x", "1")
Console(file=io.StringIO()).print(t)
'''

BARE = '''\
import highspy
import numpy as np

inf = float("inf")
h = highspy.Highs()
h.setOptionValue("output_flag", False)
h.setOptionValue("time_limit", {time_limit!r})
h.setOptionValue("mip_rel_gap", {mip_gap!r})
h.setOptionValue("random_seed", {seed!r})
h.passModel({n_cols}, {n_rows}, {nnz}, 2, -1, {offset!r},
            np.array({cost!r}), np.array({lower!r}), np.array({upper!r}),
            np.array({row_lower!r}), np.array({row_upper!r}),
            np.array({start!r}, dtype=np.int32), np.array({index!r}, dtype=np.int32),
            np.array({value!r}), np.array({integrality!r}, dtype=np.int32))
h.run()
print(h.getModelStatus(), h.getInfo().objective_function_value)
'''


def opmodel_command() -> list[str]:
    """The installed ``opmodel`` script beside this interpreter (what users type), else
    ``python -m opmodel``."""
    script = Path(sys.executable).with_name("opmodel")
    if script.is_file():
        return [sys.executable, str(script)]
    return [sys.executable, "-m", "opmodel"]


def bare_script(model: Path, out: Path) -> float:
    """Write the bare highspy script for ``model``'s MILP to ``out``; return the objective
    opmodel's plan has (the bare script must reach the same)."""
    import opmodel
    from opmodel.optimize import SolveOptions, build_instance, optimize
    from opmodel.optimize.formulation import build_milp

    e = opmodel.load(model)
    milp = build_milp(build_instance(e))
    o = SolveOptions()
    out.write_text(BARE.format(
        time_limit=float(o.time_limit), mip_gap=float(o.mip_gap), seed=int(o.seed),
        n_cols=milp.n_cols, n_rows=milp.n_rows, nnz=milp.nnz, offset=float(milp.offset),
        cost=milp.cost.tolist(), lower=milp.lower.tolist(), upper=milp.upper.tolist(),
        row_lower=milp.row_lower.tolist(), row_upper=milp.row_upper.tolist(),
        start=milp.start[:-1].tolist(), index=milp.index.tolist(), value=milp.value.tolist(),
        integrality=milp.integrality.tolist()), encoding="utf-8")
    return optimize(e).objective


WARM = " (warm server)"  # suffix of the commands handed to the warm command server
KEY = ("import json; from opmodel.cli import command_environment; command_environment(); "
       "from opmodel.daemon import wire; print(json.dumps([wire.key(), wire.socket_path()]))")


class Server:
    """The warm command server of the bench's own socket folder, and the CPU time its
    commands took (it collects it from each command's process)."""

    def __init__(self, op: list[str], env: dict[str, str]) -> None:
        self.op, self.env = op, env
        p = subprocess.run([*op, "daemon", "start", "--idle", "30"], env=env,
                           capture_output=True, text=True, cwd=ROOT)
        if p.returncode != 0:
            raise SystemExit(f"opmodel daemon start failed:\n{p.stdout}{p.stderr}")
        p = subprocess.run([sys.executable, "-c", KEY], env=env, capture_output=True,
                           text=True, cwd=ROOT, check=True)
        self.key, self.socket = json.loads(p.stdout)

    def cpu(self) -> float:
        """The CPU seconds of every command the server ran, once none is running."""
        from opmodel.daemon import wire

        for _ in range(200):
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                sock.connect(self.socket)
                wire.send(sock, {"op": "status", "key": self.key})
                status = wire.recv(sock)
            finally:
                sock.close()
            if status is None:
                raise SystemExit("the warm command server stopped answering")
            if status["commands_running"] == 0:
                return float(status["commands_cpu_seconds"])
            time.sleep(0.005)
        raise SystemExit("a command of the warm server did not end")

    def stop(self) -> None:
        subprocess.run([*self.op, "daemon", "stop"], env=self.env, capture_output=True,
                       cwd=ROOT)


def run(cmd: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Wall seconds, the child's CPU seconds (user + system) and its output."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    p = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, cwd=ROOT)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if p.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({p.returncode}):\n{p.stdout}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, p.stdout


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeats", type=int, default=15)
    ap.add_argument("--max-seconds", type=float, default=180.0)
    ap.add_argument("--before", type=Path, default=None, metavar="SRC",
                    help="also time `opmodel plan` (tiny) with PYTHONPATH=SRC")
    a = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="opmodel-bench-startup-"))
    # as installed: compiled modules are cached (the first, untimed run writes them)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.update(COLUMNS="100", NO_COLOR="1", OPMODEL_NO_DAEMON="1")
    warm_env = {k: v for k, v in env.items() if k != "OPMODEL_NO_DAEMON"}
    warm_env["OPMODEL_DAEMON_DIR"] = tempfile.mkdtemp(prefix="opd-")  # short: ≤ 107 bytes
    server: Server | None = None
    try:
        op = opmodel_command()
        tiny = tmp / "tiny"
        run([*op, "init", str(tiny)], env)
        bare = tmp / "bare_highspy.py"
        objective = bare_script(tiny, bare)
        commands = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "opmodel --version": [*op, "--version"],
            "opmodel --help": [*op, "--help"],
            "opmodel validate examples/acme": [*op, "validate", str(ACME)],
            "bare highspy script": [sys.executable, str(bare)],
            "libraries alone (typer)": [sys.executable, "-c", LIBRARIES.format(cli="typer")],
            "libraries alone (click)": [sys.executable, "-c", LIBRARIES.format(cli="click")],
            "opmodel plan (tiny)": [*op, "plan", str(tiny)],
        }
        envs = {name: env for name in commands}
        if a.before is not None:
            for name in [n for n in commands if n.startswith("opmodel ")]:
                commands[name + BEFORE] = commands[name]
                envs[name + BEFORE] = env | {"PYTHONPATH": str(a.before.resolve())}
        server = Server(op, warm_env)
        for name in ("opmodel --version", "opmodel validate examples/acme",
                     "opmodel plan (tiny)"):
            commands[name + WARM] = commands[name]
            envs[name + WARM] = warm_env
        # once untimed: files in the page cache, .pyc written; and the bare script's answer
        for name, cmd in commands.items():
            out = run(cmd, envs[name])[2]
            if name == "bare highspy script":
                got = float(out.split()[-1])
                if abs(got - objective) > 1e-6 * max(1.0, abs(objective)):
                    raise SystemExit(f"the bare script found {got}, opmodel {objective}")
        walls: dict[str, list[float]] = {k: [] for k in commands}
        cpus: dict[str, list[float]] = {k: [] for k in commands}
        t0 = time.perf_counter()
        rounds = 0
        while rounds < a.repeats and (rounds < 3 or time.perf_counter() - t0 < a.max_seconds):
            for name, cmd in commands.items():
                before = server.cpu() if name.endswith(WARM) else 0.0
                w, c, _ = run(cmd, envs[name])
                if name.endswith(WARM):
                    c += server.cpu() - before  # the command's own process
                walls[name].append(w)
                cpus[name].append(c)
            rounds += 1
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.rmtree(warm_env["OPMODEL_DAEMON_DIR"], ignore_errors=True)

    wall = {k: statistics.median(v) for k, v in walls.items()}
    cpu = {k: statistics.median(v) for k, v in cpus.items()}
    print(f"{' '.join(op)} — {rounds} rounds, medians; load average "
          f"{os.getloadavg()[0]:.1f} at the end")
    print(f"{'command':42} {'wall s':>8} {'CPU s':>8}  {'over the floor (wall / CPU)':>28}")
    floor_w, floor_c = wall["python -c pass"], cpu["python -c pass"]
    for name in commands:
        print(f"{name:42} {wall[name]:8.3f} {cpu[name]:8.3f}  "
              f"{wall[name] - floor_w:+13.3f} / {cpu[name] - floor_c:+.3f}")
    print()

    def verdict(wall_ok: bool, cpu_ok: bool) -> str:
        return {(True, True): "met", (False, True): "met on CPU, not on wall (a busy machine)",
                (True, False): "met on wall, not on CPU"}.get((wall_ok, cpu_ok), "NOT met")

    for name in ("opmodel --version", "opmodel --help"):
        over, over_c = wall[name] - floor_w, cpu[name] - floor_c
        print(f"{name}: {over:.3f} s over python -c pass (CPU {over_c:.3f}); goal ≤ "
              f"{GOAL_OVER_FLOOR}: {verdict(over <= GOAL_OVER_FLOOR, over_c <= GOAL_OVER_FLOOR)}")
    name = "opmodel validate examples/acme"
    print(f"{name}: {wall[name]:.3f} s (CPU {cpu[name]:.3f}); goal ≤ {GOAL_VALIDATE}: "
          f"{verdict(wall[name] <= GOAL_VALIDATE, cpu[name] <= GOAL_VALIDATE)}")
    ratio = wall["opmodel plan (tiny)"] / wall["bare highspy script"]
    ratio_cpu = cpu["opmodel plan (tiny)"] / cpu["bare highspy script"]
    print(f"ratio opmodel plan (tiny) / bare highspy script: {ratio:.2f} wall, "
          f"{ratio_cpu:.2f} CPU; goal ≤ {GOAL_PLAN_RATIO}: "
          f"{verdict(ratio <= GOAL_PLAN_RATIO, ratio_cpu <= GOAL_PLAN_RATIO)}")
    plan_w = "opmodel plan (tiny)" + WARM
    ratio = wall[plan_w] / wall["bare highspy script"]
    ratio_cpu = cpu[plan_w] / cpu["bare highspy script"]
    print(f"ratio opmodel plan (tiny) with the warm server / bare highspy script: {ratio:.2f} "
          f"wall, {ratio_cpu:.2f} CPU; goal ≤ {GOAL_PLAN_RATIO}: "
          f"{verdict(ratio <= GOAL_PLAN_RATIO, ratio_cpu <= GOAL_PLAN_RATIO)}")
    for name in ("opmodel --version", "opmodel validate examples/acme"):
        print(f"{name} with the warm server: {wall[name + WARM]:.3f} s wall "
              f"({wall[name + WARM] - floor_w:+.3f} over the floor), {cpu[name + WARM]:.3f} s "
              f"CPU; on its own {wall[name]:.3f} s")
    for name in ("libraries alone (typer)", "libraries alone (click)"):
        print(f"{name} / bare highspy script: "
              f"{wall[name] / wall['bare highspy script']:.2f} wall, "
              f"{cpu[name] / cpu['bare highspy script']:.2f} CPU; opmodel plan (tiny) is "
              f"{wall['opmodel plan (tiny)'] - wall[name]:+.3f} s wall "
              f"({cpu['opmodel plan (tiny)'] - cpu[name]:+.3f} CPU) over them")
    if a.before is not None:
        print(f"against --before {a.before} (same rounds):")
        for name in [n for n in commands if n.endswith(BEFORE)]:
            now = name[:-len(BEFORE)]
            print(f"  {now}: {wall[name]:.3f} → {wall[now]:.3f} s wall "
                  f"({wall[now] - wall[name]:+.3f}), {cpu[name]:.3f} → {cpu[now]:.3f} s CPU "
                  f"({cpu[now] - cpu[name]:+.3f})")
        plan, lib = "opmodel plan (tiny)", "libraries alone (typer)"
        print(f"  opmodel's own share of the tiny plan (plan − {lib}): "
              f"{cpu[plan + BEFORE] - cpu[lib]:.3f} → {cpu[plan] - cpu[lib]:.3f} s CPU, "
              f"{wall[plan + BEFORE] - wall[lib]:.3f} → {wall[plan] - wall[lib]:.3f} s wall")

if __name__ == "__main__":
    main()

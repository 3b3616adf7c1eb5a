"""Benchmark: 50 concurrent clients editing assessments and initiatives through the REST
API for 60 s, on SQLite and on PostgreSQL, on loopback.

The server is ``opmodel serve URL`` (uvicorn, its own process) on the Acme example; each
client (a thread with its own connection) reads an item, changes it with ``If-Match`` and
records what the server acknowledged (tests/web/loadgen.py). Afterwards every accepted write
is looked up in the store and its change log: the figures printed are accepted and refused
(409) writes, throughput, p50 / p95 write latency, and the lost updates found (the goal is
0). The baseline, measured in the same run on the same server, is one client writing alone
for ``--baseline`` seconds: the p95 ratio says what the concurrency costs.

PostgreSQL: ``--postgres URL`` of an empty database, or ``--postgres auto`` to start a
throw-away server with initdb/pg_ctl (as the test suite does).

    .venv/bin/python bench/api_load.py                      # SQLite and PostgreSQL (auto)
    .venv/bin/python bench/api_load.py --clients 10 --seconds 10 --postgres none  # quick
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import subprocess
import sys
import tempfile
import warnings
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import opmodel  # noqa: E402
from opmodel import actions  # noqa: E402
from opmodel.store import close_stores, init_store, open_store  # noqa: E402
from opmodel.store.users import User  # noqa: E402

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from tests.web import loadgen

ACME = ROOT / "examples" / "acme"


@contextlib.contextmanager
def postgres() -> Iterator[str]:
    """A throw-away PostgreSQL server on a free loopback port; yields a database URL."""
    bindir = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))[-1].parent
    root = Path(tempfile.mkdtemp(prefix="opmodel-bench-pg-"))
    root.chmod(0o755)
    as_pg = (lambda c: ["runuser", "-u", "postgres", "--", *c]) if os.geteuid() == 0 else \
        (lambda c: c)
    if os.geteuid() == 0:
        subprocess.run(["chown", "-R", "postgres:postgres", str(root)], check=True)
    port = loadgen.free_port()
    data = root / "data"
    subprocess.run(as_pg([str(bindir / "initdb"), "-D", str(data), "-U", "postgres",
                          "--auth=trust", "-E", "UTF8", "--no-sync"]), check=True,
                   capture_output=True)
    opts = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c max_connections=200"
    subprocess.run(as_pg([str(bindir / "pg_ctl"), "-D", str(data), "-o", opts, "-l",
                          str(root / "log"), "-w", "start"]), check=True, capture_output=True)
    try:
        import psycopg

        with psycopg.connect(f"host=127.0.0.1 port={port} user=postgres dbname=postgres",
                             autocommit=True) as conn:
            conn.execute('CREATE DATABASE "bench"')
        yield f"postgresql://postgres@127.0.0.1:{port}/bench"
    finally:
        close_stores()
        subprocess.run(as_pg([str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w",
                              "stop"]), check=False, capture_output=True)
        subprocess.run(["rm", "-rf", str(root)], check=False)


def pct(xs: list[float], q: float) -> float:
    s = sorted(xs)
    return s[min(len(s) - 1, int(q * len(s)))] if s else float("nan")


def bench(url: str, clients: int, seconds: float, baseline: float) -> bool:
    e = opmodel.load(ACME)
    init_store(url, e)
    st = open_store(url)
    system = User("bench", "admin")
    users = []
    for name, role in (("arch", "architect"), ("arch2", "architect"), ("admin", "admin")):
        _, token = actions.add_user(st, system, name, role)
        users.append((name, token))
    targets = loadgen.targets(e, cells=20, initiatives=10)
    close_stores()
    with loadgen.serve_in_process(url) as base:
        first = open_store(url).revision()
        alone = loadgen.run(base, users[:1], targets, clients=1, seconds=baseline, seed=1)
        mid = open_store(url).revision()
        result = loadgen.run(base, users, targets, clients=clients, seconds=seconds, seed=2)
    st = open_store(url)
    lost = loadgen.verify(st, alone, first, mid) + loadgen.verify(st, result, mid)
    ms = [x * 1000 for x in result.latencies]
    base_ms = [x * 1000 for x in alone.latencies]
    n = len(result.accepted) + result.conflicts
    print(f"  {clients} clients × {seconds:.0f} s on {len(targets)} items: {n:,} writes "
          f"({n / result.seconds:,.0f}/s), {len(result.accepted):,} accepted, "
          f"{result.conflicts:,} refused with 409 (stale version), {len(result.bad)} other "
          "answers")
    print(f"  write latency p50 {statistics.median(ms):.1f} ms, p95 {pct(ms, 0.95):.1f} ms, "
          f"max {max(ms):.1f} ms")
    print(f"  baseline, one client alone: p50 {statistics.median(base_ms):.1f} ms, p95 "
          f"{pct(base_ms, 0.95):.1f} ms → p95 under load {pct(ms, 0.95) / pct(base_ms, 0.95):.1f}×")
    print(f"  lost updates: {len(lost)}" + (f" — {lost[:5]}" if lost else
                                             " (every accepted write is in the store and the "
                                             "change log; counts equal)"))
    close_stores()
    return not lost and not result.bad


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--baseline", type=float, default=5.0, help="seconds of the one-client run")
    ap.add_argument("--postgres", default="auto", help="URL of an empty database, 'auto' "
                    "(start one) or 'none'")
    ap.add_argument("--sqlite", action=argparse.BooleanOptionalAction, default=True)
    args = ap.parse_args(argv)
    if not 1 <= args.clients <= 200 or not 0 < args.seconds <= 600:
        ap.error("--clients 1–200 and --seconds up to 600")
    ok = True
    if args.sqlite:
        with tempfile.TemporaryDirectory() as tmp:
            print("SQLite")
            ok &= bench(f"sqlite:///{tmp}/load.db", args.clients, args.seconds, args.baseline)
    if args.postgres != "none":
        print("PostgreSQL")
        if args.postgres == "auto":
            with postgres() as url:
                ok &= bench(url, args.clients, args.seconds, args.baseline)
        else:
            ok &= bench(args.postgres, args.clients, args.seconds, args.baseline)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())

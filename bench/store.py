"""Benchmark: load the large generated model from a store against loading its folder.

The model is the one ``bench/load.py`` uses (50 business units × 2,000 capabilities =
100,000 assessments, 20,000 applications, 5,000 initiatives at ``--scale 1``), generated
once and cached. It is stored in a fresh SQLite file (and, with ``--postgres URL``, in an
empty PostgreSQL database), then timed in this process, best of ``--repeats``, the two
loads taking turns:

* folder — ``opmodel.load(folder)``: parse, type-check every entity, cross-check every rule;
* store — ``opmodel.load(url)`` with the store's snapshot cache emptied first: select the
  current rows, assemble them, type-check and cross-check exactly the same way.

Goal: store / folder ≤ 1.5. Also printed: how long ``store init`` and ``store export``
take, and the latency of single assessment writes through :mod:`opmodel.actions` (p50 /
p95 over ``--writes`` writes, each one transaction with rights, version check, validation
and change log) and of a read after a write.

    .venv/bin/python bench/store.py              # the full-size model
    .venv/bin/python bench/store.py --scale 0.1  # a quick run
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import load as load_bench

import opmodel
from opmodel import actions
from opmodel.store import export_store, init_store, open_store
from opmodel.store.users import User

GOAL = 1.5


def store_load(url: str) -> int:
    open_store(url)._cache.clear()
    return len(opmodel.load(url).assessments)


def writes(url: str, n: int) -> tuple[list[float], float]:
    """Latencies (ms) of n assessment writes, and of one read right after the last."""
    admin = User("bench", "admin")
    e = opmodel.load(url)
    cells = e.assessments[:: max(1, len(e.assessments) // n)][:n]
    out = []
    for k, a in enumerate(cells):
        t = time.perf_counter()
        actions.set_assessment(url, admin, a.capability, a.business_unit,
                               {"current": float(k % 3), "target": 4.0},
                               why="bench")
        out.append((time.perf_counter() - t) * 1000)
    t = time.perf_counter()
    opmodel.load(url)
    return out, (time.perf_counter() - t) * 1000


def run(label: str, url: str, folder: Path, repeats: int, n_writes: int) -> float:
    e = opmodel.load(folder)
    t = time.perf_counter()
    init_store(url, e)
    init_s = time.perf_counter() - t
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        export_store(url, Path(tmp) / "out")
        export_s = time.perf_counter() - t
    best = load_bench.best_of({"folder": lambda p: len(opmodel.load(p).assessments),
                               "store": lambda p: store_load(url)}, folder, repeats)
    ratio = best["store"][0] / best["folder"][0]
    lat, read_ms = writes(url, n_writes)
    q = statistics.quantiles(lat, n=20)
    print(f"\n{label}: {url}")
    print(f"  store init {init_s:.2f} s, store export {export_s:.2f} s")
    print(f"  best of {repeats}:  folder load {best['folder'][0]:.3f} s wall "
          f"({best['folder'][1]:.3f} CPU),  store load {best['store'][0]:.3f} s wall "
          f"({best['store'][1]:.3f} CPU)")
    print(f"  ratio store / folder: {ratio:.2f} wall, "
          f"{best['store'][1] / best['folder'][1]:.2f} CPU  (goal ≤ {GOAL:g}: "
          f"{'met' if ratio <= GOAL else 'NOT met'})")
    print(f"  assessment write ({len(lat)} writes): p50 {statistics.median(lat):.1f} ms, "
          f"p95 {q[18]:.1f} ms, max {max(lat):.1f} ms;  read after a write {read_ms:.1f} ms")
    return ratio


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--writes", type=int, default=100)
    ap.add_argument("--cache", type=Path, default=Path("/tmp/opmodel-bench-load"))
    ap.add_argument("--postgres", help="also bench an empty PostgreSQL database at this URL")
    args = ap.parse_args(argv)
    folder, sizes = load_bench.model_folder(args.cache, args.scale, args.seed, False)
    print(f"model: {folder}")
    print("  " + ", ".join(f"{k.replace('_', ' ')} {v:,}" for k, v in sizes.items())
          + f", assessments {sizes['business_units'] * sizes['capabilities']:,}")
    opmodel.load(folder)  # warm up imports and caches
    with tempfile.TemporaryDirectory() as tmp:
        run("SQLite", f"sqlite:///{tmp}/bench.db", folder, args.repeats, args.writes)
    if args.postgres:
        run("PostgreSQL", args.postgres, folder, args.repeats, args.writes)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

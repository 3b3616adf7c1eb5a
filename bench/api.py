"""Benchmark: the REST API on the large generated model (50 business units × 2,000
capabilities = 100,000 assessments at ``--scale 1``; the model bench/load.py generates and
caches), stored in a fresh SQLite file and served by ``opmodel serve URL`` (uvicorn, its own
process) on loopback.

* heat map — ``GET /heatmap`` (stage × unit, priority): the first request (loads the model
  from the store and computes) and then ``--requests`` more, answered from the cache kept
  per model version; p50 / p95 against the library call it wraps
  (``heatmap(e).to_dict()`` on the loaded model, timed in this run). Goal: p95 ≤ 200 ms.
  The capability × unit heat map (100,000 cells) is timed the same way.
* writes — ``--writes`` single assessment writes (``PATCH /assessments/CAP/UNIT`` with
  ``If-Match``), one after another; p50 / p95 against the same write made directly through
  :func:`opmodel.actions.set_assessment`. Goal: p95 ≤ 50 ms.

    .venv/bin/python bench/api.py              # the full-size model
    .venv/bin/python bench/api.py --scale 0.1  # a quick run
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(Path(__file__).parent), str(ROOT)]

import httpx  # noqa: E402
import load as load_bench  # noqa: E402  (bench/load.py: the model)

import opmodel  # noqa: E402
from opmodel import actions  # noqa: E402
from opmodel.analysis import heatmap  # noqa: E402
from opmodel.store import init_store, open_store  # noqa: E402
from opmodel.store.users import User  # noqa: E402

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from tests.web.loadgen import serve_in_process

GOAL_HEATMAP_MS = 200.0
GOAL_WRITE_MS = 50.0


def pct(xs: list[float], q: float) -> float:
    s = sorted(xs)
    return s[min(len(s) - 1, int(q * len(s)))]


def timed(fn, n: int) -> list[float]:  # type: ignore[no-untyped-def]
    out = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


def line(name: str, ms: list[float], base: list[float] | None = None) -> str:
    text = f"  {name:<34} p50 {statistics.median(ms):8.1f} ms   p95 {pct(ms, 0.95):8.1f} ms"
    if base:
        text += f"   ({pct(ms, 0.95) / pct(base, 0.95):.2f}× the library's p95)"
    return text


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scale", type=float, default=1.0, help="share of the full model size")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--cache", type=Path, default=Path("/tmp/opmodel-bench-load"))
    ap.add_argument("--requests", type=int, default=50, help="heat-map requests after the first")
    ap.add_argument("--writes", type=int, default=100, help="assessment writes")
    args = ap.parse_args(argv)

    folder, _ = load_bench.model_folder(args.cache, args.scale, args.seed, False)
    print(f"model: {folder.name}")
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/api.db"
        t = time.perf_counter()
        e = opmodel.load(folder)
        init_store(url, e)
        st = open_store(url)
        _, token = actions.add_user(st, User("bench", "admin"), "bench", "admin")
        print(f"store made in {time.perf_counter() - t:.1f} s")
        lib_stage = timed(lambda: heatmap(e, "stage").to_dict(), 10)
        lib_cap = timed(lambda: heatmap(e, "capability").to_dict(), 3)
        from opmodel.store import close_stores

        close_stores()
        with serve_in_process(url) as base, httpx.Client(
                base_url=base, headers={"Authorization": f"Bearer {token}"},
                timeout=600) as c:
            t = time.perf_counter()
            r = c.get("/heatmap")
            r.raise_for_status()
            first = (time.perf_counter() - t) * 1000
            stage = timed(lambda: c.get("/heatmap").raise_for_status(), args.requests)
            t = time.perf_counter()
            c.get("/heatmap", params={"by": "capability"}).raise_for_status()
            first_cap = (time.perf_counter() - t) * 1000
            cap = timed(lambda: c.get("/heatmap", params={"by": "capability"})
                        .raise_for_status(), max(5, args.requests // 5))
            print(f"heat map, first request (load from the store + compute): {first:,.0f} ms;"
                  f" capability × unit first: {first_cap:,.0f} ms")
            print(line("GET /heatmap (stage × unit)", stage, lib_stage))
            print(line("GET /heatmap?by=capability", cap, lib_cap))
            print(line("library heatmap(e, 'stage')", lib_stage))
            print(line("library heatmap(e, 'capability')", lib_cap))
            ok = pct(stage, 0.95) <= GOAL_HEATMAP_MS
            print(f"  goal p95 ≤ {GOAL_HEATMAP_MS:.0f} ms: {'met' if ok else 'NOT met'}")

            cells = [a for a in e.assessments if a.assessed]
            step = max(1, len(cells) // args.writes)
            picked = cells[::step][:args.writes]
            api_ms = []
            for k, a in enumerate(picked):
                u = f"/assessments/{a.capability}/{a.business_unit}"
                tag = c.get(u).headers["etag"]
                t = time.perf_counter()
                c.patch(u, json={"notes": f"bench {k}", "why": "bench"},
                        headers={"If-Match": tag}).raise_for_status()
                api_ms.append((time.perf_counter() - t) * 1000)
            me = User("bench", "admin")
            st = open_store(url)
            lib_ms = []
            for k, a in enumerate(picked):
                t = time.perf_counter()
                actions.set_assessment(st, me, a.capability, a.business_unit,
                                       {"notes": f"direct {k}"}, why="bench")
                lib_ms.append((time.perf_counter() - t) * 1000)
            print(line("PATCH /assessments/… (one write)", api_ms, lib_ms))
            print(line("actions.set_assessment (direct)", lib_ms))
            ok_w = pct(api_ms, 0.95) <= GOAL_WRITE_MS
            print(f"  goal p95 ≤ {GOAL_WRITE_MS:.0f} ms: {'met' if ok_w else 'NOT met'}")
        from opmodel.store import close_stores

        close_stores()
    return 0 if ok and ok_w else 1


if __name__ == "__main__":
    raise SystemExit(main())

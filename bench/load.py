"""Benchmark: load + validate a large generated model against merely parsing its files.

The model (at ``--scale 1``): 50 business units × 2,000 capabilities (100,000 assessments),
20,000 applications and 5,000 initiatives, made by ``opmodel generate`` and cached under
``--cache`` so that later runs skip generating it.

* floor — read every CSV with ``csv.reader`` and every YAML with ruamel's C-accelerated safe
  loader (``YAML(typ="safe")``): the least any loader must do.
* load — ``opmodel.load(path)``: parse, type-check every entity, cross-check every rule, and
  place any issue at file:line:col.

Both are timed in this process, best of ``--repeats``. Peak memory (max RSS) of each is
measured in a fresh subprocess; the RSS of the bare interpreter with opmodel imported is
printed too. Goal: load / floor ≤ 3 and the load's peak RSS ≤ 1 GiB.

    .venv/bin/python bench/load.py              # the full-size model
    .venv/bin/python bench/load.py --scale 0.1  # a quick run (10 % of the sizes)
"""

from __future__ import annotations

import argparse
import csv
import gc
import hashlib
import json
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

import opmodel
import opmodel.generate
from opmodel.generate import generate

GOAL_RATIO = 3.0
GOAL_RSS_MIB = 1024.0
FULL = {"business_units": 50, "capabilities": 2000, "applications": 20_000,
        "initiatives": 5000}


def floor_csv(path: Path) -> int:
    """Read every CSV file with ``csv.reader``; return the number of rows."""
    rows = 0
    for f in sorted(path.glob("*.csv")):
        with f.open(encoding="utf-8-sig", newline="") as fh:
            rows += len(list(csv.reader(fh)))
    return rows


def floor_yaml(path: Path) -> int:
    """Parse every YAML file with ruamel's safe loader (C parser when ruamel.yaml.clib is
    installed, as it is with opmodel)."""
    yaml = YAML(typ="safe")
    for f in sorted(path.glob("*.yaml")):
        yaml.load(f.read_text(encoding="utf-8-sig"))
    return 0


def floor(path: Path) -> int:
    """Parse every file of the folder the cheapest way: the floor."""
    return floor_csv(path) + floor_yaml(path)


def load(path: Path) -> int:
    return len(opmodel.load(path).assessments)


def timed(fn: Callable[[Path], Any], path: Path) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process) of one call."""
    gc.collect()
    w, c = time.perf_counter(), time.process_time()
    fn(path)
    return time.perf_counter() - w, time.process_time() - c


def best_of(fns: dict[str, Callable[[Path], Any]], path: Path,
            repeats: int) -> dict[str, tuple[float, float]]:
    """Best (wall, CPU) of each function; the functions take turns in every round, so a
    busy machine slows them alike."""
    best: dict[str, tuple[float, float]] = {}
    for _ in range(repeats):
        for name, fn in fns.items():
            w, c = timed(fn, path)
            bw, bc = best.get(name, (w, c))
            best[name] = (min(w, bw), min(c, bc))
    return best


_PEAK = """
import json, pathlib, resource, sys
sys.path.insert(0, {bench!r})
import load as b

def peak():  # VmHWM: this process's own peak (ru_maxrss would include the parent's)
    try:
        for line in open("/proc/self/status"):
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

before = peak()
getattr(b, {what!r})(pathlib.Path({path!r}))
print(json.dumps([before, peak()]))
"""


def peak_rss(path: Path, what: str) -> tuple[float, float]:
    """(RSS after imports, peak RSS after running ``what``) in MiB, in a fresh process."""
    code = _PEAK.format(bench=str(Path(__file__).parent), what=what, path=str(path))
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                         text=True).stdout
    before, after = json.loads(out.strip().splitlines()[-1])
    return before, after


def model_folder(cache: Path, scale: float, seed: int, regenerate: bool) -> tuple[Path, dict]:
    sizes = dict(FULL)
    for k in ("capabilities", "applications", "initiatives"):
        sizes[k] = max(1, round(FULL[k] * scale))
    # the generator's source is part of the name: a changed generator makes a new model
    parts = sorted(Path(opmodel.generate.__file__).parent.glob("*.py"))  # a package
    src = hashlib.sha256(b"".join(p.read_bytes() for p in parts)).hexdigest()[:8]
    name = f"seed{seed}-" + "-".join(f"{k[:3]}{v}" for k, v in sizes.items()) + f"-{src}"
    path = cache / name
    if regenerate or not (path / "enterprise.yaml").exists():
        print(f"generating {name} …", flush=True)
        t = time.perf_counter()
        e = generate(seed=seed, **sizes)
        opmodel.save(e, path)
        print(f"  generated and saved in {time.perf_counter() - t:.1f} s", flush=True)
    return path, sizes


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scale", type=float, default=1.0,
                    help="fraction of the full sizes for capabilities, applications and "
                         "initiatives (business units stay 50)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--cache", type=Path, default=Path("/tmp/opmodel-bench-load"),
                    help="folder holding the generated models")
    ap.add_argument("--regenerate", action="store_true", help="generate the model again")
    args = ap.parse_args(argv)
    if not 0 < args.scale <= 10:
        ap.error("--scale must be in (0, 10]")

    path, sizes = model_folder(args.cache, args.scale, args.seed, args.regenerate)
    mib = sum(f.stat().st_size for f in path.iterdir() if f.is_file()) / 2**20
    print(f"model: {path}  ({mib:.1f} MiB on disk)")
    print("  " + ", ".join(f"{k.replace('_', ' ')} {v:,}" for k, v in sizes.items())
          + f", assessments {sizes['business_units'] * sizes['capabilities']:,}")
    load(path)  # warm up imports and caches
    t = best_of({"csv": floor_csv, "yaml": floor_yaml, "floor": floor, "load": load}, path,
                args.repeats)
    base_rss, floor_rss = peak_rss(path, "floor")
    _, load_rss = peak_rss(path, "load")
    ratio = t["load"][0] / t["floor"][0]
    cpu_ratio = t["load"][1] / t["floor"][1]
    ok_ratio, ok_rss = ratio <= GOAL_RATIO, load_rss <= GOAL_RSS_MIB
    print(f"\nbest of {args.repeats}            wall s    CPU s   peak RSS")
    for name, label, rss in (("floor", "floor", floor_rss), ("csv", "  CSV (csv.reader)", None),
                             ("yaml", "  YAML (ruamel safe)", None),
                             ("load", "opmodel.load", load_rss)):
        w, c = t[name]
        mem = f"{rss:7.1f} MiB" if rss is not None else ""
        print(f"  {label:20s} {w:8.3f} {c:8.3f}   {mem}")
    print(f"  (interpreter with opmodel imported: {base_rss:.1f} MiB)")
    print(f"\nratio load / floor: {ratio:.2f} wall, {cpu_ratio:.2f} CPU  (goal ≤ {GOAL_RATIO:g}: "
          f"{'met' if ok_ratio else 'NOT met'})")
    print(f"peak RSS of the load: {load_rss:.0f} MiB  (goal ≤ {GOAL_RSS_MIB:.0f} MiB: "
          f"{'met' if ok_rss else 'NOT met'})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

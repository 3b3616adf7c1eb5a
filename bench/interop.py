"""Benchmark: export and import of a large generated model as an Excel workbook and as an
ArchiMate exchange file, against the bare libraries on the same files.

The model (at ``--scale 1``, the same as ``bench/load.py``): 50 business units × 2,000
capabilities (100,000 assessments), 20,000 applications and 5,000 initiatives, from
:func:`opmodel.generate.generate` (generated in memory; a few seconds).

Floors, measured in the same run on the very files opmodel wrote:

* xlsx read — openpyxl's read-only mode iterating every value of every sheet
  (``iter_rows(values_only=True)``): the least any xlsx importer built on openpyxl does.
* xlsx write — openpyxl's write-only mode writing the same rows (values only, no styles,
  no dropdowns).
* xml read — ``lxml.etree.parse`` of the exchange file.
* xml write — lxml serializing the same document (the tree parsed back, then written).

Each step is timed in this process, best of ``--repeats``, taking turns so a busy machine
slows them alike; wall and CPU seconds are both printed and the ratios use CPU seconds (the
machine is shared). Goal: each import / its floor ≤ 3.

Each step is charged for freeing what it allocated, including the C allocator's deferred
work: glibc keeps small freed blocks — a parsed tree's millions of nodes — unmerged until
the next large allocation and then merges them all at once (about 0.6 s after freeing the
tree of the full-size exchange file). Left alone, that cost lands on whichever step runs
next, so each step ends with a large allocation that settles it (and starts settled). The
"unsettled" column shows the CPU seconds before that final settling, and the ratios are
also printed against the unsettled floors.

    .venv/bin/python bench/interop.py              # the full-size model
    .venv/bin/python bench/interop.py --scale 0.1  # a quick run
    .venv/bin/python bench/interop.py --only xml   # the ArchiMate steps only
"""

from __future__ import annotations

import argparse
import gc
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lxml import etree
from openpyxl import Workbook, load_workbook

from opmodel.generate import generate
from opmodel.io.archimate import read_archimate, write_archimate
from opmodel.io.xlsx import read_xlsx, write_xlsx

GOAL_RATIO = 3.0
FULL = {"business_units": 50, "capabilities": 2000, "applications": 20_000,
        "initiatives": 5000}


def bare_xlsx_read(path: Path) -> list[list[tuple[Any, ...]]]:
    wb = load_workbook(path, read_only=True, data_only=True)
    try:
        return [list(ws.iter_rows(values_only=True)) for ws in wb.worksheets]
    finally:
        wb.close()


def bare_xlsx_write(sheets: list[list[tuple[Any, ...]]], path: Path) -> None:
    wb = Workbook(write_only=True)
    for k, rows in enumerate(sheets):
        ws = wb.create_sheet(f"s{k}")
        for row in rows:
            ws.append(row)
    wb.save(path)


def bare_xml_read(path: Path) -> Any:
    return etree.parse(str(path))


def bare_xml_write(tree: Any, path: Path) -> None:
    tree.write(str(path), xml_declaration=True, encoding="UTF-8", pretty_print=True)


def settle() -> None:
    """Have the C allocator finish the bookkeeping of earlier frees now (glibc merges
    freed small blocks at the next large allocation; elsewhere this is a no-op)."""
    bytearray(1 << 20)


def timed(fn: Callable[[], Any]) -> tuple[float, float, float]:
    """Wall and CPU seconds of ``fn()`` with what it leaves to free, settled; and the CPU
    seconds before that settling."""
    gc.collect()
    settle()  # the previous step's frees are not this step's
    w, c = time.perf_counter(), time.process_time()
    fn()  # its result is freed here too
    unsettled = time.process_time() - c
    settle()  # ... but its own are
    return time.perf_counter() - w, time.process_time() - c, unsettled


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scale", type=float, default=1.0,
                    help="fraction of the full sizes for capabilities, applications and "
                         "initiatives (business units stay 50)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--only", choices=("xlsx", "xml"), help="time one format only")
    args = ap.parse_args(argv)
    if not 0 < args.scale <= 10:
        ap.error("--scale must be in (0, 10]")
    sizes = dict(FULL)
    for k in ("capabilities", "applications", "initiatives"):
        sizes[k] = max(1, round(FULL[k] * args.scale))
    t0 = time.perf_counter()
    e = generate(seed=args.seed, **sizes)
    print(f"model: {', '.join(f'{k} {v:,}' for k, v in e.summary().items() if v)}"
          f"  (generated in {time.perf_counter() - t0:.1f} s)")

    with tempfile.TemporaryDirectory(prefix="opmodel-bench-interop-") as tmp:
        d = Path(tmp)
        book, xml = d / "model.xlsx", d / "model.xml"
        steps: dict[str, Callable[[], Any]] = {}
        files = []
        if args.only != "xml":
            write_xlsx(e, book)
            assert read_xlsx(book).enterprise == e, "xlsx round trip changed the model"
            rows = bare_xlsx_read(book)
            n_cells = sum(len(r) for s in rows for r in s)
            files.append(f"{book.name} {book.stat().st_size / 2**20:.1f} MiB "
                         f"({sum(len(s) for s in rows):,} rows, {n_cells:,} cells)")
            steps |= {
                "xlsx import": lambda: read_xlsx(book),
                "xlsx read (openpyxl)": lambda: bare_xlsx_read(book),
                "xlsx export": lambda: write_xlsx(e, d / "again.xlsx"),
                "xlsx write (openpyxl)": lambda: bare_xlsx_write(rows, d / "bare.xlsx"),
            }
        if args.only != "xlsx":
            write_archimate(e, xml)
            assert read_archimate(xml).enterprise == e, "ArchiMate round trip changed the model"
            tree = bare_xml_read(xml)
            files.append(f"{xml.name} {xml.stat().st_size / 2**20:.1f} MiB "
                         f"({sum(1 for _ in tree.iter()):,} XML elements)")
            steps |= {
                "xml import": lambda: read_archimate(xml),
                "xml parse (lxml)": lambda: bare_xml_read(xml),
                "xml export": lambda: write_archimate(e, d / "again.xml"),
                "xml write (lxml)": lambda: bare_xml_write(tree, d / "bare.xml"),
            }
        print(f"files: {'; '.join(files)}")
        best: dict[str, tuple[float, float, float]] = {}
        for _ in range(args.repeats):
            for name, fn in steps.items():
                w, c, u = timed(fn)
                bw, bc, bu = best.get(name, (w, c, u))
                best[name] = (min(w, bw), min(c, bc), min(u, bu))

    print(f"\nbest of {args.repeats}                 wall s    CPU s  unsettled")
    for name, (w, c, u) in best.items():
        print(f"  {name:24s} {w:8.2f} {c:8.2f} {u:10.2f}")
    print()
    ok = True
    for ours, floor, goal in (("xlsx import", "xlsx read (openpyxl)", True),
                              ("xml import", "xml parse (lxml)", True),
                              ("xlsx export", "xlsx write (openpyxl)", False),
                              ("xml export", "xml write (lxml)", False)):
        if ours not in best:
            continue
        ratio = best[ours][1] / best[floor][1]
        wall = best[ours][0] / best[floor][0]
        unsettled = best[ours][1] / best[floor][2]
        verdict = ""
        if goal:
            verdict = f"  (goal ≤ {GOAL_RATIO:g}: {'met' if ratio <= GOAL_RATIO else 'NOT met'})"
            ok = ok and ratio <= GOAL_RATIO
        print(f"ratio {ours} / {floor}: {ratio:.2f} CPU, {wall:.2f} wall{verdict}; "
              f"{unsettled:.2f} against the unsettled floor")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())

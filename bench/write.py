"""Benchmark: what writing a model folder in one step costs over writing its files in place.

A generated model (``--scale 1``: 20 business units × 400 capabilities, 300 applications,
300 initiatives) is serialised once; then, best of ``--repeats`` each, in this process:

* in place — every file written straight over the old one (what a naive writer does: a
  kill leaves a mix of old and new files);
* one step — :func:`opmodel.io.folder.write_folder`'s path, :func:`opmodel.io.atomic.
  replace_folder`: the lock, the fingerprint, a sibling folder with every file fsync'ed,
  the other files of the folder carried over as hard links, the exchange, the old version
  deleted.

Both write the same texts into a folder that already holds the model and 200 files of the
user's (kept). Prints the two times and their ratio, and the ratio of whole saves
(serialising the model included).

    .venv/bin/python bench/write.py
    .venv/bin/python bench/write.py --scale 0.5
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from opmodel.generate import generate
from opmodel.io.atomic import replace_folder
from opmodel.io.folder import folder_files


def best(fn: Callable[[], object], repeats: int) -> float:
    out = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return min(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--repeats", type=int, default=5)
    a = ap.parse_args()
    s = a.scale
    e = generate(business_units=max(2, round(20 * s)), capabilities=max(10, round(400 * s)),
                 applications=max(10, round(300 * s)), initiatives=max(10, round(300 * s)))
    files = dict(folder_files(e))
    size = sum(len(t.encode()) for t in files.values())
    root = Path(tempfile.mkdtemp(prefix="opmodel-bench-write-"))
    try:
        model = root / "model"
        replace_folder(model, files)
        (model / "notes").mkdir()
        for k in range(200):
            (model / "notes" / f"n{k}.md").write_text(f"note {k}\n" * 20)

        def in_place() -> None:
            for name, text in files.items():
                (model / name).write_text(text, encoding="utf-8", newline="")

        t_text = best(lambda: dict(folder_files(e)), a.repeats)
        t_plain = best(in_place, a.repeats)
        t_step = best(lambda: replace_folder(model, files), a.repeats)
        assert (model / "notes" / "n199.md").exists()
    finally:
        shutil.rmtree(root, ignore_errors=True)
    print(f"model folder: {len(files)} files, {size / 1e6:.2f} MB, 200 other files kept")
    print(f"serialise {t_text * 1000:8.1f} ms  (the model to texts, the same for both)")
    print(f"in place  {t_plain * 1000:8.1f} ms")
    print(f"one step  {t_step * 1000:8.1f} ms")
    print(f"ratio one step / in place: {t_step / t_plain:.1f}x "
          f"(+{(t_step - t_plain) * 1000:.0f} ms); a whole save, one step / in place: "
          f"{(t_text + t_step) / (t_text + t_plain):.2f}x")


if __name__ == "__main__":
    main()

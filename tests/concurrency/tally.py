"""Count what parallel survey merges do, for docs/reliability.md (not collected by pytest).

    PYTHONPATH=src:. python tests/concurrency/tally.py ROUNDS [SRC]

runs ROUNDS rounds of eight parallel ``opmodel survey merge`` processes (one per business
unit, into one folder; see test_survey_merge.py) with the sources at SRC (default: this
checkout; give another checkout's ``src`` to measure it) and prints how many merges
reported success with their change on disk, reported success with it lost, or refused.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

import opmodel
import tests.processes as processes
from opmodel.io.survey import unit_rows


class _Temp:
    def mktemp(self, name: str) -> Path:
        return Path(tempfile.mkdtemp(prefix=name))


def main() -> None:
    rounds = int(sys.argv[1])
    if len(sys.argv) > 2:
        processes.SRC = Path(sys.argv[2]).resolve()
    from tests.concurrency import test_survey_merge as t

    setup = t.setup.__wrapped__(_Temp())  # type: ignore[attr-defined]
    kept = lost = refused = 0
    try:
        for r in range(rounds):
            model = setup["root"] / f"round-{r}"
            shutil.copytree(setup["base"], model)
            after_results = t.merge_all(setup, model)
            after = opmodel.load(model)
            for bu, (code, _) in after_results.items():
                if code != 0:
                    refused += 1
                elif unit_rows(after, bu) == setup["expected"][bu]:
                    kept += 1
                else:
                    lost += 1
    finally:
        shutil.rmtree(setup["root"], ignore_errors=True)
    print(f"{rounds} rounds x {len(t.UNITS)} parallel merges ({processes.SRC}): {kept} "
          f"reported success and are on disk, {lost} reported success but were lost, "
          f"{refused} refused")


if __name__ == "__main__":
    main()

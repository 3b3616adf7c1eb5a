"""Run many ``opmodel`` command lines in one process (the hostile-input suite's driver).

Reads a JSON list of ``{"id", "argv", "cwd"}`` from stdin and writes, as one JSON object on
stdout, ``{id: {"code", "output", "traceback"}}``: the exit code, everything the command
printed (stdout and stderr) and, when an exception escaped the command, its traceback.
The suite starts it under a memory limit and a timeout; starting the interpreter and
importing opmodel once for many cases keeps the suite quick.
"""

from __future__ import annotations

import json
import os
import sys
import traceback
from typing import Any


def run_one(argv: list[str], cwd: str) -> dict[str, Any]:
    from typer.testing import CliRunner

    from opmodel.cli import app

    here = os.getcwd()
    os.chdir(cwd)
    try:
        result = CliRunner().invoke(app, argv, env={"COLUMNS": "250"})
    finally:
        os.chdir(here)
    tb = None
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        tb = "".join(traceback.format_exception(result.exception))
    return {"code": result.exit_code, "output": result.output, "traceback": tb}


def main() -> None:
    cases = json.load(sys.stdin)
    out: dict[str, Any] = {}
    for case in cases:
        out[case["id"]] = run_one(case["argv"], case["cwd"])
    sys.stdout.write(json.dumps(out))


if __name__ == "__main__":
    main()

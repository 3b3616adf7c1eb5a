"""Run many ``opmodel`` command lines in one process (the hostile-input suite's driver).

Reads a JSON list of ``{"id", "argv", "cwd", "timeout"}`` from stdin and writes one JSON
line per case as it finishes: ``{"id", "code", "output", "traceback"}`` — the exit code,
everything the command printed (stdout and stderr) and, when an exception escaped the
command (or it ran past its timeout), the traceback. The suite starts it under a memory
limit; starting the interpreter and importing opmodel once for many cases keeps the suite
quick, and a case that kills the whole process is found as the first one without a line.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import traceback
from typing import Any


def _timeout(signum: int, frame: Any) -> None:
    raise TimeoutError("the case ran past its timeout")


def run_one(argv: list[str], cwd: str, timeout: int) -> dict[str, Any]:
    from typer.testing import CliRunner

    from opmodel.cli import app

    here = os.getcwd()
    os.chdir(cwd)
    signal.signal(signal.SIGALRM, _timeout)
    signal.alarm(timeout)
    try:
        result = CliRunner().invoke(app, argv, env={"COLUMNS": "250"})
    finally:
        signal.alarm(0)
        os.chdir(here)
    tb = None
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        tb = "".join(traceback.format_exception(result.exception))
    return {"code": result.exit_code, "output": result.output, "traceback": tb}


def main() -> None:
    for case in json.load(sys.stdin):
        result = run_one(case["argv"], case["cwd"], case["timeout"])
        sys.stdout.write(json.dumps({"id": case["id"], **result}) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()

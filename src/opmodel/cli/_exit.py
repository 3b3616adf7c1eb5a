"""The exit codes of every command (docs/output.md): one table, one mapping from errors."""

from __future__ import annotations

from typing import Any

import typer

from ..errors import (
    AuthenticationError,
    ConflictError,
    OpmodelError,
    OptimizationError,
    PermissionDenied,
)

# -- exit codes ---------------------------------------------------------------------------
OK = 0
INVALID = 1      #: the model or an input does not validate / cannot be used
USAGE = 2        #: a wrong command line (click's own code)
NO_PLAN = 3      #: no feasible plan (infeasible, the confidence asked not reached, solver)
CONFLICT = 4     #: a stale write, a locked folder, a folder changed while being written
NOT_ALLOWED = 5  #: the acting user may not do this, or is not who they say
INTERRUPTED = 130

#: click's UsageError as typer raises it (typer ≥ 0.2x carries its own copy of click, older
#: typer uses click itself), found through typer's public ``BadParameter``: a command body
#: raises it for a wrong command line (``cli/_output.py``) and ``handle_errors`` prints it.
#: The separate ``click`` package is not imported for it (a few ms of every command's
#: start-up, bench/startup.py), and typer recognizes the error wherever it is raised.
UsageError: Any = next(c for c in typer.BadParameter.__mro__ if c.__name__ == "UsageError")

EXIT_CODES = {OK: "ok", INVALID: "the model or an input is invalid (E-MODEL, E-INPUT, …)",
              USAGE: "usage: unknown option, bad value, a format the command does not offer",
              NO_PLAN: "no feasible plan (E-INFEASIBLE, E-CONFIDENCE, E-SOLVER)",
              CONFLICT: "conflict: stale version, folder locked or changed, survey "
                        "conflicts (E-STALE, E-LOCKED, E-CHANGED, E-CONFLICT)",
              NOT_ALLOWED: "not allowed (E-FORBIDDEN, E-AUTH)",
              INTERRUPTED: "interrupted (Ctrl-C)"}


def exit_code(exc: OpmodelError) -> int:
    """The exit code of a command ended by ``exc``."""
    if isinstance(exc, OptimizationError):
        return NO_PLAN
    if isinstance(exc, ConflictError) or exc.code in ("E-LOCKED", "E-CHANGED", "E-CONFLICT"):
        return CONFLICT
    if isinstance(exc, PermissionDenied | AuthenticationError):
        return NOT_ALLOWED
    return INVALID

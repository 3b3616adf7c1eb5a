"""Errors: the command line's `opmodel.error` document and the REST API's one error shape."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from ._base import Output, _Open
from .model import IssueOut


class ErrorOut(_Open):
    code: str = Field(description="Stable code, e.g. E-INFEASIBLE, E-STALE, E-USAGE.")
    message: str
    hint: str | None = None


class Error(Output):
    """What any command prints on stdout instead of its result when it fails and
    `--format json` (or `-o x.json`) was asked: the exit code, the error and, for an
    invalid model, every issue located as `opmodel validate` gives them."""

    output_name: ClassVar[str] = "error"
    ok: Literal[False] = False
    exit: int = Field(description="The process's exit code (docs/output.md).")
    error: ErrorOut
    issues: list[IssueOut] = Field(description="An invalid model's issues; else empty.")


# -- the REST API's error (docs/api.md) ---------------------------------------------------
class ApiErrorEntry(_Open):
    """One problem of an error answer; a stale write (409) adds `yours`, `current`,
    `entity`, `version` and `current_version`."""

    code: str = Field(description="Stable code of this problem, e.g. E-RANGE, E-REF.")
    message: str
    field: str = Field(None, description="What it is about: body.x, query.x, path.x or "
                                         "header.x (absent when nothing in particular).")
    hint: str = Field(None, description="What to do next (absent when there is none).")
    location: str = Field(None, description="Where in the model: file:line:col, an "
                                            "entity's path.")
    yours: Any = Field(None, description="409 E-STALE: the value sent.")
    current: Any = Field(None, description="409 E-STALE: the value stored.")


class ApiErrorDoc(BaseModel):
    """Every error the REST API answers, whatever its status or source (a refused action,
    an invalid model, an unknown route, a wrong method, a malformed request, a bug): one
    shape. The command line's counterpart is `opmodel.error` (docs/output.md): the same
    `code` values, an exit code instead of the HTTP status."""

    model_config = ConfigDict(extra="forbid")
    ok: Literal[False]
    error: str = Field(description="What went wrong, in one sentence.")
    errors: list[ApiErrorEntry] = Field(min_length=1, description="Every problem found.")
    status: int = Field(description="The HTTP status, as answered.")
    code: str = Field(description="A stable code, e.g. E-STALE, E-NOT-FOUND.")

"""The opmodel exception tree and the shape of a located problem.

::

    OpmodelError                  every error opmodel raises on purpose (has .code)
    ├── ModelError                a model failed validation; .issues lists every problem
    ├── UnknownIdError            a lookup by id found nothing (also a KeyError)
    ├── InputError                a file or argument cannot be used at all (missing, unreadable)
    ├── ConflictError             a write based on a stale version (.conflicts: field, yours, now)
    ├── PermissionDenied          the acting user's role or units do not allow the action
    ├── AuthenticationError       unknown user, wrong password or token
    └── OptimizationError         reserved for the solver choke point (optimize/)
        ├── InfeasibleError
        ├── SolverError
        └── ConfidenceError       no plan found that meets the confidence asked for

An :class:`Issue` is one problem found in a model: a stable ``code`` (``E-…`` errors block
loading, ``W-…`` warnings do not), a message, the element path inside the model
(``("capabilities", 13, "stage")``) and, once an adapter has placed it, the source location
(``capabilities.yaml:14:5`` or ``Assessments!C17``).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Literal

Severity = Literal["error", "warning"]
PathPart = str | int


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem in a model, located as precisely as the adapter could."""

    code: str
    message: str
    path: tuple[PathPart, ...] = ()
    location: str | None = None
    hint: str | None = None
    sort_key: tuple[str, int, int] = field(default=("", 0, 0), compare=False)

    @property
    def severity(self) -> Severity:
        return "warning" if self.code.startswith("W-") else "error"

    def at(self, location: str, sort_key: tuple[str, int, int] | None = None) -> Issue:
        """A copy placed at ``location`` (e.g. ``capabilities.yaml:14:5``)."""
        return replace(self, location=location, sort_key=sort_key or (location, 0, 0))

    def __str__(self) -> str:
        where = self.location or _path_text(self.path) or "model"
        text = f"{where}: {self.code} {self.message}"
        if self.hint:
            text += f" ({self.hint})"
        return text


def _path_text(path: tuple[PathPart, ...]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def sort_issues(issues: list[Issue]) -> list[Issue]:
    """Issues ordered by file, line, column, then code: how a compiler prints them."""
    return sorted(issues, key=lambda i: (i.sort_key, i.location or "", i.code, i.message))


class OpmodelError(Exception):
    """Base of every error opmodel raises on purpose."""

    code = "E-OPMODEL"

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        self.message = message
        self.hint = hint
        super().__init__(message if hint is None else f"{message} ({hint})")


class ModelError(OpmodelError):
    """A model did not validate. ``issues`` holds every error (and the warnings) found."""

    code = "E-MODEL"

    def __init__(self, issues: list[Issue], source: str | None = None) -> None:
        self.issues = sort_issues(issues)
        self.source = source
        errors = [i for i in self.issues if i.severity == "error"]
        head = f"{len(errors)} error(s) in {source or 'the model'}"
        body = "\n".join(str(i) for i in errors)
        super().__init__(
            f"{head}:\n{body}", hint="fix them and run `opmodel validate` again"
        )

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "error"]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "warning"]


class UnknownIdError(OpmodelError, KeyError):
    code = "E-REF"

    def __init__(self, kind: str, id_: str, hint: str | None = None) -> None:
        self.kind = kind
        self.id = id_
        OpmodelError.__init__(self, f"no {kind} with id '{id_}'", hint=hint)

    def __str__(self) -> str:  # KeyError would quote the message otherwise
        return self.args[0]


class InputError(OpmodelError):
    """A path or argument that cannot be used at all."""

    code = "E-INPUT"


class ExistsError(InputError):
    """A create-only write of an id (an entity, a decision, a user) that is already taken:
    the REST API answers it 409 ``E-EXISTS``; ``decide`` takes the next free id of its own
    choosing instead."""


@dataclass(frozen=True, slots=True)
class FieldConflict:
    """One field a stale write would overwrite: what the writer sent, what is stored now."""

    field: str
    yours: object
    current: object


class ConflictError(OpmodelError):
    """A write based on a version that is no longer current; nothing was written.

    ``entity`` is ``kind:key`` (``assessments:crm/storage``), ``version`` the version the
    writer based the change on, ``current_version`` the stored one, ``conflicts`` each field
    changed since with the writer's value and the current one.
    """

    code = "E-STALE"

    def __init__(self, entity: str, version: int | None, current_version: int | None,
                 conflicts: list[FieldConflict]) -> None:
        self.entity = entity
        self.version = version
        self.current_version = current_version
        self.conflicts = conflicts
        if conflicts:
            detail = "; ".join(f"{c.field}: yours {c.yours!r}, current {c.current!r}"
                               for c in conflicts)
        else:
            detail = "it was changed or removed since"
        now = "removed" if current_version is None else f"now at version {current_version}"
        super().__init__(
            f"{entity} changed since version {version} ({now}): {detail}",
            hint="reload it, reapply your change and save again")


class PermissionDenied(OpmodelError):
    """The acting user may not do this (role or business unit); nothing was changed."""

    code = "E-FORBIDDEN"

    def __init__(self, message: str, *, user: str | None = None, action: str | None = None,
                 hint: str | None = None) -> None:
        self.user = user
        self.action = action
        super().__init__(message, hint=hint)


class AuthenticationError(OpmodelError):
    """Unknown user, wrong password or unknown token."""

    code = "E-AUTH"


class OptimizationError(OpmodelError):
    code = "E-SOLVER"


class InfeasibleError(OptimizationError):
    """No plan keeps every rule. ``conflicts`` names the rules found to collide (empty when
    they could not be isolated)."""

    code = "E-INFEASIBLE"
    conflicts: list[str] = []  # noqa: RUF012 - replaced per instance, never mutated


class SolverError(OptimizationError):
    code = "E-SOLVER"


class ConfidenceError(OptimizationError):
    """No plan was found (and certified) that stays within budget with the probability
    asked for; ``achieved`` is the best probability reached."""

    code = "E-CONFIDENCE"

    def __init__(self, message: str, *, achieved: float, hint: str | None = None) -> None:
        self.achieved = achieved
        super().__init__(message, hint=hint)

"""Where things are: entity kinds by the words users type, issue paths as JSON fields."""

from __future__ import annotations

import json
from typing import Any

from ..errors import Issue, UnknownIdError
from . import rows as R

_SINGULAR = {"assessment": "assessments", "capability": "capabilities",
             "initiative": "initiatives", "application": "applications",
             "business_unit": "business_units", "business-unit": "business_units",
             "stage": "stages", "objective": "objectives", "segment": "segments",
             "expectation": "expectations", "budget": "budgets",
             "application_fit": "application_fits", "decision": "decisions",
             "actual": "actuals", "user": "users"}


def resolve_kind(kind: str) -> str:
    """The row kind for a user's word: ``initiative`` → ``initiatives``."""
    kind = kind.strip()
    if kind in R.kinds() or kind == "users":
        return kind
    if kind in _SINGULAR:
        return _SINGULAR[kind]
    from difflib import get_close_matches

    close = get_close_matches(kind, [*R.kinds(), *_SINGULAR], n=1)
    raise UnknownIdError("kind of entity", kind,
                         hint=f"did you mean '{close[0]}'?" if close else
                         f"kinds: {', '.join(R.kinds())}")


class _KeyPlacer:
    """Places issue paths (``("assessments", 12, "current")``) at the entity's key in JSON
    field style: ``assessments[crm/storage].current``."""

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        self.pairs = pairs
        self._keys: dict[str, list[str]] | None = None

    def keys(self) -> dict[str, list[str]]:
        if self._keys is None:
            out: dict[str, list[str]] = {}
            for kind, data in self.pairs:
                if kind in R.list_kinds():
                    lst = out.setdefault(kind, [])
                    lst.append(R.key_of(kind, json.loads(data), len(lst)))
            self._keys = out
        return self._keys

    def place(self, issue: Issue) -> Issue:
        if issue.location is not None:
            return issue
        return issue.at(json_location(issue.path, self.keys()))


def json_location(path: tuple[Any, ...], keys: dict[str, list[str]] | None = None) -> str:
    """``("initiatives", 3, "effects", 0, "uplift")`` → ``initiatives[crm].effects[0].uplift``
    (the entity named by its key when ``keys`` gives it)."""
    out = ""
    for n, part in enumerate(path):
        if isinstance(part, int):
            if n == 1 and keys is not None and isinstance(path[0], str) and \
                    part < len(keys.get(path[0], [])):
                out += f"[{keys[path[0]][part]}]"
            else:
                out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "enterprise"

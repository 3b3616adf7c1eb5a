"""From raw data (what an adapter parsed) to a validated :class:`Enterprise` plus issues.

Shared by every adapter. Entity-level problems are reported by pydantic; the entities that
failed are then left out so that cross-entity rules can still run on the rest, without
reporting a reference to a left-out entity as unknown (no cascades). Issue paths always
index the adapter's own rows, so it can place them.
"""

from __future__ import annotations

import types
import typing
from functools import cache
from typing import Any

from pydantic import BaseModel, ValidationError

from ..errors import Issue
from ..model import Enterprise, validate
from .issues import pydantic_issues

_TABLE_KINDS = {
    "business_units": "business unit", "stages": "stage", "capabilities": "capability",
    "objectives": "objective", "segments": "segment", "expectations": "expectation",
    "assessments": "", "applications": "application", "application_fits": "", "usage": "",
    "initiatives": "initiative", "budgets": "", "decisions": "", "actuals": "",
    "assessment_history": "",
}
_POLICY_KINDS = {"teams": "team", "guardrails": ""}

Key = tuple[str, ...]


def _get(data: dict[str, Any], key: Key) -> Any:
    node: Any = data
    for k in key:
        node = node.get(k) if isinstance(node, dict) else None
    return node


def _table_key(path: tuple[Any, ...]) -> tuple[Key, int] | None:
    if len(path) >= 2 and path[0] in _TABLE_KINDS and isinstance(path[1], int):
        return (path[0],), path[1]
    if (len(path) >= 3 and path[0] == "policy" and path[1] in _POLICY_KINDS
            and isinstance(path[2], int)):
        return ("policy", path[1]), path[2]
    return None


class _Bool:
    """A ``true``/``false`` (YAML, a workbook's TRUE cell) where a number belongs. No number
    type accepts it, so pydantic reports ``cost: true is not a number`` at the field: its lax
    mode would read ``true`` as 1, and a model with ``cost: true`` would load."""

    __slots__ = ("value",)

    def __init__(self, value: bool) -> None:
        self.value = value

    def __repr__(self) -> str:
        return "true" if self.value else "false"


def _holds_numbers(ann: Any) -> bool:
    if ann is int or ann is float:
        return True
    origin = typing.get_origin(ann)
    if origin in (typing.Union, types.UnionType, typing.Annotated, tuple):
        args = typing.get_args(ann)
        return any(_holds_numbers(a) for a in (args[:1] if origin is typing.Annotated
                                               else args))
    return False


def _inner_model(ann: Any) -> type[BaseModel] | None:
    if isinstance(ann, type) and issubclass(ann, BaseModel):
        return ann
    if typing.get_origin(ann) in (tuple, list, typing.Union, types.UnionType,
                                  typing.Annotated):
        for arg in typing.get_args(ann):
            found = _inner_model(arg)
            if found is not None:
                return found
    return None


@cache
def _shape(cls: type[BaseModel]) -> tuple[tuple[str, ...], tuple[tuple[str, type[BaseModel]],
                                                                   ...]]:
    """The fields of ``cls`` that hold numbers, and those that hold other model objects."""
    numbers = tuple(n for n, f in cls.model_fields.items() if _holds_numbers(f.annotation))
    nested = tuple((n, m) for n, f in cls.model_fields.items()
                   if (m := _inner_model(f.annotation)) is not None)
    return numbers, nested


def no_bool_numbers(cls: type[BaseModel], node: Any) -> None:
    """Mark every bool given where ``cls`` (and the objects inside it) expects a number."""
    rows = node if isinstance(node, list | tuple) else (node,)
    numbers, nested = _shape(cls)
    for row in rows:
        if not isinstance(row, dict):
            continue
        for name in numbers:
            v = row.get(name)
            if v is True or v is False:
                row[name] = _Bool(v)
            elif isinstance(v, list) and any(x is True or x is False for x in v):
                row[name] = [_Bool(x) if x is True or x is False else x for x in v]
        for name, inner in nested:
            v = row.get(name)
            if isinstance(v, dict | list):
                no_bool_numbers(inner, v)


def assemble(data: dict[str, Any], cross: bool = True) -> tuple[Enterprise | None, list[Issue]]:
    """Validate ``data``; return the enterprise (None if even a partial one cannot be
    built) and every issue found. ``cross=False`` skips the cross-entity rules (use it
    when the adapter already had to skip rows or files)."""
    no_bool_numbers(Enterprise, data)
    try:
        e = Enterprise.model_validate(data)
        return e, (validate(e) if cross else [])
    except ValidationError as exc:
        issues = pydantic_issues(exc)
    bad: dict[Key, set[int]] = {}
    for issue in issues:
        hit = _table_key(issue.path)
        if hit is None:
            return None, issues  # a setting is broken: nothing sensible to cross-check
        bad.setdefault(hit[0], set()).add(hit[1])
    pruned: dict[str, Any] = dict(data)
    if "policy" in data and isinstance(data["policy"], dict):
        pruned["policy"] = dict(data["policy"])
    kept: dict[Key, list[int]] = {}
    also_known: dict[str, set[str]] = {}
    for key, idxs in bad.items():
        seq = _get(data, key)
        if not isinstance(seq, list | tuple):
            return None, issues
        kept[key] = [j for j in range(len(seq)) if j not in idxs]
        kind = (_TABLE_KINDS | _POLICY_KINDS)[key[-1]]
        if kind:
            also_known.setdefault(kind, set()).update(
                str(seq[j]["id"]) for j in idxs if isinstance(seq[j], dict) and "id" in seq[j])
        target = pruned if len(key) == 1 else pruned["policy"]
        target[key[-1]] = [seq[j] for j in kept[key]]
    try:
        e = Enterprise.model_validate(pruned)
    except ValidationError:
        return None, issues
    if not cross:
        return e, issues
    for issue in validate(e, also_known=also_known):
        hit = _table_key(issue.path)
        if hit is not None and hit[0] in kept:
            key, j = hit
            n = len(key)
            path = (*key, kept[key][j], *issue.path[n + 1:])
            issue = Issue(issue.code, issue.message, path, hint=issue.hint)
        issues.append(issue)
    return e, issues

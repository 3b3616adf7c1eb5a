"""A model as rows: one row per entity, built generically from the :class:`Enterprise`
fields, and back.

Every top-level field of the Enterprise that holds a tuple of entities (``capabilities``,
``assessments``, ``initiatives``, and whatever kinds are added later) becomes one row per
item, of ``kind`` = the field name; ``policy`` is one row; every other setting (name,
currency, horizon, scoring, …) is the one ``enterprise`` row. Each row's ``data`` is the
item's JSON with defaults left out — the same content the canonical folder files hold — so
the round trip folder → store → folder is lossless. A row's ``key`` names the entity within
its kind: its ``id``, or for the tables without one a natural key (``crm/storage`` for an
assessment of capability ``crm`` in unit ``storage``).
"""

from __future__ import annotations

import json
import typing
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from ..model import Enterprise

SETTINGS = "enterprise"
#: side files of a model folder kept in the store verbatim (key = file name, data =
#: ``{"text": …}``); not part of the Enterprise
FILES = "files"
SIDE_FILES = ("scenarios.yaml",)
#: non-tuple fields kept as a row of their own (a file of their own in the folder)
SEPARATE = ("policy",)
#: the fields that name an entity of a kind without an ``id``, joined by '/'
NATURAL_KEYS: dict[str, tuple[str, ...]] = {
    "assessments": ("capability", "business_unit"),
    "application_fits": ("application", "business_unit"),
    "usage": ("application", "business_unit", "capability"),
    "budgets": ("period", "pool"),
    "actuals": ("initiative", "quarter"),
    "assessment_history": ("capability", "business_unit", "cycle"),
}


#: kinds that no rule about another kind looks at (for errors): a changed entity of one is
#: checked against the entities it names only, and they are left out when a change to any
#: other kind is checked — so such writes cost the same on a small and a large model. A
#: kind belongs here only when that is true of the model's rules (budgets do not: an
#: initiative's pool must have budget lines).
UNREFERENCED: tuple[str, ...] = ("assessments", "application_fits")


def list_kinds() -> tuple[str, ...]:
    """The Enterprise fields that hold one entity per item, in declaration order."""
    out = []
    for name, f in Enterprise.model_fields.items():
        if typing.get_origin(f.annotation) is tuple:
            out.append(name)
    return tuple(out)


def item_model(kind: str) -> type[BaseModel]:
    """The pydantic class of one item of ``kind`` (``Assessment`` for ``assessments``)."""
    if kind == SETTINGS:
        return Enterprise
    ann = Enterprise.model_fields[kind].annotation
    if kind in SEPARATE:
        return ann  # type: ignore[return-value]
    args = typing.get_args(ann)
    return args[0]  # type: ignore[no-any-return]


def kinds() -> tuple[str, ...]:
    """Every row kind: the settings, the separate rows, then the entity lists."""
    return (SETTINGS, *SEPARATE, *list_kinds())


def key_of(kind: str, item: Any, position: int) -> str:
    """The key of ``item`` (a model object or its JSON dict) within ``kind``."""
    if kind == SETTINGS or kind in SEPARATE:
        return kind
    get = item.get if isinstance(item, dict) else lambda k, d=None: getattr(item, k, d)
    fields = NATURAL_KEYS.get(kind)
    if fields is None:
        fields = ("id",) if get("id") is not None else ()
    if fields:
        parts = []
        for f in fields:
            v = get(f)
            if v is None:  # a defaulted field left out of the JSON
                v = item_model(kind).model_fields[f].default if f in item_model(
                    kind).model_fields else None
            parts.append("" if v is None else str(v))
        if all(parts):
            return "/".join(parts)
    return f"#{position}"


@dataclass(frozen=True)
class Row:
    kind: str
    key: str
    pos: int
    data: str  # JSON text


def dump(obj: BaseModel) -> dict[str, Any]:
    return obj.model_dump(mode="json", exclude_defaults=True)


def dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=False)


def settings_dump(e: Enterprise) -> dict[str, Any]:
    skip = set(list_kinds()) | set(SEPARATE)
    full = e.model_dump(mode="json", exclude_defaults=True,
                        exclude=skip)  # type: ignore[arg-type]
    full.setdefault("name", e.name)
    return full


def to_rows(e: Enterprise) -> Iterator[Row]:
    """Every row of ``e``: the settings, the separate rows, then each list in order."""
    yield Row(SETTINGS, SETTINGS, 0, dumps(settings_dump(e)))
    for name in SEPARATE:
        yield Row(name, name, 0, dumps(dump(getattr(e, name))))
    for kind in list_kinds():
        for pos, item in enumerate(getattr(e, kind)):
            yield Row(kind, key_of(kind, item, pos), pos, dumps(dump(item)))


def document(rows: typing.Iterable[tuple[str, str]]) -> str:
    """The JSON text of a whole Enterprise from ``(kind, data)`` rows ordered by kind and
    position: pydantic parses it in one pass (faster than building Python dicts)."""
    settings = "{}"
    parts: dict[str, list[str]] = {}
    single: dict[str, str] = {}
    for kind, data in rows:
        if kind == SETTINGS:
            settings = data
        elif kind in SEPARATE:
            single[kind] = data
        else:
            parts.setdefault(kind, []).append(data)
    body = settings.strip()
    assert body.endswith("}")
    extra = [f'"{k}":{v}' for k, v in single.items()]
    extra += [f'"{k}":[{",".join(v)}]' for k, v in parts.items()]
    if not extra:
        return body
    inner = body[:-1].rstrip()
    sep = "," if inner.strip() != "{" else ""
    return inner + sep + ",".join(extra) + "}"


def raw(rows: typing.Iterable[tuple[str, str]]) -> dict[str, Any]:
    """The same document as Python data (for :func:`opmodel.io.assemble.assemble`)."""
    return typing.cast(dict[str, Any], json.loads(document(rows)))

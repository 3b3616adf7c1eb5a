"""The JSON shapes of the commands' results (``--format json``), as pydantic models.

Each top-level model is the output of one command and names itself in every document it
describes: ``{"schema": "opmodel.gaps", "version": 1, …}``. The REST API answers the same
documents for the same results (:func:`head` builds both). docs/schemas/<name>.json are
generated from these models (``opmodel schema --write docs/schemas``; a test fails when the
committed files differ). A field is added in a backwards-compatible way (readers ignore
what they do not know: every object allows more fields); a field that changes meaning or
goes away raises the version. Every nested object is described: the test suite validates
opmodel's own output, CLI and REST, against the closed form of each schema
(``json_schema(name, closed=True)``), so a field written but not described here fails.
See docs/output.md.

One module per family of commands: :mod:`.model` (validate, show), :mod:`.analysis`,
:mod:`.planning` (plan, explain, diff, frontier), :mod:`.cycle`, :mod:`.store` (history,
users, survey status, import, report) and :mod:`.errors` (``opmodel.error`` and the REST
API's error shape). No heavy libraries here: pydantic only (the model layer uses it
already).
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel

from ._base import Number, Output
from .analysis import Apps, Gaps, Heatmap, HeatmapCell, Homogeneity, Stability, Weights
from .cycle import Actuals, Archive, Decide, Decisions
from .daemon import DaemonStatus
from .errors import ApiErrorDoc, Error
from .model import Show, Validate, issue_out
from .planning import Diff, Explain, Frontier, Plan
from .store import History, ImportDryRun, Report, StoreInfo, SurveyStatus, Users

__all__ = ["OUTPUTS", "SHAPES", "VERSIONS", "Number", "Output", "document", "head",
           "inline_schema", "issue_out", "json_schema", "schemas"]

SHAPES: dict[str, type[BaseModel]] = {"api-error": ApiErrorDoc}
"""Published shapes that are not a command's result (no ``schema``/``version`` head)."""

OUTPUTS: dict[str, type[Output]] = {m.output_name: m for m in (
    Error, Validate, Show, Weights, Gaps, Heatmap, HeatmapCell, Homogeneity, Apps, Stability, Plan,
    Explain, Diff, Frontier, Decisions, Decide, Actuals, Archive, History, StoreInfo, Users,
    SurveyStatus, ImportDryRun, Report, DaemonStatus)}
"""Every result shape by the name it carries in ``schema`` (``opmodel.<name>``)."""

VERSIONS: dict[str, int] = {name: m.version_ for name, m in OUTPUTS.items()}


def json_schema(name: str, *, closed: bool = False) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of output ``name``.

    ``closed``: every object that lists its fields allows no others (maps keep their
    typed values). The published schemas are open, so that readers ignore fields added
    later; the test suite validates opmodel's own output against the closed form, so
    that every field it writes is described here."""
    if name in SHAPES:
        out = {"$schema": "https://json-schema.org/draft/2020-12/schema",
               "$id": f"https://opmodel.dev/schemas/{name}.json",
               **SHAPES[name].model_json_schema(by_alias=True)}
        return _closed(out) if closed else out
    model = OUTPUTS[name]
    s = model.model_json_schema(by_alias=True)
    props = s["properties"]
    props["schema"] = {"const": f"opmodel.{name}", "description": "opmodel.<command>",
                       "title": "Schema"}
    props["version"] = {"const": model.version_, "title": "Version",
                        "description": props["version"].get("description", "")}
    out = {"$schema": "https://json-schema.org/draft/2020-12/schema",
           "$id": f"https://opmodel.dev/schemas/{name}.json", **s}
    return _closed(out) if closed else out


def inline_schema(name: str) -> dict[str, Any]:
    """The schema of ``name`` with every ``$ref`` replaced by what it names, and without
    ``$schema``/``$id``: to embed in another document (the OpenAPI of the REST API)."""
    s = json_schema(name)
    defs = s.pop("$defs", {})
    for key in ("$schema", "$id"):
        s.pop(key, None)

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            if "$ref" in node:
                return walk(defs[node["$ref"].rsplit("/", 1)[-1]])
            return {k: walk(v) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    return walk(s)  # type: ignore[no-any-return]


def _closed(node: Any) -> Any:
    if isinstance(node, dict):
        out = {k: _closed(v) for k, v in node.items()}
        if "properties" in out:
            out["additionalProperties"] = False
        return out
    if isinstance(node, list):
        return [_closed(v) for v in node]
    return node


def schemas() -> dict[str, str]:
    """Every schema as the text of its file in docs/schemas/, by file name."""
    return {f"{name}.json": json.dumps(json_schema(name), indent=2, sort_keys=True) + "\n"
            for name in sorted([*OUTPUTS, *SHAPES])}


def head(name: str, data: dict[str, Any]) -> dict[str, Any]:
    """``data`` as the document of output ``name``: ``schema`` and ``version`` in front,
    strict JSON values (no NaN, plain numbers). The command line (``--format json``) and
    the REST API answer with this same document for the same result."""
    from ..jsonable import clean

    return clean({"schema": f"opmodel.{name}", "version": VERSIONS[name], **data})


def document(name: str, data: dict[str, Any]) -> bytes:
    """``data`` as the JSON document of output ``name`` (:func:`head`), indented, UTF-8."""
    from ..jsonable import default

    return (json.dumps(head(name, data), indent=2, ensure_ascii=False, default=default)
            + "\n").encode()

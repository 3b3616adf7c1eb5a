"""How long a text the REST API takes, checked before anything is looked up or written.

- an **id** (a path parameter of a write, or ``id`` in a body): at most :data:`MAX_ID`
  characters, no control characters;
- a **name** (``name`` at any depth of a body): at most :data:`MAX_NAME`;
- any **other text** (descriptions, rationales, notes, ``why``, list items …): at most
  :data:`MAX_TEXT`, what an Excel cell holds — an entity the API accepts can always be
  exported to a workbook (which refuses longer text rather than cut it).

A text over its bound is a ``422`` at its field (``E-LENGTH``), as every other invalid
input; docs/reliability.md lists the sizes.
"""

from __future__ import annotations

from typing import Any

from .errors import ApiError

MAX_ID = 200
"""Characters of an id (as of a user name)."""
MAX_KEY = 400
"""Characters of a key of several ids joined with ``/`` (the store's bound on a key:
``opmodel.actions`` refuses a longer one)."""
MAX_NAME = 200
"""Characters of a name."""
MAX_TEXT = 32_767
"""Characters of any other text: an Excel cell's (``opmodel.io.xlsx.EXCEL_CELL``, not
imported here: it would load openpyxl with the server)."""


def _quoted(text: str, width: int = 40) -> str:
    from ..io.safefile import excerpt

    return f"'{excerpt(text, width)}'"


def id_problem(text: str) -> str | None:
    """Why ``text`` cannot be an id (None: it may be one)."""
    if len(text) > MAX_ID:
        return f"{len(text):,} characters; an id has at most {MAX_ID}"
    if any(ord(c) < 32 or ord(c) == 127 for c in text):
        return "holds a control character; an id is letters, digits, '_', '.' and '-'"
    return None


def check_path(path_params: dict[str, Any]) -> None:
    """Refuse (422 at ``path.NAME``) every path parameter of a write that cannot be an
    id, and a key of several ids (``/usage/{application}/{business_unit}/{capability}``)
    longer than :data:`MAX_KEY` joined (at its last part)."""
    errs = []
    for name, value in path_params.items():
        problem = id_problem(str(value))
        if problem is not None:
            errs.append({"code": "E-LENGTH" if "characters" in problem else "E-VALUE",
                         "field": f"path.{name}",
                         "message": f"{name} {_quoted(str(value))}: {problem}"})
    key = "/".join(str(v) for v in path_params.values())
    if not errs and len(key) > MAX_KEY:
        last = list(path_params)[-1]
        errs.append({"code": "E-LENGTH", "field": f"path.{last}",
                     "message": f"the key {_quoted(key)}: {len(key):,} characters "
                                f"together; a key has at most {MAX_KEY}"})
    _raise(errs)


def check_ids(body: dict[str, Any], names: tuple[str, ...]) -> None:
    """Refuse (422 at ``body.NAME``) each of the ``names`` of ``body`` that cannot be an id
    (those that make the id of what is written: a decision's cycle and initiative)."""
    errs = []
    for name in names:
        value = body.get(name)
        problem = id_problem(value) if isinstance(value, str) else None
        if problem is not None:
            errs.append({"code": "E-LENGTH" if "characters" in problem else "E-VALUE",
                         "field": f"body.{name}",
                         "message": f"{name} {_quoted(value)}: {problem}"})
    _raise(errs)


def check_body(value: Any, where: str = "body") -> None:
    """Refuse (422, every one at its field) each text of a JSON body over its bound."""
    _raise(_over(value, where, None))


def form_issues(prefix: str, fields: dict[str, Any], **texts: Any) -> list[Any]:
    """The same bounds for the web app's forms: an issue (``E-LENGTH``) located at
    ``prefix.field`` (``initiatives[crm].description``, as the model's own messages are) for
    each text of ``fields`` and of ``texts`` (``why``, ``rationale``) over its bound."""
    from ..errors import Issue

    found = _over(fields, prefix, None)
    for k, v in texts.items():
        found += _over(v, f"{prefix}.{k}" if prefix else k, k)
    return [Issue(e["code"], e["message"], ()).at(e["field"]) for e in found]


def _over(value: Any, where: str, key: str | None) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    if isinstance(value, str):
        if key == "id":
            problem = id_problem(value)
            if problem is not None:
                out.append({"code": "E-LENGTH" if "characters" in problem else "E-VALUE",
                            "field": where, "message": f"id {_quoted(value)}: {problem}"})
            return out
        limit, what = (MAX_NAME, "a name") if key == "name" else (MAX_TEXT, "a text")
        if len(value) > limit:
            label = key or where.rsplit(".", 1)[-1]
            out.append({"code": "E-LENGTH", "field": where,
                        "message": f"{label}: {len(value):,} characters; {what} has at most "
                                   f"{limit:,}" + ("" if key == "name" else
                                                   " (what an Excel cell holds)")})
    elif isinstance(value, dict):
        for k, v in value.items():
            here = (f"{where}.{k}" if where else k) if isinstance(k, str) else where
            out += _over(v, here, k if isinstance(k, str) else None)
    elif isinstance(value, list):
        for n, v in enumerate(value):
            out += _over(v, f"{where}.{n}", None)
    return out


def _raise(errs: list[dict[str, Any]]) -> None:
    if errs:
        raise ApiError(422, f"{errs[0]['field']}: {errs[0]['message']}",
                       code=errs[0]["code"], errors=errs)

"""What a JSON body of a write may hold: an object, text that is text (no lone surrogate),
JSON types as the entity's fields want them (``true`` is not 1, ``20270101`` is not a date),
text within its bounds (:mod:`opmodel.web.bounds`). Every refusal is a 422 at its field."""

from __future__ import annotations

import typing
from typing import Any

from .bounds import check_body
from .errors import ApiError


def body_object(body: Any, what: str = "body") -> dict[str, Any]:
    if not isinstance(body, dict):
        raise ApiError(422, f"{what}: expected a JSON object", code="E-TYPE",
                       errors=[{"code": "E-TYPE", "field": what,
                                "message": "expected a JSON object"}])
    bad = _not_text(body, what)
    if bad:
        raise ApiError(422, f"{bad[0]['field']}: {bad[0]['message']}", code="E-TYPE",
                       errors=bad)
    check_body(body, what)
    return dict(body)


def _not_text(value: Any, where: str) -> list[dict[str, Any]]:
    """Every string (key or value) of a JSON body that is not text: JSON may spell a lone
    UTF-16 surrogate (``"\\ud800"``), which no text field can hold (UTF-8, the database)."""
    out: list[dict[str, Any]] = []
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            out.append({"code": "E-TYPE", "field": where,
                        "message": "not valid text (a lone UTF-16 surrogate)"})
    elif isinstance(value, dict):
        for k, v in value.items():
            here = f"{where}.{k}"
            if _not_text(k, where):
                here = f"{where}.{k.encode('utf-8', 'backslashreplace').decode()}"
                out.append({"code": "E-TYPE", "field": here,
                            "message": "the name is not valid text (a lone UTF-16 "
                                       "surrogate)"})
            out += _not_text(v, here)
    elif isinstance(value, list):
        for n, v in enumerate(value):
            out += _not_text(v, f"{where}.{n}")
    return out


def shown(value: Any, width: int = 80) -> str:
    """A value in a message, as JSON (``null``, ``"text"``, ``2.5``), cut to ``width``
    characters: the values themselves are in ``yours`` and ``current``."""
    import json

    from ..jsonable import clean

    text = json.dumps(clean(value), ensure_ascii=False, default=str)
    return text if len(text) <= width else text[:width - 1] + "…"


def _accepts(annotation: Any, types: tuple[type, ...]) -> bool:
    """Whether a field of this annotation takes a JSON value of one of ``types`` as such
    (``float | None`` takes a number; ``Literal["a"]``, ``str``, ``date`` do not)."""
    if annotation in types:
        return True
    if typing.get_origin(annotation) is typing.Literal:
        return any(type(a) in types for a in typing.get_args(annotation))
    return any(_accepts(a, types) for a in typing.get_args(annotation))


def strict_types(kind: str, body: dict[str, Any]) -> None:
    """JSON true/false where the entity wants a number or text, and a number where it wants
    text or a date, are wrong types (the model itself is lenient, as a CSV cell must be: it
    read ``"date": 20270101`` as seconds since 1970 and answered pydantic's words)."""
    from ..store.rows import item_model

    try:
        fields = item_model(kind).model_fields
    except (KeyError, IndexError):
        return
    errs = []
    for k, v in body.items():
        if k not in fields:
            continue
        ann = fields[k].annotation
        if isinstance(v, bool):
            wrong = not _accepts(ann, (bool,))
        else:
            wrong = isinstance(v, int | float) and not _accepts(ann, (int, float))
        if wrong:
            errs.append({"code": "E-TYPE", "field": f"body.{k}",
                         "message": f"{k}: {shown(v)} is not {_type_name(ann)}"})
    if errs:
        raise ApiError(422, f"{errs[0]['field']}: {errs[0]['message']}", code="E-TYPE",
                       errors=errs)


def _type_name(annotation: Any) -> str:
    import datetime as dt

    if _accepts(annotation, (int, float)):
        return "a number"
    if _accepts(annotation, (dt.date, dt.datetime)):
        return "a date (YYYY-MM-DD)"
    for a in (annotation, *typing.get_args(annotation)):
        if typing.get_origin(a) in (tuple, list):
            return "a list"
        if isinstance(a, type) and hasattr(a, "model_fields"):
            return "an object"
    if _accepts(annotation, (bool,)) and not _accepts(annotation, (str,)):
        return "true or false"
    return "text"

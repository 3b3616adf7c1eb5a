"""Turning pydantic's error list into opmodel issues (codes, readable messages, hints).

Shared by every adapter: each one only has to say where an element path lives in its files.
"""

from __future__ import annotations

import math
import re
import types
import typing
from difflib import get_close_matches
from typing import Any

from pydantic import BaseModel, ValidationError

from ..errors import Issue, PathPart
from ..model import Enterprise
from ..model.base import MAX_AMOUNT, PATTERN_ISSUES
from .safefile import excerpt

_TYPE_CODES = {
    "missing": "E-MISSING",
    "extra_forbidden": "E-UNKNOWN",
    "string_too_short": "E-MISSING",
    "literal_error": "E-VALUE",
    "greater_than_equal": "E-RANGE",
    "greater_than": "E-RANGE",
    "less_than_equal": "E-RANGE",
    "less_than": "E-RANGE",
}


def _model_at(path: tuple[PathPart, ...]) -> type[BaseModel] | None:
    """The model class that holds the field at the end of ``path`` (walks annotations)."""
    cls: type[BaseModel] = Enterprise
    for part in path:
        if isinstance(part, int):
            continue
        field = cls.model_fields.get(part)
        if field is None:
            return None
        nxt = _inner_model(field.annotation)
        if nxt is None:
            return None
        cls = nxt
    return cls


def _inner_model(ann: Any) -> type[BaseModel] | None:
    if isinstance(ann, type) and issubclass(ann, BaseModel):
        return ann
    origin = typing.get_origin(ann)
    if origin in (tuple, list, typing.Union, types.UnionType, typing.Annotated):
        for arg in typing.get_args(ann):
            found = _inner_model(arg)
            if found is not None:
                return found
    return None


# what pydantic's str_strip_whitespace removes (Unicode White_Space): Python's str.strip()
# also removes \x1c-\x1f, which pydantic keeps
_STRIPPED = "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006" \
    "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"


def _checked_text(value: Any) -> str:
    """The text a pattern was matched against: the input after pydantic's stripping and its
    ``coerce_numbers_to_str``."""
    if isinstance(value, bytes | bytearray):
        value = bytes(value).decode("utf-8", errors="replace")
    return value.strip(_STRIPPED) if isinstance(value, str) else str(value)


def _show(value: Any) -> str:
    if isinstance(value, str):
        return f"'{excerpt(value, 58)}'"
    return excerpt(repr(value), 60)


def _decimal_comma(value: Any) -> str | None:
    """The hint for a number written with a decimal comma (`2,5`, as a spreadsheet in many
    locales writes it), or None."""
    if not isinstance(value, str) or not re.fullmatch(r"-?\d+,\d+", value.strip()):
        return None
    whole, frac = value.strip().split(",")
    if len(frac) == 3:  # 1,200: a thousands separator or a decimal comma
        return f"write {whole}{frac} (no thousands separator) or {whole}.{frac} (a point)"
    return f"a decimal comma? write {whole}.{frac}, with a point"


def pydantic_issues(err: ValidationError, prefix: tuple[PathPart, ...] = ()) -> list[Issue]:
    """One issue per pydantic error, with opmodel codes and messages naming the field."""
    out: list[Issue] = []
    for e in err.errors(include_url=False):
        loc = prefix + tuple(p for p in e["loc"] if not (isinstance(p, str) and "[" in p))
        etype: str = e["type"]
        field = next((p for p in reversed(loc) if isinstance(p, str)), "value")
        hint = None
        if etype.startswith(("E-", "W-")):
            code, msg = etype, e["msg"]
            if code == "E-MISSING" and not loc[len(prefix):]:
                msg = e["msg"]
        elif etype == "string_pattern_mismatch" and (
                (e.get("ctx") or {}).get("pattern") in PATTERN_ISSUES):
            code, template = PATTERN_ISSUES[e["ctx"]["pattern"]]  # ids and quarters
            msg = template.replace("{value}", excerpt(_checked_text(e.get("input"))))
        elif etype == "missing":
            code, msg = "E-MISSING", f"required field '{field}' is missing"
        elif etype == "extra_forbidden":
            code = "E-UNKNOWN"
            known = list((_model_at(loc[:-1]) or Enterprise).model_fields)
            close = get_close_matches(str(field), known, n=1, cutoff=0.6)
            msg = f"unknown key '{excerpt(str(field))}'"
            hint = f"did you mean '{close[0]}'?" if close else f"known keys: {', '.join(known)}"
            if e.get("input") is None and not close:
                hint = ("a comma inside a {…} mapping splits the value: put the value in "
                        "quotes, or " + hint)
        elif etype == "literal_error":
            code = "E-VALUE"
            expected = (e.get("ctx") or {}).get("expected", "")
            msg = f"{field}: {_show(e.get('input'))} is not one of {expected}"
            options = [o.strip(" '") for o in str(expected).replace(" or ", ", ").split(",")]
            close = get_close_matches(str(e.get("input")), options, n=1, cutoff=0.6)
            hint = f"did you mean '{close[0]}'?" if close else None
        elif etype.endswith("_parsing") or etype.endswith("_type") or etype in (
            "int_from_float", "bool_parsing", "date_from_datetime_parsing"
        ):
            code = "E-TYPE"
            want = etype.split("_")[0].replace("float", "number").replace("int", "whole number")
            want = {"tuple": "list", "model": "mapping", "dict": "mapping"}.get(want, want)
            msg = f"{field}: {_show(e.get('input'))} is not a {want}"
            hint = _decimal_comma(e.get("input")) if "number" in want else None
        elif etype == "finite_number":
            code = "E-RANGE"
            msg = f"{field}: {_show(e.get('input'))} is not a finite number"
            hint = "NaN and infinity are not amounts; write an ordinary number"
        elif etype in _TYPE_CODES:
            code = _TYPE_CODES[etype]
            ctx = e.get("ctx") or {}
            bound = next(iter(ctx.values()), None)
            words = {"greater_than_equal": "at least", "greater_than": "above",
                     "less_than_equal": "at most", "less_than": "below"}
            if etype in words:
                shown = f"{bound:g}" if isinstance(bound, float) else bound
                msg = f"{field}: {_show(e.get('input'))} must be {words[etype]} {shown}"
                if bound == 0 and etype == "greater_than_equal":
                    msg = f"{field}: {_show(e.get('input'))} is negative; it must be at least 0"
                elif isinstance(bound, int | float) and abs(bound) == MAX_AMOUNT:
                    limit = f"{'-' if bound < 0 else ''}1e{round(math.log10(MAX_AMOUNT))}"
                    msg = (f"{field}: {_show(e.get('input'))} is beyond {limit}, the largest "
                           "amount a model may hold")
                    hint = "amounts are in the model's currency unit, as set in enterprise.yaml"
            else:
                msg = f"{field}: {e['msg'].lower()}"
        else:
            code, msg = "E-VALUE", f"{field}: {e['msg']}"
        out.append(Issue(code, msg, loc, hint=hint))
    return out

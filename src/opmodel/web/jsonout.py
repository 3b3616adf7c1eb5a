"""JSON answers: strict JSON (no NaN), numpy values as plain numbers, and cached bytes.

A result the command line also prints (gaps, heat map, plan, explain, diff, …) is answered
as the same document (:func:`document`: ``schema`` and ``version`` in front, the shape of
:mod:`opmodel.outputs`, published in docs/schemas/), compact instead of indented."""

from __future__ import annotations

import functools
import hashlib
import json
from typing import Any

from fastapi import Request
from fastapi.responses import Response

from ..jsonable import clean, default


def dumps(data: Any) -> bytes:
    return json.dumps(clean(data), ensure_ascii=False, allow_nan=False,
                      separators=(",", ":"), default=default).encode()


def document(name: str, data: dict[str, Any]) -> bytes:
    """``data`` as the document of output ``name`` (:func:`opmodel.outputs.head`), as the
    command line's ``--format json`` prints it, compact."""
    from ..outputs import head

    return dumps(head(name, data))


def ok(name: str) -> dict[int | str, dict[str, Any]]:
    """``responses=`` of a route answering output ``name``: /openapi.json shows its schema
    (the published docs/schemas/<name>.json, inlined)."""
    return {200: {"description": f"The opmodel.{name} document, as `--format json` prints "
                                 f"it (docs/schemas/{name}.json)",
                  "content": {"application/json": {"schema": json.loads(_schema(name))}}}}


@functools.cache
def _schema(name: str) -> str:
    from ..outputs import inline_schema

    return json.dumps(inline_schema(name))


def etag_of(payload: bytes) -> str:
    return '"' + hashlib.sha256(payload).hexdigest()[:20] + '"'


class JsonBytes(Response):
    media_type = "application/json"


def answer(request: Request, payload: bytes, *, etag: str | None = None,
           status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """``payload`` as a JSON response with an ETag; 304 when the client has it already."""
    tag = etag or etag_of(payload)
    h = {"ETag": tag, **(headers or {})}
    inm = request.headers.get("if-none-match")
    if inm is not None and status == 200 and tag in [t.strip() for t in inm.split(",")]:
        return Response(status_code=304, headers=h)
    return JsonBytes(payload, status_code=status, headers=h)

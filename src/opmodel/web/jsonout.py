"""JSON answers: strict JSON (no NaN), numpy values as plain numbers, and cached bytes."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from fastapi import Request
from fastapi.responses import Response

from ..jsonable import clean, default


def dumps(data: Any) -> bytes:
    return json.dumps(clean(data), ensure_ascii=False, allow_nan=False,
                      separators=(",", ":"), default=default).encode()


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

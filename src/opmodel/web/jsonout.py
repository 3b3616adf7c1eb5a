"""JSON answers: strict JSON (no NaN), numpy values as plain numbers, and cached bytes."""

from __future__ import annotations

import hashlib
import json
import math
from typing import Any

from fastapi import Request
from fastapi.responses import Response


def clean(x: Any) -> Any:
    """``x`` with non-finite floats as None and numpy scalars as Python numbers."""
    if isinstance(x, float):
        return x if math.isfinite(x) else None
    if isinstance(x, dict):
        return {str(k): clean(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [clean(v) for v in x]
    if hasattr(x, "item") and not isinstance(x, str | bytes):
        return clean(x.item())
    return x


def _default(o: Any) -> Any:
    if hasattr(o, "item"):
        return o.item()
    if hasattr(o, "isoformat"):
        return o.isoformat()
    return str(o)


def dumps(data: Any) -> bytes:
    return json.dumps(clean(data), ensure_ascii=False, allow_nan=False,
                      separators=(",", ":"), default=_default).encode()


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

"""Data as strict JSON: non-finite floats as null, numpy scalars as Python numbers, dates as
ISO text. Shared by the command line's ``--format json`` and the REST API (no heavy imports)."""

from __future__ import annotations

import math
from typing import Any


def clean(x: Any) -> Any:
    """``x`` with NaN and infinities as None and numpy scalars as Python numbers."""
    if isinstance(x, float):
        return x if math.isfinite(x) else None
    if isinstance(x, dict):
        return {str(k): clean(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [clean(v) for v in x]
    if hasattr(x, "item") and not isinstance(x, str | bytes):
        return clean(x.item())
    return x


def default(o: Any) -> Any:
    """``json.dumps``'s fallback: numpy scalars, dates and times, else the text."""
    if hasattr(o, "item"):
        return o.item()
    if hasattr(o, "isoformat"):
        return o.isoformat()
    return str(o)

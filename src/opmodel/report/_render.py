"""Render one Vega-Lite spec to SVG and PNG files (run in worker processes: imports only
vl-convert, so a worker starts fast)."""

from __future__ import annotations

import os
from typing import Any

PNG_SCALE = 2.0


def render_one(name: str, spec: dict[str, Any], folder: str, vl_version: str) -> list[str]:
    """Write ``folder/name.svg`` and ``folder/name.png``; returns their paths."""
    import vl_convert as vlc

    # files for slides and documents: no ARIA descriptions (a third of the size, faster)
    spec = {**spec, "config": {**spec.get("config", {}), "aria": False}}
    svg = vlc.vegalite_to_svg(spec, vl_version=vl_version)
    png = vlc.svg_to_png(svg, scale=PNG_SCALE)
    out = []
    for ext, payload in (("svg", svg.encode()), ("png", bytes(png))):
        p = os.path.join(folder, f"{name}.{ext}")
        with open(p, "wb") as fh:
            fh.write(payload)
        out.append(p)
    return out

"""Render Vega-Lite specs to SVG and PNG files, in worker processes.

The SVG is rendered once and the PNG is rasterised from it (``svg_to_png``): one Vega run per
chart. PNGs are drawn at :data:`PNG_SCALE` (sharp on slides and high-density screens), less
for very large charts so that no PNG exceeds :data:`MAX_PNG_PIXELS`.

A worker is this file run as a script (``python -P _render.py VL_VERSION``): it imports
vl-convert and nothing of opmodel (nor the caller's main module, as ``multiprocessing``
would), so it is ready as soon as the JavaScript engine has started. It reads tasks
``(name, spec, folder)`` from stdin and writes one result ``(name, paths, error,
cpu_seconds)`` to stdout per task, each a length-prefixed pickle (between two processes of
the same report; nothing else reads or writes these pipes).
"""

from __future__ import annotations

import contextlib
import math
import os
import pickle
import re
import struct
import sys
import time
import traceback
from typing import IO, Any

PNG_SCALE = 2.0
MAX_PNG_PIXELS = 4_000_000
"""Pixels of the largest PNG: a 60-capability heat map is drawn at about 1.5× instead of 2×
(rasterising and compressing cost time in proportion to the pixels)."""

_SIZE = re.compile(r'<svg[^>]*?\swidth="([\d.]+)"[^>]*?\sheight="([\d.]+)"')
_LEN = struct.Struct("<Q")


def for_files(spec: dict[str, Any]) -> dict[str, Any]:
    """``spec`` as drawn into files: no tooltips (a file cannot show them) and no ARIA
    descriptions (a third of the SVG's size); everything drawn stays the same."""

    def strip(x: Any) -> Any:
        if isinstance(x, dict):  # inline data ("values") is passed as it is
            return {k: v if k == "values" else strip(v) for k, v in x.items()
                    if k != "tooltip"}
        if isinstance(x, list):
            return [strip(v) for v in x]
        return x

    out = strip(spec)
    out["config"] = {**out.get("config", {}), "aria": False}
    return out


def png_scale(svg: str) -> float:
    """:data:`PNG_SCALE`, or less for an SVG larger than :data:`MAX_PNG_PIXELS` at that scale
    (never below 1)."""
    m = _SIZE.search(svg[:2000])
    if not m:
        return PNG_SCALE
    w, h = float(m.group(1)), float(m.group(2))
    if w * h * PNG_SCALE ** 2 <= MAX_PNG_PIXELS:
        return PNG_SCALE
    return max(1.0, round(math.sqrt(MAX_PNG_PIXELS / (w * h)), 2))


def render_one(name: str, spec: dict[str, Any], folder: str, vl_version: str) -> list[str]:
    """Write ``folder/name.svg`` and ``folder/name.png``; returns their paths."""
    import vl_convert as vlc

    svg = vlc.vegalite_to_svg(for_files(spec), vl_version=vl_version)
    png = vlc.svg_to_png(svg, scale=png_scale(svg))
    out = []
    for ext, payload in (("svg", svg.encode()), ("png", bytes(png))):
        p = os.path.join(folder, f"{name}.{ext}")
        with open(p, "wb") as fh:
            fh.write(payload)
        out.append(p)
    return out


def send(stream: IO[bytes], obj: Any) -> None:
    """Write one length-prefixed pickle."""
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_LEN.pack(len(data)) + data)
    stream.flush()


def receive(stream: IO[bytes]) -> Any:
    """Read one length-prefixed pickle; None at the end of the stream."""
    head = stream.read(_LEN.size)
    if len(head) < _LEN.size:
        return None
    (n,) = _LEN.unpack(head)
    data = stream.read(n)
    if len(data) < n:
        return None
    return pickle.loads(data)  # written by the report process that started this one


_WARM_UP = {"data": {"values": [{"a": 1}]}, "mark": "point",
            "encoding": {"x": {"field": "a", "type": "quantitative"}}}


def serve(tasks: IO[bytes], results: IO[bytes], vl_version: str) -> None:
    """Start vl-convert's engine (about a second: done while the first task is on its way),
    then render tasks until the input ends."""
    import vl_convert as vlc

    with contextlib.suppress(Exception):  # an error shows again, with a chart's name
        vlc.vegalite_to_svg(_WARM_UP, vl_version=vl_version)
    while True:
        task = receive(tasks)
        if task is None:
            return
        name, spec, folder = task
        t0 = time.process_time()
        try:
            out = (name, render_one(name, spec, folder, vl_version), None)
        except Exception as exc:  # reported by the parent, with the chart's name
            out = (name, [], f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}")
        send(results, (*out, time.process_time() - t0))


if __name__ == "__main__":
    serve(sys.stdin.buffer, sys.stdout.buffer, sys.argv[1])

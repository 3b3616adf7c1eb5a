"""The "Capability heat map" view of an ArchiMate export.

One column per value-chain stage, left to right in stage order; in each column the stage's
capabilities stacked top to bottom, children nested inside their parent. Each capability
box is filled from the priority heat map (the highest priority of the capability over the
business units, DESIGN §2), so a user opening the file in Archi sees the heat map at once.
A legend explains the colours without any ArchiMate knowledge. Coordinates are absolute,
as the exchange format wants.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from lxml import etree

from ..errors import OpmodelError
from ..model import Capability, Enterprise

NS = "http://www.opengroup.org/xsd/archimate/3.0/"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

COL_W, LEAF_H, HEAD_H, PAD, GAP, STAGE_HEAD = 200, 50, 28, 8, 8, 44
MARGIN, COL_GAP = 20, 24
GREY = (217, 217, 217)
# ColorBrewer YlOrRd, from "no priority" to "highest"
STOPS = ((255, 255, 204), (254, 217, 118), (253, 141, 60), (227, 26, 28), (128, 0, 38))


def _q(tag: str) -> str:
    return f"{{{NS}}}{tag}"


def priorities(e: Enterprise) -> dict[str, float]:
    """Highest priority over the business units per capability (only assessed cells); a
    capability nobody assessed itself takes the highest priority among its descendants."""
    try:
        from ..analysis.scoring import score

        s = score(e)
    except (OpmodelError, ImportError, ValueError):  # pragma: no cover - no scores, no colour
        return {}
    out: dict[str, float] = {}
    for k, cap in enumerate(s.capabilities):
        row = [float(v) for v in s.priority[k] if not math.isnan(float(v))]
        if row:
            out[cap] = max(row)
    kids: dict[str, list[str]] = {}
    for c in e.capabilities:
        if c.parent is not None:
            kids.setdefault(c.parent, []).append(c.id)

    def rolled(cap: str, seen: frozenset[str]) -> float | None:
        if cap in out:
            return out[cap]
        found = [v for k in kids.get(cap, []) if k not in seen
                 if (v := rolled(k, seen | {k})) is not None]
        return max(found) if found else None

    for c in e.capabilities:  # a parent nobody assessed shows its highest child
        if c.id not in out and (v := rolled(c.id, frozenset({c.id}))) is not None:
            out[c.id] = v
    return out


def colour(t: float | None) -> tuple[int, int, int]:
    """Fill for a priority scaled to 0–1 (None: not assessed)."""
    if t is None:
        return GREY
    t = min(max(t, 0.0), 1.0) * (len(STOPS) - 1)
    k = min(int(t), len(STOPS) - 2)
    f = t - k
    a, b = STOPS[k], STOPS[k + 1]
    return tuple(round(x + (y - x) * f) for x, y in zip(a, b, strict=True))  # type: ignore


@dataclass
class _Box:
    cap: Capability
    kids: list[_Box]
    h: int = LEAF_H


def _size(box: _Box, depth: int) -> int:
    if not box.kids:
        box.h = LEAF_H
    else:
        box.h = HEAD_H + sum(_size(k, depth + 1) + GAP for k in box.kids) + PAD - GAP + PAD
    return box.h


def _label(parent: etree._Element, text: str) -> None:
    el = etree.SubElement(parent, _q("label"))
    el.set(XML_LANG, "en")
    el.text = text


def _style(node: etree._Element, fill: tuple[int, int, int], dark: bool = False,
           bold: bool = False, size: int = 9) -> None:
    st = etree.SubElement(node, _q("style"))
    line = etree.SubElement(st, _q("lineColor"))
    line.set("r", "92"), line.set("g", "92"), line.set("b", "92")
    fc = etree.SubElement(st, _q("fillColor"))
    fc.set("r", str(fill[0])), fc.set("g", str(fill[1])), fc.set("b", str(fill[2]))
    font = etree.SubElement(st, _q("font"))
    font.set("name", "Sans"), font.set("size", str(size))
    if bold:
        font.set("style", "bold")
    col = etree.SubElement(font, _q("color"))
    v = "255" if dark else "0"
    col.set("r", v), col.set("g", v), col.set("b", v)


def heatmap_view(e: Enterprise, element_id: Callable[[str, str], str],
                 new_id: Callable[[str], str]) -> etree._Element:
    """The ``<view>`` element; ``element_id(kind, id)`` gives an element's identifier."""
    pri = priorities(e)
    top = max(pri.values(), default=0.0)
    view = etree.Element(_q("view"))
    view.set("identifier", new_id("view"))
    view.set(f"{{{XSI}}}type", "Diagram")
    name = etree.SubElement(view, _q("name"))
    name.set(XML_LANG, "en")
    name.text = "Capability heat map"
    doc = etree.SubElement(view, _q("documentation"))
    doc.set(XML_LANG, "en")
    doc.text = ("Capabilities by value-chain stage, coloured by priority: the highest "
                "priority of the capability over the business units (weighted gap, "
                "0–1). Written by opmodel.")
    ids = {c.id for c in e.capabilities}
    kids: dict[str | None, list[Capability]] = {}
    for c in e.capabilities:
        kids.setdefault(c.parent if c.parent in ids and c.parent != c.id else None,
                        []).append(c)
    seen: set[str] = set()

    def tree(c: Capability) -> _Box:
        seen.add(c.id)
        return _Box(c, [tree(k) for k in kids.get(c.id, []) if k.id not in seen])

    columns: list[tuple[str, list[_Box]]] = []
    for s in e.ordered_stages:
        roots = [tree(c) for c in kids.get(None, []) if c.stage == s.id and c.id not in seen]
        columns.append((s.id, roots))
    tallest = 0
    for _, roots in columns:
        tallest = max(tallest, sum(_size(b, 1) + GAP for b in roots))

    def place(parent: etree._Element, box: _Box, x: int, y: int, w: int) -> None:
        node = etree.SubElement(parent, _q("node"))
        node.set("identifier", new_id("node"))
        node.set("elementRef", element_id("capability", box.cap.id))
        node.set(f"{{{XSI}}}type", "Element")
        node.set("x", str(x)), node.set("y", str(y))
        node.set("w", str(w)), node.set("h", str(box.h))
        p = pri.get(box.cap.id)
        t = None if p is None else (p / top if top > 0 else 0.0)
        _style(node, colour(t), dark=t is not None and t > 0.6, bold=bool(box.kids))
        cy = y + HEAD_H
        for k in box.kids:
            place(node, k, x + PAD, cy, w - 2 * PAD)
            cy += k.h + GAP

    depth = max((e.capability_level(c.id) for c in e.capabilities), default=1) \
        if e.capabilities else 1
    col_w = COL_W + 2 * PAD * (min(depth, 4) - 1)
    x = MARGIN
    for stage_id, roots in columns:
        stage = etree.SubElement(view, _q("node"))
        stage.set("identifier", new_id("node"))
        stage.set("elementRef", element_id("stage", stage_id))
        stage.set(f"{{{XSI}}}type", "Element")
        stage.set("x", str(x)), stage.set("y", str(MARGIN))
        stage.set("w", str(col_w + 2 * PAD))
        stage.set("h", str(STAGE_HEAD + tallest + PAD))
        _style(stage, (235, 241, 250), bold=True, size=10)
        y = MARGIN + STAGE_HEAD
        for b in roots:
            place(stage, b, x + PAD, y, col_w)
            y += b.h + GAP
        x += col_w + 2 * PAD + COL_GAP
    _legend(view, new_id, MARGIN, MARGIN + STAGE_HEAD + tallest + PAD + 30, top, e)
    return view


def _legend(view: etree._Element, new_id: Callable[[str], str], x: int, y: int, top: float,
            e: Enterprise) -> None:
    note = etree.SubElement(view, _q("node"))
    note.set("identifier", new_id("node"))
    note.set(f"{{{XSI}}}type", "Label")
    note.set("x", str(x)), note.set("y", str(y)), note.set("w", "560"), note.set("h", "64")
    _label(note, "How to read this map: each box is a capability, placed under its value-chain "
           "stage. Its colour is its priority — the weighted gap between current and target "
           f"maturity in the business unit where it is largest ({len(e.business_units)} "
           "units assessed; a parent nobody assessed shows its highest child). Pale yellow: "
           "little to gain; dark red: the highest priority in the model. Grey: not assessed.")
    _style(note, (255, 255, 255))
    steps = [0.0, 0.25, 0.5, 0.75, 1.0]
    sx = x + 580
    for t in [None, *steps]:
        sw = etree.SubElement(view, _q("node"))
        sw.set("identifier", new_id("node"))
        sw.set(f"{{{XSI}}}type", "Label")
        sw.set("x", str(sx)), sw.set("y", str(y)), sw.set("w", "90"), sw.set("h", "40")
        _label(sw, "not assessed" if t is None else f"priority {t * top:.2f}")
        _style(sw, colour(t), dark=t is not None and t > 0.6)
        sx += 96

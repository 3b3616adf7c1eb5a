"""What the ArchiMate reader's parts share: the element record, the reader's state (issues,
places, the mapping and its tally) and the fast walks over names and properties."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lxml import etree

from ..errors import Issue, PathPart
from .archimate_map import DEFAULT, Mapping, Tally
from .archimate_view import NS, XML_LANG, XSI
from .tables import ASSESSMENTS


def _q(tag: str) -> str:
    return f"{{{NS}}}{tag}"


KINDS = DEFAULT.kinds()
"""Element type → opmodel kind in the default mapping (see :mod:`.archimate_map`)."""
BEHAVIOUR = frozenset({"ApplicationService", "ApplicationInterface", "ApplicationFunction",
                       "ApplicationProcess"})
"""An application's own behaviour: an application serves what its services serve."""
BUSINESS = frozenset({"BusinessProcess", "BusinessFunction", "BusinessInteraction",
                      "BusinessRole"})
"""Business behaviour (and roles) between an application that serves it and the unit that
performs it or the capability it is part of (when not mapped to an opmodel kind)."""


@dataclass
class _El:
    ident: str
    kind: str
    name: str
    doc: str | None
    props: dict[str, str]
    line: int
    key: str = ""  # the opmodel id
    rec: dict[str, Any] = field(default_factory=dict)
    skipped: bool = False
    xtype: str = ""


@dataclass
class _Reader:
    path: Path
    issues: list[Issue] = field(default_factory=list)
    places: dict[tuple[PathPart, ...], int] = field(default_factory=dict)
    skips: dict[str, tuple[int, int]] = field(default_factory=dict)
    lines: dict[int, dict[Any, int]] = field(default_factory=dict)
    rows: dict[str, list[int]] = field(default_factory=dict)  # table → line of each row
    marked: dict[tuple[PathPart, ...], dict[Any, int]] = field(default_factory=dict)
    mapping: Mapping = DEFAULT
    mapping_source: str = "opmodel"
    notes: list[str] = field(default_factory=list)
    tally: Tally = field(default_factory=Tally)
    unfit: list[int] = field(default_factory=lambda: [0, 0])  # applications, first line
    foreign: bool = False  # not written by opmodel
    scenarios: Any = None  # Scenarios the model's properties carry (None: none said)
    uses: list[tuple[_El, _El, int]] = field(default_factory=list)  # unit uses capability
    behaviour: dict[str, tuple[str, list[_El], list[tuple[_El, int]]]] = field(
        default_factory=dict)  # id in between → (its type, applications, what it serves)

    def mark(self, rec: dict[str, Any], what: Any, line: int) -> None:
        """Remember the line that gave ``rec`` its field (or list item) ``what``."""
        self.lines.setdefault(id(rec), {}).setdefault(what, line)

    def skip(self, reason: str, line: int) -> None:
        """Count one thing left out for ``reason``; reported once, at the first place."""
        n, first = self.skips.get(reason, (0, line))
        self.skips[reason] = (n + 1, first)

    def error(self, line: int, code: str, msg: str, hint: str | None = None) -> None:
        self.issues.append(Issue(code, msg, (), hint=hint).at(
            f"{self.path.name}:{line}", (self.path.name, line, 0)))

    def place(self, issue: Issue) -> Issue:
        if issue.location is not None:
            return issue
        line = self.line_of(issue.path)
        return issue.at(f"{self.path.name}:{line}", (self.path.name, line, 0))

    def line_of(self, path: tuple[PathPart, ...]) -> int:
        """The line of the longest known prefix of ``path`` (1 if none is known)."""
        for n in range(len(path), 0, -1):
            head = path[:n]
            if head in self.places:
                return self.places[head]
            m = 3 if head[0] == "policy" else 2  # an entity's path: (table, i) or policy's
            if n > m and head[:m] in self.marked:  # a field a relationship gave it
                what = head[m:]
                marks = self.marked[head[:m]]
                key = what[0] if len(what) == 1 else what
                if key in marks:
                    return marks[key]
            if n == 2 and head[0] in self.rows and isinstance(head[1], int):
                rows = self.rows[head[0]]
                if 0 <= head[1] < len(rows):
                    return rows[head[1]]
        return 1


_NAME, _DOC, _PROPERTIES = _q("name"), _q("documentation"), _q("properties")
_RELATIONSHIP = _q("relationship")
_REF = "propertyDefinitionRef"
_TYPE = f"{{{XSI}}}type"
_ASSESSED = ASSESSMENTS.columns[2:]
_ASSESSMENT_KEYS = frozenset((*_ASSESSED, "applicable"))


def _first(el: etree._Element, tag: str) -> str | None:
    """The text of the first ``tag`` child in English (or with no language), else any."""
    q = _q(tag)
    first = el.find(q)
    if first is None:
        return None
    lang = first.get(XML_LANG)
    if lang is not None and lang != "en":
        first = next((f for f in el.iterchildren(q) if f.get(XML_LANG) in (None, "en")),
                     first)
    return (first.text or "").strip() or None


def _scan(el: etree._Element, defs: dict[str, str]
          ) -> tuple[str | None, str | None, dict[str, str]]:
    """Name, documentation and properties (name → first value) of an element,
    relationship or the model, walking its children directly: an exchange file has
    hundreds of thousands of properties, and lxml's find() is far slower than this."""
    name = doc = None
    name_en = doc_en = False
    props: dict[str, str] = {}
    for c in el:
        tag = c.tag
        if tag == _PROPERTIES:
            _props(c, defs, props)
        elif tag in (_NAME, _DOC):
            en = c.get(XML_LANG) in (None, "en")
            text = (c.text or "").strip() or None
            if tag == _NAME and (name is None or (en and not name_en)):
                name, name_en = text, en
            elif tag == _DOC and (doc is None or (en and not doc_en)):
                doc, doc_en = text, en
    return name, doc, props


def _props(holder: etree._Element, defs: dict[str, str], props: dict[str, str]) -> None:
    """Fill ``props`` from a ``<properties>`` element: the first non-empty value of each
    property (in English or with no language, else the first), keyed by its definition's
    name. A hot loop (inlined for assessments in :func:`_read_relationships`): it touches
    each ``property`` element once and reads its first value directly."""
    get = defs.get
    for p in holder:
        key = get(p.get(_REF, ""))
        if key is None or key in props:
            continue
        n = len(p)
        if not n:
            continue
        v = p[0]
        if n > 1 and v.get(XML_LANG) not in (None, "en"):
            v = next((x for x in p if x.get(XML_LANG) in (None, "en")), v)
        text = v.text
        if text and (text := text.strip()):
            props[key] = text


def _slug(text: str, taken: set[str], prefix: str) -> str:
    base = re.sub(r"[^a-z0-9_.-]+", "-", text.lower()).strip("-._") or prefix
    if not re.match(r"^[a-z0-9]", base):
        base = f"{prefix}-{base}"
    out, n = base, 1
    while out in taken:
        n += 1
        out = f"{base}-{n}"
    taken.add(out)
    return out


def _copy(props: dict[str, str], names: tuple[str, ...]) -> dict[str, Any]:
    return {n: props[n] for n in names if n in props}  # _scan keeps no empty value


def _split(text: str | None) -> list[str]:
    return [p.strip() for p in (text or "").split(";") if p.strip()]

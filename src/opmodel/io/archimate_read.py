"""Reading ArchiMate 3.x exchange files into the opmodel metamodel (the inverse of the
mapping in :mod:`opmodel.io.archimate`).

Elements become records by type, relationships fill in their references, the settings come
from the model's properties; :func:`~opmodel.io.assemble.assemble` then validates it all and
every issue is placed at the line of the element or relationship it came from
(``model.xml:120``). What does not fit the mapping is counted and reported once per kind as
a ``W-SKIP`` warning at its first place; an element missing a number the model requires is
left out with a warning (never given a zero).
"""

from __future__ import annotations

import datetime as dt
import gc
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lxml import etree

from ..errors import Issue, ModelError, PathPart
from ..model.quarter import add_quarters
from .archimate_view import NS, XML_LANG, XSI
from .assemble import assemble
from .folder import LoadResult
from .safexml import parse_file
from .sheets import SETTINGS_ROWS
from .tables import ASSESSMENTS


def _q(tag: str) -> str:
    return f"{{{NS}}}{tag}"


KINDS = {"BusinessActor": "bu", "ValueStream": "stage", "Capability": "capability",
         "Goal": "objective", "Outcome": "kpi", "Stakeholder": "segment",
         "Requirement": "expectation", "ApplicationComponent": "application",
         "WorkPackage": "initiative", "Resource": "team"}


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


@dataclass
class _Reader:
    path: Path
    issues: list[Issue] = field(default_factory=list)
    places: dict[tuple[PathPart, ...], int] = field(default_factory=dict)
    skips: dict[str, tuple[int, int]] = field(default_factory=dict)
    lines: dict[int, dict[Any, int]] = field(default_factory=dict)
    rows: dict[str, list[int]] = field(default_factory=dict)  # table → line of each row
    marked: dict[tuple[PathPart, ...], dict[Any, int]] = field(default_factory=dict)

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


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a file is read.

    A large exchange file becomes a million short-lived dicts and strings and then some
    100,000 model objects; the collector would scan that growing heap again and again
    (about a quarter of the import time) although none of it forms reference cycles that
    need it. Reference counting still frees everything; the collector runs again after.
    """
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def read(path: str | os.PathLike[str]) -> LoadResult:
    """Read an ArchiMate 3.x exchange file; raise :class:`ModelError` listing every error."""
    with _gc_paused():
        return _read(Path(path))


def _read(p: Path) -> LoadResult:
    tree = parse_file(p, remove_blank_text=True)  # the reader never looks at indentation
    root = tree.getroot()
    rd = _Reader(p)
    if root.tag != _q("model"):
        ns = etree.QName(root).namespace
        hint = ("ArchiMate 2.x exchange files are not supported; export ArchiMate 3.x"
                if ns == "http://www.opengroup.org/xsd/archimate" else
                "export an 'Open Exchange File' (ArchiMate 3.1) from your modelling tool")
        rd.error(root.sourceline or 1, "E-XML", f"root element is <{etree.QName(root).localname}>"
                 f" in namespace '{ns or ''}', not <model> in {NS}", hint=hint)
        raise ModelError(rd.issues, source=str(p))
    defs = {}
    pdefs = root.find(_q("propertyDefinitions"))
    for d in pdefs.findall(_q("propertyDefinition")) if pdefs is not None else []:
        name = _first(d, "name")
        if d.get("identifier") and name:
            defs[d.get("identifier")] = name
    name, doc, props = _scan(root, defs)
    data: dict[str, Any] = {"name": name or p.stem}
    if doc:
        data["description"] = doc
    _read_settings(rd, data, props, root)
    els = _read_elements(rd, root, defs)
    _read_relationships(rd, root, defs, els, data)
    _collect(rd, els, data)
    e, found = assemble(data, cross=True)
    placed = [rd.place(i) for i in rd.issues + found]
    for reason, (n, line) in sorted(rd.skips.items(), key=lambda kv: kv[1][1]):
        placed.append(Issue("W-SKIP", f"{n} {reason}; left out", ()).at(
            f"{p.name}:{line}", (p.name, line, 0)))
    if e is None or any(i.severity == "error" for i in placed):
        raise ModelError(placed, source=str(p))
    return LoadResult(e, [i for i in placed if i.severity == "warning"])


def _read_settings(rd: _Reader, data: dict[str, Any], props: dict[str, str],
                   root: etree._Element) -> None:
    line = root.sourceline or 1
    for s in SETTINGS_ROWS:
        if s.key in ("name", "description") or s.key not in props:
            continue
        v: Any = props[s.key]
        if s.key == "scoring.ahp.criteria":
            v = _split(v)
        elif s.key == "scoring.ahp.matrix":
            v = [row.split() for row in v.split(";") if row.strip()]
        node = data
        *parents, last = s.key.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = v
        parts = s.key.split(".")
        for n in range(1, len(parts) + 1):
            rd.places.setdefault(tuple(parts[:n]), line)
    if "horizon" not in data:
        today = dt.date.today()
        start = add_quarters(f"{today.year}Q{(today.month - 1) // 3 + 1}", 1)
        data["horizon"] = {"start": start, "quarters": 8}
        rd.issues.append(Issue("W-DEFAULT", f"the file has no planning horizon; using 8 "
                               f"quarters from {start}", (),
                               hint="set horizon in enterprise.yaml").at(f"{rd.path.name}:{line}"))
    if "scoring" not in data or not ({"weights", "ahp"} & set(data["scoring"])):
        data.setdefault("scoring", {})["weights"] = {"customer": 0.5, "strategic": 0.3,
                                                     "pain": 0.2}
        rd.issues.append(Issue("W-DEFAULT", "the file has no scoring weights; using customer "
                               "0.5, strategic 0.3, pain 0.2", (),
                               hint="set scoring in enterprise.yaml").at(f"{rd.path.name}:{line}"))
    budgets, guards = [], {}
    for key, v in props.items():
        parts = key.split(":")
        if parts[0] == "budget" and len(parts) == 3:
            rd.places[("budgets", len(budgets))] = line
            budgets.append({"period": parts[1], "pool": parts[2], "amount": v})
        elif parts[0] == "guardrail" and len(parts) == 3 and parts[1].isdigit():
            guards.setdefault(int(parts[1]), {})[parts[2]] = v
    if budgets:
        data["budgets"] = budgets
    if guards:
        data.setdefault("policy", {})["guardrails"] = [guards[k] for k in sorted(guards)]
        for k in range(len(guards)):
            rd.places[("policy", "guardrails", k)] = line


def _read_elements(rd: _Reader, root: etree._Element, defs: dict[str, str]
                   ) -> dict[str, _El]:
    els: dict[str, _El] = {}
    holder = root.find(_q("elements"))
    taken: dict[str, set[str]] = {}
    for el in holder.iterchildren(_q("element")) if holder is not None else ():
        xtype = el.get(_TYPE) or "?"
        ident = el.get("identifier") or ""
        line = el.sourceline or 1
        kind = KINDS.get(xtype)
        if ident in els:
            rd.error(line, "E-XML", f"identifier '{ident}' is used twice")
            continue
        if kind is None:
            rd.skip(f"element(s) of type {xtype} (not part of the opmodel metamodel)", line)
            els[ident] = _El(ident, "", "", None, {}, line, skipped=True)
            continue
        name_, doc, props = _scan(el, defs)
        name = name_ or ""
        item = _El(ident, kind, name, doc, props, line)
        pool = taken.setdefault(kind if kind != "kpi" else f"kpi:{ident}", set())
        given = props.get("id")
        if given and kind != "kpi":
            pool.add(given)
        item.key = given or _slug(name, pool, kind)
        els[ident] = item
    return els


_NEED = {
    "objective": ("weight",), "expectation": ("importance",), "team": ("capacity",),
    "application": ("functional_fit", "technical_fit"),
    "initiative": ("kind", "duration"),
}
_LABEL = {"objective": "Goal", "expectation": "Requirement", "team": "Resource",
          "application": "ApplicationComponent", "initiative": "WorkPackage"}


def _read_relationships(rd: _Reader, root: etree._Element, defs: dict[str, str],
                        els: dict[str, _El], data: dict[str, Any]) -> None:
    for el in els.values():  # records first, so relationships can fill them in
        pr = el.props
        base: dict[str, Any] = {"id": el.key, "name": el.name}
        if el.doc:
            base["description"] = el.doc
        need = [n for n in _NEED.get(el.kind, ()) if n not in pr]
        if el.kind == "initiative" and "cost" not in pr and "cost_profile" not in pr:
            need.append("cost")
        if need and not el.skipped:
            el.skipped = True
            rd.skip(f"{_LABEL[el.kind]} element(s) without the {', '.join(need)} "
                    f"propert{'ies' if len(need) > 1 else 'y'} the model needs", el.line)
            continue
        if el.kind == "bu":
            el.rec = {**base, **_copy(pr, ("weight",))}
        elif el.kind == "stage":
            el.rec = {**base, **_copy(pr, ("order",))}
        elif el.kind == "capability":
            el.rec = dict(base)
        elif el.kind == "objective":
            el.rec = {**base, **_copy(pr, ("weight",)), "kpis": [], "links": []}
        elif el.kind == "kpi":
            el.rec = {**base, **_copy(pr, ("unit", "baseline", "target", "direction"))}
        elif el.kind == "segment":
            el.rec = dict(base)
        elif el.kind == "expectation":
            el.rec = {"id": el.key, "statement": el.name, **_copy(pr, ("importance",)),
                      "capabilities": []}
        elif el.kind == "application":
            el.rec = {**base, **_copy(pr, ("vendor", "annual_run_cost", "functional_fit",
                                           "technical_fit", "lifecycle", "active_from",
                                           "phase_out_from", "retire_by")),
                      "business_units": [], "capabilities": []}
        elif el.kind == "team":
            el.rec = {"id": el.key, **_copy(pr, ("capacity",)), "by_quarter": [
                {"quarter": k.split(":", 1)[1], "capacity": v} for k, v in pr.items()
                if k.startswith("capacity:")]}
            if el.name and el.name != el.key:
                el.rec["name"] = el.name
        elif el.kind == "initiative":
            cr = {k.split(".")[1]: pr[k] for k in ("cost_range.low", "cost_range.likely",
                                                   "cost_range.high") if pr.get(k)}
            el.rec = {**base, **_copy(pr, ("kind", "pool", "duration", "cost",
                                           "earliest_start", "latest_start", "deadline",
                                           "direct_value", "mandatory", "forbidden",
                                           "architecture_fit")),
                      "effects": [], "team_demand": [], "retires": [], "depends_on": [],
                      "excludes": []}
            if pr.get("cost_profile"):
                el.rec["cost_profile"] = _split(pr["cost_profile"])
            if cr:
                el.rec["cost_range"] = cr
    assessments: list[dict[str, Any]] = []
    fits: list[dict[str, Any]] = []
    data["assessments"], data["application_fits"] = assessments, fits
    holder = root.find(_q("relationships"))
    if holder is None:
        return
    rows = rd.rows.setdefault("assessments", [])
    element = els.get
    assessed = {ref: key for ref, key in defs.items() if key in _ASSESSMENT_KEYS}.get
    for r in holder.iterchildren(_RELATIONSHIP):
        src, dst = element(r.get("source") or ""), element(r.get("target") or "")
        if src is None or dst is None:
            rd.skip("relationship(s) naming an element the file does not have",
                    r.sourceline or 1)
            continue
        if src.skipped or dst.skipped:
            continue  # left out with its element, which was reported already
        xtype = r.get(_TYPE) or "?"
        if xtype == "Association" and src.kind == "bu" and dst.kind == "capability":
            # one per assessment, the most common relationship by far: _props inlined,
            # reading only the assessment's properties
            pr: dict[str, str] = {}
            for c in r:
                if c.tag != _PROPERTIES:
                    continue
                for prop in c:
                    key = assessed(prop.get(_REF, ""))
                    if key is None or key in pr:
                        continue
                    n = len(prop)
                    if not n:
                        continue
                    v = prop[0]
                    if n > 1 and v.get(XML_LANG) not in (None, "en"):
                        v = next((x for x in prop if x.get(XML_LANG) in (None, "en")), v)
                    text = v.text
                    if text and (text := text.strip()):
                        pr[key] = text
            rec: dict[str, Any] = {"capability": dst.key, "business_unit": src.key}
            applicable = pr.pop("applicable", None)
            rec.update(pr)
            if applicable is not None and applicable.lower() == "false":
                rec["applicable"] = False
            rows.append(r.sourceline or 1)
            assessments.append(rec)
            continue
        _relation(rd, r, xtype, src, dst, defs, fits)


def _relation(rd: _Reader, r: etree._Element, xtype: str, src: _El, dst: _El,
              defs: dict[str, str], fits: list[dict[str, Any]]) -> None:
    line = r.sourceline or 1
    name_, _, pr = _scan(r, defs)
    name = (name_ or "").lower()
    s, t = src.rec, dst.rec
    pair = (xtype, src.kind, dst.kind)
    if xtype in ("Serving", "Realization", "Association") and (src.kind, dst.kind) == (
            "capability", "stage"):
        s.setdefault("stage", dst.key)
        rd.mark(s, "stage", line)
    elif xtype in ("Composition", "Aggregation") and (src.kind, dst.kind) == (
            "capability", "capability"):
        t.setdefault("parent", src.key)
        rd.mark(t, "parent", line)
    elif pair in (("Influence", "capability", "objective"),
                  ("Realization", "capability", "objective")):
        if "strength" not in pr:
            rd.skip("link(s) from capabilities to goals without a strength property", line)
            return
        rd.mark(t, ("links", len(t["links"])), line)
        t["links"].append({"capability": src.key, "strength": pr["strength"]})
    elif pair == ("Realization", "kpi", "objective"):
        rd.mark(t, ("kpis", len(t["kpis"])), src.line)
        t["kpis"].append(s)
        s["_objective"] = dst.key
    elif pair == ("Association", "segment", "expectation"):
        t.setdefault("segment", src.key)
        rd.mark(t, "segment", line)
    elif pair == ("Association", "expectation", "stage"):
        s.setdefault("stage", dst.key)
        rd.mark(s, "stage", line)
    elif pair == ("Realization", "capability", "expectation"):
        _append(rd, t, "capabilities", src.key, line)
    elif pair == ("Serving", "application", "bu"):
        _append(rd, s, "business_units", dst.key, line)
    elif pair == ("Realization", "application", "capability"):
        _append(rd, s, "capabilities", dst.key, line)
    elif pair == ("Association", "application", "bu") and (
            name == "fit" or "functional_fit" in pr or "technical_fit" in pr):
        rd.places[("application_fits", len(fits))] = line
        fits.append({"application": src.key, "business_unit": dst.key,
                     **_copy(pr, ("functional_fit", "technical_fit"))})
    elif pair == ("Assignment", "bu", "initiative"):
        t.setdefault("owner", src.key)
        rd.mark(t, "owner", line)
    elif pair == ("Realization", "initiative", "capability"):
        if "uplift" not in pr:
            rd.skip("realization(s) from work packages to capabilities without an uplift "
                    "property", line)
            return
        _append(rd, s, "effects", {"capability": dst.key, "uplift": pr["uplift"],
                                   "business_units": _split(pr.get("business_units"))}, line)
    elif pair == ("Triggering", "initiative", "initiative"):
        _append(rd, t, "depends_on", src.key, line)
    elif pair == ("Association", "initiative", "initiative") and name == "excludes":
        _append(rd, s, "excludes", dst.key, line)
    elif pair == ("Association", "initiative", "application") and name == "retires":
        _append(rd, s, "retires", dst.key, line)
    elif pair == ("Association", "team", "initiative") and "amount" in pr:
        _append(rd, t, "team_demand", {"team": src.key, "amount": pr["amount"]}, line)
    elif pair == ("Flow", "stage", "stage"):
        return  # the order travels in the 'order' property
    else:
        rd.skip(f"{xtype} relationship(s) from {_arch(src)} to {_arch(dst)} (not part of the "
                "opmodel mapping)", line)


def _append(rd: _Reader, rec: dict[str, Any], key: str, item: Any, line: int) -> None:
    rd.mark(rec, (key, len(rec[key])), line)
    rec[key].append(item)


def _arch(el: _El) -> str:
    return next((k for k, v in KINDS.items() if v == el.kind), el.kind)


def _collect(rd: _Reader, els: dict[str, _El], data: dict[str, Any]) -> None:
    """Gather the records into the model's lists, with the places of their elements."""
    table = {"bu": "business_units", "stage": "stages", "capability": "capabilities",
             "objective": "objectives", "segment": "segments", "expectation": "expectations",
             "application": "applications", "initiative": "initiatives"}
    lists: dict[str, list[dict[str, Any]]] = {v: [] for v in table.values()}
    teams: list[dict[str, Any]] = []
    orphans = 0
    for el in els.values():
        if el.skipped or not el.kind:
            continue
        if el.kind == "kpi":
            if "_objective" not in el.rec:
                orphans += 1
                rd.skip("Outcome element(s) that realize no goal (KPIs need one)", el.line)
            el.rec.pop("_objective", None)
            continue
        if el.kind == "team":
            _placed(rd, ("policy", "teams", len(teams)), el)
            teams.append(el.rec)
            continue
        key = table[el.kind]
        _placed(rd, (key, len(lists[key])), el)
        lists[key].append(el.rec)
    stages = lists["stages"]
    if any("order" not in s for s in stages):
        used = [int(float(s["order"])) for s in stages if _number(s.get("order"))]
        nxt = max(used, default=0)
        for s in stages:
            if "order" not in s:
                nxt += 1
                s["order"] = nxt
    unplaced = [c for c in lists["capabilities"] if "stage" not in c]
    if unplaced:
        by_id = {c["id"]: c for c in lists["capabilities"]}
        for c in unplaced:  # a child sits on its parent's stage
            seen, cur = set(), c
            while "stage" not in cur and cur.get("parent") in by_id and cur["id"] not in seen:
                seen.add(cur["id"])
                cur = by_id[cur["parent"]]
            if "stage" in cur:
                c["stage"] = cur["stage"]
        if any("stage" not in c for c in unplaced):
            stages.append({"id": "unplaced", "name": "Not placed on the value chain",
                           "order": max((int(float(s["order"])) for s in stages
                                         if _number(s.get("order"))), default=0) + 1})
            lost = [c for c in unplaced if "stage" not in c]
            for c in lost:
                c["stage"] = "unplaced"
            first = next(el.line for el in els.values() if el.rec is lost[0])
            rd.issues.append(Issue(
                "W-STAGE", f"{len(lost)} capabilit{'ies serve' if len(lost) > 1 else 'y serves'}"
                " no value stream; placed on a new stage 'unplaced'", (),
                hint="relate each capability to a ValueStream (Serving), or edit "
                     "capabilities.yaml").at(f"{rd.path.name}:{first}",
                                            (rd.path.name, first, 0)))
    for key, items in lists.items():
        if items:
            data[key] = items
    if teams:
        data.setdefault("policy", {})["teams"] = teams


def _placed(rd: _Reader, path: tuple[PathPart, ...], el: _El) -> None:
    """Places of an entity and of what its relationships gave it."""
    rd.places[path] = el.line
    marks = rd.lines.get(id(el.rec))
    if marks:
        rd.marked[path] = marks


def _number(v: Any) -> bool:
    try:
        float(v)
    except (TypeError, ValueError):
        return False
    return True

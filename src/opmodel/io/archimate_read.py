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
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from lxml import etree

from ..errors import Issue, ModelError, PathPart
from ..model import Enterprise
from ..model.quarter import add_quarters
from .archimate_map import (
    BECOMES,
    DEFAULT,
    Candidate,
    ImportReport,
    Mapping,
    Tally,
    guess_mapping,
    report_rows,
)
from .archimate_view import NS, XML_LANG, XSI
from .assemble import assemble
from .folder import LoadResult
from .safexml import parse_file
from .sheets import SETTINGS_ROWS
from .tables import ASSESSMENTS


def _q(tag: str) -> str:
    return f"{{{NS}}}{tag}"


KINDS = DEFAULT.kinds()
"""Element type → opmodel kind in the default mapping (see :mod:`.archimate_map`)."""
BEHAVIOUR = frozenset({"ApplicationService", "ApplicationInterface", "ApplicationFunction",
                       "ApplicationProcess"})
"""An application's own behaviour: an application serves what its services serve."""


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
    scenarios: Any = None  # Scenarios the model's properties carry (None: none said)
    uses: list[tuple[_El, _El, int]] = field(default_factory=list)  # unit uses capability
    behaviour: dict[str, tuple[list[_El], list[tuple[_El, int]]]] = field(
        default_factory=dict)  # service id → (its applications, what it serves)

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


def read(path: str | os.PathLike[str], mapping: Mapping | None = None,
         mapping_source: str = "") -> LoadResult:
    """Read an ArchiMate 3.x exchange file; raise :class:`ModelError` listing every error.

    ``mapping`` says which element types become what (:mod:`.archimate_map`); without
    one, a file opmodel wrote uses the default mapping and any other file a guessed one."""
    with _gc_paused():
        e, placed, rd = _read(Path(path), mapping, mapping_source)
    if e is None or any(i.severity == "error" for i in placed):
        raise ModelError(placed, source=str(path))
    return LoadResult(e, [i for i in placed if i.severity == "warning"], rd.scenarios)


def inspect(path: str | os.PathLike[str], mapping: Mapping | None = None,
            mapping_source: str = "") -> ImportReport:
    """What reading ``path`` would make of it — the mapping used, every element and
    relationship type mapped or left out (with counts and first lines), the issues — for
    ``opmodel import --dry-run``. Model errors are reported, not raised."""
    with _gc_paused():
        e, placed, rd = _read(Path(path), mapping, mapping_source)
    ok = e is not None and not any(i.severity == "error" for i in placed)
    return ImportReport(str(path), rd.mapping, rd.mapping_source, tuple(rd.notes),
                        report_rows(rd.tally), tuple(placed),
                        e.summary() if ok and e is not None else {})


def _read(p: Path, mapping: Mapping | None, mapping_source: str
          ) -> tuple[Enterprise | None, list[Issue], _Reader]:
    tree = parse_file(p, remove_blank_text=True)  # the reader never looks at indentation
    root = tree.getroot()
    rd = _Reader(p)
    if mapping is not None:
        rd.mapping, rd.mapping_source = mapping, mapping_source or "given"
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
    foreign = not props.get("exported_by", "").startswith("opmodel")
    els = _read_elements(rd, root, defs, guess=mapping is None and foreign)
    _read_relationships(rd, root, defs, els, data)
    _derived(rd, data)
    _collect(rd, els, data)
    e, found = assemble(data, cross=True)
    placed = [rd.place(i) for i in rd.issues + found]
    placed += _read_scenarios(rd, root, props, defs, e)
    n, line = rd.unfit
    if n:
        placed.append(Issue(
            "W-FIT", f"{n} application(s) without a functional_fit or technical_fit property: "
            "imported with their fit not assessed (TIME 'not assessed')", (),
            hint="survey their fit (1–4) and add it in applications.csv").at(
            f"{p.name}:{line}", (p.name, line, 0)))
    for reason, (n, line) in sorted(rd.skips.items(), key=lambda kv: kv[1][1]):
        placed.append(Issue("W-SKIP", f"{n} {reason}; left out", ()).at(
            f"{p.name}:{line}", (p.name, line, 0)))
    return e, placed, rd


def _read_scenarios(rd: _Reader, root: etree._Element, props: dict[str, str],
                    defs: dict[str, str], e: Enterprise | None) -> list[Issue]:
    """The model's ``scenarios`` / ``scenario:N:KEY`` properties (see
    :func:`opmodel.io.archimate.scenario_properties`) → ``rd.scenarios``; the issues are
    placed at the line of the property they came from."""
    keys = [k for k in props if k.startswith("scenario:")]
    if "scenarios" not in props and not keys:
        return []
    from .scenarios import parse_scenarios

    items: dict[int, dict[str, Any]] = {}
    origin: dict[tuple[Any, ...], str] = {}
    bad: list[str] = []
    for key in keys:
        parts = key.split(":")
        if len(parts) < 3 or not parts[1].isdigit():
            bad.append(key)
            continue
        rec = items.setdefault(int(parts[1]), {})
        v: Any = props[key]
        if len(parts) == 5 and parts[2] == "budgets" and parts[3].isdigit():
            rules = rec.setdefault("budgets", {})
            rules.setdefault(int(parts[3]), {})[parts[4]] = v
            origin.setdefault((int(parts[1]), "budgets", int(parts[3])), key)
            continue
        if len(parts) != 3:
            bad.append(key)
            continue
        name = parts[2]
        if name in ("force_in", "force_out"):
            v = _split(v)
        node = rec
        *parents, last = name.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = v
        origin.setdefault((int(parts[1]), parents[0] if parents else name), key)
    order = sorted(items)
    raw = []
    for n in order:
        rec = items[n]
        if "budgets" in rec:
            rec["budgets"] = [rec["budgets"][m] for m in sorted(rec["budgets"])]
        raw.append(rec)
    scenarios, found = parse_scenarios(raw, e)
    lines = _property_lines(root, defs) if found or bad else {}
    out = []
    for key in bad:
        line = lines.get(key, root.sourceline or 1)
        out.append(Issue("E-UNKNOWN", f"model property '{key}' is not a scenario key", (),
                         hint="scenario properties look like scenario:1:name or "
                              "scenario:1:budgets:2:pool").at(f"{rd.path.name}:{line}",
                                                             (rd.path.name, line, 0)))
    for i in found:
        path = i.path
        n = order[path[1]] if len(path) > 1 and isinstance(path[1], int) else order[0]
        field_ = path[2] if len(path) > 2 else "id"
        key = origin.get((n, "budgets", int(path[3]) + 1) if field_ == "budgets" and
                         len(path) > 3 and isinstance(path[3], int) else (n, field_),
                         f"scenario:{n}:{field_}")
        line = lines.get(key, root.sourceline or 1)
        out.append(replace(i, message=f"{key}: {i.message}").at(
            f"{rd.path.name}:{line}", (rd.path.name, line, 0)))
    if not any(i.severity == "error" for i in out):
        rd.scenarios = scenarios
    return out


def _property_lines(root: etree._Element, defs: dict[str, str]) -> dict[str, int]:
    """The line of each of the model's own properties, by name."""
    out: dict[str, int] = {}
    holder = root.find(_PROPERTIES)
    for p in holder if holder is not None else ():
        key = defs.get(p.get(_REF, ""))
        if key is not None:
            out.setdefault(key, p.sourceline or 1)
    return out


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


def _folders(root: etree._Element) -> dict[str, tuple[str, ...]]:
    """Element identifier → the labels of the organization folders it sits in."""
    out: dict[str, tuple[str, ...]] = {}
    orgs = root.find(_q("organizations"))
    if orgs is None:
        return out
    item_tag = _q("item")

    def walk(node: etree._Element, labels: tuple[str, ...]) -> None:
        for it in node.iterchildren(item_tag):
            ref = it.get("identifierRef")
            label = _first(it, "label")
            if ref:
                out.setdefault(ref, labels)
            walk(it, (*labels, label) if label else labels)

    walk(orgs, ())
    return out


def _read_elements(rd: _Reader, root: etree._Element, defs: dict[str, str], guess: bool
                   ) -> dict[str, _El]:
    els: dict[str, _El] = {}
    holder = root.find(_q("elements"))
    scan = set(rd.mapping.kinds()) | ({"BusinessFunction"} if guess else set())
    for el in holder.iterchildren(_q("element")) if holder is not None else ():
        xtype = el.get(_TYPE) or "?"
        ident = el.get("identifier") or ""
        line = el.sourceline or 1
        if ident in els:
            rd.error(line, "E-XML", f"identifier '{ident}' is used twice")
            continue
        if xtype not in scan:
            els[ident] = _El(ident, "", "", None, {}, line, skipped=True, xtype=xtype)
            continue
        name_, doc, props = _scan(el, defs)
        els[ident] = _El(ident, "", name_ or "", doc, props, line, xtype=xtype)
    folders = _folders(root) if guess or rd.mapping.business_units.folder else {}
    if guess:
        rd.mapping, notes = guess_mapping([
            Candidate(x.ident, x.xtype, x.name, x.props, folders.get(x.ident, ()))
            for x in els.values() if x.xtype in ("BusinessActor", "Capability",
                                                 "BusinessFunction")])
        rd.mapping_source = "guessed"
        rd.notes.extend(notes)
    kinds = rd.mapping.kinds()
    rule = rd.mapping.business_units
    unit_types = set(rule.types)
    default_rule = rule == DEFAULT.business_units
    taken: dict[str, set[str]] = {}
    for item in els.values():
        kind = kinds.get(item.xtype)
        if kind is None:
            why = "not part of the opmodel metamodel" if item.xtype not in DEFAULT.kinds() \
                else "not in the mapping"
            rd.skip(f"element(s) of type {item.xtype} ({why})", item.line)
            rd.tally.add("element", item.xtype, f"left out: {why}", item.line)
            item.skipped = True
            continue
        if kind == "bu" and not default_rule and item.xtype in unit_types:
            why_not = rule.decide(item.name, item.ident, item.props,
                                  folders.get(item.ident, ()))
            if why_not is not None:
                _not_a_unit(rd, item, why_not)
                continue
        item.kind = kind
        pool = taken.setdefault(kind if kind != "kpi" else f"kpi:{item.ident}", set())
        given = item.props.get("id")
        if given and kind != "kpi":
            pool.add(given)
        item.key = given or _slug(item.name, pool, kind)
    if rule.skip_groups:
        _skip_groups(rd, root, els)
    return els


def _not_a_unit(rd: _Reader, item: _El, why: str) -> None:
    item.skipped = True
    rd.skip(f"{item.xtype} element(s) not taken as business units ({why})", item.line)
    rd.tally.add("element", item.xtype, f"left out: not a business unit: {why}", item.line)


def _skip_groups(rd: _Reader, root: etree._Element, els: dict[str, _El]) -> None:
    """Leave out the units that compose or aggregate other units (the company itself)."""
    holder = root.find(_q("relationships"))
    groups: set[str] = set()
    for r in holder.iterchildren(_RELATIONSHIP) if holder is not None else ():
        if r.get(_TYPE) in ("Composition", "Aggregation"):
            src, dst = els.get(r.get("source") or ""), els.get(r.get("target") or "")
            if src is not None and dst is not None and src.kind == dst.kind == "bu" \
                    and src is not dst:
                groups.add(src.ident)
    for ident in groups:
        item = els[ident]
        item.kind = ""
        _not_a_unit(rd, item, "it composes other units: the company or a parent "
                              "organisation, whose units are counted instead")


_NEED = {
    "objective": ("weight",), "expectation": ("importance",), "team": ("capacity",),
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
        if el.skipped or not el.kind:
            continue
        if need:
            el.skipped = True
            why = (f"without the {', '.join(need)} propert{'ies' if len(need) > 1 else 'y'} "
                   "the model needs")
            rd.skip(f"{_LABEL[el.kind]} element(s) {why}", el.line)
            rd.tally.add("element", el.xtype, f"left out: {why}", el.line)
            continue
        becomes = BECOMES[el.kind]
        if el.kind == "application" and not ("functional_fit" in pr and "technical_fit" in pr):
            becomes = "application (fit not assessed)"
            rd.unfit[0] += 1
            rd.unfit[1] = rd.unfit[1] or el.line
        rd.tally.add("element", el.xtype, becomes, el.line)
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
    tally = rd.tally.add
    for r in holder.iterchildren(_RELATIONSHIP):
        src, dst = element(r.get("source") or ""), element(r.get("target") or "")
        xtype = r.get(_TYPE) or "?"
        if src is None or dst is None:
            rd.skip("relationship(s) naming an element the file does not have",
                    r.sourceline or 1)
            tally("relationship", (xtype, "?", "?"),
                  "left out: names an element the file does not have", r.sourceline or 1)
            continue
        if src.skipped or dst.skipped:
            if not _behaviour(rd, xtype, src, dst, r.sourceline or 1):
                # left out with its element, which was reported already
                tally("relationship", (xtype, src.xtype, dst.xtype),
                      "left out: an end is left out", r.sourceline or 1)
            continue
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
            tally("relationship", (xtype, src.xtype, dst.xtype), "assessment",
                  r.sourceline or 1)
            continue
        outcome = _relation(rd, r, xtype, src, dst, defs, fits)
        tally("relationship", (xtype, src.xtype, dst.xtype), outcome, r.sourceline or 1)


_USE = ("Assignment", "Composition", "Aggregation")


def _relation(rd: _Reader, r: etree._Element, xtype: str, src: _El, dst: _El,
              defs: dict[str, str], fits: list[dict[str, Any]]) -> str:
    """Apply one relationship; return what it became ("left out: why" when nothing)."""
    line = r.sourceline or 1
    name_, _, pr = _scan(r, defs)
    name = (name_ or "").lower()
    s, t = src.rec, dst.rec
    pair = (xtype, src.kind, dst.kind)
    if xtype in ("Serving", "Realization", "Association") and (src.kind, dst.kind) == (
            "capability", "stage"):
        s.setdefault("stage", dst.key)
        rd.mark(s, "stage", line)
        return "capability on a stage"
    if xtype in ("Composition", "Aggregation", "Association") and (src.kind, dst.kind) == (
            "stage", "capability"):
        t.setdefault("stage", src.key)
        rd.mark(t, "stage", line)
        return "capability on a stage"
    if xtype in ("Composition", "Aggregation") and (src.kind, dst.kind) == (
            "capability", "capability"):
        t.setdefault("parent", src.key)
        rd.mark(t, "parent", line)
        return "parent capability"
    if pair in (("Influence", "capability", "objective"),
                ("Realization", "capability", "objective")):
        if "strength" not in pr:
            rd.skip("link(s) from capabilities to goals without a strength property", line)
            return "left out: no strength property"
        rd.mark(t, ("links", len(t["links"])), line)
        t["links"].append({"capability": src.key, "strength": pr["strength"]})
        return "objective link"
    if pair == ("Realization", "kpi", "objective"):
        rd.mark(t, ("kpis", len(t["kpis"])), src.line)
        t["kpis"].append(s)
        s["_objective"] = dst.key
        return "KPI of an objective"
    if pair == ("Association", "segment", "expectation"):
        t.setdefault("segment", src.key)
        rd.mark(t, "segment", line)
        return "segment of an expectation"
    if pair == ("Association", "expectation", "stage"):
        s.setdefault("stage", dst.key)
        rd.mark(s, "stage", line)
        return "stage of an expectation"
    if pair == ("Realization", "capability", "expectation"):
        _append(rd, t, "capabilities", src.key, line)
        return "capability of an expectation"
    if pair == ("Serving", "application", "bu") or (
            xtype in _USE and (src.kind, dst.kind) == ("bu", "application")):
        app, unit = (s, dst) if src.kind == "application" else (t, src)
        _add_unique(rd, app, "business_units", unit.key, line)
        return "unit using an application"
    if xtype in ("Realization", "Serving") and (src.kind, dst.kind) == (
            "application", "capability"):
        _add_unique(rd, s, "capabilities", dst.key, line)
        return "capability of an application"
    if pair == ("Association", "application", "bu") and (
            name == "fit" or "functional_fit" in pr or "technical_fit" in pr):
        rd.places[("application_fits", len(fits))] = line
        fits.append({"application": src.key, "business_unit": dst.key,
                     **_copy(pr, ("functional_fit", "technical_fit"))})
        return "a unit's own fit"
    if xtype in _USE and (src.kind, dst.kind) == ("bu", "capability"):
        rd.uses.append((src, dst, line))
        return "unit using a capability (unassessed)"
    if pair == ("Assignment", "bu", "initiative"):
        t.setdefault("owner", src.key)
        rd.mark(t, "owner", line)
        return "owner of an initiative"
    if pair == ("Realization", "initiative", "capability"):
        if "uplift" not in pr:
            rd.skip("realization(s) from work packages to capabilities without an uplift "
                    "property", line)
            return "left out: no uplift property"
        _append(rd, s, "effects", {"capability": dst.key, "uplift": pr["uplift"],
                                   "business_units": _split(pr.get("business_units"))}, line)
        return "effect of an initiative"
    if pair == ("Triggering", "initiative", "initiative"):
        _append(rd, t, "depends_on", src.key, line)
        return "dependency"
    if pair == ("Association", "initiative", "initiative") and name == "excludes":
        _append(rd, s, "excludes", dst.key, line)
        return "exclusion"
    if pair == ("Association", "initiative", "application") and name == "retires":
        _append(rd, s, "retires", dst.key, line)
        return "application retired"
    if pair == ("Association", "team", "initiative") and "amount" in pr:
        _append(rd, t, "team_demand", {"team": src.key, "amount": pr["amount"]}, line)
        return "team demand"
    if pair == ("Flow", "stage", "stage"):
        return "stage order (ignored: the order property says it)"
    rd.skip(f"{xtype} relationship(s) from {src.xtype} to {dst.xtype} (not part of the "
            "opmodel mapping)", line)
    return "left out: not part of the opmodel mapping"


def _behaviour(rd: _Reader, xtype: str, src: _El, dst: _El, line: int) -> bool:
    """Remember a link through an application's service (or interface, function, process):
    an application that realizes a service serves what the service serves."""
    if dst.xtype in BEHAVIOUR and src.kind == "application" and xtype in (
            "Realization", "Assignment", "Composition", "Aggregation"):
        rd.behaviour.setdefault(dst.ident, ([], []))[0].append(src)
        rd.tally.add("relationship", (xtype, src.xtype, dst.xtype),
                     "link through an application service", line)
        return True
    if src.xtype in BEHAVIOUR and dst.kind in ("capability", "bu") and xtype in (
            "Serving", "Realization"):
        rd.behaviour.setdefault(src.ident, ([], []))[1].append((dst, line))
        rd.tally.add("relationship", (xtype, src.xtype, dst.xtype),
                     "link through an application service", line)
        return True
    return False


def _derived(rd: _Reader, data: dict[str, Any]) -> None:
    """What follows from two relationships: applications serving through their services,
    and units that use a capability (an unassessed assessment, unless one is given)."""
    for apps, served in rd.behaviour.values():
        for app in apps:
            for target, line in served:
                field_ = "capabilities" if target.kind == "capability" else "business_units"
                _add_unique(rd, app.rec, field_, target.key, line)
                what = "capability of an application" if target.kind == "capability" \
                    else "unit using an application"
                rd.tally.add("relationship", ("via service", app.xtype, target.xtype),
                             what, line)
    if rd.uses:
        have = {(a["capability"], a["business_unit"]) for a in data["assessments"]}
        rows = rd.rows.setdefault("assessments", [])
        for unit, cap, line in rd.uses:
            if (cap.key, unit.key) in have:
                continue
            have.add((cap.key, unit.key))
            rows.append(line)
            data["assessments"].append({"capability": cap.key, "business_unit": unit.key})


def _add_unique(rd: _Reader, rec: dict[str, Any], key: str, item: Any, line: int) -> None:
    if item not in rec[key]:
        _append(rd, rec, key, item, line)


def _append(rd: _Reader, rec: dict[str, Any], key: str, item: Any, line: int) -> None:
    rd.mark(rec, (key, len(rec[key])), line)
    rec[key].append(item)


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
            default = rd.mapping.default_stage
            known = any(s["id"] == default for s in stages)
            if not known:
                stages.append({"id": default, "name": "Not placed on the value chain"
                               if default == "unplaced" else default,
                               "order": max((int(float(s["order"])) for s in stages
                                             if _number(s.get("order"))), default=0) + 1})
            lost = [c for c in unplaced if "stage" not in c]
            for c in lost:
                c["stage"] = default
            first = next(el.line for el in els.values() if el.rec is lost[0])
            rd.issues.append(Issue(
                "W-STAGE", f"{len(lost)} capabilit{'ies serve' if len(lost) > 1 else 'y serves'}"
                f" no value stream; placed on {'the' if known else 'a new'} stage '{default}'",
                (),
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

"""Reading ArchiMate 3.x exchange files into the opmodel metamodel (the inverse of the
mapping in :mod:`opmodel.io.archimate`).

Elements become records by type, relationships fill in their references, the settings come
from the model's properties; :func:`~opmodel.io.assemble.assemble` then validates it all and
every issue is placed at the line of the element or relationship it came from
(``model.xml:120``). What does not fit the mapping is counted and reported once per kind as
a ``W-SKIP`` warning at its first place; an element missing a number the model requires is
left out with a warning (never given a zero); an application without fits comes in with its
fit not assessed.

Which element types become what is a :class:`~.archimate_map.Mapping`: opmodel's own for
files opmodel wrote, else the one given or a guessed one. Every element and relationship
is tallied by type and outcome, which :func:`inspect` returns (``import --dry-run``). The
relationship rules live in :mod:`.archimate_relations`, the scenario properties in
:mod:`.archimate_scenarios`.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path
from typing import Any

from lxml import etree

from ..errors import Issue, ModelError, PathPart
from ..model import Enterprise
from ..model.quarter import add_quarters
from ._gcpause import gc_paused
from .archimate_base import (
    _ASSESSMENT_KEYS,
    _PROPERTIES,
    _REF,
    _RELATIONSHIP,
    _TYPE,
    XML_LANG,
    _copy,
    _El,
    _first,
    _q,
    _Reader,
    _scan,
    _slug,
    _split,
)
from .archimate_map import (
    BECOMES,
    DEFAULT,
    Candidate,
    ImportReport,
    Mapping,
    guess_mapping,
    report_rows,
)
from .archimate_relations import _behaviour, _derived, _relation
from .archimate_scenarios import read_scenario_properties
from .archimate_view import NS
from .assemble import assemble
from .folder import LoadResult
from .safexml import parse_file
from .sheets import SETTINGS_ROWS


def read(path: str | os.PathLike[str], mapping: Mapping | None = None,
         mapping_source: str = "") -> LoadResult:
    """Read an ArchiMate 3.x exchange file; raise :class:`ModelError` listing every error.

    ``mapping`` says which element types become what (:mod:`.archimate_map`); without
    one, a file opmodel wrote uses the default mapping and any other file a guessed one."""
    with gc_paused():
        e, placed, rd = _read(Path(path), mapping, mapping_source)
    if e is None or any(i.severity == "error" for i in placed):
        raise ModelError(placed, source=str(path))
    return LoadResult(e, [i for i in placed if i.severity == "warning"], rd.scenarios)


def inspect(path: str | os.PathLike[str], mapping: Mapping | None = None,
            mapping_source: str = "") -> ImportReport:
    """What reading ``path`` would make of it — the mapping used, every element and
    relationship type mapped or left out (with counts and first lines), the issues — for
    ``opmodel import --dry-run``. Model errors are reported, not raised."""
    with gc_paused():
        e, placed, rd = _read(Path(path), mapping, mapping_source)
    ok = e is not None and not any(i.severity == "error" for i in placed)
    return ImportReport(str(path), rd.mapping, rd.mapping_source, tuple(rd.notes),
                        report_rows(rd.tally), tuple(placed),
                        _counts(e, rd) if ok and e is not None else {})


def _counts(e: Enterprise, rd: _Reader) -> dict[str, int]:
    out = e.summary()
    if rd.scenarios is not None:
        out["scenarios"] = len(rd.scenarios.scenarios)
    return out


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
    foreign = rd.foreign = not props.get("exported_by", "").startswith("opmodel")
    els = _read_elements(rd, root, defs, guess=mapping is None and foreign)
    _read_relationships(rd, root, defs, els, data)
    _derived(rd, data)
    _collect(rd, els, data)
    e, found = assemble(data, cross=True)
    placed = [rd.place(i) for i in rd.issues + found]
    placed += read_scenario_properties(rd, root, props, defs, e)
    n, line = rd.unfit
    if n and rd.foreign:  # (a file opmodel wrote says "not assessed" on purpose)
        placed.append(Issue(
            "W-FIT", f"{n} application(s) without a functional_fit or technical_fit property: "
            "imported with their fit not assessed (TIME 'not assessed')", (),
            hint="survey their fit (1–4) and add it in applications.csv").at(
            f"{p.name}:{line}", (p.name, line, 0)))
    for reason, (n, line) in sorted(rd.skips.items(), key=lambda kv: kv[1][1]):
        placed.append(Issue("W-SKIP", f"{n} {reason}; left out", ()).at(
            f"{p.name}:{line}", (p.name, line, 0)))
    return e, placed, rd


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
    """Element identifier → the labels of the organization folders it sits in, and the
    names of the Grouping elements that aggregate or compose it (a Grouping "Business
    units" marks units as a folder does)."""
    out: dict[str, tuple[str, ...]] = {}
    orgs = root.find(_q("organizations"))
    item_tag = _q("item")

    def walk(node: etree._Element, labels: tuple[str, ...]) -> None:
        for it in node.iterchildren(item_tag):
            ref = it.get("identifierRef")
            label = _first(it, "label")
            if ref:
                out.setdefault(ref, labels)
            walk(it, (*labels, label) if label else labels)

    if orgs is not None:
        walk(orgs, ())
    holder = root.find(_q("elements"))
    groups = {el.get("identifier"): _first(el, "name")
              for el in (holder.iterchildren(_q("element")) if holder is not None else ())
              if el.get(_TYPE) == "Grouping"}
    rels = root.find(_q("relationships"))
    if groups and rels is not None:
        for r in rels.iterchildren(_RELATIONSHIP):
            name = groups.get(r.get("source"))
            if name and r.get(_TYPE) in ("Aggregation", "Composition"):
                ref = r.get("target") or ""
                out[ref] = (*out.get(ref, ()), name)
    return out


_ID = re.compile(r"[a-z0-9][a-z0-9_.-]*")


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
    unnamed: list[int] = []
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
        if rd.foreign and not item.name.strip() and item.ident:  # another tool allowed it
            item.name = item.ident
            unnamed.append(item.line)
        pool = taken.setdefault(kind if kind != "kpi" else f"kpi:{item.ident}", set())
        given = item.props.get("id")
        if given and rd.foreign and not _ID.fullmatch(given):
            given = _slug(given, pool, kind)  # another tool's own id scheme (APP-001)
        if given and kind != "kpi":
            pool.add(given)
        item.key = given or _slug(item.name, pool, kind)
    if unnamed:
        rd.error(unnamed[0], "W-NAME", f"{len(unnamed)} element(s) without a name: named "
                 "after their identifier", hint="name them in your modelling tool, or edit "
                 "the names in the model files")
    if rule.skip_groups:
        _skip_groups(rd, root, els)
    if rd.foreign:  # an empty model imports "successfully": say what became nothing
        for kind, what, types in (("capability", "capabilities", rd.mapping.capabilities),
                                  ("bu", "business units", rule.types)):
            if not any(x.kind == kind and not x.skipped for x in els.values()):
                rd.error(root.sourceline or 1, "W-EMPTY", f"nothing in the file became "
                         f"{what} (the mapping takes {', '.join(types) or 'no type'})",
                         hint="see what became what with --dry-run; choose the element "
                         "types with --map (docs/interop.md)")
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
    data["usage"] = []
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
        outcome = _relation(rd, r, xtype, src, dst, defs, fits, data["usage"])
        tally("relationship", (xtype, src.xtype, dst.xtype), outcome, r.sourceline or 1)


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

"""The model as an ArchiMate 3.1 Model Exchange File (``.xml``), behind the same interface
as the model folder (:func:`write_archimate` / :func:`read_archimate`).

Mapping (DESIGN §1); every number travels as a property, with a property definition:

=======================  =================================================================
opmodel                  ArchiMate
=======================  =================================================================
business unit            BusinessActor
stage                    ValueStream (property ``order``; Flow to the next stage)
capability               Capability; Serving → its ValueStream; Composition parent → child
assessment               Association BusinessActor → Capability (current, target, pain…)
objective / KPI          Goal / Outcome (Realization Outcome → Goal)
objective link           Influence Capability → Goal (``strength``)
segment / expectation    Stakeholder / Requirement (Association Stakeholder → Requirement,
                         Requirement → ValueStream; Realization Capability → Requirement)
application              ApplicationComponent; Serving → BusinessActor; Realization →
                         Capability; per-unit fit: Association "fit" → BusinessActor
usage                    Association "usage" ApplicationComponent → BusinessActor
                         (properties ``capability``, the capability's id, and ``share``)
initiative               WorkPackage; Assignment BusinessActor (owner) → WorkPackage;
                         Realization → Capability per effect (``uplift``); Triggering from
                         each dependency; Association "excludes" / "retires"
team                     Resource; Association "team demand" → WorkPackage (``amount``)
settings, budgets,       properties of the model (``horizon.start``, ``budget:2027Q1:pool``,
guardrails               ``guardrail:1:min_share``…)
scenarios                properties of the model (``scenarios``, ``scenario:1:name``…; see
                         :mod:`.archimate_scenarios`)
=======================  =================================================================

Reading accepts exchange files from other tools, with a mapping given or guessed
(:mod:`.archimate_map`): elements and relationships outside the mapping are reported as
grouped ``W-SKIP`` warnings and left out; an element missing a number the model requires
(an initiative's cost, a goal's weight…) is left out with a warning; an application without
fits comes in with its fit not assessed; a capability without assessment numbers stays
unassessed, never zero. The XML is
parsed by :mod:`opmodel.io.safexml` (no DTD, no entities, no network).
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lxml import etree

from .. import __version__
from ..model import Enterprise
from .archimate_map import Mapping
from .archimate_read import read
from .archimate_scenarios import scenario_properties
from .archimate_view import NS, XSI, heatmap_view, priorities
from .folder import LoadResult
from .sheets import settings_rows
from .tables import _fmt
from .xlsx import atomic_path, check_target, clean_text

if TYPE_CHECKING:
    from ..optimize.scenario import Scenarios

SCHEMA_LOCATION = f"{NS} http://www.opengroup.org/xsd/archimate/3.1/archimate3_Diagram.xsd"
_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _q(tag: str) -> str:
    return f"{{{NS}}}{tag}"


def _esc(text: str) -> str:
    """Text content for XML: markup escaped, characters XML cannot hold dropped."""
    text = _ILLEGAL_XML.sub("", clean_text(text))
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace("\r", "&#13;"))


def _attr(text: str) -> str:
    return _esc(text).replace('"', "&quot;").replace("\n", "&#10;").replace("\t", "&#9;")


def _text(v: Any) -> tuple[str, str] | None:
    """A property value as (text, property type), None to leave it out."""
    if v is None:
        return None
    if isinstance(v, bool):
        return ("true" if v else "false"), "boolean"
    if isinstance(v, int | float):
        return _fmt(float(v)), "number"
    if isinstance(v, dt.date):
        return v.isoformat(), "date"
    if isinstance(v, tuple | list):
        return (";".join(_fmt(float(x)) if isinstance(x, int | float) else str(x)
                         for x in v), "string") if v else None
    return str(v), "string"


# -- writing -------------------------------------------------------------------------------
class _Writer:
    """Writes the document as text: hundreds of thousands of properties are ~10× faster
    as formatted strings than as lxml elements. Every text goes through :func:`_esc`."""

    def __init__(self, e: Enterprise) -> None:
        self.e = e
        self.model_props: list[str] = []
        self.elements: list[str] = []
        self.relationships: list[str] = []
        self.defs: dict[str, tuple[str, str]] = {}
        self.ids: dict[tuple[str, str], str] = {}
        self.used: set[str] = set()
        self.counter = 0

    def new_id(self, kind: str) -> str:
        self.counter += 1
        return f"id-{kind}-{self.counter}"

    def element_id(self, kind: str, key: str) -> str:
        return self.ids[(kind, key)]

    def _props(self, out: list[str], props: list[tuple[str, Any]], indent: str) -> None:
        lines = [self.prop(key, *t, indent=indent + "  ") for key, v in props
                 if (t := _text(v)) is not None]
        if lines:
            out.append(f"{indent}<properties>\n")
            out.extend(lines)
            out.append(f"{indent}</properties>\n")

    def prop(self, key: str, text: str, typ: str, indent: str = "    ") -> str:
        ref = self.defs.get(key)
        if ref is None:
            ref = self.defs[key] = (f"pd-{len(self.defs) + 1}", typ)
        return (f'{indent}<property propertyDefinitionRef="{ref[0]}"><value xml:lang="en">'
                f"{_esc(text)}</value></property>\n")

    def element(self, kind: str, key: str, xtype: str, name: str, doc: str | None,
                props: list[tuple[str, Any]]) -> None:
        base = re.sub(r"[^A-Za-z0-9_.-]", "-", f"id-{kind}-{key}")
        ident, n = base, 1
        while ident in self.used:
            n += 1
            ident = f"{base}-{n}"
        self.used.add(ident)
        self.ids[(kind, key)] = ident
        out = self.elements
        out.append(f'    <element identifier="{_attr(ident)}" xsi:type="{xtype}">\n'
                   f'      <name xml:lang="en">{_esc(name)}</name>\n')
        if doc:
            out.append(f'      <documentation xml:lang="en">{_esc(doc)}</documentation>\n')
        self._props(out, props, "      ")
        out.append("    </element>\n")

    def relation(self, xtype: str, source: str, target: str, name: str | None = None,
                 props: list[tuple[str, Any]] | None = None) -> None:
        self.counter += 1
        out = self.relationships
        head = (f'    <relationship identifier="id-rel-{self.counter}" source="{_attr(source)}" '
                f'target="{_attr(target)}" xsi:type="{xtype}"')
        if not name and not props:
            out.append(head + "/>\n")
            return
        out.append(head + ">\n")
        if name:
            out.append(f'      <name xml:lang="en">{_esc(name)}</name>\n')
        self._props(out, props or [], "      ")
        out.append("    </relationship>\n")


def _fields(obj: Any, names: tuple[str, ...]) -> list[tuple[str, Any]]:
    return [(n, getattr(obj, n)) for n in names]


def _build(e: Enterprise, scenarios: Scenarios | None = None) -> _Writer:
    w = _Writer(e)
    _model_properties(w, e, scenarios)
    for b in e.business_units:
        w.element("bu", b.id, "BusinessActor", b.name, b.description,
                  [("id", b.id), ("weight", b.weight)])
    for s in e.stages:
        w.element("stage", s.id, "ValueStream", s.name, s.description,
                  [("id", s.id), ("order", s.order)])
    pri = priorities(e)
    for c in e.capabilities:
        w.element("capability", c.id, "Capability", c.name, c.description,
                  [("id", c.id), ("priority (derived)", pri.get(c.id))])
    for o in e.objectives:
        w.element("objective", o.id, "Goal", o.name, o.description,
                  [("id", o.id), ("weight", o.weight)])
        for k in o.kpis:
            w.element("kpi", f"{o.id}\x00{k.id}", "Outcome", k.name, k.description,
                      [("id", k.id), *_fields(k, ("unit", "baseline", "target", "direction"))])
    for g in e.segments:
        w.element("segment", g.id, "Stakeholder", g.name, g.description, [("id", g.id)])
    for x in e.expectations:
        w.element("expectation", x.id, "Requirement", x.statement, None,
                  [("id", x.id), ("importance", x.importance)])
    for a in e.applications:
        w.element("application", a.id, "ApplicationComponent", a.name, a.description,
                  [("id", a.id), *_fields(a, ("vendor", "annual_run_cost", "functional_fit",
                                              "technical_fit", "lifecycle", "active_from",
                                              "phase_out_from", "retire_by"))])
    for t in e.policy.teams:
        w.element("team", t.id, "Resource", t.name or t.id, None,
                  [("id", t.id), ("capacity", t.capacity),
                   *((f"capacity:{o.quarter}", o.capacity) for o in t.by_quarter)])
    for i in e.initiatives:
        cr = i.cost_range
        w.element("initiative", i.id, "WorkPackage", i.name, i.description, [
            ("id", i.id), *_fields(i, ("kind", "pool", "duration", "cost", "cost_profile")),
            ("cost_range.low", cr.low if cr else None),
            ("cost_range.likely", cr.likely if cr else None),
            ("cost_range.high", cr.high if cr else None),
            *_fields(i, ("earliest_start", "latest_start", "deadline", "direct_value",
                         "mandatory", "forbidden", "architecture_fit"))])
    _relationships(w, e)
    return w


def archimate_text(e: Enterprise, scenarios: Scenarios | None = None) -> str:
    """The exchange document of ``e`` as text (with the "Capability heat map" view), with
    the what-if ``scenarios`` as model properties (``scenario:1:id``…)."""
    w = _build(e, scenarios)
    out = ["<?xml version='1.0' encoding='UTF-8'?>\n",
           f'<model xmlns="{NS}" xmlns:xsi="{XSI}" xsi:schemaLocation="{SCHEMA_LOCATION}" '
           'identifier="id-opmodel-model">\n',
           f'  <name xml:lang="en">{_esc(e.name)}</name>\n']
    if e.description:
        out.append(f'  <documentation xml:lang="en">{_esc(e.description)}</documentation>\n')
    if w.model_props:
        out += ["  <properties>\n", *w.model_props, "  </properties>\n"]
    for tag, parts in (("elements", w.elements), ("relationships", w.relationships)):
        if parts:
            out += [f"  <{tag}>\n", *parts, f"  </{tag}>\n"]
    if w.defs:
        out.append("  <propertyDefinitions>\n")
        for key, (ident, typ) in w.defs.items():
            out.append(f'    <propertyDefinition identifier="{ident}" type="{typ}">\n'
                       f'      <name xml:lang="en">{_esc(key)}</name>\n'
                       "    </propertyDefinition>\n")
        out.append("  </propertyDefinitions>\n")
    holder = etree.Element(f"{{{NS}}}diagrams", nsmap={None: NS, "xsi": XSI})
    holder.append(heatmap_view(e, w.element_id, w.new_id))
    diagrams = etree.tostring(holder, encoding="unicode", pretty_print=True)
    diagrams = diagrams.replace(f' xmlns="{NS}" xmlns:xsi="{XSI}"', "", 1)
    out += ["  <views>\n", *("    " + ln + "\n" for ln in diagrams.splitlines()),
            "  </views>\n", "</model>\n"]
    return "".join(out)


def archimate_tree(e: Enterprise) -> etree._ElementTree:
    """The exchange document of ``e``, parsed (for inspection and tests)."""
    return etree.fromstring(archimate_text(e).encode("utf-8")).getroottree()


def _model_properties(w: _Writer, e: Enterprise, scenarios: Scenarios | None = None
                      ) -> None:
    rows = [(k, v) for k, v, _ in settings_rows(e) if k not in ("name", "description")]
    rows.append(("exported_by", f"opmodel {__version__}"))
    for b in e.budgets:
        rows.append((f"budget:{b.period}:{b.pool}", b.amount))
    for n, g in enumerate(e.policy.guardrails, start=1):
        rows += [(f"guardrail:{n}:{k}", getattr(g, k))
                 for k in ("kind", "min_share", "max_share", "scope")]
    if scenarios is not None:
        rows += scenario_properties(scenarios)
    for key, v in rows:
        t = _text(v)
        if t is not None:
            w.model_props.append(w.prop(key, *t))


def _relationships(w: _Writer, e: Enterprise) -> None:
    i_ = w.element_id
    stages = e.ordered_stages
    for a, b in itertools.pairwise(stages):
        w.relation("Flow", i_("stage", a.id), i_("stage", b.id))
    caps = e.ids("capability")
    for c in e.capabilities:
        if ("stage", c.stage) in w.ids:
            w.relation("Serving", i_("capability", c.id), i_("stage", c.stage))
        if c.parent is not None and c.parent in caps:
            w.relation("Composition", i_("capability", c.parent), i_("capability", c.id))
    for a in e.assessments:
        props: list[tuple[str, Any]] = [
            ("applicable", False if not a.applicable else None),
            ("current", a.current), ("target", a.target), ("pain", a.pain),
            ("confidence", a.confidence), ("assessor", a.assessor),
            ("date", a.date), ("notes", a.notes)]
        w.relation("Association", i_("bu", a.business_unit), i_("capability", a.capability),
                   "assessment", props)
    for o in e.objectives:
        for link in o.links:
            w.relation("Influence", i_("capability", link.capability), i_("objective", o.id),
                       None, [("strength", link.strength)])
        for k in o.kpis:
            w.relation("Realization", i_("kpi", f"{o.id}\x00{k.id}"), i_("objective", o.id))
    for x in e.expectations:
        w.relation("Association", i_("segment", x.segment), i_("expectation", x.id))
        w.relation("Association", i_("expectation", x.id), i_("stage", x.stage))
        for c in x.capabilities:
            w.relation("Realization", i_("capability", c), i_("expectation", x.id))
    for a in e.applications:
        for b in a.business_units:
            w.relation("Serving", i_("application", a.id), i_("bu", b))
        for c in a.capabilities:
            w.relation("Realization", i_("application", a.id), i_("capability", c))
    for f in e.application_fits:
        w.relation("Association", i_("application", f.application), i_("bu", f.business_unit),
                   "fit", _fields(f, ("functional_fit", "technical_fit")))
    for u in e.usage:  # a ternary fact: the capability (and share) ride as properties
        w.relation("Association", i_("application", u.application), i_("bu", u.business_unit),
                   "usage", [("capability", u.capability), ("share", u.share)])
    for it in e.initiatives:
        me = i_("initiative", it.id)
        w.relation("Assignment", i_("bu", it.owner), me)
        for eff in it.effects:
            w.relation("Realization", me, i_("capability", eff.capability), None,
                       [("uplift", eff.uplift), ("business_units", eff.business_units)])
        for d in it.depends_on:
            w.relation("Triggering", i_("initiative", d), me)
        for x in it.excludes:
            w.relation("Association", me, i_("initiative", x), "excludes")
        for r in it.retires:
            w.relation("Association", me, i_("application", r), "retires")
        for td in it.team_demand:
            w.relation("Association", i_("team", td.team), me, "team demand",
                       [("amount", td.amount)])


def write_archimate(e: Enterprise, path: str | os.PathLike[str],
                    scenarios: Scenarios | None = None) -> Path:
    """Write ``e`` (and its what-if ``scenarios``) as an ArchiMate exchange file at
    ``path`` (atomically)."""
    out = Path(path)
    check_target(out)
    text = archimate_text(e, scenarios)
    with atomic_path(out) as tmp:
        tmp.write_text(text, encoding="utf-8", newline="\n")
    return out


def read_archimate(path: str | os.PathLike[str], mapping: Mapping | None = None,
                   mapping_source: str = "") -> LoadResult:
    """Read an ArchiMate 3.x exchange file; raise :class:`ModelError` listing every error.

    Elements and relationships outside the mapping become grouped ``W-SKIP`` warnings;
    ``mapping`` says which element types become what (default: opmodel's own mapping for
    files opmodel wrote, a guessed one for others; see :mod:`.archimate_map`).
    """
    return read(path, mapping, mapping_source)

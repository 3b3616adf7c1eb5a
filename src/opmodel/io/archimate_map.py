"""Which ArchiMate elements become what: the mapping used when an exchange file is read,
and the account of an import (what was mapped, what was left out, by type and count).

A file written by opmodel (its model carries ``exported_by: opmodel …``) is read with the
default :class:`Mapping`: ValueStream → stage, Capability → capability, every BusinessActor
→ business unit, ApplicationComponent → application. A file from another tool gets a
*guessed* mapping (:func:`guess_mapping`), each choice explained in its notes:

- capabilities are the Capability elements; an older repository that has none uses its
  BusinessFunctions instead;
- business units are the BusinessActors marked as units: by a property (``business unit:
  true``, or a ``type``/``kind``/``category`` property saying unit, division, department…),
  else by an organization folder or a Grouping whose name says so ("Business units",
  "Departments"…),
  else every actor whose name does not say it is outside the company (customer, client,
  intermediary, broker, supplier, partner… — unless it also says department, office,
  service, team…); an actor that composes or aggregates other
  units (the company itself) is left out, so its units' gaps are not counted twice.

A mapping file (``opmodel import FILE DIR --map mapping.yaml``) states it explicitly::

    capabilities: [Capability, BusinessFunction]  # element types that become capabilities
    stages: [ValueStream]
    applications: [ApplicationComponent]
    default_stage: unplaced                        # for capabilities on no value stream
    business_units:
      types: [BusinessActor]
      folder: Business units      # only elements inside this organization folder (or
                                  # aggregated by a Grouping of that name)
      property: kind              # only elements whose 'kind' property …
      value: business unit        # … is this (any value but false/no/0 when left out)
      exclude: [Customer]         # names or identifiers never units
      exclude_matching: "customer|broker"   # nor names matching this (case-insensitive)
      skip_groups: true           # leave out actors that compose other units
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

from pydantic import AfterValidator, Field, ValidationError, field_validator, model_validator
from pydantic_core import PydanticCustomError
from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from ..errors import InputError, Issue, ModelError
from ..model.base import Frozen

FIXED = {"Goal": "objective", "Outcome": "kpi", "Stakeholder": "segment",
         "Requirement": "expectation", "WorkPackage": "initiative", "Resource": "team"}
"""Element types whose meaning never changes (the rest is :class:`Mapping`'s to say)."""

ELEMENT_TYPES = frozenset((
    "BusinessActor", "BusinessRole", "BusinessCollaboration", "BusinessInterface",
    "BusinessProcess", "BusinessFunction", "BusinessInteraction", "BusinessEvent",
    "BusinessService", "BusinessObject", "Contract", "Representation", "Product",
    "ApplicationComponent", "ApplicationCollaboration", "ApplicationInterface",
    "ApplicationFunction", "ApplicationInteraction", "ApplicationProcess", "ApplicationEvent",
    "ApplicationService", "DataObject", "Node", "Device", "SystemSoftware",
    "TechnologyCollaboration", "TechnologyInterface", "Path", "CommunicationNetwork",
    "TechnologyFunction", "TechnologyProcess", "TechnologyInteraction", "TechnologyEvent",
    "TechnologyService", "Artifact", "Equipment", "Facility", "DistributionNetwork",
    "Material", "Stakeholder", "Driver", "Assessment", "Goal", "Outcome", "Principle",
    "Requirement", "Constraint", "Meaning", "Value", "Resource", "Capability", "ValueStream",
    "CourseOfAction", "WorkPackage", "Deliverable", "ImplementationEvent", "Plateau", "Gap",
    "Grouping", "Location"))
"""The element types of ArchiMate 3.1's exchange format (the Open Group's schema)."""


def _element_type(v: str) -> str:
    """A mapping's element type: one of :data:`ELEMENT_TYPES` whose meaning is not fixed
    (a typo would otherwise map nothing, silently)."""
    if v in FIXED:
        raise PydanticCustomError(
            "E-VALUE", "'{v}' has a fixed meaning (it becomes: {what}); it cannot be mapped",
            {"v": v, "what": BECOMES[FIXED[v]]})
    if v not in ELEMENT_TYPES:
        from difflib import get_close_matches

        close = get_close_matches(v, sorted(ELEMENT_TYPES), n=1, cutoff=0.6)
        raise PydanticCustomError(
            "E-VALUE", "'{v}' is not an ArchiMate element type{hint}",
            {"v": v, "hint": f" (did you mean '{close[0]}'?)" if close else
             " (they are spelled as in the exchange file: BusinessFunction, ValueStream…)"})
    return v


ElementType = Annotated[str, AfterValidator(_element_type)]

BECOMES = {"bu": "business unit", "stage": "stage", "capability": "capability",
           "objective": "objective", "kpi": "KPI", "segment": "customer segment",
           "expectation": "customer expectation", "application": "application",
           "initiative": "initiative", "team": "team"}

UNIT_WORDS = re.compile(r"business[ _-]?units?|divisions?|departments?|organi[sz]ation(al)?"
                        r"[ _-]?units?|lines? of business|business[ _-]?lines?|subsidiar"
                        r"(y|ies)|internal", re.IGNORECASE)
EXTERNAL_WORDS = (r"^(?!.*\b(dept|department|division|unit|office|team|cent(er|re)|"
                  r"services?|management|operations|desk|group)\b)"
                  r".*\b(customer|client|intermediar|broker|agent|supplier|vendor|partner|"
                  r"insurant|insured|policy ?holder|consumer|prospect|citizen|patient|"
                  r"external|third[ -]party|regulator|authority|government|public)")
"""Names of actors outside the company — unless the name also says it is part of it
("Customer Service", "Client Services Dept", "Vendor Management" stay units)."""
_UNIT_PROPERTY = re.compile(r"(business|org(ani[sz]ation(al)?)?)[ _-]?unit|unit",
                            re.IGNORECASE)
_TYPE_PROPERTY = re.compile(r"(actor[ _-]?)?(type|kind|category|class(ification)?)",
                            re.IGNORECASE)
_FALSE = frozenset({"false", "no", "0", "n", "off", ""})


class UnitRule(Frozen):
    """Which elements are business units."""

    types: tuple[ElementType, ...] = ("BusinessActor",)
    folder: str | None = None
    property: str | None = None
    value: str | None = None
    exclude: tuple[str, ...] = ()
    exclude_matching: str | None = None
    skip_groups: bool = False

    @field_validator("exclude_matching")
    @classmethod
    def _regex(cls, v: str | None) -> str | None:
        if v is not None:
            try:
                re.compile(v)
            except re.error as exc:
                raise ValueError(f"not a regular expression: {exc}") from None
        return v

    def decide(self, name: str, ident: str, props: dict[str, str], folders: tuple[str, ...]
               ) -> str | None:
        """None when the element is a unit, else why not (before ``skip_groups``)."""
        if name in self.exclude or ident in self.exclude:
            return "excluded by name in the mapping"
        if self.exclude_matching and re.search(self.exclude_matching, name, re.IGNORECASE):
            return "name says it is outside the company (customer, intermediary…)"
        if self.folder is not None and not any(f.casefold() == self.folder.casefold()
                                               for f in folders):
            return f"not in the folder or Grouping '{self.folder}'"
        if self.property is not None:
            v = _prop(props, self.property)
            if v is None or (self.value is None and v.strip().lower() in _FALSE) or (
                    self.value is not None and v.strip().casefold() != self.value.casefold()):
                want = f"'{self.property}' = '{self.value}'" if self.value is not None \
                    else f"a '{self.property}' property"
                return f"has no {want}"
        return None


def _prop(props: dict[str, str], key: str) -> str | None:
    if key in props:
        return props[key]
    low = key.casefold()
    return next((v for k, v in props.items() if k.casefold() == low), None)


class Mapping(Frozen):
    """Which element types become stages, capabilities, units and applications."""

    stages: tuple[ElementType, ...] = ("ValueStream",)
    capabilities: tuple[ElementType, ...] = ("Capability",)
    applications: tuple[ElementType, ...] = ("ApplicationComponent",)
    business_units: UnitRule = Field(default_factory=UnitRule)
    default_stage: str = Field(default="unplaced", pattern=r"^[a-z0-9][a-z0-9_.-]*$")

    @model_validator(mode="after")
    def _one_kind_each(self) -> Mapping:
        named: dict[str, str] = {}
        for key, types in (("stages", self.stages), ("capabilities", self.capabilities),
                           ("applications", self.applications),
                           ("business_units.types", self.business_units.types)):
            for t in types:
                if named.setdefault(t, key) != key:
                    raise PydanticCustomError(
                        "E-VALUE", "'{t}' is named in {a} and in {b}; an element type "
                        "becomes one kind", {"t": t, "a": named[t], "b": key})
        return self

    def kinds(self) -> dict[str, str]:
        """Element type → opmodel kind (the fixed ones included)."""
        out = dict(FIXED)
        for kind, types in (("stage", self.stages), ("capability", self.capabilities),
                            ("application", self.applications),
                            ("bu", self.business_units.types)):
            for t in types:
                out.setdefault(t, kind)
        return out

    def yaml_text(self) -> str:
        """The mapping as a mapping file (only what differs from opmodel's own)."""
        import io

        d = self.model_dump(mode="json", exclude_defaults=True)
        if not d:
            return "{}  # opmodel's own mapping\n"
        buf = io.StringIO()
        yaml = YAML()
        yaml.default_flow_style = False
        yaml.width = 4096  # a pattern stays on one line
        yaml.dump(d, buf)
        return buf.getvalue()


DEFAULT = Mapping()


def load_mapping(path: str | os.PathLike[str]) -> Mapping:
    """A mapping file (YAML); raise :class:`ModelError` with every located problem."""
    from .folder import yaml_position
    from .issues import pydantic_issues
    from .safefile import decode, read_bytes, yaml_guard

    p = Path(path)
    if p.is_dir():
        raise InputError(f"cannot read the mapping {p}: it is a folder",
                         hint="give the path of a mapping file (YAML)")
    data = read_bytes(p.parent, p.name)  # size limit, no FIFOs or devices
    if data is None:
        raise InputError(f"{p}: no such mapping file", hint="see docs/interop.md")
    text = data if isinstance(data, Issue) else decode(p.name, data)
    refused = text if isinstance(text, Issue) else yaml_guard(p.name, text)
    if refused is not None:  # (anchors and aliases, deep nesting: refused, as for models)
        raise ModelError([refused], source=str(p))
    assert isinstance(text, str)
    try:
        doc = YAML().load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        raise ModelError([Issue("E-YAML", (exc.problem or "malformed YAML").strip()).at(
            f"{p.name}:{line}:{col}", (p.name, line, col))], source=str(p)) from None
    except (YAMLError, ValueError, OverflowError) as exc:
        raise ModelError([Issue("E-YAML", (str(exc).splitlines() or ["malformed YAML"])[0]
                                ).at(p.name)], source=str(p)) from None
    if doc is None:
        return DEFAULT
    if not isinstance(doc, dict):
        raise ModelError([Issue("E-YAML", "a mapping file is a YAML mapping (capabilities:, "
                                "business_units: …)").at(f"{p.name}:1:1")], source=str(p))
    for key in ("stages", "capabilities", "applications"):
        if isinstance(doc.get(key), str):
            doc[key] = [doc[key]]
    units = doc.get("business_units")
    if isinstance(units, str | list):
        doc["business_units"] = {"types": [units] if isinstance(units, str) else units}
    try:
        return Mapping.model_validate(dict(doc))
    except ValidationError as exc:
        issues = []
        for i in pydantic_issues(exc, ()):
            if i.code == "E-UNKNOWN" and i.path:
                known = list(UnitRule.model_fields) if len(i.path) > 1 else \
                    list(Mapping.model_fields)
                i = Issue(i.code, f"unknown key '{i.path[-1]}'", i.path,
                          hint=f"known keys: {', '.join(known)}")
            line, col = yaml_position(doc, i.path)
            issues.append(i.at(f"{p.name}:{line}:{col}", (p.name, line, col)))
        raise ModelError(issues, source=str(p)) from None


@dataclass(frozen=True)
class Candidate:
    """What :func:`guess_mapping` needs to know of one element."""

    ident: str
    xtype: str
    name: str
    props: dict[str, str]
    folders: tuple[str, ...]


def guess_mapping(elements: list[Candidate]) -> tuple[Mapping, list[str]]:
    """A mapping for a file another tool wrote, and a note explaining each choice."""
    notes: list[str] = []
    types = {c.xtype for c in elements}
    caps: tuple[str, ...] = ("Capability",)
    if "Capability" not in types and "BusinessFunction" in types:
        caps = ("BusinessFunction",)
        notes.append("capabilities: the file has no Capability elements, so its "
                     "BusinessFunctions are taken as capabilities (an older repository)")
    actors = [c for c in elements if c.xtype == "BusinessActor"]
    rule = _guess_units(actors, notes)
    return Mapping(capabilities=caps, business_units=rule), notes


def _guess_units(actors: list[Candidate], notes: list[str]) -> UnitRule:
    for key in sorted({k for a in actors for k in a.props}):
        if _UNIT_PROPERTY.fullmatch(key.strip()):
            marked = [a for a in actors if (a.props.get(key) or "").strip().lower()
                      not in _FALSE]
            if marked:
                notes.append(f"business units: the BusinessActors with a '{key}' property "
                             f"({len(marked)} of {len(actors)})")
                return UnitRule(property=key)
        if _TYPE_PROPERTY.fullmatch(key.strip()):
            values = sorted({a.props[key].strip() for a in actors if a.props.get(key)})
            hit = next((v for v in values if UNIT_WORDS.fullmatch(v) or
                        re.fullmatch(r"(business )?units?", v, re.IGNORECASE)), None)
            if hit:
                notes.append(f"business units: the BusinessActors whose '{key}' is '{hit}'")
                return UnitRule(property=key, value=hit)
    labels = sorted({f for a in actors for f in a.folders if UNIT_WORDS.fullmatch(f.strip())})
    if labels:
        n = sum(1 for a in actors if labels[0] in a.folders)
        notes.append(f"business units: the BusinessActors in the folder or Grouping "
                     f"'{labels[0]}' ({n} of {len(actors)})")
        return UnitRule(folder=labels[0], skip_groups=True)
    out = [a.name for a in actors if re.search(EXTERNAL_WORDS, a.name, re.IGNORECASE)]
    notes.append("business units: every BusinessActor except those whose name says they are "
                 "outside the company (customer, client, intermediary, broker, supplier, "
                 "partner…)" + (f": {len(out)} left out" if out else "")
                 + ", and those that compose other units (the company as a whole); "
                 "mark units with a property or folder, or give --map, to choose exactly")
    return UnitRule(exclude_matching=EXTERNAL_WORDS, skip_groups=True)


@dataclass
class Tally:
    """What became of each element and relationship type: (section, ArchiMate type,
    outcome) → [count, first line]. ``outcome`` is an opmodel kind or "left out: why"."""

    rows: dict[tuple[str, Any, str], list[int]] = field(default_factory=dict)

    def add(self, section: str, label: Any, outcome: str, line: int, n: int = 1) -> None:
        """``label``: an element type, or (relationship type, source type, target type)."""
        hit = self.rows.get((section, label, outcome))
        if hit is None:
            self.rows[(section, label, outcome)] = [n, line]
        else:
            hit[0] += n


@dataclass(frozen=True)
class ImportRow:
    section: str  # "element" or "relationship"
    archimate: str  # element type, or "Serving ApplicationComponent → Capability"
    becomes: str  # opmodel kind or meaning; "left out" when left out
    reason: str  # why left out (empty when mapped)
    count: int
    line: int  # first place in the file


@dataclass(frozen=True)
class ImportReport:
    """The account of one import: the mapping used, what became what, and the issues."""

    source: str
    mapping: Mapping
    mapping_source: str  # "opmodel" (written by opmodel), "guessed", or the mapping file
    notes: tuple[str, ...]
    rows: tuple[ImportRow, ...]
    issues: tuple[Issue, ...]
    counts: dict[str, int]  # what the model holds, by kind (empty when it has errors)

    @property
    def ok(self) -> bool:
        return not any(i.severity == "error" for i in self.issues)

    @property
    def mapped(self) -> tuple[ImportRow, ...]:
        return tuple(r for r in self.rows if not r.reason)

    @property
    def left_out(self) -> tuple[ImportRow, ...]:
        return tuple(r for r in self.rows if r.reason)

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "ok": self.ok,
                "mapping": {"source": self.mapping_source, **self.mapping.model_dump(
                    mode="json")},
                "notes": list(self.notes),
                "mapped": [_row(r) for r in self.mapped],
                "left_out": [_row(r) for r in self.left_out],
                "model": self.counts,
                "issues": [{"code": i.code, "severity": i.severity, "location": i.location,
                            "message": i.message, "hint": i.hint} for i in self.issues]}


def _row(r: ImportRow) -> dict[str, Any]:
    d = {"section": r.section, "archimate": r.archimate, "becomes": r.becomes,
         "count": r.count, "line": r.line}
    if r.reason:
        d["reason"] = r.reason
    return d


def report_rows(t: Tally) -> tuple[ImportRow, ...]:
    out = []
    for (section, label, outcome), (n, line) in t.rows.items():
        left = outcome.startswith("left out: ")
        if isinstance(label, tuple):
            label = f"{label[0]} {label[1]} → {label[2]}"
        out.append(ImportRow(section, label, "left out" if left else outcome,
                             outcome[len("left out: "):] if left else "", n, line))
    out.sort(key=lambda r: (r.section != "element", bool(r.reason), r.line))
    return tuple(out)

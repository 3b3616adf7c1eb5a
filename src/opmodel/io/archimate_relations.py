"""What each relationship of an exchange file becomes (the relationship table of
docs/interop.md): applied to the records of its two elements, returning the meaning the
import's account shows ("left out: why" when it has none)."""

from __future__ import annotations

from typing import Any

from lxml import etree

from .archimate_base import BEHAVIOUR, BUSINESS, _copy, _El, _Reader, _scan, _split

_USE = ("Assignment", "Composition", "Aggregation")


def _relation(rd: _Reader, r: etree._Element, xtype: str, src: _El, dst: _El,
              defs: dict[str, str], fits: list[dict[str, Any]],
              usage: list[dict[str, Any]]) -> str:
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
    if pair == ("Association", "application", "bu") and name == "usage":
        if "capability" not in pr:
            rd.skip("usage association(s) without the capability property", line)
            return "left out: no capability property"
        rd.places[("usage", len(usage))] = line
        usage.append({"application": src.key, "business_unit": dst.key,
                      **_copy(pr, ("capability", "share"))})
        return "a unit's use of an application for a capability"
    if pair == ("Association", "application", "bu") and (
            name == "fit" or "functional_fit" in pr or "technical_fit" in pr):
        rd.places[("application_fits", len(fits))] = line
        fits.append({"application": src.key, "business_unit": dst.key,
                     **_copy(pr, ("functional_fit", "technical_fit"))})
        return "a unit's own fit"
    ends = {src.kind, dst.kind}
    if xtype == "Association" and rd.foreign and ends == {"application", "bu"}:
        app, unit = (s, dst) if src.kind == "application" else (t, src)
        _add_unique(rd, app, "business_units", unit.key, line)
        return "unit using an application"
    if xtype == "Association" and rd.foreign and ends == {"application", "capability"}:
        app, cap = (s, dst) if src.kind == "application" else (t, src)
        _add_unique(rd, app, "capabilities", cap.key, line)
        return "capability of an application"
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
    """Remember a link through an element opmodel has no place for, which two
    relationships cross: an application realizes a service (interface, application function
    or process) that serves a capability or unit; or an application serves a business
    process (role, interaction, function not taken as a capability) that a unit performs or
    that is part of — or realizes — a capability. Returns whether it was such a link."""
    app_side = (dst.xtype in BEHAVIOUR and src.kind == "application" and xtype in (
        "Realization", "Assignment", "Composition", "Aggregation")) or (
        dst.xtype in BUSINESS and src.kind == "application" and xtype == "Serving")
    if app_side:
        _via(rd, dst)[1].append(src)
    elif src.xtype in BEHAVIOUR and dst.kind in ("capability", "bu") and xtype in (
            "Serving", "Realization"):
        _via(rd, src)[2].append((dst, line))
    elif dst.xtype in BUSINESS and (
            (src.kind == "bu" and xtype == "Assignment") or (src.kind == "capability" and xtype in (
                "Composition", "Aggregation", "Assignment"))):
        _via(rd, dst)[2].append((src, line))
    elif src.xtype in BUSINESS and dst.kind == "capability" and xtype == "Realization":
        _via(rd, src)[2].append((dst, line))
    else:
        return False
    link = dst if dst.skipped else src
    rd.tally.add("relationship", (xtype, src.xtype, dst.xtype),
                 f"link through {link.xtype} (see the 'via' rows)", line)
    return True


def _via(rd: _Reader, el: _El) -> tuple[str, list[_El], list[tuple[_El, int]]]:
    return rd.behaviour.setdefault(el.ident, (el.xtype, [], []))


def _derived(rd: _Reader, data: dict[str, Any]) -> None:
    """What follows from two relationships: applications serving through the elements in
    between (:func:`_behaviour`), and units that use a capability (an unassessed
    assessment, unless one is given)."""
    for via, apps, served in rd.behaviour.values():
        for app in apps:
            for target, line in served:
                field_ = "capabilities" if target.kind == "capability" else "business_units"
                _add_unique(rd, app.rec, field_, target.key, line)
                what = "capability of an application" if target.kind == "capability" \
                    else "unit using an application"
                rd.tally.add("relationship", (f"via {via}", app.xtype, target.xtype),
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

"""The model's what-if scenarios as properties of an exchange file's model
(``scenarios``, ``scenario:N:KEY``, ``scenario:N:budgets:M:KEY``), both ways."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from lxml import etree

from ..errors import Issue
from ..model import Enterprise
from .archimate_base import _PROPERTIES, _REF, _Reader, _split

if TYPE_CHECKING:
    from ..optimize.scenario import Scenarios


def scenario_properties(scenarios: Scenarios) -> list[tuple[str, Any]]:
    """The scenarios as model properties: ``scenarios`` (how many), then per scenario N
    ``scenario:N:KEY`` with the keys of scenarios.yaml (dotted when nested:
    ``scenario:1:weights.customer``; lists of ids joined by ';'; budget rules as
    ``scenario:N:budgets:M:pool``)."""
    from .scenarios import scenario_records

    rows: list[tuple[str, Any]] = [("scenarios", len(scenarios.scenarios))]
    for n, rec in enumerate(scenario_records(scenarios), start=1):
        for key, v in rec.items():
            if key == "budgets":
                for m, rule in enumerate(v, start=1):
                    rows += [(f"scenario:{n}:budgets:{m}:{k}", x) for k, x in rule.items()]
            elif isinstance(v, dict):
                rows += [(f"scenario:{n}:{key}.{k}", x) for k, x in v.items()]
            else:
                rows.append((f"scenario:{n}:{key}", v))
    return rows


def read_scenario_properties(rd: _Reader, root: etree._Element, props: dict[str, str],
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

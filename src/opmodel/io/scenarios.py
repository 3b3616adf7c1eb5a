"""``scenarios.yaml`` in a model folder: named what-ifs, read with located errors.

::

    scenarios:
      - id: lean
        name: Lean year
        budget_scale: 0.9                    # every budget line × 0.9
        budgets:                             # then these, in order
          - {pool: transformation, scale: 0.8}
          - {pool: enterprise, period: 2027Q4, amount: 2500}
        weights: {customer: 0.6, strategic: 0.3, pain: 0.1}
        force_in: [crm-salesforce]
        force_out: [data-platform]
        horizon: {quarters: 12}
        confidence: 0.8                      # plan to 80 % (policy.confidence)

Every problem is reported at once as ``scenarios.yaml:LINE:COL: CODE message``, including
references to pools, budget periods and initiatives the model does not have.
"""

from __future__ import annotations

import io
import os
from difflib import get_close_matches
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from ..errors import InputError, Issue, ModelError, PathPart
from ..model import Enterprise
from ..optimize.scenario import BASE, BudgetOverride, Scenario, Scenarios, apply
from .folder import _yaml_fast
from .issues import pydantic_issues
from .positions import yaml_positions
from .safefile import control_paths, decode, excerpt, read_bytes, yaml_guard

FILE = "scenarios.yaml"


def read_scenarios(folder: str | os.PathLike[str], e: Enterprise | None = None) -> Scenarios:
    """The scenarios of the model at ``folder`` (none when there is no scenarios.yaml).

    With ``e`` also checks that every pool, period and initiative named exists.
    Raises :class:`ModelError` with every located problem.
    """
    path = Path(folder) / FILE
    data = read_bytes(Path(folder), FILE)
    if data is None:
        return Scenarios()
    text = data if isinstance(data, Issue) else decode(FILE, data)
    refused = text if isinstance(text, Issue) else yaml_guard(FILE, text)
    if refused is not None:
        raise ModelError([refused], source=str(path))
    assert isinstance(text, str)
    try:  # libyaml's loader (the pure-Python round-trip one took 3 s a MB); issues are
        doc = _yaml_fast().load(text)  # placed from the parse events (io/positions.py)
    except (ValueError, OverflowError) as exc:  # a bad date or number
        raise ModelError([Issue("E-YAML", f"cannot read a value: {excerpt(str(exc))}").at(
            FILE)], source=str(path)) from None
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        issue = Issue("E-YAML", (exc.problem or "malformed YAML").strip(),
                      hint="check the indentation and the ':' after each key")
        raise ModelError([issue.at(f"{FILE}:{line}:{col}", (FILE, line, col))],
                         source=str(path)) from None
    except YAMLError as exc:
        raise ModelError([Issue("E-YAML", str(exc).splitlines()[0]).at(FILE)],
                         source=str(path)) from None
    if doc is None:
        return Scenarios()
    issues: list[Issue] = []
    if not isinstance(doc, dict):
        issues.append(Issue("E-YAML", f"{FILE} must be a mapping with the key 'scenarios'"))
        doc = {}
    for ypath, char in control_paths(doc):
        issues.append(Issue("E-TEXT", f"control character \\x{ord(char):02x} in the text",
                            ypath, hint="remove it: in YAML an escape such as \\e or \\0 "
                                        "inside double quotes makes one"))
    for key in doc:
        if key != "scenarios":
            issues.append(_fix_unknown(Issue("E-UNKNOWN", "", (str(key),))))
    items = doc.get("scenarios") or []
    if not isinstance(items, list):
        issues.append(Issue("E-TYPE", "'scenarios' must be a list of scenarios",
                            ("scenarios",)))
        items = []
    result, found = parse_scenarios(items, e)
    issues += found
    if issues:
        where = yaml_positions(text, [tuple(i.path) for i in issues])
        placed = []
        for i in issues:
            line, col = where[tuple(i.path)]
            placed.append(i.at(f"{FILE}:{line}:{col}", (FILE, line, col)))
        raise ModelError(placed, source=str(path))
    return result


def parse_scenarios(items: list[Any], e: Enterprise | None = None
                    ) -> tuple[Scenarios, list[Issue]]:
    """Raw scenarios (dicts, as in scenarios.yaml) → :class:`Scenarios` and every issue,
    at element paths (``("scenarios", 2, "force_in", 0)``) for the caller to place: the
    one check behind scenarios.yaml, the workbook's Scenarios sheets and the ArchiMate
    model's ``scenario:…`` properties. With ``e`` also checks the references."""
    issues: list[Issue] = []
    parsed: list[tuple[int, Scenario]] = []
    from .assemble import no_bool_numbers

    for k, item in enumerate(items):
        no_bool_numbers(Scenario, item)  # `budget_scale: true` is no scale of 1
        try:
            parsed.append((k, Scenario.model_validate(item)))
        except ValidationError as exc:
            issues += [_fix_unknown(i) for i in pydantic_issues(exc, ("scenarios", k))]
    issues += _references(parsed, e)
    return Scenarios(scenarios=tuple(sc for _, sc in parsed)), issues


def scenario_records(s: Scenarios) -> list[dict[str, Any]]:
    """The scenarios as plain data, keys as in scenarios.yaml (defaults left out)."""
    return [sc.model_dump(mode="json", exclude_defaults=True) for sc in s.scenarios]


def scenarios_text(s: Scenarios) -> str:
    """scenarios.yaml for ``s``."""
    buf = io.StringIO()
    yaml = YAML()
    yaml.default_flow_style = None
    buf.write("# What-if scenarios: opmodel plan --scenario ID, opmodel diff A B "
              "(see docs/optimize.md)\n")
    yaml.dump({"scenarios": scenario_records(s)}, buf)
    return buf.getvalue()


def write_scenarios(folder: str | os.PathLike[str], s: Scenarios | None) -> Path | None:
    """Write (or, for no scenarios, remove) ``folder``/scenarios.yaml in one step; None
    leaves the folder as it is. Returns the file written, if any. (An import writes it with
    the model instead, in the same step: see :func:`opmodel.api.import_model`.)"""
    from .atomic import write_file

    path = Path(folder) / FILE
    if s is None:
        return None
    if not s.scenarios:
        if path.exists():
            path.unlink()
        return None
    return write_file(path, scenarios_text(s))



def _fix_unknown(i: Issue) -> Issue:
    """pydantic_issues suggests Enterprise keys for unknown keys; suggest scenario keys."""
    if i.code != "E-UNKNOWN" or not i.path:
        return i
    key = str(i.path[-1])
    if len(i.path) == 1:
        known = ["scenarios"]
    elif len(i.path) >= 4 and i.path[2] == "budgets":
        known = list(BudgetOverride.model_fields)
    elif len(i.path) >= 4 and i.path[2] == "horizon":
        known = ["start", "quarters"]
    elif len(i.path) >= 4 and i.path[2] == "weights":
        known = ["customer", "strategic", "pain"]
    else:
        known = list(Scenario.model_fields)
    close = get_close_matches(key, known, n=1, cutoff=0.6)
    hint = f"did you mean '{close[0]}'?" if close else f"known keys: {', '.join(known)}"
    return Issue(i.code, f"unknown key '{key}'", i.path, hint=hint)


def _references(parsed: list[tuple[int, Scenario]], e: Enterprise | None) -> list[Issue]:
    out: list[Issue] = []
    seen: set[str] = set()
    for k, sc in parsed:
        if sc.id in seen:
            out.append(Issue("E-DUP", f"scenario id '{sc.id}' is used more than once",
                             ("scenarios", k, "id")))
        if sc.id == BASE:
            out.append(Issue("E-ID", f"'{BASE}' is reserved for the model as it is",
                             ("scenarios", k, "id"), hint="choose another id"))
        seen.add(sc.id)
        if e is None:
            continue
        pools = set(e.pools)
        periods = {b.period for b in e.budgets}
        inits = set(e.ids("initiative"))
        for j, o in enumerate(sc.budgets):
            if o.pool is not None and o.pool not in pools and o.amount is None:
                out.append(_unknown("pool", o.pool, pools, ("scenarios", k, "budgets", j,
                                                            "pool")))
            if o.period is not None and o.period not in periods and o.amount is None:
                out.append(_unknown("budget period", o.period, periods,
                                    ("scenarios", k, "budgets", j, "period")))
        for field in ("force_in", "force_out"):
            for j, x in enumerate(getattr(sc, field)):
                if x not in inits:
                    out.append(_unknown("initiative", x, inits, ("scenarios", k, field, j)))
        both = set(sc.force_in) & set(sc.force_out)
        for x in sorted(both):
            out.append(Issue("E-CONFLICT", f"initiative '{x}' is both forced in and out",
                             ("scenarios", k, "force_out")))
    return out


def _unknown(kind: str, value: str, known: set[str], path: tuple[PathPart, ...]) -> Issue:
    close = get_close_matches(value, sorted(known), n=1)
    return Issue("E-REF", f"scenario names unknown {kind} '{value}'", path,
                 hint=f"did you mean '{close[0]}'?" if close else None)


def scenario_model(folder: str | os.PathLike[str], e: Enterprise, name: str) -> Enterprise:
    """The model of scenario ``name`` (``base``: the model itself)."""
    if name == BASE:
        return e
    s = read_scenarios(folder, e)
    sc = s.get(name)
    if sc is None:
        names = [x.id for x in s.scenarios]
        close = get_close_matches(name, names, n=1)
        hint = (f"did you mean '{close[0]}'?" if close else
                f"known: {', '.join([BASE, *names])}" if names else
                f"add it to {FILE} in the model folder (see docs/optimize.md)")
        raise InputError(f"no scenario '{name}'", hint=hint)
    return apply(e, sc)

"""The bundled example enterprise ``examples/acme``: it loads cleanly, has the size the
issue asks for, exercises every feature of the format, and keeps telling its stories
(hottest gap in Storage order-to-cash, duplicated CRMs, a tight budget)."""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path

import pytest
from typer.testing import CliRunner

import opmodel
from opmodel.cli import app
from opmodel.model import Enterprise
from opmodel.model.ahp import ahp_weights
from opmodel.model.initiative import Initiative
from opmodel.model.quarter import quarter_index


@pytest.fixture(scope="module")
def acme() -> Enterprise:
    result = opmodel.read(Path(__file__).resolve().parents[1] / "examples" / "acme")
    assert result.warnings == [], [str(w) for w in result.warnings]
    return result.enterprise


def test_loads_without_errors_or_warnings(acme_path: Path) -> None:
    result = opmodel.read(acme_path)
    assert result.warnings == []
    assert opmodel.validate(result.enterprise) == []


def test_cli_validate_strict_and_show(acme_path: Path) -> None:
    runner = CliRunner()
    res = runner.invoke(app, ["validate", "--strict", str(acme_path)])
    assert res.exit_code == 0, res.output
    assert "is valid" in res.output and "warning" not in res.output
    res = runner.invoke(app, ["show", str(acme_path)])
    assert res.exit_code == 0, res.output
    assert "Acme Technologies" in res.output
    assert "Order to cash" in res.output


# -- size -------------------------------------------------------------------------------
def test_counts_are_in_the_issue_ranges(acme: Enterprise) -> None:
    assert acme.name == "Acme Technologies"
    assert (acme.currency, acme.unit) == ("USD", "thousands")
    assert (acme.horizon.start, acme.horizon.quarters) == ("2027Q1", 8)
    assert 5 <= len(acme.stages) <= 6
    assert 4 <= len(acme.business_units) <= 5
    assert 40 <= len(acme.capabilities) <= 60
    assert len(acme.segments) == 3
    assert 20 <= len(acme.expectations) <= 30
    assert 4 <= len(acme.objectives) <= 6
    assert all(1 <= len(o.kpis) <= 3 for o in acme.objectives)
    assert 50 <= len(acme.applications) <= 80
    assert 35 <= len(acme.initiatives) <= 50
    assert 230 <= len(acme.assessments) <= 275
    assert len(acme.policy.teams) in (3, 4)
    assert {b.period for b in acme.budgets} == set(acme.quarters)
    assert len(acme.budgets) == 8 * 2


def test_bu_weights_are_revenue_shares(acme: Enterprise) -> None:
    weights = [b.weight for b in acme.business_units]
    assert all(w is not None and w > 0 for w in weights)
    assert sum(w for w in weights if w is not None) == pytest.approx(1.0)


# -- every feature is exercised ----------------------------------------------------------
def test_two_level_capability_hierarchy(acme: Enterprise) -> None:
    levels = Counter(acme.capability_level(c.id) for c in acme.capabilities)
    assert set(levels) == {1, 2}
    assert levels[2] > levels[1] >= 6
    for c in acme.capabilities:
        if c.parent is not None:
            assert acme.capability(c.parent).stage == c.stage
    assert {c.stage for c in acme.capabilities} == {s.id for s in acme.stages}


def _leaves(e: Enterprise) -> set[str]:
    return {c.id for c in e.capabilities if c.parent is not None}


def test_assessments_have_na_missing_and_both_confidences(acme: Enterprise) -> None:
    na = [a for a in acme.assessments if not a.applicable]
    assert len(na) >= 10
    assert any(a.business_unit == "financing" and a.capability == "install-services" for a in na)
    missing = [(c, b.id) for c in sorted(_leaves(acme)) for b in acme.business_units
               if acme.assessment(c, b.id) is None]
    assert 3 <= len(missing) <= 10
    assert Counter(a.confidence for a in acme.assessments).keys() == {"stated", "inferred"}
    assert all(a.assessor and a.date and a.date.year == 2026 for a in acme.assessments)
    parents = {c.id for c in acme.capabilities} - _leaves(acme)
    assert any(a.capability in parents for a in acme.assessments)  # parents assessed too


def test_applications_cover_time_quadrants_lifecycles_and_unit_fits(acme: Enterprise) -> None:
    def quadrant(ff: int, tf: int) -> str:
        return {(True, True): "invest", (True, False): "migrate",
                (False, True): "tolerate", (False, False): "eliminate"}[(ff >= 3, tf >= 3)]

    quadrants = Counter(quadrant(a.functional_fit, a.technical_fit) for a in acme.applications)
    assert set(quadrants) == {"invest", "migrate", "tolerate", "eliminate"}
    lifecycles = {a.lifecycle for a in acme.applications}
    assert lifecycles == {"plan", "active", "phase-out", "retired"}
    for a in acme.applications:
        if a.lifecycle == "phase-out":
            assert a.phase_out_from and a.retire_by
        assert 0 <= a.annual_run_cost <= 2500
    assert acme.application_fits
    for fit in acme.application_fits:
        app_ = acme.application(fit.application)
        assert fit.business_unit in app_.business_units
        assert (fit.functional_fit, fit.technical_fit) != (app_.functional_fit,
                                                            app_.technical_fit)


def test_crms_are_duplicated_across_units(acme: Enterprise) -> None:
    crms = [a for a in acme.applications if "account-mgmt" in a.capabilities]
    assert len(crms) >= 4
    vendors = Counter(a.vendor for a in crms)
    assert vendors["Salesforce"] >= 2 and vendors["Microsoft"] >= 1 and vendors["Oracle"] >= 1
    assert len({b for a in crms for b in a.business_units}) == len(acme.business_units)
    costs = {a.annual_run_cost for a in crms}
    fits = {(a.functional_fit, a.technical_fit) for a in crms}
    assert len(costs) == len(crms) and len(fits) >= 3
    for cap in ("quoting", "order-capture"):
        assert len([a for a in acme.applications if cap in a.capabilities]) >= 3


def test_some_units_have_no_application_for_a_capability(acme: Enterprise) -> None:
    served = {(c, b) for a in acme.applications if a.lifecycle != "retired"
              for c in a.capabilities for b in a.business_units}
    unserved = [(a.capability, a.business_unit) for a in acme.assessments
                if a.assessed and a.capability in _leaves(acme)
                and (a.capability, a.business_unit) not in served]
    assert ("customer-data", "networking") in unserved
    assert len(unserved) >= 5


def test_strategy_and_customers(acme: Enterprise) -> None:
    for o in acme.objectives:
        assert o.weight > 0 and o.links
        for k in o.kpis:
            assert k.baseline is not None and k.target is not None and k.unit
            assert (k.target > k.baseline) == (k.direction == "up")
    assert {link.strength for _, link in acme.objective_links} == {1, 2, 3}
    assert {x.importance for x in acme.expectations} >= {2, 3, 4, 5}
    assert all(x.capabilities for x in acme.expectations)


def test_scoring_uses_consistent_ahp(acme: Enterprise) -> None:
    assert acme.scoring.weights is None and acme.scoring.ahp is not None
    assert acme.scoring.ahp.criteria == ("customer", "strategic", "pain")
    res = ahp_weights(acme.scoring.ahp.matrix)
    assert res.cr < 0.1
    assert res.weights[0] == max(res.weights)  # customer value first
    assert acme.scoring.point_value > 0


def test_initiatives_exercise_every_feature(acme: Enterprise) -> None:
    inits = acme.initiatives
    kinds = Counter(i.kind for i in inits)
    assert set(kinds) == {"run", "grow", "transform"}
    assert all(1 <= i.duration <= 6 for i in inits)
    assert all(100 <= i.total_cost <= 4000 for i in inits)
    profiled = [i for i in inits if i.cost_profile is not None]
    assert profiled and all(len(i.cost_profile or ()) == i.duration for i in profiled)
    assert any(i.earliest_start and i.earliest_start == i.latest_start for i in inits)
    assert any(i.deadline for i in inits)
    assert sum(i.cost_range is not None for i in inits) > len(inits) / 2
    assert any(i.direct_value > 0 for i in inits)
    assert sum(i.architecture_fit is not None for i in inits) > len(inits) / 2
    assert any(i.team_demand for i in inits)
    assert any(i.retires for i in inits)
    with_deps = sum(bool(i.depends_on) for i in inits)
    assert 0.15 <= with_deps / len(inits) <= 0.4
    mandatory = [i for i in inits if i.mandatory]
    assert 2 <= len(mandatory) <= 3 and not any(i.forbidden for i in mandatory)
    assert sum(i.forbidden for i in inits) == 1
    assert {i.pool for i in inits} == set(acme.pools) and len(acme.pools) == 2
    for i in inits:  # effects never raise a capability a unit marked n/a
        for eff in i.effects:
            for b in eff.business_units or [u.id for u in acme.business_units]:
                a = acme.assessment(eff.capability, b)
                assert a is None or a.applicable, (i.id, eff.capability, b)


def test_crm_consolidations_exclude_each_other(acme: Enterprise) -> None:
    sf, dyn = acme.initiative("crm-salesforce"), acme.initiative("crm-dynamics")
    assert dyn.id in sf.excludes and sf.id in dyn.excludes
    crms = {a.id for a in acme.applications if "account-mgmt" in a.capabilities}
    assert set(sf.retires) & crms and set(dyn.retires) & crms
    for i in acme.initiatives:  # every exclusion is named from both sides
        for x in i.excludes:
            assert i.id in acme.initiative(x).excludes


def test_policy_has_carry_over_guardrails_and_teams(acme: Enterprise) -> None:
    p = acme.policy
    assert p.carry_over == "fiscal-year"
    shares = {g.kind: g for g in p.guardrails}
    assert shares["transform"].min_share is not None and shares["transform"].min_share >= 0.25
    assert shares["run"].max_share is not None and shares["run"].max_share <= 0.4
    assert any(t.by_quarter for t in p.teams)
    used = {td.team for i in acme.initiatives for td in i.team_demand}
    assert used == {t.id for t in p.teams}


# -- sanity of the numbers ---------------------------------------------------------------
def _spend_in(e: Enterprise, it: Initiative, quarter: str) -> float:
    """The most ``it`` can spend in ``quarter`` over all the starts it may take."""
    q = quarter_index(quarter)
    first = quarter_index(it.earliest_start or e.horizon.start)
    last = quarter_index(it.latest_start or e.horizon.end)
    if it.deadline:
        last = min(last, quarter_index(it.deadline) - it.duration + 1)
    return max((it.profile[q - s] for s in range(first, last + 1)
                if 0 <= q - s < it.duration), default=0.0)


def test_budget_is_tight_but_mandatory_work_fits(acme: Enterprise) -> None:
    demand = sum(i.total_cost for i in acme.initiatives)
    budget = sum(b.amount for b in acme.budgets)
    assert 0.4 <= budget / demand <= 0.7
    for pool in acme.pools:
        pool_demand = sum(i.total_cost for i in acme.initiatives if i.pool == pool)
        pool_budget = sum(b.amount for b in acme.budgets if b.pool == pool)
        assert 0.4 <= pool_budget / pool_demand <= 0.7, pool
    for b in acme.budgets:
        worst = sum(_spend_in(acme, i, b.period) for i in acme.initiatives
                    if i.mandatory and i.pool == b.pool)
        assert worst <= 0.5 * b.amount, (b.period, b.pool)
    mandatory = sum(i.total_cost for i in acme.initiatives if i.mandatory)
    run_cap = min(g.max_share for g in acme.policy.guardrails
                  if g.kind == "run" and g.max_share is not None)
    assert mandatory <= run_cap * budget  # the run guardrail leaves room for compliance work


def _priorities(e: Enterprise) -> dict[tuple[str, str], float]:
    """priority(c,b) of DESIGN §2, written out independently of opmodel.analysis."""
    assert e.scoring.ahp is not None
    wc, ws, wp = ahp_weights(e.scoring.ahp.matrix).weights
    cust: dict[str, float] = defaultdict(float)
    for x in e.expectations:
        for c in x.capabilities:
            cust[c] += x.importance
    strat: dict[str, float] = defaultdict(float)
    for oid, link in e.objective_links:
        strat[link.capability] += e.objective(oid).weight * link.strength
    mc, ms = max(cust.values()), max(strat.values())
    bw = {b.id: b.weight or 0.0 for b in e.business_units}
    mb = max(bw.values())
    out = {}
    for a in e.assessments:
        if a.gap is None:
            continue
        c, b = a.capability, a.business_unit
        w = (wc * cust[c] / mc + ws * strat[c] / ms + wp * (a.pain or 0) / 5) * bw[b] / mb
        out[c, b] = w * a.gap / 5
    return out


def test_hottest_gap_is_storage_order_to_cash(acme: Enterprise) -> None:
    prio = _priorities(acme)
    leaves = _leaves(acme)
    ranked = sorted(((p, k) for k, p in prio.items() if k[0] in leaves), reverse=True)
    top_p, (cap, bu) = ranked[0]
    assert (cap, bu) == ("order-capture", "storage")
    assert acme.capability(cap).stage == "order-to-cash"
    assert top_p > 1.15 * ranked[4][0]  # clearly hotter than the field
    by_stage_bu: dict[tuple[str, str], float] = defaultdict(float)
    for (c, b), p in prio.items():
        if c in leaves:
            key = (acme.capability(c).stage, b)
            by_stage_bu[key] = max(by_stage_bu[key], p)
    assert max(by_stage_bu, key=by_stage_bu.__getitem__) == ("order-to-cash", "storage")
    fix = acme.initiative("order-hub-storage")
    assert {e.capability for e in fix.effects} >= {"order-capture", "order-orchestration"}


def test_yaml_files_start_with_explaining_comments(acme_path: Path) -> None:
    for f in sorted(acme_path.glob("*.yaml")):
        lines = f.read_text(encoding="utf-8").splitlines()
        head = 0
        while head < len(lines) and lines[head].startswith("#"):
            head += 1
        assert 2 <= head <= 5, f.name
        assert lines[0].startswith(f"# {f.name}"), f.name


def test_every_acme_scenario_applies_to_a_valid_model(acme: Enterprise,
                                                      acme_path: Path) -> None:
    from opmodel.io.scenarios import read_scenarios
    from opmodel.optimize.scenario import apply

    scenarios = read_scenarios(acme_path, acme).scenarios
    assert {s.id for s in scenarios} >= {"lean", "dynamics", "customer-first", "three-years"}
    for s in scenarios:
        changed = apply(acme, s)
        assert [i for i in opmodel.validate(changed) if i.severity == "error"] == []
        assert changed != acme

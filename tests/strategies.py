"""Hypothesis strategies for small, valid enterprises with awkward text and numbers."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import strategies as st

from opmodel.model import (
    Application,
    ApplicationFit,
    Assessment,
    Budget,
    BusinessUnit,
    Capability,
    CostRange,
    Effect,
    Enterprise,
    Expectation,
    Guardrail,
    Horizon,
    Initiative,
    Kpi,
    Objective,
    ObjectiveLink,
    Policy,
    Scoring,
    Segment,
    Stage,
    Team,
    TeamDemand,
    Usage,
    Weights,
)
from opmodel.model.quarter import add_quarters

# Printable text of any script, with commas, quotes, '#', ':' and the like; no line breaks
# that YAML would fold differently.
text = (
    st.text(
        alphabet=st.characters(
            categories=("L", "N", "P", "S", "Zs"),
            exclude_characters="\x85\u2028\u2029\ufeff",
        ),
        min_size=1,
        max_size=24,
    )
    .map(str.strip)
    .filter(bool)
)
maybe_text = st.none() | text
money = st.floats(min_value=0, max_value=1e7, allow_nan=False, allow_infinity=False)
maturity = st.integers(0, 5).map(float) | st.sampled_from([0.5, 2.25, 3.75])


def ids(prefix: str, n: int) -> list[str]:
    return [f"{prefix}-{k}" for k in range(n)]


@st.composite
def enterprises(draw: st.DrawFn) -> Enterprise:
    quarters = draw(st.integers(4, 12))
    start = f"{draw(st.integers(2025, 2030))}Q{draw(st.integers(1, 4))}"
    horizon = Horizon(start=start, quarters=quarters)
    labels = horizon.labels
    bu_ids = ids("bu", draw(st.integers(1, 3)))
    bus = tuple(BusinessUnit(id=b, name=draw(text), description=draw(maybe_text),
                             weight=draw(st.none() | st.floats(0.01, 1)))
                for b in bu_ids)
    stage_ids = ids("st", draw(st.integers(1, 3)))
    stages = tuple(Stage(id=s, name=draw(text), order=k) for k, s in enumerate(stage_ids))
    caps: list[Capability] = []
    for k in range(draw(st.integers(1, 6))):
        parent = draw(st.none() | st.sampled_from(caps)) if caps else None
        stage = parent.stage if parent else draw(st.sampled_from(stage_ids))
        caps.append(Capability(id=f"cap-{k}", name=draw(text), stage=stage,
                               parent=parent.id if parent else None))
    cap_ids = [c.id for c in caps]
    objectives = tuple(
        Objective(
            id=f"obj-{k}", name=draw(text), weight=draw(st.floats(0, 10)),
            kpis=tuple(Kpi(id=f"kpi-{m}", name=draw(text), unit=draw(maybe_text),
                           baseline=draw(st.none() | st.floats(-1e3, 1e3)),
                           target=draw(st.none() | st.floats(-1e3, 1e3)),
                           direction=draw(st.sampled_from(["up", "down"])))
                       for m in range(draw(st.integers(0, 2)))),
            links=tuple(ObjectiveLink(capability=c, strength=draw(st.integers(1, 3)))
                        for c in draw(st.lists(st.sampled_from(cap_ids), unique=True,
                                               max_size=3))),
        )
        for k in range(draw(st.integers(0, 2)))
    )
    seg_ids = ids("seg", draw(st.integers(0, 2)))
    segments = tuple(Segment(id=s, name=draw(text)) for s in seg_ids)
    expectations = tuple(
        Expectation(id=f"exp-{k}", segment=draw(st.sampled_from(seg_ids)), statement=draw(text),
                    importance=draw(st.integers(1, 5)), stage=draw(st.sampled_from(stage_ids)),
                    capabilities=tuple(draw(st.lists(st.sampled_from(cap_ids), unique=True,
                                                     max_size=3))))
        for k in range(draw(st.integers(0, 3) if seg_ids else st.just(0)))
    )
    assessments: list[Assessment] = []
    for c in cap_ids:
        for b in bu_ids:
            kind = draw(st.sampled_from(["assessed", "assessed", "na", "missing"]))
            if kind == "missing":
                continue
            extra: dict[str, Any] = {
                "pain": draw(st.none() | maturity),
                "confidence": draw(st.sampled_from(["stated", "inferred"])),
                "assessor": draw(maybe_text),
                "date": draw(st.none() | st.dates(dt.date(2020, 1, 1), dt.date(2030, 1, 1))),
                "notes": draw(maybe_text),
            }
            if kind == "na":
                assessments.append(Assessment(capability=c, business_unit=b, applicable=False,
                                              **extra))
            else:
                assessments.append(Assessment(capability=c, business_unit=b,
                                              current=draw(maturity), target=draw(maturity),
                                              **extra))
    na = {(a.capability, a.business_unit) for a in assessments if not a.applicable}
    apps = tuple(
        Application(id=f"app-{k}", name=draw(text), vendor=draw(maybe_text),
                    business_units=tuple(draw(st.lists(st.sampled_from(bu_ids), unique=True,
                                                       max_size=2))),
                    capabilities=tuple(draw(st.lists(st.sampled_from(cap_ids), unique=True,
                                                     max_size=2))),
                    annual_run_cost=draw(money),
                    # a fit may be not assessed (imported from a repository without fits)
                    functional_fit=draw(st.none() | st.integers(1, 4)),
                    technical_fit=draw(st.none() | st.integers(1, 4)),
                    lifecycle=draw(st.sampled_from(["plan", "active", "phase-out", "retired"])),
                    retire_by=draw(st.none() | st.sampled_from(labels)))
        for k in range(draw(st.integers(0, 3)))
    )
    fits = tuple(
        ApplicationFit(application=a.id, business_unit=b,
                       functional_fit=draw(st.none() | st.integers(1, 4)),
                       technical_fit=draw(st.integers(1, 4)))
        for a in apps[:1] for b in bu_ids[:1]
    )
    # usage: some of the (unit, capability) cells each application lists; shares of at
    # most 0.3 each, so those of one unit and capability (≤ 3 applications) stay below 1
    usage = tuple(
        Usage(application=a.id, business_unit=b, capability=c,
              share=draw(st.none() | st.sampled_from([0.0, 0.3, 0.125])))
        for a in apps for b in a.business_units for c in a.capabilities
        if draw(st.booleans())
    )
    teams = tuple(Team(id=f"team-{k}", name=draw(maybe_text), capacity=draw(money))
                  for k in range(draw(st.integers(0, 2))))
    inits: list[Initiative] = []
    for k in range(draw(st.integers(0, 4))):
        duration = draw(st.integers(1, 3))
        earliest = draw(st.none() | st.sampled_from(labels[: quarters - duration + 1]))
        deadline = None
        if draw(st.booleans()):
            first = horizon.index(earliest or start) + duration - 1
            deadline = labels[draw(st.integers(first, quarters - 1))]
        profile = draw(st.none() | st.lists(money, min_size=duration, max_size=duration))
        cost = None if profile is not None else draw(money)
        effects = []
        for c in draw(st.lists(st.sampled_from(cap_ids), unique=True, max_size=2)):
            ok_bus = [b for b in bu_ids if (c, b) not in na]
            if not ok_bus:
                continue
            chosen = tuple(draw(st.lists(st.sampled_from(ok_bus), unique=True, min_size=1)))
            effects.append(Effect(capability=c, business_units=chosen,
                                  uplift=draw(st.sampled_from([0.5, 1.0, 2.0]))))
        earlier = [i.id for i in inits]
        deps = tuple(draw(st.lists(st.sampled_from(earlier), unique=True, max_size=2))) \
            if earlier else ()
        low = draw(money)
        inits.append(Initiative(
            id=f"ini-{k}", name=draw(text), description=draw(maybe_text),
            owner=draw(st.sampled_from(bu_ids)),
            kind=draw(st.sampled_from(["run", "grow", "transform"])),
            duration=duration, cost=cost, cost_profile=tuple(profile) if profile else None,
            cost_range=draw(st.none() | st.just(CostRange(low=low, likely=low * 1.5,
                                                          high=low * 2))),
            earliest_start=earliest, deadline=deadline, direct_value=draw(money),
            effects=tuple(effects), depends_on=deps,
            retires=tuple(a.id for a in apps[:1]) if draw(st.booleans()) else (),
            mandatory=draw(st.booleans()) if not deps else False,
            architecture_fit=draw(st.none() | st.floats(0, 1)),
            team_demand=tuple(TeamDemand(team=t.id, amount=draw(money)) for t in teams[:1]),
        ))
    budgets = tuple(Budget(period=q, pool="enterprise", amount=draw(money)) for q in labels)
    policy = Policy(
        carry_over=draw(st.sampled_from(["none", "fiscal-year", "horizon"])),
        guardrails=(Guardrail(kind="transform", min_share=0.2),) if draw(st.booleans()) else (),
        teams=teams,
        confidence=draw(st.none() | st.sampled_from([0.0, 0.7, 0.85])),
    )
    return Enterprise(
        name=draw(text), description=draw(maybe_text), currency="EUR", horizon=horizon,
        scoring=Scoring(weights=Weights(customer=0.5, strategic=0.25, pain=0.25),
                        point_value=draw(st.floats(1, 1000))),
        business_units=bus, stages=stages, capabilities=tuple(caps), objectives=objectives,
        segments=segments, expectations=expectations, assessments=tuple(assessments),
        applications=apps, application_fits=fits, usage=usage, initiatives=tuple(inits),
        budgets=budgets,
        policy=policy,
    )


def add_quarter(q: str, n: int) -> str:
    return add_quarters(q, n)

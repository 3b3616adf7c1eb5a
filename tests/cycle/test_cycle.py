"""The quarterly cycle on tiny models: lifecycle, roll, re-plan invariants (property)."""

from __future__ import annotations

import contextlib
import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opmodel.cycle import decide, merge_actuals, replan, roll
from opmodel.errors import ModelError
from opmodel.model import Actual, lifecycle
from opmodel.model.quarter import quarter_index
from opmodel.optimize import SolveOptions
from tests.optimize.tiny import CAPS, ini, model, q

DAY = dt.date(2027, 1, 10)
OPTS = SolveOptions(time_limit=10)


def base(n: int = 5) -> object:
    inits = [ini(
        f"i{k}", cost=100 + 10 * k, duration=1 + k % 3, uplift={CAPS[k % len(CAPS)]: 2})
        for k in range(n)]
    return model(inits, quarters=6, budget=300.0)


def test_decisions_bind_and_status_is_derived() -> None:
    e = base()
    e, _ = decide(e, "i0", "approve", by="A", role="portfolio", cycle=q(0), date=DAY,
                  start=q(0))
    e, _ = decide(e, "i1", "reject", by="A", role="portfolio", cycle=q(0), date=DAY,
                  rationale="no")
    e, _ = decide(e, "i2", "defer", by="A", role="portfolio", cycle=q(0), date=DAY,
                  until=q(3), rationale="later")
    lc = lifecycle(e, q(1))
    assert lc["i0"].status == "done"  # one quarter, no actuals reported: as planned
    assert lc["i1"].status == "rejected" and lc["i2"].status == "deferred"
    r = replan(e, q(1), OPTS)
    assert r.plan.start_of("i1") is None
    s2 = r.plan.start_of("i2")
    assert s2 is None or quarter_index(s2) >= quarter_index(q(3))


@pytest.mark.parametrize(("steps", "code"), [
    ([("i0", "reject", {})], "E-RATIONALE"),
    ([("i0", "complete", {})], "E-TRANSITION"),
    ([("i0", "cancel", {"rationale": "x"})], "E-TRANSITION"),
    ([("nope", "approve", {"start": "2027Q1"})], "E-REF"),
    ([("i0", "approve", {"start": "2027Q1"}), ("i0", "approve", {"start": "2027Q2"})],
     "E-TRANSITION"),
    ([("i0", "defer", {"rationale": "x"})], "E-MISSING"),
])
def test_bad_decisions_are_refused(steps: list, code: str) -> None:
    e = base()
    with pytest.raises(ModelError) as exc:
        for iid, action, kw in steps:
            e, _ = decide(e, iid, action, by="A", role="p", cycle=q(0), date=DAY, **kw)
    assert code in {i.code for i in exc.value.errors}


def test_in_flight_cannot_be_rejected_only_cancelled() -> None:
    e = base()
    e, _ = decide(e, "i2", "approve", by="A", role="p", cycle=q(0), date=DAY, start=q(0))
    later = dt.date(2027, 4, 10)
    with pytest.raises(ModelError, match="cannot be rejected, only cancelled"):
        decide(e, "i2", "reject", by="A", role="p", cycle=q(1), date=later, rationale="x")
    e, _ = decide(e, "i2", "cancel", by="A", role="p", cycle=q(1), date=later, rationale="x")
    assert lifecycle(e, q(2))["i2"].status == "cancelled"


def test_future_cycle_and_duplicate_id_refused() -> None:
    e = base()
    with pytest.raises(ModelError, match=r"E-FUTURE|future"):
        decide(e, "i0", "approve", by="A", role="p", cycle=q(3), date=DAY, start=q(3))
    e, _ = decide(e, "i0", "approve", by="A", role="p", cycle=q(0), date=DAY, start=q(0),
                  id="d1")
    with pytest.raises(ModelError) as exc:
        decide(e, "i1", "approve", by="A", role="p", cycle=q(0), date=DAY, start=q(0), id="d1")
    assert "E-DUP" in {i.code for i in exc.value.errors}


def test_actuals_spend_after_cancellation_and_unknown_refused() -> None:
    e = base()
    e, _ = decide(e, "i2", "approve", by="A", role="p", cycle=q(0), date=DAY, start=q(0))
    e, _ = decide(e, "i2", "cancel", by="A", role="p", cycle=q(1), date=dt.date(2027, 4, 2),
                  rationale="x")
    with pytest.raises(ModelError) as exc:
        merge_actuals(e, [Actual(quarter=q(2), initiative="i2", spent=10),
                          Actual(quarter=q(0), initiative="ghost", spent=1)])
    codes = {(i.code, i.path[1]) for i in exc.value.errors}
    assert ("E-ACTUAL", 0) in codes and ("E-REF", 1) in codes
    with pytest.raises(ValueError):
        Actual(quarter=q(0), initiative="i2", spent=-1)


def test_in_flight_keeps_remaining_cost_and_sunk_is_not_counted() -> None:
    e = base()
    e, _ = decide(e, "i2", "approve", by="A", role="p", cycle=q(0), date=DAY, start=q(0))
    e = merge_actuals(e, [Actual(quarter=q(0), initiative="i2", spent=90, percent_complete=30)])
    r = roll(e, q(1))
    s = r.standings["i2"]
    assert s.spent == 90 and s.remaining == pytest.approx(90 / 0.3 - 90)
    it = r.enterprise.initiative("i2")
    assert it.total_cost == pytest.approx(s.remaining) and it.mandatory
    assert it.earliest_start == it.latest_start == q(1)


decision_actions = st.lists(st.tuples(st.integers(0, 4), st.sampled_from(
    ["approve", "reject", "defer", "cancel", "force-start"]), st.integers(0, 2)),
    max_size=6)


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(decision_actions, st.integers(1, 3), st.lists(st.floats(0, 200), max_size=5))
def test_replan_properties(actions: list, as_of_k: int, spends: list[float]) -> None:
    """A re-plan never plans work before --as-of, never drops in-flight work without a
    cancel decision, never counts sunk cost, never breaks a decision."""
    e = base()
    for k, (i, action, lag) in enumerate(actions):
        cyc = q(min(k // 2, as_of_k - 1))
        kw = {"rationale": "r"}
        if action in ("approve", "force-start"):
            kw["start"] = q(quarter_index(cyc) - quarter_index(q(0)) + lag)
        if action == "defer":
            kw["until"] = q(quarter_index(cyc) - quarter_index(q(0)) + 1 + lag)
        try:
            e, _ = decide(e, f"i{i}", action, by="A", role="p", cycle=cyc,
                          date=dt.date(2027, 3 * (quarter_index(cyc) % 4) + 1, 5), **kw)
        except ModelError:
            continue
    rows = []
    for k, v in enumerate(spends):
        st_ = lifecycle(e, q(as_of_k))[f"i{k}"]
        if st_.status in ("in-flight", "done") and st_.start and \
                quarter_index(st_.start) < quarter_index(q(as_of_k)):
            rows.append(Actual(quarter=st_.start, initiative=f"i{k}", spent=v))
    with contextlib.suppress(ModelError):
        e = merge_actuals(e, rows)
    as_of = q(as_of_k)
    r = replan(e, as_of, OPTS, record=False)
    lc = r.rolled.lifecycle
    for iid, s in r.starts().items():
        st_ = lc[iid]
        if s is not None and st_.status not in ("in-flight", "done", "cancelled"):
            assert quarter_index(s) >= quarter_index(as_of)  # nothing new before as_of
        if st_.status == "in-flight":
            assert r.plan.start_of(iid) == as_of  # kept, from as_of on
        if st_.status == "approved":
            assert s == max(st_.start, as_of, key=quarter_index)  # decision kept
        if st_.status in ("rejected", "cancelled", "done"):
            assert r.plan.start_of(iid) is None  # out of the plan; done work not paid again
        if st_.status in ("in-flight", "done") and st_.start is not None:
            assert s == st_.start  # history before as_of is what happened
        if st_.status == "deferred" and r.plan.start_of(iid) is not None:
            assert quarter_index(r.plan.start_of(iid)) >= quarter_index(st_.until)
    assert r.plan.quarters[0] == as_of
    for iid, sd in r.rolled.standings.items():
        it = r.rolled.enterprise.initiative(iid)
        if lc[iid].status == "in-flight":  # only the remaining cost is planned
            assert it.total_cost == pytest.approx(sd.remaining)
            assert sd.remaining <= max(sd.planned_cost, sd.estimate_at_completion) + 1e-6


def test_since_section_escapes_user_text() -> None:
    from opmodel.report.cycle_section import render_since, since_last_quarter

    e = base()
    evil = "<script>alert(1)</script> [bold]x[/] :smile:"
    e, _ = decide(e, "i1", "reject", by="<b>A</b>", role="p", cycle=q(0), date=DAY,
                  rationale=evil)
    e, _ = decide(e, "i0", "approve", by="A", role="p", cycle=q(0), date=DAY, start=q(0))
    r = replan(e, q(1), OPTS)
    data = since_last_quarter(r)
    assert next(d for d in data["decisions"] if d["initiative"] == "i1")["rationale"] == evil
    html = render_since(data)
    assert "<script>" not in html and "&lt;script&gt;" in html and "<b>A</b>" not in html


def test_supersedes_replaces_a_decision_and_is_checked() -> None:
    e = base()
    e, first = decide(e, "i3", "approve", by="A", role="p", cycle=q(0), date=DAY, start=q(2))
    e, _ = decide(e, "i3", "force-start", by="A", role="p", cycle=q(0), date=DAY, start=q(1),
                  rationale="typo in the start", supersedes=first.id)
    st = lifecycle(e, q(0))["i3"]
    assert st.status == "approved" and st.planned_start == q(1)
    with pytest.raises(ModelError, match=r"E-SUPERSEDE|already superseded"):
        decide(e, "i3", "reject", by="A", role="p", cycle=q(0), date=DAY, rationale="x",
               supersedes=first.id)
    with pytest.raises(ModelError, match=r"E-SUPERSEDE|a decision on"):
        decide(e, "i4", "reject", by="A", role="p", cycle=q(0), date=DAY, rationale="x",
               supersedes=first.id)


def test_work_begun_cannot_be_re_decided_by_superseding_its_approval() -> None:
    """Superseding the approval of in-flight work with a reject was accepted: the approval
    stopped counting, so the work that had spent money became "rejected", its spend "never
    approved" — the rule that in-flight work can only be cancelled, bypassed."""
    e = base()
    e, first = decide(e, "i2", "approve", by="A", role="p", cycle=q(0), date=DAY, start=q(0))
    e = merge_actuals(e, [Actual(quarter=q(0), initiative="i2", spent=40)])
    later = dt.date(2027, 4, 10)
    with pytest.raises(ModelError) as exc:
        decide(e, "i2", "reject", by="A", role="p", cycle=q(1), date=later,
               rationale="never should have", supersedes=first.id)
    assert [(i.code, i.path) for i in exc.value.issues] == [
        ("E-SUPERSEDE", ("decision", "supersedes"))]
    assert "'i2' has been in flight since 2027Q1" in exc.value.issues[0].message
    e2, _ = decide(e, "i2", "cancel", by="A", role="p", cycle=q(1), date=later,
                   rationale="stop")  # the way to stop it
    assert lifecycle(e2, q(2))["i2"].status == "cancelled"
    # an approval not yet acted on may still be superseded (its start moved)
    e, late = decide(e, "i4", "approve", by="A", role="p", cycle=q(1), date=later, start=q(3))
    e, _ = decide(e, "i4", "force-start", by="A", role="p", cycle=q(2),
                  date=dt.date(2027, 7, 10), start=q(4), rationale="later",
                  supersedes=late.id)
    assert lifecycle(e, q(3))["i4"].status == "approved"


def test_actual_spend_counts_against_its_fiscal_year_and_delivered_uplift() -> None:
    from opmodel.model import Budget

    e = model([ini("a", cost=400, duration=4, uplift={"c1": 2}),
               ini("b", cost=100, uplift={"c2": 3}), ini("c", cost=200, uplift={"c3": 1})],
              quarters=8, budgets=[Budget(period="FY2027", amount=1000),
                                   Budget(period="FY2028", amount=500)])
    e, _ = decide(e, "a", "approve", by="A", role="p", cycle=q(0), date=DAY, start=q(0))
    e, _ = decide(e, "b", "approve", by="A", role="p", cycle=q(0), date=DAY, start=q(0))
    e = merge_actuals(e, [Actual(quarter=q(0), initiative="a", spent=150, percent_complete=30),
                          Actual(quarter=q(0), initiative="b", spent=120, percent_complete=100),
                          Actual(quarter=q(1), initiative="a", spent=100, percent_complete=50)])
    r = roll(e, q(2))
    fy = {b.period: b.amount for b in r.enterprise.budgets if b.pool == "enterprise"}
    rem = r.standings["a"].remaining
    assert rem == pytest.approx(250 / 0.5 - 250)  # earned value: 500 at completion
    # FY2027: 1000 less the 370 spent before 2027Q3 (sunk); 'a' continues inside what is left
    assert fy["FY2027"] == pytest.approx(1000 - 370)
    assert fy["FY2028"] == pytest.approx(500)
    assert r.sunk == pytest.approx(370)
    # 'b' is done: its uplift is delivered maturity, and it is out of the plan
    cell = r.enterprise.assessment("c2", "bu")
    assert cell is not None and cell.current == 3
    assert r.enterprise.initiative("b").forbidden
    assert r.standings["a"].overrun == pytest.approx(0.25)


def test_approved_after_the_horizon_is_kept_not_stretched() -> None:
    e = base()
    e, _ = decide(e, "i1", "approve", by="A", role="p", cycle=q(0), date=DAY, start=q(7))
    r = replan(e, q(1), OPTS, record=False)
    assert r.rolled.enterprise.horizon.quarters == 6
    assert r.starts()["i1"] == q(7) and r.plan.start_of("i1") is None
    assert any("after this horizon" in n for n in r.rolled.notes)


def test_as_of_outside_the_horizon_is_refused_not_planned_empty() -> None:
    """A re-plan before the horizon or after it has no budget line: it was planned anyway,
    as an "optimal" empty plan (or an infeasible one naming budgets of years nobody plans)."""
    from opmodel.cycle import next_quarter
    from opmodel.errors import InputError

    e = base()  # horizon q(0)..q(5)
    for outside in (q(-1), q(6), "2037Q3"):
        with pytest.raises(InputError, match=f"as of {outside}: the quarter is outside the "
                                             f"horizon {q(0)}–{q(5)}"):
            roll(e, outside)
    assert roll(e, q(5)).enterprise.horizon.start == q(5)  # the last quarter still plans
    # the next re-plan after a cycle in the horizon's last quarter: nothing is left to plan
    e2, _ = decide(e, "i0", "reject", by="A", role="p", cycle=q(5),
                   date=dt.date(2028, 6, 1), rationale="r")
    assert next_quarter(e2) is None
    e3, _ = decide(e, "i0", "reject", by="A", role="p", cycle=q(4),
                   date=dt.date(2028, 3, 1), rationale="r")
    assert next_quarter(e3) == q(5)


def test_a_decision_after_the_horizon_is_refused() -> None:
    """`decide --no-plan --cycle 2099Q1 --date 2099-01-05` was recorded (no re-plan could
    start from it); the model's own record only warns (W-HORIZON)."""
    e = base()
    with pytest.raises(ModelError) as exc:
        decide(e, "i0", "reject", by="A", role="p", cycle="2099Q1",
               date=dt.date(2099, 1, 5), rationale="r")
    assert [i.code for i in exc.value.issues] == ["E-HORIZON"]
    assert "after the horizon" in exc.value.issues[0].message


def test_every_quarter_outside_the_horizon_gets_one_hint() -> None:
    """A decision or actuals row past the horizon got two near-identical hints: "a mistyped
    quarter? re-planning starts inside the horizon; …" in the model's record (W-HORIZON)
    and "a mistyped quarter? When the company has moved past the horizon, …" from decide,
    actuals and archive (E-HORIZON) — a third in `plan --as-of` — each telling to "move it
    in enterprise.yaml", which breaks the record's plans. One text now, naming where the
    way forward is told."""
    from pathlib import Path

    from opmodel.cycle import archive_assessments
    from opmodel.errors import InputError
    from opmodel.model import Decision

    e = base()
    hints: list[str | None] = []
    for call in (lambda: decide(e, "i0", "reject", by="A", role="p", cycle="2099Q1",
                                date=dt.date(2099, 1, 5), rationale="r"),
                 lambda: merge_actuals(e, [Actual(quarter="2099Q1", initiative="i0",
                                                  spent=1)])):
        with pytest.raises(ModelError) as exc:
            call()
        hints += [i.hint for i in exc.value.issues if i.code == "E-HORIZON"]
    for refused in (lambda: archive_assessments(e, "2099Q1"), lambda: roll(e, "2099Q1")):
        with pytest.raises(InputError) as one:
            refused()
        hints.append(one.value.hint)
    d = Decision(id="far", date=dt.date(2099, 1, 5), cycle="2099Q1", initiative="i0",
                 action="reject", by="A", role="p", rationale="r")
    far = e.model_copy(update={"decisions": (d,), "actuals": (
        Actual(quarter="2099Q1", initiative="i0", spent=1),)})
    hints += [i.hint for i in lifecycle(far).issues if i.code == "W-HORIZON"]
    assert len(hints) == 6 and len(set(hints)) == 1, hints
    doc = (Path(__file__).resolve().parents[2] / "docs" / "cycle.md").read_text()
    assert "## A new horizon" in doc and "'A new horizon'" in str(hints[0])


def test_fixed_work_past_the_longest_horizon_is_named_with_where_its_end_comes_from() -> None:
    """A mistyped finish (2031Q4 for 2027Q4) in an actuals row refused every re-plan with
    "fixed work runs 17 quarters …, cancel or re-decide the longest approved work": which
    work, and why, was left for the reader to find."""
    from opmodel.errors import InputError

    e = base()
    e, _ = decide(e, "i1", "approve", by="A", role="p", cycle=q(0), date=DAY, start=q(0))
    e = merge_actuals(e, [Actual(quarter=q(0), initiative="i1", spent=10,
                                 percent_complete=20, finish="2031Q4")])
    with pytest.raises(InputError) as exc:
        roll(e, q(1))
    assert "'i1' (in-flight, to finish 2031Q4 as its latest actuals row says)" \
        in exc.value.message
    assert "finish in actuals.csv" in (exc.value.hint or "")


def test_the_plan_of_record_is_solved_as_it_was_recommended_not_to_the_new_confidence(
        ) -> None:
    """`plan --as-of 2027Q3 --confidence 0.22` on Acme failed (E-CONFIDENCE, "the best plan
    found holds with 9.6 %") although the re-plan itself holds with 22.4 %: the plan of
    record — the 2027Q2 recommendation, made on the estimates — was re-solved with the
    confidence optimizer too, and its failure was reported as the re-plan's."""
    e = base()
    e, _ = decide(e, "i0", "approve", by="A", role="p", cycle=q(0), date=DAY, start=q(0))
    seen: list[str] = []

    def optimizer(m: object, o: object) -> object:
        from opmodel.optimize import optimize

        seen.append(m.horizon.start)  # type: ignore[attr-defined]
        return optimize(m, o)  # type: ignore[arg-type]

    r = replan(e, q(1), OPTS, optimizer=optimizer)
    assert seen == [q(1)]  # the re-plan only; the plan of record (as of q(0)) is not its
    assert r.change.record_cycle == q(0)


def test_work_restarted_after_a_cancel_begins_anew() -> None:
    """Cancelled in 2027Q2, proposed and approved again to start 2027Q3: the spend of the
    first run made it in flight since 2027Q1, finishing two quarters early with the old
    run's money counted as progress (remaining 880 of 2,000 on Acme's service platform)."""
    e = model([ini("a", cost=400, duration=2, uplift={"c1": 2})], quarters=6, budget=500.0)
    steps = [("approve", q(0), dt.date(2027, 1, 10), {"start": q(0)}),
             ("cancel", q(1), dt.date(2027, 4, 10), {"rationale": "stop"}),
             ("propose", q(2), dt.date(2027, 7, 10), {}),
             ("approve", q(2), dt.date(2027, 7, 11), {"start": q(2), "rationale": "again"})]
    for k, (action, cycle, day, kw) in enumerate(steps):
        e, _ = decide(e, "a", action, by="A", role="p", cycle=cycle, date=day, **kw)
        if k == 0:
            e = merge_actuals(e, [Actual(quarter=q(0), initiative="a", spent=150,
                                         percent_complete=30)])
    st = lifecycle(e, q(3))["a"]
    assert (st.status, st.start, st.finish) == ("in-flight", q(2), q(3))
    s = roll(e, q(3)).standings["a"]
    assert s.remaining == pytest.approx(200.0)  # 400 less the 200 planned for q(2)
    assert s.spent == pytest.approx(350.0)  # both runs' money is spent all the same

"""The planning workspace and the decision meeting in process (TestClient over a real SQLite
store): the what-if against the plan of record, the frontier as a job of its own, the
plateaus beside the roadmap of record. The browser scenario is in test_pages_browser.py."""

from __future__ import annotations

import json
import re
import time
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from opmodel.store import open_store

from .test_pages import csrf, login


def _wait(c: Any, path: str, marker: str, limit: float = 240) -> str:
    """GET ``path`` until the answer no longer holds ``marker`` (a job still running)."""
    deadline = time.monotonic() + limit
    while True:
        html = c.get(path).text
        if marker not in html or time.monotonic() > deadline:
            return html
        time.sleep(0.3)


def _solve(c: Any, **form: str) -> str:
    data = {"csrf": csrf(c, "/ui/plan"), "time_limit": "3", "force_in": "", "force_out": "",
            **form}  # as the browser posts it: a picker's empty value first
    r = c.post("/ui/plan", data={k: (["", v] if k.startswith("force_") and v else v)
                                 for k, v in data.items()})
    assert r.status_code == 200, r.text[:500]
    job = re.search(r"/ui/plan/jobs/([0-9a-f]+)", r.text)
    assert job, r.text[:500]
    html = _wait(c, f"/ui/plan/jobs/{job.group(1)}", 'data-testid="progress"')
    assert 'data-testid="plan-result"' in html, html[:800]
    return job.group(1)


def _record(app: Any) -> tuple[Any, str, str, dict[str, str | None]]:
    """(model, as-of quarter, cycle, starts) of the plan of record of the app's store."""
    from opmodel.cycle import next_quarter, plan_of_record

    e = open_store(app.state.ctx.source.url).read().enterprise
    as_of = next_quarter(e)
    assert as_of is not None
    cycle, starts = plan_of_record(e, as_of)
    assert cycle is not None
    return e, as_of, cycle, starts


def _rows(html: str, change: str) -> list[str]:
    """The initiatives (names) of the diff's rows of one kind (added, dropped, moved)."""
    return re.findall(rf"<td[^>]*>([^<]*)</td><td[^>]*>{change}</td>", html)


def test_a_what_if_is_compared_with_the_plan_of_record_and_drawn_on_the_frontier(
        app: Any) -> None:
    from opmodel.model import lifecycle

    e, as_of, cycle, starts = _record(app)
    states = lifecycle(e, as_of).states
    names = {i.id: i.name for i in e.initiatives}
    c = login(app, "pat")
    base = _solve(c)  # the re-plan with nothing changed
    funded = set(re.findall(r'<td data-label="Initiative">([^<]*)</td><td data-label="In\?">'
                            r'in<', c.get(f"/ui/plan/jobs/{base}").text))
    assert 'data-testid="plan-own"' not in c.get(f"/ui/plan/jobs/{base}/diff").text
    out = next(i for i, s in starts.items()  # in the plan of record and the re-plan
               if s and states[i].status == "proposed" and names[i] in funded)
    # the frontier from 70 to 130 % in 3 points (the what-if at 80 % is its own point)
    jid = _solve(c, budget_scale="0.8", force_out=out, frontier_from="70",
                 frontier_to="130", frontier_points="3", frontier_seconds="1")
    html = c.get(f"/ui/plan/jobs/{jid}/diff").text
    assert f"Against the plan of record (decided in {cycle})" in html
    assert names[out] in _rows(html, "dropped"), html
    own = html.split('data-testid="plan-own"')[1]  # what the what-if's own changes do
    assert "Against the re-plan from " + as_of in own
    assert names[out] in _rows(own, "dropped")
    first = c.get(f"/ui/plan/jobs/{jid}/frontier").text
    assert 'data-testid="frontier-progress"' in first or 'data-testid="frontier"' in first
    again = c.get(f"/ui/plan/jobs/{jid}/frontier")  # the same job, not a second one
    assert again.status_code == 200
    jobs = [j for j in _frontier_jobs(app) if j.params["plan"] == jid]
    assert len(jobs) == 1 and jobs[0].params["scales"] == [0.7, 1.0, 1.3]
    assert jobs[0].params["time_limit"] == 1.0 and jobs[0].params["as_of"] == as_of
    html = _wait(c, f"/ui/plan/jobs/{jid}/frontier", 'data-testid="frontier-progress"')
    assert 'data-testid="chart-frontier"' in html, html[:800]
    spec = re.search(r'<script type="application/json" id="spec-frontier">(.*?)</script>',
                     html, re.S)
    assert spec
    text = json.dumps(json.loads(spec.group(1)), ensure_ascii=False)
    assert "this what-if (budget × 0.8)" in text  # the report's spec, this what-if marked
    values = re.findall(r'"scale": ([0-9.]+)', text)
    assert sorted({float(v) for v in values}) == [0.7, 0.8, 1.0, 1.3]
    assert f"each re-planned from {as_of}" in html


def test_a_what_if_with_no_change_plans_from_where_the_company_stands(app: Any) -> None:
    """In-flight work stays where it is: a what-if that changes nothing shows none of it
    moved against the plan of record (it did when the what-if planned the model from the
    start of its horizon), and its plan shows in-flight work from where it began."""
    from opmodel.model import lifecycle

    e, as_of, cycle, starts = _record(app)
    states = lifecycle(e, as_of).states
    flying = {i for i, s in states.items() if s.status == "in-flight"}
    assert flying and flying & {i for i, s in starts.items() if s}  # the test's premise
    c = login(app, "pat")
    jid = _solve(c)
    page = c.get(f"/ui/plan/jobs/{jid}").text
    assert f"Planned from {as_of}, where the company stands" in page
    # money as the report writes it, in the model's currency (was a bare "34830.93")
    assert re.search(r"The plan: value USD \d[\d.,]* (k|M) with \d+ initiatives", page), page
    names = {i.id: i.name for i in e.initiatives}
    for iid in flying:  # in the plan, from the quarter work began (not moved to as_of)
        row = re.search(rf'<td data-label="Initiative">{re.escape(names[iid])}</td>'
                        r'<td data-label="In\?">([^<]*)</td><td data-label="Start">([^<]*)<',
                        page)
        assert row and row.groups() == ("in", states[iid].start), (iid, row)
    html = c.get(f"/ui/plan/jobs/{jid}/diff").text
    assert f"decided in {cycle}" in html and f"Both from {as_of}" in html
    assert re.search(r"This what-if is worth <strong>USD \d[\d.,]* (k|M)</strong>", html)
    moved = set(_rows(html, "moved"))
    assert not moved & {names[i] for i in flying}, moved
    assert not set(_rows(html, "dropped")) & {names[i] for i in flying}
    late = [i for i in flying if states[i].slip > 0 and starts.get(i)]
    for iid in late:  # running late by the actuals: said apart, not as moved
        assert names[iid] in html.split('data-testid="plan-slipped"')[1]


@pytest.mark.parametrize(("form", "field", "says"), [
    ({"frontier_from": "5"}, "frontier_from", "outside 10 to 300"),
    ({"frontier_to": "400"}, "frontier_to", "outside 10 to 300"),
    ({"frontier_from": "120", "frontier_to": "80"}, "frontier_to", "not above frontier_from"),
    ({"frontier_points": "1"}, "frontier_points", "outside 2 to 15"),
    ({"frontier_points": "16"}, "frontier_points", "outside 2 to 15"),
    ({"frontier_points": "2.5"}, "frontier_points", "not a whole number"),
    ({"frontier_seconds": "0"}, "frontier_seconds", "outside 1 to 30"),
    ({"frontier_gap": "lots"}, "frontier_gap", "is not a number"),
    ({"budget_scale": "x"}, "budget_scale", "is not a number"),
    ({"force_out": "crm-salesforce"}, "force_out", "is in flight since"),
    ({"force_in": "nowhere"}, "force_in", "nowhere"),
    ({"confidence": "2"}, "confidence", "less than or equal to 1"),
    ({"time_limit": "1000"}, "time_limit", "less than or equal to 600"),
    ({"time_limit": "0"}, "time_limit", "greater than 0"),  # was solved with 10 s instead
])
def test_a_bad_what_if_is_refused_with_messages_at_their_fields(
        app: Any, form: dict[str, str], field: str, says: str) -> None:
    c = login(app, "pat")
    jobs = len(app.state.ctx.jobs.all())
    r = c.post("/ui/plan", data={"csrf": csrf(c, "/ui/plan"), **form})
    assert r.status_code == 422, r.text[:500]
    msg = re.search(r'data-testid="plan-messages" data-fields="([^"]*)"', r.text)
    assert msg and msg.group(1).split() == [field], r.text[:500]
    link = re.search(rf'<a href="#{field}">{field}(\[0\])?: ([^<]*)</a>', r.text)
    assert link and says in link.group(2).replace("&#39;", "'"), r.text[:800]
    assert len(app.state.ctx.jobs.all()) == jobs  # nothing started


def test_the_workspace_has_labelled_frontier_controls_and_force_pickers(app: Any) -> None:
    html = login(app, "pat").get("/ui/plan").text
    for fid in ("frontier_from", "frontier_to", "frontier_points", "frontier_seconds",
                "frontier_gap", "force_in", "force_out"):
        assert f'<label for="{fid}">' in html and f'id="{fid}"' in html, fid
    assert re.search(r'id="frontier_points" name="frontier_points" value="5"', html)
    assert "data-swap-422" in html  # the located messages are shown by htmx too
    assert re.search(r'name="force_out" value="crm-salesforce"[^>]*>'
                     r'<label[^>]*>[^<]*<code>crm-salesforce</code> '
                     r'<span class="muted">\(in flight since 2027Q1\)', html), html[:300]


def _frontier_jobs(app: Any) -> list[Any]:
    ui = next(r.app for r in app.routes if getattr(r, "path", "") == "/ui")
    return ui.state.frontiers.jobs.all()


def test_an_unknown_or_unfinished_plan_has_no_diff_nor_frontier(app: Any) -> None:
    c = login(app, "vera")
    for tail in ("diff", "frontier"):
        r = c.get(f"/ui/plan/jobs/nope/{tail}")
        assert r.status_code == 404 and "no finished plan" in r.text


def test_the_roadmap_of_record_has_its_plateaus_beside_the_gantt_and_spend(app: Any) -> None:
    c = login(app, "vera")
    html = c.get("/ui/decisions/roadmap?cycle=2027Q2").text
    for name in ("gantt", "spend", "plateaus"):
        assert f'data-testid="chart-{name}"' in html, name
    spec = re.search(r'id="spec-plateaus">(.*?)</script>', html, re.S)
    assert spec
    data = json.loads(spec.group(1))
    steps = set(re.findall(r'"step": "([^"]+)"', json.dumps(data)))
    assert "today" in steps and "after 2027Q2" in steps, steps
    page = c.get("/ui/decisions?cycle=2027Q2").text
    assert page.count('hx-get="/ui/decisions/roadmap') == 1  # loaded once, in the page body


def test_a_model_with_actuals_but_no_decision_is_compared_with_its_own_re_plan(
        tmp_path: Any) -> None:
    import shutil
    import warnings

    from opmodel.web import create_app

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    from opmodel import api

    from .conftest import ACME_PATH

    folder = tmp_path / "acme"
    shutil.copytree(ACME_PATH, folder)
    e = api.load(folder)  # the actuals kept, no decision; nothing due before they began
    api.save(e.model_copy(update={"decisions": (), "initiatives": tuple(
        i.model_copy(update={"mandatory": False, "deadline": None}) for i in e.initiatives)}),
        folder)
    with TestClient(create_app(folder, anonymous=True), raise_server_exceptions=False) as c:
        jid = _solve(c)
        assert "Planned from 2027Q3, where the company stands" in c.get(
            f"/ui/plan/jobs/{jid}").text
        html = c.get(f"/ui/plan/jobs/{jid}/diff").text
    assert "Against the plan of the model as it is (no cycle decided yet)" in html, html
    assert "Both from 2027Q3" in html and "The same initiatives at the same starts." in html


@settings(max_examples=150, deadline=None)
@given(a=st.integers(10, 300), b=st.integers(10, 300), n=st.integers(2, 15),
       junk=st.text(max_size=12))
def test_frontier_settings_are_evenly_spaced_scales_or_messages(a: int, b: int, n: int,
                                                                junk: str) -> None:
    from opmodel.web.pages.planning import FormMessages, frontier_settings

    if b <= a:
        with pytest.raises(FormMessages) as exc:
            frontier_settings({"frontier_from": str(a), "frontier_to": str(b)})
        assert [m["field"] for m in exc.value.messages] == ["frontier_to"]
    else:
        fs = frontier_settings({"frontier_from": str(a), "frontier_to": str(b),
                                "frontier_points": str(n)})
        assert len(fs.scales) == n and fs.scales[0] == a / 100 and fs.scales[-1] == b / 100
        assert all(x < y for x, y in zip(fs.scales, fs.scales[1:], strict=False))
    try:  # anything typed: settings or messages at their fields, never another error
        frontier_settings({"frontier_points": junk, "frontier_gap": junk})
    except FormMessages as exc:
        assert {m["field"] for m in exc.messages} <= {"frontier_points", "frontier_gap"}


def test_a_re_planned_what_if_starts_from_re_plans_of_the_same_quarter_only() -> None:
    """The starting-plan hints of a what-if planned from a quarter are the plans made from
    that quarter (a re-plan's plan), not those of the model from the start of its horizon —
    and the other way round."""
    from types import SimpleNamespace

    from opmodel.web.plans import hints

    def plan(start: str) -> Any:
        return SimpleNamespace(selected=("a",), start_of=lambda k: start)

    plans = {("plan", "v1", "base", 10, 1e-4, 0, None, None): plan("2027Q1"),
             ("plan", "v1", "base", 10, 1e-4, 0, None, "2027Q3"):
                 SimpleNamespace(plan=plan("2027Q3")),
             ("plan", "v0", "base", 10, 1e-4, 0, None, "2027Q3"):
                 SimpleNamespace(plan=plan("2027Q4"))}
    assert hints(plans, "v1", "2027Q3") == [{"a": "2027Q3"}]
    assert hints(plans, "v1") == [{"a": "2027Q1"}]


def test_forcing_in_work_whose_window_has_passed_is_refused_at_its_field() -> None:
    from opmodel import api
    from opmodel.web.pages.planning import pinned

    from .conftest import ACME_PATH

    e = api.load(ACME_PATH)
    late = e.initiative("partner-portal").model_copy(update={"latest_start": "2027Q2"})
    e = e.model_copy(update={"initiatives": tuple(
        late if i.id == late.id else i for i in e.initiatives)})
    msgs = pinned(e, "2027Q3", ["virtual-showroom", "partner-portal"], [])
    assert msgs == [{"field": "force_in", "text": "force_in[1]: 'partner-portal' cannot be "
                     "planned from 2027Q3 any more: its latest start 2027Q2 has passed"}]
    assert pinned(e, "2027Q2", ["partner-portal"], []) == []

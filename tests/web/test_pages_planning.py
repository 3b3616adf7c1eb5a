"""The planning workspace and the decision meeting in process (TestClient over a real SQLite
store): the what-if against the plan of record, the frontier as a job of its own, the
plateaus beside the roadmap of record. The browser scenario is in test_pages_browser.py."""

from __future__ import annotations

import json
import re
import time
from typing import Any

import pytest

from opmodel.store import open_store
from opmodel.web.pages import planning

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
    r = c.post("/ui/plan", data={"csrf": csrf(c, "/ui/plan"), "time_limit": "3", **form})
    assert r.status_code == 200, r.text[:500]
    job = re.search(r"/ui/plan/jobs/([0-9a-f]+)", r.text)
    assert job, r.text[:500]
    html = _wait(c, f"/ui/plan/jobs/{job.group(1)}", 'data-testid="progress"')
    assert 'data-testid="plan-result"' in html, html[:800]
    return job.group(1)


def test_a_what_if_is_compared_with_the_plan_of_record_and_drawn_on_the_frontier(
        app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from opmodel.cycle import next_quarter, plan_of_record

    monkeypatch.setattr(planning, "FRONTIER_SCALES", (0.6, 1.0))  # two points: fast enough
    c = login(app, "pat")
    jid = _solve(c, budget_scale="0.8", force_out="crm-salesforce")
    html = c.get(f"/ui/plan/jobs/{jid}/diff").text
    e = open_store(app.state.ctx.source.url).read().enterprise
    cycle, starts = plan_of_record(e, next_quarter(e))
    assert cycle is not None and starts.get("crm-salesforce")
    assert f"Against the plan of record (decided in {cycle})" in html
    names = {i.id: i.name for i in e.initiatives}
    dropped = re.findall(r"<td[^>]*>([^<]*)</td><td[^>]*>dropped</td>", html)
    assert names["crm-salesforce"] in dropped, html
    first = c.get(f"/ui/plan/jobs/{jid}/frontier").text
    assert 'data-testid="frontier-progress"' in first or 'data-testid="frontier"' in first
    again = c.get(f"/ui/plan/jobs/{jid}/frontier")  # the same job, not a second one
    assert again.status_code == 200
    assert len([j for j in _frontier_jobs(app) if j.params["plan"] == jid]) == 1
    html = _wait(c, f"/ui/plan/jobs/{jid}/frontier", 'data-testid="frontier-progress"')
    assert 'data-testid="chart-frontier"' in html, html[:800]
    spec = re.search(r'<script type="application/json" id="spec-frontier">(.*?)</script>',
                     html, re.S)
    assert spec
    text = json.dumps(json.loads(spec.group(1)), ensure_ascii=False)
    assert "this what-if (budget × 0.8)" in text  # the report's spec, this what-if marked
    values = re.findall(r'"scale": ([0-9.]+)', text)
    assert sorted({float(v) for v in values}) == [0.6, 0.8, 1.0]


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

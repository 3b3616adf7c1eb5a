"""The same cycle step on every surface — the core, the Python API, the command line (folder
and store), the REST API — gives the same result and the same refusal."""

from __future__ import annotations

import datetime as dt
import shutil
import warnings
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from opmodel import api
from opmodel.cli import app
from opmodel.cycle import decide, merge_actuals, replan
from opmodel.errors import ModelError
from opmodel.model import Actual
from opmodel.optimize import SolveOptions
from tests.optimize.tiny import ini, model, q

ROOT = Path(__file__).resolve().parents[2]
ACME = ROOT / "examples" / "acme"
DAY = dt.date(2027, 7, 12)


def run(*args: str) -> Any:
    return CliRunner().invoke(app, list(args), env={"COLUMNS": "200"})


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A store of Acme with one user per role, and a REST client for the portfolio lead
    (the refusals below change nothing, so one store serves the module)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    from opmodel.store import close_stores
    from opmodel.web import create_app
    from tests.web.conftest import make_store

    url = f"sqlite:///{tmp_path_factory.mktemp('surfaces') / 'acme.db'}"
    tokens = make_store(url, ACME)
    client = TestClient(create_app(url, secret="t"), raise_server_exceptions=False,
                        headers={"Authorization": f"Bearer {tokens['pat']}"})
    yield url, client
    close_stores()


@pytest.fixture()
def folder(tmp_path: Path) -> Path:
    dst = tmp_path / "acme"
    shutil.copytree(ACME, dst)
    return dst


def files(root: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(root.iterdir()) if p.is_file()}


# -- a decision outside the horizon ---------------------------------------------------------
@pytest.mark.parametrize(("cycle", "date", "side"), [("2029Q1", "2029-01-10", "after"),
                                                     ("2026Q4", "2026-11-02", "before")])
def test_a_decision_outside_the_horizon_is_refused_alike_everywhere(
        folder: Path, stored: Any, cycle: str, date: str, side: str) -> None:
    """The REST API and the web meeting page recorded a decision of cycle 2029Q1 (a typed
    year: no re-plan, recommendation or pricing can ever be made there) that the command
    line refused; a cycle before the horizon was recorded by every surface but the command
    line with its plan (E-INPUT there)."""
    url, client = stored
    said = f"is of cycle {cycle}, {side} the horizon 2027Q1–2028Q4"
    e = api.load(folder)
    with pytest.raises(ModelError) as core:
        decide(e, "partner-portal", "approve", by="Pat", role="portfolio", cycle=cycle,
               date=dt.date.fromisoformat(date), start=cycle, rationale="x")
    far = [i for i in core.value.issues if i.code == "E-HORIZON"]
    assert len(far) == 1 and said in far[0].message  # (before it: out of order, too)
    before = files(folder)
    for target, plan in ((str(folder), "--plan"), (str(folder), "--no-plan"), (url, "--plan")):
        r = run("decide", target, "partner-portal", "approve", "--by", "Pat", "--role",
                "portfolio", "--cycle", cycle, "--date", date, "--start", cycle, "--why", "x",
                plan)
        assert r.exit_code == 1, r.output
        assert f"decision on partner-portal: E-HORIZON decision '{cycle.lower()}-partner-" \
               f"portal' {said}" in r.output, r.output
        assert "planning" not in r.output  # refused before any solve
    assert files(folder) == before
    n = len(api.load(url).decisions)
    r = client.post("/decisions", json={"initiative": "partner-portal", "action": "approve",
                                        "cycle": cycle, "date": date, "start": cycle,
                                        "rationale": "x"})
    assert r.status_code == 422, r.text
    far = [x for x in r.json()["errors"] if x["code"] == "E-HORIZON"]
    assert len(far) == 1 and said in far[0]["message"] and far[0]["field"] == "body.cycle"
    assert len(api.load(url).decisions) == n


def test_actuals_after_the_horizon_are_refused_by_the_rest_api_too(stored: Any,
                                                                   tmp_path: Path) -> None:
    """`opmodel actuals` refused a row of 2029Q1 (E-HORIZON) that PUT /actuals stored."""
    url, client = stored
    r = client.put("/actuals/crm-salesforce/2029Q1", json={"spent": 10})
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["code"] == "E-HORIZON"
    assert r.json()["errors"][0]["field"] == "path.quarter"  # where the request gave it
    assert not [a for a in api.load(url).actuals if a.quarter == "2029Q1"]
    f = tmp_path / "q.csv"
    f.write_text("quarter,initiative,spent\n2029Q1,crm-salesforce,10\n")
    for target in (url,):  # the store through the command line: placed in the file, too
        r = run("actuals", target, str(f))
        assert r.exit_code == 1 and "q.csv:2: E-HORIZON actuals for 'crm-salesforce' in " \
                                    "2029Q1" in r.output, r.output


# -- the Python API -------------------------------------------------------------------------
@pytest.mark.parametrize(("kw", "said"), [
    ({"date": "2027-07-12"}, None),  # ISO text and no cycle: the quarter of the date
    ({"date": "12/07/2027"}, "E-VALUE date: '12/07/2027' is not a date like 2027-07-14"),
    ({"cycle": 20273, "date": DAY}, "E-QUARTER cycle: '20273' is not a quarter"),
    ({"cycle": "2027Q3", "date": DAY, "start": 5}, "E-QUARTER start: '5' is not a quarter"),
])
def test_api_decide_takes_text_dates_and_refuses_bad_fields_without_a_crash(
        folder: Path, kw: dict[str, Any], said: str | None) -> None:
    """`opmodel.api.decide` crashed with AttributeError on a date given as text without a
    cycle, and on a cycle that is not text (the default id was made of it first)."""
    before = files(folder)
    if said is None:
        d = api.decide(folder, "partner-portal", "approve", by="Pat", role="portfolio",
                       plan=False, start="2027Q3", rationale="x", **kw)
        assert (d.cycle, d.date, d.id) == ("2027Q3", DAY, "2027q3-partner-portal")
        assert api.load(folder).decisions[-1] == d
        return
    with pytest.raises(ModelError) as exc:
        api.decide(folder, "partner-portal", "approve", by="Pat", role="portfolio",
                   plan=False, rationale="x", **kw)
    assert said in str(exc.value), str(exc.value)
    assert files(folder) == before


def test_api_cycle_steps_work_on_a_store_as_on_a_folder(folder: Path, tmp_path: Path) -> None:
    """`opmodel.api.decide` and `record_actuals` refused every store ("is not a model
    folder") although the command line records both in one; the API now does what the
    command does, on either, acting as the local admin (or the actor given)."""
    from opmodel.store import close_stores, init_store, open_store
    from opmodel.store.users import User

    url = f"sqlite:///{tmp_path / 'acme.db'}"
    init_store(url, ACME)
    try:
        f = tmp_path / "q3.csv"
        f.write_text("quarter,initiative,spent,percent_complete\n"
                     "2027Q3,crm-salesforce,820,55\n")
        made = {}
        for target in (str(folder), url):
            made[target] = api.decide(target, "partner-portal", "approve", by="Pat",
                                      role="portfolio", cycle="2027Q3", date=DAY,
                                      start="2027Q3", rationale="asked", plan=False,
                                      actor=User("pat", "portfolio"))
            assert api.record_actuals(target, f) == [Actual(
                quarter="2027Q3", initiative="crm-salesforce", spent=820,
                percent_complete=55)]
            assert api.archive(target, "2027Q3") == len(api.load(target).assessments)
        assert made[str(folder)] == made[url]
        a, b = api.load(folder), api.load(url)
        assert (a.decisions, a.actuals, a.assessment_history) == \
            (b.decisions, b.actuals, b.assessment_history)
        log = open_store(url).history("decisions", limit=1)
        assert log and log[0].who == "pat"
        from opmodel.errors import PermissionDenied

        solved: list[str] = []
        with pytest.raises(PermissionDenied):  # refused before the plan is solved
            api.decide(url, "ebs-sustain", "reject", by="Vera", role="viewer",
                       cycle="2027Q3", date=DAY, rationale="no", actor=User("vera", "viewer"),
                       on_plan=lambda cyc: solved.append(cyc))  # type: ignore[func-returns-value]
        assert solved == []
        bad = tmp_path / "bad.csv"
        bad.write_text("quarter,initiative,spent\n2027Q3,no-such-thing,5\n")
        for target in (str(folder), url):  # the same refusal, placed in the file
            with pytest.raises(ModelError) as exc:
                api.record_actuals(target, bad)
            assert [i.location for i in exc.value.issues] == ["bad.csv:2"]
    finally:
        close_stores()


# -- the plan of record ---------------------------------------------------------------------
def test_work_cancelled_before_the_last_cycle_is_not_out_of_its_plan_of_record() -> None:
    """The plan of record (the roadmap decided at the last cycle) kept the start of work
    cancelled cycles before it, so every later re-plan listed it as "out" against a
    roadmap that never held it."""
    e = model([ini("a", duration=2, uplift={"c1": 2}), ini("b", uplift={"c2": 1}),
               ini("c", uplift={"c3": 1})], quarters=6, budget=300.0)
    e, _ = decide(e, "a", "approve", by="P", role="portfolio", cycle=q(0),
                  date=dt.date(2027, 1, 10), start=q(0))
    e = merge_actuals(e, [Actual(quarter=q(0), initiative="a", spent=50)])
    e, _ = decide(e, "a", "cancel", by="P", role="portfolio", cycle=q(1),
                  date=dt.date(2027, 4, 10), rationale="stop")
    e, _ = decide(e, "b", "approve", by="P", role="portfolio", cycle=q(2),
                  date=dt.date(2027, 7, 10), start=q(2))
    r = replan(e, q(3), SolveOptions(time_limit=10))
    assert r.change.record_cycle == q(2)
    assert "a" not in [x["id"] for x in r.change.removed]
    first = replan(e, q(2), SolveOptions(time_limit=10))  # its own cycle's re-plan
    assert first.change.record_cycle == q(1)
    assert [x["id"] for x in first.change.removed if x["id"] == "a"] == []


def test_the_python_api_of_docs_cycle_runs_as_written(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """docs/cycle.md shows the cycle's steps in `opmodel.api` on a folder and a store."""
    from opmodel.store import close_stores, init_store

    text = (ROOT / "docs" / "cycle.md").read_text()
    block = text.split("in `opmodel.api`", 1)[1].split("```python", 1)[1].split("```", 1)[0]
    shutil.copytree(ACME, tmp_path / "acme")
    init_store(f"sqlite:///{tmp_path / 'acme.db'}", ACME)
    (tmp_path / "q3-actuals.csv").write_bytes((ROOT / "examples" /
                                               "acme-q3-actuals.csv").read_bytes())
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("OPMODEL_USER", "finance")
    scope: dict[str, Any] = {"e": api.load(ACME)}
    try:
        exec(compile(block, "docs/cycle.md", "exec"), scope)
        assert scope["d"].against is not None and scope["d"].cycle == "2027Q3"
        assert len(scope["rows"]) == 3 and scope["n"] == len(api.load("acme").assessments)
        assert api.load("acme").decisions[-1] == scope["d"]
        assert {a.quarter for a in api.load("sqlite:///acme.db").actuals} >= {"2027Q3"}
    finally:
        close_stores()


def test_actuals_say_the_warnings_their_rows_bring(folder: Path, tmp_path: Path) -> None:
    """Spend on an initiative never approved (W-ACTUAL) was merged without a word; the next
    command said only "1 warning(s); see opmodel validate"."""
    from opmodel.store import close_stores, init_store

    f = tmp_path / "q3.csv"
    f.write_text("quarter,initiative,spent\n2027Q3,crm-salesforce,800\n2027Q3,ebs-sustain,5\n")
    r = run("actuals", str(folder), str(f))
    assert r.exit_code == 0, r.output
    assert "q3.csv:3: W-ACTUAL spend on 'ebs-sustain' in 2027Q3, which was never approved" \
        in r.output and "(2 warning(s))" in r.output  # and W-UNREPORTED: sox-itgc, …
    url = f"sqlite:///{tmp_path / 'acme.db'}"
    init_store(url, ACME)
    try:
        told: list[Any] = []
        api.record_actuals(url, f, on_warning=told.append)
        assert [(i.code, i.location) for i in told] == [("W-UNREPORTED", "q3.csv"),
                                                         ("W-ACTUAL", "q3.csv:3")]
    finally:
        close_stores()


def test_the_meeting_page_offers_every_decision_the_command_line_records(
        stored: Any) -> None:
    """The meeting page offered approve, defer, reject and cancel only: rejected work could
    not be brought back (propose), finished work not marked done (complete), approved work
    not moved (force-start) — on the page, though `opmodel decide` and the API record them."""
    import re

    from fastapi.testclient import TestClient

    from opmodel.model.decision import ACTIONS

    url, rest = stored
    c = TestClient(rest.app, raise_server_exceptions=False)

    def csrf(path: str) -> str:
        m = re.search(r'name="csrf-token" content="([^"]+)"', c.get(path).text)
        assert m is not None
        return m.group(1)

    c.post("/ui/login", data={"csrf": csrf("/ui/login"), "username": "pat",
                              "password": "pw-pat"})
    page = c.get("/ui/decisions", params={"cycle": "2027Q3"}).text
    menu = re.search(r'<select id="d-action" name="action">(.*?)</select>', page, re.S)
    assert menu is not None
    assert re.findall(r"<option>([^<]+)</option>", menu.group(1)) == list(ACTIONS)
    r = c.post("/ui/decisions", data={"csrf": csrf("/ui/decisions"), "cycle": "2027Q3",
                                      "initiative": "customer-360", "action": "propose",
                                      "date": "2027-07-12"}, follow_redirects=False)
    assert r.status_code == 303, r.text[:500]
    from opmodel.model import lifecycle

    assert lifecycle(api.load(url), "2027Q4")["customer-360"].status == "proposed"


def test_a_quarter_reported_without_rows_for_running_work_says_so(folder: Path,
                                                                  tmp_path: Path) -> None:
    """Acme's 2027Q3 actuals name three initiatives; sox-itgc and tender-pricing, half done
    by 2027Q2, had no row: the reported quarter counted them as spending nothing, so the
    next re-plan showed them done at half their cost (-50 %) — merged without a word."""
    r = run("actuals", str(folder), str(ROOT / "examples" / "acme-q3-actuals.csv"))
    assert r.exit_code == 0, r.output
    assert "acme-q3-actuals.csv: W-UNREPORTED 2027Q3 has no row for 3 initiative(s) in " \
           "flight or due to start in it: sox-itgc, eu-data-act, tender-pricing" in r.output
    f = tmp_path / "q3.csv"  # every running initiative reported (spent 0 says so): quiet
    f.write_text("quarter,initiative,spent\n" + "".join(
        f"2027Q3,{i},0\n" for i in ("sox-itgc", "eu-data-act", "tender-pricing")))
    r = run("actuals", str(folder), str(f))
    assert r.exit_code == 0 and "W-" not in r.output, r.output


def test_a_decision_records_the_plan_the_meeting_was_shown_under_a_policy_confidence(
        ) -> None:
    """With `policy.confidence: 0.2`, `opmodel plan --as-of 2027Q3` plans to it (sdwan-refresh
    from 2028Q3) while `opmodel decide` recorded the optimum on the estimates under the
    same plan id ("the plan recommended starting 2027Q3"): two plans, one name."""
    from opmodel.optimize import optimize
    from opmodel.optimize.confidence import plan_to_confidence, require_certified

    e = api.load(ACME)
    e = e.model_copy(update={"policy": e.policy.model_copy(update={"confidence": 0.2})})
    opts = SolveOptions(time_limit=20)
    shown = replan(e, "2027Q3", opts, record=False, optimizer=lambda m, o: require_certified(
        plan_to_confidence(m, None, o))).plan.start_of("sdwan-refresh")
    on_estimates = replan(e, "2027Q3", opts, record=False,
                          optimizer=optimize).plan.start_of("sdwan-refresh")
    assert shown != on_estimates  # the case is one where the two differ
    recorded = api.decision_plan(e, "2027Q3", "sdwan-refresh", opts)
    assert recorded["start"] == shown and recorded["funded"] == (shown is not None)


def test_archive_after_a_new_round_is_refused_not_kept_as_false_history(folder: Path) -> None:
    """`opmodel archive --cycle 2027Q2` after the 2027Q3 round was merged (the wrong order)
    kept the new answers as how the cells stood in 2027Q2: the heat-map trend then showed
    no change."""
    e = api.load(folder)
    a = e.assessments[0]
    moved = a.model_copy(update={"current": 3, "date": dt.date(2027, 8, 10)})
    api.save(e.model_copy(update={"assessments": (moved, *e.assessments[1:])}), folder)
    before = files(folder)
    r = run("archive", str(folder), "--cycle", "2027Q2")
    assert r.exit_code == 1, r.output
    assert "cannot be kept as they stood in 2027Q2: 1 of them are dated after it (up to " \
           f"2027-08-10, e.g. {a.capability} × {a.business_unit})" in r.output
    assert files(folder) == before
    assert run("archive", str(folder), "--cycle", "2027Q3").exit_code == 0

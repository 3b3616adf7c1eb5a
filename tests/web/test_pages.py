"""The web app's pages in process (TestClient over a real SQLite store): sign-in, sessions,
CSRF, rights through the actions, conflicts, located validation messages, user text as data,
vendored static files. The browser scenarios are in test_pages_browser.py."""

from __future__ import annotations

import re
import warnings
from pathlib import Path
from typing import Any

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from opmodel import actions
from opmodel.store import open_store
from opmodel.store.users import User
from opmodel.web import create_app

from .conftest import ACME_PATH

STATIC = Path(__file__).resolve().parents[2] / "src" / "opmodel" / "web" / "static"
TEMPLATES = STATIC.parent / "templates"


def client(app: Any) -> Any:
    return TestClient(app, raise_server_exceptions=True)


def csrf(c: Any, path: str = "/ui/login") -> str:
    m = re.search(r'name="csrf-token" content="([^"]+)"', c.get(path).text)
    assert m, path
    return m.group(1)


def login(app: Any, name: str) -> Any:
    c = client(app)
    r = c.post("/ui/login", data={"csrf": csrf(c), "username": name, "password": "pw-" + name,
                                  "next": "/ui/"}, follow_redirects=False)
    assert r.status_code == 303, r.text[:300]
    return c


def an_assessment(url: str, unit: str = "storage") -> tuple[str, int]:
    st = open_store(url)
    e = st.read().enterprise
    a = next(a for a in e.assessments if a.business_unit == unit and a.applicable)
    return a.capability, st.versions("assessments")[f"{a.capability}/{unit}"]


def test_pages_need_a_sign_in(app: Any) -> None:
    c = client(app)
    r = c.get("/ui/heatmap?layer=gap", follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == "/ui/login?next=/ui/heatmap%3Flayer%3Dgap"


def test_wrong_password_and_missing_csrf_are_refused(app: Any) -> None:
    c = client(app)
    tok = csrf(c)
    r = c.post("/ui/login", data={"csrf": tok, "username": "stella", "password": "nope"})
    assert r.status_code == 401 and "wrong password" in r.text
    r = c.post("/ui/login", data={"username": "stella", "password": "pw-stella"})
    assert r.status_code == 403 and "CSRF" in r.text
    r = c.post("/ui/login", data={"csrf": "forged", "username": "stella",
                                  "password": "pw-stella"})
    assert r.status_code == 403


def test_session_cookie_is_http_only_and_same_site(app: Any) -> None:
    c = client(app)
    r = c.post("/ui/login", data={"csrf": csrf(c), "username": "vera", "password": "pw-vera"},
               follow_redirects=False)
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "\\\\evil"])
def test_login_never_redirects_off_site(app: Any, target: str) -> None:
    c = client(app)
    r = c.post("/ui/login", data={"csrf": csrf(c), "username": "vera", "password": "pw-vera",
                                  "next": target}, follow_redirects=False)
    assert r.headers["location"] == "/ui/"


def test_logout_ends_the_session(app: Any) -> None:
    c = login(app, "vera")
    assert c.get("/ui/heatmap").status_code == 200
    c.post("/ui/logout", data={"csrf": csrf(c, "/ui/heatmap")})
    assert c.get("/ui/heatmap", follow_redirects=False).status_code == 303


def test_a_viewer_is_refused_and_nothing_is_written(app: Any, url: str) -> None:
    c = login(app, "vera")
    cap, v = an_assessment(url)
    before = open_store(url).revision()
    page = c.get("/ui/heatmap").text
    assert "/ui/assess/" not in page
    tok = csrf(c, "/ui/heatmap")
    r = c.post(f"/ui/assess/storage/{cap}", data={"csrf": tok, "current": "1", "target": "5",
                                                  "version": str(v)})
    assert r.status_code == 403
    assert c.get("/ui/assess/storage").status_code == 403
    assert c.get("/ui/admin").status_code == 403
    assert open_store(url).revision() == before


def test_a_bu_lead_assesses_only_their_units(app: Any, url: str) -> None:
    c = login(app, "nick")
    assert c.get("/ui/assess/storage").status_code == 403
    assert c.get("/ui/assess/networking").status_code == 200
    cap, v = an_assessment(url)
    r = c.post(f"/ui/assess/storage/{cap}", data={"csrf": csrf(c, "/ui/heatmap"),
                                                  "current": "1", "target": "5",
                                                  "version": str(v)})
    assert r.status_code == 403


def test_a_stale_form_shows_both_values_and_writes_nothing(app: Any, url: str) -> None:
    cap, v = an_assessment(url)
    actions.set_assessment(url, User("other", "admin"), cap, "storage", {"notes": "theirs"},
                           version=v)
    before = open_store(url).revision()
    c = login(app, "stella")
    r = c.post(f"/ui/assess/storage/{cap}", data={"csrf": csrf(c, "/ui/heatmap"),
                                                  "notes": "mine", "version": str(v)})
    assert r.status_code == 409
    assert 'data-testid="conflict"' in r.text
    assert ">mine<" in r.text and ">theirs<" in r.text
    assert open_store(url).revision() == before
    assert open_store(url).read().enterprise.assessments  # still readable


def test_bad_values_are_located_and_kept(app: Any, url: str) -> None:
    cap, v = an_assessment(url)
    c = login(app, "stella")
    r = c.post(f"/ui/assess/storage/{cap}", data={"csrf": csrf(c, "/ui/heatmap"),
                                                  "current": "9", "target": "4",
                                                  "version": str(v)})
    assert r.status_code == 422
    assert f"assessments[{cap}/storage].current" in r.text
    assert 'value="9"' in r.text


def test_user_text_is_data(app: Any, url: str) -> None:
    st = open_store(url)
    iid = st.read().enterprise.initiatives[0].id
    v = st.versions("initiatives")[iid]
    actions.update_initiative(url, User("ada", "admin"), iid,
                              {"name": "<script>alert(1)</script> {{ 7*7 }}"}, version=v)
    c = login(app, "vera")
    for path in ("/ui/initiatives", f"/ui/initiatives/{iid}"):
        html = c.get(path).text
        assert "<script>alert(1)" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt; {{ 7*7 }}" in html


def test_a_folder_is_read_only_without_a_sign_in() -> None:
    c = client(create_app(ACME_PATH))
    assert c.get("/ui/heatmap").status_code == 200
    tok = csrf(c, "/ui/heatmap")
    r = c.post("/ui/assess/storage/order-capture", data={"csrf": tok, "current": "1",
                                                         "target": "5"})
    assert r.status_code == 403
    assert c.get("/ui/heatmap/order-to-cash?at=r1").status_code == 400  # no history


def test_the_api_is_unchanged_by_the_pages(app: Any) -> None:
    c = client(app)
    assert c.get("/heatmap").status_code == 401  # the API still needs a token
    paths = c.get("/openapi.json").json()["paths"]
    assert not any(p.startswith("/ui") for p in paths)


def test_vendored_files_with_licences_and_no_other_origin() -> None:
    vendor = STATIC / "vendor"
    for name in ("htmx", "vega", "vega-lite", "vega-embed"):
        assert (vendor / f"{name}.min.js").stat().st_size > 10_000
        assert (vendor / f"{name}.LICENSE").read_text().strip()
    for t in TEMPLATES.glob("*.html"):
        for ref in re.findall(r'(?:src|href|action|hx-get|hx-post)="([^"]*)"', t.read_text()):
            assert not re.match(r"(?i)^(https?:)?//", ref), (t.name, ref)


def test_an_initiative_form_shows_located_messages(app: Any, url: str) -> None:
    st = open_store(url)
    it = st.read().enterprise.initiatives[1]
    v = st.versions("initiatives")[it.id]
    before = st.revision()
    c = login(app, "pat")
    form = {"csrf": csrf(c, "/ui/initiatives"), "version": str(v), "name": it.name,
            "owner": it.owner, "kind": it.kind, "pool": it.pool, "duration": "0",
            "cost": "-5"}
    r = c.post(f"/ui/initiatives/{it.id}", data=form)
    assert r.status_code == 422, r.text[:500]
    assert f"initiatives[{it.id}].duration" in r.text
    assert 'value="-5"' in r.text  # what was typed is kept
    assert open_store(url).revision() == before
    r = c.post(f"/ui/initiatives/{it.id}", data={**form, "duration": str(it.duration),
                                                 "cost": "" if it.cost is None else
                                                 str(it.cost), "why": "renamed"},
               follow_redirects=False)
    assert r.status_code == 303, r.text[:800]


def test_admin_changes_a_role_others_cannot(app: Any, url: str) -> None:
    from opmodel.store.users import get_user

    c = login(app, "ada")
    r = c.post("/ui/admin/users", data={"csrf": csrf(c, "/ui/admin"), "name": "tess",
                                        "role": "viewer", "password": "pw-tess"},
               follow_redirects=False)
    assert r.status_code == 303
    r = c.post("/ui/admin/users/tess", data={"csrf": csrf(c, "/ui/admin"),
                                             "role": "bu-lead", "units": ["servers"]},
               follow_redirects=False)
    assert r.status_code == 303
    assert get_user(open_store(url), "tess").units == ("servers",)
    v = login(app, "vera")
    r = v.post("/ui/admin/users/tess", data={"csrf": csrf(v, "/ui/heatmap"),
                                             "disable": "1"})
    assert r.status_code == 403
    assert get_user(open_store(url), "tess") is not None


def test_hand_made_posts_and_queries_are_refused_not_a_500(app: Any, url: str) -> None:
    """A form's version that is not a number (was a ValueError, Starlette's bare "Internal
    Server Error"), a meeting for a cycle that is not a quarter (was shown as "Decision
    meeting bogus", its form recording into a cycle that cannot exist)."""
    cap, _ = an_assessment(url)
    before = open_store(url).revision()
    c = login(app, "stella")
    r = c.post(f"/ui/assess/storage/{cap}", data={"csrf": csrf(c, "/ui/heatmap"),
                                                  "current": "2", "version": "abc"})
    assert r.status_code == 409 and 'data-testid="conflict"' in r.text
    assert open_store(url).revision() == before
    p = login(app, "pat")
    r = p.get("/ui/decisions?cycle=bogus")
    assert r.status_code == 400 and "is not a quarter" in r.text
    r = p.get("/ui/heatmap?at=yesterday-ish")  # a read: "Not saved" said nothing was saved
    assert r.status_code == 422 and "Not saved" not in r.text and "at: " in r.text


def test_the_history_page_finds_old_changes_behind_many_new_ones(app: Any, url: str) -> None:
    """The page filtered the newest 2000 changes by user and action: after a bulk change
    (a survey merge of a large unit, a re-import), older changes were not found at all."""
    st = open_store(url)
    cap, v = an_assessment(url, "networking")
    actions.set_assessment(url, User("ada", "admin"), cap, "networking",
                           {"notes": "ada's note"}, version=v, why="before the bulk")
    keys = list(st.versions("assessments"))
    with st.transaction("bulk", "apply", "touch every assessment") as tx:
        saved = {k: tx.current("assessments", k).data for k in keys}
        for k, data in saved.items():
            tx.put("assessments", k, {**data, "notes": "bulk", "assessor": "bulk",
                                      "date": "2026-01-01",
                                      "confidence": "inferred" if data.get("confidence")
                                      != "inferred" else "stated"})
    with st.transaction("bulk", "apply", "and back") as tx:
        for k, data in saved.items():
            tx.put("assessments", k, data)
    assert sum(c.who == "bulk" for c in st.history()) > 2000
    c = login(app, "vera")
    r = c.get("/ui/history?who=ada")
    assert r.status_code == 200 and "before the bulk" in r.text


def test_the_meeting_records_the_plan_each_decision_is_taken_against(app: Any,
                                                                     url: str) -> None:
    """A decision recorded in the meeting carries ``against`` (as ``opmodel decide``): the
    plan of the cycle, the same for every decision of the meeting; an approval without a
    start starts when that plan says (was: this quarter, an override of the plan)."""
    c = login(app, "pat")
    for iid, action in (("partner-portal", "approve"), ("cpq-storage", "defer")):
        r = c.post("/ui/decisions", data={"csrf": csrf(c, "/ui/decisions"), "cycle": "2027Q3",
                                          "initiative": iid, "action": action,
                                          "rationale": "meeting"}, follow_redirects=False)
        assert r.status_code == 303, r.text[:600]
    made = [d for d in open_store(url).read().enterprise.decisions if d.cycle == "2027Q3"]
    assert [d.initiative for d in made] == ["partner-portal", "cpq-storage"]
    assert all(d.against is not None for d in made)
    assert made[0].against.plan == made[1].against.plan
    if made[0].against.funded:
        assert made[0].start == made[0].against.start
    hist = c.get("/ui/history?action=decide").text  # a record as keys and values
    assert "{'" not in hist and '<span class="k">against</span>' in hist, hist
    assert '<span class="k">rationale</span> meeting' in hist
    page = c.get("/ui/decisions?cycle=2027Q3").text  # money as the report writes it
    assert re.search(r"Recommended plan USD \d[\d.,]* (k|M); with the decisions taken "
                     r"USD \d[\d.,]* (k|M)", page), page


@pytest.mark.parametrize("layer", ["priority", "gap", "current"])
def test_heat_map_cells_have_the_reports_colour_for_their_number(app: Any, url: str,
                                                                 layer: str) -> None:
    """The same number has the same colour in the report and the web app: each cell is
    filled by the report's colour scale of the layer over its fixed range (was: viridis
    stretched to the page's hottest cell, so 0.49 was the darkest colour here and orange
    in the report; maturity was coloured as if high were bad)."""
    from opmodel.analysis import heatmap
    from opmodel.report.html import layer_colours

    e = open_store(url).read().enterprise
    hm = heatmap(e, "stage", layer, "max")
    html = login(app, "stella").get(f"/ui/heatmap?layer={layer}").text
    found = {cell: fill for fill, cell in re.findall(
        r'style="background:(#[0-9a-f]{6});color:#[0-9a-f]+" data-cell="([^"]+)"', html)}
    want = {f"{c}/{r}": layer_colours(layer, float(hm.values[i, k]))[0]
            for i, r in enumerate(hm.rows) for k, c in enumerate(hm.columns)
            if hm.values[i, k] == hm.values[i, k]}
    assert found == want
    if layer == "current":  # maturity in blues: blue the strongest channel
        assert all(int(f[5:7], 16) > int(f[1:3], 16) for f in found.values())
    else:  # hot: red the strongest
        assert all(int(f[1:3], 16) >= int(f[5:7], 16) for f in found.values())


def test_the_initiatives_list_shows_every_cost_as_an_amount(app: Any, url: str) -> None:
    """An initiative with a cost profile shows its total (was the word "profile"), and
    amounts are grouped without trailing zeros (was "2600.00")."""
    e = open_store(url).read().enterprise
    html = login(app, "pat").get("/ui/initiatives").text
    cells = dict(re.findall(r'<a href="/ui/initiatives/([^"]+)">.*?<td class="num" '
                            r'data-label="Cost">(.*?)</td>', html))
    assert len(cells) == len(e.initiatives)
    profiles = [i for i in e.initiatives if i.cost_profile is not None]
    assert profiles  # the test's premise: Acme spreads some by a profile
    for i in e.initiatives:
        total = f"{i.total_cost:,.2f}".rstrip("0").rstrip(".")
        assert cells[i.id].startswith(total + (" <span" if i in profiles else "")), (i.id,
                                                                                   cells[i.id])
        assert ("(profile)" in cells[i.id]) == (i in profiles)
    assert any("," in c for c in cells.values())


def test_the_meeting_of_a_cycle_outside_the_horizon_offers_no_form(app: Any) -> None:
    """A decision of a cycle outside the horizon is refused on every surface: the meeting
    page says so instead of offering a form whose every post is refused."""
    c = login(app, "pat")
    page = c.get("/ui/decisions?cycle=2029Q1").text
    assert 'data-testid="decide-form"' not in page
    assert re.search(r"2029Q1 is after the horizon \w+–\w+: no decision can be recorded",
                     page), page
    assert "before the horizon" in c.get("/ui/decisions?cycle=2020Q1").text
    assert 'data-testid="decide-form"' in c.get("/ui/decisions?cycle=2027Q3").text


def test_the_forms_bound_text_as_the_api_does(app: Any, url: str) -> None:
    """The forms took text of any length (a 40,000-character note stored, then `opmodel
    export … .xlsx` refused the model): the API's bounds, located as the model's messages,
    what was typed kept, nothing written."""
    cap, v = an_assessment(url)
    before = open_store(url).revision()
    c = login(app, "stella")
    r = c.post(f"/ui/assess/storage/{cap}", data={"csrf": csrf(c, "/ui/heatmap"),
                                                  "notes": "n" * 40000, "version": str(v)})
    assert r.status_code == 422
    assert f"assessments[{cap}/storage].notes: notes: 40,000 characters" in r.text
    st = open_store(url)
    it = st.read().enterprise.initiatives[2]
    c = login(app, "pat")
    form = {"csrf": csrf(c, "/ui/initiatives"), "version": str(st.versions("initiatives")[
        it.id]), "name": "x" * 201, "owner": it.owner, "kind": it.kind, "pool": it.pool,
        "duration": str(it.duration), "cost": "" if it.cost is None else str(it.cost)}
    r = c.post(f"/ui/initiatives/{it.id}", data=form)
    assert r.status_code == 422, r.text[:500]
    assert f"initiatives[{it.id}].name: name: 201 characters" in r.text
    r = c.post("/ui/decisions", data={"csrf": csrf(c, "/ui/decisions"), "cycle": "2027Q3",
                                      "initiative": "partner-portal", "action": "reject",
                                      "rationale": "r" * 32768})
    assert r.status_code == 422 and "decision.rationale: rationale: 32,768" in r.text
    assert open_store(url).revision() == before

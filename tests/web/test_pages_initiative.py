"""The initiative form over every field of the model's initiative (effects, cost profile and
range, dependencies, exclusions, team demand, flags), in process over a real SQLite store:
saved through the actions, the model's messages located at their fields, stale forms as
conflicts with both values, nothing written on any refusal."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from opmodel import actions
from opmodel.store import close_stores, open_store
from opmodel.store.users import User
from opmodel.web import create_app
from opmodel.web.pages.initiative import field_id

from .test_pages import csrf, login

IID = "order-tracking"  # servers; 2 effects, depends on sap-upgrade, a cost range, a team


@pytest.fixture
def url(tmp_path: Any, acme_store_template: Any) -> Any:
    import shutil

    template, _ = acme_store_template
    u = f"sqlite:///{tmp_path / 'acme.db'}"
    shutil.copyfile(template, tmp_path / "acme.db")
    yield u
    close_stores()


@pytest.fixture
def app(url: str) -> Any:
    return create_app(url, secret="test")


def _form(html: str) -> dict[str, str]:
    """The initiative form's fields as the browser would post them (text inputs, the
    selected options, checked boxes, hidden inputs)."""
    start = html.index('id="init-form"')
    form = html[start:html.index("</form>", start)]
    out: list[tuple[str, str]] = []
    for tag in re.findall(r"<input\b[^>]*>", form):
        name = re.search(r'name="([^"]*)"', tag)
        if not name:
            continue
        typ = re.search(r'type="([^"]*)"', tag)
        if typ and typ.group(1) == "checkbox" and " checked" not in tag:
            continue
        val = re.search(r'value="([^"]*)"', tag)
        out.append((name.group(1), val.group(1) if val else ""))
    for name, body in re.findall(r'<select[^>]*name="([^"]*)"[^>]*>(.*?)</select>', form, re.S):
        sel = re.search(r'<option value="([^"]*)" selected|<option selected>([^<]*)<', body)
        if sel:
            out.append((name, sel.group(1) or sel.group(2)))
    d: dict[str, Any] = {}
    for k, v in out:
        d[k] = [*d[k], v] if k in d and isinstance(d[k], list) else ([d[k], v] if k in d else v)
    return {k: (v.replace("&amp;", "&") if isinstance(v, str) else v) for k, v in d.items()}


def _ticked(html: str, name: str) -> list[str]:
    """The ids ticked in the picker that posts ``name``, in the page's order."""
    return re.findall(rf'<input type="checkbox" id="[^"]*" name="{re.escape(name)}" '
                      r'value="([^"]*)"[^>]*\bchecked>', html)


def _offered(html: str, name: str) -> list[str]:
    return re.findall(rf'<input type="checkbox" id="[^"]*" name="{re.escape(name)}" '
                      r'value="([^"]*)"', html)


def _stored(url: str) -> Any:
    return open_store(url).read().enterprise.initiative(IID)


def test_the_form_shows_every_field_of_the_initiative(app: Any) -> None:
    c = login(app, "pat")
    html = c.get(f"/ui/initiatives/{IID}").text
    f = _form(html)
    assert f["effects-0-capability"] and f["effects-1-uplift"]
    assert f["depends_on"] == ["", "sap-upgrade"] and f["team_demand-0-team"] == "erp"
    assert f["cost_range_low"] == "650" and f["cost_range_high"] == "1000"
    assert "effects-2-capability" in f  # a blank row to add one
    for fid in ("f-effects-0-capability", "f-cost_profile", "f-depends_on", "f-mandatory",
                "f-team_demand-0-amount", "f-architecture_fit"):
        assert f'<label for="{fid}">' in html, fid
    assert 'hx-get="/ui/initiatives-row/effects"' in html


def test_effects_profile_and_links_are_saved_through_the_action(app: Any, url: str) -> None:
    before = _stored(url)
    c = login(app, "pat")
    f = _form(c.get(f"/ui/initiatives/{IID}").text)
    f.update({"effects-0-uplift": "1.5", "effects-1-remove": "1",
              "effects-2-capability": "order-mgmt", "effects-2-business_units": "servers, storage",
              "effects-2-uplift": "1", "cost": "", "cost_profile": "100, 200, 450",
              "duration": "3", "excludes": "cpq-storage", "mandatory": ["", "1"],
              "why": "web test"})
    r = c.post(f"/ui/initiatives/{IID}", data=f, follow_redirects=False)
    assert r.status_code == 303, r.text[:1500]
    it = _stored(url)
    assert [(x.capability, x.uplift) for x in it.effects] == [
        (before.effects[0].capability, 1.5), ("order-mgmt", 1.0)]
    assert it.effects[1].business_units == ("servers", "storage")
    assert it.cost is None and it.cost_profile == (100, 200, 450)
    assert it.excludes == ("cpq-storage",) and it.mandatory
    assert it.depends_on == before.depends_on and it.team_demand == before.team_demand
    log = open_store(url).history(f"initiatives:{IID}")
    assert log[-1].why == "web test"


def test_a_post_without_the_list_fields_keeps_them(app: Any, url: str) -> None:
    before = _stored(url)
    c = login(app, "pat")
    v = open_store(url).versions("initiatives")[IID]
    r = c.post(f"/ui/initiatives/{IID}", data={"csrf": csrf(c, "/ui/initiatives"),
                                               "version": str(v), "name": "Only the name"},
               follow_redirects=False)
    assert r.status_code == 303, r.text[:800]
    it = _stored(url)
    assert it.name == "Only the name" and it.effects == before.effects
    assert it.depends_on == before.depends_on and it.cost_range == before.cost_range


def test_bad_values_are_located_at_their_fields_kept_and_nothing_written(app: Any,
                                                                         url: str) -> None:
    c = login(app, "pat")
    f = _form(c.get(f"/ui/initiatives/{IID}").text)
    rev = open_store(url).revision()
    f.update({"effects-0-uplift": "9", "effects-1-capability": "no-such-cap",
              "depends_on": "sap-upgrade, nowhere", "cost_range_low": "2000"})
    r = c.post(f"/ui/initiatives/{IID}", data=f)
    assert r.status_code == 422, r.text[:800]
    html = r.text
    assert f"initiatives[{IID}].effects[0].uplift" in html
    assert 'href="#f-effects-0-uplift"' in html
    assert re.search(r'id="f-effects-0-uplift"[^>]*value="9"[^>]*aria-invalid="true"', html)
    assert 'value="no-such-cap"' in html
    assert _ticked(html, "depends_on") == ["sap-upgrade", "nowhere"]  # kept, as typed
    assert re.search(r'value="nowhere"[^>]*checked><label[^>]*>nowhere <code>nowhere</code> '
                     r'<span class="bad">\(unknown id\)', html)
    assert open_store(url).revision() == rev
    f2 = {**_form(c.get(f"/ui/initiatives/{IID}").text), "effects-1-capability": "no-such-cap",
          "depends_on": "sap-upgrade, nowhere"}
    html = c.post(f"/ui/initiatives/{IID}", data=f2).text
    assert f"initiatives[{IID}].effects[1].capability" in html, html[html.find("messages"):][:900]
    assert "nowhere" in html and 'href="#f-depends_on"' in html
    assert open_store(url).revision() == rev


def test_a_stale_form_shows_both_values_and_keep_mine_saves(app: Any, url: str) -> None:
    c = login(app, "pat")
    f = _form(c.get(f"/ui/initiatives/{IID}").text)
    st = open_store(url)
    actions.update_initiative(url, User("ada", "admin"), IID, {"depends_on": []},
                              version=st.versions("initiatives")[IID])
    rev = open_store(url).revision()
    f["effects-0-uplift"] = "2.5"
    r = c.post(f"/ui/initiatives/{IID}", data=f)
    assert r.status_code == 409
    assert "depends_on changed since you opened the form" in r.text
    assert "yours [&#34;sap-upgrade&#34;], current (none)" in r.text
    assert ">Keep mine (overwrite)<" in r.text
    assert open_store(url).revision() == rev
    again = _form(r.text)  # the form as shown again: yours, on the current version
    r = c.post(f"/ui/initiatives/{IID}", data=again, follow_redirects=False)
    assert r.status_code == 303
    assert _stored(url).effects[0].uplift == 2.5 and _stored(url).depends_on == ("sap-upgrade",)


def test_a_bu_lead_proposes_with_effects_for_their_unit_only(app: Any, url: str) -> None:
    c = login(app, "stella")
    html = c.get("/ui/initiatives/new").text
    f = _form(html)
    f.update({"id": "storage-bot", "name": "Storage bot", "owner": "storage", "cost": "120",
              "duration": "2", "effects-0-capability": "order-mgmt", "effects-0-uplift": "1",
              "effects-0-business_units": "storage"})
    r = c.post("/ui/initiatives", data=f, follow_redirects=False)
    assert r.status_code == 303, r.text[:1200]
    it = open_store(url).read().enterprise.initiative("storage-bot")
    assert it.effects[0].capability == "order-mgmt" and it.owner == "storage"
    r = c.post("/ui/initiatives", data={**f, "id": "elsewhere", "owner": "servers"})
    assert r.status_code == 403


def test_a_blank_row_comes_with_labels_and_a_key_of_its_own(app: Any) -> None:
    c = login(app, "pat")
    a = c.get("/ui/initiatives-row/effects").text
    b = c.get("/ui/initiatives-row/effects").text
    ka = re.search(r'name="effects-(\d+)-capability"', a)
    kb = re.search(r'name="effects-(\d+)-capability"', b)
    assert ka and kb and ka.group(1) != kb.group(1)
    assert f'<label for="f-effects-{ka.group(1)}-uplift">' in a
    assert c.get("/ui/initiatives-row/nope").status_code == 404


@pytest.mark.parametrize(("location", "fid"), [
    ("initiatives[x].effects[0].uplift", "f-effects-0-uplift"),
    ("initiatives[x].effects[3]", "f-effects-3-capability"),
    ("initiatives[x].depends_on[1]", "f-depends_on"),
    ("initiatives[x].cost_range", "f-cost_range-low"),
    ("initiatives[x].cost_range.high", "f-cost_range-high"),
    ("initiatives[x].duration", "f-duration"),
    ("initiatives[x]", None), ("decisions[3].start", None), (None, None)])
def test_a_location_names_its_field(location: str | None, fid: str | None) -> None:
    assert field_id(location) == fid


def test_the_id_lists_are_pickers_of_the_models_names_and_ids(app: Any, url: str) -> None:
    e = open_store(url).read().enterprise
    it = e.initiative(IID)
    c = login(app, "pat")
    html = c.get(f"/ui/initiatives/{IID}").text
    others = [i.id for i in e.initiatives if i.id != IID]
    for name in ("depends_on", "excludes"):  # every other initiative, the chosen first
        chosen = list(getattr(it, name))
        assert _ticked(html, name) == chosen
        assert _offered(html, name) == chosen + [i for i in others if i not in chosen]
        assert f'<label for="f-{name}">' in html
        assert re.search(rf'<input type="search" class="picker-filter" id="f-{name}"', html)
    assert sorted(_offered(html, "retires")) == sorted(a.id for a in e.applications)
    dep = e.initiative(it.depends_on[0])
    assert re.search(rf'name="depends_on" value="{dep.id}"[^>]*checked><label for="[^"]+">'
                     rf'{re.escape(dep.name)} <code>{dep.id}</code>', html)
    units = [u.id for u in e.business_units]
    assert len(units) <= 8  # a short list: a box each in a row, no filter box
    for k, f in enumerate(it.effects):  # each effect's units, the chosen ticked
        assert _offered(html, f"effects-{k}-business_units") == units
        assert sorted(_ticked(html, f"effects-{k}-business_units")) == sorted(f.business_units)
        assert re.search(rf'id="f-effects-{k}-business_units" role="group" tabindex="-1" '
                         rf'aria-labelledby="f-effects-{k}-business_units-label"', html)
    row = c.get("/ui/initiatives-row/effects").text
    key = re.search(r'name="effects-(\d+)-capability"', row)
    assert key and _offered(row, f"effects-{key.group(1)}-business_units") == units
    viewer = login(app, "vera").get(f"/ui/initiatives/{IID}").text
    assert 'class="picker-filter"' not in viewer and not _offered(viewer, "depends_on")
    assert f"{dep.name} <code>{dep.id}</code>" in viewer  # shown, not editable


def test_the_pickers_post_their_fields_and_round_trip(app: Any, url: str) -> None:
    e = open_store(url).read().enterprise
    apps = [a.id for a in e.applications if a.lifecycle == "active"
            and not any(a.id in i.retires for i in e.initiatives)][:2]
    c = login(app, "pat")
    f = _form(c.get(f"/ui/initiatives/{IID}").text)
    assert f["excludes"] == "" and f["retires"] == ""  # a picker's empty value: none ticked
    f.update({"depends_on": [""], "excludes": ["", "cpq-storage", "crm-dynamics"],
              "retires": ["", *apps], "effects-0-business_units": ["", "servers", "storage"],
              "why": "web test: pickers"})
    r = c.post(f"/ui/initiatives/{IID}", data=f, follow_redirects=False)
    assert r.status_code == 303, r.text[r.text.find("messages"):][:900]
    it = _stored(url)
    assert it.depends_on == () and it.excludes == ("cpq-storage", "crm-dynamics")
    assert it.retires == tuple(apps) and it.effects[0].business_units == ("servers", "storage")
    html = c.get(f"/ui/initiatives/{IID}").text
    assert _ticked(html, "depends_on") == [] and _ticked(html, "retires") == apps
    assert _ticked(html, "excludes") == ["cpq-storage", "crm-dynamics"]
    assert _ticked(html, "effects-0-business_units") == ["servers", "storage"]
    assert "Chosen (2): " in html
    r = c.post(f"/ui/initiatives/{IID}", data=_form(html), follow_redirects=False)
    assert r.status_code == 303  # the form as shown posts back what is stored
    assert _stored(url) == it


def test_an_unknown_id_in_a_picker_is_the_models_located_message(app: Any, url: str) -> None:
    c = login(app, "pat")
    f = _form(c.get(f"/ui/initiatives/{IID}").text)
    rev = open_store(url).revision()
    f.update({"retires": ["", "no-such-app"], "effects-0-business_units": ["", "atlantis"]})
    r = c.post(f"/ui/initiatives/{IID}", data=f)
    assert r.status_code == 422
    html = r.text
    assert f"initiatives[{IID}].retires[0]" in html and 'href="#f-retires"' in html
    assert re.search(r'id="f-retires"[^>]*aria-invalid="true"', html)
    assert f"initiatives[{IID}].effects[0].business_units" in html
    assert 'href="#f-effects-0-business_units"' in html
    assert _ticked(html, "retires") == ["no-such-app"]
    assert _ticked(html, "effects-0-business_units") == ["atlantis"]
    assert open_store(url).revision() == rev


def test_a_long_picker_is_searched_on_the_server(app: Any, url: str,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from opmodel.web.pages import initiative

    monkeypatch.setattr(initiative, "PICK_LIMIT", 10)  # Acme's 64 applications: "many"
    e = open_store(url).read().enterprise
    c = login(app, "pat")
    html = c.get(f"/ui/initiatives/{IID}").text
    assert _offered(html, "retires") == [] and _offered(html, "depends_on") == ["sap-upgrade"]
    assert re.search(r'id="f-retires" name="q" placeholder="Search by name or id"[^>]*'
                     r'hx-get="/ui/pick/applications\?name=retires&amp;id=f-retires"', html)
    assert f"{len(e.applications)} to choose from" in html
    app1 = next(a for a in e.applications if "sales" in a.name.lower())
    found = c.get("/ui/pick/applications", params={"q": "SALES", "name": "retires",
                                                   "id": "f-retires"}).text
    hits = _offered(found, "retires")
    assert app1.id in hits and len(hits) <= initiative.PICK_FOUND
    text = {a.id: f"{a.name} {a.id}".lower() for a in e.applications}
    assert all("sales" in text[h] for h in hits)
    assert f"{app1.name} <code>{app1.id}</code>" in found and "checked" not in found
    assert "Nothing matches" in c.get("/ui/pick/applications", params={"q": "zzzz"}).text
    assert c.get("/ui/pick/nope").status_code == 404
    assert c.get("/ui/pick/units", params={"name": "x\" onload=1"}).status_code == 422
    f = _form(html)  # a box ticked in the answer posts as any other
    f.update({"retires": ["", app1.id]})
    r = c.post(f"/ui/initiatives/{IID}", data=f, follow_redirects=False)
    assert r.status_code == 303, r.text[:600]
    assert _stored(url).retires == (app1.id,)
    assert _ticked(c.get(f"/ui/initiatives/{IID}").text, "retires") == [app1.id]


_IDS = st.lists(st.from_regex(r"[a-z][a-z0-9_-]{0,12}", fullmatch=True), max_size=6)


@settings(max_examples=200, deadline=None)
@given(ids=_IDS, units=_IDS, comma=st.booleans())
def test_a_picker_posts_its_ids_as_ticked_or_typed(ids: list[str], units: list[str],
                                                   comma: bool) -> None:
    """One value per ticked box after the empty one, or one comma-separated value: the same
    ids, in order, for the action and for showing the form again."""
    from opmodel.web.pages.initiative import blank, read_form

    posted = ", ".join(ids) if comma else ["", *ids]
    shown, fields = read_form({"depends_on": posted, "effects-0-capability": "c",
                               "effects-0-business_units": ["", *units],
                               "effects-0-uplift": "1"}, blank())
    assert fields["depends_on"] == ids and shown["depends_on"] == ", ".join(ids)
    assert fields["effects"][0]["business_units"] == units
    assert shown["effects"][0]["business_units"] == ", ".join(units)


@pytest.mark.parametrize(("posted", "ids"), [
    (["", "a", "b"], ["a", "b"]),          # a picker: an empty value first, one per box
    ("a, b,,c ", ["a", "b", "c"]),          # typed, comma-separated
    (["", "a, b", "c"], ["a", "b", "c"]),  # a long picker's ticked boxes and typed text
    (None, []),
])
def test_posted_ids_read_pickers_and_typed_lists_alike(posted: Any, ids: list[str]) -> None:
    from opmodel.web.pages.common import posted_ids

    assert posted_ids({"force_in": posted}, "force_in") == ids

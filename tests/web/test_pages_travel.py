"""Time travel on the pages (``?at=``) in process, over a real SQLite store: the model as it
stood, read-only, with a banner and a way back to now; links stay in the past."""

from __future__ import annotations

import re
from typing import Any

import pytest

from opmodel import actions
from opmodel.store import open_store
from opmodel.store.users import User
from opmodel.web.pages.common import keep_travel

from .test_pages import login


@pytest.fixture(scope="module")
def renamed(url: str) -> tuple[str, str, int]:
    """(initiative, its old name, the revision before it was renamed)."""
    st = open_store(url)
    it = st.read().enterprise.initiatives[2]
    before = st.revision()
    actions.update_initiative(url, User("ada", "admin"), it.id, {"name": "Renamed later"},
                              version=st.versions("initiatives")[it.id], why="travel test")
    return it.id, it.name, before


def test_a_page_as_it_stood_is_read_only_with_a_banner_and_a_way_back(
        app: Any, renamed: tuple[str, str, int]) -> None:
    iid, old, rev = renamed
    c = login(app, "pat")
    now = c.get(f"/ui/initiatives/{iid}").text
    assert "Renamed later" in now and 'data-testid="time-travel"' not in now
    assert ">Save<" in now
    html = c.get(f"/ui/initiatives/{iid}?at=r{rev}").text
    assert old in html and "Renamed later" not in html
    banner = re.search(r'data-testid="time-travel">(.*?)</div>', html, re.S)
    assert banner and f"revision r{rev}" in banner.group(1)
    assert f'href="/ui/initiatives/{iid}">Back to now' in banner.group(1)
    assert ">Save<" not in html  # the past is read-only
    assert f'href="/ui/heatmap?at=r{rev}"' in html  # navigation stays in the past
    lst = c.get(f"/ui/initiatives?at=r{rev}&q={old[:4]}").text
    assert f'href="/ui/initiatives/{iid}?at=r{rev}"' in lst
    assert f'<input type="hidden" name="at" value="r{rev}">' in lst  # the filter form too


def test_history_and_overview_as_of_a_revision(app: Any, renamed: tuple[str, str, int]
                                               ) -> None:
    _, _, rev = renamed
    c = login(app, "vera")
    assert "travel test" in c.get("/ui/history").text
    assert "travel test" not in c.get(f"/ui/history?at=r{rev}").text
    html = c.get(f"/ui/?at=r{rev}").text
    assert f"Model version {rev}" in html
    assert f'href="/ui/?at=r{rev + 1}"' in c.get("/ui/history").text  # offered per change


@pytest.mark.parametrize("path", ["/ui/assess/storage", "/ui/plan", "/ui/initiatives/new",
                                  "/ui/admin"])
def test_pages_that_change_or_solve_are_refused_in_the_past(app: Any, path: str) -> None:
    c = login(app, "ada")
    r = c.get(path + "?at=r1")
    assert r.status_code == 400 and "read-only" in r.text


def test_a_bad_time_is_a_located_message(app: Any) -> None:
    c = login(app, "vera")
    r = c.get("/ui/heatmap?at=yesterday-ish")
    assert r.status_code == 422 and "at:" in r.text
    r = c.get("/ui/heatmap?at=r999999")
    assert r.status_code == 422 and "does not exist" in r.text


def test_links_kept_in_the_past_but_the_way_back() -> None:
    html = ('<a href="/ui/heatmap?layer=gap">x</a> <a data-now href="/ui/heatmap">now</a> '
            '<div hx-get="/ui/decisions/roadmap?cycle=2027Q2"></div> <a href="?layer=x">y</a>'
            ' <a href="https://example.org/ui/">z</a> <a href="/ui/?at=r3">r3</a>'
            ' <form class="filters" method="get"></form>')
    out = keep_travel(html, "2027-03-31T17:00")
    assert 'href="/ui/heatmap?layer=gap&amp;at=2027-03-31T17%3A00"' in out
    assert '<a data-now href="/ui/heatmap">now</a>' in out
    assert 'hx-get="/ui/decisions/roadmap?cycle=2027Q2&amp;at=2027-03-31T17%3A00"' in out
    assert 'href="?layer=x&amp;at=2027-03-31T17%3A00"' in out
    assert 'href="https://example.org/ui/"' in out and 'href="/ui/?at=r3"' in out
    assert 'name="at" value="2027-03-31T17:00"' in out

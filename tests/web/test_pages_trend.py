"""The capability page's trend: archived cycles, changes on record and now, per unit."""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from typing import Any

import pytest

from opmodel import actions, api
from opmodel.store import open_store
from opmodel.store.users import User
from opmodel.web import create_app
from opmodel.web.pages.trend import quarter_of, trend

from .conftest import ACME_PATH
from .test_pages import login


@dataclass
class Change:
    revision: int
    at: str
    who: str
    key: str
    field: str | None
    new: Any


@pytest.fixture(scope="module")
def acme() -> Any:
    return api.read(ACME_PATH).enterprise


def _moved(e: Any) -> Any:
    """An archived cell (its cycle's record)."""
    return next(h for h in e.assessment_history if h.applicable and h.current is not None)


def test_archived_cycles_changes_and_now_in_quarter_order(acme: Any) -> None:
    h = _moved(acme)
    now = next(a for a in acme.assessments if a.capability == h.capability
               and a.business_unit == h.business_unit)
    later = dt.date(2028, 2, 1)  # two quarters of edits after the archive
    changes = [Change(5, "2026-01-01T00:00:00Z", "early", f"{h.capability}/{h.business_unit}",
                      "current", 0),  # before the archive: the archive covers it
               Change(7, "2027-04-02T10:00:00Z", "lee", f"{h.capability}/{h.business_unit}",
                      "current", 4),
               Change(8, "2027-05-02T10:00:00Z", "kim", f"{h.capability}/{h.business_unit}",
                      "current", 3),  # the last of its quarter wins
               Change(9, "2027-05-02T10:00:00Z", "kim", f"{h.capability}/{h.business_unit}",
                      None, None),
               Change(10, "2027-05-03T10:00:00Z", "kim", "other-cap/" + h.business_unit,
                      "current", 1)]
    records, quarters, units = trend(acme, h.capability, changes, today=later)
    assert quarters == [h.cycle, "2027Q2", "2028Q1 (now)"]
    unit = next(u.name for u in acme.business_units if u.id == h.business_unit)
    mine = [(r["quarter"], r["measure"], r["value"], r["source"]) for r in records
            if r["unit"] == unit and r["measure"] == "current"]
    assert mine == [(h.cycle, "current", float(h.current), f"archived in {h.cycle}"),
                    ("2027Q2", "current", 3.0, "r8 by kim"),
                    ("2028Q1 (now)", "current", float(now.current), "now")]
    assert unit in units


def test_now_comes_after_the_last_archive_even_when_the_clock_is_earlier(acme: Any) -> None:
    h = _moved(acme)
    _, quarters, _ = trend(acme, h.capability, (), today=dt.date(2020, 1, 1))
    assert quarters[-1].endswith("(now)")
    assert quarters[-2] == h.cycle and quarter_of("2020-01-05") == "2020Q1"


def test_the_capability_page_draws_the_trend(url: str, acme: Any) -> None:
    h = _moved(acme)
    st = open_store(url)
    key = f"{h.capability}/{h.business_unit}"
    actions.set_assessment(url, User("ada", "admin"), h.capability, h.business_unit,
                           {"target": 5}, version=st.versions("assessments")[key])
    c = login(create_app(url, secret="test"), "vera")
    html = c.get(f"/ui/capabilities/{h.capability}").text
    assert 'data-testid="chart-trend"' in html
    spec = json.loads(re.search(r'id="spec-trend">(.*?)</script>', html, re.S).group(1))
    text = json.dumps(spec)
    assert f"archived in {h.cycle}" in text and '"source": "now"' in text
    assert '"measure": "target", "value": 5.0' in text

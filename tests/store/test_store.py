"""The store on SQLite and on a real PostgreSQL: round trips, time travel, the change log."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from opmodel import actions, api
from opmodel.errors import InputError, ModelError
from opmodel.io.folder import folder_files
from opmodel.store import export_store, init_store, open_store
from opmodel.store.users import User

ADMIN = User("ann", "admin")


@pytest.fixture
def acme_store(store_url: str, acme_path: Path) -> str:
    init_store(store_url, api.load(acme_path), who="ann")
    return store_url


def test_acme_round_trip_is_byte_identical(acme_store: str, acme_path: Path,
                                           tmp_path: Path) -> None:
    e = api.load(acme_path)
    assert api.load(acme_store) == e
    export_store(acme_store, tmp_path / "out")
    expected = dict(folder_files(e))
    got = {p.name: p.read_text(encoding="utf-8") for p in (tmp_path / "out").iterdir()}
    assert got == expected


def test_side_files_travel_with_the_model(store_url: str, acme_path: Path,
                                          tmp_path: Path) -> None:
    """scenarios.yaml is kept in the store verbatim and written back by the export."""
    init_store(store_url, acme_path)
    export_store(store_url, tmp_path / "out")
    text = (acme_path / "scenarios.yaml").read_text(encoding="utf-8")
    assert (tmp_path / "out" / "scenarios.yaml").read_text(encoding="utf-8") == text
    assert open_store(store_url).files() == {"scenarios.yaml": text}
    with api.side_files(store_url) as folder:
        assert (folder / "scenarios.yaml").read_text(encoding="utf-8") == text


def test_a_fresh_store_holds_no_model(store_url: str) -> None:
    open_store(store_url, create=True)
    with pytest.raises(ModelError) as exc:
        api.read(store_url)
    assert exc.value.issues[0].code == "E-EMPTY"


def test_init_refuses_a_store_with_a_model(acme_store: str, acme_path: Path) -> None:
    with pytest.raises(InputError, match="already holds a model"):
        init_store(acme_store, api.load(acme_path))


def test_init_force_replaces_and_keeps_history(acme_store: str, starter_path: Path) -> None:
    before = api.load(acme_store)
    rev = init_store(acme_store, api.load(starter_path), force=True)
    assert api.load(acme_store) == api.load(starter_path)
    assert api.load(acme_store, at=f"r{rev - 1}") == before


def test_time_travel_by_revision_and_instant(acme_store: str) -> None:
    st = open_store(acme_store)
    e0 = st.read().enterprise
    a = e0.assessments[0]
    time.sleep(0.01)
    cut = st.history()[-1].at  # the instant of revision 1
    w = actions.set_assessment(acme_store, ADMIN, a.capability, a.business_unit,
                               {"current": 0}, version=1, why="re-assessed")
    assert w.version == 2 and w.revision == 2
    now = api.load(acme_store)
    assert now.assessment(a.capability, a.business_unit).current == 0
    assert api.load(acme_store, at="r1") == e0
    assert api.load(acme_store, at=cut) == e0
    assert api.load(acme_store, at="2999-01-01T00:00") == now
    with pytest.raises(ModelError):
        api.load(acme_store, at="2000-01-01")
    with pytest.raises(InputError, match="not a date"):
        api.load(acme_store, at="last tuesday")


def test_change_log_records_who_what_why(acme_store: str) -> None:
    e = api.load(acme_store)
    i = e.initiatives[0]
    actions.update_initiative(acme_store, User("pat", "portfolio"), i.id,
                              {"name": "Renamed", "description": None}, version=1,
                              why="clearer", request_id="req-1")
    found = open_store(acme_store).history(f"initiative:{i.id}")
    assert found[0].field is None and found[0].old is None  # created by init
    last = [c for c in found if c.revision == found[-1].revision]
    by_field = {c.field: c for c in last}
    assert by_field["name"].old == i.name and by_field["name"].new == "Renamed"
    assert all(c.who == "pat" and c.why == "clearer" and c.request_id == "req-1"
               and c.action == "update_initiative" for c in last)
    if i.description:
        assert by_field["description"].new is None


def test_at_needs_a_store(acme_path: Path) -> None:
    with pytest.raises(InputError, match="--at needs a model in a store"):
        api.read(acme_path, at="r1")


def test_a_plain_db_file_is_a_store(tmp_path: Path, acme_path: Path) -> None:
    init_store(f"sqlite:///{tmp_path / 'm.db'}", api.load(acme_path))
    assert api.load(tmp_path / "m.db") == api.load(acme_path)


def test_reading_a_missing_sqlite_file_creates_nothing(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such database file"):
        api.read(f"sqlite:///{tmp_path / 'nope.db'}")
    assert not (tmp_path / "nope.db").exists()


def test_postgres_scheme_is_mapped_to_psycopg() -> None:
    from opmodel.store import normalize_url

    assert normalize_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalize_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalize_url("sqlite:///x.db") == "sqlite:///x.db"


def test_a_second_process_catches_up_without_a_full_load(acme_store: str) -> None:
    """Two Store objects on one database stand for two server processes: each one's cached
    model follows the other's writes (updates, new and removed entities) exactly."""
    from opmodel.store.store import Store

    other = Store(acme_store)
    first = other.snapshot()
    e = first.enterprise
    a, b = e.assessments[0], e.assessments[1]
    actions.set_assessment(acme_store, ADMIN, a.capability, a.business_unit, {"current": 0})
    actions.set_assessment(acme_store, ADMIN, b.capability, b.business_unit,
                           {"current": "n/a", "target": "n/a"})
    actions.set_entity(acme_store, ADMIN, "capabilities", "brand-new",
                       {"id": "brand-new", "name": "New", "stage": e.stages[0].id})
    actions.set_entity(acme_store, ADMIN, "capabilities", "brand-new", None)
    actions.set_budget(acme_store, ADMIN, "2027Q1", 1)
    with other.reading() as conn:
        caught = other._caught_up(conn, other.revision(conn))
    assert caught is not None and caught.revision == open_store(acme_store).revision()
    other._cache.clear()
    assert caught.enterprise == other.snapshot().enterprise
    # an entity removed and made anew moves to the end: the catch-up defers to a full load
    stage = e.stages[0].id
    actions.set_entity(acme_store, ADMIN, "capabilities", "again", {
        "id": "again", "name": "One", "stage": stage})
    actions.set_entity(acme_store, ADMIN, "capabilities", "later", {
        "id": "later", "name": "Two", "stage": stage})
    assert [c.id for c in other.snapshot().enterprise.capabilities][-2:] == ["again", "later"]
    actions.set_entity(acme_store, ADMIN, "capabilities", "again", None)
    actions.set_entity(acme_store, ADMIN, "capabilities", "again", {
        "id": "again", "name": "One again", "stage": stage})
    with other.reading() as conn:
        assert other._caught_up(conn, other.revision(conn)) is None
    now = other.snapshot().enterprise
    assert [c.id for c in now.capabilities][-2:] == ["later", "again"]
    open_store(acme_store)._cache.clear()
    assert now == open_store(acme_store).read().enterprise
    other.dispose()


def test_warnings_after_a_write_are_placed_like_after_a_load(acme_store: str) -> None:
    st = open_store(acme_store)
    e = st.read().enterprise
    effect = next(i for i in e.initiatives if i.effects).effects[0]
    unit = (effect.business_units or [b.id for b in e.business_units])[0]
    actions.set_assessment(acme_store, ADMIN, effect.capability, unit,
                           {"current": "n/a", "target": "n/a"})  # W-NA: raised but n/a
    derived = st.read().warnings  # the model the write left in the cache
    st._cache.clear()
    loaded = st.read().warnings
    assert any(i.code == "W-NA" for i in loaded)
    assert [(i.code, i.location) for i in derived] == [(i.code, i.location) for i in loaded]
    assert all(i.location and "[" in i.location for i in loaded)


def test_concurrent_readers_share_one_load(acme_store: str) -> None:
    """Readers arriving together after the cache emptied wait for one load, not one each."""
    import threading

    st = open_store(acme_store)
    st._cache.clear()
    loads = []
    real = st._assemble

    def counted(found):  # type: ignore[no-untyped-def]
        loads.append(1)
        return real(found)

    st._assemble = counted  # type: ignore[method-assign]
    try:
        got: list[object] = []
        threads = [threading.Thread(target=lambda: got.append(st.read().enterprise))
                   for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
    finally:
        del st._assemble
    assert len(got) == 8 and all(g is got[0] for g in got)
    assert len(loads) == 1


@pytest.mark.parametrize("why", ["a\x00b", "\ud800"], ids=["nul", "lone-surrogate"])
def test_text_a_database_cannot_hold_is_refused_and_nothing_written(acme_store: str,
                                                                   why: str) -> None:
    """A reason with a NUL (PostgreSQL's text refuses it: was a psycopg DataError) or a lone
    surrogate (UTF-8 cannot carry it: was a UnicodeEncodeError on both databases) is a
    located InputError before anything is written."""
    st = open_store(acme_store)
    head = st.revision()
    with pytest.raises(InputError, match=r"^why "):
        actions.set_assessment(acme_store, ADMIN, "order-capture", "storage",
                               {"current": 2}, version=None, why=why)
    with pytest.raises(InputError, match="password"):
        actions.add_user(acme_store, ADMIN, "sam", "viewer", password="\udcff")
    assert st.revision() == head
    assert st.current("assessments", "order-capture/storage").version == 1


def test_history_filters_by_who_action_and_revision_in_the_query(acme_store: str) -> None:
    """``limit`` counts the changes that match: an old change by one user is found behind
    any number of newer changes by others (the history page filtered the newest 2000)."""
    st = open_store(acme_store)
    pat = User("pat", "portfolio")
    actions.set_budget(acme_store, pat, "2027Q1", 2000.0, version=None, why="trim")
    mark = st.revision()
    actions.set_assessment(acme_store, ADMIN, "order-capture", "storage", {"current": 2},
                           version=None)
    found = st.history(who="pat", limit=1)
    assert [(c.who, c.action, c.why) for c in found] == [("pat", "set_budget", "trim")]
    assert st.history(action="set_assessment", limit=5)[-1].who == "ann"
    assert {c.revision for c in st.history(until=mark)} <= set(range(1, mark + 1))
    assert st.history(who="nobody") == []


@pytest.mark.parametrize("name,password", [("a\x00b", "pw"), ("ann", "\ud800")],
                         ids=["nul-name", "lone-surrogate-password"])
def test_a_sign_in_with_text_no_user_has_is_refused_as_unknown(acme_store: str, name: str,
                                                              password: str) -> None:
    """The login form is open to anyone: a NUL in the name was a psycopg DataError on
    PostgreSQL (a 500), a lone surrogate in the password a UnicodeEncodeError in argon2."""
    from opmodel.errors import AuthenticationError
    from opmodel.store.users import authenticate

    actions.add_user(acme_store, ADMIN, "ann", "admin", password="pw")
    with pytest.raises(AuthenticationError):
        authenticate(open_store(acme_store), name, password)
    assert authenticate(open_store(acme_store), "ann", "pw").role == "admin"


def test_looking_up_text_no_key_holds_finds_nothing(acme_store: str) -> None:
    """Ids from URLs and forms reach the store's queries: one with a NUL (``/capabilities/
    a%00b``, ``/ui/history?who=%00``) was a psycopg DataError on PostgreSQL, a 500."""
    from opmodel.errors import UnknownIdError
    from opmodel.store.users import get_user

    st = open_store(acme_store)
    assert st.current("capabilities", "a\x00b") is None
    assert st.history("capabilities:a\x00b") == []
    assert st.history(who="a\x00") == [] and st.history(action="\ud800") == []
    assert get_user(st, "a\x00") is None
    for act in (lambda: actions.disable_user(acme_store, ADMIN, "a\x00"),
                lambda: actions.add_token(acme_store, ADMIN, "a\x00"),
                lambda: actions.set_user(acme_store, ADMIN, "a\x00", role="viewer")):
        with pytest.raises(UnknownIdError):
            act()


def test_two_decisions_recorded_at_the_same_time_are_taken_in_turn(
        acme_store: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two people of one meeting record a decision on the same initiative at once: both
    read the same next id, and the second was refused with "decisions:… already exists;
    choose another id" (an id they never chose). Now it is recorded as if made after the
    other, under the next id, with the decision rules checked against it."""
    from opmodel.actions import model as M

    pat = User("pat", "portfolio")
    day = {"date": "2027-07-10"}
    real = M._next_id
    raced: list[str] = []

    def racing(store: object, kind: str, stem: str) -> str:
        key = real(store, kind, stem)  # type: ignore[arg-type]
        if not raced:  # another member records theirs in between
            raced.append(key)
            actions.decide(acme_store, pat, "cpq-storage", "defer", cycle="2027Q3",
                           rationale="wait for the CPQ review",
                           fields={**day, "until": "2027Q4"})
        return key

    monkeypatch.setattr(M, "_next_id", racing)
    w = actions.decide(acme_store, pat, "cpq-storage", "reject", cycle="2027Q3",
                       rationale="the global CPQ wins", fields=day)
    assert w.key == raced[0] + "-2"
    made = [d for d in api.load(acme_store).decisions if d.cycle == "2027Q3"]
    assert [(d.id, d.action) for d in made] == [(raced[0], "defer"), (w.key, "reject")]

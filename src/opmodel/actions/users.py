"""The actions on users: add, bootstrap the first admin, tokens, roles, disable."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from ..errors import (
    ExistsError,
    InputError,
    PermissionDenied,
    UnknownIdError,
)
from ..store.store import Store
from ..store.users import ROLES, User
from ._write import _store, check_right


# -- users ----------------------------------------------------------------------------------
def usable_name(name: str) -> bool:
    """A user name is letters, digits, '.', '-', '_' and '@' (at most 200): it goes into
    URLs (``/users/{name}``), the change log and the command line."""
    return 0 < len(name) <= 200 and all(c.isalnum() or c in "._-@" for c in name)


def _at(exc: InputError, field: str) -> InputError:
    """``exc`` naming the argument it is about (the REST API answers it as ``body.field``)."""
    exc.field = field  # type: ignore[attr-defined]
    return exc


def _a(role: str) -> str:
    return ("an " if role[:1] in "aeiou" else "a ") + role


def _check_password(password: str | None) -> None:
    from ..store.store import text_problem

    if password is not None and not password.strip():
        raise _at(InputError("the password is empty: anyone could sign in with it",
                             hint="give a password, or leave it out to keep the old one"),
                  "password")
    problem = text_problem(password) if password else None
    if problem is not None:
        raise _at(InputError(f"the password {problem}"), "password")


def _known_name(name: str) -> None:
    """Text no user name can hold (a NUL, which PostgreSQL also refuses in a query) names
    nobody."""
    from ..store.store import text_problem

    if text_problem(name) is not None:
        raise UnknownIdError("user", name)


def _admins_left(conn: Any, users: Any, without: str) -> int:
    """How many enabled admins the store keeps when ``without`` is no longer one."""
    from sqlalchemy import func, select

    return int(conn.execute(select(func.count()).select_from(users).where(
        users.c.role == "admin", users.c.disabled == 0, users.c.name != without)).scalar()
        or 0)


def add_user(store: Store | str, actor: User, name: str, role: str,
             units: Iterable[str] = (), password: str | None = None, *,
             why: str | None = None, request_id: str | None = None) -> tuple[User, str]:
    """Add a user with ``role`` (a bu-lead with their business ``units``); returns the user
    and their first API token (shown once: only its hash is stored)."""
    from ..store.schema import tokens, users
    from ..store.users import hash_password, new_token, token_hash

    check_right(actor, "add_user")
    st = _store(store)
    name = name.strip()
    units = tuple(u.strip() for u in units if u.strip())
    if not usable_name(name):
        shown = name if len(name) <= 60 else name[:59] + "…"
        raise _at(InputError(f"{shown!r} is not a usable user name",
                             hint="letters, digits, '.', '-', '_' and '@', at most 200"),
                  "name")
    _check_password(password or None)  # an empty field: no password (tokens only)
    if role not in ROLES:
        from difflib import get_close_matches

        close = get_close_matches(role, ROLES, n=1)
        raise _at(InputError(f"unknown role '{role}'", hint=(
            f"did you mean '{close[0]}'? " if close else "") + f"roles: {', '.join(ROLES)}"),
            "role")
    if role == "bu-lead" and not units:
        raise _at(InputError("a bu-lead needs their business units",
                             hint="pass --units unit-a,unit-b"), "units")
    if role != "bu-lead" and units:
        raise _at(InputError(f"only a bu-lead has units (not {_a(role)})"), "units")
    if units:
        e = st.read().enterprise
        for u in units:
            e.business_unit(u)  # UnknownIdError with a did-you-mean
    token = new_token()
    with st.transaction(actor.name, "add_user", why, request_id) as tx:
        if tx.conn.execute(users.select().where(users.c.name == name)).first() is not None:
            raise ExistsError(f"user '{name}' already exists")
        tx.conn.execute(users.insert().values(
            name=name, role=role, units=";".join(units), disabled=0,
            password_hash=hash_password(password) if password else None,
            created_rev=tx.revision))
        tx.conn.execute(tokens.insert().values(hash=token_hash(token), username=name,
                                               label="first", created_rev=tx.revision))
        from ..store.schema import changes

        tx.conn.execute(changes.insert().values(
            rev=tx.revision, kind="users", key=name, field=None, old=None,
            new=json.dumps({"role": role, "units": list(units)})))
    return User(name, role, units), token  # type: ignore[arg-type]


def first_admin(store: Store | str, name: str, password: str | None = None
                ) -> tuple[User, str]:
    """Create the store's first user, an admin, when it has no users at all (bootstrapping
    a new store, as ``opmodel serve FOLDER`` does); returns the user and an API token.
    Refused with :class:`PermissionDenied` once the store has any user."""
    from ..store.users import list_users

    st = _store(store)
    if list_users(st):
        raise PermissionDenied("the store already has users; an admin adds the others",
                               user=name, action="add_user")
    return add_user(st, User(name, "admin"), name, "admin", (), password,
                    why="first admin")


def add_token(store: Store | str, actor: User, name: str, label: str | None = None, *,
              why: str | None = None, request_id: str | None = None) -> str:
    """A new API token for user ``name`` (shown once)."""
    from ..store.schema import changes, tokens, users
    from ..store.users import new_token, token_hash

    check_right(actor, "add_token")
    _known_name(name)
    st = _store(store)
    token = new_token()
    with st.transaction(actor.name, "add_token", why, request_id) as tx:
        if tx.conn.execute(users.select().where(users.c.name == name)).first() is None:
            raise UnknownIdError("user", name)
        tx.conn.execute(tokens.insert().values(hash=token_hash(token), username=name,
                                               label=label, created_rev=tx.revision))
        tx.conn.execute(changes.insert().values(rev=tx.revision, kind="users", key=name,
                                                field="token", old=None,
                                                new=json.dumps(label or "token")))
    return token


def set_user(store: Store | str, actor: User, name: str, *, role: str | None = None,
             units: Iterable[str] | None = None, password: str | None = None,
             why: str | None = None, request_id: str | None = None) -> User:
    """Change a user's role, business units or password (what is not given is kept)."""
    from ..store.schema import changes, users
    from ..store.users import get_user, hash_password

    check_right(actor, "set_user")
    _check_password(password)
    st = _store(store)
    with st.transaction(actor.name, "set_user", why, request_id) as tx:
        old = get_user(st, name, tx.conn)
        if old is None:
            raise UnknownIdError("user", name)
        new_role = old.role if role is None else role
        new_units = old.units if units is None else tuple(u.strip() for u in units
                                                          if u.strip())
        if new_role not in ROLES:
            raise _at(InputError(f"unknown role '{new_role}'",
                                 hint=f"roles: {', '.join(ROLES)}"), "role")
        if new_role == "bu-lead" and not new_units:
            raise _at(InputError("a bu-lead needs their business units"), "units")
        if old.role == "admin" and new_role != "admin" and not _admins_left(
                tx.conn, users, name):
            raise _at(InputError(f"{name} is the only admin: the store would have nobody "
                                 "to manage its users",
                                 hint="make another user an admin first"), "role")
        if new_role != "bu-lead":
            new_units = ()
        if new_units:
            e = st.model_at_head(tx)
            for u in new_units:
                e.business_unit(u)
        values: dict[str, Any] = {"role": new_role, "units": ";".join(new_units)}
        if password is not None:
            values["password_hash"] = hash_password(password)
        tx.conn.execute(users.update().where(users.c.name == name).values(**values))
        log = [("role", old.role, new_role), ("units", list(old.units), list(new_units))]
        rows = [{"rev": tx.revision, "kind": "users", "key": name, "field": f,
                 "old": json.dumps(a), "new": json.dumps(b)} for f, a, b in log if a != b]
        if password is not None:
            rows.append({"rev": tx.revision, "kind": "users", "key": name,
                         "field": "password", "old": None, "new": json.dumps("changed")})
        if rows:
            tx.conn.execute(changes.insert(), rows)
    return User(name, new_role, new_units)  # type: ignore[arg-type]


def disable_user(store: Store | str, actor: User, name: str, *, why: str | None = None,
                 request_id: str | None = None) -> None:
    """Disable user ``name``: their password and tokens stop working."""
    from ..store.schema import changes, users
    from ..store.users import get_user

    check_right(actor, "disable_user")
    _known_name(name)
    st = _store(store)
    with st.transaction(actor.name, "disable_user", why, request_id) as tx:
        old = get_user(st, name, tx.conn)
        if old is not None and old.role == "admin" and not _admins_left(tx.conn, users, name):
            raise InputError(f"{name} is the only admin: the store would have nobody to "
                             "manage its users", hint="make another user an admin first")
        done = tx.conn.execute(users.update().where(users.c.name == name)
                               .values(disabled=1)).rowcount
        if not done:
            raise UnknownIdError("user", name)
        tx.conn.execute(changes.insert().values(rev=tx.revision, kind="users", key=name,
                                                field="disabled", old="false", new="true"))

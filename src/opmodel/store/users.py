"""Users, roles and API tokens of a store.

Passwords are hashed with argon2id (argon2-cffi); API tokens are random (32 bytes, URL-safe)
and stored only as their sha256, so a stolen database gives no usable token.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from ..errors import AuthenticationError

if TYPE_CHECKING:  # SQLAlchemy loads when a store is used, not with the roles
    from sqlalchemy import Connection

    from .store import Store

Role = Literal["admin", "architect", "portfolio", "bu-lead", "viewer"]
ROLES: tuple[Role, ...] = ("admin", "architect", "portfolio", "bu-lead", "viewer")


@dataclass(frozen=True)
class User:
    """Who acts: a name, a role and (for a bu-lead) the business units they answer for."""

    name: str
    role: Role
    units: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, object]:
        return {"name": self.name, "role": self.role, "units": list(self.units)}


def _hasher():  # type: ignore[no-untyped-def]
    from argon2 import PasswordHasher

    return PasswordHasher()


def hash_password(password: str) -> str:
    return str(_hasher().hash(password))


def token_hash(token: str) -> str:
    import hashlib

    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    import secrets

    return "opm_" + secrets.token_urlsafe(32)


def _user(row: Any) -> User:
    units = tuple(u for u in (row.units or "").split(";") if u)
    return User(row.name, row.role, units)  # type: ignore[arg-type]


def get_user(store: Store, name: str, conn: Connection | None = None) -> User | None:
    from sqlalchemy import select

    from .schema import users
    from .store import text_problem

    if text_problem(name) is not None:  # no user has it (and PostgreSQL refuses it)
        return None
    if conn is None:
        with store.reading() as c:
            return get_user(store, name, c)
    row = conn.execute(select(users).where(users.c.name == name,
                                           users.c.disabled == 0)).first()
    return None if row is None else _user(row)


def list_users(store: Store) -> list[User]:
    from sqlalchemy import select

    from .schema import users

    with store.reading() as conn:
        return [_user(r) for r in conn.execute(select(users).where(users.c.disabled == 0)
                                               .order_by(users.c.name))]


def authenticate(store: Store, name: str, password: str) -> User:
    """The user ``name`` if ``password`` is theirs; else :class:`AuthenticationError`."""
    from argon2.exceptions import InvalidHashError, VerificationError
    from sqlalchemy import select

    from .schema import users
    from .store import text_problem

    bad = AuthenticationError("unknown user or wrong password")
    if not password or text_problem(name) or text_problem(password.replace("\x00", "")):
        _hasher().hash("timing")  # no such user can exist (PostgreSQL refuses the query)
        raise bad
    with store.reading() as conn:
        row = conn.execute(select(users).where(users.c.name == name,
                                               users.c.disabled == 0)).first()
    if row is None or not row.password_hash:
        _hasher().hash("timing")  # the same work whether or not the user exists
        raise bad
    try:
        _hasher().verify(row.password_hash, password)
    except (VerificationError, InvalidHashError):
        raise bad from None
    return _user(row)


def user_for_token(store: Store, token: str) -> User:
    """The user an API token belongs to; else :class:`AuthenticationError`."""
    from sqlalchemy import select

    from .schema import tokens, users

    with store.reading() as conn:
        row = conn.execute(
            select(users).join(tokens, tokens.c.username == users.c.name)
            .where(tokens.c.hash == token_hash(token), users.c.disabled == 0)).first()
    if row is None:
        raise AuthenticationError("unknown or revoked token")
    return _user(row)

"""Who is asking: bearer API tokens, with a hook for the web app's session cookies.

Every route but ``/openapi.json``, ``/docs`` and ``/health`` needs a :class:`Principal`.
:func:`authenticate` tries, in order, the ``Authorization: Bearer TOKEN`` header (checked
against the store's hashed tokens) and then each extra authenticator registered with
:func:`add_authenticator` (the web app's session cookies plug in there). A folder source has
no users: it answers reads for an anonymous viewer and refuses writes.

Rights are not decided here: the store's actions check them for every write, so the API,
the CLI and the web app obey the same rules. This layer only knows who is calling.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request

from .errors import ApiError


@dataclass(frozen=True)
class Principal:
    """The caller: a name, a role and (for a bu-lead) the units that are theirs; ``user``
    is the store's own user object, handed to the actions unchanged."""

    name: str
    role: str
    units: tuple[str, ...] = ()
    user: Any = field(default=None, compare=False)


ANONYMOUS = Principal("anonymous", "viewer")

Authenticator = Callable[[Request], "Principal | None"]


def add_authenticator(app: Any, fn: Authenticator) -> None:
    """Register another way to authenticate (e.g. a session cookie); tried after tokens."""
    app.state.ctx.authenticators.append(fn)


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, "the Authorization header must be 'Bearer TOKEN'",
                       headers={"WWW-Authenticate": "Bearer"})
    return token.strip()


def principal_from_user(user: Any) -> Principal:
    units = getattr(user, "units", ()) or ()
    return Principal(name=str(getattr(user, "name", user)), role=str(getattr(user, "role", "")),
                     units=tuple(units), user=user)


async def authenticate(request: Request) -> Principal:
    """The caller of ``request``, or a 401 in the one error shape.

    Run on the event loop, not in a worker thread: the token check is one indexed query
    (about a millisecond), cheaper than the hand-over to a thread and back. Every route
    that needs a caller also refuses query parameters it does not take (:func:`known_query`)."""
    who = check(request)
    known_query(request)
    return who


OWN_QUERY = "_opmodel_own_query"
"""An endpoint with this attribute checks its query itself (the entity lists, whose filters
are the entity's fields, and the history)."""


def known_query(request: Request) -> None:
    """Refuse (400 ``E-UNKNOWN`` at ``query.NAME``, as the lists and the history do) a query
    parameter the route does not take: ``/heatmap?layr=gap`` answered the priority layer as
    if asked for, ``/gaps?tpo=5`` the top 20. ``at`` (time travel) is known everywhere."""
    route = request.scope.get("route")
    dependant = getattr(route, "dependant", None)
    if dependant is None or getattr(getattr(route, "endpoint", None), OWN_QUERY, False):
        return
    known = _query_names(route)
    bad = [{"code": "E-UNKNOWN", "field": f"query.{k}",
            "message": f"'{k}' is not a parameter of {request.url.path}",
            "hint": ("it takes: " + ", ".join(sorted(known))) if known - {"at"} else
                    "it takes no query parameters"}
           for k in dict.fromkeys(request.query_params) if k not in known]
    if bad:
        raise ApiError(400, bad[0]["message"], code="E-UNKNOWN", errors=bad)


def _query_names(route: Any) -> set[str]:
    names = getattr(route, "_opmodel_query_names", None)
    if names is None:
        names = {"at"}
        todo = [route.dependant]
        while todo:
            d = todo.pop()
            names |= {f.alias for f in d.query_params}
            todo += d.dependencies
        route._opmodel_query_names = names
    return names  # type: ignore[no-any-return]


def check(request: Request) -> Principal:
    """:func:`authenticate`, callable from synchronous code."""
    ctx = request.app.state.ctx
    cached = getattr(request.state, "principal", None)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    token = bearer_token(request)
    p: Principal | None = None
    if token is not None:
        if ctx.token_lookup is None:
            raise ApiError(401, "this server has no users; it takes no tokens",
                           headers={"WWW-Authenticate": "Bearer"})
        user = ctx.token_lookup(token)
        if user is None:
            raise ApiError(401, "unknown or revoked API token",
                           headers={"WWW-Authenticate": "Bearer"})
        p = principal_from_user(user)
    else:
        for fn in ctx.authenticators:
            p = fn(request)
            if p is not None:
                break
    if p is None:
        if ctx.anonymous is None:
            raise ApiError(401, "sign in: send 'Authorization: Bearer TOKEN' (create a token "
                                "with `opmodel user add`)",
                           headers={"WWW-Authenticate": "Bearer"})
        p = ctx.anonymous
    request.state.principal = p
    return p

"""Read resources for every entity of the model: a paginated list and one item each.

``GET /capabilities?limit=100&offset=0&stage=sell`` → ``{"ok": true, "total", "limit",
"offset", "next", "items": [...]}``; any field of the entity may be given as a filter
(equality, or membership for lists). ``GET /capabilities/{id}`` → the entity with an
``ETag`` naming its version. Entities without an id are addressed by their key fields:
``/assessments/{capability}/{business_unit}``, ``/budgets/{pool}/{period}``,
``/application-fits/{application}/{business_unit}``.
"""

from __future__ import annotations

import hashlib
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import Depends, FastAPI, Path, Query, Request
from fastapi.responses import Response

from ..model import Enterprise
from .auth import OWN_QUERY, Principal, authenticate
from .errors import ApiError, not_found
from .jsonout import answer, dumps
from .source import Snapshot

MAX_LIMIT = 1000


@dataclass(frozen=True)
class Kind:
    """One entity resource: its URL name, what the store calls it, how to list the items
    and which fields make the key."""

    path: str
    entity: str
    """The Enterprise field (and the store's kind) holding the items."""
    items: Callable[[Enterprise], tuple[Any, ...]]
    key: tuple[str, ...] = ("id",)

    @property
    def label(self) -> str:
        """One of them, in words: ``capabilities`` → ``capability``."""
        n = self.entity
        n = n[:-3] + "y" if n.endswith("ies") else n[:-1] if n.endswith("s") else n
        return n.replace("_", " ")

    def key_of(self, item: Any) -> tuple[str, ...]:
        return tuple(str(getattr(item, k)) for k in self.key)


def _kinds() -> tuple[Kind, ...]:
    """One resource per table of the model (every tuple field of :class:`Enterprise`, so
    tables added later — decisions, actuals — are served too), keyed as the store keys
    them, plus the policy's teams."""
    from ..store.rows import NATURAL_KEYS, item_model, list_kinds

    out = []
    for name in list_kinds():
        key = NATURAL_KEYS.get(name) or (("id",) if "id" in item_model(name).model_fields
                                         else None)
        if key is None:
            continue
        out.append(Kind(name.replace("_", "-"), name,
                        (lambda n: lambda e: getattr(e, n))(name), key))
    out.append(Kind("teams", "teams", lambda e: e.policy.teams))
    return tuple(out)


KINDS: tuple[Kind, ...] = _kinds()
BY_PATH = {k.path: k for k in KINDS}


def snapshot(request: Request,
             at: str | None = Query(None, description="A store's model as it stood at this "
                                    "instant (UTC, 2027-03-31T17:00) or revision (r42).")
             ) -> Snapshot:
    """The model as it stands now (cached per version) or, with ``?at=2027-03-31T17:00``
    (UTC) or ``?at=r42`` on a store, as it stood then: time travel, as ``--at``."""
    at = at if isinstance(at, str) else None
    ctx = request.app.state.ctx
    snap: Snapshot = ctx.models.current() if not at else ctx.models.at(at)
    request.state.snapshot = snap
    return snap


def item_dict(item: Any) -> dict[str, Any]:
    return item.model_dump(mode="json")  # type: ignore[no-any-return]


def find(snap: Snapshot, kind: Kind, key: tuple[str, ...]) -> Any:
    index = snap.extra.get(("index", kind.path))
    if index is None:
        index = {kind.key_of(x): x for x in kind.items(snap.enterprise)}
        snap.extra[("index", kind.path)] = index
    item = index.get(key)
    if item is None:
        from difflib import get_close_matches

        close = get_close_matches("/".join(key), ["/".join(k) for k in index], n=1)
        raise not_found(kind.label, "/".join(key),
                        f"did you mean '{close[0]}'?" if close else None, _path_field(kind))
    return item


def entity_version(request: Request, snap: Snapshot, kind: Kind,
                   key: tuple[str, ...]) -> int | None:
    """The store's version of one entity (None for a folder, or a kind it does not
    version on its own); the versions of a kind are read once per model version."""
    src = request.app.state.ctx.source
    fn = getattr(src, "versions", None)
    if fn is None or kind.path == "teams":
        return None
    cache_key = ("versions", kind.entity)
    versions = snap.extra.get(cache_key)
    if versions is None:
        versions = snap.extra[cache_key] = fn(kind.entity, at=int(snap.version))
    return versions.get("/".join(key))  # type: ignore[no-any-return]


def stored_item(request: Request, kind: Kind, key: tuple[str, ...]
                ) -> tuple[dict[str, Any], int] | None:
    """``(item JSON, version)`` read from the store in one query, without loading the whole
    model; None when the source is not a store (or the kind is not stored on its own).
    An unknown key is a 404 with a "did you mean"."""
    src = request.app.state.ctx.source
    if not getattr(src, "writable", False) or kind.path == "teams":
        return None
    from ..store.rows import item_model

    cur = src.store.current(kind.entity, "/".join(key))
    if cur is None:
        from difflib import get_close_matches

        close = get_close_matches("/".join(key), list(src.store.versions(kind.entity)), n=1)
        raise not_found(kind.label, "/".join(key),
                        f"did you mean '{close[0]}'?" if close else None, _path_field(kind))
    item = item_model(kind.entity).model_validate(cur.data)
    return item_dict(item), cur.version


def item_etag(request: Request, snap: Snapshot, kind: Kind, key: tuple[str, ...],
              item: Any) -> str:
    """The item's version as an ETag: the store's entity version (``"3"``) when it keeps
    one, else a hash of the item's content."""
    v = entity_version(request, snap, kind, key)
    if v is None:
        return '"h' + hashlib.sha256(dumps(item_dict(item))).hexdigest()[:16] + '"'
    return f'"{v}"'


def _matches(item: Any, filters: dict[str, str]) -> bool:
    for name, want in filters.items():
        have = getattr(item, name)
        if isinstance(have, tuple):
            if want not in [str(getattr(x, "id", x)) for x in have]:
                return False
        elif have is None:
            if want not in ("", "null"):
                return False
        elif isinstance(have, bool):
            if want.lower() not in (("true", "1", "yes") if have else ("false", "0", "no")):
                return False
        elif isinstance(have, int | float):  # ?current=2 finds 2.0 (checked as a number)
            if _as_number(want) != have:
                return False
        elif str(have) != want:
            return False
    return True


def page(request: Request, items: list[Any], limit: int, offset: int,
         to_dict: Callable[[Any], Any] = item_dict) -> dict[str, Any]:
    total = len(items)
    chunk = items[offset:offset + limit]
    nxt = None
    if offset + limit < total:
        u = request.url.include_query_params(offset=offset + limit, limit=limit)
        nxt = f"{u.path}?{u.query}"
    return {"ok": True, "total": total, "limit": limit, "offset": offset, "next": nxt,
            "items": [to_dict(x) for x in chunk]}


Limit = Query(100, ge=1, le=MAX_LIMIT, description=f"Items per page (1–{MAX_LIMIT}).")
Offset = Query(0, ge=0, description="Items to skip.")
RESERVED = {"limit", "offset", "at"}


def _path_field(kind: Kind) -> str:
    """The path parameter an unknown key is at: ``path.id``, or the key's parts
    (``path.capability/business_unit``)."""
    return "path." + "/".join(kind.key)


def _numeric(annotation: Any) -> bool:
    """A field holding one number (``float``, ``int``, optional or constrained)."""
    text = str(annotation)
    return ("float" in text or "int" in text) and not any(
        t in text for t in ("str", "tuple", "bool", "Literal"))


def _as_number(text: str) -> float | None:
    import math

    try:
        x = float(text)
    except ValueError:
        return None
    return x if math.isfinite(x) else None


def filters_of(request: Request, model: Any) -> dict[str, str]:
    fields = set(model.model_fields) if model is not None else set()
    out: dict[str, str] = {}
    bad = []
    for name, value in request.query_params.items():
        if name in RESERVED:
            continue
        if name not in fields:
            bad.append({"code": "E-UNKNOWN", "field": f"query.{name}",
                        "message": f"'{name}' is not a field to filter on",
                        "hint": "filter on one of: " + ", ".join(sorted(fields))})
        else:
            out[name] = value
            if (_numeric(model.model_fields[name].annotation) and value not in ("", "null")
                    and _as_number(value) is None):
                bad.append({"code": "E-TYPE", "field": f"query.{name}",
                            "message": f"{name}: '{value}' is not a number"})
    if bad:  # a filter the list does not have is a request that cannot be used (400); a
        # value of the wrong type is invalid input, as ?limit=abc is (422)
        status = 400 if any(b["code"] == "E-UNKNOWN" for b in bad) else 422
        raise ApiError(status, bad[0]["message"], code=bad[0]["code"], errors=bad)
    return out


def _item_model(kind: Kind) -> Any:
    from typing import get_args

    from ..model.funding import Policy
    from ..store.rows import item_model

    if kind.path == "teams":
        return get_args(Policy.model_fields["teams"].annotation)[0]
    return item_model(kind.entity)


def _display(source: Any) -> str:
    """The source for people: a database URL with its password masked."""
    if getattr(source, "writable", False):
        from ..store import display_url

        return str(display_url(source.url))
    return str(source.url)


def with_path_params(fn: Callable[..., Any], names: tuple[str, ...]) -> None:
    """Give ``fn`` (which takes ``**keys``) a signature naming each path parameter, so that
    FastAPI parses them and OpenAPI lists them."""
    sig = inspect.signature(fn)
    fixed = [p for p in sig.parameters.values() if p.kind != p.VAR_KEYWORD]
    extra = [inspect.Parameter(n, inspect.Parameter.KEYWORD_ONLY, annotation=str,
                               default=Path(..., description=n.replace("_", " ")))
             for n in names]
    fn.__signature__ = sig.replace(parameters=[  # type: ignore[attr-defined]
        *(p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in fixed), *extra])


def register(app: FastAPI) -> None:
    for kind in KINDS:
        _register_kind(app, kind)

    @app.get("/", tags=["model"], summary="What this server serves")
    def index(request: Request, who: Principal = Depends(authenticate),
              snap: Snapshot = Depends(snapshot)) -> Response:
        e = snap.enterprise
        data = {"ok": True, "name": e.name, "version": snap.version,
                "source": _display(request.app.state.ctx.source),
                "user": {"name": who.name, "role": who.role, "units": list(who.units)},
                "counts": e.summary(), "warnings": len(snap.warnings),
                "resources": ["/enterprise", "/policy", *(f"/{k.path}" for k in KINDS),
                              "/heatmap", "/gaps", "/homogeneity", "/apps", "/weights",
                              "/stability", "/plans", "/explain/{initiative}", "/diff",
                              "/history", "/surveys/{business_unit}", "/me", "/users",
                              "/openapi.json"]}
        return answer(request, dumps(data))

    @app.get("/health", tags=["model"], summary="Liveness: 200 when the server answers")
    async def health() -> dict[str, Any]:
        return {"ok": True}

    @app.get("/enterprise", tags=["model"], summary="The enterprise settings")
    def enterprise(request: Request, who: Principal = Depends(authenticate),
                   snap: Snapshot = Depends(snapshot)) -> Response:
        e = snap.enterprise
        data = e.model_dump(mode="json", include={
            "name", "description", "currency", "unit", "horizon", "fiscal_year_start",
            "scoring"})
        data["version"] = snap.version
        # the settings' own version: what PATCH /enterprise takes (If-Match or "version");
        # the answer's ETag stays the whole body's (it holds the model's version and warnings)
        fn = getattr(request.app.state.ctx.source, "versions", None)
        data["settings_version"] = (fn("enterprise", at=int(snap.version)).get("enterprise")
                                    if fn is not None else None)
        data["warnings"] = [{"code": i.code, "message": i.message,
                             "location": i.location} for i in snap.warnings]
        return answer(request, dumps(data))

    @app.get("/policy", tags=["model"], summary="The portfolio office's rules")
    def policy(request: Request, who: Principal = Depends(authenticate),
               snap: Snapshot = Depends(snapshot)) -> Response:
        # its ETag is its version ("2"), as an entity's: what PATCH /policy takes in
        # If-Match (a hash of the body was answered, which If-Match then refused with 412)
        fn = getattr(request.app.state.ctx.source, "versions", None)
        v = fn("policy", at=int(snap.version)).get("policy") if fn is not None else None
        return answer(request, dumps(snap.enterprise.policy.model_dump(mode="json")),
                      etag=None if v is None else f'"{v}"')


def _register_kind(app: FastAPI, kind: Kind) -> None:
    model = _item_model(kind)
    tag = kind.path

    def list_items(request: Request, limit: int = Limit, offset: int = Offset,
                   who: Principal = Depends(authenticate),
                   snap: Snapshot = Depends(snapshot)) -> Response:
        filters = filters_of(request, model)
        items = [x for x in kind.items(snap.enterprise) if _matches(x, filters)]
        return answer(request, dumps(page(request, items, limit, offset)))

    list_items.__name__ = f"list_{kind.path.replace('-', '_')}"
    setattr(list_items, OWN_QUERY, True)  # its filters are the entity's fields
    app.get(f"/{kind.path}", tags=[tag], summary=f"List {kind.path.replace('-', ' ')}",
            description="Paginated; any field of the entity may be passed as a filter "
                        "(equality, or membership for lists).")(list_items)

    params = "/".join("{" + k + "}" for k in kind.key)

    def get_item(request: Request, who: Principal = Depends(authenticate),
                 **keys: str) -> Response:
        key = tuple(str(keys[k]) for k in kind.key)
        stored = None if request.query_params.get("at") else stored_item(request, kind, key)
        if stored is not None:  # straight from the store: body and version from one row
            data, version = stored
            return answer(request, dumps(data), etag=f'"{version}"')
        snap = snapshot(request, request.query_params.get("at"))
        item = find(snap, kind, key)
        return answer(request, dumps(item_dict(item)),
                      etag=item_etag(request, snap, kind, key, item))

    get_item.__name__ = f"get_{kind.entity}"
    with_path_params(get_item, kind.key)
    app.get(f"/{kind.path}/{params}", tags=[tag],
            summary=f"One {kind.entity.replace('_', ' ')} (with its version as ETag)")(get_item)

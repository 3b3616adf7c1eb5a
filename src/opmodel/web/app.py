"""The FastAPI application: :func:`create_app` builds the REST API over one model source.

Every endpoint is one library call plus parsing and formatting: reads go to
:mod:`opmodel.analysis` and :mod:`opmodel.optimize` on the current snapshot (results cached
per model version), writes go to :mod:`opmodel.actions` (which validate, check rights and
versions, write and record the change). See docs/api.md.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .. import __version__
from ..outputs import inline_schema
from . import errors
from .auth import ANONYMOUS, Authenticator, Principal
from .cache import LRU
from .jobs import Jobs
from .source import Models, Source, source_for

MAX_BODY = 1 << 20
"""Largest request body accepted (bytes); larger ones are refused with 413."""


@dataclass
class Context:
    """What every request handler reaches through ``request.app.state.ctx``."""

    source: Source
    models: Models
    cache: LRU
    jobs: Jobs
    plans: LRU
    token_lookup: Any = None
    """``token → user | None`` (the store's); None when the source has no users."""
    anonymous: Principal | None = None
    """Who an unauthenticated caller is (None: refuse with 401)."""
    authenticators: list[Authenticator] = field(default_factory=list)
    require_if_match: bool = False
    max_body: int = MAX_BODY


class HeadAsGet:
    """ASGI middleware: ``HEAD`` answers what ``GET`` would, without the body (status and
    headers, ``Content-Length`` and ``ETag`` included) — FastAPI's routes answer only the
    methods they name, so ``curl -I`` and uptime checks got 405. /openapi.json is
    unchanged (no HEAD operations are added to it)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, headers_only)


class BodyLimit:
    """ASGI middleware: refuse request bodies above ``limit`` bytes with 413 in the error
    shape, whether or not the client sent a Content-Length, before any handler runs."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    n = int(value)
                except ValueError:
                    n = -1
                if n < 0 or n > self.limit:
                    await self._refuse(scope, receive, send)
                    return
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            msg = await receive()
            if msg["type"] == "http.disconnect":
                return
            chunk = msg.get("body", b"")
            size += len(chunk)
            if size > self.limit:
                await self._refuse(scope, receive, send)
                return
            chunks.append(chunk)
            more = bool(msg.get("more_body"))
        whole = b"".join(chunks)
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": whole, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        exc = errors.ApiError(413, f"the request body is larger than {self.limit:,} bytes",
                              errors=[{"code": "E-TOO-LARGE", "field": "body",
                                       "message": f"larger than {self.limit:,} bytes"}])
        await errors.response(exc)(scope, receive, send)


def create_app(source: str | os.PathLike[str] | Source, *, cache_size: int = 256,
               max_body: int = MAX_BODY, require_if_match: bool = False,
               plan_workers: int = 1, token_lookup: Any = None,
               anonymous: Principal | bool | None = None, pages: bool = True,
               secret: str | None = None) -> FastAPI:
    """The REST API over ``source``: a database URL (``sqlite:///acme.db``,
    ``postgresql://…``) or, read-only, a model folder.

    ``require_if_match`` makes every write without ``If-Match`` fail with 428 (by default
    a write without it is checked against the version the body names, or not at all).
    ``token_lookup`` overrides how bearer tokens are checked (default: the store's);
    ``anonymous`` lets callers without credentials read as a viewer (default: only for a
    folder, which has no users). ``pages`` adds the web app under ``/ui/`` (docs/web.md),
    its session cookies signed with ``secret`` (default: see
    :func:`opmodel.web.pages.session_secret`).
    """
    src = source_for(source)
    if src.writable:  # a mistyped URL is said now, not as an error on every request
        _holds_a_model(src)
    if token_lookup is None and src.writable:
        token_lookup = _store_token_lookup(src)
    if anonymous is None:
        anonymous = not src.writable
    anon = ANONYMOUS if anonymous is True else (anonymous or None)
    ctx = Context(source=src, models=Models(src), cache=LRU(cache_size),
                  jobs=Jobs(workers=plan_workers), plans=LRU(8), token_lookup=token_lookup,
                  anonymous=anon, require_if_match=require_if_match, max_body=max_body)
    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        ctx.jobs.shutdown()

    app = FastAPI(
        lifespan=lifespan, docs_url=None, redoc_url=None,  # /docs below: vendored, no CDN
        title="opmodel", version=__version__,
        description="The opmodel REST API: the model's entities, heat maps, gaps, "
                    "homogeneity, plans (background jobs), explanations, diffs, decisions "
                    "and the change history. Errors always have one shape: "
                    '{"ok": false, "error", "errors": [...], "status", "code"}. '
                    "See docs/api.md.",
    )
    app.state.ctx = ctx
    errors.install(app)
    _document_errors(app)
    from . import analysis, history, plans, resources, surveys, users, writes

    for module in (resources, analysis, plans, writes, history, users, surveys):
        module.register(app)
    app.add_middleware(BodyLimit, limit=max_body)
    app.add_middleware(HeadAsGet)
    if pages:  # the web app (issue 12): server-rendered pages under /ui/ (web/pages/)
        from .pages import install

        install(app, secret=secret)
    else:
        _mount_static(app)
    _api_docs(app)
    return app


def _mount_static(app: FastAPI) -> None:
    """The vendored files at ``/static`` (the web app mounts them itself)."""
    from fastapi.staticfiles import StaticFiles

    from .pages import STATIC

    app.mount("/static", StaticFiles(directory=STATIC), name="static")


def _api_docs(app: FastAPI) -> None:
    """``/docs``: the OpenAPI document in Swagger UI, served from the vendored files
    (FastAPI's own page loads Swagger UI and its favicon from a CDN: blank without a
    network, and a request to another origin from every reader's browser)."""
    from fastapi.openapi.docs import get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
    from fastapi.responses import HTMLResponse

    vendor = "/static/vendor/"

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json", title="opmodel — REST API",
            oauth2_redirect_url="/docs/oauth2-redirect",
            swagger_js_url=vendor + "swagger-ui-bundle.js",
            swagger_css_url=vendor + "swagger-ui.css",
            swagger_favicon_url=vendor + "swagger-ui-favicon.png",
            swagger_ui_parameters={"validatorUrl": None})  # no badge from swagger.io

    @app.get("/docs/oauth2-redirect", include_in_schema=False)
    async def oauth2_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()


ERROR_SCHEMA = inline_schema("api-error")
"""The one error shape, as /openapi.json documents it: :class:`opmodel.outputs.ApiErrorDoc`
(published as docs/schemas/api-error.json)."""


def _document_errors(app: FastAPI) -> None:
    """Every operation in /openapi.json answers errors with the one shape."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        from fastapi.openapi.utils import get_openapi

        doc = get_openapi(title=app.title, version=app.version,
                          description=app.description, routes=app.routes)
        doc.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
        ref = {"description": "An error, in the one shape (docs/api.md)",
               "content": {"application/json": {"schema": {
                   "$ref": "#/components/schemas/Error"}}}}
        for ops in doc.get("paths", {}).values():
            for op in ops.values():
                responses = op.setdefault("responses", {})
                responses.pop("422", None)  # FastAPI's own shape: ours replaces it
                responses["4XX"] = ref
                responses["5XX"] = ref
        app.openapi_schema = doc
        return doc

    app.openapi = openapi  # type: ignore[method-assign]


def _holds_a_model(source: Source) -> None:
    """Refuse a store URL that names no database (a missing SQLite file) or an empty one
    (``InputError``, saying how to make one)."""
    from ..errors import InputError
    from ..store import display_url

    if source.store.revision() == 0:  # type: ignore[attr-defined]
        url = display_url(source.url)  # type: ignore[attr-defined]
        raise InputError(f"{url} holds no model yet",
                         hint=f"make one: opmodel store init {url} --from FOLDER "
                              "(or serve the folder)")


def _store_token_lookup(source: Source) -> Any:
    """The store's ``token → user`` check (None for an unknown or revoked token)."""
    from ..errors import AuthenticationError
    from ..store.users import user_for_token

    def lookup(token: str) -> Any:
        try:
            return user_for_token(source.store, token)  # type: ignore[attr-defined]
        except AuthenticationError:
            return None

    return lookup

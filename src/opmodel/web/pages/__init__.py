"""The web app (issue 12): server-rendered pages (Jinja2 + HTMX) under ``/ui/`` beside the
REST API, on the same model source, caches and actions.

:func:`install` adds the pages, the static files (``/static``, everything vendored: the app
makes no request outside its own origin), signed session cookies and CSRF checks to an
application made by :func:`opmodel.web.create_app`. Reads reuse the API's snapshot and
per-version cache; every write is one call of :mod:`opmodel.actions` (rights and versions
are checked there, so a viewer who posts anyway is refused with 403 and a stale form is a
conflict, shown with both values).
"""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

HERE = Path(__file__).resolve().parent.parent
STATIC = HERE / "static"
SECRET_ENV = "OPMODEL_WEB_SECRET"


def session_secret(source: Any) -> str:
    """The key that signs session cookies: ``$OPMODEL_WEB_SECRET``, else a random key kept
    beside a SQLite store (``acme.db.websecret``, mode 0600, so sessions survive a restart),
    else a random key for this process."""
    env = os.environ.get(SECRET_ENV)
    if env:
        return env
    url = getattr(source, "url", "")
    if isinstance(url, str) and url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///") + ".websecret")
        try:
            return path.read_text(encoding="ascii").strip()
        except OSError:
            pass
        key = secrets.token_urlsafe(32)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, stat.S_IRUSR | stat.S_IWUSR)
            with os.fdopen(fd, "w", encoding="ascii") as f:
                f.write(key)
            return key
        except FileExistsError:
            return path.read_text(encoding="ascii").strip()
        except OSError:
            return key
    return secrets.token_urlsafe(32)


def _stop_with(app: FastAPI, stop: Any) -> None:
    """Call ``stop()`` when ``app`` shuts down (a mounted app's own lifespan never runs)."""
    from contextlib import asynccontextmanager

    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(a: Any) -> Any:
        async with inner(a) as state:
            yield state
        stop()

    app.router.lifespan_context = lifespan


def install(app: FastAPI, *, secret: str | None = None, secure_cookies: bool = False) -> None:
    """Add the web app to ``app`` (made by :func:`opmodel.web.create_app`): an application
    of its own mounted at ``/ui`` (so the REST API's routes, error shape and OpenAPI stay
    as they are) sharing the API's context, and the static files at ``/static``."""
    from . import initiative, plan, read, write
    from .common import install_handlers

    ctx = app.state.ctx
    key = secret or session_secret(ctx.source)
    ui = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    ui.state.ctx = ctx
    from .planning import Frontiers

    ui.state.frontiers = Frontiers()  # the pages' own background pool (the frontier)
    _stop_with(app, ui.state.frontiers.shutdown)
    ui.add_middleware(SessionMiddleware, secret_key=key, session_cookie="opmodel_session",
                      same_site="strict", https_only=secure_cookies, max_age=12 * 3600)
    install_handlers(ui)
    read.register(ui)
    write.register(ui)
    initiative.register(ui)
    plan.register(ui)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.mount("/ui", ui, name="ui")

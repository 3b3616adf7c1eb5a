"""What every page shares: the templates, who is signed in, CSRF tokens, rendering."""

from __future__ import annotations

import re
import secrets
from html import escape
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlencode, urlsplit

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape

from ...report.format import money
from ..auth import ANONYMOUS, Principal, principal_from_user

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(default=True),
                  trim_blocks=True, lstrip_blocks=True)



def number(v: Any) -> Any:
    """4.0 → 4, 2.5 → 2.5, None → ''; anything else as it is."""
    if v is None:
        return ""
    if isinstance(v, float) and not isinstance(v, bool):
        return f"{v:g}"
    return v


env.filters["n"] = number


def amount(x: Any) -> str:
    """An amount in the model's money unit, grouped, at most two decimals: ``2600.0`` →
    ``2,600``, ``1.25`` → ``1.25``; ``–`` when there is none."""
    if x is None or isinstance(x, bool) or not isinstance(x, int | float) or x != x:
        return "–"
    return f"{x:z,.2f}".rstrip("0").rstrip(".")


env.filters["n"] = number
env.filters["money"] = money  # as the report writes it: 34830.93 (USD thousands) → USD 34.8 M
env.filters["amount"] = amount

#: the pages a role sees in the navigation
NAV = (("overview", "/ui/", "Overview"), ("heatmap", "/ui/heatmap", "Heat map"),
       ("initiatives", "/ui/initiatives", "Initiatives"), ("plan", "/ui/plan", "Planning"),
       ("decisions", "/ui/decisions", "Decisions"), ("history", "/ui/history", "History"),
       ("admin", "/ui/admin", "Admin"))


class LoginRequired(Exception):
    def __init__(self, next_url: str) -> None:
        self.next_url = next_url


class PageError(Exception):
    """An error page (403, 404, 400) in HTML."""

    def __init__(self, status: int, message: str) -> None:
        self.status = status
        self.message = message


def posted_ids(form: dict[str, Any], key: str) -> list[str]:
    """The ids posted for ``key``: one value per box ticked in a picker (which sends an empty
    value first), or comma-separated text; blanks dropped, order kept."""
    v = form.get(key)
    values = v if isinstance(v, list) else [v]
    return [x for p in values for x in (t.strip() for t in str(p or "").split(",")) if x]


def who(request: Request) -> Principal:
    """The signed-in user (re-read from the store on every request, so a changed role or a
    disabled user counts at once), the anonymous viewer of a folder, or a redirect to the
    login page."""
    ctx = request.app.state.ctx
    if not ctx.source.writable:
        return ANONYMOUS
    name = request.session.get("user")
    if name:
        from ...store.users import get_user

        user = get_user(ctx.source.store, str(name))
        if user is not None:
            return principal_from_user(user)
        request.session.clear()
    nxt = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    raise LoginRequired(nxt)


def csrf_token(request: Request) -> str:
    tok = request.session.get("csrf")
    if not tok:
        tok = secrets.token_urlsafe(24)
        request.session["csrf"] = tok
    return str(tok)


async def check_csrf(request: Request) -> dict[str, Any]:
    """The posted form, once its CSRF token (field ``csrf`` or header ``X-CSRF-Token``)
    matches the session's; else a 403 page."""
    form = await request.form()
    sent = str(form.get("csrf") or request.headers.get("x-csrf-token") or "")
    want = str(request.session.get("csrf") or "")
    if not want or not secrets.compare_digest(sent, want):
        raise PageError(403, "This form has expired or did not come from this site "
                             "(CSRF check failed). Reload the page and try again.")
    return {k: form.getlist(k) if len(form.getlist(k)) > 1 else form.get(k) for k in form}


def can(p: Principal, action: str, units: tuple[str, ...] = ()) -> bool:
    if p.user is None:
        return False
    from ...actions import allowed

    return bool(allowed(p.user, action, units))


def travelling(request: Request) -> str | None:
    """The ``?at=`` of a page viewed as of a past version or time (time travel), else None."""
    at = request.query_params.get("at")
    return at.strip() if at and at.strip() else None


def no_travel(request: Request, what: str) -> None:
    """Refuse a page that changes or solves things when it is asked for as of the past."""
    if travelling(request):
        raise PageError(400, f"{what} works on the model as it is now: time travel (?at=) "
                             "is read-only. Open the page without ?at to use it.")


def revision_info(store: Any, revision: int) -> Any:
    """Revision ``revision`` of ``store``: ``.at`` (UTC, ISO), ``.who``, ``.action``; None
    for r0."""
    from sqlalchemy import select

    from ...store.schema import revisions

    r = revisions.c
    with store.reading() as conn:
        return conn.execute(select(r.at, r.who, r.action).where(r.id == revision)).first()


def _travel(request: Request, snap: Any) -> dict[str, Any] | None:
    at = travelling(request)
    if at is None or snap is None:
        return None
    src = request.app.state.ctx.source
    rev = int(snap.version)
    query = [(k, v) for k, v in request.query_params.multi_items() if k != "at"]
    now = request.url.path + (f"?{urlencode(query)}" if query else "")
    info = revision_info(src.store, rev)
    return {"at": at, "revision": rev, "when": None if info is None else str(info.at),
            "head": src.version(), "now": now}


_LINK = re.compile(r'\b(href|hx-get|data-explain)="(/ui/[^"]*|\?[^"]*)"')
_GET_FORM = re.compile(r'<form\b[^>]*\bmethod="get"[^>]*>')


def keep_travel(html: str, at: str) -> str:
    """Every link and htmx GET of this app's pages (and every GET form) of ``html`` kept at
    ``?at=``, but the links marked ``data-now`` (back to the present)."""
    q = quote(at, safe="")

    def link(m: re.Match[str]) -> str:
        url = m.group(2)
        if "at" in parse_qs(urlsplit(url.replace("&amp;", "&")).query):
            return m.group(0)
        path, _, frag = url.partition("#")
        path += ("&amp;" if "?" in path else "?") + f"at={q}"
        return f'{m.group(1)}="{path}{"#" + frag if frag else ""}"'

    out = []
    pos = 0
    for m in _LINK.finditer(html):
        before = html[max(0, m.start() - 40):m.start()]
        out.append(html[pos:m.start()])
        out.append(m.group(0) if "data-now" in before.rsplit("<", 1)[-1] else link(m))
        pos = m.end()
    out.append(html[pos:])
    html = "".join(out)
    hidden = f'<input type="hidden" name="at" value="{escape(at, quote=True)}">'
    return _GET_FORM.sub(lambda m: m.group(0) if "data-now" in m.group(0)
                         else m.group(0) + hidden, html)


def render(request: Request, template: str, status: int = 200, **data: Any) -> HTMLResponse:
    p: Principal | None = getattr(request.state, "principal_page", None)
    snap = data.get("snap")
    travel = _travel(request, snap)
    may = can if travel is None else (lambda *a, **k: False)  # the past is read-only
    html = env.get_template(template).render(
        request=request, me=p, nav=NAV, csrf=csrf_token(request), can=may, travel=travel,
        version=getattr(snap, "version", None), **data)
    if travel is not None:
        html = keep_travel(html, travel["at"])
    return HTMLResponse(html, status_code=status,
                        headers={"Cache-Control": "no-store",
                                 "Content-Security-Policy": CSP,
                                 "X-Content-Type-Options": "nosniff",
                                 "Referrer-Policy": "same-origin"})


CSP = ("default-src 'self'; script-src 'self' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; form-action 'self'")
"""Everything from this origin only (vega compiles expressions with ``Function``, hence
'unsafe-eval'; htmx and vega add inline styles)."""


def install_handlers(app: FastAPI) -> None:
    @app.exception_handler(LoginRequired)
    async def _login(request: Request, exc: LoginRequired) -> Response:
        if request.headers.get("hx-request"):
            return Response(status_code=401, headers={"HX-Redirect": "/ui/login"})
        return RedirectResponse(f"/ui/login?next={quote(exc.next_url, safe='/')}", 303)

    from ..errors import ApiError

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> Response:
        return render(request, "error.html", status=exc.status, status_code=exc.status,
                      message=exc.message)

    @app.exception_handler(PageError)
    async def _page_error(request: Request, exc: PageError) -> Response:
        return render(request, "error.html", status=exc.status, status_code=exc.status,
                      message=exc.message)

    # the pages' own unknown routes, wrong methods and malformed queries: the error page
    # (was FastAPI's {"detail": …}, neither the page nor the API's one error shape)
    from fastapi.exceptions import RequestValidationError
    from starlette.exceptions import HTTPException

    from ..errors import from_validation

    @app.exception_handler(HTTPException)
    async def _http_error(request: Request, exc: HTTPException) -> Response:
        message = "no such page" if exc.status_code == 404 else str(exc.detail)
        return render(request, "error.html", status=exc.status_code,
                      status_code=exc.status_code, message=message)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        e = from_validation(exc)
        return render(request, "error.html", status=e.status, status_code=e.status,
                      message=e.message)

    import logging

    log = logging.getLogger("opmodel.web")

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        """A bug: the error page (was Starlette's bare "Internal Server Error"), logged."""
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return render(request, "error.html", status=500, status_code=500,
                      message="Something went wrong on the server; nothing was saved that "
                              "was not confirmed (see the server log).")


def page_user(request: Request) -> Principal:
    p = who(request)
    request.state.principal_page = p
    return p

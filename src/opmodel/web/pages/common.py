"""What every page shares: the templates, who is signed in, CSRF tokens, rendering."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape

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


def render(request: Request, template: str, status: int = 200, **data: Any) -> HTMLResponse:
    p: Principal | None = getattr(request.state, "principal_page", None)
    snap = data.get("snap")
    html = env.get_template(template).render(
        request=request, me=p, nav=NAV, csrf=csrf_token(request), can=can,
        version=getattr(snap, "version", None), **data)
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


def page_user(request: Request) -> Principal:
    p = who(request)
    request.state.principal_page = p
    return p

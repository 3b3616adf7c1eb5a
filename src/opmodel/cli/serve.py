"""``opmodel serve``: the REST API and the web app (``/ui/``) with uvicorn."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape

from ..errors import InputError
from ._app import app
from ._common import console, handle_errors


@app.command()
@handle_errors
def serve(
    source: str = typer.Argument(".", help="A database URL (sqlite:///acme.db, "
                                 "postgresql://…) or a model folder (served from a local "
                                 "SQLite store made beside it)."),
    host: str = typer.Option("127.0.0.1", "--host", help="Interface to listen on."),
    port: int = typer.Option(8000, "--port", help="Port to listen on."),
    read_only: bool = typer.Option(False, "--read-only", help="Serve a folder as it is, "
                                   "read-only, without users or a store."),
    log_level: str = typer.Option("info", "--log-level", help="uvicorn's log level."),
) -> None:
    """Serve the REST API (docs/api.md: OpenAPI at /openapi.json, docs at /docs) and the web
    app at /ui/ (docs/web.md)."""
    import uvicorn

    from ..api import store_url
    from ..web import create_app

    if not 0 < port < 65536:
        raise InputError(f"--port must be 1–65535 (got {port})")
    levels = ("critical", "error", "warning", "info", "debug", "trace")
    if log_level.lower() not in levels:  # uvicorn would end in a KeyError traceback
        raise InputError(f"--log-level {log_level!r} is not one of {', '.join(levels)}")
    url = store_url(source)
    if url is not None or read_only:
        if read_only and url is not None:
            raise InputError("--read-only serves a folder", hint="drop --read-only for a URL")
        url = url or source
    else:
        from ..web.local import local_store

        local = local_store(Path(source))
        url = local.url
        if local.created:
            console.print(f"[green]✓[/] made the store {escape(str(local.path))} from "
                          f"{escape(source)}")
        elif local.refreshed:
            console.print(f"[green]✓[/] refreshed {escape(str(local.path))} from "
                          f"{escape(source)}")
        if local.notice:
            console.print(f"[yellow]note[/] {escape(local.notice)}", soft_wrap=True)
        if local.login is not None:
            lg = local.login
            console.print(
                f"first admin login (shown once, only its hash is stored):\n"
                f"  user      {escape(lg.name)}\n  password  {escape(lg.password)}\n"
                f"  API token {escape(lg.token)}", soft_wrap=True)
    application = create_app(url)
    from ..store import display_url

    shown = display_url(url) if store_url(url) else url
    console.print(f"serving {escape(shown)} on http://{host}:{port} (API docs at /docs)",
                  soft_wrap=True)
    console.print(f"the web app: http://{host}:{port}/ui/ (docs/web.md)", soft_wrap=True)
    try:
        uvicorn.run(application, host=host, port=port, log_level=log_level.lower())
    except SystemExit as exc:  # uvicorn could not start (port in use, unknown host): its
        # exit code 3 would read as "no feasible plan" (docs/output.md)
        if exc.code in (0, None):
            raise
        raise InputError(f"cannot serve on http://{host}:{port}: the server did not start",
                         hint="see the line above (the port in use? an unknown host?); "
                              "choose another --port or --host") from None

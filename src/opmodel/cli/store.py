"""Store commands: ``store init/export/info``, ``user add/list``, ``history``.

The command line has the database itself in hand, so it acts as an admin named by
``$OPMODEL_USER`` (or the login name); every change it makes is on record under that name.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import typer
from rich.markup import escape
from rich.text import Text

from .. import api
from ..errors import InputError
from ..store import display_url, export_store, init_store, side_files_of
from ..store.users import ROLES, User, list_users
from ._app import app
from ._common import MODEL_HELP, AtOpt, Table, console, handle_errors, print_issues
from ._output import emit, format_option, output_option, resolve

store_app = typer.Typer(help="Keep a model in a database (SQLite or PostgreSQL) for a team.",
                        no_args_is_help=True)
user_app = typer.Typer(help="Users of a store: roles, business units, API tokens.",
                       no_args_is_help=True)
app.add_typer(store_app, name="store")
app.add_typer(user_app, name="user")

URL_HELP = "Database URL: sqlite:///acme.db (a file) or postgresql://user@host/db."


def local_actor() -> User:
    """Who the command line acts as: an admin named by $OPMODEL_USER or the login name."""
    return api.local_actor()


def _url(url: str) -> str:
    found = api.store_url(url)
    if found is None:
        raise InputError(f"'{url}' is not a database URL",
                         hint="use sqlite:///file.db or postgresql://user@host/db")
    return found


@store_app.command("init")
@handle_errors
def store_init(
    url: str = typer.Argument(..., help=URL_HELP),
    source: str = typer.Option(..., "--from", help="The model to store: a model folder "
                               "(or workbook, ArchiMate file)."),
    force: bool = typer.Option(False, "--force", help="Replace a model already in the store "
                               "(as a new revision; the old one stays reachable with --at)."),
) -> None:
    """Start a store from a model: every entity becomes revision 1, on record."""
    result = api.read(source)
    print_issues(result.warnings)
    who = local_actor().name
    rev = init_store(_url(url), result.enterprise, who=who, why=f"store init --from {source}",
                     force=force, files=side_files_of(source))
    counts = result.enterprise.summary()
    console.print(f"[green]✓[/] stored {escape(result.enterprise.name)} in "
                  f"[bold]{escape(display_url(_url(url)))}[/] as revision {rev}: "
                  f"{counts['capabilities']:,} capabilities, {counts['assessments']:,} "
                  f"assessments, {counts['initiatives']:,} initiatives")
    console.print(f"  next: [bold]opmodel user add {escape(url)} NAME --role admin[/]")


@store_app.command("export")
@handle_errors
def store_export(
    url: str = typer.Argument(..., help=URL_HELP),
    folder: Path = typer.Argument(..., help="Model folder to write (canonical files)."),
    at: str | None = AtOpt,
) -> None:
    """Write the stored model back as a model folder (for git), as it stands or stood."""
    from ..atomic import check_writable, real_folder
    from ..store import open_store

    check_writable(real_folder(folder).parent, folder)  # before the store is read
    written = export_store(_url(url), folder, at=at)
    rev = open_store(_url(url)).revision_at(at) if at else open_store(_url(url)).revision()
    console.print(f"[green]✓[/] wrote {len(written)} file(s) to [bold]{escape(str(folder))}[/] "
                  f"(revision {rev})")


@store_app.command("info")
@handle_errors
def store_info(url: str = typer.Argument(..., help=URL_HELP),
               fmt: str | None = format_option(csv=False),
               out: Path | None = output_option()) -> None:
    """The store's model version, schema revision and users."""
    from ..store import open_store

    st = open_store(_url(url))
    data = {"store": display_url(st.url), "revision": st.revision(),
            "schema_revision": st.schema_revision(), "users": len(list_users(st))}
    emit("store-info", fmt, out, data=lambda: data, table=lambda: [Text(
        f"{data['store']}: model revision {data['revision']}, schema "
        f"{data['schema_revision']}, {data['users']} user(s)")])


@user_app.command("add")
@handle_errors
def user_add(
    url: str = typer.Argument(..., help=URL_HELP),
    name: str = typer.Argument(..., help="The user's name (their login)."),
    role: str = typer.Option(..., "--role", "-r", help=f"One of: {', '.join(ROLES)}."),
    units: str = typer.Option("", "--units", "-u", help="A bu-lead's business units, "
                              "comma-separated (storage,servers)."),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="Read the password "
                                        "from standard input instead of a prompt."),
    no_password: bool = typer.Option(False, "--no-password", help="No password: the user "
                                     "signs in with the API token only."),
) -> None:
    """Add a user with a role; prints their first API token once (only its hash is kept)."""
    from .. import actions

    password: str | None
    if no_password:
        password = None
    elif password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise InputError("no password on standard input")
    else:
        import getpass
        import warnings

        with warnings.catch_warnings():  # no terminal (a pipe): click says it in one line;
            warnings.simplefilter("ignore", getpass.GetPassWarning)  # not getpass's source
            password = typer.prompt(f"password for {name}", hide_input=True,
                                    confirmation_prompt=True)
    user, token = actions.add_user(_url(url), local_actor(), name, role,
                                   [u for u in units.split(",") if u.strip()], password,
                                   why="opmodel user add")
    scope = f" for {', '.join(user.units)}" if user.units else ""
    console.print(f"[green]✓[/] added {escape(user.name)} as {user.role}{escape(scope)}")
    console.print(f"  API token (shown once): {token}", soft_wrap=True)


@user_app.command("list")
@handle_errors
def user_list(url: str = typer.Argument(..., help=URL_HELP),
              fmt: str | None = format_option(), out: Path | None = output_option()) -> None:
    """The users of a store with their roles and units."""
    from ..store import open_store

    st = open_store(_url(url))
    users = [{"name": u.name, "role": u.role, "units": list(u.units)} for u in list_users(st)]

    def view() -> list[Any]:
        t = Table(title="Users", title_justify="left")
        for col in ("name", "role", "units"):
            t.add_column(col)
        for u in users:
            t.add_row(u["name"], u["role"], ", ".join(u["units"]) or "–")
        return [t]

    emit("users", fmt, out, data=lambda: {"store": display_url(st.url), "users": users},
         rows=lambda: users, table=view)


@app.command("history")
@handle_errors
def history(
    model: str = typer.Argument(..., help=MODEL_HELP),
    entity: str | None = typer.Option(None, "--entity", "-e", help="One entity "
                                      "(initiative:crm-salesforce, assessment:crm/storage) "
                                      "or a whole kind (assessments)."),
    limit: int | None = typer.Option(None, "--limit", "-n", help="Only the last N changes."),
    fmt: str | None = format_option(),
    out: Path | None = output_option(),
) -> None:
    """The change log of a stored model: who changed what, when, why, old → new."""
    from ..store import open_store

    resolve(fmt, out)
    if limit is not None:  # -n -1 listed every change, -n 0 none
        from ._common import check_count

        check_count("--limit", limit, 1, 2**63 - 1)
    if api.store_url(model) is None and Path(model).is_dir():
        raise InputError(f"{model} is a model folder: its history is in git",
                         hint=f"git log -p -- {model}")
    found = open_store(_url(model)).history(entity, limit=limit)
    changes = [c.as_dict() for c in found]
    where = display_url(_url(model))

    def view() -> list[Any]:
        t = Table(title=f"History of {where}", title_justify="left")
        for col in ("rev", "when (UTC)", "who", "action", "entity", "field", "old → new",
                    "why"):
            t.add_column(col, overflow="fold")
        for c in found:
            if c.field is None:
                change = "created" if c.old is None else "removed"
            else:
                change = f"{_short(c.old)} → {_short(c.new)}"
            t.add_row(str(c.revision), c.at[:19].replace("T", " "), c.who, c.action,
                      c.entity, c.field or "", change, c.why or "")
        out_: list[Any] = [t]
        if not found:
            out_.append(Text("no changes on record" + (f" for {entity}" if entity else "")))
        return out_

    emit("history", fmt, out, data=lambda: {"store": where, "entity": entity,
                                            "changes": changes},
         rows=lambda: changes, table=view)


def _short(v: object) -> str:
    text = "–" if v is None else json.dumps(v, ensure_ascii=False)
    return text if len(text) <= 40 else text[:39] + "…"

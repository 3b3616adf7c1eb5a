"""``opmodel serve FOLDER``: a local SQLite store beside a model folder.

The first time, :func:`local_store` makes ``FOLDER.opmodel.db`` next to the folder from
the folder's files and creates the first admin login (name, password and API token,
returned once to be printed once; only their hashes are stored). Afterwards the store is
the model: edits made through the API live there, and ``opmodel store export URL FOLDER``
writes them back to the folder for git. When the folder has changed since the store was
made and nobody has edited the store since, the store is refreshed from the folder (a new
revision, on record); when both changed, the store is kept and a notice says so.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError


@dataclass(frozen=True)
class FirstLogin:
    name: str
    password: str
    token: str


@dataclass(frozen=True)
class LocalStore:
    url: str
    path: Path
    created: bool
    refreshed: bool
    login: FirstLogin | None
    notice: str | None = None


def store_path(folder: Path) -> Path:
    folder = folder.resolve()
    return folder.parent / f"{folder.name}.opmodel.db"


def _newest_mtime(folder: Path) -> float:
    return max((p.stat().st_mtime for p in folder.iterdir() if p.is_file()), default=0.0)


#: actions that change users, not the model: a store changed only by these is not edited
USER_ACTIONS = ("add_user", "add_token", "set_user", "disable_user")


def _edited_since_made(st: object) -> bool:
    """Has the model in the store changed since it was last made or refreshed from the
    folder (``init``)? Changes of users (roles, tokens) do not count."""
    from sqlalchemy import func, select

    from ..store.schema import changes, revisions

    with st.reading() as conn:  # type: ignore[attr-defined]
        made = conn.execute(select(func.max(revisions.c.id))
                            .where(revisions.c.action == "init")).scalar() or 0
        edited = conn.execute(
            select(func.max(changes.c.rev)).join(revisions, revisions.c.id == changes.c.rev)
            .where(revisions.c.action.not_in(("init", *USER_ACTIONS)))).scalar() or 0
    return int(edited) > int(made)


def local_store(folder: str | os.PathLike[str], admin: str = "admin") -> LocalStore:
    """The SQLite store beside ``folder``, made (with a first admin login) or refreshed."""
    from .. import actions
    from ..store import init_store, open_store, refresh_store

    root = Path(folder)
    if not root.is_dir():
        raise InputError(f"{root} is not a model folder",
                         hint="give a model folder or a database URL (sqlite:///x.db)")
    db = store_path(root)
    url = f"sqlite:///{db}"
    if not db.exists():
        try:
            init_store(url, root, why=f"opmodel serve {root}")
            password = secrets.token_urlsafe(12)
            _, token = actions.first_admin(url, admin, password)
        except BaseException:
            from ..store import close_stores

            close_stores()
            db.unlink(missing_ok=True)  # nothing half-made: the next run starts over
            raise
        return LocalStore(url, db, True, False, FirstLogin(admin, password, token))
    st = open_store(url)
    if _newest_mtime(root) <= db.stat().st_mtime:
        return LocalStore(url, db, False, False, None)
    if _edited_since_made(st):
        from ..io.folder import read_folder
        from ..store import side_files_of

        try:
            same = (read_folder(root).enterprise == st.read().enterprise
                    and side_files_of(root) == st.files())
        except Exception:  # a folder that does not load: the notice says what to do
            same = False
        if same:  # the folder is the store, written back by `store export`: nothing to do
            os.utime(db)
            return LocalStore(url, db, False, False, None)
        return LocalStore(url, db, False, False, None, notice=(
            f"{root} changed since {db.name} was made, and the store has edits of its own: "
            f"serving the store as it is. Write it back with `opmodel store export {url} "
            f"DIR`, or delete {db.name} to start again from the folder."))
    refresh_store(url, root, why=f"opmodel serve {root}: refreshed from the folder")
    os.utime(db)
    return LocalStore(url, db, False, True, None)

"""The team store: a model in SQLite or PostgreSQL, every change on record.

URLs: ``sqlite:///relative.db``, ``sqlite:////absolute/path.db``, ``postgresql://user:pw@host:5432/db``
(``postgres://`` and ``postgresql+psycopg://`` are accepted too; psycopg 3 is used).

Reading: :func:`open_store` (``Store.read(at=None)``, ``Store.snapshot``); writing happens
only through :mod:`opmodel.actions`. :func:`init_store` fills a store from a model,
:func:`export_store` writes it back as a model folder.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import InputError, ModelError
from .urls import display_url, is_url, normalize_url

if TYPE_CHECKING:
    from ..model import Enterprise
    from . import rows
    from .store import (
        Change,
        Current,
        Snapshot,
        Store,
        close_stores,
        json_location,
        open_store,
        resolve_kind,
    )

# SQLAlchemy and the model load on first use: `opmodel.store.is_url` is asked by every
# command that reads a model, most of them folders.
_LAZY = {"Change", "Current", "Snapshot", "Store", "close_stores", "json_location",
         "open_store", "resolve_kind"}


def __getattr__(name: str) -> Any:
    import importlib

    if name == "rows":
        return importlib.import_module(f"{__name__}.rows")
    if name not in _LAZY:
        raise AttributeError(f"module '{__name__}' has no attribute '{name}'")
    value = getattr(importlib.import_module(f"{__name__}.store"), name)
    globals()[name] = value
    return value


__all__ = [
    "Change",
    "Current",
    "Snapshot",
    "Store",
    "close_stores",
    "display_url",
    "export_store",
    "init_store",
    "is_url",
    "json_location",
    "normalize_url",
    "open_store",
    "refresh_store",
    "resolve_kind",
    "rows",
    "side_files_of",
]


def side_files_of(folder: str | os.PathLike[str]) -> dict[str, str]:
    """The side files (``scenarios.yaml``) of a model folder: name → text."""
    from . import rows

    root = Path(folder)
    if not root.is_dir():
        return {}
    return {name: (root / name).read_text(encoding="utf-8-sig")
            for name in rows.SIDE_FILES if (root / name).is_file()}


def init_store(url: str, enterprise: Enterprise | str | os.PathLike[str], *,
               who: str = "opmodel", why: str | None = None, force: bool = False,
               files: dict[str, str] | None = None) -> int:
    """Store ``enterprise`` (a model, or the folder of one) at ``url`` as its first
    revision; returns that revision.

    Refuses a store that already holds a model unless ``force`` (then the model is replaced
    as a new revision — only the entities that differ are written — and the old one stays
    reachable by time travel)."""
    from ..model import Enterprise
    from ..model import validate as validate_model
    from . import rows
    from .store import Current, open_store

    files = dict(files or {})
    if not isinstance(enterprise, Enterprise):
        from ..io.folder import read_folder

        files = {**side_files_of(enterprise), **files}
        enterprise = read_folder(enterprise).enterprise
    errors = [i for i in validate_model(enterprise) if i.severity == "error"]
    if errors:
        raise ModelError(errors, source="the model to store")
    store = open_store(url, create=True)
    found = list(rows.to_rows(enterprise))
    found += [rows.Row(rows.FILES, name, k, rows.dumps({"text": text}))
              for k, (name, text) in enumerate(files.items())]
    with store.transaction(who, "init", why or "store init") as tx:
        if tx.base > 0:
            if not force:
                raise InputError(f"{display_url(store.url)} already holds a model "
                                 f"(revision {tx.base})",
                                 hint="pass --force to replace it (history is kept)")
            from .schema import entities

            keep = {(r.kind, r.key): r for r in found}
            old = tx.conn.execute(entities.select().where(entities.c.rev_to.is_(None))).all()
            for o in old:
                if (o.kind, o.key) not in keep:
                    tx.delete(o.kind, o.key, Current(o.kind, o.key, json.loads(o.data),
                                                     o.version, o.pos))
            for r in found:
                tx.put(r.kind, r.key, json.loads(r.data), pos=r.pos)
        else:
            tx.bulk_create(found)
        return tx.revision


def refresh_store(url: str, model: Enterprise | str | os.PathLike[str], *,
                  who: str = "opmodel", why: str | None = None) -> int:
    """Replace the stored model by ``model`` (e.g. its folder after a ``git pull``) as one
    new revision that writes only what differs; returns the revision."""
    return init_store(url, model, who=who, why=why or "refreshed from the folder",
                      force=True)


def export_store(url: str, folder: str | os.PathLike[str], *,
                 at: str | None = None) -> list[Path]:
    """Write the model stored at ``url`` (as it stands, or stood ``at``) as a model folder,
    with the side files kept in the store (``scenarios.yaml``)."""
    from ..io.folder import write_folder
    from .store import open_store

    st = open_store(url)
    return write_folder(st.read(at).enterprise, folder, what="opmodel store export",
                        extra=st.files(at))

"""Where the API reads its model from, and the snapshot it serves.

A :class:`Source` answers two questions: what is the model's version now (cheaply, on every
request) and what is the model (loaded only when the version changed). :class:`Models`
keeps the last snapshot and reloads it once per new version, however many requests ask.

- :class:`StoreSource`: a database URL (``sqlite:///…``, ``postgresql://…``) read through
  :func:`opmodel.api.read`; the version is the store's model version.
- :class:`FolderSource`: a model folder, read-only (the version is a fingerprint of the
  files' sizes and modification times). ``opmodel serve FOLDER`` serves a store made beside
  the folder instead; this one is for reading a folder as it is.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import api
from ..errors import Issue, OpmodelError
from ..model import Enterprise


@dataclass(frozen=True)
class Snapshot:
    """The model at one version, with the warnings it loaded with."""

    enterprise: Enterprise
    version: str
    warnings: tuple[Issue, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict, compare=False)


class Source:
    """Base of the model sources."""

    url: str
    writable = False

    def version(self) -> str:
        raise NotImplementedError

    def load(self) -> tuple[Enterprise, list[Issue]]:
        raise NotImplementedError

    def scenarios(self, e: Enterprise) -> Any:
        """The named scenarios (an :class:`~opmodel.optimize.scenario.Scenarios`)."""
        from ..optimize.scenario import Scenarios

        return Scenarios()


class FolderSource(Source):
    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.url = str(self.path)

    def version(self) -> str:
        h = hashlib.sha256()
        try:
            entries = sorted(os.scandir(self.path), key=lambda d: d.name)
        except OSError:
            return "missing"
        for d in entries:
            if d.is_file():
                st = d.stat()
                h.update(f"{d.name}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
        return h.hexdigest()[:16]

    def load(self) -> tuple[Enterprise, list[Issue]]:
        r = api.read(self.path)
        return r.enterprise, list(r.warnings)

    def scenarios(self, e: Enterprise) -> Any:
        from ..io.scenarios import read_scenarios

        return read_scenarios(self.path, e)


class StoreSource(Source):
    """A store at a database URL (:mod:`opmodel.store`); writes go through
    :mod:`opmodel.actions`. The version is the store's revision number."""

    writable = True

    def __init__(self, url: str) -> None:
        self.url = url
        self._store: Any = None
        #: writers of this process queue here on SQLite (one writer at a time anyway)
        self.write_lock = threading.Lock() if url.startswith("sqlite") else None

    @property
    def store(self) -> Any:
        if self._store is None:
            from ..store.store import open_store

            self._store = open_store(self.url)
        return self._store

    def version(self) -> str:
        return str(self.store.revision())

    def load(self) -> tuple[Enterprise, list[Issue]]:
        r = self.store.read()
        return r.enterprise, list(r.warnings)

    def versions(self, kind: str, at: int | None = None) -> dict[str, int]:
        """key → entity version of every entity of ``kind`` (store kind names), as it
        stands or stood at revision ``at``."""
        return self.store.versions(kind, at)  # type: ignore[no-any-return]

    def scenarios(self, e: Enterprise) -> Any:
        """The scenarios.yaml the store keeps beside the model."""
        from ..io.scenarios import read_scenarios

        with api.side_files(self.url) as folder:
            return read_scenarios(folder, e)


def source_for(text: str | os.PathLike[str] | Source) -> Source:
    if isinstance(text, Source):
        return text
    url = api.store_url(text)
    return StoreSource(url) if url is not None else FolderSource(text)


class Models:
    """The current snapshot of a source, reloaded once per new version (and a few past
    ones, for time travel)."""

    def __init__(self, source: Source) -> None:
        self.source = source
        self._snap: Snapshot | None = None
        self._lock = threading.Lock()
        self._past: OrderedDict[int, Snapshot] = OrderedDict()

    def at(self, when: str) -> Snapshot:
        """The model as it stood at ``when`` (an instant in UTC, or ``r42``); stores only.
        Its version is the revision it stood at, so results are cached like any other."""
        from .errors import ApiError

        store = getattr(self.source, "store", None)
        if store is None:
            raise ApiError(400, "a folder has no history: ?at needs a store",
                           code="E-INPUT", errors=[{"code": "E-INPUT", "field": "query.at",
                                                    "message": "a folder has no history"}])
        try:
            with store.reading() as conn:
                rev = store.revision_at(when, conn)
        except OpmodelError as exc:  # the store says it as the command's flag: "--at 'x' …"
            said = exc.message.removeprefix("--at ")
            entry = {"code": exc.code, "field": "query.at", "message": f"at: {said}"}
            if exc.hint:
                entry["hint"] = exc.hint
            raise ApiError(422, f"at: {said}", code=exc.code,
                           errors=[entry]) from None
        with self._lock:
            hit = self._past.get(rev)
            if hit is not None:
                self._past.move_to_end(rev)
                return hit
        r = store.read(rev)
        snap = Snapshot(r.enterprise, str(rev), tuple(r.warnings))
        with self._lock:
            self._past[rev] = snap
            while len(self._past) > 4:
                self._past.popitem(last=False)
        return snap

    def current(self) -> Snapshot:
        v = self.source.version()
        snap = self._snap
        if snap is not None and snap.version == v:
            return snap
        with self._lock:
            snap = self._snap
            v = self.source.version()
            if snap is not None and snap.version == v:
                return snap
            for _ in range(3):  # a write may land while loading: load again
                e, warnings = self.source.load()
                after = self.source.version()
                if after == v:
                    break
                v = after
            snap = Snapshot(e, v, tuple(warnings))
            self._snap = snap
            return snap

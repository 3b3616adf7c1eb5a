"""Where elements of a YAML file are: the line and column of paths (keys and list indexes)
such as ``("initiatives", 3, "depends_on", 0)``, for placing issues at ``file:line:col``.

Found from libyaml's parse events in one pass that builds nothing and stops as soon as
every path asked for is settled. (ruamel's round-trip loader, used for this before, builds
the whole document in pure Python at about 45 µs a node: one unknown id in a 10 MB file of
ids took minutes to place.) The answer is what
:func:`opmodel.io.folder.yaml_position` gives on a round-trip document: the position of the
deepest node of the path that exists — a mapping key's own position, or a list item's —
and (1, 1) when not even the first part exists.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ruamel.yaml.error import YAMLError

from ..errors import PathPart
from .safefile import _events

Path = tuple[PathPart, ...]
_COMPLEX: Any = object()  # a mapping's key that is itself a mapping or sequence, still open


class _Frame:
    """An open mapping or sequence: its path (None when no path asked for is under it)."""

    __slots__ = ("index", "is_map", "key", "path")

    def __init__(self, path: Path | None, is_map: bool) -> None:
        self.path = path
        self.is_map = is_map
        self.key: Any = False  # a mapping's pending key (False: none yet;
        # None: a value nothing asked for is in; _COMPLEX: a complex key being read)
        self.index = 0


def yaml_positions(text: str, paths: Iterable[Path]) -> dict[Path, tuple[int, int]]:
    """1-based (line, column) of each path in ``text`` (see the module docstring)."""
    wanted = {tuple(p) for p in paths}
    prefixes: set[Path] = {p[:k] for p in wanted for k in range(len(p) + 1)}
    under: dict[Path, list[Path]] = {}  # a container's path → the paths asked below it
    for p in wanted:
        for k in range(len(p)):
            under.setdefault(p[:k], []).append(p)
    found: dict[Path, tuple[int, int]] = {}
    pending = set(wanted)
    stack: list[_Frame] = []

    def node_path(mark: Any) -> Path | None:
        """The path of the node starting now (recording its place), or None."""
        if not stack:
            return ()
        top = stack[-1]
        if top.path is None:
            return None
        if top.is_map:  # a value: its key was placed already
            key = top.key
            return key if isinstance(key, tuple) else None
        path = (*top.path, top.index)
        top.index += 1
        if path in prefixes:
            found[path] = (mark.line + 1, mark.column + 1)
            pending.discard(path)
            return path
        return None

    def done_with_node() -> None:  # a mapping's value is complete: a key comes next
        if stack and stack[-1].is_map:
            stack[-1].key = False

    try:
        for ev in _events(text):
            if not pending:
                break
            kind = type(ev).__name__
            if kind in ("MappingStartEvent", "SequenceStartEvent", "ScalarEvent"):
                top = stack[-1] if stack else None
                if top is not None and top.is_map and top.key is False:  # a key
                    if kind == "ScalarEvent" and top.path is not None:
                        cand = _key(top.path, ev.value, prefixes)
                        if cand is not None:
                            found[cand] = (ev.start_mark.line + 1, ev.start_mark.column + 1)
                            pending.discard(cand)
                        top.key = cand
                    else:
                        top.key = None
                    if kind != "ScalarEvent":  # a complex key: nothing asked is in it
                        top.key = _COMPLEX
                        stack.append(_Frame(None, kind == "MappingStartEvent"))
                    continue
                path = node_path(ev.start_mark)
                if kind == "ScalarEvent":
                    done_with_node()
                else:
                    stack.append(_Frame(path, kind == "MappingStartEvent"))
            elif kind in ("MappingEndEvent", "SequenceEndEvent"):
                frame = stack.pop()
                if frame.path is not None:  # nothing more can be found below it
                    for p in under.get(frame.path, ()):
                        pending.discard(p)
                if stack and stack[-1].is_map:  # a value complete, or a complex key
                    stack[-1].key = None if stack[-1].key is _COMPLEX else False
    except YAMLError:
        pass  # placed as far as the text could be read (it was loaded before)
    out: dict[Path, tuple[int, int]] = {}
    for p in wanted:
        pos = (1, 1)
        for k in range(len(p), 0, -1):
            if p[:k] in found:
                pos = found[p[:k]]
                break
        out[p] = pos
    return out


def _key(parent: Path, text: str, prefixes: set[Path]) -> Path | None:
    """The path of the key ``text`` under ``parent`` if a path asked for goes through it
    (an int or bool part matches its YAML spelling, as the loaded document's keys do)."""
    cand = (*parent, text)
    if cand in prefixes:
        return cand
    for alt in _alternatives(text):
        cand = (*parent, alt)
        if cand in prefixes:
            return cand
    return None


def _alternatives(text: str) -> tuple[Any, ...]:
    low = text.lower()
    if low in ("true", "false"):
        return (low == "true",)
    try:
        return (int(text, 0) if low.startswith(("0x", "0o")) else int(text),)
    except ValueError:
        return ()

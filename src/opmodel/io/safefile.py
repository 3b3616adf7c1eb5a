"""Reading the files of a model folder that came from many hands, defensively.

Every file is opened only when it is a regular file inside the model folder: a link that
leaves the folder (``assessments.csv → /etc/passwd``), a FIFO, a device (``/dev/zero``) or a
folder named like a file is refused before a byte is read, and nothing larger than
:data:`MAX_FILE_BYTES` is read at all. Text must be UTF-8 without control characters
(NUL and friends; tab and line breaks are fine). YAML is pre-scanned with libyaml's event
parser, which stops at the first problem without building anything: anchors and aliases
(how "billion laughs" bombs work; plan-as-code has no use for them), nesting deeper than
:data:`MAX_DEPTH` and numbers too long to convert are refused with their line and column.

Each refusal is an :class:`~opmodel.errors.Issue` placed at ``file:line[:col]``; the caller
collects them like any other problem. Messages quote at most a short, escaped excerpt of
what they refuse (:func:`excerpt`).
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from ..errors import Issue

#: the largest file a model folder may hold (50 MiB; the largest file of a generated model
#: with 100,000 assessments, 20,000 applications and 5,000 initiatives is about 5 MB)
MAX_FILE_BYTES = 50 * 1024 * 1024
#: the deepest nesting of mappings and lists a YAML file may have (a model needs about 6)
MAX_DEPTH = 64
#: the longest run of digits a YAML number may have (Python refuses above 4,300)
MAX_DIGITS = 100
#: how much of a refused value or line a message quotes
EXCERPT = 80

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_KINDS = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a named pipe (FIFO)"),
          (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
          (stat.S_ISSOCK, "a socket"))


def excerpt(text: str, limit: int = EXCERPT) -> str:
    """``text`` shortened to ``limit`` characters with control characters escaped
    (``\\x00``), for quoting user input in a message."""
    cut = text[:limit]
    shown = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", cut)
    shown = shown.replace("\t", "\\t").replace("\r", "\\r").replace("\n", "\\n")
    return shown + ("…" if len(text) > limit else "")


def _issue(name: str, line: int, col: int | None, code: str, msg: str,
           hint: str | None = None) -> Issue:
    loc = f"{name}:{line}" + (f":{col}" if col is not None else "")
    return Issue(code, msg, (), hint=hint).at(loc, (name, line, col or 0))


def _kind(mode: int) -> str:
    return next((what for test, what in _KINDS if test(mode)), "not a regular file")


def inside(root: Path, path: Path) -> bool:
    """Whether ``path`` (links resolved) lies inside ``root`` (links resolved)."""
    real, base = os.path.realpath(path), os.path.realpath(root)
    return real == base or real.startswith(base.rstrip(os.sep) + os.sep)


def not_regular(path: Path) -> str | None:
    """What ``path`` is when it is not a regular file (``"a named pipe (FIFO)"``), else
    None. Links are followed; nothing is opened, so a FIFO cannot block."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return None  # missing or unreadable: the caller's open says which
    return None if stat.S_ISREG(mode) else _kind(mode)


def read_bytes(root: Path, name: str, limit: int = MAX_FILE_BYTES) -> bytes | Issue | None:
    """The bytes of ``root/name``; None when there is no such file; an :class:`Issue`
    when it may not or cannot be read (a link out of the folder, not a regular file,
    larger than ``limit``, unreadable)."""
    path = root / name
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        return _issue(name, 1, None, "E-FILE", f"cannot read {name}: {exc.strerror}")
    flags = os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_NONBLOCK", 0) | \
        getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOCTTY", 0)
    if stat.S_ISLNK(st.st_mode):
        if not inside(root, path):
            return _issue(name, 1, None, "E-FILE", f"{name} is a link to a file outside the "
                          "model folder; refusing to follow it",
                          hint="copy the file into the folder instead of linking to it")
    else:
        flags |= getattr(os, "O_NOFOLLOW", 0)
        if not stat.S_ISREG(st.st_mode):  # refuse before opening: no FIFO blocks us
            return _issue(name, 1, None, "E-FILE", f"{name} is {_kind(st.st_mode)}, not a "
                          "regular file; refusing to read it")
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        return _issue(name, 1, None, "E-FILE", f"cannot read {name}: {exc.strerror}")
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            return _issue(name, 1, None, "E-FILE", f"{name} leads to {_kind(st.st_mode)}, "
                          "not a regular file; refusing to read it")
        if st.st_size > limit:
            return _too_big(name, st.st_size, limit)
        chunks: list[bytes] = []
        size = 0
        while size <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:  # it grew while we read
            return _too_big(name, size, limit)
        return b"".join(chunks)
    except OSError as exc:
        return _issue(name, 1, None, "E-FILE", f"cannot read {name}: {exc.strerror}")
    finally:
        os.close(fd)


def _too_big(name: str, size: int, limit: int) -> Issue:
    return _issue(name, 1, None, "E-FILE", f"{name} is {size:,} bytes, above the limit of "
                  f"{limit // (1 << 20)} MB per file; refusing to read it",
                  hint="a model file this large is not a model; check what was saved here")


def decode(name: str, data: bytes) -> str | Issue:
    """UTF-8 text (a leading BOM dropped), or an issue at the first undecodable byte."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        return _issue(name, line, col, "E-FILE", f"{name} is not UTF-8 text: byte "
                      f"0x{data[exc.start]:02x} ({exc.reason})",
                      hint="save it as UTF-8 (in Excel: 'CSV UTF-8')")


def control_characters(name: str, text: str, most: int = 10) -> list[Issue]:
    """An issue for each line (the first ``most``) holding a control character other than
    tab and line breaks: NUL bytes and the like are never data."""
    out: list[Issue] = []
    for m in _CONTROL.finditer(text):
        line = text.count("\n", 0, m.start()) + 1
        if out and out[-1].sort_key[1] == line:
            continue
        if len(out) == most:
            out.append(_issue(name, line, None, "E-TEXT", "more lines hold control "
                              "characters; only the first ten are listed"))
            break
        col = m.start() - (text.rfind("\n", 0, m.start()) + 1) + 1
        out.append(_issue(name, line, col, "E-TEXT", f"control character "
                          f"\\x{ord(m.group()):02x} in the text",
                          hint="remove it; a file saved by a spreadsheet or text editor has "
                               "none"))
    return out


def control_paths(doc: Any, most: int = 10) -> list[tuple[tuple[Any, ...], str]]:
    """The paths (keys and list indexes) of the first ``most`` strings in a parsed YAML
    document that hold a control character other than tab and line breaks, with that
    character: ``"\\e[31m"`` in a double-quoted YAML string is an escape sequence the
    terminal would obey, a NUL no database keeps."""
    out: list[tuple[tuple[Any, ...], str]] = []
    stack: list[tuple[tuple[Any, ...], Any]] = [((), doc)]
    while stack and len(out) < most:
        path, node = stack.pop()
        if isinstance(node, dict):
            for k, v in reversed(list(node.items())):
                if isinstance(k, str) and (m := _CONTROL.search(k)):
                    out.append(((*path, k), m.group()))
                stack.append(((*path, k), v))
        elif isinstance(node, list):
            stack.extend(((*path, j), v) for j, v in reversed(list(enumerate(node))))
        elif isinstance(node, str) and (m := _CONTROL.search(node)):
            out.append((path, m.group()))
    return out


def yaml_guard(name: str, text: str) -> Issue | None:
    """The first reason not to load ``text`` with a YAML loader: an anchor or alias,
    nesting deeper than :data:`MAX_DEPTH`, a number with more than :data:`MAX_DIGITS`
    digits. Scans libyaml's events and stops at the first problem (never builds the
    document, so bombs and deep nests cost nothing)."""
    depth = 0
    events = _events(text)
    try:
        while True:
            ev = next(events, None)
            if ev is None:
                return None
            kind = type(ev).__name__
            mark = ev.start_mark
            if kind == "AliasEvent" or getattr(ev, "anchor", None):
                return _issue(name, mark.line + 1, mark.column + 1, "E-YAML",
                              "YAML anchors and aliases (&name, *name) are not allowed "
                              "in a model file",
                              hint="write the values out; a model file has no use for them")
            if kind in ("MappingStartEvent", "SequenceStartEvent"):
                depth += 1
                if depth > MAX_DEPTH:
                    return _issue(name, mark.line + 1, mark.column + 1, "E-YAML",
                                  f"nesting deeper than {MAX_DEPTH} levels",
                                  hint="a model file nests about six levels deep")
            elif kind in ("MappingEndEvent", "SequenceEndEvent"):
                depth -= 1
            elif kind == "ScalarEvent":
                v = ev.value
                if len(v) > MAX_DIGITS and not ev.style and v.lstrip("+-").isdigit():
                    return _issue(name, mark.line + 1, mark.column + 1, "E-YAML",
                                  f"a number with {len(v):,} digits",
                                  hint="amounts are at most 1e13; quote it if it is text")
            elif kind == "StreamEndEvent":
                return None
    except YAMLError:
        return None  # a syntax error: the loader reports it with its place


def _events(text: str) -> Iterator[Any]:
    """libyaml's parse events of ``text`` (ruamel's pure parser when libyaml is missing)."""
    try:
        from _ruamel_yaml import CParser  # ruamel.yaml.clib
    except ImportError:  # pragma: no cover
        yield from YAML(typ="safe", pure=True).parse(text)
        return
    parser = CParser(text)
    while True:
        ev = parser.get_event()
        if ev is None:  # pragma: no cover
            return
        yield ev
        if type(ev).__name__ == "StreamEndEvent":
            return

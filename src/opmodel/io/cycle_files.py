"""The quarterly cycle on a model folder: the inputs digest and plan id a decision is taken
against, ``decide`` and ``actuals`` as atomic appends (one write path: the library change in
:mod:`opmodel.cycle`, then :func:`write_changed`).

Writes go through :mod:`opmodel.io.atomic`: under the folder's lock, refused when the folder
changed since it was read (:class:`~opmodel.io.atomic.FolderChangedError`), each changed file
replaced in one step (temporary file, fsync, rename) — a kill leaves the model old or new.
``decide`` solves the cycle's recommendation before taking the lock (it may take a minute)
and then checks that nothing changed since it read the model.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from ..errors import InputError, Issue, ModelError
from ..model import Actual, Decision, Enterprise
from .folder import YAML_FILES, folder_files, read_csv_file, read_folder
from .issues import pydantic_issues
from .tables import ACTUALS, TABLES

if TYPE_CHECKING:
    from .atomic import Fingerprint

# the writers import .atomic (the lock, logging, sockets…) where they write: `opmodel plan`
# reads inputs_sha256 from here and writes nothing (bench/startup.py)

CYCLE_FILES = ("decisions.yaml", "actuals.csv", "assessment_history.csv")


def inputs_sha256(e: Enterprise) -> str:
    """sha256 over the model's canonical folder files (name, NUL, text, NUL; sorted by
    name): the same model gives the same digest whatever its source (folder, workbook,
    store) or its comments and formatting."""
    h = hashlib.sha256()
    for name, text in sorted(folder_files(e)):
        h.update(name.encode() + b"\0" + text.encode("utf-8") + b"\0")
    return h.hexdigest()


def plan_id(as_of: str, digest: str) -> str:
    """A stable plan id: the quarter planned from and the first 12 hex digits of the inputs
    digest (same inputs, same id)."""
    return f"plan-{as_of.lower()}-{digest[:12]}"


# -- the folder as read ----------------------------------------------------------------
def _model_names() -> set[str]:
    return {s.name for s in YAML_FILES} | {t.file for t in TABLES}


def snapshot(root: Path) -> dict[str, bytes | None]:
    """The bytes of every model file in ``root`` (None where absent)."""
    out: dict[str, bytes | None] = {}
    for name in sorted(_model_names()):
        try:
            out[name] = (root / name).read_bytes()
        except FileNotFoundError:
            out[name] = None
    return out


def _yaml_load(text: str) -> Any:
    from ruamel.yaml import YAML

    return YAML(typ="safe").load(text)


def _appended_decisions(old: str, e: Enterprise) -> str | None:
    """``old`` (the decisions.yaml as read, comments and all) with the decisions of ``e``
    beyond the old ones appended as text — so ``decide`` changes only the end of the file.
    None when the old file cannot be extended safely (then the canonical text is written)."""
    import re

    try:
        doc = _yaml_load(old)
    except Exception:
        return None
    if not isinstance(doc, dict) or not isinstance(doc.get("decisions"), list):
        return None
    n = len(doc["decisions"])
    if n > len(e.decisions) or n == 0:
        return None
    m = re.search(r"^decisions:[ \t]*\n(?:(?:[ \t]*#.*|[ \t]*)\n)*([ \t]*)- ", old, re.M)
    if m is None:
        return None
    indent = m.group(1)
    full = dict(folder_files(e.model_copy(update={"decisions": e.decisions[n:]})))
    body = full["decisions.yaml"].split("\ndecisions:\n", 1)[1]
    block = "".join(indent + ln if ln.strip() else ln for ln in body.splitlines(True))
    text = old if old.endswith("\n") else old + "\n"
    text += block
    try:
        check = _yaml_load(text)
    except Exception:
        return None
    want = _yaml_load(dict(folder_files(e))["decisions.yaml"])
    return text if check == want else None


def _kept_comments(old: str | None, canonical: str) -> str:
    """``canonical`` CSV text under the leading '#' comment lines of ``old``."""
    if not old:
        return canonical
    head = []
    for ln in old.splitlines(True):
        if not ln.lstrip().startswith("#"):
            break
        head.append(ln)
    return "".join(head) + canonical


def changed_texts(before: dict[str, bytes | None], e: Enterprise,
                  names: Sequence[str] = CYCLE_FILES) -> dict[str, str]:
    """The new text of each file of ``names`` that ``e`` changes against ``before`` (the
    bytes as read): decisions.yaml is extended at its end (the record above stays byte for
    byte); CSV files keep their leading comment lines."""
    files = dict(folder_files(e))
    out = {}
    for name in names:
        text = files.get(name)
        if text is None:
            continue
        raw = before.get(name)
        old = raw.decode("utf-8-sig") if raw is not None else None
        if old is not None and name == "decisions.yaml":
            text = _appended_decisions(old, e) or text
        elif name.endswith(".csv"):
            text = _kept_comments(old, text)
        if raw is not None:
            text = _in_style_of(raw, text)
        if raw != text.encode("utf-8"):
            out[name] = text
    return out


def _in_style_of(raw: bytes, text: str) -> str:
    """``text`` with the line endings and byte-order mark of the file it replaces (bytes
    ``raw``): a CSV saved by Excel (CRLF, a BOM) is extended in its own style, not left with
    lines of two kinds."""
    text = text.lstrip("\ufeff")
    if raw.count(b"\r\n") and raw.count(b"\r\n") == raw.count(b"\n"):
        text = text.replace("\r\n", "\n").replace("\n", "\r\n")
    return ("\ufeff" + text) if raw.startswith(b"\xef\xbb\xbf") else text


def write_changed(root: Path, read_at: Fingerprint, texts: dict[str, str],
                  what: str) -> list[str]:
    """Write ``texts`` into ``root`` under its lock, refusing when the folder changed since
    ``read_at`` was taken. Returns the names written."""
    from .atomic import check_unchanged, folder_lock, pause, write_file

    with folder_lock(root, what) as lock:
        pause(what.replace("opmodel ", "cycle-"))  # the crash tests' window (cycle-decide, …)
        check_unchanged(lock.folder, read_at)
        for name, text in texts.items():
            write_file(lock.folder / name, text)
    return list(texts)


def _folder(path: str | os.PathLike[str]) -> Path:
    root = Path(path)
    if root.suffix.lower() in (".xlsx", ".xml") or not root.is_dir():
        raise InputError(f"{root} is not a model folder",
                         hint="decisions and actuals are recorded in a model folder; export "
                              "the workbook to a folder with `opmodel import` first")
    return root


# -- decide --------------------------------------------------------------------------------
def decide_in_folder(path: str | os.PathLike[str], initiative: str, action: str, *,
                     recommend: Callable[[Enterprise, str], dict[str, Any] | None] | None
                     = None,
                     cycle: str | None = None, date: dt.date | None = None,
                     **fields: Any) -> Decision:
    """Append one decision to the model folder at ``path`` (see :func:`opmodel.cycle.decide`
    for the fields). ``recommend(e, cycle)`` gives what the plan of the cycle said about the
    initiative (``plan``, ``inputs_sha256``, ``funded``, ``start``, ``value_at_stake``);
    nothing is written when the decision is refused."""
    from ..cycle import decide
    from ..cycle.record import meeting

    root = _folder(path)
    from .atomic import fingerprint

    try:
        cyc, day = meeting(cycle, date)
    except ModelError as exc:
        raise ModelError([i.at(f"decision on {initiative}") for i in exc.issues],
                         source=str(root)) from None
    read_at = fingerprint(root, deep=False)  # the model as read; checked again before writing
    before = snapshot(root)
    e = read_folder(root).enterprise
    against = None
    if recommend is not None and initiative in e.ids("initiative"):
        against = recommend(e, cyc)
    try:
        new, d = decide(e, initiative, action, cycle=cyc, date=day, against=against, **fields)
    except ModelError as exc:
        where = f"decision on {initiative}"
        raise ModelError([i.at(where) for i in exc.issues], source=str(root)) from None
    write_changed(root, read_at, changed_texts(before, new, ("decisions.yaml",)),
                  "opmodel decide")
    return d


# -- actuals ---------------------------------------------------------------------------------
def read_actuals_file(path: str | os.PathLike[str]) -> tuple[list[Actual], list[int]]:
    """The rows of an actuals CSV file (same columns as actuals.csv) and their line numbers;
    :class:`ModelError` with every problem at ``file:line:col``. The file is read with the
    guards of a model folder's tables (:func:`~opmodel.io.folder.read_csv_file`)."""
    p = Path(path)
    name = p.name
    if not p.is_symlink() and not p.exists():
        raise InputError(f"{p}: no such file", hint="give the path of an actuals CSV file")
    records, lines_of, header, issues = read_csv_file(p, ACTUALS)
    if records is None or any(i.severity == "error" for i in issues):
        raise ModelError(issues, source=str(p))
    rows: list[Actual] = []
    lines: list[int] = []
    for rec, row_line in zip(records, lines_of, strict=True):
        try:
            rows.append(Actual.model_validate(rec))
            lines.append(row_line)
        except ValidationError as exc:
            for i in pydantic_issues(exc):
                f = next((x for x in reversed(i.path) if isinstance(x, str)), None)
                col = header.index(f) + 1 if f in header else None
                loc = f"{name}:{row_line}" + (f":{col}" if col else "")
                issues.append(Issue(i.code, i.message, (), hint=i.hint).at(
                    loc, (name, row_line, col or 0)))
    if issues:
        raise ModelError(issues, source=str(p))
    if not rows:
        raise ModelError([Issue("E-FILE", "the file holds no actuals rows", ()).at(
            f"{name}:1")], source=str(p))
    return rows, lines


def placed_at_lines(exc: ModelError, file: str | os.PathLike[str], lines: Sequence[int],
                    model: str) -> ModelError:
    """The problems :func:`opmodel.cycle.merge_actuals` found in the rows of ``file`` (read
    by :func:`read_actuals_file`, ``lines`` their line numbers) placed at ``file:line``; the
    others at ``model`` (where the rows go)."""
    name = Path(file).name
    placed = []
    for i in exc.issues:
        if i.path[:1] == ("actuals",) and isinstance(i.path[1], int):
            ln = lines[i.path[1]]
            placed.append(i.at(f"{name}:{ln}", (name, ln, 0)))
        else:
            placed.append(i.at(model))
    return ModelError(placed, source=str(file))


def merge_actuals_file(path: str | os.PathLike[str], file: str | os.PathLike[str],
                       on_warning: Callable[[Issue], None] | None = None) -> list[Actual]:
    """Check the actuals in ``file`` against the model folder at ``path`` and merge them
    into its actuals.csv in one step; nothing is written on any problem. Returns the rows;
    ``on_warning`` is told each warning the rows bring (at ``file:line``), e.g. spend on
    an initiative never approved."""
    from ..cycle import merge_actuals

    root = _folder(path)
    from .atomic import fingerprint

    read_at = fingerprint(root, deep=False)
    before = snapshot(root)
    e = read_folder(root).enterprise
    rows, lines = read_actuals_file(file)
    try:
        new = merge_actuals(e, rows)
    except ModelError as exc:
        raise placed_at_lines(exc, file, lines, str(root)) from None
    write_changed(root, read_at, changed_texts(before, new, ("actuals.csv",)),
                  "opmodel actuals")
    tell_warnings(new, rows, file, lines, on_warning)
    return rows


def tell_warnings(merged: Enterprise, rows: Sequence[Actual], file: str | os.PathLike[str],
                  lines: Sequence[int], on_warning: Callable[[Issue], None] | None) -> None:
    """Each warning ``rows`` bring into ``merged``, placed at ``file:line``, to
    ``on_warning``."""
    if on_warning is None:
        return
    from ..cycle.record import actuals_warnings

    name = Path(file).name
    for i in actuals_warnings(merged, rows):
        if len(i.path) < 2:  # the file as a whole
            on_warning(i.at(name))
            continue
        ln = lines[i.path[1]]  # type: ignore[index]
        on_warning(i.at(f"{name}:{ln}", (name, ln, 0)))


def archive_in_folder(path: str | os.PathLike[str], cycle: str) -> int:
    """Keep the current assessments of the model folder at ``path`` in its
    assessment_history.csv as they stand in ``cycle`` (atomic; before a new assessment
    round overwrites assessments.csv). Returns the number of rows archived."""
    from ..cycle import archive_assessments

    root = _folder(path)
    from .atomic import fingerprint

    read_at = fingerprint(root, deep=False)
    before = snapshot(root)
    e = read_folder(root).enterprise
    new = archive_assessments(e, cycle)
    write_changed(root, read_at, changed_texts(before, new, ("assessment_history.csv",)),
                  "opmodel archive")
    return sum(1 for r in new.assessment_history if r.cycle == cycle)

"""The canonical model folder: ``enterprise.yaml`` plus one file per entity kind.

Reading collects every problem of every file in one pass and raises
:class:`~opmodel.errors.ModelError` with each issue placed at ``file:line:col``; nothing
is returned on any error. YAML is parsed with ruamel's fast loader; only files that have
issues are parsed a second time, with positions, to place them. Writing builds the new
folder beside the old one and swaps it in with one step (:mod:`opmodel.io.atomic`), so a
failure or a kill never leaves a half-written or mixed model.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from difflib import get_close_matches
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ruamel.yaml import YAML
from ruamel.yaml.constructor import ConstructorError, SafeConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.resolver import VersionedResolver

from ..csvsafe import restore
from ..errors import InputError, Issue, ModelError, PathPart, sort_issues
from ..model import Enterprise
from ._gcpause import gc_paused
from .assemble import assemble
from .positions import yaml_positions
from .safefile import (
    control_characters,
    control_paths,
    decode,
    excerpt,
    read_bytes,
    yaml_guard,
)
from .tables import TABLES, Table, cells_to_record, column_of, record_to_cells

if TYPE_CHECKING:
    from ..optimize.scenario import Scenarios


@dataclass(frozen=True)
class YamlFile:
    name: str
    keys: tuple[str, ...]  # top-level keys it may hold
    required: bool = False
    under: str | None = None  # model field the whole file maps to (policy.yaml → policy)
    blurb: str = ""


YAML_FILES: tuple[YamlFile, ...] = (
    YamlFile("enterprise.yaml", ("name", "description", "currency", "unit", "horizon",
             "fiscal_year_start", "scoring", "business_units"), required=True,
             blurb="the enterprise: name, currency, planning horizon, scoring weights and "
                   "business units"),
    YamlFile("stages.yaml", ("stages",), required=True,
             blurb="the business value chain, ordered left to right"),
    YamlFile("capabilities.yaml", ("capabilities",), required=True,
             blurb="capabilities placed on value-chain stages (parent builds the hierarchy)"),
    YamlFile("objectives.yaml", ("objectives",),
             blurb="strategic objectives, their KPIs and the capabilities that move them"),
    YamlFile("customers.yaml", ("segments", "expectations"),
             blurb="customer segments and what they expect (importance 1–5)"),
    YamlFile("initiatives.yaml", ("initiatives",),
             blurb="investment proposals: cost, timing, effects on capabilities"),
    YamlFile("policy.yaml", ("carry_over", "guardrails", "teams", "confidence"),
             under="policy",
             blurb="portfolio rules: investment-mix guardrails, team capacity, carry-over"),
    YamlFile("decisions.yaml", ("decisions",),
             blurb="the portfolio office's decisions, oldest first (append-only; a decision "
                   "is never edited, only superseded)"),
)
#: files and folders of a model folder that other parts of opmodel read (not the model's
#: own tables above): the one list that says which names are known, so nothing here is
#: reported as an unknown file (W-FILE). A folder's name ends with '/'. Register new ones
#: here.
OTHER_FILES: dict[str, str] = {
    "scenarios.yaml": "named what-ifs (opmodel plan --scenario)",
    "history/": "earlier plans and exports kept beside the model",
}
_IGNORED_PREFIXES = (".", "readme", "license", "licence")
#: problems listed per file; beyond that they are counted (a file of junk is one problem)
MAX_ISSUES_PER_FILE = 100
#: rows per CSV file (five times the 100,000 assessments of the largest generated model)
MAX_ROWS = 500_000
#: columns of a CSV file or workbook sheet (a table has a few dozen; Excel allows 16,384)
MAX_COLUMNS = 1_000
_FILE_OF_KEY = {k: f for f in YAML_FILES if f.under is None for k in f.keys}
_TABLE_OF_KEY = {t.key: t for t in TABLES}
CSV_BLURBS = {
    "assessments": "current and target maturity (0–5) per capability and business unit",
    "applications": "applications, where they are used and how well they fit",
    "application_fits": "per-business-unit fit where it differs from the application's own",
    "usage": "which business unit uses which application for which capability (share 0–1)",
    "budgets": "money available per quarter (or fiscal year) and pool",
    "actuals": "spend and progress per quarter and initiative",
    "assessment_history": "assessments as they stood in earlier cycles (the heat-map trend)",
}


class _Constructor(SafeConstructor):
    """ruamel's safe constructor, with bad numbers and dates (``2027-02-30``, ``!!int x``)
    raised as located YAML errors instead of bare ValueErrors."""


def _located(fn: Any) -> Any:
    def construct(self: SafeConstructor, node: Any) -> Any:
        try:
            return fn(self, node)
        except (ValueError, OverflowError) as exc:
            raise ConstructorError(None, None, f"cannot read '{excerpt(str(node.value))}': "
                                   f"{exc}", node.start_mark) from None
    return construct


for _tag, _fn in (("int", SafeConstructor.construct_yaml_int),
                  ("float", SafeConstructor.construct_yaml_float),
                  ("timestamp", SafeConstructor.construct_yaml_timestamp)):
    _Constructor.add_constructor(f"tag:yaml.org,2002:{_tag}", _located(_fn))


class _Resolver(VersionedResolver):
    """ruamel's resolver, asking for the YAML version once per load instead of once per
    scalar: with the C parser there is no scanner to ask, so ruamel raised and caught an
    AttributeError for every scalar (a quarter of the CPU time of loading a large model).
    The version a load sees is unchanged: it is known before the first scalar."""

    @property
    def processing_version(self) -> Any:
        try:
            return self._opmodel_version
        except AttributeError:
            self._opmodel_version: Any = VersionedResolver.processing_version.fget(self)  # type: ignore[attr-defined]
            return self._opmodel_version


def _yaml_fast() -> YAML:
    y = YAML(typ="safe")  # C-accelerated when ruamel.yaml.clib is installed
    y.Constructor = _Constructor
    y.Resolver = _Resolver
    return y


@dataclass
class _Source:
    """What was read from one folder: raw data, CSV line maps, and issues so far."""

    root: Path
    data: dict[str, Any] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)
    csv_lines: dict[str, list[int]] = field(default_factory=dict)
    csv_header: dict[str, list[str]] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)
    blocked: bool = False  # a file or row could not be used: skip cross-entity rules

    per_file: dict[str, int] = field(default_factory=dict)

    def at(self, file: str, line: int, col: int | None, code: str, msg: str,
           hint: str | None = None) -> None:
        if code.startswith("E-"):
            self.blocked = True
        n = self.per_file[file] = self.per_file.get(file, 0) + 1
        if n > MAX_ISSUES_PER_FILE:  # a flood (a file of junk): counted, listed once
            return
        loc = f"{file}:{line}" + (f":{col}" if col is not None else "")
        self.issues.append(Issue(code, msg, (), hint=hint).at(loc, (file, line, col or 0)))

    def add(self, issue: Issue) -> None:
        """An issue already placed (by :mod:`~opmodel.io.safefile`)."""
        self.issues.append(issue)
        if issue.severity == "error":
            self.blocked = True


def _capped(issues: list[Issue], counted: dict[str, int] | None = None) -> list[Issue]:
    """At most :data:`MAX_ISSUES_PER_FILE` issues per file (the first ones, in order),
    and one more saying how many were left out."""
    by_file: dict[str, int] = dict(counted or {})
    kept_n: dict[str, int] = {}
    out: list[Issue] = []
    for i in sort_issues(issues):
        f = i.sort_key[0] or "model"
        kept_n[f] = kept_n.get(f, 0) + 1
        by_file[f] = max(by_file.get(f, 0), kept_n[f])
        if kept_n[f] <= MAX_ISSUES_PER_FILE:
            out.append(i)
    for f, n in by_file.items():
        if n > MAX_ISSUES_PER_FILE:
            out.append(Issue("E-MANY", f"{n - MAX_ISSUES_PER_FILE:,} more problems in {f} "
                             f"are not listed (only the first {MAX_ISSUES_PER_FILE})",
                             (), hint="fix these and run again").at(f, (f, 1 << 62, 0)))
    return out


def _read_text(src: _Source, name: str, required: bool) -> str | None:
    data = read_bytes(src.root, name)
    if data is None:
        if required:
            src.at(name, 1, None, "E-FILE", f"required file {name} is missing",
                   hint="run `opmodel init` for a starter model")
        return None
    if isinstance(data, Issue):
        src.add(data)
        return None
    text = decode(name, data)
    if isinstance(text, Issue):
        src.add(text)
        return None
    if not text.strip() or all(
        not ln.strip() or ln.lstrip().startswith("#") for ln in text.splitlines()
    ):
        src.at(name, 1, None, "E-FILE", f"{name} is empty",
               hint="delete it if the model does not need it" if not required else None)
        return None
    return text


def _read_yaml(src: _Source, spec: YamlFile) -> None:
    text = _read_text(src, spec.name, spec.required)
    if text is None:
        return
    refused = yaml_guard(spec.name, text)
    if refused is not None:
        src.add(refused)
        return
    try:
        doc = _yaml_fast().load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = (exc.problem or "malformed YAML").strip()
        context = f" {exc.context.strip()}" if exc.context else ""
        src.at(spec.name, line, col, "E-YAML", f"{problem}{context}",
               hint="quote the value if it is text" if isinstance(exc, ConstructorError)
               else "check the indentation and the ':' after each key")
        return
    except YAMLError as exc:
        src.at(spec.name, 1, None, "E-YAML", str(exc).splitlines()[0])
        return
    if not isinstance(doc, dict):
        src.at(spec.name, 1, 1, "E-YAML", f"{spec.name} must be a mapping with the keys "
               f"{', '.join(spec.keys)}")
        return
    src.texts[spec.name] = text  # parsed: the cross-file rules may use it
    for ypath, char in control_paths(doc):
        src.issues.append(Issue(
            "E-TEXT", f"control character \\x{ord(char):02x} in the text",
            (spec.name, *ypath), hint="remove it: in YAML an escape such as \\e or \\0 "
                                      "inside double quotes makes one"))
    for key, value in doc.items():
        if key not in spec.keys:
            close = get_close_matches(str(key), spec.keys, n=1, cutoff=0.6)
            src.issues.append(Issue(
                "E-UNKNOWN", f"unknown key '{excerpt(str(key))}' in {spec.name}",
                (spec.name, str(key)),
                hint=f"did you mean '{close[0]}'?" if close
                else f"known keys: {', '.join(spec.keys)}"))
            continue
        if spec.under:
            src.data.setdefault(spec.under, {})[key] = value
        else:
            src.data[key] = value


def _read_csv(src: _Source, table: Table) -> None:
    text = _read_text(src, table.file, table.required_file)
    if text is None:
        return
    bad = control_characters(table.file, text)
    if bad:
        for issue in bad:
            src.add(issue)
        return
    # leading '#' lines are comments (a note on what the file holds); line numbers still count
    offset = 0
    lines_in = text.splitlines(keepends=True)
    while offset < len(lines_in) and lines_in[offset].lstrip().startswith("#"):
        offset += 1
    reader = csv.reader(io.StringIO("".join(lines_in[offset:]), newline=""), strict=True)
    try:
        header = [h.strip() for h in next(reader)]
    except (StopIteration, csv.Error) as exc:
        src.at(table.file, offset + 1, None, "E-CSV", f"cannot read the header: {exc}")
        return
    if len(header) > MAX_COLUMNS:  # each column is checked and suggested for: one
        # message instead (a 2 MB header of 200,000 columns ran for minutes)
        src.at(table.file, offset + 1, MAX_COLUMNS + 1, "E-CSV",
               f"the header has {len(header):,} columns, more than the {MAX_COLUMNS:,} a "
               "table is read with", hint=f"columns are: {', '.join(table.columns)}")
        return
    if len(header) == 1:  # Excel in many locales saves "CSV" separated by ';' (or a tab)
        for sep, name in ((";", "semicolons"), ("\t", "tabs")):
            parts = [h.strip() for h in header[0].split(sep)]
            if len(parts) > 1 and sum(p_ in table.columns for p_ in parts) >= 2:
                src.at(table.file, offset + 1, 1, "E-CSV",
                       f"the columns are separated by {name}; opmodel reads CSV separated "
                       "by commas", hint="save it as CSV with commas: in Excel, Save As › "
                       "CSV UTF-8 (Comma delimited)")
                return
    problems = False
    first: dict[str, int] = {}
    for k, col in enumerate(header):
        first.setdefault(col, k)
        if col not in table.columns:
            close = get_close_matches(col, table.columns, n=1, cutoff=0.6)
            src.at(table.file, offset + 1, k + 1, "E-UNKNOWN",
                   f"unknown column '{excerpt(col)}'",
                   hint=f"did you mean '{close[0]}'?" if close
                   else f"columns are: {', '.join(table.columns)}")
            problems = True
        elif first[col] != k:
            src.at(table.file, offset + 1, k + 1, "E-DUP", f"column '{excerpt(col)}' appears twice")
            problems = True
    for col in table.required:
        if col not in header:
            src.at(table.file, offset + 1, None, "E-MISSING",
                   f"required column '{col}' is missing",
                   hint=f"columns are: {', '.join(table.columns)}")
            problems = True
    rows: list[dict[str, Any]] = []
    lines: list[int] = []
    width = len(header)
    line = reader.line_num + offset
    seen = 0
    try:
        for cells in reader:
            row_line = line + 1
            line = reader.line_num + offset
            if not cells or all(not c.strip() for c in cells):
                continue
            seen += 1
            if seen > MAX_ROWS:
                src.at(table.file, row_line, None, "E-CSV", f"more than {MAX_ROWS:,} rows; "
                       "refusing the file", hint="a model this large is not supported; is "
                       "this the right file?")
                problems = True
                break
            if len(cells) != width:
                src.at(table.file, row_line, None, "E-CSV",
                       f"row has {len(cells)} values but the header has {width} columns",
                       hint="check for a missing or extra comma; quote values with commas")
                continue
            rows.append(cells_to_record(table, header, [restore(c.strip()) for c in cells]))
            lines.append(row_line)
    except csv.Error as exc:
        if "end of data" in str(exc):  # an opened quote swallowed the rest of the file
            src.at(table.file, line + 1, None, "E-CSV", "a quote opened in this row is never "
                   "closed; the rest of the file would be one value",
                   hint='close the quote, or double a quote inside a quoted value ("")')
        else:
            src.at(table.file, reader.line_num + offset, None, "E-CSV",
                   f"malformed CSV: {exc}",
                   hint='quote values with commas or quotes; double a quote inside one ("")')
        problems = True
    if not problems:
        src.data[table.key] = rows
        src.csv_lines[table.key] = lines
        src.csv_header[table.key] = header


def read_csv_file(path: Path, table: Table
                  ) -> tuple[list[dict[str, Any]] | None, list[int], list[str], list[Issue]]:
    """One CSV file in ``table``'s columns given on its own (an actuals file on the command
    line), read with every guard of a model folder's tables: regular files only (a FIFO
    never blocks), the size cap, control characters, strict quoting, the row cap. Returns
    the records (None when the file could not be used), their line numbers, the header and
    the issues located at ``name:line:col``."""
    src = _Source(path.parent)
    _read_csv(src, dataclasses.replace(table, file=path.name, required_file=True))
    return (src.data.get(table.key), src.csv_lines.get(table.key, []),
            src.csv_header.get(table.key, []), _capped(src.issues, src.per_file))


def yaml_position(doc: Any, path: tuple[PathPart, ...]) -> tuple[int, int]:
    """1-based (line, column) of the deepest node of ``path`` found in a document parsed
    with ruamel's round-trip loader (a mapping key's own position, or a list item's)."""
    line, col = 0, 0
    node = doc
    for part in path:
        lc = getattr(node, "lc", None)
        if lc is None:
            break
        try:
            if isinstance(part, int) and isinstance(node, list) and part < len(node):
                line, col = lc.item(part)
                node = node[part]
            elif isinstance(node, dict) and part in node:
                line, col = lc.key(part)
                node = node[part]
            else:
                break
        except (KeyError, IndexError, TypeError):
            break
    return line + 1, col + 1


class _Placer:
    """Places element paths in the folder's files (YAML positions found for all the issues
    of a file in one pass over its parse events: :mod:`.positions`)."""

    def __init__(self, src: _Source) -> None:
        self.src = src

    def place_all(self, issues: list[Issue]) -> list[Issue]:
        targets = [self._target(i) for i in issues]
        asked: dict[str, set[tuple[PathPart, ...]]] = {}
        for t in targets:
            if t is not None:
                asked.setdefault(t[0], set()).add(t[1])
        found = {f: yaml_positions(self.src.texts[f], paths) for f, paths in asked.items()}
        out = []
        for issue, t in zip(issues, targets, strict=True):
            if t is None:
                out.append(self.place(issue))
            else:
                line, col = found[t[0]][t[1]]
                out.append(issue.at(f"{t[0]}:{line}:{col}", (t[0], line, col)))
        return out

    def _target(self, issue: Issue) -> tuple[str, tuple[PathPart, ...]] | None:
        """(YAML file, path in it) of an issue to place there; None for any other."""
        if issue.location is not None or not issue.path:
            return None
        head, path = issue.path[0], issue.path
        if isinstance(head, str) and head.endswith(".yaml"):  # (file, key): raw top-level key
            file, ypath = head, path[1:]
        elif head in _TABLE_OF_KEY:
            return None
        elif head == "policy":
            file, ypath = "policy.yaml", path[1:]
        else:
            spec = _FILE_OF_KEY.get(str(head))
            file, ypath = (spec.name if spec else "enterprise.yaml"), path
        return (file, tuple(ypath)) if file in self.src.texts else None

    def place(self, issue: Issue) -> Issue:
        if issue.location is not None:
            return issue
        path = issue.path
        if not path:
            return issue.at("enterprise.yaml:1", ("enterprise.yaml", 1, 0))
        target = self._target(issue)
        if target is not None:
            file, ypath = target
            line, col = yaml_positions(self.src.texts[file], [ypath])[ypath]
            return issue.at(f"{file}:{line}:{col}", (file, line, col))
        head = path[0]
        if head in _TABLE_OF_KEY:
            return self._place_csv(issue, _TABLE_OF_KEY[str(head)])
        file = (str(head) if isinstance(head, str) and head.endswith(".yaml") else
                "policy.yaml" if head == "policy" else
                (spec.name if (spec := _FILE_OF_KEY.get(str(head))) else "enterprise.yaml"))
        return issue.at(file, (file, 0, 0))

    def _place_csv(self, issue: Issue, table: Table) -> Issue:
        lines = self.src.csv_lines.get(table.key, [])
        row = issue.path[1] if len(issue.path) > 1 else None
        if not isinstance(row, int) or row >= len(lines):
            return issue.at(table.file, (table.file, 0, 0))
        line = lines[row]
        col = None
        if len(issue.path) > 2 and isinstance(issue.path[2], str):
            name = column_of(table, issue.path[2])
            header = self.src.csv_header.get(table.key, [])
            if name in header:
                col = header.index(name) + 1
        loc = f"{table.file}:{line}" + (f":{col}" if col else "")
        return issue.at(loc, (table.file, line, col or 0))


@dataclass
class LoadResult:
    enterprise: Enterprise
    warnings: list[Issue]
    scenarios: Scenarios | None = None
    """What-if scenarios a workbook or exchange file carried (None: it says nothing of
    them; a model folder keeps them in scenarios.yaml, see :mod:`.scenarios`)."""


def known_files() -> tuple[str, ...]:
    """Every name a model folder may hold (folders end with '/')."""
    return (*(f.name for f in YAML_FILES), *(t.file for t in TABLES), *OTHER_FILES)


def _unknown_files(src: _Source) -> None:
    """A warning (W-FILE) for each entry of the folder that no part of opmodel reads,
    with "did you mean" for a near miss of a known name (``initiative.yaml``)."""
    known = known_files()
    try:
        entries = sorted(os.scandir(src.root), key=lambda d: d.name)
    except OSError:
        return
    listed = 0
    for entry in entries:
        name = entry.name
        if name.lower().startswith(_IGNORED_PREFIXES) or name == "__pycache__":
            continue
        if listed == 20:  # a folder full of other things: say so once
            src.issues.append(Issue("W-FILE", "more files and folders here are not part of "
                                    "the model; only the first 20 are listed", ()).at(
                                    str(src.root), ("~", 0, 0)))
            break
        try:
            is_dir = entry.is_dir(follow_symlinks=False)
        except OSError:
            is_dir = False
        shown = name + "/" if is_dir else name
        if shown in known:
            continue
        listed += 1
        candidates = [k for k in known if k.endswith("/") == is_dir]
        close = get_close_matches(shown, candidates, n=1, cutoff=0.75)
        missing = bool(close) and not (src.root / close[0].rstrip("/")).exists()
        hint = (f"did you mean '{close[0]}'? rename it" if missing else
                f"did you mean '{close[0]}'?" if close else
                "opmodel does not read it; move it out of the model folder or ignore this")
        src.issues.append(Issue(
            "W-FILE", f"unknown {'folder' if is_dir else 'file'} '{excerpt(shown)}' is not "
            "part of the model", (), hint=hint).at(excerpt(shown), (shown, 0, 0)))


@gc_paused()
def read_folder(path: str | os.PathLike[str]) -> LoadResult:
    """Read and validate a model folder; raise :class:`ModelError` listing every error."""
    root = Path(path)
    if not root.exists():
        raise InputError(f"{root}: no such folder", hint="give the path of a model folder")
    if not root.is_dir():
        raise InputError(f"{root} is not a folder",
                         hint="a model is a folder holding enterprise.yaml and friends")
    src = _Source(root)
    for spec in YAML_FILES:
        _read_yaml(src, spec)
    for table in TABLES:
        _read_csv(src, table)
    _unknown_files(src)
    placer = _Placer(src)
    enterprise: Enterprise | None = None
    issues = src.issues
    if "enterprise.yaml" in src.texts:
        enterprise, found = assemble(src.data, cross=not src.blocked)
        issues = issues + found
    placed = _capped(placer.place_all(issues), src.per_file)
    if enterprise is None or any(i.severity == "error" for i in placed):
        raise ModelError(placed, source=str(root))
    return LoadResult(enterprise, [i for i in placed if i.severity == "warning"])


# -- writing ---------------------------------------------------------------------------
def _dump(obj: Any) -> Any:
    """JSON-like data for YAML, leaving out defaults so files stay short."""
    return obj.model_dump(mode="json", exclude_defaults=True)


def _yaml_text(spec: YamlFile, data: dict[str, Any]) -> str:
    buf = io.StringIO()
    y = YAML(typ="safe")
    y.default_flow_style = False
    y.sort_base_mapping_type_on_output = False  # keep field order
    y.allow_unicode = True
    y.width = 100
    y.dump(data, buf)
    return f"# {spec.name}: {spec.blurb}\n" + buf.getvalue()


def _csv_text(table: Table, items: tuple[Any, ...]) -> str:
    """A table's file, safe to open in a spreadsheet (:mod:`opmodel.csvsafe`: a text that
    would start a formula is written with a quote in front, which reading takes off)."""
    from ..csvsafe import line

    return line(table.columns) + "".join(line(record_to_cells(table, it)) for it in items)


def folder_files(e: Enterprise) -> Iterator[tuple[str, str]]:
    """(file name, text) for every file of the model folder of ``e``."""
    top = _dump(e)
    for spec in YAML_FILES:
        data = top.get(spec.under, {}) if spec.under else {k: top[k] for k in spec.keys if k in top}
        if spec.required or data:
            if spec.name == "enterprise.yaml":
                data = {k: top[k] for k in spec.keys if k in top or k == "name"}
            yield spec.name, _yaml_text(spec, data)
    for table in TABLES:
        items = getattr(e, table.key)
        if items or table.required_file:
            yield table.file, _csv_text(table, items)


def write_folder(e: Enterprise, path: str | os.PathLike[str], *,
                 what: str = "opmodel write", extra: dict[str, str] | None = None,
                 remove: tuple[str, ...] = (), keep: tuple[str, ...] = ()) -> list[Path]:
    """Write ``e`` as a model folder at ``path`` (created if needed). Model files that ``e``
    does not need are removed; other files in the folder are kept. The folder is replaced
    in one step (:func:`opmodel.io.atomic.replace_folder`): a reader sees the whole old
    model or the whole new one, never a mix, and a killed run leaves the old model.

    ``extra`` files (name → text, e.g. ``scenarios.yaml``) are written in the same step and
    the files named in ``remove`` removed in it; model files named in ``keep`` stay as they
    are (an import of a file that says nothing of them)."""
    from .atomic import replace_folder

    root = Path(path)
    if root.exists() and not root.is_dir():
        raise InputError(f"{root} exists and is not a folder")
    files = dict(folder_files(e)) | (extra or {})
    known = {s.name for s in YAML_FILES} | {t.file for t in TABLES} | set(remove)
    replace_folder(root, files, remove=known - files.keys() - set(keep), what=what)
    return [root / name for name in files]


def copy_folder(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> Path:
    """Copy a model folder (with its comments) to ``dst``."""
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns(".*", "__pycache__"))
    return Path(dst)

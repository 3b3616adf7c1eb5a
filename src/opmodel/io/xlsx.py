"""The model as an Excel workbook (``.xlsx``): the same tables as the model folder, one sheet
each, behind the same interface (:func:`write_xlsx` / :func:`read_xlsx`).

Writing streams the sheets with openpyxl's write-only mode: an Instructions sheet first,
then Settings and one sheet per table with a bold, frozen header, column widths, number
formats, text-formatted id columns, an input prompt per column and dropdowns for
enumerations and references (ids from the other sheets, so new rows get them too). The file
goes to a temporary name and is moved into place, so a failure never leaves half a workbook.

Reading collects every problem of every sheet in one pass and raises
:class:`~opmodel.errors.ModelError` with each issue at ``Sheet!C17``; nothing is returned on
any error. Before openpyxl sees the file, the archive's declared sizes are checked (more
than :data:`MAX_UNPACKED` bytes in all, or a member inflating more than
:data:`MAX_RATIO` times, is refused before anything is inflated); then every member is read
once, in chunks, to check its checksum and to refuse any XML part with a DOCTYPE or entity
declaration (a worksheet too, not only workbook.xml). Sheets are parsed lazily by openpyxl:
whatever a damaged sheet raises there becomes a located error. A formula whose value was
never calculated (a workbook saved by a tool that does not calculate) is reported at its
cell (``E-FORMULA``) instead of being read as an empty cell.
"""

from __future__ import annotations

import os
import re
import tempfile
import warnings
import zipfile
import zlib
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from difflib import get_close_matches
from pathlib import Path
from typing import TYPE_CHECKING, Any

from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import IllegalCharacterError
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from .. import __version__
from ..errors import InputError, Issue, ModelError
from ..model import Enterprise
from ._gcpause import gc_paused
from .assemble import assemble
from .folder import MAX_COLUMNS, MAX_ROWS, LoadResult
from .safefile import excerpt, not_regular
from .sheets import (
    INSTRUCTIONS,
    LISTS,
    MATURITY_HELP,
    REQUIRED_SHEETS,
    SCENARIO_SHEETS,
    SETTINGS,
    SETTINGS_ROWS,
    SHEET_BY_NAME,
    SHEETS,
    Col,
    reference_ids,
    settings_rows,
    sheet_rows,
)
from .sheets_read import Collected, cell_name, place, read_settings, read_sheet

if TYPE_CHECKING:
    from ..optimize.scenario import Scenarios

MAX_UNPACKED = 1 << 30  # 1 GiB: far above any real model, far below a zip bomb
MAX_RATIO = 500  # a member inflating more than this (and to over 10 MB) is a bomb
MAX_SHARED_STRINGS = 2_000_000  # texts in sharedStrings.xml (≈ 17 s and 300 MB to read)
MAX_PART_ELEMENTS = 300_000  # elements of any other part read whole (Excel: ≤ 64,000 styles)
MAX_CELLS = 20_000_000  # cells of a sheet up to each row's last value (500,000 rows × 40)
_DTD = re.compile(rb"<!(?:DOCTYPE|ENTITY)|<\x00!\x00(?:D\x00O\x00C|E\x00N\x00T)")
_FORMULA = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s/>]")
_STRING = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?si[\s/>]")
_CHUNK = 1 << 20  # bytes of a member read at a time by the scan
_CELL_MARKS = (b"<c ", b"<c>", b"<c/", b":c ", b":c>", b":c/")  # (a ':c ' in a text
# counts too: the bound is far above any real sheet)
HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", start_color="1F4E79")
HEADER_BORDER = Border(bottom=Side(style="thin", color="000000"))
TITLE_FONT = Font(bold=True, size=14)
LOCKED_FILL = PatternFill("solid", start_color="E7E6E6")
BOLD = Font(bold=True)
WRAP = Alignment(wrap_text=True, vertical="top")
UNLOCKED = Protection(locked=False)
NUMBER_FORMATS = {"money": "#,##0.00", "share": "0%", "date": "yyyy-mm-dd", "int": "0",
                  "score": "0"}
WIDTHS = {"id": 18, "ref": 18, "refs": 26, "long": 44, "text": 26, "date": 12, "enum": 12,
          "quarter": 10, "period": 10, "bool": 10, "numbers": 18}
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # a compound file's signature
EXTRA_ROWS = 1000  # dropdowns reach this far below the data, for rows users add
SETTING_BOUNDS: dict[str, dict[str, float]] = {
    "horizon.quarters": {"lo": 4, "hi": 12}, "fiscal_year_start": {"lo": 1, "hi": 4},
    "scoring.weights.customer": {"lo": 0, "hi": 1},
    "scoring.weights.strategic": {"lo": 0, "hi": 1},
    "scoring.weights.pain": {"lo": 0, "hi": 1}, "scoring.point_value": {"lo": 0}}


# -- writing -------------------------------------------------------------------------------
def clean_text(v: Any) -> Any:
    """Text a workbook can hold: what XML 1.0 cannot carry (control characters other than
    tab and newline, U+FFFE, U+FFFF, lone surrogates) dropped."""
    return _ILLEGAL.sub("", v) if isinstance(v, str) else v


class Styler:
    """Makes styled write-only cells, caching nothing but the shared style objects."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws

    def header(self, value: str) -> WriteOnlyCell:
        c = WriteOnlyCell(self.ws, value=value)
        c.font, c.fill, c.border = HEADER_FONT, HEADER_FILL, HEADER_BORDER
        return c

    def cell(self, value: Any, kind: str, unlocked: bool = False, shaded: bool = False
             ) -> Any:
        value = clean_text(value)
        fmt = NUMBER_FORMATS.get(kind)
        if isinstance(value, str) and kind not in ("text", "long", "id", "ref", "refs"):
            fmt = None  # 'n/a' in a number column
        exact = isinstance(value, float) and float(f"{value:.16g}") != value
        needs = fmt is not None or unlocked or shaded or kind == "long" or exact or (
            isinstance(value, str) and value.startswith("="))
        if not needs or (value is None and not (unlocked or shaded)):
            return value
        c = WriteOnlyCell(self.ws, value=value)
        if isinstance(value, str) and value.startswith("="):
            c.data_type = "s"  # text that looks like a formula stays text
        if exact:
            # openpyxl writes numbers with 16 significant digits; this one needs 17 to come
            # back as the same float, so hand the writer its shortest exact text.
            c._value = repr(value)
        if fmt is not None and value is not None:
            c.number_format = fmt
        if kind == "long":
            c.alignment = WRAP
        if unlocked:
            c.protection = UNLOCKED
        if shaded:
            c.fill = LOCKED_FILL
        return c


def _width(col: Col) -> int:
    base = WIDTHS.get(col.kind, 12)
    return max(base, min(len(col.name) + 3, 30))


def _validation(col: Col, formula: str | None, first: int, last: int, letter: str
                ) -> DataValidation:
    """The dropdown / check of one column, with its help as the input prompt."""
    kind = col.kind
    dv: DataValidation
    if kind == "enum":
        dv = DataValidation(type="list", formula1=f'"{",".join(col.choices)}"')
        dv.error = f"choose one of: {', '.join(col.choices)}"
    elif kind == "bool":
        dv = DataValidation(type="list", formula1='"TRUE,FALSE"')
        dv.error = "TRUE or FALSE"
    elif kind == "maturity":
        dv = DataValidation(type="list", formula1='"0,1,2,3,4,5,n/a"', errorStyle="warning")
        dv.error = "a maturity from 0 to 5 (decimals allowed) or n/a"
    elif kind in ("ref", "quarter", "period") and formula:
        dv = DataValidation(type="list", formula1=formula,
                            errorStyle="warning" if kind != "ref" or col.ref == "pools"
                            else "stop")
        dv.error = "not one of the known values; keep it only if you are sure"
    elif kind == "score" and col.lo is not None and col.hi is not None:
        dv = DataValidation(type="whole", operator="between", formula1=_num(col.lo),
                            formula2=_num(col.hi))
        dv.error = f"a whole number from {_num(col.lo)} to {_num(col.hi)}"
    elif kind in ("number", "money", "share", "level", "int") and (
            col.lo is not None or col.hi is not None):
        typ = "whole" if kind == "int" else "decimal"
        if col.hi is None:
            dv = DataValidation(type=typ, operator="greaterThanOrEqual",
                                formula1=_num(col.lo or 0))
            dv.error = f"a number of at least {_num(col.lo or 0)}"
        else:
            dv = DataValidation(type=typ, operator="between", formula1=_num(col.lo or 0),
                                formula2=_num(col.hi))
            dv.error = f"a number from {_num(col.lo or 0)} to {_num(col.hi)}"
    else:
        dv = DataValidation()
    dv.allow_blank = True
    dv.showErrorMessage = dv.type is not None
    dv.errorTitle = "opmodel"
    dv.promptTitle = col.name[:32]
    dv.prompt = col.help[:255]
    dv.showInputMessage = bool(col.help)
    dv.add(f"{letter}{first}:{letter}{last}")
    return dv


def _num(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else str(v)


def _range(sheet: str, letter: str, n: int) -> str:
    return f"'{sheet}'!${letter}$2:${letter}${n + 1 + EXTRA_ROWS}"


class Lists:
    """Where each reference column's dropdown values live: a sheet's id column, or a column
    of the hidden Lists sheet (pools, quarters, periods)."""

    def __init__(self, counts: dict[str, int], extra: dict[str, list[str]]) -> None:
        self.counts = counts
        self.extra = extra
        self.extra_col = {k: get_column_letter(i + 1) for i, k in enumerate(extra)}

    def formula(self, col: Col) -> str | None:
        if col.kind == "ref" and col.ref in SHEET_BY_NAME:
            target = SHEET_BY_NAME[col.ref]
            letter = get_column_letter(target.columns.index("id") + 1)
            return _range(target.name, letter, self.counts.get(target.name, 0))
        key = {"quarter": "quarters", "period": "periods"}.get(col.kind) or (
            col.ref if col.kind == "ref" else None)
        if key in self.extra:
            letter = self.extra_col[key]
            return f"'{LISTS}'!${letter}$2:${letter}${len(self.extra[key]) + 1}"
        return None


def declare_size(ws: Any, n_rows: int, n_cols: int) -> None:
    """Tell a write-only sheet its size up front, so it writes a ``<dimension>``: without
    one, openpyxl's read-only mode parses the whole sheet twice to find the size."""
    ref = f"A1:{get_column_letter(max(n_cols, 1))}{max(n_rows, 1)}"
    ws.calculate_dimension = lambda: ref  # the hook openpyxl's sheet writer looks for


def write_table(ws: Any, cols: Sequence[Col], rows: Iterable[Sequence[Any]], lists: Lists,
                n_rows: int, freeze: str = "B2", unlocked: Sequence[str] = ()) -> None:
    """A styled table on a write-only sheet: widths, header, rows, validations."""
    declare_size(ws, n_rows + 1, len(cols))
    st = Styler(ws)
    for k, c in enumerate(cols):
        letter = get_column_letter(k + 1)
        dim = ws.column_dimensions[letter]
        dim.width = _width(c)
        if c.kind in ("id", "ref", "refs", "text", "long", "quarter", "period"):
            dim.number_format = "@"  # new cells typed here stay text
        elif c.kind in NUMBER_FORMATS:
            dim.number_format = NUMBER_FORMATS[c.kind]
        dv = _validation(c, lists.formula(c), 2, n_rows + 1 + EXTRA_ROWS, letter)
        if c.kind != "value" and (dv.type is not None or c.help):
            ws.data_validations.append(dv)  # (a key/value sheet validates row by row)
    ws.freeze_panes = freeze
    ws.auto_filter.ref = f"A1:{get_column_letter(len(cols))}{n_rows + 1}"
    free = set(unlocked)
    ws.append([st.header(c.name) for c in cols])
    kinds = [(c.kind, c.name in free, bool(free) and c.name not in free) for c in cols]
    for row in rows:
        ws.append([st.cell(v, k, u, s) for v, (k, u, s) in zip(row, kinds, strict=True)])


EXCEL_CELL = 32_767
"""The most characters an Excel cell holds (openpyxl cuts longer text there, silently; Excel
and LibreOffice do the same when they save)."""


def check_cells(sheet: str, cols: Sequence[Col], rows: Iterable[Sequence[Any]]) -> None:
    """Refuse a text a workbook cannot hold whole (written, it would come back cut), at
    its cell — before the workbook is begun: a write-only sheet left half-written prints
    lxml's complaints when it is collected."""
    for n, row in enumerate(rows, start=2):
        for k, v in enumerate(row):
            if isinstance(v, str) and len(v) > EXCEL_CELL:
                _too_long(sheet, n, k, cols, row, len(v))


def _too_long(sheet: str, line: int, k: int, cols: Sequence[Col], row: Sequence[Any],
              length: int) -> None:
    what = f" ({cols[0].name} '{row[0]}', {cols[k].name})" if k and isinstance(row[0], str) \
        else f" ({cols[k].name})"
    raise InputError(f"{sheet}!{get_column_letter(k + 1)}{line}{what}: {length:,} characters; "
                     f"an Excel cell holds {EXCEL_CELL:,} and the rest would be lost",
                     hint="shorten it in the model, or export to ArchiMate (.xml) or keep the "
                          "folder, which hold text of any length")


def write_lines(ws: Any, lines: Iterable[Sequence[Any]], widths: Sequence[int]) -> None:
    """A plain text sheet (instructions): first line as title, ``**x**`` cells bold."""
    lines = list(lines)
    declare_size(ws, len(lines), max((len(x) for x in lines), default=1))
    for k, w in enumerate(widths):
        ws.column_dimensions[get_column_letter(k + 1)].width = w
    first = True
    for line in lines:
        cells: list[Any] = []
        for v in line:
            if first or (isinstance(v, str) and v.startswith("**")):
                c = WriteOnlyCell(ws, value=v.strip("*") if isinstance(v, str) else v)
                c.font = TITLE_FONT if first else BOLD
                cells.append(c)
            else:  # long text flows over the empty cells to its right
                cells.append(v)
        first = False
        ws.append(cells)


def _instructions(e: Enterprise) -> Iterator[list[Any]]:
    yield [f"opmodel workbook — {e.name}"]
    yield [f"Written by opmodel {__version__}. Money is in {e.unit} of {e.currency}; the plan "
           f"covers {e.horizon.quarters} quarters from {e.horizon.start}."]
    yield []
    yield ["**How to edit**"]
    for text in (
        "Each sheet is one table of the model folder, with the same column names; each row "
        "is one entity. Do not rename sheets or headers; add rows at the bottom.",
        "Ids are short slugs (lower-case letters, digits, '_', '.', '-'). Other sheets refer "
        "to them; dropdowns offer the ids that exist.",
        "Lists of ids go in one cell, separated by ';' (for example north;south).",
        "Leave a cell empty for 'not given'. In Assessments write n/a in current and target "
        "when a capability does not apply to a unit.",
        f"Maturity scale: {MATURITY_HELP}.",
        "Quarters look like 2027Q1; fiscal years like FY2027. Shares are fractions (30 % = "
        "0.3).",
        "Read it back with: opmodel import THIS.xlsx DIR — every problem is listed as "
        "Sheet!C17 and nothing is written until all are fixed.",
    ):
        yield ["", text]
    yield []
    yield ["**Sheet**", "**What it holds**"]
    yield [SETTINGS, "the enterprise's settings: one row per key"]
    for s in (*SHEETS, *SCENARIO_SHEETS):
        yield [s.name, s.blurb]
    yield []
    yield ["**Sheet**", "**Column**", "**Meaning**"]
    for st in SETTINGS_ROWS:
        yield [SETTINGS, st.key, st.help]
    for s in (*SHEETS, *SCENARIO_SHEETS):
        for c in s.cols:
            extra = f" ({', '.join(c.choices)})" if c.choices else ""
            req = "required; " if c.name in s.required else ""
            yield [s.name, c.name, f"{req}{c.help}{extra}"]


@contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """A temporary path next to ``path``; moved onto ``path`` only if the block succeeds.
    A path that cannot be written (a folder, no permission, a full disk) is an
    :class:`InputError`, and nothing is left behind. A symbolic link at ``path`` stays
    one: the file it leads to is replaced."""
    from .atomic import link_target

    check_target(path)
    path = link_target(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise _unwritable(path, exc) from None
    os.close(fd)
    try:
        yield Path(tmp)
        if path.exists():
            mode = path.stat().st_mode & 0o777
        else:
            mask = os.umask(0)
            os.umask(mask)
            mode = 0o666 & ~mask
        os.chmod(tmp, mode)  # mkstemp makes it private; give it the usual permissions
        os.replace(tmp, path)
    except OSError as exc:
        raise _unwritable(path, exc) from None
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def check_target(path: Path) -> None:
    """Refuse, before any work, a file path that is a folder, lies under a file, or lies
    in a folder where nothing can be written (``/proc``, no permission: the write-only
    workbook, built first, then failed to save and left lxml's noise at exit). A symbolic
    link is judged by the file it leads to, which is what is written."""
    from .atomic import check_writable, link_target

    path = link_target(path)
    if path.is_dir():
        raise InputError(f"cannot write {path}: it is a folder",
                         hint="give the path of the file to write")
    if path.exists() and not path.is_file():  # a device or FIFO: the rename would replace it
        raise InputError(f"cannot write {path}: it is not a regular file",
                         hint="give the path of the file to write")
    for up in path.parents:
        if up.exists():
            if not up.is_dir():
                raise InputError(f"cannot write {path}: {up} is a file, not a folder")
            break
    check_writable(path.parent, path)


def _unwritable(path: Path, exc: OSError) -> InputError:
    return InputError(f"cannot write {path}: {exc.strerror or exc}",
                      hint="check the folder exists and is writable")


def model_workbook(e: Enterprise, scenarios: Scenarios | None = None) -> Workbook:
    """The workbook of ``e`` (write-only; save it once), with the Scenarios sheets (empty
    when there are none, for scenarios to be added in the workbook)."""
    extra = reference_ids(e)
    counts = {s.name: 0 for s in SHEETS}
    rows: dict[str, list[list[Any]]] = {}
    for s in SHEETS:
        rows[s.name] = list(sheet_rows(e, s))
        counts[s.name] = len(rows[s.name])
    holder: Any = scenarios  # sheet_rows walks any object along the sheet's path
    for s in SCENARIO_SHEETS:
        rows[s.name] = list(sheet_rows(holder, s)) if holder is not None else []
        counts[s.name] = len(rows[s.name])
    settings_cols = (Col("key", "text"), Col("value", "value", "the setting's value"),
                     Col("help", "long"))
    settings = list(settings_rows(e))
    check_cells(SETTINGS, settings_cols, settings)
    for s in (*SHEETS, *SCENARIO_SHEETS):
        check_cells(s.name, s.cols, rows[s.name])
    wb = Workbook(write_only=True)
    wb.properties.creator = f"opmodel {__version__}"
    write_lines(wb.create_sheet(INSTRUCTIONS), _instructions(e), (18, 30, 90))
    lists = Lists(counts, extra)
    ws = wb.create_sheet(SETTINGS)
    write_table(ws, settings_cols, settings, lists, len(SETTINGS_ROWS))
    for row, st in enumerate(SETTINGS_ROWS, start=2):
        col = Col(st.key, st.kind, st.help, choices=st.choices, **SETTING_BOUNDS.get(st.key, {}))
        ws.data_validations.append(_validation(col, lists.formula(col), row, row, "B"))
    ws.column_dimensions["B"].width = 30
    ws.column_dimensions["C"].width = 80
    for s in SHEETS:
        freeze = "C2" if s.table is not None and s.columns[:2] == (
            "capability", "business_unit") else ("B2" if s.cols[0].kind in ("id", "ref")
                                                  else "A2")
        write_table(wb.create_sheet(s.name), s.cols, rows[s.name], lists, counts[s.name],
                    freeze=freeze)
    for s in SCENARIO_SHEETS:
        write_table(wb.create_sheet(s.name), s.cols, rows[s.name], lists, counts[s.name])
    ws = wb.create_sheet(LISTS)
    ws.sheet_state = "hidden"
    width = max(len(v) for v in extra.values())
    declare_size(ws, width + 1, len(extra))
    ws.append(list(extra))
    for k in range(width):
        ws.append([v[k] if k < len(v) else None for v in extra.values()])
    return wb


def write_xlsx(e: Enterprise, path: str | os.PathLike[str],
               scenarios: Scenarios | None = None) -> Path:
    """Write ``e`` (and its what-if ``scenarios``) as an ``.xlsx`` workbook at ``path``
    (atomically)."""
    out = Path(path)
    check_target(out)  # before the workbook is built (its sheets are generators)
    wb = model_workbook(e, scenarios)
    save_workbook(wb, out)
    return out


def save_workbook(wb: Workbook, out: Path) -> None:
    try:
        with atomic_path(out) as tmp:
            wb.save(tmp)
    except IllegalCharacterError as exc:  # pragma: no cover - clean_text drops them
        raise InputError(f"cannot write {out}: {exc}") from None
    except OSError as exc:
        raise InputError(f"cannot write {out}: {exc.strerror or exc}",
                         hint="check the folder exists and is writable") from None


# -- reading -------------------------------------------------------------------------------
def _fail(path: Path, code: str, msg: str, hint: str | None = None) -> ModelError:
    issue = Issue(code, msg, (), hint=hint).at(path.name, (path.name, 0, 0))
    return ModelError([issue], source=str(path))


def open_workbook(path: str | os.PathLike[str]) -> Any:
    """Open an xlsx read-only, turning every way it can be unreadable into a located error."""
    p = Path(path)
    if not p.exists():
        raise InputError(f"{p}: no such file", hint="give the path of an .xlsx workbook")
    if p.is_dir():
        raise InputError(f"{p} is a folder, not a workbook")
    kind = not_regular(p)
    if kind is not None:
        raise InputError(f"{p} is {kind}, not a regular file; refusing to read it")
    if not zipfile.is_zipfile(p):
        with open(p, "rb") as f:
            head = f.read(8)
        if head == _OLE2:  # what Excel writes for "Encrypt with Password", and old .xls
            raise _fail(p, "E-XLSX", "not a readable xlsx workbook: it is encrypted with a "
                        "password, or an old Excel 97–2003 (.xls) file",
                        hint="remove the password (Excel: File › Info › Protect Workbook) "
                        "or save it as 'Excel Workbook (.xlsx)'")
        raise _fail(p, "E-XLSX", "not an xlsx workbook: it is not a zip archive (truncated, "
                    "corrupt, or another format such as .xls or .csv)",
                    hint="save it again as 'Excel Workbook (.xlsx)'")
    try:
        with zipfile.ZipFile(p) as z:
            infos = z.infolist()
            names = {i.filename for i in infos}
            size = sum(i.file_size for i in infos)
            if size > MAX_UNPACKED:  # declared sizes first: nothing inflated yet
                raise _fail(p, "E-XLSX", f"the workbook would unpack to {size:,} bytes, above "
                            f"the limit of {MAX_UNPACKED:,}; refusing it")
            for i in infos:
                if i.file_size > 10 << 20 and i.file_size > MAX_RATIO * max(1, i.compress_size):
                    raise _fail(p, "E-XLSX", f"{excerpt(i.filename)} would inflate "
                                f"{i.file_size // max(1, i.compress_size):,} times (to "
                                f"{i.file_size:,} bytes): a zip bomb, not a workbook; "
                                "refusing it")
            if "xl/workbook.xml" not in names:
                raise _fail(p, "E-XLSX", "the zip archive is not an Excel workbook (no "
                            "xl/workbook.xml)", hint="save it as 'Excel Workbook (.xlsx)'")
            formulas = _scan_members(z, p)
            if b"purl.oclc.org/ooxml/spreadsheetml" in z.read("xl/workbook.xml")[:8192]:
                raise _fail(p, "E-XLSX", "the workbook is saved as 'Strict Open XML "
                            "Spreadsheet', which opmodel cannot read",
                            hint="save it as 'Excel Workbook (.xlsx)'")
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error, NotImplementedError,
            RuntimeError, ValueError) as exc:
        raise _fail(p, "E-XLSX", f"the workbook archive is damaged ({excerpt(str(exc))})",
                    hint="save it again from your spreadsheet program") from None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            wb = load_workbook(p, read_only=True, data_only=True)
            wb._opmodel_formulas = (p, formulas)  # read by sheet_values
            return wb
    except Exception as exc:  # third-party parsing of a foreign file: anything may come out
        raise _fail(p, "E-XLSX", f"cannot read the workbook: {type(exc).__name__}: "
                    f"{excerpt(str(exc))}",
                    hint="save it again as 'Excel Workbook (.xlsx)'") from None


def _scan_members(z: zipfile.ZipFile, p: Path) -> set[str]:
    """Read every member once (checking its CRC); refuse XML with a DOCTYPE or entity
    declaration, worksheets with more than MAX_CELLS cells (empty ones cost as much time
    to parse), and parts that openpyxl reads whole (all but the worksheets) with more
    elements than a workbook needs; return the worksheets that hold formulas."""
    formulas: set[str] = set()
    for info in z.infolist():
        name = info.filename
        xml = name.endswith((".xml", ".rels", ".vml"))
        sheet = name.startswith("xl/worksheets/")
        strings = name.lower().endswith("sharedstrings.xml")
        limit, what = ((MAX_CELLS, "cells (empty or not)") if sheet
                       else (MAX_SHARED_STRINGS, "shared strings") if strings
                       else (MAX_PART_ELEMENTS, "XML elements"))
        count = 0
        tail = b""
        with z.open(info) as f:
            while chunk := f.read(_CHUNK):
                if xml:
                    buf = tail + chunk
                    if _DTD.search(buf):
                        raise _fail(p, "E-XLSX", f"{excerpt(name)} in the workbook has a "
                                    "DOCTYPE or entity declaration; DTDs and entities are "
                                    "refused (they are how entity-expansion bombs work)",
                                    hint="save the workbook again from your spreadsheet "
                                    "program")
                    if sheet and name not in formulas and _FORMULA.search(buf):
                        formulas.add(name)
                    if sheet:  # <c …>, <c>, <c/>, or with a prefix (<x:c …>), counted
                        count += sum(chunk.count(m) for m in _CELL_MARKS)  # in C; a mark
                        count += sum(buf[:len(tail) + 2].count(m) for m in _CELL_MARKS)  # cut
                        count -= sum(tail.count(m) for m in _CELL_MARKS)  # by a chunk's end
                    elif strings:  # each <si> counted once across chunks
                        count += len(_STRING.findall(buf)) - len(_STRING.findall(tail))
                    else:
                        count += chunk.count(b"<")
                    if count > limit:
                        raise _fail(p, "E-XLSX", f"{excerpt(name)} in the workbook has "
                                    f"more than {limit:,} {what}: far more than any model "
                                    "needs (each one costs memory and time to read); "
                                    "refusing it",
                                    hint="save the workbook again from your spreadsheet "
                                    "program, without unused styles or cells")
                    tail = buf[-32:]
    return formulas


def _sheet_error(ws: Any, msg: str, row: int = 1, col: int = 1,
                 hint: str = "save the workbook again from your spreadsheet program"
                 ) -> ModelError:
    where = cell_name(ws.title, row, col)
    return ModelError([Issue("E-XLSX", msg, (), hint=hint).at(where, (ws.title, row, col))],
                      source=f"sheet {ws.title}")


def sheet_values(ws: Worksheet) -> list[tuple[int, list[Any]]]:
    """(row number, values) of the first row and every row with a value of a read-only
    sheet (a row that is only formatted, however far down, is no row). A sheet that cannot
    be parsed, or formulas without a calculated value, raise a :class:`ModelError` located
    in the sheet."""
    try:
        if hasattr(ws, "reset_dimensions"):
            ws.reset_dimensions()
        with warnings.catch_warnings():  # openpyxl's, on stderr ("… outside the limits
            warnings.simplefilter("ignore")  # for dates"): the cell's value says it
            rows = _values(ws)
    except ModelError:
        raise
    except Exception as exc:  # lazily parsed third-party XML: anything may come out
        raise _sheet_error(ws, f"the sheet cannot be read: {type(exc).__name__}: "
                           f"{excerpt(str(exc))}") from None
    source, formulas = getattr(ws.parent, "_opmodel_formulas", (None, set()))
    if getattr(ws, "_worksheet_path", None) in formulas:
        _uncalculated(ws, source, rows)
    return rows


def _values(ws: Any) -> list[tuple[int, list[Any]]]:
    """The rows of ``ws`` with a value (and the first), numbered, without trailing empty
    cells; at most MAX_ROWS rows, MAX_COLUMNS columns and MAX_CELLS cells in all."""
    rows: list[tuple[int, list[Any]]] = []
    cells = 0
    for k, r in enumerate(_capped_rows(ws), start=1):
        if k > 1 and r.count(None) == len(r):  # (a tuple: counted in C)
            continue
        if len(rows) > MAX_ROWS:  # the header and MAX_ROWS rows
            raise _sheet_error(ws, f"the sheet has more than {MAX_ROWS:,} rows; refusing "
                               "the workbook")
        n = len(r)
        while n and r[n - 1] is None:
            n -= 1
        cells += n
        if cells > MAX_CELLS:
            raise _sheet_error(ws, f"the sheet has more than {MAX_CELLS:,} cells up to the "
                               "last value of each row (this row passes it); refusing the "
                               "workbook", row=k, col=n, hint="delete what is right of the "
                               "table's last column")
        rows.append((k, list(r[:n])))
    return rows


def _capped_rows(ws: Any) -> Iterator[tuple[Any, ...]]:
    """``ws.iter_rows(values_only=True)``, but no row wider than MAX_COLUMNS: openpyxl pads
    a read-only row with empty cells up to its last cell, so a value in column XFD (16,384)
    made every row 16,384 values wide — a 230 KB workbook of 20,000 such rows needed over
    2 GB. A value beyond MAX_COLUMNS is refused at its cell; empty (formatted) cells there
    are dropped."""
    plain = getattr(ws, "_get_row", None)
    if plain is None:  # not a read-only sheet: openpyxl holds it whole anyway
        yield from ws.iter_rows(values_only=True)
        return

    def get_row(row: list[dict[str, Any]], min_col: int = 1, max_col: int | None = None,
                values_only: bool = False) -> Any:
        if row and max_col is None and max(c["column"] for c in row) > MAX_COLUMNS:
            for c in row:
                if c["column"] > MAX_COLUMNS and c["value"] not in (None, ""):
                    raise _sheet_error(ws, f"a value beyond column {MAX_COLUMNS:,}, the "
                                       "widest a model sheet is read (its tables have a "
                                       "few dozen columns)", row=c["row"], col=c["column"],
                                       hint="delete what is right of the table's last "
                                       "column")
            row = [c for c in row if c["column"] <= MAX_COLUMNS]
        return plain(row, min_col, max_col, values_only)

    ws._get_row = get_row
    try:
        yield from ws.iter_rows(values_only=True)
    finally:
        del ws._get_row


def _uncalculated(ws: Any, source: Path, rows: list[tuple[int, list[Any]]]) -> None:
    """Raise for each formula cell of ``ws`` that has no calculated value."""
    issues: list[Issue] = []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fwb = load_workbook(source, read_only=True, data_only=False)
        try:
            fws = fwb[ws.title]
            fws.reset_dimensions()
            by_line = dict(rows)
            for line, frow in enumerate(_capped_rows(fws), start=1):
                values = by_line.get(line, ())
                for k, f in enumerate(frow):
                    v = values[k] if k < len(values) else None
                    if v is None and isinstance(f, str) and f.startswith("="):
                        issues.append(Issue(
                            "E-FORMULA", f"formula {excerpt(f, 40)} has no calculated value",
                            (), hint="open and save the workbook in a spreadsheet program "
                            "that calculates (Excel, LibreOffice), or type the value").at(
                            cell_name(ws.title, line, k + 1), (ws.title, line, k + 1)))
        finally:
            fwb.close()
    except ModelError:
        raise
    except Exception as exc:  # the same XML parsed again: as above
        raise _sheet_error(ws, f"the sheet cannot be read: {type(exc).__name__}: "
                           f"{excerpt(str(exc))}") from None
    if issues:
        raise ModelError(issues, source=f"sheet {ws.title}")


@gc_paused()
def read_xlsx(path: str | os.PathLike[str]) -> LoadResult:
    """Read and validate a model workbook; raise :class:`ModelError` listing every error."""
    p = Path(path)
    wb = open_workbook(p)
    try:
        col = Collected(source=p.name)
        known = [SETTINGS, *SHEET_BY_NAME]
        present = list(wb.sheetnames)
        other = _other_workbook(present)
        if other is not None:  # one error, not one per sheet
            raise _fail(p, "E-SHEET", *other)
        strays = [n for n in present if n not in known and n not in (INSTRUCTIONS, LISTS)]
        for name in strays:
            ws = wb[name]
            if ws.sheet_state != "visible" and name.startswith("_"):
                continue  # a tool's own hidden sheet
            missing = [k for k in known if k not in present]
            close = get_close_matches(name, missing or known, n=1, cutoff=0.6)
            col.add(name, 1, 1, "E-SHEET", f"unknown sheet '{name}'",
                    hint=f"did you mean '{close[0]}'?" if close
                    else "delete it or move its rows to a known sheet")
        for name in REQUIRED_SHEETS:
            if name not in present:
                close = get_close_matches(name, strays, n=1, cutoff=0.6)
                col.at_file("E-SHEET", f"required sheet '{name}' is missing",
                            hint=f"rename '{close[0]}' to '{name}'" if close
                            else "export a fresh workbook with `opmodel export`")
        has_scenarios = SCENARIO_SHEETS[0].name in present
        for name in (SETTINGS, *(s.name for s in SHEETS), *(s.name for s in SCENARIO_SHEETS)):
            if name not in present:
                continue
            try:
                rows = sheet_values(wb[name])
            except ModelError as exc:  # this sheet is unusable; read the others
                col.issues.extend(exc.issues)
                col.blocked = True
                continue
            if name == SETTINGS:
                read_settings(col, rows)
            else:
                read_sheet(col, SHEET_BY_NAME[name], rows)
    finally:
        wb.close()
    raw = col.data.pop("scenarios", None)
    if not has_scenarios:
        return finish(col, p)
    from .scenarios import parse_scenarios  # (imports the optimizer's package)

    try:
        result = finish(col, p)
    except ModelError as exc:  # report the scenarios' own errors with the model's
        _, found = parse_scenarios(raw if isinstance(raw, list) else [])
        extra = [place(col, i) for i in found if i.severity == "error"]
        if extra:
            raise ModelError(exc.issues + extra, source=str(p)) from None
        raise
    scenarios, found = parse_scenarios(raw if isinstance(raw, list) else [],
                                       result.enterprise)
    placed = [place(col, i) for i in found]
    if any(i.severity == "error" for i in placed):
        raise ModelError(placed + result.warnings, source=str(p))
    return LoadResult(result.enterprise, result.warnings + placed, scenarios)


def _other_workbook(sheets: list[str]) -> tuple[str, str] | None:
    """(what, what to do) when ``sheets`` are another opmodel workbook's, not a model's."""
    if SETTINGS in sheets:
        return None
    if "_survey" in sheets:
        return ("this is an assessment survey (opmodel survey export), not a model "
                "workbook", "merge it into the model with `opmodel survey merge MODEL FILE`")
    if {"Summary", "Cells", "Solver"} <= set(sheets):
        return ("this is a report's results.xlsx (opmodel report), not a model workbook",
                "export the model itself with `opmodel export MODEL model.xlsx`")
    return None


def finish(col: Collected, p: Path) -> LoadResult:
    """Validate what was collected; raise :class:`ModelError` on any error."""
    enterprise: Enterprise | None = None
    issues = col.issues
    if SETTINGS in col.headers:
        enterprise, found = assemble(col.data, cross=not col.blocked)
        issues = issues + found
    placed = [place(col, i) for i in issues]
    if enterprise is None or any(i.severity == "error" for i in placed):
        if enterprise is None and not any(i.severity == "error" for i in placed):
            placed.append(Issue("E-SHEET", "no model could be read", ()).at(p.name))
        raise ModelError(placed, source=str(p))
    return LoadResult(enterprise, [i for i in placed if i.severity == "warning"])


__all__ = ["MAX_UNPACKED", "cell_name", "read_xlsx", "write_xlsx"]

"""The public Python API: load and save models, validate, tabular views.

Every CLI command is one of these calls plus parsing and formatting.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import InputError, Issue, ModelError, OpmodelError, OptimizationError

if TYPE_CHECKING:  # imported where used: the command line starts without them
    from .io.archimate_map import ImportReport, Mapping
    from .io.folder import LoadResult
    from .model import Actual, Decision, Enterprise
    from .optimize import SolveOptions
    from .optimize.scenario import Scenarios
    from .store.users import User


@contextmanager
def side_files(source: str | os.PathLike[str], at: str | None = None) -> Iterator[Path]:
    """The folder holding a model's side files (``scenarios.yaml``): the model folder
    itself, or for a store a temporary folder with the files it keeps (as they stood
    ``at``)."""
    url = store_url(source)
    if url is None:
        yield Path(source)
        return
    from .store import open_store

    with tempfile.TemporaryDirectory(prefix="opmodel-side-") as tmp:
        for name, text in open_store(url).files(at).items():
            (Path(tmp) / name).write_text(text, encoding="utf-8")
        yield Path(tmp)


def store_url(source: str | os.PathLike[str]) -> str | None:
    """The database URL ``source`` names (``sqlite:///acme.db``, ``postgresql://…``, or an
    existing ``*.db`` / ``*.sqlite`` file), or None for a folder or file model."""
    from .store import is_url

    if isinstance(source, str) and is_url(source):
        return source
    p = Path(source)
    if p.suffix.lower() in (".db", ".sqlite", ".sqlite3") and p.is_file():
        return f"sqlite:///{p}"
    return None


def read(path: str | os.PathLike[str], at: str | None = None) -> LoadResult:
    """Read and validate the model at ``path``: a model folder, an ``.xlsx`` workbook, an
    ArchiMate ``.xml`` exchange file, or a store's database URL (``sqlite:///acme.db``,
    ``postgresql://user@host/db``); the result carries the warnings.

    ``at`` (stores only): the model as it stood at that instant (UTC, ``2027-03-31T17:00``)
    or revision (``r42``) — time travel.

    Raises :class:`~opmodel.errors.ModelError` (with every located issue) on any error.
    """
    url = store_url(path)
    if url is not None:
        from .store import open_store

        return open_store(url).read(at)
    if at is not None:
        raise InputError(f"--at needs a model in a store, not {path}",
                         hint="give a database URL (sqlite:///file.db); in git, check out "
                              "the commit instead")
    p = Path(path)
    if p.suffix.lower() == ".xlsx":
        from .io.xlsx import read_xlsx

        return read_xlsx(p)
    if p.suffix.lower() == ".xml":
        from .io.archimate import read_archimate

        return read_archimate(p)
    from .io._gcpause import gc_paused

    with gc_paused():  # the first read also imports the model: long-lived objects, no garbage
        from .io.folder import read_folder

        return read_folder(p)


def load(path: str | os.PathLike[str], at: str | None = None) -> Enterprise:
    """The validated :class:`Enterprise` stored at ``path`` (a model folder or a database
    URL; ``at`` as for :func:`read`)."""
    return read(path, at).enterprise


def save(enterprise: Enterprise, path: str | os.PathLike[str]) -> list[Path]:
    """Write ``enterprise`` as a model folder; refuses a model that does not validate.

    The model files are replaced in one step under the folder's lock (other files are
    kept): see :func:`opmodel.io.atomic.replace_folder`."""
    from .io.folder import write_folder
    from .model import validate as _validate_model

    errors = [i for i in _validate_model(enterprise) if i.severity == "error"]
    if errors:
        raise ModelError(errors, source="the model to save")
    return write_folder(enterprise, path)


def validate(enterprise: Enterprise) -> list[Issue]:
    """Cross-entity issues of an in-memory model (errors and warnings), sorted by path."""
    from .model import validate as _validate_model

    return sorted(_validate_model(enterprise), key=lambda i: (str(i.path), i.code))


# -- interchange (xlsx, ArchiMate) --------------------------------------------------------
FORMATS = {"xlsx": ".xlsx", "archimate": ".xml"}


def format_of(path: str | os.PathLike[str], format: str | None = None,
              reading: bool = False) -> str:
    """The interchange format named by ``format`` or by the suffix of ``path`` (``reading``:
    a file to read, which has no --format to override it)."""
    if format is not None:
        if format not in FORMATS:
            raise InputError(f"unknown format '{format}'",
                             hint=f"choose one of: {', '.join(FORMATS)}")
        return format
    suffix = Path(path).suffix.lower()
    for name, ext in FORMATS.items():
        if suffix == ext:
            return name
    raise InputError(f"{path}: cannot tell the format from the suffix '{suffix}'",
                     hint="rename it to *.xlsx (a workbook) or *.xml (an ArchiMate exchange "
                     "file)" if reading else
                     "name the file *.xlsx or *.xml, or pass --format xlsx|archimate")


def export_model(model: Enterprise | str | os.PathLike[str], out: str | os.PathLike[str],
                 format: str | None = None, scenarios: Scenarios | None = None,
                 at: str | None = None) -> Path:
    """Write a model (an :class:`Enterprise` or the path of one) as an ``.xlsx`` workbook or
    an ArchiMate exchange file; the format comes from ``format`` or the suffix of ``out``.

    The model's what-if scenarios go with it: ``scenarios``, or those of the model at the
    path (a folder's or a store's scenarios.yaml, checked against the model first); ``at``
    reads a store's model as it stood then (see :func:`read`)."""
    from .model import Enterprise
    from .model import validate as _validate_model

    fmt = format_of(out, format)
    if isinstance(model, Enterprise):
        e = model
    else:
        result = read(model, at)
        e = result.enterprise
        if scenarios is None:
            scenarios = result.scenarios
            if scenarios is None:
                with side_files(model, at) as folder:
                    if folder.is_dir():
                        from .io.scenarios import read_scenarios

                        scenarios = read_scenarios(folder, e)
    errors = [i for i in _validate_model(e) if i.severity == "error"]
    if errors:
        raise ModelError(errors, source="the model to export")
    if fmt == "xlsx":
        from .io.xlsx import write_xlsx

        return write_xlsx(e, out, scenarios)
    from .io.archimate import write_archimate

    return write_archimate(e, out, scenarios)


def import_model(file: str | os.PathLike[str], directory: str | os.PathLike[str],
                 force: bool = False, mapping: Mapping | str | os.PathLike[str] | None = None
                 ) -> tuple[LoadResult, list[Path]]:
    """Read an ``.xlsx`` workbook or ArchiMate file and write it as a model folder.

    Nothing is written when the file has any error, or when ``directory`` already holds
    files (unless ``force``). The model files are replaced in one step (other files of the
    folder are kept): a kill leaves the old model or the new one, never a mix. The what-if
    scenarios the file carries become scenarios.yaml in the same step (removed when the
    file says there are none; kept when it says nothing of them). ``mapping`` (a
    :class:`~opmodel.io.archimate_map.Mapping` or the path of a mapping file) says which
    ArchiMate element types become what; see :func:`inspect_import`. Returns what was read
    (with its warnings) and the files written.
    """
    from .io.atomic import folder_lock
    from .io.folder import write_folder

    src = Path(file)
    fmt = format_of(src, reading=True)
    dst = Path(directory)
    if dst.exists() and not dst.is_dir():
        raise InputError(f"{dst} exists and is not a folder")
    if dst.is_dir() and not force and any(not p.name.startswith(".") for p in dst.iterdir()):
        raise _not_empty(dst)  # early; hidden leftovers of a killed run are cleaned below
    if fmt == "archimate":
        from .io.archimate import read_archimate

        result = read_archimate(src, *_mapping(mapping))
    else:
        _no_mapping(mapping)
        result = read(src)
    extra: dict[str, str] = {}
    remove: tuple[str, ...] = ()
    if result.scenarios is not None:  # None: the file said nothing of them
        from .io.scenarios import FILE, scenarios_text

        if result.scenarios.scenarios:
            extra[FILE] = scenarios_text(result.scenarios)
        else:
            remove = (FILE,)
    dst.parent.mkdir(parents=True, exist_ok=True)
    with folder_lock(dst, "opmodel import"):  # checked again, and written, under the lock
        if dst.is_dir() and any(dst.iterdir()) and not force:
            raise _not_empty(dst)
        keep: tuple[str, ...] = ()
        if dst.is_dir():  # files the file says nothing of stay, if they fit the new model
            from .io.kept import kept_files, silent_files

            keep, found = kept_files(dst, result, silent_files(src, fmt))
            result.warnings.extend(found)
        return result, write_folder(result.enterprise, dst, what="opmodel import",
                                    extra=extra, remove=remove, keep=keep)


def _not_empty(dst: Path) -> InputError:
    return InputError(f"{dst} is not empty",
                      hint="choose a new folder, or pass --force to replace its model files")


def inspect_import(file: str | os.PathLike[str],
                   mapping: Mapping | str | os.PathLike[str] | None = None,
                   directory: str | os.PathLike[str] | None = None) -> ImportReport:
    """What :func:`import_model` would make of ``file``, writing nothing: for an ArchiMate
    file the mapping used (given, or guessed for a file another tool wrote) and every
    element and relationship type mapped or left out, with counts and first lines; for a
    workbook the rows read per kind. Model errors are in the report, not raised. With
    ``directory`` (the folder the import would write) the files of it the import would keep
    (the cycle's records, scenarios.yaml) are checked against the model too."""
    src = Path(file)
    report = _inspect(src, mapping)
    if directory is None or not report.ok or not Path(directory).is_dir():
        return report
    from dataclasses import replace

    from .io.kept import kept_files, silent_files

    fmt = format_of(src, reading=True)
    if fmt == "archimate":
        from .io.archimate import read_archimate

        result = read_archimate(src, *_mapping(mapping))
    else:
        result = read(src)
    try:
        _, found = kept_files(Path(directory), result, silent_files(src, fmt))
    except ModelError as exc:
        return replace(report, issues=report.issues + tuple(exc.issues), counts={})
    return replace(report, issues=report.issues + tuple(found))


def _inspect(src: Path, mapping: Mapping | str | os.PathLike[str] | None) -> ImportReport:
    if format_of(src, reading=True) == "archimate":
        from .io.archimate_read import inspect

        return inspect(src, *_mapping(mapping))
    _no_mapping(mapping)
    from .io.archimate_map import DEFAULT, ImportReport, ImportRow

    try:
        result = read(src)
    except ModelError as exc:
        return ImportReport(str(src), DEFAULT, "workbook", (), (), tuple(exc.issues), {})
    e = result.enterprise
    counts = e.summary() | {"application fits": len(e.application_fits),
                            "decisions": len(e.decisions), "actuals": len(e.actuals),
                            "assessment history": len(e.assessment_history)}
    if result.scenarios is not None:
        counts["scenarios"] = len(result.scenarios.scenarios)
    rows = tuple(ImportRow("sheet", kind, kind, "", n, 0) for kind, n in counts.items() if n)
    return ImportReport(str(src), DEFAULT, "workbook", (), rows, tuple(result.warnings),
                        counts)


def _mapping(mapping: Mapping | str | os.PathLike[str] | None) -> tuple[Mapping | None, str]:
    from .io.archimate_map import Mapping, load_mapping

    if mapping is None or isinstance(mapping, Mapping):
        return mapping, "given" if mapping is not None else ""
    return load_mapping(mapping), str(mapping)


def _no_mapping(mapping: object) -> None:
    if mapping is not None:
        raise InputError("a mapping applies to ArchiMate exchange files only",
                         hint="leave out --map for a workbook")


# -- results as documents (docs/output.md) ------------------------------------------------
def plan_identity(e: Enterprise, as_of: str | None = None) -> dict[str, str]:
    """A plan's ``plan_id`` and ``inputs_sha256`` (the digest of the model planned, the
    quarter planned from): the head of every plan document, on the command line and the
    REST API alike. Same inputs, same id."""
    from .io.cycle_files import inputs_sha256, plan_id

    digest = inputs_sha256(e)
    return {"plan_id": plan_id(as_of or e.horizon.start, digest), "inputs_sha256": digest}


def plan_document(plan: Any, risk: Any = None, extra: dict[str, Any] | None = None
                  ) -> dict[str, Any]:
    """A solved plan as one JSON-ready document (``opmodel plan --format json``, plan.json):
    the plan, every initiative's explanation, the roadmap and, with ``risk`` (a
    :func:`~opmodel.optimize.risk.cost_risk` result), the cost risk and the probability of
    staying within budget; ``extra`` (:func:`plan_identity`, a re-plan's changes) first.
    The shape is :class:`opmodel.outputs.Plan`."""
    from .optimize.explain import explain_all
    from .optimize.roadmap import roadmap

    data = {**(extra or {}), **plan.to_dict()}
    data["explanations"] = [x.to_dict() for x in explain_all(plan)]
    data["roadmap"] = roadmap(plan).to_dict()
    if risk is not None:
        data["risk"] = risk.to_dict()
        # the probability the plan stays within every fiscal-year budget line, up front
        data["within_budget"] = {"probability": risk.within_budget,
                                 "se": risk.within_budget_se, "joint": True,
                                 "draws": risk.draws, "seed": risk.seed}
    return data


# -- the quarterly cycle (docs/cycle.md) --------------------------------------------------
def local_actor() -> User:
    """Who a program acts as on a store when it names nobody (the command line too): an
    admin named by $OPMODEL_USER or the login name."""
    import getpass

    from .store.users import User

    name = os.environ.get("OPMODEL_USER", "").strip()
    if not name:
        try:
            name = getpass.getuser()
        except (KeyError, OSError):  # pragma: no cover - no login name (containers)
            name = "opmodel"
    return User(name, "admin")


def decision_plan(e: Enterprise, cycle: str, initiative: str,
                  options: SolveOptions | None = None) -> dict[str, Any]:
    """The plan the meeting of ``cycle`` decides ``initiative`` against, as a decision's
    ``against`` records it: the plan id, the digest of the inputs it saw (the model with
    the decisions of earlier cycles), whether and from when it funds the initiative, and
    the value at stake. One solve (:func:`opmodel.cycle.recommendation`); raises
    :class:`~opmodel.errors.OptimizationError` when the cycle has no feasible plan."""
    from .cycle import recommendation
    from .cycle.pricing import before_cycle, recommended_for
    from .io.cycle_files import inputs_sha256, plan_id

    rec = recommendation(e, cycle, options)
    digest = inputs_sha256(before_cycle(e, cycle))
    return {"plan": plan_id(cycle, digest), "inputs_sha256": digest,
            **recommended_for(rec, initiative)}


def _plan_dependent(i: Issue) -> bool:
    """A refusal of a decision that depends on the plan it is taken against (an override
    needs a rationale; an approval takes the recommended start): checked once the plan is
    known."""
    return i.code == "E-RATIONALE" or (i.code == "E-MISSING" and i.path[-1:] == ("start",))


def decide(path: str | os.PathLike[str], initiative: str, action: str, *, by: str,
           role: str, cycle: str | None = None, date: Any = None, plan: bool = True,
           options: SolveOptions | None = None, actor: User | None = None,
           on_plan: Callable[[str], AbstractContextManager[Any]] | None = None,
           on_no_plan: Callable[[OpmodelError], None] | None = None,
           **fields: Any) -> Decision:
    """Record one portfolio decision on ``initiative`` in the model at ``path`` (a folder or
    a store's URL), as ``opmodel decide`` does; returns the decision recorded.

    ``cycle`` defaults to the quarter of ``date`` (default today; a date or ISO text);
    ``fields`` are the rest of the record (``rationale``, ``start``, ``until``, ``review``,
    ``decision_makers``, ``consulted``, ``informed``, ``supersedes``, ``id``). With ``plan``
    the plan of the cycle is solved and recorded as the decision's ``against``
    (:func:`decision_plan`; ``on_plan(cycle)`` wraps the solve, e.g. a progress line); when
    the cycle has no feasible plan the decision is recorded without it (``on_no_plan`` is
    told why, else a warning). A store is changed as ``actor`` (default
    :func:`local_actor`), with its rights and change log.

    Refused (:class:`~opmodel.errors.ModelError` with every problem, nothing written) as
    :func:`opmodel.cycle.decide` refuses; every rule that does not hang on the plan (the
    fields, the horizon, the order, the transition) before the plan is solved."""
    from .cycle import decide as decide_in_model
    from .cycle.record import meeting

    where = f"decision on {initiative}"

    def located(exc: ModelError, source: str) -> ModelError:
        return ModelError([i.at(where) for i in exc.issues], source=source)

    def recommend(e: Enterprise, cyc: str) -> dict[str, Any] | None:
        # every rule that does not hang on the plan first (its own fields, the horizon, the
        # order, the transition…): a mistyped action is not worth a solve, and outside the
        # horizon there is no plan to solve
        try:
            decide_in_model(e, initiative, action, by=by, role=role, cycle=cyc, date=day,
                            **fields)
        except ModelError as exc:
            found = [i for i in exc.issues if not _plan_dependent(i)]
            if found:
                raise ModelError([_from_date(i).at(where) for i in found],
                                 source=str(path)) from None
        try:
            with on_plan(cyc) if on_plan is not None else nullcontext():
                return decision_plan(e, cyc, initiative, options)
        except OptimizationError as exc:
            if on_no_plan is not None:
                on_no_plan(exc)
            else:
                import warnings

                warnings.warn(f"no plan to record for the decision ({exc.message}); it is "
                              "recorded without it", stacklevel=3)
            return None

    def _from_date(i: Issue) -> Issue:  # a cycle or date nobody gave: say where it came from
        if cycle is None and i.code == "E-HORIZON":
            hint = (f"give the meeting's quarter with --cycle (without it the cycle is the "
                    f"quarter of the date, {day})")
        elif date is None and i.code == "E-FUTURE":
            hint = f"give the meeting's date with --date (without it the date is today, {day})"
        else:
            return i
        return Issue(i.code, i.message, i.path, hint=hint, location=i.location)

    try:
        cyc, day = meeting(cycle, date)
    except ModelError as exc:
        raise located(exc, str(path)) from None
    url = store_url(path)
    if url is None:
        from .io.cycle_files import decide_in_folder

        try:
            return decide_in_folder(path, initiative, action,
                                    recommend=recommend if plan else None, cycle=cyc,
                                    date=day, by=by, role=role, **fields)
        except ModelError as exc:
            raise ModelError([_from_date(i) for i in exc.issues], source=exc.source) from None
    from . import actions

    who = actor or local_actor()
    actions.check_right(who, "decide")  # before a solve that would be thrown away
    e = load(url)
    against = recommend(e, cyc) if plan and initiative in e.ids("initiative") else None
    made: list[Decision] = []

    def record(m: Enterprise) -> Enterprise:  # the same rules, as one action
        try:
            new, d = decide_in_model(m, initiative, action, by=by, role=role, cycle=cyc,
                                     date=day, against=against, **fields)
        except ModelError as exc:
            raise ModelError([_from_date(i).at(where) for i in exc.issues],
                             source=url) from None
        made.append(d)
        return new

    actions.apply(url, who, "decide", record, ["decisions"], why=fields.get("rationale"))
    return made[-1]


def record_actuals(path: str | os.PathLike[str], file: str | os.PathLike[str], *,
                   actor: User | None = None,
                   on_warning: Callable[[Issue], None] | None = None) -> list[Actual]:
    """Check the actuals CSV ``file`` and merge it into the model at ``path`` (a folder's
    actuals.csv, or a store as ``actor``, default :func:`local_actor`) in one step: all
    rows or none; every problem at ``file:line``. Returns the rows merged; ``on_warning``
    is told each warning they bring (spend on an initiative never approved, …; at
    ``file:line``)."""
    url = store_url(path)
    if url is None:
        from .io.cycle_files import merge_actuals_file

        return merge_actuals_file(path, file, on_warning)
    from . import actions
    from .cycle import merge_actuals
    from .io.cycle_files import placed_at_lines, read_actuals_file, tell_warnings

    rows, lines = read_actuals_file(file)
    merged: list[Enterprise] = []

    def merge(m: Enterprise) -> Enterprise:
        try:
            merged.append(merge_actuals(m, rows))
        except ModelError as exc:
            raise placed_at_lines(exc, file, lines, url) from None
        return merged[-1]

    actions.apply(url, actor or local_actor(), "record_actuals", merge, ["actuals"],
                  why=f"actuals {Path(file).name}")
    tell_warnings(merged[-1], rows, file, lines, on_warning)
    return rows


def archive(path: str | os.PathLike[str], cycle: str, *, actor: User | None = None) -> int:
    """Keep the current assessments of the model at ``path`` (a folder, or a store as
    ``actor``) in its assessment history as they stand in ``cycle``, before a new
    assessment round replaces them; returns the number of assessments kept."""
    url = store_url(path)
    if url is None:
        from .io.cycle_files import archive_in_folder

        return archive_in_folder(path, cycle)
    from . import actions
    from .cycle import archive_assessments

    kept: list[int] = []

    def keep(m: Enterprise) -> Enterprise:
        new = archive_assessments(m, cycle)
        kept.append(sum(1 for r in new.assessment_history if r.cycle == cycle))
        return new

    actions.apply(url, actor or local_actor(), "archive_assessments", keep,
                  ["assessment_history"], why=f"archive {cycle}")
    return kept[-1]

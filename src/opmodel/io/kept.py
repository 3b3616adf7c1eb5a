"""What ``opmodel import --force`` leaves in the folder: the files the imported file says
nothing of.

An ArchiMate exchange file carries neither the quarterly cycle's records (decisions.yaml,
actuals.csv, assessment_history.csv) nor, when another tool wrote it, the what-if
scenarios; a workbook says nothing of a table whose sheet it lacks. Re-importing such a file
into a model folder keeps those files as they are — replacing them by nothing would throw
away the portfolio office's decision log — and checks them against the imported model: a
decision naming an initiative the file no longer has, or a scenario forcing one in, is an
error at its line, and nothing is written.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

from ..errors import Issue, ModelError
from .folder import LoadResult, folder_files, read_folder
from .tables import ACTUALS, ASSESSMENT_HISTORY

SCENARIOS = "scenarios.yaml"
CYCLE = {"Decisions": "decisions.yaml", ACTUALS.sheet: ACTUALS.file,
         ASSESSMENT_HISTORY.sheet: ASSESSMENT_HISTORY.file}
"""The cycle's records: workbook sheet → folder file."""
_WHAT = {"decisions.yaml": "decisions", ACTUALS.file: "actuals",
         ASSESSMENT_HISTORY.file: "assessment history", SCENARIOS: "scenarios"}


def silent_files(src: Path, fmt: str) -> tuple[str, ...]:
    """The cycle's files ``src`` says nothing of: all of them for an exchange file, those
    whose sheet a workbook lacks."""
    if fmt == "archimate":
        return tuple(CYCLE.values())
    from openpyxl import load_workbook

    wb = load_workbook(src, read_only=True)  # already read once: only its sheet names
    try:
        names = set(wb.sheetnames)
    finally:
        wb.close()
    return tuple(file for sheet, file in CYCLE.items() if sheet not in names)


def kept_files(folder: Path, result: LoadResult, silent: Iterable[str]) -> tuple[
        tuple[str, ...], list[Issue]]:
    """The files of ``folder`` the import keeps (``silent`` ones that exist, and
    scenarios.yaml when the file says nothing of scenarios), checked with the imported
    model; and their warnings. Raises :class:`ModelError` (located in those files) when
    they no longer fit it."""
    names = [n for n in silent if (folder / n).is_file()]
    if result.scenarios is None and (folder / SCENARIOS).is_file():
        names.append(SCENARIOS)
    if not names:
        return (), []
    with tempfile.TemporaryDirectory(prefix="opmodel-import-") as tmp:
        root = Path(tmp)
        for name, text in folder_files(result.enterprise):
            if name not in names:
                (root / name).write_text(text, encoding="utf-8")
        for name in names:
            shutil.copyfile(folder / name, root / name)
        try:
            loaded = read_folder(root)
            if SCENARIOS in names:
                from .scenarios import read_scenarios  # (imports the optimizer's package)

                read_scenarios(root, loaded.enterprise)
        except ModelError as exc:
            seen: set[str] = set()  # the hint once per file, on its first issue
            raise ModelError([_hinted(i, folder, names, seen) for i in exc.issues],
                             source=str(folder)) from None
    return tuple(names), [i for i in loaded.warnings if _file_of(i) in names]


def _file_of(issue: Issue) -> str:
    return (issue.location or "").split(":", 1)[0]


def _hinted(issue: Issue, folder: Path, names: list[str], seen: set[str]) -> Issue:
    name = _file_of(issue)
    if name not in names or name in seen:
        return issue
    seen.add(name)
    return replace(issue, hint=f"{name} is kept from {folder}: the imported file carries no "
                   f"{_WHAT[name]}; fix or remove it there, then import again")


__all__ = ["CYCLE", "kept_files", "silent_files"]

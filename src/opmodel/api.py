"""The public Python API: load and save models, validate, tabular views.

Every CLI command is one of these calls plus parsing and formatting.
"""

from __future__ import annotations

import os
from pathlib import Path

from .errors import InputError, Issue, ModelError
from .io.folder import LoadResult, read_folder, write_folder
from .model import Enterprise
from .model import validate as _validate_model


def read(path: str | os.PathLike[str]) -> LoadResult:
    """Read and validate the model at ``path`` (a model folder, an ``.xlsx`` workbook or an
    ArchiMate ``.xml`` exchange file); the result carries the warnings.

    Raises :class:`~opmodel.errors.ModelError` (with every located issue) on any error.
    """
    p = Path(path)
    if p.suffix.lower() == ".xlsx":
        from .io.xlsx import read_xlsx

        return read_xlsx(p)
    if p.suffix.lower() == ".xml":
        from .io.archimate import read_archimate

        return read_archimate(p)
    return read_folder(p)


def load(path: str | os.PathLike[str]) -> Enterprise:
    """The validated :class:`Enterprise` stored at ``path`` (a model folder)."""
    return read(path).enterprise


def save(enterprise: Enterprise, path: str | os.PathLike[str]) -> list[Path]:
    """Write ``enterprise`` as a model folder; refuses a model that does not validate.

    The model files are replaced in one step under the folder's lock (other files are
    kept): see :func:`opmodel.io.atomic.replace_folder`."""
    errors = [i for i in _validate_model(enterprise) if i.severity == "error"]
    if errors:
        raise ModelError(errors, source="the model to save")
    return write_folder(enterprise, path)


def validate(enterprise: Enterprise) -> list[Issue]:
    """Cross-entity issues of an in-memory model (errors and warnings), sorted by path."""
    return sorted(_validate_model(enterprise), key=lambda i: (str(i.path), i.code))


# -- interchange (xlsx, ArchiMate) --------------------------------------------------------
FORMATS = {"xlsx": ".xlsx", "archimate": ".xml"}


def format_of(path: str | os.PathLike[str], format: str | None = None) -> str:
    """The interchange format named by ``format`` or by the suffix of ``path``."""
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
                     hint="name the file *.xlsx or *.xml, or pass --format xlsx|archimate")


def export_model(model: Enterprise | str | os.PathLike[str], out: str | os.PathLike[str],
                 format: str | None = None) -> Path:
    """Write a model (an :class:`Enterprise` or the path of one) as an ``.xlsx`` workbook or
    an ArchiMate exchange file; the format comes from ``format`` or the suffix of ``out``."""
    fmt = format_of(out, format)
    e = model if isinstance(model, Enterprise) else load(model)
    errors = [i for i in _validate_model(e) if i.severity == "error"]
    if errors:
        raise ModelError(errors, source="the model to export")
    if fmt == "xlsx":
        from .io.xlsx import write_xlsx

        return write_xlsx(e, out)
    from .io.archimate import write_archimate

    return write_archimate(e, out)


def import_model(file: str | os.PathLike[str], directory: str | os.PathLike[str],
                 force: bool = False) -> tuple[LoadResult, list[Path]]:
    """Read an ``.xlsx`` workbook or ArchiMate file and write it as a model folder.

    Nothing is written when the file has any error, or when ``directory`` already holds
    files (unless ``force``). The model files are replaced in one step (other files of the
    folder are kept): a kill leaves the old model or the new one, never a mix. Returns what
    was read (with its warnings) and the files written.
    """
    from .io.atomic import folder_lock

    src = Path(file)
    format_of(src)
    dst = Path(directory)
    if dst.exists() and not dst.is_dir():
        raise InputError(f"{dst} exists and is not a folder")
    if dst.is_dir() and not force and any(not p.name.startswith(".") for p in dst.iterdir()):
        raise _not_empty(dst)  # early; hidden leftovers of a killed run are cleaned below
    result = read(src)
    dst.parent.mkdir(parents=True, exist_ok=True)
    with folder_lock(dst, "opmodel import"):  # checked again, and written, under the lock
        if dst.is_dir() and any(dst.iterdir()) and not force:
            raise _not_empty(dst)
        return result, write_folder(result.enterprise, dst, what="opmodel import")


def _not_empty(dst: Path) -> InputError:
    return InputError(f"{dst} is not empty",
                      hint="choose a new folder, or pass --force to replace its model files")

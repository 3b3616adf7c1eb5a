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
    """Read and validate the model at ``path``; the result carries the warnings.

    Raises :class:`~opmodel.errors.ModelError` (with every located issue) on any error.
    """
    p = Path(path)
    if p.suffix.lower() in (".xlsx", ".xml"):
        raise InputError(f"{p}: reading {p.suffix} files is not supported yet",
                         hint="give a model folder")
    return read_folder(p)


def load(path: str | os.PathLike[str]) -> Enterprise:
    """The validated :class:`Enterprise` stored at ``path`` (a model folder)."""
    return read(path).enterprise


def save(enterprise: Enterprise, path: str | os.PathLike[str]) -> list[Path]:
    """Write ``enterprise`` as a model folder; refuses a model that does not validate."""
    errors = [i for i in _validate_model(enterprise) if i.severity == "error"]
    if errors:
        raise ModelError(errors, source="the model to save")
    return write_folder(enterprise, path)


def validate(enterprise: Enterprise) -> list[Issue]:
    """Cross-entity issues of an in-memory model (errors and warnings), sorted by path."""
    return sorted(_validate_model(enterprise), key=lambda i: (str(i.path), i.code))

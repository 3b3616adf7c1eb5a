"""opmodel: turn a CIO office's IT operating model into decisions.

>>> import opmodel
>>> acme = opmodel.load("examples/acme")          # doctest: +SKIP
>>> opmodel.frame(acme, "assessments").head()     # doctest: +SKIP
"""

from __future__ import annotations

__version__ = "0.1.0"

from .api import export_model, import_model, inspect_import, load, read, save, validate
from .errors import Issue, ModelError, OpmodelError
from .io.frames import frame, frames
from .model import Enterprise

__all__ = [
    "Enterprise", "Issue", "ModelError", "OpmodelError", "__version__", "export_model",
    "frame", "frames", "import_model", "inspect_import", "load", "read", "save", "validate",
]

"""opmodel: turn a CIO office's IT operating model into decisions.

>>> import opmodel
>>> acme = opmodel.load("examples/acme")          # doctest: +SKIP
>>> opmodel.frame(acme, "assessments").head()     # doctest: +SKIP
"""

from __future__ import annotations

__version__ = "0.1.0"

TYPE_CHECKING = False  # `typing` is not imported for it: see opmodel.cli
if TYPE_CHECKING:
    from typing import Any

    from .api import export_model, import_model, inspect_import, load, read, save, validate
    from .errors import Issue, ModelError, OpmodelError
    from .io.frames import frame, frames
    from .model import Enterprise

# The rest of the public API is imported on first use, so that `import opmodel` (and the
# command line, which imports it for the version) starts in milliseconds: the model's
# pydantic classes, pandas and the readers load only when a program asks for them.
_LAZY = {
    "export_model": "api", "import_model": "api", "inspect_import": "api", "load": "api",
    "read": "api", "save": "api", "validate": "api",
    "frame": "io.frames", "frames": "io.frames", "Enterprise": "model",
    "Issue": "errors", "ModelError": "errors", "OpmodelError": "errors",
}


_SUBMODULES = ("api", "errors", "io", "model")  # reachable as opmodel.api… after `import opmodel`


def __getattr__(name: str) -> Any:
    import importlib

    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'opmodel' has no attribute '{name}'")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))

__all__ = [
    "Enterprise", "Issue", "ModelError", "OpmodelError", "__version__", "export_model",
    "frame", "frames", "import_model", "inspect_import", "load", "read", "save", "validate",
]

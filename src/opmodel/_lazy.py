"""Packages that import their re-exported names on first use.

``opmodel.analysis`` and ``opmodel.optimize`` re-export the functions and result classes of
their submodules; importing every submodule up front cost ``opmodel plan`` a fifth of
opmodel's own start-up (heat maps, homogeneity, the frontier… which it never uses). A lazy
package imports the submodule of a name when the name is first asked for
(``from opmodel.optimize import SolveOptions`` loads ``optimize/solve.py`` only).

Some re-exported functions have the name of the submodule that defines them
(``opmodel.analysis.heatmap`` the function, in ``analysis/heatmap.py``). Importing a
submodule makes Python bind it as an attribute of its package, which would leave
``opmodel.analysis.heatmap`` the module, not the function, depending on what some code
imported first. A lazy package keeps the function in that case: the name means what it
meant with eager imports, whatever is imported when (``tests/test_startup.py``).
"""

from __future__ import annotations

import importlib
import sys
from types import ModuleType
from typing import Any


class LazyPackage(ModuleType):
    """A package module whose ``_LAZY`` names (name → submodule) load on first use."""

    _LAZY: dict[str, str]

    def __getattr__(self, name: str) -> Any:  # only for names not yet in the namespace
        where = self.__dict__.get("_LAZY", {}).get(name)
        if where is None:
            # a submodule nobody imported yet is reachable as an attribute, as it was when
            # the package imported all of them
            from importlib.util import find_spec

            if not name.startswith("__") and find_spec(f"{self.__name__}.{name}") is not None:
                return importlib.import_module(f"{self.__name__}.{name}")
            raise AttributeError(f"module {self.__name__!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{self.__name__}.{where}"), name)
        ModuleType.__setattr__(self, name, value)
        return value

    def __setattr__(self, name: str, value: Any) -> None:
        # The import system binds a freshly loaded submodule on its package; where the
        # package re-exports a function of the same name from it, the function stays.
        if (isinstance(value, ModuleType) and self.__dict__.get("_LAZY", {}).get(name) == name
                and value.__name__ == f"{self.__name__}.{name}" and hasattr(value, name)):
            value = getattr(value, name)
        ModuleType.__setattr__(self, name, value)

    def __dir__(self) -> list[str]:
        return sorted(set(self.__dict__) | set(self.__dict__.get("_LAZY", {})))


def make_lazy(name: str, lazy: dict[str, str]) -> None:
    """Turn the (already executing) package ``name`` into a :class:`LazyPackage` serving
    ``lazy`` (exported name → submodule, relative to the package)."""
    module = sys.modules[name]
    module.__dict__["_LAZY"] = lazy
    module.__class__ = LazyPackage
    # a submodule loaded before the switch (a package importing its own parts) already
    # bound itself on the package: give its same-named function the name back
    for export, where in lazy.items():
        if export == where and isinstance(module.__dict__.get(export), ModuleType):
            setattr(module, export, module.__dict__[export])

"""The base of every shape: objects open to more fields, the ``schema``/``version`` head."""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field


class _Open(BaseModel):
    """An object that may carry more fields than listed (added later, or detail).

    ``mirrors_``: the result dataclass this shape describes
    (``"opmodel.analysis.gaps:GapRow"``) when its ``to_dict`` writes that dataclass field for
    field; ``added_`` names the fields the JSON has beyond the dataclass's (computed when
    written), ``dropped_`` the dataclass fields it leaves out (a field in both is written
    in another form). The shapes are not built from the dataclasses at run time (those
    live beside numpy, and the shapes also say what a dataclass cannot: null for a number
    that is not one, the words a field takes, the descriptions of the published schemas);
    tests/test_outputs_mirror.py holds each pair together instead: a field added, renamed,
    dropped or retyped on one side and not the other fails the build. These class
    variables are not part of the schemas."""

    model_config = ConfigDict(extra="allow")
    mirrors_: ClassVar[str] = ""
    added_: ClassVar[tuple[str, ...]] = ()
    dropped_: ClassVar[tuple[str, ...]] = ()


class Output(_Open):
    """The head every result document starts with."""

    output_name: ClassVar[str] = ""
    version_: ClassVar[int] = 1
    schema_: str = Field(alias="schema", description="opmodel.<command>")
    version: int = Field(description="Version of this shape; raised on any breaking change.")


Number = float | None
"""A number; null where it is not a number (NaN, an unbounded value)."""

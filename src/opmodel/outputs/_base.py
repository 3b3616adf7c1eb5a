"""The base of every shape: objects open to more fields, the ``schema``/``version`` head."""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field


class _Open(BaseModel):
    """An object that may carry more fields than listed (added later, or detail)."""

    model_config = ConfigDict(extra="allow")


class Output(_Open):
    """The head every result document starts with."""

    output_name: ClassVar[str] = ""
    version_: ClassVar[int] = 1
    schema_: str = Field(alias="schema", description="opmodel.<command>")
    version: int = Field(description="Version of this shape; raised on any breaking change.")


Number = float | None
"""A number; null where it is not a number (NaN, an unbounded value)."""

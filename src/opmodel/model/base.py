"""Shared building blocks of the metamodel: frozen entities, ids, quarters, scales.

Validators raise errors whose *type* is an opmodel issue code (``E-QUARTER``…), so that
adapters can turn pydantic's error list into located issues without guessing.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field
from pydantic_core import PydanticCustomError

from .quarter import is_quarter

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")


def _check_slug(v: str) -> str:
    if not SLUG_RE.match(v):
        raise PydanticCustomError(
            "E-ID",
            "'{value}' is not a valid id (lower-case letters, digits, '_', '.', '-';"
            " starting with a letter or digit)",
            {"value": v},
        )
    return v


def _check_quarter(v: str) -> str:
    if not is_quarter(v):
        raise PydanticCustomError(
            "E-QUARTER", "'{value}' is not a quarter like 2027Q1", {"value": v}
        )
    return v


def _as_tuple(v: Any) -> Any:
    """Accept a single value or ``a;b`` text where a list of ids is expected."""
    if v is None:
        return ()
    if isinstance(v, str):
        return tuple(p.strip() for p in v.split(";") if p.strip())
    return v


Id = Annotated[str, AfterValidator(_check_slug)]
Quarter = Annotated[str, AfterValidator(_check_quarter)]
IdList = Annotated[tuple[Id, ...], BeforeValidator(_as_tuple)]
Maturity = Annotated[float, Field(ge=0, le=5)]
NonNegative = Annotated[float, Field(ge=0)]


class Frozen(BaseModel):
    """Base of every model object: immutable, strict about unknown keys."""

    model_config = ConfigDict(
        frozen=True, extra="forbid", str_strip_whitespace=True, coerce_numbers_to_str=True
    )


class Entity(Frozen):
    """Anything with a stable id and a name."""

    id: Id
    name: str = Field(min_length=1)
    description: str | None = None

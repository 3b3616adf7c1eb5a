"""Shared building blocks of the metamodel: frozen entities, ids, quarters, scales.

Validators raise errors whose *type* is an opmodel issue code (``E-QUARTER``…), so that
adapters can turn pydantic's error list into located issues without guessing. Ids and
quarters are checked by pydantic's own (Rust) pattern matching instead — a model has
hundreds of thousands of ids — so their errors arrive as ``string_pattern_mismatch``
carrying the pattern, and :data:`PATTERN_ISSUES` gives the opmodel code and message for
each pattern.

Numbers are finite everywhere (``.nan``, ``.inf``, ``1e400`` are refused by every model
object: ``allow_inf_nan=False``), and amounts no enterprise has are refused too: money,
capacities and weights are at most :data:`MAX_AMOUNT` (10¹³ in the model's unit — ten
trillion — far above any real portfolio, far below where the solver's arithmetic gives
out), other numbers at most that in size.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

from .quarter import QUARTER_RE

ID_PATTERN = r"^[a-z0-9][a-z0-9_.-]*$"
SLUG_RE = re.compile(ID_PATTERN)

#: pattern → (issue code, message template with ``{value}``) for pydantic's
#: ``string_pattern_mismatch`` errors on :data:`Id` and :data:`Quarter` fields
PATTERN_ISSUES: dict[str, tuple[str, str]] = {
    ID_PATTERN: ("E-ID", "'{value}' is not a valid id (lower-case letters, digits, '_', '.',"
                         " '-'; starting with a letter or digit)"),
    QUARTER_RE.pattern: ("E-QUARTER", "'{value}' is not a quarter like 2027Q1"),
}


def _as_tuple(v: Any) -> Any:
    """Accept a single value or ``a;b`` text where a list of ids is expected."""
    if v is None:
        return ()
    if isinstance(v, str):
        return tuple(p.strip() for p in v.split(";") if p.strip())
    return v


Id = Annotated[str, StringConstraints(pattern=ID_PATTERN)]
Quarter = Annotated[str, StringConstraints(pattern=QUARTER_RE.pattern)]
IdList = Annotated[tuple[Id, ...], BeforeValidator(_as_tuple)]
#: the largest amount (money, capacity, weight, KPI value) a model may hold: 10¹³
MAX_AMOUNT = 1e13

Maturity = Annotated[float, Field(ge=0, le=5)]
#: a non-negative amount: money in the model's unit, a capacity, a weight
NonNegative = Annotated[float, Field(ge=0, le=MAX_AMOUNT)]
Money = NonNegative
#: any finite number no larger in size than :data:`MAX_AMOUNT` (a KPI's baseline, …)
Quantity = Annotated[float, Field(ge=-MAX_AMOUNT, le=MAX_AMOUNT)]


class Frozen(BaseModel):
    """Base of every model object: immutable, strict about unknown keys."""

    model_config = ConfigDict(
        frozen=True, extra="forbid", str_strip_whitespace=True, coerce_numbers_to_str=True,
        allow_inf_nan=False,
    )


class Entity(Frozen):
    """Anything with a stable id and a name."""

    id: Id
    name: str = Field(min_length=1)
    description: str | None = None

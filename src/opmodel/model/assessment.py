"""Assessments: the same capability, assessed per business unit (the third dimension)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import model_validator
from pydantic_core import PydanticCustomError

from .base import Frozen, Id, Maturity

Confidence = Literal["stated", "inferred"]


class Assessment(Frozen):
    """Current and target maturity (0–5) of one capability in one business unit.

    ``applicable=False`` is the explicit ``n/a``: the unit does not need the capability, which
    is different from a missing assessment (unknown) and from a current maturity of 0.
    """

    capability: Id
    business_unit: Id
    applicable: bool = True
    current: Maturity | None = None
    target: Maturity | None = None
    pain: Maturity | None = None
    confidence: Confidence = "stated"
    assessor: str | None = None
    date: dt.date | None = None
    notes: str | None = None

    @model_validator(mode="after")
    def _complete(self) -> Assessment:
        if not self.applicable and (self.current is not None or self.target is not None):
            given = "current" if self.current is not None else "target"
            raise PydanticCustomError(
                "E-VALUE",
                "the assessment is n/a but {given} is {value}: write n/a in both current "
                "and target when the capability does not apply, or a maturity in both",
                {"given": given, "value": f"{getattr(self, given):g}"},
            )
        if self.applicable and (self.current is None) != (self.target is None):
            missing = "target" if self.target is None else "current"
            raise PydanticCustomError(
                "E-MISSING",
                "an assessment needs both current and target ({missing} is empty);"
                " write n/a in both when the capability does not apply",
                {"missing": missing},
            )
        return self

    @property
    def assessed(self) -> bool:
        return self.applicable and self.current is not None

    @property
    def gap(self) -> float | None:
        """max(0, target − current); None when n/a or unassessed."""
        if not self.assessed:
            return None
        assert self.current is not None and self.target is not None
        return max(0.0, self.target - self.current)


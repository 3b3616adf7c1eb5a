"""What funding exists and the portfolio office's rules: budgets, teams, guardrails."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, model_validator
from pydantic_core import PydanticCustomError

from .base import Frozen, Id, NonNegative, Quarter
from .initiative import Kind
from .quarter import is_quarter

FISCAL_YEAR_RE = re.compile(r"^FY(\d{4})$")


def _check_period(v: str) -> str:
    if not (is_quarter(v) or FISCAL_YEAR_RE.match(v)):
        raise PydanticCustomError(
            "E-QUARTER",
            "'{value}' is neither a quarter like 2027Q1 nor a fiscal year like FY2027",
            {"value": v},
        )
    return v


Period = Annotated[str, AfterValidator(_check_period)]


class Budget(Frozen):
    """``amount`` available in ``period`` (a quarter, or a whole fiscal year) from ``pool``."""

    period: Period
    pool: Id = "enterprise"
    amount: NonNegative

    @property
    def is_fiscal_year(self) -> bool:
        return self.period.startswith("FY")


class Guardrail(Frozen):
    """Investment-mix rule: ``kind``'s share of spend kept within [min_share, max_share]."""

    kind: Kind
    min_share: float | None = Field(default=None, ge=0, le=1)
    max_share: float | None = Field(default=None, ge=0, le=1)
    scope: Literal["horizon", "quarter"] = "horizon"

    @model_validator(mode="after")
    def _bounds(self) -> Guardrail:
        if self.min_share is None and self.max_share is None:
            raise PydanticCustomError(
                "E-MISSING", "a guardrail needs min_share or max_share", {}
            )
        if (
            self.min_share is not None
            and self.max_share is not None
            and self.min_share > self.max_share
        ):
            raise PydanticCustomError("E-RANGE", "min_share is above max_share", {})
        return self


class CapacityOverride(Frozen):
    quarter: Quarter
    capacity: NonNegative


class Team(Frozen):
    """A delivery team with ``capacity`` per quarter (e.g. FTE), overridable per quarter."""

    id: Id
    name: str | None = None
    capacity: NonNegative
    by_quarter: tuple[CapacityOverride, ...] = ()

    def capacity_in(self, quarter: str) -> float:
        for o in self.by_quarter:
            if o.quarter == quarter:
                return o.capacity
        return self.capacity


CarryOver = Literal["none", "fiscal-year", "horizon"]


class Policy(Frozen):
    """The PMO's rules. ``carry_over``: unspent budget moves to later quarters of the same
    fiscal year (``fiscal-year``), of the whole horizon (``horizon``), or lapses (``none``).
    ``confidence``: plan so that every fiscal-year budget line holds at once with at least
    this probability under the cost ranges (a management reserve; none or 0: plan on the
    estimates alone). See docs/optimize.md, "Planning to a confidence"."""

    carry_over: CarryOver = "none"
    guardrails: tuple[Guardrail, ...] = ()
    teams: tuple[Team, ...] = ()
    confidence: float | None = Field(default=None, ge=0, le=1)

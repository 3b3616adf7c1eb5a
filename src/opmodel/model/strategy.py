"""Strategy and the voice of the customer: objectives with KPIs, segments, expectations."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .base import Entity, Frozen, Id, IdList, NonNegative, Quantity


class Kpi(Entity):
    unit: str | None = None
    baseline: Quantity | None = None
    target: Quantity | None = None
    direction: Literal["up", "down"] = "up"


class ObjectiveLink(Frozen):
    """This objective is moved by ``capability`` with ``strength`` 1 (weak) to 3 (strong)."""

    capability: Id
    strength: int = Field(ge=1, le=3)


class Objective(Entity):
    weight: NonNegative
    kpis: tuple[Kpi, ...] = ()
    links: tuple[ObjectiveLink, ...] = ()


class Segment(Entity):
    """A customer segment."""


class Expectation(Frozen):
    """What a customer segment expects, how much it matters, and where we can act on it."""

    id: Id
    segment: Id
    statement: str = Field(min_length=1)
    importance: int = Field(ge=1, le=5)
    stage: Id
    capabilities: IdList = ()

"""The business value chain: stages, business units and the capabilities placed on them."""

from __future__ import annotations

from pydantic import Field

from .base import MAX_AMOUNT, Entity, Id


class Stage(Entity):
    """A step of how the company serves its customers, ordered left to right."""

    order: int


class BusinessUnit(Entity):
    """A business unit delivering the same services through the same value chain.

    ``weight`` (e.g. revenue share) scales its gaps; units without one count as the largest.
    """

    weight: float | None = Field(default=None, gt=0, le=MAX_AMOUNT)


class Capability(Entity):
    """What the business must be able to do, placed on a stage; ``parent`` builds L1–L3."""

    stage: Id
    parent: Id | None = None

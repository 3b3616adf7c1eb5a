"""Applications (tools and technologies) serving capabilities in business units."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .base import Entity, Frozen, Id, IdList, NonNegative, Quarter

Lifecycle = Literal["plan", "active", "phase-out", "retired"]
Fit = int


class Application(Entity):
    """An application used by ``business_units`` to support ``capabilities``.

    Fit is scored 1 (poor) to 4 (excellent); ``annual_run_cost`` is in the model's currency
    unit (thousands, by convention). A fit may be left out (None): the application is then
    *not assessed* — it still counts where it is used, but has no TIME quadrant until both
    fits are surveyed (an application imported from a repository that never scored them).
    """

    business_units: IdList = ()
    capabilities: IdList = ()
    annual_run_cost: NonNegative = 0.0
    functional_fit: int | None = Field(default=None, ge=1, le=4)
    technical_fit: int | None = Field(default=None, ge=1, le=4)
    lifecycle: Lifecycle = "active"
    active_from: Quarter | None = None
    phase_out_from: Quarter | None = None
    retire_by: Quarter | None = None
    vendor: str | None = None

    @property
    def fit_assessed(self) -> bool:
        """Both fits are known (else the TIME quadrant is "not assessed")."""
        return self.functional_fit is not None and self.technical_fit is not None


class ApplicationFit(Frozen):
    """A business unit's own fit scores for an application, where they differ from its default."""

    application: Id
    business_unit: Id
    functional_fit: int | None = Field(default=None, ge=1, le=4)
    technical_fit: int | None = Field(default=None, ge=1, le=4)

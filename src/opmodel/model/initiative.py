"""Initiatives: the investment proposals the portfolio office decides on."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator
from pydantic_core import PydanticCustomError

from .base import Entity, Frozen, Id, IdList, NonNegative, Quarter

Kind = Literal["run", "grow", "transform"]
KINDS: tuple[Kind, ...] = ("run", "grow", "transform")
Status = Literal["proposed", "approved", "in-flight", "done", "cancelled", "rejected",
                 "deferred"]
STATUSES: tuple[Status, ...] = ("proposed", "approved", "in-flight", "done", "cancelled",
                                "rejected", "deferred")


class Effect(Frozen):
    """Raises ``capability`` by ``uplift`` maturity points in ``business_units`` (empty: all)."""

    capability: Id
    business_units: IdList = ()
    uplift: float = Field(gt=0, le=5)


class CostRange(Frozen):
    """Three-point estimate of the total cost, for Monte Carlo cost risk."""

    low: NonNegative
    likely: NonNegative | None = None
    high: NonNegative

    @model_validator(mode="after")
    def _ordered(self) -> CostRange:
        likely = self.low if self.likely is None else self.likely
        if not self.low <= likely <= self.high:
            raise PydanticCustomError(
                "E-RANGE", "cost range must satisfy low ≤ likely ≤ high", {}
            )
        return self


class TeamDemand(Frozen):
    """Capacity the initiative takes from ``team`` in each quarter it runs."""

    team: Id
    amount: NonNegative


class Initiative(Entity):
    """An investment proposal.

    Cost is either ``cost`` (total, spread evenly over ``duration`` quarters) or
    ``cost_profile`` (one amount per quarter of the duration). ``earliest_start`` equal to
    ``latest_start`` fixes the start. ``deadline`` is the last quarter the work may run in.
    ``direct_value`` is an annual benefit not captured by capability gaps (currency units);
    ``added_run_cost`` the annual run cost of what it brings in (licences, hosting), which
    offsets its value once delivered.

    ``status`` (with ``start``, ``finished``, ``deferred_until``) is the *baseline* state
    before any decision in decisions.yaml — for work that predates the record, e.g. an
    imported portfolio. The current status is derived by replaying the decisions
    (:func:`opmodel.model.lifecycle.lifecycle`). ``start`` is the decided start (approved)
    or the quarter work began (in-flight, done).
    """

    owner: Id
    kind: Kind
    pool: Id = "enterprise"
    duration: int = Field(ge=1, le=40)
    cost: NonNegative | None = None
    cost_profile: tuple[NonNegative, ...] | None = None
    cost_range: CostRange | None = None
    earliest_start: Quarter | None = None
    latest_start: Quarter | None = None
    deadline: Quarter | None = None
    direct_value: NonNegative = 0.0
    added_run_cost: NonNegative = 0.0
    effects: tuple[Effect, ...] = ()
    retires: IdList = ()
    depends_on: IdList = ()
    excludes: IdList = ()
    mandatory: bool = False
    forbidden: bool = False
    architecture_fit: float | None = Field(default=None, ge=0, le=1)
    team_demand: tuple[TeamDemand, ...] = ()
    status: Status = "proposed"
    start: Quarter | None = None
    finished: Quarter | None = None
    deferred_until: Quarter | None = None

    @model_validator(mode="after")
    def _cost_given(self) -> Initiative:
        if self.cost is None and self.cost_profile is None:
            raise PydanticCustomError(
                "E-MISSING", "an initiative needs a cost or a cost_profile", {}
            )
        if self.status in ("approved", "in-flight", "done") and self.start is None:
            raise PydanticCustomError(
                "E-MISSING", "an initiative with status {status} needs its start quarter",
                {"status": self.status})
        if self.status == "deferred" and self.deferred_until is None:
            raise PydanticCustomError(
                "E-MISSING", "a deferred initiative needs deferred_until", {})
        return self

    @property
    def profile(self) -> tuple[float, ...]:
        """Spend per quarter of the duration (the even split of ``cost`` when no profile)."""
        if self.cost_profile is not None:
            return self.cost_profile
        assert self.cost is not None
        return (self.cost / self.duration,) * self.duration

    @property
    def total_cost(self) -> float:
        return float(sum(self.profile)) if self.cost_profile is not None else float(self.cost or 0)

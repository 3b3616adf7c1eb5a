"""The ``Enterprise`` aggregate: one frozen snapshot of a whole model, with lookups by id."""

from __future__ import annotations

from collections.abc import Iterable
from difflib import get_close_matches
from fractions import Fraction
from functools import cached_property
from typing import Annotated, Any, Literal, TypeVar

from pydantic import BeforeValidator, Field, model_validator
from pydantic_core import PydanticCustomError

from ..errors import UnknownIdError
from .application import Application, ApplicationFit
from .assessment import Assessment
from .base import MAX_AMOUNT, Frozen, Quantity, Quarter
from .decision import Actual, AssessmentRecord, Decision
from .funding import Budget, Policy
from .initiative import Initiative
from .quarter import add_quarters, quarter_index
from .strategy import Expectation, Objective, ObjectiveLink, Segment
from .usage import Usage
from .value_chain import BusinessUnit, Capability, Stage

CRITERIA = ("customer", "strategic", "pain")
Criterion = Literal["customer", "strategic", "pain"]


class Horizon(Frozen):
    """The planning horizon: ``quarters`` consecutive quarters from ``start``."""

    start: Quarter
    quarters: int = Field(ge=4, le=12)

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(add_quarters(self.start, k) for k in range(self.quarters))

    @property
    def end(self) -> str:
        return add_quarters(self.start, self.quarters - 1)

    def index(self, quarter: str) -> int:
        """Position of ``quarter`` in the horizon (0 = start); may be outside 0..quarters−1."""
        return quarter_index(quarter) - quarter_index(self.start)

    def contains(self, quarter: str) -> bool:
        return 0 <= self.index(quarter) < self.quarters


def _fraction(v: Any) -> Any:
    """AHP judgements may be written as fractions: ``1/3``."""
    if isinstance(v, str):
        try:
            return float(Fraction(v.strip()))
        except (ValueError, ZeroDivisionError, OverflowError):  # (1e999: no float)
            raise PydanticCustomError(
                "E-TYPE", "'{value}' is not a number or a fraction like 1/3", {"value": v}
            ) from None
    return v


Judgement = Annotated[Quantity, BeforeValidator(_fraction)]


class Ahp(Frozen):
    """Pairwise comparisons of the scoring criteria: ``matrix[i][j]`` says how much more
    criterion i matters than j (Saaty's 1–9 scale); the matrix must be reciprocal."""

    criteria: tuple[Criterion, ...] = CRITERIA
    matrix: tuple[tuple[Judgement, ...], ...]


class Weights(Frozen):
    customer: float = Field(ge=0, le=1)
    strategic: float = Field(ge=0, le=1)
    pain: float = Field(ge=0, le=1)

    @model_validator(mode="after")
    def _sum_one(self) -> Weights:
        total = self.customer + self.strategic + self.pain
        if abs(total - 1.0) > 1e-6:
            raise PydanticCustomError(
                "E-RANGE", "scoring weights must sum to 1 (they sum to {total})",
                {"total": round(total, 6)},
            )
        return self


class Scoring(Frozen):
    """How gaps are weighted: ω given directly (``weights``) or derived from ``ahp``.

    ``point_value`` converts value to money: what closing one fully weighted maturity point
    is worth per year, in the model's currency unit. It lets the optimizer add direct value
    and run-cost savings to capability value.
    """

    weights: Weights | None = None
    ahp: Ahp | None = None
    point_value: float = Field(default=100.0, gt=0, le=MAX_AMOUNT)

    @model_validator(mode="after")
    def _one_source(self) -> Scoring:
        if (self.weights is None) == (self.ahp is None):
            raise PydanticCustomError(
                "E-MISSING", "scoring needs exactly one of 'weights' or 'ahp'", {}
            )
        return self


T = TypeVar("T")


def _index(items: Iterable[T], key: str = "id") -> dict[str, T]:
    out: dict[str, T] = {}
    for item in items:
        out.setdefault(getattr(item, key), item)  # first wins; duplicates are validation errors
    return out


class Enterprise(Frozen):
    """A whole model: settings plus every table, in file order.

    Lookups by id (``capability("crm")``) raise :class:`~opmodel.errors.UnknownIdError` with a
    "did you mean" hint. Build one with :func:`opmodel.load` or directly from entities.
    """

    name: str
    description: str | None = None
    currency: str = "EUR"
    unit: str = "thousands"
    horizon: Horizon
    fiscal_year_start: int = Field(default=1, ge=1, le=4)
    scoring: Scoring
    business_units: tuple[BusinessUnit, ...] = ()
    stages: tuple[Stage, ...] = ()
    capabilities: tuple[Capability, ...] = ()
    objectives: tuple[Objective, ...] = ()
    segments: tuple[Segment, ...] = ()
    expectations: tuple[Expectation, ...] = ()
    assessments: tuple[Assessment, ...] = ()
    applications: tuple[Application, ...] = ()
    application_fits: tuple[ApplicationFit, ...] = ()
    usage: tuple[Usage, ...] = ()
    initiatives: tuple[Initiative, ...] = ()
    budgets: tuple[Budget, ...] = ()
    policy: Policy = Policy()
    decisions: tuple[Decision, ...] = ()
    actuals: tuple[Actual, ...] = ()
    assessment_history: tuple[AssessmentRecord, ...] = ()

    def model_copy(self, *, update: dict[str, Any] | None = None, deep: bool = False
                   ) -> Enterprise:
        """A copy with ``update`` applied; indexes are rebuilt (never copied stale)."""
        copy = super().model_copy(update=update, deep=deep)
        for name, attr in vars(Enterprise).items():
            if isinstance(attr, cached_property):
                copy.__dict__.pop(name, None)
        return copy

    # -- indexes -------------------------------------------------------------------------
    @cached_property
    def _by_id(self) -> dict[str, dict[str, Any]]:
        return {
            "business unit": _index(self.business_units),
            "stage": _index(self.stages),
            "capability": _index(self.capabilities),
            "objective": _index(self.objectives),
            "segment": _index(self.segments),
            "expectation": _index(self.expectations),
            "application": _index(self.applications),
            "initiative": _index(self.initiatives),
            "team": _index(self.policy.teams),
        }

    def ids(self, kind: str) -> dict[str, Any]:
        """All entities of ``kind`` ("capability", "business unit", …) keyed by id."""
        return self._by_id[kind]

    def get(self, kind: str, id_: str) -> Any:
        table = self._by_id[kind]
        try:
            return table[id_]
        except KeyError:
            close = get_close_matches(id_, list(table), n=1)
            raise UnknownIdError(
                kind, id_, hint=f"did you mean '{close[0]}'?" if close else None
            ) from None

    def business_unit(self, id_: str) -> BusinessUnit:
        return self.get("business unit", id_)

    def stage(self, id_: str) -> Stage:
        return self.get("stage", id_)

    def capability(self, id_: str) -> Capability:
        return self.get("capability", id_)

    def objective(self, id_: str) -> Objective:
        return self.get("objective", id_)

    def segment(self, id_: str) -> Segment:
        return self.get("segment", id_)

    def application(self, id_: str) -> Application:
        return self.get("application", id_)

    def initiative(self, id_: str) -> Initiative:
        return self.get("initiative", id_)

    @cached_property
    def _assessment_index(self) -> dict[tuple[str, str], Assessment]:
        return {(a.capability, a.business_unit): a for a in self.assessments}

    def assessment(self, capability: str, business_unit: str) -> Assessment | None:
        """The assessment of a capability in a unit, or None when nobody assessed it."""
        return self._assessment_index.get((capability, business_unit))

    # -- derived views -------------------------------------------------------------------
    @property
    def ordered_stages(self) -> tuple[Stage, ...]:
        return tuple(sorted(self.stages, key=lambda s: (s.order, s.id)))

    @property
    def objective_links(self) -> tuple[tuple[str, ObjectiveLink], ...]:
        """Every (objective id, link) pair."""
        return tuple((o.id, link) for o in self.objectives for link in o.links)

    def children(self, capability: str) -> tuple[Capability, ...]:
        return tuple(c for c in self.capabilities if c.parent == capability)

    def capability_level(self, capability: str) -> int:
        """1 for a top-level capability, 2 for its children, and so on."""
        level, seen, cur = 1, {capability}, self.capability(capability)
        while cur.parent is not None and cur.parent not in seen:
            seen.add(cur.parent)
            level += 1
            cur = self.capability(cur.parent)
        return level

    @property
    def pools(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(b.pool for b in self.budgets))

    @property
    def quarters(self) -> tuple[str, ...]:
        return self.horizon.labels

    def quarter_position(self, quarter: str) -> int:
        return self.horizon.index(quarter)

    def summary(self) -> dict[str, int]:
        """Counts of every table, for a quick look."""
        return {
            "business units": len(self.business_units),
            "stages": len(self.stages),
            "capabilities": len(self.capabilities),
            "objectives": len(self.objectives),
            "KPIs": sum(len(o.kpis) for o in self.objectives),
            "segments": len(self.segments),
            "expectations": len(self.expectations),
            "assessments": len(self.assessments),
            "applications": len(self.applications),
            "usage rows": len(self.usage),
            "initiatives": len(self.initiatives),
            "budget lines": len(self.budgets),
            "teams": len(self.policy.teams),
            "guardrails": len(self.policy.guardrails),
        }


def quarter_of(enterprise: Enterprise, position: int) -> str:
    return add_quarters(enterprise.horizon.start, position)


__all__ = ["Ahp", "Enterprise", "Horizon", "Scoring", "Weights", "quarter_index"]

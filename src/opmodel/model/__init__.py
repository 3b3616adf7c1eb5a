"""The metamodel: typed, frozen entities gathered in the :class:`Enterprise` aggregate."""

from .application import Application, ApplicationFit
from .assessment import Assessment
from .base import Entity, Frozen
from .enterprise import Ahp, Enterprise, Horizon, Scoring, Weights
from .funding import Budget, CapacityOverride, Guardrail, Policy, Team
from .initiative import KINDS, CostRange, Effect, Initiative, TeamDemand
from .strategy import Expectation, Kpi, Objective, ObjectiveLink, Segment
from .validate import validate
from .value_chain import BusinessUnit, Capability, Stage

__all__ = [
    "KINDS",
    "Ahp",
    "Application",
    "ApplicationFit",
    "Assessment",
    "Budget",
    "BusinessUnit",
    "Capability",
    "CapacityOverride",
    "CostRange",
    "Effect",
    "Enterprise",
    "Entity",
    "Expectation",
    "Frozen",
    "Guardrail",
    "Horizon",
    "Initiative",
    "Kpi",
    "Objective",
    "ObjectiveLink",
    "Policy",
    "Scoring",
    "Segment",
    "Stage",
    "Team",
    "TeamDemand",
    "Weights",
    "validate",
]

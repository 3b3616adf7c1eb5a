"""The metamodel: typed, frozen entities gathered in the :class:`Enterprise` aggregate."""

from typing import TYPE_CHECKING

from .._lazy import make_lazy
from .application import Application, ApplicationFit
from .assessment import Assessment
from .base import Entity, Frozen
from .decision import ACTIONS, Action, Actual, Against, AssessmentRecord, Decision, Review
from .enterprise import Ahp, Enterprise, Horizon, Scoring, Weights
from .funding import Budget, CapacityOverride, Guardrail, Policy, Team
from .initiative import KINDS, STATUSES, CostRange, Effect, Initiative, Status, TeamDemand
from .strategy import Expectation, Kpi, Objective, ObjectiveLink, Segment
from .usage import Usage
from .validate import validate
from .value_chain import BusinessUnit, Capability, Stage

if TYPE_CHECKING:
    from .lifecycle import InitiativeState, Lifecycle, lifecycle

# The decisions' lifecycle loads on first use (opmodel/_lazy.py): a model without decisions
# or actuals is read and planned without it.
make_lazy(__name__, {"InitiativeState": "lifecycle", "Lifecycle": "lifecycle",
                     "lifecycle": "lifecycle"})

__all__ = [
    "ACTIONS",
    "KINDS",
    "STATUSES",
    "Action",
    "Actual",
    "Against",
    "Ahp",
    "Application",
    "ApplicationFit",
    "Assessment",
    "AssessmentRecord",
    "Budget",
    "BusinessUnit",
    "Capability",
    "CapacityOverride",
    "CostRange",
    "Decision",
    "Effect",
    "Enterprise",
    "Entity",
    "Expectation",
    "Frozen",
    "Guardrail",
    "Horizon",
    "Initiative",
    "InitiativeState",
    "Kpi",
    "Lifecycle",
    "Objective",
    "ObjectiveLink",
    "Policy",
    "Review",
    "Scoring",
    "Segment",
    "Stage",
    "Status",
    "Team",
    "TeamDemand",
    "Usage",
    "Weights",
    "lifecycle",
    "validate",
]

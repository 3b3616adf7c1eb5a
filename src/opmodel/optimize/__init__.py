"""Funding (DESIGN §3): the portfolio optimizer and what surrounds it (docs/optimize.md).

- :func:`optimize` — the value-maximizing funded schedule (HiGHS MILP), with the ranked-list
  and funding-driven baselines priced beside it; returns a :class:`Plan`
- :class:`SolveOptions` — time limit, relative gap, threads, seed, warm start
- :func:`explain` / :func:`explain_all` — why each initiative is in or out
- :func:`frontier` — value against budget scale, solved in parallel processes
- :func:`cost_risk` — Monte Carlo overrun probabilities, P50/P80 spend, value at risk, and
  the probability the plan stays within every fiscal-year budget line
- :func:`plan_to_confidence` — the plan that stays within budget with a stated probability
  (a management reserve), with the value that confidence gives up
- :func:`roadmap` — Gantt, spend against budget, mix, capability plateaus per quarter
- :func:`diff` — what changes between two plans (e.g. two scenarios)
- :func:`build_instance`, :func:`evaluate` — the arrays the optimizer reads, and the value
  of any schedule under the value model
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import make_lazy

if TYPE_CHECKING:
    from .baselines import FUNDING, RANKED, Baseline
    from .confidence import Confidence, plan_to_confidence
    from .diff import PlanDiff, diff
    from .explain import Explanation, explain, explain_all
    from .frontier import Frontier, FrontierPoint, frontier
    from .instance import END_QUARTERS, Instance, build_instance
    from .optimizer import optimize
    from .plan import Plan
    from .risk import CostRisk, cost_risk
    from .roadmap import Roadmap, roadmap
    from .solve import PROVEN_GAP, Progress, SolveOptions
    from .value import Evaluation, evaluate, violations

# Each name is imported from its submodule on first use (opmodel/_lazy.py): a command that
# needs one part does not pay for the others at start-up.
_LAZY = {
    "Baseline": "baselines",
    "Confidence": "plan",  # defined beside Plan; confidence.py re-exports it
    "CostRisk": "risk",
    "END_QUARTERS": "instance",
    "Evaluation": "value",
    "Explanation": "explain",
    "FUNDING": "baselines",
    "Frontier": "frontier",
    "FrontierPoint": "frontier",
    "Instance": "instance",
    "PROVEN_GAP": "solve",
    "Plan": "plan",
    "PlanDiff": "diff",
    "Progress": "solve",
    "RANKED": "baselines",
    "Roadmap": "roadmap",
    "SolveOptions": "solve",
    "build_instance": "instance",
    "cost_risk": "risk",
    "diff": "diff",
    "evaluate": "value",
    "explain": "explain",
    "explain_all": "explain",
    "frontier": "frontier",
    "optimize": "optimizer",
    "plan_to_confidence": "confidence",
    "roadmap": "roadmap",
    "violations": "value",
}
make_lazy(__name__, _LAZY)

__all__ = [
    "END_QUARTERS", "FUNDING", "PROVEN_GAP", "RANKED", "Baseline", "Confidence", "CostRisk",
    "Evaluation",
    "Explanation", "Frontier", "FrontierPoint", "Instance", "Plan", "PlanDiff", "Progress",
    "Roadmap", "SolveOptions", "build_instance", "cost_risk", "diff", "evaluate", "explain",
    "explain_all", "frontier", "optimize", "plan_to_confidence", "roadmap", "violations",
]

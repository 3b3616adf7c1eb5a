"""What the report holds: the options it is computed with, the analysis, and the plan with
everything around it. Built first (:func:`opmodel.report.build.compute`), then stated in
words (:mod:`.findings`), laid out as tables (:mod:`.tables`) and rendered — to HTML
(:mod:`.html`, one partial per section of :mod:`.sections`), to the workbook
(:mod:`.workbook`) and to charts (:mod:`.specs`, drawn to files by :mod:`.exports`).

The flow is one way: this module imports nothing of the report, and no renderer imports
another (``tests/test_architecture.py`` checks both)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..errors import InputError

if TYPE_CHECKING:
    from ..analysis import (
        GapTable,
        HeatMap,
        HomogeneityResult,
        Scores,
        StabilityResult,
        TimeResult,
        WeightsResult,
    )
    from ..model import Enterprise
    from ..optimize import Plan, SolveOptions
    from ..optimize.explain import Explanation
    from ..optimize.frontier import Frontier
    from ..optimize.risk import CostRisk
    from ..optimize.roadmap import Roadmap

ProgressFn = Callable[[str, float, float | None], None]
"""``progress(step, done, total)``: called as a step advances; ``total`` None = unknown."""

DEMO_FRONTIER = (0.6, 0.8, 1.2, 1.4)
"""Budget scales solved for the frontier besides today's budget (1.0 is the plan itself)."""


@dataclass(frozen=True)
class ReportOptions:
    """How the report is computed and what is written.

    ``time_limit`` and ``mip_gap`` bound the main solve; ``frontier_scales`` are the budget
    scales solved for the efficient frontier besides today's (empty: no frontier), each
    with ``frontier_time_limit`` and ``frontier_gap``, ``processes`` at a time.
    ``charts`` writes every chart as PNG and SVG beside the report.
    """

    time_limit: float = 60.0
    mip_gap: float = 1e-4
    seed: int = 0
    threads: int | None = None
    frontier_scales: tuple[float, ...] = DEMO_FRONTIER
    frontier_time_limit: float = 10.0
    frontier_gap: float = 0.01
    risk_draws: int = 10_000
    stability_draws: int = 500
    charts: bool = True
    processes: int = 2
    command: str | None = None
    """The command line that reproduces the report (shown in the appendix)."""

    def __post_init__(self) -> None:
        if any(s <= 0 for s in self.frontier_scales):
            raise InputError("frontier budget scales must be positive",
                             hint="e.g. --frontier 0.6,0.8,1.2,1.4")
        if self.risk_draws < 1:
            raise InputError(f"risk draws must be at least 1 (got {self.risk_draws})")
        if self.processes < 1:
            raise InputError(f"processes must be at least 1 (got {self.processes})")

    def solve_options(self) -> SolveOptions:
        from ..optimize import SolveOptions

        return SolveOptions(time_limit=self.time_limit, mip_gap=self.mip_gap,
                            threads=self.threads, seed=self.seed)


@dataclass(frozen=True)
class Analysis:
    """The analysis step's results: all the heat maps, gap, consolidation, TIME and
    stability charts need, available before the optimizer starts."""

    enterprise: Enterprise
    scores: Scores
    weights: WeightsResult
    stage_map: HeatMap
    capability_map: HeatMap
    gaps: GapTable
    """Every cell with a gap, hottest first."""
    homogeneity: HomogeneityResult
    time: TimeResult
    stability: StabilityResult

    @property
    def money_unit(self) -> str:
        e = self.enterprise
        return f"{e.currency} {e.unit}"


@dataclass(frozen=True)
class ReportData:
    """Everything the report shows, computed once and shared by HTML, workbook and charts:
    the :class:`Analysis` (held, not copied), the plan and what surrounds it."""

    analysis: Analysis
    scenario: str | None
    options: ReportOptions
    plan: Plan
    explanations: tuple[Explanation, ...]
    roadmap: Roadmap | None
    frontier: Frontier | None
    risk: CostRisk | None
    generated: str
    command: str
    version: str
    timings: dict[str, float] = field(default_factory=dict)
    since: dict[str, Any] | None = None
    """The "Since last quarter" section (report/cycle_section.py), when the model has a
    decided cycle or actuals."""

    @property
    def enterprise(self) -> Enterprise:
        """The model planned (under the scenario, if any)."""
        return self.analysis.enterprise

    @property
    def money_unit(self) -> str:
        return self.analysis.money_unit

    @property
    def total_budget(self) -> float:
        return float(sum(b.amount for b in self.enterprise.budgets))

    def frontier_rows(self) -> list[dict[str, Any]]:
        """The frontier's points (today's budget is this report's own plan)."""
        return [] if self.frontier is None else self.frontier.to_rows()


__all__ = ["DEMO_FRONTIER", "Analysis", "ProgressFn", "ReportData", "ReportOptions"]

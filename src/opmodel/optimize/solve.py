"""The one choke point between opmodel and HiGHS.

:func:`run_highs` passes an assembled :class:`~opmodel.optimize.formulation.Milp` to HiGHS
in one ``passModel`` call, solves it, and turns HiGHS's own model status into either a
:class:`SolverRun` or an :class:`~opmodel.errors.OptimizationError` — here and nowhere else.
The status is honest: ``"optimal"`` only when HiGHS proved optimality within
:data:`PROVEN_GAP`; otherwise ``"feasible"`` with the remaining gap to the proven bound.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from ..errors import InfeasibleError, SolverError
from .formulation import Milp

PROVEN_GAP = 1e-4
"""Largest relative gap still called "optimal" (HiGHS's default ``mip_rel_gap``)."""

Status = Literal["optimal", "feasible"]


@dataclass(frozen=True)
class SolveOptions:
    """How hard to try. ``mip_gap`` is the relative gap at which HiGHS may stop early;
    ``threads`` None leaves HiGHS's default; ``seed`` fixes HiGHS's random choices."""

    time_limit: float = 60.0
    mip_gap: float = PROVEN_GAP
    threads: int | None = None
    seed: int = 0
    warm_start: bool = True

    def __post_init__(self) -> None:
        if not self.time_limit > 0:
            raise SolverError(f"time limit must be positive (got {self.time_limit})",
                              hint="give --time-limit in seconds, e.g. 60")
        if not 0 <= self.mip_gap < 1:
            raise SolverError(f"gap must be in [0, 1) (got {self.mip_gap})",
                              hint="give --gap as a fraction, e.g. 0.01 for 1 %")
        if self.threads is not None and self.threads < 1:
            raise SolverError(f"threads must be at least 1 (got {self.threads})")


@dataclass(frozen=True)
class Progress:
    """A snapshot while solving: best plan so far, proven bound, relative gap, seconds."""

    time: float
    incumbent: float | None
    bound: float | None
    gap: float | None


@dataclass(frozen=True)
class SolverRun:
    status: Status
    solver_status: str
    x: np.ndarray
    objective: float
    bound: float
    gap: float
    time: float
    nodes: int


_STOPPED = {"kTimeLimit": "the time limit", "kIterationLimit": "the iteration limit",
            "kSolutionLimit": "the solution limit", "kInterrupt": "an interrupt",
            "kHighsInterrupt": "an interrupt", "kMemoryLimit": "the memory limit",
            "kObjectiveBound": "the objective bound", "kObjectiveTarget": "the objective target",
            "kUnknown": "an unknown condition"}


def relative_gap(objective: float, bound: float) -> float:
    """(bound − objective) / |objective| for a maximization, 0 when both are 0."""
    if not np.isfinite(bound):
        return float("inf")
    diff = max(0.0, bound - objective)
    if diff <= 1e-9 * max(1.0, abs(bound)):
        return 0.0
    return diff / max(abs(objective), 1e-9)


def run_highs(milp: Milp, options: SolveOptions, start: np.ndarray | None = None,
              progress: Callable[[Progress], None] | None = None,
              minimize: bool = False) -> SolverRun:
    """Solve ``milp`` (maximize, or minimize its cost when ``minimize``) with HiGHS."""
    t0 = time.perf_counter()
    if milp.n_cols == 0:
        return SolverRun("optimal", "kModelEmpty", np.zeros(0), 0.0, 0.0, 0.0,
                         time.perf_counter() - t0, 0)
    import highspy

    h = _quiet_highs()
    h.setOptionValue("time_limit", float(options.time_limit))
    h.setOptionValue("mip_rel_gap", float(options.mip_gap))
    h.setOptionValue("random_seed", int(options.seed))
    _use_threads(h, options.threads)
    sense = 1 if minimize else -1
    status = h.passModel(
        milp.n_cols, milp.n_rows, milp.nnz, 2, sense, float(milp.offset),
        np.ascontiguousarray(milp.cost, dtype=np.float64),
        np.ascontiguousarray(milp.lower, dtype=np.float64),
        np.ascontiguousarray(milp.upper, dtype=np.float64),
        np.ascontiguousarray(milp.row_lower, dtype=np.float64),
        np.ascontiguousarray(milp.row_upper, dtype=np.float64),
        np.ascontiguousarray(milp.start[:-1], dtype=np.int32),
        np.ascontiguousarray(milp.index, dtype=np.int32),
        np.ascontiguousarray(milp.value, dtype=np.float64),
        np.ascontiguousarray(milp.integrality, dtype=np.int32),
    )
    if status == highspy.HighsStatus.kError:
        raise SolverError("HiGHS rejected the model", hint="report this as a bug with the model")
    if start is not None and len(start) == milp.n_cols:
        h.setSolution(milp.n_cols, np.arange(milp.n_cols, dtype=np.int32),
                      np.ascontiguousarray(start, dtype=np.float64))
    if progress is not None:
        _subscribe(h, progress)
    h.run()
    elapsed = time.perf_counter() - t0
    model_status = h.getModelStatus()
    name = model_status.name if hasattr(model_status, "name") else str(model_status)
    name = name.split(".")[-1]
    info = h.getInfo()
    has_solution = int(info.primal_solution_status) == 2  # kSolutionStatusFeasible

    if name in ("kInfeasible", "kUnboundedOrInfeasible"):
        raise InfeasibleError("no plan satisfies every rule of the model",
                              hint="see the conflicting rules listed above")
    if name == "kOptimal" or (name in _STOPPED and has_solution):
        x = np.asarray(h.getSolution().col_value, dtype=float)
        obj = float(info.objective_function_value)
        bound = float(info.mip_dual_bound)
        if not np.isfinite(bound):
            bound = float("inf") if not minimize else float("-inf")
        gap = relative_gap(obj, bound) if not minimize else relative_gap(-obj, -bound)
        if name == "kOptimal" and not np.isfinite(gap):
            gap = 0.0
        proven = name == "kOptimal" and gap <= PROVEN_GAP + 1e-12
        return SolverRun("optimal" if proven else "feasible", name, x, obj, bound, gap, elapsed,
                         int(info.mip_node_count))
    if name in _STOPPED:
        raise SolverError(f"HiGHS stopped at {_STOPPED[name]} after {elapsed:.1f} s without "
                          "finding any feasible plan",
                          hint="raise --time-limit, or loosen the rules that bind most")
    raise SolverError(f"HiGHS failed with status {name}",
                      hint="report this as a bug, with the model folder")


_UNSET = -1
_pool_threads = _UNSET  # the threads setting HiGHS's process-wide pool was built with


def _use_threads(h: Any, threads: int | None) -> None:
    """Apply ``threads`` (None: HiGHS's default). HiGHS keeps one thread pool per process
    and fails to run with another size once it exists, so a change resets the pool."""
    global _pool_threads
    if _pool_threads not in (_UNSET, threads):
        h.resetGlobalScheduler(True)
    if threads is not None:
        h.setOptionValue("threads", int(threads))
    _pool_threads = threads


def _quiet_highs() -> Any:
    """A ``highspy.Highs`` that prints nothing, not even the banner.

    ``Highs()`` prints its banner when it installs its callback hook, before any option can
    be set; this builds the same object with ``output_flag`` off first. Falls back to the
    plain constructor if highspy's internals change.
    """
    import highspy

    try:
        from highspy.highs import HighsCallback, cb

        class _Quiet(highspy.Highs):  # type: ignore[misc]
            def __init__(self) -> None:
                highspy._core._Highs.__init__(self)
                self.setOptionValue("output_flag", False)
                n = int(cb.HighsCallbackType.kCallbackMax) + 1
                self.callbacks = [HighsCallback(cb.HighsCallbackType(k), self) for k in range(n)]
                self.enableCallbacks()

        h = _Quiet()
    except (AttributeError, ImportError, TypeError):  # pragma: no cover - other highspy
        h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    return h


def _subscribe(h: object, progress: Callable[[Progress], None]) -> None:
    """Report incumbent, bound and gap at most every 0.25 s through ``progress``."""
    last = [0.0]

    def report(event: object) -> None:
        out = event.data_out  # type: ignore[attr-defined]
        now = float(out.running_time)
        if now - last[0] < 0.25:
            return
        last[0] = now
        inc = float(out.mip_primal_bound)
        bnd = float(out.mip_dual_bound)
        inc_ok = np.isfinite(inc) and abs(inc) < 1e50
        bnd_ok = np.isfinite(bnd) and abs(bnd) < 1e50
        gap = relative_gap(inc, bnd) if inc_ok and bnd_ok else None
        progress(Progress(now, inc if inc_ok else None, bnd if bnd_ok else None, gap))

    h.cbMipInterrupt.subscribe(report)  # type: ignore[attr-defined]

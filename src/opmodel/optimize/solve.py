"""The one choke point between opmodel and HiGHS.

:func:`run_highs` passes an assembled :class:`~opmodel.optimize.formulation.Milp` to HiGHS
in one ``passModel`` call, solves it, and turns HiGHS's own model status into either a
:class:`SolverRun` or an :class:`~opmodel.errors.OptimizationError` — here and nowhere else.
The status is honest: ``"optimal"`` only when HiGHS proved optimality within
:data:`PROVEN_GAP`; otherwise ``"feasible"`` with the remaining gap to the proven bound.

Small models go to HiGHS in the form with start columns (:data:`START_COLUMNS`); the vector
handed back has the caller's columns.

HiGHS's word is checked, not taken: the objective reported is recomputed from the column
vector it returns. With a starting plan (``setSolution``) HiGHS 1.16 can credit that plan a
higher objective in its presolved space than the plan is worth, prune the whole tree with
it, stop "optimal" and hand back the starting plan itself. When the returned vector is not
worth what HiGHS says, the model is solved once more without the starting plan, and the
better of the two vectors is kept with its own objective and a bound HiGHS did prove.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from ..errors import InfeasibleError, InputError, SolverError
from .formulation import Milp

PROVEN_GAP = 1e-4
"""Largest relative gap still called "optimal" (HiGHS's default ``mip_rel_gap``)."""

AGREE = 1e-6
"""Relative tolerance within which HiGHS's objective must match the vector it returns."""

SMALL_MODEL = 1000
"""Binaries up to which a model counts as small (Acme has about 230): see :data:`SMALL_OPTIONS`."""

SMALL_OPTIONS: dict[str, Any] = {
    "mip_heuristic_run_rins": False,
    "mip_heuristic_run_rens": False,
    "mip_allow_cut_separation_at_nodes": False,
}
"""HiGHS settings for small models (``SolveOptions.fast``). On models of a few hundred
binaries the tree is cheap and HiGHS's sub-MIP heuristics (RINS, RENS) and cuts separated
at every node cost more than they save: on Acme at four budget scales and three generated
models (187–394 binaries) they took 30–40 % less CPU to the same plans (docs/benchmarks.md,
"What-if solve"). Larger models keep HiGHS's defaults."""

SMALL_THREADS: int | None = 1
"""HiGHS threads for small models when ``SolveOptions.threads`` is not given. HiGHS 1.16
otherwise runs a second search worker, which on these models costs more CPU than it
saves wall time (docs/benchmarks.md, "What-if solve")."""

START_COLUMNS = True
"""Whether small models (``SolveOptions.fast``) go to HiGHS in the form with start columns
(:meth:`~opmodel.optimize.formulation.Milp.with_starts`): the same MILP, a tighter root
bound after HiGHS's cuts (docs/benchmarks.md, "What-if solve")."""

Status = Literal["optimal", "feasible"]


@dataclass(frozen=True)
class SolveOptions:
    """How hard to try. ``mip_gap`` is the relative gap at which HiGHS may stop early;
    ``threads`` None leaves HiGHS's default (on small models :data:`SMALL_THREADS`);
    ``seed`` fixes HiGHS's random choices."""

    time_limit: float = 60.0
    mip_gap: float = PROVEN_GAP
    threads: int | None = None
    seed: int = 0
    warm_start: bool = True
    fast: bool = True
    """Small models get :data:`SMALL_OPTIONS` and the best of several starting plans
    (:func:`~opmodel.optimize.warm.warm_start`); False keeps HiGHS's defaults and the
    ranked list as the starting plan (the reference the speed-ups are tested against)."""

    def __post_init__(self) -> None:
        # a bad option is a bad input (E-INPUT, exit 1), not "no plan" (exit 3)
        if not self.time_limit > 0:
            raise InputError(f"time limit must be positive (got {self.time_limit})",
                             hint="give --time-limit in seconds, e.g. 60")
        if not 0 <= self.mip_gap < 1:
            raise InputError(f"gap must be in [0, 1) (got {self.mip_gap})",
                             hint="give --gap as a fraction, e.g. 0.01 for 1 %")
        if self.threads is not None and self.threads < 1:
            raise InputError(f"threads must be at least 1 (got {self.threads})")


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
    note: str = ""
    """What had to be done beyond one plain solve (empty when nothing)."""
    consistent: bool = True
    """Whether the objective HiGHS reported is that of the vector returned."""


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
    """Solve ``milp`` (maximize, or minimize its cost when ``minimize``) with HiGHS.

    ``objective`` is always the objective of the returned ``x`` (recomputed here); when
    HiGHS reported another one for it, see the module notes: the solve is repeated without
    ``start`` in the time left and ``note`` says so.
    """
    t0 = time.perf_counter()
    n_cols = milp.n_cols
    if START_COLUMNS and not minimize and options.fast and milp.n_z <= SMALL_MODEL:
        milp = milp.with_starts()
        if start is not None and len(start) == n_cols:
            start = milp.lift(start)
    run = _trim(_solve_once(milp, options, start, progress, minimize), n_cols)
    if run.consistent:
        return run
    retry: SolverRun | None = None
    if start is not None:
        left = max(0.1, options.time_limit - (time.perf_counter() - t0))
        try:
            retry = _trim(_solve_once(milp, dataclasses.replace(options, time_limit=left),
                                      None, progress, minimize), n_cols)
        except (InfeasibleError, SolverError):  # the first vector is feasible: keep it
            retry = None
    return _reconcile(run, retry, minimize, time.perf_counter() - t0)


def _trim(run: SolverRun, n_cols: int) -> SolverRun:
    """``run`` with the columns of the MILP the caller passed (the start columns of the
    solver's form dropped: they cost nothing, so the objective stays)."""
    return run if len(run.x) <= n_cols else dataclasses.replace(run, x=run.x[:n_cols])


def _reconcile(first: SolverRun, retry: SolverRun | None, minimize: bool,
               elapsed: float) -> SolverRun:
    """The better vector of an inconsistent solve and its retry, with a bound HiGHS proved.

    The bound of a consistent retry is a proof. Without one, the first run's bound is kept
    (a node pruned by the overrated starting plan is bounded by that rating, so it still
    bounds every plan) but nothing is called optimal on its word alone.
    """
    sign = 1.0 if minimize else -1.0  # sign · objective is minimized
    runs = [first] if retry is None else [first, retry]
    best = min(runs, key=lambda r: sign * r.objective)
    proof = retry if retry is not None and retry.consistent else None
    bound = (proof or first).bound
    # the bound is never below the plan in hand (never above it when minimizing)
    bound = min(bound, best.objective) if minimize else max(bound, best.objective)
    gap = relative_gap(-best.objective, -bound) if minimize else \
        relative_gap(best.objective, bound)
    proven = proof is not None and gap <= PROVEN_GAP + 1e-12
    note = first.note or "HiGHS reported another objective for its plan"
    if retry is not None:
        note += "; solved again without the starting plan"
        if proof is None:
            note += f" ({retry.note or 'which did not agree either'})"
    return SolverRun("optimal" if proven else "feasible", (proof or first).solver_status,
                     best.x, best.objective, bound, gap, elapsed,
                     first.nodes + (retry.nodes if retry is not None else 0), note,
                     consistent=proof is not None)


def _solve_once(milp: Milp, options: SolveOptions, start: np.ndarray | None,
                progress: Callable[[Progress], None] | None, minimize: bool) -> SolverRun:
    """One HiGHS solve; ``consistent`` False when its objective is not that of its vector."""
    t0 = time.perf_counter()
    if milp.n_cols == 0:
        return SolverRun("optimal", "kModelEmpty", np.zeros(0), 0.0, 0.0, 0.0,
                         time.perf_counter() - t0, 0)
    import highspy

    h = _quiet_highs()
    h.setOptionValue("time_limit", float(options.time_limit))
    h.setOptionValue("mip_rel_gap", float(options.mip_gap))
    h.setOptionValue("random_seed", int(options.seed))
    small = options.fast and milp.n_z <= SMALL_MODEL
    _use_threads(h, _threads(milp, options))
    if small:
        for key, value in SMALL_OPTIONS.items():
            h.setOptionValue(key, value)
    sense = 1 if minimize else -1
    status = _pass(h, milp, sense, milp.integrality)
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
        reported = float(info.objective_function_value)
        obj = float(milp.cost @ x) + float(milp.offset)
        consistent = abs(reported - obj) <= AGREE * max(1.0, abs(reported), abs(obj))
        note = "" if consistent else (f"HiGHS reported {reported:,.6g} for a plan worth "
                                      f"{obj:,.6g}")
        bound = float(info.mip_dual_bound)
        if not np.isfinite(bound):
            bound = float("inf") if not minimize else float("-inf")
        gap = relative_gap(obj, bound) if not minimize else relative_gap(-obj, -bound)
        if name == "kOptimal" and not np.isfinite(gap):
            gap = 0.0
        proven = consistent and name == "kOptimal" and gap <= PROVEN_GAP + 1e-12
        return SolverRun("optimal" if proven else "feasible", name, x, obj, bound, gap, elapsed,
                         int(info.mip_node_count), note, consistent)
    if name in _STOPPED:
        raise SolverError(f"HiGHS stopped at {_STOPPED[name]} after {elapsed:.1f} s without "
                          "finding any feasible plan",
                          hint="raise --time-limit, or loosen the rules that bind most")
    raise SolverError(f"HiGHS failed with status {name}",
                      hint="report this as a bug, with the model folder")


def _pass(h: Any, milp: Milp, sense: int, integrality: np.ndarray) -> Any:
    """Hand ``milp`` to ``h`` in one ``passModel`` call."""
    return h.passModel(
        milp.n_cols, milp.n_rows, milp.nnz, 2, sense, float(milp.offset),
        np.ascontiguousarray(milp.cost, dtype=np.float64),
        np.ascontiguousarray(milp.lower, dtype=np.float64),
        np.ascontiguousarray(milp.upper, dtype=np.float64),
        np.ascontiguousarray(milp.row_lower, dtype=np.float64),
        np.ascontiguousarray(milp.row_upper, dtype=np.float64),
        np.ascontiguousarray(milp.start[:-1], dtype=np.int32),
        np.ascontiguousarray(milp.index, dtype=np.int32),
        np.ascontiguousarray(milp.value, dtype=np.float64),
        np.ascontiguousarray(integrality, dtype=np.int32),
    )


def relaxation(milp: Milp, options: SolveOptions) -> np.ndarray | None:
    """The column vector of ``milp``'s LP relaxation (maximized), or None when HiGHS does
    not solve it to optimality. A hint for heuristics only: never a plan or a bound."""
    if milp.n_cols == 0:
        return None
    import highspy

    h = _quiet_highs()
    h.setOptionValue("time_limit", float(options.time_limit))
    h.setOptionValue("random_seed", int(options.seed))
    _use_threads(h, _threads(milp, options))
    if _pass(h, milp, -1, np.zeros(milp.n_cols, dtype=np.int32)) == highspy.HighsStatus.kError:
        return None
    h.run()
    status = h.getModelStatus()
    if (status.name if hasattr(status, "name") else str(status)).split(".")[-1] != "kOptimal":
        return None
    return np.asarray(h.getSolution().col_value, dtype=float)


def _threads(milp: Milp, options: SolveOptions) -> int | None:
    """The threads setting for ``milp``: ``options.threads``, else on small models
    :data:`SMALL_THREADS` (one setting for the LP and the MILP: a change rebuilds the pool)."""
    if options.threads is None and options.fast and milp.n_z <= SMALL_MODEL:
        return SMALL_THREADS
    return options.threads


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

"""Rank stability: do the top-N gaps stay on top when the ω weights move?

Each draw multiplies every ω_k by an independent factor uniform in [1 − spread, 1 + spread]
and renormalises so the weights sum to 1 again (a weight of 0 stays 0). Priorities are
linear in ω, so a draw is one small matrix product over the cells with a gap; cells that can
never reach the top N in any of the draws (their priority under the largest drawn ω_k is
below the N-th largest priority under the smallest drawn ω_k) are left out exactly, before
the draws are evaluated. Ties count as staying in the top N.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import InputError
from ..model import Enterprise
from ..model.enterprise import CRITERIA
from .gaps import ranked_cells
from .scoring import ASSESSED, Scores, score

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class StableCell:
    rank: int
    capability: str
    business_unit: str
    priority: float
    stay: float
    """Share of the draws in which the cell is still in the top N."""
    median_rank: int
    worst_rank: int
    """The worst rank seen; N + 1 means "fell out of the top N"."""


@dataclass(frozen=True)
class Entrant:
    capability: str
    business_unit: str
    baseline_rank: int
    priority: float
    share: float
    """Share of the draws in which this cell (not in the baseline top N) enters it."""


@dataclass(frozen=True)
class StabilityResult:
    top: int
    spread: float
    draws: int
    seed: int
    omega: dict[str, float]
    omega_range: dict[str, tuple[float, float]]
    """The smallest and largest value each ω took over the draws."""
    cells: tuple[StableCell, ...]
    entrants: tuple[Entrant, ...]

    @property
    def mean_stay(self) -> float:
        return float(np.mean([c.stay for c in self.cells])) if self.cells else 1.0

    def to_frame(self) -> pd.DataFrame:
        import pandas as pd

        return pd.DataFrame([asdict(c) for c in self.cells],
                            columns=list(StableCell.__dataclass_fields__))

    def to_dict(self) -> dict[str, Any]:
        return {"top": self.top, "spread": self.spread, "draws": self.draws, "seed": self.seed,
                "omega": self.omega,
                "omega_range": {k: list(v) for k, v in self.omega_range.items()},
                "mean_stay": self.mean_stay, "cells": [asdict(c) for c in self.cells],
                "entrants": [asdict(x) for x in self.entrants]}


def omega_draws(omega: dict[str, float], spread: float, draws: int, seed: int) -> np.ndarray:
    """(draws, 3) perturbed ω in CRITERIA order, each row summing to 1."""
    rng = np.random.default_rng(seed)
    base = np.array([omega[k] for k in CRITERIA])
    w = base * (1.0 + rng.uniform(-spread, spread, size=(draws, len(CRITERIA))))
    return w / w.sum(axis=1, keepdims=True)


def stability(e: Enterprise, top: int = 10, spread: float = 0.2, draws: int = 500,
              seed: int = 0, *, omega: dict[str, float] | None = None,
              scores: Scores | None = None) -> StabilityResult:
    """How often each of the ``top`` cells stays in the top under perturbed ω."""
    if top < 1:
        raise InputError(f"--top must be at least 1 (got {top})")
    if not 0 <= spread < 1:
        raise InputError(f"--spread must be in [0, 1) (got {spread})",
                         hint="0.2 perturbs each weight by up to ±20 %")
    if draws < 1:
        raise InputError(f"--draws must be at least 1 (got {draws})")
    s = scores if scores is not None else score(e, omega)
    n_b = len(s.business_units)
    flat_p = s.priority.ravel()
    cells = np.nonzero((s.status.ravel() == ASSESSED) & (flat_p > 0))[0]
    top_idx = ranked_cells(s.priority, s.status, top)
    n_top = int(top_idx.size)
    om = s.omega
    w = omega_draws(om, spread, draws, seed)
    rng_out = {k: (float(w[:, m].min()), float(w[:, m].max())) for m, k in enumerate(CRITERIA)}
    if n_top == 0:
        return StabilityResult(top, spread, draws, seed, dict(om), rng_out, (), ())

    # the three criterion terms of every cell with a gap: priority = ω · terms
    ci, bj = np.divmod(cells, n_b)
    scale = s.bu_weight[bj] * s.gap.ravel()[cells] / 5.0
    terms = np.vstack([s.customer[ci] * scale, s.strategic[ci] * scale,
                       s.pain.ravel()[cells] / 5.0 * scale])  # (3, M)
    # every draw lies between these per-cell bounds (terms ≥ 0); a cell whose upper bound is
    # below the N-th largest lower bound can never enter the top N, so it is left out
    lo, hi = w.min(axis=0) @ terms, w.max(axis=0) @ terms
    floor = np.partition(lo, lo.size - n_top)[lo.size - n_top]
    keep = (hi >= floor) | np.isin(cells, top_idx)
    cells, terms = cells[keep], terms[:, keep]
    m = cells.size
    t_pos = np.searchsorted(cells, top_idx)  # cells is sorted (np.nonzero order)

    in_top = np.zeros(m, dtype=np.int64)
    ranks = np.empty((draws, n_top), dtype=np.int64)
    chunk = max(1, 2_000_000 // max(m, 1))
    for d0 in range(0, draws, chunk):
        p = w[d0:d0 + chunk] @ terms  # (d, M)
        best = np.partition(p, m - n_top, axis=1)[:, m - n_top:]  # (d, n_top)
        threshold = best.min(axis=1)
        in_top += (p >= threshold[:, None]).sum(axis=0)
        v = p[:, t_pos]  # (d, n_top)
        ranks[d0:d0 + chunk] = 1 + (best[:, None, :] > v[:, :, None]).sum(axis=2)

    out = []
    for k, f in enumerate(top_idx.tolist()):
        i, j = divmod(f, n_b)
        r = ranks[:, k]
        out.append(StableCell(k + 1, s.capabilities[i], s.business_units[j],
                              float(flat_p[f]), float(in_top[t_pos[k]] / draws),
                              int(np.median(r)), int(r.max())))
    entered = np.setdiff1d(np.nonzero(in_top)[0], t_pos)
    ranked = flat_p[cells]
    ent = []
    for k in entered.tolist():
        f = int(cells[k])
        i, j = divmod(f, n_b)
        # baseline rank: cells ahead by priority, then by model order on ties
        ahead = int((ranked > flat_p[f]).sum() + ((ranked == flat_p[f]) & (cells < f)).sum())
        ent.append(Entrant(s.capabilities[i], s.business_units[j], ahead + 1,
                           float(flat_p[f]), float(in_top[k] / draws)))
    ent.sort(key=lambda x: (-x.share, x.baseline_rank))
    return StabilityResult(top, spread, draws, seed, dict(om), rng_out, tuple(out),
                           tuple(ent[:n_top]))


__all__ = ["Entrant", "StabilityResult", "StableCell", "omega_draws", "stability"]

"""The ranked list of gaps: every assessed (capability, unit) cell with a gap, hottest first."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import InputError
from ..model import Enterprise
from .scoring import ASSESSED, Scores, score

if TYPE_CHECKING:
    import pandas as pd


def ranked_cells(priority: np.ndarray, status: np.ndarray, top: int | None = None) -> np.ndarray:
    """Flat (row-major) indices of the assessed cells with priority > 0, by priority
    descending; ties keep model order (capability, then unit)."""
    flat = priority.ravel()
    cand = np.nonzero((status.ravel() == ASSESSED) & (flat > 0))[0]
    if top is not None and top < cand.size:
        # keep everything tied with the top-th value, then sort exactly
        kth = np.partition(flat[cand], cand.size - top)[cand.size - top]
        cand = cand[flat[cand] >= kth]
    order = np.lexsort((cand, -flat[cand]))
    out = cand[order]
    return out if top is None else out[:top]


@dataclass(frozen=True)
class GapRow:
    rank: int
    capability: str
    capability_name: str
    stage: str
    business_unit: str
    current: float
    target: float
    gap: float
    pain: float
    customer: float
    strategic: float
    bu_weight: float
    weight: float
    priority: float


@dataclass(frozen=True)
class GapTable:
    """The top gaps (all when ``top`` is None) and counts of the whole model."""

    rows: tuple[GapRow, ...]
    omega: dict[str, float]
    cells: int
    assessed: int
    with_gap: int

    def to_frame(self) -> pd.DataFrame:
        import pandas as pd

        cols = list(GapRow.__dataclass_fields__)
        return pd.DataFrame([asdict(r) for r in self.rows], columns=cols)

    def to_dict(self) -> dict[str, Any]:
        return {"omega": self.omega, "cells": self.cells, "assessed": self.assessed,
                "with_gap": self.with_gap, "rows": [asdict(r) for r in self.rows]}


def ranked_gaps(e: Enterprise, top: int | None = 20, *, omega: dict[str, float] | None = None,
                scores: Scores | None = None) -> GapTable:
    """The ``top`` cells by priority (all cells with a gap when ``top`` is None)."""
    if top is not None and top < 1:
        raise InputError(f"--top must be at least 1 (got {top})")
    s = scores if scores is not None else score(e, omega)
    idx = ranked_cells(s.priority, s.status, top)
    n_b = len(s.business_units)
    caps = {c.id: c for c in e.capabilities}
    rows = []
    for rank, f in enumerate(idx.tolist(), start=1):
        i, j = divmod(f, n_b)
        cap = caps[s.capabilities[i]]
        rows.append(GapRow(rank, cap.id, cap.name, cap.stage, s.business_units[j],
                           float(s.current[i, j]), float(s.target[i, j]), float(s.gap[i, j]),
                           float(s.pain[i, j]), float(s.customer[i]), float(s.strategic[i]),
                           float(s.bu_weight[j]), float(s.weight[i, j]),
                           float(s.priority[i, j])))
    assessed = s.status == ASSESSED
    return GapTable(tuple(rows), dict(s.omega), int(s.status.size), int(assessed.sum()),
                    int((assessed & (np.nan_to_num(s.gap) > 0)).sum()))


__all__ = ["GapRow", "GapTable", "ranked_cells", "ranked_gaps"]

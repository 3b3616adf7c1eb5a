"""The heat-map trend: how each stage × unit cell moved from earlier cycles to now.

``assessment_history`` keeps how cells stood in earlier cycles; ``assessments`` holds the
current ones. The model as it stood in cycle c has, per cell, the history row of the latest
cycle ≤ c, else the earliest history row after c (the first thing known of it), else the
current assessment (the cell has not moved since).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..analysis import heatmap
from ..model import Assessment, Enterprise
from ..model.quarter import quarter_index

NOW = "now"


def as_of_cycle(e: Enterprise, cycle: str) -> Enterprise:
    """``e`` with the assessments as they stood in ``cycle`` (see the module docstring)."""
    c = quarter_index(cycle)
    best: dict[tuple[str, str], tuple[int, Any]] = {}
    for r in e.assessment_history:
        key = (r.capability, r.business_unit)
        k = quarter_index(r.cycle)
        rank = -k if k <= c else 10**6 + k  # latest at or before c first, then earliest after
        if key not in best or rank < best[key][0]:
            best[key] = (rank, r)
    rows = []
    for a in e.assessments:
        hit = best.get((a.capability, a.business_unit))
        if hit is None:
            rows.append(a)
        else:
            data = hit[1].model_dump(exclude={"cycle"})
            rows.append(Assessment.model_validate(data))
    return e.model_copy(update={"assessments": tuple(rows)})


@dataclass(frozen=True)
class Trend:
    """Stage × unit priority (or another layer) per cycle; the last column is now."""

    layer: str
    cycles: tuple[str, ...]
    rows: tuple[str, ...]
    row_names: tuple[str, ...]
    columns: tuple[str, ...]
    column_names: tuple[str, ...]
    values: np.ndarray
    """(cycles, rows, columns); NaN where nothing is assessed."""

    @property
    def change(self) -> np.ndarray:
        """Now minus the first cycle (rows, columns)."""
        return self.values[-1] - self.values[0]

    def cells(self) -> list[dict[str, Any]]:
        """One row per stage × unit: the value in every cycle and the change."""
        out = []
        for r, row in enumerate(self.rows):
            for k, col in enumerate(self.columns):
                vals = [None if np.isnan(v) else float(v) for v in self.values[:, r, k]]
                first, last = vals[0], vals[-1]
                out.append({"business_unit": row, "unit": self.row_names[r], "stage": col,
                            "stage_name": self.column_names[k],
                            "values": dict(zip(self.cycles, vals, strict=True)),
                            "change": None if first is None or last is None
                            else last - first})
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"layer": self.layer, "cycles": list(self.cycles), "cells": self.cells()}


def trend(e: Enterprise, layer: str = "priority", rollup: str = "max") -> Trend | None:
    """The stage × unit heat map at every history cycle and now (None without history)."""
    cycles = sorted({r.cycle for r in e.assessment_history}, key=quarter_index)
    if not cycles:
        return None
    maps = [heatmap(as_of_cycle(e, c), "stage", layer, rollup) for c in cycles]
    now = heatmap(e, "stage", layer, rollup)
    maps.append(now)
    values = np.stack([np.asarray(m.values, dtype=float) for m in maps])
    return Trend(layer, (*cycles, NOW), now.rows, now.row_names, now.columns,
                 now.column_names, values)

"""What changes between two plans (e.g. two scenarios): initiatives in, out and moved, value,
spend per pool and quarter, and the capability cells that end the horizon at another level."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .plan import Plan
from .roadmap import roadmap


@dataclass(frozen=True)
class PlanDiff:
    a: str
    b: str
    value_a: float
    value_b: float
    status_a: str
    status_b: str
    added: list[str]
    """Funded in b, not in a."""
    removed: list[str]
    moved: list[dict[str, Any]]
    spend: list[dict[str, Any]]
    cells: list[dict[str, Any]]

    @property
    def value_change(self) -> float:
        return self.value_b - self.value_a

    def to_dict(self) -> dict[str, Any]:
        return {"a": self.a, "b": self.b, "value_a": self.value_a, "value_b": self.value_b,
                "value_change": self.value_change, "status_a": self.status_a,
                "status_b": self.status_b, "added": self.added, "removed": self.removed,
                "moved": self.moved, "spend": self.spend, "cells": self.cells}


def diff(a: Plan, b: Plan, a_name: str = "a", b_name: str = "b") -> PlanDiff:
    """The differences from plan ``a`` to plan ``b``."""
    sa = {i: a.start_of(i) for i in a.instance.ids}
    sb = {i: b.start_of(i) for i in b.instance.ids}
    ids = list(dict.fromkeys([*a.instance.ids, *b.instance.ids]))
    added = [i for i in ids if sa.get(i) is None and sb.get(i) is not None]
    removed = [i for i in ids if sa.get(i) is not None and sb.get(i) is None]
    moved = [{"id": i, "start_a": sa[i], "start_b": sb[i]} for i in ids
             if sa.get(i) is not None and sb.get(i) is not None and sa[i] != sb[i]]

    def spend_map(p: Plan) -> dict[tuple[str, str], float]:
        sp = p.spend
        return {(pool, q): float(sp[k, t]) for k, pool in enumerate(p.instance.pools)
                for t, q in enumerate(p.quarters)}

    ma, mb = spend_map(a), spend_map(b)
    keys = sorted(set(ma) | set(mb), key=lambda k: (k[0], k[1]))
    spend = [{"pool": pool, "quarter": q, "a": ma.get((pool, q), 0.0),
              "b": mb.get((pool, q), 0.0), "change": mb.get((pool, q), 0.0)
              - ma.get((pool, q), 0.0)} for pool, q in keys]

    ra, rb = roadmap(a), roadmap(b)
    end_a = _end_levels(ra)
    end_b = _end_levels(rb)
    cells = []
    for key in sorted(set(end_a) | set(end_b)):
        la, lb = end_a.get(key), end_b.get(key)
        if la is None or lb is None or abs(la - lb) > 1e-9:
            cells.append({"capability": key[0], "business_unit": key[1], "level_a": la,
                          "level_b": lb})
    return PlanDiff(a_name, b_name, a.objective, b.objective, a.status_text, b.status_text,
                    added, removed, moved, spend, cells)


def _end_levels(r: Any) -> dict[tuple[str, str], float]:
    last = r.level[-1]
    out = {}
    for c, cap in enumerate(r.capabilities):
        for b, bu in enumerate(r.business_units):
            if not np.isnan(last[c, b]):
                out[(cap, bu)] = float(last[c, b])
    return out

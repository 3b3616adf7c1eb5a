"""Usage: which unit uses which application for which capability, with shares.

Drawn from a stream of its own (spawned after the others, so every other table is the
same as before usage existed). Each live application (not retired) is used by most of the
(unit, capability) cells it lists: each cell with probability 0.85, and every capability
it lists by at least one of its units, so the usage table names every capability some
application serves (homogeneity then counts use from it, not inferred). Where a unit runs
several applications for one capability, about half the time the table says how the work
is split: shares from a Dirichlet draw, rounded down to 5 %, adding up to at most 1; a
unit with one application for a capability gives it a share of 1 a third of the time.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .draft import Draft


def usage(d: Draft) -> None:
    r = d.rng["usage"]
    rows: list[dict[str, Any]] = []
    cells: dict[tuple[str, str], list[int]] = {}  # (unit, capability) → rows
    for app in d.data.get("applications", ()):
        if app.get("lifecycle") == "retired":
            continue
        units, caps = app["business_units"], app["capabilities"]
        keep = r.random((len(units), len(caps))) < 0.85
        first = r.integers(0, len(units), len(caps))  # a unit that surely uses each one
        keep[first, np.arange(len(caps))] = True
        for j, unit in enumerate(units):
            for k, cap in enumerate(caps):
                if keep[j, k]:
                    cells.setdefault((unit, cap), []).append(len(rows))
                    rows.append({"application": app["id"], "business_unit": unit,
                                 "capability": cap})
    for members in cells.values():
        if len(members) == 1:
            if r.random() < 1 / 3:
                rows[members[0]]["share"] = 1.0
        elif r.random() < 0.5:
            split = np.floor(r.dirichlet(np.full(len(members), 2.0)) * 20) / 20
            for m, s in zip(members, split.tolist(), strict=True):
                rows[m]["share"] = s
    d.data["usage"] = rows


__all__ = ["usage"]

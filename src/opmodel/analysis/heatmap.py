"""Heat maps: business units (rows) × stages or capabilities (columns), with provenance.

A cell rolls up its children — the assessed (capability, unit) cells under it — by a named
rule:

``max``       the hottest child (the default: one burning capability makes a hot stage)
``mean``      the plain mean of the assessed children
``weighted``  the mean with each child counted by its unit's weight (revenue share); inside
              one unit's cell every child has the same weight, so it equals ``mean`` there;
              it differs in the "All units" row, which rolls up across units

Only assessed children count. A cell with none is *missing* when any child is unassessed
and *n/a* when every child is marked n/a: both are different from a value of zero.

Up the capability tree: a parent capability (one with sub-capabilities) that a unit did not
assess is no cell of its own in that unit — its sub-capabilities stand in for it. A heat-map
cell's children are therefore, per unit, the cells of its capabilities, where each
unassessed parent is replaced by every cell of its subtree that is not itself such a parent
(a set: no cell counts twice). So a parent column in the capability view rolls up its
subtree by the same rule (all n/a ⇒ n/a; any assessed ⇒ the rolled-up value; otherwise
missing), and in a stage column an unassessed parent neither adds a "missing" nor counts its
children twice. A parent's own assessment, when there is one, is a cell like any other.
:func:`~opmodel.analysis.score` is untouched: its arrays stay per capability.

Every cell can be explained: :meth:`HeatMap.explain` lists the children, names the one that
drove the value and gives the driving cell's full provenance.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, Literal, get_args

import numpy as np

from ..errors import InputError, UnknownIdError
from ..model import Enterprise
from .provenance import CellProvenance, cell_provenance
from .scoring import ASSESSED, NA, STATUS_NAMES, UNASSESSED, Scores, score
from .tree import capability_tree

if TYPE_CHECKING:
    import pandas as pd

By = Literal["stage", "capability"]
Layer = Literal["priority", "gap", "current", "target"]
Rollup = Literal["max", "mean", "weighted"]
BYS: tuple[str, ...] = get_args(By)
LAYERS: tuple[str, ...] = get_args(Layer)
ROLLUPS: tuple[str, ...] = get_args(Rollup)
LAYER_DOMAIN = {"priority": (0.0, 1.0), "gap": (0.0, 5.0), "current": (0.0, 5.0),
                "target": (0.0, 5.0)}
"""The fixed value range of each layer: the same colour means the same number everywhere."""
ALL = "all"
ALL_NAME = "All units"
STATE_NAMES = STATUS_NAMES  # 0 missing, 1 value, 2 n/a
SKIP = 3
"""Pair status: the cell does not count in the column (see :func:`column_cells`)."""
STAND_IN = 4
"""Pair status: an unassessed parent's own cell, not counted: its subtree stands in for it."""


def _check(name: str, value: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise InputError(f"unknown {name} '{value}'", hint=f"use one of: {', '.join(allowed)}")


# -- capability order and levels ----------------------------------------------------------
def capability_levels(e: Enterprise) -> dict[str, int]:
    """1 for a top-level capability, 2 for its children… (cycles are cut)."""
    parent = {c.id: c.parent for c in e.capabilities}
    out: dict[str, int] = {}
    for cid in parent:
        chain, cur = [], cid
        while cur is not None and cur not in out and cur not in chain:
            chain.append(cur)
            cur = parent.get(cur)
        base = out.get(cur, 0) if cur is not None and cur in out else 0
        for k, x in enumerate(reversed(chain)):
            out[x] = base + k + 1
    return out


def capability_order(e: Enterprise) -> list[str]:
    """Capabilities left to right: by stage order, then depth first in file order."""
    stage_pos = {s.id: k for k, s in enumerate(e.ordered_stages)}
    ids = {c.id for c in e.capabilities}
    kids: dict[str | None, list[str]] = {}
    for c in e.capabilities:
        kids.setdefault(c.parent if c.parent in ids and c.parent != c.id else None,
                        []).append(c.id)
    out: list[str] = []
    seen: set[str] = set()

    def walk(cid: str) -> None:
        stack = [cid]
        while stack:
            x = stack.pop()
            if x in seen:
                continue
            seen.add(x)
            out.append(x)
            stack.extend(reversed(kids.get(x, [])))

    roots = sorted(kids.get(None, []), key=lambda c: stage_pos.get(e.capability(c).stage,
                                                                     len(stage_pos)))
    for r in roots:
        walk(r)
    for c in e.capabilities:  # anything left (cycles) at the end, in file order
        walk(c.id)
    return out


# -- results ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Child:
    capability: str
    capability_name: str
    business_unit: str
    status: str
    value: float | None


@dataclass(frozen=True)
class CellExplanation:
    """Why a heat-map cell has its value: the rule, the children and the driving cell."""

    by: str
    layer: str
    rollup: str
    column: str
    column_name: str
    row: str
    row_name: str
    value: float | None
    state: str
    children: tuple[Child, ...]
    driver: Child | None
    provenance: CellProvenance | None
    """The full provenance of the driving (capability, unit) cell."""
    stand_ins: tuple[Child, ...] = ()
    """Parent cells with no assessment of their own, represented by their subtrees."""

    @property
    def rule(self) -> str:
        n = sum(c.status == "assessed" for c in self.children)
        na = sum(c.status == "n/a" for c in self.children)
        miss = sum(c.status == "missing" for c in self.children)
        what = {"max": "the largest", "mean": "the mean", "weighted": "the unit-weighted mean"}
        if len(self.children) == 1 and not self.stand_ins:
            head = "a single cell"
        else:
            head = f"{what[self.rollup]} of {n} assessed cell(s)"
        extra = [f"{na} n/a"] * bool(na) + [f"{miss} not assessed"] * bool(miss)
        text = head + (f" ({', '.join(extra)} left out)" if extra else "")
        if self.stand_ins:
            ids = list(dict.fromkeys(c.capability for c in self.stand_ins))
            names = ", ".join(ids[:3]) + (", …" if len(ids) > 3 else "")
            k = len(self.stand_ins)
            their = "their" if k > 1 else "its"
            text += (f"; {k} parent cell{'s' * (k > 1)} with no assessment of {their} own "
                     f"({names}) {'are' if k > 1 else 'is'} represented by {their} "
                     "sub-capabilities' cells: all n/a ⇒ n/a, any assessed ⇒ the rolled-up "
                     "value, else not assessed")
        return text

    def to_dict(self) -> dict[str, Any]:
        return {
            "by": self.by, "layer": self.layer, "rollup": self.rollup, "column": self.column,
            "column_name": self.column_name, "row": self.row, "row_name": self.row_name,
            "value": self.value, "state": self.state, "rule": self.rule,
            "children": [c.__dict__ for c in self.children],
            "driver": None if self.driver is None else self.driver.__dict__,
            "provenance": None if self.provenance is None else self.provenance.to_dict(),
            "stand_ins": [c.__dict__ for c in self.stand_ins],
        }


@dataclass(frozen=True, eq=False)
class HeatMap:
    """Rows are business units (in model order) plus the "All units" row; columns are stages
    (left to right) or capabilities (by stage, then tree order). Arrays are (rows, columns).

    ``groups[k]`` are the capabilities placed in column k. What counts in a cell is given
    per (column, capability) *pair* and unit: ``pair_col``, ``pair_cap`` (P,) and
    ``pair_status`` (P, B) — the cell's status where it counts, ``STAND_IN`` for an
    unassessed parent (its subtree counts instead), ``SKIP`` where it does not count (a
    sub-capability reached through a parent that was assessed)."""

    by: str
    layer: str
    rollup: str
    level: int | None
    rows: tuple[str, ...]
    row_names: tuple[str, ...]
    columns: tuple[str, ...]
    column_names: tuple[str, ...]
    column_stages: tuple[str, ...]
    values: np.ndarray
    state: np.ndarray
    n_assessed: np.ndarray
    n_na: np.ndarray
    n_missing: np.ndarray
    groups: tuple[tuple[int, ...], ...] = field(repr=False)
    scores: Scores = field(repr=False)
    enterprise: Enterprise = field(repr=False, compare=False)
    pair_col: np.ndarray = field(repr=False)
    pair_cap: np.ndarray = field(repr=False)
    pair_status: np.ndarray = field(repr=False)

    @cached_property
    def n_rolled_up(self) -> np.ndarray:
        """(rows, columns): the parent cells with no assessment of their own in each cell,
        represented by their sub-capabilities' cells."""
        n_b, n_k = len(self.rows) - 1, len(self.columns)
        p, j = np.nonzero(self.pair_status == STAND_IN)
        per = np.bincount(self.pair_col[p] * n_b + j, minlength=n_k * n_b).reshape(n_k, n_b)
        out = np.vstack([per.T, per.sum(axis=1)[None, :]])
        out.flags.writeable = False
        return out

    @property
    def domain(self) -> tuple[float, float]:
        return LAYER_DOMAIN[self.layer]

    def _pos(self, column: str, row: str) -> tuple[int, int]:
        from difflib import get_close_matches

        def hint(given: str, known: list[str], what: str) -> str | None:
            close = get_close_matches(given, known, n=1)  # as every other unknown id
            if close:
                return f"did you mean '{close[0]}'?"
            return f"{what} are: {', '.join(known)}" if len(known) <= 20 else None

        try:
            k = self.columns.index(column)
        except ValueError:
            kind = "stage" if self.by == "stage" else "capability in this heat map"
            raise UnknownIdError(kind, column, hint=hint(column, list(self.columns),
                                                          "columns")) from None
        try:
            r = self.rows.index(row)
        except ValueError:
            raise UnknownIdError("business unit", row,
                                 hint=hint(row, list(self.rows), "rows")) from None
        return r, k

    def value(self, column: str, row: str) -> float | None:
        r, k = self._pos(column, row)
        v = float(self.values[r, k])
        return None if math.isnan(v) else v

    def hottest(self) -> tuple[str, str] | None:
        """(column, unit) of the highest value among the business units' cells (the "all"
        row left out), or None when no cell has a value."""
        units = self.values[:-1]
        if not self.columns or not np.isfinite(units).any():
            return None
        r, k = np.unravel_index(int(np.nanargmax(np.where(np.isfinite(units), units, -1))),
                                units.shape)
        return self.columns[int(k)], self.rows[int(r)]

    def explain(self, column: str, row: str) -> CellExplanation:
        """The children of cell (``column``, ``row``), the rule, and the driving cell."""
        r, k = self._pos(column, row)
        s = self.scores
        arr = _layer(s, self.layer)
        bus = range(len(s.business_units)) if self.rows[r] == ALL else [r]
        e = self.enterprise
        children: list[Child] = []
        stand_ins: list[Child] = []
        score_of: list[float] = []
        for p in np.nonzero(self.pair_col == k)[0].tolist():
            i = int(self.pair_cap[p])
            cid = s.capabilities[i]
            for j in bus:
                st = int(s.status[i, j])
                code = self.pair_status[p, j]
                if code == STAND_IN:
                    stand_ins.append(Child(cid, e.capability(cid).name, s.business_units[j],
                                           STATUS_NAMES[st], None))
                if code >= SKIP:
                    continue
                v = float(arr[i, j]) if st == ASSESSED else None
                children.append(Child(cid, e.capability(cid).name, s.business_units[j],
                                      STATUS_NAMES[st], v))
                w = 1.0 if self.rollup != "weighted" else float(s.bu_weight[j])
                score_of.append(-math.inf if v is None else v * w)
        driver = None
        prov = None
        if children and max(score_of) > -math.inf:
            driver = children[int(np.argmax(score_of))]
        elif len(children) == 1 and not stand_ins:
            driver = children[0]
        if driver is not None:
            prov = cell_provenance(e, s, driver.capability, driver.business_unit)
        order = sorted(range(len(children)), key=lambda n: (-score_of[n], n))
        v = float(self.values[r, k])
        return CellExplanation(
            self.by, self.layer, self.rollup, self.columns[k], self.column_names[k],
            self.rows[r], self.row_names[r], None if math.isnan(v) else v,
            STATE_NAMES[int(self.state[r, k])], tuple(children[n] for n in order), driver,
            prov, tuple(stand_ins))

    def with_values(self, values: np.ndarray) -> HeatMap:
        """This heat map over other (C, B) cell values with the same statuses — e.g. the
        priorities after a quarter of the roadmap — rolled up by the same rule and tree."""
        v, st, cnt, nna, nmiss = rollup_groups(
            np.asarray(values, dtype=float)[self.pair_cap], self.pair_status, self.pair_col,
            len(self.columns), self.rollup, self.scores.bu_weight)
        for a in (v, st, cnt, nna, nmiss):
            a.flags.writeable = False
        return dataclasses.replace(self, values=v, state=st, n_assessed=cnt, n_na=nna,
                                   n_missing=nmiss)

    def to_frame(self) -> pd.DataFrame:
        """One row per cell: unit, column, stage, value, state and child counts."""
        import pandas as pd

        n_r, n_k = self.values.shape
        return pd.DataFrame({
            "business_unit": np.repeat(np.array(self.rows, dtype=object), n_k),
            "column": np.tile(np.array(self.columns, dtype=object), n_r),
            "column_name": np.tile(np.array(self.column_names, dtype=object), n_r),
            "stage": np.tile(np.array(self.column_stages, dtype=object), n_r),
            "layer": self.layer,
            "rollup": self.rollup,
            "value": self.values.ravel(),
            "state": np.array(STATE_NAMES, dtype=object)[self.state.ravel()],
            "n_assessed": self.n_assessed.ravel(),
            "n_na": self.n_na.ravel(),
            "n_missing": self.n_missing.ravel(),
            "n_rolled_up": self.n_rolled_up.ravel(),
        })

    def to_grid(self) -> pd.DataFrame:
        """The heat map as a table: units as rows, columns in order (NaN = no value)."""
        import pandas as pd

        return pd.DataFrame(self.values, index=list(self.rows), columns=list(self.columns))

    def to_dict(self) -> dict[str, Any]:
        def clean(a: np.ndarray) -> list[list[float | None]]:
            return [[None if math.isnan(x) else round(float(x), 6) for x in row] for row in a]

        return {
            "by": self.by, "layer": self.layer, "rollup": self.rollup, "level": self.level,
            "domain": list(self.domain),
            "rows": [{"id": r, "name": n} for r, n in zip(self.rows, self.row_names,
                                                           strict=True)],
            "columns": [{"id": c, "name": n, "stage": s} for c, n, s in
                        zip(self.columns, self.column_names, self.column_stages, strict=True)],
            "values": clean(self.values),
            "state": [[STATE_NAMES[int(x)] for x in row] for row in self.state],
        }


# -- computation --------------------------------------------------------------------------
def _layer(s: Scores, layer: str) -> np.ndarray:
    return {"priority": s.priority, "gap": s.gap, "current": s.current,
            "target": s.target}[layer]


def rollup_groups(values: np.ndarray, status: np.ndarray, group: np.ndarray, n_groups: int,
                  rule: str, bu_weight: np.ndarray) -> tuple[np.ndarray, ...]:
    """Roll (N, B) ``values`` up into (B+1, G) cells; ``group[n]`` is row n's column (−1:
    none). A row is a capability, or a (column, capability) pair; a ``status`` other than
    assessed, n/a or missing (``SKIP``, ``STAND_IN``) does not count at all.

    Returns values, state, n_assessed, n_na, n_missing, each (B+1, G): units as rows, the
    last row rolling up across all units. Vectorised with ``ufunc.reduceat``.
    """
    n_b = status.shape[1]
    out_v = np.full((n_b + 1, n_groups), np.nan)
    cnt = np.zeros((n_b + 1, n_groups), dtype=np.int64)
    nna = np.zeros_like(cnt)
    nmiss = np.zeros_like(cnt)
    member = np.nonzero(group >= 0)[0]
    if member.size and n_b:
        order = member[np.argsort(group[member], kind="stable")]
        g_sorted = group[order]
        present, starts = np.unique(g_sorted, return_index=True)
        st = status[order]
        valid = st == ASSESSED
        v = values[order]
        c = np.add.reduceat(valid.astype(np.int64), starts, axis=0)  # (G', B)
        cnt[:n_b, present] = c.T
        nna[:n_b, present] = np.add.reduceat((st == NA).astype(np.int64), starts, axis=0).T
        nmiss[:n_b, present] = np.add.reduceat((st == UNASSESSED).astype(np.int64), starts,
                                               axis=0).T
        cnt[n_b] = cnt[:n_b].sum(0)
        nna[n_b] = nna[:n_b].sum(0)
        nmiss[n_b] = nmiss[:n_b].sum(0)
        with np.errstate(invalid="ignore", divide="ignore"):
            if rule == "max":
                m = np.maximum.reduceat(np.where(valid, v, -np.inf), starts, axis=0)
                out_v[:n_b, present] = np.where(c > 0, m, np.nan).T
                tot = m.max(axis=1)
                out_v[n_b, present] = np.where(c.sum(1) > 0, tot, np.nan)
            else:
                sums = np.add.reduceat(np.where(valid, v, 0.0), starts, axis=0)
                out_v[:n_b, present] = (sums / c).T
                w = bu_weight if rule == "weighted" else np.ones(n_b)
                out_v[n_b, present] = (sums * w).sum(1) / (c * w).sum(1)
    state = np.where(cnt > 0, ASSESSED, np.where((nmiss == 0) & (nna > 0), NA, UNASSESSED))
    return out_v, state.astype(np.int8), cnt, nna, nmiss


def heatmap(e: Enterprise, by: str = "stage", layer: str = "priority", rollup: str = "max",
            *, omega: dict[str, float] | None = None, level: int | None = None,
            stage: str | None = None, scores: Scores | None = None) -> HeatMap:
    """The heat map of ``e``: units × stages (``by="stage"``) or × capabilities.

    ``layer`` is priority, gap, current or target; ``rollup`` is max, mean or weighted.
    For capabilities, ``level`` (1, 2…) rolls deeper capabilities up into their ancestor at
    that level, and ``stage`` keeps only one stage's capabilities. ``scores`` reuses a
    computed :func:`score` (then ``omega`` is ignored).
    """
    _check("heat map axis", by, BYS)
    _check("layer", layer, LAYERS)
    _check("roll-up rule", rollup, ROLLUPS)
    if level is not None and level < 1:
        raise InputError(f"level must be 1 or more (got {level})")
    if stage is not None:
        e.stage(stage)  # raises UnknownIdError with a hint
    s = scores if scores is not None else score(e, omega)
    cap_pos = s.base.cap_pos
    group = np.full(len(s.capabilities), -1, dtype=np.int64)
    if by == "stage":
        stages = [x for x in e.ordered_stages if stage is None or x.id == stage]
        spos = {x.id: k for k, x in enumerate(stages)}
        for c in e.capabilities:
            k = spos.get(c.stage)
            if k is not None and group[cap_pos[c.id]] < 0:
                group[cap_pos[c.id]] = k
        columns = tuple(x.id for x in stages)
        names = tuple(x.name for x in stages)
        col_stages = columns
    else:
        order = capability_order(e)
        if stage is not None:
            order = [c for c in order if e.capability(c).stage == stage]
        levels = capability_levels(e)
        if level is None:
            cols = order
            col_of = {c: k for k, c in enumerate(cols)}
        else:
            cols = [c for c in order if levels[c] <= level]
            col_of = {c: k for k, c in enumerate(cols)}
            for c in order:
                if c not in col_of:
                    anc = c
                    while levels[anc] > level:
                        anc = e.capability(anc).parent  # type: ignore[assignment]
                    col_of[c] = col_of[anc]
        for c, k in col_of.items():
            group[cap_pos[c]] = k
        columns = tuple(cols)
        names = tuple(e.capability(c).name for c in cols)
        col_stages = tuple(e.capability(c).stage for c in cols)
    n_groups = len(columns)
    pair_col, pair_cap, pair_status = column_cells(e, s, group)
    vals, state, cnt, nna, nmiss = rollup_groups(_layer(s, layer)[pair_cap], pair_status,
                                                 pair_col, n_groups, rollup, s.bu_weight)
    members: list[list[int]] = [[] for _ in range(n_groups)]
    for i in np.nonzero(group >= 0)[0]:
        members[int(group[i])].append(int(i))
    rows = (*s.business_units, ALL)
    row_names = (*(b.name for b in e.business_units), ALL_NAME)
    for a in (vals, state, cnt, nna, nmiss, pair_col, pair_cap, pair_status):
        a.flags.writeable = False
    return HeatMap(by, layer, rollup, level, rows, row_names, columns, names, col_stages, vals,
                   state, cnt, nna, nmiss, tuple(tuple(m) for m in members), s, e, pair_col,
                   pair_cap, pair_status)


def column_cells(e: Enterprise, s: Scores, group: np.ndarray,
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Which (capability, unit) cells count in which column, up the capability tree.

    ``group[c]`` is the column capability c is placed in (−1: none). A parent that unit b
    did not assess *stands in* for its subtree: in each column it is placed in, its own cell
    does not count, and every cell of its subtree that is not itself a stand-in does (once,
    even when the column holds the sub-capability too). Returns ``pair_col``, ``pair_cap``
    (P,) and ``pair_status`` (P, B: the cell's status where it counts, else ``STAND_IN`` or
    ``SKIP``). The first pairs are the placed capabilities, in model order.
    """
    tree = capability_tree(e)
    n_c = len(s.capabilities)
    stand = tree.has_children[:, None] & (s.status == UNASSESSED)  # (C, B)
    direct = np.nonzero(group >= 0)[0]
    anc, dsc = tree.pairs()
    ok = (group[anc] >= 0) & (group[dsc] != group[anc])
    anc, dsc = anc[ok], dsc[ok]
    key = group[anc] * max(n_c, 1) + dsc
    uk, inv = np.unique(key, return_inverse=True)
    x_col, x_cap = np.divmod(uk, max(n_c, 1))
    if uk.size:  # OR over the column's ancestors of each sub-capability
        order = np.argsort(inv, kind="stable")
        starts = np.searchsorted(inv[order], np.arange(uk.size))
        via = np.logical_or.reduceat(stand[anc[order]], starts, axis=0)
    else:
        via = np.zeros((0, stand.shape[1]), dtype=bool)
    pair_col = np.concatenate([group[direct], x_col]).astype(np.int64)
    pair_cap = np.concatenate([direct, x_cap]).astype(np.int64)
    use = np.concatenate([~stand[direct], ~stand[x_cap] & via])
    stand_in = np.concatenate([stand[direct], np.zeros_like(via)])
    pair_status = np.where(use, s.status[pair_cap], np.where(stand_in, STAND_IN, SKIP))
    return pair_col, pair_cap, pair_status.astype(np.int8)


__all__ = ["ALL", "BYS", "LAYERS", "LAYER_DOMAIN", "ROLLUPS", "SKIP", "STAND_IN",
           "CellExplanation", "Child", "HeatMap", "capability_levels", "capability_order",
           "column_cells", "heatmap", "rollup_groups"]

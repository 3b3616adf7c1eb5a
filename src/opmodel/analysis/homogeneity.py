"""Homogeneity: how many different applications do the same job across business units.

For a capability c and the units that assess it (DESIGN §2):

- *distinct*: the applications serving c in those units. Where the usage table names c, an
  application serves (c, b) when a usage row says b uses it for c (a share of 0: not used);
  else it is inferred: the application lists c among its capabilities and b among its units.
  Retired applications are left out. Each capability says which (``source``: ``usage`` or
  ``inferred``), and the result says it for the whole model (:attr:`HomogeneityResult.source`)
- *homogeneity* = 1 − (distinct − 1)/(units − 1), clamped to [0, 1]; 1 = one shared platform.
  With a single unit it is 1 when at most one application serves it, else 0.
- *maturity spread*: max − min current maturity across those units
- *best fit*: the serving application with the highest functional + technical fit (each
  unit's own fit where an ApplicationFit row overrides it, averaged over the units it serves
  here); ties go to the lowest run cost, then the id. An application whose fit is not
  assessed (no fit in any unit it serves here) has no fit (None) and ranks after every
  assessed one — it is never kept over an application known to fit
- *duplicated run cost*: the run cost of all the others — what consolidating onto the best
  fit would save. An application serving several capabilities has its annual run cost
  apportioned equally over them, so savings add up across capabilities without counting any
  application twice.

Parents (capabilities with sub-capabilities): applications usually name the leaves. A parent
that no application names itself is *represented by its sub-capabilities*: it has no row in
the per-capability table, takes no part in the stage means and is never a candidate (its
homogeneity is None). A parent that applications do name (the starter's CRMs name both
``selling`` and its child ``crm``) keeps its row, computed from those direct listings. For
every capability, a unit is *without application* only when no application serves the
capability or any of its sub-capabilities there. Savings never count an application twice:
its cost share on a parent and on a child are different shares.

The computation is numpy over the (application, capability, unit) triples of
:mod:`.landscape`; the per-capability objects are built only when asked for.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import UnknownIdError
from ..model import Enterprise
from .landscape import LIFECYCLES, Landscape, landscape
from .scoring import ASSESSED, Scores, score
from .tree import capability_tree

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class AppUse:
    """One application serving one capability in some units."""

    application: str
    name: str
    business_units: tuple[str, ...]
    fit: float | None
    """Mean functional + technical fit (2–8) over the units it serves here; None when the
    fit is not assessed (see :mod:`.time_model`)."""
    functional_fit: float | None
    technical_fit: float | None
    cost: float
    """Its annual run cost apportioned to this capability."""
    lifecycle: str


@dataclass(frozen=True)
class CapabilityHomogeneity:
    capability: str
    name: str
    stage: str
    business_units: tuple[str, ...]
    """The units that assess the capability."""
    applications: tuple[AppUse, ...]
    """Serving applications, best fit first."""
    homogeneity: float | None
    spread: float | None
    duplicated_cost: float
    without_application: tuple[str, ...]
    """Assessing units where no application serves this capability or a sub-capability."""
    represented_by_children: bool = False
    """A parent that no application names: its sub-capabilities stand for it (no row in
    the table, no homogeneity, never a candidate)."""
    source: str = "inferred"
    """Who uses which application for it: ``usage`` (the usage table names the capability)
    or ``inferred`` (each application's units × capabilities)."""

    @property
    def distinct(self) -> int:
        return len(self.applications)

    @property
    def keep(self) -> AppUse | None:
        return self.applications[0] if self.applications else None

    @property
    def retire(self) -> tuple[AppUse, ...]:
        return self.applications[1:]

    @property
    def savings(self) -> float:
        return sum(a.cost for a in self.retire)


@dataclass(frozen=True)
class StageHomogeneity:
    stage: str
    name: str
    capabilities: int
    """Capabilities with a row of their own (parents no application names are left out)."""
    business_units: int
    distinct: int
    """Different applications serving any capability of the stage."""
    homogeneity: float | None
    """Mean homogeneity of its capabilities (those assessed by at least one unit)."""
    spread: float | None
    """The largest maturity spread among its capabilities."""
    duplicated_cost: float
    candidates: int


@dataclass(frozen=True)
class Candidate:
    rank: int
    capability: str
    name: str
    stage: str
    business_units: tuple[str, ...]
    keep: AppUse
    retire: tuple[AppUse, ...]
    savings: float
    homogeneity: float | None
    spread: float | None


def _opt(x: float) -> float | None:
    return None if np.isnan(x) else float(x)


@dataclass(frozen=True, eq=False)
class HomogeneityResult:
    """Per-capability arrays (model order) and the serving groups, best fit first."""

    capability_ids: tuple[str, ...]
    units: np.ndarray  # (C,) units assessing
    distinct: np.ndarray  # (C,)
    index: np.ndarray  # (C,) homogeneity, nan when no unit assesses
    spread: np.ndarray  # (C,) nan when no unit assesses
    duplicated: np.ndarray  # (C,)
    candidate_order: np.ndarray  # capability indexes of the candidates, best savings first
    group_start: np.ndarray  # (C+1,) slice of the groups of each capability
    group_app: np.ndarray  # (G,) sorted by capability, then best fit first
    group_fit: np.ndarray
    group_functional: np.ndarray
    group_technical: np.ndarray
    group_cost: np.ndarray
    group_unit_start: np.ndarray  # (G+1,) slice of group_unit for each group
    group_unit: np.ndarray  # units of every group, in model order
    without: tuple[tuple[int, ...], ...]
    stages: tuple[StageHomogeneity, ...]
    scores: Scores = field(repr=False)
    land: Landscape = field(repr=False)
    enterprise: Enterprise = field(repr=False, compare=False)
    listed: np.ndarray = field(repr=False)
    """(C,) bool: capabilities with a row of their own — every leaf, and the parents that
    some application names itself."""
    from_usage: np.ndarray = field(repr=False)
    """(C,) bool: capabilities whose applications come from the usage table (the others are
    inferred from each application's units × capabilities)."""
    inferred: int = 0
    """Capabilities with a row whose applications are inferred: some live application
    lists them, no usage row names them."""

    # -- where "who uses what" comes from -------------------------------------------------
    @property
    def source(self) -> str:
        """``usage`` when the usage table names every capability some application serves,
        ``inferred`` when it names none (or there is none), else ``mixed``."""
        n = int((self.from_usage & self.listed).sum())
        return "inferred" if n == 0 else "usage" if self.inferred == 0 else "mixed"

    @property
    def source_note(self) -> str:
        """One line saying where "who uses what" came from, for tables and reports."""
        n = int((self.from_usage & self.listed).sum())
        if self.source == "inferred":
            return ("who uses what: inferred from each application's units × capabilities "
                    "(no usage table rows)")
        if self.source == "usage":
            return "who uses what: from the usage table"
        m = self.inferred
        return (f"who uses what: from the usage table for {n:,} capabilit"
                f"{'y' if n == 1 else 'ies'}, inferred from each application's units × "
                f"capabilities for {m:,} other{'' if m == 1 else 's'}")

    # -- objects, built on demand ---------------------------------------------------------
    def _uses(self, i: int) -> tuple[AppUse, ...]:
        bus, land = self.scores.business_units, self.land
        out = []
        for g in range(int(self.group_start[i]), int(self.group_start[i + 1])):
            a = int(self.group_app[g])
            out.append(AppUse(land.ids[a], land.names[a],
                              tuple(bus[j] for j in self.group_unit[
                                  self.group_unit_start[g]:self.group_unit_start[g + 1]]),
                              _opt(self.group_fit[g]), _opt(self.group_functional[g]),
                              _opt(self.group_technical[g]), float(self.group_cost[g]),
                              LIFECYCLES[int(land.lifecycle[a])]))
        return tuple(out)

    def _cap(self, i: int) -> CapabilityHomogeneity:
        cap = self.enterprise.capabilities[i]
        bus = self.scores.business_units
        assessed = np.nonzero(self.scores.status[i] == ASSESSED)[0]
        return CapabilityHomogeneity(
            cap.id, cap.name, cap.stage, tuple(bus[j] for j in assessed), self._uses(i),
            _opt(self.index[i]), _opt(self.spread[i]), float(self.duplicated[i]),
            tuple(bus[j] for j in self.without[i]), not bool(self.listed[i]),
            "usage" if self.from_usage[i] else "inferred")

    @cached_property
    def capabilities(self) -> tuple[CapabilityHomogeneity, ...]:
        """One row per listed capability (parents no application names are left out)."""
        return tuple(self._cap(i) for i in np.nonzero(self.listed)[0].tolist())

    def capability(self, capability_id: str) -> CapabilityHomogeneity:
        """Any capability by id, a left-out parent too (``represented_by_children``)."""
        return self._cap(self.scores.cap_index(capability_id))

    @cached_property
    def candidates(self) -> tuple[Candidate, ...]:
        """Capabilities served by two or more applications, biggest savings first."""
        return self.top_candidates()

    def top_candidates(self, n: int | None = None) -> tuple[Candidate, ...]:
        """The first ``n`` consolidation candidates (all when None)."""
        out = []
        for k, i in enumerate(self.candidate_order[:n].tolist(), start=1):
            c = self._cap(i)
            out.append(Candidate(k, c.capability, c.name, c.stage, c.business_units,
                                 c.applications[0], c.retire, c.savings, c.homogeneity,
                                 c.spread))
        return tuple(out)

    @property
    def n_candidates(self) -> int:
        """How many consolidation candidates there are — cheap: builds no objects, unlike
        ``len(candidates)``, which builds every :class:`Candidate`."""
        return int(self.candidate_order.size)

    @property
    def total_savings(self) -> float:
        return float(self.duplicated[self.candidate_order].sum())

    # -- tables ---------------------------------------------------------------------------
    def to_frame(self, by: str = "capability") -> pd.DataFrame:
        """``by`` = capability (one row each), stage, or candidates.

        The stage and candidate frames have the columns of :meth:`to_dict`'s ``stages`` and
        ``candidates``, same names, same order (``opmodel homogeneity --format csv``): lists
        joined with ``;``, an application by its id."""
        import pandas as pd

        if by == "stage":
            return pd.DataFrame([asdict(s) for s in self.stages],
                                columns=list(StageHomogeneity.__dataclass_fields__))
        if by == "candidates":
            return pd.DataFrame(
                [{**asdict(c), "business_units": ";".join(c.business_units),
                  "keep": c.keep.application,
                  "retire": ";".join(a.application for a in c.retire)}
                 for c in self.candidates],
                columns=list(Candidate.__dataclass_fields__))
        ids = self.land.ids
        cols = ["capability", "name", "stage", "units", "distinct", "homogeneity", "spread",
                "duplicated_cost", "keep", "retire", "without_application", "source"]
        if by == "capability":
            idx = np.nonzero(self.listed)[0].tolist()
        else:
            raise UnknownIdError("view", by, hint="use capability, stage or candidates")
        caps = self.enterprise.capabilities
        bus = self.scores.business_units
        rows = []
        for i in idx:
            g0, g1 = int(self.group_start[i]), int(self.group_start[i + 1])
            row = {"capability": caps[i].id, "name": caps[i].name, "stage": caps[i].stage,
                   "units": int(self.units[i]), "distinct": int(self.distinct[i]),
                   "homogeneity": _opt(self.index[i]), "spread": _opt(self.spread[i]),
                   "duplicated_cost": float(self.duplicated[i]),
                   "keep": ids[int(self.group_app[g0])] if g1 > g0 else None,
                   "retire": ";".join(ids[int(a)] for a in self.group_app[g0 + 1:g1]),
                   "without_application": ";".join(bus[j] for j in self.without[i]),
                   "source": "usage" if self.from_usage[i] else "inferred"}
            rows.append(row)
        return pd.DataFrame(rows, columns=cols)

    def to_dict(self) -> dict[str, Any]:
        def cap(c: CapabilityHomogeneity) -> dict[str, Any]:
            d = asdict(c)
            d.update(distinct=c.distinct, savings=c.savings)
            return d

        return {"capabilities": [cap(c) for c in self.capabilities],
                "stages": [asdict(s) for s in self.stages],
                "candidates": [asdict(c) for c in self.candidates],
                "total_savings": self.total_savings,
                "source": self.source, "source_note": self.source_note}


def _mean_fit(group: np.ndarray, fit: np.ndarray, n: int) -> np.ndarray:
    """Mean of the known fits per group; NaN where none is known (not assessed), which
    sorts after every number in the best-fit order."""
    known = ~np.isnan(fit)
    total = np.bincount(group, np.where(known, fit, 0.0), minlength=n)
    count = np.bincount(group, known, minlength=n)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def homogeneity_index(distinct: np.ndarray, units: np.ndarray) -> np.ndarray:
    """1 − (distinct − 1)/(units − 1) clamped to [0, 1]; see the module docstring."""
    d = np.asarray(distinct, dtype=float)
    u = np.asarray(units, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        h = np.clip(1.0 - (d - 1.0) / (u - 1.0), 0.0, 1.0)
    h = np.where(u == 1, np.where(d <= 1, 1.0, 0.0), h)
    return np.where(u <= 0, np.nan, h)


def homogeneity(e: Enterprise, *, scores: Scores | None = None) -> HomogeneityResult:
    """Homogeneity per capability and per stage, and ranked consolidation candidates."""
    s = scores if scores is not None else score(e)
    land = landscape(e)
    n_c, n_b = s.status.shape
    n_a = len(land.ids)
    assessed = s.status == ASSESSED
    a, c, b, p = land.serve_app, land.serve_cap, land.serve_bu, land.serve_pair
    ok = ~land.retired[a] & assessed[c, b]
    a, c, b, p = a[ok], c[ok], b[ok], p[ok]

    # group the triples by (capability, application)
    key = c * max(n_a, 1) + a
    uk, inv = np.unique(key, return_inverse=True)
    g_f = _mean_fit(inv, land.pair_functional[p], uk.size)
    g_t = _mean_fit(inv, land.pair_technical[p], uk.size)
    g_cap, g_app = np.divmod(uk, max(n_a, 1))
    g_cost = land.cost[g_app] / np.maximum(land.n_capabilities[g_app], 1)
    g_fit = g_f + g_t
    order = np.lexsort((land.id_rank[g_app], g_cost, -g_fit, g_cap))
    g_cap, g_app, g_f, g_t, g_fit, g_cost = (x[order] for x in (g_cap, g_app, g_f, g_t,
                                                                 g_fit, g_cost))
    rank_of = np.empty_like(order)
    rank_of[order] = np.arange(order.size)
    # the units of each group, in model order
    tri = np.lexsort((b, rank_of[inv]))
    tri_g = rank_of[inv][tri]
    cut = np.searchsorted(tri_g, np.arange(order.size + 1))

    start = np.searchsorted(g_cap, np.arange(n_c + 1))
    distinct = np.diff(start)
    first = start[:-1][distinct > 0]
    others = np.ones(g_cap.size, dtype=bool)
    others[first] = False
    # the cost of all but the best, summed as a candidate's savings are (not total − best:
    # 275.00000000000006 beside savings 275.0 in the same document)
    duplicated = np.bincount(g_cap[others], g_cost[others], minlength=n_c).astype(float)
    units = assessed.sum(axis=1)
    index = homogeneity_index(distinct, units)
    cur = np.where(assessed, s.current, np.nan)
    with np.errstate(invalid="ignore"):
        hi = np.max(np.where(assessed, cur, -np.inf), axis=1, initial=-np.inf)  # no units
        lo = np.min(np.where(assessed, cur, np.inf), axis=1, initial=np.inf)
    spread = np.where(units > 0, hi - lo, np.nan)
    # served: by an application naming the capability or any of its sub-capabilities
    tree = capability_tree(e)
    live = ~land.retired[land.serve_app]
    served = np.zeros((n_c, n_b), dtype=bool)
    served[land.serve_cap[live], land.serve_bu[live]] = True
    anc, dsc = tree.pairs()
    np.logical_or.at(served, anc, served[dsc])
    named = np.zeros(n_c, dtype=bool)
    named[land.serve_cap[live]] = True
    listed = ~tree.has_children | named
    index = np.where(listed, index, np.nan)
    lonely = assessed & ~served
    rows, cols = np.nonzero(lonely)
    cut_w = np.searchsorted(rows, np.arange(n_c + 1))
    cols_l = cols.tolist()
    without = tuple(tuple(cols_l[cut_w[i]:cut_w[i + 1]]) for i in range(n_c))

    cand = np.nonzero(distinct >= 2)[0]
    cap_rank = np.empty(n_c, dtype=np.int64)
    cap_rank[np.argsort(np.array(s.capabilities, dtype=object), kind="stable")] = \
        np.arange(n_c)
    cand = cand[np.lexsort((cap_rank[cand], np.nan_to_num(index[cand]), -duplicated[cand]))]

    # per stage
    stage_of = np.array([c_.stage for c_ in e.capabilities], dtype=object)
    st_out = []
    is_cand = distinct >= 2
    for st in e.ordered_stages:
        in_stage = stage_of == st.id
        mask = in_stage & listed
        n_units = int(assessed[in_stage].any(axis=0).sum())
        if not mask.any():
            st_out.append(StageHomogeneity(st.id, st.name, 0, n_units, 0, None, None, 0.0, 0))
            continue
        gmask = mask[g_cap]
        h = index[mask]
        sp = spread[mask]
        st_out.append(StageHomogeneity(
            st.id, st.name, int(mask.sum()), n_units,
            int(np.unique(g_app[gmask]).size),
            float(np.nanmean(h)) if np.isfinite(h).any() else None,
            float(np.nanmax(sp)) if np.isfinite(sp).any() else None,
            float(duplicated[mask].sum()), int(is_cand[mask].sum())))

    return HomogeneityResult(
        s.capabilities, units, distinct, index, spread, duplicated, cand, start, g_app,
        g_fit, g_f, g_t, g_cost, cut, b[tri], without, tuple(st_out), s, land, e, listed,
        land.usage_caps, int((listed & named & ~land.usage_caps).sum()))


__all__ = ["AppUse", "Candidate", "CapabilityHomogeneity", "HomogeneityResult",
           "StageHomogeneity", "homogeneity", "homogeneity_index"]

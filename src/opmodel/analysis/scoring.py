"""Scoring (DESIGN §2): customer value, strategic value, gaps, weights and priorities.

All quantities are numpy arrays over capabilities (rows, in ``Enterprise.capabilities``
order) and business units (columns, in ``Enterprise.business_units`` order)::

    customer(c)  = Σ importance of the expectations naming c, scaled to 0–1 by the max
    strategic(c) = Σ objective.weight × strength over the links of c, scaled to 0–1
    gap(c,b)     = max(0, target − current)                      (nan unless assessed)
    w(c,b)       = (ω_cust·customer(c) + ω_strat·strategic(c) + ω_pain·pain(c,b)/5)
                   × bu_weight(b)                                 (largest unit weight = 1)
    priority     = w(c,b) × gap(c,b) / 5                          (in [0, 1])

The part that depends only on the model (not on ω) is built once per :class:`Enterprise`
object and cached (keyed on the object's identity, dropped when the object is garbage
collected), so repeated analyses — heat maps, sensitivity draws — cost only numpy work.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from ..errors import InputError, UnknownIdError
from ..model import Enterprise
from ..model.enterprise import CRITERIA

if TYPE_CHECKING:
    import pandas as pd

UNASSESSED, ASSESSED, NA = 0, 1, 2
STATUS_NAMES = ("missing", "assessed", "n/a")


@dataclass(frozen=True, eq=False)
class Base:
    """The ω-independent arrays of one model (read-only; shared through the cache)."""

    capabilities: tuple[str, ...]
    business_units: tuple[str, ...]
    cap_pos: dict[str, int]
    bu_pos: dict[str, int]
    customer: np.ndarray
    strategic: np.ndarray
    status: np.ndarray
    current: np.ndarray
    target: np.ndarray
    pain: np.ndarray
    gap: np.ndarray
    bu_weight: np.ndarray
    assessment_row: np.ndarray
    """(C, B) int: index into ``Enterprise.assessments`` of the cell's assessment, −1 if none."""
    customer_max: float = 0.0
    """The largest raw Σ importance (what ``customer`` is scaled by)."""
    strategic_max: float = 0.0
    """The largest raw Σ weight × strength (what ``strategic`` is scaled by)."""
    bu_weight_max: float = 1.0
    """The largest given unit weight (what ``bu_weight`` is scaled by)."""


@dataclass(frozen=True, eq=False)
class Scores:
    """Every §2 scoring quantity of a model for one choice of ω. Arrays are read-only."""

    capabilities: tuple[str, ...]
    business_units: tuple[str, ...]
    omega: dict[str, float]
    customer: np.ndarray
    strategic: np.ndarray
    status: np.ndarray
    current: np.ndarray
    target: np.ndarray
    pain: np.ndarray
    gap: np.ndarray
    bu_weight: np.ndarray
    weight: np.ndarray
    priority: np.ndarray
    base: Base

    def cap_index(self, capability_id: str) -> int:
        try:
            return self.base.cap_pos[capability_id]
        except KeyError:
            raise UnknownIdError("capability", capability_id) from None

    def bu_index(self, business_unit_id: str) -> int:
        try:
            return self.base.bu_pos[business_unit_id]
        except KeyError:
            raise UnknownIdError("business unit", business_unit_id) from None

    @property
    def assessed(self) -> np.ndarray:
        """(C, B) bool: cells with a current and target maturity."""
        return self.status == ASSESSED

    def to_frame(self) -> pd.DataFrame:
        """One row per (capability, business unit) cell, with every quantity."""
        import pandas as pd

        n_c, n_b = len(self.capabilities), len(self.business_units)
        return pd.DataFrame({
            "capability": np.repeat(np.array(self.capabilities, dtype=object), n_b),
            "business_unit": np.tile(np.array(self.business_units, dtype=object), n_c),
            "status": np.array(STATUS_NAMES, dtype=object)[self.status.ravel()],
            "current": self.current.ravel(),
            "target": self.target.ravel(),
            "pain": self.pain.ravel(),
            "gap": self.gap.ravel(),
            "customer": np.repeat(self.customer, n_b),
            "strategic": np.repeat(self.strategic, n_b),
            "bu_weight": np.tile(self.bu_weight, n_c),
            "weight": self.weight.ravel(),
            "priority": self.priority.ravel(),
        })


# -- ω ----------------------------------------------------------------------------------
def omega(e: Enterprise) -> dict[str, float]:
    """The criteria weights ω (customer, strategic, pain; summing to 1) of ``e``.

    Given directly in ``scoring.weights`` or derived from the AHP matrix (principal
    eigenvector). A malformed AHP matrix raises :class:`~opmodel.errors.ModelError` with the
    located ``E-AHP`` issues; an inconsistent one (CR > 0.1) is only a warning, see
    :func:`opmodel.analysis.weights.weights`.
    """
    from .weights import weights  # local: weights imports this module

    return dict(weights(e).omega)


_model_omega = omega


def _check_omega(om: dict[str, float]) -> dict[str, float]:
    unknown = set(om) - set(CRITERIA)
    if unknown:
        raise InputError(f"unknown scoring criteria {sorted(unknown)}",
                         hint=f"use {', '.join(CRITERIA)}")
    out = {k: float(om.get(k, 0.0)) for k in CRITERIA}
    total = sum(out.values())
    if any(v < 0 for v in out.values()) or not np.isfinite(total) or abs(total - 1) > 1e-6:
        raise InputError(f"ω must be non-negative and sum to 1 (got {out})",
                         hint="rescale the weights so they add up to 1")
    return out


# -- the model-dependent arrays, built once per Enterprise object -------------------------
_CACHE: dict[int, dict[str, Any]] = {}


def _scaled(x: np.ndarray) -> np.ndarray:
    m = float(x.max()) if x.size else 0.0
    return x / m if m > 0 else np.zeros_like(x)


def _build(e: Enterprise) -> Base:
    caps = tuple(c.id for c in e.capabilities)
    bus = tuple(b.id for b in e.business_units)
    cap_pos: dict[str, int] = {}
    for i, c in enumerate(caps):
        cap_pos.setdefault(c, i)
    bu_pos: dict[str, int] = {}
    for j, b in enumerate(bus):
        bu_pos.setdefault(b, j)
    n_c, n_b = len(caps), len(bus)

    customer = np.zeros(n_c)
    for x in e.expectations:
        for c in dict.fromkeys(x.capabilities):
            if c in cap_pos:
                customer[cap_pos[c]] += x.importance
    strategic = np.zeros(n_c)
    for o in e.objectives:
        for link in o.links:
            if link.capability in cap_pos:
                strategic[cap_pos[link.capability]] += o.weight * link.strength

    # assessments: gather flat lists, then scatter with fancy indexing
    n = len(e.assessments)
    rows = np.empty(n, dtype=np.int64)
    cols = np.empty(n, dtype=np.int64)
    st = np.empty(n, dtype=np.int8)
    cur = np.empty(n)
    tgt = np.empty(n)
    pn = np.empty(n)
    nan = float("nan")
    get_c, get_b = cap_pos.get, bu_pos.get
    k = 0
    for a in e.assessments:
        i = get_c(a.capability)
        j = get_b(a.business_unit)
        if i is None or j is None:
            continue
        rows[k] = i
        cols[k] = j
        if not a.applicable:
            st[k], cur[k], tgt[k], pn[k] = NA, nan, nan, 0.0
        elif a.current is None:
            st[k], cur[k], tgt[k] = UNASSESSED, nan, nan
            pn[k] = a.pain or 0.0
        else:
            st[k], cur[k], tgt[k] = ASSESSED, a.current, a.target
            pn[k] = a.pain or 0.0
        k += 1
    idx = np.arange(n, dtype=np.int64)
    if k < n:  # assessments naming unknown ids (only in unvalidated models)
        keep = np.array([get_c(a.capability) is not None and get_b(a.business_unit) is not None
                         for a in e.assessments], dtype=bool)
        idx = idx[keep]
    rows, cols, st, cur, tgt, pn = rows[:k], cols[:k], st[:k], cur[:k], tgt[:k], pn[:k]
    # first assessment of a pair wins (duplicates are validation errors): scatter reversed
    rows, cols, st, cur, tgt, pn, idx = (x[::-1] for x in (rows, cols, st, cur, tgt, pn, idx))

    status = np.zeros((n_c, n_b), dtype=np.int8)
    current = np.full((n_c, n_b), np.nan)
    target = np.full((n_c, n_b), np.nan)
    pain = np.zeros((n_c, n_b))
    arow = np.full((n_c, n_b), -1, dtype=np.int64)
    status[rows, cols] = st
    current[rows, cols] = cur
    target[rows, cols] = tgt
    pain[rows, cols] = pn
    arow[rows, cols] = idx
    gap = np.where(status == ASSESSED, np.maximum(0.0, target - current), np.nan)

    raw = np.array([np.nan if b.weight is None else b.weight for b in e.business_units])
    given = raw[~np.isnan(raw)]
    top = float(given.max()) if given.size else 1.0
    bu_weight = np.where(np.isnan(raw), 1.0, raw / top) if n_b else np.zeros(0)

    c_max = float(customer.max()) if n_c else 0.0
    s_max = float(strategic.max()) if n_c else 0.0
    customer, strategic = _scaled(customer), _scaled(strategic)
    arrays = (customer, strategic, status, current, target, pain, gap, bu_weight, arow)
    for x in arrays:
        x.flags.writeable = False
    return Base(caps, bus, cap_pos, bu_pos, *arrays, customer_max=c_max, strategic_max=s_max,
                bu_weight_max=top)


T = TypeVar("T")


def cached(e: Enterprise, name: str, build: Callable[[Enterprise], T]) -> T:
    """``build(e)``, computed once per Enterprise object (the model is frozen) and dropped
    when the object is garbage collected."""
    key = id(e)
    slot = _CACHE.get(key)
    if slot is None:
        slot = _CACHE[key] = {}
        weakref.finalize(e, _CACHE.pop, key, None)
    if name not in slot:
        slot[name] = build(e)
    return slot[name]  # type: ignore[no-any-return]


def base(e: Enterprise) -> Base:
    """The ω-independent arrays of ``e``, built on first use and cached per object."""
    return cached(e, "base", _build)


def score(e: Enterprise, omega: dict[str, float] | None = None) -> Scores:
    """Score every (capability, business unit) cell of ``e``.

    ``omega`` overrides the model's criteria weights (keys ``customer``, ``strategic``,
    ``pain``; must sum to 1) — used by the sensitivity analysis.
    """
    om = _check_omega(_model_omega(e) if omega is None else omega)
    return score_base(base(e), om)


def score_base(b: Base, om: dict[str, float]) -> Scores:
    """:func:`score` on already-built arrays (``om`` already checked)."""
    w = (om["customer"] * b.customer + om["strategic"] * b.strategic)[:, None] \
        + (om["pain"] / 5.0) * b.pain
    w *= b.bu_weight[None, :]
    prio = w * b.gap
    prio *= 0.2
    w.flags.writeable = False
    prio.flags.writeable = False
    return Scores(b.capabilities, b.business_units, dict(om), b.customer, b.strategic,
                  b.status, b.current, b.target, b.pain, b.gap, b.bu_weight, w, prio, b)


__all__ = ["ASSESSED", "NA", "STATUS_NAMES", "UNASSESSED", "Base", "Scores", "base", "cached",
           "omega", "score", "score_base"]

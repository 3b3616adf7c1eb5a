"""The application landscape as arrays: who serves which (capability, unit), with what fit.

Who uses what for which capability comes from the usage table where it describes the
capability (any usage row names it), else it is inferred from the applications' own lists:
every unit an application lists × every capability it lists. A usage row with share 0 names
an application that is not used for the capability.

Built once per :class:`~opmodel.model.Enterprise` object (see :func:`scoring.cached`) so that
homogeneity and TIME are numpy work over tens of thousands of applications.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from ..model import Application, Enterprise
from .scoring import base, cached

LIFECYCLES = ("plan", "active", "phase-out", "retired")


@dataclass(frozen=True, eq=False)
class Landscape:
    """Applications (A), their (application, unit) pairs (P) and the (application,
    capability, unit) triples they serve (S). Indexes refer to the model's order."""

    ids: tuple[str, ...]
    names: tuple[str, ...]
    functional: np.ndarray  # (A,) float: the fit 1–4, NaN when not assessed
    technical: np.ndarray  # (A,) float: the fit 1–4, NaN when not assessed
    cost: np.ndarray  # (A,) annual run cost
    lifecycle: np.ndarray  # (A,) int8 index into LIFECYCLES
    n_capabilities: np.ndarray  # (A,) distinct capabilities (all listed, known or not)
    n_units: np.ndarray  # (A,) distinct units
    id_rank: np.ndarray  # (A,) position of the id in sorted order (for tie-breaks)
    pair_app: np.ndarray  # (P,)
    pair_bu: np.ndarray  # (P,)
    pair_functional: np.ndarray  # (P,) the unit's own fit where it has one (NaN: none)
    pair_technical: np.ndarray  # (P,)
    pair_override: np.ndarray  # (P,) bool
    serve_app: np.ndarray  # (S,)
    serve_cap: np.ndarray  # (S,)
    serve_bu: np.ndarray  # (S,)
    serve_pair: np.ndarray  # (S,) index into the pair arrays
    usage_caps: np.ndarray  # (C,) bool: capabilities whose triples come from the usage table

    @property
    def retired(self) -> np.ndarray:
        return self.lifecycle == LIFECYCLES.index("retired")


def _flatten(apps: tuple[Application, ...], field: str, pos: dict[str, int],
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(owner application, position) of every distinct known id listed in ``field``, in
    listed order, and the number of distinct ids (known or not) per application."""
    n = len(apps)
    lists = [getattr(a, field) for a in apps]
    lens = np.fromiter((len(x) for x in lists), dtype=np.int64, count=n)
    names = list(itertools.chain.from_iterable(lists))
    idx = np.fromiter((pos.get(x, -1) for x in names), dtype=np.int64, count=len(names))
    owner = np.repeat(np.arange(n, dtype=np.int64), lens)
    # unknown ids (only in unvalidated models) count as distinct, but are not placed
    code = np.where(idx >= 0, idx, -1 - np.arange(idx.size))
    k = idx.size + 1
    _, first = np.unique(owner * (len(pos) + k) + (code + k), return_index=True)
    first.sort()
    distinct = np.bincount(owner[first], minlength=n)
    keep = first[idx[first] >= 0]
    return owner[keep], idx[keep], distinct


def _build(e: Enterprise) -> Landscape:
    b = base(e)
    apps = e.applications
    n = len(apps)
    lc = {x: k for k, x in enumerate(LIFECYCLES)}
    nan = float("nan")
    ff = np.fromiter((nan if a.functional_fit is None else a.functional_fit for a in apps),
                     dtype=float, count=n)
    tf = np.fromiter((nan if a.technical_fit is None else a.technical_fit for a in apps),
                     dtype=float, count=n)
    cost = np.fromiter((a.annual_run_cost for a in apps), dtype=float, count=n)
    life = np.fromiter((lc[a.lifecycle] for a in apps), dtype=np.int8, count=n)
    cap_app, cap_idx, ncap = _flatten(apps, "capabilities", b.cap_pos)
    pair_app, pair_bu, nbu = _flatten(apps, "business_units", b.bu_pos)
    pair_ff = ff[pair_app].copy()
    pair_tf = tf[pair_app].copy()
    pair_ov = np.zeros(pair_app.size, dtype=bool)
    if e.application_fits:
        app_pos = {a.id: k for k, a in reversed(list(enumerate(apps)))}
        n_b = max(len(b.business_units), 1)
        keys = pair_app * n_b + pair_bu
        order = np.argsort(keys, kind="stable")
        seen: set[int] = set()
        for f in e.application_fits:
            k, j = app_pos.get(f.application), b.bu_pos.get(f.business_unit)
            if k is None or j is None:
                continue
            at = int(np.searchsorted(keys, k * n_b + j, sorter=order))
            if at >= keys.size or keys[order[at]] != k * n_b + j:
                continue
            p = int(order[at])
            if p in seen:
                continue
            seen.add(p)
            pair_ov[p] = True
            if f.functional_fit is not None:
                pair_ff[p] = f.functional_fit
            if f.technical_fit is not None:
                pair_tf[p] = f.technical_fit
    # triples: every (application, unit) pair × every known capability of the application
    n_caps_known = np.bincount(cap_app, minlength=n)
    per_pair = n_caps_known[pair_app]
    serve_pair = np.repeat(np.arange(pair_app.size, dtype=np.int64), per_pair)
    first = np.cumsum(per_pair) - per_pair
    within = np.arange(serve_pair.size, dtype=np.int64) - np.repeat(first, per_pair)
    cap_off = np.cumsum(n_caps_known) - n_caps_known
    serve_cap = cap_idx[np.repeat(cap_off[pair_app], per_pair) + within]
    serve_app, serve_bu = pair_app[serve_pair], pair_bu[serve_pair]
    usage_caps = np.zeros(len(b.cap_pos), dtype=bool)
    if e.usage:
        used = _used(e, b.cap_pos, b.bu_pos, pair_app, pair_bu, usage_caps)
        keep = ~usage_caps[serve_cap]
        serve_app = np.concatenate([serve_app[keep], used[0]])
        serve_cap = np.concatenate([serve_cap[keep], used[1]])
        serve_bu = np.concatenate([serve_bu[keep], used[2]])
        serve_pair = np.concatenate([serve_pair[keep], used[3]])
    ids = tuple(a.id for a in apps)
    rank = np.empty(n, dtype=np.int64)
    rank[np.argsort(np.array(ids, dtype=object), kind="stable")] = np.arange(n)
    out = Landscape(ids, tuple(a.name for a in apps), ff, tf, cost, life, ncap, nbu, rank,
                    pair_app, pair_bu, pair_ff, pair_tf, pair_ov, serve_app, serve_cap,
                    serve_bu, serve_pair, usage_caps)
    for x in out.__dict__.values():
        if isinstance(x, np.ndarray):
            x.flags.writeable = False
    return out


def _used(e: Enterprise, cap_pos: dict[str, int], bu_pos: dict[str, int],
          pair_app: np.ndarray, pair_bu: np.ndarray, usage_caps: np.ndarray,
          ) -> tuple[np.ndarray, ...]:
    """(application, capability, unit, pair) of every usage row with a share other than 0,
    distinct, in row order; marks the capabilities the usage table describes in
    ``usage_caps``. Rows naming an unknown id, or a unit the application does not list
    (validation errors), are left out."""
    app_pos = {a.id: k for k, a in reversed(list(enumerate(e.applications)))}
    pair_of = {(int(a), int(u)): p for p, (a, u) in
               reversed(list(enumerate(zip(pair_app.tolist(), pair_bu.tolist(), strict=True))))}
    rows: dict[tuple[int, int, int, int], None] = {}
    for u in e.usage:
        k, c, j = app_pos.get(u.application), cap_pos.get(u.capability), \
            bu_pos.get(u.business_unit)
        if k is None or c is None or j is None:
            continue
        usage_caps[c] = True
        p = pair_of.get((k, j))
        if u.share != 0 and p is not None:
            rows.setdefault((k, c, j, p))
    cols = np.array(list(rows), dtype=np.int64).reshape(-1, 4)
    return tuple(np.ascontiguousarray(cols[:, m]) for m in range(4))


def landscape(e: Enterprise) -> Landscape:
    """The application arrays of ``e``, built on first use and cached per object."""
    return cached(e, "landscape", _build)


__all__ = ["LIFECYCLES", "Landscape", "landscape"]

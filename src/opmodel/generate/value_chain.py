"""Business units (revenue shares), the value-chain stages and a two-level capability tree."""

from __future__ import annotations

from typing import Any

import numpy as np

from .draft import Draft
from .draw import slug, zipf
from .words import ASPECTS, CAPABILITY_NOUNS, DIVISIONS, REGIONS, STAGE_NAMES


def value_chain(d: Draft) -> None:
    n, r = d.n, d.rng["units"]
    # business units: region × division names, lognormal revenue shares
    combos = [f"{reg} {div}" for div in DIVISIONS for reg in REGIONS]
    names = [combos[k] if k < len(combos) else f"Unit {k + 1}"
             for k in r.permutation(max(n.business_units, len(combos)))[:n.business_units]]
    shares = r.lognormal(0.0, 0.6, n.business_units)
    shares = shares / shares.sum()
    d.bu_ids = [f"bu-{k + 1:03d}" for k in range(n.business_units)]
    d.bu_weight = shares
    d.data["business_units"] = [
        {"id": b, "name": name, "weight": max(0.001, round(float(s), 4))}
        for b, name, s in zip(d.bu_ids, names, shares, strict=True)]

    # stages: a value chain, left to right
    d.stage_ids = [
        slug(STAGE_NAMES[k]) if k < len(STAGE_NAMES) else f"stage-{k + 1}"
        for k in range(n.stages)]
    d.data["stages"] = [
        {"id": s, "name": STAGE_NAMES[k] if k < len(STAGE_NAMES) else f"Stage {k + 1}",
         "order": k + 1} for k, s in enumerate(d.stage_ids)]

    # capabilities: a two-level tree; level-1 parents spread over the stages
    rc = d.rng["caps"]
    c = n.capabilities
    n_l1 = min(c, max(n.stages, round(c * 0.15)))
    l1_stage = np.concatenate([np.arange(n.stages),
                               rc.integers(0, n.stages, n_l1 - n.stages)])
    l1_stage.sort()
    n_l2 = c - n_l1
    # children per parent: uneven (some large families, some small)
    fam = rc.dirichlet(np.full(n_l1, 1.5)) if n_l1 > 0 else np.ones(0)
    l2_parent = np.sort(rc.choice(n_l1, size=n_l2, p=fam)) if n_l2 else np.zeros(0, int)
    nouns = rc.permutation(len(CAPABILITY_NOUNS))
    caps: list[dict[str, Any]] = []
    cap_ids: list[str] = []
    cap_stage: list[int] = []
    cap_parent: list[int] = []
    cap_name: list[str] = []
    l1_index: dict[int, int] = {}
    per_stage = np.zeros(n.stages, int)
    for k in range(n_l1):
        s = int(l1_stage[k])
        per_stage[s] += 1
        noun = CAPABILITY_NOUNS[nouns[k % len(nouns)]]
        rnd = k // len(nouns)
        name = noun if rnd == 0 else f"{noun} {rnd + 1}"
        cid = f"{d.stage_ids[s]}-{per_stage[s]:02d}"
        l1_index[k] = len(caps)
        caps.append({"id": cid, "name": name, "stage": d.stage_ids[s]})
        cap_ids.append(cid)
        cap_stage.append(s)
        cap_parent.append(-1)
        cap_name.append(name)
    child_no = np.zeros(n_l1, int)
    aspects = rc.integers(0, len(ASPECTS), n_l2)
    for m in range(n_l2):
        p = int(l2_parent[m])
        child_no[p] += 1
        parent = caps[l1_index[p]]
        s = int(l1_stage[p])
        cid = f"{parent['id']}-{child_no[p]:02d}"
        name = f"{parent['name']}: {ASPECTS[aspects[m]]}"
        caps.append({"id": cid, "name": name, "stage": parent["stage"],
                     "parent": parent["id"]})
        cap_ids.append(cid)
        cap_stage.append(s)
        cap_parent.append(l1_index[p])
        cap_name.append(name)
    d.data["capabilities"] = caps
    d.cap_ids = cap_ids
    d.cap_stage = np.asarray(cap_stage, int)
    d.cap_name = cap_name
    has_child = np.zeros(c, bool)
    for p in cap_parent:
        if p >= 0:
            has_child[p] = True
    d.leaves = np.flatnonzero(~has_child)
    d.popularity = zipf(rc, c, 0.9)


__all__ = ["value_chain"]

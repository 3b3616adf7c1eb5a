"""Strategy and customers: objectives with KPIs and capability links, customer segments
and their expectations, both leaning on the popular capabilities."""

from __future__ import annotations

import numpy as np

from .draft import Draft
from .draw import slug
from .words import EXPECTATIONS, OBJECTIVES, SEGMENTS


def strategy(d: Draft) -> None:
    n, r = d.n, d.rng["strategy"]
    c = n.capabilities
    pop = d.popularity
    n_obj = int(min(len(OBJECTIVES) * 3, max(3, round(c / 25))))
    objectives = []
    for k in range(n_obj):
        title = OBJECTIVES[k % len(OBJECTIVES)]
        if k >= len(OBJECTIVES):
            title = f"{title} ({k // len(OBJECTIVES) + 1})"
        n_links = int(min(c, r.integers(3, 13)))
        linked = r.choice(c, size=n_links, replace=False, p=pop)
        strengths = r.choice([1, 2, 3], size=n_links, p=[0.3, 0.4, 0.3])
        kpis = []
        for m in range(int(r.integers(1, 4))):
            base = float(round(r.uniform(5, 80), 1))
            up = bool(r.random() < 0.7)
            tgt = round(base * (1.2 if up else 0.8), 1)
            kpis.append({"id": f"kpi-{m + 1}", "name": f"{title} KPI {m + 1}", "unit": "%",
                         "baseline": base, "target": tgt, "direction": "up" if up else "down"})
        objectives.append({
            "id": f"obj-{k + 1:02d}", "name": title,
            "weight": float(r.choice([1, 2, 3, 4, 5])), "kpis": kpis,
            "links": [{"capability": d.cap_ids[int(x)], "strength": int(s)}
                      for x, s in zip(linked, strengths, strict=True)]})
    d.data["objectives"] = objectives

    n_seg = int(min(len(SEGMENTS), max(2, round(c / 400) + 2)))
    segs = [{"id": slug(SEGMENTS[k]), "name": SEGMENTS[k]} for k in range(n_seg)]
    d.data["segments"] = segs
    n_exp = int(min(400, max(4, round(c / 10))))
    by_stage = [np.flatnonzero(d.cap_stage == s) for s in range(n.stages)]
    stage_p = np.array([pop[ix].sum() for ix in by_stage])
    stage_p = stage_p / stage_p.sum()
    exps = []
    for k in range(n_exp):
        s = int(r.choice(n.stages, p=stage_p))
        pool = by_stage[s]
        p = pop[pool] / pop[pool].sum()
        n_caps = int(min(len(pool), r.integers(1, 5)))
        chosen = r.choice(pool, size=n_caps, replace=False, p=p)
        seg = segs[int(r.integers(0, n_seg))]
        exps.append({
            "id": f"exp-{k + 1:03d}", "segment": seg["id"],
            "statement": f"{EXPECTATIONS[k % len(EXPECTATIONS)]} "
                         f"({seg['name'].lower()}, {d.stage_ids[s]})",
            "importance": int(r.choice([1, 2, 3, 4, 5], p=[0.05, 0.15, 0.3, 0.3, 0.2])),
            "stage": d.stage_ids[s],
            "capabilities": [d.cap_ids[int(x)] for x in chosen]})
    d.data["expectations"] = exps


__all__ = ["strategy"]

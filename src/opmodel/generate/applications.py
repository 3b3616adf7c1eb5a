"""Applications: where they serve (a primary leaf capability and a few on its stage; one to
three units, shared platforms in many), run cost, fit, lifecycle, and per-unit fits."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .draft import Draft
from .draw import draw, quarter, ranked
from .words import PRODUCTS, VENDORS


def applications(d: Draft) -> None:
    n, r = d.n, d.rng["apps"]
    a, b = n.applications, n.business_units
    leaves = d.leaves
    lp = np.sqrt(d.popularity[leaves])
    primary = leaves[draw(r, lp, a)]
    n_caps = r.choice([1, 2, 3, 4], size=a, p=[0.45, 0.3, 0.15, 0.1])
    n_bus = r.choice([1, 2, 3], size=a, p=[0.65, 0.25, 0.1])
    platform = (r.random(a) < 0.03) & (b > 3)  # shared platforms used by many units
    # units: weighted by revenue share, without repeats (Gumbel top-k, row by row)
    units_rank = ranked(r, np.log(d.bu_weight), a)
    cost = np.maximum(np.round(r.lognormal(math.log(60), 1.0, a), 1), 0.5)
    ffit = r.choice([1, 2, 3, 4], size=a, p=[0.1, 0.3, 0.4, 0.2])
    tfit = np.clip(ffit + r.choice([-1, 0, 0, 1], size=a), 1, 4)
    life = r.choice(4, size=a, p=[0.8, 0.07, 0.11, 0.02])  # active, plan, phase-out, retired
    vendor = r.integers(0, len(VENDORS) + 2, a)  # the last two: no vendor recorded
    product = r.integers(0, len(PRODUCTS), a)
    q_off = r.integers(0, d.n.quarters, a)
    q_len = r.integers(1, 5, a)
    # further capabilities of an app: others on the same stage as its primary one
    order = np.argsort(d.cap_stage, kind="stable")
    first = np.searchsorted(d.cap_stage[order], np.arange(n.stages))
    size = np.bincount(d.cap_stage, minlength=n.stages)
    st = d.cap_stage[primary]
    extra = order[first[st][:, None] + (r.random((a, 3)) * size[st][:, None]).astype(int)]
    n_platform = r.integers(4, b + 1, a) if b > 3 else np.zeros(a, int)
    with_fit = r.random(a) < 0.1
    fit_unit = r.random(a)
    fit_delta = r.choice([-1, 1], size=a)
    cap_ids, bu_ids, cap_name = d.cap_ids, d.bu_ids, d.cap_name
    apps: list[dict[str, Any]] = []
    fits: list[dict[str, Any]] = []
    d.app_caps: dict[int, list[int]] = {}
    d.app_units: list[set[int]] = []
    for k in range(a):
        cap0 = int(primary[k])
        caps = [cap0]
        if n_caps[k] > 1:
            caps = list(dict.fromkeys([cap0, *extra[k, : n_caps[k] - 1].tolist()]))
        m = int(n_platform[k]) if platform[k] else int(min(b, n_bus[k]))
        units = sorted(units_rank[k][:m].tolist()) if units_rank is not None else sorted(
            r.choice(b, size=m, replace=False, p=d.bu_weight).tolist())
        vend = VENDORS[vendor[k]] if vendor[k] < len(VENDORS) else None
        noun = cap_name[cap0].split(":")[0].rstrip("0123456789 ")
        brand = f"{vend} " if vend and vend != "in-house" else ""
        app: dict[str, Any] = {
            "id": f"app-{k + 1:05d}",
            "name": f"{brand}{noun} {PRODUCTS[product[k]]}",
            "business_units": [bu_ids[u] for u in units],
            "capabilities": [cap_ids[x] for x in caps],
            "annual_run_cost": float(cost[k]),
            "functional_fit": int(ffit[k]), "technical_fit": int(tfit[k]),
        }
        if vend:
            app["vendor"] = vend
        lc = int(life[k])
        q0 = d.h0 + int(q_off[k])
        if lc == 1:
            app["lifecycle"] = "plan"
            app["active_from"] = quarter(q0)
        elif lc == 2:
            app["lifecycle"] = "phase-out"
            app["phase_out_from"] = quarter(d.h0 - int(q_len[k]))
            app["retire_by"] = quarter(q0)
        elif lc == 3:
            app["lifecycle"] = "retired"
            app["retire_by"] = quarter(d.h0 - int(q_len[k]))
        apps.append(app)
        d.app_units.append(set(units))
        if lc in (0, 2):  # active or phasing out: candidates for retirement
            for x in caps:
                d.app_caps.setdefault(x, []).append(k)
        if m > 1 and with_fit[k]:  # one unit rates the app differently
            f = int(ffit[k] + fit_delta[k])
            f = f if 1 <= f <= 4 else int(ffit[k] - fit_delta[k])
            fits.append({"application": app["id"],
                         "business_unit": bu_ids[units[int(fit_unit[k] * m)]],
                         "functional_fit": f})
    d.data["applications"] = apps
    d.data["application_fits"] = fits
    d.app_ids = [x["id"] for x in apps]


__all__ = ["applications"]

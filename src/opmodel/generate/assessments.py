"""Assessments: every capability × business unit, drawn as arrays (maturity skewed low,
pain following the gap, a few n/a and unassessed cells, assessors and dates per unit)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np

from .draft import Draft
from .words import SURNAMES


def assessments(d: Draft) -> None:
    n, r = d.n, d.rng["assess"]
    c, b = n.capabilities, n.business_units
    cap_eff = r.normal(0.0, 0.6, c)[:, None]
    bu_eff = r.normal(0.0, 0.5, b)[None, :]
    latent = r.gamma(2.2, 0.8, (c, b)) + cap_eff + bu_eff + 0.15
    current = np.clip(np.rint(latent), 0, 5) + 0.0  # + 0.0: no -0.0
    gap = r.choice(4, size=(c, b), p=[0.18, 0.45, 0.29, 0.08])
    target = np.minimum(5, current + gap)
    lower = r.random((c, b)) < 0.03  # a few targets below today's maturity
    target = np.where(lower, np.maximum(0, current - 1), target)
    gap = np.maximum(0, target - current)
    pain = np.clip(np.rint(0.9 * gap + r.normal(0.6, 0.8, (c, b))), 0, 5) + 0.0
    no_pain = r.random((c, b)) < 0.08
    u = r.random((c, b))
    na = u < 0.05
    unassessed = (u >= 0.05) & (u < 0.07)
    inferred = r.random((c, b)) < 0.15
    # assessors and dates: each unit has 1–3 assessors, surveyed before the horizon
    first = d.h0 - 2  # two quarters before the start
    base = dt.date(first // 4, (first % 4) * 3 + 1, 1)
    bu_day = r.integers(0, 60, b)
    day = np.minimum(bu_day[None, :] + r.integers(0, 21, (c, b)), 120)
    n_assessors = r.integers(1, 4, b)
    who = (r.random((c, b)) * n_assessors[None, :]).astype(int)
    names = [[f"{chr(97 + int(r.integers(0, 26)))}.{SURNAMES[int(r.integers(0, 16))]}"
              for _ in range(3)] for _ in range(b)]
    dates = [base + dt.timedelta(days=int(d)) for d in range(121)]

    d.na = na
    d.gap = np.where(na | unassessed, 0, gap)
    rows: list[dict[str, Any]] = []
    cap_ids, bu_ids = d.cap_ids, d.bu_ids
    cur_l, tgt_l, pain_l = current.tolist(), target.tolist(), pain.tolist()
    na_l, un_l, np_l = na.tolist(), unassessed.tolist(), no_pain.tolist()
    inf_l, who_l, day_l = inferred.tolist(), who.tolist(), day.tolist()
    append = rows.append
    for i in range(c):
        cid = cap_ids[i]
        cur_i, tgt_i, pain_i, na_i, un_i = cur_l[i], tgt_l[i], pain_l[i], na_l[i], un_l[i]
        for j in range(b):
            row: dict[str, Any] = {"capability": cid, "business_unit": bu_ids[j],
                                   "assessor": names[j][who_l[i][j]],
                                   "date": dates[day_l[i][j]]}
            if na_i[j]:
                row["applicable"] = False
            elif un_i[j]:
                row["notes"] = "not assessed yet"
                del row["assessor"], row["date"]
            else:
                row["current"] = cur_i[j]
                row["target"] = tgt_i[j]
                if not np_l[i][j]:
                    row["pain"] = pain_i[j]
                if inf_l[i][j]:
                    row["confidence"] = "inferred"
            append(row)
    d.data["assessments"] = rows


__all__ = ["assessments"]

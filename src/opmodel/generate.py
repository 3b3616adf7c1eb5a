"""Large, valid, realistic models for tests and benchmarks: :func:`generate`.

The generator is pure (no I/O) and deterministic: the same options and ``seed`` always give
the same :class:`~opmodel.model.Enterprise`. Each part of the model (business units,
capabilities, assessments, strategy, applications, initiatives, money) draws from its own
random stream spawned from the seed, so changing ``--initiatives`` does not reshuffle the
assessments. Large tables are drawn with numpy in one go; the whole model is then validated
by pydantic in a single ``Enterprise.model_validate`` call.

Every generated model passes :func:`opmodel.validate` with no errors and no warnings, and is
built so that the portfolio stays feasible: mandatory initiatives are cheap, have no
dependencies, exclusions or team demand, and always fit the smallest quarterly budget of
their pool. The distributions are described in ``docs/generate.md``.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np

from .errors import InputError
from .model import Enterprise
from .model.ahp import ahp_weights
from .model.quarter import is_quarter, quarter_index

Rng = np.random.Generator
T = TypeVar("T")
Step = Callable[[str], None]

STAGE_NAMES = ("Market", "Sell", "Onboard", "Deliver", "Bill", "Support", "Retain", "Partner",
               "Plan", "Source", "Make", "Distribute")
CAPABILITY_NOUNS = (
    "Customer data", "Order management", "Pricing", "Quoting", "Campaign management",
    "Content management", "Identity and access", "Contract management", "Fulfilment",
    "Logistics", "Invoicing", "Payments", "Collections", "Case management",
    "Knowledge management", "Field service", "Loyalty", "Analytics", "Forecasting",
    "Product catalogue", "Partner management", "Procurement", "Inventory", "Scheduling",
    "Quality management", "Risk management", "Compliance", "Reporting", "Self-service",
    "Document management", "Workforce management", "Consent management",
)
ASPECTS = ("intake", "processing", "monitoring", "automation", "reporting", "governance",
           "integration", "self-service", "planning", "exceptions")
REGIONS = ("North", "South", "East", "West", "Central", "Nordics", "Iberia", "Benelux",
           "Alps", "Baltics")
DIVISIONS = ("Retail", "Wholesale", "Services", "Industrial", "Consumer", "Energy",
             "Health", "Public")
SURNAMES = ("lee", "diaz", "novak", "smith", "kim", "rossi", "muller", "dubois", "silva",
            "tanaka", "olsen", "garcia", "khan", "nowak", "ivanova", "brown")
VENDORS = ("SAP", "Salesforce", "Microsoft", "Oracle", "ServiceNow", "Workday", "Adobe",
           "Infor", "IBM", "Atlassian", "HubSpot", "Zendesk", "in-house")
PRODUCTS = ("Hub", "Suite", "Portal", "Engine", "Desk", "Cloud", "Manager", "Tracker",
            "Workbench", "Connect", "Studio", "Gateway")
SEGMENTS = ("Consumers", "Small businesses", "Enterprises", "Public sector", "Partners",
            "Wholesale buyers")
VERBS = {"run": ("Upgrade", "Patch", "Renew", "Stabilise"),
         "grow": ("Extend", "Improve", "Automate", "Integrate"),
         "transform": ("Replace", "Re-platform", "Digitise", "Reinvent")}
OBJECTIVES = ("Grow revenue", "Keep our customers", "Lower the cost to serve",
              "Enter new markets", "Comply with regulation", "Faster time to market",
              "Improve margins", "Simplify the application landscape", "Digital sales share",
              "Employee productivity")
EXPECTATIONS = ("A correct answer the first time", "Fast delivery", "One place to get help",
                "Clear and simple bills", "Self-service at any hour", "Personal offers",
                "Easy onboarding", "Reliable service", "Transparent prices",
                "Proactive updates")

KIND_P = (0.3, 0.4, 0.3)  # run, grow, transform
KIND_NAMES = ("run", "grow", "transform")
POOLS = ("enterprise", "transformation")  # run and grow draw on the first, transform on the second


@dataclass(frozen=True)
class Sizes:
    """The options of :func:`generate`, checked."""

    seed: int
    business_units: int
    stages: int
    capabilities: int
    applications: int
    initiatives: int
    quarters: int
    dependency_density: float
    start: str


def check_options(*, seed: int, business_units: int, stages: int, capabilities: int,
                  applications: int, initiatives: int, quarters: int,
                  dependency_density: float, start: str) -> Sizes:
    """Check the option ranges; raise :class:`~opmodel.errors.InputError` naming the bad one.

    ``stages`` is capped at ``capabilities`` (every stage needs a capability).
    """
    def bad(option: str, value: Any, rule: str) -> InputError:
        return InputError(f"{option} is {value!r}; give {rule}")

    for option, value, low, high in (
        ("--seed", seed, 0, 2**63 - 1),
        ("--business-units", business_units, 1, 1000),
        ("--stages", stages, 1, 50),
        ("--capabilities", capabilities, 1, 100_000),
        ("--applications", applications, 0, 1_000_000),
        ("--initiatives", initiatives, 0, 100_000),
        ("--quarters", quarters, 4, 12),
    ):
        if isinstance(value, bool) or not isinstance(value, int | np.integer):
            raise bad(option, value, "a whole number")
        if not low <= value <= high:
            raise bad(option, value, f"a whole number from {low:,} to {high:,}")
    if not isinstance(dependency_density, int | float) or not (
        0.0 <= float(dependency_density) <= 1.0
    ) or math.isnan(float(dependency_density)):
        raise bad("--dependency-density", dependency_density, "a number from 0 to 1")
    if business_units * capabilities > 5_000_000:
        raise InputError(
            f"{business_units:,} business units × {capabilities:,} capabilities is "
            f"{business_units * capabilities:,} assessments, above the limit of 5,000,000;"
            " lower --business-units or --capabilities")
    if not isinstance(start, str) or not is_quarter(start):
        raise bad("--start", start, "a quarter like 2027Q1")
    return Sizes(int(seed), int(business_units), min(int(stages), int(capabilities)),
                 int(capabilities), int(applications), int(initiatives), int(quarters),
                 float(dependency_density), start)


def generate(*, seed: int = 0, business_units: int = 5, stages: int = 6,
             capabilities: int = 50, applications: int = 60, initiatives: int = 40,
             quarters: int = 8, dependency_density: float = 0.15, start: str = "2027Q1",
             on_step: Step | None = None) -> Enterprise:
    """A valid, realistic model of the given size, the same for the same ``seed``.

    ``dependency_density`` is the probability that an initiative depends on earlier ones.
    ``on_step`` (optional) is called with the name of each phase, for progress displays.
    Raises :class:`~opmodel.errors.InputError` when an option is out of range.
    """
    sizes = check_options(seed=seed, business_units=business_units, stages=stages,
                          capabilities=capabilities, applications=applications,
                          initiatives=initiatives, quarters=quarters,
                          dependency_density=dependency_density, start=start)
    step = on_step or (lambda _name: None)
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence(sizes.seed).spawn(8)]
    g = _Gen(sizes, *streams)
    step("value chain")
    g.settings()
    g.value_chain()
    step("assessments")
    g.assessments()
    step("strategy and customers")
    g.strategy()
    step("applications")
    g.applications()
    step("initiatives")
    g.initiatives()
    step("budgets and policy")
    g.money()
    step("validating")
    return Enterprise.model_validate(g.data)


# -- the generator ---------------------------------------------------------------------------
def _zipf(rng: Rng, n: int, s: float = 1.0) -> np.ndarray:
    """Popularity weights (summing to 1) of ``n`` items: 1/rank^s over a random ranking."""
    ranks = rng.permutation(n) + 1
    w = 1.0 / ranks.astype(float) ** s
    return w / w.sum()


def _draw(rng: Rng, weights: np.ndarray, size: int | tuple[int, ...]) -> np.ndarray:
    """``size`` indices drawn with replacement, proportional to ``weights``."""
    cdf = np.cumsum(weights, dtype=float)
    idx = np.searchsorted(cdf, rng.random(size) * cdf[-1], side="right")
    return np.minimum(idx, len(weights) - 1)


def _pick(rng: Rng, values: Sequence[T], cdf: Sequence[float]) -> T:
    """One of ``values``; ``cdf`` holds the cumulative probabilities of all but the last."""
    return values[bisect.bisect_right(cdf, rng.random())]


def _ranked(rng: Rng, log_weights: np.ndarray, rows: int,
            limit: int = 20_000_000) -> np.ndarray | None:
    """Per row, every index ordered as a weighted draw without replacement would pick them
    (Gumbel top-k: the first k of a row are a weighted sample of k). None when too large."""
    n = len(log_weights)
    if rows * n > limit:
        return None
    out = np.empty((rows, n), dtype=np.int32)
    chunk = max(1, 2_000_000 // max(n, 1))
    for lo in range(0, rows, chunk):
        hi = min(rows, lo + chunk)
        keys = log_weights[None, :] + rng.gumbel(size=(hi - lo, n))
        out[lo:hi] = np.argsort(-keys, axis=1, kind="stable")
    return out


def _slug(text: str) -> str:
    out = "".join(ch if ch.isalnum() else "-" for ch in text.lower())
    return "-".join(p for p in out.split("-") if p)


def _round_to(x: float, step: float) -> float:
    return float(max(step, round(x / step) * step))


class _Gen:
    """Holds the random streams and builds ``data``: the dict Enterprise validates."""

    def __init__(self, sizes: Sizes, r_units: Rng, r_caps: Rng, r_assess: Rng,
                 r_strategy: Rng, r_apps: Rng, r_inits: Rng, r_money: Rng,
                 r_settings: Rng) -> None:
        self.n = sizes
        self.r_units, self.r_caps, self.r_assess = r_units, r_caps, r_assess
        self.r_strategy, self.r_apps, self.r_inits = r_strategy, r_apps, r_inits
        self.r_money, self.r_settings = r_money, r_settings
        self.data: dict[str, Any] = {}
        self.h0 = quarter_index(sizes.start)

    # ---- settings and value chain ----
    def settings(self) -> None:
        n, r = self.n, self.r_settings
        scoring: dict[str, Any] = {"point_value": float(r.choice([80, 100, 120, 150]))}
        w = r.dirichlet([4.0, 3.0, 2.0])
        matrix = None
        if r.random() < 0.5:
            matrix = _ahp_matrix(w)
        if matrix is not None:
            scoring["ahp"] = {"criteria": ["customer", "strategic", "pain"], "matrix": matrix}
        else:
            wc, ws = round(float(w[0]), 2), round(float(w[1]), 2)
            wc, ws = max(wc, 0.05), max(ws, 0.05)
            wp = round(1.0 - wc - ws, 2)
            if wp < 0.05:
                wc, ws, wp = 0.5, 0.3, 0.2
            scoring["weights"] = {"customer": wc, "strategic": ws, "pain": wp}
        self.data.update(
            name=f"Generated Co (seed {n.seed})",
            description=(f"Generated by `opmodel generate --seed {n.seed}`: "
                         f"{n.business_units} business units, {n.capabilities} capabilities, "
                         f"{n.applications} applications, {n.initiatives} initiatives."),
            currency="EUR", unit="thousands",
            horizon={"start": n.start, "quarters": n.quarters},
            fiscal_year_start=1, scoring=scoring,
        )

    def value_chain(self) -> None:
        n, r = self.n, self.r_units
        # business units: region × division names, lognormal revenue shares
        combos = [f"{reg} {div}" for div in DIVISIONS for reg in REGIONS]
        names = [combos[k] if k < len(combos) else f"Unit {k + 1}"
                 for k in r.permutation(max(n.business_units, len(combos)))[:n.business_units]]
        shares = r.lognormal(0.0, 0.6, n.business_units)
        shares = shares / shares.sum()
        self.bu_ids = [f"bu-{k + 1:03d}" for k in range(n.business_units)]
        self.bu_weight = shares
        self.data["business_units"] = [
            {"id": b, "name": name, "weight": max(0.001, round(float(s), 4))}
            for b, name, s in zip(self.bu_ids, names, shares, strict=True)]

        # stages: a value chain, left to right
        self.stage_ids = [
            _slug(STAGE_NAMES[k]) if k < len(STAGE_NAMES) else f"stage-{k + 1}"
            for k in range(n.stages)]
        self.data["stages"] = [
            {"id": s, "name": STAGE_NAMES[k] if k < len(STAGE_NAMES) else f"Stage {k + 1}",
             "order": k + 1} for k, s in enumerate(self.stage_ids)]

        # capabilities: a two-level tree; level-1 parents spread over the stages
        rc = self.r_caps
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
            cid = f"{self.stage_ids[s]}-{per_stage[s]:02d}"
            l1_index[k] = len(caps)
            caps.append({"id": cid, "name": name, "stage": self.stage_ids[s]})
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
        self.data["capabilities"] = caps
        self.cap_ids = cap_ids
        self.cap_stage = np.asarray(cap_stage, int)
        self.cap_name = cap_name
        has_child = np.zeros(c, bool)
        for p in cap_parent:
            if p >= 0:
                has_child[p] = True
        self.leaves = np.flatnonzero(~has_child)
        self.popularity = _zipf(rc, c, 0.9)

    # ---- assessments: every capability × business unit, drawn as arrays ----
    def assessments(self) -> None:
        n, r = self.n, self.r_assess
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
        first = self.h0 - 2  # two quarters before the start
        base = dt.date(first // 4, (first % 4) * 3 + 1, 1)
        bu_day = r.integers(0, 60, b)
        day = np.minimum(bu_day[None, :] + r.integers(0, 21, (c, b)), 120)
        n_assessors = r.integers(1, 4, b)
        who = (r.random((c, b)) * n_assessors[None, :]).astype(int)
        names = [[f"{chr(97 + int(r.integers(0, 26)))}.{SURNAMES[int(r.integers(0, 16))]}"
                  for _ in range(3)] for _ in range(b)]
        dates = [base + dt.timedelta(days=int(d)) for d in range(121)]

        self.na = na
        self.gap = np.where(na | unassessed, 0, gap)
        rows: list[dict[str, Any]] = []
        cap_ids, bu_ids = self.cap_ids, self.bu_ids
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
        self.data["assessments"] = rows

    # ---- strategy and customers ----
    def strategy(self) -> None:
        n, r = self.n, self.r_strategy
        c = n.capabilities
        pop = self.popularity
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
                "links": [{"capability": self.cap_ids[int(x)], "strength": int(s)}
                          for x, s in zip(linked, strengths, strict=True)]})
        self.data["objectives"] = objectives

        n_seg = int(min(len(SEGMENTS), max(2, round(c / 400) + 2)))
        segs = [{"id": _slug(SEGMENTS[k]), "name": SEGMENTS[k]} for k in range(n_seg)]
        self.data["segments"] = segs
        n_exp = int(min(400, max(4, round(c / 10))))
        by_stage = [np.flatnonzero(self.cap_stage == s) for s in range(n.stages)]
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
                             f"({seg['name'].lower()}, {self.stage_ids[s]})",
                "importance": int(r.choice([1, 2, 3, 4, 5], p=[0.05, 0.15, 0.3, 0.3, 0.2])),
                "stage": self.stage_ids[s],
                "capabilities": [self.cap_ids[int(x)] for x in chosen]})
        self.data["expectations"] = exps

    # ---- applications ----
    def applications(self) -> None:
        n, r = self.n, self.r_apps
        a, b = n.applications, n.business_units
        leaves = self.leaves
        lp = np.sqrt(self.popularity[leaves])
        primary = leaves[_draw(r, lp, a)]
        n_caps = r.choice([1, 2, 3, 4], size=a, p=[0.45, 0.3, 0.15, 0.1])
        n_bus = r.choice([1, 2, 3], size=a, p=[0.65, 0.25, 0.1])
        platform = (r.random(a) < 0.03) & (b > 3)  # shared platforms used by many units
        # units: weighted by revenue share, without repeats (Gumbel top-k, row by row)
        units_rank = _ranked(r, np.log(self.bu_weight), a)
        cost = np.maximum(np.round(r.lognormal(math.log(60), 1.0, a), 1), 0.5)
        ffit = r.choice([1, 2, 3, 4], size=a, p=[0.1, 0.3, 0.4, 0.2])
        tfit = np.clip(ffit + r.choice([-1, 0, 0, 1], size=a), 1, 4)
        life = r.choice(4, size=a, p=[0.8, 0.07, 0.11, 0.02])  # active, plan, phase-out, retired
        vendor = r.integers(0, len(VENDORS) + 2, a)  # the last two: no vendor recorded
        product = r.integers(0, len(PRODUCTS), a)
        q_off = r.integers(0, self.n.quarters, a)
        q_len = r.integers(1, 5, a)
        # further capabilities of an app: others on the same stage as its primary one
        order = np.argsort(self.cap_stage, kind="stable")
        first = np.searchsorted(self.cap_stage[order], np.arange(n.stages))
        size = np.bincount(self.cap_stage, minlength=n.stages)
        st = self.cap_stage[primary]
        extra = order[first[st][:, None] + (r.random((a, 3)) * size[st][:, None]).astype(int)]
        n_platform = r.integers(4, b + 1, a) if b > 3 else np.zeros(a, int)
        with_fit = r.random(a) < 0.1
        fit_unit = r.random(a)
        fit_delta = r.choice([-1, 1], size=a)
        cap_ids, bu_ids, cap_name = self.cap_ids, self.bu_ids, self.cap_name
        apps: list[dict[str, Any]] = []
        fits: list[dict[str, Any]] = []
        self.app_caps: dict[int, list[int]] = {}
        self.app_units: list[set[int]] = []
        for k in range(a):
            cap0 = int(primary[k])
            caps = [cap0]
            if n_caps[k] > 1:
                caps = list(dict.fromkeys([cap0, *extra[k, : n_caps[k] - 1].tolist()]))
            m = int(n_platform[k]) if platform[k] else int(min(b, n_bus[k]))
            units = sorted(units_rank[k][:m].tolist()) if units_rank is not None else sorted(
                r.choice(b, size=m, replace=False, p=self.bu_weight).tolist())
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
            q0 = self.h0 + int(q_off[k])
            if lc == 1:
                app["lifecycle"] = "plan"
                app["active_from"] = _q(q0)
            elif lc == 2:
                app["lifecycle"] = "phase-out"
                app["phase_out_from"] = _q(self.h0 - int(q_len[k]))
                app["retire_by"] = _q(q0)
            elif lc == 3:
                app["lifecycle"] = "retired"
                app["retire_by"] = _q(self.h0 - int(q_len[k]))
            apps.append(app)
            self.app_units.append(set(units))
            if lc in (0, 2):  # active or phasing out: candidates for retirement
                for x in caps:
                    self.app_caps.setdefault(x, []).append(k)
            if m > 1 and with_fit[k]:  # one unit rates the app differently
                f = int(ffit[k] + fit_delta[k])
                f = f if 1 <= f <= 4 else int(ffit[k] - fit_delta[k])
                fits.append({"application": app["id"],
                             "business_unit": bu_ids[units[int(fit_unit[k] * m)]],
                             "functional_fit": f})
        self.data["applications"] = apps
        self.data["application_fits"] = fits
        self.app_ids = [x["id"] for x in apps]

    # ---- initiatives ----
    def initiatives(self) -> None:
        n, r = self.n, self.r_inits
        m, b, q = n.initiatives, n.business_units, n.quarters
        kind = r.choice(3, size=m, p=KIND_P)
        owner = r.choice(b, size=m, p=self.bu_weight)
        mean = np.array([150.0, 400.0, 1200.0])[kind]
        cost = np.maximum(5.0, np.round(r.lognormal(np.log(mean), 0.7) / 5) * 5)
        dur_choices = ([1, 2], [1, 2, 3, 4], [2, 3, 4, 5, 6])
        duration = np.array([min(q, int(r.choice(dur_choices[k]))) for k in kind], int)
        # capabilities worth raising: popular ones with large gaps (n/a cells excluded)
        gap_sum = self.gap.sum(axis=1).astype(float)
        want = self.popularity * (gap_sum + 0.5)
        want_pick = _draw(r, want, (m, 6))  # candidate capabilities of each initiative
        ok_cells = ~self.na  # (capability, unit) cells an effect may target
        all_ok = ok_cells.all(axis=1)

        # mandatory: ~3 %, mostly run; no dependencies, exclusions or team demand
        mandatory = np.zeros(m, bool)
        if m >= 10:
            cand = np.flatnonzero(kind < 2)
            n_mand = int(min(len(cand), max(1, round(0.03 * m))))
            pref = np.where(kind[cand] == 0, 3.0, 1.0)
            mandatory[r.choice(cand, size=n_mand, replace=False, p=pref / pref.sum())] = True
        # dependencies: a DAG, each on 1–2 earlier initiatives close by in the list
        deps: list[list[int]] = [[] for _ in range(m)]
        has_dep = r.random(m) < n.dependency_density
        for i in range(1, m):
            if has_dep[i] and not mandatory[i]:
                lo = max(0, i - 40)
                k = int(min(i - lo, 1 if r.random() < 0.8 else 2))
                deps[i] = sorted(int(x) for x in r.choice(np.arange(lo, i), size=k,
                                                          replace=False))
        # timing: some start late, some fixed starts, some deadlines; always reachable
        late = r.random(m) < 0.15
        fixed = r.random(m) < 0.05
        with_deadline = r.random(m) < 0.08
        earliest = np.zeros(m, int)
        for i in range(m):
            room = q - int(duration[i])  # last possible start offset
            if late[i] and room > 0:
                earliest[i] = int(r.integers(1, room + 1))
        # exclusions: a few pairs of optional alternatives, unrelated by dependency
        excludes: list[list[int]] = [[] for _ in range(m)]
        n_pairs = round(0.02 * m)
        optional = np.flatnonzero(~mandatory)
        for _ in range(n_pairs if len(optional) > 1 else 0):
            i, j = sorted(int(x) for x in r.choice(optional, size=2, replace=False))
            if i in deps[j] or j in deps[i] or i in excludes[j] or j in excludes[i]:
                continue
            excludes[j].append(i)
        # teams
        n_teams = int(min(8, max(2, m // 400 + 2))) if m else 0
        teams = [f"team-{k + 1}" for k in range(n_teams)]
        demand: list[list[tuple[int, float]]] = [[] for _ in range(m)]
        load = np.zeros(n_teams)
        biggest = np.zeros(n_teams)
        for i in np.flatnonzero((r.random(m) < 0.3) & ~mandatory):
            picks = r.choice(n_teams, size=int(min(n_teams, r.integers(1, 3))), replace=False)
            for t in picks:
                amount = _pick(r, (0.5, 1.0, 2.0, 3.0, 4.0), (0.2, 0.4, 0.6, 0.8))
                demand[int(i)].append((int(t), amount))
                load[t] += amount * duration[i]
                biggest[t] = max(biggest[t], amount)
        self.teams = [
            {"id": t, "name": f"Delivery team {k + 1}",
             "capacity": max(float(biggest[k]), _round_to(0.5 * load[k] / q, 0.5))}
            for k, t in enumerate(teams)]
        if n_teams and r.random() < 0.7:  # one team is thinner in one quarter (holidays)
            k = int(r.integers(0, n_teams))
            cap = self.teams[k]["capacity"]
            self.teams[k]["by_quarter"] = [{"quarter": _q(self.h0 + int(r.integers(0, q))),
                                            "capacity": max(float(biggest[k]), cap / 2)}]

        # money: budgets at ~50 % of demand per pool, then mandatory costs capped to fit
        pool = np.where(kind == 2, 1, 0)
        demand_per_pool = np.array([cost[pool == p].sum() for p in range(2)])
        self.budget = self._budgets(demand_per_pool)
        for p in range(2):
            mand = np.flatnonzero(mandatory & (pool == p))
            limit = 0.3 * self.budget[p].min()
            total = cost[mand].sum()
            if len(mand) and total > limit:
                cost[mand] = np.floor(cost[mand] * limit / total)
        cost = np.maximum(cost, 1.0)
        if mandatory.any():
            for p in range(2):  # never more mandatory spend than a fraction of the smallest budget
                mand = np.flatnonzero(mandatory & (pool == p))
                while len(mand) and cost[mand].sum() > 0.3 * self.budget[p].min():
                    mandatory[mand[-1]] = False
                    mand = mand[:-1]

        # retirements: an initiative retires 1–2 apps serving what it raises
        retire_p = np.array([0.05, 0.2, 0.45])[kind]
        retired_by: set[int] = set()
        items: list[dict[str, Any]] = []
        for i in range(m):
            k = int(kind[i])
            d = int(duration[i])
            o = int(owner[i])
            effects, targets = self._effects(r, k, o, want_pick[i], ok_cells, all_ok)
            cap0 = self.cap_ids[effects[0]["capability_index"]] if effects else None
            verb = VERBS[KIND_NAMES[k]][int(r.integers(0, 4))]
            what = (self.cap_name[effects[0]["capability_index"]] if effects
                    else "shared services")
            it: dict[str, Any] = {
                "id": f"ini-{i + 1:05d}", "name": f"{verb} {what}",
                "owner": self.bu_ids[o], "kind": KIND_NAMES[k], "duration": d,
            }
            if pool[i] == 1:
                it["pool"] = POOLS[1]
            c = float(cost[i])
            if d > 1 and r.random() < 0.2:  # a cost profile: ramp up, then down
                shape = np.hanning(d + 2)[1:-1] + 0.3
                prof = [round(float(x), 1) for x in c * shape / shape.sum()]
                it["cost_profile"] = prof
                c = float(sum(prof))
            else:
                it["cost"] = c
            if r.random() < 0.5:
                low = math.floor(c * r.uniform(0.75, 0.95))
                high = math.ceil(c * r.uniform(1.1, 1.8))
                it["cost_range"] = {"low": float(low), "likely": c, "high": float(high)}
            e0 = int(earliest[i])
            if e0:
                it["earliest_start"] = _q(self.h0 + e0)
            if not deps[i] and not mandatory[i] and fixed[i]:
                it["earliest_start"] = it["latest_start"] = _q(self.h0 + e0)
            if not deps[i] and with_deadline[i]:
                last_end = e0 + d - 1
                it["deadline"] = _q(self.h0 + int(r.integers(last_end, q)))
            if r.random() < 0.1:
                it["direct_value"] = float(_round_to(c * r.uniform(0.05, 0.3), 1.0))
            it["effects"] = [{k_: v for k_, v in e.items() if k_ != "capability_index"}
                             for e in effects]
            if cap0 is not None and r.random() < retire_p[i]:
                serving = [x for e in effects for x in self.app_caps.get(e["capability_index"], ())
                           if x not in retired_by]
                serving = [x for x in dict.fromkeys(serving)
                           if not self.app_units[x].isdisjoint(targets)]
                if serving:
                    take = r.choice(len(serving), size=min(len(serving), int(r.integers(1, 3))),
                                    replace=False)
                    ret = sorted(serving[int(t)] for t in take)
                    retired_by.update(ret)
                    it["retires"] = [self.app_ids[x] for x in ret]
            if deps[i]:
                it["depends_on"] = [f"ini-{j + 1:05d}" for j in deps[i]]
            if excludes[i]:
                it["excludes"] = [f"ini-{j + 1:05d}" for j in excludes[i]]
            if mandatory[i]:
                it["mandatory"] = True
            if r.random() < 0.6:
                it["architecture_fit"] = round(float(r.beta(5, 2)), 2)
            if demand[i]:
                it["team_demand"] = [{"team": teams[t], "amount": a} for t, a in demand[i]]
            items.append(it)
        self.data["initiatives"] = items
        self.guardrails_ok = self._guardrails_feasible(items)

    def _effects(self, r: Rng, kind: int, owner: int, candidates: np.ndarray,
                 ok_cells: np.ndarray, all_ok: np.ndarray) -> tuple[list[dict[str, Any]], set[int]]:
        """1–3 effects of one initiative, never on a cell its unit marked n/a."""
        b = self.n.business_units
        n_eff = _pick(r, (1, 2, 3), (0.5, 0.85))
        caps = dict.fromkeys(candidates.tolist())  # distinct, in draw order
        effects: list[dict[str, Any]] = []
        targets: set[int] = set()
        for cap in caps:
            if len(effects) == n_eff:
                break
            if kind == 2 and r.random() < 0.4:  # transformation: every unit that can use it
                units = np.flatnonzero(ok_cells[cap])
                scope: list[str] | None = None if all_ok[cap] else [self.bu_ids[u] for u in units]
            else:
                extra = 0 if kind == 0 else _pick(r, (0, 1, 2), (0.5, 0.8))
                others = [int(x) for x in r.choice(b, size=min(b, extra + 1), replace=False)
                          if int(x) != owner][:extra]
                units = np.array(sorted([owner, *others]), int)
                units = units[ok_cells[cap, units]]
                scope = [self.bu_ids[u] for u in units]
            if len(units) == 0:
                continue
            uplift = _pick(r, (0.5, 1.0, 1.5, 2.0), (0.2, 0.6, 0.8))
            eff: dict[str, Any] = {"capability": self.cap_ids[cap], "capability_index": cap,
                                   "uplift": uplift}
            if scope is not None:
                eff["business_units"] = scope
            effects.append(eff)
            targets.update(units.tolist())
        return effects, targets

    def _guardrails_feasible(self, items: list[dict[str, Any]]) -> bool:
        """Whether a plan exists that meets the mix guardrails (transform ≥ 25 %, run ≤ 40 %
        at the strictest) as well as the mandatory work.

        Sufficient test: transformations needing nothing else (no dependencies, exclusions
        or team demand) can be scheduled within the transformation pool's quarterly budgets
        for a total of at least 1.5 × the mandatory spend M. Then mandatory + those is a
        plan: transform share ≥ 1.5M / 2.5M = 60 %, run share ≤ M / 2.5M = 40 %.
        """
        q, h0 = self.n.quarters, self.h0
        need = 1.5 * sum(_total(it) for it in items if it.get("mandatory"))
        if need == 0:
            return True  # spending nothing meets every share rule
        excluded = {x for it in items for x in it.get("excludes", ())}
        spend = np.zeros(q)
        budget = self.budget[1]
        got = 0.0
        free = [it for it in items if it["kind"] == "transform" and not it.get("depends_on")
                and not it.get("excludes") and it["id"] not in excluded
                and not it.get("team_demand")]
        for it in sorted(free, key=_total, reverse=True):
            d = it["duration"]
            prof = np.asarray(it.get("cost_profile") or [it["cost"] / d] * d)
            first = quarter_index(it["earliest_start"]) - h0 if "earliest_start" in it else 0
            last = quarter_index(it["latest_start"]) - h0 if "latest_start" in it else q - d
            if "deadline" in it:
                last = min(last, quarter_index(it["deadline"]) - h0 - d + 1)
            for s in range(first, min(last, q - d) + 1):
                if np.all(spend[s:s + d] + prof <= budget[s:s + d] + 1e-9):
                    spend[s:s + d] += prof
                    got += float(prof.sum())
                    break
            if got >= need:
                return True
        return False

    def _budgets(self, demand: np.ndarray) -> np.ndarray:
        """Per pool and quarter: about half the pool's demand, spread with some variation."""
        r, q = self.r_money, self.n.quarters
        out = np.zeros((2, q))
        for p in range(2):
            base = max(100.0, 0.5 * float(demand[p]) / q)
            step = 10.0 if base < 10_000 else 100.0
            out[p] = [_round_to(base * r.uniform(0.85, 1.15), step) for _ in range(q)]
        return out

    # ---- budgets and policy ----
    def money(self) -> None:
        r, q = self.r_money, self.n.quarters
        self.data["budgets"] = [
            {"period": _q(self.h0 + t), "pool": POOLS[p], "amount": float(self.budget[p, t])}
            for p in range(2) for t in range(q)]
        # guardrails only where the portfolio can meet them alongside the mandatory items
        min_t = float(r.choice([0.15, 0.2, 0.25]))
        max_r = float(r.choice([0.4, 0.45, 0.5]))
        guardrails: list[dict[str, Any]] = []
        if self.guardrails_ok:
            guardrails = [{"kind": "transform", "min_share": min_t},
                          {"kind": "run", "max_share": max_r}]
        policy: dict[str, Any] = {
            "carry_over": str(r.choice(["none", "fiscal-year", "horizon"])),
            "guardrails": guardrails,
            "teams": self.teams,
        }
        self.data["policy"] = policy


def _total(it: dict[str, Any]) -> float:
    return float(sum(it["cost_profile"])) if "cost_profile" in it else float(it["cost"])


def _q(index: int) -> str:
    return f"{index // 4}Q{index % 4 + 1}"


SAATY = np.array([1 / 9, 1 / 8, 1 / 7, 1 / 6, 1 / 5, 1 / 4, 1 / 3, 1 / 2, 1, 2, 3, 4, 5, 6, 7,
                  8, 9])


def _ahp_matrix(w: Sequence[float]) -> list[list[float]] | None:
    """A reciprocal Saaty-scale matrix close to weights ``w``; None if too inconsistent."""
    n = len(w)
    a = np.ones((n, n))
    for i in range(n):
        for j in range(i + 1, n):
            ratio = w[i] / w[j]
            v = float(SAATY[np.argmin(np.abs(np.log(SAATY) - math.log(ratio)))])
            a[i, j], a[j, i] = v, 1 / v
    if ahp_weights(a).cr > 0.1:
        return None
    return [[round(float(x), 6) for x in row] for row in a]


__all__ = ["Sizes", "check_options", "generate"]

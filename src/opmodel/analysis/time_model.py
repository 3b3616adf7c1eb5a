"""TIME classification of applications (Gartner's Tolerate / Invest / Migrate / Eliminate).

Fit is scored 1–4; a fit of 3 or more is *high* (:data:`HIGH`)::

                         technical fit high    technical fit low
    functional high      Invest                Migrate
    functional low       Tolerate              Eliminate

Each application is classified on its own fit, and again in every unit it serves, with
that unit's :class:`~opmodel.model.ApplicationFit` override where one exists — the same
application can be an Invest in one unit and a Migrate in another.

An application whose functional or technical fit is not known (imported from a repository
that never scored it) is **not assessed** (:data:`NOT_ASSESSED`): a fifth class, counted
and costed on its own, never read as a low fit. A unit's own fit row can assess it there.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from ..model import Enterprise
from .landscape import LIFECYCLES, Landscape, landscape

if TYPE_CHECKING:
    import pandas as pd

HIGH = 3
Quadrant = Literal["invest", "migrate", "tolerate", "eliminate", "not assessed"]
QUADRANTS: tuple[Quadrant, ...] = ("invest", "migrate", "tolerate", "eliminate")
NOT_ASSESSED: Quadrant = "not assessed"
CLASSES: tuple[Quadrant, ...] = (*QUADRANTS, NOT_ASSESSED)
"""The four quadrants and "not assessed" (code 4 of :func:`quadrant_codes`)."""


def quadrant(functional_fit: float | None, technical_fit: float | None) -> Quadrant:
    """The TIME quadrant of a (functional, technical) fit pair on the 1–4 scale;
    ``"not assessed"`` when either is None."""
    if functional_fit is None or technical_fit is None:
        return NOT_ASSESSED
    return CLASSES[int(quadrant_codes(np.asarray(functional_fit, dtype=float),
                                      np.asarray(technical_fit, dtype=float)))]


def quadrant_codes(functional: np.ndarray, technical: np.ndarray) -> np.ndarray:
    """Index into :data:`CLASSES` for arrays of fits: 0–3 the quadrants, 4 when either
    fit is NaN (not assessed)."""
    codes = (2 * (functional < HIGH) + (technical < HIGH)).astype(np.int8)
    return np.where(np.isnan(functional) | np.isnan(technical), np.int8(4), codes
                    ).astype(np.int8)


def _fit(v: float) -> int | None:
    return None if v != v else int(v)  # NaN: not assessed


@dataclass(frozen=True)
class AppTime:
    application: str
    name: str
    functional_fit: int | None
    technical_fit: int | None
    quadrant: Quadrant
    """One of :data:`CLASSES`: a TIME quadrant, or "not assessed" (a fit is missing)."""
    annual_run_cost: float
    lifecycle: str
    vendor: str | None
    business_units: int
    capabilities: int
    varies: bool
    """True when some unit's own fit puts the application in another quadrant."""


@dataclass(frozen=True)
class AppUnitTime:
    application: str
    business_unit: str
    functional_fit: int | None
    technical_fit: int | None
    quadrant: Quadrant
    override: bool
    """True when the unit has its own ApplicationFit row."""


@dataclass(frozen=True, eq=False)
class TimeResult:
    """Quadrant codes per application (``apps``: indexes into the model's applications)
    and per (application, unit) pair; the row objects are built on demand."""

    apps: np.ndarray
    quadrant: np.ndarray
    varies: np.ndarray
    pairs: np.ndarray  # indexes into the landscape's pairs
    pair_quadrant: np.ndarray
    land: Landscape = field(repr=False)
    enterprise: Enterprise = field(repr=False, compare=False)

    @cached_property
    def applications(self) -> tuple[AppTime, ...]:
        land, e = self.land, self.enterprise
        return tuple(
            AppTime(land.ids[a], land.names[a], _fit(land.functional[a]),
                    _fit(land.technical[a]), CLASSES[q], float(land.cost[a]),
                    LIFECYCLES[int(land.lifecycle[a])], e.applications[a].vendor,
                    int(land.n_units[a]), int(land.n_capabilities[a]), bool(v))
            for a, q, v in zip(self.apps.tolist(), self.quadrant.tolist(),
                               self.varies.tolist(), strict=True))

    @cached_property
    def by_unit(self) -> tuple[AppUnitTime, ...]:
        land = self.land
        bus = [b.id for b in self.enterprise.business_units]
        return tuple(
            AppUnitTime(land.ids[int(land.pair_app[p])], bus[int(land.pair_bu[p])],
                        _fit(land.pair_functional[p]), _fit(land.pair_technical[p]),
                        CLASSES[q], bool(land.pair_override[p]))
            for p, q in zip(self.pairs.tolist(), self.pair_quadrant.tolist(), strict=True))

    def counts(self) -> dict[str, int]:
        """Applications per class: the four quadrants and "not assessed" (always present)."""
        n = np.bincount(self.quadrant, minlength=5)
        return {q: int(n[k]) for k, q in enumerate(CLASSES)}

    def cost(self) -> dict[str, float]:
        c = np.bincount(self.quadrant, self.land.cost[self.apps], minlength=5)
        return {q: float(c[k]) for k, q in enumerate(CLASSES)}

    @property
    def not_assessed(self) -> int:
        """How many applications have no TIME quadrant yet (a fit is missing)."""
        return int(np.count_nonzero(self.quadrant == 4))

    def to_frame(self, by: str = "application") -> pd.DataFrame:
        """One row per application, or per application × unit with ``by="unit"``."""
        import pandas as pd

        if by == "unit":
            return pd.DataFrame([asdict(r) for r in self.by_unit],
                                columns=list(AppUnitTime.__dataclass_fields__))
        return pd.DataFrame([asdict(a) for a in self.applications],
                            columns=list(AppTime.__dataclass_fields__))

    def to_dict(self) -> dict[str, Any]:
        return {"high_fit_threshold": HIGH, "counts": self.counts(), "cost": self.cost(),
                "applications": [asdict(a) for a in self.applications],
                "by_unit": [asdict(r) for r in self.by_unit]}


def time_classification(e: Enterprise, *, include_retired: bool = False) -> TimeResult:
    """TIME quadrant per application and per application × unit."""
    land = landscape(e)
    apps = np.arange(len(land.ids)) if include_retired else np.nonzero(~land.retired)[0]
    q_all = quadrant_codes(land.functional, land.technical)
    pairs = np.nonzero(np.isin(land.pair_app, apps))[0] if not include_retired \
        else np.arange(land.pair_app.size)
    pq = quadrant_codes(land.pair_functional[pairs], land.pair_technical[pairs])
    differs = pq != q_all[land.pair_app[pairs]]
    varies = np.bincount(land.pair_app[pairs][differs], minlength=len(land.ids)) > 0
    return TimeResult(apps, q_all[apps], varies[apps], pairs, pq, land, e)


__all__ = ["CLASSES", "HIGH", "NOT_ASSESSED", "QUADRANTS", "AppTime", "AppUnitTime",
           "TimeResult", "quadrant", "quadrant_codes", "time_classification"]

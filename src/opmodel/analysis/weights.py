"""The criteria weights ω and, when they come from AHP, how consistent the judgements are."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

import numpy as np

from ..errors import Issue, ModelError
from ..model import Enterprise
from ..model.ahp import RANDOM_INDEX, ahp_weights
from ..model.enterprise import CRITERIA
from ..model.validate import validate_scoring  # the same rules as `validate`

if TYPE_CHECKING:
    import pandas as pd

CR_LIMIT = 0.1


@dataclass(frozen=True)
class WeightsResult:
    """ω and where it came from. For AHP: λmax, CI, RI, CR and the worst judgement."""

    source: Literal["weights", "ahp"]
    omega: dict[str, float]
    criteria: tuple[str, ...] = CRITERIA
    matrix: tuple[tuple[float, ...], ...] | None = None
    lambda_max: float | None = None
    ci: float | None = None
    ri: float | None = None
    cr: float | None = None
    worst: tuple[str, str] | None = None
    """The comparison (row criterion, column criterion) furthest from what ω implies."""
    worst_given: float | None = None
    worst_implied: float | None = None
    warnings: tuple[Issue, ...] = field(default=())

    @property
    def consistent(self) -> bool:
        return self.cr is None or self.cr <= CR_LIMIT

    def to_frame(self) -> pd.DataFrame:
        import pandas as pd

        return pd.DataFrame({"criterion": list(self.omega), "weight": list(self.omega.values())})

    def to_dict(self) -> dict[str, object]:
        return {
            "source": self.source, "omega": self.omega, "criteria": list(self.criteria),
            "matrix": None if self.matrix is None else [list(r) for r in self.matrix],
            "lambda_max": self.lambda_max, "ci": self.ci, "ri": self.ri, "cr": self.cr,
            "worst": None if self.worst is None else list(self.worst),
            "worst_given": self.worst_given, "worst_implied": self.worst_implied,
            "warnings": [str(w) for w in self.warnings],
        }


def ahp_issues(e: Enterprise) -> list[Issue]:
    """The E-AHP errors and W-AHP warning of ``e``'s AHP matrix (none when ω is direct)."""
    return validate_scoring(e)


def weights(e: Enterprise) -> WeightsResult:
    """ω of ``e``: given directly, or the principal eigenvector of the AHP matrix.

    A malformed matrix (not square, a non-positive entry, not reciprocal) raises
    :class:`~opmodel.errors.ModelError` with located ``E-AHP`` issues. CR > 0.1 is returned
    as a ``W-AHP`` warning naming the most inconsistent comparison.
    """
    s = e.scoring
    if s.ahp is None:
        assert s.weights is not None
        w = s.weights
        return WeightsResult("weights", {"customer": w.customer, "strategic": w.strategic,
                                         "pain": w.pain})
    issues = ahp_issues(e)
    errors = [i for i in issues if i.severity == "error"]
    if errors:
        raise ModelError(issues, source="enterprise.yaml (scoring.ahp)")
    ahp = s.ahp
    a = np.asarray(ahp.matrix, dtype=float)
    res = ahp_weights(a)
    n = len(ahp.criteria)
    om = {k: 0.0 for k in CRITERIA}
    for k, v in zip(ahp.criteria, res.weights, strict=True):
        om[k] = v
    worst = given = implied = None
    if res.worst is not None:
        i, j = res.worst
        worst = (ahp.criteria[i], ahp.criteria[j])
        given = float(a[i, j])
        implied = res.weights[i] / res.weights[j]
    ri = RANDOM_INDEX[n] if n < len(RANDOM_INDEX) else RANDOM_INDEX[-1]
    return WeightsResult("ahp", om, tuple(ahp.criteria), tuple(tuple(r) for r in ahp.matrix),
                         res.lambda_max, res.ci, ri, res.cr, worst, given, implied,
                         tuple(i for i in issues if i.severity == "warning"))


__all__ = ["CR_LIMIT", "WeightsResult", "ahp_issues", "weights"]

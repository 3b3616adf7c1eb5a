"""Where a number came from: the inputs and arithmetic behind one (capability, unit) cell.

A finance partner must be able to recompute every priority by hand from what
:func:`cell_provenance` returns: the assessment, the expectations and objective links that
make the capability matter, the unit weight, the ω terms and the final products.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

from ..model import Enterprise
from .scoring import ASSESSED, STATUS_NAMES, Scores


@dataclass(frozen=True)
class AssessmentSource:
    row: int
    """1-based position in the assessments table (the data row of assessments.csv)."""
    current: float | None
    target: float | None
    pain: float | None
    applicable: bool
    confidence: str
    assessor: str | None
    date: str | None
    notes: str | None


@dataclass(frozen=True)
class ExpectationSource:
    id: str
    segment: str
    statement: str
    importance: int


@dataclass(frozen=True)
class ObjectiveSource:
    objective: str
    name: str
    weight: float
    strength: int

    @property
    def product(self) -> float:
        return self.weight * self.strength


@dataclass(frozen=True)
class CellProvenance:
    """Everything behind ``priority(c, b)`` — enough to recompute it by hand."""

    capability: str
    capability_name: str
    stage: str
    business_unit: str
    business_unit_name: str
    status: str
    assessment: AssessmentSource | None
    expectations: tuple[ExpectationSource, ...]
    customer_raw: float
    customer_max: float
    customer: float
    objectives: tuple[ObjectiveSource, ...]
    strategic_raw: float
    strategic_max: float
    strategic: float
    pain: float
    bu_weight_raw: float | None
    bu_weight_max: float
    bu_weight: float
    omega: dict[str, float]
    weight: float
    gap: float | None
    priority: float | None
    sub_capabilities: tuple[str, ...] = ()
    """The capability's children: heat maps roll a parent up from its subtree in a unit
    that did not assess the parent itself."""

    @property
    def terms(self) -> dict[str, float]:
        """The three ω terms of the weight before the unit weight is applied."""
        return {"customer": self.omega["customer"] * self.customer,
                "strategic": self.omega["strategic"] * self.strategic,
                "pain": self.omega["pain"] * self.pain / 5.0}

    def arithmetic(self) -> list[str]:
        """The calculation, one step a line, in the model's own numbers."""
        om, t = self.omega, self.terms
        exp = " + ".join(f"{x.importance}" for x in self.expectations) or "0"
        obj = " + ".join(f"{o.weight:g}×{o.strength}" for o in self.objectives) or "0"
        bw = "unit has no weight → 1" if self.bu_weight_raw is None else \
            f"{self.bu_weight_raw:g} / {self.bu_weight_max:g} = {self.bu_weight:.4g}"
        out = [
            f"customer(c)  = ({exp}) / {self.customer_max:g} = {self.customer:.4g}",
            f"strategic(c) = ({obj}) / {self.strategic_max:g} = {self.strategic:.4g}",
            f"bu_weight(b) = {bw}",
            f"w(c,b) = ({om['customer']:.4g}×{self.customer:.4g} + {om['strategic']:.4g}×"
            f"{self.strategic:.4g} + {om['pain']:.4g}×{self.pain:g}/5) × {self.bu_weight:.4g}"
            f" = ({t['customer']:.4g} + {t['strategic']:.4g} + {t['pain']:.4g}) × "
            f"{self.bu_weight:.4g} = {self.weight:.4g}",
        ]
        if self.gap is not None and self.assessment is not None:
            out.append(f"gap(c,b) = max(0, {self.assessment.target:g} − "
                       f"{self.assessment.current:g}) = {self.gap:g}")
            out.append(f"priority = w × gap / 5 = {self.weight:.4g} × {self.gap:g} / 5 = "
                       f"{self.priority:.4g}")
        elif self.status == "n/a":
            out.append("gap and priority: none — the unit marked this capability n/a")
        elif self.sub_capabilities:
            subs = ", ".join(self.sub_capabilities[:6]) + \
                (", …" if len(self.sub_capabilities) > 6 else "")
            out.append("gap and priority: none of its own — nobody assessed this capability "
                       f"here, so heat maps show it rolled up from its sub-capabilities {subs} "
                       "(and theirs) by the roll-up rule: all n/a ⇒ n/a, any assessed ⇒ the "
                       "rolled-up value, else not assessed")
        else:
            out.append("gap and priority: unknown — nobody assessed this capability here")
        return out

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["terms"] = self.terms
        d["arithmetic"] = self.arithmetic()
        return d


def _num(x: float) -> float | None:
    return None if math.isnan(x) else float(x)


def cell_provenance(e: Enterprise, scores: Scores, capability: str,
                    business_unit: str) -> CellProvenance:
    """The inputs and arithmetic behind the cell (``capability``, ``business_unit``)."""
    i, j = scores.cap_index(capability), scores.bu_index(business_unit)
    cap = e.capability(capability)
    bu = e.business_unit(business_unit)
    b = scores.base
    row = int(b.assessment_row[i, j])
    src = None
    if row >= 0:
        a = e.assessments[row]
        src = AssessmentSource(row + 1, a.current, a.target, a.pain, a.applicable,
                               a.confidence, a.assessor,
                               None if a.date is None else a.date.isoformat(), a.notes)
    exps = tuple(ExpectationSource(x.id, x.segment, x.statement, x.importance)
                 for x in e.expectations if capability in x.capabilities)
    objs = tuple(ObjectiveSource(o.id, o.name, o.weight, link.strength)
                 for o in e.objectives for link in o.links if link.capability == capability)
    status = int(scores.status[i, j])
    return CellProvenance(
        capability=capability, capability_name=cap.name, stage=cap.stage,
        business_unit=business_unit, business_unit_name=bu.name,
        status=STATUS_NAMES[status], assessment=src, expectations=exps,
        customer_raw=float(sum(x.importance for x in exps)), customer_max=b.customer_max,
        customer=float(scores.customer[i]), objectives=objs,
        strategic_raw=float(sum(o.product for o in objs)), strategic_max=b.strategic_max,
        strategic=float(scores.strategic[i]), pain=float(scores.pain[i, j]),
        bu_weight_raw=bu.weight, bu_weight_max=b.bu_weight_max,
        bu_weight=float(scores.bu_weight[j]), omega=dict(scores.omega),
        weight=float(scores.weight[i, j]),
        gap=_num(scores.gap[i, j]) if status == ASSESSED else None,
        priority=_num(scores.priority[i, j]) if status == ASSESSED else None,
        sub_capabilities=tuple(c.id for c in e.capabilities
                               if c.parent == capability and c.id != capability),
    )


__all__ = ["AssessmentSource", "CellProvenance", "ExpectationSource", "ObjectiveSource",
           "cell_provenance"]

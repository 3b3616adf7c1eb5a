"""The sections of report.html, in reading order. Each section is a data-builder and a
template partial:

- ``context(d, f)`` returns what its partial shows beyond what every partial gets (``d``
  the :class:`~.data.ReportData`, ``e`` the model, ``f`` the :class:`~.findings.Findings`,
  ``plan``, ``specs`` the charts by name, ``title``, ``horizon``);
- ``templates/sections/<id>.html.j2`` lays it out (``{% from "macros.html.j2" import chart,
  chip with context %}`` gives the chart figure and the priority chip);
- ``show(d)`` says whether the model has the section at all (default: always).

The section's ``id`` is its anchor (``#roadmap``) and ``nav`` its link in the navigation bar.
Adding a section is one entry in :data:`SECTIONS` (see docs/report.md).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from . import tables
from .charts import top_columns

if TYPE_CHECKING:
    from .data import ReportData
    from .findings import Findings

Context = Callable[["ReportData", "Findings"], dict[str, Any]]


def _nothing(d: ReportData, f: Findings) -> dict[str, Any]:
    return {}


def _always(d: ReportData) -> bool:
    return True


@dataclass(frozen=True)
class Section:
    id: str
    """The anchor (``#id``) and the partial ``templates/sections/<id>.html.j2``."""
    nav: str
    """Its link in the navigation bar."""
    context: Context = _nothing
    """What the partial needs beyond the common context."""
    show: Callable[[ReportData], bool] = _always
    """Whether the report has this section."""

    @property
    def template(self) -> str:
        return f"sections/{self.id}.html.j2"


# -- the data-builders of the sections ---------------------------------------------------------
def summary(d: ReportData, f: Findings) -> dict[str, Any]:
    return {"hot": f.hot_cells}


def consolidation(d: ReportData, f: Findings) -> dict[str, Any]:
    return {"candidates": tables.candidate_rows(d.analysis, 15)}


def applications(d: ReportData, f: Findings) -> dict[str, Any]:
    return {"apps": tables.time_rows(d)}


def roadmap(d: ReportData, f: Findings) -> dict[str, Any]:
    return {"pools": tables.pool_rows(d), "frontier_rows": d.frontier_rows(),
            "cap_shown": _shown(d)}


def initiatives(d: ReportData, f: Findings) -> dict[str, Any]:
    return {"initiatives": tables.initiative_rows(d), "reasons": tables.reason_labels(d)}


def appendix(d: ReportData, f: Findings) -> dict[str, Any]:
    return {"inputs": tables.input_rows(d), "weights": tables.weights_rows(d),
            "solver": tables.solver_rows(d), "baselines": tables.baseline_rows(d),
            "risk_lines": tables.risk_line_rows(d)}


def _shown(d: ReportData) -> str | None:
    """How many capabilities the capability chart shows, when not all of them."""
    cm = d.analysis.capability_map
    keep = top_columns(cm)
    if keep is None:
        return None
    return f"the {len(keep)} hottest of the {len(cm.columns):,} capabilities"


def since(d: ReportData, f: Findings) -> dict[str, Any]:
    return {"s": d.since}


SECTIONS: list[Section] = [
    Section("summary", "Summary", summary),
    Section("since", "Since last quarter", since, show=lambda d: d.since is not None),
    Section("heatmap", "Heat map"),
    Section("consolidation", "Consolidation", consolidation),
    Section("applications", "Applications", applications),
    Section("roadmap", "Roadmap", roadmap),
    Section("initiatives", "Initiatives", initiatives),
    Section("appendix", "Appendix", appendix),
]
"""The sections of report.html, in reading order."""


__all__ = ["SECTIONS", "Section"]

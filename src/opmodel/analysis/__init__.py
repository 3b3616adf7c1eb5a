"""Analysis (DESIGN §2): pure functions of an :class:`~opmodel.model.Enterprise`.

- :func:`score` — customer, strategic, gap, weight per gap point and priority per cell
- :func:`weights` — ω, from the model or AHP, with Saaty's consistency ratio
- :func:`ranked_gaps` — the cells with a gap, hottest first
- :func:`heatmap` — units × stages or capabilities, any layer and roll-up, with provenance
- :func:`homogeneity` — applications per capability across units, consolidation candidates
- :func:`time_classification` — TIME quadrant per application and per application × unit
- :func:`stability` — how often the top-N cells stay on top when ω moves

Every result is a frozen dataclass with ``.to_frame()`` (pandas) and ``.to_dict()`` (JSON).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import make_lazy

if TYPE_CHECKING:
    from .gaps import GapRow, GapTable, ranked_gaps
    from .heatmap import CellExplanation, HeatMap, heatmap
    from .homogeneity import HomogeneityResult, homogeneity
    from .provenance import CellProvenance, cell_provenance
    from .scoring import Scores, omega, score
    from .sensitivity import StabilityResult, stability
    from .time_model import TimeResult, time_classification
    from .weights import WeightsResult, weights

# Each name is imported from its submodule on first use (opmodel/_lazy.py): a command that
# needs one part does not pay for the others at start-up.
_LAZY = {
    "CellExplanation": "heatmap",
    "CellProvenance": "provenance",
    "GapRow": "gaps",
    "GapTable": "gaps",
    "HeatMap": "heatmap",
    "HomogeneityResult": "homogeneity",
    "Scores": "scoring",
    "StabilityResult": "sensitivity",
    "TimeResult": "time_model",
    "WeightsResult": "weights",
    "cell_provenance": "provenance",
    "heatmap": "heatmap",
    "homogeneity": "homogeneity",
    "omega": "scoring",
    "ranked_gaps": "gaps",
    "score": "scoring",
    "stability": "sensitivity",
    "time_classification": "time_model",
    "weights": "weights",
}
make_lazy(__name__, _LAZY)

__all__ = [
    "CellExplanation", "CellProvenance", "GapRow", "GapTable", "HeatMap", "HomogeneityResult",
    "Scores", "StabilityResult", "TimeResult", "WeightsResult", "cell_provenance", "heatmap",
    "homogeneity", "omega", "ranked_gaps", "score", "stability", "time_classification",
    "weights",
]

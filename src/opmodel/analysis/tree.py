"""The capability tree as index arrays: who has children, and every capability's descendants.

Built once per :class:`~opmodel.model.Enterprise` object (see :func:`scoring.cached`).
Indexes are positions in ``Enterprise.capabilities``. Cycles (invalid models, which do not
load, but can be built in code) are cut: a capability is never its own descendant.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..model import Enterprise
from .scoring import base, cached


@dataclass(frozen=True, eq=False)
class CapabilityTree:
    """``has_children[c]``; the strict descendants of c are
    ``descendants[start[c]:start[c + 1]]`` (children, grandchildren…, in file order)."""

    has_children: np.ndarray  # (C,) bool
    start: np.ndarray  # (C+1,) int
    descendants: np.ndarray  # (D,) int

    def of(self, c: int) -> np.ndarray:
        """The strict descendants of capability index ``c``."""
        return self.descendants[self.start[c]:self.start[c + 1]]

    def pairs(self) -> tuple[np.ndarray, np.ndarray]:
        """(ancestor, descendant) index arrays over every strict ancestor relation."""
        anc = np.repeat(np.arange(self.start.size - 1, dtype=np.int64), np.diff(self.start))
        return anc, self.descendants


def _build(e: Enterprise) -> CapabilityTree:
    pos = base(e).cap_pos
    n = len(e.capabilities)
    kids: list[list[int]] = [[] for _ in range(n)]
    for i, c in enumerate(e.capabilities):
        p = pos.get(c.parent) if c.parent is not None else None
        if p is not None and p != i and pos.get(c.id) == i:
            kids[p].append(i)
    has = np.fromiter((bool(k) for k in kids), dtype=bool, count=n)
    out: list[int] = []
    start = np.zeros(n + 1, dtype=np.int64)
    for i in range(n):
        if kids[i]:
            seen = {i}
            queue = list(kids[i])
            k = 0
            while k < len(queue):
                x = queue[k]
                k += 1
                if x in seen:
                    continue
                seen.add(x)
                out.append(x)
                queue.extend(kids[x])
        start[i + 1] = len(out)
    desc = np.array(out, dtype=np.int64)
    for a in (has, start, desc):
        a.flags.writeable = False
    return CapabilityTree(has, start, desc)


def capability_tree(e: Enterprise) -> CapabilityTree:
    """The tree arrays of ``e``, built on first use and cached per object."""
    return cached(e, "capability_tree", _build)


__all__ = ["CapabilityTree", "capability_tree"]

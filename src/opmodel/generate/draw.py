"""Drawing helpers shared by the parts of the generator (numpy random streams)."""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from typing import Any, TypeVar

import numpy as np

Rng = np.random.Generator
T = TypeVar("T")


def zipf(rng: Rng, n: int, s: float = 1.0) -> np.ndarray:
    """Popularity weights (summing to 1) of ``n`` items: 1/rank^s over a random ranking."""
    ranks = rng.permutation(n) + 1
    w = 1.0 / ranks.astype(float) ** s
    return w / w.sum()


def draw(rng: Rng, weights: np.ndarray, size: int | tuple[int, ...]) -> np.ndarray:
    """``size`` indices drawn with replacement, proportional to ``weights``."""
    cdf = np.cumsum(weights, dtype=float)
    idx = np.searchsorted(cdf, rng.random(size) * cdf[-1], side="right")
    return np.minimum(idx, len(weights) - 1)


def pick(rng: Rng, values: Sequence[T], cdf: Sequence[float]) -> T:
    """One of ``values``; ``cdf`` holds the cumulative probabilities of all but the last."""
    return values[bisect.bisect_right(cdf, rng.random())]


def ranked(rng: Rng, log_weights: np.ndarray, rows: int,
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


def slug(text: str) -> str:
    out = "".join(ch if ch.isalnum() else "-" for ch in text.lower())
    return "-".join(p for p in out.split("-") if p)


def round_to(x: float, step: float) -> float:
    return float(max(step, round(x / step) * step))


def quarter(index: int) -> str:
    """The quarter label of an absolute quarter index (year × 4 + quarter − 1)."""
    return f"{index // 4}Q{index % 4 + 1}"


def total(it: dict[str, Any]) -> float:
    """The total cost of a drawn initiative (its cost, or the sum of its profile)."""
    return float(sum(it["cost_profile"])) if "cost_profile" in it else float(it["cost"])


__all__ = ["Rng", "draw", "pick", "quarter", "ranked", "round_to", "slug", "total", "zipf"]

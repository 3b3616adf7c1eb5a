"""Analytic Hierarchy Process: weights from a pairwise-comparison matrix (Saaty).

Weights are the principal right eigenvector of the reciprocal matrix A, normalised to sum
to 1; consistency index CI = (λmax − n)/(n − 1) and ratio CR = CI / RI(n) with Saaty's
random index table. CR above 0.1 is conventionally too inconsistent to trust.
"""

from __future__ import annotations

from dataclasses import dataclass

# Saaty's random consistency index for n = 1..15 (Saaty 1980, as tabulated in Saaty 2008).
RANDOM_INDEX = (0.0, 0.0, 0.0, 0.58, 0.90, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49, 1.51, 1.48,
                1.56, 1.57, 1.59)


@dataclass(frozen=True)
class AhpResult:
    weights: tuple[float, ...]
    lambda_max: float
    ci: float
    cr: float
    worst: tuple[int, int] | None
    """Indices (i, j) of the comparison that deviates most from the consistent w_i / w_j."""


def ahp_weights(matrix: tuple[tuple[float, ...], ...] | list[list[float]]) -> AhpResult:
    import numpy as np

    a = np.asarray(matrix, dtype=float)
    n = a.shape[0]
    if n == 1:
        return AhpResult((1.0,), 1.0, 0.0, 0.0, None)
    values, vectors = np.linalg.eig(a)
    k = int(np.argmax(values.real))
    w = np.abs(vectors[:, k].real)
    w = w / w.sum()
    lam = float(values[k].real)
    ci = max(0.0, (lam - n) / (n - 1))
    ri = RANDOM_INDEX[n] if n < len(RANDOM_INDEX) else RANDOM_INDEX[-1]
    cr = ci / ri if ri > 0 else 0.0
    # deviation of each judgement from the ratio the weights imply, on a log scale
    dev = np.abs(np.log(a) - np.log(np.outer(w, 1.0 / w)))
    np.fill_diagonal(dev, 0.0)
    i, j = np.unravel_index(int(np.argmax(dev)), dev.shape)
    worst = (int(min(i, j)), int(max(i, j))) if dev.max() > 1e-9 else None
    return AhpResult(tuple(float(x) for x in w), lam, ci, cr, worst)


def consistency_ratio(matrix: tuple[tuple[float, ...], ...] | list[list[float]]) -> float:
    """The CR of :func:`ahp_weights` in plain Python, never below it: validation asks only
    whether CR is below 0.1, for a 3×3 matrix, which should not cost numpy's import (a
    tenth of a second).

    Power iteration towards the Perron vector w, then λ ≤ max_i (Aw)_i / w_i (Collatz–
    Wielandt: an upper bound for any positive w, equal to λmax once w has converged, which
    is quick for a nearly consistent matrix; a test checks it against numpy)."""
    a = [[float(x) for x in row] for row in matrix]
    n = len(a)
    if n < 2:
        return 0.0
    w = [1.0 / n] * n
    for _ in range(1000):
        v = [sum(r[j] * w[j] for j in range(n)) for r in a]
        total = sum(v)
        v = [x / total for x in v]
        done = max(abs(x - y) for x, y in zip(v, w, strict=True)) <= 1e-16
        w = v
        if done:
            break
    lam = max(sum(r[j] * w[j] for j in range(n)) / max(w[i], 1e-300)
              for i, r in enumerate(a))
    ci = max(0.0, (lam - n) / (n - 1))
    ri = RANDOM_INDEX[n] if n < len(RANDOM_INDEX) else RANDOM_INDEX[-1]
    return ci / ri if ri > 0 else 0.0

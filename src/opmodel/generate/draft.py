"""The model being drawn: the data :class:`~opmodel.model.Enterprise` validates, the random
streams, and what one part of the generator leaves for the next (ids, popularity, gaps…)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..model.quarter import quarter_index
from .draw import Rng
from .options import Sizes

#: the random streams, one per part, in the order they are spawned from the seed (a new
#: part appends its stream: the children spawned before it stay the same)
STREAMS = ("units", "caps", "assess", "strategy", "apps", "inits", "money", "settings",
           "usage")


class Draft:
    """Holds the random streams and builds ``data``: the dict Enterprise validates.

    Each part (settings, value chain, assessments, strategy, applications, initiatives,
    funding) draws only from its own stream and sets the attributes later parts read; the
    annotations below say which part sets what.
    """

    # value chain
    bu_ids: list[str]
    bu_weight: np.ndarray
    stage_ids: list[str]
    cap_ids: list[str]
    cap_stage: np.ndarray
    cap_name: list[str]
    leaves: np.ndarray
    popularity: np.ndarray
    # assessments
    na: np.ndarray  # (C, B) bool: marked n/a
    gap: np.ndarray  # (C, B) gap, 0 where n/a or unassessed
    # applications
    app_ids: list[str]
    app_caps: dict[int, list[int]]  # capability → active or phasing-out applications
    app_units: list[set[int]]
    # initiatives and funding
    teams: list[dict[str, Any]]
    budget: np.ndarray  # (pools, quarters)
    guardrails_ok: bool

    def __init__(self, sizes: Sizes) -> None:
        self.n = sizes
        streams = [np.random.default_rng(s)
                   for s in np.random.SeedSequence(sizes.seed).spawn(len(STREAMS))]
        self.rng: dict[str, Rng] = dict(zip(STREAMS, streams, strict=True))
        self.data: dict[str, Any] = {}
        self.h0 = quarter_index(sizes.start)


__all__ = ["STREAMS", "Draft"]

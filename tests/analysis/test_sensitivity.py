"""Rank stability under perturbed ω: exactness of the pruning, seeds, edge cases."""

from __future__ import annotations

import numpy as np
import pytest

from opmodel.analysis import score, stability
from opmodel.analysis.gaps import ranked_cells
from opmodel.analysis.sensitivity import omega_draws
from opmodel.errors import InputError
from opmodel.generate import generate
from opmodel.model import Enterprise
from opmodel.model.enterprise import CRITERIA


def test_no_spread_means_nothing_moves(tiny_model: Enterprise) -> None:
    r = stability(tiny_model, top=3, spread=0.0, draws=20)
    assert [(c.capability, c.business_unit, c.stay, c.median_rank, c.worst_rank)
            for c in r.cells] == [("c1", "b1", 1.0, 1, 1), ("c3", "b1", 1.0, 2, 2),
                                  ("c4", "b2", 1.0, 3, 3)]
    assert r.entrants == ()


def test_draws_are_seeded_and_sum_to_one() -> None:
    om = {"customer": 0.5, "strategic": 0.3, "pain": 0.2}
    a = omega_draws(om, 0.2, 100, seed=7)
    np.testing.assert_array_equal(a, omega_draws(om, 0.2, 100, seed=7))
    assert not np.array_equal(a, omega_draws(om, 0.2, 100, seed=8))
    np.testing.assert_allclose(a.sum(axis=1), 1.0)
    # ±20 % on each weight, renormalised: never further than (1.2/0.8) from the base ratio
    base = np.array([om[k] for k in CRITERIA])
    assert np.all(a / base <= 1.2 / 0.8 + 1e-12) and np.all(a / base >= 0.8 / 1.2 - 1e-12)


def test_matches_brute_force_on_a_generated_model() -> None:
    e = generate(seed=3, business_units=6, capabilities=40, applications=10, initiatives=5)
    top, draws = 8, 40
    r = stability(e, top=top, spread=0.5, draws=draws, seed=1)
    s = score(e)
    base_top = ranked_cells(s.priority, s.status, top)
    stay = np.zeros(base_top.size)
    entered: dict[int, int] = {}
    for w in omega_draws(s.omega, 0.5, draws, 1):
        p = score(e, dict(zip(CRITERIA, w.tolist(), strict=True))).priority.ravel()
        valid = (s.status.ravel() == 1) & (s.gap.ravel() > 0)
        vals = np.where(valid, p, -np.inf)
        kth = np.sort(vals[valid])[::-1][min(top, valid.sum()) - 1]
        in_top = valid & (vals >= kth)
        stay += in_top[base_top]
        for f in np.nonzero(in_top)[0]:
            if f not in base_top:
                entered[int(f)] = entered.get(int(f), 0) + 1
    np.testing.assert_allclose([c.stay for c in r.cells], stay / draws)
    n_b = len(s.business_units)
    got = {s.cap_index(x.capability) * n_b + s.bu_index(x.business_unit): x.share
           for x in r.entrants}
    assert len(got) == min(top, len(entered))
    for f, share in got.items():
        assert share == pytest.approx(entered[f] / draws)
    # the reported entrants are the most frequent ones
    if got:
        assert min(got.values()) >= sorted(entered.values())[::-1][len(got) - 1] / draws - 1e-12


def test_frames_and_checks(tiny_model: Enterprise) -> None:
    r = stability(tiny_model, top=2, draws=10)
    assert len(r.to_frame()) == 2
    assert r.to_dict()["draws"] == 10 and 0 <= r.mean_stay <= 1
    for kw in ({"top": 0}, {"spread": 1.0}, {"spread": -0.1}, {"draws": 0}):
        with pytest.raises(InputError):
            stability(tiny_model, **kw)

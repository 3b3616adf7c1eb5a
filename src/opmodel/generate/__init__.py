"""Large, valid, realistic models for tests and benchmarks: :func:`generate`.

The generator is pure (no I/O) and deterministic: the same options and ``seed`` always give
the same :class:`~opmodel.model.Enterprise`. Each part of the model draws from its own
random stream spawned from the seed, so changing ``--initiatives`` does not reshuffle the
assessments. Large tables are drawn with numpy in one go; the whole model is then validated
by pydantic in a single ``Enterprise.model_validate`` call.

Every generated model passes :func:`opmodel.validate` with no errors and no warnings, and is
built so that the portfolio stays feasible: mandatory initiatives are cheap, have no
dependencies, exclusions or team demand, and always fit the smallest quarterly budget of
their pool. The distributions are described in ``docs/generate.md``.

One module per part, like :mod:`opmodel.model`, run in this order on one
:class:`~.draft.Draft`:

============== ======================================================================
settings       name, horizon, scoring weights or an AHP matrix
value_chain    business units, stages, capabilities
assessments    every capability × business unit
strategy       objectives, KPIs, links; customer segments and expectations
applications   applications and per-unit fits
usage          which unit uses which application for which capability, with shares
initiatives    initiatives (with the budgets they are sized against, from funding)
funding        budget lines, guardrails, carry-over, teams
============== ======================================================================

numpy is imported by the parts, when :func:`generate` runs, not by importing this package.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from .options import Sizes, check_options

if TYPE_CHECKING:
    from ..model import Enterprise

Step = Callable[[str], None]


def generate(*, seed: int = 0, business_units: int = 5, stages: int = 6,
             capabilities: int = 50, applications: int = 60, initiatives: int = 40,
             quarters: int = 8, dependency_density: float = 0.15, start: str = "2027Q1",
             on_step: Step | None = None) -> Enterprise:
    """A valid, realistic model of the given size, the same for the same ``seed``.

    ``dependency_density`` is the probability that an initiative depends on earlier ones.
    ``on_step`` (optional) is called with the name of each phase, for progress displays.
    Raises :class:`~opmodel.errors.InputError` when an option is out of range.
    """
    from ..model import Enterprise
    from . import applications as apps_part
    from . import assessments as assess_part
    from . import funding, settings, strategy, usage, value_chain
    from . import initiatives as inits_part
    from .draft import Draft

    sizes = check_options(seed=seed, business_units=business_units, stages=stages,
                          capabilities=capabilities, applications=applications,
                          initiatives=initiatives, quarters=quarters,
                          dependency_density=dependency_density, start=start)
    step = on_step or (lambda _name: None)
    d = Draft(sizes)
    step("value chain")
    settings.settings(d)
    value_chain.value_chain(d)
    step("assessments")
    assess_part.assessments(d)
    step("strategy and customers")
    strategy.strategy(d)
    step("applications")
    apps_part.applications(d)
    usage.usage(d)
    step("initiatives")
    inits_part.initiatives(d)
    step("budgets and policy")
    funding.funding(d)
    step("validating")
    return Enterprise.model_validate(d.data)


__all__ = ["Sizes", "check_options", "generate"]

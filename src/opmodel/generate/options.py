"""The options of :func:`~opmodel.generate.generate`, checked before anything is drawn."""

from __future__ import annotations

import math
from dataclasses import dataclass
from numbers import Integral
from typing import Any

from ..errors import InputError
from ..model.quarter import is_quarter


@dataclass(frozen=True)
class Sizes:
    """The options of :func:`~opmodel.generate.generate`, checked."""

    seed: int
    business_units: int
    stages: int
    capabilities: int
    applications: int
    initiatives: int
    quarters: int
    dependency_density: float
    start: str


def check_options(*, seed: int, business_units: int, stages: int, capabilities: int,
                  applications: int, initiatives: int, quarters: int,
                  dependency_density: float, start: str) -> Sizes:
    """Check the option ranges; raise :class:`~opmodel.errors.InputError` naming the bad one.

    ``stages`` is capped at ``capabilities`` (every stage needs a capability).
    """
    def bad(option: str, value: Any, rule: str) -> InputError:
        return InputError(f"{option} is {value!r}; give {rule}")

    for option, value, low, high in (
        ("--seed", seed, 0, 2**63 - 1),
        ("--business-units", business_units, 1, 1000),
        ("--stages", stages, 1, 50),
        ("--capabilities", capabilities, 1, 100_000),
        ("--applications", applications, 0, 1_000_000),
        ("--initiatives", initiatives, 0, 100_000),
        ("--quarters", quarters, 4, 12),
    ):
        # numpy's integers are Integral too; bool is refused although it is one
        if isinstance(value, bool) or not isinstance(value, Integral):
            raise bad(option, value, "a whole number")
        if not low <= value <= high:
            raise bad(option, value, f"a whole number from {low:,} to {high:,}")
    if not isinstance(dependency_density, int | float) or not (
        0.0 <= float(dependency_density) <= 1.0
    ) or math.isnan(float(dependency_density)):
        raise bad("--dependency-density", dependency_density, "a number from 0 to 1")
    if business_units * capabilities > 5_000_000:
        raise InputError(
            f"{business_units:,} business units × {capabilities:,} capabilities is "
            f"{business_units * capabilities:,} assessments, above the limit of 5,000,000;"
            " lower --business-units or --capabilities")
    if not isinstance(start, str) or not is_quarter(start):
        raise bad("--start", start, "a quarter like 2027Q1")
    return Sizes(int(seed), int(business_units), min(int(stages), int(capabilities)),
                 int(capabilities), int(applications), int(initiatives), int(quarters),
                 float(dependency_density), start)


__all__ = ["Sizes", "check_options"]

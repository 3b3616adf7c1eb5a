"""Usage: which business unit uses which application for which capability.

An application lists the units it serves and the capabilities it supports; it does not say
which unit uses it for which capability. A usage row says exactly that, optionally with the
``share`` of the unit's work on the capability the application carries (0–1; the shares of
one unit and capability add up to at most 1). A share of 0 lists an application that is
installed but not used for it. Where a capability has usage rows, homogeneity counts them;
where it has none, it infers use from the applications' own lists (:mod:`opmodel.analysis.
homogeneity`).
"""

from __future__ import annotations

from pydantic import Field

from .base import Frozen, Id


class Usage(Frozen):
    """``business_unit`` uses ``application`` for ``capability`` (for ``share`` of it)."""

    application: Id
    business_unit: Id
    capability: Id
    share: float | None = Field(default=None, ge=0, le=1)


__all__ = ["Usage"]

"""The quarterly cycle's records: decisions (decisions.yaml), actuals (actuals.csv) and the
assessment history (assessment_history.csv).

A :class:`Decision` is one portfolio-office ruling on one initiative, shaped like a MADR
decision record (decision-makers, consulted, informed, ``supersedes``). Decisions are never
edited: a later decision may supersede an earlier one, which then no longer counts. The
status of every initiative is *derived* by replaying the decisions in file order (see
:mod:`opmodel.model.lifecycle`).
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field

from .assessment import Assessment
from .base import Frozen, Id, NonNegative, Quarter

Action = Literal["approve", "defer", "reject", "cancel", "complete", "force-start", "propose"]
ACTIONS: tuple[Action, ...] = ("approve", "defer", "reject", "cancel", "complete",
                               "force-start", "propose")
Verdict = Literal["conform", "conditional", "non-conform"]
VERDICTS: tuple[Verdict, ...] = ("conform", "conditional", "non-conform")


class Review(Frozen):
    """The architects' verdict on the initiative (the architectural input to the decision)."""

    reviewer: str = Field(min_length=1)
    verdict: Verdict
    note: str | None = None


class Against(Frozen):
    """The plan a decision was taken against: its id, the sha256 of the model inputs it saw,
    what it recommended for this initiative (funded, and from which quarter) and the value at
    stake (what dropping the initiative would lose, or adding it would gain)."""

    plan: str = Field(min_length=1)
    inputs_sha256: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")
    funded: bool
    start: Quarter | None = None
    value_at_stake: float | None = None


class Decision(Frozen):
    """One ruling on one initiative, taken in the meeting of ``cycle`` (a quarter).

    ``start``: the decided start (approve, force-start); ``until``: the first quarter a
    deferred initiative may start. ``rationale`` is required when the decision departs from
    the recommendation in ``against`` (and for every cancel).
    """

    id: Id
    date: dt.date
    cycle: Quarter
    initiative: Id
    action: Action
    start: Quarter | None = None
    until: Quarter | None = None
    by: str = Field(min_length=1)
    role: str = Field(min_length=1)
    rationale: str | None = None
    review: Review | None = None
    against: Against | None = None
    decision_makers: tuple[str, ...] = ()
    consulted: tuple[str, ...] = ()
    informed: tuple[str, ...] = ()
    supersedes: Id | None = None


class Actual(Frozen):
    """Spend and progress of one initiative in one quarter.

    ``percent_complete`` (0–100; 100 = finished) or ``remaining`` (the cost still to spend)
    re-estimates the cost to complete; ``finish`` is the quarter it is now expected to finish
    in (a slip when later than planned).
    """

    quarter: Quarter
    initiative: Id
    spent: NonNegative
    percent_complete: float | None = Field(default=None, ge=0, le=100)
    remaining: NonNegative | None = None
    finish: Quarter | None = None
    note: str | None = None


class AssessmentRecord(Assessment):
    """An assessment as it stood in an earlier ``cycle`` (the heat-map trend)."""

    cycle: Quarter

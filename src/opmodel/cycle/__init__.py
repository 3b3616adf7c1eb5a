"""The quarterly cycle (DESIGN §5): pure functions over an :class:`~opmodel.model.Enterprise`
holding decisions and actuals — roll the model to a quarter, re-plan it, compare with the
plan of record and the actuals, price the decisions' overrides, append a decision or a
quarter's actuals. No I/O: the CLI, the store and the web app call these."""

from .pricing import DecisionRow, Pricing, price_decisions, recommendation
from .record import archive_assessments, decide, merge_actuals
from .replan import Change, Replan, next_quarter, plan_of_record, replan, variance_rows
from .roll import Rolled, Standing, roll
from .trend import Trend, as_of_cycle, trend

__all__ = [
    "Change",
    "DecisionRow",
    "Pricing",
    "Replan",
    "Rolled",
    "Standing",
    "Trend",
    "archive_assessments",
    "as_of_cycle",
    "decide",
    "merge_actuals",
    "next_quarter",
    "plan_of_record",
    "price_decisions",
    "recommendation",
    "replan",
    "roll",
    "trend",
    "variance_rows",
]

"""The dated exit rules in SQL, right on the day they are read (see risk_queries).

Each expression reads facts stored on save — the exit plan's dates, whether the engagement
supports a critical function (refreshed when the function changes) and whether a successor
has attested all four abilities — and compares them with days computed from *today* by the
same helpers the Python rules use, so both draw each boundary in the same place.
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import and_, not_, or_
from sqlalchemy.sql.elements import ColumnElement

from .domain.exit import successors_due_by, untested_before
from .models import Engagement

NOT_CLOSED = Engagement.status != "closed"


def exit_plan_untested(today: date) -> ColumnElement[bool]:
    tested = Engagement.exit_plan_last_tested_on
    return and_(NOT_CLOSED, Engagement.supports_critical_function,
                Engagement.exit_plan_documented,
                or_(tested.is_(None), tested < untested_before(today)))


def exit_plan_review_overdue(today: date) -> ColumnElement[bool]:
    return and_(NOT_CLOSED, Engagement.exit_plan_next_review_on < today)


def successors_not_ready(today: date) -> ColumnElement[bool]:
    return and_(NOT_CLOSED, Engagement.handover_date <= successors_due_by(today),
                not_(Engagement.successor_ready))


DATED_EXIT_EXPRESSIONS = {
    "EXIT_PLAN_UNTESTED": exit_plan_untested,
    "EXIT_PLAN_REVIEW_OVERDUE": exit_plan_review_overdue,
    "SUCCESSORS_NOT_READY": successors_not_ready,
}

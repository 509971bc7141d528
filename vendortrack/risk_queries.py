"""Risk in SQL, right on the day it is read.

How the flags stay queryable without loading engagements into Python:

* On every save (and every deliverable status change) :func:`vendortrack.services.refresh_risk`
  stores the *undated* part of :func:`vendortrack.domain.risk.assess` — the flags that depend
  on the spec alone — as ``engagement_flag`` rows plus ``risk_undated_level`` and
  ``risk_undated_trap``, together with two facts about the deliverables: how many are still
  open (not accepted) and the earliest due date among them.
* The two *dated* rules are SQL expressions over those stored facts and a ``today`` parameter:
  ``HANDOVER_PASSED_OPEN_KT`` is ``handover_date < today AND open_deliverables > 0`` and
  ``KT_OVERDUE`` is ``earliest_open_due < today``. Nothing stored depends on the day, so
  yesterday's answer is never served today, and no nightly job is needed.

A property test checks that these expressions agree with the pure Python rules.

The expressions are built once per day and kept (SQL expressions never change once built, so
requests and threads share them): a list page used to build the level's CASE twice.
"""
from __future__ import annotations

from datetime import date
from functools import lru_cache

from sqlalchemy import and_, case, exists, false, literal, or_, select
from sqlalchemy.sql.elements import ColumnElement

from .domain.risk import DATED_CODES, RULES_BY_CODE, Severity
from .exit_queries import DATED_EXIT_EXPRESSIONS
from .models import Engagement, EngagementFlag

NOT_CLOSED = Engagement.status != "closed"


def handover_passed_open_kt(today: date) -> ColumnElement[bool]:
    return and_(NOT_CLOSED, Engagement.handover_date < today, Engagement.open_deliverables > 0)


def kt_overdue(today: date) -> ColumnElement[bool]:
    return and_(NOT_CLOSED, Engagement.earliest_open_due < today)


DATED_EXPRESSIONS = {
    "HANDOVER_PASSED_OPEN_KT": handover_passed_open_kt,
    "KT_OVERDUE": kt_overdue,
    **DATED_EXIT_EXPRESSIONS,
}
assert set(DATED_EXPRESSIONS) == set(DATED_CODES), "every dated rule needs its SQL form"


@lru_cache(maxsize=256)
def has_flag(code: str, today: date) -> ColumnElement[bool]:
    """True for engagements carrying flag ``code`` on ``today``."""
    if code in DATED_EXPRESSIONS:
        return DATED_EXPRESSIONS[code](today)
    if code not in RULES_BY_CODE:
        return false()
    return and_(NOT_CLOSED, exists(select(literal(1)).where(
        EngagementFlag.engagement_id == Engagement.id, EngagementFlag.code == code)))


def _dated_at(severity: Severity, today: date) -> ColumnElement[bool]:
    """Some dated flag of ``severity`` is up on ``today``."""
    return or_(*(expression(today) for code, expression in DATED_EXPRESSIONS.items()
                 if RULES_BY_CODE[code].severity == severity))


@lru_cache(maxsize=8)
def level(today: date) -> ColumnElement[int]:
    """The risk level (0 none … 3 high) on ``today``: the stored (undated) level raised by
    any dated flag up today."""
    stored = Engagement.risk_undated_level
    dated_levels = sorted({RULES_BY_CODE[code].severity for code in DATED_EXPRESSIONS},
                          reverse=True)
    return case(
        (Engagement.status == "closed", 0),
        *((and_(_dated_at(severity, today), stored < int(severity)), int(severity))
          for severity in dated_levels),
        else_=stored,
    )


@lru_cache(maxsize=8)
def in_dependency_trap(today: date) -> ColumnElement[bool]:
    dated_traps = [DATED_EXPRESSIONS[code](today) for code in DATED_EXPRESSIONS
                   if RULES_BY_CODE[code].dependency_trap]
    return and_(NOT_CLOSED, or_(Engagement.risk_undated_trap, *dated_traps))


@lru_cache(maxsize=32)
def level_is(severity: Severity, today: date) -> ColumnElement[bool]:
    return level(today) == int(severity)

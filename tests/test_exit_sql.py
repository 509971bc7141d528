"""The dated exit rules in SQL draw their boundaries on the same days as the Python rules."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from vendortrack import exit_queries
from vendortrack.domain import exit as ex
from vendortrack.extensions import db
from vendortrack.models import Engagement

from .conftest import TODAY

D = timedelta(days=1)


def sql_says(engagement, expression):
    db.session.add(engagement)
    db.session.commit()
    return bool(db.session.scalar(select(expression(TODAY))
                                  .where(Engagement.id == engagement.id)))


@pytest.mark.parametrize("days_since_test", [0, 364, 365, 366, None])
@pytest.mark.parametrize("critical, documented", [(True, True), (True, False), (False, True)])
def test_untested_on_its_boundary_days(make_engagement, days_since_test, critical,
                                       documented):
    engagement = make_engagement()
    tested = None if days_since_test is None else TODAY - days_since_test * D
    engagement.supports_critical_function = critical
    engagement.exit_plan_documented = documented
    engagement.exit_plan_last_tested_on = tested
    expected = ex.exit_plan_untested(critical, documented, tested, TODAY)
    assert sql_says(engagement, exit_queries.exit_plan_untested) is expected
    assert expected is (critical and documented and days_since_test in (366, None))


@pytest.mark.parametrize("review_offset", [-1, 0, 1, None])
def test_review_overdue_on_its_boundary_days(make_engagement, review_offset):
    engagement = make_engagement()
    review = None if review_offset is None else TODAY + review_offset * D
    engagement.exit_plan_next_review_on = review
    expected = ex.exit_plan_review_overdue(review, TODAY)
    assert sql_says(engagement, exit_queries.exit_plan_review_overdue) is expected
    assert expected is (review_offset == -1)


@pytest.mark.parametrize("days_ahead", [-5, 0, 29, 30, 31, None])
@pytest.mark.parametrize("ready", [False, True])
def test_successors_not_ready_on_its_boundary_days(make_engagement, days_ahead, ready):
    handover = None if days_ahead is None else TODAY + days_ahead * D
    engagement = make_engagement(handover_date=handover)
    engagement.successor_ready = ready
    expected = ex.successors_not_ready(handover, ready, TODAY)
    assert sql_says(engagement, exit_queries.successors_not_ready) is expected
    assert expected is (not ready and days_ahead is not None and days_ahead <= 30)


@pytest.mark.parametrize("name", sorted(exit_queries.DATED_EXIT_EXPRESSIONS))
def test_closed_engagements_carry_no_exit_flags(make_engagement, name):
    engagement = make_engagement(status="closed", handover_date=TODAY)
    engagement.supports_critical_function = True
    engagement.exit_plan_documented = True
    engagement.exit_plan_next_review_on = TODAY - 10 * D
    assert sql_says(engagement, exit_queries.DATED_EXIT_EXPRESSIONS[name]) is False

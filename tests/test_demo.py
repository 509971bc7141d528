"""Demo data: varied, realistic, and its stored risk agrees with the rules."""
from collections import Counter

from sqlalchemy import func, select

from vendortrack import services
from vendortrack.domain.risk import assess_undated
from vendortrack.extensions import db
from vendortrack.models import Deliverable, Engagement, EngagementFlag


def test_seed_demo_command(app):
    result = app.test_cli_runner().invoke(args=["seed-demo", "--engagements", "60"])
    assert result.exit_code == 0 and "Added 60 demo engagements" in result.output
    assert db.session.scalar(select(func.count(Engagement.id))) == 60
    statuses = Counter(db.session.scalars(select(Engagement.status)))
    assert len(statuses) >= 3
    assert db.session.scalar(select(func.count(Deliverable.id))) > 60
    flags = set(db.session.scalars(select(EngagementFlag.code).distinct()))
    assert {"DEPENDENCY_TRAP_NO_OWNER", "DEPENDENCY_TRAP_NO_HANDOVER"} <= flags
    complete = db.session.scalar(select(func.count(Engagement.id)).where(
        Engagement.risk_undated_level == 0, Engagement.status != "closed"))
    assert complete > 0


def test_seeded_rows_agree_with_the_rules(app):
    from vendortrack import demo

    from .conftest import TODAY

    demo.seed(40, TODAY, seed_value=3)
    for engagement in db.session.scalars(select(Engagement)):
        expected = assess_undated(services.engagement_spec(engagement))
        assert {f.code for f in engagement.flags} == set(expected.codes)
        assert engagement.risk_undated_level == int(expected.level)

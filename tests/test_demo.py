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


def test_demo_has_a_realistic_exit_readiness_mix(app):
    """About a quarter of active engagements in a trap, not nearly all; critical functions
    with and without plans; some successors attested; every vendor identified by an LEI or
    another code."""
    from vendortrack import demo, risk_queries
    from vendortrack.domain.identity import is_valid_lei
    from vendortrack.models import BusinessFunction, EngagementPerson, Vendor

    from .conftest import TODAY

    demo.seed(400, TODAY, seed_value=5)
    active = Engagement.status == "active"
    total = db.session.scalar(select(func.count(Engagement.id)).where(active))
    trapped = db.session.scalar(select(func.count(Engagement.id)).where(
        active, risk_queries.in_dependency_trap(TODAY)))
    assert 0.15 <= trapped / total <= 0.35, (trapped, total)
    functions = db.session.scalars(select(BusinessFunction)).all()
    critical = [f for f in functions if f.criticality == "critical"]
    assert 0.1 <= len(critical) / len(functions) <= 0.3
    flags = set(db.session.scalars(select(EngagementFlag.code).distinct()))
    assert {"EXIT_PLAN_MISSING", "NO_ALTERNATIVES"} <= flags
    for code in ("EXIT_PLAN_UNTESTED", "SUCCESSORS_NOT_READY"):
        assert db.session.scalar(select(func.count(Engagement.id)).where(
            risk_queries.has_flag(code, TODAY))) > 0, code
    attested = db.session.scalar(select(func.count(EngagementPerson.id)).where(
        EngagementPerson.can_explain))
    assert attested > 0
    # Identified for the register: a valid LEI, or another code with its type.
    for vendor in db.session.scalars(select(Vendor)):
        assert is_valid_lei(vendor.lei) or (vendor.other_code and vendor.other_code_type), \
            vendor.name

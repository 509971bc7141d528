"""The risk the database answers equals the pure Python rules, on any day."""
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from vendortrack import risk_queries, services
from vendortrack.dashboard.figures import top_at_risk
from vendortrack.domain.risk import RULES, assess
from vendortrack.domain.spec import Deliverable
from vendortrack.extensions import db
from vendortrack.models import Engagement
from vendortrack.queries import EngagementFilter

from .conftest import TODAY, complete_spec

D = timedelta(days=1)


def sql_view(engagement_id, today):
    level = db.session.scalar(select(risk_queries.level(today))
                              .where(Engagement.id == engagement_id))
    codes = {rule.code for rule in RULES if db.session.scalar(
        select(risk_queries.has_flag(rule.code, today)).where(Engagement.id == engagement_id))}
    trap = db.session.scalar(select(risk_queries.in_dependency_trap(today))
                             .where(Engagement.id == engagement_id))
    return level, codes, bool(trap)


def top_at_risk_view(engagement_id, today):
    """The dashboard's top-at-risk entry for the engagement, as (level, codes, trap)."""
    entries = [e for e in top_at_risk(EngagementFilter(), today, limit=10_000)
               if e.id == engagement_id]
    if not entries:  # only engagements at some risk are listed
        return 0, set(), False
    entry, = entries
    return int(entry.level), set(entry.flag_codes), entry.dependency_trap


def assert_dashboard_agrees(today):
    """The dashboard's counts (one grouped scan) equal the engagements whose own SQL level,
    flags and trap say so, for every engagement stored so far."""
    from collections import Counter

    from vendortrack.dashboard import figures

    rows = db.session.execute(select(
        risk_queries.level(today), risk_queries.in_dependency_trap(today),
        *(risk_queries.has_flag(code, today) for code in risk_queries.DATED_EXPRESSIONS))
    ).all()
    shown = figures.compute(EngagementFilter(), today)
    assert {int(lc.level): lc.engagements.value for lc in shown.levels} == {
        level: Counter(int(row[0]) for row in rows)[level] for level in range(4)}
    assert shown.in_scope.value == len(rows)
    assert shown.trap.value == sum(bool(row[1]) for row in rows)
    counted = {f.code: f.engagements.value for f in shown.flags}
    for n, code in enumerate(risk_queries.DATED_EXPRESSIONS):
        assert counted[code] == sum(bool(row[2 + n]) for row in rows), code


deliverables = st.lists(st.builds(
    Deliverable, kind=st.just("runbook"), title=st.just("KT"),
    due_date=st.one_of(st.none(), st.integers(-40, 40).map(lambda n: TODAY + n * D)),
    acceptance_criteria=st.just(""),
    status=st.sampled_from(["planned", "delivered", "accepted", "rejected"])), max_size=4)


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=deliverables,
       handover=st.one_of(st.none(), st.integers(-30, 30).map(lambda n: TODAY + n * D)),
       status=st.sampled_from(["draft", "active", "in_handover", "closed"]),
       owner=st.booleans(), day=st.integers(-45, 45))
def test_sql_matches_python(app, users, rows, handover, status, owner, day):
    spec = complete_spec(deliverables=tuple(rows), handover_date=handover, status=status,
                         **({} if owner else {"internal_owner": None}))
    engagement = services.create_engagement(spec, users["product_owner"])
    for today in (TODAY, TODAY + day * D):
        expected = assess(spec, today)
        wanted = (int(expected.level), set(expected.codes), expected.dependency_trap)
        assert sql_view(engagement.id, today) == wanted, today
        assert top_at_risk_view(engagement.id, today) == wanted, today
        assert_dashboard_agrees(today)


def test_yesterdays_answer_is_not_served_today(app, users):
    """Nothing is edited between the two days; only the date moves."""
    spec = complete_spec(deliverables=(Deliverable("runbook", "Runbook", TODAY, "", "planned"),
                                       Deliverable("training", "T", TODAY + 9 * D, "", "planned")))
    engagement = services.create_engagement(spec, users["product_owner"])
    assert sql_view(engagement.id, TODAY) == (0, set(), False)
    level, codes, trap = sql_view(engagement.id, TODAY + D)
    assert codes == {"KT_OVERDUE"} and level == 2 and not trap


def _function(name, criticality, user):
    return services.save_function(None, {
        "name": name, "criticality": criticality, "criticality_reasons": "",
        "assessed_on": None, "rto_hours": None, "rpo_hours": None, "impact": None}, user)


exit_plans = st.one_of(st.none(), st.fixed_dictionaries({
    "documented": st.booleans(),
    "last_tested_on": st.one_of(st.none(), st.integers(-400, 0).map(lambda n: TODAY + n * D)),
    "next_review_on": st.one_of(st.none(), st.integers(-40, 40).map(lambda n: TODAY + n * D)),
    "alternatives": st.sampled_from([None, "yes", "no", "not_assessed"]),
}))


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=deliverables, plan=exit_plans,
       handover=st.one_of(st.none(), st.integers(-10, 45).map(lambda n: TODAY + n * D)),
       status=st.sampled_from(["active", "in_handover", "closed"]),
       criticality=st.sampled_from([None, "critical", "not_critical"]),
       substitutability=st.sampled_from([None, "easy", "medium"]),
       reintegration=st.sampled_from([None, "easy", "difficult", "highly_complex"]),
       ready=st.booleans(), day=st.integers(-45, 45))
def test_sql_matches_python_for_the_exit_rules(app, users, ben, rows, plan, handover, status,
                                                criticality, substitutability, reintegration,
                                                ready, day):
    """The exit rules, dated ones included, agree in SQL, in Python and on the dashboard."""
    name = ""
    if criticality:
        name = f"Function {criticality}"
        if services.find_function(name) is None:
            _function(name, criticality, users["admin"])
    if plan is not None:
        plan = {"summary": "", "scenarios": (), "last_test_result": None,
                "alternative_providers": (), **plan}
    spec = complete_spec(deliverables=tuple(rows), handover_date=handover, status=status,
                         business_function=name, exit_plan=plan,
                         substitutability=substitutability, reintegration=reintegration)
    engagement = services.create_engagement(spec, users["product_owner"])
    if ready:
        services.record_readiness(engagement.successors[0], {"operate", "maintain", "extend",
                                                             "explain"}, ben, TODAY)
    db.session.expire_all()
    engagement = db.session.get(Engagement, engagement.id)
    for today in (TODAY, TODAY + day * D):
        expected = services.assess_engagement(engagement, today)
        wanted = (int(expected.level), set(expected.codes), expected.dependency_trap)
        assert sql_view(engagement.id, today) == wanted, today
        assert top_at_risk_view(engagement.id, today) == wanted, today
        assert_dashboard_agrees(today)

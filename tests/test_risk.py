"""The risk rules of PRODUCT.md, each at its boundaries, with no app and no database."""
from dataclasses import replace
from datetime import date, timedelta

import pytest

from vendortrack.domain.risk import (
    DATED_CODES,
    DEPENDENCY_TRAP_CODES,
    PROBLEM_STATEMENT_MIN_WORDS,
    RULES,
    Severity,
    assess,
    assess_undated,
    dated_codes,
    is_overdue,
)
from vendortrack.domain.spec import Deliverable, Metric, Person, Tradeoff

from .conftest import TODAY, complete_spec

D = timedelta(days=1)


def codes(spec, today=TODAY):
    return assess(spec, today).codes


def test_complete_spec_has_no_flags():
    assessment = assess(complete_spec(), TODAY)
    assert assessment.flags == ()
    assert assessment.level is Severity.NONE


def test_every_rule_has_message_remedy_and_section():
    for rule in RULES:
        assert rule.message.endswith(".") and rule.remedy.endswith(".")
        assert rule.section
    assert set(DEPENDENCY_TRAP_CODES) == {
        "DEPENDENCY_TRAP_NO_OWNER", "DEPENDENCY_TRAP_NO_HANDOVER", "HANDOVER_AFTER_END",
        "KT_NOT_A_DELIVERABLE", "HANDOVER_PASSED_OPEN_KT", "EXIT_PLAN_MISSING",
        "SUCCESSORS_NOT_READY"}


@pytest.mark.parametrize("owner, fires", [
    (None, True),
    (Person("", ""), True),
    (Person("  ", ""), True),
    (Person("Anna", ""), False),
    (Person("", "anna@example.org"), False),
])
def test_no_owner(owner, fires):
    assert ("DEPENDENCY_TRAP_NO_OWNER" in codes(complete_spec(internal_owner=owner))) is fires


def test_no_handover():
    assert "DEPENDENCY_TRAP_NO_HANDOVER" in codes(complete_spec(handover_date=None))


@pytest.mark.parametrize("handover_offset, fires", [(-1, False), (0, False), (1, True)])
def test_handover_after_end_boundary(handover_offset, fires):
    end = TODAY + 100 * D
    spec = complete_spec(end_date=end, handover_date=end + handover_offset * D)
    assert ("HANDOVER_AFTER_END" in codes(spec)) is fires


def test_handover_after_end_needs_both_dates():
    assert "HANDOVER_AFTER_END" not in codes(complete_spec(end_date=None))


def test_no_deliverables():
    found = codes(complete_spec(deliverables=()))
    assert "KT_NOT_A_DELIVERABLE" in found
    assert "KT_BACKLOADED" not in found  # nothing to be back-loaded


def kt(due, status="planned"):
    return Deliverable("runbook", "Runbook", due, "", status)


@pytest.mark.parametrize("handover, status, fires", [
    (TODAY - D, "planned", True),      # passed yesterday, still open
    (TODAY - D, "rejected", True),
    (TODAY - D, "delivered", True),    # delivered but not accepted is still open
    (TODAY - D, "accepted", False),
    (TODAY, "planned", False),         # handover today has not passed yet
    (TODAY + D, "planned", False),
])
def test_handover_passed_open_kt(handover, status, fires):
    spec = complete_spec(handover_date=handover, end_date=TODAY + 300 * D,
                         deliverables=(kt(handover - 30 * D, status),))
    assert ("HANDOVER_PASSED_OPEN_KT" in codes(spec)) is fires


@pytest.mark.parametrize("dues, fires", [
    ([TODAY + 10 * D, TODAY + 20 * D], False),      # all before handover (TODAY + 150)
    ([TODAY + 10 * D, TODAY + 150 * D], False),     # one before is enough
    ([TODAY + 150 * D], True),                      # due on the handover date
    ([TODAY + 151 * D, TODAY + 200 * D], True),
    ([None], True),
    ([None, TODAY + 149 * D], False),
])
def test_kt_backloaded(dues, fires):
    spec = complete_spec(deliverables=tuple(kt(d) for d in dues))
    assert ("KT_BACKLOADED" in codes(spec)) is fires


def test_kt_backloaded_without_handover_fires_only_when_nothing_is_dated():
    undated = complete_spec(handover_date=None, deliverables=(kt(None),))
    dated = complete_spec(handover_date=None, deliverables=(kt(TODAY + 5 * D),))
    assert "KT_BACKLOADED" in codes(undated)
    assert "KT_BACKLOADED" not in codes(dated)


@pytest.mark.parametrize("due, status, fires", [
    (TODAY - D, "planned", True),
    (TODAY - D, "delivered", True),
    (TODAY - D, "accepted", False),
    (TODAY, "planned", False),   # due today is not overdue yet
    (None, "planned", False),
])
def test_kt_overdue(due, status, fires):
    spec = complete_spec(deliverables=(kt(due, status), kt(TODAY + 5 * D)))
    assert ("KT_OVERDUE" in codes(spec)) is fires


@pytest.mark.parametrize("words, fires", [
    (0, True), (PROBLEM_STATEMENT_MIN_WORDS - 1, True), (PROBLEM_STATEMENT_MIN_WORDS, False)])
def test_problem_statement_length(words, fires):
    spec = complete_spec(problem_statement=" ".join(["word"] * words))
    assert ("SPEC_NO_PROBLEM" in codes(spec)) is fires


@pytest.mark.parametrize("metrics, fires", [
    ((), True),
    ((Metric("Speed", "5", "", "s", ""),), True),
    ((Metric("Speed", "5", "  ", "s", ""),), True),
    ((Metric("Speed", "", "2", "s", ""), Metric("Cost", "", "", "", "")), True),
    ((Metric("Speed", "", "2", "s", ""),), False),
])
def test_metrics(metrics, fires):
    assert ("SPEC_NO_METRICS" in codes(complete_spec(metrics=metrics))) is fires


def test_constraints_tradeoffs_successors():
    spec = complete_spec(constraints=(), tradeoffs=(), successors=())
    assessment = assess(spec, TODAY)
    assert {"SPEC_NO_CONSTRAINTS", "SPEC_NO_TRADEOFFS", "NO_SUCCESSORS"} <= assessment.codes
    levels = {f.code: f.severity for f in assessment.flags}
    assert levels["SPEC_NO_CONSTRAINTS"] is Severity.LOW
    assert levels["SPEC_NO_TRADEOFFS"] is Severity.MEDIUM


@pytest.mark.parametrize("core, upskilling, fires", [
    (True, (), True), (True, (Person("Kim"),), False), (False, (), False)])
def test_core_without_upskilling(core, upskilling, fires):
    spec = complete_spec(core_capability=core, upskilling=upskilling)
    assert ("CORE_WITHOUT_UPSKILLING" in codes(spec)) is fires


@pytest.mark.parametrize("overrides, level", [
    ({}, Severity.NONE),
    ({"constraints": ()}, Severity.LOW),
    ({"constraints": (), "tradeoffs": ()}, Severity.MEDIUM),
    ({"constraints": (), "handover_date": None}, Severity.HIGH),
])
def test_level_is_highest_severity(overrides, level):
    assert assess(complete_spec(**overrides), TODAY).level is level


def test_closed_engagements_carry_no_flags():
    spec = complete_spec(status="closed", internal_owner=None, handover_date=None,
                         deliverables=(), tradeoffs=(Tradeoff("x", "y"),))
    assessment = assess(spec, TODAY)
    assert assessment.flags == () and assessment.level is Severity.NONE


def test_dependency_trap_property():
    assert assess(complete_spec(internal_owner=None), TODAY).dependency_trap
    assert not assess(complete_spec(constraints=()), TODAY).dependency_trap


def test_same_spec_two_todays():
    spec = complete_spec(deliverables=(kt(date(2026, 12, 1)), kt(date(2026, 12, 20))))
    assert "KT_OVERDUE" not in codes(spec, date(2026, 12, 1))
    assert "KT_OVERDUE" in codes(spec, date(2026, 12, 2))


def test_undated_assessment_ignores_the_calendar():
    spec = complete_spec(handover_date=TODAY - 10 * D, end_date=TODAY,
                         deliverables=(kt(TODAY - 20 * D),))
    assert {"HANDOVER_PASSED_OPEN_KT", "KT_OVERDUE"} <= codes(spec)
    assert not {"HANDOVER_PASSED_OPEN_KT", "KT_OVERDUE"} & assess_undated(spec).codes
    assert assess_undated(replace(spec, handover_date=None)).dependency_trap


@pytest.mark.parametrize("due, status, engagement_status, overdue", [
    (-1, "planned", "active", True),
    (-1, "delivered", "active", True),
    (-1, "rejected", "in_handover", True),
    (-1, "accepted", "active", False),
    (0, "planned", "active", False),  # due today is not overdue yet
    (None, "planned", "active", False),
    (-1, "planned", "closed", False),
])
def test_is_overdue(due, status, engagement_status, overdue):
    row = Deliverable("runbook", "R", None if due is None else TODAY + timedelta(days=due),
                      "", status)
    assert is_overdue(row, engagement_status, TODAY) is overdue


@pytest.mark.parametrize("status, handover, open_rows, earliest, codes", [
    ("active", -1, 1, None, {"HANDOVER_PASSED_OPEN_KT"}),
    ("active", -1, 0, None, set()),
    ("active", 0, 2, None, set()),
    ("active", None, 2, -3, {"KT_OVERDUE"}),
    ("in_handover", -1, 1, -1, {"HANDOVER_PASSED_OPEN_KT", "KT_OVERDUE"}),
    ("active", 5, 1, 0, set()),
    ("closed", -1, 1, -1, set()),
])
def test_dated_codes(status, handover, open_rows, earliest, codes):
    def day(n):
        return None if n is None else TODAY + timedelta(days=n)

    assert dated_codes(status, day(handover), open_rows, day(earliest), TODAY) == codes
    assert set(DATED_CODES) >= codes

"""The reminder rules as tables on boundary days (no app, no database)."""
from datetime import date, timedelta

import pytest

from vendortrack.domain import reminders as r

TODAY = date(2026, 11, 26)
DUE = TODAY + timedelta(days=10)


def engagement(**overrides) -> r.EngagementFacts:
    values = dict(id=1, title="Triage", status="active", handover_date=None, end_date=None,
                  open_deliverables=1,
                  deliverables=(r.DeliverableFacts(5, "Runbook", DUE, "planned"),))
    values.update(overrides)
    return r.EngagementFacts(**values)


def rules_on(facts, day):
    return [(x.rule, x.threshold) for x in r.reminders_on(facts, day)]


@pytest.mark.parametrize(("days_before", "expected"), [
    (8, []),
    (7, [("DELIVERABLE_DUE", f"7d:{DUE}")]),
    (6, []),
    (4, []),
    (3, [("DELIVERABLE_DUE", f"3d:{DUE}")]),
    (2, []),
    (1, [("DELIVERABLE_DUE", f"1d:{DUE}")]),
    (0, []),  # due today is not yet overdue
    (-1, [("DELIVERABLE_OVERDUE", f"overdue0w:{DUE}")]),  # the first overdue day
    (-2, []),
    (-7, []),
    (-8, [("DELIVERABLE_OVERDUE", f"overdue1w:{DUE}")]),  # a week later
    (-9, []),
    (-15, [("DELIVERABLE_OVERDUE", f"overdue2w:{DUE}")]),
])
def test_deliverable_due_and_overdue(days_before, expected):
    assert rules_on(engagement(), DUE - timedelta(days=days_before)) == expected


@pytest.mark.parametrize(("status", "engagement_status"), [
    ("accepted", "active"), ("planned", "closed")])
def test_accepted_deliverables_and_closed_engagements_are_quiet(status, engagement_status):
    facts = engagement(status=engagement_status,
                       deliverables=(r.DeliverableFacts(5, "Runbook", DUE, status),))
    for offset in (7, 3, 1, -1, -8):
        assert rules_on(facts, DUE - timedelta(days=offset)) == []


@pytest.mark.parametrize("status", ["delivered", "rejected"])
def test_delivered_or_rejected_is_still_owed(status):
    facts = engagement(deliverables=(r.DeliverableFacts(5, "Runbook", DUE, status),))
    assert rules_on(facts, DUE - timedelta(days=7)) == [("DELIVERABLE_DUE", f"7d:{DUE}")]


def test_a_new_due_date_is_a_new_reminder():
    moved = DUE + timedelta(days=5)
    before = r.reminders_on(engagement(), DUE - timedelta(days=7))[0]
    after = r.reminders_on(engagement(deliverables=(
        r.DeliverableFacts(5, "Runbook", moved, "planned"),)), moved - timedelta(days=7))[0]
    assert before.key(1) != after.key(1)


HANDOVER = TODAY + timedelta(days=40)


@pytest.mark.parametrize(("days_before", "open_count", "status", "fires"), [
    (31, 2, "active", False),
    (30, 2, "active", True),
    (29, 2, "active", False),
    (8, 2, "active", False),
    (7, 2, "in_handover", True),
    (6, 2, "active", False),
    (30, 0, "active", False),  # transfer complete
    (7, 2, "closed", False),
])
def test_handover_reminders(days_before, open_count, status, fires):
    facts = engagement(handover_date=HANDOVER, open_deliverables=open_count, status=status,
                       deliverables=())
    found = r.reminders_on(facts, HANDOVER - timedelta(days=days_before))
    assert [x.rule for x in found] == (["HANDOVER_APPROACHING"] if fires else [])
    if fires:
        assert found[0].audience == {r.OWNER, r.SUCCESSORS, r.FOLLOWERS}


END = TODAY + timedelta(days=120)


@pytest.mark.parametrize(("days_before", "trapped", "audience"), [
    (91, False, None),
    (90, False, {r.PROCUREMENT_FOLLOWERS}),
    (89, False, None),
    (31, True, None),
    (30, True, {r.PROCUREMENT_FOLLOWERS, r.ALL_PROCUREMENT}),
    (29, True, None),
])
def test_contract_end_reminders(days_before, trapped, audience):
    facts = engagement(end_date=END, deliverables=(),
                       trap_codes=frozenset({"NO_OWNER"}) if trapped else frozenset())
    found = r.reminders_on(facts, END - timedelta(days=days_before))
    assert [x.audience for x in found] == ([audience] if audience else [])


@pytest.mark.parametrize(("status", "previous", "current", "fires"), [
    ("active", frozenset(), frozenset({"HANDOVER_PASSED_OPEN_KT"}), True),
    ("in_handover", frozenset(), frozenset({"DEPENDENCY_TRAP_NO_OWNER"}), True),
    ("active", None, frozenset({"DEPENDENCY_TRAP_NO_OWNER"}), False),  # first sight: baseline
    ("active", frozenset({"A"}), frozenset({"A", "B"}), False),  # was already trapped
    ("active", frozenset({"A"}), frozenset({"A"}), False),
    ("draft", frozenset(), frozenset({"A"}), False),
    ("closed", frozenset(), frozenset({"A"}), False),
    ("active", frozenset({"A"}), frozenset(), False),  # leaving a trap is not a reminder
])
def test_newly_in_a_dependency_trap(status, previous, current, fires):
    facts = engagement(status=status, previous_trap_codes=previous, trap_codes=current,
                       deliverables=())
    found = r.due_reminders(facts, [TODAY], TODAY)
    assert [x.rule for x in found] == (["TRAP_ENTERED"] if fires else [])


def test_spec_changed_since_annex_once_per_change():
    first = engagement(annex_change=(2, "abc"), deliverables=())
    again = engagement(annex_change=(2, "abc"), deliverables=())
    other = engagement(annex_change=(2, "def"), deliverables=())
    keys = [r.due_reminders(e, [TODAY], TODAY)[0].key(7) for e in (first, again, other)]
    assert keys[0] == keys[1] != keys[2]
    assert r.due_reminders(engagement(deliverables=()), [TODAY], TODAY) == []
    assert r.due_reminders(engagement(annex_change=(1, "x"), status="closed", deliverables=()),
                           [TODAY], TODAY) == []


@pytest.mark.parametrize(("last_run", "expected"), [
    (None, [TODAY]),
    (TODAY, [TODAY]),
    (TODAY - timedelta(days=1), [TODAY]),
    (TODAY - timedelta(days=3), [TODAY - timedelta(days=2), TODAY - timedelta(days=1), TODAY]),
    (TODAY - timedelta(days=30), [TODAY - timedelta(days=n) for n in range(6, -1, -1)]),
])
def test_days_to_cover_catches_up_after_downtime(last_run, expected):
    assert r.days_to_cover(last_run, TODAY) == expected


def test_a_missed_day_is_caught_up():
    facts = engagement()
    missed = DUE - timedelta(days=7)
    found = r.due_reminders(facts, r.days_to_cover(missed - timedelta(days=1),
                                                   missed + timedelta(days=2)),
                            missed + timedelta(days=2))
    assert [x.threshold for x in found] == [f"7d:{DUE}"]


@pytest.mark.parametrize(("items", "subject"), [
    ([("DELIVERABLE_DUE", 7), ("DELIVERABLE_DUE", 3), ("DELIVERABLE_DUE", 1),
      ("HANDOVER_APPROACHING", 7)], "3 deliverables due, 1 handover in 7 days"),
    ([("DELIVERABLE_OVERDUE", -1)], "1 deliverable overdue"),
    ([("HANDOVER_APPROACHING", 30), ("HANDOVER_APPROACHING", 7)], "2 handovers coming up"),
    ([("CONTRACT_ENDING", 90), ("TRAP_ENTERED", None)],
     "1 new dependency trap, 1 contract ending"),
    ([], "Nothing new"),
])
def test_digest_subject_says_what_is_inside(items, subject):
    assert r.digest_subject(items) == subject


def test_describe_counts_from_the_real_today():
    reminder = r.reminders_on(engagement(), DUE - timedelta(days=7))[0]
    text = r.describe(reminder, "Triage", DUE - timedelta(days=5))
    assert text == f"“Runbook” (Triage) is due on {DUE.day} {DUE:%b %Y}, in 5 days."


@pytest.mark.parametrize(("days", "due"), [
    ([date(2026, 11, 30)], True),  # a Monday
    ([date(2026, 12, 1)], False),  # a Tuesday after Monday's run
    ([date(2026, 11, 29), date(2026, 11, 30), date(2026, 12, 1)], True),  # Monday missed
    ([date(2026, 11, 24) + timedelta(days=n) for n in range(6)], False),  # Tuesday to Sunday
])
def test_weekly_mail_is_due_when_the_run_covers_a_monday(days, due):
    assert r.weekly_mail_due(days) is due


def test_weekly_mail_owed_from_earlier_this_week_is_due_on_any_day():
    wednesday = date(2026, 12, 2)
    assert not r.weekly_mail_due([wednesday])
    assert r.weekly_mail_due([wednesday], owed=True)
    assert r.week_start(wednesday) == r.week_start(date(2026, 11, 30)) == date(2026, 11, 30)
    assert r.week_start(date(2026, 11, 29)) == date(2026, 11, 23)  # a Sunday

"""Reminder rules: who should hear what about an engagement on a given day.

Every rule has a stable code and yields :class:`Reminder` values whose ``(rule, subject,
threshold)`` — together with the person — is the unique key that makes a reminder reach each
person exactly once. ``today`` is an input; nothing here reads the clock or the database.

The exact-day rules (7/3/1 days before a deliverable is due, the overdue day and weekly after,
30/7 days before a handover, 90/30 days before a contract ends) are evaluated for each day the
job covers, so a day the job did not run is caught up on the next run. The dependency-trap
and spec-changed rules compare states, so they are evaluated once per run.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta

from .text import days_away, plural

DUE_SOON_DAYS = (7, 3, 1)
OVERDUE_REPEAT_DAYS = 7
HANDOVER_DAYS = (30, 7)
CONTRACT_END_DAYS = (90, 30)
# "An active engagement newly falls into a dependency trap": drafts are still being written.
TRAP_STATUSES = ("active", "in_handover")

DELIVERABLE_DUE = "DELIVERABLE_DUE"
DELIVERABLE_OVERDUE = "DELIVERABLE_OVERDUE"
HANDOVER_APPROACHING = "HANDOVER_APPROACHING"
TRAP_ENTERED = "TRAP_ENTERED"
CONTRACT_ENDING = "CONTRACT_ENDING"
SPEC_CHANGED_SINCE_ANNEX = "SPEC_CHANGED_SINCE_ANNEX"
RULE_CODES = (DELIVERABLE_DUE, DELIVERABLE_OVERDUE, HANDOVER_APPROACHING, TRAP_ENTERED,
              CONTRACT_ENDING, SPEC_CHANGED_SINCE_ANNEX)

# Who a reminder is for; the job turns these into accounts and drops anyone whose role may
# not see the engagement.
OWNER = "owner"
FOLLOWERS = "followers"
SUCCESSORS = "successors"
PROCUREMENT_FOLLOWERS = "procurement_followers"
ALL_PROCUREMENT = "all_procurement"


@dataclass(frozen=True)
class DeliverableFacts:
    id: int
    title: str
    due_date: date | None
    status: str


@dataclass(frozen=True)
class EngagementFacts:
    """What the rules need to know about one engagement on the day they run."""

    id: int
    title: str
    status: str
    handover_date: date | None = None
    end_date: date | None = None
    open_deliverables: int = 0
    deliverables: tuple[DeliverableFacts, ...] = ()
    trap_codes: frozenset[str] = frozenset()
    # The trap codes the previous run saw; None when the engagement is seen for the first time.
    previous_trap_codes: frozenset[str] | None = None
    # When the spec states other terms than the latest issued annex: the annex number and a
    # fingerprint of the current terms (so each distinct change is told once).
    annex_change: tuple[int, str] | None = None


@dataclass(frozen=True)
class Reminder:
    rule: str
    engagement_id: int
    subject: str
    threshold: str
    audience: frozenset[str]
    on: date | None = None  # the date the reminder is about (due, handover, contract end)
    days: int | None = None  # days from the evaluated day to ``on`` (negative: overdue)
    title: str = ""  # the deliverable's or engagement's title
    detail: tuple[str, ...] = field(default=())  # trap codes, annex number

    def key(self, person_id: int) -> str:
        """The unique key of this reminder for one person."""
        return f"{person_id}|{self.rule}|{self.subject}|{self.threshold}"


def deliverable_reminders(engagement: EngagementFacts, deliverable: DeliverableFacts,
                          day: date) -> Iterator[Reminder]:
    """Due in exactly 7, 3 or 1 days; overdue on its first day and every week after."""
    if engagement.status == "closed" or deliverable.status == "accepted" \
            or deliverable.due_date is None:
        return
    days = (deliverable.due_date - day).days
    audience = frozenset({OWNER, FOLLOWERS})
    subject = f"deliverable:{deliverable.id}"
    if days in DUE_SOON_DAYS:
        yield Reminder(DELIVERABLE_DUE, engagement.id, subject,
                       f"{days}d:{deliverable.due_date.isoformat()}", audience,
                       deliverable.due_date, days, deliverable.title)
    elif days < 0 and (-days - 1) % OVERDUE_REPEAT_DAYS == 0:
        week = (-days - 1) // OVERDUE_REPEAT_DAYS
        yield Reminder(DELIVERABLE_OVERDUE, engagement.id, subject,
                       f"overdue{week}w:{deliverable.due_date.isoformat()}", audience,
                       deliverable.due_date, days, deliverable.title)


def handover_reminder(engagement: EngagementFacts, day: date) -> Reminder | None:
    """Handover in exactly 30 or 7 days with knowledge transfer still open."""
    if engagement.status == "closed" or engagement.handover_date is None \
            or engagement.open_deliverables <= 0:
        return None
    days = (engagement.handover_date - day).days
    if days not in HANDOVER_DAYS:
        return None
    return Reminder(HANDOVER_APPROACHING, engagement.id, f"engagement:{engagement.id}",
                    f"{days}d:{engagement.handover_date.isoformat()}",
                    frozenset({OWNER, SUCCESSORS, FOLLOWERS}), engagement.handover_date, days,
                    engagement.title, (str(engagement.open_deliverables),))


def contract_end_reminder(engagement: EngagementFacts, day: date) -> Reminder | None:
    """Contract end in exactly 90 or 30 days: procurement followers, all procurement if trapped."""
    if engagement.status == "closed" or engagement.end_date is None:
        return None
    days = (engagement.end_date - day).days
    if days not in CONTRACT_END_DAYS:
        return None
    audience = {PROCUREMENT_FOLLOWERS}
    if engagement.trap_codes:
        audience.add(ALL_PROCUREMENT)
    return Reminder(CONTRACT_ENDING, engagement.id, f"engagement:{engagement.id}",
                    f"{days}d:{engagement.end_date.isoformat()}", frozenset(audience),
                    engagement.end_date, days, engagement.title)


def entered_trap(engagement: EngagementFacts) -> bool:
    """The engagement carries trap flags now and carried none at the previous run.

    The first run that sees an engagement only records its flags: a trap it was in already
    is not news, so it is not an entry.
    """
    return (bool(engagement.trap_codes) and engagement.previous_trap_codes is not None
            and not engagement.previous_trap_codes)


def trap_reminder(engagement: EngagementFacts, today: date) -> Reminder | None:
    """An active engagement newly falls into a dependency trap (any trap flag); staying in
    one tells nothing more, only leaving and re-entering does."""
    if engagement.status not in TRAP_STATUSES or not entered_trap(engagement):
        return None
    codes = engagement.trap_codes
    return Reminder(TRAP_ENTERED, engagement.id, f"engagement:{engagement.id}",
                    f"{today.isoformat()}:{','.join(sorted(codes))}",
                    frozenset({OWNER, FOLLOWERS}), None, None, engagement.title,
                    tuple(sorted(codes)))


def spec_changed_reminder(engagement: EngagementFacts) -> Reminder | None:
    """The spec states other terms than the latest issued annex (once per distinct change)."""
    if engagement.status == "closed" or engagement.annex_change is None:
        return None
    number, fingerprint = engagement.annex_change
    return Reminder(SPEC_CHANGED_SINCE_ANNEX, engagement.id, f"engagement:{engagement.id}",
                    f"annex{number}:{fingerprint}", frozenset({PROCUREMENT_FOLLOWERS}),
                    None, None, engagement.title, (str(number),))


def reminders_on(engagement: EngagementFacts, day: date) -> list[Reminder]:
    """The exact-day reminders for one engagement on ``day``."""
    found: list[Reminder] = []
    for deliverable in engagement.deliverables:
        found.extend(deliverable_reminders(engagement, deliverable, day))
    for reminder in (handover_reminder(engagement, day), contract_end_reminder(engagement, day)):
        if reminder is not None:
            found.append(reminder)
    return found


def due_reminders(engagement: EngagementFacts, days: Iterable[date], today: date
                  ) -> list[Reminder]:
    """Every reminder due for ``engagement`` on the ``days`` a run covers (ending ``today``).

    Exact-day rules are checked for each day (catch-up after downtime); state rules once.
    """
    found: list[Reminder] = []
    for day in days:
        found.extend(reminders_on(engagement, day))
    for reminder in (trap_reminder(engagement, today), spec_changed_reminder(engagement)):
        if reminder is not None:
            found.append(reminder)
    return found


def days_to_cover(last_run: date | None, today: date, max_catch_up: int = 7) -> list[date]:
    """The days a run on ``today`` covers: those since the last run, at most ``max_catch_up``."""
    if last_run is None or last_run >= today:
        return [today]
    first = max(last_run.toordinal() + 1, today.toordinal() - max_catch_up + 1)
    return [date.fromordinal(n) for n in range(first, today.toordinal() + 1)]


def weekly_mail_due(days: Iterable[date], owed: bool = False) -> bool:
    """Whether a run covering ``days`` sends the weekly mail (digests, leadership summary):
    a Monday is among them, so a Monday the job did not run is caught up on the next run;
    or an earlier run this week could not send it all (``owed``: the SMTP server was down)."""
    return owed or any(day.weekday() == 0 for day in days)


def week_start(day: date) -> date:
    """The Monday of ``day``'s ISO week."""
    return day - timedelta(days=day.weekday())


# --- words ---------------------------------------------------------------------------------

def human_day(value: date) -> str:
    return f"{value.day} {value:%b %Y}"


def describe(reminder: Reminder, engagement_title: str, today: date,
             trap_messages: dict[str, str] | None = None) -> str:
    """One sentence for a person, counted from ``today`` (which may be after the rule's day)."""
    days = (reminder.on - today).days if reminder.on else None
    if reminder.rule in (DELIVERABLE_DUE, DELIVERABLE_OVERDUE):
        state = "is due on" if reminder.rule == DELIVERABLE_DUE else "is overdue: it was due on"
        return (f"“{reminder.title}” ({engagement_title}) {state} {human_day(reminder.on)}, "
                f"{days_away(days)}.")
    if reminder.rule == HANDOVER_APPROACHING:
        open_count = int(reminder.detail[0]) if reminder.detail else 0
        return (f"Handover of “{engagement_title}” is on {human_day(reminder.on)}, "
                f"{days_away(days)}, with {plural(open_count, 'deliverable')} still open.")
    if reminder.rule == CONTRACT_ENDING:
        return (f"The contract for “{engagement_title}” ends on {human_day(reminder.on)}, "
                f"{days_away(days)}.")
    if reminder.rule == TRAP_ENTERED:
        reasons = [(trap_messages or {}).get(code, code) for code in reminder.detail]
        return f"“{engagement_title}” fell into a dependency trap: {' '.join(reasons)}"
    if reminder.rule == SPEC_CHANGED_SINCE_ANNEX:
        number = reminder.detail[0] if reminder.detail else "?"
        return (f"The spec of “{engagement_title}” states other terms than annex {number}; "
                "a new annex may be due.")
    return engagement_title


SUBJECT_PARTS = (
    (DELIVERABLE_OVERDUE, "deliverable", "overdue"),
    (DELIVERABLE_DUE, "deliverable", "due"),
    (HANDOVER_APPROACHING, "handover", None),
    (TRAP_ENTERED, "new dependency trap", None),
    (CONTRACT_ENDING, "contract", "ending"),
    (SPEC_CHANGED_SINCE_ANNEX, "spec", "changed since its annex"),
)


def digest_subject(items: Iterable[tuple[str, int | None]]) -> str:
    """A subject that says what is inside, e.g. "3 deliverables due, 1 handover in 7 days".

    ``items`` are (rule, days until the date) pairs; handovers say how far away they are
    when they all share one distance.
    """
    items = list(items)
    counts = Counter(rule for rule, _ in items)
    parts = []
    for rule, noun, verb in SUBJECT_PARTS:
        count = counts.get(rule)
        if not count:
            continue
        text = plural(count, noun)
        if rule == HANDOVER_APPROACHING:
            distances = {d for r, d in items if r == rule}
            text += f" {days_away(distances.pop())}" if len(distances) == 1 else " coming up"
        elif verb:
            text += f" {verb}"
        parts.append(text)
    return ", ".join(parts) if parts else "Nothing new"

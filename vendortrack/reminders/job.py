"""The reminder job: apply the rules of :mod:`vendortrack.domain.reminders` to every open
engagement, record each reminder once per person, then e-mail the digests.

Exactly once: every reminder is inserted with its unique key (person, rule, subject,
threshold) and ``ON CONFLICT DO NOTHING``, in key order, so a second run — or a second process
at the same moment against one PostgreSQL — adds nothing. E-mail is claimed the same way (see
:mod:`.mail`). The number of SQL queries does not grow with the number of engagements.
"""
from __future__ import annotations

import hashlib
import json
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask import current_app, url_for
from sqlalchemy import func, select, update

from ..domain import reminders as rules
from ..domain.risk import DATED_CODES, DEPENDENCY_TRAP_CODES, RULES_BY_CODE
from ..extensions import db, dialect_insert
from ..models import (
    Deliverable,
    Engagement,
    EngagementFlag,
    EngagementPerson,
    Follow,
    Notification,
    ReminderRun,
    TrapState,
    User,
    utcnow,
)
from ..permissions import can_view_engagement
from ..risk_queries import has_flag
from .links import base_url_context
from .queries import annex_changes

log = logging.getLogger(__name__)

UNDATED_TRAP_CODES = tuple(c for c in DEPENDENCY_TRAP_CODES if c not in DATED_CODES)
DATED_TRAP_CODES = tuple(c for c in DEPENDENCY_TRAP_CODES if c in DATED_CODES)
TRAP_MESSAGES = {code: RULES_BY_CODE[code].message for code in DEPENDENCY_TRAP_CODES}
LINK_ANCHORS = {
    rules.DELIVERABLE_DUE: "deliverables", rules.DELIVERABLE_OVERDUE: "deliverables",
    rules.HANDOVER_APPROACHING: "deliverables", rules.TRAP_ENTERED: "risk",
    rules.CONTRACT_ENDING: "h-contract", rules.SPEC_CHANGED_SINCE_ANNEX: "annexes",
}


@dataclass
class Planned:
    """A notification the run adds (or, in a dry run, would add)."""

    email: str
    rule: str
    message: str


@dataclass
class RunResult:
    today: date
    days: list[date]
    engagements: int = 0
    planned: list[Planned] = field(default_factory=list)
    created: int = 0
    mail: object = None  # mail.MailResult when digests were sent


@dataclass(frozen=True)
class Person:
    """An active account as the job needs it. Plain values, not ORM objects: every commit
    of the mail loop would otherwise expire hundreds of them."""

    id: int
    email: str
    name: str
    role: str
    is_active: bool = True  # only active accounts are loaded (read by can_view_engagement)


@dataclass
class People:
    """The active accounts, and who follows or succeeds on which engagement."""

    by_id: dict[int, Person]
    by_email: dict[str, Person]
    followers: dict[int, set[int]]
    successors: dict[int, set[int]]
    procurement: set[int]

    def audience(self, reminder: rules.Reminder, owner_email: str) -> set[int]:
        found: set[int] = set()
        eid = reminder.engagement_id
        if rules.OWNER in reminder.audience:
            owner = self.by_email.get(owner_email.lower()) if owner_email else None
            if owner is not None:
                found.add(owner.id)
        if rules.FOLLOWERS in reminder.audience:
            found |= self.followers.get(eid, set())
        if rules.SUCCESSORS in reminder.audience:
            found |= self.successors.get(eid, set())
        if rules.PROCUREMENT_FOLLOWERS in reminder.audience:
            found |= self.followers.get(eid, set()) & self.procurement
        if rules.ALL_PROCUREMENT in reminder.audience:
            found |= self.procurement
        return found


def load_people() -> People:
    users = [Person(*row) for row in db.session.execute(
        select(User.id, User.email, User.name, User.role).where(User.active.is_(True)))]
    by_id = {u.id: u for u in users}
    by_email = {u.email.lower(): u for u in users if u.email}
    followers: dict[int, set[int]] = defaultdict(set)
    for user_id, engagement_id in db.session.execute(select(Follow.user_id, Follow.engagement_id)):
        if user_id in by_id:
            followers[engagement_id].add(user_id)
    successors: dict[int, set[int]] = defaultdict(set)
    rows = db.session.execute(
        select(EngagementPerson.engagement_id, User.id)
        .join(User, func.lower(EngagementPerson.email) == User.email)
        .where(EngagementPerson.kind == "successor", EngagementPerson.email != "",
               User.active.is_(True)))
    for engagement_id, user_id in rows:
        successors[engagement_id].add(user_id)
    procurement = {u.id for u in users if u.role == "procurement"}
    return People(by_id, by_email, followers, successors, procurement)


def _fingerprint(terms: dict) -> str:
    text = json.dumps(terms, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def load_facts(today: date, last_day: date, people: People
               ) -> tuple[list[rules.EngagementFacts], dict[int, str]]:
    """Every open engagement as rule input, and each one's owner e-mail (a fixed few queries)."""
    dated = [has_flag(code, today).label(f"dated_{n}") for n, code in enumerate(DATED_TRAP_CODES)]
    rows = db.session.execute(
        select(Engagement.id, Engagement.title, Engagement.status, Engagement.handover_date,
               Engagement.end_date, Engagement.open_deliverables, Engagement.owner_email, *dated)
        .where(Engagement.status != "closed")).all()
    trap_codes: dict[int, set[str]] = defaultdict(set)
    for row in rows:
        for code, value in zip(DATED_TRAP_CODES, row[7:], strict=True):
            if value:
                trap_codes[row.id].add(code)
    for engagement_id, code in db.session.execute(
            select(EngagementFlag.engagement_id, EngagementFlag.code)
            .join(Engagement, Engagement.id == EngagementFlag.engagement_id)
            .where(EngagementFlag.code.in_(UNDATED_TRAP_CODES), Engagement.status != "closed")):
        trap_codes[engagement_id].add(code)
    deliverables: dict[int, list[rules.DeliverableFacts]] = defaultdict(list)
    horizon = last_day + timedelta(days=max(rules.DUE_SOON_DAYS))
    for d in db.session.execute(
            select(Deliverable.id, Deliverable.engagement_id, Deliverable.title,
                   Deliverable.due_date, Deliverable.status)
            .join(Engagement, Engagement.id == Deliverable.engagement_id)
            .where(Engagement.status != "closed", Deliverable.status != "accepted",
                   Deliverable.due_date.is_not(None), Deliverable.due_date <= horizon)):
        deliverables[d.engagement_id].append(
            rules.DeliverableFacts(d.id, d.title, d.due_date, d.status))
    previous = {s.engagement_id: frozenset(filter(None, s.codes.split(",")))
                for s in db.session.execute(select(TrapState.engagement_id, TrapState.codes))}
    # Only procurement followers hear about spec changes, so only their engagements are read.
    watched = {eid for eid, ids in people.followers.items() if ids & people.procurement}
    changes = {eid: (change.number, _fingerprint(change.terms)) for eid, change in
               (annex_changes(Engagement.id.in_(watched)) if watched else {}).items()}
    facts = [rules.EngagementFacts(
        id=row.id, title=row.title, status=row.status, handover_date=row.handover_date,
        end_date=row.end_date, open_deliverables=row.open_deliverables,
        deliverables=tuple(deliverables.get(row.id, ())),
        trap_codes=frozenset(trap_codes.get(row.id, ())),
        previous_trap_codes=previous.get(row.id), annex_change=changes.get(row.id),
    ) for row in rows]
    return facts, {row.id: row.owner_email for row in rows}


def _insert(model, rows: list[dict], index: list[str], update: list[str] | None = None) -> int:
    """INSERT … ON CONFLICT DO NOTHING (or DO UPDATE ``update``), on PostgreSQL and SQLite;
    returns how many rows were inserted or updated."""
    if not rows:
        return 0
    statement = dialect_insert(model)
    if update:
        statement = statement.on_conflict_do_update(
            index_elements=index, set_={c: statement.excluded[c] for c in update})
    else:
        statement = statement.on_conflict_do_nothing(index_elements=index)
    # RETURNING counts the rows on every driver (executemany's rowcount is -1 on psycopg).
    statement = statement.returning(*model.__table__.primary_key.columns)
    return len(db.session.connection().execute(statement, rows).all())


def _link(reminder: rules.Reminder) -> str:
    return url_for("engagements.show", engagement_id=reminder.engagement_id,
                   _anchor=LINK_ANCHORS.get(reminder.rule))


def _existing_keys(keys: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(keys), 500):
        found.update(db.session.scalars(
            select(Notification.key).where(Notification.key.in_(keys[start:start + 500]))))
    return found


def run(today: date, *, dry_run: bool = False, send_mail: bool = True) -> RunResult:
    """Run the reminders for ``today`` (catching up days missed since the last run)."""
    with base_url_context():
        return _run(today, dry_run=dry_run, send_mail=send_mail)


def _run(today: date, *, dry_run: bool, send_mail: bool) -> RunResult:
    last = db.session.scalar(select(func.max(ReminderRun.day)).where(ReminderRun.day < today))
    days = rules.days_to_cover(last, today)
    result = RunResult(today, days)
    people = load_people()
    facts, owners = load_facts(today, days[-1], people)
    result.engagements = len(facts)
    now = utcnow()
    rows: dict[str, dict] = {}
    links: dict[tuple[int, str], str] = {}
    for engagement in facts:
        for reminder in rules.due_reminders(engagement, days, today):
            recipients = people.audience(reminder, owners[engagement.id])
            if not recipients:
                continue
            message = rules.describe(reminder, engagement.title, today, TRAP_MESSAGES)
            link = links.get((reminder.engagement_id, reminder.rule))
            if link is None:
                link = links[reminder.engagement_id, reminder.rule] = _link(reminder)
            for user_id in recipients:
                user = people.by_id[user_id]
                if not can_view_engagement(user, engagement):
                    continue
                key = reminder.key(user_id)
                rows[key] = dict(user_id=user_id, key=key, rule=reminder.rule,
                                 engagement_id=engagement.id, message=message, link=link,
                                 on_date=reminder.on, created_at=now)
    ordered = [rows[k] for k in sorted(rows)]  # one lock order for concurrent runs
    if dry_run:
        existing = _existing_keys([r["key"] for r in ordered])
        result.planned = [Planned(people.by_id[r["user_id"]].email, r["rule"], r["message"])
                          for r in ordered if r["key"] not in existing]
        db.session.rollback()
        return result
    # The reads end here: on SQLite a read transaction cannot become a writing one once
    # anybody else wrote since it began ("database is locked" at once, no waiting), so the
    # writes start a transaction of their own, which waits for the write lock.
    db.session.commit()
    result.created = _insert(Notification, ordered, ["key"])
    _store_trap_states(facts, today)
    _insert(ReminderRun, [dict(day=today, finished_at=now, notifications=result.created)],
            ["day"], ["finished_at"])
    db.session.commit()
    log.info("reminders for %s (covering %s to %s): %d engagements, %d new notifications",
             today, days[0], days[-1], len(facts), result.created)
    weekly = rules.weekly_mail_due(days, owed=_weekly_mail_owed(today))
    if send_mail and current_app.config.get("MAIL_URL"):
        from . import mail

        result.mail = mail.send_digests(today, weekly=weekly)
    if weekly:  # owed until a run sends it all (not when the mail is off or the server down)
        db.session.execute(update(ReminderRun).where(ReminderRun.day == today).values(
            weekly_mail_owed=result.mail is None or result.mail.error is not None))
        db.session.commit()
    return result


def _weekly_mail_owed(today: date) -> bool:
    """Whether the last run earlier this ISO week could not send the weekly mail."""
    return bool(db.session.scalar(
        select(ReminderRun.weekly_mail_owed)
        .where(ReminderRun.day >= rules.week_start(today), ReminderRun.day < today)
        .order_by(ReminderRun.day.desc()).limit(1)))


def _store_trap_states(facts: list[rules.EngagementFacts], today: date) -> None:
    """Remember each engagement's trap flags; ``trapped_since`` is set when it enters a trap
    (not when the job first sees it, trapped or not: that is the baseline)."""
    # In engagement order: two runs at once on PostgreSQL then lock the rows in one order.
    rows = [dict(engagement_id=e.id, codes=",".join(sorted(e.trap_codes)),
                 trapped_since=today if rules.entered_trap(e) else None)
            for e in sorted(facts, key=lambda e: e.id) if e.previous_trap_codes != e.trap_codes]
    if not rows:
        return
    statement = dialect_insert(TrapState)
    statement = statement.on_conflict_do_update(index_elements=["engagement_id"], set_={
        "codes": statement.excluded.codes,
        "trapped_since": func.coalesce(statement.excluded.trapped_since,
                                       TrapState.trapped_since)})
    db.session.connection().execute(statement, rows)

"""Reads for reminders: My work, the bell, the notifications page."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import bindparam, func, or_, select, union
from sqlalchemy.orm import aliased

from ..domain.annex import annex_terms, load_snapshot, spec_changed
from ..domain.risk import RULES, Severity
from ..extensions import db
from ..models import (
    Annex,
    AuditEvent,
    Deliverable,
    Engagement,
    EngagementFlag,
    Follow,
    Notification,
    User,
)
from ..risk_queries import has_flag

DUE_WINDOW_DAYS = 14
HANDOVER_WINDOW_DAYS = 30
CONTRACT_WINDOW_DAYS = 90
SECTION_LIMIT = 50  # rows per section; the heading shows the full count
HIGH_CODES = tuple(r.code for r in RULES if r.severity == Severity.HIGH and not r.dated)
HIGH_DATED_CODES = tuple(r.code for r in RULES if r.severity == Severity.HIGH and r.dated)


# Built once: the bell reads it on every page that shows it.
_UNREAD = (select(func.count()).select_from(Notification)
           .where(Notification.user_id == bindparam("user_id"), Notification.read_at.is_(None)))


def unread_count(user: User) -> int:
    return db.session.scalar(_UNREAD, {"user_id": user.id}) or 0


def followed_ids(user: User) -> set[int]:
    return set(db.session.scalars(select(Follow.engagement_id).where(Follow.user_id == user.id)))


_FOLLOWS = select(Follow.engagement_id).where(Follow.user_id == bindparam("user_id"),
                                               Follow.engagement_id == bindparam("engagement_id"))


def is_following(user: User, engagement_id: int) -> bool:
    return db.session.scalar(_FOLLOWS, {"user_id": user.id,
                                        "engagement_id": engagement_id}) is not None


def my_engagement_ids(user: User) -> list[int]:
    """Engagements the person owns (internal owner e-mail = account e-mail) or follows."""
    owned = set(db.session.scalars(select(Engagement.id).where(
        Engagement.owner_email == user.email.lower())))
    return sorted(owned | followed_ids(user))


@dataclass
class Section:
    rows: list = field(default_factory=list)
    total: int = 0


@dataclass
class MyWork:
    deliverables: Section
    handovers: Section
    draft_flags: list  # (engagement id, title, [flag codes])
    spec_changes: list  # (engagement id, title, annex number)
    contracts: Section

    @property
    def empty(self) -> bool:
        return not (self.deliverables.rows or self.handovers.rows or self.draft_flags
                    or self.spec_changes or self.contracts.rows)


def _section(statement, limit: int = SECTION_LIMIT) -> Section:
    rows = db.session.execute(statement.limit(limit + 1)).all()
    total = len(rows)
    if total > limit:
        total = db.session.scalar(select(func.count()).select_from(
            statement.order_by(None).subquery()))
    return Section(rows[:limit], total)


def my_work(user: User, today: date) -> MyWork:
    """What needs the person, most urgent first (see issue 12)."""
    ids = my_engagement_ids(user)
    open_engagement = Engagement.status != "closed"
    deliverables = _section(
        select(Deliverable.id, Deliverable.title, Deliverable.due_date, Deliverable.status,
               Engagement.id.label("engagement_id"), Engagement.title.label("engagement"))
        .join(Engagement, Engagement.id == Deliverable.engagement_id)
        .where(Deliverable.engagement_id.in_(ids), open_engagement,
               Deliverable.status != "accepted", Deliverable.due_date.is_not(None),
               Deliverable.due_date <= today + timedelta(days=DUE_WINDOW_DAYS))
        .order_by(Deliverable.due_date, Deliverable.id))
    handovers = _section(
        select(Engagement.id, Engagement.title, Engagement.handover_date,
               Engagement.open_deliverables)
        .where(Engagement.id.in_(ids), open_engagement, Engagement.open_deliverables > 0,
               Engagement.handover_date >= today,
               Engagement.handover_date <= today + timedelta(days=HANDOVER_WINDOW_DAYS))
        .order_by(Engagement.handover_date, Engagement.id))
    draft_flags = _draft_flags(user, today)
    spec_changes, contracts = [], Section()
    if user.role in ("procurement", "admin"):
        spec_changes = _spec_changes()
        contracts = _section(
            select(Engagement.id, Engagement.title, Engagement.end_date)
            .where(open_engagement, Engagement.end_date >= today,
                   Engagement.end_date <= today + timedelta(days=CONTRACT_WINDOW_DAYS))
            .order_by(Engagement.end_date, Engagement.id))
    return MyWork(deliverables, handovers, draft_flags, spec_changes, contracts)


def _draft_flags(user: User, today: date) -> list:
    # The person's own engagements by two index lookups (owner e-mail, creator), drafts picked
    # here: a status condition in SQL lets the planner scan every draft instead.
    mine = union(*(select(Engagement.id, Engagement.title, Engagement.status).where(who)
                   for who in (Engagement.created_by_id == user.id,
                               Engagement.owner_email == user.email.lower()))).subquery()
    rows = db.session.execute(select(mine.c.id, mine.c.title, mine.c.status)
                              .order_by(mine.c.id)).all()
    drafts = {row.id: (row.title, []) for row in rows if row.status == "draft"}
    if not drafts:
        return []
    for engagement_id, code in db.session.execute(
            select(EngagementFlag.engagement_id, EngagementFlag.code).where(
                EngagementFlag.engagement_id.in_(drafts), EngagementFlag.code.in_(HIGH_CODES))):
        drafts[engagement_id][1].append(code)
    for code in HIGH_DATED_CODES:
        for engagement_id in db.session.scalars(select(Engagement.id).where(
                Engagement.id.in_(drafts), has_flag(code, today))):
            drafts[engagement_id][1].append(code)
    order = {code: n for n, code in enumerate(r.code for r in RULES)}
    return [(eid, title, sorted(codes, key=order.get))
            for eid, (title, codes) in drafts.items() if codes]


def _spec_changes() -> list:
    """Open engagements whose spec states other terms than their latest annex."""
    changed = annex_changes(Engagement.status != "closed")
    return [(eid, c.title, c.number) for eid, c in sorted(changed.items())]


@dataclass(frozen=True)
class AnnexChange:
    number: int  # of the latest annex
    title: str
    terms: dict  # what the spec states now (domain.annex.annex_terms)


def annex_changes(*where) -> dict[int, AnnexChange]:
    """The engagements (those matching ``where``) whose spec states other terms than their
    latest annex (domain.annex.spec_changed), by id.

    Only those saved since their latest annex are compared: an engagement still at the version
    its annex froze states its terms. A few queries, however many engagements there are.
    """
    from ..queries import WITH_SPEC_ROWS
    from ..services import engagement_json

    newer = aliased(Annex)
    # Annexes issued before the column was added: the version their issue recorded (versions
    # only grow, so the latest annex's is the highest). Read only for those.
    recorded = (select(func.max(AuditEvent.engagement_version))
                .where(AuditEvent.engagement_id == Annex.engagement_id,
                       AuditEvent.action == "annex.issue").scalar_subquery())
    frozen = func.coalesce(Annex.engagement_version, recorded)
    statement = (
        select(Annex.engagement_id, Annex.number, Annex.snapshot)
        .join(Engagement, Engagement.id == Annex.engagement_id)
        .where(~select(newer.id).where(newer.engagement_id == Annex.engagement_id,
                                       newer.number > Annex.number).exists(),
               or_(frozen.is_(None), frozen != Engagement.version)))
    latest = {row.engagement_id: (row.number, row.snapshot)
              for row in db.session.execute(statement.where(*where))}
    if not latest:
        return {}
    changed = {}
    for engagement in db.session.scalars(
            select(Engagement).where(Engagement.id.in_(latest)).options(*WITH_SPEC_ROWS)):
        number, snapshot = latest[engagement.id]
        current = engagement_json(engagement)
        if spec_changed(load_snapshot(snapshot), current):
            changed[engagement.id] = AnnexChange(number, engagement.title, annex_terms(current))
    return changed


def notifications_for(user: User, page: int, per_page: int = 50):
    return db.paginate(select(Notification).where(Notification.user_id == user.id)
                       .order_by(Notification.created_at.desc(), Notification.id.desc()),
                       page=page, per_page=per_page, error_out=False)

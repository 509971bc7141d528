"""The personal iCalendar feed (RFC 5545, written with the ``icalendar`` library).

All-day events for the handover dates, deliverable due dates and contract end dates of the
engagements a person owns or follows. UIDs are derived from the row ids, so a calendar app
updates an event when a date moves instead of adding a second one.
"""
from __future__ import annotations

from datetime import date, timedelta

from flask import url_for
from icalendar import Calendar, Event
from sqlalchemy import select

from ..extensions import db
from ..models import Deliverable, Engagement, ReminderSettings, User
from ..permissions import can_view_engagement
from .links import absolute_url, public_host
from .queries import my_engagement_ids

PRODID = "-//vendortrack//reminders//EN"


def _uid(kind: str, row_id: int) -> str:
    return f"{kind}-{row_id}@{public_host() or 'vendortrack'}"


def _event(uid: str, day: date, summary: str, link: str, stamp, sequence: int) -> Event:
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", stamp)
    event.add("dtstart", day)  # a date, not a datetime: an all-day event
    event.add("dtend", day + timedelta(days=1))
    event.add("summary", summary)
    event.add("url", link)
    event.add("description", link)
    event.add("sequence", sequence)
    event.add("transp", "TRANSPARENT")  # reminders, not meetings: never show as busy
    return event


def build_feed(user: User) -> bytes:
    """The person's calendar (only engagements their role may see)."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", "vendortrack")
    ids = my_engagement_ids(user)
    engagements = [e for e in db.session.scalars(
        select(Engagement).where(Engagement.id.in_(ids)).order_by(Engagement.id))
        if can_view_engagement(user, e)]
    by_id = {e.id: e for e in engagements}

    def link(engagement_id: int, anchor: str) -> str:
        return absolute_url(url_for("engagements.show", engagement_id=engagement_id,
                                    _anchor=anchor))

    for e in engagements:
        if e.status == "closed":
            continue
        if e.handover_date:
            calendar.add_component(_event(_uid("handover", e.id), e.handover_date,
                                          f"Handover: {e.title}", link(e.id, "deliverables"),
                                          e.updated_at, e.version))
        if e.end_date:
            calendar.add_component(_event(_uid("contract-end", e.id), e.end_date,
                                          f"Contract ends: {e.title}", link(e.id, "h-contract"),
                                          e.updated_at, e.version))
    deliverables = db.session.scalars(
        select(Deliverable).where(Deliverable.engagement_id.in_(by_id),
                                  Deliverable.due_date.is_not(None),
                                  Deliverable.status != "accepted")
        .order_by(Deliverable.engagement_id, Deliverable.position))
    for d in deliverables:
        e = by_id[d.engagement_id]
        if e.status == "closed":
            continue
        calendar.add_component(_event(_uid("deliverable", d.id), d.due_date,
                                      f"Due: {d.title or 'Deliverable'} ({e.title})",
                                      link(e.id, "deliverables"), e.updated_at, e.version))
    return calendar.to_ical()


def feed_for_secret(secret: str) -> bytes | None:
    """The feed for a secret, or None (unknown secret or deactivated account: a 404)."""
    if not secret or len(secret) > 64:
        return None
    user = db.session.scalar(select(User).join(ReminderSettings,
                                               ReminderSettings.user_id == User.id)
                             .where(ReminderSettings.calendar_secret == secret))
    if user is None or not user.active:
        return None
    return build_feed(user)

"""Writes for reminders: following, reading notifications, a person's reminder settings.

Each function changes data and commits, or changes nothing.
"""
from __future__ import annotations

import secrets

from sqlalchemy import delete, select, update

from ..extensions import db, dialect_insert
from ..models import Engagement, Follow, Notification, ReminderSettings, User, utcnow

DIGEST_CHOICES = {"daily": "Daily", "weekly": "Weekly (Mondays)", "off": "Off"}


def settings_for(user: User) -> ReminderSettings:
    """The person's settings, or unsaved defaults (daily digest, no summary, no feed)."""
    found = db.session.get(ReminderSettings, user.id)
    return found or ReminderSettings(user_id=user.id, digest="daily", weekly_summary=False)


def _stored_settings(user: User) -> ReminderSettings:
    settings = db.session.get(ReminderSettings, user.id)
    if settings is None:
        settings = ReminderSettings(user_id=user.id, digest="daily", weekly_summary=False)
        db.session.add(settings)
    return settings


def save_settings(user: User, *, digest: str, weekly_summary: bool) -> None:
    """Store how often ``user`` gets e-mail and whether leadership gets the weekly summary."""
    if digest not in DIGEST_CHOICES:
        raise ValueError(digest)
    settings = _stored_settings(user)
    settings.digest = digest
    settings.weekly_summary = weekly_summary and user.role in ("leadership", "admin")
    db.session.commit()


def unsubscribe(user: User) -> None:
    """Stop every reminder e-mail to ``user`` (in-app notifications stay)."""
    save_settings(user, digest="off", weekly_summary=False)


def regenerate_calendar_secret(user: User) -> str:
    """A new secret for the person's calendar feed; the old feed URL stops working."""
    settings = _stored_settings(user)
    settings.calendar_secret = secrets.token_urlsafe(32)
    db.session.commit()
    return settings.calendar_secret


def follow(user: User, engagement: Engagement) -> bool:
    """Follow ``engagement``; False when already following (also when the same person's
    second request to follow arrives at the same moment)."""
    follows = Follow.__table__
    # RETURNING tells whether a row went in (the rowcount is -1 here on psycopg).
    added = db.session.execute(
        dialect_insert(follows).values(user_id=user.id, engagement_id=engagement.id)
        .on_conflict_do_nothing(index_elements=["user_id", "engagement_id"])
        .returning(follows.c.user_id)).first()
    db.session.commit()
    return added is not None


def unfollow(user: User, engagement: Engagement) -> bool:
    """Stop following; False when not following."""
    done = db.session.execute(delete(Follow).where(
        Follow.user_id == user.id, Follow.engagement_id == engagement.id)).rowcount
    db.session.commit()
    return bool(done)


def mark_read(user: User, notification_id: int) -> bool:
    """Mark one of the person's notifications read; False when it is not theirs."""
    done = db.session.execute(update(Notification).where(
        Notification.id == notification_id, Notification.user_id == user.id,
        Notification.read_at.is_(None)).values(read_at=utcnow())).rowcount
    db.session.commit()
    exists = db.session.scalar(select(Notification.id).where(
        Notification.id == notification_id, Notification.user_id == user.id))
    return bool(done) or exists is not None


def mark_all_read(user: User) -> int:
    """Mark all the person's notifications read; returns how many were unread."""
    done = db.session.execute(update(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())).rowcount
    db.session.commit()
    return done

"""E-mail digests over SMTP: one mail per person per day (or week), never one per item.

Exactly once: a digest is *claimed* by inserting its row (person, kind, period — unique)
before the mail is sent; the notifications it carries are marked e-mailed only after the SMTP
server accepted it. When sending fails the claim is removed, so the next run sends the items.
A claim left behind by a crash mid-send is taken over after :data:`STALE_CLAIM`.
"""
from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass, field
from datetime import date, timedelta
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from urllib.parse import parse_qs, unquote, urlsplit

from flask import current_app, render_template, url_for
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import delete, func, select, update

from ..domain.reminders import digest_subject
from ..extensions import db
from ..models import Digest, Notification, ReminderSettings, User, utcnow

log = logging.getLogger(__name__)

STALE_CLAIM = timedelta(minutes=30)
PENDING_DAYS = 14  # older unsent reminders are no longer news


# --- configuration -------------------------------------------------------------------------

@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    username: str | None
    password: str | None
    tls: bool  # smtps:// (TLS from the first byte)
    starttls: bool


def parse_mail_url(url: str) -> SmtpSettings:
    """``smtp://user:pass@host:587?starttls=1`` or ``smtps://user:pass@host:465``."""
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise ValueError("MAIL_URL must look like smtp://user:pass@host:587?starttls=1")
    query = parse_qs(parts.query)
    starttls = query.get("starttls", ["0"])[0].lower() in ("1", "true", "yes", "on")
    tls = parts.scheme == "smtps"
    return SmtpSettings(parts.hostname, parts.port or (465 if tls else 25),
                        unquote(parts.username) if parts.username else None,
                        unquote(parts.password) if parts.password else None, tls, starttls)


def _connect() -> smtplib.SMTP:
    settings = parse_mail_url(current_app.config["MAIL_URL"])
    timeout = current_app.config["MAIL_TIMEOUT"]
    if settings.tls:
        smtp = smtplib.SMTP_SSL(settings.host, settings.port, timeout=timeout,
                                context=ssl.create_default_context())
    else:
        smtp = smtplib.SMTP(settings.host, settings.port, timeout=timeout)
        if settings.starttls:
            smtp.starttls(context=ssl.create_default_context())
    if settings.username:
        smtp.login(settings.username, settings.password or "")
    return smtp


# --- one-click unsubscribe (RFC 8058) --------------------------------------------------------

def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="reminders-unsubscribe")


def unsubscribe_token(user: User) -> str:
    """A signed token naming the person and their address: it works without signing in."""
    return _serializer().dumps({"u": user.id, "e": user.email.lower()})


def user_for_unsubscribe(token: str) -> User | None:
    """The person a valid token names, or None (tampered, or the address changed since)."""
    try:
        data = _serializer().loads(token)
    except BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        return None
    user = db.session.get(User, data["u"])
    if user is None or user.email.lower() != data.get("e"):
        return None
    return user


# --- building ------------------------------------------------------------------------------

def absolute(path: str) -> str:
    return current_app.config["BASE_URL"] + path


def build_digest(user: User, notifications: list[Notification], today: date,
                 *, weekly: bool = False) -> EmailMessage:
    """A multipart (text + HTML) digest with RFC 8058 one-click unsubscribe headers."""
    subject = digest_subject(
        (n.rule, (n.on_date - today).days if n.on_date else None) for n in notifications)
    unsubscribe = absolute(url_for("reminders.unsubscribe", token=unsubscribe_token(user)))
    context = dict(user=user, notifications=notifications, today=today, weekly=weekly,
                   absolute=absolute, unsubscribe=unsubscribe,
                   my_work=absolute(url_for("reminders.my_work")),
                   settings=absolute(url_for("auth.account", _anchor="reminders")))
    return _message(user, f"vendortrack: {subject}", unsubscribe,
                    render_template("email/digest.txt", **context),
                    render_template("email/digest.html", **context))


def _message(user: User, subject: str, unsubscribe: str, text: str, html: str) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = formataddr((user.name, user.email))
    message["Message-ID"] = make_msgid(domain="vendortrack")
    message["List-Unsubscribe"] = f"<{unsubscribe}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message


# --- sending -------------------------------------------------------------------------------

@dataclass
class MailResult:
    sent: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    error: str | None = None

    def __str__(self) -> str:
        text = f"E-mail: {len(self.sent)} digests sent"
        if self.failed:
            text += f", {len(self.failed)} not sent (kept for the next run)"
        if self.error:
            text += f"; {self.error}"
        return text + "."


def _period(kind: str, today: date) -> str:
    if kind == "daily":
        return today.isoformat()
    year, week, _ = today.isocalendar()
    return f"{year}-W{week:02d}"


def _claim(user_id: int, kind: str, period: str) -> int | None:
    """Insert the digest row (the claim); None when another run has it."""
    from .job import _insert

    now = utcnow()
    if _insert(Digest, [dict(user_id=user_id, kind=kind, period=period, claimed_at=now,
                             items=0)], ["user_id", "kind", "period"]):
        db.session.commit()
        return db.session.scalar(select(Digest.id).where(
            Digest.user_id == user_id, Digest.kind == kind, Digest.period == period))
    # Taken over only when the claimer stopped mid-send long ago.
    taken = db.session.execute(update(Digest).where(
        Digest.user_id == user_id, Digest.kind == kind, Digest.period == period,
        Digest.sent_at.is_(None), Digest.claimed_at < now - STALE_CLAIM)
        .values(claimed_at=now)).rowcount
    db.session.commit()
    if not taken:
        return None
    return db.session.scalar(select(Digest.id).where(
        Digest.user_id == user_id, Digest.kind == kind, Digest.period == period))


def _release(digest_id: int) -> None:
    db.session.execute(delete(Digest).where(Digest.id == digest_id))
    db.session.commit()


def _recipients(today: date) -> list[tuple[User, str]]:
    """People with unsent reminders whose digest is due today, with the digest kind."""
    since = utcnow() - timedelta(days=PENDING_DAYS)
    pending = select(Notification.user_id).where(
        Notification.emailed_at.is_(None), Notification.created_at >= since).distinct()
    rows = db.session.execute(
        select(User, func.coalesce(ReminderSettings.digest, "daily"))
        .outerjoin(ReminderSettings, ReminderSettings.user_id == User.id)
        .where(User.id.in_(pending), User.active.is_(True), User.email != "")
        .order_by(User.id)).all()
    monday = today.weekday() == 0
    return [(user, kind) for user, kind in rows
            if kind == "daily" or (kind == "weekly" and monday)]


class _Connection:
    """Opens the SMTP connection on first use, so a run with nothing to send never connects."""

    def __init__(self):
        self.smtp: smtplib.SMTP | None = None

    def send(self, message: EmailMessage) -> None:
        if self.smtp is None:
            self.smtp = _connect()
        self.smtp.send_message(message)

    def close(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (smtplib.SMTPException, OSError):
                self.smtp.close()


# Failures that concern one message or recipient; the others stop the whole run.
RECIPIENT_ERRORS = (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError,
                    smtplib.SMTPSenderRefused, smtplib.SMTPNotSupportedError)


def send_digests(today: date) -> MailResult:
    """Send each due person one digest of their unsent reminders (and leadership summaries)."""
    result = MailResult()
    connection = _Connection()
    try:
        jobs = [(user, kind, _pending(user), None) for user, kind in _recipients(today)]
        if today.weekday() == 0:
            from .summary import summary_jobs

            jobs += summary_jobs(today)
        for user, kind, notifications, message in jobs:
            if kind != "summary" and not notifications:
                continue
            digest_id = _claim(user.id, kind, _period(kind, today))
            if digest_id is None:
                continue
            if message is None:
                message = build_digest(user, notifications, today, weekly=kind == "weekly")
            try:
                connection.send(message)
            except RECIPIENT_ERRORS as error:
                _release(digest_id)
                result.failed.append(user.email)
                log.warning("digest to %s refused by the SMTP server: %s", user.email, error)
                continue
            except (smtplib.SMTPException, OSError) as error:
                _release(digest_id)
                result.failed.append(user.email)
                result.error = f"SMTP server unavailable ({error.__class__.__name__}: {error})"
                log.error("sending digests stopped: %s; nothing more was marked sent, the "
                          "next run sends the rest", result.error)
                break
            _mark_sent(digest_id, notifications)
            result.sent.append(user.email)
    finally:
        connection.close()
    log.info("%s", result)
    return result


def _pending(user: User) -> list[Notification]:
    since = utcnow() - timedelta(days=PENDING_DAYS)
    return list(db.session.scalars(
        select(Notification).where(Notification.user_id == user.id,
                                   Notification.emailed_at.is_(None),
                                   Notification.created_at >= since)
        .order_by(Notification.on_date.is_(None), Notification.on_date, Notification.id)))


def _mark_sent(digest_id: int, notifications: list[Notification]) -> None:
    now = utcnow()
    ids = [n.id for n in notifications]
    if ids:
        db.session.execute(update(Notification).where(Notification.id.in_(ids))
                           .values(emailed_at=now, digest_id=digest_id))
    db.session.execute(update(Digest).where(Digest.id == digest_id)
                       .values(sent_at=now, items=len(ids)))
    db.session.commit()

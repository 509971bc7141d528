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
from email import policy
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
SMTP_POLICY = policy.SMTP.clone(max_line_length=998)
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


def unsubscribe_token(user: User | Recipient) -> str:
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


def build_digest(user: Recipient, notifications: list, today: date,
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


def _message(user: Recipient, subject: str, unsubscribe: str, text: str, html: str) -> EmailMessage:
    # Long lines rather than folding: a folded List-Unsubscribe would be RFC 2047-encoded.
    message = EmailMessage(policy=SMTP_POLICY)
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


# Plain rows, not ORM objects: the session stays small however many digests go out.
DIGEST = Digest.__table__
NOTIFICATION = Notification.__table__


@dataclass(frozen=True)
class Recipient:
    id: int
    name: str
    email: str


def _claim(user_id: int, kind: str, period: str) -> int | None:
    """Insert the digest row (the claim) and commit; None when another run has it."""
    if db.engine.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    now = utcnow()
    claimed = db.session.execute(
        insert(DIGEST).values(user_id=user_id, kind=kind, period=period, claimed_at=now,
                              items=0)
        .on_conflict_do_nothing(index_elements=["user_id", "kind", "period"])
        .returning(DIGEST.c.id)).scalar()
    if claimed is None:  # taken over only when its claimer stopped mid-send long ago
        claimed = db.session.execute(update(DIGEST).where(
            DIGEST.c.user_id == user_id, DIGEST.c.kind == kind, DIGEST.c.period == period,
            DIGEST.c.sent_at.is_(None), DIGEST.c.claimed_at < now - STALE_CLAIM)
            .values(claimed_at=now).returning(DIGEST.c.id)).scalar()
    db.session.commit()
    return claimed


def _release(digest_id: int) -> None:
    db.session.execute(delete(DIGEST).where(DIGEST.c.id == digest_id))
    db.session.commit()


def _recipients(today: date) -> list[tuple[Recipient, str, list]]:
    """People whose digest is due today with their unsent reminders (two queries in all)."""
    since = utcnow() - timedelta(days=PENDING_DAYS)
    unsent = (NOTIFICATION.c.emailed_at.is_(None), NOTIFICATION.c.created_at >= since)
    pending = select(NOTIFICATION.c.user_id).where(*unsent).distinct()
    monday = today.weekday() == 0
    people = {}
    for row in db.session.execute(
            select(User.id, User.name, User.email,
                   func.coalesce(ReminderSettings.digest, "daily").label("digest"))
            .outerjoin(ReminderSettings, ReminderSettings.user_id == User.id)
            .where(User.id.in_(pending), User.active.is_(True), User.email != "")
            .order_by(User.id)):
        if row.digest == "daily" or (row.digest == "weekly" and monday):
            people[row.id] = (Recipient(row.id, row.name, row.email), row.digest, [])
    if not people:
        return []
    for n in db.session.execute(
            select(NOTIFICATION.c.id, NOTIFICATION.c.user_id, NOTIFICATION.c.rule,
                   NOTIFICATION.c.message, NOTIFICATION.c.link, NOTIFICATION.c.on_date)
            .where(*unsent, NOTIFICATION.c.user_id.in_(select(User.id).where(
                User.id.in_(pending), User.active.is_(True))))
            .order_by(NOTIFICATION.c.user_id, NOTIFICATION.c.on_date.is_(None),
                      NOTIFICATION.c.on_date, NOTIFICATION.c.id)):
        if n.user_id in people:
            people[n.user_id][2].append(n)
    return list(people.values())


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
        jobs = [(user, kind, items, None) for user, kind, items in _recipients(today)]
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


def _mark_sent(digest_id: int, notifications: list) -> None:
    now = utcnow()
    ids = [n.id for n in notifications]
    if ids:
        db.session.execute(update(NOTIFICATION).where(NOTIFICATION.c.id.in_(ids))
                           .values(emailed_at=now, digest_id=digest_id))
    db.session.execute(update(DIGEST).where(DIGEST.c.id == digest_id)
                       .values(sent_at=now, items=len(ids)))
    db.session.commit()

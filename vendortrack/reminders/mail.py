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
from datetime import date, datetime, timedelta
from email import policy
from email.headerregistry import HeaderRegistry
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from urllib.parse import parse_qs, unquote, urlsplit

from flask import current_app, render_template, url_for
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import and_, delete, func, or_, select, update

from ..domain.reminders import digest_subject
from ..extensions import db, dialect_insert
from ..models import Digest, Notification, ReminderSettings, User, utcnow
from .links import absolute_url

log = logging.getLogger(__name__)

STALE_CLAIM = timedelta(minutes=30)


class _HeaderClasses(HeaderRegistry):
    """The standard header classes, each made once: the stock registry makes a new class on
    every header set or read (a third of the time spent building a digest)."""

    def __init__(self):
        super().__init__()
        self._made: dict[str, type] = {}

    def __getitem__(self, name: str) -> type:
        key = name.lower()
        if key not in self._made:
            self._made[key] = super().__getitem__(name)
        return self._made[key]


SMTP_POLICY = policy.SMTP.clone(max_line_length=998, header_factory=_HeaderClasses())
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

def build_digest(user: Recipient, notifications: list, today: date,
                 *, weekly: bool = False) -> EmailMessage:
    """A multipart (text + HTML) digest with RFC 8058 one-click unsubscribe headers."""
    subject = digest_subject(
        (n.rule, (n.on_date - today).days if n.on_date else None) for n in notifications)
    unsubscribe = absolute_url(url_for("reminders.unsubscribe", token=unsubscribe_token(user)))
    context = dict(user=user, notifications=notifications, today=today, weekly=weekly,
                   absolute=absolute_url, unsubscribe=unsubscribe,
                   my_work=absolute_url(url_for("reminders.my_work")),
                   settings=absolute_url(url_for("auth.account", _anchor="reminders")))
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
    left: int = 0  # digests not tried once sending stopped (the next run sends them)
    connections: int = 0  # SMTP connections opened (one, unless the server hung up)

    def __str__(self) -> str:
        text = f"E-mail: {len(self.sent)} digests sent"
        if self.failed or self.left:
            text += f", {len(self.failed) + self.left} not sent (kept for the next run)"
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
CLAIM_BATCH = 50  # digests claimed by one INSERT (and one commit)


@dataclass(frozen=True)
class Recipient:
    id: int
    name: str
    email: str


@dataclass
class DigestJob:
    """One mail to send: a digest of ``notifications`` or a ready ``message`` (summary)."""

    user: Recipient
    kind: str  # daily, weekly, summary
    notifications: list
    message: EmailMessage | None = None
    digest_id: int | None = None  # the claim, once this run holds it
    claimed_at: datetime | None = None  # when this run claimed it: the claim is ours while
    # the row still says so (a run that takes over a stale claim sets a later time)


def _claim(conn, jobs: list[DigestJob], period: dict[str, str]) -> list[DigestJob]:
    """Insert the digest rows (the claims) of ``jobs`` in one statement and commit; returns
    the jobs this run holds, in their order. A row another run inserted is skipped unless
    its claimer stopped mid-send long ago (:data:`STALE_CLAIM`): then this run takes it over,
    and its first claimer can no longer release it or mark it sent."""
    now = utcnow()
    # Every run inserts in one order (digests by person, then summaries by person), so
    # concurrent runs never wait on each other in a cycle.
    rows = [dict(user_id=job.user.id, kind=job.kind, period=period[job.kind], claimed_at=now,
                 items=0) for job in jobs]
    held = dict(((row.user_id, row.kind), row.id) for row in conn.execute(
        dialect_insert(DIGEST).values(rows)
        .on_conflict_do_nothing(index_elements=["user_id", "kind", "period"])
        .returning(DIGEST.c.id, DIGEST.c.user_id, DIGEST.c.kind)))
    taken = [job for job in jobs if (job.user.id, job.kind) not in held]
    if taken:
        by_kind: dict[str, list[int]] = {}
        for job in taken:
            by_kind.setdefault(job.kind, []).append(job.user.id)
        held.update(((row.user_id, row.kind), row.id) for row in conn.execute(
            update(DIGEST).where(
                or_(*(and_(DIGEST.c.kind == kind, DIGEST.c.period == period[kind],
                           DIGEST.c.user_id.in_(ids)) for kind, ids in by_kind.items())),
                DIGEST.c.sent_at.is_(None), DIGEST.c.claimed_at < now - STALE_CLAIM)
            .values(claimed_at=now).returning(DIGEST.c.id, DIGEST.c.user_id, DIGEST.c.kind)))
    conn.commit()
    for job in jobs:
        job.digest_id = held.get((job.user.id, job.kind))
        job.claimed_at = now
    return [job for job in jobs if job.digest_id is not None]


def _ours(job: DigestJob):
    """The job's digest row while this run's claim on it stands."""
    return and_(DIGEST.c.id == job.digest_id, DIGEST.c.claimed_at == job.claimed_at)


def _release(conn, jobs: list[DigestJob]) -> None:
    """Drop these claims, so that the next run sends their items (a claim another run took
    over meanwhile is theirs now and stays)."""
    if jobs:
        conn.execute(delete(DIGEST).where(or_(*map(_ours, jobs)), DIGEST.c.sent_at.is_(None)))
        conn.commit()


def _mark_sent(conn, job: DigestJob) -> bool:
    """Record that the server accepted this digest: its items count as e-mailed from now.
    False when another run took the claim over meanwhile (it marks them when it sends)."""
    now = utcnow()
    ids = [n.id for n in job.notifications]
    items = update(NOTIFICATION).where(NOTIFICATION.c.id.in_(ids)).values(
        emailed_at=now, digest_id=job.digest_id)
    digest = update(DIGEST).where(_ours(job))
    if conn.dialect.name == "postgresql":  # one statement, so one round trip in autocommit
        marked = items.where(select(DIGEST.c.id).where(_ours(job)).exists()).returning(
            NOTIFICATION.c.id).cte("marked")
        done = conn.execute(digest.values(sent_at=now, items=select(func.count()).select_from(
            marked).scalar_subquery())).rowcount
    else:  # the first update takes the write lock: nobody takes the claim over in between
        done = conn.execute(digest.values(sent_at=now, items=len(ids))).rowcount
        if done and ids:
            conn.execute(items)
    conn.commit()
    return bool(done)


def _recipients(weekly: bool) -> list[tuple[Recipient, str, list]]:
    """People whose digest is due with their unsent reminders (two queries in all): those
    with a daily digest, and with a weekly one when ``weekly``."""
    since = utcnow() - timedelta(days=PENDING_DAYS)
    unsent = (NOTIFICATION.c.emailed_at.is_(None), NOTIFICATION.c.created_at >= since)
    digest = func.coalesce(ReminderSettings.digest, "daily")
    due = (select(User.id, User.name, User.email, digest.label("digest"))
           .outerjoin(ReminderSettings, ReminderSettings.user_id == User.id)
           .where(User.id.in_(select(NOTIFICATION.c.user_id).where(*unsent)),
                  User.active.is_(True), User.email != "",
                  digest.in_(("daily", "weekly") if weekly else ("daily",))))
    people = {row.id: (Recipient(row.id, row.name, row.email), row.digest, [])
              for row in db.session.execute(due.order_by(User.id))}
    if not people:
        return []
    for n in db.session.execute(
            select(NOTIFICATION.c.id, NOTIFICATION.c.user_id, NOTIFICATION.c.rule,
                   NOTIFICATION.c.message, NOTIFICATION.c.link, NOTIFICATION.c.on_date)
            .where(*unsent, NOTIFICATION.c.user_id.in_(due.with_only_columns(User.id)))
            .order_by(NOTIFICATION.c.user_id, NOTIFICATION.c.on_date.is_(None),
                      NOTIFICATION.c.on_date, NOTIFICATION.c.id)):
        people[n.user_id][2].append(n)
    return list(people.values())


def _dropped(error: Exception) -> bool:
    """The server hung up, or answered 421 (closing), rather than refusing this message. A
    timeout is not a hang-up: a slow server stays slow, so it is not tried again."""
    if isinstance(error, TimeoutError) or isinstance(error.__context__, TimeoutError):
        return False
    if isinstance(error, smtplib.SMTPServerDisconnected | ConnectionError):
        return True
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return any(code == 421 for code, _ in error.recipients.values())
    return isinstance(error, smtplib.SMTPResponseException) and error.smtp_code == 421


class _Connection:
    """One SMTP connection for every digest of a run, opened on first use (a run with nothing
    to send never connects) and opened again when the server hung up since the last mail."""

    def __init__(self, result: MailResult):
        self.smtp: smtplib.SMTP | None = None
        self.result = result

    def _open(self) -> smtplib.SMTP:
        if self.smtp is None:
            self.smtp = _connect()
            self.result.connections += 1
        return self.smtp

    def send(self, message: EmailMessage) -> None:
        reused = self.smtp is not None
        try:
            self._open().send_message(message)
        except (smtplib.SMTPException, OSError) as error:
            # Servers close idle connections and limit the mails per connection: a hang-up
            # on a connection that carried mail before is worth one more try on a new one.
            if not (reused and _dropped(error)):
                raise
            log.info("the SMTP server closed the connection (%s); connecting again", error)
            self.close()
            self._open().send_message(message)

    def close(self) -> None:
        if self.smtp is not None:
            smtp, self.smtp = self.smtp, None
            try:
                smtp.quit()
            except (smtplib.SMTPException, OSError):
                smtp.close()


# Failures that concern one message or recipient; the others stop the whole run. A refused
# sender is not among them: the server refuses our MAIL FROM, the same for every digest.
RECIPIENT_ERRORS = (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError,
                    smtplib.SMTPNotSupportedError)


def send_digests(today: date, *, weekly: bool) -> MailResult:
    """Send each due person one digest of their unsent reminders, all over one SMTP
    connection; with ``weekly`` also the weekly digests and the leadership summaries (once
    per ISO week of ``today``: the claims are per week).

    Claims are inserted :data:`CLAIM_BATCH` at a time; each digest is marked sent, with its
    items, as soon as the server accepted it. A refused recipient loses only their claim; when
    the server is unavailable the run stops and releases every claim not yet sent.
    """
    result = MailResult()
    jobs = [DigestJob(user, kind, items) for user, kind, items in _recipients(weekly) if items]
    if weekly:
        from .summary import summary_jobs

        jobs += [DigestJob(user, "summary", [], message) for user, message in summary_jobs(today)]
    db.session.commit()  # end the read; claims and marks commit on a connection of their own
    if not jobs:
        log.info("%s", result)
        return result
    period = {kind: _period(kind, today) for kind in ("daily", "weekly", "summary")}
    connection = _Connection(result)
    try:
        with db.engine.connect() as conn:
            if conn.dialect.name == "postgresql":
                # Each statement of the loop stands alone (claims, marks, releases are single
                # statements there): one round trip each, no BEGIN and COMMIT around them.
                conn.execution_options(isolation_level="AUTOCOMMIT")
            for start in range(0, len(jobs), CLAIM_BATCH):
                held = _claim(conn, jobs[start:start + CLAIM_BATCH], period)
                if not _send(conn, connection, held, today, result):
                    result.left += max(0, len(jobs) - start - CLAIM_BATCH)
                    break
    finally:
        connection.close()
    log.info("%s", result)
    return result


def _send(conn, connection: _Connection, held: list[DigestJob], today: date,
          result: MailResult) -> bool:
    """Send the claimed digests; False when the server became unavailable (claims released)."""
    unsent = 0  # held[unsent:] are not with the server
    try:
        for number, job in enumerate(held):
            message = job.message or build_digest(job.user, job.notifications, today,
                                                  weekly=job.kind == "weekly")
            try:
                connection.send(message)
            except (smtplib.SMTPException, OSError) as error:
                if isinstance(error, RECIPIENT_ERRORS) and not _dropped(error):
                    unsent = number + 1
                    _release(conn, [job])
                    result.failed.append(job.user.email)
                    log.warning("digest to %s refused by the SMTP server: %s", job.user.email,
                                error)
                    continue
                _release(conn, held[number:])
                unsent = len(held)
                result.failed.append(job.user.email)
                result.left += len(held) - number - 1
                what = ("SMTP server refused the sender"
                        if isinstance(error, smtplib.SMTPSenderRefused) and not _dropped(error)
                        else "SMTP server unavailable")
                result.error = f"{what} ({error.__class__.__name__}: {error})"
                log.error("sending digests stopped: %s; nothing more was marked sent, the next "
                          "run sends the rest", result.error)
                return False
            unsent = number + 1
            if not _mark_sent(conn, job):
                log.warning("the digest claim for %s was taken over by another run while this "
                            "one sent it; that run marks its items", job.user.email)
            result.sent.append(job.user.email)
    except BaseException:
        # Anything else (a bug, the database gone): give back the claims not yet with the
        # server, so that the next run need not wait for them to go stale.
        try:
            conn.rollback()
            _release(conn, held[unsent:])
        except Exception:
            log.exception("could not release %d digest claims", len(held) - unsent)
        raise
    return True

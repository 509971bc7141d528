"""Server-side sessions: one row per signed-in browser, ended by signing out or by time.

The signed session cookie carries only a random secret (and Flask-Login's user id); the
``user_session`` row holds its SHA-256 hash, when it began and when it was last used. A
session ends when its row is gone: sign-out deletes it, an idle timeout
(``SESSION_IDLE_MINUTES``) and an absolute lifetime (``SESSION_LIFETIME_DAYS``) expire it,
and a person can end their other sessions from the account page.

:func:`start` is the one way to begin a signed-in session (password sign-in, first run, and
any other sign-in method such as OpenID Connect call it).
"""
from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import datetime, timedelta

from flask import current_app, g, request, session
from flask_login import login_user, logout_user
from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import contains_eager

from ..clock import now
from ..extensions import db
from ..models import User, UserSession

log = logging.getLogger(__name__)

COOKIE_KEY = "vt_session"
TOUCH_EVERY = timedelta(minutes=1)  # last_seen_at is written at most this often

# The session row and its user in one statement (built once: only the digest changes).
_RECORD_AND_USER = (select(UserSession).join(UserSession.user)
                    .options(contains_eager(UserSession.user))
                    .where(UserSession.secret_hash == bindparam("digest")))


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def start(user: User, method: str = "password", id_token_hint: str | None = None
          ) -> UserSession:
    """Sign ``user`` in on this browser: a fresh session id and CSRF token, a new record
    (replacing this browser's old one, as when a person confirms who they are again).
    ``id_token_hint`` is a single sign-on's ID token, kept for signing out at the provider."""
    moment = now()
    secret = secrets.token_urlsafe(32)
    previous = current()
    if previous is not None:
        db.session.execute(delete(UserSession).where(UserSession.id == previous.id))
    record = UserSession(user_id=user.id, secret_hash=_digest(secret), method=method,
                         created_at=moment, last_seen_at=moment,
                         user_agent=(request.user_agent.string or "")[:200],
                         ip=(request.remote_addr or "")[:64], id_token_hint=id_token_hint)
    db.session.add(record)
    db.session.commit()
    session.clear()  # nothing from before sign-in carries over, the CSRF token included
    g.pop("csrf_token", None)
    session[COOKIE_KEY] = secret
    login_user(user)
    request.environ["vendortrack.session"] = record
    return record


def fresh_single_sign_on(record: UserSession | None) -> bool:
    """Whether ``record`` began with a single sign-on less than OIDC_FRESH_SIGN_IN_MINUTES
    ago: proof enough of who is at the keyboard to skip asking again."""
    limit = timedelta(minutes=current_app.config["OIDC_FRESH_SIGN_IN_MINUTES"])
    return record is not None and record.method == "oidc" and now() - record.created_at < limit


def write_aside(statement) -> None:
    """Bookkeeping writes in their own short transaction, so that a read-only request
    never holds a write lock; losing one (a busy database) costs nothing."""
    try:
        if request.method in ("GET", "HEAD", "OPTIONS"):
            with db.engine.begin() as connection:
                connection.execute(statement)
        else:  # this request's transaction may hold SQLite's write lock already: use it
            db.session.execute(statement)
            db.session.commit()
    except OperationalError as error:
        db.session.rollback()
        log.warning("session bookkeeping skipped: %s", error)


def expired(record: UserSession, moment: datetime) -> bool:
    config = current_app.config
    return (moment - record.last_seen_at > timedelta(minutes=config["SESSION_IDLE_MINUTES"])
            or moment - record.created_at > timedelta(days=config["SESSION_LIFETIME_DAYS"]))


def current() -> UserSession | None:
    """This request's live session record, or None (the cookie has none, or it ended).

    Its user is loaded by the same statement (``record.user``).
    Whether the session is still live is decided here on every request: its row must exist
    (signing out and "end my other sessions" delete it), and neither the idle timeout nor
    the absolute lifetime may have passed; the user's state is checked by the loader.
    """
    if "vendortrack.session" in request.environ:
        return request.environ["vendortrack.session"]
    request.environ["vendortrack.session"] = None
    secret = session.get(COOKIE_KEY)
    if not isinstance(secret, str):
        return None
    record = db.session.scalar(_RECORD_AND_USER, {"digest": _digest(secret)})
    if record is None:
        return None
    moment = now()
    if expired(record, moment):
        write_aside(delete(UserSession).where(UserSession.id == record.id))
        return None
    if moment - record.last_seen_at >= TOUCH_EVERY:
        write_aside(update(UserSession).where(UserSession.id == record.id)
               .values(last_seen_at=moment))
    request.environ["vendortrack.session"] = record
    return record


def end_current() -> None:
    """Sign out: the record is deleted, so a copy of the cookie opens nothing."""
    record = current()
    if record is not None:
        db.session.execute(delete(UserSession).where(UserSession.id == record.id))
        db.session.commit()
    logout_user()
    session.clear()
    request.environ["vendortrack.session"] = None


def active(user: User) -> list[UserSession]:
    """The user's sessions that have not expired, most recently used first."""
    moment = now()
    records = db.session.scalars(select(UserSession).where(UserSession.user_id == user.id)
                                 .order_by(UserSession.last_seen_at.desc())).all()
    return [r for r in records if not expired(r, moment)]


def end(user: User, session_id: int) -> bool:
    """End one of ``user``'s sessions; False when there is no such session."""
    result = db.session.execute(delete(UserSession).where(
        UserSession.id == session_id, UserSession.user_id == user.id))
    db.session.commit()
    return result.rowcount > 0


def end_others(user: User, keep: UserSession | None) -> int:
    """End every session of ``user`` but ``keep``; returns how many ended (not committed:
    the caller's action commits it)."""
    statement = delete(UserSession).where(UserSession.user_id == user.id)
    if keep is not None:
        statement = statement.where(UserSession.id != keep.id)
    return db.session.execute(statement).rowcount

"""Personal API tokens: shown once, stored as a SHA-256 hash, sent as ``Authorization: Bearer``."""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select, update

from .clock import now
from .extensions import db
from .models import ApiToken, User, utcnow

PREFIX = "vt_"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(user: User, name: str, *, days: int | None = None) -> str:
    """Create a token for ``user`` that expires after ``days`` (never when None) and return
    its secret (the only time it is seen)."""
    from .services import commit, record

    secret = PREFIX + secrets.token_urlsafe(32)
    expires = now() + timedelta(days=days) if days else None
    db.session.add(ApiToken(user_id=user.id, name=name, prefix=secret[:10],
                            token_hash=_digest(secret), expires_at=expires))
    record("token.create", user, subject=name,
           changes=[{"field": "expires_at", "old": None,
                     "new": expires.date().isoformat() if expires else "never"}])
    commit()
    return secret


def revoke_token(token: ApiToken, actor: User) -> None:
    from .services import commit, record

    if token.revoked_at is None:
        token.revoked_at = utcnow()
        record("token.revoke", actor, subject=token.name)
        commit()


def user_for_token(secret: str) -> User | None:
    """The active user owning a valid, unrevoked, unexpired token, or None. Notes when the
    token was used (at most once a minute)."""
    from .auth.sessions import TOUCH_EVERY, write_aside

    if not secret.startswith(PREFIX) or len(secret) > 200:
        return None
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(secret)))
    moment = now()
    if token is None or token.revoked_at is not None or not token.user.active \
            or (token.expires_at is not None and token.expires_at <= moment):
        return None
    if token.last_used_at is None or moment - token.last_used_at >= TOUCH_EVERY:
        write_aside(update(ApiToken).where(ApiToken.id == token.id)
                    .values(last_used_at=moment))
    return token.user


def bearer_token(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, value = authorization.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None

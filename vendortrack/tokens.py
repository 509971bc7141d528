"""Personal API tokens: shown once, stored as a SHA-256 hash, sent as ``Authorization: Bearer``."""
from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select

from .extensions import db
from .models import ApiToken, User, utcnow

PREFIX = "vt_"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(user: User, name: str) -> str:
    """Create a token for ``user`` and return its secret (the only time it is seen)."""
    from .services import commit, record

    secret = PREFIX + secrets.token_urlsafe(32)
    db.session.add(ApiToken(user_id=user.id, name=name, prefix=secret[:10],
                            token_hash=_digest(secret)))
    record("token.create", user, subject=name)
    commit()
    return secret


def revoke_token(token: ApiToken, actor: User) -> None:
    from .services import commit, record

    if token.revoked_at is None:
        token.revoked_at = utcnow()
        record("token.revoke", actor, subject=token.name)
        commit()


def user_for_token(secret: str) -> User | None:
    """The active user owning a valid, unrevoked token, or None."""
    if not secret.startswith(PREFIX) or len(secret) > 200:
        return None
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(secret)))
    if token is None or token.revoked_at is not None or not token.user.active:
        return None
    return token.user


def bearer_token(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, value = authorization.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None

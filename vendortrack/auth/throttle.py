"""Sign-in throttling that holds across workers and servers.

Counts live in the database (table ``login_throttle``), or in Redis when
``RATELIMIT_STORAGE_URI`` is a ``redis://`` URL, so every worker of every server sees the same
numbers. Two rules:

- **Per client address**, failed sign-ins are limited by ``RATELIMIT_LOGIN`` (e.g.
  ``10 per minute;50 per hour``). Behind a reverse proxy set ``TRUSTED_PROXIES`` so that the
  address is the client's, not the proxy's.
- **Per account**, after ``LOGIN_FREE_FAILURES`` failures in a row each further attempt must
  wait twice as long as the one before, at most ``LOGIN_MAX_DELAY`` seconds. A stranger who
  guesses at someone's account therefore delays them by a minute at most, while guessing
  stays slow; a successful sign-in clears the count.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from flask import current_app, request
from limits import parse_many
from sqlalchemy import case, delete, select

from ..clock import now
from ..extensions import db, dialect_insert
from ..models import LoginThrottle

ACCOUNT_MEMORY = timedelta(minutes=15)  # failures this far apart no longer add up


@dataclass(frozen=True)
class Refusal:
    """Why a sign-in attempt is refused now, and how long to wait."""

    retry_after: int
    message: str


class DatabaseCounts:
    """Counters in ``login_throttle``; an expired row counts from zero again."""

    def hit(self, key: str, memory: timedelta) -> None:
        moment = now()
        table = LoginThrottle.__table__
        statement = dialect_insert(table).values(key=key, count=1, updated_at=moment,
                                         expires_at=moment + memory)
        statement = statement.on_conflict_do_update(index_elements=[table.c.key], set_={
            "count": case((table.c.expires_at <= moment, 1), else_=table.c.count + 1),
            "updated_at": moment, "expires_at": moment + memory})
        db.session.execute(statement)
        db.session.commit()

    def peek(self, key: str) -> tuple[int, datetime | None]:
        row = db.session.execute(select(LoginThrottle.count, LoginThrottle.updated_at,
                                        LoginThrottle.expires_at)
                                 .where(LoginThrottle.key == key)).first()
        if row is None or row.expires_at <= now():
            return 0, None
        return row.count, row.updated_at

    def reset(self, key: str) -> None:
        db.session.execute(delete(LoginThrottle).where(
            (LoginThrottle.key == key) | (LoginThrottle.expires_at <= now())))
        db.session.commit()


@cache
def _redis(url: str):
    import redis

    return redis.Redis.from_url(url)


class RedisCounts:
    """The same counters as Redis hashes that expire by themselves."""

    def __init__(self, url: str):
        self.client = _redis(url)

    def hit(self, key: str, memory: timedelta) -> None:
        key = "vendortrack:login:" + key
        pipe = self.client.pipeline()
        pipe.hincrby(key, "count", 1)
        pipe.hset(key, "at", now().timestamp())
        pipe.expire(key, int(memory.total_seconds()) + 1)
        pipe.execute()

    def peek(self, key: str) -> tuple[int, datetime | None]:
        values = self.client.hgetall("vendortrack:login:" + key)
        if not values:
            return 0, None
        return int(values[b"count"]), datetime.fromtimestamp(float(values[b"at"]),
                                                             tz=now().tzinfo)

    def reset(self, key: str) -> None:
        self.client.delete("vendortrack:login:" + key)


def _counts():
    url = current_app.config["RATELIMIT_STORAGE_URI"]
    return RedisCounts(url) if url.startswith(("redis://", "rediss://")) else DatabaseCounts()


def _address_keys() -> list[tuple[str, int, timedelta]]:
    """(key, allowed failures, window) per limit of RATELIMIT_LOGIN, for this client address."""
    moment = now().timestamp()
    keys = []
    for limit in parse_many(current_app.config["RATELIMIT_LOGIN"]):
        seconds = limit.get_expiry()
        window = int(moment // seconds)  # fixed windows: the key names the window
        keys.append((f"ip:{request.remote_addr}:{seconds}:{window}", limit.amount,
                     timedelta(seconds=seconds)))
    return keys


def _account_key(email: str) -> str:
    return "account:" + (email or "").strip().lower()[:254]


def account_delay(failures: int, free: int, longest: int) -> int:
    """Seconds an account waits after ``failures`` failures in a row: none for the first
    ``free``, then 1, 2, 4, … up to ``longest``."""
    if failures < free:
        return 0
    return min(2 ** (failures - free), longest)


def check(email: str) -> Refusal | None:
    """Whether a sign-in attempt for ``email`` from this client may go ahead now."""
    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return None
    counts, moment = _counts(), now()
    for key, allowed, window in _address_keys():
        if counts.peek(key)[0] >= allowed:
            wait = int(window.total_seconds() - moment.timestamp() % window.total_seconds()) + 1
            return Refusal(wait, "Too many sign-in attempts from your network. Please wait "
                                 f"{_duration(wait)} and try again.")
    failures, last = counts.peek(_account_key(email))
    config = current_app.config
    delay = account_delay(failures, config["LOGIN_FREE_FAILURES"], config["LOGIN_MAX_DELAY"])
    if delay and last is not None and moment < last + timedelta(seconds=delay):
        wait = int((last + timedelta(seconds=delay) - moment).total_seconds()) + 1
        return Refusal(wait, "Several wrong passwords were tried for this account. Please "
                             f"wait {_duration(wait)} and try again.")
    return None


def failed(email: str) -> None:
    """Count a failed sign-in for the account and the client address."""
    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return
    counts = _counts()
    for key, _allowed, window in _address_keys():
        counts.hit(key, window)
    counts.hit(_account_key(email), ACCOUNT_MEMORY)


def succeeded(email: str) -> None:
    """A successful sign-in clears the account's failures."""
    if current_app.config.get("RATELIMIT_ENABLED", True):
        _counts().reset(_account_key(email))


def _duration(seconds: int) -> str:
    if seconds < 90:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    return f"{round(seconds / 60)} minutes"

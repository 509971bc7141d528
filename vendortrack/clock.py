"""Today's date and the current time for every rule that depends on them.

Today is taken in the organisation's time zone (``TIMEZONE``). ``VENDORTRACK_TODAY`` fixes
the date for demos and tests; ``VENDORTRACK_NOW`` (a datetime or a function returning one,
tests only) fixes the time, e.g. to check session timeouts.
"""
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context


def today() -> date:
    fixed = current_app.config.get("VENDORTRACK_TODAY") if has_app_context() else None
    if fixed:
        return fixed if isinstance(fixed, date) else date.fromisoformat(fixed)
    zone = current_app.config.get("TIMEZONE") if has_app_context() else None
    return datetime.now(ZoneInfo(zone or "UTC")).date()


def now() -> datetime:
    """The current UTC time (sessions, tokens, sign-in throttling)."""
    fixed = current_app.config.get("VENDORTRACK_NOW") if has_app_context() else None
    if fixed:
        return fixed() if callable(fixed) else fixed
    return datetime.now(UTC)

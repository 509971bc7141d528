"""Today's date for every date rule, in the organisation's time zone (``TIMEZONE``).

``VENDORTRACK_TODAY`` fixes it for demos and tests.
"""
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context


def today() -> date:
    fixed = current_app.config.get("VENDORTRACK_TODAY") if has_app_context() else None
    if fixed:
        return fixed if isinstance(fixed, date) else date.fromisoformat(fixed)
    zone = current_app.config.get("TIMEZONE") if has_app_context() else None
    return datetime.now(ZoneInfo(zone or "UTC")).date()

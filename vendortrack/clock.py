"""Today's date for every date rule; ``VENDORTRACK_TODAY`` fixes it for demos and tests."""
from datetime import date

from flask import current_app, has_app_context


def today() -> date:
    fixed = current_app.config.get("VENDORTRACK_TODAY") if has_app_context() else None
    if fixed:
        return fixed if isinstance(fixed, date) else date.fromisoformat(fixed)
    return date.today()

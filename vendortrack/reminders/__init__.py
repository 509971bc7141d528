"""Reminders that reach people on time: My work, notifications, digests, calendar feeds."""
from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import Flask, g
from flask_login import current_user


def register(app: Flask) -> None:
    from .. import ConfigurationError
    from . import cli, queries, service, views

    try:
        ZoneInfo(app.config["TIMEZONE"])
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigurationError(
            f"vendortrack: TIMEZONE={app.config['TIMEZONE']!r} is not a time zone; use a name "
            "such as Europe/Berlin or UTC") from None
    if app.config.get("MAIL_URL"):
        from .mail import parse_mail_url

        try:
            parse_mail_url(app.config["MAIL_URL"])
        except ValueError as error:
            raise ConfigurationError(f"vendortrack: {error}") from None
    app.register_blueprint(views.bp)
    app.register_blueprint(views.notifications_bp)
    cli.register(app)

    @app.context_processor
    def bell():
        def unread() -> int:
            # Counted when a page shows the bell, once per request: downloads never ask.
            if not current_user.is_authenticated:
                return 0
            if "unread_notifications" not in g:
                g.unread_notifications = queries.unread_count(current_user)
            return g.unread_notifications

        def following(engagement_id: int) -> bool:
            return queries.is_following(current_user, engagement_id)

        return {"unread_notifications": unread, "following": following,
                "reminder_settings_for": service.settings_for,
                "calendar_url": views.calendar_url, "DIGEST_CHOICES": service.DIGEST_CHOICES}

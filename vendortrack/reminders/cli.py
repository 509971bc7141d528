"""flask send-reminders and flask reminder-scheduler."""
from __future__ import annotations

import logging
import time
from datetime import date, datetime
from zoneinfo import ZoneInfo

import click
from flask import Flask, current_app
from sqlalchemy import select

log = logging.getLogger(__name__)


def run_and_report(day: date, dry_run: bool) -> None:
    from .job import run

    result = run(day, dry_run=dry_run)
    covered = f"{result.days[0]}" + (f" to {result.days[-1]}" if len(result.days) > 1 else "")
    if dry_run:
        click.echo(f"Dry run for {covered}: {len(result.planned)} new reminders would be made "
                   "(nothing saved, nothing sent).")
        for item in result.planned:
            click.echo(f"  {item.email}: {item.message}")
        return
    click.echo(f"Reminders for {covered}: {result.engagements} open engagements, "
               f"{result.created} new notifications.")
    if result.mail is not None:
        click.echo(str(result.mail))
    elif not current_app.config.get("MAIL_URL"):
        click.echo("No MAIL_URL set: reminders are in the app only (the bell), no e-mail sent.")


def ran_today(day: date) -> bool:
    from ..extensions import db
    from ..models import ReminderRun

    return db.session.scalar(select(ReminderRun.day).where(ReminderRun.day == day)) is not None


def due_now(app: Flask, now: datetime | None = None) -> date | None:
    """The day to run for when the job is due: at or after REMINDER_HOUR (TIMEZONE) and not
    yet run that day. A scheduler started after the hour runs at once (catching up)."""
    from ..clock import today

    now = now or datetime.now(ZoneInfo(app.config["TIMEZONE"]))
    day = today() if app.config.get("VENDORTRACK_TODAY") else now.date()
    if now.hour < app.config["REMINDER_HOUR"] or ran_today(day):
        return None
    return day


def register(app: Flask) -> None:
    @app.cli.command("send-reminders")
    @click.option("--today", "day", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
                  help="Run as if today were YYYY-MM-DD (default: today in TIMEZONE).")
    @click.option("--dry-run", is_flag=True, help="Print who would get what; change nothing.")
    def send_reminders(day: datetime | None, dry_run: bool) -> None:
        """Make today's reminders (in-app) and send the e-mail digests. Safe to run twice
        and on several machines at once: nothing is sent twice."""
        from ..clock import today

        run_and_report(day.date() if day else today(), dry_run)

    @app.cli.command("reminder-scheduler")
    @click.option("--poll", type=click.IntRange(1, 3600), default=60, show_default=True,
                  help="Seconds between checks.")
    def reminder_scheduler(poll: int) -> None:
        """Run send-reminders every day at REMINDER_HOUR (TIMEZONE); catches up after downtime.
        `make run` starts one next to the web server."""
        from ..extensions import db

        click.echo(f"Reminder scheduler: daily at {app.config['REMINDER_HOUR']:02d}:00 "
                   f"{app.config['TIMEZONE']}.")
        while True:
            try:
                day = due_now(app)
                if day is not None:
                    run_and_report(day, dry_run=False)
            except Exception:  # keep the scheduler alive; the next check tries again
                log.exception("reminder run failed")
                db.session.rollback()
            finally:
                db.session.remove()
            time.sleep(poll)

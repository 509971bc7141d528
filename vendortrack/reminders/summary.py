"""The leadership weekly summary: dependency-trap exposure now and a week ago, new traps,
handovers due this month.

"A week ago" applies the dated rules to last week's date over today's stored specs, so it
does not see a spec edit made during the week; "new traps" come from the reminder job's
record of when each engagement entered a trap.
"""
from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

from flask import render_template, url_for
from markupsafe import Markup
from sqlalchemy import func, select

from ..domain.text import plural
from ..extensions import db
from ..models import Engagement, ReminderSettings, TrapState, User
from ..risk_queries import in_dependency_trap
from ..templating import money
from .links import absolute_url

LIST_LIMIT = 20


@dataclass(frozen=True)
class Exposure:
    engagements: int
    values: tuple[str, ...]  # formatted contract value per currency


@dataclass(frozen=True)
class WeeklySummary:
    today: date
    now: Exposure
    week_ago: Exposure
    new_traps: list
    handovers: list
    handover_total: int


def _exposure(day: date) -> Exposure:
    rows = db.session.execute(
        select(Engagement.currency, func.count(), func.sum(Engagement.contract_value))
        .where(in_dependency_trap(day)).group_by(Engagement.currency)
        .order_by(func.sum(Engagement.contract_value).desc())).all()
    return Exposure(sum(r[1] for r in rows),
                    tuple(money(r[2], r[0]) for r in rows if r[2] is not None))


def weekly_summary(today: date) -> WeeklySummary:
    new_traps = db.session.execute(
        select(Engagement.id, Engagement.title, TrapState.trapped_since)
        .join(TrapState, TrapState.engagement_id == Engagement.id)
        .where(TrapState.trapped_since >= today - timedelta(days=7), in_dependency_trap(today))
        .order_by(TrapState.trapped_since.desc(), Engagement.id).limit(LIST_LIMIT)).all()
    month_end = today.replace(day=calendar.monthrange(today.year, today.month)[1])
    due = (select(Engagement.id, Engagement.title, Engagement.handover_date,
                  Engagement.open_deliverables)
           .where(Engagement.status != "closed", Engagement.handover_date >= today,
                  Engagement.handover_date <= month_end))
    handovers = db.session.execute(due.order_by(Engagement.handover_date, Engagement.id)
                                   .limit(LIST_LIMIT)).all()
    total = db.session.scalar(select(func.count()).select_from(due.subquery()))
    return WeeklySummary(today, _exposure(today), _exposure(today - timedelta(days=7)),
                         new_traps, handovers, total)


def summary_jobs(today: date) -> list:
    """(recipient, message) for each leadership reader who opted in."""
    from .mail import Recipient, _message, unsubscribe_token

    readers = db.session.execute(
        select(User.id, User.name, User.email)
        .join(ReminderSettings, ReminderSettings.user_id == User.id)
        .where(ReminderSettings.weekly_summary.is_(True), User.active.is_(True),
               User.role.in_(("leadership", "admin")), User.email != "")
        .order_by(User.id)).all()
    if not readers:
        return []
    summary = weekly_summary(today)
    # What every reader gets is rendered once; each mail adds the greeting and their links.
    shared = dict(s=summary, absolute=absolute_url,
                  dashboard=absolute_url(url_for("dashboard.index")))
    text = render_template("email/summary_body.txt", **shared)
    html = Markup(render_template("email/summary_body.html", **shared))
    subject = (f"vendortrack weekly: {summary.now.engagements} in a dependency trap "
               f"({summary.now.engagements - summary.week_ago.engagements:+d}), "
               f"{len(summary.new_traps)} new, {plural(summary.handover_total, 'handover')} "
               "this month")
    settings = absolute_url(url_for("auth.account", _anchor="reminders"))
    jobs = []
    for row in readers:
        user = Recipient(row.id, row.name, row.email)
        unsubscribe = absolute_url(url_for("reminders.unsubscribe",
                                           token=unsubscribe_token(user)))
        context = dict(user=user, unsubscribe=unsubscribe, settings=settings)
        jobs.append((user, _message(
            user, subject, unsubscribe, render_template("email/summary.txt", body=text, **context),
            render_template("email/summary.html", body=html, **context))))
    return jobs

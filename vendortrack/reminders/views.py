"""My work, notifications and the bell, following, reminder settings, unsubscribe, calendar."""
from __future__ import annotations

from datetime import datetime
from itertools import groupby
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from ..clock import today
from ..domain.text import plural, whole_number
from ..engagements.views import get_engagement
from ..permissions import can_view_engagement
from ..security import public
from . import queries, service
from .links import absolute_url

bp = Blueprint("reminders", __name__)
# Its own blueprint so that the navigation does not mark "My work" on the notifications page.
notifications_bp = Blueprint("notifications", __name__)


@bp.route("/my-work")
def my_work():
    work = queries.my_work(current_user, today())
    return render_template("reminders/my_work.html", work=work)


def _local_day(moment: datetime):
    return moment.astimezone(ZoneInfo(current_app.config["TIMEZONE"])).date()


@notifications_bp.route("/notifications")
def index():
    page = queries.notifications_for(current_user, whole_number(request.args.get("page")) or 1)
    days = [(day, list(items)) for day, items in
            groupby(page.items, key=lambda n: _local_day(n.created_at))]
    return render_template("reminders/notifications.html", page=page, days=days)


@notifications_bp.route("/notifications/<int:notification_id>/read", methods=["POST"])
def mark_read(notification_id: int):
    if not service.mark_read(current_user, notification_id):
        abort(404)
    return redirect(url_for("notifications.index"))


@notifications_bp.route("/notifications/read-all", methods=["POST"])
def mark_all_read():
    count = service.mark_all_read(current_user)
    flash(f"Marked {plural(count, 'notification')} read.", "success")
    return redirect(url_for("notifications.index"))


@bp.route("/engagements/<int:engagement_id>/follow", methods=["POST"])
def follow(engagement_id: int):
    engagement = get_engagement(engagement_id)
    if not can_view_engagement(current_user, engagement):
        abort(404)
    if request.form.get("action") == "unfollow":
        service.unfollow(current_user, engagement)
        flash(f"You no longer follow “{engagement.title}”.", "success")
    else:
        service.follow(current_user, engagement)
        flash(f"You follow “{engagement.title}”: its reminders reach you too.", "success")
    return redirect(url_for("engagements.show", engagement_id=engagement.id))


@bp.route("/account/reminders", methods=["POST"])
def settings():
    digest = request.form.get("digest", "")
    if digest not in service.DIGEST_CHOICES:
        flash("Choose daily, weekly or off for the e-mail digest.", "error")
    else:
        service.save_settings(current_user, digest=digest,
                              weekly_summary=request.form.get("weekly_summary") == "y")
        flash("Reminder settings saved.", "success")
    return redirect(url_for("auth.account", _anchor="reminders"))


@bp.route("/account/calendar", methods=["POST"])
def regenerate_calendar():
    service.regenerate_calendar_secret(current_user)
    flash("New calendar address made; the old one no longer works. Subscribe again with the "
          "new one.", "success")
    return redirect(url_for("auth.account", _anchor="calendar"))


def _signed_link(view):
    """The signed token in the URL is the proof: no sign-in, no CSRF token (RFC 8058)."""
    view.is_public = True
    view.signed_link = True
    return view


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@_signed_link
def unsubscribe(token: str):
    from .mail import user_for_unsubscribe

    user = user_for_unsubscribe(token)
    if user is None:
        return render_template("reminders/unsubscribe.html", invalid=True), 404
    if request.method == "POST":
        service.unsubscribe(user)
        return render_template("reminders/unsubscribe.html", done=True, user=user)
    return render_template("reminders/unsubscribe.html", user=user, token=token)


@bp.route("/calendar/<secret>.ics")
@public
def calendar(secret: str):
    from .calendar import feed_for_secret

    body = feed_for_secret(secret)
    if body is None:
        abort(404)
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = 'inline; filename="vendortrack.ics"'
    return response


def calendar_url(settings) -> str | None:
    if not settings.calendar_secret:
        return None
    return absolute_url(url_for("reminders.calendar", secret=settings.calendar_secret))

"""API for reminders: the signed-in person's notifications, and following engagements.

The routes live on the API blueprint (``/api/v1``); their OpenAPI part is in :mod:`.openapi`.
"""
from __future__ import annotations

from flask import jsonify, request, url_for
from flask_login import current_user
from sqlalchemy import select

from ..api.views import MAX_PER_PAGE, bp
from ..errors import http_error
from ..extensions import db
from ..models import Engagement, Notification
from ..permissions import can_view_engagement
from ..queries import page_number
from . import queries, service
from .links import absolute_url


def notification_document(n: Notification) -> dict:
    return {
        "id": n.id, "rule": n.rule, "message": n.message,
        "url": absolute_url(n.link) if n.link else None,
        "engagement_id": n.engagement_id,
        "date": n.on_date.isoformat() if n.on_date else None,
        "created_at": n.created_at.isoformat(),
        "read_at": n.read_at.isoformat() if n.read_at else None,
    }


@bp.get("/me/notifications")
def my_notifications():
    page = page_number(request.args.get("page", "1"))
    per_page = page_number(request.args.get("per_page", "50"))
    unread = request.args.get("unread", "false")
    problems = {}
    if page is None:
        problems["page"] = ["Must be a whole number from 1."]
    if per_page is None or per_page > MAX_PER_PAGE:
        problems["per_page"] = [f"Must be a whole number from 1 to {MAX_PER_PAGE}."]
    if unread not in ("true", "false"):
        problems["unread"] = ["Must be true or false."]
    if problems:
        return jsonify({"errors": problems}), 422
    statement = select(Notification).where(Notification.user_id == current_user.id)
    if unread == "true":
        statement = statement.where(Notification.read_at.is_(None))
    result = db.paginate(statement.order_by(Notification.created_at.desc(),
                                            Notification.id.desc()),
                         page=page, per_page=per_page, error_out=False, count=True)
    return jsonify({"items": [notification_document(n) for n in result.items],
                    "unread": queries.unread_count(current_user),
                    "page": result.page, "per_page": result.per_page, "total": result.total})


@bp.post("/me/notifications/<int:notification_id>/read")
def read_notification(notification_id: int):
    if not service.mark_read(current_user, notification_id):
        raise http_error(404, f"You have no notification {notification_id}.")
    return jsonify(notification_document(db.session.get(Notification, notification_id)))


@bp.post("/me/notifications/read-all")
def read_all_notifications():
    return jsonify({"marked": service.mark_all_read(current_user), "unread": 0})


def _engagement(engagement_id: int) -> Engagement:
    engagement = db.session.get(Engagement, engagement_id)
    if engagement is None or not can_view_engagement(current_user, engagement):
        raise http_error(404, f"There is no engagement {engagement_id}.")
    return engagement


def _follow_document(engagement: Engagement) -> dict:
    return {"engagement_id": engagement.id,
            "following": queries.is_following(current_user, engagement.id),
            "engagement_url": url_for("api.get_engagement", engagement_id=engagement.id)}


@bp.put("/engagements/<int:engagement_id>/follow")
def follow_engagement(engagement_id: int):
    engagement = _engagement(engagement_id)
    service.follow(current_user, engagement)
    return jsonify(_follow_document(engagement))


@bp.delete("/engagements/<int:engagement_id>/follow")
def unfollow_engagement(engagement_id: int):
    engagement = _engagement(engagement_id)
    service.unfollow(current_user, engagement)
    return jsonify(_follow_document(engagement))

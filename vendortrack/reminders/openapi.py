"""The reminders part of the OpenAPI document (merged into vendortrack.api.openapi)."""
from __future__ import annotations

from ..domain.reminders import RULE_CODES


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(description: str, schema: dict) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


UNAUTHORISED = _json("No valid API token", _ref("Error"))
NOT_FOUND = _json("Not found", _ref("Error"))
DATE_TIME = {"type": "string", "format": "date-time"}

NOTIFICATION = {
    "type": "object",
    "required": ["id", "rule", "message", "created_at", "read_at"],
    "properties": {
        "id": {"type": "integer"},
        "rule": {"type": "string", "enum": list(RULE_CODES)},
        "message": {"type": "string"},
        "url": {"type": "string", "nullable": True,
                "description": "Where to act (the engagement page section)"},
        "engagement_id": {"type": "integer", "nullable": True},
        "date": {"type": "string", "format": "date", "nullable": True,
                 "description": "The due, handover or contract-end date it is about"},
        "created_at": DATE_TIME,
        "read_at": {**DATE_TIME, "nullable": True},
    },
}
FOLLOW = {"type": "object", "required": ["engagement_id", "following"],
          "properties": {"engagement_id": {"type": "integer"}, "following": {"type": "boolean"},
                         "engagement_url": {"type": "string"}}}

SCHEMAS = {
    "Notification": NOTIFICATION,
    "NotificationPage": {
        "type": "object", "required": ["items", "unread", "page", "per_page", "total"],
        "properties": {"items": {"type": "array", "items": _ref("Notification")},
                       "unread": {"type": "integer"}, "page": {"type": "integer"},
                       "per_page": {"type": "integer"}, "total": {"type": "integer"}}},
    "Follow": FOLLOW,
}


def paths(engagement_id: dict) -> dict:
    notification_id = {"name": "notification_id", "in": "path", "required": True,
                       "schema": {"type": "integer", "minimum": 1}}
    follow = {"responses": {"200": _json("Whether you follow it now", _ref("Follow")),
                            "401": UNAUTHORISED, "404": NOT_FOUND}}
    return {
        "/me/notifications": {"get": {
            "operationId": "listMyNotifications",
            "description": "Your reminders, newest first (the bell in the web app).",
            "parameters": [
                {"name": "unread", "in": "query", "schema": {"type": "string",
                                                             "enum": ["true", "false"]}},
                {"name": "page", "in": "query",
                 "schema": {"type": "integer", "minimum": 1, "maximum": 1_000_000}},
                {"name": "per_page", "in": "query",
                 "schema": {"type": "integer", "minimum": 1, "maximum": 100}}],
            "responses": {"200": _json("A page of notifications", _ref("NotificationPage")),
                          "401": UNAUTHORISED,
                          "422": _json("Invalid parameters", _ref("ValidationError"))}}},
        "/me/notifications/{notification_id}/read": {
            "parameters": [notification_id],
            "post": {"operationId": "markNotificationRead",
                     "responses": {"200": _json("Marked read", _ref("Notification")),
                                   "401": UNAUTHORISED, "404": NOT_FOUND}}},
        "/me/notifications/read-all": {"post": {
            "operationId": "markAllNotificationsRead",
            "responses": {"200": _json("How many were unread", {
                "type": "object", "required": ["marked"],
                "properties": {"marked": {"type": "integer"}, "unread": {"type": "integer"}}}),
                "401": UNAUTHORISED}}},
        "/engagements/{engagement_id}/follow": {
            "parameters": [engagement_id],
            "put": {"operationId": "followEngagement",
                    "description": "Follow: the engagement's reminders reach you too.", **follow},
            "delete": {"operationId": "unfollowEngagement", **follow}},
    }

"""API: GET /api/v1/me/notifications, mark read, follow / unfollow."""
from vendortrack.extensions import db
from vendortrack.reminders import job
from vendortrack.tokens import create_token

from .conftest import TODAY
from .test_reminders import due_in, owned_by


def bearer(user):
    return {"Authorization": f"Bearer {create_token(user, 'test')}"}


class Api:
    """Each call in its own app context, as in production (nothing cached in ``g`` leaks)."""

    def __init__(self, app, headers):
        self.app, self.headers, self.http = app, headers, app.test_client()

    def __getattr__(self, method):
        def call(url):
            with self.app.app_context():
                response = self.http.open(url, method=method.upper(), headers=self.headers)
            db.session.rollback()  # see what the request committed; hold no SQLite lock
            return response
        return call


def test_notifications_and_mark_read(app, users, make_engagement):
    owner = users["product_owner"]
    engagement = make_engagement(**owned_by(owner, deliverables=(due_in(7), due_in(3, "B"))))
    job.run(TODAY)
    http = Api(app, bearer(owner))
    body = http.get("/api/v1/me/notifications").get_json()
    assert body["unread"] == 2 and body["total"] == 2
    item = body["items"][0]
    assert item["rule"] == "DELIVERABLE_DUE" and item["engagement_id"] == engagement.id
    assert item["url"].endswith(f"/engagements/{engagement.id}#deliverables")
    read = http.post(f"/api/v1/me/notifications/{item['id']}/read")
    assert read.status_code == 200 and read.get_json()["read_at"]
    unread = http.get("/api/v1/me/notifications?unread=true").get_json()
    assert unread["total"] == 1 and unread["unread"] == 1
    assert http.post("/api/v1/me/notifications/read-all").get_json()["marked"] == 1
    other = Api(app, bearer(users["leadership"]))
    assert other.post(f"/api/v1/me/notifications/{item['id']}/read").status_code == 404
    bad = http.get("/api/v1/me/notifications?per_page=1000&unread=maybe")
    assert bad.status_code == 422 and set(bad.get_json()["errors"]) == {"per_page", "unread"}


def test_notification_url_at_a_base_url_with_a_path(app, served_under_a_path, users,
                                                    make_engagement):
    owner = users["product_owner"]
    engagement = make_engagement(**owned_by(owner, deliverables=(due_in(7),)))
    job.run(TODAY)
    [item] = Api(app, bearer(owner)).get("/api/v1/me/notifications").get_json()["items"]
    assert item["url"] == f"https://example.org/vt/engagements/{engagement.id}#deliverables"


def test_follow_and_unfollow(app, users, make_engagement):
    engagement = make_engagement()
    http = Api(app, bearer(users["leadership"]))
    url = f"/api/v1/engagements/{engagement.id}/follow"
    assert http.put(url).get_json()["following"] is True
    assert http.put(url).get_json()["following"] is True
    assert http.delete(url).get_json()["following"] is False
    assert http.put("/api/v1/engagements/999999/follow").status_code == 404

"""Every state-changing route refuses a request without a valid CSRF token."""
import re

from sqlalchemy import func, select

from vendortrack.extensions import db
from vendortrack.models import AuditEvent


def _url(rule, ids):
    return re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(ids.get(m.group(1), 1)), rule.rule)


def test_every_unsafe_route_refuses_requests_without_a_token(app, client, users,
                                                              make_engagement):
    engagement = make_engagement(creator=users["admin"])
    ids = {"engagement_id": engagement.id, "deliverable_id": engagement.deliverables[0].id,
           "user_id": users["product_owner"].id, "vendor_id": engagement.vendor_id,
           "token_id": 1, "n": 1, "number": 1}
    client.login(users["admin"])
    before = db.session.scalar(select(func.count(AuditEvent.id)))
    checked = 0
    for rule in app.url_map.iter_rules():
        if getattr(app.view_functions[rule.endpoint], "signed_link", False):
            continue  # one-click unsubscribe (RFC 8058): the signed token in the URL is the proof
        for method in sorted(rule.methods & {"POST", "PUT", "PATCH", "DELETE"}):
            url = _url(rule, ids)
            for token in (None, "forged-token"):
                data = {"title": "x", "status": "delivered"}
                if token:
                    data["csrf_token"] = token
                response = client.open(method, url, data=data)
                assert response.status_code == 400, (method, url, response.status_code)
                assert b"expired or was sent from elsewhere" in response.data or \
                    response.is_json
                checked += 1
    assert checked >= 10
    assert db.session.scalar(select(func.count(AuditEvent.id))) == before

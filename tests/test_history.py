"""History: who changed what and when, append-only, shown per engagement and globally."""
import json

import pytest
from sqlalchemy import select

from vendortrack.extensions import db
from vendortrack.models import AuditEvent


def test_engagement_page_shows_both_edits_with_field_changes(make_client, users,
                                                              make_engagement):
    engagement = make_engagement(creator=users["product_owner"])
    owner, admin = make_client(), make_client()
    owner.login(users["product_owner"])
    admin.login(users["admin"])
    url = f"/engagements/{engagement.id}/edit"
    owner.post(url, {"title": "Owner's title", "version": "1",
                     "metrics-0-name": "Speed", "metrics-0-target": "2"})
    admin.post(url, {"title": "Admin's title", "version": "2",
                     "metrics-0-name": "Speed", "metrics-0-target": "3"})
    page = admin.get(f"/engagements/{engagement.id}").get_data(as_text=True)
    history = page[page.index('id="history"'):]
    assert history.index(users["admin"].name) < history.index(users["product_owner"].name)
    assert "Owner&#39;s title → Admin&#39;s title" in history
    assert "Metric changed" in history and "target:</span> 2" in history
    assert "created the engagement" in history


def test_admin_log_filters_by_user_and_date(client, users, make_engagement):
    make_engagement(creator=users["product_owner"], title="By the owner")
    make_engagement(creator=users["admin"], title="By the admin")
    client.login(users["admin"])
    everything = client.get("/admin/history").get_data(as_text=True)
    assert "By the owner" in everything and "By the admin" in everything
    mine = client.get(f"/admin/history?user={users['product_owner'].id}").get_data(as_text=True)
    assert "By the owner" in mine and "By the admin" not in mine
    future = client.get("/admin/history?from=2999-01-01").get_data(as_text=True)
    assert "Nothing recorded for these filters" in future
    bad = client.get("/admin/history?from=yesterday")
    assert bad.status_code == 200 and "is not a date" in bad.get_data(as_text=True)


def test_history_cannot_be_changed_or_deleted(app, users, make_engagement):
    make_engagement()
    event = db.session.scalar(select(AuditEvent))
    event.subject = "rewritten"
    with pytest.raises(PermissionError):
        db.session.flush()
    db.session.rollback()
    db.session.delete(db.session.scalar(select(AuditEvent)))
    with pytest.raises(PermissionError):
        db.session.flush()
    db.session.rollback()


def test_no_route_changes_history(app):
    for rule in app.url_map.iter_rules():
        if "history" in rule.rule:
            assert rule.methods <= {"GET", "HEAD", "OPTIONS"}, rule


def test_every_kind_of_change_is_recorded(client, users, make_engagement):
    engagement = make_engagement(creator=users["product_owner"])
    client.login(users["product_owner"])
    client.post(f"/engagements/{engagement.id}/deliverables/{engagement.deliverables[0].id}"
                "/status", {"status": "delivered"})
    actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions[-2:] == ["engagement.create", "deliverable.status"]
    status = json.loads(db.session.scalar(select(AuditEvent.changes).where(
        AuditEvent.action == "deliverable.status")))
    assert status[0]["old"] == "planned" and status[0]["new"] == "delivered"
    assert {"user.create"} <= set(actions)

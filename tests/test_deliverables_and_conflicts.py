"""Deliverable status changes, and two people editing the same engagement."""
import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from vendortrack.domain import spec as specs
from vendortrack.extensions import db
from vendortrack.models import AuditEvent, Deliverable, Engagement

from .conftest import TODAY


@pytest.fixture
def engagement(make_engagement, users):
    return make_engagement(creator=users["product_owner"])


def status_of(deliverable_id):
    db.session.expire_all()
    return db.session.get(Deliverable, deliverable_id)


def test_planned_delivered_accepted_records_who_and_when(client, users, engagement):
    client.login(users["product_owner"])
    d = engagement.deliverables[0]
    url = f"/engagements/{engagement.id}/deliverables/{d.id}/status"
    client.post(url, {"status": "delivered"})
    assert status_of(d.id).status == "delivered" and status_of(d.id).decided_by_id is None
    response = client.post(url, {"status": "accepted"})
    row = status_of(d.id)
    assert row.status == "accepted" and row.decided_by_id == users["product_owner"].id
    assert row.decided_at is not None
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Accepted" in page and users["product_owner"].name in page


def test_illegal_transition_is_explained(client, users, engagement):
    client.login(users["product_owner"])
    d = engagement.deliverables[0]
    response = client.post(f"/engagements/{engagement.id}/deliverables/{d.id}/status",
                           {"status": "accepted"}, follow_redirects=True)
    assert "cannot be marked accepted" in response.get_data(as_text=True)
    assert status_of(d.id).status == "planned"


def test_deliverable_of_another_engagement_is_not_reachable(client, users, engagement,
                                                            make_engagement):
    other = make_engagement(creator=users["admin"])
    client.login(users["product_owner"])
    response = client.post(
        f"/engagements/{engagement.id}/deliverables/{other.deliverables[0].id}/status",
        {"status": "delivered"})
    assert response.status_code == 404
    assert status_of(other.deliverables[0].id).status == "planned"


def test_status_change_updates_stored_risk(client, users, make_engagement):
    from datetime import timedelta

    from vendortrack.domain.spec import Deliverable as Row


    late = make_engagement(creator=users["product_owner"], title="Slipping", deliverables=(
        Row("runbook", "Late", TODAY - timedelta(days=3), "", "delivered"),
        Row("runbook", "Fine", TODAY + timedelta(days=3), "", "planned")))
    client.login(users["product_owner"])
    assert "Slipping" in client.get("/engagements?flag=KT_OVERDUE").get_data(as_text=True)
    client.post(f"/engagements/{late.id}/deliverables/{late.deliverables[0].id}/status",
                {"status": "accepted"})
    assert "Slipping" not in client.get("/engagements?flag=KT_OVERDUE").get_data(as_text=True)


def test_an_owner_replaced_meanwhile_changes_no_status(client, users, make_engagement,
                                                      saved_meanwhile):
    """The right to edit is checked again on the rows the status change is written with:
    an edit that named another internal owner while it was being made refuses it."""
    owner = users["product_owner"]
    engagement = make_engagement(creator=users["admin"], internal_owner=specs.Person(
        owner.name, owner.email))
    engagement_id, deliverable_id = engagement.id, engagement.deliverables[0].id
    client.login(owner)

    def new_owner(session):
        session.get(Engagement, engagement_id).owner_email = "carl@example.org"

    saved_meanwhile(new_owner)
    response = client.post(f"/engagements/{engagement_id}/deliverables/{deliverable_id}/status",
                           {"status": "delivered"}, follow_redirects=True)
    assert response.status_code == 200
    assert ("You can no longer edit this engagement, so the deliverable&#39;s status was not "
            "changed.") in response.get_data(as_text=True)
    assert status_of(deliverable_id).status == "planned"
    assert db.session.scalar(select(AuditEvent.id).where(
        AuditEvent.action == "deliverable.status")) is None


def test_second_save_gets_a_conflict_page_and_keeps_what_was_typed(make_client, users,
                                                                    engagement):
    first, second = make_client(), make_client()
    first.login(users["product_owner"])
    second.login(users["admin"])
    url = f"/engagements/{engagement.id}/edit"
    first.get(url)
    second.get(url)
    version = str(engagement.version)
    base = {"title": engagement.title, "version": version, "vendor": "Northwind Analytics"}
    assert first.post(url, {**base, "title": "Title by the owner"}).status_code == 302
    response = second.post(url, {**base, "problem_statement": "Typed by the admin, "
                                 "which must not be lost."})
    body = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Someone else saved this engagement" in body
    assert "Title by the owner" in body               # what the other person changed
    assert "Typed by the admin, which must not be lost." in body  # what this person typed
    assert "Saving your version would change these" in body
    db.session.expire_all()
    saved = db.session.get(Engagement, engagement.id)
    assert saved.title == "Title by the owner" and "admin" not in saved.problem_statement
    # Saving again from the conflict page (it carries the new version) goes through.
    new_version = str(saved.version)
    assert f'value="{new_version}"' in body
    again = second.post(url, {**base, "version": new_version, "title": "Merged title",
                              "problem_statement": "Typed by the admin, which must not be lost."})
    assert again.status_code == 302
    events = db.session.scalars(select(AuditEvent).where(
        AuditEvent.engagement_id == engagement.id, AuditEvent.action == "engagement.update")
    ).all()
    assert [e.user_id for e in events] == [users["product_owner"].id, users["admin"].id]
    assert any(c.get("field") == "title" and c["new"] == "Merged title"
               for c in json.loads(events[-1].changes))


@pytest.mark.parametrize("engagement_status, marked", [("active", 1), ("closed", 0)])
def test_engagement_page_marks_overdue_rows_by_the_domain_rule(client, users, make_engagement,
                                                                engagement_status, marked):
    past = TODAY - timedelta(days=3)
    engagement = make_engagement(status=engagement_status, deliverables=(
        specs.Deliverable("runbook", "Late runbook", past, "", "planned"),
        specs.Deliverable("training", "Accepted training", past, "", "accepted"),
        specs.Deliverable("shadowing", "Due today", TODAY, "", "delivered")))
    client.login(users["leadership"])
    page = client.get(f"/engagements/{engagement.id}").get_data(as_text=True)
    assert page.count('<tr class="overdue">') == marked
    assert page.count("Overdue · 3 days ago") == marked

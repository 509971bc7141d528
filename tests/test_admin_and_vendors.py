"""Administrators manage accounts; vendors have unique names."""
from sqlalchemy import select

from vendortrack import services
from vendortrack.extensions import db
from vendortrack.models import AuditEvent, User, Vendor

from .conftest import PASSWORD


def test_admin_creates_user_who_can_sign_in(client, make_client, users):
    client.login(users["admin"])
    response = client.post("/admin/users/new", {
        "name": "Nina New", "email": "nina@example.org", "role": "procurement",
        "password": PASSWORD, "confirm": PASSWORD})
    assert response.status_code == 302
    nina = make_client()
    nina.login("nina@example.org")
    assert nina.get("/engagements").status_code == 200
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.create",
                                                      AuditEvent.subject == "nina@example.org"))


def test_duplicate_email_is_refused_with_input_kept(client, users):
    client.login(users["admin"])
    body = client.post("/admin/users/new", {
        "name": "Copy", "email": users["leadership"].email.upper(), "role": "leadership",
        "password": PASSWORD, "confirm": PASSWORD}).get_data(as_text=True)
    assert "already exists" in body and 'value="Copy"' in body


def test_admin_changes_role_and_it_is_recorded(client, users):
    client.login(users["admin"])
    target = users["leadership"]
    client.post(f"/admin/users/{target.id}", {"name": target.name, "role": "procurement",
                                              "active": "y"})
    db.session.expire_all()
    assert db.session.get(User, target.id).role == "procurement"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.update"))
    assert '"old": "leadership"' in event.changes and '"new": "procurement"' in event.changes


def test_admin_cannot_lock_themselves_out(client, users):
    admin = users["admin"]
    client.login(admin)
    body = client.post(f"/admin/users/{admin.id}", {"name": admin.name, "role": "leadership",
                                                    "active": "y"}).get_data(as_text=True)
    assert "cannot remove your own administrator access" in body
    db.session.expire_all()
    assert db.session.get(User, admin.id).role == "admin"


def test_vendor_names_are_unique_without_regard_to_case(client, users):
    client.login(users["procurement"])
    assert client.post("/vendors/new", {"name": "Acme Data", "contact": "ops@acme.example"}
                       ).status_code == 302
    body = client.post("/vendors/new", {"name": "ACME DATA", "notes": "dup"}
                       ).get_data(as_text=True)
    assert "already exists" in body and 'value="ACME DATA"' in body
    assert len(db.session.scalars(select(Vendor)).all()) == 1


def test_engagement_vendor_matches_existing_vendor_by_name(app, users):
    from .conftest import complete_spec

    services.create_engagement(complete_spec(vendor="Northwind"), users["admin"])
    services.create_engagement(complete_spec(vendor="  NORTHWIND "), users["admin"])
    assert [v.name for v in db.session.scalars(select(Vendor))] == ["Northwind"]


def test_vendor_page_links_to_its_engagements(client, users, make_engagement):
    engagement = make_engagement(vendor="Tailspin")
    client.login(users["leadership"])
    body = client.get(f"/vendors/{engagement.vendor_id}").get_data(as_text=True)
    assert f'href="/engagements?vendor={engagement.vendor_id}"' in body
    listing = client.get("/vendors/").get_data(as_text=True)
    assert ">1</a>" in listing


def test_renaming_a_vendor_makes_open_edits_conflict(make_client, users, make_engagement):
    engagement = make_engagement(creator=users["product_owner"], vendor="Northwind")
    owner, buyer = make_client(), make_client()
    owner.login(users["product_owner"])
    buyer.login(users["procurement"])
    version = str(engagement.version)
    buyer.post(f"/vendors/{engagement.vendor_id}/edit", {"name": "Northwind Ltd"})
    response = owner.post(f"/engagements/{engagement.id}/edit", {
        "title": engagement.title, "vendor": "Northwind", "version": version})
    assert response.status_code == 409  # not a quiet re-creation of "Northwind"
    assert [v.name for v in db.session.scalars(select(Vendor))] == ["Northwind Ltd"]

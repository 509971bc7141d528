"""Business functions as records, and provider identity on the vendor."""
import json

import pytest
from sqlalchemy import select

from vendortrack.extensions import db
from vendortrack.models import AuditEvent, BusinessFunction, Vendor

from .conftest import TODAY

PAYMENTS = {"name": "Customer payments", "criticality": "critical",
            "criticality_reasons": "Customers cannot pay while it is down.",
            "assessed_on": "2026-10-01", "rto_hours": "4", "rpo_hours": "1", "impact": "high"}


def functions():
    return db.session.scalars(select(BusinessFunction)).all()


def test_product_owner_adds_a_critical_function_and_sees_it(client, users):
    client.login(users["product_owner"])
    response = client.post("/functions/new", PAYMENTS)
    assert response.status_code == 302
    [function] = functions()
    assert (function.criticality, function.rto_hours, function.rpo_hours, function.impact) == (
        "critical", 4, 1, "high")
    assert function.assessed_on.isoformat() == "2026-10-01"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Critical or important" in page and "4 hours" in page
    assert "Customers cannot pay" in page
    listing = client.get("/functions/?criticality=critical").get_data(as_text=True)
    assert "Customer payments" in listing
    assert "Customer payments" not in client.get(
        "/functions/?criticality=not_critical").get_data(as_text=True)


def test_function_history_records_who_changed_what(client, users):
    client.login(users["procurement"])
    client.post("/functions/new", PAYMENTS)
    [function] = functions()
    client.post(f"/functions/{function.id}/edit",
                {**PAYMENTS, "name": "Payments", "criticality": "not_critical"})
    events = db.session.scalars(select(AuditEvent).where(
        AuditEvent.business_function_id == function.id).order_by(AuditEvent.id)).all()
    assert [e.action for e in events] == ["function.create", "function.update"]
    changes = {c["field"]: (c["old"], c["new"]) for c in json.loads(events[1].changes)}
    assert changes == {"name": ("Customer payments", "Payments"),
                       "criticality": ("critical", "not_critical")}
    page = client.get(f"/functions/{function.id}").get_data(as_text=True)
    assert "changed the function" in page and users["procurement"].name in page


@pytest.mark.parametrize("field, value, message", [
    ("criticality", "very", "Must be one of: critical, not_critical, not_assessed."),
    ("impact", "huge", "Must be one of: low, medium, high."),
    ("rto_hours", "-1", "Enter a whole number of hours from 0 to 87,600."),
    ("rpo_hours", "four", "Enter a whole number of hours from 0 to 87,600."),
    ("rto_hours", "87601", "Enter a whole number of hours from 0 to 87,600."),
    ("assessed_on", "2026-13-01", "Enter a real date"),
    ("assessed_on", "2026-11-27", "The assessment date cannot be in the future."),
    ("name", "", "Give the business function a name."),
])
def test_bad_input_is_refused_by_the_field_and_kept(client, users, field, value, message):
    client.login(users["product_owner"])
    body = client.post("/functions/new", {**PAYMENTS, field: value}).get_data(as_text=True)
    assert message in body
    assert f'id="{field}-error"' in body
    assert functions() == []
    if field in ("rto_hours", "rpo_hours"):
        assert f'value="{value}"' in body  # nothing typed is lost


def test_function_names_are_unique_without_regard_to_case(client, users):
    client.login(users["admin"])
    client.post("/functions/new", PAYMENTS)
    body = client.post("/functions/new", {**PAYMENTS, "name": " customer  PAYMENTS "}
                       ).get_data(as_text=True)
    assert "already exists" in body
    assert len(functions()) == 1


@pytest.mark.parametrize("role, may_edit", [
    ("admin", True), ("product_owner", True), ("procurement", True), ("leadership", False)])
def test_function_permissions(client, users, role, may_edit):
    from vendortrack import services

    function = services.save_function(None, {**PAYMENTS, "assessed_on": TODAY, "rto_hours": 4,
                                             "rpo_hours": 1}, users["admin"])
    client.login(users[role])
    assert client.get("/functions/").status_code == 200
    assert client.get(f"/functions/{function.id}").status_code == 200
    page = client.get(f"/functions/{function.id}").get_data(as_text=True)
    assert ("Edit business function" in page) is may_edit
    expected = 200 if may_edit else 403
    assert client.get("/functions/new").status_code == expected
    assert client.get(f"/functions/{function.id}/edit").status_code == expected
    response = client.post(f"/functions/{function.id}/edit",
                           {**PAYMENTS, "criticality": "not_critical"})
    assert response.status_code == (302 if may_edit else 403)
    db.session.expire_all()
    assert db.session.get(BusinessFunction, function.id).criticality == (
        "not_critical" if may_edit else "critical")


def test_signed_out_visitors_see_no_functions(client, users):
    response = client.get("/functions/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


# --- provider identity on the vendor ---------------------------------------------------------

def test_vendor_identity_is_saved_and_shown(client, users):
    client.login(users["procurement"])
    response = client.post("/vendors/new", {
        "name": "Northwind", "legal_name": "Northwind Analytics Ltd",
        "lei": "5299 00d6bf99lw9r2e68", "country": "ie"})
    assert response.status_code == 302
    vendor = db.session.scalar(select(Vendor))
    assert (vendor.legal_name, vendor.lei, vendor.country) == (
        "Northwind Analytics Ltd", "529900D6BF99LW9R2E68", "IE")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "529900D6BF99LW9R2E68" in page and "Ireland (IE)" in page
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "vendor.create"))
    assert "529900D6BF99LW9R2E68" in event.changes


@pytest.mark.parametrize("field, value, message", [
    ("lei", "529900D6BF99LW9R2E69", "The check digits of this LEI do not match"),
    ("lei", "529900D6BF99", "An LEI has 20 characters; this one has 12."),
    ("country", "XX", "“XX” is not a country code"),
    ("country", "UK", "“UK” is not a country code"),
])
def test_vendor_identity_bad_input(client, users, field, value, message):
    client.login(users["procurement"])
    body = client.post("/vendors/new", {"name": "Northwind", field: value}
                       ).get_data(as_text=True)
    assert message in body and f'id="{field}-error"' in body
    assert db.session.scalar(select(Vendor)) is None


def test_changing_criticality_refreshes_the_supporting_engagements(app, users,
                                                                     make_engagement):
    from vendortrack import services
    from vendortrack.models import Engagement

    function = services.save_function(None, {**PAYMENTS, "criticality": "not_critical",
                                             "assessed_on": None, "rto_hours": None,
                                             "rpo_hours": None}, users["admin"])
    supporting, other = make_engagement(), make_engagement(title="Other")
    supporting.business_function_id = function.id
    db.session.commit()
    version = supporting.version
    services.save_function(function, {**PAYMENTS, "assessed_on": None, "rto_hours": None,
                                      "rpo_hours": None}, users["admin"])
    db.session.expire_all()
    assert db.session.get(Engagement, supporting.id).supports_critical_function
    assert db.session.get(Engagement, supporting.id).version > version
    assert not db.session.get(Engagement, other.id).supports_critical_function

"""GET/POST/PUT /api/v1/functions and /api/v1/vendors: same rules and messages as the pages."""
import pytest
from sqlalchemy import select

from vendortrack.extensions import db
from vendortrack.models import AuditEvent, BusinessFunction, Vendor

PAYMENTS = {"name": "Customer payments", "criticality": "critical",
            "criticality_reasons": "Customers cannot pay.", "assessed_on": "2026-10-01",
            "rto_hours": 4, "rpo_hours": 1, "impact": "high"}


def test_function_round_trip(api):
    created = api["product_owner"].post("/api/v1/functions", PAYMENTS)
    assert created.status_code == 201, created.json
    assert created.json == {"id": created.json["id"], "number": created.json["number"],
                            "licensed_activity": "", **PAYMENTS}
    fetched = api["leadership"].get(created.headers["Location"]).json
    assert fetched == created.json
    listing = api["leadership"].get("/api/v1/functions?criticality=critical").json
    assert [f["name"] for f in listing["items"]] == ["Customer payments"]
    assert listing["total"] == 1


def test_put_changes_only_what_it_sends_and_null_clears(api):
    url = api["admin"].post("/api/v1/functions", PAYMENTS).headers["Location"]
    changed = api["procurement"].put(url, {"criticality": "not_critical", "rto_hours": None})
    assert changed.status_code == 200, changed.json
    assert changed.json == {**changed.json, "name": "Customer payments",
                            "criticality": "not_critical", "rto_hours": None, "rpo_hours": 1,
                            "impact": "high", "assessed_on": "2026-10-01"}
    event = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "function.update")).one()
    assert "not_critical" in event.changes


@pytest.mark.parametrize("body, path, message", [
    ({**PAYMENTS, "criticality": "very"}, "criticality",
     "Must be one of: critical, not_critical, not_assessed."),
    ({**PAYMENTS, "impact": "huge"}, "impact", "Must be one of: low, medium, high."),
    ({**PAYMENTS, "rto_hours": -1}, "rto_hours", "Must be at least 0."),
    ({**PAYMENTS, "rto_hours": 99999}, "rto_hours", "Must be at most 87,600."),
    ({**PAYMENTS, "rto_hours": "4"}, "rto_hours", "Must be a whole number."),
    ({**PAYMENTS, "rto_hours": True}, "rto_hours", "Must be a whole number."),
    ({**PAYMENTS, "assessed_on": "2026-02-30"}, "assessed_on", "Enter a real date"),
    ({**PAYMENTS, "assessed_on": "2026-11-27"}, "assessed_on", "cannot be in the future"),
    ({**PAYMENTS, "colour": "red"}, "colour", "Unknown field."),
    ({k: v for k, v in PAYMENTS.items() if k != "name"}, "name", "Required."),
    ({**PAYMENTS, "name": ""}, "name", "Must not be empty."),
    ([PAYMENTS], "_body", "Send a JSON object."),
])
def test_function_bad_input_is_422_with_its_path(api, body, path, message):
    response = api["product_owner"].post("/api/v1/functions", body)
    assert response.status_code == 422, response.json
    assert any(message in m for m in response.json["errors"][path]), response.json
    assert db.session.scalars(select(BusinessFunction)).all() == []


def test_duplicate_function_name_is_422(api):
    api["admin"].post("/api/v1/functions", PAYMENTS)
    response = api["admin"].post("/api/v1/functions", {"name": "CUSTOMER PAYMENTS"})
    assert response.status_code == 422 and "name" in response.json["errors"]


@pytest.mark.parametrize("role, status", [("leadership", 403), ("procurement", 201),
                                          ("product_owner", 201), ("admin", 201)])
def test_function_api_permissions(api, role, status):
    assert api[role].post("/api/v1/functions", PAYMENTS).status_code == status


def test_unknown_function_is_404(api):
    assert api["admin"].get("/api/v1/functions/99").status_code == 404
    assert api["admin"].put("/api/v1/functions/99", PAYMENTS).status_code == 404


def test_vendor_identity_over_the_api(api):
    created = api["procurement"].post("/api/v1/vendors", {
        "name": "Northwind", "legal_name": "Northwind Analytics Ltd",
        "lei": "529900d6bf99lw9r2e68", "country": "ie"})
    assert created.status_code == 201, created.json
    assert created.json["lei"] == "529900D6BF99LW9R2E68" and created.json["country"] == "IE"
    bad = api["procurement"].put(created.headers["Location"], {"lei": "529900D6BF99LW9R2E69",
                                                                "country": "XX"})
    assert bad.status_code == 422
    assert "check digits" in bad.json["errors"]["lei"][0]
    assert "not a country code" in bad.json["errors"]["country"][0]
    db.session.expire_all()
    assert db.session.scalar(select(Vendor)).lei == "529900D6BF99LW9R2E68"
    assert api["leadership"].put(created.headers["Location"], {"notes": "x"}
                                 ).status_code == 403


def test_openapi_documents_the_record_endpoints(app):
    from openapi_spec_validator import validate

    from vendortrack.api.openapi import document

    doc = document()
    validate(doc)
    assert {"/functions", "/functions/{function_id}", "/vendors", "/vendors/{vendor_id}"} <= set(
        doc["paths"])
    assert doc["components"]["schemas"]["BusinessFunctionInput"]["properties"][
        "criticality"]["enum"] == ["critical", "not_critical", "not_assessed"]


def test_vendor_names_differing_only_in_spacing_are_the_same_vendor(api):
    assert api["admin"].post("/api/v1/vendors", {"name": "Acme Data"}).status_code == 201
    response = api["admin"].post("/api/v1/vendors", {"name": " acme  data "})
    assert response.status_code == 422 and "name" in response.json["errors"]

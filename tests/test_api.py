"""The JSON API: round trips, versions and conflicts, validation answers, tokens and roles."""
import json

import pytest
from sqlalchemy import func, select

from vendortrack.domain.spec import to_json
from vendortrack.extensions import db
from vendortrack.models import Engagement
from vendortrack.tokens import create_token

from .conftest import PASSWORD, complete_spec

SENT = {
    "title": "Automate claims intake", "vendor": "Relecloud Services",
    "contract_reference": "C-2026-77", "contract_value": 420000.5, "currency": "GBP",
    "status": "active", "start_date": "2026-12-01", "end_date": "2027-09-30",
    "handover_date": "2027-09-01",
    "problem_statement": "Claims arrive by e-mail and are keyed in by hand, so they wait three "
                         "days and one in twenty has an error.",
    "core_capability": True,
    "internal_owner": {"name": "Maya Patel", "email": "maya.patel@example.org"},
    "successors": [{"name": "Lars Jensen", "email": "lars.jensen@example.org"}],
    "upskilling": [{"name": "Olu Silva", "email": ""}],
    "metrics": [{"name": "Time to register", "baseline": "3 days", "target": "< 2 hours",
                 "unit": "", "measurement": "Claims system timestamps"}],
    "constraints": ["Claims data stays in the UK."],
    "tradeoffs": [{"rule": "Accuracy beats speed.", "decided_by": "Head of claims"}],
    "deliverables": [
        {"kind": "runbook", "title": "Runbook", "due_date": "2027-06-01",
         "acceptance_criteria": "On-call engineer restores service from it", "status": "planned"},
        {"kind": "training", "title": "Training", "due_date": "2027-07-01",
         "acceptance_criteria": "", "status": "delivered"},
    ],
}


def spec_fields(document):
    """The spec part of an API document, without the deliverables' and successors' ids and
    the successors' readiness (returned by GET, not sent)."""
    fields = {k: document[k] for k in SENT}
    fields["deliverables"] = [{k: v for k, v in row.items() if k != "id"}
                              for row in fields["deliverables"]]
    fields["successors"] = [{k: v for k, v in row.items() if k not in ("id", "readiness")}
                            for row in fields.get("successors", [])]
    return fields


def test_post_then_get_returns_what_was_sent(api):
    created = api["product_owner"].post("/api/v1/engagements", SENT)
    assert created.status_code == 201, created.json
    location = created.headers["Location"]
    fetched = api["leadership"].get(location).json
    assert spec_fields(fetched) == SENT
    assert fetched["version"] == 1 and fetched["id"] == created.json["id"]
    assert fetched["risk"] == {"level": "none", "dependency_trap": False, "flags": []}


def test_get_returns_risk_flags(api, make_engagement):
    engagement = make_engagement(handover_date=None, constraints=())
    body = api["procurement"].get(f"/api/v1/engagements/{engagement.id}").json
    assert body["risk"]["level"] == "high" and body["risk"]["dependency_trap"] is True
    codes = {f["code"]: f for f in body["risk"]["flags"]}
    assert set(codes) == {"DEPENDENCY_TRAP_NO_HANDOVER", "SPEC_NO_CONSTRAINTS"}
    assert codes["SPEC_NO_CONSTRAINTS"]["severity"] == "low"
    assert codes["DEPENDENCY_TRAP_NO_HANDOVER"]["remedy"].startswith("Fix a handover date")


def test_what_get_returns_can_be_put_back(api, make_engagement, users):
    engagement = make_engagement(creator=users["product_owner"])
    document = api["product_owner"].get(f"/api/v1/engagements/{engagement.id}").json
    document["title"] = "Changed through the API"
    response = api["product_owner"].put(f"/api/v1/engagements/{engagement.id}", document)
    assert response.status_code == 200, response.json
    assert response.json["title"] == "Changed through the API"
    assert response.json["version"] == document["version"] + 1
    assert response.json["deliverables"] == document["deliverables"]


def test_stale_version_gets_409_and_nothing_is_overwritten(api, make_engagement, users):
    engagement = make_engagement(creator=users["product_owner"])
    url = f"/api/v1/engagements/{engagement.id}"
    first = api["product_owner"].get(url).json
    second = api["admin"].get(url).json
    first["title"] = "First writer"
    assert api["product_owner"].put(url, first).status_code == 200
    second["title"] = "Second writer"
    response = api["admin"].put(url, second)
    assert response.status_code == 409
    assert response.json["current"]["title"] == "First writer"
    assert api["admin"].get(url).json["title"] == "First writer"


def test_put_requires_a_version(api, make_engagement, users):
    engagement = make_engagement(creator=users["product_owner"])
    url = f"/api/v1/engagements/{engagement.id}"
    body = {"title": "No version"}
    response = api["product_owner"].put(url, body)
    assert response.status_code == 422 and "version" in response.json["errors"]
    body["version"] = "1"
    assert api["product_owner"].put(url, body).status_code == 422


@pytest.mark.parametrize("body, path, message", [
    ({}, "title", "Give the engagement a title."),
    ({"title": ""}, "title", "Give the engagement a title."),
    ({"title": "x" * 201}, "title", "Field cannot be longer than 200 characters."),
    ({"title": 5}, "title", "Must be a string."),
    ({"title": "T", "start_date": "2027-01-02", "end_date": "2027-01-01"}, "end_date",
     "The end date cannot be before the start date."),
    ({"title": "T", "handover_date": "2027-02-30"}, "handover_date", "Enter a real date"),
    ({"title": "T", "contract_value": "100"}, "contract_value", "Must be a number."),
    ({"title": "T", "contract_value": -1}, "contract_value", "between 0 and"),
    ({"title": "T", "contract_value": 1.005}, "contract_value", "two decimal places"),
    ({"title": "T", "contract_value": 1e12}, "contract_value", "between 0 and"),
    ({"title": "T", "currency": "ABC"}, "currency", "ISO 4217"),
    ({"title": "T", "status": "done"}, "status", "Not a valid choice"),
    ({"title": "T", "colour": "red"}, "colour", "Unknown field."),
    ({"title": "T", "metrics": {"name": "x"}}, "metrics", "Must be a list."),
    ({"title": "T", "metrics": [{"target": "5"}]}, "metrics[0].name", "Give this row a metric."),
    ({"title": "T", "metrics": [{"name": "x", "owner": "y"}]}, "metrics[0].owner",
     "Unknown field."),
    ({"title": "T", "metrics": [{}]}, "metrics[0]", "Empty row."),
    ({"title": "T", "constraints": [3]}, "constraints[0]", "Must be a string."),
    ({"title": "T", "deliverables": [{"title": "D", "kind": "poem"}]}, "deliverables[0].kind",
     "Not a valid choice"),
    ({"title": "T", "deliverables": [{"title": "D", "status": "done"}]},
     "deliverables[0].status", "Must be one of"),
    ({"title": "T", "internal_owner": {"name": "A", "email": "not-mail"}},
     "internal_owner.email", "Enter an e-mail address"),
    ({"title": "T", "core_capability": "yes"}, "core_capability", "Must be true or false."),
    ([1, 2], "_body", "Send a JSON object."),
])
def test_validation_answers_422_by_field(api, body, path, message):
    response = api["product_owner"].post("/api/v1/engagements", body)
    assert response.status_code == 422, response.json
    assert any(message in m for m in response.json["errors"][path]), response.json
    assert db.session.scalar(select(func.count(Engagement.id))) == 0


def test_malformed_and_huge_bodies_get_json_4xx(api):
    client = api["product_owner"]
    bad = client.http.post("/api/v1/engagements", data="{not json", headers={
        **client.headers, "Content-Type": "application/json"})
    assert bad.status_code == 400 and bad.json["error"]["title"] == "Not JSON"
    huge = client.http.post("/api/v1/engagements", data="x" * (3 * 1024 * 1024), headers={
        **client.headers, "Content-Type": "application/json"})
    assert huge.status_code == 413 and huge.json["error"]["status"] == 413


def test_list_is_paginated_and_filtered(api, make_engagement):
    make_engagement(title="One", vendor="Acme")
    make_engagement(title="Two", vendor="Acme", handover_date=None)
    make_engagement(title="Three", vendor="Other", status="draft")
    client = api["leadership"]
    page = client.get("/api/v1/engagements?per_page=2&page=1").json
    assert (page["total"], page["page"], page["per_page"], len(page["items"])) == (3, 1, 2, 2)
    assert [i["title"] for i in client.get("/api/v1/engagements?vendor=ACME").json["items"]
            ] == ["Two", "One"]
    assert [i["title"] for i in client.get(
        "/api/v1/engagements?flag=DEPENDENCY_TRAP_NO_HANDOVER").json["items"]] == ["Two"]
    assert client.get("/api/v1/engagements?risk=high").json["total"] == 1
    assert client.get("/api/v1/engagements?status=draft&q=thr").json["total"] == 1
    assert client.get("/api/v1/engagements?risk=extreme").status_code == 422
    assert client.get("/api/v1/engagements?page=abc").status_code == 422


def test_tokens_and_roles(api, app, make_engagement, users):
    engagement = make_engagement(creator=users["admin"])
    url = f"/api/v1/engagements/{engagement.id}"
    assert app.test_client().get(url).status_code == 401
    bad = app.test_client().get(url, headers={"Authorization": "Bearer vt_nope"})
    assert bad.status_code == 401 and "Bearer" in bad.headers["WWW-Authenticate"]
    document = api["procurement"].get(url).json
    assert api["procurement"].put(url, document).status_code == 403
    assert api["leadership"].post("/api/v1/engagements", {"title": "No"}).status_code == 403
    # A product owner who neither created nor owns it cannot change it by id.
    assert api["product_owner"].put(url, document).status_code == 403
    assert api["admin"].put(url, document).status_code == 200
    assert api["leadership"].get("/api/v1/engagements/999999").status_code == 404


def test_revoked_token_and_deactivated_user_are_refused(app, users, client):
    from vendortrack import services
    from vendortrack.models import ApiToken
    from vendortrack.tokens import revoke_token

    secret = create_token(users["leadership"], "BI")
    headers = {"Authorization": f"Bearer {secret}"}
    http = app.test_client()
    with app.app_context():
        assert http.get("/api/v1/engagements", headers=headers).status_code == 200
    revoke_token(db.session.scalar(select(ApiToken).where(ApiToken.name == "BI")),
                 users["leadership"])
    with app.app_context():
        assert http.get("/api/v1/engagements", headers=headers).status_code == 401
    other = create_token(users["procurement"], "ERP")
    services.update_user(users["procurement"], name="P", role="procurement", active=False,
                         password=None, actor=users["admin"])
    with app.app_context():
        assert http.get("/api/v1/engagements", headers={
            "Authorization": f"Bearer {other}"}).status_code == 401


def test_token_requests_need_no_csrf_but_session_requests_do(api, client, users):
    assert api["product_owner"].post("/api/v1/engagements", {"title": "Via token"}
                                     ).status_code == 201
    client.login(users["product_owner"])
    response = client.http.post("/api/v1/engagements", json={"title": "Via cookie"})
    assert response.status_code == 400  # no CSRF token: a forged cross-site request


def test_no_mass_assignment(api, users):
    body = {"title": "Sneaky", "id": 999, "created_at": "2000-01-01T00:00:00",
            "risk": {"level": "none"}, "version": 77}
    created = api["product_owner"].post("/api/v1/engagements", body).json
    assert created["id"] != 999 and created["version"] == 1
    assert created["risk"]["level"] == "high"
    refused = api["product_owner"].post("/api/v1/engagements", {
        "title": "x", "created_by_id": users["admin"].id})
    assert refused.status_code == 422


def test_account_page_creates_shows_once_and_revokes(client, users, app):
    client.login(users["procurement"])
    page = client.post("/account", {"name": "ERP sync", "expires": "365",
                                    "password": PASSWORD}).get_data(as_text=True)
    secret = page.split('id="new-token">')[1].split("<")[0]
    assert secret.startswith("vt_")
    assert secret not in client.get("/account").get_data(as_text=True)
    http = app.test_client()
    with app.app_context():
        assert http.get("/api/v1/engagements", headers={
            "Authorization": f"Bearer {secret}"}).status_code == 200
    token_id = page.split("/account/tokens/")[1].split("/")[0]
    client.post(f"/account/tokens/{token_id}/revoke")
    with app.app_context():
        assert http.get("/api/v1/engagements", headers={
            "Authorization": f"Bearer {secret}"}).status_code == 401


def test_create_token_command(app, users):
    result = app.test_cli_runner().invoke(args=["create-token", users["leadership"].email])
    assert result.exit_code == 0
    secret = result.output.strip()
    with app.app_context():
        assert app.test_client().get("/api/v1/engagements", headers={
            "Authorization": f"Bearer {secret}"}).status_code == 200
    unknown = app.test_cli_runner().invoke(args=["create-token", "nobody@example.org"])
    assert unknown.exit_code != 0


def test_openapi_document_is_served_and_valid(app, users):
    from openapi_spec_validator import validate

    with app.app_context():
        document = app.test_client().get("/api/v1/openapi.json").json
    validate(document)
    assert set(document["paths"]) == {
        "/engagements", "/engagements/{engagement_id}", "/engagements/{engagement_id}/annexes",
        "/engagements/{engagement_id}/annexes/{number}.pdf", "/dashboard",
        "/me/notifications", "/me/notifications/{notification_id}/read",
        "/me/notifications/read-all", "/engagements/{engagement_id}/follow", "/imports",
        "/functions", "/functions/{function_id}", "/vendors", "/vendors/{vendor_id}",
        "/register-of-information", "/register-of-information/preflight",
        "/engagements/{engagement_id}/successors/{person_id}/readiness"}


def test_api_spec_json_matches_domain_json(api, make_engagement):
    engagement = make_engagement()
    body = api["admin"].get(f"/api/v1/engagements/{engagement.id}").json
    expected = json.loads(json.dumps(to_json(complete_spec())))
    for row in body["deliverables"]:
        del row["id"]
    for row, successor in zip(body["successors"], engagement.successors, strict=True):
        assert row.pop("readiness") is None  # nobody attested yet
        assert row.pop("id") == successor.id
    assert {k: body[k] for k in expected} == expected


def test_put_keeps_acceptance_with_its_deliverable_and_enforces_the_workflow(
        api, make_engagement, users):
    from vendortrack import services

    engagement = make_engagement(creator=users["product_owner"])
    first, second = engagement.deliverables
    services.change_deliverable_status(second, "delivered", users["admin"])
    services.change_deliverable_status(second, "accepted", users["admin"])
    url = f"/api/v1/engagements/{engagement.id}"
    client = api["product_owner"]
    document = client.get(url).json
    # Remove the first row and leave statuses out: the accepted row stays accepted, by admin.
    document["deliverables"] = [{k: v for k, v in document["deliverables"][1].items()
                                 if k != "status"}]
    saved = client.put(url, document)
    assert saved.status_code == 200, saved.json
    assert [(d["id"], d["status"]) for d in saved.json["deliverables"]] == [
        (second.id, "accepted")]
    from vendortrack.extensions import db
    from vendortrack.models import Deliverable

    db.session.expire_all()
    assert db.session.get(Deliverable, second.id).decided_by_id == users["admin"].id
    # Skipping the workflow is refused with a reason.
    document = saved.json
    document["deliverables"].append({"kind": "runbook", "title": "New", "status": "planned"})
    document = client.put(url, document).json
    new_row = document["deliverables"][1]
    new_row["status"] = "accepted"
    refused = client.put(url, document)
    assert refused.status_code == 422
    assert refused.json["errors"]["deliverables[1].status"] == [
        "A deliverable that is planned cannot be marked accepted."]


def test_a_bad_bearer_token_does_not_excuse_a_missing_csrf_token(client, users,
                                                                   make_engagement):
    engagement = make_engagement(creator=users["product_owner"])
    client.login(users["product_owner"])
    url = f"/api/v1/engagements/{engagement.id}"
    document = client.get(url).json
    response = client.open("PUT", url, json=document,
                           headers={"Authorization": "Bearer garbage"})
    assert response.status_code == 400


def test_password_reset_revokes_the_users_tokens(app, users):
    from vendortrack import services

    secret = create_token(users["procurement"], "ERP")
    services.update_user(users["procurement"], name="P", role="procurement", active=True,
                         password="a brand new password", actor=users["admin"])
    with app.app_context():
        assert app.test_client().get("/api/v1/engagements", headers={
            "Authorization": f"Bearer {secret}"}).status_code == 401


@pytest.mark.parametrize("section, row", [
    ("deliverables", {"title": "D"}),
    ("metrics", {"name": "M", "target": "1"}),
    ("constraints", "C"),
])
def test_more_than_500_rows_answers_422_by_the_section_and_saves_nothing(api, section, row):
    client = api["product_owner"]
    response = client.post("/api/v1/engagements", {"title": "T", section: [row] * 501})
    assert response.status_code == 422, response.json
    assert "At most 500 rows" in response.json["errors"][section][0]
    assert db.session.scalar(select(func.count(Engagement.id))) == 0
    created = client.post("/api/v1/engagements", {"title": "T", section: [row] * 500})
    assert created.status_code == 201 and len(created.json[section]) == 500


def test_more_than_500_rows_on_update_keeps_the_saved_rows(api, make_engagement):
    engagement = make_engagement()
    url = f"/api/v1/engagements/{engagement.id}"
    document = api["product_owner"].get(url).json
    document["metrics"] = [{"name": f"M{i}", "target": "1"} for i in range(501)]
    response = api["product_owner"].put(url, document)
    assert response.status_code == 422 and "metrics" in response.json["errors"]
    assert [m["name"] for m in api["product_owner"].get(url).json["metrics"]] == [
        "First-response time"]


@pytest.mark.parametrize("body", ["[" * 1000, "{\"a\":" * 1000, "[" * 100_000])
def test_deeply_nested_json_answers_400(api, body):
    client = api["product_owner"]
    response = client.http.post("/api/v1/engagements", data=body, headers={
        **client.headers, "Content-Type": "application/json"})
    assert response.status_code == 400, response.get_data(as_text=True)[:200]
    assert response.json["error"]["title"] == "JSON nested too deeply"
    assert db.session.scalar(select(func.count(Engagement.id))) == 0


def test_deeply_nested_json_answers_400_where_the_engagement_exists(app, api, make_engagement):
    engagement = make_engagement()
    for role, method, url in (
            ("product_owner", "put", f"/api/v1/engagements/{engagement.id}"),
            ("procurement", "post", f"/api/v1/engagements/{engagement.id}/annexes")):
        client = api[role]
        with app.app_context():  # each request its own signed-in user, as in production
            response = getattr(client.http, method)(url, data="[" * 1000, headers={
                **client.headers, "Content-Type": "application/json"})
        assert response.status_code == 400, response.get_data(as_text=True)[:200]
        assert response.json["error"]["title"] == "JSON nested too deeply"


def test_nesting_inside_a_valid_body_is_a_field_error(api):
    nested = json.loads("[" * 500 + "]" * 500)
    response = api["product_owner"].post("/api/v1/engagements",
                                         {"title": "T", "metrics": [nested]})
    assert response.status_code == 422
    assert response.json["errors"]["metrics[0]"] == ["Must be an object."]

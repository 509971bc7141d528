"""The data the register of information needs, on the engagement, the vendor and the business
function: forms, pages, API, history, import, annexes, demo data and the migration."""
from __future__ import annotations

import io
import json
import re
import sqlite3
import zipfile
from datetime import date, timedelta

import pytest
from sqlalchemy import event, insert, select

from vendortrack import services
from vendortrack.domain import eba_codes as codes
from vendortrack.domain import register_of_information as roi
from vendortrack.domain import spec as specs
from vendortrack.domain.annex import spec_changed
from vendortrack.domain.identity import with_check_digits
from vendortrack.extensions import db
from vendortrack.models import AuditEvent, BusinessFunction, Engagement, FunctionNumber, Vendor

from .conftest import TODAY, complete_spec

REGISTER = {
    "arrangement_type": "subsequent",
    "overarching_reference": "FA-2024-001",
    "ict_service_type": "cloud_saas",
    "governing_law_country": "IE",
    "last_audit_on": date(2026, 6, 30),
    "termination_reason": None,
    "substitutability": "highly_complex",
    "non_substitutability_reason": "hard_to_migrate",
    "discontinuation_impact": "high",
}
REGISTER_FORM = {**{k: v.isoformat() if isinstance(v, date) else (v or "")
                    for k, v in REGISTER.items()}}
PARENT_LEI = "529900D6BF99LW9R2E68"


# --- the licensed activities --------------------------------------------------------------

def test_the_licensed_activities_are_the_references_131_codes():
    """§8.15: eba_TA:x28, x104, x133–x147 (not every one), x162–x276, qx277, qx278."""
    activities = set(codes.LICENSED_ACTIVITIES)
    assert len(activities) == 131
    fixed = {"eba_TA:x28", "eba_TA:x104", "eba_TA:qx277", "eba_TA:qx278",
             *(f"eba_TA:x{n}" for n in range(162, 277))}
    assert fixed <= activities
    assert activities - fixed <= {f"eba_TA:x{n}" for n in range(133, 148)}
    assert codes.LICENSED_ACTIVITIES["eba_TA:x28"] == "Payment services"


# --- engagements --------------------------------------------------------------------------

@pytest.fixture
def owner(client, users):
    client.login(users["product_owner"])
    return client


def form_of(spec: specs.Spec, **register) -> dict:
    """The engagement form's fields for ``spec`` (what a browser posts)."""
    data = {"title": spec.title, "vendor": spec.vendor,
            "contract_reference": spec.contract_reference, "status": spec.status,
            "currency": spec.currency, "owner_name": spec.internal_owner.name,
            "owner_email": spec.internal_owner.email}
    return {**data, **{k: "" if v is None else str(v) for k, v in register.items()}}


def test_the_form_saves_shows_and_reopens_the_register_fields(owner):
    response = owner.post("/engagements/new", form_of(complete_spec(), **REGISTER_FORM))
    assert response.status_code == 302, response.get_data(as_text=True)
    engagement = db.session.scalar(select(Engagement))
    saved = services.engagement_spec(engagement)
    assert {k: getattr(saved, k) for k in REGISTER} == REGISTER
    page = owner.get(response.headers["Location"]).get_data(as_text=True)
    for text in ("Subsequent agreement under an overarching one", "FA-2024-001",
                 "Cloud software (SaaS)", "Ireland (IE)", "Hard to migrate or bring back "
                 "in-house", "Impact of stopping the service"):
        assert text in page, text
    assert "Why it ended" not in page  # only once the engagement is closed
    edit = owner.get(f"/engagements/{engagement.id}/edit").get_data(as_text=True)
    assert 'value="FA-2024-001"' in edit
    assert '<option selected value="cloud_saas">' in edit
    assert '<option selected value="IE">' in edit


def test_a_closed_engagement_shows_why_it_ended(owner, make_engagement):
    engagement = make_engagement(status="closed", termination_reason="expired")
    page = owner.get(f"/engagements/{engagement.id}").get_data(as_text=True)
    assert "Why it ended" in page and "Expired and not renewed" in page
    other = make_engagement(status="closed", contract_reference="C-2")
    page = owner.get(f"/engagements/{other.id}").get_data(as_text=True)
    assert "Why it ended" in page and "Not recorded" in page


@pytest.mark.parametrize("change, field, message", [
    ({"governing_law_country": "XX"}, "governing_law_country", "“XX” is not a country code"),
    ({"arrangement_type": "framework"}, "arrangement_type",
     "Must be one of: standalone, overarching, subsequent."),
    ({"arrangement_type": "standalone"}, "overarching_reference",
     "Only an agreement made under a framework agreement names one"),
    ({"overarching_reference": "C-2026-001"}, "overarching_reference",
     "An agreement cannot fall under itself"),
    ({"substitutability": "easy"}, "non_substitutability_reason",
     "An easily substitutable vendor needs no reason"),
    ({"last_audit_on": "2026-02-30"}, "last_audit_on", "Enter a real date"),
    ({"ict_service_type": "S19"}, "ict_service_type", "Must be one of: project_management"),
    ({"stores_data": "no", "countries-data_storage": "IE"}, "stores_data",
     "Storage countries are listed above"),
])
def test_bad_register_input_is_told_beside_the_field_and_kept(owner, change, field, message):
    response = owner.post("/engagements/new",
                          form_of(complete_spec(), **{**REGISTER_FORM, **change}))
    page = response.get_data(as_text=True)
    assert response.status_code == 200  # the form again, with the message beside the field
    assert message in page.replace("&#34;", '"').replace("&#39;", "'"), page
    assert db.session.scalar(select(Engagement)) is None
    assert 'value="Automate support triage"' in page  # nothing typed is lost


def test_the_api_reads_and_writes_the_register_fields(api):
    body = {**specs.to_json(complete_spec(**REGISTER)), "status": "closed",
            "termination_reason": "provider_breach"}
    created = api["product_owner"].post("/api/v1/engagements", body)
    assert created.status_code == 201, created.json
    for key in REGISTER:
        if key != "termination_reason":
            assert created.json[key] == body[key], key
    assert created.json["termination_reason"] == "provider_breach"
    assert created.json["governing_law_country"] == "IE"
    document = api["leadership"].get("/api/v1/openapi.json").json
    properties = document["components"]["schemas"]["Engagement"]["properties"]
    assert properties["ict_service_type"]["enum"][:2] == ["project_management", "development"]
    assert "ISO 3166-1" in properties["governing_law_country"]["description"]
    changed = {**created.json, "governing_law_country": "de", "arrangement_type": "standalone",
               "overarching_reference": ""}
    saved = api["product_owner"].put(created.headers["Location"], changed)
    assert saved.status_code == 200, saved.json
    assert (saved.json["governing_law_country"], saved.json["arrangement_type"]) == (
        "DE", "standalone")


@pytest.mark.parametrize("change, path, message", [
    ({"governing_law_country": "ZZ"}, "governing_law_country", "“ZZ” is not a country code"),
    ({"governing_law_country": "Ireland"}, "governing_law_country", ""),
    ({"arrangement_type": "framework"}, "arrangement_type", "Must be one of: standalone"),
    ({"termination_reason": 4}, "termination_reason", "Must be a string."),
    ({"discontinuation_impact": "huge"}, "discontinuation_impact", "Must be one of: low"),
    ({"last_audit_on": "yesterday"}, "last_audit_on", "Enter a real date"),
    ({"arrangement_type": "standalone"}, "overarching_reference", "Only an agreement made"),
])
def test_the_api_refuses_bad_register_values_with_their_path(api, change, path, message):
    body = {**specs.to_json(complete_spec(**REGISTER)), **change}
    response = api["product_owner"].post("/api/v1/engagements", body)
    assert response.status_code == 422, response.json
    assert any(message in m for m in response.json["errors"][path]), response.json


def test_history_shows_register_changes_in_peoples_words(owner, make_engagement, users):
    engagement = make_engagement()
    services.update_engagement(engagement, complete_spec(**REGISTER), users["product_owner"],
                               expected_version=engagement.version)
    event = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "engagement.update")).one()
    changed = {c["field"]: c["new"] for c in json.loads(event.changes) if "field" in c}
    assert changed["arrangement_type"] == "subsequent"
    assert changed["governing_law_country"] == "IE"
    page = owner.get(f"/engagements/{engagement.id}").get_data(as_text=True)
    assert "Type of arrangement" in page
    assert "Subsequent agreement under an overarching one" in page
    assert "Cloud software (SaaS)" in page


def test_an_audit_or_the_reason_it_ended_is_progress_not_new_terms():
    issued = specs.to_json(complete_spec(**REGISTER))
    later = specs.to_json(complete_spec(**{**REGISTER, "last_audit_on": date(2026, 11, 1),
                                           "termination_reason": "expired"}))
    assert not spec_changed(issued, later)
    renegotiated = specs.to_json(complete_spec(**{**REGISTER, "governing_law_country": "DE"}))
    assert spec_changed(issued, renegotiated)


def test_an_annex_shows_the_terms_and_leaves_progress_out(app, make_engagement):
    from vendortrack.annex import service
    from vendortrack.pdf import annex_html

    engagement = make_engagement(**REGISTER)
    with app.test_request_context():
        html = annex_html(service.draft_document(engagement), for_pdf=False)
    assert "Subsequent agreement under an overarching one" in html
    assert "Ireland (IE)" in html
    assert "Last audit of the vendor" not in html and "Why it ended" not in html


def test_an_annex_names_in_one_row_the_terms_it_does_not_record(app, make_engagement):
    from decimal import Decimal

    from vendortrack.annex import service
    from vendortrack.pdf import annex_html

    engagement = make_engagement(currency="EUR", annual_expense=Decimal("113000"))
    with app.test_request_context():
        html = annex_html(service.draft_document(engagement), for_pdf=False)
    assert "<th scope=\"row\">Annual expense</th><td>€113,000.00</td>" in html
    [not_recorded] = re.findall(r'<tr class="not-recorded">.*?</tr>',
                                html.split("8. Exit and transition")[1], re.S)
    assert "Governing law" in not_recorded and "Exit plan" in not_recorded
    assert "Annual expense" not in not_recorded
    assert "<td>—</td>" not in html  # no row says only that nothing was recorded


def test_an_import_update_keeps_the_register_fields(client, users, make_engagement, app,
                                                    tmp_path):
    from .import_files import csv_bytes, row
    from .test_imports import confirm_form, preview_of

    app.config["IMPORT_FOLDER"] = str(tmp_path / "imports")
    engagement = make_engagement(contract_reference="C-1", **REGISTER)
    client.login(users["procurement"])
    url, page = preview_of(client, csv_bytes([row("C-1", title="Renamed by the import")]))
    response = client.post(url, confirm_form(page.get_data(as_text=True)))
    assert response.status_code == 302
    db.session.expire_all()
    saved = services.engagement_spec(db.session.get(Engagement, engagement.id))
    assert saved.title == "Renamed by the import"
    assert {k: getattr(saved, k) for k in REGISTER} == REGISTER


# --- vendors ------------------------------------------------------------------------------

VENDOR_FORM = {"name": "Litware AI", "legal_name": "Litware AI sp. z o.o.", "country": "PL",
               "person_type": "legal_person", "other_code": " PL52 6025 0995 ",
               "other_code_type": "vat", "parent_code": PARENT_LEI.lower(),
               "parent_code_type": "lei"}


def test_the_vendor_form_saves_and_shows_person_type_and_codes(client, users):
    client.login(users["procurement"])
    response = client.post("/vendors/new", VENDOR_FORM)
    assert response.status_code == 302, response.get_data(as_text=True)
    vendor = db.session.scalar(select(Vendor))
    assert (vendor.person_type, vendor.other_code, vendor.other_code_type, vendor.parent_code,
            vendor.parent_code_type) == ("legal_person", "PL52 6025 0995", "vat", PARENT_LEI,
                                         "lei")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Company or other legal person" in page and "VAT number" in page
    assert PARENT_LEI in page
    edit = client.get(f"/vendors/{vendor.id}/edit").get_data(as_text=True)
    assert '<option selected value="vat">' in edit
    client.post(f"/vendors/{vendor.id}/edit", {**VENDOR_FORM, "person_type": "individual"})
    event = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "vendor.update")).one()
    assert {c["field"]: c["new"] for c in json.loads(event.changes)} == {
        "person_type": "individual"}
    admin = client.__class__(client.app)
    admin.login(users["admin"])
    history = admin.get("/admin/history").get_data(as_text=True)
    assert "Type of person" in history
    assert "Company or other legal person → Individual acting in a business capacity" in (
        history)


@pytest.mark.parametrize("change, field, message", [
    ({"parent_code": "529900D6BF99LW9R2E69"}, "parent_code", "check digits"),
    ({"parent_code": "NOT-AN-LEI"}, "parent_code", "An LEI has 20 characters"),
    ({"parent_code_type": ""}, "parent_code_type", "Choose what kind of code this is"),
    ({"other_code": ""}, "other_code", "Enter the code, or clear its type."),
    ({"other_code_type": "duns"}, "other_code_type", "Must be one of: lei, euid"),
    ({"person_type": "robot"}, "person_type", "Must be one of: legal_person, individual."),
])
def test_bad_vendor_codes_get_a_clear_message(client, users, change, field, message):
    client.login(users["procurement"])
    response = client.post("/vendors/new", {**VENDOR_FORM, **change})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in page, page
    assert db.session.scalar(select(Vendor)) is None


def test_the_vendor_api_reads_and_writes_the_codes(api):
    created = api["procurement"].post("/api/v1/vendors", VENDOR_FORM)
    assert created.status_code == 201, created.json
    assert created.json["parent_code"] == PARENT_LEI
    assert created.json["person_type"] == "legal_person"
    changed = api["procurement"].put(created.headers["Location"],
                                     {"parent_code": None, "parent_code_type": None})
    assert changed.status_code == 200, changed.json
    assert (changed.json["parent_code"], changed.json["parent_code_type"]) == ("", None)
    assert changed.json["other_code"] == "PL52 6025 0995"  # not sent: kept
    bad = api["procurement"].put(created.headers["Location"],
                                 {"parent_code": "529900D6BF99LW9R2E69",
                                  "parent_code_type": "lei"})
    assert bad.status_code == 422
    assert "check digits" in bad.json["errors"]["parent_code"][0]
    unknown = api["procurement"].put(created.headers["Location"], {"person_type": "robot"})
    assert unknown.json["errors"]["person_type"] == [
        "Must be one of: legal_person, individual."]


# --- business functions -------------------------------------------------------------------

PAYMENTS = {"name": "Customer payments", "criticality": "critical",
            "licensed_activity": "eba_TA:x28"}
FUNCTION_VALUES = {**PAYMENTS, "criticality_reasons": "", "assessed_on": None,
                   "rto_hours": None, "rpo_hours": None, "impact": None}


def test_a_function_gets_the_next_number_and_never_a_deleted_ones(app, users):
    first = services.save_function(None, FUNCTION_VALUES, users["admin"])
    # No page deletes a function; a database can (one without history, here).
    second = BusinessFunction(name="Claims", name_key="claims", criticality="critical",
                              criticality_reasons="", number=services.next_function_number())
    db.session.add(second)
    db.session.commit()
    assert (first.number, second.number) == (1, 2)
    deleted_id = second.id
    db.session.delete(second)
    db.session.commit()
    third = services.save_function(None, {**FUNCTION_VALUES, "name": "Support"},
                                   users["admin"])
    assert third.number == 3
    if db.engine.dialect.name == "sqlite":
        assert third.id == deleted_id  # why the number is not the id
    engagement = services.create_engagement(complete_spec(business_function="Brand new"),
                                            users["product_owner"])
    assert engagement.business_function.number == 4
    assert db.session.get(FunctionNumber, 1).last == 4


def test_an_emptied_counter_starts_after_the_numbers_in_use(app, users):
    services.save_function(None, FUNCTION_VALUES, users["admin"])
    db.session.execute(FunctionNumber.__table__.delete())
    db.session.commit()
    again = services.save_function(None, {**FUNCTION_VALUES, "name": "Claims"},
                                   users["admin"])
    assert again.number == 2


def test_the_next_function_number_takes_one_statement(app):
    first = services.next_function_number()  # creates the counter row
    services.commit()
    statements = []

    def note(conn, cursor, statement, *args):
        if not statement.upper().startswith("BEGIN"):
            statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        number = services.next_function_number()
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
    services.commit()
    assert number == first + 1 == db.session.get(FunctionNumber, 1).last
    assert len(statements) == 1, statements


def test_a_function_another_session_creates_meanwhile_is_used_not_a_500(app, monkeypatch):
    """Two saves naming the same new function: the other commits it between our lookup and
    our insert; ours then uses that function (no IntegrityError at commit)."""
    real_lookup = services.find_function
    lookups = []

    def lookup(name):
        lookups.append(name)
        if len(lookups) > 1:
            return real_lookup(name)
        with db.engine.begin() as other_session:  # after our lookup found nothing
            other_session.execute(insert(BusinessFunction.__table__).values(
                name="Claims intake", name_key="claims intake", criticality="critical",
                criticality_reasons="Claims stop without it.", number=41))
        return None

    monkeypatch.setattr(services, "find_function", lookup)
    function = services.function_for_name(" Claims   Intake ")
    services.commit()
    assert (function.name, function.number, function.criticality) == (
        "Claims intake", 41, "critical")
    assert db.session.scalars(select(BusinessFunction.name)).all() == ["Claims intake"]
    monkeypatch.undo()
    assert services.function_for_name("Claims intake").id == function.id


def test_the_function_form_and_page_show_number_and_licensed_activity(client, users):
    client.login(users["product_owner"])
    response = client.post("/functions/new", PAYMENTS)
    assert response.status_code == 302
    function = db.session.scalar(select(BusinessFunction))
    assert function.licensed_activity == "eba_TA:x28"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"F{function.number}" in page and "Payment services" in page
    assert f"F{function.number}" in client.get("/functions/").get_data(as_text=True)
    bad = client.post(f"/functions/{function.id}/edit", {**PAYMENTS, "licensed_activity": "x"})
    assert "Choose a licensed activity from the EBA&#39;s list" in bad.get_data(as_text=True)
    client.post(f"/functions/{function.id}/edit", {**PAYMENTS, "licensed_activity": ""})
    event = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "function.update")).one()
    assert json.loads(event.changes) == [
        {"field": "licensed_activity", "old": "eba_TA:x28", "new": ""}]
    history = client.get(f"/functions/{function.id}").get_data(as_text=True)
    assert "Licensed activity" in history and "Payment services →" in history


def test_the_function_api_reads_number_and_writes_licensed_activity(api):
    created = api["product_owner"].post("/api/v1/functions", PAYMENTS)
    assert created.status_code == 201, created.json
    assert created.json["licensed_activity"] == "eba_TA:x28"
    assert isinstance(created.json["number"], int)
    kept = api["product_owner"].put(created.headers["Location"],
                                    {"criticality": "not_critical", "number": 99})
    assert kept.status_code == 422 and kept.json["errors"]["number"] == ["Unknown field."]
    cleared = api["product_owner"].put(created.headers["Location"],
                                       {"licensed_activity": None})
    assert cleared.json["licensed_activity"] == "" and cleared.json["number"] == (
        created.json["number"])
    bad = api["product_owner"].put(created.headers["Location"],
                                   {"licensed_activity": "Payment services"})
    assert bad.status_code == 422
    assert bad.json["errors"]["licensed_activity"][0].startswith(
        "Must be an EBA licensed-activity code such as eba_TA:x28")


# --- the migration ------------------------------------------------------------------------

def test_the_migration_numbers_existing_functions_and_keeps_the_data(tmp_path):
    from flask_migrate import upgrade

    from vendortrack import create_app

    from .conftest import app_config

    path = tmp_path / "before.sqlite3"
    app = create_app(app_config(f"sqlite:///{path}"))
    with app.app_context():
        upgrade(revision="0008_perf_indexes")
        db.engine.dispose()
    with sqlite3.connect(path) as conn:
        for fid, name in ((3, "Payments"), (7, "Claims")):
            conn.execute("INSERT INTO business_function (id, name, name_key, criticality, "
                         "criticality_reasons, created_at, updated_at) VALUES "
                         f"({fid}, '{name}', '{name.lower()}', 'critical', '', '2026-01-01', "
                         "'2026-01-01')")
        conn.execute("INSERT INTO vendor (id, name, name_key, contact, notes, legal_name, lei, "
                     "country, created_at) VALUES (1, 'Kept', 'kept', '', '', '', '', '', "
                     "'2026-01-01')")
    with app.app_context():
        upgrade()
        db.engine.dispose()
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT id, number, licensed_activity FROM business_function "
                            "ORDER BY id").fetchall() == [(3, 3, ""), (7, 7, "")]
        assert conn.execute("SELECT last FROM function_number").fetchall() == [(7,)]
        assert conn.execute("SELECT name, other_code, person_type FROM vendor").fetchall() == [
            ("Kept", "", None)]
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    with app.app_context():
        user = services.create_user(email="a@example.org", name="A", role="admin",
                                    password=None, actor=None)
        added = services.save_function(None, {**FUNCTION_VALUES, "name": "Support"}, user)
        assert added.number == 8
        db.session.remove()
        db.engine.dispose()


# --- demo data ----------------------------------------------------------------------------

@pytest.mark.parametrize("reference_date", [
    roi.default_reference_date(TODAY), TODAY, TODAY - timedelta(days=200)])
def test_demo_data_exports_without_rejections_and_with_some_gaps(app, reference_date):
    from vendortrack import demo
    from vendortrack.register.service import export

    app.config.update(ORGANISATION_LEI=with_check_digits("5299000J2N45DDNE4Y"),
                      ORGANISATION_COUNTRY="IE")
    demo.seed(300, TODAY, seed_value=5)
    name, content, checked = export(reference_date)  # the page's and the API's own path
    register, findings = checked.register, checked.findings
    rejections = [f.line for f in findings if f.rejection]
    assert rejections == []
    with zipfile.ZipFile(io.BytesIO(content)) as package:
        assert len(package.namelist()) == 9 and name.endswith(".zip")
    incomplete = {f.field for f in findings if not f.rejection}
    # Realistic gaps for the pre-flight check to name.
    assert {"last_audit_on", "governing_law_country", "termination_reason"} <= incomplete
    assert len(register.tables["B_02.01"]) > 100
    subsequent = [r for r in register.tables["B_02.01"] if r.cells["c0020"] == "eba_CO:x3"]
    assert subsequent and all(r.cells["c0030"].startswith("FA-") for r in subsequent)
    providers = {r.cells["c0020"] for r in register.tables["B_05.01"]}
    assert {codes.CODE_TYPE["lei"], codes.CODE_TYPE["vat"]} <= providers
    parents = {r.cells["c0110"] for r in register.tables["B_05.01"]} - {""}
    assert parents and parents <= {r.cells["c0010"] for r in register.tables["B_05.01"]}


def test_demo_seeded_twice_keeps_references_unique_and_one_framework_each(app):
    from vendortrack import demo

    demo.seed(30, TODAY, seed_value=1)
    demo.seed(30, TODAY, seed_value=2)
    references = db.session.scalars(select(Engagement.contract_reference)).all()
    assert len(references) == len(set(references)) == 60
    frameworks = db.session.scalars(select(Engagement.vendor_id).where(
        Engagement.arrangement_type == "overarching")).all()
    assert len(frameworks) == len(set(frameworks)) == len(demo.FRAMEWORK_VENDORS)
    numbers = db.session.scalars(select(BusinessFunction.number)).all()
    assert len(numbers) == len(set(numbers)) == len(demo.FUNCTIONS)

"""The Register of Information in the app (issue 14): who may open it, the organisation
setting, which engagements go in, pre-flight lines that link to real form fields, the zip
from the page and from the API, and the API's answers against its own OpenAPI document."""
from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import date, timedelta
from decimal import Decimal
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from sqlalchemy import event, select, update

from vendortrack import services
from vendortrack.domain import eba_codes as codes
from vendortrack.domain.register_of_information import (
    INCOMPLETE,
    REJECTION,
    TEMPLATES,
    EntityRef,
    Finding,
)
from vendortrack.extensions import db
from vendortrack.models import AuditEvent, BusinessFunction, Engagement, Vendor

ORGANISATION_LEI = "5299000J2N45DDNE4Y28"
VENDOR_LEI = "529900D6BF99LW9R2E68"
PARENT_LEI = "HWUPKR0MPOU8FGXBT394"
REFERENCE = "2025-12-31"  # the last 31 December before TODAY (2026-11-26): the default
PAGE = "/register-of-information"
PACKAGE_NAME = re.compile(
    rf"{ORGANISATION_LEI}\.IND_IE_DORA010100_DORA_{REFERENCE}_\d{{17}}\.zip")


# --- builders ---------------------------------------------------------------------------------

def set_columns(model, record_id: int, **values) -> None:
    """Write register fields straight to the row (the forms for them are another part)."""
    db.session.execute(update(model).where(model.id == record_id).values(**values))
    db.session.commit()


@pytest.fixture
def organisation(app):
    app.config.update(ORGANISATION_LEI=ORGANISATION_LEI, ORGANISATION_COUNTRY="IE")


@pytest.fixture
def register_entry(make_engagement):
    """``register_entry(**overrides)``: an engagement with every value the slice asks for,
    supporting a critical function, with a vendor identified by its LEI; overrides go to
    the engagement's columns."""
    counter = iter(range(1, 1000))

    def build(title="Payments platform", vendor="Northwind Cloud", function="Payments",
              **columns) -> Engagement:
        n = next(counter)
        engagement = make_engagement(
            title=title, contract_reference=f"C-2025-{n:03d}", vendor=vendor,
            business_function=function, status="active", currency="EUR",
            start_date=date(2025, 1, 1), end_date=None)
        set_columns(Engagement, engagement.id, **{
            "arrangement_type": "standalone", "ict_service_type": "cloud_saas",
            "annual_expense": Decimal("120000.00"), "notice_period_days_organisation": 90,
            "notice_period_days_provider": 180, "governing_law_country": "IE",
            "countries_service": ["IE"], "countries_data_storage": ["IE"],
            "countries_data_processing": ["IE"], "last_audit_on": date(2025, 6, 30),
            "substitutability": "medium", "exit_plan_documented": True,
            "reintegration": "difficult", "discontinuation_impact": "high",
            "exit_plan_alternatives": "yes", "exit_plan_alternative_providers": ["Stratus"],
            **columns})
        set_columns(Vendor, engagement.vendor_id, legal_name=f"{vendor} Ltd", lei=VENDOR_LEI,
                    person_type="legal_person", country="IE")
        set_columns(BusinessFunction, engagement.business_function_id,
                    criticality="critical", criticality_reasons="Payments stop without it.",
                    assessed_on=date(2025, 3, 1), rto_hours=4, rpo_hours=1, impact="high")
        db.session.expire_all()
        return db.session.get(Engagement, engagement.id)

    return build


def signed_in(make_client, user):
    client = make_client()
    client.login(user)
    return client


class Ids(HTMLParser):
    """The tag of every element with an id, and every link's href with its class."""

    def __init__(self, html: str):
        super().__init__()
        self.tags: dict[str, str] = {}
        self.links: list[tuple[str, str]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.tags[attrs["id"]] = tag
        if tag == "a" and attrs.get("href"):
            self.links.append((attrs.get("class") or "", attrs["href"]))


def read_zip(content: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def table(files: dict[str, bytes], template: str) -> list[dict[str, str]]:
    name = next(n for n in files if n.endswith(f"/reports/{template.lower()}.csv"))
    return list(csv.DictReader(io.StringIO(files[name].decode("utf-8"), newline="")))


# --- who may open it --------------------------------------------------------------------------

@pytest.mark.parametrize("role, status", [
    ("procurement", 200), ("admin", 200), ("product_owner", 403), ("leadership", 403)])
def test_page_export_and_api_for_procurement_and_admins_only(users, make_client, api, role,
                                                            status):
    client = signed_in(make_client, users[role])
    page = client.get(PAGE)
    assert page.status_code == status
    assert client.get(f"{PAGE}/export").status_code == status
    nav = client.get("/engagements").get_data(as_text=True)
    assert (f'href="{PAGE}"' in nav) is (status == 200)
    for url in ("/api/v1/register-of-information",
                "/api/v1/register-of-information/preflight"):
        answer = api[role].get(url)
        assert answer.status_code == status
        if status == 403:
            assert answer.json["error"]["detail"].startswith("Only procurement and admin")


def test_the_page_says_what_it_is_and_defaults_to_the_last_31_december(users, make_client):
    html = signed_in(make_client, users["procurement"]).get(PAGE).get_data(as_text=True)
    assert "exit slice" in html and "not a complete filing by itself" in html
    assert "for import into the firm's register tool" in html
    assert f'name="reference_date" type="date" value="{REFERENCE}"' in html


@pytest.mark.parametrize("typed, says", [
    ("2025-02-30", "is not a date"), ("31/12/2025", "is not a date"),
    ("20251231", "is not a date"), ("0001-12-31", "between 1900-01-01"),
    ("x" * 500, "is not a date")])
def test_a_bad_reference_date_gets_a_message_never_a_500(users, make_client, api, typed,
                                                         says):
    client = signed_in(make_client, users["procurement"])
    page = client.get(PAGE, query_string={"reference_date": typed})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert says in html and 'aria-invalid="true"' in html
    assert "Export the zip" not in html
    export = client.get(f"{PAGE}/export", query_string={"reference_date": typed})
    assert export.status_code == 302 and urlsplit(export.headers["Location"]).path == PAGE
    for url in ("/api/v1/register-of-information",
                "/api/v1/register-of-information/preflight"):
        answer = api["procurement"].get(url, query_string={"reference_date": typed})
        assert answer.status_code == 422
        assert says in answer.json["errors"]["reference_date"][0]


# --- the organisation -------------------------------------------------------------------------

def test_the_setting_is_the_default_and_the_admin_page_wins(app, users, make_client):
    app.config.update(ORGANISATION_LEI=" 5299 000j2n45ddne4y28 ", ORGANISATION_COUNTRY="ie")
    admin = signed_in(make_client, users["admin"])
    html = admin.get("/admin/organisation").get_data(as_text=True)
    assert f"<code>{ORGANISATION_LEI}</code>" in html  # normalised
    assert "<code>ORGANISATION_LEI</code> setting" in html
    assert "<code>ORGANISATION_BASE_CURRENCY</code> setting)" in html  # the default: EUR

    saved = admin.post("/admin/organisation", {
        "lei": VENDOR_LEI, "country": "DE", "consolidated": "consolidated",
        "base_currency": "usd"})
    assert saved.status_code == 302
    html = admin.get("/admin/organisation").get_data(as_text=True)
    assert "Saved the organisation settings." in html
    assert f"<code>{VENDOR_LEI}</code>" in html and f"by {users['admin'].name}" in html
    procurement = signed_in(make_client, users["procurement"])
    html = procurement.get(PAGE).get_data(as_text=True)
    assert f"LEI <code>{VENDOR_LEI}</code>" in html and "consolidated register" in html
    assert "amounts in USD" in html

    # Emptied on the page: the setting again.
    admin.post("/admin/organisation", {"lei": "", "country": "", "consolidated": "",
                                       "base_currency": ""})
    html = procurement.get(PAGE).get_data(as_text=True)
    assert f"LEI <code>{ORGANISATION_LEI}</code>" in html and "individual register" in html
    events = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "organisation.update")).all()
    assert len(events) == 2 and '"organisation.lei"' in events[0].changes
    history = admin.get("/admin/history").get_data(as_text=True)
    assert "changed the settings of" in history and "Organisation LEI" in history


@pytest.mark.parametrize("field, value, says", [
    ("lei", "5299000J2N45DDNE4Y29", "check digits"),
    ("lei", "5299000J2N45DDNE4Y", "20 characters"),
    ("country", "XX", "not a country code"),
    ("base_currency", "EURO", "three-letter ISO 4217 currency code"),
])
def test_the_organisation_form_refuses_what_is_not_valid(users, make_client, field, value,
                                                        says):
    admin = signed_in(make_client, users["admin"])
    answer = admin.post("/admin/organisation", {field: value})
    assert answer.status_code == 200
    html = answer.get_data(as_text=True)
    assert says in html
    if field != "country":  # what was typed stays in the field
        assert f'value="{value}"' in html
    assert db.session.scalar(select(AuditEvent).where(
        AuditEvent.action == "organisation.update")) is None


def test_without_an_lei_pre_flight_blames_the_organisation(users, make_client,
                                                          register_entry):
    register_entry()
    admin = signed_in(make_client, users["admin"])
    html = admin.get(PAGE).get_data(as_text=True)
    assert "The organisation</strong>: the organisation&#39;s LEI is not set" in html
    assert 'href="/admin/organisation#lei">Fix: Organisation LEI' in html
    assert "The organisation</strong>: the organisation&#39;s country is not set" in html
    assert 'href="/admin/organisation#country">Fix: Organisation country' in html
    form = _form_ids(admin, "/admin/organisation")
    assert (form["lei"], form["country"]) == ("input", "select")
    # Procurement cannot open the admin page: told who can, not sent to a 403.
    html = signed_in(make_client, users["procurement"]).get(PAGE).get_data(as_text=True)
    assert "/admin/organisation#lei" not in html
    assert "An administrator sets it on the Organisation page" in html
    assert "NO-LEI.IND_XX_DORA010100" in admin.get(f"{PAGE}/export").headers[
        "Content-Disposition"]


@pytest.mark.parametrize("setting, says", [
    ("EURO", "the organisation&#39;s base currency “EURO” is not an ISO 4217 code"),
    ("XYZ", "the organisation&#39;s base currency “XYZ” is not an ISO 4217 code")])
def test_a_bad_base_currency_is_a_finding_fixed_on_the_organisation_page(
        app, organisation, users, make_client, api, register_entry, setting, says):
    app.config["ORGANISATION_BASE_CURRENCY"] = setting
    register_entry()
    admin = signed_in(make_client, users["admin"])
    html = admin.get(PAGE).get_data(as_text=True)
    assert f"The organisation</strong>: {says}" in html
    assert 'href="/admin/organisation#base_currency">Fix: Base currency' in html
    assert _form_ids(admin, "/admin/organisation")["base_currency"] == "input"
    body = api["procurement"].get("/api/v1/register-of-information/preflight").json
    [finding] = body["findings"]
    assert (finding["severity"], finding["entity"]["kind"], finding["field"]) == (
        REJECTION, "organisation", "base_currency")
    assert finding["link"] == f"{app.config['BASE_URL']}/admin/organisation#base_currency"
    assert finding["remedy"].endswith("or in the ORGANISATION_BASE_CURRENCY setting.")


# --- which engagements go in ------------------------------------------------------------------

def test_which_engagements_go_in(app, organisation, register_entry):
    from vendortrack.register import source
    from vendortrack.register.organisation import current_organisation

    running = register_entry(title="Running")
    closed = register_entry(title="Closed in the year", status="closed",
                            end_date=date(2025, 9, 30), termination_reason="expired")
    ended_before = register_entry(title="Ended the year before", status="closed",
                                  end_date=date(2024, 12, 31), termination_reason="expired")
    draft = register_entry(title="Still a draft", status="draft")
    later = register_entry(title="Starts later", start_date=date(2026, 1, 1))
    first_day = register_entry(title="Ended on the year's first day",
                               end_date=date(2025, 1, 1), status="closed",
                               termination_reason="other")

    loaded = source.load(date(2025, 12, 31), current_organisation()[0])
    assert {a.title for a in loaded.arrangements} == {
        running.title, closed.title, first_day.title}
    assert {draft.id, ended_before.id, later.id}.isdisjoint(
        a.id for a in loaded.arrangements)

    from vendortrack.register.service import export

    _, content, checked = export(date(2025, 12, 31))
    rows = {row["c0010"]: row for row in table(read_zip(content), "B_02.02")}
    assert set(rows) == {running.contract_reference, closed.contract_reference,
                         first_day.contract_reference}
    assert rows[closed.contract_reference]["c0080"] == "2025-09-30"
    assert rows[closed.contract_reference]["c0090"] == codes.TERMINATION_REASON["expired"]
    assert rows[running.contract_reference]["c0080"] == "9999-12-31"
    assert rows[running.contract_reference]["c0090"] == ""
    assert checked.counts == {REJECTION: 0, INCOMPLETE: 0, "total": 0}


# The register covers what was in force at any time in the year ending on the reference date:
# (reference date, first day of that year), typed in by hand; 29 February's year starts on
# 1 March.
SCOPE_YEARS = [(date(2025, 12, 31), date(2025, 1, 1)), (date(2025, 3, 31), date(2024, 4, 1)),
               (date(2024, 2, 29), date(2023, 3, 1))]
DAY = timedelta(days=1)


def scope_cases(reference_date: date, first_day: date) -> list[tuple[str, str, date | None,
                                                                       date | None, bool]]:
    """(title, status, start, end, in the register) around the edges of the scope."""
    long_ago, later = first_day - 800 * DAY, reference_date + 400 * DAY
    return [
        ("no dates", "active", None, None, True),
        ("a draft in the year", "draft", first_day, None, False),
        ("starts on the reference date", "active", reference_date, None, True),
        ("starts the day after it", "active", reference_date + DAY, None, False),
        ("starts the day before it", "active", reference_date - DAY, later, True),
        ("starts after it, no end", "in_handover", later, None, False),
        ("ends on the year's first day", "active", long_ago, first_day, True),
        ("ends the day before the year", "active", long_ago, first_day - DAY, False),
        ("ends the day after the first", "in_handover", long_ago, first_day + DAY, True),
        ("ends on the reference date", "active", long_ago, reference_date, True),
        ("ends after it", "in_handover", long_ago, later, True),
        ("only an end date, before the year", "active", None, first_day - DAY, False),
        ("closed in the year", "closed", long_ago, first_day + 30 * DAY, True),
        ("closed on the year's first day", "closed", long_ago, first_day, True),
        ("closed before the year", "closed", long_ago, first_day - DAY, False),
        # A closed one without its end date cannot be placed: it goes in, and pre-flight
        # asks for the date.
        ("closed without an end date", "closed", long_ago, None, True),
        ("a draft closed in the year's days", "draft", long_ago, reference_date, False),
    ]


@pytest.mark.parametrize("reference_date, first_day", SCOPE_YEARS)
def test_the_scope_query_decides_at_every_edge(app, reference_date, first_day):
    """The database's selection alone (no filter after it), on SQLite and PostgreSQL."""
    from vendortrack.domain.register_of_information import Arrangement, Organisation, in_scope
    from vendortrack.register import source

    cases = scope_cases(reference_date, first_day)
    for n, (title, status, start, end, _) in enumerate(cases):
        db.session.add(Engagement(title=title, contract_reference=f"S-{n}", status=status,
                                  start_date=start, end_date=end))
    db.session.commit()

    loaded = source.load(reference_date, Organisation())
    chosen = {a.title for a in loaded.arrangements}
    expected = {title for title, *_, included in cases if included}
    assert sorted(chosen) == sorted(expected)
    assert len(loaded.arrangements) == len(chosen)  # each once
    # The domain's rule, which builds the rows from them, says the same of every one.
    assert [title for title, status, start, end, _ in cases if in_scope(
        Arrangement(0, title, status=status, start_date=start, end_date=end),
        reference_date)] == [title for title, *_, included in cases if included]


def test_an_arrangement_that_stores_no_data_says_so(app, organisation, register_entry):
    from vendortrack.register.service import check, export

    unknown = register_entry(title="Not recorded", countries_data_storage=[])
    none_kept = register_entry(title="Keeps nothing", countries_data_storage=[],
                               stores_data="no")
    kept = register_entry(title="Keeps data in Ireland", stores_data="yes")
    findings = check(date(2025, 12, 31)).findings
    assert {(f.entity.id, f.field) for f in findings} == {(unknown.id, "stores_data")}
    _, content, _ = export(date(2025, 12, 31))
    rows = {row["c0010"]: row for row in table(read_zip(content), "B_02.02")}
    assert (rows[none_kept.contract_reference]["c0140"],
            rows[none_kept.contract_reference]["c0150"]) == ("eba_BT:x29", "eba_GA:qx2007")
    assert (rows[kept.contract_reference]["c0140"],
            rows[kept.contract_reference]["c0150"]) == ("eba_BT:x28", "eba_GA:IE")
    assert rows[unknown.contract_reference]["c0140"] == ""


def test_a_closed_engagement_without_its_reason_is_reported(app, organisation,
                                                            register_entry):
    from vendortrack.register.service import check

    closed = register_entry(title="Closed", status="closed", end_date=date(2025, 9, 30))
    findings = check(date(2025, 12, 31)).findings
    assert [(f.category, f.entity, f.field, f.columns) for f in findings] == [
        (INCOMPLETE, EntityRef("engagement", closed.id, "Closed"), "termination_reason",
         ("B_02.02 c0090",))]


def test_ultimate_parents_come_along_and_queries_do_not_grow(app, organisation,
                                                             register_entry):
    from vendortrack.register import source
    from vendortrack.register.organisation import current_organisation

    first = register_entry(vendor="Northwind Cloud")
    parent = services.vendor_for_name("Northwind Holdings")
    services.commit()
    set_columns(Vendor, parent.id, legal_name="Northwind Holdings Inc.", lei=PARENT_LEI,
                person_type="legal_person", country="US")
    set_columns(Vendor, first.vendor_id, parent_code=PARENT_LEI, parent_code_type="lei")

    def queries_for_load() -> tuple[list, source.RegisterSource]:
        statements = []

        def count(*args):
            if args[2].lstrip().upper().startswith("SELECT"):  # not the BEGIN
                statements.append(args[2])

        event.listen(db.engine, "before_cursor_execute", count)
        try:
            loaded = source.load(date(2025, 12, 31), current_organisation()[0])
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        return statements, loaded

    few_statements, loaded = queries_for_load()
    few = len(few_statements)
    # The scope is read once: vendors and functions come with the engagements.
    assert sum("FROM engagement" in s for s in few_statements) == 1, few_statements
    assert {p.name for p in loaded.providers} == {"Northwind Cloud", "Northwind Holdings"}
    for n in range(12):
        register_entry(title=f"More {n}", vendor=f"Vendor {n % 4}", function=f"F {n % 3}")
    many_statements, loaded = queries_for_load()
    many = len(many_statements)
    assert len(loaded.arrangements) == 13
    assert many == few, (few_statements, many_statements)


# --- pre-flight lines link to the field that fixes them ---------------------------------------

def _form_ids(client, url: str) -> dict[str, str]:
    response = client.get(url)
    assert response.status_code == 200, url
    return Ids(response.get_data(as_text=True)).tags


def test_pre_flight_lines_link_to_real_form_fields(app, organisation, users, make_client,
                                                   register_entry):
    gaps = register_entry(title="Gaps", notice_period_days_provider=None,
                          countries_service=[], governing_law_country="",
                          ict_service_type=None)
    set_columns(Vendor, gaps.vendor_id, lei="529900D6BF99LW9R2E69", person_type=None)
    set_columns(BusinessFunction, gaps.business_function_id, rto_hours=None)
    admin = signed_in(make_client, users["admin"])
    html = admin.get(PAGE).get_data(as_text=True)
    links = [href for cls, href in Ids(html).links if "fix-link" in cls]
    assert len(links) == html.count('class="flag finding') >= 7
    missing = []
    for href in links:
        path, _, anchor = href.partition("#")
        tag = _form_ids(admin, path).get(anchor)
        if tag not in ("input", "select", "textarea"):
            missing.append(href)
    assert missing == []


def _finding(kind: str, record_id: int | None, field: str) -> Finding:
    return Finding(INCOMPLETE, EntityRef(kind, record_id, "x"), field, ("B_02.01 c0010",),
                   "", "")


def test_every_register_column_is_fixed_in_a_form_field(app, users, make_client,
                                                        register_entry):
    """Every field that fills a column of the slice, as the domain names it, has a field on
    the form the finding links to (the vendor's total expense: its engagements)."""
    from vendortrack.register.links import fix_for

    entry = register_entry()
    ids = {"engagement": entry.id, "vendor": entry.vendor_id,
           "function": entry.business_function_id, "organisation": None}
    sources = {column.source for template in TEMPLATES.values()
               for column in template.columns}
    sources |= {("engagement", "vendor"), ("engagement", "business_function")}
    admin = signed_in(make_client, users["admin"])
    missing = []
    with app.test_request_context():
        fixes = {(kind, field): fix_for(_finding(kind, ids[kind], field), users["admin"], {})
                 for kind, field in sources}
    for (kind, field), fix in sorted(fixes.items()):
        path, _, anchor = fix.url.partition("#")
        if (kind, field) == ("vendor", "annual_expense"):
            assert path == f"/engagements?vendor={entry.vendor_id}" and not anchor
            continue
        if _form_ids(admin, path).get(anchor) not in ("input", "select", "textarea"):
            missing.append(f"{kind}.{field} → {fix.url}")
    assert missing == []


def test_procurement_is_told_who_edits_an_engagement(app, organisation, users, make_client,
                                                     register_entry):
    register_entry(title="No type", arrangement_type=None)
    html = signed_in(make_client, users["procurement"]).get(PAGE).get_data(as_text=True)
    assert "Type of contractual arrangement is missing" in html
    assert "/edit#arrangement_type" not in html  # procurement may not edit engagements
    assert "Ask its internal owner (Anna Berg) or an administrator to change it." in html


def test_findings_are_paginated_and_counted_in_full(app, organisation, users, make_client,
                                                    register_entry):
    for n in range(3):
        register_entry(title=f"Untyped {n}", arrangement_type=None, last_audit_on=None)
    client = signed_in(make_client, users["procurement"])
    from vendortrack.register import views

    views.PER_PAGE, per_page = 4, views.PER_PAGE
    try:
        first = client.get(PAGE).get_data(as_text=True)
        second = client.get(PAGE, query_string={"page": "2"}).get_data(as_text=True)
        beyond = client.get(PAGE, query_string={"page": "99"})
    finally:
        views.PER_PAGE = per_page
    assert first.count('class="flag finding') == 4 and second.count('class="flag finding') == 2
    assert 'data-count="incomplete">6<' in first and "Showing 1–4 of 6" in first
    assert beyond.status_code == 200


# --- the zip ----------------------------------------------------------------------------------

def test_export_from_the_page_is_the_report_package(app, organisation, users, make_client,
                                                    register_entry):
    register_entry()
    register_entry(title="Open questions", last_audit_on=None)
    client = signed_in(make_client, users["procurement"])
    html = client.get(PAGE).get_data(as_text=True)
    assert "This package carries 1 problem" in html and "Export the zip (1 problem)" in html
    response = client.get(f"{PAGE}/export", query_string={"reference_date": REFERENCE})
    assert response.status_code == 200 and response.mimetype == "application/zip"
    name = re.search(r'filename="?([^";]+)', response.headers["Content-Disposition"])[1]
    assert PACKAGE_NAME.fullmatch(name)
    assert response.headers["X-Preflight-Rejection"] == "0"
    assert response.headers["X-Preflight-Incomplete"] == "1"
    files = read_zip(response.data)
    stem = name.removesuffix(".zip")
    assert set(files) == {f"{stem}/{path}" for path in (
        "META-INF/reportPackage.json", "reports/report.json", "reports/parameters.csv",
        "reports/FilingIndicators.csv", "reports/b_02.01.csv", "reports/b_02.02.csv",
        "reports/b_05.01.csv", "reports/b_06.01.csv", "reports/b_07.01.csv")}
    for template in TEMPLATES.values():
        content = files[f"{stem}/reports/{template.file_name}"].decode("utf-8")
        assert content.split("\r\n")[0] == ",".join(template.header)
    assert table(files, "B_07.01")[0]["c0020"] == VENDOR_LEI
    assert table(files, "B_07.01")[0]["c0040"] == codes.ICT_SERVICE_TYPE["cloud_saas"]
    assert table(files, "B_06.01")[0]["c0040"] == ORGANISATION_LEI
    assert f"refPeriod,{REFERENCE}" in files[f"{stem}/reports/parameters.csv"].decode()


# --- the API ----------------------------------------------------------------------------------

def _validate(document: dict, schema_name: str, instance) -> None:
    from openapi_schema_validator import OAS30Validator, validate

    schema = {**document["components"]["schemas"][schema_name],
              "components": document["components"]}
    validate(instance, schema, cls=OAS30Validator)


def test_api_preflight_and_zip_follow_the_openapi_document(app, organisation, api,
                                                           register_entry):
    from vendortrack.api.openapi import document

    entry = register_entry()
    register_entry(title="Subsequent", arrangement_type="subsequent",
                   overarching_reference="NOPE-1")
    set_columns(Vendor, entry.vendor_id, person_type=None)
    answer = api["procurement"].get("/api/v1/register-of-information/preflight",
                                    query_string={"reference_date": REFERENCE})
    assert answer.status_code == 200
    body = answer.json
    _validate(document(), "RegisterPreflight", body)
    assert body["counts"] == {REJECTION: 1, INCOMPLETE: 1, "total": 2}
    assert body["rows"]["B_02.01"] == 2
    rejection, incomplete = body["findings"]
    assert rejection["severity"] == REJECTION
    assert rejection["entity"]["name"] == "Subsequent"
    assert (rejection["template"], rejection["column"]) == ("B_02.01", "c0030")
    assert rejection["column_name"] == "Overarching contractual arrangement reference number"
    assert "NOPE-1" in rejection["message"]
    line = incomplete.pop("line")
    assert incomplete == {
        "severity": INCOMPLETE,
        "entity": {"kind": "vendor", "id": entry.vendor_id, "name": "Northwind Cloud"},
        "field": "person_type", "template": "B_05.01", "column": "c0070",
        "column_name": "Type of person of the ICT third-party service provider",
        "columns": [{"template": "B_05.01", "column": "c0070",
                     "name": "Type of person of the ICT third-party service provider"}],
        "message": "Type of person of the ICT third-party service provider is missing",
        "remedy": "Choose whether the vendor is a company or an individual.",
        "link": f"{app.config['BASE_URL']}/vendors/{entry.vendor_id}/edit#person_type",
    }
    # The line says the same in one sentence: who, what, where and what to do.
    assert line == (f"Vendor “Northwind Cloud”: {incomplete['message']} (B_05.01 c0070). "
                    f"{incomplete['remedy']}")
    assert rejection["line"].startswith(f"Engagement “Subsequent”: {rejection['message']}")

    package = api["admin"].get("/api/v1/register-of-information")  # the default date
    assert package.status_code == 200 and package.mimetype == "application/zip"
    name = re.search(r'filename="?([^";]+)', package.headers["Content-Disposition"])[1]
    assert PACKAGE_NAME.fullmatch(name)
    assert (package.headers["X-Preflight-Rejection"],
            package.headers["X-Preflight-Incomplete"]) == ("1", "1")
    assert len(table(read_zip(package.data), "B_02.01")) == 2


def test_organisation_settings_come_from_the_environment(monkeypatch, tmp_path):
    from vendortrack.config import from_environment

    monkeypatch.setenv("ORGANISATION_LEI", f" {ORGANISATION_LEI} ")
    monkeypatch.setenv("ORGANISATION_COUNTRY", "IE")
    monkeypatch.setenv("ORGANISATION_CONSOLIDATED", "yes")
    monkeypatch.setenv("ORGANISATION_BASE_CURRENCY", "")
    settings = from_environment(str(tmp_path))
    assert settings["ORGANISATION_LEI"] == ORGANISATION_LEI
    assert settings["ORGANISATION_COUNTRY"] == "IE"
    assert settings["ORGANISATION_CONSOLIDATED"] is True
    assert "ORGANISATION_BASE_CURRENCY" not in settings  # empty: the default (EUR)

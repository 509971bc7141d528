"""The engagement register as CSV: one row per engagement, Excel-safe, streamed."""
from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import event

from vendortrack import services
from vendortrack.annex import service
from vendortrack.annex.register import COLUMNS
from vendortrack.domain import spec as specs
from vendortrack.extensions import db

from .conftest import TODAY, complete_spec


def read_csv(response) -> list[dict]:
    raw = response.data
    assert raw.startswith("\ufeff".encode())  # UTF-8 BOM: Excel opens it as UTF-8
    text = raw.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == list(COLUMNS)
    return [dict(zip(COLUMNS, row, strict=True)) for row in rows[1:]]


@pytest.fixture
def export(make_client, users):
    def get(role="procurement", query=""):
        client = make_client()
        client.login(users[role])
        return client.get(f"/engagements/register.csv{query}")

    return get


def test_register_has_one_row_per_engagement_with_risk_and_latest_annex(
        app, export, make_engagement, users):
    safe = make_engagement(title="Automate support triage", contract_value=Decimal("1250.50"))
    trapped = make_engagement(title="Data platform", internal_owner=None,
                              contract_reference="C-2026-002", vendor="Contoso")
    service.issue_annex(safe, users["procurement"])
    services.update_engagement(safe, complete_spec(  # new terms, so that v2 may be issued
        title="Automate support triage", contract_value=Decimal("1250.50"),
        constraints=("Customer data stays in the EU.", "Weekly status report.")),
        users["product_owner"], expected_version=safe.version)
    service.issue_annex(safe, users["procurement"])
    response = export()
    assert response.status_code == 200
    assert response.mimetype == "text/csv" and response.mimetype_params["charset"] == "utf-8"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = {r["Title"]: r for r in read_csv(response)}
    assert set(rows) == {"Automate support triage", "Data platform"}
    first = rows["Automate support triage"]
    assert {k: first[k] for k in COLUMNS[:13]} == {
        "Contract reference": "C-2026-001", "Title": "Automate support triage",
        "Vendor": "Northwind Analytics", "Internal owner": "Anna Berg",
        "Owner e-mail": "anna.berg@example.org", "Status": "Active",
        "Start date": (TODAY - timedelta(days=60)).isoformat(),
        "End date": (TODAY + timedelta(days=200)).isoformat(),
        "Handover date": (TODAY + timedelta(days=150)).isoformat(),
        "Contract value": "1250.50", "Currency": "EUR", "Risk level": "No risk",
        "Latest annex version": "2",
    }
    assert rows["Data platform"]["Risk level"] == "High"
    assert rows["Data platform"]["Latest annex version"] == ""
    assert rows["Data platform"]["Internal owner"] == ""
    assert trapped.id


def test_register_has_the_exit_columns(app, export, make_engagement, users):
    from vendortrack import services

    engagement = make_engagement(title="Card gateway")
    function = services.save_function(None, {
        "name": "Payments", "criticality": "critical", "criticality_reasons": "",
        "assessed_on": TODAY, "rto_hours": 4, "rpo_hours": 1, "impact": "high"}, users["admin"])
    vendor = engagement.vendor
    vendor.legal_name, vendor.lei, vendor.country = (
        "Northwind Analytics Ltd", "529900D6BF99LW9R2E68", "IE")
    engagement.business_function_id = function.id
    engagement.notice_period_days_organisation, engagement.notice_period_days_provider = 90, 180
    engagement.transition_period_days = 120
    engagement.countries_service, engagement.countries_data_storage = ["IE", "DE"], ["IE"]
    engagement.annual_expense = Decimal("120000.00")
    engagement.exit_plan_documented = True
    engagement.exit_plan_last_tested_on = TODAY - timedelta(days=30)
    engagement.exit_plan_last_test_result = "partly_passed"
    engagement.exit_plan_alternatives, engagement.substitutability = "yes", "medium"
    engagement.reintegration, engagement.reintegration_suggested = "easy", "difficult"
    db.session.commit()
    [row] = read_csv(export())
    assert {k: row[k] for k in COLUMNS[13:]} == {
        "Provider legal name": "Northwind Analytics Ltd",
        "Provider LEI": "529900D6BF99LW9R2E68", "Provider head-office country": "IE",
        "Business function": "Payments", "Criticality": "Critical or important",
        "Notice period, organisation (days)": "90", "Notice period, provider (days)": "180",
        "Transition period (days)": "120", "Service countries": "IE DE",
        "Data storage countries": "IE", "Data processing countries": "",
        "Annual expense": "120000.00", "Exit plan documented": "yes",
        "Exit plan last tested": (TODAY - timedelta(days=30)).isoformat(),
        "Exit plan test result": "Partly passed", "Exit plan next review": "",
        "Alternatives identified": "Alternatives identified",
        "Substitutability": "Medium complexity", "Reintegration (assessed)": "Easy",
        "Reintegration (suggested)": "Difficult",
    }


def test_register_neutralises_formulas(app, export, make_engagement):
    make_engagement(title='=HYPERLINK("http://evil.example","click")', vendor="@SUM(A1:A9)",
                    contract_reference="+1-555", internal_owner=specs.Person("-2+3", ""))
    [row] = read_csv(export())
    assert row["Title"] == "'=HYPERLINK(\"http://evil.example\",\"click\")"
    assert row["Vendor"] == "'@SUM(A1:A9)"
    assert row["Contract reference"] == "'+1-555"
    assert row["Internal owner"] == "'-2+3"
    for value in row.values():
        assert not value.startswith(("=", "+", "-", "@"))


def test_register_keeps_unicode_intact(app, export, make_engagement):
    make_engagement(title="Überweisung · 知识转移 · שלום")
    [row] = read_csv(export())
    assert row["Title"] == "Überweisung · 知识转移 · שלום"


@pytest.mark.parametrize("role, status", [
    ("procurement", 200), ("admin", 200), ("leadership", 200), ("product_owner", 403)])
def test_who_may_export_the_register(app, export, role, status):
    assert export(role).status_code == status


def test_register_follows_the_list_filters(app, export, make_engagement):
    make_engagement(title="Open one")
    make_engagement(title="Closed one", status="closed")
    assert [r["Title"] for r in read_csv(export(query="?status=closed"))] == ["Closed one"]
    assert len(read_csv(export(query="?status=bogus"))) == 2


def test_register_query_count_does_not_grow_with_engagements(app, make_client, users,
                                                             make_engagement):
    client = make_client()
    client.login(users["procurement"])

    def export_counting_statements() -> tuple[int, int]:
        seen = []
        listener = lambda *args: seen.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            rows = read_csv(client.get("/engagements/register.csv"))
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return len(rows), len(seen)

    make_engagement()
    few = export_counting_statements()
    for i in range(12):
        make_engagement(title=f"More {i}")
    many = export_counting_statements()
    assert few[0] == 1 and many[0] == 13
    assert many[1] == few[1]


def test_list_page_links_to_the_export_for_the_roles_that_may(app, make_client, users):
    for role, shown in (("procurement", True), ("product_owner", False)):
        client = make_client()
        client.login(users[role])
        page = client.get("/engagements?status=active").get_data(as_text=True)
        assert ("/engagements/register.csv?status=active" in page) is shown

"""Importing the exit-readiness sections (business function, contract terms, exit plan): each
kind read from its cells, bad cells named by row and column, absent columns kept, the XLSX
round trip and the API (SQLite and PostgreSQL)."""
from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from vendortrack import services
from vendortrack.extensions import db
from vendortrack.imports import service
from vendortrack.imports.columns import ORDER, label
from vendortrack.imports.reading import Refused
from vendortrack.models import BusinessFunction, Engagement
from vendortrack.tokens import create_token

from .import_files import HEADERS, csv_bytes, row, xlsx_bytes

EXIT_HEADERS = [
    "Business function", "Type of arrangement", "Type of ICT service", "Governing law",
    "Notice we must give (days)", "Notice the vendor must give (days)",
    "Transition period (days)", "Where the service is provided", "Where data is stored",
    "Stores our data", "Annual expense", "An exit plan is documented", "Scenarios it covers",
    "Last tested on", "Result of the last test", "Next review on",
    "Alternative providers identified", "Alternative providers", "Substitutability",
    "Why it is hard to substitute", "Reintegration in-house", "Impact of stopping the service",
]
EXIT_CELLS = [
    "Customer payments", "standalone", "ICT project management", "ie", "90", "180", "120",
    "IE, DE", "Ireland", "Yes", "€40,000", "yes", "Termination of the contract; disruption",
    "2026-03-01", "Passed", "2027-03-01", "Alternatives identified", "Contoso, Inc.; Fabrikam",
    "Highly complex to substitute", "", "difficult", "High",
]
EXIT_PLAN = {
    "documented": True, "summary": "", "scenarios": ("termination", "disruption"),
    "last_tested_on": date(2026, 3, 1), "last_test_result": "passed",
    "next_review_on": date(2027, 3, 1), "alternatives": "yes",
    "alternative_providers": ("Contoso, Inc.", "Fabrikam"),
}


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def spec_of(reference: str):
    engagement = db.session.scalar(select(Engagement).where(
        Engagement.contract_reference == reference))
    return services.engagement_spec(engagement)


@pytest.fixture(autouse=True)
def upload_folder(app, tmp_path):
    app.config["IMPORT_FOLDER"] = str(tmp_path / "imports")


def imported(data: bytes, user, name: str = "register.csv"):
    return service.confirm(data, name, user, mapping=None, orders=None, skip_problems=False)


def test_every_exit_readiness_kind_is_imported(app, users):
    data = csv_bytes([row("C-1") + EXIT_CELLS], HEADERS + EXIT_HEADERS)
    result = imported(data, users["procurement"])
    assert result.counts["create"] == 1
    spec = spec_of("C-1")
    assert spec.business_function == "Customer payments"
    assert spec.arrangement_type == "standalone"
    assert spec.ict_service_type is not None
    assert spec.governing_law_country == "IE"
    assert spec.notice_period_days == {"organisation": 90, "provider": 180}
    assert spec.transition_period_days == 120
    assert spec.countries == {"service": ("IE", "DE"), "data_storage": ("IE",),
                              "data_processing": ()}
    assert spec.stores_data == "yes"
    assert spec.annual_expense == Decimal("40000")
    assert spec.exit_plan == EXIT_PLAN
    assert spec.substitutability == "highly_complex"
    assert spec.non_substitutability_reason is None
    assert spec.reintegration == "difficult"
    assert spec.discontinuation_impact == "high"


def test_a_business_function_is_created_on_first_use_and_then_found_by_name(app, users,
                                                                           make_engagement):
    make_engagement(contract_reference="C-0", business_function="Claims")
    headers = [*HEADERS, "Business function"]
    _, plan = service.preview(csv_bytes([row("C-1") + ["Customer payments"],
                                         row("C-2") + ["claims"]], headers), "register.csv")
    assert ("New business function “Customer payments” will be created (its criticality not "
            "yet assessed).") in plan.rows[0].notes
    assert not any("function" in n for n in plan.rows[1].notes)
    assert plan.new_functions == ["Customer payments"]
    imported(csv_bytes([row("C-1") + ["Customer payments"],
                        row("C-2") + ["customer  PAYMENTS"]], headers), users["procurement"])
    assert count(BusinessFunction) == 2
    imported(csv_bytes([row("C-3") + ["Customer Payments"]], headers), users["admin"])
    assert count(BusinessFunction) == 2
    assert {spec_of(r).business_function for r in ("C-1", "C-2", "C-3")} == {
        "Customer payments"}


@pytest.mark.parametrize("header, cell, message", [
    ("Notice we must give (days)", "ninety",
     "row 3, Notice we must give (days): ninety is not a whole number of days from 0 to 3,650"),
    ("Transition period (days)", "4000",
     "row 3, Transition period (days): 4000 is not a whole number of days from 0 to 3,650"),
    ("Governing law", "Atlantis",
     "row 3, Governing law: “Atlantis” is not a country: use the two-letter ISO 3166-1 code "
     "or the country's name, such as IE, DE or US"),
    ("Where data is stored", "IE; QQ", "row 3, Where data is stored: “QQ” is not a country"),
    ("Substitutability", "sort of",
     "row 3, Substitutability: sort of is not one of: Not substitutable, Highly complex to "
     "substitute, Medium complexity, Easy to substitute"),
    ("Scenarios it covers", "termination; meteor",
     "row 3, Scenarios it covers: meteor is not one of: Termination of the contract"),
    ("An exit plan is documented", "perhaps",
     "row 3, An exit plan is documented: perhaps is neither yes nor no"),
    ("Last tested on", "31/02/2026", "row 3, Last tested on: 31/02/2026 is not a date"),
    ("Last tested on", "2099-01-01",
     "row 3, Last tested on: The last test cannot be in the future."),
    ("Annual expense", "lots", "row 3, Annual expense: lots is not an amount"),
    ("Overarching agreement's contract reference", "FW-1",
     "row 3, Overarching agreement's contract reference: Only an agreement made under a "
     "framework agreement names one"),
])
def test_bad_cells_are_named_by_row_and_column_and_nothing_is_imported(app, users, header,
                                                                       cell, message):
    data = csv_bytes([row("C-1"), row("C-2", title="Second") + [cell]], [*HEADERS, header])
    _, plan = service.preview(data, "register.csv")
    problems = [p for r in plan.rows for p in r.problems]
    assert len(problems) == 1 and problems[0].startswith(message), problems
    with pytest.raises(Refused):
        imported(data, users["procurement"])
    assert count(Engagement) == 0


def test_rules_between_fields_are_checked_as_the_form_does(app, users):
    reason = "Hard to migrate or bring back in-house"
    data = csv_bytes([row("C-1") + ["Easy to substitute", reason]],
                     [*HEADERS, "Substitutability", "Why it is hard to substitute"])
    _, plan = service.preview(data, "register.csv")
    assert plan.rows[0].problems == [
        "row 2, Why it is hard to substitute: An easily substitutable vendor needs no reason: "
        "clear it, or change the substitutability."]


def test_a_spreadsheet_without_the_new_columns_imports_as_before(app, users, make_engagement):
    kept = make_engagement(contract_reference="C-1", business_function="Customer payments",
                           substitutability="medium", transition_period_days=60,
                           exit_plan={**EXIT_PLAN, "summary": "Plan B"},
                           countries={"service": ("IE",), "data_storage": (),
                                      "data_processing": ("DE",)})
    before = services.engagement_spec(kept)
    data = csv_bytes([row("C-1", title="Renamed"), row("C-2")])
    result = imported(data, users["procurement"])
    assert result.counts == {"create": 1, "update": 1, "unchanged": 0, "problem": 0}
    changed = {c["field"] for c in result.rows[0].changes}
    assert "title" in changed and not changed & {
        "business_function", "substitutability", "transition_period_days", "exit_plan",
        "countries", "notice_period_days"}
    after = spec_of("C-1")
    for name in ("business_function", "substitutability", "transition_period_days",
                 "exit_plan", "countries"):
        assert getattr(after, name) == getattr(before, name), name
    created = spec_of("C-2")
    assert (created.business_function, created.exit_plan, created.countries,
            created.substitutability, created.notice_period_days) == ("", None, None, None,
                                                                      None)


def test_a_present_empty_cell_clears_and_an_absent_part_keeps(app, users, make_engagement):
    make_engagement(contract_reference="C-1", business_function="Customer payments",
                    substitutability="medium", exit_plan={**EXIT_PLAN, "summary": "Plan B"},
                    notice_period_days={"organisation": 30, "provider": 60})
    headers = [*HEADERS, "Business function", "Substitutability", "Exit plan in summary",
               "Notice the vendor must give (days)"]
    imported(csv_bytes([row("C-1") + ["", "", "", ""]], headers), users["procurement"])
    after = spec_of("C-1")
    assert (after.business_function, after.substitutability) == ("", None)
    assert after.exit_plan == {**EXIT_PLAN, "summary": ""}  # the other parts kept
    assert after.notice_period_days == {"organisation": 30, "provider": None}


def test_export_with_exit_values_imports_unchanged(app, client, users, make_engagement):
    make_engagement(contract_reference="C-1", business_function="Customer payments",
                    arrangement_type="standalone", governing_law_country="IE",
                    notice_period_days={"organisation": 90, "provider": 180},
                    transition_period_days=120, stores_data="yes",
                    countries={"service": ("IE", "DE"), "data_storage": ("IE",),
                               "data_processing": ()},
                    annual_expense=Decimal("40000.50"), exit_plan=EXIT_PLAN,
                    substitutability="highly_complex",
                    non_substitutability_reason="both", reintegration="difficult",
                    discontinuation_impact="high", last_audit_on=date(2026, 1, 15))
    make_engagement(contract_reference="C-2")
    client.login(users["procurement"])
    exported = client.get("/engagements/register.xlsx")
    main = load_workbook(io.BytesIO(exported.data))["Engagements"]
    headers = [c.value for c in main[1]]
    assert headers[:len(ORDER)] == [label(f) for f in ORDER]
    cells = dict(zip(headers, [c.value for c in main[2]], strict=True))
    assert cells["Scenarios it covers"] == "Termination of the contract; Business disruption"
    assert cells["Substitutability"] == "Highly complex to substitute"
    assert cells["An exit plan is documented"] == "Yes"
    _, plan = service.preview(exported.data, "export.xlsx")
    assert plan.counts == {"create": 0, "update": 0, "unchanged": 2, "problem": 0}, [
        (r.problems, r.changes) for r in plan.rows]


def test_the_template_carries_the_new_columns_and_imports_them(app, client, users):
    client.login(users["procurement"])
    template = client.get("/import/template.xlsx").data
    main = load_workbook(io.BytesIO(template))["Engagements"]
    headers = [c.value for c in main[1]]
    assert headers == [label(f) for f in ORDER]
    for header in ("Business function", "Substitutability", "Notice we must give (days)",
                   "Scenarios it covers", "Governing law"):
        assert header in headers
    lists = {v.formula1 for v in main.data_validations.dataValidation}
    assert '"Easy,Difficult,Highly complex"' in lists
    imported(template, users["procurement"], "template.xlsx")
    spec = spec_of("C-2027-001")
    assert spec.business_function == "Customer support"
    assert spec.exit_plan["scenarios"] == ("termination", "provider_failure")
    assert (spec.substitutability, spec.reintegration) == ("medium", "difficult")
    assert spec.notice_period_days == {"organisation": 90, "provider": 180}


def test_the_xlsx_import_reads_number_and_date_cells(app, users):
    data = xlsx_bytes([row("C-1") + [90, date(2026, 3, 1), True]],
                      [*HEADERS, "Transition period (days)", "Last tested on",
                       "An exit plan is documented"])
    imported(data, users["procurement"], "register.xlsx")
    spec = spec_of("C-1")
    assert spec.transition_period_days == 90
    assert spec.exit_plan["last_tested_on"] == date(2026, 3, 1)
    assert spec.exit_plan["documented"] is True


def api_post(app, user, data: bytes, query: str):
    headers = {"Authorization": f"Bearer {create_token(user, 'import')}"}
    return app.test_client().post(f"/api/v1/imports{query}", headers=headers,
                                  data={"file": (io.BytesIO(data), "r.csv")},
                                  content_type="multipart/form-data")


def test_the_api_imports_the_exit_columns(app, users):
    bad = csv_bytes([row("C-1") + EXIT_CELLS,
                     row("C-2") + replace_cell(EXIT_CELLS, 4, "soon")], HEADERS + EXIT_HEADERS)
    preview = api_post(app, users["procurement"], bad, "?dry_run=true")
    assert preview.status_code == 200
    body = preview.get_json()
    assert body["new_functions"] == ["Customer payments"]
    assert body["counts"]["problem"] == 1
    assert body["rows"][1]["problems"] == [
        "row 3, Notice we must give (days): soon is not a whole number of days from 0 to 3,650"]
    assert {m["field"] for m in body["mapping"]} >= {"business_function",
                                                      "exit_plan.scenarios"}
    refused = api_post(app, users["procurement"], bad, "?dry_run=false")
    assert refused.status_code == 422 and count(Engagement) == 0
    good = csv_bytes([row("C-1") + EXIT_CELLS], HEADERS + EXIT_HEADERS)
    done = api_post(app, users["procurement"], good, "?dry_run=false")
    assert done.status_code == 201
    assert spec_of("C-1").exit_plan == EXIT_PLAN


def replace_cell(cells: list, at: int, value) -> list:
    return [value if i == at else c for i, c in enumerate(cells)]



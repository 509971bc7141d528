"""The "Done when" of issue 14, in a browser: an administrator sets the organisation's LEI;
procurement opens the Register of Information, sees the pre-flight list, fixes two problems
through the links (each opens the form with the cursor in the field), exports the zip, and the
CSVs read back with the exact headers and EBA codes of the reference."""
from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import date
from decimal import Decimal

import pytest

pytestmark = pytest.mark.e2e

expect = pytest.importorskip("playwright.sync_api").expect

ORGANISATION_LEI = "5299000J2N45DDNE4Y28"
BAD_LEI = "529900KESTRELREG0199"  # the check digits do not match
REFERENCE = "2025-12-31"  # the last 31 December before the e2e server's today
FUNCTION = "Register payments"


def _seed(server) -> dict:
    """Two engagements supporting a critical function, one vendor with a mistyped LEI and
    one with no identification code at all: two rejection-class problems."""
    from sqlalchemy import update

    from vendortrack import services
    from vendortrack.extensions import db
    from vendortrack.models import BusinessFunction, Vendor

    terms = {
        "status": "active", "start_date": date(2025, 1, 1), "end_date": None,
        "currency": "EUR", "business_function": FUNCTION, "arrangement_type": "standalone",
        "governing_law_country": "IE", "last_audit_on": date(2025, 6, 30),
        "notice_period_days": {"organisation": 90, "provider": 180},
        "countries": {"service": ("IE",), "data_storage": ("IE",),
                      "data_processing": ("IE", "DE")},
        "annual_expense": Decimal("120000"), "substitutability": "highly_complex",
        "non_substitutability_reason": "both", "reintegration": "difficult",
        "discontinuation_impact": "high",
        "exit_plan": {"documented": True, "summary": "Run both in parallel, then switch.",
                      "scenarios": ("termination",), "last_tested_on": None,
                      "last_test_result": None, "next_review_on": None,
                      "alternatives": "yes", "alternative_providers": ("Stratus Cloud",)},
    }
    ids = {
        "kestrel": server.create_engagement(
            title="Card ledger SaaS", vendor="Kestrel Registry Consulting",
            contract_reference="RI-2025-001", ict_service_type="cloud_saas", **terms),
        "osprey": server.create_engagement(
            title="Card ledger hosting", vendor="Osprey Hosting",
            contract_reference="RI-2025-002", ict_service_type="hosting", **terms),
    }
    with server.app.app_context():
        kestrel = services.find_vendor("Kestrel Registry Consulting")
        osprey = services.find_vendor("Osprey Hosting")
        function = services.find_function(FUNCTION)
        # A mistyped LEI from before the form checked it; the other vendor has no code.
        db.session.execute(update(Vendor).where(Vendor.id == kestrel.id).values(
            legal_name="Kestrel Registry Consulting GmbH", lei=BAD_LEI,
            person_type="legal_person", country="DE"))
        db.session.execute(update(Vendor).where(Vendor.id == osprey.id).values(
            legal_name="Osprey Hosting Ltd", person_type="legal_person", country="IE"))
        db.session.execute(update(BusinessFunction).where(BusinessFunction.id == function.id)
                           .values(criticality="critical", assessed_on=date(2025, 3, 1),
                                   criticality_reasons="Card payments stop without it.",
                                   rto_hours=4, rpo_hours=1, impact="high"))
        db.session.commit()
        ids.update(kestrel_vendor=kestrel.id, osprey_vendor=osprey.id,
                   function=f"F{function.number}")
    return ids


def _rows(files: dict[str, bytes], template: str) -> tuple[list[str], list[dict]]:
    text = next(content for name, content in files.items()
                if name.endswith(f"/reports/{template.lower()}.csv")).decode("utf-8")
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader)
    return header, [dict(zip(header, row, strict=True)) for row in reader]


def _finding(page, vendor: str):
    return page.locator("li.finding", has_text=f"Vendor “{vendor}”")


def test_procurement_fixes_two_problems_and_exports_the_register(open_page, server,
                                                                 screenshot, tmp_path):
    server.skip_unless("register", "the register of information page")
    from vendortrack.domain.identity import with_check_digits
    from vendortrack.domain.register_of_information import TEMPLATES

    ids = _seed(server)

    admin = open_page("admin")
    admin.goto("/admin/organisation")
    admin.get_by_label("LEI").fill(ORGANISATION_LEI.lower())
    admin.get_by_label("Country").select_option("IE")
    admin.get_by_role("button", name="Save organisation").click()
    expect(admin.get_by_text("Saved the organisation settings.")).to_be_visible()
    expect(admin.locator("#in-use-lei")).to_contain_text(ORGANISATION_LEI)
    expect(admin.locator("#in-use-lei")).to_contain_text("saved on this page by Ada Admin")
    screenshot(admin, "0-organisation")

    page = open_page("procurement")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Register").click()
    expect(page.get_by_role("heading", name="Register of Information", level=1)).to_be_visible()
    expect(page.locator("#what-this-is")).to_contain_text("not a complete filing by itself")
    expect(page.get_by_label("Reference date", exact=True)).to_have_value(REFERENCE)
    rejected_before = int(page.locator("[data-count=rejection]").inner_text().replace(",", ""))
    assert rejected_before >= 2
    kestrel = _finding(page, "Kestrel Registry Consulting")
    expect(kestrel).to_contain_text(f"the LEI “{BAD_LEI}” is not valid")
    expect(kestrel).to_contain_text("B_05.01 c0010")
    osprey = _finding(page, "Osprey Hosting")
    expect(osprey.first).to_contain_text("is empty")
    screenshot(page, "1-pre-flight")

    # First fix: the mistyped LEI, straight into the vendor's LEI field.
    kestrel.first.get_by_role("link", name="Fix: LEI").click()
    expect(page).to_have_url(re.compile(rf"/vendors/{ids['kestrel_vendor']}/edit#lei$"))
    expect(page.locator("#lei")).to_be_focused()
    expect(page.locator("#lei")).to_have_value(BAD_LEI)
    screenshot(page, "2-vendor-lei-in-focus")
    kestrel_lei = with_check_digits("529900KESTRELREG01")
    page.locator("#lei").fill(kestrel_lei)
    page.get_by_role("button", name="Save vendor").click()
    expect(page.get_by_text("Saved vendor Kestrel Registry Consulting.")).to_be_visible()

    # Second fix: the vendor with no identification code at all.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Register").click()
    expect(_finding(page, "Kestrel Registry Consulting")).to_have_count(0)
    _finding(page, "Osprey Hosting").first.get_by_role("link", name="Fix: LEI").click()
    expect(page.locator("#lei")).to_be_focused()
    osprey_lei = with_check_digits("529900OSPREYHOST07")
    page.keyboard.type(osprey_lei)  # the cursor is already there
    page.get_by_role("button", name="Save vendor").click()
    expect(page.get_by_text("Saved vendor Osprey Hosting.")).to_be_visible()

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Register").click()
    expect(_finding(page, "Osprey Hosting")).to_have_count(0)
    rejected_after = int(page.locator("[data-count=rejection]").inner_text().replace(",", ""))
    assert rejected_after == rejected_before - 2
    carried = page.locator("[data-carries]")
    expect(carried).to_contain_text(re.compile(r"no problem|carries [\d,]+ problem"))
    screenshot(page, "3-after-the-fixes")

    with page.expect_download() as waiting:
        page.get_by_role("link", name=re.compile("^Export the zip")).click()
    download = waiting.value
    name = download.suggested_filename
    assert re.fullmatch(
        rf"{ORGANISATION_LEI}\.IND_IE_DORA010100_DORA_{REFERENCE}_\d{{17}}\.zip", name)
    path = tmp_path / name
    download.save_as(path)
    with zipfile.ZipFile(path) as archive:
        files = {n: archive.read(n) for n in archive.namelist()}
    stem = name.removesuffix(".zip")
    assert f"{stem}/META-INF/reportPackage.json" in files
    assert f"{stem}/reports/FilingIndicators.csv" in files

    # Every CSV: the reference's c0010-style header, UTF-8, no byte-order mark.
    tables = {}
    for template in TEMPLATES.values():
        header, rows = _rows(files, template.id)
        assert header == template.header
        tables[template.id] = rows
    contracts = {row["c0010"]: row for row in tables["B_02.01"]}
    assert contracts["RI-2025-001"] == {
        "c0010": "RI-2025-001", "c0020": "eba_CO:x1", "c0030": "", "c0040": "eba_CU:EUR",
        "c0050": "120000.00"}
    specific = [row for row in tables["B_02.02"] if row["c0010"] == "RI-2025-001"]
    assert {row["c0160"] for row in specific} == {"eba_GA:DE", "eba_GA:IE"}
    assert specific[0] | {"c0160": ""} == {
        "c0010": "RI-2025-001", "c0020": ORGANISATION_LEI, "c0030": kestrel_lei,
        "c0040": "eba_qCO:qx2000", "c0050": ids["function"], "c0060": "eba_TA:S19",
        "c0070": "2025-01-01", "c0080": "9999-12-31", "c0090": "", "c0100": "90",
        "c0110": "180", "c0120": "eba_GA:IE", "c0130": "eba_GA:IE", "c0140": "eba_BT:x28",
        "c0150": "eba_GA:IE", "c0160": ""}
    providers = {row["c0010"]: row for row in tables["B_05.01"]}
    assert providers[kestrel_lei] | {"c0100": ""} == {
        "c0010": kestrel_lei, "c0020": "eba_qCO:qx2000", "c0030": "", "c0040": "",
        "c0050": "Kestrel Registry Consulting GmbH", "c0060": "Kestrel Registry Consulting GmbH",
        "c0070": "eba_CT:x212", "c0080": "eba_GA:DE", "c0090": "eba_CU:EUR", "c0100": "",
        "c0110": "", "c0120": ""}
    assert providers[osprey_lei]["c0080"] == "eba_GA:IE"
    functions = {row["c0010"]: row for row in tables["B_06.01"]}
    assert functions[ids["function"]] == {
        "c0010": ids["function"], "c0020": "", "c0030": FUNCTION, "c0040": ORGANISATION_LEI,
        "c0050": "eba_BT:x28", "c0060": "Card payments stop without it.",
        "c0070": "2025-03-01", "c0080": "4", "c0090": "1", "c0100": "eba_ZZ:x793"}
    assessed = {row["c0010"]: row for row in tables["B_07.01"]}
    assert assessed["RI-2025-002"] == {
        "c0010": "RI-2025-002", "c0020": osprey_lei, "c0030": "eba_qCO:qx2000",
        "c0040": "eba_TA:S07", "c0050": "eba_ZZ:x960", "c0060": "eba_ZZ:x965",
        "c0070": "2025-06-30", "c0080": "eba_BT:x28", "c0090": "eba_ZZ:x966",
        "c0100": "eba_ZZ:x793", "c0110": "eba_BT:x28", "c0120": "Stratus Cloud"}


def test_a_link_opens_the_folded_section_around_its_field(open_page, server, screenshot):
    """An administrator follows a finding to an engagement field inside a folded section."""
    server.skip_unless("register", "the register of information page")
    server.create_engagement(
        title="Accounts archive hosting", contract_reference="RI-2025-010",
        status="active", start_date=date(2025, 2, 1), end_date=None, currency="EUR",
        business_function="Archive", annual_expense=Decimal("9000"),
        ict_service_type="data_storage", arrangement_type=None)
    page = open_page("admin")
    page.goto("/register-of-information")
    finding = page.locator("li.finding", has_text="Engagement “Accounts archive hosting”")
    expect(finding.first).to_contain_text("Type of contractual arrangement is missing")
    finding.first.get_by_role("link", name=re.compile("^Fix:")).click()
    field = page.locator("#arrangement_type")
    expect(field).to_be_focused()
    expect(field).to_be_in_viewport()
    expect(page.locator("#section-terms details")).to_have_attribute("open", "")
    screenshot(page, "engagement-field-in-focus")

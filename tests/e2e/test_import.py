"""Procurement brings its spreadsheet: download the template, upload a semicolon CSV, remap a
column, see a problem, fix the file, import, and find the engagements in the list."""
from __future__ import annotations

import io

import pytest

from ..import_files import csv_bytes

pytestmark = pytest.mark.e2e

expect = pytest.importorskip("playwright.sync_api").expect

HEADERS = ["Ref", "Initiative", "Supplier", "Owner", "Go-live", "Contract value"]


def register(handover_of_second: str) -> bytes:
    rows = [["IMP-E2E-1", "Move payroll to the new provider", "Paywise BV", "Anna Berg",
             "31/12/2027", "€ 120.000"],
            ["IMP-E2E-2", "Rebuild the customer portal", "Nordlicht GmbH", "Jonas Weber",
             handover_of_second, "1.250.000,50"],
            ["IMP-E2E-3", "Data warehouse support", "Paywise BV", "Anna Berg", "15/06/2027",
             ""]]
    return csv_bytes(rows, headers=HEADERS, delimiter=";", encoding="cp1252")


def upload(page, data: bytes) -> None:
    page.get_by_label("Excel workbook (.xlsx) or CSV file").set_input_files(
        {"name": "our-register.csv", "mimeType": "text/csv", "buffer": data})
    page.get_by_role("button", name="Upload and preview").click()


def test_import_journey(open_page, server, screenshot):
    page = open_page("procurement")
    page.get_by_role("link", name="Import", exact=True).click()
    expect(page.get_by_role("heading", name="Import engagements", level=1)).to_be_visible()
    template = page.request.get("/import/template.xlsx")
    assert template.ok and template.body()[:2] == b"PK"
    screenshot(page, "1-upload")

    upload(page, register("31/02/2027"))
    expect(page.get_by_text("No column is set to Title")).to_be_visible()
    page.get_by_label("Initiative").select_option("title")
    page.get_by_role("button", name="Update the preview").click()
    expect(page.get_by_text("No column is set to Title")).to_have_count(0)
    expect(page.get_by_text("row 3, Go-live: 31/02/2027 is not a date")).to_be_visible()
    expect(page.locator('[data-count="problem"] .tile-number')).to_have_text("1")
    screenshot(page, "2-preview-with-a-problem")

    page.get_by_role("link", name="Import", exact=True).first.click()
    upload(page, register("30/09/2027"))
    page.get_by_label("Initiative").select_option("title")
    page.get_by_role("button", name="Update the preview").click()
    expect(page.locator('[data-count="create"] .tile-number')).to_have_text("3")
    expect(page.locator('[data-count="problem"] .tile-number')).to_have_text("0")
    expect(page.get_by_text("New vendor “Nordlicht GmbH” will be created.")).to_be_visible()
    screenshot(page, "3-preview-clean")
    page.get_by_role("button", name="Import", exact=True).click()

    expect(page.get_by_text("Imported our-register.csv: 3 created, 0 updated, 0 unchanged."))\
        .to_be_visible()
    page.get_by_label("Search").fill("IMP-E2E")
    page.get_by_role("button", name="Apply").click()
    for title in ("Move payroll to the new provider", "Rebuild the customer portal",
                  "Data warehouse support"):
        expect(page.get_by_role("link", name=title)).to_be_visible()
    screenshot(page, "4-imported-in-the-list")
    assert io.BytesIO(template.body()).getbuffer().nbytes > 0

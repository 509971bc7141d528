"""Procurement's journey: read an engagement without being able to change it, preview and
issue the contract annex, download the PDF, and see what changed in the spec since."""
from __future__ import annotations

import hashlib
import io
import re

import pytest

pytestmark = pytest.mark.e2e

expect = pytest.importorskip("playwright.sync_api").expect

TITLE = "Migrate the claims platform to the cloud"
NEW_CONSTRAINT = "No production data in test environments."


def pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)


def test_procurement_reads_but_does_not_edit(open_page, server, screenshot):
    engagement_id = server.create_engagement(title=TITLE + " (read only)")
    page = open_page("procurement")
    page.get_by_role("link", name="Engagements", exact=True).first.click()
    expect(page.get_by_role("link", name="New engagement")).to_have_count(0)
    page.goto(f"/engagements/{engagement_id}")
    expect(page.get_by_role("heading", name=TITLE + " (read only)", level=1)).to_be_visible()
    expect(page.get_by_role("link", name="Edit spec")).to_have_count(0)
    expect(page.get_by_role("button", name=re.compile("^Mark delivered"))).to_have_count(0)
    response = page.goto(f"/engagements/{engagement_id}/edit")
    assert response.status == 403
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    screenshot(page, "edit-refused")


def test_procurement_issues_an_annex_and_compares_it_with_the_spec(open_page, server,
                                                                      screenshot):
    server.skip_unless("annex", "annex")
    engagement_id = server.create_engagement(title=TITLE)
    page = open_page("procurement")
    page.goto(f"/engagements/{engagement_id}")
    expect(page.get_by_role("link", name="Edit spec")).to_have_count(0)
    screenshot(page, "1-engagement")

    page.get_by_role("link", name="Preview annex", exact=True).click()
    issue = page.get_by_role("button", name="Issue annex v1")
    expect(issue).to_be_visible()
    screenshot(page, "2-annex-preview")
    issue.click()
    download = page.get_by_role("link", name=re.compile(r"^Download PDF")).first
    expect(download).to_be_visible()
    screenshot(page, "3-annex-issued")

    response = page.request.get(download.get_attribute("href"))
    assert response.ok
    data = response.body()
    assert data.startswith(b"%PDF-")
    text = pdf_text(data)
    assert TITLE in " ".join(text.split())
    assert re.search(r"[0-9a-f]{64}", "".join(text.split()), re.IGNORECASE), \
        "the snapshot fingerprint (SHA-256) is printed in the PDF"
    # The SHA-256 of the file itself is shown beside the download, so anyone can check it.
    expect(page.locator("body")).to_contain_text(hashlib.sha256(data).hexdigest()[:12])
    expect(page.get_by_role("link", name="Compare with current spec")).to_have_count(0)

    # The product owner changes the spec after the annex was issued.
    owner = open_page("product_owner")
    owner.goto(f"/engagements/{engagement_id}/edit")
    owner.wait_for_load_state()
    constraints = owner.get_by_role("region", name="Hard constraints", exact=True)
    constraints.get_by_role("button", name="Add constraint").click()
    constraints.get_by_role("group", name="Constraint 2").get_by_label("Constraint").fill(
        NEW_CONSTRAINT)
    owner.get_by_role("button", name="Save", exact=True).click()
    expect(owner.get_by_text(f"Saved “{TITLE}”.")).to_be_visible()

    page.goto(f"/engagements/{engagement_id}")
    page.get_by_role("link", name="Compare with current spec").click()
    expect(page.get_by_text(NEW_CONSTRAINT)).to_be_visible()
    screenshot(page, "4-annex-compared-with-spec")

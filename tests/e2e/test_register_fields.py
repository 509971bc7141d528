"""The register-of-information facts of issue 14, in a browser: procurement records a vendor
without an LEI and its group's parent; a product owner records the type of arrangement, the
service and the governing law, is told when the framework reference contradicts the type,
and sees the facts on the page; the function shows its register identifier."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e

expect = pytest.importorskip("playwright.sync_api").expect


def test_register_facts_journey(open_page, server, screenshot, axe_check):
    from vendortrack import services

    engagement_id = server.create_engagement(
        title="Claims portal rebuild", vendor="Lucerne Analytics",
        contract_reference="C-2026-777", business_function="Claims intake")
    with server.app.app_context():
        vendor_id = services.find_vendor("Lucerne Analytics").id
        function = services.find_function("Claims intake")
        function_id, number = function.id, function.number

    buyer = open_page("procurement", bypass_csp=True)
    buyer.goto(f"/vendors/{vendor_id}/edit")
    buyer.get_by_label("Legal name").fill("Lucerne Analytics AB")
    buyer.get_by_label("Type of person").select_option("legal_person")
    buyer.get_by_label("Other identification code").fill("SEBOLREG.5566778899")
    buyer.get_by_label("Type of the other code").select_option("euid")
    buyer.get_by_label("Ultimate parent's identification code").fill("529900D6BF99LW9R2E69")
    buyer.get_by_label("Type of the ultimate parent's code").select_option("lei")
    buyer.get_by_role("button", name="Save vendor").click()
    expect(buyer.locator("#parent_code-error")).to_contain_text(
        "The check digits of this LEI do not match")
    expect(buyer.get_by_label("Other identification code")).to_have_value("SEBOLREG.5566778899")
    axe_check(buyer)
    screenshot(buyer, "1-vendor-parent-lei-refused")
    buyer.get_by_label("Ultimate parent's identification code").fill("529900D6BF99LW9R2E68")
    buyer.get_by_role("button", name="Save vendor").click()
    expect(buyer.get_by_text("Saved vendor Lucerne Analytics.")).to_be_visible()
    expect(buyer.locator("main")).to_contain_text("EUID (European Unique Identifier)")
    screenshot(buyer, "2-vendor-identity")

    page = open_page("product_owner", bypass_csp=True)
    page.goto(f"/engagements/{engagement_id}/edit")
    page.locator("#section-terms summary").click()
    page.get_by_label("Type of arrangement").select_option("standalone")
    page.get_by_label("Overarching agreement's contract reference").fill("FA-2024-00001")
    page.get_by_label("Type of ICT service").select_option("development")
    page.get_by_label("Governing law").select_option("IE")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator("#overarching_reference-error")).to_contain_text(
        "Only an agreement made under a framework agreement names one")
    expect(page.locator("#section-terms details")).to_have_attribute("open", "")
    axe_check(page)
    screenshot(page, "3-framework-reference-contradicts")
    page.get_by_label("Type of arrangement").select_option("subsequent")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Claims portal rebuild")
    facts = page.locator("#exit")
    expect(facts).to_contain_text("Subsequent agreement under an overarching one")
    expect(facts).to_contain_text("FA-2024-00001")
    expect(facts).to_contain_text("Ireland (IE)")
    screenshot(page, "4-engagement-register-facts")

    page.goto(f"/functions/{function_id}")
    expect(page.locator("main")).to_contain_text(f"F{number}")
    axe_check(page)
    screenshot(page, "5-function-identifier")

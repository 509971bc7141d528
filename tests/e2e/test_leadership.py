"""Leadership's journey: from the dashboard's dependency-trap figure to the engagements behind
it, and into one of them."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

expect = pytest.importorskip("playwright.sync_api").expect


def open_first_engagement(page) -> None:
    page.get_by_role("table").get_by_role("link").first.click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()


def test_leadership_drills_into_the_engagements_in_a_dependency_trap(open_page, server,
                                                                        screenshot):
    server.skip_unless("dashboard.index", "dashboard")
    page = open_page("leadership")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Dashboard").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    screenshot(page, "1-dashboard")

    figure = page.get_by_role("link", name=re.compile("in dependency trap")).first
    count = int(re.search(r"\d[\d,]*", figure.text_content()).group().replace(",", ""))
    assert count > 0, "the demo data holds engagements in a dependency trap"
    pack = page.get_by_role("link", name="Download board pack (PDF)").or_(
        page.get_by_role("button", name="Download board pack (PDF)"))
    expect(pack).to_be_visible()
    handle = pack.element_handle()
    with page.expect_download() as pdf:
        pack.click()
        busy = handle.get_attribute("aria-busy")
    assert busy == "true", \
        "the board pack shows it is working: give it data-busy=\"Preparing…\" (static/js/app.js)"
    assert Path(pdf.value.path()).read_bytes().startswith(b"%PDF-")

    figure.click()
    expect(page).to_have_url(re.compile(r"/engagements\?(.*&)?trap=1"))
    expect(page.locator("[data-total]")).to_have_text(str(count))
    screenshot(page, "2-engagements-in-dependency-trap")

    open_first_engagement(page)
    expect(page.get_by_role("heading", name=re.compile("^Dependency trap"))).to_be_visible()
    expect(page.get_by_role("link", name="Edit spec")).to_have_count(0)
    screenshot(page, "3-engagement")


def test_leadership_reads_the_filtered_list_but_edits_nothing(open_page, screenshot):
    page = open_page("leadership")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Engagements").click()
    expect(page.get_by_role("link", name="New engagement")).to_have_count(0)
    page.get_by_label("Risk level").select_option(label="High")
    page.get_by_role("button", name="Apply").click()
    expect(page).to_have_url(re.compile(r"risk=high"))
    total = int(page.locator("[data-total]").text_content())
    assert total > 0
    rows = page.get_by_role("table").get_by_role("row")
    expect(rows).to_have_count(min(total, 25) + 1)  # with the heading row
    expect(rows.filter(has_not_text="High")).to_have_count(1)  # only the heading row
    screenshot(page, "engagements-high-risk")
    open_first_engagement(page)
    expect(page.get_by_role("link", name="Edit spec")).to_have_count(0)

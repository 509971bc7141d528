"""axe-core on every main page (no serious or critical violation), the first-run page, and a
screenshot of each page at laptop and phone width."""
from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.e2e

expect = pytest.importorskip("playwright.sync_api").expect


def test_first_run_creates_the_administrator(open_page, fresh_server, screenshot, axe_check):
    page = open_page(base=fresh_server, bypass_csp=True)
    page.goto("/engagements")
    expect(page).to_have_url(re.compile(r"/setup$"))
    expect(page.get_by_role("heading", name="Create the administrator")).to_be_visible()
    axe_check(page)
    screenshot(page, "1-setup")

    page.get_by_label(re.compile(r"^Name")).fill("Ada Admin")
    page.get_by_label(re.compile(r"^E-mail")).fill("ada@example.org")
    page.get_by_label(re.compile(r"^Password")).fill("a long enough passphrase")
    page.get_by_label(re.compile(r"^Repeat the password")).fill("a different passphrase")
    page.get_by_role("button", name="Create administrator").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("The two passwords differ.")
    repeat = page.get_by_label(re.compile(r"^Repeat the password"))
    expect(repeat).to_have_accessible_description(re.compile("The two passwords differ"))
    expect(page.get_by_label(re.compile(r"^E-mail"))).to_have_value("ada@example.org")
    axe_check(page)
    screenshot(page, "2-setup-with-error")

    page.get_by_label(re.compile(r"^Password")).fill("a long enough passphrase")
    repeat.fill("a long enough passphrase")
    page.get_by_role("button", name="Create administrator").click()
    expect(page.get_by_text("Your administrator account is ready.")).to_be_visible()
    expect(page.get_by_role("cell", name="ada@example.org")).to_be_visible()
    axe_check(page)
    screenshot(page, "3-users")
    assert page.goto("/setup").status == 404


def test_sign_in_page(open_page, server, screenshot, axe_check):
    page = open_page(bypass_csp=True)
    page.goto("/engagements")
    expect(page).to_have_url(re.compile(r"/login"))
    expect(page.get_by_text("Please sign in to continue.")).to_be_visible()
    axe_check(page)
    screenshot(page, "1-sign-in")
    page.get_by_label("E-mail").fill(server.users["leadership"])
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_label("Password")).to_have_accessible_description(
        re.compile("do not match an active account"))
    expect(page.get_by_label("E-mail")).to_have_value(server.users["leadership"])
    axe_check(page)
    screenshot(page, "2-sign-in-refused")


def test_main_pages_have_no_serious_accessibility_violations(open_page, server, screenshot,
                                                            axe_check):
    trap_id = server.create_engagement(title="Pilot a chatbot for HR questions",
                                       internal_owner=None, handover_date=None,
                                       deliverables=())
    complete_id = server.create_engagement(title="Rebuild the partner portal")
    page = open_page("admin", bypass_csp=True)
    # (name, path, screenshot?): pages the journeys already photograph are only checked.
    pages = [
        ("engagements", "/engagements", True),
        ("engagements-none-match", "/engagements?q=no+such+engagement", True),
        ("engagement-in-trap", f"/engagements/{trap_id}", False),
        ("engagement-complete", f"/engagements/{complete_id}", True),
        ("spec-form-new", "/engagements/new", True),
        ("spec-form-edit", f"/engagements/{trap_id}/edit", True),
        ("vendors", "/vendors", True),
        ("vendor-form", "/vendors/new", True),
        ("functions", "/functions/", True),
        ("function-form", "/functions/new", True),
        ("users", "/admin/users", False),
        ("user-form", "/admin/users/new", True),
        ("not-found", "/engagements/999999", True),
    ]
    if server.has("dashboard.index"):
        pages.insert(0, ("dashboard", "/dashboard", False))
    if server.has("register"):  # the journey photographs them
        pages += [("register", "/register-of-information", False),
                  ("register-bad-date", "/register-of-information?reference_date=2025-02-30",
                   True),
                  ("organisation", "/admin/organisation", False)]
    failures = []
    for name, path, photograph in pages:
        page.goto(path)
        failures += check(page, axe_check)
        if photograph:
            screenshot(page, name)

    page.goto("/vendors")
    page.get_by_role("table").get_by_role("link").first.click()
    failures += check(page, axe_check)
    screenshot(page, "vendor")

    page.goto(f"/engagements/{trap_id}/edit")
    page.get_by_label("End date").fill("2020-01-01")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("alert")).to_be_visible()
    failures += check(page, axe_check)

    if server.has("annex"):
        page.goto(f"/engagements/{complete_id}")
        page.get_by_role("link", name="Preview annex", exact=True).click()
        failures += check(page, axe_check)
    assert not failures, "\n\n".join(failures)


def check(page, axe_check) -> list[str]:
    try:
        axe_check(page)
    except AssertionError as failure:
        return [str(failure)]
    return []

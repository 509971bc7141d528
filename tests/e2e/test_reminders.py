"""A product owner's reminders in the browser: My work, the bell's unread count, marking read."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest

from ..conftest import TODAY

pytestmark = pytest.mark.e2e

expect = pytest.importorskip("playwright.sync_api").expect


def test_bell_counts_unread_reminders_and_my_work_lists_them(open_page, server, screenshot,
                                                             axe_check):
    from vendortrack import services
    from vendortrack.domain import spec as specs
    from vendortrack.reminders import job, queries

    with server.app.app_context():
        owner = services.find_user(server.users["product_owner"])
        person = specs.Person(owner.name, owner.email)
    server.create_engagement(
        title="Reminder journey", internal_owner=person,
        deliverables=(specs.Deliverable("runbook", "Journey runbook", TODAY + timedelta(days=7),
                                        "Restore works", "planned"),
                      specs.Deliverable("training", "Journey training",
                                        TODAY + timedelta(days=3), "Team trained", "planned")))
    with server.app.app_context():
        job.run(TODAY)
        unread = queries.unread_count(services.find_user(server.users["product_owner"]))
    assert unread >= 2

    page = open_page("product_owner", bypass_csp=True)
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/my-work$"))
    expect(page.get_by_role("link", name="Journey training")).to_be_visible()
    bell = page.get_by_role("link", name=re.compile(r"^Notifications:"))
    expect(bell).to_have_accessible_name(f"Notifications: {unread} unread")
    axe_check(page)
    screenshot(page, "1-my-work")

    bell.click()
    expect(page.get_by_role("heading", name="Notifications", level=1)).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("“Journey runbook”"))).to_be_visible()
    axe_check(page)
    screenshot(page, "2-notifications")
    page.get_by_role("button", name=re.compile("Mark read.*Journey runbook")).click()
    expect(bell).to_have_accessible_name(f"Notifications: {unread - 1} unread")
    page.get_by_role("button", name="Mark all read").click()
    expect(bell).to_have_accessible_name("Notifications: 0 unread")
    screenshot(page, "3-all-read")


def test_follow_an_engagement_and_get_a_calendar_address(open_page, server, screenshot,
                                                         axe_check):
    engagement_id = server.create_engagement(title="Followed in the browser")
    page = open_page("leadership", bypass_csp=True)
    page.goto(f"/engagements/{engagement_id}")
    page.get_by_role("button", name="Follow", exact=True).click()
    expect(page.get_by_text("You follow “Followed in the browser”")).to_be_visible()
    following = page.get_by_role("button", name="Following")
    expect(following).to_have_attribute("aria-pressed", "true")
    axe_check(page)
    screenshot(page, "1-following")

    page.goto("/account")
    page.get_by_role("button", name="Make my calendar address").click()
    address = page.locator("#calendar-url").text_content()
    assert re.search(r"/calendar/[\w-]+\.ics$", address)
    page.get_by_label("Weekly (Mondays)").check()
    page.get_by_label(re.compile("^Weekly summary on Mondays")).check()
    page.get_by_role("button", name="Save reminder settings").click()
    expect(page.get_by_text("Reminder settings saved.")).to_be_visible()
    expect(page.get_by_label("Weekly (Mondays)")).to_be_checked()
    axe_check(page)
    screenshot(page, "2-account-reminders")
    feed = page.request.get(address)
    assert feed.ok and b"Handover: Followed in the browser" in feed.body()

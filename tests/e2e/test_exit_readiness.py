"""The exit-readiness journey of issue 13, in a browser: a product owner marks a function
critical and sees the exit flags with their fixes, fills in the exit plan, records a test and
watches the flags go; a successor attests readiness and the suggested reintegration improves;
procurement issues an annex with the exit section; leadership sees the exit panel."""
from __future__ import annotations

import re

import pytest

from ..conftest import TODAY

pytestmark = pytest.mark.e2e

expect = pytest.importorskip("playwright.sync_api").expect


def test_exit_readiness_journey(open_page, server, screenshot):
    from vendortrack import services

    with server.app.app_context():
        owner = services.find_user(server.users["product_owner"])
        successor = services.create_user(email="sam.successor@example.org", name="Sam Successor",
                                         role="product_owner", password=server.password,
                                         actor=None)
        from dataclasses import replace

        from vendortrack.domain.spec import Person
        accepted = tuple(replace(d, status="accepted")
                         for d in server.complete_spec().deliverables)
        engagement_id = server.create_engagement(
            deliverables=accepted,
            title="Card payments gateway", business_function="Card acceptance",
            internal_owner=Person(owner.name, owner.email),
            successors=(Person("Sam Successor", successor.email),))
    with server.app.app_context():
        function_id = services.find_function("Card acceptance").id

    page = open_page("product_owner")
    page.goto(f"/functions/{function_id}/edit")
    page.get_by_label("Criticality").select_option("critical")
    page.get_by_role("button", name="Save business function").click()
    expect(page.get_by_text("Saved business function Card acceptance.")).to_be_visible()

    page.goto(f"/engagements/{engagement_id}")
    flags = page.locator("main")
    expect(flags.get_by_text("no documented exit plan")).to_be_visible()
    expect(flags.get_by_text("no alternative has been identified")).to_be_visible()
    screenshot(page, "1-critical-without-exit-plan")

    page.get_by_role("link", name="Edit spec").click()
    expect(page.locator("#section-exit details")).to_have_attribute("open", "")
    page.get_by_label("An exit plan is documented").check()
    page.get_by_label("Exit plan in summary").fill("Run both gateways for 60 days, then switch.")
    page.get_by_label("Last tested on").fill((TODAY.replace(day=1)).isoformat())
    page.get_by_label("Result of the last test").select_option("passed")
    page.get_by_label("Alternative providers identified").select_option("yes")
    page.get_by_label("Alternative providers", exact=True).fill("Globex Payments")
    screenshot(page, "2-exit-plan-form")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Card payments gateway")
    expect(page.get_by_text("no documented exit plan")).to_have_count(0)
    expect(page.get_by_text("no alternative has been identified")).to_have_count(0)
    screenshot(page, "3-flags-gone")

    sam = open_page(None)
    sam.goto("/login")
    sam.get_by_label("E-mail").fill("sam.successor@example.org")
    sam.get_by_label("Password").fill(server.password)
    sam.get_by_role("button", name="Sign in").click()
    sam.goto(f"/engagements/{engagement_id}")
    expect(sam.locator("#reintegration")).to_contain_text("The evidence suggestsDifficult")
    for ability in ("operate", "maintain", "extend", "explain"):
        sam.get_by_label(f"{ability} it").check()
    sam.get_by_role("button", name="Record readiness").click()
    expect(sam.get_by_text("Recorded: Sam Successor can operate, maintain, extend, explain."))\
        .to_be_visible()
    expect(sam.locator("#reintegration")).to_contain_text("The evidence suggestsEasy")
    screenshot(sam, "4-successor-attested")

    buyer = open_page("procurement")
    buyer.goto(f"/engagements/{engagement_id}/annex")
    expect(buyer.get_by_role("heading", name="8. Exit and transition")).to_be_visible()
    expect(buyer.get_by_text("Run both gateways for 60 days, then switch.")).to_be_visible()

    boss = open_page("leadership")
    boss.goto("/dashboard")
    panel = boss.locator("#h-exit").locator("..")
    expect(panel).to_contain_text("critical or important functions")
    link = panel.get_by_role("link", name=re.compile("support critical")).first
    link.click()
    expect(boss).to_have_url(re.compile(r"criticality=critical"))
    screenshot(boss, "5-critical-engagements")

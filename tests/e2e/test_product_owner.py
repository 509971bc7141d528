"""The product owner's journey in a real browser: write a spec with repeatable rows, recover
from a mistake without losing anything, and watch the dependency-trap flags go as the gaps close.
"""
from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.e2e

expect = pytest.importorskip("playwright.sync_api").expect

TITLE = "Match supplier invoices automatically"
PROBLEM = ("Accounts payable clerks match 4,000 invoices a month by hand; late payments cost "
           "discounts and suppliers chase us every week.")
OWNER_FLAG = "Nobody inside the organisation owns this engagement."
HANDOVER_FLAG = "There is no handover date."
KT_FLAG = "Knowledge transfer is not a contract deliverable."
SELECTS = {"Status", "Kind"}


def region(page, name: str):
    return page.get_by_role("region", name=name, exact=True)


def add_row(page, section: str, noun: str, number: int, values: dict[str, str]):
    """Press the section's add button, then fill the new row by its labels."""
    area = region(page, section)
    area.get_by_role("button", name=f"Add {noun}").click()
    row = area.get_by_role("group", name=f"{noun.capitalize()} {number}", exact=True)
    fill(row, values)
    return row


def fill(scope, values: dict[str, str]) -> None:
    for label, value in values.items():
        field = scope.get_by_label(label)
        if label in SELECTS:
            field.select_option(label=value)
        else:
            field.fill(value)


def save_and_keep_editing(page) -> None:
    page.get_by_role("button", name="Save and keep editing").click()
    expect(page.get_by_text(f"Saved “{TITLE}”.")).to_be_visible()
    expect(page.get_by_role("heading", name="Edit the spec", level=1)).to_be_visible()
    page.wait_for_load_state()


def test_product_owner_writes_a_spec_and_closes_the_dependency_trap(open_page, screenshot):
    page = open_page("product_owner")
    page.get_by_role("link", name="New engagement").click()
    expect(page.get_by_role("heading", name="New engagement", level=1)).to_be_visible()
    page.wait_for_load_state()  # app.js in place before the row buttons are pressed

    basics = region(page, "The engagement")
    fill(basics, {"Title": TITLE, "Vendor": "Ledgerline Ltd", "Contract reference": "C-2026-114",
                  "Contract value": "180000", "Currency": "EUR", "Status": "Draft",
                  "Start date": "2026-12-01", "End date": "2026-11-01"})
    page.get_by_label("Problem statement").fill(PROBLEM)
    add_row(page, "Success metrics", "metric", 1, {
        "Metric": "Invoices matched automatically", "Baseline": "0", "Target": "85",
        "Unit": "%", "How it is measured": "Monthly ERP report"})
    add_row(page, "Success metrics", "metric", 2, {"Metric": "A metric typed by mistake"})
    region(page, "Success metrics").get_by_role("button", name="Remove metric 2").click()
    add_row(page, "Hard constraints", "constraint", 1,
            {"Constraint": "Supplier data stays in the EU."})
    add_row(page, "Trade-off rules", "trade-off rule", 1, {
        "Rule": "When speed conflicts with accuracy, accuracy wins.",
        "Who decides": "Finance controller"})
    add_row(page, "Successors", "successor", 1,
            {"Name": "Omar Haddad", "E-mail": "omar.haddad@example.org"})
    add_row(page, "Upskilling alongside the vendor", "person", 1, {"Name": "Ines Silva"})
    add_row(page, "Knowledge-transfer deliverables", "deliverable", 1, {"Title": "Not yet"})
    region(page, "Knowledge-transfer deliverables").get_by_role(
        "button", name="Remove deliverable 1").click()
    expect(region(page, "Success metrics").get_by_role("group")).to_have_count(1)
    expect(region(page, "Knowledge-transfer deliverables").get_by_role("group")).to_have_count(0)

    # One mistake: the end date is before the start date.
    page.get_by_role("button", name="Save", exact=True).click()
    summary = page.get_by_role("alert")
    expect(summary.get_by_role("heading", name="There is a problem to fix")).to_be_visible()
    expect(summary.get_by_role("link", name=re.compile("End date: The end date cannot be before"))
           ).to_be_visible()
    expect(summary).to_be_focused()
    end_date = page.get_by_label("End date")
    summary.get_by_role("link", name=re.compile("^End date")).click()
    expect(end_date).to_be_focused()
    expect(end_date).to_have_accessible_description(
        re.compile("The end date cannot be before the start date"))
    expect(end_date).to_have_attribute("aria-invalid", "true")
    # Everything typed is still there.
    expect(basics.get_by_label("Title")).to_have_value(TITLE)
    expect(page.get_by_label("Problem statement")).to_have_value(PROBLEM)
    metric = region(page, "Success metrics").get_by_role("group", name="Metric 1")
    expect(metric.get_by_label("Target")).to_have_value("85")
    expect(region(page, "Successors").get_by_label("E-mail")).to_have_value(
        "omar.haddad@example.org")
    expect(region(page, "Success metrics").get_by_role("group")).to_have_count(1)
    screenshot(page, "1-spec-form-with-error")

    end_date.fill("2027-06-30")
    save_and_keep_editing(page)
    expect(page.get_by_role("alert")).to_have_count(0)
    expect(region(page, "Internal owner").get_by_text(OWNER_FLAG)).to_be_visible()
    expect(region(page, "Handover").get_by_text(HANDOVER_FLAG)).to_be_visible()
    expect(region(page, "Knowledge-transfer deliverables").get_by_text(KT_FLAG)).to_be_visible()
    screenshot(page, "2-spec-form-saved-with-flags")

    page.get_by_role("link", name=TITLE).click()
    risk = page.get_by_role("region", name=re.compile("^Dependency trap"))
    expect(risk.get_by_role("heading", name=re.compile("^Dependency trap"))).to_be_visible()
    expect(risk.get_by_text(OWNER_FLAG)).to_be_visible()
    screenshot(page, "3-engagement-in-dependency-trap")

    page.get_by_role("link", name="Edit spec").click()
    page.wait_for_load_state()
    fill(region(page, "Internal owner"), {"Internal owner": "Priya Owner",
                                          "Owner's e-mail": "product.owner@example.org"})
    save_and_keep_editing(page)
    expect(page.get_by_text(OWNER_FLAG)).to_have_count(0)
    expect(region(page, "Handover").get_by_text(HANDOVER_FLAG)).to_be_visible()

    page.get_by_label("Handover date").fill("2027-05-31")
    save_and_keep_editing(page)
    expect(page.get_by_text(HANDOVER_FLAG)).to_have_count(0)
    expect(region(page, "Knowledge-transfer deliverables").get_by_text(KT_FLAG)).to_be_visible()

    add_row(page, "Knowledge-transfer deliverables", "deliverable", 1, {
        "Kind": "Runbook", "Title": "Operations runbook", "Due date": "2027-03-31",
        "Acceptance criteria": "The AP team reruns a failed matching batch from it alone."})
    save_and_keep_editing(page)
    expect(page.get_by_text(KT_FLAG)).to_have_count(0)
    expect(page.get_by_text("Risk as saved:")).to_contain_text("No risk")

    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("heading", name=TITLE, level=1)).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile("Dependency trap"))).to_have_count(0)
    expect(page.get_by_role("heading", name="No risk flags")).to_be_visible()
    page.get_by_role("button", name=re.compile(r"^Mark delivered\s*: Operations runbook")).click()
    expect(page.get_by_text("“Operations runbook” is now delivered.")).to_be_visible()
    screenshot(page, "4-engagement-complete")

    page.get_by_role("link", name="Engagements", exact=True).first.click()
    page.get_by_label("Search").fill(TITLE)
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_role("link", name=TITLE)).to_be_visible()
    screenshot(page, "5-engagement-list")


def test_rows_are_added_and_removed_without_javascript(open_page, screenshot):
    page = open_page("product_owner", javascript=False)
    page.goto("/engagements/new")
    region(page, "The engagement").get_by_label("Title").fill("Works without JavaScript")
    metrics = region(page, "Success metrics")
    for number, name in ((1, "First metric"), (2, "Second metric")):
        with page.expect_response(lambda r: r.request.method == "POST"):
            metrics.get_by_role("button", name="Add metric").click()
        row = metrics.get_by_role("group", name=f"Metric {number}", exact=True)
        # The new row's first field takes the focus, so typing can go on at once.
        expect(row.get_by_label("Metric", exact=True)).to_be_focused()
        row.get_by_label("Metric", exact=True).fill(name)
    screenshot(page, "spec-form-rows-no-js")

    with page.expect_response(lambda r: r.request.method == "POST"):
        metrics.get_by_role("button", name="Remove metric 1").click()
    expect(metrics.get_by_role("group")).to_have_count(1)
    expect(metrics.get_by_role("group", name="Metric 1").get_by_label("Metric", exact=True)
           ).to_have_value("Second metric")
    expect(metrics.get_by_role("button", name="Add metric")).to_be_focused()
    expect(region(page, "The engagement").get_by_label("Title")).to_have_value(
        "Works without JavaScript")

    others = [("Hard constraints", "constraint", "Constraint", "No data leaves the EU."),
              ("Trade-off rules", "trade-off rule", "Rule", "Safety beats speed."),
              ("Successors", "successor", "Name", "Omar Haddad"),
              ("Upskilling alongside the vendor", "person", "Name", "Ines Silva"),
              ("Knowledge-transfer deliverables", "deliverable", "Title", "Operations runbook")]
    for section, noun, label, value in others:
        with page.expect_response(lambda r: r.request.method == "POST"):
            region(page, section).get_by_role("button", name=f"Add {noun}").click()
        field = region(page, section).get_by_role("group", name=f"{noun.capitalize()} 1"
                                                   ).get_by_label(label)
        field.fill(value)
    expect(metrics.get_by_role("group", name="Metric 1").get_by_label("Metric", exact=True)
           ).to_have_value("Second metric")

    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("heading", name="Works without JavaScript", level=1)).to_be_visible()
    table = page.get_by_role("region", name="Success metrics")
    expect(table.get_by_role("cell", name="Second metric")).to_be_visible()
    expect(table.get_by_role("cell", name="First metric")).to_have_count(0)
    for _section, _noun, _label, value in others:
        expect(page.get_by_role("main").get_by_text(value, exact=True)).to_be_visible()


def test_rows_work_with_the_keyboard_alone(open_page):
    page = open_page("product_owner")
    page.goto("/engagements/new")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    assert_focus_visible(page)

    constraints = region(page, "Hard constraints")
    add = constraints.get_by_role("button", name="Add constraint")
    add.focus()
    assert_focus_visible(page)
    page.keyboard.press("Enter")
    field = constraints.get_by_role("group", name="Constraint 1").get_by_label("Constraint")
    expect(field).to_be_focused()
    page.keyboard.type("Supplier data stays in the EU.")
    page.keyboard.press("Tab")
    remove = constraints.get_by_role("button", name="Remove constraint 1")
    expect(remove).to_be_focused()
    assert_focus_visible(page)
    page.keyboard.press("Shift+Tab")
    expect(field).to_be_focused()
    page.keyboard.press("Tab")
    page.keyboard.press("Space")
    expect(constraints.get_by_role("group")).to_have_count(0)
    expect(add).to_be_focused()
    page.keyboard.press("Enter")
    page.keyboard.type("Nothing runs on personal laptops.")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    expect(add).to_be_focused()
    page.keyboard.press("Enter")
    expect(constraints.get_by_role("group")).to_have_count(2)
    expect(constraints.get_by_role("group", name="Constraint 2").get_by_label("Constraint")
           ).to_be_focused()


def assert_focus_visible(page) -> None:
    style = page.evaluate("""() => {
        const s = getComputedStyle(document.activeElement);
        return {style: s.outlineStyle, width: parseFloat(s.outlineWidth)};
    }""")
    assert style["style"] != "none" and style["width"] >= 2, style


def test_saving_shows_it_is_working_and_refuses_a_second_submission(open_page):
    page = open_page("product_owner")
    page.goto("/engagements/new")
    page.wait_for_load_state()
    region(page, "The engagement").get_by_label("Title").fill("Saved once only")
    save = page.get_by_role("button", name="Save", exact=True)
    # Two presses in the same instant: the second submission must be refused.
    seen = save.evaluate("""button => {
        const prevented = [];
        document.addEventListener("submit", e => prevented.push(e.defaultPrevented));
        button.form.requestSubmit(button);
        const busy = [button.textContent, button.getAttribute("aria-busy")];
        button.form.requestSubmit(button);
        return {prevented, busy};
    }""")
    assert seen == {"prevented": [False, True], "busy": ["Saving…", "true"]}
    expect(page.get_by_role("heading", name="Saved once only", level=1)).to_be_visible()

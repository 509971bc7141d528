"""The spec form: validation beside the field, nothing typed lost, rows without JavaScript,
saving all or nothing."""
import re
from dataclasses import replace
from datetime import date

import pytest
from sqlalchemy import event, func, select, update

from vendortrack import services
from vendortrack.domain.spec import Metric as Metric_
from vendortrack.extensions import db
from vendortrack.forms import EngagementForm
from vendortrack.models import Deliverable, Engagement, Metric, Vendor
from vendortrack.queries import SPEC_ROW_LISTS, load_engagement, load_row_lists

from .conftest import shown_flash

FULL_FORM = {
    "title": "Automate invoice matching",
    "vendor": "Contoso Consulting",
    "contract_reference": "C-2026-042",
    "contract_value": "180 000",
    "currency": "eur",
    "status": "active",
    "start_date": "2026-12-01",
    "end_date": "2027-06-30",
    "handover_date": "2027-06-01",
    "problem_statement": "Accounts payable matches invoices by hand, which takes four people "
                         "two days a week and lets duplicates through.",
    "core_capability": "y",
    "owner_name": "Anna Berg",
    "owner_email": "Anna.Berg@example.org",
    "metrics-0-name": "Auto-matched invoices", "metrics-0-baseline": "0",
    "metrics-0-target": "80", "metrics-0-unit": "%", "metrics-0-measurement": "ERP report",
    "metrics-1-name": "Duplicate payments", "metrics-1-target": "0",
    "metrics-2-name": "Hours per week", "metrics-2-baseline": "64", "metrics-2-target": "10",
    "constraints-0-text": "Invoices never leave the EU.",
    "tradeoffs-0-rule": "Accuracy beats automation rate.", "tradeoffs-0-decided_by": "CFO",
    "successors-0-name": "Ben Okafor", "successors-0-email": "ben@example.org",
    "upskilling-0-name": "Chloe Moreau",
    "deliverables-0-kind": "runbook", "deliverables-0-title": "Runbook",
    "deliverables-0-due_date": "2027-03-01", "deliverables-0-acceptance_criteria": "Ops restores",
    "deliverables-1-kind": "training", "deliverables-1-title": "Training",
    "deliverables-1-due_date": "2027-04-01",
    "deliverables-2-kind": "code_walkthrough", "deliverables-2-title": "Walkthrough",
    "deliverables-2-due_date": "2027-05-01",
    "deliverables-3-kind": "recorded_demo", "deliverables-3-title": "Demo recording",
    "deliverables-3-due_date": "2027-05-15",
}


@pytest.fixture
def owner_client(client, users):
    client.login(users["product_owner"])
    return client


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_complete_engagement_saves_every_field(owner_client):
    response = owner_client.post("/engagements/new", FULL_FORM)
    assert response.status_code == 302
    engagement = db.session.scalar(select(Engagement))
    spec = services.engagement_spec(engagement)
    assert spec.title == "Automate invoice matching"
    assert spec.vendor == "Contoso Consulting"
    assert str(spec.contract_value) == "180000.00" and spec.currency == "EUR"
    assert spec.internal_owner.email == "anna.berg@example.org"
    assert [m.name for m in spec.metrics] == ["Auto-matched invoices", "Duplicate payments",
                                               "Hours per week"]
    assert [d.title for d in spec.deliverables] == ["Runbook", "Training", "Walkthrough",
                                                     "Demo recording"]
    assert spec.deliverables[0].due_date == date(2027, 3, 1)
    assert spec.successors[0].name == "Ben Okafor" and spec.upskilling[0].name == "Chloe Moreau"
    assert spec.core_capability is True
    page = owner_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "No risk flags" in page and "Auto-matched invoices" in page


def test_only_the_title_is_required(owner_client):
    response = owner_client.post("/engagements/new", {"title": ""})
    assert "Give the engagement a title." in response.get_data(as_text=True)
    assert count(Engagement) == 0
    response = owner_client.post("/engagements/new", {"title": "Just a draft"})
    assert response.status_code == 302
    page = owner_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Dependency trap" in page  # gaps become flags, not errors


@pytest.mark.parametrize("field, value, message", [
    ("end_date", "2026-11-01", "The end date cannot be before the start date."),
    ("start_date", "2026-02-30", "Enter a real date"),
    ("handover_date", "next week", "Enter a real date"),
    ("deliverables-0-due_date", "31/12/2026", "Enter a real date"),
    ("contract_value", "lots", "Enter a number"),
    ("contract_value", "-5", "Enter an amount between 0 and 999,999,999,999."),
    ("annual_expense", "1000000000000", "Enter an amount between 0 and 999,999,999,999."),
    ("currency", "EURO", "three-letter ISO 4217"),
    ("currency", "XYZ", "three-letter ISO 4217"),
    ("owner_email", "anna-at-example", "Enter an e-mail address"),
    ("title", "x" * 201, "Field cannot be longer than 200 characters."),
    ("metrics-1-name", "", "Give this row a metric."),
])
def test_each_rule_explained_beside_its_field_with_input_kept(owner_client, field, value,
                                                               message):
    data = {**FULL_FORM, field: value}
    response = owner_client.post("/engagements/new", data)
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in body
    assert 'id="error-summary"' in body and 'aria-invalid="true"' in body
    # Everything typed comes back.
    assert 'value="Auto-matched invoices"' in body and "Ops restores" in body
    assert 'value="Contoso Consulting"' in body and "four people" in body
    assert count(Engagement) == 0 and count(Vendor) == 0


def test_a_field_in_error_is_described_and_what_was_typed_comes_back_escaped(owner_client):
    """The input points at its help and its error, says it is invalid, and shows what was
    typed (with <, ", &) escaped once; a text area the same."""
    response = owner_client.post("/engagements/new", {
        **FULL_FORM, "title": "", "currency": 'a"<&', "problem_statement": '<b>"x"</b> & co'})
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert ('<input aria-describedby="currency-help currency-error" aria-invalid="true" '
            'autocomplete="off" id="currency" list="currencies" maxlength="3" name="currency" '
            'type="text" value="A&#34;&lt;&amp;">') in body
    assert '<p class="error" id="currency-error">' in body
    assert ('<input aria-describedby="title-error" aria-invalid="true" id="title" '
            'maxlength="200" name="title" required type="text" value="">') in body
    assert ('<textarea aria-describedby="problem_statement-help" id="problem_statement" '
            'maxlength="10000" name="problem_statement" rows="6">\r\n'
            '&lt;b&gt;&#34;x&#34;&lt;/b&gt; &amp; co</textarea>') in body
    assert ('<input autocomplete="off" id="owner_email" maxlength="254" name="owner_email" '
            'type="email" value="Anna.Berg@example.org">') in body


def test_add_row_without_javascript_keeps_typed_values(owner_client):
    data = {"title": "Draft", "metrics-0-name": "Speed", "metrics-0-target": "2",
            "row_action": "add:metrics"}
    response = owner_client.post("/engagements/new", data)
    body = response.get_data(as_text=True)
    assert 'name="metrics-0-name"' in body and 'value="Speed"' in body
    assert 'name="metrics-1-name"' in body
    assert "error-summary" not in body and count(Engagement) == 0


def test_remove_row_without_javascript(owner_client):
    data = {"title": "Draft", "metrics-0-name": "Speed", "metrics-1-name": "Cost",
            "metrics-2-name": "Quality", "row_action": "remove:metrics-1"}
    body = owner_client.post("/engagements/new", data).get_data(as_text=True)
    assert 'value="Speed"' in body and 'value="Quality"' in body
    assert 'value="Cost"' not in body
    # Saving after removal keeps the order and the gap does not matter.
    data = {"title": "Draft", "metrics-0-name": "Speed", "metrics-2-name": "Quality"}
    owner_client.post("/engagements/new", data)
    assert db.session.scalars(select(Metric.name).order_by(Metric.position)).all() == [
        "Speed", "Quality"]


@pytest.mark.parametrize("section", ["metrics", "constraints", "tradeoffs", "successors",
                                     "upskilling", "deliverables"])
def test_every_section_can_add_rows(owner_client, section):
    body = owner_client.post("/engagements/new", {"title": "T", "row_action": f"add:{section}"}
                             ).get_data(as_text=True)
    assert f'name="{section}-0-' in body


def test_the_blank_row_to_copy_is_rendered_once_and_the_same_on_every_page(app, owner_client,
                                                                           users,
                                                                           make_engagement):
    engagement = make_engagement(creator=users["product_owner"])
    pages = [owner_client.get("/engagements/new"),
             owner_client.get(f"/engagements/{engagement.id}/edit"),
             owner_client.post("/engagements/new", {"title": "", "row_action": "add:metrics"})]
    rows = [re.findall(r"<template data-row-template>(.*?)</template>",
                       page.get_data(as_text=True), re.S) for page in pages]
    assert len(rows[0]) == 6 and rows[0] == rows[1] == rows[2]
    metric, deliverable = rows[0][0], rows[0][5]
    assert 'name="metrics-__index__-name"' in metric and "Remove metric" in metric
    assert 'name="deliverables-__index__-kind"' in deliverable
    assert 'id="deliverables-__index__-acceptance_criteria"' in deliverable
    assert "autofocus" not in "".join(rows[0]) and "Status:" not in deliverable
    assert len(app.extensions["vendortrack.row_templates"]) == 6


def test_an_engagement_s_row_lists_are_read_once_in_their_order(app, users, make_engagement):
    engagement = make_engagement(creator=users["product_owner"], metrics=(
        Metric_("First", "1", "2", "", ""), Metric_("Second", "", "", "", ""),
        Metric_("Third", "", "", "", "")))
    # Stored out of insertion order: the list follows the positions.
    db.session.execute(update(Metric).where(Metric.name == "First").values(position=5))
    db.session.commit()
    db.session.expire_all()
    loaded = load_engagement(engagement.id)  # with its vendor
    statements = []

    def note(conn, cursor, sql, *args):
        statements.append(sql)

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        load_row_lists(loaded, (*SPEC_ROW_LISTS, "flags"))
        load_row_lists(loaded)  # all loaded already: nothing is read again
        spec = services.engagement_spec(loaded)
        flags = [f.code for f in loaded.flags]
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
    assert len(statements) == 6, statements
    assert [m.name for m in spec.metrics] == ["Second", "Third", "First"]
    assert [d.title for d in spec.deliverables] == ["Operations runbook", "Training"]
    assert [p.name for p in spec.successors] == ["Ben Okafor"]
    assert [p.name for p in spec.upskilling] == ["Chloe Moreau"]
    assert flags == [f.code for f in db.session.get(Engagement, engagement.id).flags]


def test_blank_rows_are_ignored(owner_client):
    owner_client.post("/engagements/new", {"title": "T", "metrics-0-name": "",
                                           "deliverables-0-kind": "runbook"})
    assert count(Metric) == 0 and count(Deliverable) == 0


def test_edit_updates_rows_and_keeps_acceptance(owner_client, users, make_engagement):
    engagement = make_engagement(creator=users["product_owner"])
    first = engagement.deliverables[0]
    services.change_deliverable_status(first, "delivered", users["product_owner"])
    services.change_deliverable_status(first, "accepted", users["product_owner"])
    form = owner_client.get(f"/engagements/{engagement.id}/edit").get_data(as_text=True)
    assert 'value="Operations runbook"' in form
    version = db.session.get(Engagement, engagement.id).version
    data = {"title": "Renamed", "version": str(version),
            # the second deliverable is removed; the first keeps its acceptance
            "deliverables-0-id": str(first.id), "deliverables-0-kind": "runbook",
            "deliverables-0-title": "Operations runbook v2"}
    response = owner_client.post(f"/engagements/{engagement.id}/edit", data)
    assert response.status_code == 302
    db.session.expire_all()
    saved = db.session.get(Engagement, engagement.id)
    assert saved.title == "Renamed" and len(saved.deliverables) == 1
    row = saved.deliverables[0]
    assert (row.id, row.title, row.status) == (first.id, "Operations runbook v2", "accepted")
    assert row.decided_by_id == users["product_owner"].id


def test_a_save_of_the_title_alone_marks_only_the_engagement_changed(app, users,
                                                                     make_engagement):
    """Rows a save leaves as they were are not marked changed (their positions, the vendor,
    the flags): the flush then has the engagement alone to compare, not every row."""
    engagement = make_engagement(creator=users["product_owner"])
    db.session.expire_all()
    engagement = db.session.get(Engagement, engagement.id)
    spec = replace(services.engagement_spec(engagement), title="Renamed")
    dirty = []

    def note(session, flush_context, instances):
        dirty.append(sorted(type(row).__name__ for row in session.dirty))

    session = db.session()
    event.listen(session, "before_flush", note)
    try:
        services.update_engagement(engagement, spec, users["product_owner"],
                                   expected_version=engagement.version,
                                   deliverable_ids=[d.id for d in engagement.deliverables])
    finally:
        event.remove(session, "before_flush", note)
    assert dirty[0] == ["Engagement"]
    db.session.expire_all()
    saved = db.session.get(Engagement, engagement.id)
    assert services.engagement_spec(saved) == spec and saved.version == 2


def test_a_save_reads_nothing_after_its_commit(owner_client, users, make_engagement):
    """The message and the redirect use the id and title just saved: reading them from the
    committed (so expired) row would load it again, in a second transaction."""
    engagement = make_engagement(creator=users["product_owner"])
    owner_client.get(f"/engagements/{engagement.id}/edit")
    seen = []

    def statement(conn, cursor, sql, *args):
        seen.append(sql)

    def commit(conn):
        seen.append("COMMIT")

    event.listen(db.engine, "before_cursor_execute", statement)
    event.listen(db.engine, "commit", commit)
    try:
        response = owner_client.post(f"/engagements/{engagement.id}/edit",
                                     {"title": "Renamed <&> “x”", "version": "1"})
    finally:
        event.remove(db.engine, "before_cursor_execute", statement)
        event.remove(db.engine, "commit", commit)
    assert response.headers["Location"] == f"/engagements/{engagement.id}"
    assert seen.count("COMMIT") == 1 and seen[-1] == "COMMIT"
    assert shown_flash(owner_client, response) == ("success", "Saved “Renamed <&> “x””.")


def test_a_save_keeping_the_vendor_and_function_does_not_look_them_up(owner_client, users,
                                                                      make_engagement):
    """The engagement's own vendor and function are kept without a query by name (any case
    or spacing); another name is looked up, and created when new."""
    engagement = make_engagement(creator=users["product_owner"],
                                 business_function="Customer payments")
    vendor_id, function_id = engagement.vendor_id, engagement.business_function_id
    lookups = []

    def note(conn, cursor, sql, *args):
        if re.search(r"\.name_key = ", sql):
            lookups.append(sql)

    def save(version, vendor, function):
        owner_client.get(f"/engagements/{engagement.id}/edit")
        event.listen(db.engine, "before_cursor_execute", note)
        try:
            return owner_client.post(f"/engagements/{engagement.id}/edit", {
                "title": "Kept", "version": version, "vendor": vendor,
                "business_function": function})
        finally:
            event.remove(db.engine, "before_cursor_execute", note)

    assert save("1", " northwind   ANALYTICS ", "customer Payments").status_code == 302
    saved = db.session.get(Engagement, engagement.id)
    assert (saved.vendor_id, saved.business_function_id) == (vendor_id, function_id)
    assert lookups == []
    assert save("2", "Contoso", "Customer payments").status_code == 302
    db.session.expire_all()
    saved = db.session.get(Engagement, engagement.id)
    assert saved.vendor.name == "Contoso" and saved.business_function_id == function_id
    assert len(lookups) >= 1 and count(Vendor) == 2


def test_save_is_all_or_nothing(owner_client, monkeypatch):
    """A failure in the middle of saving leaves nothing behind."""
    from vendortrack import services as svc

    def explode(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(svc, "refresh_risk", explode)
    response = owner_client.post("/engagements/new", FULL_FORM)
    assert response.status_code == 500
    assert "nothing half-done was saved" in response.get_data(as_text=True)
    assert count(Engagement) == count(Vendor) == count(Metric) == count(Deliverable) == 0


def test_form_class_directly(app):
    with app.test_request_context(method="POST", data={"title": "", "end_date": "2020-01-01",
                                                       "start_date": "2021-01-01"}):
        form = EngagementForm(meta={"csrf": False})
        assert form.validate() is False
        assert form.title.errors == ["Give the engagement a title."]
        assert form.end_date.errors == ["The end date cannot be before the start date."]


def test_edit_form_shows_saved_flags_beside_sections(owner_client, users, make_engagement):
    engagement = make_engagement(creator=users["product_owner"], internal_owner=None)
    body = owner_client.get(f"/engagements/{engagement.id}/edit").get_data(as_text=True)
    owner_section = body[body.index('id="section-owner"'):body.index('id="section-successors"')]
    assert 'data-flag="DEPENDENCY_TRAP_NO_OWNER"' in owner_section


def test_more_than_500_rows_is_refused_by_the_section_and_nothing_is_dropped(owner_client):
    rows = {f"metrics-{i}-name": f"Metric number {i}" for i in range(501)}
    response = owner_client.post("/engagements/new", {"title": "Too many rows", **rows})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and count(Engagement) == 0 and count(Metric) == 0
    assert 'id="metrics-limit-error"' in page
    assert "At most 500 rows fit in this section and it has 501; nothing was saved." in page
    assert "Saved" not in page and 'href="#section-metrics"' in page  # the summary links there
    assert 'value="Metric number 500"' in page  # the 501st row is still on the page


def test_500_rows_are_saved(owner_client):
    rows = {f"deliverables-{i}-title": f"Deliverable {i}" for i in range(500)}
    response = owner_client.post("/engagements/new", {"title": "Many rows", **rows})
    assert response.status_code == 302 and count(Deliverable) == 500


def test_more_than_500_rows_on_edit_keeps_the_saved_spec(owner_client, make_engagement):
    engagement = make_engagement()
    page = owner_client.get(f"/engagements/{engagement.id}/edit")
    assert page.status_code == 200
    rows = {f"constraints-{i}-text": f"Constraint {i}" for i in range(501)}
    response = owner_client.post(f"/engagements/{engagement.id}/edit",
                                 {"title": "Changed", "version": str(engagement.version),
                                  **rows})
    assert response.status_code == 200 and 'id="constraints-limit-error"' in response.get_data(
        as_text=True)
    db.session.expire_all()
    saved = db.session.get(Engagement, engagement.id)
    assert saved.title == "Automate support triage" and len(saved.constraints) == 1

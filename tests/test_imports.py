"""Importing engagements: preview, confirm all-or-nothing, stale previews, history, the
template, the XLSX export round trip, the API and who may do it (SQLite and PostgreSQL)."""
from __future__ import annotations

import io
import json
import re
import time
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from vendortrack import services
from vendortrack.domain import spec as specs
from vendortrack.extensions import db
from vendortrack.imports import service
from vendortrack.imports.reading import Refused
from vendortrack.models import AuditEvent, Engagement, Vendor
from vendortrack.tokens import create_token

from .import_files import HEADERS, csv_bytes, row, with_cached_values, xlsx_bytes

TOKEN_RE = re.compile(r"/import/([A-Za-z0-9_-]{20,})")


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def upload(client, data: bytes, name: str):
    client.get("/import")
    return client.post("/import", {"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def preview_of(client, data: bytes, name: str = "register.csv", query: str = ""):
    response = upload(client, data, name)
    assert response.status_code == 302, response.get_data(as_text=True)
    url = response.headers["Location"] + query
    return url, client.get(url)


def confirm_form(page: str) -> dict:
    form = page.split('id="confirm"')[1]
    fields = dict(re.findall(r'name="(mapping|orders|sha256|digest)"[^>]*value="([^"]*)"', form))
    return {k: v.replace("&#34;", '"').replace("&quot;", '"') for k, v in fields.items()}


@pytest.fixture(autouse=True)
def upload_folder(app, tmp_path):
    app.config["IMPORT_FOLDER"] = str(tmp_path / "imports")
    return tmp_path / "imports"


@pytest.fixture
def procurement(client, users):
    client.login(users["procurement"])
    return client


# --- preview -------------------------------------------------------------------------------

def test_preview_writes_nothing_and_counts_each_kind(procurement, make_engagement):
    make_engagement(contract_reference="C-1", title="Automate triage")
    data = csv_bytes([row("C-1", title="Automate triage, phase 2"), row("C-2"),
                      row("C-3", handover="31/02/2027"), row("", title="No reference")],
                     delimiter=";")
    before = (count(Engagement), count(AuditEvent), count(Vendor))
    _, page = preview_of(procurement, data)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    tiles = dict(re.findall(r'data-count="(\w+)">\s*<span class="tile-number">(\d+)', html))
    assert tiles == {"create": "2", "update": "1", "unchanged": "0", "problem": "1"}
    assert "row 4, Go-live: 31/02/2027 is not a date" in html
    # the history's words for the change of title
    assert "<strong>Title</strong>: Automate triage → Automate triage, phase 2" in html
    assert "columns separated by semicolons" in html
    assert "DEPENDENCY_TRAP_NO_OWNER" not in html and "KT_NOT_A_DELIVERABLE" in html
    assert (count(Engagement), count(AuditEvent), count(Vendor)) == before


def test_unknown_vendors_are_said_to_be_created(procurement, make_engagement):
    make_engagement(contract_reference="C-9", vendor="Known Vendor Ltd")
    _, page = preview_of(procurement, csv_bytes([row("C-1", vendor="Brand New GmbH"),
                                                  row("C-2", vendor="known vendor ltd"),
                                                  row("C-3", vendor="Known   Vendor  Ltd")]))
    html = page.get_data(as_text=True)
    assert "New vendor “Brand New GmbH” will be created." in html
    # the same vendor in any case and spacing, as the save finds it (services.find_vendor)
    assert "known vendor ltd” will be created" not in html
    assert "Known   Vendor  Ltd” will be created" not in html


def test_duplicated_references_are_problems(procurement):
    _, page = preview_of(procurement, csv_bytes([row("C-1"), row("C-2"), row("C-1")]))
    assert ("row 4, Contract reference: C-1 is also on row 2; each contract reference may "
            "appear once") in page.get_data(as_text=True)


def test_ambiguous_dates_ask_the_person_to_choose(procurement):
    data = csv_bytes([row("C-1", handover="03/04/2027"), row("C-2", handover="05/06/2027")])
    url, page = preview_of(procurement, data)
    html = page.get_data(as_text=True)
    assert "could be day first or month first" in html
    assert 'name="order-handover_date"' in html
    assert 'name="digest"' not in html and "Sort out what is listed at the top" in html
    chosen = procurement.get(url + "?order-handover_date=dmy").get_data(as_text=True)
    assert "could be day first" not in chosen
    assert procurement.post(url, confirm_form(chosen)).status_code == 302
    assert sorted(db.session.scalars(select(Engagement.handover_date))) == [
        date(2027, 4, 3), date(2027, 6, 5)]


def test_a_column_can_be_remapped(procurement):
    headers = ["Ref", "Name", "Company", "Owner"]
    data = csv_bytes([["C-1", "Triage", "Northwind", "Anna Berg"]], headers=headers)
    url, page = preview_of(procurement, data)
    html = page.get_data(as_text=True)
    assert "Not imported: Company" in html
    remapped = procurement.get(url + "?map-0=contract_reference&map-1=title&map-2=vendor"
                                     "&map-3=owner_name").get_data(as_text=True)
    assert "Not imported" not in remapped
    assert "New vendor “Northwind” will be created." in remapped


def test_two_columns_on_one_field_block_the_import(procurement):
    url, _ = preview_of(procurement, csv_bytes([row()]))
    html = procurement.get(url + "?map-1=title&map-2=title").get_data(as_text=True)
    assert "are both set to Title; choose one" in html


def test_xlsx_date_cells_amounts_and_cached_formula_values(procurement):
    data = xlsx_bytes([row("C-1", start=date(2027, 1, 4), value="=200000+50000"),
                       row("C-2", value="=1+1")])
    data = with_cached_values(data, {"J2": "250000"})
    _, page = preview_of(procurement, data, "register.xlsx")
    html = page.get_data(as_text=True)
    assert "row 2, Contract value: a formula; its saved result 250000 is used" in html
    assert "row 3, Contract value: is a formula without a saved result" in html


def test_formula_text_stays_text_and_is_neutralised_on_both_exports(procurement, app):
    data = csv_bytes([row("C-1", title="=HYPERLINK(\"http://evil\")"),
                      row("C-2", title="@SUM(A1)")])
    url, page = preview_of(procurement, data)
    assert procurement.post(url, confirm_form(page.get_data(as_text=True))).status_code == 302
    titles = set(db.session.scalars(select(Engagement.title)))
    assert titles == {'=HYPERLINK("http://evil")', "@SUM(A1)"}
    exported = procurement.get("/engagements/register.csv").get_data(as_text=True)
    assert "'=HYPERLINK" in exported and "'@SUM(A1)" in exported
    book = load_workbook(io.BytesIO(procurement.get("/engagements/register.xlsx").data))
    cells = [c.value for c in book["Engagements"]["B"]]
    assert cells[1:] == ["'=HYPERLINK(\"http://evil\")", "'@SUM(A1)"]
    assert all(c.data_type == "s" for c in book["Engagements"]["B"][1:])


# --- confirm -------------------------------------------------------------------------------

def test_confirm_imports_records_history_and_the_list_shows_them(procurement, users):
    data = csv_bytes([row("C-1"), row("C-2", vendor="Acme", title="Billing platform")])
    url, page = preview_of(procurement, data, "our register.csv")
    response = procurement.post(url, confirm_form(page.get_data(as_text=True)))
    assert response.status_code == 302
    listing = procurement.get(response.headers["Location"]).get_data(as_text=True)
    assert "Imported our register.csv: 2 created, 0 updated, 0 unchanged." in listing
    assert "Billing platform" in listing
    events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    imports = [e for e in events if e.action == "import"]
    assert len(imports) == 1 and imports[0].subject == "our register.csv"
    assert imports[0].user_id == users["procurement"].id
    assert {c["field"]: c["new"] for c in json.loads(imports[0].changes)}["created"] == 2
    assert sum(e.action == "engagement.create" for e in events) == 2
    assert procurement.get(url).status_code == 404  # the stored file is gone after use
    admin = procurement.__class__(procurement.app)
    admin.login(users["admin"])
    history = admin.get("/admin/history").get_data(as_text=True)
    assert "imported the file\n      our register.csv" in history
    assert "2 created, 0 updated, 0 unchanged, 0 skipped" in history


def test_rows_with_problems_refuse_unless_skipped(procurement):
    data = csv_bytes([row("C-1"), row("C-2", value="lots")])
    url, page = preview_of(procurement, data)
    form = confirm_form(page.get_data(as_text=True))
    refused = procurement.post(url, form)
    assert refused.status_code == 422
    assert "Nothing was imported: 1 row has a problem" in refused.get_data(as_text=True)
    assert "1 engagement will be created and 0 updated" in refused.get_data(as_text=True)
    assert "unless you skip the row with a problem" in refused.get_data(as_text=True)
    assert count(Engagement) == 0
    done = procurement.post(url, {**form, "skip_problems": "y"})
    assert done.status_code == 302
    assert list(db.session.scalars(select(Engagement.contract_reference))) == ["C-1"]


def test_all_or_nothing_when_a_write_fails_midway(app, users, monkeypatch):
    data = csv_bytes([row(f"C-{n}", vendor=f"Vendor {n}") for n in range(1, 6)])
    before = (count(Engagement), count(AuditEvent), count(Vendor))
    real = services.stage_create_engagements
    calls = []

    def failing(new_specs, user):
        calls.append([spec.contract_reference for spec in new_specs])
        if len(calls) == 2:
            # the first batch really reached the database
            assert count(Engagement) == before[0] + 2
            raise RuntimeError("disk full")
        return real(new_specs, user)

    monkeypatch.setattr(service, "BATCH", 2)
    monkeypatch.setattr(services, "stage_create_engagements", failing)
    with pytest.raises(RuntimeError):
        service.confirm(data, "r.csv", users["procurement"], mapping=None, orders=None,
                        skip_problems=False)
    db.session.rollback()
    assert calls == [["C-1", "C-2"], ["C-3", "C-4"]]
    assert (count(Engagement), count(AuditEvent), count(Vendor)) == before


def test_a_register_edited_since_the_preview_refuses_the_confirm(procurement, make_engagement,
                                                                 users):
    engagement = make_engagement(contract_reference="C-1", title="Automate triage")
    url, page = preview_of(procurement, csv_bytes([row("C-1", title="Renamed by import")]))
    form = confirm_form(page.get_data(as_text=True))
    services.update_engagement(engagement, replace(services.engagement_spec(engagement),
                                                   title="Edited meanwhile"),
                               users["admin"], expected_version=engagement.version)
    refused = procurement.post(url, form)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 409
    assert "Nothing was imported: The register changed since the preview." in html
    db.session.expire_all()
    assert db.session.get(Engagement, engagement.id).title == "Edited meanwhile"
    fresh = confirm_form(html)  # the fresh preview can be confirmed
    assert procurement.post(url, fresh).status_code == 302
    db.session.expire_all()
    assert db.session.get(Engagement, engagement.id).title == "Renamed by import"


def test_a_changed_file_refuses_the_confirm(procurement):
    url, page = preview_of(procurement, csv_bytes([row("C-1")]))
    form = confirm_form(page.get_data(as_text=True))
    refused = procurement.post(url, {**form, "sha256": "0" * 64})
    assert refused.status_code == 409
    assert "The file is not the one you previewed" in refused.get_data(as_text=True)
    assert count(Engagement) == 0


def test_unconfirmed_uploads_expire_after_a_day(procurement, upload_folder):
    url, _ = preview_of(procurement, csv_bytes([row()]))
    assert len(list(upload_folder.iterdir())) == 2  # the file and what it is
    with procurement.app.test_request_context():
        service.clean_expired(now=time.time() + service.EXPIRY_SECONDS + 1)
    assert list(upload_folder.iterdir()) == []
    assert procurement.get(url).status_code == 404


def test_uploads_belong_to_who_sent_them(procurement, make_client, users):
    url, _ = preview_of(procurement, csv_bytes([row()]))
    other = make_client()
    other.login(users["admin"])
    assert other.get(url).status_code == 404


def test_over_20_mb_gets_a_clear_message(procurement):
    response = upload(procurement, b"a,b\n" + b"x" * (21 * 1024 * 1024), "big.csv")
    assert response.status_code == 413
    assert "larger than 20 MB" in response.get_data(as_text=True)


@pytest.mark.parametrize("data, name, message", [
    (b"MZ\x90\x00" + b"\x00" * 1000, "register.csv", "is not text"),
    (b"a,b", "register.docx", "Choose an Excel workbook"),
])
def test_refused_files_say_why(procurement, data, name, message):
    response = upload(procurement, data, name)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)


# --- sheets, template, round trip ----------------------------------------------------------

def test_extra_sheets_fill_the_repeatable_rows(procurement):
    data = xlsx_bytes([row("C-1")], sheets={
        "Metrics": [["Contract reference", "Metric", "Baseline", "Target", "Unit",
                     "How it is measured"], ["C-1", "First response", "6", "2", "hours", "BI"]],
        "Constraints": [["Contract reference", "Constraint"], ["C-1", "Data stays in the EU"]],
        "Trade-offs": [["Contract reference", "Rule", "Who decides"],
                       ["C-1", "Accuracy beats speed", "Product owner"]],
        "Deliverables": [["Contract reference", "Kind", "Title", "Due date",
                          "Acceptance criteria", "Status"],
                         ["C-1", "Runbook", "Ops runbook", date(2027, 6, 30), "Restore", ""],
                         ["C-9", "Runbook", "Orphan", None, "", ""]],
        "People": [["Contract reference", "Role", "Name", "E-mail"],
                   ["C-1", "Successor", "Ben", "BEN@example.org"],
                   ["C-1", "Upskilling", "Chloe", ""]],
    })
    url, page = preview_of(procurement, data, "register.xlsx")
    html = page.get_data(as_text=True)
    assert "Deliverables sheet row 3: contract reference “C-9” is not in the engagements" in html
    assert 'name="digest"' not in html  # the orphan row blocks until fixed
    data = xlsx_bytes([row("C-1")], sheets={"Deliverables": [
        ["Contract reference", "Kind", "Title", "Due date", "Acceptance criteria", "Status"],
        ["C-1", "Runbook", "Ops runbook", date(2027, 6, 30), "Restore", "Delivered"]],
        "People": [["Contract reference", "Role", "Name", "E-mail"],
                   ["C-1", "Successor", "Ben", "BEN@example.org"]]})
    url, page = preview_of(procurement, data, "register.xlsx")
    assert procurement.post(url, confirm_form(page.get_data(as_text=True))).status_code == 302
    engagement = db.session.scalar(select(Engagement))
    spec = services.engagement_spec(engagement)
    assert spec.deliverables == (specs.Deliverable("runbook", "Ops runbook", date(2027, 6, 30),
                                                   "Restore", "delivered"),)
    assert spec.successors == (specs.Person("Ben", "ben@example.org"),)


def test_template_has_every_sheet_an_example_and_drop_down_lists(procurement):
    response = procurement.get("/import/template.xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["Engagements", "Metrics", "Constraints", "Trade-offs",
                               "Deliverables", "People"]
    main = book["Engagements"]
    assert [c.value for c in main[1]][:3] == ["Contract reference", "Title", "Vendor"]
    lists = {v.formula1 for v in main.data_validations.dataValidation}
    assert '"Draft,Active,In handover,Closed"' in lists and '"Yes,No"' in lists
    kinds = {v.formula1 for v in book["Deliverables"].data_validations.dataValidation}
    assert any("Training session" in k for k in kinds)
    # and the template itself imports cleanly
    _, plan = service.preview(response.data, "template.xlsx")
    assert plan.counts == {"create": 1, "update": 0, "unchanged": 0, "problem": 0}


def test_export_then_import_changes_nothing(procurement, make_engagement, users):
    make_engagement(contract_reference="C-1")
    make_engagement(contract_reference="C-2", title="=cmd|' /C calc'!A0",
                    contract_value=Decimal("1250.50"), core_capability=False,
                    internal_owner=None, vendor="")
    delivered = make_engagement(contract_reference="C-3", status="in_handover")
    services.change_deliverable_status(delivered.deliverables[0], "delivered", users["admin"])
    exported = procurement.get("/engagements/register.xlsx")
    assert exported.status_code == 200
    url, page = preview_of(procurement, exported.data, "export.xlsx")
    html = page.get_data(as_text=True)
    tiles = dict(re.findall(r'data-count="(\w+)">\s*<span class="tile-number">(\d+)', html))
    assert tiles == {"create": "0", "update": "0", "unchanged": "3", "problem": "0"}
    assert "Risk level (computed by vendortrack)" in html


# --- API and permissions -------------------------------------------------------------------

def api_post(app, user, data: bytes, name: str, query: str):
    client = app.test_client()
    headers = {"Authorization": f"Bearer {create_token(user, 'import')}"}
    return client.post(f"/api/v1/imports{query}", headers=headers,
                       data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def test_api_dry_run_then_import(app, users):
    data = csv_bytes([row("C-1"), row("C-2", start="soon")])
    preview = api_post(app, users["procurement"], data, "r.csv", "?dry_run=true")
    assert preview.status_code == 200
    body = preview.get_json()
    assert body["counts"] == {"create": 1, "update": 0, "unchanged": 0, "problem": 1}
    assert body["rows"][1]["problems"] == ["row 3, Start date: soon is not a date"]
    assert count(Engagement) == 0
    refused = api_post(app, users["procurement"], data, "r.csv", "?dry_run=false")
    assert refused.status_code == 422 and count(Engagement) == 0
    done = api_post(app, users["admin"], data, "r.csv", "?dry_run=false&skip_problems=true")
    assert done.status_code == 201
    assert done.get_json() == {"dry_run": False, "skipped_rows": [3], "counts": {
        "create": 1, "update": 0, "unchanged": 0, "problem": 1}}
    assert count(Engagement) == 1


def test_api_refuses_bad_files_and_parameters(app, users):
    assert api_post(app, users["admin"], b"MZ\x00\x00", "x.csv", "").status_code == 422
    assert api_post(app, users["admin"], csv_bytes([row()]), "x.csv",
                    "?dry_run=maybe").status_code == 422
    too_big = api_post(app, users["admin"], b"a,b\n" + b"x" * (21 * 1024 * 1024), "x.csv", "")
    assert too_big.status_code == 413
    assert too_big.get_json() == {"errors": {"file": ["The file is larger than 20 MB."]}}


@pytest.mark.parametrize("role", ["product_owner", "leadership"])
def test_product_owners_and_leadership_cannot_import(app, client, users, role):
    client.login(users[role])
    assert client.get("/import").status_code == 403
    assert client.get("/import/template.xlsx").status_code == 403
    assert client.post("/import", {"file": (io.BytesIO(csv_bytes([row()])), "r.csv")},
                       content_type="multipart/form-data").status_code == 403
    assert api_post(app, users[role], csv_bytes([row()]), "r.csv",
                    "?dry_run=false").status_code == 403
    assert ">Import<" not in client.get("/engagements").get_data(as_text=True)
    assert count(Engagement) == 0


@pytest.mark.parametrize("role", ["procurement", "admin"])
def test_procurement_and_admins_see_the_import(client, users, role):
    client.login(users[role])
    assert ">Import<" in client.get("/engagements").get_data(as_text=True)
    assert client.get("/import").status_code == 200


def test_store_refuses_what_cannot_be_read(app, users):
    with pytest.raises(Refused):
        service.store(b"MZ", "x.csv", users["admin"])


def test_headers_of_the_csv_export_are_recognised(procurement, make_engagement):
    make_engagement(contract_reference="C-1")
    exported = procurement.get("/engagements/register.csv").data
    _, page = preview_of(procurement, exported, "register.csv")
    html = page.get_data(as_text=True)
    tiles = dict(re.findall(r'data-count="(\w+)">\s*<span class="tile-number">(\d+)', html))
    assert tiles["unchanged"] == "1", html[html.find("rows-update"):][:3000]
    assert HEADERS[0] in html


def test_the_collector_runs_less_often_only_while_importing():
    import gc

    before = gc.get_threshold()
    with service.fewer_collections():
        with service.fewer_collections():  # confirm previews inside: nested
            assert gc.get_threshold()[0] == service.FIRST_GENERATION
        assert gc.get_threshold()[0] == service.FIRST_GENERATION
    assert gc.get_threshold() == before
    with pytest.raises(RuntimeError), service.fewer_collections():
        raise RuntimeError("a failed import")
    assert gc.get_threshold() == before

"""Contract annexes: issue, store, download, compare, permissions and immutability."""
from __future__ import annotations

import hashlib
import io
import json
import re
from dataclasses import replace
from datetime import timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import event, func, select

from vendortrack import services
from vendortrack.domain import spec as specs
from vendortrack.domain.annex import load_snapshot
from vendortrack.extensions import db
from vendortrack.models import Annex, AuditEvent

from .conftest import TODAY

NUMBER_RE = re.compile(r'name="number"[^>]*value="(\d+)"')
SECTIONS = ("1. Problem to be solved", "2. Success metrics", "3. Hard constraints",
            "4. Trade-off rules", "5. Internal owner and successors", "6. Handover",
            "7. Knowledge-transfer deliverables", "8. Exit and transition", "9. Signatures")


def issue(client, engagement_id: int, *, confirm: bool = False):
    """Open the preview page as a browser would and press "Issue annex vN"."""
    page = client.get(f"/engagements/{engagement_id}/annex")
    match = NUMBER_RE.search(page.get_data(as_text=True))
    data = {"number": match.group(1) if match else ""}
    if confirm:
        data["confirm_dependency_trap"] = "y"
    return client.post(f"/engagements/{engagement_id}/annexes", data)


def api_post(client, url: str, body: dict | None = None, *, csrf: bool = True):
    """A JSON POST from a signed-in browser session: the CSRF token goes in a header."""
    headers = {"X-CSRFToken": client.token} if csrf else {}
    return client.open("POST", url, json=body if body is not None else {}, headers=headers)


def annexes(engagement_id: int) -> list[Annex]:
    db.session.expire_all()
    return list(db.session.scalars(select(Annex).where(Annex.engagement_id == engagement_id)
                                   .order_by(Annex.number)))


def pdf_text(data: bytes) -> tuple[PdfReader, list[str]]:
    reader = PdfReader(io.BytesIO(data))
    return reader, [page.extract_text() for page in reader.pages]


@pytest.fixture
def procurement(make_client, users):
    client = make_client()
    client.login(users["procurement"])
    return client


@pytest.fixture
def owner(make_client, users):
    client = make_client()
    client.login(users["product_owner"])
    return client


# --- the PDF -----------------------------------------------------------------------------

def test_issued_pdf_has_every_section_footer_fingerprint_metadata_and_pdfa(
        app, procurement, make_engagement, users):
    engagement = make_engagement()
    response = issue(procurement, engagement.id)
    assert response.status_code == 302
    [annex] = annexes(engagement.id)
    download = procurement.get(f"/engagements/{engagement.id}/annexes/1.pdf")
    assert download.status_code == 200 and download.mimetype == "application/pdf"
    data = download.data
    assert data == annex.pdf
    assert hashlib.sha256(data).hexdigest() == annex.pdf_sha256
    assert annex.snapshot_sha256 == specs.fingerprint(load_snapshot(annex.snapshot))
    assert load_snapshot(annex.snapshot) == services.engagement_json(engagement)

    reader, pages = pdf_text(data)
    text = "\n".join(pages)
    for heading in SECTIONS:
        assert heading in text
    for phrase in ("Automate support triage", "C-2026-001", "Northwind Analytics",
                   "First-response time", "Customer data stays in the EU.",
                   "Accuracy beats speed.", "Anna Berg", "Ben Okafor", "Operations runbook",
                   "Ops team runs a restore from it", "Our organisation"):
        assert phrase in text
    # Internal risk assessment stays out of a contract document.
    assert "risk" not in text.lower() and "DEPENDENCY_TRAP" not in text
    assert "DRAFT" not in text
    # Every page: running header, annex version, the snapshot's fingerprint, page X of Y.
    assert len(reader.pages) >= 2
    for number, page in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in page
        assert f"Snapshot SHA-256: {annex.snapshot_sha256}" in page
        assert re.search(r"Annex v1 · issued \d{1,2} \w+ \d{4} by \w", page), page
        assert "Automate support triage · Contract C-2026-001" in page

    meta = reader.metadata
    assert meta.title == "Contract annex v1: Automate support triage"
    assert meta.author == "Our organisation"
    assert "Annex v1 to contract C-2026-001 with Northwind Analytics" in meta.subject
    assert meta.creation_date is not None
    assert abs(meta.creation_date.timestamp() - annex.issued_at.timestamp()) < 2

    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode()
    assert re.search(r"pdfaid:part[^0-9]*3", xmp)
    assert re.search(r"pdfaid:conformance[^A-Z]*U", xmp)
    fonts = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            assert "/FontFile2" in descriptor.get_object(), f"{font['/BaseFont']} not embedded"
            fonts.add(str(font["/BaseFont"]).split("+")[-1])
    assert {"Annex-Sans", "Annex-Sans-Bold"} <= fonts  # every font embedded, none from the system
    assert all(font.startswith("Annex-") for font in fonts), fonts


def test_the_annex_numbers_its_deliverables_and_repeats_the_table_header(
        app, procurement, make_engagement):
    rows = tuple(specs.Deliverable("documentation", f"Deliverable number {i}",
                                   TODAY + timedelta(days=i),
                                   "Reviewed and accepted by the successor team.")
                 for i in range(1, 81))
    engagement = make_engagement(deliverables=rows)
    assert issue(procurement, engagement.id).status_code == 302
    _, pages = pdf_text(annexes(engagement.id)[0].pdf)
    with_rows = [p for p in pages if "Deliverable number" in p]
    assert len(with_rows) >= 2
    for page in with_rows:
        assert "Acceptance criteria" in page  # the header row repeats on every page
    assert "Deliverable number 80" in pages[-1] or "Deliverable number 80" in pages[-2]


def test_draft_pdf_is_watermarked_and_not_stored(app, owner, make_engagement):
    engagement = make_engagement()
    response = owner.get(f"/engagements/{engagement.id}/annex/draft.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    _, pages = pdf_text(response.data)
    for page in pages:
        assert "DRAFT" in page
    assert "DRAFT of annex v1, not issued" in pages[0]
    assert annexes(engagement.id) == []


def test_preview_shows_the_annex_as_html_with_the_issue_button(app, procurement,
                                                               make_engagement):
    engagement = make_engagement()
    page = procurement.get(f"/engagements/{engagement.id}/annex")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    for heading in SECTIONS:
        assert heading in html
    assert "Issue annex v1" in html and 'data-busy="Issuing…"' in html
    assert "css/annex.css" in html


# --- issuing and permissions -------------------------------------------------------------

@pytest.mark.parametrize("role, allowed", [
    ("procurement", True), ("admin", True), ("product_owner", False), ("leadership", False)])
def test_only_procurement_and_admins_issue(app, make_client, users, make_engagement, role,
                                           allowed):
    engagement = make_engagement()
    client = make_client()
    client.login(users[role])
    page = client.get(f"/engagements/{engagement.id}/annex").get_data(as_text=True)
    assert ("Issue annex v1" in page) is allowed
    response = client.post(f"/engagements/{engagement.id}/annexes", {"number": "1"})
    assert response.status_code == (302 if allowed else 403)
    assert len(annexes(engagement.id)) == (1 if allowed else 0)
    api = api_post(client, f"/api/v1/engagements/{engagement.id}/annexes", {})
    # Allowed, but v1 already states these terms: nothing more is issued.
    assert api.status_code == (409 if allowed else 403)
    assert api.is_json


@pytest.mark.parametrize("role", ["procurement", "admin", "product_owner", "leadership"])
def test_every_role_downloads_issued_annexes(app, make_client, users, make_engagement,
                                             procurement, role):
    engagement = make_engagement()
    issue(procurement, engagement.id)
    client = make_client()
    client.login(users[role])
    web = client.get(f"/engagements/{engagement.id}/annexes/1.pdf")
    api = client.get(f"/api/v1/engagements/{engagement.id}/annexes/1.pdf")
    assert web.status_code == api.status_code == 200
    assert web.data == api.data == annexes(engagement.id)[0].pdf
    page = client.get(f"/engagements/{engagement.id}").get_data(as_text=True)
    assert "Download PDF" in page and annexes(engagement.id)[0].pdf_sha256 in page


def test_signed_out_visitors_get_nothing(app, client, make_engagement, procurement):
    engagement = make_engagement()
    issue(procurement, engagement.id)
    base = f"/engagements/{engagement.id}"
    for url in (f"{base}/annex", f"{base}/annexes/1.pdf", f"{base}/annex/draft.pdf",
                "/engagements/register.csv"):
        assert client.get(url).status_code == 302
    for url in (f"/api/v1/engagements/{engagement.id}/annexes",
                f"/api/v1/engagements/{engagement.id}/annexes/1.pdf"):
        response = client.get(url)
        assert response.status_code == 401 and response.is_json
    response = api_post(client, f"/api/v1/engagements/{engagement.id}/annexes", {}, csrf=False)
    assert response.status_code in (400, 401) and len(annexes(engagement.id)) == 1


def test_issuing_records_who_and_when_in_the_history(app, procurement, make_engagement, users):
    engagement = make_engagement()
    issue(procurement, engagement.id)
    [annex] = annexes(engagement.id)
    assert annex.issued_by_id == users["procurement"].id and annex.issued_at is not None
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "annex.issue"))
    assert event.engagement_id == engagement.id and event.user_id == users["procurement"].id
    assert event.subject == "Annex v1"
    assert {"field": "pdf_sha256", "old": None, "new": annex.pdf_sha256} in json.loads(
        event.changes)
    assert annex.engagement_version == event.engagement_version == engagement.version


def test_a_second_click_does_not_issue_twice(app, procurement, make_engagement):
    engagement = make_engagement()
    assert issue(procurement, engagement.id).status_code == 302
    stale = procurement.post(f"/engagements/{engagement.id}/annexes", {"number": "1"})
    assert stale.status_code == 302
    assert [a.number for a in annexes(engagement.id)] == [1]
    assert "has been issued meanwhile" in procurement.get(stale.location).get_data(as_text=True)


def test_open_dependency_trap_needs_explicit_confirmation(app, procurement, make_engagement):
    engagement = make_engagement(internal_owner=None, handover_date=None)
    page = procurement.get(f"/engagements/{engagement.id}/annex").get_data(as_text=True)
    assert "DEPENDENCY_TRAP_NO_OWNER" in page and "DEPENDENCY_TRAP_NO_HANDOVER" in page
    assert "want to issue this annex anyway" in page

    refused = issue(procurement, engagement.id)
    assert refused.status_code == 409
    body = refused.get_data(as_text=True)
    assert "Tick this box" in body and "DEPENDENCY_TRAP_NO_OWNER" in body
    assert annexes(engagement.id) == []

    api = api_post(procurement, f"/api/v1/engagements/{engagement.id}/annexes", {})
    assert api.status_code == 409
    assert {f["code"] for f in api.json["error"]["flags"]} == {
        "DEPENDENCY_TRAP_NO_OWNER", "DEPENDENCY_TRAP_NO_HANDOVER"}

    assert issue(procurement, engagement.id, confirm=True).status_code == 302
    assert [a.number for a in annexes(engagement.id)] == [1]
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "annex.issue"))
    assert "DEPENDENCY_TRAP_NO_OWNER" in event.changes


# --- immutability --------------------------------------------------------------------------

def test_no_route_changes_an_issued_annex(app):
    annex_rules = [r for r in app.url_map.iter_rules() if "annex" in r.rule]
    assert annex_rules
    for rule in annex_rules:
        writes = rule.methods - {"GET", "HEAD", "OPTIONS"}
        if rule.endpoint in ("annex.issue", "api.issue_annex"):
            assert writes == {"POST"} and rule.rule.endswith("/annexes")
        else:
            assert writes == set(), rule


def test_issued_annex_never_changes(app, procurement, owner, make_engagement, users):
    engagement = make_engagement()
    issue(procurement, engagement.id)
    first = procurement.get(f"/engagements/{engagement.id}/annexes/1.pdf").data
    stored = annexes(engagement.id)[0]
    snapshot, pdf_sha = stored.snapshot, stored.pdf_sha256

    for method in ("PUT", "PATCH", "DELETE", "POST"):
        for url in (f"/engagements/{engagement.id}/annexes/1.pdf",
                    f"/api/v1/engagements/{engagement.id}/annexes/1.pdf"):
            response = procurement.open(method, url, headers={"X-CSRFToken": procurement.token})
            assert response.status_code == 405, (method, url)
    for method in ("PUT", "PATCH", "DELETE"):
        response = procurement.open(method, f"/api/v1/engagements/{engagement.id}/annexes",
                                    headers={"X-CSRFToken": procurement.token})
        assert response.status_code == 405

    # The spec moves on; version 1 does not.
    changed = replace(services.engagement_spec(engagement), title="Renamed engagement")
    services.update_engagement(engagement, changed, users["product_owner"],
                               expected_version=engagement.version)
    again = owner.get(f"/engagements/{engagement.id}/annexes/1.pdf").data
    assert again == first
    after = annexes(engagement.id)[0]
    assert (after.snapshot, after.pdf_sha256) == (snapshot, pdf_sha)

    after.pdf = b"tampered"
    with pytest.raises(RuntimeError, match="cannot be changed"):
        db.session.flush()
    db.session.rollback()
    db.session.delete(annexes(engagement.id)[0])
    with pytest.raises(RuntimeError, match="cannot be changed"):
        db.session.flush()
    db.session.rollback()
    assert annexes(engagement.id)[0].pdf == first


def test_download_of_missing_version_is_a_clear_404(app, procurement, make_engagement):
    engagement = make_engagement()
    response = procurement.get(f"/engagements/{engagement.id}/annexes/3.pdf")
    assert response.status_code == 404
    assert "no annex v3" in response.get_data(as_text=True)
    api = procurement.get(f"/api/v1/engagements/{engagement.id}/annexes/3.pdf")
    assert api.status_code == 404 and "no annex v3" in api.json["error"]["detail"]
    assert procurement.get("/api/v1/engagements/999/annexes").status_code == 404


# --- what changed ------------------------------------------------------------------------

def test_done_when_walkthrough(app, procurement, owner, make_engagement, users):
    """v1, the owner changes a metric and adds a deliverable, the page says so, the
    comparison shows exactly those two changes, v2 is issued and both download unchanged."""
    engagement = make_engagement()
    show = f"/engagements/{engagement.id}"
    assert "Spec changed" not in procurement.get(show).get_data(as_text=True)
    issue(procurement, engagement.id)
    v1 = procurement.get(f"{show}/annexes/1.pdf").data
    assert "Annex v1 matches the current spec" in procurement.get(show).get_data(as_text=True)

    spec = services.engagement_spec(engagement)
    metric = replace(spec.metrics[0], target="1")
    added = specs.Deliverable("code_walkthrough", "Walk through the triage model",
                              TODAY + timedelta(days=90), "Successor explains every module")
    services.update_engagement(
        engagement, replace(spec, metrics=(metric,), deliverables=(*spec.deliverables, added)),
        users["product_owner"], expected_version=engagement.version)

    page = procurement.get(show).get_data(as_text=True)
    assert "Spec changed since annex v1" in page and "Compare with current spec" in page
    compare = procurement.get(f"{show}/annexes/compare?from=1&to=current")
    html = compare.get_data(as_text=True)
    assert compare.status_code == 200
    assert re.search(r"<strong>2</strong> changes", html)
    assert "Walk through the triage model" in html and "Added" in html
    assert html.count('class="diff-changed"') == 1 and html.count('class="diff-added"') == 1

    issue(procurement, engagement.id)
    assert [a.number for a in annexes(engagement.id)] == [1, 2]
    assert procurement.get(f"{show}/annexes/1.pdf").data == v1
    v2 = procurement.get(f"{show}/annexes/2.pdf").data
    assert v2 == annexes(engagement.id)[1].pdf and v2 != v1
    assert "Walk through the triage model" in " ".join(" ".join(pdf_text(v2)[1]).split())
    assert "Spec changed" not in procurement.get(show).get_data(as_text=True)

    between = procurement.get(f"{show}/annexes/compare?from=1&to=2").get_data(as_text=True)
    assert "annex v1 → annex v2" in between and re.search(r"<strong>2</strong> changes", between)


def test_deliverable_progress_does_not_count_as_a_spec_change(app, procurement,
                                                               make_engagement, users):
    engagement = make_engagement()
    issue(procurement, engagement.id)
    services.change_deliverable_status(engagement.deliverables[0], "delivered",
                                       users["product_owner"])
    page = procurement.get(f"/engagements/{engagement.id}").get_data(as_text=True)
    assert "Spec changed" not in page


def test_the_engagement_page_compares_with_the_annexes_and_spec_it_has(
        app, procurement, make_engagement, users, monkeypatch):
    """The page's annex status reuses the page's spec and its list of issued annexes: the
    spec is built once and the annexes are listed once (the newest one's snapshot read by
    its key)."""
    engagement = make_engagement()
    issue(procurement, engagement.id)
    built, real_spec = [], services.engagement_spec
    monkeypatch.setattr(services, "engagement_spec",
                        lambda engagement: built.append(engagement.id) or real_spec(engagement))
    listed = []

    def note(conn, cursor, statement, *args):
        if re.search(r"FROM annex\b.*ORDER BY annex\.number DESC", " ".join(statement.split())):
            listed.append(statement)

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        page = procurement.get(f"/engagements/{engagement.id}").get_data(as_text=True)
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
    assert "Annex v1 matches the current spec" in page
    assert built == [engagement.id] and len(listed) == 1


@pytest.mark.parametrize("query", ["from=abc", "from=1&to=x", "from=7", "from=1&to=9"])
def test_compare_with_bad_versions_says_what_to_do(app, procurement, make_engagement, query):
    engagement = make_engagement()
    issue(procurement, engagement.id)
    response = procurement.get(f"/engagements/{engagement.id}/annexes/compare?{query}")
    assert response.status_code in (400, 404)
    body = response.get_data(as_text=True)
    assert "no annex v" in body or "Choose annex versions by number" in body


# --- API ---------------------------------------------------------------------------------

def test_api_lists_issues_and_serves_annexes(app, procurement, make_engagement, users):
    engagement = make_engagement()
    base = f"/api/v1/engagements/{engagement.id}/annexes"
    assert procurement.get(base).json == {"engagement_id": engagement.id, "annexes": []}

    # A session POST without the CSRF token is refused.
    assert api_post(procurement, base, {}, csrf=False).status_code == 400
    created = api_post(procurement, base, {"number": 1})
    assert created.status_code == 201
    body = created.json
    assert body["number"] == 1 and len(body["sha256"]) == 64
    assert body["issued_by"]["email"] == users["procurement"].email
    assert created.headers["Location"].endswith(f"{base}/1.pdf")

    stale = api_post(procurement, base, {"number": 1})
    assert stale.status_code == 409 and stale.is_json
    bad = api_post(procurement, base, {"confirm_dependency_trap": "yes"})
    assert bad.status_code == 400 and bad.is_json

    listed = procurement.get(base).json["annexes"]
    assert [(a["number"], a["sha256"]) for a in listed] == [(1, body["sha256"])]
    assert listed[0]["issued_at"].startswith("20")
    pdf = procurement.get(f"{base}/1.pdf")
    assert hashlib.sha256(pdf.data).hexdigest() == body["sha256"]
    assert pdf.headers["ETag"].strip('"') == body["sha256"]
    again = procurement.get(f"{base}/1.pdf", headers={"If-None-Match": pdf.headers["ETag"]})
    assert again.status_code == 304


def test_concurrent_issue_of_the_same_number_stores_one(app, make_engagement, users,
                                                        monkeypatch):
    from vendortrack.annex import service

    engagement = make_engagement()
    service.issue_annex(engagement, users["admin"])
    count = db.session.scalar(select(func.count(Annex.id)))
    # Someone else's v1 lands between our check and our insert: the unique constraint holds.
    monkeypatch.setattr(service, "latest_number", lambda engagement_id: None)
    with pytest.raises(service.AnnexConflict):
        service.issue_annex(engagement, users["admin"])
    assert db.session.scalar(select(func.count(Annex.id))) == count


def test_compare_lists_changed_fields_with_old_and_new_values(app, procurement,
                                                             make_engagement, users):
    engagement = make_engagement()
    issue(procurement, engagement.id)
    spec = services.engagement_spec(engagement)
    services.update_engagement(
        engagement, replace(spec, title="Automate ticket routing",
                            handover_date=TODAY + timedelta(days=120)),
        users["product_owner"], expected_version=engagement.version)
    html = procurement.get(f"/engagements/{engagement.id}/annexes/compare").get_data(
        as_text=True)
    assert "annex v1 → current spec" in html
    assert re.search(r'<th scope="row">Title</th><td class="old">[^/]*Automate support triage'
                     r'.{0,40}<td class="new">[^/]*Automate ticket routing', html)
    assert "25 April 2027" in html and "26 March 2027" in html


def test_failing_render_stores_nothing_and_says_so(client, users, make_engagement, monkeypatch):
    from sqlalchemy import func, select

    from vendortrack.annex import service
    from vendortrack.extensions import db
    from vendortrack.models import Annex, AuditEvent

    engagement = make_engagement()

    def broken(document, **kwargs):
        raise OSError("fonts missing")

    monkeypatch.setattr(service, "render_pdf", broken)
    client.login(users["procurement"])
    client.get(f"/engagements/{engagement.id}/annex")
    response = client.post(f"/engagements/{engagement.id}/annexes", {"number": "1"},
                           follow_redirects=True)
    assert response.status_code == 200
    assert "could not be rendered, so nothing was issued" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Annex.id))) == 0
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(
        AuditEvent.action == "annex.issue")) == 0


def test_issuing_from_a_stale_preview_issues_nothing(make_client, users, make_engagement):
    import re

    from sqlalchemy import func, select

    from vendortrack.extensions import db
    from vendortrack.models import Annex

    engagement = make_engagement(creator=users["product_owner"])
    buyer, owner = make_client(), make_client()
    buyer.login(users["procurement"])
    owner.login(users["product_owner"])
    preview = buyer.get(f"/engagements/{engagement.id}/annex").get_data(as_text=True)
    version = re.search(r'name="spec_version" type="hidden" value="(\d+)"', preview).group(1)
    owner.post(f"/engagements/{engagement.id}/edit", {
        "title": "Changed behind the buyer's back", "version": str(engagement.version)})
    response = buyer.post(f"/engagements/{engagement.id}/annexes",
                          {"number": "1", "spec_version": version}, follow_redirects=True)
    assert "The spec changed after you opened the preview" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Annex.id))) == 0


def test_api_issue_refuses_a_spec_changed_since_it_was_read(app, users, make_engagement):
    from vendortrack.tokens import create_token

    engagement = make_engagement(creator=users["product_owner"])
    headers = {"Authorization": f"Bearer {create_token(users['procurement'], 'ERP')}"}
    url = f"/api/v1/engagements/{engagement.id}/annexes"
    with app.app_context():
        http = app.test_client()
        stale = http.post(url, json={"version": engagement.version + 1}, headers=headers)
        fresh = http.post(url, json={"version": engagement.version, "number": 1},
                          headers=headers)
    assert stale.status_code == 409 and "spec changed" in stale.json["error"]["detail"]
    assert fresh.status_code == 201 and fresh.json["number"] == 1


def test_an_engagement_at_its_annexs_version_is_not_compared_again(
        procurement, make_engagement, users, monkeypatch):
    """The page states "matches" from the version alone, as My work does; after a save it
    compares the terms (a save that changes no term still matches)."""
    from vendortrack.annex import service as annex_service

    engagement = make_engagement()
    show = f"/engagements/{engagement.id}"
    issue(procurement, engagement.id)
    compared = []
    real = annex_service.spec_changed
    monkeypatch.setattr(annex_service, "spec_changed",
                        lambda *args: compared.append(1) or real(*args))
    assert "Annex v1 matches the current spec" in procurement.get(show).get_data(as_text=True)
    assert compared == []
    spec = services.engagement_spec(engagement)
    services.update_engagement(engagement, spec, users["product_owner"],
                               expected_version=engagement.version)
    assert "Annex v1 matches the current spec" in procurement.get(show).get_data(as_text=True)
    assert compared == [1]

"""Racing requests get one winner and clear answers, never a 500 (issue #11, finding 4), and
the database itself refuses changes to history and issued annexes."""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from vendortrack import models, services
from vendortrack.annex import service as annex_service
from vendortrack.domain import spec as specs
from vendortrack.extensions import db
from vendortrack.models import (
    Annex,
    AuditEvent,
    Deliverable,
    Engagement,
    EngagementPerson,
    User,
    Vendor,
)

from .conftest import PASSWORD, TODAY, Client, complete_spec, shown_flash
from .load.loadrun import Forms


def together(count: int, action) -> list:
    """Run ``action(i)`` in ``count`` threads released at the same moment; their results."""
    start = threading.Barrier(count)
    results: list = [None] * count

    def run(i):
        start.wait()
        try:
            results[i] = action(i)
        except Exception as error:  # reported to the test, which fails on it
            results[i] = error

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def signed_in_clients(app, user, count: int, form_page: str) -> list[Client]:
    """``count`` browsers signed in as ``user``, each with ``form_page`` loaded."""
    clients = [Client(app) for _ in range(count)]
    for client in clients:
        client.login(user)
        client.get(form_page)
    return clients


def test_racing_first_run_setups_create_one_administrator(app):
    clients = [Client(app) for _ in range(12)]
    for client in clients:
        client.get("/setup")

    def setup(i):
        return clients[i].post("/setup", {"name": f"Admin {i}", "email": f"a{i}@example.org",
                                          "password": PASSWORD, "confirm": PASSWORD})

    responses = together(12, setup)
    assert all(not isinstance(r, Exception) for r in responses), responses
    statuses = sorted(r.status_code for r in responses)
    assert 500 not in statuses and set(statuses) <= {302, 404}
    assert db.session.scalar(select(func.count(User.id))) == 1
    winners = [r for r in responses if r.headers.get("Location", "").endswith("/admin/users")]
    assert len(winners) == 1
    losers = [r for r in responses if r.status_code == 302 and r not in winners]
    for response in losers:
        assert response.headers["Location"].endswith("/login")


def test_racing_creates_naming_the_same_new_vendor_all_save(app, make_user):
    clients = signed_in_clients(app, make_user("product_owner"), 8, "/engagements/new")

    def create(i):
        return clients[i].post("/engagements/new", {"title": f"Parallel {i}",
                                                    "vendor": "Brand New Vendor Ltd"})

    statuses = [r.status_code for r in together(8, create)]
    assert statuses == [302] * 8
    assert db.session.scalar(select(func.count(Vendor.id))) == 1
    vendor = db.session.scalars(select(Vendor)).one()
    assert len(vendor.engagements) == 8


def test_parallel_issues_of_an_unchanged_spec_create_one_version(app, users,
                                                                 make_engagement):
    engagement_id = make_engagement().id
    procurement = users["procurement"]
    clients = [Client(app) for _ in range(3)]
    for client in clients:
        client.login(procurement)
    from vendortrack.tokens import create_token

    token = create_token(procurement, "erp")

    def issue(i):
        return clients[i].open("POST", f"/api/v1/engagements/{engagement_id}/annexes", json={},
                                    headers={"Authorization": f"Bearer {token}"})

    responses = together(3, issue)
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201, 409, 409], [r.get_json() for r in responses]
    assert db.session.scalar(select(func.count(Annex.id))) == 1
    again = issue(0)
    assert again.status_code == 409
    assert "v1 already states these terms" in again.get_json()["error"]["detail"]


def test_issuing_an_unchanged_spec_again_is_refused(app, users, make_engagement):
    engagement = make_engagement()
    annex_service.issue_annex(engagement, users["procurement"])
    with pytest.raises(annex_service.AnnexUnchanged):
        annex_service.issue_annex(engagement, users["procurement"])


@pytest.mark.parametrize("statement", [
    "UPDATE audit_event SET action = 'forged'",
    "DELETE FROM audit_event",
    "UPDATE annex SET pdf_sha256 = 'forged'",
    "DELETE FROM annex",
])
def test_the_database_refuses_to_change_history_and_issued_annexes(app, users,
                                                                   make_engagement, statement):
    engagement = make_engagement()
    annex_service.issue_annex(engagement, users["procurement"])
    before = (db.session.scalar(select(func.count(AuditEvent.id))),
              db.session.scalar(select(Annex.pdf_sha256)))
    with pytest.raises(DBAPIError, match="append-only|cannot be changed"), \
            db.engine.begin() as connection:
        connection.execute(text(statement))
    db.session.rollback()
    assert (db.session.scalar(select(func.count(AuditEvent.id))),
            db.session.scalar(select(Annex.pdf_sha256))) == before
    services.record("still.appends", users["admin"])  # inserting stays allowed
    db.session.commit()


def test_others_can_save_while_an_annex_renders(app, users, make_engagement, monkeypatch):
    """Rendering happens outside the database transaction: a save made meanwhile goes
    through at once (on SQLite the render used to hold the write lock)."""
    engagement = make_engagement()
    owner_id = users["product_owner"].id
    saved = []
    original = annex_service.render_pdf

    def render_while_someone_saves(document):
        def save():
            with app.app_context():
                saved.append(services.create_engagement(
                    complete_spec(title="Saved meanwhile"), db.session.get(User, owner_id)).id)

        other = threading.Thread(target=save)
        other.start()
        other.join()
        return original(document)

    monkeypatch.setattr(annex_service, "render_pdf", render_while_someone_saves)
    annex = annex_service.issue_annex(engagement, users["procurement"])
    assert annex.number == 1 and len(saved) == 1


def test_racing_vendor_forms_with_one_new_name_save_one(app, make_user):
    clients = signed_in_clients(app, make_user("procurement"), 6, "/vendors/new")

    def create(i):
        return clients[i].post("/vendors/new", {"name": "Fabrikam Consulting",
                                                "contact": f"desk {i}"})

    responses = together(6, create)
    statuses = sorted(r.status_code for r in responses)
    assert statuses.count(302) == 1 and 500 not in statuses, statuses
    for response in responses:
        if response.status_code != 302:
            assert ("already exists" in response.get_data(as_text=True)
                    or "a moment ago" in response.get_data(as_text=True))
    assert db.session.scalar(select(func.count(Vendor.id))) == 1


# --- row changes of one engagement at the same moment (issue 17: a 500 under load) -------------
#
# First each race made deterministic: another request's save commits between this request's
# read and its write (saved_meanwhile), on both databases. Then real threads, on PostgreSQL
# only: SQLite takes its write lock when a writing request begins (BEGIN IMMEDIATE), so there
# the threads queue one behind the other and never meet between read and write.


@pytest.fixture
def postgresql_only(database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite queues writing requests (BEGIN IMMEDIATE): threads cannot race")

PAYMENTS = {"name": "Customer payments", "criticality": "critical",
            "criticality_reasons": "Customers cannot pay while it is down.",
            "assessed_on": "2026-10-01", "rto_hours": "4", "rpo_hours": "1", "impact": "high"}


def assert_stored_facts_are_fresh(engagement_id: int) -> Engagement:
    """The stored risk columns and flags are those of the rows as they are now: no change
    was computed from rows another change had replaced meanwhile."""
    db.session.expire_all()
    engagement = db.session.get(Engagement, engagement_id)
    columns, codes = services.risk_facts(services.engagement_spec(engagement),
                                         services.exit_facts(engagement))
    assert {c: getattr(engagement, c) for c in columns} == columns
    assert sorted(f.code for f in engagement.flags) == sorted(codes)
    return engagement


def status_url(engagement: Engagement, position: int) -> str:
    deliverable = engagement.deliverables[position]
    return f"/engagements/{engagement.id}/deliverables/{deliverable.id}/status"


def deliver_meanwhile(engagement_id: int, position: int):
    """Another request's save: it marks the engagement's deliverable at ``position``
    delivered (a save bumps the engagement's version)."""
    def change(session):
        engagement = session.get(Engagement, engagement_id)
        engagement.deliverables[position].status = "delivered"
        engagement.updated_at = models.utcnow()

    return change


def status_events(engagement_id: int) -> list[AuditEvent]:
    return db.session.scalars(select(AuditEvent).where(
        AuditEvent.engagement_id == engagement_id,
        AuditEvent.action == "deliverable.status")).all()


def test_a_status_change_that_loses_to_another_save_is_made_again(client, users,
                                                                  make_engagement,
                                                                  saved_meanwhile):
    """The other save moved the other deliverable: this change is made again on the rows as
    they are now, so both are stored and the stored risk counts both."""
    engagement = make_engagement()
    engagement_id, version = engagement.id, engagement.version
    client.login(users["product_owner"])
    saved_meanwhile(deliver_meanwhile(engagement_id, 1))
    response = client.post(status_url(engagement, 0), {"status": "delivered"})
    assert shown_flash(client, response) == ("success",
                                             "“Operations runbook” is now delivered.")
    engagement = assert_stored_facts_are_fresh(engagement_id)
    assert [d.status for d in engagement.deliverables] == ["delivered", "delivered"]
    assert engagement.version == version + 2  # the other save's, then this one's
    [event] = status_events(engagement_id)
    assert event.engagement_version == engagement.version


def test_a_status_change_made_again_follows_the_workflow_as_it_is_now(client, users,
                                                                      make_engagement,
                                                                      saved_meanwhile):
    """The other save moved the same deliverable: made again, the change meets the status
    that save stored and is refused as the workflow says, not stored twice."""
    engagement = make_engagement()
    client.login(users["product_owner"])
    saved_meanwhile(deliver_meanwhile(engagement.id, 0))
    response = client.post(status_url(engagement, 0), {"status": "delivered"})
    assert shown_flash(client, response) == (
        "error", "A deliverable that is delivered cannot be marked delivered.")
    assert_stored_facts_are_fresh(engagement.id)
    assert status_events(engagement.id) == []


def test_a_status_change_that_keeps_losing_asks_to_try_again(client, users, make_engagement,
                                                             saved_meanwhile):
    engagement = make_engagement()
    engagement_id = engagement.id
    client.login(users["product_owner"])

    def retitle(session):
        session.get(Engagement, engagement_id).title += "!"

    saved_meanwhile(*[retitle] * services.ROW_CHANGE_ATTEMPTS)
    response = client.post(status_url(engagement, 0), {"status": "delivered"})
    kind, message = shown_flash(client, response)
    assert kind == "error" and "same moment" in message
    engagement = assert_stored_facts_are_fresh(engagement_id)
    assert engagement.deliverables[0].status == "planned" and status_events(engagement_id) == []
    assert engagement.title.endswith("!" * services.ROW_CHANGE_ATTEMPTS)


def test_an_attestation_that_loses_to_another_save_is_recorded(client, make_user,
                                                               make_engagement,
                                                               saved_meanwhile):
    """Dana's attestation is stored while Ben's is being written: both are recorded and the
    engagement counts both."""
    ben = make_user("product_owner", email="ben.okafor@example.org", name="Ben Okafor")
    engagement = make_engagement(successors=(
        specs.Person("Ben Okafor", "ben.okafor@example.org"),
        specs.Person("Dana Lee", "dana@example.org")))
    engagement_id, (ben_row, dana_row) = engagement.id, [p.id for p in engagement.successors]

    def dana_attests(session):
        dana = session.get(EngagementPerson, dana_row)
        dana.can_operate = dana.can_maintain = dana.can_extend = dana.can_explain = True
        dana.attested_on = TODAY
        session.get(Engagement, engagement_id).updated_at = models.utcnow()

    client.login(ben)
    client.get(f"/engagements/{engagement_id}")
    saved_meanwhile(dana_attests)
    response = client.post(f"/engagements/{engagement_id}/successors/{ben_row}/readiness",
                           {"abilities": ["operate", "maintain", "extend", "explain"]})
    assert shown_flash(client, response)[0] == "success"
    engagement = assert_stored_facts_are_fresh(engagement_id)
    assert [p.attested_on for p in engagement.successors] == [TODAY, TODAY]
    assert services.exit_facts(engagement).successors_ready == 2


def test_a_function_made_critical_while_an_engagement_is_saved(client, users, make_engagement,
                                                               saved_meanwhile):
    """The function's save refreshes its engagements' exit facts; a save of one of them
    meanwhile makes it refresh them again on the rows as they are now."""
    engagements = [make_engagement(business_function="Customer payments") for _ in range(2)]
    function_id = engagements[0].business_function_id
    client.login(users["admin"])
    client.get(f"/functions/{function_id}/edit")
    saved_meanwhile(deliver_meanwhile(engagements[1].id, 0))
    response = client.post(f"/functions/{function_id}/edit", PAYMENTS)
    assert response.headers["Location"].endswith(f"/functions/{function_id}")
    for engagement in engagements:
        assert assert_stored_facts_are_fresh(engagement.id).supports_critical_function
    assert assert_stored_facts_are_fresh(engagements[1].id).deliverables[0].status == (
        "delivered")


@pytest.mark.usefixtures("postgresql_only")
def test_status_changes_racing_on_one_engagement_never_fail_and_none_is_lost(app, users,
                                                                             make_engagement):
    """Eight people each move another deliverable of one engagement at the same moment:
    every answer is the engagement page with a message (no 500), each change is either
    stored with its history event or reported as not saved, and the stored risk counts
    every stored change."""
    count = 8
    engagement = make_engagement(deliverables=tuple(
        specs.Deliverable("runbook", f"Deliverable {i}", TODAY + timedelta(days=10 * i - 30),
                          "", "planned") for i in range(count)))
    engagement_id, version = engagement.id, engagement.version
    ids = [d.id for d in engagement.deliverables]
    clients = [Client(app) for _ in range(count)]
    for i, client in enumerate(clients):
        client.login(users["admin"] if i % 2 else users["product_owner"])
        client.get(f"/engagements/{engagement_id}")
    stored = 0
    for status in ("delivered", "accepted"):
        def move(i, status=status):
            url = f"/engagements/{engagement_id}/deliverables/{ids[i]}/status"
            return clients[i].post(url, {"status": status})

        responses = together(count, move)
        assert [getattr(r, "status_code", r) for r in responses] == [302] * count
        outcomes = [shown_flash(clients[i], r) for i, r in enumerate(responses)]
        db.session.expire_all()
        for i, (kind, message) in enumerate(outcomes):
            row = db.session.get(Deliverable, ids[i])
            if kind == "success":
                assert message == f"“Deliverable {i}” is now {status}."
                assert row.status == status
                stored += 1
            else:
                assert "same moment" in message and row.status != status
        assert sum(kind == "success" for kind, _ in outcomes) >= 1
        for i, (kind, _) in enumerate(outcomes):  # what was reported unsaved is done now
            if kind != "success":
                assert shown_flash(clients[i], move(i))[0] == "success"
                stored += 1
    engagement = assert_stored_facts_are_fresh(engagement_id)
    assert engagement.version == version + stored == version + 2 * count
    assert engagement.open_deliverables == 0
    events = db.session.scalar(select(func.count(AuditEvent.id)).where(
        AuditEvent.engagement_id == engagement_id, AuditEvent.action == "deliverable.status"))
    assert events == stored


@pytest.mark.usefixtures("postgresql_only")
def test_one_deliverable_moved_by_several_at_once_moves_once(app, users, make_engagement):
    engagement = make_engagement()
    deliverable_id = engagement.deliverables[0].id
    url = f"/engagements/{engagement.id}/deliverables/{deliverable_id}/status"
    clients = signed_in_clients(app, users["admin"], 6, f"/engagements/{engagement.id}")

    responses = together(6, lambda i: clients[i].post(url, {"status": "delivered"}))
    outcomes = sorted(shown_flash(clients[i], r) for i, r in enumerate(responses))
    assert outcomes.count(("success", "“Operations runbook” is now delivered.")) == 1
    for kind, message in outcomes:
        assert kind == "success" or (
            "cannot be marked delivered" in message or "same moment" in message), message
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(
        AuditEvent.action == "deliverable.status")) == 1
    assert_stored_facts_are_fresh(engagement.id)


@pytest.mark.usefixtures("postgresql_only")
def test_status_changes_racing_an_edit_of_the_engagement(app, users, make_engagement):
    """A save of the whole form and status changes of the same engagement at once: the
    save is stored or gets the conflict page, each status change is stored or reported,
    and nothing answers 500."""
    engagement = make_engagement()
    engagement_id, title = engagement.id, engagement.title
    ids = [d.id for d in engagement.deliverables]
    editor = Client(app)
    editor.login(users["product_owner"])
    page = editor.get(f"/engagements/{engagement_id}/edit").get_data(as_text=True)
    form = next(f for f in Forms(page).forms if f["id"] == "spec-form")
    typed = {n: v for n, v in form["fields"] if "__index__" not in n}
    typed["title"] = "Saved while statuses moved"
    movers = signed_in_clients(app, users["admin"], 4, f"/engagements/{engagement_id}")

    def act(i):
        if i == 0:
            return editor.post(f"/engagements/{engagement_id}/edit", typed)
        url = f"/engagements/{engagement_id}/deliverables/{ids[i % 2]}/status"
        return movers[i - 1].post(url, {"status": "delivered"})

    responses = together(5, act)
    assert all(not isinstance(r, Exception) for r in responses), responses
    assert responses[0].status_code in (302, 409)
    moved = {d: False for d in ids}
    for i, response in enumerate(responses[1:], 1):
        kind, message = shown_flash(movers[i - 1], response)
        assert kind == "success" or "cannot be marked" in message or "same moment" in message
        moved[ids[i % 2]] |= kind == "success"
    engagement = assert_stored_facts_are_fresh(engagement_id)
    assert engagement.title == ("Saved while statuses moved"
                                if responses[0].status_code == 302 else title)
    assert {d.id: d.status == "delivered" for d in engagement.deliverables} == moved


@pytest.mark.usefixtures("postgresql_only")
def test_readiness_attestations_racing_on_one_engagement_are_all_recorded(app, make_user,
                                                                          make_engagement):
    owner = make_user("product_owner", email="anna.berg@example.org", name="Anna Berg")
    engagement = make_engagement(successors=tuple(
        specs.Person(f"Successor {i}", f"successor{i}@example.org") for i in range(5)))
    engagement_id, rows = engagement.id, [p.id for p in engagement.successors]
    clients = signed_in_clients(app, owner, 5, f"/engagements/{engagement_id}")

    def attest(i):
        return clients[i].post(f"/engagements/{engagement_id}/successors/{rows[i]}/readiness",
                               {"abilities": ["operate", "maintain", "extend", "explain"]})

    outcomes = [shown_flash(clients[i], r) for i, r in enumerate(together(5, attest))]
    for kind, message in outcomes:
        assert kind == "success" or "same moment" in message, message
    engagement = assert_stored_facts_are_fresh(engagement_id)
    recorded = {p.id for p in engagement.successors if p.attested_on is not None}
    assert recorded == {rows[i] for i, (kind, _) in enumerate(outcomes) if kind == "success"}
    assert engagement.successor_ready


@pytest.mark.usefixtures("postgresql_only")
def test_a_function_made_critical_while_its_engagements_change(app, users, make_engagement):
    """The function's save refreshes the exit facts of every supporting engagement; status
    changes of those engagements at the same moment make it refresh them again, not fail."""
    engagements = [make_engagement(business_function="Customer payments") for _ in range(3)]
    function_id = engagements[0].business_function_id
    targets = [(e.id, e.deliverables[0].id) for e in engagements]
    admin = signed_in_clients(app, users["admin"], 1, f"/functions/{function_id}/edit")[0]
    movers = signed_in_clients(app, users["admin"], 3, f"/engagements/{targets[0][0]}")

    def act(i):
        if i == 0:
            return admin.post(f"/functions/{function_id}/edit", PAYMENTS)
        engagement_id, deliverable_id = targets[i - 1]
        return movers[i - 1].post(
            f"/engagements/{engagement_id}/deliverables/{deliverable_id}/status",
            {"status": "delivered"})

    responses = together(4, act)
    assert [getattr(r, "status_code", r) for r in responses] == [302] * 4
    assert responses[0].headers["Location"].endswith(f"/functions/{function_id}")
    for i, response in enumerate(responses[1:]):
        assert shown_flash(movers[i], response)[0] == "success"
    for engagement_id, _ in targets:
        assert assert_stored_facts_are_fresh(engagement_id).supports_critical_function

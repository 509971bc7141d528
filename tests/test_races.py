"""Racing requests get one winner and clear answers, never a 500 (issue #11, finding 4), and
the database itself refuses changes to history and issued annexes."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from vendortrack import services
from vendortrack.annex import service as annex_service
from vendortrack.extensions import db
from vendortrack.models import Annex, AuditEvent, User, Vendor

from .conftest import PASSWORD, Client, complete_spec


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

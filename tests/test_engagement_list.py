"""The engagement list: search, filters, sorting and pagination in the database."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import event, text

from vendortrack.domain.spec import Person
from vendortrack.extensions import db

from .conftest import TODAY


def total(response) -> int:
    return int(re.search(r"data-total>(\d+)<", response.get_data(as_text=True)).group(1))


def titles(response) -> list[str]:
    return re.findall(r'class="row-title"[^>]*>([^<]+)<', response.get_data(as_text=True))


@pytest.fixture
def listing(client, users, make_engagement):
    make_engagement(title="Alpha chatbot", vendor="Northwind", status="active")
    make_engagement(title="Beta forecasting", vendor="Contoso", status="draft",
                    internal_owner=Person("Zed Owner", "zed@example.org"))
    make_engagement(title="Gamma search", vendor="Contoso", status="closed",
                    handover_date=None)
    make_engagement(title="Delta 100% rollout", vendor="Fabrikam", status="active",
                    handover_date=None)
    client.login(users["leadership"])
    return client


@pytest.mark.parametrize("query, expected", [
    ("q=alpha", ["Alpha chatbot"]),
    ("q=aLPHA%20CHAT", ["Alpha chatbot"]),  # any case, on SQLite as on PostgreSQL
    ("q=ZED@EXAMPLE", ["Beta forecasting"]),
    ("q=a_p", []),                          # a typed _ is a character, not a wildcard
    ("q=CONTOSO", ["Beta forecasting", "Gamma search"]),
    ("q=zed", ["Beta forecasting"]),
    ("q=100%25", ["Delta 100% rollout"]),
    ("q=%25", ["Delta 100% rollout"]),      # a typed % is a character, not a wildcard
    ("status=draft", ["Beta forecasting"]),
    ("status=open", ["Alpha chatbot", "Beta forecasting", "Delta 100% rollout"]),
    ("flag=DEPENDENCY_TRAP_NO_HANDOVER", ["Delta 100% rollout"]),  # closed ones carry no flags
    ("risk=high", ["Delta 100% rollout"]),
    ("risk=none", ["Alpha chatbot", "Beta forecasting", "Gamma search"]),
    ("trap=1", ["Delta 100% rollout"]),
    ("owner=zed@example.org", ["Beta forecasting"]),
    ("status=bogus&risk=nonsense&flag=NOPE", None),  # unknown values are ignored
])
def test_filters(listing, query, expected):
    response = listing.get(f"/engagements?{query}&sort=title")
    assert response.status_code == 200
    if expected is None:
        assert total(response) == 4
    else:
        assert sorted(titles(response)) == sorted(expected)
        assert total(response) == len(expected)


@pytest.mark.parametrize("sort", ["updated", "title", "risk"])
def test_a_search_looks_up_the_matching_vendors_once(app, listing, sort):
    """The page's rows and its count (and the risk order's levels) share one lookup."""
    lookups = []

    def note(conn, cursor, statement, *args):
        if re.search(r"FROM vendor\s+WHERE vendor\.name_key LIKE", statement):
            lookups.append(statement)

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        response = listing.get(f"/engagements?q=contoso&sort={sort}")
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
    assert sorted(titles(response)) == ["Beta forecasting", "Gamma search"]
    assert total(response) == 2 and len(lookups) == 1


def test_vendor_filter(listing):
    page = listing.get("/engagements").get_data(as_text=True)
    contoso_id = re.search(r'<option value="(\d+)">Contoso</option>', page).group(1)
    response = listing.get(f"/engagements?vendor={contoso_id}")
    assert sorted(titles(response)) == ["Beta forecasting", "Gamma search"]


def test_sorting(listing):
    assert titles(listing.get("/engagements?sort=title")) == [
        "Alpha chatbot", "Beta forecasting", "Delta 100% rollout", "Gamma search"]
    assert titles(listing.get("/engagements?sort=risk"))[0] == "Delta 100% rollout"
    assert titles(listing.get("/engagements?sort=vendor"))[-1] == "Alpha chatbot"


def test_pagination(app, client, users, make_engagement):
    app.config["PER_PAGE"] = 2
    for i in range(5):
        make_engagement(title=f"Engagement {i}")
    client.login(users["procurement"])
    first = client.get("/engagements?sort=title")
    assert titles(first) == ["Engagement 0", "Engagement 1"] and total(first) == 5
    third = client.get("/engagements?sort=title&page=3")
    assert titles(third) == ["Engagement 4"]
    assert 'href="/engagements?page=2&amp;sort=title"' in third.get_data(as_text=True)
    assert titles(client.get("/engagements?page=99")) == []
    assert client.get("/engagements?page=-3").status_code == 200


def test_dated_flags_filter_on_the_day_viewed(app, listing, make_engagement):
    from vendortrack.domain.spec import Deliverable

    make_engagement(title="Due tomorrow", deliverables=(
        Deliverable("runbook", "R", TODAY + timedelta(days=1), "", "planned"),
        Deliverable("runbook", "S", TODAY + timedelta(days=10), "", "planned")))
    assert titles(listing.get("/engagements?flag=KT_OVERDUE")) == []
    app.config["VENDORTRACK_TODAY"] = TODAY + timedelta(days=2)
    assert titles(listing.get("/engagements?flag=KT_OVERDUE")) == ["Due tomorrow"]


def test_empty_state_says_what_to_do(client, users):
    client.login(users["product_owner"])
    body = client.get("/engagements").get_data(as_text=True)
    assert "No engagements yet" in body and "Write the first spec" in body


@pytest.mark.parametrize("sort", ["risk", "title", "vendor", "status", "handover", "updated"])
def test_a_page_read_ids_first_is_the_page_of_the_whole_query(app, listing, make_engagement,
                                                              sort):
    """Sorts without an index read a page of ids, then its rows: the same rows, same order."""
    from vendortrack.extensions import db
    from vendortrack.queries import EngagementFilter, list_page

    for n in range(7):
        make_engagement(title=f"Extra {n}", vendor=("Northwind", "Contoso", "")[n % 3],
                        status=("active", "draft", "closed")[n % 3])
    filters = EngagementFilter(sort=sort)
    whole = [e.id for e in db.session.scalars(filters.statement(TODAY))]
    for page in (1, 2, 3):
        shown = list_page(filters, TODAY, page, 4)
        assert [e.id for e in shown.items] == whole[(page - 1) * 4:page * 4]
        assert shown.total == len(whole) == 11
    assert listing.get(f"/engagements?sort={sort}&page=3").status_code == 200


# --- SQLite's trigram index (migration 0016) ------------------------------------------------

def test_the_search_follows_every_write(listing, users, make_engagement):
    from vendortrack import services

    engagement = make_engagement(title="Quantum ledger", vendor="Northwind")
    assert titles(listing.get("/engagements?q=ledger")) == ["Quantum ledger"]
    spec = services.engagement_spec(engagement)
    services.update_engagement(
        engagement, spec.__class__(**{**spec.__dict__, "title": "Orbital planner",
                                      "internal_owner": Person("Ada", "ada.q@example.org")}),
        users["admin"], expected_version=engagement.version)
    assert titles(listing.get("/engagements?q=quantum")) == []
    assert titles(listing.get("/engagements?q=BITAL PLAN")) == ["Orbital planner"]
    assert titles(listing.get("/engagements?q=ada.q@")) == ["Orbital planner"]


def test_a_search_reads_what_is_typed_literally(listing, make_engagement):
    from html import unescape

    title = 'The "quoted" plan AND more*'
    make_engagement(title=title)
    for typed in ('"quoted" plan', "AND more*", "d\" p"):
        assert [unescape(t) for t in titles(listing.get("/engagements", query_string={
            "q": typed}))] == [title], typed
    assert titles(listing.get("/engagements?q=plan OR x")) == []  # no search syntax


def test_sqlite_searches_from_the_index_and_folds_accents_case(listing, make_engagement,
                                                              database_url):
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite's index (PostgreSQL has its trigram indexes)")
    import sqlite3

    from vendortrack.queries import SEARCHED_COLUMNS, sqlite_search_index

    make_engagement(title="ÉCOLE pilot")
    assert sqlite_search_index()
    indexed = [row[1] for row in db.session.execute(text("PRAGMA table_info(engagement_search)"))]
    assert indexed == [column.key for column in SEARCHED_COLUMNS]
    statements = []
    event.listen(db.engine, "before_cursor_execute",
                 lambda conn, cursor, statement, *args: statements.append(statement))
    assert titles(listing.get("/engagements?q=école")) == ["ÉCOLE pilot"]
    assert any("engagement_search MATCH" in s for s in statements)
    db.session.commit()
    with sqlite3.connect(database_url.removeprefix("sqlite:///")) as conn:  # no foreign keys
        conn.execute("DELETE FROM engagement WHERE title = 'ÉCOLE pilot'")
    assert titles(listing.get("/engagements?q=pilot")) == []


def test_without_the_index_sqlite_searches_every_row(tmp_path, sqlite_template, caplog,
                                                    monkeypatch):
    import shutil
    import sqlite3

    from vendortrack import create_app, queries, services
    from vendortrack.domain.spec import Spec
    from vendortrack.queries import EngagementFilter, sqlite_search_index

    # Alembic's logging set-up (run by the migrations in the fixtures) disables old loggers.
    monkeypatch.setattr(queries.log, "disabled", False)

    from .conftest import app_config

    path = tmp_path / "no-index.sqlite3"
    shutil.copy(sqlite_template, path)
    with sqlite3.connect(path) as conn:
        conn.execute("DROP TRIGGER engagement_search_update")  # the index could go stale
    app = create_app(app_config(f"sqlite:///{path}"))
    with app.app_context():
        owner = services.create_user(email="po@example.org", name="PO", role="product_owner",
                                     password="a password 1234", actor=None)
        services.create_engagement(Spec(title="Stale-proof search"), owner)
        assert not sqlite_search_index()
        assert "lacks engagement_search" in caplog.text
        found = db.session.scalars(EngagementFilter(q="proof").statement(TODAY)).all()
        assert [e.title for e in found] == ["Stale-proof search"]
        db.session.remove()
        db.engine.dispose()

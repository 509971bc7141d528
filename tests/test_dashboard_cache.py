"""The dashboard's per-process cache: kept while the database's data version is unchanged, so a
write by anyone — this app, another server, a script in SQL — shows on the next view, and every
number still equals the list it opens."""
from __future__ import annotations

import re
import subprocess
import sys
from datetime import timedelta

import pytest

from tests.conftest import TODAY, Client, app_config
from vendortrack import create_app
from vendortrack.dashboard import cache
from vendortrack.domain import spec as specs

TILES_RE = re.compile(r'<div class="tiles">(.*?)\n</div>', re.S)
EXIT_RE = re.compile(r'<div class="exit-figures">(.*?)</div>', re.S)
LINK_RE = re.compile(r'<a[^>]*href="([^"]+)"[^>]*>(.*?)</a>', re.S)
TOTAL_RE = re.compile(r"data-total>([\d,]+)<")


def overdue_kt(status: str = "planned") -> tuple:
    """A knowledge-transfer deliverable due five days ago and not yet accepted."""
    return (specs.Deliverable("runbook", "Runbook", TODAY - timedelta(days=5), "Ops restore",
                              status),)


@pytest.fixture
def leader(app, users, make_engagement):
    """A signed-in leadership client, a few engagements, and the dashboard seen once."""
    make_engagement(title="Clean", vendor="Northwind Analytics")
    make_engagement(title="No owner", vendor="Contoso Consulting", internal_owner=None)
    make_engagement(title="Overdue", vendor="Contoso Consulting", deliverables=overdue_kt(),
                    business_function="Claims handling")
    client = Client(app)
    client.login(users["leadership"])
    return client


def figures(client) -> dict:
    response = client.get("/api/v1/dashboard")
    assert response.status_code == 200
    return response.get_json()


def served_from_cache(client, url: str) -> bool:
    """Whether a view of ``url`` took what it shows from the cache."""
    before = cache.of(client.app).hits
    assert client.get(url).status_code == 200
    return cache.of(client.app).hits > before


def test_a_repeated_view_is_served_from_the_cache(leader):
    figures(leader)
    assert served_from_cache(leader, "/api/v1/dashboard")
    leader.get("/dashboard")
    assert served_from_cache(leader, "/dashboard")
    assert not served_from_cache(leader, "/dashboard?status=all")  # other filters, other entry


def put_back(api, url: str, change) -> None:
    document = api.get(url).json
    change(document)
    response = api.put(url, document)
    assert response.status_code == 200, response.json


def test_writes_through_the_app_show_on_the_next_view(leader, api, make_engagement):
    engagement = make_engagement(title="Edited", vendor="Fabrikam Data Labs",
                                 deliverables=overdue_kt("delivered"),
                                 business_function="Payments")
    before = figures(leader)
    assert served_from_cache(leader, "/api/v1/dashboard")
    url = f"/api/v1/engagements/{engagement.id}"

    put_back(api["product_owner"], url, lambda d: d.update(internal_owner=None))
    after_owner = figures(leader)
    assert after_owner["no_internal_owner"]["count"] == before["no_internal_owner"]["count"] + 1

    def accept(document):  # a deliverable's status lives on its own row
        document["deliverables"][0]["status"] = "accepted"

    put_back(api["product_owner"], url, accept)
    after_accept = figures(leader)
    assert after_accept["kt_overdue"]["count"] == after_owner["kt_overdue"]["count"] - 1

    renamed = api["admin"].put(f"/api/v1/vendors/{engagement.vendor_id}",
                               {"name": "Fabrikam Renamed"})
    assert renamed.status_code == 200, renamed.json
    assert "Fabrikam Renamed" in [v["name"] for v in figures(leader)["vendors"]["top"]]

    critical = figures(leader)["exit_readiness"]["critical"]["count"]
    assessed = api["admin"].put(f"/api/v1/functions/{engagement.business_function_id}",
                                {"criticality": "critical"})
    assert assessed.status_code == 200, assessed.json
    assert figures(leader)["exit_readiness"]["critical"]["count"] == critical + 1



def test_an_edit_of_what_the_dashboard_does_not_show_keeps_the_cache(leader, api,
                                                                     make_engagement):
    engagement = make_engagement(title="Renamed later", deliverables=overdue_kt())
    url = f"/api/v1/engagements/{engagement.id}"
    before = figures(leader)
    assert served_from_cache(leader, "/api/v1/dashboard")

    def reword(document):
        document.update(title="Renamed now",
                        problem_statement=document["problem_statement"] + " Reworded.")

    put_back(api["product_owner"], url, reword)
    assert served_from_cache(leader, "/api/v1/dashboard")
    assert figures(leader) == before

    put_back(api["product_owner"], url, lambda d: d.update(handover_date=None))
    assert not served_from_cache(leader, "/api/v1/dashboard")  # a dashboard column moved
    assert figures(leader) != before


ENGAGEMENT_COLUMN = re.compile(r"\bengagement(?:_\d+)?\.(\w+)")


def test_the_dashboard_reads_only_the_columns_whose_updates_move_the_version(leader, users,
                                                                             monkeypatch):
    """Every statement the dashboard, its JSON and its filters run reads only engagement
    columns in ENGAGEMENT_COLUMNS: an update of any other column leaves the version (and the
    cache) as it is, so it must change nothing they show. (The board pack's list of the
    engagements at highest risk is read on every request and is part of its cache key.)"""
    from sqlalchemy import event

    from vendortrack.extensions import db

    monkeypatch.setattr(cache.of(leader.app), "enabled", False)  # every view runs its SQL
    statements: list[str] = []

    def seen(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    with leader.app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", seen)
    try:
        page = leader.get("/dashboard").get_data(as_text=True)
        vendor = re.search(r'<option value="(\d+)"', page).group(1)
        for url in ("/dashboard", "/dashboard?status=all", f"/dashboard?vendor={vendor}",
                    "/dashboard?owner=owner@example.org", "/api/v1/dashboard",
                    "/api/v1/dashboard?status=all"):
            assert leader.get(url).status_code == 200, url
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    read = {column for statement in statements for column in ENGAGEMENT_COLUMN.findall(statement)}
    assert "risk_undated_level" in read  # the figures' statements were seen
    assert read <= set(cache.ENGAGEMENT_COLUMNS), read - set(cache.ENGAGEMENT_COLUMNS)

def write_in_another_process(database_url: str, statement: str) -> None:
    """Run one SQL statement from a separate Python process, as a script would."""
    script = ("import sys\nfrom sqlalchemy import create_engine, text\n"
              "with create_engine(sys.argv[1]).begin() as conn:\n"
              "    conn.execute(text(sys.argv[2]))\n")
    subprocess.run([sys.executable, "-c", script, database_url, statement], check=True)


def test_a_write_in_sql_from_another_process_shows_on_the_next_view(leader, database_url):
    before = figures(leader)
    assert served_from_cache(leader, "/api/v1/dashboard")
    write_in_another_process(database_url,
                             "UPDATE engagement SET status = 'closed' WHERE title = 'Clean'")
    after = figures(leader)
    assert after["engagements_in_scope"]["count"] == before["engagements_in_scope"]["count"] - 1


def test_two_app_instances_on_one_database_both_see_a_write(leader, database_url, users,
                                                            make_engagement):
    other = Client(create_app(app_config(database_url)))
    other.login(users["leadership"])
    for client in (leader, other):
        figures(client)
        assert served_from_cache(client, "/api/v1/dashboard")
    before = figures(other)["dependency_trap"]["count"]
    make_engagement(title="Another trap", internal_owner=None)  # written by the first app
    assert figures(leader)["dependency_trap"]["count"] == before + 1
    assert figures(other)["dependency_trap"]["count"] == before + 1
    with other.app.app_context():
        from vendortrack.extensions import db

        db.engine.dispose()


def test_the_board_pack_is_rendered_again_only_after_a_write(leader, database_url, monkeypatch):
    from vendortrack.dashboard import views

    rendered = []
    render = views.render_html_pdf
    monkeypatch.setattr(views, "render_html_pdf", lambda html, **files: rendered.append(html)
                        or render(html, **files))
    first, again = (leader.get("/dashboard/board-pack.pdf") for _ in range(2))
    assert first.status_code == again.status_code == 200
    assert first.data == again.data and len(rendered) == 1
    write_in_another_process(database_url,
                             "UPDATE engagement SET status = 'closed' WHERE title = 'Clean'")
    assert leader.get("/dashboard/board-pack.pdf").status_code == 200
    assert len(rendered) == 2
    assert re.search(r"Engagements in view: 2\b", rendered[1]), "the new figures"
    # A title is in its list of engagements at highest risk, not in the figures: an edit of
    # it leaves the data version alone but still renders the board pack again.
    write_in_another_process(database_url,
                             "UPDATE engagement SET title = 'Still no owner' "
                             "WHERE title = 'No owner'")
    assert leader.get("/dashboard/board-pack.pdf").status_code == 200
    assert len(rendered) == 3 and "Still no owner" in rendered[2]
    assert leader.get("/dashboard/board-pack.pdf").status_code == 200
    assert len(rendered) == 3


def test_dashboard_cache_0_computes_every_view(database_url, users, monkeypatch):
    monkeypatch.setenv("DASHBOARD_CACHE", "0")
    app = create_app(app_config(database_url))
    assert app.config["DASHBOARD_CACHE"] is False
    client = Client(app)
    client.login(users["leadership"])
    for _ in range(2):
        assert client.get("/dashboard").status_code == 200
    assert (cache.of(app).hits, cache.of(app).misses) == (0, 0)


def list_total(client, href: str) -> int:
    response = client.get(href.replace("&amp;", "&"))
    assert response.status_code == 200, href
    return int(TOTAL_RE.search(response.get_data(as_text=True)).group(1).replace(",", ""))


def shown_number(link_text: str) -> int:
    """The count a dashboard link shows: its big number, or the count beside an amount."""
    for css_class in ("tile-number", "level-count", "tile-sub"):
        match = re.search(rf'class="{css_class}">([\d,]+)', link_text)
        if match:
            return int(match.group(1).replace(",", ""))
    text = re.sub(r"<[^>]+>", "", link_text).strip()
    return int(re.match(r"[\d,]+", text).group(0).replace(",", ""))


def test_every_tile_equals_the_list_it_opens_with_the_cache_on(leader, database_url):
    leader.get("/dashboard")  # cached; then another process changes the data
    write_in_another_process(database_url,
                             "UPDATE engagement SET status = 'closed' WHERE title = 'Clean'")
    leader.get("/dashboard")
    assert served_from_cache(leader, "/dashboard")
    html = leader.get("/dashboard").get_data(as_text=True)
    links = LINK_RE.findall(TILES_RE.search(html).group(1) + EXIT_RE.search(html).group(1))
    assert len(links) >= 14
    for href, text in links:
        assert shown_number(text) == list_total(leader, href), href


def test_only_the_newest_version_is_kept_and_served():
    kept = cache.FiguresCache(enabled=True)
    assert kept.get(5, ("k",), lambda: "five") == "five"
    assert kept.get(5, ("k",), lambda: "again") == "five"
    assert kept.get(6, ("k",), lambda: "six") == "six"
    # A request that read the version just before the write: computed, not kept.
    assert kept.get(5, ("k",), lambda: "late reader") == "late reader"
    assert kept.get(6, ("k",), lambda: "again") == "six"
    for n in range(cache.MAX_ENTRIES + 1):
        kept.get(6, (n,), lambda n=n: n)
    assert len(kept.entries) == cache.MAX_ENTRIES and ("k",) not in kept.entries

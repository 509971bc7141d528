"""History: who changed what and when, append-only, shown per engagement and globally."""
import json
import re

import pytest
from sqlalchemy import select

from vendortrack.extensions import db
from vendortrack.models import AuditEvent
from vendortrack.queries import HISTORY_PAGE, RECENT_HISTORY


def test_engagement_page_shows_both_edits_with_field_changes(make_client, users,
                                                              make_engagement):
    engagement = make_engagement(creator=users["product_owner"])
    owner, admin = make_client(), make_client()
    owner.login(users["product_owner"])
    admin.login(users["admin"])
    url = f"/engagements/{engagement.id}/edit"
    owner.post(url, {"title": "Owner's title", "version": "1",
                     "metrics-0-name": "Speed", "metrics-0-target": "2"})
    admin.post(url, {"title": "Admin's title", "version": "2",
                     "metrics-0-name": "Speed", "metrics-0-target": "3"})
    page = admin.get(f"/engagements/{engagement.id}").get_data(as_text=True)
    history = page[page.index('id="history"'):]
    assert history.index(users["admin"].name) < history.index(users["product_owner"].name)
    assert "Owner&#39;s title → Admin&#39;s title" in history
    assert "Metric changed" in history and "target:</span> 2" in history
    assert "created the engagement" in history


def test_admin_log_filters_by_user_and_date(client, users, make_engagement):
    make_engagement(creator=users["product_owner"], title="By the owner")
    make_engagement(creator=users["admin"], title="By the admin")
    client.login(users["admin"])
    everything = client.get("/admin/history").get_data(as_text=True)
    assert "By the owner" in everything and "By the admin" in everything
    mine = client.get(f"/admin/history?user={users['product_owner'].id}").get_data(as_text=True)
    assert "By the owner" in mine and "By the admin" not in mine
    future = client.get("/admin/history?from=2999-01-01").get_data(as_text=True)
    assert "Nothing recorded for these filters" in future
    bad = client.get("/admin/history?from=yesterday")
    assert bad.status_code == 200 and "is not a date" in bad.get_data(as_text=True)


def test_history_cannot_be_changed_or_deleted(app, users, make_engagement):
    make_engagement()
    event = db.session.scalar(select(AuditEvent))
    event.subject = "rewritten"
    with pytest.raises(PermissionError):
        db.session.flush()
    db.session.rollback()
    db.session.delete(db.session.scalar(select(AuditEvent)))
    with pytest.raises(PermissionError):
        db.session.flush()
    db.session.rollback()


def test_no_route_changes_history(app):
    for rule in app.url_map.iter_rules():
        if "history" in rule.rule:
            assert rule.methods <= {"GET", "HEAD", "OPTIONS"}, rule


def test_every_kind_of_change_is_recorded(client, users, make_engagement):
    engagement = make_engagement(creator=users["product_owner"])
    client.login(users["product_owner"])
    client.post(f"/engagements/{engagement.id}/deliverables/{engagement.deliverables[0].id}"
                "/status", {"status": "delivered"})
    actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions[-2:] == ["engagement.create", "deliverable.status"]
    status = json.loads(db.session.scalar(select(AuditEvent.changes).where(
        AuditEvent.action == "deliverable.status")))
    assert status[0]["old"] == "planned" and status[0]["new"] == "delivered"
    assert {"user.create"} <= set(actions)


def record_title_changes(engagement, user, count: int, title: str = "Title") -> None:
    """``count`` edits of the title, as the edit form records them (Title 1 → Title 2, ...)."""
    for n in range(1, count + 1):
        db.session.add(AuditEvent(
            user_id=user.id, action="engagement.update", engagement_id=engagement.id,
            subject=engagement.title, engagement_version=n + 1,
            changes=json.dumps([{"field": "title", "old": f"{title} {n}",
                                 "new": f"{title} {n + 1}"}])))
    db.session.commit()


def timeline_items(page: str) -> list[str]:
    history = page[page.index('id="history"'):]
    return re.findall(r"<li>\s*<p><strong>.*?</li>", history[:history.index("</ol>")], re.S)


def test_engagement_page_shows_the_latest_events_and_links_to_the_rest(client, users,
                                                                       make_engagement):
    engagement = make_engagement(creator=users["product_owner"])
    record_title_changes(engagement, users["admin"], RECENT_HISTORY)
    client.login(users["procurement"])
    page = client.get(f"/engagements/{engagement.id}").get_data(as_text=True)
    items = timeline_items(page)
    assert len(items) == RECENT_HISTORY  # the creation is the 21st, not shown
    assert f"Title {RECENT_HISTORY + 1}" in items[0] and "Title 2" in items[-1]
    full = f'href="/engagements/{engagement.id}/history"'
    assert full in page and f"The latest {RECENT_HISTORY} events are shown here" in page

    fresh = make_engagement(creator=users["product_owner"], title="Fresh")
    record_title_changes(fresh, users["admin"], RECENT_HISTORY - 1)
    page = client.get(f"/engagements/{fresh.id}").get_data(as_text=True)
    assert len(timeline_items(page)) == RECENT_HISTORY  # all of them: no link
    assert "created the engagement" in page and "See the full history" not in page


def test_history_page_lists_every_event_newest_first_fifty_a_page(client, users,
                                                                  make_engagement):
    engagement = make_engagement(creator=users["product_owner"])
    other = make_engagement(creator=users["product_owner"], title="Another engagement")
    record_title_changes(engagement, users["admin"], HISTORY_PAGE + 4)
    record_title_changes(other, users["admin"], 3, title="Elsewhere")
    client.login(users["leadership"])
    url = f"/engagements/{engagement.id}/history"
    first = client.get(url).get_data(as_text=True)
    assert f"<strong data-total>{HISTORY_PAGE + 5}</strong> recorded events" in first
    items = timeline_items(first)
    assert len(items) == HISTORY_PAGE and f"Title {HISTORY_PAGE + 5}" in items[0]
    assert f'href="{url}?page=2"' in first
    second = client.get(f"{url}?page=2").get_data(as_text=True)
    items = timeline_items(second)
    assert len(items) == 5 and "created the engagement" in items[-1]
    assert "Elsewhere" not in first + second
    past = client.get(f"{url}?page=9")
    assert past.status_code == 302 and past.headers["Location"].endswith(f"{url}?page=2")
    for odd in ("nonsense", "0", "-1"):  # read as the first page
        assert f"Title {HISTORY_PAGE + 5}" in timeline_items(
            client.get(f"{url}?page={odd}").get_data(as_text=True))[0]
    assert client.get("/engagements/999999/history").status_code == 404


def test_history_pages_read_who_made_each_event_in_the_same_statement(client, users,
                                                                      make_engagement):
    from sqlalchemy import event

    one_author = make_engagement(creator=users["product_owner"])
    record_title_changes(one_author, users["admin"], 8)
    many_authors = make_engagement(creator=users["product_owner"])
    for user in users.values():
        record_title_changes(many_authors, user, 2)
    client.login(users["admin"])

    def statements(url: str) -> int:
        seen = []

        def note(conn, cursor, sql, *args):
            seen.append(sql)

        event.listen(db.engine, "before_cursor_execute", note)
        try:
            assert client.get(url).status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", note)
        return len(seen)

    for page in ("/engagements/{}", "/engagements/{}/history"):
        statements(page.format(one_author.id))  # anything loaded once per process
        assert statements(page.format(many_authors.id)) == statements(
            page.format(one_author.id))

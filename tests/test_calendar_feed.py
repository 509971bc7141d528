"""The personal iCalendar feed, parsed back with the icalendar library."""
from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, timedelta

from icalendar import Calendar

from vendortrack import services
from vendortrack.reminders import service

from .conftest import TODAY
from .test_reminders import due_in, owned_by


def feed_path(user) -> str:
    return f"/calendar/{service.regenerate_calendar_secret(user)}.ics"


def events(client, path):
    response = client.get(path)
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "text/calendar"
    calendar = Calendar.from_ical(response.data)
    return {str(e["SUMMARY"]): e for e in calendar.walk("VEVENT")}


def test_feed_holds_all_day_events_with_stable_uids(app, users, make_engagement, make_client):
    owner = users["product_owner"]
    engagement = make_engagement(**owned_by(owner, deliverables=(
        due_in(7), due_in(20, "Accepted one", status="accepted"))))
    path = feed_path(owner)
    anonymous = make_client()  # calendar apps do not sign in
    found = events(anonymous, path)
    assert set(found) == {"Handover: Automate support triage",
                          "Contract ends: Automate support triage",
                          "Due: Operations runbook (Automate support triage)"}
    due = found["Due: Operations runbook (Automate support triage)"]
    assert due.decoded("DTSTART") == TODAY + timedelta(days=7)
    assert type(due.decoded("DTSTART")) is date  # all-day, not a date-time
    assert str(due["URL"]).endswith(f"/engagements/{engagement.id}#deliverables")
    uids = {summary: str(e["UID"]) for summary, e in found.items()}

    again = events(anonymous, path)
    assert {s: str(e["UID"]) for s, e in again.items()} == uids

    moved = TODAY + timedelta(days=9)
    spec = services.engagement_spec(engagement)
    services.update_engagement(engagement, replace(spec, handover_date=moved), owner,
                               expected_version=engagement.version)
    after = events(anonymous, path)
    handover = after["Handover: Automate support triage"]
    assert handover.decoded("DTSTART") == moved
    assert str(handover["UID"]) == uids["Handover: Automate support triage"]


def test_followed_engagements_are_in_the_feed(app, users, make_engagement, make_client):
    reader = users["leadership"]
    engagement = make_engagement(title="Followed")
    make_engagement(title="Not followed")
    service.follow(reader, engagement)
    found = events(make_client(), feed_path(reader))
    assert {s.split(": ", 1)[1] for s in found} == {"Followed", "Operations runbook (Followed)",
                                                    "Training (Followed)"}


def test_regenerating_kills_the_old_url(app, users, make_client):
    owner = users["product_owner"]
    old, new = feed_path(owner), feed_path(owner)
    client = make_client()
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200


def test_wrong_secret_or_deactivated_account_is_404(app, users, make_client):
    owner = users["product_owner"]
    path = feed_path(owner)
    client = make_client()
    wrong = client.get(path.replace(path[10:14], "xxxx"))
    assert wrong.status_code == 404
    assert b"BEGIN:VCALENDAR" not in wrong.data
    services.update_user(owner, name=owner.name, role=owner.role, active=False, password=None,
                         actor=users["admin"])
    assert client.get(path).status_code == 404


def test_feed_leaves_out_what_the_role_may_not_see(app, users, make_engagement, make_client,
                                                   monkeypatch):
    from vendortrack.reminders import calendar

    reader = users["leadership"]
    hidden, shown = make_engagement(title="Hidden"), make_engagement(title="Shown")
    service.follow(reader, hidden)
    service.follow(reader, shown)
    monkeypatch.setattr(calendar, "can_view_engagement", lambda user, e: e.id != hidden.id)
    found = events(make_client(), feed_path(reader))
    assert found and all("Hidden" not in summary for summary in found)


def test_links_at_a_base_url_with_a_path(app, served_under_a_path, users, make_engagement,
                                         client):
    owner = users["product_owner"]
    engagement = make_engagement(**owned_by(owner, deliverables=(due_in(7),)))
    client.login(owner)
    client.post("/account/calendar")
    address = re.search(r'id="calendar-url">([^<]+)<', client.get("/account").get_data(
        as_text=True)).group(1)
    assert re.fullmatch(r"https://example\.org/vt/calendar/[^/]+\.ics", address)
    found = events(client, address.removeprefix(served_under_a_path))
    due = found["Due: Operations runbook (Automate support triage)"]
    assert str(due["URL"]) == f"https://example.org/vt/engagements/{engagement.id}#deliverables"
    assert str(due["UID"]).endswith("@example.org")


def test_account_page_shows_and_regenerates_the_address(app, users, client):
    owner = users["product_owner"]
    client.login(owner)
    assert 'id="calendar-url"' not in client.get("/account").get_data(as_text=True)
    client.post("/account/calendar")
    page = client.get("/account").get_data(as_text=True)
    first = re.search(r'id="calendar-url">([^<]+)<', page).group(1)
    client.post("/account/calendar")
    second = re.search(r'id="calendar-url">([^<]+)<', client.get("/account").get_data(
        as_text=True)).group(1)
    assert first != second and second.endswith(".ics")

"""The reminder job, follows, notifications and the bell, My work (SQLite and PostgreSQL)."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import event, func, select

from vendortrack.domain import spec as specs
from vendortrack.extensions import db
from vendortrack.models import Follow, Notification, ReminderRun, TrapState
from vendortrack.reminders import job, service

from .conftest import TODAY


def owned_by(user, **overrides):
    overrides.setdefault("internal_owner", specs.Person(user.name, user.email))
    return overrides


def due_in(days: int, title="Operations runbook", status="planned"):
    return specs.Deliverable("runbook", title, TODAY + timedelta(days=days), "Restore works",
                             status)


def notifications(user=None):
    statement = select(Notification).order_by(Notification.id)
    if user is not None:
        statement = statement.where(Notification.user_id == user.id)
    return db.session.scalars(statement).all()


def test_due_in_seven_days_reaches_the_owner_once(app, users, make_engagement):
    owner = users["product_owner"]
    engagement = make_engagement(**owned_by(owner, deliverables=(due_in(7),)))
    first = job.run(TODAY)
    assert first.created == 1
    again = job.run(TODAY)
    assert again.created == 0
    [note] = notifications(owner)
    assert note.rule == "DELIVERABLE_DUE"
    assert note.message \
        == "“Operations runbook” (Automate support triage) is due on 3 Dec 2026, in 7 days."
    assert note.link == f"/engagements/{engagement.id}#deliverables"
    assert notifications(users["leadership"]) == []


def test_followers_hear_too_and_unfollowing_stops_it(app, users, make_engagement):
    owner, reader = users["product_owner"], users["leadership"]
    engagement = make_engagement(**owned_by(owner, deliverables=(due_in(7), due_in(3, "B"))))
    assert service.follow(reader, engagement) is True
    assert service.follow(reader, engagement) is False
    assert db.session.get(Follow, (reader.id, engagement.id)).created_at is not None
    job.run(TODAY)
    assert {n.message.split("”")[0] for n in notifications(reader)} == {
        "“Operations runbook", "“B"}
    service.unfollow(reader, engagement)
    job.run(TODAY + timedelta(days=4))  # 3 days before A; 1 day before and overdue for B
    assert len(notifications(reader)) == 2
    assert len(notifications(owner)) == 5


def test_accepted_and_closed_are_quiet(app, users, make_engagement):
    owner = users["product_owner"]
    make_engagement(**owned_by(owner, deliverables=(due_in(7, status="accepted"),)))
    make_engagement(**owned_by(owner, status="closed", deliverables=(due_in(7),)))
    assert job.run(TODAY).created == 0


def test_overdue_first_day_then_weekly(app, users, make_engagement):
    owner = users["product_owner"]
    make_engagement(**owned_by(owner, deliverables=(due_in(-1),)))
    assert [n.rule for n in notifications(owner)] == []
    job.run(TODAY)
    job.run(TODAY + timedelta(days=1))
    job.run(TODAY + timedelta(days=7))
    assert [n.rule for n in notifications(owner)] == ["DELIVERABLE_OVERDUE"] * 2


def test_missed_days_are_caught_up(app, users, make_engagement):
    owner = users["product_owner"]
    make_engagement(**owned_by(owner, deliverables=(due_in(9),)))
    job.run(TODAY)  # nothing yet: due in 9 days
    assert notifications(owner) == []
    result = job.run(TODAY + timedelta(days=4))  # the job did not run on the 7-day mark
    assert result.days[0] == TODAY + timedelta(days=1)
    [note] = notifications(owner)
    assert note.message.endswith("in 5 days.")


def test_handover_reaches_successors_with_accounts(app, users, make_user, make_engagement):
    owner = users["product_owner"]
    successor = make_user("product_owner", email="ben.okafor@example.org")
    make_engagement(**owned_by(owner, handover_date=TODAY + timedelta(days=30),
                               deliverables=(due_in(20),)))
    job.run(TODAY)
    assert [n.rule for n in notifications(successor)] == ["HANDOVER_APPROACHING"]
    assert [n.rule for n in notifications(owner)] == ["HANDOVER_APPROACHING"]
    assert "with 1 deliverable still open" in notifications(owner)[0].message


def test_newly_in_a_dependency_trap(app, users, make_engagement):
    from vendortrack import services

    owner = users["product_owner"]
    engagement = make_engagement(**owned_by(owner))
    job.run(TODAY)  # first sight: the baseline
    assert notifications(owner) == []
    assert db.session.get(TrapState, engagement.id).codes == ""
    spec = services.engagement_spec(engagement)
    from dataclasses import replace
    services.update_engagement(engagement, replace(spec, handover_date=None), owner,
                               expected_version=engagement.version)
    job.run(TODAY + timedelta(days=1))
    [note] = notifications(owner)
    assert note.rule == "TRAP_ENTERED"
    assert "There is no handover date." in note.message
    job.run(TODAY + timedelta(days=2))
    assert len(notifications(owner)) == 1


def test_a_trap_the_first_run_finds_is_not_new_in_the_weekly_summary(app, users,
                                                                     make_engagement):
    from dataclasses import replace

    from vendortrack import services
    from vendortrack.reminders.summary import weekly_summary

    owner = users["product_owner"]
    old_trap = make_engagement(**owned_by(owner, title="Trapped for months", handover_date=None))
    later = make_engagement(**owned_by(owner, title="Trapped this week"))
    job.run(TODAY)  # the first run: both are baselines
    assert db.session.get(TrapState, old_trap.id).trapped_since is None
    services.update_engagement(later, replace(services.engagement_spec(later),
                                              handover_date=None),
                               owner, expected_version=later.version)
    job.run(TODAY + timedelta(days=1))
    assert db.session.get(TrapState, later.id).trapped_since == TODAY + timedelta(days=1)
    summary = weekly_summary(TODAY + timedelta(days=2))
    assert summary.now.engagements == 2
    assert [e.title for e in summary.new_traps] == ["Trapped this week"]


def test_dated_trap_counts_on_the_day_it_starts(app, users, make_engagement):
    owner = users["product_owner"]
    engagement = make_engagement(**owned_by(owner, handover_date=TODAY + timedelta(days=2),
                                            end_date=TODAY + timedelta(days=200),
                                            deliverables=(due_in(1), due_in(60, "Late"))))
    # Its successor is ready, so SUCCESSORS_NOT_READY does not trap it before the handover.
    from vendortrack import services as writes
    writes.record_readiness(engagement.successors[0], {"operate", "maintain", "extend",
                                                       "explain"}, owner, TODAY)
    job.run(TODAY)
    job.run(TODAY + timedelta(days=2))  # handover day: not yet passed
    assert "TRAP_ENTERED" not in {n.rule for n in notifications(owner)}
    job.run(TODAY + timedelta(days=3))  # the day after: HANDOVER_PASSED_OPEN_KT applies
    trap = [n for n in notifications(owner) if n.rule == "TRAP_ENTERED"]
    assert len(trap) == 1 and "handover date has passed" in trap[0].message


def test_contract_end_reaches_procurement(app, users, make_user, make_engagement):
    buyer, other_buyer = users["procurement"], make_user("procurement")
    quiet = make_engagement(end_date=TODAY + timedelta(days=90),
                            handover_date=TODAY + timedelta(days=60))
    trapped = make_engagement(end_date=TODAY + timedelta(days=30), internal_owner=None)
    service.follow(buyer, quiet)
    job.run(TODAY)
    assert sorted((n.user_id, n.engagement_id) for n in notifications()
                  if n.rule == "CONTRACT_ENDING") == sorted([
        (buyer.id, quiet.id), (buyer.id, trapped.id), (other_buyer.id, trapped.id)])


def store_annex(engagement, issued_by, *, leave_out=(), before_0012=False):
    """Annex 1 of the engagement's spec as it is now (and of its version, as issuing one
    records), stored without rendering a PDF; ``leave_out`` drops fields from its snapshot, as
    in annexes issued before they existed; ``before_0012``: its version only in the history."""
    import json

    from vendortrack import services
    from vendortrack.models import Annex

    snapshot = {k: v for k, v in specs.to_json(services.engagement_spec(engagement)).items()
                if k not in leave_out}
    db.session.add(Annex(engagement_id=engagement.id, number=1,
                         snapshot=json.dumps(snapshot, sort_keys=True), snapshot_sha256="0" * 64,
                         pdf=b"%PDF", pdf_sha256="0" * 64, issued_by_id=issued_by.id,
                         engagement_version=None if before_0012 else engagement.version))
    services.record("annex.issue", issued_by, engagement=engagement, subject="Annex v1")
    db.session.commit()


def test_spec_change_since_annex_tells_procurement_followers_once(app, users,
                                                                  make_engagement, monkeypatch):
    from dataclasses import replace

    from vendortrack import services

    buyer = users["procurement"]
    engagement = make_engagement()
    store_annex(engagement, buyer)
    service.follow(buyer, engagement)
    job.run(TODAY)
    assert notifications(buyer) == []
    services.update_engagement(engagement, replace(services.engagement_spec(engagement),
                                                   title="Automate triage v2"),
                               users["admin"], expected_version=engagement.version)
    job.run(TODAY)
    job.run(TODAY + timedelta(days=1))
    [note] = notifications(buyer)
    assert note.rule == "SPEC_CHANGED_SINCE_ANNEX" and "annex 1" in note.message


def test_an_annex_issued_before_a_field_existed_is_no_spec_change(app, users, make_engagement,
                                                                  client):
    from dataclasses import replace

    from vendortrack import services

    buyer = users["procurement"]
    engagement = make_engagement()
    # Issued before the transition period was recorded; the engagement still has none.
    assert services.engagement_spec(engagement).transition_period_days is None
    store_annex(engagement, buyer, leave_out=("transition_period_days",))
    # Saved since, without new terms: a deliverable was delivered (progress).
    services.change_deliverable_status(engagement.deliverables[0], "delivered", users["admin"])
    service.follow(buyer, engagement)
    client.login(buyer)
    job.run(TODAY)
    assert notifications(buyer) == []
    assert "Specs changed since their latest annex" not in client.get("/my-work").get_data(
        as_text=True)
    services.update_engagement(engagement, replace(services.engagement_spec(engagement),
                                                   transition_period_days=90),
                               users["admin"], expected_version=engagement.version)
    job.run(TODAY + timedelta(days=1))
    assert [n.rule for n in notifications(buyer)] == ["SPEC_CHANGED_SINCE_ANNEX"]
    page = client.get("/my-work").get_data(as_text=True)
    assert "Specs changed since their latest annex" in page
    assert f'href="/engagements/{engagement.id}#annexes"' in page


def test_only_specs_saved_since_their_annex_are_compared(app, users, make_engagement, client,
                                                        monkeypatch):
    from dataclasses import replace

    from vendortrack import services

    buyer = users["procurement"]
    kept = [make_engagement(title=f"Kept {n}") for n in range(3)]
    edited = make_engagement(title="Edited")
    for engagement in [*kept, edited]:
        store_annex(engagement, buyer, before_0012=engagement is kept[0])
    services.update_engagement(edited, replace(services.engagement_spec(edited),
                                               title="Edited again"),
                               users["admin"], expected_version=edited.version)
    compared = []
    engagement_json = services.engagement_json
    monkeypatch.setattr(services, "engagement_json",
                        lambda engagement: compared.append(engagement.id)
                        or engagement_json(engagement))
    client.login(buyer)
    page = client.get("/my-work").get_data(as_text=True)
    assert compared == [edited.id]
    assert "Edited again</a> — states other terms than annex 1" in page
    assert "Kept" not in page


def test_nobody_hears_about_what_their_role_may_not_see(app, users, make_engagement,
                                                        monkeypatch):
    from vendortrack.reminders import job as job_module

    owner, reader = users["product_owner"], users["leadership"]
    hidden = make_engagement(**owned_by(owner, title="Secret", deliverables=(due_in(7),)))
    shown = make_engagement(**owned_by(owner, title="Open", deliverables=(due_in(7),)))
    service.follow(reader, hidden)
    service.follow(reader, shown)
    monkeypatch.setattr(job_module, "can_view_engagement",
                        lambda user, e: not (user.role == "leadership" and e.id == hidden.id))
    job.run(TODAY)
    assert [n.engagement_id for n in notifications(reader)] == [shown.id]
    assert len(notifications(owner)) == 2


def test_deactivated_accounts_and_people_without_accounts_are_skipped(app, users,
                                                                      make_engagement):
    from vendortrack import services

    owner = users["product_owner"]
    make_engagement(**owned_by(owner, deliverables=(due_in(7),)))
    make_engagement(internal_owner=specs.Person("Nobody", "nobody@example.org"),
                    deliverables=(due_in(7),))
    services.update_user(owner, name=owner.name, role=owner.role, active=False, password=None,
                         actor=users["admin"])
    assert job.run(TODAY).created == 0


def test_dry_run_prints_and_changes_nothing(app, users, make_engagement):
    owner = users["product_owner"]
    make_engagement(**owned_by(owner, deliverables=(due_in(7),)))
    runner = app.test_cli_runner()
    out = runner.invoke(args=["send-reminders", "--today", TODAY.isoformat(), "--dry-run"])
    assert out.exit_code == 0, out.output
    assert "1 new reminders would be made" in out.output
    assert f"{owner.email}: “Operations runbook”" in out.output
    assert notifications() == [] and db.session.scalar(select(func.count(ReminderRun.day))) == 0
    out = runner.invoke(args=["send-reminders", "--today", TODAY.isoformat()])
    assert "1 new notifications" in out.output and "No MAIL_URL set" in out.output
    assert len(notifications()) == 1


def test_an_edit_while_the_job_reads_does_not_stop_it(app, users, make_engagement,
                                                      monkeypatch):
    from sqlalchemy import create_engine, text

    engagement_id = make_engagement(**owned_by(users["product_owner"],
                                               deliverables=(due_in(7),))).id
    load_facts = job.load_facts
    web = create_engine(db.engine.url)  # someone saving an engagement meanwhile

    def load_while_someone_saves(*args):
        found = load_facts(*args)
        with web.begin() as conn:
            conn.execute(text("UPDATE engagement SET title = 'Saved meanwhile' WHERE id = :e"),
                         {"e": engagement_id})
        return found

    monkeypatch.setattr(job, "load_facts", load_while_someone_saves)
    try:
        assert job.run(TODAY).created == 1
    finally:
        web.dispose()


def test_query_count_does_not_grow_with_engagements(app, users, make_engagement):
    from vendortrack import demo

    owner = users["product_owner"]
    # Reminders on both days, so that both runs write notifications.
    service.follow(users["procurement"], make_engagement(**owned_by(
        owner, deliverables=(due_in(7), due_in(8, "Next day")))))

    def queries_for_run(day):
        statements = []

        def count(conn, cursor, statement, *args):
            statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", count)
        try:
            job.run(day)
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        return len(statements)

    demo.seed(20, TODAY)
    small = queries_for_run(TODAY)
    demo.seed(200, TODAY, seed_value=8)
    large = queries_for_run(TODAY + timedelta(days=1))
    assert large == small, (small, large)


# --- the web: bell, notifications page, My work, follow ------------------------------------

def bell_count(html: str) -> int:
    return int(re.search(r'class="bell-count" data-unread="(\d+)"', html).group(1))


def test_bell_notifications_page_and_mark_read(app, users, make_engagement, client):
    owner = users["product_owner"]
    make_engagement(**owned_by(owner, deliverables=(due_in(7), due_in(3, "Training"))))
    job.run(TODAY)
    client.login(owner)
    page = client.get("/notifications").get_data(as_text=True)
    assert bell_count(page) == 2
    made = notifications(owner)[0].created_at  # grouped under the day they were made
    assert f"{made:%A}, {made.day} {made:%B %Y}</h2>" in page
    first = notifications(owner)[0]
    assert client.post(f"/notifications/{first.id}/read").status_code == 302
    assert bell_count(client.get("/engagements").get_data(as_text=True)) == 1
    response = client.post("/notifications/read-all")
    assert "Marked 1 notification read." in client.get(response.location).get_data(as_text=True)
    assert bell_count(client.get("/engagements").get_data(as_text=True)) == 0


def test_someone_elses_notification_is_404(app, users, make_engagement, make_client):
    owner = users["product_owner"]
    make_engagement(**owned_by(owner, deliverables=(due_in(7),)))
    job.run(TODAY)
    other = make_client()
    other.login(users["leadership"])
    note = notifications(owner)[0]
    assert other.post(f"/notifications/{note.id}/read").status_code == 404
    assert db.session.get(Notification, note.id).read_at is None


def test_follow_button_on_the_engagement_page(app, users, make_engagement, client):
    reader = users["leadership"]
    engagement = make_engagement()
    client.login(reader)
    page = client.get(f"/engagements/{engagement.id}").get_data(as_text=True)
    assert 'aria-pressed="false">Follow</button>' in page
    client.post(f"/engagements/{engagement.id}/follow", {"action": "follow"})
    page = client.get(f"/engagements/{engagement.id}").get_data(as_text=True)
    assert 'aria-pressed="true">Following</button>' in page
    client.post(f"/engagements/{engagement.id}/follow", {"action": "unfollow"})
    page = client.get(f"/engagements/{engagement.id}").get_data(as_text=True)
    assert 'aria-pressed="false">Follow</button>' in page
    assert client.post("/engagements/999999/follow", {"action": "follow"}).status_code == 404


def test_my_work_lists_what_needs_the_person(app, users, make_engagement, client):
    owner = users["product_owner"]
    mine = make_engagement(**owned_by(owner, handover_date=TODAY + timedelta(days=20),
                                      deliverables=(due_in(-2, "Overdue doc"), due_in(10),
                                                    due_in(15, "Later"))))
    make_engagement(title="Someone else's", deliverables=(due_in(3, "Not mine"),))
    make_engagement(**owned_by(owner, title="My draft", status="draft", internal_owner=None),
                    creator=owner)
    client.login(owner)
    response = client.get("/")
    assert response.headers["Location"].endswith("/my-work")
    page = client.get("/my-work").get_data(as_text=True)
    assert page.index("Overdue doc") < page.index("Operations runbook")
    assert "Later" not in page and "Not mine" not in page
    assert f'href="/engagements/{mine.id}#deliverables">Overdue doc' in page
    assert "Handovers in the next 30 days" in page and "3 deliverables still open" in page
    assert "My draft" in page and "Nobody inside the organisation owns this engagement." in page
    assert 'href="/my-work"' in page  # in the navigation


def test_my_work_for_procurement_shows_contract_ends(app, users, make_engagement, client):
    engagement = make_engagement(end_date=TODAY + timedelta(days=45))
    make_engagement(title="Far away", end_date=TODAY + timedelta(days=300))
    client.login(users["procurement"])
    page = client.get("/my-work").get_data(as_text=True)
    assert "Contracts ending in the next 90 days" in page
    assert f'/engagements/{engagement.id}#h-contract' in page and "Far away" not in page


def test_reminder_settings_on_the_account_page(app, users, client):
    from vendortrack.models import ReminderSettings

    reader = users["leadership"]
    client.login(reader)
    page = client.get("/account").get_data(as_text=True)
    assert 'id="digest-daily" value="daily" checked' in page
    assert "Weekly summary on Mondays" in page
    client.post("/account/reminders", {"digest": "weekly", "weekly_summary": "y"})
    settings = db.session.get(ReminderSettings, reader.id)
    assert (settings.digest, settings.weekly_summary) == ("weekly", True)
    response = client.post("/account/reminders", {"digest": "hourly"})
    assert "Choose daily, weekly or off" in client.get(response.headers["Location"]).get_data(
        as_text=True)
    assert db.session.get(ReminderSettings, reader.id).digest == "weekly"


@pytest.mark.parametrize("url", ["/my-work", "/notifications"])
def test_pages_need_sign_in(app, users, client, url):
    assert client.get(url).status_code == 302


def test_scheduler_runs_at_the_hour_once_a_day(app, users):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from vendortrack.reminders.cli import due_now

    app.config.update(VENDORTRACK_TODAY=None, REMINDER_HOUR=7, TIMEZONE="Europe/Berlin")
    berlin = ZoneInfo("Europe/Berlin")
    assert due_now(app, datetime(2026, 11, 26, 6, 59, tzinfo=berlin)) is None
    assert due_now(app, datetime(2026, 11, 26, 7, 0, tzinfo=berlin)) == TODAY
    # Started late in the day (after downtime): it runs at once.
    assert due_now(app, datetime(2026, 11, 26, 22, 30, tzinfo=berlin)) == TODAY
    job.run(TODAY)
    assert due_now(app, datetime(2026, 11, 26, 22, 31, tzinfo=berlin)) is None
    assert due_now(app, datetime(2026, 11, 27, 7, 0, tzinfo=berlin)) == TODAY + timedelta(days=1)


@pytest.mark.parametrize(("utc_time", "zone", "expected"), [
    ("2026-11-26T11:00", "Pacific/Kiritimati", "2026-11-27"),  # UTC+14: already tomorrow
    ("2026-11-26T09:59", "Pacific/Kiritimati", "2026-11-26"),
    ("2026-11-26T09:30", "Pacific/Honolulu", "2026-11-25"),  # UTC-10: still yesterday
    ("2026-11-26T23:30", "Europe/Berlin", "2026-11-27"),  # UTC+1 in winter
    ("2026-06-30T22:30", "Europe/Berlin", "2026-07-01"),  # UTC+2 in summer
    ("2026-06-30T22:30", "UTC", "2026-06-30"),
])
def test_today_comes_from_the_organisation_time_zone(app, monkeypatch, utc_time, zone,
                                                     expected):
    from datetime import UTC, date, datetime

    from vendortrack import clock

    moment = datetime.fromisoformat(utc_time).replace(tzinfo=UTC)

    class Frozen(datetime):
        @classmethod
        def now(cls, tz=None):
            return moment.astimezone(tz)

    monkeypatch.setattr(clock, "datetime", Frozen)
    app.config.update(VENDORTRACK_TODAY=None, TIMEZONE=zone)
    assert clock.today() == date.fromisoformat(expected)


def test_a_wrong_time_zone_stops_start_up_with_a_message(database_url):
    from vendortrack import ConfigurationError, create_app

    from .conftest import app_config

    with pytest.raises(ConfigurationError, match="TIMEZONE='Mars/Olympus' is not a time zone"):
        create_app(app_config(database_url, TIMEZONE="Mars/Olympus"))


def test_my_work_query_count_does_not_grow_with_owned_engagements(app, users, make_engagement,
                                                                  client):
    owner = users["product_owner"]
    client.login(owner)

    def queries_for_page():
        statements = []

        def count(conn, cursor, statement, *args):
            statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", count)
        try:
            assert client.get("/my-work").status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        return len(statements)

    make_engagement(**owned_by(owner, handover_date=TODAY + timedelta(days=20),
                               deliverables=(due_in(3),)))
    few = queries_for_page()
    for n in range(5):
        make_engagement(**owned_by(owner, title=f"More {n}",
                                   handover_date=TODAY + timedelta(days=20),
                                   deliverables=(due_in(3), due_in(-4, "Late"))))
    assert queries_for_page() == few

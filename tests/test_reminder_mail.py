"""E-mail digests against a real SMTP server (aiosmtpd on 127.0.0.1)."""
from __future__ import annotations

import asyncio
import email
import os
import re
import socket
import subprocess
import sys
from collections import Counter
from datetime import date, timedelta
from decimal import Decimal
from email import policy

import pytest
from sqlalchemy import select

from vendortrack.domain import spec as specs
from vendortrack.extensions import db
from vendortrack.models import Digest, Notification, ReminderSettings
from vendortrack.reminders import job, service

from .conftest import TODAY
from .test_reminders import due_in, owned_by

BASE_URL = "https://vendortrack.example.org"
MONDAY = TODAY + timedelta(days=(7 - TODAY.weekday()) % 7)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Mailbox:
    """What the SMTP server received; addresses in ``refuse`` get a 550.

    Faults on demand: ``hang_up_after`` closes a connection that carried that many messages
    (as servers with a per-connection limit do) when the next one starts; ``hang_up_in_data``
    closes it instead of answering the message with that number (counted from 1, not kept);
    ``down_after`` answers 421 to every message after that many (the server going away);
    ``refuse_sender`` is the answer to MAIL FROM while it is set.
    """

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.raw: list[bytes] = []
        self.refuse: set[str] = set()
        self.connections = 0  # EHLO greetings: smtplib sends one per connection
        self.hang_up_after: int | None = None
        self.hang_up_in_data: int | None = None
        self.down_after: int | None = None
        self.refuse_sender: str | None = None
        self.mail_commands = 0
        self.data_commands = 0
        self.delay = 0.0  # seconds before each message is answered
        self.meanwhile = None  # called while a message waits for its answer

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        self.connections += 1
        session.host_name = hostname
        return responses

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        self.mail_commands += 1
        if self.refuse_sender:
            return self.refuse_sender
        if self.down_after is not None and len(self.messages) >= self.down_after:
            return "421 4.3.2 Service shutting down"
        if self.hang_up_after and getattr(session, "delivered", 0) == self.hang_up_after:
            server.transport.close()
            return "421 4.7.0 Too many messages on this connection"
        envelope.mail_from = address
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.meanwhile:
            self.meanwhile()
        self.data_commands += 1
        if self.data_commands == self.hang_up_in_data:
            server.transport.close()  # no answer: the message was not accepted
            return "451 4.3.0 Gone"
        session.delivered = getattr(session, "delivered", 0) + 1
        self.raw.append(envelope.content)
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted"

    def recipients(self) -> Counter:
        return Counter(m["To"].addresses[0].addr_spec for m in self.messages)

    def to(self, address: str) -> list:
        return [m for m in self.messages if address in m["To"]]


@pytest.fixture
def smtp():
    from aiosmtpd.controller import Controller

    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    mailbox.url = f"smtp://127.0.0.1:{controller.port}"
    yield mailbox
    controller.stop()


@pytest.fixture
def mail_app(app, smtp):
    app.config.update(MAIL_URL=smtp.url, BASE_URL=BASE_URL, MAIL_TIMEOUT=2)
    return app


@pytest.fixture
def owners(users, make_user, make_engagement):
    """Twelve product owners, each with a deliverable due in 7 days: twelve digests."""
    people = [users["product_owner"]] + [make_user("product_owner") for _ in range(11)]
    for person in people:
        make_engagement(**owned_by(person, deliverables=(due_in(7),)))
    return people


@pytest.fixture
def small_claims(monkeypatch):
    """Claims in batches of five, so that twelve digests take three."""
    from vendortrack.reminders import mail

    monkeypatch.setattr(mail, "CLAIM_BATCH", 5)


def unsent():
    return db.session.scalars(select(Notification).where(Notification.emailed_at.is_(None))).all()


def test_one_digest_with_both_parts_links_and_one_click_unsubscribe(mail_app, smtp, users,
                                                                     make_engagement, client):
    owner = users["product_owner"]
    engagement = make_engagement(**owned_by(owner, handover_date=TODAY + timedelta(days=7),
                                            deliverables=(due_in(7), due_in(3, "Training"),
                                                          due_in(1, "Walkthrough"))))
    job.run(TODAY)
    [message] = smtp.messages
    assert message["Subject"] == "vendortrack: 3 deliverables due, 1 handover in 7 days"
    assert message["To"] == f"{owner.name} <{owner.email}>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = re.fullmatch(r"<(.+)>", message["List-Unsubscribe"]).group(1)
    assert unsubscribe.startswith(f"{BASE_URL}/unsubscribe/")
    # Mail clients read the header as it is sent: one line, not folded or encoded.
    assert f"\r\nList-Unsubscribe: <{unsubscribe}>\r\n".encode() in smtp.raw[0]
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    link = f"{BASE_URL}/engagements/{engagement.id}#deliverables"
    for part in (text, html):
        assert link in part and "Walkthrough" in part and unsubscribe in part
    assert "“Training” (Automate support triage) is due on 29 Nov 2026, in 3 days." in text

    # RFC 8058: the mail client POSTs to the link, without a session or a CSRF token.
    response = client.post(unsubscribe.removeprefix(BASE_URL),
                           {"List-Unsubscribe": "One-Click"}, csrf=False)
    assert response.status_code == 200
    assert db.session.get(ReminderSettings, owner.id).digest == "off"


def test_links_at_a_base_url_with_a_path(mail_app, served_under_a_path, smtp, users,
                                         make_engagement, client):
    owner, reader = users["product_owner"], users["leadership"]
    service.save_settings(reader, digest="off", weekly_summary=True)
    engagement = make_engagement(**owned_by(owner, deliverables=(due_in(7),)),
                                 handover_date=MONDAY)  # listed in the summary
    job.run(MONDAY)  # a reminder, and the leadership summary
    [digest], [summary] = smtp.to(owner.email), smtp.to(reader.email)
    links = [link for message in (digest, summary)
             for part in (message.get_body(("plain",)).get_content(), message["List-Unsubscribe"])
             for link in re.findall(r"https?://[^\s<>]+", part)]
    assert f"https://example.org/vt/engagements/{engagement.id}" in links  # (the summary)
    assert len(links) >= 8
    assert all(link.startswith("https://example.org/vt/") and "/vt/vt/" not in link
               for link in links), links
    assert f"https://example.org/vt/engagements/{engagement.id}#deliverables" in links
    unsubscribe = re.fullmatch(r"<(.+)>", digest["List-Unsubscribe"]).group(1)
    response = client.post(unsubscribe.removeprefix(served_under_a_path),
                           {"List-Unsubscribe": "One-Click"}, csrf=False)
    assert response.status_code == 200
    assert db.session.get(ReminderSettings, owner.id).digest == "off"


def test_running_twice_sends_one_mail(mail_app, smtp, users, make_engagement):
    owner = users["product_owner"]
    make_engagement(**owned_by(owner, deliverables=(due_in(7),)))
    job.run(TODAY)
    job.run(TODAY)
    assert len(smtp.to(owner.email)) == 1
    assert len(db.session.scalars(select(Notification)).all()) == 1
    assert unsent() == []


def test_smtp_down_leaves_items_for_the_next_run(mail_app, smtp, users, make_engagement,
                                                 caplog, monkeypatch):
    from vendortrack.reminders import mail

    # Alembic's logging set-up (run by the migrations in the fixtures) disables old loggers.
    monkeypatch.setattr(mail.log, "disabled", False)
    owner = users["product_owner"]
    make_engagement(**owned_by(owner, deliverables=(due_in(7),)))
    mail_app.config["MAIL_URL"] = f"smtp://127.0.0.1:{free_port()}"  # nobody listens
    result = job.run(TODAY)
    assert result.mail.sent == [] and "SMTP server unavailable" in result.mail.error
    assert "sending digests stopped" in caplog.text
    assert len(unsent()) == 1
    mail_app.config["MAIL_URL"] = smtp.url
    job.run(TODAY)
    assert len(smtp.to(owner.email)) == 1 and unsent() == []


def test_a_slow_server_times_out_and_nothing_is_marked_sent(mail_app, users, make_engagement):
    owner = users["product_owner"]
    make_engagement(**owned_by(owner, deliverables=(due_in(7),)))
    with socket.socket() as silent:  # accepts the connection, never greets
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        mail_app.config.update(MAIL_URL=f"smtp://127.0.0.1:{silent.getsockname()[1]}",
                               MAIL_TIMEOUT=0.5)
        result = job.run(TODAY)
    assert "timed out" in result.mail.error
    assert len(unsent()) == 1


def test_one_refused_address_does_not_stop_the_others(mail_app, smtp, users, make_user,
                                                      make_engagement):
    first, second = users["product_owner"], make_user("product_owner")
    make_engagement(**owned_by(first, deliverables=(due_in(7),)))
    make_engagement(**owned_by(second, deliverables=(due_in(7),)))
    smtp.refuse.add(first.email)
    result = job.run(TODAY)
    assert result.mail.failed == [first.email] and result.mail.sent == [second.email]
    assert [n.user_id for n in unsent()] == [first.id]
    smtp.refuse.clear()
    job.run(TODAY)
    assert len(smtp.to(first.email)) == 1 and len(smtp.to(second.email)) == 1


@pytest.mark.parametrize("answer", ["553 5.7.1 Sender address rejected: not owned by user",
                                    "451 4.7.1 Sender temporarily rejected"])
def test_a_refused_sender_stops_the_run_and_keeps_every_digest(mail_app, smtp, owners,
                                                               small_claims, answer):
    smtp.refuse_sender = answer
    result = job.run(TODAY)
    assert result.mail.sent == [] and "SMTP server refused the sender" in result.mail.error
    assert answer.split()[0] in result.mail.error
    assert smtp.mail_commands == 1  # not asked again for every person: it refuses us
    assert f"{len(owners)} not sent (kept for the next run)" in str(result.mail)
    assert len(unsent()) == len(owners)
    assert db.session.scalars(select(Digest)).all() == []  # every claim given back
    smtp.refuse_sender = None
    job.run(TODAY)
    assert smtp.recipients() == Counter(p.email for p in owners)
    assert unsent() == []


def test_weekly_digests_go_on_mondays_and_off_means_none(mail_app, smtp, users, make_user,
                                                         make_engagement):
    weekly, off = users["product_owner"], make_user("product_owner")
    service.save_settings(weekly, digest="weekly", weekly_summary=False)
    service.save_settings(off, digest="off", weekly_summary=False)
    make_engagement(**owned_by(weekly, deliverables=(due_in(7),)))
    make_engagement(**owned_by(off, deliverables=(due_in(7),)))
    job.run(TODAY)  # a Thursday
    assert smtp.messages == []
    job.run(MONDAY)
    assert [m["To"] for m in smtp.messages] == [f"{weekly.name} <{weekly.email}>"]
    assert "this week" in smtp.messages[0].get_body(("plain",)).get_content()


def test_a_missed_monday_sends_the_weekly_mail_on_the_next_run_once(mail_app, smtp, users,
                                                                     make_engagement):
    weekly, reader = users["product_owner"], users["leadership"]
    service.save_settings(weekly, digest="weekly", weekly_summary=False)
    service.save_settings(reader, digest="off", weekly_summary=True)
    saturday, tuesday = date(2026, 11, 28), date(2026, 12, 1)  # no run on Monday 30 Nov
    make_engagement(**owned_by(weekly, deliverables=(due_in(7),)))  # due Thursday 3 Dec
    job.run(saturday)
    assert smtp.messages == []
    job.run(tuesday)  # covers Sunday to Tuesday: the 3-day reminder and the weekly mail
    assert smtp.recipients() == Counter({weekly.email: 1, reader.email: 1})
    assert "this week" in smtp.to(weekly.email)[0].get_body(("plain",)).get_content()
    assert smtp.to(reader.email)[0]["Subject"].startswith("vendortrack weekly:")
    make_engagement(**owned_by(weekly, title="Another",
                               deliverables=(due_in(12),)))  # due in 7 days from Tuesday
    job.run(tuesday)  # again: a new reminder, but this week's mail has gone
    assert smtp.recipients() == Counter({weekly.email: 1, reader.email: 1})
    assert len(unsent()) == 1
    job.run(date(2026, 12, 2))  # Wednesday: no Monday since the last run
    assert len(smtp.messages) == 2
    job.run(date(2026, 12, 7))  # next Monday: next week's mail
    assert smtp.recipients() == Counter({weekly.email: 2, reader.email: 2})
    assert unsent() == []


def test_leadership_weekly_summary(mail_app, smtp, users, make_engagement, ben):
    reader = users["leadership"]
    service.save_settings(reader, digest="off", weekly_summary=True)
    make_engagement(title="Trapped", internal_owner=None, contract_value=Decimal("1000"))
    handing_over = make_engagement(title="Handing over", handover_date=MONDAY)  # this month
    # Its successor attests they are ready, so the handover is no trap (SUCCESSORS_NOT_READY).
    from vendortrack import services as writes
    writes.record_readiness(handing_over.successors[0], {"operate", "maintain", "extend",
                                                         "explain"}, ben, MONDAY)
    job.run(MONDAY)
    [message] = smtp.to(reader.email)
    assert message["Subject"].startswith("vendortrack weekly: 1 in a dependency trap")
    assert message["Subject"].endswith(", 1 handover this month")
    text = message.get_body(("plain",)).get_content()
    assert "In a dependency trap now: 1 engagement (€1,000.00)" in text
    assert "A week ago: 1 engagement (€1,000.00)" in text
    assert f"{MONDAY.day} Nov 2026: Handing over (2 deliverables open)" in text
    html = message.get_body(("html",)).get_content()
    assert "1 engagement</a>" in html and "(2 deliverables open)" in html
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    job.run(MONDAY)
    assert len(smtp.to(reader.email)) == 1


def test_unsubscribe_link_cannot_be_tampered_with(mail_app, users, client):
    from vendortrack.reminders.mail import unsubscribe_token

    owner, other = users["product_owner"], users["leadership"]
    token = unsubscribe_token(owner)
    forged = token[:-2] + ("AA" if token[-2:] != "AA" else "BB")
    assert client.post(f"/unsubscribe/{forged}", csrf=False).status_code == 404
    # Reused after the account moved to another address: refused.
    from vendortrack import services
    services.update_user(owner, name=owner.name, role=owner.role, active=True, password=None,
                         actor=users["admin"])
    owner.email = "moved@example.org"
    db.session.commit()
    assert client.post(f"/unsubscribe/{token}", csrf=False).status_code == 404
    assert db.session.get(ReminderSettings, other.id) is None
    page = client.get(f"/unsubscribe/{unsubscribe_token(other)}")
    assert page.status_code == 200 and "Stop reminder e-mails?" in page.get_data(as_text=True)
    assert db.session.get(ReminderSettings, other.id) is None  # GET changes nothing


def test_two_processes_at_once_send_one_mail_each(mail_app, smtp, users, make_user,
                                                  make_engagement, database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("two job processes at once are supported against PostgreSQL")
    from vendortrack.reminders import mail

    # More people than one claim batch, and a server slow enough that the two runs overlap.
    people = [users["product_owner"]] + [make_user("product_owner")
                                         for _ in range(mail.CLAIM_BATCH + 9)]
    for person in people:
        make_engagement(**owned_by(person, deliverables=(due_in(7), due_in(3, "B"))))
    single_run = {item.email for item in job.run(TODAY, dry_run=True).planned}
    assert single_run == {p.email for p in people}
    smtp.delay = 0.01
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "test-secret",
           "MAIL_URL": smtp.url, "BASE_URL": BASE_URL, "VENDORTRACK_TODAY": TODAY.isoformat()}
    command = [sys.executable, "-m", "flask", "--app", "vendortrack", "send-reminders"]
    runs = [subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
            for _ in range(2)]
    outputs = [run.communicate(timeout=120)[0].decode() for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    assert smtp.recipients() == Counter(single_run), outputs  # each digest once, all of them
    said = [int(re.search(r"E-mail: (\d+) digests sent", out).group(1)) for out in outputs]
    assert sum(said) == len(single_run), outputs
    assert len(db.session.scalars(select(Notification)).all()) == 2 * len(people)
    assert unsent() == []


def test_every_digest_of_a_run_goes_over_one_connection(mail_app, smtp, owners, small_claims):
    result = job.run(TODAY)
    assert sorted(result.mail.sent) == sorted(p.email for p in owners)
    assert smtp.connections == 1 and result.mail.connections == 1
    assert smtp.recipients() == Counter(p.email for p in owners)
    assert unsent() == []
    digests = db.session.scalars(select(Digest)).all()
    assert len(digests) == len(owners) and all(d.sent_at and d.items == 1 for d in digests)


def test_a_server_hanging_up_between_digests_gets_a_new_connection(mail_app, smtp, owners,
                                                                    small_claims):
    smtp.hang_up_after = 5  # as servers that limit the messages per connection do
    result = job.run(TODAY)
    assert result.mail.error is None and len(result.mail.sent) == len(owners)
    assert smtp.recipients() == Counter(p.email for p in owners)
    assert smtp.connections == result.mail.connections == 3
    assert unsent() == []


def test_a_message_the_server_hung_up_on_is_sent_once_on_a_new_connection(mail_app, smtp,
                                                                          owners, small_claims):
    smtp.hang_up_in_data = 4  # the fourth message is never answered, so never accepted
    result = job.run(TODAY)
    assert result.mail.error is None and len(result.mail.sent) == len(owners)
    assert smtp.recipients() == Counter(p.email for p in owners)
    assert smtp.connections == 2
    assert unsent() == []


def test_a_server_going_away_mid_run_leaves_the_rest_for_the_next_run(mail_app, smtp, owners,
                                                                      small_claims):
    smtp.down_after = 7
    result = job.run(TODAY)
    assert len(result.mail.sent) == 7 and "SMTP server unavailable" in result.mail.error
    assert len(result.mail.failed) + result.mail.left == len(owners) - 7
    assert f"{len(owners) - 7} not sent (kept for the next run)" in str(result.mail)
    reached = {p.id for p in owners if p.email in result.mail.sent}
    assert {n.user_id for n in unsent()} == {p.id for p in owners} - reached
    # Only the digests sent keep their claim: the next run may send the others at once.
    assert len(db.session.scalars(select(Digest)).all()) == 7
    smtp.down_after = None
    again = job.run(TODAY)
    assert len(again.mail.sent) == len(owners) - 7
    assert smtp.recipients() == Counter(p.email for p in owners)  # nobody twice
    assert unsent() == []


def test_an_error_mid_run_gives_back_the_claims_not_sent(mail_app, smtp, owners, small_claims,
                                                         monkeypatch):
    from vendortrack.reminders import mail

    build = mail.build_digest
    broken = owners[2].id

    def build_or_fail(user, *args, **kwargs):
        if user.id == broken:
            raise RuntimeError("a bug in building one digest")
        return build(user, *args, **kwargs)

    monkeypatch.setattr(mail, "build_digest", build_or_fail)
    with pytest.raises(RuntimeError):
        job.run(TODAY)
    assert len(smtp.messages) == 2
    # The two sent keep their claim; the rest of the batch need not wait to go stale.
    assert len(db.session.scalars(select(Digest)).all()) == 2
    monkeypatch.setattr(mail, "build_digest", build)
    job.run(TODAY)
    assert smtp.recipients() == Counter(p.email for p in owners)
    assert unsent() == []


@pytest.mark.parametrize("server", ["accepts", "hangs up"])
def test_a_claim_taken_over_meanwhile_stays_with_the_run_that_took_it(
        mail_app, smtp, users, make_engagement, monkeypatch, server):
    from datetime import UTC, datetime

    from vendortrack.reminders import mail

    owner = users["product_owner"]
    make_engagement(**owned_by(owner, deliverables=(due_in(7),)))
    recipient = mail.Recipient(owner.id, owner.name, owner.email)
    started = datetime.now(UTC)
    later = started + mail.STALE_CLAIM + timedelta(minutes=1)
    clock = [started]
    monkeypatch.setattr(mail, "utcnow", lambda: clock[0])
    taken = []

    def another_run_takes_the_claim_over():
        # While this run's digest waits for the server, the clock passes STALE_CLAIM and a
        # second run claims the same digest (the row this run holds).
        clock[0] = later
        with mail_app.app_context(), db.engine.connect() as conn:
            taken.extend(mail._claim(conn, [mail.DigestJob(recipient, "daily", [])],
                                     {"daily": TODAY.isoformat()}))

    smtp.meanwhile = another_run_takes_the_claim_over
    smtp.hang_up_in_data = 1 if server == "hangs up" else None
    result = job.run(TODAY)
    assert len(taken) == 1  # the second run holds the claim now
    assert result.mail.sent == ([owner.email] if server == "accepts" else [])
    # This run neither marked the other run's claim sent nor gave it back.
    [digest] = db.session.scalars(select(Digest)).all()
    assert (digest.id, digest.claimed_at, digest.sent_at) == (taken[0].digest_id, later, None)
    assert len(unsent()) == 1


def test_nothing_is_locked_while_a_digest_waits_for_the_server(mail_app, smtp, users,
                                                                make_engagement, database_url):
    from datetime import UTC, datetime

    from sqlalchemy import create_engine, update

    owner = users["product_owner"]
    make_engagement(**owned_by(owner, deliverables=(due_in(7),)))
    owner_id = owner.id
    # The person reads their reminders in the app meanwhile, with no patience for locks.
    web = create_engine(database_url, connect_args={"timeout": 0} if database_url.startswith(
        "sqlite") else {"options": "-c lock_timeout=200"})
    failures = []

    def mark_read():
        try:
            with web.begin() as conn:
                conn.execute(update(Notification.__table__)
                             .where(Notification.user_id == owner_id)
                             .values(read_at=datetime.now(UTC)))
        except Exception as error:  # noqa: BLE001 (reported by the assertion below)
            failures.append(error)

    smtp.meanwhile = mark_read
    try:
        result = job.run(TODAY)
    finally:
        web.dispose()
    assert failures == [] and result.mail.sent == [owner.email]
    [note] = db.session.scalars(select(Notification)).all()
    assert note.read_at is not None and note.emailed_at is not None


def test_one_refused_recipient_among_many(mail_app, smtp, owners, small_claims):
    refused = owners[5]
    smtp.refuse.add(refused.email)
    result = job.run(TODAY)
    assert result.mail.failed == [refused.email] and result.mail.error is None
    assert len(result.mail.sent) == len(owners) - 1
    assert smtp.connections == 1  # the refusal did not cost the connection
    assert [n.user_id for n in unsent()] == [refused.id]
    smtp.refuse.clear()
    job.run(TODAY)
    assert smtp.recipients() == Counter(p.email for p in owners)
    assert unsent() == []


def test_no_mail_url_means_in_app_only(app, users, make_engagement):
    make_engagement(**owned_by(users["product_owner"], deliverables=(due_in(7),)))
    assert job.run(TODAY).mail is None
    assert len(unsent()) == 1


def test_person_without_an_account_address_is_skipped(mail_app, smtp, users, make_engagement):
    make_engagement(internal_owner=specs.Person("No account", "nobody@example.org"),
                    deliverables=(due_in(7),))
    result = job.run(TODAY)
    assert result.created == 0 and smtp.messages == []


def test_a_wrong_mail_url_stops_start_up_with_a_message(database_url):
    from vendortrack import ConfigurationError, create_app

    from .conftest import app_config

    with pytest.raises(ConfigurationError, match="MAIL_URL must look like smtp://"):
        create_app(app_config(database_url, MAIL_URL="http://mail.example.org"))


def test_a_weekly_mail_the_server_refused_on_monday_goes_on_the_next_run_once(
        mail_app, smtp, users, make_engagement):
    weekly, reader = users["product_owner"], users["leadership"]
    service.save_settings(weekly, digest="weekly", weekly_summary=False)
    service.save_settings(reader, digest="off", weekly_summary=True)
    make_engagement(**owned_by(weekly, deliverables=(due_in(7),)))
    monday, tuesday = date(2026, 11, 30), date(2026, 12, 1)
    job.run(monday - timedelta(days=1))
    mail_app.config["MAIL_URL"] = f"smtp://127.0.0.1:{free_port()}"  # nobody listens
    assert "SMTP server unavailable" in job.run(monday).mail.error
    assert smtp.messages == []
    mail_app.config["MAIL_URL"] = smtp.url
    job.run(tuesday)  # no Monday since the last run, but this week's mail is still owed
    assert smtp.recipients() == Counter({weekly.email: 1, reader.email: 1})
    assert "this week" in smtp.to(weekly.email)[0].get_body(("plain",)).get_content()
    assert unsent() == []
    job.run(tuesday + timedelta(days=1))  # sent: nothing more this week
    assert len(smtp.messages) == 2

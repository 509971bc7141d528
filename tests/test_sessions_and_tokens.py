"""Issue #11, findings 2 and 3 and what replaced them: tokens open only the API, sessions
live on the server and end at sign-out, by idle timeout and by absolute lifetime."""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, event, func, select

from vendortrack.extensions import db
from vendortrack.models import ApiToken, User, UserSession
from vendortrack.tokens import create_token

from .conftest import CSRF_RE, PASSWORD

START = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


class Clock:
    """The controllable clock the app reads through VENDORTRACK_NOW."""

    def __init__(self, moment: datetime):
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment

    def advance(self, **delta) -> None:
        self.moment += timedelta(**delta)


@pytest.fixture
def clock(app) -> Clock:
    clock = Clock(START)
    app.config["VENDORTRACK_NOW"] = clock
    return clock


def bearer(secret: str) -> dict:
    return {"Authorization": f"Bearer {secret}"}


def test_a_leaked_token_cannot_open_the_account_page_or_mint_tokens(app, users):
    """Finding 2: with only a token, GET /account gave a CSRF token and POST /account a new
    token that outlived the first one's revocation."""
    secret = create_token(users["procurement"], "leaked")
    http = app.test_client()
    with app.app_context():
        page = http.get("/account", headers=bearer(secret))
        assert page.status_code == 302 and "/login" in page.headers["Location"]
        minted = http.post("/account", headers=bearer(secret),
                           data={"name": "backdoor", "expires": "never"})
        assert minted.status_code == 400  # refused before anything is read: no CSRF token
        for url in ("/engagements", "/admin/tokens", "/admin/users"):
            assert http.get(url, headers=bearer(secret)).status_code == 302
        assert http.get("/api/v1/engagements", headers=bearer(secret)).status_code == 200
    assert db.session.scalar(select(func.count(ApiToken.id))) == 1


def test_a_session_with_someone_elses_token_acts_only_as_itself(app, users, client):
    other = create_token(users["admin"], "admin's")
    client.login(users["leadership"])
    # Not an API route: the token is ignored, the session's user (leadership) acts.
    assert client.get("/admin/users", headers=bearer(other)).status_code == 403
    response = client.post("/account", {"name": "x", "expires": "30", "password": PASSWORD},
                           headers=bearer(other))
    assert response.status_code == 200
    assert {t.user_id for t in db.session.scalars(select(ApiToken))} == {
        users["admin"].id, users["leadership"].id}
    # An API route with a token acts as the token's user, never as the session's.
    me = client.get("/api/v1/engagements", headers=bearer("vt_not-a-real-token"))
    assert me.status_code == 401


def test_creating_a_token_asks_for_the_password_and_shows_its_expiry(client, users, clock):
    client.login(users["procurement"])
    page = client.get("/account").get_data(as_text=True)
    assert '<option selected value="365">in 1 year</option>' in page
    wrong = client.post("/account", {"name": "ERP", "expires": "365", "password": "nope"})
    assert wrong.status_code == 400
    assert "That is not your current password." in wrong.get_data(as_text=True)
    assert db.session.scalar(select(func.count(ApiToken.id))) == 0
    made = client.post("/account", {"name": "ERP", "expires": "365", "password": PASSWORD})
    token = db.session.scalars(select(ApiToken)).one()
    assert token.expires_at == START + timedelta(days=365)
    assert "26 Nov 2027" in made.get_data(as_text=True)


def test_an_expired_token_is_refused(app, users, clock):
    secret = create_token(users["procurement"], "short", days=30)
    http = app.test_client()
    with app.app_context():
        assert http.get("/api/v1/engagements", headers=bearer(secret)).status_code == 200
        clock.advance(days=30)
        assert http.get("/api/v1/engagements", headers=bearer(secret)).status_code == 401


def test_last_used_is_written_at_most_once_a_minute(app, users, clock):
    secret = create_token(users["procurement"], "sync")
    http = app.test_client()

    def last_used():
        db.session.rollback()
        return db.session.scalars(select(ApiToken)).one().last_used_at

    assert last_used() is None
    with app.app_context():
        http.get("/api/v1/engagements", headers=bearer(secret))
    assert last_used() == START
    clock.advance(seconds=59)
    with app.app_context():
        http.get("/api/v1/engagements", headers=bearer(secret))
    assert last_used() == START
    clock.advance(seconds=1)
    with app.app_context():
        http.get("/api/v1/engagements", headers=bearer(secret))
    assert last_used() == START + timedelta(minutes=1)


def test_administrators_see_and_revoke_anyones_tokens(client, users, app):
    secret = create_token(users["procurement"], "ERP sync")
    client.login(users["admin"])
    page = client.get("/admin/tokens").get_data(as_text=True)
    assert "ERP sync" in page and users["procurement"].email in page
    token = db.session.scalars(select(ApiToken)).one()
    client.post(f"/admin/tokens/{token.id}/revoke")
    with app.app_context():
        assert app.test_client().get("/api/v1/engagements",
                                     headers=bearer(secret)).status_code == 401


# --- sessions ------------------------------------------------------------------------------

def copy_cookie(source, app):
    """A second browser holding a saved copy of ``source``'s session cookie."""
    from .conftest import Client

    replay = Client(app)
    replay.http.set_cookie("session", source.http.get_cookie("session").value)
    return replay


def test_a_cookie_saved_before_sign_out_opens_nothing_after(client, users, app):
    """Finding 3: the cookie lived on for 31 days after POST /logout."""
    client.login(users["leadership"])
    saved = copy_cookie(client, app)
    assert saved.get("/account").status_code == 200
    client.post("/logout")
    assert db.session.scalar(select(func.count(UserSession.id))) == 0
    replayed = saved.get("/account")
    assert replayed.status_code == 302 and "/login" in replayed.headers["Location"]


def test_idle_timeout_ends_the_session(client, users, clock):
    client.login(users["leadership"])
    clock.advance(hours=7, minutes=59)
    assert client.get("/account").status_code == 200  # and this use resets the idle time
    clock.advance(hours=7, minutes=59)
    assert client.get("/account").status_code == 200
    clock.advance(hours=8, seconds=1)
    assert client.get("/account").status_code == 302
    assert db.session.scalar(select(func.count(UserSession.id))) == 0


def test_absolute_lifetime_ends_even_a_busy_session(client, users, clock):
    client.login(users["leadership"])
    for _ in range(7 * 4 + 1):  # 7 days and 6 hours
        clock.advance(hours=6)
        response = client.get("/engagements")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_session_id_and_csrf_token_rotate_at_sign_in(client, users, app):
    client.get("/login")
    before_cookie = client.http.get_cookie("session").value
    before_token = client.token
    client.login(users["leadership"])
    assert client.http.get_cookie("session").value != before_cookie
    page = client.get("/account").get_data(as_text=True)
    assert CSRF_RE.search(page).group(1) != before_token
    # A form loaded before sign-in cannot be sent after it.
    stale = client.open("POST", "/account", data={"name": "x", "expires": "30",
                                                   "password": PASSWORD,
                                                   "csrf_token": before_token})
    assert stale.status_code == 400


def test_people_see_their_sessions_and_end_the_others(make_client, users, app):
    laptop, phone = make_client(), make_client()
    laptop.login(users["leadership"])
    phone.login(users["leadership"])
    page = laptop.get("/account").get_data(as_text=True)
    assert page.count("/account/sessions/") >= 2 and "This browser" in page
    laptop.post("/account/sessions/end-others")
    assert phone.get("/engagements").status_code == 302
    assert laptop.get("/engagements").status_code == 200


def test_password_change_needs_the_current_one_and_ends_other_sessions(make_client, users):
    laptop, phone = make_client(), make_client()
    laptop.login(users["leadership"])
    phone.login(users["leadership"])
    wrong = laptop.post("/account/password", {"current": "not it", "password": "a" * 14,
                                              "confirm": "a" * 14})
    assert wrong.status_code == 400 and "not your current password" in wrong.get_data(
        as_text=True)
    laptop.post("/account/password", {"current": PASSWORD, "password": "new password 2026",
                                      "confirm": "new password 2026"})
    assert laptop.get("/engagements").status_code == 200
    assert phone.get("/engagements").status_code == 302
    fresh = make_client()
    fresh.login(users["leadership"], "new password 2026")
    assert fresh.get("/engagements").status_code == 200


def statements_during(app, action) -> list[str]:
    statements: list[str] = []

    def note(conn, cursor, statement, *args):
        statements.append(" ".join(statement.split()))

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        action()
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
    return statements


def counts_unread(statement: str) -> bool:
    """Whether ``statement`` counts unread notifications (the bell), alone or inside."""
    return "count(*)" in statement and "notification.read_at IS NULL" in statement


def test_a_page_reads_session_and_user_in_one_statement_and_counts_the_bell_once(
        app, client, users):
    """Every signed-in page checks its session row and its user in one round trip, not two;
    a page showing the bell counts it once, however often the page asks."""
    client.login(users["leadership"])
    for url in ("/engagements", "/notifications"):  # the second asks twice
        statements = statements_during(app, lambda url=url: client.get(url))
        reading_session = [s for s in statements if "user_session" in s]
        assert len(reading_session) == 1, statements
        assert "JOIN" in reading_session[0]
        by_id = re.compile(r'FROM "?user"? WHERE "?user"?\.id =')
        assert not [s for s in statements if by_id.search(s)], statements
        assert len([s for s in statements if counts_unread(s)]) == 1, statements


def test_downloads_do_not_count_the_bell(app, client, users, make_engagement):
    """Only a page that shows the bell counts unread notifications: a PDF or a CSV does
    not."""
    from vendortrack.annex import service

    engagement = make_engagement()
    service.issue_annex(engagement, users["procurement"])
    client.login(users["procurement"])
    responses = []
    for url, mimetype in ((f"/engagements/{engagement.id}/annexes/1.pdf", "application/pdf"),
                          ("/engagements/register.csv", "text/csv")):
        statements = statements_during(app, lambda url=url: responses.append(client.get(url)))
        assert responses[-1].status_code == 200 and responses[-1].mimetype == mimetype
        assert [s for s in statements if "user_session" in s], statements  # still checked
        assert not [s for s in statements if counts_unread(s)], statements


@pytest.mark.parametrize("change", ["deactivated", "role changed", "row deleted"])
def test_a_session_ends_when_its_user_or_row_changes(app, client, users, change):
    """The joined load still checks the user on every request: deactivating the person or
    changing their role (the generation) ends their sessions at once, as does the row."""
    from vendortrack import services

    client.login(users["procurement"])
    assert client.get("/engagements").status_code == 200
    person = db.session.get(User, users["procurement"].id)
    if change == "deactivated":
        person.active = False
    elif change == "role changed":
        person.role, person.session_generation = "leadership", person.session_generation + 1
    else:
        db.session.execute(delete(UserSession).where(UserSession.user_id == person.id))
    services.commit()
    response = client.get("/engagements")
    assert response.status_code == 302 and "/login" in response.headers["Location"]

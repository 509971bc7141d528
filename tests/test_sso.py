"""Single sign-on against a real OpenID Connect provider (oidc-provider-mock on 127.0.0.1):
accounts and roles from the provider, every fault refused calmly, password sign-in turned off
with break-glass accounts, and signing out at the provider."""
from __future__ import annotations

import logging
import socket
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from sqlalchemy import select

from vendortrack import ConfigurationError, create_app, services
from vendortrack.extensions import db
from vendortrack.models import AuditEvent, User

from .conftest import PASSWORD, Client, app_config
from .oidc_provider import (
    CLIENT_ID,
    CLIENT_SECRET,
    running_provider,
    signed_with_another_key,
    unsigned,
)

ROLE_MAP = "vt-admin=admin,vt-procurement=procurement,vt-leadership=leadership"
WITH_ROLES = {"OIDC_CREATE_USERS": True, "OIDC_ROLES_CLAIM": "groups", "OIDC_ROLE_MAP": ROLE_MAP}
LABEL = "Sign in with Example ID"


@pytest.fixture(scope="session")
def provider_server():
    with running_provider() as provider:
        yield provider


@pytest.fixture
def provider(provider_server):
    provider_server.reset()
    yield provider_server
    provider_server.reset()


@pytest.fixture
def sso_config() -> dict:
    """Extra settings for the app; tests parametrise it."""
    return {}


def sso_settings(provider, **extra) -> dict:
    return {"OIDC_ISSUER": provider.url, "OIDC_CLIENT_ID": CLIENT_ID,
            "OIDC_CLIENT_SECRET": CLIENT_SECRET, "OIDC_LABEL": LABEL, "OIDC_TIMEOUT": 2,
            **extra}


@pytest.fixture
def app(database_url, provider, sso_config):
    """The app with single sign-on pointed at the test provider (overrides conftest's)."""
    app = create_app(app_config(database_url, **sso_settings(provider, **sso_config)))
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def admin(make_user):
    """Someone must exist, or every page leads to the first-run set-up."""
    return make_user("admin", email="root@example.org")


_people = iter(range(1, 1_000_000))


@pytest.fixture
def person(provider):
    """``person(**claims)``: a new person at the provider; returns their subject."""

    def make(**claims) -> str:
        sub = f"person-{next(_people)}"
        claims.setdefault("email", f"{sub}@example.org")
        claims.setdefault("email_verified", True)
        claims.setdefault("name", sub.replace("-", " ").title())
        provider.set_user(sub, **claims)
        return sub

    return make


def go_to_provider(client: Client, start="/login/oidc") -> str:
    """Click the button: the app sends the browser to the provider's authorize URL."""
    response = client.get(start)
    assert response.status_code == 302, response.get_data(as_text=True)
    return response.headers["Location"]


def approve(authorize_url: str, sub: str, action: str | None = None) -> str:
    """Sign in at the provider's page as ``sub`` (or deny); the callback path and query."""
    data = {"action": action} if action else {"sub": sub}
    answer = requests.post(authorize_url, data=data, allow_redirects=False, timeout=5)
    assert answer.status_code == 302, answer.text
    back = urlsplit(answer.headers["Location"])
    return f"{back.path}?{back.query}"


def sign_in(client: Client, sub: str, start="/login/oidc"):
    """The whole journey: button, provider, back to the app; the app's last answer."""
    return client.get(approve(go_to_provider(client, start), sub))


def signed_in_as(client: Client) -> str | None:
    page = client.get("/account")
    if page.status_code != 200:
        return None
    return page.get_data(as_text=True)


def find(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email))


# --- the sign-in page and the flow -------------------------------------------------------

def test_sign_in_page_shows_the_button(client, admin):
    page = client.get("/login").get_data(as_text=True)
    assert LABEL in page and 'href="/login/oidc' in page
    assert 'name="password"' in page  # passwords stay on unless turned off


def test_button_is_absent_without_an_issuer(database_url):
    plain = create_app(app_config(database_url))
    with plain.app_context():
        services.create_user(email="a@example.org", name="A", role="admin", password=PASSWORD,
                             actor=None)
        response = Client(plain).get("/login")
        assert "/login/oidc" not in response.get_data(as_text=True)
        assert Client(plain).get("/login/oidc").status_code == 404
        db.engine.dispose()


def test_authorization_request_uses_pkce_state_and_nonce(client, admin):
    query = parse_qs(urlsplit(go_to_provider(client)).query)
    assert query["response_type"] == ["code"] and query["client_id"] == [CLIENT_ID]
    assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) >= 43
    assert len(query["state"][0]) >= 20 and len(query["nonce"][0]) >= 20
    assert set(query["scope"][0].split()) >= {"openid", "email"}
    assert query["redirect_uri"] == ["http://localhost/login/oidc/callback"]


@pytest.mark.parametrize("sso_config", [WITH_ROLES], ids=["roles"])
def test_first_sign_in_creates_the_account_with_the_mapped_role(client, admin, person):
    sub = person(email="Nora.New@Example.org", name="Nora New", groups=["vt-leadership"])
    response = sign_in(client, sub, start="/login/oidc?next=/vendors")
    assert response.status_code == 302 and response.headers["Location"] == "/vendors"
    assert "Nora New" in signed_in_as(client)
    user = find("nora.new@example.org")
    assert (user.name, user.role, user.active) == ("Nora New", "leadership", True)
    assert user.last_sign_in_method == "oidc" and user.last_sign_in_at is not None
    # No password was set for the account, so none matches it.
    other = Client(client.app)
    assert "do not match" in other.post("/login", {"email": user.email, "password": "guess"
                                                   }).get_data(as_text=True)
    assert client.get("/").headers["Location"] == "/dashboard"
    assert client.get("/dashboard").status_code == 200


@pytest.mark.parametrize("sso_config", [WITH_ROLES], ids=["roles"])
def test_role_change_at_the_provider_applies_at_the_next_sign_in(client, make_client, admin,
                                                                 person, provider):
    sub = person(email="pat@example.org", groups=["vt-procurement"])
    sign_in(client, sub)
    assert find("pat@example.org").role == "procurement"
    provider.set_user(sub, email="pat@example.org", email_verified=True, name="Pat",
                      groups=["vt-admin", "vt-leadership"])
    again = make_client()
    sign_in(again, sub)
    user = find("pat@example.org")
    assert user.role == "admin"
    assert again.get("/admin/users").status_code == 200
    # The session that still carried the old role has ended.
    assert client.get("/account").status_code == 302
    event = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert event.action == "user.update" and "identity provider" in event.changes


def test_without_a_role_map_the_administrators_role_stays(client, make_user, admin, person):
    make_user("procurement", email="paul@example.org", name="Paul")
    sub = person(email="PAUL@example.org", groups=["vt-admin"])
    response = sign_in(client, sub)
    assert response.status_code == 302
    user = find("paul@example.org")
    assert user.role == "procurement" and user.last_sign_in_method == "oidc"
    assert "Paul" in signed_in_as(client)


@pytest.mark.parametrize("sso_config", [WITH_ROLES], ids=["roles"])
def test_unmapped_groups_are_refused(client, admin, person, caplog):
    sub = person(email="guest@example.org", groups=["contractors"])
    with caplog.at_level(logging.WARNING, logger="vendortrack.auth.oidc"):
        response = sign_in(client, sub)
    assert response.status_code == 403
    assert "None of your groups gives access to vendortrack" in response.get_data(as_text=True)
    assert "refused (no_role) for guest@example.org" in caplog.text
    assert find("guest@example.org") is None and signed_in_as(client) is None


def test_unverified_email_is_refused(client, make_user, admin, person, caplog):
    make_user("leadership", email="lee@example.org")
    sub = person(email="lee@example.org", email_verified=False)
    with caplog.at_level(logging.WARNING, logger="vendortrack.auth.oidc"):
        response = sign_in(client, sub)
    assert response.status_code == 403
    assert "Your e-mail address is not verified" in response.get_data(as_text=True)
    assert "refused (email_unverified)" in caplog.text
    assert signed_in_as(client) is None and find("lee@example.org").last_sign_in_at is None


@pytest.mark.parametrize("sso_config", [WITH_ROLES], ids=["roles"])
def test_deactivated_account_is_refused_though_the_provider_says_yes(client, make_user, admin,
                                                                    person):
    user = make_user("leadership", email="gone@example.org")
    services.update_user(user, name=user.name, role=user.role, active=False, password=None,
                         actor=admin)
    response = sign_in(client, person(email="gone@example.org", groups=["vt-leadership"]))
    assert response.status_code == 403
    assert "Your vendortrack account is deactivated" in response.get_data(as_text=True)
    assert signed_in_as(client) is None


def test_unknown_person_is_refused_unless_accounts_are_created(client, admin, person):
    response = sign_in(client, person(email="stranger@example.org"))
    assert response.status_code == 403
    assert "You do not have a vendortrack account yet" in response.get_data(as_text=True)
    assert find("stranger@example.org") is None and signed_in_as(client) is None


@pytest.mark.parametrize("sso_config", [{"OIDC_CREATE_USERS": True}], ids=["create"])
def test_accounts_created_without_a_role_map_get_the_narrowest_role(client, admin, person):
    sign_in(client, person(email="olga@example.org", groups=["vt-admin"]))
    assert find("olga@example.org").role == "product_owner"


# --- faults: each a calm page, logged, nobody signed in -----------------------------------

def refused(client, response, status, words, caplog, reason):
    body = response.get_data(as_text=True)
    assert response.status_code == status, body
    assert words in body and "Nobody was signed in" in body
    assert "Traceback" not in body
    assert f"single sign-on failed ({reason})" in caplog.text
    assert signed_in_as(client) is None


@pytest.fixture
def warnings_logged(caplog):
    caplog.set_level(logging.WARNING, logger="vendortrack.auth.oidc")
    return caplog


def test_tampered_state_is_refused(client, admin, person, warnings_logged):
    callback = approve(go_to_provider(client), person())
    tampered = callback.replace("state=", "state=x")
    refused(client, client.get(tampered), 400, "That sign-in link was not started here",
            warnings_logged, "state")


def test_missing_state_is_refused(client, admin, person, warnings_logged):
    callback = approve(go_to_provider(client), person())
    query = parse_qs(urlsplit(callback).query)
    response = client.get(f"/login/oidc/callback?code={query['code'][0]}")
    refused(client, response, 400, "That sign-in link was not started here", warnings_logged,
            "state")


def test_state_from_another_browser_is_refused(client, make_client, admin, person,
                                               warnings_logged):
    callback = approve(go_to_provider(client), person())
    refused(make_client(), make_client().get(callback), 400, "not started here",
            warnings_logged, "state")


def test_replayed_code_is_refused(client, make_user, admin, person, warnings_logged):
    make_user("leadership", email="rita@example.org")
    sub = person(email="rita@example.org")
    callback = approve(go_to_provider(client), sub)
    assert client.get(callback).status_code == 302  # the real sign-in
    client.post("/logout")
    # The same answer again: its state was used up.
    refused(client, client.get(callback), 400, "not started here", warnings_logged, "state")
    # The old code with a fresh state: the provider refuses the code itself.
    fresh_state = parse_qs(urlsplit(go_to_provider(client)).query)["state"][0]
    code = parse_qs(urlsplit(callback).query)["code"][0]
    response = client.get(f"/login/oidc/callback?code={code}&state={fresh_state}")
    refused(client, response, 502, "refused to finish the sign-in", warnings_logged,
            "token_refused")


def test_provider_error_in_the_callback_is_refused(client, admin, person, warnings_logged):
    callback = approve(go_to_provider(client), person(), action="deny")
    assert "error=access_denied" in callback
    refused(client, client.get(callback), 400, "Your identity provider did not sign you in",
            warnings_logged, "provider_error")
    assert "access_denied" in warnings_logged.text


@pytest.mark.parametrize("rewrite", [
    "wrong_audience", "wrong_issuer", "expired", "wrong_nonce", "unsigned", "another_key"])
def test_id_tokens_that_fail_verification_are_refused(client, admin, person, provider,
                                                      warnings_logged, rewrite):
    provider.rewrite = {
        "wrong_audience": lambda: provider.resign(aud="someone-else"),
        "wrong_issuer": lambda: provider.resign(iss="http://127.0.0.1:1"),
        "expired": lambda: provider.resign(exp=1_700_000_000, iat=1_699_999_000),
        "wrong_nonce": lambda: provider.resign(nonce="not-the-one-we-sent"),
        "unsigned": lambda: unsigned,
        "another_key": lambda: signed_with_another_key,
    }[rewrite]()
    response = sign_in(client, person())
    refused(client, response, 502, "The sign-in could not be verified", warnings_logged,
            "token_invalid")


def test_an_untampered_resigned_token_still_passes(client, admin, make_user, person, provider):
    """The re-signing above changes only what each case names (else those tests prove
    nothing)."""
    make_user("leadership", email="real@example.org")
    provider.rewrite = provider.resign()
    assert sign_in(client, person(email="real@example.org")).status_code == 302
    assert signed_in_as(client) is not None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_provider_down_is_a_calm_page(database_url, admin, warnings_logged):
    down = create_app(app_config(database_url, OIDC_ISSUER=f"http://127.0.0.1:{free_port()}",
                                 OIDC_CLIENT_ID=CLIENT_ID, OIDC_LABEL=LABEL))
    with down.app_context():
        client = Client(down)
        response = client.get("/login/oidc")
        refused(client, response, 503, "Your identity provider is not answering",
                warnings_logged, "provider_down")
        db.engine.dispose()


@pytest.mark.parametrize("sso_config", [{"OIDC_TIMEOUT": 0.3}], ids=["timeout"])
def test_slow_provider_times_out_calmly(client, admin, person, provider, warnings_logged):
    authorize = go_to_provider(client)
    provider.delay = 1.0
    response = client.get(approve(authorize, person()))
    refused(client, response, 504, "too slow to answer", warnings_logged, "provider_slow")


# --- password sign-in turned off, break-glass ---------------------------------------------

@pytest.mark.parametrize("sso_config", [{"PASSWORD_LOGIN": False}], ids=["passwords-off"])
def test_password_login_off_but_break_glass_works(client, make_client, make_user, admin):
    staff = make_user("leadership", email="staff@example.org")
    rescuer = make_user("admin", email="rescue@example.org")
    services.update_user(rescuer, name=rescuer.name, role="admin", active=True, password=None,
                         actor=admin, break_glass=True)
    page = client.get("/login").get_data(as_text=True)
    assert LABEL in page and 'name="password"' not in page and "Break-glass sign-in" in page
    assert 'name="password"' in client.get("/login?break_glass=1").get_data(as_text=True)

    refused_post = client.post("/login", {"email": staff.email, "password": PASSWORD})
    assert refused_post.status_code == 200
    assert "Password sign-in is turned off" in refused_post.get_data(as_text=True)
    assert signed_in_as(client) is None

    glass = make_client()
    glass.get("/login?break_glass=1")
    response = glass.post("/login?break_glass=1", {"email": rescuer.email,
                                                    "password": PASSWORD})
    assert response.status_code == 302 and signed_in_as(glass) is not None
    assert find("rescue@example.org").last_sign_in_method == "password"
    # A wrong password for the break-glass account gets the same words as anyone else.
    stranger = make_client()
    stranger.get("/login?break_glass=1")
    wrong = stranger.post("/login?break_glass=1", {"email": rescuer.email, "password": "x" * 14})
    assert "Password sign-in is turned off" in wrong.get_data(as_text=True)


def test_break_glass_from_the_command_line(app, runner_env):
    result = runner_env.invoke(args=["create-user", "glass@example.org", "--name", "Glass",
                                     "--role", "admin", "--break-glass"],
                               input=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    assert "Created break-glass administrator Glass" in result.output
    assert find("glass@example.org").break_glass is True


@pytest.fixture
def runner_env(app):
    return app.test_cli_runner()


def test_administrator_marks_break_glass_and_sees_how_people_sign_in(client, make_user, admin,
                                                                     person):
    lena = make_user("leadership", email="lena@example.org", name="Lena")
    client.login(admin)
    page = client.get(f"/admin/users/{lena.id}").get_data(as_text=True)
    assert "Break-glass account" in page
    client.post(f"/admin/users/{lena.id}", {"name": "Lena", "role": "leadership",
                                             "active": "y", "break_glass": "y"})
    assert find("lena@example.org").break_glass is True
    sign_in(Client(client.app), person(email="lena@example.org"))
    users_page = client.get("/admin/users").get_data(as_text=True)
    row = users_page.split("Lena</td>")[1].split("</tr>")[0]
    assert "Single sign-on" in row and "Break-glass" in row and "UTC</time>" in row
    admin_row = users_page.split(f"{admin.name}</td>")[1].split("</tr>")[0]
    assert "Password" in admin_row


# --- signing out ---------------------------------------------------------------------------

def test_sign_out_also_signs_out_at_the_provider(client, make_user, admin, person, provider):
    make_user("leadership", email="sam@example.org")
    sign_in(client, person(email="sam@example.org"))
    response = client.post("/logout")
    location = urlsplit(response.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == \
        f"{provider.url}/oauth2/end_session"
    query = parse_qs(location.query)
    assert query["post_logout_redirect_uri"] == ["http://localhost/login"]
    assert query["id_token_hint"][0].count(".") == 2 and query["client_id"] == [CLIENT_ID]
    assert signed_in_as(client) is None
    # The provider's page accepts the hint and leads back to the sign-in page.
    confirm = requests.get(response.headers["Location"], timeout=5)
    assert confirm.status_code == 200 and "localhost/login" in confirm.text


def test_password_sign_out_stays_here(client, admin):
    client.login(admin)
    assert client.post("/logout").headers["Location"] == "/login"


def test_form_action_allows_the_provider_for_sign_out(client, admin, provider):
    policy = client.get("/login").headers["Content-Security-Policy"]
    assert f"form-action 'self' {provider.url};" in policy


# --- configuration mistakes stop the app at start-up ---------------------------------------

@pytest.mark.parametrize("settings, words", [
    ({"OIDC_CLIENT_ID": None}, "OIDC_CLIENT_ID is not"),
    ({"OIDC_ROLE_MAP": "vt-admin=root", "OIDC_ROLES_CLAIM": "groups"}, "“root”"),
    ({"OIDC_ROLE_MAP": "vt-admin=admin"}, "set both OIDC_ROLES_CLAIM and OIDC_ROLE_MAP"),
    ({"OIDC_TIMEOUT": "soon"}, "OIDC_TIMEOUT must be a number of seconds"),
])
def test_settings_that_cannot_work_stop_the_start(provider, settings, words):
    config = app_config("sqlite://", **{**sso_settings(provider), **settings})
    with pytest.raises(ConfigurationError, match=words):
        create_app(config)


def test_signed_in_people_are_not_sent_to_the_provider_again(client, admin):
    client.login(admin)
    response = client.get("/login/oidc?next=/vendors")
    assert response.status_code == 302 and response.headers["Location"] == "/vendors"


def test_settings_come_from_the_environment(monkeypatch, provider):
    monkeypatch.setenv("OIDC_ISSUER", provider.url)
    monkeypatch.setenv("OIDC_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("OIDC_LABEL", "Sign in with Okta")
    monkeypatch.setenv("OIDC_CREATE_USERS", "1")
    monkeypatch.setenv("PASSWORD_LOGIN", "0")
    monkeypatch.setenv("OIDC_TIMEOUT", "2.5")
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert (app.config["OIDC_LABEL"], app.config["OIDC_CREATE_USERS"],
            app.config["PASSWORD_LOGIN"]) == ("Sign in with Okta", True, False)
    assert app.extensions["vendortrack_oidc"].client.client_kwargs["default_timeout"] == 2.5

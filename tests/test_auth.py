"""First run, signing in and out, sessions ending, and the create-user command."""
import pytest
from sqlalchemy import select

from vendortrack import passwords, services
from vendortrack.extensions import db
from vendortrack.models import User

from .conftest import PASSWORD


def test_first_visitor_is_sent_to_create_the_administrator(client):
    response = client.get("/engagements")
    assert response.status_code == 302 and response.headers["Location"].endswith("/setup")
    assert client.get("/login").headers["Location"].endswith("/setup")
    page = client.get("/setup")
    assert b"Create the administrator" in page.data


def test_setup_validates_and_keeps_input(client):
    response = client.post("/setup", {"name": "Ada", "email": "not-an-email",
                                      "password": "short", "confirm": "other"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'value="Ada"' in body and 'value="not-an-email"' in body
    assert "Enter an e-mail address" in body and "at least 12 characters" in body
    assert services.count_users() == 0


def test_setup_creates_admin_once_then_disappears(client, make_client):
    response = client.post("/setup", {"name": "Ada Admin", "email": "Ada@Example.org",
                                      "password": PASSWORD, "confirm": PASSWORD})
    assert response.headers["Location"].endswith("/admin/users")
    admin = db.session.scalar(select(User))
    assert (admin.email, admin.role) == ("ada@example.org", "admin")
    assert admin.password_hash.startswith("$argon2id$") and PASSWORD not in admin.password_hash
    assert client.get("/admin/users").status_code == 200
    other = make_client()
    assert other.get("/setup").status_code == 404
    response = other.post("/setup", {"name": "Eve", "email": "eve@example.org",
                                     "password": PASSWORD, "confirm": PASSWORD})
    assert response.status_code in (400, 404)
    assert services.count_users() == 1


def test_login_errors_do_not_reveal_whether_the_email_exists(client, users):
    wrong_password = client.post("/login", {"email": users["admin"].email,
                                            "password": "wrong password!!"})
    unknown = client.post("/login", {"email": "nobody@example.org",
                                     "password": "wrong password!!"})
    message = "That e-mail and password do not match an active account."
    assert message in wrong_password.get_data(as_text=True)
    assert message in unknown.get_data(as_text=True)
    assert wrong_password.status_code == unknown.status_code == 200


def test_login_and_logout(client, users):
    response = client.login(users["leadership"])
    assert response.status_code == 302
    assert client.get("/engagements").status_code == 200
    client.post("/logout")
    assert client.get("/engagements").status_code == 302


def test_login_refuses_open_redirects(client, users):
    client.get("/login")
    response = client.post("/login?next=https://evil.example/", {
        "email": users["admin"].email, "password": PASSWORD})
    assert response.headers["Location"] == "/"


def test_deactivation_ends_sessions_at_next_request(client, make_client, users):
    victim = users["product_owner"]
    client.login(victim)
    assert client.get("/engagements").status_code == 200
    admin = make_client()
    admin.login(users["admin"])
    admin.post(f"/admin/users/{victim.id}", {"name": victim.name, "role": "product_owner"})
    assert client.get("/engagements").status_code == 302
    assert "do not match" in client.post("/login", {"email": victim.email,
                                                    "password": PASSWORD}).get_data(as_text=True)


def test_password_rehashed_when_cost_rises(app, client, make_user):
    user = make_user("procurement")
    old_hash = user.password_hash
    app.config["PASSWORD_HASH_PARAMS"] = {"memory_cost": 2048, "time_cost": 2, "parallelism": 1}
    client.login(user)
    db.session.expire_all()
    new_hash = db.session.get(User, user.id).password_hash
    assert new_hash != old_hash and "m=2048,t=2" in new_hash


def test_production_hash_meets_owasp_minimum():
    assert passwords.OWASP_ARGON2["memory_cost"] >= 19456
    assert passwords.OWASP_ARGON2["time_cost"] >= 2


def test_login_is_rate_limited(database_url, users):
    from vendortrack import create_app

    from .conftest import Client, app_config

    limited = create_app(app_config(database_url, RATELIMIT_ENABLED=True,
                                    RATELIMIT_LOGIN="5 per minute"))
    client = Client(limited)
    statuses = [client.post("/login", {"email": "x@example.org", "password": "nope"})
                .status_code for _ in range(7)]
    assert statuses[0] == 200 and statuses[-1] == 429
    last = client.post("/login", {"email": "x@example.org", "password": "nope"})
    assert "Too many sign-in attempts" in last.get_data(as_text=True)


def test_create_user_command_reads_password_from_stdin(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["create-user", "Pat@Example.org", "--name", "Pat Owner",
                                 "--role", "product_owner"], input=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    user = services.find_user("pat@example.org")
    assert user.role == "product_owner" and user.name == "Pat Owner"
    ok, _ = passwords.check_password(user.password_hash, PASSWORD)
    assert ok


def test_create_user_command_refuses_bad_input(app, users):
    runner = app.test_cli_runner()
    bad_role = runner.invoke(args=["create-user", "a@example.org", "--name", "A",
                                   "--role", "boss"], input=PASSWORD + "\n")
    assert bad_role.exit_code != 0 and "boss" in bad_role.output
    short = runner.invoke(args=["create-user", "b@example.org", "--name", "B",
                                "--role", "admin"], input="short\n")
    assert short.exit_code != 0 and "12 characters" in short.output
    taken = runner.invoke(args=["create-user", users["admin"].email, "--name", "C",
                                "--role", "admin"], input=PASSWORD + "\n")
    assert taken.exit_code != 0 and "already exists" in taken.output
    bad_email = runner.invoke(args=["create-user", "not-an-email", "--name", "D",
                                    "--role", "admin"], input=PASSWORD + "\n")
    assert bad_email.exit_code != 0


def test_rate_limit_counts_in_redis_when_configured(database_url, users):
    """Several servers share one count through RATELIMIT_STORAGE_URI (skipped without Redis)."""
    import socket

    from vendortrack import create_app

    from .conftest import Client, app_config

    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
    except OSError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    import redis

    redis.Redis(host="127.0.0.1", port=6379, db=2).flushdb()  # this branch's Redis db
    config = app_config(database_url, RATELIMIT_ENABLED=True, RATELIMIT_LOGIN="3 per minute",
                        RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/2")
    first, second = Client(create_app(config)), Client(create_app(config))
    statuses = [first.post("/login", {"email": "x@example.org", "password": "nope"}).status_code
                for _ in range(2)]
    statuses += [second.post("/login", {"email": "x@example.org", "password": "nope"})
                 .status_code for _ in range(2)]
    assert statuses == [200, 200, 200, 429]  # the second server saw the first one's attempts

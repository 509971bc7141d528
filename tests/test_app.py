"""The app factory, configuration, the database settings and security headers."""
import subprocess
import sys
from urllib.parse import urlsplit

import pytest
from sqlalchemy import text

from vendortrack import ConfigurationError, create_app
from vendortrack.config import normalise_database_url
from vendortrack.extensions import db


def test_production_refuses_to_start_without_secret_key(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    with pytest.raises(ConfigurationError) as refusal:
        create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db"})
    message = str(refusal.value)
    assert "SECRET_KEY" in message and "export SECRET_KEY=" in message and "\n" not in message


def test_production_starts_with_secret_key(monkeypatch, tmp_path):
    monkeypatch.setenv("SECRET_KEY", "a" * 64)
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db"})
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_default_database_is_sqlite_in_instance_folder(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    app = create_app({"TESTING": True})
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("instance/vendortrack.sqlite3")


def test_database_url_from_environment(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://u@db.example/vt")
    app = create_app({"TESTING": True})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db.example/vt"


def test_login_rate_limit_from_environment(monkeypatch):
    monkeypatch.delenv("RATELIMIT_LOGIN", raising=False)
    assert create_app({"TESTING": True}).config["RATELIMIT_LOGIN"] == "10 per minute;50 per hour"
    monkeypatch.setenv("RATELIMIT_LOGIN", "1000 per minute")
    assert create_app({"TESTING": True}).config["RATELIMIT_LOGIN"] == "1000 per minute"


@pytest.mark.parametrize("url, expected", [
    ("postgresql://h/db", "postgresql+psycopg://h/db"),
    ("postgresql+psycopg://h/db", "postgresql+psycopg://h/db"),
    ("sqlite:///x.db", "sqlite:///x.db"),
])
def test_normalise_database_url(url, expected):
    assert normalise_database_url(url) == expected


def test_sqlite_pragmas(app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    with db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() >= 5000


def test_weasyprint_is_not_imported_at_start_up():
    code = ("import sys; from vendortrack import create_app; "
            "create_app({'TESTING': True}); print('weasyprint' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"


def test_security_headers_on_every_response(client, users):
    for url in ("/login", "/static/css/app.css", "/nope"):
        response = client.get(url)
        csp = response.headers["Content-Security-Policy"]
        assert "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"]
        assert "camera=()" in response.headers["Permissions-Policy"]
        assert "Strict-Transport-Security" not in response.headers  # plain HTTP


def test_hsts_over_https_unless_turned_off(app):
    secure = app.test_client().get("/login", base_url="https://vendortrack.example.org")
    assert secure.headers["Strict-Transport-Security"] == (
        "max-age=31536000; includeSubDomains")
    app.config["HSTS_SECONDS"] = 0
    plain = app.test_client().get("/login", base_url="https://vendortrack.example.org")
    assert "Strict-Transport-Security" not in plain.headers


def test_templates_have_no_inline_scripts_or_styles():
    """The CSP forbids them; they would silently break in the browser."""
    import pathlib
    import re

    for path in pathlib.Path("templates").rglob("*.html"):
        source = path.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)", source), path
        mailed = path.parent.name == "email"  # e-mail bodies: never served, mail clients
        assert mailed or not re.search(r"\sstyle=\"", source), path  # need inline styles
        printed_only = path.name == "board_pack.html"
        assert "<style" not in source or printed_only, path  # PDFs only, never served


def test_ids_beyond_the_database_range_are_not_found(client, users):
    client.login(users["admin"])
    for url in ("/engagements/99999999999999999999", "/engagements/2147483648/edit",
                "/api/v1/engagements/99999999999999999999",
                "/api/v1/engagements/1/annexes/99999999999999999999.pdf"):
        assert client.get(url).status_code == 404, url


@pytest.mark.parametrize("proxies, prefix", [(1, "/vt"), (0, "")])
def test_a_trusted_proxy_serves_the_app_under_its_prefix(tmp_path, proxies, prefix):
    """Behind a proxy forwarding https://example.org/vt/ (X-Forwarded-Prefix), links and form
    targets start with /vt; without TRUSTED_PROXIES the headers are not believed."""
    from tests.conftest import app_config

    app = create_app(app_config(f"sqlite:///{tmp_path}/x.db", TRUSTED_PROXIES=proxies))
    with app.app_context():
        db.create_all()
    page = app.test_client().get("/login", headers={
        "X-Forwarded-Prefix": "/vt", "X-Forwarded-Proto": "https",
        "X-Forwarded-Host": "example.org", "X-Forwarded-For": "203.0.113.7"})
    assert page.status_code == 302  # no account yet: on to the first administrator's set-up
    location = urlsplit(page.headers["Location"])
    assert location.path == f"{prefix}/setup"
    assert location.netloc in ("", "example.org" if proxies else "localhost")

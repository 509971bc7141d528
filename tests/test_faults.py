"""Faults: the database unavailable or locked, and backups taken while the app serves."""
import os
import shutil
import sqlite3
import threading

import pytest

from vendortrack import create_app, services
from vendortrack.extensions import db

from .conftest import Client, app_config, complete_spec


def test_database_unavailable_gives_503_and_recovers(tmp_path, sqlite_template):
    missing = tmp_path / "not-yet" / "vendortrack.sqlite3"
    app = create_app(app_config(f"sqlite:///{missing}"))
    client = Client(app)
    page = client.get("/login")
    assert page.status_code == 503
    body = page.get_data(as_text=True)
    assert "briefly unavailable" in body and "Traceback" not in body
    api = client.get("/api/v1/engagements")
    assert api.status_code == 503 and api.json["error"]["status"] == 503
    # The database comes back: the next request works without a restart.
    missing.parent.mkdir()
    shutil.copy(sqlite_template, missing)
    assert client.get("/login").status_code in (200, 302)


def test_locked_database_gives_503_not_a_stack_trace(database_url, make_user):
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite locking")
    app = create_app(app_config(database_url, SQLITE_BUSY_TIMEOUT=0.2))
    admin = make_user("admin")
    client = Client(app)
    client.login(admin)
    blocker = sqlite3.connect(database_url.removeprefix("sqlite:///"))
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        response = client.post("/engagements/new", {"title": "While locked"})
    finally:
        blocker.rollback()
        blocker.close()
    assert response.status_code == 503
    assert "nothing was lost" in response.get_data(as_text=True)
    assert client.post("/engagements/new", {"title": "After"}).status_code == 302


def test_backup_while_writing(app, users, tmp_path):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("the backup command is for SQLite; PostgreSQL uses pg_dump")
    for i in range(5):
        services.create_engagement(complete_spec(title=f"Before {i}"), users["admin"])
    stop = threading.Event()

    def keep_writing():
        with app.app_context():
            n = 0
            while not stop.is_set() and n < 200:
                services.create_engagement(complete_spec(title=f"During {n}"), users["admin"])
                n += 1

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        target = tmp_path / "backup.sqlite3"
        result = app.test_cli_runner().invoke(args=["backup", str(target)])
    finally:
        stop.set()
        writer.join()
    assert result.exit_code == 0, result.output
    copy = sqlite3.connect(target)
    assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    engagements = copy.execute("SELECT count(*) FROM engagement").fetchone()[0]
    events = copy.execute(
        "SELECT count(*) FROM audit_event WHERE action = 'engagement.create'").fetchone()[0]
    assert engagements >= 5 and engagements == events  # each engagement with its history
    assert not os.path.exists(str(target) + ".partial")
    again = app.test_cli_runner().invoke(args=["backup", str(target)])
    assert again.exit_code != 0 and "exists" in again.output


def test_backup_is_private_and_never_replaces_the_live_database(app, users, tmp_path):
    """Issue #11: the backup was world-readable and --force overwrote the live database."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("the backup command is for SQLite; PostgreSQL uses pg_dump")
    live = db.engine.url.database
    before = os.path.getsize(live)
    old_umask = os.umask(0o022)
    try:
        target = tmp_path / "backup.sqlite3"
        result = app.test_cli_runner().invoke(args=["backup", str(target)])
    finally:
        os.umask(old_umask)
    assert result.exit_code == 0, result.output
    assert os.stat(target).st_mode & 0o777 == 0o600
    for path in (live, os.path.relpath(live)):
        refused = app.test_cli_runner().invoke(args=["backup", path, "--force"])
        assert refused.exit_code != 0 and "live database" in refused.output
    assert os.path.getsize(live) == before and services.count_users() == len(users)


def test_sqlite_connections_are_not_pinged_before_each_request(database_url):
    """A server may have dropped a pooled connection, so PostgreSQL's are pinged first; an
    SQLite file cannot, so its requests skip that statement."""
    app = create_app(app_config(database_url))
    with app.app_context():
        assert db.engine.pool._pre_ping is (not database_url.startswith("sqlite"))

"""Fixtures: the app on SQLite (and PostgreSQL when TEST_DATABASE_URL is set), clients that
keep CSRF on, and builders for users and engagements."""
from __future__ import annotations

import os
import re
import shutil
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from html import unescape

import pytest
from flask import has_app_context
from sqlalchemy import create_engine, inspect, text

from vendortrack import create_app
from vendortrack.domain import spec as specs

TODAY = date(2026, 11, 26)
PASSWORD = "correct horse battery staple"
CHEAP_HASH = {"memory_cost": 1024, "time_cost": 1, "parallelism": 1}
PG_URL = os.environ.get("TEST_DATABASE_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])


def app_config(url: str, **extra) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": url,
        "PASSWORD_HASH_PARAMS": CHEAP_HASH,
        "RATELIMIT_ENABLED": False,
        "VENDORTRACK_TODAY": TODAY,
        **extra,
    }


def upgrade(url: str) -> None:
    """Build the schema the way production does: through the migrations."""
    from flask_migrate import upgrade as alembic_upgrade

    from vendortrack.extensions import db

    app = create_app(app_config(url))
    with app.app_context():
        alembic_upgrade()
        db.engine.dispose()  # closing the last connection checkpoints SQLite's WAL


def _reset_postgres(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    upgrade(f"sqlite:///{path}")
    return str(path)


@pytest.fixture(scope="session")
def postgres_ready() -> str:
    _reset_postgres(PG_URL)
    upgrade(PG_URL)
    return PG_URL


@pytest.fixture(params=BACKENDS)
def database_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        target = tmp_path / "vendortrack.sqlite3"
        shutil.copy(request.getfixturevalue("sqlite_template"), target)
        return f"sqlite:///{target}"
    url = request.getfixturevalue("postgres_ready")
    empty_postgres(url)
    return url


def empty_postgres(url: str) -> None:
    """Delete every row of a migrated PostgreSQL database (its schema stays).

    The data version's one row stays: the truncations bump it (its triggers), as any other
    write would, so no process keeps dashboard figures of the rows deleted here.
    """
    engine = create_engine(url)
    tables = [t for t in inspect(engine).get_table_names()
              if t not in ("alembic_version", "data_version")]
    with engine.begin() as conn:
        names = ', '.join(f'"{t}"' for t in tables)
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture
def app(database_url):
    app = create_app(app_config(database_url))
    with app.app_context():
        yield app
        from vendortrack.extensions import db

        db.session.remove()
        db.engine.dispose()


def schema_differences(options: dict | None = None) -> list:
    """Alembic's differences between the models and the database the migrations built, less
    the search indexes and tables that live in the migrations alone (see models)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from vendortrack.extensions import db
    from vendortrack.models import outside_the_models

    with db.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection, opts=options or {}),
                                db.metadata)
    return [d for d in diff if not (d[0] in ("remove_index", "remove_table")
                                    and outside_the_models(d[1].name, d[0].split("_")[1]))]


CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


class Client:
    """A test client that reads the CSRF token from a page and sends it, as a browser does.

    Each request runs in its own app context, as in production, so nothing cached in ``g``
    (the signed-in user, the CSRF token) leaks between clients or from the test itself.
    """

    def __init__(self, app):
        self.app = app
        self.http = app.test_client()
        self.token: str | None = None

    def open(self, method: str, url: str, **kwargs):
        from vendortrack.extensions import db

        with self.app.app_context():
            response = self.http.open(url, method=method, **kwargs)
        # End the test's own read transaction so that it sees what the request committed.
        if has_app_context():
            db.session.rollback()
        if response.mimetype == "text/html":
            match = CSRF_RE.search(response.get_data(as_text=True))
            if match:
                self.token = match.group(1)
        return response

    def get(self, url, **kwargs):
        return self.open("GET", url, **kwargs)

    def post(self, url, data=None, *, csrf=True, **kwargs):
        data = dict(data or {})
        if csrf:
            if self.token is None:  # a browser would have loaded the form first
                self.get(url)
            if self.token is None:
                self.get("/login")
            data.setdefault("csrf_token", self.token)
        return self.open("POST", url, data=data, **kwargs)

    def login(self, user_or_email, password=PASSWORD):
        email = getattr(user_or_email, "email", user_or_email)
        self.get("/login")
        response = self.post("/login", {"email": email, "password": password})
        self.get("/engagements")
        return response


FLASH = re.compile(r'<p class="flash flash-(\w+)">(.*?)</p>', re.S)


def shown_flash(client: Client, response) -> tuple[str, str]:
    """The one message the page a POST redirected to shows: (kind, text)."""
    assert response.status_code == 302, response.status_code
    page = client.get(response.headers["Location"].split("#")[0]).get_data(as_text=True)
    (kind, message), = FLASH.findall(page)
    return kind, unescape(message)


@pytest.fixture
def client(app) -> Client:
    return Client(app)


@pytest.fixture
def make_client(app):
    return lambda: Client(app)


PATH_BASE_URL = "https://example.org/vt"


@pytest.fixture
def served_under_a_path(app, monkeypatch) -> str:
    """The app at ``PATH_BASE_URL``: BASE_URL with a path, and every request served under
    that path (SCRIPT_NAME), as gunicorn behind a proxy forwarding /vt/ serves it."""
    app.config["BASE_URL"] = PATH_BASE_URL
    inner = app.wsgi_app

    def under_path(environ, start_response):
        environ["SCRIPT_NAME"] = "/vt"
        return inner(environ, start_response)

    monkeypatch.setattr(app, "wsgi_app", under_path)
    return PATH_BASE_URL


@pytest.fixture
def make_user(app):
    from vendortrack import services

    counter = iter(range(1, 10_000))

    def build(role="product_owner", email=None, name=None, password=PASSWORD):
        n = next(counter)
        email = email or f"{role.replace('_', '.')}{n}@example.org"
        return services.create_user(email=email, name=name or f"{role.title()} {n}",
                                    role=role, password=password, actor=None)

    return build


@pytest.fixture
def users(make_user):
    """One user per role."""
    return {role: make_user(role) for role in
            ("admin", "product_owner", "procurement", "leadership")}


def complete_spec(**overrides) -> specs.Spec:
    """A spec without any risk flag as of TODAY; override fields to open gaps."""
    base = specs.Spec(
        title="Automate support triage",
        vendor="Northwind Analytics",
        contract_reference="C-2026-001",
        contract_value=Decimal("250000"),
        currency="EUR",
        status="active",
        start_date=TODAY - timedelta(days=60),
        end_date=TODAY + timedelta(days=200),
        handover_date=TODAY + timedelta(days=150),
        problem_statement=("Support agents spend two hours a day sorting tickets by hand, "
                           "customers wait and urgent cases are missed."),
        core_capability=True,
        internal_owner=specs.Person("Anna Berg", "anna.berg@example.org"),
        successors=(specs.Person("Ben Okafor", "ben.okafor@example.org"),),
        upskilling=(specs.Person("Chloe Moreau", "chloe.moreau@example.org"),),
        metrics=(specs.Metric("First-response time", "6", "2", "hours", "Helpdesk report"),),
        constraints=("Customer data stays in the EU.",),
        tradeoffs=(specs.Tradeoff("Accuracy beats speed.", "Product owner"),),
        deliverables=(
            specs.Deliverable("runbook", "Operations runbook", TODAY + timedelta(days=30),
                              "Ops team runs a restore from it", "planned"),
            specs.Deliverable("training", "Training", TODAY + timedelta(days=160),
                              "Team trained", "planned"),
        ),
    )
    return replace(base, **overrides)


@pytest.fixture
def make_engagement(app, users):
    from vendortrack import services

    def build(creator=None, **overrides):
        return services.create_engagement(complete_spec(**overrides),
                                          creator or users["product_owner"])

    return build


@pytest.fixture
def ben(make_user):
    """The account of Ben Okafor, the successor in :func:`complete_spec`: he may attest his
    own readiness (vendortrack.permissions.can_attest_readiness)."""
    return make_user("product_owner", email="ben.okafor@example.org", name="Ben Okafor")


@pytest.fixture
def saved_meanwhile(app, monkeypatch):
    """``saved_meanwhile(change, ...)``: each of the next explicit flushes of the session
    (where a service writes what it read) loses to another request's save, as when two
    requests race: ``change(session)`` runs in its own transaction and commits between this
    one's read and its write, so the engagement's version check refuses the write.

    On PostgreSQL the real flush meets the moved version. On SQLite this request holds the
    write lock from its first statement, so the other save can only come once it let go:
    the flush rolls back, lets the save commit, and fails as the version check would."""
    from sqlalchemy.orm import Session
    from sqlalchemy.orm.exc import StaleDataError

    from vendortrack.extensions import db

    real_flush = db.session.flush
    pending: list = []

    def commit_other(change) -> None:
        with Session(db.engine) as other:
            change(other)
            other.commit()

    def flush(*args, **kwargs):
        if not pending:
            return real_flush(*args, **kwargs)
        change = pending.pop(0)
        if db.engine.dialect.name == "sqlite":
            db.session.rollback()
            commit_other(change)
            raise StaleDataError("engagement changed meanwhile (simulated)")
        commit_other(change)
        return real_flush(*args, **kwargs)

    monkeypatch.setattr(db.session, "flush", flush)
    return lambda *changes: pending.extend(changes)


@pytest.fixture
def api(app, users):
    """A bearer-token client per role."""

    from vendortrack.tokens import create_token

    class Api:
        def __init__(self, user):
            self.http = app.test_client()
            self.headers = {"Authorization": f"Bearer {create_token(user, 'tests')}"}

        def __getattr__(self, method):
            def call(url, body=None, **kwargs):
                with app.app_context():
                    return getattr(self.http, method)(url, json=body, headers=self.headers,
                                                      **kwargs)
            return call

    return {role: Api(user) for role, user in users.items()}

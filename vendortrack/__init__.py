"""vendortrack: keeps outsourced engagements from becoming black boxes."""
from __future__ import annotations

import os
import sqlite3

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.routing import IntegerConverter

from .config import INSECURE_DEV_KEY, Defaults, from_environment

SECRET_KEY_HELP = (
    "vendortrack: SECRET_KEY is not set; set it to a long random value, e.g. "
    "export SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_hex(32))')"
)


class ConfigurationError(SystemExit):
    """Raised at start-up when the app cannot run safely; the message says how to fix it."""


def create_app(config: dict | None = None) -> Flask:
    app = Flask(__name__, template_folder="../templates", static_folder="../static",
                instance_relative_config=True)
    app.config.from_object(Defaults)
    app.config.update(from_environment(app.instance_path))
    if config:
        app.config.update(config)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        # How long a request waits for another writer before giving up with a calm 503.
        options = dict(app.config["SQLALCHEMY_ENGINE_OPTIONS"])
        options.setdefault("connect_args", {"timeout": app.config["SQLITE_BUSY_TIMEOUT"]})
        # A file cannot drop the connection as a server can: no "SELECT 1" before each request.
        options["pool_pre_ping"] = False
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    if app.debug or app.testing:
        app.config["SESSION_COOKIE_SECURE"] = False
        app.config["REMEMBER_COOKIE_SECURE"] = False
    elif app.config["SECRET_KEY"] in (None, "", INSECURE_DEV_KEY):
        raise ConfigurationError(SECRET_KEY_HELP)
    else:
        app.config["REMEMBER_COOKIE_SECURE"] = app.config["SESSION_COOKIE_SECURE"]
    os.makedirs(app.instance_path, exist_ok=True)
    if app.config["TRUSTED_PROXIES"]:
        # The client address, scheme and host as the trusted proxies saw them, and the path
        # they serve the app under (X-Forwarded-Prefix).
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = int(app.config["TRUSTED_PROXIES"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops,
                                x_prefix=hops)

    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_commands(app)
    register_templates(app)
    return app


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    """SQLite: enforce foreign keys, WAL for concurrent readers, wait rather than fail on locks."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
        # We issue BEGIN ourselves (below) instead of the driver's implicit one.
        dbapi_connection.isolation_level = None


@event.listens_for(Engine, "begin")
def _sqlite_begin(conn):
    """Requests that change data take SQLite's write lock when their transaction starts.

    A deferred transaction that reads and then writes cannot wait for another writer: SQLite
    answers "database is locked" at once. BEGIN IMMEDIATE waits (busy_timeout) instead, so
    concurrent edits queue up rather than fail; reads stay deferred and never block.
    """
    if conn.dialect.name != "sqlite":
        return
    from flask import has_request_context, request

    writing = has_request_context() and request.method not in ("GET", "HEAD", "OPTIONS")
    conn.exec_driver_sql("BEGIN IMMEDIATE" if writing else "BEGIN")


def register_extensions(app: Flask) -> None:
    from .extensions import csrf, db, limiter, login_manager, migrate
    from .security import register_security

    db.init_app(app)
    migrations = os.path.join(os.path.dirname(os.path.dirname(__file__)), "migrations")
    migrate.init_app(app, db, directory=migrations, render_as_batch=True)
    login_manager.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    register_security(app)


class BoundedIntConverter(IntegerConverter):
    """``<int:…>`` ids beyond what the database stores become 0, which no row has: a 404.

    (A converter that refused them would let Werkzeug answer 405 when another method of the
    same path exists, which says the wrong thing.)
    """

    def to_python(self, value: str) -> int:
        number = super().to_python(value)
        return number if number <= 2**31 - 1 else 0  # PostgreSQL INTEGER


def register_blueprints(app: Flask) -> None:
    app.url_map.converters["int"] = BoundedIntConverter
    from .admin.views import bp as admin_bp
    from .api.views import bp as api_bp
    from .auth.oidc import bp as oidc_bp
    from .auth.views import bp as auth_bp
    from .dashboard import cache as dashboard_cache
    from .dashboard.views import bp as dashboard_bp
    from .engagements.views import bp as engagements_bp
    from .functions.views import bp as functions_bp
    from .readiness.views import bp as readiness_bp
    from .vendors.views import bp as vendors_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(oidc_bp)  # single sign-on, when OIDC_ISSUER is set
    app.register_blueprint(engagements_bp)
    app.register_blueprint(vendors_bp)
    app.register_blueprint(functions_bp)
    app.register_blueprint(readiness_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(api_bp)

    from .annex.views import bp as annex_bp

    app.register_blueprint(annex_bp)
    app.register_blueprint(dashboard_bp)
    dashboard_cache.init_app(app)

    from .imports.views import bp as imports_bp

    app.register_blueprint(imports_bp)

    from .register.views import bp as register_bp

    app.register_blueprint(register_bp)

    from .reminders import register as register_reminders

    register_reminders(app)


def register_errorhandlers(app: Flask) -> None:
    from .errors import init_app

    init_app(app)


def register_commands(app: Flask) -> None:
    from .cli import init_app

    init_app(app)


def register_templates(app: Flask) -> None:
    from .templating import init_app

    init_app(app)

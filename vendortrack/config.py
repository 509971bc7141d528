"""Configuration: safe defaults, overridden by environment variables.

``SECRET_KEY`` and ``DATABASE_URL`` come from the environment. Without ``DATABASE_URL`` the app
uses an SQLite file in the instance folder.
"""
import os

INSECURE_DEV_KEY = "dev-only-insecure-key"


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def normalise_database_url(url: str) -> str:
    """Let people paste the URLs their hosting gives them; we talk to PostgreSQL via psycopg 3."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def _env_number(name: str, default, kind=int):
    value = os.environ.get(name)
    return default if value in (None, "") else kind(value)


def from_environment(instance_path: str) -> dict:
    """Settings read from the environment at app creation."""
    database_url = os.environ.get("DATABASE_URL")
    if database_url:
        database_url = normalise_database_url(database_url)
    else:
        database_url = "sqlite:///" + os.path.join(instance_path, "vendortrack.sqlite3")
    return {
        "SECRET_KEY": os.environ.get("SECRET_KEY", INSECURE_DEV_KEY),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "ORGANISATION_NAME": os.environ.get("ORGANISATION_NAME", "Our organisation"),
        **organisation_from_environment(),
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_LOGIN": os.environ.get("RATELIMIT_LOGIN", Defaults.RATELIMIT_LOGIN),
        "SESSION_COOKIE_SECURE": _env_bool("SESSION_COOKIE_SECURE", True),
        "DASHBOARD_CACHE": _env_bool("DASHBOARD_CACHE", Defaults.DASHBOARD_CACHE),
        # Fix "today" (YYYY-MM-DD) for demos and rehearsals; unset means the real date.
        "VENDORTRACK_TODAY": os.environ.get("VENDORTRACK_TODAY") or None,
        **single_sign_on_from_environment(),
        # Reminders (see README): e-mail digests go out only when MAIL_URL is set.
        "TIMEZONE": os.environ.get("TIMEZONE", "UTC"),
        "MAIL_URL": os.environ.get("MAIL_URL") or None,
        "MAIL_FROM": os.environ.get("MAIL_FROM", Defaults.MAIL_FROM),
        "BASE_URL": (os.environ.get("BASE_URL") or Defaults.BASE_URL).rstrip("/"),
        "REMINDER_HOUR": int(os.environ.get("REMINDER_HOUR") or Defaults.REMINDER_HOUR),
        **{name: _env_number(name, getattr(Defaults, name), type(getattr(Defaults, name)))
           for name in NUMBERS},
        **{name: os.environ.get(name, getattr(Defaults, name)) for name in TEXTS},
    }


def organisation_from_environment() -> dict:
    """The ORGANISATION_* settings that are set: defaults for the register of information,
    each overridden by a value an administrator saves on the Organisation page."""
    settings: dict = {name: os.environ[name].strip() for name in (
        "ORGANISATION_LEI", "ORGANISATION_COUNTRY", "ORGANISATION_BASE_CURRENCY")
        if os.environ.get(name, "").strip()}
    if os.environ.get("ORGANISATION_CONSOLIDATED", "").strip():
        settings["ORGANISATION_CONSOLIDATED"] = _env_bool("ORGANISATION_CONSOLIDATED", False)
    return settings


def single_sign_on_from_environment() -> dict:
    """The OIDC_* settings and PASSWORD_LOGIN that are set (see README, "Single sign-on")."""
    settings: dict = {name: os.environ[name] for name in (
        "OIDC_ISSUER", "OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET", "OIDC_LABEL", "OIDC_SCOPES",
        "OIDC_ROLES_CLAIM", "OIDC_ROLE_MAP", "OIDC_REDIRECT_URI", "OIDC_TIMEOUT")
        if os.environ.get(name)}
    for name in ("OIDC_CREATE_USERS", "PASSWORD_LOGIN"):
        if os.environ.get(name):
            settings[name] = _env_bool(name, False)
    return settings


class Defaults:
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    SQLITE_BUSY_TIMEOUT = 10  # seconds
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_TIME_LIMIT = None  # a long spec takes longer than an hour to write
    MAX_CONTENT_LENGTH = 2 * 1024 * 1024
    PER_PAGE = 25
    # Keep the dashboard's figures per process while the database's data version is unchanged
    # (vendortrack.dashboard.cache); DASHBOARD_CACHE=0 computes them on every view.
    DASHBOARD_CACHE = True
    # Fix "today" for demos and tests (ISO date); None means the real date.
    VENDORTRACK_TODAY = None
    RATELIMIT_LOGIN = "10 per minute;50 per hour"
    RATELIMIT_HEADERS_ENABLED = False
    # Single sign-on with OpenID Connect: off until OIDC_ISSUER and OIDC_CLIENT_ID are set.
    PASSWORD_LOGIN = True  # False: only break-glass accounts may use a password
    OIDC_ISSUER = None
    OIDC_CLIENT_ID = None
    OIDC_CLIENT_SECRET = None
    OIDC_LABEL = "Sign in with single sign-on"
    OIDC_SCOPES = "openid email profile"
    OIDC_CREATE_USERS = False
    OIDC_ROLES_CLAIM = None  # e.g. "groups"; with OIDC_ROLE_MAP sets the role at each sign-in
    OIDC_ROLE_MAP = None  # e.g. "vt-admin=admin,vt-leadership=leadership,*=product_owner"
    OIDC_TIMEOUT = 5.0  # seconds to wait for the identity provider
    OIDC_REDIRECT_URI = None  # only behind a proxy that hides the public address
    # A single sign-on this recent (minutes) confirms who you are, e.g. to create an API token.
    OIDC_FRESH_SIGN_IN_MINUTES = 10
    TIMEZONE = "UTC"
    MAIL_URL = None
    MAIL_FROM = "vendortrack <vendortrack@localhost>"
    MAIL_TIMEOUT = 10  # seconds per SMTP operation
    BASE_URL = "http://127.0.0.1:5000"
    REMINDER_HOUR = 7
    # PDF rendering (see vendortrack.pdf_pool): render processes per web worker, renders
    # that may wait for one, and the time limit of one render in seconds.
    PDF_WORKERS = 1
    PDF_QUEUE = 2
    PDF_TIMEOUT = 20.0
    PDF_RATE_LIMIT = "10 per minute"  # draft annex and board-pack PDFs, per person
    # The most text an annex may hold (characters over all its fields).
    ANNEX_MAX_CHARACTERS = 300_000
    # Sessions: end after this much inactivity, and this long after sign-in at the latest.
    SESSION_IDLE_MINUTES = 8 * 60
    SESSION_LIFETIME_DAYS = 7
    TOKEN_LIFETIME_DAYS = 365  # default expiry offered for new API tokens
    # Login throttling: failures per account before waiting, and the longest wait (seconds).
    LOGIN_FREE_FAILURES = 5
    LOGIN_MAX_DELAY = 60
    # The filing organisation for the register of information (None: not set here). The
    # Organisation page (administrators) overrides each value it saves.
    ORGANISATION_LEI = None  # ISO 17442 Legal Entity Identifier
    ORGANISATION_COUNTRY = None  # ISO 3166-1 alpha-2
    ORGANISATION_CONSOLIDATED = None  # True: a consolidated (group) register; else individual
    ORGANISATION_BASE_CURRENCY = None  # ISO 4217; EUR when not set anywhere
    TRUSTED_PROXIES = 0  # reverse proxies in front of the app that set X-Forwarded-*
    HSTS_SECONDS = 31_536_000  # Strict-Transport-Security on HTTPS responses; 0 turns it off


NUMBERS = ("PDF_WORKERS", "PDF_QUEUE", "PDF_TIMEOUT", "ANNEX_MAX_CHARACTERS",
           "SESSION_IDLE_MINUTES", "SESSION_LIFETIME_DAYS", "TOKEN_LIFETIME_DAYS",
           "LOGIN_FREE_FAILURES", "LOGIN_MAX_DELAY", "TRUSTED_PROXIES", "HSTS_SECONDS",
           "OIDC_FRESH_SIGN_IN_MINUTES")
TEXTS = ("PDF_RATE_LIMIT",)

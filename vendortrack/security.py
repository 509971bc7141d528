"""Sign-in, first run, default-deny routing and security headers."""
from __future__ import annotations

from flask import Flask, current_app, flash, g, jsonify, redirect, request, url_for
from flask_login import current_user

from .extensions import csrf, login_manager
from .models import User
from .tokens import bearer_token, user_for_token

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)

# The app uses none of these browser features; no page (or injected frame) may ask for them.
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), display-capture=(), geolocation=(), gyroscope=(), "
    "magnetometer=(), microphone=(), midi=(), payment=(), usb=()"
)


def content_security_policy(app: Flask) -> str:
    """CSP, with form-action widened to the origins in CSP_FORM_ACTION (the identity
    provider's, so that signing out can end its session too)."""
    extra = app.config.get("CSP_FORM_ACTION")
    return CSP.replace("form-action 'self'", " ".join(["form-action 'self'", *extra])) \
        if extra else CSP


def public(view):
    """Mark a view as reachable without signing in."""
    view.is_public = True
    return view


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    """The user of this browser session, if its server-side record is still live."""
    from .auth import sessions

    user_id, _, generation = session_id.partition(":")
    if not user_id.isdigit() or not generation.isdigit():
        return None
    record = sessions.current()
    if record is None or record.user_id != int(user_id):
        return None
    user = record.user  # loaded with the record
    # A changed generation (deactivation, role or password change) ends the old sessions.
    if user is None or not user.active or user.session_generation != int(generation):
        return None
    return user


def token_user() -> User | None:
    """The user of the request's bearer token (API paths only), looked up once."""
    cached = request.environ.get("vendortrack.token_user", False)
    if cached is False:
        secret = bearer_token(request.headers.get("Authorization"))
        cached = (user_for_token(secret) if secret is not None
                  and request.path.startswith("/api/") else None)
        request.environ["vendortrack.token_user"] = cached
    return cached


def users_exist() -> bool:
    """Cached once true: the first-run page disappears for good after the first account."""
    state = current_app.extensions.setdefault("vendortrack", {})
    if not state.get("users_exist"):
        from .services import count_users

        state["users_exist"] = count_users() > 0
    return state["users_exist"]


def register_security(app: Flask) -> None:
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in to continue."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    # CSRF is checked below instead of by CSRFProtect's own hook, so that requests
    # authenticated by an API token (which a browser never sends by itself) are exempt.
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False

    @login_manager.unauthorized_handler
    def unauthorized():
        if request.path.startswith("/api/"):
            response = jsonify({"error": {"status": 401, "title": "Not signed in",
                                          "detail": "Send a valid API token as "
                                                    "'Authorization: Bearer <token>'."}})
            response.headers["WWW-Authenticate"] = 'Bearer realm="vendortrack"'
            return response, 401
        flash(login_manager.login_message, login_manager.login_message_category)
        return redirect(url_for(login_manager.login_view, next=request.full_path.rstrip("?")))

    @app.before_request
    def tokens_only_on_the_api():
        """Bearer tokens authenticate /api/ requests and nothing else; an API request that
        carries one acts as the token's user (or nobody), never as the session's."""
        if request.path.startswith("/api/") and request.headers.get("Authorization"):
            g._login_user = token_user() or login_manager.anonymous_user()
        return None

    @app.before_request
    def check_csrf():
        if request.method in ("GET", "HEAD", "OPTIONS", "TRACE"):
            return None
        if token_user() is not None:
            return None  # a valid token is proof enough: a forged cross-site request has none
        if getattr(app.view_functions.get(request.endpoint), "signed_link", False):
            return None  # the signed token in the URL is the proof (one-click unsubscribe)
        csrf.protect()
        return None

    @app.before_request
    def require_login():
        if request.endpoint is None or request.endpoint == "static":
            return None
        view = app.view_functions.get(request.endpoint)
        if request.endpoint != "auth.setup" and not users_exist():
            if request.path.startswith("/api/"):
                return login_manager.unauthorized()
            return redirect(url_for("auth.setup"))
        if getattr(view, "is_public", False) or current_user.is_authenticated:
            return None
        return login_manager.unauthorized()

    @app.after_request
    def security_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", content_security_policy(app))
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        if request.is_secure and app.config["HSTS_SECONDS"]:
            headers.setdefault("Strict-Transport-Security",
                               f"max-age={app.config['HSTS_SECONDS']}; includeSubDomains")
        if request.endpoint != "static":  # pages show confidential contract data
            headers.setdefault("Cache-Control", "no-store")
        return response

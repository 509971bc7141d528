"""Single sign-on with OpenID Connect through Authlib's Flask client.

Authorization Code flow with PKCE (S256), ``state`` and ``nonce``; the provider's endpoints and
keys come from its discovery document. Authlib checks the ID token's signature, issuer,
audience, expiry and nonce; this module only reads the claims it has verified. Every fault
ends on a calm page that says what happened and how to retry, is logged with its reason, and
signs nobody in.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
from authlib.integrations.base_client import MismatchingStateError, OAuthError
from authlib.integrations.flask_client import OAuth
from authlib.oidc.core import CodeIDToken
from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user
from joserfc.errors import InvalidClaimError, JoseError

from .. import services
from ..cpu_slot import waiting
from ..domain.sso import (
    REFUSALS,
    Account,
    Identity,
    RoleMapError,
    claim_groups,
    decide,
    parse_role_map,
)
from ..security import public
from .signin import complete_sign_in

bp = Blueprint("oidc", __name__)
log = logging.getLogger(__name__)
NEXT_KEY = "oidc_next"
CONFIRM_KEY = "oidc_confirm"  # the account id of a signed-in person confirming who they are

# Faults the person cannot cause: (status, title, what happened and what to do).
FAULTS = {
    "state": (400, "That sign-in link was not started here",
              "The answer from your identity provider did not match a sign-in started in "
              "this browser (it may be old, used twice or altered). Nobody was signed in. "
              "Start again from the sign-in page."),
    "provider_error": (400, "Your identity provider did not sign you in",
                       "Your identity provider answered with an error instead of signing you "
                       "in. Nobody was signed in. Try again; if it keeps happening, tell your "
                       "administrator."),
    "token_refused": (502, "Your identity provider refused to finish the sign-in",
                      "The one-time sign-in code was refused (it may have been used already "
                      "or have expired). Nobody was signed in. Start again from the sign-in "
                      "page."),
    "token_invalid": (502, "The sign-in could not be verified",
                      "The identity token that came back failed vendortrack's checks (its "
                      "signature, issuer, audience, expiry or nonce). Nobody was signed in. "
                      "Try again; if it keeps happening, tell your administrator."),
    "provider_down": (503, "Your identity provider is not answering",
                      "vendortrack could not reach your identity provider. Nobody was signed "
                      "in. Try again in a few minutes."),
    "provider_slow": (504, "Your identity provider is too slow to answer",
                      "vendortrack gave up waiting for your identity provider. Nobody was "
                      "signed in. Try again in a few minutes."),
    "not_fresh": (403, "Your identity provider did not ask who you are again",
                  "To confirm who you are, your identity provider must have checked it just "
                  "now, but it answered with an older sign-in. Nothing was changed. Sign out "
                  "at your identity provider, then try again from your account page."),
    "someone_else": (403, "That was someone else's sign-in",
                     "Your identity provider confirmed a different person from the one signed "
                     "in here. Nothing was changed, and you are still signed in as before. "
                     "Try again from your account page with your own account."),
}


@dataclass(frozen=True)
class SingleSignOn:
    """The configured provider: the Authlib client and the account rules."""

    client: object
    label: str
    create_users: bool
    roles_claim: str | None
    role_map: tuple[tuple[str, str], ...]
    redirect_uri: str | None


def settings() -> SingleSignOn | None:
    """The app's single sign-on, or None when OIDC_ISSUER is not set."""
    return current_app.extensions.get("vendortrack_oidc")


@bp.record_once
def _setup(state) -> None:
    init_single_sign_on(state.app)


def init_single_sign_on(app: Flask) -> None:
    """Read the OIDC_* settings; refuse to start on a setting that cannot work."""
    from .. import ConfigurationError

    config = app.config
    if not config.get("OIDC_ISSUER"):
        if not config["PASSWORD_LOGIN"]:
            app.logger.warning("PASSWORD_LOGIN is off and OIDC_ISSUER is not set: only "
                               "break-glass accounts can sign in")
        return
    if not config.get("OIDC_CLIENT_ID"):
        raise ConfigurationError("vendortrack: OIDC_ISSUER is set but OIDC_CLIENT_ID is not; "
                                 "set the client id your identity provider gave vendortrack")
    if bool(config.get("OIDC_ROLES_CLAIM")) != bool(config.get("OIDC_ROLE_MAP")):
        raise ConfigurationError("vendortrack: set both OIDC_ROLES_CLAIM and OIDC_ROLE_MAP "
                                 "(roles from the provider), or neither")
    try:
        role_map = parse_role_map(config.get("OIDC_ROLE_MAP"))
    except RoleMapError as error:
        raise ConfigurationError(f"vendortrack: OIDC_ROLE_MAP: {error}") from None
    try:
        timeout = float(config["OIDC_TIMEOUT"])
    except ValueError:
        raise ConfigurationError("vendortrack: OIDC_TIMEOUT must be a number of seconds, "
                                 f"not “{config['OIDC_TIMEOUT']}”") from None
    issuer = config["OIDC_ISSUER"].rstrip("/")
    secret = config.get("OIDC_CLIENT_SECRET") or None
    oauth = OAuth(app)
    client = oauth.register(
        "oidc",
        client_id=config["OIDC_CLIENT_ID"],
        client_secret=secret,
        server_metadata_url=f"{issuer}/.well-known/openid-configuration",
        client_kwargs={
            "scope": config["OIDC_SCOPES"],
            "code_challenge_method": "S256",
            "default_timeout": timeout,
            # A public client (no secret) proves itself with PKCE alone.
            "token_endpoint_auth_method": "client_secret_basic" if secret else "none",
        },
    )
    app.extensions["vendortrack_oidc"] = SingleSignOn(
        client=client, label=config["OIDC_LABEL"], create_users=bool(config["OIDC_CREATE_USERS"]),
        roles_claim=config.get("OIDC_ROLES_CLAIM") or None, role_map=role_map,
        redirect_uri=config.get("OIDC_REDIRECT_URI") or None)
    # Sign-out posts a form that is redirected to the provider; CSP form-action must allow it.
    parts = urlsplit(issuer)
    app.config.setdefault("CSP_FORM_ACTION", []).append(f"{parts.scheme}://{parts.netloc}")


def _fault(reason: str, detail: object):
    status, title, text = FAULTS[reason]
    log.warning("single sign-on failed (%s): %s", reason, detail)
    return _problem_page(status, title, text)


def _refusal(reason: str, email: str):
    title, text = REFUSALS[reason]
    log.warning("single sign-on refused (%s) for %s", reason, email or "(no e-mail)")
    return _problem_page(403, title, text)


def _problem_page(status: int, title: str, text: str):
    sso = settings()
    return make_response(render_template("auth/sso_problem.html", status=status, title=title,
                                         text=text, label=sso.label), status)


def _classify(error: Exception) -> str:
    """Which FAULTS entry an exception from the Authlib client means."""
    if isinstance(error, MismatchingStateError):
        return "state"
    if isinstance(error, OAuthError):
        return "provider_error" if request.args.get("error") else "token_refused"
    if isinstance(error, JoseError):
        return "token_invalid"
    if isinstance(error, requests.Timeout):
        return "provider_slow"
    return "provider_down"


PROVIDER_ERRORS = (OAuthError, JoseError, requests.RequestException)


@bp.before_request
def only_when_configured():
    if settings() is None:
        abort(404)


@bp.route("/login/oidc")
@public
def start():
    """Send the browser to the identity provider (the sign-in page's button)."""
    from .views import _safe_next

    if current_user.is_authenticated:
        return redirect(_safe_next(request.args.get("next")))
    session[NEXT_KEY] = _safe_next(request.args.get("next"))
    sso = settings()
    try:
        with waiting():  # the first time, it reads the provider's metadata
            return sso.client.authorize_redirect(
                sso.redirect_uri or url_for("oidc.callback", _external=True))
    except PROVIDER_ERRORS as error:
        return _fault(_classify(error), repr(error))


@bp.route("/account/confirm-sso", methods=["POST"])
def confirm():
    """Send a signed-in person through the provider again, asking it to check who they are
    now (``prompt=login``, ``max_age``), to come back to the account page confirmed."""
    sso = settings()
    session[CONFIRM_KEY] = current_user.id
    session[NEXT_KEY] = url_for("auth.account")
    try:
        with waiting():
            return sso.client.authorize_redirect(
                sso.redirect_uri or url_for("oidc.callback", _external=True),
                prompt="login", max_age=_fresh_seconds())
    except PROVIDER_ERRORS as error:
        return _fault(_classify(error), repr(error))


def _fresh_seconds() -> int:
    return int(current_app.config["OIDC_FRESH_SIGN_IN_MINUTES"] * 60)


LEEWAY = 120  # seconds of clock difference with the provider (Authlib's default)


def _recent_id_token(max_age: int) -> type[CodeIDToken]:
    """Authlib's ID token checks, plus: ``auth_time``, when the provider sends it, is at
    most ``max_age`` seconds old (Authlib only checks that it is a number)."""

    class RecentIDToken(CodeIDToken):
        def validate_auth_time(self):
            super().validate_auth_time()
            auth_time = self.get("auth_time")
            if auth_time is not None and auth_time < time.time() - max_age - LEEWAY:
                raise InvalidClaimError("auth_time")

    return RecentIDToken


@bp.route("/login/oidc/callback")
@public
def callback():
    """The provider sends the browser back here with a code (or an error)."""
    sso = settings()
    confirming = session.pop(CONFIRM_KEY, None)
    options = {"claims_cls": _recent_id_token(_fresh_seconds())} if confirming else {}
    try:
        with waiting():  # the provider answers over the network
            token = sso.client.authorize_access_token(leeway=LEEWAY, **options)
    except InvalidClaimError as error:
        if error.claim == "auth_time":
            return _fault("not_fresh", repr(error))
        return _fault("token_invalid", repr(error))
    except PROVIDER_ERRORS as error:
        return _fault(_classify(error), f"{type(error).__name__} {getattr(error, 'error', '')}"
                                        f" {getattr(error, 'description', '') or error}")
    claims = token.get("userinfo")
    if not claims:
        return _fault("token_invalid", "the token response had no ID token")
    identity = Identity(
        email=str(claims.get("email") or "").strip().lower(),
        email_verified=claims.get("email_verified") in (True, "true"),
        name=str(claims.get("name") or "").strip(),
        groups=claim_groups(claims.get(sso.roles_claim)) if sso.roles_claim else ())
    user = services.find_user(identity.email) if identity.email else None
    account = Account(active=user.active, role=user.role) if user is not None else None
    decision = decide(identity, account, create_users=sso.create_users, role_map=sso.role_map)
    if decision.refusal:
        return _refusal(decision.refusal, identity.email)
    if confirming and (user is None or confirming != user.id
                       or not current_user.is_authenticated or current_user.id != user.id):
        return _fault("someone_else", f"signed in as {confirming}, confirmed as "
                                      f"{identity.email}")
    user = services.account_from_provider(user, email=identity.email, name=identity.name,
                                          role=decision.role, create=decision.create)
    next_url = session.pop(NEXT_KEY, None) or url_for("engagements.home")
    complete_sign_in(user, "oidc", id_token_hint=token.get("id_token"))
    if confirming:
        flash("You have confirmed who you are: you can create a token now.", "success")
    else:
        flash(f"Welcome, {user.name}.", "success")
    return redirect(next_url)


def provider_sign_out_url() -> str | None:
    """Where to send the browser so the provider ends its session too: its
    ``end_session_endpoint`` when the person signed in through it and it has one, else None.
    Call before signing out here (it reads the ID token kept on the session record)."""
    from . import sessions

    record = sessions.current()
    id_token = record.id_token_hint if record is not None else None
    sso = settings()
    if not id_token or sso is None:
        return None
    try:
        with waiting():
            metadata = sso.client.load_server_metadata()
    except PROVIDER_ERRORS as error:
        log.warning("single sign-on: could not sign out at the provider: %r", error)
        return None
    if not metadata.get("end_session_endpoint"):
        return None
    return sso.client.create_logout_url(
        post_logout_redirect_uri=url_for("auth.login", _external=True),
        id_token_hint=id_token, client_id=sso.client.client_id)["url"]

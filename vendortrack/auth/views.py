"""Signing in and out, and the one-time page that creates the first administrator."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from .. import services
from ..clock import now
from ..extensions import db
from ..forms import LoginForm, PasswordChangeForm, SetupForm, TokenForm
from ..models import ApiToken
from ..passwords import burn_time, check_password
from ..security import public, users_exist
from ..tokens import create_token, revoke_token
from . import oidc, sessions, throttle
from .signin import complete_sign_in

bp = Blueprint("auth", __name__)
PASSWORD_LOGIN_OFF = ("Password sign-in is turned off: use single sign-on. Only break-glass "
                      "accounts may sign in with a password, and that e-mail and password do "
                      "not match one.")


def _safe_next(target: str | None) -> str:
    """Only follow ``next`` to a path on this site."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") \
                and not target.startswith("//") and "\\" not in target:
            return target
    return url_for("engagements.home")  # the dashboard for leadership, else the list


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    if current_user.is_authenticated:
        return redirect(_safe_next(request.args.get("next")))
    form = LoginForm()
    if form.validate_on_submit():
        refusal = throttle.check(form.email.data)
        if refusal is not None:
            form.password.errors.append(refusal.message)
            response = make_response(_login_page(form), 429)
            response.headers["Retry-After"] = str(refusal.retry_after)
            return response
        user = services.find_user(form.email.data)
        if user is None:
            burn_time(form.password.data)
            ok, new_hash = False, None
        else:
            ok, new_hash = check_password(user.password_hash, form.password.data)
        password_allowed = current_app.config["PASSWORD_LOGIN"] or (ok and user.break_glass)
        if ok and user.active and password_allowed:
            if new_hash:
                services.store_rehashed_password(user, new_hash)
            throttle.succeeded(form.email.data)
            complete_sign_in(user, "password")
            flash(f"Welcome, {user.name}.", "success")
            return redirect(_safe_next(request.args.get("next")))
        throttle.failed(form.email.data)
        # Same words whether the e-mail is unknown, the password wrong or the account inactive.
        form.password.errors.append(
            "That e-mail and password do not match an active account."
            if current_app.config["PASSWORD_LOGIN"] else PASSWORD_LOGIN_OFF)
    return _login_page(form)


def _login_page(form: LoginForm) -> str:
    return render_template("auth/login.html", form=form, sso=oidc.settings(),
                           password_form=current_app.config["PASSWORD_LOGIN"]
                           or "break_glass" in request.args or request.method == "POST")


@bp.route("/logout", methods=["POST"])
def logout():
    provider_url = oidc.provider_sign_out_url()
    sessions.end_current()
    flash("You are signed out.", "info")
    return redirect(provider_url or url_for("auth.login"))


@bp.route("/setup", methods=["GET", "POST"])
@public
def setup():
    """Create the first administrator; gone once any account exists."""
    if users_exist():
        abort(404)
    form = SetupForm()
    if form.validate_on_submit():
        try:
            user = services.create_first_admin(email=form.email.data, name=form.name.data,
                                               password=form.password.data)
        except services.AlreadySetUp:
            current_app.extensions["vendortrack"]["users_exist"] = True
            flash("Someone else has just created the first administrator. Sign in, or ask "
                  "them for an account.", "info")
            return redirect(url_for("auth.login"))
        current_app.extensions["vendortrack"]["users_exist"] = True
        sessions.start(user, method="password")
        flash("Your administrator account is ready. Add the people who will use vendortrack.",
              "success")
        return redirect(url_for("admin.users"))
    return render_template("auth/setup.html", form=form)


def _account_page(form: TokenForm | None = None, password_form: PasswordChangeForm | None = None,
                  new_token: str | None = None, status: int = 200):
    form = form or TokenForm(formdata=None, expires=_default_expiry())
    tokens = sorted(current_user.tokens, key=lambda t: t.created_at, reverse=True)
    return render_template(
        "auth/account.html", form=form, tokens=tokens, new_token=new_token,
        password_form=password_form or PasswordChangeForm(formdata=None),
        sessions=sessions.active(current_user), this_session=sessions.current(),
        now=now()), status


def _default_expiry() -> str:
    days = str(current_app.config["TOKEN_LIFETIME_DAYS"])
    return days if days in {"30", "90", "365"} else "365"


def _password_matches(password: str) -> bool:
    ok, _ = check_password(current_user.password_hash, password or "")
    return ok


@bp.route("/account", methods=["GET", "POST"])
def account():
    """The signed-in user's page: API tokens, active sessions and the password."""
    if request.method == "GET":
        return _account_page()
    form = TokenForm()
    if form.validate_on_submit():
        if not _password_matches(form.password.data):
            form.password.errors.append("That is not your current password.")
            return _account_page(form, status=400)
        new_token = create_token(current_user, form.name.data, days=form.days())
        flash("Token created. Copy it now: it will not be shown again.", "success")
        return _account_page(new_token=new_token)
    return _account_page(form, status=400)


@bp.route("/account/password", methods=["POST"])
def change_password():
    form = PasswordChangeForm()
    if form.validate_on_submit():
        if not _password_matches(form.current.data):
            form.current.errors.append("That is not your current password.")
        else:
            ended = services.change_own_password(current_user, form.password.data,
                                                 keep=sessions.current())
            flash("Your password is changed." + (
                f" {ended} other session{'s' if ended != 1 else ''} ended." if ended else ""),
                "success")
            return redirect(url_for("auth.account"))
    return _account_page(password_form=form, status=400)


@bp.route("/account/sessions/<int:session_id>/end", methods=["POST"])
def end_session(session_id: int):
    this = sessions.current()
    if this is not None and this.id == session_id:
        return logout()
    if not sessions.end(current_user, session_id):
        abort(404)
    flash("That session has ended; its browser must sign in again.", "success")
    return redirect(url_for("auth.account", _anchor="sessions"))


@bp.route("/account/sessions/end-others", methods=["POST"])
def end_other_sessions():
    ended = services.end_other_sessions(current_user, sessions.current())
    flash(f"{ended} other session{'s' if ended != 1 else ''} ended.", "success")
    return redirect(url_for("auth.account", _anchor="sessions"))


@bp.route("/account/tokens/<int:token_id>/revoke", methods=["POST"])
def revoke(token_id: int):
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != current_user.id:
        abort(404)
    revoke_token(token, current_user)
    flash(f"Token “{token.name}” revoked; programs using it are now refused.", "success")
    return redirect(url_for("auth.account"))

"""Signing in and out, and the one-time page that creates the first administrator."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user

from .. import services
from ..extensions import db, limiter
from ..forms import LoginForm, SetupForm, TokenForm
from ..models import ApiToken
from ..passwords import burn_time, check_password
from ..security import public, users_exist
from ..tokens import create_token, revoke_token
from . import oidc
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


def _login_limit() -> str:
    return current_app.config["RATELIMIT_LOGIN"]


@bp.route("/login", methods=["GET", "POST"])
@public
@limiter.limit(_login_limit, methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(_safe_next(request.args.get("next")))
    form = LoginForm()
    if form.validate_on_submit():
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
            complete_sign_in(user, "password")
            flash(f"Welcome, {user.name}.", "success")
            return redirect(_safe_next(request.args.get("next")))
        # Same words whether the e-mail is unknown, the password wrong or the account inactive.
        form.password.errors.append(
            "That e-mail and password do not match an active account."
            if current_app.config["PASSWORD_LOGIN"] else PASSWORD_LOGIN_OFF)
    return render_template("auth/login.html", form=form, sso=oidc.settings(),
                           password_form=current_app.config["PASSWORD_LOGIN"]
                           or "break_glass" in request.args or request.method == "POST")


@bp.route("/logout", methods=["POST"])
def logout():
    provider_url = oidc.provider_sign_out_url()
    logout_user()
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
        user = services.create_user(email=form.email.data, name=form.name.data, role="admin",
                                    password=form.password.data, actor=None)
        current_app.extensions["vendortrack"]["users_exist"] = True
        login_user(user)
        flash("Your administrator account is ready. Add the people who will use vendortrack.",
              "success")
        return redirect(url_for("admin.users"))
    return render_template("auth/setup.html", form=form)


@bp.route("/account", methods=["GET", "POST"])
def account():
    """The signed-in user's page: personal API tokens (created, shown once, revoked)."""
    form = TokenForm()
    new_token = None
    if form.validate_on_submit():
        new_token = create_token(current_user, form.name.data)
        flash("Token created. Copy it now: it will not be shown again.", "success")
        form = TokenForm(formdata=None)
    tokens = sorted(current_user.tokens, key=lambda t: t.created_at, reverse=True)
    return render_template("auth/account.html", form=form, tokens=tokens, new_token=new_token)


@bp.route("/account/tokens/<int:token_id>/revoke", methods=["POST"])
def revoke(token_id: int):
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != current_user.id:
        abort(404)
    revoke_token(token, current_user)
    flash(f"Token “{token.name}” revoked; programs using it are now refused.", "success")
    return redirect(url_for("auth.account"))

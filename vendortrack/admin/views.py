"""Administrators manage accounts and roles."""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from .. import services
from .. import tokens as tokens_service
from ..clock import now
from ..domain.text import whole_number
from ..domain.vocabulary import SIGN_IN_METHODS
from ..extensions import db
from ..forms import UserCreateForm, UserEditForm
from ..models import ApiToken, AuditEvent, User
from ..permissions import roles_required
from ..queries import page_number, with_changes

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
@roles_required("admin")
def only_admins():
    return None


@bp.route("/users")
def users():
    people = db.session.scalars(select(User).order_by(User.active.desc(), User.name)).all()
    return render_template("admin/users.html", users=people, SIGN_IN_METHODS=SIGN_IN_METHODS)


@bp.route("/users/new", methods=["GET", "POST"])
def create_user():
    form = UserCreateForm()
    if form.validate_on_submit():
        if services.find_user(form.email.data):
            form.email.errors.append("An account with this e-mail already exists.")
        else:
            user = services.create_user(email=form.email.data, name=form.name.data,
                                        role=form.role.data, password=form.password.data,
                                        actor=current_user)
            flash(f"Account created for {user.name}. Give them their password in person "
                  "or by another channel.", "success")
            return redirect(url_for("admin.users"))
    return render_template("admin/user_form.html", form=form, user=None)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
def edit_user(user_id: int):
    user = db.get_or_404(User, user_id)
    form = UserEditForm(obj=user)
    if form.validate_on_submit():
        if user.id == current_user.id and (form.role.data != "admin" or not form.active.data):
            form.role.errors.append("You cannot remove your own administrator access; "
                                    "ask another administrator.")
        else:
            services.update_user(user, name=form.name.data, role=form.role.data,
                                 active=form.active.data, password=form.password.data or None,
                                 actor=current_user, break_glass=form.break_glass.data)
            flash(f"Saved {user.name}.", "success")
            return redirect(url_for("admin.users"))
    return render_template("admin/user_form.html", form=form, user=user)


@bp.route("/tokens")
def tokens():
    """Everyone's API tokens, active first."""
    rows = db.session.scalars(select(ApiToken).options(selectinload(ApiToken.user))
                              .order_by(ApiToken.revoked_at.is_not(None),
                                        ApiToken.created_at.desc())).all()
    return render_template("admin/tokens.html", tokens=rows, now=now())


@bp.route("/tokens/<int:token_id>/revoke", methods=["POST"])
def revoke_token(token_id: int):
    token = db.get_or_404(ApiToken, token_id)
    tokens_service.revoke_token(token, current_user)
    flash(f"Revoked {token.user.name}’s token “{token.name}”.", "success")
    return redirect(url_for("admin.tokens"))


def _day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


@bp.route("/history")
def history():
    """Everything recorded, newest first, filterable by user and by date."""
    user_id = whole_number(request.args.get("user"))
    start, end = _day(request.args.get("from")), _day(request.args.get("to"))
    problems = [f"“{request.args[k]}” is not a date (use YYYY-MM-DD); it was ignored."
                for k, v in (("from", start), ("to", end)) if request.args.get(k) and v is None]
    statement = select(AuditEvent).options(selectinload(AuditEvent.user),
                                           selectinload(AuditEvent.engagement))
    if user_id:
        statement = statement.where(AuditEvent.user_id == user_id)
    if start:
        statement = statement.where(AuditEvent.at >= datetime.combine(start, time.min, UTC))
    if end and end < date.max:
        statement = statement.where(
            AuditEvent.at < datetime.combine(end + timedelta(days=1), time.min, UTC))
    page = db.paginate(statement.order_by(AuditEvent.id.desc()),
                       page=page_number(request.args.get("page")) or 1, per_page=50,
                       error_out=False)
    people = db.session.scalars(select(User).order_by(User.name)).all()
    events = with_changes(page.items)
    args = {k: request.args[k] for k in ("user", "from", "to") if request.args.get(k)}
    return render_template("admin/history.html", page=page, events=events, people=people,
                           user_id=user_id, start=start, end=end, problems=problems, args=args)


# The Organisation page (register of information) attaches to bp.
from . import organisation as _organisation  # noqa: E402, F401  (adds its route to bp)

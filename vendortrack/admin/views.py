"""Administrators manage accounts and roles."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select

from .. import services
from ..extensions import db
from ..forms import UserCreateForm, UserEditForm
from ..models import User
from ..permissions import roles_required

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
@roles_required("admin")
def only_admins():
    return None


@bp.route("/users")
def users():
    people = db.session.scalars(select(User).order_by(User.active.desc(), User.name)).all()
    return render_template("admin/users.html", users=people)


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
                                 actor=current_user)
            flash(f"Saved {user.name}.", "success")
            return redirect(url_for("admin.users"))
    return render_template("admin/user_form.html", form=form, user=user)

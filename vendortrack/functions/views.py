"""Business functions: what the organisation does, and how critical each function is."""
from __future__ import annotations

import json

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select

from .. import services
from ..domain.text import clean_text
from ..domain.vocabulary import CRITICALITY
from ..extensions import db
from ..forms import BusinessFunctionForm
from ..models import AuditEvent, BusinessFunction, Engagement
from ..permissions import can_manage_functions
from ..queries import page_number

bp = Blueprint("functions", __name__, url_prefix="/functions")


@bp.route("/")
def index():
    statement = select(BusinessFunction).order_by(BusinessFunction.name_key)
    q = clean_text(request.args.get("q", ""))[:200]
    criticality = request.args.get("criticality", "")
    if criticality not in CRITICALITY:
        criticality = ""
    if q:
        statement = statement.where(BusinessFunction.name_key.contains(q.lower(),
                                                                       autoescape=True))
    if criticality:
        statement = statement.where(BusinessFunction.criticality == criticality)
    page = db.paginate(statement, page=page_number(request.args.get("page")) or 1, per_page=50,
                       error_out=False)
    return render_template("functions/index.html", page=page, q=q, criticality=criticality)


def _save(function: BusinessFunction | None):
    if not can_manage_functions(current_user):
        abort(403)
    form = BusinessFunctionForm(obj=function)
    if form.validate_on_submit():
        if services.function_name_taken(form.name.data, function.id if function else None):
            form.name.errors.append("A business function with this name already exists.")
        else:
            try:
                saved = services.save_function(function, form.values(), current_user)
            except services.EditConflict:
                flash("Engagements supporting this function were being saved at the same "
                      "moment; nothing was saved yet. Please save again.", "error")
            else:
                flash(f"Saved business function {saved.name}.", "success")
                return redirect(url_for("functions.show", function_id=saved.id))
    return render_template("functions/form.html", form=form, function=function)


@bp.route("/new", methods=["GET", "POST"])
def create():
    return _save(None)


@bp.route("/<int:function_id>/edit", methods=["GET", "POST"])
def edit(function_id: int):
    return _save(db.get_or_404(BusinessFunction, function_id))


@bp.route("/<int:function_id>")
def show(function_id: int):
    function = db.get_or_404(BusinessFunction, function_id)
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.business_function_id == function.id)
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(50)).all()
    history = [(event, json.loads(event.changes)) for event in events]
    engagements = db.session.scalars(
        select(Engagement).where(Engagement.business_function_id == function.id)
        .order_by(Engagement.updated_at.desc()).limit(50)).all()
    total = db.session.scalar(select(func.count(Engagement.id))
                              .where(Engagement.business_function_id == function.id))
    return render_template("functions/show.html", function=function, history=history,
                           engagements=engagements, total=total)

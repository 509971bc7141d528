"""Engagements: the list, the spec form and the engagement page."""
from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    get_template_attribute,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import inspect, select
from sqlalchemy.orm import selectinload

from .. import services
from ..clock import today
from ..domain.risk import assess, suggested_reintegration
from ..domain.spec import to_json
from ..domain.spec_diff import diff_specs
from ..domain.text import whole_number
from ..domain.vocabulary import DELIVERABLE_TRANSITIONS
from ..extensions import db
from ..forms import SECTIONS, EngagementForm
from ..models import AuditEvent, BusinessFunction, Deliverable, Engagement, Vendor
from ..permissions import can_create_engagement, can_edit_engagement
from ..queries import (
    SPEC_ROW_LISTS,
    EngagementFilter,
    engagement_history,
    engagement_or_404,
    list_page,
    load_row_lists,
    page_number,
    recent_history,
    with_changes,
)

bp = Blueprint("engagements", __name__)

def get_engagement(engagement_id: int, *, for_edit: bool = False) -> Engagement:
    """The engagement with its rows, or 404; 403 when ``for_edit`` and the user may not edit."""
    engagement = engagement_or_404(engagement_id)
    if for_edit and not can_edit_engagement(current_user, engagement):
        abort(403)
    return engagement


@bp.route("/")
def home():
    if current_user.role == "leadership":
        return redirect(url_for("dashboard.index"))
    if current_user.role == "product_owner":
        return redirect(url_for("reminders.my_work"))
    return redirect(url_for("engagements.index"))


@bp.route("/engagements")
def index():
    filters = EngagementFilter.from_args(request.args)
    page = list_page(filters, today(), page_number(request.args.get("page")) or 1,
                     current_app.config["PER_PAGE"])
    vendors = db.session.execute(select(Vendor.id, Vendor.name).order_by(Vendor.name_key)
                                 .limit(1000)).all()
    functions = db.session.execute(select(BusinessFunction.id, BusinessFunction.name)
                                   .order_by(BusinessFunction.name_key).limit(1000)).all()
    return render_template("engagements/index.html", page=page, filters=filters,
                           vendors=vendors, functions=functions)


def form_data(engagement: Engagement) -> dict:
    """The engagement shaped for :class:`EngagementForm`."""
    data = EngagementForm.data_for(services.engagement_spec(engagement),
                                   [d.id for d in engagement.deliverables])
    data["version"] = str(engagement.version)
    return data


def apply_row_action(form: EngagementForm, action: str) -> str | None:
    """Add or remove a repeatable row without JavaScript; returns the section touched."""
    verb, _, target = action.partition(":")
    section = target.rsplit("-", 1)[0] if verb == "remove" else target
    if section not in SECTIONS:
        return None
    field = getattr(form, section)
    if verb == "add" and len(field.entries) < field.limit:
        field.append_entry()
    elif verb == "remove":
        field.entries = [e for e in field.entries if e.name != target]
    return section


def _render_form(form: EngagementForm, engagement: Engagement | None, **extra):
    assessment = None
    if engagement is not None:
        assessment = services.assess_engagement(engagement, today())
    vendor_names = db.session.scalars(select(Vendor.name).order_by(Vendor.name_key)
                                      .limit(1000)).all()
    function_names = db.session.scalars(select(BusinessFunction.name)
                                         .order_by(BusinessFunction.name_key).limit(1000)).all()
    function = services.find_function(form.business_function.data or "")
    return render_template("engagements/form.html", form=form, engagement=engagement,
                           assessment=assessment, vendor_names=vendor_names,
                           function_names=function_names, function=function,
                           deliverable_statuses=services.statuses_by_id(engagement)
                           if engagement else {}, **extra)


@bp.app_template_global()
def row_template(section: str, noun: str) -> Markup:
    """A blank row of ``section``, its fields numbered ``__index__``, that the form's script
    copies to add a row. It is the same on every page: rendered once (again while templates
    reload)."""
    built = current_app.extensions.setdefault("vendortrack.row_templates", {})
    if (section, noun) not in built or current_app.jinja_env.auto_reload:
        row = get_template_attribute("engagements/_rows.html", "row")
        built[section, noun] = row(section, SECTIONS[section](prefix=f"{section}-__index__-"),
                                   f"{section}-__index__", noun, "")
    return built[section, noun]


def _save(form: EngagementForm, engagement: Engagement | None) -> tuple[int, str]:
    """Save the form; the engagement's id and title."""
    spec = form.to_spec()
    if engagement is None:
        saved = services.create_engagement(spec, current_user)
    else:
        # A submission that does not say which version it edits is treated as stale.
        saved = services.update_engagement(engagement, spec, current_user,
                                           expected_version=whole_number(form.version.data) or 0,
                                           deliverable_ids=form.deliverable_ids())
    # The commit expired the row: reading its id or title would load it again, in a second
    # transaction. Its key is known without that, and the title is the one just saved.
    return inspect(saved).identity[0], spec.title


def _edit(engagement: Engagement | None):
    # On POST the rows come from what was typed only, so removed rows stay removed.
    data = form_data(engagement) if engagement and request.method == "GET" else None
    form = EngagementForm(data=data)
    if request.method == "POST":
        action = request.form.get("row_action", "")
        if action:
            section = apply_row_action(form, action)
            return _render_form(form, engagement, focus=section)
        if form.validate():
            try:
                saved_id, title = _save(form, engagement)
            except services.EditConflict as conflict:
                return _conflict(form, engagement, conflict)
            flash(f"Saved “{title}”.", "success")
            if request.form.get("then") == "continue":
                return redirect(url_for("engagements.edit", engagement_id=saved_id))
            return redirect(url_for("engagements.show", engagement_id=saved_id))
        flash("Some fields need attention; nothing was saved yet. Everything you typed is "
              "still here.", "error")
    return _render_form(form, engagement)


def _conflict(form: EngagementForm, engagement: Engagement, conflict: services.EditConflict):
    """Show what the other person changed and keep everything this person typed."""
    db.session.expire_all()
    current = get_engagement(engagement.id)
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.engagement_id == current.id,
                                 AuditEvent.engagement_version > (conflict.expected_version or 0))
        .options(selectinload(AuditEvent.user)).order_by(AuditEvent.id)).all()
    changes = with_changes(events)
    # Also: the saved version against what this person typed, field by field.
    typed, _ = services.carry_over(current, form.to_spec(), form.deliverable_ids())
    yours = diff_specs(services.engagement_json(current), to_json(typed)).to_json()
    form.version.data = str(current.version)
    form.version.raw_data = [form.version.data]
    return _render_form(form, current, conflict_events=changes, conflict_yours=yours), 409


@bp.route("/engagements/new", methods=["GET", "POST"])
def create():
    if not can_create_engagement(current_user):
        abort(403)
    return _edit(None)


@bp.route("/engagements/<int:engagement_id>/edit", methods=["GET", "POST"])
def edit(engagement_id: int):
    engagement = get_engagement(engagement_id, for_edit=True)
    # The form shows every list of rows; a save also compares the stored flags.
    load_row_lists(engagement, SPEC_ROW_LISTS + (("flags",) if request.method == "POST" else ()))
    return _edit(engagement)


@bp.route("/engagements/<int:engagement_id>")
def show(engagement_id: int):
    engagement = get_engagement(engagement_id)
    load_row_lists(engagement)  # the page shows every list of rows
    spec, facts = services.engagement_spec(engagement), services.exit_facts(engagement)
    events, older = recent_history(engagement.id)
    return render_template("engagements/show.html", engagement=engagement, spec=spec,
                           assessment=assess(spec, today(), facts=facts),
                           transitions=DELIVERABLE_TRANSITIONS, timeline=with_changes(events),
                           older_history=older, suggestion=suggested_reintegration(spec, facts))


@bp.route("/engagements/<int:engagement_id>/history")
def history(engagement_id: int):
    """Everything recorded about the engagement, newest first, fifty events a page."""
    engagement = get_engagement(engagement_id)
    page = engagement_history(engagement.id, page_number(request.args.get("page")) or 1)
    if page.page > max(page.pages, 1):  # past the last page (events are never removed)
        return redirect(url_for("engagements.history", engagement_id=engagement.id,
                                page=max(page.pages, 1)))
    return render_template("engagements/history.html", engagement=engagement, page=page,
                           timeline=with_changes(page.items), full_history=True)


@bp.route("/engagements/<int:engagement_id>/deliverables/<int:deliverable_id>/status",
          methods=["POST"])
def deliverable_status(engagement_id: int, deliverable_id: int):
    engagement = get_engagement(engagement_id, for_edit=True)
    deliverable = db.session.get(Deliverable, deliverable_id)
    if deliverable is None or deliverable.engagement_id != engagement.id:
        abort(404)
    new_status = request.form.get("status", "")
    try:
        services.change_deliverable_status(deliverable, new_status, current_user)
    except services.NotAllowed as refusal:
        flash(str(refusal), "error")
    except services.EditConflict:
        flash("Someone changed this engagement at the same moment; please try again.", "error")
    else:
        flash(f"“{deliverable.title}” is now {new_status}.", "success")
    return redirect(url_for("engagements.show", engagement_id=engagement.id,
                            _anchor="deliverables"))

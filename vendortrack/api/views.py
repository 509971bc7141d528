"""The JSON API under /api/v1: engagements for procurement and HR systems that integrate."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request, url_for
from flask_login import current_user

from .. import services
from ..clock import today
from ..domain.risk import assess
from ..domain.spec import to_json
from ..domain.text import clean_text
from ..errors import http_error, json_body, json_error
from ..extensions import db
from ..models import Engagement, Vendor
from ..permissions import can_create_engagement, can_edit_engagement
from ..queries import (
    MAX_PAGE,
    SPEC_LISTS,
    EngagementFilter,
    engagement_or_404,
    load_engagement,
    page_number,
)
from .openapi import document
from .schema import Invalid, parse_engagement

bp = Blueprint("api", __name__, url_prefix="/api/v1")
MAX_PER_PAGE = 100


def engagement_document(engagement: Engagement) -> dict:
    spec = services.engagement_spec(engagement)
    assessment = assess(spec, today(), facts=services.exit_facts(engagement))
    body = to_json(spec)
    for row, deliverable in zip(body["deliverables"], engagement.deliverables, strict=True):
        row["id"] = deliverable.id  # send it back with PUT to keep the row's acceptance
    for row, person in zip(body["successors"], engagement.successors, strict=True):
        row["id"] = person.id  # where to POST their readiness
        row["readiness"] = services.readiness_json(person)
    return {
        "id": engagement.id,
        "version": engagement.version,
        "created_at": engagement.created_at.isoformat(),
        "updated_at": engagement.updated_at.isoformat(),
        **body,
        "reintegration_suggested": services.reintegration_suggestion(engagement).rating,
        "risk": {
            "level": assessment.level.code,
            "dependency_trap": assessment.dependency_trap,
            "flags": [{"code": f.code, "severity": f.severity.code, "message": f.message,
                       "remedy": f.remedy} for f in assessment.flags],
        },
    }


def _invalid(problem: Invalid):
    return jsonify({"errors": problem.errors}), 422


@bp.get("/engagements")
def list_engagements():
    args = request.args.to_dict()
    vendor_name = clean_text(args.pop("vendor", ""))
    filters = EngagementFilter.from_args(args)
    problems = {}
    page = page_number(args.get("page"))
    per_page = page_number(args.get("per_page", "25"))
    if page is None:
        problems["page"] = [f"Must be a whole number from 1 to {MAX_PAGE}."]
    if per_page is None or per_page > MAX_PER_PAGE:
        problems["per_page"] = [f"Must be a whole number from 1 to {MAX_PER_PAGE}."]
    if args.get("risk") and not filters.risk:
        problems["risk"] = ["Must be one of: high, medium, low, none."]
    if args.get("flag") and not filters.flag:
        problems["flag"] = ["Unknown flag code."]
    if args.get("status") and not filters.status:
        problems["status"] = ["Must be one of: draft, active, in_handover, closed, open."]
    if problems:
        return jsonify({"errors": problems}), 422
    statement = filters.statement(today())
    if vendor_name:
        statement = statement.where(Vendor.name_key == vendor_name.lower())
    statement = statement.options(*SPEC_LISTS)  # the list joins the vendor already
    page = db.paginate(statement, page=page, per_page=per_page, error_out=False, count=True)
    return jsonify({
        "items": [engagement_document(e) for e in page.items],
        "page": page.page, "per_page": page.per_page, "total": page.total,
    })


@bp.get("/engagements/<int:engagement_id>")
def get_engagement(engagement_id: int):
    engagement = engagement_or_404(engagement_id)
    return jsonify(engagement_document(engagement))


@bp.post("/engagements")
def create_engagement():
    if not can_create_engagement(current_user):
        raise http_error(403, "Only product owners and administrators create engagements.")
    data = json_body()
    try:
        spec, _ = parse_engagement(data)
    except Invalid as problem:
        return _invalid(problem)
    engagement = services.create_engagement(spec, current_user)
    body = engagement_document(load_engagement(engagement.id))
    response = jsonify(body)
    response.status_code = 201
    response.headers["Location"] = url_for("api.get_engagement", engagement_id=engagement.id)
    return response


@bp.put("/engagements/<int:engagement_id>")
def update_engagement(engagement_id: int):
    engagement = engagement_or_404(engagement_id)
    if not can_edit_engagement(current_user, engagement):
        raise http_error(403, "You may not edit this engagement.")
    data = json_body()
    version = data.get("version") if isinstance(data, dict) else None
    if isinstance(version, bool) or not isinstance(version, int):
        return jsonify({"errors": {"version": [
            "Send the version you read (an integer from GET), so that nobody's changes "
            "are overwritten."]}}), 422
    try:
        spec, ids = parse_engagement(data, update=True)
        services.update_engagement(engagement, spec, current_user, expected_version=version,
                                   deliverable_ids=ids)
    except Invalid as problem:
        return _invalid(problem)
    except services.StatusRefused as refusal:
        return jsonify({"errors": {f"deliverables[{i}].status": [message]
                                   for i, message in refusal.refused.items()}}), 422
    except services.EditConflict:
        db.session.rollback()
        return json_error(409, "Edit conflict",
                     f"The engagement changed since version {version}; nothing was saved. "
                     "GET it again, merge your changes and send the new version.",
                     current=engagement_document(load_engagement(engagement_id)))
    return jsonify(engagement_document(load_engagement(engagement_id)))


@bp.get("/openapi.json")
def openapi():
    return jsonify(document(current_app.config.get("ORGANISATION_NAME", "")))


openapi.is_public = True  # the description of the API is not a secret


@bp.post("/imports")
def import_engagements():
    from ..imports.api import post_import  # the import package is its own area

    return post_import()


# The API's annex and dashboard routes live beside this module and attach to `bp`.
from ..readiness import api as _readiness_api  # noqa: E402, F401  (adds its routes to bp)
from ..register import api as _register_api  # noqa: E402, F401  (adds its routes to bp)
from ..reminders import api as _reminders_api  # noqa: E402, F401  (adds its routes to bp)
from . import annexes, dashboard, record_views  # noqa: E402, F401

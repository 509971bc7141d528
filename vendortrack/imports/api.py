"""``POST /api/v1/imports``: the preview as JSON (``dry_run=true``) or the import itself."""
from __future__ import annotations

from flask import jsonify, request
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from ..errors import http_error
from ..permissions import can_import
from . import service
from .plan import Plan
from .reading import MAX_BYTES, Refused
from .views import allow_large_upload

TRUE, FALSE = ("true", "1", "yes"), ("false", "0", "no")


def _flag(name: str, default: bool) -> bool | None:
    value = request.args.get(name)
    if value is None:
        return default
    value = value.strip().lower()
    return True if value in TRUE else False if value in FALSE else None


def plan_json(plan: Plan, dry_run: bool) -> dict:
    return {
        "dry_run": dry_run,
        "counts": plan.counts,
        "problems": plan.problems,
        "notes": plan.notes,
        "new_vendors": plan.new_vendors,
        "new_functions": plan.new_functions,
        "mapping": [{"column": h, "field": f} for h, f in zip(plan.headers, plan.mapping,
                                                               strict=True)],
        "rows": [{
            "row": r.number, "action": r.action, "contract_reference": r.reference,
            "title": r.title, "engagement_id": r.engagement_id, "changes": r.changes,
            "flags": [{"code": f.code, "severity": f.severity.code, "message": f.message}
                      for f in r.flags],
            "problems": r.problems, "notes": r.notes,
        } for r in plan.rows],
    }


def _invalid(errors: dict, status: int = 422, **extra):
    return jsonify({"errors": errors, **extra}), status


def post_import():
    if not can_import(current_user):
        raise http_error(403, "Only procurement and administrators can import.")
    dry_run, skip = _flag("dry_run", True), _flag("skip_problems", False)
    if dry_run is None or skip is None:
        return _invalid({"dry_run" if dry_run is None else "skip_problems":
                         ["Must be true or false."]})
    allow_large_upload()
    try:
        sent = request.files.get("file")
    except RequestEntityTooLarge:
        return _invalid({"file": ["The file is larger than 20 MB."]}, 413)
    if sent is None or not sent.filename:
        return _invalid({"file": ["Send the .xlsx or .csv file as multipart/form-data in the "
                                  "field “file”."]})
    data = sent.read(MAX_BYTES + 1)
    try:
        if dry_run:
            _, plan = service.preview(data, sent.filename)
            return jsonify(plan_json(plan, True)), 200
        plan = service.confirm(data, sent.filename, current_user, mapping=None, orders=None,
                               skip_problems=skip)
    except Refused as refused:
        return _invalid({"file": [str(refused)]})
    except service.Stale as stale:
        raise http_error(409, str(stale)) from None
    return jsonify({"dry_run": False, "counts": plan.counts,
                    "skipped_rows": [r.number for r in plan.rows if r.action == "problem"]}), 201

"""The register of information in the API: the report package and its pre-flight check.

The routes live on the API blueprint (``/api/v1``); their OpenAPI part is in :mod:`.openapi`.
Same roles as the page: procurement and administrators.
"""
from __future__ import annotations

from flask import current_app, jsonify, request
from flask_login import current_user

from ..api.views import bp
from ..errors import http_error
from ..permissions import can_export_roi
from .links import Fixes
from .service import BadReferenceDate, Check, check, columns_of, export, reference_date_from
from .views import zip_response


def _reference_date():
    if not can_export_roi(current_user):
        raise http_error(403, "Only procurement and administrators export the register of "
                              "information.")
    try:
        return reference_date_from(request.args.get("reference_date")), None
    except BadReferenceDate as problem:
        return None, (jsonify({"errors": {"reference_date": [str(problem)]}}), 422)


def preflight_document(checked: Check) -> dict:
    """Counts and every finding, each with the web link to the field that fixes it."""
    base = current_app.config["BASE_URL"]
    organisation = checked.organisation
    findings = []
    fixes = Fixes(current_user, checked.source.owners)
    for finding in checked.findings:
        columns = columns_of(finding)
        fix = fixes(finding)
        findings.append({
            "severity": finding.category,
            "entity": {"kind": finding.entity.kind, "id": finding.entity.id,
                       "name": finding.entity.name},
            "field": finding.field,
            "template": columns[0].template,
            "column": columns[0].column,
            "column_name": columns[0].name,
            "columns": [{"template": c.template, "column": c.column, "name": c.name}
                        for c in columns],
            "message": finding.problem,
            "remedy": finding.remedy,
            "line": finding.line,
            "link": base + fix.url,
        })
    return {
        "reference_date": checked.register.reference_date.isoformat(),
        "organisation": {"lei": organisation.lei, "country": organisation.country,
                         "consolidated": organisation.consolidated,
                         "base_currency": organisation.base_currency},
        "counts": checked.counts,
        "rows": checked.rows,
        "findings": findings,
    }


@bp.get("/register-of-information")
def register_of_information():
    reference_date, refusal = _reference_date()
    if refusal:
        return refusal
    name, content, checked = export(reference_date)
    return zip_response(name, content, checked)


@bp.get("/register-of-information/preflight")
def register_preflight():
    reference_date, refusal = _reference_date()
    if refusal:
        return refusal
    return jsonify(preflight_document(check(reference_date)))

"""The API's annex routes: list the issued versions, issue the next one, download a PDF.

They read only ``flask_login.current_user`` and answer errors in JSON, so they work the same
whichever way the user signed in.
"""
from __future__ import annotations

from flask import jsonify, url_for
from flask_login import current_user

from ..annex import service
from ..annex.views import stored_pdf_response
from ..errors import http_error, json_body, json_error
from ..models import Annex
from ..permissions import can_issue_annex
from ..queries import engagement_or_404
from .views import bp


def annex_json(annex: Annex) -> dict:
    """An issued annex version as the API sends it."""
    return {
        "number": annex.number,
        "sha256": annex.pdf_sha256,
        "snapshot_sha256": annex.snapshot_sha256,
        "issued_at": annex.issued_at.isoformat(),
        "issued_by": {"id": annex.issued_by_id,
                      "name": annex.issued_by.name if annex.issued_by else None,
                      "email": annex.issued_by.email if annex.issued_by else None},
        "pdf_url": url_for("api.download_annex", engagement_id=annex.engagement_id,
                           number=annex.number),
    }


@bp.get("/engagements/<int:engagement_id>/annexes")
def list_annexes(engagement_id: int):
    engagement = engagement_or_404(engagement_id)
    return jsonify({"engagement_id": engagement.id,
                    "annexes": [annex_json(a) for a in service.list_annexes(engagement.id)]})


@bp.post("/engagements/<int:engagement_id>/annexes")
def issue_annex(engagement_id: int):
    if not can_issue_annex(current_user):
        raise http_error(403, "Only procurement and administrators issue annexes.")
    body = json_body(required=False)
    body = body if isinstance(body, dict) else {}
    confirm = body.get("confirm_dependency_trap", False)
    expected = body.get("number")
    version = body.get("version")

    def whole(value):
        return value is None or (isinstance(value, int) and not isinstance(value, bool))

    if not isinstance(confirm, bool) or not whole(expected) or not whole(version):
        raise http_error(400, "Send {\"confirm_dependency_trap\": true|false, "
                               "\"number\": <next annex number, optional>, "
                               "\"version\": <the spec version you read, optional>}.")
    engagement = engagement_or_404(engagement_id)
    try:
        annex = service.issue_annex(engagement, current_user, expected_number=expected,
                                    expected_version=version,
                                    confirm_dependency_trap=confirm)
    except service.TrapNotConfirmed as refusal:
        return json_error(409, "Dependency trap not confirmed", str(refusal)
                          + " Send {\"confirm_dependency_trap\": true} to issue anyway.",
                          more={"flags": [{"code": f.code, "message": f.message}
                                          for f in refusal.flags]})
    except service.AnnexRenderFailed as failure:
        return json_error(500, "PDF rendering failed", str(failure))
    except service.AnnexRefused as refusal:
        return json_error(409, "Conflict", str(refusal))
    response = jsonify(annex_json(annex))
    response.status_code = 201
    response.headers["Location"] = url_for("api.download_annex", engagement_id=engagement.id,
                                           number=annex.number)
    return response


@bp.get("/engagements/<int:engagement_id>/annexes/<int:number>.pdf")
def download_annex(engagement_id: int, number: int):
    return stored_pdf_response(engagement_id, number)

"""Contract annexes: preview, draft PDF, issue, download, compare and the register CSV.

The annex routes of the JSON API are in :mod:`vendortrack.api.annexes`.
"""
from __future__ import annotations

from datetime import date, datetime

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_login import current_user
from werkzeug.utils import secure_filename

from ..clock import today
from ..domain.annex import load_snapshot, not_recorded, terms_diff
from ..domain.spec import to_json
from ..domain.text import whole_number
from ..domain.vocabulary import STATUSES
from ..errors import http_error
from ..models import Engagement
from ..pdf import pdf_rate_limit
from ..permissions import can_issue_annex
from ..queries import EngagementFilter, engagement_or_404
from . import service
from .forms import IssueAnnexForm
from .register import register_csv

bp = Blueprint("annex", __name__)

REGISTER_ROLES = {"procurement", "admin", "leadership"}


# --- template helpers (the engagement page uses them through an include) ------------------

@bp.app_template_filter("annex_date")
def annex_date(value: str | date | datetime | None) -> str:
    """An ISO date string (as in a snapshot), a date or a datetime as '26 November 2026'."""
    if not value:
        return ""
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value[:10])
        except ValueError:
            return value
    return f"{value.day} {value:%B %Y}"


def _issued_annexes(engagement_or_id) -> list:
    """list_annexes, read once per request: the page header and its annex section share it."""
    engagement_id = getattr(engagement_or_id, "id", engagement_or_id)
    read = g.setdefault("issued_annexes", {})
    if engagement_id not in read:
        read[engagement_id] = service.list_annexes(engagement_id)
    return read[engagement_id]


@bp.app_context_processor
def annex_helpers():
    user = current_user
    return {
        # The engagement page has the spec and the issued annexes (newest first) already.
        "annex_status": lambda engagement, spec: service.annex_status(
            next(iter(_issued_annexes(engagement.id)), None), lambda: to_json(spec),
            engagement.version),
        "annex_versions": _issued_annexes,
        "can_export_register": bool(getattr(user, "is_authenticated", False)
                                    and user.role in REGISTER_ROLES),
    }


# --- pages -------------------------------------------------------------------------------

def _preview_page(engagement: Engagement, form: IssueAnnexForm, status: int = 200):
    document = service.draft_document(engagement)
    form.number.data = str(document.number)
    form.spec_version.data = str(engagement.version)
    annexes = service.list_annexes(engagement.id)
    return render_template(
        "annex/preview.html", engagement=engagement, form=form,
        document=document, annexes=annexes,
        trap_flags=service.open_trap_flags(engagement),
        status=service.annex_status(next(iter(annexes), None), lambda: document.snapshot),
    ), status


@bp.route("/engagements/<int:engagement_id>/annex")
def preview(engagement_id: int):
    return _preview_page(engagement_or_404(engagement_id), IssueAnnexForm())


@bp.route("/engagements/<int:engagement_id>/annex/draft.pdf")
@pdf_rate_limit
def draft_pdf(engagement_id: int):
    engagement = engagement_or_404(engagement_id)
    document, pdf = service.draft_pdf(engagement)
    return _pdf_response(pdf, _filename(engagement, document.number, "draft"), inline=True)


@bp.route("/engagements/<int:engagement_id>/annexes", methods=["POST"])
def issue(engagement_id: int):
    if not can_issue_annex(current_user):
        abort(403)
    engagement = engagement_or_404(engagement_id)
    form = IssueAnnexForm()
    if not form.validate():
        return _preview_page(engagement, form, 400)
    try:
        annex = service.issue_annex(
            engagement, current_user, expected_number=form.expected_number(),
            expected_version=form.expected_version(),
            confirm_dependency_trap=form.confirm_dependency_trap.data)
    except service.TrapNotConfirmed as refusal:
        form.confirm_dependency_trap.errors = [
            "Tick this box to issue the annex with dependency-trap flags open."]
        flash(str(refusal), "error")
        return _preview_page(engagement, form, 409)
    except service.AnnexRefused as refusal:
        flash(str(refusal), "error")
        return redirect(url_for("annex.preview", engagement_id=engagement.id))
    flash(f"Issued annex v{annex.number}. Its PDF is stored and will never change.", "success")
    return redirect(url_for("engagements.show", engagement_id=engagement.id, _anchor="annexes"))


def _filename(engagement_or_ref, number: int, suffix: str = "") -> str:
    ref = getattr(engagement_or_ref, "contract_reference", engagement_or_ref) or "engagement"
    stem = secure_filename(f"annex-{ref}-v{number}{'-' + suffix if suffix else ''}")
    return f"{stem or f'annex-v{number}'}.pdf"


def _pdf_response(data: bytes, filename: str, *, inline: bool = False,
                  sha256: str | None = None) -> Response:
    response = Response(data, mimetype="application/pdf")
    disposition = "inline" if inline else "attachment"
    response.headers["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    if sha256:
        response.set_etag(sha256)
        response.headers["X-Content-SHA256"] = sha256
    return response


def stored_pdf_response(engagement_id: int, number: int) -> Response:
    row = service.stored_pdf(engagement_id, number)
    if row is None:
        raise http_error(404, f"There is no annex v{number} for this engagement.")
    response = _pdf_response(row.pdf, _filename(row.contract_reference, number),
                             sha256=row.pdf_sha256)
    return response.make_conditional(request)


@bp.route("/engagements/<int:engagement_id>/annexes/<int:number>.pdf")
def download(engagement_id: int, number: int):
    return stored_pdf_response(engagement_id, number)


def _snapshot_for(engagement: Engagement, which: str) -> tuple[str, dict]:
    """('annex v2', snapshot) for '2', ('current spec', …) for 'current'."""
    if which == "current":
        from .. import services

        return "current spec", services.engagement_json(engagement)
    number = whole_number(which, 1)
    if number is None:
        raise http_error(400, "Choose annex versions by number, e.g. ?from=1&to=2, or "
                               "to=current for the current spec.")
    annex = service.get_annex(engagement.id, number)
    if annex is None:
        raise http_error(404, f"There is no annex v{which} for this engagement.")
    return f"annex v{annex.number}", load_snapshot(annex.snapshot)


@bp.route("/engagements/<int:engagement_id>/annexes/compare")
def compare(engagement_id: int):
    engagement = engagement_or_404(engagement_id)
    annexes = service.list_annexes(engagement.id)
    if not annexes:
        flash("No annex has been issued yet, so there is nothing to compare.", "info")
        return redirect(url_for("annex.preview", engagement_id=engagement.id))
    older = request.args.get("from", str(annexes[0].number)).strip()
    newer = request.args.get("to", "current").strip()
    old_label, old = _snapshot_for(engagement, older)
    new_label, new = _snapshot_for(engagement, newer)
    return render_template("annex/compare.html", engagement=engagement, annexes=annexes,
                           diff=terms_diff(old, new), old_label=old_label,
                           not_recorded=not_recorded(old, new),
                           new_label=new_label, older=older, newer=newer)


@bp.route("/engagements/register.csv")
def register():
    if current_user.role not in REGISTER_ROLES:
        abort(403)
    filters = EngagementFilter.from_args(request.args)
    day = today()
    chunks = register_csv(filters.conditions(day), day, STATUSES)
    response = Response(stream_with_context(chunks), mimetype="text/csv")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="engagement-register-{day.isoformat()}.csv"')
    response.mimetype_params["charset"] = "utf-8"
    return response

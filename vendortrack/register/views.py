"""The Register of Information page (procurement and administrators): pre-flight for a
reference date, each finding linked to the form field that fixes it, and the export."""
from __future__ import annotations

from dataclasses import dataclass
from itertools import groupby
from math import ceil

from flask import Blueprint, Response, redirect, render_template, request, url_for
from flask_login import current_user

from ..domain.register_of_information import INCOMPLETE, REJECTION, TEMPLATES
from ..permissions import ROI_ROLES, roles_required
from ..queries import page_number
from .links import Fixes
from .service import BadReferenceDate, Check, check, columns_of, export, reference_date_from

bp = Blueprint("register", __name__, url_prefix="/register-of-information")
PER_PAGE = 100


@bp.before_request
@roles_required(*ROI_ROLES)
def only_procurement():
    return None


@dataclass
class FindingPage:
    """One page of findings, with what ``macros/ui.html``'s ``pagination`` reads."""

    items: list
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, ceil(self.total / self.per_page))

    has_prev = property(lambda self: self.page > 1)
    has_next = property(lambda self: self.page < self.pages)
    prev_num = property(lambda self: self.page - 1)
    next_num = property(lambda self: self.page + 1)

    def iter_pages(self, left_edge=1, left_current=2, right_current=3, right_edge=1):
        shown = None
        for number in range(1, self.pages + 1):
            if (number <= left_edge or number > self.pages - right_edge
                    or self.page - left_current <= number < self.page + right_current):
                if shown is not None and number > shown + 1:
                    yield None
                yield number
                shown = number


def export_headers(checked: Check) -> dict[str, str]:
    """The problems an exported package carries, said on the download itself."""
    counts = checked.counts
    return {"X-Preflight-Rejection": str(counts[REJECTION]),
            "X-Preflight-Incomplete": str(counts[INCOMPLETE])}


def zip_response(name: str, content: bytes, checked: Check) -> Response:
    response = Response(content, mimetype="application/zip",
                        headers=export_headers(checked))
    response.headers.set("Content-Disposition", "attachment", filename=name)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("")
def index():
    typed = request.args.get("reference_date", "")
    try:
        reference_date = reference_date_from(typed)
    except BadReferenceDate as problem:
        return render_template("register/index.html", problem=str(problem), typed=typed,
                               checked=None)
    checked = check(reference_date)
    number = min(page_number(request.args.get("page")) or 1,
                 max(1, ceil(len(checked.findings) / PER_PAGE)))
    shown = checked.findings[(number - 1) * PER_PAGE:number * PER_PAGE]
    fix = Fixes(current_user, checked.source.owners)
    lines = [(finding, columns_of(finding), fix(finding)) for finding in shown]
    # Rejection class first (pre-flight's order), each under its own heading.
    groups = [(category, list(group))
              for category, group in groupby(lines, key=lambda line: line[0].category)]
    return render_template(
        "register/index.html", problem=None, typed=reference_date.isoformat(),
        checked=checked, reference_date=reference_date, groups=groups, TEMPLATES=TEMPLATES,
        page=FindingPage(shown, number, PER_PAGE, len(checked.findings)))


@bp.get("/export")
def download():
    typed = request.args.get("reference_date", "")
    try:
        reference_date = reference_date_from(typed)
    except BadReferenceDate:
        return redirect(url_for("register.index", reference_date=typed))
    name, content, checked = export(reference_date)
    return zip_response(name, content, checked)

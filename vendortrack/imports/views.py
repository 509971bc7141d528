"""Import pages: upload, preview with an editable column mapping, confirm; the template and the
XLSX register export."""
from __future__ import annotations

import json
from datetime import date

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from werkzeug.exceptions import RequestEntityTooLarge
from wtforms import BooleanField, HiddenField

from ..annex.views import REGISTER_ROLES
from ..clock import today
from ..domain.text import plural
from ..permissions import can_import
from ..queries import EngagementFilter
from . import service
from .columns import FIELDS, is_computed, label
from .reading import MAX_BYTES, MAX_REQUEST, Refused
from .values import ORDERS
from .workbook import register_xlsx, template_xlsx

bp = Blueprint("imports", __name__)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SHOWN_ROWS = 300
MAX_COLUMNS = 1000  # per kind of row on the preview page; the counts cover all of them


class UploadForm(FlaskForm):
    file = FileField("Excel workbook (.xlsx) or CSV file",
                     description="Up to 20 MB. Nothing is saved until you confirm.")


class ConfirmForm(FlaskForm):
    mapping = HiddenField()
    orders = HiddenField()
    sha256 = HiddenField()
    digest = HiddenField()
    skip_problems = BooleanField("Skip rows with problems (they are listed above and left out)")


def _require_import_role():
    if not can_import(current_user):
        abort(403)


def allow_large_upload() -> None:
    """Imports may send up to 20 MB (the app's limit for other requests stays lower)."""
    request.max_content_length = MAX_REQUEST


@bp.url_value_preprocessor
def _before_csrf_check(endpoint, values):
    # URL value preprocessors run before the app's before_request CSRF check reads the form.
    allow_large_upload()


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(error):
    form = UploadForm(formdata=None)
    form.file.errors = ["The file is larger than 20 MB. Split the register into several "
                        "files."]
    return render_template("imports/upload.html", form=form), 413


@bp.route("/import", methods=["GET", "POST"])
def upload():
    _require_import_role()
    form = UploadForm()
    if form.validate_on_submit():
        sent = form.file.data
        if not sent or not sent.filename:
            form.file.errors = ["Choose a file to import."]
        else:
            data = sent.read(MAX_BYTES + 1)
            try:
                stored = service.store(data, sent.filename, current_user)
            except Refused as refused:
                form.file.errors = [str(refused)]
            else:
                return redirect(url_for("imports.preview", token=stored.token))
        return render_template("imports/upload.html", form=form), 422
    return render_template("imports/upload.html", form=form)


def _mapping_from(values: dict) -> list[str | None] | None:
    """The mapping sent as map-0=title, map-1=vendor, … (None: not sent, guess it)."""
    positions = [int(k[4:]) for k in values if k.startswith("map-") and k[4:].isdigit()
                 and int(k[4:]) < MAX_COLUMNS]
    if not positions:
        return None
    return [values.get(f"map-{i}") if values.get(f"map-{i}") in FIELDS else None
            for i in range(max(positions) + 1)]


def _orders_from(values: dict) -> dict[str, str]:
    return {key[len("order-"):]: value for key, value in values.items()
            if key.startswith("order-") and value in ORDERS}


def _stored_or_404(token: str) -> service.Stored:
    stored = service.load(token, current_user)
    if stored is None:
        abort(404)
    return stored


def _render_preview(stored: service.Stored, mapping, orders, status: int = 200):
    try:
        upload, plan = service.preview(stored.data, stored.filename, mapping, orders)
    except Refused as refused:
        flash(str(refused), "error")
        return redirect(url_for("imports.upload"))
    form = ConfirmForm(formdata=None, mapping=json.dumps(plan.mapping),
                       orders=json.dumps(orders), sha256=stored.sha256, digest=plan.digest())
    unmapped = [(h, is_computed(h)) for h, key in zip(plan.headers, plan.mapping, strict=True)
                if key is None]
    samples = [[cells[i] for _, cells in upload.main.rows[:3]]
               for i in range(len(plan.headers))]
    return render_template("imports/preview.html", stored=stored, plan=plan, form=form,
                           fields=[(key, label(key)) for key in FIELDS], samples=samples,
                           unmapped=unmapped, orders=orders, ORDERS=ORDERS,
                           shown_rows=SHOWN_ROWS), status


@bp.get("/import/<token>")
def preview(token: str):
    _require_import_role()
    stored = _stored_or_404(token)
    args = request.args.to_dict()
    return _render_preview(stored, _mapping_from(args), _orders_from(args))


def _decoded(text: str | None, kind):
    try:
        value = json.loads(text or "null")
    except ValueError:
        return None
    return value if isinstance(value, kind) else None


@bp.post("/import/<token>")
def confirm(token: str):
    _require_import_role()
    stored = _stored_or_404(token)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    mapping = _decoded(form.mapping.data, list)
    if mapping is not None:
        mapping = [m if m in FIELDS else None for m in mapping]
    orders = {k: v for k, v in (_decoded(form.orders.data, dict) or {}).items()
              if v in ORDERS}
    try:
        plan = service.confirm(stored.data, stored.filename, current_user, mapping=mapping,
                               orders=orders, skip_problems=form.skip_problems.data,
                               expected_sha256=form.sha256.data or "",
                               expected_digest=form.digest.data or "")
    except service.Stale as stale:
        flash(f"Nothing was imported: {stale} Check this fresh preview and confirm again.",
              "error")
        return _render_preview(stored, mapping, orders, 409)
    except Refused as refused:
        flash(f"Nothing was imported: {refused}", "error")
        return _render_preview(stored, mapping, orders, 422)
    service.discard(token)
    counts = plan.counts
    message = (f"Imported {stored.filename}: {counts['create']} created, {counts['update']} "
               f"updated, {counts['unchanged']} unchanged.")
    if counts["problem"]:
        message += (f" {plural(counts['problem'], 'row')} with problems "
                    f"{'was' if counts['problem'] == 1 else 'were'} skipped.")
    flash(message, "success")
    return redirect(url_for("engagements.index"))


@bp.get("/import/template.xlsx")
def template():
    _require_import_role()
    return Response(template_xlsx(), mimetype=XLSX, headers={
        "Content-Disposition": 'attachment; filename="vendortrack-import-template.xlsx"'})


@bp.get("/engagements/register.xlsx")
def register():
    if current_user.role not in REGISTER_ROLES:
        abort(403)
    day: date = today()
    filters = EngagementFilter.from_args(request.args)
    return Response(register_xlsx(filters.conditions(day), day), mimetype=XLSX, headers={
        "Content-Disposition":
            f'attachment; filename="engagement-register-{day.isoformat()}.xlsx"'})

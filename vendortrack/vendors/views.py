"""Vendors: the companies engagements are outsourced to."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import with_expression

from .. import services
from ..domain.text import clean_text
from ..extensions import db
from ..forms import VendorForm
from ..models import Engagement, Vendor
from ..permissions import can_manage_vendors
from ..queries import page_number

bp = Blueprint("vendors", __name__, url_prefix="/vendors")


@bp.route("/")
def index():
    count = (select(func.count(Engagement.id)).where(Engagement.vendor_id == Vendor.id)
             .correlate(Vendor).scalar_subquery())
    counts = (select(Vendor).options(with_expression(Vendor.engagement_count, count))
              .order_by(Vendor.name_key))
    q = clean_text(request.args.get("q", ""))[:200]
    if q:
        counts = counts.where(Vendor.name_key.contains(q.lower(), autoescape=True))
    page = db.paginate(counts, page=page_number(request.args.get("page")) or 1, per_page=50,
                       error_out=False)
    return render_template("vendors/index.html", page=page, q=q)


def _save(vendor: Vendor | None):
    if not can_manage_vendors(current_user):
        abort(403)
    form = VendorForm(obj=vendor)
    if form.validate_on_submit():
        if services.vendor_name_taken(form.name.data, vendor.id if vendor else None):
            form.name.errors.append("A vendor with this name already exists.")
        else:
            try:
                saved = services.save_vendor(vendor, **form.values(), user=current_user)
            except services.VendorNameTaken:
                form.name.errors.append("A vendor with this name was created a moment ago by "
                                        "someone else; nothing was saved.")
            else:
                flash(f"Saved vendor {saved.name}.", "success")
                return redirect(url_for("vendors.show", vendor_id=saved.id))
    return render_template("vendors/form.html", form=form, vendor=vendor)


@bp.route("/new", methods=["GET", "POST"])
def create():
    return _save(None)


@bp.route("/<int:vendor_id>/edit", methods=["GET", "POST"])
def edit(vendor_id: int):
    return _save(db.get_or_404(Vendor, vendor_id))


@bp.route("/<int:vendor_id>")
def show(vendor_id: int):
    vendor = db.get_or_404(Vendor, vendor_id)
    engagements = db.session.scalars(
        select(Engagement).where(Engagement.vendor_id == vendor.id)
        .order_by(Engagement.updated_at.desc()).limit(50)).all()
    total = db.session.scalar(select(func.count(Engagement.id))
                              .where(Engagement.vendor_id == vendor.id))
    return render_template("vendors/show.html", vendor=vendor, engagements=engagements,
                           total=total)

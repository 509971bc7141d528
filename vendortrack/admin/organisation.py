"""The Organisation page: administrators set who files the register of information.

The route lives on the admin blueprint (administrators only, see ``admin.views``).
"""
from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user

from ..register.forms import SCOPES, OrganisationForm
from ..register.organisation import current_organisation, save_organisation, stored
from .views import bp


@bp.route("/organisation", methods=["GET", "POST"])
def organisation():
    form = OrganisationForm.for_settings(stored())
    if form.validate_on_submit():
        changes = save_organisation(form.values(), current_user)
        flash("Saved the organisation settings." if changes else "Nothing changed.",
              "success")
        return redirect(url_for("admin.organisation"))
    in_use, origins = current_organisation()
    return render_template("admin/organisation.html", form=form, in_use=in_use,
                           origins=origins, SCOPES=SCOPES)

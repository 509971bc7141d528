"""Successors attest what they can do without the vendor: operate, maintain, extend, explain."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_login import current_user

from .. import services
from ..clock import today
from ..domain.vocabulary import ABILITIES
from ..extensions import db
from ..models import EngagementPerson
from ..permissions import can_attest_readiness

bp = Blueprint("readiness", __name__)


CONFLICT = "Someone changed this engagement at the same moment; please try again."


def successor_of(engagement_id: int, person_id: int) -> EngagementPerson | None:
    """Row ``person_id`` when it is a successor of engagement ``engagement_id``, else None."""
    row = db.session.get(EngagementPerson, person_id)
    if row is None or row.engagement_id != engagement_id or row.kind != "successor":
        return None
    return row


@bp.route("/engagements/<int:engagement_id>/successors/<int:person_id>/readiness",
          methods=["POST"])
def attest(engagement_id: int, person_id: int):
    successor = successor_of(engagement_id, person_id)
    if successor is None:
        abort(404)
    if not can_attest_readiness(current_user, successor):
        abort(403)
    abilities = {a for a in request.form.getlist("abilities") if a in ABILITIES}
    try:
        recorded = services.record_readiness(successor, abilities, current_user, today())
    except services.NotAllowed as refusal:  # the rows changed meanwhile (see the service)
        flash(str(refusal), "error")
    except services.EditConflict:
        flash(CONFLICT, "error")
    else:
        names = ", ".join(ABILITIES[a].lower() for a in ABILITIES if a in abilities)
        flash(f"Recorded: {recorded.name} can {names or 'do none of these yet'}.", "success")
    return redirect(url_for("engagements.show", engagement_id=engagement_id,
                            _anchor="readiness"))

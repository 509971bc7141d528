"""The API's readiness route: a successor (or the internal owner for them) records what they
can do without the vendor, as on the engagement page."""
from __future__ import annotations

from flask import jsonify
from flask_login import current_user

from .. import services
from ..api.views import bp
from ..clock import today
from ..domain.vocabulary import ABILITIES
from ..errors import http_error, json_body, json_error
from ..permissions import can_attest_readiness
from ..queries import engagement_or_404
from .views import CONFLICT, successor_of

ABILITIES_HELP = f"Send a list of what they can do: any of {', '.join(ABILITIES)}."


@bp.post("/engagements/<int:engagement_id>/successors/<int:person_id>/readiness")
def record_readiness(engagement_id: int, person_id: int):
    engagement_or_404(engagement_id)
    successor = successor_of(engagement_id, person_id)
    if successor is None:
        raise http_error(404, "This engagement has no such successor.")
    if not can_attest_readiness(current_user, successor):
        raise http_error(403, "Successors record their own readiness; the internal owner may "
                              "record it for them. Nobody else may.")
    data = json_body()
    abilities = data.get("abilities") if isinstance(data, dict) else None
    if not isinstance(abilities, list) or not all(
            isinstance(a, str) and a in ABILITIES for a in abilities):
        return jsonify({"errors": {"abilities": [ABILITIES_HELP]}}), 422
    try:
        row = services.record_readiness(successor, set(abilities), current_user, today())
    except services.NotAllowed as refusal:  # the rows changed meanwhile (see the service)
        return json_error(409, "Conflict", str(refusal))
    except services.EditConflict:
        return json_error(409, "Conflict", CONFLICT)
    return jsonify({"id": row.id, "name": row.name, "readiness": services.readiness_json(row)})

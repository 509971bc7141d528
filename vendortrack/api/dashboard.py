"""The API's dashboard route: the leadership dashboard's figures as JSON for BI tools."""
from __future__ import annotations

from flask import jsonify, request

from ..clock import today
from ..dashboard import figures
from ..dashboard.views import cached_figures, list_links
from .views import bp


@bp.get("/dashboard")
def dashboard():
    scope = figures.scope_from_args(request.args)
    data = cached_figures(scope, today())
    return jsonify(data.to_json(link=list_links()))
